//! One contact read whole (its addresses with their invalid marks, preferences, tags and
//! attributes), edited in one transaction that writes only what changed, and deleted.
//!
//! `contacts.updated_at` is the version of the whole contact: an edit names the version it
//! started from and is refused if the contact moved on, so two people editing at once cannot
//! silently overwrite each other. Marks that sending sets on an address do not move it, since
//! an edit keeps an unchanged address's mark anyway.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use crate::clock;
use crate::model::{ContactAddress, ContactDetail, ContactEdit, ADDRESS_KINDS};
use crate::store::{from_json, Store, StoreError, StoreResult};

/// How many names a refused deletion lists.
const NAMES_SHOWN: usize = 5;

/// A timestamp strictly after `previous`, so that two edits within one millisecond still give
/// two versions.
pub(super) fn version_after(previous: &str) -> String {
    let now = clock::now();
    let next = chrono::DateTime::parse_from_rfc3339(previous)
        .map(|p| now.max(p.to_utc() + chrono::Duration::milliseconds(1)))
        .unwrap_or(now);
    clock::fmt(next)
}

/// The contact with this id, read on `conn` (inside a transaction or not).
async fn read_detail(conn: &mut SqliteConnection, id: i64) -> StoreResult<Option<ContactDetail>> {
    let Some(r) = sqlx::query(
        "SELECT c.id, c.external_id, c.name, c.role, c.department, c.class_name, c.grade, c.language, c.attributes, \
           c.created_at, c.updated_at, p.preferred, p.opted_out \
         FROM contacts c LEFT JOIN contact_preferences p ON p.contact_id = c.id WHERE c.id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let attributes: serde_json::Map<String, Value> = from_json("contacts.attributes", r.get("attributes"))?;
    let attributes = attributes
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let preferred: Option<String> = r.get("preferred");
    let opted_out: Option<String> = r.get("opted_out");
    let mut addresses: Vec<ContactAddress> =
        sqlx::query("SELECT kind, address, invalid, invalid_reason FROM contact_addresses WHERE contact_id = ?")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|a| ContactAddress {
                kind: a.get("kind"),
                address: a.get("address"),
                invalid: a.get::<i64, _>("invalid") != 0,
                invalid_reason: a.get("invalid_reason"),
            })
            .collect();
    addresses.sort_by_key(|a| {
        (
            ADDRESS_KINDS
                .iter()
                .position(|k| *k == a.kind)
                .unwrap_or(ADDRESS_KINDS.len()),
            a.kind.clone(),
        )
    });
    let tags: Vec<String> = sqlx::query_scalar("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some(ContactDetail {
        id: r.get("id"),
        external_id: r.get("external_id"),
        name: r.get("name"),
        role: r.get("role"),
        department: r.get("department"),
        class_name: r.get("class_name"),
        grade: r.get("grade"),
        language: r.get("language"),
        attributes,
        addresses,
        preferred: from_json("contact_preferences.preferred", preferred.as_deref().unwrap_or("[]"))?,
        opted_out: from_json("contact_preferences.opted_out", opted_out.as_deref().unwrap_or("[]"))?,
        tags,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }))
}

