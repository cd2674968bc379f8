//! The e-mail channel end to end through the real `herald` binary and a real SMTP server on
//! 127.0.0.1 (aiosmtpd, tests/common/smtp.rs): what arrives is parsed as a mail client would
//! and checked header by header and body by body; TLS is checked against a CA made for the
//! test; scripted replies show how each is classified; and the password appears nowhere.

mod common;

use std::time::Duration;

use common::smtp::{Script, Security, SmtpOptions, SmtpServer};
use common::{wait_for, Herald};
use serde_json::Value;

const USER: &str = "jwc";
const PASSWORD: &str = "p@ss 密码 1";
const WAIT: Duration = Duration::from_secs(20);

const SHEET: &str = "学号,姓名,邮箱,班级\n\
S1,王小明,wxm@example.edu.cn,农学2401\n\
S2,Émile Zola,emile@example.edu.cn,法语2301\n\
S3,欧阳·娜娜,ouyang@example.edu.cn,农学2401\n";

const BODY: &str = "{{ name }}同学：\n请于**12月20日**前登录[教务系统](https://jwc.example.edu.cn)确认考场。\n\n- 地点：3号楼 301\n- 时间：9:00–11:00\n";

/// Runs `herald ARGS` with `input` on its standard input.
fn with_stdin(h: &Herald, args: &[&str], input: &str) -> std::process::Output {
    h.with_stdin(args, input)
}

/// The arguments every `herald channels add smtp` here starts with: a server on 127.0.0.1.
fn add_args<'a>(name: &'a str, port: &'a str, security: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "channels",
        "add",
        "smtp",
        "--name",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        port,
    ];
    args.extend(["--security", security, "--from", "jwc@example.edu.cn"]);
    args
}

