//! The whole-audience check of a draft notice, as both faces show it.

use serde::Serialize;
use ts_rs::TS;

use super::ChannelKind;
use crate::channels::Text;

/// Why one message would be broken: a stable code, the template field or setting it is about,
/// and the reason in both of the UI's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MessageProblem {
    /// `missing_variable`, `empty_value`, `too_long`, `render_failed`, or a kind's own.
    pub code: &'static str,
    /// `subject`, `body`, or what a kind checks (`template-params`…).
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// A figure a channel kind counts over its messages (the largest message's bytes; an SMS's
/// parts and cost): summed or the largest, as the kind says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CheckFigure {
    pub key: &'static str,
    pub label: Text,
    #[ts(type = "number")]
    pub value: i64,
}

/// What one chosen channel would do with the audience. Every person of the audience is in one
/// of `willGet`, `noAddress`, `invalidAddress`, `optedOut`, or (with the preferred-channel
/// strategy) `otherChannel`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelCheck {
    #[ts(type = "number")]
    pub channel_id: i64,
    pub channel_name: String,
    pub kind: ChannelKind,
    /// A group chat: one message whoever the audience is (`willGet` is 1).
    pub group: bool,
    #[ts(type = "number")]
    pub will_get: i64,
    #[ts(type = "number")]
    pub no_address: i64,
    #[ts(type = "number")]
    pub invalid_address: i64,
    #[ts(type = "number")]
    pub opted_out: i64,
    /// Reachable here, but their message goes on a channel they (or the notice) rank higher.
    #[ts(type = "number")]
    pub other_channel: i64,
    /// Of `willGet`, how many messages would be broken.
    #[ts(type = "number")]
    pub broken: i64,
    /// Of `willGet`, how many get the Chinese and how many the English version (a group chat
    /// counts none: its one message carries both).
    pub versions: super::VersionCounts,
    pub figures: Vec<CheckFigure>,
}

/// How many people of the audience read a language (`null`: none set).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LanguageCount {
    pub language: Option<String>,
    #[ts(type = "number")]
    pub people: i64,
}

/// One message that would be broken: to whom (no one for a group chat), on which channel, why.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BrokenMessage {
    #[ts(type = "number | null")]
    pub contact_id: Option<i64>,
    pub name: Option<String>,
    /// 学号/工号.
    pub external_id: Option<String>,
    #[ts(type = "number")]
    pub channel_id: i64,
    pub channel_name: String,
    pub problem: MessageProblem,
}

/// A draft notice checked against its whole audience, every recipient on every channel, as
/// it would be sent now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeCheck {
    #[ts(type = "number")]
    pub notice_id: i64,
    /// People in the audience.
    #[ts(type = "number")]
    pub people: i64,
    /// People who would get at least one message.
    #[ts(type = "number")]
    pub recipients: i64,
    pub channels: Vec<ChannelCheck>,
    pub languages: Vec<LanguageCount>,
    /// Recipients by the version they get: English for those who get it on some channel.
    pub versions: super::VersionCounts,
    /// People with at least one broken message.
    #[ts(type = "number")]
    pub broken_people: i64,
    /// Broken messages (a person on two channels counts twice; a group chat once).
    #[ts(type = "number")]
    pub broken_messages: i64,
    /// The first broken messages, by person then channel (at most `listLimit`).
    pub broken: Vec<BrokenMessage>,
    #[ts(type = "number")]
    pub list_limit: i64,
    /// Whether the notice may be sent: nothing would be broken.
    pub ok: bool,
}
