//! The domain types that both faces (CLI JSON and desktop IPC) show.
//!
//! Every type here is serialised in camelCase and exported to TypeScript with ts-rs
//! (`cargo test` writes `ui/src/api/bindings/`), so the UI never restates them by hand.
//! Ids are `i64` in Rust and `number` in TypeScript: SQLite row ids stay far below 2^53.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod after_send;
mod attachments;
mod audience;
mod bilingual;
mod check;
mod link;
mod settings;
mod smtp;
mod templates;
mod unsubscribe;
pub use after_send::*;
pub use attachments::*;
pub use audience::*;
pub use bilingual::*;
pub use check::*;
pub use link::*;
pub use settings::*;
pub use smtp::*;
pub use templates::*;
pub use unsubscribe::*;

/// A channel kind's id as stored and shown (`smtp`, `dingtalk_robot`). The kinds themselves,
/// and so which ids exist, are the channel registry's (`channels::all`, `channels::kind_named`);
/// this type only carries the id, so the layers below the registry can name a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
#[ts(export)]
pub struct ChannelKind(&'static str);

impl ChannelKind {
    /// The built-in sandbox inbox: no registry entry, since the app makes its one channel.
    pub const SANDBOX: ChannelKind = ChannelKind("sandbox");
    /// E-mail: named here for what the app does with e-mail alone (opting out).
    pub const SMTP: ChannelKind = ChannelKind("smtp");
    pub const WEBHOOK: ChannelKind = ChannelKind("webhook");

    /// The kind a module declares as `id`. Only the registry makes kinds from declared ids;
    /// stored and typed spellings go through `channels::kind_named`, which knows them all.
    pub const fn declared(id: &'static str) -> Self {
        ChannelKind(id)
    }

    /// The spelling stored in SQLite and used on the command line.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A person who can receive notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Contact {
    #[ts(type = "number")]
    pub id: i64,
    /// 学号/工号: the id imports upsert on.
    pub external_id: Option<String>,
    pub name: String,
    pub role: Option<String>,
    pub department: Option<String>,
    pub class_name: Option<String>,
    pub grade: Option<String>,
    pub language: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub created_at: String,
}

/// What is needed to add a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NewContact {
    pub name: String,
    #[ts(optional)]
    pub external_id: Option<String>,
    #[ts(optional)]
    pub email: Option<String>,
    #[ts(optional)]
    pub mobile: Option<String>,
    #[ts(optional)]
    pub role: Option<String>,
    #[ts(optional)]
    pub department: Option<String>,
    #[ts(optional)]
    pub class_name: Option<String>,
    #[ts(optional)]
    pub grade: Option<String>,
}

/// A page of contacts and how many match in all.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactPage {
    pub items: Vec<Contact>,
    #[ts(type = "number")]
    pub total: i64,
}

/// A filter, order and page for listing contacts. Every filter is optional and exact, except
/// `search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ContactQuery {
    /// Matches name, external id, e-mail or mobile (substring).
    #[ts(optional)]
    pub search: Option<String>,
    #[ts(optional)]
    pub department: Option<String>,
    #[ts(optional)]
    pub grade: Option<String>,
    #[ts(optional)]
    pub class_name: Option<String>,
    #[ts(optional)]
    pub role: Option<String>,
    /// Contacts that have this tag.
    #[ts(optional)]
    pub tag: Option<String>,
    #[ts(optional)]
    pub language: Option<String>,
    /// The column to order by (default: name).
    #[ts(optional)]
    pub sort: Option<ContactSort>,
    #[ts(optional)]
    pub descending: Option<bool>,
    #[ts(optional)]
    pub limit: Option<u32>,
    #[ts(optional)]
    pub offset: Option<u32>,
}

/// The columns contacts can be ordered by. A closed set, so no caller's text ever reaches the
/// SQL's `ORDER BY`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ContactSort {
    #[default]
    Name,
    ExternalId,
    Department,
    ClassName,
    Grade,
    CreatedAt,
}

impl ContactSort {
    /// Every column, in the order the CLI lists them.
    pub const ALL: [ContactSort; 6] = [
        ContactSort::Name,
        ContactSort::ExternalId,
        ContactSort::Department,
        ContactSort::ClassName,
        ContactSort::Grade,
        ContactSort::CreatedAt,
    ];

