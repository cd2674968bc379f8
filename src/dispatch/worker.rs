//! One channel's worker: reserves rate, claims a batch, sends it with up to `concurrency`
//! batches in flight, writes the outcomes, and watches the channel's health: a Retry-After
//! slows the whole channel, and a long run of failures pauses it with the reason.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::config::ChannelConfig;
use super::rate::RateLimiter;
use super::Shared;
use crate::channels::{self, address_kind, reads_markdown};
use crate::clock;
use crate::compose;
use crate::model::Channel;
use crate::outbox::next_state;
use crate::providers::{Attachment, Mentions, Outcome, Outgoing, Provider};
use crate::store::{ClaimedDelivery, RecordedOutcome};
use crate::Result;

/// A run's notice, ready to render (or why it cannot be).
struct CompiledRun {
    /// This channel's templates: its version (or the body), in Chinese and English.
    templates: std::result::Result<compose::ChannelTemplates, String>,
    /// Read once per run; a file that cannot be read fails the run's messages with the reason
    /// rather than sending them without it.
    attachments: std::result::Result<Arc<[Attachment]>, String>,
    allow_unsubscribe: bool,
    /// False when the notice could not be read (the store failing): its messages wait and
    /// are tried again, and the notice is read again for the next batch.
    cacheable: bool,
}

/// What a finished batch tells the worker about the channel.
#[derive(Debug, Default)]
struct BatchHealth {
    /// Messages in the batch.
    size: usize,
    /// Per message, in order: `Some(true)` a send that worked, `Some(false)` a failure of the
    /// channel (network, server, credentials), `None` a failure of the recipient or content.
    signals: Vec<Option<bool>>,
    /// The longest Retry-After the provider asked for.
    retry_after: Option<Duration>,
    last_error: Option<String>,
    /// Why the channel cannot send at all (a provider's `ChannelDown`): it pauses at once.
    down: Option<String>,
}

