//! `channels`: configured provider instances.

use sqlx::Row;

use super::{Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{Channel, ChannelKind};

fn channel_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Channel> {
    let kind: String = row.get("kind");
    Ok(Channel {
        id: row.get("id"),
        name: row.get("name"),
        kind: crate::channels::kind_named(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown channel kind {kind}")))?,
        enabled: row.get("enabled"),
        paused: row.get("paused"),
        paused_reason: row.get("paused_reason"),
        health: row.get("health"),
        consecutive_failures: row.get("consecutive_failures"),
        limits: super::from_json("channels.limits", row.get("limits"))?,
        updated_at: row.get("updated_at"),
    })
}

/// A channel's stored configuration, read in one statement so its parts agree.
#[derive(Debug, Clone)]
pub struct ChannelConfigRow {
    /// Non-secret provider settings (JSON object).
    pub settings: serde_json::Value,
    /// Limit overrides (JSON object).
    pub limits: serde_json::Value,
    /// The secret-store key of the channel's secrets.
    pub secret_ref: Option<String>,
    /// The version an update must start from (see [`Store::replace_channel_config`]).
    pub updated_at: String,
}

/// A timestamp strictly after `previous`: the dispatcher restarts a channel's worker when
/// `updated_at` changes, so two changes within one millisecond must still differ.
fn later_than(previous: &str) -> String {
    let now = clock::now();
    match chrono::DateTime::parse_from_rfc3339(previous) {
        Ok(p) => clock::fmt(now.max(p.to_utc() + chrono::Duration::milliseconds(1))),
        Err(_) => clock::fmt(now),
    }
}

const CHANNEL_SELECT: &str =
    "SELECT id, name, kind, enabled, paused, paused_reason, health, consecutive_failures, limits, updated_at FROM channels";

impl Store {
    /// Adds a channel; its name must be unique.
    pub async fn insert_channel(
        &self,
        name: &str,
        kind: ChannelKind,
        settings: &serde_json::Value,
    ) -> StoreResult<Channel> {
        let now = clock::now_str();
        let res = sqlx::query(
            "INSERT INTO channels (name, kind, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(kind.as_str())
        .bind(settings.to_string())
        .bind(&now)
        .bind(&now)
        .fetch_one(&self.pool)
        .await;
        match res {
            Ok(row) => self.get_channel(row.get(0)).await,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(format!("a channel named {name} already exists")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The channel with this id, or `NotFound`.
    pub async fn get_channel(&self, id: i64) -> StoreResult<Channel> {
        let row = sqlx::query(&format!("{CHANNEL_SELECT} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("channel", id))?;
        channel_from_row(&row)
    }

    /// The channel with this name, if any.
    pub async fn find_channel_by_name(&self, name: &str) -> StoreResult<Option<Channel>> {
        sqlx::query(&format!("{CHANNEL_SELECT} WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| channel_from_row(&r))
            .transpose()
    }

    /// Every channel, by name.
    pub async fn list_channels(&self) -> StoreResult<Vec<Channel>> {
        sqlx::query(&format!("{CHANNEL_SELECT} ORDER BY name"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(channel_from_row)
            .collect()
    }

    /// The channel's non-secret settings (JSON object).
    pub async fn channel_settings(&self, id: i64) -> StoreResult<serde_json::Value> {
        let text: String = sqlx::query_scalar("SELECT settings FROM channels WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("channel", id))?;
        super::from_json("channels.settings", &text)
    }

    /// Adds a channel with its whole configuration in one statement, so that no reader ever
    /// sees it without its limits or secret reference.
    pub async fn insert_configured_channel(
        &self,
        name: &str,
        kind: ChannelKind,
        settings: &serde_json::Value,
        limits: &serde_json::Value,
        secret_ref: Option<&str>,
    ) -> StoreResult<Channel> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO channels (name, kind, settings, limits, secret_ref, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(kind.as_str())
        .bind(settings.to_string())
        .bind(limits.to_string())
        .bind(secret_ref)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await;
        match res {
            Ok(row) => {
                let id: i64 = row.get(0);
                tx.audit_about(id);
                tx.commit().await?;
                self.get_channel(id).await
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(format!("a channel named {name} already exists")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The channel's settings, limits, secret reference and version.
    pub async fn channel_config(&self, id: i64) -> StoreResult<ChannelConfigRow> {
        let row = sqlx::query("SELECT settings, limits, secret_ref, updated_at FROM channels WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("channel", id))?;
        Ok(ChannelConfigRow {
            settings: super::from_json("channels.settings", row.get("settings"))?,
            limits: super::from_json("channels.limits", row.get("limits"))?,
            secret_ref: row.get("secret_ref"),
            updated_at: row.get("updated_at"),
        })
    }

    /// The channel's `updated_at`, which moves on with every change of its configuration.
    pub async fn channel_version(&self, id: i64) -> StoreResult<String> {
        sqlx::query_scalar("SELECT updated_at FROM channels WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("channel", id))
    }

    /// Replaces a channel's configuration if it is still at version `expected_updated_at`,
    /// and moves `updated_at` on so a running dispatcher rebuilds its provider. `false`:
    /// someone changed it meanwhile (another window, the CLI) and nothing was written.
    pub async fn replace_channel_config(
        &self,
        id: i64,
        expected_updated_at: &str,
        settings: &serde_json::Value,
        limits: &serde_json::Value,
        secret_ref: Option<&str>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "UPDATE channels SET settings = ?, limits = ?, secret_ref = ?, updated_at = ? \
             WHERE id = ? AND updated_at = ?",
        )
        .bind(settings.to_string())
        .bind(limits.to_string())
        .bind(secret_ref)
        .bind(later_than(expected_updated_at))
        .bind(id)
        .bind(expected_updated_at)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() != 1 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Rewrites the database file without the leftovers of deleted and updated rows, and
    /// empties the WAL, so that a value Herald no longer stores is gone from the disk too.
    /// Slow on a large database: only for the rare moment a secret has been moved out.
    pub async fn scrub_freed_content(&self) -> StoreResult<()> {
        let _guard = self.write_lock.clone().lock_owned().await;
        let mut conn = self.pool.acquire().await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
        // Another process reading at this moment keeps the WAL; it is emptied at a later
        // checkpoint, and a busy result is not an error.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::ChannelKind;
    use crate::store::testutil::temp_store;

    #[tokio::test]
    async fn a_replace_moves_the_version_on_and_refuses_a_stale_one() {
        let (_d, store) = temp_store().await;
        let json = serde_json::json!({"url": "https://example.org/a"});
        let c = store
            .insert_configured_channel("hook", ChannelKind::WEBHOOK, &json, &serde_json::json!({}), Some("k1"))
            .await
            .unwrap();
        let before = store.channel_config(c.id).await.unwrap();
        assert_eq!(before.secret_ref.as_deref(), Some("k1"));
        let json2 = serde_json::json!({"url": "https://example.org/b"});
        let limits = serde_json::json!({"perSecond": 3});
        assert!(store
            .replace_channel_config(c.id, &before.updated_at, &json2, &limits, None)
            .await
            .unwrap());
        let after = store.channel_config(c.id).await.unwrap();
        assert!(
            after.updated_at > before.updated_at,
            "{} > {}",
            after.updated_at,
            before.updated_at
        );
        assert_eq!(
            (after.settings, after.limits, after.secret_ref),
            (json2.clone(), limits, None)
        );
        // A writer that read the old version loses, and writes nothing.
        assert!(!store
            .replace_channel_config(c.id, &before.updated_at, &json, &serde_json::json!({}), Some("k2"))
            .await
            .unwrap());
        assert_eq!(store.channel_config(c.id).await.unwrap().settings, json2);
        store.scrub_freed_content().await.unwrap();
    }
}
