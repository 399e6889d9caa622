//! End-to-end: `ready k8s-ready` as an Actions step over the fixtures of tests/data/k8s_ready:
//! a good Deployment + Service + Ingress + PDB, one file breaking each rule, a Helm-style
//! stream on stdin, CRDs, and kustomize through a real kubectl (scripts/provision/k8s_ready.sh
//! installs one) and through fake ones.

mod support;

use ready_actions::k8s_ready::rules::Rule;
use std::path::{Path, PathBuf};
use support::{Run, Step};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/k8s_ready")
        .join(name)
}

/// The step with the inputs the pipeline gives: the image just pushed, an upload limit.
fn step(manifests: impl AsRef<std::ffi::OsStr>) -> Step {
    Step::new()
        .arg("k8s-ready")
        .input("manifests", manifests)
        .input("expect-image", format!("ghcr.io/org/web@{DIGEST}"))
        .input("max-body-size", "10m")
}

/// The `::error` annotations of the log, one a line.
fn annotations(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect()
}

fn rules_found(run: &Run) -> Vec<String> {
    let mut rules: Vec<String> = annotations(run)
        .iter()
        .filter_map(|a| a.split("title=").nth(1))
        .filter_map(|t| t.split("%3A").next())
        .map(str::to_string)
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn the_good_manifests_pass_with_no_finding() {
    let run = step(data("good.yaml")).run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert_eq!(run.output("objects"), "4");
    assert_eq!(run.output("findings"), "0");
    assert!(annotations(&run).is_empty(), "{}", run.log());
    for row in [
        "Deployment/web",
        "Service/web",
        "Ingress/web",
        "PodDisruptionBudget/web",
    ] {
        assert!(
            run.summary.contains(row),
            "{row} not in the summary:\n{}",
            run.summary
        );
    }
}

/// Each file of bad/ is good.yaml with one change: its rule, and only it, is found, at the
/// line of the change. (An image tagged `:latest` is also not the expected digest.)
#[test]
fn each_rule_is_found_alone_on_the_file_that_breaks_it() {
    for rule in Rule::ALL {
        let file = data(&format!("bad/{}.yaml", rule.id()));
        let run = step(&file).run();
        assert_eq!(run.code, 1, "{}: {}", rule.id(), run.log());
        assert_eq!(run.output("result"), "blocked");
        let mut expected = vec![rule.id().to_string()];
        if rule == Rule::ImmutableImage {
            expected.insert(0, Rule::ExpectedImage.id().to_string());
        }
        assert_eq!(rules_found(&run), expected, "{}", run.log());
        // Every annotation is on a line of the file.
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for a in annotations(&run) {
            let line: usize = a
                .split("line=")
                .nth(1)
                .and_then(|l| l.split([',', ':']).next())
                .and_then(|l| l.parse().ok())
                .unwrap_or_else(|| panic!("no line in {a}"));
            assert!(a.contains(&format!("file={}", file.display())), "{a}");
            assert!((1..=lines.len()).contains(&line), "{a}");
        }
    }
}

#[test]
fn findings_point_at_the_offending_field() {
    let run = step(data("bad/privileged.yaml")).run();
    let a = annotations(&run);
    assert_eq!(a.len(), 1, "{}", run.log());
    let line = std::fs::read_to_string(data("bad/privileged.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("privileged: true"))
        .unwrap()
        + 1;
    assert!(a[0].contains(&format!(",line={line},col=25::")), "{}", a[0]);
    assert!(
        a[0].starts_with("::error title=privileged%3A Privileged container,"),
        "{}",
        a[0]
    );
}

#[test]
fn a_helm_rendered_stream_is_read_on_stdin() {
    let stream = std::fs::read_to_string(data("helm-rendered.yaml")).unwrap();
    let run = Step::new()
        .args(["k8s-ready", "--manifests", "-"])
        .stdin(stream)
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("objects"), "4");
    insta::assert_snapshot!(annotations(&run).join("\n"));
}

#[test]
fn crds_and_custom_resources_are_skipped_and_counted() {
    let run = step(data("crds.yaml")).input("expect-image", "").run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("objects"), "1");
    assert_eq!(run.output("skipped"), "3");
    assert!(
        run.summary
            .contains("CustomResourceDefinition (apiextensions.k8s.io/v1)"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("Widget (example.com/v1)"));
}

#[test]
fn directories_and_globs_read_every_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("base/nested")).unwrap();
    std::fs::copy(data("good.yaml"), dir.path().join("base/app.yaml")).unwrap();
    std::fs::copy(data("crds.yaml"), dir.path().join("base/nested/crds.yml")).unwrap();
    std::fs::write(dir.path().join("base/README.md"), "not yaml: [").unwrap();
    for manifests in ["base", "base/**/*.y*ml", "base/app.yaml\nbase/nested/*.yml"] {
        let run = step(manifests).current_dir(dir.path()).run();
        assert_eq!(run.code, 0, "{manifests}: {}", run.log());
        assert_eq!(
            (run.output("objects"), run.output("skipped")),
            ("5", "3"),
            "{manifests}"
        );
    }
    let run = step("base/*.json").current_dir(dir.path()).run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout.contains("base/*.json names no YAML file"),
        "{}",
        run.log()
    );
    // A directory that cannot be read is no part to skip.
    let run = step("gone/**/*.yaml").current_dir(dir.path()).run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout.contains("cannot read the directory gone"),
        "{}",
        run.log()
    );
}

