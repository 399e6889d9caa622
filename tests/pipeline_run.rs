//! The reusable pipeline, run for real: act runs the demo's own workflow
//! (examples/demo/.github/workflows/deploy.yml, which calls ready-pipeline.yml) on the host, with
//! our `uses:` lines resolved to this checkout. The image is built by a real Docker daemon, pushed
//! to a real registry (htpasswd), deployed as a container on the host network and smoke-checked;
//! gate-on-green asks the GitHub mock, error-budget-gate a real Prometheus. Every scenario asserts
//! what a user would look at afterwards: the registry's tags, the running container's /version,
//! the deploy log, and the jobs' results.
//!
//! Needs root (dockerd), and the tools scripts/test.sh provisions (act, dockerd, the registry,
//! Prometheus, the demo's base image); READY_ALLOW_MISSING_TOOLS=1 skips it where they are missing.

mod support;

#[path = "gate_on_green/mock.rs"]
mod mock;

#[path = "pipeline_run/infra.rs"]
mod infra;

use infra::{Act, ActRun, Dockerd, Prometheus, ReleaseServer, git, http_get, lines, tool};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BASE_IMAGE: &str = "ready-e2e/python:bookworm";
/// The image of the migration-smoke job's service container, built from the same base root.
const POSTGRES_IMAGE: &str = "ready-e2e/postgres:15";

struct Tools {
    act: PathBuf,
    dockerd: PathBuf,
    prometheus: PathBuf,
    promtool: PathBuf,
    base: PathBuf,
}

fn tools() -> Option<Tools> {
    let found = (|| {
        Some(Tools {
            act: tool("READY_TEST_ACT", "act")?,
            dockerd: tool("READY_TEST_DOCKERD", "dockerd")?,
            prometheus: tool("READY_TEST_PROMETHEUS", "prometheus")?,
            promtool: tool("READY_TEST_PROMTOOL", "promtool")?,
            base: std::env::var_os("READY_TEST_DEMO_BASE")
                .map(PathBuf::from)
                .filter(|p| p.is_file())?,
        })
    })();
    if found.is_none() {
        let note = "act, dockerd, prometheus, promtool or the demo base image (READY_TEST_DEMO_BASE) is missing: run scripts/test.sh";
        if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") {
            eprintln!("skipped: {note}");
        } else {
            panic!("{note}");
        }
    }
    found
}

