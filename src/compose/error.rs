//! What can be wrong with a notice's templates and values: each refusal with a stable code,
//! the field, where in it (line and column, counted in characters as an editor counts them),
//! and its text in English (`Display`) and Chinese ([`ComposeError::zh`]).

use thiserror::Error;

use super::RENDER_FUEL;

/// Where names come from, said after an unknown variable.
const SOURCES_EN: &str =
    "a variable is a contact field (name, 姓名, class, 班级…), an imported column, or a value given with the notice";
const SOURCES_ZH: &str = "变量可以是联系人字段（姓名、班级等）、导入的列，或随通知填写的值";

/// A template or notice value that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum ComposeError {
    #[error("the {field} is empty")]
    Empty { field: &'static str },
    #[error("the {field} has a template error at line {line}, column {column}: {detail}")]
    Syntax {
        field: &'static str,
        line: usize,
        column: usize,
        detail: String,
    },
    /// A name that no contact field, imported column or notice value answers to: found when
    /// the notice is composed.
    #[error("the {field} uses the variable `{variable}` at line {line}, column {column}, which is not known{}; {SOURCES_EN}", suggestion.as_deref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownVariable {
        field: &'static str,
        variable: String,
        line: usize,
        column: usize,
        suggestion: Option<String>,
    },
    /// A variable one recipient has no value for: found when rendering for that recipient.
    #[error("the {field} uses the variable `{variable}`, which this recipient does not have")]
    Missing { field: &'static str, variable: String },
    /// A notice value whose name cannot be used: not an identifier, a name of the catalogue,
    /// or an imported column's (which one would a template mean?).
    #[error("the value `{name}` cannot be given with the notice: {}", reason_en(*reason))]
    BadValueName { name: String, reason: ValueNameProblem },
    #[error("the value `{name}` given with the notice is empty")]
    EmptyValue { name: String },
    #[error("the {field} is {size} bytes long; a notice's {field} may be at most {limit} bytes: shorten it, or attach the long text as a file")]
    TooLong {
        field: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("the {field} does too much work for one recipient (more than {RENDER_FUEL} template steps, such as loops inside loops): simplify its loops")]
    TooMuchWork { field: &'static str },
    #[error("the {field} comes to more than {limit} bytes for one recipient: check its loops and repeated text")]
    OutputTooLong { field: &'static str, limit: usize },
    #[error("the {field} uses `{variable}`, which differs from person to person, but {channel} posts one message into its group chat: take the variable out, or send it on {channel} in a notice of its own")]
    PersonalInGroup {
        field: &'static str,
        variable: String,
        channel: String,
    },
    #[error("the {field} is {size} bytes; {channel} takes at most {limit} bytes in one message: shorten it")]
    TooLongFor {
        field: &'static str,
        size: usize,
        limit: usize,
        channel: String,
    },
    #[error("choose at least one channel")]
    NoChannels,
    #[error("choose who the notice goes to: everyone, groups or people")]
    NoAudience,
    #[error("the channel {channel} is turned off: turn it on under Channels, or choose another")]
    ChannelDisabled { channel: String },
    /// A refusal of a channel's own version (`versions.body`, `versions.englishBody`).
    #[error("{channel}'s own version: {error}")]
    InVersion { channel: String, error: Box<ComposeError> },
}

/// Why a notice value's name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueNameProblem {
    NotAnIdentifier,
    Reserved,
    ImportedColumn,
}

fn reason_en(p: ValueNameProblem) -> &'static str {
    match p {
        ValueNameProblem::NotAnIdentifier => {
            "a name is letters (of any script), digits and `_`, not starting with a digit"
        }
        ValueNameProblem::Reserved => "it is a contact field's name; choose another",
        ValueNameProblem::ImportedColumn => "an imported column has that name; choose another",
    }
}

fn reason_zh(p: ValueNameProblem) -> &'static str {
    match p {
        ValueNameProblem::NotAnIdentifier => "名称只能由文字、数字和 _ 组成，且不能以数字开头",
        ValueNameProblem::Reserved => "这是联系人字段的名称，请换一个",
        ValueNameProblem::ImportedColumn => "已有同名的导入列，请换一个",
    }
}

fn field_zh(field: &str) -> &str {
    match field {
        "title" => "标题",
        "subject" => "主题",
        "body" => "正文",
        "english.subject" => "英文主题",
        "english.body" => "英文正文",
        "versions.body" => "渠道专用正文",
        "versions.englishBody" => "渠道专用英文正文",
        other => other,
    }
}

