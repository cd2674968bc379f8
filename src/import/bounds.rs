//! The size of every sheet of an ods or xls workbook, measured before calamine opens it.
//!
//! calamine streams xlsx and xlsb cell by cell, but reads ods and xls whole when it opens them:
//! every sheet becomes a dense range at once, before Herald sees a cell. A few bytes can ask for
//! gigabytes there (an ods cell repeated 16,384 columns across 6,000 rows; an xls cell record
//! at row 65,536, column 65,536; an xls DIMENSIONS record of four billion rows, which calamine
//! reserves memory for). So the parts calamine will read are scanned here first, holding nothing
//! but counters, and refused with the limit they pass.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::limits::{self, Extent};
use super::ImportError;

/// What calamine will hold for the whole workbook: it keeps every sheet, not only the one
/// imported, so the cells of all sheets count against [`limits::MAX_CELLS`] together.
#[derive(Default)]
struct Workbook {
    /// Cells of the sheets' dense ranges (rows × columns of each).
    cells: u64,
    /// Cells calamine holds while it reads, before the ranges are made (ods: each row element
    /// up to its last value; xls: each cell record).
    read: u64,
}

impl Workbook {
    fn add_sheet(&mut self, extent: Option<Extent>, read: u64) -> Result<(), ImportError> {
        if let Some(e) = extent {
            e.check()?;
            self.cells = self.cells.saturating_add(u64::from(e.rows()) * u64::from(e.columns()));
        }
        self.read = self.read.saturating_add(read);
        let cells = self.cells.max(self.read);
        if cells > limits::MAX_CELLS {
            return Err(ImportError::TooManyCells {
                cells,
                limit: limits::MAX_CELLS,
            });
        }
        Ok(())
    }
}

fn widen(extent: &mut Option<Extent>, row: u32, col: u32) -> Result<(), ImportError> {
    match extent {
        Some(e) => e.add(row, col),
        None => {
            *extent = Some(Extent::new(row, col));
            Ok(())
        }
    }
}

/// Positions past `u32` are clamped: they are far past every limit anyway.
fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Refuses an ods whose `content.xml` holds a table beyond the limits, counting what
/// `table:number-rows-repeated` and `table:number-columns-repeated` make of it. Empty cells and
/// rows count only when content follows them, as in calamine's range: LibreOffice pads every
/// table with empty repeats out to row 1,048,576 and column 1,024, and those cost nothing.
pub(crate) fn check_ods(bytes: &[u8]) -> Result<(), ImportError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine says what is wrong with it
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    // As calamine reads it: a misnested end tag does not stop it.
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut book = Workbook::default();
    let mut table: Option<OdsTable> = None;
    // An XML error ends the scan: calamine stops at the same error, holding what it read so
    // far, and that is what was counted.
    while let Ok(event) = xml.read_event_into(&mut buf) {
        match (&mut table, event) {
            (None, Event::Start(e)) if e.name().as_ref() == "table:table" => {
                table = Some(OdsTable::default());
            }
            (Some(t), Event::Start(e)) if t.in_row.is_none() && e.name().as_ref() == "table:table-row" => {
                t.start_row(&e);
            }
            (Some(t), Event::Empty(e)) if t.in_row.is_none() && e.name().as_ref() == "table:table-row" => {
                t.start_row(&e);
                t.end_row()?;
            }
            (Some(t), Event::End(e)) if t.in_row.is_none() && e.name().as_ref() == "table:table" => {
                book.add_sheet(t.extent, t.read)?;
                table = None;
            }
            (Some(t), Event::End(e)) if t.depth == 0 && e.name().as_ref() == "table:table-row" => {
                t.end_row()?;
            }
            (Some(t), Event::Start(e)) if t.in_row.is_some() => {
                if t.depth == 0 {
                    t.cell(&e)?;
                }
                t.depth += 1;
            }
            (Some(t), Event::Empty(e)) if t.in_row.is_some() && t.depth == 0 => t.cell(&e)?,
            (Some(t), Event::End(_)) if t.in_row.is_some() => t.depth = t.depth.saturating_sub(1),
            (_, Event::Eof) => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(t) = table {
        book.add_sheet(t.extent, t.read)?;
    }
    Ok(())
}

/// One `table:table` as it is read.
#[derive(Default)]
struct OdsTable {
    /// The next row's index (0-based), every repeat counted.
    row: u64,
    /// Row elements read: calamine keeps two words for each, repeated or not.
    row_elements: u64,
    extent: Option<Extent>,
    read: u64,
    /// In a row: (its first index, its repeats, the next column's index, the row's last
    /// column with content).
    in_row: Option<(u64, u64, u64, Option<u64>)>,
    /// Elements open inside the current cell.
    depth: u32,
}

impl OdsTable {
    fn start_row(&mut self, e: &BytesStart<'_>) {
        let repeats = repeats(e, "table:number-rows-repeated");
        self.in_row = Some((self.row, repeats, 0, None));
        self.depth = 0;
    }

    fn end_row(&mut self) -> Result<(), ImportError> {
        let Some((first, repeats, _, last_col)) = self.in_row.take() else {
            return Ok(());
        };
        self.row = first.saturating_add(repeats);
        self.row_elements += 1;
        // A row element is at least one row, so this many are a sheet past the row limit
        // whatever they hold (empty ones are not in the extent, yet each costs calamine memory).
        if self.row_elements > 2 * u64::from(limits::MAX_ROWS) {
            return Err(ImportError::TooManyRows {
                rows: self.row_elements,
                limit: limits::MAX_ROWS,
            });
        }
        if let Some(last_col) = last_col {
            // calamine holds the row from column A to its last value once, however repeated.
            self.read = self.read.saturating_add(last_col.saturating_add(1));
            let last_row = first.saturating_add(repeats.max(1) - 1);
            widen(&mut self.extent, clamp(first), clamp(last_col))?;
            widen(&mut self.extent, clamp(last_row), clamp(last_col))?;
            if self.read > limits::MAX_CELLS {
                return Err(ImportError::TooManyCells {
                    cells: self.read,
                    limit: limits::MAX_CELLS,
                });
            }
        }
        Ok(())
    }

    /// A `table:table-cell` or `table:covered-table-cell` at the row's level.
    fn cell(&mut self, e: &BytesStart<'_>) -> Result<(), ImportError> {
        let name = e.name();
        if name.as_ref() != "table:table-cell" && name.as_ref() != "table:covered-table-cell" {
            return Ok(());
        }
        let Some((first, _, col, last_col)) = &mut self.in_row else {
            return Ok(());
        };
        let repeats = repeats(e, "table:number-columns-repeated");
        if has_content(e) {
            let last = col.saturating_add(repeats.max(1) - 1);
            *last_col = Some(last);
            // The row's first value widens the extent now, so that a row of a thousand cells
            // each repeated 16,384 times is refused at its first, not counted to its end.
            widen(&mut self.extent, clamp(*first), clamp(*col))?;
            widen(&mut self.extent, clamp(*first), clamp(last))?;
        }
        *col = col.saturating_add(repeats);
        Ok(())
    }
}

/// A repeat count as calamine reads it; one when absent. A count calamine cannot read makes
/// it refuse the file, so any figure does here.
fn repeats(e: &BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.parse().ok())
        .unwrap_or(1)
}

