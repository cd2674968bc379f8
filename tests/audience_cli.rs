//! `herald groups`, `herald audience preview` and `notices create --audience` through the real
//! binary: a segment and a pasted list of 学号 make an audience, the preview's count is who the
//! sandbox receives, and mistakes exit 2 with the reason.

mod common;

use std::collections::BTreeSet;

use common::Herald;

const SHEET: &str = "学号,姓名,院系,年级,邮箱,标签\n\
S1,王一,农学院,2024,s1@example.edu.cn,班干部\n\
S2,李二,农学院,2024,,\n\
S3,张三,农学院,2023,s3@example.edu.cn,\n\
S4,赵四,林学院,2024,s4@example.edu.cn,班干部\n\
S5,钱五,林学院,2023,,\n\
S6,孙六,理学院,2022,s6@example.edu.cn,\n";

fn names(v: &serde_json::Value, key: &str) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m[key].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_segment_plus_a_pasted_list_minus_one_person_is_who_gets_the_notice() {
    let h = Herald::new();
    let sheet = h.dir.path().join("名单.csv");
    std::fs::write(&sheet, SHEET).unwrap();
    h.json(&["contacts", "import", sheet.to_str().unwrap()]);

    let segment = h.json(&[
        "groups",
        "create",
        "农学院2024级",
        "--rule",
        "院系 = 农学院 且 年级 = 2024",
    ]);
    assert_eq!(segment["kind"], "rule");
    assert_eq!(segment["members"], 2);
    assert_eq!(segment["ruleText"], "department = 农学院 and grade = 2024");

    h.json(&["groups", "create", "班委", "--description", "各班班委"]);
    let pasted = h.dir.path().join("ids.txt");
    std::fs::write(&pasted, "S4\r\nS5\r\nS99\r\n").unwrap();
    let added = h.json(&["groups", "add", "班委", "S1", "--file", pasted.to_str().unwrap()]);
    assert_eq!(added["changed"], 3);
    assert_eq!(added["unknown"], serde_json::json!(["S99"]));
    let out = h.cmd().args(["groups", "add", "班委", "S1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("added 0 (1 were already members)"));

    let list = h.json(&["groups", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let members = h.json(&["groups", "show", "班委", "--members"]);
    assert_eq!(
        names(&members["members"]["items"], "name"),
        ["王一", "赵四", "钱五"].map(String::from).into()
    );

    // S1 is in both; S5 is left out by hand.
    let s5 = h.json(&["contacts", "list", "--search", "S5"])["items"][0]["id"]
        .as_i64()
        .unwrap();
    let spec = format!("group:农学院2024级; group:班委; -contacts:{s5}");
    let preview = h.json(&["audience", "preview", &spec, "--channel", "sandbox"]);
    assert_eq!(preview["people"], 3);
    assert_eq!(preview["channels"][0]["reachable"], 3);
    assert_eq!(preview["description"], spec.as_str());

    h.json(&[
        "notices",
        "create",
        "--title",
        "班会通知",
        "--body",
        "{{ name }}同学：今晚开班会。",
        "--channel",
        "sandbox",
        "--audience",
        &spec,
    ]);
    // A group used by a notice not yet sent cannot be deleted.
    let (code, err) = h.fails(&["groups", "delete", "班委"]);
    assert_eq!(code, 2);
    assert!(err.contains("班会通知"), "{err}");

    h.json(&["notices", "send", "1"]);
    h.json(&["dispatch", "--until-idle"]);
    let inbox = h.json(&["sandbox", "list"]);
    let bodies: BTreeSet<String> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        bodies,
        [
            "王一同学：今晚开班会。",
            "李二同学：今晚开班会。",
            "赵四同学：今晚开班会。"
        ]
        .map(String::from)
        .into()
    );
}

#[test]
fn mistakes_exit_2_with_the_reason() {
    let h = Herald::new();
    let (code, err) = h.fails(&["groups", "create", "宿舍", "--rule", "dorm = 3"]);
    assert_eq!(code, 2);
    assert!(err.contains("no field `dorm`"), "{err}");
    let (code, err) = h.fails(&["audience", "preview", "group:不存在"]);
    assert_eq!(code, 2);
    assert!(err.contains("no group or segment named 不存在"), "{err}");
    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "b",
        "--channel",
        "sandbox",
        "--audience",
        "people:1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not understood"), "{err}");
    h.json(&["groups", "create", "甲", "--rule", "grade = 2024"]);
    let (code, err) = h.fails(&["groups", "add", "甲", "S1"]);
    assert_eq!(code, 2);
    assert!(err.contains("rule decides"), "{err}");
}
