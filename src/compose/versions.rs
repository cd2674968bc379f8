//! A notice's versions: the Chinese, an English one beside it, and bodies of their own for
//! some channels; which of them one person gets on one channel.
//!
//! The choice is made here alone, and fan-out freezes what it reads (the contact's
//! `language`), so the dispatcher, the whole-audience check and the preview choose alike and
//! a retry after the contact was edited sends what the first attempt would have.
//!
//! - A person whose language is English (`en`, `en-US`, `en_GB`, `English`, `英文`, `英语`;
//!   any case) gets the English version when the notice has one; everyone else, and everyone
//!   when it has none, the Chinese.
//! - A channel with a version of its own sends that body instead of the notice's (the
//!   subject stays); its English reader gets the version's English body, or the Chinese
//!   version when it has none (a chat's short text is not swapped for the long English body).
//! - An English version without a subject of its own takes the Chinese subject: the title
//!   still says which notice it is.
//! - A group chat (a robot) posts one message for everyone: its version (or the body), then,
//!   when there is English, [`GROUP_SEPARATOR`] and the English body (the version's).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{frozen_names, CompiledNotice, ComposeError};
use crate::model::{ChannelVersion, Notice, NoticeLanguage, NoticeText};

/// Between the Chinese and the English of a group chat's one message: a horizontal rule.
pub const GROUP_SEPARATOR: &str = "\n\n---\n\n";

/// Whether someone whose contact says `language` reads English.
fn reads_english(language: &str) -> bool {
    let l = language.trim().to_lowercase();
    l == "en" || l.starts_with("en-") || l.starts_with("en_") || l == "english" || l == "英文" || l == "英语"
}

/// The version a person gets: English when their language is English and the notice (on
/// this channel) has English, otherwise Chinese.
pub fn choose_language(contact_language: Option<&str>, has_english: bool) -> NoticeLanguage {
    if has_english && contact_language.is_some_and(reads_english) {
        NoticeLanguage::En
    } else {
        NoticeLanguage::Zh
    }
}

/// A notice's texts, borrowed from a stored notice or from one being composed.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub english: Option<&'a NoticeText>,
    pub versions: &'a [ChannelVersion],
    pub values: &'a BTreeMap<String, String>,
}

impl<'a> Texts<'a> {
    pub fn of(notice: &'a Notice) -> Texts<'a> {
        Texts {
            subject: &notice.subject,
            body: &notice.body,
            english: notice.english.as_ref(),
            versions: &notice.channel_versions,
            values: &notice.values,
        }
    }

    /// The version of its own channel `channel_id` has, if any.
    pub fn version(&self, channel_id: i64) -> Option<&'a ChannelVersion> {
        self.versions.iter().find(|v| v.channel_id == channel_id)
    }

    /// Whether anyone can get English.
    pub fn has_english(&self) -> bool {
        self.english.is_some() || self.versions.iter().any(|v| v.english_body.is_some())
    }

    /// Every (subject, body) pair some reader may get.
    fn pairs(&self) -> Vec<(&'a str, &'a str)> {
        let mut pairs = vec![(self.subject, self.body)];
        let english_subject = self.english.and_then(|e| e.subject.as_deref()).unwrap_or(self.subject);
        if let Some(e) = self.english {
            pairs.push((english_subject, e.body.as_str()));
        }
        for v in self.versions {
            pairs.push((self.subject, v.body.as_str()));
            if let Some(b) = &v.english_body {
                pairs.push((english_subject, b.as_str()));
            }
        }
        pairs
    }
}

