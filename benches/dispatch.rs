//! Dispatch throughput and memory, measured on the real `herald dispatch` process:
//! - through the sandbox provider (pure engine overhead), target ≥ 20,000 deliveries/s, and
//!   the dispatcher's peak memory while sending 100,000, target ≤ 100 MB;
//! - to an HTTP sink on 127.0.0.1 through the webhook provider with concurrency 64, target
//!   within 2× of what `wrk` reaches against the same sink in the same run.
//!
//! Run: `cargo bench --bench dispatch` (needs `wrk` for the comparison: apt-get install wrk).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::App;

/// A minimal HTTP/1.1 sink: keep-alive, answers every request `200` with an empty body.
/// A thread per connection is plenty for 64 connections and costs little CPU per request.
fn start_sink() -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || serve(stream, &c));
        }
    });
    (port, count)
}

fn serve(stream: TcpStream, count: &AtomicU64) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        let mut length = 0usize;
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::Relaxed);
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

async fn prepare(dir: &Path, n: usize, channel: &str) -> App {
    let app = common::open_app(dir).await;
    common::seed_contacts(app.store(), n).await;
    let channel_id = app.channel_by_name(channel).await.unwrap().id;
    let body = "{{ name }}同学：期末考试于下周一开始，请按时参加。".into();
    common::queue_notice(&app, channel_id, body).await;
    app
}

fn wrk(port: u16, connections: u32) -> Option<f64> {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            "-d5s",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // 1. Sandbox: engine overhead and peak memory of the dispatcher process.
    let n = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let app = rt.block_on(prepare(dir.path(), n, "sandbox"));
    let took = common::dispatch_until_idle(dir.path(), &[]);
    rt.block_on(common::assert_all_sent(&app, n));
    common::report(
        "dispatch via sandbox (herald dispatch process)",
        n as u64,
        took,
        &format!("dispatcher peak RSS {:.1} MiB", common::children_peak_rss_mib()),
    );

    // 2. HTTP: webhook provider, concurrency 64, against a loopback sink; wrk on the same sink.
    let (port, count) = start_sink();
    let n = 30_000;
    let dir = tempfile::tempdir().unwrap();
    let app = rt.block_on(async {
        let app = common::open_app(dir.path()).await;
        let url = [("url".to_owned(), format!("http://127.0.0.1:{port}/hook"))]
            .into_iter()
            .collect();
        let limits = herald::model::ChannelLimits {
            concurrency: Some(64),
            ..Default::default()
        };
        app.add_kind_channel("webhook", "sink", url, Some(limits))
            .await
            .unwrap();
        drop(app);
        prepare(dir.path(), n, "sink").await
    });
    let before = count.load(Ordering::Relaxed);
    let took = common::dispatch_until_idle(dir.path(), &[]);
    let received = count.load(Ordering::Relaxed) - before;
    rt.block_on(common::assert_all_sent(&app, n));
    assert_eq!(received as usize, n, "the sink saw each once");
    let herald_rate = n as f64 / took.as_secs_f64();
    common::report("dispatch via webhook, concurrency 64", n as u64, took, "");
    let bare_rate = rt.block_on(bare_client(port, 64));
    println!(
        "{:<48} {:>10.0}/s  herald reaches {:.2}× of it",
        "bare reqwest client, 64 in flight, same sink",
        bare_rate,
        herald_rate / bare_rate
    );
    match wrk(port, 64) {
        Some(wrk_rate) => println!(
            "{:<48} {:>10.0}/s  herald reaches {:.2}× of wrk (target ≥ 0.5×); the bare client {:.2}×",
            "wrk -t2 -c64 on the same sink",
            wrk_rate,
            herald_rate / wrk_rate,
            bare_rate / wrk_rate
        ),
        None => println!("wrk not found: install it (apt-get install wrk) for the comparison"),
    }
}

/// The ceiling of the HTTP client Herald uses, with nothing else to do: `in_flight` tasks POST
/// a notice-sized body to the sink for 5 s on one pooled reqwest client. What Herald adds per
/// delivery (claim, render, record, count) shows as the gap between this and Herald.
async fn bare_client(port: u16, in_flight: usize) -> f64 {
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/hook");
    let body = r#"{"id":"1","channel":"sink","recipient":{"name":"学生1","address":"s1@bench.example.edu.cn"},"subject":"期末考试安排","body":"学生1同学：期末考试于下周一开始，请按时参加。"}"#;
    let done = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let window = Duration::from_secs(5);
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let (client, url, done) = (client.clone(), url.clone(), done.clone());
            tokio::spawn(async move {
                while t0.elapsed() < window {
                    let reply = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("the sink answers");
                    let _ = reply.bytes().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a client task");
    }
    done.load(Ordering::Relaxed) as f64 / t0.elapsed().as_secs_f64()
}
