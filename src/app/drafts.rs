//! Drafts saved as they are written: Compose saves after every pause in typing, so a notice
//! half written survives leaving the page, a crash or a restart. A draft may be incomplete; what
//! would stop it from going out comes back with it, on its field, and sending checks it all again.

use super::{attachments, trimmed, App, URGENT_PRIORITY};
use crate::compose::ComposeError;
use crate::model::{ChannelVersion, DraftProblem, DraftSaved, NewNotice, Notice, NoticeAttachment};
use crate::store::NoticeRecord;
use crate::{Error, Result};

/// The notice as Compose would give it back: what `App::check_notice` reads. Its files are
/// not read by the check, so they are left out.
pub(super) fn as_input(n: &Notice) -> NewNotice {
    NewNotice {
        title: n.title.clone(),
        subject: Some(n.subject.clone()),
        body: n.body.clone(),
        audience: Some(n.audience.clone()),
        channel_ids: n.channel_ids.clone(),
        channel_strategy: Some(n.channel_strategy),
        urgent: Some(n.priority >= URGENT_PRIORITY),
        attachments: None,
        allow_unsubscribe: Some(n.allow_unsubscribe),
        values: Some(n.values.clone()),
        english: n.english.clone(),
        channel_versions: Some(n.channel_versions.clone()),
    }
}

/// What would stop a draft, as the screen shows it: on its field, in both languages.
fn problem_of(e: &Error) -> DraftProblem {
    let params: std::collections::BTreeMap<String, String> =
        e.params().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let code = e.code().to_owned();
    let field = match e {
        Error::Compose(c) => c.field().to_owned(),
        _ if code.starts_with("audience") => "audience".to_owned(),
        _ => params.get("field").cloned().unwrap_or_default(),
    };
    DraftProblem {
        code,
        field,
        message: e.to_string(),
        params,
    }
}

impl App {
    /// Saves what Compose holds as a draft: a new one when `id` is `None`, else over draft
    /// `id`. Nothing is required yet; the first thing that would stop the notice comes back
    /// as `problem`. A file already kept for this draft is named by its `file`
    /// (`attachments/…`) and stays; any other path is a file to copy.
    pub async fn save_draft(&self, id: Option<i64>, input: NewNotice) -> Result<DraftSaved> {
        let chosen = input.audience.as_deref().map(str::trim).filter(|a| !a.is_empty());
        // An audience not chosen yet is no one, never everyone (which an empty spec means
        // to the CLI): checked as everyone, then refused if nothing else is.
        let problem = match chosen {
            Some(_) => self.check_notice(&input).await.err(),
            None => {
                let everyone = NewNotice {
                    audience: Some("all".into()),
                    ..input.clone()
                };
                match self.check_notice(&everyone).await {
                    // What was written comes before whom it goes to.
                    Err(Error::Compose(c)) if !matches!(c.field(), "channelIds" | "audience") => {
                        Some(Error::Compose(c))
                    }
                    Err(e @ Error::Store(_)) => Some(e),
                    _ => Some(ComposeError::NoAudience.into()),
                }
            }
        };
        if let Some(e) = &problem {
            // Only a refusal of what was written is the draft's problem; a database that
            // fails is an error of the save itself.
            if matches!(e, Error::Store(_)) {
                return Err(problem.unwrap());
            }
        }
        let audience = match chosen {
            // Stored by group id when it can be read, as sending stores it; else as typed, to
            // be corrected (its problem says what is wrong).
            Some(text) => match self.check_audience(text).await {
                Ok((a, _)) => a.to_spec(),
                Err(_) => text.to_owned(),
            },
            None => String::new(),
        };
        let title = input.title.trim();
        let subject = trimmed(input.subject.clone()).unwrap_or_else(|| title.to_owned());
        let previous = match id {
            Some(id) => self.store.get_notice(id).await?.attachments,
            None => Vec::new(),
        };
        let (kept, fresh) = self.keep_draft_files(&previous, input.attachments.as_deref().unwrap_or_default())?;
        // Versions kept as written (checked with the rest; refused when it is sent), but for
        // channels no longer chosen.
        let english = input
            .english
            .clone()
            .filter(|e| !e.body.trim().is_empty() || e.subject.as_deref().is_some_and(|s| !s.trim().is_empty()));
        let channel_versions: Vec<ChannelVersion> = input
            .channel_versions
            .iter()
            .flatten()
            .filter(|v| input.channel_ids.contains(&v.channel_id))
            .cloned()
            .collect();
        let record = NoticeRecord {
            title,
            subject: &subject,
            body: &input.body,
            audience: &audience,
            channel_ids: &input.channel_ids,
            channel_strategy: input.channel_strategy.unwrap_or_default(),
            priority: if input.urgent.unwrap_or(false) {
                URGENT_PRIORITY
            } else {
                0
            },
            created_by: self.actor.as_str(),
            attachments: &kept,
            allow_unsubscribe: input.allow_unsubscribe.unwrap_or(false),
            values: &input.values.clone().unwrap_or_default(),
            english: english.as_ref(),
            channel_versions: &channel_versions,
        };
        let detail = serde_json::json!({"title": title});
        let saved = match id {
            Some(id) => {
                self.audited("notice.edit", "notice", Some(id), detail)
                    .update_draft(id, &record)
                    .await
            }
            None => {
                self.audited("notice.create", "notice", None, detail)
                    .insert_notice(&record)
                    .await
            }
        };
        let notice = match saved {
            Ok(n) => n,
            Err(e) => {
                attachments::discard(&self.config.data_dir, &fresh);
                return Err(e.into());
            }
        };
        // Files the draft no longer names are deleted once it is saved without them.
        let unused: Vec<NoticeAttachment> = previous.into_iter().filter(|p| !kept.contains(p)).collect();
        attachments::discard_all(&self.config.data_dir, &unused);
        Ok(DraftSaved {
            notice: self.described(vec![notice]).await?.remove(0),
            problem: problem.as_ref().map(problem_of),
        })
    }

