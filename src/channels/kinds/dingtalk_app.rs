//! DingTalk work notifications (钉钉工作通知): each person, by their DingTalk userid, through
//! the organisation's internal app (企业内部应用).
//!
//! Facts it relies on (PROVIDERS.md §2b, the token table, pitfalls 2 and 7): a token from `GET
//! /gettoken?appkey&appsecret` (7,200 s; 88 with a token `sub_code`, 40014 or 42001 mean fetch
//! another); `POST /topapi/message/corpconversation/asyncsend_v2?access_token=` with
//! `agent_id`, `userid_list` "a,b,…" and `msg` (at most 2,048 bytes) answers with a `task_id`
//! *before* anything is delivered, and a message DingTalk's flow control drops still "succeeds".
//! So every send is followed by `getsendprogress` until the task is done, then
//! `getsendresult`, whose lists say who was not reached: `invalid_user_id_list` (unknown, or
//! outside the app's range), `forbidden_user_id_list` with `forbidden_list[{code}]` (143105 or
//! 143205: the app's daily cap for that person; 143106 or 143206: the same content already sent
//! to them today), `failed_user_id_list`; and who read it. `corpconversation/recall` takes a
//! sent task back. `topapi/v2/user/getbymobile` finds a userid by mobile (60121: nobody).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::dingtalk;
use crate::channels::schema::{timeout_field, Field, FieldError, FieldType, Text, Values};
use crate::channels::token::{TokenCache, Tried};
use crate::channels::{
    lookup_mobile, About, AfterSend, AfterSendTerms, Dialect, Format, IdFinder, Kind, Platform, ReadReceipt,
    Recipients, Refusal,
};
use crate::model::ChannelKind;
use crate::providers::http::{self, read_prefix, Redactor, REASON_CHARS};
use crate::providers::{json_preview, refusal, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};

/// The most bytes of a work notification's `msg` DingTalk takes.
pub const MAX_BYTES: usize = 2_048;
/// People per call. DingTalk's current documentation allows 5,000 userids per call (the 2019
/// version said 100); 1,000 keeps one call's request and its send result (five lists of
/// userids) modest, still takes a school's year group in one call, and is what the dispatcher
/// claims per batch.
pub const MAX_USERS: usize = 1_000;
/// How long a send waits for DingTalk to finish its task before recording what it knows: well
/// under the dispatcher's lease, and a task of a thousand people is done in seconds.
pub const PROGRESS_WAIT: Duration = Duration::from_secs(60);
/// The first look at a task's progress, and the longest gap between two (doubling between).
const FIRST_LOOK: Duration = Duration::from_millis(300);
const LONGEST_GAP: Duration = Duration::from_secs(8);
/// Calls (each followed by its progress checks) in flight at once for one batch: a notice that
/// names each person is one call per person.
const CALLS_AT_ONCE: usize = 4;
/// Bytes of a reply read: a send result lists up to five times a thousand userids.
const REPLY_BYTES: usize = 1024 * 1024;

const TOKEN_PATH: &str = "/gettoken";
const SEND_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS_PATH: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT_PATH: &str = "/topapi/message/corpconversation/getsendresult";
const RECALL_PATH: &str = "/topapi/message/corpconversation/recall";
/// How long after sending Herald offers to recall a work notification. DingTalk's recall page
/// names no window (not verified against the platform); Herald offers 24 hours, as WeCom and
/// Feishu allow, and a refusal inside it is shown with DingTalk's words.
const RECALL_WITHIN: Duration = Duration::from_secs(24 * 3600);
const BY_MOBILE_PATH: &str = "/topapi/v2/user/getbymobile";

pub struct DingtalkApp;

const FIELDS: &[Field] = &[
    Field::new(
        "app-key",
        FieldType::Text,
        Text {
            zh: "AppKey（Client ID）",
            en: "AppKey (Client ID)",
        },
        Text {
            zh: "钉钉开发者后台 → 应用开发 → 企业内部应用 → 打开应用 → 凭证与基础信息 → AppKey（Client ID，多以 ding 开头）。",
            en: "DingTalk developer console → App development → internal app → Credentials & basic info → AppKey (Client ID, usually starting with ding).",
        },
    )
    .checked(is_app_key),
    Field::new(
        "app-secret",
        FieldType::Secret,
        Text {
            zh: "AppSecret（Client Secret）",
            en: "AppSecret (Client Secret)",
        },
        Text {
            zh: "同一页面的 AppSecret。应用需有“企业内机器人发送消息/工作通知”权限，查找账号还需“根据手机号获取成员基本信息”权限。",
            en: "The AppSecret on the same page. The app needs the work-notification permission, and to find people by mobile the permission to read members by mobile.",
        },
    ),
    Field::new(
        "agent-id",
        FieldType::Number {
            min: 1,
            max: 999_999_999_999,
        },
        Text {
            zh: "AgentId",
            en: "AgentId",
        },
        Text {
            zh: "同一页面的 AgentId（一串数字）。",
            en: "The AgentId on the same page (a number).",
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
            zh: "一般不用改；经代理或专属钉钉部署时填写其地址。",
            en: "Leave as it is unless calls go through a relay or a dedicated DingTalk deployment.",
        },
    )
    .default_value("https://oapi.dingtalk.com"),
    timeout_field(Text {
        zh: "等待钉钉答复的最长时间。",
        en: "How long to wait for DingTalk's reply.",
    }),
];

