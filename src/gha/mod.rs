//! The GitHub Actions runtime contract: workflow commands, outputs, masking and the job summary.
//! Nothing else in the crate writes these formats, so escaping and masking live in one place.

mod command;
mod files;
mod log;
pub mod progress;
pub mod secrets;

pub use command::{Annotation, AnnotationLevel, escape_data};
pub use files::{append_summary, read_outputs, write_outputs};
pub use log::{could_be_command, print_error, printable, write_text};
pub use progress::Progress;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static MASKS_ON_STDERR: AtomicBool = AtomicBool::new(false);

/// Sends `::add-mask::` to stderr from now on, for `--format json`: stdout stays one JSON
/// document, and the runner reads commands from stderr as well. Unbuffered, a mask reaches it
/// when the secret is registered, long before the report that could contain the secret.
pub fn send_masks_to_stderr() {
    MASKS_ON_STDERR.store(true, Ordering::Relaxed);
}

/// Where `::add-mask::` goes: stdout, in order with the rest of the log, unless
/// `send_masks_to_stderr` was called.
pub fn mask_stream() -> Box<dyn Write> {
    if MASKS_ON_STDERR.load(Ordering::Relaxed) {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    }
}

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
