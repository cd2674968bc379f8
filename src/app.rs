//! The handle both faces hold: opens the data directory and store, prepares first start,
//! and offers every operation the CLI and the desktop app expose, so neither holds logic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audience::Audience;
use crate::audit::{self, Actor};
use crate::compose::{self, ComposeError};
use crate::dispatch::{DispatchOptions, DispatchReport, Dispatcher, DispatcherLock, ProgressSink, ProviderFactory};
use crate::model::*;
use crate::secrets::{self, SecretStore};
use crate::store::{AudienceFilter, NoticeRecord, RetryScope, Store};
use crate::{clock, demo, outbox, report, Error, Result};

mod after_send;
mod attachments;
mod audience;
mod channels;
mod check;
mod contacts;
mod drafts;
mod import;
mod kinds;
mod notice_variables;
mod preview;
mod providers;
mod reuse;
mod settings;
mod templates;
mod test_send;
mod unsubscribe;
mod versions;
pub use after_send::{reminder_text, AfterSendError};
pub use kinds::read_setting_file;
pub use settings::{SettingChange, DEFAULT_CONFIRM_ABOVE};
pub use templates::BUILTIN_TEMPLATES;
pub use test_send::TestSendError;
pub use unsubscribe::addresses_in;

use providers::{Providers, StoreInbox};

/// The name of the sandbox channel every data directory starts with.
pub const SANDBOX_CHANNEL: &str = "sandbox";
/// Priority of urgent notices (claimed before everything else).
pub const URGENT_PRIORITY: i32 = 10;

/// Where Herald keeps its data and who is using it.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// `cli` or `desktop`: recorded in the audit log and the dispatcher lock.
    pub face: String,
}

