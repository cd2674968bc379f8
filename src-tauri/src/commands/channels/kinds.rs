//! Channels of the kinds described in the core's `channels` module, handled from their
//! description: the form the Channels screen draws comes from `channel_kinds`.

use std::collections::BTreeMap;

use tauri::State;

use crate::commands::AppState;
use crate::error::CmdResult;
use crate::picked::PickedFiles;
use herald::channels::KindInfo;
use herald::model::{Channel, ChannelLimits, ChannelTestResult, KindChannelConfig, LinkIdsReport};

/// Every kind the generic form can add, with its settings schema.
#[tauri::command]
pub fn channel_kinds() -> Vec<KindInfo> {
    herald::channels::all().iter().map(|k| KindInfo::of(*k)).collect()
}

/// Adds a channel of `kind` with `settings` as typed, by field key; a refused setting comes
/// back with its code and field so the form marks it.
#[tauri::command]
pub async fn add_kind_channel(
    state: State<'_, AppState>,
    kind: String,
    name: String,
    settings: BTreeMap<String, String>,
    limits: Option<ChannelLimits>,
) -> CmdResult<Channel> {
    Ok(state.app.add_kind_channel(&kind, &name, settings, limits).await?)
}

/// A file the user picked in the open dialog for a kind's file setting (`key`, a CA
/// certificate), as the text the setting takes (a DER certificate made PEM); refused with the
/// reason when the field's reader cannot use it, and with `file_not_picked` for any other path.
#[tauri::command]
pub async fn read_setting_file(
    picked: State<'_, PickedFiles>,
    kind: String,
    key: String,
    path: String,
) -> CmdResult<String> {
    let path = picked.readable(&path)?;
    Ok(herald::app::read_setting_file(&kind, &key, &path)?)
}

/// A channel's settings for its form: secret ones only as set or not.
#[tauri::command]
pub async fn kind_channel_config(state: State<'_, AppState>, name: String) -> CmdResult<KindChannelConfig> {
    Ok(state.app.kind_channel_config(&name).await?)
}

/// Changes a channel of a described kind: only the settings named change (an empty value
/// clears an optional one; a secret not named keeps its value).
#[tauri::command]
pub async fn update_kind_channel(
    state: State<'_, AppState>,
    name: String,
    settings: BTreeMap<String, String>,
    limits: Option<ChannelLimits>,
) -> CmdResult<Channel> {
    Ok(state.app.update_kind_channel(&name, settings, limits).await?)
}

/// Looks up, through an app channel, the platform ids of contacts that have a mobile and no
/// such id; with `dryRun` false, stores those found.
#[tauri::command]
pub async fn link_ids(state: State<'_, AppState>, channel: String, dry_run: bool) -> CmdResult<LinkIdsReport> {
    Ok(state.app.link_ids(&channel, dry_run).await?)
}

/// Sends one test message (to `to`, or into the group for a robot); a refused message is a
/// result to show (`ok: false` with the server's words), not an error.
#[tauri::command]
pub async fn test_channel(
    state: State<'_, AppState>,
    name: String,
    to: Option<String>,
) -> CmdResult<ChannelTestResult> {
    Ok(state.app.test_channel(&name, to.as_deref()).await?)
}
