//! After a run was sent: recall it (撤回), check who has read it, and remind the unread
//! (提醒未读) with a new run linked to the first.
//!
//! What each platform allows comes from its kind ([`Kind::after_send_terms`], and the calls
//! from [`Kind::after_send`]); everything here works from that, so a kind that implements it
//! is recalled and checked without a line here.
//!
//! - **Recall** cancels what the run has not sent (as `cancel_run` does), then recalls each
//!   distinct platform message id once (a WeCom msgid covers everyone one call reached), if
//!   it is inside its kind's window. Each delivery records the outcome, with an `attempts`
//!   row for the platform call; those Herald could not recall say why. Recalling again tries
//!   the failed ones again, and those that were in flight meanwhile.
//! - **Reads** are asked per message id of the run's sent, unrecalled, not yet read
//!   deliveries on kinds that report reads, inside their window, and stored with the time of
//!   the check.
//! - **Reminders** go to the deliveries that were checked and found unread (after a fresh
//!   check), on the same channel and address, as a run of their own (`reminder_of`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use thiserror::Error;

use super::kinds::{described, stored_values};
use super::App;
use crate::channels::{AfterSend, AfterSendTerms, Kind, Recipients, Refusal};
use crate::dispatch::rate::RateLimiter;
use crate::dispatch::ChannelConfig;
use crate::model::{
    AfterSendNote, Channel, ChannelKind, DeliveryStatus, ReadCounts, ReadsReport, RecallOutlook, RecallReport,
    RecallState, RunAfterSend, RunSummary,
};
use crate::outbox::RetryPolicy;
use crate::store::{AfterSendRow, RecallCall, RecallWrite, ReminderRecord, SharedRecall};
use crate::{clock, compose, Result};

/// Platform calls in flight at once for one recall or read check: well inside every
/// platform's per-second limit (Feishu's 50 a second), and the sends share that limit.
const CALLS_AT_ONCE: usize = 4;

/// A channel's calls after sending, paced by the channel's own rate limits (its kind's, as
/// the channel lowered them): a read check of a run of thousands would otherwise pass a
/// platform's per-minute quota, which the channel's sends count against too.
struct Caller {
    sender: Arc<dyn AfterSend>,
    pace: tokio::sync::Mutex<RateLimiter>,
}

impl Caller {
    fn new(sender: Arc<dyn AfterSend>, kind: &dyn Kind, channel: &Channel) -> Caller {
        let config = ChannelConfig::resolve(kind.limits(), &channel.limits, RetryPolicy::default());
        Caller {
            sender,
            pace: tokio::sync::Mutex::new(RateLimiter::new(config.limits.per_second, config.limits.per_minute)),
        }
    }
}

/// How far back a recalled message id is looked for in other runs (a message is sent in one
/// batch, for runs that existed then).
const SHARED_LOOKBACK: chrono::Duration = chrono::Duration::days(7);

/// A recall, read check or reminder that cannot be done, with the run it concerns.
#[derive(Debug, Error)]
pub enum AfterSendError {
    #[error("run {run_id} has nothing to recall or cancel: {reasons}")]
    NothingToRecall { run_id: i64, reasons: String },
    #[error(
        "run {run_id} went out only on channels that do not report who has read a message ({channels}); read status is known for Feishu app messages and DingTalk work notifications"
    )]
    ReadsNotReported { run_id: i64, channels: String },
    #[error("the read status of run {run_id} could not be checked: {reasons}")]
    ReadsUnavailable { run_id: i64, reasons: String },
    #[error(
        "everyone in run {run_id} whose read status is known has read it ({read} read, {unknown} unknown): there is no one to remind"
    )]
    NobodyUnread { run_id: i64, read: i64, unknown: i64 },
}

