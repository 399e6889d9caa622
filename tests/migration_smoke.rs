//! End-to-end tests of `ready migration-smoke` against a REAL Postgres (Debian's postgresql:
//! one throwaway server on a free loopback port for the whole file, its data in a temp dir,
//! stopped by PID; one fresh database per test) and the real Alembic CLI, SQLAlchemy, psycopg
//! and squawk-cli from scripts/requirements-tools.txt. The trees are in
//! tests/data/migration_smoke/ and share one env.py.

mod support;

use ready_actions::migration_smoke::postgres::{self, Throwaway};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{Run, Step};

fn tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/migration_smoke")
        .join(name)
}

/// The tools; a missing one fails the test (CI installs everything) unless
/// READY_ALLOW_MISSING_TOOLS=1 outside CI, where the test is skipped with the reason.
struct Tools {
    pg_bin: PathBuf,
    venv: PathBuf,
}

fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    let found = TOOLS.get_or_init(|| {
        let hint = "run scripts/test.sh (or source scripts/tools.sh && provision_python_tools, and scripts/provision/migration_smoke.sh)";
        let pg_bin = std::env::var_os("READY_TEST_PG_BIN")
            .map(PathBuf::from)
            .or_else(postgres::find_bin)
            .filter(|b| b.join("initdb").is_file())
            .ok_or_else(|| format!("postgresql (initdb) not found: {hint}"))?;
        let venv = std::env::var_os("READY_TEST_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv"));
        for tool in ["alembic", "squawk", "python"] {
            if !venv.join("bin").join(tool).is_file() {
                return Err(format!("{tool} not found in {}: {hint}", venv.display()));
            }
        }
        Ok(Tools { pg_bin, venv })
    });
    match found {
        Ok(tools) => Some(tools),
        Err(e)
            if std::env::var_os("CI").is_none()
                && std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") =>
        {
            eprintln!("skipping: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// The one server of this file. It is never dropped (a static): its keeper stops it by PID and
/// removes its data when this process ends.
fn server() -> Option<&'static Throwaway> {
    static SERVER: OnceLock<Result<Throwaway, String>> = OnceLock::new();
    let tools = tools()?;
    let server = SERVER.get_or_init(|| Throwaway::start(&tools.pg_bin));
    Some(server.as_ref().unwrap_or_else(|e| panic!("{e}")))
}

/// A fresh, empty database on the shared server; its URL.
fn database(name: &str) -> Option<String> {
    let server = server()?;
    let out = std::process::Command::new(server.bin().join("createdb"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-U",
            postgres::USER,
        ])
        .arg(name)
        .env("PGPASSWORD", &server.password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "createdb {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(server.url(name))
}

/// `ready migration-smoke` in `tree`, with the venv's Alembic and squawk, and `inputs`.
fn smoke(tree_name: &str, url: &str, inputs: &[(&str, &str)]) -> Run {
    let tools = tools().expect("tools were found before");
    let bin = tools.venv.join("bin");
    inputs
        .iter()
        .fold(
            Step::new()
                .arg("migration-smoke")
                .current_dir(tree(tree_name))
                .input("database-url", url)
                .input("alembic", bin.join("alembic"))
                .input("squawk", bin.join("squawk")),
            |step, (name, value)| step.input(name, value),
        )
        .run()
}

/// The `::error`/`::warning`/`::notice` lines of a run, one per annotation.
fn annotations(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| {
            l.starts_with("::error") || l.starts_with("::notice") || l.starts_with("::warning")
        })
        .collect()
}

#[test]
fn a_sound_tree_goes_up_down_and_up_again_and_passes() {
    let Some(url) = database("sound") else { return };
    let run = smoke("sound", &url, &[]);
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert_eq!(run.output("revisions"), "5");
    assert_eq!(run.output("failed-revision"), "");
    assert_eq!(run.output("requires-maintenance-window"), "true");
    assert_eq!(run.output("destructive"), "true");
    let slowest: serde_json::Value = serde_json::from_str(run.output("slowest")).unwrap();
    assert!(slowest["revision"].as_str().unwrap().starts_with('s'));
    assert!(slowest["ms"].as_f64().unwrap() >= 0.0);
    let observed: serde_json::Value =
        serde_json::from_str(run.output("observed-contracts")).unwrap();
    assert_eq!(
        observed["s4_nickname_text"],
        serde_json::json!({"declared": "requires_maintenance_window", "observed": "requires_maintenance_window"})
    );
    assert_eq!(
        observed["s3_email_index"]["observed"], "safe_online",
        "CONCURRENTLY"
    );
    // The summary: the verdict, then one row per revision with its times and stairway.
    assert!(
        run.summary
            .contains("5 revisions ran base → head, each down and up again"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| Revision | Declared | Observed | Upgrade | Downgrade | Stairway |"),
        "{}",
        run.summary
    );
    let rows = run
        .summary
        .lines()
        .filter(|l| l.starts_with("| s") && l.ends_with("| passed |"));
    assert_eq!(rows.count(), 5, "{}", run.summary);
    assert!(annotations(&run).is_empty(), "{}", run.stdout);
    // The log shows every step as it ends: which of how many, revision, direction, outcome.
    let steps: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("migration-smoke ["))
        .filter_map(|l| l.split_once("] [").map(|(_, rest)| rest))
        .collect();
    assert!(steps.len() >= 15, "{}", run.stderr);
    let first = regex_free_ms(steps[0]);
    assert!(
        first.starts_with(&format!("1/{}] s1_", steps.len()))
            && first.ends_with(" upgrade: passed in Nms"),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| regex_free_ms(s).ends_with(" upgrade after its downgrade: passed in Nms")),
        "{steps:?}"
    );
}

/// A step line with its time replaced by `N`, the one part that differs run to run.
fn regex_free_ms(line: &str) -> String {
    match line.rsplit_once(" in ") {
        Some((head, tail)) if tail.ends_with("ms") => format!("{head} in Nms"),
        _ => line.to_string(),
    }
}

#[test]
fn an_upgrade_that_fails_on_its_third_revision_stops_the_run_there() {
    let Some(url) = database("failing") else {
        return;
    };
    let run = smoke("failing", &url, &[]);
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("failed-revision"), "f3_typo");
    let errors = annotations(&run);
    // On the line of the op.add_column call that Postgres refused.
    assert!(
        errors[0].starts_with(
            "::error title=upgrade-failed%3A Upgrade failed,file=versions/f3_typo.py,line=12::"
        ),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("relation \"order\" does not exist"),
        "{errors:?}"
    );
    // The last step line says which failed and why; nothing runs after it.
    let last = run
        .stderr
        .lines()
        .rfind(|l| l.starts_with("migration-smoke ["))
        .unwrap_or_default();
    assert!(
        last.contains(" f3_typo upgrade: failed in ")
            && last.contains("relation \"order\" does not exist"),
        "{}",
        run.stderr
    );
    assert!(
        run.summary.contains("f3_typo failed at upgrade"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| f4_after | safe_online | safe_online | – | – | not reached |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("<details>"),
        "the traceback is folded away: {}",
        run.summary
    );
}

#[test]
fn the_stairway_catches_a_downgrade_that_does_not_undo_its_upgrade() {
    let Some(url) = database("bad_downgrade") else {
        return;
    };
    let run = smoke("bad_downgrade", &url, &[]);
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("failed-revision"), "b2_body");
    let errors = annotations(&run);
    assert!(
        errors[0].contains("downgrade-incomplete")
            && errors[0].contains("file=versions/b2_body.py,line=11"),
        "{errors:?}"
    );
    assert!(errors[0].contains("already exists"), "{errors:?}");
    // Without the stairway, the same tree passes: only the stairway sees it.
    let Some(url) = database("bad_downgrade_flat") else {
        return;
    };
    let flat = smoke(
        "bad_downgrade",
        &url,
        &[
            ("stairway", "false"),
            ("contracts", "false"),
            ("model-check", "false"),
        ],
    );
    assert_eq!(flat.code, 0, "{}", flat.log());
}

