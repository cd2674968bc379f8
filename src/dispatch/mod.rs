//! Dispatch: one worker per enabled channel takes due deliveries from the outbox, renders
//! them, hands them to the channel's provider within its limits, and writes back what
//! happened (see `worker.rs`). A supervisor starts and stops workers as channels change.
//!
//! Only one dispatcher runs per database ([`lock::DispatcherLock`]); since no one else can
//! be sending, the deliveries left `sending` when it starts were orphaned by a crash and are
//! taken back at once. Progress goes to a [`ProgressSink`] the caller supplies.

pub mod config;
pub mod lock;
pub mod progress;
pub mod rate;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::ChannelConfig;
pub use lock::DispatcherLock;
pub use progress::{NoProgress, ProgressSink, ProgressTracker};

use crate::model::Channel;
use crate::outbox::RetryPolicy;
use crate::providers::Provider;
use crate::store::{DeliveryResult, Store};
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
    /// How long a claim is good for; a crashed sender's deliveries come back after it.
    pub lease: Duration,
    /// How long a worker sleeps when nothing is due and no one wakes it.
    pub idle_poll: Duration,
    /// The retry policy of channels that set none of their own.
    pub retry: RetryPolicy,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            until_idle: false,
            channel: None,
            lease: Duration::from_secs(120),
            idle_poll: Duration::from_secs(1),
            retry: RetryPolicy::default(),
        }
    }
}

/// Builds the provider of a channel (with its settings and secret), or says why it cannot.
#[async_trait]
pub trait ProviderFactory: Send + Sync {
    async fn build(&self, channel: &Channel) -> std::result::Result<Arc<dyn Provider>, String>;
}

/// What one dispatcher did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DispatchReport {
    pub sent: u64,
    pub failed: u64,
    pub retried: u64,
    pub recovered: u64,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    recovered: AtomicU64,
}

impl Counters {
    fn count(&self, r: &DeliveryResult) {
        let c = match r {
            DeliveryResult::Sent { .. } => &self.sent,
            DeliveryResult::Failed { .. } => &self.failed,
            DeliveryResult::Retry { .. } => &self.retried,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    fn report(&self) -> DispatchReport {
        DispatchReport {
            sent: self.sent.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            recovered: self.recovered.load(Ordering::Relaxed),
        }
    }
}

/// What every worker of one dispatcher shares.
struct Shared {
    store: Store,
    options: DispatchOptions,
    sink: Arc<dyn ProgressSink>,
    tracker: Mutex<ProgressTracker>,
    report: Counters,
    /// Bumped when new work is queued (by this process).
    wake: watch::Receiver<u64>,
    /// `channels::address_kinds_json()`, for fallback deliveries.
    address_kinds: String,
    /// Deliveries a send task of this dispatcher holds now: lease recovery leaves them alone.
    in_flight: Mutex<InFlightBatches>,
    /// True once the dispatcher is asked to stop.
    stopping: watch::Receiver<bool>,
}

/// The deliveries of each send task in flight, kept whole per task: a task adds and removes
/// one entry, however large its batch, where a set of deliveries hashed every id twice.
#[derive(Default)]
struct InFlightBatches {
    next: u64,
    batches: HashMap<u64, Vec<i64>>,
}

impl InFlightBatches {
    fn add(&mut self, ids: Vec<i64>) -> u64 {
        self.next += 1;
        self.batches.insert(self.next, ids);
        self.next
    }

    fn remove(&mut self, key: u64) {
        self.batches.remove(&key);
    }

    fn ids(&self) -> Vec<i64> {
        self.batches.values().flatten().copied().collect()
    }
}

impl Shared {
    /// Reports the progress of these runs, where a report is due (always for completed ones).
    async fn report_progress(&self, runs: &[i64], completed: &[i64]) -> Result<()> {
        for &run_id in runs {
            let due = completed.contains(&run_id)
                || self
                    .tracker
                    .lock()
                    .map(|t| t.due(run_id, Instant::now()))
                    .unwrap_or(true);
            if !due {
                continue;
            }
            let summary = self.store.get_run_summary(run_id).await?;
            let progress = self
                .tracker
                .lock()
                .ok()
                .and_then(|mut t| t.observe(summary, Instant::now()));
            if let Some(p) = progress {
                self.sink.run_progress(&p);
            }
        }
        Ok(())
    }
}

/// Checkpoints the WAL once a second beside the writers, on the other core, so that they seldom
/// have to do it themselves while holding the write lock (see `Store::open`).
async fn checkpoint_now_and_then(store: Store) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Err(e) = store.checkpoint().await {
            tracing::debug!("a background checkpoint did not run: {e}");
        }
    }
}

