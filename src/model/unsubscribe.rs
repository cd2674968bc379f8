//! Opt-out requests that came back by e-mail, matched to contacts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One contact an unsubscribe request names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnsubscribeMatch {
    #[ts(type = "number")]
    pub contact_id: i64,
    pub name: String,
    pub external_id: Option<String>,
    pub address: String,
    /// Already opted out of e-mail before this request.
    pub already: bool,
}

/// What a pasted batch of unsubscribe requests comes to, before or after recording it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnsubscribeReport {
    /// Contacts found by the addresses, in the order the addresses came.
    pub matched: Vec<UnsubscribeMatch>,
    /// Addresses in the text that no contact has.
    pub unknown: Vec<String>,
    /// Herald's own sending addresses found in the text (pasted mail headers name them): left alone.
    pub own: Vec<String>,
    /// Whether the opt-outs were recorded (false: a look only).
    pub applied: bool,
    /// How many contacts were newly opted out of e-mail (0 when not applied).
    pub opted_out: u32,
}