/// An AppKey is one word; a number alone is the AgentId pasted in the wrong field.
fn is_app_key(key: &str) -> Result<(), Text> {
    let key = key.trim();
    if key.chars().any(char::is_whitespace) {
        Err(Text {
            zh: "AppKey 不含空格：请从“凭证与基础信息”复制",
            en: "an AppKey has no spaces: copy it from Credentials & basic info",
        })
    } else if key.bytes().all(|b| b.is_ascii_digit()) {
        Err(Text {
            zh: "这是 AgentId（纯数字）：AppKey 在同一页面，多以 ding 开头",
            en: "this is the AgentId (a number): the AppKey is on the same page and usually starts with ding",
        })
    } else {
        Ok(())
    }
}

const ABOUT: About = About {
    id: "dingtalk_app",
    label: Text {
        zh: "钉钉工作通知",
        en: "DingTalk work notification",
    },
    description: Text {
        zh: "通过单位的钉钉企业内部应用，以工作通知发给每个人（按联系人的钉钉 userid），并查询是否送达。",
        en: "Sends each person the notice as a work notification through your organisation's DingTalk internal app (by their DingTalk userid), then checks whom it reached.",
    },
    platform: Platform::Dingtalk,
    fields: FIELDS,
    recipients: Recipients::Person("dingtalk"),
    format: Format::Markdown {
        dialect: Dialect::Dingtalk,
        max_bytes: MAX_BYTES,
    },
    limits: Limits {
        max_batch: MAX_USERS,
        // DingTalk's limits are per person (500 a day, one copy of a content a day), which
        // only the send result reports; no per-call rate is documented.
        per_second: None,
        per_minute: None,
        // Two calls of a thousand in flight, so one waiting on its progress does not hold
        // the channel.
        concurrency: 2 * MAX_USERS,
    },
};

impl Kind for DingtalkApp {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError> {
        Ok(Arc::new(WorkNotice::new(channel_name, values)?))
    }

    fn id_finder(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn IdFinder>, FieldError>> {
        Some(WorkNotice::new(channel_name, values).map(|a| Arc::new(a) as Arc<dyn IdFinder>))
    }

    fn after_send_terms(&self) -> AfterSendTerms {
        AfterSendTerms {
            recall_within: Some(RECALL_WITHIN),
            reports_reads: true,
            reads_within: None,
        }
    }

    fn after_send(&self, channel_name: &str, values: &Values) -> Option<Result<Arc<dyn AfterSend>, FieldError>> {
        Some(WorkNotice::new(channel_name, values).map(|a| Arc::new(a) as Arc<dyn AfterSend>))
    }
}

/// Recall and reads work per task: the `task_id` every delivery of one `asyncsend_v2` call
/// keeps as its provider id.
#[async_trait]
impl AfterSend for WorkNotice {
    /// Takes the task's message back from everyone it reached.
    async fn recall(&self, provider_id: &str) -> Result<(), Refusal> {
        let body = serde_json::json!({"agent_id": self.agent_id, "msg_task_id": task_id(provider_id)?});
        let r: Reply<Nothing> = self.call(RECALL_PATH, &body).await.map_err(Refusal::from_outcome)?;
        r.ok().map(|_| ()).map_err(Refusal::from_outcome)
    }

    /// Of the task's people, those `getsendresult` lists as having read it (it gives no time).
    async fn read_by(&self, provider_id: &str, addresses: &[String]) -> Result<Vec<ReadReceipt>, Refusal> {
        let result = self
            .read_result(task_id(provider_id)?)
            .await
            .map_err(Refusal::from_outcome)?;
        let read: HashSet<&str> = result.read.iter().map(String::as_str).collect();
        Ok(addresses
            .iter()
            .filter(|a| read.contains(a.as_str()))
            .map(|a| ReadReceipt {
                address: a.clone(),
                at: None,
            })
            .collect())
    }
}

/// A delivery's provider id as the task id DingTalk gave it.
fn task_id(provider_id: &str) -> Result<i64, Refusal> {
    provider_id.trim().parse().map_err(|_| Refusal::Final {
        reason: format!("{provider_id} is not a DingTalk task id, so this message cannot be found again"),
        code: None,
    })
}

/// Every DingTalk reply: `errcode`, `errmsg`, for 88 a `sub_code` with the real cause, and the
/// call's own fields.
#[derive(Deserialize)]
struct Reply<T> {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default, deserialize_with = "text_or_number")]
    sub_code: Option<String>,
    #[serde(flatten)]
    body: T,
}

