//! Feishu app messages through the real binary, against a loopback Feishu that checks what
//! Feishu checks (the app id and secret for a tenant token, the Bearer token on each call, a
//! `receive_id_type` that matches the id, `content` a JSON string holding a card, 30 KB at
//! most) and answers as Feishu does: a JSON `code`, with HTTP 200 or 400.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use common::Herald;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const APP_ID: &str = "cli_a5f0c1d2e3b4a5c6";
const SECRET: &str = "app-secret-Qw8e7r6t5y4u3i2o1p0a";

/// The app's 可用范围: the ids Feishu knows, by their receive_id_type.
const KNOWN: [(&str, &str); 3] = [
    ("open_id", "ou_zhangsan"),
    ("user_id", "lisi01"),
    ("email", "wangwu@school.edu.cn"),
];

#[derive(Default)]
struct State {
    tokens_issued: u32,
    /// Tokens Feishu has revoked early.
    revoked: HashSet<String>,
    /// Revoke the first token at its first use.
    revoke_first: bool,
    /// Each call that reached the send endpoint: its receive_id_type and body.
    sends: Vec<(String, serde_json::Value)>,
    /// The mobiles of each call that looked people up.
    lookups: Vec<Vec<String>>,
    /// Anything Feishu would refuse that Herald sent anyway.
    violations: Vec<String>,
}

/// The tenant's address book: mobiles (a mainland one as its 11 digits) and open_ids.
const DIRECTORY: [(&str, &str); 2] = [("13800001111", "ou_zhangsan"), ("+85261234567", "ou_chan")];

#[derive(Clone, Default)]
struct Feishu(Arc<Mutex<State>>);

