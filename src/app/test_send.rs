//! 发给我自己试试: a draft sent exactly as it would go (the same rendering, the notice's
//! values) to the user's own contact alone, on each of its channels where they have an
//! address. The run is marked `test`: history shows it as a test, and the notice stays a draft.

use super::{App, URGENT_PRIORITY};
use crate::channels::is_group;
use crate::model::{MeContact, NoticeStatus, TestChannelOutcome, TestChannelResult, TestSendResult};
use crate::{outbox, Result};

/// Why a test cannot be sent; `code()` is stable, the text is English (the UI has its own).
#[derive(Debug, thiserror::Error)]
pub enum TestSendError {
    #[error(
        "me: who you are is not set, so a test has nowhere to go; pick your own contact in Settings (我), or: herald settings set me 学号"
    )]
    MeNotSet,
    #[error("notice {notice_id} has already been sent; a test is for a draft")]
    NotADraft { notice_id: i64 },
    #[error(
        "me: {name} cannot get notice {notice_id} on any of its channels ({reasons}); add your address for one of them to your contact"
    )]
    MeUnreachable {
        notice_id: i64,
        name: String,
        reasons: String,
    },
}

impl TestSendError {
    /// A stable code UIs map to their own words.
    pub fn code(&self) -> &'static str {
        match self {
            TestSendError::MeNotSet => "test_me_not_set",
            TestSendError::NotADraft { .. } => "test_not_draft",
            TestSendError::MeUnreachable { .. } => "test_me_unreachable",
        }
    }

    /// The values a UI fills into its text.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            TestSendError::MeNotSet => vec![("field", "me".into())],
            TestSendError::NotADraft { notice_id } => {
                vec![("field", "notice".into()), ("noticeId", notice_id.to_string())]
            }
            TestSendError::MeUnreachable { name, reasons, .. } => vec![
                ("field", "me".into()),
                ("name", name.clone()),
                ("reasons", reasons.clone()),
            ],
        }
    }
}

impl App {
    /// Sends draft `notice_id` to the user's own contact (Settings' “me”) alone. A group chat
    /// (a robot) is skipped: its one message would reach the whole group. Refused when me is
    /// not set, or can get it on none of the channels. Audited as `notice.test`.
    pub async fn send_test(&self, notice_id: i64) -> Result<TestSendResult> {
        let notice = self.get_notice(notice_id).await?;
        if notice.status != NoticeStatus::Draft {
            return Err(TestSendError::NotADraft { notice_id }.into());
        }
        let me: MeContact = self.user_settings().await?.me.ok_or(TestSendError::MeNotSet)?;
        let key = format!("#{}", me.id);
        let mut results = Vec::new();
        let mut to_send = Vec::new();
        for &channel_id in &notice.channel_ids {
            let channel = self.store.get_channel(channel_id).await?;
            let mut result = TestChannelResult {
                channel_id,
                channel_name: channel.name.clone(),
                kind: channel.kind.as_str().to_owned(),
                outcome: TestChannelOutcome::Skipped,
                address: None,
                problem_code: None,
                reason: None,
            };
            if is_group(channel.kind) {
                result.outcome = TestChannelOutcome::SkippedGroup;
                result.reason = Some(format!(
                    "{} is a group chat: its message reaches the whole group, so no test is sent there",
                    channel.name
                ));
            } else {
                // The preview is the message as it goes: what it finds wrong, the send would too.
                let preview = self.preview_delivery(notice_id, Some(&key), &channel.name).await?;
                match preview.problem {
                    Some(problem) => {
                        result.problem_code = Some(problem.code);
                        result.reason = Some(problem.reason);
                    }
                    None => {
                        result.outcome = TestChannelOutcome::Queued;
                        result.address = preview.address;
                        to_send.push(channel);
                    }
                }
            }
            results.push(result);
        }
        if to_send.is_empty() {
            let reasons = results
                .iter()
                .filter_map(|r| r.reason.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(TestSendError::MeUnreachable {
                notice_id,
                name: me.name.clone(),
                reasons,
            }
            .into());
        }
        let run_id = self
            .audited(
                "notice.test",
                "run",
                None,
                serde_json::json!({"notice": notice_id, "contact": me.id}),
            )
            .insert_test_run(notice_id, URGENT_PRIORITY, self.actor.as_str())
            .await?;
        // Urgent: a test should not wait behind a large run.
        outbox::fanout::fan_out_test(&self.store, run_id, &notice, me.id, &to_send, URGENT_PRIORITY).await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(TestSendResult {
            run: self.store.get_run_summary(run_id).await?,
            me,
            channels: results,
        })
    }
}
