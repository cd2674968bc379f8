//! Feishu app messages (飞书应用消息): each person, by their Feishu id, through the
//! organisation's self-built app (its bot).
//!
//! Facts it relies on (PROVIDERS.md §3b and the token table): a token from `POST
//! /open-apis/auth/v3/tenant_access_token/internal` with `{app_id, app_secret}` (at most 2 h;
//! 99991663 means it is no longer valid: fetch another); `POST
//! /open-apis/im/v1/messages?receive_id_type=open_id|user_id|email` with `Authorization:
//! Bearer`, one person per call, `content` a JSON *string*; Markdown renders only in a card's
//! `markdown` element, so notices go as `interactive` cards, at most 30 KB; 1,000 calls a
//! minute and 50 a second per app. The person must be in the app's 可用范围. Errors come with
//! a `code` in the JSON, with HTTP 200 or 4xx; a limited call gets HTTP 429 (or 400, on older
//! APIs) with 99991400 and `x-ogw-ratelimit-reset` (Feishu's rate-limit page). People's
//! open_ids are found by mobile with `POST /open-apis/contact/v3/users/batch_get_id
//! ?user_id_type=open_id` (`{mobiles}`, at most 50; a mainland number as its 11 digits, others
//! with `+` and the country code; `user_id` absent for a mobile nobody has), which needs the
//! app's permission to get user IDs by mobile or e-mail.
//!
//! After sending (Feishu's 撤回消息 and 查询消息已读信息, open.feishu.cn
//! …/reference/im-v1/message/delete and …/message/read_users): `DELETE
//! /open-apis/im/v1/messages/{message_id}` recalls the bot's own message within the recall
//! window the tenant's admin sets, 24 hours by default (230009 past it, 230026 not the bot's
//! message); `GET /open-apis/im/v1/messages/{message_id}/read_users?user_id_type=` lists who
//! read it (`data.items[{user_id, timestamp}]`, paged by `has_more`/`page_token`), for
//! messages sent in the last 7 days (230033 past that, 230012 not the bot's message). Each
//! message here goes to one person, so any reader listed is that person.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt};
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::feishu_bot::ratelimit_reset;
use crate::channels::after_send::millis_to_rfc3339;
use crate::channels::markdown::to_dialect;
use crate::channels::schema::{timeout_field, Field, FieldError, FieldType, Text, Values};
use crate::channels::token::{TokenCache, Tried};
use crate::channels::{
    lookup_mobile, About, AfterSend, AfterSendTerms, Dialect, Format, IdFinder, Kind, Platform, ReadReceipt,
    Recipients, Refusal,
};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, Redactor, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes of a card message's request body Feishu takes (30 KB).
pub const MAX_BYTES: usize = 30_000;
/// Calls in flight at once (each is one person).
const CONCURRENCY: usize = 10;
/// People per provider call: sent concurrently, one request each.
const MAX_BATCH: usize = 50;
/// How long to wait after a frequency limit when Feishu says nothing more.
const THROTTLE: Duration = Duration::from_secs(60);
/// Bytes of a reply read: Feishu's are a few hundred.
const REPLY_BYTES: usize = 64 * 1024;
/// The token path and the send path.
const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const SEND_PATH: &str = "/open-apis/im/v1/messages";
/// Finding people's ids by mobile, and how many mobiles one call takes.
const LOOKUP_PATH: &str = "/open-apis/contact/v3/users/batch_get_id";
const LOOKUP_BATCH: usize = 50;
/// How long after sending Feishu lets the bot recall a message (the tenant's default).
pub const RECALL_WITHIN: Duration = Duration::from_secs(24 * 3600);
/// How long after sending Feishu says who has read a message.
pub const READS_WITHIN: Duration = Duration::from_secs(7 * 24 * 3600);
/// Pages of readers read at most (a message to one person has one page).
const MAX_READ_PAGES: usize = 50;

pub struct FeishuApp;

