//! The GitHub Actions runtime contract: workflow commands, outputs, masking and the job summary.
//! Nothing else in the crate writes these formats, so escaping and masking live in one place.

mod command;
mod files;
pub mod secrets;

pub use command::{Annotation, AnnotationLevel, escape_data};
pub use files::{append_summary, read_outputs, write_outputs};

use std::io::Write;

/// True when running as a step of a GitHub Actions job.
pub fn is_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Prints an annotation (`::error file=…::message`) on stdout; the message is redacted first.
pub fn annotate(out: &mut dyn Write, annotation: &Annotation) -> std::io::Result<()> {
    writeln!(out, "{}", annotation.to_command())
}

/// Opens a collapsible log group; `end_group` closes it.
pub fn start_group(out: &mut dyn Write, title: &str) -> std::io::Result<()> {
    writeln!(out, "::group::{}", escape_data(&secrets::redact(title)))
}

pub fn end_group(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "::endgroup::")
}
