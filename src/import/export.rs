//! Contacts written out in the layout imports read (the same Chinese headers, ids and phones
//! as text), so an exported file can be edited and imported back.

use std::collections::BTreeSet;
use std::path::Path;

use super::report::write_table;
use super::validate::channel_word;
use super::ImportError;
use crate::model::ContactRecord;

const FIXED: [&str; 14] = [
    "学号/工号",
    "姓名",
    "身份",
    "院系",
    "班级",
    "年级",
    "邮箱",
    "手机",
    "企业微信ID",
    "钉钉ID",
    "飞书ID",
    "接收方式",
    "语言",
    "标签",
];

/// Writes `contacts` to `path` (`.xlsx`, or CSV with a BOM); attributes follow the fixed
/// columns, one column per attribute name.
pub fn write_contacts(path: &Path, contacts: &[ContactRecord]) -> Result<(), ImportError> {
    let attributes: BTreeSet<&str> = contacts
        .iter()
        .flat_map(|c| c.attributes.keys().map(String::as_str))
        .collect();
    let mut headers: Vec<&str> = FIXED.to_vec();
    headers.extend(attributes.iter().copied());
    let rows = contacts.iter().map(|c| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let addr = |k: &str| c.addresses.get(k).cloned().unwrap_or_default();
        let mut words: Vec<&str> = Vec::new();
        for k in &c.preferred {
            let w = channel_word(k);
            if !words.contains(&w) {
                words.push(w);
            }
        }
        let mut row = vec![
            opt(&c.external_id),
            c.name.clone(),
            opt(&c.role),
            opt(&c.department),
            opt(&c.class_name),
            opt(&c.grade),
            addr("email"),
            addr("mobile"),
            addr("wecom"),
            addr("dingtalk"),
            addr("feishu"),
            words.join(";"),
            c.language.clone(),
            c.tags.join(";"),
        ];
        row.extend(attributes.iter().map(|a| match c.attributes.get(*a) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }));
        row
    });
    write_table(path, &headers, rows)
}
