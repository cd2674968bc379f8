//! Test harness: the real `herald` binary on a fresh data directory.

#![allow(dead_code)]

pub mod sink;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

/// A loopback HTTP server on 127.0.0.1 that answers every request through `responder` (a
/// platform's endpoint as a test writes it).
pub async fn serve(responder: impl wiremock::Respond + 'static) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

/// A fresh data directory and a way to run `herald` on it.
pub struct Herald {
    pub dir: tempfile::TempDir,
}

impl Herald {
    pub fn new() -> Herald {
        Herald {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `herald` with this data directory, through the environment as a user would set it.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("herald").expect("herald binary");
        // The file store: no test may touch the keyring of the developer running it.
        c.env("HERALD_DATA_DIR", self.dir.path())
            .env("HERALD_SECRET_STORE", "file")
            .env_remove("HERALD_LOG");
        c
    }

    /// Runs `herald ARGS --json`, asserts success, and parses what it printed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd().args(args).arg("--json").output().expect("run herald");
        assert!(
            out.status.success(),
            "herald {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "herald {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs `herald ARGS`, expects failure, returns (exit code, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.cmd().args(args).output().expect("run herald");
        assert!(
            !out.status.success(),
            "herald {args:?} should have failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Starts `herald ARGS` in the background.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn herald")
    }

    /// Runs `herald ARGS` with `input` on its standard input, as written.
    pub fn with_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write as _;
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run herald");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("herald output")
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("herald.db")
    }

    /// The newest run as `herald history --run` shows it: its deliveries and their attempts.
    pub fn last_run(&self) -> serde_json::Value {
        let runs = self.json(&["history"]);
        let run = runs.as_array().expect("a list of runs")[0]["id"].to_string();
        self.json(&["history", "--run", &run])
    }

    /// The kind `id` as `herald channels kinds --json` lists it, with its settings' keys in order.
    pub fn listed_kind(&self, id: &str) -> (serde_json::Value, Vec<String>) {
        let kinds = self.json(&["channels", "kinds"]);
        let kind = kinds
            .as_array()
            .expect("a list of kinds")
            .iter()
            .find(|k| k["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not listed: {kinds}"))
            .clone();
        let keys = kind["fields"]
            .as_array()
            .expect("its settings")
            .iter()
            .map(|f| f["key"].as_str().expect("a key").to_owned())
            .collect();
        (kind, keys)
    }

    /// Runs SQL on the data directory's database (as another process, like the dispatcher,
    /// would) and returns the first column of what it selects, as text.
    #[allow(dead_code)]
    pub fn sql(&self, statement: &str) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(self.db_path());
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("open the database");
            let rows: Vec<String> = sqlx::query_scalar(statement)
                .fetch_all(&pool)
                .await
                .expect("run the statement");
            pool.close().await;
            rows
        })
    }
}

/// Polls `check` until it holds or `timeout` passes.
pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
