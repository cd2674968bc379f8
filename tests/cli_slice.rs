//! The first slice, headless: contact → notice → send → dispatch → history, through the real
//! `herald` binary on a real SQLite file, and the ways it refuses bad input.

mod common;

use std::time::Duration;

use common::{wait_for, Herald};
use serde_json::Value;

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_notice_goes_from_compose_to_history_on_an_empty_data_dir() {
    let h = Herald::new();
    let a = h.json(&[
        "contacts",
        "add",
        "--name",
        "王小明",
        "--external-id",
        "2024001",
        "--email",
        "wxm@example.edu.cn",
        "--class",
        "农学2401",
    ]);
    let b = h.json(&["contacts", "add", "--name", "李雷", "--mobile", "138 0013 8000"]);
    assert_eq!(b["mobile"], "13800138000");
    let channels = h.json(&["channels", "list"]);
    assert_eq!(channels[0]["name"], "sandbox", "a new data dir has the sandbox channel");

    let body = h.dir.path().join("body.md");
    std::fs::write(&body, "{{ name }}同学：\n\n请于**周五**前提交材料。").unwrap();
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "材料提交通知",
        "--body-file",
        body.to_str().unwrap(),
        "--channel",
        "sandbox",
        "--audience",
        "all",
    ]);
    assert_eq!(notice["status"], "draft");
    let notice_id = notice["id"].as_i64().unwrap().to_string();

    let run = h.json(&["notices", "send", &notice_id]);
    assert_eq!(run["total"], 2);
    assert_eq!(run["status"], "sending");
    assert_eq!(run["waiting"], 2);

    let report = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(report["sent"], 2);

    let history = h.json(&["history"]);
    assert_eq!(history[0]["noticeTitle"], "材料提交通知");
    assert_eq!(history[0]["status"], "completed");
    assert_eq!(history[0]["sent"], 2);
    assert!(history[0]["finishedAt"].is_string());

    let run_id = history[0]["id"].as_i64().unwrap().to_string();
    let detail = h.json(&["history", "--run", &run_id]);
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    for d in deliveries {
        assert_eq!(d["status"], "sent");
        assert_eq!(d["attemptLog"].as_array().unwrap().len(), 1);
        assert_eq!(d["attemptLog"][0]["outcome"], "sent");
    }
    let to_a = deliveries.iter().find(|d| d["contactId"] == a["id"]).unwrap();
    assert_eq!(to_a["address"], "wxm@example.edu.cn");

    let inbox = h.json(&["sandbox", "list"]);
    let bodies: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies.contains(&"王小明同学：\n\n请于**周五**前提交材料。"),
        "{bodies:?}"
    );
    assert!(bodies.contains(&"李雷同学：\n\n请于**周五**前提交材料。"), "{bodies:?}");
    // The inbox shows it as a mail client would: bold, not asterisks.
    let html = inbox[0]["html"].as_str().unwrap();
    assert!(html.contains("<strong") && html.contains("周五</strong>"), "{html}");
    assert!(!html.contains("**"), "{html}");

    // Sent notices do not change; sending again is refused with a reason.
    let (code, err) = h.fails(&["notices", "send", &notice_id]);
    assert_eq!(code, 2);
    assert!(err.contains("already been sent"), "{err}");
}

#[test]
fn demo_data_and_a_chosen_audience() {
    let h = Herald::new();
    let loaded = h.json(&["demo", "load"]);
    assert!(loaded["added"].as_i64().unwrap() >= 15);
    assert_eq!(h.json(&["demo", "load"])["added"], 0);
    let page = h.json(&["contacts", "list", "--search", "农学2401"]);
    assert_eq!(page["total"], 0, "search covers name, id, e-mail and mobile, not class");
    let page = h.json(&["contacts", "list", "--search", "张伟"]);
    let zhang = page["items"][0]["id"].as_i64().unwrap();
    let all = h.json(&["contacts", "list", "--limit", "3"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert_eq!(all["total"], loaded["added"]);

    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "班会",
        "--body",
        "{{ name }}（{{ class }}）请参加班会",
        "--channel",
        "sandbox",
        "--audience",
        &format!("contacts:{zhang}"),
    ]);
    let run = h.json(&["notices", "send", &n["id"].to_string(), "--wait"]);
    assert_eq!(run["total"], 1);
    assert_eq!(run["sent"], 1);
    let inbox = h.json(&["sandbox", "list"]);
    assert_eq!(inbox[0]["body"], "张伟（农学2401）请参加班会");
    assert_eq!(inbox[0]["subject"], "班会");
}

