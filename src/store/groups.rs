//! `groups` (static groups and rule segments) and `group_members`, and the counts an audience
//! preview shows.

use sqlx::Row;

use super::audience::{AudienceFilter, Params};
use super::{Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{GroupKind, Rule};

/// A group as stored; the rule is the JSON of `model::Rule`.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub kind: GroupKind,
    pub rule: Option<Rule>,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What one channel would do with an audience: (reachable, no address, invalid address,
/// opted out); every person is in exactly one of the four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub reachable: i64,
    pub no_address: i64,
    pub invalid_address: i64,
    pub opted_out: i64,
}

fn group_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<GroupRow> {
    let kind = match row.get::<String, _>("kind").as_str() {
        "static" => GroupKind::Static,
        "rule" => GroupKind::Rule,
        other => return Err(StoreError::Corrupt(format!("unknown group kind {other}"))),
    };
    let rule = match row.get::<Option<String>, _>("rule") {
        Some(json) => Some(super::from_json("group rule", &json)?),
        None => None,
    };
    Ok(GroupRow {
        id: row.get("id"),
        name: row.get("name"),
        kind,
        rule,
        description: row.get("description"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    })
}

fn conflict_on_name(e: sqlx::Error, name: &str) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(format!("a group named {name} already exists: choose another name"))
        }
        e => e.into(),
    }
}

fn rule_json(rule: Option<&Rule>) -> StoreResult<Option<String>> {
    rule.map(|r| serde_json::to_string(r).map_err(|e| StoreError::Corrupt(format!("group rule: {e}"))))
        .transpose()
}

const GROUP_SELECT: &str = "SELECT id, name, kind, rule, description, created_at, updated_at FROM groups";

/// Per channel, the SQL of one person's state (with `contacts c` and `contact_preferences p`
/// joined): 0 reachable, 1 opted out, 2 invalid address, 3 no address. `channels` holds each
/// channel's kind and the address kind it sends to (`None`: anyone). The preview and the
/// whole-audience check count people by it, the same rule as the fan-out's.
pub(super) fn reach_states(params: &mut Params, channels: &[(&str, Option<&str>)]) -> Vec<String> {
    let mut states = Vec::new();
    for (kind, akind) in channels {
        let kind = params.text(kind);
        let opted =
            format!("(p.opted_out <> '[]' AND EXISTS (SELECT 1 FROM json_each(p.opted_out) o WHERE o.value = {kind}))");
        states.push(match akind {
            None => format!("CASE WHEN {opted} THEN 1 ELSE 0 END"),
            Some(akind) => format!(
                "CASE WHEN {opted} THEN 1 ELSE COALESCE((SELECT 2 * MIN(a.invalid) FROM contact_addresses a                      WHERE a.contact_id = c.id AND a.kind = {}), 3) END",
                params.text(akind)
            ),
        });
    }
    states
}

impl Store {
    pub async fn insert_group(
        &self,
        name: &str,
        description: Option<&str>,
        rule: Option<&Rule>,
    ) -> StoreResult<GroupRow> {
        let now = clock::now_str();
        let kind = if rule.is_some() { "rule" } else { "static" };
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO groups (name, kind, rule, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(rule_json(rule)?)
        .bind(description)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_on_name(e, name))?;
        tx.audit_about(id);
        tx.commit().await?;
        self.get_group_row(id).await
    }

