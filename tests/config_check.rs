//! `ready config-check` as a step: the demo's schema and env files, findings on the env file's or
//! the schema's line, values masked and never printed, a bad schema at its line (exit 2), the
//! GitHub environment's names through the API mock (pagination, a 403 and a short list: exit 3),
//! parity with `.env.example` and compose, and the `.env` grammar compared with python-dotenv.

mod support;

#[path = "gate_on_green/mock.rs"]
mod mock;

use mock::{Fault, GitHub, TOKEN};
use ready_actions::config_check::dotenv;
use std::path::{Path, PathBuf};
use support::{Run, Step};

const SESSION_SECRET: &str = "Qm9vdHN0cmFwLXNlY3JldC1mb3ItZGVtby0wMTIzNDU2Nzg5YWJjZGVm";
const DATABASE_URL: &str = "postgresql://drafts:Xk2-rot8ted-Pw@db:5432/drafts";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

/// config-check in the demo's directory, for `environment`, with its env file and example.
fn demo_step(environment: &str) -> Step {
    Step::new()
        .current_dir(demo())
        .arg("config-check")
        .input("schema", "config.schema.yml")
        .input("environment", environment)
        .input("env-files", format!(".env.{environment}"))
        .input("env-example", ".env.example")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Everything a user can see of a run but the masks: the log, the summary and the outputs file.
fn everything(run: &Run) -> String {
    let shown: String = run
        .log()
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    format!("{shown}\n{}\n{}", run.summary, run.output_file)
}

#[test]
fn the_demo_passes_in_both_environments_with_its_secrets_in_the_step_env() {
    for environment in ["staging", "production"] {
        let run = demo_step(environment)
            .env("DATABASE_URL", DATABASE_URL)
            .env("SESSION_SECRET", SESSION_SECRET)
            .run();
        assert_eq!(run.code, 0, "{environment}: {}", run.log());
        assert_eq!(run.output("result"), "passed");
        assert_eq!(run.output("problems"), "0");
        assert_eq!(run.output("missing"), "");
        assert_eq!(run.output("variables"), "7");
        assert!(
            run.summary.contains(&format!(
                "| WS_ALLOWED_ORIGINS | {} | .env.{environment}:2 | 1 value(s) |",
                if environment == "production" {
                    "yes"
                } else {
                    "no"
                }
            )),
            "{}",
            run.summary
        );
        assert!(
            run.summary
                .contains("| SESSION_SECRET | yes | step env | 1 value(s) |")
        );
        let seen = everything(&run);
        assert!(
            !seen.contains(SESSION_SECRET) && !seen.contains("Xk2-rot8ted-Pw"),
            "{seen}"
        );
    }
}

#[test]
fn without_its_secrets_the_demo_names_them_on_the_schema_lines() {
    let run = demo_step("staging").run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("missing"), "DATABASE_URL,SESSION_SECRET");
    assert!(
        run.stdout.contains(
            "::error title=missing-required%3A Required variable missing,file=config.schema.yml,line=6::DATABASE_URL is not set (required in staging; looked in .env.staging, the step's environment)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("file=config.schema.yml,line=12::SESSION_SECRET is not set")
    );
}

/// A production file with every kind of problem: each finding on its line, no value anywhere,
/// and every value masked before the first line that is not a mask.
#[test]
fn every_problem_on_its_env_file_line_and_no_value_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        demo().join("config.schema.yml"),
        dir.path().join("config.schema.yml"),
    )
    .unwrap();
    let bad_secret = "short-Secret-7";
    let weak_password = "changeme";
    write(
        dir.path(),
        ".env.production",
        &format!(
            "# production\nexport DATABASE_URL=\"postgres://app:{weak_password}@db/drafts\"\nSESSION_SECRET='{bad_secret}'\nWS_ALLOWED_ORIGINS=https://drafts.example.com, *\nRATE_LIMIT_ENABLED=true\nCONFIG_STRICT=false\nLOG_LEVEL=verbose-logging\nREQUEST_TIMEOUT=soon-enough\nDATABSE_URL=typo-value-x\nBROKEN=\"unclosed\n"
        ),
    );
    let run = Step::new()
        .current_dir(dir.path())
        .arg("config-check")
        .input("schema", "config.schema.yml")
        .input("environment", "production")
        .input("env-files", ".env.production")
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    let annotation = |rule: &str, line: u32| {
        let wanted = format!("::error title={rule}%3A");
        let at = format!(",file=.env.production,line={line}::");
        run.stdout
            .lines()
            .any(|l| l.starts_with(&wanted) && l.contains(&at))
    };
    for (rule, line) in [
        ("invalid-line", 10),
        ("default-credentials", 2),
        ("too-short", 3),
        ("low-entropy", 3),
        ("forbidden-value", 4),
        ("must-equal", 6),
        ("invalid-value", 7),
        ("invalid-value", 8),
        ("unknown-variable", 9),
    ] {
        assert!(
            annotation(rule, line),
            "no {rule} at line {line}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("SESSION_SECRET (.env.production:3): 14 characters, needs ≥ 32")
    );
    assert!(
        run.stdout
            .contains("CONFIG_STRICT (.env.production:6): must be true in production")
    );
    assert_eq!(run.output("problems"), "9");
    // Masks first: every value of 6 characters or more, and the secret ones whatever their length.
    let masks: Vec<&str> = run
        .stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .collect();
    for value in [bad_secret, "verbose-logging", "soon-enough", "typo-value-x"] {
        assert!(
            masks.contains(&format!("::add-mask::{value}").as_str()),
            "{value} not masked first: {masks:?}"
        );
    }
    let rest: String = run
        .stdout
        .lines()
        .skip(masks.len())
        .collect::<Vec<_>>()
        .join("\n");
    let seen = format!(
        "{rest}\n{}\n{}\n{}",
        run.stderr, run.summary, run.output_file
    );
    for value in [
        bad_secret,
        weak_password,
        "verbose-logging",
        "soon-enough",
        "typo-value-x",
    ] {
        assert!(!seen.contains(value), "{value} printed:\n{seen}");
    }
}

