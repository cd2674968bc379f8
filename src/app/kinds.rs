//! Channels of the kinds described in `crate::channels`, handled from their description alone:
//! adding (settings as JSON, secret fields in the secret store), showing without secrets,
//! building the provider, and a test send.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::channels::load_channel_secrets;
use super::App;
use crate::audit;
use crate::channels::{self, schema, Format, Kind, Recipients, Values};
use crate::model::{
    Channel, ChannelKind, ChannelLimits, ChannelTestResult, KindChannelConfig, LinkIdsReport, LinkedContact,
};
use crate::providers::{Outcome, Outgoing, Provider};
use crate::secrets::{ChannelSecrets, SecretStore};
use crate::store::Store;
use crate::{Error, Result};

/// The kind described by the registry for `channel`, if it is one of those.
pub(super) fn described(kind: ChannelKind) -> Option<&'static dyn Kind> {
    channels::find(kind.as_str())
}

fn kind_named(id: &str) -> Result<&'static dyn Kind> {
    channels::find(id).ok_or_else(|| {
        let known: Vec<String> = channels::all().iter().map(|k| channels::cli_name(*k)).collect();
        Error::Invalid(format!(
            "there is no channel kind {id}; the kinds are {}",
            known.join(", ")
        ))
    })
}

/// A file the user picked for a kind's file setting (a CA certificate), as the text the
/// setting takes: read through the field's own reader (a DER certificate made PEM, checked as
/// TLS will read it), else as UTF-8; refused with the reason. The desktop form's "从文件读取…"
/// comes here; the CLI reads a file flag the same way.
pub fn read_setting_file(kind: &str, key: &str, path: &std::path::Path) -> Result<String> {
    // A certificate chain is a few kilobytes; a large file is the wrong file.
    const MAX_BYTES: u64 = 1024 * 1024;
    let kind = kind_named(kind)?;
    let field = kind
        .fields()
        .iter()
        .find(|f| f.key == key && f.ty == schema::FieldType::FileText)
        .ok_or_else(|| Error::Invalid(format!("{key} is not a file setting of {} channels", kind.id())))?;
    let cannot = |e: &dyn std::fmt::Display| Error::Invalid(format!("{} {}: {e}", field.label.en, path.display()));
    let bytes = crate::files::read_regular(path, MAX_BYTES).map_err(|e| cannot(&e))?;
    field.text_of_file(&bytes).map_err(|e| cannot(&e))
}

/// Builds the provider of a described kind's channel from its stored settings and secrets.
pub(super) async fn build(
    store: &Store,
    secrets: &dyn SecretStore,
    kind: &'static dyn Kind,
    channel: &Channel,
) -> Result<Arc<dyn Provider>> {
    let values = stored_values(store, secrets, kind, channel.id).await?;
    Ok(kind.build(&channel.name, &values)?)
}

pub(super) async fn stored_values(
    store: &Store,
    secrets: &dyn SecretStore,
    kind: &'static dyn Kind,
    channel_id: i64,
) -> Result<Values> {
    Ok(stored_values_at(store, secrets, kind, channel_id).await?.0)
}

/// A channel's settings joined with its secrets, and the `updated_at` of the row they are from.
pub(super) async fn stored_values_at(
    store: &Store,
    secrets: &dyn SecretStore,
    kind: &'static dyn Kind,
    channel_id: i64,
) -> Result<(Values, String)> {
    let (row, found) = load_channel_secrets(store, secrets, channel_id).await?;
    let values = Values::join(kind.fields(), &row.settings, &found.fields);
    if let Some(lost) = kind
        .fields()
        .iter()
        .find(|f| f.required && f.ty.is_secret() && values.get(f.key).is_none())
    {
        return Err(Error::Invalid(format!(
            "{}: its value is missing from the secret store: set it again",
            lost.key
        )));
    }
    Ok((values, row.updated_at))
}

