//! End-to-end: migration trees made by the real Alembic CLI, and `ready check-alembic-heads`
//! compared with what `alembic heads` and `alembic heads --resolve-dependencies` print.
//!
//! Alembic comes from the venv scripts/test.sh makes (`.tools/venv`, pinned in
//! scripts/requirements-tools.txt) or `READY_TEST_ALEMBIC`.

mod support;

use std::path::{Path, PathBuf};
use support::Run;

fn alembic_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("READY_TEST_ALEMBIC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/alembic");
    venv.exists().then_some(venv)
}

/// The Alembic CLI, or `None` (skip) when READY_ALLOW_MISSING_TOOLS=1; otherwise a missing tool
/// fails the test.
fn alembic() -> Option<PathBuf> {
    match alembic_bin() {
        Some(p) => Some(p),
        None if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") => {
            eprintln!("note: alembic not found; skipped (run scripts/test.sh to provision it)");
            None
        }
        None => panic!(
            "alembic not found: run scripts/test.sh (or set READY_TEST_ALEMBIC), \
             or set READY_ALLOW_MISSING_TOOLS=1 to skip"
        ),
    }
}

struct Tree {
    dir: tempfile::TempDir,
    alembic: PathBuf,
}

impl Tree {
    /// `alembic init` with a template (`generic` or `pyproject`).
    fn init(alembic: PathBuf, template: &str) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree { dir, alembic };
        t.alembic(&["init", "--template", template, "migrations"]);
        t
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn alembic(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(&self.alembic)
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "alembic {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `alembic revision -m <id> --rev-id <id> <extra>`.
    fn rev(&self, id: &str, extra: &[&str]) -> &Self {
        let mut args = vec!["revision", "-m", id, "--rev-id", id];
        args.extend_from_slice(extra);
        self.alembic(&args);
        self
    }

    /// Revision ids as `alembic heads [--resolve-dependencies]` prints them, in order.
    fn alembic_heads(&self, resolve: bool) -> Vec<String> {
        let mut args = vec!["heads"];
        if resolve {
            args.push("--resolve-dependencies");
        }
        self.alembic(&args)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }

    fn ini_set(&self, key: &str, value: &str) {
        let path = self.path().join("alembic.ini");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        let mut done = false;
        for line in text.lines() {
            if line.starts_with(&format!("{key} =")) || line.starts_with(&format!("# {key} =")) {
                if !done {
                    out.push_str(&format!("{key} = {value}\n"));
                    done = true;
                }
                continue;
            }
            out.push_str(line);
            out.push('\n');
            if line == "[alembic]"
                && !text.contains(&format!("# {key} ="))
                && !text.contains(&format!("\n{key} ="))
            {
                out.push_str(&format!("{key} = {value}\n"));
                done = true;
            }
        }
        std::fs::write(path, out).unwrap();
    }
}

/// `ready check-alembic-heads` in `dir`, outside Actions unless `env` sets GITHUB_ACTIONS.
fn ready(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    support::Step::new()
        .outside_actions()
        .current_dir(dir)
        .arg("check-alembic-heads")
        .args(args)
        .envs(env)
        .run()
}

/// Our heads, with and without --resolve-dependencies, agree with Alembic's; returns our run.
fn assert_agrees(tree: &Tree, args: &[&str]) -> Run {
    let run = ready(tree.path(), args, &[]);
    assert_eq!(
        run.outputs["heads"],
        tree.alembic_heads(false).join(" "),
        "heads differ from `alembic heads`; stdout:\n{}",
        run.stdout
    );
    assert_eq!(
        run.outputs["head-count"],
        tree.alembic_heads(false).len().to_string()
    );
    let mut with = args.to_vec();
    with.extend(["--resolve-dependencies", "true"]);
    let resolved = ready(tree.path(), &with, &[]);
    assert_eq!(
        resolved.outputs["heads"],
        tree.alembic_heads(true).join(" "),
        "heads differ from `alembic heads --resolve-dependencies`; stdout:\n{}",
        resolved.stdout
    );
    run
}

#[test]
fn linear_tree_passes_with_one_head() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("r1", &[]).rev("r2", &[]).rev("r3", &[]);
    let run = assert_agrees(&t, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["result"], "passed");
    assert_eq!(run.outputs["heads"], "r3");
    assert_eq!(run.outputs["revision-count"], "3");
    assert_eq!(run.outputs["destructive"], "false");
}

