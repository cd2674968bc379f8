//! `herald contacts import` and `export` through the real binary: a summary naming problems by
//! row and column, exit 0 when it imported what it could, 2 when the file cannot be read.

mod common;

use common::Herald;

const SHEET: &str = "学号,姓名,手机,邮箱\n2024001,王小明,138 1234 5678,wxm@example.edu.cn\n2024002,,13912345678,\n2024003,李雷,1.38001E+10,\n";

#[test]
fn an_import_prints_counts_then_problems_and_writes_the_report() {
    let h = Herald::new();
    let file = h.dir.path().join("名单.csv");
    std::fs::write(&file, SHEET).unwrap();
    let report = h.dir.path().join("problems.csv");

    let out = h
        .cmd()
        .args(["contacts", "import", file.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("added 1, updated 0, unchanged 0, rejected 2"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(h.json(&["contacts", "list"])["total"], 0, "a dry run writes nothing");

    let out = h
        .cmd()
        .args([
            "contacts",
            "import",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("imported 名单.csv (CSV, UTF-8): 3 rows"), "{text}");
    assert!(
        text.contains("row 3, 姓名 (name): rejected: the name is empty"),
        "{text}"
    );
    assert!(
        text.contains("row 4, 手机 (mobile) \"1.38001E+10\": rejected"),
        "{text}"
    );
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.starts_with("\u{feff}row,column,field,value,code,severity,message\n"));
    assert_eq!(written.lines().count(), 3);

    let list = h.json(&["contacts", "list"]);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["mobile"], "+8613812345678");

    // Again, as JSON: the same people are unchanged.
    let again = h.json(&["contacts", "import", file.to_str().unwrap()]);
    assert_eq!(
        (again["added"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(again["rejected"], 2);
    assert_eq!(again["problems"][0]["row"], 3);
    assert_eq!(again["problems"][0]["code"], "name_missing");
}

#[test]
fn export_then_import_is_a_round_trip() {
    let h = Herald::new();
    h.json(&["demo", "load"]);
    let total = h.json(&["contacts", "list"])["total"].as_u64().unwrap();
    let out = h.dir.path().join("all.xlsx");
    let r = h.json(&["contacts", "export", out.to_str().unwrap()]);
    assert_eq!(r["contacts"].as_u64(), Some(total));
    // The demo list keeps mobiles as typed (13800001001); an import stores them as E.164, so
    // the first import of the export updates those, and a second finds nothing to change.
    let first = h.json(&["contacts", "import", out.to_str().unwrap()]);
    assert_eq!(
        (first["added"].as_u64(), first["rejected"].as_u64()),
        (Some(0), Some(0)),
        "{first}"
    );
    let again = h.json(&["contacts", "import", out.to_str().unwrap()]);
    assert_eq!(again["unchanged"].as_u64(), Some(total), "{again}");
    let list = h.json(&["contacts", "list", "--search", "T1001"]);
    assert_eq!(list["items"][0]["mobile"], "+8613800001001");
}

#[test]
fn a_file_that_cannot_be_read_fails_with_the_bad_input_code() {
    let h = Herald::new();
    let (code, err) = h.fails(&["contacts", "import", "no-such-file.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot find the file no-such-file.csv"), "{err}");

    let damaged = h.dir.path().join("damaged.xlsx");
    std::fs::write(&damaged, b"PK\x03\x04 this is no workbook").unwrap();
    let (code, err) = h.fails(&["contacts", "import", damaged.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("workbook"), "{err}");

    let file = h.dir.path().join("a.csv");
    std::fs::write(&file, SHEET).unwrap();
    let (code, err) = h.fails(&["contacts", "import", file.to_str().unwrap(), "--encoding", "klingon"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown encoding"), "{err}");

    let empty = h.dir.path().join("empty.csv");
    std::fs::write(&empty, "\n\n").unwrap();
    let (code, err) = h.fails(&["contacts", "import", empty.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no header row"), "{err}");
}

#[test]
fn a_large_import_is_audited_part_by_part_in_the_transactions_that_wrote_it() {
    let h = Herald::new();
    let file = h.dir.path().join("全校.csv");
    let mut sheet = String::from("学号,姓名\n");
    for i in 0..4_500 {
        sheet.push_str(&format!("S{i:05},学生{i}\n"));
    }
    sheet.push_str("S99999,\n");
    std::fs::write(&file, sheet).unwrap();

    h.json(&["contacts", "import", file.to_str().unwrap(), "--dry-run"]);
    assert!(
        h.sql("SELECT detail FROM audit_log WHERE action = 'contact.import'")
            .is_empty(),
        "a dry run changes nothing and is not audited"
    );

    let report = h.json(&["contacts", "import", file.to_str().unwrap()]);
    assert_eq!(report["added"], 4_500);
    let parts: Vec<serde_json::Value> = h
        .sql("SELECT detail FROM audit_log WHERE action = 'contact.import' ORDER BY id")
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    // 2,000 rows a transaction: three parts, each saying what it added.
    assert_eq!(parts.len(), 3, "{parts:?}");
    let added: Vec<u64> = parts.iter().map(|p| p["added"].as_u64().unwrap()).collect();
    assert_eq!(added, [2_000, 2_000, 500]);
    for (i, p) in parts.iter().enumerate() {
        assert_eq!((p["part"].as_u64(), p["parts"].as_u64()), (Some(i as u64 + 1), Some(3)));
        assert_eq!(p["file"], "全校.csv");
        assert_eq!(p["rejected"], 1);
    }

    // Again: nothing changes, and each part says so.
    h.json(&["contacts", "import", file.to_str().unwrap()]);
    let again = h.sql("SELECT detail FROM audit_log WHERE action = 'contact.import' ORDER BY id");
    let last: serde_json::Value = serde_json::from_str(again.last().unwrap()).unwrap();
    assert_eq!(
        (last["added"].as_u64(), last["unchanged"].as_u64()),
        (Some(0), Some(500))
    );
}
