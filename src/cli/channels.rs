//! `herald channels edit webhook` and `show`, and the flag parsing adding shares with them.
//! Bad flags are `Error::Invalid`, so they exit with 2 like every other bad input.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::args::{HeaderArgs, LimitArgs, WebhookEditArgs};
use super::output::emit;
use crate::model::{
    Channel, ChannelKind, ChannelLimits, KindChannelConfig, SmtpChannelConfig, UpdateWebhookChannel,
    WebhookChannelConfig,
};
use crate::providers::webhook::{is_credential_header, url_has_secret_values, MASKED};
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
    crate::files::read_regular_text(path, super::notices::TEXT_FILE_BYTES)
        .map_err(|e| Error::Invalid(format!("bodyTemplate: cannot read {}: {e}", path.display())))
}

/// One line of standard input: a signing secret.
pub fn read_secret() -> Result<String, Error> {
    read_stdin_line("secret")
}

/// One line of standard input, trimmed, for `field`; empty is an error.
pub(super) fn read_stdin_line(field: &str) -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| Error::Invalid(format!("{field}: cannot read standard input: {e}")))?;
    Some(s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Invalid(format!("{field}: standard input held nothing")))
}

/// The first line of a file, trimmed, for `field`. The message never quotes the content.
fn read_file_line(field: &str, path: &str) -> Result<String, Error> {
    let text = crate::files::read_regular_text(Path::new(path.trim()), super::notices::TEXT_FILE_BYTES)
        .map_err(|e| Error::Invalid(format!("{field}: cannot read {}: {e}", path.trim())))?;
    text.lines()
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Invalid(format!("{field}: {} is empty", path.trim())))
}

/// A webhook's URL, headers and signing secret as the flags give them, with the values to
/// be read from standard input or files read. Standard input holds one value: only one flag
/// may ask for it.
pub struct WebhookFlags {
    pub url: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub secret_headers: Vec<String>,
    pub secret: Option<String>,
}

pub fn webhook_flags(url: Option<String>, h: &HeaderArgs, secret_stdin: bool) -> Result<WebhookFlags, Error> {
    let mut headers = parse_headers(&h.headers)?;
    let mut from_files = BTreeMap::new();
    for (i, flag) in h.header_files.iter().enumerate() {
        let (name, path) = flag
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("--header-file number {}: write it as \"Name: FILE\"", i + 1)))?;
        let name = name.trim().to_owned();
        from_files.insert(name.clone(), read_file_line(&format!("headers.{name}"), path)?);
    }
    let given = |name: &str, headers: &BTreeMap<String, String>, files: &BTreeMap<String, String>| {
        headers
            .keys()
            .chain(files.keys())
            .any(|k| k.eq_ignore_ascii_case(name.trim()))
    };
    // Who reads standard input.
    let mut stdin: Vec<String> = Vec::new();
    if secret_stdin {
        stdin.push("--secret-stdin".into());
    }
    if url.as_deref().map(str::trim) == Some("-") {
        stdin.push("--url -".into());
    }
    for (name, value) in &headers {
        if value == "-" {
            stdin.push(format!("--header '{name}: -'"));
        }
    }
    for name in &h.secret_headers {
        if !given(name, &headers, &from_files) {
            stdin.push(format!("--secret-header {}", name.trim()));
        }
    }
    if stdin.len() > 1 {
        return Err(Error::Invalid(format!(
            "standard input holds one value, but {} all ask for it: give the others with --header-file",
            stdin.join(", ")
        )));
    }
    // Secrets typed on the command line are visible to every user of the machine (`ps`) and
    // kept in the shell's history: still accepted, with a warning.
    let marked = |name: &str| h.secret_headers.iter().any(|m| m.trim().eq_ignore_ascii_case(name));
    for (name, value) in &headers {
        if value != "-" && (is_credential_header(&name.to_ascii_lowercase()) || marked(name)) {
            eprintln!(
                "warning: the value of the header {name} is on the command line, where other users and the shell's \
                 history can see it; next time give --header '{name}: -' and the value on standard input, or \
                 --header-file '{name}: FILE'"
            );
        }
    }
    if url
        .as_deref()
        .is_some_and(|u| u.trim() != "-" && url_has_secret_values(u))
    {
        eprintln!(
            "warning: the URL's secret query values are on the command line, where other users and the shell's \
             history can see them; next time give --url - and the URL on standard input"
        );
    }
    let url = match url {
        Some(u) if u.trim() == "-" => Some(read_stdin_line("url")?),
        other => other,
    };
    for (name, value) in headers.iter_mut() {
        if value == "-" {
            *value = read_stdin_line(&format!("headers.{name}"))?;
        }
    }
    headers.extend(from_files);
    for name in &h.secret_headers {
        if !given(name, &headers, &BTreeMap::new()) {
            let name = name.trim().to_owned();
            let value = read_stdin_line(&format!("headers.{name}"))?;
            headers.insert(name, value);
        }
    }
    let secret = if secret_stdin { Some(read_secret()?) } else { None };
    Ok(WebhookFlags {
        url,
        headers,
        secret_headers: h.secret_headers.iter().map(|n| n.trim().to_owned()).collect(),
        secret,
    })
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
    let flags = webhook_flags(a.url, &a.header_args, a.secret_stdin)?;
    let input = UpdateWebhookChannel {
        url: flags.url,
        method: a.method,
        headers: Some(flags.headers).filter(|h| !h.is_empty()),
        secret_headers: Some(flags.secret_headers).filter(|h| !h.is_empty()),
        remove_headers: Some(a.remove_headers).filter(|h| !h.is_empty()),
        body_template,
        timeout_ms: a.timeout_ms,
        signing: a.signing.map(|s| s == "on"),
        secret: flags.secret,
        remove_secret: a.remove_secret.then_some(true),
        limits: (new_limits != current.limits).then_some(new_limits),
    };
    if input == UpdateWebhookChannel::default() {
        return Err(Error::Invalid(
            "nothing to change: give --url, --method, --header, --header-file, --secret-header, --remove-header, \
             --body-template-file, \
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
    /// A kind described by its schema: its settings, secrets only as set.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<KindChannelConfig>,
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
    let settings = match crate::channels::find(c.kind.as_str()) {
        Some(_) => Some(app.kind_channel_config(name).await?),
        None => None,
    };
    let shown = Shown {
        channel: &c,
        webhook,
        smtp,
        settings,
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
            if !w.secret_query.is_empty() {
                println!(
                    "          {MASKED} in the URL: {} (in the secret store)",
                    w.secret_query.join(", ")
                );
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
        if let (Some(k), Some(kind)) = (&shown.settings, crate::channels::find(c.kind.as_str())) {
            for field in kind.fields() {
                let value = if field.ty.is_secret() {
                    let set = k.secrets_set.iter().any(|s| s == field.key);
                    (if set { "(in the secret store)" } else { "(not set)" }).to_owned()
                } else {
                    match k.settings.get(field.key) {
                        Some(serde_json::Value::String(v)) => v.clone(),
                        Some(v) => v.to_string(),
                        None => "(not set)".to_owned(),
                    }
                };
                println!("{:<12}{value}", format!("{}:", field.key));
            }
        }
    })
}
