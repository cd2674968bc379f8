//! Imports: contacts upserted by external id, a chunk per transaction. Reads are one query per
//! chunk (a contact's addresses, preferences and tags aggregated to JSON, so sqlx hands over one
//! row per contact); writes are multi-row `VALUES` lists (`store::batch`), so 50,000 rows cost
//! a few thousand statements rather than half a million.
//!
//! A row is compared with the stored contact after applying what the file maps, so the counts
//! say exactly how many were added, updated and unchanged; an unchanged contact is not written.
//! Rows without an external id cannot be matched, so they are always added.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};
use sqlx::Row;

use crate::clock;
use crate::model::{ContactUpsert, UpsertCounts};
use crate::store::{batch, from_json, Store, StoreResult, WriteTx};

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
    /// Adds or updates `rows` (matched on external id), `UPSERT_CHUNK` per transaction; through
    /// an audited handle, the first transaction's counts are noted in its entry. With
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
                let mut part = UpsertCounts::default();
                upsert_chunk(&mut tx, chunk, &mut part).await?;
                // An audited handle's entry goes with the first transaction: it says what that
                // transaction did, so a crash between chunks leaves no change unaccounted for.
                tx.audit_note("added", part.added);
                tx.audit_note("updated", part.updated);
                tx.audit_note("unchanged", part.unchanged);
                tx.commit().await?;
                counts.added += part.added;
                counts.updated += part.updated;
                counts.unchanged += part.unchanged;
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
        let params: Vec<Vec<P>> = inserts
            .iter()
            .zip(&insert_ext)
            .map(|(st, e)| {
                let mut p = vec![P::T(e.map(str::to_owned))];
                p.extend(contact_params(st));
                p.extend([P::T(Some(now.clone())), P::T(Some(now.clone()))]);
                p
            })
            .collect();
        let mut ids = values(
            tx,
            "INSERT INTO contacts (external_id, name, role, department, class_name, grade, language, attributes, \
             created_at, updated_at) VALUES ",
            " RETURNING id",
            10,
            &params,
        )
        .await?;
        // Rowids are handed out in insertion order (max + 1), which is the order of the VALUES
        // list; RETURNING's own order is not promised, so sort.
        ids.sort_unstable();
        written.extend(ids.into_iter().zip(&inserts).map(|(id, s)| (id, None, s)));
    }
    if !updates.is_empty() {
        let params: Vec<Vec<P>> = updates
            .iter()
            .map(|(id, _, st)| {
                let mut p = vec![P::I(*id)];
                p.extend(contact_params(st));
                p.push(P::T(Some(now.clone())));
                p
            })
            .collect();
        values(
            tx,
            "WITH v AS (VALUES ",
            ") UPDATE contacts SET name = v.column2, role = v.column3, department = v.column4, \
             class_name = v.column5, grade = v.column6, language = v.column7, attributes = v.column8, \
             updated_at = v.column9 FROM v WHERE contacts.id = v.column1",
            9,
            &params,
        )
        .await?;
        written.extend(updates.iter().map(|(id, before, after)| (*id, Some(before), after)));
    }
    write_children(tx, &written, &now).await
}

/// A bound parameter of a `VALUES` list.
enum P {
    I(i64),
    T(Option<String>),
}

/// name, role, department, class_name, grade, language, attributes.
fn contact_params(s: &State) -> [P; 7] {
    [
        P::T(Some(s.name.clone())),
        P::T(s.role.clone()),
        P::T(s.department.clone()),
        P::T(s.class_name.clone()),
        P::T(s.grade.clone()),
        P::T(Some(s.language.clone())),
        P::T(Some(Value::Object(s.attributes.clone()).to_string())),
    ]
}

