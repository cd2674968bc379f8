//! WeCom group robot (企业微信群机器人): one Markdown message into a group chat.
//!
//! Facts it relies on (PROVIDERS.md §1a and the WeCom class table): `POST
//! …/cgi-bin/webhook/send?key=KEY`, the key being the only credential (no signing); `markdown`
//! content at most 4096 bytes and `text` content at most 2048, refused over that (40058), never
//! cut; 20 messages a minute per robot (45009 over it). HTTP 200 is not success: the reply's
//! `errcode` is. A bare key pasted where the address belongs gives 93000, so the setting's
//! check refuses it first.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;
use serde::Deserialize;

use crate::channels::markdown::to_dialect;
use crate::channels::schema::{
    timeout_field, ChoiceOption, Field, FieldError, FieldType, Text, Values, MENTION_NOBODY, MENTION_THE_AUDIENCE,
};
use crate::channels::{lookup_mobile, About, Dialect, Format, Kind, Platform, Recipients};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, Redactor, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes of `markdown.content` WeCom takes (40058 above it).
pub const MAX_MARKDOWN_BYTES: usize = 4096;
/// The most bytes of `text.content` WeCom takes (40058 above it).
pub const MAX_TEXT_BYTES: usize = 2048;
/// How long WeCom holds a robot over its rate (45009) or concurrency (45033) limit.
const BLOCK: Duration = Duration::from_secs(60);
/// Bytes of a reply read: WeCom's are a few hundred.
const REPLY_BYTES: usize = 16 * 1024;

pub struct WecomRobot;

/// WeCom's `@everyone` goes as a text message, and the label says so.
const MENTION_EVERYONE_AS_TEXT: ChoiceOption = ChoiceOption {
    value: "all",
    label: Text {
        zh: "@所有人（以文本消息发送）",
        en: "@everyone (sent as a text message)",
    },
};

const FIELDS: &[Field] = &[
    Field::new(
        "webhook",
        FieldType::SecretUrl,
        Text {
            zh: "Webhook 地址",
            en: "Webhook address",
        },
        Text {
            zh: "企业微信群 → 群设置 → 群机器人 → 添加机器人后复制的完整 Webhook 地址（…/webhook/send?key=…），不是只复制 key。",
            en: "WeCom group → Settings → Group robots → add a robot, then copy its whole Webhook address (…/webhook/send?key=…), not the key alone.",
        },
    )
    .checked(has_key),
    Field::new(
        "mention",
        FieldType::Choice {
            options: &[MENTION_NOBODY, MENTION_EVERYONE_AS_TEXT, MENTION_THE_AUDIENCE],
        },
        Text {
            zh: "提醒",
            en: "Mention",
        },
        Text {
            zh: "@ 谁。@所有人：企业微信的 Markdown 消息不能 @所有人，所以以文本消息发送（Markdown 原样显示，最多 2048 字节）。@通知对象：@ 本次通知的对象中有企业微信账号或手机号的人（最多 100 人）；有人只能按手机号 @ 时同样以文本消息发送。",
            en: "Whom to @-mention. @everyone: WeCom's Markdown messages cannot mention everyone, so the notice goes as a text message (Markdown shows as typed, at most 2048 bytes). The notice's audience: those with a WeCom id or a mobile, at most 100; when someone can only be mentioned by mobile, it goes as a text message too.",
        },
    )
    .default_value("none"),
    timeout_field(Text {
            zh: "等待企业微信答复的最长时间。",
            en: "How long to wait for WeCom's reply.",
        }),
];

/// The webhook must be an address with a `key` query parameter. A key pasted alone (WeCom's
/// keys are UUIDs) is told apart, since that is the usual mistake and WeCom answers it with
/// 93000.
fn has_key(url: &str) -> Result<(), Text> {
    let whole = Text {
        zh: "这像是只复制了机器人的 key：请粘贴完整的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）",
        en: "looks like the robot's key alone: paste the whole Webhook address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)",
    };
    let Ok(parsed) = Url::parse(url) else {
        return Err(if url.contains("://") {
            Text {
                zh: "不是网址",
                en: "is not an address",
            }
        } else {
            whole
        });
    };
    if parsed.query_pairs().any(|(k, v)| k == "key" && !v.trim().is_empty()) {
        Ok(())
    } else {
        Err(Text {
            zh: "缺少 key：请复制机器人完整的 Webhook 地址（…/webhook/send?key=…）",
            en: "has no key: copy the robot's whole Webhook address (…/webhook/send?key=…)",
        })
    }
}

