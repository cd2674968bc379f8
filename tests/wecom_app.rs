//! WeCom app messages through the real binary, against a loopback WeCom that checks what WeCom
//! checks (the corp id and secret for a token, the token on each call, the agent id, the
//! message's shape, 1,000 people and 2,048 bytes at most) and answers as WeCom does: HTTP 200
//! with an `errcode`, people it cannot reach listed in `invaliduser`.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::Herald;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const CORP: &str = "ww1234567890abcdef";
const SECRET: &str = "app-secret-Zx9w8v7u6t5s4r3q2p1o";
const AGENT: i64 = 1_000_002;

/// The app's visible range: the userids WeCom knows (it compares them lowercased).
const KNOWN: [&str; 3] = ["zhangsan", "lisi", "wangwu"];

#[derive(Default)]
struct State {
    tokens_issued: u32,
    /// Tokens WeCom has revoked early.
    revoked: HashSet<String>,
    /// Revoke the first token at its first use (as WeCom may, without notice).
    revoke_first: bool,
    /// Refuse every call from this computer's IP (60020).
    ip_refused: bool,
    sends: Vec<serde_json::Value>,
}

#[derive(Clone, Default)]
struct Wecom(Arc<Mutex<State>>);

fn reply(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

impl Respond for Wecom {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let q: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if s.ip_refused {
            return reply(serde_json::json!({"errcode": 60020, "errmsg": "not allow to access from your ip"}));
        }
        match (req.method.as_str(), req.url.path()) {
            ("GET", "/cgi-bin/gettoken") => {
                if q.get("corpid").map(String::as_str) != Some(CORP) {
                    return reply(serde_json::json!({"errcode": 40013, "errmsg": "invalid corpid"}));
                }
                if q.get("corpsecret").map(String::as_str) != Some(SECRET) {
                    return reply(serde_json::json!({"errcode": 40001, "errmsg": "invalid credential"}));
                }
                s.tokens_issued += 1;
                let token = format!("TOKEN-{}", s.tokens_issued);
                reply(serde_json::json!({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}))
            }
            ("POST", "/cgi-bin/message/send") => {
                let token = q.get("access_token").cloned().unwrap_or_default();
                let issued = token
                    .strip_prefix("TOKEN-")
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n >= 1 && n <= s.tokens_issued);
                if s.revoke_first && token == "TOKEN-1" {
                    s.revoked.insert(token.clone());
                }
                if !issued || s.revoked.contains(&token) {
                    return reply(serde_json::json!({"errcode": 42001, "errmsg": "access_token expired"}));
                }
                let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
                    return reply(serde_json::json!({"errcode": 44002, "errmsg": "empty post data"}));
                };
                if body["agentid"] != AGENT {
                    return reply(serde_json::json!({"errcode": 40056, "errmsg": "invalid agentid"}));
                }
                let content = body["markdown"]["content"].as_str().unwrap_or_default();
                if body["msgtype"] != "markdown" || content.is_empty() || content.len() > 2048 {
                    return reply(serde_json::json!({"errcode": 40058, "errmsg": "invalid content"}));
                }
                let users: Vec<&str> = body["touser"].as_str().unwrap_or_default().split('|').collect();
                if users.len() > 1000 {
                    return reply(serde_json::json!({"errcode": 40058, "errmsg": "touser exceed limit"}));
                }
                let invalid: Vec<String> = users
                    .iter()
                    .map(|u| u.to_lowercase())
                    .filter(|u| !KNOWN.contains(&u.as_str()))
                    .collect();
                s.sends.push(body.clone());
                if invalid.len() == users.len() {
                    return reply(serde_json::json!({"errcode": 81013, "errmsg": "user & party & tag all invalid"}));
                }
                reply(
                    serde_json::json!({"errcode": 0, "errmsg": "ok", "invaliduser": invalid.join("|"), "msgid": "MSGID-1"}),
                )
            }
            ("POST", "/cgi-bin/user/getuserid") => {
                let token = q.get("access_token").cloned().unwrap_or_default();
                if !token.starts_with("TOKEN-") {
                    return reply(serde_json::json!({"errcode": 42001, "errmsg": "access_token expired"}));
                }
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                // WeCom's address book: a Chinese mobile as 11 digits.
                match body["mobile"].as_str() {
                    Some("13800001111") => {
                        reply(serde_json::json!({"errcode": 0, "errmsg": "ok", "userid": "zhangsan"}))
                    }
                    Some("13800002222") => reply(serde_json::json!({"errcode": 0, "errmsg": "ok", "userid": "lisi"})),
                    _ => reply(serde_json::json!({"errcode": 46004, "errmsg": "user no exist"})),
                }
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn wecom(state: State) -> (MockServer, Wecom) {
    let wecom = Wecom(Arc::new(Mutex::new(state)));
    let server = common::serve(wecom.clone()).await;
    (server, wecom)
}

fn add_channel(h: &Herald, server: &MockServer, secret: &str) {
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
            &AGENT.to_string(),
            "--secret",
            "-",
            "--api-base",
            &server.uri(),
        ],
        &format!("{secret}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_person_by_userid_one_call_the_unknown_marked_and_a_revoked_token_fetched_again() {
    let (server, wecom) = wecom(State {
        revoke_first: true,
        ..Default::default()
    })
    .await;
    let h = Herald::new();
    for (id, name, userid) in [
        ("2024001", "张三", Some("ZhangSan")),
        ("2024002", "李四", Some("lisi")),
        ("2024003", "王五", Some("wangwu")),
        ("2024004", "赵六", Some("zhaoliu-left")),
        ("2024005", "钱七", None),
    ] {
        tokio::task::block_in_place(|| h.json(&["contacts", "add", "--name", name, "--external-id", id]));
        if let Some(u) = userid {
            let address = format!("wecom={u}");
            tokio::task::block_in_place(|| h.json(&["contacts", "edit", id, "--address", &address]));
        }
    }
    add_channel(&h, &server, SECRET);
    let notice = tokio::task::block_in_place(|| {
        h.json(&[
            "notices",
            "create",
            "--title",
            "体检通知",
            "--body",
            "{{ name }}同学：请于**周三上午**到校医院体检。",
            "--channel",
            "学校企业微信",
        ])
    });
    let id = notice["id"].to_string();
    let out = tokio::task::block_in_place(|| h.cmd().args(["notices", "send", &id, "--wait"]).output().unwrap());
    let printed = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!printed.contains(SECRET) && !printed.contains("TOKEN-"), "{printed}");

    let (issued, sends) = {
        let s = wecom.0.lock().unwrap();
        (s.tokens_issued, s.sends.clone())
    };
    assert_eq!(issued, 2, "the revoked token was fetched again, once");
    // Each person's text differs (their name), so one call each; the one without a WeCom
    // account got no delivery at all.
    assert_eq!(sends.len(), 4);
    let to: HashSet<&str> = sends.iter().map(|b| b["touser"].as_str().unwrap()).collect();
    assert_eq!(to, HashSet::from(["ZhangSan", "lisi", "wangwu", "zhaoliu-left"]));
    assert!(sends
        .iter()
        .any(|b| b["markdown"]["content"] == "### 体检通知\n张三同学：请于**周三上午**到校医院体检。"));

    let detail = tokio::task::block_in_place(|| h.last_run());
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 4, "{detail}");
    let status = |name: &str| {
        deliveries
            .iter()
            .find(|d| d["contactName"] == name)
            .map(|d| d["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status("张三").as_deref(), Some("sent"));
    assert_eq!(status("李四").as_deref(), Some("sent"));
    assert_eq!(status("赵六").as_deref(), Some("failed"));
    let zhao = deliveries.iter().find(|d| d["contactName"] == "赵六").unwrap();
    assert!(zhao["lastError"].as_str().unwrap().contains("可见范围"), "{zhao}");
    // The unknown userid is marked invalid on the contact, so the next notice skips it.
    let shown = tokio::task::block_in_place(|| h.json(&["contacts", "show", "2024004"]));
    let address = shown["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "wecom")
        .unwrap()
        .clone();
    assert_eq!(address["invalid"], true, "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_send_says_what_wecom_refused_without_quoting_the_secret() {
    let (server, wecom) = wecom(State::default()).await;
    let h = Herald::new();
    add_channel(&h, &server, SECRET);
    let ok = tokio::task::block_in_place(|| h.json(&["channels", "test", "学校企业微信", "--to", "lisi"]));
    assert_eq!(ok["ok"], true, "{ok}");
    let (code, err) = tokio::task::block_in_place(|| h.fails(&["channels", "test", "学校企业微信"]));
    assert_eq!(code, 2, "an app channel's test needs a recipient: {err}");

    wecom.0.lock().unwrap().ip_refused = true;
    let out = tokio::task::block_in_place(|| {
        h.cmd()
            .args(["channels", "test", "学校企业微信", "--to", "lisi"])
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("60020") && text.contains("企业可信IP"), "{text}");
    wecom.0.lock().unwrap().ip_refused = false;

    let h2 = Herald::new();
    add_channel(&h2, &server, "wrong-secret-value-123");
    let out = tokio::task::block_in_place(|| {
        h2.cmd()
            .args(["channels", "test", "学校企业微信", "--to", "lisi"])
            .output()
            .unwrap()
    });
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("40001") && text.contains("Secret"), "{text}");
    assert!(!text.contains("wrong-secret-value-123"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_found_by_mobile_are_stored_on_confirmation_and_the_notice_reaches_those_people() {
    let (server, wecom) = wecom(State::default()).await;
    let h = Herald::new();
    let run = |args: &[&str]| tokio::task::block_in_place(|| h.json(args));
    for (id, name, mobile) in [
        ("T001", "张三", "13800001111"),
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
    run(&[
        "contacts",
        "add",
        "--name",
        "王五",
        "--external-id",
        "T004",
        "--mobile",
        "13800004444",
    ]);
    run(&["contacts", "edit", "T004", "--address", "wecom=wangwu"]);
    add_channel(&h, &server, SECRET);

    // A dry run says who would be found and stores nothing; 王五 has an id already.
    let dry = run(&["contacts", "link-ids", "--channel", "学校企业微信", "--dry-run"]);
    assert_eq!(
        (dry["found"].as_u64(), dry["notFound"].as_u64(), dry["stored"].as_u64()),
        (Some(2), Some(1), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["contacts"].as_array().unwrap().len(), 3);
    assert!(run(&["contacts", "show", "T001"])["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["kind"] != "wecom"));

    let done = run(&["contacts", "link-ids", "--channel", "学校企业微信"]);
    assert_eq!(done["stored"], 2, "{done}");
    let zhang = run(&["contacts", "show", "T001"]);
    assert!(
        zhang["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "wecom" && a["address"] == "zhangsan"),
        "{zhang}"
    );
    let audit = tokio::task::block_in_place(|| h.sql("SELECT detail FROM audit_log WHERE action = 'contact.link_ids'"));
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].contains("\"found\":2") && audit[0].contains("\"stored\":2"),
        "{audit:?}"
    );

    // The notice reaches the three with ids, in one call (the same text for all).
    let notice = run(&[
        "notices",
        "create",
        "--title",
        "停水通知",
        "--body",
        "明天上午宿舍区停水。",
        "--channel",
        "学校企业微信",
    ]);
    let id = notice["id"].to_string();
    run(&["notices", "send", &id, "--wait"]);
    let sends = wecom.0.lock().unwrap().sends.clone();
    assert_eq!(sends.len(), 1);
    let mut to: Vec<&str> = sends[0]["touser"].as_str().unwrap().split('|').collect();
    to.sort();
    assert_eq!(to, ["lisi", "wangwu", "zhangsan"]);
}
