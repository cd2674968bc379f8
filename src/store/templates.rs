//! `templates` and `template_versions`: a template's current content, and each content a save
//! replaced.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{from_json, Store, StoreError, StoreResult};
use crate::clock;
use crate::model::{NoticeText, Template, TemplateVersion};

/// A template's content as it is about to be stored: already checked.
#[derive(Debug, Clone)]
pub struct TemplateRecord<'a> {
    pub name: &'a str,
    pub title: &'a str,
    /// `None`: the title.
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub values: &'a BTreeMap<String, String>,
    pub english: Option<&'a NoticeText>,
}

const TEMPLATE_SELECT: &str = "SELECT id, name, builtin, version, title, subject, body, template_values, english, created_at, updated_at FROM templates";

fn english_of(text: Option<String>) -> StoreResult<Option<NoticeText>> {
    text.map(|t| from_json("templates.english", &t)).transpose()
}

fn subject_of(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn template_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Template> {
    Ok(Template {
        id: row.get("id"),
        name: row.get("name"),
        builtin: row.get("builtin"),
        version: row.get("version"),
        title: row.get("title"),
        subject: subject_of(row.get("subject")),
        body: row.get("body"),
        values: from_json("templates.template_values", row.get("template_values"))?,
        english: english_of(row.get("english"))?,
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    })
}

fn json_of(values: &BTreeMap<String, String>) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "{}".into())
}

fn english_json(english: Option<&NoticeText>) -> Option<String> {
    english.and_then(|e| serde_json::to_string(e).ok())
}

/// Binds a [`TemplateRecord`]'s content (title, subject, body, values, English) in that order,
/// as a saved template, a new version and a built-in all write it.
macro_rules! bind_content {
    ($query:expr, $t:expr) => {{
        let t: &TemplateRecord = $t;
        $query
            .bind(t.title)
            .bind(t.subject.unwrap_or_default())
            .bind(t.body)
            .bind(json_of(t.values))
            .bind(english_json(t.english))
    }};
}

impl Store {
    /// Saves a template by name: a new name makes one (version 1); an existing one keeps its
    /// current content as a version and takes this as the next. A built-in is refused.
    pub async fn save_template(&self, t: &TemplateRecord<'_>) -> StoreResult<Template> {
        let now = clock::now_str();
        let mut tx = self.begin_write().await?;
        let existing: Option<(i64, bool)> = sqlx::query_as("SELECT id, builtin FROM templates WHERE name = ?")
            .bind(t.name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some((_, true)) => {
                return Err(StoreError::Conflict(format!(
                    "{} is a built-in template and does not change: save it under a new name",
                    t.name
                )))
            }
            Some((id, false)) => {
                sqlx::query(
                    "INSERT INTO template_versions (template_id, version, title, subject, body, template_values, english, saved_at) \
                     SELECT id, version, title, subject, body, template_values, english, updated_at FROM templates WHERE id = ?",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                bind_content!(
                    sqlx::query(
                        "UPDATE templates SET title = ?, subject = ?, body = ?, template_values = ?, english = ?, \
                         version = version + 1, updated_at = ? WHERE id = ?",
                    ),
                    t
                )
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => bind_content!(
                sqlx::query_scalar(
                    "INSERT INTO templates (name, title, subject, body, template_values, english, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(t.name),
                t
            )
            .bind(&now)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?,
        };
        tx.audit_about(id);
        tx.commit().await?;
        self.get_template(id).await
    }

    /// Adds a built-in template unless one of that name exists (the first open of a data
    /// directory, and a later version adding one).
    pub async fn install_builtin_template(&self, t: &TemplateRecord<'_>) -> StoreResult<()> {
        let now = clock::now_str();
        bind_content!(
            sqlx::query(
                "INSERT OR IGNORE INTO templates (name, title, subject, body, template_values, english, builtin, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            )
            .bind(t.name),
            t
        )
        .bind(&now)
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every template, built-ins first, then by name.
    pub async fn list_templates(&self) -> StoreResult<Vec<Template>> {
        sqlx::query(&format!("{TEMPLATE_SELECT} ORDER BY builtin DESC, name"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(template_from_row)
            .collect()
    }

    /// The template with this id, or `NotFound`.
    pub async fn get_template(&self, id: i64) -> StoreResult<Template> {
        let row = sqlx::query(&format!("{TEMPLATE_SELECT} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("template", id))?;
        template_from_row(&row)
    }

    /// The template with this name, if any.
    pub async fn find_template_by_name(&self, name: &str) -> StoreResult<Option<Template>> {
        sqlx::query(&format!("{TEMPLATE_SELECT} WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(template_from_row)
            .transpose()
    }

    /// A template's earlier contents, newest first.
    pub async fn template_versions(&self, id: i64) -> StoreResult<Vec<TemplateVersion>> {
        sqlx::query(
            "SELECT version, title, subject, body, template_values, english, saved_at FROM template_versions \
             WHERE template_id = ? ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(TemplateVersion {
                version: row.get("version"),
                title: row.get("title"),
                subject: subject_of(row.get("subject")),
                body: row.get("body"),
                values: from_json("template_versions.template_values", row.get("template_values"))?,
                english: english_of(row.get("english"))?,
                saved_at: row.get("saved_at"),
            })
        })
        .collect()
    }

    /// Deletes a template that is not built in, with its versions; false when there was none.
    pub async fn delete_template(&self, id: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let deleted = sqlx::query("DELETE FROM templates WHERE id = ? AND builtin = 0")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
