//! The native open and save dialogs, run on this side so that the paths they return are
//! recorded as picked (`crate::picked`): Herald's commands read or write only those.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};
use ts_rs::TS;

use crate::error::{CmdResult, CommandError};
use crate::picked::{Access, PickedFiles};

/// One entry of a dialog's file-type list: a label the user reads and extensions without dots.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

/// What a dialog shows.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct DialogOptions {
    #[ts(optional)]
    pub title: Option<String>,
    pub filters: Vec<FileFilter>,
    /// Save dialogs: a file name, or a full path to start in its folder.
    #[ts(optional)]
    pub default_path: Option<String>,
}

/// GTK matches extension patterns case-sensitively, and files saved on Windows are often
/// `名单.XLSX`: both cases are offered (harmless where the platform ignores case).
fn both_cases(extensions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in extensions {
        for v in [e.to_lowercase(), e.to_uppercase()] {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

fn builder(app: &AppHandle, options: &DialogOptions, any_case: bool) -> FileDialogBuilder<tauri::Wry> {
    let mut b = app.dialog().file();
    if let Some(title) = &options.title {
        b = b.set_title(title);
    }
    for f in &options.filters {
        let extensions = if any_case {
            both_cases(&f.extensions)
        } else {
            f.extensions.clone()
        };
        let refs: Vec<&str> = extensions.iter().map(String::as_str).collect();
        b = b.add_filter(&f.name, &refs);
    }
    b
}

fn to_path(file: FilePath) -> CmdResult<PathBuf> {
    file.into_path()
        .map_err(|e| CommandError::new("invalid", format!("the dialog returned no usable path: {e}")))
}

/// The "open file" dialog for one file: its path (recorded as picked to read), or `None`.
#[tauri::command]
pub async fn pick_file_to_open(
    app: AppHandle,
    picked: State<'_, PickedFiles>,
    options: DialogOptions,
) -> CmdResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(&app, &options, true).pick_file(move |file| {
        let _ = tx.send(file);
    });
    match rx.await.ok().flatten() {
        Some(file) => Ok(Some(picked.record(Access::Read, to_path(file)?)?)),
        None => Ok(None),
    }
}

/// The "open file" dialog for any number of files: their paths (recorded), empty if cancelled.
#[tauri::command]
pub async fn pick_files_to_open(
    app: AppHandle,
    picked: State<'_, PickedFiles>,
    options: DialogOptions,
) -> CmdResult<Vec<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(&app, &options, true).pick_files(move |files| {
        let _ = tx.send(files);
    });
    let mut out = Vec::new();
    for file in rx.await.ok().flatten().unwrap_or_default() {
        out.push(picked.record(Access::Read, to_path(file)?)?);
    }
    Ok(out)
}

/// The "save as" dialog: the path chosen (recorded as picked to write, once; the platform
/// has asked about overwriting), or `None`.
#[tauri::command]
pub async fn pick_file_to_save(
    app: AppHandle,
    picked: State<'_, PickedFiles>,
    options: DialogOptions,
) -> CmdResult<Option<String>> {
    let mut b = builder(&app, &options, false);
    if let Some(default) = options.default_path.as_deref().filter(|d| !d.is_empty()) {
        let path = Path::new(default);
        if let Some(dir) = path.parent().filter(|d| d.is_absolute() && d.is_dir()) {
            b = b.set_directory(dir);
        }
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            b = b.set_file_name(name);
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    b.save_file(move |file| {
        let _ = tx.send(file);
    });
    match rx.await.ok().flatten() {
        Some(file) => Ok(Some(picked.record(Access::Write, to_path(file)?)?)),
        None => Ok(None),
    }
}
