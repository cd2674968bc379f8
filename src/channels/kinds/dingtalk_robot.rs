//! DingTalk custom group robot (钉钉自定义机器人): one Markdown message into a group chat,
//! optionally signed (加签).
//!
//! Facts it relies on (PROVIDERS.md §2a): `POST …/robot/send?access_token=…`, with
//! `&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(key = secret, msg = timestamp "\n"
//! secret)>` when signing is on; the body at most 20,000 bytes; 20 messages a minute, and a
//! robot that goes over is throttled for 10 minutes (130101). HTTP 200 is not success: the
//! reply's `errcode` is.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::Url;
use serde::Deserialize;
use sha2::Sha256;

use super::dingtalk::{self, THROTTLE};
use crate::channels::schema::{
    timeout_field, Field, FieldError, FieldType, Text, Values, MENTION_EVERYONE, MENTION_NOBODY, MENTION_THE_AUDIENCE,
};
use crate::channels::{lookup_mobile, About, Dialect, Format, Kind, Platform, Recipients};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, Redactor, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes DingTalk takes in one robot message body (460101 above it).
pub const MAX_BYTES: usize = 20_000;
/// Bytes of a reply read: DingTalk's are a few dozen.
const REPLY_BYTES: usize = 16 * 1024;

pub struct DingtalkRobot;

const FIELDS: &[Field] = &[
    Field::new(
        "webhook",
        FieldType::SecretUrl,
        Text {
            zh: "Webhook 地址",
            en: "Webhook address",
        },
        Text {
            zh: "钉钉群 → 群设置 → 机器人 → 添加“自定义”机器人后复制的 Webhook，含 access_token。",
            en: "DingTalk group → Settings → Bots → add a Custom bot, then copy its Webhook (it holds the access_token).",
        },
    )
    .checked(has_access_token),
    Field::new(
        "secret",
        FieldType::Secret,
        Text {
            zh: "加签密钥",
            en: "Signing secret",
        },
        Text {
            zh: "机器人安全设置中选“加签”时显示的 SEC 开头的密钥；只用“自定义关键词”或“IP 地址段”时留空。",
            en: "Shown as SEC… when the bot's security setting is 加签 (signing); leave empty if it uses keywords or IP ranges only.",
        },
    )
    .optional()
    .checked(looks_like_secret),
    Field::new(
        "mention",
        FieldType::Choice {
            options: &[MENTION_NOBODY, MENTION_EVERYONE, MENTION_THE_AUDIENCE],
        },
        Text {
            zh: "提醒",
            en: "Mention",
        },
        Text {
            zh: "发到群里时 @ 谁：@所有人，或 @通知对象（本次通知的对象中有钉钉账号或手机号的人，最多 100 人）。",
            en: "Whom the message @-mentions: everyone in the group, or the notice's audience (those with a DingTalk id or a mobile, at most 100).",
        },
    )
    .default_value("none"),
    timeout_field(Text {
            zh: "等待钉钉答复的最长时间。",
            en: "How long to wait for DingTalk's reply.",
        }),
];

fn has_access_token(url: &str) -> Result<(), Text> {
    let parsed = Url::parse(url).map_err(|_| Text {
        zh: "不是网址",
        en: "is not an address",
    })?;
    if parsed.query_pairs().any(|(k, v)| k == "access_token" && !v.is_empty()) {
        Ok(())
    } else {
        Err(Text {
            zh: "缺少 access_token：请复制完整的 Webhook 地址",
            en: "has no access_token: copy the whole Webhook address",
        })
    }
}

fn looks_like_secret(secret: &str) -> Result<(), Text> {
    if secret.starts_with("SEC") && secret.len() > 10 {
        Ok(())
    } else {
        Err(Text {
            zh: "加签密钥以 SEC 开头，请从机器人安全设置中复制",
            en: "a signing secret starts with SEC: copy it from the bot's security settings",
        })
    }
}

const ABOUT: About = About {
    id: "dingtalk_robot",
    label: Text {
        zh: "钉钉群机器人",
        en: "DingTalk group robot",
    },
    description: Text {
        zh: "把通知发到一个钉钉群：每次发送只发一条群消息。",
        en: "Posts the notice into one DingTalk group chat: one message per send.",
    },
    platform: Platform::Dingtalk,
    fields: FIELDS,
    recipients: Recipients::Group,
    format: Format::Markdown {
        dialect: Dialect::Dingtalk,
        max_bytes: MAX_BYTES,
    },
    limits: Limits {
        max_batch: 1,
        per_second: None,
        per_minute: Some(20),
        concurrency: 1,
    },
};