impl<T> Reply<T> {
    /// The code that says what happened: 88 only says "look at the sub_code".
    fn code(&self) -> i64 {
        match (self.errcode, self.sub_code.as_deref().map(str::parse::<i64>)) {
            (88, Some(Ok(sub))) => sub,
            (code, _) => code,
        }
    }

    /// The call's fields, or what its refusal means.
    fn ok(self) -> Result<T, Outcome> {
        match self.code() {
            0 => Ok(self.body),
            code => Err(classify(code, &self.errmsg)),
        }
    }
}

/// A code DingTalk sends as a string in some replies and as a number in others.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// [`text_or_number`] where the field is never absent in practice: empty if it is.
fn text_or_number_required<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text_or_number(d)?.unwrap_or_default())
}

/// A reply with nothing but its code (a recall's).
#[derive(Deserialize)]
struct Nothing {}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

#[derive(Deserialize)]
struct TaskBody {
    #[serde(default)]
    task_id: Option<i64>,
}

#[derive(Deserialize)]
struct ProgressBody {
    #[serde(default)]
    progress: Progress,
}

#[derive(Deserialize, Default)]
struct Progress {
    /// 0 not started, 1 under way, 2 done.
    #[serde(default)]
    status: i64,
}

#[derive(Deserialize)]
struct ResultBody {
    #[serde(default)]
    send_result: SendResult,
}

#[derive(Deserialize)]
struct ByMobileBody {
    #[serde(default)]
    result: Option<ByMobile>,
}

#[derive(Deserialize)]
struct ByMobile {
    #[serde(default)]
    userid: String,
}

/// What DingTalk did with one task (`getsendresult`), by userid: whom it could not reach and
/// why, and who read the message. Lists hold what DingTalk has processed so far.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SendResult {
    /// Userids DingTalk does not know, or outside the app's range (可使用范围).
    #[serde(default, rename = "invalid_user_id_list")]
    pub invalid: Vec<String>,
    /// Held back by DingTalk's flow control (a daily cap, the same content twice a day):
    /// "sent" but never delivered. Why, per person, is in `forbidden_reasons`.
    #[serde(default, rename = "forbidden_user_id_list")]
    pub forbidden: Vec<String>,
    #[serde(default, rename = "forbidden_list")]
    pub forbidden_reasons: Vec<Forbidden>,
    /// Not delivered for DingTalk's own reasons: worth another try.
    #[serde(default, rename = "failed_user_id_list")]
    pub failed: Vec<String>,
    #[serde(default, rename = "read_user_id_list")]
    pub read: Vec<String>,
    #[serde(default, rename = "unread_user_id_list")]
    pub unread: Vec<String>,
}

/// Why DingTalk held a message back from one person.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Forbidden {
    #[serde(default)]
    pub userid: String,
    /// 143105/143205: the daily cap; 143106/143206: the same content already sent today.
    #[serde(default, deserialize_with = "text_or_number_required")]
    pub code: String,
    /// The cap that was reached.
    #[serde(default)]
    pub count: Option<i64>,
}

/// Codes that mean "this token is no longer good: fetch another" (88's sub_code included).
fn token_refused(code: i64) -> bool {
    matches!(code, 40014 | 42001 | 40001)
}

/// What a refused call means, for the codes whose advice is the work notification's own; the
/// rest mean what they mean for every DingTalk API ([`dingtalk::classify`]).
pub fn classify(errcode: i64, errmsg: &str) -> Outcome {
    let (said, code) = dingtalk::said(errcode, errmsg);
    let down = |hint: &str| Outcome::ChannelDown {
        reason: format!("{said}: {hint}"),
        code: code.clone(),
    };
    match errcode {
        40014 | 42001 => Outcome::Retry {
            after: None,
            reason: format!("{said}: the access token was refused twice in a row"),
            code,
        },
        40001 | 40089 | 40013 | 52010 | 33001 | 300001 => down(CREDENTIALS),
        40056 | 41011 | 52019 | 70003 | 70004 => down(
            "DingTalk does not know this AgentId for the app: copy the AgentId from the developer console (开发者后台 → the app → 凭证与基础信息)",
        ),
        60020 => down(IP),
        310000 if errmsg.to_ascii_lowercase().contains("ip") => down(IP),
        310000 => down("DingTalk's security settings refused the call: check the app's 服务器出口IP and its AppKey and AppSecret"),
        60011 => down(
            "the app lacks a permission this call needs: grant it under 开发者后台 → the app → 权限管理 (work notifications to send, reading members by mobile to find people), then publish the app",
        ),
        143105 | 143205 | 143106 | 143206 => Outcome::Permanent {
            reason: format!("{said}: {}", held_back(errcode, None)),
            code,
            bad_address: false,
        },
        460101 => Outcome::Permanent {
            reason: format!("{said}: the message is over {MAX_BYTES} bytes; shorten it"),
            code,
            bad_address: false,
        },
        _ => dingtalk::classify(errcode, errmsg),
    }
}

