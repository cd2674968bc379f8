//! Files sent with a notice.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A file attached to a notice. Herald keeps its own copy in the data directory from the
/// moment the notice is saved, so moving or editing the original changes nothing that is
/// sent, and a notice sent again next month carries the same file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NoticeAttachment {
    /// The file name recipients see, e.g. `考场安排.pdf`.
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// e.g. `application/pdf`.
    pub content_type: String,
    /// Herald's copy, relative to the data directory.
    pub file: String,
}
