//! The outbox and dispatcher under hostile recipients, slow servers, races, crashes and a
//! database that stops answering: through the real `herald` binary, asserting what the person
//! who must explain a double-sent exam notice would check: who got how many copies, what the
//! history says, and that sending went on.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

use crate::common::sink::Proc;
use crate::common::smtp::{Script, SmtpOptions, SmtpServer};
use crate::common::{wait_for, Herald};

/// Runs `f` with a connection pool on the test's database (a second client, as a person
/// with the sqlite3 shell would be).
fn with_db<T>(h: &Herald, f: impl AsyncFnOnce(&SqlitePool) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(h.db_path())
                    .busy_timeout(Duration::from_secs(30)),
            )
            .await
            .expect("open the test database");
        let out = f(&pool).await;
        pool.close().await;
        out
    })
}

fn count(h: &Herald, sql: &str) -> i64 {
    let sql = sql.to_owned();
    with_db(h, async move |db| sqlx::query_scalar(&sql).fetch_one(db).await.unwrap())
}

/// `n` contacts `收件人N` with 学号 `SN` and an address `rN@example.edu.cn`, written at once
/// (a CSV import of 50,000 rows through a debug build would take most of a minute).
fn seed(h: &Herald, n: usize) {
    h.json(&["channels", "list"]);
    with_db(h, async move |db| {
        let now = "2026-12-07T00:00:00.000Z";
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO contacts (external_id, name, created_at, updated_at) \
             SELECT 'S' || i, '收件人' || i, ?2, ?2 FROM n",
        )
        .bind(n as i64)
        .bind(now)
        .execute(db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO contact_addresses (contact_id, kind, address, updated_at) \
             SELECT id, 'email', 'r' || substr(external_id, 2) || '@example.edu.cn', ?1 FROM contacts",
        )
        .bind(now)
        .execute(db)
        .await
        .unwrap();
    });
}

fn notice(h: &Herald, channel: &str, body: &str) -> String {
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "期末考试安排",
        "--body",
        body,
        "--channel",
        channel,
        "--audience",
        "all",
    ]);
    n["id"].to_string()
}

fn dispatch_cmd(h: &Herald, extra: &[&str]) -> std::process::Command {
    let mut c = h.cmd();
    c.args(["dispatch", "--quiet"]).args(extra);
    c
}

/// A notice to `n` seeded people on the sandbox, held to `per_second`, being sent by a
/// `herald dispatch EXTRA` that has sent its first second's worth.
fn sending(h: &Herald, n: usize, per_second: u32, extra: &[&str]) -> Proc {
    seed(h, n);
    with_db(h, async |db| {
        sqlx::query("UPDATE channels SET limits = json_object('perSecond', ?) WHERE name = 'sandbox'")
            .bind(per_second)
            .execute(db)
            .await
            .unwrap();
    });
    let id = notice(h, "sandbox", "{{ name }}：请查收。");
    h.json(&["notices", "send", &id]);
    let mut d = Proc::spawn(dispatch_cmd(h, extra), h.dir.path(), "dispatch");
    wait_for("sending to begin", Duration::from_secs(30), || {
        d.assert_running();
        count(h, "SELECT COUNT(*) FROM sandbox_messages") >= i64::from(per_second)
    });
    d
}

fn add_plain_smtp(h: &Herald, server: &SmtpServer, extra: &[&str]) {
    let port = server.port().to_string();
    let mut args = vec!["channels", "add", "smtp", "--name", "教务处邮箱", "--host", "127.0.0.1"];
    args.extend(["--port", &port, "--security", "none", "--from", "jwc@example.edu.cn"]);
    args.extend(extra);
    h.json(&args);
}

fn attempts(detail: &Value) -> Vec<String> {
    detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["attemptLog"].as_array().unwrap().iter())
        .map(|a| a["outcome"].as_str().unwrap().to_owned())
        .collect()
}

