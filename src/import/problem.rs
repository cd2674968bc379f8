//! One problem found in a file: where (row as the spreadsheet shows it, column header), which
//! field, the value (shown safely), a stable code and a message for people.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a problem does to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Severity {
    /// The row is not imported.
    Error,
    /// The row is imported; something in it deserves a look.
    Warning,
}

/// Stable problem codes (UIs map them to their own text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProblemCode {
    /// No name: every contact needs one.
    NameMissing,
    EmailInvalid,
    MobileInvalid,
    /// A valid number that is not a mobile (a landline cannot receive SMS).
    MobileNotMobile,
    /// Text such as `1.38001E+10`: Excel turned the value into a number and rounded it.
    ExcelFloat,
    /// A number cell with more than 15 digits in any column, or a fraction in an id or phone
    /// column: Excel has already lost digits.
    PrecisionLost,
    /// A number cell in an id column (an id field, or a column whose header or 0-led values
    /// show it holds ids) where ids begin with 0 or are longer: leading zeros were lost.
    LeadingZerosLost,
    /// A number cell in a phone column that is not a mobile once read as digits.
    PhoneStoredAsNumber,
    /// Some cells of an id column are numbers (reported once, on the header row).
    IdsStoredAsNumbers,
    /// The same external id on several rows: none of them is imported.
    DuplicateId,
    /// An Excel error value (`#N/A`, `#REF!`) in an imported column.
    CellError,
    /// Bytes that are not valid in the file's encoding.
    EncodingDamage,
    /// A receiving method Herald does not know (the others in the cell are kept).
    UnknownChannel,
    /// Cells beyond the last header (not imported).
    ExtraCells,
    /// A column without a header holds data (not imported).
    UnnamedColumn,
    /// An extra column's header cannot be written as a template variable (`{{ 备注(1) }}`) or
    /// is hidden by a standard one (`name`); its values are kept all the same.
    AttributeNotVariable,
}

impl ProblemCode {
    /// Whether the problem rejects its row. Only doubts that leave the value intact (and
    /// cells that are not imported anyway) are warnings.
    pub fn severity(self) -> Severity {
        match self {
            ProblemCode::IdsStoredAsNumbers
            | ProblemCode::UnknownChannel
            | ProblemCode::ExtraCells
            | ProblemCode::UnnamedColumn
            | ProblemCode::AttributeNotVariable => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The code as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::NameMissing => "name_missing",
            ProblemCode::EmailInvalid => "email_invalid",
            ProblemCode::MobileInvalid => "mobile_invalid",
            ProblemCode::MobileNotMobile => "mobile_not_mobile",
            ProblemCode::ExcelFloat => "excel_float",
            ProblemCode::PrecisionLost => "precision_lost",
            ProblemCode::LeadingZerosLost => "leading_zeros_lost",
            ProblemCode::PhoneStoredAsNumber => "phone_stored_as_number",
            ProblemCode::IdsStoredAsNumbers => "ids_stored_as_numbers",
            ProblemCode::DuplicateId => "duplicate_id",
            ProblemCode::CellError => "cell_error",
            ProblemCode::EncodingDamage => "encoding_damage",
            ProblemCode::UnknownChannel => "unknown_channel",
            ProblemCode::ExtraCells => "extra_cells",
            ProblemCode::UnnamedColumn => "unnamed_column",
            ProblemCode::AttributeNotVariable => "attribute_not_variable",
        }
    }
}

/// A problem in one cell (or row, or column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Problem {
    /// The row number the spreadsheet shows (the header is row 1).
    pub row: u32,
    /// The column's header (or `column F` when it has none).
    pub column: String,
    /// The Herald field the column feeds (`email`, `external_id`…), if any.
    #[ts(optional)]
    pub field: Option<String>,
    /// The cell as found, with control characters escaped and long values cut.
    pub value: String,
    pub code: ProblemCode,
    pub severity: Severity,
    /// What is wrong and what to do, in English (UIs translate by `code`).
    pub message: String,
}

/// A cell value safe to print on one line: control characters escaped, at most 80 characters.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c) => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_on_one_line() {
        assert_eq!(shown("a\nb\u{7}"), "a\\nb\\u{7}");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 81);
    }
}
