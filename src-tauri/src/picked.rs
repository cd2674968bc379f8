//! Which files the webview may name: the file-access policy of the desktop shell.
//!
//! The webview has no file system of its own (see `capabilities/default.json`), and Herald's
//! commands must not give it one: a command that reads or writes a file takes only a path the
//! user picked in a native dialog since the app started. The dialogs run here, on the Rust side
//! (`commands::files`), and every path they return is recorded in [`PickedFiles`]:
//!
//! - a file picked in an "open" dialog may be read (an import, an attachment, a CA
//!   certificate) as often as needed while the app runs;
//! - a path picked in a "save" dialog may be written once (an export, an import report).
//!
//! Anything else is refused with the code `file_not_picked`. The one exception is the import
//! wizard's typed path, kept for WebDriver tests (which cannot drive native dialogs) and for
//! pasting: a typed path may be *read as a spreadsheet* only, and only if it is a regular file
//! with a spreadsheet's extension outside `/proc`, `/sys` and `/dev` ([`typed_spreadsheet`]);
//! it is never written, attached or read as a certificate.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::CommandError;

/// The code of a path the user did not pick.
pub const NOT_PICKED: &str = "file_not_picked";
/// The code of a typed path that may not be read (not a regular spreadsheet file).
pub const NOT_ALLOWED: &str = "file_not_allowed";

/// What the import reads; a typed path must end in one of these (any case).
pub const SPREADSHEET_EXTENSIONS: [&str; 7] = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods"];

/// Directories whose files are not files: kernel and device views (`/proc/self/environ`).
const SPECIAL_ROOTS: [&str; 3] = ["/proc", "/sys", "/dev"];

/// What a picked path may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Picked in an "open" dialog: may be read.
    Read,
    /// Picked in a "save" dialog: may be written, once.
    Write,
}

/// The paths the user picked in native dialogs since the app started (Tauri state).
#[derive(Debug, Default)]
pub struct PickedFiles {
    inner: Mutex<Picked>,
}

#[derive(Debug, Default)]
struct Picked {
    read: HashSet<PathBuf>,
    write: HashSet<PathBuf>,
}

fn refuse(code: &str, message: String) -> CommandError {
    CommandError::new(code, message)
}

impl PickedFiles {
    fn lock(&self) -> std::sync::MutexGuard<'_, Picked> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a path a dialog returned; gives it back as the text the webview holds.
    pub fn record(&self, access: Access, path: PathBuf) -> Result<String, CommandError> {
        // The webview names the file by this text again, so it must say exactly this path.
        let text = path.to_str().map(str::to_owned).ok_or_else(|| {
            refuse(
                NOT_ALLOWED,
                format!(
                    "{}: the file's name is not valid Unicode; rename it and pick it again",
                    path.display()
                ),
            )
        })?;
        let mut picked = self.lock();
        match access {
            Access::Read => picked.read.insert(path),
            Access::Write => picked.write.insert(path),
        };
        Ok(text)
    }

    /// A path picked for reading, or `file_not_picked`.
    pub fn readable(&self, path: &str) -> Result<PathBuf, CommandError> {
        let path = PathBuf::from(path);
        if self.lock().read.contains(&path) {
            Ok(path)
        } else {
            Err(not_picked(&path))
        }
    }

    /// A path picked for writing, taken (it can be written once), or `file_not_picked`.
    pub fn take_writable(&self, path: &str) -> Result<PathBuf, CommandError> {
        let path = PathBuf::from(path);
        if self.lock().write.remove(&path) {
            Ok(path)
        } else {
            Err(not_picked(&path))
        }
    }

    /// A spreadsheet to read: picked for reading, or typed and passing [`typed_spreadsheet`].
    pub fn spreadsheet(&self, path: &str) -> Result<PathBuf, CommandError> {
        self.readable(path).or_else(|_| typed_spreadsheet(Path::new(path)))
    }
}

fn not_picked(path: &Path) -> CommandError {
    refuse(
        NOT_PICKED,
        format!(
            "{}: Herald reads and writes only files chosen in its file dialog; choose the file again",
            path.display()
        ),
    )
}