/// A name with a line break (a quoted multi-line spreadsheet cell, or a name an older version
/// stored as it was) once made the mail library panic on the To header and stopped all
/// sending. Now it is one line at import, and cleaned again at sending for what was stored before.
#[test]
fn a_line_break_in_a_name_stops_no_one() {
    let server = SmtpServer::start(SmtpOptions::default());
    let h = Herald::new();
    add_plain_smtp(&h, &server, &[]);
    let sheet = h.dir.path().join("名单.csv");
    std::fs::write(
        &sheet,
        "学号,姓名,邮箱\r\nS1,\"张\r\n伟\",zw@example.edu.cn\r\nS2,李雷,ll@example.edu.cn\r\nS3,韩梅梅,hmm@example.edu.cn\r\n",
    )
    .unwrap();
    h.json(&["contacts", "import", sheet.to_str().unwrap()]);
    assert_eq!(h.json(&["contacts", "show", "S1"])["name"], "张 伟");
    h.json(&[
        "contacts",
        "add",
        "--name",
        "王\n小明",
        "--external-id",
        "S4",
        "--email",
        "wxm@example.edu.cn",
    ]);
    assert_eq!(h.json(&["contacts", "show", "S4"])["name"], "王 小明");
    // As an earlier version would have stored it.
    with_db(&h, async |db| {
        sqlx::query("UPDATE contacts SET name = '李' || char(13, 10) || '雷' WHERE external_id = 'S2'")
            .execute(db)
            .await
            .unwrap();
    });
    let id = notice(&h, "教务处邮箱", "{{ name }}同学：考场见附件。");
    let run = h.json(&["notices", "send", &id]);
    Proc::spawn(dispatch_cmd(&h, &["--until-idle"]), h.dir.path(), "dispatch").finish(Duration::from_secs(60));
    let mails = server.wait_for_messages(4, Duration::from_secs(20));
    assert_eq!(mails.len(), 4);
    let mut to: Vec<String> = mails.iter().map(|m| m.raw_header("To").unwrap_or_default()).collect();
    to.sort();
    assert!(to.iter().all(|t| !t.contains('\r') && !t.contains('\n')), "{to:?}");
    let detail = h.json(&["runs", "show", &run["id"].to_string()]);
    assert_eq!(detail["run"]["sent"], 4, "{detail}");
}

/// A server that answers the end of DATA later than the dispatcher's lease (2 s here) got
/// the same message twice: the periodic lease recovery took back a send still in flight. Now
/// a send in flight is never taken back, and its one attempt is recorded once.
#[test]
fn a_send_slower_than_the_lease_goes_out_once() {
    let server = SmtpServer::start(SmtpOptions {
        script: Script::default().data_delay(Duration::from_secs(5)),
        ..SmtpOptions::default()
    });
    let h = Herald::new();
    add_plain_smtp(&h, &server, &["--timeout-ms", "20000"]);
    h.json(&[
        "contacts",
        "add",
        "--name",
        "张伟",
        "--external-id",
        "S1",
        "--email",
        "zw@example.edu.cn",
    ]);
    h.json(&[
        "contacts",
        "add",
        "--name",
        "李雷",
        "--external-id",
        "S2",
        "--email",
        "ll@example.edu.cn",
    ]);
    let id = notice(&h, "教务处邮箱", "{{ name }}同学：考场有变。");
    let run = h.json(&["notices", "send", &id]);
    let started = Instant::now();
    Proc::spawn(
        dispatch_cmd(&h, &["--until-idle", "--lease-secs", "2"]),
        h.dir.path(),
        "dispatch",
    )
    .finish(Duration::from_secs(60));
    assert!(started.elapsed() >= Duration::from_secs(5));
    // Give a second copy, had one been sent, time to arrive.
    std::thread::sleep(Duration::from_secs(1));
    let mut rcpts: Vec<String> = server
        .messages()
        .iter()
        .flat_map(|m| m.envelope.rcpt_tos.clone())
        .collect();
    rcpts.sort();
    assert_eq!(rcpts, ["ll@example.edu.cn", "zw@example.edu.cn"]);
    let detail = h.json(&["runs", "show", &run["id"].to_string()]);
    assert_eq!(attempts(&detail), ["sent", "sent"], "{detail}");
}

/// The app and the CLI side by side may both press "send" on one draft: one run, once each.
#[test]
fn two_sends_of_one_draft_at_once_make_one_run() {
    let h = Herald::new();
    seed(&h, 5_000);
    for trial in 0..3 {
        let id = notice(&h, "sandbox", "{{ name }}：请查收。");
        let a = Proc::spawn(
            {
                let mut c = h.cmd();
                c.args(["notices", "send", &id, "--json"]);
                c
            },
            h.dir.path(),
            &format!("send-a-{trial}"),
        );
        let b = Proc::spawn(
            {
                let mut c = h.cmd();
                c.args(["notices", "send", &id, "--json"]);
                c
            },
            h.dir.path(),
            &format!("send-b-{trial}"),
        );
        let mut ok = 0;
        for mut p in [a, b] {
            let status = p.child.wait().unwrap();
            if status.success() {
                ok += 1;
            } else {
                assert!(p.stderr_text().contains("already been sent"), "{}", p.stderr_text());
            }
        }
        assert_eq!(ok, 1, "trial {trial}: exactly one send makes the run");
        let runs = count(&h, &format!("SELECT COUNT(*) FROM runs WHERE notice_id = {id}"));
        let deliveries = count(
            &h,
            &format!("SELECT COUNT(*) FROM deliveries d JOIN runs r ON r.id = d.run_id WHERE r.notice_id = {id}"),
        );
        assert_eq!((runs, deliveries), (1, 5_000), "trial {trial}");
    }
}

