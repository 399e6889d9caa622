//! When to poll next: the first interval, backing off while nothing the verdict depends on
//! changes, slowing down when the rate limit runs low, and never past the deadline.

use std::time::Duration;

/// The longest pause while many checks run, as a multiple of the first interval: every such poll
/// is billed, so this sets how many completions one billed poll collects, and how late a red
/// check among many running ones is seen.
pub const MAX_BUSY_FACTOR: u32 = 12;
/// While several checks run, the pause per running check, in intervals: a billed poll then
/// collects about one and a half completions where checks finish about one per interval.
pub const BUSY_PER_CHECK: f64 = 1.5;
/// The longest pause while nothing changes (a long job, a check that has not appeared): those
/// polls are free 304s, so it stays short and the verdict stays close to the completion.
pub const MAX_QUIET_FACTOR: u32 = 6;
/// Below this many remaining requests, polls are spread over the time until the limit resets.
pub const RATE_RESERVE: u64 = 100;
const QUIET_GROWTH: f64 = 1.5;
/// Quiet polls at the first interval before backing off.
pub const QUIET_GRACE: u32 = 3;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    /// Polls in a row that saw no change.
    quiet_polls: u32,
}

impl Backoff {
    pub fn new(base: Duration) -> Self {
        Backoff {
            base: base.max(Duration::from_millis(100)),
            quiet_polls: 0,
        }
    }

    /// The pause before the next poll, `pending` checks still running.
    ///
    /// Polls that find something changed are billed; polls that find nothing changed are free
    /// 304s. While several checks run, nearly every poll finds a change, so the pause grows with
    /// the number of running checks (`BUSY_PER_CHECK` intervals each) and one billed poll
    /// collects several completions. With the last one running, polls are mostly free, so it
    /// polls at the first interval and the verdict comes within one interval of the last
    /// completion. After `QUIET_GRACE` polls in a
    /// row without any change (a long job, a check that has not appeared), it backs off by half
    /// again per poll, up to `MAX_QUIET_FACTOR` times the interval.
    pub fn next(&mut self, progressed: bool, pending: usize) -> Duration {
        self.quiet_polls = if progressed { 0 } else { self.quiet_polls + 1 };
        let quiet = QUIET_GROWTH
            .powi(self.quiet_polls.saturating_sub(QUIET_GRACE).min(16) as i32)
            .min(f64::from(MAX_QUIET_FACTOR));
        let busy = match pending {
            0 | 1 => 1.0,
            n => (n as f64 * BUSY_PER_CHECK).min(f64::from(MAX_BUSY_FACTOR)),
        };
        self.base.mul_f64(busy.max(quiet))
    }
}

/// The least pause that keeps `remaining` requests until the limit resets in `reset_in`, once
/// fewer than `RATE_RESERVE` remain. `per_poll` is what one poll may cost.
pub fn rate_floor(remaining: Option<u64>, reset_in: Option<Duration>, per_poll: u64) -> Duration {
    match (remaining, reset_in) {
        (Some(left), Some(reset_in)) if left < RATE_RESERVE => {
            let polls = (left / per_poll.max(1)).max(1);
            reset_in / polls as u32
        }
        _ => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_while_quiet_and_resets_on_progress() {
        let mut b = Backoff::new(Duration::from_secs(10));
        for _ in 0..QUIET_GRACE {
            assert_eq!(b.next(false, 1), Duration::from_secs(10));
        }
        assert_eq!(b.next(false, 1), Duration::from_secs(15));
        assert_eq!(b.next(false, 1), Duration::from_millis(22_500));
        for _ in 0..20 {
            b.next(false, 1);
        }
        assert_eq!(b.next(false, 1), Duration::from_secs(60));
        assert_eq!(b.next(true, 1), Duration::from_secs(10));
    }

    #[test]
    fn many_pending_checks_stretch_the_pause() {
        let mut b = Backoff::new(Duration::from_secs(10));
        assert_eq!(b.next(true, 2), Duration::from_secs(30));
        assert_eq!(b.next(true, 3), Duration::from_secs(45));
        assert_eq!(b.next(true, 20), Duration::from_secs(120));
        // Quiet with one running: free polls, so never longer than the quiet cap.
        for _ in 0..30 {
            b.next(false, 1);
        }
        assert_eq!(b.next(false, 1), Duration::from_secs(60));
        assert_eq!(b.next(true, 0), Duration::from_secs(10));
    }

    #[test]
    fn low_rate_limit_spreads_polls() {
        assert_eq!(
            rate_floor(Some(4000), Some(Duration::from_secs(600)), 2),
            Duration::ZERO
        );
        assert_eq!(
            rate_floor(Some(20), Some(Duration::from_secs(600)), 2),
            Duration::from_secs(60)
        );
        assert_eq!(
            rate_floor(Some(0), Some(Duration::from_secs(30)), 2),
            Duration::from_secs(30)
        );
    }
}
