//! Notices and rules as a careless or hostile author might write them: huge, looping, or
//! nested beyond reason. Each is refused (or fails the one delivery) in bounded time, with a
//! message naming the limit, and nothing else stops.

use std::time::{Duration, Instant};

use crate::common::Herald;

fn people(h: &Herald, n: usize) {
    for i in 0..n {
        h.json(&[
            "contacts",
            "add",
            "--name",
            &format!("学生{i}"),
            "--external-id",
            &format!("S{i}"),
        ]);
    }
}

/// A 10 MB body (it once took 2.2 GB to send to 19 people) is refused when the notice is made:
/// the file is refused before it is read whole, and a body under the file limit but over a
/// notice's is refused naming that limit.
#[test]
fn a_ten_megabyte_body_is_refused_naming_the_limit() {
    let h = Herald::new();
    let body = h.dir.path().join("body.md");
    for (size, says) in [(10 * 1024 * 1024, "too large"), (1024 * 1024, "at most 100000 bytes")] {
        std::fs::write(&body, "通知".repeat(size / 6)).unwrap();
        let started = Instant::now();
        let (code, stderr) = h.fails(&[
            "notices",
            "create",
            "--title",
            "大通知",
            "--body-file",
            body.to_str().unwrap(),
            "--channel",
            "sandbox",
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    assert!(h.json(&["notices", "list"]).as_array().unwrap().is_empty());
}

/// Loops inside loops: the preview says so at once, and a run of it fails each delivery with
/// the reason instead of stalling the batch.
#[test]
fn a_template_of_nested_loops_fails_in_bounded_time() {
    let h = Herald::new();
    people(&h, 3);
    let hundred = "0123456789".repeat(10);
    let body = format!(
        "{{% for a in '{hundred}' %}}{{% for b in '{hundred}' %}}{{% for c in '{hundred}' %}}{{{{ name }}}}{{% endfor %}}{{% endfor %}}{{% endfor %}}"
    );
    let started = Instant::now();
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "循环",
        "--body",
        &body,
        "--channel",
        "sandbox",
    ]);
    let preview = h.json(&["notices", "preview", &notice["id"].to_string(), "--contact", "S0"]);
    assert_eq!(preview[0]["problem"]["code"], "render", "{preview}");
    assert!(
        preview[0]["problem"]["reason"]
            .as_str()
            .unwrap()
            .contains("too much work"),
        "{preview}"
    );
    let run = h.json(&["notices", "send", &notice["id"].to_string(), "--wait"]);
    assert!(started.elapsed() < Duration::from_secs(30));
    let detail = h.json(&["runs", "show", &run["id"].to_string()]);
    assert_eq!(detail["run"]["failed"], 3, "{detail}");
    for d in detail["deliveries"].as_array().unwrap() {
        assert!(d["lastError"].as_str().unwrap().contains("too much work"), "{d}");
    }
}

/// A rule of 6,000 nested parentheses once overflowed the stack and aborted the process.
#[test]
fn a_rule_nested_six_thousand_deep_is_refused() {
    let h = Herald::new();
    people(&h, 1);
    let rule = format!("rule:{}grade = 2024{}", "(".repeat(6_000), ")".repeat(6_000));
    let (code, stderr) = h.fails(&["audience", "preview", &rule]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("parentheses deeper than 32"), "{stderr}");
    let (code, stderr) = h.fails(&["groups", "create", "深", "--rule", &rule[5..]]);
    assert_eq!(code, 2, "{stderr}");
}
