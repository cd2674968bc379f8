//! Rows → contacts to upsert, and every problem found, by row and column. Invalid rows are
//! reported and left out; they never stop the rest.
//!
//! Decisions (ARCHITECTURE.md, "Importing contacts"):
//! - **Numbers in id columns** (XLSX): more than 15 digits or a fraction → rejected, the digits
//!   are already gone. Up to 15 digits → rejected as "leading zeros lost" when the column shows
//!   that ids may start with 0 (a text id in it does) or the number is shorter than the
//!   column's usual id length; otherwise accepted, with one warning on the header row naming
//!   how many cells were numbers (per-row warnings would bury the real problems).
//! - **Numbers in phone columns**: accepted only when their digits are a valid mobile (an
//!   11-digit CN mobile starts with 1, so Excel cannot have dropped a zero); anything else is
//!   "re-enter as text".
//! - **Inexact numbers in any column** (attributes too): an integer of 16 or more digits is
//!   rejected as "precision lost" (Excel keeps 15 significant digits, so an 18-digit 身份证号
//!   typed into a number cell is already wrong in the file). An attribute column is judged as
//!   an id column (above) when its header names an id or number (身份证, 证件, 卡号, 账号,
//!   编号, 号码, 电话, id, no, number…) or some of its text values are digits that begin with 0.
//!   A rejected value rejects its row, as in id columns: storing the row without it would
//!   clear the attribute of an existing contact. Fractions are shown as Excel shows them (15
//!   significant digits).
//! - **Duplicate external ids**: every row with that id is rejected, naming the others. Either
//!   row may be the newer one; importing one would be a guess, and the next import of the
//!   same file would flip the contact back and forth.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::email::normalise_email;
use super::mapping::{ColumnTarget, Field};
use super::phone::{half_width, looks_like_excel_float, normalise_mobile, PhoneProblem};
use super::problem::{shown, Problem, ProblemCode};
use super::sheet::{is_space, number_text, Cell, Sheet};
use crate::model::ContactUpsert;

/// The outcome of checking a sheet.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Rows to upsert, with their spreadsheet row numbers.
    pub rows: Vec<(u32, ContactUpsert)>,
    /// Rows left out because of an error.
    pub rejected: u32,
    /// Every problem, in row order.
    pub problems: Vec<Problem>,
}

struct Ctx<'a> {
    sheet: &'a Sheet,
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn problem(&mut self, row: u32, col: usize, field: Option<Field>, value: &str, code: ProblemCode, message: String) {
        self.problems.push(Problem {
            row,
            column: self.sheet.column_name(col),
            field: field.map(|f| f.as_str().to_owned()),
            value: shown(value),
            code,
            severity: code.severity(),
            message,
        });
    }
}

/// What the file says about one id column, for judging number cells in it.
#[derive(Debug, Default, Clone, Copy)]
struct IdColumn {
    /// Some text id starts with `0`.
    zero_led: bool,
    /// Some text value is two or more digits starting with `0` (what makes any column an id
    /// column).
    zero_led_digits: bool,
    /// The most common length of all-digit ids.
    usual_len: usize,
}

/// Words in a header that name an identifier or a number written with digits (compared after
/// `normalise_header`): such a column's values are ids, whatever field it feeds.
const ID_WORDS: &[&str] = &[
    "身份证",
    "证件",
    "卡号",
    "账号",
    "帐号",
    "编号",
    "号码",
    "学号",
    "工号",
    "电话",
    "手机",
    "qq",
];

/// Whether a header names an id or number: [`ID_WORDS`], or English ending in `id`, `no`,
/// `number` or `phone` (`Student ID`, `Card No.`, `ID number`).
fn id_like_header(header: &str) -> bool {
    let h = super::mapping::normalise_header(header);
    ID_WORDS.iter().any(|w| h.contains(w))
        || ["id", "no", "number", "num", "phone", "tel", "mobile"]
            .iter()
            .any(|w| h.ends_with(w))
        || h.starts_with("id")
}

