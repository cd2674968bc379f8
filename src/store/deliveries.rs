//! `deliveries` (the outbox) and `attempts`: claim, record outcomes, recover leases, read back.

use sqlx::Row;

use super::{batch, counts, from_json, Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{AttemptOutcome, AttemptView, DeliveryStatus, DeliveryView};

/// A delivery taken from the outbox by [`Store::claim_due`]; it is `sending` under a lease.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub run_id: i64,
    /// `None`: the message goes to a group chat, for no one contact.
    pub contact_id: Option<i64>,
    pub address: String,
    /// This claim's attempt number (1 for the first).
    pub attempt_no: i32,
    /// Attempts counted by the retry policy: those since the last retry by hand.
    pub policy_attempts: i32,
    /// The recipient's variables as frozen at fan-out.
    pub variables: serde_json::Value,
}

/// What became of one claimed delivery, ready to be written.
#[derive(Debug, Clone)]
pub struct RecordedOutcome {
    pub delivery_id: i64,
    pub attempt_no: i32,
    pub started_at: String,
    pub finished_at: String,
    pub latency_ms: i64,
    pub result: DeliveryResult,
}

/// The new state of a delivery after an attempt.
#[derive(Debug, Clone)]
pub enum DeliveryResult {
    Sent {
        provider_id: Option<String>,
    },
    /// Try again at `next_attempt_at`.
    Retry {
        next_attempt_at: String,
        reason: String,
        code: Option<String>,
    },
    /// Never again; `invalid_address_kind` marks the contact's address of that kind invalid.
    Failed {
        reason: String,
        code: Option<String>,
        invalid_address_kind: Option<&'static str>,
    },
}

pub(crate) fn delivery_status_from(s: &str) -> StoreResult<DeliveryStatus> {
    Ok(match s {
        "queued" => DeliveryStatus::Queued,
        "deferred" => DeliveryStatus::Deferred,
        "sending" => DeliveryStatus::Sending,
        "retry_wait" => DeliveryStatus::RetryWait,
        "sent" => DeliveryStatus::Sent,
        "failed" => DeliveryStatus::Failed,
        "cancelled" => DeliveryStatus::Cancelled,
        other => return Err(StoreError::Corrupt(format!("unknown delivery status {other}"))),
    })
}

fn outcome_from(s: &str) -> StoreResult<AttemptOutcome> {
    Ok(match s {
        "sent" => AttemptOutcome::Sent,
        "retry" => AttemptOutcome::Retry,
        "permanent" => AttemptOutcome::Permanent,
        "interrupted" => AttemptOutcome::Interrupted,
        "recalled" => AttemptOutcome::Recalled,
        "recall_failed" => AttemptOutcome::RecallFailed,
        other => return Err(StoreError::Corrupt(format!("unknown attempt outcome {other}"))),
    })
}

/// The twelve `VALUES` columns of each outcome, in the order [`Store::record_outcomes`] reads
/// them: id, attempt, started, finished, latency, status, outcome, code, message, next due
/// time, sent at, provider id. Generic over `query` and `query_as`.
fn bind_outcomes<'q, Q: BindOutcome<'q>>(mut q: Q, chunk: &'q [RecordedOutcome]) -> Q {
    for o in chunk {
        let (status, outcome, code, message, next_at, sent_at, provider_id) = match &o.result {
            DeliveryResult::Sent { provider_id } => (
                "sent",
                "sent",
                None,
                None,
                None,
                Some(o.finished_at.as_str()),
                provider_id.as_deref(),
            ),
            DeliveryResult::Retry {
                next_attempt_at,
                reason,
                code,
            } => (
                "retry_wait",
                "retry",
                code.as_deref(),
                Some(reason.as_str()),
                Some(next_attempt_at.as_str()),
                None,
                None,
            ),
            DeliveryResult::Failed { reason, code, .. } => (
                "failed",
                "permanent",
                code.as_deref(),
                Some(reason.as_str()),
                None,
                None,
                None,
            ),
        };
        q = q
            .bind_i64(o.delivery_id)
            .bind_i64(i64::from(o.attempt_no))
            .bind_str(Some(&o.started_at))
            .bind_str(Some(&o.finished_at))
            .bind_i64(o.latency_ms)
            .bind_str(Some(status))
            .bind_str(Some(outcome))
            .bind_str(code)
            .bind_str(message)
            .bind_str(next_at)
            .bind_str(sent_at)
            .bind_str(provider_id);
    }
    q
}

