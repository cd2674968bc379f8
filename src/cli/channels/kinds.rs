//! The command line of the kinds described in `crate::channels`: `channels add KIND` with one
//! flag per setting, made from the kind's schema with clap's builder API, and `channels kinds`.

use std::collections::BTreeMap;
use std::io::BufRead;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use crate::channels::{self, FieldType, Kind, KindInfo};
use crate::cli::args::LimitArgs;
use crate::cli::output::emit;
use crate::model::ChannelLimits;
use crate::{App, Error};

/// `channels add KIND` as parsed: the kind, the channel's name, each setting given by key.
#[derive(Debug)]
pub struct KindArgs {
    pub kind: &'static str,
    pub name: String,
    pub settings: BTreeMap<String, String>,
    pub limits: LimitArgs,
}

impl KindArgs {
    pub fn from_matches(kind: &'static dyn Kind, m: &ArgMatches) -> Result<KindArgs, clap::Error> {
        // Only what was typed: an edit changes only those, and defaults are the schema's to fill.
        let typed = |key: &str| m.value_source(key) == Some(clap::parser::ValueSource::CommandLine);
        let mut settings = BTreeMap::new();
        for field in kind.fields() {
            if let Some(v) = m.get_one::<String>(field.key).filter(|_| typed(field.key)) {
                settings.insert(field.key.to_owned(), v.clone());
            }
        }
        for switch in kind.switches() {
            if m.try_get_one::<bool>(switch.flag).ok().flatten() == Some(&true) {
                settings.insert(switch.key.to_owned(), switch.value.to_owned());
            }
        }
        Ok(KindArgs {
            kind: kind.id(),
            name: m.get_one::<String>("name").cloned().unwrap_or_default(),
            settings,
            limits: LimitArgs::from_arg_matches(m)?,
        })
    }
}

/// The `channels add` subcommand of one kind: `--name`, a flag per setting with its help in
/// both languages, and the limit flags every channel has.
pub fn kind_command(kind: &'static dyn Kind) -> Command {
    settings_command(kind, false)
}

/// The `channels edit` subcommand of one kind: the channel's name, then only the settings to
/// change (every flag optional; an empty value clears an optional setting).
pub fn kind_edit_command(kind: &'static dyn Kind) -> Command {
    settings_command(kind, true)
}

fn settings_command(kind: &'static dyn Kind, edit: bool) -> Command {
    let label = kind.label();
    let about = if edit {
        format!("{} ({}): change only the settings given.", label.en, label.zh)
    } else {
        format!("{} ({}): {}", label.en, label.zh, kind.description().en)
    };
    let name = if edit {
        Arg::new("name").required(true).help("The channel to change")
    } else {
        Arg::new("name")
            .long("name")
            .required(true)
            .help("The channel's name, as notices and history show it")
    };
    let mut cmd = Command::new(channels::cli_name(kind)).arg(name);
    for field in kind.fields() {
        let mut help = format!(
            "{} ({}). {} {}",
            field.label.en, field.label.zh, field.help.en, field.help.zh
        );
        if field.ty.is_secret() {
            help.push_str(" Secret: kept in the secret store; give - to read it from standard input.");
        }
        let mut arg = Arg::new(field.key)
            .long(field.key)
            .visible_aliases(field.aliases)
            .help(help)
            .required(!edit && field.required && field.default.is_none());
        arg = match field.ty {
            // Kept a string, like every value, after the range check.
            FieldType::Number { min, max } => {
                arg.value_name("N")
                    .value_parser(move |v: &str| match v.trim().parse::<i64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                        _ => Err(format!("a whole number from {min} to {max}")),
                    })
            }
            FieldType::Switch => arg.value_parser(["true", "false"]),
            FieldType::Choice { options } => arg.value_parser(clap::builder::PossibleValuesParser::new(
                options.iter().map(|o| o.value),
            )),
            FieldType::Url | FieldType::SecretUrl => arg.value_name("URL"),
            FieldType::FileText => arg.value_name("FILE"),
            FieldType::Text | FieldType::Secret | FieldType::Password => arg.value_name("TEXT"),
        };
        if let Some(d) = field.default.filter(|_| !edit) {
            arg = arg.default_value(d);
        }
        cmd = cmd.arg(arg);
    }
    for switch in kind.switches().iter().filter(|s| edit || !s.edit_only) {
        cmd = cmd.arg(
            Arg::new(switch.flag)
                .long(switch.flag)
                .action(ArgAction::SetTrue)
                .conflicts_with(switch.key)
                .help(switch.help),
        );
    }
    // `about` after the limit flags, whose doc comment would replace it.
    LimitArgs::augment_args(cmd).about(about)
}