const FIELDS: &[Field] = &[
    Field::new(
        "app-id",
        FieldType::Text,
        Text {
            zh: "App ID",
            en: "App ID",
        },
        Text {
            zh: "飞书开发者后台 → 企业自建应用 → 凭证与基础信息 → App ID（cli_ 开头）。",
            en: "Feishu developer console → your custom app → Credentials & Basic Info → App ID (starts with cli_).",
        },
    )
    .checked(is_app_id),
    Field::new(
        "app-secret",
        FieldType::Secret,
        Text {
            zh: "App Secret",
            en: "App Secret",
        },
        Text {
            zh: "同一页面的 App Secret。应用需开启机器人能力和“以应用的身份发消息”权限。",
            en: "The App Secret on the same page. The app needs the bot feature and the permission to send messages as the app.",
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
            zh: "一般不用改；Lark 国际版填 https://open.larksuite.com，经代理时填其地址。",
            en: "Leave as it is; for Lark use https://open.larksuite.com, or a relay's address.",
        },
    )
    .default_value("https://open.feishu.cn"),
    timeout_field(Text {
            zh: "等待飞书答复的最长时间。",
            en: "How long to wait for Feishu's reply.",
        }),
];

fn is_app_id(id: &str) -> Result<(), Text> {
    if id.trim().starts_with("cli_") && !id.trim().contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(Text {
            zh: "不是飞书应用的 App ID（cli_ 开头）：请从开发者后台的“凭证与基础信息”复制",
            en: "is not a Feishu App ID (it starts with cli_): copy it from Credentials & Basic Info in the developer console",
        })
    }
}

const ABOUT: About = About {
    id: "feishu_app",
    label: Text {
        zh: "飞书应用消息",
        en: "Feishu app message",
    },
    description: Text {
        zh: "通过单位的飞书自建应用，把通知以消息卡片发给每个人（按联系人的飞书 open_id、user_id 或邮箱）。",
        en: "Sends each person the notice as a card through your organisation's Feishu app (by their Feishu open_id, user_id or e-mail).",
    },
    platform: Platform::Feishu,
    fields: FIELDS,
    recipients: Recipients::Person("feishu"),
    format: Format::Markdown {
        dialect: Dialect::Feishu,
        max_bytes: MAX_BYTES,
    },
    limits: Limits {
        max_batch: MAX_BATCH,
        per_second: Some(50),
        per_minute: Some(1_000),
        concurrency: CONCURRENCY,
    },
};

impl Kind for FeishuApp {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        Ok(Arc::new(provider(channel_name, values)?))
    }

    fn id_finder(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn IdFinder>, FieldError>> {
        Some(provider(channel_name, values).map(|a| Arc::new(a) as Arc<dyn IdFinder>))
    }

    fn after_send_terms(&self) -> AfterSendTerms {
        AfterSendTerms {
            recall_within: Some(RECALL_WITHIN),
            reports_reads: true,
            reads_within: Some(READS_WITHIN),
        }
    }

    fn after_send(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn AfterSend>, FieldError>> {
        Some(provider(channel_name, values).map(|a| Arc::new(a) as Arc<dyn AfterSend>))
    }
}

/// The provider of a channel with these (validated) settings.
fn provider(channel_name: &str, values: &Values) -> Result<App, FieldError> {
    let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
    let base = crate::channels::api_base(values, "https://open.feishu.cn")?;
    let app_secret = values
        .get("app-secret")
        .ok_or_else(|| invalid("app-secret", "缺少 App Secret", "the App Secret is missing"))?
        .to_owned();
    let timeout = values.timeout();
    let client = crate::channels::http_client(timeout, "api-base")?;
    Ok(App {
        channel: channel_name.to_owned(),
        base,
        app_id: values.get("app-id").unwrap_or_default().trim().to_owned(),
        redact: Redactor::new([app_secret.clone()]),
        app_secret,
        timeout,
        client,
        token: TokenCache::default(),
    })
}

/// The `receive_id_type` of a contact's Feishu id: an address with `@` is an e-mail, `ou_…`
/// an open_id, anything else a user_id.
pub fn receive_id_type(id: &str) -> &'static str {
    if id.contains('@') {
        "email"
    } else if id.starts_with("ou_") {
        "open_id"
    } else {
        "user_id"
    }
}

