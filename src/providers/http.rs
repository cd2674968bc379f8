//! What every provider that speaks HTTP needs: reading a reply without trusting its size,
//! `Retry-After`, a reason fit to show and store, and the one scrubber that keeps secrets
//! out of every reason.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// The longest wait a reply can ask for; a longer `Retry-After` is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Characters of a reply body kept in a reason.
pub const REASON_CHARS: usize = 200;

/// Replaces a channel's secrets (and their encoded forms) wherever they would appear in a
/// reason: a URL with its token, a password, a signature. Every provider scrubs through one
/// of these, so no reason reaches the store, a log or the screen with a secret in it.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// A scrubber for these secrets; empty ones are ignored.
    pub fn new<I, S>(secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if !secret.is_empty() && !self.secrets.contains(&secret) {
            // Longest first, so a secret that contains another is replaced whole.
            let at = self.secrets.partition_point(|s| s.len() >= secret.len());
            self.secrets.insert(at, secret);
        }
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[redacted]");
            }
        }
        out
    }

    /// `text` scrubbed, on one line (control characters and runs of whitespace folded to a
    /// space), cut to `max_chars` characters with `…`.
    pub fn one_line(&self, text: &str, max_chars: usize) -> String {
        let text = self.scrub(text);
        let folded = text
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut chars = folded.chars();
        let mut out: String = chars.by_ref().take(max_chars).collect();
        if chars.next().is_some() {
            out.push('…');
        }
        out
    }

    /// `HTTP 404 Not Found: <the start of the body, scrubbed, on one line>`.
    pub fn status_reason(&self, status: StatusCode, body: &str) -> String {
        let mut reason = format!("HTTP {}", status.as_u16());
        if let Some(text) = status.canonical_reason() {
            reason.push(' ');
            reason.push_str(text);
        }
        let snippet = self.one_line(body, REASON_CHARS);
        if !snippet.is_empty() {
            reason.push_str(": ");
            reason.push_str(&snippet);
        }
        reason
    }
}

/// The HTTP client of a provider: its time limit, and redirects never followed (a reply cannot
/// send Herald, and a token in its URL, elsewhere).
pub fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// A reply body as the JSON `peer` documents, or a retry that quotes (scrubbed) what came.
pub fn json_reply<T: serde::de::DeserializeOwned>(
    body: &[u8],
    peer: &str,
    redact: &Redactor,
) -> Result<T, super::Outcome> {
    serde_json::from_slice(body).map_err(|_| not_json(body, peer, redact))
}

/// A reply that is not what `peer` documents: retried (the attempt limit bounds it), quoting
/// the start of what came, scrubbed.
pub fn not_json(body: &[u8], peer: &str, redact: &Redactor) -> super::Outcome {
    super::Outcome::Retry {
        after: None,
        reason: format!(
            "{peer}'s reply is not the JSON it documents: {}",
            redact.one_line(&String::from_utf8_lossy(body), REASON_CHARS)
        ),
        code: None,
    }
}

/// A reply whose HTTP status is not success, from a service that answers every call with 2xx
/// and a code in the body (the chat robots): 429 and 5xx are the service busy or down, retried
/// as `Retry-After` says; anything else means the address itself is wrong, so the channel goes
/// down with `what_to_check`.
pub fn failed_status(
    status: reqwest::StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    redact: &Redactor,
    what_to_check: &str,
) -> super::Outcome {
    let reason = redact.status_reason(status, &String::from_utf8_lossy(body));
    let code = Some(status.as_u16().to_string());
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        super::Outcome::Retry {
            after: retry_after(headers, SystemTime::now()),
            reason,
            code,
        }
    } else {
        super::Outcome::ChannelDown {
            reason: format!("{reason} ({what_to_check})"),
            code,
        }
    }
}

/// Reads at most about `limit` bytes of a reply body; errors end the read quietly.
pub async fn read_prefix(mut reply: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < limit {
        match reply.chunk().await {
            Ok(Some(chunk)) => out.extend_from_slice(&chunk),
            _ => break,
        }
    }
    out.truncate(limit);
    out
}

/// The innermost cause of an error ("Connection refused (os error 111)"), whose text is the
/// useful part; the outer layers only say "error sending request".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// When the reply's `Retry-After` says to come back: delta-seconds or an HTTP-date, capped at
/// [`MAX_RETRY_AFTER`]; a date already past gives zero. `None` without a usable header.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Digits too many for u64 are still "a very long time".
        Duration::from_secs(text.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let when = httpdate::parse_http_date(text).ok()?;
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Why a request to `peer` ("the receiver", "DingTalk") got no HTTP reply, scrubbed, as a
/// retry: the network or the service may come back. A request that could not even be built
/// will not, and is permanent.
pub fn transport_failure(e: &reqwest::Error, peer: &str, timeout: Duration, redact: &Redactor) -> super::Outcome {
    use super::Outcome;
    let cause = redact.one_line(&root_cause(e), REASON_CHARS);
    if e.is_builder() {
        return Outcome::Permanent {
            reason: format!("could not build the request: {cause}"),
            code: None,
            bad_address: false,
        };
    }
    let reason = if e.is_timeout() {
        format!("timeout: no complete reply within {} ms", timeout.as_millis())
    } else if e.is_connect() {
        format!("could not connect to {peer}: {cause}")
    } else {
        format!("the request failed: {cause}")
    };
    Outcome::Retry {
        after: None,
        reason,
        code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longer_of_two_overlapping_secrets_goes_whole() {
        let r = Redactor::new(["abc", "xabcx", ""]);
        assert_eq!(r.scrub("1 xabcx 2 abc"), "1 [redacted] 2 [redacted]");
        assert_eq!(r.one_line("a\n\tb   c", 3), "a b…");
        assert_eq!(
            r.status_reason(StatusCode::NOT_FOUND, "no robot xabcx"),
            "HTTP 404 Not Found: no robot [redacted]"
        );
    }
}