impl App {
    /// Adds a channel of a described kind: `settings` as typed, by field key, checked against
    /// the kind's schema; secret fields go to the secret store, the rest to the channel row.
    /// The audit entry names the settings and which secrets were set, never a secret.
    pub async fn add_kind_channel(
        &self,
        kind: &str,
        name: &str,
        settings: BTreeMap<String, String>,
        limits: Option<ChannelLimits>,
    ) -> Result<Channel> {
        let kind = kind_named(kind)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("the channel's name is empty".into()));
        }
        let mut settings = settings;
        // A switch that follows another setting (signing its secret) is on when that is given.
        for field in kind.fields() {
            if let Some(owner) = field.on_with {
                if !settings.contains_key(field.key) {
                    let given = settings.get(owner).is_some_and(|v| !v.trim().is_empty());
                    settings.insert(field.key.to_owned(), given.to_string());
                }
            }
        }
        let split = schema::validate(kind.fields(), &settings)?;
        let public = serde_json::Value::Object(split.public.clone());
        let values = Values::join(kind.fields(), &public, &split.secret);
        kind.check(&values)?;
        // Building checks what only a provider can (a client that cannot be made, say).
        kind.build(name, &values)?;
        let stored_kind = kind.kind();
        let secrets = ChannelSecrets::of(split.secret.clone());
        let limits = serde_json::to_value(limits.unwrap_or_default()).map_err(|e| Error::Invalid(e.to_string()))?;
        let entry = audit::entry(
            &self.actor,
            "channel.add",
            "channel",
            None,
            serde_json::json!({"name": name, "kind": kind.id(), "settings": public,
                "secrets": split.secret.keys().collect::<Vec<_>>()}),
        );
        self.insert_channel_with_secrets(name, stored_kind, &public, &limits, &secrets, entry)
            .await
    }

    /// Changes a described kind's channel: each key of `changes` is a setting to set (an empty
    /// value clears an optional one), the others stay; the result is checked whole, as adding
    /// checks it. Secrets not named keep their values. Audited with the names of the settings
    /// changed. A dispatcher running the channel builds it again.
    pub async fn update_kind_channel(
        &self,
        name: &str,
        changes: BTreeMap<String, String>,
        limits: Option<ChannelLimits>,
    ) -> Result<Channel> {
        let channel = self.channel_by_name(name).await?;
        let kind = described(channel.kind)
            .ok_or_else(|| Error::Invalid(format!("{name} is changed through its own command, not this one")))?;
        let (row, old_secrets) = load_channel_secrets(&self.store, self.secrets.as_ref(), channel.id).await?;
        let before = Values::join(kind.fields(), &row.settings, &old_secrets.fields);
        let mut input: BTreeMap<String, String> = kind
            .fields()
            .iter()
            .filter_map(|f| before.get(f.key).map(|v| (f.key.to_owned(), v.to_owned())))
            .collect();
        for (key, value) in &changes {
            let Some(field) = kind.fields().iter().find(|f| f.key == key) else {
                return Err(schema::unknown_setting(key).into());
            };
            if value.trim().is_empty() {
                input.remove(key);
            } else {
                // A partly secret setting keeps the secret parts not given again.
                let merged = schema::merge(field, before.get(key), value)?;
                input.insert(key.clone(), merged);
            }
        }
        // A secret that belongs to another setting's value (a password to its user) goes with
        // that value, unless given again.
        for field in kind.fields() {
            if let Some(owner) = field.tied_to {
                if input.get(owner).map(String::as_str) != before.get(owner) && !changes.contains_key(field.key) {
                    input.remove(field.key);
                }
            }
        }
        // A switch that follows another setting goes on or off with it, unless given.
        for field in kind.fields() {
            if let Some(owner) = field.on_with {
                if let Some(value) = changes.get(owner).filter(|_| !changes.contains_key(field.key)) {
                    input.insert(field.key.to_owned(), (!value.trim().is_empty()).to_string());
                }
            }
        }
        let split = schema::validate(kind.fields(), &input)?;
        let public = serde_json::Value::Object(split.public.clone());
        let after = Values::join(kind.fields(), &public, &split.secret);
        kind.check(&after)?;
        kind.build(&channel.name, &after)?;
        let changed: Vec<&str> = kind
            .fields()
            .iter()
            .filter(|f| before.get(f.key) != after.get(f.key))
            .map(|f| f.key)
            .collect();
        let limits = match limits {
            Some(l) => serde_json::to_value(l).map_err(|e| Error::Invalid(e.to_string()))?,
            None => row.limits.clone(),
        };
        if changed.is_empty() && limits == row.limits {
            return Ok(channel);
        }
        let entry = audit::entry(
            &self.actor,
            "channel.update",
            "channel",
            Some(channel.id),
            serde_json::json!({"name": channel.name, "kind": kind.id(), "changes": changed,
                "limits": limits != row.limits}),
        );
        let new_secrets = ChannelSecrets::of(split.secret);
        self.replace_channel_with_secrets(&channel, &row, &public, &limits, &old_secrets, &new_secrets, entry)
            .await?;
        // A running dispatcher builds the channel again with what changed.
        self.wake.send_modify(|n| *n += 1);
        self.channel_by_name(&channel.name).await
    }

    /// Looks up, through `channel`, the platform id of every contact who has a mobile but no
    /// address of the kind the channel sends to, and stores those found (unless `dry_run`), in
    /// one transaction audited as `contact.link_ids` with the counts.
    pub async fn link_ids(&self, channel: &str, dry_run: bool) -> Result<LinkIdsReport> {
        let channel = self.channel_by_name(channel).await?;
        let kind = described(channel.kind);
        let (kind, address_kind) = match kind.map(|k| (k, k.recipients())) {
            Some((k, Recipients::Person(address))) => (k, address),
            _ => {
                return Err(Error::Invalid(format!(
                    "{} does not send to people by a platform id, so it has none to look up",
                    channel.name
                )))
            }
        };
        let values = stored_values(&self.store, self.secrets.as_ref(), kind, channel.id).await?;
        let finder = kind
            .id_finder(&channel.name, &values)
            .ok_or_else(|| Error::Invalid(format!("{} cannot look people up by mobile", kind.label().en)))??;
        let lacking = self.store.contacts_lacking_address(address_kind).await?;
        let mobiles: Vec<String> = lacking.iter().map(|(_, _, mobile)| mobile.clone()).collect();
        let mut answers = finder.find_by_mobiles(&mobiles).await.into_iter();
        let mut contacts = Vec::with_capacity(lacking.len());
        for (contact_id, name, _) in lacking {
            let (id, error) = match answers.next() {
                Some(Ok(id)) => (id, None),
                Some(Err(reason)) => (None, Some(reason)),
                None => (None, Some("the platform gave no answer for this mobile".into())),
            };
            contacts.push(LinkedContact {
                contact_id,
                name,
                id,
                error,
            });
        }
        let found: Vec<(i64, String)> = contacts
            .iter()
            .filter_map(|c| c.id.clone().map(|id| (c.contact_id, id)))
            .collect();
        let failed = contacts.iter().filter(|c| c.error.is_some()).count() as u64;
        let stored = if dry_run || found.is_empty() {
            0
        } else {
            let entry = audit::entry(
                &self.actor,
                "contact.link_ids",
                "contact",
                None,
                serde_json::json!({"channel": channel.name, "kind": address_kind, "found": found.len()}),
            );
            self.store
                .audited(entry)
                .add_found_addresses(address_kind, &found)
                .await?
        };
        Ok(LinkIdsReport {
            channel: channel.name,
            address_kind: address_kind.to_owned(),
            dry_run,
            found: found.len() as u64,
            not_found: contacts.len() as u64 - found.len() as u64 - failed,
            failed,
            contacts,
            stored,
        })
    }

    /// A described kind's channel as the form shows it for editing: public settings with
    /// their values, secret ones only as set or not.
    pub async fn kind_channel_config(&self, name: &str) -> Result<KindChannelConfig> {
        let channel = self.channel_by_name(name).await?;
        let kind = described(channel.kind)
            .ok_or_else(|| Error::Invalid(format!("{name} is configured through its own commands")))?;
        let (row, found) = load_channel_secrets(&self.store, self.secrets.as_ref(), channel.id).await?;
        let mut settings = BTreeMap::new();
        let mut secrets_set = Vec::new();
        for field in kind.fields() {
            if field.ty.is_secret() {
                if found.fields.contains_key(field.key) {
                    secrets_set.push(field.key.to_owned());
                }
            } else if let Some(v) = row.settings.get(field.key) {
                settings.insert(field.key.to_owned(), v.clone());
            }
        }
        Ok(KindChannelConfig {
            name: channel.name,
            kind: kind.id().to_owned(),
            settings,
            secrets_set,
        })
    }

    /// Sends one test message through a channel (to `to`, for a kind that writes to people),
    /// and reports the server's reply or why it failed. Audited (the address, not the reply).
    pub async fn test_channel(&self, name: &str, to: Option<&str>) -> Result<ChannelTestResult> {
        let channel = self.channel_by_name(name).await?;
        let Some(kind) = described(channel.kind) else {
            return Err(Error::Invalid(format!(
                "a test message is for e-mail, robot and app channels; {name} is a {} channel",
                channel.kind.as_str()
            )));
        };
        let result = self.test_kind_channel(kind, &channel, to).await?;
        self.audit_test(&channel, to, result.ok).await?;
        Ok(result)
    }

    /// A test send is recorded: who tested which channel, to whom, and whether it worked.
    async fn audit_test(&self, channel: &Channel, to: Option<&str>, ok: bool) -> Result<()> {
        audit::record(
            &self.store,
            &self.actor,
            "channel.test",
            "channel",
            Some(channel.id),
            serde_json::json!({"name": channel.name, "to": to, "ok": ok}),
        )
        .await?;
        Ok(())
    }

    /// Sends one test message through a described kind's channel: into the group for a
    /// robot, to `to` for a kind that writes to people. Says what the platform answered.
    pub(super) async fn test_kind_channel(
        &self,
        kind: &'static dyn Kind,
        channel: &Channel,
        to: Option<&str>,
    ) -> Result<ChannelTestResult> {
        let address = match (kind.recipients(), to.map(str::trim).filter(|t| !t.is_empty())) {
            // A group's test goes into the group; a webhook's to its URL, with the address
            // given if any.
            (Recipients::Group | Recipients::Anyone, None) => String::new(),
            (Recipients::Group, Some(_)) => {
                return Err(Error::Invalid(format!(
                    "{} posts into its group; a test goes there, without --to",
                    channel.name
                )))
            }
            (_, Some(to)) => to.to_owned(),
            (_, None) => {
                return Err(Error::Invalid(format!(
                    "to test {}, say whom the test goes to (--to)",
                    channel.name
                )))
            }
        };
        let provider = build(&self.store, self.secrets.as_ref(), kind, channel).await?;
        // An e-mail reads as a letter (测试邮件), the platforms' as a message.
        let (subject, body) = if kind.format() == Format::Email {
            (
                "Herald 测试邮件 / test message",
                "这是一封来自 Herald 的测试邮件：收到即表示该邮件通道可以发信。\n\nThis is a test message from Herald: this e-mail channel works.",
            )
        } else {
            (
                "Herald 测试消息 / test message",
                "这是一条来自 Herald 的测试消息：收到即表示该渠道可以发送。\n\nThis is a test message from Herald: this channel works.",
            )
        };
        let message = Outgoing {
            delivery_id: 0,
            address,
            recipient_name: String::new(),
            subject: subject.into(),
            body: body.into(),
            attachments: Arc::from(Vec::new()),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        let outcome = provider.send(std::slice::from_ref(&message)).await.into_iter().next();
        Ok(match outcome {
            // An e-mail's provider id is its server's own reply (`250 2.0.0 Ok: queued as …`),
            // the best answer to show; a platform's message id tells a person nothing.
            Some(Outcome::Sent { provider_id }) => ChannelTestResult {
                ok: true,
                reply: match provider_id {
                    Some(reply) if kind.format() == Format::Email => reply,
                    _ => format!("{} accepted the test message", kind.label().en),
                },
            },
            Some(Outcome::Retry { reason, .. })
            | Some(Outcome::Permanent { reason, .. })
            | Some(Outcome::ChannelDown { reason, .. }) => ChannelTestResult {
                ok: false,
                reply: reason,
            },
            None => ChannelTestResult {
                ok: false,
                reply: "the provider gave no outcome".into(),
            },
        })
    }
}