/// Whether calamine makes a value (or a formula) of the cell: any value attribute, a text type
/// (its text is the element's content, maybe empty), or a formula.
fn has_content(e: &BytesStart<'_>) -> bool {
    e.attributes()
        .with_checks(false)
        .flatten()
        .any(|a| match a.key.as_ref() {
            "office:value"
            | "office:string-value"
            | "office:date-value"
            | "office:time-value"
            | "office:boolean-value"
            | "table:formula" => true,
            "office:value-type" => a.value == "string",
            _ => false,
        })
}

/// The most cells an xls sheet can have (BIFF8: 65,536 rows × 256 columns).
const XLS_FORMAT_CELLS: u64 = 65_536 * 256;

/// Refuses an xls (BIFF) workbook whose sheets pass the limits: each sheet's cell records are
/// scanned from where the workbook says the sheet starts, as calamine reads them, for their
/// extent, and its DIMENSIONS record (which calamine reserves memory for) is checked against
/// what the format allows.
pub(crate) fn check_xls(bytes: &[u8]) -> Result<(), ImportError> {
    let damaged = |why: &str| ImportError::Workbook(format!("the workbook is damaged: {why}"));
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| damaged(&e.to_string()))?;
    // calamine takes the first stream named Workbook (BIFF8), else Book (BIFF5), at any depth
    // and in any case: every such stream is checked.
    let streams: Vec<_> = cfb
        .walk()
        .filter(|e| e.is_stream())
        .filter(|e| e.name().eq_ignore_ascii_case("workbook") || e.name().eq_ignore_ascii_case("book"))
        .map(|e| e.path().to_owned())
        .collect();
    let mut budget = bytes.len() as u64 * 2;
    for path in streams {
        let mut stream = Vec::new();
        let s = cfb.open_stream(&path).map_err(|e| damaged(&e.to_string()))?;
        // A stream's sectors are the file's own: more bytes than that is a chain that loops.
        s.take(budget + 1)
            .read_to_end(&mut stream)
            .map_err(|e| damaged(&e.to_string()))?;
        if stream.len() as u64 > budget {
            return Err(damaged("a stream is longer than the file"));
        }
        budget -= stream.len() as u64;
        check_biff(&stream)?;
    }
    Ok(())
}