/// A secret given as `-` read from standard input (one per command; a password as typed),
/// a file setting's file read (by the field's own reader: a DER certificate made PEM).
fn read_secrets_and_files(
    kind: &'static dyn Kind,
    mut settings: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut stdin_used = None;
    for field in kind.fields() {
        let Some(value) = settings.get_mut(field.key) else {
            continue;
        };
        if field.ty.is_secret() && value.trim() != "-" {
            // Still accepted, as the webhook's header values are.
            eprintln!(
                "warning: --{} is on the command line, where other users and the shell's history can see it; \
                 next time give --{} - and the value on standard input",
                field.key, field.key
            );
        }
        if field.ty.is_secret() && value.trim() == "-" {
            if let Some(first) = stdin_used.replace(field.key) {
                return Err(Error::Invalid(format!(
                    "--{first} and --{} both read standard input: give one of them as -",
                    field.key
                )));
            }
            *value = if field.ty == FieldType::Password {
                read_stdin_as_typed(field.key)?
            } else {
                super::read_stdin_line(field.key)?
            };
        } else if field.ty == FieldType::FileText && !value.trim().is_empty() {
            // A certificate chain or a template is a few kilobytes; a large file is the wrong one.
            const MAX_BYTES: u64 = 1024 * 1024;
            let path = value.trim().to_owned();
            // Named as every spelling of its flag: an alias (`--ca-file`) may be what was typed.
            let flags: Vec<String> = std::iter::once(&field.key)
                .chain(field.aliases)
                .map(|f| format!("--{f}"))
                .collect();
            let flags = flags.join("/");
            let cannot = |e: &dyn std::fmt::Display| Error::Invalid(format!("{flags}: cannot read {path}: {e}"));
            let bytes = crate::files::read_regular(std::path::Path::new(&path), MAX_BYTES).map_err(|e| cannot(&e))?;
            *value = field.text_of_file(&bytes).map_err(|e| cannot(&e))?;
        }
    }
    Ok(settings)
}

/// One line of standard input with only its line ending taken off: spaces can be part of a
/// password.
fn read_stdin_as_typed(field: &str) -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Invalid(format!("{field}: cannot read standard input: {e}")))?;
    let value = line.strip_suffix('\n').unwrap_or(&line);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(Error::Invalid(format!("{field}: standard input held nothing")));
    }
    Ok(value.to_owned())
}

/// `herald channels add KIND …`.
pub async fn add(app: &App, a: KindArgs, json: bool) -> anyhow::Result<()> {
    let kind = channels::find(a.kind).expect("parsed from the registry");
    let settings = read_secrets_and_files(kind, a.settings)?;
    let limits = super::limits(ChannelLimits::default(), &a.limits);
    let c = app.add_kind_channel(kind.id(), &a.name, settings, Some(limits)).await?;
    emit(json, &c, || {
        println!(
            "added channel {} ({}); send a test with: herald channels test {}",
            c.name,
            kind.label().en,
            c.name
        )
    })
}

/// `herald channels edit KIND NAME …`.
pub async fn edit(app: &App, a: KindArgs, json: bool) -> anyhow::Result<()> {
    let kind = channels::find(a.kind).expect("parsed from the registry");
    let settings = read_secrets_and_files(kind, a.settings)?;
    let current = app.channel_by_name(&a.name).await?;
    if current.kind.as_str() != kind.id() {
        return Err(Error::Invalid(format!(
            "{} is a {} channel, not {}",
            current.name,
            current.kind.as_str().replace('_', "-"),
            channels::cli_name(kind)
        ))
        .into());
    }
    let limits = super::limits(current.limits.clone(), &a.limits);
    let limits = (limits != current.limits).then_some(limits);
    if settings.is_empty() && limits.is_none() {
        return Err(Error::Invalid("nothing to change: give a setting to change, e.g. --secret -".into()).into());
    }
    let c = app.update_kind_channel(&a.name, settings, limits).await?;
    emit(json, &c, || println!("changed channel {}", c.name))
}

/// `herald channels kinds`.
pub fn list(json: bool) -> anyhow::Result<()> {
    let kinds: Vec<KindInfo> = channels::all().iter().map(|k| KindInfo::of(*k)).collect();
    emit(json, &kinds, || {
        println!("Besides sandbox and webhook, these are the kinds of channel this version adds:");
        for k in &kinds {
            println!("\n{} — {} ({})", k.id.replace('_', "-"), k.label.en, k.label.zh);
            println!("  {}", k.description.en);
            for f in k.fields {
                let need = match (f.required, f.default) {
                    (_, Some(d)) => format!("default {d}"),
                    (true, None) => "required".into(),
                    (false, None) => "optional".into(),
                };
                let secret = if f.ty.is_secret() { ", secret" } else { "" };
                println!("  --{:<14} {} ({need}{secret})", f.key, f.label.en);
            }
        }
    })
}
