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
            // RETURNING gives the rows added. When every message was added (all but a send
            // repeated after a crash), they went in in list order, so ascending ids follow the
            // messages; only otherwise is each delivery's row looked up, so that the common
            // case neither reads back what it just wrote nor decodes a second column per row.
            let sql = format!(
                "INSERT INTO sandbox_messages (channel_name, received_at, delivery_id, recipient, subject, body) \
                 SELECT ?, ?, column1, column2, column3, column4 FROM (VALUES {}) WHERE true \
                 ON CONFLICT (delivery_id) DO NOTHING RETURNING id",
                batch::placeholders(chunk.len(), 4)
            );
            let mut q = sqlx::query_scalar(&sql).bind(channel_name).bind(&now);
            for (m, recipient) in chunk.iter().zip(&recipients[start..]) {
                q = q.bind(m.delivery_id).bind(recipient).bind(&m.subject).bind(&m.body);
            }
            start += chunk.len();
            let mut added: Vec<i64> = q.fetch_all(&mut *tx).await?;
            if added.len() == chunk.len() {
                added.sort_unstable();
                ids.extend(added);
                continue;
            }
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
            // Rendered by the app, which knows how a notice looks.
            html: String::new(),
            received_at: r.get("received_at"),
        })
        .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::providers::Outgoing;
    use crate::store::testutil::temp_store;

    fn message(delivery_id: i64) -> Outgoing {
        Outgoing {
            delivery_id,
            address: format!("s{delivery_id}@example.edu.cn"),
            recipient_name: format!("学生{delivery_id}"),
            subject: "通知".into(),
            body: "正文".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    /// A batch given again in part (a send repeated after a crash) adds only the new messages,
    /// and every message, old or new, gets its own row's id, in the batch's order: through the
    /// fast path (nothing repeated) and the lookup (something repeated) alike.
    #[tokio::test]
    async fn each_delivery_is_kept_once_and_ids_follow_the_batch() {
        let (_d, store) = temp_store().await;
        let first: Vec<Outgoing> = (1..=140).map(message).collect();
        let first_ids = store.insert_sandbox_messages("sandbox", &first).await.unwrap();
        assert_eq!(first_ids.len(), 140);
        assert!(first_ids.windows(2).all(|w| w[0] < w[1]), "{first_ids:?}");
        let again: Vec<Outgoing> = (130..=150).rev().map(message).collect();
        let again_ids = store.insert_sandbox_messages("sandbox", &again).await.unwrap();
        assert_eq!(again_ids.len(), again.len());
        let inbox = store.list_sandbox_messages(1000).await.unwrap();
        assert_eq!(inbox.len(), 150, "each delivery once");
        for (m, id) in again.iter().zip(&again_ids) {
            let row = inbox.iter().find(|r| r.id == *id).expect("a row of the inbox");
            assert_eq!(row.delivery_id, Some(m.delivery_id));
            if m.delivery_id <= 140 {
                assert_eq!(*id, first_ids[(m.delivery_id - 1) as usize]);
            }
        }
    }
}
