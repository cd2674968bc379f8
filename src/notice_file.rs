//! A notice written by hand as a Markdown file with YAML front matter (docs/NOTICE-FILES.md):
//! `herald notices create --file`, `herald templates save --file`, and the built-in templates.
//!
//! ```text
//! ---
//! title: 期末考试安排
//! channels: [sandbox]
//! values:
//!   考试时间: 12月20日 9:00
//! english:
//!   subject: Final exam arrangement
//! ---
//! {{ 姓名 }}同学：考试时间为 {{ 考试时间 }}。
//! <!-- en -->
//! Dear {{ 姓名 }}, your exam is at {{ 考试时间 }}.
//! ```
//!
//! Errors name the file's line and the key, so a secretary can find the typo.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_norway::Value;
use thiserror::Error;

use crate::model::{ChannelStrategy, NoticeText};

/// The line that starts the English body.
pub const ENGLISH_MARKER: &str = "<!-- en -->";

/// The keys the front matter may hold, in the order a file is written.
pub const KEYS: [&str; 10] = [
    "name",
    "title",
    "subject",
    "channels",
    "audience",
    "strategy",
    "urgent",
    "allow_unsubscribe",
    "values",
    "english",
];
const ENGLISH_KEYS: [&str; 2] = ["subject", "body"];

/// What a notice file says; what it leaves out is `None` (or empty) for the caller to fill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoticeFile {
    /// A template's name (used by `templates save --file`; a notice ignores it).
    pub name: Option<String>,
    pub title: Option<String>,
    pub subject: Option<String>,
    /// Channel names.
    pub channels: Vec<String>,
    /// An audience spec, as `notices create --audience` takes it.
    pub audience: Option<String>,
    pub strategy: Option<ChannelStrategy>,
    pub urgent: Option<bool>,
    pub allow_unsubscribe: Option<bool>,
    pub values: BTreeMap<String, String>,
    pub english: Option<NoticeText>,
    /// The Markdown body (the Chinese, or the only, version).
    pub body: String,
}

impl NoticeFile {
    /// The title, which a notice and a template must have.
    pub fn require_title(&self) -> Result<&str, NoticeFileError> {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .ok_or(NoticeFileError::Missing { key: "title" })
    }
}

/// A notice file that cannot be read, with the line (of the file, from 1) and the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoticeFileError {
    #[error("front matter line {line}: unknown key \"{key}\"{}", hint(.suggestion))]
    UnknownKey {
        line: usize,
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error("front matter line {line}: {reason}")]
    Syntax { line: usize, reason: String },
    #[error("front matter line {line}: \"{key}\" {reason}")]
    BadValue { line: usize, key: String, reason: String },
    #[error("line {line}: the front matter started here has no closing line ---")]
    Unclosed { line: usize },
    #[error("line {line}: {reason}")]
    Body { line: usize, reason: String },
    #[error("missing key \"{key}\": add a line `{key}: …` to the front matter (or give --{key})")]
    Missing { key: &'static str },
}

