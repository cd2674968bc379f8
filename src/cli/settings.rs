//! `herald settings …` and `herald notices test ID` (a draft to yourself alone).

use super::args::{SettingName, SettingsCmd, UnsetName};
use super::output::emit;
use crate::app::SettingChange;
use crate::model::{TestChannelOutcome, TestSendResult, UserSettings};
use crate::App;

pub async fn run(app: &App, cmd: SettingsCmd, json: bool) -> anyhow::Result<()> {
    let settings = match cmd {
        SettingsCmd::Show => app.user_settings().await?,
        SettingsCmd::Set { name, value } => {
            let change = match name {
                SettingName::Me => SettingChange::Me(Some(app.find_contact(&value).await?.id)),
                SettingName::ConfirmAbove => {
                    SettingChange::ConfirmAbove(value.trim().parse::<i64>().map_err(|_| {
                        crate::Error::Invalid(format!(
                            "confirm-above: {value} is not a whole number of people (e.g. 500)"
                        ))
                    })?)
                }
            };
            app.change_setting(change).await?
        }
        SettingsCmd::Unset { name: UnsetName::Me } => app.change_setting(SettingChange::Me(None)).await?,
    };
    emit(json, &settings, || print_settings(&settings))
}

fn print_settings(s: &UserSettings) {
    match &s.me {
        Some(me) => println!(
            "me:            {} ({})",
            me.name,
            me.external_id.clone().unwrap_or_else(|| format!("#{}", me.id))
        ),
        None => println!("me:            not set (herald settings set me 学号)"),
    }
    println!("confirm-above: {} recipients", s.confirm_above);
}

/// Sends the test, then dispatches here until it is done unless another process dispatches.
pub async fn send_test(app: &App, id: i64, json: bool) -> anyhow::Result<()> {
    let mut result = app.send_test(id).await?;
    let elsewhere = crate::dispatch::DispatcherLock::holder(app.data_dir());
    if elsewhere.is_none() {
        super::dispatch::dispatch_until_idle(app, json).await?;
        result.run = app.run_detail(result.run.id).await?.run;
    }
    emit(json, &result, || print_test(&result, elsewhere.as_deref()))
}

fn print_test(r: &TestSendResult, elsewhere: Option<&str>) {
    let who = r.me.external_id.clone().unwrap_or_else(|| format!("#{}", r.me.id));
    println!(
        "test run {} of notice {} to {} ({who}):",
        r.run.id, r.run.notice_id, r.me.name
    );
    for c in &r.channels {
        match c.outcome {
            TestChannelOutcome::Queued => println!("  {}: to {}", c.channel_name, c.address.as_deref().unwrap_or("-")),
            TestChannelOutcome::SkippedGroup | TestChannelOutcome::Skipped => {
                println!("  {}: skipped, {}", c.channel_name, c.reason.as_deref().unwrap_or(""))
            }
        }
    }
    match elsewhere {
        Some(holder) => println!("{} queued; {holder} sends it", r.run.total),
        None => println!("{} sent, {} failed of {}", r.run.sent, r.run.failed, r.run.total),
    }
    println!("the notice is still a draft");
}
