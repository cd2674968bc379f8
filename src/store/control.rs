//! Changes people make to what is being sent: pause, resume and cancel runs; retry failed
//! deliveries by hand; pause and resume channels (also done by the dispatcher itself).

use super::{counts, Store, StoreError, StoreResult};
use crate::clock;

/// Which failed deliveries a retry by hand covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryScope {
    Delivery(i64),
    Run(i64),
    Channel(i64),
}

impl Store {
    /// Pauses a sending run: its deliveries stay in the outbox, unclaimed. Returns false when
    /// the run was not sending.
    pub async fn pause_run(&self, run_id: i64) -> StoreResult<bool> {
        self.move_run(run_id, "sending", "paused").await
    }

    /// Resumes a paused run. Returns false when it was not paused.
    pub async fn resume_run(&self, run_id: i64) -> StoreResult<bool> {
        self.move_run(run_id, "paused", "sending").await
    }

    /// Moves a run from status `from` to `to`; false when it was not in `from`.
    async fn move_run(&self, run_id: i64, from: &str, to: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("UPDATE runs SET status = ? WHERE id = ? AND status = ?")
            .bind(to)
            .bind(run_id)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 1 {
            tx.commit().await?;
            return Ok(true);
        }
        drop(tx);
        self.ensure_run_exists(run_id).await?;
        Ok(false)
    }