/// The card as the JSON *string* im/v1 takes in `content`: the subject (or the body's first
/// line) as the header's title, the body as one `markdown` element.
pub fn card_content(m: &Outgoing) -> String {
    let subject = m.subject.trim();
    let title = if subject.is_empty() {
        m.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("通知")
    } else {
        subject
    };
    let title: String = title.trim_start_matches(['#', ' ']).chars().take(100).collect();
    serde_json::json!({
        "config": {"wide_screen_mode": true},
        "header": {"title": {"tag": "plain_text", "content": title}},
        "elements": [{"tag": "markdown", "content": to_dialect(&m.body, Dialect::Feishu)}],
    })
    .to_string()
}

/// The request body of one person's message.
pub fn message_body(m: &Outgoing) -> String {
    serde_json::json!({
        "receive_id": m.address.trim(),
        "msg_type": "interactive",
        "content": card_content(m),
    })
    .to_string()
}

/// The request body, or the refusal of a card over Feishu's limit.
fn checked_body(m: &Outgoing) -> Result<String, Outcome> {
    let body = message_body(m);
    if body.len() > MAX_BYTES {
        return Err(Outcome::Permanent {
            reason: format!(
                "the card is {} bytes; a Feishu app message takes at most {MAX_BYTES} (30 KB): shorten it",
                body.len()
            ),
            code: Some("too_long".into()),
            bad_address: false,
        });
    }
    Ok(body)
}

/// A token reply: `{code, msg, tenant_access_token, expire}`.
#[derive(Deserialize)]
struct TokenReply {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    tenant_access_token: String,
    #[serde(default)]
    expire: u64,
}

/// A send reply: `{code, msg, data: {message_id}}`.
#[derive(Deserialize)]
struct SendReply {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<SendData>,
}

#[derive(Deserialize)]
struct SendData {
    #[serde(default)]
    message_id: String,
}

/// A lookup's reply: `{code, msg, data: {user_list: [{user_id, mobile}]}}`, `user_id` absent for
/// a mobile nobody has.
#[derive(Deserialize)]
struct LookupReply {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<LookupData>,
}

#[derive(Deserialize)]
struct LookupData {
    #[serde(default)]
    user_list: Vec<FoundUser>,
}

#[derive(Deserialize)]
struct FoundUser {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
}

/// The code that means "this token is no longer good: fetch another".
const TOKEN_INVALID: i64 = 99991663;

/// Codes that mean Feishu is limiting calls.
fn limited(code: i64) -> bool {
    matches!(code, 99991400 | 11232 | 230020)
}

/// What a refused token call means: a limit is waited out, anything else is the app's
/// settings (a wrong App ID or App Secret, an app not enabled).
pub fn classify_token(code_value: i64, msg: &str, wait: Option<Duration>) -> Outcome {
    let code = Some(format!("feishu:{code_value}"));
    let said = format!("Feishu said {code_value} {msg}");
    if limited(code_value) {
        return Outcome::Retry {
            after: Some(wait.unwrap_or(THROTTLE)),
            reason: format!("{said}: Feishu is limiting the app's calls; Herald tries again later"),
            code,
        };
    }
    if code_value == 99991403 {
        return classify(code_value, msg, "", wait);
    }
    Outcome::ChannelDown {
        reason: format!(
            "{said}: Feishu gave no access token: check the App ID and the App Secret (developer console → the app → Credentials & Basic Info) and that the app is enabled"
        ),
        code,
    }
}

