//! `notices`.

use sqlx::Row;

use super::{from_json, Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{ChannelStrategy, Notice, NoticeRun, NoticeStage, NoticeStatus};

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
    /// The English version (`NewNotice::english`), already checked.
    pub english: Option<&'a crate::model::NoticeText>,
    /// Bodies of their own for some channels, already checked.
    pub channel_versions: &'a [crate::model::ChannelVersion],
}

// The latest run of each notice comes along, so the list can tell sending from sent.
const NOTICE_SELECT: &str =
    "SELECT id, title, subject, body, audience, channel_ids, channel_strategy, status, priority, created_at, updated_at, attachments, allow_unsubscribe, template_values, english_subject, english_body, channel_versions, \
     (SELECT r.id FROM runs r WHERE r.notice_id = notices.id ORDER BY r.id DESC LIMIT 1) AS last_run_id, \
     (SELECT r.status FROM runs r WHERE r.notice_id = notices.id ORDER BY r.id DESC LIMIT 1) AS last_run_status \
     FROM notices";

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
    let status = status_from(row.get("status"))?;
    let last_run = match row.get::<Option<i64>, _>("last_run_id") {
        Some(id) => Some(NoticeRun {
            id,
            status: super::runs::run_status_from(row.get("last_run_status"))?,
        }),
        None => None,
    };
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
        status,
        stage: NoticeStage::of(status, last_run.map(|r| r.status)),
        priority: row.get("priority"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        last_run,
        attachments: from_json("notices.attachments", row.get("attachments"))?,
        allow_unsubscribe: row.get("allow_unsubscribe"),
        values: from_json("notices.template_values", row.get("template_values"))?,
        english: row
            .get::<Option<String>, _>("english_body")
            .map(|body| crate::model::NoticeText {
                subject: row.get("english_subject"),
                body,
            }),
        channel_versions: from_json("notices.channel_versions", row.get("channel_versions"))?,
    })
}

/// What a notice says and where it goes, as columns: written the same way by a new notice and
/// by a draft written over.
const CONTENT_COLUMNS: [&str; 13] = [
    "title",
    "subject",
    "body",
    "audience",
    "channel_ids",
    "channel_strategy",
    "priority",
    "attachments",
    "allow_unsubscribe",
    "template_values",
    "english_subject",
    "english_body",
    "channel_versions",
];

/// Binds a [`NoticeRecord`]'s [`CONTENT_COLUMNS`] in their order to a query of either kind
/// (a macro, since `query` and `query_scalar` are different types with the same `bind`).
macro_rules! bind_content {
    ($query:expr, $n:expr) => {{
        let n: &NoticeRecord = $n;
        $query
            .bind(n.title)
            .bind(n.subject)
            .bind(n.body)
            .bind(n.audience)
            .bind(serde_json::to_string(n.channel_ids).unwrap_or_else(|_| "[]".into()))
            .bind(n.channel_strategy.as_str())
            .bind(n.priority)
            .bind(serde_json::to_string(n.attachments).unwrap_or_else(|_| "[]".into()))
            .bind(n.allow_unsubscribe)
            .bind(serde_json::to_string(n.values).unwrap_or_else(|_| "{}".into()))
            .bind(n.english.and_then(|e| e.subject.as_deref()))
            .bind(n.english.map(|e| e.body.as_str()))
            .bind(serde_json::to_string(n.channel_versions).unwrap_or_else(|_| "[]".into()))
    }};
}

impl Store {
    /// Stores a new draft notice.
    pub async fn insert_notice(&self, n: &NoticeRecord<'_>) -> StoreResult<Notice> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let columns = CONTENT_COLUMNS.join(", ");
        let marks = vec!["?"; CONTENT_COLUMNS.len() + 3].join(", ");
        let sql = format!(
            "INSERT INTO notices ({columns}, created_by, created_at, updated_at) VALUES ({marks}) RETURNING id"
        );
        let id: i64 = bind_content!(sqlx::query_scalar(&sql), n)
            .bind(n.created_by)
            .bind(&now)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
        tx.audit_about(id);
        tx.commit().await?;
        self.get_notice(id).await
    }

    /// Writes a draft over with `n`; a notice that is no longer a draft (sent meanwhile, from
    /// another window or the CLI) is left as it is and refused.
    pub async fn update_draft(&self, id: i64, n: &NoticeRecord<'_>) -> StoreResult<Notice> {
        let mut tx = self.begin_write().await?;
        let set: Vec<String> = CONTENT_COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
        let sql = format!(
            "UPDATE notices SET {}, updated_at = ? WHERE id = ? AND status = 'draft'",
            set.join(", ")
        );
        let updated = bind_content!(sqlx::query(&sql), n)
            .bind(clock::now_str())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            drop(tx);
            // Either it does not exist (NotFound) or it is no draft any more.
            let notice = self.get_notice(id).await?;
            return Err(StoreError::Conflict(format!(
                "notice #{} is {} and can no longer be edited: start a new notice from it instead",
                notice.id,
                notice.status.as_str()
            )));
        }
        tx.audit_about(id);
        tx.commit().await?;
        self.get_notice(id).await
    }

    /// Deletes a draft (a notice never sent has no runs to keep).
    pub async fn delete_draft(&self, id: i64) -> StoreResult<Notice> {
        let notice = self.get_notice(id).await?;
        let mut tx = self.begin_write().await?;
        let deleted = sqlx::query("DELETE FROM notices WHERE id = ? AND status = 'draft'")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::Conflict(format!(
                "notice #{id} is {} and is kept for the history: only drafts can be deleted",
                notice.status.as_str()
            )));
        }
        tx.audit_about(id);
        tx.commit().await?;
        Ok(notice)
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
