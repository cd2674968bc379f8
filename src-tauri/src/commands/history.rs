//! Runs, history and the sandbox inbox.

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::model::{RunDetail, RunSummary, SandboxMessage};

#[tauri::command]
pub async fn list_runs(state: State<'_, AppState>, limit: i64) -> CmdResult<Vec<RunSummary>> {
    Ok(state.app.list_runs(limit).await?)
}

#[tauri::command]
pub async fn run_detail(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunDetail> {
    Ok(state.app.run_detail(run_id).await?)
}

#[tauri::command]
pub async fn list_sandbox_messages(
    state: State<'_, AppState>,
    limit: i64,
) -> CmdResult<Vec<SandboxMessage>> {
    Ok(state.app.sandbox_messages(limit).await?)
}
