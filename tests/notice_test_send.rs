//! 发给我自己试试 through the real `herald` binary on a real SQLite file: a draft on the
//! sandbox and an e-mail channel (a real SMTP server on 127.0.0.1), "me" a teacher with a mobile
//! and no e-mail. The test reaches me alone, on the sandbox only (the e-mail channel is skipped
//! with why), is marked a test in history, and leaves the notice a draft that a later real send
//! delivers to everyone. Refused while me is not set, and when me can get it on no channel.

mod common;

use std::time::Duration;

use common::smtp::{SmtpOptions, SmtpServer};
use common::Herald;
use serde_json::Value;

const SHEET: &str = "学号,姓名,邮箱,手机\n\
T001,王老师,,13800002202\n\
S1,李同学,li@example.edu.cn,\n\
S2,张同学,zhang@example.edu.cn,\n";

const WAIT: Duration = Duration::from_secs(20);

fn setup(h: &Herald, server: &SmtpServer) {
    let port = server.port().to_string();
    h.json(&[
        "channels",
        "add",
        "smtp",
        "--name",
        "mail",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "none",
        "--from",
        "jwc@example.edu.cn",
    ]);
    let file = h.dir.path().join("名单.csv");
    std::fs::write(&file, SHEET).unwrap();
    h.json(&["contacts", "import", file.to_str().unwrap()]);
}

fn create(h: &Herald, channels: &[&str]) -> String {
    let mut args = vec![
        "notices",
        "create",
        "--title",
        "期末考试安排",
        "--subject",
        "期末考试",
        "--body",
        "{{ 姓名 }}：考试时间 {{ 考试时间 }}。",
        "--value",
        "考试时间=12月20日 9:00",
    ];
    for c in channels {
        args.extend(["--channel", c]);
    }
    h.json(&args)["id"].to_string()
}

fn sandbox(h: &Herald) -> Vec<Value> {
    h.json(&["sandbox", "list"]).as_array().unwrap().clone()
}

#[test]
fn a_test_reaches_me_alone_is_marked_a_test_and_the_draft_later_reaches_everyone() {
    let server = SmtpServer::start(SmtpOptions::default());
    let h = Herald::new();
    setup(&h, &server);
    let id = create(&h, &["sandbox", "mail"]);

    // Me not set: refused, saying how to set it; nothing queued.
    let (code, err) = h.fails(&["notices", "test", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("herald settings set me"), "{err}");
    assert_eq!(h.sql("SELECT CAST(COUNT(*) AS TEXT) FROM runs"), ["0"]);

    let settings = h.json(&["settings", "show"]);
    assert_eq!(settings["me"], Value::Null);
    assert_eq!(settings["confirmAbove"], 500);
    let settings = h.json(&["settings", "set", "me", "T001"]);
    assert_eq!(settings["me"]["name"], "王老师", "{settings}");
    assert_eq!(settings["me"]["externalId"], "T001");

    let result = h.json(&["notices", "test", &id]);
    let channels = result["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2, "{result}");
    assert_eq!(channels[0]["channelName"], "sandbox");
    assert_eq!(channels[0]["outcome"], "queued");
    assert_eq!(channels[1]["channelName"], "mail");
    assert_eq!(channels[1]["outcome"], "skipped");
    assert_eq!(channels[1]["problemCode"], "no_address", "{result}");
    assert_eq!(result["run"]["test"], true);
    assert_eq!(result["run"]["total"], 1);
    assert_eq!(result["run"]["sent"], 1, "{result}");

    // Only me received it, exactly as it would go (the notice's value filled in).
    let inbox = sandbox(&h);
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["body"], "王老师：考试时间 12月20日 9:00。", "{inbox:?}");
    assert!(server.messages().is_empty());

    // History says it was a test; the notice is still a draft.
    let runs = h.json(&["history"]);
    assert_eq!(runs[0]["test"], true, "{runs}");
    let out = h.cmd().args(["history"]).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("[test] 期末考试安排"), "{printed}");
    assert_eq!(h.json(&["notices", "show", &id])["status"], "draft");
    let audited = h.sql("SELECT action FROM audit_log WHERE action IN ('notice.test', 'settings.set') ORDER BY id");
    assert_eq!(audited, ["settings.set", "notice.test"]);

    // The real send later reaches everyone: 3 in the sandbox, the 2 students by e-mail.
    let run = h.json(&["notices", "send", &id, "--wait"]);
    assert_eq!(run["test"], false);
    assert_eq!(run["total"], 5, "{run}");
    assert_eq!(run["sent"], 5, "{run}");
    assert_eq!(sandbox(&h).len(), 4);
    let mails = server.wait_for_messages(2, WAIT);
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.envelope.rcpt_tos.clone()).collect();
    to.sort();
    assert_eq!(to, ["li@example.edu.cn", "zhang@example.edu.cn"]);
    assert_eq!(h.json(&["notices", "show", &id])["status"], "sent");

    // A sent notice is no longer tested.
    let (code, err) = h.fails(&["notices", "test", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already been sent"), "{err}");
}

#[test]
fn a_test_is_refused_when_me_has_no_address_on_any_channel_and_settings_are_checked() {
    let server = SmtpServer::start(SmtpOptions::default());
    let h = Herald::new();
    setup(&h, &server);
    h.json(&["settings", "set", "me", "T001"]);
    let id = create(&h, &["mail"]);
    let (code, err) = h.fails(&["notices", "test", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("王老师 cannot get notice"), "{err}");
    assert!(err.contains("no usable address for mail"), "{err}");
    assert_eq!(h.sql("SELECT CAST(COUNT(*) AS TEXT) FROM runs"), ["0"]);

    // Unset, me refuses again; an unknown contact and a bad threshold are refused by name.
    assert_eq!(h.json(&["settings", "unset", "me"])["me"], Value::Null);
    let (code, err) = h.fails(&["notices", "test", &id]);
    assert_eq!(code, 2);
    assert!(err.contains("not set"), "{err}");
    let (_, err) = h.fails(&["settings", "set", "me", "NOBODY"]);
    assert!(err.contains("NOBODY"), "{err}");
    let (code, err) = h.fails(&["settings", "set", "confirm-above", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("confirm_above"), "{err}");
    assert_eq!(
        h.json(&["settings", "set", "confirm-above", "1200"])["confirmAbove"],
        1200
    );
    assert_eq!(h.json(&["settings", "show"])["confirmAbove"], 1200);
}
