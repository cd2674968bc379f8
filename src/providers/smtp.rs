//! The e-mail provider: SMTP through lettre, one message per recipient over a pool of
//! connections (lettre does not pipeline, so throughput comes from the pool and the
//! dispatcher's concurrency).
//!
//! What it owns: [`SmtpSettings`] (the channel's non-secret JSON settings) and their checks;
//! the message (multipart/alternative: the notice's Markdown as inline-styled HTML and as plain
//! text, RFC 2047 subject and names, a Message-ID carrying the delivery id); and the
//! classification of every reply:
//! - 4xx and network failures: retry (the channel pauses itself after a run of them);
//! - 550/551/553 and `5.1.x`: permanent, the address is marked invalid;
//! - other 5xx: permanent for this message;
//! - AUTH refused (530/534/535/538) or TLS failing: the channel is down and pauses at once, since
//!   retrying cannot fix a wrong password or certificate.
//!
//! **Secrets.** The password is handed in by the factory from the secret store and lives in
//! the transport only; it and its base64 forms are scrubbed from every reason, so neither it
//! nor an AUTH exchange reaches the store, the logs or the screen.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use futures_util::stream::{self, StreamExt};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
use lettre::Message;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::http::Redactor;
use super::smtp_pool::{chain, Failure, Pool, Secure, Target};
use super::{Attachment, Limits, Outcome, Outgoing, Provider, WireKind, WirePart};
use crate::compose::email;
use crate::model::ChannelKind;

/// Connections kept open when the settings do not say.
pub const DEFAULT_POOL: u32 = 4;
/// Most connections a channel may open: mail servers limit connections per client.
pub const MAX_POOL: u32 = 32;
/// Time allowed for each SMTP command when the settings do not say.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The shortest `timeoutMs`: a mail server needs a moment to answer the end of DATA.
pub const MIN_TIMEOUT_MS: u64 = 1_000;
/// The longest `timeoutMs`. One send (waiting for a connection, connecting, securing, logging
/// in and the message) ends within it, well inside the dispatcher's lease (120 s).
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text (only for a relay on the same machine or network).
    None,
    /// Plain connect, then STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(Security::None),
            "starttls" => Some(Security::Starttls),
            "tls" | "ssl" | "implicit" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// An e-mail channel's settings (no password: that is in the secret store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The AUTH user; absent: no AUTH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub from_address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// A CA certificate (PEM) to trust instead of the public roots, for a campus mail server
    /// signed by the university's own CA. Kept as text, so the channel does not break when
    /// the file it came from moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    #[serde(default = "default_pool")]
    pub pool_size: u32,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_pool() -> u32 {
    DEFAULT_POOL
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// Settings that cannot work, named so the person can fix them.
#[derive(Debug, Error, PartialEq)]
pub enum SmtpError {
    #[error("the SMTP host is empty")]
    NoHost,
    #[error("the from address {0} is not a valid e-mail address")]
    BadFrom(String),
    #[error("the reply-to address {0} is not a valid e-mail address")]
    BadReplyTo(String),
    #[error("the pool size must be between 1 and {MAX_POOL}, not {0}")]
    BadPool(u32),
    #[error("timeoutMs must be between {MIN_TIMEOUT_MS} and {MAX_TIMEOUT_MS} (1 to 60 seconds), not {0}: a send slower than that is better tried again")]
    BadTimeout(u64),
    #[error("a user name needs a password (and a password needs a user name)")]
    HalfCredentials,
    #[error("the CA certificate cannot be read: {0}")]
    BadCa(String),
    #[error("TLS cannot be set up for {host}: {detail}")]
    Tls { host: String, detail: String },
}

impl SmtpSettings {
    /// Checks the settings; returns the from and reply-to mailboxes.
    fn check(&self, password: Option<&str>) -> Result<(Mailbox, Option<Mailbox>), SmtpError> {
        if self.host.trim().is_empty() {
            return Err(SmtpError::NoHost);
        }
        if !(1..=MAX_POOL).contains(&self.pool_size) {
            return Err(SmtpError::BadPool(self.pool_size));
        }
        if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            return Err(SmtpError::BadTimeout(self.timeout_ms));
        }
        if self.username.is_some() != password.is_some() {
            return Err(SmtpError::HalfCredentials);
        }
        let from = Mailbox::new(
            self.from_name.clone().filter(|n| !n.trim().is_empty()),
            self.from_address
                .trim()
                .parse()
                .map_err(|_| SmtpError::BadFrom(self.from_address.clone()))?,
        );
        let reply_to = match &self.reply_to {
            Some(r) => Some(Mailbox::new(
                None,
                r.trim().parse().map_err(|_| SmtpError::BadReplyTo(r.clone()))?,
            )),
            None => None,
        };
        Ok((from, reply_to))
    }
}

