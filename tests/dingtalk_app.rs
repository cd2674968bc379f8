//! DingTalk work notifications through the real binary, against a loopback DingTalk that
//! checks what DingTalk checks (the AppKey and AppSecret for a token, the token on every call,
//! the AgentId, the message's shape, 5,000 userids and 2,048 bytes of `msg` at most) and
//! answers as DingTalk does: HTTP 200 with an `errcode`, a `task_id` before anything is
//! delivered, and only the send result saying whom the message did not reach.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::sink::Proc;
use common::Herald;
use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const APP_KEY: &str = "dingd8e1123006514592";
const SECRET: &str = "app-secret-Zx9w8v7u6t5s4r3q2p1o";
const AGENT: i64 = 2_001_234;
const CHANNEL: &str = "学校钉钉";

/// How the organisation's people come out of a task: delivered (read or not), held back by
/// DingTalk's flow control with its code, failed for DingTalk's own reasons (once), or unknown.
fn fate(userid: &str) -> &'static str {
    match userid {
        "zhangsan" => "unread",
        "lisi" => "read",
        "zhaoliu" => "143106",
        "qianqi" => "143105",
        "sunba" => "fails once",
        _ => "invalid",
    }
}

#[derive(Default)]
struct Task {
    users: Vec<String>,
    failed: Vec<String>,
    looks: u32,
}

#[derive(Default)]
struct State {
    tokens_issued: u32,
    /// Tokens that have expired.
    expired: HashSet<String>,
    /// Expire the first token at its first use (DingTalk answers 88 with sub_code 42001).
    expire_first: bool,
    /// Refuse every call from this computer's IP (60020).
    ip_refused: bool,
    /// Answer every send with 130101 (sent too fast).
    throttled: bool,
    /// Looks at a task's progress before DingTalk says it is done.
    looks_before_done: u32,
    /// People whose first delivery has failed already.
    failed_once: HashSet<String>,
    tasks: HashMap<i64, Task>,
    /// Each accepted send's body.
    sends: Vec<Value>,
    /// Send results read before their task was done.
    early_results: u32,
    mobiles_asked: Vec<String>,
    /// Anything DingTalk would refuse that Herald sent anyway.
    violations: Vec<String>,
}

#[derive(Clone, Default)]
struct Dingtalk(Arc<Mutex<State>>);