#[test]
fn a_document_that_is_not_yaml_is_invalid_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\n---\nmetadata:\n  name: [x\n  labels: {}\n",
    )
    .unwrap();
    let run = step(&file).run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    let a = annotations(&run);
    assert_eq!(a.len(), 1, "{}", run.log());
    assert!(
        a[0].contains(&format!("file={},line=", file.display())),
        "{}",
        a[0]
    );
    assert!(a[0].contains("is not YAML"), "{}", a[0]);
    // A mapping without apiVersion and kind is no object.
    std::fs::write(&file, "apiVersion: v1\nkind: ConfigMap\n---\nname: x\n").unwrap();
    let run = step(&file).run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.stdout.contains("line=4"), "{}", run.log());
}

#[test]
fn an_empty_input_is_invalid_not_green() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.yaml");
    std::fs::write(&file, "# nothing\n---\n").unwrap();
    for run in [
        step(&file).run(),
        Step::new()
            .args(["k8s-ready", "--manifests", "-"])
            .stdin("")
            .run(),
        Step::new().arg("k8s-ready").run(),
    ] {
        assert_eq!(run.code, 2, "{}", run.log());
        assert_eq!(run.output("result"), "invalid");
    }
}

#[test]
fn bad_inputs_are_refused_with_what_was_expected() {
    for (input, value, says) in [
        (
            "rules",
            "readiness-probe,no-such-rule",
            "unknown rule id \"no-such-rule\"",
        ),
        ("ignore", "privileged;", "unknown rule id \"privileged;\""),
        (
            "expect-image",
            "ghcr.io/org/web:latest",
            "is not <image>@sha256:<64 hex digits>",
        ),
        (
            "min-replicas",
            "two",
            "`min-replicas`: expected a whole number",
        ),
        ("max-body-size", "big", "`max-body-size`: expected a size"),
    ] {
        let run = step(data("good.yaml")).input(input, value).run();
        assert_eq!(run.code, 2, "{input}: {}", run.log());
        assert!(run.stdout.contains(says), "{input}: {}", run.log());
    }
    let run = step(data("good.yaml"))
        .input("rules", "privileged, host-path")
        .input("ignore", "host-path\nprivileged")
        .run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.stdout.contains("leave no rule to run"), "{}", run.log());
}

