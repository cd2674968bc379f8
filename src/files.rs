//! Reading a file someone named (an import, a CA certificate, an attachment, a template):
//! only a regular file, never a kernel or device view, and never more than a set size.
//!
//! `/dev/zero` has no end and `/proc/self/environ` calls itself an empty regular file while
//! holding the process's environment: neither is a file a person meant to give Herald, and
//! reading either whole could exhaust memory or copy secrets. The desktop shell goes further
//! (only files picked in its dialogs, see `src-tauri/src/picked.rs`); this is the floor every
//! face stands on.

use std::io::{self, Read};
use std::path::Path;

/// Directories whose entries are views of the kernel or of devices, not files.
const SPECIAL_ROOTS: [&str; 3] = ["/proc", "/sys", "/dev"];

fn refused(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// Whether `path` (once every link is followed) is inside `/proc`, `/sys` or `/dev`.
pub fn is_special(path: &Path) -> bool {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    cfg!(unix) && SPECIAL_ROOTS.iter().any(|root| real.starts_with(root))
}

/// Opens `path` if it is a regular file outside `/proc`, `/sys` and `/dev`; returns it with
/// its size.
pub fn open_regular(path: &Path) -> io::Result<(std::fs::File, u64)> {
    if is_special(path) {
        return Err(refused("is a system or device file, not a document".into()));
    }
    // Asked before opening (opening a FIFO waits for a writer) and again of the open file,
    // so what is checked is what is read.
    if !std::fs::metadata(path)?.is_file() {
        return Err(refused("is not a regular file".into()));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused("is not a regular file".into()));
    }
    Ok((file, meta.len()))
}

/// The bytes of a regular file (see [`open_regular`]) of at most `max` bytes; a larger file
/// (or one that grows past `max` while read) is refused without reading more than `max + 1`.
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (file, size) = open_regular(path)?;
    let too_large = || {
        refused(format!(
            "is larger than {} bytes, too large for what it is used for",
            max
        ))
    };
    if size > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, max)?).map_err(|_| refused("is not UTF-8 text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("a.csv");
        std::fs::write(&ok, "学号,姓名\n").unwrap();
        assert_eq!(read_regular_text(&ok, 100).unwrap(), "学号,姓名\n");
        assert!(read_regular(&ok, 4)
            .unwrap_err()
            .to_string()
            .contains("larger than 4 bytes"));
        assert!(read_regular(dir.path(), 100).is_err());
        #[cfg(unix)]
        {
            for special in ["/dev/zero", "/dev/urandom", "/proc/self/environ", "/sys/kernel/notes"] {
                let e = read_regular(Path::new(special), 1 << 20).unwrap_err();
                assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{special}: {e}");
            }
            let link = dir.path().join("environ.csv");
            std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
            assert!(read_regular(&link, 1 << 20).is_err());
            // A FIFO would block a plain read for ever.
            let fifo = dir.path().join("fifo.csv");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            assert!(read_regular(&fifo, 100).is_err());
        }
    }
}
