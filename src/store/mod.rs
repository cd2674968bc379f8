//! SQLite storage: the pool, its pragmas, the embedded migrations, and every SQL statement
//! Herald runs, one file per table. Nothing outside this module builds SQL.
//!
//! The queries avoid SQLite-only tricks where a PostgreSQL twin would differ more than in
//! spelling (DESIGN.md §7); the ones that must differ (`json_object`) are marked.

mod after_send;
mod audience;
mod audit;
mod batch;
mod channels;
mod check;
mod contacts;
mod control;
mod counts;
mod deliveries;
mod groups;
mod notices;
mod reuse;
mod runs;
mod sandbox;
mod settings;
mod stats;
mod templates;

pub use after_send::{AfterSendRow, RecallCall, RecallWrite, ReminderRecord, SharedRecall};
pub use audience::{AudienceFilter, ContactColumn, TextTest};
pub use audit::{chain_hash_of, AuditEntry, AuditRow};
pub use channels::ChannelConfigRow;
pub use check::CheckRow;
pub use contacts::UPSERT_CHUNK;
pub use control::RetryScope;
pub use deliveries::{ClaimedDelivery, DeliveryResult, RecordedOutcome, MAX_INTERRUPTIONS};
pub use groups::{GroupRow, Reach};
pub use notices::NoticeRecord;
pub use reuse::Unreached;
pub use runs::{AddressSource, FrozenVariables};
pub use templates::TemplateRecord;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use thiserror::Error;

/// A failure of the storage layer.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Stable code for UIs.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::Open { .. } => "store_open",
            StoreError::Migrate(_) => "store_migrate",
            StoreError::Db(_) => "store",
            StoreError::Corrupt(_) => "store_corrupt",
        }
    }

    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

/// Result of a store call.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// The database handle. Cheap to clone; every clone shares one pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    /// One write transaction at a time in this process. SQLite allows one writer anyway; a
    /// second connection that tried would wait in SQLite's busy handler, which sleeps in steps
    /// of up to 100 ms, while an async queue hands the lock over at once.
    write_lock: Arc<tokio::sync::Mutex<()>>,
    /// The audit entry of the change made through this handle ([`Store::audited`]): written
    /// by its first committed write transaction, in that transaction.
    audit: Option<AuditSlot>,
}

type AuditSlot = Arc<std::sync::Mutex<Option<AuditEntry>>>;

/// A write transaction holding this process's write lock; derefs to the connection.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
    audit: Option<AuditSlot>,
}

impl WriteTx {
    /// Commits, with the handle's audit entry if it has one still to write: the change and
    /// its record are one transaction, so neither is ever kept without the other.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        let entry = self
            .audit
            .as_ref()
            .and_then(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(entry) = entry {
            audit::write(&mut self, &entry).await?;
        }
        Ok(self.tx.commit().await?)
    }

    /// The audited change made the entity with this id (an insert).
    pub(crate) fn audit_about(&self, id: i64) {
        self.with_audit(|e| e.entity_id = Some(id.to_string()));
    }

    /// Adds what the change came to (how many were cancelled, say) to its audit entry.
    pub(crate) fn audit_note(&self, key: &str, value: impl Into<serde_json::Value>) {
        let value = value.into();
        self.with_audit(|e| {
            if let serde_json::Value::Object(map) = &mut e.detail {
                map.insert(key.to_owned(), value);
            }
        });
    }

