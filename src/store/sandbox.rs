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
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(messages.len());
        for m in messages {
            let recipient = format!("{} <{}>", m.recipient_name, m.address);
            ids.push(
                sqlx::query_scalar(
                    "INSERT INTO sandbox_messages (delivery_id, channel_name, recipient, subject, body, received_at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(m.delivery_id)
                .bind(channel_name)
                .bind(recipient)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
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
