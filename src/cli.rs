//! The command line: one subcommand per action. Every flag also reads `INPUT_<NAME>`, which is
//! how the composite actions pass their inputs (see `actions/*/action.yml`).

use crate::render::Format;
use crate::report::{Failure, Report};
use clap::{Parser, Subcommand};

pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("READY_BUILD_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    name = "ready",
    version = VERSION,
    about = "Keeps bad releases out of production: gates and checks for GitHub Actions pipelines.",
    after_help = "Exit codes: 0 passed, 1 blocked, 2 invalid use, 3 could not decide.\nEvery flag also reads INPUT_<NAME> from the environment, as GitHub Actions sets it."
)]
pub struct Cli {
    /// How to print the report: GitHub annotations inside Actions, coloured text elsewhere.
    #[arg(
        long,
        global = true,
        env = "INPUT_FORMAT",
        value_enum,
        default_value = "auto"
    )]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

/// One variant per action; each action module has `Args` and `run()`.
#[derive(Subcommand)]
pub enum Command {
    /// Point aliases (prod, latest) at the image a tag or digest names, recording the move.
    Promote(crate::promote::Args),
    /// Point an alias back at its previous image, or at the tag or digest given.
    Rollback(crate::rollback::Args),
}

impl Command {
    /// The action's name, as in `actions/<name>/` and the report.
    pub fn name(&self) -> &'static str {
        match *self {
            Command::Promote(_) => crate::promote::NAME,
            Command::Rollback(_) => crate::rollback::NAME,
        }
    }

    pub fn run(self) -> Result<Report, Failure> {
        match self {
            Command::Promote(args) => crate::promote::run(args),
            Command::Rollback(args) => crate::rollback::run(args),
        }
    }
}