/// The e-mail provider for one channel.
pub struct Smtp {
    settings: SmtpSettings,
    pool: Pool,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    /// The password as it could appear in a reply: itself and its AUTH encodings.
    scrub: Redactor,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.settings.host)
            .field("port", &self.settings.port)
            .field("security", &self.settings.security)
            .field("username", &self.settings.username)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    pub fn new(settings: SmtpSettings, password: Option<String>) -> Result<Smtp, SmtpError> {
        let (from, reply_to) = settings.check(password.as_deref())?;
        let host = settings.host.trim().to_owned();
        let secure = match settings.security {
            Security::None => Secure::None,
            Security::Starttls => Secure::StartTls(tls_parameters(&host, settings.ca_pem.as_deref())?),
            Security::Tls => Secure::Implicit(tls_parameters(&host, settings.ca_pem.as_deref())?),
        };
        let mut scrub = Redactor::default();
        let mut credentials = None;
        if let (Some(user), Some(password)) = (&settings.username, &password) {
            credentials = Some(Credentials::new(user.clone(), password.clone()));
            scrub.add(password.clone());
            scrub.add(BASE64.encode(password));
            scrub.add(BASE64.encode(format!("\0{user}\0{password}")));
        }
        let target = Target {
            host,
            port: settings.port,
            secure,
            credentials,
            timeout: Duration::from_millis(settings.timeout_ms),
        };
        Ok(Smtp {
            pool: Pool::new(target, settings.pool_size as usize),
            settings,
            from,
            reply_to,
            scrub,
        })
    }

    /// The message for one recipient, as it goes on the wire.
    pub fn message(&self, m: &Outgoing) -> Result<Message, String> {
        let to: lettre::Address = m
            .address
            .trim()
            .parse()
            .map_err(|_| format!("{} is not a valid e-mail address", m.address))?;
        // A name becomes part of the To header: line breaks and other control characters
        // (a multi-line spreadsheet cell) would break it, so they become spaces.
        let name = Some(crate::text::single_line(&m.recipient_name)).filter(|n| !n.is_empty());
        let unsubscribe_to = m.allow_unsubscribe.then(|| self.unsubscribe_to().to_string());
        let body = self.body(m);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, to))
            .subject(m.subject.clone())
            .message_id(Some(message_id(m.delivery_id, &self.from)))
            .date_now()
            .user_agent(format!("Herald {}", env!("CARGO_PKG_VERSION")));
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        if let Some(address) = &unsubscribe_to {
            builder = builder.header(ListUnsubscribe(format!("<{}>", email::unsubscribe_mailto(address))));
        }
        let alternative = MultiPart::alternative_plain_html(body.text, body.html);
        let content = if m.attachments.is_empty() {
            alternative
        } else {
            let mut mixed = MultiPart::mixed().multipart(alternative);
            for a in m.attachments.iter() {
                mixed = mixed.singlepart(attachment_part(a)?);
            }
            mixed
        };
        builder
            .multipart(content)
            .map_err(|e| format!("the message cannot be built: {e}"))
    }

    /// The HTML and text parts of one recipient's message (with the opt-out line where the
    /// notice allows opting out).
    fn body(&self, m: &Outgoing) -> email::EmailBody {
        let unsubscribe_to = m.allow_unsubscribe.then(|| self.unsubscribe_to().to_string());
        email::render(&m.body, &m.subject, unsubscribe_to.as_deref())
    }

    /// Where opt-out requests go: the office's reply-to mailbox, else the sender. Herald has no
    /// public address to receive a one-click (RFC 8058) request, so the request is a mail that
    /// a person reads and records (`herald contacts unsubscribe`, or 处理退订 on the Contacts screen).
    fn unsubscribe_to(&self) -> &lettre::Address {
        &self.reply_to.as_ref().unwrap_or(&self.from).email
    }

    /// Sends one message and classifies the reply.
    async fn send_one(&self, m: &Outgoing) -> Outcome {
        // Building is contained per message: if the message builder fails on some input it
        // has not met before, this message fails alone and its batch goes on.
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.message(m)));
        let message = match built {
            Ok(Ok(message)) => message,
            Ok(Err(reason)) => {
                return Outcome::Permanent {
                    reason,
                    code: None,
                    bad_address: true,
                }
            }
            Err(_) => {
                return Outcome::Permanent {
                    reason: format!(
                        "the e-mail to {} could not be built from its name, subject or attachments; check them for unusual characters",
                        m.address
                    ),
                    code: Some("message_build".into()),
                    bad_address: false,
                }
            }
        };
        let envelope = message.envelope().clone();
        match self.pool.send(&envelope, &message.formatted()).await {
            Ok(reply) => Outcome::Sent {
                provider_id: Some(reply_text(reply.code().into(), reply.message())),
            },
            Err(failure) => self.classify(failure),
        }
    }

    /// A failure's outcome, by the step it happened at; its reason never holds the password.
    fn classify(&self, failure: Failure) -> Outcome {
        let tls_down = |reason: String| Outcome::ChannelDown {
            reason: format!(
                "TLS with {}:{} failed ({reason}): check the security setting, the port and the CA certificate",
                self.settings.host, self.settings.port
            ),
            code: Some("tls".into()),
        };
        match failure {
            Failure::Tls(text) => tls_down(self.scrubbed(&text)),
            Failure::Connect(text) => {
                let reason = self.scrubbed(&text);
                // A certificate refused on connect (implicit TLS) surfaces as a connection error.
                let lower = reason.to_ascii_lowercase();
                if lower.contains("certificate") || lower.contains("handshake") {
                    return tls_down(reason);
                }
                Outcome::Retry {
                    after: None,
                    reason: format!("cannot reach {}:{}: {reason}", self.settings.host, self.settings.port),
                    code: None,
                }
            }
            // 454: a temporary failure of the server's authentication service.
            Failure::Auth(Some(code @ 400..=499), text) => Outcome::Retry {
                after: None,
                reason: self.scrubbed(&text),
                code: Some(code.to_string()),
            },
            Failure::Auth(code, text) => Outcome::ChannelDown {
                reason: format!(
                    "the mail server refused the login ({}): check the user name, the password and the security setting, then resume the channel",
                    self.scrubbed(&text)
                ),
                code: Some(code.map_or_else(|| "auth".to_owned(), |c| c.to_string())),
            },
            Failure::Send(e) => self.classify_reply(&e),
        }
    }

    /// A refused MAIL, RCPT or DATA.
    fn classify_reply(&self, e: &lettre::transport::smtp::Error) -> Outcome {
        let reason = self.scrubbed(&chain(e));
        let Some(code) = e.status().map(u16::from) else {
            // lettre reports a handshake refused on connect (implicit TLS) as a connection
            // error; the certificate complaint is in its source.
            let lower = reason.to_ascii_lowercase();
            if e.is_tls() || lower.contains("certificate") || lower.contains("handshake") {
                return Outcome::ChannelDown {
                    reason: format!(
                        "TLS with {}:{} failed ({reason}): check the security setting, the port and the CA certificate",
                        self.settings.host, self.settings.port
                    ),
                    code: Some("tls".into()),
                };
            }
            // A client error is about this message (e.g. a non-ASCII address the server
            // cannot take): sending it again would fail the same way.
            if e.is_client() {
                return Outcome::Permanent {
                    reason,
                    code: None,
                    bad_address: false,
                };
            }
            return Outcome::Retry {
                after: None,
                reason: format!("cannot reach {}:{}: {reason}", self.settings.host, self.settings.port),
                code: None,
            };
        };
        let code_text = Some(code.to_string());
        match code {
            530 | 534 | 535 | 538 => Outcome::ChannelDown {
                reason: format!("the mail server refused the login ({reason}): check the user name and password, then resume the channel"),
                code: code_text,
            },
            400..=499 => Outcome::Retry {
                after: None,
                reason,
                code: code_text,
            },
            550 | 551 | 553 => Outcome::Permanent {
                reason,
                code: code_text,
                bad_address: true,
            },
            // An enhanced status 5.1.x is about the address whatever the basic code.
            _ if reason.contains(" 5.1.") || reason.contains(": 5.1.") => Outcome::Permanent {
                reason,
                code: code_text,
                bad_address: true,
            },
            _ => Outcome::Permanent {
                reason,
                code: code_text,
                bad_address: false,
            },
        }
    }

    fn scrubbed(&self, text: &str) -> String {
        self.scrub.scrub(text)
    }
}

