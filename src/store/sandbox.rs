//! `sandbox_messages`: the local inbox that the sandbox channel delivers into.

use sqlx::Row;

use super::{batch, Store, StoreResult};
use crate::clock;
use crate::model::SandboxMessage;
use crate::providers::Outgoing;

impl Store {
    /// Puts a batch of messages in the sandbox inbox in one transaction; returns their ids, in
    /// order. A delivery is kept once however often it is given (a send repeated after a crash
    /// between this write and the outcome's): the inbox is the sandbox's receiver, and it
    /// deduplicates by delivery as a real receiver does by Message-ID or Idempotency-Key.
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
                 SELECT ?, ?, column1, column2, column3, column4 FROM (VALUES {}) WHERE true \
                 ON CONFLICT (delivery_id) DO NOTHING",
                batch::placeholders(chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql).bind(channel_name).bind(&now);
            for (m, recipient) in chunk.iter().zip(&recipients[start..]) {
                q = q.bind(m.delivery_id).bind(recipient).bind(&m.subject).bind(&m.body);
            }
            start += chunk.len();
            q.execute(&mut *tx).await?;
            let delivery_ids = serde_json::to_string(&chunk.iter().map(|m| m.delivery_id).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into());
            let kept: std::collections::HashMap<i64, i64> = sqlx::query_as(
                "SELECT delivery_id, id FROM sandbox_messages WHERE delivery_id IN (SELECT value FROM json_each(?))",
            )
            .bind(delivery_ids)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
            ids.extend(chunk.iter().filter_map(|m| kept.get(&m.delivery_id).copied()));
        }
        tx.commit().await?;
        Ok(ids)
    }

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
