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
//! [`ImportError`]; anything wrong inside it is a problem in the report.

pub mod email;
pub mod encoding;
pub mod export;
pub mod mapping;
pub mod phone;
pub mod problem;
pub mod report;
pub mod sheet;
pub mod validate;

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
/// the file's name says (a workbook renamed `.csv` is still read as a workbook).
pub fn read_bytes(bytes: &[u8], encoding: Option<&str>) -> Result<Sheet, ImportError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        workbook::read(bytes)
    } else {
        csv_sheet::read(bytes, encoding)
    }
}

/// The largest file an import reads: 50,000 contacts are a few megabytes even as XLSX.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the file at `path` (see [`read_bytes`]): a regular file of at most
/// [`MAX_FILE_BYTES`], not a system or device file.
pub fn read_file(path: &Path, encoding: Option<&str>) -> Result<Sheet, ImportError> {
    let bytes = crate::files::read_regular(path, MAX_FILE_BYTES).map_err(|source| ImportError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_bytes(&bytes, encoding)
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
