//! `ready`: parses, dispatches to the action, renders its report and turns the verdict into the
//! exit code (0 passed, 1 blocked, 2 invalid use, 3 could not decide).

use clap::{CommandFactory, FromArgMatches};
use ready_actions::cli::Cli;
use ready_actions::report::{Report, Verdict};
use ready_actions::{gha, render};
use std::process::ExitCode;

// Parsing migrations allocates and frees an AST node by node; mimalloc (as ruff itself uses)
// spends about a tenth less CPU on check-alembic-heads than glibc's malloc. Without transparent
// huge pages: zeroing a 2 MiB page per fault cost more than it saved.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(no_verdict_on_panic));
    let cli = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match cli {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if cli.format == render::Format::Json {
        gha::send_masks_to_stderr();
    }
    // Tests prove the panic hook on a real panic; release builds have no such door.
    #[cfg(debug_assertions)]
    if std::env::var_os("READY_TEST_PANIC").is_some() {
        panic!("READY_TEST_PANIC is set");
    }
    let name = cli.command.name();
    let report = cli.command.run().unwrap_or_else(|f| f.into_report(name));
    finish(&report, cli.format)
}

/// Renders the report. If the log, outputs or summary cannot be written the step cannot be
/// trusted, so it sets `result=error` (last, so it wins) and exits 3 rather than pretend.
fn finish(report: &Report, format: render::Format) -> ExitCode {
    let sinks = render::Sinks::from_env();
    let mut stdout = std::io::stdout().lock();
    match render::emit(report, format, &sinks, &mut stdout) {
        Ok(()) => ExitCode::from(report.verdict.exit_code()),
        Err(e) => {
            gha::print_error(&format!("ready: could not write the step's results: {e}"));
            set_result(Verdict::Error)
        }
    }
}

/// Help and version exit 0; any other usage error exits 2 with `result=invalid` set.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    // The message quotes the value given, which inside Actions came from outside.
    if gha::is_actions() {
        gha::print_error(&e.to_string());
    } else {
        let _ = e.print();
    }
    set_result(Verdict::Invalid)
}

/// Sets the `result` output, where the runner provides the file, and returns the exit code.
fn set_result(verdict: Verdict) -> ExitCode {
    write_result(verdict);
    ExitCode::from(verdict.exit_code())
}

fn write_result(verdict: Verdict) {
    if let Some(path) = render::Sinks::from_env().output_file {
        let _ = gha::write_outputs(&path, &[("result".into(), verdict.as_str().into())]);
    }
}

/// A panic is a bug, but the step must still end as the contract says: `result=error`, exit 3.
/// The release build aborts on panic; exiting here, before the abort, keeps the contract. The
/// panic's message is not printed: it may hold text from outside or a secret.
fn no_verdict_on_panic(info: &std::panic::PanicHookInfo) {
    let place = info
        .location()
        .filter(|l| !std::path::Path::new(l.file()).is_absolute())
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    gha::print_error(&format!(
        "ready: internal error{place}; this is a bug in ready, please report it. No verdict: result=error"
    ));
    write_result(Verdict::Error);
    std::process::exit(i32::from(Verdict::Error.exit_code()));
}