/// Runs one channel until `stop`, or until the channel pauses itself. A failure of the
/// store (locked, disk full) never ends it: the step is tried again after a pause, and what is
/// in flight is always let finish and be recorded, since dropping it would lose outcomes of
/// messages already at the provider.
pub(super) async fn run(
    shared: Arc<Shared>,
    channel: Channel,
    provider: Arc<dyn Provider>,
    config: ChannelConfig,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let mut w = Worker {
        limiter: RateLimiter::new(config.limits.per_second, config.limits.per_minute),
        in_flight: JoinSet::new(),
        sizes: HashMap::new(),
        in_flight_msgs: 0,
        notices: HashMap::new(),
        failures: u32::try_from(channel.consecutive_failures).unwrap_or(0),
        not_before: None,
        lease: chrono::Duration::from_std(shared.options.lease).unwrap_or(chrono::Duration::minutes(2)),
        address_kind: address_kind(channel.kind),
        shared,
        channel,
        provider,
        config,
    };
    let mut wake = w.shared.wake.clone();
    let mut store_errors = 0u32;
    'work: loop {
        while let Some(done) = w.in_flight.try_join_next_with_id() {
            if !w.absorb(done).await {
                break 'work;
            }
        }
        if *stop.borrow() {
            break;
        }
        if w.in_flight_msgs >= w.config.limits.concurrency {
            tokio::select! {
                Some(done) = w.in_flight.join_next_with_id() => {
                    if !w.absorb(done).await {
                        break 'work;
                    }
                }
                _ = stop.changed() => {}
            }
            continue;
        }
        if let Some(t) = w.not_before.filter(|t| *t > Instant::now()) {
            tokio::select! {
                _ = tokio::time::sleep_until(t) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let idle_wait = match w.claim_and_send(&mut stop).await {
            Ok(Claimed::Some) => {
                store_errors = 0;
                continue;
            }
            Ok(Claimed::Stopping) => continue,
            Ok(Claimed::Nothing(wait)) => {
                store_errors = 0;
                wait
            }
            Err(e) => {
                store_errors += 1;
                let wait = store_backoff(store_errors);
                tracing::warn!(channel = %w.channel.name, "cannot take work from the outbox, trying again in {} s: {e}", wait.as_secs());
                wait
            }
        };
        tokio::select! {
            Some(done) = w.in_flight.join_next_with_id(), if !w.in_flight.is_empty() => {
                if !w.absorb(done).await {
                    break 'work;
                }
            }
            _ = wake.changed() => {}
            _ = tokio::time::sleep(idle_wait) => {}
            _ = stop.changed() => {}
        }
    }
    // What is in flight holds leases: let it finish and be recorded.
    while let Some(done) = w.in_flight.join_next_with_id().await {
        w.absorb(done).await;
    }
    Ok(())
}

/// What a claim found.
enum Claimed {
    /// A batch is on its way.
    Some,
    /// Nothing due: wait this long at most.
    Nothing(Duration),
    /// The dispatcher is stopping.
    Stopping,
}

/// A pause after the store failed `n` times in a row: 1, 2, 4 … 30 s.
fn store_backoff(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// One channel worker's state.
struct Worker {
    shared: Arc<Shared>,
    channel: Channel,
    provider: Arc<dyn Provider>,
    config: ChannelConfig,
    limiter: RateLimiter,
    in_flight: JoinSet<BatchHealth>,
    /// Messages per send task, so that a task that failed still gives its room back.
    sizes: HashMap<tokio::task::Id, usize>,
    /// Messages claimed and not yet recorded: the channel's concurrency bounds this.
    in_flight_msgs: usize,
    notices: HashMap<i64, Arc<CompiledRun>>,
    failures: u32,
    not_before: Option<Instant>,
    lease: chrono::Duration,
    address_kind: Option<&'static str>,
}

impl Worker {
    /// Reserves rate, claims a batch and starts sending it.
    async fn claim_and_send(&mut self, stop: &mut watch::Receiver<bool>) -> Result<Claimed> {
        let limits = self.config.limits;
        // Batches of at most half the concurrency keep two in flight, so one slow send holds
        // back only its own batch while the other goes on.
        let per_batch = limits.max_batch.min((limits.concurrency / 2).max(1));
        let want = per_batch.min(limits.concurrency - self.in_flight_msgs) as u32;
        let reserved = tokio::select! {
            n = self.limiter.reserve(want) => n,
            _ = stop.changed() => return Ok(Claimed::Stopping),
        };
        let lease_until = clock::fmt(clock::now() + self.lease);
        let claimed = match self
            .shared
            .store
            .claim_due(self.channel.id, &lease_until, i64::from(reserved))
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                self.limiter.release(reserved);
                return Err(e.into());
            }
        };
        self.limiter.release(reserved - claimed.len() as u32);
        if claimed.is_empty() {
            let wait = match self.shared.store.next_due_at(self.channel.id).await? {
                Some(due) => until(&due).min(self.shared.options.idle_poll),
                None => self.shared.options.idle_poll,
            };
            return Ok(Claimed::Nothing(wait));
        }
        // From here the claim is ours: it goes to a send task whatever happens, so that it is
        // recorded (or, if the process dies, recovered) and never left behind by an error.
        let guard = InFlight::register(&self.shared, &claimed);
        let mut batch_notices = HashMap::new();
        for d in &claimed {
            let notice = match self.notices.get(&d.run_id) {
                Some(n) => n.clone(),
                None => {
                    let n = Arc::new(self.compile_run(d.run_id).await);
                    if n.cacheable {
                        self.notices.insert(d.run_id, n.clone());
                    }
                    n
                }
            };
            batch_notices.insert(d.run_id, notice);
        }
        self.in_flight_msgs += claimed.len();
        let size = claimed.len();
        let (shared, provider, config, kind) = (
            self.shared.clone(),
            self.provider.clone(),
            self.config.clone(),
            self.address_kind,
        );
        let handle = self.in_flight.spawn(async move {
            let _guard = guard;
            send_and_record(&shared, provider, &config, claimed, &batch_notices, kind).await
        });
        self.sizes.insert(handle.id(), size);
        Ok(Claimed::Some)
    }

    /// A run's notice, compiled; a notice that cannot be read now fails its messages with the
    /// reason this time and is read again for the next batch.
    async fn compile_run(&self, run_id: i64) -> CompiledRun {
        let notice = match self.shared.store.notice_for_run(run_id).await {
            Ok(n) => n,
            Err(e) => {
                let reason = format!("the notice could not be read: {e}");
                return CompiledRun {
                    templates: Err(reason.clone()),
                    attachments: Err(reason),
                    allow_unsubscribe: false,
                    cacheable: false,
                };
            }
        };
        // `{{ date }}` is the day the run was started (Beijing time), the same for a retry
        // days later.
        let date = match self.shared.store.get_run_summary(run_id).await {
            Ok(run) => compose::variables::date_of_stored(&run.created_at),
            Err(_) => compose::variables::date_of(crate::clock::now()),
        };
        let data_dir = self.shared.store.path().parent().unwrap_or(std::path::Path::new("."));
        CompiledRun {
            templates: compose::ChannelTemplates::compile(
                &compose::Texts::of(&notice),
                self.channel.id,
                channels::is_group(self.channel.kind),
                &date,
            )
            .map_err(|e| e.to_string()),
            attachments: crate::outbox::load_attachments(data_dir, &notice.attachments),
            allow_unsubscribe: notice.allow_unsubscribe,
            cacheable: true,
        }
    }

    /// Takes a finished send task's health into the channel's: returns false when the
    /// channel paused itself.
    async fn absorb(
        &mut self,
        done: std::result::Result<(tokio::task::Id, BatchHealth), tokio::task::JoinError>,
    ) -> bool {
        let health = match done {
            Ok((id, health)) => {
                self.sizes.remove(&id);
                health
            }
            Err(e) => {
                // Only a bug gets here (a provider's panic is caught in the task): the batch's
                // deliveries stay `sending` and are taken back as interrupted.
                tracing::error!(channel = %self.channel.name, "a send task failed: {e}");
                let size = self.sizes.remove(&e.id()).unwrap_or(0);
                BatchHealth {
                    size,
                    ..Default::default()
                }
            }
        };
        match absorb(
            &self.shared,
            &self.channel,
            &self.config,
            &mut self.failures,
            &mut self.not_before,
            &mut self.in_flight_msgs,
            health,
        )
        .await
        {
            Ok(go_on) => go_on,
            Err(e) => {
                tracing::warn!(channel = %self.channel.name, "the channel's state could not be saved: {e}");
                true
            }
        }
    }
}

