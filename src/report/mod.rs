//! History and statistics: what was sent, to whom, how each attempt went.

use chrono::Duration;

use crate::clock;
use crate::model::{DashboardStats, DayCount, RunDetail, RunSummary};
use crate::store::Store;
use crate::Result;

/// The newest runs with their counts.
pub async fn list_runs(store: &Store, limit: i64) -> Result<Vec<RunSummary>> {
    Ok(store.list_run_summaries(limit.clamp(1, 10_000)).await?)
}

/// A run with its notice and every delivery with its attempts.
pub async fn run_detail(store: &Store, run_id: i64) -> Result<RunDetail> {
    let run = store.get_run_summary(run_id).await?;
    let notice = store.get_notice(run.notice_id).await?;
    let deliveries = store.list_run_deliveries(run_id).await?;
    Ok(RunDetail {
        run,
        notice,
        deliveries,
        // Filled in by the app, which knows what each kind allows.
        after_send: Default::default(),
    })
}

/// The dashboard's figures; days are UTC days, the last 7 including today, with zero days filled in.
pub async fn dashboard(store: &Store) -> Result<DashboardStats> {
    let today = clock::now().date_naive();
    let first = today - Duration::days(6);
    let counts = store
        .delivery_counts_by_day(&first.format("%Y-%m-%d").to_string())
        .await?;
    let sent_by_day: Vec<DayCount> = (0..7)
        .map(|i| {
            let day = (first + Duration::days(i)).format("%Y-%m-%d").to_string();
            counts.iter().find(|c| c.day == day).cloned().unwrap_or(DayCount {
                day,
                sent: 0,
                failed: 0,
            })
        })
        .collect();
    let today_counts = sent_by_day.last().cloned().unwrap_or(DayCount {
        day: String::new(),
        sent: 0,
        failed: 0,
    });
    Ok(DashboardStats {
        contacts: store.count_contacts().await?,
        notices: store.count_notices().await?,
        channels: store.count_channels().await?,
        active_runs: store.list_active_run_ids().await?.len() as i64,
        sent_today: today_counts.sent,
        failed_today: today_counts.failed,
        sent_by_day,
        recent_runs: store.list_run_summaries(5).await?,
    })
}