/// The names (never the values) of what `edit` changes in `before`, in the edit's field order.
fn changes(before: &ContactDetail, edit: &ContactEdit) -> Vec<String> {
    let mut changed = Vec::new();
    let mut field = |name: &str, differs: bool| {
        if differs {
            changed.push(name.to_owned());
        }
    };
    field("name", before.name != edit.name);
    field("externalId", before.external_id != edit.external_id);
    field("role", before.role != edit.role);
    field("department", before.department != edit.department);
    field("className", before.class_name != edit.class_name);
    field("grade", before.grade != edit.grade);
    field("language", before.language != edit.language);
    let keys: BTreeSet<&String> = before.attributes.keys().chain(edit.attributes.keys()).collect();
    for key in keys {
        if before.attributes.get(key) != edit.attributes.get(key) {
            changed.push(format!("attributes.{key}"));
        }
    }
    let old: BTreeMap<&str, &ContactAddress> = before.addresses.iter().map(|a| (a.kind.as_str(), a)).collect();
    for a in &edit.addresses {
        match old.get(a.kind.as_str()) {
            Some(o) if o.address == a.address => {
                if o.invalid && a.mark_valid == Some(true) {
                    changed.push(format!("addresses.{}.markedValid", a.kind));
                }
            }
            _ => changed.push(format!("addresses.{}", a.kind)),
        }
    }
    for o in &before.addresses {
        if !edit.addresses.iter().any(|a| a.kind == o.kind) {
            changed.push(format!("addresses.{}", o.kind));
        }
    }
    let mut field = |name: &str, differs: bool| {
        if differs {
            changed.push(name.to_owned());
        }
    };
    field("preferred", before.preferred != edit.preferred);
    field("optedOut", before.opted_out != edit.opted_out);
    let tags: BTreeSet<&String> = edit.tags.iter().collect();
    field("tags", before.tags.iter().collect::<BTreeSet<_>>() != tags);
    changed
}

impl Store {
    /// Everything about one contact, or `NotFound`.
    pub async fn contact_detail(&self, id: i64) -> StoreResult<ContactDetail> {
        let mut conn = self.pool.acquire().await?;
        read_detail(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("contact", id))
    }

