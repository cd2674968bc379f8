//! E-mail (SMTP) channels as both faces show them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What is needed to add an e-mail channel. The password goes to the secret store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NewSmtpChannel {
    pub name: String,
    pub host: String,
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub security: String,
    #[ts(optional)]
    pub username: Option<String>,
    #[ts(optional)]
    pub password: Option<String>,
    pub from_address: String,
    #[ts(optional)]
    pub from_name: Option<String>,
    #[ts(optional)]
    pub reply_to: Option<String>,
    /// A CA certificate (PEM text) to trust instead of the public roots.
    #[ts(optional)]
    pub ca_pem: Option<String>,
    #[ts(optional)]
    pub pool_size: Option<u32>,
    #[ts(optional)]
    pub timeout_ms: Option<u32>,
    /// Rate limits and retry policy (mail servers often allow only so many messages a minute).
    #[ts(optional)]
    pub limits: Option<super::ChannelLimits>,
}

/// An e-mail channel's settings as shown for editing: never the password, only whether
/// there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SmtpChannelConfig {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: Option<String>,
    pub has_password: bool,
    pub from_address: String,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub has_ca: bool,
    pub pool_size: u32,
    pub timeout_ms: u32,
}

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

/// Changes to an e-mail channel; absent fields stay as they are. An empty `username` turns
/// the login off (and forgets the password); an empty `fromName`, `replyTo` or `caPem` clears
/// it. A new `password` replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UpdateSmtpChannel {
    #[ts(optional)]
    pub host: Option<String>,
    #[ts(optional)]
    pub port: Option<u16>,
    #[ts(optional)]
    pub security: Option<String>,
    #[ts(optional)]
    pub username: Option<String>,
    #[ts(optional)]
    pub password: Option<String>,
    #[ts(optional)]
    pub from_address: Option<String>,
    #[ts(optional)]
    pub from_name: Option<String>,
    #[ts(optional)]
    pub reply_to: Option<String>,
    #[ts(optional)]
    pub ca_pem: Option<String>,
    #[ts(optional)]
    pub pool_size: Option<u32>,
    #[ts(optional)]
    pub timeout_ms: Option<u32>,
    #[ts(optional)]
    pub limits: Option<super::ChannelLimits>,
}