#[test]
fn rules_ignore_and_annotations_silence() {
    let run = step(data("bad/host-path.yaml"))
        .input("ignore", "host-path")
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    let run = step(data("bad/host-path.yaml"))
        .input("rules", "privileged, host-namespaces")
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("annotated.yaml");
    let text = std::fs::read_to_string(data("bad/host-path.yaml")).unwrap().replacen(
        "  labels: {app: web}\n",
        "  labels: {app: web}\n  annotations:\n    ready-actions/ignore: seccomp-profile, host-path\n",
        1,
    );
    std::fs::write(&file, text).unwrap();
    let run = step(&file).run();
    assert_eq!(run.code, 0, "{}", run.log());
}

#[test]
fn a_literal_secret_is_masked_and_never_printed() {
    let run = step(data("bad/secret-in-env.yaml")).run();
    assert_eq!(run.code, 1, "{}", run.log());
    let secret = "tok-9f8e7d6c5b4a";
    assert!(
        run.stdout.starts_with(&format!("::add-mask::{secret}\n")),
        "{}",
        run.log()
    );
    assert_eq!(run.log().matches(secret).count(), 1, "{}", run.log());
    assert!(!run.summary.contains(secret));
    assert!(
        run.stdout.contains("env API_TOKEN looks like a secret"),
        "{}",
        run.log()
    );
}

#[test]
fn annotations_are_capped_and_the_rest_listed_in_the_summary() {
    // Every container rule broken at once, in 3 Jobs: far more than 10 findings.
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: JOB}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'busybox'}]\n";
    let stream: Vec<String> = (1..=3)
        .map(|i| job.replace("JOB", &format!("j{i}")))
        .collect();
    let run = Step::new()
        .args(["k8s-ready", "--manifests", "-"])
        .stdin(stream.join("---\n"))
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    let findings: usize = run.output("findings").parse().unwrap();
    assert!(findings > 20, "{findings}");
    assert_eq!(annotations(&run).len(), 10, "{}", run.log());
    assert!(run.summary.contains("j3"), "{}", run.summary);
}

#[test]
fn sarif_is_written_for_code_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.sarif");
    let run = step(data("bad/ingress-tls.yaml"))
        .input("sarif", &path)
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("sarif"), path.to_str().unwrap());
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(
        run0["tool"]["driver"]["rules"].as_array().unwrap().len(),
        Rule::ALL.len()
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "ingress-tls");
    let index = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run0["tool"]["driver"]["rules"][index]["id"], "ingress-tls");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("bad/ingress-tls.yaml")
    );
    assert!(location["region"]["startLine"].as_u64().unwrap() > 1);
}

/// A kustomization with the good manifests and a namespace, rendered by the real kubectl.
#[test]
fn kustomize_renders_through_kubectl() {
    let Some(kubectl) = kubectl() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("good.yaml"), dir.path().join("app.yaml")).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\ncommonLabels: {team: shop}\n",
    )
    .unwrap();
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&kubectl, bin.path().join("kubectl")).unwrap();
    let run = step("")
        .input("kustomize", dir.path())
        .env("PATH", bin.path())
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("objects"), "4");
}

#[test]
fn kustomize_without_kubectl_or_failing_is_invalid() {
    let bin = tempfile::tempdir().unwrap();
    let run = step("")
        .input("kustomize", "overlays/prod")
        .env("PATH", bin.path())
        .run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout.contains("needs kubectl on PATH"),
        "{}",
        run.log()
    );
    // A fake kubectl that fails as kustomize does on a missing directory.
    let fake = bin.path().join("kubectl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'error: must build at directory: not a valid directory' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = step("")
        .input("kustomize", "overlays/prod")
        .env("PATH", bin.path())
        .run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout.contains("must build at directory"),
        "{}",
        run.log()
    );
}

