//! Feishu custom bot (飞书自定义机器人): one card message into a group chat, optionally signed
//! (签名校验).
//!
//! Facts it relies on (PROVIDERS.md §3a, and §3b's class table where it applies to bots):
//! `POST …/open-apis/bot/v2/hook/{token}`; when signing is on, `timestamp` (seconds, as a
//! string, within an hour of Feishu's clock) and `sign = Base64(HMAC-SHA256(key = timestamp
//! "\n" secret, msg = ""))` go in the JSON body (key and message are the reverse of
//! DingTalk's); Markdown renders only in a card's `markdown`/`lark_md` element, so notices go
//! as `interactive` cards; the body at most 20 KB; 100 messages a minute and 5 a second. HTTP
//! 200 is not success: the reply's `code` (older replies: `StatusCode`) is.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use reqwest::Url;
use serde::Deserialize;
use sha2::Sha256;

use crate::channels::markdown::to_dialect;
use crate::channels::schema::{
    timeout_field, Field, FieldError, FieldType, Text, Values, MENTION_EVERYONE, MENTION_NOBODY, MENTION_THE_AUDIENCE,
};
use crate::channels::{About, Dialect, Format, Kind, Platform, Recipients};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, retry_after, Redactor, MAX_RETRY_AFTER, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes Feishu takes in one custom-bot request body (20 KB).
pub const MAX_BYTES: usize = 20_000;
/// The path every custom bot's webhook address has, before its token.
const HOOK_PATH: &str = "/open-apis/bot/v2/hook/";
/// How long to wait after Feishu's frequency limit (11232) when it says nothing more.
const THROTTLE: Duration = Duration::from_secs(60);
/// Bytes of a reply read: Feishu's are a few dozen.
const REPLY_BYTES: usize = 16 * 1024;

pub struct FeishuBot;

const FIELDS: &[Field] = &[
    Field::new(
        "webhook",
        FieldType::SecretUrl,
        Text {
            zh: "Webhook 地址",
            en: "Webhook address",
        },
        Text {
            zh: "飞书群 → 设置 → 群机器人 → 添加“自定义机器人”后复制的 Webhook 地址（…/open-apis/bot/v2/hook/…）。",
            en: "Feishu group → Settings → Bots → add a Custom bot, then copy its webhook address (…/open-apis/bot/v2/hook/…).",
        },
    )
    .checked(is_hook_url),
    Field::new(
        "secret",
        FieldType::Secret,
        Text {
            zh: "签名密钥",
            en: "Signing secret",
        },
        Text {
            zh: "机器人安全设置中勾选“签名校验”时显示的密钥；只用“自定义关键词”或“IP 白名单”时留空。",
            en: "Shown when the bot's security setting 签名校验 (signature verification) is on; leave empty if it uses keywords or an IP allowlist only.",
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
            zh: "发到群里时 @ 谁：@所有人，或 @通知对象（本次通知的对象中飞书账号为 open_id（ou_ 开头）的人，最多 100 人；自定义机器人只能按 open_id @ 人）。",
            en: "Whom the message @-mentions: everyone in the group, or the notice's audience (those whose Feishu id is an open_id, ou_…, at most 100: a custom bot mentions people by open_id only).",
        },
    )
    .default_value("none"),
    timeout_field(Text {
            zh: "等待飞书答复的最长时间。",
            en: "How long to wait for Feishu's reply.",
        }),
];

fn is_hook_url(url: &str) -> Result<(), Text> {
    let parsed = Url::parse(url).map_err(|_| Text {
        zh: "不是网址：请复制机器人完整的 Webhook 地址",
        en: "is not an address: copy the bot's whole webhook address",
    })?;
    match parsed.path().split_once(HOOK_PATH) {
        Some((_, token)) if !token.trim_matches('/').is_empty() => Ok(()),
        _ => Err(Text {
            zh: "不是飞书自定义机器人的地址（应含 /open-apis/bot/v2/hook/ 及其后的令牌）：请复制完整的 Webhook 地址",
            en: "is not a Feishu custom bot address (it has /open-apis/bot/v2/hook/ and a token after it): copy the whole webhook address",
        }),
    }
}

fn looks_like_secret(secret: &str) -> Result<(), Text> {
    if secret.contains("://") || secret.contains(HOOK_PATH) {
        Err(Text {
            zh: "这是 Webhook 地址，不是签名密钥：密钥在机器人安全设置的“签名校验”下",
            en: "this is the webhook address, not the signing secret: the secret is under the bot's security setting 签名校验",
        })
    } else if secret.chars().any(char::is_whitespace) {
        Err(Text {
            zh: "签名密钥不含空格，请从机器人安全设置中复制",
            en: "a signing secret has no spaces: copy it from the bot's security settings",
        })
    } else {
        Ok(())
    }
}

