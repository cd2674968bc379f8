//! A real SMTP server on 127.0.0.1 for the e-mail tests: `tests/smtp/server.py` (aiosmtpd) run
//! as a child process, with a throwaway CA and a `localhost`/127.0.0.1 certificate made here at
//! test time, so TLS is checked for real (a client trusts the CA file and nothing else).
//!
//! ```ignore
//! let server = SmtpServer::start(SmtpOptions {
//!     security: Security::StartTls,
//!     auth: Some(("office".into(), "s3cret".into())),
//!     script: Script::default().rcpt("nouser@", "550 5.1.1 no such user"),
//!     ..SmtpOptions::default()
//! });
//! // … send to 127.0.0.1:server.port(), trusting server.ca_file() …
//! let mail = &server.wait_for_messages(1, Duration::from_secs(10))[0];
//! assert_eq!(mail.mail().subject.as_deref(), Some("期末考试安排"));
//! ```
//!
//! The Python interpreter is `HERALD_TEST_PYTHON` (scripts/test.sh makes a venv with aiosmtpd and
//! sets it), else that venv under `target/`, else `python3` if it can import aiosmtpd.
//! `wait_for_messages` blocks the calling thread: from an async test, call it once the send has
//! been awaited (or through `spawn_blocking`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use serde::Deserialize;

/// How the server protects the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS at all.
    Plain,
    /// STARTTLS offered and required before MAIL (and before AUTH).
    StartTls,
    /// STARTTLS offered; a client may carry on in the clear.
    StartTlsOptional,
    /// TLS from the first byte (port 465 style).
    ImplicitTls,
}

/// Scripted replies. A pattern matches an address that contains it, ASCII case ignored
/// (`"nouser@"` matches `NoUser@example.com`); patterns of one kind should not overlap.
#[derive(Debug, Clone, Default)]
pub struct Script {
    rcpt: serde_json::Map<String, serde_json::Value>,
    fail_first: serde_json::Map<String, serde_json::Value>,
    data: Option<String>,
    data_delay_ms: Option<u64>,
}

impl Script {
    /// Every RCPT of a matching address gets `reply` (e.g. `"550 5.1.1 no such user"`). A reply
    /// starting with 421 also closes the connection, as a real server does.
    pub fn rcpt(mut self, pattern: &str, reply: &str) -> Script {
        self.rcpt.insert(pattern.into(), reply.into());
        self
    }

    /// The first `times` RCPTs of each matching address get `reply`, later ones are accepted
    /// (counted per address over the server's life, across connections).
    pub fn fail_first(mut self, pattern: &str, times: u32, reply: &str) -> Script {
        let rule = serde_json::json!({ "times": times, "reply": reply });
        self.fail_first.insert(pattern.into(), rule);
        self
    }

    /// The end of every DATA is answered `delay` late (the message is kept first): a slow server.
    pub fn data_delay(mut self, delay: Duration) -> Script {
        self.data_delay_ms = Some(delay.as_millis() as u64);
        self
    }

    /// Every DATA is answered with `reply` (e.g. `"554 5.6.0 rejected"`) and not kept.
    pub fn data(mut self, reply: &str) -> Script {
        self.data = Some(reply.into());
        self
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    pub security: Security,
    /// `(user, password)`: AUTH PLAIN/LOGIN offered (after TLS), and MAIL refused (530) without it.
    pub auth: Option<(String, String)>,
    /// Offer AUTH on an unencrypted connection too; only for tests that mean it.
    pub auth_without_tls: bool,
    pub script: Script,
}

impl Default for SmtpOptions {
    fn default() -> SmtpOptions {
        SmtpOptions {
            security: Security::Plain,
            auth: None,
            auth_without_tls: false,
            script: Script::default(),
        }
    }
}

/// The envelope of one accepted message, as the server saw it.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub mail_from: String,
    /// MAIL FROM parameters, e.g. `SIZE=1234`, `BODY=8BITMIME`.
    pub mail_options: Vec<String>,
    pub rcpt_tos: Vec<String>,
    /// Whether the message came over TLS (STARTTLS or implicit).
    pub tls: bool,
    /// The user who authenticated on that connection.
    pub auth_user: Option<String>,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The DATA exactly as sent: CRLF line ends, the SMTP dot-stuffing undone, up to the final
    /// `.` line (so the CRLF before it is here: lettre always writes one after the message).
    pub raw: Vec<u8>,
    pub envelope: Envelope,
}

/// What a mail client would show of a message, decoded by mail-parser.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub subject: Option<String>,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    /// `(display name, address)` of every To.
    pub to: Vec<(Option<String>, String)>,
    /// Without the angle brackets.
    pub message_id: Option<String>,
    /// The `text/plain` body, decoded to text.
    pub text: Option<String>,
    /// The `text/html` body, decoded to text.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// Decoded (RFC 2231 or RFC 2047), as a client shows it.
    pub name: Option<String>,
    /// e.g. `application/pdf`.
    pub content_type: String,
    /// The content after its transfer encoding is undone.
    pub bytes: Vec<u8>,
}

