//! Dispatch: takes due deliveries from the outbox channel by channel, renders them, hands
//! them to the channel's provider, and writes back what happened.
//!
//! Only one dispatcher runs per database ([`lock::DispatcherLock`]); since no one else can
//! be sending, the deliveries left `sending` when it starts were orphaned by a crash and are
//! taken back at once. Progress goes to a [`ProgressSink`] the caller supplies.

pub mod lock;
pub mod progress;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::{watch, Notify};

pub use lock::DispatcherLock;
pub use progress::{NoProgress, ProgressSink, ProgressTracker};

use crate::clock;
use crate::compose;
use crate::model::{Channel, Notice};
use crate::outbox::{next_state, RetryPolicy};
use crate::providers::{address_kind, Outcome, Outgoing, Provider};
use crate::store::{RecordedOutcome, Store};
use crate::Result;

/// Why dispatching cannot start or go on.
#[derive(Debug, Error)]
pub enum DispatchError {
    #[error("another dispatcher is already sending from this database: {holder}. Stop it first, or let it finish.")]
    Busy { holder: String },
    #[error("cannot take the dispatcher lock: {0}")]
    Lock(String),
    #[error("there is no channel named {0}")]
    NoSuchChannel(String),
}

impl DispatchError {
    /// Stable code for UIs.
    pub fn code(&self) -> &'static str {
        match self {
            DispatchError::Busy { .. } => "dispatcher_busy",
            DispatchError::Lock(_) => "dispatcher_lock",
            DispatchError::NoSuchChannel(_) => "not_found",
        }
    }
}

/// How a dispatcher behaves.
#[derive(Debug, Clone)]
pub struct DispatchOptions {
    /// Stop once nothing is left to send (instead of waiting for new work).
    pub until_idle: bool,
    /// Only this channel (by name).
    pub channel: Option<String>,
    /// Deliveries claimed at once (further capped by the provider's batch size).
    pub batch_size: usize,
    /// How long a claim is good for; a crashed sender's deliveries come back after it.
    pub lease: Duration,
    /// How long to sleep when nothing is due and no one wakes us.
    pub idle_poll: Duration,
    pub retry: RetryPolicy,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            until_idle: false,
            channel: None,
            batch_size: 200,
            lease: Duration::from_secs(120),
            idle_poll: Duration::from_secs(1),
            retry: RetryPolicy::default(),
        }
    }
}

/// Builds the provider of a channel, or says why it cannot.
pub type ProviderFactory = Arc<dyn Fn(&Channel) -> Option<Arc<dyn Provider>> + Send + Sync>;

/// What one dispatcher did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DispatchReport {
    pub sent: u64,
    pub failed: u64,
    pub retried: u64,
    pub recovered: u64,
}

/// The dispatch loop and what it needs.
pub struct Dispatcher {
    store: Store,
    factory: ProviderFactory,
    options: DispatchOptions,
    sink: Arc<dyn ProgressSink>,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
}

impl Dispatcher {
    /// A dispatcher over `store`; `wake` is notified when new work is queued, `stop` ends it.
    pub fn new(
        store: Store,
        factory: ProviderFactory,
        options: DispatchOptions,
        sink: Arc<dyn ProgressSink>,
        wake: Arc<Notify>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Dispatcher {
            store,
            factory,
            options,
            sink,
            wake,
            stop,
        }
    }

