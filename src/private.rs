//! Files and folders only the user can read: the data directory holds contact data (names,
//! addresses, mobiles), so nothing in it is left readable by other users of the computer.
//! Elsewhere than Unix the user's own profile folder already keeps others out.

use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it the user's alone (0700).
pub fn dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes an existing file the user's alone (0600); a file that does not exist is fine.
pub fn file(path: &Path) -> io::Result<()> {
    match set_mode(path, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Copies `from` to `to`, the copy the user's alone whatever the source's mode.
pub fn copy(from: &Path, to: &Path) -> io::Result<u64> {
    let n = std::fs::copy(from, to)?;
    set_mode(to, 0o600)?;
    Ok(n)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, _mode: u32) -> io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_become_the_users_alone() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b");
        super::dir(&d).unwrap();
        assert_eq!(mode(&d), 0o700);
        let src = t.path().join("src.txt");
        std::fs::write(&src, "x").unwrap();
        std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::copy(&src, &d.join("copy.txt")).unwrap();
        assert_eq!(mode(&d.join("copy.txt")), 0o600);
        super::file(&src).unwrap();
        assert_eq!(mode(&src), 0o600);
        super::file(&t.path().join("missing")).unwrap();
    }
}
