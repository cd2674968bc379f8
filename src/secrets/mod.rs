//! Secrets (SMTP passwords, API keys, webhook signing secrets): never in SQLite, logs, errors
//! or exports. Channels keep only a reference (`secret_ref`); the value lives here.
//!
//! Where they live is chosen once when a data directory is opened ([`open_store`]): the OS
//! keyring (Secret Service, Keychain, Credential Manager) when one answers, otherwise an
//! explicit file, `secrets.json` in the data directory, readable by its owner only (0600),
//! and Herald says so once. `HERALD_SECRET_STORE=file|keyring` forces one.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use thiserror::Error;

mod bundle;
mod choose;
mod keyring;
pub use bundle::ChannelSecrets;
pub use choose::{open_store, StoreChoice, STORE_ENV};
pub use keyring::KeyringSecretStore;

/// A secret store that cannot be read or written.
#[derive(Debug, Error)]
pub enum SecretError {
    #[error("cannot read or write the secret store {path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("the secret store {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    /// One entry cannot be read; `detail` never quotes its value.
    #[error("the secret {key} cannot be read: {detail}")]
    Entry { key: String, detail: String },
    /// The OS keyring failed; `detail` never quotes a value.
    #[error("the OS keyring ({service}): {detail}")]
    Keyring { service: String, detail: String },
    /// `HERALD_SECRET_STORE=keyring`, and no keyring answers.
    #[error("{STORE_ENV}=keyring, but the OS keyring cannot be used: {cause}")]
    KeyringRequired { cause: String },
    #[error("{STORE_ENV} must be `file` or `keyring`, not `{0}`")]
    BadChoice(String),
}

/// Where secrets are kept.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, key: &str, value: &str) -> Result<(), SecretError>;
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}

/// Secrets in a JSON file only its owner can read.
pub struct FileSecretStore {
    path: PathBuf,
    // One writer at a time inside this process; `secrets.lock` keeps other processes (the
    // CLI beside the desktop app) from rewriting the file between our read and our write.
    lock: Mutex<()>,
}

impl FileSecretStore {
    /// The store at `data_dir/secrets.json`.
    pub fn open(data_dir: &Path) -> FileSecretStore {
        FileSecretStore {
            path: data_dir.join("secrets.json"),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, e: std::io::Error) -> SecretError {
        SecretError::Io {
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }

    /// Every entry (for the move into the keyring).
    pub(crate) fn entries(&self) -> Result<BTreeMap<String, String>, SecretError> {
        self.read()
    }

    /// Removes the entries that still hold the value given, and the file once it is empty, so
    /// that an entry written meanwhile by a process without the keyring is never lost.
    pub(crate) fn remove_moved(&self, moved: &BTreeMap<String, String>) -> Result<(), SecretError> {
        self.rewrite(true, |all| {
            for (key, value) in moved {
                if all.get(key) == Some(value) {
                    all.remove(key);
                }
            }
        })
    }

    fn read(&self) -> Result<BTreeMap<String, String>, SecretError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| SecretError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Read, change, write, under both locks.
    fn rewrite(
        &self,
        remove_if_empty: bool,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let lock_file = self.owner_only(&self.path.with_extension("lock"), false)?;
        lock_file.lock().map_err(|e| self.io(e))?;
        let before = self.read()?;
        let mut all = before.clone();
        change(&mut all);
        if remove_if_empty && all.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io(e)),
                _ => Ok(()),
            };
        }
        if all == before {
            return Ok(());
        }
        self.write(&all)
        // The OS lock goes with `lock_file`.
    }

    fn owner_only(&self, path: &Path, truncate: bool) -> Result<File, SecretError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(truncate);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let f = options.open(path).map_err(|e| self.io(e))?;
        // `mode` applies only to a file it creates: one left behind (a crashed write, an
        // older version) keeps its mode unless it is set here, and the rename would carry it
        // over to secrets.json.
        crate::private::file(path).map_err(|e| self.io(e))?;
        Ok(f)
    }

    fn write(&self, all: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(all).unwrap_or_default();
        {
            use std::io::Write;
            let mut f = self.owner_only(&tmp, true)?;
            f.write_all(text.as_bytes()).map_err(|e| self.io(e))?;
            f.sync_all().map_err(|e| self.io(e))?;
        }
        // Rename so that a crash leaves the old file or the new one, never half of one.
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        Ok(self.read()?.get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        self.rewrite(false, |all| {
            all.insert(key.to_owned(), value.to_owned());
        })
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        // The keyring store drops every key it writes from here too; with no file there is
        // nothing to drop, and no lock file to leave behind.
        if !self.path.exists() {
            return Ok(());
        }
        self.rewrite(false, |all| {
            all.remove(key);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_in_an_owner_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::open(dir.path());
        assert_eq!(store.get("channel-1").unwrap(), None);
        store.set("channel-1", "whsec_c2VjcmV0").unwrap();
        store.set("channel-2", "other").unwrap();
        assert_eq!(store.get("channel-1").unwrap().as_deref(), Some("whsec_c2VjcmV0"));
        store.delete("channel-2").unwrap();
        assert_eq!(FileSecretStore::open(dir.path()).get("channel-2").unwrap(), None);
        store.delete("not-there").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn only_entries_unchanged_since_the_move_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::open(dir.path());
        store.set("a", "1").unwrap();
        store.set("b", "2").unwrap();
        let moved = store.entries().unwrap();
        store.set("b", "written meanwhile").unwrap();
        store.remove_moved(&moved).unwrap();
        assert_eq!(store.get("a").unwrap(), None);
        assert_eq!(store.get("b").unwrap().as_deref(), Some("written meanwhile"));
        store.remove_moved(&store.entries().unwrap()).unwrap();
        assert!(!store.path().exists(), "the file goes once everything is moved");
    }
}
