//! `sandbox_messages`: the local inbox that the sandbox channel delivers into.

use sqlx::Row;

use super::{batch, Store, StoreResult};
use crate::clock;
use crate::model::SandboxMessage;
use crate::providers::Outgoing;

impl Store {
    /// Puts a batch of messages in the sandbox inbox in one transaction; returns their ids.
    pub async fn insert_sandbox_messages(&self, channel_name: &str, messages: &[Outgoing]) -> StoreResult<Vec<i64>> {
        let now = clock::now_str();
        let recipients: Vec<String> = messages
            .iter()
            .map(|m| format!("{} <{}>", m.recipient_name, m.address))
            .collect();
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(messages.len());
        let mut start = 0;
        for chunk in batch::chunks(messages) {
            let sql = format!(
                "INSERT INTO sandbox_messages (channel_name, received_at, delivery_id, recipient, subject, body) \
                 SELECT ?, ?, column1, column2, column3, column4 FROM (VALUES {}) RETURNING id",
                batch::placeholders(chunk.len(), 4)
            );
            let mut q = sqlx::query_scalar(&sql).bind(channel_name).bind(&now);
            for (m, recipient) in chunk.iter().zip(&recipients[start..]) {
                q = q.bind(m.delivery_id).bind(recipient).bind(&m.subject).bind(&m.body);
            }
            start += chunk.len();
            let chunk_ids: Vec<i64> = q.fetch_all(&mut *tx).await?;
            ids.extend(chunk_ids);
        }
        // Rows go in in list order, so ascending ids follow the messages' order.
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
