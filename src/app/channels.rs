//! Webhook channels: adding, editing and showing them, and where their secrets live.
//!
//! A channel's secrets (the signing secret, the values of secret headers and of the URL's
//! secret query parameters) are one entry
//! in the secret store, under a key that is new for every change; the channel row points at
//! it (`secret_ref`). The new entry is written first and the row switched to it in one
//! UPDATE, so a crash or a reader in another process sees the old configuration or the new
//! one, never settings from one and secrets from the other. The old entry goes afterwards.

use std::collections::{BTreeMap, BTreeSet};

use super::{trimmed, App};
use crate::audit;
use crate::model::{Channel, ChannelKind, NewWebhookChannel, UpdateWebhookChannel, WebhookChannelConfig};
use crate::providers::webhook::{
    restore_masked_query, same_origin, Credentials, SigningKey, Webhook, WebhookMethod, WebhookSettings, MASKED,
};
use crate::secrets::{ChannelSecrets, SecretStore};
use crate::store::{ChannelConfigRow, Store, StoreError};
use crate::{Error, Result};

/// A webhook channel as stored, with its secrets loaded and its headers whole again.
pub(super) struct LoadedWebhook {
    pub row: ChannelConfigRow,
    /// Every header with its value (`secret_headers` is empty).
    pub settings: WebhookSettings,
    pub secrets: ChannelSecrets,
    /// Secret headers whose values the secret store has lost (left out of `settings`).
    pub missing: BTreeSet<String>,
    /// Secret query parameters whose values the secret store has lost (left masked).
    pub missing_query: BTreeSet<String>,
}

/// The webhook part of a channel's secret-store entry.
fn credentials_of(secrets: &ChannelSecrets) -> Credentials {
    Credentials {
        headers: secrets.headers.clone(),
        query: secrets.query.clone(),
    }
}

fn missing_query_error(name: &str) -> Error {
    Error::Invalid(format!(
        "url: the value of its query parameter {name} is missing from the secret store: type the whole URL again"
    ))
}

/// Header names marked secret must be among the headers given.
fn marked_secret(headers: &BTreeMap<String, String>, marked: Option<Vec<String>>) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for name in marked.unwrap_or_default() {
        let found = headers.keys().find(|k| k.trim().eq_ignore_ascii_case(name.trim()));
        match found {
            Some(k) => {
                names.insert(k.clone());
            }
            None => {
                return Err(Error::Invalid(format!(
                    "headers.{}: marked secret, but no such header is given",
                    name.trim()
                )))
            }
        }
    }
    Ok(names)
}

fn invalid(e: impl ToString) -> Error {
    Error::Invalid(e.to_string())
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(invalid)
}

fn missing_header(name: &str) -> Error {
    Error::Invalid(format!(
        "headers.{name}: its value is missing from the secret store: set the header again or remove it"
    ))
}

/// Reads a channel's configuration and secrets, ready to build its provider: anything
/// missing from the secret store is an error.
pub(super) async fn load_webhook(store: &Store, secrets: &dyn SecretStore, channel_id: i64) -> Result<LoadedWebhook> {
    let loaded = load_for_edit(store, secrets, channel_id).await?;
    if loaded.row.secret_ref.is_some() && loaded.secrets.is_empty() {
        return Err(Error::Invalid(
            "its secrets are missing from the secret store: set the signing secret and credential headers again".into(),
        ));
    }
    if let Some(name) = loaded.missing.iter().next() {
        return Err(missing_header(name));
    }
    match loaded.missing_query.iter().next() {
        Some(name) => Err(missing_query_error(name)),
        None => Ok(loaded),
    }
}

/// A channel's row and its secrets as the secret store has them (empty if it lost them). A
/// reader racing an edit in another process may find its entry just deleted; it reads the
/// row again rather than take it as lost.
pub(super) async fn load_channel_secrets(
    store: &Store,
    secrets: &dyn SecretStore,
    channel_id: i64,
) -> Result<(ChannelConfigRow, ChannelSecrets)> {
    let mut row = store.channel_config(channel_id).await?;
    let mut found = None;
    for _ in 0..3 {
        found = match &row.secret_ref {
            None => Some(ChannelSecrets::default()),
            Some(key) => secrets
                .get(key)?
                .map(|text| ChannelSecrets::decode(key, &text))
                .transpose()?,
        };
        if found.is_some() {
            break;
        }
        let again = store.channel_config(channel_id).await?;
        if again.secret_ref == row.secret_ref {
            break;
        }
        row = again;
    }
    Ok((row, found.unwrap_or_default()))
}

