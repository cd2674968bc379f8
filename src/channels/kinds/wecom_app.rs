//! WeCom application messages (企业微信应用消息): each person, by their WeCom userid, through
//! the organisation's self-built app.
//!
//! Facts it relies on (PROVIDERS.md §1b): a token from `GET /cgi-bin/gettoken?corpid&corpsecret`
//! (about 7,200 s, may be revoked early: 40014/42001/41001 mean fetch another); `POST
//! /cgi-bin/message/send?access_token=` with `touser` "a|b|…" (at most 1,000), `agentid`,
//! `msgtype`; the reply's `invaliduser`/`unlicenseduser` ('|'-joined, lowercased) name the people
//! it could not reach while the rest succeed, and 81013 means none could be reached. Markdown
//! content at most 2,048 bytes. 60020: the computer's IP is not among the app's 企业可信IP.
//! Recall: `POST /cgi-bin/message/recall?access_token=` with `{"msgid"}`, for messages sent
//! through message/send in the last 24 hours, WeCom clients only (WeCom's 撤回应用消息,
//! developer.work.weixin.qq.com/document/path/94867). WeCom reports no reads.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::channels::markdown::to_dialect;
use crate::channels::schema::{timeout_field, Field, FieldError, FieldType, Text, Values};
use crate::channels::token::{TokenCache, Tried};
use crate::channels::{
    lookup_mobile, About, AfterSend, AfterSendTerms, Dialect, Format, IdFinder, Kind, Platform, ReadReceipt,
    Recipients, Refusal,
};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, retry_after, Redactor, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes of Markdown WeCom takes in one app message.
pub const MAX_BYTES: usize = 2_048;
/// People per call.
pub const MAX_USERS: usize = 1_000;
/// Bytes of a reply read.
const REPLY_BYTES: usize = 256 * 1024;
/// How long after sending WeCom lets an app message be recalled.
pub const RECALL_WITHIN: Duration = Duration::from_secs(24 * 3600);

pub struct WecomApp;

const FIELDS: &[Field] = &[
    Field::new(
        "corp-id",
        FieldType::Text,
        Text {
            zh: "企业ID",
            en: "Corp ID",
        },
        Text {
            zh: "企业微信管理后台 → 我的企业 → 企业信息 → 企业ID（ww 开头）。",
            en: "WeCom admin console → My company → Company info → Corp ID (starts with ww).",
        },
    ),
    Field::new(
        "agent-id",
        FieldType::Number {
            min: 1,
            max: 9_999_999_999,
        },
        Text {
            zh: "应用 AgentId",
            en: "App AgentId",
        },
        Text {
            zh: "应用管理 → 自建应用 → 打开应用后显示的 AgentId。",
            en: "App management → your self-built app → its AgentId.",
        },
    ),
    Field::new(
        "secret",
        FieldType::Secret,
        Text {
            zh: "应用 Secret",
            en: "App Secret",
        },
        Text {
            zh: "同一应用页面的 Secret（在企业微信中查看）。",
            en: "The Secret on the same app page (viewed in the WeCom client).",
        },
    ),
    Field::new(
        "api-base",
        FieldType::Url,
        Text {
            zh: "接口地址",
            en: "API address",
        },
        Text {
            zh: "一般不用改；经代理或私有部署时填写其地址。",
            en: "Leave as it is unless calls go through a relay or a private deployment.",
        },
    )
    .default_value("https://qyapi.weixin.qq.com"),
    timeout_field(Text {
        zh: "等待企业微信答复的最长时间。",
        en: "How long to wait for WeCom's reply.",
    }),
];