fn id_column(sheet: &Sheet, col: usize) -> IdColumn {
    let mut lens: HashMap<usize, u32> = HashMap::new();
    let mut info = IdColumn::default();
    for r in &sheet.rows {
        let digits = match r.cells.get(col) {
            Some(Cell::Text(t)) => {
                let t = t.trim_matches(is_space);
                info.zero_led |= t.starts_with('0');
                let all_digits = t.chars().all(|c| c.is_ascii_digit());
                info.zero_led_digits |= all_digits && t.len() > 1 && t.starts_with('0');
                all_digits.then_some(t.len())
            }
            Some(Cell::Number(n)) if n.fract() == 0.0 && n.abs() < 1e15 => Some(number_text(*n).len()),
            _ => None,
        };
        if let Some(len) = digits.filter(|l| *l > 0) {
            *lens.entry(len).or_default() += 1;
        }
    }
    info.usual_len = lens
        .into_iter()
        .max_by_key(|(len, n)| (*n, *len))
        .map_or(0, |(len, _)| len);
    info
}

/// Checks every row of `sheet` under `mapping` (one target per column; see `mapping::check`).
pub fn check(sheet: &Sheet, mapping: &[ColumnTarget]) -> Checked {
    let mut ctx = Ctx {
        sheet,
        problems: Vec::new(),
    };
    // Id fields, and the attribute columns that hold ids (see the module's notes).
    let id_columns: HashMap<usize, IdColumn> = mapping
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            ColumnTarget::Field(f) if f.is_identifier() => Some((i, id_column(sheet, i))),
            ColumnTarget::Attribute(_) => {
                let info = id_column(sheet, i);
                (info.zero_led_digits || id_like_header(&sheet.column_name(i))).then_some((i, info))
            }
            _ => None,
        })
        .collect();
    column_warnings(&mut ctx, mapping);

    let mut out = Checked::default();
    let mut by_id: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut ok_rows: Vec<(u32, ContactUpsert)> = Vec::new();
    let mut id_numbers: BTreeMap<usize, u32> = BTreeMap::new();
    for r in &sheet.rows {
        let mut rec = ContactUpsert::default();
        let mut failed = false;
        let mut name_failed = false;
        let mut name_col = None;
        for (col, target) in mapping.iter().enumerate() {
            let cell = r.cells.get(col).unwrap_or(&Cell::Empty);
            let field = match target {
                ColumnTarget::Ignore => continue,
                ColumnTarget::Field(f) => Some(*f),
                ColumnTarget::Attribute(_) => None,
            };
            if field == Some(Field::Name) {
                name_col = Some(col);
            }
            let value = match plain_value(&mut ctx, r.row, col, field, cell) {
                Ok(v) => v,
                Err(()) => {
                    failed = true;
                    name_failed |= field == Some(Field::Name);
                    continue;
                }
            };
            let value = match field {
                None => match attribute_value(&mut ctx, r.row, col, cell, value, id_columns.get(&col)) {
                    Ok(v) => v,
                    Err(()) => {
                        failed = true;
                        continue;
                    }
                },
                Some(f) => match field_value(&mut ctx, r.row, col, f, cell, value, id_columns.get(&col)) {
                    Ok(v) => v,
                    Err(()) => {
                        failed = true;
                        continue;
                    }
                },
            };
            if matches!(cell, Cell::Number(_)) && id_columns.contains_key(&col) {
                *id_numbers.entry(col).or_default() += 1;
            }
            match target {
                ColumnTarget::Attribute(name) => rec.attributes.push((name.clone(), value)),
                ColumnTarget::Field(f) => put(&mut ctx, r.row, col, &mut rec, *f, value),
                ColumnTarget::Ignore => {}
            }
        }
        extra_cells(&mut ctx, r.row, &r.cells, mapping.len());
        // Named even when the row already failed, so one pass over the report fixes it all.
        if rec.name.is_empty() && !name_failed {
            let col = name_col.unwrap_or(0);
            ctx.problem(
                r.row,
                col,
                Some(Field::Name),
                "",
                ProblemCode::NameMissing,
                "the name is empty; every contact needs one".into(),
            );
            failed = true;
        }
        if let Some(id) = &rec.external_id {
            by_id.entry(id.clone()).or_default().push(r.row);
        }
        if failed {
            out.rejected += 1;
        } else {
            ok_rows.push((r.row, rec));
        }
    }

    // Duplicates: found over every row, rejected or not, and named on each of them.
    let id_col = mapping
        .iter()
        .position(|t| *t == ColumnTarget::Field(Field::ExternalId));
    let mut dropped: HashSet<u32> = HashSet::new();
    for (id, rows) in by_id.iter().filter(|(_, rows)| rows.len() > 1) {
        for &row in rows {
            // A few of the other rows, so a sheet with one id on every row stays readable.
            let mut others: Vec<String> = rows.iter().filter(|x| **x != row).take(5).map(u32::to_string).collect();
            if rows.len() - 1 > others.len() {
                others.push(format!("and {} more", rows.len() - 1 - others.len()));
            }
            ctx.problem(
                row,
                id_col.unwrap_or(0),
                Some(Field::ExternalId),
                id,
                ProblemCode::DuplicateId,
                format!(
                    "the same id is also on row {}; none of these rows is imported until the id appears once",
                    others.join(", ")
                ),
            );
            dropped.insert(row);
        }
    }
    if !dropped.is_empty() {
        let before = ok_rows.len();
        ok_rows.retain(|(row, _)| !dropped.contains(row));
        out.rejected += (before - ok_rows.len()) as u32;
    }
    for (col, n) in id_numbers {
        ctx.problem(
            sheet.header_row,
            col,
            mapping_field(mapping, col),
            "",
            ProblemCode::IdsStoredAsNumbers,
            format!("{n} cells of this column are numbers in Excel, not text; they were imported as shown, but an id that began with 0 would have lost it: check them, or format the column as text and enter them again"),
        );
    }
    out.rows = ok_rows;
    out.problems = ctx.problems;
    // Row order, then column order as found; the header-row warnings come first.
    out.problems.sort_by_key(|p| p.row);
    out
}

