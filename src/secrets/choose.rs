//! Which store a data directory's secrets go to, chosen once when it is opened, and the move
//! of a file store's entries into the keyring once one answers.
//!
//! While the keyring is used, `secrets.json` stays a second place to *read* from: entries are
//! copied into the keyring, read back, and only then removed from the file, so a crash (or a
//! keyring that refuses half-way) leaves every secret readable in one place or the other; and
//! a process that has no keyring (the CLI over SSH beside the desktop app) may still add
//! entries to the file, which the keyring-using process then finds.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Once};

use super::{FileSecretStore, KeyringSecretStore, SecretError, SecretStore};
use crate::model::SecretsLocation;

/// The environment variable that forces a store: `file` or `keyring`.
pub const STORE_ENV: &str = "HERALD_SECRET_STORE";

/// What `HERALD_SECRET_STORE` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    /// The keyring when it works, otherwise the file (unset or empty).
    Auto,
    File,
    /// The keyring, or an error saying why not.
    Keyring,
}

impl StoreChoice {
    /// From the environment.
    pub fn from_env() -> Result<StoreChoice, SecretError> {
        StoreChoice::parse(std::env::var(STORE_ENV).ok().as_deref())
    }

    /// From the variable's value.
    pub fn parse(value: Option<&str>) -> Result<StoreChoice, SecretError> {
        match value.map(str::trim) {
            None | Some("") => Ok(StoreChoice::Auto),
            Some(v) if v.eq_ignore_ascii_case("file") => Ok(StoreChoice::File),
            Some(v) if v.eq_ignore_ascii_case("keyring") => Ok(StoreChoice::Keyring),
            Some(v) => Err(SecretError::BadChoice(v.to_owned())),
        }
    }
}

/// The store for `data_dir` and where it keeps secrets. Blocks while the keyring is probed
/// (at most a few seconds when it is locked and prompting), so async callers run it with
/// `spawn_blocking`.
pub fn open_store(data_dir: &Path) -> Result<(Arc<dyn SecretStore>, SecretsLocation), SecretError> {
    let choice = match StoreChoice::from_env()? {
        // The library's own tests never touch the keyring of whoever runs them.
        StoreChoice::Auto if cfg!(test) => StoreChoice::File,
        choice => choice,
    };
    let keyring = KeyringSecretStore::for_data_dir(data_dir);
    choose(data_dir, choice, move || {
        keyring.probe()?;
        let service = keyring.service().to_owned();
        Ok((Arc::new(keyring) as Arc<dyn SecretStore>, service))
    })
}

/// Says once per process that secrets are in a file, and why.
static FALLBACK_WARNING: Once = Once::new();

/// The choice, given a way to get a working keyring (its store and service name) or the cause
/// of its absence; tests hand in a double.
fn choose(
    data_dir: &Path,
    choice: StoreChoice,
    keyring: impl FnOnce() -> Result<(Arc<dyn SecretStore>, String), String>,
) -> Result<(Arc<dyn SecretStore>, SecretsLocation), SecretError> {
    let file = FileSecretStore::open(data_dir);
    let in_file = |file: FileSecretStore, reason: String| {
        let location = SecretsLocation::File {
            path: file.path().display().to_string(),
            reason,
        };
        (Arc::new(file) as Arc<dyn SecretStore>, location)
    };
    let (keyring, service) = match choice {
        StoreChoice::File => {
            tracing::info!("secrets are kept in {} ({STORE_ENV}=file)", file.path().display());
            return Ok(in_file(file, format!("{STORE_ENV}=file")));
        }
        StoreChoice::Keyring => keyring().map_err(|cause| SecretError::KeyringRequired { cause })?,
        StoreChoice::Auto => match keyring() {
            Ok(found) => found,
            Err(cause) => {
                FALLBACK_WARNING.call_once(|| {
                    tracing::warn!(
                        "no OS keyring service is running (e.g. a server or CI): secrets are kept in {}, \
                         readable by this user only ({cause})",
                        file.path().display()
                    )
                });
                return Ok(in_file(file, format!("no OS keyring: {cause}")));
            }
        },
    };
    let store = KeyringThenFile { keyring, file };
    match store.move_file_entries() {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "moved {n} secrets from {} into the OS keyring",
            store.file.path().display()
        ),
        // Not fatal: the file is still read, and the move is tried again at the next open.
        Err(e) => tracing::warn!(
            "cannot move the secrets in {} into the OS keyring yet (they are still read from there): {e}",
            store.file.path().display()
        ),
    }
    Ok((Arc::new(store), SecretsLocation::Keyring { service }))
}