    /// The spelling the UI and the CLI use (`externalId`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactSort::Name => "name",
            ContactSort::ExternalId => "externalId",
            ContactSort::Department => "department",
            ContactSort::ClassName => "className",
            ContactSort::Grade => "grade",
            ContactSort::CreatedAt => "createdAt",
        }
    }

    /// Reads `externalId`, `external_id` or `external-id` (any case); `class` for `className`.
    pub fn parse(s: &str) -> Option<Self> {
        let key = s.replace(['_', '-'], "").to_lowercase();
        if key == "class" {
            return Some(ContactSort::ClassName);
        }
        Self::ALL.into_iter().find(|c| c.as_str().to_lowercase() == key)
    }
}

/// One value of a column and how many contacts have it (a filter dropdown's entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FacetCount {
    pub value: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// The distinct values of the filterable columns, with counts, ordered by value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactFacets {
    pub departments: Vec<FacetCount>,
    pub grades: Vec<FacetCount>,
    pub classes: Vec<FacetCount>,
    pub roles: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
    pub languages: Vec<FacetCount>,
}

/// The address kinds a contact can have, in display order.
pub const ADDRESS_KINDS: [&str; 5] = ["email", "mobile", "wecom", "dingtalk", "feishu"];

/// One address of a contact, with what sending has learnt about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactAddress {
    /// `email`, `mobile`, `wecom`, `dingtalk` or `feishu`.
    pub kind: String,
    pub address: String,
    /// A provider refused it for good; sends skip it until it changes or is marked valid.
    pub invalid: bool,
    pub invalid_reason: Option<String>,
}

/// Everything about one contact, for its edit form and `contacts show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactDetail {
    #[ts(type = "number")]
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub role: Option<String>,
    pub department: Option<String>,
    pub class_name: Option<String>,
    pub grade: Option<String>,
    pub language: String,
    /// Extra columns from imports (template variables), by name.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Every address, in the order of [`ADDRESS_KINDS`].
    pub addresses: Vec<ContactAddress>,
    /// Channel kinds (`smtp`, `aliyun_sms`, `wecom_app`…), most preferred first.
    pub preferred: Vec<String>,
    /// Channel kinds this person receives nothing on.
    pub opted_out: Vec<String>,
    pub tags: Vec<String>,
    pub created_at: String,
    /// The version an edit must start from.
    pub updated_at: String,
}

impl ContactDetail {
    /// The edit that leaves this contact as it is, to change before sending.
    pub fn to_edit(&self) -> ContactEdit {
        ContactEdit {
            updated_at: self.updated_at.clone(),
            name: self.name.clone(),
            external_id: self.external_id.clone(),
            role: self.role.clone(),
            department: self.department.clone(),
            class_name: self.class_name.clone(),
            grade: self.grade.clone(),
            language: self.language.clone(),
            attributes: self.attributes.clone(),
            addresses: self
                .addresses
                .iter()
                .map(|a| AddressEdit {
                    kind: a.kind.clone(),
                    address: a.address.clone(),
                    mark_valid: None,
                })
                .collect(),
            preferred: self.preferred.clone(),
            opted_out: self.opted_out.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// One address in an edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct AddressEdit {
    pub kind: String,
    pub address: String,
    /// Clear the invalid mark of an unchanged address (a changed one loses it anyway).
    #[ts(optional)]
    pub mark_valid: Option<bool>,
}

/// A contact as the user wants it: the whole editable state, read from [`ContactDetail`] and
/// changed. An address kind left out is removed; only what differs is written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ContactEdit {
    /// The `updatedAt` the edit started from; if the contact moved on since, the edit is
    /// refused and the user reloads.
    pub updated_at: String,
    pub name: String,
    pub external_id: Option<String>,
    pub role: Option<String>,
    pub department: Option<String>,
    pub class_name: Option<String>,
    pub grade: Option<String>,
    pub language: String,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub addresses: Vec<AddressEdit>,
    pub preferred: Vec<String>,
    pub opted_out: Vec<String>,
    pub tags: Vec<String>,
}

/// What an edit did: the contact as stored now and the names of the fields that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactEditResult {
    pub contact: ContactDetail,
    pub changed: Vec<String>,
}

