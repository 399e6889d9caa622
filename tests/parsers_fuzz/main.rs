//! Fuzzing every parser of outside input with proptest: spec, SLO, freeze and metrics files,
//! ready.yml and env files, the spanned YAML reader, image references and the tags DSL, and the answers of GitHub,
//! Prometheus and registries. Each test runs a fixed number of cases (see `inputs`), so a run is
//! bounded and repeatable; a parser must return a value or a clean error, never panic. The
//! Alembic parsers have their own file, check_alembic_heads_fuzz.rs.

mod error_budget;
mod github;
mod image_tag;
mod inputs;
mod predeploy;
mod registry;
mod smoke;
#[path = "../support/mod.rs"]
mod support;
mod yaml;

use proptest::prelude::*;

/// The binary answered as the action contract says: an exit code it documents, the `result`
/// output that goes with it, no panic, and an error annotation when the use was invalid.
pub fn answered(run: &support::Run) -> Result<(), TestCaseError> {
    let expected = match run.code {
        0 => "passed",
        1 => "blocked",
        2 => "invalid",
        3 => "error",
        other => {
            return Err(TestCaseError::fail(format!("exit {other}:\n{}", run.log())));
        }
    };
    let log = run.log();
    prop_assert!(!log.contains("panicked"), "{}", log);
    prop_assert_eq!(
        run.outputs.get("result").map(String::as_str),
        Some(expected),
        "{}",
        log
    );
    if run.code == 2 {
        prop_assert!(log.contains("::error"), "{}", log);
    }
    Ok(())
}
