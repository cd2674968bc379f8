//! What the whole-audience check reads: each person of a notice's audience with the variables
//! fan-out would freeze for them and their state on each channel, and, for the
//! preferred-channel strategy, the channel fan-out would pick for each.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::audience::{AudienceFilter, Params};
use super::groups::reach_states;
use super::runs::{candidates_sql, ADDRESS_JOINS};
use super::{FrozenVariables, Store, StoreResult};

/// One person of the audience as the check sees them.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub contact_id: i64,
    pub name: String,
    pub external_id: Option<String>,
    pub language: Option<String>,
    /// The variables' JSON, exactly as fan-out would freeze it.
    pub variables: String,
    /// Per channel asked for: 0 reachable, 1 opted out, 2 invalid address, 3 no address.
    pub states: Vec<u8>,
}

impl Store {
    /// Calls `each` for every person of `audience`, by id, streaming (30,000 people are never
    /// held at once). `channels` as [`Store::audience_reach`] takes them.
    pub async fn for_each_check_row(
        &self,
        audience: &AudienceFilter,
        channels: &[(&str, Option<&str>)],
        variables: &FrozenVariables,
        mut each: impl FnMut(CheckRow),
    ) -> StoreResult<()> {
        let mut params = Params::starting_at(1);
        let filter = audience.sql(&mut params);
        let states = reach_states(&mut params, channels)
            .iter()
            .enumerate()
            .map(|(i, s)| format!(", {s} AS s{i}"))
            .collect::<String>();
        let sql = format!(
            "SELECT c.id, c.name, c.external_id, c.language, {vars} AS vars{states} \
             FROM contacts c {ADDRESS_JOINS} LEFT JOIN contact_preferences p ON p.contact_id = c.id \
             WHERE {filter} ORDER BY c.id",
            vars = variables.sql()
        );
        let query = params.bind(sqlx::query(&sql));
        let mut rows = query.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            each(CheckRow {
                contact_id: row.get(0),
                name: row.get(1),
                external_id: row.get(2),
                language: row.get(3),
                variables: row.get(4),
                states: (0..channels.len()).map(|i| row.get::<i64, _>(5 + i) as u8).collect(),
            });
        }
        Ok(())
    }

    /// For the preferred-then-fallback strategy: per person of `audience` who has a usable
    /// channel, the channel their one delivery would go on, as (contact, channel) by contact.
    /// The fan-out's own candidate query, so the check and the send cannot disagree.
    pub async fn preferred_channels(
        &self,
        notice_id: i64,
        kinds: &str,
        audience: &AudienceFilter,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let mut params = Params::starting_at(3);
        let filter = audience.sql(&mut params);
        let cte = candidates_sql("?1", "?2", &filter, "NULL");
        let sql = format!(
            "{cte} SELECT contact_id, channel_id FROM ( \
               SELECT contact_id, channel_id, ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY rank, channel_id) AS rn \
               FROM cand WHERE addr IS NOT NULL) WHERE rn = 1 ORDER BY contact_id"
        );
        Ok(params
            .bind(sqlx::query(&sql).bind(notice_id).bind(kinds))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// Writes a draft notice's audience (people left out on purpose); `false` when the notice
    /// is no longer a draft.
    pub async fn set_draft_audience(&self, notice_id: i64, audience: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE notices SET audience = ?, updated_at = ? WHERE id = ? AND status = 'draft'")
            .bind(audience)
            .bind(crate::clock::now_str())
            .bind(notice_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}