#[test]
fn two_heads_are_blocked_naming_both_and_the_branch_point() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("r1", &[])
        .rev("r2", &[])
        .rev("r3", &["--head", "r1", "--splice"]);
    let run = assert_agrees(&t, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.outputs["result"], "blocked");
    assert_eq!(run.outputs["head-count"], "2");
    assert!(run.stdout.contains("they branch from r1"), "{}", run.stdout);
    // Allowed with max-heads 2.
    assert_eq!(ready(t.path(), &["--max-heads", "2"], &[]).code, 0);
}

#[test]
fn merged_and_three_way_merged_heads() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("r1", &[])
        .rev("r2", &[])
        .rev("r3", &["--head", "r1", "--splice"]);
    t.alembic(&["merge", "-m", "m1", "--rev-id", "m1", "heads"]);
    assert_eq!(assert_agrees(&t, &[]).code, 0);
    t.rev("b1", &["--head", "r1", "--splice"])
        .rev("b2", &["--head", "r1", "--splice"])
        .rev("b3", &["--head", "r1", "--splice"]);
    let three = assert_agrees(&t, &[]);
    assert_eq!(three.outputs["head-count"], "4");
    t.alembic(&["merge", "-m", "m2", "--rev-id", "m2", "heads"]);
    let merged = assert_agrees(&t, &[]);
    assert_eq!(merged.outputs["heads"], "m2");
    assert_eq!(merged.code, 0);
}

#[test]
fn branch_labels_independent_bases_depends_on_and_effective_head() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("a1", &["--branch-label", "app"])
        .rev("a2", &["--head", "app@head"]);
    t.rev("s1", &["--head", "base", "--branch-label", "shared"])
        .rev("s2", &["--head", "shared@head", "--depends-on", "a2"]);
    // depends_on naming a branch label.
    t.rev("s3", &["--head", "shared@head", "--depends-on", "app"]);
    let run = assert_agrees(&t, &["--max-heads", "5"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.outputs["heads"], "a2 s3");
    let resolved = ready(t.path(), &["--resolve-dependencies", "true"], &[]);
    assert_eq!(resolved.outputs["heads"], "s3");
    assert_eq!(resolved.code, 0, "{}", resolved.stdout);
    let plain = ready(t.path(), &[], &[]);
    assert_eq!(plain.code, 1);
    assert!(
        plain.stdout.contains("independent bases"),
        "{}",
        plain.stdout
    );
}

/// The module-level attributes as each Alembic template generation writes them.
#[test]
fn every_template_generation() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("r1", &[])
        .rev("r2", &["--branch-label", "x"])
        .rev("r3", &["--head", "r1", "--splice", "--depends-on", "r2"]);
    let versions = t.path().join("migrations/versions");
    let rewrite = |file: &str, f: &dyn Fn(&str) -> String| {
        let p = versions.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(&text)).unwrap();
    };
    // Before 1.11.2: plain assignments, single quotes.
    rewrite("r1_r1.py", &|s| {
        s.replace("revision: str = ", "revision = ")
            .replace(
                "down_revision: Union[str, Sequence[str], None] = ",
                "down_revision = ",
            )
            .replace(
                "branch_labels: Union[str, Sequence[str], None] = ",
                "branch_labels = ",
            )
            .replace(
                "depends_on: Union[str, Sequence[str], None] = ",
                "depends_on = ",
            )
    });
    // 1.11.2 to 1.16.1: down_revision: Union[str, None].
    rewrite("r2_r2.py", &|s| {
        s.replace(
            "down_revision: Union[str, Sequence[str], None] = ",
            "down_revision: Union[str, None] = ",
        )
    });
    let run = assert_agrees(&t, &["--max-heads", "3"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["revision-count"], "3");
}

#[test]
fn several_version_locations_with_every_separator() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    std::fs::create_dir_all(t.path().join("extra")).unwrap();
    for (sep, joined) in [
        ("os", "%(here)s/migrations/versions:%(here)s/extra"),
        (";", "%(here)s/migrations/versions; %(here)s/extra"),
        ("space", "%(here)s/migrations/versions %(here)s/extra"),
        (
            "newline",
            "\n    %(here)s/migrations/versions\n    %(here)s/extra",
        ),
    ] {
        t.ini_set("path_separator", sep);
        t.ini_set("version_locations", joined);
        if sep == "os" {
            t.rev("r1", &["--version-path", "migrations/versions"])
                .rev("r2", &["--version-path", "extra"]);
            t.rev(
                "x1",
                &[
                    "--head",
                    "base",
                    "--branch-label",
                    "extra",
                    "--version-path",
                    "extra",
                ],
            );
        }
        let run = assert_agrees(&t, &["--max-heads", "2"]);
        assert_eq!(
            run.outputs["revision-count"], "3",
            "separator {sep}: {}",
            run.stdout
        );
        assert_eq!(run.code, 0, "separator {sep}: {}", run.stdout);
    }
}