/// The GitHub API mock on a runtime of its own, alive for the whole test.
fn start_github() -> mock::GitHub {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            tx.send(mock::GitHub::start().await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

/// Everything one pipeline run needs, and what the scenarios look at afterwards.
struct World {
    docker: Dockerd,
    registry: support::Registry,
    github: mock::GitHub,
    act: Act,
    repo: tempfile::TempDir,
    healthy: Prometheus,
    burning: Prometheus,
    service_port: u16,
    deploy_log: PathBuf,
    _release: ReleaseServer,
    _actions: tempfile::TempDir,
}

impl World {
    fn image(&self) -> String {
        format!("127.0.0.1:{}/acme/drafts", self.registry.port)
    }

    /// act's options of a run: the demo's variables, secrets and environment, then `extra`
    /// (`("--env" | "--var", "NAME=value")`).
    fn options(
        &self,
        prometheus: &Prometheus,
        extra: &[(&'static str, String)],
    ) -> Vec<(&'static str, String)> {
        let mut options = vec![
            (
                "--var",
                format!("REGISTRY_HOST=127.0.0.1:{}", self.registry.port),
            ),
            ("--var", format!("REGISTRY_USERNAME={}", support::USER)),
            (
                "--var",
                format!("BASE_URL=http://127.0.0.1:{}", self.service_port),
            ),
            ("--var", format!("PROMETHEUS_URL={}", prometheus.url)),
            ("--var", format!("BUILD_ARGS=BASE_IMAGE={BASE_IMAGE}")),
            ("--var", "SMOKE_TIMEOUT=15s".to_string()),
            ("--var", "SUPPLY_CHAIN=off".to_string()),
            ("--secret", format!("GITHUB_TOKEN={}", mock::TOKEN)),
            // config-check lists the production environment's secret and variable names.
            ("--secret", format!("CONFIG_CHECK_TOKEN={}", mock::TOKEN)),
            (
                "--secret",
                format!("REGISTRY_PASSWORD={}", support::PASSWORD),
            ),
            ("--secret", format!("REGISTRY_USERNAME={}", support::USER)),
            ("--env", format!("GITHUB_API_URL={}", self.github.base())),
            (
                "--env",
                format!("READY_DOWNLOAD_BASE={}", self._release.base),
            ),
            ("--env", format!("DOCKER_HOST={}", self.docker.host)),
            (
                "--env",
                format!("DOCKER_CONFIG={}", self.docker.config.display()),
            ),
            ("--env", format!("DEMO_PORT={}", self.service_port)),
            ("--env", "DEMO_CONTAINER=drafts-demo".to_string()),
            (
                "--env",
                format!("DEMO_DEPLOY_LOG={}", self.deploy_log.display()),
            ),
        ];
        options.extend(extra.iter().cloned());
        options
    }

    /// The required check `test` on every commit, with this conclusion.
    fn ci_says(&self, conclusion: &str) {
        self.github.with(|w| {
            w.rules = json!([{
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": false,
                    "required_status_checks": [{"context": "test"}]
                }
            }]);
            w.runs = vec![mock::RunSpec::new(101, "test").done(0, conclusion)];
        });
    }

    /// Commits `change` on main and runs the pipeline for the push.
    fn push(
        &self,
        message: &str,
        change: impl FnOnce(&Path),
        prometheus: &Prometheus,
        env: impl FnOnce(&str) -> Vec<(&'static str, String)>,
    ) -> (String, ActRun) {
        let repo = self.repo.path();
        let before = git(repo, &["rev-parse", "HEAD"]);
        change(repo);
        git(repo, &["add", "--all"]);
        git(
            repo,
            &["commit", "--quiet", "--allow-empty", "--message", message],
        );
        let sha = git(repo, &["rev-parse", "HEAD"]);
        self.github.with(|w| w.head_sha = sha.clone());
        let payload = json!({
            "ref": "refs/heads/main",
            "before": before,
            "after": sha,
            "repository": repository(),
            "pusher": {"name": "ada"},
            "head_commit": {"id": sha, "message": message},
        });
        let env = env(&sha);
        let run = self
            .act
            .run(repo, "push", &payload, &self.options(prometheus, &env));
        (sha, run)
    }

    fn digest_of(&self, reference: &str) -> Option<String> {
        self.registry.pusher("acme/drafts").digest_of(reference)
    }

    /// The commit the running service reports at /version.
    fn running_version(&self) -> String {
        let Some((200, body)) = http_get(self.service_port, "/version") else {
            return "(the service does not answer)".into();
        };
        let v: Value = serde_json::from_str(&body).unwrap();
        v["commit"].as_str().unwrap_or_default().to_string()
    }

    fn deploys(&self) -> Vec<String> {
        lines(&self.deploy_log)
    }
}

/// No extra environment for a push's run.
fn no_env(_sha: &str) -> Vec<(&'static str, String)> {
    Vec::new()
}

/// image-tag's immutable tag for a commit.
fn sha_tag(sha: &str) -> String {
    format!("sha-{}", &sha[..7])
}

fn repository() -> Value {
    json!({
        "full_name": "Acme/Drafts",
        "name": "Drafts",
        "owner": {"login": "Acme"},
        "default_branch": "main",
        "html_url": "https://github.com/Acme/Drafts",
    })
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn set_up(tools: &Tools) -> World {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // What `uses: ready-actions/ready-actions/...@v1` resolves to: this checkout's files.
    let actions = tempfile::tempdir().unwrap();
    infra::export_tree(root, actions.path());

    let docker = Dockerd::start(&tools.dockerd);
    let base = tools.base.display().to_string();
    docker.must(&["import", &base, BASE_IMAGE]);
    let postgres = root.join("tests/pipeline_run/postgres");
    docker.must(&[
        "build",
        "--quiet",
        "--network=host",
        &format!("--build-arg=BASE_IMAGE={BASE_IMAGE}"),
        &format!("--tag={POSTGRES_IMAGE}"),
        &postgres.display().to_string(),
    ]);
    let registry = support::start(true).expect("the registry");
    let release = ReleaseServer::start(Path::new(env!("CARGO_BIN_EXE_ready")));
    let github = start_github();
    // The production environment holds the two secrets the demo's schema requires.
    github.with(|w| {
        w.environment_secrets.insert(
            "production".into(),
            vec!["DATABASE_URL".into(), "SESSION_SECRET".into()],
        );
        w.environment_variables
            .insert("production".into(), Vec::new());
    });
    let service_port = infra::free_port();
    let healthy = Prometheus::start(&tools.prometheus, &tools.promtool, 0, 0, Some(service_port));
    let burning = Prometheus::start(&tools.prometheus, &tools.promtool, 48, 10, None);

    // The demo as its own repository, named with capitals as GitHub repositories often are.
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&actions.path().join("examples/demo"), repo.path());
    git(repo.path(), &["init", "--quiet", "--initial-branch=main"]);
    git(
        repo.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/Acme/Drafts.git",
        ],
    );
    git(repo.path(), &["add", "--all"]);
    git(
        repo.path(),
        &["commit", "--quiet", "--message", "The drafts service"],
    );

    let act = Act {
        bin: tools.act.clone(),
        home: tempfile::tempdir().unwrap(),
        actions_repo: actions.path().to_path_buf(),
    };
    let deploy_log = act.home.path().join("deploys.log");
    World {
        docker,
        registry,
        github,
        act,
        repo,
        healthy,
        burning,
        service_port,
        deploy_log,
        _release: release,
        _actions: actions,
    }
}

/// Asserts a job's result, showing that job's log when it differs.
fn expect_job(run: &ActRun, job: &str, result: &str) {
    assert_eq!(run.job(job), result, "{job}\n{}", explain(run, &[job]));
}

fn explain(run: &ActRun, jobs: &[&str]) -> String {
    let mut text = format!("jobs: {:?}\n", run.jobs);
    for job in jobs {
        text.push_str(&format!("--- {job}:\n{}\n", run.lines_of(job)));
    }
    // act's own complaints: a run that stops before its jobs says why only there.
    text.push_str(&format!("--- act:\n{}\n", run.complaints().join("\n")));
    text
}

/// Replaces the first `from` in the demo's file `name` with `to`.
fn edit(name: &'static str, from: &'static str, to: &'static str) -> impl FnOnce(&Path) {
    move |repo| {
        let path = repo.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name} has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

#[test]
fn the_pipeline_builds_gates_deploys_smokes_and_rolls_back() {
    let Some(tools) = tools() else { return };
    let started = Instant::now();
    let world = set_up(&tools);
    let image = world.image();
    let none: &[(&str, String)] = &[];
    let mut timings = vec![("set-up", started.elapsed())];

    // (a) A push to main, all green: pushed as <image>:<sha>, deployed by digest, smoke passed,
    // the alias moved to that digest.
    world.ci_says("success");
    let t = Instant::now();
    let (sha_a, run) = world.push("Say hello", |_| {}, &world.healthy, no_env);
    timings.push(("a: green push", t.elapsed()));
    let all = [
        "lint-and-test",
        "docker-build",
        "publish-image",
        "gate-on-green",
        "migrations",
        "error-budget",
        "config-check",
        "k8s-ready",
        "deploy",
        "smoke",
        "rollback",
    ];
    assert!(run.success, "(a) failed\n{}", explain(&run, &all));
    for job in [
        "lint-and-test",
        "docker-build",
        "publish-image",
        "gate-on-green",
        "migrations",
        "error-budget",
        "config-check",
        "k8s-ready",
        "deploy",
        "smoke",
    ] {
        assert_eq!(
            run.job(job),
            "success",
            "(a) {job}\n{}",
            explain(&run, &[job])
        );
    }
    assert_eq!(run.job("rollback"), "did not run");
    let digest_a = world
        .digest_of(&sha_tag(&sha_a))
        .expect("(a) <image>:<sha> is in the registry");
    assert_eq!(
        world.digest_of("production"),
        Some(digest_a.clone()),
        "(a) the alias is the pushed digest"
    );
    assert_eq!(
        world.digest_of("main").as_deref(),
        Some(digest_a.as_str()),
        "(a) publish-image moved the branch tag"
    );
    assert_eq!(world.running_version(), sha_a, "(a) /version");
    assert_eq!(world.deploys(), [format!("production {image}@{digest_a}")]);

    // (b) A push whose service never gets ready: smoke fails, the rollback moves the alias back
    // to (a)'s digest, deploys it again and verifies it; the run is red.
    let t = Instant::now();
    let (sha_b, run) = world.push(
        "Start-up waits for a dependency that never comes",
        edit(
            "app/server.py",
            "READY_AFTER_SECONDS = 0.2",
            "READY_AFTER_SECONDS = None",
        ),
        &world.healthy,
        no_env,
    );
    timings.push(("b: never ready, rolled back", t.elapsed()));
    assert!(
        !run.success,
        "(b) must be red\n{}",
        explain(&run, &["smoke"])
    );
    expect_job(&run, "deploy", "success");
    expect_job(&run, "smoke", "failure");
    assert_eq!(
        run.job("rollback"),
        "success",
        "(b) rollback\n{}",
        explain(&run, &["rollback"])
    );
    let digest_b = world.digest_of(&sha_tag(&sha_b)).expect("(b) pushed");
    assert_ne!(digest_a, digest_b);
    assert_eq!(
        world.digest_of("production"),
        Some(digest_a.clone()),
        "(b) the alias is back at (a)"
    );
    assert_eq!(
        world.running_version(),
        sha_a,
        "(b) /version after the rollback"
    );
    assert_eq!(
        world.deploys()[1..],
        [
            format!("production {image}@{digest_b}"),
            format!("production {image}@{digest_a}")
        ]
    );
    assert!(
        run.lines_of("rollback").contains(&sha_a),
        "(b) the verification expected (a)'s version\n{}",
        run.lines_of("rollback")
    );

    // (c) A required check is red on the commit: the gate blocks, nothing is deployed.
    world.ci_says("failure");
    let t = Instant::now();
    let (_, run) = world.push(
        "Ready again",
        edit(
            "app/server.py",
            "READY_AFTER_SECONDS = None",
            "READY_AFTER_SECONDS = 0.2",
        ),
        &world.healthy,
        no_env,
    );
    timings.push(("c: red check, blocked", t.elapsed()));
    assert!(!run.success);
    expect_job(&run, "gate-on-green", "failure");
    assert_eq!(
        run.job("deploy"),
        "did not run",
        "{}",
        explain(&run, &["deploy"])
    );
    assert_eq!(
        world.digest_of("production"),
        Some(digest_a.clone()),
        "(c) the alias did not move"
    );
    assert_eq!(world.deploys().len(), 3, "(c) nothing deployed");
    assert_eq!(world.running_version(), sha_a);
    world.ci_says("success");

    // (n) A production setting the schema forbids, and a Deployment that no longer says when it
    // is ready: config-check and k8s-ready block, each on the line of its file.
    let t = Instant::now();
    let (_, run) = world.push(
        "Open the rooms to every origin, drop the readiness probe",
        |repo| {
            edit(
                ".env.production",
                "WS_ALLOWED_ORIGINS=https://drafts.example.com,https://www.drafts.example.com",
                "WS_ALLOWED_ORIGINS=*",
            )(repo);
            edit("k8s/drafts.yml", READINESS_PROBE, "")(repo);
        },
        &world.healthy,
        no_env,
    );
    timings.push(("n: forbidden setting, no probe, blocked", t.elapsed()));
    assert!(!run.success, "(n) must be red");
    expect_job(&run, "config-check", "failure");
    expect_job(&run, "k8s-ready", "failure");
    assert_eq!(run.job("deploy"), "did not run");
    let check = run.lines_of("config-check");
    assert!(
        check.contains("file=.env.production,line=2") && check.contains("WS_ALLOWED_ORIGINS"),
        "(n) annotated on the setting's line\n{check}"
    );
    let manifests = run.lines_of("k8s-ready");
    assert!(
        manifests.contains("readiness-probe") && manifests.contains("file=k8s/drafts.yml,line=31"),
        "(n) annotated on the container's line\n{manifests}"
    );
    assert_eq!(world.digest_of("production"), Some(digest_a.clone()));
    assert_eq!(world.running_version(), sha_a, "(n) nothing deployed");

    // (m1) A new index declared safe_online: the migration-smoke job runs every migration on a
    // Postgres service container, sees that its SQL builds the index under lock, and blocks.
    let service = migration_service(&world);
    let t = Instant::now();
    let (_, run) = world.push(
        "Index segments by draft",
        |repo| {
            std::fs::write(
                repo.join("migrations/versions/3d4e5f6a7b8c_index_segments.py"),
                INDEX_MIGRATION,
            )
            .unwrap();
            edit("app/models.py", SEGMENTS_BODY, SEGMENTS_INDEXED)(repo);
            // And (n)'s two files back as they were.
            git(
                repo,
                &[
                    "checkout",
                    "HEAD~1",
                    "--",
                    ".env.production",
                    "k8s/drafts.yml",
                ],
            );
        },
        &world.healthy,
        migration_smoke_on,
    );
    drop(service);
    timings.push(("m1: index under lock, blocked", t.elapsed()));
    assert!(
        !run.success,
        "(m1) must be red\n{}",
        explain(&run, &["migration-smoke"])
    );
    expect_job(&run, "migrations", "success");
    expect_job(&run, "config-check", "success");
    expect_job(&run, "migration-smoke", "failure");
    assert_eq!(run.job("deploy"), "did not run");
    let smoke = run.lines_of("migration-smoke");
    for expected in [
        // The stairway ran on the service container, every revision up, down and up again.
        "3d4e5f6a7b8c upgrade: passed",
        "3d4e5f6a7b8c upgrade after its downgrade: passed",
        "migration-smoke: blocked — 4 revisions ran, but 1 of them does more than their migration_contract says",
        // The demo's revision that declares no_downgrade is upgraded, never taken down.
        "3c4d5e6f7a8b downgrade and upgrade again: skipped",
        // Annotated on the migration's migration_contract line.
        "::error title=contract-under-declared%3A Migration does more than its contract says,file=migrations/versions/3d4e5f6a7b8c_index_segments.py,line=14::3d4e5f6a7b8c declares safe_online but its SQL needs requires_maintenance_window",
        "require-concurrent-index-creation",
    ] {
        assert!(smoke.contains(expected), "(m1) {expected:?}\n{smoke}");
    }
    for job in run.jobs.keys() {
        let lines = run.lines_of(job);
        assert!(
            !lines.contains(MIGRATION_SMOKE_PASSWORD),
            "(m1) the database password is masked in {job}\n{lines}"
        );
    }
    assert_eq!(world.digest_of("production"), Some(digest_a.clone()));
    assert_eq!(world.running_version(), sha_a, "(m1) nothing deployed");

    // (m2) The same index, declared requires_maintenance_window: the migrations run, and what
    // their SQL needs routes the deploy through the approval environment.
    let service = migration_service(&world);
    let t = Instant::now();
    let (sha_m, run) = world.push(
        "The index needs a window",
        edit(
            "migrations/versions/3d4e5f6a7b8c_index_segments.py",
            "migration_contract = \"safe_online\"",
            "migration_contract = \"requires_maintenance_window\"",
        ),
        &world.healthy,
        migration_smoke_on,
    );
    drop(service);
    timings.push(("m2: index in a window, approval", t.elapsed()));
    assert!(
        run.success,
        "(m2)\n{}",
        explain(&run, &["migration-smoke", "deploy"])
    );
    let smoke = run.lines_of("migration-smoke");
    assert!(smoke.contains("migration-smoke: passed"), "(m2)\n{smoke}");
    assert!(
        smoke.contains(r#""3d4e5f6a7b8c":{"declared":"requires_maintenance_window","observed":"requires_maintenance_window"}"#),
        "(m2) the observed contract\n{smoke}"
    );
    let digest_m = world.digest_of(&sha_tag(&sha_m)).unwrap();
    assert_eq!(
        world.deploys().last().unwrap(),
        &format!("production-approval {image}@{digest_m}"),
        "(m2) deployed through the approval environment"
    );
    assert_eq!(world.running_version(), sha_m);

    // (d) A destructive migration: the deploy goes through the approval environment.
    let t = Instant::now();
    let (sha_d, run) = world.push(
        "Drop the legacy column",
        |repo| {
            std::fs::write(
                repo.join("migrations/versions/4d5e6f7a8b9c_drop_legacy.py"),
                DESTRUCTIVE_MIGRATION,
            )
            .unwrap();
        },
        &world.healthy,
        no_env,
    );
    timings.push(("d: destructive migration, approval", t.elapsed()));
    assert!(
        run.success,
        "(d)\n{}",
        explain(&run, &["migrations", "deploy", "smoke"])
    );
    let digest_d = world.digest_of(&sha_tag(&sha_d)).unwrap();
    assert_eq!(
        world.deploys().last().unwrap(),
        &format!("production-approval {image}@{digest_d}"),
        "(d) deployed through the approval environment"
    );
    assert_eq!(world.digest_of("production"), Some(digest_d.clone()));
    assert_eq!(world.running_version(), sha_d);

    // (e) The error budget is spent: blocked before the deploy.
    let t = Instant::now();
    let (_, run) = world.push("Spend the budget", |_| {}, &world.burning, no_env);
    timings.push(("e: budget spent, blocked", t.elapsed()));
    assert!(!run.success);
    expect_job(&run, "error-budget", "failure");
    assert_eq!(run.job("deploy"), "did not run");
    assert_eq!(world.digest_of("production"), Some(digest_d.clone()));
    assert_eq!(world.running_version(), sha_d);

    // (f) A pull request: lint, test and build run; nothing is pushed or deployed.
    let repo = world.repo.path();
    git(repo, &["checkout", "--quiet", "-b", "feature"]);
    std::fs::write(repo.join("NOTES.md"), "A change under review.\n").unwrap();
    git(repo, &["add", "--all"]);
    git(
        repo,
        &["commit", "--quiet", "--message", "A change under review"],
    );
    let sha_f = git(repo, &["rev-parse", "HEAD"]);
    let base_sha = git(repo, &["rev-parse", "main"]);
    let payload = json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"ref": "feature", "sha": sha_f},
            "base": {"ref": "main", "sha": base_sha},
        },
        "repository": repository(),
    });
    let t = Instant::now();
    let run = world.act.run(
        repo,
        "pull_request",
        &payload,
        &world.options(&world.healthy, none),
    );
    timings.push(("f: pull request", t.elapsed()));
    assert!(
        run.success,
        "(f)\n{}",
        explain(&run, &["lint-and-test", "docker-build"])
    );
    assert_eq!(run.job("lint-and-test"), "success");
    assert_eq!(run.job("docker-build"), "success");
    for job in [
        "publish-image",
        "gate-on-green",
        "error-budget",
        "config-check",
        "k8s-ready",
        "deploy",
        "smoke",
    ] {
        assert_eq!(run.job(job), "did not run", "(f) {job} on a pull request");
    }
    assert_eq!(
        world.digest_of(&sha_tag(&sha_f)),
        None,
        "(f) nothing pushed"
    );
    assert_eq!(world.digest_of("pr-7"), None, "(f) nothing pushed");
    assert_eq!(world.digest_of("production"), Some(digest_d.clone()));
    git(repo, &["checkout", "--quiet", "main"]);

    // (g) The deploy command fails after it started the new container: the alias does not move,
    // and the previous image runs again, verified.
    let t = Instant::now();
    // The deploy command fails for an image built from this very commit.
    let (sha_g, run) = world.push(
        "A deploy that breaks",
        |_| {},
        &world.healthy,
        |sha| vec![("--env", format!("DEMO_FAIL_REVISION={sha}"))],
    );
    timings.push(("g: deploy fails, previous restored", t.elapsed()));
    assert!(!run.success);
    expect_job(&run, "deploy", "failure");
    assert_eq!(run.job("smoke"), "did not run");
    assert_eq!(
        run.job("rollback"),
        "success",
        "(g)\n{}",
        explain(&run, &["rollback"])
    );
    let digest_g = world.digest_of(&sha_tag(&sha_g)).unwrap();
    let deploys = world.deploys();
    assert_eq!(
        deploys[deploys.len() - 2..],
        [
            format!("production {image}@{digest_g}"),
            format!("production {image}@{digest_d}")
        ],
        "(g) the new image started, then the previous one again"
    );
    assert_eq!(
        world.digest_of("production"),
        Some(digest_d.clone()),
        "(g) the alias did not move"
    );
    assert_eq!(
        world.running_version(),
        sha_d,
        "(g) the previous version runs"
    );

    // (h) The rollback drill: production back one step (to (m2), the image before (d)) and
    // forward again, each deployed and smoke-checked; it leaves production as it found it.
    let t = Instant::now();
    let payload = json!({"repository": repository(), "inputs": {}});
    let run = world.act.run_workflow(
        world.repo.path(),
        "rollback-drill.yml",
        "workflow_dispatch",
        &payload,
        &world.options(&world.healthy, none),
    );
    timings.push(("h: rollback drill", t.elapsed()));
    assert!(run.success, "(h)\n{}", explain(&run, &["drill"]));
    let drill = run.lines_of("drill");
    assert!(
        drill.contains(&format!(
            "rolled {image}:production back from {}",
            &digest_d[..19]
        )),
        "{drill}"
    );
    let deploys = world.deploys();
    assert_eq!(
        deploys[deploys.len() - 2..],
        [
            format!("production {image}@{digest_m}"),
            format!("production {image}@{digest_d}")
        ],
        "(h) back to (m2), then forward to (d)"
    );
    assert!(drill.contains("result=passed"), "{drill}");
    assert_eq!(
        world.digest_of("production"),
        Some(digest_d.clone()),
        "(h) forward again"
    );
    assert_eq!(world.running_version(), sha_d, "(h) (d) runs again");

    // (w1) WATCH=on, a healthy version: after smoke the watch measures its requests (users'
    // reads of a draft, from a traffic thread, as Prometheus scrapes them) and passes.
    let traffic = Traffic::start(world.service_port);
    let t = Instant::now();
    let (sha_w, run) = world.push("Watch what ships", |_| {}, &world.healthy, watch_on);
    timings.push(("w1: watched, healthy", t.elapsed()));
    assert!(run.success, "(w1)\n{}", explain(&run, &["watch", "smoke"]));
    expect_job(&run, "watch", "success");
    assert_eq!(run.job("rollback"), "did not run");
    let watch = run.lines_of("watch");
    assert!(watch.contains("watch: passed"), "(w1)\n{watch}");
    let digest_w = world.digest_of(&sha_tag(&sha_w)).unwrap();
    assert_eq!(world.digest_of("production"), Some(digest_w.clone()));
    assert_eq!(world.running_version(), sha_w);

    // (w2) A version that fails one read in five: smoke's path does not read a draft and
    // passes, the watch sees the 5xx share break the SLO and fails, and the rollback restores
    // (w1), verified.
    let t = Instant::now();
    let (sha_bad, run) = world.push(
        "Cache drafts in a store that drops reads",
        edit("app/server.py", "FAIL_ONE_IN = None", "FAIL_ONE_IN = 5"),
        &world.healthy,
        watch_on,
    );
    timings.push(("w2: watched, 5xx, rolled back", t.elapsed()));
    let served = traffic.stop();
    assert!(
        !run.success,
        "(w2) must be red\n{}",
        explain(&run, &["watch"])
    );
    expect_job(&run, "smoke", "success");
    expect_job(&run, "watch", "failure");
    expect_job(&run, "rollback", "success");
    let watch = run.lines_of("watch");
    assert!(
        watch.contains("watch: blocked") && watch.contains("requests-availability"),
        "(w2) the SLO names the regression\n{watch}"
    );
    let deploys = world.deploys();
    let digest_bad = world.digest_of(&sha_tag(&sha_bad)).unwrap();
    assert_eq!(
        deploys[deploys.len() - 2..],
        [
            format!("production {image}@{digest_bad}"),
            format!("production {image}@{digest_w}")
        ],
        "(w2) deployed, then (w1) again"
    );
    assert_eq!(world.digest_of("production"), Some(digest_w.clone()));
    assert_eq!(world.running_version(), sha_w, "(w2) (w1) runs again");
    assert!(served.1 > 0, "(w2) the traffic saw the fault: {served:?}");

    timings.push(("total", started.elapsed()));
    for (what, took) in &timings {
        eprintln!("pipeline e2e: {what}: {:.1} s", took.as_secs_f64());
    }
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "the e2e took over 10 minutes"
    );
}

