//! `contacts` and `contact_addresses`: adding and reading one contact. Imports upsert in
//! `upsert.rs`, the contacts screen's list and facets are in `query.rs`, one contact's detail,
//! edit and deletion in `edit.rs`, opting many out at once in `opt_out.rs`.

mod edit;
mod link;
mod opt_out;
mod query;
mod upsert;

pub use upsert::UPSERT_CHUNK;

use sqlx::Row;

use super::{Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{Contact, NewContact};

/// Columns of a contact (`c`) with its e-mail and mobile, as `Contact` wants them.
const CONTACT_COLUMNS: &str = "c.id, c.external_id, c.name, c.role, c.department, c.class_name, c.grade, \
     c.language, c.created_at, \
     (SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'email') AS email, \
     (SELECT address FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = 'mobile') AS mobile";

fn contact_from_row(row: &sqlx::sqlite::SqliteRow) -> Contact {
    Contact {
        id: row.get("id"),
        external_id: row.get("external_id"),
        name: row.get("name"),
        role: row.get("role"),
        department: row.get("department"),
        class_name: row.get("class_name"),
        grade: row.get("grade"),
        language: row.get("language"),
        email: row.get("email"),
        mobile: row.get("mobile"),
        created_at: row.get("created_at"),
    }
}

/// Inserts one contact and its addresses inside `tx`; returns its id.
async fn insert_contact_tx(tx: &mut super::WriteTx, c: &NewContact, now: &str) -> StoreResult<i64> {
    let inserted = sqlx::query(
        "INSERT INTO contacts (external_id, name, role, department, class_name, grade, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&c.external_id)
    .bind(&c.name)
    .bind(&c.role)
    .bind(&c.department)
    .bind(&c.class_name)
    .bind(&c.grade)
    .bind(now)
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    let id: i64 = match inserted {
        Ok(row) => row.get(0),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "a contact with external id {} already exists",
                c.external_id.as_deref().unwrap_or("")
            )))
        }
        Err(e) => return Err(e.into()),
    };
    for (kind, address) in [("email", &c.email), ("mobile", &c.mobile)] {
        if let Some(address) = address {
            sqlx::query("INSERT INTO contact_addresses (contact_id, kind, address, updated_at) VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(kind)
                .bind(address)
                .bind(now)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(id)
}

impl Store {
    /// Adds a contact with its addresses in one transaction. A duplicate external id is a
    /// `Conflict` naming it.
    pub async fn insert_contact(&self, c: &NewContact) -> StoreResult<Contact> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let id = insert_contact_tx(&mut tx, c, &now).await?;
        tx.audit_about(id);
        tx.commit().await?;
        self.get_contact(id).await
    }

    /// Adds many contacts in one transaction (imports, demo data, benchmarks); returns how
    /// many. A duplicate external id aborts the whole batch with a `Conflict` naming it.
    pub async fn insert_contacts_bulk(&self, contacts: &[NewContact]) -> StoreResult<u64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        for c in contacts {
            insert_contact_tx(&mut tx, c, &now).await?;
        }
        tx.commit().await?;
        Ok(contacts.len() as u64)
    }

    /// The contact with this id, or `NotFound`.
    pub async fn get_contact(&self, id: i64) -> StoreResult<Contact> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = ?");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| contact_from_row(&r))
            .ok_or_else(|| StoreError::not_found("contact", id))
    }

    /// Finds a contact by external id (学号/工号).
    pub async fn find_contact_by_external_id(&self, external_id: &str) -> StoreResult<Option<Contact>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.external_id = ?");
        Ok(sqlx::query(&sql)
            .bind(external_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| contact_from_row(&r)))
    }

    /// How many contacts there are.
    pub async fn count_contacts(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Which of these ids exist (for checking an audience spec).
    pub async fn existing_contact_ids(&self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let hit: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            found.extend(hit);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ContactQuery, NewContact};
    use crate::store::testutil::temp_store;
    use crate::store::StoreError;

    fn person(name: &str, id: &str) -> NewContact {
        NewContact {
            name: name.into(),
            external_id: Some(id.into()),
            email: Some(format!("{id}@example.edu.cn")),
            mobile: Some("+8613800000000".into()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_contact_keeps_its_addresses_and_duplicate_ids_conflict() {
        let (_d, store) = temp_store().await;
        let c = store.insert_contact(&person("王小明", "2024001")).await.unwrap();
        assert_eq!(c.email.as_deref(), Some("2024001@example.edu.cn"));
        assert_eq!(c.mobile.as_deref(), Some("+8613800000000"));
        let err = store.insert_contact(&person("李雷", "2024001")).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("2024001")),
            "{err}"
        );
        assert_eq!(store.count_contacts().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn search_matches_name_id_and_address_and_treats_wildcards_literally() {
        let (_d, store) = temp_store().await;
        store.insert_contact(&person("王小明", "2024001")).await.unwrap();
        store.insert_contact(&person("李雷", "2024002")).await.unwrap();
        let q = |s: &str| ContactQuery {
            search: Some(s.into()),
            ..Default::default()
        };
        assert_eq!(store.list_contacts(&q("小明")).await.unwrap().total, 1);
        assert_eq!(store.list_contacts(&q("2024002")).await.unwrap().items[0].name, "李雷");
        assert_eq!(store.list_contacts(&q("2024002@example")).await.unwrap().total, 1);
        assert_eq!(store.list_contacts(&q("%")).await.unwrap().total, 0);
        assert_eq!(store.list_contacts(&ContactQuery::default()).await.unwrap().total, 2);
    }
}
