//! Channels and notices: compose, preview, send.

use std::collections::BTreeMap;

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use crate::picked::PickedFiles;
use herald::model::{
    Channel, DeliveryPreview, DraftSaved, NewNotice, Notice, NoticeCheck, NoticeVariable, Preview, RunSummary,
};

#[tauri::command]
pub async fn list_channels(state: State<'_, AppState>) -> CmdResult<Vec<Channel>> {
    Ok(state.app.list_channels().await?)
}

#[tauri::command]
pub async fn pause_channel(state: State<'_, AppState>, name: String) -> CmdResult<Channel> {
    Ok(state.app.pause_channel(&name).await?)
}

#[tauri::command]
pub async fn resume_channel(state: State<'_, AppState>, name: String) -> CmdResult<Channel> {
    Ok(state.app.resume_channel(&name).await?)
}

/// Saves a draft; its attachments must be files picked in the open dialog (Herald copies them).
#[tauri::command]
pub async fn create_notice(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    input: NewNotice,
) -> CmdResult<Notice> {
    for path in input.attachments.iter().flatten() {
        picked.readable(path)?;
    }
    Ok(state.app.create_notice(input).await?)
}

/// Saves what Compose holds as a draft (new when `id` is none), incomplete or not: what would
/// stop it comes back with it. A file the draft already keeps is named by its `file`; any
/// other must have been picked in the open dialog.
#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    id: Option<i64>,
    input: NewNotice,
) -> CmdResult<DraftSaved> {
    let kept = match id {
        Some(id) => state.app.get_notice(id).await?.attachments,
        None => Vec::new(),
    };
    for path in input.attachments.iter().flatten() {
        if !kept.iter().any(|a| &a.file == path) {
            picked.readable(path)?;
        }
    }
    Ok(state.app.save_draft(id, input).await?)
}

#[tauri::command]
pub async fn delete_draft(state: State<'_, AppState>, id: i64) -> CmdResult<Notice> {
    Ok(state.app.delete_draft(id).await?)
}

#[tauri::command]
pub async fn get_notice(state: State<'_, AppState>, id: i64) -> CmdResult<Notice> {
    Ok(state.app.get_notice(id).await?)
}

#[tauri::command]
pub async fn preview_notice(state: State<'_, AppState>, input: NewNotice) -> CmdResult<Preview> {
    Ok(state.app.preview_notice(&input).await?)
}

/// One person's message on one channel (a group chat's needs no contact), exactly as sent.
#[tauri::command]
pub async fn preview_delivery(
    state: State<'_, AppState>,
    notice_id: i64,
    contact: Option<String>,
    channel: String,
) -> CmdResult<DeliveryPreview> {
    Ok(state
        .app
        .preview_delivery(notice_id, contact.as_deref(), &channel)
        .await?)
}

/// The variables a notice with these values may use, for the editor's list.
#[tauri::command]
pub async fn notice_variables(
    state: State<'_, AppState>,
    values: Option<BTreeMap<String, String>>,
) -> CmdResult<Vec<NoticeVariable>> {
    Ok(state.app.notice_variables(&values.unwrap_or_default()).await?)
}

#[tauri::command]
pub async fn list_notices(state: State<'_, AppState>) -> CmdResult<Vec<Notice>> {
    Ok(state.app.list_notices().await?)
}

#[tauri::command]
pub async fn send_notice(state: State<'_, AppState>, notice_id: i64) -> CmdResult<RunSummary> {
    Ok(state.app.send_notice(notice_id).await?)
}

/// The draft checked against its whole audience (who gets it where, who would get it broken).
#[tauri::command]
pub async fn check_notice(state: State<'_, AppState>, notice_id: i64) -> CmdResult<NoticeCheck> {
    Ok(state.app.check_draft(notice_id).await?)
}

/// Leaves these people out of a draft's audience on purpose.
#[tauri::command]
pub async fn leave_out(state: State<'_, AppState>, notice_id: i64, contact_ids: Vec<i64>) -> CmdResult<Notice> {
    Ok(state.app.leave_out(notice_id, &contact_ids).await?)
}