#[test]
fn the_walk_back_to_base_catches_a_downgrade_that_needs_a_later_one() {
    let Some(url) = database("walk_down") else {
        return;
    };
    let run = smoke("walk_down", &url, &[("model-check", "false")]);
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("failed-revision"), "w2_code_check");
    let errors = annotations(&run);
    assert!(
        errors[0].starts_with(
            "::error title=downgrade-failed%3A Downgrade failed,file=versions/w2_code_check.py,line=14::"
        ),
        "{errors:?}"
    );
    assert!(errors[0].contains("ck_items_code"), "{errors:?}");
    // Every stairway went through: only the walk down found it.
    let passed = run.summary.lines().filter(|l| l.ends_with("| passed |"));
    assert_eq!(passed.count(), 3, "{}", run.summary);
}

/// The step lines of a run, without the action's name and elapsed time, times as `N`.
fn step_lines(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|l| l.strip_prefix("migration-smoke ["))
        .filter_map(|l| {
            l.split_once("] [")
                .map(|(_, rest)| regex_free_ms(&format!("[{rest}")))
        })
        .collect()
}

/// The middle revision drops a table, declares `no_downgrade` and its downgrade() is `pass`:
/// running that downgrade and upgrading again would fail ("table does not exist"), and so would
/// n1's downgrade on the walk back to base. Neither runs; the run passes with a notice.
#[test]
fn a_revision_that_declares_no_downgrade_is_upgraded_never_downgraded() {
    let Some(url) = database("declared_away") else {
        return;
    };
    let run = smoke("declared_away", &url, &[]);
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert_eq!(run.output("failed-revision"), "");
    assert_eq!(run.output("destructive"), "true");
    // What was not run, step by step: n2's stairway stops after its upgrade, n3's goes down to
    // n2, and the walk back to base stops at n2 (n1 below it is not walked).
    let steps = step_lines(&run);
    insta::assert_snapshot!("declared_away_steps", steps.join("\n"));
    assert!(
        !steps
            .iter()
            .any(|s| s.contains("passed") && s.contains(" n2_drop_sessions downgrade")),
        "{steps:?}"
    );
    assert!(
        !steps.iter().any(|s| s.contains("n1_accounts downgrade on")),
        "{steps:?}"
    );
    // One notice on the no_downgrade line, for the reviewer: this rollback was not exercised.
    let notes = annotations(&run);
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    insta::assert_snapshot!("declared_away_notice", notes[0]);
    assert!(notes[0].starts_with("::notice title=downgrade-declared-away"));
    assert!(notes[0].contains("file=versions/n2_drop_sessions.py,line=7::"));
    // The summary says it too: the headline, and the row that was not taken down.
    assert!(
        run.summary.contains(
            "3 revisions ran base → head, each down and up again, contracts match their SQL in "
        ) && run
            .summary
            .contains(" s; n2_drop_sessions declares no_downgrade: not taken down"),
        "{}",
        run.summary
    );
    let row = run
        .summary
        .lines()
        .find(|l| l.starts_with("| n2_drop_sessions |"))
        .unwrap_or_default();
    assert!(
        row.starts_with("| n2_drop_sessions | destructive | destructive | ")
            && row.ends_with(
                "| skipped: declares no_downgrade \"the sessions are gone with their rows; restore from the nightly snapshot\" | skipped |"
            ),
        "{}",
        run.summary
    );
    let passed = run.summary.lines().filter(|l| l.ends_with("| passed |"));
    assert_eq!(passed.count(), 2, "{}", run.summary);

    // Without the stairway, the walk back to base still stops at it.
    let Some(url) = database("declared_away_flat") else {
        return;
    };
    let flat = smoke("declared_away", &url, &[("stairway", "false")]);
    assert_eq!(flat.code, 0, "{}", flat.log());
    let last = step_lines(&flat).pop().unwrap_or_default();
    assert_eq!(
        last,
        "[6/6] n2_drop_sessions downgrade on the way back to base: skipped: n2_drop_sessions declares no_downgrade \"the sessions are gone with their rows; restore from the nightly snapshot\"; the walk stops here: the 1 revision before it is not walked down",
        "{}",
        flat.stderr
    );
    assert!(
        flat.summary
            .contains("3 revisions ran base → head and back down, contracts match")
            && flat
                .summary
                .contains(" s; n2_drop_sessions declares no_downgrade: not taken down"),
        "{}",
        flat.summary
    );
}