impl AppConfig {
    /// The data directory from (in order) `data_dir`, `HERALD_DATA_DIR`, or the OS data
    /// directory (`~/.local/share/herald` on Linux).
    pub fn resolve(data_dir: Option<PathBuf>, face: &str) -> Result<AppConfig> {
        let data_dir = data_dir
            .or_else(|| {
                std::env::var_os("HERALD_DATA_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| dirs::data_dir().map(|d| d.join("herald")))
            .ok_or_else(|| Error::Invalid("no data directory: set HERALD_DATA_DIR or pass --data-dir".into()))?;
        Ok(AppConfig {
            data_dir,
            face: face.to_owned(),
        })
    }
}

/// An open Herald data directory.
pub struct App {
    config: AppConfig,
    store: Store,
    actor: Actor,
    secrets: Arc<dyn SecretStore>,
    secrets_location: SecretsLocation,
    /// Bumped when this process queues work, so its dispatcher looks at once.
    wake: watch::Sender<u64>,
}

/// A dispatcher running in this process; stop it with [`DispatcherHandle::stop`].
pub struct DispatcherHandle {
    stop: watch::Sender<bool>,
    join: JoinHandle<Result<DispatchReport>>,
}

impl DispatcherHandle {
    /// Asks the dispatcher to stop after its current batch, and waits for it.
    pub async fn stop(self) -> Result<DispatchReport> {
        let _ = self.stop.send(true);
        self.join
            .await
            .map_err(|e| Error::Invalid(format!("the dispatcher stopped abnormally: {e}")))?
    }

    /// Whether it is still running.
    pub fn is_running(&self) -> bool {
        !self.join.is_finished()
    }
}

/// Today in Beijing time, what `{{ date }}` renders as in a preview or a notice sent now.
fn today() -> String {
    compose::variables::date_of(clock::now())
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A typed-in field that must stay on one line (a name, a department: they reach mail headers
/// and one-line lists), line breaks and control characters made spaces, or `None`.
fn one_line(s: Option<String>) -> Option<String> {
    s.map(|v| crate::text::single_line(&v)).filter(|v| !v.is_empty())
}

impl App {
    /// Opens (creating on first start) the data directory and its database; a new one gets
    /// the sandbox channel.
    pub async fn open(config: AppConfig) -> Result<App> {
        // It holds contact data: the user's alone (0700), also when an older version made it.
        crate::private::dir(&config.data_dir).map_err(|e| {
            Error::Invalid(format!(
                "cannot create the data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let store = Store::open(&config.data_dir.join("herald.db")).await?;
        let actor = Actor::current(&config.face);
        // The keyring probe blocks (D-Bus, perhaps an unlock prompt): not on a runtime thread.
        let dir = config.data_dir.clone();
        let (secrets, secrets_location) = tokio::task::spawn_blocking(move || secrets::open_store(&dir))
            .await
            .map_err(|e| Error::Invalid(format!("choosing the secret store stopped abnormally: {e}")))??;
        let app = App {
            config,
            store,
            actor,
            secrets,
            secrets_location,
            wake: watch::channel(0).0,
        };
        app.ensure_sandbox_channel().await?;
        app.ensure_builtin_templates().await?;
        // Opening must not fail over this: the move is tried again at the next start.
        if let Err(e) = app.move_credential_headers_out().await {
            tracing::warn!("cannot move credential headers to the secret store yet: {e}");
        }
        Ok(app)
    }

    async fn ensure_sandbox_channel(&self) -> Result<()> {
        if self.store.find_channel_by_name(SANDBOX_CHANNEL).await?.is_none() {
            match self
                .store
                .insert_channel(SANDBOX_CHANNEL, ChannelKind::SANDBOX, &serde_json::json!({}))
                .await
            {
                // Another process opening the same new directory made it first.
                Ok(_) | Err(crate::store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The store for one change, audited in the change's own transaction.
    pub(crate) fn audited(&self, action: &str, entity: &str, id: Option<i64>, detail: serde_json::Value) -> Store {
        self.store
            .audited(audit::entry(&self.actor, action, entity, id, detail))
    }

    /// The store, for reports and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// Facts for Settings and first start. `running_here`: this process dispatches.
    pub async fn info(&self, running_here: bool) -> Result<AppInfo> {
        let offer_demo = self.store.count_contacts().await? == 0;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.config.data_dir.display().to_string(),
            database_path: self.store.path().display().to_string(),
            dispatcher: DispatcherStatus {
                running_here,
                other_holder: if running_here {
                    None
                } else {
                    DispatcherLock::holder(&self.config.data_dir)
                },
            },
            offer_demo,
            secrets: self.secrets_location.clone(),
        })
    }

    // ----- contacts -----

    /// Loads the built-in demo contacts.
    pub async fn load_demo(&self) -> Result<DemoLoadResult> {
        let entry = audit::entry(&self.actor, "demo.load", "contact", None, serde_json::json!({}));
        let r = demo::load(&self.store, entry).await?;
        Ok(r)
    }

    // ----- channels -----

    /// Every channel.
    pub async fn list_channels(&self) -> Result<Vec<Channel>> {
        Ok(self.store.list_channels().await?)
    }

    /// The channel with this name, or a clear error.
    pub async fn channel_by_name(&self, name: &str) -> Result<Channel> {
        self.store
            .find_channel_by_name(name)
            .await?
            .ok_or_else(|| Error::Invalid(format!("there is no channel named {name}")))
    }

    // ----- notices -----

    /// Checks a notice's fields, audience, channels and templates.
    async fn check_notice(
        &self,
        input: &NewNotice,
    ) -> Result<(Audience, AudienceFilter, String, versions::CheckedVersions)> {
        if input.title.trim().is_empty() {
            return Err(ComposeError::Empty { field: "title" }.into());
        }
        if input.body.trim().is_empty() {
            return Err(ComposeError::Empty { field: "body" }.into());
        }
        // What was written first, then where it goes: Compose's steps in order, so the
        // first problem is the one of the earliest step.
        let subject = trimmed(input.subject.clone()).unwrap_or_else(|| input.title.trim().to_owned());
        let attributes = self.store.list_attribute_names().await?;
        let values = input.values.clone().unwrap_or_default();
        compose::check_values(&values, &attributes)?;
        compose::check_template("subject", &subject, &values, &attributes, None)?;
        compose::check_template("body", &input.body, &values, &attributes, None)?;
        let written = NewNotice {
            channel_versions: None,
            ..input.clone()
        };
        versions::check(&versions::tidy(&written, &[])?, &[], &values, &attributes, None)?;
        let (audience, filter) = self.check_audience(input.audience.as_deref().unwrap_or("all")).await?;
        if input.channel_ids.is_empty() {
            return Err(ComposeError::NoChannels.into());
        }
        let mut chosen = Vec::new();
        for id in &input.channel_ids {
            let c = self.store.get_channel(*id).await?;
            if !c.enabled {
                return Err(ComposeError::ChannelDisabled { channel: c.name }.into());
            }
            chosen.push(c);
        }
        let groups: Vec<&Channel> = chosen.iter().filter(|c| crate::channels::is_group(c.kind)).collect();
        let checked = versions::tidy(input, &chosen)?;
        // Every group posts the subject; the body only where the group has no version of its own.
        let group = groups.first().map(|g| g.name.as_str());
        let body_group = groups
            .iter()
            .find(|g| !checked.channel_versions.iter().any(|v| v.channel_id == g.id))
            .map(|g| g.name.as_str());
        compose::check_template("subject", &subject, &values, &attributes, group)?;
        compose::check_template("body", &input.body, &values, &attributes, body_group)?;
        versions::check(&checked, &chosen, &values, &attributes, body_group)?;
        // A group's one message is the same for everyone (notice values and the date at
        // most), so its size is known now: refuse it here rather than fail it at sending.
        let texts = compose::Texts {
            subject: &subject,
            body: &input.body,
            english: checked.english.as_ref(),
            versions: &checked.channel_versions,
            values: &values,
        };
        versions::check_group_sizes(&texts, &groups, &today())?;
        Ok((audience, filter, subject, checked))
    }

    /// Stores a new draft notice.
    pub async fn create_notice(&self, input: NewNotice) -> Result<Notice> {
        let (audience, _, subject, checked) = self.check_notice(&input).await?;
        let kept = attachments::keep(&self.config.data_dir, input.attachments.as_deref().unwrap_or_default())?;
        let inserted = self
            .audited(
                "notice.create",
                "notice",
                None,
                serde_json::json!({"title": input.title.trim()}),
            )
            .insert_notice(&NoticeRecord {
                title: input.title.trim(),
                subject: &subject,
                body: &input.body,
                audience: &audience.to_spec(),
                channel_ids: &input.channel_ids,
                channel_strategy: input.channel_strategy.unwrap_or_default(),
                priority: if input.urgent.unwrap_or(false) {
                    URGENT_PRIORITY
                } else {
                    0
                },
                created_by: self.actor.as_str(),
                attachments: &kept,
                allow_unsubscribe: input.allow_unsubscribe.unwrap_or(false),
                values: &input.values.clone().unwrap_or_default(),
                english: checked.english.as_ref(),
                channel_versions: &checked.channel_versions,
            })
            .await;
        let notice = match inserted {
            Ok(n) => n,
            Err(e) => {
                attachments::discard(&self.config.data_dir, &kept);
                return Err(e.into());
            }
        };
        Ok(self.described(vec![notice]).await?.remove(0))
    }

    /// Notices with their audiences in words (groups by their names now).
    async fn described(&self, mut notices: Vec<Notice>) -> Result<Vec<Notice>> {
        let groups = crate::audience::Groups::load(&self.store).await?;
        for n in &mut notices {
            n.audience_text = match Audience::parse(&n.audience) {
                Ok(a) => a.write(|g| groups.name_of(g)),
                Err(_) => n.audience.clone(),
            };
        }
        Ok(notices)
    }

    /// The notice as it is being written, for the first person of its audience (of everyone
    /// while none is chosen), as an e-mail would show it: Compose's live preview. Only what was
    /// written is checked; the channels come later.
    pub async fn preview_notice(&self, input: &NewNotice) -> Result<Preview> {
        let subject = trimmed(input.subject.clone()).unwrap_or_else(|| input.title.trim().to_owned());
        let attributes = self.store.list_attribute_names().await?;
        let values = input.values.clone().unwrap_or_default();
        compose::check_values(&values, &attributes)?;
        for (field, source) in [("subject", subject.as_str()), ("body", input.body.as_str())] {
            compose::check_template(field, source, &values, &attributes, None)?;
        }
        let spec = input.audience.as_deref().map(str::trim).filter(|a| !a.is_empty());
        let (_, filter) = self.check_audience(spec.unwrap_or("all")).await?;
        let (first, audience_size) = self.store.audience_sample(&filter).await?;
        let (contact_name, vars) = first.ok_or(crate::audience::AudienceError::Empty)?;
        // Values Markdown-escaped, as every kind that reads Markdown gets them.
        let r =
            compose::CompiledNotice::with_values(&subject, &input.body, &values, &today())?.render_as(&vars, true)?;
        let email = compose::email::render(&r.body, &r.subject, None);
        Ok(Preview {
            contact_name,
            subject: r.subject,
            body: r.body,
            html: email.html,
            text: email.text,
            audience_size,
        })
    }

    /// Every notice, newest first.
    pub async fn list_notices(&self) -> Result<Vec<Notice>> {
        self.described(self.store.list_notices().await?).await
    }

    /// A notice by id.
    pub async fn get_notice(&self, id: i64) -> Result<Notice> {
        Ok(self.described(vec![self.store.get_notice(id).await?]).await?.remove(0))
    }

    /// Sends a draft notice now: a run is created, its audience resolved into the outbox,
    /// and the dispatcher woken. Returns the run.
    pub async fn send_notice(&self, notice_id: i64) -> Result<RunSummary> {
        let notice = self.store.get_notice(notice_id).await?;
        let already_sent = || {
            Error::Invalid(format!(
                "notice {notice_id} has already been sent; a sent notice does not change. Create a new notice to send it again."
            ))
        };
        if notice.status != NoticeStatus::Draft {
            return Err(already_sent());
        }
        // A draft may have been saved incomplete: all of Compose's checks again, then the
        // whole audience: nobody gets a broken message unless left out on purpose.
        self.check_stored(&notice).await?;
        self.refuse_broken(&notice).await?;
        // Claimed atomically: of two sends of one draft at once, one makes the run.
        // The run is audited as it starts (the fan-out after it takes many transactions; the
        // run itself then says how many deliveries it made).
        let run_id = self
            .audited("notice.send", "run", None, serde_json::json!({"notice": notice_id}))
            .start_run(notice_id, notice.priority, self.actor.as_str())
            .await?
            .ok_or_else(already_sent)?;
        outbox::fan_out(&self.store, run_id, &notice).await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_run_summary(run_id).await?)
    }

    // ----- control -----

    /// Pauses a sending run.
    pub async fn pause_run(&self, run_id: i64) -> Result<RunSummary> {
        let store = self.audited("run.pause", "run", Some(run_id), serde_json::json!({}));
        if !store.pause_run(run_id).await? {
            return Err(Error::Invalid(format!(
                "run {run_id} is not sending, so it cannot be paused"
            )));
        }
        Ok(self.store.get_run_summary(run_id).await?)
    }

    /// Resumes a paused run.
    pub async fn resume_run(&self, run_id: i64) -> Result<RunSummary> {
        let store = self.audited("run.resume", "run", Some(run_id), serde_json::json!({}));
        if !store.resume_run(run_id).await? {
            return Err(Error::Invalid(format!("run {run_id} is not paused")));
        }
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_run_summary(run_id).await?)
    }

    /// Cancels what a run has not sent yet.
    pub async fn cancel_run(&self, run_id: i64) -> Result<RunSummary> {
        self.audited("run.cancel", "run", Some(run_id), serde_json::json!({}))
            .cancel_run(run_id)
            .await?;
        Ok(self.store.get_run_summary(run_id).await?)
    }

    /// Queues failed deliveries again (one, a run's, or a channel's); returns how many.
    pub async fn retry_failed(&self, scope: RetryScope) -> Result<u64> {
        let (entity, id) = match scope {
            RetryScope::Delivery(id) => ("delivery", id),
            RetryScope::Run(id) => ("run", id),
            RetryScope::Channel(id) => ("channel", id),
        };
        let n = self
            .audited("delivery.retry", entity, Some(id), serde_json::json!({}))
            .retry_failed(scope)
            .await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(n)
    }

    /// Pauses a channel by hand.
    pub async fn pause_channel(&self, name: &str) -> Result<Channel> {
        let c = self.channel_by_name(name).await?;
        self.audited(
            "channel.pause",
            "channel",
            Some(c.id),
            serde_json::json!({"name": name}),
        )
        .set_channel_paused(c.id, true, Some("paused by hand"))
        .await?;
        Ok(self.store.get_channel(c.id).await?)
    }

    /// Resumes a paused channel (also one that paused itself).
    pub async fn resume_channel(&self, name: &str) -> Result<Channel> {
        let c = self.channel_by_name(name).await?;
        self.audited(
            "channel.resume",
            "channel",
            Some(c.id),
            serde_json::json!({"name": name}),
        )
        .set_channel_paused(c.id, false, None)
        .await?;
        self.wake.send_modify(|n| *n += 1);
        Ok(self.store.get_channel(c.id).await?)
    }

    // ----- history -----

    /// The newest runs.
    pub async fn list_runs(&self, limit: i64) -> Result<Vec<RunSummary>> {
        report::list_runs(&self.store, limit).await
    }

    /// A run with every delivery and attempt.
    pub async fn run_detail(&self, run_id: i64) -> Result<RunDetail> {
        let mut detail = report::run_detail(&self.store, run_id).await?;
        detail.after_send = self.run_after_send(run_id).await?;
        Ok(detail)
    }

    /// The dashboard's figures.
    pub async fn dashboard(&self) -> Result<DashboardStats> {
        report::dashboard(&self.store).await
    }

    /// The newest messages in the sandbox inbox.
    pub async fn sandbox_messages(&self, limit: i64) -> Result<Vec<SandboxMessage>> {
        let mut messages = self.store.list_sandbox_messages(limit.clamp(1, 10_000)).await?;
        for m in &mut messages {
            m.html = compose::email::render(&m.body, &m.subject, None).html;
        }
        Ok(messages)
    }

    /// Remembers the interface language.
    pub async fn set_language(&self, language: &str) -> Result<()> {
        if !matches!(language, "zh-CN" | "en") {
            return Err(Error::Invalid(format!("unknown language {language}: use zh-CN or en")));
        }
        Ok(self.store.set_setting("language", language).await?)
    }

    // ----- dispatch -----

    fn provider_factory(&self) -> Arc<dyn ProviderFactory> {
        Arc::new(Providers {
            store: self.store.clone(),
            secrets: self.secrets.clone(),
            inbox: Arc::new(StoreInbox(self.store.clone())),
        })
    }

    fn lock_holder_name(&self) -> String {
        let program = if self.config.face == "desktop" {
            "the Herald desktop app"
        } else {
            "herald dispatch"
        };
        format!("{program} (pid {})", std::process::id())
    }

    /// Finishes fan-outs that a stopped process left half done (idempotent).
    async fn resume_fan_outs(&self) -> Result<()> {
        let before = clock::fmt(clock::now() - chrono::Duration::minutes(1));
        for run_id in self.store.list_unfinished_fan_outs(&before).await? {
            // A test run goes to the user alone: finished with what it has, never fanned out
            // to the notice's audience.
            if self.store.is_test_run(run_id).await? {
                self.store.finish_fan_out(run_id).await?;
                continue;
            }
            let notice = self.store.notice_for_run(run_id).await?;
            outbox::fan_out(&self.store, run_id, &notice).await?;
        }
        Ok(())
    }

    /// Takes the dispatcher lock and dispatches in this task until done (CLI).
    pub async fn dispatch(
        &self,
        options: DispatchOptions,
        sink: Arc<dyn ProgressSink>,
        stop: watch::Receiver<bool>,
    ) -> Result<DispatchReport> {
        let _lock = DispatcherLock::acquire(&self.config.data_dir, &self.lock_holder_name())?;
        self.resume_fan_outs().await?;
        Dispatcher::new(
            self.store.clone(),
            self.provider_factory(),
            options,
            sink,
            self.wake.subscribe(),
            stop,
        )
        .run()
        .await
    }

    /// Takes the dispatcher lock and starts dispatching in the background (desktop app).
    pub async fn start_dispatcher(
        &self,
        options: DispatchOptions,
        sink: Arc<dyn ProgressSink>,
    ) -> Result<DispatcherHandle> {
        let lock = DispatcherLock::acquire(&self.config.data_dir, &self.lock_holder_name())?;
        self.resume_fan_outs().await?;
        let (stop, stop_rx) = watch::channel(false);
        let (store, factory, wake) = (self.store.clone(), self.provider_factory(), self.wake.clone());
        let join = tokio::spawn(async move {
            // The app sends for as long as it runs: a failure of the dispatcher (a full disk, a
            // damaged row) is logged and it starts again, while the lock stays with us.
            let result = loop {
                let dispatcher = Dispatcher::new(
                    store.clone(),
                    factory.clone(),
                    options.clone(),
                    sink.clone(),
                    wake.subscribe(),
                    stop_rx.clone(),
                );
                match dispatcher.run().await {
                    Ok(report) => break Ok(report),
                    Err(e) => {
                        tracing::error!("the dispatcher stopped: {e}; starting it again in 5 s");
                        let mut stop_rx = stop_rx.clone();
                        tokio::select! {
                            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                            _ = stop_rx.changed() => {}
                        }
                        if *stop_rx.borrow() {
                            break Err(e);
                        }
                    }
                }
            };
            drop(lock);
            result
        });
        Ok(DispatcherHandle { stop, join })
    }
}