#[test]
fn a_bad_schema_is_invalid_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (schema, line, message) in [
        (
            "variables:\n  PORT:\n    type: int\n    mni: 1\n",
            4,
            "unknown field `mni`",
        ),
        (
            "variables:\n  A: {}\n  PORT:\n    type: string\n    min: 1\n",
            5,
            "PORT: `min` applies to type int only",
        ),
        (
            "environments: [production]\nvariables:\n  STRICT:\n    type: bool\n    equals: {prod: true}\n",
            5,
            "environment \"prod\" is not listed in `environments`",
        ),
        (
            "variables:\n  X:\n    type: number\n",
            3,
            "unknown variant `number`",
        ),
        (
            "variables:\n  \"1X\": {}\n  N:\n    type: int\n",
            2,
            "1X: is not a variable name",
        ),
        (
            "variables:\n  N:\n    type: int\n    min: 9\n    max: 1\n",
            4,
            "N: min 9 is above max 1",
        ),
    ] {
        write(dir.path(), "schema.yml", schema);
        let run = Step::new()
            .current_dir(dir.path())
            .arg("config-check")
            .input("schema", "schema.yml")
            .run();
        assert_eq!(run.code, 2, "{schema}: {}", run.log());
        assert_eq!(run.output("result"), "invalid");
        assert!(
            run.stdout
                .contains(&format!("file=schema.yml,line={line}::"))
                && run.stdout.contains(message),
            "{schema}: {}",
            run.stdout
        );
    }
    let run = demo_step("prod").run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout
            .contains("environment \\\"prod\\\" is not one of")
            || run.stdout.contains("environment \"prod\" is not one of"),
        "{}",
        run.stdout
    );
}

#[test]
fn parity_between_example_compose_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "schema.yml",
        "variables:\n  DATABASE_URL: {type: url}\n  REDIS_URL: {type: url}\n",
    );
    write(
        dir.path(),
        ".env.example",
        "DATABASE_URL=postgres://localhost/app\nSENTRY_DSN=\n",
    );
    write(
        dir.path(),
        "compose.yml",
        "services:\n  api:\n    environment:\n      - DATABASE_URL\n      - REDIS_URL=redis://cache\n",
    );
    let run = Step::new()
        .current_dir(dir.path())
        .arg("config-check")
        .input("schema", "schema.yml")
        .input("env-example", ".env.example")
        .input("compose-file", "compose.yml")
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    for (file, line, text) in [
        (
            "schema.yml",
            3,
            "REDIS_URL is named in schema.yml but not in .env.example",
        ),
        (
            ".env.example",
            2,
            "SENTRY_DSN is named in .env.example but not in schema.yml",
        ),
        (
            ".env.example",
            2,
            "SENTRY_DSN is named in .env.example but not in compose.yml",
        ),
        (
            "compose.yml",
            5,
            "REDIS_URL is named in compose.yml but not in .env.example",
        ),
    ] {
        assert!(
            run.stdout
                .contains(&format!("file={file},line={line}::{text}")),
            "{text}:\n{}",
            run.stdout
        );
    }
    assert_eq!(run.output("problems"), "4");
}

