//! Platform ids looked up by mobile for contacts that lack them (`herald contacts link-ids`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One contact whose lookup gave an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LinkedContact {
    #[ts(type = "number")]
    pub contact_id: i64,
    pub name: String,
    /// The id found; `None` when the platform has nobody with this mobile.
    pub id: Option<String>,
    /// Why the lookup failed (the platform's refusal, the network), if it did.
    pub error: Option<String>,
}

/// What a lookup found, and what was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LinkIdsReport {
    pub channel: String,
    /// The contact address kind filled in (`wecom` …).
    pub address_kind: String,
    pub dry_run: bool,
    /// Every contact that had a mobile and no id of this kind, with what the lookup said.
    pub contacts: Vec<LinkedContact>,
    #[ts(type = "number")]
    pub found: u64,
    #[ts(type = "number")]
    pub not_found: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// Ids stored (0 for a dry run).
    #[ts(type = "number")]
    pub stored: u64,
}
