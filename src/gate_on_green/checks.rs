//! Pure logic of the gate: what was observed on the commit (check runs and statuses, normalised
//! and deduplicated), what is expected, and the verdict they give. No I/O.

use crate::github::models::{CheckRun, Status, WorkflowRun};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where an observed check comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    CheckRun {
        id: u64,
        app_id: Option<u64>,
        app: String,
        suite: Option<u64>,
    },
    Status,
    /// A workflow run on the commit that is not done: it may still create jobs.
    WorkflowRun {
        id: u64,
        path: String,
    },
}

/// A check run or commit status, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub name: String,
    pub kind: Kind,
    /// Check run `status` or status `state` while it runs; None once it has a conclusion.
    pub pending: Option<String>,
    /// Check run conclusion, or `success`/`failure`/`error` for a status.
    pub conclusion: Option<String>,
    pub url: Option<String>,
}

impl Observed {
    pub fn source(&self) -> String {
        match &self.kind {
            Kind::CheckRun { app, .. } if !app.is_empty() => format!("check run ({app})"),
            Kind::CheckRun { .. } => "check run".to_string(),
            Kind::Status => "status".to_string(),
            Kind::WorkflowRun { path, .. } => format!("workflow run ({path})"),
        }
    }

    fn app_id(&self) -> Option<u64> {
        match self.kind {
            Kind::CheckRun { app_id, .. } => app_id,
            _ => None,
        }
    }
}

/// Which workflow file (`path`) each check suite runs, where the gate could tell.
pub type SuiteWorkflows = HashMap<u64, String>;

/// What makes two check runs of the same app and name the same check: the same check suite
/// (a re-run attempt stays in its workflow run's suite), or suites of the same workflow file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Origin<'a> {
    Workflow(&'a str),
    Suite(Option<u64>),
}

fn suite_of(run: &CheckRun) -> Option<u64> {
    run.check_suite.as_ref().map(|s| s.id)
}

/// Whether two check runs of one app share a name in different check suites: only then does
/// it matter which workflow each suite runs.
pub fn names_shared_across_suites(runs: &[CheckRun]) -> bool {
    let mut suites: HashMap<(Option<u64>, &str), Option<u64>> = HashMap::new();
    runs.iter().any(|run| {
        let key = (run.app.as_ref().map(|a| a.id), run.name.as_str());
        *suites.entry(key).or_insert(suite_of(run)) != suite_of(run)
    })
}

/// Check runs of a commit, one per app, name and origin (see `Origin`): the newest (highest id)
/// wins, so a re-run, or a new run of the same workflow file, replaces the result it re-ran.
/// Suites whose workflow is unknown count separately: a red check is never hidden behind a
/// green namesake from another workflow.
pub fn from_check_runs(runs: &[CheckRun], workflows: &SuiteWorkflows) -> Vec<Observed> {
    let mut newest: BTreeMap<(Option<u64>, Origin, &str), &CheckRun> = BTreeMap::new();
    for run in runs {
        let origin = match suite_of(run).and_then(|id| workflows.get(&id)) {
            Some(path) => Origin::Workflow(path),
            None => Origin::Suite(suite_of(run)),
        };
        let key = (run.app.as_ref().map(|a| a.id), origin, run.name.as_str());
        match newest.get(&key) {
            Some(kept) if kept.id >= run.id => {}
            _ => {
                newest.insert(key, run);
            }
        }
    }
    newest
        .into_values()
        .map(|run| {
            let completed = run.status == "completed";
            Observed {
                name: run.name.clone(),
                kind: Kind::CheckRun {
                    id: run.id,
                    app_id: run.app.as_ref().map(|a| a.id),
                    app: run
                        .app
                        .as_ref()
                        .and_then(|a| a.slug.clone().or_else(|| a.name.clone()))
                        .unwrap_or_default(),
                    suite: suite_of(run),
                },
                pending: (!completed).then(|| run.status.clone()),
                conclusion: if completed {
                    Some(run.conclusion.clone().unwrap_or_else(|| "unknown".into()))
                } else {
                    None
                },
                url: run.html_url.clone().or_else(|| run.details_url.clone()),
            }
        })
        .collect()
}

/// Commit statuses (the combined status holds the latest per context). An empty list is no
/// statuses, never "pending".
pub fn from_statuses(statuses: &[Status]) -> Vec<Observed> {
    let mut latest: BTreeMap<&str, &Status> = BTreeMap::new();
    for s in statuses {
        match latest.get(s.context.as_str()) {
            Some(kept) if kept.id >= s.id => {}
            _ => {
                latest.insert(&s.context, s);
            }
        }
    }
    latest
        .into_values()
        .map(|s| Observed {
            name: s.context.clone(),
            kind: Kind::Status,
            pending: (s.state == "pending").then(|| "pending".to_string()),
            conclusion: (s.state != "pending").then(|| s.state.clone()),
            url: s.target_url.clone(),
        })
        .collect()
}

