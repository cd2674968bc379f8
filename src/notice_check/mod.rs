//! The whole-audience check: a notice rendered for every recipient on every channel it would
//! go on, before anything is queued, so that nobody gets a message with a hole in it, an
//! empty value where the text needs one, or one the platform would refuse.
//!
//! This module is the pure part: it is handed each person (as the store reads them, with the
//! variables fan-out would freeze) and counts and lists what it finds. The rendering is the
//! dispatcher's (`CompiledNotice::render_as`, Markdown-escaped for the kinds that read
//! Markdown); what a message must satisfy on a platform is the kind's
//! ([`crate::channels::Kind::check_message`]). `app::check` reads the store and refuses a send.

mod error;
mod problems;

use std::collections::{BTreeMap, HashMap};

pub use error::NoticeCheckError;
pub use problems::{empty_values, render_problem};

use crate::channels::{Figure, Kind, Tally};
use crate::compose::{ChannelTemplates, CompiledNotice, Rendered};
use crate::model::{
    BrokenMessage, ChannelCheck, ChannelKind, ChannelStrategy, CheckFigure, LanguageCount, MessageProblem, NoticeCheck,
    NoticeLanguage, VersionCounts,
};
use crate::store::CheckRow;

/// How many broken messages a check lists (the counts are always whole).
pub const LIST_LIMIT: usize = 1_000;

/// A chosen channel as the check needs it.
pub struct CheckedChannel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// Posts one message into a group chat.
    pub group: bool,
    /// Values in the body are Markdown-escaped, as the dispatcher renders them.
    pub markdown: bool,
    /// The kind's description (`None`: the sandbox, which checks nothing of its own).
    pub described: Option<&'static dyn Kind>,
}

/// Counts of one channel while the audience streams by.
#[derive(Default)]
struct Tallies {
    will_get: i64,
    no_address: i64,
    invalid_address: i64,
    opted_out: i64,
    other_channel: i64,
    broken: i64,
    figures: Vec<Figure>,
    versions: VersionCounts,
}

impl Tallies {
    fn add_figures(&mut self, figures: Vec<Figure>) {
        for f in figures {
            match self.figures.iter_mut().find(|t| t.key == f.key) {
                Some(t) => {
                    t.value = match t.tally {
                        Tally::Sum => t.value + f.value,
                        Tally::Max => t.value.max(f.value),
                    }
                }
                None => self.figures.push(f),
            }
        }
    }
}

/// The check of one notice, fed person by person.
pub struct Checker<'a> {
    notice_id: i64,
    /// Each channel's templates (in channel order), as its dispatcher compiles them.
    templates: &'a [ChannelTemplates],
    channels: &'a [CheckedChannel],
    strategy: ChannelStrategy,
    /// Preferred-then-fallback: each person's one channel, as fan-out picks it.
    chosen: HashMap<i64, i64>,
    tallies: Vec<Tallies>,
    languages: BTreeMap<Option<String>, i64>,
    /// Recipients by the version they get (English if any of their messages is English).
    versions: VersionCounts,
    people: i64,
    recipients: i64,
    broken_people: Vec<i64>,
    broken_messages: i64,
    broken: Vec<BrokenMessage>,
}

