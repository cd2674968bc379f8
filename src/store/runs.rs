//! `runs` and the fan-out of a run into `deliveries`.

use sqlx::Row;

use super::audience::{AudienceFilter, Params};
use super::{counts, Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{RunStatus, RunSummary};

/// Joins a contact `c` to its e-mail (`e`) and mobile (`m`) addresses, once each.
pub(crate) const ADDRESS_JOINS: &str = "LEFT JOIN contact_addresses e ON e.contact_id = c.id AND e.kind = 'email' \
     LEFT JOIN contact_addresses m ON m.contact_id = c.id AND m.kind = 'mobile'";

/// A contact `c`'s template variables as one JSON object (with [`ADDRESS_JOINS`]): its
/// imported attributes, overlaid with the standard fields (`compose::STANDARD_VARIABLES`);
/// a field the contact lacks is `null`, which rendering treats as missing. Fan-out freezes
/// this per delivery. SQLite-specific (PostgreSQL: `attributes || jsonb_build_object(…)`).
pub(crate) const VARIABLES_SQL: &str = "CASE WHEN c.attributes = '{}' THEN STD ELSE json_patch(c.attributes, STD) END";

const STANDARD_FIELDS_SQL: &str = "json_object('name', c.name, 'external_id', c.external_id, 'role', c.role, \
     'department', c.department, 'class', c.class_name, 'grade', c.grade, 'language', c.language, \
     'email', e.address, 'mobile', m.address)";

fn variables_sql() -> String {
    VARIABLES_SQL.replace("STD", STANDARD_FIELDS_SQL)
}

/// Which of a contact's variables fan-out freezes into each delivery.
#[derive(Debug, Clone, Default)]
pub enum FrozenVariables {
    /// All of them: the standard fields and every imported attribute.
    #[default]
    All,
    /// Only these top-level names (the ones the notice's templates use), and always `name`,
    /// which providers show as the recipient's name. A notice that uses `{{ name }}` alone then
    /// writes a few bytes per delivery instead of the whole contact: fan-out, claim and outcome
    /// all rewrite the row, so its size is paid three times.
    Only(Vec<String>),
}

impl FrozenVariables {
    /// The SQL of the variables' JSON object, with [`ADDRESS_JOINS`].
    pub(super) fn sql(&self) -> String {
        let FrozenVariables::Only(names) = self else {
            return variables_sql();
        };
        // Names come from template identifiers (letters, digits, `_`, Chinese included, as
        // imported columns such as 宿舍 are); anything else could not be quoted safely into a
        // JSON path, so such a notice freezes everything instead.
        if names
            .iter()
            .any(|n| n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || c == '_'))
        {
            return variables_sql();
        }
        let mut pairs = vec!["'name', c.name".to_owned()];
        for name in names.iter().filter(|n| n.as_str() != "name") {
            let value = match name.as_str() {
                "external_id" => "c.external_id".to_owned(),
                "role" => "c.role".to_owned(),
                "department" => "c.department".to_owned(),
                "class" => "c.class_name".to_owned(),
                "grade" => "c.grade".to_owned(),
                "language" => "c.language".to_owned(),
                "email" => "e.address".to_owned(),
                "mobile" => "m.address".to_owned(),
                // `->` keeps the attribute's JSON type (an object stays an object) and gives
                // NULL when the contact lacks it, which rendering reports as missing.
                attr => format!("json(c.attributes -> '$.\"{attr}\"')"),
            };
            pairs.push(format!("'{name}', {value}"));
        }
        format!("json_object({})", pairs.join(", "))
    }
}

