//! What the integration tests share: [`Step`], `ready` run as one GitHub Actions step would run
//! it; [`registry`], a real OCI registry; [`prometheus`], a real Prometheus serving data the
//! test backfilled; [`hostile`], a loopback server that misbehaves; [`github_spec`], the check of
//! mocked GitHub requests against the API's spec subset; [`tls`], a test CA and a TLS server;
//! [`proxy`], a loopback HTTP proxy; [`sarif`], SARIF logs checked against the schema.
#![allow(dead_code)]

pub mod github_spec;
pub mod hostile;
pub mod prometheus;
pub mod proxy;
pub mod registry;
pub mod sarif;
pub mod tls;

// The pipeline e2e reaches the registry by these older paths.
#[allow(unused_imports)]
pub use registry::{PASSWORD, Registry, USER, start};

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

/// No run of `ready` in a test may take longer than this, whatever it waits for.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// `ready` as an Actions step: a clean environment with only PATH, `GITHUB_ACTIONS=true`, and
/// `GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY` pointing at files of its own; then what the test adds.
pub struct Step {
    cmd: assert_cmd::Command,
    files: tempfile::TempDir,
}

impl Default for Step {
    fn default() -> Self {
        Self::new()
    }
}

impl Step {
    pub fn new() -> Step {
        let files = tempfile::tempdir().unwrap();
        let mut cmd = assert_cmd::Command::cargo_bin("ready").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", files.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", files.path().join("summary"))
            .timeout(RUN_LIMIT);
        Step { cmd, files }
    }

    /// The step's own scratch directory (it holds the output and summary files); it lives as
    /// long as the [`Run`], so a test can read what the step left there.
    pub fn scratch(&self) -> &Path {
        self.files.path()
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Step {
        self.cmd.arg(arg);
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Step {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Step {
        self.cmd.env(name, value);
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Step {
        self.cmd.envs(vars.iter().copied());
        self
    }

    /// An action input as a composite action passes it: `INPUT_<NAME>`, `-` becoming `_`.
    pub fn input(self, name: &str, value: impl AsRef<OsStr>) -> Step {
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        self.env(var, value)
    }

    pub fn env_remove(mut self, name: &str) -> Step {
        self.cmd.env_remove(name);
        self
    }

    /// Run as on a terminal, not in Actions (`GITHUB_ACTIONS` unset).
    pub fn outside_actions(self) -> Step {
        self.env_remove("GITHUB_ACTIONS")
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Step {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Step {
        self.cmd.write_stdin(bytes);
        self
    }

    pub fn timeout(mut self, limit: Duration) -> Step {
        self.cmd.timeout(limit);
        self
    }

    pub fn run(mut self) -> Run {
        let out = self.cmd.output().unwrap();
        let read = |name: &str| std::fs::read_to_string(self.files.path().join(name));
        let output_file = read("output").unwrap_or_default();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: ready_actions::gha::read_outputs(&output_file)
                .unwrap()
                .into_iter()
                .collect(),
            output_file,
            summary: read("summary").unwrap_or_default(),
            scratch: self.files,
        }
    }
}

/// What a step left: exit code, its two streams, its outputs and its job summary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    /// `$GITHUB_OUTPUT` as written, heredoc delimiters included.
    pub output_file: String,
    pub summary: String,
    pub scratch: tempfile::TempDir,
}

impl Run {
    /// The output `name`; a test that expects it fails with the log when it is missing.
    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no output {name} in {:?}\n{}", self.outputs, self.log()))
    }

    /// Everything the step printed, as the runner's log shows it: stdout, then stderr.
    pub fn log(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `ready <args>` as a step with `env` added.
pub fn ready(args: &[&str], env: &[(&str, &str)]) -> Run {
    Step::new().args(args).envs(env).run()
}
