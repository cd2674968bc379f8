//! After a run was sent: recalling it (撤回), who has read it, and reminding the unread
//! (提醒未读). See `crate::channels::after_send` for what each platform allows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What became of a delivery's recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RecallState {
    /// The platform took the message back.
    Recalled,
    /// The platform refused, or could not be reached: the note says why; recalling the run
    /// again tries again.
    Failed,
    /// Herald did not ask: the kind cannot recall, its window had passed, or the platform
    /// gave no message id. The note says which.
    NotRecallable,
}

impl RecallState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecallState::Recalled => "recalled",
            RecallState::Failed => "failed",
            RecallState::NotRecallable => "not_recallable",
        }
    }

    pub fn parse(s: &str) -> Option<RecallState> {
        Some(match s {
            "recalled" => RecallState::Recalled,
            "failed" => RecallState::Failed,
            "not_recallable" => RecallState::NotRecallable,
            _ => return None,
        })
    }
}

/// Deliveries that something could not be done for, and why (grouped by channel and reason).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AfterSendNote {
    pub channel: String,
    #[ts(type = "number")]
    pub count: i64,
    pub reason: String,
}

/// What recalling the run would do now, for the confirmation (and what it did so far).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecallOutlook {
    /// Not sent yet: a recall cancels them.
    #[ts(type = "number")]
    pub cancellable: i64,
    /// Sent, inside their platform's recall window, not recalled yet.
    #[ts(type = "number")]
    pub recallable: i64,
    /// Sent, but past the window, on a kind that cannot recall, or without a message id.
    #[ts(type = "number")]
    pub not_recallable: i64,
    #[ts(type = "number")]
    pub recalled: i64,
    /// Being sent right now: they can be recalled once sent (recall again then).
    #[ts(type = "number")]
    pub in_flight: i64,
    /// The shortest recall window of the run's channels that allow recall, in hours.
    #[ts(type = "number | null")]
    pub window_hours: Option<u64>,
    /// When the first of the recallable messages leaves its window (RFC 3339).
    pub recallable_until: Option<String>,
    /// Why the not-recallable ones cannot be.
    pub notes: Vec<AfterSendNote>,
}

/// The run's read status, as last checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReadCounts {
    /// Some channel of the run reports who has read a message.
    pub reported: bool,
    #[ts(type = "number")]
    pub read: i64,
    /// Checked, and not read then.
    #[ts(type = "number")]
    pub unread: i64,
    /// Sent on a channel that reports reads, but never checked (or the check failed).
    #[ts(type = "number")]
    pub unknown: i64,
    /// When the status was last checked.
    pub checked_at: Option<String>,
}

/// A run's page: recall, reads and reminders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunAfterSend {
    pub recall: RecallOutlook,
    pub reads: ReadCounts,
    /// Runs sent as reminders of this one, oldest first.
    #[ts(type = "Array<number>")]
    pub reminders: Vec<i64>,
}

/// What a recall did (`herald runs recall`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecallReport {
    #[ts(type = "number")]
    pub run_id: i64,
    /// Deliveries not sent yet, now cancelled.
    #[ts(type = "number")]
    pub cancelled: i64,
    /// Sent messages the platform took back now.
    #[ts(type = "number")]
    pub recalled: i64,
    /// Taken back by an earlier recall.
    #[ts(type = "number")]
    pub already_recalled: i64,
    /// The platform refused or could not be reached (see `notes`); recall again to retry.
    #[ts(type = "number")]
    pub failed: i64,
    /// Past the window, on a kind that cannot recall, or without a message id.
    #[ts(type = "number")]
    pub not_recallable: i64,
    /// Being sent while the recall ran: recall again once they are done.
    #[ts(type = "number")]
    pub in_flight: i64,
    /// Deliveries of other runs that shared a recalled message (WeCom sends one message to
    /// up to 1,000 people with the same text, whatever run they belong to).
    #[ts(type = "number")]
    pub also_recalled_elsewhere: i64,
    pub notes: Vec<AfterSendNote>,
}

/// What a read check found (`herald runs reads`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReadsReport {
    #[ts(type = "number")]
    pub run_id: i64,
    pub checked_at: String,
    #[ts(type = "number")]
    pub read: i64,
    #[ts(type = "number")]
    pub unread: i64,
    #[ts(type = "number")]
    pub unknown: i64,
    /// The people who have not read it, by name.
    pub unread_names: Vec<String>,
    /// Checks that failed, and channels that report no reads.
    pub notes: Vec<AfterSendNote>,
}
