//! CSV files: decoded first (see [`super::encoding`]), then split by the `csv` crate, which
//! handles quoted commas, quotes and line breaks. Rows are numbered as a spreadsheet shows
//! them: a quoted cell spanning lines is still one row, and an empty line is an (empty) row.

use super::encoding::{self, Decoded};
use super::limits;
use super::mapping;
use super::not_spreadsheet;
use super::sheet::{self, Cell, Sheet, SheetRow, SourceFormat};
use super::ImportError;

/// Reads CSV bytes, with `encoding` forcing the text encoding. Bytes that are not text, and
/// text without columns, are refused as not a spreadsheet; a file beyond the [`limits`] is
/// refused after a first pass that counts its rows and columns and holds nothing.
pub fn read(bytes: &[u8], encoding: Option<&str>) -> Result<Sheet, ImportError> {
    if let Some(reason) = binary(bytes) {
        return Err(not_spreadsheet(reason));
    }
    let Decoded {
        text,
        encoding,
        had_errors,
    } = encoding::decode(bytes, encoding)?;
    if let Some(reason) = not_text(&text) {
        return Err(not_spreadsheet(reason));
    }
    let delimiter = delimiter(&text);
    check_limits(&text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut prev_row = 0u32;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // A record's position is where the previous one ended, so the line breaks that
                // open it are empty lines the reader skipped: empty rows in a spreadsheet.
                let mut start = record.position().map_or(0, |p| p.byte() as usize);
                let bytes = text.as_bytes();
                // After `\r\n` the reader stops between the two bytes: the `\n` ends the
                // previous record, it is no empty line.
                if start > 0 && bytes.get(start - 1) == Some(&b'\r') && bytes.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let skipped = empty_lines(bytes.get(start..).unwrap_or_default());
                let row = prev_row.saturating_add(1).saturating_add(skipped);
                prev_row = row;
                rows.push(SheetRow {
                    row,
                    cells: record
                        .iter()
                        .map(|f| {
                            if f.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(f.to_owned())
                            }
                        })
                        .collect(),
                });
            }
            Err(e) => {
                return Err(ImportError::Csv {
                    row: prev_row + 1,
                    message: e.to_string(),
                })
            }
        }
    }
    let mut sheet = sheet::from_rows(SourceFormat::Csv, rows, 0)?;
    // One column under a header Herald does not know: lines of text (a name list has 姓名 on top).
    if sheet.headers.len() <= 1
        && sheet.rows.iter().all(|r| r.cells.len() <= 1)
        && sheet
            .headers
            .first()
            .is_none_or(|h| mapping::field_for_header(h).is_none())
    {
        return Err(not_spreadsheet(
            "it is text with no columns (no comma, tab or semicolon separates its values) and its first line is no header Herald knows",
        ));
    }
    sheet.encoding = Some(encoding.to_owned());
    sheet.decode_errors = had_errors;
    Ok(sheet)
}

/// Why `bytes` cannot be text: NUL bytes, which no text encoding but UTF-16 (with its BOM, as
/// Excel saves "Unicode text") holds.
fn binary(bytes: &[u8]) -> Option<&'static str> {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return None;
    }
    bytes
        .contains(&0)
        .then_some("it holds binary data, not text (a program, an image or a document?)")
}

/// Why decoded `text` is not a table's: many control characters in its first 64 KB (a few are
/// a damaged cell, which the report names). Undecodable bytes do not count: text read in the
/// wrong encoding is still text, and the mapping step asks whether the encoding is right.
fn not_text(text: &str) -> Option<&'static str> {
    let (mut chars, mut odd) = (0usize, 0usize);
    for c in text.chars().take(64 * 1024) {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            odd += 1;
        }
    }
    (odd > 8 && odd * 50 > chars)
        .then_some("most of it is not text in any encoding Herald reads (a program, an image or a document?)")
}