/// A file as a MIME part. lettre writes the name the RFC 2231 way in Content-Disposition
/// (`filename*=utf-8''…`), which current clients read; the Content-Type also gets
/// `name="=?utf-8?b?…?="` (RFC 2047), which is what older Outlook and Foxmail look at, so a
/// Chinese file name shows right in both.
fn attachment_part(a: &Attachment) -> Result<lettre::message::SinglePart, String> {
    let content_type = ContentType::parse(&format!("{}; name=\"{}\"", a.content_type, encoded_words(&a.name)))
        .or_else(|_| ContentType::parse(&a.content_type))
        .map_err(|e| format!("the attachment {} has an unusable type {}: {e}", a.name, a.content_type))?;
    Ok(lettre::message::Attachment::new(a.name.clone()).body(a.bytes.clone(), content_type))
}

/// `text` as RFC 2047 encoded words when it is not plain ASCII, each word short enough for a
/// header line (at most 45 bytes of UTF-8, never splitting a character).
fn encoded_words(text: &str) -> String {
    if text.is_ascii() && !text.contains(['"', '\\']) {
        return text.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?utf-8?b?{}?=", BASE64.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?utf-8?b?{}?=", BASE64.encode(&chunk)));
    }
    words.join(" ")
}

/// `List-Unsubscribe` (RFC 2369): what a mail client's own "unsubscribe" button uses.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        // ASCII without spaces (a percent-encoded URL in angle brackets): nothing to encode or fold.
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