/// The variables that turn the demo's watch on: a minute, measured every 30 s, each measurement
/// counting once it has 20 requests.
fn watch_on(_sha: &str) -> Vec<(&'static str, String)> {
    vec![
        ("--var", "WATCH=on".to_string()),
        ("--var", "WATCH_DURATION=1m".to_string()),
        ("--var", "WATCH_INTERVAL=30s".to_string()),
        ("--var", "WATCH_MIN_REQUESTS=20".to_string()),
    ]
}

/// Users reading a draft: one GET of /drafts/d1 every 50 ms on a thread of its own (a steady
/// rate of load, not a wait), until `stop` or ten minutes.
struct Traffic {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<(u64, u64)>>,
}

impl Traffic {
    fn start(port: u16) -> Traffic {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(600);
            let (mut answered, mut failed) = (0, 0);
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < until {
                match http_get(port, "/drafts/d1") {
                    Some((500..=599, _)) => failed += 1,
                    Some(_) => answered += 1,
                    None => {}
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            (answered, failed)
        });
        Traffic {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the users: (answered without a 5xx, answered with one).
    fn stop(mut self) -> (u64, u64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The password of the migration-smoke job's service container, as the pipeline sets it.
const MIGRATION_SMOKE_PASSWORD: &str = "ready-migration-smoke";

/// A fresh Postgres service container for one run of the migration-smoke job, as the pipeline
/// defines it (its image is the caller's input: the e2e's POSTGRES_IMAGE).
fn migration_service(world: &World) -> infra::Service<'_> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".github/workflows/ready-pipeline.yml")).unwrap();
    let pipeline: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
    let spec = &pipeline["jobs"]["migration-smoke"]["services"]["postgres"];
    assert_eq!(
        spec["image"].as_str(),
        Some("${{ inputs.migration-smoke-postgres }}"),
        "the service's image is the caller's input"
    );
    assert_eq!(
        spec["env"]["POSTGRES_PASSWORD"].as_str(),
        Some(MIGRATION_SMOKE_PASSWORD)
    );
    let port_free = std::net::TcpListener::bind("127.0.0.1:5432").is_ok();
    assert!(
        port_free,
        "port 5432 is taken: the service container publishes 5432 as on GitHub's runners"
    );
    world
        .docker
        .start_service("migration-smoke-postgres", spec, POSTGRES_IMAGE)
}

/// The demo's variables that turn the migration-smoke job on, its Postgres image, and its
/// Python environment: the runner's own (the tools' venv, on PATH), checked offline.
fn migration_smoke_on(_sha: &str) -> Vec<(&'static str, String)> {
    vec![
        ("--var", "MIGRATION_SMOKE=on".to_string()),
        ("--var", format!("POSTGRES_IMAGE={POSTGRES_IMAGE}")),
        (
            "--var",
            "MIGRATION_SMOKE_SETUP=python3 -m pip install --no-index --quiet -r requirements-migrations.txt"
                .to_string(),
        ),
        ("--var", "MIGRATION_SMOKE_ALEMBIC=alembic".to_string()),
    ]
}

const READINESS_PROBE: &str = "          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 5
";

const SEGMENTS_BODY: &str = r#"    sa.Column("body", sa.Text, nullable=False),
)"#;
const SEGMENTS_INDEXED: &str = r#"    sa.Column("body", sa.Text, nullable=False),
    sa.Index("ix_segments_draft_id", "draft_id"),
)"#;

const INDEX_MIGRATION: &str = r#""""index segments by draft

Revision ID: 3d4e5f6a7b8c
Revises: 3c4d5e6f7a8b
Create Date: 2026-11-18 09:00:00
"""
from alembic import op

revision: str = "3d4e5f6a7b8c"
down_revision: str | None = "3c4d5e6f7a8b"
branch_labels = None
depends_on = None

migration_contract = "safe_online"


def upgrade() -> None:
    op.create_index("ix_segments_draft_id", "segments", ["draft_id"])


def downgrade() -> None:
    op.drop_index("ix_segments_draft_id", table_name="segments")
"#;

const DESTRUCTIVE_MIGRATION: &str = r#""""drop the legacy column

Revision ID: 4d5e6f7a8b9c
Revises: 3d4e5f6a7b8c
Create Date: 2026-11-20 09:00:00
"""
from alembic import op

revision: str = "4d5e6f7a8b9c"
down_revision: str | None = "3d4e5f6a7b8c"
branch_labels = None
depends_on = None

migration_contract = "destructive"
no_downgrade = "the column's data is gone; restore from the nightly snapshot"


def upgrade() -> None:
    op.drop_column("drafts", "legacy_title")


def downgrade() -> None:
    pass
"#;