/// Reads a webhook's configuration and whatever the secret store still has of its secrets,
/// so that an edit can set lost ones again.
async fn load_for_edit(store: &Store, secrets: &dyn SecretStore, channel_id: i64) -> Result<LoadedWebhook> {
    let (row, channel_secrets) = load_channel_secrets(store, secrets, channel_id).await?;
    let stored = WebhookSettings::from_json(&row.settings).map_err(invalid)?;
    let (settings, missing) = stored.with_available_credentials(&credentials_of(&channel_secrets));
    Ok(LoadedWebhook {
        row,
        settings,
        secrets: channel_secrets,
        missing: missing.headers.into_keys().collect(),
        missing_query: missing.query.into_keys().collect(),
    })
}

/// The checks a channel must pass to be stored: exactly those of building its provider, so
/// adding and editing cannot disagree.
fn check(name: &str, settings: &WebhookSettings, secret: Option<&str>) -> Result<()> {
    Webhook::new(name, settings.clone(), secret.map(str::to_owned))
        .map(drop)
        .map_err(invalid)
}

/// Applies `--remove-header`s and `--header`s (names ignore case, as in HTTP). `lost` are
/// credential headers whose values the secret store no longer has: removing or setting one
/// settles it.
fn edit_headers(
    headers: &mut BTreeMap<String, String>,
    lost: &mut BTreeSet<String>,
    set: BTreeMap<String, String>,
    remove: Vec<String>,
) -> Result<()> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    for name in &remove {
        if set.keys().any(|k| same(k, name)) {
            return Err(Error::Invalid(format!(
                "headers.{}: is both set and removed",
                name.trim()
            )));
        }
        let before = lost.len();
        lost.retain(|k| !same(k, name));
        let key = headers.keys().find(|k| same(k, name)).cloned();
        match key {
            Some(key) => {
                headers.remove(&key);
            }
            None if lost.len() < before => {}
            None => {
                return Err(Error::Invalid(format!(
                    "headers.{}: the channel has no such header",
                    name.trim()
                )))
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (name, value) in set {
        if !seen.insert(name.trim().to_ascii_lowercase()) {
            return Err(Error::Invalid(format!(
                "headers.{}: is set twice (header names ignore case)",
                name.trim()
            )));
        }
        lost.retain(|k| !same(k, &name));
        headers.retain(|k, _| !same(k, &name));
        headers.insert(name.trim().to_owned(), value);
    }
    Ok(())
}

/// What an edit changes, by field name, for the audit log (names only, never values).
fn changed_fields(
    old: &LoadedWebhook,
    new: &WebhookSettings,
    secrets: &ChannelSecrets,
    limits: &serde_json::Value,
) -> Vec<&'static str> {
    let before = &old.settings;
    [
        ("url", before.url != new.url),
        ("method", before.method != new.method),
        (
            "headers",
            before.headers != new.headers || before.secret_headers != new.secret_headers,
        ),
        ("bodyTemplate", before.body_template != new.body_template),
        ("timeoutMs", before.timeout_ms != new.timeout_ms),
        ("signing", before.signing != new.signing),
        ("secret", old.secrets.signing != secrets.signing),
        ("limits", &old.row.limits != limits),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

fn new_secret_key() -> String {
    format!("channel-secrets-{:016x}", rand::random::<u64>())
}

impl App {
    /// Writes a channel's secrets under a fresh key; `None` when there are none.
    pub(super) fn put_channel_secrets(&self, secrets: &ChannelSecrets) -> Result<Option<String>> {
        if secrets.is_empty() {
            return Ok(None);
        }
        let key = new_secret_key();
        self.secrets.set(&key, &secrets.encode())?;
        Ok(Some(key))
    }

    /// Stores a new channel: its secrets first (a new entry), then the row pointing at them;
    /// if the row cannot be written, the entry goes again.
    pub(super) async fn insert_channel_with_secrets(
        &self,
        name: &str,
        kind: ChannelKind,
        settings: &serde_json::Value,
        limits: &serde_json::Value,
        secrets: &ChannelSecrets,
        audit: crate::store::AuditEntry,
    ) -> Result<Channel> {
        let secret_ref = self.put_channel_secrets(secrets)?;
        let inserted = self
            .store
            .audited(audit)
            .insert_configured_channel(name, kind, settings, limits, secret_ref.as_deref())
            .await;
        if inserted.is_err() {
            self.drop_channel_secrets(secret_ref.as_deref());
        }
        Ok(inserted?)
    }

    /// Switches a channel to new settings and secrets: changed secrets go to a new entry, one
    /// UPDATE that expects the `updated_at` that was read switches the row to it, and the entry
    /// no longer pointed at is deleted last. A concurrent edit is a `Conflict` to repeat.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn replace_channel_with_secrets(
        &self,
        channel: &Channel,
        row: &ChannelConfigRow,
        settings: &serde_json::Value,
        limits: &serde_json::Value,
        old: &ChannelSecrets,
        new: &ChannelSecrets,
        audit: crate::store::AuditEntry,
    ) -> Result<()> {
        let fresh = new != old;
        let secret_ref = if fresh {
            self.put_channel_secrets(new)?
        } else {
            row.secret_ref.clone()
        };
        let written = self
            .store
            .audited(audit)
            .replace_channel_config(channel.id, &row.updated_at, settings, limits, secret_ref.as_deref())
            .await;
        match written {
            Ok(true) if fresh => self.drop_channel_secrets(row.secret_ref.as_deref()),
            Ok(true) => {}
            Ok(false) | Err(_) if fresh => self.drop_channel_secrets(secret_ref.as_deref()),
            _ => {}
        }
        if !written? {
            return Err(StoreError::Conflict(format!(
                "the channel {} was changed elsewhere during this edit; look at it again and repeat the edit",
                channel.name
            ))
            .into());
        }
        Ok(())
    }

    /// Deletes an entry no channel points at any more; failing leaves only an unused entry.
    pub(super) fn drop_channel_secrets(&self, key: Option<&str>) {
        if let Some(key) = key {
            if let Err(e) = self.secrets.delete(key) {
                tracing::warn!("cannot delete the unused secret {key}: {e}");
            }
        }
    }

    /// The channel of this name if it is of `kind` (`what` names that kind for people), or an
    /// error naming what it is instead.
    pub(super) async fn channel_of_kind(&self, name: &str, kind: ChannelKind, what: &str) -> Result<Channel> {
        let channel = self.channel_by_name(name).await?;
        if channel.kind != kind {
            return Err(Error::Invalid(format!(
                "{name} is a {} channel, not {what}",
                channel.kind.as_str()
            )));
        }
        Ok(channel)
    }

    /// Adds a generic webhook channel. Its signing secret, the values of its secret headers
    /// (credential-looking names and those marked secret) and of its URL's secret query
    /// parameters go to the secret store; the database keeps only their names.
    pub async fn add_webhook_channel(&self, input: NewWebhookChannel) -> Result<Channel> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("the channel's name is empty".into()));
        }
        let mut settings = WebhookSettings::new(input.url.trim());
        if let Some(m) = input.method.as_deref() {
            settings.method = WebhookMethod::parse(m).map_err(invalid)?;
        }
        settings.headers = input.headers.unwrap_or_default();
        settings.secret_headers = marked_secret(&settings.headers, input.secret_headers)?;
        settings.body_template = trimmed(input.body_template);
        if let Some(t) = input.timeout_ms {
            settings.timeout_ms = t.into();
        }
        let secret = trimmed(input.secret);
        settings.signing = secret.is_some();
        check(name, &settings, secret.as_deref())?;
        let (stored, values) = settings.split_credentials();
        let secrets = ChannelSecrets {
            signing: secret,
            headers: values.headers,
            query: values.query,
            ..Default::default()
        };
        let json = to_json(&stored)?;
        let limits = to_json(&input.limits.unwrap_or_default())?;
        let entry = audit::entry(
            &self.actor,
            "channel.add",
            "channel",
            None,
            serde_json::json!({"name": name, "kind": "webhook", "url": stored.url,
                "signed": stored.signing, "secretHeaders": stored.secret_headers,
                "secretQuery": stored.secret_query}),
        );
        self.insert_channel_with_secrets(name, ChannelKind::WEBHOOK, &json, &limits, &secrets, entry)
            .await
    }

    /// Changes a webhook channel: URL, method, headers, body, timeout, signing, limits, and
    /// a new signing secret (the old one stops working at once) or none. Checked as a new
    /// channel is; a running dispatcher rebuilds the channel's provider because `updated_at`
    /// moves on.
    pub async fn update_webhook_channel(&self, name: &str, input: UpdateWebhookChannel) -> Result<Channel> {
        let channel = self.channel_of_kind(name, ChannelKind::WEBHOOK, "a webhook").await?;
        let old = load_for_edit(&self.store, self.secrets.as_ref(), channel.id).await?;
        let mut settings = old.settings.clone();
        let mut lost = old.missing.clone();
        match input.url {
            // A URL given as shown (its secret values masked) keeps the stored values.
            Some(url) => {
                if url.contains(MASKED) && !same_origin(&url, &old.settings.url) {
                    return Err(Error::Invalid(format!(
                        "url: {MASKED} keeps the stored values only while the URL goes to the same host; \
                         type the whole new URL with its values"
                    )));
                }
                settings.url = restore_masked_query(url.trim(), &old.secrets.query).map_err(invalid)?
            }
            None => {
                if let Some(name) = old.missing_query.iter().next() {
                    return Err(missing_query_error(name));
                }
            }
        }
        if let Some(m) = input.method.as_deref() {
            settings.method = WebhookMethod::parse(m).map_err(invalid)?;
        }
        edit_headers(
            &mut settings.headers,
            &mut lost,
            input.headers.unwrap_or_default(),
            input.remove_headers.unwrap_or_default(),
        )?;
        if let Some(name) = lost.iter().next() {
            return Err(missing_header(name));
        }
        // A header once secret stays secret while it exists; more may be marked.
        let marked = marked_secret(&settings.headers, input.secret_headers)?;
        let present = settings.headers.clone();
        settings
            .secret_headers
            .retain(|n| present.keys().any(|k| k.trim().eq_ignore_ascii_case(n.trim())));
        for name in marked {
            settings
                .secret_headers
                .retain(|n| !n.trim().eq_ignore_ascii_case(name.trim()));
            settings.secret_headers.insert(name);
        }
        if let Some(t) = input.body_template {
            settings.body_template = trimmed(Some(t));
        }
        if let Some(t) = input.timeout_ms {
            settings.timeout_ms = t.into();
        }
        let new_secret = trimmed(input.secret);
        let remove = input.remove_secret.unwrap_or(false);
        if remove && new_secret.is_some() {
            return Err(Error::Invalid(
                "secret: give a new secret or remove it, not both".into(),
            ));
        }
        if let Some(s) = &new_secret {
            // Checked even with signing off: it is kept to be used later.
            SigningKey::from_secret(s).map_err(|e| Error::Invalid(format!("secret: {e}")))?;
        }
        settings.signing = input.signing.unwrap_or(match (&new_secret, remove) {
            (Some(_), _) => true,
            (None, true) => false,
            (None, false) => settings.signing,
        });
        let signing_secret = if remove {
            None
        } else {
            new_secret.or_else(|| old.secrets.signing.clone())
        };
        check(name, &settings, signing_secret.as_deref())?;
        let limits = match input.limits {
            Some(l) => to_json(&l)?,
            None => old.row.limits.clone(),
        };
        let (stored, values) = settings.clone().split_credentials();
        let secrets = ChannelSecrets {
            signing: signing_secret,
            headers: values.headers,
            query: values.query,
            ..Default::default()
        };
        let changes = changed_fields(&old, &settings, &secrets, &limits);
        if changes.is_empty() {
            return Ok(channel);
        }
        let secret = match (&old.secrets.signing, &secrets.signing) {
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a != b => "replaced",
            (Some(_), Some(_)) => "kept",
            (None, Some(_)) => "set",
            (None, None) => "none",
        };
        let entry = audit::entry(
            &self.actor,
            "channel.update",
            "channel",
            Some(channel.id),
            serde_json::json!({"name": name, "changes": changes, "url": stored.url, "signed": stored.signing,
                "secret": secret, "secretHeaders": stored.secret_headers, "secretQuery": stored.secret_query}),
        );
        self.replace_channel_with_secrets(
            &channel,
            &old.row,
            &to_json(&stored)?,
            &limits,
            &old.secrets,
            &secrets,
            entry,
        )
        .await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_channel(channel.id).await?)
    }

    /// A webhook channel's configuration, secrets only named.
    pub async fn webhook_channel_config(&self, name: &str) -> Result<WebhookChannelConfig> {
        let channel = self.channel_of_kind(name, ChannelKind::WEBHOOK, "a webhook").await?;
        let row = self.store.channel_config(channel.id).await?;
        let stored = WebhookSettings::from_json(&row.settings).map_err(invalid)?;
        // A damaged or missing entry is reported when the channel starts; here it only
        // means there is no usable secret to show as present.
        let has_secret = row
            .secret_ref
            .as_deref()
            .and_then(|key| {
                let text = self.secrets.get(key).ok()??;
                ChannelSecrets::decode(key, &text).ok()
            })
            .is_some_and(|s| s.signing.is_some());
        Ok(WebhookChannelConfig {
            // Masked again: a URL an earlier version stored whole never shows its token.
            url: stored.masked_url(),
            method: serde_json::to_value(stored.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            headers: stored.headers,
            secret_headers: stored.secret_headers.into_iter().collect(),
            secret_query: stored.secret_query.into_iter().collect(),
            body_template: stored.body_template,
            timeout_ms: stored.timeout_ms,
            signing: stored.signing,
            has_secret,
        })
    }

    /// Moves secret values that earlier versions kept in the settings JSON (credential header
    /// values, and URL query parameters such as `access_token`) into the secret store, then
    /// rewrites the database file without them.
    ///
    /// Done when the data directory is opened, not at a channel's next edit: a channel that
    /// is never edited would otherwise keep its token in the database (and in every copy and
    /// backup of it) for good. It runs once; afterwards there is nothing left to move.
    pub(super) async fn move_credential_headers_out(&self) -> Result<()> {
        let mut moved = false;
        for channel in self.store.list_channels().await? {
            if channel.kind != ChannelKind::WEBHOOK {
                continue;
            }
            let row = self.store.channel_config(channel.id).await?;
            // Unreadable settings are reported when the channel's worker starts.
            let Ok(stored) = WebhookSettings::from_json(&row.settings) else {
                continue;
            };
            let (remaining, values) = stored.split_credentials();
            if values.is_empty() {
                continue;
            }
            let mut secrets = match &row.secret_ref {
                Some(key) => match self.secrets.get(key)? {
                    Some(text) => ChannelSecrets::decode(key, &text)?,
                    None => ChannelSecrets::default(),
                },
                None => ChannelSecrets::default(),
            };
            let names: Vec<String> = values.headers.keys().cloned().collect();
            let query: Vec<String> = remaining.secret_query.iter().cloned().collect();
            secrets.headers.extend(values.headers);
            secrets.query.extend(values.query);
            let key = self.put_channel_secrets(&secrets)?;
            let json = to_json(&remaining)?;
            let entry = audit::entry(
                &self.actor,
                "channel.secure_headers",
                "channel",
                Some(channel.id),
                serde_json::json!({"name": channel.name, "headers": names, "query": query}),
            );
            if self
                .store
                .audited(entry)
                .replace_channel_config(channel.id, &row.updated_at, &json, &row.limits, key.as_deref())
                .await?
            {
                self.drop_channel_secrets(row.secret_ref.as_deref());
                moved = true;
            } else {
                // Another process opening the same directory moved them first.
                self.drop_channel_secrets(key.as_deref());
            }
        }
        if moved {
            self.store.scrub_freed_content().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelLimits;
    use crate::AppConfig;

    const TOKEN: &str = "Bearer s3cr3t-t0ken-value";
    const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const NEW: &str = "whsec_bmV3LXNlY3JldC1rZXktMTIz";

    async fn open(dir: &std::path::Path) -> App {
        App::open(AppConfig {
            data_dir: dir.to_owned(),
            face: "test".into(),
        })
        .await
        .unwrap()
    }

    fn hook(url: &str) -> NewWebhookChannel {
        NewWebhookChannel {
            name: "hook".into(),
            url: url.into(),
            headers: Some(map(&[("Authorization", TOKEN), ("X-Team", "office")])),
            secret: Some(OLD.into()),
            ..Default::default()
        }
    }

    async fn everything_stored(app: &App) -> String {
        let mut all = String::new();
        for c in app.list_channels().await.unwrap() {
            let row = app.store.channel_config(c.id).await.unwrap();
            all.push_str(&format!("{} {}", row.settings, row.limits));
        }
        for r in app.store.list_audit().await.unwrap() {
            all.push_str(&r.detail);
        }
        all
    }

    #[tokio::test]
    async fn credential_headers_live_in_the_secret_store_and_an_edit_replaces_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path()).await;
        let c = app.add_webhook_channel(hook("https://example.org/in")).await.unwrap();
        let row = app.store.channel_config(c.id).await.unwrap();
        assert_eq!(row.settings["headers"], serde_json::json!({"X-Team": "office"}));
        assert_eq!(row.settings["secretHeaders"], serde_json::json!(["Authorization"]));
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.headers["Authorization"], TOKEN);
        assert_eq!(loaded.secrets.signing.as_deref(), Some(OLD));

        let edited = app
            .update_webhook_channel(
                "hook",
                UpdateWebhookChannel {
                    url: Some("https://example.org/new".into()),
                    secret: Some(NEW.into()),
                    headers: Some(map(&[("X-Api-Key", "k3y-value-123456")])),
                    limits: Some(ChannelLimits {
                        per_second: Some(7),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(edited.updated_at > c.updated_at);
        assert_eq!(edited.limits.per_second, Some(7));
        let after = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(after.secrets.signing.as_deref(), Some(NEW));
        assert_eq!(after.settings.url, "https://example.org/new");
        assert_eq!(after.settings.headers.len(), 3);
        assert_ne!(after.row.secret_ref, row.secret_ref);
        // The old entry is gone: the old secret is nowhere any more.
        let file = std::fs::read_to_string(dir.path().join("secrets.json")).unwrap();
        assert!(!file.contains(OLD) && file.contains(NEW));
        let stored = everything_stored(&app).await;
        for secret in [TOKEN, OLD, NEW, "k3y-value-123456"] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        assert!(stored.contains("\"secret\":\"replaced\""), "{stored}");

        let config = app.webhook_channel_config("hook").await.unwrap();
        assert_eq!(config.secret_headers, ["Authorization", "X-Api-Key"]);
        assert!(config.signing && config.has_secret);
        assert!(!serde_json::to_string(&config).unwrap().contains("k3y"));
    }

    #[tokio::test]
    async fn edits_are_checked_as_new_channels_are() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path()).await;
        app.add_webhook_channel(hook("https://example.org/in")).await.unwrap();
        let edit = |input: UpdateWebhookChannel| app.update_webhook_channel("hook", input);
        let message = |r: Result<Channel>| r.unwrap_err().to_string();
        let url = |u: &str| UpdateWebhookChannel {
            url: Some(u.into()),
            ..Default::default()
        };
        assert_eq!(
            message(edit(url("ftp://x.org")).await),
            message(app.add_webhook_channel(hook("ftp://x.org")).await)
        );
        let e = message(
            edit(UpdateWebhookChannel {
                remove_secret: Some(true),
                signing: Some(true),
                ..Default::default()
            })
            .await,
        );
        assert!(e.starts_with("secret: "), "{e}");
        let e = message(
            edit(UpdateWebhookChannel {
                secret: Some("whsec_not*base64".into()),
                ..Default::default()
            })
            .await,
        );
        assert!(e.starts_with("secret: ") && !e.contains("not*base64"), "{e}");
        let e = message(
            edit(UpdateWebhookChannel {
                headers: Some(map(&[("Host", "evil.example")])),
                ..Default::default()
            })
            .await,
        );
        assert!(e.starts_with("headers.Host: "), "{e}");
        let e = message(app.update_webhook_channel("sandbox", url("https://x.org")).await);
        assert!(e.contains("not a webhook"), "{e}");
        // Removing the secret turns signing off and leaves nothing in the secret store.
        let c = edit(UpdateWebhookChannel {
            remove_secret: Some(true),
            remove_headers: Some(vec!["authorization".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
        let row = app.store.channel_config(c.id).await.unwrap();
        assert_eq!(row.secret_ref, None);
        assert_eq!(row.settings["signing"], false);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("secrets.json")).unwrap().trim(),
            "{}"
        );
    }

    #[tokio::test]
    async fn lost_secrets_are_named_and_can_be_set_again_by_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path()).await;
        let c = app.add_webhook_channel(hook("https://example.org/in")).await.unwrap();
        std::fs::remove_file(dir.path().join("secrets.json")).unwrap();
        let e = load_webhook(&app.store, app.secrets.as_ref(), c.id)
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("missing from the secret store"), "{e}");
        let url_only = UpdateWebhookChannel {
            url: Some("https://example.org/in2".into()),
            ..Default::default()
        };
        let e = app.update_webhook_channel("hook", url_only).await.unwrap_err();
        assert!(e.to_string().starts_with("headers.Authorization: "), "{e}");
        app.update_webhook_channel(
            "hook",
            UpdateWebhookChannel {
                headers: Some(map(&[("authorization", TOKEN)])),
                secret: Some(NEW.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.headers["authorization"], TOKEN);
        assert_eq!(loaded.secrets.signing.as_deref(), Some(NEW));
    }

    #[tokio::test]
    async fn headers_stored_by_earlier_versions_move_to_the_secret_store_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(&dir.path().join("herald.db")).await.unwrap();
            let legacy = serde_json::json!({"url": "https://example.org/in", "signing": true,
                "headers": {"Authorization": TOKEN, "X-Team": "office"}});
            let c = store
                .insert_configured_channel(
                    "hook",
                    ChannelKind::WEBHOOK,
                    &legacy,
                    &serde_json::json!({}),
                    Some("channel-2"),
                )
                .await
                .unwrap();
            store
                .replace_channel_config(c.id, &c.updated_at, &legacy, &serde_json::json!({}), Some("channel-2"))
                .await
                .unwrap();
            crate::secrets::FileSecretStore::open(dir.path())
                .set("channel-2", OLD)
                .unwrap();
            store.close().await;
        }
        let app = open(dir.path()).await;
        let c = app.channel_by_name("hook").await.unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.headers["Authorization"], TOKEN);
        assert_eq!(loaded.secrets.signing.as_deref(), Some(OLD));
        assert!(!everything_stored(&app).await.contains(TOKEN));
        app.store.close().await;
        for file in ["herald.db", "herald.db-wal"] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
            assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()), "{file}");
        }
        // Opening again has nothing more to move.
        let again = open(dir.path()).await;
        let moves = again.store.list_audit().await.unwrap();
        assert_eq!(moves.iter().filter(|r| r.action == "channel.secure_headers").count(), 1);
    }

    #[tokio::test]
    async fn url_query_secrets_and_marked_headers_live_in_the_secret_store() {
        const QTOKEN: &str = "q-t0ken-5ecret-value";
        const CUSTOM: &str = "cust0m-h3ader-value";
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path()).await;
        let url = format!("https://oapi.dingtalk.com/robot/send?access_token={QTOKEN}&x=1");
        let c = app
            .add_webhook_channel(NewWebhookChannel {
                name: "hook".into(),
                url: url.clone(),
                headers: Some(map(&[("X-Custom", CUSTOM), ("X-Team", "office")])),
                secret_headers: Some(vec!["x-custom".into()]),
                ..Default::default()
            })
            .await
            .unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.url, url);
        assert_eq!(loaded.settings.headers["X-Custom"], CUSTOM);
        let config = app.webhook_channel_config("hook").await.unwrap();
        assert_eq!(
            config.url,
            "https://oapi.dingtalk.com/robot/send?access_token=********&x=1"
        );
        assert_eq!(config.secret_query, ["access_token"]);
        assert_eq!(config.secret_headers, ["X-Custom"]);
        // An edit that gives the URL as shown keeps the token; the marked header stays secret
        // through an edit of another field.
        app.update_webhook_channel(
            "hook",
            UpdateWebhookChannel {
                url: Some(config.url.clone()),
                headers: Some(map(&[("X-Other", "1")])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.url, url);
        assert_eq!(loaded.settings.headers["X-Custom"], CUSTOM);
        let stored = everything_stored(&app).await;
        for secret in [QTOKEN, CUSTOM] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        // The stored token never goes to another host.
        let elsewhere = config.url.replace("oapi.dingtalk.com", "evil.example");
        let e = app
            .update_webhook_channel(
                "hook",
                UpdateWebhookChannel {
                    url: Some(elsewhere),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("same host"), "{e}");
        // Marking a header that is not there names it.
        let e = app
            .update_webhook_channel(
                "hook",
                UpdateWebhookChannel {
                    secret_headers: Some(vec!["X-Nope".into()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(e.to_string().starts_with("headers.X-Nope: "), "{e}");
        // A masked URL is refused where there is nothing to put back.
        let e = app
            .add_webhook_channel(NewWebhookChannel {
                name: "copy".into(),
                url: config.url.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(
            e.to_string().starts_with("url: ") && e.to_string().contains("access_token"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn url_query_secrets_stored_by_earlier_versions_move_on_open() {
        const QTOKEN: &str = "legacy-qu3ry-t0ken";
        const PASS: &str = "legacy-pa55-value";
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(&dir.path().join("herald.db")).await.unwrap();
            let legacy = serde_json::json!({"url": format!("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={QTOKEN}"),
                "headers": {"X-Api-Pass": PASS}});
            store
                .insert_configured_channel("hook", ChannelKind::WEBHOOK, &legacy, &serde_json::json!({}), None)
                .await
                .unwrap();
            store.close().await;
        }
        let app = open(dir.path()).await;
        let c = app.channel_by_name("hook").await.unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert!(loaded.settings.url.ends_with(&format!("?key={QTOKEN}")));
        assert_eq!(loaded.settings.headers["X-Api-Pass"], PASS);
        let stored = everything_stored(&app).await;
        assert!(!stored.contains(QTOKEN) && !stored.contains(PASS), "{stored}");
        app.store.close().await;
        for file in ["herald.db", "herald.db-wal"] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
            for secret in [QTOKEN, PASS] {
                assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{file}");
            }
        }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn header_edits_ignore_case_and_name_the_header_when_wrong() {
        let mut h = map(&[("Authorization", "a"), ("X-Team", "t")]);
        let mut lost = BTreeSet::from(["X-Api-Key".to_owned(), "Cookie".to_owned()]);
        let set = map(&[("authorization", "b"), ("cookie", "c")]);
        edit_headers(&mut h, &mut lost, set, vec![" x-team ".into(), "x-api-key".into()]).unwrap();
        assert_eq!(h, map(&[("authorization", "b"), ("cookie", "c")]));
        assert!(lost.is_empty());
        let e = edit_headers(&mut h, &mut lost, BTreeMap::new(), vec!["X-Nope".into()]).unwrap_err();
        assert_eq!(e.to_string(), "headers.X-Nope: the channel has no such header");
        let set = map(&[("Authorization", "c")]);
        let e = edit_headers(&mut h, &mut lost, set, vec!["AUTHORIZATION".into()]).unwrap_err();
        assert!(e.to_string().contains("both set and removed"), "{e}");
        let e = edit_headers(&mut h, &mut lost, map(&[("X-A", "1"), ("x-a", "2")]), vec![]).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