/// A typed path that may be read as a spreadsheet: absolute, a regular file once every link
/// is followed, with a spreadsheet's extension, and not under `/proc`, `/sys` or `/dev`.
/// Returns the resolved path, so what is checked is what is read.
pub fn typed_spreadsheet(path: &Path) -> Result<PathBuf, CommandError> {
    let not_allowed = |why: &str| refuse(NOT_ALLOWED, format!("{}: {why}", path.display()));
    if !path.is_absolute() {
        return Err(not_allowed("give the file's full path, or choose it in the dialog"));
    }
    let real = std::fs::canonicalize(path).map_err(|e| refuse("invalid", format!("{}: {e}", path.display())))?;
    if SPECIAL_ROOTS.iter().any(|root| real.starts_with(root)) {
        return Err(not_allowed("is not a spreadsheet file"));
    }
    let extension_ok = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SPREADSHEET_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(e)))
    };
    if !extension_ok(path) || !extension_ok(&real) {
        return Err(not_allowed(
            "a typed path must name a spreadsheet (.csv, .xlsx, .xls, .ods); choose other files in the dialog",
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| refuse("invalid", format!("{}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(not_allowed("is not a regular file"));
    }
    Ok(real)
}

/// The last few import reports, kept on this side so that saving one writes what the import
/// found, never content the webview sends. The wizard holds a report's id.
#[derive(Debug)]
pub struct Reports<T> {
    inner: Mutex<(u64, Vec<(u64, T)>)>,
}

impl<T> Default for Reports<T> {
    fn default() -> Self {
        Reports {
            inner: Mutex::new((0, Vec::new())),
        }
    }
}

/// Reports kept: a dry run and the import after it, for a wizard or two.
const REPORTS_KEPT: usize = 4;

impl<T: Clone> Reports<T> {
    /// Keeps a report; returns its id.
    pub fn keep(&self, report: T) -> u64 {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.0 += 1;
        let id = inner.0;
        inner.1.push((id, report));
        if inner.1.len() > REPORTS_KEPT {
            inner.1.remove(0);
        }
        id
    }

    /// The report of this id, or an error the UI shows.
    pub fn get(&self, id: u64) -> Result<T, CommandError> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .1
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r.clone())
            .ok_or_else(|| {
                refuse(
                    "not_found",
                    "this import's report is no longer kept; run the dry run or the import again".into(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_picked_paths_pass_and_a_save_pick_is_written_once() {
        let picked = PickedFiles::default();
        let e = picked.readable("/home/jw/名单.xlsx").unwrap_err();
        assert_eq!(e.code, NOT_PICKED);
        assert!(e.message.contains("名单.xlsx"), "{}", e.message);
        let text = picked
            .record(Access::Read, PathBuf::from("/home/jw/名单.xlsx"))
            .unwrap();
        assert_eq!(text, "/home/jw/名单.xlsx");
        assert_eq!(picked.readable(&text).unwrap(), PathBuf::from(&text));
        assert_eq!(picked.readable(&text).unwrap(), PathBuf::from(&text), "read again");
        // Picked to read is not picked to write, nor the other way round.
        assert_eq!(picked.take_writable(&text).unwrap_err().code, NOT_PICKED);
        let out = picked
            .record(Access::Write, PathBuf::from("/home/jw/导出.xlsx"))
            .unwrap();
        assert_eq!(picked.readable(&out).unwrap_err().code, NOT_PICKED);
        picked.take_writable(&out).unwrap();
        assert_eq!(picked.take_writable(&out).unwrap_err().code, NOT_PICKED, "once");
        // The same path written with a `.` is the same path (paths compare by component);
        // nothing else passes, not even a way round through `..`.
        assert!(picked.readable("/home/jw/./名单.xlsx").is_ok());
        for other in [
            "/home/jw/../jw/名单.xlsx",
            "/home/jw/名单.xlsx.bak",
            "/proc/self/environ",
            "",
        ] {
            assert_eq!(picked.readable(other).unwrap_err().code, NOT_PICKED, "{other}");
        }
    }

    #[test]
    fn typed_paths_are_read_only_as_regular_spreadsheet_files() {
        let dir = tempfile::tempdir().unwrap();
        let sheet = dir.path().join("名单.CSV");
        std::fs::write(&sheet, "学号,姓名\n1,王\n").unwrap();
        let picked = PickedFiles::default();
        let real = picked.spreadsheet(sheet.to_str().unwrap()).unwrap();
        assert_eq!(real, std::fs::canonicalize(&sheet).unwrap());
        let refused = |p: &Path| picked.spreadsheet(p.to_str().unwrap()).unwrap_err();
        // Not a spreadsheet's name, a folder named like one, special files, a link to a
        // secret, a relative path.
        let key = dir.path().join("id_ed25519");
        std::fs::write(&key, "PRIVATE").unwrap();
        assert_eq!(refused(&key).code, NOT_ALLOWED);
        let folder = dir.path().join("folder.csv");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(refused(&folder).code, NOT_ALLOWED);
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&key, &link).unwrap();
            assert_eq!(refused(&link).code, NOT_ALLOWED);
            let environ = dir.path().join("environ.csv");
            std::os::unix::fs::symlink("/proc/self/environ", &environ).unwrap();
            assert_eq!(refused(&environ).code, NOT_ALLOWED);
            assert_eq!(refused(Path::new("/proc/self/environ")).code, NOT_ALLOWED);
            assert_eq!(refused(Path::new("/dev/zero")).code, NOT_ALLOWED);
        }
        assert_eq!(refused(Path::new("名单.csv")).code, NOT_ALLOWED);
        assert_eq!(refused(&dir.path().join("missing.csv")).code, "invalid");
        // A picked file of any name may be read.
        picked.record(Access::Read, key.clone()).unwrap();
        assert_eq!(picked.spreadsheet(key.to_str().unwrap()).unwrap(), key);
    }

    #[test]
    fn reports_are_kept_by_id_and_the_oldest_go() {
        let reports = Reports::default();
        let ids: Vec<u64> = (0..6).map(|n| reports.keep(n)).collect();
        assert_eq!(reports.get(ids[5]).unwrap(), 5);
        assert_eq!(reports.get(ids[2]).unwrap(), 2);
        assert_eq!(reports.get(ids[1]).unwrap_err().code, "not_found");
        assert_eq!(reports.get(99).unwrap_err().code, "not_found");
    }
}