/// The findings as SARIF 2.1.0 for code scanning: valid against the vendored schema, the rule
/// table's ids, each result on its env file's or the schema's line, and no value in it.
#[test]
fn sarif_names_each_rule_on_its_line_and_holds_no_value() {
    let Some(validator) = support::sarif::check_jsonschema() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        demo().join("config.schema.yml"),
        dir.path().join("config.schema.yml"),
    )
    .unwrap();
    let password = "changeme";
    write(
        dir.path(),
        ".env.production",
        &format!(
            "DATABASE_URL=postgres://app:{password}@db/drafts
DATABSE_URL=typo-value-x
"
        ),
    );
    let step = || {
        Step::new()
            .current_dir(dir.path())
            .arg("config-check")
            .input("schema", "config.schema.yml")
            .input("environment", "production")
            .input("env-files", ".env.production")
            .input("sarif", "out/config-check.sarif")
    };
    let run = step().run();
    assert_eq!(run.code, 2, "the directory does not exist: {}", run.log());
    assert!(
        run.stdout
            .contains("sarif: cannot write out/config-check.sarif"),
        "{}",
        run.stdout
    );
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let run = step().run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("sarif"), "out/config-check.sarif");
    let path = dir.path().join("out/config-check.sarif");
    let check = support::sarif::validate(&validator, &path);
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    for value in [password, "typo-value-x", "postgres://app"] {
        assert!(!text.contains(value), "{value} in the SARIF:\n{text}");
    }
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run_log = &sarif["runs"][0];
    assert_eq!(
        run_log["automationDetails"]["id"],
        "ready-actions/config-check/"
    );
    let rule_ids: Vec<&str> = run_log["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids.len(), 13, "{rule_ids:?}");
    assert!(rule_ids.contains(&"default-credentials") && rule_ids.contains(&"parity"));
    let results: Vec<String> = run_log["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {}:{}",
                r["ruleId"].as_str().unwrap(),
                at["artifactLocation"]["uri"].as_str().unwrap(),
                at["region"]["startLine"]
            )
        })
        .collect();
    assert_eq!(
        results.len(),
        run.output("problems").parse::<usize>().unwrap()
    );
    for wanted in [
        "default-credentials .env.production:1",
        "unknown-variable .env.production:2",
        "missing-required config.schema.yml:12",
    ] {
        assert!(
            results.iter().any(|r| r == wanted),
            "no {wanted}: {results:?}"
        );
    }
}

// ---- The GitHub environment's names, through the API mock. ----

fn github_step(gh: &GitHub, dir: &Path) -> Step {
    Step::new()
        .current_dir(dir)
        .env("GITHUB_API_URL", gh.base())
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .arg("config-check")
        .input("schema", "schema.yml")
        .input("environment", "production")
        .input("github-token", TOKEN)
}

fn github_schema(dir: &Path) {
    let mut schema = String::from(
        "variables:\n  JWT_SECRET: {required: true, secret: true}\n  API_KEY: {required: true, secret: true}\n",
    );
    // 40 more: the variables list takes two pages of 30.
    for i in 0..40 {
        schema.push_str(&format!("  FLAG_{i:02}: {{required: true}}\n"));
    }
    write(dir, "schema.yml", &schema);
}

#[tokio::test]
async fn names_from_every_page_count_as_present() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.environment_secrets
            .insert("production".into(), vec!["JWT_SECRET".into()]);
        let mut vars: Vec<(String, String)> = (0..40)
            .map(|i| (format!("FLAG_{i:02}"), format!("flag-value-{i:02}")))
            .collect();
        vars.push(("API_KEY".into(), "plain-api-key-value".into()));
        w.environment_variables.insert("production".into(), vars);
    });
    let dir = tempfile::tempdir().unwrap();
    github_schema(dir.path());
    let run = github_step(&gh, dir.path()).run();
    gh.assert_valid_requests();
    assert_eq!(gh.count("actions/list-environment-variables"), 2);
    assert_eq!(gh.count("actions/list-environment-secrets"), 1);
    // Every variable is there by name; API_KEY is a secret kept as a plain variable.
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("missing"), "");
    assert_eq!(run.output("problems"), "1");
    assert!(
        run.stdout.contains("file=schema.yml,line=3::API_KEY is a secret but GitHub environment production holds it as a variable"),
        "{}",
        run.stdout
    );
    assert!(
        run.summary
            .contains("| FLAG_39 | yes | GitHub variable | name only |"),
        "{}",
        run.summary
    );
    assert!(!everything(&run).contains("plain-api-key-value"));
}

