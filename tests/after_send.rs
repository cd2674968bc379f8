//! Recall (撤回), read status and reminders (提醒未读) through the real binary, against
//! loopback platforms that check what the real ones check: WeCom's `message/recall` (the
//! token, a msgid it issued), Feishu's `DELETE /im/v1/messages/{id}` and `GET …/read_users`
//! (the Bearer token, a message the bot sent, `user_id_type`, pages), DingTalk's
//! `getsendresult` and `corpconversation/recall` (the token, the agent, the task), and a WeCom robot,
//! which has no recall at all.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use common::Herald;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `Herald::sql` from inside an async test (it runs a runtime of its own).
fn sql(h: &Herald, statement: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| h.sql(statement)).join().unwrap())
}

/// `herald ARGS --json` from inside an async test.
fn json(h: &Herald, args: &[&str]) -> serde_json::Value {
    tokio::task::block_in_place(|| h.json(args))
}

fn fails(h: &Herald, args: &[&str]) -> (i32, String) {
    tokio::task::block_in_place(|| h.fails(args))
}

fn add_contacts(h: &Herald, kind: &str, people: &[(&str, &str, &str)]) {
    for (id, name, address) in people {
        json(h, &["contacts", "add", "--name", name, "--external-id", id]);
        let address = format!("{kind}={address}");
        json(h, &["contacts", "edit", id, "--address", &address]);
    }
}

/// Creates a notice on `channels` and sends it, waiting; returns the run's id.
fn send(h: &Herald, title: &str, body: &str, channels: &[&str]) -> i64 {
    let mut args = vec!["notices", "create", "--title", title, "--body", body];
    for c in channels {
        args.extend(["--channel", c]);
    }
    let notice = json(h, &args);
    let id = notice["id"].to_string();
    // A paused channel makes `--wait` fail (naming it) once the rest is sent: the run's id
    // is read from the history either way.
    tokio::task::block_in_place(|| h.cmd().args(["notices", "send", &id, "--wait"]).output().unwrap());
    let runs = json(h, &["history"]);
    runs[0]["id"].as_i64().unwrap()
}

fn run_detail(h: &Herald, run: i64) -> serde_json::Value {
    json(h, &["history", "--run", &run.to_string()])
}

fn deliveries_on<'a>(detail: &'a serde_json::Value, channel: &str) -> Vec<&'a serde_json::Value> {
    detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["channelName"] == channel)
        .collect()
}

// ----- WeCom app messages -----

const CORP: &str = "ww1234567890abcdef";
const WECOM_SECRET: &str = "app-secret-Zx9w8v7u6t5s4r3q2p1o";

#[derive(Default)]
struct WecomState {
    tokens: u32,
    /// msgid → the users it went to.
    sent: HashMap<String, Vec<String>>,
    /// Recall calls, by msgid, in order.
    recalls: Vec<String>,
    /// Answer the next recall "system busy" (-1), as WeCom may.
    busy_once: bool,
}

#[derive(Clone, Default)]
struct Wecom(Arc<Mutex<WecomState>>);

fn errcode(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"errcode": code, "errmsg": msg}))
}