/// BIFF records: (type, data), the stream cut at a record that runs past its end (where
/// calamine stops with an error). CONTINUE records are yielded too; nothing here reads them.
fn records(stream: &[u8]) -> impl Iterator<Item = (usize, u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((at, typ, data))
    })
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn check_biff(stream: &[u8]) -> Result<(), ImportError> {
    // The globals: where each sheet starts (BoundSheet8), up to their EOF.
    let mut starts = Vec::new();
    for (_, typ, data) in records(stream) {
        match typ {
            0x0085 => starts.extend(u32_at(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    let mut book = Workbook::default();
    // calamine reads from each start to that sheet's EOF. Sheets of a real file do not
    // overlap; sheets that do (many BoundSheet8 at one place) would cost calamine their
    // sum, so the bytes read in all may not pass the stream's length.
    let mut scanned = 0u64;
    for start in starts {
        let Some(sheet) = stream.get(start as usize..) else {
            continue;
        };
        let (extent, read, len) = biff_sheet(sheet)?;
        scanned = scanned.saturating_add(len as u64);
        if scanned > stream.len() as u64 {
            return Err(ImportError::Workbook(
                "the workbook is damaged: its sheets overlap".into(),
            ));
        }
        book.add_sheet(extent, read)?;
    }
    Ok(())
}

/// One sheet's substream: (the extent of its cell records, how many there are, bytes read).
fn biff_sheet(sheet: &[u8]) -> Result<(Option<Extent>, u64, usize), ImportError> {
    let mut extent = None;
    let mut read = 0u64;
    let mut end = 0;
    // Embedded charts are substreams of their own, which calamine skips.
    let (mut seen_bof, mut nested) = (false, 0u32);
    for (at, typ, data) in records(sheet) {
        end = at;
        if nested > 0 {
            match typ {
                0x0809 => nested += 1,
                0x000A => nested -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            0x0809 if seen_bof => nested += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => dimensions(data)?,
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula, String (a formula's
            // text, at the formula's cell).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    widen(&mut extent, row, col)?;
                    read += 1;
                }
            }
            0x0207 => read += 1,
            // MulRk: a row of numbers, six bytes each.
            0x00BD if data.len() >= 6 => {
                if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                    let n = (data.len() - 6) / 6;
                    if n > 0 {
                        widen(&mut extent, row, first)?;
                        widen(&mut extent, row, first + n as u32 - 1)?;
                        read += n as u64;
                    }
                }
            }
            _ => {}
        }
    }
    Ok((extent, read, end))
}

/// calamine reserves room for a sheet's declared DIMENSIONS, read as it reads them (an end
/// before the start wraps around): past what the format allows, that reservation can be more
/// memory than there is, which aborts the process.
fn dimensions(d: &[u8]) -> Result<(), ImportError> {
    let fields = match d.len() {
        10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
        _ => return Ok(()), // calamine refuses the record
    };
    let (Some(rf), Some(rl), Some(cf), Some(cl)) = fields else {
        return Ok(());
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    let (end_row, end_col) = if rl >= 1 && cl >= 1 { (rl - 1, cl - 1) } else { (rf, cf) };
    let rows = u64::from(end_row.wrapping_sub(rf).wrapping_add(1));
    let cols = u64::from(end_col.wrapping_sub(cf).wrapping_add(1));
    if rows.saturating_mul(cols) > XLS_FORMAT_CELLS {
        // Past the format's 16.7 million cells is past MAX_CELLS: check_shape names the limit.
        limits::check_shape(rows, cols)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ods_content(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, content.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    const CELL: &str = r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn trailing_empty_repeats_cost_nothing() {
        let rows = format!(
            r#"<table:table-row>{CELL}{CELL}<table:table-cell table:number-columns-repeated="1022"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
        );
        assert!(check_ods(&ods_content(&rows)).is_ok());
    }

    #[test]
    fn repeated_content_is_counted() {
        let rows = r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#;
        assert!(matches!(
            check_ods(&ods_content(rows)),
            Err(ImportError::TooManyColumns { columns: 16_384, .. })
        ));
        let rows = format!(
            r#"<table:table-row>{CELL}</table:table-row><table:table-row table:number-rows-repeated="300000"><table:table-cell/></table:table-row><table:table-row>{CELL}</table:table-row>"#
        );
        assert!(matches!(
            check_ods(&ods_content(&rows)),
            Err(ImportError::TooManyRows { rows: 300_002, .. })
        ));
    }

    #[test]
    fn declared_dimensions_past_the_format_are_refused() {
        let dims = |rf: u32, rl: u32, cf: u16, cl: u16| {
            [
                &rf.to_le_bytes()[..],
                &rl.to_le_bytes(),
                &cf.to_le_bytes(),
                &cl.to_le_bytes(),
                &[0, 0],
            ]
            .concat()
        };
        assert!(dimensions(&dims(0, 65_536, 0, 256)).is_ok());
        assert!(dimensions(&dims(0, 4_000_000_000, 0, 256)).is_err());
        // An end before the start wraps around in calamine.
        assert!(dimensions(&dims(10, 5, 0, 2)).is_err());
    }
}
