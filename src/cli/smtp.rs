//! `herald channels add smtp` and `herald channels test`.

use std::io::BufRead;

use super::args::{SmtpArgs, SmtpEditArgs};
use super::output::emit;
use crate::model::{ChannelLimits, NewSmtpChannel, UpdateSmtpChannel};
use crate::{App, Error};

/// One line of standard input, as typed: only the line ending is taken off, since spaces can
/// be part of a password.
fn read_password() -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Invalid(format!("password: cannot read standard input: {e}")))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(Error::Invalid("password: standard input held no password".into()));
    }
    Ok(password.to_owned())
}

/// The PEM text of `--ca-file` (PEM or DER, checked).
fn read_ca(path: &std::path::Path) -> Result<String, Error> {
    crate::app::read_ca_file(path).map_err(|e| Error::Invalid(format!("--ca-file: {e}")))
}

pub async fn add(app: &App, a: SmtpArgs, json: bool) -> anyhow::Result<()> {
    let ca_pem = a.ca_file.as_deref().map(read_ca).transpose()?;
    let password = if a.password_stdin { Some(read_password()?) } else { None };
    if a.user.is_some() && password.is_none() {
        return Err(
            Error::Invalid("--user needs --password-stdin (the password is read from standard input)".into()).into(),
        );
    }
    let c = app
        .add_smtp_channel(NewSmtpChannel {
            name: a.name,
            host: a.host,
            port: a.port.unwrap_or(0),
            security: a.security,
            username: a.user,
            password,
            from_address: a.from,
            from_name: a.from_name,
            reply_to: a.reply_to,
            ca_pem,
            pool_size: a.pool,
            timeout_ms: a.timeout_ms,
            limits: Some(super::channels::limits(ChannelLimits::default(), &a.limits)),
        })
        .await?;
    emit(json, &c, || {
        println!(
            "added e-mail channel {} ({}); try it with: herald channels test {} --to ADDRESS",
            c.id, c.name, c.name
        )
    })
}

pub async fn edit(app: &App, a: SmtpEditArgs, json: bool) -> anyhow::Result<()> {
    let ca_pem = match (&a.ca_file, a.public_roots) {
        (Some(path), _) => Some(read_ca(path)?),
        (None, true) => Some(String::new()),
        (None, false) => None,
    };
    let current = app.channel_by_name(&a.name).await?;
    let new_limits = super::channels::limits(current.limits.clone(), &a.limits);
    let input = UpdateSmtpChannel {
        host: a.host,
        port: a.port,
        security: a.security,
        username: if a.no_login { Some(String::new()) } else { a.user },
        password: if a.password_stdin { Some(read_password()?) } else { None },
        from_address: a.from,
        from_name: a.from_name,
        reply_to: a.reply_to,
        ca_pem,
        pool_size: a.pool,
        timeout_ms: a.timeout_ms,
        limits: (new_limits != current.limits).then_some(new_limits),
    };
    if input == UpdateSmtpChannel::default() {
        return Err(Error::Invalid(
            "nothing to change: give a setting to change, e.g. --host or --password-stdin".into(),
        )
        .into());
    }
    let c = app.update_smtp_channel(&a.name, input).await?;
    emit(json, &c, || println!("changed e-mail channel {}", c.name))
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
