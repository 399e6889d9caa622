//! `ready check-alembic-heads`: reads an Alembic project's migration files without running them,
//! computes the heads exactly as `alembic heads` does, and reports every problem of the revision
//! graph and of the declared migration contracts at once, each on its file and line.
//!
//! I/O lives here (config, directory walk, git); `config`, `script`, `graph` and `rules` are pure.
//! `rules/` holds one file per rule and the driver that runs them all over the read tree.

pub mod config;
mod files;
pub mod graph;
pub mod quick;
pub mod rules;
pub mod script;
pub mod workers;

use crate::report::{Failure, Report};
use std::path::{Path, PathBuf};

pub const NAME: &str = "check-alembic-heads";
/// The old name of `NAME`, which rules.rs still reads until its rewrite.
pub(crate) const ACTION: &str = NAME;

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: Some(|inputs, base| crate::actions::run_as_gate(NAME, inputs, base, run)),
    needs: crate::actions::Needs::NOTHING,
};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// alembic.ini or pyproject.toml ([tool.alembic]); default: alembic.ini and pyproject.toml in the working directory.
    #[arg(long, env = "INPUT_CONFIG")]
    pub config: Option<String>,
    /// Overrides script_location (for projects that set it at run time in env.py).
    #[arg(long, env = "INPUT_SCRIPT_LOCATION")]
    pub script_location: Option<String>,
    /// Overrides version_locations: directories separated by newlines or commas.
    #[arg(long, env = "INPUT_VERSION_LOCATIONS")]
    pub version_locations: Option<String>,
    /// The most heads allowed.
    #[arg(long, env = "INPUT_MAX_HEADS", default_value_t = 1, value_parser = count_input)]
    pub max_heads: usize,
    /// Count heads as `alembic heads --resolve-dependencies` prints them.
    #[arg(long, env = "INPUT_RESOLVE_DEPENDENCIES", default_value_t = false, action = clap::ArgAction::Set, value_parser = crate::inputs::off_unless_set)]
    pub resolve_dependencies: bool,
    /// Each checked migration must declare migration_contract and a downgrade (or no_downgrade).
    #[arg(long, env = "INPUT_REQUIRE_CONTRACT", default_value_t = false, action = clap::ArgAction::Set, value_parser = crate::inputs::off_unless_set)]
    pub require_contract: bool,
    /// A file that must mention each checked migration's revision id.
    #[arg(long, env = "INPUT_CONTRACT_DOC")]
    pub contract_doc: Option<String>,
    /// A git ref: contract rules apply only to migration files added or changed since it.
    #[arg(long, env = "INPUT_CHANGED_SINCE")]
    pub changed_since: Option<String>,
    /// Where the Alembic project is: `config` and the paths in it are read from here, and
    /// findings name files relative to it. Default: the current directory. (A flag, not an
    /// action input: a workflow step sets its own `working-directory`; predeploy sets this one.)
    #[arg(long, value_hint = clap::ValueHint::DirPath)]
    pub working_directory: Option<String>,
    /// Also write the findings as SARIF 2.1.0 to this file, for code scanning.
    #[arg(long, env = "INPUT_SARIF")]
    pub sarif: Option<String>,
    /// On pull_request events, keep the findings in one sticky PR comment, updated on every run
    /// and marked resolved once they are gone (needs pull-requests: write).
    #[arg(long, env = "INPUT_COMMENT", default_value_t = false, action = clap::ArgAction::Set, value_parser = crate::inputs::off_unless_set)]
    pub comment: bool,
    /// Token for the PR comment (default: $GITHUB_TOKEN).
    #[arg(long, env = "INPUT_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
}

use crate::inputs::given as set;

/// A count; empty is the default, 1.
fn count_input(value: &str) -> Result<usize, String> {
    match value.trim() {
        "" => Ok(1),
        v => v
            .parse()
            .map_err(|_| format!("expected a whole number, found {v:?}")),
    }
}

pub fn run(args: Args) -> Result<Report, Failure> {
    check(args, false).map(|(report, _)| report)
}

/// `run`, and the revisions of the graph it checked (see `rules::Revision`).
pub fn inspect(args: Args) -> Result<(Report, Vec<rules::Revision>), Failure> {
    check(args, true)
}

