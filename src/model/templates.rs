//! Templates (a notice's content kept under a name, every earlier save kept as a version) and
//! new notices made from sent ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Notice, NoticeText};

/// A saved template: what a notice says, without whom it goes to or through which channels
/// (those are chosen each time it is used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Template {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Shipped with Herald: can be used and copied, not changed or deleted.
    pub builtin: bool,
    /// 1 for the first save; each save keeps the content before it as a version.
    #[ts(type = "number")]
    pub version: i64,
    pub title: String,
    /// The subject line; `None`: the title.
    #[ts(optional)]
    pub subject: Option<String>,
    pub body: String,
    /// Values given once for everyone, as a notice's `values`: examples to check when used.
    pub values: BTreeMap<String, String>,
    #[ts(optional)]
    pub english: Option<NoticeText>,
    pub created_at: String,
    pub updated_at: String,
}

/// An earlier content of a template, as it was before the save that replaced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateVersion {
    #[ts(type = "number")]
    pub version: i64,
    pub title: String,
    #[ts(optional)]
    pub subject: Option<String>,
    pub body: String,
    pub values: BTreeMap<String, String>,
    #[ts(optional)]
    pub english: Option<NoticeText>,
    /// When this content was saved (it was current from then until the next save).
    pub saved_at: String,
}

/// A template to save: a new name makes a new template, an existing one a new version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct TemplateInput {
    pub name: String,
    pub title: String,
    #[ts(optional)]
    pub subject: Option<String>,
    pub body: String,
    #[ts(optional)]
    pub values: Option<BTreeMap<String, String>>,
    #[ts(optional)]
    pub english: Option<NoticeText>,
}

/// A draft notice to start from a template: who gets it and through which channels; values
/// given here replace the template's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct TemplateUse {
    /// An audience spec as `NewNotice::audience` (default `all`).
    #[ts(optional)]
    pub audience: Option<String>,
    #[ts(type = "number[]")]
    pub channel_ids: Vec<i64>,
    #[ts(optional)]
    pub values: Option<BTreeMap<String, String>>,
}

/// The draft made to reach those a notice did not reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResendDraft {
    /// The new draft (audience: exactly the people below, as `contacts:…`).
    pub notice: Notice,
    /// People in it: not reached, and with a usable address on one of its channels.
    #[ts(type = "number")]
    pub people: i64,
    /// People not reached who are left out: no usable address on any of its channels.
    #[ts(type = "number")]
    pub no_address: i64,
}