/// kubectl from scripts/provision/k8s_ready.sh (READY_TEST_KUBECTL) or PATH; missing, the test
/// fails unless READY_ALLOW_MISSING_TOOLS=1 (CI installs it).
fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("READY_TEST_KUBECTL")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("kubectl"))
                .find(|p| p.is_file())
        });
    match found {
        Some(p) => Some(std::fs::canonicalize(&p).unwrap_or(p)),
        None if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") => {
            eprintln!("note: kubectl not found; kustomize test skipped");
            None
        }
        None => panic!(
            "kubectl not found: run scripts/test.sh (scripts/provision/k8s_ready.sh installs Debian's kubernetes-client), or set READY_ALLOW_MISSING_TOOLS=1 to skip"
        ),
    }
}

/// An ignore annotation with a typo silences nothing: a warning names the id, on the
/// annotation's line, and the rule it meant to silence still blocks. A warning alone passes.
#[test]
fn an_unknown_id_in_an_ignore_annotation_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("annotated.yaml");
    let annotate = |ids: &str| {
        let text = std::fs::read_to_string(data("bad/host-path.yaml"))
            .unwrap()
            .replacen(
                "  labels: {app: web}\n",
                &format!(
                    "  labels: {{app: web}}\n  annotations:\n    ready-actions/ignore: {ids}\n"
                ),
                1,
            );
        std::fs::write(&file, &text).unwrap();
        1 + text
            .lines()
            .position(|l| l.contains("ready-actions/ignore"))
            .unwrap()
    };
    let line = annotate("host-paht");
    let run = step(&file).run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(rules_found(&run), ["host-path"], "{}", run.log());
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.log());
    assert!(
        warnings[0].starts_with(&format!(
            "::warning title=unknown-rule-id%3A Ignore annotation names no rule,file={},line={line},",
            file.display()
        )),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("names \"host-paht\""),
        "{}",
        warnings[0]
    );

    annotate("host-path, host-paths");
    let run = step(&file).run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert!(
        run.stdout.contains("no finding, 1 warning"),
        "{}",
        run.log()
    );
    assert!(run.stdout.contains("\"host-paths\""), "{}", run.log());
}

/// `allowPrivilegeEscalation: false` then `: true`: the rules would read one, a tool that keeps
/// the other would run it. Refused at the second key's line.
#[test]
fn a_key_given_twice_is_invalid_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.yaml");
    let text = std::fs::read_to_string(data("good.yaml")).unwrap().replacen(
        "            allowPrivilegeEscalation: false\n",
        "            allowPrivilegeEscalation: false\n            allowPrivilegeEscalation: true\n",
        1,
    );
    assert!(text.contains("allowPrivilegeEscalation: true"));
    std::fs::write(&file, &text).unwrap();
    let line = 1 + text
        .lines()
        .position(|l| l.contains("allowPrivilegeEscalation: true"))
        .unwrap();
    let run = step(&file).run();
    assert_eq!(run.code, 2, "{}", run.log());
    let a = annotations(&run);
    assert_eq!(a.len(), 1, "{}", run.log());
    assert!(a[0].contains(&format!(",line={line},")), "{}", a[0]);
    assert!(a[0].contains("a mapping repeats a key"), "{}", a[0]);
}

/// Custom resources only: nothing was checked, which is no pass.
#[test]
fn an_input_of_custom_resources_only_is_invalid_not_green() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crs.yaml");
    std::fs::write(
        &file,
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: apps/v1\nkind: Rollout\nmetadata: {name: r}\n",
    )
    .unwrap();
    let run = step(&file).input("expect-image", "").run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    assert!(
        run.stdout
            .contains("no object of a kind this check knows in")
            && run.stdout.contains("2 skipped"),
        "{}",
        run.log()
    );
}

/// A directory holding a link to its parent is read once, not walked forever.
#[cfg(unix)]
#[test]
fn a_directory_link_loop_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::copy(data("good.yaml"), base.join("app.yaml")).unwrap();
    std::os::unix::fs::symlink("..", base.join("up")).unwrap();
    for manifests in ["base", "base/**/*.yaml"] {
        let run = step(manifests)
            .current_dir(dir.path())
            .timeout(std::time::Duration::from_secs(60))
            .run();
        assert_eq!(run.code, 0, "{manifests}: {}", run.log());
        assert_eq!(run.output("objects"), "4", "{manifests}");
    }
}

