//! Crash safety of dispatch, end to end: a real `herald dispatch` process sending a few thousand
//! webhook messages to a loopback receiver is killed with SIGKILL three times mid-run and
//! started again; each new dispatcher takes back at once what the kill left `sending`. In the
//! end every delivery is `sent` with exactly one sent attempt, the receiver got every message,
//! and the only duplicates are messages that were in flight at a kill (at most the channel's
//! concurrency per kill), each marked by an `interrupted` attempt.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::sink::{Proc, Reply, Sink};
use common::Herald;
use herald::dispatch::ChannelConfig;
use herald::model::{ChannelLimits, NewContact};
use herald::outbox::RetryPolicy;
use herald::providers::webhook::{Webhook, WebhookSettings};
use herald::providers::Provider;
use herald::store::Store;
use serde_json::Value;

const CONTACTS: usize = 3_000;
/// Messages in flight at once on the channel (`--concurrency`).
const CONCURRENCY: u32 = 8;
/// The receiver's answer time: long enough that a run takes a few seconds and that a kill
/// right after the receiver saw a message lands while that message's batch is unrecorded.
const SINK_DELAY: Duration = Duration::from_millis(10);
/// Kill when the receiver has seen this share of the messages.
const KILL_AT: [f64; 3] = [0.10, 0.40, 0.70];

/// Adds `n` contacts straight through the store (thousands of CLI calls would take minutes).
fn seed_contacts(h: &Herald, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&h.db_path()).await.expect("open the store");
        for i in 0..n {
            store
                .insert_contact(&NewContact {
                    name: format!("收件人{i:04}"),
                    email: Some(format!("r{i:04}@example.edu.cn")),
                    ..Default::default()
                })
                .await
                .expect("insert a contact");
        }
        store.close().await;
    });
}

fn deliveries(detail: &Value) -> &Vec<Value> {
    detail["deliveries"].as_array().expect("deliveries")
}

fn ids_with_status(detail: &Value, status: &str) -> Vec<i64> {
    deliveries(detail)
        .iter()
        .filter(|d| d["status"] == status)
        .map(|d| d["id"].as_i64().unwrap())
        .collect()
}

fn delivery(detail: &Value, id: i64) -> &Value {
    deliveries(detail)
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no delivery {id}"))
}

