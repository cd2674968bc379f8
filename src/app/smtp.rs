//! E-mail channels: adding one (the password to the secret store), showing its settings, and
//! sending a test message.

use super::channels::load_channel_secrets;
use super::{trimmed, App};
use crate::audit;
use crate::model::{Channel, ChannelKind, ChannelTestResult, NewSmtpChannel, SmtpChannelConfig, UpdateSmtpChannel};
use crate::providers::smtp::{ca_pem_from_file, Security, Smtp, SmtpSettings, DEFAULT_POOL, DEFAULT_TIMEOUT_MS};
use crate::secrets::{ChannelSecrets, SecretStore};
use crate::store::Store;
use crate::{Error, Result};

/// A CA certificate file (PEM, or DER as Windows exports `.cer`) as the PEM text an e-mail
/// channel's `caPem` takes, checked the way TLS will read it. The CLI's `--ca-file` and the
/// desktop form's "read from file" both come here.
pub fn read_ca_file(path: &std::path::Path) -> Result<String> {
    // A certificate chain is a few kilobytes; a large file is the wrong file.
    const MAX_BYTES: u64 = 1024 * 1024;
    let cannot = |e: &dyn std::fmt::Display| Error::Invalid(format!("CA certificate {}: {e}", path.display()));
    let bytes = crate::files::read_regular(path, MAX_BYTES).map_err(|e| cannot(&e))?;
    ca_pem_from_file(&bytes).map_err(|e| cannot(&e))
}

/// Builds an e-mail channel's provider from what is stored.
pub(super) async fn load_smtp(store: &Store, secrets: &dyn SecretStore, channel_id: i64) -> Result<Smtp> {
    let (row, stored) = load_channel_secrets(store, secrets, channel_id).await?;
    let settings: SmtpSettings = serde_json::from_value(row.settings.clone())
        .map_err(|e| Error::Invalid(format!("its settings cannot be read: {e}")))?;
    if settings.username.is_some() && stored.password.is_none() {
        return Err(Error::Invalid(
            "its password is missing from the secret store: set it again".into(),
        ));
    }
    Smtp::new(settings, stored.password).map_err(|e| Error::Invalid(e.to_string()))
}