fn mapping_field(mapping: &[ColumnTarget], col: usize) -> Option<Field> {
    match mapping.get(col) {
        Some(ColumnTarget::Field(f)) => Some(*f),
        _ => None,
    }
}

/// Whether templates can name an attribute: an identifier (letters of any script, digits,
/// `_`; not starting with a digit) that no standard variable or its Chinese name (`日期`)
/// hides.
fn usable_as_variable(name: &str) -> bool {
    crate::compose::variables::is_identifier(name) && !crate::compose::variables::is_reserved(name)
}

/// Header-row warnings: a column without a header that holds data is not imported; an
/// attribute templates cannot name is kept but said so.
fn column_warnings(ctx: &mut Ctx<'_>, mapping: &[ColumnTarget]) {
    let sheet = ctx.sheet;
    for (col, target) in mapping.iter().enumerate() {
        if let ColumnTarget::Attribute(name) = target {
            if !usable_as_variable(name) {
                ctx.problem(
                    sheet.header_row,
                    col,
                    None,
                    name,
                    ProblemCode::AttributeNotVariable,
                    format!("the values are kept as the attribute \"{name}\", but a template cannot use it as a variable; to use it in notices, name the column with letters, digits and _ only, not a standard field"),
                );
            }
        }
        let unnamed = sheet.headers.get(col).is_none_or(|h| h.is_empty());
        if unnamed && *target == ColumnTarget::Ignore {
            let filled = sheet
                .rows
                .iter()
                .filter(|r| r.cells.get(col).is_some_and(|c| !c.is_blank()))
                .count();
            if filled > 0 {
                ctx.problem(
                    sheet.header_row,
                    col,
                    None,
                    "",
                    ProblemCode::UnnamedColumn,
                    format!("this column has no header, so its {filled} values are not imported; give it a header to keep them"),
                );
            }
        }
    }
}

