//! What DingTalk's two kinds (the group robot and work notifications) share: the meaning of the
//! `errcode`s every DingTalk API answers with, and a notice as a DingTalk Markdown message.
//! Each kind matches the codes whose advice is its own first, then falls back to [`classify`].

use std::time::Duration;

use crate::channels::markdown::to_dialect;
use crate::channels::Dialect;
use crate::providers::{Outcome, Outgoing};

/// How long DingTalk holds a sender that went over its rate (130101).
pub const THROTTLE: Duration = Duration::from_secs(600);
/// How long to wait when DingTalk says it is busy or limiting calls per minute.
const BUSY: Duration = Duration::from_secs(60);

/// `DingTalk said <code> <message>`, and the code as attempts store it.
pub fn said(errcode: i64, errmsg: &str) -> (String, Option<String>) {
    (
        format!("DingTalk said {errcode} {errmsg}"),
        Some(format!("dingtalk:{errcode}")),
    )
}

/// What an `errcode` means wherever DingTalk gives it the same meaning; unknown codes are tried
/// again (the attempt limit bounds it) with DingTalk's own words.
pub fn classify(errcode: i64, errmsg: &str) -> Outcome {
    let (said, code) = said(errcode, errmsg);
    match errcode {
        0 => Outcome::Sent { provider_id: None },
        130101 => Outcome::Retry {
            after: Some(THROTTLE),
            reason: format!("{said}: DingTalk holds senders that send too fast for 10 minutes"),
            code,
        },
        -1 | 143103 | 143104 | 90018 | 90006 | 90005 => Outcome::Retry {
            after: Some(BUSY),
            reason: format!("{said}: DingTalk is busy or limiting calls; Herald tries again later"),
            code,
        },
        400402 | 1430002 => Outcome::Permanent {
            reason: format!("{said}: DingTalk refused this message's content"),
            code,
            bad_address: false,
        },
        _ => Outcome::Retry {
            after: None,
            reason: said,
            code,
        },
    }
}

/// A notice as DingTalk's `markdown` message: the subject (or the body's first line) as the
/// title shown in the chat list and notification, then the subject as a heading over the body.
pub fn markdown(m: &Outgoing) -> serde_json::Value {
    let title = if m.subject.trim().is_empty() {
        m.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("通知")
    } else {
        m.subject.trim()
    };
    let title: String = title.trim_start_matches(['#', ' ']).chars().take(64).collect();
    let body = to_dialect(&m.body, Dialect::Dingtalk);
    let text = if m.subject.trim().is_empty() {
        body
    } else {
        format!("### {}\n\n{body}", m.subject.trim())
    };
    serde_json::json!({"title": title, "text": text})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_codes_have_one_meaning() {
        assert_eq!(classify(0, "ok"), Outcome::Sent { provider_id: None });
        assert!(matches!(classify(130101, "send too fast"), Outcome::Retry { after: Some(d), .. } if d == THROTTLE));
        assert!(matches!(classify(143103, "qpm"), Outcome::Retry { after: Some(d), .. } if d == BUSY));
        assert!(matches!(
            classify(1430002, "banned"),
            Outcome::Permanent { bad_address: false, .. }
        ));
        assert!(
            matches!(classify(777, "new thing"), Outcome::Retry { after: None, reason, .. } if reason.contains("new thing"))
        );
    }
}