/// The commit's workflow runs that are not done, other than `own_run` and `skip` (runs the gate
/// does not wait to finish): a job that `needs:` another has no check run until that one
/// completes, so only the run tells that more is coming.
pub fn from_workflow_runs(
    runs: &[WorkflowRun],
    own_run: Option<u64>,
    skip: &BTreeSet<u64>,
) -> Vec<Observed> {
    runs.iter()
        .filter(|r| {
            r.status.as_deref() != Some("completed")
                && Some(r.id) != own_run
                && !skip.contains(&r.id)
        })
        .map(|r| Observed {
            name: r
                .name
                .clone()
                .unwrap_or_else(|| format!("workflow run {}", r.id)),
            kind: Kind::WorkflowRun {
                id: r.id,
                path: r.path.clone().unwrap_or_default(),
            },
            pending: Some(r.status.clone().unwrap_or_else(|| "unknown".into())),
            conclusion: None,
            url: r.html_url.clone(),
        })
        .collect()
}

/// A check the gate waits for: a name or glob, optionally bound to an app, and who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub pattern: String,
    pub app_id: Option<u64>,
    /// Where the requirement comes from, e.g. `ruleset octo-org/octo-repo #42`.
    pub source: String,
    /// Literal names (from rulesets and protection) are matched exactly; inputs are globs.
    pub glob: bool,
}

impl Expected {
    fn matches(&self, check: &Observed) -> bool {
        let name_ok = if self.glob {
            glob_match(&self.pattern, &check.name)
        } else {
            self.pattern == check.name
        };
        let is_check = !matches!(check.kind, Kind::WorkflowRun { .. });
        is_check && name_ok && self.app_id.is_none_or(|id| check.app_id() == Some(id))
    }
}

