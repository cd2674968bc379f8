//! Templates, and new notices from sent ones (duplicate, resend to those not reached).

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::model::{Notice, ResendDraft, Template, TemplateInput, TemplateVersion};

#[tauri::command]
pub async fn list_templates(state: State<'_, AppState>) -> CmdResult<Vec<Template>> {
    Ok(state.app.list_templates().await?)
}

/// A template's earlier contents, newest first.
#[tauri::command]
pub async fn template_versions(state: State<'_, AppState>, template_id: i64) -> CmdResult<Vec<TemplateVersion>> {
    Ok(state.app.template_versions(&format!("#{template_id}")).await?)
}

#[tauri::command]
pub async fn save_template(state: State<'_, AppState>, input: TemplateInput) -> CmdResult<Template> {
    Ok(state.app.save_template(input).await?)
}

#[tauri::command]
pub async fn delete_template(state: State<'_, AppState>, template_id: i64) -> CmdResult<()> {
    Ok(state.app.delete_template(&format!("#{template_id}")).await?)
}

/// A new draft like a notice (content, audience, channels).
#[tauri::command]
pub async fn duplicate_notice(state: State<'_, AppState>, notice_id: i64) -> CmdResult<Notice> {
    Ok(state.app.duplicate_notice(notice_id).await?)
}

/// A new draft for exactly those a sent notice did not reach.
#[tauri::command]
pub async fn resend_unreached(state: State<'_, AppState>, notice_id: i64) -> CmdResult<ResendDraft> {
    Ok(state.app.resend_unreached(notice_id).await?)
}
