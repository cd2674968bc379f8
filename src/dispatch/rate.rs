//! Rate limits as sliding windows: at most `max` sends in any `window`. Providers state their
//! limits this way ("20 messages per minute per robot"), and a token bucket would let a full
//! burst out right after another one, twice the stated rate inside one minute.
//!
//! Runs on tokio's clock, so tests can drive it with `tokio::time::pause`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// One sliding window.
#[derive(Debug)]
pub struct Window {
    window: Duration,
    max: u32,
    /// Sends in the window: when, and how many at that instant.
    sent: VecDeque<(Instant, u32)>,
    in_window: u32,
}

impl Window {
    pub fn new(window: Duration, max: u32) -> Window {
        Window {
            window,
            max: max.max(1),
            sent: VecDeque::new(),
            in_window: 0,
        }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(t, n)) = self.sent.front() {
            if now.duration_since(t) < self.window {
                break;
            }
            self.sent.pop_front();
            self.in_window -= n;
        }
    }

    /// How many may go now.
    fn available(&mut self, now: Instant) -> u32 {
        self.expire(now);
        self.max - self.in_window
    }

    /// When at least one more may go.
    fn next_free(&self) -> Option<Instant> {
        self.sent.front().map(|&(t, _)| t + self.window)
    }

    fn take(&mut self, now: Instant, n: u32) {
        if n > 0 {
            self.sent.push_back((now, n));
            self.in_window += n;
        }
    }
}

/// A channel's limits: per second and per minute, either optional.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Vec<Window>,
}

impl RateLimiter {
    pub fn new(per_second: Option<u32>, per_minute: Option<u32>) -> RateLimiter {
        let mut windows = Vec::new();
        if let Some(n) = per_second {
            windows.push(Window::new(Duration::from_secs(1), n));
        }
        if let Some(n) = per_minute {
            windows.push(Window::new(Duration::from_secs(60), n));
        }
        RateLimiter { windows }
    }

    /// Waits until at least one send is allowed, then reserves up to `want`; returns how many
    /// were reserved (at least 1 when `want` ≥ 1). Reserve first and claim after, so that a
    /// claimed delivery never waits on the limiter while its lease runs.
    pub async fn reserve(&mut self, want: u32) -> u32 {
        if want == 0 {
            return 0;
        }
        loop {
            let now = Instant::now();
            let allowed = self
                .windows
                .iter_mut()
                .map(|w| w.available(now))
                .min()
                .unwrap_or(want)
                .min(want);
            if allowed > 0 {
                for w in &mut self.windows {
                    w.take(now, allowed);
                }
                return allowed;
            }
            // Only the full windows hold it back (each expired just above, at `now`): a
            // minute window with room left must not make a full second window wait for the
            // minute's oldest send.
            let wake = self
                .windows
                .iter()
                .filter(|w| w.in_window >= w.max)
                .filter_map(Window::next_free)
                .max()
                .unwrap_or(now);
            tokio::time::sleep_until(wake).await;
        }
    }

    /// Gives back reservations that were not used (the claim found fewer due deliveries).
    pub fn release(&mut self, unused: u32) {
        if unused == 0 {
            return;
        }
        for w in &mut self.windows {
            if let Some(last) = w.sent.back_mut() {
                let back = unused.min(last.1);
                last.1 -= back;
                w.in_window -= back;
                if last.1 == 0 {
                    w.sent.pop_back();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn twenty_per_minute_never_lets_more_than_twenty_into_any_minute() {
        let mut rl = RateLimiter::new(None, Some(20));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..50 {
            let n = rl.reserve(1).await;
            assert_eq!(n, 1);
            times.push(Instant::now().duration_since(start));
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times
                .iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(60))
                .count();
            assert!(in_window <= 20, "{in_window} sends in the minute from send {i}");
        }
        // The 21st waits a full minute after the first burst, the 41st two.
        assert_eq!(times[20], Duration::from_secs(60));
        assert_eq!(times[40], Duration::from_secs(120));
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_takes_what_both_windows_allow_and_unused_goes_back() {
        let mut rl = RateLimiter::new(Some(100), Some(150));
        assert_eq!(rl.reserve(500).await, 100);
        rl.release(30);
        assert_eq!(rl.reserve(500).await, 30);
        tokio::time::advance(Duration::from_secs(1)).await;
        // Per second allows 100 again, but only 50 remain of the minute's 150.
        assert_eq!(rl.reserve(500).await, 50);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_second_waits_a_second_not_for_the_minute_window() {
        // Feishu's app limits: 50 a second, 1,000 a minute.
        let mut rl = RateLimiter::new(Some(50), Some(1_000));
        let start = Instant::now();
        let mut sent = 0;
        while sent < 1_000 {
            sent += rl.reserve(50).await;
        }
        // 1,000 in 20 bursts of 50, one a second: the minute's quota in 19 s, not 19 minutes.
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(19));
        // The 1,001st waits for the minute to roll over.
        assert_eq!(rl.reserve(1).await, 1);
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn no_limits_means_no_waiting() {
        let mut rl = RateLimiter::new(None, None);
        assert_eq!(rl.reserve(1000).await, 1000);
        assert_eq!(rl.reserve(1000).await, 1000);
    }
}
