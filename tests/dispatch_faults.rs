//! Dispatch against a misbehaving receiver, end to end through the `herald` CLI: a loopback
//! webhook receiver answers each recipient as scripted (success, server errors that pass, a
//! permanent 404, a reply slower than the channel's timeout, a 429 with Retry-After), and a
//! receiver that is down makes the channel pause itself until an admin resumes it.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use common::sink::{Exchange, Proc, Reply, Sink};
use common::Herald;
use serde_json::Value;

/// The channel's first retry delay (`--retry-base-secs`); the wait before retry k is
/// base × 2^(k-1) × a jitter in [0.5, 1].
const BASE_SECS: u64 = 1;
const MAX_ATTEMPTS: u32 = 4;
const TIMEOUT_MS: u64 = 500;
/// The slow recipients' first reply comes this late: well past the channel's timeout.
const SLOW_REPLY: Duration = Duration::from_millis(1_500);
const RETRY_AFTER_SECS: u64 = 1;
/// Recipients per kind.
const PER_KIND: usize = 4;
const KINDS: [&str; 5] = ["ok", "flaky", "perm", "slow", "limited"];

/// What the receiver answers: by the recipient's address (`<kind>-N@x.cn`) and how many
/// requests for that delivery it has seen.
fn scripted(seen: &common::sink::Seen) -> Reply {
    let kind = seen.address.split('-').next().unwrap_or_default();
    match (kind, seen.nth) {
        ("ok", _) => Reply::ok(),
        ("flaky", 1 | 2) => Reply::status(500),
        ("flaky", _) => Reply::ok(),
        ("perm", _) => Reply::status(404),
        ("slow", 1) => Reply::ok().after(SLOW_REPLY),
        ("slow", _) => Reply::ok(),
        ("limited", 1) => Reply::status(429).header("Retry-After", &RETRY_AFTER_SECS.to_string()),
        ("limited", _) => Reply::ok(),
        _ => Reply::status(400),
    }
}

fn at(s: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s.as_str().unwrap_or_else(|| panic!("not a time: {s}")))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn ms_between(from: &Value, to: &Value) -> i64 {
    (at(to) - at(from)).num_milliseconds()
}

fn attempts(d: &Value) -> &Vec<Value> {
    d["attemptLog"].as_array().expect("attemptLog")
}

fn outcomes(d: &Value) -> Vec<&str> {
    attempts(d).iter().map(|a| a["outcome"].as_str().unwrap()).collect()
}

fn codes(d: &Value) -> Vec<Option<&str>> {
    attempts(d).iter().map(|a| a["providerCode"].as_str()).collect()
}

/// `herald dispatch --until-idle --json` on a channel that pauses itself: it prints its report,
/// then fails (exit 1) naming the paused channel that still holds deliveries.
fn dispatch_until_paused(h: &Herald, dir: &std::path::Path, tag: &str) -> Value {
    let mut c = h.cmd();
    c.args(["dispatch", "--until-idle", "--json"]);
    let (status, stdout, stderr) = Proc::spawn(c, dir, tag).exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("wait on channel hook, which is paused") && stderr.contains("herald channels resume hook"),
        "{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no report ({e}): {stdout}"))
}

/// Runs `herald ARGS --json` to completion (bounded) and returns what it printed.
fn run_bounded(h: &Herald, dir: &std::path::Path, tag: &str, args: &[&str], timeout: Duration) -> Value {
    let mut c = h.cmd();
    c.args(args).arg("--json");
    Proc::spawn(c, dir, tag).finish_json(timeout)
}

fn add_webhook(h: &Herald, sink: &Sink, extra: &[&str]) -> Value {
    let url = sink.url();
    let mut args = vec!["channels", "add", "webhook", "--name", "hook", "--url", &url];
    args.extend_from_slice(extra);
    h.json(&args)
}

