//! A rendered notice body (Markdown) as e-mail: an HTML part with a clean, inline-styled
//! layout (mail clients drop `<style>` blocks and external CSS, so every element carries its
//! own style), and a plain-text part for clients and filters that read only text.
//!
//! Markdown is parsed by comrak with raw HTML left out (a notice cannot smuggle markup or a
//! `javascript:` link into a mailbox), GitHub tables, autolinks and strikethrough on, emphasis
//! that works next to Chinese punctuation, and a line break where the author pressed Enter,
//! since that is what people writing a notice expect.

use std::fmt::Write as _;

use comrak::nodes::{AstNode, ListType, NodeValue};
use comrak::{Arena, Options};

/// One body, as both parts of a multipart/alternative message.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailBody {
    pub html: String,
    pub text: String,
}

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.strikethrough = true;
    o.extension.cjk_friendly_emphasis = true;
    o.render.hardbreaks = true;
    o
}

/// Styles per element, inline: what Outlook, Foxmail and phone mail apps all honour.
const STYLES: [(&str, &str); 16] = [
    ("<p>", "<p style=\"margin:0 0 14px;\">"),
    (
        "<h1>",
        "<h1 style=\"font-size:22px;line-height:1.4;margin:0 0 16px;color:#1f2329;\">",
    ),
    (
        "<h2>",
        "<h2 style=\"font-size:19px;line-height:1.4;margin:20px 0 12px;color:#1f2329;\">",
    ),
    (
        "<h3>",
        "<h3 style=\"font-size:17px;line-height:1.4;margin:18px 0 10px;color:#1f2329;\">",
    ),
    ("<h4>", "<h4 style=\"font-size:15px;margin:16px 0 8px;color:#1f2329;\">"),
    ("<ul>", "<ul style=\"margin:0 0 14px;padding-left:24px;\">"),
    ("<ol>", "<ol style=\"margin:0 0 14px;padding-left:24px;\">"),
    ("<li>", "<li style=\"margin:0 0 6px;\">"),
    (
        "<blockquote>",
        "<blockquote style=\"margin:0 0 14px;padding:8px 14px;border-left:4px solid #d0d7de;color:#57606a;\">",
    ),
    ("<table>", "<table style=\"border-collapse:collapse;margin:0 0 14px;\">"),
    (
        "<th>",
        "<th style=\"border:1px solid #d0d7de;padding:6px 10px;background:#f6f8fa;text-align:left;\">",
    ),
    (
        "<th align=",
        "<th style=\"border:1px solid #d0d7de;padding:6px 10px;background:#f6f8fa;\" align=",
    ),
    ("<td>", "<td style=\"border:1px solid #d0d7de;padding:6px 10px;\">"),
    (
        "<td align=",
        "<td style=\"border:1px solid #d0d7de;padding:6px 10px;\" align=",
    ),
    (
        "<pre>",
        "<pre style=\"background:#f6f8fa;padding:10px 12px;border-radius:4px;overflow:auto;font-size:13px;\">",
    ),
    ("<a href=", "<a style=\"color:#1677ff;\" href="),
];

/// The subject an unsubscribe request carries, in both languages a recipient may read:
/// "退订 unsubscribe", percent-encoded for a `mailto:` URL.
const UNSUBSCRIBE_SUBJECT: &str = "%E9%80%80%E8%AE%A2%20unsubscribe";

/// The `mailto:` URL that asks `address` to stop sending: what List-Unsubscribe and the
/// message's own unsubscribe link point at.
pub fn unsubscribe_mailto(address: &str) -> String {
    // An address may hold characters that mean something in a URL (RFC 6068 section 2).
    let mut to = String::with_capacity(address.len());
    for c in address.chars() {
        match c {
            '%' | '?' | '#' | '&' | '/' | ' ' | '"' | '<' | '>' => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(to, "%{b:02X}");
                }
            }
            c => to.push(c),
        }
    }
    format!("mailto:{to}?subject={UNSUBSCRIBE_SUBJECT}")
}

