//! After a run was sent: what recall and read checks read of its deliveries, what they write
//! back (each delivery's recall and read status, an `attempts` row per recall call), and the
//! reminder run (提醒未读) made in one transaction.

use sqlx::Row;

use super::deliveries::delivery_status_from;
use super::{counts, Store, StoreResult};
use crate::clock;
use crate::model::{DeliveryStatus, RecallState};

/// Rows written per statement (JSON arrays read with `json_each`).
const CHUNK: usize = 5_000;

/// One delivery of a run, as recall and read checks need it.
#[derive(Debug, Clone)]
pub struct AfterSendRow {
    pub id: i64,
    pub contact_id: Option<i64>,
    pub contact_name: String,
    pub channel_id: i64,
    pub address: String,
    pub status: DeliveryStatus,
    pub provider_message_id: Option<String>,
    pub sent_at: Option<String>,
    pub recall_state: Option<RecallState>,
    pub read_checked_at: Option<String>,
    pub read_at: Option<String>,
}

/// The recall call that covered a delivery, for its history.
#[derive(Debug, Clone)]
pub struct RecallCall {
    pub started_at: String,
    pub finished_at: String,
    pub latency_ms: i64,
    /// The platform took it back.
    pub recalled: bool,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// What a recall came to for one delivery.
#[derive(Debug, Clone)]
pub struct RecallWrite {
    pub delivery_id: i64,
    pub state: RecallState,
    pub note: Option<String>,
    /// The platform call, where one was made.
    pub call: Option<RecallCall>,
}

/// A message recalled: deliveries of other runs that share its id on its channel (a WeCom
/// msgid covers everyone one call reached) are marked recalled too.
#[derive(Debug, Clone)]
pub struct SharedRecall {
    pub channel_id: i64,
    pub provider_id: String,
    pub call: RecallCall,
    pub note: String,
}

/// A reminder run as it is about to be stored: its notice (checked templates) and the
/// deliveries of the first run whose recipients it goes to, on the same channel and address.
#[derive(Debug, Clone)]
pub struct ReminderRecord<'a> {
    pub reminder_of: i64,
    pub title: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub audience: &'a str,
    pub channel_ids: &'a [i64],
    pub priority: i32,
    pub created_by: &'a str,
    pub delivery_ids: &'a [i64],
}

fn call_json(call: &RecallCall) -> serde_json::Value {
    serde_json::json!({
        "started": call.started_at,
        "finished": call.finished_at,
        "latency": call.latency_ms,
        "outcome": if call.recalled { "recalled" } else { "recall_failed" },
        "code": call.code,
        "message": call.message,
    })
}