impl AfterSendError {
    /// A stable code UIs map to their own words.
    pub fn code(&self) -> &'static str {
        match self {
            AfterSendError::NothingToRecall { .. } => "recall_nothing",
            AfterSendError::ReadsNotReported { .. } => "reads_not_reported",
            AfterSendError::ReadsUnavailable { .. } => "reads_unavailable",
            AfterSendError::NobodyUnread { .. } => "remind_nobody",
        }
    }

    /// The field the error concerns: always the run.
    pub fn field(&self) -> &'static str {
        "run"
    }

    /// The values a UI fills into its text.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![("field", self.field().to_owned())];
        match self {
            AfterSendError::NothingToRecall { run_id, reasons }
            | AfterSendError::ReadsUnavailable { run_id, reasons } => {
                p.push(("runId", run_id.to_string()));
                p.push(("reasons", reasons.clone()));
            }
            AfterSendError::ReadsNotReported { run_id, channels } => {
                p.push(("runId", run_id.to_string()));
                p.push(("channels", channels.clone()));
            }
            AfterSendError::NobodyUnread { run_id, read, unknown } => {
                p.push(("runId", run_id.to_string()));
                p.push(("read", read.to_string()));
                p.push(("unknown", unknown.to_string()));
            }
        }
        p
    }
}

/// A channel of the run with what its kind allows after sending.
struct ChannelTerms {
    channel: Channel,
    kind: Option<&'static dyn Kind>,
    terms: AfterSendTerms,
}

impl ChannelTerms {
    /// The kind's name in a sentence ("WeCom app message").
    fn label(&self) -> String {
        match self.kind {
            Some(k) => k.label().en.to_owned(),
            None => match self.channel.kind {
                ChannelKind::SMTP => "e-mail".into(),
                other => format!("{} message", other.as_str()),
            },
        }
    }

    /// Why a sent message of this channel cannot be recalled, when its kind cannot.
    fn cannot_recall(&self) -> String {
        match (self.kind.map(|k| k.recipients()), self.channel.kind) {
            (Some(Recipients::Group), _) => {
                "robot messages in a group chat cannot be recalled: the platform offers no recall for them".into()
            }
            (_, ChannelKind::SMTP) => "an e-mail cannot be taken back once it is sent".into(),
            _ => format!("a {} cannot be recalled", self.label()),
        }
    }

    fn cannot_read(&self) -> String {
        format!("the platform does not tell who has read a {}", self.label())
    }
}

fn hours(d: Duration) -> u64 {
    d.as_secs().div_ceil(3600)
}

