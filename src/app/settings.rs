//! The user's own settings: who “me” is (the contact tests go to) and above how many
//! recipients a send asks for the number to be typed. Stored in `settings` as text.

use super::App;
use crate::model::{MeContact, UserSettings};
use crate::{Error, Result};

const ME: &str = "me";
const CONFIRM_ABOVE: &str = "confirm_above";
/// The default threshold of the typed confirmation (issue 14: 500 people).
pub const DEFAULT_CONFIRM_ABOVE: i64 = 500;

/// A setting the user can change (`herald settings set NAME VALUE`).
#[derive(Debug, Clone, PartialEq)]
pub enum SettingChange {
    /// Me: a contact id; `None` unsets it.
    Me(Option<i64>),
    /// The typed-confirmation threshold: at least 1.
    ConfirmAbove(i64),
}

impl App {
    /// The settings, defaults filled in. A “me” whose contact was deleted reads as unset.
    pub async fn user_settings(&self) -> Result<UserSettings> {
        let me = match self.store.find_setting(ME).await?.and_then(|v| v.parse::<i64>().ok()) {
            Some(id) => match self.store.contact_detail(id).await {
                Ok(c) => Some(MeContact {
                    id: c.id,
                    name: c.name,
                    external_id: c.external_id,
                }),
                Err(crate::store::StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let confirm_above = self
            .store
            .find_setting(CONFIRM_ABOVE)
            .await?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(DEFAULT_CONFIRM_ABOVE);
        Ok(UserSettings { me, confirm_above })
    }

    /// Changes one setting (audited) and returns them all.
    pub async fn change_setting(&self, change: SettingChange) -> Result<UserSettings> {
        let (key, value) = match change {
            SettingChange::Me(Some(id)) => {
                // Refused now rather than at the first test: the contact must exist.
                let c = self.store.contact_detail(id).await?;
                (ME, c.id.to_string())
            }
            SettingChange::Me(None) => (ME, String::new()),
            SettingChange::ConfirmAbove(n) => {
                if n < 1 {
                    return Err(Error::Invalid(format!(
                        "confirm_above: {n} is not a number of people; give 1 or more (default {DEFAULT_CONFIRM_ABOVE})"
                    )));
                }
                (CONFIRM_ABOVE, n.to_string())
            }
        };
        self.audited(
            "settings.set",
            "setting",
            None,
            serde_json::json!({"key": key, "value": value}),
        )
        .set_setting(key, &value)
        .await?;
        self.user_settings().await
    }
}