/// The deliveries a send task holds, known to the dispatcher while the task lives, so that
/// the periodic lease recovery never takes back a send that is slow but still going.
struct InFlight {
    shared: Arc<Shared>,
    key: u64,
}

impl InFlight {
    fn register(shared: &Arc<Shared>, claimed: &[ClaimedDelivery]) -> InFlight {
        let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
        let key = shared.in_flight.lock().unwrap_or_else(|e| e.into_inner()).add(ids);
        InFlight {
            shared: shared.clone(),
            key,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(self.key);
    }
}

/// The time from now until a stored timestamp (zero if past or unreadable).
fn until(at: &str) -> Duration {
    chrono::DateTime::parse_from_rfc3339(at)
        .ok()
        .and_then(|t| (t.with_timezone(&chrono::Utc) - clock::now()).to_std().ok())
        .unwrap_or_default()
        .max(Duration::from_millis(5))
}

/// Takes a batch's health into the channel's: returns false when the channel paused itself.
async fn absorb(
    shared: &Shared,
    channel: &Channel,
    config: &ChannelConfig,
    failures: &mut u32,
    not_before: &mut Option<Instant>,
    in_flight_msgs: &mut usize,
    health: BatchHealth,
) -> Result<bool> {
    *in_flight_msgs -= health.size;
    let before = *failures;
    for signal in &health.signals {
        match signal {
            Some(true) => *failures = 0,
            Some(false) => *failures += 1,
            None => {}
        }
    }
    if let Some(after) = health.retry_after {
        let t = Instant::now() + after;
        *not_before = Some(not_before.map_or(t, |nb| nb.max(t)));
    }
    if before != *failures {
        shared.store.set_channel_failures(channel.id, *failures).await?;
    }
    if let Some(reason) = health.down {
        tracing::warn!(channel = %channel.name, "{reason}");
        shared.store.set_channel_paused(channel.id, true, Some(&reason)).await?;
        return Ok(false);
    }
    if *failures >= config.pause_after_failures {
        let reason = format!(
            "paused after {} failed sends in a row; last error: {}",
            failures,
            health.last_error.as_deref().unwrap_or("unknown")
        );
        tracing::warn!(channel = %channel.name, "{reason}");
        shared.store.set_channel_paused(channel.id, true, Some(&reason)).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Whom a group delivery @-mentions, as fan-out froze it; a message for more people than
/// one may mention is refused here, before anything is sent, with the numbers.
fn mentions_of(d: &ClaimedDelivery) -> std::result::Result<Mentions, Outcome> {
    channels::frozen_mentions(&d.variables, d.contact_id.is_none()).map_err(|people| Outcome::Permanent {
        reason: channels::too_many_mentions(people),
        code: Some("too_many_mentions".into()),
        bad_address: false,
    })
}

/// Renders, sends, classifies and records one claimed batch, then reports progress.
async fn send_and_record(
    shared: &Shared,
    provider: Arc<dyn Provider>,
    config: &ChannelConfig,
    claimed: Vec<ClaimedDelivery>,
    notices: &HashMap<i64, Arc<CompiledRun>>,
    address_kind: Option<&'static str>,
) -> BatchHealth {
    let started = std::time::Instant::now();
    let started_at = clock::now_str();
    let mut outgoing = Vec::with_capacity(claimed.len());
    // A recipient whose template cannot be rendered fails alone, with the reason.
    let mut pre: Vec<Option<Outcome>> = Vec::with_capacity(claimed.len());
    let markdown = reads_markdown(provider.kind());
    for d in &claimed {
        let run = &notices[&d.run_id];
        let rendered = match (&run.templates, &run.attachments) {
            (Ok(t), Ok(files)) => t
                .pick(&d.variables)
                .0
                .render_as(&d.variables, markdown)
                .map_err(|e| e.to_string())
                .map(|r| (r, files.clone())),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        };
        let mentions = match mentions_of(d) {
            Ok(m) => m,
            Err(refused) => {
                pre.push(Some(refused));
                continue;
            }
        };
        match rendered {
            Ok((r, attachments)) => {
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
                    attachments,
                    allow_unsubscribe: run.allow_unsubscribe,
                    mentions,
                });
                pre.push(None);
            }
            // The notice could not be read (the database locked or failing): try later.
            Err(e) if !run.cacheable => pre.push(Some(Outcome::Retry {
                after: Some(Duration::from_secs(10)),
                reason: e,
                code: Some("store".into()),
            })),
            Err(e) => pre.push(Some(Outcome::Permanent {
                reason: e.to_string(),
                code: Some("template".into()),
                bad_address: false,
            })),
        }
    }
    let t_render = started.elapsed();
    let t0 = std::time::Instant::now();
    let mut sent = if outgoing.is_empty() {
        Vec::new()
    } else {
        contained_send(provider.as_ref(), &outgoing).await
    }
    .into_iter();
    let latency_ms = t0.elapsed().as_millis() as i64;
    let finished = clock::now();
    let finished_at = clock::fmt(finished);
    let mut health = BatchHealth {
        size: claimed.len(),
        ..Default::default()
    };
    let mut records = Vec::with_capacity(claimed.len());
    for (d, pre) in claimed.iter().zip(pre) {
        let rendered_ok = pre.is_none();
        let outcome = pre.or_else(|| sent.next()).unwrap_or(Outcome::Retry {
            after: None,
            reason: "the provider returned no outcome for this message".into(),
            code: None,
        });
        health.signals.push(match &outcome {
            Outcome::Sent { .. } => Some(true),
            Outcome::Retry { after, reason, .. } => {
                health.retry_after = health.retry_after.max(*after);
                health.last_error = Some(reason.clone());
                Some(false)
            }
            Outcome::Permanent {
                bad_address: false,
                reason,
                ..
            } if rendered_ok => {
                health.last_error = Some(reason.clone());
                Some(false)
            }
            Outcome::Permanent { .. } => None,
            Outcome::ChannelDown { reason, .. } => {
                health.last_error = Some(reason.clone());
                health.down = Some(reason.clone());
                Some(false)
            }
        });
        let result = next_state(
            outcome,
            d.policy_attempts,
            &config.retry,
            finished,
            rand::random::<f64>(),
            address_kind,
        );
        records.push(RecordedOutcome {
            delivery_id: d.id,
            attempt_no: d.attempt_no,
            started_at: started_at.clone(),
            finished_at: finished_at.clone(),
            latency_ms,
            result,
        });
    }
    for r in &records {
        shared.report.count(&r.result);
    }
    let t_rec = std::time::Instant::now();
    let completed = record(shared, &records).await;
    let t_record = t_rec.elapsed();
    let t_prog = std::time::Instant::now();
    let mut runs: Vec<i64> = claimed.iter().map(|d| d.run_id).collect();
    runs.sort_unstable();
    runs.dedup();
    if let Err(e) = shared.report_progress(&runs, &completed).await {
        tracing::debug!("progress could not be read: {e}");
    }
    tracing::debug!(
        batch = claimed.len(),
        render_ms = t_render.as_millis() as u64,
        send_ms = latency_ms,
        record_ms = t_record.as_millis() as u64,
        progress_ms = t_prog.elapsed().as_millis() as u64,
        "batch done"
    );
    health
}

/// Writes a batch's outcomes, trying again while the database is locked, full or failing:
/// the outcomes stay in memory meanwhile, since a message already at the provider must not
/// be taken back and sent twice. Gives up only when the dispatcher is stopping and the
/// store has not answered for [`GIVE_UP_WHEN_STOPPING`]; what is left `sending` then is taken
/// back as interrupted when a dispatcher next starts. Returns the runs it completed.
async fn record(shared: &Shared, records: &[RecordedOutcome]) -> Vec<i64> {
    let mut failures = 0u32;
    let mut stopping_since: Option<Instant> = None;
    loop {
        match shared.store.record_outcomes(records, &shared.address_kinds).await {
            Ok(completed) => {
                if failures > 0 {
                    tracing::info!("recorded {} outcomes after {failures} failed tries", records.len());
                }
                return completed;
            }
            Err(e) => {
                failures += 1;
                if *shared.stopping.borrow() {
                    let since = *stopping_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= GIVE_UP_WHEN_STOPPING {
                        tracing::error!(
                            "stopping with {} outcomes unrecorded (their deliveries are taken back at the next start): {e}",
                            records.len()
                        );
                        return Vec::new();
                    }
                }
                let wait = store_backoff(failures);
                tracing::warn!(
                    "cannot record {} outcomes, trying again in {} s: {e}",
                    records.len(),
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// How long a stopping dispatcher keeps trying to record outcomes.
const GIVE_UP_WHEN_STOPPING: Duration = Duration::from_secs(30);

/// The provider's outcomes for a batch, with a panic in the provider contained to the
/// messages it was sending: the batch is sent again one message at a time, so that the one
/// that brings the provider down fails alone, with the reason, and the others go out.
/// (A message the provider had already handed over before the panic may go twice: a panic is
/// a bug of Herald's, and losing the batch would be worse.)
async fn contained_send(provider: &dyn Provider, batch: &[Outgoing]) -> Vec<Outcome> {
    match AssertUnwindSafe(provider.send(batch)).catch_unwind().await {
        Ok(outcomes) => outcomes,
        Err(panic) if batch.len() == 1 => vec![crashed(provider.kind(), &panic)],
        Err(panic) => {
            tracing::error!(
                "the {} sender failed on a batch of {} ({}); sending them one by one",
                provider.kind().as_str(),
                batch.len(),
                panic_text(&panic)
            );
            let singles = batch.iter().map(|m| async move {
                match AssertUnwindSafe(provider.send(std::slice::from_ref(m)))
                    .catch_unwind()
                    .await
                {
                    Ok(mut one) if one.len() == 1 => one.remove(0),
                    Ok(_) => Outcome::Retry {
                        after: None,
                        reason: "the provider returned no outcome for this message".into(),
                        code: None,
                    },
                    Err(panic) => crashed(provider.kind(), &panic),
                }
            });
            futures_util::future::join_all(singles).await
        }
    }
}

/// The outcome of a message that made its provider panic: it fails, and is not tried again.
fn crashed(kind: crate::model::ChannelKind, panic: &Box<dyn std::any::Any + Send>) -> Outcome {
    let text = panic_text(panic);
    tracing::error!("the {} sender failed on one message: {text}", kind.as_str());
    Outcome::Permanent {
        reason: format!(
            "Herald's {} sender could not handle this message ({text}); it was not sent and is not tried again",
            kind.as_str()
        ),
        code: Some("sender_crash".into()),
        bad_address: false,
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal error".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelKind;
    use crate::providers::Limits;

    /// A provider that panics whenever a batch holds the address `boom`.
    struct Fragile;

    #[async_trait::async_trait]
    impl Provider for Fragile {
        fn kind(&self) -> ChannelKind {
            ChannelKind::WEBHOOK
        }
        fn limits(&self) -> Limits {
            Limits {
                max_batch: 10,
                per_second: None,
                per_minute: None,
                concurrency: 10,
            }
        }
        fn preview(&self, _: &Outgoing) -> std::result::Result<Vec<crate::providers::WirePart>, String> {
            Err("a test provider shows nothing".into())
        }
        async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
            assert!(
                batch.iter().all(|m| m.address != "boom"),
                "a header that cannot be written"
            );
            batch.iter().map(|_| Outcome::Sent { provider_id: None }).collect()
        }
    }

    fn msg(address: &str) -> Outgoing {
        Outgoing {
            delivery_id: 1,
            address: address.into(),
            recipient_name: String::new(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_panic_fails_only_the_message_that_caused_it() {
        let out = contained_send(&Fragile, &[msg("a"), msg("boom"), msg("c")]).await;
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], Outcome::Sent { provider_id: None });
        assert_eq!(out[2], Outcome::Sent { provider_id: None });
        match &out[1] {
            Outcome::Permanent { reason, code, .. } => {
                assert_eq!(code.as_deref(), Some("sender_crash"));
                assert!(reason.contains("a header that cannot be written"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let alone = contained_send(&Fragile, &[msg("boom")]).await;
        assert!(matches!(alone[0], Outcome::Permanent { .. }));
    }
}
