//! Contact import: CSV (UTF-8 with or without BOM, GBK/GB18030 detected, or a named encoding)
//! and workbooks (xlsx via calamine), with the steps a wizard shows one by one:
//!
//! 1. [`read_file`] → a [`Sheet`] (header row, data rows with the row numbers the spreadsheet
//!    shows, typed cells) and [`Sheet::preview`];
//! 2. [`mapping::suggest`] → a [`ColumnTarget`] per column from Chinese or English headers
//!    (unknown headers become attributes, usable as template variables);
//! 3. [`validate::check`] → contacts to upsert and every [`Problem`] by row and column;
//! 4. the store upserts by external id (`Store::upsert_contacts`), for real or as a dry run,
//!    and [`ImportReport`] tells added / updated / unchanged / rejected; it can be written out.
//!
//! `App::import_contacts` runs them in order. Only a file that cannot be read at all is an
//! [`ImportError`]; anything wrong inside it is a problem in the report. A file that is not a
//! spreadsheet, or is larger than [`limits`] allow, is refused before it is parsed (or as soon
//! as the parse passes a limit), with the reason and the limit named.

pub mod email;
pub mod encoding;
pub mod export;
pub mod limits;
pub mod mapping;
pub mod phone;
pub mod problem;
pub mod report;
pub mod sheet;
pub mod validate;

mod bounds;
mod csv_sheet;
mod error;
mod workbook;

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use error::ImportError;
pub use mapping::{ColumnTarget, Field};
pub use problem::{Problem, ProblemCode, Severity};
pub use report::ImportReport;
pub use sheet::{Cell, Sheet, SourceFormat};

/// How to import a file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ImportOptions {
    /// A CSV's encoding (`utf-8`, `gbk`, `gb18030`…); detected when absent.
    #[ts(optional)]
    pub encoding: Option<String>,
    /// One target per column; suggested from the headers when absent.
    #[ts(optional)]
    pub mapping: Option<Vec<ColumnTarget>>,
    /// Check and count everything, write nothing.
    pub dry_run: bool,
}

/// The first rows of a file and the suggested mapping, for a wizard's first screen.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportPreview {
    pub format: SourceFormat,
    #[ts(optional)]
    pub encoding: Option<String>,
    #[ts(optional)]
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    /// Up to `limit` data rows as the spreadsheet shows them: (row number, cells).
    pub rows: Vec<(u32, Vec<String>)>,
    /// Data rows in all.
    pub total_rows: u32,
    pub suggested: Vec<ColumnTarget>,
}

/// Reads `bytes`: a workbook when they start like one (zip or OLE), CSV otherwise, whatever
/// the file's name says (a workbook renamed `.csv` is still read as a workbook). Bytes that are
/// no spreadsheet (a program, an image, a zip that holds no workbook, text without columns)
/// are refused as [`ImportError::NotSpreadsheet`].
pub fn read_bytes(bytes: &[u8], encoding: Option<&str>) -> Result<Sheet, ImportError> {
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: bytes.len() as u64,
            limit: limits::MAX_FILE_BYTES,
        });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        if !workbook::zip_holds_workbook(bytes) {
            return Err(not_spreadsheet(
                "it is a zip archive with no workbook in it (a Word document or another archive?)",
            ));
        }
        workbook::read(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        workbook::read(bytes)
    } else {
        csv_sheet::read(bytes, encoding)
    }
}

/// A refusal whose file the caller names ([`ImportError::for_file`]).
pub(crate) fn not_spreadsheet(reason: &str) -> ImportError {
    ImportError::NotSpreadsheet {
        file: "the file".into(),
        reason: reason.into(),
    }
}

/// Reads the file at `path` (see [`read_bytes`]). A missing file, a folder, a device and an
/// unreadable file are each refused with their own error; so is a file larger than
/// [`limits::MAX_FILE_BYTES`], before it is read.
pub fn read_file(path: &Path, encoding: Option<&str>) -> Result<Sheet, ImportError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => ImportError::NotFound { path: shown.clone() },
        std::io::ErrorKind::IsADirectory => ImportError::IsDirectory { path: shown.clone() },
        _ => ImportError::Io {
            path: shown.clone(),
            source,
        },
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ImportError::IsDirectory { path: shown });
    }
    if !meta.is_file() || crate::files::is_special(path) {
        return Err(not_spreadsheet("it is a system or device file, or a pipe, not a document").for_file(&shown));
    }
    if meta.len() > limits::MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: meta.len(),
            limit: limits::MAX_FILE_BYTES,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // At most one byte past the limit, should the file grow after the check.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    read_bytes(&bytes, encoding).map_err(|e| e.for_file(&shown))
}

impl Sheet {
    /// The header, the first `limit` rows and the suggested mapping.
    pub fn preview(&self, limit: usize) -> ImportPreview {
        ImportPreview {
            format: self.format,
            encoding: self.encoding.clone(),
            sheet: self.sheet_name.clone(),
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .take(limit)
                .map(|r| (r.row, r.cells.iter().map(Cell::display).collect()))
                .collect(),
            total_rows: self.rows.len() as u32,
            suggested: mapping::suggest(&self.headers),
        }
    }

    /// The mapping to use: the caller's (checked) or the suggested one.
    pub fn mapping(&self, given: Option<Vec<ColumnTarget>>) -> Result<Vec<ColumnTarget>, ImportError> {
        let suggested = given.is_none();
        let m = given.unwrap_or_else(|| mapping::suggest(&self.headers));
        match mapping::check(&m, self.headers.len()) {
            Err(ImportError::Mapping(msg)) => {
                let mut msg = msg;
                // A title row above the headers ("2024级学生名单") is common: name the real one.
                if let Some(row) = self.header_below().filter(|_| suggested) {
                    msg.push_str(&format!(
                        "; row {row} looks like the header row: delete the rows above it"
                    ));
                } else if self.decode_errors {
                    msg.push_str(&format!(
                        "; the headers did not decode cleanly as {}: is the encoding right?",
                        self.encoding.as_deref().unwrap_or("?")
                    ));
                }
                Err(ImportError::Mapping(msg))
            }
            Err(e) => Err(e),
            Ok(()) => Ok(m),
        }
    }
}

impl Sheet {
    /// The first of the next few rows whose cells read as headers with a name column.
    fn header_below(&self) -> Option<u32> {
        self.rows.iter().take(5).find_map(|r| {
            let cells: Vec<String> = r.cells.iter().map(|c| c.display().trim().to_owned()).collect();
            mapping::suggest(&cells)
                .contains(&ColumnTarget::Field(Field::Name))
                .then_some(r.row)
        })
    }
}

#[cfg(test)]
mod tests;
