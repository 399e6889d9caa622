//! The registry of actions: each action module declares one `META` (its name, whether predeploy
//! may run it as a gate, and what it needs to run here); `ALL` lists them. The CLI, predeploy's
//! gate table and the action contract test read this list instead of naming actions themselves.

use crate::report::{Failure, Report};
use std::path::Path;

/// What one action declares about itself.
pub struct ActionMeta {
    /// The action's name: `ready <name>`, `actions/<name>/`, `docs/<name>.md`, the report.
    pub name: &'static str,
    /// How predeploy runs it as a gate, from the gate's inputs in `ready.yml`; `None` for the
    /// actions that are no pre-deploy gate (they publish, move or are predeploy itself).
    pub gate: Option<GateRunner>,
    /// What it needs that may be missing here.
    pub needs: Needs,
}

/// Runs an action from a gate's inputs, `(input name, value)` pairs, with relative paths taken
/// from a base directory (the checklist's). `Err` is an input the action's flags refuse, as one
/// line.
pub type GateRunner = fn(&[(String, String)], &Path) -> Result<Result<Report, Failure>, String>;

/// What an action needs beyond its inputs, so predeploy can skip it with the reason.
#[derive(Clone, Copy, Default)]
pub struct Needs {
    /// The network service it talks to, as the skip reason names it ("GitHub's API").
    pub network: Option<&'static str>,
    /// The input without which it talks to no network service: the service is then needed
    /// only when the gate sets it (config-check reads GitHub only with a `github-token`).
    /// `None`: always needed.
    pub network_when: Option<&'static str>,
    /// An input that, when given, replaces that service with a local file.
    pub offline_with: Option<&'static str>,
    /// The input that takes a GitHub token, when it cannot run without one.
    pub github_token: Option<&'static str>,
}

impl Needs {
    pub const NOTHING: Needs = Needs {
        network: None,
        network_when: None,
        offline_with: None,
        github_token: None,
    };
}

/// Where an action is about to run: what predeploy knows when it decides to skip a gate.
pub struct Here<'a> {
    pub offline: bool,
    pub has_token: bool,
    /// Whether the gate's inputs set this input to a non-empty value.
    pub has_input: &'a dyn Fn(&str) -> bool,
}

impl ActionMeta {
    /// Why this action cannot run here, if it cannot.
    pub fn cannot_run_here(&self, here: &Here) -> Option<String> {
        if let Some(input) = self.needs.github_token
            && !(here.has_input)(input)
            && !here.has_token
        {
            return Some(format!(
                "needs a GitHub token: set GITHUB_TOKEN or the gate's {input}"
            ));
        }
        let mut service = self.needs.network?.to_string();
        if let Some(input) = self.needs.network_when {
            if !(here.has_input)(input) {
                return None;
            }
            service = format!("{service} for its {input}");
        }
        match self.needs.offline_with {
            _ if !here.offline => None,
            Some(input) if (here.has_input)(input) => None,
            Some(input) => Some(format!(
                "needs {service} (--offline); a {input} works offline"
            )),
            None => Some(format!("needs {service} (--offline)")),
        }
    }
}

/// Every action, in the order `ready --help` lists them.
pub const ALL: &[&ActionMeta] = &[
    &crate::image_tag::META,
    &crate::predeploy::META,
    &crate::gate_on_green::META,
    &crate::error_budget_gate::META,
    &crate::check_alembic_heads::META,
    &crate::config_check::META,
    &crate::migration_smoke::META,
    &crate::smoke::META,
    &crate::k8s_ready::META,
    &crate::watch::META,
    &crate::promote::META,
    &crate::rollback::META,
    &crate::pr_dependencies::META,
];

/// The action called `name`.
pub fn find(name: &str) -> Option<&'static ActionMeta> {
    ALL.iter().copied().find(|a| a.name == name)
}

/// Parses a gate's inputs with the action's own `Args` alone (no `INPUT_*` fallback: those belong
/// to the step that runs predeploy) and runs it. The values are the strings a workflow's `with:`
/// passes, read by the same value parsers as the action's inputs, so a gate behaves in predeploy
/// exactly as it does as a step. Each value goes as one `--name=value`, so a value that starts
/// with `-` stays a value.
///
/// Paths are the checklist's, relative to `base`: an input the action marks as a path
/// (`value_hint`) is joined to it, and an action with a `working-directory` input is given
/// `base` when the gate does not set one — no change of the process's directory.
pub fn run_as_gate<A: clap::Args + clap::FromArgMatches>(
    name: &'static str,
    inputs: &[(String, String)],
    base: &Path,
    run: fn(A) -> Result<Report, Failure>,
) -> Result<Result<Report, Failure>, String> {
    let command = A::augment_args(clap::Command::new(name))
        .no_binary_name(true)
        // `format` is the CLI's global flag: a gate given one ignores it, as it always has.
        .arg(clap::Arg::new("format").long("format").hide(true))
        .mut_args(|arg| arg.env(None));
    let argv = gate_argv(&command, inputs, base)
        .into_iter()
        .map(|(key, value)| format!("--{key}={value}"));
    let matches = command
        .try_get_matches_from(argv)
        .map_err(|e| first_line(&e.to_string()))?;
    let args = A::from_arg_matches(&matches).map_err(|e| first_line(&e.to_string()))?;
    Ok(run(args))
}

