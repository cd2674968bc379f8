//! Every command and flag of `herald`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Herald: send notices to many people through e-mail, SMS, chat robots and webhooks,
/// from one desk.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None)]
pub struct Cli {
    /// The data directory (default: the OS data directory, e.g. ~/.local/share/herald).
    #[arg(long, global = true, env = "HERALD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add and list the people notices go to.
    #[command(subcommand)]
    Contacts(ContactsCmd),
    /// The built-in demo data.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// Static groups and rule segments (e.g. "2024 students of 农学院").
    #[command(subcommand)]
    Groups(GroupsCmd),
    /// Who an audience spec reaches.
    #[command(subcommand)]
    Audience(AudienceCmd),
    /// Compose, list and send notices.
    #[command(subcommand)]
    Notices(NoticesCmd),
    /// Saved notice contents to start from (five bilingual ones are built in).
    #[command(subcommand)]
    Templates(super::templates::TemplatesCmd),
    /// The configured channels (sandbox, e-mail, SMS, robots, webhooks).
    #[command(subcommand)]
    Channels(ChannelsCmd),
    /// Send what is waiting in the outbox.
    Dispatch(DispatchArgs),
    /// Runs: each sending of a notice.
    #[command(subcommand)]
    Runs(RunsCmd),
    /// What was sent: runs, and with --run every delivery and attempt.
    History(HistoryArgs),
    /// The sandbox channel's local inbox.
    #[command(subcommand)]
    Sandbox(SandboxCmd),
    /// Your own settings: who you are (tests go to you), when a send asks for the number.
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Where the data is and who is dispatching.
    Info,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCmd {
    /// Add one contact.
    Add(ContactAddArgs),
    /// List contacts (by name), optionally filtered.
    List(ContactListArgs),
    /// Import contacts from a CSV or Excel file, updating those with the same 学号/工号.
    Import(ContactImportArgs),
    /// Write every contact to a CSV or Excel file (the layout `import` reads).
    Export(ContactExportArgs),
    /// Everything about one contact: addresses (and whether they failed), preferences, tags,
    /// attributes.
    Show {
        /// The contact's 学号/工号, or its number id (`#12` when that could be read as either).
        contact: String,
    },
    /// Change one contact; what is not named stays as it is.
    Edit(Box<ContactEditArgs>),
    /// Delete contacts. Contacts that notices were sent to are kept for the history: if any
    /// is among them, nothing is deleted.
    Delete {
        /// 学号/工号 or number ids.
        #[arg(required = true)]
        contacts: Vec<String>,
    },
    /// Record unsubscribe requests that came back by e-mail (from notices sent with
    /// --allow-unsubscribe): the contacts with these addresses get no more e-mail.
    Unsubscribe(UnsubscribeArgs),
    /// Find, through an app channel, the platform ids (e.g. WeCom userids) of contacts who
    /// have a mobile but no such id, and store those found.
    LinkIds {
        /// The app channel to look them up through.
        #[arg(long)]
        channel: String,
        /// Show who would be found, store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct UnsubscribeArgs {
    /// Addresses, or any text holding them (saved mails, a list); with none, standard input.
    pub addresses: Vec<String>,
    /// Read the text from this file instead (saved mails, an exported list).
    #[arg(long, value_name = "FILE", conflicts_with = "addresses")]
    pub from_file: Option<PathBuf>,
    /// Show who would be opted out, change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ContactImportArgs {
    /// The .csv or .xlsx file (the first row holds the headers).
    pub file: PathBuf,
    /// Check and count everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write every problem to this file (.csv or .xlsx).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The CSV's encoding, e.g. utf-8 or gbk (default: detected).
    #[arg(long, value_name = "E")]
    pub encoding: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContactExportArgs {
    /// The file to write: .xlsx, or CSV (UTF-8 with a BOM) otherwise.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ContactAddArgs {
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// Student or staff number (学号/工号); must be unique.
    #[arg(long)]
    pub external_id: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub mobile: Option<String>,
    /// Role, e.g. 学生, 教师.
    #[arg(long)]
    pub role: Option<String>,
    /// Department (院系).
    #[arg(long)]
    pub department: Option<String>,
    /// Class (班级).
    #[arg(long = "class")]
    pub class_name: Option<String>,
    /// Grade (年级), e.g. 2024.
    #[arg(long)]
    pub grade: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContactListArgs {
    /// Part of a name, id, e-mail or mobile.
    #[arg(long)]
    pub search: Option<String>,
    /// Only this department (exact).
    #[arg(long)]
    pub department: Option<String>,
    /// Only this grade (exact).
    #[arg(long)]
    pub grade: Option<String>,
    /// Only this class (exact).
    #[arg(long = "class")]
    pub class_name: Option<String>,
    /// Only this role (exact).
    #[arg(long)]
    pub role: Option<String>,
    /// Only contacts with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Only this language (zh-CN, en).
    #[arg(long)]
    pub language: Option<String>,
    /// Order by name, externalId, department, class, grade or createdAt.
    #[arg(long, value_name = "FIELD", value_parser = parse_sort)]
    pub sort: Option<crate::model::ContactSort>,
    /// Largest first.
    #[arg(long)]
    pub desc: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

fn parse_sort(s: &str) -> Result<crate::model::ContactSort, String> {
    crate::model::ContactSort::parse(s).ok_or_else(|| {
        let names: Vec<&str> = crate::model::ContactSort::ALL.iter().map(|c| c.as_str()).collect();
        format!("use one of {}", names.join(", "))
    })
}

#[derive(Debug, Args)]
pub struct ContactEditArgs {
    /// The contact's 学号/工号, or its number id (`#12` when that could be read as either).
    pub contact: String,
    #[arg(long)]
    pub name: Option<String>,
    /// A new 学号/工号 (empty: none).
    #[arg(long)]
    pub external_id: Option<String>,
    #[arg(long, conflicts_with = "no_email")]
    pub email: Option<String>,
    /// Remove the e-mail address.
    #[arg(long)]
    pub no_email: bool,
    #[arg(long, conflicts_with = "no_mobile")]
    pub mobile: Option<String>,
    /// Remove the mobile number.
    #[arg(long)]
    pub no_mobile: bool,
    /// Any address kind (email, mobile, wecom, dingtalk, feishu); an empty value removes it.
    #[arg(long, value_name = "KIND=VALUE")]
    pub address: Vec<String>,
    /// Empty: none.
    #[arg(long)]
    pub department: Option<String>,
    /// Empty: none.
    #[arg(long = "class")]
    pub class_name: Option<String>,
    /// Empty: none.
    #[arg(long)]
    pub grade: Option<String>,
    /// Empty: none.
    #[arg(long)]
    pub role: Option<String>,
    #[arg(long, value_parser = ["zh-CN", "en"])]
    pub language: Option<String>,
    /// `+TAG` (or `TAG`) adds a tag, `-TAG` removes one; repeatable.
    #[arg(long, value_name = "+TAG|-TAG", allow_hyphen_values = true)]
    pub tag: Vec<String>,
    /// Receiving methods in order of preference, e.g. `email,sms` (replaces the old order;
    /// empty: none).
    #[arg(long, value_name = "LIST")]
    pub prefer: Option<String>,
    /// Send this person nothing on this method (email, sms, wecom, dingtalk, feishu, or a
    /// channel kind); repeatable.
    #[arg(long, value_name = "KIND")]
    pub opt_out: Vec<String>,
    /// Undo an --opt-out; repeatable.
    #[arg(long, value_name = "KIND")]
    pub opt_in: Vec<String>,
    /// Set an attribute (a template variable); an empty value removes it; repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub attr: Vec<String>,
    /// Mark this kind's address valid again (after fixing it elsewhere); repeatable.
    #[arg(long, value_name = "KIND")]
    pub clear_invalid: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum DemoCmd {
    /// Add the built-in demo contacts (those not already present).
    Load,
}

#[derive(Debug, Subcommand)]
pub enum NoticesCmd {
    /// Compose a notice (a draft until sent).
    Create(Box<NoticeCreateArgs>),
    /// List notices, newest first.
    List {
        /// Only notices at this stage (sending: their latest run is still going).
        #[arg(long)]
        stage: Option<crate::model::NoticeStage>,
    },
    /// Delete a draft (a notice that was sent is kept for the history).
    Delete { id: i64 },
    /// Show one notice.
    Show { id: i64 },
    /// Show exactly what one person gets on each of a notice's channels (or one of them),
    /// built by the code that sends it.
    Preview(NoticePreviewArgs),
    /// Check a notice against its whole audience: who gets it on each channel, languages, and
    /// everyone who would get a broken message (exit code 1 when someone would).
    Check { id: i64 },
    /// Leave people out of a draft's audience on purpose (added to it as `-contacts:…`).
    #[command(group(clap::ArgGroup::new("who").required(true).args(["broken", "contacts"])))]
    LeaveOut {
        id: i64,
        /// Everyone the check finds a broken message for.
        #[arg(long)]
        broken: bool,
        /// These contacts, by 学号/工号 or #ID, separated by commas.
        #[arg(long, value_delimiter = ',', value_name = "X,Y")]
        contacts: Vec<String>,
    },
    /// List the variables templates may use: contact fields with their Chinese names, the
    /// date, imported columns, and the values given with --value.
    Variables {
        /// A value the notice would give for everyone (KEY=VALUE); repeat for several.
        #[arg(long = "value", value_name = "KEY=VALUE", value_parser = parse_value)]
        values: Vec<(String, String)>,
    },
    /// Send a draft to yourself alone (the contact `herald settings set me` names), on each of
    /// its channels where you have an address; it stays a draft. Waits for the message to go
    /// unless another process dispatches (the desktop app).
    Test { id: i64 },
    /// A new draft with the same content, audience and channels as a notice.
    Duplicate { id: i64 },
    /// A new draft of a sent notice for exactly the people it did not reach (failed,
    /// cancelled, or no address) who have a usable address on one of its channels.
    Resend {
        id: i64,
        /// Only those it did not reach (the one kind of resend there is; required, to say so).
        #[arg(long, required = true)]
        unreached: bool,
    },
    /// Send a draft notice now: its deliveries go to the outbox for the dispatcher.
    Send {
        id: i64,
        /// Dispatch here until this run is done (otherwise the desktop app or `herald dispatch` sends it).
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Args)]
pub struct NoticePreviewArgs {
    /// The notice's id.
    pub id: i64,
    /// Whose message: their 学号/工号, or #ID. Not needed for a group chat's message.
    #[arg(long)]
    pub contact: Option<String>,
    /// Only this channel; repeat for several (default: every channel of the notice).
    #[arg(long = "channel")]
    pub channels: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NoticeCreateArgs {
    /// A Markdown file with front matter (title, subject, channels, audience, values, English
    /// version: docs/NOTICE-FILES.md); flags given beside it win over what it says.
    #[arg(long, value_name = "FILE.md", conflicts_with_all = ["body", "body_file"])]
    pub file: Option<PathBuf>,
    #[arg(long, required_unless_present = "file")]
    pub title: Option<String>,
    /// Subject line (default: the title). May use variables such as {{ name }}.
    #[arg(long)]
    pub subject: Option<String>,
    /// The body in Markdown. May use variables such as {{ name }}, {{ class }}.
    #[arg(long, conflicts_with = "body_file", required_unless_present_any = ["body_file", "file"])]
    pub body: Option<String>,
    /// Read the body from a Markdown file (UTF-8).
    #[arg(long, value_name = "FILE.md")]
    pub body_file: Option<PathBuf>,
    /// Channel name; repeat for several.
    #[arg(long = "channel", required_unless_present = "file")]
    pub channels: Vec<String>,
    /// Who gets it (default `all`): `all`, or items joined by `;`: `group:NAME` (a group or
    /// segment), `contacts:ID,ID`, `rule:CONDITIONS`; `-` before an item leaves it out, e.g.
    /// "group:农学院2024级; group:班干部; -contacts:12". Groups and rules are resolved when sent.
    #[arg(long)]
    pub audience: Option<String>,
    /// Send before everything else.
    #[arg(long)]
    pub urgent: bool,
    /// A file to attach (e-mail carries it); repeat for several. Herald keeps its own copy.
    #[arg(long = "attach", value_name = "FILE")]
    pub attachments: Vec<PathBuf>,
    /// Let e-mail recipients opt out: each message carries List-Unsubscribe (a reply to the
    /// channel's reply-to or from address) and a line saying how; record the requests that
    /// come back with `herald contacts unsubscribe`.
    #[arg(long)]
    pub allow_unsubscribe: bool,
    /// Send each person the notice once, on their preferred channel among those given (their
    /// own order, then the order of --channel), falling back to the next one on a permanent
    /// failure. Without it, everyone gets it on every channel.
    #[arg(long)]
    pub fallback: bool,
    /// A value given once for everyone, used in the templates as {{ KEY }}: e.g.
    /// --value "考试时间=12月20日 9:00"; repeat for several.
    #[arg(long = "value", value_name = "KEY=VALUE", value_parser = parse_value)]
    pub values: Vec<(String, String)>,
    #[command(flatten)]
    pub versions: super::notice_versions::NoticeVersionArgs,
}

/// `KEY=VALUE` split at the first `=` (a value may hold `=`); the key trimmed.
pub(super) fn parse_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

#[derive(Debug, Subcommand)]
pub enum ChannelsCmd {
    /// Add a channel.
    #[command(subcommand)]
    Add(ChannelAddCmd),
    /// Change a channel: only what is given changes.
    #[command(subcommand)]
    Edit(ChannelEditCmd),
    /// List channels with their health.
    List,
    /// Show one channel: kind, health, limits, why it is paused.
    Show { name: String },
    /// Stop sending through a channel (its deliveries wait).
    Pause { name: String },
    /// Send through a paused channel again (also one that paused itself after failures).
    Resume { name: String },
    /// Queue every failed delivery of this channel again.
    RetryFailed { name: String },
    /// Send one test message and show what the server or platform answered: into the group
    /// for a robot, to --to for e-mail and app channels.
    Test {
        name: String,
        /// Whom the test message goes to (an e-mail address, a platform user id).
        #[arg(long)]
        to: Option<String>,
    },
    /// The kinds of channel this version can add, with their settings.
    Kinds,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    /// Stop when nothing is left to send (otherwise keep waiting for new work; Ctrl-C stops).
    #[arg(long)]
    pub until_idle: bool,
    /// Only this channel.
    #[arg(long)]
    pub channel: Option<String>,
    /// Do not draw a progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// How long a claim is good for, in seconds (default 120); for tests of slow servers.
    #[arg(long, hide = true)]
    pub lease_secs: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum RunsCmd {
    /// List runs, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show a run with its deliveries and attempts.
    Show { id: i64 },
    /// Stop claiming this run's deliveries (those in flight finish).
    Pause { id: i64 },
    /// Go on with a paused run.
    Resume { id: i64 },
    /// Cancel what the run has not sent yet.
    Cancel { id: i64 },
    /// Queue the run's failed deliveries again (or just one with --delivery).
    RetryFailed {
        id: i64,
        /// Only this delivery (it must belong to the run).
        #[arg(long)]
        delivery: Option<i64>,
    },
    /// Recall a run sent by mistake (撤回): what it has not sent is cancelled, and what it
    /// sent is recalled where the platform allows it, within its window (WeCom and Feishu
    /// app messages: 24 hours after sending). Robot messages and e-mails cannot be recalled.
    Recall {
        id: i64,
        /// Recall without asking first.
        #[arg(long)]
        yes: bool,
    },
    /// Ask the platforms who has read the run's messages (Feishu app messages, DingTalk work
    /// notifications), keep the answer, and print read / unread counts.
    Reads { id: i64 },
    /// 提醒未读: send a short reminder to those who have not read the run (checked first),
    /// as a new run linked to it, on the same channel.
    Remind {
        id: i64,
        /// Send the reminder now and wait until it is sent.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Show this run's deliveries and attempts.
    #[arg(long)]
    pub run: Option<i64>,
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show the settings.
    Show,
    /// Change one: `me 学号` (or #ID), `confirm-above N`.
    Set {
        #[arg(value_enum)]
        name: SettingName,
        value: String,
    },
    /// Unset who you are.
    Unset {
        #[arg(value_enum)]
        name: UnsetName,
    },
}

/// A setting `herald settings set` changes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SettingName {
    /// Your own contact (学号/工号 or #ID): “send a test to myself” goes to it.
    Me,
    /// Above this many recipients a send asks for the number to be typed (default 500).
    ConfirmAbove,
}

/// A setting `herald settings unset` clears.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnsetName {
    Me,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// List what the sandbox inbox holds, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// `channels add KIND`: every kind described in `crate::channels` gets its flags from its
/// settings schema
/// ([`super::channels::kinds::kind_command`]).
#[derive(Debug)]
pub enum ChannelAddCmd {
    /// A kind described by its schema.
    Kind(super::channels::kinds::KindArgs),
}

impl clap::FromArgMatches for ChannelAddCmd {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        match m.subcommand() {
            Some((name, sub)) => match crate::channels::find(name) {
                Some(kind) => Ok(ChannelAddCmd::Kind(super::channels::kinds::KindArgs::from_matches(
                    kind, sub,
                )?)),
                None => Err(clap::Error::raw(
                    clap::error::ErrorKind::InvalidSubcommand,
                    format!("there is no channel kind {name}\n"),
                )),
            },
            None => Err(clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "say which kind of channel to add\n",
            )),
        }
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Subcommand for ChannelAddCmd {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        crate::channels::all().iter().fold(cmd, |cmd, kind| {
            cmd.subcommand(super::channels::kinds::kind_command(*kind))
        })
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        crate::channels::find(name).is_some()
    }
}

/// A channel's limits; each one given replaces the channel's own.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Messages per second at most.
    #[arg(long)]
    pub per_second: Option<u32>,
    /// Messages per minute at most.
    #[arg(long)]
    pub per_minute: Option<u32>,
    /// Requests in flight at once.
    #[arg(long)]
    pub concurrency: Option<u32>,
    /// Attempts in all before a delivery fails.
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// First retry delay in seconds (doubles each time).
    #[arg(long)]
    pub retry_base_secs: Option<u32>,
    /// Failed sends in a row after which the channel pauses itself.
    #[arg(long)]
    pub pause_after_failures: Option<u32>,
}

/// `channels edit KIND NAME`: every kind described in `crate::channels` gets its flags from
/// its settings schema, all optional. A running dispatcher sends with the new settings from
/// its next batch.
#[derive(Debug)]
pub enum ChannelEditCmd {
    /// A kind described by its schema.
    Kind(super::channels::kinds::KindArgs),
}

impl clap::FromArgMatches for ChannelEditCmd {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        match m.subcommand() {
            Some((name, sub)) => match crate::channels::find(name) {
                Some(kind) => Ok(ChannelEditCmd::Kind(super::channels::kinds::KindArgs::from_matches(
                    kind, sub,
                )?)),
                None => Err(clap::Error::raw(
                    clap::error::ErrorKind::InvalidSubcommand,
                    format!("there is no channel kind {name}\n"),
                )),
            },
            None => Err(clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "say which kind of channel to change\n",
            )),
        }
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Subcommand for ChannelEditCmd {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        crate::channels::all().iter().fold(cmd, |cmd, kind| {
            cmd.subcommand(super::channels::kinds::kind_edit_command(*kind))
        })
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        crate::channels::find(name).is_some()
    }
}

#[derive(Debug, Subcommand)]
pub enum GroupsCmd {
    /// Every group and segment with its size now.
    List,
    /// One group or segment; with --members, who is in it.
    Show(GroupShowArgs),
    /// Create a static group, or with --rule a segment.
    Create(GroupCreateArgs),
    /// Rename, describe or change a segment's rule.
    Edit(GroupEditArgs),
    /// Delete a group (refused while a notice to be sent or a segment uses it).
    Delete(GroupArg),
    /// Add people to a static group by 学号/工号 (arguments, or one per line in --file).
    Add(GroupMembersArgs),
    /// Remove people from a static group by 学号/工号.
    Remove(GroupMembersArgs),
}

#[derive(Debug, Args)]
pub struct GroupArg {
    /// The group's name, or #ID.
    pub group: String,
}

#[derive(Debug, Args)]
pub struct GroupShowArgs {
    /// The group's name, or #ID.
    pub group: String,
    /// Also list the members (a segment: the people it matches now).
    #[arg(long)]
    pub members: bool,
    /// How many members to list.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct GroupCreateArgs {
    pub name: String,
    /// Makes a segment: e.g. "department = 农学院 and grade = 2024" (fields: department,
    /// class, grade, role, tag, language, name, externalId, group, attr.<column>; operators:
    /// =, !=, contains, starts with, is empty, is not empty; and / or, parentheses).
    #[arg(long, value_name = "CONDITIONS")]
    pub rule: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct GroupEditArgs {
    /// The group's name, or #ID.
    pub group: String,
    #[arg(long)]
    pub name: Option<String>,
    /// An empty value clears it.
    #[arg(long)]
    pub description: Option<String>,
    /// A segment's new rule.
    #[arg(long, value_name = "CONDITIONS")]
    pub rule: Option<String>,
}

#[derive(Debug, Args)]
pub struct GroupMembersArgs {
    /// The group's name, or #ID.
    pub group: String,
    /// 学号/工号 of the people.
    pub external_ids: Vec<String>,
    /// A file with 学号/工号 separated by lines, commas or spaces (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AudienceCmd {
    /// How many people a spec reaches now, and what each channel would do with them.
    Preview(AudiencePreviewArgs),
}

#[derive(Debug, Args)]
pub struct AudiencePreviewArgs {
    /// e.g. "group:农学院2024级; contacts:12; -group:已毕业" or "rule:grade = 2024"
    pub spec: String,
    /// A channel to count reachable people for (repeatable).
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,
}
