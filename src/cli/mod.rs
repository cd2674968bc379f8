//! The `herald` command line (feature `cli`): clap definitions, one file per command group,
//! human output by default and JSON with `--json`. Only this module and the binary print.

mod args;
mod channels;
mod contacts;
mod dispatch;
mod groups;
mod import;
mod notice_versions;
mod notices;
mod output;
mod settings;
mod templates;

use std::process::ExitCode;

use clap::Parser;

use crate::model::SecretsLocation;
use crate::{App, AppConfig};
pub use args::Cli;
use args::Command;

/// Runs the command line and returns the process's exit code: 0 done, 1 failed, 2 bad usage
/// or configuration.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.downcast_ref::<crate::Error>().is_some_and(|e| {
                matches!(
                    e,
                    crate::Error::Invalid(_)
                        | crate::Error::Setting(_)
                        | crate::Error::Audience(_)
                        | crate::Error::Compose(_)
                        | crate::Error::Import(_)
                        | crate::Error::TestSend(_)
                        | crate::Error::NoticeFile(_)
                ) || matches!(e, crate::Error::AfterSend(a) if !matches!(a, crate::app::AfterSendError::ReadsUnavailable { .. }))
            });
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = AppConfig::resolve(cli.data_dir.clone(), "cli")?;
    let app = App::open(config).await?;
    let json = cli.json;
    match cli.command {
        Command::Contacts(cmd) => contacts::run(&app, cmd, json).await,
        Command::Demo(cmd) => contacts::run_demo(&app, cmd, json).await,
        Command::Groups(cmd) => groups::run(&app, cmd, json).await,
        Command::Audience(cmd) => groups::run_audience(&app, cmd, json).await,
        Command::Notices(cmd) => notices::run(&app, cmd, json).await,
        Command::Templates(cmd) => templates::run(&app, cmd, json).await,
        Command::Channels(cmd) => channels::run(&app, cmd, json).await,
        Command::Dispatch(args) => dispatch::run(&app, args, json).await,
        Command::Runs(cmd) => dispatch::run_runs(&app, cmd, json).await,
        Command::History(args) => dispatch::run_history(&app, args, json).await,
        Command::Sandbox(cmd) => notices::run_sandbox(&app, cmd, json).await,
        Command::Settings(cmd) => settings::run(&app, cmd, json).await,
        Command::Info => {
            let holder = crate::dispatch::DispatcherLock::holder(app.data_dir());
            let info = app.info(false).await?;
            output::emit(json, &info, || {
                println!("Herald {}", info.version);
                println!("data directory: {}", info.data_dir);
                println!("database:       {}", info.database_path);
                println!("dispatcher:     {}", holder.as_deref().unwrap_or("none running"));
                match &info.secrets {
                    SecretsLocation::Keyring { service } => {
                        println!("secrets:        the OS keyring (service {service})")
                    }
                    SecretsLocation::File { path, reason } => {
                        println!("secrets:        {path}, readable by this user only ({reason})")
                    }
                }
            })
        }
    }
}