/// Values from a manifest (names, images, annotation ids) and its file name carry workflow
/// commands, an escaped newline and a mention: none runs, and the literal secret is in no
/// log, summary or SARIF.
#[test]
fn hostile_manifest_values_forge_nothing_and_the_secret_stays_masked() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "tok-9f8e7d6c5b4a";
    let text = std::fs::read_to_string(data("bad/secret-in-env.yaml"))
        .unwrap()
        .replacen(
            "  name: web\n",
            "  name: \"web\\e[31m\\n::error::FORGED%0A::stop-commands::x @octocat\"\n  annotations:\n    ready-actions/ignore: \"x\\n::warning::FORGED\"\n",
            1,
        )
        .replace(
            "image: ghcr.io/org/web@sha256",
            "image: \"evil:latest\\n::set-output name=result::passed\\n##[error]FORGED\"\n          #",
        );
    let file = dir.path().join("x%0A::error::FORGED.yaml");
    std::fs::write(&file, text).unwrap();
    let sarif = dir.path().join("out.sarif");
    let run = step(&file).input("sarif", &sarif).run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("result"), "blocked");
    let forged = support::hostile::forged_commands(&run.log(), &[secret]);
    assert!(forged.is_empty(), "forged: {forged:?}\n{}", run.log());
    assert_eq!(run.log().matches(secret).count(), 1, "{}", run.log());
    assert!(!run.summary.contains(secret), "{}", run.summary);
    let sarif = std::fs::read_to_string(&sarif).unwrap();
    assert!(!sarif.contains(secret), "{sarif}");
    assert!(sarif.contains("secret-in-env"), "{sarif}");
    // No ANSI escape of the manifest's recolours the log or the summary.
    assert!(!run.log().contains('\u{1b}'), "{}", run.log());
    assert!(!run.summary.contains('\u{1b}'), "{}", run.summary);
    assert!(run.log().contains("web\\u{1b}[31m"), "{}", run.log());
}

/// The image the pipeline just pushed, as `set-image` and `expect-image` name it.
fn pushed() -> String {
    format!("ghcr.io/acme/app@{DIGEST}")
}

