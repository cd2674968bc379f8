//! Everything secret about one channel (its signing secret, its secret headers' and URL query
//! parameters' values, a described kind's secret settings) as one secret-store entry, so that an edit replaces
//! all of it at once.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::SecretError;

/// One channel's secrets. `Debug` shows which there are, never their values.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelSecrets {
    /// The Standard Webhooks signing secret (`whsec_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<String>,
    /// Values of credential headers, by header name as configured.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Values of a webhook URL's secret query parameters (`access_token`, `key`…), by name
    /// (`name#2` for a second occurrence); the stored URL holds a mask in their place.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// An SMTP account's password as versions before e-mail became a described kind kept it;
    /// read into `fields["password"]`, never written.
    #[serde(default, rename = "password", skip_serializing)]
    pub(crate) legacy_password: Option<String>,
    /// The secret settings of a kind described by its schema (`crate::channels`), by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ChannelSecrets {
    /// Nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.signing.is_none() && self.headers.is_empty() && self.query.is_empty() && self.fields.is_empty()
    }

    /// Reads an entry. Versions before credential headers moved here stored the bare signing
    /// secret; a `whsec_…`/base64 secret never starts with `{`, so the two cannot be confused.
    pub fn decode(key: &str, text: &str) -> Result<ChannelSecrets, SecretError> {
        if !text.trim_start().starts_with('{') {
            return Ok(ChannelSecrets {
                signing: Some(text.to_owned()),
                ..Default::default()
            });
        }
        // serde's message could quote a value, so it is not passed on.
        let mut secrets: ChannelSecrets = serde_json::from_str(text).map_err(|_| SecretError::Entry {
            key: key.to_owned(),
            detail: "it is not the JSON Herald writes".into(),
        })?;
        if let Some(password) = secrets.legacy_password.take() {
            secrets.fields.entry("password".into()).or_insert(password);
        }
        Ok(secrets)
    }

    /// The entry's text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings serialises")
    }
}

impl fmt::Debug for ChannelSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelSecrets")
            .field("signing", &self.signing.is_some())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("query", &self.query.keys().collect::<Vec<_>>())
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_bare_legacy_secrets_are_the_signing_secret() {
        let mut s = ChannelSecrets {
            signing: Some("whsec_c2VjcmV0".into()),
            ..Default::default()
        };
        s.headers.insert("Authorization".into(), "Bearer t0ps3cret".into());
        assert_eq!(ChannelSecrets::decode("k", &s.encode()).unwrap(), s);
        let legacy = ChannelSecrets::decode("k", "whsec_c2VjcmV0").unwrap();
        assert_eq!(legacy.signing.as_deref(), Some("whsec_c2VjcmV0"));
        assert!(legacy.headers.is_empty());
        assert!(!format!("{s:?}").contains("t0ps3cret"));
        let e = ChannelSecrets::decode("k", "{\"signing\": 5, \"x\": \"t0ps3cret\"}").unwrap_err();
        assert!(!e.to_string().contains("t0ps3cret"), "{e}");
        assert!(ChannelSecrets::default().is_empty());
    }

    #[test]
    fn an_smtp_password_of_an_earlier_version_is_read_as_the_password_setting() {
        let s = ChannelSecrets::decode("k", "{\"password\": \" pass word \"}").unwrap();
        assert_eq!(s.fields.get("password").map(String::as_str), Some(" pass word "));
        assert_eq!(s.encode(), "{\"fields\":{\"password\":\" pass word \"}}");
    }
}
