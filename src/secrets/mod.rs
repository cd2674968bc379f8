//! Secrets (SMTP passwords, API keys, webhook signing secrets): never in SQLite, logs, errors
//! or exports. Channels keep only a reference (`secret_ref`); the value lives here.
//!
//! This version keeps them in an explicit file store, `secrets.json` in the data directory,
//! readable by the owner only (0600), and says so once. The OS keyring (Secret Service,
//! Keychain, Credential Manager) arrives with the e-mail channel behind the same trait.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use thiserror::Error;

mod bundle;
pub use bundle::ChannelSecrets;

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
    // One writer at a time inside this process; the file is rewritten whole.
    lock: Mutex<()>,
}

static WARN_ONCE: Once = Once::new();

impl FileSecretStore {
    /// The store at `data_dir/secrets.json`.
    pub fn open(data_dir: &Path) -> FileSecretStore {
        FileSecretStore {
            path: data_dir.join("secrets.json"),
            lock: Mutex::new(()),
        }
    }

    /// Says once per process, when a secret is first used, where secrets are kept.
    fn announce(&self) {
        WARN_ONCE.call_once(|| {
            tracing::warn!(
                "secrets are kept in {} (readable by this user only), not in the OS keyring",
                self.path.display()
            )
        });
    }

    fn read(&self) -> Result<BTreeMap<String, String>, SecretError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| SecretError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(SecretError::Io {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
        }
    }

    fn write(&self, all: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let io = |e: std::io::Error| SecretError::Io {
            path: self.path.clone(),
            detail: e.to_string(),
        };
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(all).unwrap_or_default();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        {
            use std::io::Write;
            let mut f = options.open(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        // Rename so that a crash leaves the old file or the new one, never half of one.
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.announce();
        Ok(self.read()?.get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.announce();
        let mut all = self.read()?;
        all.insert(key.to_owned(), value.to_owned());
        self.write(&all)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = self.read()?;
        if all.remove(key).is_some() {
            self.write(&all)?;
        }
        Ok(())
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
}
