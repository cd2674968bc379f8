//! Templates: a notice's content (title, subject, body, values, English version) kept under a
//! name; audience and channels are chosen each time one is used. Every save of a name keeps
//! the content it replaces as a version. Five bilingual built-ins ship in the binary
//! (`src/demo/templates/*.md`, notice files) and are installed at open; they can be used and
//! saved under a new name, not changed or deleted.

use std::collections::BTreeMap;

use super::App;
use crate::compose::{self, ComposeError};
use crate::model::{NewNotice, NoticeText, Template, TemplateInput, TemplateUse, TemplateVersion};
use crate::notice_file::{self, NoticeFile};
use crate::store::TemplateRecord;
use crate::{Error, Result};

/// The built-in templates, as notice files.
pub const BUILTIN_TEMPLATES: [&str; 5] = [
    include_str!("../demo/templates/exam.md"),
    include_str!("../demo/templates/fee.md"),
    include_str!("../demo/templates/cancelled.md"),
    include_str!("../demo/templates/meeting.md"),
    include_str!("../demo/templates/dormitory.md"),
];

impl TemplateInput {
    /// A template from a notice file; `name` (when given) wins over the file's own.
    pub fn from_file(file: NoticeFile, name: Option<String>) -> Result<TemplateInput> {
        let title = file.require_title()?.to_owned();
        let name = name.or(file.name).ok_or_else(|| {
            Error::Invalid("a template needs a name: give --name or a `name:` line in the front matter".into())
        })?;
        Ok(TemplateInput {
            name,
            title,
            subject: file.subject,
            body: file.body,
            values: Some(file.values),
            english: file.english,
        })
    }
}

impl Template {
    /// The template as a notice file (what `templates show` prints, `save --file` reads).
    pub fn to_file(&self) -> NoticeFile {
        NoticeFile {
            name: Some(self.name.clone()),
            title: Some(self.title.clone()),
            subject: self.subject.clone(),
            values: self.values.clone(),
            english: self.english.clone(),
            body: self.body.clone(),
            ..NoticeFile::default()
        }
    }
}

impl App {
    /// Installs the built-in templates not yet in this data directory.
    pub(super) async fn ensure_builtin_templates(&self) -> Result<()> {
        for source in BUILTIN_TEMPLATES {
            let t = TemplateInput::from_file(notice_file::parse(source)?, None)?;
            self.store
                .install_builtin_template(&TemplateRecord {
                    name: &t.name,
                    title: &t.title,
                    subject: t.subject.as_deref(),
                    body: &t.body,
                    values: &t.values.clone().unwrap_or_default(),
                    english: t.english.as_ref(),
                })
                .await?;
        }
        Ok(())
    }

    /// Every template, built-ins first.
    pub async fn list_templates(&self) -> Result<Vec<Template>> {
        Ok(self.store.list_templates().await?)
    }

    /// A template by name, or by id (`12` or `#12`) when no template has that name.
    pub async fn template(&self, key: &str) -> Result<Template> {
        let key = key.trim();
        if let Some(t) = self.store.find_template_by_name(key).await? {
            return Ok(t);
        }
        match key.trim_start_matches('#').parse::<i64>() {
            Ok(id) => Ok(self.store.get_template(id).await?),
            Err(_) => Err(Error::Invalid(format!(
                "there is no template named {key}: `herald templates list` shows them"
            ))),
        }
    }

    /// A template's earlier contents, newest first.
    pub async fn template_versions(&self, key: &str) -> Result<Vec<TemplateVersion>> {
        let t = self.template(key).await?;
        Ok(self.store.template_versions(t.id).await?)
    }

    /// Checks a template's content as a notice's (title and body given, values named as
    /// identifiers, every variable known) and saves it: a new name makes a template, an
    /// existing one a new version, the content it replaces kept.
    pub async fn save_template(&self, input: TemplateInput) -> Result<Template> {
        let name = crate::text::single_line(&input.name);
        if name.is_empty() {
            return Err(ComposeError::Empty { field: "name" }.into());
        }
        if input.title.trim().is_empty() {
            return Err(ComposeError::Empty { field: "title" }.into());
        }
        if input.body.trim().is_empty() {
            return Err(ComposeError::Empty { field: "body" }.into());
        }
        let values = input.values.clone().unwrap_or_default();
        let subject = input.subject.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let english = input
            .english
            .as_ref()
            .filter(|e| !e.body.trim().is_empty())
            .map(|e| NoticeText {
                subject: e
                    .subject
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                body: e.body.clone(),
            });
        self.check_content(input.title.trim(), subject, &input.body, &values, english.as_ref())
            .await?;
        let saved = self
            .audited("template.save", "template", None, serde_json::json!({"name": name}))
            .save_template(&TemplateRecord {
                name: &name,
                title: input.title.trim(),
                subject,
                body: &input.body,
                values: &values,
                english: english.as_ref(),
            })
            .await?;
        Ok(saved)
    }

    async fn check_content(
        &self,
        title: &str,
        subject: Option<&str>,
        body: &str,
        values: &BTreeMap<String, String>,
        english: Option<&NoticeText>,
    ) -> Result<()> {
        let attributes = self.store.list_attribute_names().await?;
        compose::check_values(values, &attributes)?;
        let subject = subject.unwrap_or(title);
        for (field, source) in [("subject", subject), ("body", body)] {
            compose::check_template(field, source, values, &attributes, None)?;
        }
        if let Some(en) = english {
            let en_subject = en.subject.as_deref().unwrap_or(subject);
            for (field, source) in [("english.subject", en_subject), ("english.body", en.body.as_str())] {
                compose::check_template(field, source, values, &attributes, None)?;
            }
        }
        Ok(())
    }

    /// Saves what a notice says (not its audience or channels) as a template.
    pub async fn save_template_from_notice(&self, notice_id: i64, name: &str) -> Result<Template> {
        let n = self.store.get_notice(notice_id).await?;
        self.save_template(TemplateInput {
            name: name.to_owned(),
            subject: (n.subject != n.title).then(|| n.subject.clone()),
            title: n.title,
            body: n.body,
            values: Some(n.values),
            english: n.english,
        })
        .await
    }

    /// Deletes a template of the user's (built-ins stay).
    pub async fn delete_template(&self, key: &str) -> Result<()> {
        let t = self.template(key).await?;
        if t.builtin {
            return Err(Error::Invalid(format!(
                "{} is a built-in template and cannot be deleted",
                t.name
            )));
        }
        self.audited(
            "template.delete",
            "template",
            Some(t.id),
            serde_json::json!({"name": t.name}),
        )
        .delete_template(t.id)
        .await?;
        Ok(())
    }

    /// The draft notice a template starts: its content, the values given here over its own.
    pub fn notice_from_template(t: &Template, with: TemplateUse) -> NewNotice {
        let mut values = t.values.clone();
        values.extend(with.values.unwrap_or_default());
        NewNotice {
            title: t.title.clone(),
            subject: t.subject.clone(),
            body: t.body.clone(),
            audience: with.audience,
            channel_ids: with.channel_ids,
            values: Some(values),
            english: t.english.clone(),
            ..NewNotice::default()
        }
    }

    /// Starts a draft notice from a template (checked as any notice is when created).
    pub async fn use_template(&self, key: &str, with: TemplateUse) -> Result<crate::model::Notice> {
        let t = self.template(key).await?;
        self.create_notice(Self::notice_from_template(&t, with)).await
    }
}
