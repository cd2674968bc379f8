//! A loopback webhook receiver for the dispatch tests: a small HTTP/1.1 server on 127.0.0.1
//! (its own thread and tokio runtime, so blocking tests can use it) that records every request
//! it gets, with its arrival time, and answers as a script says.
//!
//! Only what reqwest sends is understood: requests with a `Content-Length` body, kept alive
//! over one connection. Anything else is answered `400` and recorded as `malformed`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// When the whole request had arrived.
    pub at: Instant,
    /// The request line's target: the path and query, as sent.
    pub target: String,
    /// `id` of the JSON body (the delivery id).
    pub id: String,
    /// `recipient.address` of the JSON body.
    pub address: String,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// How many requests for this `id` had arrived, this one included (1 for the first).
    pub nth: u32,
    /// Every header, names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as received, byte for byte (what a signature covers).
    pub body: Vec<u8>,
}

impl Seen {
    /// The first header of this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the receiver answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Waited before answering.
    pub delay: Duration,
    /// The reply's body instead of the usual one.
    pub body: Option<String>,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
            body: None,
        }
    }

    pub fn ok() -> Reply {
        Reply::status(200)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Answers with this body (say, one that echoes what was sent, as some receivers do).
    pub fn body(mut self, body: &str) -> Reply {
        self.body = Some(body.to_owned());
        self
    }
}

/// One exchange: the request, and what was answered when.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: Seen,
    pub status: u16,
    /// When the reply was written (`None`: not yet, or the client had gone).
    pub replied_at: Option<Instant>,
}

type Script = dyn Fn(&Seen) -> Reply + Send + Sync;

#[derive(Default)]
struct State {
    exchanges: Vec<Exchange>,
    per_id: HashMap<String, u32>,
    malformed: Vec<String>,
    in_flight: usize,
    max_in_flight: usize,
}

/// The running receiver; stops when dropped.
pub struct Sink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sink {
    /// Starts a receiver on a free port of 127.0.0.1 answering as `script` says.
    pub fn start(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Sink {
        let script: Arc<Script> = Arc::new(script);
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stop_rx) = watch::channel(false);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let state2 = state.clone();
        let thread = std::thread::Builder::new()
            .name("webhook-sink".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("sink runtime");
                rt.block_on(serve(listener, script, state2, stop_rx));
                rt.shutdown_background();
            })
            .expect("sink thread");
        Sink {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every exchange so far, in arrival order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    /// Requests received so far.
    pub fn request_count(&self) -> usize {
        self.lock().exchanges.len()
    }

    /// Distinct delivery ids received so far.
    pub fn distinct_ids(&self) -> usize {
        self.lock().per_id.len()
    }

    /// Requests per delivery id.
    pub fn counts(&self) -> HashMap<String, u32> {
        self.lock().per_id.clone()
    }

    /// Requests that could not be understood (should be none).
    pub fn malformed(&self) -> Vec<String> {
        self.lock().malformed.clone()
    }

    /// The most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    script: Arc<Script>,
    state: Arc<Mutex<State>>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(stream, script.clone(), state.clone()));
                }
            }
            _ = stop.changed() => return,
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves the requests of one kept-alive connection until the client closes it.
async fn connection(stream: TcpStream, script: Arc<Script>, state: Arc<Mutex<State>>) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.trim().is_empty() {
            continue;
        }
        let request_line = line.trim().to_owned();
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) else {
            lock(&state)
                .malformed
                .push(format!("{request_line}: no content-length ({headers:?})"));
            let _ = write_reply(reader.get_mut(), 400, &[], None).await;
            return;
        };
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let json: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                lock(&state)
                    .malformed
                    .push(format!("{request_line}: body is not JSON ({e})"));
                let _ = write_reply(reader.get_mut(), 400, &[], None).await;
                continue;
            }
        };
        let id = json["id"].as_str().unwrap_or_default().to_owned();
        let address = json["recipient"]["address"].as_str().unwrap_or_default().to_owned();
        let (seen, index) = {
            let mut s = lock(&state);
            let nth = {
                let n = s.per_id.entry(id.clone()).or_insert(0);
                *n += 1;
                *n
            };
            let seen = Seen {
                at: Instant::now(),
                target: request_line.split(' ').nth(1).unwrap_or_default().to_owned(),
                id,
                address,
                idempotency_key: header("idempotency-key"),
                nth,
                headers: headers.clone(),
                body: body.clone(),
            };
            s.in_flight += 1;
            s.max_in_flight = s.max_in_flight.max(s.in_flight);
            s.exchanges.push(Exchange {
                request: seen.clone(),
                status: 0,
                replied_at: None,
            });
            (seen, s.exchanges.len() - 1)
        };
        let reply = script(&seen);
        lock(&state).exchanges[index].status = reply.status;
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let written = write_reply(reader.get_mut(), reply.status, &reply.headers, reply.body.as_deref()).await;
        {
            let mut s = lock(&state);
            s.in_flight -= 1;
            if written.is_ok() {
                s.exchanges[index].replied_at = Some(Instant::now());
            }
        }
        if written.is_err() || header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            return;
        }
    }
}