/// A configured channel (a provider instance).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Channel {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub enabled: bool,
    pub paused: bool,
    pub paused_reason: Option<String>,
    /// `ok`, `degraded` (failing lately) or `paused`.
    pub health: String,
    /// Failed sends in a row; the channel pauses itself at `limits.pauseAfterFailures`.
    pub consecutive_failures: i32,
    /// The admin's overrides of the provider's limits and retry policy.
    pub limits: ChannelLimits,
    /// Changes when the channel's configuration changes.
    pub updated_at: String,
}

/// Overrides an admin may set per channel; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ChannelLimits {
    /// Messages per provider call.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<u32>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<u32>,
    /// Messages in flight at once.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Attempts in all before a delivery fails.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// First retry delay in seconds (doubles each time).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_base_secs: Option<u32>,
    /// Longest retry delay in seconds.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_max_secs: Option<u32>,
    /// Consecutive failed sends after which the channel pauses itself.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_after_failures: Option<u32>,
}

/// How a notice uses its channels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChannelStrategy {
    /// Every recipient gets the notice on every chosen channel they can be reached on.
    #[default]
    All,
    /// Each recipient gets it once: on their preferred usable channel (their own order, then
    /// the notice's); a permanent failure there moves it to the next usable one.
    PreferredThenFallback,
}

impl ChannelStrategy {
    /// The spelling stored in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelStrategy::All => "all",
            ChannelStrategy::PreferredThenFallback => "preferred_then_fallback",
        }
    }
}

/// The status of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoticeStatus {
    Draft,
    Scheduled,
    Sent,
    Archived,
}

impl NoticeStatus {
    /// The spelling stored in SQLite and shown by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Draft => "draft",
            NoticeStatus::Scheduled => "scheduled",
            NoticeStatus::Sent => "sent",
            NoticeStatus::Archived => "archived",
        }
    }
}

/// Where a notice is, as the Notices list filters it: its status, and for a sent one whether
/// its latest run is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoticeStage {
    Draft,
    Scheduled,
    /// Its latest run is fanning out, sending or paused.
    Sending,
    /// Its latest run is done (or was cancelled).
    Sent,
    Archived,
}

impl NoticeStage {
    pub fn of(status: NoticeStatus, last_run: Option<RunStatus>) -> NoticeStage {
        match (status, last_run) {
            (NoticeStatus::Draft, _) => NoticeStage::Draft,
            (NoticeStatus::Scheduled, _) => NoticeStage::Scheduled,
            (NoticeStatus::Archived, _) => NoticeStage::Archived,
            (NoticeStatus::Sent, Some(RunStatus::Completed | RunStatus::Cancelled)) => NoticeStage::Sent,
            (NoticeStatus::Sent, _) => NoticeStage::Sending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStage::Draft => "draft",
            NoticeStage::Scheduled => "scheduled",
            NoticeStage::Sending => "sending",
            NoticeStage::Sent => "sent",
            NoticeStage::Archived => "archived",
        }
    }
}

/// A notice's latest run, as its list shows it (sending, paused, done…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeRun {
    #[ts(type = "number")]
    pub id: i64,
    pub status: RunStatus,
}

/// A notice's text in a second language (English): its own subject (none: the Chinese one
/// is used) and body, templates like the Chinese.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeText {
    #[ts(optional)]
    pub subject: Option<String>,
    pub body: String,
}