impl App {
    /// Adds an e-mail channel after checking that its settings make a working transport
    /// (addresses, TLS setup, the CA certificate). The server is not contacted: a test
    /// message does that ([`App::test_channel`]).
    pub async fn add_smtp_channel(&self, input: NewSmtpChannel) -> Result<Channel> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("the channel's name is empty".into()));
        }
        let security = Security::parse(&input.security).ok_or_else(|| {
            Error::Invalid(format!(
                "security must be none, starttls or tls, not {}",
                input.security
            ))
        })?;
        let settings = SmtpSettings {
            host: input.host.trim().to_owned(),
            port: if input.port == 0 {
                match security {
                    Security::None => 25,
                    Security::Starttls => 587,
                    Security::Tls => 465,
                }
            } else {
                input.port
            },
            security,
            username: trimmed(input.username),
            from_address: input.from_address.trim().to_owned(),
            from_name: super::one_line(input.from_name),
            reply_to: trimmed(input.reply_to),
            ca_pem: trimmed(input.ca_pem),
            pool_size: input.pool_size.unwrap_or(DEFAULT_POOL),
            timeout_ms: input.timeout_ms.map_or(DEFAULT_TIMEOUT_MS, u64::from),
        };
        // A password is kept as typed: spaces can be part of it.
        let password = input.password.filter(|p| !p.is_empty());
        Smtp::new(settings.clone(), password.clone()).map_err(|e| Error::Invalid(e.to_string()))?;
        let json = serde_json::to_value(&settings).map_err(|e| Error::Invalid(e.to_string()))?;
        let limits =
            serde_json::to_value(input.limits.unwrap_or_default()).map_err(|e| Error::Invalid(e.to_string()))?;
        let secrets = ChannelSecrets {
            password,
            ..Default::default()
        };
        let entry = audit::entry(
            &self.actor,
            "channel.add",
            "channel",
            None,
            serde_json::json!({"name": name, "kind": "smtp", "host": settings.host, "port": settings.port,
                "security": input.security, "user": settings.username, "from": settings.from_address}),
        );
        self.insert_channel_with_secrets(name, ChannelKind::Smtp, &json, &limits, &secrets, entry)
            .await
    }

    /// Changes an e-mail channel. The result is checked by building its provider, exactly as
    /// adding does; a changed password goes to a new secret entry, which the row is switched to
    /// in one UPDATE that also checks nobody changed the channel meanwhile, and the old entry
    /// is deleted last. A running dispatcher restarts the channel's worker with the new settings.
    pub async fn update_smtp_channel(&self, name: &str, input: UpdateSmtpChannel) -> Result<Channel> {
        let channel = self.channel_of_kind(name, ChannelKind::Smtp, "e-mail").await?;
        let (row, old_secrets) = load_channel_secrets(&self.store, self.secrets.as_ref(), channel.id).await?;
        let old: SmtpSettings = serde_json::from_value(row.settings.clone())
            .map_err(|e| Error::Invalid(format!("its settings cannot be read: {e}")))?;
        let mut s = old.clone();
        let clear = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        if let Some(host) = input.host {
            s.host = host.trim().to_owned();
        }
        if let Some(security) = &input.security {
            s.security = Security::parse(security)
                .ok_or_else(|| Error::Invalid(format!("security must be none, starttls or tls, not {security}")))?;
        }
        if let Some(port) = input.port {
            s.port = port;
        }
        if let Some(user) = input.username {
            s.username = clear(user);
        }
        if let Some(from) = input.from_address {
            s.from_address = from.trim().to_owned();
        }
        if let Some(v) = input.from_name {
            s.from_name = clear(v);
        }
        if let Some(v) = input.reply_to {
            s.reply_to = clear(v);
        }
        if let Some(v) = input.ca_pem {
            s.ca_pem = clear(v);
        }
        if let Some(v) = input.pool_size {
            s.pool_size = v;
        }
        if let Some(v) = input.timeout_ms {
            s.timeout_ms = u64::from(v);
        }
        let new_password = input.password.filter(|p| !p.is_empty());
        // A login that changes user keeps no password it was not given: the old one belongs
        // to the old user.
        let password = match (&s.username, new_password) {
            (None, _) => None,
            (Some(_), Some(p)) => Some(p),
            (Some(user), None) if old.username.as_ref() == Some(user) => old_secrets.password.clone(),
            (Some(_), None) => None,
        };
        Smtp::new(s.clone(), password.clone()).map_err(|e| Error::Invalid(e.to_string()))?;
        let limits = match input.limits {
            Some(l) => serde_json::to_value(l).map_err(|e| Error::Invalid(e.to_string()))?,
            None => row.limits.clone(),
        };
        let mut changes: Vec<&str> = Vec::new();
        for (field, differs) in [
            ("host", s.host != old.host),
            ("port", s.port != old.port),
            ("security", s.security != old.security),
            ("username", s.username != old.username),
            ("password", password != old_secrets.password),
            ("fromAddress", s.from_address != old.from_address),
            ("fromName", s.from_name != old.from_name),
            ("replyTo", s.reply_to != old.reply_to),
            ("caPem", s.ca_pem != old.ca_pem),
            ("poolSize", s.pool_size != old.pool_size),
            ("timeoutMs", s.timeout_ms != old.timeout_ms),
            ("limits", limits != row.limits),
        ] {
            if differs {
                changes.push(field);
            }
        }
        if changes.is_empty() {
            return Ok(channel);
        }
        let secrets = ChannelSecrets {
            password,
            ..old_secrets.clone()
        };
        let json = serde_json::to_value(&s).map_err(|e| Error::Invalid(e.to_string()))?;
        let entry = audit::entry(
            &self.actor,
            "channel.update",
            "channel",
            Some(channel.id),
            serde_json::json!({"name": name, "kind": "smtp", "changes": changes}),
        );
        self.replace_channel_with_secrets(&channel, &row, &json, &limits, &old_secrets, &secrets, entry)
            .await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_channel(channel.id).await?)
    }

    /// An e-mail channel's settings, without its password.
    pub async fn smtp_channel_config(&self, name: &str) -> Result<SmtpChannelConfig> {
        let channel = self.channel_of_kind(name, ChannelKind::Smtp, "e-mail").await?;
        let (row, stored) = load_channel_secrets(&self.store, self.secrets.as_ref(), channel.id).await?;
        let s: SmtpSettings = serde_json::from_value(row.settings)
            .map_err(|e| Error::Invalid(format!("its settings cannot be read: {e}")))?;
        Ok(SmtpChannelConfig {
            name: channel.name,
            host: s.host,
            port: s.port,
            security: match s.security {
                Security::None => "none",
                Security::Starttls => "starttls",
                Security::Tls => "tls",
            }
            .into(),
            username: s.username,
            has_password: stored.password.is_some(),
            from_address: s.from_address,
            from_name: s.from_name,
            reply_to: s.reply_to,
            has_ca: s.ca_pem.is_some(),
            pool_size: s.pool_size,
            timeout_ms: u32::try_from(s.timeout_ms).unwrap_or(u32::MAX),
        })
    }

    /// Sends one test message through a channel to `to`, and reports the server's reply or
    /// why it failed. Audited (the address, not the reply).
    pub async fn test_channel(&self, name: &str, to: Option<&str>) -> Result<ChannelTestResult> {
        let channel = self.channel_by_name(name).await?;
        if let Some(kind) = super::kinds::described(channel.kind) {
            let result = self.test_kind_channel(kind, &channel, to).await?;
            self.audit_test(&channel, to, result.ok).await?;
            return Ok(result);
        }
        let result = match (channel.kind, to) {
            (ChannelKind::Smtp, Some(to)) => {
                let smtp = load_smtp(&self.store, self.secrets.as_ref(), channel.id).await?;
                smtp.test(to).await
            }
            (ChannelKind::Smtp, None) => {
                return Err(Error::Invalid(format!(
                    "to test {name}, give the address the test message goes to (--to)"
                )))
            }
            (other, _) => {
                return Err(Error::Invalid(format!(
                    "a test message is for e-mail, robot and app channels; {name} is a {} channel",
                    other.as_str()
                )))
            }
        };
        self.audit_test(&channel, to, result.is_ok()).await?;
        Ok(match result {
            Ok(reply) => ChannelTestResult { ok: true, reply },
            Err(reply) => ChannelTestResult { ok: false, reply },
        })
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
}
