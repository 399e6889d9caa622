//! What the collection step gathered, as plain data for the rules: where each variable was
//! found (and its value, when the source exposes one), the env files' lines, and the name lists
//! that parity compares.

use super::schema::Schema;
use crate::report::Location;
use std::collections::BTreeMap;

/// Where a variable's value (or only its name) was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of an `.env` file.
    File { file: String, line: u32 },
    /// The step's environment.
    Step,
    /// A GitHub environment's secret or variable: its name only.
    GitHub { environment: String, secret: bool },
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::File { file, line } => format!("{file}:{line}"),
            Origin::Step => "the step's environment".to_string(),
            Origin::GitHub {
                environment,
                secret,
            } => format!(
                "{} of GitHub environment {environment} (name only)",
                if *secret { "a secret" } else { "a variable" }
            ),
        }
    }
}

/// The source that gives a variable: its value, where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `None`: the source names it without a value (a bare `KEY` line, or GitHub's API).
    pub value: Option<String>,
    pub origin: Origin,
}

/// A file of names with the line of each: `.env.example`, a compose file's `environment:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameList {
    pub file: String,
    pub names: Vec<(String, u32)>,
}

impl NameList {
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|(n, _)| n == name)
    }
}

/// One `.env` file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    pub file: String,
    /// Names with the line of their (last) binding.
    pub names: Vec<(String, u32)>,
    pub invalid_lines: Vec<u32>,
}

/// The names a GitHub environment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubNames {
    pub environment: String,
    pub secrets: Vec<String>,
    pub variables: Vec<String>,
}

/// Everything the rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub schema: Option<Schema>,
    /// The environment checked (`production`, `staging`), when one is named.
    pub environment: Option<String>,
    /// Names required on top of the schema (the `required` input), each in every environment.
    pub required: Vec<String>,
    /// Where some of those names are listed, for their findings.
    pub required_at: Vec<(String, Location)>,
    /// Per variable, every source that gives it, in the order read (env files, the step's
    /// environment, GitHub): each value found is checked, so no source hides another.
    pub found: BTreeMap<String, Vec<Found>>,
    pub env_files: Vec<EnvFile>,
    pub github: Option<GitHubNames>,
    pub example: Option<NameList>,
    pub compose: Option<NameList>,
}