fn parse_time(at: &Option<String>) -> Option<DateTime<Utc>> {
    at.as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Counts by (channel, reason), for notes.
#[derive(Default)]
struct Notes(BTreeMap<(String, String), i64>);

impl Notes {
    fn add(&mut self, channel: &str, reason: &str, n: i64) {
        *self.0.entry((channel.to_owned(), reason.to_owned())).or_default() += n;
    }

    fn list(&self) -> Vec<AfterSendNote> {
        self.0
            .iter()
            .map(|((channel, reason), count)| AfterSendNote {
                channel: channel.clone(),
                count: *count,
                reason: reason.clone(),
            })
            .collect()
    }

    fn sentence(&self) -> String {
        self.0
            .iter()
            .map(|((channel, reason), count)| format!("{count} on {channel}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What a recall would do now.
#[derive(Default)]
struct RecallPlan {
    cancellable: i64,
    in_flight: i64,
    already_recalled: i64,
    /// Per (channel, platform message id): the deliveries it covers, and its earliest send.
    calls: BTreeMap<(i64, String), (Vec<i64>, DateTime<Utc>)>,
    not_recallable: Vec<(i64, String)>,
    notes: Notes,
    window: Option<Duration>,
}

impl RecallPlan {
    fn recallable(&self) -> i64 {
        self.calls.values().map(|(ids, _)| ids.len() as i64).sum()
    }
}

fn plan_recall(rows: &[AfterSendRow], channels: &HashMap<i64, ChannelTerms>, now: DateTime<Utc>) -> RecallPlan {
    let mut plan = RecallPlan::default();
    for row in rows {
        let Some(ct) = channels.get(&row.channel_id) else {
            continue;
        };
        match row.status {
            DeliveryStatus::Queued | DeliveryStatus::Deferred | DeliveryStatus::RetryWait => plan.cancellable += 1,
            DeliveryStatus::Sending => plan.in_flight += 1,
            DeliveryStatus::Failed | DeliveryStatus::Cancelled => {}
            DeliveryStatus::Sent => {
                if row.recall_state == Some(RecallState::Recalled) {
                    plan.already_recalled += 1;
                    continue;
                }
                let refuse = |plan: &mut RecallPlan, reason: String| {
                    plan.notes.add(&ct.channel.name, &reason, 1);
                    plan.not_recallable.push((row.id, reason));
                };
                let Some(window) = ct.terms.recall_within else {
                    refuse(&mut plan, ct.cannot_recall());
                    continue;
                };
                plan.window = Some(plan.window.map_or(window, |w| w.min(window)));
                let Some(id) = row.provider_message_id.clone().filter(|i| !i.trim().is_empty()) else {
                    refuse(
                        &mut plan,
                        "the platform gave no message id when it was sent, so there is nothing to recall it by".into(),
                    );
                    continue;
                };
                let sent = parse_time(&row.sent_at).unwrap_or(now);
                let window_chrono = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
                if sent + window_chrono <= now {
                    refuse(
                        &mut plan,
                        format!(
                            "sent more than {h} hours ago: a {label} can be recalled only within {h} hours of sending",
                            h = hours(window),
                            label = ct.label()
                        ),
                    );
                    continue;
                }
                let entry = plan
                    .calls
                    .entry((row.channel_id, id))
                    .or_insert_with(|| (Vec::new(), sent));
                entry.0.push(row.id);
                entry.1 = entry.1.min(sent);
            }
        }
    }
    plan
}

/// The read status of rows, as stored.
fn read_counts(rows: &[AfterSendRow], channels: &HashMap<i64, ChannelTerms>) -> ReadCounts {
    let mut c = ReadCounts::default();
    for row in rows {
        let Some(ct) = channels.get(&row.channel_id) else {
            continue;
        };
        if !ct.terms.reports_reads {
            continue;
        }
        c.reported = true;
        if row.status != DeliveryStatus::Sent || row.recall_state == Some(RecallState::Recalled) {
            continue;
        }
        if row.read_at.is_some() {
            c.read += 1;
        } else if row.read_checked_at.is_some() {
            c.unread += 1;
        } else {
            c.unknown += 1;
        }
        if row.read_checked_at > c.checked_at {
            c.checked_at = row.read_checked_at.clone();
        }
    }
    c
}

/// A run's unread: sent on a channel that reports reads, checked, not read, not recalled,
/// to a person.
fn is_unread(row: &AfterSendRow, channels: &HashMap<i64, ChannelTerms>) -> bool {
    channels.get(&row.channel_id).is_some_and(|c| c.terms.reports_reads)
        && row.status == DeliveryStatus::Sent
        && row.contact_id.is_some()
        && row.read_checked_at.is_some()
        && row.read_at.is_none()
        && row.recall_state != Some(RecallState::Recalled)
}

/// The reminder's subject and body: the first run's subject (a template, rendered with the
/// same variables) after 【提醒】, and one line saying it has not been read yet, in the
/// recipient's language (a contact's `language`, `en` or Chinese). The notice itself is not
/// repeated: the reminder arrives in the same chat with the app, just below it.
pub fn reminder_text(subject: &str) -> (String, String) {
    let prefixed = format!("{{% if language == \"en\" %}}[Reminder] {{% else %}}【提醒】{{% endif %}}{subject}");
    let subject_out = if prefixed.len() <= compose::MAX_SUBJECT_BYTES {
        prefixed
    } else {
        subject.to_owned()
    };
    let body = format!(
        "{{% if language == \"en\" %}}Reminder: you have not read the notice “{subject}” yet. Please find it earlier in this chat and read it.\
         {{% else %}}提醒：您还没有查看通知《{subject}》，请在本会话中往上找到并查看。{{% endif %}}"
    );
    (subject_out, body)
}

/// The outcome of one platform call and how long it took.
struct Called<T> {
    key: (i64, String),
    result: std::result::Result<T, Refusal>,
    started_at: String,
    finished_at: String,
    latency_ms: i64,
}

impl App {
    /// Every channel with what its kind allows after sending, by id.
    async fn channel_terms(&self) -> Result<HashMap<i64, ChannelTerms>> {
        Ok(self
            .store
            .list_channels()
            .await?
            .into_iter()
            .map(|channel| {
                let kind = described(channel.kind);
                let terms = kind.map(|k| k.after_send_terms()).unwrap_or_default();
                (channel.id, ChannelTerms { channel, kind, terms })
            })
            .collect())
    }

    /// The calls after sending of each channel named, built from its stored settings; the
    /// reason instead where that fails.
    async fn after_senders(
        &self,
        channels: &HashMap<i64, ChannelTerms>,
        ids: impl Iterator<Item = i64>,
    ) -> HashMap<i64, std::result::Result<Arc<Caller>, String>> {
        let mut out = HashMap::new();
        for id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let Some(ct) = channels.get(&id) else { continue };
            let built = match ct.kind {
                Some(kind) => match stored_values(&self.store, self.secrets.as_ref(), kind, id).await {
                    Ok(values) => match kind.after_send(&ct.channel.name, &values) {
                        Some(Ok(a)) => Ok(Arc::new(Caller::new(a, kind, &ct.channel))),
                        Some(Err(e)) => Err(format!("the channel's settings cannot be used: {e}")),
                        None => Err(ct.cannot_recall()),
                    },
                    Err(e) => Err(e.to_string()),
                },
                None => Err(ct.cannot_recall()),
            };
            out.insert(id, built);
        }
        out
    }

    /// Runs `call` for each (channel, message id), a few at a time.
    async fn call_each<T, F, Fut>(
        &self,
        keys: Vec<(i64, String)>,
        senders: &HashMap<i64, std::result::Result<Arc<Caller>, String>>,
        call: F,
    ) -> Vec<Called<T>>
    where
        F: Fn(Arc<dyn AfterSend>, (i64, String)) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Refusal>>,
    {
        let calls = keys.into_iter().map(|key| {
            let caller = senders.get(&key.0).and_then(|s| s.as_ref().ok()).cloned();
            let fut = caller.as_ref().map(|c| call(c.sender.clone(), key.clone()));
            let unbuilt = match senders.get(&key.0) {
                Some(Err(reason)) => reason.clone(),
                _ => "the channel no longer exists".into(),
            };
            async move {
                if let Some(caller) = &caller {
                    caller.pace.lock().await.reserve(1).await;
                }
                let started_at = clock::now_str();
                let start = Instant::now();
                let result = match fut {
                    Some(f) => f.await,
                    None => Err(Refusal::Failed {
                        reason: unbuilt,
                        code: None,
                    }),
                };
                Called {
                    key,
                    result,
                    started_at,
                    finished_at: clock::now_str(),
                    latency_ms: start.elapsed().as_millis() as i64,
                }
            }
        });
        stream::iter(calls).buffer_unordered(CALLS_AT_ONCE).collect().await
    }

    /// What recalling the run would do now, its read status, and its reminders: the run
    /// page's buttons and their confirmations.
    pub async fn run_after_send(&self, run_id: i64) -> Result<RunAfterSend> {
        let rows = self.store.after_send_rows(run_id).await?;
        let channels = self.channel_terms().await?;
        let plan = plan_recall(&rows, &channels, clock::now());
        let recallable_until = plan
            .calls
            .iter()
            .filter_map(|((channel, _), (_, sent))| {
                let window = channels.get(channel)?.terms.recall_within?;
                Some(*sent + chrono::Duration::from_std(window).ok()?)
            })
            .min()
            .map(clock::fmt);
        Ok(RunAfterSend {
            recall: RecallOutlook {
                cancellable: plan.cancellable,
                recallable: plan.recallable(),
                not_recallable: plan.not_recallable.len() as i64,
                recalled: plan.already_recalled,
                in_flight: plan.in_flight,
                window_hours: plan.window.map(hours),
                recallable_until,
                notes: plan.notes.list(),
            },
            reads: read_counts(&rows, &channels),
            reminders: self.store.reminders_of(run_id).await?,
        })
    }

    /// Recalls a run sent by mistake: what it has not sent is cancelled, and each message it
    /// sent is recalled where its platform allows, within its window. Audited as `run.recall`
    /// (when it starts: what was cancelled) and `run.recalled` (what the platforms did).
    pub async fn recall_run(&self, run_id: i64) -> Result<RecallReport> {
        let rows = self.store.after_send_rows(run_id).await?;
        let channels = self.channel_terms().await?;
        let now = clock::now();
        let plan = plan_recall(&rows, &channels, now);
        if plan.cancellable == 0 && plan.calls.is_empty() && plan.in_flight == 0 {
            let reasons = if plan.notes.0.is_empty() {
                if plan.already_recalled > 0 {
                    format!("its {} sent messages were recalled already", plan.already_recalled)
                } else {
                    "it sent nothing, and nothing waits to be sent".into()
                }
            } else {
                plan.notes.sentence()
            };
            return Err(AfterSendError::NothingToRecall { run_id, reasons }.into());
        }
        let cancelled = self
            .audited(
                "run.recall",
                "run",
                Some(run_id),
                serde_json::json!({"messages": plan.calls.len(), "recallable": plan.recallable()}),
            )
            .cancel_run(run_id)
            .await? as i64;

        let senders = self.after_senders(&channels, plan.calls.keys().map(|k| k.0)).await;
        let keys: Vec<(i64, String)> = plan.calls.keys().cloned().collect();
        let done = self
            .call_each(
                keys,
                &senders,
                |sender, (_, id)| async move { sender.recall(&id).await },
            )
            .await;

        let mut report = RecallReport {
            run_id,
            cancelled,
            already_recalled: plan.already_recalled,
            in_flight: plan.in_flight,
            not_recallable: plan.not_recallable.len() as i64,
            ..Default::default()
        };
        let mut notes = plan.notes;
        let mut writes: Vec<RecallWrite> = plan
            .not_recallable
            .iter()
            .map(|(id, reason)| RecallWrite {
                delivery_id: *id,
                state: RecallState::NotRecallable,
                note: Some(reason.clone()),
                call: None,
            })
            .collect();
        let mut shared = Vec::new();
        for called in done {
            let deliveries = &plan.calls[&called.key].0;
            let channel_name = channels
                .get(&called.key.0)
                .map(|c| c.channel.name.clone())
                .unwrap_or_default();
            let (state, note, call_code, message) = match &called.result {
                Ok(()) => {
                    report.recalled += deliveries.len() as i64;
                    (RecallState::Recalled, None, None, None)
                }
                Err(refusal) => {
                    notes.add(&channel_name, refusal.reason(), deliveries.len() as i64);
                    let state = match refusal {
                        Refusal::Final { .. } => {
                            report.not_recallable += deliveries.len() as i64;
                            RecallState::NotRecallable
                        }
                        Refusal::Failed { .. } => {
                            report.failed += deliveries.len() as i64;
                            RecallState::Failed
                        }
                    };
                    (
                        state,
                        Some(refusal.reason().to_owned()),
                        refusal.code().map(str::to_owned),
                        Some(refusal.reason().to_owned()),
                    )
                }
            };
            // A channel that could not even be set up made no call: nothing for the history.
            let made_call = !matches!(senders.get(&called.key.0), Some(Err(_)) | None);
            let call = made_call.then(|| RecallCall {
                started_at: called.started_at.clone(),
                finished_at: called.finished_at.clone(),
                latency_ms: called.latency_ms,
                recalled: state == RecallState::Recalled,
                code: call_code,
                message,
            });
            if state == RecallState::Recalled {
                if let Some(call) = &call {
                    shared.push(SharedRecall {
                        channel_id: called.key.0,
                        provider_id: called.key.1.clone(),
                        call: call.clone(),
                        note: format!("recalled with the same message of run {run_id}"),
                    });
                }
            }
            writes.extend(deliveries.iter().map(|id| RecallWrite {
                delivery_id: *id,
                state,
                note: note.clone(),
                call: call.clone(),
            }));
        }
        report.notes = notes.list();
        let since = clock::fmt(now - SHARED_LOOKBACK);
        report.also_recalled_elsewhere = self
            .audited("run.recalled", "run", Some(run_id), serde_json::json!({}))
            .record_recall(run_id, &writes, &shared, &since)
            .await?;
        Ok(report)
    }

    /// Asks the platforms who has read the run's messages (those not known to be read yet,
    /// inside each platform's window), and stores the answers with the time of the check.
    pub async fn refresh_reads(&self, run_id: i64) -> Result<ReadsReport> {
        let rows = self.store.after_send_rows(run_id).await?;
        let channels = self.channel_terms().await?;
        let now = clock::now();
        let mut notes = Notes::default();
        let mut asks: BTreeMap<(i64, String), Vec<&AfterSendRow>> = BTreeMap::new();
        let mut reporting = false;
        let mut silent: Vec<String> = Vec::new();
        for row in rows.iter().filter(|r| r.status == DeliveryStatus::Sent) {
            let Some(ct) = channels.get(&row.channel_id) else {
                continue;
            };
            if !ct.terms.reports_reads {
                notes.add(&ct.channel.name, &ct.cannot_read(), 1);
                if !silent.contains(&ct.channel.name) {
                    silent.push(ct.channel.name.clone());
                }
                continue;
            }
            reporting = true;
            if row.read_at.is_some() || row.recall_state == Some(RecallState::Recalled) {
                continue;
            }
            let Some(id) = row.provider_message_id.clone().filter(|i| !i.trim().is_empty()) else {
                notes.add(&ct.channel.name, "the platform gave no message id to ask by", 1);
                continue;
            };
            if let (Some(window), Some(sent)) = (ct.terms.reads_within, parse_time(&row.sent_at)) {
                if sent + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX) <= now {
                    notes.add(
                        &ct.channel.name,
                        &format!(
                            "the platform tells who has read a {} only within {} days of sending",
                            ct.label(),
                            window.as_secs() / 86_400
                        ),
                        1,
                    );
                    continue;
                }
            }
            asks.entry((row.channel_id, id)).or_default().push(row);
        }
        if !reporting {
            return Err(AfterSendError::ReadsNotReported {
                run_id,
                channels: if silent.is_empty() {
                    "none".into()
                } else {
                    silent.join(", ")
                },
            }
            .into());
        }
        let senders = self.after_senders(&channels, asks.keys().map(|k| k.0)).await;
        let addresses: HashMap<(i64, String), Vec<String>> = asks
            .iter()
            .map(|(k, rows)| (k.clone(), rows.iter().map(|r| r.address.clone()).collect()))
            .collect();
        let addresses = &addresses;
        let done = self
            .call_each(asks.keys().cloned().collect(), &senders, |sender, key| async move {
                let to = addresses.get(&key).cloned().unwrap_or_default();
                sender.read_by(&key.1, &to).await
            })
            .await;
        let asked = done.len();
        let mut failed = 0;
        let mut checked = Vec::new();
        let mut read = Vec::new();
        for called in done {
            let rows = &asks[&called.key];
            match called.result {
                Ok(receipts) => {
                    for row in rows {
                        checked.push(row.id);
                        if let Some(r) = receipts.iter().find(|r| r.address.trim() == row.address.trim()) {
                            read.push((row.id, r.at.clone()));
                        }
                    }
                }
                Err(refusal) => {
                    failed += 1;
                    let name = channels
                        .get(&called.key.0)
                        .map(|c| c.channel.name.clone())
                        .unwrap_or_default();
                    notes.add(&name, refusal.reason(), rows.len() as i64);
                }
            }
        }
        if asked > 0 && failed == asked {
            return Err(AfterSendError::ReadsUnavailable {
                run_id,
                reasons: notes.sentence(),
            }
            .into());
        }
        let checked_at = clock::fmt(now);
        if !checked.is_empty() {
            self.store.record_reads(&checked_at, &checked, &read).await?;
        }
        let rows = self.store.after_send_rows(run_id).await?;
        let counts = read_counts(&rows, &channels);
        Ok(ReadsReport {
            run_id,
            checked_at,
            read: counts.read,
            unread: counts.unread,
            unknown: counts.unknown,
            unread_names: rows
                .iter()
                .filter(|r| is_unread(r, &channels))
                .map(|r| r.contact_name.clone())
                .collect(),
            notes: notes.list(),
        })
    }

    /// 提醒未读: checks who has read the run now, then sends those who have not a short
    /// reminder, as a new run linked to this one (same channel and address; see
    /// [`reminder_text`]). Audited as `run.remind`. Returns the new run.
    pub async fn remind_unread(&self, run_id: i64) -> Result<RunSummary> {
        let reads = self.refresh_reads(run_id).await?;
        let rows = self.store.after_send_rows(run_id).await?;
        let channels = self.channel_terms().await?;
        let unread: Vec<&AfterSendRow> = rows.iter().filter(|r| is_unread(r, &channels)).collect();
        if unread.is_empty() {
            return Err(AfterSendError::NobodyUnread {
                run_id,
                read: reads.read,
                unknown: reads.unknown,
            }
            .into());
        }
        let mut channel_ids: Vec<i64> = unread.iter().map(|r| r.channel_id).collect();
        channel_ids.sort_unstable();
        channel_ids.dedup();
        for id in &channel_ids {
            if let Some(ct) = channels.get(id) {
                if !ct.channel.enabled {
                    return Err(crate::Error::Invalid(format!(
                        "the channel {} is disabled: enable it, then remind again",
                        ct.channel.name
                    )));
                }
            }
        }
        let run = self.store.get_run_summary(run_id).await?;
        let notice = self.store.get_notice(run.notice_id).await?;
        let (subject, body) = reminder_text(&notice.subject);
        compose::check("subject", &subject)?;
        compose::check("body", &body)?;
        let mut contacts: Vec<i64> = unread.iter().filter_map(|r| r.contact_id).collect();
        contacts.sort_unstable();
        contacts.dedup();
        let audience = format!(
            "contacts:{}",
            contacts.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        );
        let delivery_ids: Vec<i64> = unread.iter().map(|r| r.id).collect();
        let title = format!("提醒：{}", notice.title);
        let new_run = self
            .audited(
                "run.remind",
                "run",
                None,
                serde_json::json!({"reminderOf": run_id, "unread": delivery_ids.len()}),
            )
            .start_reminder(&ReminderRecord {
                reminder_of: run_id,
                title: &title,
                subject: &subject,
                body: &body,
                audience: &audience,
                channel_ids: &channel_ids,
                priority: run.priority,
                created_by: self.actor.as_str(),
                delivery_ids: &delivery_ids,
            })
            .await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_run_summary(new_run).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_renders_in_the_recipients_language_with_the_first_subject() {
        let (subject, body) = reminder_text("{{ name }}：体检通知");
        let zh = serde_json::json!({"name": "张三", "language": "zh-CN"});
        let en = serde_json::json!({"name": "Li", "language": "en"});
        let r = compose::render(&subject, &body, &zh).unwrap();
        assert_eq!(r.subject, "【提醒】张三：体检通知");
        assert_eq!(
            r.body,
            "提醒：您还没有查看通知《张三：体检通知》，请在本会话中往上找到并查看。"
        );
        let r = compose::render(&subject, &body, &en).unwrap();
        assert_eq!(r.subject, "[Reminder] Li：体检通知");
        assert!(
            r.body
                .starts_with("Reminder: you have not read the notice “Li：体检通知” yet."),
            "{}",
            r.body
        );
    }
}