fn reply(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

impl State {
    /// The token's refusal, if it is not one DingTalk issued and still honours.
    fn refuse_token(&mut self, token: &str) -> Option<ResponseTemplate> {
        let issued = token
            .strip_prefix("TOKEN-")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 1 && n <= self.tokens_issued);
        if !issued {
            return Some(reply(
                json!({"errcode": 88, "sub_code": "40014", "sub_msg": "不合法的access_token", "errmsg": "ding talk error[subcode=40014,submsg=不合法的access_token]"}),
            ));
        }
        if self.expire_first && token == "TOKEN-1" {
            self.expired.insert(token.to_owned());
        }
        self.expired.contains(token).then(|| {
            reply(
                json!({"errcode": 88, "sub_code": "42001", "sub_msg": "access_token超时", "errmsg": "ding talk error[subcode=42001,submsg=access_token超时]"}),
            )
        })
    }

    fn send(&mut self, body: &Value) -> ResponseTemplate {
        if body["agent_id"] != AGENT {
            return reply(json!({"errcode": 40056, "errmsg": "不合法的agentid"}));
        }
        let msg = &body["msg"];
        if msg.to_string().len() > 2048 {
            self.violations.push(format!("msg of {} bytes", msg.to_string().len()));
            return reply(json!({"errcode": 40035, "errmsg": "不合法的参数"}));
        }
        let title = msg["markdown"]["title"].as_str().unwrap_or_default();
        let text = msg["markdown"]["text"].as_str().unwrap_or_default();
        if msg["msgtype"] != "markdown" || title.is_empty() || text.is_empty() {
            self.violations.push(format!("msg {msg}"));
            return reply(json!({"errcode": 400402, "errmsg": "markdown title or text missing"}));
        }
        let users: Vec<String> = body["userid_list"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        if users.is_empty() || users.len() > 5000 {
            self.violations.push(format!("{} userids", users.len()));
            return reply(json!({"errcode": 40035, "errmsg": "userid_list invalid"}));
        }
        if self.throttled {
            return reply(json!({"errcode": 130101, "errmsg": "send too fast, exceed limit"}));
        }
        let failed = users
            .iter()
            .filter(|u| fate(u) == "fails once" && self.failed_once.insert(u.to_string()))
            .cloned()
            .collect();
        self.sends.push(body.clone());
        let task_id = 1000 + self.sends.len() as i64;
        self.tasks.insert(
            task_id,
            Task {
                users,
                failed,
                looks: 0,
            },
        );
        reply(json!({"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": "r1"}))
    }

    /// The task a progress or result query names, when it names one as DingTalk expects.
    fn task(&mut self, body: &Value) -> Option<&mut Task> {
        if body["agent_id"] != AGENT || !body["task_id"].is_i64() {
            self.violations.push(format!("task query {body}"));
            return None;
        }
        self.tasks.get_mut(&body["task_id"].as_i64().unwrap())
    }

    fn progress(&mut self, body: &Value) -> ResponseTemplate {
        let before = self.looks_before_done;
        let Some(task) = self.task(body) else {
            return reply(json!({"errcode": 40035, "errmsg": "不合法的参数"}));
        };
        task.looks += 1;
        let done = task.looks > before;
        reply(json!({"errcode": 0, "progress": {
            "progress_in_percent": if done { 100 } else { 50 },
            "status": if done { 2 } else { 1 },
        }}))
    }

    fn result(&mut self, body: &Value) -> ResponseTemplate {
        let before = self.looks_before_done;
        let Some(task) = self.task(body) else {
            return reply(json!({"errcode": 40035, "errmsg": "不合法的参数"}));
        };
        let (early, result) = (task.looks <= before, send_result(task));
        self.early_results += u32::from(early);
        reply(json!({"errcode": 0, "errmsg": "ok", "send_result": result}))
    }

    fn by_mobile(&mut self, body: &Value) -> ResponseTemplate {
        let mobile = body["mobile"].as_str().unwrap_or_default().to_owned();
        if mobile.starts_with('+') {
            self.violations
                .push(format!("mobile {mobile}: a mainland number goes as its 11 digits"));
        }
        self.mobiles_asked.push(mobile.clone());
        match mobile.as_str() {
            "13800001111" => reply(json!({"errcode": 0, "errmsg": "ok", "result": {"userid": "zhangsan"}})),
            "13800002222" => reply(json!({"errcode": 0, "errmsg": "ok", "result": {"userid": "lisi"}})),
            _ => reply(json!({"errcode": 60121, "errmsg": "找不到该用户"})),
        }
    }
}

/// A task's `send_result`, each person by their fate.
fn send_result(task: &Task) -> Value {
    let mut lists: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut forbidden = Vec::new();
    for u in &task.users {
        let list = match fate(u) {
            _ if task.failed.contains(u) => "failed_user_id_list",
            "read" => "read_user_id_list",
            "unread" | "fails once" => "unread_user_id_list",
            "invalid" => "invalid_user_id_list",
            code => {
                forbidden.push(json!({"code": code, "count": if code == "143105" { 500 } else { 1 }, "userid": u}));
                "forbidden_user_id_list"
            }
        };
        lists.entry(list).or_default().push(u);
    }
    let mut result = json!({"forbidden_list": forbidden, "invalid_dept_id_list": []});
    for (list, users) in lists {
        result[list] = json!(users);
    }
    result
}

impl Respond for Dingtalk {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if s.ip_refused {
            return reply(json!({"errcode": 60020, "errmsg": "访问ip不在白名单之中,request ip=203.0.113.9"}));
        }
        if (req.method.as_str(), req.url.path()) == ("GET", "/gettoken") {
            if q.get("appkey").map(String::as_str) != Some(APP_KEY)
                || q.get("appsecret").map(String::as_str) != Some(SECRET)
            {
                return reply(json!({"errcode": 40089, "errmsg": "不合法的appkey或appsecret"}));
            }
            s.tokens_issued += 1;
            let token = format!("TOKEN-{}", s.tokens_issued);
            return reply(json!({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}));
        }
        if req.method.as_str() != "POST" {
            return ResponseTemplate::new(404);
        }
        if let Some(refused) = s.refuse_token(q.get("access_token").map(String::as_str).unwrap_or_default()) {
            return refused;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            s.violations.push(format!("{} without a JSON body", req.url.path()));
            return reply(json!({"errcode": 40035, "errmsg": "不合法的参数"}));
        };
        match req.url.path() {
            "/topapi/message/corpconversation/asyncsend_v2" => s.send(&body),
            "/topapi/message/corpconversation/getsendprogress" => s.progress(&body),
            "/topapi/message/corpconversation/getsendresult" => s.result(&body),
            "/topapi/v2/user/getbymobile" => s.by_mobile(&body),
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn dingtalk(state: State) -> (MockServer, Dingtalk) {
    let dingtalk = Dingtalk(Arc::new(Mutex::new(state)));
    let server = common::serve(dingtalk.clone()).await;
    (server, dingtalk)
}

fn add_channel(h: &Herald, server: &MockServer, secret: &str) {
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "dingtalk-app",
            "--name",
            CHANNEL,
            "--app-key",
            APP_KEY,
            "--agent-id",
            &AGENT.to_string(),
            "--app-secret",
            "-",
            "--api-base",
            &server.uri(),
            // Retries within the test's patience.
            "--retry-base-secs",
            "1",
        ],
        &format!("{secret}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn add_people(h: &Herald, people: &[(&str, &str, Option<&str>)]) {
    for (id, name, userid) in people {
        h.json(&["contacts", "add", "--name", name, "--external-id", id]);
        if let Some(u) = userid {
            h.json(&["contacts", "edit", id, "--address", &format!("dingtalk={u}")]);
        }
    }
}

/// Creates a notice on the channel and sends it; `wait`: until every delivery is settled.
fn send_notice(h: &Herald, title: &str, body: &str, wait: bool) -> std::process::Output {
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        title,
        "--body",
        body,
        "--channel",
        CHANNEL,
    ]);
    let id = notice["id"].to_string();
    let mut args = vec!["notices", "send", id.as_str()];
    if wait {
        args.push("--wait");
    }
    h.cmd().args(&args).output().unwrap()
}

fn delivery<'a>(detail: &'a Value, name: &str) -> &'a Value {
    detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["contactName"] == name)
        .unwrap_or_else(|| panic!("no delivery to {name}: {detail}"))
}

