//! Files named to Herald that are not documents: device and kernel files (`/dev/zero` never
//! ends, `/proc/self/environ` is the process's environment dressed as an empty file), FIFOs
//! (a read waits for ever), links to them, and secrets offered where files and standard input
//! are expected. Each is refused quickly, by name, without reading it or leaking its content.
//! (The desktop shell goes further: only files picked in its dialogs, `src-tauri/src/picked.rs`.)

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::common::Herald;

/// A value in herald's own environment, so `/proc/self/environ` would hold it.
const MARKER: &str = "env-s3cret-marker-4711";

/// Runs the command with `input` on standard input; kills it (and fails the test) after 20 s.
fn bounded(mut cmd: Command, input: &str) -> Output {
    cmd.env("HERALD_TEST_MARKER", MARKER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run herald");
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("herald {cmd:?} did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Runs `herald ARGS`, expects exit code 2; returns stdout and stderr together.
fn refused(h: &Herald, args: &[&str], input: &str) -> String {
    let mut cmd = h.cmd();
    cmd.args(args);
    let out = bounded(cmd, input);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "herald {args:?}: {text}");
    assert!(
        !text.contains(MARKER),
        "herald {args:?} printed its environment: {text}"
    );
    text
}

#[cfg(unix)]
fn fifo(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    path
}

#[cfg(unix)]
#[test]
fn imports_refuse_device_kernel_and_fifo_files() {
    let h = Herald::new();
    let dir = tempfile::tempdir().unwrap();
    let environ_link = dir.path().join("名单.csv");
    std::os::unix::fs::symlink("/proc/self/environ", &environ_link).unwrap();
    let pipe = fifo(dir.path(), "pipe.csv");
    for path in [
        "/dev/zero".to_owned(),
        "/dev/urandom".to_owned(),
        "/proc/self/environ".to_owned(),
        environ_link.display().to_string(),
        pipe.display().to_string(),
    ] {
        for dry in [true, false] {
            let mut args = vec!["contacts", "import", path.as_str()];
            if dry {
                args.push("--dry-run");
            }
            let text = refused(&h, &args, "");
            assert!(text.contains(&path), "{text}");
        }
    }
    assert_eq!(h.json(&["contacts", "list"])["total"], 0);
}

#[cfg(unix)]
#[test]
fn attachments_certificates_and_text_files_refuse_them_too() {
    let h = Herald::new();
    let dir = tempfile::tempdir().unwrap();
    let pipe = fifo(dir.path(), "body.md");
    let environ_link = dir.path().join("考场安排.pdf");
    std::os::unix::fs::symlink("/proc/self/environ", &environ_link).unwrap();
    let link = environ_link.display().to_string();
    for attach in ["/proc/self/environ", link.as_str(), "/dev/zero"] {
        let text = refused(
            &h,
            &[
                "notices",
                "create",
                "--title",
                "t",
                "--body",
                "b",
                "--channel",
                "sandbox",
                "--attach",
                attach,
            ],
            "",
        );
        assert!(text.contains("is not a file"), "{text}");
    }
    // Nothing was kept of them.
    let kept = h.data_dir().join("attachments");
    assert!(!kept.exists() || std::fs::read_dir(&kept).unwrap().next().is_none());
    let pipe = pipe.display().to_string();
    refused(
        &h,
        &[
            "notices",
            "create",
            "--title",
            "t",
            "--body-file",
            &pipe,
            "--channel",
            "sandbox",
        ],
        "",
    );
    for ca in ["/dev/zero", "/proc/self/environ", pipe.as_str()] {
        let text = refused(
            &h,
            &[
                "channels",
                "add",
                "smtp",
                "--name",
                "mail",
                "--host",
                "smtp.example.edu.cn",
                "--from",
                "jw@example.edu.cn",
                "--ca-file",
                ca,
            ],
            "",
        );
        assert!(text.contains("--ca-file"), "{text}");
    }
    let header = format!("X-Token: {pipe}");
    for flags in [
        vec!["--header-file", "X-Token: /dev/zero"],
        vec!["--header-file", header.as_str()],
        vec!["--body-template", "/dev/zero"],
    ] {
        let mut args = vec![
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            "https://example.org/in",
        ];
        args.extend(flags);
        refused(&h, &args, "");
    }
    assert_eq!(h.json(&["notices", "list"]).as_array().map(Vec::len), Some(0));
}

#[test]
fn secrets_are_refused_where_they_would_be_lost_or_shown() {
    let h = Herald::new();
    // Standard input holds one value: two flags asking for it are refused, naming both.
    let text = refused(
        &h,
        &[
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            "-",
            "--header",
            "Authorization: -",
        ],
        "https://oapi.dingtalk.com/robot/send?access_token=abc123\n",
    );
    assert!(
        text.contains("--url -") && text.contains("--header 'Authorization: -'"),
        "{text}"
    );
    assert!(!text.contains("abc123"), "{text}");
    // Empty standard input is not an empty secret.
    let text = refused(&h, &["channels", "add", "webhook", "--name", "hook", "--url", "-"], "");
    assert!(text.contains("url: standard input held nothing"), "{text}");
    // A URL copied from `channels show` (its token masked) cannot make a channel that would
    // send the mask as its token.
    let text = refused(
        &h,
        &[
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            "https://oapi.dingtalk.com/robot/send?access_token=********",
        ],
        "",
    );
    assert!(text.contains("url: ") && text.contains("access_token"), "{text}");
    // Marking a header secret that is not given reads its value from standard input; with
    // nothing there it is refused rather than stored empty.
    let text = refused(
        &h,
        &[
            "channels",
            "add",
            "webhook",
            "--name",
            "hook",
            "--url",
            "https://example.org/in",
            "--secret-header",
            "X-Tenant",
        ],
        "",
    );
    assert!(text.contains("headers.X-Tenant"), "{text}");
    assert_eq!(
        h.json(&["channels", "list"]).as_array().map(Vec::len),
        Some(1),
        "only the sandbox"
    );
}
