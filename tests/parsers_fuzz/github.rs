//! GitHub's answers (the examples from GitHub's OpenAPI description, edited), read into our
//! models and through gate-on-green's decision, which must never call green what is not.

use crate::inputs::{self, CASES};
use proptest::prelude::*;
use ready_actions::gate_on_green::checks::{self, ItemState, Rules, State};
use ready_actions::github::models::{Branch, CheckRunList, CombinedStatus, JobList, Rule};
use ready_actions::http;

const CHECK_RUNS: &str = include_str!("../data/gate_on_green/check-runs.list-for-ref.json");
const STATUS: &str = include_str!("../data/gate_on_green/commits.combined-status.json");
const RULES: &str =
    include_str!("../data/gate_on_green/rules.branch.required-status-checks.SYNTHETIC.json");
const BRANCH: &str = include_str!("../data/gate_on_green/branches.get.json");
const JOBS: &str = include_str!("../data/gate_on_green/actions.jobs.list-for-run-attempt.json");

const WORDS: &[&str] = &[
    "id",
    "name",
    "status",
    "conclusion",
    "app",
    "slug",
    "state",
    "context",
    "statuses",
    "check_runs",
    "total_count",
    "type",
    "parameters",
    "required_status_checks",
    "integration_id",
    "completed",
    "in_progress",
    "queued",
    "success",
    "failure",
    "neutral",
    "skipped",
    "stale",
    "pending",
    "error",
    "SUCCESS",
    "mighty_readme",
    "ci/*",
    "4294967296",
    "-1",
    "1e3",
];

const GLOBS: &[&str] = &[
    "*",
    "mighty_readme",
    "ci/*",
    "?",
    "**",
    "",
    "continuous-integration/*",
];

fn rules() -> impl Strategy<Value = Rules> {
    (
        prop::collection::vec(prop::sample::select(GLOBS), 0..3),
        prop::collection::vec(prop::sample::select(GLOBS), 0..2),
        any::<bool>(),
        prop::option::of(0u64..10),
    )
        .prop_map(|(expected, ignore, allow_no_checks, self_id)| Rules {
            expected: expected
                .into_iter()
                .map(|p| checks::Expected {
                    pattern: p.to_string(),
                    app_id: None,
                    source: "input".into(),
                    glob: true,
                })
                .collect(),
            ignore: ignore.into_iter().map(str::to_string).collect(),
            allowed: vec!["success".into(), "neutral".into(), "skipped".into()],
            allow_no_checks,
            self_id,
            later_gates: Default::default(),
        })
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    /// Whatever GitHub answers, green means every check the gate looked at passed.
    #[test]
    fn answers_never_make_a_false_green(
        runs in prop_oneof![4 => inputs::json_doc(CHECK_RUNS, WORDS), 1 => any::<String>()],
        statuses in prop_oneof![4 => inputs::json_doc(STATUS, WORDS), 1 => any::<String>()],
        rule_list in inputs::json_doc(RULES, WORDS),
        mut rules in rules(),
        discovery_over: bool,
    ) {
        let mut observed = Vec::new();
        if let Ok(list) = serde_json::from_str::<CheckRunList>(&runs) {
            observed.extend(checks::from_check_runs(&list.check_runs, &Default::default()));
        }
        if let Ok(combined) = serde_json::from_str::<CombinedStatus>(&statuses) {
            observed.extend(checks::from_statuses(&combined.statuses));
        }
        if let Ok(list) = serde_json::from_str::<Vec<Rule>>(&rule_list) {
            for rule in list {
                for c in rule.parameters.unwrap_or_default().required_status_checks {
                    rules.expected.push(checks::Expected {
                        pattern: c.context,
                        app_id: c.integration_id,
                        source: "ruleset".into(),
                        glob: false,
                    });
                }
            }
        }
        rules.expected = checks::merge_expected(std::mem::take(&mut rules.expected));
        let evaluation = checks::evaluate(&rules, &observed, discovery_over);
        if evaluation.state == State::Success {
            prop_assert!(evaluation.items.iter().all(|i| i.state == ItemState::Passed), "{evaluation:?}");
            prop_assert!(rules.allow_no_checks || !evaluation.items.is_empty());
        }
    }

    #[test]
    fn branches_and_jobs_are_read_or_refused(
        branch in prop_oneof![4 => inputs::json_doc(BRANCH, WORDS), 1 => any::<String>()],
        jobs in prop_oneof![4 => inputs::json_doc(JOBS, WORDS), 1 => any::<String>()],
    ) {
        if let Err(e) = serde_json::from_str::<Branch>(&branch) {
            prop_assert!(!e.to_string().is_empty());
        }
        if let Err(e) = serde_json::from_str::<JobList>(&jobs) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn list_inputs_globs_and_durations(
        text in prop_oneof![3 => inputs::soup(&["ci/*", ",", "\n", " ", "*", "?", "30m", "1h", "500ms", "99999999999999999999", "s", "min", "x"], 10), 1 => any::<String>()],
        name in "\\PC{0,20}",
    ) {
        for item in checks::split_list(&text) {
            prop_assert!(!item.is_empty() && item.trim() == item);
            let _ = checks::glob_match(&item, &name);
        }
        // `*` matches every name, one with a `*` of its own too.
        prop_assert!(checks::glob_match("*", &name));
        let (prefix, longer) = (format!("{name}*"), format!("{name}x"));
        prop_assert!(checks::glob_match(&prefix, &longer));
        if let Err(e) = checks::parse_duration(&text) {
            prop_assert!(!e.is_empty());
        }
    }

    /// `Retry-After` and the excerpts of answer bodies quoted in messages.
    #[test]
    fn retry_after_and_excerpts(
        header in prop_oneof![
            prop::sample::select(&["120", "0", "18446744073709551616", "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "-1"][..]).prop_map(str::to_string),
            any::<String>(),
        ],
        body in prop::collection::vec(any::<u8>(), 0..300),
        max_chars in 0usize..200,
        truncated: bool,
    ) {
        let _ = http::parse_retry_after(&header, std::time::SystemTime::now());
        let excerpt = http::excerpt(&body, max_chars, truncated);
        prop_assert!(!excerpt.is_empty());
        prop_assert!(!excerpt.chars().any(char::is_control), "{excerpt:?}");
    }
}
