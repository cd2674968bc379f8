//! What a channel kind checks in one rendered message before anything is queued, and the
//! figures it counts over a run's messages. Compose's whole-audience check (`notice_check`)
//! asks each kind through [`super::Kind::check_message`], so a kind with checks of its own
//! (an SMS's template parameters, its parts and cost) adds them in its module alone.

use super::{Format, Text};
use crate::compose::Rendered;
use crate::model::MessageProblem;

/// How a figure adds up over a channel's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// The total (parts, cost in fen).
    Sum,
    /// The largest (a message's bytes).
    Max,
}

/// One figure of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    /// Stable across versions: the same key is tallied across messages.
    pub key: &'static str,
    pub label: Text,
    pub value: i64,
    pub tally: Tally,
}

/// What a kind found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageCheck {
    /// Empty: the message would go out whole.
    pub problems: Vec<MessageProblem>,
    pub figures: Vec<Figure>,
}

/// The figure of a Markdown kind's message size.
pub const LARGEST_BYTES: Text = Text {
    zh: "最长一条（字节）",
    en: "largest message (bytes)",
};

/// The check every kind gets unless it has its own: a platform that takes Markdown up to a
/// byte limit refuses a longer message, and the dispatcher would fail it; the message is
/// measured as the group-chat check at compose measures it (subject and body), and its size
/// is a figure. E-mail and raw kinds have no limit a notice could reach (the body's own cap
/// is compose's).
pub fn within_format(format: Format, message: &Rendered) -> MessageCheck {
    let Format::Markdown { max_bytes, .. } = format else {
        return MessageCheck::default();
    };
    let size = message.subject.len() + message.body.len();
    let mut check = MessageCheck {
        problems: Vec::new(),
        figures: vec![Figure {
            key: "largest_bytes",
            label: LARGEST_BYTES,
            value: size as i64,
            tally: Tally::Max,
        }],
    };
    if size > max_bytes {
        check.problems.push(MessageProblem {
            code: "too_long",
            field: "body",
            zh: format!("这条消息有 {size} 字节，超过该平台单条 {max_bytes} 字节的上限"),
            en: format!("the message is {size} bytes; the platform takes at most {max_bytes} in one message"),
        });
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Dialect;

    fn message(body: &str) -> Rendered {
        Rendered {
            subject: "通知".into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_markdown_kind_refuses_a_message_over_its_limit_and_counts_its_size() {
        let format = Format::Markdown {
            dialect: Dialect::Wecom,
            max_bytes: 20,
        };
        let fits = within_format(format, &message("短"));
        assert!(fits.problems.is_empty());
        assert_eq!(fits.figures[0].value, 9);
        let over = within_format(format, &message("很长的一段文字"));
        assert_eq!(over.problems[0].code, "too_long");
        assert!(over.problems[0].en.contains("27 bytes"), "{:?}", over.problems);
        assert!(within_format(Format::Raw, &message(&"x".repeat(100_000)))
            .problems
            .is_empty());
    }
}