const CREDENTIALS: &str = "DingTalk refused the app's credentials: check the AppKey (Client ID) and AppSecret (Client Secret) under 开发者后台 → 应用开发 → the app → 凭证与基础信息";
const IP: &str = "this computer's IP address may not call the app: add it to the app's 服务器出口IP (开发者后台 → the app → 开发配置 → 安全设置), or send through a relay with a fixed IP";

/// Why DingTalk's flow control held a message back from a person, by its code.
fn held_back(code: i64, cap: Option<i64>) -> String {
    match code {
        143105 | 143205 => format!(
            "the app reached DingTalk's daily limit of {} work notifications to this person: not delivered; it can reach them again tomorrow",
            cap.unwrap_or(500)
        ),
        143106 | 143206 => "DingTalk delivers the same content to a person once a day and this person already got it today: not delivered; change the text to send it again".into(),
        _ => "DingTalk's flow control held the message back from this person (a daily limit, or the same content already sent today): not delivered".into(),
    }
}

/// The outcome of each of `users` once DingTalk took their task (`task_id`), from what it said
/// of them: unknown ids are bad addresses, those held back fail with the reason, failed ones
/// are tried again, and everyone else was sent (read or not, or not yet processed when the
/// result was read).
pub fn outcomes(users: &[&str], result: Option<&SendResult>, task_id: i64) -> Vec<Outcome> {
    let empty = SendResult::default();
    let result = result.unwrap_or(&empty);
    let set = |list: &[String]| -> HashSet<String> { list.iter().map(|u| u.trim().to_owned()).collect() };
    let (invalid, forbidden, failed) = (set(&result.invalid), set(&result.forbidden), set(&result.failed));
    let reasons: HashMap<&str, &Forbidden> = result.forbidden_reasons.iter().map(|f| (f.userid.trim(), f)).collect();
    users
        .iter()
        .map(|u| {
            let u = u.trim();
            if invalid.contains(u) {
                Outcome::Permanent {
                    reason: format!(
                        "DingTalk does not know the userid {u}, or they are outside the app's range (可使用范围)"
                    ),
                    code: Some("dingtalk:invalid_user".into()),
                    bad_address: true,
                }
            } else if forbidden.contains(u) || reasons.contains_key(u) {
                held(u, reasons.get(u).copied())
            } else if failed.contains(u) {
                Outcome::Retry {
                    after: None,
                    reason: format!("DingTalk could not deliver the work notification to {u} (task {task_id})"),
                    code: Some("dingtalk:failed_user".into()),
                }
            } else {
                Outcome::Sent {
                    provider_id: Some(task_id.to_string()),
                }
            }
        })
        .collect()
}

/// A person DingTalk held the message back from, with its code when the result gave one.
fn held(user: &str, why: Option<&Forbidden>) -> Outcome {
    let code: Option<i64> = why.and_then(|f| f.code.trim().parse().ok());
    Outcome::Permanent {
        reason: format!(
            "{user}: {}{}",
            held_back(code.unwrap_or(0), why.and_then(|f| f.count)),
            code.map(|c| format!(" (DingTalk code {c})")).unwrap_or_default()
        ),
        code: Some(code.map_or("dingtalk:forbidden_user".into(), |c| format!("dingtalk:{c}"))),
        bad_address: false,
    }
}

/// A notice as a work notification's `msg`: DingTalk Markdown.
pub fn message(m: &Outgoing) -> serde_json::Value {
    serde_json::json!({"msgtype": "markdown", "markdown": dingtalk::markdown(m)})
}

/// A channel's DingTalk app, built from its settings: sends work notifications, reads what
/// became of a task ([`WorkNotice::send_result`]), takes one back ([`WorkNotice::recall`]) and
/// finds people's userids by mobile.
pub struct WorkNotice {
    channel: String,
    base: Url,
    app_key: String,
    app_secret: String,
    agent_id: i64,
    timeout: Duration,
    client: reqwest::Client,
    token: TokenCache,
    redact: Redactor,
    /// [`PROGRESS_WAIT`], shorter in tests.
    progress_wait: Duration,
}

impl std::fmt::Debug for WorkNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DingtalkApp({})", self.channel)
    }
}

impl WorkNotice {
    /// The app of a channel with these (validated) settings.
    pub fn new(channel_name: &str, values: &Values) -> Result<WorkNotice, FieldError> {
        let invalid = |field: &str, zh, en| FieldError::new("setting_invalid", field, Text { zh, en });
        let base = crate::channels::api_base(values, "https://oapi.dingtalk.com")?;
        let app_secret = values
            .get("app-secret")
            .ok_or_else(|| invalid("app-secret", "缺少 AppSecret", "the AppSecret is missing"))?
            .to_owned();
        let timeout = values.timeout();
        Ok(WorkNotice {
            channel: channel_name.to_owned(),
            base,
            app_key: values.get("app-key").unwrap_or_default().trim().to_owned(),
            agent_id: values.number("agent-id").unwrap_or_default(),
            redact: Redactor::new([app_secret.clone()]),
            app_secret,
            timeout,
            client: crate::channels::http_client(timeout, "api-base")?,
            token: TokenCache::default(),
            progress_wait: PROGRESS_WAIT,
        })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url
    }

