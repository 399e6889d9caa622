//! End-to-end tests of `ready image-tag`: the binary with a clean environment, an event payload
//! fixture per event, outputs read back from `$GITHUB_OUTPUT`.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::Run;

const TAGS: &str = "type=schedule
type=ref,event=branch
type=ref,event=pr
type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=ref,event=tag
type=sha
";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/image_tag")
        .join(name)
}

/// Runs `ready image-tag` outside Actions, in an empty directory (no git checkout) that is also
/// its RUNNER_TEMP, with only `env` set.
fn run(env: &[(&str, &str)]) -> Run {
    let step = support::Step::new().outside_actions();
    let dir = step.scratch().to_owned();
    step.current_dir(&dir)
        .env("RUNNER_TEMP", &dir)
        .arg("image-tag")
        .envs(env)
        .run()
}

fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    ready_actions::gha::read_outputs(text)
        .unwrap()
        .into_iter()
        .collect()
}

fn lines(v: &Value) -> String {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_fixture(name: &str) {
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(data(name).join("expected.json")).unwrap())
            .unwrap();
    let event = data(name).join("event.json");
    let mut env: Vec<(&str, &str)> = vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_ACTOR", "mona"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("INPUT_IMAGES", "ghcr.io/octo-org/app"),
        ("INPUT_TAGS", TAGS),
    ];
    for (k, v) in case["env"].as_object().unwrap() {
        env.push((k, v.as_str().unwrap()));
    }
    let r = run(&env);
    let expect = &case["expect"];
    assert_eq!(r.code, 0, "{name}: {}", r.stdout);
    assert_eq!(r.outputs["result"], "passed", "{name}");
    assert_eq!(
        r.outputs["version"],
        expect["version"].as_str().unwrap(),
        "{name}"
    );
    assert_eq!(r.outputs["tags"], lines(&expect["tags"]), "{name}");
    assert_eq!(r.outputs["labels"], lines(&expect["labels"]), "{name}");
    assert_eq!(
        r.outputs["immutable-tag"],
        expect["immutable"].as_str().unwrap(),
        "{name}"
    );
    let mut warned: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::warning "))
        .filter_map(|l| l.split("title=").nth(1))
        .collect();
    warned.sort();
    let rules: Vec<&str> = expect["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        warned.len(),
        rules.len(),
        "{name}: warnings {warned:?}, expected rules {rules:?}"
    );
    // Every tag is a valid OCI tag, and the tag names are the tags without the image.
    for tag in r.outputs["tag-names"].lines() {
        assert!(ready_actions::image_tag::is_valid_tag(tag), "{name}: {tag}");
    }
    let json: Value = serde_json::from_str(&r.outputs["json"]).unwrap();
    assert_eq!(lines(&json["tags"]), r.outputs["tags"], "{name}");
    // Build arguments for the /version endpoint.
    let build_args = &r.outputs["build-args"];
    let sha = expect["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|l| {
            l.as_str()
                .unwrap()
                .strip_prefix("org.opencontainers.image.revision=")
        })
        .unwrap();
    assert!(
        build_args.contains(&format!("BUILD_SHA={sha}\n")),
        "{build_args}"
    );
    assert!(build_args.contains("BUILD_ACTOR=mona\n"), "{build_args}");
    assert!(
        build_args.ends_with(&format!(
            "BUILD_VERSION={}",
            expect["version"].as_str().unwrap()
        )),
        "{build_args}"
    );
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { check_fixture(stringify!($name)); })*
    };
}

fixtures!(
    push_default_branch,
    push_other_branch,
    push_branch_slash_hash,
    push_semver_tag,
    push_prerelease_tag,
    push_non_semver_tag,
    pull_request,
    pull_request_target,
    schedule,
    workflow_dispatch,
    release,
);

fn push_env<'a>(event: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_EVENT_PATH", event),
    ];
    env.extend_from_slice(extra);
    env
}

#[test]
fn invalid_image_name_exits_2_with_a_clear_message() {
    let event = data("push_default_branch/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_ACTIONS", "true"),
            ("INPUT_IMAGES", "ghcr.io/Octo Org/app"),
        ],
    ));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.outputs["result"], "invalid");
    assert!(
        r.stdout
            .contains("image `ghcr.io/Octo Org/app` is not a valid OCI image name"),
        "{}",
        r.stdout
    );
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[("INPUT_IMAGES", "app:1.0")],
    ));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("tag or digest"), "{}", r.stdout);
}

