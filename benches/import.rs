//! Contact import of 50,000 rows from CSV and from XLSX: read, check, upsert into an empty
//! database, then the same file again (every row compared, none written). Target: ≤ 3 s each.
//! Run: `cargo bench --bench import`.

mod common;

use std::path::Path;

use herald::import::ImportOptions;
use herald::{App, AppConfig};

const ROWS: usize = 50_000;
const HEADERS: [&str; 13] = [
    "学号/工号",
    "姓名",
    "身份",
    "院系",
    "班级",
    "年级",
    "邮箱",
    "手机",
    "企业微信ID",
    "钉钉ID",
    "接收方式",
    "标签",
    "宿舍",
];

fn row(i: usize) -> [String; 13] {
    [
        format!("2024{i:07}"),
        format!("学生{i}"),
        "学生".into(),
        "农学院".into(),
        format!("农学24{:02}", i % 30),
        "2024".into(),
        format!("s{i}@bench.example.edu.cn"),
        format!("138 {:04} {:04}", i / 10_000, i % 10_000),
        format!("wx{i}"),
        String::new(),
        ["email;sms", "wecom", "短信"][i % 3].into(),
        ["班干部;党员", "", "体育队"][i % 3].into(),
        format!("{}号楼", i % 12),
    ]
}

fn write_csv(path: &Path) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(HEADERS).unwrap();
    for i in 0..ROWS {
        w.write_record(row(i)).unwrap();
    }
    w.flush().unwrap();
}

fn write_xlsx(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..ROWS {
        for (c, v) in row(i).iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(i as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

/// Writes the fixture in a child run of this bench: rust_xlsxwriter holds the whole workbook
/// (some 250 MiB for this one), and the peak RSS printed is to be the import's, not the
/// writer's (the runtime's thread would otherwise keep the writer's freed memory resident).
fn write_in_child(kind: &str, file: &Path) {
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env(WRITE_FIXTURE, format!("{kind}:{}", file.display()))
        .status()
        .unwrap();
    assert!(status.success(), "writing the {kind} fixture");
}

const WRITE_FIXTURE: &str = "HERALD_BENCH_WRITE_FIXTURE";

async fn one(kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("contacts.{kind}"));
    write_in_child(kind, &file);
    let app = App::open(AppConfig {
        data_dir: dir.path().join("data"),
        face: "bench".into(),
    })
    .await
    .unwrap();
    let (first, took) = common::timed(app.import_contacts(&file, ImportOptions::default())).await;
    let first = first.unwrap();
    assert_eq!(
        (first.added, first.rejected),
        (ROWS as u32, 0),
        "{:?}",
        first.problems.first()
    );
    common::report(
        &format!("import {ROWS} rows from {kind}, empty database"),
        ROWS as u64,
        took,
        &format!("peak RSS {:.0} MiB", common::peak_rss_mib()),
    );
    let (again, took) = common::timed(app.import_contacts(&file, ImportOptions::default())).await;
    assert_eq!(again.unwrap().unchanged, ROWS as u32);
    common::report(
        &format!("import {ROWS} rows from {kind} again (unchanged)"),
        ROWS as u64,
        took,
        &format!("peak RSS {:.0} MiB", common::peak_rss_mib()),
    );
}

fn main() {
    if let Ok(spec) = std::env::var(WRITE_FIXTURE) {
        match spec.split_once(':') {
            Some(("csv", path)) => write_csv(Path::new(path)),
            Some(("xlsx", path)) => write_xlsx(Path::new(path)),
            _ => panic!("{WRITE_FIXTURE}={spec}"),
        }
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        one("csv").await;
        one("xlsx").await;
    });
}
