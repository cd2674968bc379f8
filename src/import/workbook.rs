//! Workbooks (xlsx and the other formats calamine reads), typed: a cell Excel stored as a
//! number stays a number here, so the validator can tell a phone or id that Excel may have
//! damaged (lost leading zeros, digits past the 15th) from one typed as text.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::sheet::{self, Cell, Sheet, SheetRow, SourceFormat};
use super::ImportError;

/// Reads the first worksheet that has any cell.
pub fn read(bytes: &[u8]) -> Result<Sheet, ImportError> {
    // calamine parses zip and XML from someone else's file; should it panic on a damaged one,
    // that is a file Herald cannot read, not a crash of the app.
    std::panic::catch_unwind(|| read_unguarded(bytes))
        .unwrap_or_else(|_| Err(ImportError::Workbook("the workbook is damaged".into())))
}

fn read_unguarded(bytes: &[u8]) -> Result<Sheet, ImportError> {
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| ImportError::Workbook(e.to_string()))?;
    let names = workbook.sheet_names();
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ImportError::Workbook(format!("worksheet {name}: {e}")))?;
        let Some((first_row, first_col)) = range.start() else {
            continue;
        };
        let rows = range.rows().enumerate().map(|(i, cells)| SheetRow {
            row: first_row.saturating_add(i as u32).saturating_add(1),
            cells: cells.iter().map(cell).collect(),
        });
        let mut sheet = match sheet::from_rows(SourceFormat::Workbook, rows, first_col) {
            Ok(s) => s,
            Err(ImportError::NoHeader) => continue,
            Err(e) => return Err(e),
        };
        sheet.sheet_name = Some(name);
        return Ok(sheet);
    }
    Err(ImportError::NoSheet)
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Other(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) => Cell::Other(excel_date(dt.as_f64(), dt.is_datetime())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Other(s.clone()),
        Data::Error(e) => Cell::Error(format!("#{e:?}")),
    }
}

/// An Excel serial date (days since 1899-12-30 in the 1900 system) as ISO text.
fn excel_date(serial: f64, is_datetime: bool) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.and_hms_opt(0, 0, 0));
    let secs = (serial * 86_400.0).round();
    match base {
        Some(base) if secs.is_finite() && secs.abs() < 1e12 => {
            let at = base + chrono::Duration::seconds(secs as i64);
            if !is_datetime || at.time() == chrono::NaiveTime::MIN {
                at.format("%Y-%m-%d").to_string()
            } else {
                at.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        _ => serial.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_read_as_iso() {
        assert_eq!(excel_date(45536.0, false), "2024-09-01");
        assert_eq!(excel_date(45536.5, true), "2024-09-01 12:00:00");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(read(b"PK\x03\x04garbage"), Err(ImportError::Workbook(_))));
    }
}
