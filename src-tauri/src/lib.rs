//! Herald's desktop shell: opens the core, runs its dispatcher inside the app process, and
//! exposes the core to the UI through thin commands. No business logic lives here.

mod commands;
mod error;
mod events;
mod picked;
mod tray;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::Manager;
use tokio::sync::Mutex;

use commands::AppState;
use herald::dispatch::{DispatchError, DispatchOptions};
use herald::{App, AppConfig};

/// `--data-dir DIR` from the command line (the environment's `HERALD_DATA_DIR` is read by the core).
fn data_dir_arg() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let config = AppConfig::resolve(data_dir_arg(), "desktop")?;
    let core = Arc::new(tauri::async_runtime::block_on(App::open(config))?);
    let sink = Arc::new(events::EmitProgress(app.handle().clone()));
    let dispatcher = match tauri::async_runtime::block_on(core.start_dispatcher(DispatchOptions::default(), sink)) {
        Ok(handle) => Some(handle),
        // Another Herald sends from this database: this window still works, but does not
        // send; the UI shows who does (app_info).
        Err(herald::Error::Dispatch(DispatchError::Busy { holder })) => {
            tracing::warn!("not dispatching: {holder} already does");
            None
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!("data directory: {}", core.data_dir().display());
    app.manage(AppState {
        app: core,
        dispatcher: Mutex::new(dispatcher),
    });
    // The file-access policy: what the dialogs returned, and the import reports to save.
    app.manage(picked::PickedFiles::default());
    app.manage(picked::Reports::<herald::import::ImportReport>::default());
    quit_on_signals(app.handle().clone());
    if let Err(e) = tray::create(app.handle()) {
        // Without a tray (no status notifier on this desktop) the app works as a plain window.
        tracing::warn!("no tray icon: {e}");
    }
    Ok(())
}

/// Quits once the dispatcher has stopped: it claims nothing more, and what is in flight is
/// sent and recorded first, so quitting (the tray's Quit, SIGTERM at logout or shutdown,
/// Ctrl-C in a terminal) leaves nothing half-sent to be sent again at the next start.
pub(crate) fn quit(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        if let Some(state) = app.try_state::<AppState>() {
            if let Some(dispatcher) = state.dispatcher.lock().await.take() {
                match dispatcher.stop().await {
                    Ok(report) => tracing::info!("stopped sending: {report:?}"),
                    Err(e) => tracing::warn!("the dispatcher stopped with an error: {e}"),
                }
            }
        }
        app.exit(0);
    });
}

/// Quits as [`quit`] does on SIGTERM and SIGINT.
fn quit_on_signals(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
        }
        tracing::info!("asked to stop: finishing what is in flight");
        quit(app);
    });
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(setup)
        .on_window_event(|window, event| {
            // With a tray icon, closing the window hides it and sending goes on; Quit is in
            // the tray's menu. Without one, closing quits as usual.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.app_handle().tray_by_id(tray::TRAY_ID).is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::dashboard_stats,
            commands::app::load_demo,
            commands::app::set_language,
            commands::settings::user_settings,
            commands::settings::set_me,
            commands::settings::set_confirm_above,
            commands::settings::send_test,
            commands::contacts::list_contacts,
            commands::contacts::add_contact,
            commands::contacts::contact_facets,
            commands::contacts::contact_detail,
            commands::contacts::update_contact,
            commands::contacts::delete_contacts,
            commands::contacts::record_unsubscribes,
            commands::contacts::preview_import,
            commands::contacts::import_contacts,
            commands::contacts::export_contacts,
            commands::contacts::write_import_report,
            commands::files::pick_file_to_open,
            commands::files::pick_files_to_open,
            commands::files::pick_file_to_save,
            commands::groups::list_groups,
            commands::groups::get_group,
            commands::groups::create_group,
            commands::groups::update_group,
            commands::groups::delete_group,
            commands::groups::group_members,
            commands::groups::add_group_members,
            commands::groups::add_group_members_by_external_ids,
            commands::groups::remove_group_members,
            commands::groups::count_rule,
            commands::groups::preview_audience,
            commands::groups::list_attribute_names,
            commands::channels::kinds::read_setting_file,
            commands::channels::kinds::test_channel,
            commands::channels::kinds::channel_kinds,
            commands::channels::kinds::add_kind_channel,
            commands::channels::kinds::kind_channel_config,
            commands::channels::kinds::update_kind_channel,
            commands::channels::kinds::link_ids,
            commands::notices::list_channels,
            commands::notices::pause_channel,
            commands::notices::resume_channel,
            commands::notices::create_notice,
            commands::notices::save_draft,
            commands::notices::delete_draft,
            commands::notices::get_notice,
            commands::notices::preview_notice,
            commands::notices::preview_delivery,
            commands::notices::notice_variables,
            commands::notices::list_notices,
            commands::notices::send_notice,
            commands::notices::check_notice,
            commands::notices::leave_out,
            commands::templates::list_templates,
            commands::templates::template_versions,
            commands::templates::save_template,
            commands::templates::delete_template,
            commands::templates::duplicate_notice,
            commands::templates::resend_unreached,
            commands::history::list_runs,
            commands::history::run_detail,
            commands::history::list_sandbox_messages,
            commands::history::pause_run,
            commands::history::resume_run,
            commands::history::cancel_run,
            commands::history::retry_failed,
            commands::history::recall_run,
            commands::history::refresh_reads,
            commands::history::remind_unread,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Herald could not start: {e}");
        std::process::exit(1);
    }
}
