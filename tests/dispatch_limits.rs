//! A channel's rate limit holds at the receiver: no second sees more requests than the
//! channel allows, and urgent notices are claimed before others already waiting.

mod common;

use std::time::Duration;

use common::sink::{Reply, Sink};
use common::Herald;

#[test]
fn a_per_second_limit_holds_in_every_second_at_the_receiver() {
    let sink = Sink::start(|_| Reply::ok());
    let h = Herald::new();
    for i in 0..25 {
        h.json(&[
            "contacts",
            "add",
            "--name",
            &format!("p{i}"),
            "--email",
            &format!("p{i}@x.cn"),
        ]);
    }
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        &sink.url(),
        "--per-second",
        "10",
    ]);
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "hi {{ name }}",
        "--channel",
        "hook",
    ]);
    h.json(&["notices", "send", &n["id"].to_string()]);
    let report = h.json(&["dispatch", "--until-idle"]);
    assert_eq!(report["sent"], 25);

    let mut times: Vec<_> = sink.exchanges().iter().map(|e| e.request.at).collect();
    times.sort();
    assert_eq!(times.len(), 25);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_millis(980))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} requests within one second from request {i}"
        );
    }
    // 25 at 10 a second cannot take less than two full windows.
    assert!(
        times[24].duration_since(times[0]) >= Duration::from_millis(1900),
        "{:?}",
        times[24].duration_since(times[0])
    );
}

#[test]
fn urgent_notices_are_sent_before_normal_ones_already_queued() {
    let sink = Sink::start(|_| Reply::ok());
    let h = Herald::new();
    for i in 0..20 {
        h.json(&[
            "contacts",
            "add",
            "--name",
            &format!("p{i}"),
            "--email",
            &format!("p{i}@x.cn"),
        ]);
    }
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        &sink.url(),
        "--per-second",
        "20",
        "--concurrency",
        "4",
    ]);
    let normal = h.json(&[
        "notices",
        "create",
        "--title",
        "普通",
        "--body",
        "normal",
        "--channel",
        "hook",
    ]);
    let urgent = h.json(&[
        "notices",
        "create",
        "--title",
        "紧急",
        "--body",
        "urgent",
        "--channel",
        "hook",
        "--urgent",
    ]);
    h.json(&["notices", "send", &normal["id"].to_string()]);
    h.json(&["notices", "send", &urgent["id"].to_string()]);
    h.json(&["dispatch", "--until-idle"]);
    let mut ex = sink.exchanges();
    ex.sort_by_key(|e| e.request.at);
    // The normal run fanned out first: its deliveries have ids 1..=20, the urgent run's 21..=40.
    let order: Vec<bool> = ex.iter().map(|e| e.request.id.parse::<i64>().unwrap() > 20).collect();
    assert_eq!(order.len(), 40);
    let last_urgent = order.iter().rposition(|u| *u).unwrap();
    let first_normal = order.iter().position(|u| !*u).unwrap();
    assert!(last_urgent < first_normal, "urgent ones first: {order:?}");
}
