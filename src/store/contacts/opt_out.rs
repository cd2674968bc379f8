//! Finding contacts by e-mail address and opting many out of one channel kind at once: what
//! recording a batch of unsubscribe requests needs.

use sqlx::Row;

use super::edit::version_after;
use crate::model::UnsubscribeMatch;
use crate::store::{Store, StoreResult};

impl Store {
    /// Contacts whose e-mail address is one of `addresses` (as stored: cleaned and lower-cased),
    /// with whether they already opted out of `kind`; in no particular order.
    pub async fn contacts_by_email(&self, addresses: &[String], kind: &str) -> StoreResult<Vec<UnsubscribeMatch>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.external_id, a.address, \
               EXISTS (SELECT 1 FROM contact_preferences p, json_each(p.opted_out) o \
                       WHERE p.contact_id = c.id AND o.value = ?2) AS already \
             FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id \
             WHERE a.kind = 'email' AND a.address IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::json!(addresses).to_string())
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| UnsubscribeMatch {
                contact_id: r.get("id"),
                name: r.get("name"),
                external_id: r.get("external_id"),
                address: r.get("address"),
                already: r.get("already"),
            })
            .collect())
    }

    /// Adds `kind` to the opt-outs of each contact in `ids` that lacks it, moving each changed
    /// contact's version (so an edit begun before is refused, not silently undone), in one
    /// transaction; returns how many changed.
    pub async fn opt_out_contacts(&self, ids: &[i64], kind: &str) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let mut changed = 0u64;
        for &id in ids {
            let added = sqlx::query(
                "INSERT INTO contact_preferences (contact_id, preferred, opted_out, updated_at) \
                 VALUES (?1, '[]', json_array(?2), ?3) \
                 ON CONFLICT (contact_id) DO UPDATE SET opted_out = json_insert(opted_out, '$[#]', ?2), \
                   updated_at = excluded.updated_at \
                 WHERE NOT EXISTS (SELECT 1 FROM json_each(contact_preferences.opted_out) WHERE value = ?2)",
            )
            .bind(id)
            .bind(kind)
            .bind(crate::clock::now_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                continue;
            }
            let version: String = sqlx::query_scalar("SELECT updated_at FROM contacts WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("UPDATE contacts SET updated_at = ? WHERE id = ?")
                .bind(version_after(&version))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            changed += 1;
        }
        if changed > 0 {
            tx.audit_note("optedOut", changed);
            tx.commit().await?;
        }
        Ok(changed)
    }
}