    fn with_audit(&self, f: impl FnOnce(&mut AuditEntry)) {
        if let Some(slot) = &self.audit {
            if let Some(e) = slot.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                f(e);
            }
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL, foreign keys and a busy
    /// timeout, and applies any pending migrations. Several processes may open one file: WAL
    /// lets readers go on while one writer writes, and the busy timeout makes a second writer
    /// wait its turn instead of failing.
    pub async fn open(path: &Path) -> StoreResult<Store> {
        let failed = |source: sqlx::Error| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        // Contact data: the file is the user's alone from its first byte, and an older one
        // (0644) is made so. SQLite gives the WAL and shared-memory files the database's mode.
        private_database(path).map_err(|e| failed(sqlx::Error::Io(e)))?;
        // A path, not a URL: a `?` or `#` in a folder's name is part of the name.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15))
            // A large outbox is walked by index in many places at once: 8 MiB of page cache per
            // connection (SQLite's default is 2) spares trips through the kernel and stays well
            // inside the dispatcher's memory budget.
            .pragma("cache_size", "-8192")
            .pragma("temp_store", "memory")
            // SQLite checkpoints after the commit that takes the WAL past this many pages, on
            // the writer's thread while it still holds the write lock. At the default (1,000
            // pages, 4 MiB) a 100,000-delivery fan-out checkpointed a dozen times, copying the
            // same index pages again each time: 0.3 s of its 0.9. At 40 MiB it rarely happens
            // there; the dispatcher checkpoints beside the writers instead (`checkpoint`).
            .pragma("wal_autocheckpoint", "10000");
        // Two processes opening a new data directory at once (the app and the CLI) would both
        // switch it to WAL (which needs the file to themselves, and is refused as "locked"
        // rather than waited for) and apply the first migration (one would fail): they take
        // turns under an OS lock, from the first connection to the last migration.
        let turn = migration_turn(path).await.map_err(|e| failed(sqlx::Error::Io(e)))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(failed)?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        drop(turn);
        Ok(Store {
            pool,
            path: path.to_owned(),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            audit: None,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies what the WAL holds into the database file without blocking writers (a passive
    /// checkpoint), so that the writer's own checkpoint, under the write lock, seldom runs.
    pub async fn checkpoint(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes every connection (checkpointing the WAL when this is the last user).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction that takes the write lock at once, so that two writers
    /// never both read and then fail to upgrade (SQLITE_BUSY mid-transaction).
    pub(crate) async fn begin_write(&self) -> StoreResult<WriteTx> {
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = match self.pool.begin_with("BEGIN IMMEDIATE").await {
            Err(sqlx::Error::InvalidSavePointStatement) => {
                self.close_stuck_connections().await;
                self.pool.begin_with("BEGIN IMMEDIATE").await?
            }
            other => other?,
        };
        Ok(WriteTx {
            tx,
            _guard: guard,
            audit: self.audit.clone(),
        })
    }

    /// Closes idle connections that sqlx believes are inside a transaction SQLite has already
    /// ended. A COMMIT that fails on a full disk is rolled back by SQLite itself; sqlx's
    /// ROLLBACK after it then fails ("no transaction is active"), its count of open transactions
    /// stays at one, and that connection refuses every later BEGIN. Closing it lets the pool
    /// open a fresh one, so writing works again once the disk has room.
    async fn close_stuck_connections(&self) {
        use sqlx::{Connection, Database, TransactionManager};
        let mut healthy = Vec::new();
        while let Some(mut conn) = self.pool.try_acquire() {
            // A round trip first: a rollback queued when a transaction was dropped runs before it.
            let _ = conn.ping().await;
            if <sqlx::Sqlite as Database>::TransactionManager::get_transaction_depth(&conn) > 0 {
                tracing::info!("closing a database connection left inside a transaction SQLite had ended");
                let _ = conn.close().await;
            } else {
                healthy.push(conn);
            }
        }
    }

    /// This store for one audited change: the first write transaction committed through the
    /// returned handle also appends `entry` to the audit log. A change that turns out to
    /// change nothing (and commits no write) records nothing.
    pub fn audited(&self, entry: AuditEntry) -> Store {
        Store {
            audit: Some(Arc::new(std::sync::Mutex::new(Some(entry)))),
            ..self.clone()
        }
    }
}

/// Creates the database file for the user alone if it is missing, and makes an existing one
/// (and its WAL and shared-memory files) so.
fn private_database(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    drop(options.open(path)?);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        crate::private::file(Path::new(&name))?;
    }
    Ok(())
}

/// Waits (off the runtime's threads) for this process's turn to migrate the database; the
/// turn lasts as long as the returned file is open.
async fn migration_turn(path: &Path) -> std::io::Result<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".migrate.lock");
    let lock_path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)?;
        crate::private::file(&lock_path)?;
        f.lock()?;
        Ok(f)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Reads a JSON column that Herald itself wrote; damage is reported, not hidden.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::Store;

    /// A store in a fresh temporary directory (a real SQLite file, as in production).
    pub async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("herald.db")).await.expect("open store");
        (dir, store)
    }

