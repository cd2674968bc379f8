//! `herald channels …`: the generic commands here, and every kind described by its schema in
//! [`kinds`], whose flags are made from the schema.
//! Bad flags are `Error::Invalid`, so they exit with 2 like every other bad input.

pub(super) mod kinds;

use serde::Serialize;

use super::args::{ChannelAddCmd, ChannelEditCmd, ChannelsCmd, LimitArgs};
use super::output::{cut, emit};
use crate::channels::FieldType;
use crate::model::{Channel, ChannelLimits, KindChannelConfig};
use crate::{App, Error};

pub async fn run(app: &App, cmd: ChannelsCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        ChannelsCmd::Add(ChannelAddCmd::Kind(a)) => kinds::add(app, a, json).await,
        ChannelsCmd::Test { name, to } => test(app, &name, to.as_deref(), json).await,
        ChannelsCmd::Kinds => kinds::list(json),
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
        ChannelsCmd::Edit(ChannelEditCmd::Kind(a)) => kinds::edit(app, a, json).await,
        ChannelsCmd::Show { name } => show(app, &name, json).await,
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

/// One line of standard input, trimmed, for `field`; empty is an error.
fn read_stdin_line(field: &str) -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| Error::Invalid(format!("{field}: cannot read standard input: {e}")))?;
    Some(s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Invalid(format!("{field}: standard input held nothing")))
}

/// `base` with every limit given on the command line in its place.
pub fn limits(base: ChannelLimits, a: &LimitArgs) -> ChannelLimits {
    ChannelLimits {
        per_second: a.per_second.or(base.per_second),
        per_minute: a.per_minute.or(base.per_minute),
        concurrency: a.concurrency.or(base.concurrency),
        max_attempts: a.max_attempts.or(base.max_attempts),
        retry_base_secs: a.retry_base_secs.or(base.retry_base_secs),
        pause_after_failures: a.pause_after_failures.or(base.pause_after_failures),
        ..base
    }
}

fn print_channel(c: &crate::model::Channel) {
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

pub async fn test(app: &App, name: &str, to: Option<&str>, json: bool) -> anyhow::Result<()> {
    let r = app.test_channel(name, to).await?;
    let whom = to.map(|t| format!(" to {t}")).unwrap_or_default();
    emit(json, &r, || {
        if r.ok {
            println!("test message{whom} accepted: {}", r.reply);
        } else {
            println!("test message{whom} failed: {}", r.reply);
        }
    })?;
    if r.ok {
        Ok(())
    } else {
        Err(anyhow::anyhow!("the test message was not accepted"))
    }
}

/// A channel as `show` prints it: its settings, secrets only named.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    channel: &'a Channel,
    /// A kind described by its schema: its settings, secrets only as set.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<KindChannelConfig>,
}

pub async fn show(app: &App, name: &str, json: bool) -> anyhow::Result<()> {
    let c = app.channel_by_name(name).await?;
    let settings = match crate::channels::find(c.kind.as_str()) {
        Some(_) => Some(app.kind_channel_config(name).await?),
        None => None,
    };
    let shown = Shown { channel: &c, settings };
    emit(json, &shown, || {
        print_channel(&c);
        if let (Some(k), Some(kind)) = (&shown.settings, crate::channels::find(c.kind.as_str())) {
            for field in kind.fields() {
                if field.ty == FieldType::Headers {
                    if let Some(serde_json::Value::Object(map)) = k.settings.get(field.key) {
                        for (name, v) in map {
                            let v = v.as_str().unwrap_or("(in the secret store)");
                            println!("{:<12}{name}: {v}", "header:");
                        }
                    }
                    continue;
                }
                let value = if field.ty.is_secret() {
                    let set = k.secrets_set.iter().any(|s| s == field.key);
                    (if set { "(in the secret store)" } else { "(not set)" }).to_owned()
                } else {
                    match k.settings.get(field.key) {
                        Some(serde_json::Value::String(v)) => v.clone(),
                        Some(v) => v.to_string(),
                        None => "(not set)".to_owned(),
                    }
                };
                println!("{:<12}{value}", format!("{}:", field.key));
            }
        }
    })
}