impl Kind for DingtalkRobot {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn mentions_by(&self) -> &'static [&'static str] {
        &["dingtalk", "mobile"]
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
        let webhook = values
            .get("webhook")
            .ok_or_else(|| invalid("webhook", "缺少 Webhook 地址", "the Webhook address is missing"))?;
        let url = Url::parse(webhook).map_err(|_| invalid("webhook", "不是网址", "is not an address"))?;
        let timeout = values.timeout();
        let client = crate::channels::http_client(timeout, "webhook")?;
        let secret = values.get("secret").map(str::to_owned);
        let mut redact = Redactor::new([webhook.to_owned()]);
        for (k, v) in url.query_pairs() {
            if k == "access_token" {
                redact.add(v.into_owned());
            }
        }
        if let Some(s) = &secret {
            redact.add(s.clone());
        }
        Ok(Arc::new(Robot {
            channel: channel_name.to_owned(),
            url,
            secret,
            mention_all: values.get("mention") == Some("all"),
            timeout,
            client,
            redact,
        }))
    }
}

/// `Base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret))`, before URL-encoding.
pub fn sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The robot's address with `timestamp` and `sign` appended (the sign URL-encoded once).
pub fn signed_url(url: &Url, secret: &str, timestamp_ms: i64) -> Url {
    let mut url = url.clone();
    url.query_pairs_mut()
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &sign(secret, timestamp_ms));
    url
}

/// The message DingTalk shows: Markdown ([`dingtalk::markdown`]), and whom it mentions:
/// everyone, or the people of `m.mentions` by userid or mobile. DingTalk pings only those
/// whose `@userid` or `@mobile` is also in the text, so a last line lists them.
pub fn message_body(m: &Outgoing, mention_all: bool) -> serde_json::Value {
    let mut markdown = dingtalk::markdown(m);
    let mobiles: Vec<&str> = m.mentions.mobiles.iter().map(|x| lookup_mobile(x)).collect();
    if !m.mentions.is_empty() {
        let line: Vec<String> = m
            .mentions
            .ids
            .iter()
            .map(String::as_str)
            .chain(mobiles.iter().copied())
            .map(|who| format!("@{who}"))
            .collect();
        let text = markdown["text"].as_str().unwrap_or_default();
        markdown["text"] = format!("{text}\n\n{}", line.join(" ")).into();
    }
    serde_json::json!({
        "msgtype": "markdown",
        "markdown": markdown,
        "at": {"isAtAll": mention_all, "atUserIds": m.mentions.ids, "atMobiles": mobiles},
    })
}

#[derive(Deserialize)]
struct Reply {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// What a DingTalk reply's `errcode` means for a robot's message and its channel: the codes
/// whose advice is the robot's own, then what they mean for every DingTalk API.
pub fn classify(errcode: i64, errmsg: &str) -> Outcome {
    let (said, code) = dingtalk::said(errcode, errmsg);
    match errcode {
        130101 => Outcome::Retry {
            after: Some(THROTTLE),
            reason: format!("{said}: the robot sent over 20 messages a minute and DingTalk holds it for 10 minutes"),
            code,
        },
        460101 => Outcome::Permanent {
            reason: format!("{said}: the message is over 20,000 bytes; shorten it"),
            code,
            bad_address: false,
        },
        310000 => Outcome::ChannelDown {
            reason: format!("{said}: {}", security_hint(errmsg)),
            code,
        },
        300001 | 300005 | 40035 | 400101 | 88 => Outcome::ChannelDown {
            reason: format!("{said}: the robot's access_token is not valid; copy its Webhook address again"),
            code,
        },
        _ => dingtalk::classify(errcode, errmsg),
    }
}

/// What to check for each of 310000's causes (one code, told apart by its message).
fn security_hint(errmsg: &str) -> &'static str {
    let m = errmsg.to_ascii_lowercase();
    if m.contains("keyword") {
        "the robot requires a keyword (自定义关键词): put one of its keywords in the notice's title or text"
    } else if m.contains("sign") {
        "the signature does not match: copy the robot's 加签 secret (SEC…) again"
    } else if m.contains("timestamp") {
        "DingTalk refused the time: set this computer's clock right"
    } else if m.contains("ip") {
        "this computer's IP address is not among the robot's allowed IP ranges (IP 地址段)"
    } else {
        "the robot's security settings refused the message: check its keyword, 加签 or IP settings"
    }
}

struct Robot {
    channel: String,
    url: Url,
    secret: Option<String>,
    mention_all: bool,
    timeout: Duration,
    client: reqwest::Client,
    redact: Redactor,
}

impl Robot {
    /// The request body, or the refusal of a message over DingTalk's limit.
    fn body(&self, m: &Outgoing) -> Result<Vec<u8>, Outcome> {
        let body = serde_json::to_vec(&message_body(m, self.mention_all)).expect("JSON of strings");
        if body.len() > MAX_BYTES {
            return Err(Outcome::Permanent {
                reason: format!(
                    "the message is {} bytes; a DingTalk robot takes at most {MAX_BYTES}: shorten it",
                    body.len()
                ),
                code: Some("too_long".into()),
                bad_address: false,
            });
        }
        Ok(body)
    }

