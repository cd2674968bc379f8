//! Which Herald field each column feeds, suggested from its header (Chinese or English) and
//! changeable by the caller. Columns that match no field become attributes, usable in
//! templates as `{{ header }}`, so nothing in the file is dropped unless the caller says so.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::sheet::is_space;
use super::ImportError;

/// A contact field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Field {
    /// 学号/工号: imports update the contact with the same id.
    ExternalId,
    Name,
    Role,
    Department,
    ClassName,
    Grade,
    Email,
    Mobile,
    Wecom,
    Dingtalk,
    Feishu,
    /// 接收方式: preferred channels, most preferred first.
    Preferred,
    Language,
    /// 标签: split on `;` `,` `，` `、`.
    Tags,
}

impl Field {
    /// The name shown in reports (and the template variable, where there is one).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Name => "name",
            Field::Role => "role",
            Field::Department => "department",
            Field::ClassName => "class",
            Field::Grade => "grade",
            Field::Email => "email",
            Field::Mobile => "mobile",
            Field::Wecom => "wecom",
            Field::Dingtalk => "dingtalk",
            Field::Feishu => "feishu",
            Field::Preferred => "preferred",
            Field::Language => "language",
            Field::Tags => "tags",
        }
    }

    /// Fields whose values are identifiers: a number Excel stored for them cannot be trusted.
    pub fn is_identifier(self) -> bool {
        matches!(self, Field::ExternalId | Field::Wecom | Field::Dingtalk | Field::Feishu)
    }
}

/// Where one column goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
#[ts(export)]
pub enum ColumnTarget {
    Field(Field),
    /// An extra attribute under this name (a template variable).
    Attribute(String),
    /// Not imported.
    Ignore,
}

/// Header synonyms, compared after [`normalise_header`]. Longer, more specific names first
/// does not matter: matching is exact.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::ExternalId,
        &[
            "学号/工号",
            "学号",
            "工号",
            "学工号",
            "编号",
            "职工号",
            "教工号",
            "id",
            "externalid",
            "studentid",
            "staffid",
            "employeeid",
            "number",
            "no",
        ],
    ),
    (Field::Name, &["姓名", "名字", "名称", "name", "fullname"]),
    (Field::Role, &["身份", "角色", "类别", "人员类别", "role", "type"]),
    (
        Field::Department,
        &[
            "院系",
            "学院",
            "部门",
            "单位",
            "所在单位",
            "department",
            "dept",
            "school",
            "faculty",
        ],
    ),
    (Field::ClassName, &["班级", "班", "class", "classname"]),
    (Field::Grade, &["年级", "入学年份", "grade", "year"]),
    (
        Field::Email,
        &[
            "邮箱",
            "电子邮件",
            "电子邮箱",
            "邮件",
            "邮件地址",
            "email",
            "mail",
            "emailaddress",
        ],
    ),
    (
        Field::Mobile,
        &[
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "联系电话",
            "移动电话",
            "mobile",
            "phone",
            "cellphone",
            "tel",
        ],
    ),
    (
        Field::Wecom,
        &[
            "企业微信id",
            "企业微信",
            "企业微信账号",
            "企微id",
            "wecom",
            "wecomid",
            "weworkid",
            "wxworkid",
        ],
    ),
    (
        Field::Dingtalk,
        &["钉钉id", "钉钉", "钉钉账号", "dingtalk", "dingtalkid", "dingid"],
    ),
    (
        Field::Feishu,
        &["飞书id", "飞书", "飞书账号", "feishu", "feishuid", "larkid"],
    ),
    (
        Field::Preferred,
        &[
            "接收方式",
            "通知方式",
            "偏好渠道",
            "首选渠道",
            "preferred",
            "preferredchannels",
            "channels",
            "channel",
        ],
    ),
    (Field::Language, &["语言", "language", "lang", "locale"]),
    (Field::Tags, &["标签", "tags", "tag", "labels"]),
];

/// A header lower-cased, without spaces, `-`, `_`, `.` or full-width brackets around notes
/// (`手机（必填）` → `手机`), so `E-mail`, `e_mail` and `Email` match alike.
pub fn normalise_header(h: &str) -> String {
    let h = h.split(['（', '(']).next().unwrap_or(h);
    h.chars()
        .filter(|c| !is_space(*c) && !matches!(c, '-' | '_' | '.' | '*' | ':' | '：'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every synonym, normalised, and its field (the first field naming it wins).
fn synonyms() -> &'static HashMap<String, Field> {
    static MAP: OnceLock<HashMap<String, Field>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for (field, names) in SYNONYMS {
            for n in *names {
                map.entry(normalise_header(n)).or_insert(*field);
            }
        }
        map
    })
}

/// The field a header names, if any.
pub fn field_for_header(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    if h.is_empty() {
        return None;
    }
    synonyms().get(&h).copied()
}

