//! Imports: contacts upserted by external id, a chunk per transaction, in a handful of
//! set-based statements per chunk (rows passed as one JSON array and expanded by SQLite's
//! `json_each`), so 50,000 rows cost a few hundred statements rather than half a million.
//!
//! A row is compared with the stored contact after applying what the file maps, so the counts
//! say exactly how many were added, updated and unchanged; an unchanged contact is not written.
//! Rows without an external id cannot be matched, so they are always added.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};
use sqlx::Row;

use crate::clock;
use crate::model::{ContactUpsert, UpsertCounts};
use crate::store::{Store, StoreResult, WriteTx};

/// Rows per transaction: large enough that commits are rare, small enough that another writer
/// (the dispatcher) waits at most a fraction of a second.
pub const UPSERT_CHUNK: usize = 2_000;

/// A contact's state as far as an import can change it.
#[derive(Debug, Clone, PartialEq, Default)]
struct State {
    name: String,
    role: Option<String>,
    department: Option<String>,
    class_name: Option<String>,
    grade: Option<String>,
    language: String,
    attributes: Map<String, Value>,
    addresses: BTreeMap<String, String>,
    preferred: Vec<String>,
    tags: BTreeSet<String>,
}

impl State {
    fn apply(&mut self, row: &ContactUpsert) {
        self.name = row.name.clone();
        for (column, value) in &row.fields {
            let value = value.clone();
            match *column {
                "role" => self.role = value,
                "department" => self.department = value,
                "class_name" => self.class_name = value,
                "grade" => self.grade = value,
                "language" => {
                    if let Some(v) = value {
                        self.language = v;
                    }
                }
                _ => {}
            }
        }
        for (kind, value) in &row.addresses {
            match value {
                Some(v) => self.addresses.insert((*kind).to_owned(), v.clone()),
                None => self.addresses.remove(*kind),
            };
        }
        for (name, value) in &row.attributes {
            match value {
                Some(v) => self.attributes.insert(name.clone(), Value::from(v.clone())),
                None => self.attributes.remove(name),
            };
        }
        if let Some(p) = &row.preferred {
            self.preferred = p.clone();
        }
        if let Some(t) = &row.tags {
            self.tags = t.iter().cloned().collect();
        }
    }
}

impl Store {
    /// Adds or updates `rows` (matched on external id), `UPSERT_CHUNK` per transaction. With
    /// `dry_run` everything runs in one transaction that is rolled back, so the counts are
    /// exactly those a real import would give and nothing is written.
    pub async fn upsert_contacts(&self, rows: &[ContactUpsert], dry_run: bool) -> StoreResult<UpsertCounts> {
        let mut counts = UpsertCounts::default();
        if dry_run {
            let mut tx = self.begin_write().await?;
            for chunk in rows.chunks(UPSERT_CHUNK) {
                upsert_chunk(&mut tx, chunk, &mut counts).await?;
            }
            // Dropping the transaction rolls it back.
            drop(tx);
        } else {
            for chunk in rows.chunks(UPSERT_CHUNK) {
                let mut tx = self.begin_write().await?;
                upsert_chunk(&mut tx, chunk, &mut counts).await?;
                tx.commit().await?;
            }
        }
        Ok(counts)
    }
}

