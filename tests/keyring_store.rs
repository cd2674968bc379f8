//! Secrets in a real OS keyring: a Secret Service on a session bus, which
//! `scripts/test-keyring.sh` starts (a throwaway gnome-keyring in `dbus-run-session`) before
//! running this test with `HERALD_TEST_SECRET_SERVICE=1`; `scripts/test.sh` calls that script
//! after the other tests. Run any other way (a plain `cargo test`), it is skipped with the reason
//! printed: it must never write to the keyring of the developer running the suite.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::Herald;
use herald::secrets::{FileSecretStore, KeyringSecretStore, SecretStore};

const LEGACY: &str = "whsec_bGVnYWN5IHNlY3JldCBmcm9tIHRoZSBmaWxl";
const NEW: &str = "whsec_bmV3IHNlY3JldCBpbiB0aGUga2V5cmluZw==";

fn run(mut cmd: Command, input: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run herald");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(input) = input {
        writeln!(stdin, "{input}").expect("write stdin");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("herald output");
    assert!(
        out.status.success(),
        "herald failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_file_store_moves_into_a_real_secret_service_and_new_secrets_go_there() {
    if std::env::var("HERALD_TEST_SECRET_SERVICE").as_deref() != Ok("1") {
        println!(
            "skipped: HERALD_TEST_SECRET_SERVICE=1 is not set; scripts/test-keyring.sh runs this test \
             against a throwaway Secret Service"
        );
        return;
    }
    // Asked for, so a Secret Service that does not answer is a failure, not a skip.
    if let Err(cause) = KeyringSecretStore::with_service("herald-test-probe").probe() {
        panic!("HERALD_TEST_SECRET_SERVICE=1 but no Secret Service answers: {cause}");
    }

    let h = Herald::new();
    let keyring = KeyringSecretStore::for_data_dir(h.data_dir());
    // A data directory from before the keyring: its secret is in the file.
    FileSecretStore::open(h.data_dir()).set("legacy-entry", LEGACY).unwrap();

    // Not forced: the keyring is found, the file's entry moves into it and the file goes.
    let mut info = h.cmd();
    info.env_remove("HERALD_SECRET_STORE").args(["info", "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&run(info, None).stdout).unwrap();
    assert_eq!(
        info["secrets"],
        serde_json::json!({"kind": "keyring", "service": keyring.service()})
    );
    assert_eq!(keyring.get("legacy-entry").unwrap().as_deref(), Some(LEGACY));
    assert!(!h.data_dir().join("secrets.json").exists());

    // A new channel's signing secret goes to the keyring, and is read back from it by an edit
    // (which loads the whole configuration, secrets included).
    let with_keyring = |args: &[&str]| {
        let mut c = h.cmd();
        c.env("HERALD_SECRET_STORE", "keyring").args(args);
        c
    };
    let url = "http://127.0.0.1:9/in";
    let add = [
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        url,
        "--secret-stdin",
    ];
    run(with_keyring(&add), Some(NEW));
    let edit = [
        "channels",
        "edit",
        "webhook",
        "hook",
        "--url",
        "http://127.0.0.1:9/in2",
        "--json",
    ];
    let shown = run(with_keyring(&edit), None).stdout;
    assert!(!contains(&shown, NEW));
    assert!(!h.data_dir().join("secrets.json").exists());
    for file in ["herald.db", "herald.db-wal"] {
        let bytes = std::fs::read(h.data_dir().join(file)).unwrap_or_default();
        assert!(!contains(&bytes, NEW), "the secret is in {file}");
    }

    keyring.delete("legacy-entry").unwrap();
    assert_eq!(keyring.get("legacy-entry").unwrap(), None);
}
