//! The import report: counts, then every problem by row and column; exported as CSV (UTF-8
//! with a BOM, so Excel opens it right) or XLSX (every cell written as text).

use std::path::Path;

use rust_xlsxwriter::Workbook;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::problem::{Problem, Severity};
use super::sheet::SourceFormat;
use super::ImportError;

/// What an import (or a dry run) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportReport {
    /// The file's name (without its directory).
    pub file: String,
    pub format: SourceFormat,
    /// CSV: the encoding it was read in.
    #[ts(optional)]
    pub encoding: Option<String>,
    /// Workbooks: the worksheet read.
    #[ts(optional)]
    pub sheet: Option<String>,
    /// Nothing was written.
    pub dry_run: bool,
    /// Data rows with something in them.
    pub rows: u32,
    /// Empty rows skipped.
    pub blank_rows: u32,
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Rows left out because of an error (see `problems`).
    pub rejected: u32,
    /// Problems that did not stop their row.
    pub warnings: u32,
    pub problems: Vec<Problem>,
}

const HEADERS: [&str; 7] = ["row", "column", "field", "value", "code", "severity", "message"];

fn cells(p: &Problem) -> [String; 7] {
    [
        p.row.to_string(),
        p.column.clone(),
        p.field.clone().unwrap_or_default(),
        p.value.clone(),
        p.code.as_str().to_owned(),
        match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
        .to_owned(),
        p.message.clone(),
    ]
}

/// A cell Excel would run as a formula (`=`, `@` first, or `+`/`-` before anything but a
/// number) gets a leading `'`, so a value from someone else's file never executes when the
/// CSV is opened. Phone numbers such as `+8613812345678` stay as they are.
fn inert(s: &str) -> String {
    let numeric = |rest: &str| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
    let risky = match s.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !numeric(&s[1..]),
        _ => false,
    };
    if risky {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes `rows` under `headers` as `.xlsx` (when the path ends so) or CSV with a BOM.
pub fn write_table(path: &Path, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<(), ImportError> {
    let xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if xlsx {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(|e| write_err(path, e))?;
        }
        for (r, row) in rows.enumerate() {
            for (c, v) in row.iter().enumerate() {
                // Strings as strings: ids and phones must never become numbers.
                ws.write_string(r as u32 + 1, c as u16, v)
                    .map_err(|e| write_err(path, e))?;
            }
        }
        wb.save(path).map_err(|e| write_err(path, e))
    } else {
        let file = std::fs::File::create(path).map_err(|e| write_err(path, e))?;
        let mut out = std::io::BufWriter::new(file);
        std::io::Write::write_all(&mut out, b"\xEF\xBB\xBF").map_err(|e| write_err(path, e))?;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(headers).map_err(|e| write_err(path, e))?;
        for row in rows {
            w.write_record(row.iter().map(|v| inert(v)))
                .map_err(|e| write_err(path, e))?;
        }
        w.flush().map_err(|e| write_err(path, e))
    }
}

impl ImportReport {
    /// Writes the problems to `path`: `.xlsx`, or CSV otherwise.
    pub fn write(&self, path: &Path) -> Result<(), ImportError> {
        write_table(path, &HEADERS, self.problems.iter().map(|p| cells(p).to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("+86 138"), "+86 138");
        assert_eq!(inert("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0");
        assert_eq!(inert("王"), "王");
    }
}