const ABOUT: About = About {
    id: "wecom_app",
    label: Text {
        zh: "企业微信应用消息",
        en: "WeCom app message",
    },
    description: Text {
        zh: "通过单位的企业微信自建应用，把通知发给每个人（按联系人的企业微信账号）。",
        en: "Sends each person the notice through your organisation's WeCom app (by their WeCom userid).",
    },
    platform: Platform::Wecom,
    fields: FIELDS,
    recipients: Recipients::Person("wecom"),
    format: Format::Markdown {
        dialect: Dialect::Wecom,
        max_bytes: MAX_BYTES,
    },
    limits: Limits {
        max_batch: MAX_USERS,
        per_second: None,
        per_minute: None,
        // Two calls of a thousand in flight: WeCom's limits are per person, not per call.
        concurrency: 2 * MAX_USERS,
    },
};

impl Kind for WecomApp {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        Ok(Arc::new(App::new(channel_name, values)?))
    }

    fn id_finder(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn IdFinder>, FieldError>> {
        Some(App::new(channel_name, values).map(|a| Arc::new(a) as Arc<dyn IdFinder>))
    }

    fn after_send_terms(&self) -> AfterSendTerms {
        AfterSendTerms {
            recall_within: Some(RECALL_WITHIN),
            reports_reads: false,
            reads_within: None,
        }
    }

    fn after_send(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn AfterSend>, FieldError>> {
        Some(App::new(channel_name, values).map(|a| Arc::new(a) as Arc<dyn AfterSend>))
    }
}

#[derive(Deserialize)]
struct TokenReply {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

/// A WeCom reply to a call made with the token: `errcode`, `errmsg` and the call's own fields.
#[derive(Deserialize)]
struct Reply<T> {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize)]
struct SendReply {
    #[serde(default)]
    invaliduser: String,
    #[serde(default)]
    unlicenseduser: String,
    #[serde(default)]
    msgid: String,
}

/// Codes that mean "this token is no longer good: fetch another".
fn token_refused(errcode: i64) -> bool {
    matches!(errcode, 40014 | 42001 | 41001)
}

/// What a failed call means for every message in it (a code other than 0).
pub fn classify(errcode: i64, errmsg: &str) -> Outcome {
    let code = Some(format!("wecom:{errcode}"));
    let said = format!("WeCom said {errcode} {errmsg}");
    match errcode {
        -1 | 45009 | 45033 => Outcome::Retry {
            after: Some(Duration::from_secs(60)),
            reason: format!("{said}: WeCom is busy or limiting calls; Herald tries again later"),
            code,
        },
        40014 | 42001 | 41001 => Outcome::Retry {
            after: None,
            reason: format!("{said}: the access token was refused twice in a row"),
            code,
        },
        81013 => Outcome::Permanent {
            reason: format!("{said}: no recipient of this message is in the app's visible range (可见范围)"),
            code,
            bad_address: true,
        },
        40058 | 44004 | 45002 => Outcome::Permanent {
            reason: format!("{said}: WeCom refused this message's content (empty or over {MAX_BYTES} bytes)"),
            code,
            bad_address: false,
        },
        60020 => Outcome::ChannelDown {
            reason: format!(
                "{said}: this computer's IP address is not among the app's trusted IPs: add it under 应用管理 → the app → 企业可信IP, or send through a relay with a fixed IP"
            ),
            code,
        },
        40001 | 40013 | 40056 | 301002 | 48002 | 60011 => Outcome::ChannelDown {
            reason: format!("{said}: WeCom refused the app's settings: check the Corp ID, the AgentId and the Secret"),
            code,
        },
        _ => Outcome::Retry {
            after: None,
            reason: said,
            code,
        },
    }
}

/// The outcome of each recipient of a call WeCom accepted: those it lists as invalid or
/// unlicensed are bad addresses, the others sent.
pub fn accepted(users: &[&str], reply_invalid: &str, reply_unlicensed: &str, msgid: &str) -> Vec<Outcome> {
    let listed = |list: &str| -> HashSet<String> {
        list.split('|')
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty())
            .collect()
    };
    let (invalid, unlicensed) = (listed(reply_invalid), listed(reply_unlicensed));
    let provider_id = (!msgid.is_empty()).then(|| msgid.to_owned());
    users
        .iter()
        .map(|u| {
            let id = u.to_lowercase();
            if invalid.contains(&id) {
                Outcome::Permanent {
                    reason: format!(
                        "WeCom does not know the userid {u}, or it is outside the app's visible range (可见范围)"
                    ),
                    code: Some("wecom:invaliduser".into()),
                    bad_address: true,
                }
            } else if unlicensed.contains(&id) {
                Outcome::Permanent {
                    reason: format!("{u} has no WeCom licence (未激活/未授权) for this app"),
                    code: Some("wecom:unlicenseduser".into()),
                    bad_address: false,
                }
            } else {
                Outcome::Sent {
                    provider_id: provider_id.clone(),
                }
            }
        })
        .collect()
}

