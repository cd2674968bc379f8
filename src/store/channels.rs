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
        kind: ChannelKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unknown channel kind {kind}")))?,
        enabled: row.get("enabled"),
        paused: row.get("paused"),
        paused_reason: row.get("paused_reason"),
        health: row.get("health"),
        consecutive_failures: row.get("consecutive_failures"),
        limits: super::from_json("channels.limits", row.get("limits"))?,
        updated_at: row.get("updated_at"),
    })
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
}