/// A notice: what to say, to whom, through which channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Notice {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    /// Subject line (e-mail); defaults to the title.
    pub subject: String,
    /// Markdown, with `{{ name }}`-style variables rendered per recipient.
    pub body: String,
    /// The audience spec as stored, groups by id: `group:#3; contacts:1,2; -group:#7`.
    pub audience: String,
    /// The same with groups by name, for people to read (`group:农学院2024级; …`).
    pub audience_text: String,
    #[ts(type = "number[]")]
    pub channel_ids: Vec<i64>,
    pub channel_strategy: ChannelStrategy,
    pub status: NoticeStatus,
    /// Its status with its latest run's: what the Notices list filters by.
    pub stage: NoticeStage,
    pub priority: i32,
    pub created_at: String,
    /// When it was last saved (a draft saves as it is written).
    pub updated_at: String,
    /// Its latest run, if it was ever sent.
    pub last_run: Option<NoticeRun>,
    /// Files sent with it (by channels that can carry files: e-mail).
    pub attachments: Vec<NoticeAttachment>,
    /// Recipients may opt out of e-mail from it: messages carry List-Unsubscribe and say how.
    pub allow_unsubscribe: bool,
    /// Values given once for everyone (`考试时间` → `12月20日 9:00`), usable in subject and
    /// body like a contact's variables.
    pub values: BTreeMap<String, String>,
    /// The English version, for people whose language is English.
    #[serde(default)]
    pub english: Option<NoticeText>,
    /// Bodies of its own for some channels (a short text for a chat, a summary for a robot).
    #[serde(default)]
    pub channel_versions: Vec<ChannelVersion>,
}

/// A draft as saved while it is written, with the first thing that would stop it from going
/// out (none when it is ready for the review).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DraftSaved {
    pub notice: Notice,
    pub problem: Option<DraftProblem>,
}

/// Why a draft is not ready yet, with the field it concerns (`title`, `subject`, `body`,
/// `values`, `channelIds`, `audience`) so the screen can show it there.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DraftProblem {
    pub code: String,
    pub field: String,
    pub message: String,
    /// The values the UI fills into its own text, and the text in both languages where the
    /// core has it (`messageZh`, `messageEn`), as a command's error carries them.
    pub params: BTreeMap<String, String>,
}

/// One person's message on one channel (or a group chat's), exactly as it would be sent:
/// built by the code that sends it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeliveryPreview {
    pub channel: String,
    pub kind: String,
    /// The person's name, or `群：<channel>` for a group chat.
    pub recipient: String,
    /// The address it goes to; `None` for a group chat, or when the person has none usable.
    pub address: Option<String>,
    /// The message's parts as they go out; empty when nothing would be sent.
    pub parts: Vec<crate::providers::WirePart>,
    /// The notice's files, by name, where the channel carries them (e-mail).
    pub attachments: Vec<String>,
    /// Why this person gets nothing on this channel, or would get it broken.
    pub problem: Option<PreviewProblem>,
    /// Which version the person gets (a group chat: `zh`, the English following the Chinese).
    pub language: NoticeLanguage,
}

/// Why a preview shows no message.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewProblem {
    /// `no_address` (none of the channel's kind, marked invalid, or opted out), `render` (a
    /// template fails for this person), `refused` (the channel would refuse the message, such
    /// as one over its byte limit), `too_many_mentions`.
    pub code: String,
    pub reason: String,
}

/// What is needed to compose a notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NewNotice {
    pub title: String,
    #[ts(optional)]
    pub subject: Option<String>,
    pub body: String,
    /// `all` (the default) or `contacts:ID,ID,…`.
    #[ts(optional)]
    pub audience: Option<String>,
    #[ts(type = "number[]")]
    pub channel_ids: Vec<i64>,
    /// `all` (the default) or `preferred_then_fallback`.
    #[ts(optional)]
    pub channel_strategy: Option<ChannelStrategy>,
    #[ts(optional)]
    pub urgent: Option<bool>,
    /// Files to attach, as paths on this computer; Herald keeps a copy of each.
    #[ts(optional)]
    pub attachments: Option<Vec<String>>,
    /// Let e-mail recipients opt out (List-Unsubscribe, and a line in the message saying how).
    #[ts(optional)]
    pub allow_unsubscribe: Option<bool>,
    /// Values given once for everyone, by name (`考试时间` → `12月20日 9:00`); allowed on
    /// group channels, since they are the same for every reader.
    #[ts(optional)]
    pub values: Option<BTreeMap<String, String>>,
    /// An English version beside the Chinese: people whose language is English get it.
    #[ts(optional)]
    pub english: Option<NoticeText>,
    /// A body of its own for some of the chosen channels (replacing the body, not the subject).
    #[ts(optional)]
    pub channel_versions: Option<Vec<ChannelVersion>>,
}