/// A notice as WeCom shows it: the subject as a heading, then the Markdown body.
pub fn content(m: &Outgoing) -> String {
    if m.subject.trim().is_empty() {
        to_dialect(&m.body, Dialect::Wecom)
    } else {
        format!("### {}\n{}", m.subject.trim(), to_dialect(&m.body, Dialect::Wecom))
    }
}

/// The refusal of a message over WeCom's limit, before any call.
fn too_long(bytes: usize) -> Outcome {
    Outcome::Permanent {
        reason: format!("the message is {bytes} bytes; a WeCom app message takes at most {MAX_BYTES}: shorten it"),
        code: Some("too_long".into()),
        bad_address: false,
    }
}

struct App {
    channel: String,
    base: Url,
    corp_id: String,
    agent_id: i64,
    secret: String,
    timeout: Duration,
    client: reqwest::Client,
    token: TokenCache,
    redact: Redactor,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WecomApp({})", self.channel)
    }
}

impl App {
    fn new(channel_name: &str, values: &Values) -> Result<App, FieldError> {
        let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
        let base = crate::channels::api_base(values, "https://qyapi.weixin.qq.com")?;
        let secret = values
            .get("secret")
            .ok_or_else(|| invalid("secret", "缺少应用 Secret", "the app's Secret is missing"))?
            .to_owned();
        let timeout = values.timeout();
        let client = crate::channels::http_client(timeout, "api-base")?;
        Ok(App {
            channel: channel_name.to_owned(),
            base,
            corp_id: values.get("corp-id").unwrap_or_default().to_owned(),
            agent_id: values.number("agent-id").unwrap_or_default(),
            redact: Redactor::new([secret.clone()]),
            secret,
            timeout,
            client,
            token: TokenCache::default(),
        })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url
    }

    /// A reply as JSON, or the outcome every message of the call gets.
    async fn reply<T: for<'de> Deserialize<'de>>(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        redact: &Redactor,
    ) -> Result<T, Outcome> {
        let reply = sent.map_err(|e| http::transport_failure(&e, "WeCom", self.timeout, redact))?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let body = read_prefix(reply, REPLY_BYTES).await;
        if !status.is_success() {
            let reason = redact.status_reason(status, &String::from_utf8_lossy(&body));
            return Err(Outcome::Retry {
                after: retry_after(&headers, SystemTime::now()),
                reason,
                code: Some(status.as_u16().to_string()),
            });
        }
        http::json_reply(&body, "WeCom", redact)
    }

    async fn fetch_token(&self) -> Result<(String, Duration), Outcome> {
        let mut url = self.url("/cgi-bin/gettoken");
        url.query_pairs_mut()
            .append_pair("corpid", &self.corp_id)
            .append_pair("corpsecret", &self.secret);
        let mut redact = self.redact.clone();
        redact.add(url.as_str().to_owned());
        let r: TokenReply = self.reply(self.client.get(url).send().await, &redact).await?;
        if r.errcode != 0 || r.access_token.is_empty() {
            return Err(classify(r.errcode, &redact.one_line(&r.errmsg, REASON_CHARS)));
        }
        Ok((r.access_token, Duration::from_secs(r.expires_in.max(60))))
    }

