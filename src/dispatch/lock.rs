//! One dispatcher per database: an OS file lock beside the database file. The OS releases
//! it when the holder exits or is killed, so a crash never leaves Herald locked out, and a
//! second dispatcher (the desktop app and `herald dispatch`, or two app windows) learns who
//! holds it instead of sending the same outbox twice.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::DispatchError;

/// Held while this process dispatches; dropping it releases the lock.
#[derive(Debug)]
pub struct DispatcherLock {
    _file: File,
    owner_path: PathBuf,
}

fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join("dispatcher.lock")
}

fn owner_path(data_dir: &Path) -> PathBuf {
    data_dir.join("dispatcher.owner")
}

impl DispatcherLock {
    /// Takes the lock for `who` (e.g. "herald-desktop, pid 4242"), or says who has it.
    pub fn acquire(data_dir: &Path, who: &str) -> Result<DispatcherLock, DispatchError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(data_dir))
            .map_err(|e| DispatchError::Lock(format!("cannot open {}: {e}", lock_path(data_dir).display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(DispatchError::Busy {
                    holder: Self::holder(data_dir).unwrap_or_else(|| "another Herald process".into()),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(DispatchError::Lock(e.to_string())),
        }
        let owner_path = owner_path(data_dir);
        let since = crate::clock::now_str();
        let mut owner = File::create(&owner_path).map_err(|e| DispatchError::Lock(e.to_string()))?;
        writeln!(owner, "{who} since {since}").map_err(|e| DispatchError::Lock(e.to_string()))?;
        Ok(DispatcherLock {
            _file: file,
            owner_path,
        })
    }

    /// Who holds the lock now, if anyone does (as the holder described itself).
    pub fn holder(data_dir: &Path) -> Option<String> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(data_dir))
            .ok()?;
        match file.try_lock() {
            // Nobody holds it (and our probe's lock goes with `file`).
            Ok(()) => None,
            Err(_) => Some(
                std::fs::read_to_string(owner_path(data_dir))
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_else(|_| "another Herald process".into()),
            ),
        }
    }
}

impl Drop for DispatcherLock {
    fn drop(&mut self) {
        // Best effort: a stale owner file is harmless, as `holder` trusts only the lock.
        let _ = std::fs::remove_file(&self.owner_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = DispatcherLock::acquire(dir.path(), "herald-desktop, pid 1").unwrap();
        match DispatcherLock::acquire(dir.path(), "herald dispatch, pid 2") {
            Err(DispatchError::Busy { holder }) => {
                assert!(holder.starts_with("herald-desktop, pid 1"), "{holder}")
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(DispatcherLock::holder(dir.path()).is_some());
        drop(first);
        assert_eq!(DispatcherLock::holder(dir.path()), None);
        DispatcherLock::acquire(dir.path(), "herald dispatch, pid 2").unwrap();
    }
}