/// The body as e-mail parts; `title` heads the HTML page (the subject, for clients that show it).
/// With `unsubscribe_to`, both parts end with a line saying how to opt out by writing there.
pub fn render(markdown: &str, title: &str, unsubscribe_to: Option<&str>) -> EmailBody {
    let options = options();
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, markdown, &options);
    let mut inner = String::new();
    comrak::format_html(root, &options, &mut inner).expect("writing to a String cannot fail");
    for (plain, styled) in STYLES {
        inner = inner.replace(plain, styled);
    }
    inner = inner.replace(
        "<code>",
        "<code style=\"background:#f6f8fa;padding:1px 4px;border-radius:3px;font-size:90%;\">",
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background:#f5f6f7;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f5f6f7;\"><tr><td align=\"center\" style=\"padding:24px 12px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;background:#ffffff;border-radius:6px;\"><tr><td style=\"padding:28px 32px;font-family:-apple-system,'PingFang SC','Microsoft YaHei','Helvetica Neue',Arial,sans-serif;font-size:15px;line-height:1.7;color:#1f2329;\">\n\
         {inner}</td></tr></table>\n{footer}</td></tr></table>\n</body>\n</html>\n",
        escape_html(title),
        footer = unsubscribe_to.map(html_footer).unwrap_or_default(),
    );
    let mut text = String::new();
    blocks(root, &mut text, "");
    let mut text = text.trim_end().to_owned() + "\n";
    if let Some(address) = unsubscribe_to {
        // "-- " on a line of its own: mail clients fold what follows away as a signature.
        let _ = write!(
            text,
            "\n-- \n不想再收到这类通知？发一封主题为“退订”的邮件到 {address} 即可退订。\n\
             To stop these notices, e-mail {address} with the subject \"unsubscribe\".\n"
        );
    }
    EmailBody { html, text }
}

/// The opt-out line under the message card, small and grey, in Chinese and English.
fn html_footer(address: &str) -> String {
    let href = escape_html(&unsubscribe_mailto(address));
    let shown = escape_html(address);
    format!(
        "<p style=\"max-width:640px;margin:12px auto 0;font-family:-apple-system,'PingFang SC','Microsoft YaHei',Arial,sans-serif;font-size:12px;line-height:1.6;color:#8f959e;\">\
         不想再收到这类通知？<a style=\"color:#8f959e;\" href=\"{href}\">退订</a>（发一封主题为“退订”的邮件到 {shown}）。<br>\
         To stop these notices, <a style=\"color:#8f959e;\" href=\"{href}\">unsubscribe</a> (e-mail {shown}).</p>\n"
    )
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes block `node`'s children as text, each line after `indent`.
fn blocks<'a>(node: &'a AstNode<'a>, out: &mut String, indent: &str) {
    for child in node.children() {
        block(child, out, indent);
    }
}

fn block<'a>(node: &'a AstNode<'a>, out: &mut String, indent: &str) {
    let value = node.data().value.clone();
    match value {
        NodeValue::Paragraph | NodeValue::Heading(_) => {
            let line = inline_text(node);
            push_lines(out, indent, &line);
            out.push('\n');
        }
        NodeValue::List(list) => {
            for (n, item) in (list.start.max(1)..).zip(node.children()) {
                let marker = match list.list_type {
                    ListType::Bullet => "- ".to_owned(),
                    ListType::Ordered => format!("{n}. "),
                };
                let mut inner = String::new();
                blocks(item, &mut inner, "");
                let pad = " ".repeat(marker.chars().count());
                for (i, line) in inner.trim_end().lines().filter(|l| !l.is_empty()).enumerate() {
                    let _ = writeln!(out, "{indent}{}{line}", if i == 0 { &marker } else { &pad });
                }
            }
            out.push('\n');
        }
        NodeValue::BlockQuote => {
            let mut inner = String::new();
            blocks(node, &mut inner, "");
            push_lines(out, &format!("{indent}> "), inner.trim_end());
            out.push('\n');
        }
        NodeValue::CodeBlock(code) => {
            push_lines(out, &format!("{indent}    "), code.literal.trim_end());
            out.push('\n');
        }
        NodeValue::ThematicBreak => {
            let _ = writeln!(out, "{indent}----------\n");
        }
        NodeValue::Table(_) => {
            for row in node.children() {
                let cells: Vec<String> = row.children().map(inline_text).collect();
                let _ = writeln!(out, "{indent}{}", cells.join(" | "));
            }
            out.push('\n');
        }
        // Raw HTML is left out of the HTML part, so it is left out here too.
        NodeValue::HtmlBlock(_) => {}
        _ => blocks(node, out, indent),
    }
}

