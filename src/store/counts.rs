//! The per-run counts in `runs` (waiting, retrying, sent, failed, cancelled).
//!
//! Every statement that changes a delivery's status changes these in the same transaction:
//! the hot paths (fan-out, claim, outcome, lease recovery, fallback) by the deltas they know,
//! the rare ones (cancel, retry by hand, the end of a fan-out) by counting the run again.

use std::collections::HashMap;

use super::{StoreResult, WriteTx};

/// A count column of `runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// queued, deferred or sending
    Waiting,
    /// retry_wait
    Retrying,
    Sent,
    Failed,
    Cancelled,
}

impl Bucket {
    /// The bucket of a delivery status as stored.
    pub(crate) fn of(status: &str) -> Option<Bucket> {
        Some(match status {
            "queued" | "deferred" | "sending" => Bucket::Waiting,
            "retry_wait" => Bucket::Retrying,
            "sent" => Bucket::Sent,
            "failed" => Bucket::Failed,
            "cancelled" => Bucket::Cancelled,
            _ => return None,
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Count changes per run, written with one statement per run.
#[derive(Debug, Default)]
pub(crate) struct Deltas(HashMap<i64, [i64; 5]>);

impl Deltas {
    /// `n` deliveries of `run` moved from `from` (`None`: they are new) to `to`.
    pub(crate) fn moved(&mut self, run: i64, from: Option<Bucket>, to: Bucket, n: i64) {
        if from == Some(to) || n == 0 {
            return;
        }
        let d = self.0.entry(run).or_default();
        if let Some(from) = from {
            d[from.index()] -= n;
        }
        d[to.index()] += n;
    }

    pub(crate) async fn apply(self, tx: &mut WriteTx) -> StoreResult<()> {
        for (run, d) in self.0 {
            sqlx::query(
                "UPDATE runs SET waiting = waiting + ?1, retrying = retrying + ?2, sent = sent + ?3, \
                 failed = failed + ?4, cancelled = cancelled + ?5 WHERE id = ?6",
            )
            .bind(d[0])
            .bind(d[1])
            .bind(d[2])
            .bind(d[3])
            .bind(d[4])
            .bind(run)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// Counts a run's deliveries again (after a change that touched a whole run at once).
pub(crate) async fn recount(tx: &mut WriteTx, run: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE runs SET (waiting, retrying, sent, failed, cancelled) = ( \
           SELECT COUNT(*) FILTER (WHERE d.status = 'queued' OR d.status = 'deferred' OR d.status = 'sending'), \
                  COUNT(*) FILTER (WHERE d.status = 'retry_wait'), \
                  COUNT(*) FILTER (WHERE d.status = 'sent'), \
                  COUNT(*) FILTER (WHERE d.status = 'failed'), \
                  COUNT(*) FILTER (WHERE d.status = 'cancelled') \
           FROM deliveries d WHERE d.run_id = runs.id) \
         WHERE id = ?",
    )
    .bind(run)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunSummary;
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};
    use crate::store::{DeliveryResult, RecordedOutcome, RetryScope, Store};

    /// The counts kept in `runs` must equal the rows, whatever moved them.
    async fn assert_counts_match_rows(store: &Store, run: i64, step: &str) -> RunSummary {
        let s = store.get_run_summary(run).await.unwrap();
        let rows: (i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE status IN ('queued', 'deferred', 'sending')), \
             COUNT(*) FILTER (WHERE status = 'retry_wait'), COUNT(*) FILTER (WHERE status = 'sent'), \
             COUNT(*) FILTER (WHERE status = 'failed'), COUNT(*) FILTER (WHERE status = 'cancelled') \
             FROM deliveries WHERE run_id = ?",
        )
        .bind(run)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(
            (s.waiting, s.retrying, s.sent, s.failed, s.cancelled),
            rows,
            "after {step}"
        );
        s
    }

    fn outcome(id: i64, attempt: i32, result: DeliveryResult) -> RecordedOutcome {
        RecordedOutcome {
            delivery_id: id,
            attempt_no: attempt,
            started_at: "2026-01-01T00:00:00.000Z".into(),
            finished_at: "2026-01-01T00:00:00.000Z".into(),
            latency_ms: 1,
            result,
        }
    }

    #[tokio::test]
    async fn counts_follow_every_status_change() {
        let (_d, store) = temp_store().await;
        let (run, ch) = sandbox_run(&store, 10).await;
        fan_out_sandbox(&store, run, ch, 4).await;
        assert_counts_match_rows(&store, run, "fan-out chunks").await;
        store.finish_fan_out(run).await.unwrap();
        assert_eq!(assert_counts_match_rows(&store, run, "fan-out").await.waiting, 10);

        // Claim six: two sent, two retry, one fails, one is left in flight.
        let c = store.claim_due(ch, "9999", 6).await.unwrap();
        let retry = |at: &str| DeliveryResult::Retry {
            next_attempt_at: at.into(),
            reason: "busy".into(),
            code: None,
        };
        let failed = DeliveryResult::Failed {
            reason: "no".into(),
            code: None,
            invalid_address_kind: None,
        };
        store
            .record_outcomes(
                &[
                    outcome(c[0].id, 1, DeliveryResult::Sent { provider_id: None }),
                    outcome(
                        c[1].id,
                        1,
                        DeliveryResult::Sent {
                            provider_id: Some("p".into()),
                        },
                    ),
                    outcome(c[2].id, 1, retry("2000-01-01T00:00:00.000Z")),
                    outcome(c[3].id, 1, retry("2000-01-01T00:00:00.000Z")),
                    outcome(c[4].id, 1, failed),
                ],
                "{}",
            )
            .await
            .unwrap();
        let s = assert_counts_match_rows(&store, run, "outcomes").await;
        assert_eq!((s.sent, s.retrying, s.failed, s.waiting), (2, 2, 1, 5));
        // Retries are due at once (2000): claiming takes them back to waiting.
        store.claim_due(ch, "9999", 2).await.unwrap();
        assert_eq!(
            assert_counts_match_rows(&store, run, "claiming retries").await.retrying,
            0
        );
        // Leases that ran out come back as retries.
        assert_eq!(store.recover_leases_before("99999", &[]).await.unwrap(), 3);
        assert_eq!(
            assert_counts_match_rows(&store, run, "lease recovery").await.retrying,
            3
        );
        assert_eq!(store.retry_failed(RetryScope::Run(run)).await.unwrap(), 1);
        assert_counts_match_rows(&store, run, "retry by hand").await;
        store.cancel_run(run).await.unwrap();
        let s = assert_counts_match_rows(&store, run, "cancel").await;
        assert_eq!((s.sent, s.cancelled, s.waiting + s.retrying + s.failed), (2, 8, 0));
    }

    #[test]
    fn a_move_takes_from_one_bucket_and_adds_to_another() {
        let mut d = Deltas::default();
        d.moved(1, Some(Bucket::Waiting), Bucket::Sent, 3);
        d.moved(1, None, Bucket::Waiting, 2);
        d.moved(1, Some(Bucket::Waiting), Bucket::Waiting, 5);
        d.moved(2, Some(Bucket::Retrying), Bucket::Waiting, 1);
        assert_eq!(d.0[&1], [-1, 0, 3, 0, 0]);
        assert_eq!(d.0[&2], [1, -1, 0, 0, 0]);
    }
}
