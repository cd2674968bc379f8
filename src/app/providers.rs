//! The provider factory the dispatcher uses, and what lets a channel follow its edits.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::channels::Kind;
use crate::dispatch::ProviderFactory;
use crate::model::{Channel, ChannelKind};
use crate::providers::sandbox::{Sandbox, SandboxInbox};
use crate::providers::{Limits, Outcome, Outgoing, Provider, WirePart};
use crate::secrets::SecretStore;
use crate::store::Store;

pub(super) struct StoreInbox(pub Store);

#[async_trait]
impl SandboxInbox for StoreInbox {
    async fn deliver(&self, channel_name: &str, messages: &[Outgoing]) -> std::result::Result<Vec<i64>, String> {
        self.0
            .insert_sandbox_messages(channel_name, messages)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Builds each channel's provider from its kind, settings and secrets.
pub(super) struct Providers {
    pub store: Store,
    pub secrets: Arc<dyn SecretStore>,
    pub inbox: Arc<dyn SandboxInbox>,
}

#[async_trait]
impl ProviderFactory for Providers {
    async fn build(&self, channel: &Channel) -> std::result::Result<Arc<dyn Provider>, String> {
        if let Some(kind) = super::kinds::described(channel.kind) {
            let fresh = Fresh {
                store: self.store.clone(),
                secrets: self.secrets.clone(),
                kind,
                channel: channel.clone(),
                current: Mutex::new(None),
            };
            fresh.current().await?;
            return Ok(Arc::new(fresh));
        }
        match channel.kind {
            ChannelKind::SANDBOX => Ok(Arc::new(Sandbox::new(channel.name.clone(), self.inbox.clone()))),
            other => Err(format!(
                "this version of Herald cannot send through {} channels yet",
                other.as_str()
            )),
        }
    }
}

/// A described kind's provider that checks before each batch whether its channel was edited
/// since it was built (`updated_at` moved on), and if so builds itself again from the stored
/// settings.
///
/// The supervisor restarts an edited channel's worker too, but only at its next look, a
/// fraction of a second later; a batch claimed in between would otherwise still go out with
/// the old URL or, worse, be signed with a secret the receiver has just stopped accepting.
/// The check is one primary-key read per batch.
struct Fresh {
    store: Store,
    secrets: Arc<dyn SecretStore>,
    kind: &'static dyn Kind,
    channel: Channel,
    /// The provider, and the `updated_at` it was built from.
    current: Mutex<Option<(String, Arc<dyn Provider>)>>,
}

impl Fresh {
    fn cached(&self) -> Option<(String, Arc<dyn Provider>)> {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The provider for the channel's configuration as stored now.
    async fn current(&self) -> std::result::Result<Arc<dyn Provider>, String> {
        let version = self
            .store
            .channel_version(self.channel.id)
            .await
            .map_err(|e| e.to_string())?;
        if let Some((built_from, provider)) = self.cached() {
            if built_from == version {
                return Ok(provider);
            }
        }
        let (values, updated_at) =
            super::kinds::stored_values_at(&self.store, self.secrets.as_ref(), self.kind, self.channel.id)
                .await
                .map_err(|e| e.to_string())?;
        let provider = self
            .kind
            .build(&self.channel.name, &values)
            .map_err(|e| e.to_string())?;
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((updated_at, provider.clone()));
        Ok(provider)
    }
}

#[async_trait]
impl Provider for Fresh {
    fn kind(&self) -> ChannelKind {
        self.channel.kind
    }

    /// Those it was first built with: the worker sizes its claims and rate windows once, and
    /// is restarted by the supervisor when they change.
    fn limits(&self) -> Limits {
        self.cached()
            .map(|(_, p)| p.limits())
            .expect("built before it is handed out")
    }

    fn preview(&self, message: &Outgoing) -> Result<Vec<WirePart>, String> {
        let (_, provider) = self.cached().ok_or("the channel's provider is not built")?;
        provider.preview(message)
    }

    async fn send(&self, batch: &[Outgoing]) -> Vec<Outcome> {
        match self.current().await {
            Ok(provider) => provider.send(batch).await,
            // Sending with the settings the channel no longer has would be worse than waiting.
            Err(reason) => batch
                .iter()
                .map(|_| Outcome::Retry {
                    after: None,
                    reason: format!("the channel's settings cannot be used: {reason}"),
                    code: None,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::{App, AppConfig};

    #[tokio::test]
    async fn a_built_webhook_follows_an_edit_from_its_next_batch() {
        let (old, new) = (MockServer::start().await, MockServer::start().await);
        for server in [&old, &new] {
            Mock::given(wiremock::matchers::any())
                .respond_with(ResponseTemplate::new(200))
                .mount(server)
                .await;
        }
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(AppConfig {
            data_dir: dir.path().to_owned(),
            face: "test".into(),
        })
        .await
        .unwrap();
        let url = |server: &MockServer| [("url".to_owned(), server.uri())].into_iter().collect();
        let channel = app.add_kind_channel("webhook", "hook", url(&old), None).await.unwrap();
        let provider = app.provider_factory().build(&channel).await.unwrap();
        let message = Outgoing {
            delivery_id: 1,
            address: "a@example.org".into(),
            recipient_name: "A".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Default::default(),
            allow_unsubscribe: false,
            mentions: Default::default(),
        };
        assert!(matches!(
            provider.send(std::slice::from_ref(&message)).await[0],
            Outcome::Sent { .. }
        ));
        app.update_kind_channel("hook", url(&new), None).await.unwrap();
        assert!(matches!(provider.send(&[message]).await[0], Outcome::Sent { .. }));
        assert_eq!(old.received_requests().await.unwrap().len(), 1);
        assert_eq!(new.received_requests().await.unwrap().len(), 1);
    }
}
