//! error-budget-gate: Sloth SLO files, freeze files, the metrics file, durations and objectives,
//! Prometheus answers, and the whole gate on generated files.

use crate::inputs::{self, BINARY_CASES, CASES, clean_error, syntax_error_line};
use crate::support;
use jiff::Timestamp;
use proptest::prelude::*;
use ready_actions::error_budget_gate::{duration, freeze, metrics_file, prometheus, slo};

const SLOTH: &str = include_str!("../data/error_budget_gate/sloth-shop.yml");
const FREEZES: &str = include_str!("../data/error_budget_gate/freezes.yml");
const METRICS: &str = include_str!("../data/error_budget_gate/metrics-burning.json");
const HEALTHY: &str = include_str!("../data/error_budget_gate/metrics-healthy.json");

const SLOTH_WORDS: &[&str] = &[
    "version",
    "service",
    "slos",
    "name",
    "objective",
    "sli",
    "events",
    "raw",
    "plugin",
    "error_query",
    "total_query",
    "error_ratio_query",
    "\"prometheus/v1\"",
    "\"prometheus/v2\"",
    "99.5",
    "100",
    "0",
    "-1",
    "1e308",
    "\"99.5\"",
    "sum(rate(e[{{.window}}]))",
    "rate(x[5m])",
    "{{ .window }}",
    "",
    "requests-availability",
    "search-ratio",
];

const FREEZE_WORDS: &[&str] = &[
    "timezone",
    "time-zone",
    "freezes",
    "reason",
    "start",
    "end",
    "weekly",
    "days",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Mars/Olympus",
    "../../etc/passwd",
    "friday",
    "sat",
    "Funday",
    "",
    "[\"mon\", \"sun\"]",
    "[]",
    "15:00",
    "24:00",
    "00:00",
    "23:59",
    "25:00",
    "15:60",
    "15",
    "2024-12-21 18:00",
    "2025-01-06",
    "2024-10-27T02:30:00+01:00",
    "2024-03-31 02:30",
    "9999-12-31",
    "-009999-01-01",
    "2024-02-30",
    "soon",
];

const METRICS_WORDS: &[&str] = &[
    "windows",
    "good",
    "bad",
    "total",
    "7d",
    "1m10s",
    "1h24m",
    "30d",
    "0s",
    "5ms",
    "1d1d",
    "d",
    "99999999999999999999d",
    "0",
    "-1",
    "1e308",
    "0.5",
];

const VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[
  {"metric":{"ready_window":"7d","ready_kind":"error"},"value":[1717761600,"5"]},
  {"metric":{"ready_window":"7d","ready_kind":"total"},"value":[1717761600,"1000"]},
  {"metric":{"ready_window":"1h","ready_kind":"ratio"},"value":[1717761600,"NaN"]}
]},"warnings":["careful"]}"#;
const MATRIX: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[
  {"metric":{},"values":[[10,"0.1"],[20,"NaN"],[30,"+Inf"]]}]}}"#;
const API_ERROR: &str = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;

const PROMETHEUS_WORDS: &[&str] = &[
    "status",
    "success",
    "error",
    "data",
    "resultType",
    "result",
    "vector",
    "matrix",
    "scalar",
    "metric",
    "value",
    "values",
    "ready_window",
    "ready_kind",
    "total",
    "ratio",
    "warnings",
    "errorType",
    "bad_data",
    "7d",
    "1h",
    "\"NaN\"",
    "\"-Inf\"",
    "\"1e400\"",
    "\"-5\"",
    "[1717761600, \"1\"]",
    "[1e400, \"1\"]",
    "[\"x\", 1]",
];

fn events() -> slo::Sli {
    slo::Sli::Events {
        error: "rate(e[{{.window}}])".into(),
        total: "rate(t[{{.window}}])".into(),
    }
}