/// What a Feishu reply's `code` means for one person's message, sent to `receive_id`.
pub fn classify(code_value: i64, msg: &str, receive_id: &str, wait: Option<Duration>) -> Outcome {
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
    let address = |hint: &str| Outcome::Permanent {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
        bad_address: true,
    };
    let lower = msg.to_lowercase();
    match code_value {
        0 => Outcome::Sent { provider_id: None },
        c if limited(c) => Outcome::Retry {
            after: Some(wait.unwrap_or(THROTTLE)),
            reason: format!("{said}: Feishu is limiting the app's messages; Herald tries again later"),
            code,
        },
        TOKEN_INVALID => Outcome::Retry {
            after: None,
            reason: format!("{said}: the access token was refused twice in a row"),
            code,
        },
        230002 => address(&format!("the app's bot cannot reach {receive_id} (it is not in the chat)")),
        230013 => address(&format!(
            "{receive_id} is outside the app's availability (可用范围), or the app may not message them: add them under the app's 可用范围"
        )),
        99992351 | 99992361 | 99992360 | 99992364 => {
            address(&format!("Feishu does not know the id {receive_id} for this app"))
        }
        230001 if ["receive_id", "open_id", "user_id", "union_id", "email"]
            .iter()
            .any(|w| lower.contains(w)) =>
        {
            address(&format!("Feishu refused the id {receive_id}"))
        }
        230025 => message(&format!("the message is over Feishu's limit ({MAX_BYTES} bytes); shorten it")),
        230028 => message("Feishu's data-loss prevention refused the content (a phone number, say)"),
        230001 | 10003 => message("Feishu refused the message as sent"),
        99991403 => down("the Feishu tenant's monthly API quota is used up: it can send again next month, or after the plan is raised"),
        99991401 => down("Feishu refused the call from this computer: check the app's IP allowlist (IP 白名单) and the App ID"),
        99991672 => down("the app lacks a permission: enable sending messages as the app (im:message:send_as_bot) and publish a version"),
        _ => Outcome::Retry {
            after: None,
            reason: said,
            code,
        },
    }
}

struct App {
    channel: String,
    base: Url,
    app_id: String,
    app_secret: String,
    timeout: Duration,
    client: reqwest::Client,
    token: TokenCache,
    redact: Redactor,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeishuApp({})", self.channel)
    }
}

/// A reply read: its JSON with the wait a limit asked for, or the outcome the message gets.
struct Read<T> {
    reply: T,
    wait: Option<Duration>,
    /// Feishu's own server failed (HTTP 5xx), whatever code it put in the body.
    server_error: bool,
}