    /// A reply as JSON, or the outcome the call comes to when there is none.
    async fn read<T: DeserializeOwned>(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        redact: &Redactor,
    ) -> Result<Reply<T>, Outcome> {
        let reply = sent.map_err(|e| http::transport_failure(&e, "DingTalk", self.timeout, redact))?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let body = read_prefix(reply, REPLY_BYTES).await;
        if !status.is_success() {
            return Err(http::failed_status(
                status,
                &headers,
                &body,
                redact,
                "check the channel's API address (api-base)",
            ));
        }
        let mut reply: Reply<T> = http::json_reply(&body, "DingTalk", redact)?;
        reply.errmsg = redact.one_line(&reply.errmsg, REASON_CHARS);
        Ok(reply)
    }

    async fn fetch_token(&self) -> Result<(String, Duration), Outcome> {
        let mut url = self.url(TOKEN_PATH);
        url.query_pairs_mut()
            .append_pair("appkey", &self.app_key)
            .append_pair("appsecret", &self.app_secret);
        let mut redact = self.redact.clone();
        redact.add(url.as_str().to_owned());
        let r: Reply<TokenBody> = self.read(self.client.get(url).send().await, &redact).await?;
        let code = r.code();
        let body = r.ok()?;
        if body.access_token.is_empty() {
            return Err(classify(code, "no access_token in the reply"));
        }
        Ok((body.access_token, Duration::from_secs(body.expires_in.max(60))))
    }

    /// One call with `token`; a refused token is said so, for [`TokenCache::call`] to fetch
    /// another.
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
        match self.read::<T>(sent, &redact).await {
            Ok(r) if token_refused(r.code()) => Tried::TokenRefused(classify(r.code(), &r.errmsg)),
            done => Tried::Done(done),
        }
    }

    /// `body` to `path` with the channel's token (fetched again once if DingTalk refuses it):
    /// DingTalk's reply, whatever its `errcode`.
    async fn call<T: DeserializeOwned>(&self, path: &str, body: &serde_json::Value) -> Result<Reply<T>, Outcome> {
        let body = body.to_string();
        self.token
            .call(|| self.fetch_token(), |token| self.post::<T>(path, &body, token))
            .await
    }

    async fn progress_done(&self, task_id: i64) -> Result<bool, Outcome> {
        let body = serde_json::json!({"agent_id": self.agent_id, "task_id": task_id});
        let r: ProgressBody = self.call(PROGRESS_PATH, &body).await?.ok()?;
        Ok(r.progress.status == 2)
    }

    async fn read_result(&self, task_id: i64) -> Result<SendResult, Outcome> {
        let body = serde_json::json!({"agent_id": self.agent_id, "task_id": task_id});
        let r: ResultBody = self.call(RESULT_PATH, &body).await?.ok()?;
        Ok(r.send_result)
    }

    /// Waits (at most [`PROGRESS_WAIT`], looking less often as it goes) for DingTalk to finish
    /// task `task_id`, then reads its result. `None` when the result cannot be read: the task
    /// was accepted, so its people count as sent rather than being sent to again.
    async fn settle(&self, task_id: i64) -> Option<SendResult> {
        let deadline = tokio::time::Instant::now() + self.progress_wait;
        let mut gap = FIRST_LOOK;
        let done = loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::sleep(gap.min(left)).await;
            match self.progress_done(task_id).await {
                Ok(true) => break true,
                Ok(false) if left > gap => gap = (gap * 2).min(LONGEST_GAP),
                Ok(false) => break false,
                Err(o) => {
                    tracing::warn!(channel = %self.channel, task_id, "DingTalk's progress of a sent task could not be read: {}", reason_of(o));
                    break false;
                }
            }
        };
        if !done {
            tracing::warn!(
                channel = %self.channel,
                task_id,
                "DingTalk had not finished the task within {} s: its people are recorded as sent unless the result says otherwise",
                self.progress_wait.as_secs()
            );
        }
        match self.read_result(task_id).await {
            Ok(result) => Some(result),
            Err(o) => {
                tracing::warn!(channel = %self.channel, task_id, "DingTalk's result of a sent task could not be read: {}", reason_of(o));
                None
            }
        }
    }

    /// One call for `users`, who all get `msg`, and what DingTalk then says became of each.
    async fn send_to(&self, users: &[&str], msg: &serde_json::Value) -> Vec<Outcome> {
        let body = serde_json::json!({
            "agent_id": self.agent_id,
            "userid_list": users.join(","),
            "msg": msg,
        });
        let task = match self.call::<TaskBody>(SEND_PATH, &body).await.and_then(Reply::ok) {
            Ok(task) => task,
            Err(outcome) => return vec![outcome; users.len()],
        };
        let Some(task_id) = task.task_id else {
            tracing::warn!(channel = %self.channel, "DingTalk accepted a work notification without a task_id");
            return vec![Outcome::Sent { provider_id: None }; users.len()];
        };
        let result = self.settle(task_id).await;
        outcomes(users, result.as_ref(), task_id)
    }

    /// The messages of `batch` at `chunk`, who all get `msg`.
    async fn send_chunk(&self, batch: &[Outgoing], chunk: &[usize], msg: &serde_json::Value) -> Vec<Outcome> {
        let users: Vec<&str> = chunk.iter().map(|&i| batch[i].address.as_str()).collect();
        self.send_to(&users, msg).await
    }
}

