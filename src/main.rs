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
    let cli = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match cli {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let name = cli.command.name();
    let report = cli.command.run().unwrap_or_else(|f| f.into_report(name));
    finish(&report, cli.format)
}

/// Renders the report. If the outputs or summary cannot be written the step cannot be trusted,
/// so it exits 3 rather than pretend.
fn finish(report: &Report, format: render::Format) -> ExitCode {
    let sinks = render::Sinks::from_env();
    let mut stdout = std::io::stdout().lock();
    match render::emit(report, format, &sinks, &mut stdout) {
        Ok(()) => ExitCode::from(report.verdict.exit_code()),
        Err(e) => {
            eprintln!("ready: could not write the step's results: {e}");
            ExitCode::from(Verdict::Error.exit_code())
        }
    }
}

/// Help and version exit 0; any other usage error exits 2 with `result=invalid` set.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let _ = e.print();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return ExitCode::SUCCESS;
    }
    if let Some(path) = render::Sinks::from_env().output_file {
        let _ = gha::write_outputs(
            &path,
            &[("result".into(), Verdict::Invalid.as_str().into())],
        );
    }
    ExitCode::from(Verdict::Invalid.exit_code())
}
