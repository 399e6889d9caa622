//! `ready predeploy`: the pre-deploy checklist in one command. `ready.yml` names the gates to run
//! with their inputs and the environment variables that must be present; the report is a
//! checklist of items, each passed, blocked or skipped, and why. Values are never printed.

pub mod config;

use crate::actions::{self, ActionMeta, Here};
use crate::report::{Failure, Finding, Location, Report, Table, Verdict};
use crate::yaml::PathItem;
use config::Config;
use std::path::{Path, PathBuf};

pub const NAME: &str = "predeploy";

pub const META: ActionMeta = ActionMeta {
    name: NAME,
    gate: None,
    needs: actions::Needs::NOTHING,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The checklist: gates with their inputs, and required environment variables.
    #[arg(long, env = "INPUT_CONFIG", default_value = "ready.yml")]
    pub config: PathBuf,

    /// Skip the items that need a network (GitHub, Prometheus, the service) and say so.
    #[arg(long, env = "INPUT_OFFLINE", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = crate::inputs::off_unless_set)]
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
    // Paths in ready.yml are relative to it, as they are for the actions in a workflow; each
    // gate is handed this base rather than the process moving into it.
    let base = args.config.parent().unwrap_or(Path::new(""));

    let mut findings = Vec::new();
    let place = |path: &[PathItem]| {
        let mut location = Location::file(&file);
        location.line = crate::yaml::line_of(&text, path).map(|l| l as u32);
        location
    };
    let mut items = vec![required_env(&config, &place, base, &mut findings)?];
    for (name, inputs) in &config.gates {
        let name = name.as_str().unwrap_or_default().to_string();
        let at = place(&[PathItem::Key("gates"), PathItem::Key(&name)]);
        items.push(gate(&name, inputs, base, args.offline, at, &mut findings)?);
    }
    Ok(checklist(items, findings))
}

/// Where a path of the checklist is: its file and, when the path is in it, its line.
type Place<'a> = dyn Fn(&[PathItem]) -> Location + 'a;

fn required_env(
    config: &Config,
    place: &Place,
    base: &Path,
    findings: &mut Vec<Finding>,
) -> Result<Item, Failure> {
    let mut names = config.required_env.clone();
    if let Some(from) = &config.required_env_from {
        let text = std::fs::read_to_string(base.join(from)).map_err(|e| {
            Failure::invalid_at(
                format!("cannot read required-env-from {from}: {e}"),
                place(&[PathItem::Key("required-env-from")]),
            )
        })?;
        names.extend(config::env_example_names(&text));
    }
    let missing = config::missing_env(&names, |n| std::env::var(n).ok());
    for name in &missing {
        // On the name in `required-env`, or on `required-env-from` for a name read from there.
        let listed = config.required_env.iter().position(|n| n == name);
        let at = match listed {
            Some(index) => place(&[PathItem::Key("required-env"), PathItem::Index(index)]),
            None => place(&[PathItem::Key("required-env-from")]),
        };
        findings.push(
            Finding::error(
                "required-env-missing",
                "Required variable missing",
                format!("{name} is not set or is empty"),
            )
            .at(at),
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

fn github_token() -> Option<String> {
    ["GITHUB_TOKEN", "GH_TOKEN"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty()))
}

fn gate(
    name: &str,
    inputs: &yaml_serde::Value,
    base: &Path,
    offline: bool,
    at: Location,
    findings: &mut Vec<Finding>,
) -> Result<Item, Failure> {
    let invalid = |msg: String| Failure::invalid_at(msg, at.clone());
    let action = actions::find(name)
        .ok_or_else(|| invalid(format!("gates.{name}: no action is called {name}")))?;
    let Some(run_gate) = action.gate else {
        return Err(invalid(format!("{name} is not a pre-deploy gate")));
    };
    let mut flags =
        config::gate_flags(inputs).map_err(|e| invalid(format!("gates.{name}: {e}")))?;
    let token = github_token();
    let has_input = |key: &str| flags.iter().any(|(k, v)| k == key && !v.is_empty());
    let here = Here {
        offline,
        has_token: token.is_some(),
        has_input: &has_input,
    };
    if let Some(reason) = action.cannot_run_here(&here) {
        return Ok(Item {
            name: name.into(),
            outcome: Outcome::Skipped,
            why: reason,
            outputs: Vec::new(),
        });
    }
    // The gate does not read the predeploy step's `INPUT_*`: hand it the job's token.
    if let Some(input) = action.needs.github_token
        && !flags.iter().any(|(k, _)| k == input)
    {
        flags.push((input.into(), token.unwrap_or_default()));
    }
    let report = run_gate(&flags, base)
        .map_err(|e| invalid(format!("gates.{name}: {e}")))?
        .unwrap_or_else(|f| f.into_report(name));
    findings.extend(report.findings.iter().cloned());
    Ok(Item {
        name: name.into(),
        outcome: Outcome::Ran(report.verdict),
        why: report.headline,
        outputs: report.outputs,
    })
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
    let mut report = Report::new(NAME, verdict, headline);
    // One table, a state icon per item: the checklist reads at a glance.
    let mut table = Table::new(["Item", "Result", "Why"]);
    let mut json = Vec::new();
    for item in &items {
        let result = match item.outcome {
            Outcome::Ran(v) => v.as_str(),
            Outcome::Skipped => "skipped",
        };
        let icon = match item.outcome {
            Outcome::Ran(v) => v.icon(),
            Outcome::Skipped => "⏭️",
        };
        table.row([
            item.name.clone(),
            format!("{icon} {result}"),
            item.why.clone(),
        ]);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests and other callers of the library run in one process: a checklist in another
    /// directory must not move it.
    #[test]
    fn a_checklist_elsewhere_leaves_the_process_where_it_was() {
        let before = std::env::current_dir().unwrap();
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/ready.yml");
        let report = run(Args {
            config,
            offline: true,
        })
        .unwrap();
        assert_eq!(std::env::current_dir().unwrap(), before);
        // The demo's gates found their files beside ready.yml: only the variables are missing.
        assert_eq!(report.verdict, Verdict::Blocked, "{}", report.headline);
        assert_eq!(report.headline, "2 passed, 1 not passed, 1 skipped");
    }
}