    /// The draft's files: those it already keeps and still names, and copies of the new ones
    /// (also returned alone, to be removed if the save fails).
    fn keep_draft_files(
        &self,
        previous: &[NoticeAttachment],
        named: &[String],
    ) -> Result<(Vec<NoticeAttachment>, Vec<NoticeAttachment>)> {
        let new_paths: Vec<String> = named
            .iter()
            .filter(|p| !previous.iter().any(|a| &a.file == *p))
            .cloned()
            .collect();
        let fresh = attachments::keep(&self.config.data_dir, &new_paths)?;
        let mut kept = Vec::new();
        let mut fresh_iter = fresh.iter();
        // In the order named, so the files go out in the order the sender put them.
        for p in named {
            match previous.iter().find(|a| &a.file == p) {
                Some(a) => kept.push(a.clone()),
                None => kept.extend(fresh_iter.next().cloned()),
            }
        }
        attachments::within_limit(&kept)?;
        Ok((kept, fresh))
    }

    /// Deletes a draft and the copies of its files; a sent notice is kept for the history.
    pub async fn delete_draft(&self, id: i64) -> Result<Notice> {
        let notice = self
            .audited("notice.delete", "notice", Some(id), serde_json::json!({}))
            .delete_draft(id)
            .await?;
        attachments::discard_all(&self.config.data_dir, &notice.attachments);
        Ok(notice)
    }

    /// The check that a notice can go out as written, on its stored form: sending runs it again,
    /// since a draft may have been saved incomplete.
    pub(super) async fn check_stored(&self, notice: &Notice) -> Result<()> {
        if notice.audience.trim().is_empty() {
            return Err(ComposeError::NoAudience.into());
        }
        self.check_notice(&as_input(notice)).await.map(|_| ())
    }
}

#[cfg(test)]
#[path = "drafts_tests.rs"]
mod tests;
