//! `ready migration-smoke`: runs an Alembic project's migrations for real on a throwaway Postgres:
//! base → head, each revision's downgrade (the stairway: up, down, up again), `alembic check`
//! at head, and each revision's declared `migration_contract` against what its SQL does.
//!
//! The order and the heads are check-alembic-heads' (one code path): a graph it blocks is blocked
//! here before any SQL runs. Then, in three steps: `collect` (the database, one Alembic process
//! through `driver.py`, squawk over the offline SQL), `decide` (pure: findings and verdict), and
//! `present` (the report).

mod collect;
pub mod contracts;
mod decide;
pub mod driver;
pub mod order;
pub mod postgres;
mod present;
pub mod python;

use crate::inputs::given;
use crate::report::{Failure, Report};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const NAME: &str = "migration-smoke";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    // It needs a database to run against: a job of its own (a service container), not a gate
    // of predeploy's checklist.
    gate: None,
    needs: crate::actions::Needs {
        network: Some("a Postgres database"),
        network_when: None,
        offline_with: None,
        github_token: None,
    },
};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The Postgres URL of an empty, throwaway database (in a workflow, a `services: postgres`
    /// container). Without it, ready starts a throwaway Postgres itself when initdb and postgres
    /// are on PATH. Its password is masked and redacted.
    #[arg(long, env = "INPUT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The command that runs the project's Alembic: `alembic`, `uv run alembic`, `python -m alembic`.
    #[arg(long, env = "INPUT_ALEMBIC", default_value = "alembic")]
    pub alembic: String,
    /// The Python that runs the one-process stairway driver, when it cannot be told from `alembic`.
    #[arg(long, env = "INPUT_PYTHON")]
    pub python: Option<String>,
    /// alembic.ini or pyproject.toml, as check-alembic-heads reads it; default: alembic.ini and pyproject.toml.
    #[arg(long, env = "INPUT_CONFIG")]
    pub config: Option<String>,
    /// A git ref: contracts are compared, and count in the outputs, only for migration files
    /// added or changed since it (the migrations not deployed yet), as check-alembic-heads does.
    #[arg(long, env = "INPUT_CHANGED_SINCE")]
    pub changed_since: Option<String>,
    /// The directory to run in (where alembic.ini is).
    #[arg(long, env = "INPUT_WORKING_DIRECTORY")]
    pub working_directory: Option<String>,
    /// For each revision in graph order: upgrade to it, downgrade one step, upgrade again.
    #[arg(long, env = "INPUT_STAIRWAY", default_value = "true", value_parser = crate::inputs::on_unless_set, action = clap::ArgAction::Set)]
    pub stairway: bool,
    /// `alembic check` at head: the models match the schema the migrations built.
    #[arg(long, env = "INPUT_MODEL_CHECK", default_value = "true", value_parser = crate::inputs::on_unless_set, action = clap::ArgAction::Set)]
    pub model_check: bool,
    /// Compare each revision's declared migration_contract with what its SQL does (squawk).
    #[arg(long, env = "INPUT_CONTRACTS", default_value = "true", value_parser = crate::inputs::on_unless_set, action = clap::ArgAction::Set)]
    pub contracts: bool,
    /// The squawk command (PyPI squawk-cli) that lints each revision's SQL.
    #[arg(long, env = "INPUT_SQUAWK", default_value = "squawk")]
    pub squawk: String,
    /// How long to wait for the database to accept connections (a service container still starting).
    #[arg(long, env = "INPUT_CONNECT_TIMEOUT", default_value = "60s", value_parser = |t: &str| duration_input(t, "60s"))]
    pub connect_timeout: Duration,
    /// The longest one Alembic command may take before the run stops.
    #[arg(long, env = "INPUT_STEP_TIMEOUT", default_value = "5m", value_parser = |t: &str| duration_input(t, "5m"))]
    pub step_timeout: Duration,
}

/// A duration input; blank (an action input left at "") is the default.
fn duration_input(text: &str, default: &str) -> Result<Duration, String> {
    match text.trim() {
        "" => crate::inputs::duration(default),
        t => crate::inputs::duration(t),
    }
}

/// A command input; blank is the default.
fn command_or(value: &str, default: &str) -> String {
    match value.trim() {
        "" => default.to_string(),
        v => v.to_string(),
    }
}

/// What `run` works from, the inputs checked.
pub struct Settings {
    /// Where the project is: Alembic, its Python and squawk run there (relative commands too).
    pub dir: PathBuf,
    pub database_url: Option<String>,
    pub python: Vec<String>,
    pub config: Option<String>,
    pub stairway: bool,
    pub model_check: bool,
    pub contracts: bool,
    pub squawk: String,
    pub connect_timeout: Duration,
    pub step_timeout: Duration,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    // The process stays where it is (the workspace, where GitHub looks for annotated files):
    // findings name files from here, and only the commands run in the working directory.
    let dir = match given(&args.working_directory) {
        Some(dir) if !Path::new(dir).is_dir() => {
            return Err(Failure::invalid(format!(
                "working-directory {dir:?} is not a directory"
            )));
        }
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::new(),
    };
    // Absolute, so that a command given as a path means one file however a child resolves it.
    let dir = std::env::current_dir()
        .map_err(|e| Failure::invalid(format!("cannot read the working directory: {e}")))?
        .join(dir);
    let config = given(&args.config).map(str::to_string);
    let database_url = match given(&args.database_url) {
        Some(url) => Some(collect::check_url(url)?),
        None => None,
    };
    // The graph first, without Python: a tree check-alembic-heads blocks runs no SQL.
    let (heads, revisions) =
        crate::check_alembic_heads::inspect(crate::check_alembic_heads::Args {
            config: config.clone(),
            script_location: None,
            version_locations: None,
            max_heads: 1,
            resolve_dependencies: false,
            require_contract: false,
            contract_doc: None,
            changed_since: given(&args.changed_since).map(str::to_string),
            working_directory: given(&args.working_directory).map(str::to_string),
            sarif: None,
            comment: false,
            github_token: None,
        })?;
    if heads.verdict != crate::report::Verdict::Passed {
        return Ok(present::graph_blocked(heads));
    }
    let python = match given(&args.python) {
        Some(p) => python::words(p),
        None => python::of_alembic(&command_or(&args.alembic, "alembic"), &|name| {
            which_in(&dir, name)
        })
        .map_err(Failure::invalid)?,
    };
    let settings = Settings {
        dir,
        database_url,
        python,
        config,
        stairway: args.stairway,
        model_check: args.model_check,
        contracts: args.contracts,
        squawk: command_or(&args.squawk, "squawk"),
        connect_timeout: args.connect_timeout,
        step_timeout: args.step_timeout,
    };
    let ordered = order::in_order(&revisions);
    let collected = collect::collect(&settings, &ordered)?;
    let decided = decide::decide(&ordered, &collected);
    Ok(present::report(&ordered, &collected, &decided))
}

/// An executable on PATH, or the path itself when it names a file.
pub fn which(name: &str) -> Option<PathBuf> {
    which_in(Path::new("."), name)
}

/// An executable on PATH, or, when `name` is a path (`.venv/bin/alembic`), that file as seen
/// from `dir`, as a shell in `dir` would run it.
pub fn which_in(dir: &Path, name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    if path.components().count() > 1 {
        let path = dir.join(path);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
