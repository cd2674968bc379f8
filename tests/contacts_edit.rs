//! `herald contacts list` with filters and sort, `show`, `edit` and `delete` through the real
//! binary: an edit is checked as an import is, clears a changed address's invalid mark, is
//! audited without addresses; a contact with sending history is not deleted.

mod common;

use common::Herald;

const SHEET: &str = "学号,姓名,院系,年级,班级,手机,邮箱,标签,宿舍\n\
2024001,王小明,计算机学院,2024,计科2401,13812345678,wxm@example.edu.cn,住校,3-201\n\
2024002,李雷,计算机学院,2023,计科2301,13912345678,,,\n\
2024003,韩梅梅,数学学院,2024,数学2401,,hmm@example.edu.cn,住校;班干部,\n";

fn seeded() -> Herald {
    let h = Herald::new();
    let file = h.dir.path().join("名单.csv");
    std::fs::write(&file, SHEET).unwrap();
    h.json(&["contacts", "import", file.to_str().unwrap()]);
    h
}

fn names(list: &serde_json::Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[test]
fn list_filters_and_sorts_on_the_server() {
    let h = seeded();
    let list = h.json(&[
        "contacts",
        "list",
        "--department",
        "计算机学院",
        "--sort",
        "grade",
        "--desc",
    ]);
    assert_eq!(list["total"], 2);
    assert_eq!(names(&list), ["王小明", "李雷"]);
    let list = h.json(&["contacts", "list", "--tag", "住校", "--sort", "externalId"]);
    assert_eq!(names(&list), ["王小明", "韩梅梅"]);
    let list = h.json(&["contacts", "list", "--grade", "2024", "--class", "数学2401"]);
    assert_eq!(names(&list), ["韩梅梅"]);
    let (code, err) = h.fails(&["contacts", "list", "--sort", "mobile"]);
    assert_eq!(code, 2);
    assert!(err.contains("externalId"), "{err}");

    let out = h.cmd().args(["contacts", "list", "--sort", "class"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 of 3 contacts"), "{text}");
}

#[test]
fn show_and_edit_a_contact_by_its_external_id() {
    let h = seeded();
    let shown = h.json(&["contacts", "show", "2024001"]);
    assert_eq!(shown["attributes"]["宿舍"], "3-201");
    assert_eq!(shown["addresses"][1]["address"], "+8613812345678");

    // A failed send marked the mobile invalid (as the dispatcher does).
    h.sql("UPDATE contact_addresses SET invalid = 1, invalid_reason = 'unknown number' RETURNING kind");
    let out = h.cmd().args(["contacts", "show", "2024001"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("INVALID: unknown number"), "{text}");

    let (code, err) = h.fails(&["contacts", "edit", "2024001", "--mobile", "010 6275 1234"]);
    assert_eq!(code, 2);
    assert!(err.contains("addresses.mobile"), "{err}");

    let edited = h.json(&[
        "contacts",
        "edit",
        "2024001",
        "--mobile",
        "139-0000-1111",
        "--no-email",
        "--department",
        "数学学院",
        "--tag",
        "-住校",
        "--tag",
        "+班干部",
        "--prefer",
        "sms,email",
        "--opt-out",
        "wecom",
        "--attr",
        "宿舍=",
        "--attr",
        "导师=张老师",
        "--language",
        "en",
    ]);
    let c = &edited["contact"];
    assert_eq!(c["department"], "数学学院");
    assert_eq!(c["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(c["addresses"][0]["address"], "+8613900001111");
    assert_eq!(c["addresses"][0]["invalid"], false, "a changed address loses its mark");
    assert_eq!(c["tags"], serde_json::json!(["班干部"]));
    assert_eq!(c["preferred"][0], "aliyun_sms");
    assert_eq!(c["preferred"][3], "smtp");
    assert_eq!(c["optedOut"], serde_json::json!(["wecom_app", "wecom_robot"]));
    assert_eq!(c["attributes"], serde_json::json!({"导师": "张老师"}));
    assert_eq!(c["language"], "en");

    // The other contact's invalid mark is cleared by hand.
    let again = h.json(&["contacts", "edit", "2024002", "--clear-invalid", "mobile"]);
    assert_eq!(again["changed"], serde_json::json!(["addresses.mobile.markedValid"]));
    assert_eq!(again["contact"]["addresses"][0]["invalid"], false);
    let nothing = h.cmd().args(["contacts", "edit", "2024002"]).output().unwrap();
    assert!(String::from_utf8_lossy(&nothing.stdout).contains("nothing to change"));

    // The audit log names the fields, never the addresses.
    let audit = h.sql("SELECT detail FROM audit_log WHERE action = 'contact.edit' ORDER BY id");
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit[0].contains("addresses.mobile") && audit[0].contains("attributes.宿舍"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .all(|d| !d.contains("1390000") && !d.contains("example.edu.cn")),
        "{audit:?}"
    );
}

#[test]
fn delete_refuses_contacts_with_history_and_removes_the_others() {
    let h = seeded();
    let notice = h.json(&[
        "notices",
        "create",
        "--title",
        "通知",
        "--body",
        "{{ name }}同学好",
        "--channel",
        "sandbox",
        "--audience",
        "contacts:1",
    ]);
    h.json(&["notices", "send", &notice["id"].to_string()]);
    let (code, err) = h.fails(&["contacts", "delete", "2024001", "2024003"]);
    assert_eq!(code, 1);
    assert!(err.contains("1 of the 2 contacts chosen (王小明)"), "{err}");
    assert_eq!(h.json(&["contacts", "list"])["total"], 3, "nothing was deleted");
    let deleted = h.json(&["contacts", "delete", "2024003", "#2"]);
    assert_eq!(deleted["deleted"], 2);
    assert_eq!(names(&h.json(&["contacts", "list"])), ["王小明"]);
}