const ABOUT: About = About {
    id: "wecom_robot",
    label: Text {
        zh: "企业微信群机器人",
        en: "WeCom group robot",
    },
    description: Text {
        zh: "把通知发到一个企业微信群：每次发送只发一条群消息。",
        en: "Posts the notice into one WeCom group chat: one message per send.",
    },
    platform: Platform::Wecom,
    fields: FIELDS,
    recipients: Recipients::Group,
    format: Format::Markdown {
        dialect: Dialect::Wecom,
        max_bytes: MAX_MARKDOWN_BYTES,
    },
    limits: Limits {
        max_batch: 1,
        per_second: None,
        per_minute: Some(20),
        concurrency: 1,
    },
};

impl Kind for WecomRobot {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn mentions_by(&self) -> &'static [&'static str] {
        &["wecom", "mobile"]
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        Ok(Arc::new(provider(channel_name, values)?))
    }
}

/// The provider of a channel with these (validated) settings.
fn provider(channel_name: &str, values: &Values) -> Result<Robot, FieldError> {
    let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
    let webhook = values
        .get("webhook")
        .ok_or_else(|| invalid("webhook", "缺少 Webhook 地址", "the Webhook address is missing"))?;
    let url = Url::parse(webhook).map_err(|_| invalid("webhook", "不是网址", "is not an address"))?;
    let timeout = values.timeout();
    let client = crate::channels::http_client(timeout, "webhook")?;
    Ok(Robot {
        channel: channel_name.to_owned(),
        redact: redactor(&url, webhook),
        url,
        mention_all: values.get("mention") == Some("all"),
        timeout,
        client,
    })
}

/// A scrubber for the webhook address as typed and as parsed, and its key (raw and as it
/// appears percent-encoded).
fn redactor(url: &Url, webhook: &str) -> Redactor {
    let mut redact = Redactor::new([webhook.to_owned(), url.as_str().to_owned()]);
    for (k, v) in url.query_pairs() {
        if k == "key" {
            redact.add(v.into_owned());
        }
    }
    if let Some(query) = url.query() {
        for pair in query.split('&') {
            if let Some(raw) = pair.strip_prefix("key=") {
                redact.add(raw.to_owned());
            }
        }
    }
    redact
}

/// The message WeCom shows, and the byte limit of its content.
///
/// Without a mention: `markdown`, the subject as a heading above the body (≤ 4096 bytes).
/// With `mention = all`: WeCom's Markdown has `<@userid>` mentions but no way to mention
/// everyone, and `markdown_v2` has no mentions at all (PROVIDERS.md §1a); the documented way
/// is a `text` message with `mentioned_list: ["@all"]`. So those go as text (≤ 2048 bytes),
/// subject and body as typed: one message, still mentioning everyone, rather than a second
/// message that could fail on its own and would count twice against 20 a minute.
/// Mentioning the audience: by userid, `<@userid>` on a last line of the Markdown; anyone
/// known only by mobile can be mentioned only in a text message (`mentioned_mobile_list`),
/// so then the message goes as text, as for everyone.
pub fn message_body(m: &Outgoing, mention_all: bool) -> (serde_json::Value, usize, usize) {
    let subject = m.subject.trim();
    if mention_all || !m.mentions.mobiles.is_empty() {
        let content = if subject.is_empty() {
            m.body.clone()
        } else {
            format!("{subject}\n\n{}", m.body)
        };
        let bytes = content.len();
        let mut listed: Vec<&str> = m.mentions.ids.iter().map(String::as_str).collect();
        if mention_all {
            listed.push("@all");
        }
        let mobiles: Vec<&str> = m.mentions.mobiles.iter().map(|x| lookup_mobile(x)).collect();
        let mut text = serde_json::json!({"content": content, "mentioned_list": listed});
        if !mobiles.is_empty() {
            text["mentioned_mobile_list"] = mobiles.into();
        }
        (
            serde_json::json!({"msgtype": "text", "text": text}),
            bytes,
            MAX_TEXT_BYTES,
        )
    } else {
        let body = to_dialect(&m.body, Dialect::Wecom);
        let mut content = if subject.is_empty() {
            body
        } else {
            format!("### {subject}\n\n{body}")
        };
        if !m.mentions.ids.is_empty() {
            let line: Vec<String> = m.mentions.ids.iter().map(|id| format!("<@{id}>")).collect();
            content = format!("{content}\n\n{}", line.join(" "));
        }
        let bytes = content.len();
        (
            serde_json::json!({"msgtype": "markdown", "markdown": {"content": content}}),
            bytes,
            MAX_MARKDOWN_BYTES,
        )
    }
}

