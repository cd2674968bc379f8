//! The whole-audience check through the real `herald` binary on a real SQLite file: 30,000
//! people imported from a CSV, one of whom lacks the imported column the notice uses. The
//! check names them and exits 1, the send is refused, and once they are left out on purpose
//! the send queues the other 29,999.

mod common;

use std::time::Instant;

use common::Herald;

const PEOPLE: usize = 30_000;
/// The one person without a 宿舍.
const WITHOUT: usize = 12_345;

fn check(h: &Herald, id: &str) -> (Option<i32>, serde_json::Value) {
    let out = h.cmd().args(["notices", "check", id, "--json"]).output().unwrap();
    let parsed = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), parsed)
}

#[test]
fn one_person_without_a_value_of_thirty_thousand_is_named_refused_and_left_out_on_purpose() {
    let h = Herald::new();
    let mut csv = String::from("学号,姓名,邮箱,宿舍\n");
    for i in 0..PEOPLE {
        let room = if i == WITHOUT {
            String::new()
        } else {
            format!("{}号楼", i % 12)
        };
        csv.push_str(&format!("S{i:07},学生{i},s{i}@example.edu.cn,{room}\n"));
    }
    let file = h.dir.path().join("名单.csv");
    std::fs::write(&file, csv).unwrap();
    let imported = h.json(&["contacts", "import", file.to_str().unwrap()]);
    assert_eq!(imported["added"], PEOPLE as u64, "{imported}");

    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "宿舍检查",
        "--body",
        "{{ name }}同学：周五下午检查{{ 宿舍 }}，请留在宿舍。",
        "--channel",
        "sandbox",
    ]);
    let id = notice["id"].to_string();

    let started = Instant::now();
    let (code, c) = check(&h, &id);
    let took = started.elapsed();
    assert_eq!(code, Some(1), "{c}");
    assert_eq!(c["people"], PEOPLE as u64);
    assert_eq!(c["brokenPeople"], 1, "{c}");
    assert_eq!(c["brokenMessages"], 1);
    let broken = &c["broken"][0];
    assert_eq!(broken["name"], format!("学生{WITHOUT}"));
    assert_eq!(broken["externalId"], format!("S{WITHOUT:07}"));
    assert_eq!(broken["channelName"], "sandbox");
    assert_eq!(broken["problem"]["code"], "missing_variable", "{broken}");
    assert_eq!(broken["problem"]["field"], "body");
    assert_eq!(c["channels"][0]["willGet"], PEOPLE as u64);
    eprintln!("the check of {PEOPLE} people took {took:?} (debug build, whole process)");

    // The human form names them too.
    let out = h.cmd().args(["notices", "check", &id]).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!("学生{WITHOUT}  S{WITHOUT:07}  sandbox  missing_variable")),
        "{printed}"
    );

    let (code, err) = h.fails(&["notices", "send", &id]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("学生{WITHOUT} (S{WITHOUT:07})")), "{err}");
    assert_eq!(
        h.sql("SELECT CAST(COUNT(*) AS TEXT) FROM runs"),
        ["0"],
        "nothing was queued"
    );

    let left = h.json(&["notices", "leave-out", &id, "--broken"]);
    assert_eq!(left["status"], "draft");
    assert!(left["audience"].as_str().unwrap().contains("-contacts:"), "{left}");
    let audited = h.sql("SELECT action FROM audit_log WHERE action = 'notice.leave_out'");
    assert_eq!(audited.len(), 1);

    let (code, c) = check(&h, &id);
    assert_eq!(code, Some(0), "{c}");
    assert_eq!(c["recipients"], (PEOPLE - 1) as u64);
    let run = h.json(&["notices", "send", &id]);
    assert_eq!(run["total"], (PEOPLE - 1) as u64, "{run}");
    let missing = h.sql(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.external_id = 'S{WITHOUT:07}'"
    ));
    assert_eq!(missing, ["0"]);
}
