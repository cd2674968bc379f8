//! Editing a webhook channel through the real `herald` binary: a running dispatcher signs with
//! a rotated secret from then on, credential header values never reach the database or the
//! CLI's output, and bad edits name the field.

mod common;

use std::process::Output;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::sink::{Proc, Reply, Seen, Sink};
use common::{wait_for, Herald};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_cm90YXRlZC1zZWNyZXQtZm9yLWhlcmFsZA==";

/// Runs `herald ARGS` with `input` on standard input.
fn with_stdin(h: &Herald, args: &[&str], input: &str) -> Output {
    let out = h.with_stdin(args, &format!("{input}\n"));
    assert!(
        out.status.success(),
        "herald {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether the request carries a Standard Webhooks signature made with `secret`, computed
/// here from the spec (HMAC-SHA256 keyed with the decoded secret over `id.timestamp.body`).
fn verifies(secret: &str, seen: &Seen) -> bool {
    let key = BASE64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let id = seen.header("webhook-id").expect("webhook-id");
    let timestamp = seen.header("webhook-timestamp").expect("webhook-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&seen.body);
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    seen.header("webhook-signature")
        .expect("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

fn send_notice(h: &Herald, title: &str) {
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        title,
        "--body",
        "你好 {{ name }}",
        "--channel",
        "hook",
    ]);
    h.json(&["notices", "send", &n["id"].to_string()]);
}

#[test]
fn a_running_dispatcher_signs_with_the_rotated_secret_and_not_the_old_one() {
    let sink = Sink::start(|_| Reply::ok());
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "王小明", "--email", "wxm@example.edu.cn"]);
    let url = sink.url();
    with_stdin(
        &h,
        &[
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            &url,
            "--secret-stdin",
        ],
        OLD,
    );
    let logs = tempfile::tempdir().unwrap();
    let mut cmd = h.cmd();
    cmd.args(["dispatch", "--quiet"]);
    let mut dispatcher = Proc::spawn(cmd, logs.path(), "dispatch");

    send_notice(&h, "第一次");
    wait_for("the first request", Duration::from_secs(20), || {
        sink.request_count() == 1
    });
    let out = with_stdin(
        &h,
        &["channels", "edit", "webhook", "hook", "--secret-stdin", "--json"],
        NEW,
    );
    let edited: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(edited["name"], "hook");
    send_notice(&h, "第二次");
    wait_for("the second request", Duration::from_secs(20), || {
        sink.request_count() == 2
    });
    dispatcher.assert_running();
    dispatcher.kill();

    let seen: Vec<Seen> = sink.exchanges().into_iter().map(|e| e.request).collect();
    assert!(
        verifies(OLD, &seen[0]) && !verifies(NEW, &seen[0]),
        "first request: old secret"
    );
    assert!(verifies(NEW, &seen[1]), "second request: signed with the new secret");
    assert!(
        !verifies(OLD, &seen[1]),
        "second request: the old secret no longer works"
    );

    let shown = h.json(&["channels", "show", "hook"]);
    assert_eq!(shown["settings"]["settings"]["signing"], true);
    assert_eq!(shown["settings"]["secretsSet"], serde_json::json!(["secret"]));
    let text = shown.to_string();
    assert!(!text.contains(&OLD[6..]) && !text.contains(&NEW[6..]), "{text}");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn credential_header_values_never_reach_the_database_nor_show() {
    const TOKEN: &str = "Bearer tok-9f8e7d6c5b4a";
    const KEY: &str = "key-0a1b2c3d4e5f";
    let sink = Sink::start(|_| Reply::ok());
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "王小明", "--email", "wxm@example.edu.cn"]);
    let url = sink.url();
    let auth = format!("Authorization: {TOKEN}");
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        &url,
        "--header",
        &auth,
        "--header",
        "X-Team: office",
    ]);
    let api_key = format!("X-Api-Key: {KEY}");
    h.json(&[
        "channels",
        "edit",
        "webhook",
        "hook",
        "--header",
        &api_key,
        "--remove-header",
        "x-team",
        "--timeout-ms",
        "5000",
    ]);
    send_notice(&h, "通知");
    assert_eq!(h.json(&["dispatch", "--until-idle"])["sent"], 1);

    // The receiver gets the values from the secret store, and the removed header is gone.
    let seen = &sink.exchanges()[0].request;
    assert_eq!(seen.header("authorization"), Some(TOKEN));
    assert_eq!(seen.header("x-api-key"), Some(KEY));
    assert_eq!(seen.header("x-team"), None);

    let shown = h.json(&["channels", "show", "hook"]);
    assert_eq!(
        shown["settings"]["settings"]["headers"],
        serde_json::json!({"Authorization": null, "X-Api-Key": null})
    );
    assert_eq!(shown["settings"]["settings"]["timeout-ms"], 5000);
    let human = h.cmd().args(["channels", "show", "hook"]).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("Authorization: (in the secret store)"));
    let history = h.json(&["history", "--run", "1"]);
    for text in [
        shown.to_string().into_bytes(),
        human.stdout,
        history.to_string().into_bytes(),
        std::fs::read(h.db_path()).unwrap(),
        std::fs::read(h.data_dir().join("herald.db-wal")).unwrap_or_default(),
    ] {
        assert!(!contains(&text, TOKEN) && !contains(&text, KEY));
    }
    let secrets = std::fs::read(h.data_dir().join("secrets.json")).unwrap();
    assert!(contains(&secrets, TOKEN) && contains(&secrets, KEY));
}