/// `herald channels add smtp …` trusting the server's CA, with the password on standard input.
fn add_channel(h: &Herald, name: &str, server: &SmtpServer, security: &str, password: Option<&str>, extra: &[&str]) {
    let port = server.port().to_string();
    let ca = server.ca_file();
    let mut args = add_args(name, &port, security);
    args.extend(["--from-name", "教务处", "--ca-file", ca.to_str().unwrap()]);
    if password.is_some() {
        args.extend(["--user", USER, "--password-stdin"]);
    }
    args.extend(extra);
    let out = with_stdin(h, &args, &format!("{}\n", password.unwrap_or("")));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `herald channels add smtp` for implicit TLS without a login, trusting `ca` when given.
fn add_tls_channel(h: &Herald, name: &str, port: &str, ca: Option<&std::path::Path>) -> std::process::Output {
    let mut cmd = h.cmd();
    cmd.args(add_args(name, port, "tls"));
    if let Some(ca) = ca {
        cmd.arg("--ca-file").arg(ca);
    }
    cmd.output().unwrap()
}

fn import(h: &Herald, sheet: &str) {
    let file = h.dir.path().join("名单.csv");
    std::fs::write(&file, sheet).unwrap();
    h.json(&["contacts", "import", file.to_str().unwrap()]);
}

fn send(h: &Herald, channel: &str, subject: &str) -> Value {
    send_with(h, channel, subject, &[])
}

fn send_with(h: &Herald, channel: &str, subject: &str, extra: &[&str]) -> Value {
    let body = h.dir.path().join("body.md");
    std::fs::write(&body, BODY).unwrap();
    let body = body.to_str().unwrap();
    let mut args = vec!["notices", "create", "--title", "期末考试安排", "--subject", subject];
    args.extend(["--body-file", body, "--channel", channel]);
    args.extend(extra);
    let notice = h.json(&args);
    let id = notice["id"].to_string();
    h.json(&["notices", "send", &id])
}

fn deliveries(h: &Herald, run: &Value) -> Vec<Value> {
    let detail = h.json(&["history", "--run", &run["id"].to_string()]);
    detail["deliveries"].as_array().unwrap().clone()
}

#[test]
fn a_chinese_notice_arrives_over_starttls_with_auth_exactly_as_written() {
    let server = SmtpServer::start(SmtpOptions {
        security: Security::StartTls,
        auth: Some((USER.into(), PASSWORD.into())),
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_channel(&h, "教务处邮箱", &server, "starttls", Some(PASSWORD), &[]);
    import(&h, SHEET);

    let test = h.json(&["channels", "test", "教务处邮箱", "--to", "office@example.edu.cn"]);
    assert_eq!(test["ok"], true, "{test}");
    assert!(test["reply"].as_str().unwrap().starts_with("250"), "{test}");
    server.wait_for_messages(1, WAIT);

    // A file whose name a mail client must show in Chinese, with bytes of every value.
    let pdf: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let original = h.dir.path().join("2026秋季学期 期末考场安排（终稿）.pdf");
    std::fs::write(&original, &pdf).unwrap();
    let subject = "{{ name }}同学：期末考试安排（{{ class }}）";
    let run = send_with(&h, "教务处邮箱", subject, &["--attach", original.to_str().unwrap()]);
    // Herald sends its own copy: the original may move or change after the notice is saved.
    std::fs::remove_file(&original).unwrap();
    let report = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(report["sent"], 3, "{report}");
    let received = server.wait_for_messages(4, WAIT);
    let by_address = |a: &str| {
        received
            .iter()
            .find(|r| r.envelope.rcpt_tos == [a])
            .unwrap_or_else(|| panic!("nothing arrived for {a}"))
    };
    let sent = deliveries(&h, &run);
    for (address, name, class) in [
        ("wxm@example.edu.cn", "王小明", "农学2401"),
        ("emile@example.edu.cn", "Émile Zola", "法语2301"),
        ("ouyang@example.edu.cn", "欧阳·娜娜", "农学2401"),
    ] {
        let r = by_address(address);
        assert!(r.envelope.tls, "sent in the clear");
        assert_eq!(r.envelope.auth_user.as_deref(), Some(USER));
        assert_eq!(r.envelope.mail_from, "jwc@example.edu.cn");
        assert!(r.raw.is_ascii(), "non-ASCII bytes on the wire:\n{}", r.raw_text());
        let mail = r.mail();
        assert_eq!(
            mail.subject.as_deref(),
            Some(format!("{name}同学：期末考试安排（{class}）").as_str())
        );
        assert!(r.raw_header("Subject").unwrap().contains("=?utf-8?"), "RFC 2047");
        assert_eq!(mail.from_name.as_deref(), Some("教务处"));
        assert_eq!(mail.from_address.as_deref(), Some("jwc@example.edu.cn"));
        assert_eq!(mail.to, vec![(Some(name.to_owned()), address.to_owned())]);
        let delivery = sent.iter().find(|d| d["address"] == address).unwrap();
        let id = mail.message_id.clone().unwrap();
        assert!(id.starts_with(&format!("herald.{}.", delivery["id"])), "{id}");
        assert_eq!(
            mail.text.as_deref(),
            Some(
                format!(
                    "{name}同学：\r\n请于12月20日前登录教务系统 (https://jwc.example.edu.cn)确认考场。\r\n\r\n- 地点：3号楼 301\r\n- 时间：9:00–11:00\r\n"
                )
                .as_str()
            ),
            "the text part"
        );
        let html = mail.html.unwrap();
        assert!(html.contains(&format!("{name}同学：<br />")), "{html}");
        assert!(html.contains("<strong>12月20日</strong>"), "{html}");
        assert!(html.contains("href=\"https://jwc.example.edu.cn\""), "{html}");
        assert!(html.contains("<li style="), "{html}");
        assert!(
            delivery["providerMessageId"].as_str().unwrap().starts_with("250"),
            "{delivery}"
        );
        assert_eq!(mail.attachments.len(), 1);
        let file = &mail.attachments[0];
        assert_eq!(file.name.as_deref(), Some("2026秋季学期 期末考场安排（终稿）.pdf"));
        assert_eq!(file.content_type, "application/pdf");
        assert!(file.bytes == pdf, "the attachment's bytes changed on the way");
        let raw = r.raw_text();
        assert!(raw.contains("filename*"), "RFC 2231 name for current clients");
        assert!(
            raw.contains("name=\"=?utf-8?b?"),
            "RFC 2047 name for older Outlook and Foxmail"
        );
    }
}

#[test]
fn implicit_tls_without_auth_trusts_only_the_given_ca() {
    let server = SmtpServer::start(SmtpOptions {
        security: Security::ImplicitTls,
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_channel(&h, "mail", &server, "tls", None, &[]);
    let test = h.json(&["channels", "test", "mail", "--to", "office@example.edu.cn"]);
    assert_eq!(test["ok"], true, "{test}");
    let r = &server.wait_for_messages(1, WAIT)[0];
    assert!(r.envelope.tls);
    assert_eq!(r.envelope.auth_user, None);

    // The same CA as a binary `.cer`, as Windows exports it: read as DER and trusted the same.
    use base64::Engine as _;
    let body: String = server.ca_pem().lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let cer = h.dir.path().join("校园 CA.cer");
    std::fs::write(&cer, der).unwrap();
    let port = server.port().to_string();
    let added = add_tls_channel(&h, "der-ca", &port, Some(&cer));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let test = h.json(&["channels", "test", "der-ca", "--to", "office@example.edu.cn"]);
    assert_eq!(test["ok"], true, "{test}");
    server.wait_for_messages(2, WAIT);

    // A file that is no certificate is refused when the channel is added, naming the file.
    let wrong = h.dir.path().join("名单.csv");
    std::fs::write(&wrong, "学号,姓名\n2024001,王小明\n").unwrap();
    let out = add_tls_channel(&h, "wrong-file", &port, Some(&wrong));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--ca-file") && stderr.contains("名单.csv"), "{stderr}");

    // The same server, trusted through the public roots only: its certificate is refused.
    assert!(add_tls_channel(&h, "public-roots", &port, None).status.success());
    let out = h
        .cmd()
        .args([
            "channels",
            "test",
            "public-roots",
            "--to",
            "office@example.edu.cn",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["ok"], false);
    assert!(result["reply"].as_str().unwrap().contains("TLS"), "{result}");
}

#[test]
fn replies_are_classified_retry_invalid_address_or_sent() {
    let server = SmtpServer::start(SmtpOptions {
        security: Security::StartTls,
        script: Script::default()
            .rcpt("nouser@", "550 5.1.1 no such user")
            .fail_first("busy@", 1, "421 4.3.2 try again later")
            .fail_first("full@", 2, "452 4.2.2 mailbox full"),
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_channel(&h, "mail", &server, "starttls", None, &["--retry-base-secs", "1"]);
    import(
        &h,
        "学号,姓名,邮箱\nS1,甲,ok@example.edu.cn\nS2,乙,nouser@example.edu.cn\nS3,丙,busy@example.edu.cn\nS4,丁,full@example.edu.cn\n",
    );
    let run = send(&h, "mail", "通知");
    let report = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(
        (report["sent"].as_i64(), report["failed"].as_i64()),
        (Some(3), Some(1)),
        "{report}"
    );
    let all = deliveries(&h, &run);
    let of = |a: &str| all.iter().find(|d| d["address"] == a).unwrap().clone();
    let outcomes = |d: &Value| -> Vec<String> {
        d["attemptLog"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(outcomes(&of("ok@example.edu.cn")), ["sent"]);
    assert_eq!(outcomes(&of("busy@example.edu.cn")), ["retry", "sent"]);
    assert_eq!(outcomes(&of("full@example.edu.cn")), ["retry", "retry", "sent"]);
    let nouser = of("nouser@example.edu.cn");
    assert_eq!(nouser["status"], "failed");
    assert_eq!(outcomes(&nouser), ["permanent"]);
    assert!(nouser["lastError"].as_str().unwrap().contains("550"), "{nouser}");
    // The address is marked invalid, so the next notice does not try it again.
    let preview = h.json(&["audience", "preview", "all", "--channel", "mail"]);
    assert_eq!(preview["channels"][0]["invalidAddress"], 1, "{preview}");
    assert_eq!(preview["channels"][0]["reachable"], 3, "{preview}");
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn a_refused_login_pauses_the_channel_and_the_password_is_nowhere() {
    let server = SmtpServer::start(SmtpOptions {
        security: Security::StartTls,
        auth: Some((USER.into(), "the-right-one".into())),
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_channel(&h, "mail", &server, "starttls", Some(PASSWORD), &[]);
    import(&h, SHEET);
    send(&h, "mail", "通知");
    let mut dispatcher = h.spawn(&["dispatch"]);
    wait_for("the channel to pause itself", WAIT, || {
        h.json(&["channels", "show", "mail"])["paused"] == true
    });
    dispatcher.kill().unwrap();
    let output = dispatcher.wait_with_output().unwrap();
    let shown = h.json(&["channels", "show", "mail"]);
    let reason = shown["pausedReason"].as_str().unwrap();
    assert!(
        reason.contains("refused the login") && reason.contains("535"),
        "{reason}"
    );
    assert!(server.messages().is_empty());
    let history = h.json(&["history"]);
    assert_eq!(history[0]["sent"], 0);

    // Nowhere: not in the database or its WAL, the channel as shown, the audit log, the
    // history, nor anything the processes printed.
    let mut places = vec![
        ("channels show", shown.to_string()),
        ("channels list", h.json(&["channels", "list"]).to_string()),
        (
            "history",
            h.json(&["history", "--run", &history[0]["id"].to_string()]).to_string(),
        ),
        (
            "dispatcher stdout",
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ),
        (
            "dispatcher stderr",
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
    ];
    for file in ["herald.db", "herald.db-wal"] {
        let path = h.data_dir().join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            places.push((file, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for (place, text) in &places {
        for secret in [
            PASSWORD.to_owned(),
            b64.encode(PASSWORD),
            b64.encode(format!("\0{USER}\0{PASSWORD}")),
        ] {
            assert!(!text.contains(&secret), "the password is in {place}");
        }
    }
}

#[test]
fn an_edited_password_and_server_are_used_from_the_next_message() {
    let server = SmtpServer::start(SmtpOptions {
        security: Security::StartTls,
        auth: Some((USER.into(), PASSWORD.into())),
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_channel(&h, "mail", &server, "starttls", Some("an-old-password"), &[]);
    let test = |h: &Herald| {
        let out = h
            .cmd()
            .args(["channels", "test", "mail", "--to", "office@example.edu.cn", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let refused = test(&h);
    assert_eq!(refused["ok"], false);
    assert!(
        refused["reply"].as_str().unwrap().contains("refused the login"),
        "{refused}"
    );

    let args = [
        "channels",
        "edit",
        "smtp",
        "mail",
        "--password-stdin",
        "--from-name",
        "教务处（新）",
    ];
    let out = with_stdin(&h, &args, &format!("{PASSWORD}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(test(&h)["ok"], true);
    let mail = server.wait_for_messages(1, WAIT)[0].mail();
    assert_eq!(mail.from_name.as_deref(), Some("教务处（新）"));

    // Without a login the server refuses the sender; the stored password is forgotten.
    h.json(&["channels", "edit", "smtp", "mail", "--no-login"]);
    assert_eq!(test(&h)["ok"], false);
    let shown = h.json(&["channels", "show", "mail"]);
    assert_eq!(shown["settings"]["settings"]["username"], Value::Null, "{shown}");
    assert_eq!(shown["settings"]["secretsSet"], serde_json::json!([]), "{shown}");
    let (code, err) = h.fails(&["channels", "edit", "smtp", "mail", "--security", "ssl-please"]);
    assert_eq!(code, 2);
    assert!(err.contains("starttls, tls, none"), "{err}");
}

#[test]
fn a_notice_that_allows_opting_out_says_how_and_the_requests_that_come_back_are_recorded() {
    let server = SmtpServer::start(SmtpOptions::default());
    let h = Herald::new();
    add_channel(
        &h,
        "mail",
        &server,
        "none",
        None,
        &["--reply-to", "office@example.edu.cn"],
    );
    import(&h, SHEET);

    // An ordinary notice offers no way out.
    send(&h, "mail", "考场通知");
    assert_eq!(h.json(&["dispatch", "--until-idle"])["sent"], 3);
    let first = server.wait_for_messages(3, WAIT);
    assert!(first.iter().all(|r| r.raw_header("List-Unsubscribe").is_none()));
    assert!(first.iter().all(|r| !r.mail().text.unwrap().contains("退订")));

    // One that allows it: the header points at the office's reply-to mailbox, both parts say how.
    let run = send_with(&h, "mail", "讲座预告", &["--allow-unsubscribe"]);
    let notice = run["noticeId"].to_string();
    let preview = h.json(&["notices", "preview", &notice, "--contact", "S1", "--channel", "mail"]);
    assert_eq!(h.json(&["dispatch", "--until-idle"])["sent"], 3);
    let received = server.wait_for_messages(6, WAIT);
    let to_wxm = received[3..]
        .iter()
        .find(|r| r.envelope.rcpt_tos == ["wxm@example.edu.cn"])
        .expect("sent to wxm");
    assert_eq!(
        to_wxm.raw_header("List-Unsubscribe").as_deref(),
        Some("<mailto:office@example.edu.cn?subject=%E9%80%80%E8%AE%A2%20unsubscribe>")
    );
    let mail = to_wxm.mail();
    let crlf_text = mail.text.clone().unwrap();
    let text = crlf_text.replace("\r\n", "\n");
    assert!(
        text.ends_with(
            "\n-- \n不想再收到这类通知？发一封主题为“退订”的邮件到 office@example.edu.cn 即可退订。\n\
             To stop these notices, e-mail office@example.edu.cn with the subject \"unsubscribe\".\n"
        ),
        "{text:?}"
    );
    let html = mail.html.unwrap();
    assert!(html.contains("subject=%E9%80%80%E8%AE%A2%20unsubscribe\">退订</a>"));
    // The preview is what arrived, byte for byte, the opt-out line included.
    let part = |kind: &str| {
        preview[0]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == kind)
            .and_then(|p| p["content"].as_str())
            .unwrap_or_else(|| panic!("no {kind} part in {preview}"))
            .to_owned()
    };
    assert_eq!(preview[0]["address"], "wxm@example.edu.cn", "{preview}");
    assert_eq!(part("html"), html);
    assert_eq!(part("text"), crlf_text);
    assert_eq!(Some(part("subject")), mail.subject);

    // The request comes back as a mail from the student; its text is pasted as it is.
    let request = "发件人: 王小明 <WXM@example.edu.cn>\n收件人: office@example.edu.cn\n主题: 退订 unsubscribe\n\n\
                   也请退订 nobody@example.org";
    let look = with_stdin(&h, &["contacts", "unsubscribe", "--dry-run", "--json"], request);
    assert!(look.status.success(), "{}", String::from_utf8_lossy(&look.stderr));
    let look: Value = serde_json::from_slice(&look.stdout).unwrap();
    assert_eq!(look["matched"][0]["name"], "王小明");
    assert_eq!(look["matched"][0]["already"], false);
    assert_eq!(look["matched"].as_array().unwrap().len(), 1);
    assert_eq!(look["unknown"], serde_json::json!(["nobody@example.org"]));
    assert_eq!(look["own"], serde_json::json!(["office@example.edu.cn"]));
    assert_eq!(look["applied"], false);
    assert_eq!(h.json(&["contacts", "show", "S1"])["optedOut"], serde_json::json!([]));

    let done = with_stdin(&h, &["contacts", "unsubscribe", "--json"], request);
    let done: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(
        (done["applied"].clone(), done["optedOut"].clone()),
        (true.into(), 1.into())
    );
    assert_eq!(
        h.json(&["contacts", "show", "S1"])["optedOut"],
        serde_json::json!(["smtp"])
    );
    // Recorded once: the same request again changes nothing.
    let again = h.json(&["contacts", "unsubscribe", "wxm@example.edu.cn"]);
    assert_eq!(
        (again["matched"][0]["already"].clone(), again["optedOut"].clone()),
        (true.into(), 0.into())
    );

    // The next notice reaches the other two only.
    send(&h, "mail", "考场变更");
    assert_eq!(h.json(&["dispatch", "--until-idle"])["sent"], 2);
    let all = server.wait_for_messages(8, WAIT);
    assert!(all[6..].iter().all(|r| r.envelope.rcpt_tos != ["wxm@example.edu.cn"]));
}

#[test]
fn a_contacts_field_reaches_the_mailbox_as_written_and_adds_no_formatting() {
    let server = SmtpServer::start(SmtpOptions::default());
    let h = Herald::new();
    add_channel(&h, "mail", &server, "none", None, &[]);
    import(
        &h,
        "学号,姓名,邮箱,座位\nS1,王小明,wxm@example.edu.cn,3*2 排 <靠窗> [A区](https://evil.example)\n",
    );
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "座位",
        "--channel",
        "mail",
        "--body",
        "**座位**：{{ 座位 }}",
    ]);
    h.json(&["notices", "send", &notice["id"].to_string()]);
    assert_eq!(h.json(&["dispatch", "--until-idle"])["sent"], 1);
    let mail = server.wait_for_messages(1, WAIT)[0].mail();
    let text = mail.text.unwrap().replace("\r\n", "\n");
    assert_eq!(text, "座位：3*2 排 <靠窗> [A区](https://evil.example)\n");
    let html = mail.html.unwrap();
    // The author's bold formats; the field's stars, brackets and link syntax stay as typed (its
    // URL may be linked as itself, never behind the field's words).
    assert!(
        html.contains("<strong>座位</strong>：3*2 排 &lt;靠窗&gt; [A区]("),
        "{html}"
    );
    assert!(!html.contains("<em>") && !html.contains("A区</a>"), "{html}");
}
