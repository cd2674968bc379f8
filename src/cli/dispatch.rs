//! `herald dispatch`, `herald runs …`, `herald history`.

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};

use super::args::{DispatchArgs, HistoryArgs, RunsCmd};
use super::output::{cut, emit};
use crate::dispatch::{DispatchOptions, NoProgress, ProgressSink};
use crate::model::{AfterSendNote, RecallOutlook, RunDetail, RunProgress, RunSummary};
use crate::store::RetryScope;
use crate::App;

/// Draws one bar for the run being sent (the newest one reporting).
struct BarSink {
    bar: ProgressBar,
    run: Mutex<Option<i64>>,
}

impl ProgressSink for BarSink {
    fn run_progress(&self, p: &RunProgress) {
        let mut current = self.run.lock().unwrap_or_else(|e| e.into_inner());
        if *current != Some(p.run.id) {
            *current = Some(p.run.id);
            self.bar.reset();
            self.bar.set_length(p.run.total as u64);
        }
        self.bar
            .set_position((p.run.sent + p.run.failed + p.run.cancelled) as u64);
        self.bar.set_message(format!(
            "run {} «{}»: {} sent, {} failed, {} retrying, {:.0}/s",
            p.run.id,
            cut(&p.run.notice_title, 20),
            p.run.sent,
            p.run.failed,
            p.run.retrying,
            p.rate_per_sec
        ));
    }
}

fn progress_sink(quiet: bool, json: bool) -> (Arc<dyn ProgressSink>, Option<ProgressBar>) {
    if quiet || json {
        return (Arc::new(NoProgress), None);
    }
    // indicatif draws nothing when stderr is not a terminal, so scripts get clean output.
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    (
        Arc::new(BarSink {
            bar: bar.clone(),
            run: Mutex::new(None),
        }),
        Some(bar),
    )
}

/// Dispatches until nothing is left (for `notices send --wait`).
pub async fn dispatch_until_idle(app: &App, json: bool) -> anyhow::Result<()> {
    let (sink, bar) = progress_sink(false, json);
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    app.dispatch(
        DispatchOptions {
            until_idle: true,
            ..Default::default()
        },
        sink,
        stop_rx,
    )
    .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    left_on_stopped_channels(app, None).await
}

/// Fails, naming each channel and what to do, when deliveries wait on a paused or disabled
/// channel: "until idle" must not read as "all sent" while some wait for a person to act.
async fn left_on_stopped_channels(app: &App, only: Option<&str>) -> anyhow::Result<()> {
    let waiting: Vec<_> = app
        .store()
        .waiting_on_stopped_channels()
        .await?
        .into_iter()
        .filter(|(name, _, _)| only.is_none_or(|o| o == name))
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = waiting
        .iter()
        .map(|(name, reason, n)| {
            format!(
                "{n} deliveries wait on channel {name}, which is paused ({}): fix it, then `herald channels resume {name}`",
                reason.as_deref().unwrap_or("disabled")
            )
        })
        .collect();
    anyhow::bail!(
        "nothing more can be sent now, but not everything was sent:\n  {}",
        lines.join("\n  ")
    )
}

/// Sets `stop` on Ctrl-C or SIGTERM (a service manager's stop, `kill`): the dispatcher then
/// claims nothing more and finishes what is in flight, so nothing is left half-sent.
fn stop_on_signals(stop: tokio::sync::watch::Sender<bool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("stopping: finishing what is in flight");
        let _ = stop.send(true);
    });
}

pub async fn run(app: &App, args: DispatchArgs, json: bool) -> anyhow::Result<()> {
    let (sink, bar) = progress_sink(args.quiet, json);
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    // Ctrl-C or SIGTERM finishes what is in flight and stops; what is left stays queued.
    stop_on_signals(stop);
    let mut options = DispatchOptions {
        until_idle: args.until_idle,
        channel: args.channel.clone(),
        ..Default::default()
    };
    if let Some(secs) = args.lease_secs {
        options.lease = std::time::Duration::from_secs(secs.max(1));
    }
    let report = app.dispatch(options, sink, stop_rx).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    emit(json, &report, || {
        println!(
            "sent {}, failed {}, to retry {}",
            report.sent, report.failed, report.retried
        );
        if report.recovered > 0 {
            println!(
                "{} deliveries left mid-send by a stopped dispatcher were queued again",
                report.recovered
            );
        }
    })?;
    if args.until_idle {
        left_on_stopped_channels(app, args.channel.as_deref()).await?;
    }
    Ok(())
}

