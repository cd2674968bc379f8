//! Contacts.

use tauri::State;

use super::AppState;
use crate::error::CmdResult;
use herald::model::{Contact, ContactPage, ContactQuery, NewContact};

#[tauri::command]
pub async fn list_contacts(state: State<'_, AppState>, query: ContactQuery) -> CmdResult<ContactPage> {
    Ok(state.app.list_contacts(query).await?)
}

#[tauri::command]
pub async fn add_contact(state: State<'_, AppState>, input: NewContact) -> CmdResult<Contact> {
    Ok(state.app.add_contact(input).await?)
}