fn hint(suggestion: &Option<&'static str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

impl NoticeFileError {
    /// A short machine-readable code, stable across versions.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeFileError::UnknownKey { .. } => "notice_file_unknown_key",
            NoticeFileError::Syntax { .. } => "notice_file_syntax",
            NoticeFileError::BadValue { .. } => "notice_file_bad_value",
            NoticeFileError::Unclosed { .. } => "notice_file_unclosed",
            NoticeFileError::Body { .. } => "notice_file_body",
            NoticeFileError::Missing { .. } => "notice_file_missing",
        }
    }

    /// The line of the file it concerns, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            NoticeFileError::UnknownKey { line, .. }
            | NoticeFileError::Syntax { line, .. }
            | NoticeFileError::BadValue { line, .. }
            | NoticeFileError::Unclosed { line }
            | NoticeFileError::Body { line, .. } => Some(*line),
            NoticeFileError::Missing { .. } => None,
        }
    }
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Reads a notice file. A file without front matter is all body.
pub fn parse(text: &str) -> Result<NoticeFile, NoticeFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut file = NoticeFile::default();
    // The body starts at this line (index), after the front matter if there is one.
    let mut body_start = 0;
    if lines.first().is_some_and(|l| is_fence(l)) {
        let close = lines
            .iter()
            .skip(1)
            .position(|l| is_fence(l))
            .map(|i| i + 1)
            .ok_or(NoticeFileError::Unclosed { line: 1 })?;
        read_front_matter(&lines[1..close], &mut file)?;
        body_start = close + 1;
    }
    // The English body follows its marker line, unless the front matter gave it.
    let rest = &lines[body_start.min(lines.len())..];
    let marker = rest.iter().position(|l| l.trim().eq_ignore_ascii_case(ENGLISH_MARKER));
    let (main, english_body) = match marker {
        Some(i) => (&rest[..i], Some((body_start + i + 1, rest[i + 1..].join("\n")))),
        None => (rest, None),
    };
    file.body = main.join("\n").trim().to_owned();
    if file.body.is_empty() {
        return Err(NoticeFileError::Body {
            line: body_start + 1,
            reason: "the notice has no body: write it below the front matter".into(),
        });
    }
    if let Some((line, body)) = english_body {
        let body = body.trim().to_owned();
        let english = file.english.get_or_insert_with(NoticeText::default);
        if !english.body.is_empty() {
            return Err(NoticeFileError::Body {
                line,
                reason: format!(
                    "the English body is given twice: in the front matter's english.body and after {ENGLISH_MARKER}"
                ),
            });
        }
        if body.is_empty() {
            return Err(NoticeFileError::Body {
                line,
                reason: format!("nothing follows {ENGLISH_MARKER}: write the English body below it, or remove it"),
            });
        }
        english.body = body;
    }
    if let Some(english) = &file.english {
        if english.body.is_empty() {
            return Err(NoticeFileError::BadValue {
                line: key_line(&lines[1..], "english", None).unwrap_or(1),
                key: "english".into(),
                reason: format!("has no body: add `body: …` under it, or a line {ENGLISH_MARKER} followed by the English text at the end"),
            });
        }
    }
    Ok(file)
}

/// The file line (from 1) of `key` in the front matter `fm` (which starts at file line 2):
/// at the start of a line, or, under `parent`, indented after the parent's line.
fn key_line(fm: &[&str], key: &str, parent: Option<&str>) -> Option<usize> {
    let starts_key = |l: &str| {
        let l = l.trim_start_matches(['\'', '"']);
        l.strip_prefix(key)
            .is_some_and(|r| r.trim_start_matches(['\'', '"']).trim_start().starts_with(':'))
    };
    let from = match parent {
        Some(p) => key_line(fm, p, None)? - 1,
        None => 0,
    };
    fm.iter()
        .enumerate()
        .skip(from)
        .find(|(_, l)| match parent {
            None => starts_key(l),
            Some(_) => l.starts_with([' ', '\t']) && starts_key(l.trim_start()),
        })
        .map(|(i, _)| i + 2)
}