impl Respond for Wecom {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let token_ok = |s: &WecomState| {
            q.get("access_token")
                .and_then(|t| t.strip_prefix("TOKEN-"))
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n >= 1 && n <= s.tokens)
        };
        match (req.method.as_str(), req.url.path()) {
            ("GET", "/cgi-bin/gettoken") => {
                if q.get("corpid").map(String::as_str) != Some(CORP)
                    || q.get("corpsecret").map(String::as_str) != Some(WECOM_SECRET)
                {
                    return errcode(40001, "invalid credential");
                }
                s.tokens += 1;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "errcode": 0, "errmsg": "ok", "access_token": format!("TOKEN-{}", s.tokens), "expires_in": 7200
                }))
            }
            ("POST", "/cgi-bin/message/send") => {
                if !token_ok(&s) {
                    return errcode(42001, "access_token expired");
                }
                let users: Vec<String> = body["touser"]
                    .as_str()
                    .unwrap_or_default()
                    .split('|')
                    .map(str::to_owned)
                    .collect();
                let msgid = format!("MSGID-{}", s.sent.len() + 1);
                s.sent.insert(msgid.clone(), users);
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid
                }))
            }
            ("POST", "/cgi-bin/message/recall") => {
                if !token_ok(&s) {
                    return errcode(42001, "access_token expired");
                }
                let Some(msgid) = body["msgid"].as_str() else {
                    return errcode(41001, "missing msgid");
                };
                if !s.sent.contains_key(msgid) {
                    return errcode(40036, "invalid msgid");
                }
                if std::mem::take(&mut s.busy_once) {
                    return errcode(-1, "system busy");
                }
                s.recalls.push(msgid.to_owned());
                errcode(0, "ok")
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

fn add_wecom_channel(h: &Herald, server: &MockServer) {
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "wecom-app",
            "--name",
            "学校企业微信",
            "--corp-id",
            CORP,
            "--agent-id",
            "1000002",
            "--secret",
            "-",
            "--api-base",
            &server.uri(),
        ],
        &format!("{WECOM_SECRET}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wecom_run_is_recalled_once_per_msgid_and_its_unsent_deliveries_cancelled() {
    let wecom = Wecom::default();
    let server = common::serve(wecom.clone()).await;
    let h = Herald::new();
    add_contacts(
        &h,
        "wecom",
        &[
            ("2024001", "张三", "zhangsan"),
            ("2024002", "李四", "lisi"),
            ("2024003", "王五", "wangwu"),
        ],
    );
    add_wecom_channel(&h, &server);
    // The sandbox is paused: its deliveries of the run stay queued, to be cancelled.
    json(&h, &["channels", "pause", "sandbox"]);
    let run = send(&h, "补考安排", "补考安排见附件。", &["学校企业微信", "sandbox"]);
    assert_eq!(
        wecom.0.lock().unwrap().sent.len(),
        1,
        "one text for three people: one call"
    );

    // Without --yes and without a terminal to ask on, nothing is recalled.
    let (code, err) = fails(&h, &["runs", "recall", &run.to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(wecom.0.lock().unwrap().recalls.is_empty());

    let report = json(&h, &["runs", "recall", &run.to_string(), "--yes"]);
    assert_eq!(report["recalled"], 3, "{report}");
    assert_eq!(report["cancelled"], 3, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(
        wecom.0.lock().unwrap().recalls,
        vec!["MSGID-1".to_owned()],
        "one recall for the one msgid"
    );

    let detail = run_detail(&h, run);
    for d in deliveries_on(&detail, "学校企业微信") {
        assert_eq!(d["status"], "sent", "{d}");
        assert_eq!(d["recallState"], "recalled", "{d}");
        assert!(d["recalledAt"].is_string(), "{d}");
        let log = d["attemptLog"].as_array().unwrap();
        assert_eq!(log.last().unwrap()["outcome"], "recalled", "{d}");
    }
    for d in deliveries_on(&detail, "sandbox") {
        assert_eq!(d["status"], "cancelled", "{d}");
    }
    assert_eq!(detail["afterSend"]["recall"]["recalled"], 3, "{detail}");
    assert_eq!(detail["run"]["status"], "cancelled");
    let audit = sql(&h, "SELECT action FROM audit_log WHERE entity = 'run' ORDER BY id");
    assert!(
        audit.ends_with(&["run.recall".to_owned(), "run.recalled".to_owned()]),
        "{audit:?}"
    );

    // Recalled once, recalled for good: a second recall has nothing to do and says so.
    let (code, err) = fails(&h, &["runs", "recall", &run.to_string(), "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("recalled already"), "{err}");
    assert_eq!(wecom.0.lock().unwrap().recalls.len(), 1);

    // A run sent more than 24 hours ago is past WeCom's window: refused, naming it, and
    // WeCom is not asked.
    json(&h, &["channels", "resume", "sandbox"]);
    let old = send(&h, "旧通知", "{{ name }}：上周的通知。", &["学校企业微信"]);
    assert_eq!(wecom.0.lock().unwrap().sent.len(), 4, "one call per person");
    sql(
        &h,
        &format!("UPDATE deliveries SET sent_at = '2020-01-01T08:00:00.000Z' WHERE run_id = {old} RETURNING address"),
    );
    let detail = run_detail(&h, old);
    assert_eq!(detail["afterSend"]["recall"]["recallable"], 0, "{detail}");
    assert_eq!(detail["afterSend"]["recall"]["notRecallable"], 3, "{detail}");
    let (code, err) = fails(&h, &["runs", "recall", &old.to_string(), "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("can be recalled only within 24 hours of sending"), "{err}");
    assert_eq!(wecom.0.lock().unwrap().recalls.len(), 1, "WeCom was not asked");

    // One message per person: one recall each. WeCom is busy for one of them: that one is
    // recorded as failed, with WeCom's words, and recalling again recalls it alone.
    let each = send(&h, "分别通知", "{{ name }}：请查收。", &["学校企业微信"]);
    wecom.0.lock().unwrap().busy_once = true;
    let report = json(&h, &["runs", "recall", &each.to_string(), "--yes"]);
    assert_eq!(
        (report["recalled"].as_i64(), report["failed"].as_i64()),
        (Some(2), Some(1)),
        "{report}"
    );
    assert!(
        report["notes"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("-1 system busy"),
        "{report}"
    );
    let detail = run_detail(&h, each);
    let failed: Vec<_> = deliveries_on(&detail, "学校企业微信")
        .into_iter()
        .filter(|d| d["recallState"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{detail}");
    assert_eq!(
        failed[0]["attemptLog"].as_array().unwrap().last().unwrap()["outcome"],
        "recall_failed"
    );
    assert_eq!(detail["afterSend"]["recall"]["recallable"], 1, "{detail}");
    let again = json(&h, &["runs", "recall", &each.to_string(), "--yes"]);
    assert_eq!(
        (again["recalled"].as_i64(), again["alreadyRecalled"].as_i64()),
        (Some(1), Some(2)),
        "{again}"
    );
    let recalls: HashSet<String> = wecom.0.lock().unwrap().recalls[1..].iter().cloned().collect();
    assert_eq!(recalls.len(), 3, "{recalls:?}");
    assert_eq!(wecom.0.lock().unwrap().recalls.len(), 4, "each msgid recalled once");

    // WeCom reports no reads.
    let (code, err) = fails(&h, &["runs", "reads", &each.to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("do not report who has read"), "{err}");
}

// ----- Feishu app messages -----

const APP_ID: &str = "cli_a5f0c1d2e3b4a5c6";
const FEISHU_SECRET: &str = "app-secret-Qw8e7r6t5y4u3i2o1p0a";

#[derive(Default)]
struct FeishuState {
    tokens: u32,
    /// message_id → (receive_id, the card's title, its text).
    messages: HashMap<String, (String, String, String)>,
    /// Who read what, by open_id.
    read: HashSet<(String, String)>,
    deleted: Vec<String>,
    /// Read checks, one per message asked about (its first page).
    read_checks: u32,
    /// When each read check arrived.
    read_checked_at: Vec<std::time::Instant>,
}

#[derive(Clone, Default)]
struct Feishu(Arc<Mutex<FeishuState>>);

fn code(status: u16, code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({"code": code, "msg": msg}))
}

impl Feishu {
    fn mark_read(&self, open_id: &str) {
        let mut s = self.0.lock().unwrap();
        let ids: Vec<String> = s
            .messages
            .iter()
            .filter(|(_, (to, _, _))| to == open_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            s.read.insert((id, open_id.to_owned()));
        }
    }
}

impl Respond for Feishu {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let path = req.url.path().to_owned();
        if path == "/open-apis/auth/v3/tenant_access_token/internal" {
            if body["app_id"] != APP_ID || body["app_secret"] != FEISHU_SECRET {
                return code(400, 10014, "app secret invalid");
            }
            s.tokens += 1;
            return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "code": 0, "msg": "ok", "tenant_access_token": format!("t-TOKEN-{}", s.tokens), "expire": 7200
            }));
        }
        let bearer = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer t-TOKEN-"))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 1 && n <= s.tokens);
        if !bearer {
            return code(200, 99991663, "Invalid access token for authorization");
        }
        let rest = path.strip_prefix("/open-apis/im/v1/messages").unwrap_or("?");
        match (req.method.as_str(), rest) {
            ("POST", "") => {
                if q.get("receive_id_type").map(String::as_str) != Some("open_id") {
                    return code(400, 99992402, "field validation failed");
                }
                let card: serde_json::Value =
                    serde_json::from_str(body["content"].as_str().unwrap_or_default()).unwrap_or_default();
                let id = format!("om_{}", s.messages.len() + 1);
                s.messages.insert(
                    id.clone(),
                    (
                        body["receive_id"].as_str().unwrap_or_default().to_owned(),
                        card["header"]["title"]["content"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        card["elements"][0]["content"].as_str().unwrap_or_default().to_owned(),
                    ),
                );
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"code": 0, "msg": "success", "data": {"message_id": id}}))
            }
            ("DELETE", id) => {
                let id = id.trim_start_matches('/');
                if !s.messages.contains_key(id) {
                    return code(400, 230026, "No permission to recall this message.");
                }
                if s.deleted.iter().any(|d| d == id) {
                    return code(400, 230011, "The message is recalled.");
                }
                s.deleted.push(id.to_owned());
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"code": 0, "msg": "success", "data": {}}))
            }
            ("GET", rest) if rest.ends_with("/read_users") => {
                let id = rest.trim_start_matches('/').trim_end_matches("/read_users").to_owned();
                if q.get("user_id_type").map(String::as_str) != Some("open_id") {
                    return code(400, 230001, "invalid user_id_type");
                }
                let Some((to, _, _)) = s.messages.get(&id).cloned() else {
                    return code(400, 230012, "Bot is NOT the sender of the message.");
                };
                // Two pages: the first empty, as Feishu may answer, the reader on the second.
                if !q.contains_key("page_token") {
                    s.read_checks += 1;
                    s.read_checked_at.push(std::time::Instant::now());
                    return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                        "code": 0, "msg": "success",
                        "data": {"items": [], "has_more": true, "page_token": format!("next-{id}")}
                    }));
                }
                assert_eq!(q["page_token"], format!("next-{id}"));
                let items: Vec<serde_json::Value> = if s.read.contains(&(id.clone(), to.clone())) {
                    vec![serde_json::json!({"user_id_type": "open_id", "user_id": to, "timestamp": "1609484183000"})]
                } else {
                    Vec::new()
                };
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "code": 0, "msg": "success", "data": {"items": items, "has_more": false, "page_token": ""}
                }))
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