#[derive(Deserialize)]
struct Reply {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// What a WeCom reply's `errcode` means for the message and the channel.
pub fn classify(errcode: i64, errmsg: &str) -> Outcome {
    let code = Some(format!("wecom:{errcode}"));
    let said = format!("WeCom said {errcode} {errmsg}");
    let down = |hint: &str| Outcome::ChannelDown {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
    };
    match errcode {
        0 => Outcome::Sent { provider_id: None },
        45009 => Outcome::Retry {
            after: Some(BLOCK),
            reason: format!("{said}: the robot sent over 20 messages a minute; Herald tries again in a minute"),
            code,
        },
        45033 => Outcome::Retry {
            after: Some(BLOCK),
            reason: format!("{said}: too many calls at once; Herald tries again in a minute"),
            code,
        },
        // "仅系统失败需要重试": busy is the one system failure; the attempt limit bounds it.
        -1 => Outcome::Retry {
            after: None,
            reason: format!("{said}: WeCom is busy; Herald tries again"),
            code,
        },
        40058 | 45002 => Outcome::Permanent {
            reason: format!(
                "{said}: the message is over WeCom's limit ({MAX_MARKDOWN_BYTES} bytes of Markdown, {MAX_TEXT_BYTES} of text); shorten it"
            ),
            code,
            bad_address: false,
        },
        44004 => Outcome::Permanent {
            reason: format!("{said}: the message is empty"),
            code,
            bad_address: false,
        },
        93000 => down("the robot's key is not valid: copy the robot's whole Webhook address again (…/webhook/send?key=…)"),
        40001 | 40013 => down("WeCom refused the credentials: copy the robot's whole Webhook address again"),
        60020 => down("this computer's IP address is not among WeCom's trusted IPs (企业可信IP)"),
        _ => Outcome::Retry {
            after: None,
            reason: said,
            code,
        },
    }
}

struct Robot {
    channel: String,
    url: Url,
    mention_all: bool,
    timeout: Duration,
    client: reqwest::Client,
    redact: Redactor,
}

impl Robot {
    /// The request body, or the refusal of a message over WeCom's limit.
    fn body(&self, m: &Outgoing) -> Result<Vec<u8>, Outcome> {
        let (message, bytes, max) = message_body(m, self.mention_all);
        if bytes > max {
            let what = if self.mention_all || !m.mentions.mobiles.is_empty() {
                "a WeCom robot's text message (sent so to @-mention everyone, or people by mobile)"
            } else {
                "a WeCom robot's Markdown message"
            };
            return Err(Outcome::Permanent {
                reason: format!("the message is {bytes} bytes; {what} takes at most {max}: shorten it"),
                code: Some("too_long".into()),
                bad_address: false,
            });
        }
        Ok(serde_json::to_vec(&message).expect("JSON of strings"))
    }

    async fn send_one(&self, m: &Outgoing) -> Outcome {
        let body = match self.body(m) {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let redact = &self.redact;
        let sent = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await;
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => return http::transport_failure(&e, "WeCom", self.timeout, redact),
        };
        let status = reply.status();
        let headers = reply.headers().clone();
        let text = read_prefix(reply, REPLY_BYTES).await;
        let outcome = if !status.is_success() {
            http::failed_status(status, &headers, &text, redact, "check the robot's Webhook address")
        } else {
            match http::json_reply::<Reply>(&text, "WeCom", redact) {
                Ok(r) => classify(r.errcode, &redact.one_line(&r.errmsg, REASON_CHARS)),
                Err(outcome) => outcome,
            }
        };
        tracing::debug!(channel = %self.channel, delivery_id = m.delivery_id, "wecom robot call done");
        outcome
    }
}

impl std::fmt::Debug for Robot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the robot's key.
        write!(f, "WecomRobot({})", self.channel)
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
                (WireKind::Markdown, "/markdown/content"),
                (WireKind::Text, "/text/content"),
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";

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
    fn a_bare_key_or_an_address_without_one_is_refused_with_what_to_paste() {
        let url = format!("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}");
        assert!(has_key(&url).is_ok());
        let bare = has_key(KEY).unwrap_err();
        assert!(bare.en.contains("key alone") && bare.en.contains("whole Webhook address"));
        assert!(bare.zh.contains("完整"));
        assert!(!bare.en.contains(KEY));
        let no_key = has_key("https://qyapi.weixin.qq.com/cgi-bin/webhook/send").unwrap_err();
        assert!(no_key.en.contains("has no key"));
        assert!(has_key("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=").is_err());
    }

    #[test]
    fn the_bare_key_hint_reaches_the_schema_refusal() {
        let input = [("webhook".to_owned(), KEY.to_owned())].into_iter().collect();
        let err = crate::channels::schema::validate(FIELDS, &input).unwrap_err();
        assert_eq!(err.field, "webhook");
        assert!(err.reason.en.contains("whole Webhook address"), "{err}");
        assert!(!err.to_string().contains(KEY));
    }