fn instant() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        Just(Timestamp::MIN),
        Just(Timestamp::MAX),
        (1_700_000_000i64..1_800_000_000).prop_map(|s| Timestamp::from_second(s).unwrap()),
        (Timestamp::MIN.as_second()..=Timestamp::MAX.as_second())
            .prop_map(|s| Timestamp::from_second(s).unwrap()),
    ]
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn sloth_specs_give_an_slo_or_say_what_is_wrong(
        text in prop_oneof![4 => inputs::yaml_doc(SLOTH, SLOTH_WORDS), 1 => any::<String>()],
        wanted in prop::option::of(prop::sample::select(&["requests-availability", "search-ratio", "nope"][..])),
    ) {
        match slo::from_sloth(&text, wanted) {
            Ok(s) => {
                prop_assert!(s.objective > 0.0 && s.objective < 100.0);
                prop_assert!(s.budget() > 0.0);
            }
            Err(e) => {
                if syntax_error_line(&text).is_some() {
                    prop_assert!(e.line.is_some(), "a syntax error without a line: {e:?}");
                }
                clean_error(&e.message, e.line, &text)?;
            }
        }
    }

    #[test]
    fn objectives_and_queries(text in prop_oneof![
        inputs::soup(&["99", ".", "5", "%", " ", "-", "e3", "inf", "NaN", "0", "100"], 6),
        inputs::soup(&["{{.window}}", "{{ .window }}", "{{", "}}", "rate(", ")", " "], 6),
        any::<String>(),
    ]) {
        match slo::parse_objective(&text) {
            Ok(o) => prop_assert!(o.is_finite() && o > 0.0 && o < 100.0),
            Err(e) => prop_assert!(!e.is_empty()),
        }
        if let Err(e) = slo::check_query("error-query", &text) {
            prop_assert!(!e.is_empty());
        }
    }

    #[test]
    fn freeze_files_parse_and_answer_for_any_instant(
        text in prop_oneof![4 => inputs::yaml_doc(FREEZES, FREEZE_WORDS), 1 => any::<String>()],
        at in instant(),
    ) {
        match freeze::parse(&text) {
            Ok(freezes) => {
                // A freeze in force lifts later, never before the instant it was asked about.
                if let Some(active) = freeze::active(&freezes, at) {
                    prop_assert!(active.until.timestamp() > at || at == Timestamp::MAX, "{active:?} at {at}");
                }
            }
            Err(e) => {
                if syntax_error_line(&text).is_some() {
                    prop_assert!(e.line.is_some(), "a syntax error without a line: {e:?}");
                }
                clean_error(&e.message, e.line, &text)?;
            }
        }
    }

    #[test]
    fn metrics_files_give_sane_counts(text in prop_oneof![4 => inputs::json_doc(METRICS, METRICS_WORDS), 1 => any::<String>()]) {
        match metrics_file::parse(&text) {
            Ok(windows) => {
                for (w, obs) in windows {
                    prop_assert!(w > 0);
                    if let Some(r) = obs.ratio() {
                        prop_assert!((0.0..=1.0).contains(&r), "ratio {r}");
                    }
                }
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn durations_round_trip_or_are_refused(text in prop_oneof![
        inputs::soup(&["1", "0", "7", "30", "99999999999", "y", "w", "d", "h", "m", "s", "ms", " "], 6),
        any::<String>(),
    ]) {
        match duration::parse(&text) {
            Ok(seconds) => prop_assert_eq!(duration::parse(&duration::format(seconds)), Ok(seconds)),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn prometheus_answers_are_read_or_refused(
        body in prop_oneof![
            2 => inputs::json_doc(VECTOR, PROMETHEUS_WORDS),
            2 => inputs::json_doc(MATRIX, PROMETHEUS_WORDS),
            1 => inputs::json_doc(API_ERROR, PROMETHEUS_WORDS),
            1 => any::<String>(),
        ],
        raw: bool,
    ) {
        let sli = if raw { slo::Sli::Raw { ratio: "r[{{.window}}]".into() } } else { events() };
        let windows = [604_800, 3_600, 60];
        match prometheus::observations(&body, &sli, &windows) {
            Ok((obs, _)) => prop_assert_eq!(obs.len(), windows.len()),
            Err(prometheus::AnswerError::Malformed(m) | prometheus::AnswerError::Nonsense(m)) => {
                prop_assert!(!m.is_empty())
            }
            Err(prometheus::AnswerError::Api(_)) => {}
        }
        if let Err(prometheus::AnswerError::Malformed(m)) = prometheus::series(&body) {
            prop_assert!(!m.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(inputs::config(BINARY_CASES))]

    /// The whole gate on generated files, offline (a metrics file): always an answer of the
    /// action contract.
    #[test]
    fn the_gate_answers_any_files(
        sloth in prop_oneof![
            2 => Just(None),
            2 => Just(Some(SLOTH.to_string())),
            1 => inputs::yaml_doc(SLOTH, SLOTH_WORDS).prop_map(Some),
        ],
        freezes in prop_oneof![3 => Just(FREEZES.to_string()), 1 => inputs::yaml_doc(FREEZES, FREEZE_WORDS)],
        metrics in prop_oneof![
            3 => Just(METRICS.to_string()),
            3 => Just(HEALTHY.to_string()),
            1 => inputs::json_doc(METRICS, METRICS_WORDS),
            1 => inputs::json_doc(HEALTHY, METRICS_WORDS),
        ],
        slo_name in prop::sample::select(&["requests-availability", "search-ratio", "checkout-availability", ""][..]),
        window in prop_oneof![6 => Just("7d"), 1 => prop::sample::select(&["30d", "", "x", "1m"][..])],
        at in prop::sample::select(&["2024-06-05T12:00:00Z", "2024-06-05T12:00:00Z", "2024-12-27T16:00:00Z", "", "yesterday"][..]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let freeze_file = file("freezes.yml", &freezes);
        let metrics_file = file("metrics.json", &metrics);
        // The SLO from a Sloth file, or given inline.
        let (slo_file, objective) = match &sloth {
            Some(text) => (file("slo.yml", text), ""),
            None => (String::new(), "99.5"),
        };
        let run = support::ready(&["error-budget-gate"], &[
            ("INPUT_SLO_FILE", &slo_file),
            ("INPUT_SLO", if sloth.is_some() { slo_name } else { "" }),
            ("INPUT_OBJECTIVE", objective),
            ("INPUT_FREEZE_FILE", &freeze_file),
            ("INPUT_METRICS_FILE", &metrics_file),
            ("INPUT_WINDOW", window),
            ("INPUT_AT", at),
        ]);
        crate::answered(&run)?;
    }
}
