//! The command line of the kinds described in `crate::channels`: `channels add KIND` with one
//! flag per setting, made from the kind's schema with clap's builder API, and `channels kinds`.

use std::collections::BTreeMap;
use std::io::BufRead;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use crate::channels::schema::{edit_headers, headers_text, Header};
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
    /// The flags of a headers setting, applied to the headers the channel has.
    pub headers: Option<HeaderFlags>,
    pub limits: LimitArgs,
}

/// A [`FieldType::Headers`] setting's flags as typed: `--header "Name: value"` (`-` reads the
/// value from standard input), `--header-file "Name: FILE"` (its first line),
/// `--secret-header NAME` (kept secret whatever its name; its value from the other two, or
/// else standard input) and, when editing, `--remove-header NAME`.
#[derive(Debug, Default)]
pub struct HeaderFlags {
    pub key: &'static str,
    pub set: Vec<String>,
    pub files: Vec<String>,
    pub secret: Vec<String>,
    pub remove: Vec<String>,
}

const HEADER: &str = "header";
const HEADER_FILE: &str = "header-file";
const SECRET_HEADER: &str = "secret-header";
const REMOVE_HEADER: &str = "remove-header";

impl KindArgs {
    pub fn from_matches(kind: &'static dyn Kind, m: &ArgMatches) -> Result<KindArgs, clap::Error> {
        // Only what was typed: an edit changes only those, and defaults are the schema's to fill.
        let typed = |key: &str| m.value_source(key) == Some(clap::parser::ValueSource::CommandLine);
        let mut settings = BTreeMap::new();
        let mut headers = None;
        let many = |id: &str| -> Vec<String> {
            m.try_get_many::<String>(id)
                .ok()
                .flatten()
                .map(|v| v.cloned().collect())
                .unwrap_or_default()
        };
        for field in kind.fields() {
            if field.ty == FieldType::Headers {
                let flags = HeaderFlags {
                    key: field.key,
                    set: many(HEADER),
                    files: many(HEADER_FILE),
                    secret: many(SECRET_HEADER),
                    remove: many(REMOVE_HEADER),
                };
                let given = !(flags.set.is_empty()
                    && flags.files.is_empty()
                    && flags.secret.is_empty()
                    && flags.remove.is_empty());
                headers = given.then_some(flags);
                continue;
            }
            if let Some(v) = m.get_one::<String>(field.key).filter(|_| typed(field.key)) {
                let v = match field.ty {
                    // As the schema spells it, whatever the case typed (`post`).
                    FieldType::Choice { options } => options
                        .iter()
                        .find(|o| o.value.eq_ignore_ascii_case(v))
                        .map_or(v.clone(), |o| o.value.to_owned()),
                    FieldType::Switch => match v.as_str() {
                        "on" => "true".to_owned(),
                        "off" => "false".to_owned(),
                        other => other.to_owned(),
                    },
                    _ => v.clone(),
                };
                settings.insert(field.key.to_owned(), v);
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
            headers,
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
        if field.ty == FieldType::Headers {
            cmd = header_args(cmd, edit);
            continue;
        }
        let mut help = format!(
            "{} ({}). {} {}",
            field.label.en, field.label.zh, field.help.en, field.help.zh
        );
        if field.ty.is_secret() {
            help.push_str(" Secret: kept in the secret store; give - to read it from standard input.");
        }
        if field.ty == FieldType::MaskedUrl {
            help.push_str(
                " Give - to read it from standard input; given as `channels show` shows it (********), the stored values are kept.",
            );
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
            FieldType::Switch => arg.value_parser(["true", "false", "on", "off"]),
            FieldType::Choice { options } => {
                arg.ignore_case(true)
                    .value_parser(clap::builder::PossibleValuesParser::new(
                        options.iter().map(|o| o.value),
                    ))
            }
            FieldType::Url | FieldType::SecretUrl => arg.value_name("URL"),
            FieldType::MaskedUrl => arg.value_name("URL"),
            FieldType::FileText | FieldType::LongText => arg.value_name("FILE"),
            FieldType::Headers => unreachable!("made by header_args"),
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

/// The flags of a headers setting (see [`HeaderFlags`]).
fn header_args(cmd: Command, edit: bool) -> Command {
    let many = |id: &'static str, value: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name(value)
            .action(ArgAction::Append)
            .help(help)
    };
    let cmd = cmd
        .arg(many(
            HEADER,
            "NAME: VALUE",
            "Add or replace a header, \"Name: value\"; repeat for several. \"Name: -\" reads the value from standard \
             input. The values of credential headers (Authorization, *-Token, *-Key, *-Pass…) are kept in the secret store.",
        ))
        .arg(many(
            HEADER_FILE,
            "NAME: FILE",
            "A header whose value is the first line of a file, \"Name: FILE\"; repeat for several.",
        ))
        .arg(many(
            SECRET_HEADER,
            "NAME",
            "Keep this header's value in the secret store whatever its name; its value comes from --header/--header-file, \
             or else from standard input. Repeat for several.",
        ));
    if edit {
        cmd.arg(many(REMOVE_HEADER, "NAME", "Drop a header; repeat for several."))
    } else {
        cmd
    }
}

/// The first line of a file, trimmed, for `field`. The message never quotes the content.
fn read_file_line(field: &str, path: &str) -> Result<String, Error> {
    const MAX_BYTES: u64 = 1024 * 1024;
    let bytes = crate::files::read_regular(std::path::Path::new(path.trim()), MAX_BYTES)
        .map_err(|e| Error::Invalid(format!("{field}: cannot read {}: {e}", path.trim())))?;
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Invalid(format!("{field}: {} is empty", path.trim())))
}

/// A headers setting's flags applied to `current` (the channel's headers, secret values left
/// out: they are kept), its values read from files and standard input, as the setting's text.
/// Standard input holds one value: `stdin` names the flag that already reads it.
fn headers_setting(flags: HeaderFlags, current: Vec<Header>, stdin: Option<String>) -> Result<String, Error> {
    let mut set = BTreeMap::new();
    for (i, h) in flags.set.iter().enumerate() {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("--header number {}: write it as \"Name: value\"", i + 1)))?;
        set.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    let mut from_files = BTreeMap::new();
    for (i, flag) in flags.files.iter().enumerate() {
        let (name, path) = flag
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("--header-file number {}: write it as \"Name: FILE\"", i + 1)))?;
        let name = name.trim().to_owned();
        from_files.insert(name.clone(), read_file_line(&format!("headers.{name}"), path)?);
    }
    let given = |name: &str, set: &BTreeMap<String, String>, files: &BTreeMap<String, String>| {
        set.keys()
            .chain(files.keys())
            .any(|k| k.eq_ignore_ascii_case(name.trim()))
    };
    let mut readers: Vec<String> = stdin.into_iter().collect();
    for (name, value) in &set {
        if value == "-" {
            readers.push(format!("--header '{name}: -'"));
        }
    }
    for name in &flags.secret {
        if !given(name, &set, &from_files) {
            readers.push(format!("--secret-header {}", name.trim()));
        }
    }
    if readers.len() > 1 {
        return Err(Error::Invalid(format!(
            "standard input holds one value, but {} all ask for it: give the others with --header-file",
            readers.join(", ")
        )));
    }
    // Secrets typed on the command line are visible to every user of the machine (`ps`) and
    // kept in the shell's history: still accepted, with a warning.
    let marked = |name: &str| flags.secret.iter().any(|m| m.trim().eq_ignore_ascii_case(name));
    let was_secret = |name: &str| current.iter().any(|h| h.secret && h.name.eq_ignore_ascii_case(name));
    for (name, value) in &set {
        let credential = crate::providers::webhook::is_credential_header(&name.to_ascii_lowercase());
        if value != "-" && (credential || marked(name) || was_secret(name)) {
            eprintln!(
                "warning: the value of the header {name} is on the command line, where other users and the shell's \
                 history can see it; next time give --header '{name}: -' and the value on standard input, or \
                 --header-file '{name}: FILE'"
            );
        }
    }
    for (name, value) in set.iter_mut() {
        if value == "-" {
            *value = super::read_stdin_line(&format!("headers.{name}"))?;
        }
    }
    set.extend(from_files);
    for name in &flags.secret {
        if !given(name, &set, &BTreeMap::new()) {
            let name = name.trim().to_owned();
            let value = super::read_stdin_line(&format!("headers.{name}"))?;
            set.insert(name, value);
        }
    }
    let mut headers = current;
    edit_headers(&mut headers, set, flags.remove, &flags.secret).map_err(Error::Invalid)?;
    Ok(headers_text(&headers))
}