/// The whole-audience check names the person a template needs a value of and refuses the
/// send; the dispatcher still fails alone a delivery that cannot be rendered (frozen before
/// the check existed, or damaged since), with the reason.
#[test]
fn a_recipient_without_a_variable_is_named_before_sending_and_fails_alone_at_dispatch() {
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "有班级", "--class", "计科2401"]);
    h.json(&["contacts", "add", "--name", "无班级", "--external-id", "2024009"]);
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "{{ name }}: {{ class }}",
        "--channel",
        "sandbox",
    ]);
    let id = n["id"].to_string();
    let out = h.cmd().args(["notices", "check", &id]).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("无班级  2024009  sandbox  missing_variable"),
        "{printed}"
    );
    let (code, err) = h.fails(&["notices", "send", &id]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("1 people would get a broken message") && err.contains("无班级 (2024009)"),
        "{err}"
    );
    assert!(
        h.json(&["history"]).as_array().unwrap().is_empty(),
        "nothing was queued"
    );

    // Past the check: 无班级 now has a class, but their frozen delivery is damaged under the
    // dispatcher, which fails it alone with the reason.
    h.json(&["contacts", "edit", "2024009", "--class", "计科2402"]);
    let run = h.json(&["notices", "send", &id]);
    let damaged = h.sql(
        "UPDATE deliveries SET variables = json_remove(variables, '$.class') \
         WHERE contact_id = (SELECT id FROM contacts WHERE external_id = '2024009') RETURNING CAST(id AS TEXT)",
    );
    assert_eq!(damaged.len(), 1);
    h.json(&["dispatch", "--until-idle"]);
    let detail = h.json(&["runs", "show", &run["id"].to_string()]);
    assert_eq!(detail["run"]["sent"], 1, "{detail}");
    assert_eq!(detail["run"]["failed"], 1, "{detail}");
    let failed = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "failed")
        .unwrap();
    assert_eq!(failed["contactName"], "无班级");
    assert!(failed["lastError"].as_str().unwrap().contains("`class`"), "{failed}");
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_is_stored() {
    let h = Herald::new();
    let cases: &[(&[&str], &str)] = &[
        (&["contacts", "add", "--name", "  "], "name is empty"),
        (
            &["contacts", "add", "--name", "x", "--email", "not-an-address"],
            "not-an-address is not valid",
        ),
        (
            &["contacts", "add", "--name", "x", "--mobile", "call me"],
            "is not valid",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "b",
                "--channel",
                "carrier-pigeon",
            ],
            "no channel named carrier-pigeon",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "{{ nmae }}",
                "--channel",
                "sandbox",
            ],
            "`nmae`",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "{{ name }",
                "--channel",
                "sandbox",
            ],
            "line 1",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "b",
                "--channel",
                "sandbox",
                "--audience",
                "contacts:1,x",
            ],
            "`x`",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "b",
                "--channel",
                "sandbox",
                "--audience",
                "contacts:999",
            ],
            "do not exist: 999",
        ),
        (
            &[
                "notices",
                "create",
                "--title",
                "",
                "--body",
                "b",
                "--channel",
                "sandbox",
            ],
            "title is empty",
        ),
        (&["notices", "send", "42"], "notice 42 was not found"),
    ];
    for (args, expected) in cases {
        let (code, err) = h.fails(args);
        assert!(
            err.contains(expected),
            "herald {args:?}: expected «{expected}» in «{err}»"
        );
        assert!(code == 1 || code == 2, "herald {args:?} exited {code}");
    }
    h.json(&["contacts", "add", "--name", "x", "--external-id", "A1"]);
    let (_, err) = h.fails(&["contacts", "add", "--name", "y", "--external-id", "A1"]);
    assert!(err.contains("A1 already exists"), "{err}");
    assert_eq!(h.json(&["contacts", "list"])["total"], 1);
    assert_eq!(h.json(&["notices", "list"]).as_array().unwrap().len(), 0);
    // A usage error is exit code 2, with clap's help.
    let (code, err) = h.fails(&["notices", "create", "--title", "t"]);
    assert_eq!(code, 2);
    assert!(err.contains("--body"), "{err}");
}

#[test]
fn only_one_dispatcher_per_database_and_the_cli_works_while_one_runs() {
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "甲"]);
    let mut first = h.spawn(&["dispatch", "--quiet"]);
    wait_for("the first dispatcher to take the lock", Duration::from_secs(20), || {
        h.data_dir().join("dispatcher.owner").exists()
    });

    let (code, err) = h.fails(&["dispatch", "--until-idle"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("another dispatcher") && err.contains("herald dispatch (pid"),
        "{err}"
    );
    let info = h.json(&["info"]);
    assert!(
        info["dispatcher"]["otherHolder"]
            .as_str()
            .unwrap()
            .contains(&format!("pid {}", first.id())),
        "{info}"
    );

    // Another process composes and sends while the dispatcher runs; the dispatcher picks it up.
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "并发",
        "--body",
        "hi {{ name }}",
        "--channel",
        "sandbox",
    ]);
    let run = h.json(&["notices", "send", &n["id"].to_string()]);
    let run_id = run["id"].to_string();
    wait_for(
        "the running dispatcher to send the new run",
        Duration::from_secs(20),
        || h.json(&["runs", "show", &run_id])["run"]["status"] == "completed",
    );
    first.kill().unwrap();
    first.wait().unwrap();
    // Killed, the lock is gone with it: the next dispatcher starts at once.
    let report = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(report["sent"], 0);
    let ids = ids(&h.json(&["sandbox", "list"]));
    assert_eq!(ids.len(), 1);
}