/// The line of the image in set-image/app-main.yaml.
fn image_line() -> usize {
    std::fs::read_to_string(data("set-image/app-main.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("image: ghcr.io/acme/app:main"))
        .unwrap()
        + 1
}

/// A committed manifest cannot name the digest built in the same run: checked as committed,
/// `expected-image` fails it (as before set-image); checked as the deploy sets it, it passes,
/// and the report says what was set, on the file's line.
#[test]
fn set_image_checks_the_manifests_as_the_deploy_sets_them() {
    let file = data("set-image/app-main.yaml");
    let line = image_line();
    let run = step(&file).input("expect-image", pushed()).run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(rules_found(&run), ["expected-image", "immutable-image"]);
    assert!(
        annotations(&run)
            .iter()
            .all(|a| a.contains(&format!(",line={line},col=18::"))),
        "{}",
        run.log()
    );

    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let run = step(&file)
        .input("expect-image", pushed())
        .input("sarif", &sarif)
        .args(["--set-image", &pushed()])
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert_eq!(run.output("objects"), "4");
    assert_eq!(run.output("findings"), "0");
    assert!(annotations(&run).is_empty(), "{}", run.log());
    let shown = |text: &str| text.replace(&file.display().to_string(), "<file>");
    let notices: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::notice"))
        .map(shown)
        .collect();
    insta::assert_snapshot!("set_image_notice", notices.join("\n"));
    assert!(
        notices[0].contains(&format!("file=<file>,line={line},col=18::")),
        "{notices:?}"
    );
    let headline = "4 objects checked, no finding; 1 container image set by set-image";
    assert!(run.stdout.contains(headline), "{}", run.log());
    assert!(run.summary.contains(headline), "{}", run.summary);
    let listed = format!(
        "- Deployment/web container web: ghcr.io/acme/app:main → {} (<file>:{line})",
        pushed()
    );
    assert!(
        shown(&run.summary).contains(&listed),
        "{listed} not in\n{}",
        run.summary
    );
    // Code scanning gets problems only: the note of what was set is none.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));

    // The same through the action's input, in kustomize's form, and on a terminal.
    let run = step(&file)
        .input("expect-image", pushed())
        .input("set-image", format!("ghcr.io/acme/app={}", pushed()))
        .outside_actions()
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    let text = shown(&run.stdout);
    assert!(
        text.contains(&format!(
            "<file>:{line}:18: notice[set-image] Deployment/web container web: ghcr.io/acme/app:main → {}",
            pushed()
        )),
        "{text}"
    );
}

/// set-image does not make manifests that never run the image pass: no container runs it,
/// the deploy would not deploy what was built. The entry that set nothing says so.
#[test]
fn set_image_still_fails_manifests_that_do_not_run_the_image() {
    let run = step(data("good.yaml"))
        .input("expect-image", pushed())
        .input("set-image", pushed())
        .run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(rules_found(&run), ["expected-image"]);
    assert_eq!(run.output("findings"), "1");
    assert!(
        run.stdout.contains(&format!(
            "no container in the manifests runs {}, the image being deployed",
            pushed()
        )),
        "{}",
        run.log()
    );
    assert!(
        run.stdout.contains(&format!(
            "`set-image` {} matched no container: the manifests were checked as written",
            pushed()
        )),
        "{}",
        run.log()
    );
    assert!(
        run.summary
            .contains("matched no container, so it changed nothing"),
        "{}",
        run.summary
    );
}

#[test]
fn bad_set_image_entries_are_refused_with_what_was_expected() {
    for (value, says) in [
        (
            "ghcr.io/acme/app:main",
            "is not <image>@sha256:<64 hex digits>",
        ),
        (
            &format!("app:main={}", pushed()) as &str,
            "has a tag or digest; give it without",
        ),
        (&format!("={}", pushed()), "the name before `=` is empty"),
        (
            &format!("{},ghcr.io/acme/app={}", pushed(), pushed()),
            "names the same image twice",
        ),
    ] {
        let run = step(data("set-image/app-main.yaml"))
            .input("set-image", value)
            .run();
        assert_eq!(run.code, 2, "{value}: {}", run.log());
        assert_eq!(run.output("result"), "invalid");
        assert!(run.stdout.contains(says), "{value}: {}", run.log());
        assert!(
            run.stdout
                .contains("expected <name>=<image>@sha256:<64 hex digits>")
                || says.contains("twice"),
            "{value}: {}",
            run.log()
        );
    }
}

/// A kustomize overlay whose `images:` entry names a tag, rendered by the real kubectl, checked
/// as the deploy sets its image (`kustomize edit set image app=…`'s form).
#[test]
fn set_image_applies_to_kustomizes_rendering() {
    let Some(kubectl) = kubectl() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("set-image/app-main.yaml"), dir.path().join("app.yaml")).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\nimages:\n  - {name: ghcr.io/acme/app, newTag: v2}\n",
    )
    .unwrap();
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&kubectl, bin.path().join("kubectl")).unwrap();
    let kustomize = |set: Option<String>| {
        let mut s = step("")
            .input("kustomize", dir.path())
            .input("expect-image", pushed())
            .env("PATH", bin.path());
        if let Some(set) = set {
            s = s.input("set-image", set);
        }
        s.run()
    };
    let run = kustomize(None);
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(rules_found(&run), ["expected-image", "immutable-image"]);
    let run = kustomize(Some(format!("ghcr.io/acme/app={}", pushed())));
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.stdout.contains(&format!(
            "Deployment/web container web: ghcr.io/acme/app:v2 → {}",
            pushed()
        )),
        "{}",
        run.log()
    );
}
