//! Workbooks (xlsx and the other formats calamine reads), typed: a cell Excel stored as a
//! number stays a number here, so the validator can tell a phone or id that Excel may have
//! damaged (lost leading zeros, digits past the 15th) from one typed as text.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataRef, Reader, Sheets};

use super::limits::{self, Extent};
use super::sheet::{self, Cell, Sheet, SheetRow, SourceFormat};
use super::ImportError;

/// Reads the first worksheet that has any cell.
pub fn read(bytes: &[u8]) -> Result<Sheet, ImportError> {
    // calamine parses zip and XML from someone else's file; should it panic on a damaged one,
    // that is a file Herald cannot read, not a crash of the app.
    std::panic::catch_unwind(|| read_unguarded(bytes))
        .unwrap_or_else(|_| Err(ImportError::Workbook("the workbook is damaged".into())))
}

/// Whether zip `bytes` hold a workbook (xlsx, xlsm, xlsb or ods), by the names of their parts:
/// a Word document or any other archive is not a spreadsheet.
pub fn zip_holds_workbook(bytes: &[u8]) -> bool {
    let Ok(zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Damaged: calamine says what is wrong with it.
        return true;
    };
    let found = zip.file_names().filter_map(Result::ok).any(|n| {
        n.eq_ignore_ascii_case("xl/workbook.xml")
            || n.eq_ignore_ascii_case("xl/workbook.bin")
            || n == "content.xml"
            || n.ends_with("/workbook.xml")
    });
    found
}

/// Refuses a zip whose parts declare more than [`limits::MAX_UNPACKED_BYTES`] in all, or shared
/// strings (which calamine reads whole when it opens the workbook) beyond
/// [`limits::MAX_SHARED_STRINGS_BYTES`]. The zip reader stops at a part's declared size, so a
/// part cannot unpack to more than it declares.
fn check_unpacked(bytes: &[u8]) -> Result<(), ImportError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else {
            continue;
        };
        let size = part.size();
        let shared = part
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().contains("sharedstrings"));
        if shared && size > limits::MAX_SHARED_STRINGS_BYTES {
            return Err(ImportError::TooLargeUnpacked {
                bytes: size,
                limit: limits::MAX_SHARED_STRINGS_BYTES,
            });
        }
        total = total.saturating_add(size);
    }
    if total > limits::MAX_UNPACKED_BYTES {
        return Err(ImportError::TooLargeUnpacked {
            bytes: total,
            limit: limits::MAX_UNPACKED_BYTES,
        });
    }
    Ok(())
}

fn read_unguarded(bytes: &[u8]) -> Result<Sheet, ImportError> {
    if bytes.starts_with(b"PK") {
        check_unpacked(bytes)?;
    }
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| ImportError::Workbook(e.to_string()))?;
    let names = workbook.sheet_names();
    for name in names {
        let cells = match cells(&mut workbook, &name)? {
            Some(cells) => cells,
            None => continue,
        };
        let mut sheet = match sheet_from_cells(cells) {
            Ok(s) => s,
            Err(ImportError::NoHeader) => continue,
            Err(e) => return Err(e),
        };
        sheet.sheet_name = Some(name);
        return Ok(sheet);
    }
    Err(ImportError::NoSheet)
}

/// A used cell: its 0-based position and value.
type Placed = (u32, u32, Cell);

/// The used cells of worksheet `name`, refused as soon as their extent passes a limit.
/// xlsx and xlsb are streamed cell by cell, so a tiny file that names cell XFD1048576 is
/// refused before anything is allocated for the cells between; xls and ods come through
/// calamine's range (xls caps a sheet at 65,536 × 256, calamine caps ods at 100 million cells).
/// `None`: not a worksheet (a chart sheet).
fn cells<RS: Read + Seek>(workbook: &mut Sheets<RS>, name: &str) -> Result<Option<Vec<Placed>>, ImportError> {
    let err = |e: &dyn std::fmt::Display| ImportError::Workbook(format!("worksheet {name}: {e}"));
    let mut out = Collector::default();
    match workbook {
        Sheets::Xlsx(x) => {
            let mut reader = match x.worksheet_cells_reader(name) {
                Ok(r) => r,
                Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(None),
                Err(e) => return Err(err(&e)),
            };
            while let Some(c) = reader.next_cell().map_err(|e| err(&e))? {
                let (row, col) = c.get_position();
                out.push(row, col, c.get_value())?;
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(name).map_err(|e| err(&e))?;
            while let Some(c) = reader.next_cell().map_err(|e| err(&e))? {
                let (row, col) = c.get_position();
                out.push(row, col, c.get_value())?;
            }
        }
        other => {
            let range = other.worksheet_range(name).map_err(|e| err(&e))?;
            let (top, left) = range.start().unwrap_or((0, 0));
            for (row, col, d) in range.used_cells() {
                let (row, col) = (top.saturating_add(row as u32), left.saturating_add(col as u32));
                out.push(row, col, &data_ref(d))?;
            }
        }
    }
    Ok(Some(out.cells))
}

fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// The used cells, their extent checked as each comes in.
#[derive(Default)]
struct Collector {
    extent: Option<Extent>,
    cells: Vec<Placed>,
}

impl Collector {
    fn push(&mut self, row: u32, col: u32, d: &DataRef<'_>) -> Result<(), ImportError> {
        if matches!(d, DataRef::Empty) {
            return Ok(());
        }
        match &mut self.extent {
            Some(e) => e.add(row, col)?,
            None => self.extent = Some(Extent::new(row, col)),
        }
        let cell = cell(d);
        if let Cell::Text(t) | Cell::Other(t) = &cell {
            limits::check_cell(t, row.saturating_add(1), col)?;
        }
        self.cells.push((row, col, cell));
        Ok(())
    }
}

/// Rows of the used range, in order, from its used cells (a worksheet's cells come in row
/// order; sorted when they do not).
fn sheet_from_cells(mut cells: Vec<Placed>) -> Result<Sheet, ImportError> {
    if !cells.is_sorted_by_key(|(r, c, _)| (*r, *c)) {
        cells.sort_by_key(|(r, c, _)| (*r, *c));
    }
    let first_col = cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
    let last_col = cells.iter().map(|(_, c, _)| *c).max().unwrap_or(0);
    let width = (last_col - first_col + 1) as usize;
    let mut rows: Vec<SheetRow> = Vec::new();
    for (row, col, cell) in cells {
        let number = row.saturating_add(1);
        if rows.last().is_none_or(|r| r.row != number) {
            rows.push(SheetRow {
                row: number,
                cells: Vec::with_capacity(width),
            });
        }
        if let Some(r) = rows.last_mut() {
            let at = (col - first_col) as usize;
            if r.cells.len() < at {
                r.cells.resize(at, Cell::Empty);
            }
            r.cells.push(cell);
        }
    }
    // Every row as wide as the used range, as the range gave them before.
    for r in &mut rows {
        r.cells.resize(width, Cell::Empty);
    }
    sheet::from_rows(SourceFormat::Workbook, rows, first_col)
}

fn cell(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Other(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(dt) => Cell::Other(excel_date(dt.as_f64(), dt.is_datetime())),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Other(s.clone()),
        DataRef::Error(e) => Cell::Error(format!("#{e:?}")),
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
