//! What a channel kind declares about itself, once, in its own module.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::after_send::{AfterSend, AfterSendTerms};
use super::schema::{Field, FieldError, Text, Values};
use crate::model::ChannelKind;
use crate::providers::{Limits, Provider};

/// Which platform a kind belongs to: the Channels screen groups its kind picker by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "KindPlatform")]
pub enum Platform {
    Local,
    Email,
    Http,
    Wecom,
    Dingtalk,
    Feishu,
    Sms,
}

/// Who a message on this kind goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "to", content = "address")]
#[ts(export, rename = "KindRecipients")]
pub enum Recipients {
    /// Each person, at the contact address of this kind (`email`, `mobile`, `dingtalk` …).
    Person(&'static str),
    /// Each person, with no address needed (the sandbox, a webhook).
    Anyone,
    /// One group chat: one message per run, whoever the audience is.
    Group,
}

/// How a kind shows a notice's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "format")]
#[ts(export, rename = "ContentFormat")]
pub enum Format {
    /// An e-mail: HTML and text made from the Markdown.
    Email,
    /// A platform's Markdown dialect, refused over `max_bytes` (never cut).
    Markdown {
        dialect: Dialect,
        #[serde(rename = "maxBytes")]
        #[ts(type = "number")]
        max_bytes: usize,
    },
    /// Whatever the receiver makes of the Markdown (a webhook, the sandbox).
    Raw,
}

/// The Markdown each platform understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "MarkdownDialect")]
pub enum Dialect {
    /// DingTalk's: headings, quotes, bold, italic, links, images, lists.
    Dingtalk,
    /// WeCom's: headings, bold, links, inline code, quotes, coloured text.
    Wecom,
    /// Feishu card `lark_md`.
    Feishu,
}

/// What a kind is, as constants: its id, its words for people, its settings, whom and how it
/// sends, and its limits. Each kind module declares one.
#[derive(Debug, Clone, Copy)]
pub struct About {
    /// The stored spelling (`dingtalk_robot`); the CLI also takes it with `-`.
    pub id: &'static str,
    pub label: Text,
    /// Where to get the settings, in a sentence or two.
    pub description: Text,
    pub platform: Platform,
    pub fields: &'static [Field],
    pub recipients: Recipients,
    pub format: Format,
    /// The platform's documented limits; a channel may lower them.
    pub limits: Limits,
}

/// One kind of channel, described once: everything else (CLI flags, the form, storage, the
/// dispatcher) works from this.
pub trait Kind: Send + Sync + 'static {
    /// The kind's constant description.
    fn about(&self) -> &'static About;
    fn id(&self) -> &'static str {
        self.about().id
    }
    /// The id as channels store it.
    fn kind(&self) -> ChannelKind {
        ChannelKind::declared(self.about().id)
    }
    fn label(&self) -> Text {
        self.about().label
    }
    fn description(&self) -> Text {
        self.about().description
    }
    fn platform(&self) -> Platform {
        self.about().platform
    }
    fn fields(&self) -> &'static [Field] {
        self.about().fields
    }
    fn recipients(&self) -> Recipients {
        self.about().recipients
    }
    fn format(&self) -> Format {
        self.about().format
    }
    fn limits(&self) -> Limits {
        self.about().limits
    }
    /// Value-less CLI flags kept from earlier versions, each setting one setting.
    fn switches(&self) -> &'static [Switch] {
        &[]
    }
    /// For a group kind that can @-mention people by name: the contact address kinds it
    /// mentions by, in preference (a platform id before a mobile). Empty (the default): it
    /// cannot. Its `mention` setting then offers [`super::MENTION_AUDIENCE`].
    fn mentions_by(&self) -> &'static [&'static str] {
        &[]
    }
    /// Checks that involve more than one field (each field's own check has run).
    fn check(&self, _values: &Values) -> Result<(), FieldError> {
        Ok(())
    }
    /// The provider for a channel with these (validated) settings.
    fn build(&self, channel_name: &str, values: &Values) -> Result<Arc<dyn Provider>, FieldError>;
    /// For a kind that writes to people by a platform id, what looks their ids up by mobile
    /// (`herald contacts link-ids`); `None` where the platform offers no such lookup.
    fn id_finder(&self, _channel_name: &str, _values: &Values) -> Option<Result<Arc<dyn IdFinder>, FieldError>> {
        None
    }
    /// What the platform lets Herald do with a message once sent: recall it within a window,
    /// tell who has read it ([`AfterSendTerms::NONE`], the default: neither).
    fn after_send_terms(&self) -> AfterSendTerms {
        AfterSendTerms::NONE
    }
    /// What this kind finds wrong with one rendered message before anything is queued, and
    /// the figures it counts (the whole-audience check calls it for every recipient, so it
    /// must be cheap). The default: a Markdown kind's byte limit and message size
    /// ([`super::check::within_format`]). A kind with rules of its own (an SMS's template
    /// parameters, its parts and cost) overrides it; Compose does not change.
    fn check_message(&self, message: &crate::compose::Rendered) -> super::MessageCheck {
        super::check::within_format(self.format(), message)
    }
    /// The recall and read calls for a channel with these (validated) settings; `None` (the
    /// default) for a kind whose terms allow neither.
    fn after_send(&self, _channel_name: &str, _values: &Values) -> Option<Result<Arc<dyn AfterSend>, FieldError>> {
        None
    }
}