fn push_lines(out: &mut String, prefix: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{prefix}{line}");
    }
}

/// An inline run as text: emphasis dropped, a link as "text (url)".
fn inline_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut s = String::new();
    for child in node.children() {
        let value = child.data().value.clone();
        match value {
            NodeValue::Text(t) => s.push_str(&t),
            NodeValue::Code(c) => s.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => s.push('\n'),
            NodeValue::Link(link) => {
                let label = inline_text(child);
                // Only addresses a reader could safely follow are spelled out.
                let safe = ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| link.url.to_ascii_lowercase().starts_with(p));
                if !safe || label == link.url || format!("mailto:{label}") == link.url {
                    s.push_str(&label);
                } else {
                    let _ = write!(s, "{label} ({})", link.url);
                }
            }
            NodeValue::Image(link) => {
                let _ = write!(s, "[{}] ({})", inline_text(child), link.url);
            }
            NodeValue::HtmlInline(_) => {}
            _ => s.push_str(&inline_text(child)),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE: &str = "# 期末考试安排\n\n王小明同学：\n请于**12月20日**前到[教务处网站](https://jwc.example.edu.cn)确认。\n\n- 考场：3号楼 301\n- 时间：9:00–11:00\n\n1. 带学生证\n2. 带2B铅笔\n\n> 迟到15分钟不得入场。\n\n| 科目 | 时间 |\n| --- | --- |\n| 高数 | 周一 |\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1))";

    #[test]
    fn the_html_part_is_styled_inline_and_carries_no_raw_html_or_script_links() {
        let body = render(NOTICE, "期末 <考试>", None);
        assert!(body.html.contains("<title>期末 &lt;考试&gt;</title>"));
        assert!(body.html.contains("<strong>12月20日</strong>"), "{}", body.html);
        assert!(body
            .html
            .contains("<a style=\"color:#1677ff;\" href=\"https://jwc.example.edu.cn\">教务处网站</a>"));
        assert!(
            body.html.contains("王小明同学：<br />"),
            "Enter is a line break: {}",
            body.html
        );
        assert!(body
            .html
            .contains("<td style=\"border:1px solid #d0d7de;padding:6px 10px;\">高数</td>"));
        assert!(!body.html.contains("<script"), "{}", body.html);
        assert!(!body.html.contains("javascript:"), "{}", body.html);
        assert!(!body.html.contains("<style"), "mail clients drop style blocks");
        for tag in ["<p>", "<li>", "<ul>", "<ol>", "<h1>", "<blockquote>", "<table>"] {
            assert!(!body.html.contains(tag), "{tag} without a style");
        }
    }

    #[test]
    fn the_text_part_reads_like_the_notice() {
        let body = render(NOTICE, "期末考试安排", None);
        let expected =
            "期末考试安排\n\n王小明同学：\n请于12月20日前到教务处网站 (https://jwc.example.edu.cn)确认。\n\n\
                        - 考场：3号楼 301\n- 时间：9:00–11:00\n\n1. 带学生证\n2. 带2B铅笔\n\n> 迟到15分钟不得入场。\n\n\
                        科目 | 时间\n高数 | 周一\n\n点我\n";
        assert_eq!(body.text, expected);
    }

    #[test]
    fn a_notice_that_allows_opting_out_says_how_in_both_parts() {
        let plain = render("通知", "t", None);
        assert!(!plain.html.contains("mailto:") && !plain.text.contains("退订"));

        let body = render("通知", "t", Some("jwc+notice@example.edu.cn"));
        let mailto = "mailto:jwc+notice@example.edu.cn?subject=%E9%80%80%E8%AE%A2%20unsubscribe";
        assert_eq!(unsubscribe_mailto("jwc+notice@example.edu.cn"), mailto);
        assert!(
            body.html.contains(&format!("href=\"{mailto}\">退订</a>")),
            "{}",
            body.html
        );
        assert!(body.html.contains(">unsubscribe</a>"));
        assert!(body.text.starts_with("通知\n\n-- \n"), "{}", body.text);
        assert!(body
            .text
            .contains("发一封主题为“退订”的邮件到 jwc+notice@example.edu.cn 即可退订。"));
        // The percent-encoded subject decodes to what the text part tells people to write.
        assert_eq!(
            "%E9%80%80%E8%AE%A2"
                .split('%')
                .skip(1)
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect::<Vec<_>>(),
            "退订".as_bytes()
        );
        assert_eq!(
            unsubscribe_mailto("a?b#c@x.cn"),
            "mailto:a%3Fb%23c@x.cn?subject=%E9%80%80%E8%AE%A2%20unsubscribe"
        );
    }

    #[test]
    fn a_contacts_values_arrive_as_written_while_the_authors_markdown_still_formats() {
        let notice = crate::compose::CompiledNotice::new(
            "{{ seat }}",
            "**座位**：{{ seat }}\n备注：{{ note }}\n主页：{{ home }}\n邮箱：{{ email }}",
        )
        .unwrap();
        let vars = serde_json::json!({
            "seat": "3*2 排 4*5 号",
            "note": "[点我领奖](https://evil.example) <b>急</b> ~~作废~~ `x` a|b \\n [回信](mailto:x@evil.example)",
            "home": "https://www.example.edu.cn/~wang/",
            "email": "li_ming+2024@example.edu.cn",
        });
        let r = notice.render_as(&vars, true).unwrap();
        assert_eq!(r.subject, "3*2 排 4*5 号", "a subject is never Markdown");
        let body = render(&r.body, &r.subject, None);
        assert_eq!(
            body.text,
            "座位：3*2 排 4*5 号\n备注：[点我领奖](https://evil.example) <b>急</b> ~~作废~~ `x` a|b \\n [回信](mailto:x@evil.example)\n\
             主页：https://www.example.edu.cn/~wang/\n邮箱：li_ming+2024@example.edu.cn\n"
        );
        assert!(
            body.html.contains("<strong>座位</strong>"),
            "the author's Markdown formats"
        );
        assert!(!body.html.contains("<em>") && !body.html.contains("<del>") && !body.html.contains("<code"));
        // The URL may be linked as itself, but a field cannot hide it behind other words.
        assert!(
            !body.html.contains("点我领奖</a>") && !body.html.contains("回信</a>"),
            "{}",
            body.html
        );
        assert!(body.html.contains("&lt;b&gt;急&lt;/b&gt;"), "{}", body.html);
        assert!(
            body.html.contains("href=\"https://www.example.edu.cn/~wang/\""),
            "{}",
            body.html
        );
        assert!(
            body.html.contains("href=\"mailto:li_ming+2024@example.edu.cn\""),
            "{}",
            body.html
        );

        // For channels that show the body as text, values go in untouched.
        assert_eq!(
            notice.render(&vars).unwrap().body,
            "**座位**：3*2 排 4*5 号\n备注：[点我领奖](https://evil.example) <b>急</b> ~~作废~~ `x` a|b \\n [回信](mailto:x@evil.example)\n\
             主页：https://www.example.edu.cn/~wang/\n邮箱：li_ming+2024@example.edu.cn"
        );
    }
}
