//! Secrets in the OS keyring through the `keyring` crate, version 4 with its default `v1`
//! feature: Keychain on macOS, Credential Manager on Windows, the Secret Service (GNOME
//! Keyring, KWallet) over D-Bus elsewhere. Without a platform store v3 of the crate quietly
//! kept secrets in memory, which is why the version and features are pinned in Cargo.toml.
//!
//! One keyring entry per secret-store key: service `herald-<12 hex digits>` (a hash of the
//! data directory's canonical path, so two data directories never share or overwrite each
//! other's entries), user = the key.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{SecretError, SecretStore};

/// How long one keyring call may take. A locked keyring may be showing the user a password
/// prompt, so this is generous; past it the caller gets an error rather than a hang.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// The probe when a data directory is opened: a keyring that does not answer by then is
/// treated as absent, and the file store is used.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// Secrets in the OS keyring, under one service name per data directory.
pub struct KeyringSecretStore {
    service: String,
}

impl KeyringSecretStore {
    /// The entries of the data directory `data_dir`.
    pub fn for_data_dir(data_dir: &Path) -> KeyringSecretStore {
        let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
        let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
        KeyringSecretStore::with_service(&format!("herald-{}", &hex::encode(digest)[..12]))
    }

    /// The entries under another service name (tests keep theirs apart this way).
    pub fn with_service(service: &str) -> KeyringSecretStore {
        KeyringSecretStore {
            service: service.to_owned(),
        }
    }

    /// The service name its entries are kept under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Whether the keyring works: its store starts (on Linux: a session bus with a Secret
    /// Service on it), and an entry can be written, read back and deleted. Starting is not
    /// enough: a Secret Service can be running with no collection to write to. `Err` is the
    /// cause, in words.
    pub fn probe(&self) -> Result<(), String> {
        let service = self.service.clone();
        // Per process, so two processes probing at once do not delete each other's probe.
        let user = format!(".herald-probe-{}", std::process::id());
        off_runtime(PROBE_TIMEOUT, move || {
            if let Err(e) = keyring::Entry::store_status() {
                return Err(describe(e));
            }
            let entry = keyring::Entry::new(&service, &user).map_err(|e| describe(&e))?;
            entry.set_password("probe").map_err(|e| describe(&e))?;
            let back = entry.get_password().map_err(|e| describe(&e));
            let _ = entry.delete_credential();
            match back? {
                v if v == "probe" => Ok(()),
                _ => Err("an entry written to it read back different".into()),
            }
        })
        .and_then(|r| r)
    }

    fn call<T: Send + 'static>(
        &self,
        key: &str,
        op: impl FnOnce(keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, SecretError> {
        let (service, user) = (self.service.clone(), key.to_owned());
        let fail = |detail: String| SecretError::Keyring {
            service: self.service.clone(),
            detail,
        };
        off_runtime(CALL_TIMEOUT, move || op(keyring::Entry::new(&service, &user)?))
            .map_err(fail)?
            .map_err(|e| fail(describe(&e)))
    }
}

impl SecretStore for KeyringSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        self.call(key, |entry| match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        let value = value.to_owned();
        self.call(key, move |entry| entry.set_password(&value))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.call(key, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }
}

/// Runs a keyring call on a thread of its own, waiting at most `timeout`. The Secret Service
/// client blocks on D-Bus (and on a password prompt, if the keyring is locked): off the
/// runtime's threads that cannot stall the dispatcher, and a call that never returns costs
/// one parked thread, not a hung process. The wait itself, on a runtime thread, is announced
/// to tokio (`block_in_place`), which hands that thread's other tasks (the dispatcher's
/// workers) to another thread meanwhile.
fn off_runtime<T: Send + 'static>(timeout: Duration, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("herald-keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| format!("cannot start a thread for it: {e}"))?;
    let wait = || rx.recv_timeout(timeout);
    let received = match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(wait),
        _ => wait(),
    };
    match received {
        Ok(v) => Ok(v),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "it did not answer within {} s (is it locked and waiting for a password?)",
            timeout.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the call to it stopped abnormally".into()),
    }
}

/// The error in words, never with the bytes some variants carry (they can be a secret).
fn describe(e: &keyring::Error) -> String {
    use keyring::Error as E;
    match e {
        E::PlatformFailure(cause) => cause.to_string(),
        E::NoStorageAccess(cause) => format!("access refused (is it locked?): {cause}"),
        E::NoDefaultStore => "no keyring service could be started".into(),
        E::NoEntry => "no such entry".into(),
        E::BadEncoding(_) | E::BadDataFormat(..) => "an entry is not the text Herald wrote".into(),
        E::TooLong(what, max) => format!("the {what} is longer than the keyring allows ({max})"),
        E::Ambiguous(_) => "several keyring entries match one key".into(),
        E::Invalid(what, why) => format!("{what}: {why}"),
        E::BadStoreFormat(why) | E::NotSupportedByStore(why) => why.clone(),
        _ => "an error the keyring crate did not describe".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_directory_has_its_own_service_name() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let sa = KeyringSecretStore::for_data_dir(a.path());
        assert_eq!(sa.service().len(), "herald-".len() + 12);
        assert_ne!(sa.service(), KeyringSecretStore::for_data_dir(b.path()).service());
        // The same directory by another spelling is the same directory.
        let dotted = a.path().join(".");
        assert_eq!(sa.service(), KeyringSecretStore::for_data_dir(&dotted).service());
    }

    #[test]
    fn a_call_that_never_returns_is_an_error_not_a_hang() {
        let e = off_runtime(Duration::from_millis(50), || std::thread::sleep(Duration::from_secs(5))).unwrap_err();
        assert!(e.contains("did not answer"), "{e}");
        assert_eq!(off_runtime(Duration::from_secs(5), || 7).unwrap(), 7);
    }

    /// A keyring that takes its time (a password prompt) does not hold up the dispatcher's
    /// other tasks on the same runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_keyring_call_does_not_stall_other_tasks() {
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        // Several slow calls at once, more than the runtime has threads.
        let calls: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn(async {
                    off_runtime(Duration::from_secs(5), || {
                        std::thread::sleep(Duration::from_millis(600))
                    })
                    .unwrap()
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            ticks.load(std::sync::atomic::Ordering::Relaxed) >= 5,
            "the other task was stalled"
        );
        for c in calls {
            c.await.unwrap();
        }
        ticker.await.unwrap();
    }

    #[test]
    fn errors_never_carry_the_bytes_read() {
        let e = keyring::Error::BadEncoding(b"t0ps3cret\xff".to_vec());
        assert!(!describe(&e).contains("t0ps3cret"));
    }
}