/// A first pass over the records, holding nothing: refuses a file beyond the rows, columns,
/// cells or cell length [`limits`] allow, naming the limit.
fn check_limits(text: &str, delimiter: u8) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut columns) = (0u64, 0u64);
    // Errors are the second pass's to report, with their row.
    while let Ok(true) = reader.read_byte_record(&mut record) {
        rows += 1;
        let width = record.len() as u64;
        if width > u64::from(limits::MAX_COLUMNS) {
            return Err(ImportError::TooManyColumns {
                columns: width,
                limit: limits::MAX_COLUMNS,
            });
        }
        columns = columns.max(width);
        for (col, field) in record.iter().enumerate() {
            if field.len() > limits::MAX_CELL_CHARS {
                let row = record.position().map_or(rows, |p| p.line()) as u32;
                limits::check_cell(&String::from_utf8_lossy(field), row, col as u32)?;
            }
        }
    }
    limits::check_shape(rows, columns)
}

/// The separator of the first non-empty line: `,` unless tabs (Excel's "Unicode text", UTF-16
/// with tabs) or semicolons (Excel in locales with a decimal comma) clearly outnumber commas.
fn delimiter(text: &str) -> u8 {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            '\t' if !quoted => counts[1] += 1,
            ';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    if counts[1] > counts[0] && counts[1] >= counts[2] {
        b'\t'
    } else if counts[2] > counts[0] {
        b';'
    } else {
        b','
    }
}

/// How many empty lines `rest` starts with (`\n`, `\r\n` or a lone `\r` each).
fn empty_lines(rest: &[u8]) -> u32 {
    let run: Vec<u8> = rest
        .iter()
        .copied()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .collect();
    let lf = run.iter().filter(|b| **b == b'\n').count();
    let n = if lf > 0 { lf } else { run.len() };
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_commas_and_line_breaks_keep_spreadsheet_row_numbers() {
        let text = "学号,姓名,备注\n1,甲,\"a, b\"\n\n2,乙,\"line one\nline two\"\n3,丙,x\n,,\n";
        let crlf = text.replace('\n', "\r\n");
        let s = read(crlf.as_bytes(), None).unwrap();
        let rows: Vec<u32> = s.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [2, 4, 5], "the same with CRLF line ends");
        let s = read(text.as_bytes(), None).unwrap();
        assert_eq!(s.headers, ["学号", "姓名", "备注"]);
        let rows: Vec<(u32, String)> = s.rows.iter().map(|r| (r.row, r.cells[2].display())).collect();
        assert_eq!(
            rows,
            [
                (2, "a, b".to_owned()),
                (4, "line one\nline two".to_owned()),
                (5, "x".to_owned())
            ]
        );
        assert_eq!(
            s.blank_rows, 1,
            "the empty line between rows 2 and 4; not the trailing one"
        );
    }

    #[test]
    fn excel_unicode_text_and_semicolon_files_are_split_right() {
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "学号\t姓名\t标签\r\n1\t甲\ta,b\r\n".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let s = read(&utf16, None).unwrap();
        assert_eq!((s.encoding.as_deref(), s.headers.len()), (Some("UTF-16LE"), 3));
        assert_eq!(s.rows[0].cells[2].display(), "a,b");
        let s = read("学号;姓名;标签\n1;甲;\"x;y\"\n".as_bytes(), None).unwrap();
        assert_eq!(s.headers, ["学号", "姓名", "标签"]);
        assert_eq!(s.rows[0].cells[2].display(), "x;y");
        let s = read("学号,姓名,接收方式\n1,甲,email;sms\n".as_bytes(), None).unwrap();
        assert_eq!(s.rows[0].cells[2].display(), "email;sms");
    }

    #[test]
    fn an_empty_file_has_no_header() {
        assert!(matches!(read(b"", None), Err(ImportError::NoHeader)));
        assert!(matches!(read(b"\n\n", None), Err(ImportError::NoHeader)));
    }
}
