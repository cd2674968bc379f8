//! `herald notices …`, `herald sandbox …`.

use super::args::{NoticeCreateArgs, NoticePreviewArgs, NoticesCmd, SandboxCmd};
use super::output::{cut, emit};
use crate::model::{ChannelStrategy, DeliveryPreview, NewNotice, NoticeCheck};
use crate::providers::WireKind;
use crate::App;

/// The largest body, template or header file read: a notice is text, not a document.
pub(super) const TEXT_FILE_BYTES: u64 = 4 * 1024 * 1024;

async fn new_notice(app: &App, a: NoticeCreateArgs) -> anyhow::Result<NewNotice> {
    // A notice file first; every flag given beside it wins over what it says.
    let file = match &a.file {
        Some(path) => {
            let text = crate::files::read_regular_text(path, TEXT_FILE_BYTES)
                .map_err(|e| crate::Error::Invalid(format!("cannot read the notice file {}: {e}", path.display())))?;
            crate::notice_file::parse(&text)
                .map_err(|e| anyhow::Error::new(crate::Error::from(e)).context(format!("{}", path.display())))?
        }
        None => crate::notice_file::NoticeFile::default(),
    };
    let body = match (a.body, a.body_file) {
        (Some(body), _) => body,
        (None, Some(path)) => {
            // Bad input, so exit code 2 like every other.
            crate::files::read_regular_text(&path, TEXT_FILE_BYTES)
                .map_err(|e| crate::Error::Invalid(format!("cannot read the body file {}: {e}", path.display())))?
        }
        (None, None) => file.body.clone(),
    };
    let title = match a.title {
        Some(t) => t,
        None => file.require_title().map_err(crate::Error::from)?.to_owned(),
    };
    let channel_names = if a.channels.is_empty() {
        file.channels
    } else {
        a.channels
    };
    if channel_names.is_empty() {
        return Err(crate::Error::from(crate::notice_file::NoticeFileError::Missing { key: "channels" }).into());
    }
    let mut channel_ids = Vec::new();
    for name in &channel_names {
        channel_ids.push(app.channel_by_name(name).await?.id);
    }
    let (english, channel_versions) = super::notice_versions::versions(app, a.versions).await?;
    let mut values = file.values;
    values.extend(a.values);
    let strategy = if a.fallback {
        ChannelStrategy::PreferredThenFallback
    } else {
        file.strategy.unwrap_or(ChannelStrategy::All)
    };
    Ok(NewNotice {
        title,
        subject: a.subject.or(file.subject),
        body,
        audience: Some(a.audience.or(file.audience).unwrap_or_else(|| "all".into())),
        channel_ids,
        channel_strategy: Some(strategy),
        urgent: Some(a.urgent || file.urgent.unwrap_or(false)),
        attachments: Some(a.attachments.iter().map(|p| p.to_string_lossy().into_owned()).collect()),
        allow_unsubscribe: Some(a.allow_unsubscribe || file.allow_unsubscribe.unwrap_or(false)),
        values: (!values.is_empty()).then_some(values),
        // An English version given by flags wins over the file's.
        english: english.or(file.english),
        channel_versions,
    })
}

