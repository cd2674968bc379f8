//! App facts, settings, demo data, dashboard.

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::model::{AppInfo, DashboardStats, DemoLoadResult};

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    let here = state.dispatching_here().await;
    Ok(state.app.info(here).await?)
}

#[tauri::command]
pub async fn dashboard_stats(state: State<'_, AppState>) -> CmdResult<DashboardStats> {
    Ok(state.app.dashboard().await?)
}

#[tauri::command]
pub async fn load_demo(state: State<'_, AppState>) -> CmdResult<DemoLoadResult> {
    Ok(state.app.load_demo().await?)
}

#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, language: String) -> CmdResult<()> {
    Ok(state.app.set_language(&language).await?)
}
