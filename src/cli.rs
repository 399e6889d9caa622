//! The command line: one subcommand per action. Every flag also reads `INPUT_<NAME>`, which is
//! how the composite actions pass their inputs (see `actions/*/action.yml`).

use crate::actions::ActionMeta;
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
        default_value = "auto",
        value_parser = parse_format
    )]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

/// `--format`; an empty value (an action input left at "") means the default.
fn parse_format(value: &str) -> Result<Format, String> {
    use clap::ValueEnum;
    if value.is_empty() {
        return Ok(Format::Auto);
    }
    Format::from_str(value, true).map_err(|_| {
        let names: Vec<_> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// One variant per action; each action module has `Args`, `run()` and its registry entry `META`.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Image tags, OCI labels and build arguments: a drop-in for docker/metadata-action.
    #[command(name = crate::image_tag::NAME)]
    ImageTag(Box<crate::image_tag::Args>),
    /// The pre-deploy checklist: run the gates that ready.yml names and check required variables.
    #[command(name = crate::predeploy::NAME)]
    Predeploy(crate::predeploy::Args),
    /// Wait until the commit's required checks are green; fail fast when one goes red.
    #[command(name = crate::gate_on_green::NAME)]
    GateOnGreen(crate::gate_on_green::Args),
    /// No deploy while the error budget is spent, burning fast, or in a freeze.
    #[command(name = crate::error_budget_gate::NAME)]
    ErrorBudgetGate(crate::error_budget_gate::Args),
    /// Checks an Alembic migration tree: heads, graph problems and migration contracts, without Python.
    #[command(name = crate::check_alembic_heads::NAME)]
    CheckAlembicHeads(crate::check_alembic_heads::Args),
    /// Production configuration present and sane: a schema's variables in env files, the step's environment and a GitHub environment.
    #[command(name = crate::config_check::NAME)]
    ConfigCheck(crate::config_check::Args),
    /// Runs the Alembic migrations on a throwaway Postgres: base to head, every downgrade, models and contracts.
    #[command(name = crate::migration_smoke::NAME)]
    MigrationSmoke(crate::migration_smoke::Args),
    /// Post-deploy smoke checks over HTTP and WebSocket: readiness, version, a user path.
    #[command(name = crate::smoke::NAME)]
    Smoke(crate::smoke::Args),
    /// Checks Kubernetes manifests before deploy: probes, resources, safe rollouts, immutable images, non-root, no secrets in env, ingress TLS.
    #[command(name = crate::k8s_ready::NAME)]
    K8sReady(crate::k8s_ready::Args),
    /// After the deploy, keep measuring the new version against the old one; fail on regression.
    #[command(name = crate::watch::NAME)]
    Watch(crate::watch::Args),
    /// Point aliases (prod, latest) at the image a tag or digest names, recording the move.
    #[command(name = crate::promote::NAME)]
    Promote(crate::promote::Args),
    /// Point an alias back at its previous image, or at the tag or digest given.
    #[command(name = crate::rollback::NAME)]
    Rollback(crate::rollback::Args),
    /// Merge a pull request only after those it depends on (body and stacking); or the order.
    #[command(name = crate::pr_dependencies::NAME)]
    PrDependencies(crate::pr_dependencies::Args),
}

impl Command {
    /// The action's registry entry (see `crate::actions`).
    pub fn meta(&self) -> &'static ActionMeta {
        match self {
            Command::ImageTag(_) => &crate::image_tag::META,
            Command::Predeploy(_) => &crate::predeploy::META,
            Command::GateOnGreen(_) => &crate::gate_on_green::META,
            Command::ErrorBudgetGate(_) => &crate::error_budget_gate::META,
            Command::CheckAlembicHeads(_) => &crate::check_alembic_heads::META,
            Command::ConfigCheck(_) => &crate::config_check::META,
            Command::MigrationSmoke(_) => &crate::migration_smoke::META,
            Command::Smoke(_) => &crate::smoke::META,
            Command::K8sReady(_) => &crate::k8s_ready::META,
            Command::Watch(_) => &crate::watch::META,
            Command::Promote(_) => &crate::promote::META,
            Command::Rollback(_) => &crate::rollback::META,
            Command::PrDependencies(_) => &crate::pr_dependencies::META,
        }
    }

    /// The action's name, as in `actions/<name>/` and the report.
    pub fn name(&self) -> &'static str {
        self.meta().name
    }

    pub fn run(self) -> Result<Report, Failure> {
        match self {
            Command::ImageTag(args) => crate::image_tag::run(*args),
            Command::Predeploy(args) => crate::predeploy::run(args),
            Command::GateOnGreen(args) => crate::gate_on_green::run(args),
            Command::ErrorBudgetGate(args) => crate::error_budget_gate::run(args),
            Command::CheckAlembicHeads(args) => crate::check_alembic_heads::run(args),
            Command::ConfigCheck(args) => crate::config_check::run(args),
            Command::MigrationSmoke(args) => crate::migration_smoke::run(args),
            Command::Smoke(args) => crate::smoke::run(args),
            Command::K8sReady(args) => crate::k8s_ready::run(args),
            Command::Watch(args) => crate::watch::run(args),
            Command::Promote(args) => crate::promote::run(args),
            Command::Rollback(args) => crate::rollback::run(args),
            Command::PrDependencies(args) => crate::pr_dependencies::run(args),
        }
    }
}
