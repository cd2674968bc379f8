//! `herald channels edit webhook` and `show`, and the flag parsing adding shares with them.
//! Bad flags are `Error::Invalid`, so they exit with 2 like every other bad input.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::args::{LimitArgs, WebhookEditArgs};
use super::output::emit;
use crate::model::{
    Channel, ChannelKind, ChannelLimits, SmtpChannelConfig, UpdateWebhookChannel, WebhookChannelConfig,
};
use crate::{App, Error};

/// `--header "Name: value"` flags as a map. The message never quotes a flag: its value may
/// be a credential.
pub fn parse_headers(flags: &[String]) -> Result<BTreeMap<String, String>, Error> {
    let mut headers = BTreeMap::new();
    for (i, h) in flags.iter().enumerate() {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("--header number {}: write it as \"Name: value\"", i + 1)))?;
        headers.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    Ok(headers)
}

/// The body template in `path`.
pub fn read_template(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Invalid(format!("bodyTemplate: cannot read {}: {e}", path.display())))
}

/// One line of standard input: a signing secret.
pub fn read_secret() -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| Error::Invalid(format!("secret: cannot read standard input: {e}")))?;
    Some(s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Invalid("secret: standard input held no secret".into()))
}

/// `base` with every limit given on the command line in its place.
pub fn limits(base: ChannelLimits, a: &LimitArgs) -> ChannelLimits {
    ChannelLimits {
        per_second: a.per_second.or(base.per_second),
        per_minute: a.per_minute.or(base.per_minute),
        concurrency: a.concurrency.or(base.concurrency),
        max_attempts: a.max_attempts.or(base.max_attempts),
        retry_base_secs: a.retry_base_secs.or(base.retry_base_secs),
        pause_after_failures: a.pause_after_failures.or(base.pause_after_failures),
        ..base
    }
}

pub async fn edit_webhook(app: &App, a: WebhookEditArgs, json: bool) -> anyhow::Result<()> {
    let current = app.channel_by_name(&a.name).await?;
    let new_limits = limits(current.limits.clone(), &a.limits);
    let body_template = match (&a.body_template_file, a.default_body) {
        (Some(path), _) => Some(read_template(path)?),
        (None, true) => Some(String::new()),
        (None, false) => None,
    };
    let input = UpdateWebhookChannel {
        url: a.url,
        method: a.method,
        headers: Some(parse_headers(&a.headers)?).filter(|h| !h.is_empty()),
        remove_headers: Some(a.remove_headers).filter(|h| !h.is_empty()),
        body_template,
        timeout_ms: a.timeout_ms,
        signing: a.signing.map(|s| s == "on"),
        secret: if a.secret_stdin { Some(read_secret()?) } else { None },
        remove_secret: a.remove_secret.then_some(true),
        limits: (new_limits != current.limits).then_some(new_limits),
    };
    if input == UpdateWebhookChannel::default() {
        return Err(Error::Invalid(
            "nothing to change: give --url, --method, --header, --remove-header, --body-template-file, \
             --default-body, --signing, --secret-stdin, --remove-secret, --timeout-ms or a limit"
                .into(),
        )
        .into());
    }
    let rotated = input.secret.is_some();
    let c = app.update_webhook_channel(&a.name, input).await?;
    emit(json, &c, || {
        println!("updated webhook channel {} ({})", c.id, c.name);
        if rotated {
            println!("requests are signed with the new secret; the old one no longer works");
        }
    })
}

/// A channel as `show` prints it: with its webhook settings, secrets only named.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    channel: &'a Channel,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook: Option<WebhookChannelConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp: Option<SmtpChannelConfig>,
}

pub async fn show(app: &App, name: &str, json: bool) -> anyhow::Result<()> {
    let c = app.channel_by_name(name).await?;
    let webhook = match c.kind {
        ChannelKind::Webhook => Some(app.webhook_channel_config(name).await?),
        _ => None,
    };
    let smtp = match c.kind {
        ChannelKind::Smtp => Some(app.smtp_channel_config(name).await?),
        _ => None,
    };
    let shown = Shown {
        channel: &c,
        webhook,
        smtp,
    };
    emit(json, &shown, || {
        super::notices::print_channel(&c);
        if let Some(w) = &shown.webhook {
            println!("url:      {} {}", w.method, w.url);
            for (k, v) in &w.headers {
                println!("header:   {k}: {v}");
            }
            for k in &w.secret_headers {
                println!("header:   {k}: (in the secret store)");
            }
            println!(
                "body:     {}",
                if w.body_template.is_some() {
                    "template"
                } else {
                    "default JSON"
                }
            );
            println!("timeout:  {} ms", w.timeout_ms);
            let secret = if w.has_secret {
                "a secret is stored"
            } else {
                "no secret"
            };
            println!("signing:  {} ({secret})", if w.signing { "on" } else { "off" });
        }
        if let Some(s) = &shown.smtp {
            println!("server:   {}:{} ({})", s.host, s.port, s.security);
            match &s.username {
                Some(u) => println!(
                    "login:    {u} ({})",
                    if s.has_password {
                        "password in the secret store"
                    } else {
                        "password missing"
                    }
                ),
                None => println!("login:    none"),
            }
            match &s.from_name {
                Some(n) => println!("from:     {n} <{}>", s.from_address),
                None => println!("from:     {}", s.from_address),
            }
            if s.has_ca {
                println!("trusts:   only the CA certificate given");
            }
            println!("pool:     {} connections", s.pool_size);
        }
    })
}