/// The known key closest to a mistyped one (two edits at most).
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (crate::compose::variables::distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn read_front_matter(fm: &[&str], file: &mut NoticeFile) -> Result<(), NoticeFileError> {
    let source = fm.join("\n");
    if source.trim().is_empty() {
        return Ok(());
    }
    let value: Value = serde_norway::from_str(&source).map_err(|e| NoticeFileError::Syntax {
        // The front matter's first line is the file's second.
        line: e.location().map_or(2, |l| l.line() + 1),
        reason: syntax_reason(&e),
    })?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return Ok(()),
        _ => {
            return Err(NoticeFileError::Syntax {
                line: 2,
                reason: "the front matter must be lines of `key: value`".into(),
            })
        }
    };
    for (k, v) in map {
        let key = scalar(&k).unwrap_or_default();
        let line = key_line(fm, &key, None).unwrap_or(2);
        let bad = |reason: &str| NoticeFileError::BadValue {
            line,
            key: key.clone(),
            reason: reason.to_owned(),
        };
        match key.as_str() {
            "name" => file.name = Some(text(&v).ok_or_else(|| bad("must be text"))?),
            "title" => file.title = Some(text(&v).ok_or_else(|| bad("must be text"))?),
            "subject" => file.subject = Some(text(&v).ok_or_else(|| bad("must be text"))?),
            "audience" => {
                file.audience = Some(text(&v).ok_or_else(|| bad("must be an audience such as `all` or `group:NAME`"))?)
            }
            "channels" => {
                file.channels = match &v {
                    Value::Sequence(items) => items
                        .iter()
                        .map(|i| text(i).ok_or_else(|| bad("must be a list of channel names")))
                        .collect::<Result<_, _>>()?,
                    other => text(other)
                        .ok_or_else(|| bad("must be a list of channel names"))?
                        .split([',', '，'])
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                }
            }
            "strategy" => {
                file.strategy = Some(match text(&v).as_deref() {
                    Some("all") => ChannelStrategy::All,
                    Some("preferred_then_fallback" | "fallback") => ChannelStrategy::PreferredThenFallback,
                    _ => return Err(bad("must be `all` or `preferred_then_fallback`")),
                })
            }
            "urgent" => file.urgent = Some(v.as_bool().ok_or_else(|| bad("must be true or false"))?),
            "allow_unsubscribe" => {
                file.allow_unsubscribe = Some(v.as_bool().ok_or_else(|| bad("must be true or false"))?)
            }
            "values" => {
                let Value::Mapping(values) = v else {
                    return Err(bad("must be lines of `name: value`, indented under it"));
                };
                for (name, value) in values {
                    let name = scalar(&name).ok_or_else(|| bad("has a name that is not text"))?;
                    let line = key_line(fm, &name, Some("values")).unwrap_or(line);
                    let value = scalar(&value).ok_or_else(|| NoticeFileError::BadValue {
                        line,
                        key: format!("values.{name}"),
                        reason: "must be text on one line (put it in quotes if it holds `:` or `#`)".into(),
                    })?;
                    file.values.insert(name, value);
                }
            }
            "english" => {
                let Value::Mapping(english) = v else {
                    return Err(bad("must hold `subject:` and/or `body:`, indented under it"));
                };
                let mut text_of = NoticeText::default();
                for (k, v) in english {
                    let sub = scalar(&k).unwrap_or_default();
                    let line = key_line(fm, &sub, Some("english")).unwrap_or(line);
                    let value = text(&v).ok_or_else(|| NoticeFileError::BadValue {
                        line,
                        key: format!("english.{sub}"),
                        reason: "must be text".into(),
                    })?;
                    match sub.as_str() {
                        "subject" => text_of.subject = Some(value),
                        "body" => text_of.body = value.trim().to_owned(),
                        _ => {
                            return Err(NoticeFileError::UnknownKey {
                                line,
                                suggestion: closest(&sub, &ENGLISH_KEYS),
                                key: format!("english.{sub}"),
                            })
                        }
                    }
                }
                file.english = Some(text_of);
            }
            _ => {
                return Err(NoticeFileError::UnknownKey {
                    line,
                    suggestion: closest(&key, &KEYS),
                    key,
                })
            }
        }
    }
    Ok(())
}

/// The YAML library's message without its own position (the line is given, as the file's).
fn syntax_reason(e: &serde_norway::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// A scalar as text (`301` and `true` as written); `None` for lists, maps and nothing.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar as text, trimmed (a block `|` keeps its lines).
fn text(v: &Value) -> Option<String> {
    scalar(v).map(|s| s.trim().to_owned())
}

#[derive(Serialize)]
struct Written<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    channels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audience: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_unsubscribe: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    english: Option<WrittenEnglish<'a>>,
}

#[derive(Serialize)]
struct WrittenEnglish<'a> {
    subject: &'a str,
}