/// Runs `head VALUES-list tail` over `rows` in `store::batch` sizes; returns the first column
/// of whatever the statement returns (the new ids of an `INSERT … RETURNING id`).
async fn values(tx: &mut WriteTx, head: &str, tail: &str, cols: usize, rows: &[Vec<P>]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for part in batch::chunks(rows) {
        let sql = format!("{head}{}{tail}", batch::placeholders(part.len(), cols));
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for row in part {
            for p in row {
                q = match p {
                    P::I(i) => q.bind(*i),
                    P::T(t) => q.bind(t.clone()),
                };
            }
        }
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(out)
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
                put_addresses.push(vec![
                    P::I(*id),
                    P::T(Some(kind.clone())),
                    P::T(Some(address.clone())),
                    P::T(Some(now.to_owned())),
                ]);
            }
        }
        for kind in before.addresses.keys() {
            if !after.addresses.contains_key(kind) {
                drop_addresses.push(json!([id, kind]));
            }
        }
        if before.preferred != after.preferred {
            preferences.push(vec![
                P::I(*id),
                P::T(Some(Value::from(after.preferred.clone()).to_string())),
                P::T(Some(now.to_owned())),
            ]);
        }
        if before.tags != after.tags {
            retag.push(*id);
            tags.extend(after.tags.iter().map(|t| vec![P::I(*id), P::T(Some(t.clone()))]));
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
        values(
            tx,
            "INSERT INTO contact_addresses (contact_id, kind, address, updated_at) VALUES ",
            " ON CONFLICT (contact_id, kind) DO UPDATE SET address = excluded.address, invalid = 0, \
             invalid_reason = NULL, updated_at = excluded.updated_at",
            4,
            &put_addresses,
        )
        .await?;
    }
    if !preferences.is_empty() {
        values(
            tx,
            "INSERT INTO contact_preferences (contact_id, preferred, updated_at) VALUES ",
            " ON CONFLICT (contact_id) DO UPDATE SET preferred = excluded.preferred, updated_at = excluded.updated_at",
            3,
            &preferences,
        )
        .await?;
    }
    if !retag.is_empty() {
        sqlx::query("DELETE FROM contact_tags WHERE contact_id IN (SELECT value FROM json_each(?1))")
            .bind(Value::from(retag).to_string())
            .execute(&mut **tx)
            .await?;
        values(
            tx,
            "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES ",
            "",
            2,
            &tags,
        )
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
        "SELECT c.id, c.external_id, c.name, c.role, c.department, c.class_name, c.grade, c.language, c.attributes, \
           (SELECT json_group_object(a.kind, a.address) FROM contact_addresses a WHERE a.contact_id = c.id) AS addresses, \
           (SELECT p.preferred FROM contact_preferences p WHERE p.contact_id = c.id) AS preferred, \
           (SELECT json_group_array(t.tag) FROM contact_tags t WHERE t.contact_id = c.id) AS tags \
         FROM contacts c WHERE c.external_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(Value::from(ids).to_string())
    .fetch_all(&mut **tx)
    .await?;
    for r in &found {
        let preferred: Option<String> = r.get("preferred");
        let tags: Vec<String> = from_json("contact_tags", r.get("tags"))?;
        let state = State {
            name: r.get("name"),
            role: r.get("role"),
            department: r.get("department"),
            class_name: r.get("class_name"),
            grade: r.get("grade"),
            language: r.get("language"),
            attributes: from_json("contacts.attributes", r.get("attributes"))?,
            addresses: from_json("contact_addresses", r.get("addresses"))?,
            preferred: from_json("contact_preferences.preferred", preferred.as_deref().unwrap_or("[]"))?,
            tags: tags.into_iter().collect(),
        };
        by_ext.insert(r.get("external_id"), (r.get("id"), state));
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
                    addresses: from_json("contact_addresses", r.get("addresses"))?,
                    preferred: from_json("contact_preferences.preferred", preferred.as_deref().unwrap_or("[]"))?,
                    tags: from_json("contact_tags", r.get("tags"))?,
                    attributes: from_json("contacts.attributes", r.get("attributes"))?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::model::ContactUpsert;
    use crate::store::testutil::temp_store;

    fn row(id: Option<&str>, name: &str, mobile: &str) -> ContactUpsert {
        ContactUpsert {
            external_id: id.map(str::to_owned),
            name: name.into(),
            addresses: vec![("mobile", Some(mobile.into()))],
            ..Default::default()
        }
    }

    async fn invalid(store: &crate::store::Store, external_id: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT a.invalid FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id \
             WHERE c.external_id = ? AND a.kind = 'mobile'",
        )
        .bind(external_id)
        .fetch_one(&store.pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn an_unchanged_address_keeps_its_invalid_mark_and_a_new_one_loses_it() {
        let (_d, store) = temp_store().await;
        let rows = [
            row(Some("A"), "甲", "+8613800000001"),
            row(Some("B"), "乙", "+8613800000002"),
        ];
        store.upsert_contacts(&rows, false).await.unwrap();
        sqlx::query("UPDATE contact_addresses SET invalid = 1, invalid_reason = 'bounced'")
            .execute(&store.pool)
            .await
            .unwrap();
        let again = [
            row(Some("A"), "甲", "+8613800000001"),
            row(Some("B"), "乙", "+8613900000002"),
        ];
        let c = store.upsert_contacts(&again, false).await.unwrap();
        assert_eq!((c.added, c.updated, c.unchanged), (0, 1, 1));
        assert_eq!(invalid(&store, "A").await, 1);
        assert_eq!(invalid(&store, "B").await, 0);
    }

    #[tokio::test]
    async fn rows_without_an_id_are_always_added_and_a_dry_run_writes_nothing() {
        let (_d, store) = temp_store().await;
        let rows = [row(None, "甲", "+8613800000001"), row(None, "甲", "+8613800000001")];
        let dry = store.upsert_contacts(&rows, true).await.unwrap();
        assert_eq!(dry.added, 2);
        assert_eq!(store.count_contacts().await.unwrap(), 0);
        store.upsert_contacts(&rows, false).await.unwrap();
        store.upsert_contacts(&rows, false).await.unwrap();
        assert_eq!(store.count_contacts().await.unwrap(), 4);
    }

    #[tokio::test]
    async fn chunks_larger_than_one_transaction_get_every_id_right() {
        let (_d, store) = temp_store().await;
        let rows: Vec<ContactUpsert> = (0..super::UPSERT_CHUNK + 300)
            .map(|i| row(Some(&format!("S{i:05}")), &format!("n{i}"), &format!("+86138{i:08}")))
            .collect();
        let c = store.upsert_contacts(&rows, false).await.unwrap();
        assert_eq!(c.added as usize, rows.len());
        let c = store.find_contact_by_external_id("S02150").await.unwrap().unwrap();
        assert_eq!(
            (c.name.as_str(), c.mobile.as_deref()),
            ("n2150", Some("+8613800002150"))
        );
    }
}
