//! The catalogue of template variables: every name a notice may use besides imported columns
//! and its own values, with its Chinese names and its meaning in both languages. Checking,
//! rendering, fan-out's freezing and the editor's listing all read this one list, so a name
//! added here is usable everywhere at once.

use chrono::{DateTime, FixedOffset, Utc};

use crate::model::VariableSource;

/// A variable of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The name stored and frozen (`name`, `class`): what the contact's variables hold.
    pub name: &'static str,
    /// Other names that mean the same (`姓名`): a template may use any of them.
    pub aliases: &'static [&'static str],
    pub meaning_zh: &'static str,
    pub meaning_en: &'static str,
    pub source: VariableSource,
}

const fn contact(
    name: &'static str,
    aliases: &'static [&'static str],
    meaning_zh: &'static str,
    meaning_en: &'static str,
) -> Variable {
    Variable {
        name,
        aliases,
        meaning_zh,
        meaning_en,
        source: VariableSource::Contact,
    }
}

/// The name of the date variable: a schedule's firing date, or the send date.
pub const DATE: &str = "date";

/// Every standard variable. The aliases are the headers an import maps to these fields
/// (`import::mapping`), so a column can never be imported under one of them; `学号/工号` is
/// no identifier, hence 学号 and 工号.
pub const CATALOGUE: &[Variable] = &[
    contact("name", &["姓名"], "姓名", "the person's name"),
    contact(
        "external_id",
        &["学号", "工号"],
        "学号或工号，导入时的唯一编号",
        "student or staff number, the unique id from the import",
    ),
    contact(
        "role",
        &["身份", "角色"],
        "身份，如学生、教师",
        "role, such as student or teacher",
    ),
    contact("department", &["院系", "部门"], "院系或部门", "school or department"),
    contact("class", &["班级"], "班级", "class"),
    contact("grade", &["年级"], "年级，如 2024", "year of entry, such as 2024"),
    contact(
        "language",
        &["语言"],
        "接收通知的语言（zh-CN 或 en）",
        "the language the person reads notices in (zh-CN or en)",
    ),
    contact("email", &["邮箱"], "电子邮箱地址", "e-mail address"),
    contact("mobile", &["手机", "手机号"], "手机号码", "mobile number"),
    Variable {
        name: DATE,
        aliases: &["日期"],
        meaning_zh: "发送日期（北京时间，YYYY-MM-DD）；定时通知为每次触发的日期",
        meaning_en: "the date sent (Beijing time, YYYY-MM-DD); for a schedule, the date it fires",
        source: VariableSource::ScheduleDate,
    },
];

/// The catalogue variable `name` stands for, by its own name or an alias.
pub fn find(name: &str) -> Option<&'static Variable> {
    CATALOGUE.iter().find(|v| v.name == name || v.aliases.contains(&name))
}

/// Whether `name` belongs to the catalogue: an imported column or a notice value of that name
/// could never be reached, since the catalogue's meaning wins (as `name` always meant the
/// contact's name over a column called `name`).
pub fn is_reserved(name: &str) -> bool {
    find(name).is_some()
}

/// Whether `name` can be written as a template variable: letters of any script, digits and
/// `_`, not starting with a digit (what minijinja's `unicode` feature reads as a name).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Every name of the catalogue, its own and its aliases.
pub fn all_names<'a>() -> impl Iterator<Item = &'a str> {
    CATALOGUE
        .iter()
        .flat_map(|v| std::iter::once(v.name).chain(v.aliases.iter().copied()))
}

/// China keeps one offset all year (no summer time since 1991), so a fixed +08:00 is
/// Asia/Shanghai without a time-zone database.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

/// What `{{ date }}` renders as for a run that started at `at`: that day in Beijing time,
/// `YYYY-MM-DD`. Outside a schedule the send date; a schedule will pass its firing time.
pub fn date_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing()).format("%Y-%m-%d").to_string()
}

/// The same for a stored timestamp (`clock::fmt`); today when it cannot be read.
pub fn date_of_stored(at: &str) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| date_of(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| date_of(crate::clock::now()))
}

/// Edit distance in characters (not bytes: `姓明` is one step from `姓名`).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// The known name closest to `unknown`, when one is close enough to be a slip: one edit for
/// names of up to three characters (Chinese names are short: 姓明 → 姓名), two for longer
/// (`nmae` → `name`).
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = unknown.chars().count();
    let allowed = if len <= 3 { 1 } else { 2 };
    known
        .into_iter()
        .map(|k| (distance(unknown, k), k))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_find_their_variable() {
        assert_eq!(find("姓名").unwrap().name, "name");
        assert_eq!(find("工号").unwrap().name, "external_id");
        assert_eq!(find("学号").unwrap().name, "external_id");
        assert_eq!(find("手机号").unwrap().name, "mobile");
        assert_eq!(find("日期").unwrap().name, DATE);
        assert_eq!(find("class").unwrap().name, "class");
        assert!(find("宿舍").is_none());
        for name in all_names() {
            assert!(is_identifier(name), "{name} must be usable in a template");
        }
    }

    #[test]
    fn a_slip_suggests_the_closest_name() {
        assert_eq!(closest("姓明", all_names()), Some("姓名"));
        assert_eq!(closest("nmae", all_names()), Some("name"));
        assert_eq!(closest("clas", all_names()), Some("class"));
        assert_eq!(closest("考场座位", all_names()), None);
    }

    #[test]
    fn the_date_is_beijing_time() {
        assert_eq!(date_of_stored("2026-12-07T16:30:00.000Z"), "2026-12-08");
        assert_eq!(date_of_stored("2026-12-07T15:59:59.000Z"), "2026-12-07");
    }
}