fn no_credentials_in(h: &Herald, printed: &str) {
    assert!(!printed.contains(SECRET) && !printed.contains("TOKEN-"), "{printed}");
    for file in ["herald.db", "herald.db-wal"] {
        let bytes = std::fs::read(h.data_dir().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET) && !text.contains("TOKEN-"),
            "a credential in {file}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_person_is_recorded_as_the_send_result_says_and_an_expired_token_is_fetched_again() {
    let (server, dingtalk) = dingtalk(State {
        expire_first: true,
        looks_before_done: 2,
        ..Default::default()
    })
    .await;
    let h = Herald::new();
    tokio::task::block_in_place(|| {
        add_people(
            &h,
            &[
                ("2024001", "张三", Some("zhangsan")),
                ("2024002", "李四", Some("lisi")),
                ("2024003", "王五", Some("wangwu-left")),
                ("2024004", "赵六", Some("zhaoliu")),
                ("2024005", "钱七", Some("qianqi")),
                ("2024006", "孙八", Some("sunba")),
                ("2024007", "周九", None),
            ],
        );
        add_channel(&h, &server, SECRET);
    });
    let out = tokio::task::block_in_place(|| send_notice(&h, "停水通知", "明天上午**宿舍区**停水，请提前储水。", true));
    let printed = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{printed}");
    tokio::task::block_in_place(|| no_credentials_in(&h, &printed));

    let (issued, sends, early, violations) = {
        let s = dingtalk.0.lock().unwrap();
        (s.tokens_issued, s.sends.clone(), s.early_results, s.violations.clone())
    };
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(issued, 2, "the expired token was fetched again, once");
    assert_eq!(early, 0, "every result was read once DingTalk had finished its task");
    // The same text for everyone with a DingTalk id: one call; then the one whose delivery
    // failed, again.
    assert_eq!(sends.len(), 2, "{sends:?}");
    let mut first: Vec<&str> = sends[0]["userid_list"].as_str().unwrap().split(',').collect();
    first.sort();
    assert_eq!(first, ["lisi", "qianqi", "sunba", "wangwu-left", "zhangsan", "zhaoliu"]);
    assert_eq!(sends[1]["userid_list"], "sunba");
    assert_eq!(sends[0]["msg"]["markdown"]["title"], "停水通知");
    assert_eq!(
        sends[0]["msg"]["markdown"]["text"],
        "### 停水通知\n\n明天上午**宿舍区**停水，请提前储水。"
    );

    let detail = tokio::task::block_in_place(|| h.last_run());
    assert_eq!(detail["deliveries"].as_array().unwrap().len(), 6, "{detail}");
    for name in ["张三", "李四"] {
        let d = delivery(&detail, name);
        assert_eq!(d["status"], "sent", "{d}");
        assert_eq!(
            d["providerMessageId"], "1001",
            "the task id, for recall and read status: {d}"
        );
    }
    let wang = delivery(&detail, "王五");
    assert_eq!(wang["status"], "failed", "{wang}");
    assert!(wang["lastError"].as_str().unwrap().contains("可使用范围"), "{wang}");
    let zhao = delivery(&detail, "赵六");
    assert_eq!(zhao["status"], "failed", "{zhao}");
    assert!(zhao["lastError"].as_str().unwrap().contains("once a day"), "{zhao}");
    assert_eq!(zhao["attemptLog"][0]["providerCode"], "dingtalk:143106", "{zhao}");
    let qian = delivery(&detail, "钱七");
    assert!(
        qian["lastError"].as_str().unwrap().contains("daily limit of 500"),
        "{qian}"
    );
    let sun = delivery(&detail, "孙八");
    assert_eq!(sun["status"], "sent", "{sun}");
    assert_eq!(sun["providerMessageId"], "1002", "{sun}");
    let tries: Vec<(&str, &str)> = sun["attemptLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["outcome"].as_str().unwrap(), a["providerCode"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(tries, [("retry", "dingtalk:failed_user"), ("sent", "")]);

    // The unknown userid is marked invalid on the contact; the others are not.
    let invalid = |id: &str| {
        let shown = tokio::task::block_in_place(|| h.json(&["contacts", "show", id]));
        shown["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "dingtalk")
            .unwrap()["invalid"]
            .clone()
    };
    assert_eq!(invalid("2024003"), true);
    assert_eq!(invalid("2024004"), false);

    // A message over 2,048 bytes: the whole-audience check refuses to send it, naming the limit.
    let long = "很长的通知。".repeat(200);
    let out = tokio::task::block_in_place(|| send_notice(&h, "长通知", &long, false));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2048"), "{out:?}");
    // A run whose notice grew under the dispatcher (changed in the database after its check)
    // is still refused by the provider before it is sent.
    let out = tokio::task::block_in_place(|| send_notice(&h, "长通知", "短通知", false));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let grown = tokio::task::block_in_place(|| {
        h.sql(&format!(
            "UPDATE notices SET body = '{long}' WHERE id = (SELECT MAX(notice_id) FROM runs) RETURNING CAST(id AS TEXT)"
        ))
    });
    assert_eq!(grown.len(), 1);
    let out = tokio::task::block_in_place(|| h.cmd().args(["dispatch", "--until-idle"]).output().unwrap());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        dingtalk.0.lock().unwrap().sends.len(),
        2,
        "nothing over the limit was sent"
    );
    let detail = tokio::task::block_in_place(|| h.last_run());
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 5, "王五's address is invalid now: {detail}");
    for d in deliveries {
        assert_eq!(d["status"], "failed", "{d}");
        assert!(d["lastError"].as_str().unwrap().contains("2048"), "{d}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_send_works_and_refusals_of_the_channel_pause_it_saying_what_to_do() {
    let (server, dingtalk) = dingtalk(State::default()).await;
    let h = Herald::new();
    tokio::task::block_in_place(|| {
        add_people(&h, &[("T001", "张三", Some("zhangsan"))]);
        add_channel(&h, &server, SECRET);
    });
    let ok = tokio::task::block_in_place(|| h.json(&["channels", "test", CHANNEL, "--to", "lisi"]));
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(dingtalk.0.lock().unwrap().sends[0]["userid_list"], "lisi");
    let (code, err) = tokio::task::block_in_place(|| h.fails(&["channels", "test", CHANNEL]));
    assert_eq!(code, 2, "an app channel's test needs a recipient: {err}");

    // This computer's IP is not among the app's 服务器出口IP: the channel pauses itself at the
    // first refusal, with what to do, and the notice waits.
    dingtalk.0.lock().unwrap().ip_refused = true;
    let out = tokio::task::block_in_place(|| send_notice(&h, "通知", "内容", true));
    assert!(!out.status.success(), "the channel that holds deliveries is paused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("paused"), "{stderr}");
    let channel = tokio::task::block_in_place(|| h.json(&["channels", "show", CHANNEL]));
    assert_eq!(channel["paused"], true, "{channel}");
    let reason = channel["pausedReason"].as_str().unwrap();
    assert!(reason.contains("60020") && reason.contains("服务器出口IP"), "{reason}");
    let detail = tokio::task::block_in_place(|| h.last_run());
    assert_eq!(delivery(&detail, "张三")["status"], "retry_wait", "{detail}");

    // A wrong AppSecret: the test says which settings to check, without quoting the secret.
    dingtalk.0.lock().unwrap().ip_refused = false;
    let h2 = Herald::new();
    tokio::task::block_in_place(|| add_channel(&h2, &server, "wrong-secret-value-123"));
    let out = tokio::task::block_in_place(|| {
        h2.cmd()
            .args(["channels", "test", CHANNEL, "--to", "lisi"])
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("40089") && text.contains("AppKey") && text.contains("AppSecret"),
        "{text}"
    );
    assert!(!text.contains("wrong-secret-value-123"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sent_too_fast_the_channel_is_held_for_ten_minutes() {
    let (server, dingtalk) = dingtalk(State {
        throttled: true,
        ..Default::default()
    })
    .await;
    let h = Herald::new();
    tokio::task::block_in_place(|| {
        add_people(
            &h,
            &[("T001", "张三", Some("zhangsan")), ("T002", "李四", Some("lisi"))],
        );
        add_channel(&h, &server, SECRET);
        assert!(send_notice(&h, "通知一", "内容一", false).status.success());
    });
    let logs = tempfile::tempdir().unwrap();
    let mut dispatcher = Proc::spawn(
        {
            let mut c = h.cmd();
            c.arg("dispatch");
            c
        },
        logs.path(),
        "dispatch",
    );
    let refused = |d: &Dingtalk| d.0.lock().unwrap().tokens_issued >= 1;
    common::wait_for("the first send", Duration::from_secs(20), || {
        let waiting =
            tokio::task::block_in_place(|| h.sql("SELECT status FROM deliveries WHERE status = 'retry_wait'"));
        refused(&dingtalk) && waiting.len() == 2
    });
    // Both wait ten minutes: DingTalk holds the app that long.
    let due = tokio::task::block_in_place(|| {
        h.sql("SELECT CAST((julianday(next_attempt_at) - julianday('now')) * 86400 AS TEXT) FROM deliveries")
    });
    for seconds in due {
        let seconds: f64 = seconds.parse().unwrap();
        assert!(seconds > 9.0 * 60.0, "due again in {seconds} s");
    }
    let detail = tokio::task::block_in_place(|| h.last_run());
    let reason = delivery(&detail, "张三")["lastError"].as_str().unwrap().to_owned();
    assert!(reason.contains("130101") && reason.contains("10 minutes"), "{reason}");

    // A second notice meanwhile is held back with the channel: DingTalk hears nothing more.
    dingtalk.0.lock().unwrap().throttled = false;
    tokio::task::block_in_place(|| assert!(send_notice(&h, "通知二", "内容二", false).status.success()));
    let calls_before = server.received_requests().await.unwrap().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    dispatcher.assert_running();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        calls_before,
        "a held channel sends nothing"
    );
    let queued = tokio::task::block_in_place(|| h.sql("SELECT status FROM deliveries WHERE status = 'queued'"));
    assert_eq!(queued.len(), 2, "the second notice waits");
    assert!(dingtalk.0.lock().unwrap().sends.is_empty());
    dispatcher.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn userids_found_by_mobile_are_stored_on_confirmation_and_the_notice_reaches_them() {
    let (server, dingtalk) = dingtalk(State::default()).await;
    let h = Herald::new();
    let run = |args: &[&str]| tokio::task::block_in_place(|| h.json(args));
    for (id, name, mobile) in [
        ("T001", "张三", "+8613800001111"),
        ("T002", "李四", "13800002222"),
        ("T003", "孙八", "13800009999"),
    ] {
        run(&[
            "contacts",
            "add",
            "--name",
            name,
            "--external-id",
            id,
            "--mobile",
            mobile,
        ]);
    }
    tokio::task::block_in_place(|| add_channel(&h, &server, SECRET));

    let dry = run(&["contacts", "link-ids", "--channel", CHANNEL, "--dry-run"]);
    assert_eq!(
        (
            dry["found"].as_u64(),
            dry["notFound"].as_u64(),
            dry["failed"].as_u64(),
            dry["stored"].as_u64()
        ),
        (Some(2), Some(1), Some(0), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["addressKind"], "dingtalk");
    let mut asked = dingtalk.0.lock().unwrap().mobiles_asked.clone();
    asked.sort();
    assert_eq!(asked, ["13800001111", "13800002222", "13800009999"]);

    let done = run(&["contacts", "link-ids", "--channel", CHANNEL]);
    assert_eq!(done["stored"], 2, "{done}");
    let zhang = run(&["contacts", "show", "T001"]);
    assert!(
        zhang["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "dingtalk" && a["address"] == "zhangsan"),
        "{zhang}"
    );
    let out = tokio::task::block_in_place(|| send_notice(&h, "停电通知", "周六停电。", true));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = dingtalk.0.lock().unwrap();
    assert!(s.violations.is_empty(), "{:?}", s.violations);
    let mut to: Vec<&str> = s.sends[0]["userid_list"].as_str().unwrap().split(',').collect();
    to.sort();
    assert_eq!(to, ["lisi", "zhangsan"]);
}

#[test]
fn the_kind_is_listed_with_its_settings_and_flags() {
    let h = Herald::new();
    let (app, keys) = h.listed_kind("dingtalk_app");
    assert_eq!(app["recipients"]["to"], "person");
    assert_eq!(app["recipients"]["address"], "dingtalk");
    assert_eq!(app["format"]["maxBytes"], 2048);
    assert_eq!(keys, ["app-key", "app-secret", "agent-id", "api-base", "timeout-ms"]);
    assert_eq!(app["fields"][1]["type"], "secret");
    let help = h
        .cmd()
        .args(["channels", "add", "dingtalk-app", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in ["--app-key", "--app-secret", "--agent-id", "--api-base", "--timeout-ms"] {
        assert!(help.contains(flag), "{flag} missing: {help}");
    }
    // The AgentId pasted where the AppKey goes is refused, naming the setting.
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "dingtalk-app",
        "--name",
        "错的",
        "--app-key",
        "2001234",
        "--agent-id",
        "2001234",
        "--app-secret",
        "x",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("app-key") && err.contains("AgentId"), "{err}");
}