/// The channels a contact `c` could get a run's notice on, each with the address it would use
/// and its rank (the contact's own preference order first, then the notice's channel order),
/// as the CTE `cand`. Parameters: `{notice}` the notice id, `{kinds}` a JSON object mapping
/// channel kinds to the address kind they use (kinds absent take any address), `{filter}` a
/// condition on `c`. Needs [`ADDRESS_JOINS`].
pub(super) fn candidates_sql(notice: &str, kinds: &str, filter: &str, vars: &str) -> String {
    format!(
        "WITH ch AS ( \
           SELECT CAST(j.value AS INTEGER) AS channel_id, CAST(j.key AS INTEGER) AS pos, chn.kind AS kind, \
                  json_extract({kinds}, '$.' || chn.kind) AS akind \
           FROM notices n, json_each(n.channel_ids) j JOIN channels chn ON chn.id = j.value \
           WHERE n.id = {notice} AND chn.enabled = 1), \
         cand AS ( \
           SELECT c.id AS contact_id, ch.channel_id, \
             CASE WHEN ch.akind IS NULL \
               THEN COALESCE(CASE WHEN e.invalid = 0 THEN e.address END, CASE WHEN m.invalid = 0 THEN m.address END, c.external_id, '#' || c.id) \
               ELSE (SELECT a.address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = ch.akind AND a.invalid = 0) END AS addr, \
             COALESCE((SELECT CAST(pj.key AS INTEGER) FROM contact_preferences p, json_each(p.preferred) pj \
                       WHERE p.contact_id = c.id AND pj.value = ch.kind), 1000 + ch.pos) AS rank, \
             {vars} AS vars \
           FROM contacts c {ADDRESS_JOINS} CROSS JOIN ch \
           WHERE ({filter}) \
             AND NOT EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o WHERE p.contact_id = c.id AND o.value = ch.kind))"
    )
}

/// Counts `added` new (queued) deliveries of a run.
async fn count_new(tx: &mut super::WriteTx, run_id: i64, added: u64) -> StoreResult<()> {
    let mut deltas = counts::Deltas::default();
    deltas.moved(run_id, None, counts::Bucket::Waiting, added as i64);
    deltas.apply(tx).await
}

/// The last contact id of the next fan-out chunk: at most `chunk` contacts of the audience
/// after `after` (`None`: no contact is left). Read first, so that contacts a chunk skips
/// (no address, opted out) still move the cursor on.
async fn chunk_end(
    tx: &mut super::WriteTx,
    after: i64,
    audience: &AudienceFilter,
    chunk: i64,
) -> StoreResult<Option<i64>> {
    let mut params = Params::starting_at(3);
    let sql = format!(
        "SELECT MAX(id) FROM (SELECT id FROM contacts c WHERE c.id > ?1 AND {} ORDER BY c.id LIMIT ?2)",
        audience.sql(&mut params)
    );
    let row = params
        .bind(sqlx::query(&sql).bind(after).bind(chunk))
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.get(0))
}

/// Where a channel's address comes from.
#[derive(Debug, Clone, Copy)]
pub enum AddressSource {
    /// The sandbox takes anyone: e-mail, else mobile, else external id, else `#id`.
    Anything,
    /// The contact's address of this kind (`email`, `mobile`, …), unless marked invalid.
    Kind(&'static str),
}

impl AddressSource {
    /// The SQL of the address a delivery gets, over `contacts c` with [`ADDRESS_JOINS`];
    /// `kind_param` is the placeholder bound to the address kind.
    fn sql(self, kind_param: &str) -> String {
        match self {
            AddressSource::Anything => "COALESCE(CASE WHEN e.invalid = 0 THEN e.address END, \
                 CASE WHEN m.invalid = 0 THEN m.address END, c.external_id, '#' || c.id)"
                .to_owned(),
            AddressSource::Kind(_) => format!(
                "(SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = {kind_param} AND a.invalid = 0)"
            ),
        }
    }
}

pub(super) fn run_status_from(s: &str) -> StoreResult<RunStatus> {
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

/// A run with its counts (kept in `runs`, see `store::counts`); `WHERE`/`ORDER` are appended
/// by the callers.
const RUN_SUMMARY_SELECT: &str =
    "SELECT r.id, r.notice_id, n.title, r.status, r.priority, r.total, r.created_at, r.finished_at, \
     r.sent, r.failed, r.waiting, r.retrying, r.cancelled, r.reminder_of, r.test FROM runs r JOIN notices n ON n.id = r.notice_id";

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
        reminder_of: row.get("reminder_of"),
        test: row.get::<i64, _>("test") != 0,
    })
}

