//! `audit_log`: append-only, each row hashing the one before it.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, StoreResult, WriteTx};
use crate::clock;

/// An entry to append, made by the change it records ([`Store::audited`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Must hold no secret: it is shown and exported as is.
    pub detail: serde_json::Value,
}

/// Appends `e` in `tx`, chained to the last entry; inside the write transaction, so two
/// processes cannot both chain to the same predecessor.
pub(crate) async fn write(tx: &mut WriteTx, e: &AuditEntry) -> StoreResult<()> {
    let at = clock::now_str();
    let detail = e.detail.to_string();
    let prev: String = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or_default();
    let entity_id = e.entity_id.as_deref();
    let hash = chain_hash(
        &prev,
        &at,
        &e.actor,
        &e.action,
        &e.entity,
        entity_id.unwrap_or(""),
        &detail,
    );
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.entity)
    .bind(entity_id)
    .bind(&detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

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
    /// Appends an entry on its own, for actions that change nothing in the database (an
    /// export); a change is audited in its own transaction through [`Store::audited`].
    pub async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        write(&mut tx, entry).await?;
        tx.commit().await
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;
    use crate::store::testutil::{fan_out_sandbox, sandbox_run, temp_store};

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            actor: "tester@cli".into(),
            action: action.into(),
            entity: "run".into(),
            entity_id: None,
            detail: serde_json::json!({}),
        }
    }

    /// The change and its audit entry are one transaction: when the entry cannot be written,
    /// the change is not made either, and when it is made, its entry says what it came to.
    #[tokio::test]
    async fn a_change_and_its_audit_entry_are_kept_together_or_not_at_all() {
        let (_d, store) = temp_store().await;
        let (run, channel) = sandbox_run(&store, 3).await;
        fan_out_sandbox(&store, run, channel, 100).await;
        store.finish_fan_out(run).await.unwrap();
        sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END")
            .execute(&store.pool)
            .await
            .unwrap();
        assert!(store.audited(entry("run.pause")).pause_run(run).await.is_err());
        assert_eq!(store.get_run_summary(run).await.unwrap().status, RunStatus::Sending);
        sqlx::query("DROP TRIGGER refuse").execute(&store.pool).await.unwrap();

        assert_eq!(store.audited(entry("run.cancel")).cancel_run(run).await.unwrap(), 3);
        let rows = store.list_audit().await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, "run.cancel");
        assert_eq!(rows[0].detail, r#"{"cancelled":3}"#);
        // A change of nothing records nothing.
        assert!(!store.audited(entry("run.resume")).resume_run(run).await.unwrap());
        assert_eq!(store.list_audit().await.unwrap().len(), 1);
    }
}