const ABOUT: About = About {
    id: "feishu_bot",
    label: Text {
        zh: "飞书群机器人",
        en: "Feishu group bot",
    },
    description: Text {
        zh: "把通知以消息卡片发到一个飞书群：每次发送只发一条群消息。",
        en: "Posts the notice as a card into one Feishu group chat: one message per send.",
    },
    platform: Platform::Feishu,
    fields: FIELDS,
    recipients: Recipients::Group,
    format: Format::Markdown {
        dialect: Dialect::Feishu,
        max_bytes: MAX_BYTES,
    },
    limits: Limits {
        max_batch: 1,
        per_second: Some(5),
        per_minute: Some(100),
        concurrency: 1,
    },
};

impl Kind for FeishuBot {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn mentions_by(&self) -> &'static [&'static str] {
        &["feishu"]
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        Ok(Arc::new(provider(channel_name, values)?))
    }
}

/// The provider of a channel with these (validated) settings.
fn provider(channel_name: &str, values: &Values) -> Result<Bot, FieldError> {
    let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
    let webhook = values
        .get("webhook")
        .ok_or_else(|| invalid("webhook", "缺少 Webhook 地址", "the webhook address is missing"))?;
    let url = Url::parse(webhook).map_err(|_| invalid("webhook", "不是网址", "is not an address"))?;
    let timeout = values.timeout();
    let client = crate::channels::http_client(timeout, "webhook")?;
    let secret = values.get("secret").map(str::to_owned);
    let mut redact = Redactor::new([webhook.to_owned(), url.as_str().to_owned()]);
    if let Some((_, token)) = url.path().split_once(HOOK_PATH) {
        let token = token.trim_matches('/');
        redact.add(token.to_owned());
        if let Ok(decoded) = percent_decode(token) {
            redact.add(decoded);
        }
    }
    if let Some(s) = &secret {
        redact.add(s.clone());
    }
    Ok(Bot {
        channel: channel_name.to_owned(),
        url,
        secret,
        mention_all: values.get("mention") == Some("all"),
        timeout,
        client,
        redact,
    })
}

/// A path segment with its `%XX` escapes undone (a token is ASCII; anything else is left).
fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

/// `Base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = ""))`, sent as is in the body.
pub fn sign(secret: &str, timestamp_s: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(format!("{timestamp_s}\n{secret}").as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"");
    BASE64.encode(mac.finalize().into_bytes())
}

/// The request body: an `interactive` card with the subject (or the body's first line) as
/// its header's title and the body as a `markdown` element, the only place Feishu renders
/// Markdown; `timestamp` and `sign` beside it when signing is on.
///
/// The mention goes first in the Markdown element. In a card's Markdown the documented syntax
/// is `<at id=all></at>`; `<at user_id="all">所有人</at>` is the syntax of `text` messages,
/// which show Markdown raw. People are mentioned as `<at id=ou_…></at>` on a last line: a
/// custom bot mentions by open_id only (Feishu's Markdown module notes), so other ids (a
/// user_id, an e-mail) are left out of the line.
pub fn message_body(m: &Outgoing, mention_all: bool, signature: Option<(i64, &str)>) -> serde_json::Value {
    let subject = m.subject.trim();
    let title = if subject.is_empty() {
        m.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("通知")
    } else {
        subject
    };
    let title: String = title.trim_start_matches(['#', ' ']).chars().take(100).collect();
    let mut content = if mention_all {
        format!("<at id=all></at>\n{}", to_dialect(&m.body, Dialect::Feishu))
    } else {
        to_dialect(&m.body, Dialect::Feishu)
    };
    let people: Vec<String> = open_ids(m).map(|id| format!("<at id={id}></at>")).collect();
    if !people.is_empty() {
        content = format!("{content}\n\n{}", people.join(" "));
    }
    let mut body = serde_json::json!({
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": true},
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "markdown", "content": content}],
        },
    });
    if let Some((timestamp_s, secret)) = signature {
        body["timestamp"] = timestamp_s.to_string().into();
        body["sign"] = sign(secret, timestamp_s).into();
    }
    body
}

/// The refusal of a message over Feishu's limit, before any call.
fn too_long(bytes: usize) -> Outcome {
    Outcome::Permanent {
        reason: format!("the message is {bytes} bytes; a Feishu bot takes at most {MAX_BYTES}: shorten it"),
        code: Some("too_long".into()),
        bad_address: false,
    }
}

