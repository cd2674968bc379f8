//! Everything secret about one channel (its signing secret, its secret headers' and URL query
//! parameters' values, a described kind's secret settings) as one secret-store entry, so that an edit replaces
//! all of it at once.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::SecretError;

/// One channel's secrets: a described kind's secret settings by key, and the secret parts of
/// its composite settings (`headers.Authorization`, `url.access_token`). `Debug` shows which
/// there are, never their values.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelSecrets {
    /// A webhook's signing secret as versions before the webhook became a described kind kept
    /// it; read into `fields["secret"]`, never written.
    #[serde(default, rename = "signing", skip_serializing)]
    legacy_signing: Option<String>,
    /// A webhook's secret header values as earlier versions kept them; read into
    /// `fields["headers.NAME"]`, never written.
    #[serde(default, rename = "headers", skip_serializing)]
    legacy_headers: BTreeMap<String, String>,
    /// A webhook URL's secret query values as earlier versions kept them; read into
    /// `fields["url.NAME"]`, never written.
    #[serde(default, rename = "query", skip_serializing)]
    legacy_query: BTreeMap<String, String>,
    /// An SMTP account's password as versions before e-mail became a described kind kept it;
    /// read into `fields["password"]`, never written.
    #[serde(default, rename = "password", skip_serializing)]
    pub(crate) legacy_password: Option<String>,
    /// The secret settings of a kind described by its schema (`crate::channels`), by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ChannelSecrets {
    /// An entry of these secret settings.
    pub fn of(fields: BTreeMap<String, String>) -> ChannelSecrets {
        ChannelSecrets {
            fields,
            ..Default::default()
        }
    }

    /// Nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Reads an entry. Versions before credential headers moved here stored the bare signing
    /// secret; a `whsec_…`/base64 secret never starts with `{`, so the two cannot be confused.
    /// What earlier versions kept under names of their own is read as the settings it is.
    pub fn decode(key: &str, text: &str) -> Result<ChannelSecrets, SecretError> {
        if !text.trim_start().starts_with('{') {
            return Ok(ChannelSecrets::of(BTreeMap::from([(
                "secret".to_owned(),
                text.to_owned(),
            )])));
        }
        // serde's message could quote a value, so it is not passed on.
        let mut secrets: ChannelSecrets = serde_json::from_str(text).map_err(|_| SecretError::Entry {
            key: key.to_owned(),
            detail: "it is not the JSON Herald writes".into(),
        })?;
        if let Some(password) = secrets.legacy_password.take() {
            secrets.fields.entry("password".into()).or_insert(password);
        }
        if let Some(signing) = secrets.legacy_signing.take() {
            secrets.fields.entry("secret".into()).or_insert(signing);
        }
        for (name, value) in std::mem::take(&mut secrets.legacy_headers) {
            secrets.fields.entry(format!("headers.{name}")).or_insert(value);
        }
        for (name, value) in std::mem::take(&mut secrets.legacy_query) {
            secrets.fields.entry(format!("url.{name}")).or_insert(value);
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
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_bare_legacy_secrets_are_the_signing_secret() {
        let mut s = ChannelSecrets::default();
        s.fields.insert("secret".into(), "whsec_c2VjcmV0".into());
        s.fields
            .insert("headers.Authorization".into(), "Bearer t0ps3cret".into());
        assert_eq!(ChannelSecrets::decode("k", &s.encode()).unwrap(), s);
        let legacy = ChannelSecrets::decode("k", "whsec_c2VjcmV0").unwrap();
        assert_eq!(legacy.fields.get("secret").map(String::as_str), Some("whsec_c2VjcmV0"));
        assert_eq!(legacy.fields.len(), 1);
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

    #[test]
    fn a_webhooks_secrets_of_an_earlier_version_are_read_as_its_settings() {
        let s = ChannelSecrets::decode(
            "k",
            "{\"signing\": \"whsec_c2VjcmV0\", \"headers\": {\"X-Tenant\": \"t\"}, \"query\": {\"access_token\": \"q\", \"key#2\": \"k\"}}",
        )
        .unwrap();
        let keys: Vec<&str> = s.fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["headers.X-Tenant", "secret", "url.access_token", "url.key#2"]);
        assert_eq!(s.fields["url.access_token"], "q");
        assert!(!s.encode().contains("signing"));
    }
}
