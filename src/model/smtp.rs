//! What a channel test sends back, and a described kind's channel as its form shows it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a test message did: the server's reply, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelTestResult {
    pub ok: bool,
    /// The server's reply (`250 2.0.0 Ok: queued as …`) or the reason it failed.
    pub reply: String,
}

/// A channel of a kind described by its schema (`crate::channels`), as its form shows it for
/// editing: public settings with their values, secret ones only as set or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KindChannelConfig {
    pub name: String,
    pub kind: String,
    #[ts(type = "Record<string, unknown>")]
    pub settings: std::collections::BTreeMap<String, serde_json::Value>,
    pub secrets_set: Vec<String>,
}
