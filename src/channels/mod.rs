//! Channel kinds, one module each under [`kinds`], and what they share: the settings schema
//! ([`schema`]) and the description every kind gives of itself ([`Kind`]); the HTTP plumbing
//! they share is the providers' (`providers::http`), which never look back into this module.
//!
//! The registry ([`all`], [`find`]) is the one list of the kinds made this way; the store,
//! the CLI, the Tauri shell and the UI handle their channels generically from it.

pub mod after_send;
mod kind;
pub mod kinds;
pub mod markdown;
pub mod schema;
pub mod token;

pub use after_send::{AfterSend, AfterSendTerms, ReadReceipt, Refusal};
pub use kind::{lookup_mobile, About, Dialect, Format, IdFinder, Kind, KindInfo, Platform, Recipients, Switch};
pub use schema::{Field, FieldError, FieldType, Text, Values};

use crate::model::ChannelKind;

/// Every kind described by the registry, in the order the kind picker shows them.
pub fn all() -> &'static [&'static dyn Kind] {
    kinds::ALL
}

/// The kind stored or typed as `id` (`dingtalk_robot`, or `dingtalk-robot` as the CLI spells it).
pub fn find(id: &str) -> Option<&'static dyn Kind> {
    // Asked per batch by the dispatcher: compared in place, without a copy of `id`.
    let id = id.trim();
    let same = |k: &str| {
        k.len() == id.len()
            && k.bytes()
                .zip(id.bytes())
                .all(|(a, b)| a == b || (a == b'_' && b == b'-'))
    };
    all().iter().copied().find(|k| same(k.id()))
}

/// A group robot's `mention` setting that @-mentions the notice's audience by name.
pub const MENTION_AUDIENCE: &str = "audience";

/// The most people one group message @-mentions by name. The platforms document no bound
/// (only their byte limits); this one is Herald's, because a message that pings hundreds is
/// a message for `@所有人`. An audience over it is refused before sending, never cut short.
pub const MAX_MENTIONS: usize = 100;

/// The key under which fan-out freezes a group delivery's mentions in its variables: not a
/// template name, so no notice can use or shadow it.
pub const MENTIONS_VARIABLE: &str = "@mention";

/// Whom a group delivery @-mentions, from its frozen variables (none for a person's delivery,
/// whatever their imported columns are called), or how many people were too many to mention.
pub fn frozen_mentions(variables: &serde_json::Value, group: bool) -> Result<crate::providers::Mentions, i64> {
    let Some(frozen) = variables.get(MENTIONS_VARIABLE).filter(|_| group) else {
        return Ok(Default::default());
    };
    if let Some(people) = frozen.get("tooMany").and_then(|v| v.as_i64()) {
        return Err(people);
    }
    Ok(serde_json::from_value(frozen.clone()).unwrap_or_default())
}

/// Why a message that would @-mention `people` is not sent.
pub fn too_many_mentions(people: i64) -> String {
    format!(
        "the channel is set to @-mention the notice's audience, and {people} people are more than one \
         group message mentions ({MAX_MENTIONS}); set its mention to nobody or @everyone, or narrow \
         the audience, and send again"
    )
}

/// The contact address kinds a channel of `kind` with these stored `settings` @-mentions its
/// notice's audience by (a robot whose `mention` is [`MENTION_AUDIENCE`]); empty when it
/// mentions no one by name.
pub fn mentions_audience_by(kind: ChannelKind, settings: &serde_json::Value) -> &'static [&'static str] {
    match find(kind.as_str()) {
        Some(k) if settings.get("mention").and_then(|v| v.as_str()) == Some(MENTION_AUDIENCE) => k.mentions_by(),
        _ => &[],
    }
}

/// The kind stored or typed as `id`: a registry kind, or the sandbox, which the app makes
/// itself. `None` for an id no kind has.
pub fn kind_named(id: &str) -> Option<ChannelKind> {
    if let Some(described) = find(id) {
        return Some(described.kind());
    }
    (id.trim() == ChannelKind::SANDBOX.as_str()).then_some(ChannelKind::SANDBOX)
}

