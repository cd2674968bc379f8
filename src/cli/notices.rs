//! `herald notices …`, `herald channels …`, `herald sandbox …`.

use super::args::{ChannelAddCmd, ChannelEditCmd, ChannelsCmd, NoticeCreateArgs, NoticesCmd, SandboxCmd, WebhookArgs};
use super::channels;
use super::output::{cut, emit};
use crate::model::{ChannelLimits, ChannelStrategy, NewNotice, NewWebhookChannel};
use crate::App;

/// The largest body, template or header file read: a notice is text, not a document.
pub(super) const TEXT_FILE_BYTES: u64 = 4 * 1024 * 1024;

async fn new_notice(app: &App, a: NoticeCreateArgs) -> anyhow::Result<NewNotice> {
    let body = match (a.body, a.body_file) {
        (Some(body), _) => body,
        (None, Some(path)) => {
            // Bad input, so exit code 2 like every other.
            crate::files::read_regular_text(&path, TEXT_FILE_BYTES)
                .map_err(|e| crate::Error::Invalid(format!("cannot read the body file {}: {e}", path.display())))?
        }
        (None, None) => unreachable!("clap requires --body or --body-file"),
    };
    let mut channel_ids = Vec::new();
    for name in &a.channels {
        channel_ids.push(app.channel_by_name(name).await?.id);
    }
    Ok(NewNotice {
        title: a.title,
        subject: a.subject,
        body,
        audience: Some(a.audience),
        channel_ids,
        channel_strategy: Some(if a.fallback {
            ChannelStrategy::PreferredThenFallback
        } else {
            ChannelStrategy::All
        }),
        urgent: Some(a.urgent),
        attachments: Some(a.attachments.iter().map(|p| p.to_string_lossy().into_owned()).collect()),
        allow_unsubscribe: Some(a.allow_unsubscribe),
    })
}

pub async fn run(app: &App, cmd: NoticesCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        NoticesCmd::Create(a) => {
            let input = new_notice(app, a).await?;
            let n = app.create_notice(input).await?;
            emit(json, &n, || {
                println!(
                    "created notice {} ({}); send it with: herald notices send {}",
                    n.id, n.title, n.id
                )
            })
        }
        NoticesCmd::Preview(a) => {
            let input = new_notice(app, a).await?;
            let p = app.preview_notice(&input).await?;
            emit(json, &p, || {
                println!(
                    "as {} gets it ({} people in the audience):",
                    p.contact_name, p.audience_size
                );
                println!("subject: {}", p.subject);
                println!();
                println!("{}", p.body);
            })
        }
        NoticesCmd::List => {
            let all = app.list_notices().await?;
            emit(json, &all, || {
                println!("{:>6}  {:<10}  {:<24}  TITLE", "ID", "STATUS", "CREATED");
                for n in &all {
                    println!(
                        "{:>6}  {:<10}  {:<24}  {}",
                        n.id,
                        format!("{:?}", n.status).to_lowercase(),
                        n.created_at,
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

pub(super) fn print_channel(c: &crate::model::Channel) {
    println!("channel {} «{}» ({})", c.id, c.name, c.kind.as_str());
    println!("health:   {}{}", c.health, if c.enabled { "" } else { ", disabled" });
    if let Some(reason) = &c.paused_reason {
        println!("paused:   {reason}");
    }
    if c.consecutive_failures > 0 {
        println!("failures: {} in a row", c.consecutive_failures);
    }
    println!("limits:   {}", serde_json::to_string(&c.limits).unwrap_or_default());
}

fn webhook_input(a: WebhookArgs) -> anyhow::Result<NewWebhookChannel> {
    let body_template = a.body_template.as_deref().map(channels::read_template).transpose()?;
    let flags = channels::webhook_flags(Some(a.url), &a.header_args, a.secret_stdin)?;
    Ok(NewWebhookChannel {
        name: a.name,
        url: flags.url.unwrap_or_default(),
        method: Some(a.method),
        headers: Some(flags.headers),
        secret_headers: Some(flags.secret_headers).filter(|h| !h.is_empty()),
        body_template,
        timeout_ms: a.timeout_ms,
        secret: flags.secret,
        limits: Some(channels::limits(ChannelLimits::default(), &a.limits)),
    })
}

pub async fn run_channels(app: &App, cmd: ChannelsCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        ChannelsCmd::Add(ChannelAddCmd::Webhook(a)) => {
            let c = app.add_webhook_channel(webhook_input(a)?).await?;
            emit(json, &c, || println!("added webhook channel {} ({})", c.id, c.name))
        }
        ChannelsCmd::Add(ChannelAddCmd::Smtp(a)) => super::smtp::add(app, a, json).await,
        ChannelsCmd::Add(ChannelAddCmd::Kind(a)) => super::kinds::add(app, a, json).await,
        ChannelsCmd::Test { name, to } => super::smtp::test(app, &name, to.as_deref(), json).await,
        ChannelsCmd::Kinds => super::kinds::list(json),
        ChannelsCmd::List => {
            let all = app.list_channels().await?;
            emit(json, &all, || {
                println!("{:>4}  {:<20}  {:<14}  {:<8}  NOTE", "ID", "NAME", "KIND", "HEALTH");
                for c in &all {
                    let note = if !c.enabled {
                        "disabled".to_owned()
                    } else {
                        c.paused_reason.clone().unwrap_or_default()
                    };
                    println!(
                        "{:>4}  {:<20}  {:<14}  {:<8}  {}",
                        c.id,
                        cut(&c.name, 20),
                        c.kind.as_str(),
                        c.health,
                        note
                    );
                }
            })
        }
        ChannelsCmd::Edit(ChannelEditCmd::Webhook(a)) => channels::edit_webhook(app, a, json).await,
        ChannelsCmd::Edit(ChannelEditCmd::Smtp(a)) => super::smtp::edit(app, a, json).await,
        ChannelsCmd::Edit(ChannelEditCmd::Kind(a)) => super::kinds::edit(app, a, json).await,
        ChannelsCmd::Show { name } => channels::show(app, &name, json).await,
        ChannelsCmd::Pause { name } => {
            let c = app.pause_channel(&name).await?;
            emit(json, &c, || {
                println!("channel {name} paused; its deliveries wait until: herald channels resume {name}")
            })
        }
        ChannelsCmd::Resume { name } => {
            let c = app.resume_channel(&name).await?;
            emit(json, &c, || println!("channel {name} resumed"))
        }
        ChannelsCmd::RetryFailed { name } => {
            let c = app.channel_by_name(&name).await?;
            let queued = app.retry_failed(crate::store::RetryScope::Channel(c.id)).await?;
            emit(json, &serde_json::json!({"channelId": c.id, "queued": queued}), || {
                println!("{queued} failed deliveries of channel {name} queued again")
            })
        }
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