pub async fn run(app: &App, cmd: NoticesCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        NoticesCmd::Create(a) => {
            let input = new_notice(app, *a).await?;
            let n = app.create_notice(input).await?;
            emit(json, &n, || {
                println!(
                    "created notice {} ({}); send it with: herald notices send {}",
                    n.id, n.title, n.id
                )
            })
        }
        NoticesCmd::Preview(a) => preview(app, a, json).await,
        NoticesCmd::Variables { values } => {
            let all = app.notice_variables(&values.into_iter().collect()).await?;
            emit(json, &all, || {
                println!("{:<14}  {:<16}  MEANING", "NAME", "ALSO");
                for v in &all {
                    let meaning = match &v.value {
                        Some(value) => format!("{} = {}", v.meaning_en, cut(value, 40)),
                        None => format!("{} / {}", v.meaning_zh, v.meaning_en),
                    };
                    println!("{:<14}  {:<16}  {}", v.name, v.aliases.join(", "), meaning);
                }
            })
        }
        NoticesCmd::List { stage } => {
            let mut all = app.list_notices().await?;
            all.retain(|n| stage.is_none_or(|s| n.stage == s));
            emit(json, &all, || {
                println!("{:>6}  {:<10}  {:<24}  TITLE", "ID", "STAGE", "SAVED");
                for n in &all {
                    println!(
                        "{:>6}  {:<10}  {:<24}  {}",
                        n.id,
                        n.stage.as_str(),
                        n.updated_at,
                        cut(&n.title, 40)
                    );
                }
            })
        }
        NoticesCmd::Show { id } => {
            let n = app.get_notice(id).await?;
            emit(json, &n, || {
                println!("notice {}: {}", n.id, n.title);
                println!("status:   {:?}", n.status);
                println!("subject:  {}", n.subject);
                println!("audience: {}", n.audience_text);
                println!();
                println!("{}", n.body);
            })?;
            if !json {
                super::notice_versions::print(app, &n).await?;
            }
            Ok(())
        }
        NoticesCmd::Delete { id } => {
            let n = app.delete_draft(id).await?;
            emit(json, &n, || println!("deleted draft {}: {}", n.id, n.title))
        }
        NoticesCmd::Check { id } => {
            let c = app.check_draft(id).await?;
            emit(json, &c, || print_check(&c))?;
            if !c.ok {
                // Exit code 1: a script can stop here rather than send.
                anyhow::bail!(
                    "{} people would get a broken message ({} messages)",
                    c.broken_people,
                    c.broken_messages
                );
            }
            Ok(())
        }
        NoticesCmd::LeaveOut { id, broken, contacts } => {
            let (n, left_out) = if broken {
                app.leave_out_broken(id).await?
            } else {
                let mut ids = Vec::with_capacity(contacts.len());
                for key in contacts.iter().filter(|k| !k.trim().is_empty()) {
                    ids.push(app.find_contact(key).await?.id);
                }
                let n = ids.len();
                (app.leave_out(id, &ids).await?, n)
            };
            emit(json, &n, || {
                println!("left {left_out} people out of notice {}", n.id);
                println!("audience: {}", n.audience_text);
            })
        }
        NoticesCmd::Test { id } => super::settings::send_test(app, id, json).await,
        NoticesCmd::Duplicate { id } => {
            let n = app.duplicate_notice(id).await?;
            emit(json, &n, || {
                println!("created notice {} as a copy of notice {id} ({})", n.id, n.title);
                println!("audience: {}", n.audience_text);
                println!("check and send it with: herald notices send {}", n.id);
            })
        }
        NoticesCmd::Resend { id, unreached: _ } => {
            let r = app.resend_unreached(id).await?;
            emit(json, &r, || {
                println!(
                    "created notice {} for the {} people notice {id} did not reach",
                    r.notice.id, r.people
                );
                if r.no_address > 0 {
                    println!(
                        "left out {} more who have no usable address on its channels (add an address or another channel, then duplicate the notice)",
                        r.no_address
                    );
                }
                println!("check and send it with: herald notices send {}", r.notice.id);
            })
        }
        NoticesCmd::Send { id, wait } => {
            let run = app.send_notice(id).await?;
            if wait {
                super::dispatch::dispatch_until_idle(app, json).await?;
                let run = app.run_detail(run.id).await?.run;
                return emit(json, &run, || {
                    println!(
                        "run {}: {} sent, {} failed of {}",
                        run.id, run.sent, run.failed, run.total
                    )
                });
            }
            emit(json, &run, || {
                println!("run {} queued {} deliveries for notice {}", run.id, run.total, id);
                println!("they are sent by the desktop app, or by: herald dispatch --until-idle");
            })
        }
    }
}