#[tokio::test]
async fn a_forbidden_or_short_answer_could_not_decide() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.environment_secrets.insert("production".into(), vec![]);
        w.environment_variables.insert("production".into(), vec![]);
    });
    let dir = tempfile::tempdir().unwrap();
    github_schema(dir.path());
    gh.fault(
        "actions/list-environment-secrets",
        Fault::status(403).message("Resource not accessible by integration"),
    );
    let run = github_step(&gh, dir.path()).run();
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(
        run.stdout.contains("HTTP 403") && run.stdout.contains("Secrets and Variables: read"),
        "{}",
        run.stdout
    );

    gh.fault(
        "actions/list-environment-variables",
        Fault::status(200).body(serde_json::json!({"total_count": 5, "variables": [{"name": "FLAG_00", "value": "x", "created_at": "2020-01-10T10:59:22Z", "updated_at": "2020-01-11T11:59:22Z"}]})),
    );
    let run = github_step(&gh, dir.path()).run();
    assert_eq!(run.code, 3, "{}", run.log());
    assert!(run.stdout.contains("1 of the 5 items"), "{}", run.stdout);

    let run = github_step(&gh, dir.path()).input("environment", "").run();
    assert_eq!(run.code, 2, "{}", run.log());
    gh.assert_valid_requests();
}

// ---- The grammar, against python-dotenv itself. ----

fn python_dotenv() -> Option<PathBuf> {
    let python = std::env::var_os("READY_TEST_PYTHON_DOTENV")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/python"));
    let has_dotenv = std::process::Command::new(&python)
        .args(["-c", "import dotenv"])
        .env_clear()
        .status()
        .is_ok_and(|s| s.success());
    if has_dotenv {
        return Some(python);
    }
    if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1")
        && std::env::var_os("CI").is_none()
    {
        eprintln!("note: python-dotenv not found; skipped (run scripts/test.sh to provision it)");
        return None;
    }
    panic!(
        "python-dotenv not found: run scripts/test.sh (or set READY_TEST_PYTHON_DOTENV to a Python that has it), \
         or set READY_ALLOW_MISSING_TOOLS=1 to skip outside CI"
    );
}

/// Inputs where a hand-written .env parser usually goes wrong.
const TRICKY: &[&str] = &[
    "A=plain\nB= spaced value  \nC=x # comment\nD=a#b\nE= # not a comment\n",
    "export A=1\nexport  B='two'\nexportC=3\n  export D=4\n",
    "A='single # kept'\nB=\"double # kept\"\nC='it\\'s'\nD=\"say \\\"hi\\\"\"\n",
    "A=\"l1\\nl2\\tt\\\\\\q\"\nB='l1\\nl2'\n",
    "A=\"multi\nline\nvalue\"\nB='also\nmulti'\nC=after\n",
    "A\nB=\nC=''\nD=\"\"\n",
    "A=\"x\" trailing\nB=ok\nC='unclosed\nD=fine\n",
    "A=1\r\nB='2'\r\n# c\r\nC=3\r",
    "'QUOTED KEY'=v\nKEY.WITH.DOTS=v\nK-DASH=v\n=novalue\n",
    "A=first\nA=second\nB=${A}\n",
    "USER=app\nURL=postgres://${USER}:${PASS:-dflt}@${HOST}/db\nE\nF=${E}x${HOME:-h}\nG='${USER}'\nH=$USER\nI=${UNSET:-}\nJ=${A:x}\n",
    "\n\n  \n# only comments\n#A=1\n",
    "A=\"ends with backslash\\\\\"\nB=\"esc \\\" inside\" # c\n",
    "A=a\\\"b\nB=\"unterminated \\\"\nC=1\n",
    "A=€uro ünïcödé\nB=\"日本\"\n",
];

#[test]
fn the_grammar_matches_python_dotenv_on_tricky_inputs() {
    let Some(python) = python_dotenv() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(list(dotenv_values(sys.argv[1]).items())))\n";
    // The same environment on both sides for `${VAR}` expansion.
    let env = [("HOME", "/home/ci"), ("PATH", "/usr/bin:/bin")];
    for (i, text) in TRICKY.iter().enumerate() {
        let file = dir.path().join(format!("case{i}.env"));
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new(&python)
            .args(["-c", script])
            .arg(&file)
            .env_clear()
            .envs(env)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Vec<(String, Option<String>)> = serde_json::from_slice(&out.stdout).unwrap();
        let lookup = |k: &str| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let parsed = dotenv::parse(text);
        // dotenv_values is a dict: the last binding of a key wins, at the first one's place.
        let mut ours: Vec<(String, Option<String>)> = Vec::new();
        for b in dotenv::expand(&parsed.bindings, &lookup) {
            match ours.iter_mut().find(|(k, _)| *k == b.key) {
                Some(slot) => slot.1 = b.value,
                None => ours.push((b.key, b.value)),
            }
        }
        assert_eq!(ours, theirs, "case {i}: {text:?}");
    }
}
