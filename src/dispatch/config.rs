//! A channel's effective limits and retry policy: the provider's defaults, lowered or changed
//! by the overrides stored in the channel's `limits` (JSON, camelCase).

use std::time::Duration;

use crate::model::ChannelLimits;
use crate::outbox::RetryPolicy;
use crate::providers::Limits;

/// Consecutive failures that pause a channel unless its limits say otherwise.
pub const DEFAULT_PAUSE_AFTER_FAILURES: u32 = 25;

/// What a channel worker runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelConfig {
    pub limits: Limits,
    pub retry: RetryPolicy,
    pub pause_after_failures: u32,
}

impl ChannelConfig {
    /// The provider's limits with the channel's overrides applied; `base_retry` is the
    /// dispatcher's default policy.
    pub fn resolve(provider: Limits, overrides: &ChannelLimits, base_retry: RetryPolicy) -> ChannelConfig {
        let pick = |o: Option<u32>, d: Option<u32>| o.or(d).filter(|n| *n > 0);
        let mut limits = Limits {
            max_batch: overrides.max_batch.map_or(provider.max_batch, |n| n as usize).max(1),
            per_second: pick(overrides.per_second, provider.per_second),
            per_minute: pick(overrides.per_minute, provider.per_minute),
            concurrency: overrides
                .concurrency
                .map_or(provider.concurrency, |n| n as usize)
                .max(1),
        };
        // A batch larger than a window could never be let through at once.
        for cap in [limits.per_second, limits.per_minute].into_iter().flatten() {
            limits.max_batch = limits.max_batch.min(cap as usize);
        }
        let retry = RetryPolicy {
            max_attempts: overrides
                .max_attempts
                .map_or(base_retry.max_attempts, |n| n.max(1) as i32),
            base_delay: overrides
                .retry_base_secs
                .map_or(base_retry.base_delay, |s| Duration::from_secs(s.into())),
            max_delay: overrides
                .retry_max_secs
                .map_or(base_retry.max_delay, |s| Duration::from_secs(s.into())),
        };
        ChannelConfig {
            limits,
            retry,
            pause_after_failures: overrides
                .pause_after_failures
                .unwrap_or(DEFAULT_PAUSE_AFTER_FAILURES)
                .max(1),
        }
    }

    /// At most `ceiling` messages in flight: for a provider whose concurrency is what it can
    /// carry (an SMTP pool's connections), so an override cannot make sends queue for a
    /// connection and time out waiting.
    pub fn capped_at(mut self, ceiling: usize) -> ChannelConfig {
        self.limits.concurrency = self.limits.concurrency.min(ceiling).max(1);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_batches_fit_the_rate_window() {
        let provider = Limits {
            max_batch: 500,
            per_second: None,
            per_minute: None,
            concurrency: 4,
        };
        let o = ChannelLimits {
            per_minute: Some(20),
            concurrency: Some(1),
            max_attempts: Some(3),
            ..Default::default()
        };
        let c = ChannelConfig::resolve(provider, &o, RetryPolicy::default());
        assert_eq!(c.limits.max_batch, 20);
        assert_eq!(c.limits.per_minute, Some(20));
        assert_eq!(c.limits.concurrency, 1);
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.pause_after_failures, DEFAULT_PAUSE_AFTER_FAILURES);
        let none = ChannelConfig::resolve(provider, &ChannelLimits::default(), RetryPolicy::default());
        assert_eq!(none.limits, provider);
        // More at once than an SMTP pool of 4 carries is capped, not queued.
        let more = ChannelLimits {
            concurrency: Some(100),
            ..Default::default()
        };
        let raised = ChannelConfig::resolve(provider, &more, RetryPolicy::default());
        assert_eq!(
            raised.limits.concurrency, 100,
            "a webhook's concurrency is only a default"
        );
        assert_eq!(raised.capped_at(provider.concurrency).limits.concurrency, 4);
    }
}