impl App {
    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url
    }

    /// A reply's JSON (Feishu puts its `code` in the body whatever the HTTP status), or the
    /// outcome the message gets when there is none.
    async fn reply<T: for<'de> Deserialize<'de>>(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        redact: &Redactor,
    ) -> Result<Read<T>, Outcome> {
        let reply = sent.map_err(|e| http::transport_failure(&e, "Feishu", self.timeout, redact))?;
        let status = reply.status();
        let headers: HeaderMap = reply.headers().clone();
        let body = read_prefix(reply, REPLY_BYTES).await;
        let wait = ratelimit_reset(&headers);
        if let Ok(parsed) = serde_json::from_slice::<T>(&body) {
            return Ok(Read {
                reply: parsed,
                wait,
                server_error: status.is_server_error(),
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Outcome::Retry {
                after: Some(wait.unwrap_or(THROTTLE)),
                reason: redact.status_reason(status, &String::from_utf8_lossy(&body)),
                code: Some("429".into()),
            });
        }
        if !status.is_success() {
            return Err(Outcome::Retry {
                after: wait,
                reason: redact.status_reason(status, &String::from_utf8_lossy(&body)),
                code: Some(status.as_u16().to_string()),
            });
        }
        Err(http::not_json(&body, "Feishu", redact))
    }

    async fn fetch_token(&self) -> Result<(String, Duration), Outcome> {
        let body = serde_json::json!({"app_id": self.app_id, "app_secret": self.app_secret}).to_string();
        let sent = self
            .client
            .post(self.url(TOKEN_PATH))
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await;
        let Read {
            reply: r,
            wait,
            server_error,
        } = self.reply::<TokenReply>(sent, &self.redact).await?;
        if r.code != 0 || r.tenant_access_token.is_empty() {
            let mut redact = self.redact.clone();
            redact.add(r.tenant_access_token.clone());
            let msg = redact.one_line(&r.msg, REASON_CHARS);
            if server_error {
                // Feishu's own failure says nothing of the settings: tried again.
                return Err(Outcome::Retry {
                    after: wait,
                    reason: format!("Feishu said {} {msg} (a server error) when asked for a token", r.code),
                    code: Some(format!("feishu:{}", r.code)),
                });
            }
            return Err(classify_token(r.code, &msg, wait));
        }
        Ok((r.tenant_access_token, Duration::from_secs(r.expire.max(60))))
    }

    /// One person's message; the token is fetched again and the call made once more if
    /// Feishu refuses the token.
    async fn send_one(&self, m: &Outgoing) -> Outcome {
        let body = match checked_body(m) {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let receive_id = m.address.trim();
        let mut url = self.url(SEND_PATH);
        url.query_pairs_mut()
            .append_pair("receive_id_type", receive_id_type(receive_id));
        let sent = self
            .token
            .call(
                || self.fetch_token(),
                |token| self.post_message(&url, &body, receive_id, token),
            )
            .await;
        match sent {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }

    /// One message sent with `token`: sent, or what Feishu's refusal means.
    async fn post_message(&self, url: &Url, body: &str, receive_id: &str, token: String) -> Tried<Outcome, Outcome> {
        let mut redact = self.redact.clone();
        redact.add(token.clone());
        let sent = self
            .client
            .post(url.clone())
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body.to_owned())
            .send()
            .await;
        let Read { reply: r, wait, .. } = match self.reply::<SendReply>(sent, &redact).await {
            Ok(r) => r,
            Err(outcome) => return Tried::Done(Err(outcome)),
        };
        if r.code == 0 {
            let id = r.data.map(|d| d.message_id).filter(|id| !id.is_empty());
            return Tried::Done(Ok(Outcome::Sent { provider_id: id }));
        }
        let refused = classify(r.code, &redact.one_line(&r.msg, REASON_CHARS), receive_id, wait);
        if r.code == TOKEN_INVALID {
            Tried::TokenRefused(refused)
        } else {
            Tried::Done(Err(refused))
        }
    }

    /// The open_ids of whoever has each of `mobiles` (at most [`LOOKUP_BATCH`], as
    /// [`lookup_mobile`] writes them), in order; `None` where Feishu has nobody.
    async fn lookup(&self, mobiles: &[&str]) -> Result<Vec<Option<String>>, Outcome> {
        let body = serde_json::json!({"mobiles": mobiles, "include_resigned": false}).to_string();
        let users = self
            .token
            .call(|| self.fetch_token(), |token| self.post_lookup(&body, token))
            .await?;
        let found: HashMap<String, String> = users
            .into_iter()
            .filter_map(|u| Some((mobile_digits(&u.mobile?), u.user_id.filter(|id| !id.is_empty())?)))
            .collect();
        Ok(mobiles.iter().map(|m| found.get(&mobile_digits(m)).cloned()).collect())
    }

    /// One `batch_get_id` call with `token`.
    async fn post_lookup(&self, body: &str, token: String) -> Tried<Vec<FoundUser>, Outcome> {
        let mut url = self.url(LOOKUP_PATH);
        url.query_pairs_mut().append_pair("user_id_type", "open_id");
        let mut redact = self.redact.clone();
        redact.add(token.clone());
        let sent = self
            .client
            .post(url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body.to_owned())
            .send()
            .await;
        let Read { reply: r, wait, .. } = match self.reply::<LookupReply>(sent, &redact).await {
            Ok(r) => r,
            Err(outcome) => return Tried::Done(Err(outcome)),
        };
        let msg = redact.one_line(&r.msg, REASON_CHARS);
        match r.code {
            0 => Tried::Done(Ok(r.data.map(|d| d.user_list).unwrap_or_default())),
            TOKEN_INVALID => Tried::TokenRefused(classify(r.code, &msg, "", wait)),
            99991672 => Tried::Done(Err(Outcome::ChannelDown {
                reason: format!(
                    "Feishu said {} {msg}: the app may not look people up by mobile: enable the permission to get user IDs by mobile or e-mail (contact:user.id:readonly, 通过手机号或邮箱获取用户 ID) and publish a version",
                    r.code
                ),
                code: Some(format!("feishu:{}", r.code)),
            })),
            code => Tried::Done(Err(classify(code, &msg, "", wait))),
        }
    }
}

/// A mobile's digits, without a mainland +86: how Feishu's answer is matched to what was asked,
/// whichever way it writes the number back.
fn mobile_digits(mobile: &str) -> String {
    let digits: String = mobile.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("86") {
        Some(national) if national.len() == 11 && national.starts_with('1') => national.to_owned(),
        _ => digits,
    }
}

#[async_trait]
impl IdFinder for App {
    async fn find_by_mobile(&self, mobile: &str) -> Result<Option<String>, String> {
        let mut answers = self.find_by_mobiles(&[mobile.to_owned()]).await;
        answers.pop().unwrap_or(Ok(None))
    }

    /// Up to [`LOOKUP_BATCH`] mobiles per call.
    async fn find_by_mobiles(&self, mobiles: &[String]) -> Vec<Result<Option<String>, String>> {
        let mut answers = Vec::with_capacity(mobiles.len());
        for chunk in mobiles.chunks(LOOKUP_BATCH) {
            let asked: Vec<&str> = chunk.iter().map(|m| lookup_mobile(m)).collect();
            match self.lookup(&asked).await {
                Ok(ids) => answers.extend(ids.into_iter().map(Ok)),
                Err(outcome) => {
                    let reason = outcome.reason().unwrap_or_default().to_owned();
                    answers.extend(chunk.iter().map(|_| Err(reason.clone())));
                }
            }
        }
        answers
    }
}

/// A reply with no data Herald reads: recall's `{code, msg}`.
#[derive(Deserialize)]
struct PlainReply {
    code: i64,
    #[serde(default)]
    msg: String,
}

/// read_users' reply: `{code, msg, data: {items: [{user_id, timestamp}], has_more, page_token}}`.
#[derive(Deserialize)]
struct ReadersReply {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<ReadersData>,
}

#[derive(Deserialize, Default)]
struct ReadersData {
    #[serde(default)]
    items: Vec<Reader>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    page_token: String,
}

#[derive(Deserialize)]
struct Reader {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    timestamp: String,
}

/// What a refused recall or read check means: final where the message itself is the reason
/// (past the window, not the bot's own, a type that cannot be recalled), else worth another try.
pub fn after_send_refusal(code_value: i64, msg: &str, wait: Option<Duration>) -> Refusal {
    let code = Some(format!("feishu:{code_value}"));
    let said = format!("Feishu said {code_value} {msg}");
    let last = |hint: &str| Refusal::Final {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
    };
    let again = |hint: &str| Refusal::Failed {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
    };
    match code_value {
        230009 => last("the message is past the recall time your Feishu tenant allows (24 hours unless an admin changed it)"),
        230026 | 230012 => last("the message was not sent by this app's bot"),
        230054 => last("Feishu cannot do this for this type of message"),
        230033 => last("Feishu tells who has read a message only in the 7 days after it was sent"),
        230027 | 99991672 => again(
            "the app lacks a permission: enable im:message (or im:message:recall to recall, im:message:readonly to see reads) and publish a version",
        ),
        230006 => again("the app's bot is not enabled: turn on the bot feature and publish a version"),
        230002 | 230013 => again("the person is no longer in the app's availability (可用范围), so the bot cannot reach the chat"),
        c if limited(c) => again(&format!(
            "Feishu is limiting the app's calls: try again in {} seconds",
            wait.unwrap_or(THROTTLE).as_secs()
        )),
        _ => again("try again later"),
    }
}

impl App {
    /// A Feishu call after sending (`DELETE`/`GET` on one message), with the token fetched
    /// again once if Feishu refuses it; the reply's JSON, or why there is none.
    async fn message_call<T: for<'de> Deserialize<'de>>(
        &self,
        method: reqwest::Method,
        url: Url,
        code_of: impl Fn(&T) -> i64,
        msg_of: impl Fn(&T) -> String,
    ) -> Result<T, Refusal> {
        for attempt in 0..2 {
            let token = self
                .token
                .get(|| self.fetch_token())
                .await
                .map_err(Refusal::from_outcome)?;
            let mut redact = self.redact.clone();
            redact.add(token.clone());
            let sent = self
                .client
                .request(method.clone(), url.clone())
                .bearer_auth(&token)
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .send()
                .await;
            let Read { reply, wait, .. } = self.reply::<T>(sent, &redact).await.map_err(Refusal::from_outcome)?;
            match code_of(&reply) {
                0 => return Ok(reply),
                TOKEN_INVALID if attempt == 0 => self.token.refused(&token).await,
                code => {
                    return Err(after_send_refusal(
                        code,
                        &redact.one_line(&msg_of(&reply), REASON_CHARS),
                        wait,
                    ))
                }
            }
        }
        Err(Refusal::Failed {
            reason: "Feishu refused the access token twice in a row".into(),
            code: Some(format!("feishu:{TOKEN_INVALID}")),
        })
    }

    /// The URL of one message, `/open-apis/im/v1/messages/{id}` and then `more`.
    fn message_url(&self, message_id: &str, more: &[&str]) -> Url {
        let mut url = self.url(SEND_PATH);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(message_id.trim());
            segments.extend(more);
        }
        url
    }
}