/// Where a template variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VariableSource {
    /// A standard field every contact has (`name`, `class`…).
    Contact,
    /// A column of an import, kept as the contact's attribute.
    ImportedColumn,
    /// A value the notice gives once for everyone.
    NoticeValue,
    /// The date a schedule fires (the send date outside a schedule).
    ScheduleDate,
}

/// A variable the notice editor can offer: its name, the other names it answers to, its
/// meaning in both languages and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeVariable {
    pub name: String,
    pub aliases: Vec<String>,
    pub meaning_zh: String,
    pub meaning_en: String,
    pub source: VariableSource,
    /// A notice value's value.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One recipient's rendering of a notice, as the provider would get it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preview {
    pub contact_name: String,
    pub subject: String,
    /// The body's Markdown with this person's values filled in.
    pub body: String,
    /// The same as an e-mail's HTML part, made by the code that sends e-mail.
    pub html: String,
    /// And its plain-text part.
    pub text: String,
    /// How many people the audience holds now.
    #[ts(type = "number")]
    pub audience_size: i64,
}

/// The status of a run (one execution of a notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunStatus {
    Pending,
    FanningOut,
    Sending,
    Paused,
    Completed,
    Cancelled,
}

/// A run with its counts by delivery state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub notice_id: i64,
    pub notice_title: String,
    pub status: RunStatus,
    pub priority: i32,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub sent: i64,
    #[ts(type = "number")]
    pub failed: i64,
    /// Queued, deferred or being sent.
    #[ts(type = "number")]
    pub waiting: i64,
    /// Waiting for a retry after a temporary failure.
    #[ts(type = "number")]
    pub retrying: i64,
    #[ts(type = "number")]
    pub cancelled: i64,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The run this one reminds about (提醒未读), sent to those who had not read it.
    #[ts(type = "number | null")]
    pub reminder_of: Option<i64>,
    /// A test sent to the user alone (发给我自己试试): not the notice's send.
    #[serde(default)]
    pub test: bool,
}

/// Progress of a run, streamed as the `run:progress` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunProgress {
    pub run: RunSummary,
    /// Deliveries finished per second over the last few seconds.
    pub rate_per_sec: f64,
    /// Seconds until done at that rate, when it can be told.
    pub eta_secs: Option<f64>,
}

/// The state of one delivery in the outbox (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryStatus {
    Queued,
    Deferred,
    Sending,
    RetryWait,
    Sent,
    Failed,
    Cancelled,
}

/// One delivery with its attempts, for the history screens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeliveryView {
    #[ts(type = "number")]
    pub id: i64,
    /// `None` for a group chat's message, whose `contact_name` is 群：<channel name>.
    #[ts(type = "number | null")]
    pub contact_id: Option<i64>,
    pub contact_name: String,
    pub channel_name: String,
    pub address: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub sent_at: Option<String>,
    /// The delivery whose permanent failure this one replaces (fallback strategy).
    #[ts(type = "number | null")]
    pub fallback_of: Option<i64>,
    pub attempt_log: Vec<AttemptView>,
    /// Whether the message was recalled, or why not (`None`: no recall asked for).
    pub recall_state: Option<RecallState>,
    /// When the recall was done or last tried.
    pub recalled_at: Option<String>,
    pub recall_note: Option<String>,
    /// When Herald last asked the platform who has read it (`None`: never; read status
    /// unknown).
    pub read_checked_at: Option<String>,
    /// When the recipient read it; `None` with `read_checked_at` set: unread when checked.
    pub read_at: Option<String>,
}

/// How one provider call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AttemptOutcome {
    Sent,
    Retry,
    Permanent,
    Interrupted,
    /// A recall the platform carried out.
    Recalled,
    /// A recall the platform refused or that did not reach it.
    RecallFailed,
}

/// One provider call for a delivery: a send, or a recall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AttemptView {
    #[ts(type = "number")]
    pub id: i64,
    pub attempt_no: i32,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: AttemptOutcome,
    pub provider_code: Option<String>,
    pub message: Option<String>,
    #[ts(type = "number | null")]
    pub latency_ms: Option<i64>,
}