async fn upsert_chunk(tx: &mut WriteTx, rows: &[ContactUpsert], counts: &mut UpsertCounts) -> StoreResult<()> {
    let now = clock::now_str();
    let current = load_current(tx, rows).await?;
    // (contact id or None for a new one, the state before, the state after)
    let mut inserts: Vec<State> = Vec::new();
    let mut insert_ext: Vec<Option<&str>> = Vec::new();
    let mut updates: Vec<(i64, State, State)> = Vec::new();
    for row in rows {
        let existing = row.external_id.as_deref().and_then(|e| current.get(e));
        match existing {
            Some((id, before)) => {
                let mut after = before.clone();
                after.apply(row);
                if &after == before {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                    updates.push((*id, before.clone(), after));
                }
            }
            None => {
                let mut s = State {
                    language: "zh-CN".into(),
                    ..Default::default()
                };
                s.apply(row);
                inserts.push(s);
                insert_ext.push(row.external_id.as_deref());
                counts.added += 1;
            }
        }
    }

    let mut written: Vec<(i64, Option<&State>, &State)> = Vec::new();
    if !inserts.is_empty() {
        let payload: Vec<Value> = inserts
            .iter()
            .zip(&insert_ext)
            .map(|(s, e)| contact_json(None, *e, s))
            .collect();
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO contacts (external_id, name, role, department, class_name, grade, language, attributes, created_at, updated_at) \
             SELECT value ->> '$.e', value ->> '$.n', value ->> '$.r', value ->> '$.d', value ->> '$.c', value ->> '$.g', \
                    value ->> '$.l', value -> '$.a', ?2, ?2 \
             FROM json_each(?1) ORDER BY key RETURNING id",
        )
        .bind(Value::Array(payload).to_string())
        .bind(&now)
        .fetch_all(&mut **tx)
        .await?;
        // Rowids are handed out in insertion order (max + 1), which follows `ORDER BY key`;
        // RETURNING's own order is not promised, so sort.
        ids.sort_unstable();
        written.extend(ids.into_iter().zip(&inserts).map(|(id, s)| (id, None, s)));
    }
    if !updates.is_empty() {
        let payload: Vec<Value> = updates
            .iter()
            .map(|(id, _, s)| contact_json(Some(*id), None, s))
            .collect();
        sqlx::query(
            "UPDATE contacts SET name = u.value ->> '$.n', role = u.value ->> '$.r', department = u.value ->> '$.d', \
                 class_name = u.value ->> '$.c', grade = u.value ->> '$.g', language = u.value ->> '$.l', \
                 attributes = u.value -> '$.a', updated_at = ?2 \
             FROM json_each(?1) u WHERE contacts.id = u.value ->> '$.id'",
        )
        .bind(Value::Array(payload).to_string())
        .bind(&now)
        .execute(&mut **tx)
        .await?;
        written.extend(updates.iter().map(|(id, before, after)| (*id, Some(before), after)));
    }
    write_children(tx, &written, &now).await
}

/// The JSON one row becomes for the insert and update statements.
fn contact_json(id: Option<i64>, external_id: Option<&str>, s: &State) -> Value {
    json!({
        "id": id, "e": external_id, "n": s.name, "r": s.role, "d": s.department, "c": s.class_name,
        "g": s.grade, "l": s.language, "a": Value::Object(s.attributes.clone()),
    })
}

