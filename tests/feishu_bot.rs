//! A Feishu custom bot channel through the real binary, against a loopback bot endpoint that
//! checks what Feishu checks (the token in the path, 签名校验 and its one-hour window in the
//! body, the body's shape and size) and answers as Feishu does: HTTP 200 with a `code`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::Herald;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "0b3c5e7a-1f2d-4c6b-9a8e-feishubottoken";
const SECRET: &str = "qB3kT9wXvLmN2pR7sY4zAe";
const HOOK: &str = "/open-apis/bot/v2/hook/";

/// Feishu's custom-bot endpoint as far as Herald can meet it: what it checks, in its order.
#[derive(Clone)]
struct Bot {
    secret: Option<&'static str>,
    /// The request bodies it accepted.
    accepted: Arc<Mutex<Vec<serde_json::Value>>>,
}

fn code(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"code": code, "data": {}, "msg": msg}))
}

impl Respond for Bot {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let Some(token) = req.url.path().strip_prefix(HOOK) else {
            return ResponseTemplate::new(404);
        };
        if req.method.as_str() != "POST" {
            return ResponseTemplate::new(405);
        }
        if token != TOKEN {
            // Repeats the token, so the scrubbing shows.
            return code(
                19001,
                &format!("param invalid: incoming webhook access token invalid: {token}"),
            );
        }
        if req.body.len() > 20 * 1024 {
            return code(9499, "Bad Request");
        }
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
            return code(9499, "Bad Request");
        };
        if let Some(secret) = self.secret {
            let (Some(ts), Some(sign)) = (body["timestamp"].as_str(), body["sign"].as_str()) else {
                return code(
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                );
            };
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
            let in_window = ts.parse::<i64>().is_ok_and(|t| (now - t).abs() <= 3600);
            let mut mac = Hmac::<Sha256>::new_from_slice(format!("{ts}\n{secret}").as_bytes()).unwrap();
            mac.update(b"");
            let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            if !in_window || sign != expected {
                return code(
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                );
            }
        }
        let card = &body["card"];
        if body["msg_type"] != "interactive"
            || card["header"]["title"]["content"].as_str().is_none_or(str::is_empty)
            || card["elements"][0]["tag"] != "markdown"
        {
            return code(9499, "Bad Request");
        }
        self.accepted.lock().unwrap().push(body);
        code(0, "success")
    }
}

async fn bot(secret: Option<&'static str>) -> (MockServer, Bot) {
    let bot = Bot {
        secret,
        accepted: Arc::default(),
    };
    let server = common::serve(bot.clone()).await;
    (server, bot)
}

fn webhook(server: &MockServer, token: &str) -> String {
    format!("{}{HOOK}{token}", server.uri())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_bot_added_from_the_command_line_gets_the_test_card() {
    let (server, bot) = bot(Some(SECRET)).await;
    let h = Herald::new();
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "feishu-bot",
            "--name",
            "辅导员群",
            "--webhook",
            &webhook(&server, TOKEN),
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
    let accepted = bot.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1);
    let card = &accepted[0]["card"];
    assert!(card["header"]["title"]["content"].as_str().unwrap().contains("Herald"));
    let md = card["elements"][0]["content"].as_str().unwrap();
    assert!(md.starts_with("<at id=all></at>") && md.contains("Herald"), "{md}");

    // The token and the secret are in the secret store only.
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
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_refused_and_the_reason_says_what_to_check() {
    let (server, bot) = bot(Some(SECRET)).await;
    let h = Herald::new();
    let wrong = "WrongSecretWrongSecret";
    let out = h.with_stdin(
        &[
            "channels",
            "add",
            "feishu-bot",
            "--name",
            "班级群",
            "--webhook",
            &webhook(&server, TOKEN),
            "--secret",
            "-",
        ],
        &format!("{wrong}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = h.cmd().args(["channels", "test", "班级群"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("19021") && text.contains("signing secret") && text.contains("clock"),
        "{text}"
    );
    assert!(!text.contains(TOKEN) && !text.contains(wrong), "{text}");
    assert!(bot.accepted.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_refused_without_repeating_it() {
    let (server, bot) = bot(None).await;
    let h = Herald::new();
    let wrong = "ffffffff-0000-4000-8000-wrongwrongtoken";
    h.json(&[
        "channels",
        "add",
        "feishu-bot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server, wrong),
    ]);
    let out = h.cmd().args(["channels", "test", "群"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("19001") && text.contains("[redacted]"), "{text}");
    assert!(!text.contains(wrong), "{text}");
    assert!(bot.accepted.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_pasted_wrong_are_refused_naming_the_setting() {
    let (server, _bot) = bot(None).await;
    let h = Herald::new();
    let not_a_hook = format!("{}/open-apis/bot/v1/hook/{TOKEN}", server.uri());
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "feishu-bot",
        "--name",
        "群",
        "--webhook",
        &not_a_hook,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("webhook") && err.contains("/open-apis/bot/v2/hook/"),
        "{err}"
    );
    assert!(!err.contains(TOKEN), "a refusal never repeats a secret: {err}");
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "feishu-bot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server, TOKEN),
        "--secret",
        &webhook(&server, TOKEN),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("secret") && err.contains("not the signing secret"),
        "{err}"
    );
    assert!(!err.contains(TOKEN), "{err}");
    let (code, err) = h.fails(&[
        "channels",
        "add",
        "feishu-bot",
        "--name",
        "群",
        "--webhook",
        &webhook(&server, TOKEN),
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
    let (bot, keys) = h.listed_kind("feishu_bot");
    assert_eq!(bot["recipients"]["to"], "group");
    assert_eq!(bot["format"]["maxBytes"], 20_000);
    assert_eq!(bot["perMinute"], 100);
    assert_eq!(keys, ["webhook", "secret", "mention", "timeout-ms"]);
    assert_eq!(bot["fields"][1]["type"], "secret");
}
