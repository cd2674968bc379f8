//! The generic webhook provider: one HTTP request per message to the one URL an admin
//! configured, optionally signed the Standard Webhooks way (<https://www.standardwebhooks.com>).
//!
//! What it owns:
//! - [`WebhookSettings`], the channel's non-secret JSON settings, and their validation;
//! - the request body: a fixed JSON shape by default, or the admin's minijinja `bodyTemplate`;
//! - signing ([`sign`]) and the classification of every reply as an [`Outcome`].
//!
//! **Security.** Requests go only to the configured URL: nothing in a notice (subject, body,
//! recipient fields) can choose the host, path or method, and redirects are *not* followed
//! (a 3xx reply is a permanent failure that names the new location), so a receiver cannot
//! bounce Herald elsewhere either. The signing secret lives only in memory as decoded key
//! bytes; it, the signature and the values of credential-looking headers are scrubbed from
//! every reason, and neither is ever logged.
//!
//! **Idempotency.** Each request carries `Idempotency-Key: <delivery id>` and, when signed,
//! `webhook-id: msg_<delivery id>`. Both are derived from the delivery, not drawn at random,
//! so a retry of the same delivery (after a timeout whose request did arrive, say) carries the
//! same id and the receiver can drop the duplicate. Delivery is at-least-once; this is what
//! lets a receiver make it effectively once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use futures_util::stream::{self, StreamExt};
use hmac::{Hmac, Mac};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

use super::http::{self, read_prefix, retry_after, root_cause, Redactor, REASON_CHARS};
use super::{Limits, Outcome, Outgoing, Provider, WirePart};
use crate::model::ChannelKind;

/// Default time allowed for one request, reply body included.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Longest `timeoutMs` accepted: a receiver slower than this is better treated as down.
pub const MAX_TIMEOUT_MS: u64 = 60_000;
/// Requests in flight at once when the settings do not say.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Largest `maxConcurrency` accepted.
pub const MAX_CONCURRENCY: usize = 100;
/// Messages per [`Provider::send`] call. HTTP carries one message per request, but taking
/// a batch lets the provider overlap the requests' round trips.
pub const MAX_BATCH: usize = 50;
/// Bytes of an error reply read for the reason.
const ERROR_BODY_BYTES: usize = 4 * 1024;
/// Bytes of a success reply read (and discarded) so the connection can go back to the pool.
const SUCCESS_BODY_BYTES: usize = 64 * 1024;
/// The template's name inside the provider's minijinja environment.
const BODY_TEMPLATE: &str = "bodyTemplate";
/// The variables a body template may use.
const TEMPLATE_VARIABLES: [&str; 7] = [
    "id",
    "channel",
    "recipient",
    "recipient.name",
    "recipient.address",
    "subject",
    "body",
];
/// Headers Herald sets itself, or that HTTP sets, and that settings therefore may not.
const RESERVED_HEADERS: [&str; 6] = [
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "idempotency-key",
    "upgrade",
];

/// The HTTP method of a webhook request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookMethod {
    /// `POST`, the default: what nearly every webhook receiver expects.
    #[default]
    #[serde(rename = "POST", alias = "post")]
    Post,
    /// `PUT`, for receivers that store the message under its URL.
    #[serde(rename = "PUT", alias = "put")]
    Put,
}

impl WebhookMethod {
    /// Reads `POST` or `PUT` in any case; the error names the field, as settings errors do.
    pub fn parse(text: &str) -> Result<Self, WebhookConfigError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "POST" => Ok(WebhookMethod::Post),
            "PUT" => Ok(WebhookMethod::Put),
            other => Err(invalid("method", format!("{other} is not supported; use POST or PUT"))),
        }
    }

    fn to_reqwest(self) -> Method {
        match self {
            WebhookMethod::Post => Method::POST,
            WebhookMethod::Put => Method::PUT,
        }
    }
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// A webhook channel's settings: the non-secret JSON kept with the channel (camelCase).
/// The signing secret is not here; it comes from the secret store, see [`Webhook::new`].
///
/// Unknown fields are refused so that a misspelt setting (`bodytemplate`) is an error rather
/// than silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where every request goes (http or https).
    pub url: String,
    /// POST (the default) or PUT.
    #[serde(default)]
    pub method: WebhookMethod,
    /// Extra request headers. `webhook-*`, `content-length`, `host`, `idempotency-key` and the
    /// hop-by-hop headers are Herald's or HTTP's and are refused.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The names of secret headers (credential-looking names, see [`is_credential_header`],
    /// and any the user marked secret) whose values live in the secret store. Stored settings
    /// carry the names without the values; [`WebhookSettings::with_credentials`] puts the
    /// values back into `headers` before a provider is built, and keeps the names, so a
    /// header marked secret stays secret through every later edit.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub secret_headers: BTreeSet<String>,
    /// The names of the URL's query parameters whose values are secret (see
    /// [`is_credential_name`]: `access_token`, `key`, `sign`…). In stored settings the `url`
    /// holds [`MASKED`] in their place and the values live in the secret store;
    /// [`WebhookSettings::with_credentials`] puts them back.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub secret_query: BTreeSet<String>,
    /// A minijinja template that renders the JSON body; variables `id`, `channel`,
    /// `recipient.name`, `recipient.address`, `subject`, `body`. Values are inserted as plain
    /// text, so put them through `tojson` (`{"text": {{ subject|tojson }}}`); validation
    /// rejects a template that breaks on a quote or line break. `None`: the default body
    /// (see [`default_body`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_template: Option<String>,
    /// Time allowed for one request, reply included, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Sign each request with Standard Webhooks headers; needs the channel's secret.
    #[serde(default)]
    pub signing: bool,
    /// Requests in flight at once (default 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<usize>,
    /// Messages per second (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
    /// Messages per minute (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<u32>,
}

impl WebhookSettings {
    /// Settings that POST the default body to `url`, unsigned, with every default.
    pub fn new(url: impl Into<String>) -> Self {
        WebhookSettings {
            url: url.into(),
            method: WebhookMethod::Post,
            headers: BTreeMap::new(),
            secret_headers: BTreeSet::new(),
            secret_query: BTreeSet::new(),
            body_template: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            signing: false,
            max_concurrency: None,
            per_second: None,
            per_minute: None,
        }
    }

