//! E-mail throughput: the real `herald dispatch` process sending 2 KB notices through an SMTP
//! channel (pool of connections) to postfix's `smtp-sink` on 127.0.0.1, and postfix's own
//! `smtp-source` blasting the same sink with 2 KB messages over as many connections, in the
//! same run. Target: Herald at least half of smtp-source's rate.
//!
//! Run: `cargo bench --bench smtp`. It needs smtp-sink and smtp-source: from
//! `HERALD_POSTFIX_TOOLS` (a directory holding them), from PATH, or else taken out of Debian's
//! postfix package into `target/postfix-tools` (downloaded, unpacked, never installed, so no
//! mail server is set up on the machine).

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herald::model::ChannelLimits;
use herald::App;

/// Messages per measurement.
const MESSAGES: usize = 20_000;
/// Connections, for both Herald's pool and smtp-source's sessions.
const CONNECTIONS: u32 = 16;
/// Body size: a notice of a few paragraphs.
const BODY_BYTES: usize = 2048;

/// `bin` (smtp-sink or smtp-source) and the LD_LIBRARY_PATH it needs.
fn postfix_tool(bin: &str) -> (PathBuf, Option<PathBuf>) {
    if let Some(dir) = std::env::var_os("HERALD_POSTFIX_TOOLS") {
        return (Path::new(&dir).join(bin), None);
    }
    if let Ok(out) = Command::new("sh").args(["-c", &format!("command -v {bin}")]).output() {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() && !path.is_empty() {
            return (PathBuf::from(path), None);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/postfix-tools");
    let sbin = root.join("usr/sbin");
    if !sbin.join(bin).exists() {
        std::fs::create_dir_all(&root).unwrap();
        let status = Command::new("sh")
            .current_dir(&root)
            .args([
                "-c",
                "apt-get download postfix && dpkg -x postfix_*.deb . && rm -f postfix_*.deb",
            ])
            .status()
            .expect("apt-get download postfix");
        assert!(
            status.success(),
            "cannot fetch smtp-sink and smtp-source from Debian's postfix package"
        );
    }
    (sbin.join(bin), Some(root.join("usr/lib/postfix")))
}

fn tool(bin: &str) -> Command {
    let (path, libs) = postfix_tool(bin);
    let mut c = Command::new(path);
    if let Some(libs) = libs {
        c.env("LD_LIBRARY_PATH", libs);
    }
    c
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// smtp-sink on `port`: accepts everything, keeps nothing.
fn start_sink(port: u16) -> Sink {
    let child = tool("smtp-sink")
        .args(["-u", "nobody", &format!("127.0.0.1:{port}"), "1024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start smtp-sink");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "smtp-sink did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Sink(child)
}

fn smtp_source(port: u16) -> f64 {
    let took = common::run_timed(
        tool("smtp-source").args([
            "-s",
            &CONNECTIONS.to_string(),
            "-m",
            &MESSAGES.to_string(),
            "-l",
            &BODY_BYTES.to_string(),
            "-f",
            "jwc@example.edu.cn",
            "-t",
            "student@example.edu.cn",
            &format!("127.0.0.1:{port}"),
        ]),
        "smtp-source",
    );
    MESSAGES as f64 / took.as_secs_f64()
}

fn body() -> String {
    let paragraph = "各位同学：本学期期末考试将于下周一开始，请登录教务系统查看考场安排，带好学生证和2B铅笔，提前十五分钟到达考场。\n\n";
    let mut body = String::from("{{ name }}同学：\n\n");
    while body.len() < BODY_BYTES {
        body.push_str(paragraph);
    }
    body
}

async fn prepare(dir: &Path, port: u16) -> App {
    let app = common::open_app(dir).await;
    common::seed_contacts(app.store(), MESSAGES).await;
    let settings = [
        ("host", "127.0.0.1".to_owned()),
        ("port", port.to_string()),
        ("security", "none".to_owned()),
        ("from-address", "jwc@example.edu.cn".to_owned()),
        ("from-name", "教务处".to_owned()),
        ("pool-size", CONNECTIONS.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let limits = ChannelLimits {
        concurrency: Some(CONNECTIONS),
        ..Default::default()
    };
    let channel = app
        .add_kind_channel("smtp", "sink", settings, Some(limits))
        .await
        .unwrap();
    common::queue_notice(&app, channel.id, body()).await;
    app
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let port = free_port();
    let _sink = start_sink(port);

    let dir = tempfile::tempdir().unwrap();
    let app = rt.block_on(prepare(dir.path(), port));
    let took = common::dispatch_until_idle(dir.path(), &[("HERALD_SECRET_STORE", "file")]);
    rt.block_on(common::assert_all_sent(&app, MESSAGES));
    let herald_rate = MESSAGES as f64 / took.as_secs_f64();
    common::report(
        &format!("herald dispatch via SMTP, pool {CONNECTIONS}, 2 KB"),
        MESSAGES as u64,
        took,
        &format!("dispatcher peak RSS {:.1} MiB", common::children_peak_rss_mib()),
    );
    let peer = smtp_source(port);
    println!(
        "{:<48} {:>10.0}/s  herald reaches {:.2}× of it (target ≥ 0.5×)",
        format!("smtp-source -s {CONNECTIONS} -l {BODY_BYTES}, same sink"),
        peer,
        herald_rate / peer
    );
}
