//! `ready predeploy`: the pre-deploy checklist in one command. `ready.yml` names the gates to run
//! with their inputs and the environment variables that must be present; the report is a
//! checklist of items, each passed, blocked or skipped, and why. Values are never printed.

pub mod config;

use crate::cli::{Cli, Command};
use crate::report::{Failure, Finding, Location, Report, Table, Verdict};
use clap::{CommandFactory, FromArgMatches};
use config::Config;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The checklist: gates with their inputs, and required environment variables.
    #[arg(long, env = "INPUT_CONFIG", default_value = "ready.yml")]
    pub config: PathBuf,

    /// Skip the items that need a network (GitHub, Prometheus, the service) and say so.
    #[arg(long, env = "INPUT_OFFLINE", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub offline: bool,
}

/// One line of the checklist.
struct Item {
    name: String,
    outcome: Outcome,
    why: String,
    /// The gate's own outputs, e.g. check-alembic-heads' `requires-maintenance-window`.
    outputs: Vec<(String, String)>,
}

enum Outcome {
    Ran(Verdict),
    Skipped,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let file = args.config.display().to_string();
    let text = std::fs::read_to_string(&args.config).map_err(|e| {
        Failure::invalid(format!(
            "cannot read the checklist {file}: {e} (pass --config)"
        ))
    })?;
    let config: Option<Config> = crate::yaml::from_str(&text).map_err(|e| {
        let mut location = Location::file(&file);
        location.line = e.location().map(|l| l.line() as u32);
        Failure::invalid_at(format!("{file} is not a valid checklist: {e}"), location)
    })?;
    // An empty checklist would pass without checking anything: that is a mistake, not a pass.
    let config = config.filter(|c| !c.is_empty()).ok_or_else(|| {
        Failure::invalid_at(
            format!("{file} lists nothing to check: give required-env, required-env-from or gates"),
            Location::file(&file),
        )
    })?;
    // Paths in ready.yml are relative to it, as they are for the actions in a workflow.
    let base = args
        .config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::env::set_current_dir(base)
        .map_err(|e| Failure::invalid(format!("cannot enter {}: {e}", base.display())))?;

    let mut findings = Vec::new();
    let mut items = vec![required_env(&config, &file, &mut findings)?];
    for (name, inputs) in &config.gates {
        let name = name.as_str().unwrap_or_default().to_string();
        items.push(gate(&name, inputs, args.offline, &file, &mut findings)?);
    }
    Ok(checklist(items, findings))
}

fn required_env(config: &Config, file: &str, findings: &mut Vec<Finding>) -> Result<Item, Failure> {
    let mut names = config.required_env.clone();
    if let Some(from) = &config.required_env_from {
        let text = std::fs::read_to_string(from).map_err(|e| {
            Failure::invalid_at(
                format!("cannot read required-env-from {from}: {e}"),
                Location::file(file),
            )
        })?;
        names.extend(config::env_example_names(&text));
    }
    let missing = config::missing_env(&names, |n| std::env::var(n).ok());
    for name in &missing {
        findings.push(
            Finding::error(
                "required-env-missing",
                "Required variable missing",
                format!("{name} is not set or is empty"),
            )
            .at(Location::file(file)),
        );
    }
    let (outcome, why) = match (names.is_empty(), missing.is_empty()) {
        (true, _) => (Outcome::Skipped, "no required variables listed".to_string()),
        (false, true) => (
            Outcome::Ran(Verdict::Passed),
            format!("{} variable(s) present", dedup_len(&names)),
        ),
        (false, false) => (
            Outcome::Ran(Verdict::Blocked),
            format!("missing: {}", missing.join(", ")),
        ),
    };
    Ok(Item {
        name: "required-env".into(),
        outcome,
        why,
        outputs: Vec::new(),
    })
}

fn dedup_len(names: &[String]) -> usize {
    names
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Why a gate cannot run here, if it cannot.
fn skip_reason(name: &str, flags: &[(String, String)], offline: bool) -> Option<String> {
    let has = |key: &str| flags.iter().any(|(k, v)| k == key && !v.is_empty());
    match name {
        "gate-on-green" if !has("github-token") && github_token().is_none() => {
            Some("needs a GitHub token: set GITHUB_TOKEN or the gate's github-token".into())
        }
        "gate-on-green" if offline => Some("needs GitHub's API (--offline)".into()),
        "error-budget-gate" if offline && !has("metrics-file") => {
            Some("needs Prometheus (--offline); a metrics-file works offline".into())
        }
        "smoke" if offline => Some("needs the deployed service (--offline)".into()),
        _ => None,
    }
}

fn github_token() -> Option<String> {
    ["GITHUB_TOKEN", "GH_TOKEN"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty()))
}

