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