    /// Reads settings from the channel's stored JSON and validates them.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, WebhookConfigError> {
        let settings: WebhookSettings =
            serde_json::from_value(value.clone()).map_err(|e| WebhookConfigError::Malformed(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every setting; the error names the field (as spelt in the JSON) and the problem.
    pub fn validate(&self) -> Result<(), WebhookConfigError> {
        self.parsed_url()?;
        self.header_map()?;
        if let Some(source) = &self.body_template {
            check_template(source)?;
        }
        if self.timeout_ms == 0 || self.timeout_ms > MAX_TIMEOUT_MS {
            return Err(invalid(
                "timeoutMs",
                format!("must be between 1 and {MAX_TIMEOUT_MS} milliseconds"),
            ));
        }
        if let Some(n) = self.max_concurrency {
            if n == 0 || n > MAX_CONCURRENCY {
                return Err(invalid(
                    "maxConcurrency",
                    format!("must be between 1 and {MAX_CONCURRENCY}"),
                ));
            }
        }
        if self.per_second == Some(0) {
            return Err(invalid("perSecond", "must be at least 1 (leave it out for no limit)"));
        }
        if self.per_minute == Some(0) {
            return Err(invalid("perMinute", "must be at least 1 (leave it out for no limit)"));
        }
        Ok(())
    }

    fn parsed_url(&self) -> Result<Url, WebhookConfigError> {
        let text = self.url.trim();
        let lower = text.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(invalid("url", "must start with http:// or https://"));
        }
        let url = Url::parse(text).map_err(|e| invalid("url", format!("is not a valid URL ({e})")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("url", "has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Settings are stored in plain text; credentials belong in the secret store.
            return Err(invalid(
                "url",
                "must not contain a user name or password (settings are not secret)",
            ));
        }
        Ok(url)
    }

    fn header_map(&self) -> Result<HeaderMap, WebhookConfigError> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let field = format!("headers.{name}");
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| invalid(&field, "is not a valid header name"))?;
            let lower = header.as_str();
            if lower.starts_with("webhook-") {
                return Err(invalid(
                    &field,
                    "webhook-* headers are Herald's own (Standard Webhooks signing)",
                ));
            }
            if RESERVED_HEADERS.contains(&lower) {
                return Err(invalid(&field, "is set by Herald or by HTTP itself"));
            }
            let mut header_value = HeaderValue::from_str(value).map_err(|_| {
                invalid(
                    &field,
                    "value must be visible ASCII text (no line breaks or control characters)",
                )
            })?;
            if self.is_secret_header(lower) {
                header_value.set_sensitive(true);
            }
            if map.insert(header.clone(), header_value).is_some() {
                return Err(invalid(&field, "is set twice (header names ignore case)"));
            }
        }
        Ok(map)
    }

    fn concurrency(&self) -> usize {
        self.max_concurrency.unwrap_or(DEFAULT_CONCURRENCY)
    }

    /// Whether the header `name` (any case) is secret: a credential-looking name, or one the
    /// user marked secret.
    pub fn is_secret_header(&self, name: &str) -> bool {
        let lower = name.trim().to_ascii_lowercase();
        is_credential_header(&lower)
            || self
                .secret_headers
                .iter()
                .any(|n| n.trim().eq_ignore_ascii_case(&lower))
    }

    /// Takes the secret values out: those of secret headers (leaving their names in
    /// `secret_headers`) and those of secret query parameters (leaving [`MASKED`] in the URL
    /// and their names in `secret_query`). What remains may be stored in plain text; the
    /// values go to the secret store. Values already split out stay split out.
    pub fn split_credentials(mut self) -> (WebhookSettings, Credentials) {
        let names: Vec<String> = self
            .headers
            .keys()
            .filter(|n| self.is_secret_header(n))
            .cloned()
            .collect();
        let mut values = Credentials::default();
        for name in names {
            if let Some(value) = self.headers.remove(&name) {
                self.secret_headers
                    .retain(|n| !n.trim().eq_ignore_ascii_case(name.trim()));
                self.secret_headers.insert(name.clone());
                values.headers.insert(name, value);
            }
        }
        let (url, query, names) = mask_query(&self.url, &self.secret_query);
        self.url = url;
        self.secret_query = names;
        values.query = query;
        (self, values)
    }

    /// Puts the secret values back (the reverse of [`WebhookSettings::split_credentials`]); a
    /// value missing from `values` is an error naming the header or parameter, never a
    /// request sent without it.
    pub fn with_credentials(self, values: &Credentials) -> Result<WebhookSettings, WebhookConfigError> {
        let (settings, missing) = self.with_available_credentials(values);
        if let Some(name) = missing.headers.into_keys().next() {
            return Err(invalid(
                &format!("headers.{name}"),
                "its value is missing from the secret store: set the header again",
            ));
        }
        if let Some(name) = missing.query.into_keys().next() {
            return Err(missing_query(&name));
        }
        Ok(settings)
    }

    /// [`WebhookSettings::with_credentials`] with what `values` has, and the names of the
    /// headers and query parameters it lacks (headers left out of `headers`, parameters left
    /// masked), for an edit that may set them again.
    pub fn with_available_credentials(mut self, values: &Credentials) -> (WebhookSettings, Credentials) {
        let mut missing = Credentials::default();
        for name in &self.secret_headers {
            match values.headers.get(name) {
                Some(value) => {
                    self.headers.insert(name.clone(), value.clone());
                }
                None => {
                    missing.headers.insert(name.clone(), String::new());
                }
            }
        }
        self.headers.retain(|name, _| !missing.headers.contains_key(name));
        let (url, lost) = unmask_query(&self.url, &self.secret_query, &values.query);
        self.url = url;
        missing.query = lost.into_iter().map(|n| (n, String::new())).collect();
        (self, missing)
    }

    /// The URL as it may be shown: secret query values replaced by [`MASKED`].
    pub fn masked_url(&self) -> String {
        mask_query(&self.url, &self.secret_query).0
    }
}

/// The error for a secret query parameter whose value is not there.
fn missing_query(name: &str) -> WebhookConfigError {
    invalid(
        "url",
        format!("the value of its query parameter {name} is missing from the secret store (shown as {MASKED}): type the whole URL again"),
    )
}

/// Secret values of a webhook channel taken out of its settings: header values by header
/// name, query values by parameter name (a parameter's second occurrence is `name#2`, …).
/// `Debug` names them, never shows a value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub headers: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
}

