//! The one error every command returns: a stable `code` the UI maps to its own words, and
//! the core's message (which never carries a secret).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

/// A command's failure, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    /// The values the UI fills into its own text for `code` (a size, a limit, a row…).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub params: Option<BTreeMap<String, String>>,
}

impl CommandError {
    /// A failure of the shell itself, with no values for the UI's text.
    pub fn new(code: &str, message: String) -> CommandError {
        CommandError {
            code: code.to_owned(),
            message,
            params: None,
        }
    }
}

impl From<herald::Error> for CommandError {
    fn from(e: herald::Error) -> Self {
        let params = e.params();
        CommandError {
            code: e.code().to_owned(),
            message: e.to_string(),
            params: (!params.is_empty()).then(|| params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        }
    }
}

/// Result of a command.
pub type CmdResult<T> = Result<T, CommandError>;