    pub async fn get_group_row(&self, id: i64) -> StoreResult<GroupRow> {
        let row = sqlx::query(&format!("{GROUP_SELECT} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("group", id))?;
        group_from_row(&row)
    }

    /// Every group, by name.
    pub async fn list_group_rows(&self) -> StoreResult<Vec<GroupRow>> {
        sqlx::query(&format!("{GROUP_SELECT} ORDER BY name"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(group_from_row)
            .collect()
    }

    /// Writes a group's name, description and rule, and the rules of other segments that
    /// were rewritten for a rename (`others`), in one transaction.
    pub async fn update_group(&self, group: &GroupRow, others: &[(i64, Rule)]) -> StoreResult<GroupRow> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("UPDATE groups SET name = ?, description = ?, rule = ?, updated_at = ? WHERE id = ?")
            .bind(&group.name)
            .bind(&group.description)
            .bind(rule_json(group.rule.as_ref())?)
            .bind(&now)
            .bind(group.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_name(e, &group.name))?;
        if res.rows_affected() == 0 {
            return Err(StoreError::not_found("group", group.id));
        }
        for (id, rule) in others {
            sqlx::query("UPDATE groups SET rule = ?, updated_at = ? WHERE id = ?")
                .bind(rule_json(Some(rule))?)
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.get_group_row(group.id).await
    }

    pub async fn delete_group(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("DELETE FROM groups WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::not_found("group", id));
        }
        tx.commit().await
    }

    /// Adds existing contacts to a static group; returns (added, already members).
    pub async fn add_group_members(&self, group_id: i64, contact_ids: &[i64]) -> StoreResult<(i64, i64)> {
        let ids = serde_json::to_string(contact_ids).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin_write().await?;
        let existing: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT c.id) FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .fetch_one(&mut *tx)
        .await?;
        let added = sqlx::query(
            "INSERT OR IGNORE INTO group_members (group_id, contact_id, added_at) \
             SELECT ?1, c.id, ?2 FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?3))",
        )
        .bind(group_id)
        .bind(clock::now_str())
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        // A change of nothing is not written, so it records nothing in the audit log.
        if added > 0 {
            tx.audit_note("contacts", added);
            tx.commit().await?;
        }
        Ok((added, existing - added))
    }

    /// Removes contacts from a static group; returns how many were members.
    pub async fn remove_group_members(&self, group_id: i64, contact_ids: &[i64]) -> StoreResult<i64> {
        let ids = serde_json::to_string(contact_ids).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query(
            "DELETE FROM group_members WHERE group_id = ? AND contact_id IN (SELECT value FROM json_each(?))",
        )
        .bind(group_id)
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        if removed > 0 {
            tx.audit_note("contacts", removed);
            tx.commit().await?;
        }
        Ok(removed)
    }

    /// The contact ids of these external ids (学号/工号), as (external id, id) pairs for
    /// those that exist.
    pub async fn contact_ids_by_external_id(&self, external_ids: &[String]) -> StoreResult<Vec<(String, i64)>> {
        let json = serde_json::to_string(external_ids).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query(
            "SELECT c.external_id, c.id FROM contacts c WHERE c.external_id IN (SELECT value FROM json_each(?))",
        )
        .bind(&json)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
    }

    /// How many contacts an audience holds now.
    pub async fn count_audience(&self, audience: &AudienceFilter) -> StoreResult<i64> {
        let mut params = Params::starting_at(1);
        let sql = format!("SELECT COUNT(*) FROM contacts c WHERE {}", audience.sql(&mut params));
        Ok(params.bind(sqlx::query(&sql)).fetch_one(&self.pool).await?.get(0))
    }

    /// A page of an audience's contact ids, by name, optionally narrowed by a substring of
    /// name or external id.
    pub async fn audience_page(
        &self,
        audience: &AudienceFilter,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<i64>, i64)> {
        let pattern = search
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let mut params = Params::starting_at(2);
        let filter = format!(
            "{} AND (?1 IS NULL OR c.name LIKE ?1 ESCAPE '\\' OR c.external_id LIKE ?1 ESCAPE '\\')",
            audience.sql(&mut params)
        );
        let total: i64 = params
            .clone()
            .bind(sqlx::query(&format!("SELECT COUNT(*) FROM contacts c WHERE {filter}")).bind(&pattern))
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let ids = params
            .bind(
                sqlx::query(&format!(
                    "SELECT c.id FROM contacts c WHERE {filter} ORDER BY c.name, c.id LIMIT {limit} OFFSET {offset}"
                ))
                .bind(&pattern),
            )
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok((ids, total))
    }

    /// How many people an audience holds, what each channel does with them, and how many
    /// none of them reaches, in one pass over the audience. `channels` holds each channel's
    /// kind and the address kind it sends to (`None`: the sandbox and webhooks, which take
    /// anyone). A preview evaluates a segment over every contact, so it does so once.
    pub async fn audience_reach(
        &self,
        audience: &AudienceFilter,
        channels: &[(&str, Option<&str>)],
    ) -> StoreResult<(i64, Vec<Reach>, i64)> {
        let mut params = Params::starting_at(1);
        let filter = audience.sql(&mut params);
        let states = reach_states(&mut params, channels);
        let mut sums = vec!["COUNT(*)".to_owned()];
        for i in 0..channels.len() {
            for state in 0..4 {
                sums.push(format!("COALESCE(SUM(s{i} = {state}), 0)"));
            }
        }
        let none = (0..channels.len()).map(|i| format!("s{i} <> 0")).collect::<Vec<_>>();
        sums.push(if none.is_empty() {
            "0".to_owned()
        } else {
            format!("COALESCE(SUM({}), 0)", none.join(" AND "))
        });
        let columns = states
            .iter()
            .enumerate()
            .map(|(i, s)| format!(", {s} AS s{i}"))
            .collect::<String>();
        let sql = format!(
            "SELECT {} FROM (SELECT c.id{columns} FROM contacts c              LEFT JOIN contact_preferences p ON p.contact_id = c.id WHERE {filter})",
            sums.join(", ")
        );
        let row = params.bind(sqlx::query(&sql)).fetch_one(&self.pool).await?;
        let reach = (0..channels.len())
            .map(|i| Reach {
                reachable: row.get(1 + 4 * i),
                opted_out: row.get(2 + 4 * i),
                invalid_address: row.get(3 + 4 * i),
                no_address: row.get(4 + 4 * i),
            })
            .collect();
        Ok((row.get(0), reach, row.get(1 + 4 * channels.len())))
    }

    /// Per person of an audience who has one, the address a group message @-mentions them
    /// by: the first kind of `by` (in preference) they have a valid address of, as (kind,
    /// address), in contact order. At most `limit` + 1 are read: more is more than the caller
    /// will mention, whatever the number.
    pub async fn audience_mentions(
        &self,
        audience: &AudienceFilter,
        by: &[&str],
        limit: i64,
    ) -> StoreResult<Vec<(String, String)>> {
        let mut params = Params::starting_at(1);
        let filter = audience.sql(&mut params);
        let ranks = by
            .iter()
            .enumerate()
            .map(|(i, kind)| format!("WHEN {} THEN {i}", params.text(kind)))
            .collect::<Vec<_>>()
            .join(" ");
        let sql = format!(
            "SELECT a.kind, a.address FROM contacts c JOIN contact_addresses a ON a.id = ( \
               SELECT b.id FROM contact_addresses b WHERE b.contact_id = c.id AND b.invalid = 0 \
               AND (CASE b.kind {ranks} END) IS NOT NULL ORDER BY CASE b.kind {ranks} END LIMIT 1) \
             WHERE {filter} ORDER BY c.id LIMIT {}",
            limit + 1
        );
        Ok(params
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// The first `limit` people of an audience by id (a preview's sample: it stops at the
    /// first matches instead of sorting the whole audience).
    pub async fn audience_first(&self, audience: &AudienceFilter, limit: i64) -> StoreResult<Vec<i64>> {
        let mut params = Params::starting_at(1);
        let sql = format!(
            "SELECT c.id FROM contacts c WHERE {} ORDER BY c.id LIMIT {limit}",
            audience.sql(&mut params)
        );
        Ok(params
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// The draft or scheduled notices (id, title, audience spec): those whose audience is
    /// still to be resolved, which a group's deletion would break.
    pub async fn pending_notice_audiences(&self) -> StoreResult<Vec<(i64, String, String)>> {
        Ok(
            sqlx::query("SELECT id, title, audience FROM notices WHERE status = 'draft' OR status = 'scheduled'")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect(),
        )
    }
}