fn reason_of(o: Outcome) -> String {
    o.reason().unwrap_or("DingTalk gave no reason").to_owned()
}

fn too_long(bytes: usize) -> Outcome {
    Outcome::Permanent {
        reason: format!(
            "the message is {bytes} bytes; a DingTalk work notification takes at most {MAX_BYTES}: shorten it"
        ),
        code: Some("too_long".into()),
        bad_address: false,
    }
}

#[async_trait]
impl IdFinder for WorkNotice {
    async fn find_by_mobile(&self, mobile: &str) -> Result<Option<String>, String> {
        let body = serde_json::json!({ "mobile": lookup_mobile(mobile) });
        let r: Reply<ByMobileBody> = self.call(BY_MOBILE_PATH, &body).await.map_err(reason_of)?;
        match r.code() {
            // 60121: nobody in the organisation has this mobile.
            60121 => Ok(None),
            _ => Ok(r
                .ok()
                .map_err(reason_of)?
                .result
                .map(|u| u.userid)
                .filter(|u| !u.is_empty())),
        }
    }
}

#[async_trait]
impl Provider for WorkNotice {
    fn kind(&self) -> ChannelKind {
        ChannelKind::declared(ABOUT.id)
    }

    fn limits(&self) -> Limits {
        ABOUT.limits
    }