const PEM_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";

/// A CA certificate file's contents as the PEM text a channel stores, checked as TLS would use
/// it. Campus CAs come as PEM (`.pem`, `.crt`) or, exported from Windows, as binary DER
/// (`.cer`): DER is turned into PEM, so the channel's settings stay text.
pub fn ca_pem_from_file(bytes: &[u8]) -> Result<String, SmtpError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let pem = if bytes
        .windows(PEM_CERTIFICATE.len())
        .any(|w| w == PEM_CERTIFICATE.as_bytes())
    {
        String::from_utf8(bytes.to_vec()).map_err(|_| SmtpError::BadCa("the PEM text is not UTF-8".into()))?
    } else if bytes.first() == Some(&0x30) {
        // An ASN.1 SEQUENCE: a DER certificate, wrapped as PEM (64 base64 characters a line).
        let b64 = BASE64.encode(bytes);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect();
        format!("{PEM_CERTIFICATE}\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
    } else {
        return Err(SmtpError::BadCa(
            "it is neither a PEM certificate (-----BEGIN CERTIFICATE-----) nor a DER one".into(),
        ));
    };
    // The host only names the connection; building the parameters parses every certificate.
    tls_parameters("ca-check.invalid", Some(&pem))?;
    Ok(pem)
}

fn tls_parameters(host: &str, ca_pem: Option<&str>) -> Result<TlsParameters, SmtpError> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = ca_pem {
        // lettre reads a text without certificates as an empty list, which would trust nobody.
        if !pem.contains(PEM_CERTIFICATE) {
            return Err(SmtpError::BadCa("it holds no -----BEGIN CERTIFICATE----- block".into()));
        }
        let cert = Certificate::from_pem(pem.as_bytes()).map_err(|e| SmtpError::BadCa(e.to_string()))?;
        // Only the given CA: a campus server's certificate is checked against it alone.
        builder = builder
            .add_root_certificate(cert)
            .certificate_store(CertificateStore::None);
    }
    builder.build_rustls().map_err(|e| SmtpError::Tls {
        host: host.to_owned(),
        detail: e.to_string(),
    })
}