/// The keyring, with the file store of earlier versions (or of a process without the keyring)
/// as a second place to read from.
struct KeyringThenFile {
    keyring: Arc<dyn SecretStore>,
    file: FileSecretStore,
}

impl KeyringThenFile {
    /// Copies every file entry into the keyring and removes it from the file once the keyring
    /// gives it back; the file goes when it is empty. Returns how many were copied.
    fn move_file_entries(&self) -> Result<usize, SecretError> {
        let entries = self.file.entries()?;
        let mut moved = BTreeMap::new();
        let mut copied = 0;
        for (key, value) in entries {
            match self.keyring.get(&key)? {
                // Keys are written once (an edit writes a new entry), so the same key in both
                // places is the same secret, already moved before a crash.
                Some(held) if held == value => {}
                // Should not happen; keep both rather than guess which is right.
                Some(_) => {
                    tracing::warn!(
                        "the secret {key} differs between the OS keyring and {}; the keyring's is used, the file's is kept",
                        self.file.path().display()
                    );
                    continue;
                }
                None => {
                    self.keyring.set(&key, &value)?;
                    if self.keyring.get(&key)?.as_deref() != Some(value.as_str()) {
                        return Err(SecretError::Entry {
                            key,
                            detail: "the OS keyring did not give back what was written to it".into(),
                        });
                    }
                    copied += 1;
                }
            }
            moved.insert(key, value);
        }
        if !moved.is_empty() || self.file.path().exists() {
            self.file.remove_moved(&moved)?;
        }
        Ok(copied)
    }
}

impl SecretStore for KeyringThenFile {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        match self.keyring.get(key)? {
            Some(v) => Ok(Some(v)),
            None => self.file.get(key),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        self.keyring.set(key, value)?;
        self.file.delete(key)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.keyring.delete(key)?;
        self.file.delete(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An in-memory keyring; `fail_set_after` makes it refuse writes after that many.
    #[derive(Default)]
    struct MemoryKeyring {
        entries: Mutex<BTreeMap<String, String>>,
        fail_set_after: Option<usize>,
        sets: Mutex<usize>,
    }

    impl SecretStore for MemoryKeyring {
        fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
            Ok(self.entries.lock().unwrap().get(key).cloned())
        }
        fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
            let mut sets = self.sets.lock().unwrap();
            if self.fail_set_after.is_some_and(|n| *sets >= n) {
                return Err(SecretError::Keyring {
                    service: "test".into(),
                    detail: "refused".into(),
                });
            }
            *sets += 1;
            self.entries.lock().unwrap().insert(key.into(), value.into());
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), SecretError> {
            self.entries.lock().unwrap().remove(key);
            Ok(())
        }
    }

    fn working(k: &Arc<MemoryKeyring>) -> impl FnOnce() -> Result<(Arc<dyn SecretStore>, String), String> {
        let k = k.clone();
        move || Ok((k as Arc<dyn SecretStore>, "herald-test".into()))
    }

    fn absent() -> Result<(Arc<dyn SecretStore>, String), String> {
        Err("no session bus".into())
    }

    #[test]
    fn the_variable_is_file_keyring_or_unset() {
        assert_eq!(StoreChoice::parse(None).unwrap(), StoreChoice::Auto);
        assert_eq!(StoreChoice::parse(Some(" ")).unwrap(), StoreChoice::Auto);
        assert_eq!(StoreChoice::parse(Some("file")).unwrap(), StoreChoice::File);
        assert_eq!(StoreChoice::parse(Some("Keyring")).unwrap(), StoreChoice::Keyring);
        let e = StoreChoice::parse(Some("vault")).unwrap_err();
        assert!(
            e.to_string()
                .contains("HERALD_SECRET_STORE must be `file` or `keyring`, not `vault`"),
            "{e}"
        );
    }

    #[test]
    fn the_keyring_when_it_works_otherwise_the_file_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let k = Arc::new(MemoryKeyring::default());

        let (store, at) = choose(dir.path(), StoreChoice::Auto, working(&k)).unwrap();
        assert_eq!(
            at,
            SecretsLocation::Keyring {
                service: "herald-test".into()
            }
        );
        store.set("a", "1").unwrap();
        assert_eq!(k.get("a").unwrap().as_deref(), Some("1"));
        assert!(!dir.path().join("secrets.json").exists());
        assert!(!dir.path().join("secrets.lock").exists(), "no file store, no lock file");

