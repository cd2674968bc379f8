//! One channel's worker: reserves rate, claims a batch, sends it with up to `concurrency`
//! batches in flight, writes the outcomes, and watches the channel's health: a Retry-After
//! slows the whole channel, and a long run of failures pauses it with the reason.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::config::ChannelConfig;
use super::rate::RateLimiter;
use super::Shared;
use crate::clock;
use crate::compose;
use crate::model::Channel;
use crate::outbox::next_state;
use crate::providers::{address_kind, reads_markdown, Attachment, Outcome, Outgoing, Provider};
use crate::store::{ClaimedDelivery, RecordedOutcome};
use crate::Result;

/// A run's notice, ready to render (or why it cannot be).
struct CompiledRun {
    templates: std::result::Result<compose::CompiledNotice, String>,
    /// Read once per run; a file that cannot be read fails the run's messages with the reason
    /// rather than sending them without it.
    attachments: std::result::Result<Arc<[Attachment]>, String>,
    allow_unsubscribe: bool,
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

/// Runs one channel until `stop`, or until the channel pauses itself.
pub(super) async fn run(
    shared: Arc<Shared>,
    channel: Channel,
    provider: Arc<dyn Provider>,
    config: ChannelConfig,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let mut limiter = RateLimiter::new(config.limits.per_second, config.limits.per_minute);
    let mut in_flight: JoinSet<Result<BatchHealth>> = JoinSet::new();
    // Messages claimed and not yet recorded: the channel's concurrency bounds this.
    let mut in_flight_msgs = 0usize;
    let mut notices: HashMap<i64, Arc<CompiledRun>> = HashMap::new();
    let mut failures = u32::try_from(channel.consecutive_failures).unwrap_or(0);
    let mut not_before: Option<Instant> = None;
    let mut wake = shared.wake.clone();
    let lease = chrono::Duration::from_std(shared.options.lease).unwrap_or(chrono::Duration::minutes(2));
    let address_kind = address_kind(channel.kind);

    'work: loop {
        while let Some(done) = in_flight.try_join_next() {
            let health = joined(done)?;
            if !absorb(
                &shared,
                &channel,
                &config,
                &mut failures,
                &mut not_before,
                &mut in_flight_msgs,
                health,
            )
            .await?
            {
                break 'work;
            }
        }
        if *stop.borrow() {
            break;
        }
        if in_flight_msgs >= config.limits.concurrency {
            tokio::select! {
                Some(done) = in_flight.join_next() => {
                    let health = joined(done)?;
                    if !absorb(&shared, &channel, &config, &mut failures, &mut not_before, &mut in_flight_msgs, health).await? {
                        break 'work;
                    }
                }
                _ = stop.changed() => {}
            }
            continue;
        }
        if let Some(t) = not_before.filter(|t| *t > Instant::now()) {
            tokio::select! {
                _ = tokio::time::sleep_until(t) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        // Batches of at most half the concurrency keep two in flight, so one slow send holds
        // back only its own batch while the other goes on.
        let per_batch = config.limits.max_batch.min((config.limits.concurrency / 2).max(1));
        let want = per_batch.min(config.limits.concurrency - in_flight_msgs) as u32;
        let reserved = tokio::select! {
            n = limiter.reserve(want) => n,
            _ = stop.changed() => continue,
        };
        let lease_until = clock::fmt(clock::now() + lease);
        let claimed = shared
            .store
            .claim_due(channel.id, &lease_until, i64::from(reserved))
            .await?;
        limiter.release(reserved - claimed.len() as u32);
        if claimed.is_empty() {
            let wait = match shared.store.next_due_at(channel.id).await? {
                Some(due) => until(&due).min(shared.options.idle_poll),
                None => shared.options.idle_poll,
            };
            tokio::select! {
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    let health = joined(done)?;
                    if !absorb(&shared, &channel, &config, &mut failures, &mut not_before, &mut in_flight_msgs, health).await? {
                        break 'work;
                    }
                }
                _ = wake.changed() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let mut batch_notices = HashMap::new();
        for d in &claimed {
            let notice = match notices.get(&d.run_id) {
                Some(n) => n.clone(),
                None => {
                    let notice = shared.store.notice_for_run(d.run_id).await?;
                    let data_dir = shared.store.path().parent().unwrap_or(std::path::Path::new("."));
                    let n = Arc::new(CompiledRun {
                        templates: compose::CompiledNotice::new(&notice.subject, &notice.body)
                            .map_err(|e| e.to_string()),
                        attachments: crate::app::load_attachments(data_dir, &notice.attachments),
                        allow_unsubscribe: notice.allow_unsubscribe,
                    });
                    notices.insert(d.run_id, n.clone());
                    n
                }
            };
            batch_notices.insert(d.run_id, notice);
        }
        in_flight_msgs += claimed.len();
        let (shared2, provider2, config2) = (shared.clone(), provider.clone(), config.clone());
        in_flight.spawn(async move {
            send_and_record(
                &shared2,
                provider2.as_ref(),
                &config2,
                claimed,
                &batch_notices,
                address_kind,
            )
            .await
        });
    }
    // What is in flight holds leases: let it finish and be recorded.
    while let Some(done) = in_flight.join_next().await {
        let health = joined(done)?;
        absorb(
            &shared,
            &channel,
            &config,
            &mut failures,
            &mut not_before,
            &mut in_flight_msgs,
            health,
        )
        .await?;
    }
    Ok(())
}

/// A finished send task's result; a panicked task is an error of the dispatcher.
fn joined(done: std::result::Result<Result<BatchHealth>, tokio::task::JoinError>) -> Result<BatchHealth> {
    done.map_err(|e| crate::Error::Invalid(format!("a send task failed: {e}")))?
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

/// Renders, sends, classifies and records one claimed batch, then reports progress.
async fn send_and_record(
    shared: &Shared,
    provider: &dyn Provider,
    config: &ChannelConfig,
    claimed: Vec<ClaimedDelivery>,
    notices: &HashMap<i64, Arc<CompiledRun>>,
    address_kind: Option<&'static str>,
) -> Result<BatchHealth> {
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
                .render_as(&d.variables, markdown)
                .map_err(|e| e.to_string())
                .map(|r| (r, files.clone())),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
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
                });
                pre.push(None);
            }
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
        provider.send(&outgoing).await
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
    let completed = shared.store.record_outcomes(&records, &shared.address_kinds).await?;
    let t_record = t_rec.elapsed();
    let t_prog = std::time::Instant::now();
    let mut runs: Vec<i64> = claimed.iter().map(|d| d.run_id).collect();
    runs.sort_unstable();
    runs.dedup();
    shared.report_progress(&runs, &completed).await?;
    tracing::debug!(
        batch = claimed.len(),
        render_ms = t_render.as_millis() as u64,
        send_ms = latency_ms,
        record_ms = t_record.as_millis() as u64,
        progress_ms = t_prog.elapsed().as_millis() as u64,
        "batch done"
    );
    Ok(health)
}
