//! Channel kinds, one module each under [`kinds`], and what they share: the settings schema
//! ([`schema`]), the description every kind gives of itself ([`Kind`]) and the HTTP plumbing
//! of the providers that call web APIs ([`http`]).
//!
//! The registry ([`all`], [`find`]) is the one list of the kinds made this way; the store,
//! the CLI, the Tauri shell and the UI handle their channels generically from it.

pub mod http;
mod kind;
pub mod kinds;
pub mod schema;

pub use kind::{Dialect, Format, Kind, KindInfo, Platform, Recipients};
pub use schema::{Field, FieldError, FieldType, Text, Values};

/// Every kind described by the registry, in the order the kind picker shows them.
pub fn all() -> &'static [&'static dyn Kind] {
    kinds::ALL
}

/// The kind stored or typed as `id` (`dingtalk_robot`, or `dingtalk-robot` as the CLI spells it).
pub fn find(id: &str) -> Option<&'static dyn Kind> {
    let id = id.trim().replace('-', "_");
    all().iter().copied().find(|k| k.id() == id)
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