/// "Cancel" pressed while a notice to 50,000 people is still being queued: the run ends
/// cancelled, nothing of it is left to send, and it gains no deliveries afterwards.
#[test]
fn a_cancel_during_a_large_fan_out_stays_cancelled() {
    let h = Herald::new();
    seed(&h, 50_000);
    let id = notice(&h, "sandbox", "{{ name }}：请查收。");
    let send = Proc::spawn(
        {
            let mut c = h.cmd();
            c.args(["notices", "send", &id, "--json"]);
            c
        },
        h.dir.path(),
        "send",
    );
    let mut run = 0;
    wait_for("the run to be created", Duration::from_secs(30), || {
        run = count(
            &h,
            &format!("SELECT COALESCE(MAX(id), 0) FROM runs WHERE notice_id = {id}"),
        );
        run > 0
    });
    let queued_before = count(&h, &format!("SELECT COUNT(*) FROM deliveries WHERE run_id = {run}"));
    h.json(&["runs", "cancel", &run.to_string()]);
    let _ = send.finish(Duration::from_secs(60));
    let queued_at_end = count(&h, &format!("SELECT COUNT(*) FROM deliveries WHERE run_id = {run}"));
    eprintln!("cancelled with {queued_before} of 50000 queued; {queued_at_end} at the end");
    let detail = h.json(&["runs", "list"]);
    let summary = detail
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == run)
        .unwrap()
        .clone();
    assert_eq!(summary["status"], "cancelled", "{summary}");
    let live = count(
        &h,
        &format!("SELECT COUNT(*) FROM deliveries WHERE run_id = {run} AND status <> 'cancelled'"),
    );
    assert_eq!(live, 0, "nothing of a cancelled run is left to send");
    // A dispatcher started now sends nothing of it.
    Proc::spawn(dispatch_cmd(&h, &["--until-idle"]), h.dir.path(), "dispatch").finish(Duration::from_secs(60));
    assert_eq!(count(&h, "SELECT COUNT(*) FROM sandbox_messages"), 0);
}

/// 20,000 sandbox deliveries, the dispatcher killed three times mid-run: the sandbox inbox,
/// the sandbox's receiver, ends with each delivery exactly once.
#[test]
fn the_sandbox_inbox_holds_each_delivery_once_across_sigkills() {
    const N: i64 = 20_000;
    let h = Herald::new();
    seed(&h, N as usize);
    let id = notice(&h, "sandbox", "{{ name }}：请查收。");
    h.json(&["notices", "send", &id]);
    for (k, share) in [0.2, 0.5, 0.8].iter().enumerate() {
        let mut d = Proc::spawn(dispatch_cmd(&h, &[]), h.dir.path(), &format!("dispatch-{k}"));
        let target = (N as f64 * share) as i64;
        wait_for("the inbox to fill", Duration::from_secs(120), || {
            d.assert_running();
            count(&h, "SELECT COUNT(*) FROM sandbox_messages") >= target
        });
        d.kill();
    }
    Proc::spawn(dispatch_cmd(&h, &["--until-idle"]), h.dir.path(), "dispatch-last").finish(Duration::from_secs(120));
    let interrupted = count(&h, "SELECT COUNT(*) FROM attempts WHERE outcome = 'interrupted'");
    eprintln!("{interrupted} sends were interrupted by the kills");
    assert_eq!(count(&h, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), N);
    assert_eq!(count(&h, "SELECT COUNT(*) FROM sandbox_messages"), N);
    assert_eq!(count(&h, "SELECT COUNT(DISTINCT delivery_id) FROM sandbox_messages"), N);
}

/// Another program holds the database's write lock for 20 s (longer than the 15 s a write
/// waits) in the middle of a run: sending pauses, nothing is lost or sent twice, the
/// dispatcher keeps going and finishes.
#[test]
fn a_database_locked_mid_run_delays_sending_and_loses_nothing() {
    const N: i64 = 2_000;
    let h = Herald::new();
    // 200 a second: the run lasts about 10 s, long enough to lock the database inside it.
    let mut d = sending(&h, N as usize, 200, &["--until-idle"]);
    with_db(&h, async |db| {
        let mut tx = db.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("UPDATE channels SET updated_at = updated_at WHERE 0")
            .execute(&mut *tx)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(20)).await;
        tx.rollback().await.unwrap();
    });
    d.assert_running();
    let out = d.finish(Duration::from_secs(120));
    eprintln!("{out}");
    assert_eq!(count(&h, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), N);
    assert_eq!(count(&h, "SELECT COUNT(*) FROM sandbox_messages"), N);
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM attempts WHERE outcome = 'interrupted'"),
        0
    );
}