#[test]
fn recursive_version_locations() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.ini_set("recursive_version_locations", "true");
    let versions = t.path().join("migrations/versions");
    std::fs::create_dir_all(versions.join("2025/01")).unwrap();
    std::fs::create_dir_all(versions.join("2024")).unwrap();
    t.rev("r1", &[])
        .rev("r2", &[])
        .rev("r3", &["--head", "r1", "--splice"]);
    // Alembic finds files anywhere below the location when recursive: move them down.
    for (file, to) in [
        ("r1_r1.py", "2024"),
        ("r2_r2.py", "2025/01"),
        ("r3_r3.py", "2025/01"),
    ] {
        std::fs::rename(versions.join(file), versions.join(to).join(file)).unwrap();
    }
    // Not migrations: __init__.py, editor lock files, other extensions.
    std::fs::write(versions.join("__init__.py"), "x = (\n").unwrap();
    std::fs::write(versions.join(".#lock.py"), "x = (\n").unwrap();
    std::fs::write(versions.join("notes.txt"), "x").unwrap();
    let run = assert_agrees(&t, &["--max-heads", "2"]);
    assert_eq!(run.outputs["revision-count"], "3");
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Without recursion Alembic (and we) see nothing in subdirectories.
    t.ini_set("recursive_version_locations", "false");
    let flat = assert_agrees(&t, &[]);
    assert_eq!(flat.outputs["revision-count"], "0");
}

#[test]
fn pyproject_template() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "pyproject");
    t.rev("r1", &[]).rev("r2", &[]);
    let run = assert_agrees(&t, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["heads"], "r2");
    // Named explicitly too.
    let named = ready(t.path(), &["--config", "pyproject.toml"], &[]);
    assert_eq!(named.outputs["heads"], "r2");
}

/// Broken trees: Alembic fails on each; we report every problem at once.
#[test]
fn broken_trees_report_everything_in_one_run() {
    let Some(a) = alembic() else { return };
    let t = Tree::init(a, "generic");
    t.rev("r1", &[])
        .rev("r2", &["--branch-label", "lab"])
        .rev("r3", &[])
        .rev("r4", &[]);
    let versions = t.path().join("migrations/versions");
    let edit = |file: &str, from: &str, to: &str| {
        let p = versions.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{from} not in {file}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    // A cycle r1 → r4 → r3 → r2 → r1.
    edit(
        "r1_r1.py",
        "down_revision: Union[str, Sequence[str], None] = None",
        "down_revision: Union[str, Sequence[str], None] = 'r4'",
    );
    // A missing parent, a duplicate id, a duplicate label, a syntax error.
    std::fs::write(
        versions.join("x1.py"),
        "revision = 'x1'\ndown_revision = 'nope'\nbranch_labels = ('lab',)\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("x2.py"),
        "revision = 'x1'\ndown_revision = None\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("x3.py"),
        "revision = 'x3'\ndown_revision = None\ndef downgrade(:\n",
    )
    .unwrap();
    let out = std::process::Command::new(&t.alembic)
        .arg("heads")
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "alembic heads should fail here");
    let run = ready(t.path(), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for rule in [
        "revision-cycle",
        "unknown-down-revision",
        "duplicate-revision",
        "duplicate-branch-label",
        "syntax-error",
    ] {
        assert!(run.stdout.contains(rule), "{rule} missing:\n{}", run.stdout);
    }
}

// ---- fixtures, snapshots, contracts, interface ----

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/check_alembic_heads")
        .join(name)
}

/// Copies a fixture directory into a temp dir (so git and relative paths are the test's own).
fn copy_fixture(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&data(name), dir.path());
    dir
}