/// A run with every delivery, for the run's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunDetail {
    pub run: RunSummary,
    pub notice: Notice,
    pub deliveries: Vec<DeliveryView>,
    /// Recall, read status and reminders.
    pub after_send: RunAfterSend,
}

/// A message that the sandbox channel "delivered" into the local inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SandboxMessage {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub delivery_id: Option<i64>,
    pub channel_name: String,
    pub recipient: String,
    pub subject: String,
    /// The Markdown as it arrived.
    pub body: String,
    /// The same as a mail client shows it, made by the e-mail renderer, so the inbox shows
    /// **bold** as bold rather than its asterisks.
    #[serde(default)]
    pub html: String,
    pub received_at: String,
}

/// Figures for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DashboardStats {
    #[ts(type = "number")]
    pub contacts: i64,
    #[ts(type = "number")]
    pub notices: i64,
    #[ts(type = "number")]
    pub channels: i64,
    /// Runs that are still sending.
    #[ts(type = "number")]
    pub active_runs: i64,
    #[ts(type = "number")]
    pub sent_today: i64,
    #[ts(type = "number")]
    pub failed_today: i64,
    /// Deliveries sent per day for the last 7 days, oldest first (UTC days).
    pub sent_by_day: Vec<DayCount>,
    pub recent_runs: Vec<RunSummary>,
}

/// A count for one day (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DayCount {
    pub day: String,
    #[ts(type = "number")]
    pub sent: i64,
    #[ts(type = "number")]
    pub failed: i64,
}

/// Who dispatches this database's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DispatcherStatus {
    /// This process dispatches.
    pub running_here: bool,
    /// Another process holds the dispatcher lock: who, as it described itself.
    pub other_holder: Option<String>,
}

/// Facts about the running app, for Settings and first start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database_path: String,
    pub dispatcher: DispatcherStatus,
    /// No contacts yet and the demo list has not been offered: the UI offers it.
    pub offer_demo: bool,
    /// Where channel secrets are kept, so the user can see it.
    pub secrets: SecretsLocation,
}

/// Where channel secrets (passwords, tokens, signing secrets) are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum SecretsLocation {
    /// The OS keyring (Secret Service, Keychain, Credential Manager), under this service name.
    Keyring { service: String },
    /// The data directory's `secrets.json`, readable by this user only; `reason` says why
    /// not the keyring.
    File { path: String, reason: String },
}

/// The result of loading the built-in demo contact list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DemoLoadResult {
    #[ts(type = "number")]
    pub added: i64,
    #[ts(type = "number")]
    pub already_present: i64,
}

/// One checked row of an import, as the store upserts it (by `external_id` when it has one).
/// Only what the file maps is listed: a field, address kind or attribute not listed is left as
/// it is on an existing contact; one listed as `None` (a blank cell) is cleared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactUpsert {
    pub external_id: Option<String>,
    pub name: String,
    /// `contacts` columns (`role`, `department`, `class_name`, `grade`, `language`) and values;
    /// a blank `language` keeps the contact's (a new one gets `zh-CN`).
    pub fields: Vec<(&'static str, Option<String>)>,
    /// Address kinds (`email`, `mobile`, `wecom`, `dingtalk`, `feishu`) and values.
    pub addresses: Vec<(&'static str, Option<String>)>,
    /// Preferred channel kinds, most preferred first (`None`: not in the file).
    pub preferred: Option<Vec<String>>,
    /// The contact's tags, replacing the old ones (`None`: not in the file).
    pub tags: Option<Vec<String>>,
    /// Attributes (template variables) and values.
    pub attributes: Vec<(String, Option<String>)>,
}

/// What an upsert did to the contacts it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpsertCounts {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// Everything an export writes about one contact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactRecord {
    pub external_id: Option<String>,
    pub name: String,
    pub role: Option<String>,
    pub department: Option<String>,
    pub class_name: Option<String>,
    pub grade: Option<String>,
    pub language: String,
    /// Address kind → address.
    pub addresses: std::collections::BTreeMap<String, String>,
    pub preferred: Vec<String>,
    pub tags: Vec<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
}
