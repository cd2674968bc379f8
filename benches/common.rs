//! Shared by the benchmarks: seeding, timing, peak memory, and the real `herald dispatch`
//! process. Each bench includes this file with `mod common;` and uses only part of it (hence
//! `dead_code`); Cargo also builds it on its own as the (empty) bench target `common`.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use herald::model::{NewContact, NewNotice};
use herald::store::Store;
use herald::{App, AppConfig};

/// The `herald` binary of this package, as Cargo built it for the benches.
pub const HERALD: &str = env!("CARGO_BIN_EXE_herald");

/// `n` contacts with e-mail and mobile, inserted in batches.
pub async fn seed_contacts(store: &Store, n: usize) {
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        batch.push(NewContact {
            name: format!("学生{i}"),
            external_id: Some(format!("S{i:07}")),
            email: Some(format!("s{i}@bench.example.edu.cn")),
            mobile: Some(format!("+86138{i:08}")),
            department: Some("农学院".into()),
            class_name: Some(format!("农学24{:02}", i % 30)),
            grade: Some("2024".into()),
            ..Default::default()
        });
        if batch.len() == 10_000 {
            store.insert_contacts_bulk(&batch).await.expect("seed");
            batch.clear();
        }
    }
    store.insert_contacts_bulk(&batch).await.expect("seed");
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Peak resident memory of the largest child waited for so far, in MiB.
pub fn children_peak_rss_mib() -> f64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) == 0 {
            usage.ru_maxrss as f64 / 1024.0
        } else {
            f64::NAN
        }
    }
}

/// Times an async block.
pub async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let t0 = Instant::now();
    let out = f.await;
    (out, t0.elapsed())
}

/// One line of results, easy to paste into docs/PERFORMANCE.md.
pub fn report(name: &str, items: u64, took: Duration, extra: &str) {
    let rate = items as f64 / took.as_secs_f64();
    println!(
        "{name:<48} {items:>8} in {:>8.3} s = {rate:>10.0}/s  {extra}",
        took.as_secs_f64()
    );
}

/// Opens (or creates) the data directory `dir` as the benches' face.
pub async fn open_app(dir: &Path) -> App {
    App::open(AppConfig {
        data_dir: dir.to_owned(),
        face: "bench".into(),
    })
    .await
    .unwrap()
}

/// Saves a notice with `body` to everyone through `channel_id` and sends it: the run's
/// deliveries wait in the outbox for `herald dispatch`.
pub async fn queue_notice(app: &App, channel_id: i64, body: String) {
    let notice = app
        .create_notice(NewNotice {
            title: "期末考试安排".into(),
            body,
            channel_ids: vec![channel_id],
            ..Default::default()
        })
        .await
        .unwrap();
    app.send_notice(notice.id).await.unwrap();
}

/// Runs `command` to the end and returns its wall time; panics with its stderr if it fails.
pub fn run_timed(command: &mut Command, what: &str) -> Duration {
    let t0 = Instant::now();
    let out = command.output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// Runs the real `herald dispatch --until-idle` process on `dir`, with `env` added to its
/// environment, until the outbox is idle; panics with its stderr if it fails. Returns its wall
/// time.
pub fn dispatch_until_idle(dir: &Path, env: &[(&str, &str)]) -> Duration {
    run_timed(
        Command::new(HERALD)
            .args(["dispatch", "--until-idle", "--quiet", "--json"])
            .env("HERALD_DATA_DIR", dir)
            .envs(env.iter().copied()),
        "herald dispatch",
    )
}

/// Checks that the latest run sent `n` deliveries.
pub async fn assert_all_sent(app: &App, n: usize) {
    let run = app.list_runs(1).await.unwrap().remove(0);
    assert_eq!(run.sent as usize, n, "every delivery sent");
}
