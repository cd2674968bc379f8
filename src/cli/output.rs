//! Printing: JSON for scripts, plain lines for people.

use serde::Serialize;

/// Prints `value` as JSON when `json`, else calls `human`.
pub fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce()) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        human();
    }
    Ok(())
}

/// `text` cut to `width` characters (not bytes: names are often Chinese).
pub fn cut(text: &str, width: usize) -> String {
    let mut out: String = text.chars().take(width).collect();
    if text.chars().count() > width {
        out.pop();
        out.push('…');
    }
    out
}

/// An optional field for a table cell.
pub fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}
