//! The preferred-then-fallback strategy: each person gets the notice once, and a permanent
//! failure on their first channel moves it to the next, linked to the failed delivery.

mod common;

use common::Herald;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_failure_moves_the_notice_to_the_next_channel_once() {
    let server = MockServer::start().await;
    // The receiver knows only 甲; everyone else is refused for good.
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("jia@example.edu.cn"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("unknown user"))
        .mount(&server)
        .await;

    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "甲", "--email", "jia@example.edu.cn"]);
    h.json(&["contacts", "add", "--name", "乙", "--email", "yi@example.edu.cn"]);
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
        "通知",
        "--body",
        "{{ name }}你好",
        "--channel",
        "hook",
        "--channel",
        "sandbox",
        "--fallback",
    ]);
    let run = h.json(&["notices", "send", &n["id"].to_string()]);
    assert_eq!(run["total"], 2, "one delivery per person, on the first channel");
    h.json(&["dispatch", "--until-idle"]);

    let detail = h.json(&["runs", "show", &run["id"].to_string()]);
    assert_eq!(detail["run"]["status"], "completed");
    assert_eq!(detail["run"]["total"], 3, "the fallback delivery counts in the run");
    let deliveries = detail["deliveries"].as_array().unwrap();
    let of = |name: &str, channel: &str| {
        deliveries
            .iter()
            .find(|d| d["contactName"] == name && d["channelName"] == channel)
            .cloned()
    };
    assert_eq!(of("甲", "hook").unwrap()["status"], "sent");
    assert!(
        of("甲", "sandbox").is_none(),
        "甲 was reached on the first channel: no fallback"
    );
    let failed = of("乙", "hook").unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["lastError"].as_str().unwrap().contains("404"), "{failed}");
    let fallback = of("乙", "sandbox").unwrap();
    assert_eq!(fallback["status"], "sent");
    assert_eq!(fallback["fallbackOf"], failed["id"], "linked to the failed delivery");
    let inbox = h.json(&["sandbox", "list"]);
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert_eq!(inbox[0]["body"], "乙你好");
}
