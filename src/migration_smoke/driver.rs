//! The one Alembic process of a run: `driver.py` (shipped inside the binary), started with the
//! project's Python, asked one command at a time over a pipe. Alembic and the project's imports
//! load once, not once per step. Every answer is redacted before anything else reads it.

use crate::gha::secrets::redact;
use serde::Deserialize;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// The driver's source; written to a scratch directory for each run.
pub const SOURCE: &str = include_str!("driver.py");

/// What the driver answers to one request.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Answer {
    pub ok: bool,
    /// The command's wall time inside the driver, in milliseconds.
    #[serde(default)]
    pub ms: f64,
    /// The exception's last line, when it failed.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub traceback: Option<String>,
    /// `[file, line]` of each frame of the failure, innermost last; files are absolute.
    #[serde(default)]
    pub frames: Vec<(String, u32)>,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    /// For a ping: the tables the database already holds.
    #[serde(default)]
    pub tables: Option<Vec<String>>,
}

impl Answer {
    fn redacted(self) -> Answer {
        Answer {
            error: self.error.as_deref().map(redact),
            traceback: self.traceback.as_deref().map(redact),
            stdout: redact(&self.stdout),
            stderr: redact(&self.stderr),
            ..self
        }
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum NoAnswer {
    /// It ran longer than the step timeout; the driver was stopped.
    TimedOut(Duration),
    /// The driver ended (or never started): what it printed, redacted.
    Ended(String),
}

impl NoAnswer {
    pub fn describe(&self) -> String {
        match self {
            NoAnswer::TimedOut(limit) => format!(
                "did not finish within {}s (step-timeout); Alembic was stopped",
                limit.as_secs_f64()
            ),
            NoAnswer::Ended(log) if log.trim().is_empty() => {
                "the Alembic driver ended without an answer".into()
            }
            NoAnswer::Ended(log) => {
                format!("the Alembic driver ended without an answer: {}", log.trim())
            }
        }
    }
}

pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    answers: Receiver<String>,
    stderr_file: PathBuf,
    scratch: Scratch,
}

impl Driver {
    /// Starts `python driver.py <config>` in `dir`, the project's directory, the URL in
    /// `DATABASE_URL`.
    pub fn start(
        dir: &Path,
        python: &[String],
        config: Option<&str>,
        url: &str,
    ) -> Result<Driver, String> {
        let (program, args) = python
            .split_first()
            .ok_or("`python` is empty: name the Python that runs the project's Alembic")?;
        // A path (`.venv/bin/python`) is the project's, from its directory; a name, from PATH.
        let program = match Path::new(program) {
            p if p.is_relative() && p.components().count() > 1 => dir.join(p),
            p => p.to_path_buf(),
        };
        let scratch = Scratch::new("migration-smoke").map_err(|e| e.to_string())?;
        let script = scratch.path().join("ready_migration_driver.py");
        std::fs::write(&script, SOURCE).map_err(|e| format!("{}: {e}", script.display()))?;
        let stderr_file = scratch.path().join("driver.stderr");
        let stderr = std::fs::File::create(&stderr_file).map_err(|e| e.to_string())?;
        let mut child = Command::new(program)
            .current_dir(dir)
            .args(args)
            .arg(&script)
            .arg(config.unwrap_or(""))
            .env("DATABASE_URL", url)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", python.join(" ")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (send, answers) = std::sync::mpsc::channel();
        // A thread reads the answers, so that a request can be given up on after its timeout.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Driver {
            stdin: child.stdin.take(),
            child,
            answers,
            stderr_file,
            scratch,
        })
    }

    /// Runs `alembic <argv>` in the driver.
    pub fn alembic(&mut self, argv: &[String], timeout: Duration) -> Result<Answer, NoAnswer> {
        self.ask(&serde_json::json!({ "argv": argv }), timeout)
    }

    /// Connects to the database once; the answer lists the tables it holds.
    pub fn ping(&mut self, timeout: Duration) -> Result<Answer, NoAnswer> {
        self.ask(&serde_json::json!({ "ping": true }), timeout)
    }

    fn ask(&mut self, request: &serde_json::Value, timeout: Duration) -> Result<Answer, NoAnswer> {
        let sent = self
            .stdin
            .as_mut()
            .map(|stdin| writeln!(stdin, "{request}").and_then(|()| stdin.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.ended());
        }
        match self.answers.recv_timeout(timeout) {
            Ok(line) => serde_json::from_str::<Answer>(&line)
                .map(Answer::redacted)
                .map_err(|e| NoAnswer::Ended(format!("an answer that is not JSON ({e})"))),
            Err(RecvTimeoutError::Timeout) => {
                self.stop();
                Err(NoAnswer::TimedOut(timeout))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.ended()),
        }
    }

    fn ended(&mut self) -> NoAnswer {
        self.stop();
        let log = std::fs::read_to_string(&self.stderr_file).unwrap_or_default();
        NoAnswer::Ended(redact(last_lines(&log, 20)))
    }

    fn stop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Where the run may keep files of its own (the offline SQL), removed with the driver.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closing stdin ends the driver's loop; kill in case a command still runs.
        self.stop();
    }
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> &str {
    let starts: Vec<usize> = text
        .trim_end()
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .collect();
    match starts.len().checked_sub(n.saturating_sub(1)) {
        Some(k) if k > 0 && n > 0 => &text[starts[k - 1]..],
        _ => text,
    }
}

/// A directory of this run under the system's temp dir (RUNNER_TEMP in Actions), removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(prefix: &str) -> std::io::Result<Scratch> {
        let base = std::env::var_os("RUNNER_TEMP")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let dir = base.join(format!("ready-{prefix}-{name}"));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_keeps_the_end() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(last_lines("a\nb", 5), "a\nb");
        assert_eq!(last_lines("", 3), "");
    }

    #[test]
    fn an_answer_is_redacted_before_anyone_reads_it() {
        crate::gha::secrets::register_to("driver-secret-pw", &mut Vec::new(), false);
        let answer = Answer {
            error: Some("failed for driver-secret-pw".into()),
            stderr: "url driver-secret-pw".into(),
            ..Answer::default()
        }
        .redacted();
        assert_eq!(answer.error.as_deref(), Some("failed for ***"));
        assert_eq!(answer.stderr, "url ***");
    }
}
