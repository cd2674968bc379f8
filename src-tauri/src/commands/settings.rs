//! The user's settings (“me”, the typed-confirmation threshold) and a test sent to me.

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::app::SettingChange;
use herald::model::{TestSendResult, UserSettings};

#[tauri::command]
pub async fn user_settings(state: State<'_, AppState>) -> CmdResult<UserSettings> {
    Ok(state.app.user_settings().await?)
}

#[tauri::command]
pub async fn set_me(state: State<'_, AppState>, contact_id: Option<i64>) -> CmdResult<UserSettings> {
    Ok(state.app.change_setting(SettingChange::Me(contact_id)).await?)
}

#[tauri::command]
pub async fn set_confirm_above(state: State<'_, AppState>, count: i64) -> CmdResult<UserSettings> {
    Ok(state.app.change_setting(SettingChange::ConfirmAbove(count)).await?)
}

/// The draft to me alone; the app's dispatcher sends it like any run.
#[tauri::command]
pub async fn send_test(state: State<'_, AppState>, notice_id: i64) -> CmdResult<TestSendResult> {
    Ok(state.app.send_test(notice_id).await?)
}