    #[test]
    fn every_documented_code_has_its_class() {
        assert_eq!(classify(0, "ok"), Outcome::Sent { provider_id: None });
        for c in [45009, 45033] {
            assert!(matches!(classify(c, "limit"), Outcome::Retry { after: Some(d), .. } if d == BLOCK));
        }
        assert!(matches!(classify(-1, "system busy"), Outcome::Retry { .. }));
        for c in [40058, 44004, 45002] {
            assert!(
                matches!(classify(c, "x"), Outcome::Permanent { bad_address: false, .. }),
                "{c}"
            );
        }
        match classify(93000, "invalid webhook url") {
            Outcome::ChannelDown { reason, code } => {
                assert!(reason.contains("whole Webhook address"), "{reason}");
                assert_eq!(code.as_deref(), Some("wecom:93000"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(60020, "not allow to access from your ip"),
            Outcome::ChannelDown { .. }
        ));
        // Unknown: tried again (the attempt limit bounds it), with WeCom's own words.
        assert!(matches!(classify(777, "new thing"), Outcome::Retry { reason, .. } if reason.contains("new thing")));
    }

    #[test]
    fn markdown_without_a_mention_text_with_everyone_mentioned() {
        let (b, bytes, max) = message_body(&m("考试安排", "周一**考试**"), false);
        assert_eq!(b["msgtype"], "markdown");
        assert_eq!(b["markdown"]["content"], "### 考试安排\n\n周一**考试**");
        assert_eq!((bytes, max), ("### 考试安排\n\n周一**考试**".len(), MAX_MARKDOWN_BYTES));
        let (b, _, max) = message_body(&m("考试安排", "周一考试"), true);
        assert_eq!(b["msgtype"], "text");
        assert_eq!(b["text"]["content"], "考试安排\n\n周一考试");
        assert_eq!(b["text"]["mentioned_list"], serde_json::json!(["@all"]));
        assert_eq!(max, MAX_TEXT_BYTES);
        let (b, _, _) = message_body(&m("", "只有正文"), false);
        assert_eq!(b["markdown"]["content"], "只有正文");
    }

    #[test]
    fn the_audience_is_mentioned_in_markdown_by_userid_and_as_text_when_one_has_only_a_mobile() {
        let mut by_id = m("补考", "周三补考");
        by_id.mentions.ids = vec!["zhangsan".into(), "lisi".into()];
        let (b, _, max) = message_body(&by_id, false);
        assert_eq!(b["msgtype"], "markdown");
        assert_eq!(b["markdown"]["content"], "### 补考\n\n周三补考\n\n<@zhangsan> <@lisi>");
        assert_eq!(max, MAX_MARKDOWN_BYTES);

        let mut also_by_mobile = by_id.clone();
        also_by_mobile.mentions.mobiles = vec!["+8613800138000".into()];
        let (b, _, max) = message_body(&also_by_mobile, false);
        assert_eq!(b["msgtype"], "text");
        assert_eq!(b["text"]["mentioned_list"], serde_json::json!(["zhangsan", "lisi"]));
        assert_eq!(b["text"]["mentioned_mobile_list"], serde_json::json!(["13800138000"]));
        assert_eq!(max, MAX_TEXT_BYTES);
    }

    #[tokio::test]
    async fn a_message_over_the_limit_is_refused_before_sending_naming_it() {
        let values = Values::join(
            FIELDS,
            &serde_json::json!({"mention": "none", "timeout-ms": 1000}),
            // Nothing listens on port 9 of localhost: a send would fail as a retry, not this.
            &[(
                "webhook".to_owned(),
                format!("http://127.0.0.1:9/cgi-bin/webhook/send?key={KEY}"),
            )]
            .into_iter()
            .collect(),
        );
        let p = provider("群", &values).unwrap();
        // 4096 bytes with the heading is fine; one more byte is not.
        let heading = "### s\n\n".len();
        let out = p.send(&[m("s", &"a".repeat(MAX_MARKDOWN_BYTES - heading + 1))]).await;
        match &out[0] {
            Outcome::Permanent { reason, code, .. } => {
                assert!(reason.contains("4096") && reason.contains("4097 bytes"), "{reason}");
                assert_eq!(code.as_deref(), Some("too_long"));
            }
            other => panic!("{other:?}"),
        }
        // Chinese counts in bytes: 1366 × 3 bytes is over 4096.
        let out = p.send(&[m("", &"字".repeat(1366))]).await;
        assert!(matches!(&out[0], Outcome::Permanent { code, .. } if code.as_deref() == Some("too_long")));
        assert!(!format!("{p:?}").contains(KEY));
    }

    #[test]
    fn the_key_is_scrubbed_raw_and_encoded() {
        let url = Url::parse("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a%2Bb-secret").unwrap();
        let r = redactor(&url, url.as_str());
        assert_eq!(
            r.scrub("key a+b-secret or a%2Bb-secret"),
            "key [redacted] or [redacted]"
        );
    }
}
