//! The delivery state machine: what a provider's outcome makes of a `sending` delivery.
//!
//! ```text
//! sending ──Sent──────────────────────────▶ sent
//!    ├────Retry, attempts left──────────▶ retry_wait (next_attempt_at = now + backoff)
//!    ├────Retry, attempts used up───────▶ failed
//!    ├────Permanent─────────────────────▶ failed (bad address marked invalid)
//!    └────ChannelDown───────────────────▶ as Retry (and the worker pauses the channel)
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock;
use crate::providers::Outcome;
use crate::store::DeliveryResult;

/// When to try again, and how often at most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles each time.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt_no + 1`: exponential, capped, with "full jitter"
    /// (a uniform share of it) so that many deliveries failed together do not retry together.
    /// `jitter` is in `[0, 1)`.
    pub fn backoff(&self, attempt_no: i32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt_no.clamp(1, 20).saturating_sub(1));
        let capped = exp.min(self.max_delay);
        // Half fixed, half random: never retry at once, never all at the same instant.
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// The delivery's next state after attempt `attempt_no` ended with `outcome` at `now`.
pub fn next_state(
    outcome: Outcome,
    attempt_no: i32,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
    jitter: f64,
    address_kind: Option<&'static str>,
) -> DeliveryResult {
    match outcome {
        Outcome::Sent { provider_id } => DeliveryResult::Sent { provider_id },
        Outcome::Permanent {
            reason,
            code,
            bad_address,
        } => DeliveryResult::Failed {
            reason,
            code,
            invalid_address_kind: if bad_address { address_kind } else { None },
        },
        Outcome::ChannelDown { reason, code } => next_state(
            Outcome::Retry {
                after: None,
                reason,
                code,
            },
            attempt_no,
            policy,
            now,
            jitter,
            address_kind,
        ),
        Outcome::Retry { reason, code, .. } if attempt_no >= policy.max_attempts => DeliveryResult::Failed {
            reason: format!("gave up after {attempt_no} attempts: {reason}"),
            code,
            invalid_address_kind: None,
        },
        Outcome::Retry { after, reason, code } => {
            let wait = policy.backoff(attempt_no, jitter).max(after.unwrap_or_default());
            let next = now + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(1));
            DeliveryResult::Retry {
                next_attempt_at: clock::fmt(next),
                reason,
                code,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().into()
    }

    fn retry(after: Option<Duration>) -> Outcome {
        Outcome::Retry {
            after,
            reason: "503".into(),
            code: Some("503".into()),
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_half() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
        };
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(10));
        assert_eq!(p.backoff(2, 1.0), Duration::from_secs(20));
        assert_eq!(p.backoff(3, 0.0), Duration::from_secs(20));
        assert_eq!(p.backoff(9, 1.0), Duration::from_secs(60));
    }

    #[test]
    fn retry_waits_for_backoff_or_retry_after_whichever_is_later() {
        let p = RetryPolicy::default();
        let now = at("2026-11-23T10:00:00Z");
        match next_state(retry(None), 1, &p, now, 1.0, None) {
            DeliveryResult::Retry { next_attempt_at, .. } => assert_eq!(next_attempt_at, "2026-11-23T10:00:10.000Z"),
            other => panic!("{other:?}"),
        }
        match next_state(retry(Some(Duration::from_secs(120))), 1, &p, now, 1.0, None) {
            DeliveryResult::Retry { next_attempt_at, .. } => assert_eq!(next_attempt_at, "2026-11-23T10:02:00.000Z"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retries_end_in_failure_when_attempts_are_used_up() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..Default::default()
        };
        match next_state(retry(None), 3, &p, Utc::now(), 0.5, None) {
            DeliveryResult::Failed { reason, .. } => {
                assert!(reason.contains("after 3 attempts"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_permanent_bad_address_marks_the_address_kind() {
        let out = Outcome::Permanent {
            reason: "550 no such user".into(),
            code: Some("550".into()),
            bad_address: true,
        };
        match next_state(out, 1, &RetryPolicy::default(), Utc::now(), 0.0, Some("email")) {
            DeliveryResult::Failed {
                invalid_address_kind, ..
            } => assert_eq!(invalid_address_kind, Some("email")),
            other => panic!("{other:?}"),
        }
    }
}