#[test]
fn bad_edits_exit_2_and_name_the_field() {
    let h = Herald::new();
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        "https://example.org/in",
    ]);
    let edit = |extra: &[&str]| {
        let mut args = vec!["channels", "edit", "webhook", "hook"];
        args.extend_from_slice(extra);
        h.fails(&args)
    };
    for (flags, field) in [
        (&["--timeout-ms", "0"][..], "timeout-ms"),
        (&["--url", "ftp://example.org"][..], "url"),
        (&["--method", "GET"][..], "method"),
        (&["--signing", "maybe"][..], "--signing"),
        (&["--signing", "on"][..], "secret"),
        (&["--header", "Authorization Bearer x"][..], "--header"),
        (&["--header", "Host: evil.example"][..], "headers.Host"),
        (&["--remove-header", "X-Nope"][..], "headers.X-Nope"),
        (&["--body-template-file", "/nonexistent/body.j2"][..], "body-template"),
        (&[][..], "nothing to change"),
    ] {
        let (code, stderr) = edit(flags);
        assert_eq!(code, 2, "{flags:?}: {stderr}");
        assert!(stderr.contains(field), "{flags:?}: {stderr}");
    }
    assert!(!edit(&["--header", "Authorization Bearer x"]).1.contains("Bearer"));
    let (code, stderr) = h.fails(&["channels", "edit", "webhook", "nope", "--url", "https://example.org/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no channel named nope"), "{stderr}");
    let (code, stderr) = h.fails(&[
        "channels",
        "edit",
        "webhook",
        "sandbox",
        "--url",
        "https://example.org/",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a webhook"), "{stderr}");
}

/// Runs `herald ARGS --json` with `input` on standard input; returns the JSON and stderr.
fn json_with_stdin(h: &Herald, args: &[&str], input: &str) -> (serde_json::Value, String) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = with_stdin(h, &all, input);
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn url_query_secrets_and_secret_headers_stay_out_of_files_views_and_reasons() {
    // A DingTalk-style robot URL whose token is in the query, and a header whose name does not
    // look like a credential, marked secret. The receiver fails and echoes what it got.
    const QTOKEN: &str = "qtok3n-7f1e2d3c4b5a";
    const TENANT: &str = "t3nant-9a8b7c6d";
    const PASS: &str = "pa55-0a1b2c3d";
    let echo = format!("bad request for access_token={QTOKEN} tenant={TENANT} pass={PASS}");
    let sink = Sink::start(move |_| Reply::status(500).body(&echo));
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "王小明", "--email", "wxm@example.edu.cn"]);
    let url = format!("{}?access_token={QTOKEN}&msgtype=text", sink.url());
    let tenant_file = h.data_dir().join("tenant.txt");
    std::fs::write(&tenant_file, format!("{TENANT}\n")).unwrap();
    let tenant_flag = format!("X-Tenant: {}", tenant_file.display());
    // The URL from standard input, the marked header from a file: no secret on the command line.
    let (added, stderr) = json_with_stdin(
        &h,
        &[
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            "-",
            "--header-file",
            &tenant_flag,
            "--secret-header",
            "X-Tenant",
            "--max-attempts",
            "1",
        ],
        &url,
    );
    assert_eq!(added["name"], "hook");
    assert!(!stderr.contains("warning"), "{stderr}");
    // A credential-looking header from standard input, in an edit.
    let (_, stderr) = json_with_stdin(
        &h,
        &["channels", "edit", "webhook", "hook", "--header", "X-Api-Pass: -"],
        PASS,
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    send_notice(&h, "通知");
    let done = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(done["failed"], 1, "{done}");

    // The receiver got the whole URL and the headers' values.
    let seen = &sink.exchanges()[0].request;
    assert!(
        seen.target.ends_with(&format!("?access_token={QTOKEN}&msgtype=text")),
        "{}",
        seen.target
    );
    assert_eq!(seen.header("x-tenant"), Some(TENANT));
    assert_eq!(seen.header("x-api-pass"), Some(PASS));

    let shown = h.json(&["channels", "show", "hook"]);
    assert_eq!(
        shown["settings"]["settings"]["headers"],
        serde_json::json!({"X-Api-Pass": null, "X-Tenant": null})
    );
    assert!(shown["settings"]["settings"]["url"]
        .as_str()
        .unwrap()
        .ends_with("?access_token=********&msgtype=text"));
    let human = h.cmd().args(["channels", "show", "hook"]).output().unwrap();
    let history = h.json(&["history", "--run", "1"]);
    let reason = history.to_string();
    assert!(reason.contains("HTTP 500"), "{reason}");
    let list = h.cmd().args(["channels", "list"]).output().unwrap();
    for (what, text) in [
        ("show --json", shown.to_string().into_bytes()),
        ("show", human.stdout),
        ("history", history.to_string().into_bytes()),
        ("list", list.stdout),
        ("database", std::fs::read(h.db_path()).unwrap()),
        (
            "WAL",
            std::fs::read(h.data_dir().join("herald.db-wal")).unwrap_or_default(),
        ),
    ] {
        for secret in [QTOKEN, TENANT, PASS] {
            assert!(!contains(&text, secret), "{secret} in {what}");
        }
    }
    let secrets = std::fs::read(h.data_dir().join("secrets.json")).unwrap();
    assert!(contains(&secrets, QTOKEN) && contains(&secrets, TENANT) && contains(&secrets, PASS));

    // An edit that gives the URL as shown keeps the token; the next request carries it.
    let shown_url = shown["settings"]["settings"]["url"].as_str().unwrap().to_owned();
    h.json(&[
        "channels",
        "edit",
        "webhook",
        "hook",
        "--url",
        &shown_url,
        "--max-attempts",
        "2",
    ]);
    let loaded = h.json(&["channels", "show", "hook"]);
    assert_eq!(
        loaded["settings"]["settings"]["url"],
        shown["settings"]["settings"]["url"]
    );
    // A secret typed on the command line still works, with a warning.
    let typed = format!("{}?key={QTOKEN}", sink.url());
    let out = h
        .cmd()
        .args([
            "channels",
            "edit",
            "webhook",
            "hook",
            "--url",
            &typed,
            "--header",
            "Authorization: Bearer x-123456",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the URL's secret query values are on the command line"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: the value of the header Authorization"),
        "{stderr}"
    );
    assert!(!stderr.contains(QTOKEN) && !stderr.contains("x-123456"), "{stderr}");
}
