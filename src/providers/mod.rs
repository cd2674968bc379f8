//! Providers: one file per provider, all behind [`Provider`]. A provider turns outgoing
//! messages into calls to its service and classifies every reply as an [`Outcome`]; it never
//! touches the store, so it can be tested against a loopback server alone.

pub mod http;
pub mod sandbox;
pub mod smtp;
mod smtp_pool;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::model::ChannelKind;

/// A message ready to go to one recipient.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The delivery's id: providers that accept an idempotency key get this.
    pub delivery_id: i64,
    pub address: String,
    pub recipient_name: String,
    pub subject: String,
    /// Markdown, rendered for this recipient.
    pub body: String,
    /// The notice's files, shared by every message of the run (only e-mail carries them).
    pub attachments: Arc<[Attachment]>,
    /// The notice lets recipients opt out: e-mail adds List-Unsubscribe and a line saying how.
    pub allow_unsubscribe: bool,
    /// Whom a group chat's message @-mentions by name (a robot set to mention the notice's
    /// audience); empty for everyone else. Mentioning everyone is the channel's own setting.
    pub mentions: Mentions,
}

/// The people a group message @-mentions, as the audience's contacts have them: by platform
/// id where they have one, else by mobile (as contacts keep it, E.164).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mentions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mobiles: Vec<String>,
}

impl Mentions {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.mobiles.is_empty()
    }
}

/// A file sent with a message.
#[derive(Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Attachment({}, {}, {} bytes)",
            self.name,
            self.content_type,
            self.bytes.len()
        )
    }
}

/// How one send ended, as the provider classified its service's reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent {
        provider_id: Option<String>,
    },
    /// Temporary: try again, not before `after` when the service said so.
    Retry {
        after: Option<Duration>,
        reason: String,
        code: Option<String>,
    },
    /// Will not succeed by retrying; `bad_address` marks the recipient's address invalid.
    Permanent {
        reason: String,
        code: Option<String>,
        bad_address: bool,
    },
    /// The channel itself cannot send (credentials refused, TLS failed) and will not heal by
    /// retrying: this message waits like a retry, and the channel pauses at once with
    /// `reason`, for a person to fix its settings and resume it.
    ChannelDown {
        reason: String,
        code: Option<String>,
    },
}

impl Outcome {
    /// Why a send did not succeed, in the provider's words; `None` for a message sent.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Sent { .. } => None,
            Outcome::Retry { reason, .. } | Outcome::Permanent { reason, .. } | Outcome::ChannelDown { reason, .. } => {
                Some(reason)
            }
        }
    }
}

/// A provider's limits; a channel's settings may lower them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Messages per provider call.
    pub max_batch: usize,
    /// Messages per second (`None`: unlimited).
    pub per_second: Option<u32>,
    /// Messages per minute (`None`: unlimited).
    pub per_minute: Option<u32>,
    /// Messages in flight at once, over all calls (the dispatcher claims no more than this).
    /// A provider may send the messages of one call in parallel.
    pub concurrency: usize,
}

/// One configured way of sending.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Which kind of provider this is.
    fn kind(&self) -> ChannelKind;
    /// Its limits.
    fn limits(&self) -> Limits;
    /// Sends a batch; returns exactly one outcome per message, in order.
    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome>;
    /// The message as `send` would put it on the wire, built by the same code, for a preview
    /// ("exactly as delivered"); or why it cannot be made (the reason `send` would fail it with).
    /// No default: a wrapper that forgot to pass it on would show a message that is not sent.
    fn preview(&self, message: &Outgoing) -> Result<Vec<WirePart>, String>;
}

/// One part of a message as it goes out, for a preview.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WirePart {
    pub kind: WireKind,
    /// The part's text exactly as sent (a JSON body as its bytes, an e-mail's HTML as its HTML).
    pub content: String,
}

impl WirePart {
    pub fn new(kind: WireKind, content: impl Into<String>) -> WirePart {
        WirePart {
            kind,
            content: content.into(),
        }
    }
}

/// A JSON request body as preview parts: the texts found at the JSON pointers `at` (those the
/// body has), then the body itself as sent.
pub fn json_preview(body: &[u8], at: &[(WireKind, &str)]) -> Vec<WirePart> {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let mut parts: Vec<WirePart> = at
        .iter()
        .filter_map(|(kind, pointer)| Some(WirePart::new(*kind, value.pointer(pointer)?.as_str()?)))
        .collect();
    parts.push(WirePart::new(WireKind::Json, String::from_utf8_lossy(body)));
    parts
}

/// Why a message would not be sent, as its preview says it.
pub fn refusal(outcome: Outcome) -> String {
    outcome.reason().unwrap_or_default().to_owned()
}

/// What a [`WirePart`] holds, and so how a face shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum WireKind {
    /// A subject or title line.
    Subject,
    /// An e-mail's HTML part.
    Html,
    /// Plain text (an e-mail's text part, a text message).
    Text,
    /// Markdown in the platform's dialect, as the platform will render it.
    Markdown,
    /// The request body posted to the platform.
    Json,
}