fn print_runs(runs: &[RunSummary]) {
    println!(
        "{:>5}  {:<11}  {:>6}  {:>6}  {:>6}  {:>7}  {:<24}  NOTICE",
        "RUN", "STATUS", "TOTAL", "SENT", "FAILED", "WAITING", "CREATED"
    );
    for r in runs {
        println!(
            "{:>5}  {:<11}  {:>6}  {:>6}  {:>6}  {:>7}  {:<24}  {}",
            r.id,
            format!("{:?}", r.status).to_lowercase(),
            r.total,
            r.sent,
            r.failed,
            r.waiting + r.retrying,
            r.created_at,
            if r.test {
                format!("[test] {}", cut(&r.notice_title, 40))
            } else {
                cut(&r.notice_title, 40)
            }
        );
    }
    if runs.is_empty() {
        println!("nothing has been sent yet");
    }
}

fn print_detail(d: &RunDetail) {
    let r = &d.run;
    println!(
        "run {} of notice {} «{}»: {:?}",
        r.id, r.notice_id, r.notice_title, r.status
    );
    println!(
        "{} deliveries: {} sent, {} failed, {} waiting, {} retrying",
        r.total, r.sent, r.failed, r.waiting, r.retrying
    );
    if let Some(first) = r.reminder_of {
        println!("a reminder of run {first}, to those who had not read it");
    }
    let a = &d.after_send;
    if a.recall.recalled > 0 {
        println!("{} recalled", a.recall.recalled);
    }
    if a.reads.reported {
        println!(
            "read: {} read, {} unread, {} unknown{}",
            a.reads.read,
            a.reads.unread,
            a.reads.unknown,
            a.reads
                .checked_at
                .as_deref()
                .map(|t| format!(" (checked {t})"))
                .unwrap_or_else(|| " (not checked yet: herald runs reads)".into())
        );
    }
    if !a.reminders.is_empty() {
        let list: Vec<String> = a.reminders.iter().map(i64::to_string).collect();
        println!("reminders: run {}", list.join(", run "));
    }
    for del in &d.deliveries {
        let recall = match del.recall_state {
            Some(crate::model::RecallState::Recalled) => " recalled".to_owned(),
            Some(crate::model::RecallState::Failed) => {
                format!(" recall failed: {}", del.recall_note.as_deref().unwrap_or(""))
            }
            Some(crate::model::RecallState::NotRecallable) => {
                format!(" not recallable: {}", del.recall_note.as_deref().unwrap_or(""))
            }
            None => String::new(),
        };
        let read = match (&del.read_at, &del.read_checked_at) {
            (Some(_), _) => " read",
            (None, Some(_)) => " unread",
            _ => "",
        };
        println!(
            "  #{:<6} {:<12} {:<10} {:<30} {:?}{}{read}{recall}",
            del.id,
            cut(&del.contact_name, 12),
            del.channel_name,
            del.address,
            del.status,
            del.last_error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
        );
        for a in &del.attempt_log {
            println!(
                "      attempt {} at {}: {:?}{}",
                a.attempt_no,
                a.started_at,
                a.outcome,
                a.message.as_deref().map(|m| format!(" — {m}")).unwrap_or_default()
            );
        }
    }
}

fn print_notes(notes: &[AfterSendNote]) {
    for n in notes {
        println!("  {} on {}: {}", n.count, n.channel, n.reason);
    }
}

/// What a recall would do, for the question before it.
fn print_outlook(id: i64, o: &RecallOutlook) {
    println!("recalling run {id} would:");
    if o.cancellable > 0 {
        println!("  cancel {} deliveries not sent yet", o.cancellable);
    }
    if o.recallable > 0 {
        let window = o
            .window_hours
            .map(|h| format!(" (recall is possible within {h} hours of sending"))
            .unwrap_or_default();
        let until = o
            .recallable_until
            .as_deref()
            .map(|u| format!("; the first expires at {u})"))
            .unwrap_or_else(|| if window.is_empty() { String::new() } else { ")".into() });
        println!("  recall {} sent messages{window}{until}", o.recallable);
    }
    if o.in_flight > 0 {
        println!(
            "  leave {} being sent right now (recall again once they are sent)",
            o.in_flight
        );
    }
    if o.not_recallable > 0 {
        println!("  not recall {} sent messages:", o.not_recallable);
        print_notes(&o.notes);
    }
}

/// Asks on the terminal whether to go on; refuses without one (scripts say `--yes`).
fn confirmed(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !std::io::stdin().is_terminal() {
        return Err(crate::Error::Invalid(
            "not recalled: nothing can ask for confirmation here; add --yes to recall without asking".into(),
        )
        .into());
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "是"))
}

