//! The sandbox provider: "sends" into a local inbox, so a new user can try Herald, and the
//! whole engine can be exercised, without any real service.
//!
//! Addresses ending in `.invalid` (a top-level domain reserved never to exist, RFC 2606)
//! are refused as a permanent bad-address failure, so failures can be tried as well.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Limits, Outcome, Outgoing, Provider, WireKind, WirePart};
use crate::model::ChannelKind;

/// Where sandbox messages land. The app implements it over its store; the provider does
/// not know that.
#[async_trait]
pub trait SandboxInbox: Send + Sync {
    /// Keeps a batch of messages at once; returns their ids in the inbox, in order.
    async fn deliver(&self, channel_name: &str, messages: &[Outgoing]) -> Result<Vec<i64>, String>;
}

/// A sandbox channel.
pub struct Sandbox {
    channel_name: String,
    inbox: Arc<dyn SandboxInbox>,
}

impl Sandbox {
    /// A sandbox channel named `channel_name` delivering into `inbox`.
    pub fn new(channel_name: impl Into<String>, inbox: Arc<dyn SandboxInbox>) -> Self {
        Sandbox {
            channel_name: channel_name.into(),
            inbox,
        }
    }
}

#[async_trait]
impl Provider for Sandbox {
    fn kind(&self) -> ChannelKind {
        ChannelKind::SANDBOX
    }

    fn limits(&self) -> Limits {
        Limits {
            max_batch: 500,
            per_second: None,
            per_minute: None,
            concurrency: 2_000,
        }
    }

    /// The inbox keeps the subject and the body as rendered.
    fn preview(&self, m: &Outgoing) -> Result<Vec<WirePart>, String> {
        Ok(vec![
            WirePart::new(WireKind::Subject, &m.subject),
            WirePart::new(WireKind::Markdown, &m.body),
        ])
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        let refused = |m: &Outgoing| m.address.trim_end_matches('>').ends_with(".invalid");
        let accepted: Vec<Outgoing> = batch.iter().filter(|m| !refused(m)).cloned().collect();
        let mut ids = match self.inbox.deliver(&self.channel_name, &accepted).await {
            Ok(ids) => Ok(ids.into_iter()),
            Err(reason) => Err(reason),
        };
        batch
            .iter()
            .map(|m| {
                if refused(m) {
                    return Outcome::Permanent {
                        reason: format!("no such recipient: {}", m.address),
                        code: Some("550".into()),
                        bad_address: true,
                    };
                }
                match &mut ids {
                    Ok(ids) => match ids.next() {
                        Some(id) => Outcome::Sent {
                            provider_id: Some(format!("sandbox-{id}")),
                        },
                        None => Outcome::Retry {
                            after: None,
                            reason: "the inbox kept fewer messages than it was given".into(),
                            code: None,
                        },
                    },
                    Err(reason) => Outcome::Retry {
                        after: None,
                        reason: reason.clone(),
                        code: None,
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct MemInbox(Mutex<Vec<String>>);

    #[async_trait]
    impl SandboxInbox for MemInbox {
        async fn deliver(&self, _channel: &str, batch: &[Outgoing]) -> Result<Vec<i64>, String> {
            let mut v = self.0.lock().unwrap();
            Ok(batch
                .iter()
                .map(|m| {
                    v.push(m.address.clone());
                    v.len() as i64
                })
                .collect())
        }
    }

    fn msg(id: i64, address: &str) -> Outgoing {
        Outgoing {
            delivery_id: id,
            address: address.into(),
            recipient_name: "x".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        }
    }

    #[tokio::test]
    async fn delivers_each_message_and_refuses_invalid_domains() {
        let inbox = Arc::new(MemInbox::default());
        let sandbox = Sandbox::new("sandbox", inbox.clone());
        let out = sandbox
            .send(&[msg(1, "a@example.edu.cn"), msg(2, "b@nowhere.invalid")])
            .await;
        assert_eq!(
            out[0],
            Outcome::Sent {
                provider_id: Some("sandbox-1".into())
            }
        );
        assert!(matches!(out[1], Outcome::Permanent { bad_address: true, .. }));
        assert_eq!(inbox.0.lock().unwrap().as_slice(), ["a@example.edu.cn"]);
    }
}
