//! Channels' storage: a channel's row and its one secret-store entry, switched together.
//!
//! A channel's secrets (a described kind's secret settings and the secret parts of its partly
//! secret ones: a webhook's signing secret, secret header values, the URL's secret query
//! values) are one entry in the secret store, under a key that is new for every change; the
//! channel row points at it (`secret_ref`). The new entry is written first and the row
//! switched to it in one UPDATE, so a crash or a reader in another process sees the old
//! configuration or the new one, never settings from one and secrets from the other. The old
//! entry goes afterwards.
//!
//! Earlier versions kept a webhook's secret header values and URL query values in its
//! settings; they are moved to the secret store when a data directory opens.

use std::collections::BTreeMap;

use super::App;
use crate::audit;
use crate::model::{Channel, ChannelKind};
use crate::providers::webhook::{is_credential_header, mask_url, masked_names};
use crate::secrets::{ChannelSecrets, SecretStore};
use crate::store::{ChannelConfigRow, Store, StoreError};
use crate::Result;

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

    /// Moves secret values that earlier versions kept in a webhook's settings (credential
    /// header values, and URL query parameters such as `access_token`) into the secret store,
    /// then rewrites the database file without them.
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
            let mut settings = row.settings.clone();
            let mut parts = BTreeMap::new();
            let mut names = Vec::new();
            if let Some(serde_json::Value::Object(headers)) = settings.get_mut("headers") {
                for (name, value) in headers.iter_mut() {
                    if let Some(v) = value
                        .as_str()
                        .filter(|_| is_credential_header(&name.trim().to_ascii_lowercase()))
                    {
                        parts.insert(format!("headers.{name}"), v.to_owned());
                        names.push(name.clone());
                        *value = serde_json::Value::Null;
                    }
                }
            }
            let mut query = Vec::new();
            if let Some(url) = settings.get("url").and_then(|u| u.as_str()).map(str::to_owned) {
                let (masked, values) = mask_url(&url);
                if !values.is_empty() {
                    query = masked_names(&masked);
                    for (key, value) in values {
                        parts.insert(format!("url.{key}"), value);
                    }
                    settings["url"] = masked.into();
                }
            }
            if parts.is_empty() {
                continue;
            }
            let mut secrets = match &row.secret_ref {
                Some(key) => match self.secrets.get(key)? {
                    Some(text) => ChannelSecrets::decode(key, &text)?,
                    None => ChannelSecrets::default(),
                },
                None => ChannelSecrets::default(),
            };
            secrets.fields.extend(parts);
            let key = self.put_channel_secrets(&secrets)?;
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
                .replace_channel_config(channel.id, &row.updated_at, &settings, &row.limits, key.as_deref())
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
    use crate::channels::schema::{edit_headers, Header};
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

    /// Settings by key, as a face gives them.
    fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// A headers setting's text: `(name, value, marked secret)`; no value keeps a stored one.
    fn headers(list: &[(&str, Option<&str>, bool)]) -> String {
        let list: Vec<Header> = list
            .iter()
            .map(|(name, value, secret)| Header {
                name: (*name).into(),
                value: value.map(str::to_owned),
                secret: *secret,
            })
            .collect();
        serde_json::to_string(&list).unwrap()
    }

    async fn add_hook(app: &App, url: &str) -> Result<Channel> {
        let h = headers(&[("Authorization", Some(TOKEN), false), ("X-Team", Some("office"), false)]);
        let s = settings(&[("url", url), ("headers", &h), ("secret", OLD)]);
        app.add_kind_channel("webhook", "hook", s, None).await
    }

    async fn edit(app: &App, changes: &[(&str, &str)]) -> Result<Channel> {
        app.update_kind_channel("hook", settings(changes), None).await
    }

    /// A webhook channel as the dispatcher would build it: its provider's settings and secret.
    struct Loaded {
        settings: crate::providers::webhook::WebhookSettings,
        secret: Option<String>,
        row: ChannelConfigRow,
    }

    async fn load_webhook(store: &Store, secrets: &dyn SecretStore, id: i64) -> Result<Loaded> {
        let kind = crate::channels::find("webhook").unwrap();
        let values = super::super::kinds::stored_values(store, secrets, kind, id).await?;
        kind.build("hook", &values)?;
        let (settings, secret) = crate::channels::kinds::webhook::settings(&values)?;
        Ok(Loaded {
            settings,
            secret,
            row: store.channel_config(id).await?,
        })
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
        let c = add_hook(&app, "https://example.org/in").await.unwrap();
        let row = app.store.channel_config(c.id).await.unwrap();
        assert_eq!(
            row.settings["headers"],
            serde_json::json!({"X-Team": "office", "Authorization": null})
        );
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.headers["Authorization"], TOKEN);
        assert_eq!(loaded.secret.as_deref(), Some(OLD));

        // As the form gives them back: the stored secret header without its value keeps it.
        let h = headers(&[
            ("Authorization", None, true),
            ("X-Team", Some("office"), false),
            ("X-Api-Key", Some("k3y-value-123456"), false),
        ]);
        let limits = ChannelLimits {
            per_second: Some(7),
            ..Default::default()
        };
        let changes = settings(&[("url", "https://example.org/new"), ("secret", NEW), ("headers", &h)]);
        let edited = app.update_kind_channel("hook", changes, Some(limits)).await.unwrap();
        assert!(edited.updated_at > c.updated_at);
        assert_eq!(edited.limits.per_second, Some(7));
        let after = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(after.secret.as_deref(), Some(NEW));
        assert_eq!(after.settings.url, "https://example.org/new");
        assert_eq!(after.settings.headers.len(), 3);
        assert_eq!(after.settings.headers["Authorization"], TOKEN);
        assert_ne!(after.row.secret_ref, row.secret_ref);
        // The old entry is gone: the old secret is nowhere any more.
        let file = std::fs::read_to_string(dir.path().join("secrets.json")).unwrap();
        assert!(!file.contains(OLD) && file.contains(NEW));
        let stored = everything_stored(&app).await;
        for secret in [TOKEN, OLD, NEW, "k3y-value-123456"] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        assert!(stored.contains("\"secret\""), "{stored}");

        let config = app.kind_channel_config("hook").await.unwrap();
        assert_eq!(
            config.settings["headers"],
            serde_json::json!({"Authorization": null, "X-Api-Key": null, "X-Team": "office"})
        );
        assert_eq!(config.settings["signing"], true);
        assert_eq!(config.secrets_set, ["secret"]);
        assert!(!serde_json::to_string(&config).unwrap().contains("k3y"));
    }

    #[tokio::test]
    async fn edits_are_checked_as_new_channels_are() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path()).await;
        add_hook(&app, "https://example.org/in").await.unwrap();
        let message = |r: Result<Channel>| r.unwrap_err().to_string();
        assert_eq!(
            message(edit(&app, &[("url", "ftp://x.org")]).await),
            message(add_hook(&app, "ftp://x.org").await)
        );
        let e = message(edit(&app, &[("secret", "whsec_not*base64")]).await);
        assert!(e.starts_with("secret: ") && !e.contains("not*base64"), "{e}");
        let e = message(edit(&app, &[("headers", &headers(&[("Host", Some("evil.example"), false)]))]).await);
        assert!(e.starts_with("headers.Host: "), "{e}");
        // Removing the secret (and the secret header) turns signing off and leaves nothing in
        // the secret store.
        let c = edit(
            &app,
            &[
                ("secret", ""),
                ("headers", &headers(&[("X-Team", Some("office"), false)])),
            ],
        )
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
        let c = add_hook(&app, "https://example.org/in").await.unwrap();
        std::fs::remove_file(dir.path().join("secrets.json")).unwrap();
        let e = load_webhook(&app.store, app.secrets.as_ref(), c.id)
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("missing from the secret store"), "{e}");
        let e = edit(&app, &[("url", "https://example.org/in2")]).await.unwrap_err();
        assert!(e.to_string().starts_with("headers.Authorization: "), "{e}");
        let h = headers(&[("authorization", Some(TOKEN), false), ("X-Team", Some("office"), false)]);
        edit(&app, &[("headers", &h), ("secret", NEW)]).await.unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.headers["authorization"], TOKEN);
        assert_eq!(loaded.secret.as_deref(), Some(NEW));
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
        assert_eq!(loaded.secret.as_deref(), Some(OLD));
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
        let h = headers(&[("X-Custom", Some(CUSTOM), true), ("X-Team", Some("office"), false)]);
        let c = app
            .add_kind_channel("webhook", "hook", settings(&[("url", &url), ("headers", &h)]), None)
            .await
            .unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.url, url);
        assert_eq!(loaded.settings.headers["X-Custom"], CUSTOM);
        let config = app.kind_channel_config("hook").await.unwrap();
        let shown = config.settings["url"].as_str().unwrap().to_owned();
        assert_eq!(shown, "https://oapi.dingtalk.com/robot/send?access_token=********&x=1");
        assert_eq!(
            config.settings["headers"],
            serde_json::json!({"X-Custom": null, "X-Team": "office"})
        );
        // An edit that gives the URL as shown keeps the token; the marked header, given back
        // without its value and its mark, stays secret and keeps its value.
        let h = headers(&[("X-Custom", None, false), ("X-Other", Some("1"), false)]);
        edit(&app, &[("url", &shown), ("headers", &h)]).await.unwrap();
        let loaded = load_webhook(&app.store, app.secrets.as_ref(), c.id).await.unwrap();
        assert_eq!(loaded.settings.url, url);
        assert_eq!(loaded.settings.headers["X-Custom"], CUSTOM);
        let stored = everything_stored(&app).await;
        for secret in [QTOKEN, CUSTOM] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        // The stored token never goes to another host.
        let elsewhere = shown.replace("oapi.dingtalk.com", "evil.example");
        let e = edit(&app, &[("url", &elsewhere)]).await.unwrap_err();
        assert!(e.to_string().contains("same host"), "{e}");
        // A masked URL is refused where there is nothing to put back.
        let e = app
            .add_kind_channel("webhook", "copy", settings(&[("url", &shown)]), None)
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
        let header = |name: &str, value: Option<&str>, secret: bool| Header {
            name: name.into(),
            value: value.map(str::to_owned),
            secret,
        };
        let mut h = vec![
            header("Authorization", Some("a"), false),
            header("X-Team", Some("t"), false),
            header("X-Api-Key", None, true),
            header("X-Tenant", None, true),
        ];
        let set = map(&[("authorization", "b"), ("x-tenant", "c")]);
        edit_headers(&mut h, set, vec![" x-team ".into(), "x-api-key".into()], &[]).unwrap();
        assert_eq!(
            h,
            [
                header("authorization", Some("b"), false),
                header("x-tenant", Some("c"), true)
            ]
        );
        let e = edit_headers(&mut h, BTreeMap::new(), vec!["X-Nope".into()], &[]).unwrap_err();
        assert_eq!(e, "headers.X-Nope: the channel has no such header");
        let set = map(&[("Authorization", "c")]);
        let e = edit_headers(&mut h, set, vec!["AUTHORIZATION".into()], &[]).unwrap_err();
        assert!(e.contains("both set and removed"), "{e}");
        let e = edit_headers(&mut h, BTreeMap::new(), vec![], &["X-Nope".into()]).unwrap_err();
        assert!(e.starts_with("headers.X-Nope: "), "{e}");
    }
}