/// `bind` for both of sqlx's query kinds, so one function fills either.
trait BindOutcome<'q>: Sized {
    fn bind_i64(self, v: i64) -> Self;
    fn bind_str(self, v: Option<&'q str>) -> Self;
}

impl<'q> BindOutcome<'q> for sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    fn bind_i64(self, v: i64) -> Self {
        self.bind(v)
    }
    fn bind_str(self, v: Option<&'q str>) -> Self {
        self.bind(v)
    }
}

impl<'q, O> BindOutcome<'q> for sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    fn bind_i64(self, v: i64) -> Self {
        self.bind(v)
    }
    fn bind_str(self, v: Option<&'q str>) -> Self {
        self.bind(v)
    }
}

/// Due-able deliveries `d`: word for word the WHERE of the `deliveries_claim` partial index, so
/// that SQLite uses it (an `IN` list would not match, and costs far more per row; see migration
/// `…_cheap_status_checks`).
pub(crate) const DUE: &str = "(d.status = 'queued' OR d.status = 'deferred' OR d.status = 'retry_wait')";

/// The deliveries a claim takes (`?1` now, `?2` the channel, `?3` how many), in claim order:
/// id, run and status.
fn claim_pick_sql() -> String {
    format!(
        "SELECT d.id, d.run_id, d.status FROM deliveries d JOIN runs r ON r.id = d.run_id \
         WHERE d.channel_id = ?2 AND {DUE} AND d.next_attempt_at <= ?1 AND r.status = 'sending' \
         ORDER BY d.priority DESC, d.next_attempt_at, d.id LIMIT ?3"
    )
}

/// Interruptions (a sender that stopped before recording the outcome) after which a delivery
/// fails rather than waits for another try.
pub const MAX_INTERRUPTIONS: i64 = 3;

/// Marks runs complete once none of their deliveries can still change.
const COMPLETE_RUNS: &str = "UPDATE runs SET status = 'completed', finished_at = ?1 \
     WHERE status = 'sending' AND waiting = 0 AND retrying = 0 RETURNING id";

