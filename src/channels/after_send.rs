//! What a platform lets Herald do with a message once it was sent: recall it (撤回) within a
//! window, and tell who has read it. A kind offers these through [`Kind::after_send_terms`]
//! (constants: the windows, shown before anything is asked) and [`Kind::after_send`] (the
//! calls, built from the channel's settings like its provider). Kinds that offer neither, the
//! robots among them, implement nothing.
//!
//! The unit is the platform's message id, as the provider returned it in
//! `Outcome::Sent { provider_id }` and the store keeps it in `deliveries.provider_message_id`.
//! One id may cover many deliveries (a WeCom `msgid` covers up to 1,000 people, a DingTalk
//! `task_id` up to 5,000), so Herald recalls once per distinct id and asks who read it once
//! per id, handing over the addresses of the deliveries that id covers.
//!
//! [`Kind::after_send_terms`]: super::Kind::after_send_terms
//! [`Kind::after_send`]: super::Kind::after_send

use std::time::Duration;

use async_trait::async_trait;

use crate::providers::Outcome;

/// What a platform allows after sending, as constants of the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterSendTerms {
    /// How long after sending a message can be recalled; `None`: it cannot be.
    pub recall_within: Option<Duration>,
    /// Whether the platform reports who has read a message.
    pub reports_reads: bool,
    /// How long after sending it still answers who has read it (`None`: no limit known).
    pub reads_within: Option<Duration>,
}

impl AfterSendTerms {
    /// Neither recall nor reads: every kind's default.
    pub const NONE: AfterSendTerms = AfterSendTerms {
        recall_within: None,
        reports_reads: false,
        reads_within: None,
    };
}

impl Default for AfterSendTerms {
    fn default() -> Self {
        AfterSendTerms::NONE
    }
}

/// Why a recall or a read check of one message id did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The platform will never do it for this message (past its window, not the app's own
    /// message, a message type it cannot recall): trying again changes nothing.
    Final { reason: String, code: Option<String> },
    /// It failed this time (the network, a limit, the platform busy, the app's settings):
    /// the reason says what to check, and asking again may work.
    Failed { reason: String, code: Option<String> },
}

impl Refusal {
    pub fn reason(&self) -> &str {
        match self {
            Refusal::Final { reason, .. } | Refusal::Failed { reason, .. } => reason,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Refusal::Final { code, .. } | Refusal::Failed { code, .. } => code.as_deref(),
        }
    }

    /// A provider's classification of a failed call (its token fetch, say) as a refusal:
    /// a permanent outcome is final, anything else may work another time.
    pub fn from_outcome(outcome: Outcome) -> Refusal {
        match outcome {
            Outcome::Permanent { reason, code, .. } => Refusal::Final { reason, code },
            Outcome::Retry { reason, code, .. } | Outcome::ChannelDown { reason, code } => {
                Refusal::Failed { reason, code }
            }
            Outcome::Sent { .. } => Refusal::Failed {
                reason: "the platform gave no answer Herald could read".into(),
                code: None,
            },
        }
    }
}

/// Someone who has read a message: the address the delivery went to, and when they read it
/// if the platform says (RFC 3339, UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReceipt {
    pub address: String,
    pub at: Option<String>,
}

/// The calls a kind makes after sending, for one channel.
#[async_trait]
pub trait AfterSend: Send + Sync {
    /// Recalls the message the platform knows as `provider_id`, for everyone it reached.
    /// Herald calls this only inside [`AfterSendTerms::recall_within`] of the send.
    async fn recall(&self, provider_id: &str) -> Result<(), Refusal>;

    /// Of `addresses` (the recipients of `provider_id`, as the deliveries hold them), those
    /// who have read it. Only called on kinds whose terms report reads.
    async fn read_by(&self, provider_id: &str, addresses: &[String]) -> Result<Vec<ReadReceipt>, Refusal>;
}

/// Milliseconds since the epoch (as Feishu and DingTalk give times) as RFC 3339 UTC, the
/// form the store keeps; `None` for anything else.
pub fn millis_to_rfc3339(millis: &str) -> Option<String> {
    let ms: i64 = millis.trim().parse().ok()?;
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)?;
    Some(crate::clock::fmt(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_time_in_milliseconds_is_kept_as_the_store_writes_times() {
        assert_eq!(
            millis_to_rfc3339("1609484183000").as_deref(),
            Some("2021-01-01T06:56:23.000Z")
        );
        assert_eq!(millis_to_rfc3339("yesterday"), None);
    }

    #[test]
    fn a_permanent_outcome_is_a_final_refusal() {
        let r = Refusal::from_outcome(Outcome::Permanent {
            reason: "no".into(),
            code: Some("x:1".into()),
            bad_address: false,
        });
        assert!(matches!(r, Refusal::Final { .. }));
        assert_eq!((r.reason(), r.code()), ("no", Some("x:1")));
        assert!(matches!(
            Refusal::from_outcome(Outcome::ChannelDown {
                reason: "token".into(),
                code: None
            }),
            Refusal::Failed { .. }
        ));
    }
}
