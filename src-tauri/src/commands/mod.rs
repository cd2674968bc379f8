//! Tauri commands: each a few lines that call the core. Names match the core functions;
//! the UI's wrappers in `ui/src/api/` are their camelCase forms.

pub mod app;
pub mod channels;
pub mod contacts;
pub mod files;
pub mod groups;
pub mod history;
pub mod notices;
pub mod settings;
pub mod templates;

use std::sync::Arc;

use tokio::sync::Mutex;

use herald::app::DispatcherHandle;
use herald::App;

/// What every command can reach.
pub struct AppState {
    pub app: Arc<App>,
    /// The dispatcher this process runs, if it got the lock.
    pub dispatcher: Mutex<Option<DispatcherHandle>>,
}

impl AppState {
    /// Whether this process is the one dispatching.
    pub async fn dispatching_here(&self) -> bool {
        self.dispatcher
            .lock()
            .await
            .as_ref()
            .is_some_and(DispatcherHandle::is_running)
    }
}