impl Received {
    /// The message parsed, for anything [`Mail`] does not cover.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .unwrap_or_else(|| panic!("mail-parser could not parse:\n{}", self.raw_text()))
    }

    /// The first header of that name, unfolded but not decoded (`=?utf-8?b?…?=` stays).
    pub fn raw_header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|v| v.trim().to_string())
    }

    /// The message as a client would read it.
    pub fn mail(&self) -> Mail {
        let m = self.parsed();
        let from = m.from().and_then(|a| a.first());
        // mail-parser converts between text and HTML when one alternative is missing; only real
        // parts of the right type count here.
        let body = |parts: Vec<&mail_parser::MessagePart>, subtype: &str| {
            parts
                .into_iter()
                .find(|p| p.is_content_type("text", subtype))
                .and_then(|p| p.text_contents().map(str::to_string))
        };
        Mail {
            subject: m.subject().map(str::to_string),
            from_name: from.and_then(|a| a.name()).map(str::to_string),
            from_address: from.and_then(|a| a.address()).map(str::to_string),
            to: m
                .to()
                .map(|list| {
                    list.iter()
                        .map(|a| {
                            let name = a.name().map(str::to_string);
                            (name, a.address().unwrap_or_default().to_string())
                        })
                        .collect()
                })
                .unwrap_or_default(),
            message_id: m.message_id().map(str::to_string),
            text: body(m.text_bodies().collect(), "plain"),
            html: body(m.html_bodies().collect(), "html"),
            attachments: m
                .attachments()
                .map(|p| Attachment {
                    name: p.attachment_name().map(str::to_string),
                    content_type: p
                        .content_type()
                        .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("")))
                        .unwrap_or_default(),
                    bytes: p.contents().to_vec(),
                })
                .collect(),
        }
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

/// A running server; killed when dropped.
pub struct SmtpServer {
    child: Child,
    // Held open: the server exits when its stdin closes, even if this process is killed.
    _stdin: ChildStdin,
    port: u16,
    ca_pem: String,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Makes the certificates, starts the server and waits until it accepts connections.
    pub fn start(options: SmtpOptions) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_pem = make_certificates(dir.path());
        let out_dir = dir.path().join("mail");
        let security = match options.security {
            Security::Plain => "plain",
            Security::StartTls | Security::StartTlsOptional => "starttls",
            Security::ImplicitTls => "tls",
        };
        let config = serde_json::json!({
            "security": security,
            "require_starttls": options.security == Security::StartTls,
            "cert": dir.path().join("server.pem"),
            "key": dir.path().join("server.key"),
            "auth": options.auth.as_ref().map(|(u, p)| serde_json::json!({"user": u, "password": p})),
            "auth_without_tls": options.auth_without_tls,
            "out_dir": out_dir,
            "rcpt": options.script.rcpt,
            "fail_first": options.script.fail_first,
            "data": options.script.data,
            "data_delay_ms": options.script.data_delay_ms,
        });
        let config_path = dir.path().join("config.json");
        std::fs::write(&config_path, config.to_string()).expect("write server config");
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file");

        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut child = Command::new(python())
            .arg(&script)
            .arg(&config_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start the SMTP test server");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");

        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = SmtpServer {
            child,
            _stdin: stdin,
            port: 0,
            ca_pem,
            dir,
        };
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let ready: Option<serde_json::Value> = serde_json::from_str(&line).ok();
        match ready.as_ref().and_then(|v| v["port"].as_u64()) {
            Some(port) => server.port = port as u16,
            None => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                panic!(
                    "the SMTP test server did not start (it printed {line:?}); its stderr:\n{}",
                    server.stderr()
                );
            }
        }
        server
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test CA's certificate (PEM), e.g. for `herald channels add smtp --ca-file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Every message accepted so far, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        let out = self.dir.path().join("mail");
        let mut metas: Vec<PathBuf> = std::fs::read_dir(&out)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        metas.retain(|p| p.extension().is_some_and(|e| e == "json"));
        metas.sort();
        metas
            .into_iter()
            .map(|meta| Received {
                // The server writes the .eml before the .json, each atomically.
                raw: std::fs::read(meta.with_extension("eml")).expect("read .eml"),
                envelope: serde_json::from_slice(&std::fs::read(&meta).expect("read envelope")).expect("envelope JSON"),
            })
            .collect()
    }

    /// Waits until at least `n` messages have been accepted and returns them all; panics with
    /// what did arrive (and the server's stderr) after `timeout`.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {timeout:?} for {n} messages, got {}; RCPTs: {:?}\nserver stderr:\n{}",
                    got.len(),
                    self.rcpt_log(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every RCPT the server answered, in order: `(address, reply)`, accepted ones as `250 OK`.
    pub fn rcpt_log(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.dir.path().join("mail/rcpt.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect("rcpt log line");
                (
                    v["address"].as_str().unwrap_or_default().to_string(),
                    v["reply"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// What the server wrote to stderr (tracebacks, aiosmtpd's warnings).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `ca.pem`, `server.pem` and `server.key` into `dir` and returns the CA's PEM: a CA made
/// for this server alone, and a certificate it signs for `localhost` and `127.0.0.1`.
fn make_certificates(dir: &Path) -> String {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Herald test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_pem = ca.self_signed(&ca_key).expect("CA certificate").pem();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().expect("server key");
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("server params");
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer).expect("server certificate");

    std::fs::write(dir.join("ca.pem"), &ca_pem).expect("write ca.pem");
    std::fs::write(dir.join("server.pem"), cert.pem()).expect("write server.pem");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("write server.key");
    ca_pem
}

/// The interpreter that runs the server, found once per test binary.
fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("HERALD_TEST_PYTHON") {
                return PathBuf::from(p);
            }
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-python/bin/python3");
            for candidate in [venv, PathBuf::from("python3")] {
                let imports = Command::new(&candidate)
                    .args(["-c", "import aiosmtpd"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if imports {
                    return candidate;
                }
            }
            panic!(
                "the SMTP tests need Python 3 with aiosmtpd: run scripts/test.sh once (it makes \
                 target/test-python), or `python3 -m venv target/test-python && \
                 target/test-python/bin/pip install aiosmtpd==1.4.6`, or set HERALD_TEST_PYTHON \
                 to an interpreter that has it"
            )
        })
        .clone()
}