    /// Runs until stopped (or, with `until_idle`, until nothing is left). The caller must
    /// hold the [`DispatcherLock`].
    pub async fn run(mut self) -> Result<DispatchReport> {
        let mut report = DispatchReport {
            recovered: self
                .store
                .recover_leases_before(&clock::fmt(chrono::DateTime::<chrono::Utc>::MAX_UTC))
                .await?,
            ..Default::default()
        };
        if let Some(name) = &self.options.channel {
            if self.store.find_channel_by_name(name).await?.is_none() {
                return Err(DispatchError::NoSuchChannel(name.clone()).into());
            }
        }
        let mut tracker = ProgressTracker::default();
        let mut providers: HashMap<i64, Arc<dyn Provider>> = HashMap::new();
        let mut notices: HashMap<i64, Notice> = HashMap::new();
        let mut last_recovery = Instant::now();
        loop {
            if *self.stop.borrow() {
                break;
            }
            if last_recovery.elapsed() > self.options.lease / 2 {
                report.recovered += self.store.recover_expired_leases().await?;
                last_recovery = Instant::now();
            }
            let channels = self.active_channels().await?;
            let mut worked = false;
            for channel in &channels {
                let provider = match providers.get(&channel.id) {
                    Some(p) => p.clone(),
                    None => match (self.factory)(channel) {
                        Some(p) => providers.entry(channel.id).or_insert(p).clone(),
                        None => continue,
                    },
                };
                let batch = self
                    .options
                    .batch_size
                    .min(provider.limits().max_batch)
                    .max(1);
                let lease_until = clock::fmt(
                    clock::now()
                        + chrono::Duration::from_std(self.options.lease).unwrap_or_default(),
                );
                let claimed = self
                    .store
                    .claim_due(channel.id, &lease_until, batch as i64)
                    .await?;
                if claimed.is_empty() {
                    continue;
                }
                worked = true;
                let mut runs: Vec<i64> = claimed.iter().map(|d| d.run_id).collect();
                runs.sort_unstable();
                runs.dedup();
                for run_id in &runs {
                    if !notices.contains_key(run_id) {
                        notices.insert(*run_id, self.store.notice_for_run(*run_id).await?);
                    }
                }
                let outcomes = send_batch(
                    provider.as_ref(),
                    channel,
                    &claimed,
                    &notices,
                    &self.options.retry,
                )
                .await;
                for o in &outcomes {
                    match o.result {
                        crate::store::DeliveryResult::Sent { .. } => report.sent += 1,
                        crate::store::DeliveryResult::Failed { .. } => report.failed += 1,
                        crate::store::DeliveryResult::Retry { .. } => report.retried += 1,
                    }
                }
                self.store.record_outcomes(&outcomes).await?;
                for run_id in runs {
                    let summary = self.store.get_run_summary(run_id).await?;
                    if let Some(p) = tracker.observe(summary, Instant::now()) {
                        self.sink.run_progress(&p);
                    }
                }
            }
            if worked {
                continue;
            }
            if self.options.until_idle {
                let mut unfinished = 0;
                for c in &channels {
                    unfinished += self.store.count_unfinished(Some(c.id)).await?;
                }
                if unfinished == 0 {
                    break;
                }
            }
            let wait = self.idle_wait(&channels).await?;
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = self.stop.changed() => {}
            }
        }
        Ok(report)
    }

    /// The channels this dispatcher serves now: enabled, not paused, and the one asked for.
    async fn active_channels(&self) -> Result<Vec<Channel>> {
        Ok(self
            .store
            .list_channels()
            .await?
            .into_iter()
            .filter(|c| c.enabled && !c.paused)
            .filter(|c| self.options.channel.as_deref().is_none_or(|n| n == c.name))
            .collect())
    }

    /// How long to sleep: until the next delivery is due, at most `idle_poll`.
    async fn idle_wait(&self, channels: &[Channel]) -> Result<Duration> {
        let mut wait = self.options.idle_poll;
        let now = clock::now();
        for c in channels {
            if let Some(due) = self.store.next_due_at(c.id).await? {
                if let Ok(due) = chrono::DateTime::parse_from_rfc3339(&due) {
                    let until = (due.with_timezone(&chrono::Utc) - now)
                        .to_std()
                        .unwrap_or_default();
                    wait = wait.min(until.max(Duration::from_millis(5)));
                }
            }
        }
        Ok(wait)
    }
}

/// Renders, sends and classifies one claimed batch of one channel.
async fn send_batch(
    provider: &dyn Provider,
    channel: &Channel,
    claimed: &[crate::store::ClaimedDelivery],
    notices: &HashMap<i64, Notice>,
    retry: &RetryPolicy,
) -> Vec<RecordedOutcome> {
    let started_at = clock::now_str();
    let mut outgoing = Vec::with_capacity(claimed.len());
    // A recipient whose template cannot be rendered fails alone, with the reason.
    let mut rendered: Vec<Option<Outcome>> = Vec::with_capacity(claimed.len());
    for d in claimed {
        let notice = &notices[&d.run_id];
        match compose::render(&notice.subject, &notice.body, &d.variables) {
            Ok(r) => {
                outgoing.push(Outgoing {
                    delivery_id: d.id,
                    address: d.address.clone(),
                    recipient_name: d
                        .variables
                        .get("name")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    subject: r.subject,
                    body: r.body,
                });
                rendered.push(None);
            }
            Err(e) => rendered.push(Some(Outcome::Permanent {
                reason: e.to_string(),
                code: Some("template".into()),
                bad_address: false,
            })),
        }
    }
    let t0 = Instant::now();
    let mut sent = if outgoing.is_empty() {
        Vec::new()
    } else {
        provider.send(&outgoing).await
    }
    .into_iter();
    let latency_ms = t0.elapsed().as_millis() as i64;
    let finished = clock::now();
    claimed
        .iter()
        .zip(rendered)
        .map(|(d, pre)| {
            let outcome = pre.or_else(|| sent.next()).unwrap_or(Outcome::Retry {
                after: None,
                reason: "the provider returned no outcome for this message".into(),
                code: None,
            });
            RecordedOutcome {
                delivery_id: d.id,
                attempt_no: d.attempt_no,
                started_at: started_at.clone(),
                finished_at: clock::fmt(finished),
                latency_ms,
                result: next_state(
                    outcome,
                    d.attempt_no,
                    retry,
                    finished,
                    rand::random::<f64>(),
                    address_kind(channel.kind),
                ),
            }
        })
        .collect()
}