/// Who messages on a channel of `kind` go to: from its description; the kinds the app makes
/// itself (the sandbox, a webhook) take anyone.
pub fn recipients_of(kind: ChannelKind) -> Recipients {
    find(kind.as_str()).map_or(Recipients::Anyone, |k| k.recipients())
}

/// The contact address kind a channel of `kind` sends to (`None`: anyone, or a group).
pub fn address_kind(kind: ChannelKind) -> Option<&'static str> {
    match recipients_of(kind) {
        Recipients::Person(address) => Some(address),
        Recipients::Anyone | Recipients::Group => None,
    }
}

/// Whether a channel of `kind` posts into a group chat: one delivery per run.
pub fn is_group(kind: ChannelKind) -> bool {
    recipients_of(kind) == Recipients::Group
}

/// Whether a kind's concurrency is the most it can carry (an SMTP pool's connections): a
/// channel may lower it, not raise it. A webhook's is only a default a channel may change.
pub fn concurrency_is_a_ceiling(kind: ChannelKind) -> bool {
    kind == ChannelKind::SMTP
}

/// Whether a channel kind renders the body as Markdown (so values put into it are escaped).
pub fn reads_markdown(kind: ChannelKind) -> bool {
    find(kind.as_str()).is_some_and(|k| matches!(k.format(), Format::Markdown { .. } | Format::Email))
}

/// The address kind of every channel kind, as a JSON object for the store's fan-out and
/// fallback queries: kinds absent take any address; group kinds map to `group`, which no
/// contact address has, so per-person queries never pick them.
pub fn address_kinds_json() -> String {
    let map: serde_json::Map<String, serde_json::Value> = all()
        .iter()
        .filter_map(|k| match k.recipients() {
            Recipients::Person(address) => Some((k.id().to_owned(), address.into())),
            Recipients::Group => Some((k.id().to_owned(), "group".into())),
            Recipients::Anyone => None,
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// A provider's HTTP client (`providers::http::client`); a client that cannot be made is a
/// refusal of `field`, the setting the kind builds it for.
pub fn http_client(timeout: std::time::Duration, field: &str) -> Result<reqwest::Client, FieldError> {
    crate::providers::http::client(timeout).map_err(|_| {
        FieldError::new(
            "setting_invalid",
            field,
            Text {
                zh: "无法建立连接设置",
                en: "the HTTP client could not be set up",
            },
        )
    })
}

/// A batch's messages grouped by what was rendered (subject and body), each group the
/// indexes of its messages in batch order: the app kinds send one text to many people per
/// call, and a text shared by a thousand people is made for the platform once.
pub fn same_messages(batch: &[crate::providers::Outgoing]) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<(&str, &str), Vec<usize>> = std::collections::BTreeMap::new();
    for (i, m) in batch.iter().enumerate() {
        groups.entry((&m.subject, &m.body)).or_default().push(i);
    }
    groups.into_values().collect()
}

/// An app kind's `api-base` setting (its platform's public endpoint unless set), without a
/// trailing slash so paths can be joined to it.
pub fn api_base(values: &Values, default: &str) -> Result<reqwest::Url, FieldError> {
    let base = values.get("api-base").unwrap_or(default);
    reqwest::Url::parse(base.trim_end_matches('/')).map_err(|_| {
        FieldError::new(
            "setting_invalid",
            "api-base",
            Text {
                zh: "不是网址",
                en: "is not an address",
            },
        )
    })
}

/// A kind's id as the CLI spells it: `dingtalk-robot`.
pub fn cli_name(kind: &dyn Kind) -> String {
    kind.id().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_described_whole_and_found_by_either_spelling() {
        for kind in all() {
            assert!(find(kind.id()).is_some());
            assert!(find(&cli_name(*kind)).is_some());
            assert!(!kind.label().zh.is_empty() && !kind.label().en.is_empty());
            for field in kind.fields() {
                assert!(
                    !field.label.zh.is_empty() && !field.label.en.is_empty(),
                    "{}",
                    field.key
                );
                assert!(!field.help.zh.is_empty() && !field.help.en.is_empty(), "{}", field.key);
                assert!(
                    field.key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{} is not a flag name",
                    field.key
                );
            }
        }
    }
}
