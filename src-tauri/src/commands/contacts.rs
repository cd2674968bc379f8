//! Contacts.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::AppState;
use crate::error::{CmdResult, CommandError};
use crate::picked::{PickedFiles, Reports};
use herald::import::{ImportOptions, ImportPreview, ImportReport};
use herald::model::{
    Contact, ContactDetail, ContactEdit, ContactEditResult, ContactFacets, ContactPage, ContactQuery, NewContact,
    UnsubscribeReport,
};

#[tauri::command]
pub async fn list_contacts(state: State<'_, AppState>, query: ContactQuery) -> CmdResult<ContactPage> {
    Ok(state.app.list_contacts(query).await?)
}

/// The distinct values of the filterable columns, for the filter dropdowns.
#[tauri::command]
pub async fn contact_facets(state: State<'_, AppState>) -> CmdResult<ContactFacets> {
    Ok(state.app.contact_facets().await?)
}

#[tauri::command]
pub async fn contact_detail(state: State<'_, AppState>, id: i64) -> CmdResult<ContactDetail> {
    Ok(state.app.contact_detail(id).await?)
}

/// Saves the edit drawer; a `conflict` means someone changed the contact since it was opened.
#[tauri::command]
pub async fn update_contact(state: State<'_, AppState>, id: i64, edit: ContactEdit) -> CmdResult<ContactEditResult> {
    Ok(state.app.update_contact(id, edit).await?)
}

/// Deletes contacts; a `conflict` means some have sending history and nothing was deleted.
#[tauri::command]
pub async fn delete_contacts(state: State<'_, AppState>, ids: Vec<i64>) -> CmdResult<u64> {
    Ok(state.app.delete_contacts(&ids).await?)
}

/// Finds the contacts in pasted unsubscribe requests; with `apply`, opts them out of e-mail.
#[tauri::command]
pub async fn record_unsubscribes(
    state: State<'_, AppState>,
    text: String,
    apply: bool,
) -> CmdResult<UnsubscribeReport> {
    Ok(state.app.record_unsubscribes(&text, apply).await?)
}

#[tauri::command]
pub async fn add_contact(state: State<'_, AppState>, input: NewContact) -> CmdResult<Contact> {
    Ok(state.app.add_contact(input).await?)
}

/// How many rows the import wizard's first step shows: enough to check the columns at a glance.
const PREVIEW_ROWS: usize = 20;

/// An import's or a dry run's report, and the id under which this side keeps it for saving.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportOutcome {
    #[ts(type = "number")]
    pub report_id: u64,
    pub report: ImportReport,
}

/// The first rows of a file and the suggested mapping (the import wizard's first step). The
/// file was picked in the open dialog, or typed: a typed path must be a regular spreadsheet file.
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    path: String,
    encoding: Option<String>,
) -> CmdResult<ImportPreview> {
    let path = picked.spreadsheet(&path)?;
    Ok(state
        .app
        .preview_import(&path, encoding.as_deref(), PREVIEW_ROWS)
        .await?)
}

/// Imports a file with the wizard's mapping, or checks and counts it (`options.dry_run`). The
/// report is kept here under the id returned, for `write_import_report`.
#[tauri::command]
pub async fn import_contacts(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    reports: State<'_, Reports<ImportReport>>,
    path: String,
    options: ImportOptions,
) -> CmdResult<ImportOutcome> {
    let path = picked.spreadsheet(&path)?;
    let report = state.app.import_contacts(&path, options).await?;
    Ok(ImportOutcome {
        report_id: reports.keep(report.clone()),
        report,
    })
}

/// Writes every contact to `path`, picked in the save dialog (`.xlsx`, or CSV); returns how many.
#[tauri::command]
pub async fn export_contacts(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    path: String,
) -> CmdResult<usize> {
    let path = picked.take_writable(&path)?;
    Ok(state.app.export_contacts(&path).await?)
}

/// Writes the problems of the import or dry run kept under `report_id` to `path`, picked in
/// the save dialog (`.xlsx`, or CSV), as the CLI's `--report` does. The content is the
/// report this side kept, never one the webview sends.
#[tauri::command]
pub async fn write_import_report(
    picked: State<'_, PickedFiles>,
    reports: State<'_, Reports<ImportReport>>,
    report_id: u64,
    path: String,
) -> CmdResult<()> {
    let report = reports.get(report_id)?;
    let path = picked.take_writable(&path)?;
    // An XLSX of thousands of problems takes a while: off the threads the dispatcher runs on.
    tauri::async_runtime::spawn_blocking(move || report.write(&path))
        .await
        .map_err(|e| CommandError::new("interrupted", format!("the report was not written: {e}")))?
        .map_err(herald::Error::from)?;
    Ok(())
}
