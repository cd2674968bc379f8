//! `sandbox_messages`: the local inbox that the sandbox channel delivers into.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::clock;
use crate::model::SandboxMessage;

impl Store {
    /// Puts a message in the sandbox inbox.
    pub async fn insert_sandbox_message(
        &self,
        delivery_id: Option<i64>,
        channel_name: &str,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO sandbox_messages (delivery_id, channel_name, recipient, subject, body, received_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(delivery_id)
        .bind(channel_name)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(clock::now_str())
        .fetch_one(&self.pool)
        .await?)
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
