//! `herald channels add webhook` and `edit webhook`, and the flag parsing they share.
//! Bad flags are `Error::Invalid`, so they exit with 2 like every other bad input.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cli::args::{HeaderArgs, WebhookArgs, WebhookEditArgs};
use crate::cli::output::emit;
use crate::model::{ChannelLimits, NewWebhookChannel, UpdateWebhookChannel};
use crate::providers::webhook::{is_credential_header, url_has_secret_values};
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
    crate::files::read_regular_text(path, super::super::notices::TEXT_FILE_BYTES)
        .map_err(|e| Error::Invalid(format!("bodyTemplate: cannot read {}: {e}", path.display())))
}

/// One line of standard input: a signing secret.
pub fn read_secret() -> Result<String, Error> {
    super::read_stdin_line("secret")
}

/// The first line of a file, trimmed, for `field`. The message never quotes the content.
fn read_file_line(field: &str, path: &str) -> Result<String, Error> {
    let text = crate::files::read_regular_text(Path::new(path.trim()), super::super::notices::TEXT_FILE_BYTES)
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
        Some(u) if u.trim() == "-" => Some(super::read_stdin_line("url")?),
        other => other,
    };
    for (name, value) in headers.iter_mut() {
        if value == "-" {
            *value = super::read_stdin_line(&format!("headers.{name}"))?;
        }
    }
    headers.extend(from_files);
    for name in &h.secret_headers {
        if !given(name, &headers, &BTreeMap::new()) {
            let name = name.trim().to_owned();
            let value = super::read_stdin_line(&format!("headers.{name}"))?;
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

pub async fn edit_webhook(app: &App, a: WebhookEditArgs, json: bool) -> anyhow::Result<()> {
    let current = app.channel_by_name(&a.name).await?;
    let new_limits = super::limits(current.limits.clone(), &a.limits);
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

pub fn webhook_input(a: WebhookArgs) -> anyhow::Result<NewWebhookChannel> {
    let body_template = a.body_template.as_deref().map(read_template).transpose()?;
    let flags = webhook_flags(Some(a.url), &a.header_args, a.secret_stdin)?;
    Ok(NewWebhookChannel {
        name: a.name,
        url: flags.url.unwrap_or_default(),
        method: Some(a.method),
        headers: Some(flags.headers),
        secret_headers: Some(flags.secret_headers).filter(|h| !h.is_empty()),
        body_template,
        timeout_ms: a.timeout_ms,
        secret: flags.secret,
        limits: Some(super::limits(ChannelLimits::default(), &a.limits)),
    })
}