/// How long a worker that failed waits before it is started again.
const WORKER_RESTART: Duration = Duration::from_secs(5);

/// The workers running, and when those that failed may start again.
#[derive(Default)]
struct Workers {
    running: HashMap<i64, RunningWorker>,
    held_back: HashMap<i64, Instant>,
}

struct RunningWorker {
    version: String,
    stop: watch::Sender<bool>,
    join: JoinHandle<Result<()>>,
}

/// The dispatch supervisor and what it needs.
pub struct Dispatcher {
    shared: Arc<Shared>,
    factory: Arc<dyn ProviderFactory>,
    stop: watch::Receiver<bool>,
}

impl Dispatcher {
    /// A dispatcher over `store`; `wake` changes when new work is queued, `stop` ends it.
    pub fn new(
        store: Store,
        factory: Arc<dyn ProviderFactory>,
        options: DispatchOptions,
        sink: Arc<dyn ProgressSink>,
        wake: watch::Receiver<u64>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        let shared = Shared {
            store,
            options,
            sink,
            tracker: Mutex::new(ProgressTracker::default()),
            report: Counters::default(),
            address_kinds: crate::channels::address_kinds_json(),
            in_flight: Mutex::new(InFlightBatches::default()),
            stopping: stop.clone(),
            wake,
        };
        Dispatcher {
            shared: Arc::new(shared),
            factory,
            stop,
        }
    }

    /// Runs until stopped (or, with `until_idle`, until nothing is left). The caller must
    /// hold the [`DispatcherLock`].
    pub async fn run(mut self) -> Result<DispatchReport> {
        let store = self.shared.store.clone();
        // Sorts after every stored timestamp (chrono's MAX_UTC would format as "+262142-…",
        // which sorts *before* them as text).
        let end_of_time = "9999-12-31T23:59:59.999Z";
        let recovered = store.recover_leases_before(end_of_time, &[]).await?;
        self.shared.report.recovered.fetch_add(recovered, Ordering::Relaxed);
        if let Some(name) = &self.shared.options.channel {
            if store.find_channel_by_name(name).await?.is_none() {
                return Err(DispatchError::NoSuchChannel(name.clone()).into());
            }
        }
        let mut workers = Workers::default();
        let mut wake = self.shared.wake.clone();
        let mut last_recovery = Instant::now();
        let checkpointer = tokio::spawn(checkpoint_now_and_then(store.clone()));
        // A failing store (locked, full disk) delays the supervisor; it never ends it.
        let mut errors = 0u32;
        let result: Result<()> = loop {
            if *self.stop.borrow() {
                break Ok(());
            }
            match self.supervise(&mut workers, &mut last_recovery).await {
                Ok(true) => break Ok(()),
                Ok(false) => errors = 0,
                Err(e) => {
                    errors += 1;
                    tracing::warn!("the dispatcher cannot read the outbox ({errors} times in a row): {e}");
                }
            }
            let pause = if errors == 0 {
                Duration::from_millis(250)
            } else {
                Duration::from_secs(u64::from(errors.min(30)))
            };
            tokio::select! {
                _ = self.stop.changed() => {}
                _ = wake.changed() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        };
        checkpointer.abort();
        for w in workers.running.values() {
            let _ = w.stop.send(true);
        }
        for (_, w) in workers.running.drain() {
            match w.join.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!("a channel worker stopped with an error: {e}"),
                Err(e) => tracing::error!("a channel worker panicked: {e}"),
            }
        }
        result.map(|()| self.shared.report.report())
    }

