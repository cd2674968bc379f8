//! Importing and exporting contacts: the steps of `crate::import` in order, the upsert, the
//! audit record.

use std::path::Path;

use super::App;
use crate::audit;
use crate::import::{self, ImportError, ImportOptions, ImportPreview, ImportReport, Severity};
use crate::model::{ContactUpsert, UpsertCounts};
use crate::store::UPSERT_CHUNK;
use crate::Result;

/// Runs file reading and checking on tokio's blocking pool: they take up to seconds of CPU on a
/// large file, and the runtime's worker threads must stay free for the dispatcher (the desktop
/// app runs both in one process).
///
/// The blocking thread allocates in a malloc arena of its own, which keeps what the parse freed
/// (calamine's buffers, the sheet) as its high-water mark while the upsert grows another
/// arena: the peak of a process became the sum of the arenas' peaks. So the work drops all it
/// can before it returns, and what it freed is handed back to the system before the upsert
/// ([`release_freed_memory`]).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, ImportError> + Send + 'static) -> Result<T> {
    let work = move || {
        let done = work();
        release_freed_memory();
        done
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(ImportError::Interrupted(if e.is_panic() {
            "the reader failed on this file".into()
        } else {
            "the app is shutting down".into()
        })
        .into()),
    }
}

/// Returns the free pages of every malloc arena to the system (glibc's `malloc_trim`, a few
/// milliseconds after a large import). Elsewhere the allocator's own policy stands.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only releases memory malloc holds free.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What the report needs of the sheet, kept so the sheet itself can be dropped on the
/// blocking thread.
struct SheetSummary {
    format: import::SourceFormat,
    encoding: Option<String>,
    sheet_name: Option<String>,
    rows: u32,
    blank_rows: u32,
}

impl App {
    /// The first `limit` rows of a file and the suggested column mapping (a wizard's first step).
    pub async fn preview_import(&self, path: &Path, encoding: Option<&str>, limit: usize) -> Result<ImportPreview> {
        let (path, encoding) = (path.to_owned(), encoding.map(str::to_owned));
        blocking(move || Ok(import::read_file(&path, encoding.as_deref())?.preview(limit))).await
    }

    /// Imports contacts from a CSV or workbook file, upserting by external id. Rows with
    /// problems are left out and named in the report; only a file that cannot be read at all
    /// (or a mapping that does not fit it) is an error. A dry run writes nothing, not even to
    /// the audit log, and its counts are exact.
    pub async fn import_contacts(&self, path: &Path, options: ImportOptions) -> Result<ImportReport> {
        let (file, encoding, mapping) = (path.to_owned(), options.encoding.clone(), options.mapping);
        let (sheet, checked) = blocking(move || {
            let sheet = import::read_file(&file, encoding.as_deref())?;
            let mapping = sheet.mapping(mapping)?;
            let checked = import::validate::check(&sheet, &mapping);
            let summary = SheetSummary {
                format: sheet.format,
                encoding: sheet.encoding,
                sheet_name: sheet.sheet_name,
                rows: sheet.rows.len() as u32,
                blank_rows: sheet.blank_rows,
            };
            Ok((summary, checked))
        })
        .await?;
        let rows: Vec<_> = checked.rows.into_iter().map(|(_, r)| r).collect();
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let counts = if options.dry_run {
            self.store.upsert_contacts(&rows, true).await?
        } else {
            self.upsert_audited(&file, &rows, checked.rejected).await?
        };
        let report = ImportReport {
            file,
            format: sheet.format,
            encoding: sheet.encoding,
            sheet: sheet.sheet_name,
            dry_run: options.dry_run,
            rows: sheet.rows,
            blank_rows: sheet.blank_rows,
            added: counts.added,
            updated: counts.updated,
            unchanged: counts.unchanged,
            rejected: checked.rejected,
            warnings: checked
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Warning)
                .count() as u32,
            problems: checked.problems,
        };
        Ok(report)
    }

    /// Writes `rows` a transaction of `UPSERT_CHUNK` at a time, each with its own audit entry
    /// (the file, which part of how many, and what that part changed), so the audit log
    /// accounts for every committed part even if the import stops half-way.
    async fn upsert_audited(&self, file: &str, rows: &[ContactUpsert], rejected: u32) -> Result<UpsertCounts> {
        let parts = rows.len().div_ceil(UPSERT_CHUNK);
        let mut counts = UpsertCounts::default();
        for (i, chunk) in rows.chunks(UPSERT_CHUNK).enumerate() {
            let mut detail = serde_json::json!({"file": file, "rejected": rejected});
            if parts > 1 {
                detail["part"] = (i + 1).into();
                detail["parts"] = parts.into();
            }
            let entry = audit::entry(&self.actor, "contact.import", "contact", None, detail);
            let part = self.store.audited(entry).upsert_contacts(chunk, false).await?;
            counts.added += part.added;
            counts.updated += part.updated;
            counts.unchanged += part.unchanged;
        }
        Ok(counts)
    }

    /// Writes every contact to `path` (`.xlsx`, or CSV) in the layout imports read; returns how many.
    pub async fn export_contacts(&self, path: &Path) -> Result<usize> {
        let contacts = self.store.list_contact_records().await?;
        let count = contacts.len();
        let file = path.to_owned();
        // 50,000 rows of XLSX take a second or more: off the threads the dispatcher runs on.
        blocking(move || import::export::write_contacts(&file, &contacts)).await?;
        audit::record(
            &self.store,
            &self.actor,
            "contact.export",
            "contact",
            None,
            serde_json::json!({"file": path.file_name().map(|n| n.to_string_lossy().into_owned()), "contacts": count}),
        )
        .await?;
        Ok(count)
    }
}