/// `<herald.<delivery id>.<hash>@<from domain>>`: the same for every attempt of a delivery, so
/// a mailbox that got a message twice (a reply lost after DATA) can tell. The hash of the from
/// address keeps two offices' Herald installations apart.
fn message_id(delivery_id: i64, from: &Mailbox) -> String {
    use sha2::Digest as _;
    let domain = from.email.domain();
    let digest = sha2::Sha256::digest(from.email.to_string().as_bytes());
    format!("<herald.{delivery_id}.{}@{domain}>", hex::encode(&digest[..4]))
}

/// A reply as one line: `250 2.0.0 Ok: queued as 4F2A1`.
fn reply_text(code: u16, lines: impl Iterator<Item = impl AsRef<str>>) -> String {
    let text: Vec<String> = lines.map(|l| l.as_ref().trim().to_owned()).collect();
    format!("{code} {}", text.join(" ")).trim().to_owned()
}

#[async_trait]
impl Provider for Smtp {
    fn kind(&self) -> ChannelKind {
        ChannelKind::SMTP
    }

    fn limits(&self) -> Limits {
        let pool = self.settings.pool_size as usize;
        Limits {
            max_batch: pool * 4,
            per_second: None,
            per_minute: None,
            concurrency: pool,
        }
    }

    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        // Built whole, so what would stop the message stops the preview too.
        self.message(m)?;
        let body = self.body(m);
        // The parts with the CRLF line ends the message carries them with (lettre writes every
        // text part so, as MIME asks), which is what the recipient's client decodes.
        let crlf = |text: &str| text.replace("\r\n", "\n").replace('\n', "\r\n");
        Ok(vec![
            WirePart::new(WireKind::Subject, &m.subject),
            WirePart::new(WireKind::Html, crlf(&body.html)),
            WirePart::new(WireKind::Text, crlf(&body.text)),
        ])
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        // In order, `pool_size` at a time: each takes one pooled connection.
        let sends: Vec<_> = batch.iter().map(|m| self.send_one(m)).collect();
        stream::iter(sends)
            .buffered(self.settings.pool_size as usize)
            .collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: 2525,
            security: Security::None,
            username: None,
            from_address: "jwc@example.edu.cn".into(),
            from_name: Some("教务处".into()),
            reply_to: None,
            ca_pem: None,
            pool_size: 2,
            timeout_ms: 2_000,
        }
    }

    // The pool starts a task when built, so these need a runtime.
    #[tokio::test]
    async fn settings_are_checked_with_reasons() {
        let mut s = settings();
        s.from_address = "not an address".into();
        assert_eq!(
            Smtp::new(s, None).unwrap_err(),
            SmtpError::BadFrom("not an address".into())
        );
        let mut s = settings();
        s.username = Some("jwc".into());
        assert_eq!(Smtp::new(s, None).unwrap_err(), SmtpError::HalfCredentials);
        let mut s = settings();
        s.pool_size = 0;
        assert_eq!(Smtp::new(s, None).unwrap_err(), SmtpError::BadPool(0));
        // A timeout of 0 or of days would let one send outlive the dispatcher's lease.
        for t in [0, 999, 60_001, 4_000_000_000] {
            let mut s = settings();
            s.timeout_ms = t;
            assert_eq!(Smtp::new(s, None).unwrap_err(), SmtpError::BadTimeout(t));
        }
        let mut s = settings();
        s.security = Security::Starttls;
        s.ca_pem = Some("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".into());
        assert!(matches!(Smtp::new(s, None).unwrap_err(), SmtpError::BadCa(_)));
    }

    fn campus_ca() -> rcgen::Certificate {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "某大学 CA");
        params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap()
    }

    #[test]
    fn a_ca_file_is_read_as_pem_or_binary_der_and_anything_else_is_refused_with_the_reason() {
        let ca = campus_ca();
        // PEM as saved on Windows: a byte-order mark and CRLF line ends.
        let pem = format!("\u{feff}{}", ca.pem().replace('\n', "\r\n"));
        let read = ca_pem_from_file(pem.as_bytes()).unwrap();
        assert!(read.starts_with(PEM_CERTIFICATE));

        // DER (a `.cer` exported from Windows) comes back as PEM of the same certificate.
        let from_der = ca_pem_from_file(ca.der()).unwrap();
        assert_eq!(from_der.replace("\r\n", "\n"), ca.pem().replace("\r\n", "\n"));
        assert!(from_der.lines().all(|l| l.len() <= 64));

        let refused = |bytes: &[u8]| match ca_pem_from_file(bytes) {
            Err(SmtpError::BadCa(reason)) => reason,
            other => panic!("expected BadCa, got {other:?}"),
        };
        assert!(refused(b"hello").contains("neither a PEM certificate"));
        let key_only = rcgen::KeyPair::generate().unwrap().serialize_pem();
        assert!(refused(key_only.as_bytes()).contains("neither a PEM certificate"));
        // A DER-looking file that is no certificate fails as TLS would read it.
        assert!(matches!(
            ca_pem_from_file(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Err(SmtpError::Tls { .. }) | Err(SmtpError::BadCa(_))
        ));
    }

    #[tokio::test]
    async fn a_ca_text_without_a_certificate_is_refused_rather_than_trusting_nobody() {
        let mut s = settings();
        s.security = Security::Tls;
        s.ca_pem = Some("paste the certificate here".into());
        assert!(matches!(Smtp::new(s, None).unwrap_err(), SmtpError::BadCa(_)));
    }

    #[test]
    fn the_message_id_carries_the_delivery_and_stays_the_same_across_attempts() {
        let from: Mailbox = "教务处 <jwc@example.edu.cn>".parse().unwrap();
        let id = message_id(4711, &from);
        assert!(
            id.starts_with("<herald.4711.") && id.ends_with("@example.edu.cn>"),
            "{id}"
        );
        assert_eq!(id, message_id(4711, &from));
        assert_ne!(id, message_id(4712, &from));
    }

    // The pool starts a task when built, so these need a runtime.
    #[tokio::test]
    async fn a_bad_recipient_address_fails_that_message_alone() {
        let smtp = Smtp::new(settings(), None).unwrap();
        let m = Outgoing {
            delivery_id: 1,
            address: "王小明".into(),
            recipient_name: "王小明".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        assert!(smtp.message(&m).unwrap_err().contains("not a valid e-mail address"));
    }

    #[tokio::test]
    async fn list_unsubscribe_goes_to_the_reply_to_mailbox_only_when_the_notice_allows_it() {
        let mut s = settings();
        s.reply_to = Some("office@example.edu.cn".into());
        let smtp = Smtp::new(s, None).unwrap();
        let mut m = Outgoing {
            delivery_id: 1,
            address: "wxm@example.edu.cn".into(),
            recipient_name: "王小明".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        let wire = |m: &Outgoing| String::from_utf8(smtp.message(m).unwrap().formatted()).unwrap();
        assert!(!wire(&m).contains("List-Unsubscribe"));
        m.allow_unsubscribe = true;
        assert!(
            wire(&m).contains(
                "\r\nList-Unsubscribe: <mailto:office@example.edu.cn?subject=%E9%80%80%E8%AE%A2%20unsubscribe>\r\n"
            ),
            "{}",
            wire(&m)
        );
    }

    // The pool starts a task when built, so these need a runtime.
    #[tokio::test]
    async fn the_password_never_appears_in_a_reason() {
        let mut s = settings();
        s.username = Some("jwc".into());
        let smtp = Smtp::new(s, Some("s3cret-密码".into())).unwrap();
        let plain = BASE64.encode("\0jwc\0s3cret-密码");
        let text = smtp.scrubbed(&format!("535 5.7.8 bad: s3cret-密码 {plain}"));
        assert!(!text.contains("s3cret") && !text.contains(&plain), "{text}");
        assert!(!format!("{smtp:?}").contains("s3cret"));
    }
}