fn gate(
    name: &str,
    inputs: &yaml_serde::Value,
    offline: bool,
    file: &str,
    findings: &mut Vec<Finding>,
) -> Result<Item, Failure> {
    let invalid = |msg: String| Failure::invalid_at(msg, Location::file(file));
    if matches!(name, "predeploy" | "promote" | "rollback" | "image-tag") {
        return Err(invalid(format!("{name} is not a pre-deploy gate")));
    }
    let mut flags =
        config::gate_flags(inputs).map_err(|e| invalid(format!("gates.{name}: {e}")))?;
    if let Some(reason) = skip_reason(name, &flags, offline) {
        return Ok(Item {
            name: name.into(),
            outcome: Outcome::Skipped,
            why: reason,
            outputs: Vec::new(),
        });
    }
    if name == "gate-on-green" && !flags.iter().any(|(k, _)| k == "github-token") {
        flags.push(("github-token".into(), github_token().unwrap_or_default()));
    }
    let command = parse_gate(name, &flags).map_err(|e| invalid(format!("gates.{name}: {e}")))?;
    let report = command.run().unwrap_or_else(|f| f.into_report(name));
    findings.extend(report.findings.iter().cloned());
    Ok(Item {
        name: name.into(),
        outcome: Outcome::Ran(report.verdict),
        why: report.headline,
        outputs: report.outputs,
    })
}

/// Parses a gate's inputs with the gate's own flags, ignoring `INPUT_*` variables: those belong
/// to the predeploy step, not to the gates it runs.
fn parse_gate(name: &str, flags: &[(String, String)]) -> Result<Command, String> {
    let mut argv = vec!["ready".to_string(), name.to_string()];
    for (key, value) in flags {
        argv.push(format!("--{key}={value}"));
    }
    let cmd = Cli::command();
    if cmd.find_subcommand(name).is_none() {
        return Err(format!("no action is called {name}"));
    }
    let cmd = cmd.mut_subcommand(name, |sub| sub.mut_args(|arg| arg.env(None)));
    let matches = cmd
        .try_get_matches_from(argv)
        .map_err(|e| first_line(&e.to_string()))?;
    Cli::from_arg_matches(&matches)
        .map(|cli| cli.command)
        .map_err(|e| first_line(&e.to_string()))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string()
}

fn checklist(items: Vec<Item>, findings: Vec<Finding>) -> Report {
    let verdict = items
        .iter()
        .filter_map(|i| match i.outcome {
            Outcome::Ran(v) => Some(v),
            Outcome::Skipped => None,
        })
        .max_by_key(|v| v.exit_code())
        .unwrap_or(Verdict::Passed);
    let count = |f: &dyn Fn(&Outcome) -> bool| items.iter().filter(|i| f(&i.outcome)).count();
    let passed = count(&|o| matches!(o, Outcome::Ran(Verdict::Passed)));
    let skipped = count(&|o| matches!(o, Outcome::Skipped));
    let failed = items.len() - passed - skipped;
    let headline = format!("{passed} passed, {failed} not passed, {skipped} skipped");
    let mut report = Report::new("predeploy", verdict, headline);
    let mut table = Table::new(["Item", "Result", "Why"]);
    let mut json = Vec::new();
    for item in &items {
        let result = match item.outcome {
            Outcome::Ran(v) => v.as_str(),
            Outcome::Skipped => "skipped",
        };
        table.row([item.name.clone(), result.to_string(), item.why.clone()]);
        let outputs: serde_json::Map<String, serde_json::Value> = item
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        json.push(serde_json::json!({"item": item.name, "result": result, "why": item.why, "outputs": outputs}));
    }
    report.table = Some(table);
    report.findings = findings;
    report.output("passed", passed.to_string());
    report.output("failed", failed.to_string());
    report.output("skipped", skipped.to_string());
    report.output("checklist", serde_json::Value::Array(json).to_string());
    report
}