/// A secret given as `-` read from standard input (one per command; a password as typed),
/// a file setting's file read (by the field's own reader: a DER certificate made PEM).
fn read_secrets_and_files(
    kind: &'static dyn Kind,
    mut settings: BTreeMap<String, String>,
    headers: Option<(HeaderFlags, Vec<Header>)>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut stdin_used = None;
    // Who reads standard input besides the headers' flags, checked before anything is read.
    let readers: Vec<String> = kind
        .fields()
        .iter()
        .filter(|f| f.ty.is_secret() || f.ty == FieldType::MaskedUrl)
        .filter(|f| settings.get(f.key).is_some_and(|v| v.trim() == "-"))
        .map(|f| format!("--{} -", f.key))
        .collect();
    if readers.len() > 1 {
        return Err(Error::Invalid(format!(
            "--{} and --{} both read standard input: give one of them as -",
            readers[0].trim_start_matches("--").trim_end_matches(" -"),
            readers[1].trim_start_matches("--").trim_end_matches(" -")
        )));
    }
    if let Some((flags, current)) = headers {
        let key = flags.key;
        let text = headers_setting(flags, current, readers.into_iter().next())?;
        settings.insert(key.to_owned(), text);
    }
    for field in kind.fields() {
        let Some(value) = settings.get_mut(field.key) else {
            continue;
        };
        if field.ty == FieldType::MaskedUrl {
            if value.trim() == "-" {
                *value = super::read_stdin_line(field.key)?;
            } else if crate::providers::webhook::url_has_secret_values(value) {
                eprintln!(
                    "warning: the URL's secret query values are on the command line, where other users and the \
                     shell's history can see them; next time give --{} - and the URL on standard input",
                    field.key
                );
            }
            continue;
        }
        if field.ty.is_secret() && value.trim() != "-" && !value.trim().is_empty() {
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
        } else if matches!(field.ty, FieldType::FileText | FieldType::LongText) && !value.trim().is_empty() {
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
            if field.ty == FieldType::LongText && value.trim().is_empty() {
                return Err(Error::Invalid(format!("{flags}: {path} is empty")));
            }
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
    let settings = read_secrets_and_files(kind, a.settings, a.headers.map(|h| (h, Vec::new())))?;
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
    let current = app.channel_by_name(&a.name).await?;
    if current.kind.as_str() != kind.id() {
        return Err(Error::Invalid(format!(
            "{} is a {} channel, not a {}",
            current.name,
            current.kind.as_str().replace('_', "-"),
            channels::cli_name(kind)
        ))
        .into());
    }
    let headers = match a.headers {
        Some(flags) => {
            // The channel's headers, secret values left out: an edit keeps them.
            let config = app.kind_channel_config(&a.name).await?;
            let current = match config.settings.get(flags.key) {
                Some(serde_json::Value::Object(map)) => map
                    .iter()
                    .map(|(name, v)| Header {
                        name: name.clone(),
                        value: v.as_str().map(str::to_owned),
                        secret: !v.is_string(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Some((flags, current))
        }
        None => None,
    };
    let settings = read_secrets_and_files(kind, a.settings, headers)?;
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
        println!("Besides the sandbox, these are the kinds of channel this version adds:");
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
                // A headers setting's flags are the type's own (`--header` …), not its key.
                let flag = if f.ty == FieldType::Headers { HEADER } else { f.key };
                println!("  --{:<14} {} ({need}{secret})", flag, f.label.en);
            }
        }
    })
}
