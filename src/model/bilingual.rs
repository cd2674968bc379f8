//! A notice's versions: Chinese and English, and bodies of their own for some channels.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A body of its own for one channel: a short text for a chat app, a summary for a robot. It
/// replaces the notice's body (not its subject) on that channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelVersion {
    #[ts(type = "number")]
    pub channel_id: i64,
    pub body: String,
    /// The same in English, for people whose language is English (none: they get `body`).
    #[ts(optional)]
    pub english_body: Option<String>,
}

/// Which version of a notice someone gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum NoticeLanguage {
    #[default]
    Zh,
    En,
}

impl NoticeLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLanguage::Zh => "zh",
            NoticeLanguage::En => "en",
        }
    }
}

/// How many people get each version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VersionCounts {
    #[ts(type = "number")]
    pub zh: i64,
    #[ts(type = "number")]
    pub en: i64,
}