/// Addresses, preferences and tags of written contacts: only what changed is touched, so an
/// address that did not change keeps its `invalid` mark from earlier sends.
async fn write_children(tx: &mut WriteTx, written: &[(i64, Option<&State>, &State)], now: &str) -> StoreResult<()> {
    let mut put_addresses = Vec::new();
    let mut drop_addresses = Vec::new();
    let mut preferences = Vec::new();
    let mut retag = Vec::new();
    let mut tags = Vec::new();
    let empty = State::default();
    for (id, before, after) in written {
        let before = before.unwrap_or(&empty);
        for (kind, address) in &after.addresses {
            if before.addresses.get(kind) != Some(address) {
                put_addresses.push(json!([id, kind, address]));
            }
        }
        for kind in before.addresses.keys() {
            if !after.addresses.contains_key(kind) {
                drop_addresses.push(json!([id, kind]));
            }
        }
        if before.preferred != after.preferred {
            preferences.push(json!([id, Value::from(after.preferred.clone()).to_string()]));
        }
        if before.tags != after.tags {
            retag.push(*id);
            tags.extend(after.tags.iter().map(|t| json!([id, t])));
        }
    }
    if !drop_addresses.is_empty() {
        sqlx::query(
            "DELETE FROM contact_addresses WHERE id IN (SELECT a.id FROM json_each(?1) j \
             JOIN contact_addresses a ON a.contact_id = j.value ->> '$[0]' AND a.kind = j.value ->> '$[1]')",
        )
        .bind(Value::from(drop_addresses).to_string())
        .execute(&mut **tx)
        .await?;
    }
    if !put_addresses.is_empty() {
        sqlx::query(
            "INSERT INTO contact_addresses (contact_id, kind, address, updated_at) \
             SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', ?2 FROM json_each(?1) WHERE true \
             ON CONFLICT (contact_id, kind) DO UPDATE SET address = excluded.address, invalid = 0, \
             invalid_reason = NULL, updated_at = excluded.updated_at",
        )
        .bind(Value::from(put_addresses).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    if !preferences.is_empty() {
        sqlx::query(
            "INSERT INTO contact_preferences (contact_id, preferred, updated_at) \
             SELECT value ->> '$[0]', value ->> '$[1]', ?2 FROM json_each(?1) WHERE true \
             ON CONFLICT (contact_id) DO UPDATE SET preferred = excluded.preferred, updated_at = excluded.updated_at",
        )
        .bind(Value::from(preferences).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    if !retag.is_empty() {
        sqlx::query("DELETE FROM contact_tags WHERE contact_id IN (SELECT value FROM json_each(?1))")
            .bind(Value::from(retag).to_string())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO contact_tags (contact_id, tag) \
             SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1)",
        )
        .bind(Value::from(tags).to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The stored state of every contact of `rows` that has an external id, by external id.
async fn load_current(tx: &mut WriteTx, rows: &[ContactUpsert]) -> StoreResult<HashMap<String, (i64, State)>> {
    let ids: Vec<&str> = rows.iter().filter_map(|r| r.external_id.as_deref()).collect();
    let mut by_ext: HashMap<String, (i64, State)> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_ext);
    }
    let found = sqlx::query(
        "SELECT c.id, c.external_id, c.name, c.role, c.department, c.class_name, c.grade, c.language, c.attributes \
         FROM json_each(?1) j JOIN contacts c ON c.external_id = j.value",
    )
    .bind(Value::from(ids).to_string())
    .fetch_all(&mut **tx)
    .await?;
    let mut by_id: HashMap<i64, String> = HashMap::new();
    for r in &found {
        let id: i64 = r.get("id");
        let ext: String = r.get("external_id");
        let attributes: Map<String, Value> = crate::store::from_json("contacts.attributes", r.get("attributes"))?;
        by_id.insert(id, ext.clone());
        by_ext.insert(
            ext,
            (
                id,
                State {
                    name: r.get("name"),
                    role: r.get("role"),
                    department: r.get("department"),
                    class_name: r.get("class_name"),
                    grade: r.get("grade"),
                    language: r.get("language"),
                    attributes,
                    ..Default::default()
                },
            ),
        );
    }
    if by_id.is_empty() {
        return Ok(by_ext);
    }
    let id_json = Value::from(by_id.keys().copied().collect::<Vec<i64>>()).to_string();
    for r in sqlx::query(
        "SELECT contact_id, kind, address FROM contact_addresses WHERE contact_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(&id_json)
    .fetch_all(&mut **tx)
    .await?
    {
        if let Some((_, s)) = by_id
            .get(&r.get::<i64, _>("contact_id"))
            .and_then(|e| by_ext.get_mut(e))
        {
            s.addresses.insert(r.get("kind"), r.get("address"));
        }
    }
    for r in sqlx::query(
        "SELECT contact_id, preferred FROM contact_preferences WHERE contact_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(&id_json)
    .fetch_all(&mut **tx)
    .await?
    {
        if let Some((_, s)) = by_id
            .get(&r.get::<i64, _>("contact_id"))
            .and_then(|e| by_ext.get_mut(e))
        {
            s.preferred = crate::store::from_json("contact_preferences.preferred", r.get("preferred"))?;
        }
    }
    for r in
        sqlx::query("SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (SELECT value FROM json_each(?1))")
            .bind(&id_json)
            .fetch_all(&mut **tx)
            .await?
    {
        if let Some((_, s)) = by_id
            .get(&r.get::<i64, _>("contact_id"))
            .and_then(|e| by_ext.get_mut(e))
        {
            s.tags.insert(r.get("tag"));
        }
    }
    Ok(by_ext)
}

impl Store {
    /// Every contact with its addresses, preferences, tags and attributes, by id (exports).
    pub async fn list_contact_records(&self) -> StoreResult<Vec<crate::model::ContactRecord>> {
        let rows = sqlx::query(
            "SELECT c.external_id, c.name, c.role, c.department, c.class_name, c.grade, c.language, c.attributes, \
               (SELECT json_group_object(a.kind, a.address) FROM contact_addresses a WHERE a.contact_id = c.id) AS addresses, \
               (SELECT p.preferred FROM contact_preferences p WHERE p.contact_id = c.id) AS preferred, \
               (SELECT json_group_array(t.tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag) t) AS tags \
             FROM contacts c ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let preferred: Option<String> = r.get("preferred");
                Ok(crate::model::ContactRecord {
                    external_id: r.get("external_id"),
                    name: r.get("name"),
                    role: r.get("role"),
                    department: r.get("department"),
                    class_name: r.get("class_name"),
                    grade: r.get("grade"),
                    language: r.get("language"),
                    addresses: crate::store::from_json("contact_addresses", r.get("addresses"))?,
                    preferred: crate::store::from_json(
                        "contact_preferences.preferred",
                        preferred.as_deref().unwrap_or("[]"),
                    )?,
                    tags: crate::store::from_json("contact_tags", r.get("tags"))?,
                    attributes: crate::store::from_json("contacts.attributes", r.get("attributes"))?,
                })
            })
            .collect()
    }
}
