//! Why a notice is not sent, or its audience not changed, after its check.

use thiserror::Error;

/// A refusal of the whole-audience check.
#[derive(Debug, Error, PartialEq)]
pub enum NoticeCheckError {
    /// Some people would get a broken message: nothing is queued.
    #[error("{people} people would get a broken message ({messages} messages), among them {first}: fix their contacts or the notice, or leave them out of its audience on purpose (herald notices leave-out {notice_id} --broken), then send again")]
    BrokenRecipients {
        notice_id: i64,
        people: i64,
        messages: i64,
        /// The first few, by name and 学号/工号.
        first: String,
    },
    /// The one message into a group chat would be broken: leaving people out cannot mend it.
    #[error("the message to the group chat {channel} would be broken: {reason}; change the notice")]
    BrokenGroup { channel: String, reason: String },
    #[error("notice {notice_id} is not a draft, so its audience no longer changes")]
    NotADraft { notice_id: i64 },
    #[error("no one to leave out: name contacts, or leave out those with a broken message when there are some")]
    NothingToLeaveOut,
}

impl NoticeCheckError {
    /// The stable code a UI maps to its own words.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeCheckError::BrokenRecipients { .. } => "broken_recipients",
            NoticeCheckError::BrokenGroup { .. } => "broken_group_message",
            NoticeCheckError::NotADraft { .. } => "not_a_draft",
            NoticeCheckError::NothingToLeaveOut => "nothing_to_leave_out",
        }
    }

    /// The field of the notice it is about.
    pub fn field(&self) -> &'static str {
        match self {
            NoticeCheckError::BrokenGroup { .. } => "body",
            _ => "audience",
        }
    }

    /// The values a UI fills into its text.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("field", self.field().to_owned())];
        match self {
            NoticeCheckError::BrokenRecipients {
                notice_id,
                people,
                messages,
                first,
            } => params.extend([
                ("noticeId", notice_id.to_string()),
                ("people", people.to_string()),
                ("messages", messages.to_string()),
                ("first", first.clone()),
            ]),
            NoticeCheckError::BrokenGroup { channel, reason } => {
                params.extend([("channel", channel.clone()), ("reason", reason.clone())])
            }
            NoticeCheckError::NotADraft { notice_id } => params.push(("noticeId", notice_id.to_string())),
            NoticeCheckError::NothingToLeaveOut => {}
        }
        params
    }
}
