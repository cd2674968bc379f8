//! A DingTalk group robot channel through the real binary, against a loopback robot endpoint
//! that checks what DingTalk checks (the access token, 加签 within its time window, the body's
//! shape and size) and answers as DingTalk does: HTTP 200 with an `errcode`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::Herald;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "a1b2c3d4e5f6robot-token";
const SECRET: &str = "SEC5645bf404a174392d95bc5d40b41bf4ec9f5196971ddb1c06b00764aa411428b";

/// DingTalk's robot endpoint as far as Herald can meet it: what it checks, in its order.
#[derive(Clone)]
struct Robot {
    secret: Option<&'static str>,
    /// The message bodies it accepted.
    accepted: Arc<Mutex<Vec<serde_json::Value>>>,
    /// The same, as the bytes that arrived.
    raw: Arc<Mutex<Vec<Vec<u8>>>>,
}

fn errcode(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"errcode": code, "errmsg": msg}))
}

impl Respond for Robot {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let query: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if req.method.as_str() != "POST" || req.url.path() != "/robot/send" {
            return ResponseTemplate::new(404);
        }
        if query.get("access_token").map(String::as_str) != Some(TOKEN) {
            return errcode(300001, "token is not exist");
        }
        if let Some(secret) = self.secret {
            let (Some(ts), Some(sign)) = (query.get("timestamp"), query.get("sign")) else {
                return errcode(310000, "sign not match");
            };
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
            match ts.parse::<i64>() {
                Ok(t) if (now - t).abs() <= 3_600_000 => {}
                _ => return errcode(310000, "invalid timestamp"),
            }
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{ts}\n{secret}").as_bytes());
            let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            if *sign != expected {
                return errcode(310000, "sign not match");
            }
        }
        if req.body.len() > 20_000 {
            return errcode(460101, "message too long");
        }
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
            return errcode(40035, "缺少参数 json");
        };
        if body["msgtype"] != "markdown" || body["markdown"]["title"].as_str().is_none_or(str::is_empty) {
            return errcode(400402, "title is empty");
        }
        self.accepted.lock().unwrap().push(body);
        self.raw.lock().unwrap().push(req.body.clone());
        errcode(0, "ok")
    }
}

async fn robot(secret: Option<&'static str>) -> (MockServer, Robot) {
    let robot = Robot {
        secret,
        accepted: Arc::default(),
        raw: Arc::default(),
    };
    let server = common::serve(robot.clone()).await;
    (server, robot)
}

