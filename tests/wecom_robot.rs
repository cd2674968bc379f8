//! A WeCom group robot channel through the real binary, against a loopback robot endpoint that
//! checks what WeCom checks (the key in the query, the body's shape, the content's byte limit)
//! and answers as WeCom does: HTTP 200 with an `errcode`.

mod common;

use std::sync::{Arc, Mutex};

use common::Herald;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "693a91f6-7a1b-4bc4-97a0-0ec2f1fa5aaa";

/// WeCom's robot endpoint as far as Herald can meet it: what it checks, in its order.
#[derive(Clone)]
struct Robot {
    /// The message bodies it accepted.
    accepted: Arc<Mutex<Vec<serde_json::Value>>>,
}

fn errcode(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"errcode": code, "errmsg": msg}))
}

impl Respond for Robot {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() != "POST" || req.url.path() != "/cgi-bin/webhook/send" {
            return ResponseTemplate::new(404);
        }
        let key = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "key")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if key != KEY {
            // WeCom's message carries a hint; this one repeats the key, so the scrubbing shows.
            return errcode(
                93000,
                &format!("invalid webhook url, hint: [key {key}], more info at https://open.work.weixin.qq.com/devtool/query?e=93000"),
            );
        }
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
            return errcode(40008, "invalid message type");
        };
        let content = match body["msgtype"].as_str() {
            Some("markdown") => (body["markdown"]["content"].as_str(), 4096),
            Some("text") => (body["text"]["content"].as_str(), 2048),
            _ => return errcode(40008, "invalid message type"),
        };
        match content {
            (None, _) | (Some(""), _) => return errcode(44004, "empty content"),
            (Some(c), max) if c.len() > max => {
                return errcode(40058, &format!("markdown.content exceed max length {max}"))
            }
            _ => {}
        }
        self.accepted.lock().unwrap().push(body);
        errcode(0, "ok")
    }
}

async fn robot() -> (MockServer, Robot) {
    let robot = Robot {
        accepted: Arc::default(),
    };
    let server = common::serve(robot.clone()).await;
    (server, robot)
}

fn webhook(server: &MockServer, key: &str) -> String {
    format!("{}/cgi-bin/webhook/send?key={key}", server.uri())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robot_added_from_the_command_line_gets_the_test_message() {
    let (server, robot) = robot().await;
    let h = Herald::new();
    let out = h.with_stdin(
        &["channels", "add", "wecom-robot", "--name", "辅导员群", "--webhook", "-"],
        &format!("{}\n", webhook(&server, KEY)),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let test = h.json(&["channels", "test", "辅导员群"]);
    assert_eq!(test["ok"], true, "{test}");
    let accepted = robot.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["msgtype"], "markdown");
    let content = accepted[0]["markdown"]["content"].as_str().unwrap();
    assert!(content.starts_with("### ") && content.contains("Herald"), "{content}");

    // The key is in the secret store only: not in the database, nor in what `channels show`
    // prints.
    let shown = h
        .cmd()
        .args(["channels", "show", "辅导员群", "--json"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(!shown.contains(KEY), "{shown}");
    let db = std::fs::read(h.db_path()).unwrap();
    let wal = std::fs::read(h.data_dir().join("herald.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_everyone_mentioned_the_test_goes_as_text_mentioning_all() {
    let (server, robot) = robot().await;
    let h = Herald::new();
    h.json(&[
        "channels",
        "add",
        "wecom-robot",
        "--name",
        "全员群",
        "--webhook",
        &webhook(&server, KEY),
        "--mention",
        "all",
    ]);
    let test = h.json(&["channels", "test", "全员群"]);
    assert_eq!(test["ok"], true, "{test}");
    let accepted = robot.accepted.lock().unwrap().clone();
    assert_eq!(accepted[0]["msgtype"], "text");
    assert_eq!(accepted[0]["text"]["mentioned_list"], serde_json::json!(["@all"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_refused_by_the_robot_and_the_reason_says_what_to_copy() {
    let (server, robot) = robot().await;
    let h = Herald::new();
    let wrong = "00000000-dead-beef-0000-wrongwrongkey";
    h.json(&[
        "channels",
        "add",
        "wecom-robot",
        "--name",
        "班级群",
        "--webhook",
        &webhook(&server, wrong),
    ]);
    let out = h.cmd().args(["channels", "test", "班级群"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("93000") && text.contains("whole Webhook address"),
        "{text}"
    );
    assert!(!text.contains(wrong), "{text}");
    assert!(robot.accepted.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_pasted_wrong_are_refused_naming_the_setting() {
    let (server, _robot) = robot().await;
    let h = Herald::new();
    // The key alone, where the whole address belongs.
    let (code, err) = h.fails(&["channels", "add", "wecom-robot", "--name", "群", "--webhook", KEY]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("webhook") && err.contains("whole Webhook address"),
        "{err}"
    );
    assert!(!err.contains(KEY), "a refusal never repeats a secret: {err}");
    let no_key = format!("{}/cgi-bin/webhook/send", server.uri());
    let (code, err) = h.fails(&["channels", "add", "wecom-robot", "--name", "群", "--webhook", &no_key]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("webhook") && err.contains("no key"), "{err}");
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "wecom-robot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server, KEY),
        "--timeout-ms",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("timeout-ms"), "{err}");
    assert_eq!(
        h.json(&["channels", "list"]).as_array().map(Vec::len),
        Some(1),
        "only the sandbox"
    );
}

#[test]
fn the_kind_is_listed_with_its_settings() {
    let h = Herald::new();
    let (robot, keys) = h.listed_kind("wecom_robot");
    assert_eq!(robot["recipients"]["to"], "group");
    assert_eq!(robot["format"]["maxBytes"], 4096);
    assert_eq!(robot["perMinute"], 20);
    assert_eq!(keys, ["webhook", "mention", "timeout-ms"]);
    assert_eq!(robot["fields"][0]["type"], "secretUrl");
}
