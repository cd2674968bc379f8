//! New notices from sent ones, through the real `herald` binary: a duplicate keeps content,
//! audience and channels; a resend goes to exactly the people the first run did not reach
//! (refused by the receiver), not to those it reached, and counts apart those with no usable
//! address on its channels (here: opted out of them).

mod common;

use common::Herald;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn id_of(v: &serde_json::Value) -> String {
    v["id"].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resend_goes_to_exactly_those_the_notice_did_not_reach() {
    let server = MockServer::start().await;
    // The receiver knows 甲 and 戊; everyone else is refused for good.
    for known in ["jia@example.edu.cn", "wu@example.edu.cn"] {
        Mock::given(method("POST"))
            .and(body_string_contains(known))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("unknown user"))
        .mount(&server)
        .await;

    let h = Herald::new();
    let mut ids = std::collections::BTreeMap::new();
    for (name, mail) in [
        ("甲", "jia"),
        ("乙", "yi"),
        ("丙", "bing"),
        ("丁", "ding"),
        ("戊", "wu"),
    ] {
        let c = h.json(&[
            "contacts",
            "add",
            "--name",
            name,
            "--email",
            &format!("{mail}@example.edu.cn"),
        ]);
        ids.insert(name, c["id"].as_i64().unwrap());
    }
    // 丙 takes nothing through webhooks: no delivery is made, and no channel of the notice can reach them.
    h.json(&["contacts", "edit", &format!("#{}", ids["丙"]), "--opt-out", "webhook"]);
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        &format!("{}/in", server.uri()),
    ]);
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "缴费提醒",
        "--body",
        "{{ 姓名 }}：请于 {{ 截止日期 }} 前缴费。",
        "--channel",
        "hook",
        "--value",
        "截止日期=12月31日",
        "--audience",
        "all",
    ]);
    let (code, err) = h.fails(&["notices", "resend", &id_of(&n), "--unreached"]);
    assert_eq!(code, 2, "a draft has reached no one yet: {err}");
    let run = h.json(&["notices", "send", &id_of(&n), "--wait"]);
    assert_eq!(
        (run["sent"].as_i64(), run["failed"].as_i64()),
        (Some(2), Some(2)),
        "{run}"
    );

    let r = h.json(&["notices", "resend", &id_of(&n), "--unreached"]);
    assert_eq!(r["people"], 2, "{r}");
    assert_eq!(r["noAddress"], 1, "丙 has no usable address on hook: {r}");
    let draft = &r["notice"];
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["audience"], format!("contacts:{},{}", ids["乙"], ids["丁"]));
    assert_eq!(draft["body"], n["body"]);
    assert_eq!(draft["values"], n["values"]);
    assert_eq!(draft["channelIds"], n["channelIds"]);

    // Sent: it reaches exactly 乙 and 丁 (refused again), nobody else.
    let second = h.json(&["notices", "send", &id_of(draft), "--wait"]);
    assert_eq!(second["total"], 2, "{second}");
    let detail = h.json(&["runs", "show", &second["id"].to_string()]);
    let mut names: Vec<&str> = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["contactName"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["丁", "乙"]);
}

#[test]
fn a_duplicate_keeps_content_audience_and_channels_as_a_new_draft() {
    let h = Herald::new();
    h.json(&["demo", "load"]);
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "会议通知",
        "--subject",
        "{{ 会议名称 }}",
        "--body",
        "{{ 姓名 }}：{{ 会议名称 }}于周五召开。",
        "--channel",
        "sandbox",
        "--audience",
        "rule:role = 教师",
        "--value",
        "会议名称=教学工作会议",
        "--urgent",
        "--fallback",
    ]);
    h.json(&["notices", "send", &id_of(&n), "--wait"]);
    let d = h.json(&["notices", "duplicate", &id_of(&n)]);
    assert_ne!(d["id"], n["id"]);
    assert_eq!(d["status"], "draft");
    for key in [
        "title",
        "subject",
        "body",
        "audience",
        "channelIds",
        "channelStrategy",
        "priority",
        "values",
    ] {
        assert_eq!(d[key], n[key], "{key}");
    }
    let (code, err) = h.fails(&["notices", "resend", &id_of(&n), "--unreached"]);
    assert_eq!(code, 2, "everyone was reached: {err}");
    assert!(err.contains("reached everyone"), "{err}");
}
