//! `herald contacts import`: the core does the work; this prints the counts, then the first
//! problems by row and column, and writes the report file when asked.

use anyhow::Context;

use super::args::ContactImportArgs;
use super::output::emit;
use crate::import::{ImportOptions, Severity, SourceFormat};
use crate::App;

/// Problems printed in the human summary; the report file (or `--json`) has them all.
const SHOWN: usize = 20;

pub async fn run(app: &App, a: ContactImportArgs, json: bool) -> anyhow::Result<()> {
    let report = app
        .import_contacts(
            &a.file,
            ImportOptions {
                encoding: a.encoding,
                mapping: None,
                dry_run: a.dry_run,
            },
        )
        .await?;
    // The import is done (or counted) whatever happens to the report file: say so first.
    emit(json, &report, || {
        let how = match (report.format, &report.encoding, &report.sheet) {
            (SourceFormat::Csv, Some(e), _) => format!("CSV, {e}"),
            (_, _, Some(sheet)) => format!("worksheet {sheet}"),
            _ => "workbook".into(),
        };
        println!(
            "{}{} ({how}): {} rows, {} blank rows skipped",
            if report.dry_run { "dry run of " } else { "imported " },
            report.file,
            report.rows,
            report.blank_rows
        );
        println!(
            "  added {}, updated {}, unchanged {}, rejected {}, warnings {}",
            report.added, report.updated, report.unchanged, report.rejected, report.warnings
        );
        if report.dry_run {
            println!("  nothing was written (dry run)");
        }
        if !report.problems.is_empty() {
            println!(
                "problems{}:",
                if report.problems.len() > SHOWN {
                    format!(" (first {SHOWN} of {})", report.problems.len())
                } else {
                    String::new()
                }
            );
            for p in report.problems.iter().take(SHOWN) {
                let field = p.field.as_deref().map(|f| format!(" ({f})")).unwrap_or_default();
                let level = if p.severity == Severity::Error {
                    "rejected"
                } else {
                    "warning"
                };
                let value = if p.value.is_empty() {
                    String::new()
                } else {
                    format!(" {:?}", p.value)
                };
                println!("  row {}, {}{field}{value}: {level}: {}", p.row, p.column, p.message);
            }
        }
    })?;
    if let Some(path) = &a.report {
        report.write(path).with_context(|| {
            format!(
                "the import is done, but its report could not be written to {}",
                path.display()
            )
        })?;
        if !json {
            println!("report written to {}", path.display());
        }
    }
    Ok(())
}
