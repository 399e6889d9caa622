//! `ready config-check`: production configuration that is present and sane. A schema declares
//! each variable (required per environment, secret or not, its type and rules); the values come
//! from `.env` files (python-dotenv's grammar), the step's environment and, by name only, a
//! GitHub environment's secrets and variables. Values are masked as they are read and never
//! printed. Parity: `.env.example`, a compose file's `environment:` and the schema name the same
//! variables.
//!
//! Collect (`collect.rs`, the only I/O) → rules (`rules/`, pure, one unit each) → present
//! (`present.rs`).

mod collect;
pub mod compose;
pub mod dotenv;
mod present;
mod rules;
pub mod schema;
pub mod sources;
pub mod values;

pub use collect::example_names;
pub use rules::Rule;

use crate::report::{Failure, Report};

pub const NAME: &str = "config-check";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: Some(|inputs, base| crate::actions::run_as_gate(NAME, inputs, base, run)),
    // GitHub is read only when a token is given to list the environment's names.
    needs: crate::actions::Needs {
        network: Some("GitHub's API"),
        network_when: Some("github-token"),
        ..crate::actions::Needs::NOTHING
    },
};

#[derive(Debug, Default, Clone, clap::Args)]
pub struct Args {
    /// The schema (YAML): each variable, where it is required, its type and rules
    /// (docs/config-check.md).
    #[arg(long, env = "INPUT_SCHEMA")]
    pub schema: Option<String>,
    /// The environment checked, e.g. production or staging: which variables are required and
    /// which values `equals` wants.
    #[arg(long, env = "INPUT_ENVIRONMENT")]
    pub environment: Option<String>,
    /// `.env` files to read, separated by newlines or commas.
    #[arg(long, env = "INPUT_ENV_FILES")]
    pub env_files: Option<String>,
    /// Read the schema's variables from the step's environment too (where a workflow maps
    /// `secrets.*` and `vars.*`) [default: true].
    #[arg(long, env = "INPUT_STEP_ENV")]
    pub step_env: Option<String>,
    /// Variable names required in every environment, besides the schema's, separated by
    /// newlines or commas.
    #[arg(long, env = "INPUT_REQUIRED")]
    pub required: Option<String>,
    /// An `.env.example` whose names must match the schema's and the compose file's (without
    /// a schema: whose names are required).
    #[arg(long, env = "INPUT_ENV_EXAMPLE")]
    pub env_example: Option<String>,
    /// A compose file whose services' `environment:` names must match the schema's.
    #[arg(long, env = "INPUT_COMPOSE_FILE")]
    pub compose_file: Option<String>,
    /// A token that may list the GitHub environment's secrets and variables (their names):
    /// presence is then checked where values are not exposed to the step.
    #[arg(long, env = "INPUT_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// The GitHub environment to list (default: environment).
    #[arg(long, env = "INPUT_GITHUB_ENVIRONMENT")]
    pub github_environment: Option<String>,
    /// owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, env = "INPUT_REPOSITORY")]
    pub repository: Option<String>,
    /// Where to write SARIF 2.1.0 for code scanning.
    #[arg(long, env = "INPUT_SARIF")]
    pub sarif: Option<String>,
    /// Where relative paths are read from, and named from in findings. Default: the current
    /// directory. (A flag, not an action input: a workflow step sets its own
    /// `working-directory`; predeploy sets this one.)
    #[arg(long, value_hint = clap::ValueHint::DirPath)]
    pub working_directory: Option<String>,
    /// Where the caller lists each `required` name, for its finding (predeploy: the line in
    /// ready.yml). Not a flag.
    #[arg(skip)]
    pub required_at: Vec<(String, crate::report::Location)>,
}

/// Every relative path input taken from `working-directory`.
fn rebase(args: &mut Args) {
    let Some(dir) = crate::inputs::given(&args.working_directory).map(std::path::PathBuf::from)
    else {
        return;
    };
    let join = |path: &str| {
        let p = std::path::Path::new(path);
        if p.is_relative() {
            dir.join(p)
        } else {
            p.to_path_buf()
        }
        .display()
        .to_string()
    };
    for input in [
        &mut args.schema,
        &mut args.env_example,
        &mut args.compose_file,
        &mut args.sarif,
    ] {
        if let Some(path) = crate::inputs::given(input).map(join) {
            *input = Some(path);
        }
    }
    let files: Vec<String> = crate::inputs::list(args.env_files.as_deref().unwrap_or_default())
        .iter()
        .map(|f| join(f))
        .collect();
    args.env_files = Some(files.join("\n"));
}

pub fn run(mut args: Args) -> Result<Report, Failure> {
    rebase(&mut args);
    let env = |name: &str| std::env::var(name).ok();
    let mut collected = collect::collect(&args, &env)?;
    // Without a schema, an example's names are the required ones, each on its line.
    if collected.schema.is_none()
        && let Some(example) = collected.example.take()
    {
        for (name, line) in example.names {
            let at = crate::report::Location::line(&example.file, line);
            collected.required_at.push((name.clone(), at));
            collected.required.push(name);
        }
    }
    let findings = rules::check(&collected);
    let mut report = present::report(&collected, findings);
    if let Some(path) = crate::inputs::given(&args.sarif) {
        crate::render::sarif::write_file(
            std::path::Path::new(path),
            NAME,
            &rules::Rule::sarif_rules(),
            &report.findings,
        )?;
        report.output("sarif", path);
    }
    Ok(report)
}
