//! Herald's own pool of SMTP connections, over lettre's connection type.
//!
//! lettre's pooled transport opens its sockets with Nagle's algorithm on and writes a message's
//! body and its closing `\r\n.\r\n` as two writes, so every message waits for the server's
//! delayed ACK: 40 ms on Linux, which capped a 16-connection channel at a few hundred messages a
//! second (docs/PERFORMANCE.md; fixed upstream in lettre #1159, not yet released). Here each
//! socket is opened with `TCP_NODELAY` and handed to lettre's connection
//! (`connect_with_transport`), which still does EHLO, STARTTLS, AUTH and the transaction.
//!
//! Owning the steps also tells which one failed: connecting, securing, logging in, or sending,
//! which lettre's transport does not (a 535 can only come from AUTH here, a refused certificate
//! only from TLS).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
// lettre marks its stream type deprecated ("not meant to be made public") but offers no other
// way to put TLS on a socket it did not open, which implicit TLS needs before the greeting.
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

/// A connection idle longer than this is closed rather than reused: servers drop idle clients
/// (often after 60 s or more), and a new connection costs less than a failed send.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// How the connection is secured, with what TLS needs.
#[derive(Clone)]
pub(super) enum Secure {
    None,
    StartTls(TlsParameters),
    Implicit(TlsParameters),
}

/// Where and how to connect.
pub(super) struct Target {
    pub host: String,
    pub port: u16,
    pub secure: Secure,
    pub credentials: Option<Credentials>,
    pub timeout: Duration,
}

/// The step a send failed at.
#[derive(Debug)]
pub(super) enum Failure {
    /// Reaching the server (DNS, TCP, the greeting), or a time-out anywhere.
    Connect(String),
    /// TLS, implicit or STARTTLS.
    Tls(String),
    /// AUTH, with the server's reply code when there was one.
    Auth(Option<u16>, String),
    /// MAIL, RCPT, DATA or the message itself.
    Send(lettre::transport::smtp::Error),
}

/// A TLS stream of lettre's on a socket of ours, as the `AsyncTokioStream` lettre's
/// connection takes (for implicit TLS, where TLS comes before the greeting).
#[allow(deprecated)]
struct Wrapped {
    inner: Compat<AsyncNetworkStream>,
    peer: SocketAddr,
}

impl std::fmt::Debug for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wrapped({})", self.peer)
    }
}

impl AsyncRead for Wrapped {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Wrapped {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Wrapped {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

/// Up to `size` connections, reused while they stay healthy.
pub(super) struct Pool {
    target: Target,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    slots: Semaphore,
}

/// An error with its sources, which hold the server's words and the TLS library's reason.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

impl Pool {
    pub fn new(target: Target, size: usize) -> Pool {
        Pool {
            target,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(size),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let t = &self.target;
        let tcp = TcpStream::connect((t.host.as_str(), t.port))
            .await
            .map_err(|e| Failure::Connect(e.to_string()))?;
        // The point of this pool: see the module's comment.
        tcp.set_nodelay(true).map_err(|e| Failure::Connect(e.to_string()))?;
        let peer = tcp.peer_addr().map_err(|e| Failure::Connect(e.to_string()))?;
        let mut conn = match &t.secure {
            Secure::Implicit(params) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream
                    .upgrade_tls(params.clone())
                    .await
                    .map_err(|e| Failure::Tls(chain(&e)))?;
                let wrapped = Wrapped {
                    inner: stream.compat(),
                    peer,
                };
                AsyncSmtpConnection::connect_with_transport(Box::new(wrapped), &self.hello)
                    .await
                    .map_err(|e| Failure::Connect(chain(&e)))?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                .await
                .map_err(|e| Failure::Connect(chain(&e)))?,
        };
        if let Secure::StartTls(params) = &t.secure {
            conn.starttls(params.clone(), &self.hello)
                .await
                .map_err(|e| Failure::Tls(chain(&e)))?;
        }
        if let Some(credentials) = &t.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| Failure::Auth(e.status().map(u16::from), chain(&e)))?;
        }
        Ok(conn)
    }

    /// A healthy idle connection, or a new one.
    async fn take(&self) -> Result<AsyncSmtpConnection, Failure> {
        loop {
            let parked = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match parked {
                Some((conn, since)) if since.elapsed() < MAX_IDLE && !conn.has_broken() => return Ok(conn),
                Some((mut conn, _)) => conn.abort().await,
                None => return self.connect().await,
            }
        }
    }

    /// Sends one message on a pooled connection, everything within the target's timeout: the
    /// wait for a free connection too, so that no send outlives it.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, Failure> {
        let timeout = self.target.timeout;
        let attempt = async {
            let _slot = self
                .slots
                .acquire()
                .await
                .expect("the pool's semaphore is never closed");
            let mut conn = self.take().await?;
            match conn.send(envelope, message).await {
                Ok(reply) => {
                    self.idle
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((conn, Instant::now()));
                    Ok(reply)
                }
                // lettre has already closed a connection whose command failed.
                Err(e) => Err(Failure::Send(e)),
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Connect(format!("no reply within {} s", timeout.as_secs_f32()))),
        }
    }
}
