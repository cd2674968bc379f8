//! Time, in one place: every timestamp Herald stores is UTC RFC 3339 with milliseconds and a
//! `Z`, so SQLite compares them correctly as text (`next_attempt_at <= ?`).

use chrono::{DateTime, SecondsFormat, Utc};

/// The current time as Herald stores it.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Formats a time the way every `*_at` column holds it.
pub fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `fmt(now())`.
pub fn now_str() -> String {
    fmt(now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_sort_as_text_in_time_order() {
        let a = fmt(DateTime::parse_from_rfc3339("2026-01-01T09:59:59.999Z").unwrap().into());
        let b = fmt(DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z").unwrap().into());
        assert_eq!(b, "2026-01-01T10:00:00.000Z");
        assert!(a < b);
    }
}