/// A target for every header: its field (the first column naming a field takes it; a later
/// one becomes an attribute), an attribute named after the header (`备注_2` for a second
/// `备注`), or `Ignore` for a blank one. Linear in the number of headers, however many repeat.
pub fn suggest(headers: &[String]) -> Vec<ColumnTarget> {
    let mut out: Vec<ColumnTarget> = Vec::with_capacity(headers.len());
    let mut fields: HashSet<Field> = HashSet::new();
    let mut names: HashSet<String> = HashSet::with_capacity(headers.len());
    // For each header, the suffix to try next: a header repeated n times costs n tries in all.
    let mut next_suffix: HashMap<&str, usize> = HashMap::new();
    for h in headers {
        let h = h.trim_matches(is_space);
        let target = match field_for_header(h) {
            Some(f) if fields.insert(f) => ColumnTarget::Field(f),
            _ if h.is_empty() => ColumnTarget::Ignore,
            _ => {
                let mut name = h.to_owned();
                if names.contains(&name) {
                    let n = next_suffix.entry(h).or_insert(2);
                    loop {
                        name = format!("{h}_{n}");
                        *n += 1;
                        if !names.contains(&name) {
                            break;
                        }
                    }
                }
                names.insert(name.clone());
                ColumnTarget::Attribute(name)
            }
        };
        out.push(target);
    }
    out
}

/// Checks a caller's mapping against the sheet: one target per column, no field or attribute
/// twice, a name column present. Linear in the number of columns.
pub fn check(mapping: &[ColumnTarget], columns: usize) -> Result<(), ImportError> {
    if mapping.len() != columns {
        return Err(ImportError::Mapping(format!(
            "the file has {columns} columns but the mapping names {}",
            mapping.len()
        )));
    }
    let mut seen: HashSet<&ColumnTarget> = HashSet::with_capacity(mapping.len());
    for (i, t) in mapping.iter().enumerate() {
        if matches!(t, ColumnTarget::Ignore) {
            continue;
        }
        if !seen.insert(t) {
            return Err(ImportError::Mapping(format!("two columns are mapped to {t:?}")));
        }
        if let ColumnTarget::Attribute(a) = t {
            if a.trim().is_empty() {
                return Err(ImportError::Mapping(format!(
                    "column {} has an empty attribute name",
                    i + 1
                )));
            }
        }
    }
    if !seen.contains(&ColumnTarget::Field(Field::Name)) {
        return Err(ImportError::Mapping(
            "no column is mapped to the name (姓名); every contact needs one".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_are_recognised() {
        let headers: Vec<String> = [
            "学号/工号",
            "姓名",
            "院系",
            "班级",
            "手机号码（必填）",
            "E-mail",
            "企业微信ID",
            "钉钉ID",
            "接收方式",
            "宿舍",
            "",
            "手机",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = suggest(&headers);
        use ColumnTarget::*;
        assert_eq!(
            m,
            [
                Field(super::Field::ExternalId),
                Field(super::Field::Name),
                Field(super::Field::Department),
                Field(super::Field::ClassName),
                Field(super::Field::Mobile),
                Field(super::Field::Email),
                Field(super::Field::Wecom),
                Field(super::Field::Dingtalk),
                Field(super::Field::Preferred),
                Attribute("宿舍".into()),
                Ignore,
                Attribute("手机".into()),
            ]
        );
        assert!(check(&m, 12).is_ok());
        assert!(check(&m[1..], 12).is_err());
    }

    #[test]
    fn repeated_and_many_headers_are_mapped_in_linear_time() {
        let same: Vec<String> = vec!["备注".to_owned(); 2_000];
        let distinct: Vec<String> = (0..40_000).map(|i| format!("列{i}")).collect();
        let started = std::time::Instant::now();
        let m = suggest(&same);
        assert_eq!(m[0], ColumnTarget::Attribute("备注".into()));
        assert_eq!(m[1], ColumnTarget::Attribute("备注_2".into()));
        assert_eq!(m[1_999], ColumnTarget::Attribute("备注_2000".into()));
        let m = suggest(&distinct);
        assert_eq!(m.len(), 40_000);
        // Names are unique, so a mapping of 40,000 columns checks (but for the name column).
        assert!(matches!(check(&m, 40_000), Err(ImportError::Mapping(e)) if e.contains("name")));
        let elapsed = started.elapsed();
        assert!(elapsed.as_millis() < 1_000, "took {elapsed:?}");
    }

    #[test]
    fn a_suffixed_name_already_taken_is_skipped() {
        let headers: Vec<String> = ["备注", "备注_2", "备注", "姓名", "Name"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        use ColumnTarget::*;
        assert_eq!(
            suggest(&headers),
            [
                Attribute("备注".into()),
                Attribute("备注_2".into()),
                Attribute("备注_3".into()),
                Field(super::Field::Name),
                Attribute("Name".into()),
            ]
        );
    }
}
