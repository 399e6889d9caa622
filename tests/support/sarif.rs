//! SARIF logs checked against the vendored SARIF 2.1.0 schema with check-jsonschema.

use std::path::{Path, PathBuf};

/// check-jsonschema from the tools venv; a missing tool fails the test (in CI always), unless
/// READY_ALLOW_MISSING_TOOLS=1 outside CI.
pub fn check_jsonschema() -> Option<PathBuf> {
    let venv = std::env::var_os("READY_TEST_VENV")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv"));
    let bin = venv.join("bin/check-jsonschema");
    let may_skip = std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1")
        && std::env::var_os("CI").is_none();
    match bin.exists() {
        true => Some(bin),
        false if may_skip => {
            eprintln!("note: check-jsonschema not found; skipped (run scripts/test.sh)");
            None
        }
        false => panic!(
            "check-jsonschema not found in the tools venv: run scripts/test.sh (or set READY_TEST_VENV)"
        ),
    }
}

/// `file` validated against the vendored schema by `validator`.
///
/// The OASIS schema's `run.language` pattern has a stray `]` that ECMAScript regexes refuse and
/// Python's accept: the schema is read with Python's dialect.
pub fn validate(validator: &Path, file: &Path) -> std::process::Output {
    std::process::Command::new(validator)
        .args(["--regex-variant", "python", "--schemafile"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"))
        .arg(file)
        .output()
        .unwrap()
}
