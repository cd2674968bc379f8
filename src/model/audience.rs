//! Groups, rule segments and audience previews, as both faces show them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Whether a group lists its members or is a rule evaluated when a notice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum GroupKind {
    Static,
    Rule,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Static => "static",
            GroupKind::Rule => "rule",
        }
    }
}

/// How a condition compares a contact's field with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RuleOp {
    /// Equal to one of the values (ASCII case ignored; a tag: has one of them).
    Is,
    /// Equal to none of the values (an empty field counts as "not").
    IsNot,
    /// Contains the value as a substring.
    Contains,
    /// Starts with the value.
    StartsWith,
    IsEmpty,
    IsNotEmpty,
}

impl RuleOp {
    /// Whether the operator takes values at all.
    pub fn takes_values(self) -> bool {
        !matches!(self, RuleOp::IsEmpty | RuleOp::IsNotEmpty)
    }
}

/// One test on a contact. `field` is `department`, `class`, `grade`, `role`, `tag`,
/// `language`, `name`, `externalId`, `group` (member of a group or segment, by name) or
/// `attr.<name>` for an imported column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Condition {
    pub field: String,
    pub op: RuleOp,
    #[serde(default)]
    pub values: Vec<String>,
}

/// A rule segment's condition tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum Rule {
    /// Every rule holds (AND).
    All {
        rules: Vec<Rule>,
    },
    /// At least one rule holds (OR).
    Any {
        rules: Vec<Rule>,
    },
    Condition(Condition),
}

/// A group or rule segment with its size now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Group {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub kind: GroupKind,
    pub description: Option<String>,
    /// The rule of a segment (`None` for a static group).
    pub rule: Option<Rule>,
    /// The rule written as text (as `herald groups` takes it).
    pub rule_text: Option<String>,
    /// Members now: listed ones, or those the rule matches today.
    #[ts(type = "number")]
    pub members: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A new group: static when `rule` is absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NewGroup {
    pub name: String,
    #[ts(optional)]
    pub description: Option<String>,
    #[ts(optional)]
    pub rule: Option<Rule>,
}

/// Changes to a group; absent fields stay as they are. A static group cannot get a rule
/// nor a segment lose its rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UpdateGroup {
    #[ts(optional)]
    pub name: Option<String>,
    /// `Some("")` clears the description.
    #[ts(optional)]
    pub description: Option<String>,
    #[ts(optional)]
    pub rule: Option<Rule>,
}

/// What adding members did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MembersChange {
    /// Newly added (or, when removing, removed).
    #[ts(type = "number")]
    pub changed: i64,
    /// Already members (or, when removing, were not members).
    #[ts(type = "number")]
    pub unchanged: i64,
    /// Pasted ids (学号/工号) that match no contact, in the order given.
    pub unknown: Vec<String>,
}

/// How many of an audience one channel reaches.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelReach {
    #[ts(type = "number")]
    pub channel_id: i64,
    pub channel_name: String,
    pub kind: super::ChannelKind,
    /// People this channel would send to.
    #[ts(type = "number")]
    pub reachable: i64,
    /// People with no address of the kind this channel needs.
    #[ts(type = "number")]
    pub no_address: i64,
    /// People whose address for it is marked invalid.
    #[ts(type = "number")]
    pub invalid_address: i64,
    /// People who opted out of this kind of channel.
    #[ts(type = "number")]
    pub opted_out: i64,
    /// The channel posts one message into a group chat, whoever the audience is: `reachable`
    /// is then that one message.
    pub group: bool,
    /// For a group robot set to @-mention the audience: how many of them it would mention
    /// (those with an address it mentions by); `None` when it mentions no one by name.
    #[ts(type = "number | null")]
    pub mentions: Option<i64>,
    /// More than one group message may mention (`mentionLimit`): the message would be refused.
    pub mentions_refused: bool,
    #[ts(type = "number")]
    pub mention_limit: i64,
}

/// An audience as it stands now: unique people, and what each chosen channel reaches.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AudiencePreview {
    /// The spec as it will be stored (groups by id).
    pub spec: String,
    /// The spec in words, groups by name.
    pub description: String,
    /// Unique people (someone in two groups counts once, and is sent to once).
    #[ts(type = "number")]
    pub people: i64,
    pub channels: Vec<ChannelReach>,
    /// People no chosen channel reaches.
    #[ts(type = "number")]
    pub unreachable: i64,
    /// The first few people (in the order they were added), to show who is in it.
    pub sample: Vec<super::Contact>,
}
