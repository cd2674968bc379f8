//! Notice attachments: Herald's own copy of each file, taken when the notice is saved.

use std::path::{Path, PathBuf};

use crate::model::NoticeAttachment;
use crate::{Error, Result};

/// Most bytes a notice may carry in files. Mail servers commonly refuse messages over 25 MB,
/// and base64 makes a file a third larger on the wire.
pub const MAX_TOTAL_BYTES: u64 = 18 * 1024 * 1024;

/// The MIME type mail clients expect for a file name's extension.
fn content_type(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "wps" => "application/vnd.ms-works",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "rar" => "application/vnd.rar",
        "7z" => "application/x-7z-compressed",
        _ => "application/octet-stream",
    }
}

/// Copies the files into `data_dir/attachments/<random>/`, checking each is a readable file
/// and that together they stay under [`MAX_TOTAL_BYTES`]. On an error nothing is left behind.
pub(super) fn keep(data_dir: &Path, paths: &[String]) -> Result<Vec<NoticeAttachment>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut total = 0u64;
    let mut sources = Vec::new();
    for p in paths {
        let path = PathBuf::from(p.trim());
        let meta = std::fs::metadata(&path)
            .map_err(|e| Error::Invalid(format!("the attachment {} cannot be read: {e}", path.display())))?;
        if !meta.is_file() || crate::files::is_special(&path) {
            return Err(Error::Invalid(format!(
                "the attachment {} is not a file",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::Invalid(format!("the attachment {} has no file name", path.display())))?;
        total += meta.len();
        sources.push((path, name, meta.len()));
    }
    refuse_over_limit(total)?;
    let folder = format!("attachments/{}", hex::encode(rand::random::<[u8; 8]>()));
    let dir = data_dir.join(&folder);
    let copied = (|| -> std::io::Result<Vec<NoticeAttachment>> {
        crate::private::dir(&data_dir.join("attachments"))?;
        crate::private::dir(&dir)?;
        let mut kept = Vec::new();
        for (i, (path, name, size)) in sources.iter().enumerate() {
            // A numbered sub-folder each: two files of the same name from different folders
            // both keep their name.
            let sub = dir.join(i.to_string());
            crate::private::dir(&sub)?;
            let copied = crate::private::copy(path, &sub.join(name))?;
            if copied != *size {
                // A file that is not what its size says (a kernel view) or that changed meanwhile.
                return Err(std::io::Error::other(format!(
                    "{} changed while it was copied; attach it again",
                    path.display()
                )));
            }
            kept.push(NoticeAttachment {
                name: name.clone(),
                size: *size,
                content_type: content_type(name).to_owned(),
                file: format!("{folder}/{i}/{name}"),
            });
        }
        Ok(kept)
    })();
    copied.map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        Error::Invalid(format!(
            "the attachments cannot be copied into {}: {e}",
            data_dir.display()
        ))
    })
}

/// Removes the copies of a notice that was not saved after all.
pub(super) fn discard(data_dir: &Path, kept: &[NoticeAttachment]) {
    if let Some(folder) = kept.first().and_then(|a| a.file.split('/').nth(1)) {
        let _ = std::fs::remove_dir_all(data_dir.join("attachments").join(folder));
    }
}

/// Refuses files that together pass [`MAX_TOTAL_BYTES`] (a draft's kept files with new ones).
pub(super) fn within_limit(files: &[NoticeAttachment]) -> Result<()> {
    refuse_over_limit(files.iter().map(|a| a.size).sum())
}

fn refuse_over_limit(total: u64) -> Result<()> {
    if total > MAX_TOTAL_BYTES {
        return Err(Error::Invalid(format!(
            "the attachments come to {:.1} MB; mail servers refuse more than about {} MB per message: share large files by link instead",
            total as f64 / 1_048_576.0,
            MAX_TOTAL_BYTES / 1_048_576
        )));
    }
    Ok(())
}

/// Deletes these kept files, each in its own numbered folder, and their notice's folder once
/// it holds no other file (a draft may keep some of its files and drop others).
pub(super) fn discard_all(data_dir: &Path, files: &[NoticeAttachment]) {
    let root = data_dir.join("attachments");
    for a in files {
        let mut parts = a.file.split('/');
        if let (Some("attachments"), Some(folder), Some(index)) = (parts.next(), parts.next(), parts.next()) {
            // Names come from our own rows, but a hand-edited row must not reach outside.
            if [folder, index]
                .iter()
                .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\\'))
            {
                continue;
            }
            let _ = std::fs::remove_dir_all(root.join(folder).join(index));
            let _ = std::fs::remove_dir(root.join(folder));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_copied_named_typed_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("考场安排 2026.pdf");
        std::fs::write(&src, b"%PDF-1.4 test").unwrap();
        let data = dir.path().join("data");
        let kept = keep(&data, &[src.to_string_lossy().into_owned()]).unwrap();
        assert_eq!(kept[0].name, "考场安排 2026.pdf");
        assert_eq!(kept[0].content_type, "application/pdf");
        assert_eq!(kept[0].size, 13);
        // The copy is what is sent: the original can go.
        std::fs::remove_file(&src).unwrap();
        let loaded = crate::outbox::load_attachments(&data, &kept).unwrap();
        assert_eq!(loaded[0].bytes, b"%PDF-1.4 test");

        let err = keep(&data, &["/no/such/file.pdf".into()]).unwrap_err().to_string();
        assert!(err.contains("/no/such/file.pdf"), "{err}");
        let big = dir.path().join("big.zip");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_TOTAL_BYTES + 1)
            .unwrap();
        let err = keep(&data, &[big.to_string_lossy().into_owned()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("by link"), "{err}");
    }
}
