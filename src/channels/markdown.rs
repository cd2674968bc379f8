//! A notice's Markdown made fit for a platform's dialect (PROVIDERS.md: what each shows). What a
//! dialect cannot draw degrades to text that still reads well, never to stray symbols:
//! - tables (no platform's chat Markdown draws them) become one line per row, each cell named
//!   by its column: `姓名：张三　考场：A101`;
//! - fenced code blocks become quoted lines (DingTalk and WeCom show the fences literally);
//! - WeCom shows neither images, italics nor strike-through: an image becomes its link, and
//!   `*x*`, `_x_`, `~~x~~` lose their markers.
//!
//! The rest passes as written: headings, bold, links, lists and quotes read the same in all
//! three. Text inside inline code is left alone.

use super::Dialect;

/// `markdown` as `dialect` shows it.
pub fn to_dialect(markdown: &str, dialect: Dialect) -> String {
    let mut out = Vec::new();
    let lines: Vec<&str> = markdown.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(fence) = fence_of(line) {
            // Up to the closing fence (or the end): each line quoted, as text.
            i += 1;
            while i < lines.len() && fence_of(lines[i]) != Some(fence) {
                out.push(format!("> {}", lines[i]));
                i += 1;
            }
            i += 1;
            continue;
        }
        if is_row(line) && lines.get(i + 1).is_some_and(|l| is_separator(l)) {
            let header = cells(line);
            i += 2;
            while i < lines.len() && is_row(lines[i]) {
                out.push(row_as_text(&header, &cells(lines[i]), dialect));
                i += 1;
            }
            continue;
        }
        out.push(inline(line, dialect));
        i += 1;
    }
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The fence character of a line that opens or closes a fenced code block.
fn fence_of(line: &str) -> Option<char> {
    let t = line.trim_start();
    ["```", "~~~"]
        .iter()
        .find(|f| t.starts_with(*f))
        .and_then(|f| f.chars().next())
}

fn is_row(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.len() > 1
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    is_row(t) && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) && t.contains('-')
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|').map(|c| c.trim().to_owned()).collect()
}

/// One table row as a line: each cell after its column's name.
fn row_as_text(header: &[String], row: &[String], dialect: Dialect) -> String {
    row.iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| match header.get(n).filter(|h| !h.is_empty()) {
            Some(h) => format!("{}：{}", inline(h, dialect), inline(v, dialect)),
            None => inline(v, dialect),
        })
        .collect::<Vec<_>>()
        .join("　")
}

/// Inline marks the dialect cannot show, taken off; inline code kept as written.
fn inline(line: &str, dialect: Dialect) -> String {
    if dialect != Dialect::Wecom {
        return line.to_owned();
    }
    // Split on backticks: even pieces are text, odd ones code.
    line.split('`')
        .enumerate()
        .map(|(n, piece)| {
            if n % 2 == 1 {
                piece.to_owned()
            } else {
                wecom_text(piece)
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// WeCom's Markdown: images as links, no italics, no strike-through (bold stays).
fn wecom_text(text: &str) -> String {
    let text = text.replace("![", "[").replace("~~", "");
    let chars: Vec<char> = text.chars().collect();
    let mut drop = vec![false; chars.len()];
    let single = |i: usize, c: char| chars[i] == c && chars.get(i + 1) != Some(&c) && (i == 0 || chars[i - 1] != c);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = (c == '*' || c == '_')
            && single(i, c)
            && chars.get(i + 1).is_some_and(|n| !n.is_whitespace())
            && (c == '*' || i == 0 || !chars[i - 1].is_alphanumeric());
        if opens {
            // Its closer: the next single mark of the same kind after non-space text; an
            // underscore inside a word (file_name) is no mark.
            let close = (i + 2..chars.len()).find(|&j| {
                single(j, c)
                    && !chars[j - 1].is_whitespace()
                    && (c == '*' || chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric()))
            });
            if let Some(j) = close {
                drop[i] = true;
                drop[j] = true;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    chars.iter().zip(drop).filter(|(_, d)| !d).map(|(c, _)| *c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE: &str = "## 考场安排\n\n请**准时**到场，*带好证件*。\n\n| 姓名 | 考场 | 时间 |\n|---|:-:|---|\n| 张三 | A101 | 周一 9:00 |\n| 李四 | B202 | |\n\n```\n准考证号：2024001\n```\n\n![校徽](https://example.edu.cn/logo.png) ~~旧通知作废~~ `a*b*c`\n- 第一条\n* 第二条\n";

    #[test]
    fn tables_become_named_lines_and_code_is_quoted_everywhere() {
        for dialect in [Dialect::Dingtalk, Dialect::Wecom, Dialect::Feishu] {
            let out = to_dialect(NOTICE, dialect);
            assert!(
                out.contains("姓名：张三　考场：A101　时间：周一 9:00"),
                "{dialect:?}: {out}"
            );
            assert!(out.contains("姓名：李四　考场：B202\n"), "{dialect:?}: {out}");
            assert!(out.contains("> 准考证号：2024001"), "{dialect:?}: {out}");
            assert!(!out.contains('|') && !out.contains("```"), "{dialect:?}: {out}");
            assert!(out.starts_with("## 考场安排\n\n请**准时**到场"), "{dialect:?}: {out}");
        }
    }

    #[test]
    fn wecom_loses_the_marks_it_cannot_draw_and_keeps_bold_code_and_lists() {
        let out = to_dialect(NOTICE, Dialect::Wecom);
        assert!(out.contains("请**准时**到场，带好证件。"), "{out}");
        assert!(
            out.contains("[校徽](https://example.edu.cn/logo.png) 旧通知作废 `a*b*c`"),
            "{out}"
        );
        assert!(out.contains("\n- 第一条\n* 第二条\n"), "{out}");
        assert!(out.ends_with('\n'));
        // Underscores inside words and a lone star are no marks.
        assert_eq!(
            to_dialect("见 exam_room_list.xlsx", Dialect::Wecom),
            "见 exam_room_list.xlsx"
        );
        assert_eq!(to_dialect("2*3=6，_注意_", Dialect::Wecom), "2*3=6，注意");
    }

    #[test]
    fn dingtalk_keeps_what_it_draws() {
        let out = to_dialect(NOTICE, Dialect::Dingtalk);
        assert!(out.contains("*带好证件*") && out.contains("![校徽]"), "{out}");
    }
}