/// A CLI flag without a value that sets one setting to a fixed value, kept from an earlier
/// version's command line (`--password-stdin` gives the password as `-`: read from standard
/// input).
#[derive(Debug, Clone, Copy)]
pub struct Switch {
    pub flag: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub help: &'static str,
    /// Only `channels edit` has it (`--no-login`: there is nothing to forget when adding).
    pub edit_only: bool,
}

/// Looks up a person's platform id (a WeCom userid …) by their mobile number.
#[async_trait::async_trait]
pub trait IdFinder: Send + Sync {
    /// The id of whoever has `mobile` (E.164, as contacts keep it); `Ok(None)` when the
    /// platform has nobody with it; `Err` with the reason when the lookup itself failed.
    async fn find_by_mobile(&self, mobile: &str) -> Result<Option<String>, String>;

    /// One answer per mobile, in order, as [`IdFinder::find_by_mobile`] gives it. A platform
    /// that looks up many per call (Feishu, 50) overrides this; the others ask one by one.
    async fn find_by_mobiles(&self, mobiles: &[String]) -> Vec<Result<Option<String>, String>> {
        let mut answers = Vec::with_capacity(mobiles.len());
        for mobile in mobiles {
            answers.push(self.find_by_mobile(mobile).await);
        }
        answers
    }
}

/// A mobile as the Chinese platforms' lookups take it: a mainland number as its 11 digits,
/// any other with its `+` and country code (WeCom and Feishu document this; DingTalk keeps the
/// country code apart from the number, and its mainland numbers are the 11 digits too).
pub fn lookup_mobile(e164: &str) -> &str {
    e164.strip_prefix("+86").unwrap_or(e164)
}

/// A kind as `herald channels kinds --json` and the Channels screen read it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KindInfo {
    pub id: &'static str,
    pub label: Text,
    pub description: Text,
    pub platform: Platform,
    pub recipients: Recipients,
    pub format: Format,
    pub fields: &'static [Field],
    #[ts(type = "number | null")]
    pub per_minute: Option<u32>,
    /// Whether it can look people's platform ids up by mobile (`herald contacts link-ids`).
    pub finds_ids: bool,
}

impl KindInfo {
    pub fn of(kind: &dyn Kind) -> KindInfo {
        KindInfo {
            id: kind.id(),
            label: kind.label(),
            description: kind.description(),
            platform: kind.platform(),
            recipients: kind.recipients(),
            format: kind.format(),
            fields: kind.fields(),
            per_minute: kind.limits().per_minute,
            // Asked with no settings: whether the kind has a finder at all, not whether one
            // could be built.
            finds_ids: kind.id_finder("", &super::Values::default()).is_some(),
        }
    }
}
