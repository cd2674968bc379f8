//! Who a sent notice did not reach, for `App::resend_unreached`.

use sqlx::Row;

use super::audience::Params;
use super::runs::ADDRESS_JOINS;
use super::{AudienceFilter, Store, StoreResult};

/// The people a notice did not reach, split by whether the channels asked about can reach them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unreached {
    /// Contact ids, ascending: reachable on at least one of the channels.
    pub reachable: Vec<i64>,
    /// How many have no usable address (or opted out) on every one of them.
    pub no_address: i64,
}

impl Store {
    /// How many of a notice's runs are still under way (not completed nor cancelled).
    pub async fn unfinished_runs_of(&self, notice_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM runs WHERE notice_id = ? AND status NOT IN ('completed', 'cancelled')",
        )
        .bind(notice_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The people of `audience` (as it resolves now) and of the notice's runs' deliveries who
    /// have no sent delivery in any of its runs (failed, cancelled, never sent, or none made
    /// for want of an address). `channels`: each channel's kind and the contact address kind
    /// it sends to (`None`: any contact; `group`: no one person).
    pub async fn unreached(
        &self,
        notice_id: i64,
        audience: &AudienceFilter,
        channels: &[(String, Option<String>)],
    ) -> StoreResult<Unreached> {
        let channels_json = serde_json::Value::Array(
            channels
                .iter()
                .map(|(kind, akind)| serde_json::json!({"kind": kind, "akind": akind}))
                .collect(),
        )
        .to_string();
        let mut params = Params::starting_at(3);
        // SQLite-specific: json_each/json_extract (PostgreSQL: jsonb_array_elements, ->>).
        let sql = format!(
            "WITH aud AS ( \
               SELECT c.id FROM contacts c {ADDRESS_JOINS} WHERE {filter} \
               UNION SELECT d.contact_id FROM deliveries d JOIN runs r ON r.id = d.run_id \
                 WHERE r.notice_id = ?1 AND d.contact_id IS NOT NULL), \
             reached AS ( \
               SELECT d.contact_id FROM deliveries d JOIN runs r ON r.id = d.run_id \
               WHERE r.notice_id = ?1 AND d.status = 'sent' AND d.contact_id IS NOT NULL), \
             ch AS (SELECT json_extract(j.value, '$.kind') AS kind, json_extract(j.value, '$.akind') AS akind FROM json_each(?2) j) \
             SELECT a.id, EXISTS ( \
               SELECT 1 FROM ch WHERE \
                 (ch.akind IS NULL OR EXISTS (SELECT 1 FROM contact_addresses ad WHERE ad.contact_id = a.id AND ad.kind = ch.akind AND ad.invalid = 0)) \
                 AND NOT EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o WHERE p.contact_id = a.id AND o.value = ch.kind) \
             ) AS reachable \
             FROM aud a WHERE a.id NOT IN (SELECT contact_id FROM reached) ORDER BY a.id",
            filter = audience.sql(&mut params),
        );
        let query = sqlx::query(&sql).bind(notice_id).bind(channels_json);
        let rows = params.bind(query).fetch_all(&self.pool).await?;
        let mut out = Unreached::default();
        for row in rows {
            if row.get::<bool, _>("reachable") {
                out.reachable.push(row.get("id"));
            } else {
                out.no_address += 1;
            }
        }
        Ok(out)
    }
}