/// "Until idle" with a paused channel still holding deliveries is not "all sent".
#[test]
fn until_idle_fails_while_a_paused_channel_holds_deliveries() {
    let h = Herald::new();
    seed(&h, 3);
    let id = notice(&h, "sandbox", "{{ name }}：请查收。");
    h.json(&["notices", "send", &id]);
    h.json(&["channels", "pause", "sandbox"]);
    let (code, stderr) = h.fails(&["dispatch", "--until-idle", "--quiet"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("3 deliveries wait on channel sandbox") && stderr.contains("herald channels resume sandbox"),
        "{stderr}"
    );
    h.json(&["channels", "resume", "sandbox"]);
    h.json(&["dispatch", "--until-idle", "--quiet"]);
}

/// SIGTERM (a service manager's stop) is a clean stop: the dispatcher exits 0 and nothing is
/// left `sending`.
#[test]
fn sigterm_finishes_what_is_in_flight_and_stops() {
    let h = Herald::new();
    let d = sending(&h, 3_000, 500, &[]);
    // SAFETY: a plain signal to our own child.
    unsafe { libc::kill(d.child.id() as i32, libc::SIGTERM) };
    d.finish(Duration::from_secs(30));
    assert_eq!(count(&h, "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"), 0);
    let sent = count(&h, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'");
    assert!(sent < 3_000, "stopped before the end ({sent} sent)");
    assert_eq!(count(&h, "SELECT COUNT(*) FROM sandbox_messages"), sent);
}

/// A tmpfs of a fixed size, mounted for one test and unmounted after it.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (with the reason printed) where this machine does not let the test mount one.
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(SmallDisk { dir }),
            Ok(o) => {
                eprintln!(
                    "skipped: cannot mount a tmpfs here: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

/// The disk fills up in the middle of a run (the sandbox inbox grows with every message):
/// the dispatcher keeps its outcomes in memory and waits, and when space is freed it goes on.
/// Nothing is lost, nothing is delivered twice, and the dispatcher never stops.
#[test]
fn a_full_disk_mid_run_loses_nothing_and_the_dispatcher_survives() {
    const N: i64 = 600;
    let Some(disk) = SmallDisk::mount(24) else { return };
    let h = Herald {
        dir: tempfile::tempdir_in(disk.path()).unwrap(),
    };
    seed(&h, N as usize);
    // The sandbox writes its inbox to the same disk, so its sends fail too while it is full:
    // here it keeps trying every second rather than pausing itself or giving up (with the
    // defaults it would pause after 25 failures, saying the disk is full).
    with_db(&h, async |db| {
        sqlx::query(
            "UPDATE channels SET limits = '{\"pauseAfterFailures\":1000000,\"maxAttempts\":1000,\"retryBaseSecs\":1,\"retryMaxSecs\":1}' \
             WHERE name = 'sandbox'",
        )
        .execute(db)
        .await
        .unwrap();
    });
    // 8 KB a message: the inbox needs about 5 MB, and its WAL as much again.
    let body = format!("{{{{ name }}}}：{}", "请按时参加期末考试。".repeat(280));
    let id = notice(&h, "sandbox", &body);
    h.json(&["notices", "send", &id]);
    // Leave about 2 MB free.
    let ballast = disk.path().join("ballast");
    let free = {
        let out = std::process::Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(disk.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    std::fs::write(&ballast, vec![0u8; (free - 2 * 1024 * 1024) as usize]).unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut d = Proc::spawn(dispatch_cmd(&h, &["--until-idle"]), logs.path(), "dispatch");
    wait_for("the disk to fill up", Duration::from_secs(60), || {
        d.assert_running();
        d.stderr_text().contains("full")
    });
    let at_full = count(&h, "SELECT COUNT(*) FROM sandbox_messages");
    assert!(at_full < N, "the disk filled before the end ({at_full} of {N})");
    std::thread::sleep(Duration::from_secs(2));
    d.assert_running();
    std::fs::remove_file(&ballast).unwrap();
    d.finish(Duration::from_secs(120));
    assert_eq!(count(&h, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), N);
    assert_eq!(count(&h, "SELECT COUNT(*) FROM sandbox_messages"), N);
    assert_eq!(count(&h, "SELECT COUNT(DISTINCT delivery_id) FROM sandbox_messages"), N);
}
