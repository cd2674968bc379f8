//! The user's own settings (Settings screen, `herald settings`) and a test sent to them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::RunSummary;

/// The contact the user receives tests as (“我”).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MeContact {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub external_id: Option<String>,
}

/// The settings the user sets, with their defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserSettings {
    /// Who “send a test to myself” goes to; `None` until set.
    pub me: Option<MeContact>,
    /// Above this many recipients, a send asks the user to type the number (default 500).
    #[ts(type = "number")]
    pub confirm_above: i64,
}

/// What happened on one of the notice's channels in a test send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TestChannelOutcome {
    /// Queued to the user's own address.
    Queued,
    /// A group chat (robot): one message reaches the whole group, never one person, so a test
    /// is not sent there.
    SkippedGroup,
    /// The user has no usable address there, or the message would not go (see `reason`).
    Skipped,
}

/// One channel of a test send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TestChannelResult {
    #[ts(type = "number")]
    pub channel_id: i64,
    pub channel_name: String,
    pub kind: String,
    pub outcome: TestChannelOutcome,
    /// The address it goes to (queued only).
    pub address: Option<String>,
    /// Why it was skipped: the preview's problem code (`no_address`, `render`, `refused`…).
    pub problem_code: Option<String>,
    pub reason: Option<String>,
}

/// A test of a draft sent to the user alone: its run (marked `test`) and each channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TestSendResult {
    pub run: RunSummary,
    pub me: MeContact,
    pub channels: Vec<TestChannelResult>,
}
