//! Platform ids found for contacts (a WeCom userid found by mobile, say): who lacks one, and
//! storing those found in one transaction.

use sqlx::Row;

use crate::clock;
use crate::store::{Store, StoreResult};

impl Store {
    /// Contacts with a usable mobile and no address of `kind`: (id, name, mobile), by id.
    pub async fn contacts_lacking_address(&self, kind: &str) -> StoreResult<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, m.address FROM contacts c \
             JOIN contact_addresses m ON m.contact_id = c.id AND m.kind = 'mobile' AND m.invalid = 0 \
             WHERE NOT EXISTS (SELECT 1 FROM contact_addresses a WHERE a.contact_id = c.id AND a.kind = ?) \
             ORDER BY c.id",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    /// Stores `found` (contact id, address) as each contact's address of `kind`, unless the
    /// contact got one meanwhile; returns how many were stored. One transaction.
    pub async fn add_found_addresses(&self, kind: &str, found: &[(i64, String)]) -> StoreResult<u64> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let mut stored = 0;
        for (contact_id, address) in found {
            stored += sqlx::query(
                "INSERT OR IGNORE INTO contact_addresses (contact_id, kind, address, updated_at) VALUES (?, ?, ?, ?)",
            )
            .bind(contact_id)
            .bind(kind)
            .bind(address)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.audit_note("stored", stored);
        tx.commit().await?;
        Ok(stored)
    }
}
