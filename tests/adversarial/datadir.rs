//! The data directory: opened by two processes at once, named with URL characters, and kept
//! private to the user (it holds names, addresses and mobiles).

use std::time::Duration;

use crate::common::sink::Proc;
use crate::common::Herald;

/// The app and the CLI started together on a new data directory: both open it, ten times
/// out of ten (before, "table contacts already exists" failed six pairs in ten).
#[test]
fn two_first_opens_of_a_new_data_directory_both_succeed() {
    let logs = tempfile::tempdir().unwrap();
    for pair in 0..10 {
        let h = Herald::new();
        let procs: Vec<Proc> = (0..2)
            .map(|k| {
                let mut c = h.cmd();
                c.args(["contacts", "list", "--json"]);
                Proc::spawn(c, logs.path(), &format!("open-{pair}-{k}"))
            })
            .collect();
        for p in procs {
            p.finish(Duration::from_secs(60));
        }
        let channels = h.json(&["channels", "list"]);
        let sandboxes = channels
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "sandbox")
            .count();
        assert_eq!(sandboxes, 1, "pair {pair}: {channels}");
    }
}

/// A folder named with `?` and `#` (legal in file names, special in URLs) is used as named.
#[test]
fn a_data_directory_with_url_characters_in_its_name_is_used_as_named() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("通知?v=1#备份");
    let mut c = assert_cmd::Command::cargo_bin("herald").unwrap();
    c.env("HERALD_DATA_DIR", &dir)
        .env("HERALD_SECRET_STORE", "file")
        .args(["contacts", "add", "--name", "王小明", "--external-id", "S1"])
        .assert()
        .success();
    assert!(
        dir.join("herald.db").is_file(),
        "the database is inside the folder as named"
    );
    let stray: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(stray.len(), 1, "nothing made beside it: {stray:?}");
}

/// Everything Herald writes in the data directory is the user's alone, also in a directory an
/// older version left readable by everyone, and also after a leftover temporary secrets file.
#[cfg(unix)]
#[test]
fn the_data_directory_and_its_files_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let h = Herald::new();
    let dir = h.data_dir().to_owned();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A temporary file a crashed write left behind, as an older version made it.
    std::fs::write(dir.join("secrets.json.tmp"), "{}").unwrap();
    std::fs::set_permissions(dir.join("secrets.json.tmp"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let attachment = dir.join("考场安排.pdf");
    std::fs::write(&attachment, b"%PDF-1.4 test").unwrap();
    std::fs::set_permissions(&attachment, std::fs::Permissions::from_mode(0o644)).unwrap();
    h.json(&[
        "contacts",
        "add",
        "--name",
        "王小明",
        "--external-id",
        "S1",
        "--email",
        "wxm@example.edu.cn",
    ]);
    h.json(&[
        "channels",
        "add",
        "webhook",
        "--name",
        "hook",
        "--url",
        "http://127.0.0.1:9/hook",
        "--header",
        "Authorization: Bearer t0ken",
    ]);
    h.json(&[
        "notices",
        "create",
        "--title",
        "考场",
        "--body",
        "见附件",
        "--channel",
        "sandbox",
        "--audience",
        "all",
        "--attach",
        attachment.to_str().unwrap(),
    ]);
    assert_eq!(mode(&dir), 0o700, "the data directory");
    let mut checked = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == attachment {
                continue;
            }
            if p.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(mode(&p) & 0o077, 0, "{} is readable by others", p.display());
                checked += 1;
            }
        }
    }
    assert!(dir.join("secrets.json").is_file());
    assert!(
        checked >= 3,
        "herald.db, its WAL, secrets.json and the attachment at least"
    );
}
