//! Why a file could not be read at all. Problems with single rows or cells are not errors:
//! they go into the report ([`super::Problem`]) and the rest of the file is imported.

use thiserror::Error;

/// A file Herald cannot import (nothing of it was imported).
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `--encoding` named no encoding Herald knows.
    #[error("unknown encoding {label:?}: use utf-8, gb18030 (also read as gbk) or another WHATWG label")]
    UnknownEncoding { label: String },
    /// The workbook is damaged or not a spreadsheet calamine can open.
    #[error("cannot open the workbook: {0}")]
    Workbook(String),
    /// The workbook has no worksheet with any cell.
    #[error("the workbook has no worksheet with data")]
    NoSheet,
    /// The CSV text breaks the format beyond a single row (e.g. an unterminated quote).
    #[error("row {row}: cannot read the CSV: {message}")]
    Csv { row: u32, message: String },
    /// No header row: the file is empty or has only blank rows.
    #[error("the file has no header row (it is empty or every row is blank)")]
    NoHeader,
    /// A mapping given by the caller cannot be applied.
    #[error("column mapping: {0}")]
    Mapping(String),
    /// Writing the report or an export failed.
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
}

impl ImportError {
    /// A short, stable code for UIs.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Io { .. } => "import_io",
            ImportError::UnknownEncoding { .. } => "import_unknown_encoding",
            ImportError::Workbook(_) => "import_workbook",
            ImportError::NoSheet => "import_no_sheet",
            ImportError::Csv { .. } => "import_csv",
            ImportError::NoHeader => "import_no_header",
            ImportError::Mapping(_) => "import_mapping",
            ImportError::Write { .. } => "import_write",
        }
    }
}