async fn preview(app: &App, a: NoticePreviewArgs, json: bool) -> anyhow::Result<()> {
    let channels = if a.channels.is_empty() {
        let notice = app.get_notice(a.id).await?;
        let all = app.list_channels().await?;
        notice
            .channel_ids
            .iter()
            .filter_map(|id| all.iter().find(|c| c.id == *id).map(|c| c.name.clone()))
            .collect()
    } else {
        a.channels
    };
    let mut previews = Vec::new();
    for channel in &channels {
        previews.push(app.preview_delivery(a.id, a.contact.as_deref(), channel).await?);
    }
    emit(json, &previews, || {
        for p in &previews {
            print_preview(p);
        }
    })
}

fn print_preview(p: &DeliveryPreview) {
    let to = p.address.as_deref().map(|a| format!(" <{a}>")).unwrap_or_default();
    let version = match p.language {
        crate::model::NoticeLanguage::En => ", English version",
        crate::model::NoticeLanguage::Zh => "",
    };
    println!("=== {} ({}), to {}{to}{version}", p.channel, p.kind, p.recipient);
    if let Some(problem) = &p.problem {
        println!("not sent: {}", problem.reason);
        println!();
        return;
    }
    for part in &p.parts {
        let label = match part.kind {
            WireKind::Subject => "subject",
            WireKind::Html => "HTML part",
            WireKind::Text => "text part",
            WireKind::Markdown => "Markdown",
            WireKind::Json => "request body",
        };
        if part.kind == WireKind::Subject {
            println!("{label}: {}", part.content);
        } else {
            println!("--- {label} ---");
            println!("{}", part.content);
        }
    }
    if !p.attachments.is_empty() {
        println!("attachments: {}", p.attachments.join(", "));
    }
    println!();
}

fn print_check(c: &NoticeCheck) {
    println!(
        "notice {}: {} people, {} get a message",
        c.notice_id, c.people, c.recipients
    );
    println!(
        "{:<20}  {:>8}  {:>10}  {:>9}  {:>8}  {:>8}  {:>6}",
        "CHANNEL", "WILL GET", "NO ADDRESS", "OPTED OUT", "INVALID", "ELSEWHERE", "BROKEN"
    );
    for ch in &c.channels {
        println!(
            "{:<20}  {:>8}  {:>10}  {:>9}  {:>8}  {:>8}  {:>6}",
            cut(&ch.channel_name, 20),
            ch.will_get,
            ch.no_address,
            ch.opted_out,
            ch.invalid_address,
            ch.other_channel,
            ch.broken
        );
        for f in &ch.figures {
            println!("  {}: {}", f.label.en, f.value);
        }
    }
    let languages: Vec<String> = c
        .languages
        .iter()
        .map(|l| format!("{} {}", l.language.as_deref().unwrap_or("(none)"), l.people))
        .collect();
    println!("languages: {}", languages.join(", "));
    if c.versions.en > 0 {
        println!("versions: Chinese {}, English {}", c.versions.zh, c.versions.en);
    }
    if c.ok {
        println!("nobody would get a broken message");
        return;
    }
    println!();
    println!(
        "{} people would get a broken message ({} messages):",
        c.broken_people, c.broken_messages
    );
    for b in &c.broken {
        println!(
            "  {}  {}  {}  {}: {}",
            b.name.as_deref().unwrap_or("(group chat)"),
            b.external_id.as_deref().unwrap_or("-"),
            b.channel_name,
            b.problem.code,
            b.problem.en
        );
    }
    if c.broken_messages > c.broken.len() as i64 {
        println!("  … and {} more", c.broken_messages - c.broken.len() as i64);
    }
}

pub async fn run_sandbox(app: &App, cmd: SandboxCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        SandboxCmd::List { limit } => {
            let all = app.sandbox_messages(limit).await?;
            emit(json, &all, || {
                for m in &all {
                    println!("#{} {} to {}: {}", m.id, m.received_at, m.recipient, m.subject);
                }
                if all.is_empty() {
                    println!("the sandbox inbox is empty");
                }
            })
        }
    }
}