impl ComposeError {
    /// A short machine-readable code, stable across versions.
    pub fn code(&self) -> &'static str {
        match self {
            ComposeError::Empty { .. } => "compose_empty",
            ComposeError::Syntax { .. } => "compose_syntax",
            ComposeError::UnknownVariable { .. } => "compose_unknown_variable",
            ComposeError::Missing { .. } => "compose_missing_value",
            ComposeError::BadValueName { .. } => "compose_bad_value_name",
            ComposeError::EmptyValue { .. } => "compose_empty_value",
            ComposeError::TooLong { .. } => "compose_too_long",
            ComposeError::TooMuchWork { .. } => "compose_too_much_work",
            ComposeError::OutputTooLong { .. } => "compose_output_too_long",
            ComposeError::PersonalInGroup { .. } => "compose_personal_in_group",
            ComposeError::TooLongFor { .. } => "compose_too_long_for_channel",
            ComposeError::NoChannels => "compose_no_channels",
            ComposeError::NoAudience => "compose_no_audience",
            ComposeError::ChannelDisabled { .. } => "compose_channel_disabled",
            ComposeError::InVersion { error, .. } => error.code(),
        }
    }

    /// The field the refusal is about (`values` for a notice value).
    pub fn field(&self) -> &'static str {
        match self {
            ComposeError::Empty { field }
            | ComposeError::Syntax { field, .. }
            | ComposeError::UnknownVariable { field, .. }
            | ComposeError::Missing { field, .. }
            | ComposeError::TooLong { field, .. }
            | ComposeError::TooMuchWork { field }
            | ComposeError::OutputTooLong { field, .. }
            | ComposeError::PersonalInGroup { field, .. }
            | ComposeError::TooLongFor { field, .. } => field,
            ComposeError::BadValueName { .. } | ComposeError::EmptyValue { .. } => "values",
            ComposeError::NoChannels | ComposeError::ChannelDisabled { .. } => "channelIds",
            ComposeError::NoAudience => "audience",
            ComposeError::InVersion { error, .. } => error.field(),
        }
    }

    /// Line and column (from 1, in characters) where the problem is, when it has a place.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ComposeError::Syntax { line, column, .. } | ComposeError::UnknownVariable { line, column, .. } => {
                Some((*line, *column))
            }
            ComposeError::InVersion { error, .. } => error.position(),
            _ => None,
        }
    }

    /// The same refusal in Chinese.
    pub fn zh(&self) -> String {
        match self {
            ComposeError::Empty { field } => format!("{}不能为空", field_zh(field)),
            ComposeError::Syntax {
                field,
                line,
                column,
                detail,
            } => format!("{}第 {line} 行第 {column} 列有模板错误：{detail}", field_zh(field)),
            ComposeError::UnknownVariable {
                field,
                variable,
                line,
                column,
                suggestion,
            } => format!(
                "{}第 {line} 行第 {column} 列的变量 {{{{ {variable} }}}} 无法识别{}；{SOURCES_ZH}",
                field_zh(field),
                suggestion
                    .as_deref()
                    .map(|s| format!("（是否想写 {{{{ {s} }}}}？）"))
                    .unwrap_or_default()
            ),
            ComposeError::Missing { field, variable } => {
                format!("{}用到的变量 {variable} 对这位收件人没有值", field_zh(field))
            }
            ComposeError::BadValueName { name, reason } => {
                format!("随通知填写的值“{name}”不能使用：{}", reason_zh(*reason))
            }
            ComposeError::EmptyValue { name } => format!("随通知填写的值“{name}”为空"),
            ComposeError::TooLong { field, size, limit } => format!(
                "{}长 {size} 字节，最多 {limit} 字节：请缩短，或把长文本作为附件",
                field_zh(field)
            ),
            ComposeError::TooMuchWork { field } => {
                format!("{}对一位收件人的计算量过大（如循环套循环）：请简化其中的循环", field_zh(field))
            }
            ComposeError::OutputTooLong { field, limit } => format!(
                "{}为一位收件人生成的内容超过 {limit} 字节：请检查其中的循环和重复文字",
                field_zh(field)
            ),
            ComposeError::PersonalInGroup {
                field,
                variable,
                channel,
            } => format!(
                "{}用到的 {variable} 因人而异，但 {channel} 只在群里发一条消息：请去掉该变量，或单独发一条通知到 {channel}",
                field_zh(field)
            ),
            ComposeError::InVersion { channel, error } => format!("{channel} 专用版本：{}", error.zh()),
            ComposeError::TooLongFor {
                field,
                size,
                limit,
                channel,
            } => format!(
                "{}长 {size} 字节，{channel} 一条消息最多 {limit} 字节：请缩短",
                field_zh(field)
            ),
            ComposeError::NoChannels => "请至少选择一个渠道".to_owned(),
            ComposeError::NoAudience => "请选择通知对象：全体联系人、分组或具体的人".to_owned(),
            ComposeError::ChannelDisabled { channel } => {
                format!("渠道 {channel} 已停用：请在“渠道”页启用，或换一个渠道")
            }
        }
    }

    /// The values a UI fills into its own text: the field, the place, the names involved, and
    /// both languages' texts.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("field", self.field().to_owned())];
        if let Some((line, column)) = self.position() {
            params.push(("line", line.to_string()));
            params.push(("column", column.to_string()));
        }
        match self {
            ComposeError::UnknownVariable {
                variable, suggestion, ..
            } => {
                params.push(("variable", variable.clone()));
                if let Some(s) = suggestion {
                    params.push(("suggestion", s.clone()));
                }
            }
            ComposeError::Missing { variable, .. } | ComposeError::PersonalInGroup { variable, .. } => {
                params.push(("variable", variable.clone()))
            }
            ComposeError::BadValueName { name, .. } | ComposeError::EmptyValue { name } => {
                params.push(("name", name.clone()))
            }
            ComposeError::ChannelDisabled { channel } => params.push(("channel", channel.clone())),
            ComposeError::InVersion { channel, error } => {
                params = error.params();
                params.retain(|(k, _)| !k.starts_with("message"));
                params.push(("channel", channel.clone()));
            }
            _ => {}
        }
        params.push(("messageZh", self.zh()));
        params.push(("messageEn", self.to_string()));
        params
    }
}

