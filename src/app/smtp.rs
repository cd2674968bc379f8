//! E-mail channels as the desktop form gives and shows them, on the `smtp` kind's settings;
//! and the test message every kind sends.

use std::collections::BTreeMap;

use super::kinds::stored_values;
use super::{one_line, App};
use crate::audit;
use crate::channels::kinds::smtp::SmtpKind;
use crate::model::{Channel, ChannelKind, ChannelTestResult, NewSmtpChannel, SmtpChannelConfig, UpdateSmtpChannel};
use crate::providers::smtp::{ca_pem_from_file, DEFAULT_POOL, DEFAULT_TIMEOUT_MS};
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

impl App {
    /// Adds an e-mail channel: the form's fields as the `smtp` kind's settings
    /// ([`App::add_kind_channel`]). The server is not contacted: a test message does that.
    pub async fn add_smtp_channel(&self, input: NewSmtpChannel) -> Result<Channel> {
        let mut settings = BTreeMap::new();
        let mut set = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                settings.insert(key.to_owned(), v);
            }
        };
        set("host", Some(input.host));
        set("port", (input.port != 0).then(|| input.port.to_string()));
        set("security", Some(input.security).filter(|s| !s.is_empty()));
        set("username", input.username);
        set("password", input.password);
        set("from-address", Some(input.from_address));
        set("from-name", one_line(input.from_name));
        set("reply-to", input.reply_to);
        set("ca-pem", input.ca_pem);
        set("pool-size", input.pool_size.map(|n| n.to_string()));
        set("timeout-ms", input.timeout_ms.map(|n| n.to_string()));
        self.add_kind_channel("smtp", &input.name, settings, input.limits).await
    }

    /// Changes an e-mail channel: each field given is a setting to change
    /// ([`App::update_kind_channel`]); an empty one clears it. A new user name without a
    /// password forgets the old password, which was the old user's.
    pub async fn update_smtp_channel(&self, name: &str, input: UpdateSmtpChannel) -> Result<Channel> {
        self.channel_of_kind(name, ChannelKind::SMTP, "e-mail").await?;
        let mut changes = BTreeMap::new();
        let mut set = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                changes.insert(key.to_owned(), v);
            }
        };
        set("host", input.host);
        set("port", input.port.map(|p| p.to_string()));
        set("security", input.security);
        set("username", input.username);
        set("password", input.password.filter(|p| !p.is_empty()));
        set("from-address", input.from_address);
        set(
            "from-name",
            input.from_name.map(|n| one_line(Some(n)).unwrap_or_default()),
        );
        set("reply-to", input.reply_to);
        set("ca-pem", input.ca_pem);
        set("pool-size", input.pool_size.map(|n| n.to_string()));
        set("timeout-ms", input.timeout_ms.map(|n| n.to_string()));
        self.update_kind_channel(name, changes, input.limits).await
    }

    /// An e-mail channel's settings, without its password.
    pub async fn smtp_channel_config(&self, name: &str) -> Result<SmtpChannelConfig> {
        let channel = self.channel_of_kind(name, ChannelKind::SMTP, "e-mail").await?;
        let values = stored_values(&self.store, self.secrets.as_ref(), &SmtpKind, channel.id).await?;
        let text = |key| values.get(key).map(str::to_owned);
        let (security, port) = match values.get("security") {
            Some("tls") => ("tls", 465),
            Some("none") => ("none", 25),
            _ => ("starttls", 587),
        };
        Ok(SmtpChannelConfig {
            name: channel.name,
            host: text("host").unwrap_or_default(),
            port: values.number("port").map_or(port, |p| p as u16),
            security: security.into(),
            username: text("username"),
            has_password: values.get("password").is_some(),
            from_address: text("from-address").unwrap_or_default(),
            from_name: text("from-name"),
            reply_to: text("reply-to"),
            has_ca: values.get("ca-pem").is_some(),
            pool_size: values.number("pool-size").map_or(DEFAULT_POOL, |n| n as u32),
            timeout_ms: values
                .number("timeout-ms")
                .map_or(DEFAULT_TIMEOUT_MS as u32, |n| n as u32),
        })
    }

    /// Sends one test message through a channel (to `to`, for a kind that writes to people),
    /// and reports the server's reply or why it failed. Audited (the address, not the reply).
    pub async fn test_channel(&self, name: &str, to: Option<&str>) -> Result<ChannelTestResult> {
        let channel = self.channel_by_name(name).await?;
        let Some(kind) = super::kinds::described(channel.kind) else {
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
}
