//! Audiences: who a notice goes to, written as a spec (`spec.rs`) that names groups, rule
//! segments (`rule.rs`), contacts and exclusions, and is resolved to a condition on contacts
//! when a run fans out (`resolve.rs`), so a segment takes in whoever matches on that day.

pub mod resolve;
pub mod rule;
pub mod spec;

use thiserror::Error;

pub use resolve::{resolve, Groups};
pub use spec::{Audience, GroupRef, Item};

/// An audience spec or rule that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum AudienceError {
    #[error(
        "the audience `{spec}` is not understood: use all, group:NAME, contacts:ID,ID, rule:CONDITIONS, joined by `;`, with `-` before what to leave out"
    )]
    Unknown { spec: String },
    #[error("the audience lists `{item}`, which is not an id")]
    BadId { item: String },
    #[error("the audience names contact ids that do not exist: {ids}")]
    Missing { ids: String },
    #[error("the audience is empty")]
    Empty,
    #[error("there is no group or segment named {name}")]
    UnknownGroup { name: String },
    #[error("segments use each other in a circle: {names}")]
    Cycle { names: String },
    #[error("{0}")]
    Rule(String),
}