    /// `people` contacts, a sandbox channel, and a pending run of a plain notice to all of them:
    /// `(run id, channel id)`. The fan-out is left to the test ([`fan_out_sandbox`]).
    pub async fn sandbox_run(store: &Store, people: usize) -> (i64, i64) {
        for i in 0..people {
            let person = crate::model::NewContact {
                name: format!("p{i}"),
                ..Default::default()
            };
            store.insert_contact(&person).await.expect("contact");
        }
        let channel = store
            .insert_channel("s", crate::model::ChannelKind::SANDBOX, &serde_json::json!({}))
            .await
            .expect("channel");
        let notice = store
            .insert_notice(&super::NoticeRecord {
                title: "t",
                subject: "t",
                body: "b",
                audience: "all",
                channel_ids: &[channel.id],
                channel_strategy: Default::default(),
                priority: 0,
                created_by: "",
                attachments: &[],
                allow_unsubscribe: false,
                values: &Default::default(),
                english: None,
                channel_versions: &[],
            })
            .await
            .expect("notice");
        let run = store.insert_run(notice.id, 0, "").await.expect("run");
        assert!(store.begin_fan_out(run).await.expect("fan-out"));
        (run, channel.id)
    }

    /// Sets a contact's preferred and opted-out channel kinds (tests of audiences and fan-out).
    pub async fn set_preferences(store: &Store, contact_id: i64, preferred: &[&str], opted_out: &[&str]) {
        sqlx::query(
            "INSERT OR REPLACE INTO contact_preferences (contact_id, preferred, opted_out, updated_at) VALUES (?, ?, ?, '')",
        )
        .bind(contact_id)
        .bind(serde_json::json!(preferred).to_string())
        .bind(serde_json::json!(opted_out).to_string())
        .execute(&store.pool)
        .await
        .expect("preferences");
    }

    /// Marks a contact's address of `kind` invalid, as a bounce would.
    pub async fn mark_invalid(store: &Store, contact_id: i64, kind: &str) {
        sqlx::query(
            "UPDATE contact_addresses SET invalid = 1, invalid_reason = 'bounced' WHERE contact_id = ? AND kind = ?",
        )
        .bind(contact_id)
        .bind(kind)
        .execute(&store.pool)
        .await
        .expect("mark invalid");
    }