impl Store {
    /// Every delivery of a run with what recall and read checks need; `NotFound` for no run.
    pub async fn after_send_rows(&self, run_id: i64) -> StoreResult<Vec<AfterSendRow>> {
        self.ensure_run_exists(run_id).await?;
        let rows = sqlx::query(
            "SELECT d.id, d.contact_id, COALESCE(c.name, '群：' || ch.name) AS name, d.channel_id, d.address, d.status, \
             d.provider_message_id, d.sent_at, d.recall_state, d.read_checked_at, d.read_at \
             FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id JOIN channels ch ON ch.id = d.channel_id \
             WHERE d.run_id = ? ORDER BY d.id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AfterSendRow {
                    id: r.get("id"),
                    contact_id: r.get("contact_id"),
                    contact_name: r.get("name"),
                    channel_id: r.get("channel_id"),
                    address: r.get("address"),
                    status: delivery_status_from(r.get("status"))?,
                    provider_message_id: r.get("provider_message_id"),
                    sent_at: r.get("sent_at"),
                    recall_state: r.get::<Option<&str>, _>("recall_state").and_then(RecallState::parse),
                    read_checked_at: r.get("read_checked_at"),
                    read_at: r.get("read_at"),
                })
            })
            .collect()
    }

    /// The runs sent as reminders of `run_id`, oldest first.
    pub async fn reminders_of(&self, run_id: i64) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM runs WHERE reminder_of = ? ORDER BY id")
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Writes what a recall came to, in one transaction: each delivery's recall state and
    /// note, an `attempts` row for each delivery a platform call covered, and the same for
    /// deliveries of runs created since `others_since` that share a recalled message. Returns
    /// how many of those others were marked. The audit entry of the handle (if any) gets the
    /// counts.
    pub async fn record_recall(
        &self,
        run_id: i64,
        writes: &[RecallWrite],
        shared: &[SharedRecall],
        others_since: &str,
    ) -> StoreResult<i64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        for chunk in writes.chunks(CHUNK) {
            let json = serde_json::Value::Array(
                chunk
                    .iter()
                    .map(|w| {
                        serde_json::json!({
                            "id": w.delivery_id,
                            "state": w.state.as_str(),
                            "note": w.note,
                            "call": w.call.as_ref().map(call_json),
                        })
                    })
                    .collect(),
            )
            .to_string();
            sqlx::query(
                "INSERT INTO attempts (delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms) \
                 SELECT d.id, d.attempts, j.value ->> '$.call.started', j.value ->> '$.call.finished', \
                 j.value ->> '$.call.outcome', j.value ->> '$.call.code', j.value ->> '$.call.message', j.value ->> '$.call.latency' \
                 FROM json_each(?1) j JOIN deliveries d ON d.id = j.value ->> '$.id' \
                 WHERE d.run_id = ?2 AND j.value ->> '$.call' IS NOT NULL",
            )
            .bind(&json)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE deliveries SET recall_state = j.value ->> '$.state', recall_note = j.value ->> '$.note', \
                 recalled_at = ?2, updated_at = ?2 \
                 FROM json_each(?1) j WHERE deliveries.id = j.value ->> '$.id' AND deliveries.run_id = ?3",
            )
            .bind(&json)
            .bind(&now)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        }
        let mut others = 0;
        for s in shared {
            // Through the runs' creation index and the (run, contact, channel) key: a shared
            // message was sent in one batch, for runs that existed then.
            let scope =
                "FROM deliveries d WHERE d.run_id IN (SELECT id FROM runs WHERE created_at >= ?1 AND id <> ?2) \
                 AND d.channel_id = ?3 AND d.provider_message_id = ?4 AND d.status = 'sent' \
                 AND (d.recall_state IS NULL OR d.recall_state <> 'recalled')";
            let call = call_json(&s.call);
            sqlx::query(&format!(
                "INSERT INTO attempts (delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms) \
                 SELECT d.id, d.attempts, ?5 ->> '$.started', ?5 ->> '$.finished', 'recalled', NULL, ?6, ?5 ->> '$.latency' {scope}"
            ))
            .bind(others_since)
            .bind(run_id)
            .bind(s.channel_id)
            .bind(&s.provider_id)
            .bind(call.to_string())
            .bind(&s.note)
            .execute(&mut *tx)
            .await?;
            others += sqlx::query(&format!(
                "UPDATE deliveries SET recall_state = 'recalled', recall_note = ?5, recalled_at = ?6, updated_at = ?6 \
                 WHERE id IN (SELECT d.id {scope})"
            ))
            .bind(others_since)
            .bind(run_id)
            .bind(s.channel_id)
            .bind(&s.provider_id)
            .bind(&s.note)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        let count = |state: RecallState, call: Option<bool>| {
            writes
                .iter()
                .filter(|w| w.state == state && call.is_none_or(|c| w.call.is_some() == c))
                .count()
        };
        tx.audit_note("recalled", count(RecallState::Recalled, None));
        tx.audit_note("failed", count(RecallState::Failed, None));
        tx.audit_note("notRecallable", count(RecallState::NotRecallable, None));
        if others > 0 {
            tx.audit_note("recalledInOtherRuns", others);
        }
        tx.commit().await?;
        Ok(others)
    }

    /// Writes a read check: every delivery in `checked` was asked about at `checked_at`;
    /// those in `read` have been read (at the platform's time where it gave one, else
    /// `checked_at`). A delivery once read stays read.
    pub async fn record_reads(
        &self,
        checked_at: &str,
        checked: &[i64],
        read: &[(i64, Option<String>)],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for chunk in checked.chunks(CHUNK) {
            sqlx::query("UPDATE deliveries SET read_checked_at = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
                .bind(checked_at)
                .bind(serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into()))
                .execute(&mut *tx)
                .await?;
        }
        for chunk in read.chunks(CHUNK) {
            let json = serde_json::Value::Array(
                chunk
                    .iter()
                    .map(|(id, at)| serde_json::json!({"id": id, "at": at}))
                    .collect(),
            )
            .to_string();
            sqlx::query(
                "UPDATE deliveries SET read_at = COALESCE(deliveries.read_at, j.value ->> '$.at', ?1) \
                 FROM json_each(?2) j WHERE deliveries.id = j.value ->> '$.id'",
            )
            .bind(checked_at)
            .bind(&json)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Stores a reminder: its notice (sent from the start), its run (sending, linked to the
    /// run it reminds about) and one queued delivery per delivery named, on the same channel
    /// and address, with the first run's variables and the recipient's language. One
    /// transaction, so a reminder is never half made; the handle's audit entry is about the
    /// new run. Returns the run's id.
    pub async fn start_reminder(&self, r: &ReminderRecord<'_>) -> StoreResult<i64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let notice_id: i64 = sqlx::query_scalar(
            "INSERT INTO notices (title, subject, body, audience, channel_ids, channel_strategy, priority, status, \
             created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'all', ?6, 'sent', ?7, ?8, ?8) RETURNING id",
        )
        .bind(r.title)
        .bind(r.subject)
        .bind(r.body)
        .bind(r.audience)
        .bind(serde_json::to_string(r.channel_ids).unwrap_or_else(|_| "[]".into()))
        .bind(r.priority)
        .bind(r.created_by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let run_id: i64 = sqlx::query_scalar(
            "INSERT INTO runs (notice_id, status, priority, created_by, created_at, started_at, reminder_of) \
             VALUES (?1, 'sending', ?2, ?3, ?4, ?4, ?5) RETURNING id",
        )
        .bind(notice_id)
        .bind(r.priority)
        .bind(r.created_by)
        .bind(&now)
        .bind(r.reminder_of)
        .fetch_one(&mut *tx)
        .await?;
        let mut total = 0;
        for chunk in r.delivery_ids.chunks(CHUNK) {
            // SQLite-specific: json_set (PostgreSQL: jsonb_set).
            total += sqlx::query(
                "INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, next_attempt_at, \
                 variables, created_at, updated_at) \
                 SELECT ?1, d.contact_id, d.channel_id, d.address, 'queued', ?2, ?3, \
                 json_set(d.variables, '$.language', COALESCE(c.language, 'zh-CN')), ?3, ?3 \
                 FROM deliveries d JOIN contacts c ON c.id = d.contact_id \
                 WHERE d.id IN (SELECT value FROM json_each(?4)) AND d.run_id = ?5 AND d.status = 'sent' ORDER BY d.id",
            )
            .bind(run_id)
            .bind(r.priority)
            .bind(&now)
            .bind(serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into()))
            .bind(r.reminder_of)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        sqlx::query(
            "UPDATE runs SET total = ?1, status = CASE WHEN ?1 = 0 THEN 'completed' ELSE status END, \
             finished_at = CASE WHEN ?1 = 0 THEN ?2 END WHERE id = ?3",
        )
        .bind(total)
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        counts::recount(&mut tx, run_id).await?;
        tx.audit_about(run_id);
        tx.audit_note("people", total);
        tx.commit().await?;
        Ok(run_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};
    use crate::store::{DeliveryResult, RecordedOutcome};

    /// A run of `people`, every delivery sent under the message id `m<delivery id / 2>` (two
    /// people per platform message, as one call covers several).
    async fn sent_run(store: &Store, people: usize) -> (i64, Vec<i64>) {
        let (run, ch) = sandbox_run(store, people).await;
        fan_out_sandbox(store, run, ch, 100).await;
        store.finish_fan_out(run).await.unwrap();
        let claimed = store.claim_due(ch, "9999", 100).await.unwrap();
        let outcomes: Vec<RecordedOutcome> = claimed
            .iter()
            .map(|d| RecordedOutcome {
                delivery_id: d.id,
                attempt_no: d.attempt_no,
                started_at: clock::now_str(),
                finished_at: clock::now_str(),
                latency_ms: 1,
                result: DeliveryResult::Sent {
                    provider_id: Some(format!("m{}", d.id / 2)),
                },
            })
            .collect();
        store.record_outcomes(&outcomes, "{}").await.unwrap();
        (run, claimed.iter().map(|d| d.id).collect())
    }

    #[tokio::test]
    async fn a_recall_is_kept_per_delivery_with_its_call_in_the_history() {
        let (_d, store) = temp_store().await;
        let (run, ids) = sent_run(&store, 3).await;
        let call = RecallCall {
            started_at: clock::now_str(),
            finished_at: clock::now_str(),
            latency_ms: 12,
            recalled: true,
            code: None,
            message: None,
        };
        let writes = vec![
            RecallWrite {
                delivery_id: ids[0],
                state: RecallState::Recalled,
                note: None,
                call: Some(call.clone()),
            },
            RecallWrite {
                delivery_id: ids[1],
                state: RecallState::Failed,
                note: Some("busy".into()),
                call: Some(RecallCall {
                    recalled: false,
                    code: Some("x:1".into()),
                    message: Some("busy".into()),
                    ..call.clone()
                }),
            },
            RecallWrite {
                delivery_id: ids[2],
                state: RecallState::NotRecallable,
                note: Some("too late".into()),
                call: None,
            },
        ];
        assert_eq!(store.record_recall(run, &writes, &[], "0000").await.unwrap(), 0);
        let rows = store.after_send_rows(run).await.unwrap();
        let states: Vec<_> = rows.iter().map(|r| r.recall_state).collect();
        assert_eq!(
            states,
            [
                Some(RecallState::Recalled),
                Some(RecallState::Failed),
                Some(RecallState::NotRecallable)
            ]
        );
        let history = store.list_run_deliveries(run).await.unwrap();
        let outcomes: Vec<Vec<_>> = history
            .iter()
            .map(|d| d.attempt_log.iter().map(|a| a.outcome).collect())
            .collect();
        use crate::model::AttemptOutcome::*;
        assert_eq!(outcomes, [vec![Sent, Recalled], vec![Sent, RecallFailed], vec![Sent]]);
        assert_eq!(history[1].attempt_log[1].provider_code.as_deref(), Some("x:1"));
        assert_eq!(history[2].recall_note.as_deref(), Some("too late"));
        // The run's counts do not move: the messages were sent.
        assert_eq!(store.get_run_summary(run).await.unwrap().sent, 3);
    }

    #[tokio::test]
    async fn a_reminder_is_one_run_of_the_unread_linked_to_the_first_and_counted_as_waiting() {
        let (_d, store) = temp_store().await;
        let (run, ids) = sent_run(&store, 3).await;
        let now = clock::now_str();
        store
            .record_reads(&now, &ids, &[(ids[0], Some("2026-01-01T00:00:00.000Z".into()))])
            .await
            .unwrap();
        let rows = store.after_send_rows(run).await.unwrap();
        assert_eq!(rows[0].read_at.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        assert!(rows[1].read_at.is_none() && rows[1].read_checked_at.as_deref() == Some(now.as_str()));
        // A read stays read, whatever a later check says.
        store.record_reads(&clock::now_str(), &ids, &[]).await.unwrap();
        assert!(store.after_send_rows(run).await.unwrap()[0].read_at.is_some());

        let channel = rows[0].channel_id;
        let reminder = store
            .start_reminder(&ReminderRecord {
                reminder_of: run,
                title: "提醒：t",
                subject: "【提醒】t",
                body: "提醒",
                audience: "contacts:2,3",
                channel_ids: &[channel],
                priority: 0,
                created_by: "",
                delivery_ids: &ids[1..],
            })
            .await
            .unwrap();
        let s = store.get_run_summary(reminder).await.unwrap();
        assert_eq!(
            (s.status, s.total, s.waiting, s.reminder_of),
            (RunStatus::Sending, 2, 2, Some(run))
        );
        assert_eq!(store.reminders_of(run).await.unwrap(), vec![reminder]);
        let new_rows = store.after_send_rows(reminder).await.unwrap();
        let to: Vec<_> = new_rows
            .iter()
            .map(|r| (r.contact_id, r.channel_id, r.address.clone()))
            .collect();
        let from: Vec<_> = rows[1..]
            .iter()
            .map(|r| (r.contact_id, r.channel_id, r.address.clone()))
            .collect();
        assert_eq!(to, from, "the same people, channel and address");
        let vars: String = sqlx::query_scalar("SELECT variables FROM deliveries WHERE run_id = ? LIMIT 1")
            .bind(reminder)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert!(vars.contains("\"language\":\"zh-CN\""), "{vars}");
    }
}
