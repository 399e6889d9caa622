//! The watch's clock: wall time read once at the start, then advanced by tokio's monotonic
//! clock. Production sleeps for real; a test pauses tokio's clock, and a 10-minute watch runs in
//! no time, each measurement still stamped with its own instant.

use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::time::Instant;

pub struct Clock {
    origin: Timestamp,
    started: Instant,
}

impl Clock {
    /// A clock that reads `now` at this moment.
    pub fn starting_at(now: Timestamp) -> Clock {
        Clock {
            origin: now,
            started: Instant::now(),
        }
    }

    pub fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.started.elapsed()).unwrap_or(SignedDuration::MAX);
        self.origin
            .saturating_add(elapsed)
            .unwrap_or(Timestamp::MAX)
    }

    /// How long until `at`; zero once it has passed.
    pub fn until(&self, at: Timestamp) -> Duration {
        Duration::try_from(at.duration_since(self.now())).unwrap_or(Duration::ZERO)
    }

    /// Sleeps until `at`, or not at all when it has passed (a rerun over stored data).
    pub async fn sleep_until(&self, at: Timestamp) {
        let wait = self.until(at);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paused_time_moves_the_clock_without_sleeping() {
        let start: Timestamp = "2024-06-07T12:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        let real = std::time::Instant::now();
        clock
            .sleep_until(start + SignedDuration::from_mins(10))
            .await;
        assert_eq!(clock.now(), start + SignedDuration::from_mins(10));
        // Past instants do not wait.
        clock.sleep_until(start).await;
        assert_eq!(clock.until(start), Duration::ZERO);
        assert!(real.elapsed() < Duration::from_secs(1));
    }
}