/// Cells past the last header: reported, since they would otherwise vanish.
fn extra_cells(ctx: &mut Ctx<'_>, row: u32, cells: &[Cell], columns: usize) {
    for (col, c) in cells.iter().enumerate().skip(columns) {
        if !c.is_blank() {
            ctx.problem(
                row,
                col,
                None,
                &c.display(),
                ProblemCode::ExtraCells,
                "this cell is beyond the last column with a header and is not imported (a stray comma?)".into(),
            );
        }
    }
}

/// The cell's text, trimmed (`None` when blank); Excel errors and undecodable bytes refused.
fn plain_value(
    ctx: &mut Ctx<'_>,
    row: u32,
    col: usize,
    field: Option<Field>,
    cell: &Cell,
) -> Result<Option<String>, ()> {
    match cell {
        Cell::Error(e) => {
            ctx.problem(
                row,
                col,
                field,
                e,
                ProblemCode::CellError,
                "the cell holds an Excel error; fix the formula or type the value".into(),
            );
            Err(())
        }
        Cell::Text(t) if t.contains('\u{fffd}') => {
            ctx.problem(
                row,
                col,
                field,
                t,
                ProblemCode::EncodingDamage,
                "some characters could not be read in the file's encoding; save the file as UTF-8 or choose its encoding".into(),
            );
            Err(())
        }
        c if c.is_blank() => Ok(None),
        c => Ok(Some(c.display().trim_matches(is_space).to_owned())),
    }
}

const RETYPE: &str = "re-enter the column as text (in Excel: format the cells as Text, then type the values again)";

/// Why a number cell cannot hold the value that was typed, if it cannot: an integer of 16 or
/// more digits (Excel keeps 15 significant digits; past 2^53 a double cannot hold every
/// integer either), or a fraction in a column of ids or phone numbers (`digits_column`), where
/// it can only be a damaged id. One check for fields and attributes, so both say the same.
fn inexact_number(n: f64, digits_column: bool) -> Option<String> {
    if n.fract() == 0.0 && n.abs() >= 1e15 {
        Some(format!("Excel stored this as a number and kept only its first 15 digits, so the value in the file is already wrong; {RETYPE}"))
    } else if digits_column && n.fract() != 0.0 {
        Some(format!(
            "this column holds ids or numbers written with digits, and Excel stored this one as a fraction; {RETYPE}"
        ))
    } else {
        None
    }
}

/// An attribute's value: kept as the cell shows it, unless it is a number that cannot be
/// exact (too many digits, or an id column's number whose leading zeros may be gone).
fn attribute_value(
    ctx: &mut Ctx<'_>,
    row: u32,
    col: usize,
    cell: &Cell,
    value: Option<String>,
    id_info: Option<&IdColumn>,
) -> Result<Option<String>, ()> {
    let Some(value) = value else {
        return Ok(None);
    };
    let mut fail = |code, message: String| {
        ctx.problem(row, col, None, &value, code, message);
        Err(())
    };
    if let Cell::Number(n) = cell {
        if let Some(message) = inexact_number(*n, id_info.is_some()) {
            return fail(ProblemCode::PrecisionLost, message);
        }
    }
    match (cell, id_info) {
        (Cell::Number(_), Some(info)) if info.zero_led_digits || value.len() < info.usual_len => fail(
            ProblemCode::LeadingZerosLost,
            format!("Excel stored this value as a number, and values in this column can begin with 0 or are longer, so its leading zeros are probably lost; {RETYPE}"),
        ),
        (Cell::Text(_), Some(_)) if looks_like_excel_float(&value) => fail(
            ProblemCode::ExcelFloat,
            format!("Excel turned this value into a number and shows it rounded; the digits cannot be recovered: {RETYPE}"),
        ),
        _ => Ok(Some(value)),
    }
}

