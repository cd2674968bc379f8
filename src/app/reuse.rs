//! New notices from sent ones: a duplicate (same content, audience and channels), and a
//! resend to exactly the people a notice did not reach.

use super::App;
use crate::audience;
use crate::channels::{address_kind, is_group};
use crate::model::{NewNotice, Notice, NoticeStatus, ResendDraft};
use crate::{Error, Result};

impl App {
    /// What a new draft needs to say and do what `n` did (its files copied again).
    fn new_notice_like(&self, n: &Notice) -> NewNotice {
        NewNotice {
            subject: (n.subject != n.title).then(|| n.subject.clone()),
            attachments: Some(
                n.attachments
                    .iter()
                    .map(|a| self.config.data_dir.join(&a.file).to_string_lossy().into_owned())
                    .collect(),
            ),
            ..super::drafts::as_input(n)
        }
    }

    /// A new draft with the same content, audience and channels as notice `id`.
    pub async fn duplicate_notice(&self, id: i64) -> Result<Notice> {
        let original = self.store.get_notice(id).await?;
        let notice = self.create_notice(self.new_notice_like(&original)).await?;
        crate::audit::record(
            &self.store,
            &self.actor,
            "notice.duplicate",
            "notice",
            Some(notice.id),
            serde_json::json!({"from": id}),
        )
        .await?;
        Ok(notice)
    }

    /// A new draft of notice `id` for exactly the people it did not reach (every delivery
    /// failed, cancelled or never sent, or none made for want of an address) who have a
    /// usable address on at least one of its channels; those with none are counted, not
    /// included. Its runs must be over.
    pub async fn resend_unreached(&self, id: i64) -> Result<ResendDraft> {
        let original = self.store.get_notice(id).await?;
        if original.status == NoticeStatus::Draft {
            return Err(Error::Invalid(format!(
                "notice {id} has not been sent yet: send it, or edit the draft"
            )));
        }
        if self.store.unfinished_runs_of(id).await? > 0 {
            return Err(Error::Invalid(format!(
                "notice {id} is still being sent: wait until its run is done, or cancel it, then send to those it did not reach"
            )));
        }
        let mut channels = Vec::new();
        for channel_id in &original.channel_ids {
            let c = self.store.get_channel(*channel_id).await?;
            let akind = if is_group(c.kind) {
                Some("group".to_owned())
            } else {
                address_kind(c.kind).map(str::to_owned)
            };
            channels.push((c.kind.as_str().to_owned(), akind));
        }
        let filter = audience::resolve(&self.store, &original.audience).await?;
        let unreached = self.store.unreached(id, &filter, &channels).await?;
        if unreached.reachable.is_empty() {
            return Err(Error::Invalid(if unreached.no_address > 0 {
                format!(
                    "notice {id} reached everyone it can: {} people it did not reach have no usable address on its channels",
                    unreached.no_address
                )
            } else {
                format!("notice {id} reached everyone: there is no one to send it to again")
            }));
        }
        let ids: Vec<String> = unreached.reachable.iter().map(i64::to_string).collect();
        let mut input = self.new_notice_like(&original);
        input.audience = Some(format!("contacts:{}", ids.join(",")));
        let notice = self.create_notice(input).await?;
        crate::audit::record(
            &self.store,
            &self.actor,
            "notice.resend",
            "notice",
            Some(notice.id),
            serde_json::json!({"from": id, "people": ids.len(), "noAddress": unreached.no_address}),
        )
        .await?;
        Ok(ResendDraft {
            notice,
            people: ids.len() as i64,
            no_address: unreached.no_address,
        })
    }
}