impl Store {
    /// Claims up to `limit` due deliveries of one channel in one transaction: picks them
    /// through the claim index (highest priority first, then the longest due), then marks them
    /// `sending` with a lease until `lease_until`; a lease that runs out (the process died) is
    /// taken back by [`Store::recover_expired_leases`]. Deliveries of paused or cancelled runs
    /// are left alone.
    pub async fn claim_due(&self, channel_id: i64, lease_until: &str, limit: i64) -> StoreResult<Vec<ClaimedDelivery>> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        // Picked first, with their status, so that the run counts can move retries back.
        let picked: Vec<(i64, i64, String)> = sqlx::query_as(&claim_pick_sql())
            .bind(&now)
            .bind(channel_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        if picked.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(&picked.iter().map(|p| p.0).collect::<Vec<_>>()).unwrap_or_default();
        let rows = sqlx::query(
            "UPDATE deliveries SET status = 'sending', lease_until = ?1, attempts = attempts + 1, updated_at = ?2 \
             WHERE id IN (SELECT value FROM json_each(?3)) \
             RETURNING id, run_id, contact_id, address, attempts, attempts_base, variables, priority, next_attempt_at",
        )
        .bind(lease_until)
        .bind(&now)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let mut deltas = counts::Deltas::default();
        for (_, run, status) in &picked {
            deltas.moved(*run, counts::Bucket::of(status), counts::Bucket::Waiting, 1);
        }
        deltas.apply(&mut tx).await?;
        tx.commit().await?;
        // RETURNING gives rows in no promised order; restore the claim order.
        let mut claimed: Vec<(i64, String, ClaimedDelivery)> = rows
            .iter()
            .map(|r| {
                Ok((
                    r.get::<i64, _>("priority"),
                    r.get::<String, _>("next_attempt_at"),
                    ClaimedDelivery {
                        id: r.get("id"),
                        run_id: r.get("run_id"),
                        contact_id: r.get("contact_id"),
                        address: r.get("address"),
                        attempt_no: r.get("attempts"),
                        policy_attempts: r.get::<i32, _>("attempts") - r.get::<i32, _>("attempts_base"),
                        variables: from_json("deliveries.variables", r.get("variables"))?,
                    },
                ))
            })
            .collect::<StoreResult<_>>()?;
        claimed.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| a.2.id.cmp(&b.2.id))
        });
        Ok(claimed.into_iter().map(|(_, _, d)| d).collect())
    }

    /// Writes the outcomes of one batch, with one attempt row each, in one transaction, and
    /// completes the runs that have nothing left to send. Only rows still `sending` under the
    /// same attempt are changed, so an outcome that arrives after its lease was recovered (or
    /// after the delivery was claimed again) changes nothing.
    /// A permanent failure of a run whose notice uses the preferred-then-fallback strategy
    /// queues the notice on the contact's next usable channel, linked to the failed delivery
    /// (`kinds`: channel kind → address kind, JSON). Returns the runs this completed.
    pub async fn record_outcomes(&self, outcomes: &[RecordedOutcome], kinds: &str) -> StoreResult<Vec<i64>> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let mut changed: Vec<i64> = Vec::with_capacity(outcomes.len());
        let mut deltas = counts::Deltas::default();
        for chunk in batch::chunks(outcomes) {
            let values = batch::placeholders(chunk.len(), 12);
            // Only rows still `sending` *for the attempt that produced the outcome* are changed:
            // an outcome that arrives after its lease was recovered, and the delivery perhaps
            // claimed again (a later attempt), changes nothing.
            let insert = format!(
                "INSERT INTO attempts (delivery_id, attempt_no, started_at, finished_at, latency_ms, outcome, provider_code, message) \
                 SELECT x.column1, x.column2, x.column3, x.column4, x.column5, x.column7, x.column8, x.column9 \
                 FROM (VALUES {values}) x JOIN deliveries d ON d.id = x.column1 \
                 WHERE d.status = 'sending' AND d.attempts = x.column2"
            );
            bind_outcomes(sqlx::query(&insert), chunk).execute(&mut *tx).await?;
            let update = format!(
                "UPDATE deliveries SET status = x.column6, lease_until = NULL, last_error = x.column9, \
                 next_attempt_at = COALESCE(x.column10, deliveries.next_attempt_at), \
                 sent_at = COALESCE(x.column11, deliveries.sent_at), \
                 provider_message_id = COALESCE(x.column12, deliveries.provider_message_id), updated_at = ? \
                 FROM (VALUES {values}) AS x WHERE deliveries.id = x.column1 AND deliveries.status = 'sending' \
                 AND deliveries.attempts = x.column2 \
                 RETURNING deliveries.id, deliveries.run_id, deliveries.status"
            );
            // `updated_at = ?` comes first in the text, so it is bound first.
            let rows: Vec<(i64, i64, String)> = bind_outcomes(sqlx::query_as(&update).bind(&now), chunk)
                .fetch_all(&mut *tx)
                .await?;
            for (id, run, status) in rows {
                if let Some(to) = counts::Bucket::of(&status) {
                    deltas.moved(run, Some(counts::Bucket::Waiting), to, 1);
                }
                changed.push(id);
            }
        }
        deltas.apply(&mut tx).await?;
        for o in outcomes {
            let DeliveryResult::Failed {
                invalid_address_kind,
                reason,
                ..
            } = &o.result
            else {
                continue;
            };
            if !changed.contains(&o.delivery_id) {
                continue;
            }
            super::runs::queue_fallback(&mut tx, o.delivery_id, kinds, &now).await?;
            if let Some(kind) = invalid_address_kind {
                sqlx::query(
                    "UPDATE contact_addresses SET invalid = 1, invalid_reason = ?1, updated_at = ?2 \
                     WHERE kind = ?3 AND contact_id = (SELECT contact_id FROM deliveries WHERE id = ?4)",
                )
                .bind(reason)
                .bind(&now)
                .bind(kind)
                .bind(o.delivery_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        let completed = sqlx::query_scalar(COMPLETE_RUNS).bind(&now).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(completed)
    }

    /// Takes back deliveries whose lease ran out (their sender died): they wait for a retry
    /// now, and an `interrupted` attempt records that the send may or may not have happened.
    /// `in_flight` are deliveries this process is still sending, which are never taken back
    /// however long their send takes: taking one back would send it twice. Returns how many
    /// were taken back.
    pub async fn recover_expired_leases(&self, in_flight: &[i64]) -> StoreResult<u64> {
        self.recover_leases_before(&clock::now_str(), in_flight).await
    }

    /// Takes back every `sending` delivery whose lease ends before `cutoff`, except those in
    /// `in_flight`. A dispatcher that has just taken the dispatcher lock passes the end of time:
    /// no one else can be sending, so every such row was orphaned by a crash. A delivery
    /// interrupted [`MAX_INTERRUPTIONS`] times fails with that reason instead of waiting again:
    /// a message that brings its sender down each time must not do so forever.
    pub async fn recover_leases_before(&self, cutoff: &str, in_flight: &[i64]) -> StoreResult<u64> {
        let now = clock::now_str();
        let keep = serde_json::to_string(in_flight).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin_write().await?;
        let recovered = sqlx::query(
            "INSERT INTO attempts (delivery_id, attempt_no, started_at, finished_at, outcome, message) \
             SELECT id, attempts, updated_at, ?1, 'interrupted', 'the sender stopped before the outcome was recorded' \
             FROM deliveries WHERE status = 'sending' AND lease_until < ?2 \
             AND id NOT IN (SELECT value FROM json_each(?3))",
        )
        .bind(&now)
        .bind(cutoff)
        .bind(&keep)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if recovered == 0 {
            tx.commit().await?;
            return Ok(0);
        }
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE deliveries SET status = CASE WHEN n.k >= ?4 THEN 'failed' ELSE 'retry_wait' END, \
             lease_until = NULL, next_attempt_at = ?1, updated_at = ?1, \
             last_error = CASE WHEN n.k >= ?4 \
               THEN 'interrupted ' || n.k || ' times: the sender stopped each time before the outcome was recorded, so Herald does not try again' \
               ELSE 'interrupted' END \
             FROM (SELECT a.delivery_id AS id, COUNT(*) AS k FROM attempts a \
                   JOIN deliveries s ON s.id = a.delivery_id \
                   WHERE s.status = 'sending' AND s.lease_until < ?2 AND a.outcome = 'interrupted' \
                   AND s.id NOT IN (SELECT value FROM json_each(?3)) GROUP BY a.delivery_id) AS n \
             WHERE deliveries.id = n.id RETURNING deliveries.run_id, deliveries.status",
        )
        .bind(&now)
        .bind(cutoff)
        .bind(&keep)
        .bind(MAX_INTERRUPTIONS)
        .fetch_all(&mut *tx)
        .await?;
        let mut deltas = counts::Deltas::default();
        for (run, status) in rows {
            if let Some(to) = counts::Bucket::of(&status) {
                deltas.moved(run, Some(counts::Bucket::Waiting), to, 1);
            }
        }
        deltas.apply(&mut tx).await?;
        // A run whose last deliveries failed this way is complete.
        sqlx::query(COMPLETE_RUNS).bind(&now).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(recovered)
    }

    /// The earliest time a delivery of this channel becomes due, if any waits.
    pub async fn next_due_at(&self, channel_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT MIN(d.next_attempt_at) FROM deliveries d JOIN runs r ON r.id = d.run_id \
             WHERE d.channel_id = ? AND {DUE} AND r.status = 'sending'"
        ))
        .bind(channel_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Whether any delivery of a sending run on these channels is not finished.
    pub async fn has_unfinished(&self, channel_ids: &[i64]) -> StoreResult<bool> {
        let ids = serde_json::to_string(channel_ids).unwrap_or_else(|_| "[]".into());
        // Due rows through the claim index, rows in flight through the lease index. Pinned:
        // left to itself SQLite starts from the sending runs and walks each one's every row
        // (14 ms for a 20,000-delivery run, four times a second).
        Ok(sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_claim CROSS JOIN runs r ON r.id = d.run_id \
               WHERE d.channel_id IN (SELECT value FROM json_each(?1)) AND {DUE} AND r.status = 'sending') \
             OR EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_lease CROSS JOIN runs r ON r.id = d.run_id \
               WHERE d.status = 'sending' AND d.channel_id IN (SELECT value FROM json_each(?1)) AND r.status = 'sending')"
        ))
        .bind(ids)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Deliveries of sending runs that wait on a channel that is paused or disabled, per
    /// channel: (name, why it is paused, how many). A dispatcher that stops "when idle" leaves
    /// these behind, and must say so.
    pub async fn waiting_on_stopped_channels(&self) -> StoreResult<Vec<(String, Option<String>, i64)>> {
        Ok(sqlx::query_as(
            "SELECT ch.name, ch.paused_reason, COUNT(*) FROM deliveries d \
             JOIN runs r ON r.id = d.run_id JOIN channels ch ON ch.id = d.channel_id \
             WHERE (d.status = 'queued' OR d.status = 'deferred' OR d.status = 'retry_wait' OR d.status = 'sending') \
             AND r.status = 'sending' AND (ch.paused = 1 OR ch.enabled = 0) \
             GROUP BY ch.id ORDER BY ch.name",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every delivery of a run with its attempts, in recipient order.
    pub async fn list_run_deliveries(&self, run_id: i64) -> StoreResult<Vec<DeliveryView>> {
        let rows = sqlx::query(
            "SELECT d.id, d.contact_id, COALESCE(c.name, '群：' || ch.name) AS name, ch.name AS channel_name, \
             d.address, d.status, d.attempts, d.last_error, d.provider_message_id, d.sent_at, d.fallback_of, \
             d.recall_state, d.recalled_at, d.recall_note, d.read_checked_at, d.read_at \
             FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id JOIN channels ch ON ch.id = d.channel_id \
             WHERE d.run_id = ? ORDER BY d.id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        let attempt_rows = sqlx::query(
            "SELECT a.id, a.delivery_id, a.attempt_no, a.started_at, a.finished_at, a.outcome, a.provider_code, a.message, a.latency_ms \
             FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.run_id = ? ORDER BY a.delivery_id, a.id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_delivery: std::collections::HashMap<i64, Vec<AttemptView>> = std::collections::HashMap::new();
        for r in &attempt_rows {
            by_delivery.entry(r.get("delivery_id")).or_default().push(AttemptView {
                id: r.get("id"),
                attempt_no: r.get("attempt_no"),
                started_at: r.get("started_at"),
                finished_at: r.get("finished_at"),
                outcome: outcome_from(r.get("outcome"))?,
                provider_code: r.get("provider_code"),
                message: r.get("message"),
                latency_ms: r.get("latency_ms"),
            });
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.get("id");
                Ok(DeliveryView {
                    id,
                    contact_id: r.get("contact_id"),
                    contact_name: r.get("name"),
                    channel_name: r.get("channel_name"),
                    address: r.get("address"),
                    status: delivery_status_from(r.get("status"))?,
                    attempts: r.get("attempts"),
                    last_error: r.get("last_error"),
                    provider_message_id: r.get("provider_message_id"),
                    sent_at: r.get("sent_at"),
                    fallback_of: r.get("fallback_of"),
                    attempt_log: by_delivery.remove(&id).unwrap_or_default(),
                    recall_state: r
                        .get::<Option<&str>, _>("recall_state")
                        .and_then(crate::model::RecallState::parse),
                    recalled_at: r.get("recalled_at"),
                    recall_note: r.get("recall_note"),
                    read_checked_at: r.get("read_checked_at"),
                    read_at: r.get("read_at"),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};

    async fn run_with(store: &Store, people: usize) -> (i64, i64) {
        let (run, channel) = sandbox_run(store, people).await;
        fan_out_sandbox(store, run, channel, 100).await;
        store.finish_fan_out(run).await.unwrap();
        (run, channel)
    }

    fn sent(d: &ClaimedDelivery) -> RecordedOutcome {
        RecordedOutcome {
            delivery_id: d.id,
            attempt_no: d.attempt_no,
            started_at: String::new(),
            finished_at: String::new(),
            latency_ms: 1,
            result: DeliveryResult::Sent { provider_id: None },
        }
    }

    async fn attempts_of(store: &Store, id: i64) -> Vec<(i32, String)> {
        sqlx::query_as("SELECT attempt_no, outcome FROM attempts WHERE delivery_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(&store.pool)
            .await
            .unwrap()
    }

    /// The history of a double send: attempt 1 taken back, claimed again as attempt 2, and
    /// then attempt 1's late "sent" arrives. It must change nothing: attempt 2 decides.
    #[tokio::test]
    async fn a_late_outcome_of_an_earlier_attempt_changes_nothing() {
        let (_d, store) = temp_store().await;
        let (_run, ch) = run_with(&store, 1).await;
        let first = store.claim_due(ch, "0000", 1).await.unwrap().remove(0);
        assert_eq!(store.recover_leases_before("9999", &[]).await.unwrap(), 1);
        sqlx::query("UPDATE deliveries SET next_attempt_at = '0000'")
            .execute(&store.pool)
            .await
            .unwrap();
        let second = store.claim_due(ch, "9999", 1).await.unwrap().remove(0);
        assert_eq!(second.attempt_no, 2);
        store.record_outcomes(&[sent(&first)], "{}").await.unwrap();
        let status: String = sqlx::query_scalar("SELECT status FROM deliveries WHERE id = ?")
            .bind(first.id)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(status, "sending", "attempt 2 is still in flight");
        assert_eq!(attempts_of(&store, first.id).await, vec![(1, "interrupted".to_owned())]);
        store.record_outcomes(&[sent(&second)], "{}").await.unwrap();
        assert_eq!(
            attempts_of(&store, first.id).await,
            vec![(1, "interrupted".to_owned()), (2, "sent".to_owned())]
        );
    }

    /// Lease recovery leaves alone what this dispatcher is still sending, however long it takes.
    #[tokio::test]
    async fn recovery_spares_deliveries_in_flight() {
        let (_d, store) = temp_store().await;
        let (_run, ch) = run_with(&store, 2).await;
        let claimed = store.claim_due(ch, "0000", 2).await.unwrap();
        let recovered = store.recover_leases_before("9999", &[claimed[0].id]).await.unwrap();
        assert_eq!(recovered, 1);
        assert!(attempts_of(&store, claimed[0].id).await.is_empty());
        assert_eq!(attempts_of(&store, claimed[1].id).await.len(), 1);
        store.record_outcomes(&[sent(&claimed[0])], "{}").await.unwrap();
        assert_eq!(attempts_of(&store, claimed[0].id).await, vec![(1, "sent".to_owned())]);
    }

    /// A delivery whose sender dies every time fails after the third interruption, with the
    /// count in its reason, and its run completes.
    #[tokio::test]
    async fn a_delivery_interrupted_three_times_fails() {
        let (_d, store) = temp_store().await;
        let (run, ch) = run_with(&store, 1).await;
        for round in 1..=MAX_INTERRUPTIONS {
            sqlx::query("UPDATE deliveries SET next_attempt_at = '0000'")
                .execute(&store.pool)
                .await
                .unwrap();
            let claimed = store.claim_due(ch, "0000", 1).await.unwrap();
            assert_eq!(claimed.len(), 1, "round {round}");
            assert_eq!(store.recover_leases_before("9999", &[]).await.unwrap(), 1);
        }
        let (status, error): (String, String) =
            sqlx::query_as("SELECT status, last_error FROM deliveries WHERE run_id = ?")
                .bind(run)
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert_eq!(status, "failed");
        assert!(error.starts_with("interrupted 3 times"), "{error}");
        let s = store.get_run_summary(run).await.unwrap();
        assert_eq!(
            (s.status, s.failed, s.waiting, s.retrying),
            (RunStatus::Completed, 1, 0, 0)
        );
    }

    /// Two senders of one draft at once: one run.
    #[tokio::test]
    async fn a_draft_starts_one_run() {
        let (_d, store) = temp_store().await;
        let (run, _) = sandbox_run(&store, 1).await;
        let notice: i64 = sqlx::query_scalar("SELECT notice_id FROM runs WHERE id = ?")
            .bind(run)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let (a, b) = tokio::join!(store.start_run(notice, 0, "a"), store.start_run(notice, 0, "b"));
        let started: Vec<i64> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(started.len(), 1, "{started:?}");
        assert_eq!(store.start_run(notice, 0, "c").await.unwrap(), None);
    }

    /// A cancel between two chunks of a fan-out: the next chunk adds nothing, and the end of
    /// the fan-out leaves the run cancelled.
    #[tokio::test]
    async fn a_run_cancelled_during_its_fan_out_stays_cancelled() {
        let (_d, store) = temp_store().await;
        let (run, ch) = sandbox_run(&store, 30).await;
        let filter = crate::store::AudienceFilter::All;
        let vars = crate::store::FrozenVariables::All;
        let source = crate::store::AddressSource::Anything;
        let last = store
            .fan_out_chunk(run, ch, "sandbox", source, &filter, &vars, 0, 0, 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.cancel_run(run).await.unwrap(), 10);
        let next = store
            .fan_out_chunk(run, ch, "sandbox", source, &filter, &vars, 0, last, 10)
            .await
            .unwrap();
        assert_eq!(next, None, "a cancelled run gains no deliveries");
        assert_eq!(store.finish_fan_out(run).await.unwrap(), 10);
        let s = store.get_run_summary(run).await.unwrap();
        assert_eq!(
            (s.status, s.total, s.cancelled, s.waiting),
            (RunStatus::Cancelled, 10, 10, 0)
        );
        assert!(!store.begin_fan_out(run).await.unwrap());
    }

    /// The claim must read the claim index in order, never sort the due rows: with a
    /// 100,000-delivery run a sort costs more than the whole batch it picks.
    #[tokio::test]
    async fn the_claim_walks_the_claim_index_without_sorting() {
        let (_dir, store) = temp_store().await;
        let plan = explain(&store).await;
        assert!(
            plan.iter().any(|d| d.contains("USING INDEX deliveries_claim")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
    }

    async fn explain(store: &Store) -> Vec<String> {
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", claim_pick_sql()))
            .bind("2026-11-23T00:00:00.000Z")
            .bind(1)
            .bind(10)
            .fetch_all(&store.pool)
            .await
            .unwrap();
        rows.iter().map(|r| r.get::<String, _>("detail")).collect()
    }
}
