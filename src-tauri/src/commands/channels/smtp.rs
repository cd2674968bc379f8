//! E-mail channels: add, show, read a CA file; and the test send every kind shares.

use tauri::State;

use crate::commands::AppState;
use crate::error::CmdResult;
use crate::picked::PickedFiles;
use herald::model::{Channel, ChannelTestResult, NewSmtpChannel, SmtpChannelConfig, UpdateSmtpChannel};

#[tauri::command]
pub async fn add_smtp_channel(state: State<'_, AppState>, input: NewSmtpChannel) -> CmdResult<Channel> {
    Ok(state.app.add_smtp_channel(input).await?)
}

#[tauri::command]
pub async fn update_smtp_channel(
    state: State<'_, AppState>,
    name: String,
    input: UpdateSmtpChannel,
) -> CmdResult<Channel> {
    Ok(state.app.update_smtp_channel(&name, input).await?)
}

#[tauri::command]
pub async fn smtp_channel_config(state: State<'_, AppState>, name: String) -> CmdResult<SmtpChannelConfig> {
    Ok(state.app.smtp_channel_config(&name).await?)
}

/// A CA certificate file the user picked in the open dialog, as the PEM text the e-mail form
/// holds (a DER file is turned into PEM); refused with the reason when it holds no
/// certificate, and with `file_not_picked` for any other path.
#[tauri::command]
pub async fn read_ca_file(picked: State<'_, PickedFiles>, path: String) -> CmdResult<String> {
    let path = picked.readable(&path)?;
    Ok(herald::app::read_ca_file(&path)?)
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
