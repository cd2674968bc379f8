//! The whole-audience check of a draft (`notice_check` does the counting), the refusal of a
//! send that would give someone a broken message, and leaving people out on purpose.

use super::App;
use crate::audience::{self, Audience, Item};
use crate::channels::{self, address_kind, address_kinds_json, is_group, reads_markdown};
use crate::compose::{self, ChannelTemplates, Texts};
use crate::model::{ChannelStrategy, Notice, NoticeCheck, NoticeStatus};
use crate::notice_check::{CheckedChannel, Checker, NoticeCheckError};
use crate::store::FrozenVariables;
use crate::Result;

/// How many people a refused send names.
const NAMED: usize = 3;

impl App {
    /// Checks a notice against its whole audience as it stands now: every recipient on every
    /// channel it would go on, rendered as the dispatcher renders it.
    pub async fn check_draft(&self, notice_id: i64) -> Result<NoticeCheck> {
        let notice = self.store.get_notice(notice_id).await?;
        Ok(self.check_whole(&notice).await?.0)
    }

    /// The check, and every person with a broken message.
    async fn check_whole(&self, notice: &Notice) -> Result<(NoticeCheck, Vec<i64>)> {
        let filter = audience::resolve(&self.store, &notice.audience).await?;
        // As the dispatcher compiles it: the notice's own values, and the date it would be sent.
        let today = compose::variables::date_of(crate::clock::now());
        let texts = Texts::of(notice);
        // What fan-out would freeze, so the check renders exactly what would be sent (and
        // chooses each person's version from the same `language`).
        let variables = FrozenVariables::Only(compose::frozen_names_of(&texts)?);
        let mut checked = Vec::with_capacity(notice.channel_ids.len());
        let mut templates = Vec::with_capacity(notice.channel_ids.len());
        for &id in &notice.channel_ids {
            let c = self.store.get_channel(id).await?;
            templates.push(ChannelTemplates::compile(&texts, c.id, is_group(c.kind), &today)?);
            checked.push(CheckedChannel {
                id: c.id,
                group: is_group(c.kind),
                markdown: reads_markdown(c.kind),
                described: channels::find(c.kind.as_str()),
                name: c.name,
                kind: c.kind,
            });
        }
        let chosen = match notice.channel_strategy {
            ChannelStrategy::All => Vec::new(),
            ChannelStrategy::PreferredThenFallback => {
                self.store
                    .preferred_channels(notice.id, &address_kinds_json(), &filter)
                    .await?
            }
        };
        let kinds: Vec<(&str, Option<&str>)> = checked
            .iter()
            .map(|c| (c.kind.as_str(), address_kind(c.kind)))
            .collect();
        let mut checker = Checker::new(notice.id, &templates, &checked, notice.channel_strategy, chosen);
        self.store
            .for_each_check_row(&filter, &kinds, &variables, |row| checker.person(row))
            .await?;
        Ok(checker.finish())
    }

    /// Refuses to send a notice someone would get broken; run by [`App::send_notice`] before
    /// anything is queued.
    pub(crate) async fn refuse_broken(&self, notice: &Notice) -> Result<()> {
        let (check, _) = self.check_whole(notice).await?;
        if check.ok {
            return Ok(());
        }
        if let Some(group) = check.broken.iter().find(|b| b.contact_id.is_none()) {
            return Err(NoticeCheckError::BrokenGroup {
                channel: group.channel_name.clone(),
                reason: group.problem.en.clone(),
            }
            .into());
        }
        let mut first: Vec<String> = Vec::new();
        for b in &check.broken {
            let who = match &b.external_id {
                Some(id) => format!("{} ({id})", b.name.as_deref().unwrap_or_default()),
                None => b.name.clone().unwrap_or_default(),
            };
            let named = format!("{who} on {}: {}", b.channel_name, b.problem.en);
            if first.len() < NAMED && !first.iter().any(|f| f.starts_with(&format!("{who} on"))) {
                first.push(named);
            }
        }
        Err(NoticeCheckError::BrokenRecipients {
            notice_id: notice.id,
            people: check.broken_people,
            messages: check.broken_messages,
            first: first.join("; "),
        }
        .into())
    }

    /// Leaves these people out of a draft's audience on purpose (`-contacts:…` added to its
    /// spec), audited with their ids; the notice stays a draft.
    pub async fn leave_out(&self, notice_id: i64, contact_ids: &[i64]) -> Result<Notice> {
        let notice = self.store.get_notice(notice_id).await?;
        if notice.status != NoticeStatus::Draft {
            return Err(NoticeCheckError::NotADraft { notice_id }.into());
        }
        if contact_ids.is_empty() {
            return Err(NoticeCheckError::NothingToLeaveOut.into());
        }
        let mut spec = Audience::parse(&notice.audience)?;
        let mut ids: Vec<i64> = Vec::new();
        for item in std::mem::take(&mut spec.exclude) {
            match item {
                Item::Contacts(listed) => ids.extend(listed),
                other => spec.exclude.push(other),
            }
        }
        ids.extend_from_slice(contact_ids);
        ids.sort_unstable();
        ids.dedup();
        spec.exclude.push(Item::Contacts(ids));
        // Checked as a new notice's audience is: the people named must exist.
        let (spec, _) = self.check_audience(&spec.to_spec()).await?;
        let written = self
            .audited(
                "notice.leave_out",
                "notice",
                Some(notice_id),
                serde_json::json!({ "contacts": contact_ids }),
            )
            .set_draft_audience(notice_id, &spec.to_spec())
            .await?;
        if !written {
            return Err(NoticeCheckError::NotADraft { notice_id }.into());
        }
        self.get_notice(notice_id).await
    }

    /// Leaves out everyone the check finds a broken message for; returns the notice and how
    /// many were left out.
    pub async fn leave_out_broken(&self, notice_id: i64) -> Result<(Notice, usize)> {
        let notice = self.store.get_notice(notice_id).await?;
        let (_, broken) = self.check_whole(&notice).await?;
        let n = broken.len();
        Ok((self.leave_out(notice_id, &broken).await?, n))
    }
}
