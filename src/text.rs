//! Text that ends up on one line of a protocol: a mail header, a name in a list.

/// `s` on one line: each run of line breaks, tabs and other control characters becomes one
/// space, and the ends are trimmed. A contact's name comes from spreadsheet cells that may
/// span lines; put into a header as it is, a line break would end the header.
pub fn single_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        out.push(c);
    }
    out
}

/// Whether `s` holds a control character (a line break, a tab, NUL …).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_become_one_space() {
        assert_eq!(single_line("张\r\n伟"), "张 伟");
        assert_eq!(single_line("  Wang\tXiao\u{0}ming \n"), "Wang Xiao ming");
        assert_eq!(single_line("王小明"), "王小明");
        assert_eq!(single_line("\r\n"), "");
        assert!(has_control("a\nb"));
        assert!(!has_control("王 小明"));
    }
}
