//! `notices`.

use sqlx::Row;

use super::{from_json, Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{ChannelStrategy, Notice, NoticeStatus};

/// A notice as it is about to be stored: already checked by `compose`.
#[derive(Debug, Clone)]
pub struct NoticeRecord<'a> {
    pub title: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub audience: &'a str,
    pub channel_ids: &'a [i64],
    pub channel_strategy: ChannelStrategy,
    pub priority: i32,
    pub created_by: &'a str,
    pub attachments: &'a [crate::model::NoticeAttachment],
    pub allow_unsubscribe: bool,
    /// Values given once for everyone (`NewNotice::values`), already checked.
    pub values: &'a std::collections::BTreeMap<String, String>,
}

const NOTICE_SELECT: &str =
    "SELECT id, title, subject, body, audience, channel_ids, channel_strategy, status, priority, created_at, attachments, allow_unsubscribe, template_values FROM notices";

fn status_from(s: &str) -> StoreResult<NoticeStatus> {
    Ok(match s {
        "draft" => NoticeStatus::Draft,
        "scheduled" => NoticeStatus::Scheduled,
        "sent" => NoticeStatus::Sent,
        "archived" => NoticeStatus::Archived,
        other => return Err(StoreError::Corrupt(format!("unknown notice status {other}"))),
    })
}

fn notice_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Notice> {
    Ok(Notice {
        id: row.get("id"),
        title: row.get("title"),
        subject: row.get("subject"),
        body: row.get("body"),
        audience: row.get("audience"),
        // Filled in by the app, which knows the groups' names.
        audience_text: String::new(),
        channel_ids: from_json("notices.channel_ids", row.get("channel_ids"))?,
        channel_strategy: match row.get::<&str, _>("channel_strategy") {
            "preferred_then_fallback" => ChannelStrategy::PreferredThenFallback,
            _ => ChannelStrategy::All,
        },
        status: status_from(row.get("status"))?,
        priority: row.get("priority"),
        created_at: row.get("created_at"),
        attachments: from_json("notices.attachments", row.get("attachments"))?,
        allow_unsubscribe: row.get("allow_unsubscribe"),
        values: from_json("notices.template_values", row.get("template_values"))?,
        // Stored with the bilingual change; none yet.
        english: None,
    })
}

impl Store {
    /// Stores a new draft notice.
    pub async fn insert_notice(&self, n: &NoticeRecord<'_>) -> StoreResult<Notice> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notices (title, subject, body, audience, channel_ids, channel_strategy, priority, created_by, created_at, updated_at, attachments, allow_unsubscribe, template_values) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(n.title)
        .bind(n.subject)
        .bind(n.body)
        .bind(n.audience)
        .bind(serde_json::to_string(n.channel_ids).unwrap_or_else(|_| "[]".into()))
        .bind(n.channel_strategy.as_str())
        .bind(n.priority)
        .bind(n.created_by)
        .bind(&now)
        .bind(&now)
        .bind(serde_json::to_string(n.attachments).unwrap_or_else(|_| "[]".into()))
        .bind(n.allow_unsubscribe)
        .bind(serde_json::to_string(n.values).unwrap_or_else(|_| "{}".into()))
        .fetch_one(&mut *tx)
        .await?;
        tx.audit_about(id);
        tx.commit().await?;
        self.get_notice(id).await
    }

    /// The notice with this id, or `NotFound`.
    pub async fn get_notice(&self, id: i64) -> StoreResult<Notice> {
        let row = sqlx::query(&format!("{NOTICE_SELECT} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("notice", id))?;
        notice_from_row(&row)
    }

    /// The notice a run sends.
    pub async fn notice_for_run(&self, run_id: i64) -> StoreResult<Notice> {
        let row = sqlx::query(&format!(
            "{NOTICE_SELECT} WHERE id = (SELECT notice_id FROM runs WHERE id = ?)"
        ))
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("run", run_id))?;
        notice_from_row(&row)
    }

    /// Every notice, newest first.
    pub async fn list_notices(&self) -> StoreResult<Vec<Notice>> {
        sqlx::query(&format!("{NOTICE_SELECT} ORDER BY id DESC"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(notice_from_row)
            .collect()
    }

    /// How many notices there are.
    pub async fn count_notices(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notices")
            .fetch_one(&self.pool)
            .await?)
    }
}
