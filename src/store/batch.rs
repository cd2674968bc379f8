//! Many rows in few statements: multi-row `VALUES` lists in a handful of fixed sizes.
//!
//! Why not one JSON array through `json_each`: every `value ->> '$.field'` turns the row's
//! object back into text and parses it again, so a 12-field row was parsed 12 times per
//! statement (a quarter of the dispatcher's CPU under callgrind). Bound parameters cost
//! nothing like that. The sizes are fixed so that each statement's text, and so its
//! prepared statement in sqlx's per-connection cache, is one of a few.

/// Rows per statement, largest first; a batch is cut greedily into these.
const SIZES: [usize; 4] = [128, 32, 8, 1];

/// Cuts `items` into chunks whose lengths are all in [`SIZES`].
pub(crate) fn chunks<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let size = SIZES.into_iter().find(|&s| s <= items.len()).unwrap_or(1);
        let (head, tail) = items.split_at(size);
        items = tail;
        Some(head)
    })
}

/// `(?, ?, …), (?, ?, …)`: `rows` rows of `cols` placeholders each, for a `VALUES` list
/// (SQLite names its columns `column1`, `column2`, …).
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(", "));
    vec![row; rows].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_in_order_with_few_sizes() {
        for n in [0, 1, 7, 8, 9, 127, 128, 129, 500, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let parts: Vec<&[usize]> = chunks(&items).collect();
            assert_eq!(parts.concat(), items, "n = {n}");
            assert!(parts.iter().all(|p| SIZES.contains(&p.len())), "n = {n}");
        }
        assert_eq!(
            chunks(&[0u8; 500]).count(),
            3 + 3 + 2 + 4,
            "500 = 3×128 + 3×32 + 2×8 + 4×1"
        );
    }

    #[test]
    fn placeholders_make_a_values_list() {
        assert_eq!(placeholders(2, 3), "(?, ?, ?), (?, ?, ?)");
    }
}