fn create_and_send(h: &Herald, title: &str) -> Value {
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        title,
        "--body",
        "{{ name }}：明天上午九点开会。",
        "--channel",
        "hook",
        "--audience",
        "all",
    ]);
    h.json(&["notices", "send", &notice["id"].to_string()])
}

#[test]
fn every_kind_of_reply_ends_in_the_right_state_with_its_attempts_spaced_by_backoff_and_retry_after() {
    let t0 = Instant::now();
    let sink = Sink::start(scripted);
    let h = Herald::new();
    let logs = tempfile::tempdir().unwrap();

    // Recipients of every kind, interleaved, so that failures never run long enough in a row
    // to pause the channel (that is the next test).
    let mut kind_of: HashMap<String, &str> = HashMap::new();
    for i in 0..PER_KIND * KINDS.len() {
        let kind = KINDS[i % KINDS.len()];
        let email = format!("{kind}-{i}@x.cn");
        h.json(&["contacts", "add", "--name", &format!("{kind}{i}"), "--email", &email]);
        kind_of.insert(email, kind);
    }
    let total = kind_of.len();
    let (base, max) = (BASE_SECS.to_string(), MAX_ATTEMPTS.to_string());
    let timeout = TIMEOUT_MS.to_string();
    // Room for every recipient at once, so that all first attempts go out in one batch and
    // every later request is a retry claimed after that batch's outcomes were known.
    let concurrency = total.to_string();
    add_webhook(
        &h,
        &sink,
        &[
            "--retry-base-secs",
            &base,
            "--max-attempts",
            &max,
            "--timeout-ms",
            &timeout,
            "--concurrency",
            &concurrency,
        ],
    );
    let run = create_and_send(&h, "故障演练");
    assert_eq!(run["total"], total);
    let run_id = run["id"].to_string();

    let report = run_bounded(
        &h,
        logs.path(),
        "dispatch",
        &["dispatch", "--until-idle"],
        Duration::from_secs(30),
    );
    let dispatched_in = t0.elapsed();

    // Nothing lost: every delivery ended sent or failed, and the counts agree everywhere.
    let detail = h.json(&["runs", "show", &run_id]);
    let summary = &detail["run"];
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), total);
    let expect_sent = PER_KIND * 4;
    let expect_failed = PER_KIND;
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(summary["total"], total, "{summary}");
    assert_eq!(summary["sent"], expect_sent, "{summary}");
    assert_eq!(summary["failed"], expect_failed, "{summary}");
    assert_eq!(summary["waiting"], 0, "{summary}");
    assert_eq!(summary["retrying"], 0, "{summary}");
    assert_eq!(report["sent"], expect_sent, "{report}");
    assert_eq!(report["failed"], expect_failed, "{report}");
    // Retries: flaky twice, slow once, limited once, per recipient.
    assert_eq!(report["retried"], PER_KIND * 4, "{report}");
    assert_eq!(report["recovered"], 0, "{report}");

    let requests = sink.exchanges();
    assert!(sink.malformed().is_empty(), "{:?}", sink.malformed());
    let per_id = sink.counts();
    let mut by_kind: HashMap<&str, usize> = HashMap::new();
    for d in deliveries {
        let address = d["address"].as_str().unwrap();
        let kind = kind_of[address];
        *by_kind.entry(kind).or_default() += 1;
        let id = d["id"].as_i64().unwrap().to_string();
        let log = attempts(d);
        let what = format!("{kind} delivery {id}: {d}");
        // (final status, outcomes, provider codes)
        let (status, expect_outcomes, expect_codes): (&str, Vec<&str>, Vec<Option<&str>>) = match kind {
            "ok" => ("sent", vec!["sent"], vec![None]),
            "flaky" => (
                "sent",
                vec!["retry", "retry", "sent"],
                vec![Some("500"), Some("500"), None],
            ),
            "perm" => ("failed", vec!["permanent"], vec![Some("404")]),
            "slow" => ("sent", vec!["retry", "sent"], vec![None, None]),
            "limited" => ("sent", vec!["retry", "sent"], vec![Some("429"), None]),
            other => panic!("unknown kind {other}"),
        };
        assert_eq!(d["status"], status, "{what}");
        assert_eq!(outcomes(d), expect_outcomes, "{what}");
        assert_eq!(codes(d), expect_codes, "{what}");
        assert_eq!(d["attempts"], log.len(), "{what}");
        let numbers: Vec<i64> = log.iter().map(|a| a["attemptNo"].as_i64().unwrap()).collect();
        assert_eq!(numbers, (1..=log.len() as i64).collect::<Vec<_>>(), "{what}");
        // One request per attempt reached the receiver, never more.
        assert_eq!(per_id.get(&id).copied().unwrap_or(0) as usize, log.len(), "{what}");
        match kind {
            "perm" => {
                let err = d["lastError"].as_str().unwrap_or_default();
                assert!(err.contains("404"), "{what}");
                assert!(d["sentAt"].is_null(), "{what}");
            }
            "slow" => {
                let msg = log[0]["message"].as_str().unwrap_or_default();
                assert!(msg.contains("timeout") && msg.contains(&timeout), "{what}");
            }
            "flaky" => assert!(log[0]["message"].as_str().unwrap_or_default().contains("500"), "{what}"),
            _ => {}
        }
        if status == "sent" {
            assert!(d["sentAt"].is_string(), "{what}");
        }
        // Retries are spaced by at least the backoff's minimum: half of base × 2^(k-1)
        // after attempt k; after the 429, at least its Retry-After.
        for k in 1..log.len() {
            let gap = ms_between(&log[k - 1]["finishedAt"], &log[k]["startedAt"]);
            let backoff_min = (BASE_SECS * 1000) as i64 * (1 << (k - 1)) / 2;
            let min = if kind == "limited" && k == 1 {
                backoff_min.max((RETRY_AFTER_SECS * 1000) as i64)
            } else {
                backoff_min
            };
            assert!(
                gap >= min,
                "{kind} delivery {id}: attempt {} started {gap} ms after attempt {k} ended, before the \
                 {min} ms the retry policy allows",
                k + 1
            );
        }
    }
    assert_eq!(by_kind.len(), KINDS.len(), "{by_kind:?}");
    assert!(by_kind.values().all(|n| *n == PER_KIND), "{by_kind:?}");
    assert_eq!(
        requests.len(),
        PER_KIND * (1 + 3 + 1 + 2 + 2),
        "requests in all: one per attempt"
    );

    // A Retry-After slows the whole channel, not just the delivery that got it: once the 429
    // was answered, no further request (a retry of any kind of recipient) reached the receiver
    // before Retry-After had passed. First requests are not counted: they all belong to the
    // batch that was already being sent when the 429 came back.
    let limited: Vec<&Exchange> = requests.iter().filter(|e| e.status == 429).collect();
    assert_eq!(limited.len(), PER_KIND);
    let last_429 = limited
        .iter()
        .map(|e| e.replied_at.expect("the 429 was answered"))
        .max()
        .unwrap();
    let retry_after = Duration::from_secs(RETRY_AFTER_SECS);
    let early: Vec<String> = requests
        .iter()
        .filter(|e| e.request.nth > 1 && e.request.at < last_429 + retry_after)
        .map(|e| {
            format!(
                "{} ({}, try {}) {} ms after the 429",
                e.request.id,
                e.request.address,
                e.request.nth,
                e.request.at.saturating_duration_since(last_429).as_millis()
            )
        })
        .collect();
    assert!(early.is_empty(), "requests before Retry-After passed: {early:?}");
    // The same seen from the database: every retry started at least Retry-After after the
    // last batch that met a 429 ended (first attempts go out in several batches at once, so the
    // reference is the latest first attempt that was answered 429).
    let first_batch_end = deliveries
        .iter()
        .filter(|d| attempts(d)[0]["providerCode"] == "429")
        .map(|d| at(&attempts(d)[0]["finishedAt"]))
        .max()
        .expect("some first attempts were answered 429");
    for d in deliveries {
        for a in attempts(d).iter().skip(1) {
            let gap = (at(&a["startedAt"]) - first_batch_end).num_milliseconds();
            assert!(
                gap >= (RETRY_AFTER_SECS * 1000) as i64,
                "delivery {} attempt {} started {gap} ms after the batch with the 429 ended",
                d["id"],
                a["attemptNo"]
            );
        }
    }

    // The channel came through healthy: the last sends worked.
    let channel = h.json(&["channels", "show", "hook"]);
    assert_eq!(channel["health"], "ok", "{channel}");
    assert_eq!(channel["paused"], false, "{channel}");
    assert_eq!(channel["consecutiveFailures"], 0, "{channel}");
    let history = h.json(&["history"]);
    assert_eq!(history[0]["status"], "completed");
    assert_eq!(history[0]["sent"], expect_sent);
    assert_eq!(history[0]["failed"], expect_failed);
    eprintln!(
        "{total} deliveries, {} requests; dispatched after {dispatched_in:.1?}, {:.1?} in all",
        requests.len(),
        t0.elapsed()
    );
}

