//! predeploy: `ready.yml`, its gates' inputs, `.env.example` files, and the whole checklist run
//! offline on generated files.

use crate::inputs::{self, BINARY_CASES, CASES, clean_error, syntax_error_line};
use crate::support;
use proptest::prelude::*;
use ready_actions::config_check::dotenv;
use ready_actions::predeploy::config::{self, Config};

const SEED: &str = "required-env: [DATABASE_URL, API_KEY]
required-env-from: .env.example
gates:
  check-alembic-heads:
    config: alembic.ini
  error-budget-gate:
    objective: 99.5
    metrics-file: metrics.json
    freeze-file: freezes.yml
  gate-on-green: {}
  smoke:
    spec: smoke.yml
";

const WORDS: &[&str] = &[
    "required-env",
    "required-env-from",
    "gates",
    "check-alembic-heads",
    "error-budget-gate",
    "gate-on-green",
    "smoke",
    "predeploy",
    "image-tag",
    "no-such-gate",
    "config",
    "require-contract",
    "slo-file",
    "metrics-file",
    "freeze-file",
    "objective",
    "window",
    "github-token",
    "spec",
    "base-url",
    "help",
    "version",
    "true",
    "99.5",
    "metrics.json",
    "freezes.yml",
    ".env.example",
    "missing.env",
    "",
    "--help",
    "=x",
    "x\ny",
    "[\"A\", \"B\"]",
    "[[\"nested\"]]",
    "{\"a\": 1}",
    "API_KEY",
];

const ENV_FRAGMENTS: &[&str] = &[
    "DATABASE_URL",
    "API_KEY",
    "export ",
    "=",
    "value",
    "#",
    " ",
    "\n",
    "1BAD",
    "a-b",
    "\"q\"",
    "\t",
    "\r\n",
];

const ALEMBIC_INI: &str = "[alembic]\nscript_location = migrations\n";
const MIGRATION: &str = "revision = 'a'\ndown_revision = None\n";
/// Counts for a 30d SLO and its burn-rate windows.
const METRICS: &str = r#"{"windows": {"30d": {"good": 999, "total": 1000}, "6h": {"bad": 0, "total": 60},
  "1h": {"bad": 0, "total": 10}, "30m": {"bad": 0, "total": 5}, "5m": {"bad": 0, "total": 1}}}"#;
const FREEZES: &str =
    "freezes:\n  - reason: Friday\n    weekly: {days: [fri], start: '15:00', end: '18:00'}\n";

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn checklists_parse_or_say_where_they_are_wrong(
        text in prop_oneof![4 => inputs::yaml_doc(SEED, WORDS), 1 => any::<String>()],
    ) {
        match yaml_serde::from_str::<Config>(&text) {
            Ok(cfg) => {
                for (_, inputs) in &cfg.gates {
                    match config::gate_flags(inputs) {
                        Ok(flags) => prop_assert!(flags.iter().all(|(k, _)| inputs.get(k.as_str()).is_some())),
                        Err(e) => prop_assert!(!e.is_empty()),
                    }
                }
            }
            Err(e) => {
                let line = e.location().map(|l| l.line() as u32);
                if syntax_error_line(&text).is_some() {
                    prop_assert!(line.is_some(), "a syntax error without a line: {e}");
                }
                clean_error(&e.to_string(), line, &text)?;
            }
        }
    }

    /// `.env` files (config-check's grammar, which predeploy's required-env reads): every key
    /// is in the text on one of its lines, and every statement skipped has a line of the text.
    #[test]
    fn env_files_give_keys_on_their_lines(text in prop_oneof![inputs::soup(ENV_FRAGMENTS, 24), any::<String>()]) {
        let parsed = dotenv::parse(&text);
        let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() as u32 + 1;
        for b in &parsed.bindings {
            prop_assert!(!b.key.is_empty() && text.contains(b.key.as_str()), "{b:?}");
            prop_assert!((1..=lines).contains(&b.line), "{b:?} of {lines} lines");
        }
        for line in &parsed.invalid_lines {
            prop_assert!((1..=lines).contains(line), "invalid line {line} of {lines}");
        }
        let values = |k: &str| k.len().is_multiple_of(2).then(|| "v".to_string());
        prop_assert_eq!(dotenv::expand(&parsed.bindings, &values).len(), parsed.bindings.len());
    }
}

proptest! {
    #![proptest_config(inputs::config(BINARY_CASES))]

    /// The checklist run offline on a generated `ready.yml` and `.env.example`: always an
    /// answer of the action contract.
    #[test]
    fn the_checklist_answers_any_config(
        ready in prop_oneof![1 => Just(SEED.to_string()), 3 => inputs::yaml_doc(SEED, WORDS)],
        env_file in inputs::soup(ENV_FRAGMENTS, 24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("ready.yml", ready.as_str()),
            (".env.example", env_file.as_str()),
            ("metrics.json", METRICS),
            ("freezes.yml", FREEZES),
            ("alembic.ini", ALEMBIC_INI),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("migrations/versions")).unwrap();
        std::fs::write(dir.path().join("migrations/versions/a.py"), MIGRATION).unwrap();
        let config = dir.path().join("ready.yml").display().to_string();
        let run = support::ready(&["predeploy", "--offline", "--config", &config], &[("API_KEY", "k"), ("DATABASE_URL", "postgres://db")]);
        crate::answered(&run)?;
    }
}
