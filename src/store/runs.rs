//! `runs` and the fan-out of a run into `deliveries`.

use sqlx::Row;

use super::{Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{RunStatus, RunSummary};

/// A contact `c`'s template variables as one JSON object: its imported attributes, overlaid
/// with the standard fields (`compose::STANDARD_VARIABLES`). Fan-out freezes this per delivery.
/// SQLite-specific (PostgreSQL: `attributes || jsonb_build_object(…)`).
pub(crate) const VARIABLES_SQL: &str =
    "json_patch(c.attributes, json_object('name', c.name, 'external_id', c.external_id, \
     'role', c.role, 'department', c.department, 'class', c.class_name, 'grade', c.grade, 'language', c.language, \
     'email', (SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'email'), \
     'mobile', (SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'mobile')))";

/// Who a fan-out chunk reaches.
#[derive(Debug, Clone)]
pub enum AudienceFilter {
    All,
    /// Exactly these contact ids (as a JSON array, expanded by SQLite's `json_each`).
    Ids(Vec<i64>),
}

/// Where a channel's address comes from.
#[derive(Debug, Clone, Copy)]
pub enum AddressSource {
    /// The sandbox takes anyone: e-mail, else mobile, else external id, else `#id`.
    Anything,
    /// The contact's address of this kind (`email`, `mobile`, …), unless marked invalid.
    Kind(&'static str),
}

pub(crate) fn run_status_str(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "pending",
        RunStatus::FanningOut => "fanning_out",
        RunStatus::Sending => "sending",
        RunStatus::Paused => "paused",
        RunStatus::Completed => "completed",
        RunStatus::Cancelled => "cancelled",
    }
}

fn run_status_from(s: &str) -> StoreResult<RunStatus> {
    Ok(match s {
        "pending" => RunStatus::Pending,
        "fanning_out" => RunStatus::FanningOut,
        "sending" => RunStatus::Sending,
        "paused" => RunStatus::Paused,
        "completed" => RunStatus::Completed,
        "cancelled" => RunStatus::Cancelled,
        other => return Err(StoreError::Corrupt(format!("unknown run status {other}"))),
    })
}

/// A run with its counts; `WHERE`/`ORDER` are appended by the callers.
const RUN_SUMMARY_SELECT: &str =
    "SELECT r.id, r.notice_id, n.title, r.status, r.priority, r.total, r.created_at, r.finished_at, \
     COALESCE(SUM(d.status = 'sent'), 0) AS sent, \
     COALESCE(SUM(d.status = 'failed'), 0) AS failed, \
     COALESCE(SUM(d.status IN ('queued', 'deferred', 'sending')), 0) AS waiting, \
     COALESCE(SUM(d.status = 'retry_wait'), 0) AS retrying, \
     COALESCE(SUM(d.status = 'cancelled'), 0) AS cancelled \
     FROM runs r JOIN notices n ON n.id = r.notice_id LEFT JOIN deliveries d ON d.run_id = r.id";

fn summary_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<RunSummary> {
    Ok(RunSummary {
        id: row.get("id"),
        notice_id: row.get("notice_id"),
        notice_title: row.get("title"),
        status: run_status_from(row.get("status"))?,
        priority: row.get("priority"),
        total: row.get("total"),
        sent: row.get("sent"),
        failed: row.get("failed"),
        waiting: row.get("waiting"),
        retrying: row.get("retrying"),
        cancelled: row.get("cancelled"),
        created_at: row.get("created_at"),
        finished_at: row.get("finished_at"),
    })
}

impl Store {
    /// Creates a pending run of a notice.
    pub async fn insert_run(&self, notice_id: i64, priority: i32, created_by: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO runs (notice_id, status, priority, created_by, created_at) VALUES (?, 'pending', ?, ?, ?) RETURNING id",
        )
        .bind(notice_id)
        .bind(priority)
        .bind(created_by)
        .bind(clock::now_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Sets a run's status (and `started_at` / `finished_at` where that status begins or ends it).
    pub async fn set_run_status(&self, run_id: i64, status: RunStatus) -> StoreResult<()> {
        let now = clock::now_str();
        let done = matches!(status, RunStatus::Completed | RunStatus::Cancelled);
        let res = sqlx::query(
            "UPDATE runs SET status = ?, \
             started_at = CASE WHEN ? = 'sending' THEN COALESCE(started_at, ?) ELSE started_at END, \
             finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id = ?",
        )
        .bind(run_status_str(status))
        .bind(run_status_str(status))
        .bind(&now)
        .bind(done)
        .bind(&now)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::not_found("run", run_id));
        }
        Ok(())
    }

    /// Inserts the deliveries of one chunk of the audience (contacts with id > `after`, at most
    /// `chunk` of them) for one channel, in one short transaction. Returns the last contact id the
    /// chunk covered (`None` when none is left), so the caller can go on; `INSERT OR IGNORE` on the
    /// (run, contact, channel) key makes a repeated or resumed fan-out add nothing twice.
    #[allow(clippy::too_many_arguments)]
    pub async fn fan_out_chunk(
        &self,
        run_id: i64,
        channel_id: i64,
        channel_kind: &str,
        source: AddressSource,
        audience: &AudienceFilter,
        priority: i32,
        after: i64,
        chunk: i64,
    ) -> StoreResult<Option<i64>> {
        let now = clock::now_str();
        let ids_json = match audience {
            AudienceFilter::All => None,
            AudienceFilter::Ids(ids) => Some(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())),
        };
        let mut tx = self.begin_write().await?;
        // The chunk's contacts first, so that contacts skipped for lack of an address still
        // advance the cursor.
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM (SELECT id FROM contacts c WHERE c.id > ?1 \
             AND (?2 IS NULL OR c.id IN (SELECT value FROM json_each(?2))) ORDER BY c.id LIMIT ?3)",
        )
        .bind(after)
        .bind(&ids_json)
        .bind(chunk)
        .fetch_one(&mut *tx)
        .await?;
        let Some(last) = last else {
            tx.commit().await?;
            return Ok(None);
        };
        let address_sql = match source {
            AddressSource::Anything => {
                "COALESCE((SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'email' AND a.invalid = 0), \
                 (SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'mobile' AND a.invalid = 0), \
                 c.external_id, '#' || c.id)"
            }
            AddressSource::Kind(_) => {
                "(SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = ?7 AND a.invalid = 0)"
            }
        };
        let kind = match source {
            AddressSource::Anything => None,
            AddressSource::Kind(k) => Some(k),
        };
        // SQLite-specific: json_object/json_patch/json_each (PostgreSQL: jsonb_build_object, ||, jsonb_array_elements).
        let sql = format!(
            "INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, next_attempt_at, variables, created_at, updated_at) \
             SELECT ?4, c.id, ?5, addr, 'queued', ?6, ?8, vars, ?8, ?8 FROM ( \
               SELECT c.id, {address_sql} AS addr, \
               {VARIABLES_SQL} AS vars \
               FROM contacts c WHERE c.id > ?1 AND c.id <= ?3 \
               AND (?2 IS NULL OR c.id IN (SELECT value FROM json_each(?2))) \
               AND NOT EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o WHERE p.contact_id = c.id AND o.value = ?9) \
             ) c WHERE addr IS NOT NULL"
        );
        sqlx::query(&sql)
            .bind(after)
            .bind(&ids_json)
            .bind(last)
            .bind(run_id)
            .bind(channel_id)
            .bind(priority)
            .bind(kind)
            .bind(&now)
            .bind(channel_kind)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(last))
    }

    /// Freezes the run's total at the number of deliveries its fan-out made.
    pub async fn finish_fan_out(&self, run_id: i64) -> StoreResult<i64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE run_id = ?")
            .bind(run_id)
            .fetch_one(&mut *tx)
            .await?;
        // A run that reaches nobody is complete at once.
        sqlx::query(
            "UPDATE runs SET total = ?1, status = CASE WHEN ?1 = 0 THEN 'completed' ELSE 'sending' END, \
             started_at = COALESCE(started_at, ?2), finished_at = CASE WHEN ?1 = 0 THEN ?2 ELSE NULL END WHERE id = ?3",
        )
        .bind(total)
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE notices SET status = 'sent', updated_at = ? WHERE id = (SELECT notice_id FROM runs WHERE id = ?)",
        )
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(total)
    }

    /// A run with its counts, or `NotFound`.
    pub async fn get_run_summary(&self, run_id: i64) -> StoreResult<RunSummary> {
        let row = sqlx::query(&format!("{RUN_SUMMARY_SELECT} WHERE r.id = ? GROUP BY r.id"))
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("run", run_id))?;
        summary_from_row(&row)
    }

    /// The newest runs with their counts.
    pub async fn list_run_summaries(&self, limit: i64) -> StoreResult<Vec<RunSummary>> {
        sqlx::query(&format!(
            "{RUN_SUMMARY_SELECT} GROUP BY r.id ORDER BY r.id DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(summary_from_row)
        .collect()
    }

    /// Runs whose fan-out began before `before` and never finished (the process stopped mid-way).
    pub async fn list_unfinished_fan_outs(&self, before: &str) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM runs WHERE status IN ('pending', 'fanning_out') AND created_at < ? ORDER BY id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The first contact of an audience (for a preview) and how many it holds.
    pub async fn audience_sample(
        &self,
        audience: &AudienceFilter,
    ) -> StoreResult<(Option<(String, serde_json::Value)>, i64)> {
        let ids_json = match audience {
            AudienceFilter::All => None,
            AudienceFilter::Ids(ids) => Some(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())),
        };
        const WHERE: &str = "WHERE (?1 IS NULL OR c.id IN (SELECT value FROM json_each(?1)))";
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM contacts c {WHERE}"))
            .bind(&ids_json)
            .fetch_one(&self.pool)
            .await?;
        let first = sqlx::query(&format!(
            "SELECT c.name, {VARIABLES_SQL} AS vars FROM contacts c {WHERE} ORDER BY c.id LIMIT 1"
        ))
        .bind(&ids_json)
        .fetch_optional(&self.pool)
        .await?;
        let first = match first {
            Some(r) => Some((
                r.get::<String, _>("name"),
                super::from_json("contact variables", r.get("vars"))?,
            )),
            None => None,
        };
        Ok((first, count))
    }

    /// The names of imported attributes that some contact has (usable as template variables).
    pub async fn list_attribute_names(&self) -> StoreResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT j.key FROM contacts c, json_each(c.attributes) j ORDER BY j.key")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Runs that are still sending (for the dashboard and for progress).
    pub async fn list_active_run_ids(&self) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM runs WHERE status IN ('pending', 'fanning_out', 'sending') ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
