//! When to poll next: the first interval, backing off while nothing the verdict depends on
//! changes, slowing down when the rate limit runs low, and never past the deadline.

use std::time::Duration;

/// The longest pause between two polls, as a multiple of the first interval (and at least it).
pub const MAX_FACTOR: u32 = 6;
/// Below this many remaining requests, polls are spread over the time until the limit resets.
pub const RATE_RESERVE: u64 = 100;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(base: Duration) -> Self {
        let base = base.max(Duration::from_millis(100));
        Backoff {
            base,
            max: base * MAX_FACTOR,
            current: base,
        }
    }

    /// The pause before the next poll. Progress (a check appeared, completed or was replaced)
    /// returns to the first interval; otherwise each quiet poll waits half as long again.
    pub fn next(&mut self, progressed: bool) -> Duration {
        if progressed {
            self.current = self.base;
        } else {
            self.current = (self.current * 3 / 2).min(self.max);
        }
        self.current
    }

    pub fn current(&self) -> Duration {
        self.current
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
        assert_eq!(b.next(false), Duration::from_secs(15));
        assert_eq!(b.next(false), Duration::from_millis(22_500));
        for _ in 0..20 {
            b.next(false);
        }
        assert_eq!(b.current(), Duration::from_secs(60));
        assert_eq!(b.next(true), Duration::from_secs(10));
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