impl Credentials {
    /// Nothing secret.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.query.is_empty()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("query", &self.query.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a secret query parameter's value is replaced with in stored settings and in every
/// view. Giving a URL with it back (an edit that leaves the URL as shown) keeps the stored
/// value.
pub const MASKED: &str = "********";

/// A URL's query split at `&` and the first `=` of each piece, the text as it is (still
/// percent-encoded); the part before the query, and the fragment.
fn split_url(url: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    match rest.split_once('?') {
        Some((base, query)) => (base, Some(query), fragment),
        None => (rest, None, fragment),
    }
}

fn join_url(base: &str, pieces: &[String], fragment: Option<&str>) -> String {
    let mut out = base.to_owned();
    out.push('?');
    out.push_str(&pieces.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// A query parameter's name, percent-decoded (as `application/x-www-form-urlencoded` reads it).
fn decode_name(raw: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Walks the query's `name=value` pieces with the key each secret value is kept under
/// (`name`, then `name#2`… for repeats), letting `f` replace the raw value.
fn map_query(url: &str, mut f: impl FnMut(&str, &str, &str) -> Option<String>) -> String {
    let (base, Some(query), fragment) = split_url(url) else {
        return url.to_owned();
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let pieces: Vec<String> = query
        .split('&')
        .map(|piece| {
            let Some((raw_name, value)) = piece.split_once('=') else {
                return piece.to_owned();
            };
            let name = decode_name(raw_name);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 { name.clone() } else { format!("{name}#{n}") };
            match f(&name, &key, value) {
                Some(new) => format!("{raw_name}={new}"),
                None => piece.to_owned(),
            }
        })
        .collect();
    join_url(base, &pieces, fragment)
}

/// The URL with the values of secret query parameters (credential-looking names, or named
/// in `marked`) replaced by [`MASKED`], the values taken out by key, and the names masked.
fn mask_query(url: &str, marked: &BTreeSet<String>) -> (String, BTreeMap<String, String>, BTreeSet<String>) {
    let mut values = BTreeMap::new();
    let mut names = BTreeSet::new();
    let masked = map_query(url, |name, key, value| {
        let secret = is_credential_name(&name.to_lowercase()) || marked.contains(name);
        if !secret || value.is_empty() {
            return None;
        }
        names.insert(name.to_owned());
        if value != MASKED {
            values.insert(key.to_owned(), value.to_owned());
        }
        Some(MASKED.to_owned())
    });
    (masked, values, names)
}

/// The URL with [`MASKED`] values of the parameters in `names` replaced by those in `values`,
/// and the keys `values` lacks.
fn unmask_query(url: &str, names: &BTreeSet<String>, values: &BTreeMap<String, String>) -> (String, BTreeSet<String>) {
    let mut missing = BTreeSet::new();
    let url = map_query(url, |name, key, value| {
        if value != MASKED || !names.contains(name) {
            return None;
        }
        match values.get(key) {
            Some(v) => Some(v.clone()),
            None => {
                missing.insert(name.to_owned());
                None
            }
        }
    });
    (url, missing)
}

/// The URL with [`MASKED`] values replaced by the stored ones of the same key: an edit that
/// gives the URL as shown keeps its secrets. Errors name a parameter that has no stored value.
pub fn restore_masked_query(url: &str, values: &BTreeMap<String, String>) -> Result<String, WebhookConfigError> {
    let mut missing = None;
    let restored = map_query(url, |name, key, value| {
        if value != MASKED {
            return None;
        }
        match values.get(key) {
            Some(v) => Some(v.clone()),
            None => {
                missing.get_or_insert_with(|| name.to_owned());
                None
            }
        }
    });
    match missing {
        Some(name) => Err(missing_query(&name)),
        None => Ok(restored),
    }
}

/// Whether two URLs go to the same place (scheme, host and port): stored query secrets are
/// put back into an edited URL only then, so an edit cannot send a token to another host.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a.trim()), Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The URL with the values of credential-looking query parameters masked, and those values by
/// key (`name`, `name#2` …), for storing the URL apart from its secrets.
pub fn mask_url(url: &str) -> (String, BTreeMap<String, String>) {
    let (masked, values, _) = mask_query(url.trim(), &BTreeSet::new());
    (masked, values)
}

/// The values of the URL's credential-looking query parameters, by key.
pub fn query_secrets(url: &str) -> BTreeMap<String, String> {
    mask_url(url).1
}

/// A stored URL with its masked values put back from `values` (by key); those `values`
/// lacks stay masked.
pub fn unmask_url(masked: &str, values: &BTreeMap<String, String>) -> String {
    map_query(masked, |_, key, value| {
        (value == MASKED).then(|| values.get(key).cloned()).flatten()
    })
}

/// The query parameters of `url` whose value is [`MASKED`].
pub fn masked_names(url: &str) -> Vec<String> {
    let mut names = Vec::new();
    map_query(url, |name, _, value| {
        if value == MASKED {
            names.push(name.to_owned());
        }
        None
    });
    names
}

/// Whether the URL carries values of credential-looking query parameters (not masked).
pub fn url_has_secret_values(url: &str) -> bool {
    !mask_query(url.trim(), &BTreeSet::new()).1.is_empty()
}

/// The raw values of the URL's query parameters that are secret (credential-looking names,
/// or named in `marked`), for scrubbing reasons.
fn secret_query_values(url: &str, marked: &BTreeSet<String>) -> Vec<String> {
    mask_query(url, marked).1.into_values().collect()
}

/// Settings or a secret that a webhook channel cannot work with.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum WebhookConfigError {
    /// One setting has a value that cannot be used; `field` is its JSON name
    /// (`url`, `headers.X-Token`, `bodyTemplate`, `secret`…).
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    /// The settings JSON does not have the expected shape (a wrong type, an unknown field).
    #[error("settings: {0}")]
    Malformed(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("http client: {0}")]
    Client(String),
}

fn invalid(field: &str, problem: impl Into<String>) -> WebhookConfigError {
    WebhookConfigError::Invalid {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

/// Header names whose values are likely credentials: kept in the secret store rather than the
/// settings, out of reasons, and marked sensitive so HTTP debug output hides them. The same
/// words as [`is_credential_name`]; a header that does not match can still be marked secret.
pub fn is_credential_header(lower_name: &str) -> bool {
    is_credential_name(lower_name)
}

/// Parts of names that mark a credential, in a header name or a URL query parameter name
/// (lower case). Generous on purpose: a value kept secret that was not is only hidden from
/// view, while a secret kept in plain text is in every copy of the database.
pub const CREDENTIAL_WORDS: [&str; 15] = [
    "auth",
    "token",
    "key",
    "secret",
    "sig",
    "cookie",
    "pass",
    "pwd",
    "credential",
    "session",
    "ticket",
    "bearer",
    "jwt",
    "hmac",
    "private",
];

/// Whole names (lower case) that are credentials although too short to look for inside others.
pub const CREDENTIAL_NAMES: [&str; 5] = ["sid", "code", "pin", "otp", "ak"];

/// Whether a header or query parameter name (lower case) looks like it carries a credential:
/// it contains auth, token, key, secret, sig (sign, signature), cookie, pass (password), pwd,
/// credential, session, ticket, bearer, jwt, hmac or private, or is sid, code, pin, otp
/// or ak.
pub fn is_credential_name(lower_name: &str) -> bool {
    let name = lower_name.trim();
    CREDENTIAL_WORDS.iter().any(|w| name.contains(w)) || CREDENTIAL_NAMES.contains(&name)
}

// ---------------------------------------------------------------------------------------
// Signing (Standard Webhooks v1)
// ---------------------------------------------------------------------------------------

/// A signing secret that cannot be used. Never carries the secret itself.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SignError {
    /// Nothing left once the optional `whsec_` prefix is removed.
    #[error("the signing secret is empty")]
    Empty,
    /// The part after `whsec_` is not standard base64.
    #[error("the signing secret is not base64 (after the optional whsec_ prefix)")]
    NotBase64,
}

/// The HMAC key of a Standard Webhooks secret: the base64-decoded bytes after an optional
/// `whsec_` prefix. (Keying HMAC with the secret's *text* is the classic mistake: it gives
/// signatures no receiver accepts.) `Debug` does not show the bytes.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// Decodes a secret such as `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw` (surrounding
    /// whitespace is ignored, as pasted secrets often carry a line break).
    pub fn from_secret(secret: &str) -> Result<Self, SignError> {
        let text = secret.trim();
        let text = text.strip_prefix("whsec_").unwrap_or(text);
        if text.is_empty() {
            return Err(SignError::Empty);
        }
        let bytes = BASE64.decode(text).map_err(|_| SignError::NotBase64)?;
        if bytes.is_empty() {
            return Err(SignError::Empty);
        }
        Ok(SigningKey(bytes))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The base64 HMAC-SHA256 of [`signed_content`], without the `v1,` prefix.
    pub fn signature_base64(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC-SHA256 accepts a key of any length");
        mac.update(&signed_content(msg_id, timestamp, body));
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// The `webhook-signature` header value: `v1,<base64 signature>`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", self.signature_base64(msg_id, timestamp, body))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({} bytes)", self.0.len())
    }
}

/// What Standard Webhooks signs: `{msg_id}.{timestamp}.{body}`, the body as sent, byte for byte.
pub fn signed_content(msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{msg_id}.{timestamp}.").into_bytes();
    out.extend_from_slice(body);
    out
}

/// The `webhook-signature` header value (`v1,<base64>`) for one request, per Standard Webhooks
/// v1: HMAC-SHA256 keyed with the base64-decoded secret (an optional `whsec_` prefix
/// removed) over `{msg_id}.{timestamp}.{body}`. Pure, so it can be checked against the
/// specification's vectors with their old timestamps.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignError> {
    Ok(SigningKey::from_secret(secret)?.sign(msg_id, timestamp, body))
}

/// The `webhook-id` of a delivery: `msg_<delivery id>`. Stable across retries of the same
/// delivery so a receiver can de-duplicate a request it already processed.
pub fn message_id(delivery_id: i64) -> String {
    format!("msg_{delivery_id}")
}

// ---------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------

/// The recipient as a body (or template) sees it.
#[derive(Debug, Serialize)]
struct Recipient<'a> {
    name: &'a str,
    address: &'a str,
}

/// The default body, and the variables of a body template. Field order is the JSON order.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    /// A string, not a number: JavaScript receivers lose precision above 2^53.
    id: String,
    channel: &'a str,
    recipient: Recipient<'a>,
    subject: &'a str,
    body: &'a str,
}

impl<'a> Payload<'a> {
    fn of(channel: &'a str, m: &'a Outgoing) -> Self {
        Payload {
            id: m.delivery_id.to_string(),
            channel,
            recipient: Recipient {
                name: &m.recipient_name,
                address: &m.address,
            },
            subject: &m.subject,
            body: &m.body,
        }
    }
}

/// The body sent when a channel has no `bodyTemplate`:
/// `{"id":"<delivery id>","channel":…,"recipient":{"name":…,"address":…},"subject":…,"body":…}`,
/// compact, UTF-8 (Chinese text is not `\u`-escaped).
pub fn default_body(channel_name: &str, message: &Outgoing) -> Vec<u8> {
    // Serialising plain strings into a Vec cannot fail.
    serde_json::to_vec(&Payload::of(channel_name, message)).expect("serialising strings to JSON cannot fail")
}

/// The environment body templates render in: strict (an unknown variable is an error, not
/// an empty string), no auto-escaping, and a `tojson` filter (minijinja's own needs a crate
/// feature Herald does not turn on).
fn template_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    env.add_filter("tojson", tojson);
    env
}

fn tojson(value: &Value) -> Result<Value, minijinja::Error> {
    serde_json::to_string(value)
        .map(Value::from_safe_string)
        .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

fn describe_template_error(e: &minijinja::Error) -> String {
    let mut text = e.kind().to_string();
    if let Some(detail) = e.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(line) = e.line() {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

/// Values with every character that breaks hand-written JSON, for the validation render.
const PROBE_TEXT: &str = "引号 \"quoted\" \\ back\nslash\t<tag> & 'single'";

/// Parses a body template, checks its variables, and renders it once with awkward values
/// (quotes, backslashes, line breaks) to prove the result is JSON whatever a notice holds.
fn check_template(source: &str) -> Result<(), WebhookConfigError> {
    let mut env = template_environment();
    env.add_template_owned(BODY_TEMPLATE, source.to_owned())
        .map_err(|e| invalid("bodyTemplate", describe_template_error(&e)))?;
    let template = env
        .get_template(BODY_TEMPLATE)
        .map_err(|e| invalid("bodyTemplate", describe_template_error(&e)))?;
    let unknown: BTreeSet<String> = template
        .undeclared_variables(true)
        .into_iter()
        .filter(|v| !TEMPLATE_VARIABLES.contains(&v.as_str()))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.into_iter().map(|v| format!("`{v}`")).collect();
        return Err(invalid(
            "bodyTemplate",
            format!(
                "uses unknown variable {}; available: id, channel, recipient.name, \
                 recipient.address, subject, body",
                names.join(", ")
            ),
        ));
    }
    let probe = Outgoing {
        delivery_id: 1,
        address: PROBE_TEXT.into(),
        recipient_name: PROBE_TEXT.into(),
        subject: PROBE_TEXT.into(),
        body: PROBE_TEXT.into(),
        attachments: Default::default(),
        allow_unsubscribe: false,
        mentions: Default::default(),
    };
    let rendered = template
        .render(Payload::of(PROBE_TEXT, &probe))
        .map_err(|e| invalid("bodyTemplate", describe_template_error(&e)))?;
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&rendered) {
        return Err(invalid(
            "bodyTemplate",
            format!(
                "does not give valid JSON when a value holds a quote or a line break ({e}); \
                 insert values with tojson, e.g. {{{{ subject|tojson }}}}"
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------

/// A webhook channel: validated settings, one pooled HTTP client, and the signing key.
pub struct Webhook {
    channel_name: String,
    settings: WebhookSettings,
    url: Url,
    method: Method,
    /// Configured headers plus `content-type: application/json` unless configured.
    headers: HeaderMap,
    key: Option<SigningKey>,
    /// Strings never to show in a reason: the secret's text and credential header values.
    redact: Redactor,
    /// The body template, compiled once (`None`: the default body).
    templates: Option<Environment<'static>>,
    client: reqwest::Client,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("channel_name", &self.channel_name)
            .field("method", &self.method)
            .field("url", &self.settings.masked_url())
            .field("signing", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A webhook channel named `channel_name`. `secret` is the channel's signing secret from
    /// the secret store (`whsec_…` or plain base64); it is required when `settings.signing`
    /// is on and ignored otherwise. Builds the one HTTP client (rustls, connection pool,
    /// `timeoutMs` per request, no redirects, no cookies) every send reuses.
    pub fn new(
        channel_name: impl Into<String>,
        settings: WebhookSettings,
        secret: Option<String>,
    ) -> Result<Webhook, WebhookConfigError> {
        settings.validate()?;
        let loaded = |name: &String| {
            settings
                .headers
                .keys()
                .any(|h| h.trim().eq_ignore_ascii_case(name.trim()))
        };
        if let Some(name) = settings.secret_headers.iter().find(|n| !loaded(n)) {
            // Sending without the header would fail at the receiver in a confusing way.
            return Err(invalid(
                &format!("headers.{name}"),
                "its value was not loaded from the secret store",
            ));
        }
        // A masked value left in the URL (the secret store lost it, or a URL copied from a
        // view) would be sent as the credential.
        let mut masked = None;
        map_query(&settings.url, |name, _, value| {
            if value == MASKED {
                masked.get_or_insert_with(|| name.to_owned());
            }
            None
        });
        if let Some(name) = masked {
            return Err(invalid(
                "url",
                format!("the value of its query parameter {name} is hidden ({MASKED}): type the whole URL again"),
            ));
        }
        let url = settings.parsed_url()?;
        let mut headers = settings.header_map()?;
        if !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut redact: Vec<String> = headers
            .iter()
            .filter(|(name, _)| settings.is_secret_header(name.as_str()))
            .filter_map(|(_, value)| value.to_str().ok())
            .filter(|v| v.len() >= 4)
            .map(str::to_owned)
            .collect();
        for value in secret_query_values(&settings.url, &settings.secret_query) {
            if value.len() >= 4 {
                let decoded = decode_name(&value);
                if decoded != value && decoded.len() >= 4 {
                    redact.push(decoded);
                }
                redact.push(value);
            }
        }
        let key = if settings.signing {
            let secret = secret
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| invalid("secret", "signing is on, so the channel needs a signing secret"))?;
            let key = SigningKey::from_secret(&secret).map_err(|e| invalid("secret", e.to_string()))?;
            redact.push(secret.trim().to_owned());
            Some(key)
        } else {
            None
        };
        let templates = match &settings.body_template {
            Some(source) => {
                let mut env = template_environment();
                env.add_template_owned(BODY_TEMPLATE, source.clone())
                    .map_err(|e| invalid("bodyTemplate", describe_template_error(&e)))?;
                Some(env)
            }
            None => None,
        };
        let client = reqwest::Client::builder()
            .user_agent(concat!("Herald/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_timeout(Duration::from_millis(settings.timeout_ms))
            // Only the configured URL is ever requested: a redirect is reported, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(settings.concurrency())
            .build()
            .map_err(|e| WebhookConfigError::Client(root_cause(&e)))?;
        Ok(Webhook {
            channel_name: channel_name.into(),
            method: settings.method.to_reqwest(),
            settings,
            url,
            headers,
            key,
            redact: Redactor::new(redact),
            templates,
            client,
        })
    }

    /// The validated settings this channel runs with.
    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// The request body for one message, or the reason it cannot be made.
    fn body_for(&self, m: &Outgoing) -> Result<Vec<u8>, String> {
        let Some(env) = &self.templates else {
            return Ok(default_body(&self.channel_name, m));
        };
        let rendered = env
            .get_template(BODY_TEMPLATE)
            .and_then(|t| t.render(Payload::of(&self.channel_name, m)))
            .map_err(|e| format!("bodyTemplate failed: {}", describe_template_error(&e)))?;
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&rendered) {
            return Err(format!("bodyTemplate did not render valid JSON: {e}"));
        }
        Ok(rendered.into_bytes())
    }

    async fn send_one(&self, m: &Outgoing) -> Outcome {
        let body = match self.body_for(m) {
            Ok(body) => body,
            Err(reason) => {
                return Outcome::Permanent {
                    reason,
                    code: None,
                    bad_address: false,
                }
            }
        };
        let mut headers = self.headers.clone();
        headers.insert(
            HeaderName::from_static("idempotency-key"),
            HeaderValue::from(m.delivery_id),
        );
        let mut signature = None;
        if let Some(key) = &self.key {
            let msg_id = message_id(m.delivery_id);
            let timestamp = unix_now();
            let sig = key.signature_base64(&msg_id, timestamp, &body);
            let mut value =
                HeaderValue::from_str(&format!("v1,{sig}")).expect("base64 is visible ASCII, so a valid header value");
            value.set_sensitive(true);
            headers.insert(
                HeaderName::from_static("webhook-id"),
                HeaderValue::from_str(&msg_id).expect("msg_<digits> is a valid header value"),
            );
            headers.insert(
                HeaderName::from_static("webhook-timestamp"),
                HeaderValue::from(timestamp),
            );
            headers.insert(HeaderName::from_static("webhook-signature"), value);
            signature = Some(sig);
        }
        let sent = self
            .client
            .request(self.method.clone(), self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        let outcome = match sent {
            Ok(reply) => self.classify(reply, signature.as_deref()).await,
            Err(e) => self.transport_failure(&e),
        };
        tracing::debug!(
            channel = %self.channel_name,
            delivery_id = m.delivery_id,
            outcome = outcome_label(&outcome),
            "webhook request done"
        );
        outcome
    }

    /// Turns an HTTP reply into an outcome.
    async fn classify(&self, reply: reqwest::Response, signature: Option<&str>) -> Outcome {
        let status = reply.status();
        let headers = reply.headers().clone();
        if status.is_success() {
            // Read a little of the body so the connection can be reused; its content is unused.
            let _ = read_prefix(reply, SUCCESS_BODY_BYTES).await;
            return Outcome::Sent {
                provider_id: provider_id(&headers),
            };
        }
        let body = read_prefix(reply, ERROR_BODY_BYTES).await;
        let mut redact = self.redact.clone();
        if let Some(signature) = signature {
            redact.add(signature);
        }
        let mut reason = redact.status_reason(status, &String::from_utf8_lossy(&body));
        let code = Some(status.as_u16().to_string());
        if status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
        {
            return Outcome::Retry {
                after: retry_after(&headers, SystemTime::now()),
                reason,
                code,
            };
        }
        if status.is_redirection() {
            let location = headers
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .map(|v| redact.one_line(&v, REASON_CHARS))
                .unwrap_or_default();
            reason = format!(
                "{reason} (redirects are not followed; set the channel's URL to the \
                 receiver's address{})",
                if location.is_empty() {
                    String::new()
                } else {
                    format!(", it points to {location}")
                }
            );
        }
        Outcome::Permanent {
            reason,
            code,
            bad_address: false,
        }
    }

    /// A request that got no HTTP reply.
    fn transport_failure(&self, e: &reqwest::Error) -> Outcome {
        // The URL is left out of every reason: some receivers put a token in it.
        let mut redact = self.redact.clone();
        redact.add(self.url.as_str());
        http::transport_failure(
            e,
            "the receiver",
            Duration::from_millis(self.settings.timeout_ms),
            &redact,
        )
    }
}

#[async_trait]
impl Provider for Webhook {
    fn kind(&self) -> ChannelKind {
        ChannelKind::WEBHOOK
    }

    /// `concurrency` is the number of HTTP requests in flight at once: the dispatcher claims no
    /// more messages than that, and one [`Provider::send`] call sends its batch in parallel.
    fn limits(&self) -> Limits {
        Limits {
            max_batch: MAX_BATCH,
            per_second: self.settings.per_second,
            per_minute: self.settings.per_minute,
            concurrency: self.settings.concurrency(),
        }
    }

    /// One request per message, up to `concurrency` at once; outcomes in input order.
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        Ok(super::json_preview(&self.body_for(m)?, &[]))
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        // The futures are made first and only start when polled: `buffered` runs at most
        // `concurrency` of them at once and yields their outcomes in input order. (Mapping
        // inside the stream instead trips a higher-ranked lifetime error under async_trait.)
        let requests: Vec<_> = batch.iter().map(|m| self.send_one(m)).collect();
        stream::iter(requests)
            .buffered(self.settings.concurrency())
            .collect()
            .await
    }
}

// ---------------------------------------------------------------------------------------
// Reply helpers
// ---------------------------------------------------------------------------------------

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn outcome_label(o: &Outcome) -> &'static str {
    match o {
        Outcome::Sent { .. } => "sent",
        Outcome::Retry { .. } => "retry",
        Outcome::Permanent { .. } => "permanent",
        Outcome::ChannelDown { .. } => "channel down",
    }
}

/// The receiver's id for the message, from `x-message-id` or else `x-request-id`.
fn provider_id(headers: &HeaderMap) -> Option<String> {
    ["x-message-id", "x-request-id"]
        .iter()
        .filter_map(|name| headers.get(*name))
        .filter_map(|v| v.to_str().ok())
        .map(|v| Redactor::default().one_line(v, REASON_CHARS))
        .find(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::http::MAX_RETRY_AFTER;

    /// The official Standard Webhooks vectors, shared with every provider's tests.
    fn vectors() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/vectors/standard_webhooks.json"
        );
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {path}: {e} (the project's test fixtures)"));
        serde_json::from_str(&text).expect("the vector file is JSON")
    }

    #[test]
    fn sign_matches_every_standard_webhooks_vector() {
        let file = vectors();
        let list = file["vectors"].as_array().expect("a vectors list");
        assert!(!list.is_empty());
        for v in list {
            let id = v["id"].as_str().unwrap_or("?");
            let input = &v["inputs"];
            let expected = &v["expected"];
            let secret = input["secret"].as_str().unwrap();
            let msg_id = input["webhook_id"].as_str().unwrap();
            let timestamp = input["webhook_timestamp"].as_i64().unwrap();
            let payload = input["payload"].as_str().unwrap().as_bytes();

            let key = SigningKey::from_secret(secret).unwrap();
            if let Some(hex_key) = expected["decoded_key_hex"].as_str() {
                assert_eq!(hex::encode(key.as_bytes()), hex_key, "{id}: decoded key");
            }
            if let Some(len) = expected["decoded_key_length"].as_u64() {
                assert_eq!(key.as_bytes().len() as u64, len, "{id}: key length");
            }
            if let Some(content) = expected["signed_content"].as_str() {
                assert_eq!(
                    signed_content(msg_id, timestamp, payload),
                    content.as_bytes(),
                    "{id}: signed content"
                );
            }
            let sig = key.signature_base64(msg_id, timestamp, payload);
            if let Some(b64) = expected["signature_base64"].as_str() {
                assert_eq!(sig, b64, "{id}: signature");
            }
            assert!(
                expected["signature_base64"].is_string() || expected["webhook_signature_header"].is_string(),
                "{id}: a vector without an expected signature checks nothing"
            );
            let header = sign(secret, msg_id, timestamp, payload).unwrap();
            if let Some(h) = expected["webhook_signature_header"].as_str() {
                assert_eq!(header, h, "{id}: header");
            }
            if let Some(wrong) = v["negative_check"]["hmac_keyed_with_ascii_secret_string_gives"].as_str() {
                assert_ne!(sig, wrong, "{id}: keyed with the secret's text");
            }
        }
    }

    #[test]
    fn secrets_without_prefix_or_with_whitespace_give_the_same_key() {
        let a = SigningKey::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let b = SigningKey::from_secret(" MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(SigningKey::from_secret("whsec_").unwrap_err(), SignError::Empty);
        assert_eq!(
            SigningKey::from_secret("whsec_not*base64").unwrap_err(),
            SignError::NotBase64
        );
        assert_eq!(format!("{a:?}"), "SigningKey(24 bytes)");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_caps_them() {
        let now = SystemTime::now();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("99999999999999999999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        let later = now + Duration::from_secs(120);
        h.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let got = retry_after(&h, now).unwrap();
        assert!(
            got <= Duration::from_secs(120) && got >= Duration::from_secs(119),
            "{got:?}"
        );
        h.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn reasons_are_one_short_line_without_secrets() {
        let body = format!("line one\r\n\tline two token=abc123secret {}", "x".repeat(500));
        let r = Redactor::new(["abc123secret"]).status_reason(StatusCode::BAD_REQUEST, &body);
        assert!(
            r.starts_with("HTTP 400 Bad Request: line one line two token=[redacted] xxx"),
            "{r}"
        );
        assert!(!r.contains('\n') && !r.contains('\t'));
        assert!(r.ends_with('…'));
        assert!(r.chars().count() < 230);
        assert_eq!(
            Redactor::default().status_reason(StatusCode::NOT_FOUND, "  "),
            "HTTP 404 Not Found"
        );
        // Character-based cut: Chinese text is never split inside a character.
        assert_eq!(Redactor::default().one_line("通知已发送", 2), "通知…");
    }

    #[test]
    fn credential_names_are_found_generously() {
        for name in [
            "authorization",
            "x-api-key",
            "x-api-pass",
            "x-password",
            "x-pwd",
            "x-session-id",
            "x-credential",
            "x-hub-signature",
            "cookie",
            "access_token",
            "key",
            "sign",
            "sid",
            "ak",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in ["x-team", "content-type", "accept", "timestamp", "msgtype", "side"] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn secret_query_values_are_masked_in_place_and_put_back() {
        let url = "https://oapi.dingtalk.com/robot/send?access_token=abc123def&x=1&sign=&key=k%2B1&key=k2#frag";
        let mut s = WebhookSettings::new(url);
        s.headers.insert("X-Custom".into(), "plain-but-secret".into());
        s.headers.insert("X-Team".into(), "office".into());
        s.secret_headers.insert("x-custom".into());
        let (stored, values) = s.clone().split_credentials();
        assert_eq!(
            stored.url,
            "https://oapi.dingtalk.com/robot/send?access_token=********&x=1&sign=&key=********&key=********#frag"
        );
        assert_eq!(
            stored.secret_query,
            BTreeSet::from(["access_token".into(), "key".into()])
        );
        assert_eq!(values.query["access_token"], "abc123def");
        assert_eq!(values.query["key"], "k%2B1");
        assert_eq!(values.query["key#2"], "k2");
        assert_eq!(values.headers["X-Custom"], "plain-but-secret");
        assert_eq!(stored.headers.keys().collect::<Vec<_>>(), ["X-Team"]);
        assert!(!format!("{values:?}").contains("abc123"));
        // Splitting stored settings again changes nothing and takes nothing.
        let (again, none) = stored.clone().split_credentials();
        assert_eq!(again, stored);
        assert!(none.is_empty());
        // Put back, byte for byte; the marks stay for the next split.
        let back = stored.clone().with_credentials(&values).unwrap();
        assert_eq!(back.url, url);
        assert_eq!(back.headers["X-Custom"], "plain-but-secret");
        Webhook::new("c", back.clone(), None).unwrap();
        assert_eq!(back.split_credentials().0, stored);
        // A lost value is named; the masked URL is never sent.
        let mut lost = values.clone();
        lost.query.remove("access_token");
        let e = stored.clone().with_credentials(&lost).unwrap_err();
        assert!(e.to_string().contains("access_token"), "{e}");
        let (partial, missing) = stored.clone().with_available_credentials(&lost);
        assert_eq!(missing.query.keys().collect::<Vec<_>>(), ["access_token"]);
        let e = Webhook::new("c", partial, None).unwrap_err();
        assert!(
            e.to_string().starts_with("url: ") && e.to_string().contains("access_token"),
            "{e}"
        );
        // An edit giving the URL as shown keeps the values; a new value replaces one.
        let kept = restore_masked_query(&stored.url, &values.query).unwrap();
        assert_eq!(kept, url);
        let edited = restore_masked_query(
            "https://oapi.dingtalk.com/robot/send?access_token=NEW&x=2",
            &values.query,
        )
        .unwrap();
        assert!(edited.ends_with("access_token=NEW&x=2"));
        assert!(restore_masked_query(&stored.url, &BTreeMap::new()).is_err());
        assert!(url_has_secret_values(url) && !url_has_secret_values(&stored.url));
    }

    #[test]
    fn secret_query_values_and_marked_headers_stay_out_of_reasons_and_debug() {
        let mut s = WebhookSettings::new("http://127.0.0.1:9/hook?access_token=T0KEN-in-url");
        s.headers.insert("X-Custom".into(), "h1dden-v4lue".into());
        s.secret_headers.insert("X-Custom".into());
        let w = Webhook::new("c", s, None).unwrap();
        assert!(!format!("{w:?}").contains("T0KEN"), "{w:?}");
        let r = w.redact.status_reason(
            StatusCode::INTERNAL_SERVER_ERROR,
            "bad token T0KEN-in-url and h1dden-v4lue",
        );
        assert!(!r.contains("T0KEN") && !r.contains("h1dden"), "{r}");
    }

    #[test]
    fn default_body_has_the_documented_shape_and_keeps_chinese() {
        let m = Outgoing {
            delivery_id: 42,
            address: "a@example.edu.cn".into(),
            recipient_name: "张三".into(),
            subject: "停课\"通知\"".into(),
            body: "明天停课。\n请转告。".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        let body = String::from_utf8(default_body("教务处", &m)).unwrap();
        assert_eq!(
            body,
            r#"{"id":"42","channel":"教务处","recipient":{"name":"张三","address":"a@example.edu.cn"},"subject":"停课\"通知\"","body":"明天停课。\n请转告。"}"#
        );
    }

    #[test]
    fn settings_json_is_camel_case_with_defaults() {
        let s = WebhookSettings::from_json(&serde_json::json!({
            "url": "https://hooks.example.edu.cn/herald",
            "bodyTemplate": "{\"text\": {{ subject|tojson }}}",
            "maxConcurrency": 4,
            "perMinute": 60,
        }))
        .unwrap();
        assert_eq!(s.method, WebhookMethod::Post);
        assert_eq!(s.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert!(!s.signing);
        assert_eq!(s.max_concurrency, Some(4));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["timeoutMs"], 10_000);
        assert_eq!(back["method"], "POST");
        assert!(matches!(
            WebhookSettings::from_json(&serde_json::json!({"url": "https://x.test", "bodytemplate": "{}"})),
            Err(WebhookConfigError::Malformed(_))
        ));
        assert!(matches!(
            WebhookSettings::from_json(&serde_json::json!({"url": "https://x.test", "method": "GET"})),
            Err(WebhookConfigError::Malformed(_))
        ));
    }

    fn field_of(s: &WebhookSettings) -> (String, String) {
        match s.validate().unwrap_err() {
            WebhookConfigError::Invalid { field, problem } => (field, problem),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn validation_names_the_field_and_the_problem() {
        let ok = WebhookSettings::new("http://127.0.0.1:9/hook");
        ok.validate().unwrap();

        let e = WebhookSettings::new("ftp://example.org/x").validate().unwrap_err();
        assert_eq!(e.to_string(), "url: must start with http:// or https://");
        assert_eq!(field_of(&WebhookSettings::new("https://")).0, "url");
        let (f, p) = field_of(&WebhookSettings::new("https://user:pw@example.org/"));
        assert_eq!(f, "url");
        assert!(p.contains("password"));

        for (name, value) in [
            ("Webhook-Signature", "x"),
            ("content-length", "1"),
            ("Host", "evil.example"),
            ("bad header", "x"),
            ("X-Ok", "line\nbreak"),
        ] {
            let mut s = ok.clone();
            s.headers.insert(name.into(), value.into());
            assert_eq!(field_of(&s).0, format!("headers.{name}"), "{name}");
        }
        let mut s = ok.clone();
        s.headers.insert("X-A".into(), "1".into());
        s.headers.insert("x-a".into(), "2".into());
        assert!(field_of(&s).1.contains("twice"));

        let mut s = ok.clone();
        s.timeout_ms = 0;
        assert_eq!(field_of(&s).0, "timeoutMs");
        let mut s = ok.clone();
        s.max_concurrency = Some(0);
        assert_eq!(field_of(&s).0, "maxConcurrency");
        let mut s = ok.clone();
        s.per_second = Some(0);
        assert_eq!(field_of(&s).0, "perSecond");
        let mut s = ok.clone();
        s.per_minute = Some(0);
        assert_eq!(field_of(&s).0, "perMinute");
    }

    #[test]
    fn body_templates_are_checked_for_syntax_variables_and_json_safety() {
        let with = |t: &str| {
            let mut s = WebhookSettings::new("https://example.org/hook");
            s.body_template = Some(t.into());
            s
        };
        with(r#"{"text": {{ subject|tojson }}, "to": {{ recipient.address|tojson }}, "id": {{ id|tojson }}}"#)
            .validate()
            .unwrap();
        let (f, p) = field_of(&with("{{ subject "));
        assert_eq!(f, "bodyTemplate");
        assert!(p.contains("syntax"), "{p}");
        let (_, p) = field_of(&with(r#"{"x": {{ grade|tojson }}}"#));
        assert!(p.contains("`grade`"), "{p}");
        let (_, p) = field_of(&with(r#"{"x": {{ recipient.email|tojson }}}"#));
        assert!(p.contains("`recipient.email`"), "{p}");
        let (_, p) = field_of(&with(r#"{"text": "{{ subject }}"}"#));
        assert!(p.contains("tojson"), "{p}");
    }

    #[test]
    fn signing_needs_a_usable_secret_which_never_shows_in_errors() {
        let mut s = WebhookSettings::new("https://example.org/hook");
        s.signing = true;
        let e = Webhook::new("c", s.clone(), None).unwrap_err();
        assert!(e.to_string().starts_with("secret: "), "{e}");
        let e = Webhook::new("c", s.clone(), Some("whsec_sUpEr*SeCrEt".into())).unwrap_err();
        assert!(!e.to_string().contains("sUpEr"), "{e}");
        let w = Webhook::new("c", s, Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into())).unwrap();
        assert!(!format!("{w:?}").contains("MfKQ"));
        assert_eq!(w.kind(), ChannelKind::WEBHOOK);
    }

    #[test]
    fn credential_values_split_out_and_come_back_whole() {
        let mut s = WebhookSettings::new("https://example.org/hook");
        s.headers.insert("Authorization".into(), "Bearer abc".into());
        s.headers.insert("X-Api-Key".into(), "k".into());
        s.headers.insert("X-Team".into(), "office".into());
        let whole = s.clone();
        let (stored, values) = s.split_credentials();
        assert_eq!(stored.headers.keys().collect::<Vec<_>>(), ["X-Team"]);
        assert_eq!(values.headers.len(), 2);
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["secretHeaders"], serde_json::json!(["Authorization", "X-Api-Key"]));
        let back = WebhookSettings::from_json(&json).unwrap();
        // A provider is never built with a credential header left out.
        let e = Webhook::new("c", back.clone(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "headers.Authorization: its value was not loaded from the secret store"
        );
        let restored = back.clone().with_credentials(&values).unwrap();
        assert_eq!((&restored.url, &restored.headers), (&whole.url, &whole.headers));
        // The names stay, so the next split takes the same headers out.
        assert_eq!(restored.split_credentials(), (back.clone(), values));
        let e = back.with_credentials(&Credentials::default()).unwrap_err();
        assert!(e.to_string().starts_with("headers.Authorization: "), "{e}");
    }

    #[test]
    fn limits_come_from_settings() {
        let mut s = WebhookSettings::new("https://example.org/hook");
        let w = Webhook::new("c", s.clone(), None).unwrap();
        assert_eq!(
            w.limits(),
            Limits {
                max_batch: 50,
                per_second: None,
                per_minute: None,
                concurrency: 16
            }
        );
        s.max_concurrency = Some(3);
        s.per_second = Some(5);
        s.per_minute = Some(100);
        let l = Webhook::new("c", s, None).unwrap().limits();
        assert_eq!((l.concurrency, l.per_second, l.per_minute), (3, Some(5), Some(100)));
    }
}