#[test]
fn snapshot_annotations_and_summary_of_a_broken_tree() {
    let dir = copy_fixture("broken");
    let run = ready(
        dir.path(),
        &["--require-contract", "true"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("broken_annotations", run.stdout);
    insta::assert_snapshot!("broken_summary", run.summary);
}

/// The findings as SARIF 2.1.0 for code scanning: valid against the vendored schema, every
/// rule of the table with its help from the docs, each result at its file and line.
#[test]
fn sarif_of_a_broken_tree_is_valid_and_points_at_each_file() {
    let Some(validator) = support::sarif::check_jsonschema() else {
        return;
    };
    let dir = copy_fixture("broken");
    let run = ready(
        dir.path(),
        &["--require-contract", "true"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("INPUT_SARIF", "out/ready.sarif"),
        ],
    );
    assert_eq!(run.code, 2, "the directory does not exist: {}", run.stdout);
    assert!(
        run.stdout.contains("sarif: cannot write out/ready.sarif"),
        "{}",
        run.stdout
    );
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let run = ready(
        dir.path(),
        &["--require-contract", "true"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("INPUT_SARIF", "out/ready.sarif"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let path = dir.path().join("out/ready.sarif");
    let validate = |file: &Path| support::sarif::validate(&validator, file);
    let check = validate(&path);
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    // The validator does refuse a log without its tool.
    let mut broken: serde_json::Value = serde_json::from_str(&text).unwrap();
    broken["runs"][0].as_object_mut().unwrap().remove("tool");
    let broken_path = dir.path().join("out/broken.sarif");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    assert!(!validate(&broken_path).status.success());
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        findings_in(&run.summary),
        "one result per finding"
    );
    // The log names the release; the snapshot does not change with it.
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    insta::assert_snapshot!(
        "broken_sarif",
        text.replace(&version, "\"version\": \"[release]\"")
    );
}

/// How many findings the summary counts.
fn findings_in(summary: &str) -> usize {
    let count = summary.split("<summary>").nth(1).unwrap().split(' ').next();
    count.unwrap().parse().unwrap()
}

#[test]
fn snapshot_summary_of_a_passing_tree() {
    let dir = copy_fixture("contracts");
    let run = ready(
        dir.path(),
        &[
            "--require-contract",
            "true",
            "--contract-doc",
            "MIGRATIONS.md",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["requires-maintenance-window"], "true");
    assert_eq!(run.outputs["destructive"], "false");
    insta::assert_snapshot!("contracts_summary", run.summary);
}

/// The committed fixtures agree with the real Alembic where it can read them.
#[test]
fn fixtures_agree_with_alembic() {
    let Some(a) = alembic() else { return };
    let dir = copy_fixture("contracts");
    let t = Tree { dir, alembic: a };
    assert_agrees(&t, &[]);
}

#[test]
fn inputs_from_env_and_empty_inputs_mean_unset() {
    let dir = copy_fixture("contracts");
    let run = ready(
        dir.path(),
        &[],
        &[
            ("INPUT_CONFIG", ""),
            ("INPUT_SCRIPT_LOCATION", ""),
            ("INPUT_VERSION_LOCATIONS", ""),
            ("INPUT_MAX_HEADS", ""),
            ("INPUT_RESOLVE_DEPENDENCIES", ""),
            ("INPUT_REQUIRE_CONTRACT", ""),
            ("INPUT_CONTRACT_DOC", ""),
            ("INPUT_CHANGED_SINCE", ""),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let blocked = ready(
        dir.path(),
        &[],
        &[
            ("INPUT_CONTRACT_DOC", "EMPTY.md"),
            ("INPUT_REQUIRE_CONTRACT", "true"),
        ],
    );
    assert_eq!(blocked.code, 1, "{}", blocked.stdout);
    assert!(blocked.stdout.contains("missing-contract-doc"));
}

#[test]
fn missing_config_exits_2_saying_what_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let run = ready(dir.path(), &[], &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.outputs["result"], "invalid");
    assert!(run.stdout.contains("alembic.ini"), "{}", run.stdout);
    assert!(run.stdout.contains("pyproject.toml"), "{}", run.stdout);
    let named = ready(dir.path(), &["--config", "conf/alembic.ini"], &[]);
    assert_eq!(named.code, 2);
    assert!(
        named.stdout.contains("conf/alembic.ini"),
        "{}",
        named.stdout
    );
}

#[test]
fn script_location_and_version_locations_override_the_config() {
    let dir = copy_fixture("contracts");
    std::fs::remove_file(dir.path().join("alembic.ini")).unwrap();
    let run = ready(dir.path(), &["--script-location", "migrations"], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["revision-count"], "3");
    let run = ready(
        dir.path(),
        &["--version-locations", "migrations/versions,\nnowhere"],
        &[],
    );
    assert_eq!(run.outputs["revision-count"], "3", "{}", run.stdout);
}

#[test]
fn changed_since_applies_contract_rules_to_new_files_only() {
    let dir = copy_fixture("contracts");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    // An old migration without a contract, committed; then a new one on top.
    std::fs::write(
        dir.path().join("migrations/versions/c4_old.py"),
        "revision = 'c4'\ndown_revision = 'c3'\n",
    )
    .unwrap();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(
        dir.path().join("migrations/versions/c5_new.py"),
        "revision = 'c5'\ndown_revision = 'c4'\n",
    )
    .unwrap();
    let run = ready(
        dir.path(),
        &["--require-contract", "true", "--changed-since", "main"],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("c5_new.py"), "{}", run.stdout);
    assert!(!run.stdout.contains("c4_old.py"), "{}", run.stdout);
    let bad = ready(dir.path(), &["--changed-since", "no-such-ref"], &[]);
    assert_eq!(bad.code, 2, "{}", bad.stdout);
}

// ---- bounds: findings and summary grow linearly, and the summary stays under GitHub's limit

/// A tree of migration files written directly: (file stem, revision, down_revision).
fn tree_of(revisions: &[(String, String, Option<String>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .unwrap();
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    for (stem, id, down) in revisions {
        let down = down
            .as_ref()
            .map_or("None".to_string(), |d| format!("'{d}'"));
        std::fs::write(
            versions.join(format!("{stem}.py")),
            format!("revision = '{id}'\ndown_revision = {down}\n"),
        )
        .unwrap();
    }
    dir
}

fn rule_count(run: &Run, rule: &str) -> usize {
    run.stdout.matches(&format!("title={rule}%3A")).count()
}

#[test]
fn many_heads_are_one_finding_and_the_summary_stays_under_1_mib() {
    let heads: Vec<_> = (0..20_000)
        .map(|i| {
            (
                format!("h{i:05}_{}", "x".repeat(40)),
                format!("h{i:05}"),
                None,
            )
        })
        .collect();
    let dir = tree_of(&heads);
    let run = ready(dir.path(), &[], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(run.code, 1, "{}", &run.stdout[..2000.min(run.stdout.len())]);
    assert_eq!(rule_count(&run, "multiple-heads"), 1);
    assert!(
        run.stdout
            .contains("20000 heads where at most 1 is allowed")
    );
    assert!(run.stdout.contains("and 19980 more"));
    assert_eq!(run.outputs["head-count"], "20000");
    assert!(run.summary.len() < 1024 * 1024, "{}", run.summary.len());
    assert!(
        run.summary
            .contains("This summary was cut to stay under GitHub's 1 MiB limit"),
        "{}",
        &run.summary[run.summary.len() - 2000..]
    );
}

#[test]
fn a_long_cycle_is_one_finding() {
    let n = 181;
    let members: Vec<_> = (0..n)
        .map(|i| {
            (
                format!("c{i:03}"),
                format!("c{i:03}"),
                Some(format!("c{:03}", (i + 1) % n)),
            )
        })
        .collect();
    let dir = tree_of(&members);
    let run = ready(dir.path(), &[], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(rule_count(&run, "revision-cycle"), 1);
    assert!(run.stdout.contains("181 revisions: "), "{}", run.stdout);
    assert!(run.summary.len() < 64 * 1024, "{}", run.summary.len());
}

#[test]
fn brackets_nested_past_cpythons_limit_are_a_syntax_error_as_python_says() {
    let Some(alembic) = alembic() else { return };
    let python = alembic.with_file_name("python");
    for (depth, python_accepts) in [(200, true), (201, false)] {
        let source = format!(
            "revision = 'a'\ndown_revision = None\nx = {}1{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let dir = tree_of(&[]);
        let file = dir.path().join("migrations/versions/a.py");
        std::fs::write(&file, &source).unwrap();
        let compiled = std::process::Command::new(&python)
            .args(["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(compiled.status.success(), python_accepts, "{compiled:?}");
        let run = ready(dir.path(), &[], &[("GITHUB_ACTIONS", "true")]);
        if python_accepts {
            assert_eq!(run.code, 0, "{}", run.stdout);
        } else {
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert!(
                run.stdout.contains("line=3::migrations/versions/a.py does not parse: too many nested parentheses at line 3, column 205"),
                "{}",
                run.stdout
            );
        }
    }
}