fn webhook(server: &MockServer) -> String {
    format!("{}/robot/send?access_token={TOKEN}", server.uri())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_robot_added_from_the_command_line_gets_the_test_message() {
    let (server, robot) = robot(Some(SECRET)).await;
    let h = Herald::new();
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "dingtalk-robot",
            "--name",
            "辅导员群",
            "--webhook",
            &webhook(&server),
            "--secret",
            "-",
            "--mention",
            "all",
        ],
        &format!("{SECRET}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let test = h.json(&["channels", "test", "辅导员群"]);
    assert_eq!(test["ok"], true, "{test}");
    let accepted = robot.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1);
    assert!(accepted[0]["markdown"]["text"].as_str().unwrap().contains("Herald"));
    assert_eq!(accepted[0]["at"]["isAtAll"], true);

    // The token and the secret are in the secret store only: not in the database, not in
    // what `channels show` prints, not in the audit log.
    let shown = h
        .cmd()
        .args(["channels", "show", "辅导员群", "--json"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "{shown}");
    let db = std::fs::read(h.db_path()).unwrap();
    let wal = std::fs::read(h.data_dir().join("herald.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    }
    let audit = tokio::task::block_in_place(|| h.sql("SELECT detail FROM audit_log WHERE action = 'channel.add'"));
    assert!(audit[0].contains("\"secrets\":[\"secret\",\"webhook\"]"), "{audit:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_refused_by_the_robot_and_the_reason_says_what_to_check() {
    let (server, robot) = robot(Some(SECRET)).await;
    let h = Herald::new();
    let wrong = "SEC0000000000000000000000000000000000000000000000000000000000000000";
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "dingtalk-robot",
            "--name",
            "班级群",
            "--webhook",
            &webhook(&server),
            "--secret",
            "-",
        ],
        &format!("{wrong}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = h.cmd().args(["channels", "test", "班级群"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("310000") && text.contains("加签"), "{text}");
    assert!(!text.contains(TOKEN) && !text.contains(wrong), "{text}");
    assert!(robot.accepted.lock().unwrap().is_empty());

    // She copies the secret again: only the secret changes, and the test goes through.
    let out = h.with_stdin(
        &["channels", "edit", "dingtalk-robot", "班级群", "--secret", "-"],
        &format!("{SECRET}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(h.json(&["channels", "test", "班级群"])["ok"], true);
    assert_eq!(robot.accepted.lock().unwrap().len(), 1);
    let audit = tokio::task::block_in_place(|| h.sql("SELECT detail FROM audit_log WHERE action = 'channel.update'"));
    assert!(audit[0].contains("\"changes\":[\"secret\"]"), "{audit:?}");
    assert!(!audit[0].contains(SECRET), "{audit:?}");
    // Nothing to change, or the wrong kind, is said so.
    let (code, err) = h.fails(&["channels", "edit", "dingtalk-robot", "班级群"]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = h.fails(&["channels", "edit", "wecom-robot", "班级群", "--mention", "all"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dingtalk-robot"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_pasted_wrong_are_refused_naming_the_setting() {
    let (server, _robot) = robot(None).await;
    let h = Herald::new();
    let no_token = format!("{}/robot/send", server.uri());
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "dingtalk-robot",
        "--name",
        "群",
        "--webhook",
        &no_token,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("webhook") && err.contains("access_token"), "{err}");
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "dingtalk-robot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server),
        "--secret",
        "not-a-sec",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("secret") && err.contains("SEC"), "{err}");
    assert!(!err.contains("not-a-sec"), "a refusal never repeats a secret: {err}");
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "dingtalk-robot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server),
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
fn the_kinds_are_listed_with_their_settings() {
    let h = Herald::new();
    let (robot, keys) = h.listed_kind("dingtalk_robot");
    assert_eq!(robot["recipients"]["to"], "group");
    assert_eq!(keys, ["webhook", "secret", "mention", "timeout-ms"]);
    assert_eq!(robot["fields"][0]["type"], "secretUrl");
    assert!(robot["fields"][0]["help"]["zh"]
        .as_str()
        .unwrap()
        .contains("access_token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_to_three_people_on_a_group_robot_posts_one_message() {
    let (server, robot) = robot(None).await;
    let h = Herald::new();
    for (id, name) in [("2024001", "王小明"), ("2024002", "刘洋"), ("2024003", "李雷")] {
        h.json(&["contacts", "add", "--name", name, "--external-id", id]);
    }
    h.json(&[
        "channels",
        "add",
        "dingtalk-robot",
        "--name",
        "年级群",
        "--webhook",
        &webhook(&server),
    ]);

    // A variable that differs per person cannot go into one group message.
    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "考试安排",
        "--body",
        "{{ name }}同学：周一考试",
        "--channel",
        "年级群",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`name`") && err.contains("年级群"), "{err}");

    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "考试安排",
        "--body",
        "**周一** 考试，请按时到场。\n\n| 班级 | 考场 |\n|---|---|\n| 农学2401 | A101 |",
        "--channel",
        "年级群",
        "--channel",
        "sandbox",
    ]);
    let id = notice["id"].to_string();
    tokio::task::block_in_place(|| h.json(&["notices", "send", &id, "--wait"]));
    let accepted = robot.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1, "one message into the group, not one per person");
    assert_eq!(accepted[0]["markdown"]["title"], "考试安排");
    let text = accepted[0]["markdown"]["text"].as_str().unwrap();
    assert!(text.contains("**周一** 考试"), "{text}");
    // DingTalk draws no tables: each row arrives as a line, its cells named.
    assert!(
        text.contains("班级：农学2401　考场：A101") && !text.contains('|'),
        "{text}"
    );

    // History: three sandbox deliveries, one for the group, named as such.
    let detail = h.last_run();
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 4, "{detail}");
    let group: Vec<_> = deliveries.iter().filter(|d| d["contactId"].is_null()).collect();
    assert_eq!(group.len(), 1);
    assert_eq!(group[0]["contactName"], "群：年级群");
    assert_eq!(group[0]["status"], "sent");
}

/// A robot channel named `name` set to @-mention the notice's audience.
fn add_mentioning_robot(h: &Herald, server: &MockServer, name: &str) {
    h.json(&[
        "channels",
        "add",
        "dingtalk-robot",
        "--name",
        name,
        "--webhook",
        &webhook(server),
        "--mention",
        "audience",
    ]);
}

/// Sends a notice titled `title` to the channel `channel` and waits for the run.
fn send_to(h: &Herald, title: &str, body: &str, channel: &str) {
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        title,
        "--body",
        body,
        "--channel",
        channel,
    ]);
    let id = notice["id"].to_string();
    tokio::task::block_in_place(|| h.json(&["notices", "send", &id, "--wait"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robot_set_to_mention_the_audience_pings_them_by_dingtalk_id_or_mobile() {
    let (server, robot) = robot(None).await;
    let h = Herald::new();
    let sheet = h.data_dir().join("班级.csv");
    std::fs::write(
        &sheet,
        "姓名,学号,手机,钉钉ID\n王小明,2024001,13800138000,\n刘洋,2024002,13900139000,liuyang01\n李雷,2024003,,\n",
    )
    .unwrap();
    h.json(&["contacts", "import", sheet.to_str().unwrap()]);
    add_mentioning_robot(&h, &server, "班级群");
    // The preview says whom the group message will mention before anything is sent.
    let preview = h.json(&["audience", "preview", "all", "--channel", "班级群"]);
    assert_eq!(preview["channels"][0]["mentions"], 2, "{preview}");
    assert_eq!(preview["channels"][0]["mentionsRefused"], false, "{preview}");
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "补考通知",
        "--body",
        "请以下同学**周三**到 A101 补考。",
        "--channel",
        "班级群",
    ]);
    let id = notice["id"].to_string();
    // The preview of the group's message, mentions and all, before it is sent.
    let shown = h.json(&["notices", "preview", &id]);
    assert_eq!(shown[0]["recipient"], "群：班级群", "{shown}");
    let parts = shown[0]["parts"].as_array().unwrap();
    let part = |kind: &str| {
        parts
            .iter()
            .find(|p| p["kind"] == kind)
            .and_then(|p| p["content"].as_str())
            .unwrap_or_else(|| panic!("no {kind} part in {shown}"))
            .to_owned()
    };
    assert!(part("markdown").ends_with("@liuyang01 @13800138000"), "{shown}");
    tokio::task::block_in_place(|| h.json(&["notices", "send", &id, "--wait"]));
    // What the robot received is the preview, byte for byte.
    let raw = robot.raw.lock().unwrap().clone();
    assert_eq!(raw.len(), 1);
    assert_eq!(String::from_utf8(raw[0].clone()).unwrap(), part("json"));

    let accepted = robot.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1, "one message into the group");
    let at = &accepted[0]["at"];
    // 刘洋 by his DingTalk id (preferred to his mobile), 王小明 by mobile; 李雷 has neither.
    assert_eq!(at["atUserIds"], serde_json::json!(["liuyang01"]));
    assert_eq!(at["atMobiles"], serde_json::json!(["13800138000"]));
    assert_eq!(at["isAtAll"], false);
    // DingTalk pings only those whose @ is in the text as well.
    let text = accepted[0]["markdown"]["text"].as_str().unwrap();
    assert!(text.ends_with("@liuyang01 @13800138000"), "{text}");
    assert_eq!(h.last_run()["deliveries"][0]["status"], "sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_audience_too_large_to_mention_is_refused_before_sending_naming_the_numbers() {
    let (server, robot) = robot(None).await;
    let h = Herald::new();
    let sheet = h.data_dir().join("年级.csv");
    let mut rows = String::from("姓名,学号,手机\n");
    for i in 0..101 {
        rows.push_str(&format!("学生{i},2024{i:03},138{i:08}\n"));
    }
    std::fs::write(&sheet, rows).unwrap();
    h.json(&["contacts", "import", sheet.to_str().unwrap()]);
    add_mentioning_robot(&h, &server, "年级群");
    let preview = h.json(&["audience", "preview", "all", "--channel", "年级群"]);
    assert_eq!(preview["channels"][0]["mentions"], 101, "{preview}");
    assert_eq!(preview["channels"][0]["mentionsRefused"], true, "{preview}");
    send_to(&h, "通知", "周五停课。", "年级群");

    assert!(robot.accepted.lock().unwrap().is_empty(), "nothing went to the group");
    let delivery = &h.last_run()["deliveries"][0];
    assert_eq!(delivery["status"], "failed", "{delivery}");
    let reason = delivery["lastError"].as_str().unwrap_or_default();
    assert!(reason.contains("101 people") && reason.contains("(100)"), "{delivery}");
}
