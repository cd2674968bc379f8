//! Runs, history and the sandbox inbox.

use tauri::State;

use super::AppState;
use crate::error::{CmdResult, CommandError};
use herald::model::{ReadsReport, RecallReport, RunDetail, RunSummary, SandboxMessage};
use herald::store::RetryScope;

#[tauri::command]
pub async fn list_runs(state: State<'_, AppState>, limit: i64) -> CmdResult<Vec<RunSummary>> {
    Ok(state.app.list_runs(limit).await?)
}

#[tauri::command]
pub async fn run_detail(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunDetail> {
    Ok(state.app.run_detail(run_id).await?)
}

#[tauri::command]
pub async fn list_sandbox_messages(state: State<'_, AppState>, limit: i64) -> CmdResult<Vec<SandboxMessage>> {
    Ok(state.app.sandbox_messages(limit).await?)
}

#[tauri::command]
pub async fn pause_run(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunSummary> {
    Ok(state.app.pause_run(run_id).await?)
}

#[tauri::command]
pub async fn resume_run(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunSummary> {
    Ok(state.app.resume_run(run_id).await?)
}

#[tauri::command]
pub async fn cancel_run(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunSummary> {
    Ok(state.app.cancel_run(run_id).await?)
}

/// Recalls a run sent by mistake: cancels what it has not sent, recalls what the platforms
/// allow; says what became of each.
#[tauri::command]
pub async fn recall_run(state: State<'_, AppState>, run_id: i64) -> CmdResult<RecallReport> {
    Ok(state.app.recall_run(run_id).await?)
}

/// Asks the platforms who has read the run (刷新已读).
#[tauri::command]
pub async fn refresh_reads(state: State<'_, AppState>, run_id: i64) -> CmdResult<ReadsReport> {
    Ok(state.app.refresh_reads(run_id).await?)
}

/// Reminds those who have not read the run (提醒未读); returns the reminder's run.
#[tauri::command]
pub async fn remind_unread(state: State<'_, AppState>, run_id: i64) -> CmdResult<RunSummary> {
    Ok(state.app.remind_unread(run_id).await?)
}

/// Queues failed deliveries again: one (`delivery_id`), a run's (`run_id`) or a channel's
/// (`channel_id`); returns how many.
#[tauri::command]
pub async fn retry_failed(
    state: State<'_, AppState>,
    delivery_id: Option<i64>,
    run_id: Option<i64>,
    channel_id: Option<i64>,
) -> CmdResult<u64> {
    let scope = match (delivery_id, run_id, channel_id) {
        (Some(id), None, None) => RetryScope::Delivery(id),
        (None, Some(id), None) => RetryScope::Run(id),
        (None, None, Some(id)) => RetryScope::Channel(id),
        _ => {
            return Err(CommandError::new(
                "invalid",
                "name exactly one of deliveryId, runId, channelId".into(),
            ))
        }
    };
    Ok(state.app.retry_failed(scope).await?)
}
