//! The problems the check finds in a person's variables and in a rendering that failed, as
//! typed reasons in both languages.

use serde_json::Value;

use crate::compose::ComposeError;
use crate::model::MessageProblem;

fn field_zh(field: &str) -> &'static str {
    match field {
        "subject" => "标题",
        "english.subject" => "英文标题",
        "english.body" => "英文正文",
        "versions.body" => "渠道专用正文",
        "versions.englishBody" => "渠道专用英文正文",
        _ => "正文",
    }
}

/// A rendering that failed, as the reason the check lists: the dispatcher would fail that
/// delivery with the same error.
pub fn render_problem(e: &ComposeError) -> MessageProblem {
    match e {
        ComposeError::Missing { field, variable } | ComposeError::UnknownVariable { field, variable, .. } => {
            MessageProblem {
                code: "missing_variable",
                field,
                zh: format!("没有{}用到的变量 `{variable}`", field_zh(field)),
                en: format!("has no `{variable}`, which the {field} uses"),
            }
        }
        other => MessageProblem {
            code: "render_failed",
            field: other.field(),
            zh: format!("{}无法生成：{}", field_zh(other.field()), other.zh()),
            en: other.to_string(),
        },
    }
}

/// The value at a dotted path (`exam.room`), if any; a Chinese name (`姓名`) reads the field
/// it stands for, as rendering does.
fn at_path<'v>(vars: &'v Value, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let first = crate::compose::variables::find(first).map_or(first, |v| v.name);
    parts.try_fold(vars.get(first)?, |cur, part| cur.get(part))
}

/// Every variable the templates use whose value is empty text (or only spaces): the message
/// would render, with a hole where the value should be. `used` is (field, variables) as
/// `compose::check` lists them. A missing value is rendering's to report.
pub fn empty_values(used: &[(&'static str, &[String])], vars: &Value) -> Vec<MessageProblem> {
    let mut found = Vec::new();
    for (field, variables) in used {
        for variable in *variables {
            if let Some(Value::String(s)) = at_path(vars, variable) {
                if s.trim().is_empty() {
                    found.push(MessageProblem {
                        code: "empty_value",
                        field,
                        zh: format!("变量 `{variable}` 的值为空，{}需要它", field_zh(field)),
                        en: format!("`{variable}` is empty, and the {field} uses it"),
                    });
                }
            }
        }
    }
    found
}
