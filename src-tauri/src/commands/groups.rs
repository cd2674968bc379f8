//! Groups, rule segments and audience previews.

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::audience::GroupRef;
use herald::model::{AudiencePreview, ContactPage, ContactQuery, Group, MembersChange, NewGroup, Rule, UpdateGroup};

#[tauri::command]
pub async fn list_groups(state: State<'_, AppState>) -> CmdResult<Vec<Group>> {
    Ok(state.app.list_groups().await?)
}

#[tauri::command]
pub async fn get_group(state: State<'_, AppState>, id: i64) -> CmdResult<Group> {
    Ok(state.app.group(&GroupRef::Id(id)).await?)
}

#[tauri::command]
pub async fn create_group(state: State<'_, AppState>, input: NewGroup) -> CmdResult<Group> {
    Ok(state.app.create_group(input).await?)
}

#[tauri::command]
pub async fn update_group(state: State<'_, AppState>, id: i64, input: UpdateGroup) -> CmdResult<Group> {
    Ok(state.app.update_group(id, input).await?)
}

#[tauri::command]
pub async fn delete_group(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(state.app.delete_group(id).await?)
}

#[tauri::command]
pub async fn group_members(state: State<'_, AppState>, id: i64, query: ContactQuery) -> CmdResult<ContactPage> {
    Ok(state.app.group_members(id, query).await?)
}

#[tauri::command]
pub async fn add_group_members(state: State<'_, AppState>, id: i64, contact_ids: Vec<i64>) -> CmdResult<MembersChange> {
    Ok(state.app.add_group_members(id, &contact_ids).await?)
}

#[tauri::command]
pub async fn add_group_members_by_external_ids(
    state: State<'_, AppState>,
    id: i64,
    text: String,
) -> CmdResult<MembersChange> {
    Ok(state.app.add_group_members_by_external_ids(id, &text).await?)
}

#[tauri::command]
pub async fn remove_group_members(
    state: State<'_, AppState>,
    id: i64,
    contact_ids: Vec<i64>,
) -> CmdResult<MembersChange> {
    Ok(state.app.remove_group_members(id, &contact_ids).await?)
}

#[tauri::command]
pub async fn count_rule(state: State<'_, AppState>, rule: Rule) -> CmdResult<i64> {
    Ok(state.app.count_rule(&rule).await?)
}

#[tauri::command]
pub async fn preview_audience(
    state: State<'_, AppState>,
    spec: String,
    channel_ids: Vec<i64>,
) -> CmdResult<AudiencePreview> {
    Ok(state.app.preview_audience(&spec, &channel_ids).await?)
}

#[tauri::command]
pub async fn list_attribute_names(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    Ok(state.app.attribute_names().await?)
}
