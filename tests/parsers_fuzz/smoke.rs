//! The smoke spec (parsed, then planned), its durations and the `vars`/`secrets` inputs.

use crate::inputs::{self, CASES, clean_error, syntax_error_line};
use proptest::prelude::*;
use ready_actions::smoke::{spec, vars};

const SEED: &str = include_str!("../data/smoke/draft.yml");

const WORDS: &[&str] = &[
    "steps",
    "wait",
    "version",
    "vars",
    "defaults",
    "concurrency",
    "name",
    "method",
    "path",
    "url",
    "headers",
    "query",
    "json",
    "form",
    "body",
    "timeout",
    "retry",
    "after",
    "expect",
    "capture",
    "websocket",
    "send",
    "text",
    "every",
    "within",
    "status",
    "latency",
    "equals",
    "contains",
    "matches",
    "exists",
    "type",
    "count",
    "attempts",
    "delay",
    "max-delay",
    "origin",
    "header",
    "regex",
    "secret",
    "/readyz",
    "/drafts/${draft}",
    "http://127.0.0.1:9/x",
    "${token}",
    "${draft}",
    "${undefined}",
    "${",
    "5s",
    "500ms",
    "2m",
    "1.5",
    "soon",
    "8d",
    "-1s",
    "201",
    "[200, 201]",
    "[\"a\"]",
    "$.id",
    "$[",
    "$..x",
    "^d[0-9]+$",
    "(",
    "GET",
    "post",
    "BREW",
    "{\"attempts\": 0}",
    "{\"json\": \"$.id\"}",
    "{\"header\": \"Location\", \"json\": \"$.a\"}",
    "string",
    "integer",
    "create draft",
    "add collaborator",
    "0",
    "1",
    "bad name!",
];

fn known(name: &str) -> bool {
    matches!(name, "token" | "collaborator")
}

/// The needles the run uses to point a failure at its line, looked up in a step's lines.
/// Key paths under a step that failure annotations look up.
const KEYS: &[&[&str]] = &[
    &["expect", "status"],
    &["expect", "latency"],
    &["expect", "body"],
    &["websocket", "within"],
    &["expect"],
    &["schema"],
];

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn specs_parse_and_plan_or_say_where_they_are_wrong(
        text in prop_oneof![4 => inputs::yaml_doc(SEED, WORDS), 1 => any::<String>()],
        has_base_url: bool,
    ) {
        let parsed = spec::parse(&text);
        if syntax_error_line(&text).is_some() {
            let e = parsed.as_ref().expect_err("not YAML, yet a spec");
            prop_assert!(e.line.is_some(), "a syntax error without a line: {e:?}");
        }
        let planned = parsed.and_then(|s| spec::plan(s, &text, &known, has_base_url));
        match planned {
            Err(e) => clean_error(&e.message, e.line, &text)?,
            Ok(plan) => {
                prop_assert!(plan.concurrency >= 1);
                let lines = text.lines().count() as u32;
                for (i, p) in plan.steps.iter().enumerate() {
                    prop_assert!(p.needs.iter().all(|&j| j < i), "{} needs a later step", p.name);
                    if let Some(line) = p.line {
                        prop_assert!((1..=lines).contains(&line));
                    }
                }
                // What a failure annotation does with a step's lines: a key under the step.
                for p in plan.wait.iter().chain(&plan.steps) {
                    if let (Some(line), Some(place)) = (p.line, p.place) {
                        for key in KEYS {
                            if let Some(at) = spec::key_line(&text, Some(place), key) {
                                prop_assert!((line..=lines).contains(&at), "{key:?} at {at}, the step at {line}");
                            }
                        }
                        if let Some(at) = spec::json_assert_line(&text, place, "$.id", Some("equals")) {
                            prop_assert!((line..=lines).contains(&at));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn step_lines_are_lines_of_the_text(text in prop_oneof![inputs::yaml_doc(SEED, WORDS), any::<String>()]) {
        let lines = text.lines().count() as u32;
        let found = spec::lines(&text);
        for line in found.steps.iter().chain(&found.wait).chain(&found.version).chain(&found.steps_key) {
            prop_assert!((1..=lines).contains(line));
        }
    }

    #[test]
    fn any_key_line_is_a_line_of_the_text(
        text in inputs::yaml_doc(SEED, WORDS),
        index in 0..6usize,
        key in prop::sample::select(KEYS),
    ) {
        let lines = text.lines().count() as u32;
        for place in [None, Some(spec::Place::Wait), Some(spec::Place::Step(index))] {
            if let Some(at) = spec::key_line(&text, place, key) {
                prop_assert!((1..=lines).contains(&at));
            }
        }
    }

    #[test]
    fn durations_parse_or_are_refused(text in prop_oneof![
        inputs::soup(&["1", "0", "5", ".", "ms", "s", "m", "h", "d", " ", "-", "e9", "inf", "NaN"], 6),
        any::<String>(),
    ]) {
        match spec::parse_duration(&text) {
            Ok(d) => prop_assert!(d.as_secs() <= 7 * 86_400),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    /// `vars` and `secrets` are `name=value` lines; a bad one is named by its number.
    #[test]
    fn variable_lines_name_the_bad_line(text in prop_oneof![
        inputs::soup_lines(&["token", "=", "s3cr3t", " ", "#", "x=y", "=v", "\t", "${a}"]),
        any::<String>(),
    ]) {
        match vars::parse_lines(&text, "secrets") {
            Ok(map) => prop_assert!(map.keys().all(|k| !k.is_empty() && k.trim() == k)),
            Err(e) => {
                let bad = text
                    .lines()
                    .position(|l| {
                        let t = l.trim();
                        !t.is_empty() && !t.starts_with('#') && t.split_once('=').is_none_or(|(n, _)| n.trim().is_empty())
                    })
                    .expect("an error names a bad line");
                prop_assert!(e.contains(&(bad + 1).to_string()), "{e}");
            }
        }
        let _ = vars::names(&text);
        let _ = vars::interpolate(&text, &|n| (n == "token").then(|| "v".to_string()));
    }
}
