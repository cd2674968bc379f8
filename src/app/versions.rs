//! A notice's English version and its channels' own versions, as `create_notice` takes them:
//! tidied (an untouched, empty section is no version), each checked like the Chinese (known
//! variables, the group-chat rule, byte limits), each refusal naming its field.

use std::collections::BTreeMap;

use crate::channels::is_group;
use crate::compose::{self, ChannelTemplates, ComposeError, Texts};
use crate::model::{Channel, ChannelVersion, NewNotice, NoticeText};
use crate::{Error, Result};

/// The versions of a notice being composed, checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckedVersions {
    pub english: Option<NoticeText>,
    pub channel_versions: Vec<ChannelVersion>,
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `input`'s versions tidied: empty texts dropped, a version for a channel the notice does
/// not go on (or two for one) refused.
pub(crate) fn tidy(input: &NewNotice, channels: &[Channel]) -> Result<CheckedVersions> {
    let english = match &input.english {
        None => None,
        Some(e) => {
            let subject = non_empty(e.subject.as_deref());
            match (e.body.trim().is_empty(), subject) {
                (true, None) => None,
                (true, Some(_)) => return Err(ComposeError::Empty { field: "english.body" }.into()),
                (false, subject) => Some(NoticeText {
                    subject,
                    body: e.body.clone(),
                }),
            }
        }
    };
    let mut channel_versions: Vec<ChannelVersion> = Vec::new();
    for v in input.channel_versions.iter().flatten() {
        let Some(channel) = channels.iter().find(|c| c.id == v.channel_id) else {
            return Err(Error::Invalid(format!(
                "versions: channel #{} is not one of the notice's channels; a channel's own version is for a chosen channel",
                v.channel_id
            )));
        };
        if channel_versions.iter().any(|w| w.channel_id == v.channel_id) {
            return Err(Error::Invalid(format!(
                "versions: {} has two versions; give one",
                channel.name
            )));
        }
        let english_body = non_empty(v.english_body.as_deref()).map(|_| v.english_body.clone().unwrap_or_default());
        if v.body.trim().is_empty() {
            if english_body.is_none() {
                continue;
            }
            return Err(in_version(channel, ComposeError::Empty { field: "versions.body" }));
        }
        channel_versions.push(ChannelVersion {
            channel_id: v.channel_id,
            body: v.body.clone(),
            english_body,
        });
    }
    Ok(CheckedVersions {
        english,
        channel_versions,
    })
}

fn in_version(channel: &Channel, error: ComposeError) -> Error {
    ComposeError::InVersion {
        channel: channel.name.clone(),
        error: Box::new(error),
    }
    .into()
}

/// Checks the English texts and the channels' versions as the Chinese is checked. `group`:
/// the group channel the notice's own body goes to, if any (one without a version of its own).
pub(crate) fn check(
    versions: &CheckedVersions,
    channels: &[Channel],
    values: &BTreeMap<String, String>,
    attributes: &[String],
    group: Option<&str>,
) -> Result<()> {
    if let Some(e) = &versions.english {
        if let Some(subject) = &e.subject {
            compose::check_template("english.subject", subject, values, attributes, None)?;
        }
        compose::check_template("english.body", &e.body, values, attributes, group)?;
    }
    for v in &versions.channel_versions {
        let Some(channel) = channels.iter().find(|c| c.id == v.channel_id) else {
            continue;
        };
        let group = is_group(channel.kind).then_some(channel.name.as_str());
        compose::check_template("versions.body", &v.body, values, attributes, group)
            .map_err(|e| in_version(channel, e))?;
        if let Some(b) = &v.english_body {
            compose::check_template("versions.englishBody", b, values, attributes, group)
                .map_err(|e| in_version(channel, e))?;
        }
    }
    Ok(())
}

/// A group chat's one message (its version or the body, with the English after it), known
/// now since it is the same for everyone: refused here when over the platform's byte limit.
pub(crate) fn check_group_sizes(texts: &Texts, groups: &[&Channel], date: &str) -> Result<()> {
    for group in groups {
        let Some(crate::channels::Format::Markdown { max_bytes, .. }) =
            crate::channels::find(group.kind.as_str()).map(|k| k.format())
        else {
            continue;
        };
        let versioned = texts.version(group.id).is_some();
        let wrap = |e: ComposeError| -> Error {
            if versioned {
                in_version(group, e)
            } else {
                e.into()
            }
        };
        let r = ChannelTemplates::compile(texts, group.id, true, date)
            .and_then(|t| t.zh.render(&serde_json::json!({})))
            .map_err(wrap)?;
        let size = r.subject.len() + r.body.len();
        if size > max_bytes {
            return Err(wrap(ComposeError::TooLongFor {
                field: if versioned { "versions.body" } else { "body" },
                size,
                limit: max_bytes,
                channel: group.name.clone(),
            }));
        }
    }
    Ok(())
}
