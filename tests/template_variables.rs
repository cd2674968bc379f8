//! Template variables through the real `herald` binary: fields by their Chinese names, a value
//! given once with the notice, the listing for the editor, and an unknown name refused with
//! its line, column and the name probably meant.

mod common;

use common::Herald;

#[test]
fn chinese_names_and_notice_values_reach_each_person() {
    let h = Herald::new();
    let zhang = h.json(&["contacts", "add", "--name", "张伟", "--class", "农学2401"]);
    let liu = h.json(&["contacts", "add", "--name", "刘洋", "--class", "计科2402"]);
    let audience = format!("contacts:{},{}", zhang["id"], liu["id"]);
    let n = h.json(&[
        "notices",
        "create",
        "--title",
        "期末考试",
        "--subject",
        "{{ 姓名 }}：考试时间 {{ 考试时间 }}",
        "--body",
        "{{ 姓名 }}（{{ 班级 }}）同学：考试时间为{{ 考试时间 }}，地点 {{ 考场 }}。",
        "--value",
        "考试时间=12月20日 9:00",
        "--value",
        "考场=A-101",
        "--channel",
        "sandbox",
        "--audience",
        &audience,
    ]);
    assert_eq!(n["values"]["考试时间"], "12月20日 9:00");
    let run = h.json(&["notices", "send", &n["id"].to_string(), "--wait"]);
    assert_eq!(run["sent"], 2, "{run}");

    let inbox = h.json(&["sandbox", "list"]);
    let mut got: Vec<(String, String)> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["subject"].as_str().unwrap().to_owned(),
                m["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "刘洋：考试时间 12月20日 9:00".to_owned(),
                "刘洋（计科2402）同学：考试时间为12月20日 9:00，地点 A-101。".to_owned()
            ),
            (
                "张伟：考试时间 12月20日 9:00".to_owned(),
                "张伟（农学2401）同学：考试时间为12月20日 9:00，地点 A-101。".to_owned()
            ),
        ]
    );
    // `{{ 姓名 }}` and `{{ 班级 }}` froze the fields themselves; the notice's values are not
    // copied into every delivery.
    let frozen = h.sql("SELECT variables FROM deliveries ORDER BY id LIMIT 1");
    assert!(frozen[0].contains("\"class\""), "{frozen:?}");
    assert!(!frozen[0].contains("考试时间"), "{frozen:?}");
}

#[test]
fn an_unknown_name_is_refused_with_its_place_and_the_name_meant() {
    let h = Herald::new();
    h.json(&["contacts", "add", "--name", "张伟"]);
    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "同学们：\n请 {{ 姓明 }} 到场",
        "--channel",
        "sandbox",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`姓明`"), "{err}");
    assert!(err.contains("line 2, column 6"), "{err}");
    assert!(err.contains("did you mean `姓名`"), "{err}");
    assert!(err.contains("imported column"), "{err}");

    let (code, err) = h.fails(&[
        "notices",
        "create",
        "--title",
        "t",
        "--body",
        "{{ 姓名 }}",
        "--value",
        "姓名=x",
        "--channel",
        "sandbox",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("contact field"), "{err}");
}

#[test]
fn the_variables_are_listed_with_their_meanings() {
    let h = Herald::new();
    let all = h.json(&["notices", "variables", "--value", "考试时间=9:00"]);
    let all = all.as_array().unwrap();
    let name = all.iter().find(|v| v["name"] == "name").unwrap();
    assert_eq!(name["aliases"], serde_json::json!(["姓名"]));
    assert_eq!(name["source"], "contact");
    let id = all.iter().find(|v| v["name"] == "external_id").unwrap();
    assert_eq!(id["meaningZh"], "学号或工号，导入时的唯一编号");
    let value = all.iter().find(|v| v["name"] == "考试时间").unwrap();
    assert_eq!(value["source"], "notice_value");
    assert_eq!(value["value"], "9:00");
    assert!(all
        .iter()
        .any(|v| v["name"] == "date" && v["source"] == "schedule_date"));
}