    /// People who get the same text share calls of up to 1,000, a few calls at once; outcomes
    /// in input order.
    /// The `msg` sent for this person (the call around it names the agent and the people).
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        let msg = message(m).to_string();
        if msg.len() > MAX_BYTES {
            return Err(refusal(too_long(msg.len())));
        }
        Ok(json_preview(
            msg.as_bytes(),
            &[
                (WireKind::Subject, "/markdown/title"),
                (WireKind::Markdown, "/markdown/text"),
            ],
        ))
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        let groups = crate::channels::same_messages(batch);
        let mut out: Vec<Option<Outcome>> = vec![None; batch.len()];
        let mut calls: Vec<(serde_json::Value, &[usize])> = Vec::new();
        for indexes in &groups {
            let msg = message(&batch[indexes[0]]);
            let bytes = msg.to_string().len();
            if bytes > MAX_BYTES {
                for &i in indexes {
                    out[i] = Some(too_long(bytes));
                }
                continue;
            }
            for chunk in indexes.chunks(MAX_USERS) {
                calls.push((msg.clone(), chunk));
            }
        }
        // The futures are made first and only start when polled (see webhook.rs).
        let sends: Vec<_> = calls
            .iter()
            .map(|(msg, chunk)| self.send_chunk(batch, chunk, msg))
            .collect();
        let done: Vec<Vec<Outcome>> = stream::iter(sends).buffered(CALLS_AT_ONCE).collect().await;
        for ((_, chunk), outcomes) in calls.iter().zip(done) {
            for (&i, outcome) in chunk.iter().zip(outcomes) {
                out[i] = Some(outcome);
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
    use wiremock::matchers::{body_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const SECRET: &str = "app-secret-Zx9w8v7u6t5s4r3q2p1o";

    fn app(base: &str) -> WorkNotice {
        let input: std::collections::BTreeMap<String, String> = [
            ("app-key", "dingabcdefgh12345678"),
            ("app-secret", SECRET),
            ("agent-id", "2001"),
            ("api-base", base),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let split = crate::channels::schema::validate(FIELDS, &input).unwrap();
        let values = Values::join(FIELDS, &serde_json::Value::Object(split.public), &split.secret);
        WorkNotice::new("钉钉通知", &values).unwrap()
    }

    fn ok(body: serde_json::Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(body)
    }

    /// A loopback DingTalk that gives the token `T1` for the app's key and secret.
    async fn dingtalk() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/gettoken"))
            .and(query_param("appkey", "dingabcdefgh12345678"))
            .and(query_param("appsecret", SECRET))
            .respond_with(ok(
                serde_json::json!({"errcode": 0, "errmsg": "ok", "access_token": "T1", "expires_in": 7200}),
            ))
            .mount(&server)
            .await;
        server
    }

    fn outgoing(address: &str) -> Outgoing {
        Outgoing {
            delivery_id: 1,
            address: address.into(),
            recipient_name: String::new(),
            subject: "停水通知".into(),
            body: "明天上午宿舍区停水。".into(),
            attachments: Arc::from(Vec::new()),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    #[test]
    fn every_documented_code_has_its_class_and_says_what_to_do() {
        let down = |code: i64, msg: &str| match classify(code, msg) {
            Outcome::ChannelDown { reason, .. } => reason,
            other => panic!("{code}: {other:?}"),
        };
        for code in [40001, 40089, 300001] {
            let reason = down(code, "invalid appkey or appsecret");
            assert!(reason.contains("AppKey") && reason.contains("AppSecret"), "{reason}");
        }
        assert!(down(60020, "访问ip不在白名单之中").contains("服务器出口IP"));
        assert!(down(310000, "ip not in whitelist").contains("服务器出口IP"));
        assert!(down(40056, "不合法的agentid").contains("AgentId"));
        assert!(down(60011, "没有调用该接口的权限").contains("权限管理"));
        assert!(matches!(
            classify(42001, "access_token expired"),
            Outcome::Retry { after: None, .. }
        ));
        for (code, words) in [
            (143105, "daily limit"),
            (143205, "daily limit"),
            (143106, "once a day"),
            (143206, "once a day"),
        ] {
            match classify(code, "forbidden") {
                Outcome::Permanent {
                    reason,
                    bad_address: false,
                    ..
                } => assert!(reason.contains(words), "{reason}"),
                other => panic!("{code}: {other:?}"),
            }
        }
        assert!(matches!(classify(460101, "too long"), Outcome::Permanent { reason, .. } if reason.contains("2048")));
        assert!(matches!(classify(400402, "title missing"), Outcome::Permanent { .. }));
        assert!(
            matches!(classify(130101, "send too fast"), Outcome::Retry { after: Some(d), .. } if d == dingtalk::THROTTLE)
        );
        for busy in [-1, 143103, 143104, 90018, 90006, 90005] {
            assert!(
                matches!(classify(busy, "busy"), Outcome::Retry { after: Some(_), .. }),
                "{busy}"
            );
        }
        assert!(
            matches!(classify(777, "new thing"), Outcome::Retry { after: None, reason, .. } if reason.contains("new thing"))
        );
    }

    #[test]
    fn a_refusal_of_88_is_read_by_its_sub_code() {
        let r: Reply<Nothing> = serde_json::from_str(
            r#"{"errcode": 88, "sub_code": "42001", "sub_msg": "access_token超时", "errmsg": "ding talk error[subcode=42001]"}"#,
        )
        .unwrap();
        assert_eq!(r.code(), 42001);
        assert!(token_refused(r.code()));
        let r: Reply<Nothing> = serde_json::from_str(r#"{"errcode": 88, "sub_code": 60011, "errmsg": "x"}"#).unwrap();
        assert!(matches!(r.ok(), Err(Outcome::ChannelDown { .. })));
        let r: Reply<Nothing> = serde_json::from_str(r#"{"errcode": 88, "errmsg": "鉴权异常"}"#).unwrap();
        assert_eq!(r.code(), 88);
    }

    #[test]
    fn each_person_gets_what_the_send_result_says_of_them() {
        let result: SendResult = serde_json::from_value(serde_json::json!({
            "invalid_user_id_list": ["left"],
            "forbidden_user_id_list": ["twice", "capped", "held"],
            "forbidden_list": [
                {"code": "143106", "count": 1, "userid": "twice"},
                {"code": 143105, "count": 500, "userid": "capped"}
            ],
            "failed_user_id_list": ["flaky"],
            "read_user_id_list": ["reader"],
            "unread_user_id_list": ["busy"]
        }))
        .unwrap();
        assert_eq!(result.read, ["reader"]);
        assert_eq!(result.forbidden_reasons[1].code, "143105");
        let users = ["left", "twice", "capped", "held", "flaky", "reader", "busy", "unlisted"];
        let out = outcomes(&users, Some(&result), 42);
        assert!(matches!(&out[0], Outcome::Permanent { bad_address: true, reason, .. } if reason.contains("left")));
        match &out[1] {
            Outcome::Permanent {
                reason,
                code,
                bad_address: false,
            } => {
                assert!(reason.contains("once a day") && reason.contains("143106"), "{reason}");
                assert_eq!(code.as_deref(), Some("dingtalk:143106"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&out[2], Outcome::Permanent { reason, .. } if reason.contains("daily limit of 500")));
        assert!(
            matches!(&out[3], Outcome::Permanent { code, .. } if code.as_deref() == Some("dingtalk:forbidden_user"))
        );
        assert!(matches!(&out[4], Outcome::Retry { after: None, .. }));
        let sent = Outcome::Sent {
            provider_id: Some("42".into()),
        };
        assert_eq!(&out[5..], [sent.clone(), sent.clone(), sent.clone()]);
        // No result at all (it could not be read): the task was accepted, so all count as sent.
        assert_eq!(outcomes(&["a"], None, 42), [sent]);
    }

    #[test]
    fn the_message_is_markdown_with_a_title_and_a_wrong_app_key_is_refused() {
        let msg = message(&outgoing("zhangsan"));
        assert_eq!(msg["msgtype"], "markdown");
        assert_eq!(msg["markdown"]["title"], "停水通知");
        assert_eq!(msg["markdown"]["text"], "### 停水通知\n\n明天上午宿舍区停水。");
        assert!(is_app_key("dingabcdefgh12345678").is_ok());
        assert!(is_app_key("3125678901").unwrap_err().en.contains("AgentId"));
        assert!(is_app_key("ding abc").is_err());
        assert_eq!(
            format!("{:?}", app("https://oapi.dingtalk.com")),
            "DingtalkApp(钉钉通知)"
        );
    }

    #[tokio::test]
    async fn recall_and_send_result_use_the_app_and_its_token() {
        let server = dingtalk().await;
        Mock::given(method("POST"))
            .and(path(RECALL_PATH))
            .and(query_param("access_token", "T1"))
            .and(body_json(serde_json::json!({"agent_id": 2001, "msg_task_id": 42})))
            .respond_with(ok(serde_json::json!({"errcode": 0, "errmsg": "ok"})))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(RECALL_PATH))
            .and(body_json(serde_json::json!({"agent_id": 2001, "msg_task_id": 43})))
            .respond_with(ok(
                serde_json::json!({"errcode": 400001, "errmsg": "task T1 not found"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(RESULT_PATH))
            .and(query_param("access_token", "T1"))
            .and(body_json(serde_json::json!({"agent_id": 2001, "task_id": 42})))
            .respond_with(ok(serde_json::json!({"errcode": 0, "send_result": {
                "read_user_id_list": ["lisi"], "unread_user_id_list": ["zhangsan"], "invalid_user_id_list": []
            }})))
            .mount(&server)
            .await;
        let app = app(&server.uri());
        assert_eq!(app.recall("42").await, Ok(()));
        let refused = app.recall("43").await.unwrap_err();
        assert!(
            refused.reason().contains("400001") && !refused.reason().contains("T1"),
            "{refused:?}"
        );
        assert!(matches!(app.recall("msg-1").await, Err(Refusal::Final { .. })));
        let people = ["zhangsan".to_owned(), "lisi".to_owned()];
        let read = app.read_by("42", &people).await.unwrap();
        assert_eq!(read.iter().map(|r| r.address.as_str()).collect::<Vec<_>>(), ["lisi"]);
    }

    #[tokio::test]
    async fn a_task_not_done_in_time_is_recorded_from_what_its_result_says_so_far() {
        let server = dingtalk().await;
        Mock::given(method("POST"))
            .and(path(SEND_PATH))
            .respond_with(ok(serde_json::json!({"errcode": 0, "errmsg": "ok", "task_id": 77})))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(PROGRESS_PATH))
            .and(body_json(serde_json::json!({"agent_id": 2001, "task_id": 77})))
            .respond_with(ok(
                serde_json::json!({"errcode": 0, "progress": {"progress_in_percent": 40, "status": 1}}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(RESULT_PATH))
            .respond_with(ok(
                serde_json::json!({"errcode": 0, "send_result": {"invalid_user_id_list": ["left"]}}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let mut app = app(&server.uri());
        app.progress_wait = Duration::from_millis(1_200);
        let started = std::time::Instant::now();
        let out = app.send(&[outgoing("zhangsan"), outgoing("left")]).await;
        assert!(started.elapsed() < Duration::from_secs(5), "the wait is bounded");
        assert_eq!(
            out[0],
            Outcome::Sent {
                provider_id: Some("77".into())
            }
        );
        assert!(matches!(&out[1], Outcome::Permanent { bad_address: true, .. }));
        let looks = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == PROGRESS_PATH)
            .count();
        assert!(
            (2..=4).contains(&looks),
            "{looks} looks at the progress within the wait, each later than the last"
        );
    }

    #[tokio::test]
    async fn a_result_that_cannot_be_read_sends_nobody_the_message_again() {
        let server = dingtalk().await;
        Mock::given(method("POST"))
            .and(path(SEND_PATH))
            .respond_with(ok(serde_json::json!({"errcode": 0, "task_id": 78})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(PROGRESS_PATH))
            .respond_with(ResponseTemplate::new(502))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(RESULT_PATH))
            .respond_with(ResponseTemplate::new(502))
            .mount(&server)
            .await;
        let out = app(&server.uri()).send(&[outgoing("zhangsan")]).await;
        assert_eq!(
            out,
            [Outcome::Sent {
                provider_id: Some("78".into())
            }]
        );
    }
}