#[async_trait]
impl AfterSend for App {
    async fn recall(&self, provider_id: &str) -> Result<(), Refusal> {
        let url = self.message_url(provider_id, &[]);
        self.message_call::<PlainReply>(reqwest::Method::DELETE, url, |r| r.code, |r| r.msg.clone())
            .await
            .map(|_| ())
    }

    /// Each message went to one person: any reader Feishu lists is that person (asked by the
    /// id type of their address, so the ids match too where there are several).
    async fn read_by(&self, provider_id: &str, addresses: &[String]) -> Result<Vec<ReadReceipt>, Refusal> {
        let id_type = match addresses.first().map(|a| receive_id_type(a.trim())) {
            Some("user_id") => "user_id",
            _ => "open_id",
        };
        let mut readers = Vec::new();
        let mut page_token = String::new();
        for _ in 0..MAX_READ_PAGES {
            let mut url = self.message_url(provider_id, &["read_users"]);
            url.query_pairs_mut()
                .append_pair("user_id_type", id_type)
                .append_pair("page_size", "100");
            if !page_token.is_empty() {
                url.query_pairs_mut().append_pair("page_token", &page_token);
            }
            let r: ReadersReply = self
                .message_call(reqwest::Method::GET, url, |r: &ReadersReply| r.code, |r| r.msg.clone())
                .await?;
            let data = r.data.unwrap_or_default();
            readers.extend(data.items);
            if !data.has_more || data.page_token.is_empty() {
                break;
            }
            page_token = data.page_token;
        }
        if let [only] = addresses {
            return Ok(readers
                .first()
                .map(|r| ReadReceipt {
                    address: only.clone(),
                    at: millis_to_rfc3339(&r.timestamp),
                })
                .into_iter()
                .collect());
        }
        Ok(addresses
            .iter()
            .filter_map(|a| {
                readers.iter().find(|r| r.user_id == a.trim()).map(|r| ReadReceipt {
                    address: a.clone(),
                    at: millis_to_rfc3339(&r.timestamp),
                })
            })
            .collect())
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

    /// One call per person (im/v1 has no multi-recipient send), up to ten at once; outcomes
    /// in input order.
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        let body = checked_body(m).map_err(refusal)?;
        // The card travels as a JSON string inside the body: its title and Markdown are read from it.
        let mut parts = json_preview(
            card_content(m).as_bytes(),
            &[
                (WireKind::Subject, "/header/title/content"),
                (WireKind::Markdown, "/elements/0/content"),
            ],
        );
        parts.pop();
        parts.push(WirePart::new(WireKind::Json, body));
        Ok(parts)
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        // The futures are made first and only start when polled (see webhook.rs).
        let requests: Vec<_> = batch.iter().map(|m| self.send_one(m)).collect();
        stream::iter(requests).buffered(CONCURRENCY).collect().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(address: &str, subject: &str, body: &str) -> Outgoing {
        Outgoing {
            delivery_id: 1,
            address: address.into(),
            recipient_name: "张三".into(),
            subject: subject.into(),
            body: body.into(),
            attachments: Arc::from(Vec::new()),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    #[test]
    fn the_id_shape_chooses_the_receive_id_type() {
        assert_eq!(receive_id_type("ou_7d8a6e6df7621556ce0d21922b676706"), "open_id");
        assert_eq!(receive_id_type("zhangsan@example.edu.cn"), "email");
        assert_eq!(receive_id_type("3e3cf96b"), "user_id");
    }

    #[test]
    fn content_is_a_json_string_holding_a_card() {
        let body: serde_json::Value =
            serde_json::from_str(&message_body(&outgoing(" ou_1 ", "体检通知", "请于**周三**体检"))).unwrap();
        assert_eq!(body["receive_id"], "ou_1");
        assert_eq!(body["msg_type"], "interactive");
        let content = body["content"].as_str().expect("content is a string");
        let card: serde_json::Value = serde_json::from_str(content).unwrap();
        assert_eq!(card["header"]["title"]["content"], "体检通知");
        assert_eq!(card["elements"][0]["tag"], "markdown");
        assert_eq!(card["elements"][0]["content"], "请于**周三**体检");
        let untitled: serde_json::Value =
            serde_json::from_str(&card_content(&outgoing("ou_1", " ", "\n## 第一行\n其余"))).unwrap();
        assert_eq!(untitled["header"]["title"]["content"], "第一行");
    }

    #[test]
    fn every_documented_code_has_its_class() {
        assert!(matches!(
            classify(11232, "frequency limited", "ou_1", None),
            Outcome::Retry { after: Some(_), .. }
        ));
        assert!(matches!(
            classify(99991400, "request trigger frequency limit", "ou_1", Some(Duration::from_secs(7))),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(7)
        ));
        for bad in [230002, 230013, 99992351, 99992361] {
            match classify(bad, "no", "ou_x", None) {
                Outcome::Permanent {
                    bad_address: true,
                    reason,
                    ..
                } => assert!(reason.contains("ou_x"), "{reason}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(
            classify(230001, "invalid receive_id", "ou_x", None),
            Outcome::Permanent { bad_address: true, .. }
        ));
        assert!(matches!(
            classify(230001, "param is invalid", "ou_x", None),
            Outcome::Permanent { bad_address: false, .. }
        ));
        assert!(matches!(
            classify(230028, "dlp", "ou_x", None),
            Outcome::Permanent { bad_address: false, .. }
        ));
        match classify(99991403, "quota", "ou_x", None) {
            Outcome::ChannelDown { reason, .. } => assert!(reason.contains("quota"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match classify_token(10014, "app secret invalid", None) {
            Outcome::ChannelDown { reason, .. } => assert!(reason.contains("App Secret"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify_token(99991400, "limit", None),
            Outcome::Retry { after: Some(_), .. }
        ));
        assert!(
            matches!(classify(123456, "new", "ou_x", None), Outcome::Retry { reason, .. } if reason.contains("new"))
        );
    }

    #[test]
    fn a_refusal_after_sending_is_final_only_where_the_message_is_the_reason() {
        match after_send_refusal(230009, "Message can only be recalled within one days.", None) {
            Refusal::Final { reason, code } => {
                assert!(reason.contains("24 hours"), "{reason}");
                assert_eq!(code.as_deref(), Some("feishu:230009"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            after_send_refusal(230033, "7 days", None),
            Refusal::Final { .. }
        ));
        assert!(matches!(after_send_refusal(230026, "no", None), Refusal::Final { .. }));
        assert!(
            matches!(after_send_refusal(230027, "perm", None), Refusal::Failed { reason, .. } if reason.contains("permission"))
        );
        assert!(
            matches!(after_send_refusal(99991400, "limit", Some(Duration::from_secs(9))), Refusal::Failed { reason, .. } if reason.contains("9 seconds"))
        );
    }

    #[test]
    fn an_app_id_is_checked_and_debug_names_only_the_channel() {
        assert!(is_app_id("cli_a1b2c3d4e5f6").is_ok());
        assert!(is_app_id("a1b2c3").is_err());
        let mut input = std::collections::BTreeMap::new();
        input.insert("app-id".to_owned(), "cli_a1b2c3".to_owned());
        input.insert("app-secret".to_owned(), "s3cr3t-value".to_owned());
        let split = crate::channels::schema::validate(FIELDS, &input).unwrap();
        let values = Values::join(FIELDS, &serde_json::Value::Object(split.public), &split.secret);
        let app = provider("飞书通知", &values).unwrap();
        assert_eq!(format!("{app:?}"), "FeishuApp(飞书通知)");
        assert_eq!(app.app_id, "cli_a1b2c3");
        assert_eq!(app.redact.scrub("x s3cr3t-value"), "x [redacted]");
    }
}