    /// One call with `token`: WeCom's reply, its message scrubbed; a refused token is said so,
    /// for [`TokenCache::call`] to fetch another.
    async fn post<T: DeserializeOwned>(&self, path: &str, body: &str, token: String) -> Tried<Reply<T>, Outcome> {
        let mut url = self.url(path);
        url.query_pairs_mut().append_pair("access_token", &token);
        let mut redact = self.redact.clone();
        redact.add(token);
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body.to_owned())
            .send()
            .await;
        match self.reply::<Reply<T>>(sent, &redact).await {
            Ok(mut r) => {
                r.errmsg = redact.one_line(&r.errmsg, REASON_CHARS);
                if token_refused(r.errcode) {
                    Tried::TokenRefused(classify(r.errcode, &r.errmsg))
                } else {
                    Tried::Done(Ok(r))
                }
            }
            Err(outcome) => Tried::Done(Err(outcome)),
        }
    }

    /// `body` to `path` with the app's token (fetched again once if WeCom refuses it).
    async fn call<T: DeserializeOwned>(&self, path: &str, body: serde_json::Value) -> Result<Reply<T>, Outcome> {
        let body = body.to_string();
        self.token
            .call(|| self.fetch_token(), |token| self.post(path, &body, token))
            .await
    }

    /// The body of one call for `users`, who all get `text`.
    fn call_body(&self, users: &[&str], text: &str) -> serde_json::Value {
        serde_json::json!({
            "touser": users.join("|"),
            "msgtype": "markdown",
            "agentid": self.agent_id,
            "markdown": {"content": text},
        })
    }

    /// One call for `users`, who all get `text`.
    async fn send_to(&self, users: &[&str], text: &str) -> Vec<Outcome> {
        let body = self.call_body(users, text);
        let outcome = match self.call::<SendReply>("/cgi-bin/message/send", body).await {
            Ok(r) if r.errcode == 0 => {
                return accepted(users, &r.body.invaliduser, &r.body.unlicenseduser, &r.body.msgid)
            }
            Ok(r) => classify(r.errcode, &r.errmsg),
            Err(outcome) => outcome,
        };
        vec![outcome; users.len()]
    }
}

#[derive(Deserialize)]
struct UseridReply {
    #[serde(default)]
    userid: String,
}

#[async_trait]
impl IdFinder for App {
    async fn find_by_mobile(&self, mobile: &str) -> Result<Option<String>, String> {
        let reason = |o: Outcome| o.reason().unwrap_or_default().to_owned();
        let body = serde_json::json!({ "mobile": lookup_mobile(mobile) });
        let r = self
            .call::<UseridReply>("/cgi-bin/user/getuserid", body)
            .await
            .map_err(reason)?;
        match r.errcode {
            0 if !r.body.userid.is_empty() => Ok(Some(r.body.userid)),
            // 46004: no member has this mobile (or it is outside what the app may see).
            0 | 46004 | 60111 => Ok(None),
            code => Err(reason(classify(code, &r.errmsg))),
        }
    }
}

/// A reply that carries only a code: recall's.
#[derive(Deserialize)]
struct PlainReply {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[async_trait]
impl AfterSend for App {
    /// One call recalls the message for everyone its `msgid` reached.
    async fn recall(&self, provider_id: &str) -> Result<(), Refusal> {
        let body = serde_json::json!({ "msgid": provider_id }).to_string();
        for attempt in 0..2 {
            let token = self
                .token
                .get(|| self.fetch_token())
                .await
                .map_err(Refusal::from_outcome)?;
            let mut url = self.url("/cgi-bin/message/recall");
            url.query_pairs_mut().append_pair("access_token", &token);
            let mut redact = self.redact.clone();
            redact.add(token.clone());
            let sent = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(body.clone())
                .send()
                .await;
            let r: PlainReply = self.reply(sent, &redact).await.map_err(Refusal::from_outcome)?;
            match r.errcode {
                0 => return Ok(()),
                code if token_refused(code) && attempt == 0 => self.token.refused(&token).await,
                code => {
                    let msg = redact.one_line(&r.errmsg, REASON_CHARS);
                    // The app's settings, the IP rule and WeCom being busy read as for a send;
                    // any other code is WeCom's own word on this message. None is taken as
                    // final: WeCom documents no code for a msgid past its window, and Herald
                    // asks only inside it.
                    let reason = match classify(code, &msg) {
                        Outcome::ChannelDown { reason, .. } => reason,
                        Outcome::Retry { after: Some(_), .. } => {
                            format!(
                                "WeCom said {code} {msg}: WeCom is busy or limiting calls: recall again in a minute"
                            )
                        }
                        _ => format!("WeCom said {code} {msg} when asked to recall the message"),
                    };
                    return Err(Refusal::Failed {
                        reason,
                        code: Some(format!("wecom:{code}")),
                    });
                }
            }
        }
        Err(Refusal::Failed {
            reason: "WeCom refused the access token twice in a row".into(),
            code: None,
        })
    }