    async fn send_one(&self, m: &Outgoing) -> Outcome {
        let body = match self.body(m) {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let mut redact = self.redact.clone();
        let url = match &self.secret {
            Some(secret) => {
                let url = signed_url(&self.url, secret, unix_ms());
                redact.add(url.as_str().to_owned());
                url
            }
            None => self.url.clone(),
        };
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await;
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => return http::transport_failure(&e, "DingTalk", self.timeout, &redact),
        };
        let status = reply.status();
        let headers = reply.headers().clone();
        let text = read_prefix(reply, REPLY_BYTES).await;
        let outcome = if !status.is_success() {
            http::failed_status(status, &headers, &text, &redact, "check the robot's Webhook address")
        } else {
            match http::json_reply::<Reply>(&text, "DingTalk", &redact) {
                Ok(r) => classify(r.errcode, &redact.one_line(&r.errmsg, REASON_CHARS)),
                Err(outcome) => outcome,
            }
        };
        tracing::debug!(channel = %self.channel, delivery_id = m.delivery_id, "dingtalk robot call done");
        outcome
    }
}

impl std::fmt::Debug for Robot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the robot's token.
        write!(f, "DingtalkRobot({})", self.channel)
    }
}

#[async_trait]
impl Provider for Robot {
    fn kind(&self) -> ChannelKind {
        ChannelKind::declared(ABOUT.id)
    }

    fn limits(&self) -> Limits {
        ABOUT.limits
    }

    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        let body = self.body(m).map_err(refusal)?;
        Ok(json_preview(
            &body,
            &[
                (WireKind::Subject, "/markdown/title"),
                (WireKind::Markdown, "/markdown/text"),
            ],
        ))
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(batch.len());
        for m in batch {
            out.push(self.send_one(m).await);
        }
        out
    }
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signing examples (computed, not official: DingTalk publishes none; see the file).
    fn vectors() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors/dingtalk.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("the project's test fixtures")).unwrap()
    }

    #[test]
    fn signatures_match_the_vectors_and_are_url_encoded_once() {
        let all = vectors();
        let robot: Vec<_> = all["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["id"].as_str().unwrap().starts_with("dingtalk_robot"))
            .collect();
        assert_eq!(robot.len(), 3);
        for v in robot {
            let ts: i64 = v["inputs"]["timestamp_ms"].as_str().unwrap().parse().unwrap();
            let secret = v["inputs"]["secret"].as_str().unwrap();
            assert_eq!(sign(secret, ts), v["expected"]["sign_base64"].as_str().unwrap());
            let base = Url::parse("https://oapi.dingtalk.com/robot/send?access_token=XXX").unwrap();
            let url = signed_url(&base, secret, ts);
            let suffix = v["expected"]["query_suffix"].as_str().unwrap();
            assert_eq!(url.as_str(), format!("{base}{suffix}"));
        }
    }

    #[test]
    fn a_setting_pasted_wrong_is_refused_with_what_to_do() {
        assert!(has_access_token("https://oapi.dingtalk.com/robot/send?access_token=abc").is_ok());
        assert!(has_access_token("https://oapi.dingtalk.com/robot/send").is_err());
        assert!(looks_like_secret("SEC5645bf404a174392d95bc5d40b41bf4ec9f519").is_ok());
        assert!(looks_like_secret("5645bf404a17").is_err());
    }

    #[test]
    fn every_documented_code_has_its_class() {
        assert_eq!(classify(0, "ok"), Outcome::Sent { provider_id: None });
        assert!(matches!(classify(130101, "send too fast"), Outcome::Retry { after: Some(d), .. } if d == THROTTLE));
        assert!(matches!(classify(-1, "busy"), Outcome::Retry { .. }));
        assert!(matches!(
            classify(460101, "message too long"),
            Outcome::Permanent { bad_address: false, .. }
        ));
        assert!(matches!(classify(400402, "title missing"), Outcome::Permanent { .. }));
        for (msg, hint) in [
            ("keywords not in content", "keyword"),
            ("sign not match", "加签"),
            ("invalid timestamp", "clock"),
            ("ip 1.2.3.4 not in whitelist", "IP"),
        ] {
            match classify(310000, msg) {
                Outcome::ChannelDown { reason, code } => {
                    assert!(reason.contains(hint), "{reason}");
                    assert_eq!(code.as_deref(), Some("dingtalk:310000"));
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            classify(300001, "token is not exist"),
            Outcome::ChannelDown { .. }
        ));
        // Unknown: tried again (the attempt limit bounds it), with DingTalk's own words.
        assert!(matches!(classify(777, "new thing"), Outcome::Retry { reason, .. } if reason.contains("new thing")));
    }

    #[test]
    fn the_title_is_the_subject_or_the_first_line() {
        let m = |subject: &str, body: &str| Outgoing {
            delivery_id: 1,
            address: String::new(),
            recipient_name: String::new(),
            subject: subject.into(),
            body: body.into(),
            attachments: Arc::from(Vec::new()),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        let b = message_body(&m("考试安排", "周一考试"), true);
        assert_eq!(b["markdown"]["title"], "考试安排");
        assert_eq!(b["markdown"]["text"], "### 考试安排\n\n周一考试");
        assert_eq!(b["at"]["isAtAll"], true);
        let b = message_body(&m("", "\n## 停课通知\n明天停课"), false);
        assert_eq!(b["markdown"]["title"], "停课通知");
        assert_eq!(b["markdown"]["text"], "\n## 停课通知\n明天停课");
    }
}