/// The contact variables fan-out must freeze for every version of a notice, and `language`
/// when it has English (the choice is then made from the frozen value).
pub fn frozen_names_of(texts: &Texts) -> Result<Vec<String>, ComposeError> {
    let mut names = Vec::new();
    for (subject, body) in texts.pairs() {
        names.extend(frozen_names(subject, body, texts.values)?);
    }
    if texts.has_english() {
        names.push("language".to_owned());
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// The templates one channel sends a notice with, compiled once: the Chinese, and the English
/// for its English readers.
pub struct ChannelTemplates {
    pub zh: CompiledNotice,
    pub en: Option<CompiledNotice>,
}

impl ChannelTemplates {
    /// The templates of channel `channel_id` (`group`: it posts one message into a chat).
    pub fn compile(texts: &Texts, channel_id: i64, group: bool, date: &str) -> Result<ChannelTemplates, ComposeError> {
        let version = texts.version(channel_id);
        let (body_field, body) = match version {
            Some(v) => ("versions.body", v.body.as_str()),
            None => ("body", texts.body),
        };
        let english = match version {
            Some(v) => v.english_body.as_deref().map(|b| ("versions.englishBody", b)),
            None => texts.english.map(|e| ("english.body", e.body.as_str())),
        };
        if group {
            let joined;
            let body = match english {
                Some((_, en)) => {
                    joined = format!("{body}{GROUP_SEPARATOR}{en}");
                    joined.as_str()
                }
                None => body,
            };
            let zh = CompiledNotice::with_fields(("subject", texts.subject), (body_field, body), texts.values, date)?;
            return Ok(ChannelTemplates { zh, en: None });
        }
        let zh = CompiledNotice::with_fields(("subject", texts.subject), (body_field, body), texts.values, date)?;
        let en = match english {
            Some(field_body) => {
                let subject = match texts.english.and_then(|e| e.subject.as_deref()) {
                    Some(s) => ("english.subject", s),
                    None => ("subject", texts.subject),
                };
                Some(CompiledNotice::with_fields(subject, field_body, texts.values, date)?)
            }
            None => None,
        };
        Ok(ChannelTemplates { zh, en })
    }

    /// The version for a person with these frozen variables, and which it is.
    pub fn pick(&self, vars: &Value) -> (&CompiledNotice, NoticeLanguage) {
        let language = vars.get("language").and_then(Value::as_str);
        match (choose_language(language, self.en.is_some()), &self.en) {
            (NoticeLanguage::En, Some(en)) => (en, NoticeLanguage::En),
            _ => (&self.zh, NoticeLanguage::Zh),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn english_readers_get_english_when_there_is_some_and_everyone_else_chinese() {
        for l in ["en", "EN", "en-US", "en_GB", "English", " english ", "英文", "英语"] {
            assert_eq!(choose_language(Some(l), true), NoticeLanguage::En, "{l}");
            assert_eq!(
                choose_language(Some(l), false),
                NoticeLanguage::Zh,
                "{l}: no English to give"
            );
        }
        for l in ["zh", "zh-CN", "", "ja", "eng-ish", "fr-en"] {
            assert_eq!(choose_language(Some(l), true), NoticeLanguage::Zh, "{l}");
        }
        assert_eq!(choose_language(None, true), NoticeLanguage::Zh);
    }

    fn notice(versions: Vec<ChannelVersion>, english: Option<NoticeText>) -> Notice {
        Notice {
            id: 1,
            title: "考试".into(),
            subject: "考试通知".into(),
            body: "{{ 姓名 }}同学：考试在 {{ 考试时间 }}。".into(),
            audience: "all".into(),
            audience_text: "all".into(),
            channel_ids: vec![1, 2, 3],
            channel_strategy: Default::default(),
            status: crate::model::NoticeStatus::Draft,
            stage: crate::model::NoticeStage::Draft,
            priority: 0,
            created_at: String::new(),
            updated_at: String::new(),
            last_run: None,
            attachments: vec![],
            allow_unsubscribe: false,
            values: BTreeMap::from([("考试时间".to_owned(), "9:00".to_owned())]),
            english,
            channel_versions: versions,
        }
    }

    #[test]
    fn each_channel_and_language_renders_its_own_text() {
        let n = notice(
            vec![
                ChannelVersion {
                    channel_id: 2,
                    body: "考试 {{ 考试时间 }}".into(),
                    english_body: None,
                },
                ChannelVersion {
                    channel_id: 3,
                    body: "群：考试 {{ 考试时间 }}".into(),
                    english_body: Some("Group: exam at {{ 考试时间 }}".into()),
                },
            ],
            Some(NoticeText {
                subject: None,
                body: "Dear {{ name }}, the exam is at {{ 考试时间 }}.".into(),
            }),
        );
        let texts = Texts::of(&n);
        let en = json!({"name": "Li Lei", "language": "en-US"});
        let zh = json!({"name": "王小明", "language": "zh"});
        let main = ChannelTemplates::compile(&texts, 1, false, "2026-12-09").unwrap();
        let (t, l) = main.pick(&en);
        let r = t.render(&en).unwrap();
        assert_eq!(
            (l, r.subject.as_str(), r.body.as_str()),
            (NoticeLanguage::En, "考试通知", "Dear Li Lei, the exam is at 9:00.")
        );
        let (t, l) = main.pick(&zh);
        assert_eq!(
            (l, t.render(&zh).unwrap().body),
            (NoticeLanguage::Zh, "王小明同学：考试在 9:00。".to_owned())
        );
        // A version without English: everyone gets the version.
        let short = ChannelTemplates::compile(&texts, 2, false, "2026-12-09").unwrap();
        let (t, l) = short.pick(&en);
        assert_eq!(
            (l, t.render(&en).unwrap().body),
            (NoticeLanguage::Zh, "考试 9:00".to_owned())
        );
        // A group: one message, the Chinese then the English.
        let group = ChannelTemplates::compile(&texts, 3, true, "2026-12-09").unwrap();
        let (t, l) = group.pick(&json!({}));
        assert_eq!(l, NoticeLanguage::Zh);
        assert_eq!(
            t.render(&json!({})).unwrap().body,
            format!("群：考试 9:00{GROUP_SEPARATOR}Group: exam at 9:00")
        );
        assert_eq!(frozen_names_of(&texts).unwrap(), vec!["language", "name"]);
    }

    #[test]
    fn an_english_subject_of_its_own_is_used_and_errors_name_the_english_field() {
        let n = notice(
            vec![],
            Some(NoticeText {
                subject: Some("Exam for {{ name }}".into()),
                body: "Room {{ room }}".into(),
            }),
        );
        let t = ChannelTemplates::compile(&Texts::of(&n), 1, false, "2026-12-09").unwrap();
        let vars = json!({"name": "Li", "language": "English"});
        let err = t.pick(&vars).0.render(&vars).unwrap_err();
        assert_eq!(
            err,
            ComposeError::Missing {
                field: "english.body",
                variable: "room".into()
            }
        );
        let vars = json!({"name": "Li", "language": "en", "room": "A1"});
        assert_eq!(t.pick(&vars).0.render(&vars).unwrap().subject, "Exam for Li");
    }
}