#[test]
fn bad_tag_entry_exits_2() {
    let event = data("push_default_branch/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[("INPUT_TAGS", "type=semver")],
    ));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("missing `pattern`"), "{}", r.stdout);
}

#[test]
fn quoted_regex_with_commas_works_as_the_readme_shows() {
    let event = data("push_semver_tag/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            (
                "INPUT_TAGS",
                "type=match,\"pattern=v(\\d{1,3}.\\d{1,3})\",group=1\ntype=sha,enable=false",
            ),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["tags"], "1.2\nlatest");
    assert_eq!(r.outputs["immutable-tag"], "");
}

#[test]
fn empty_inputs_mean_not_set() {
    let event = data("push_default_branch/event.json");
    let empty = [
        "INPUT_IMAGES",
        "INPUT_TAGS",
        "INPUT_FLAVOR",
        "INPUT_LABELS",
        "INPUT_ANNOTATIONS",
        "INPUT_ALIASES",
        "INPUT_SHA_LENGTH",
        "INPUT_PR_HEAD_SHA",
        "INPUT_SEP_TAGS",
        "INPUT_SEP_LABELS",
        "INPUT_SEP_ANNOTATIONS",
        "INPUT_ANNOTATION_LEVELS",
        "INPUT_CONTEXT",
        "INPUT_BAKE_TARGET",
        "INPUT_GITHUB_TOKEN",
    ];
    let mut env = push_env(event.to_str().unwrap(), &[]);
    env.extend(empty.iter().map(|k| (*k, "")));
    let r = run(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["tags"], "main\nsha-0123456");
    assert!(r.outputs["annotations"].starts_with("manifest:org.opencontainers.image.created="));
    let bake: Value =
        serde_json::from_str(&std::fs::read_to_string(&r.outputs["bake-file"]).unwrap()).unwrap();
    let target = &bake["target"]["docker-metadata-action"];
    assert_eq!(target["args"]["DOCKER_META_VERSION"], "main");
    assert_eq!(target["labels"]["org.opencontainers.image.title"], "app");
}

#[test]
fn flavor_separators_sha_length_and_levels() {
    let event = data("push_semver_tag/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            ("INPUT_IMAGES", "name/app\nghcr.io/name/app"),
            (
                "INPUT_TAGS",
                "type=semver,pattern={{version}}\ntype=raw,value=latest\ntype=sha,format=short",
            ),
            ("INPUT_FLAVOR", "suffix=-alpine,onlatest=true"),
            ("INPUT_SEP_TAGS", ","),
            ("INPUT_SHA_LENGTH", "10"),
            ("INPUT_ANNOTATION_LEVELS", "manifest,index"),
            ("INPUT_ANNOTATIONS", "org.opencontainers.image.vendor=Octo"),
            ("INPUT_ALIASES", "prod, staging"),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.outputs["tags"],
        "name/app:1.2.3-alpine,name/app:latest-alpine,name/app:sha-0123456789-alpine,name/app:prod,name/app:staging,\
         ghcr.io/name/app:1.2.3-alpine,ghcr.io/name/app:latest-alpine,ghcr.io/name/app:sha-0123456789-alpine,ghcr.io/name/app:prod,ghcr.io/name/app:staging"
    );
    assert_eq!(r.outputs["immutable-tag"], "name/app:sha-0123456789-alpine");
    let ann = &r.outputs["annotations"];
    assert!(
        ann.contains("manifest:org.opencontainers.image.vendor=Octo"),
        "{ann}"
    );
    assert!(
        ann.contains("index:org.opencontainers.image.vendor=Octo"),
        "{ann}"
    );
}

#[test]
fn invalid_numbers_and_booleans_exit_2() {
    let event = data("push_default_branch/event.json");
    for (k, v) in [
        ("INPUT_SHA_LENGTH", "seven"),
        ("INPUT_PR_HEAD_SHA", "yes"),
        ("INPUT_CONTEXT", "cloud"),
        ("SOURCE_DATE_EPOCH", "yesterday"),
    ] {
        let r = run(&push_env(event.to_str().unwrap(), &[(k, v)]));
        assert_eq!(r.code, 2, "{k}={v}: {}", r.stdout);
    }
}

