//! Run progress for the faces: counts plus rate and ETA, at most 5 reports a second per run
//! (reading a large run's counts costs a few tens of milliseconds).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::model::{RunProgress, RunSummary};

/// Receives progress; the CLI draws a bar, the desktop shell emits `run:progress`.
pub trait ProgressSink: Send + Sync {
    fn run_progress(&self, progress: &RunProgress);
}

/// A sink that drops everything.
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn run_progress(&self, _progress: &RunProgress) {}
}

/// The minimum time between two reports of one run (a run's end is always reported).
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);
const RATE_WINDOW: Duration = Duration::from_secs(5);

#[derive(Default)]
struct RunTrack {
    last_emit: Option<Instant>,
    samples: Vec<(Instant, i64)>,
}

/// Turns a stream of run summaries into throttled progress reports with a rate and an ETA.
#[derive(Default)]
pub struct ProgressTracker {
    runs: HashMap<i64, RunTrack>,
}

impl ProgressTracker {
    /// Whether a report of this run would go out now (saves reading its counts when not).
    pub fn due(&self, run_id: i64, now: Instant) -> bool {
        self.runs
            .get(&run_id)
            .and_then(|t| t.last_emit)
            .is_none_or(|t| now.duration_since(t) >= MIN_INTERVAL)
    }

    /// Records a summary; returns the report to send now, if one is due.
    pub fn observe(&mut self, run: RunSummary, now: Instant) -> Option<RunProgress> {
        let done = run.sent + run.failed + run.cancelled;
        let finished = done >= run.total || run.waiting + run.retrying == 0;
        let track = self.runs.entry(run.id).or_default();
        track.samples.push((now, done));
        track.samples.retain(|(t, _)| now.duration_since(*t) <= RATE_WINDOW);
        let due = track.last_emit.is_none_or(|t| now.duration_since(t) >= MIN_INTERVAL);
        if !due && !finished {
            return None;
        }
        track.last_emit = Some(now);
        let (t0, d0) = track.samples[0];
        let secs = now.duration_since(t0).as_secs_f64();
        let rate = if secs > 0.05 { (done - d0) as f64 / secs } else { 0.0 };
        let left = (run.total - done).max(0) as f64;
        let eta = if finished {
            Some(0.0)
        } else if rate > 0.0 {
            Some(left / rate)
        } else {
            None
        };
        if finished {
            self.runs.remove(&run.id);
        }
        Some(RunProgress {
            run,
            rate_per_sec: rate,
            eta_secs: eta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;

    fn summary(sent: i64, total: i64) -> RunSummary {
        RunSummary {
            id: 1,
            notice_id: 1,
            notice_title: "t".into(),
            status: RunStatus::Sending,
            priority: 0,
            total,
            sent,
            failed: 0,
            waiting: total - sent,
            retrying: 0,
            cancelled: 0,
            created_at: String::new(),
            finished_at: None,
            reminder_of: None,
            test: false,
        }
    }

    #[test]
    fn reports_are_throttled_but_the_end_always_gets_through() {
        let mut t = ProgressTracker::default();
        let t0 = Instant::now();
        assert!(t.observe(summary(0, 100), t0).is_some());
        assert!(t.observe(summary(10, 100), t0 + Duration::from_millis(50)).is_none());
        let p = t.observe(summary(50, 100), t0 + Duration::from_secs(1)).unwrap();
        assert!((p.rate_per_sec - 50.0).abs() < 1.0, "{}", p.rate_per_sec);
        assert!((p.eta_secs.unwrap() - 1.0).abs() < 0.1);
        let end = t.observe(summary(100, 100), t0 + Duration::from_millis(1010)).unwrap();
        assert_eq!(end.eta_secs, Some(0.0));
    }
}