    async fn read_by(&self, _provider_id: &str, _addresses: &[String]) -> Result<Vec<ReadReceipt>, Refusal> {
        Err(Refusal::Final {
            reason: "WeCom does not tell who has read an app message".into(),
            code: None,
        })
    }
}

#[async_trait]
impl Provider for App {
    fn kind(&self) -> ChannelKind {
        ChannelKind::declared(ABOUT.id)
    }

    fn limits(&self) -> Limits {
        ABOUT.limits
    }

    /// People who get the same text share calls of up to 1,000; outcomes in input order.
    /// The call as it would be made for this person alone.
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        let text = content(m);
        if text.len() > MAX_BYTES {
            return Err(refusal(too_long(text.len())));
        }
        let body = self.call_body(&[m.address.as_str()], &text).to_string();
        Ok(json_preview(
            body.as_bytes(),
            &[(WireKind::Markdown, "/markdown/content")],
        ))
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        let mut out: Vec<Option<Outcome>> = vec![None; batch.len()];
        for indexes in crate::channels::same_messages(batch) {
            let text = content(&batch[indexes[0]]);
            if text.len() > MAX_BYTES {
                let too_long = too_long(text.len());
                for &i in &indexes {
                    out[i] = Some(too_long.clone());
                }
                continue;
            }
            for chunk in indexes.chunks(MAX_USERS) {
                let users: Vec<&str> = chunk.iter().map(|&i| batch[i].address.as_str()).collect();
                for (&i, outcome) in chunk.iter().zip(self.send_to(&users, &text).await) {
                    out[i] = Some(outcome);
                }
            }
        }
        out.into_iter()
            .map(|o| o.expect("every message has an outcome"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_users_are_bad_addresses_and_the_others_sent() {
        let out = accepted(&["ZhangSan", "lisi", "wangwu"], "zhangsan", "wangwu", "m1");
        assert!(matches!(&out[0], Outcome::Permanent { bad_address: true, .. }));
        assert_eq!(
            out[1],
            Outcome::Sent {
                provider_id: Some("m1".into())
            }
        );
        assert!(matches!(&out[2], Outcome::Permanent { bad_address: false, .. }));
    }

    #[test]
    fn every_documented_code_has_its_class() {
        assert!(matches!(
            classify(45009, "api freq out of limit"),
            Outcome::Retry { after: Some(_), .. }
        ));
        assert!(matches!(
            classify(81013, "user & party & tag all invalid"),
            Outcome::Permanent { bad_address: true, .. }
        ));
        assert!(matches!(
            classify(40058, "invalid content"),
            Outcome::Permanent { bad_address: false, .. }
        ));
        match classify(60020, "not allow to access from your ip") {
            Outcome::ChannelDown { reason, .. } => assert!(reason.contains("企业可信IP"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(40001, "invalid credential"),
            Outcome::ChannelDown { .. }
        ));
        assert!(matches!(classify(123456, "new"), Outcome::Retry { reason, .. } if reason.contains("new")));
    }
}