/// k2 (no_downgrade) and k3 grow from k1, k4 merges them: k3's downgrades stay on its branch
/// (`downgrade k1_sessions` would run k2's no-op downgrade too, and k4's upgrade would then fail)
/// and k4's go to one parent (`k4_merge-1` is an ambiguous walk to Alembic).
#[test]
fn on_a_branch_a_declared_no_downgrade_is_not_taken_down_by_its_sibling() {
    let Some(url) = database("declared_away_branch") else {
        return;
    };
    let run = smoke(
        "declared_away_branch",
        &url,
        &[("contracts", "false"), ("model-check", "false")],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    let steps = step_lines(&run);
    let expected = [
        "k3_accounts downgrade: passed",
        "k4_merge downgrade: passed",
        "k4_merge downgrade on the way back to base: passed",
        "k3_accounts downgrade on the way back to base: passed",
        "k2_drop_sessions downgrade on the way back to base: skipped",
    ];
    for part in expected {
        assert!(steps.iter().any(|s| s.contains(part)), "{part}: {steps:?}");
    }
    let notes = annotations(&run);
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    assert!(
        notes[0].contains("file=versions/k2_drop_sessions.py,line=7::"),
        "{notes:?}"
    );
}

#[test]
fn models_that_drift_from_the_schema_block() {
    let Some(url) = database("drift") else { return };
    let run = smoke("drift", &url, &[]);
    assert_eq!(run.code, 1, "{}", run.log());
    let errors = annotations(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("model-drift") && errors[0].contains("add_column"),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("'items'") && errors[0].contains("'name'"),
        "{errors:?}"
    );
    assert_eq!(run.output("failed-revision"), "");
    let Some(url) = database("drift_unchecked") else {
        return;
    };
    assert_eq!(smoke("drift", &url, &[("model-check", "off")]).code, 0);
}

#[test]
fn each_contract_mismatch_is_found_on_its_migration_contract_line() {
    let Some(url) = database("contracts") else {
        return;
    };
    let run = smoke("contracts", &url, &[("model-check", "false")]);
    assert_eq!(run.code, 1, "{}", run.log());
    let found: Vec<(String, String)> = annotations(&run)
        .iter()
        .map(|a| {
            let rule = a
                .split("title=")
                .nth(1)
                .unwrap()
                .split("%3A")
                .next()
                .unwrap();
            let file = a
                .split("file=versions/")
                .nth(1)
                .unwrap()
                .split(".py,line=7")
                .next()
                .unwrap();
            (file.to_string(), rule.to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("c02_name_type", "contract-under-declared"),
        ("c03_owner_not_null", "contract-under-declared"),
        ("c04_name_index", "contract-under-declared"),
        ("c05_owner_fk", "contract-under-declared"),
        ("c06_plan_check", "contract-under-declared"),
        ("c07_drop_plan", "contract-under-declared"),
        ("c08_rename_name", "contract-under-declared"),
        ("c09_rename_owners", "contract-under-declared"),
        ("c10_drop_scratch", "contract-under-declared"),
        ("c11_over", "contract-over-declared"),
    ]
    .iter()
    .map(|(f, r)| (f.to_string(), r.to_string()))
    .collect();
    assert_eq!(found, expected, "{}", run.stdout);
    let observed: serde_json::Value =
        serde_json::from_str(run.output("observed-contracts")).unwrap();
    let of = |rev: &str| observed[rev]["observed"].as_str().unwrap().to_string();
    for rev in [
        "c02_name_type",
        "c03_owner_not_null",
        "c04_name_index",
        "c05_owner_fk",
        "c06_plan_check",
    ] {
        assert_eq!(of(rev), "requires_maintenance_window", "{rev}");
    }
    for rev in [
        "c07_drop_plan",
        "c08_rename_name",
        "c09_rename_owners",
        "c10_drop_scratch",
    ] {
        assert_eq!(of(rev), "destructive", "{rev}");
    }
    assert_eq!(of("c11_over"), "safe_online");
    assert!(
        run.stdout.contains("changing-column-type (SQL line 4"),
        "{}",
        run.stdout
    );
    assert!(annotations(&run)[10..].is_empty());
    // The text a reviewer reads on each file, whole.
    insta::assert_snapshot!("contracts_annotations", annotations(&run).join("\n"));
    assert!(annotations(&run)[9].starts_with("::notice"));
}

#[test]
fn an_unreachable_database_is_exit_3_after_bounded_retries() {
    if tools().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = smoke(
        "sound",
        &format!("postgresql://ready:never-reached-pw@127.0.0.1:{port}/app"),
        &[("connect-timeout", "2s")],
    );
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(
        run.stdout.contains("could not be reached after"),
        "{}",
        run.stdout
    );
    assert!(
        !run.log()
            .replace("::add-mask::never-reached-pw", "")
            .contains("never-reached-pw")
    );
}

#[test]
fn the_database_password_never_shows_up() {
    let Some(url) = database("leaky") else { return };
    let password = server().unwrap().password.clone();
    // The migration prints the URL to stderr and raises with it in the message.
    let run = smoke("leaky", &url, &[]);
    assert_eq!(run.code, 1, "{}", run.log());
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("::add-mask::{password}").as_str()),
        "masked before anything prints"
    );
    for (what, text) in [
        ("stdout", run.stdout.as_str()),
        ("stderr", &run.stderr),
        ("summary", &run.summary),
        ("outputs", &run.output_file),
    ] {
        let unmasked: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("::add-mask::") && l.contains(&password))
            .collect();
        assert!(unmasked.is_empty(), "the password in {what}: {unmasked:?}");
    }
    assert!(
        run.stdout
            .contains("cannot migrate postgresql://ready:***@127.0.0.1"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_graph_check_alembic_heads_blocks_runs_no_sql() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("versions")).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        format!(
            "[alembic]\nscript_location = {}\nversion_locations = %(here)s/versions\n",
            tree("env").display()
        ),
    )
    .unwrap();
    for (id, down) in [("a", "None"), ("b", "'a'"), ("c", "'a'")] {
        std::fs::write(
            dir.path().join(format!("versions/{id}.py")),
            format!("revision = '{id}'\ndown_revision = {down}\n"),
        )
        .unwrap();
    }
    // No server listens there: a run that tried the database would end with exit 3.
    let run = Step::new()
        .arg("migration-smoke")
        .current_dir(dir.path())
        .input(
            "database-url",
            "postgresql://ready:not-a-server@127.0.0.1:9/app",
        )
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert!(run.stdout.contains("multiple-heads"), "{}", run.stdout);
    assert!(run.stdout.contains("no migration ran"), "{}", run.stdout);
    assert_eq!(run.output("revisions"), "3");
}

