//! Turns a `Report` into what people see: terminal text, GitHub's annotations, outputs and job
//! summary, or JSON. Every renderer works on a redacted copy, so no secret reaches any of them.

mod github;
mod json;
mod markdown;
mod redact;
pub mod rule_docs;
pub mod sarif;
mod text;

pub use markdown::block as block_markdown;
pub use markdown::escape_cell as escape_markdown;

use crate::report::Report;
use std::io::Write;

/// How the report is printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub annotations inside Actions, coloured text elsewhere.
    Auto,
    Text,
    Github,
    Json,
}

/// Where the GitHub side effects go; read from the environment by `Sinks::from_env`.
#[derive(Debug, Default, Clone)]
pub struct Sinks {
    pub in_actions: bool,
    pub output_file: Option<std::path::PathBuf>,
    pub summary_file: Option<std::path::PathBuf>,
    /// Colour for the text renderer: stdout is a terminal and `NO_COLOR` is unset.
    pub colour: bool,
}

impl Sinks {
    pub fn from_env() -> Self {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
        };
        Sinks {
            in_actions: crate::gha::is_actions(),
            output_file: path("GITHUB_OUTPUT"),
            summary_file: path("GITHUB_STEP_SUMMARY"),
            colour: anstream::AutoStream::choice(&std::io::stdout())
                != anstream::ColorChoice::Never,
        }
    }
}

/// The job summary as a pull request comment carries it: redacted, within `budget` bytes.
pub fn pr_comment(report: &Report, budget: usize) -> String {
    github::summary_within(&redact::report(report), budget)
}

/// Prints the report and, where the runner provides them, writes outputs and the job summary.
pub fn emit(
    report: &Report,
    format: Format,
    sinks: &Sinks,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = redact::report(report);
    let format = match format {
        Format::Auto if sinks.in_actions => Format::Github,
        Format::Auto => Format::Text,
        other => other,
    };
    match format {
        Format::Json => json::write(&report, out)?,
        Format::Github => github::write_log(&report, out)?,
        // Inside Actions every log line goes through the runtime, the text renderer's too.
        Format::Text | Format::Auto if sinks.in_actions => {
            let mut text = Vec::new();
            text::write(&report, false, &mut text)?;
            crate::gha::write_text(out, &String::from_utf8_lossy(&text))?
        }
        Format::Text | Format::Auto => text::write(&report, sinks.colour, out)?,
    }
    if let Some(path) = &sinks.output_file {
        crate::gha::write_outputs(path, &report.all_outputs())?;
    }
    if let Some(path) = &sinks.summary_file {
        crate::gha::append_summary(path, &github::summary(&report))?;
    }
    out.flush()
}
