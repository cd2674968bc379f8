//! Contact import under hostile and mistaken files: each is refused by the real binary in
//! bounded time and memory, with its own message and exit code 2, and nothing is imported.
//! The desktop app reads files in the process that sends notices, so an abort here would stop
//! sending.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use zip::write::SimpleFileOptions;

use crate::common::Herald;

/// Wall time a refusal may take (a debug build on a shared, loaded machine).
const MAX_TIME: Duration = Duration::from_secs(10);
/// Peak resident memory the refusing process may reach.
const MAX_RSS_MIB: f64 = 300.0;

/// What one run of `herald contacts import --dry-run FILE` did.
struct Run {
    code: i32,
    stderr: String,
    took: Duration,
    peak_rss_mib: f64,
}

/// Runs the import as a user would, measuring its wall time and its peak RSS (`wait4`'s
/// rusage for that child alone); a run past a minute is killed.
// `wait4` reaps the child (std's `wait` would not give its rusage).
#[allow(clippy::zombie_processes)]
fn import(h: &Herald, file: &Path) -> Run {
    let started = Instant::now();
    let mut child = h
        .cmd()
        .args(["contacts", "import", "--dry-run"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn herald");
    let pid = child.id() as libc::pid_t;
    let watchdog = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            // SAFETY: signal 0 only asks whether the process is there.
            if unsafe { libc::kill(pid, 0) } != 0 {
                return;
            }
        }
        // SAFETY: our own child, still running a minute later.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).ok();
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 writes into both out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let took = started.elapsed();
    watchdog.join().ok();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Run {
        code,
        stderr,
        took,
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

/// Asserts the file is refused quickly, in bounded memory, with exit code 2 and a message
/// holding every one of `says`.
fn refused(h: &Herald, file: &Path, says: &[&str]) {
    let run = import(h, file);
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    eprintln!(
        "{name}: refused in {:?}, peak RSS {:.0} MiB",
        run.took, run.peak_rss_mib
    );
    assert_eq!(run.code, 2, "{name}: exit code, stderr: {}", run.stderr);
    for s in says {
        assert!(run.stderr.contains(s), "{name}: {s:?} not in {:?}", run.stderr);
    }
    assert!(run.took < MAX_TIME, "{name}: took {:?}", run.took);
    assert!(
        run.peak_rss_mib < MAX_RSS_MIB,
        "{name}: peak RSS {:.0} MiB",
        run.peak_rss_mib
    );
    assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// A minimal xlsx by hand: the parts Excel needs, and `sheet` as the first worksheet's XML
/// (plus `extra` parts), deflated.
fn xlsx(sheet: &[u8], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &[u8]); 4] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, bytes) in parts.iter().chain(extra.iter()) {
        zip.start_file(*name, opts).expect("zip part");
        zip.write_all(bytes).expect("zip write");
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).expect("zip part");
    zip.write_all(sheet).expect("zip write");
    zip.finish().expect("zip finish").into_inner()
}

const SHEET_OPEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

#[test]
fn a_tiny_workbook_naming_cell_xfd1048576_is_refused_before_it_is_allocated() {
    let h = Herald::new();
    let sheet = format!(
        r#"{SHEET_OPEN}<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
    );
    let bytes = xlsx(sheet.as_bytes(), &[]);
    assert!(bytes.len() < 4_000, "a real tiny file: {} bytes", bytes.len());
    let file = write(h.data_dir(), "far.xlsx", &bytes);
    refused(&h, &file, &["16384 columns", "up to 200 columns"]);

    // The same far cell in the first column: too many rows, not an allocation either.
    let sheet = format!(
        r#"{SHEET_OPEN}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>"#
    );
    let file = write(h.data_dir(), "deep.xlsx", &xlsx(sheet.as_bytes(), &[]));
    refused(&h, &file, &["1048576 rows", "up to 200000 rows"]);
}

#[test]
fn a_workbook_that_unpacks_to_millions_of_rows_is_refused_at_the_row_limit() {
    let h = Herald::new();
    let mut sheet = String::from(SHEET_OPEN);
    sheet.push_str(r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>"#);
    for r in 2..=400_000u32 {
        sheet.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>1</v></c></row>"#));
    }
    sheet.push_str("</sheetData></worksheet>");
    let bytes = xlsx(sheet.as_bytes(), &[]);
    let file = write(h.data_dir(), "rows.xlsx", &bytes);
    refused(&h, &file, &["up to 200000 rows", "split it"]);
}

#[test]
fn shared_strings_that_unpack_beyond_the_limit_are_refused_before_they_are_read() {
    let h = Herald::new();
    let mut strings = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    let one = format!("<si><t>{}</t></si>", "x".repeat(1000));
    while strings.len() < 70 * 1024 * 1024 {
        strings.push_str(&one);
    }
    strings.push_str("</sst>");
    let sheet =
        format!(r#"{SHEET_OPEN}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#);
    let bytes = xlsx(sheet.as_bytes(), &[("xl/sharedStrings.xml", strings.as_bytes())]);
    let file = write(h.data_dir(), "strings.xlsx", &bytes);
    refused(&h, &file, &["unpacks to 70 MB", "up to 64 MB"]);
}

#[test]
fn thousands_of_headers_are_refused_by_the_column_limit_in_moments() {
    let h = Herald::new();
    let same = format!("姓名{}\n甲{}\n", ",备注".repeat(1_999), ",x".repeat(1_999));
    let file = write(h.data_dir(), "same.csv", same.as_bytes());
    refused(&h, &file, &["2000 columns", "up to 200 columns"]);
    let distinct: Vec<String> = (0..40_000).map(|i| format!("列{i}")).collect();
    let file = write(
        h.data_dir(),
        "distinct.csv",
        format!("{}\n", distinct.join(",")).as_bytes(),
    );
    refused(&h, &file, &["40000 columns", "up to 200 columns"]);
}

#[test]
fn a_file_past_the_size_limit_is_refused_unread_and_big_sheets_by_their_limits() {
    let h = Herald::new();
    // 60 MB, of which only the first bytes are written (a sparse file: quick to make).
    let path = write(h.data_dir(), "big.csv", "学号,姓名\n".as_bytes());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(60 * 1024 * 1024))
        .expect("grow file");
    refused(&h, &path, &["the file is 60 MB", "up to 50 MB", "split it"]);

    let mut rows = String::from("学号,姓名\n");
    for i in 0..250_000 {
        rows.push_str(&format!("{i},甲\n"));
    }
    let file = write(h.data_dir(), "rows.csv", rows.as_bytes());
    refused(&h, &file, &["250001 rows", "up to 200000 rows"]);

    let long = format!("学号,姓名,备注\n1,甲,{}\n", "长".repeat(40_000));
    let file = write(h.data_dir(), "long.csv", long.as_bytes());
    refused(&h, &file, &["row 2, column C", "40000 characters", "up to 32767"]);
}

#[test]
fn files_that_are_not_spreadsheets_are_refused_as_such() {
    let h = Herald::new();
    let dir = h.data_dir();
    // A program.
    if Path::new("/bin/true").is_file() {
        refused(
            &h,
            Path::new("/bin/true"),
            &["/bin/true is not a spreadsheet", "binary data"],
        );
    }
    let elf = [
        b"\x7fELF\x02\x01\x01\0\0\0\0\0".as_slice(),
        &[0u8; 200],
        b"GLIBC_2.2.5\0",
    ]
    .concat();
    refused(
        &h,
        &write(dir, "program.csv", &elf),
        &["not a spreadsheet", "binary data"],
    );
    // One word on one line, as /etc/hostname holds.
    refused(
        &h,
        &write(dir, "hostname", b"desk-042\n"),
        &["hostname is not a spreadsheet", "no columns"],
    );
    // Lines of text without a separator.
    refused(
        &h,
        &write(dir, "notes.txt", "买菜\n开会\n给王老师回电话\n".as_bytes()),
        &["not a spreadsheet", "no columns"],
    );
    // A Word document is a zip too.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"<w:document/>").unwrap();
    let docx = zip.finish().unwrap().into_inner();
    refused(
        &h,
        &write(dir, "名单.docx", &docx),
        &["名单.docx is not a spreadsheet", "zip archive"],
    );
    // A one-column list under a header Herald knows is a spreadsheet all the same.
    let names = write(dir, "names.csv", "姓名\n甲\n乙\n".as_bytes());
    let out = h
        .cmd()
        .args(["contacts", "import", "--dry-run"])
        .arg(&names)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_missing_file_a_folder_and_an_unreadable_file_each_say_what_is_wrong() {
    let h = Herald::new();
    let missing = h.data_dir().join("名单.xlsx");
    refused(&h, &missing, &["cannot find the file", "名单.xlsx"]);
    let folder = h.data_dir().join("lists");
    std::fs::create_dir(&folder).unwrap();
    refused(&h, &folder, &["is a folder, not a file", "lists"]);
    let locked = write(h.data_dir(), "locked.csv", "学号,姓名\n1,甲\n".as_bytes());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads any file: then there is nothing to refuse.
    if std::fs::read(&locked).is_err() {
        refused(&h, &locked, &["cannot read", "locked.csv", "ermission"]);
    }
}

/// A minimal ods by hand: `rows` (`table:table-row` elements) as its one table.
fn ods(rows: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).expect("zip part");
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("zip write");
    zip.start_file("META-INF/manifest.xml", deflated).expect("zip part");
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).expect("zip write");
    zip.start_file("content.xml", deflated).expect("zip part");
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="名单"><table:table-column table:number-columns-repeated="1024"/>{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip.write_all(content.as_bytes()).expect("zip write");
    zip.finish().expect("zip finish").into_inner()
}

/// An ods row of text cells, padded with empty cells to column 1,024 as LibreOffice writes it.
fn ods_row(cells: &[&str]) -> String {
    let mut row = String::from("<table:table-row>");
    for c in cells {
        row.push_str(&format!(
            r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#
        ));
    }
    row.push_str(&format!(
        r#"<table:table-cell table:number-columns-repeated="{}"/></table:table-row>"#,
        1024 - cells.len()
    ));
    row
}

/// LibreOffice's filler after the last used row: empty rows out to row 1,048,576.
const ODS_FILLER: &str = r#"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;

/// One BIFF record.
fn biff(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend(typ.to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
}

/// A minimal xls by hand (BIFF8 in a compound file): one worksheet holding text `cells` at
/// (row, column), 0-based, after a DIMENSIONS record declaring (first row, last row + 1,
/// first column, last column + 1) when given.
fn xls(cells: &[(u16, u16, &str)], dimensions: Option<(u32, u32, u16, u16)>) -> Vec<u8> {
    let bof = |dt: u16| [&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0u8; 12]].concat();
    let name: Vec<u8> = [
        &[2u8, 1][..],
        &"名单".encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>(),
    ]
    .concat();
    let mut globals = Vec::new();
    biff(&mut globals, 0x0809, &bof(0x0005));
    // BoundSheet8: the sheet's offset (filled in below), visible, a worksheet, its name.
    let bound_at = globals.len() + 4;
    biff(&mut globals, 0x0085, &[&[0u8; 4][..], &[0, 0], &name].concat());
    biff(&mut globals, 0x000A, &[]);
    let at = globals.len() as u32;
    globals[bound_at..bound_at + 4].copy_from_slice(&at.to_le_bytes());
    let mut sheet = Vec::new();
    biff(&mut sheet, 0x0809, &bof(0x0010));
    if let Some((rf, rl, cf, cl)) = dimensions {
        let d = [
            &rf.to_le_bytes()[..],
            &rl.to_le_bytes(),
            &cf.to_le_bytes(),
            &cl.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        biff(&mut sheet, 0x0200, &d);
    }
    for (row, col, text) in cells {
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let len = (units.len() / 2) as u16;
        let data = [
            &row.to_le_bytes()[..],
            &col.to_le_bytes(),
            &[0, 0],
            &len.to_le_bytes(),
            &[1],
            &units,
        ]
        .concat();
        biff(&mut sheet, 0x0204, &data);
    }
    biff(&mut sheet, 0x000A, &[]);
    globals.extend(sheet);
    // Version 3: 512-byte sectors, as Excel writes xls.
    let mut cfb =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new())).expect("cfb");
    {
        let mut stream = cfb.create_stream("/Workbook").expect("stream");
        stream.write_all(&globals).expect("write stream");
    }
    cfb.flush().expect("cfb flush");
    cfb.into_inner().into_inner()
}

/// Runs a dry-run import that must succeed; returns its output.
fn imports(h: &Herald, file: &Path) -> String {
    let out = h
        .cmd()
        .args(["contacts", "import", "--dry-run"])
        .arg(file)
        .output()
        .expect("run herald");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}: {stdout} {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn a_tiny_ods_repeating_one_cell_over_millions_is_refused_before_calamine_builds_it() {
    let h = Herald::new();
    // One value 16,384 columns wide, 6,000 rows deep: 98 million cells, under calamine's own
    // cap of 100 million, which it would build as 5 GB of ranges.
    let wide = format!(
        r#"{}<table:table-row table:number-rows-repeated="6000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>{ODS_FILLER}"#,
        ods_row(&["姓名", "学号"])
    );
    let bytes = ods(&wide);
    assert!(bytes.len() < 4_000, "a real tiny file: {} bytes", bytes.len());
    refused(
        &h,
        &write(h.data_dir(), "wide.ods", &bytes),
        &["16384 columns", "up to 200 columns"],
    );

    // A row of values repeated a million times.
    let deep = format!(
        r#"{}<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>甲</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1023"/></table:table-row>"#,
        ods_row(&["姓名"])
    );
    refused(
        &h,
        &write(h.data_dir(), "deep.ods", &ods(&deep)),
        &["1000001 rows", "up to 200000 rows"],
    );
}

#[test]
fn a_tiny_xls_naming_a_far_cell_or_vast_dimensions_is_refused_before_calamine_reads_it() {
    let h = Herald::new();
    // Cell records at A1 and at row 65,536, column 65,536 (past the format's 256 columns):
    // calamine's dense range between them would be 4 billion cells.
    let bytes = xls(&[(0, 0, "姓名"), (65_535, 65_535, "x")], None);
    assert!(bytes.len() < 8_000, "a real tiny file: {} bytes", bytes.len());
    refused(
        &h,
        &write(h.data_dir(), "far.xls", &bytes),
        &["65536 columns", "up to 200 columns"],
    );
    // The same within the format (IV65536): 65,536 rows of 256 columns, 540 MB as a range.
    let bytes = xls(&[(0, 0, "姓名"), (65_535, 255, "x")], None);
    refused(
        &h,
        &write(h.data_dir(), "iv.xls", &bytes),
        &["256 columns", "up to 200 columns"],
    );
    // DIMENSIONS declaring four billion rows, which calamine reserves room for.
    let bytes = xls(&[(0, 0, "姓名")], Some((0, 4_000_000_000, 0, 2)));
    refused(
        &h,
        &write(h.data_dir(), "dims.xls", &bytes),
        &["4000000000 rows", "up to 200000 rows"],
    );
}

#[test]
fn a_normal_small_ods_and_xls_still_import() {
    let h = Herald::new();
    let rows = format!(
        "{}{}{}{ODS_FILLER}",
        ods_row(&["学号", "姓名", "手机"]),
        ods_row(&["2024001", "张三", "13800138000"]),
        ods_row(&["2024002", "李四", "13900139000"])
    );
    let out = imports(&h, &write(h.data_dir(), "名单.ods", &ods(&rows)));
    assert!(
        out.contains("2 rows, 0 blank rows") && out.contains("added 2,"),
        "{out}"
    );
    let cells = [
        (0, 0, "学号"),
        (0, 1, "姓名"),
        (1, 0, "2024001"),
        (1, 1, "张三"),
        (2, 0, "2024002"),
        (2, 1, "李四"),
    ];
    let out = imports(&h, &write(h.data_dir(), "名单.xls", &xls(&cells, Some((0, 3, 0, 2)))));
    assert!(
        out.contains("2 rows, 0 blank rows") && out.contains("added 2,"),
        "{out}"
    );
}
