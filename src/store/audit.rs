//! `audit_log`: append-only, each row hashing the one before it.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, StoreResult};
use crate::clock;

/// One audit entry as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash that chains a row to the one before it.
pub(crate) fn chain_hash(
    prev: &str,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, at, actor, action, entity, entity_id, detail] {
        h.update(part.as_bytes());
        // A separator that cannot appear in the parts keeps ("ab","c") and ("a","bc") apart.
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

impl Store {
    /// Appends an entry, chained to the last one inside the same write transaction so two
    /// processes cannot both chain to the same predecessor.
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        detail: &serde_json::Value,
    ) -> StoreResult<()> {
        let at = clock::now_str();
        let detail = detail.to_string();
        let mut tx = self.begin_write().await?;
        let prev: String = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_default();
        let hash = chain_hash(&prev, &at, actor, action, entity, entity_id.unwrap_or(""), &detail);
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&at)
        .bind(actor)
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(&detail)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The whole log, oldest first.
    pub async fn list_audit(&self) -> StoreResult<Vec<AuditRow>> {
        Ok(sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit_log ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| AuditRow {
            id: r.get("id"),
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            detail: r.get("detail"),
            prev_hash: r.get("prev_hash"),
            hash: r.get("hash"),
        })
        .collect())
    }
}

/// Recomputes a stored row's hash from its content and the previous hash.
pub fn chain_hash_of(prev: &str, r: &AuditRow) -> String {
    chain_hash(
        prev,
        &r.at,
        &r.actor,
        &r.action,
        &r.entity,
        r.entity_id.as_deref().unwrap_or(""),
        &r.detail,
    )
}