/// Merges duplicates (the same check required by a ruleset and by classic protection).
pub fn merge_expected(list: Vec<Expected>) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    for e in list {
        if let Some(same) = out
            .iter_mut()
            .find(|o| o.pattern == e.pattern && o.glob == e.glob)
        {
            if !same.source.split(", ").any(|s| s == e.source) {
                same.source = format!("{}, {}", same.source, e.source);
            }
            if same.app_id.is_none() {
                same.app_id = e.app_id;
            }
        } else {
            out.push(e);
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct Rules {
    /// Empty: every check on the commit.
    pub expected: Vec<Expected>,
    pub ignore: Vec<String>,
    pub allowed: Vec<String>,
    pub allow_no_checks: bool,
    /// The gate's own check run, never waited on.
    pub self_id: Option<u64>,
    /// Check runs of other gates that came after this one (`peers`), never waited on.
    pub later_gates: BTreeSet<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemState {
    Failed,
    Missing,
    Pending,
    Passed,
}

/// One line of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub source: String,
    pub required_by: String,
    pub state: ItemState,
    pub status: String,
    pub conclusion: String,
    pub url: String,
}

/// The state output: `success|failure|pending|missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Success,
    Failure,
    Pending,
    Missing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Success => "success",
            State::Failure => "failure",
            State::Pending => "pending",
            State::Missing => "missing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub state: State,
    pub items: Vec<Item>,
    /// How many checks the commit has after excluding the gate itself and `ignore`.
    pub observed: usize,
}

impl Evaluation {
    pub fn names(&self, state: ItemState) -> Vec<String> {
        self.items
            .iter()
            .filter(|i| i.state == state)
            .map(|i| i.name.clone())
            .collect()
    }

    /// A fingerprint of what matters for the decision: changes when a check appears, completes
    /// or is replaced, not when its log or timestamps move.
    pub fn fingerprint(&self) -> Vec<(String, ItemState, String)> {
        self.items
            .iter()
            .map(|i| (i.name.clone(), i.state, i.conclusion.clone()))
            .collect()
    }
}

/// The name used for the placeholder when nothing at all is on the commit.
pub const ANY_CHECK: &str = "(any check)";

/// Evaluates the commit's checks. `discovery_over`: an expected check that has not appeared by
/// now is reported missing instead of awaited.
pub fn evaluate(rules: &Rules, observed: &[Observed], discovery_over: bool) -> Evaluation {
    let considered: Vec<&Observed> = observed
        .iter()
        .filter(|o| {
            !matches!(o.kind, Kind::CheckRun { id, .. }
                if Some(id) == rules.self_id || rules.later_gates.contains(&id))
                && !rules.ignore.iter().any(|g| glob_match(g, &o.name))
        })
        .collect();
    let mut items: Vec<Item> = Vec::new();
    let item = |o: &Observed, required_by: &str| {
        let state = match (&o.pending, &o.conclusion) {
            (Some(_), _) | (None, None) => ItemState::Pending,
            (None, Some(c)) if rules.allowed.iter().any(|a| a.eq_ignore_ascii_case(c)) => {
                ItemState::Passed
            }
            (None, Some(_)) => ItemState::Failed,
        };
        Item {
            name: o.name.clone(),
            source: o.source(),
            required_by: required_by.to_string(),
            state,
            status: o.pending.clone().unwrap_or_else(|| "completed".into()),
            conclusion: o.conclusion.clone().unwrap_or_default(),
            url: o.url.clone().unwrap_or_default(),
        }
    };
    if rules.expected.is_empty() {
        for o in &considered {
            items.push(item(o, "every check on the commit"));
        }
        if considered.is_empty() && !rules.allow_no_checks {
            items.push(missing(ANY_CHECK, "every check on the commit"));
        }
    } else {
        let mut seen: Vec<&Observed> = Vec::new();
        for e in &rules.expected {
            let matched: Vec<&&Observed> = considered.iter().filter(|o| e.matches(o)).collect();
            if matched.is_empty() {
                items.push(missing(&e.pattern, &e.source));
            }
            for o in matched {
                if !seen.iter().any(|s| std::ptr::eq(*s, *o)) {
                    seen.push(o);
                    items.push(item(o, &e.source));
                }
            }
        }
    }
    let any = |s: ItemState| items.iter().any(|i| i.state == s);
    let state = if any(ItemState::Failed) {
        State::Failure
    } else if any(ItemState::Missing) && discovery_over {
        State::Missing
    } else if any(ItemState::Missing) || any(ItemState::Pending) {
        State::Pending
    } else {
        State::Success
    };
    items.sort_by(|a, b| a.state.cmp(&b.state).then_with(|| a.name.cmp(&b.name)));
    Evaluation {
        state,
        items,
        observed: considered.len(),
    }
}

fn missing(name: &str, required_by: &str) -> Item {
    Item {
        name: name.to_string(),
        source: "—".to_string(),
        required_by: required_by.to_string(),
        state: ItemState::Missing,
        status: "not found".to_string(),
        conclusion: String::new(),
        url: String::new(),
    }
}

/// Shell-style glob over a whole name: `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        // A `*` in the pattern is always the wildcard, also where the name has a literal `*`.
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A list input: items separated by commas or new lines, trimmed, empty ones dropped.
pub fn split_list(value: &str) -> Vec<String> {
    crate::inputs::list(value)
}

/// A duration such as `30m`, `10s`, `1h30m`, `500ms` or plain seconds (`90`).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::inputs::duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::models::{App, SuiteRef};
    use std::time::Duration;

    fn run(id: u64, name: &str, status: &str, conclusion: Option<&str>) -> CheckRun {
        CheckRun {
            id,
            name: name.into(),
            status: status.into(),
            conclusion: conclusion.map(Into::into),
            started_at: None,
            completed_at: None,
            html_url: Some(format!("https://github.test/runs/{id}")),
            details_url: None,
            app: Some(App {
                id: 15368,
                slug: Some("github-actions".into()),
                name: None,
            }),
            check_suite: Some(SuiteRef { id: 1 }),
        }
    }

    fn observe(runs: &[CheckRun]) -> Vec<Observed> {
        from_check_runs(runs, &SuiteWorkflows::new())
    }

    fn rules(expected: &[&str]) -> Rules {
        Rules {
            expected: expected
                .iter()
                .map(|p| Expected {
                    pattern: p.to_string(),
                    app_id: None,
                    source: "input checks".into(),
                    glob: true,
                })
                .collect(),
            ignore: vec![],
            allowed: split_list("success,skipped,neutral"),
            allow_no_checks: false,
            self_id: None,
            later_gates: BTreeSet::new(),
        }
    }

    #[test]
    fn rerun_replaces_the_old_result() {
        let obs = observe(&[
            run(7, "test", "completed", Some("failure")),
            run(9, "test", "completed", Some("success")),
        ]);
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].conclusion.as_deref(), Some("success"));
    }

    #[test]
    fn same_name_in_two_workflows_are_two_checks_unless_the_same_file() {
        let mut other = run(3, "build", "completed", Some("success"));
        other.check_suite = Some(SuiteRef { id: 2 });
        let runs = [run(2, "build", "completed", Some("failure")), other];
        assert!(names_shared_across_suites(&runs));
        assert_eq!(observe(&runs).len(), 2);
        let same_file =
            SuiteWorkflows::from([(1, "ci.yml@main".into()), (2, "ci.yml@main".into())]);
        let obs = from_check_runs(&runs, &same_file);
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].conclusion.as_deref(), Some("success"));
    }

    #[test]
    fn same_name_from_two_apps_are_two_checks() {
        let mut other = run(3, "test", "completed", Some("failure"));
        other.app.as_mut().unwrap().id = 1;
        let obs = observe(&[run(2, "test", "completed", Some("success")), other]);
        assert_eq!(obs.len(), 2);
    }

    #[test]
    fn neutral_and_skipped_pass_by_default_stale_does_not() {
        let obs = observe(&[
            run(1, "a", "completed", Some("neutral")),
            run(2, "b", "completed", Some("skipped")),
        ]);
        assert_eq!(evaluate(&rules(&[]), &obs, false).state, State::Success);
        let obs = observe(&[run(3, "c", "completed", Some("stale"))]);
        assert_eq!(evaluate(&rules(&[]), &obs, false).state, State::Failure);
    }

    #[test]
    fn one_red_fails_fast_while_others_run() {
        let obs = observe(&[
            run(1, "lint", "completed", Some("failure")),
            run(2, "test", "in_progress", None),
        ]);
        let e = evaluate(&rules(&[]), &obs, false);
        assert_eq!(e.state, State::Failure);
        assert_eq!(e.names(ItemState::Failed), vec!["lint"]);
    }

    #[test]
    fn missing_waits_until_discovery_is_over() {
        let obs = observe(&[run(1, "lint", "completed", Some("success"))]);
        let r = rules(&["lint", "deploy-check"]);
        assert_eq!(evaluate(&r, &obs, false).state, State::Pending);
        let e = evaluate(&r, &obs, true);
        assert_eq!(e.state, State::Missing);
        assert_eq!(e.names(ItemState::Missing), vec!["deploy-check"]);
    }

    #[test]
    fn zero_checks_are_never_green_unless_allowed() {
        assert_eq!(evaluate(&rules(&[]), &[], true).state, State::Missing);
        assert_eq!(evaluate(&rules(&[]), &[], false).state, State::Pending);
        let mut r = rules(&[]);
        r.allow_no_checks = true;
        assert_eq!(evaluate(&r, &[], false).state, State::Success);
    }

    #[test]
    fn own_check_run_and_ignored_names_are_excluded() {
        let obs = observe(&[
            run(1, "build", "completed", Some("success")),
            run(2, "deploy", "in_progress", None),
            run(3, "flaky", "in_progress", None),
        ]);
        let mut r = rules(&[]);
        r.self_id = Some(2);
        r.ignore = vec!["fla*".into()];
        let e = evaluate(&r, &obs, false);
        assert_eq!(e.state, State::Success);
        assert_eq!(e.observed, 1);
    }

    #[test]
    fn globs_match_matrix_jobs_and_app_binding() {
        let obs = observe(&[
            run(1, "test (ubuntu)", "completed", Some("success")),
            run(2, "test (macos)", "in_progress", None),
        ]);
        assert_eq!(
            evaluate(&rules(&["test (*)"]), &obs, false).state,
            State::Pending
        );
        let mut r = rules(&["test (ubuntu)"]);
        r.expected[0].app_id = Some(1);
        r.expected[0].glob = false;
        assert_eq!(evaluate(&r, &obs, true).state, State::Missing);
    }

    #[test]
    fn statuses_are_checks_too() {
        let s = |id, ctx: &str, state: &str| Status {
            id,
            state: state.into(),
            context: ctx.into(),
            description: None,
            target_url: None,
            updated_at: None,
        };
        let obs = from_statuses(&[s(1, "ci/jenkins", "pending"), s(2, "ci/jenkins", "error")]);
        assert_eq!(obs.len(), 1);
        assert_eq!(evaluate(&rules(&[]), &obs, false).state, State::Failure);
        assert!(from_statuses(&[]).is_empty());
    }

    #[test]
    fn merges_duplicate_requirements_and_names_both_sources() {
        let e = |src: &str| Expected {
            pattern: "build".into(),
            app_id: None,
            source: src.into(),
            glob: false,
        };
        let merged = merge_expected(vec![e("ruleset a #1"), e("branch protection")]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].source, "ruleset a #1, branch protection");
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("*", ""));
        assert!(glob_match("ci/*", "ci/jenkins"));
        assert!(glob_match("t?st", "test"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b", "aXXc"));
        assert!(!glob_match("lint", "lint2"));
        // A literal `*` in a check's name is matched by the wildcard like any other character.
        assert!(glob_match("*", "*¡"));
        assert!(glob_match("ci/*", "ci/*x"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5x").is_err());
    }
}