/// The Feishu app channel 学校飞书 against `server`, its secret given on standard input.
fn add_feishu_channel(h: &Herald, server: &MockServer) {
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "feishu-app",
            "--name",
            "学校飞书",
            "--app-id",
            APP_ID,
            "--app-secret",
            "-",
            "--api-base",
            &server.uri(),
        ],
        &format!("{FEISHU_SECRET}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn feishu_reads_are_checked_the_unread_reminded_in_their_language_and_the_run_recalled() {
    let feishu = Feishu::default();
    let server = common::serve(feishu.clone()).await;
    let h = Herald::new();
    add_contacts(
        &h,
        "feishu",
        &[
            ("2024001", "张三", "ou_zhangsan"),
            ("2024002", "李四", "ou_lisi"),
            ("2024003", "王五", "ou_wangwu"),
        ],
    );
    json(&h, &["contacts", "edit", "2024003", "--language", "en"]);
    add_feishu_channel(&h, &server);
    let run = send(
        &h,
        "体检通知",
        "{{ name }}同学：请于周三上午到校医院体检。",
        &["学校飞书"],
    );
    assert_eq!(feishu.0.lock().unwrap().messages.len(), 3);

    // Never checked: unknown, and nobody is reminded on a guess.
    let detail = run_detail(&h, run);
    assert_eq!(detail["afterSend"]["reads"]["reported"], true, "{detail}");
    assert_eq!(detail["afterSend"]["reads"]["unknown"], 3, "{detail}");
    assert_eq!(detail["afterSend"]["recall"]["recallable"], 3, "{detail}");
    assert_eq!(detail["afterSend"]["recall"]["windowHours"], 24, "{detail}");

    feishu.mark_read("ou_zhangsan");
    let reads = json(&h, &["runs", "reads", &run.to_string()]);
    assert_eq!(
        (reads["read"].as_i64(), reads["unread"].as_i64()),
        (Some(1), Some(2)),
        "{reads}"
    );
    let mut unread: Vec<&str> = reads["unreadNames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    unread.sort();
    assert_eq!(unread, ["李四", "王五"]);
    assert_eq!(
        feishu.0.lock().unwrap().read_checks,
        3,
        "one check per message, both pages read"
    );
    let detail = run_detail(&h, run);
    let by_name = |name: &str| {
        detail["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["contactName"] == name)
            .unwrap()
            .clone()
    };
    // Feishu's own time of reading (1609484183000 ms) is kept.
    assert_eq!(by_name("张三")["readAt"], "2021-01-01T06:56:23.000Z");
    assert!(by_name("李四")["readAt"].is_null() && by_name("李四")["readCheckedAt"].is_string());

    // 李四 reads it meanwhile: the reminder checks again first, and goes to 王五 alone.
    feishu.mark_read("ou_lisi");
    let reminder = json(&h, &["runs", "remind", &run.to_string(), "--wait"]);
    assert_eq!(reminder["reminderOf"], run, "{reminder}");
    assert_eq!(
        (reminder["total"].as_i64(), reminder["sent"].as_i64()),
        (Some(1), Some(1)),
        "{reminder}"
    );
    let reminded: Vec<(String, String, String)> = feishu
        .0
        .lock()
        .unwrap()
        .messages
        .iter()
        .filter(|(id, _)| id.as_str() > "om_3")
        .map(|(_, m)| m.clone())
        .collect();
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    let (to, title, text) = &reminded[0];
    assert_eq!(to, "ou_wangwu");
    // 王五 reads English: the reminder is in English, and names the first notice.
    assert_eq!(title, "[Reminder] 体检通知");
    assert!(
        text.starts_with("Reminder: you have not read the notice “体检通知” yet."),
        "{text}"
    );
    let first = run_detail(&h, run);
    assert_eq!(first["afterSend"]["reminders"], serde_json::json!([reminder["id"]]));
    assert_eq!(first["afterSend"]["reads"]["read"], 2, "{first}");
    let audit = sql(&h, "SELECT detail FROM audit_log WHERE action = 'run.remind'");
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains(&format!("\"reminderOf\":{run}")), "{audit:?}");

    // Everyone has read it now: no one to remind, and nothing is sent.
    feishu.mark_read("ou_wangwu");
    let (code, err) = fails(&h, &["runs", "remind", &run.to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no one to remind"), "{err}");

    // Recall: one DELETE per message, each delivery records it.
    let report = json(&h, &["runs", "recall", &run.to_string(), "--yes"]);
    assert_eq!(report["recalled"], 3, "{report}");
    let mut deleted = feishu.0.lock().unwrap().deleted.clone();
    deleted.sort();
    assert_eq!(deleted, ["om_1", "om_2", "om_3"]);
    let detail = run_detail(&h, run);
    for d in detail["deliveries"].as_array().unwrap() {
        assert_eq!(d["recallState"], "recalled", "{d}");
    }
    // A recalled message is no one's to read: the counts leave it out.
    assert_eq!(detail["afterSend"]["reads"]["read"], 0, "{detail}");
    let printed = tokio::task::block_in_place(|| h.cmd().args(["runs", "show", &run.to_string()]).output().unwrap());
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains("3 recalled") && printed.contains("reminders: run"),
        "{printed}"
    );
    assert!(
        !printed.contains(FEISHU_SECRET) && !printed.contains("t-TOKEN-"),
        "{printed}"
    );
}

// ----- a robot -----

#[derive(Clone, Default)]
struct Robot(Arc<Mutex<u32>>);

impl Respond for Robot {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() != "POST" || req.url.path() != "/cgi-bin/webhook/send" {
            return ResponseTemplate::new(404);
        }
        *self.0.lock().unwrap() += 1;
        errcode(0, "ok")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robot_run_says_it_cannot_be_recalled_and_changes_nothing() {
    let robot = Robot::default();
    let server = common::serve(robot.clone()).await;
    let h = Herald::new();
    json(&h, &["contacts", "add", "--name", "张三", "--external-id", "2024001"]);
    let url = format!(
        "{}/cgi-bin/webhook/send?key=693a91f6-7a1b-4bc4-97a0-0ec2f1fa5aaa",
        server.uri()
    );
    let out = h.with_stdin(
        &["channels", "add", "wecom-robot", "--name", "辅导员群", "--webhook", "-"],
        &format!("{url}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = send(&h, "班会通知", "今晚七点班会。", &["辅导员群"]);
    assert_eq!(*robot.0.lock().unwrap(), 1);

    let detail = run_detail(&h, run);
    assert_eq!(detail["afterSend"]["recall"]["notRecallable"], 1, "{detail}");
    assert_eq!(detail["afterSend"]["reads"]["reported"], false, "{detail}");
    let audit_before = sql(&h, "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log");
    let (code, err) = fails(&h, &["runs", "recall", &run.to_string(), "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("robot messages in a group chat cannot be recalled"),
        "{err}"
    );
    let detail = run_detail(&h, run);
    assert!(
        detail["deliveries"][0]["recallState"].is_null(),
        "nothing recorded: {detail}"
    );
    assert_eq!(
        sql(&h, "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log"),
        audit_before,
        "nothing audited"
    );
    let (code, err) = fails(&h, &["runs", "remind", &run.to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("do not report who has read"), "{err}");
}

/// A loopback DingTalk for work notifications: the token, one task (9) whose result lists
/// 李四 as having read it, and a recall that must name that task and the app's agent.
async fn dingtalk() -> MockServer {
    use wiremock::matchers::{body_json, method, path, query_param};
    let server = MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("GET"))
        .and(path("/gettoken"))
        .and(query_param("appkey", "dingd8e1123006514592"))
        .and(query_param("appsecret", DINGTALK_SECRET))
        .respond_with(ok(
            serde_json::json!({"errcode": 0, "access_token": "DT1", "expires_in": 7200}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/topapi/message/corpconversation/asyncsend_v2"))
        .and(query_param("access_token", "DT1"))
        .respond_with(ok(serde_json::json!({"errcode": 0, "task_id": 9})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/topapi/message/corpconversation/getsendprogress"))
        .and(body_json(serde_json::json!({"agent_id": 2001, "task_id": 9})))
        .respond_with(ok(
            serde_json::json!({"errcode": 0, "progress": {"progress_in_percent": 100, "status": 2}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/topapi/message/corpconversation/getsendresult"))
        .and(body_json(serde_json::json!({"agent_id": 2001, "task_id": 9})))
        .respond_with(ok(serde_json::json!({"errcode": 0, "send_result": {
            "read_user_id_list": ["lisi"], "unread_user_id_list": ["zhangsan"]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/topapi/message/corpconversation/recall"))
        .and(query_param("access_token", "DT1"))
        .and(body_json(serde_json::json!({"agent_id": 2001, "msg_task_id": 9})))
        .respond_with(ok(serde_json::json!({"errcode": 0, "errmsg": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    server
}

const DINGTALK_SECRET: &str = "dt-app-secret-0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn a_dingtalk_work_notification_reports_its_reads_and_is_recalled_by_its_task() {
    let server = dingtalk().await;
    let h = Herald::new();
    add_contacts(
        &h,
        "dingtalk",
        &[("2024001", "张三", "zhangsan"), ("2024002", "李四", "lisi")],
    );
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "dingtalk-app",
            "--name",
            "钉钉通知",
            "--app-key",
            "dingd8e1123006514592",
            "--app-secret",
            "-",
            "--agent-id",
            "2001",
            "--api-base",
            &server.uri(),
        ],
        &format!("{DINGTALK_SECRET}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = send(&h, "停水通知", "明天上午宿舍区停水。", &["钉钉通知"]);

    let reads = json(&h, &["runs", "reads", &run.to_string()]);
    assert_eq!(
        (reads["read"].as_i64(), reads["unread"].as_i64()),
        (Some(1), Some(1)),
        "{reads}"
    );
    assert_eq!(reads["unreadNames"], serde_json::json!(["张三"]), "{reads}");

    json(&h, &["runs", "recall", &run.to_string(), "--yes"]);
    let detail = run_detail(&h, run);
    for d in deliveries_on(&detail, "钉钉通知") {
        assert_eq!(d["recallState"], "recalled", "{d}");
    }
    assert_eq!(detail["afterSend"]["recall"]["recalled"], 2, "{detail}");
    // The one recall call (task 9, for both people) is checked when the server drops.
    assert!(!sql(&h, "SELECT settings FROM channels WHERE name = '钉钉通知'")[0].contains(DINGTALK_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn read_checks_keep_to_the_channels_rate_limit() {
    let feishu = Feishu::default();
    let server = common::serve(feishu.clone()).await;
    let h = Herald::new();
    add_contacts(
        &h,
        "feishu",
        &[
            ("2024001", "张三", "ou_zhangsan"),
            ("2024002", "李四", "ou_lisi"),
            ("2024003", "王五", "ou_wangwu"),
            ("2024004", "赵六", "ou_zhaoliu"),
        ],
    );
    add_feishu_channel(&h, &server);
    let run = send(&h, "体检通知", "{{ name }}同学：请于周三体检。", &["学校飞书"]);
    // The admin lowered the channel to 2 calls a second: checks after sending count too.
    json(&h, &["channels", "edit", "feishu-app", "学校飞书", "--per-second", "2"]);
    json(&h, &["runs", "reads", &run.to_string()]);

    let at = feishu.0.lock().unwrap().read_checked_at.clone();
    assert_eq!(at.len(), 4, "one check per message");
    // No second holds more than two of them: the third waits for the first to leave it.
    for (first, third) in at.iter().zip(at.iter().skip(2)) {
        assert!(
            third.duration_since(*first) >= std::time::Duration::from_millis(900),
            "three checks inside one second: {at:?}"
        );
    }
}
