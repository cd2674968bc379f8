//! A notice exactly as one person gets it on one channel: the variables and address the
//! fan-out would freeze, the rendering the dispatcher does, and the provider's own message
//! builder ([`Provider::preview`](crate::providers::Provider::preview)), so the preview and
//! the message cannot differ.

use super::App;
use crate::channels::{self, address_kind, is_group, reads_markdown};
use crate::compose::{ChannelTemplates, Texts};
use crate::model::{DeliveryPreview, PreviewProblem};
use crate::providers::Outgoing;
use crate::store::AddressSource;
use crate::{Error, Result};

impl App {
    /// Notice `notice_id` as `contact` (a 学号/工号, or `#ID`) gets it on `channel`; a group
    /// chat's message needs no contact.
    pub async fn preview_delivery(
        &self,
        notice_id: i64,
        contact: Option<&str>,
        channel: &str,
    ) -> Result<DeliveryPreview> {
        let notice = self.get_notice(notice_id).await?;
        let channel = self.channel_by_name(channel).await?;
        if !notice.channel_ids.contains(&channel.id) {
            return Err(Error::Invalid(format!(
                "channel: notice {notice_id} does not go out on {}; preview it on one of its own channels",
                channel.name
            )));
        }
        let group = is_group(channel.kind);
        let (recipient, address, variables) = if group {
            let filter = crate::audience::resolve(&self.store, &notice.audience).await?;
            let variables = crate::outbox::fanout::group_variables(&self.store, &filter, &channel).await?;
            (format!("群：{}", channel.name), None, variables)
        } else {
            let key = contact.ok_or_else(|| {
                Error::Invalid(format!(
                    "contact: {} writes to each person; name whose message to show (a 学号/工号 or #ID)",
                    channel.name
                ))
            })?;
            let person = self.find_contact(key).await?;
            let source = address_kind(channel.kind).map_or(AddressSource::Anything, AddressSource::Kind);
            let (address, variables) = self
                .store
                .recipient(person.id, channel.kind.as_str(), source)
                .await?
                .ok_or_else(|| Error::Invalid(format!("contact: there is no contact {key}")))?;
            (person.name, address, variables)
        };
        let attachments = notice.attachments.iter().map(|a| a.name.clone()).collect();
        let mut preview = DeliveryPreview {
            channel: channel.name.clone(),
            kind: channel.kind.as_str().to_owned(),
            recipient,
            address: address.clone(),
            parts: Vec::new(),
            attachments,
            problem: None,
            language: Default::default(),
        };
        let problem = |code: &str, reason: String| {
            Some(PreviewProblem {
                code: code.to_owned(),
                reason,
            })
        };
        if !group && address.is_none() {
            preview.problem = problem(
                "no_address",
                format!(
                    "{} has no usable address for {} (none given, marked invalid, or opted out): nothing is sent to them there",
                    preview.recipient, channel.name
                ),
            );
            return Ok(preview);
        }
        let mentions = match channels::frozen_mentions(&variables, group) {
            Ok(m) => m,
            Err(people) => {
                preview.problem = problem("too_many_mentions", channels::too_many_mentions(people));
                return Ok(preview);
            }
        };
        // The notice's values as everyone gets them; `{{ date }}` as a run started today would.
        let today = crate::compose::variables::date_of(crate::clock::now());
        // The channel's templates and the person's version, as the dispatcher picks them.
        let templates = ChannelTemplates::compile(&Texts::of(&notice), channel.id, group, &today)?;
        let (templates, language) = templates.pick(&variables);
        preview.language = language;
        let rendered = match templates.render_as(&variables, reads_markdown(channel.kind)) {
            Ok(r) => r,
            Err(e) => {
                preview.problem = problem("render", e.to_string());
                return Ok(preview);
            }
        };
        let files =
            crate::outbox::load_attachments(&self.config.data_dir, &notice.attachments).map_err(Error::Invalid)?;
        let message = Outgoing {
            delivery_id: 0,
            address: address.unwrap_or_default(),
            recipient_name: variables
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
            subject: rendered.subject,
            body: rendered.body,
            attachments: files,
            allow_unsubscribe: notice.allow_unsubscribe,
            mentions,
        };
        let provider = self.provider_factory().build(&channel).await.map_err(Error::Invalid)?;
        match provider.preview(&message) {
            Ok(parts) => preview.parts = parts,
            Err(reason) => preview.problem = problem("refused", reason),
        }
        Ok(preview)
    }
}
