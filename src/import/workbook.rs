//! Workbooks (xlsx and the other formats calamine reads), typed: a cell Excel stored as a
//! number stays a number here, so the validator can tell a phone or id that Excel may have
//! damaged (lost leading zeros, digits past the 15th) from one typed as text.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataRef, Reader, Sheets};

use super::bounds;
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
        bounds::check_ods(bytes)?;
    } else {
        bounds::check_xls(bytes)?;
    }
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| ImportError::Workbook(e.to_string()))?;
    let names = workbook.sheet_names();
    for name in names {
        let cells = match cells(&mut workbook, &name)? {
            Some(cells) => cells,
            None => continue,
        };
        let mut sheet = match cells.into_sheet() {
            Ok(s) => s,
            Err(ImportError::NoHeader) => continue,
            Err(e) => return Err(e),
        };
        sheet.sheet_name = Some(name);
        return Ok(sheet);
    }
    Err(ImportError::NoSheet)
}

/// The used cells of a worksheet, by row: (0-based row, [(0-based column, cell)]).
type Rows = Vec<(u32, Vec<(u32, Cell)>)>;

/// The used cells of worksheet `name`, refused as soon as their extent passes a limit.
/// xlsx and xlsb are streamed cell by cell, so a tiny file that names cell XFD1048576 is
/// refused before anything is allocated for the cells between; xls and ods come through
/// calamine's range, which it made when it opened the workbook, after [`bounds`] measured it.
/// `None`: not a worksheet (a chart sheet).
fn cells<RS: Read + Seek>(workbook: &mut Sheets<RS>, name: &str) -> Result<Option<Collector>, ImportError> {
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
    Ok(Some(out))
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

/// The used cells, their extent checked as each comes in, kept by row (a row's cells are
/// made dense one row at a time at the end, so the sheet is never held twice).
#[derive(Default)]
struct Collector {
    extent: Option<Extent>,
    rows: Rows,
    /// Rows, and cells within each row, came in order (as a worksheet's do).
    unordered: bool,
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
        match self.rows.last_mut() {
            Some((r, cells)) if *r == row => {
                self.unordered |= cells.last().is_some_and(|(c, _)| *c >= col);
                cells.push((col, cell));
            }
            last => {
                self.unordered |= last.is_some_and(|(r, _)| *r > row);
                self.rows.push((row, vec![(col, cell)]));
            }
        }
        Ok(())
    }

    /// The sheet: rows in order, each as wide as the used range (as calamine's range gave them).
    fn into_sheet(self) -> Result<Sheet, ImportError> {
        let Some(extent) = self.extent else {
            return Err(ImportError::NoHeader);
        };
        let mut rows = self.rows;
        if self.unordered {
            // Merge a row given in pieces, then order the cells; a later duplicate cell wins.
            rows.sort_by_key(|(r, _)| *r);
            let mut merged: Rows = Vec::with_capacity(rows.len());
            for (r, cells) in rows {
                match merged.last_mut() {
                    Some((last, into)) if *last == r => into.extend(cells),
                    _ => merged.push((r, cells)),
                }
            }
            for (_, cells) in &mut merged {
                cells.sort_by_key(|(c, _)| *c);
            }
            rows = merged;
        }
        let (first_col, width) = (extent.first_col(), extent.columns() as usize);
        let rows = rows.into_iter().map(|(r, cells)| {
            let mut dense = vec![Cell::Empty; width];
            for (c, cell) in cells {
                dense[(c - first_col) as usize] = cell;
            }
            SheetRow {
                row: r.saturating_add(1),
                cells: dense,
            }
        });
        sheet::from_rows(SourceFormat::Workbook, rows, first_col)
    }
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
    fn cells_out_of_order_make_the_same_rows() {
        let mut c = Collector::default();
        for (r, col, v) in [(3, 1, "d"), (0, 1, "b"), (0, 0, "a"), (3, 2, "e"), (3, 2, "f")] {
            c.push(r, col, &DataRef::SharedString(v)).unwrap();
        }
        let sheet = c.into_sheet().unwrap();
        assert_eq!((sheet.header_row, sheet.first_column), (1, 0));
        assert_eq!(sheet.headers, ["a", "b", ""]);
        let cells: Vec<String> = sheet.rows[0].cells.iter().map(Cell::display).collect();
        assert_eq!((sheet.rows[0].row, cells), (4, vec!["".into(), "d".into(), "f".into()]));
        assert_eq!(sheet.blank_rows, 2);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(read(b"PK\x03\x04garbage"), Err(ImportError::Workbook(_))));
    }
}