/// Line and column (from 1; the column in characters) of byte `offset` in `source`.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A minijinja error as a syntax error of `field`: minijinja gives a line and a byte range;
/// the column is counted in characters, so a line of Chinese points at the right place.
pub(super) fn syntax_error(field: &'static str, source: &str, e: &minijinja::Error) -> ComposeError {
    let (line, column) = match e.range() {
        Some(range) => line_column(source, range.start),
        None => (e.line().unwrap_or(1), 1),
    };
    ComposeError::Syntax {
        field,
        line,
        column,
        detail: e.detail().map(str::to_owned).unwrap_or_else(|| e.kind().to_string()),
    }
}

/// Where `name` is first used as a variable in `source`: inside a `{{ … }}` or `{% … %}`,
/// not part of a longer name, not after a `.` (`exam.name` is not `name`). Defaults to the
/// start when not found (a name minijinja found is always in a tag).
pub fn locate(source: &str, name: &str) -> (usize, usize) {
    let is_name_char = |c: char| c == '_' || c.is_alphanumeric();
    for (at, _) in source.match_indices(name) {
        let before = source[..at].chars().next_back();
        let after = source[at + name.len()..].chars().next();
        if before.is_some_and(|c| is_name_char(c) || c == '.') || after.is_some_and(is_name_char) {
            continue;
        }
        let opened = source[..at].rfind("{{").max(source[..at].rfind("{%"));
        let closed = source[..at].rfind("}}").max(source[..at].rfind("%}"));
        if opened.is_some() && opened > closed {
            return line_column(source, at);
        }
    }
    (1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = "第一行\n同学们好，{{ 姓明 }}";
        assert_eq!(locate(source, "姓明"), (2, 9));
        assert_eq!(line_column(source, 0), (1, 1));
        assert_eq!(locate("{{ exam.name }} {{ name }}", "name"), (1, 20));
        assert_eq!(locate("name: {{ name }}", "name"), (1, 10));
    }

    #[test]
    fn every_error_has_a_code_and_both_languages() {
        let e = ComposeError::UnknownVariable {
            field: "body",
            variable: "姓明".into(),
            line: 2,
            column: 9,
            suggestion: Some("姓名".into()),
        };
        assert_eq!(e.code(), "compose_unknown_variable");
        assert!(e.to_string().contains("line 2, column 9"), "{e}");
        assert!(e.to_string().contains("did you mean `姓名`"), "{e}");
        assert!(e.zh().contains("第 2 行第 9 列"), "{}", e.zh());
        assert!(e.zh().contains("{{ 姓名 }}"), "{}", e.zh());
        let params = e.params();
        assert!(params.contains(&("column", "9".into())));
        assert!(params.contains(&("suggestion", "姓名".into())));
    }
}
