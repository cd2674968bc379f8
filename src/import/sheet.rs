//! What a reader hands on: the header row and the data rows, each with the row number the
//! spreadsheet shows, and cells that keep whether Excel stored a number (which may already be
//! damaged) or text.

use serde::{Deserialize, Serialize};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text (every CSV cell; XLSX text cells).
    Text(String),
    /// A number Excel stored as a number: leading zeros and digits past the 15th are gone.
    Number(f64),
    /// A date, time or boolean, already shown as text (`2024-09-01`, `TRUE`).
    Other(String),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    /// Whether the cell holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) | Cell::Other(s) => s.trim_matches(is_space).is_empty(),
            Cell::Number(_) | Cell::Error(_) => false,
        }
    }

    /// The cell as the spreadsheet would show it (integral numbers without `.0`).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Other(s) | Cell::Error(s) => s.clone(),
            Cell::Number(n) => number_text(*n),
        }
    }
}

/// Spaces as spreadsheets hold them: ASCII whitespace, the ideographic space, no-break space.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}' || c == '\u{feff}'
}

/// An Excel number as text: integral values without a fraction or exponent, fractions to the
/// 15 significant digits Excel shows (`0.1 + 0.2` is `0.3`, not `0.30000000000000004`).
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{n:.0}")
    } else if n.is_finite() {
        format!("{n:.14e}").parse::<f64>().unwrap_or(n).to_string()
    } else {
        n.to_string()
    }
}

/// A data row and its number in the spreadsheet (the header is row 1 of a CSV).
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub row: u32,
    pub cells: Vec<Cell>,
}

/// The kind of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SourceFormat {
    Csv,
    /// Any workbook calamine reads: xlsx, xlsm, xlsb, xls, ods.
    Workbook,
}

/// A file read into rows, before any mapping or check.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub format: SourceFormat,
    /// CSV: the encoding it was read in. Workbooks: `None`.
    pub encoding: Option<String>,
    /// Workbooks: the worksheet read (the first one with data).
    pub sheet_name: Option<String>,
    /// The header cells, trimmed (a blank header stays empty).
    pub headers: Vec<String>,
    /// The spreadsheet column of each header (0 = A), for naming headerless columns.
    pub header_row: u32,
    pub first_column: u32,
    /// Data rows that hold at least one non-blank cell.
    pub rows: Vec<SheetRow>,
    /// Rows between the header and the last data row with nothing in them (skipped).
    pub blank_rows: u32,
    /// Some CSV bytes could not be decoded (see `encoding::Decoded::had_errors`).
    pub decode_errors: bool,
}

impl Sheet {
    /// The header of column `i`, or its letter when the header cell is blank.
    pub fn column_name(&self, i: usize) -> String {
        match self.headers.get(i) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("column {}", column_letter(self.first_column + i as u32)),
        }
    }
}

/// `0` → `A`, `26` → `AA`.
pub fn column_letter(mut i: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Splits read rows into the header and the data, dropping and counting blank rows.
pub(crate) fn from_rows(
    format: SourceFormat,
    rows: impl IntoIterator<Item = SheetRow>,
    first_column: u32,
) -> Result<Sheet, super::ImportError> {
    let mut rows = rows.into_iter();
    let header = loop {
        match rows.next() {
            Some(r) if r.cells.iter().all(Cell::is_blank) => continue,
            Some(r) => break r,
            None => return Err(super::ImportError::NoHeader),
        }
    };
    let headers = header
        .cells
        .iter()
        .map(|c| c.display().trim_matches(is_space).to_owned())
        .collect();
    let mut data = Vec::new();
    let mut blank_rows = 0;
    let mut last_row = header.row;
    for r in rows {
        // Rows the reader never produced (empty lines, rows absent from the sheet) count too.
        blank_rows += r.row.saturating_sub(last_row + 1);
        last_row = r.row;
        if r.cells.iter().all(Cell::is_blank) {
            blank_rows += 1;
        } else {
            data.push(r);
        }
    }
    // Blank rows after the last data row are not in the data at all; do not count them.
    let trailing = match data.last() {
        Some(d) => last_row - d.row,
        None => last_row - header.row,
    };
    blank_rows -= trailing.min(blank_rows);
    Ok(Sheet {
        format,
        encoding: None,
        sheet_name: None,
        headers,
        header_row: header.row,
        first_column,
        rows: data,
        blank_rows,
        decode_errors: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_numbers_read_as_a_spreadsheet_shows_them() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1.0 / 3.0), "0.333333333333333");
    }
}