fn reply(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

impl Respond for Feishu {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        match (req.method.as_str(), req.url.path()) {
            ("POST", "/open-apis/auth/v3/tenant_access_token/internal") => {
                if body["app_id"] != APP_ID {
                    return reply(400, serde_json::json!({"code": 10003, "msg": "invalid param"}));
                }
                if body["app_secret"] != SECRET {
                    return reply(400, serde_json::json!({"code": 10014, "msg": "app secret invalid"}));
                }
                s.tokens_issued += 1;
                let token = format!("t-TOKEN-{}", s.tokens_issued);
                reply(
                    200,
                    serde_json::json!({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}),
                )
            }
            ("POST", "/open-apis/im/v1/messages") => {
                let auth = req
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let token = auth.strip_prefix("Bearer ").unwrap_or_default().to_owned();
                let issued = token
                    .strip_prefix("t-TOKEN-")
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n >= 1 && n <= s.tokens_issued);
                if s.revoke_first && token == "t-TOKEN-1" {
                    s.revoked.insert(token.clone());
                }
                if !issued || s.revoked.contains(&token) {
                    return reply(
                        200,
                        serde_json::json!({"code": 99991663, "msg": "Invalid access token for authorization"}),
                    );
                }
                if req.body.len() > 30 * 1024 {
                    return reply(
                        400,
                        serde_json::json!({"code": 230025, "msg": "message content too long"}),
                    );
                }
                let id_type = q.get("receive_id_type").cloned().unwrap_or_default();
                let id = body["receive_id"].as_str().unwrap_or_default().to_owned();
                // The content is a JSON string, and it holds a card.
                let card = body["content"]
                    .as_str()
                    .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok());
                let is_card = card.as_ref().is_some_and(|c| {
                    c["header"]["title"]["content"].is_string() && c["elements"][0]["tag"] == "markdown"
                });
                if body["msg_type"] != "interactive" || !is_card {
                    return reply(
                        400,
                        serde_json::json!({"code": 230001, "msg": "invalid message content"}),
                    );
                }
                s.sends.push((id_type.clone(), body.clone()));
                let shape_ok = match id_type.as_str() {
                    "open_id" => id.starts_with("ou_"),
                    "email" => id.contains('@'),
                    "user_id" => !id.starts_with("ou_") && !id.contains('@'),
                    _ => false,
                };
                if !shape_ok {
                    return reply(
                        400,
                        serde_json::json!({"code": 99992402, "msg": "field validation failed: receive_id_type"}),
                    );
                }
                if !KNOWN.contains(&(id_type.as_str(), id.as_str())) {
                    return reply(400, serde_json::json!({"code": 99992361, "msg": "open_id cross app"}));
                }
                let n = s.sends.len();
                reply(
                    200,
                    serde_json::json!({"code": 0, "msg": "success", "data": {"message_id": format!("om_{n}")}}),
                )
            }
            ("POST", "/open-apis/contact/v3/users/batch_get_id") => {
                let auth = req
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let token = auth.strip_prefix("Bearer ").unwrap_or_default();
                if !token.starts_with("t-TOKEN-") {
                    return reply(
                        200,
                        serde_json::json!({"code": 99991663, "msg": "Invalid access token"}),
                    );
                }
                if q.get("user_id_type").map(String::as_str) != Some("open_id") {
                    s.violations.push(format!("user_id_type {:?}", q.get("user_id_type")));
                }
                let mobiles: Vec<String> = body["mobiles"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                if mobiles.is_empty() || mobiles.len() > 50 {
                    s.violations.push(format!("{} mobiles in one call", mobiles.len()));
                    return reply(
                        400,
                        serde_json::json!({"code": 99992402, "msg": "field validation failed"}),
                    );
                }
                if let Some(m) = mobiles.iter().find(|m| m.starts_with("+86")) {
                    s.violations.push(format!("{m}: a mainland mobile goes without +86"));
                }
                let users: Vec<serde_json::Value> = mobiles
                    .iter()
                    .map(|m| match DIRECTORY.iter().find(|(mobile, _)| mobile == m) {
                        Some((_, id)) => serde_json::json!({"user_id": id, "mobile": m}),
                        None => serde_json::json!({"mobile": m}),
                    })
                    .collect();
                s.lookups.push(mobiles);
                reply(
                    200,
                    serde_json::json!({"code": 0, "msg": "success", "data": {"user_list": users}}),
                )
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn feishu(state: State) -> (MockServer, Feishu) {
    let feishu = Feishu(Arc::new(Mutex::new(state)));
    let server = common::serve(feishu.clone()).await;
    (server, feishu)
}

fn add_channel(h: &Herald, server: &MockServer, secret: &str) {
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
        &format!("{secret}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn send_notice(h: &Herald, title: &str, body: &str) -> serde_json::Value {
    let notice = tokio::task::block_in_place(|| {
        h.json(&[
            "notices",
            "create",
            "--title",
            title,
            "--body",
            body,
            "--channel",
            "学校飞书",
        ])
    });
    let id = notice["id"].to_string();
    let out = tokio::task::block_in_place(|| h.cmd().args(["notices", "send", &id, "--wait"]).output().unwrap());
    let printed = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!printed.contains(SECRET) && !printed.contains("t-TOKEN-"), "{printed}");
    tokio::task::block_in_place(|| h.last_run())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_person_by_their_feishu_id_the_unknown_marked_and_a_revoked_token_fetched_again() {
    let (server, feishu) = feishu(State {
        revoke_first: true,
        ..Default::default()
    })
    .await;
    let h = Herald::new();
    for (id, name, feishu_id) in [
        ("2024001", "张三", Some("ou_zhangsan")),
        ("2024002", "李四", Some("lisi01")),
        ("2024003", "王五", Some("wangwu@school.edu.cn")),
        ("2024004", "赵六", Some("ou_zhaoliu_left")),
        ("2024005", "钱七", None),
    ] {
        tokio::task::block_in_place(|| h.json(&["contacts", "add", "--name", name, "--external-id", id]));
        if let Some(f) = feishu_id {
            let address = format!("feishu={f}");
            tokio::task::block_in_place(|| h.json(&["contacts", "edit", id, "--address", &address]));
        }
    }
    add_channel(&h, &server, SECRET);
    let detail = send_notice(&h, "体检通知", "{{ name }}同学：请于**周三上午**到校医院体检。");

    let (issued, sends) = {
        let s = feishu.0.lock().unwrap();
        (s.tokens_issued, s.sends.clone())
    };
    assert_eq!(issued, 2, "the revoked token was fetched again, once");
    // One call per person with a Feishu id, each with the receive_id_type of its shape.
    let to: HashSet<(String, String)> = sends
        .iter()
        .map(|(t, b)| (t.clone(), b["receive_id"].as_str().unwrap().to_owned()))
        .collect();
    let expected: HashSet<(String, String)> = [
        ("open_id", "ou_zhangsan"),
        ("user_id", "lisi01"),
        ("email", "wangwu@school.edu.cn"),
        ("open_id", "ou_zhaoliu_left"),
    ]
    .iter()
    .map(|(t, i)| (t.to_string(), i.to_string()))
    .collect();
    assert_eq!(to, expected);
    let zhang = sends.iter().find(|(_, b)| b["receive_id"] == "ou_zhangsan").unwrap();
    let card: serde_json::Value = serde_json::from_str(zhang.1["content"].as_str().unwrap()).unwrap();
    assert_eq!(card["header"]["title"]["content"], "体检通知");
    assert_eq!(
        card["elements"][0]["content"],
        "张三同学：请于**周三上午**到校医院体检。"
    );

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
    assert_eq!(status("王五").as_deref(), Some("sent"));
    assert_eq!(status("赵六").as_deref(), Some("failed"));
    let zhao = deliveries.iter().find(|d| d["contactName"] == "赵六").unwrap();
    assert!(zhao["lastError"].as_str().unwrap().contains("99992361"), "{zhao}");
    // The unknown id is marked invalid on the contact, so the next notice skips it.
    let shown = tokio::task::block_in_place(|| h.json(&["contacts", "show", "2024004"]));
    let address = shown["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "feishu")
        .unwrap()
        .clone();
    assert_eq!(address["invalid"], true, "{shown}");

    // A card over 30 KB: the whole-audience check refuses to send it, naming the limit.
    let before = feishu.0.lock().unwrap().sends.len();
    let long = "很长的通知。".repeat(2_000);
    let notice = tokio::task::block_in_place(|| {
        h.json(&[
            "notices",
            "create",
            "--title",
            "长通知",
            "--body",
            &long,
            "--channel",
            "学校飞书",
        ])
    });
    let (code, err) = tokio::task::block_in_place(|| h.fails(&["notices", "send", &notice["id"].to_string()]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("30000"), "{err}");
    // A run whose notice grew under the dispatcher (changed in the database after its check)
    // is still refused by the provider before it is sent.
    let notice = tokio::task::block_in_place(|| {
        h.json(&[
            "notices",
            "create",
            "--title",
            "长通知",
            "--body",
            "短通知",
            "--channel",
            "学校飞书",
        ])
    });
    let id = notice["id"].to_string();
    tokio::task::block_in_place(|| h.json(&["notices", "send", &id]));
    let grown = tokio::task::block_in_place(|| {
        h.sql(&format!(
            "UPDATE notices SET body = '{long}' WHERE id = {id} RETURNING CAST(id AS TEXT)"
        ))
    });
    assert_eq!(grown.len(), 1);
    let out = tokio::task::block_in_place(|| h.cmd().args(["dispatch", "--until-idle"]).output().unwrap());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let detail = tokio::task::block_in_place(|| h.last_run());
    assert_eq!(
        feishu.0.lock().unwrap().sends.len(),
        before,
        "nothing over the limit was sent"
    );
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert!(!deliveries.is_empty(), "{detail}");
    for d in deliveries {
        assert_eq!(d["status"], "failed", "{d}");
        assert!(d["lastError"].as_str().unwrap().contains("30000"), "{d}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_send_reaches_an_open_id_and_a_wrong_secret_says_what_to_check_without_quoting_it() {
    let (server, feishu) = feishu(State::default()).await;
    let h = Herald::new();
    add_channel(&h, &server, SECRET);
    let ok = tokio::task::block_in_place(|| h.json(&["channels", "test", "学校飞书", "--to", "ou_zhangsan"]));
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(feishu.0.lock().unwrap().sends[0].0, "open_id");
    let (code, err) = tokio::task::block_in_place(|| h.fails(&["channels", "test", "学校飞书"]));
    assert_eq!(code, 2, "an app channel's test needs a recipient: {err}");

    let h2 = Herald::new();
    add_channel(&h2, &server, "wrong-secret-value-123");
    let out = tokio::task::block_in_place(|| {
        h2.cmd()
            .args(["channels", "test", "学校飞书", "--to", "ou_zhangsan"])
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("10014") && text.contains("App Secret"), "{text}");
    assert!(!text.contains("wrong-secret-value-123"), "{text}");

    let (code, err) = tokio::task::block_in_place(|| {
        h2.fails(&[
            "channels",
            "add",
            "feishu-app",
            "--name",
            "错的",
            "--app-id",
            "a5f0c1d2",
            "--app-secret",
            "x",
        ])
    });
    assert_ne!(code, 0);
    assert!(err.contains("cli_"), "{err}");
}

#[test]
fn the_kind_is_listed_with_its_settings() {
    let h = Herald::new();
    let (app, keys) = h.listed_kind("feishu_app");
    assert_eq!(app["recipients"]["to"], "person");
    assert_eq!(app["recipients"]["address"], "feishu");
    assert_eq!(app["perMinute"], 1000);
    assert_eq!(keys, ["app-id", "app-secret", "api-base", "timeout-ms"]);
    assert_eq!(app["fields"][1]["type"], "secret");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_ids_are_found_by_mobile_fifty_a_call_and_stored_on_confirmation() {
    let (server, feishu) = feishu(State::default()).await;
    let h = Herald::new();
    // 53 people with a mobile: two the tenant knows (one in Hong Kong), the rest unknown.
    let mut sheet = String::from("学号,姓名,手机\n");
    sheet.push_str("F001,张三,13800001111\nF002,陈大文,+85261234567\n");
    for i in 0..51 {
        sheet.push_str(&format!("F1{i:02},学生{i},1390000{i:04}\n"));
    }
    let file = h.data_dir().join("people.csv");
    std::fs::write(&file, sheet).unwrap();
    tokio::task::block_in_place(|| {
        h.json(&["contacts", "import", file.to_str().unwrap()]);
        add_channel(&h, &server, SECRET);
    });

    let dry = tokio::task::block_in_place(|| h.json(&["contacts", "link-ids", "--channel", "学校飞书", "--dry-run"]));
    assert_eq!(
        (
            dry["found"].as_u64(),
            dry["notFound"].as_u64(),
            dry["failed"].as_u64(),
            dry["stored"].as_u64()
        ),
        (Some(2), Some(51), Some(0), Some(0)),
        "{dry}"
    );
    let (calls, violations) = {
        let s = feishu.0.lock().unwrap();
        (s.lookups.iter().map(Vec::len).collect::<Vec<_>>(), s.violations.clone())
    };
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(calls, [50, 3], "fifty mobiles a call");
    let found: Vec<(String, String)> = dry["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["id"].is_null())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("张三".to_owned(), "ou_zhangsan".to_owned()),
            ("陈大文".to_owned(), "ou_chan".to_owned())
        ]
    );

    let done = tokio::task::block_in_place(|| h.json(&["contacts", "link-ids", "--channel", "学校飞书"]));
    assert_eq!(done["stored"], 2, "{done}");
    let zhang = tokio::task::block_in_place(|| h.json(&["contacts", "show", "F001"]));
    assert!(
        zhang["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "feishu" && a["address"] == "ou_zhangsan"),
        "{zhang}"
    );
    // The ids found are open_ids, which the send addresses as such.
    let ok = tokio::task::block_in_place(|| h.json(&["channels", "test", "学校飞书", "--to", "ou_zhangsan"]));
    assert_eq!(ok["ok"], true, "{ok}");
}