/// The open_ids among the people a message mentions: the only ids a custom bot can mention.
fn open_ids(m: &Outgoing) -> impl Iterator<Item = &str> {
    m.mentions
        .ids
        .iter()
        .map(String::as_str)
        .filter(|id| id.starts_with("ou_"))
}

/// A reply: `{"code":0,"msg":"success"}`, or in older replies `{"StatusCode":0,
/// "StatusMessage":"success"}`.
#[derive(Deserialize)]
struct Reply {
    code: Option<i64>,
    #[serde(default)]
    msg: String,
    #[serde(rename = "StatusCode")]
    status_code: Option<i64>,
    #[serde(rename = "StatusMessage", default)]
    status_message: String,
}

impl Reply {
    /// The code and message, whichever spelling the reply used.
    fn code(&self) -> Option<(i64, &str)> {
        match (self.code, self.status_code) {
            (Some(c), _) => Some((c, self.msg.as_str())),
            (None, Some(c)) => Some((c, self.status_message.as_str())),
            (None, None) => None,
        }
    }
}

/// What a Feishu reply's `code` means for the message and the channel.
pub fn classify(code_value: i64, msg: &str) -> Outcome {
    let code = Some(format!("feishu:{code_value}"));
    let said = format!("Feishu said {code_value} {msg}");
    let down = |hint: &str| Outcome::ChannelDown {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
    };
    let message = |hint: &str| Outcome::Permanent {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
        bad_address: false,
    };
    match code_value {
        0 => Outcome::Sent { provider_id: None },
        11232 | 230020 => Outcome::Retry {
            after: Some(THROTTLE),
            reason: format!("{said}: Feishu is limiting the bot's messages; Herald tries again in a minute"),
            code,
        },
        19021 => down(
            "the signature or its time was refused: check the bot's signing secret (签名校验) and that this computer's clock is right",
        ),
        19022 => down("this computer's IP address is not in the bot's IP allowlist (IP 白名单)"),
        19024 => down(
            "the bot requires a keyword (自定义关键词): put one of its keywords in the notice's title or text",
        ),
        11205 => down("the bot is gone from the group: add a custom bot again and copy its webhook address"),
        11247 => down("the bot reached Feishu's daily cap; it can send again tomorrow"),
        99991403 => down("the Feishu tenant's monthly API quota is used up"),
        230025 => message(&format!("the message is over Feishu's limit ({MAX_BYTES} bytes); shorten it")),
        230028 => message("Feishu's data-loss prevention refused the content (a phone number, say)"),
        230001 | 10003 => message("Feishu refused the message as sent"),
        // 9499 (Bad Request) and codes not listed: tried again (the attempt limit bounds
        // it), with Feishu's own words.
        _ => Outcome::Retry {
            after: None,
            reason: said,
            code,
        },
    }
}

/// How long a 429 asks to wait: Feishu's gateway says so in `x-ogw-ratelimit-reset`
/// (seconds), others in `Retry-After`.
pub fn ratelimit_reset(headers: &HeaderMap) -> Option<Duration> {
    let reset = headers
        .get("x-ogw-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
    reset.or_else(|| retry_after(headers, SystemTime::now()))
}

struct Bot {
    channel: String,
    url: Url,
    secret: Option<String>,
    mention_all: bool,
    timeout: Duration,
    client: reqwest::Client,
    redact: Redactor,
}

impl Bot {
    async fn send_one(&self, m: &Outgoing) -> Outcome {
        let mut redact = self.redact.clone();
        let now = unix_s();
        let message = message_body(m, self.mention_all, self.secret.as_deref().map(|s| (now, s)));
        let unmentionable = m.mentions.ids.len() - open_ids(m).count();
        if unmentionable > 0 {
            tracing::warn!(
                channel = %self.channel,
                "{unmentionable} of the people to mention have a Feishu id that is not an open_id (ou_…); a custom bot cannot mention them"
            );
        }
        if let Some(sign) = message["sign"].as_str() {
            redact.add(sign.to_owned());
        }
        let body = serde_json::to_vec(&message).expect("JSON of strings");
        if body.len() > MAX_BYTES {
            return too_long(body.len());
        }
        let sent = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await;
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => return http::transport_failure(&e, "Feishu", self.timeout, &redact),
        };
        let status = reply.status();
        let headers = reply.headers().clone();
        let text = read_prefix(reply, REPLY_BYTES).await;
        let parsed = serde_json::from_slice::<Reply>(&text).ok();
        let coded = parsed.as_ref().and_then(Reply::code);
        let outcome = if status.as_u16() == 429 || status.is_server_error() {
            Outcome::Retry {
                after: ratelimit_reset(&headers),
                reason: redact.status_reason(status, &String::from_utf8_lossy(&text)),
                code: Some(status.as_u16().to_string()),
            }
        } else if let Some((code, msg)) = coded.filter(|_| status.is_success() || status.is_client_error()) {
            // Feishu answers most refusals with 200 and a code; a 400 with a code (9499 Bad
            // Request) is classified by its code too.
            classify(code, &redact.one_line(msg, REASON_CHARS))
        } else if !status.is_success() {
            Outcome::ChannelDown {
                reason: format!(
                    "{} (check the bot's webhook address)",
                    redact.status_reason(status, &String::from_utf8_lossy(&text))
                ),
                code: Some(status.as_u16().to_string()),
            }
        } else {
            http::not_json(&text, "Feishu", &redact)
        };
        tracing::debug!(channel = %self.channel, delivery_id = m.delivery_id, "feishu bot call done");
        outcome
    }
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the bot's token, and the secret signs.
        write!(f, "FeishuBot({})", self.channel)
    }
}