#[test]
fn without_a_database_url_it_starts_a_throwaway_postgres_itself() {
    let Some(tools) = tools() else { return };
    let path = std::env::join_paths([tools.pg_bin.clone()].into_iter().chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let bin = tools.venv.join("bin");
    let run = Step::new()
        .arg("migration-smoke")
        .current_dir(tree("sound"))
        .env("PATH", path)
        .input("alembic", bin.join("alembic"))
        .input("squawk", bin.join("squawk"))
        .input("stairway", "off")
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.summary.contains("on a throwaway Postgres (127.0.0.1:"),
        "{}",
        run.summary
    );
}

#[test]
fn bad_input_is_exit_2_with_what_was_expected() {
    for (name, value, expected) in [
        ("stairway", "maybe", "is not true or false"),
        (
            "database-url",
            "mysql://u:long-password@h/db",
            "runs on Postgres",
        ),
        ("connect-timeout", "soon", "is not a duration"),
        ("alembic", "make migrate", "set `python`"),
    ] {
        let run = Step::new()
            .arg("migration-smoke")
            .current_dir(tree("sound"))
            .input(
                "database-url",
                "postgresql://u:long-password@127.0.0.1:9/db",
            )
            .input(name, value)
            .run();
        assert_eq!(run.code, 2, "{name}={value}: {}", run.log());
        assert!(
            run.log().contains(expected),
            "{name}={value}: {}",
            run.log()
        );
    }
}

