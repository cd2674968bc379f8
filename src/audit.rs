//! Who did what: every action that changes what Herald sends is appended to the audit log.

use crate::store::{AuditEntry, AuditRow, Store};
use crate::Result;

/// Who is acting: the OS user and the face they use (`cli` or `desktop`).
#[derive(Debug, Clone)]
pub struct Actor(String);

impl Actor {
    /// The current OS user acting through `face`.
    pub fn current(face: &str) -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor(format!("{user}@{face}"))
    }

    /// As stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An entry by `actor`. `detail` must hold no secret (it is shown and exported as is).
pub fn entry(
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        actor: actor.as_str().to_owned(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: entity_id.map(|i| i.to_string()),
        detail,
    }
}

/// Appends one entry on its own: only for what changes nothing in the database (an export,
/// a change of files outside it). A change of the database is audited in its own
/// transaction: `store.audited(entry(…))`.
pub async fn record(
    store: &Store,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<()> {
    store
        .append_audit(&entry(actor, action, entity, entity_id, detail))
        .await?;
    Ok(())
}

/// Checks the hash chain; returns the id of the first row that does not match, if any.
pub fn first_broken_link(rows: &[AuditRow]) -> Option<i64> {
    let mut prev = String::new();
    for r in rows {
        let expected = crate::store::chain_hash_of(&prev, r);
        if r.prev_hash != prev || r.hash != expected {
            return Some(r.id);
        }
        prev = r.hash.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    #[tokio::test]
    async fn the_chain_verifies_and_a_changed_row_is_found() {
        let (_d, store) = temp_store().await;
        let actor = Actor::current("test");
        for i in 0..3 {
            record(
                &store,
                &actor,
                "notice.create",
                "notice",
                Some(i),
                serde_json::json!({"title": format!("t{i}")}),
            )
            .await
            .unwrap();
        }
        let mut rows = store.list_audit().await.unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(first_broken_link(&rows), None);
        rows[1].detail = r#"{"title":"forged"}"#.into();
        assert_eq!(first_broken_link(&rows), Some(rows[1].id));
    }
}