async fn write_reply(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    custom: Option<&str>,
) -> std::io::Result<()> {
    let body = if let Some(custom) = custom {
        custom.to_owned()
    } else if (200..300).contains(&status) {
        String::from("{\"ok\":true}")
    } else {
        format!("scripted reply {status}")
    };
    let mut text = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n",
        reason(status),
        body.len()
    );
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(&body);
    stream.write_all(text.as_bytes()).await?;
    stream.flush().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Scripted",
    }
}

// ---------------------------------------------------------------------------------------
// Bounded child processes: every wait has a deadline, and output goes to files (a pipe
// nobody reads could fill up and stall the child).
// ---------------------------------------------------------------------------------------

/// A `herald` child whose stdout and stderr go to files.
pub struct Proc {
    pub child: std::process::Child,
    pub stdout: std::path::PathBuf,
    pub stderr: std::path::PathBuf,
    pub what: String,
}

impl Proc {
    /// Starts `cmd`, sending its output to `<dir>/<tag>.out` and `<dir>/<tag>.err`.
    pub fn spawn(mut cmd: std::process::Command, dir: &std::path::Path, tag: &str) -> Proc {
        let stdout = dir.join(format!("{tag}.out"));
        let stderr = dir.join(format!("{tag}.err"));
        let what = format!("{cmd:?}");
        let child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        Proc {
            child,
            stdout,
            stderr,
            what,
        }
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// Panics with the child's stderr if it has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!(
                "{} exited early ({status}): {}{}",
                self.what,
                self.stderr_text(),
                self.stdout_text()
            );
        }
    }

    /// SIGKILL (on Unix `Child::kill` sends SIGKILL) and reap.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the child to exit within `timeout` (killing it and panicking if not); panics
    /// unless it succeeded; returns its stdout.
    pub fn finish(self, timeout: Duration) -> String {
        let what = self.what.clone();
        let (status, stdout, stderr) = self.exit(timeout);
        assert!(status.success(), "{what} failed ({status}): {stderr}{stdout}");
        stdout
    }

    /// Waits for the child to exit within `timeout` (killing it and panicking if not);
    /// returns how it exited, its stdout and its stderr.
    pub fn exit(mut self, timeout: Duration) -> (std::process::ExitStatus, String, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status, self.stdout_text(), self.stderr_text());
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "{} did not finish within {timeout:?}; stderr: {}",
                    self.what,
                    self.stderr_text()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// [`Proc::finish`], then the JSON it printed.
    pub fn finish_json(self, timeout: Duration) -> serde_json::Value {
        let what = self.what.clone();
        let out = self.finish(timeout);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{what} printed no JSON ({e}): {out}"))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // A test that panics half-way must not leave a dispatcher running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