    /// Fans a [`sandbox_run`] out in chunks of `chunk` contacts (without finishing it).
    pub async fn fan_out_sandbox(store: &Store, run: i64, channel: i64, chunk: i64) {
        let mut after = 0;
        while let Some(last) = store
            .fan_out_chunk(
                run,
                channel,
                "sandbox",
                super::AddressSource::Anything,
                &super::AudienceFilter::All,
                &super::FrozenVariables::All,
                0,
                after,
                chunk,
            )
            .await
            .expect("fan-out chunk")
        {
            after = last;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::temp_store;

    #[tokio::test]
    async fn open_sets_wal_foreign_keys_and_busy_timeout() {
        let (_dir, store) = temp_store().await;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(busy, 15_000);
    }

    /// A database at `path` as an earlier version left it: every migration before `version`.
    async fn database_before(path: &std::path::Path, version: i64) -> sqlx::SqlitePool {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mut earlier = sqlx::migrate!("./migrations");
        earlier.migrations = earlier
            .migrations
            .iter()
            .filter(|m| m.version < version)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        earlier.run(&pool).await.unwrap();
        pool
    }

    #[tokio::test]
    async fn an_email_channel_of_an_earlier_version_keeps_its_settings_under_the_schemas_keys() {
        use crate::channels::Kind as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herald.db");
        let pool = database_before(&path, 20261207000004).await;
        let old = serde_json::json!({"host": "smtp.exmail.qq.com", "port": 465, "security": "tls",
            "username": "jw@school.edu.cn", "fromAddress": "jw@school.edu.cn", "fromName": "教务处",
            "poolSize": 2, "timeoutMs": 20000});
        sqlx::query("INSERT INTO channels (name, kind, settings, created_at, updated_at) VALUES ('教务处邮箱', 'smtp', ?, '', ''), ('hook', 'webhook', '{\"url\":\"https://x.cn/\"}', '', '')")
            .bind(old.to_string())
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;

        let store = super::Store::open(&path).await.unwrap();
        let (settings, hook): (String, String) = sqlx::query_as(
            "SELECT (SELECT settings FROM channels WHERE kind = 'smtp'), (SELECT settings FROM channels WHERE kind = 'webhook')",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
        assert_eq!(
            settings,
            serde_json::json!({"host": "smtp.exmail.qq.com", "port": 465, "security": "tls",
                "username": "jw@school.edu.cn", "from-address": "jw@school.edu.cn", "from-name": "教务处",
                "pool-size": 2, "timeout-ms": 20000})
        );
        assert_eq!(hook, "{\"url\":\"https://x.cn/\"}", "other kinds are left alone");
        let kind = crate::channels::kinds::smtp::SmtpKind;
        let mut secrets = std::collections::BTreeMap::new();
        secrets.insert("password".to_owned(), "pw".to_owned());
        let values = crate::channels::Values::join(kind.fields(), &settings, &secrets);
        assert!(kind.build("教务处邮箱", &values).is_ok());
    }

    #[tokio::test]
    async fn a_webhook_channel_of_an_earlier_version_keeps_its_settings_and_secrets() {
        use crate::channels::Kind as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herald.db");
        let pool = database_before(&path, 20261208000001).await;
        // As `add_webhook_channel` stored a channel before the webhook was a described kind.
        let old = serde_json::json!({"url": "https://oapi.dingtalk.com/robot/send?access_token=********&x=1",
            "method": "PUT", "headers": {"X-Team": "office"}, "secretHeaders": ["Authorization", "X-Tenant"],
            "secretQuery": ["access_token"], "bodyTemplate": "{\"t\": {{ subject|tojson }}}",
            "timeoutMs": 5000, "signing": true});
        sqlx::query("INSERT INTO channels (name, kind, settings, secret_ref, created_at, updated_at) VALUES ('hook', 'webhook', ?, 'channel-secrets-1', '', ''), ('plain', 'webhook', '{\"url\":\"https://x.cn/\",\"timeoutMs\":10000,\"signing\":false}', NULL, '', ''), ('mail', 'smtp', '{\"host\":\"smtp.x.cn\"}', NULL, '', '')")
            .bind(old.to_string())
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;

        let store = super::Store::open(&path).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, settings FROM channels ORDER BY name")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let settings = |name: &str| -> serde_json::Value {
            serde_json::from_str(&rows.iter().find(|(n, _)| n == name).unwrap().1).unwrap()
        };
        assert_eq!(
            settings("hook"),
            serde_json::json!({"url": "https://oapi.dingtalk.com/robot/send?access_token=********&x=1",
                "method": "PUT", "headers": {"X-Team": "office", "Authorization": null, "X-Tenant": null},
                "body-template": "{\"t\": {{ subject|tojson }}}", "timeout-ms": 5000, "signing": true})
        );
        assert_eq!(
            settings("plain"),
            serde_json::json!({"url": "https://x.cn/", "timeout-ms": 10000, "signing": false})
        );
        assert_eq!(
            settings("mail"),
            serde_json::json!({"host": "smtp.x.cn"}),
            "other kinds are left alone"
        );

        // Its secret-store entry, as that version wrote it, reads as the kind's settings.
        let entry = crate::secrets::ChannelSecrets::decode(
            "channel-secrets-1",
            r#"{"signing": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "headers": {"Authorization": "Bearer t0k", "X-Tenant": "t3n"}, "query": {"access_token": "qt0k"}}"#,
        )
        .unwrap();
        let kind = crate::channels::kinds::webhook::WebhookKind;
        let values = crate::channels::Values::join(kind.fields(), &settings("hook"), &entry.fields);
        let (built, secret) = crate::channels::kinds::webhook::settings(&values).unwrap();
        assert_eq!(built.url, "https://oapi.dingtalk.com/robot/send?access_token=qt0k&x=1");
        assert_eq!(built.headers["Authorization"], "Bearer t0k");
        assert_eq!(built.headers["X-Tenant"], "t3n");
        assert_eq!(built.headers["X-Team"], "office");
        assert!(built.secret_headers.contains("X-Tenant"));
        assert_eq!(built.body_template.as_deref(), Some("{\"t\": {{ subject|tojson }}}"));
        assert_eq!((built.timeout_ms, built.signing), (5000, true));
        assert_eq!(secret.as_deref(), Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assert!(kind.build("hook", &values).is_ok());
        let plain = crate::channels::Values::join(kind.fields(), &settings("plain"), &Default::default());
        assert!(kind.build("plain", &plain).is_ok());
    }

    #[tokio::test]
    async fn reopening_applies_no_migration_twice() {
        let (dir, store) = temp_store().await;
        store.close().await;
        let again = super::Store::open(&dir.path().join("herald.db")).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&again.pool)
            .await
            .unwrap();
        assert_eq!(n, sqlx::migrate!("./migrations").migrations.len() as i64);
    }
}