#[test]
fn a_receiver_that_is_down_pauses_the_channel_and_nothing_is_lost_until_it_is_resumed() {
    let t0 = Instant::now();
    let up = Arc::new(AtomicBool::new(false));
    let up2 = up.clone();
    let sink = Sink::start(move |_| {
        if up2.load(Ordering::SeqCst) {
            Reply::ok()
        } else {
            Reply::status(503)
        }
    });
    let h = Herald::new();
    let logs = tempfile::tempdir().unwrap();
    const PEOPLE: usize = 12;
    const PAUSE_AFTER: i64 = 5;
    for i in 0..PEOPLE {
        h.json(&[
            "contacts",
            "add",
            "--name",
            &format!("p{i}"),
            "--email",
            &format!("p-{i}@x.cn"),
        ]);
    }
    let pause_after = PAUSE_AFTER.to_string();
    add_webhook(
        &h,
        &sink,
        &[
            "--pause-after-failures",
            &pause_after,
            "--max-attempts",
            "10",
            "--retry-base-secs",
            "1",
        ],
    );
    let run = create_and_send(&h, "停机演练");
    let run_id = run["id"].to_string();

    // Every send fails: the channel pauses itself, and `--until-idle` returns, since it serves
    // only channels that are not paused, saying that the paused channel still holds deliveries.
    let report = dispatch_until_paused(&h, logs.path(), "dispatch-down");
    let paused_at = Instant::now();
    assert_eq!(report["sent"], 0, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["retried"], PEOPLE, "{report}");
    let channel = h.json(&["channels", "show", "hook"]);
    assert_eq!(channel["health"], "paused", "{channel}");
    assert_eq!(channel["paused"], true, "{channel}");
    let reason = channel["pausedReason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("failed sends in a row") && reason.contains("503"),
        "the reason names the failures and the last error: {channel}"
    );
    let failures_in_reason: i64 = reason
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count in «{reason}»"));
    assert!(failures_in_reason >= PAUSE_AFTER, "{reason}");
    let listed = h.json(&["channels", "list"]);
    let hook = listed.as_array().unwrap().iter().find(|c| c["name"] == "hook").unwrap();
    assert_eq!(hook["health"], "paused", "{listed}");

    // Nothing lost: every delivery waits for a retry, with the 503 as its reason.
    let detail = h.json(&["runs", "show", &run_id]);
    let summary = &detail["run"];
    assert_eq!(summary["status"], "sending", "{summary}");
    assert_eq!(summary["sent"], 0, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(
        summary["waiting"].as_i64().unwrap() + summary["retrying"].as_i64().unwrap(),
        PEOPLE as i64,
        "{summary}"
    );
    for d in detail["deliveries"].as_array().unwrap() {
        assert!(
            d["status"] == "retry_wait" || d["status"] == "queued",
            "a delivery of a paused channel waits: {d}"
        );
        if d["status"] == "retry_wait" {
            assert_eq!(outcomes(d), ["retry"], "{d}");
            assert_eq!(codes(d), [Some("503")], "{d}");
            assert!(d["lastError"].as_str().unwrap_or_default().contains("503"), "{d}");
        }
    }
    let requests_while_down = sink.request_count();
    assert!(requests_while_down >= PAUSE_AFTER as usize, "{requests_while_down}");
    assert!(requests_while_down <= PEOPLE, "{requests_while_down}");

    // While it stays paused, dispatching sends nothing through it, even once retries are due.
    std::thread::sleep(Duration::from_millis(1_100).saturating_sub(paused_at.elapsed()));
    let report = dispatch_until_paused(&h, logs.path(), "dispatch-paused");
    assert_eq!(report["sent"], 0, "{report}");
    assert_eq!(report["retried"], 0, "{report}");
    assert_eq!(
        sink.request_count(),
        requests_while_down,
        "a paused channel got requests"
    );
    assert_eq!(h.json(&["channels", "show", "hook"])["health"], "paused");

    // The receiver is back; the admin resumes the channel, and everything goes out.
    up.store(true, Ordering::SeqCst);
    let resumed = h.json(&["channels", "resume", "hook"]);
    assert_eq!(resumed["health"], "ok", "{resumed}");
    assert_eq!(resumed["paused"], false, "{resumed}");
    assert!(resumed["pausedReason"].is_null(), "{resumed}");
    let report = run_bounded(
        &h,
        logs.path(),
        "dispatch-up",
        &["dispatch", "--until-idle"],
        Duration::from_secs(30),
    );
    assert_eq!(report["sent"], PEOPLE, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let detail = h.json(&["runs", "show", &run_id]);
    assert_eq!(detail["run"]["status"], "completed", "{}", detail["run"]);
    assert_eq!(detail["run"]["sent"], PEOPLE, "{}", detail["run"]);
    let counts = sink.counts();
    for d in detail["deliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "sent", "{d}");
        let log = outcomes(d);
        assert_eq!(log.last(), Some(&"sent"), "{d}");
        assert_eq!(log.iter().filter(|o| **o == "sent").count(), 1, "{d}");
        assert_eq!(d["attempts"], log.len(), "{d}");
        let id = d["id"].as_i64().unwrap().to_string();
        assert_eq!(counts[&id] as usize, log.len(), "one request per attempt: {d}");
    }
    let channel = h.json(&["channels", "show", "hook"]);
    assert_eq!(channel["health"], "ok", "{channel}");
    assert_eq!(channel["consecutiveFailures"], 0, "{channel}");
    eprintln!("paused and resumed in {:.1?}", t0.elapsed());
}

/// `consecutiveFailures` is documented as "failed sends in a row; the channel pauses itself at
/// limits.pauseAfterFailures", so a channel that paused itself after N failures should show at
/// least N (an admin reads it beside the pause reason).
#[test]
fn a_channel_that_paused_itself_shows_the_failures_that_paused_it() {
    let sink = Sink::start(|_| Reply::status(503));
    let h = Herald::new();
    let logs = tempfile::tempdir().unwrap();
    for i in 0..6 {
        h.json(&[
            "contacts",
            "add",
            "--name",
            &format!("q{i}"),
            "--email",
            &format!("q-{i}@x.cn"),
        ]);
    }
    add_webhook(&h, &sink, &["--pause-after-failures", "3", "--retry-base-secs", "60"]);
    create_and_send(&h, "计数");
    dispatch_until_paused(&h, logs.path(), "dispatch");
    let channel = h.json(&["channels", "show", "hook"]);
    assert_eq!(channel["health"], "paused", "{channel}");
    let failures = channel["consecutiveFailures"].as_i64().unwrap();
    assert!(
        failures >= 3,
        "the channel paused itself ({}) but shows {failures} failures in a row",
        channel["pausedReason"]
    );
}