fn outcomes(d: &Value) -> Vec<&str> {
    d["attemptLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect()
}

/// Waits until the receiver has seen `target` distinct messages, failing if the dispatcher
/// exits or the deadline passes.
fn wait_for_ids(sink: &Sink, target: usize, dispatcher: &mut Proc, timeout: Duration) {
    let start = Instant::now();
    while sink.distinct_ids() < target {
        dispatcher.assert_running();
        assert!(
            start.elapsed() < timeout,
            "the receiver saw only {} of {target} messages after {timeout:?}",
            sink.distinct_ids()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn sigkill_mid_run_three_times_loses_nothing_and_duplicates_only_what_was_in_flight() {
    let t0 = Instant::now();
    let sink = Sink::start(|_| Reply::ok().after(SINK_DELAY));
    let h = Herald::new();
    let logs = tempfile::tempdir().unwrap();

    // A data dir made by the CLI (sandbox channel and all), then thousands of contacts.
    h.json(&["channels", "list"]);
    seed_contacts(&h, CONTACTS);
    let seeded = t0.elapsed();
    let concurrency = CONCURRENCY.to_string();
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        &sink.url(),
        "--concurrency",
        &concurrency,
    ]);
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "断电演练",
        "--body",
        "{{ name }}：请于周五前提交材料。",
        "--channel",
        "hook",
        "--audience",
        "all",
    ]);
    let run = h.json(&["notices", "send", &notice["id"].to_string()]);
    assert_eq!(run["total"], CONTACTS, "{run}");
    let run_id = run["id"].to_string();

    // What one kill can leave in flight: the worker claims no more messages than the channel's
    // concurrency (`--concurrency`, "messages in flight at once"), and a claimed message stays
    // `sending` until its batch's outcomes are written, whether or not its request has reached
    // the receiver. So each kill leaves at most `concurrency` deliveries `sending`, and only
    // those can be sent twice. The limits are those the dispatcher computes: the provider's
    // defaults (a webhook added by the CLI keeps the default settings) with the stored overrides.
    let channel = h.json(&["channels", "show", "hook"]);
    let overrides: ChannelLimits = serde_json::from_value(channel["limits"].clone()).unwrap();
    let provider = Webhook::new("hook", WebhookSettings::new(sink.url()), None).unwrap();
    let config = ChannelConfig::resolve(provider.limits(), &overrides, RetryPolicy::default());
    assert_eq!(config.limits.concurrency, CONCURRENCY as usize);
    let in_flight_bound = config.limits.concurrency;

    // Start, SIGKILL at 10 %, 40 %, 70 % of the messages seen, start again each time.
    let mut in_flight_at_kills: Vec<Vec<i64>> = Vec::new();
    let mut progress = Vec::new();
    for (k, share) in KILL_AT.iter().enumerate() {
        let mut dispatcher = Proc::spawn(
            {
                let mut c = h.cmd();
                c.args(["dispatch", "--quiet"]);
                c
            },
            logs.path(),
            &format!("dispatch-{k}"),
        );
        let target = (CONTACTS as f64 * share) as usize;
        wait_for_ids(&sink, target, &mut dispatcher, Duration::from_secs(20));
        dispatcher.kill();
        let detail = h.json(&["runs", "show", &run_id]);
        let sending = ids_with_status(&detail, "sending");
        progress.push(format!(
            "kill {k} at {:.1} s: {} sent, {} sending",
            t0.elapsed().as_secs_f64(),
            detail["run"]["sent"],
            sending.len()
        ));
        // The dispatcher started after the previous kill took back what that kill left.
        if let Some(previous) = in_flight_at_kills.last() {
            let not_taken_back: Vec<i64> = previous
                .iter()
                .copied()
                .filter(|id| {
                    let d = delivery(&detail, *id);
                    !outcomes(d).contains(&"interrupted")
                })
                .collect();
            assert!(
                not_taken_back.is_empty(),
                "the dispatcher started after kill {} never took back the deliveries that kill left \
                 `sending` (no interrupted attempt, still {:?}): {not_taken_back:?}; {progress:?}",
                k - 1,
                not_taken_back
                    .iter()
                    .map(|id| delivery(&detail, *id)["status"].as_str().unwrap_or("?"))
                    .collect::<Vec<_>>(),
            );
        }
        assert!(
            sending.len() <= in_flight_bound,
            "kill {k}: {} deliveries `sending`, more than the channel's concurrency {in_flight_bound}; {progress:?}",
            sending.len()
        );
        in_flight_at_kills.push(sending);
    }

    assert!(
        in_flight_at_kills.iter().any(|s| !s.is_empty()),
        "no kill found anything in flight, so nothing was tested: {progress:?}"
    );

    // The last dispatcher takes back what the last kill left `sending` and sends the rest.
    let before_final = h.json(&["runs", "show", &run_id]);
    let sent_before_final = before_final["run"]["sent"].as_u64().unwrap();
    let report = Proc::spawn(
        {
            let mut c = h.cmd();
            c.args(["dispatch", "--until-idle", "--json"]);
            c
        },
        logs.path(),
        "dispatch-final",
    )
    .finish_json(Duration::from_secs(30));
    let left_by_last_kill = in_flight_at_kills.last().unwrap().len();
    assert_eq!(report["recovered"], left_by_last_kill, "{report}");
    assert_eq!(report["sent"], CONTACTS as u64 - sent_before_final, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["retried"], 0, "{report}");

    // The run as an admin sees it: completed, everything sent, nothing failed.
    let detail = h.json(&["runs", "show", &run_id]);
    let summary = &detail["run"];
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(summary["total"], CONTACTS, "{summary}");
    assert_eq!(summary["sent"], CONTACTS, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(summary["finishedAt"].is_string(), "{summary}");
    let history = h.json(&["history"]);
    assert_eq!(history[0]["id"], summary["id"]);
    assert_eq!(history[0]["status"], "completed");
    assert_eq!(history[0]["sent"], CONTACTS);

    let all = deliveries(&detail);
    assert_eq!(all.len(), CONTACTS);
    let seen = sink.counts();
    assert!(sink.malformed().is_empty(), "{:?}", sink.malformed());
    // Every delivery a kill left `sending` was taken back once per kill, with an interrupted
    // attempt, and no other delivery has one.
    let mut left_sending: HashMap<i64, usize> = HashMap::new();
    for id in in_flight_at_kills.concat() {
        *left_sending.entry(id).or_default() += 1;
    }
    let mut interrupted_total = 0;
    let mut duplicates = 0;
    let mut sent_twice = 0;
    for d in all {
        let id = d["id"].as_i64().unwrap().to_string();
        let log = outcomes(d);
        assert_eq!(d["status"], "sent", "delivery {id}: {d}");
        assert_eq!(
            log.iter().filter(|o| **o == "sent").count(),
            1,
            "delivery {id} must have exactly one sent attempt: {log:?}"
        );
        assert_eq!(log.last(), Some(&"sent"), "delivery {id}: {log:?}");
        let interrupted = log.iter().filter(|o| **o == "interrupted").count();
        assert_eq!(
            interrupted,
            left_sending.get(&d["id"].as_i64().unwrap()).copied().unwrap_or(0),
            "delivery {id}: one interrupted attempt per kill that left it `sending`: {log:?}"
        );
        assert_eq!(
            interrupted + 1,
            log.len(),
            "delivery {id}: only interrupted attempts may precede the sent one: {log:?}"
        );
        let numbers: Vec<i64> = d["attemptLog"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["attemptNo"].as_i64().unwrap())
            .collect();
        assert_eq!(
            numbers,
            (1..=log.len() as i64).collect::<Vec<_>>(),
            "delivery {id}: attempts are numbered 1, 2, …"
        );
        assert_eq!(d["attempts"], log.len(), "delivery {id}: {d}");
        let times = seen.get(&id).copied().unwrap_or(0);
        assert!(times >= 1, "the receiver never got delivery {id}");
        // Each request is one attempt: the sent one, or one cut short by a kill.
        assert!(
            times as usize <= 1 + interrupted,
            "delivery {id} reached the receiver {times} times but has {interrupted} interrupted attempts"
        );
        if times > 1 {
            assert!(
                interrupted > 0,
                "delivery {id} was sent twice without an interrupted attempt"
            );
            sent_twice += 1;
        }
        duplicates += times as usize - 1;
        interrupted_total += interrupted;
    }
    assert_eq!(
        seen.len(),
        CONTACTS,
        "the receiver got messages for ids that are not deliveries of this run"
    );
    let bound = KILL_AT.len() * in_flight_bound;
    assert!(
        duplicates <= interrupted_total && interrupted_total <= bound,
        "{duplicates} duplicate requests, {interrupted_total} interrupted attempts, bound {bound}"
    );
    for e in sink.exchanges() {
        assert_eq!(
            e.request.idempotency_key.as_deref(),
            Some(e.request.id.as_str()),
            "the Idempotency-Key is the delivery id, the same on every retry"
        );
    }
    assert!(
        sink.max_in_flight() <= in_flight_bound,
        "the receiver had {} requests at once; the channel allows {in_flight_bound}",
        sink.max_in_flight()
    );
    eprintln!(
        "seeded {CONTACTS} contacts in {seeded:.1?}; {progress:?}; {sent_twice} deliveries sent twice \
         ({duplicates} duplicate requests, {interrupted_total} interrupted attempts, bound {bound}); \
         {} requests in all, at most {} at once; {:.1?} in all",
        sink.request_count(),
        sink.max_in_flight(),
        t0.elapsed()
    );
}