    /// One round of supervision: takes back expired leases now and then, keeps the workers
    /// in step with the channels; returns true when an `until_idle` dispatcher is done.
    async fn supervise(&self, workers: &mut Workers, last_recovery: &mut Instant) -> Result<bool> {
        let store = &self.shared.store;
        if last_recovery.elapsed() > self.shared.options.lease / 2 {
            let keep = self.shared.in_flight.lock().unwrap_or_else(|e| e.into_inner()).ids();
            let n = store.recover_expired_leases(&keep).await?;
            self.shared.report.recovered.fetch_add(n, Ordering::Relaxed);
            *last_recovery = Instant::now();
        }
        let channels = self.reconcile(workers).await?;
        Ok(self.shared.options.until_idle
            && !store
                .has_unfinished(&channels.iter().map(|c| c.id).collect::<Vec<_>>())
                .await?)
    }

    /// Starts workers for new channels, stops those of channels gone, paused or changed, and
    /// starts again, after a pause, a worker that ended by itself through an error; returns
    /// the channels served now.
    async fn reconcile(&self, all: &mut Workers) -> Result<Vec<Channel>> {
        let finished: Vec<i64> = all
            .running
            .iter()
            .filter(|(_, w)| w.join.is_finished())
            .map(|(id, _)| *id)
            .collect();
        for id in finished {
            let Some(w) = all.running.remove(&id) else { continue };
            // A worker ends by itself when its channel paused: nothing to start again then.
            let failure = match w.join.await {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("it panicked: {e}"),
            };
            tracing::error!(
                "a channel worker stopped, starting it again in {} s: {failure}",
                WORKER_RESTART.as_secs()
            );
            all.held_back.insert(id, Instant::now() + WORKER_RESTART);
        }
        all.held_back.retain(|_, t| *t > Instant::now());
        let workers = &mut all.running;
        // Read after reaping: a worker that just paused its channel must not be restarted from
        // a list read before it did.
        let channels = self.active_channels().await?;
        let stale: Vec<i64> = workers
            .iter()
            .filter(|(id, w)| !channels.iter().any(|c| c.id == **id && c.updated_at == w.version))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            if let Some(w) = workers.remove(&id) {
                let _ = w.stop.send(true);
                let _ = w.join.await;
            }
        }
        for channel in &channels {
            if workers.contains_key(&channel.id) || all.held_back.contains_key(&channel.id) {
                continue;
            }
            let provider = match self.factory.build(channel).await {
                Ok(p) => p,
                Err(reason) => {
                    let reason = format!("cannot start: {reason}");
                    tracing::warn!(channel = %channel.name, "{reason}");
                    self.shared
                        .store
                        .set_channel_paused(channel.id, true, Some(&reason))
                        .await?;
                    continue;
                }
            };
            let mut config = ChannelConfig::resolve(provider.limits(), &channel.limits, self.shared.options.retry);
            if crate::channels::concurrency_is_a_ceiling(channel.kind) {
                config = config.capped_at(provider.limits().concurrency);
            }
            let (stop, stop_rx) = watch::channel(false);
            let join = tokio::spawn(worker::run(
                self.shared.clone(),
                channel.clone(),
                provider,
                config,
                stop_rx,
            ));
            workers.insert(
                channel.id,
                RunningWorker {
                    version: channel.updated_at.clone(),
                    stop,
                    join,
                },
            );
        }
        Ok(channels)
    }

    /// The channels this dispatcher serves now: enabled, not paused, and the one asked for.
    async fn active_channels(&self) -> Result<Vec<Channel>> {
        Ok(self
            .shared
            .store
            .list_channels()
            .await?
            .into_iter()
            .filter(|c| c.enabled && !c.paused)
            .filter(|c| self.shared.options.channel.as_deref().is_none_or(|n| n == c.name))
            .collect())
    }
}