/// The gate's inputs with their paths resolved against `base`.
fn gate_argv(
    command: &clap::Command,
    inputs: &[(String, String)],
    base: &Path,
) -> Vec<(String, String)> {
    use clap::ValueHint;
    if base.as_os_str().is_empty() || base == Path::new(".") {
        return inputs.to_vec();
    }
    let arg = |key: &str| command.get_arguments().find(|a| a.get_long() == Some(key));
    let is_path = |key: &str| {
        arg(key).is_some_and(|a| {
            matches!(
                a.get_value_hint(),
                ValueHint::FilePath | ValueHint::DirPath | ValueHint::AnyPath
            )
        })
    };
    let mut argv: Vec<(String, String)> = inputs
        .iter()
        .map(|(key, value)| {
            let relative = !value.trim().is_empty() && Path::new(value).is_relative();
            let value = if relative && is_path(key) {
                base.join(value).display().to_string()
            } else {
                value.clone()
            };
            (key.clone(), value)
        })
        .collect();
    const WORKING_DIRECTORY: &str = "working-directory";
    if arg(WORKING_DIRECTORY).is_some() && !inputs.iter().any(|(k, _)| k == WORKING_DIRECTORY) {
        argv.push((WORKING_DIRECTORY.into(), base.display().to_string()));
    }
    argv
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_has_one_subcommand_per_registered_action() {
        let cli = crate::cli::Cli::command();
        let subcommands: Vec<&str> = cli
            .get_subcommands()
            .map(|s| s.get_name())
            .filter(|n| *n != "help")
            .collect();
        let registered: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        assert_eq!(subcommands, registered);
    }

    #[test]
    fn a_gates_paths_are_taken_from_the_checklists_directory() {
        #[derive(clap::Args)]
        struct Gate {
            #[arg(long, value_hint = clap::ValueHint::FilePath)]
            spec: Option<String>,
            #[arg(long)]
            name: Option<String>,
            #[arg(long, value_hint = clap::ValueHint::DirPath)]
            working_directory: Option<String>,
        }
        let command = <Gate as clap::Args>::augment_args(clap::Command::new("gate"));
        let inputs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let given = inputs(&[("spec", "smoke.yml"), ("name", "x.yml"), ("spec", "")]);
        assert_eq!(
            gate_argv(&command, &given, Path::new("deploy")),
            inputs(&[
                ("spec", "deploy/smoke.yml"),
                ("name", "x.yml"),
                ("spec", ""),
                ("working-directory", "deploy"),
            ])
        );
        let absolute = inputs(&[("spec", "/etc/smoke.yml"), ("working-directory", "app")]);
        assert_eq!(
            gate_argv(&command, &absolute, Path::new("deploy")),
            inputs(&[
                ("spec", "/etc/smoke.yml"),
                ("working-directory", "deploy/app")
            ])
        );
        assert_eq!(gate_argv(&command, &given, Path::new("")), given);
    }

    #[test]
    fn skip_reasons_follow_what_an_action_needs() {
        fn none(_: &str) -> bool {
            false
        }
        fn metrics_file(input: &str) -> bool {
            input == "metrics-file"
        }
        fn here(offline: bool, has_token: bool, has_input: &dyn Fn(&str) -> bool) -> Here<'_> {
            Here {
                offline,
                has_token,
                has_input,
            }
        }
        let gog = find("gate-on-green").unwrap();
        assert!(
            gog.cannot_run_here(&here(false, false, &none))
                .unwrap()
                .starts_with("needs a GitHub token")
        );
        assert_eq!(gog.cannot_run_here(&here(false, true, &none)), None);
        let ebg = find("error-budget-gate").unwrap();
        assert!(ebg.cannot_run_here(&here(true, false, &none)).is_some());
        assert_eq!(ebg.cannot_run_here(&here(true, false, &metrics_file)), None);
        let heads = find("check-alembic-heads").unwrap();
        assert_eq!(heads.cannot_run_here(&here(true, false, &none)), None);
        // config-check reads GitHub only with a github-token, token or no job token.
        fn github_token(input: &str) -> bool {
            input == "github-token"
        }
        let config = find("config-check").unwrap();
        assert_eq!(config.cannot_run_here(&here(true, true, &none)), None);
        assert_eq!(
            config
                .cannot_run_here(&here(true, false, &github_token))
                .as_deref(),
            Some("needs GitHub's API for its github-token (--offline)")
        );
        assert_eq!(
            config.cannot_run_here(&here(false, false, &github_token)),
            None
        );
    }
}