#[test]
fn outputs_are_exported_to_github_env_like_metadata_action() {
    let event = data("push_default_branch/event.json");
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("env");
    let env_path = env_file.to_str().unwrap();
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[("GITHUB_ENV", env_path)],
    ));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let vars = parse_outputs(&std::fs::read_to_string(&env_file).unwrap());
    assert_eq!(vars["DOCKER_METADATA_OUTPUT_TAGS"], "main\nsha-0123456");
    assert_eq!(vars["DOCKER_METADATA_OUTPUT_VERSION"], "main");
    assert!(vars.contains_key("DOCKER_METADATA_OUTPUT_BAKE_FILE_TAGS"));
    std::fs::remove_file(&env_file).unwrap();
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_ENV", env_path),
            ("DOCKER_METADATA_SET_OUTPUT_ENV", "false"),
        ],
    ));
    assert_eq!(r.code, 0);
    assert!(!env_file.exists());
}

#[test]
fn docker_metadata_env_vars_are_honoured() {
    let event = data("pull_request/event.json");
    let r = run(&[
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REF", "refs/pull/42/merge"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("DOCKER_METADATA_PR_HEAD_SHA", "true"),
        ("DOCKER_METADATA_SHORT_SHA_LENGTH", "8"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["tags"], "pr-42\nsha-fedcba98");
}

/// False (with a note) when git is missing and READY_ALLOW_MISSING_TOOLS=1; a missing git
/// otherwise fails the test.
fn have_git() -> bool {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") {
        eprintln!("note: git is missing, test skipped (run scripts/test.sh)");
        return false;
    }
    panic!("git is missing: run scripts/test.sh, which provisions it");
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_DATE", "2021-06-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2021-06-01T12:00:00Z")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git is installed (run scripts/test.sh)")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn git_context_reads_the_local_checkout() {
    if !have_git() {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q", "-b", "feature/x"]);
    git(repo.path(), &["commit", "-q", "--allow-empty", "-m", "one"]);
    let ws = repo.path().to_str().unwrap();
    let r = run(&[
        ("GITHUB_WORKSPACE", ws),
        ("INPUT_CONTEXT", "git"),
        ("INPUT_IMAGES", "app"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let tags: Vec<&str> = r.outputs["tags"].lines().collect();
    assert_eq!(tags[0], "app:feature-x");
    assert!(tags[1].starts_with("app:sha-"), "{tags:?}");
    assert!(
        r.outputs["labels"].contains("org.opencontainers.image.created=2021-06-01T12:00:00.000Z"),
        "{}",
        r.outputs["labels"]
    );
    // A tag checked out detached.
    git(repo.path(), &["tag", "v3.1.0"]);
    git(repo.path(), &["checkout", "-q", "--detach", "v3.1.0"]);
    let r = run(&[
        ("GITHUB_WORKSPACE", ws),
        ("INPUT_CONTEXT", "git"),
        ("INPUT_TAGS", "type=semver,pattern={{major}}"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.outputs["tags"].starts_with("3\nsha-"),
        "{}",
        r.outputs["tags"]
    );
    assert!(
        r.outputs["tags"].ends_with("\nlatest"),
        "{}",
        r.outputs["tags"]
    );
}

#[test]
fn github_token_fills_metadata_and_a_failing_api_is_a_warning() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/repos/octo-org/app"))
            .and(header("authorization", "Bearer t0ken-for-test"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "name": "app", "html_url": "https://github.com/octo-org/app",
                "description": "From the API", "default_branch": "trunk",
                "license": {"spdx_id": "Apache-2.0"}
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(
                "/repos/octo-org/app/commits/0123456789abcdef0123456789abcdef01234567",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "commit": {"committer": {"date": "2022-02-02T02:02:02Z"}}
            })))
            .mount(&server)
            .await;
        server
    });
    let event = data("schedule/event.json");
    let uri = server.uri();
    let base = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/heads/trunk"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("INPUT_TAGS", "type=edge\ntype=sha,enable=false"),
        ("INPUT_GITHUB_TOKEN", "t0ken-for-test"),
    ];
    let mut env = base.to_vec();
    env.push(("GITHUB_API_URL", uri.as_str()));
    let r = run(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["tags"], "edge");
    let labels = &r.outputs["labels"];
    assert!(labels.contains("description=From the API"), "{labels}");
    assert!(labels.contains("licenses=Apache-2.0"), "{labels}");
    assert!(
        labels.contains("created=2022-02-02T02:02:02.000Z"),
        "{labels}"
    );
    assert!(!r.stdout.contains("t0ken-for-test"));

    // The API answers 404 for everything: a warning, and the labels from what is known.
    let mut env = base.to_vec();
    env.push(("GITHUB_API_URL", "http://127.0.0.1:9/"));
    env.push(("GITHUB_ACTIONS", "true"));
    env.push(("INPUT_TAGS", "type=ref,event=branch"));
    let r = run(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("GitHub API unavailable::"),
        "{}",
        r.stdout
    );
    assert!(r.outputs["labels"].contains("org.opencontainers.image.title=app"));
}

#[test]
fn a_failed_api_call_is_not_called_a_missing_token_and_a_pasted_newline_is_invalid() {
    let event = data("schedule/event.json");
    let base = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/heads/trunk"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_ACTIONS", "true"),
        // Nothing listens there: the call fails.
        ("GITHUB_API_URL", "http://127.0.0.1:9/"),
        ("INPUT_TAGS", "type=ref,event=branch\ntype=edge"),
    ];
    let mut env = base.to_vec();
    env.push(("INPUT_GITHUB_TOKEN", "t0ken-for-test"));
    let r = run(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("the GitHub API call failed), so the"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Default branch unknown::"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("no github-token"), "{}", r.stdout);
    assert!(!r.stdout.contains("pass `github-token`"), "{}", r.stdout);

    let mut env = base.to_vec();
    env.push(("INPUT_GITHUB_TOKEN", "t0ken-for-test\nline-two"));
    let r = run(&env);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("`github-token` has a line break"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .all(|l| l.starts_with("::add-mask::") || !l.contains("t0ken-for-test")),
        "{}",
        r.stdout
    );
}

/// action.yml's inputs are exactly the subcommand's flags, each passed as `INPUT_<NAME>`.
#[test]
fn action_yml_inputs_match_the_flags() {
    let yml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("actions/image-tag/action.yml"),
    )
    .unwrap();
    let section = yml
        .split("\ninputs:\n")
        .nth(1)
        .unwrap()
        .split("\noutputs:\n")
        .next()
        .unwrap();
    let inputs: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    let help = Command::cargo_bin("ready")
        .unwrap()
        .args(["image-tag", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let mut flags: Vec<&str> = help
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !matches!(*w, "help" | "format" | ""))
        .collect();
    flags.sort();
    flags.dedup();
    let mut sorted = inputs.clone();
    sorted.sort();
    assert_eq!(sorted, flags);
    for input in inputs {
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(
            yml.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "{var} is not passed"
        );
    }
}

/// What a user sees in the job summary for a release build.
#[test]
fn job_summary_for_a_release() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let event = data("push_semver_tag/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("INPUT_IMAGES", "ghcr.io/octo-org/app"),
            (
                "INPUT_TAGS",
                "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}",
            ),
            ("INPUT_ALIASES", "prod"),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stdout);
    insta::assert_snapshot!(std::fs::read_to_string(&summary).unwrap());
}

/// A label with backticks cannot close the fold's code block and put the next label's HTML in
/// the summary.
#[test]
fn labels_cannot_leave_their_code_block_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let event = data("push_semver_tag/event.json");
    let r = run(&push_env(
        event.to_str().unwrap(),
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("INPUT_IMAGES", "ghcr.io/octo-org/app"),
            ("INPUT_LABELS", "note=```\nzz=<img src=x>"),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let md = std::fs::read_to_string(&summary).unwrap();
    let open = md
        .find("\n````\n")
        .expect("a fence longer than the label's");
    let close = md.rfind("\n````\n").unwrap();
    let img = md.find("zz=<img src=x>").unwrap();
    assert!(open < img && img < close, "{md}");
}