/// Whether the run is still fanning out: false once it was cancelled, so that a chunk written
/// after a cancel adds nothing.
async fn still_fanning_out(tx: &mut super::WriteTx, run_id: i64) -> StoreResult<bool> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = ?")
        .bind(run_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(status.as_deref() == Some("fanning_out"))
}

impl Store {
    /// Starts the one run of a draft: the notice leaves `draft` and the run is created in one
    /// transaction, so two senders of the same draft at once (the app and the CLI side by side)
    /// make one run, not two. Returns `None` when the notice is no longer a draft.
    pub async fn start_run(&self, notice_id: i64, priority: i32, created_by: &str) -> StoreResult<Option<i64>> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let claimed =
            sqlx::query("UPDATE notices SET status = 'sent', updated_at = ?1 WHERE id = ?2 AND status = 'draft'")
                .bind(&now)
                .bind(notice_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed == 0 {
            tx.commit().await?;
            return Ok(None);
        }
        let run_id = sqlx::query_scalar(
            "INSERT INTO runs (notice_id, status, priority, created_by, created_at) VALUES (?, 'pending', ?, ?, ?) RETURNING id",
        )
        .bind(notice_id)
        .bind(priority)
        .bind(created_by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        tx.audit_about(run_id);
        tx.commit().await?;
        Ok(Some(run_id))
    }

    /// Moves a run into fan-out (from `pending`, or again after a stop mid-way); false when
    /// it is no longer to be fanned out (cancelled meanwhile).
    pub async fn begin_fan_out(&self, run_id: i64) -> StoreResult<bool> {
        let res = sqlx::query(
            "UPDATE runs SET status = 'fanning_out' WHERE id = ? AND (status = 'pending' OR status = 'fanning_out')",
        )
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        if res.rows_affected() == 0 {
            self.ensure_run_exists(run_id).await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Creates a pending run of a notice without taking it out of `draft` (tests and
    /// benchmarks; the app starts runs with [`Store::start_run`]).
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

    /// Creates a pending test run of a draft (发给我自己试试), leaving the notice a draft.
    pub async fn insert_test_run(&self, notice_id: i64, priority: i32, created_by: &str) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let run_id = sqlx::query_scalar(
            "INSERT INTO runs (notice_id, status, priority, created_by, created_at, test) VALUES (?, 'pending', ?, ?, ?, 1) RETURNING id",
        )
        .bind(notice_id)
        .bind(priority)
        .bind(created_by)
        .bind(clock::now_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.audit_about(run_id);
        tx.commit().await?;
        Ok(run_id)
    }

    /// Whether a run is a test run (its fan-out is to the user alone, never the audience).
    pub async fn is_test_run(&self, run_id: i64) -> StoreResult<bool> {
        let test: Option<i64> = sqlx::query_scalar("SELECT test FROM runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(test.ok_or_else(|| StoreError::not_found("run", run_id))? != 0)
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
        variables: &FrozenVariables,
        priority: i32,
        after: i64,
        chunk: i64,
    ) -> StoreResult<Option<i64>> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        if !still_fanning_out(&mut tx, run_id).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let Some(last) = chunk_end(&mut tx, after, audience, chunk).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let address_sql = source.sql("?6");
        let kind = match source {
            AddressSource::Anything => None,
            AddressSource::Kind(k) => Some(k),
        };
        let mut params = Params::starting_at(9);
        // SQLite-specific: json_object/json_patch/json_each (PostgreSQL: jsonb_build_object, ||, jsonb_array_elements).
        let sql = format!(
            "INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, next_attempt_at, variables, created_at, updated_at) \
             SELECT ?3, id, ?4, addr, 'queued', ?5, ?7, vars, ?7, ?7 FROM ( \
               SELECT c.id, {address_sql} AS addr, {vars} AS vars \
               FROM contacts c {ADDRESS_JOINS} WHERE c.id > ?1 AND c.id <= ?2 \
               AND {filter} \
               AND NOT EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o WHERE p.contact_id = c.id AND o.value = ?8) \
             ) WHERE addr IS NOT NULL",
            vars = variables.sql(),
            filter = audience.sql(&mut params),
        );
        let query = sqlx::query(&sql)
            .bind(after)
            .bind(last)
            .bind(run_id)
            .bind(channel_id)
            .bind(priority)
            .bind(kind)
            .bind(&now)
            .bind(channel_kind);
        let added = params.bind(query).execute(&mut *tx).await?.rows_affected();
        count_new(&mut tx, run_id, added).await?;
        tx.commit().await?;
        Ok(Some(last))
    }

    /// The one delivery of a run on a group channel (a robot's chat), for no one contact,
    /// with its `variables` (whom it @-mentions); adding it again (a resumed fan-out) adds
    /// nothing.
    pub async fn fan_out_group(
        &self,
        run_id: i64,
        channel_id: i64,
        priority: i32,
        variables: &serde_json::Value,
    ) -> StoreResult<()> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        if still_fanning_out(&mut tx, run_id).await? {
            let added = sqlx::query(
                "INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, \
                 next_attempt_at, variables, created_at, updated_at) \
                 VALUES (?1, NULL, ?2, '', 'queued', ?3, ?4, ?5, ?4, ?4)",
            )
            .bind(run_id)
            .bind(channel_id)
            .bind(priority)
            .bind(&now)
            .bind(variables.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            count_new(&mut tx, run_id, added).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Like [`Store::fan_out_chunk`] for the preferred-then-fallback strategy: each contact of
    /// the chunk gets one delivery, on its best-ranked usable channel among the notice's.
    /// `kinds` maps channel kinds to the address kind they use (JSON object).
    #[allow(clippy::too_many_arguments)]
    pub async fn fan_out_preferred_chunk(
        &self,
        run_id: i64,
        notice_id: i64,
        kinds: &str,
        audience: &AudienceFilter,
        variables: &FrozenVariables,
        priority: i32,
        after: i64,
        chunk: i64,
    ) -> StoreResult<Option<i64>> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        if !still_fanning_out(&mut tx, run_id).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let Some(last) = chunk_end(&mut tx, after, audience, chunk).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let mut params = Params::starting_at(8);
        let filter = format!("c.id > ?1 AND c.id <= ?2 AND {}", audience.sql(&mut params));
        let cte = candidates_sql("?4", "?6", &filter, &variables.sql());
        let sql = format!(
            "{cte} INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, next_attempt_at, variables, created_at, updated_at) \
             SELECT ?3, contact_id, channel_id, addr, 'queued', ?5, ?7, vars, ?7, ?7 FROM ( \
               SELECT *, ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY rank, channel_id) AS rn FROM cand WHERE addr IS NOT NULL) \
             WHERE rn = 1"
        );
        let query = sqlx::query(&sql)
            .bind(after)
            .bind(last)
            .bind(run_id)
            .bind(notice_id)
            .bind(priority)
            .bind(kinds)
            .bind(&now);
        let added = params.bind(query).execute(&mut *tx).await?.rows_affected();
        count_new(&mut tx, run_id, added).await?;
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
        // Counted again from the rows: a fan-out resumed after a crash may have added rows
        // whose counts the crash lost.
        counts::recount(&mut tx, run_id).await?;
        // A run that reaches nobody is complete at once; one cancelled during its fan-out
        // stays cancelled.
        sqlx::query(
            "UPDATE runs SET total = ?1, \
             status = CASE WHEN status <> 'fanning_out' THEN status WHEN ?1 = 0 THEN 'completed' ELSE 'sending' END, \
             started_at = COALESCE(started_at, ?2), \
             finished_at = CASE WHEN status <> 'fanning_out' THEN finished_at WHEN ?1 = 0 THEN ?2 ELSE NULL END WHERE id = ?3",
        )
        .bind(total)
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        // A test run leaves its notice a draft: it was sent to the user alone.
        sqlx::query(
            "UPDATE notices SET status = 'sent', updated_at = ? WHERE id = (SELECT notice_id FROM runs WHERE id = ? AND test = 0)",
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
        let row = sqlx::query(&format!("{RUN_SUMMARY_SELECT} WHERE r.id = ?"))
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("run", run_id))?;
        summary_from_row(&row)
    }

    /// The newest runs with their counts.
    pub async fn list_run_summaries(&self, limit: i64) -> StoreResult<Vec<RunSummary>> {
        sqlx::query(&format!("{RUN_SUMMARY_SELECT} ORDER BY r.id DESC LIMIT ?"))
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
        let mut params = Params::starting_at(1);
        let filter = audience.sql(&mut params);
        let count: i64 = params
            .clone()
            .bind(sqlx::query(&format!("SELECT COUNT(*) FROM contacts c WHERE {filter}")))
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let first = params
            .bind(sqlx::query(&format!(
                "SELECT c.name, {vars} AS vars FROM contacts c {ADDRESS_JOINS} WHERE {filter} ORDER BY c.id LIMIT 1",
                vars = variables_sql()
            )))
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

    /// One contact as the fan-out would write their delivery on a channel of `channel_kind`:
    /// the address it picks (`None`: no usable one, or opted out of that kind) and all their
    /// variables. `None` when there is no such contact.
    pub async fn recipient(
        &self,
        contact_id: i64,
        channel_kind: &str,
        source: AddressSource,
    ) -> StoreResult<Option<(Option<String>, serde_json::Value)>> {
        let kind = match source {
            AddressSource::Anything => None,
            AddressSource::Kind(k) => Some(k),
        };
        let row = sqlx::query(&format!(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o \
               WHERE p.contact_id = c.id AND o.value = ?3) THEN NULL ELSE {address} END AS addr, {vars} AS vars \
             FROM contacts c {ADDRESS_JOINS} WHERE c.id = ?1",
            address = source.sql("?2"),
            vars = variables_sql(),
        ))
        .bind(contact_id)
        .bind(kind)
        .bind(channel_kind)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.get("addr"), super::from_json("contact variables", r.get("vars"))?)))
            .transpose()
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

/// Queues the notice of a failed delivery on the contact's best-ranked channel not yet tried in
/// this run, when the notice uses the preferred-then-fallback strategy; inside the caller's
/// transaction, so the failure and its fallback are written together.
pub(crate) async fn queue_fallback(tx: &mut super::WriteTx, failed_id: i64, kinds: &str, now: &str) -> StoreResult<()> {
    let cte = candidates_sql(
        "(SELECT r.notice_id FROM runs r JOIN deliveries f ON f.run_id = r.id WHERE f.id = ?1)",
        "?2",
        "c.id = (SELECT contact_id FROM deliveries WHERE id = ?1)",
        // A fallback is one row: freezing every variable costs nothing worth saving.
        &variables_sql(),
    );
    let sql = format!(
        "{cte} INSERT OR IGNORE INTO deliveries (run_id, contact_id, channel_id, address, status, priority, next_attempt_at, variables, fallback_of, created_at, updated_at) \
         SELECT f.run_id, cand.contact_id, cand.channel_id, cand.addr, 'queued', f.priority, ?3, cand.vars, f.id, ?3, ?3 \
         FROM cand JOIN deliveries f ON f.id = ?1 JOIN runs r ON r.id = f.run_id JOIN notices n ON n.id = r.notice_id \
         WHERE n.channel_strategy = 'preferred_then_fallback' AND cand.addr IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM deliveries t WHERE t.run_id = f.run_id AND t.contact_id = cand.contact_id AND t.channel_id = cand.channel_id) \
         ORDER BY cand.rank, cand.channel_id LIMIT 1"
    );
    let added = sqlx::query(&sql)
        .bind(failed_id)
        .bind(kinds)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if added > 0 {
        sqlx::query(
            "UPDATE runs SET total = total + ?1, waiting = waiting + ?1 WHERE id = (SELECT run_id FROM deliveries WHERE id = ?2)",
        )
            .bind(added as i64)
            .bind(failed_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::channels::address_kinds_json;
    use crate::model::{ChannelKind, ChannelStrategy, NewContact};
    use crate::store::testutil::temp_store;
    use crate::store::{AudienceFilter, FrozenVariables, NoticeRecord};

    #[tokio::test]
    async fn preferred_fan_out_follows_the_contacts_order_then_the_notices_and_skips_opt_outs() {
        let (_d, store) = temp_store().await;
        let hook = store
            .insert_channel("hook", ChannelKind::WEBHOOK, &serde_json::json!({}))
            .await
            .unwrap();
        let sandbox = store
            .insert_channel("box", ChannelKind::SANDBOX, &serde_json::json!({}))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for name in ["prefers-sandbox", "no-preference", "opted-out-of-webhook"] {
            ids.push(
                store
                    .insert_contact(&NewContact {
                        name: name.into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .id,
            );
        }
        for (id, preferred, opted_out) in [(ids[0], r#"["sandbox"]"#, "[]"), (ids[2], "[]", r#"["webhook"]"#)] {
            sqlx::query(
                "INSERT INTO contact_preferences (contact_id, preferred, opted_out, updated_at) VALUES (?, ?, ?, 'x')",
            )
            .bind(id)
            .bind(preferred)
            .bind(opted_out)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        let notice = store
            .insert_notice(&NoticeRecord {
                title: "t",
                subject: "t",
                body: "b",
                audience: "all",
                channel_ids: &[hook.id, sandbox.id],
                channel_strategy: ChannelStrategy::PreferredThenFallback,
                priority: 0,
                created_by: "",
                attachments: &[],
                allow_unsubscribe: false,
                values: &Default::default(),
                english: None,
                channel_versions: &[],
            })
            .await
            .unwrap();
        let run = store.insert_run(notice.id, 0, "").await.unwrap();
        assert!(store.begin_fan_out(run).await.unwrap());
        let kinds = address_kinds_json();
        let mut after = 0;
        while let Some(last) = store
            .fan_out_preferred_chunk(
                run,
                notice.id,
                &kinds,
                &AudienceFilter::All,
                &FrozenVariables::All,
                0,
                after,
                2,
            )
            .await
            .unwrap()
        {
            after = last;
        }
        assert_eq!(store.finish_fan_out(run).await.unwrap(), 3, "one delivery per person");
        let got: Vec<(i64, i64)> =
            sqlx::query_as("SELECT contact_id, channel_id FROM deliveries WHERE run_id = ? ORDER BY contact_id")
                .bind(run)
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(got, vec![(ids[0], sandbox.id), (ids[1], hook.id), (ids[2], sandbox.id)]);
    }

    /// Fan-out freezes what the templates use (plus `name`), with imported attributes under
    /// their own names and their JSON types, and `null` where the contact lacks a value.
    #[tokio::test]
    async fn fan_out_freezes_only_the_variables_the_templates_use() {
        let (_d, store) = temp_store().await;
        let sandbox = store
            .insert_channel("box", ChannelKind::SANDBOX, &serde_json::json!({}))
            .await
            .unwrap();
        let contact = store
            .insert_contact(&NewContact {
                name: "张三".into(),
                class_name: Some("农学2401".into()),
                email: Some("zs@example.edu.cn".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        sqlx::query("UPDATE contacts SET attributes = ? WHERE id = ?")
            .bind(r#"{"考场":"A101","exam":{"room":"B2"},"unused":"x"}"#)
            .bind(contact.id)
            .execute(&store.pool)
            .await
            .unwrap();
        let body = "{{ class }}的同学：{{ exam.room }}，{{ seat }}，{{ email }}，{{ 考场 }}";
        let notice = store
            .insert_notice(&NoticeRecord {
                title: "t",
                subject: "{{ grade }}",
                body,
                audience: "all",
                channel_ids: &[sandbox.id],
                channel_strategy: ChannelStrategy::All,
                priority: 0,
                created_by: "",
                attachments: &[],
                allow_unsubscribe: false,
                values: &Default::default(),
                english: None,
                channel_versions: &[],
            })
            .await
            .unwrap();
        let run = store.insert_run(notice.id, 0, "").await.unwrap();
        crate::outbox::fan_out(&store, run, &notice).await.unwrap();
        let vars: String = sqlx::query_scalar("SELECT variables FROM deliveries WHERE run_id = ?")
            .bind(run)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let vars: serde_json::Value = serde_json::from_str(&vars).unwrap();
        assert_eq!(
            vars,
            serde_json::json!({
                "name": "张三", "class": "农学2401", "email": "zs@example.edu.cn",
                "exam": {"room": "B2"}, "grade": null, "seat": null, "考场": "A101",
            })
        );
    }
}