/// Writes a notice file that [`parse`] reads back as `file` (the English body after its marker).
pub fn write(file: &NoticeFile) -> String {
    let front = Written {
        name: file.name.as_deref(),
        title: file.title.as_deref(),
        subject: file.subject.as_deref(),
        channels: file.channels.clone(),
        audience: file.audience.as_deref(),
        strategy: file.strategy.map(|s| s.as_str()),
        urgent: file.urgent,
        allow_unsubscribe: file.allow_unsubscribe,
        values: file.values.clone(),
        english: file
            .english
            .as_ref()
            .and_then(|e| e.subject.as_deref())
            .map(|subject| WrittenEnglish { subject }),
    };
    let yaml = serde_norway::to_string(&front).unwrap_or_default();
    let mut out = format!("---\n{}---\n{}\n", yaml.trim_start_matches("---\n"), file.body.trim());
    if let Some(english) = &file.english {
        out.push_str(&format!("\n{ENGLISH_MARKER}\n{}\n", english.body.trim()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ntitle: 期末考试安排\nsubject: \"{{ 姓名 }}同学：期末考试安排\"\nchannels: [sandbox, 邮件]\naudience: \"group:农学院2024级; -contacts:12\"\nstrategy: preferred_then_fallback\nurgent: true\nvalues:\n  考试时间: 12月20日 9:00\n  教室: 301\nenglish:\n  subject: Final exam\n---\n\n{{ 姓名 }}同学：\n\n考试时间：{{ 考试时间 }}。\n\n<!-- en -->\n\nDear {{ 姓名 }},\n\nYour exam is at {{ 考试时间 }}.\n";

    #[test]
    fn a_good_file_is_read_whole() {
        let f = parse(GOOD).unwrap();
        assert_eq!(f.title.as_deref(), Some("期末考试安排"));
        assert_eq!(f.subject.as_deref(), Some("{{ 姓名 }}同学：期末考试安排"));
        assert_eq!(f.channels, ["sandbox", "邮件"]);
        assert_eq!(f.audience.as_deref(), Some("group:农学院2024级; -contacts:12"));
        assert_eq!(f.strategy, Some(ChannelStrategy::PreferredThenFallback));
        assert_eq!(f.urgent, Some(true));
        assert_eq!(f.allow_unsubscribe, None);
        assert_eq!(f.values["考试时间"], "12月20日 9:00");
        assert_eq!(f.values["教室"], "301", "a number is taken as written");
        assert_eq!(f.body, "{{ 姓名 }}同学：\n\n考试时间：{{ 考试时间 }}。");
        let en = f.english.unwrap();
        assert_eq!(en.subject.as_deref(), Some("Final exam"));
        assert_eq!(en.body, "Dear {{ 姓名 }},\n\nYour exam is at {{ 考试时间 }}.");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line_and_the_likely_one() {
        let e = parse("---\ntitle: 通知\nchanels: [sandbox]\n---\n正文\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "front matter line 3: unknown key \"chanels\" (did you mean \"channels\"?)"
        );
        assert_eq!(e.line(), Some(3));
        assert_eq!(e.code(), "notice_file_unknown_key");
        let e = parse("---\ntitle: 通知\nenglish:\n  subjct: Hi\n  body: Hello\n---\n正文\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "front matter line 4: unknown key \"english.subjct\" (did you mean \"subject\"?)"
        );
    }

    #[test]
    fn bad_yaml_is_refused_with_the_file_line() {
        let e = parse("---\ntitle: 通知\nchannels: [sandbox\nurgent: true\n---\n正文\n").unwrap_err();
        assert_eq!(e.code(), "notice_file_syntax", "{e}");
        let line = e.line().unwrap();
        assert!((3..=5).contains(&line), "{e}");
        let e = parse("---\ntitle: 通知\nurgent: 是\n---\n正文\n").unwrap_err();
        assert_eq!(e.to_string(), "front matter line 3: \"urgent\" must be true or false");
        let e = parse("---\ntitle: 通知\n---\n").unwrap_err();
        assert_eq!(e.code(), "notice_file_body");
        let e = parse("---\ntitle: 通知\n正文\n").unwrap_err();
        assert_eq!(e, NoticeFileError::Unclosed { line: 1 });
    }

    #[test]
    fn a_missing_title_is_left_to_the_caller_and_a_file_without_front_matter_is_all_body() {
        let f = parse("---\nchannels: sandbox, 邮件\n---\n正文\n").unwrap();
        assert_eq!(f.title, None);
        assert_eq!(f.channels, ["sandbox", "邮件"], "a comma-separated line is a list too");
        assert_eq!(
            f.require_title().unwrap_err().to_string(),
            "missing key \"title\": add a line `title: …` to the front matter (or give --title)"
        );
        let f = parse("只有正文\n").unwrap();
        assert_eq!((f.title, f.body.as_str()), (None, "只有正文"));
    }

    #[test]
    fn the_english_version_comes_from_the_front_matter_or_after_the_marker_not_both() {
        let f = parse(
            "---\ntitle: 通知\nenglish:\n  subject: Notice\n  body: |\n    Hello {{ name }}.\n    Bye.\n---\n你好\n",
        )
        .unwrap();
        assert_eq!(
            f.english.unwrap(),
            NoticeText {
                subject: Some("Notice".into()),
                body: "Hello {{ name }}.\nBye.".into()
            }
        );
        let e = parse("---\ntitle: 通知\nenglish:\n  body: Hello\n---\n你好\n<!-- en -->\nHello\n").unwrap_err();
        assert_eq!(e.line(), Some(7));
        assert!(e.to_string().contains("given twice"), "{e}");
        let e = parse("---\ntitle: 通知\nenglish:\n  subject: Notice\n---\n你好\n").unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(
            e.to_string()
                .starts_with("front matter line 3: \"english\" has no body"),
            "{e}"
        );
        let f = parse("---\ntitle: 通知\n---\n你好\n<!-- EN -->\nHello\n").unwrap();
        assert_eq!(
            f.english.unwrap(),
            NoticeText {
                subject: None,
                body: "Hello".into()
            }
        );
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let f = parse(GOOD).unwrap();
        let again = parse(&write(&f)).unwrap();
        assert_eq!(again, f);
    }
}
