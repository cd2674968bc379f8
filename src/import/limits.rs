//! How much of a file Herald reads, so that no file can exhaust the memory or the time of the
//! desktop app (whose dispatcher runs in the same process). Each limit is well above a real
//! contact list (ARCHITECTURE.md, "Importing contacts"): a university's whole roll of
//! students and staff is some tens of thousands of rows and a few dozen columns.

/// The largest file read, in bytes: a 200,000-row list with twenty columns is about 30 MB of
/// CSV and less as XLSX.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// The most rows a sheet may span (header and blank rows included): several universities'
/// students and staff at once.
pub const MAX_ROWS: u32 = 200_000;

/// The most columns a sheet may span (from its first used column to its last).
pub const MAX_COLUMNS: u32 = 200;

/// The most cells (rows × columns of the used range) a sheet may hold: 200,000 rows of 25
/// columns, or 25,000 rows of 200. Bounds the memory of the sheet held for checking (some
/// 60 bytes a cell).
pub const MAX_CELLS: u64 = 5_000_000;

/// The longest cell, in characters: Excel's own limit, so no cell Excel wrote is refused.
pub const MAX_CELL_CHARS: usize = 32_767;

/// The most bytes a workbook's parts may unpack to, as the zip declares them: a compressed
/// workbook can unpack to gigabytes of XML from a small file.
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;

/// The most bytes a workbook's shared strings may unpack to: calamine holds them all while the
/// sheet is read. A 200,000-row list with a few columns of distinct text needs some 40 MB.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;

/// `52_428_800` → `50 MB`; `1_500_000` → `1.4 MB`; below 1 MB in KB.
pub fn size_text(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let mb = bytes as f64 / MB;
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else if mb < 10.0 && mb.fract() != 0.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{} MB", mb.round() as u64)
    }
}

/// `bytes` as [`size_text`], rounded up to a tenth of a MB when it would read as the limit
/// it passed (`50.1 MB`, not `50 MB`).
pub fn size_over(bytes: u64, limit: u64) -> String {
    let size = size_text(bytes);
    if bytes > limit && size == size_text(limit) {
        let tenths = (bytes as f64 / (1024.0 * 1024.0) * 10.0).ceil() / 10.0;
        format!("{tenths:.1} MB")
    } else {
        size
    }
}

/// Grows the used range of a sheet cell by cell, refusing as soon as it passes a limit, so
/// that a sheet declaring cells at A1 and XFD1048576 is refused before anything is allocated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extent {
    first_row: u32,
    last_row: u32,
    first_col: u32,
    last_col: u32,
}

impl Extent {
    pub fn new(row: u32, col: u32) -> Extent {
        Extent {
            first_row: row,
            last_row: row,
            first_col: col,
            last_col: col,
        }
    }

    /// Takes in a cell at (`row`, `col`), 0-based; an error names the limit passed.
    pub fn add(&mut self, row: u32, col: u32) -> Result<(), super::ImportError> {
        self.first_row = self.first_row.min(row);
        self.last_row = self.last_row.max(row);
        self.first_col = self.first_col.min(col);
        self.last_col = self.last_col.max(col);
        self.check()
    }

    pub fn rows(&self) -> u32 {
        self.last_row - self.first_row + 1
    }

    pub fn columns(&self) -> u32 {
        self.last_col - self.first_col + 1
    }

    pub fn first_col(&self) -> u32 {
        self.first_col
    }

    pub fn check(&self) -> Result<(), super::ImportError> {
        check_shape(u64::from(self.rows()), u64::from(self.columns()))
    }
}

/// Refuses a sheet of `rows` × `columns` beyond the limits.
pub(crate) fn check_shape(rows: u64, columns: u64) -> Result<(), super::ImportError> {
    use super::ImportError;
    if columns > u64::from(MAX_COLUMNS) {
        return Err(ImportError::TooManyColumns {
            columns,
            limit: MAX_COLUMNS,
        });
    }
    if rows > u64::from(MAX_ROWS) {
        return Err(ImportError::TooManyRows { rows, limit: MAX_ROWS });
    }
    if rows.saturating_mul(columns) > MAX_CELLS {
        return Err(ImportError::TooManyCells {
            cells: rows.saturating_mul(columns),
            limit: MAX_CELLS,
        });
    }
    Ok(())
}

/// Refuses a cell longer than [`MAX_CELL_CHARS`]; `row` is the spreadsheet's (1-based), `col`
/// 0-based. Only a cell of more bytes than that is counted.
pub(crate) fn check_cell(text: &str, row: u32, col: u32) -> Result<(), super::ImportError> {
    if text.len() > MAX_CELL_CHARS {
        let chars = text.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(super::ImportError::CellTooLong {
                row,
                column: super::sheet::column_letter(col),
                chars,
                limit: MAX_CELL_CHARS,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::ImportError;
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(MAX_FILE_BYTES), "50 MB");
        assert_eq!(size_text(80 * 1024 * 1024), "80 MB");
        assert_eq!(size_text(1_500_000), "1.4 MB");
        assert_eq!(size_text(1_660), "2 KB");
        assert_eq!(size_over(MAX_FILE_BYTES + 1, MAX_FILE_BYTES), "50.1 MB");
        assert_eq!(size_over(80 * 1024 * 1024, MAX_FILE_BYTES), "80 MB");
    }

    #[test]
    fn a_far_cell_is_refused_before_anything_is_allocated() {
        let mut e = Extent::new(0, 0);
        assert!(e.add(1, 5).is_ok());
        assert!(matches!(
            e.add(1_048_575, 16_383),
            Err(ImportError::TooManyColumns { columns: 16_384, .. })
        ));
        let mut e = Extent::new(0, 0);
        assert!(matches!(
            e.add(MAX_ROWS, 0),
            Err(ImportError::TooManyRows { rows, .. }) if rows == u64::from(MAX_ROWS) + 1
        ));
        let mut e = Extent::new(0, 0);
        assert!(e.add(MAX_ROWS - 1, 24).is_ok(), "200,000 × 25 is a real list");
        assert!(matches!(e.add(0, 30), Err(ImportError::TooManyCells { .. })));
    }

    #[test]
    fn a_cell_longer_than_excel_allows_is_refused_with_its_place() {
        assert!(
            check_cell(&"字".repeat(MAX_CELL_CHARS), 5, 0).is_ok(),
            "characters, not bytes"
        );
        let err = check_cell(&"x".repeat(MAX_CELL_CHARS + 1), 5, 2).unwrap_err();
        assert!(matches!(&err, ImportError::CellTooLong { row: 5, column, .. } if column == "C"));
        assert!(err.to_string().contains("32767"), "{err}");
    }
}
