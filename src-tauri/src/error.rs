//! The one error every command returns: a stable `code` the UI maps to its own words, and
//! the core's message (which never carries a secret).

use serde::Serialize;
use ts_rs::TS;

/// A command's failure, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<herald::Error> for CommandError {
    fn from(e: herald::Error) -> Self {
        CommandError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// Result of a command.
pub type CmdResult<T> = Result<T, CommandError>;
