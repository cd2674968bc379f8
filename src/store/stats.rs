//! Figures for the dashboard.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::model::DayCount;

impl Store {
    /// Deliveries sent and failed per UTC day since `since_day` (`YYYY-MM-DD`), by day.
    pub async fn delivery_counts_by_day(&self, since_day: &str) -> StoreResult<Vec<DayCount>> {
        Ok(sqlx::query(
            "SELECT substr(updated_at, 1, 10) AS day, SUM(status = 'sent') AS sent, SUM(status = 'failed') AS failed \
             FROM deliveries WHERE status IN ('sent', 'failed') AND updated_at >= ? GROUP BY day ORDER BY day",
        )
        .bind(since_day)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| DayCount {
            day: r.get("day"),
            sent: r.get("sent"),
            failed: r.get("failed"),
        })
        .collect())
    }

    /// How many channels are configured.
    pub async fn count_channels(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM channels")
            .fetch_one(&self.pool)
            .await?)
    }
}