/// `run`, and with `revisions` the graph's revisions too (a copy of every id and file name,
/// which the check alone does not need).
fn check(mut args: Args, revisions: bool) -> Result<(Report, Vec<rules::Revision>), Failure> {
    args.config = set(&args.config).map(str::to_string);
    args.script_location = set(&args.script_location).map(str::to_string);
    args.version_locations = set(&args.version_locations).map(str::to_string);
    args.contract_doc = set(&args.contract_doc).map(str::to_string);
    args.changed_since = set(&args.changed_since).map(str::to_string);
    // Files are named from the process's directory, where GitHub looks for annotated files;
    // the project itself may be below it.
    let root = std::env::current_dir()
        .map_err(|e| Failure::invalid(format!("cannot read the working directory: {e}")))?;
    let cwd = match set(&args.working_directory) {
        Some(dir) => root.join(dir),
        None => root.clone(),
    };
    let locations = locate(&args, &cwd)?;
    let listing = files::Listing::new(&locations.version_dirs, locations.recursive, &root);
    let (sources, scripts) = workers::map_unzip(&listing.files, |file| listing.read(file))?;
    let checked: Option<Vec<bool>> = match &args.changed_since {
        Some(reference) => {
            let changed = changed_files(reference, &cwd)?;
            Some(
                listing
                    .files
                    .iter()
                    .map(|f| {
                        std::fs::canonicalize(listing.path(f)).is_ok_and(|c| changed.contains(&c))
                    })
                    .collect(),
            )
        }
        None => None,
    };
    let contract_doc = match &args.contract_doc {
        Some(path) => Some((
            path.clone(),
            std::fs::read_to_string(cwd.join(path))
                .map_err(|e| Failure::invalid(format!("cannot read contract-doc {path}: {e}")))?,
        )),
        None => None,
    };
    let options = rules::Options {
        max_heads: args.max_heads,
        resolve_dependencies: args.resolve_dependencies,
        require_contract: args.require_contract,
        contract_doc,
        checked,
        locations: locations
            .version_dirs
            .iter()
            .map(|d| display_path(d, &root))
            .collect(),
    };
    let (mut report, revisions) = if revisions {
        rules::check_read_revisions(&sources, &scripts, &options)
    } else {
        (rules::check_read(&sources, &scripts, &options), Vec::new())
    };
    if let Some(path) = set(&args.sarif) {
        crate::render::sarif::write_file(
            Path::new(path),
            NAME,
            &rules::Rule::sarif_rules(),
            &report.findings,
        )?;
    }
    crate::github::comment::apply(&mut report, args.comment, args.github_token.clone());
    Ok((report, revisions))
}

/// Where the migrations are, resolved as Alembic resolves them.
#[derive(Debug)]
struct Locations {
    version_dirs: Vec<PathBuf>,
    recursive: bool,
}