    /// Makes the contact what `edit` says (already checked and normalised by the caller), in one
    /// transaction, if it is still at version `edit.updated_at`; returns the names of the fields
    /// that changed (none: nothing was written). A changed address loses its invalid mark; an
    /// unchanged one keeps it unless `mark_valid`. Another version is a `Conflict` telling the
    /// user to reload; a taken external id is a `Conflict` naming it.
    pub async fn update_contact(&self, id: i64, edit: &ContactEdit) -> StoreResult<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let before = read_detail(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("contact", id))?;
        if before.updated_at != edit.updated_at {
            return Err(StoreError::Conflict(format!(
                "the contact {} was changed elsewhere after it was opened; reload it and make the change again",
                before.name
            )));
        }
        let changed = changes(&before, edit);
        if changed.is_empty() {
            return Ok(changed);
        }
        // Field names only, never values: the audit log is shown and exported.
        tx.audit_note("changed", changed.clone());
        let now = version_after(&before.updated_at);
        let attributes = Value::Object(
            edit.attributes
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect(),
        );
        let updated = sqlx::query(
            "UPDATE contacts SET name = ?, external_id = ?, role = ?, department = ?, class_name = ?, grade = ?, \
             language = ?, attributes = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&edit.name)
        .bind(&edit.external_id)
        .bind(&edit.role)
        .bind(&edit.department)
        .bind(&edit.class_name)
        .bind(&edit.grade)
        .bind(&edit.language)
        .bind(attributes.to_string())
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!(
                    "another contact already has the external id {}",
                    edit.external_id.as_deref().unwrap_or("")
                )))
            }
            Err(e) => return Err(e.into()),
        }
        for o in &before.addresses {
            if !edit.addresses.iter().any(|a| a.kind == o.kind) {
                sqlx::query("DELETE FROM contact_addresses WHERE contact_id = ? AND kind = ?")
                    .bind(id)
                    .bind(&o.kind)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for a in &edit.addresses {
            let old = before.addresses.iter().find(|o| o.kind == a.kind);
            match old {
                Some(o) if o.address == a.address => {
                    if o.invalid && a.mark_valid == Some(true) {
                        sqlx::query(
                            "UPDATE contact_addresses SET invalid = 0, invalid_reason = NULL, updated_at = ? \
                             WHERE contact_id = ? AND kind = ?",
                        )
                        .bind(&now)
                        .bind(id)
                        .bind(&a.kind)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                _ => {
                    sqlx::query(
                        "INSERT INTO contact_addresses (contact_id, kind, address, updated_at) VALUES (?, ?, ?, ?) \
                         ON CONFLICT (contact_id, kind) DO UPDATE SET address = excluded.address, invalid = 0, \
                         invalid_reason = NULL, updated_at = excluded.updated_at",
                    )
                    .bind(id)
                    .bind(&a.kind)
                    .bind(&a.address)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        if before.preferred != edit.preferred || before.opted_out != edit.opted_out {
            sqlx::query(
                "INSERT INTO contact_preferences (contact_id, preferred, opted_out, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (contact_id) DO UPDATE SET preferred = excluded.preferred, \
                 opted_out = excluded.opted_out, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(Value::from(edit.preferred.clone()).to_string())
            .bind(Value::from(edit.opted_out.clone()).to_string())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        if changed.iter().any(|c| c == "tags") {
            sqlx::query("DELETE FROM contact_tags WHERE contact_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for tag in &edit.tags {
                sqlx::query("INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)")
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Deletes these contacts (with their addresses, preferences, tags and group memberships)
    /// and returns how many there were. A contact that notices were sent to is needed by the
    /// sending history, so if any has deliveries nothing is deleted and the `Conflict` says
    /// how many (and names the first few). Ids that do not exist are `NotFound`.
    pub async fn delete_contacts(&self, ids: &[i64]) -> StoreResult<u64> {
        let ids: Vec<i64> = ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
        let list = Value::from(ids.clone()).to_string();
        let mut tx = self.begin_write().await?;
        let found: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id")
                .bind(&list)
                .fetch_all(&mut *tx)
                .await?;
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(StoreError::not_found("contact", missing));
        }
        let with_history: Vec<String> = sqlx::query_scalar(
            "SELECT c.name FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?)) \
             AND EXISTS (SELECT 1 FROM deliveries d WHERE d.contact_id = c.id) ORDER BY c.id",
        )
        .bind(&list)
        .fetch_all(&mut *tx)
        .await?;
        if !with_history.is_empty() {
            let mut names = with_history
                .iter()
                .take(NAMES_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if with_history.len() > NAMES_SHOWN {
                names.push_str(", …");
            }
            return Err(StoreError::Conflict(format!(
                "{} of the {} contacts chosen ({names}) have been sent notices, and the sending history must keep \
                 them, so nothing was deleted; leave those out and delete the others",
                with_history.len(),
                ids.len()
            )));
        }
        let deleted = sqlx::query("DELETE FROM contacts WHERE id IN (SELECT value FROM json_each(?))")
            .bind(&list)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.audit_note("deleted", deleted);
        tx.commit().await?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ContactDetail, ContactUpsert};
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};
    use crate::store::StoreError;

    async fn one(store: &crate::store::Store) -> ContactDetail {
        let row = ContactUpsert {
            external_id: Some("S1".into()),
            name: "甲".into(),
            addresses: vec![
                ("email", Some("s1@example.edu.cn".into())),
                ("mobile", Some("+8613800000001".into())),
            ],
            attributes: vec![("宿舍".into(), Some("3-201".into()))],
            tags: Some(vec!["住校".into()]),
            preferred: Some(vec!["smtp".into()]),
            ..Default::default()
        };
        store.upsert_contacts(&[row], false).await.unwrap();
        sqlx::query("UPDATE contact_addresses SET invalid = 1, invalid_reason = 'bounced'")
            .execute(&store.pool)
            .await
            .unwrap();
        let id = store.find_contact_by_external_id("S1").await.unwrap().unwrap().id;
        store.contact_detail(id).await.unwrap()
    }

    #[tokio::test]
    async fn detail_has_every_address_with_its_mark_and_the_preferences() {
        let (_d, store) = temp_store().await;
        let d = one(&store).await;
        assert_eq!(d.addresses.len(), 2);
        assert_eq!(d.addresses[0].kind, "email");
        assert!(d.addresses[1].invalid);
        assert_eq!(d.addresses[1].invalid_reason.as_deref(), Some("bounced"));
        assert_eq!(d.attributes["宿舍"], "3-201");
        assert_eq!(
            (d.preferred.clone(), d.tags.clone()),
            (vec!["smtp".into()], vec!["住校".into()])
        );
        assert!(d.opted_out.is_empty());
    }

    #[tokio::test]
    async fn a_changed_address_loses_its_mark_an_unchanged_one_keeps_it_unless_marked_valid() {
        let (_d, store) = temp_store().await;
        let d = one(&store).await;
        let mut e = d.to_edit();
        assert!(
            store.update_contact(d.id, &e).await.unwrap().is_empty(),
            "nothing to write"
        );
        e.addresses[1].address = "+8613900000001".into();
        e.tags = vec!["住校".into(), "班干部".into()];
        e.opted_out = vec!["smtp".into()];
        let changed = store.update_contact(d.id, &e).await.unwrap();
        assert_eq!(changed, ["addresses.mobile", "optedOut", "tags"]);
        let after = store.contact_detail(d.id).await.unwrap();
        assert!(after.updated_at > d.updated_at);
        assert!(after.addresses[0].invalid, "the unchanged e-mail keeps its mark");
        assert!(!after.addresses[1].invalid);
        assert_eq!(after.addresses[1].invalid_reason, None);
        assert_eq!(after.opted_out, ["smtp"]);
        assert_eq!(after.tags, ["住校", "班干部"]);

        let mut e = after.to_edit();
        e.addresses[0].mark_valid = Some(true);
        e.addresses.remove(1);
        e.attributes.clear();
        let changed = store.update_contact(d.id, &e).await.unwrap();
        assert_eq!(
            changed,
            ["attributes.宿舍", "addresses.email.markedValid", "addresses.mobile"]
        );
        let last = store.contact_detail(d.id).await.unwrap();
        assert_eq!(last.addresses.len(), 1);
        assert!(!last.addresses[0].invalid);
        assert!(last.attributes.is_empty());
    }

    #[tokio::test]
    async fn a_stale_edit_is_refused_and_writes_nothing() {
        let (_d, store) = temp_store().await;
        let d = one(&store).await;
        let mut first = d.to_edit();
        first.name = "甲一".into();
        store.update_contact(d.id, &first).await.unwrap();
        let mut second = d.to_edit();
        second.department = Some("数学学院".into());
        let err = store.update_contact(d.id, &second).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("reload")),
            "{err}"
        );
        let now = store.contact_detail(d.id).await.unwrap();
        assert_eq!((now.name.as_str(), now.department), ("甲一", None));
    }

    #[tokio::test]
    async fn a_taken_external_id_is_a_conflict() {
        let (_d, store) = temp_store().await;
        let d = one(&store).await;
        let other = store
            .insert_contact(&crate::model::NewContact {
                name: "乙".into(),
                external_id: Some("S2".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut e = d.to_edit();
        e.external_id = Some("S2".into());
        let err = store.update_contact(d.id, &e).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("S2")), "{err}");
        assert!(store.contact_detail(other.id).await.is_ok());
    }

    #[tokio::test]
    async fn contacts_with_sending_history_are_not_deleted() {
        let (_d, store) = temp_store().await;
        let (run, channel) = sandbox_run(&store, 2).await;
        fan_out_sandbox(&store, run, channel, 100).await;
        let fresh = one(&store).await;
        let err = store.delete_contacts(&[1, 2, fresh.id]).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.starts_with("2 of the 3 contacts chosen (p0, p1)")),
            "{err}"
        );
        assert_eq!(store.count_contacts().await.unwrap(), 3);
        assert!(matches!(
            store.delete_contacts(&[999]).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        assert_eq!(store.delete_contacts(&[fresh.id, fresh.id]).await.unwrap(), 1);
        assert_eq!(store.count_contacts().await.unwrap(), 2);
        let tags: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_tags")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(tags, 0, "children go with the contact");
    }
}