    /// Cancels a run: every delivery not yet sent or being sent is cancelled. Those in flight
    /// finish as they will (they may already be at the provider). Returns how many were cancelled.
    pub async fn cancel_run(&self, run_id: i64) -> StoreResult<u64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::not_found("run", run_id));
        }
        let n = sqlx::query(
            "UPDATE deliveries SET status = 'cancelled', updated_at = ?1 \
             WHERE run_id = ?2 AND status IN ('queued', 'deferred', 'retry_wait')",
        )
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        counts::recount(&mut tx, run_id).await?;
        tx.audit_note("cancelled", n);
        sqlx::query(
            "UPDATE runs SET status = 'cancelled', finished_at = ?1 WHERE id = ?2 AND status NOT IN ('completed', 'cancelled')",
        )
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Queues failed deliveries again, now, each with a fresh allowance of attempts; their runs
    /// go back to sending. Returns how many were queued.
    pub async fn retry_failed(&self, scope: RetryScope) -> StoreResult<u64> {
        let now = clock::now_str();
        // A cancelled run stays cancelled: its failures are not sent again.
        let (filter, id) = match scope {
            RetryScope::Delivery(id) => (
                "id = ?2 AND run_id IN (SELECT id FROM runs WHERE status <> 'cancelled')",
                id,
            ),
            RetryScope::Run(id) => (
                "run_id = ?2 AND run_id IN (SELECT id FROM runs WHERE status <> 'cancelled')",
                id,
            ),
            RetryScope::Channel(id) => (
                "channel_id = ?2 AND run_id IN (SELECT id FROM runs WHERE status <> 'cancelled')",
                id,
            ),
        };
        let mut tx = self.begin_write().await?;
        let runs: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT run_id FROM deliveries WHERE status = 'failed' AND {filter}"
        ))
        .bind(&now)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let n = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = ?1, attempts_base = attempts, last_error = NULL, \
             updated_at = ?1 WHERE status = 'failed' AND {filter}"
        ))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.audit_note("queued", n);
        for run_id in runs {
            counts::recount(&mut tx, run_id).await?;
            sqlx::query("UPDATE runs SET status = 'sending', finished_at = NULL WHERE id = ? AND status IN ('completed', 'sending')")
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub(super) async fn ensure_run_exists(&self, run_id: i64) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        found.map(|_| ()).ok_or_else(|| StoreError::not_found("run", run_id))
    }

    /// Pauses or resumes a channel; `reason` says why it paused (shown in the UI and CLI).
    pub async fn set_channel_paused(&self, channel_id: i64, paused: bool, reason: Option<&str>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "UPDATE channels SET paused = ?1, paused_reason = ?2, \
             health = CASE WHEN ?1 THEN 'paused' ELSE 'ok' END, \
             consecutive_failures = CASE WHEN ?1 THEN consecutive_failures ELSE 0 END, updated_at = ?3 WHERE id = ?4",
        )
        .bind(paused)
        .bind(if paused { reason } else { None })
        .bind(clock::now_str())
        .bind(channel_id)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::not_found("channel", channel_id));
        }
        tx.commit().await
    }

    /// Records a channel's run of consecutive failures (`degraded` while above zero). Does not
    /// touch `updated_at`, which marks configuration changes.
    pub async fn set_channel_failures(&self, channel_id: i64, consecutive: u32) -> StoreResult<()> {
        sqlx::query(
            "UPDATE channels SET consecutive_failures = ?1, health = CASE WHEN paused THEN 'paused' WHEN ?1 > 0 THEN 'degraded' ELSE 'ok' END \
             WHERE id = ?2",
        )
        .bind(consecutive)
        .bind(channel_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The channel's limit overrides (JSON object).
    pub async fn channel_limits(&self, channel_id: i64) -> StoreResult<serde_json::Value> {
        let text: String = sqlx::query_scalar("SELECT limits FROM channels WHERE id = ?")
            .bind(channel_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("channel", channel_id))?;
        super::from_json("channels.limits", &text)
    }

    /// Replaces a channel's settings, limits and secret reference.
    pub async fn update_channel_config(
        &self,
        channel_id: i64,
        settings: &serde_json::Value,
        limits: &serde_json::Value,
        secret_ref: Option<&str>,
    ) -> StoreResult<()> {
        let res =
            sqlx::query("UPDATE channels SET settings = ?, limits = ?, secret_ref = ?, updated_at = ? WHERE id = ?")
                .bind(settings.to_string())
                .bind(limits.to_string())
                .bind(secret_ref)
                .bind(clock::now_str())
                .bind(channel_id)
                .execute(&self.pool)
                .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::not_found("channel", channel_id));
        }
        Ok(())
    }

    /// Where the channel's secret is kept in the secret store, if it has one.
    pub async fn channel_secret_ref(&self, channel_id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT secret_ref FROM channels WHERE id = ?")
                .bind(channel_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::RetryScope;
    use crate::model::RunStatus;
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};
    use crate::store::{DeliveryResult, RecordedOutcome, Store};

    async fn run_with(store: &Store, people: usize) -> (i64, i64) {
        let (run, channel) = sandbox_run(store, people).await;
        fan_out_sandbox(store, run, channel, 100).await;
        store.finish_fan_out(run).await.unwrap();
        (run, channel)
    }

    fn fail(id: i64, attempt: i32) -> RecordedOutcome {
        RecordedOutcome {
            delivery_id: id,
            attempt_no: attempt,
            started_at: String::new(),
            finished_at: String::new(),
            latency_ms: 1,
            result: DeliveryResult::Failed {
                reason: "no".into(),
                code: None,
                invalid_address_kind: None,
            },
        }
    }

    #[tokio::test]
    async fn paused_runs_are_not_claimed_and_cancel_leaves_sent_alone() {
        let (_d, store) = temp_store().await;
        let (run, ch) = run_with(&store, 3).await;
        assert!(store.pause_run(run).await.unwrap());
        assert!(store.claim_due(ch, "9999", 10).await.unwrap().is_empty());
        assert!(store.resume_run(run).await.unwrap());
        let claimed = store.claim_due(ch, "9999", 1).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(
            store.cancel_run(run).await.unwrap(),
            2,
            "the one being sent is not cancelled"
        );
        let s = store.get_run_summary(run).await.unwrap();
        assert_eq!((s.status, s.cancelled, s.waiting), (RunStatus::Cancelled, 2, 1));
        // The one in flight fails afterwards: a cancelled run does not send it again.
        store
            .record_outcomes(&[fail(claimed[0].id, claimed[0].attempt_no)], "{}")
            .await
            .unwrap();
        assert_eq!(store.retry_failed(RetryScope::Run(run)).await.unwrap(), 0);
        assert_eq!(store.retry_failed(RetryScope::Channel(ch)).await.unwrap(), 0);
        assert!(store.pause_run(999).await.is_err());
    }

    #[tokio::test]
    async fn a_retry_by_hand_requeues_failed_deliveries_with_fresh_attempts() {
        let (_d, store) = temp_store().await;
        let (run, ch) = run_with(&store, 2).await;
        let claimed = store.claim_due(ch, "9999", 10).await.unwrap();
        let done = store
            .record_outcomes(
                &claimed.iter().map(|d| fail(d.id, d.attempt_no)).collect::<Vec<_>>(),
                "{}",
            )
            .await
            .unwrap();
        assert_eq!(done, vec![run]);
        assert_eq!(store.retry_failed(RetryScope::Run(run)).await.unwrap(), 2);
        let s = store.get_run_summary(run).await.unwrap();
        assert_eq!((s.status, s.failed, s.waiting), (RunStatus::Sending, 0, 2));
        let again = store.claim_due(ch, "9999", 10).await.unwrap();
        assert!(
            again.iter().all(|d| d.attempt_no == 2 && d.policy_attempts == 1),
            "{again:?}"
        );
    }
}