fn read_optional(path: &Path) -> Result<Option<String>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::invalid(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn here_of(path: &Path, cwd: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    abs.parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default()
}

fn locate(args: &Args, cwd: &Path) -> Result<Locations, Failure> {
    // Alembic's CLI reads both files: the one named by -c and the default of the other kind.
    let (ini_path, toml_path, named) = match &args.config.as_deref().map(PathBuf::from) {
        Some(path) if path.file_name().is_some_and(|n| n == "pyproject.toml") => (
            PathBuf::from("alembic.ini"),
            path.clone(),
            Some(path.clone()),
        ),
        Some(path) => (
            path.clone(),
            PathBuf::from("pyproject.toml"),
            Some(path.clone()),
        ),
        None => (
            PathBuf::from("alembic.ini"),
            PathBuf::from("pyproject.toml"),
            None,
        ),
    };
    let ini_text = read_optional(&cwd.join(&ini_path))?;
    let toml_text = read_optional(&cwd.join(&toml_path))?;
    if let Some(named) = &named {
        let found = if named == &ini_path {
            ini_text.is_some()
        } else {
            toml_text.is_some()
        };
        if !found {
            return Err(Failure::invalid(format!(
                "config file {} not found (looked in {})",
                named.display(),
                cwd.display()
            )));
        }
    }
    let ini =
        match &ini_text {
            Some(text) => Some(config::Ini::parse(text).map_err(|e| {
                Failure::invalid(format!("cannot read {}: {e}", ini_path.display()))
            })?),
            None => None,
        };
    let toml = match &toml_text {
        Some(text) => config::toml_alembic(text)
            .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", toml_path.display())))?,
        None => None,
    };
    let sources = config::Sources {
        ini: ini.as_ref().map(|i| (i, here_of(&ini_path, cwd))),
        toml: toml.as_ref().map(|t| (t, here_of(&toml_path, cwd))),
        section: "alembic",
    };
    let mut settings = sources
        .settings()
        .map_err(|e| Failure::invalid(format!("cannot use the Alembic configuration: {e}")))?;
    if let Some(loc) = &args.script_location {
        settings.script_location = Some(loc.clone());
    }
    if let Some(list) = &args.version_locations {
        settings.version_locations = Some(
            list.split(['\n', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    let looked = || {
        let state = |text: bool, what: &str, path: &Path| {
            if text {
                format!("{} ({what})", path.display())
            } else {
                format!("{} (not found)", path.display())
            }
        };
        format!(
            "looked for script_location in [alembic] of {} and in [tool.alembic] of {}, in {}; \
             set `config`, or `script-location`/`version-locations`",
            state(ini_text.is_some(), "no script_location", &ini_path),
            state(toml.is_some(), "no script_location", &toml_path),
            cwd.display()
        )
    };
    let version_dirs: Vec<PathBuf> = match (&settings.version_locations, &settings.script_location)
    {
        (Some(list), _) if !list.is_empty() => list.iter().map(|l| resource_path(l, cwd)).collect(),
        (_, Some(script)) => {
            let dir = resource_path(script, cwd);
            if !dir.exists() {
                return Err(Failure::invalid(format!(
                    "script_location {} does not exist ({})",
                    script,
                    dir.display()
                )));
            }
            vec![dir.join("versions")]
        }
        _ => {
            return Err(Failure::invalid(format!(
                "no Alembic configuration found: {}",
                looked()
            )));
        }
    };
    let existing: Vec<PathBuf> = version_dirs
        .iter()
        .filter(|d| d.exists())
        .cloned()
        .collect();
    if existing.is_empty() {
        return Err(Failure::invalid(format!(
            "no version location exists: {}",
            version_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(Locations {
        version_dirs: existing,
        recursive: settings.recursive,
    })
}

/// `coerce_resource_to_filename`: a relative name with a colon is `package:path`; without
/// importing anything we take the package's directory under the working directory.
fn resource_path(location: &str, cwd: &Path) -> PathBuf {
    let path = Path::new(location);
    if !path.is_absolute() && location.contains(':') {
        let mut parts = location.split(':');
        let package = parts.next().unwrap_or_default();
        let mut dir = cwd.join(package.replace('.', "/"));
        for part in parts {
            dir.push(part);
        }
        return dir;
    }
    cwd.join(path)
}

fn display_path(path: &Path, cwd: &Path) -> String {
    slashed(path.strip_prefix(cwd).unwrap_or(path))
}

/// A path as findings show it: forward slashes on every platform.
fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Files added or changed since `reference` (from the merge base to the working tree, plus
/// untracked files), as canonical paths.
fn changed_files(
    reference: &str,
    cwd: &Path,
) -> Result<std::collections::HashSet<PathBuf>, Failure> {
    let git = |args: &[&str]| -> Result<String, Failure> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(cwd)
            .output()
            .map_err(|e| Failure::invalid(format!("changed-since needs git: {e}")))?;
        if !out.status.success() {
            return Err(Failure::invalid(format!(
                "changed-since {reference:?}: git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    if reference.starts_with('-') {
        return Err(Failure::invalid(format!(
            "changed-since {reference:?} is not a git ref"
        )));
    }
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{reference}^{{commit}}"),
    ])?;
    let diff = git(&[
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=AM",
        "--merge-base",
        reference,
        "--",
    ])?;
    let untracked = git(&[
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--full-name",
    ])?;
    Ok(diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|s| !s.is_empty())
        .filter_map(|p| std::fs::canonicalize(top.join(p)).ok())
        .collect())
}
