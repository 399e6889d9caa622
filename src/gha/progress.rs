//! Progress lines while an action waits (gate-on-green's polls, smoke's readiness wait, and the
//! steps and measurements of longer actions): one line when something changed, and a heartbeat
//! at most every `HEARTBEAT` otherwise, so a 30-minute wait is never silent and never floods the
//! log. Lines go to stderr (stdout stays the report, one JSON document with `--format json`),
//! redacted, and inside Actions through `write_text`, so names from outside cannot become
//! workflow commands. Time is tokio's clock: tests drive it with a paused clock.
//!
//! ```text
//! gate-on-green [0s] 1 of 3 check(s) passed; waiting for 2 (each blocks the verdict): lint (in_progress), test (queued); next poll in 30s
//! gate-on-green [1m5s] still waiting: 1 of 3 check(s) passed; waiting for 2 …; next poll in 45s
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The longest silence while nothing changes.
pub const HEARTBEAT: Duration = Duration::from_secs(60);

/// Where progress lines go.
enum Sink {
    Stderr,
    /// A buffer a test reads.
    Shared(Arc<Mutex<Vec<u8>>>),
}

pub struct Progress {
    action: String,
    started: Instant,
    /// The state last printed, and when a line was last printed.
    last_state: Option<String>,
    last_printed: Option<Instant>,
    in_actions: bool,
    sink: Sink,
}

impl Progress {
    /// Progress of `action` on stderr, from now.
    pub fn stderr(action: &str) -> Self {
        Progress::with_sink(action, Sink::Stderr, super::is_actions())
    }

    /// Progress into `buffer` (for tests), written as inside Actions.
    pub fn shared(action: &str, buffer: Arc<Mutex<Vec<u8>>>) -> Self {
        Progress::with_sink(action, Sink::Shared(buffer), true)
    }

    fn with_sink(action: &str, sink: Sink, in_actions: bool) -> Self {
        Progress {
            action: action.to_string(),
            started: Instant::now(),
            last_state: None,
            last_printed: None,
            in_actions,
            sink,
        }
    }

    /// A poll saw `state` (what passed, what is pending, what blocks); the next one is in
    /// `next`. Prints it when it differs from the last state printed, else a heartbeat once
    /// `HEARTBEAT` has passed since the last line. Returns whether it printed.
    pub fn poll(&mut self, state: &str, next: Option<Duration>) -> bool {
        let now = Instant::now();
        let changed = self.last_state.as_deref() != Some(state);
        let due = self
            .last_printed
            .is_none_or(|at| now.duration_since(at) >= HEARTBEAT);
        if !changed && !due {
            return false;
        }
        let mut line = if changed {
            state.to_string()
        } else {
            format!("still waiting: {state}")
        };
        if let Some(next) = next {
            // Readiness polls can be milliseconds apart; "in 0s" would say nothing.
            let next = if next < Duration::from_secs(1) {
                format!("{}ms", next.as_millis())
            } else {
                crate::inputs::human(next)
            };
            line.push_str(&format!("; next poll in {next}"));
        }
        self.last_state = Some(state.to_string());
        self.print(&line);
        true
    }

    /// A step or measurement worth a line of its own: always printed.
    pub fn step(&mut self, text: &str) {
        self.print(text);
    }

    fn print(&mut self, text: &str) {
        let now = Instant::now();
        self.last_printed = Some(now);
        let elapsed = crate::inputs::human(now.duration_since(self.started));
        let line = super::secrets::redact(&format!("{} [{elapsed}] {text}", self.action));
        // A failed write to the log cannot be reported anywhere better, and must not stop a gate.
        let _ = match &self.sink {
            Sink::Stderr => write_line(&mut std::io::stderr().lock(), &line, self.in_actions),
            Sink::Shared(buffer) => write_line(
                &mut *buffer.lock().unwrap_or_else(|e| e.into_inner()),
                &line,
                self.in_actions,
            ),
        };
    }
}

fn write_line(out: &mut dyn Write, line: &str, in_actions: bool) -> std::io::Result<()> {
    // One line each: a name with a line break inside must not start a line of its own.
    let line = line.replace(['\n', '\r'], " ");
    if in_actions {
        super::write_text(out, &line)?;
    } else {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(buffer: &Arc<Mutex<Vec<u8>>>) -> Vec<String> {
        String::from_utf8(buffer.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_per_change_and_a_heartbeat_at_most_every_minute() {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let mut p = Progress::shared("gate", buffer.clone());
        let ten = Some(Duration::from_secs(10));
        assert!(p.poll("2 pending (a, b)", ten));
        // Unchanged for 50 s: silent.
        for _ in 0..5 {
            tokio::time::advance(Duration::from_secs(10)).await;
            assert!(!p.poll("2 pending (a, b)", ten));
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(p.poll("2 pending (a, b)", ten));
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(p.poll("1 passed (a), 1 pending (b)", None));
        p.step("step two");
        assert_eq!(
            lines(&buffer),
            [
                "gate [0s] 2 pending (a, b); next poll in 10s",
                "gate [1m] still waiting: 2 pending (a, b); next poll in 10s",
                "gate [1m10s] 1 passed (a), 1 pending (b)",
                "gate [1m10s] step two",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn names_from_outside_stay_text_and_secrets_stay_hidden() {
        crate::gha::secrets::register_to("progress-secret-1", &mut Vec::new(), false);
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let mut p = Progress::shared("gate", buffer.clone());
        p.poll(
            "1 pending (x\n::error::forged ##[error]progress-secret-1)",
            None,
        );
        let printed = lines(&buffer);
        assert_eq!(printed.len(), 3, "{printed:?}");
        assert!(printed[0].starts_with("::stop-commands::"));
        assert_eq!(
            printed[1],
            "gate [0s] 1 pending (x ::error::forged ##[error]***)"
        );
    }
}
