//! Why a file could not be read at all. Problems with single rows or cells are not errors:
//! they go into the report ([`super::Problem`]) and the rest of the file is imported.

use thiserror::Error;

use super::limits::{size_over, size_text};

/// A file Herald cannot import (nothing of it was imported).
#[derive(Debug, Error)]
pub enum ImportError {
    /// Nothing at that path.
    #[error("cannot find the file {path}")]
    NotFound { path: String },
    /// The path is a folder.
    #[error("{path} is a folder, not a file: choose the spreadsheet inside it")]
    IsDirectory { path: String },
    /// The file is there but could not be opened or read (permissions, a device…).
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a spreadsheet: a program, an image, a document, text without columns.
    #[error("{file} is not a spreadsheet: {reason}; save the list as .xlsx or .csv")]
    NotSpreadsheet { file: String, reason: String },
    /// The file is larger than [`super::limits::MAX_FILE_BYTES`].
    #[error("the file is {size}; Herald imports files up to {max}: split it", size = size_over(*bytes, *limit), max = size_text(*limit))]
    TooLarge { bytes: u64, limit: u64 },
    /// A workbook's parts unpack to more than [`super::limits::MAX_UNPACKED_BYTES`].
    #[error("the workbook unpacks to {size}; Herald reads workbooks that unpack to up to {max}: split it", size = size_over(*bytes, *limit), max = size_text(*limit))]
    TooLargeUnpacked { bytes: u64, limit: u64 },
    /// The sheet spans more rows than [`super::limits::MAX_ROWS`].
    #[error("the sheet spans {rows} rows; Herald imports up to {limit} rows: split it")]
    TooManyRows { rows: u64, limit: u32 },
    /// The sheet spans more columns than [`super::limits::MAX_COLUMNS`].
    #[error(
        "the sheet spans {columns} columns; Herald imports up to {limit} columns: delete the columns you do not need"
    )]
    TooManyColumns { columns: u64, limit: u32 },
    /// Rows × columns beyond [`super::limits::MAX_CELLS`].
    #[error("the sheet spans {cells} cells (rows × columns); Herald imports up to {limit}: split it or delete the columns you do not need")]
    TooManyCells { cells: u64, limit: u64 },
    /// One cell longer than [`super::limits::MAX_CELL_CHARS`].
    #[error("row {row}, column {column}: the cell holds {chars} characters; Herald reads cells of up to {limit} (as Excel does)")]
    CellTooLong {
        row: u32,
        column: String,
        chars: usize,
        limit: usize,
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
    /// The reader stopped without an answer (a bug: it is reported, the app goes on).
    #[error("reading the file stopped unexpectedly: {0}")]
    Interrupted(String),
}

impl ImportError {
    /// A short, stable code for UIs.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::NotFound { .. } => "import_not_found",
            ImportError::IsDirectory { .. } => "import_is_directory",
            ImportError::Io { .. } => "import_io",
            ImportError::NotSpreadsheet { .. } => "import_not_spreadsheet",
            ImportError::TooLarge { .. } => "import_too_large",
            ImportError::TooLargeUnpacked { .. } => "import_too_large_unpacked",
            ImportError::TooManyRows { .. } => "import_too_many_rows",
            ImportError::TooManyColumns { .. } => "import_too_many_columns",
            ImportError::TooManyCells { .. } => "import_too_many_cells",
            ImportError::CellTooLong { .. } => "import_cell_too_long",
            ImportError::UnknownEncoding { .. } => "import_unknown_encoding",
            ImportError::Workbook(_) => "import_workbook",
            ImportError::NoSheet => "import_no_sheet",
            ImportError::Csv { .. } => "import_csv",
            ImportError::NoHeader => "import_no_header",
            ImportError::Mapping(_) => "import_mapping",
            ImportError::Write { .. } => "import_write",
            ImportError::Interrupted(_) => "import_interrupted",
        }
    }

    /// The values a UI fills into its own text for [`Self::code`] (`size`, `limit`, `row`…);
    /// the file's name is the caller's to add.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            ImportError::NotSpreadsheet { reason, .. } => vec![("reason", reason.clone())],
            ImportError::Io { source, .. } => vec![("reason", source.to_string())],
            ImportError::TooLarge { bytes, limit } | ImportError::TooLargeUnpacked { bytes, limit } => {
                vec![("size", size_over(*bytes, *limit)), ("limit", size_text(*limit))]
            }
            ImportError::TooManyRows { rows, limit } => vec![("rows", rows.to_string()), ("limit", limit.to_string())],
            ImportError::TooManyColumns { columns, limit } => {
                vec![("columns", columns.to_string()), ("limit", limit.to_string())]
            }
            ImportError::TooManyCells { cells, limit } => {
                vec![("cells", cells.to_string()), ("limit", limit.to_string())]
            }
            ImportError::CellTooLong {
                row,
                column,
                chars,
                limit,
            } => vec![
                ("row", row.to_string()),
                ("column", column.clone()),
                ("chars", chars.to_string()),
                ("limit", limit.to_string()),
            ],
            _ => Vec::new(),
        }
    }

    /// Names the file in a refusal made before its name was known.
    pub(crate) fn for_file(self, name: &str) -> ImportError {
        match self {
            ImportError::NotSpreadsheet { reason, .. } => ImportError::NotSpreadsheet {
                file: name.to_owned(),
                reason,
            },
            e => e,
        }
    }
}