#[async_trait]
impl Provider for Bot {
    fn kind(&self) -> ChannelKind {
        ChannelKind::declared(ABOUT.id)
    }

    fn limits(&self) -> Limits {
        ABOUT.limits
    }

    /// Without the signature: it is made from the secret and the moment of sending.
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        let body = serde_json::to_vec(&message_body(m, self.mention_all, None)).expect("JSON of strings");
        if body.len() > MAX_BYTES {
            return Err(refusal(too_long(body.len())));
        }
        Ok(json_preview(
            &body,
            &[
                (WireKind::Subject, "/card/header/title/content"),
                (WireKind::Markdown, "/card/elements/0/content"),
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

fn unix_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0b3c5e7a-1f2d-4c6b-9a8e-feishutoken";

    /// The signing examples (computed, not official: Feishu publishes none; see the file).
    fn vectors() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors/feishu.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("the project's test fixtures")).unwrap()
    }

    fn m(subject: &str, body: &str) -> Outgoing {
        Outgoing {
            delivery_id: 1,
            address: String::new(),
            recipient_name: String::new(),
            subject: subject.into(),
            body: body.into(),
            attachments: Arc::from(Vec::new()),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    #[test]
    fn signatures_match_every_vector_and_not_dingtalks_construction() {
        let all = vectors();
        let vectors = all["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 2);
        let mut negatives = 0;
        for v in vectors {
            let ts = v["inputs"]["timestamp_s"].as_i64().unwrap();
            let secret = v["inputs"]["secret"].as_str().unwrap();
            let got = sign(secret, ts);
            assert_eq!(got, v["expected"]["sign"].as_str().unwrap(), "{}", v["id"]);
            let body = message_body(&m("s", "b"), false, Some((ts, secret)));
            let fields = &v["expected"]["request_body_fields"];
            assert_eq!(body["timestamp"], fields["timestamp"]);
            assert_eq!(body["sign"], fields["sign"]);
            if let Some(wrong) = v["negative_check"]["dingtalk_style_key_secret_msg_string_gives"].as_str() {
                assert_ne!(got, wrong);
                negatives += 1;
            }
        }
        assert_eq!(negatives, 1);
    }

    #[test]
    fn the_audience_is_mentioned_by_open_id_on_a_last_line() {
        let mut msg = m("补考", "周三补考");
        msg.mentions.ids = vec!["ou_7d8a6e6df".into(), "zhangsan".into(), "ou_51d2c".into()];
        let b = message_body(&msg, false, None);
        let content = b["card"]["elements"][0]["content"].as_str().unwrap();
        // A user_id cannot be mentioned by a custom bot: only the open_ids are.
        assert!(
            content.ends_with("\n\n<at id=ou_7d8a6e6df></at> <at id=ou_51d2c></at>"),
            "{content}"
        );
        assert!(!content.contains("zhangsan"), "{content}");
    }

    #[test]
    fn a_setting_pasted_wrong_is_refused_with_what_to_do() {
        let url = format!("https://open.feishu.cn/open-apis/bot/v2/hook/{TOKEN}");
        assert!(is_hook_url(&url).is_ok());
        assert!(is_hook_url("https://open.feishu.cn/open-apis/bot/v2/hook/").is_err());
        assert!(is_hook_url("https://oapi.dingtalk.com/robot/send?access_token=x").is_err());
        let bare = crate::channels::schema::validate(
            FIELDS,
            &[("webhook".to_owned(), TOKEN.to_owned())].into_iter().collect(),
        )
        .unwrap_err();
        assert_eq!(bare.field, "webhook");
        assert!(!bare.to_string().contains(TOKEN));
        assert!(looks_like_secret("mSecretAbc123XyZ").is_ok());
        assert!(looks_like_secret(&url).is_err());
        assert!(looks_like_secret("two words").is_err());
    }

    #[test]
    fn every_documented_code_has_its_class() {
        assert_eq!(classify(0, "success"), Outcome::Sent { provider_id: None });
        assert!(matches!(classify(11232, "frequency limited"), Outcome::Retry { after: Some(d), .. } if d == THROTTLE));
        match classify(
            19021,
            "sign match fail or timestamp is not within one hour from current time",
        ) {
            Outcome::ChannelDown { reason, code } => {
                assert!(reason.contains("secret") && reason.contains("clock"), "{reason}");
                assert_eq!(code.as_deref(), Some("feishu:19021"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(classify(19022, "ip not allowed"), Outcome::ChannelDown { reason, .. } if reason.contains("IP"))
        );
        assert!(
            matches!(classify(19024, "Key Words Not Found"), Outcome::ChannelDown { reason, .. } if reason.contains("keyword"))
        );
        assert!(matches!(classify(230025, "too long"), Outcome::Permanent { .. }));
        assert!(
            matches!(classify(9499, "Bad Request"), Outcome::Retry { reason, .. } if reason.contains("Bad Request"))
        );
        assert!(matches!(classify(777, "new thing"), Outcome::Retry { reason, .. } if reason.contains("new thing")));
    }

    #[test]
    fn both_reply_spellings_are_read() {
        let new: Reply = serde_json::from_str(r#"{"code":0,"data":{},"msg":"success"}"#).unwrap();
        assert_eq!(new.code(), Some((0, "success")));
        let old: Reply = serde_json::from_str(r#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#).unwrap();
        assert_eq!(old.code(), Some((0, "success")));
        let bad: Reply = serde_json::from_str(r#"{"code":19021,"msg":"sign match fail"}"#).unwrap();
        assert_eq!(bad.code(), Some((19021, "sign match fail")));
        let none: Reply = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(none.code(), None);
    }

    #[test]
    fn the_ratelimit_reset_header_says_when() {
        let mut h = HeaderMap::new();
        h.insert("x-ogw-ratelimit-reset", "7".parse().unwrap());
        assert_eq!(ratelimit_reset(&h), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(ratelimit_reset(&h), Some(Duration::from_secs(3)));
        assert_eq!(ratelimit_reset(&HeaderMap::new()), None);
    }

    #[test]
    fn the_notice_is_a_card_with_the_subject_as_its_title() {
        let b = message_body(&m("考试安排", "周一**考试**"), true, None);
        assert_eq!(b["msg_type"], "interactive");
        assert_eq!(b["card"]["header"]["title"]["content"], "考试安排");
        assert_eq!(b["card"]["header"]["title"]["tag"], "plain_text");
        assert_eq!(b["card"]["elements"][0]["tag"], "markdown");
        assert_eq!(b["card"]["elements"][0]["content"], "<at id=all></at>\n周一**考试**");
        assert!(b.get("sign").is_none() && b.get("timestamp").is_none());
        let b = message_body(&m("", "\n## 停课通知\n明天停课"), false, Some((1_599_360_473, "demo")));
        assert_eq!(b["card"]["header"]["title"]["content"], "停课通知");
        assert_eq!(b["card"]["elements"][0]["content"], "\n## 停课通知\n明天停课");
        assert_eq!(b["timestamp"], "1599360473");
        assert_eq!(b["sign"], "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
    }

    #[tokio::test]
    async fn a_message_over_the_limit_is_refused_before_sending_naming_it() {
        let values = Values::join(
            FIELDS,
            &serde_json::json!({"mention": "none", "timeout-ms": 1000}),
            &[
                (
                    "webhook".to_owned(),
                    format!("http://127.0.0.1:9/open-apis/bot/v2/hook/{TOKEN}"),
                ),
                ("secret".to_owned(), "mSecretAbc123XyZ".to_owned()),
            ]
            .into_iter()
            .collect(),
        );
        let p = provider("群", &values).unwrap();
        let out = p.send(&[m("s", &"字".repeat(MAX_BYTES / 3))]).await;
        match &out[0] {
            Outcome::Permanent { reason, code, .. } => {
                assert!(reason.contains("20000"), "{reason}");
                assert_eq!(code.as_deref(), Some("too_long"));
            }
            other => panic!("{other:?}"),
        }
        let shown = format!("{p:?}");
        assert!(!shown.contains(TOKEN) && !shown.contains("mSecretAbc123XyZ"), "{shown}");
    }
}
