//! `sandbox_messages`: the local inbox that the sandbox channel delivers into.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::clock;
use crate::model::SandboxMessage;
use crate::providers::Outgoing;

impl Store {
    /// Puts a batch of messages in the sandbox inbox in one transaction; returns their ids.
    pub async fn insert_sandbox_messages(&self, channel_name: &str, messages: &[Outgoing]) -> StoreResult<Vec<i64>> {
        let now = clock::now_str();
        let rows: Vec<serde_json::Value> = messages
            .iter()
            .map(|m| {
                serde_json::json!({
                    "delivery": m.delivery_id,
                    "recipient": format!("{} <{}>", m.recipient_name, m.address),
                    "subject": m.subject,
                    "body": m.body,
                })
            })
            .collect();
        let mut tx = self.begin_write().await?;
        // One statement for the batch; rows are inserted in array order, so ascending ids
        // follow the messages' order.
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO sandbox_messages (delivery_id, channel_name, recipient, subject, body, received_at) \
             SELECT value ->> '$.delivery', ?2, value ->> '$.recipient', value ->> '$.subject', value ->> '$.body', ?3 \
             FROM json_each(?1) ORDER BY key RETURNING id",
        )
        .bind(serde_json::Value::Array(rows).to_string())
        .bind(channel_name)
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?;
        ids.sort_unstable();
        tx.commit().await?;
        Ok(ids)
    }

    /// The newest messages in the sandbox inbox.
    pub async fn list_sandbox_messages(&self, limit: i64) -> StoreResult<Vec<SandboxMessage>> {
        Ok(sqlx::query(
            "SELECT id, delivery_id, channel_name, recipient, subject, body, received_at \
             FROM sandbox_messages ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| SandboxMessage {
            id: r.get("id"),
            delivery_id: r.get("delivery_id"),
            channel_name: r.get("channel_name"),
            recipient: r.get("recipient"),
            subject: r.get("subject"),
            body: r.get("body"),
            received_at: r.get("received_at"),
        })
        .collect())
    }
}
