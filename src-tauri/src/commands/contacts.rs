//! Contacts.

use std::path::Path;

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
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

/// The first rows of a file and the suggested mapping (the import wizard's first step).
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    path: String,
    encoding: Option<String>,
) -> CmdResult<ImportPreview> {
    Ok(state
        .app
        .preview_import(Path::new(&path), encoding.as_deref(), PREVIEW_ROWS)
        .await?)
}

/// Imports a file with the wizard's mapping, or checks and counts it (`options.dry_run`).
#[tauri::command]
pub async fn import_contacts(
    state: State<'_, AppState>,
    path: String,
    options: ImportOptions,
) -> CmdResult<ImportReport> {
    Ok(state.app.import_contacts(Path::new(&path), options).await?)
}

/// Writes every contact to `path` (`.xlsx`, or CSV); returns how many.
#[tauri::command]
pub async fn export_contacts(state: State<'_, AppState>, path: String) -> CmdResult<usize> {
    Ok(state.app.export_contacts(Path::new(&path)).await?)
}

/// Writes the problems of an import or a dry run (the report the wizard holds) to `path`
/// (`.xlsx`, or CSV), as the CLI's `--report` does.
#[tauri::command]
pub async fn write_import_report(report: ImportReport, path: String) -> CmdResult<()> {
    Ok(report.write(Path::new(&path)).map_err(herald::Error::from)?)
}