/// With `working-directory`, the commands run there (a command given as a path is from there)
/// but findings name files from the workspace (the process's directory), where GitHub places
/// annotations.
#[test]
fn findings_in_a_working_directory_name_files_from_the_workspace() {
    let Some(url) = database("failing_elsewhere") else {
        return;
    };
    let tools = tools().expect("tools were found before");
    let bin = tools.venv.join("bin");
    let workspace = tree("failing").parent().unwrap().to_path_buf();
    // Alembic given as a path from the working directory, as a step there would name it.
    let up = "../".repeat(tree("failing").components().count() - 1);
    let alembic = format!(
        "{up}{}",
        bin.join("alembic")
            .display()
            .to_string()
            .trim_start_matches('/')
    );
    let run = Step::new()
        .arg("migration-smoke")
        .current_dir(&workspace)
        .input("working-directory", "failing")
        .input("database-url", &url)
        .input("alembic", &alembic)
        .input("squawk", bin.join("squawk"))
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("failed-revision"), "f3_typo");
    assert!(
        run.stdout.contains(
            "::error title=upgrade-failed%3A Upgrade failed,file=failing/versions/f3_typo.py,line=12::"
        ),
        "{}",
        run.stdout
    );
}

/// With `changed-since`, only the migrations added or changed since that commit have their
/// contracts compared and count in the outputs: the ones already deployed do not.
#[test]
fn changed_since_compares_only_the_migrations_not_deployed_yet() {
    let Some(url) = database("contracts_since") else {
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    let data = tree("contracts").parent().unwrap().to_path_buf();
    for dir in ["contracts", "contracts/versions", "env"] {
        std::fs::create_dir_all(repo.path().join(dir)).unwrap();
        for entry in std::fs::read_dir(data.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, repo.path().join(dir).join(path.file_name().unwrap()))
                    .unwrap();
            }
        }
    }
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    git(&["commit", "--quiet", "--message", "deployed"]);
    // One migration changed since: the column type change, declared safe_online.
    let changed = repo.path().join("contracts/versions/c02_name_type.py");
    let text = std::fs::read_to_string(&changed).unwrap();
    std::fs::write(&changed, text + "# reviewed\n").unwrap();

    let tools = tools().expect("tools were found before");
    let bin = tools.venv.join("bin");
    let run = Step::new()
        .arg("migration-smoke")
        .current_dir(repo.path())
        .input("working-directory", "contracts")
        .input("changed-since", "HEAD")
        .input("model-check", "false")
        .input("database-url", &url)
        .input("alembic", bin.join("alembic"))
        .input("squawk", bin.join("squawk"))
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    let under: Vec<&str> = annotations(&run)
        .into_iter()
        .filter(|a| a.contains("contract-under-declared"))
        .collect();
    assert_eq!(under.len(), 1, "{}", run.stdout);
    assert!(
        under[0].contains("file=contracts/versions/c02_name_type.py,line=7"),
        "{}",
        under[0]
    );
    // What the deploy needs counts the changed migration only (no drop among them).
    assert_eq!(run.output("requires-maintenance-window"), "true");
    assert_eq!(run.output("destructive"), "false");
    let observed: serde_json::Value =
        serde_json::from_str(run.output("observed-contracts")).unwrap();
    assert_eq!(
        observed["c07_drop_plan"]["observed"],
        serde_json::Value::Null
    );
}