        let (store, at) = choose(dir.path(), StoreChoice::Auto, absent).unwrap();
        let path = dir.path().join("secrets.json").display().to_string();
        assert!(
            matches!(&at, SecretsLocation::File { path: p, reason } if *p == path && reason.contains("no session bus")),
            "{at:?}"
        );
        store.set("b", "2").unwrap();
        assert_eq!(
            FileSecretStore::open(dir.path()).get("b").unwrap().as_deref(),
            Some("2")
        );

        let (_, at) = choose(dir.path(), StoreChoice::File, || panic!("not asked")).unwrap();
        assert!(matches!(at, SecretsLocation::File { reason, .. } if reason == "HERALD_SECRET_STORE=file"));

        let e = choose(dir.path(), StoreChoice::Keyring, absent).err().unwrap();
        assert!(
            e.to_string().contains("HERALD_SECRET_STORE=keyring") && e.to_string().contains("no session bus"),
            "{e}"
        );
        let (_, at) = choose(dir.path(), StoreChoice::Keyring, working(&k)).unwrap();
        assert!(matches!(at, SecretsLocation::Keyring { .. }));
    }

    #[test]
    fn file_entries_move_into_the_keyring_and_the_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileSecretStore::open(dir.path());
        file.set("channel-1", "whsec_one").unwrap();
        file.set("channel-2", "{\"signing\":\"whsec_two\"}").unwrap();
        let k = Arc::new(MemoryKeyring::default());
        let (store, _) = choose(dir.path(), StoreChoice::Auto, working(&k)).unwrap();
        assert_eq!(k.get("channel-1").unwrap().as_deref(), Some("whsec_one"));
        assert_eq!(
            store.get("channel-2").unwrap().as_deref(),
            Some("{\"signing\":\"whsec_two\"}")
        );
        assert!(!dir.path().join("secrets.json").exists());
    }

    #[test]
    fn a_move_stopped_half_way_loses_nothing_and_finishes_later() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileSecretStore::open(dir.path());
        for i in 0..4 {
            file.set(&format!("channel-{i}"), &format!("secret-{i}")).unwrap();
        }
        // The keyring takes two entries, then refuses (as a crash mid-move would leave it).
        let k = Arc::new(MemoryKeyring {
            fail_set_after: Some(2),
            ..Default::default()
        });
        let (store, at) = choose(dir.path(), StoreChoice::Auto, working(&k)).unwrap();
        assert!(matches!(at, SecretsLocation::Keyring { .. }));
        assert_eq!(k.entries.lock().unwrap().len(), 2);
        assert_eq!(
            file.entries().unwrap().len(),
            4,
            "nothing leaves the file before the whole copy is done"
        );
        for i in 0..4 {
            assert_eq!(store.get(&format!("channel-{i}")).unwrap(), Some(format!("secret-{i}")));
        }
        // A later open with a keyring that works finishes the move.
        let k2 = Arc::new(MemoryKeyring::default());
        k2.entries.lock().unwrap().extend(k.entries.lock().unwrap().clone());
        let (store, _) = choose(dir.path(), StoreChoice::Auto, working(&k2)).unwrap();
        assert_eq!(k2.entries.lock().unwrap().len(), 4);
        assert!(!dir.path().join("secrets.json").exists());
        store.delete("channel-3").unwrap();
        assert_eq!(store.get("channel-3").unwrap(), None);
    }

    #[test]
    fn a_secret_that_differs_between_the_two_is_kept_in_both() {
        let dir = tempfile::tempdir().unwrap();
        FileSecretStore::open(dir.path())
            .set("channel-1", "from the file")
            .unwrap();
        let k = Arc::new(MemoryKeyring::default());
        k.set("channel-1", "from the keyring").unwrap();
        let (store, _) = choose(dir.path(), StoreChoice::Auto, working(&k)).unwrap();
        assert_eq!(store.get("channel-1").unwrap().as_deref(), Some("from the keyring"));
        let left = FileSecretStore::open(dir.path()).get("channel-1").unwrap();
        assert_eq!(left.as_deref(), Some("from the file"));
        // Writing the key again settles it in the keyring alone.
        store.set("channel-1", "new").unwrap();
        assert_eq!(FileSecretStore::open(dir.path()).get("channel-1").unwrap(), None);
    }
}