/// A field's value checked and normalised.
fn field_value(
    ctx: &mut Ctx<'_>,
    row: u32,
    col: usize,
    field: Field,
    cell: &Cell,
    value: Option<String>,
    id_info: Option<&IdColumn>,
) -> Result<Option<String>, ()> {
    let Some(value) = value else {
        return Ok(None);
    };
    let mut fail = |code, message: &str| {
        ctx.problem(row, col, Some(field), &value, code, message.to_owned());
        Err(())
    };
    if let Cell::Number(n) = cell {
        if let Some(message) = inexact_number(*n, field.is_identifier() || field == Field::Mobile) {
            return fail(ProblemCode::PrecisionLost, &message);
        }
        if field.is_identifier() {
            let info = id_info.copied().unwrap_or_default();
            if info.zero_led || value.len() < info.usual_len {
                return fail(
                    ProblemCode::LeadingZerosLost,
                    &format!("Excel stored this id as a number, and ids in this column can begin with 0 or are longer, so its leading zeros are probably lost; {RETYPE}"),
                );
            }
        }
        if field == Field::Mobile {
            return match normalise_mobile(&value) {
                Ok(m) => Ok(Some(m)),
                Err(_) => fail(
                    ProblemCode::PhoneStoredAsNumber,
                    &format!("Excel stored this phone number as a number and it is not a valid mobile as it stands (a leading 0 or + may be lost); {RETYPE}"),
                ),
            };
        }
    }
    match field {
        // Full-width digits and letters are the same id typed with a Chinese input method.
        Field::ExternalId | Field::Wecom | Field::Dingtalk | Field::Feishu if !looks_like_excel_float(&value) => {
            Ok(Some(half_width(&value)))
        }
        Field::ExternalId | Field::Wecom | Field::Dingtalk | Field::Feishu => fail(
            ProblemCode::ExcelFloat,
            &format!(
                "Excel turned this id into a number and shows it rounded; the digits cannot be recovered: {RETYPE}"
            ),
        ),
        Field::Email => match normalise_email(&value) {
            Some(e) => Ok(Some(e)),
            None => fail(
                ProblemCode::EmailInvalid,
                "not an e-mail address (expected one address like name@example.edu.cn)",
            ),
        },
        Field::Mobile => match normalise_mobile(&value) {
            Ok(m) => Ok(Some(m)),
            Err(PhoneProblem::ExcelFloat) => fail(
                ProblemCode::ExcelFloat,
                &format!(
                    "Excel turned this number into a float and dropped digits; they cannot be recovered: {RETYPE}"
                ),
            ),
            Err(PhoneProblem::NotMobile) => fail(
                ProblemCode::MobileNotMobile,
                "this is a valid phone number but not a mobile; SMS needs a mobile number",
            ),
            Err(PhoneProblem::Invalid) => fail(
                ProblemCode::MobileInvalid,
                "not a mobile number (expected e.g. 13812345678 or +86 138 1234 5678, one per cell)",
            ),
        },
        _ => Ok(Some(value)),
    }
}

