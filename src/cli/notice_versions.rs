//! `notices create`'s English version and channels' own versions (`--english-subject`,
//! `--english-body[-file]`, `--channel-body[-file]`, `--channel-english-body[-file]`), and
//! `notices show`'s printing of them.

use std::path::PathBuf;

use clap::Args;

use super::args::parse_value;
use super::notices::TEXT_FILE_BYTES;
use crate::model::{ChannelVersion, Notice, NoticeText};
use crate::App;

#[derive(Debug, Args)]
pub struct NoticeVersionArgs {
    /// The English version's subject (default: the Chinese subject). People whose contact
    /// language is English (en, en-US, English…) get the English version.
    #[arg(long, value_name = "TEXT")]
    pub english_subject: Option<String>,
    /// The English version's body, in Markdown with the same variables as the Chinese.
    #[arg(long, value_name = "TEXT", conflicts_with = "english_body_file")]
    pub english_body: Option<String>,
    /// Read the English body from a Markdown file (UTF-8).
    #[arg(long, value_name = "FILE.md")]
    pub english_body_file: Option<PathBuf>,
    /// A body of its own for one channel (a short text for a chat, a summary for a robot),
    /// replacing the body there: --channel-body "班级群=明天考试，详见邮件"; repeat for several.
    #[arg(long = "channel-body", value_name = "CHANNEL=TEXT", value_parser = parse_value)]
    pub channel_bodies: Vec<(String, String)>,
    /// The same, read from a Markdown file: --channel-body-file 班级群=summary.md.
    #[arg(long = "channel-body-file", value_name = "CHANNEL=FILE", value_parser = parse_value)]
    pub channel_body_files: Vec<(String, String)>,
    /// That channel's version in English, for its English readers: CHANNEL=TEXT.
    #[arg(long = "channel-english-body", value_name = "CHANNEL=TEXT", value_parser = parse_value)]
    pub channel_english_bodies: Vec<(String, String)>,
}

fn read(what: &str, path: &std::path::Path) -> anyhow::Result<String> {
    // Bad input, so exit code 2 like every other.
    Ok(crate::files::read_regular_text(path, TEXT_FILE_BYTES)
        .map_err(|e| crate::Error::Invalid(format!("cannot read the {what} file {}: {e}", path.display())))?)
}

/// The English version and the channels' versions the flags give.
pub async fn versions(
    app: &App,
    a: NoticeVersionArgs,
) -> anyhow::Result<(Option<NoticeText>, Option<Vec<ChannelVersion>>)> {
    let body = match (a.english_body, &a.english_body_file) {
        (Some(b), _) => Some(b),
        (None, Some(path)) => Some(read("English body", path)?),
        (None, None) => None,
    };
    let english = match (a.english_subject, body) {
        (None, None) => None,
        (subject, body) => Some(NoticeText {
            subject,
            body: body.unwrap_or_default(),
        }),
    };
    let mut versions: Vec<ChannelVersion> = Vec::new();
    let mut bodies = a.channel_bodies;
    for (channel, path) in a.channel_body_files {
        let text = read(&format!("{channel} body"), std::path::Path::new(&path))?;
        bodies.push((channel, text));
    }
    for (channel, body) in bodies {
        let id = app.channel_by_name(&channel).await?.id;
        if versions.iter().any(|v| v.channel_id == id) {
            return Err(crate::Error::Invalid(format!("versions: {channel} is given two bodies; give one")).into());
        }
        versions.push(ChannelVersion {
            channel_id: id,
            body,
            english_body: None,
        });
    }
    for (channel, english) in a.channel_english_bodies {
        let id = app.channel_by_name(&channel).await?.id;
        match versions.iter_mut().find(|v| v.channel_id == id) {
            Some(v) => v.english_body = Some(english),
            None => {
                return Err(crate::Error::Invalid(format!(
                    "versions: --channel-english-body {channel}=… needs --channel-body {channel}=… too"
                ))
                .into())
            }
        }
    }
    Ok((english, (!versions.is_empty()).then_some(versions)))
}

/// `notices show`'s lines after the Chinese body: the English version and channels' own.
pub async fn print(app: &App, n: &Notice) -> anyhow::Result<()> {
    if let Some(e) = &n.english {
        println!();
        println!("--- English version ---");
        println!("subject:  {}", e.subject.as_deref().unwrap_or(&n.subject));
        println!();
        println!("{}", e.body);
    }
    if n.channel_versions.is_empty() {
        return Ok(());
    }
    let channels = app.list_channels().await?;
    for v in &n.channel_versions {
        let name = channels
            .iter()
            .find(|c| c.id == v.channel_id)
            .map_or_else(|| format!("#{}", v.channel_id), |c| c.name.clone());
        println!();
        println!("--- version for {name} ---");
        println!("{}", v.body);
        if let Some(english) = &v.english_body {
            println!("--- version for {name}, English ---");
            println!("{english}");
        }
    }
    Ok(())
}