pub async fn run_runs(app: &App, cmd: RunsCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        RunsCmd::Recall { id, yes } => {
            if !yes {
                let outlook = app.run_after_send(id).await?.recall;
                print_outlook(id, &outlook);
                if !confirmed("recall now?")? {
                    println!("nothing was recalled");
                    return Ok(());
                }
            }
            let r = app.recall_run(id).await?;
            emit(json, &r, || {
                println!(
                    "run {id}: {} recalled, {} not sent yet cancelled",
                    r.recalled, r.cancelled
                );
                if r.already_recalled > 0 {
                    println!("  {} had been recalled before", r.already_recalled);
                }
                if r.in_flight > 0 {
                    println!(
                        "  {} were being sent: recall again once they are sent (herald runs recall {id})",
                        r.in_flight
                    );
                }
                if r.also_recalled_elsewhere > 0 {
                    println!(
                        "  {} deliveries of other runs shared a recalled message and were recalled with it",
                        r.also_recalled_elsewhere
                    );
                }
                if r.failed + r.not_recallable > 0 {
                    println!(
                        "  {} not recalled ({} may work if you recall again):",
                        r.failed + r.not_recallable,
                        r.failed
                    );
                    print_notes(&r.notes);
                }
            })
        }
        RunsCmd::Reads { id } => {
            let r = app.refresh_reads(id).await?;
            emit(json, &r, || {
                println!(
                    "run {id} at {}: {} read, {} unread, {} unknown",
                    r.checked_at, r.read, r.unread, r.unknown
                );
                if !r.unread_names.is_empty() {
                    let shown: Vec<&str> = r.unread_names.iter().take(30).map(String::as_str).collect();
                    let more = r.unread_names.len().saturating_sub(shown.len());
                    println!(
                        "  not read: {}{}",
                        shown.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    );
                }
                if !r.notes.is_empty() {
                    println!("  not known:");
                    print_notes(&r.notes);
                }
            })
        }
        RunsCmd::Remind { id, wait } => {
            let run = app.remind_unread(id).await?;
            let run = if wait {
                dispatch_until_idle(app, json).await?;
                app.run_detail(run.id).await?.run
            } else {
                run
            };
            emit(json, &run, || {
                println!(
                    "reminder of run {id} is run {}: {} people who had not read it, {} sent",
                    run.id, run.total, run.sent
                );
                if !wait {
                    println!("it is sent by the desktop app, or by: herald dispatch --until-idle");
                }
            })
        }
        RunsCmd::List { limit } => {
            let runs = app.list_runs(limit).await?;
            emit(json, &runs, || print_runs(&runs))
        }
        RunsCmd::Show { id } => {
            let d = app.run_detail(id).await?;
            emit(json, &d, || print_detail(&d))
        }
        RunsCmd::Pause { id } => {
            let r = app.pause_run(id).await?;
            emit(json, &r, || {
                println!("run {id} paused: {} sent, {} waiting", r.sent, r.waiting + r.retrying)
            })
        }
        RunsCmd::Resume { id } => {
            let r = app.resume_run(id).await?;
            emit(json, &r, || {
                println!("run {id} resumed: {} waiting", r.waiting + r.retrying)
            })
        }
        RunsCmd::Cancel { id } => {
            let r = app.cancel_run(id).await?;
            emit(json, &r, || {
                println!(
                    "run {id} cancelled: {} were not sent, {} had been sent",
                    r.cancelled, r.sent
                )
            })
        }
        RunsCmd::RetryFailed { id, delivery } => {
            let scope = match delivery {
                Some(d) => {
                    let detail = app.run_detail(id).await?;
                    if !detail.deliveries.iter().any(|x| x.id == d) {
                        anyhow::bail!("delivery {d} is not part of run {id}");
                    }
                    RetryScope::Delivery(d)
                }
                None => RetryScope::Run(id),
            };
            let queued = app.retry_failed(scope).await?;
            emit(json, &serde_json::json!({"runId": id, "queued": queued}), || {
                println!("{queued} failed deliveries of run {id} queued again")
            })
        }
    }
}

pub async fn run_history(app: &App, args: HistoryArgs, json: bool) -> anyhow::Result<()> {
    match args.run {
        Some(id) => {
            let d = app.run_detail(id).await?;
            emit(json, &d, || print_detail(&d))
        }
        None => {
            let runs = app.list_runs(args.limit).await?;
            emit(json, &runs, || print_runs(&runs))
        }
    }
}