/// Stores a checked value in the record (and splits lists).
fn put(ctx: &mut Ctx<'_>, row: u32, col: usize, rec: &mut ContactUpsert, field: Field, value: Option<String>) {
    match field {
        Field::ExternalId => rec.external_id = value,
        // A quoted cell may span lines; a name goes into mail headers on one line.
        Field::Name => rec.name = value.map(|v| crate::text::single_line(&v)).unwrap_or_default(),
        Field::Role => rec.fields.push(("role", value)),
        Field::Department => rec.fields.push(("department", value)),
        Field::ClassName => rec.fields.push(("class_name", value)),
        Field::Grade => rec.fields.push(("grade", value)),
        Field::Language => rec.fields.push(("language", value.map(|v| language(&v)))),
        Field::Email => rec.addresses.push(("email", value)),
        Field::Mobile => rec.addresses.push(("mobile", value)),
        Field::Wecom => rec.addresses.push(("wecom", value)),
        Field::Dingtalk => rec.addresses.push(("dingtalk", value)),
        Field::Feishu => rec.addresses.push(("feishu", value)),
        Field::Tags => {
            let mut tags: Vec<String> = Vec::new();
            for t in split_list(value.as_deref().unwrap_or("")) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            rec.tags = Some(tags);
        }
        Field::Preferred => {
            let mut kinds: Vec<String> = Vec::new();
            for word in split_list(value.as_deref().unwrap_or("")) {
                match channel_kinds(&word) {
                    Some(ks) => {
                        for k in ks {
                            if !kinds.iter().any(|x| x == k) {
                                kinds.push((*k).to_owned());
                            }
                        }
                    }
                    None => ctx.problem(
                        row,
                        col,
                        Some(field),
                        &word,
                        ProblemCode::UnknownChannel,
                        "not a receiving method Herald knows (邮件/email, 短信/sms, 企业微信/wecom, 钉钉/dingtalk, 飞书/feishu); the others in the cell are kept".into(),
                    ),
                }
            }
            rec.preferred = Some(kinds);
        }
    }
}

/// Items of a list cell: split on `;` `；` `,` `，` `、` `/` `|` and line breaks.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([';', '；', ',', '，', '、', '/', '|', '\n'])
        .map(|t| t.trim_matches(is_space).to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The channel kinds a receiving method names, in the order they are tried. `sms` covers
/// every SMS provider and `wecom` both WeCom kinds: the person prefers the medium, the
/// office chooses the provider.
pub fn channel_kinds(word: &str) -> Option<&'static [&'static str]> {
    let w = half_width(word).to_lowercase().replace([' ', '-', '_'], "");
    Some(match w.as_str() {
        "email" | "mail" | "smtp" | "邮件" | "邮箱" | "电子邮件" => &["smtp"],
        "sms" | "短信" | "手机短信" | "text" | "alyunsms" | "aliyunsms" | "tencentsms" | "twilio" => {
            &["aliyun_sms", "tencent_sms", "twilio"]
        }
        "wecom" | "企业微信" | "企微" | "wecomapp" | "wecomrobot" | "wework" => &["wecom_app", "wecom_robot"],
        "dingtalk" | "钉钉" | "dingtalkapp" | "dingtalkrobot" | "ding" => &["dingtalk_app", "dingtalk_robot"],
        "feishu" | "飞书" | "lark" | "feishuapp" | "feishubot" => &["feishu_app", "feishu_bot"],
        "webhook" => &["webhook"],
        "sandbox" | "沙盒" => &["sandbox"],
        _ => return None,
    })
}

/// The word a receiving method is written back as (for exports): the inverse of
/// [`channel_kinds`], per kind.
pub fn channel_word(kind: &str) -> &str {
    match kind {
        "smtp" => "email",
        "aliyun_sms" | "tencent_sms" | "twilio" => "sms",
        "wecom_app" | "wecom_robot" => "wecom",
        "dingtalk_app" | "dingtalk_robot" => "dingtalk",
        "feishu_app" | "feishu_bot" => "feishu",
        other => other,
    }
}

/// Language cells as tags: `中文` → `zh-CN`, `英文`/`English` → `en`, others as written.
fn language(v: &str) -> String {
    match v.to_lowercase().as_str() {
        "中文" | "简体中文" | "汉语" | "zh" | "zh-cn" | "zh_cn" | "chinese" => "zh-CN".into(),
        "英文" | "英语" | "english" | "en" | "en-us" | "en-gb" => "en".into(),
        _ => v.to_owned(),
    }
}