impl<'a> Checker<'a> {
    /// `templates`: one per channel, in the same order; `chosen`: for the preferred-channel
    /// strategy, (contact, channel) as fan-out would pick.
    pub fn new(
        notice_id: i64,
        templates: &'a [ChannelTemplates],
        channels: &'a [CheckedChannel],
        strategy: ChannelStrategy,
        chosen: Vec<(i64, i64)>,
    ) -> Checker<'a> {
        let mut checker = Checker {
            notice_id,
            templates,
            channels,
            strategy,
            chosen: chosen.into_iter().collect(),
            tallies: channels.iter().map(|_| Tallies::default()).collect(),
            languages: BTreeMap::new(),
            versions: VersionCounts::default(),
            people: 0,
            recipients: 0,
            broken_people: Vec::new(),
            broken_messages: 0,
            broken: Vec::new(),
        };
        checker.check_groups();
        checker
    }

    /// A group chat gets one message per run whoever the audience is, with no person's
    /// variables: checked once.
    fn check_groups(&mut self) {
        for (i, channel) in self.channels.iter().enumerate().filter(|(_, c)| c.group) {
            self.tallies[i].will_get = 1;
            let rendered = self.templates[i].zh.render_as(&serde_json::json!({}), channel.markdown);
            if let Some(problem) = self.message_problem(i, &rendered) {
                self.record(None, i, problem);
            }
        }
    }

    /// The first problem of one message on channel `i`, tallying the kind's figures.
    fn message_problem(
        &mut self,
        i: usize,
        rendered: &Result<Rendered, crate::compose::ComposeError>,
    ) -> Option<MessageProblem> {
        let message = match rendered {
            Ok(m) => m,
            Err(e) => return Some(render_problem(e)),
        };
        let check = self.channels[i].described?.check_message(message);
        self.tallies[i].add_figures(check.figures);
        check.problems.into_iter().next()
    }

    fn record(&mut self, person: Option<&CheckRow>, i: usize, problem: MessageProblem) {
        self.tallies[i].broken += 1;
        self.broken_messages += 1;
        if self.broken.len() < LIST_LIMIT {
            let channel = &self.channels[i];
            self.broken.push(BrokenMessage {
                contact_id: person.map(|p| p.contact_id),
                name: person.map(|p| p.name.clone()),
                external_id: person.and_then(|p| p.external_id.clone()),
                channel_id: channel.id,
                channel_name: channel.name.clone(),
                problem,
            });
        }
    }

    /// One person of the audience, with their state on each channel (in channel order).
    pub fn person(&mut self, row: CheckRow) {
        self.people += 1;
        *self.languages.entry(row.language.clone()).or_default() += 1;
        let vars: serde_json::Value = match serde_json::from_str(&row.variables) {
            Ok(v) => v,
            // Written by our own query, so this is a damaged row: rendering it would fail too.
            Err(_) => serde_json::json!({}),
        };
        // One rendering per version and sort (text or Markdown-escaped): channels with the
        // same templates and sort share it.
        type Render<'t> = (&'t CompiledNotice, bool, Result<Rendered, crate::compose::ComposeError>);
        let mut renders: Vec<Render<'a>> = Vec::with_capacity(2);
        let (mut gets, mut broken, mut english) = (false, false, false);
        let channels = self.channels;
        for (i, channel) in channels.iter().enumerate() {
            if channel.group {
                continue;
            }
            let state = row.states[i];
            let chosen_here = match self.strategy {
                ChannelStrategy::All => state == 0,
                ChannelStrategy::PreferredThenFallback => self.chosen.get(&row.contact_id) == Some(&channel.id),
            };
            if !chosen_here {
                let t = &mut self.tallies[i];
                match state {
                    0 => t.other_channel += 1,
                    1 => t.opted_out += 1,
                    2 => t.invalid_address += 1,
                    _ => t.no_address += 1,
                }
                continue;
            }
            self.tallies[i].will_get += 1;
            gets = true;
            let templates = self.templates;
            let (notice, language) = templates[i].pick(&vars);
            match language {
                NoticeLanguage::Zh => self.tallies[i].versions.zh += 1,
                NoticeLanguage::En => {
                    self.tallies[i].versions.en += 1;
                    english = true;
                }
            }
            let at = match renders
                .iter()
                .position(|(t, md, _)| std::ptr::eq(*t, notice) && *md == channel.markdown)
            {
                Some(at) => at,
                None => {
                    renders.push((notice, channel.markdown, notice.render_as(&vars, channel.markdown)));
                    renders.len() - 1
                }
            };
            let empty = empty_values(&notice.used(), &vars);
            let rendered = &renders[at].2;
            let problem = match (rendered, empty.first()) {
                // A rendered message with an empty value in it is broken whatever its size.
                (Ok(_), Some(p)) => Some(p.clone()),
                _ => self.message_problem(i, rendered),
            };
            if let Some(problem) = problem {
                broken = true;
                self.record(Some(&row), i, problem);
            }
        }
        self.recipients += i64::from(gets);
        if gets {
            if english {
                self.versions.en += 1;
            } else {
                self.versions.zh += 1;
            }
        }
        if broken {
            self.broken_people.push(row.contact_id);
        }
    }

    /// The finished check, and every person with a broken message (by id), which the list
    /// may cut short.
    pub fn finish(self) -> (NoticeCheck, Vec<i64>) {
        let channels = self
            .channels
            .iter()
            .zip(self.tallies)
            .map(|(c, t)| ChannelCheck {
                channel_id: c.id,
                channel_name: c.name.clone(),
                kind: c.kind,
                group: c.group,
                will_get: t.will_get,
                no_address: t.no_address,
                invalid_address: t.invalid_address,
                opted_out: t.opted_out,
                other_channel: t.other_channel,
                broken: t.broken,
                versions: t.versions,
                figures: t
                    .figures
                    .into_iter()
                    .map(|f| CheckFigure {
                        key: f.key,
                        label: f.label,
                        value: f.value,
                    })
                    .collect(),
            })
            .collect();
        let check = NoticeCheck {
            notice_id: self.notice_id,
            people: self.people,
            recipients: self.recipients,
            channels,
            languages: self
                .languages
                .into_iter()
                .map(|(language, people)| LanguageCount { language, people })
                .collect(),
            versions: self.versions,
            broken_people: self.broken_people.len() as i64,
            broken_messages: self.broken_messages,
            broken: self.broken,
            list_limit: LIST_LIMIT as i64,
            ok: self.broken_messages == 0,
        };
        (check, self.broken_people)
    }
}

#[cfg(test)]
mod tests;
