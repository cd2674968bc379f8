//! Events the shell emits to the UI.

use tauri::{AppHandle, Emitter};

use herald::dispatch::ProgressSink;
use herald::model::RunProgress;

/// The event carrying a [`RunProgress`] (already throttled by the core to ~10/s per run).
pub const RUN_PROGRESS: &str = "run:progress";

/// Forwards the dispatcher's progress to every window.
pub struct EmitProgress(pub AppHandle);

impl ProgressSink for EmitProgress {
    fn run_progress(&self, progress: &RunProgress) {
        if let Err(e) = self.0.emit(RUN_PROGRESS, progress) {
            tracing::warn!("cannot emit {RUN_PROGRESS}: {e}");
        }
    }
}
