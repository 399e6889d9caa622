//! The reusable pipeline's job graph and permissions, read from the workflow itself.

use std::collections::BTreeSet;
use std::path::Path;
use yaml_serde::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pipeline() -> (String, Value) {
    let text =
        std::fs::read_to_string(root().join(".github/workflows/ready-pipeline.yml")).unwrap();
    let doc = yaml_serde::from_str(&text).unwrap();
    (text, doc)
}

fn needs(doc: &Value, job: &str) -> BTreeSet<String> {
    match &doc["jobs"][job]["needs"] {
        Value::String(s) => [s.clone()].into(),
        Value::Sequence(seq) => seq
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn jobs_run_in_pipeline_order() {
    let (_, doc) = pipeline();
    assert_eq!(needs(&doc, "docker-build"), set(&["lint-and-test"]));
    assert_eq!(needs(&doc, "publish-image"), set(&["docker-build"]));
    let deploy = needs(&doc, "deploy");
    for required in [
        "publish-image",
        "gate-on-green",
        "migrations",
        "migration-smoke",
        "error-budget",
        "predeploy",
        "k8s-ready",
        "config-check",
    ] {
        assert!(deploy.contains(required), "deploy does not need {required}");
    }
    // The manifests are checked against the digest just built.
    assert_eq!(
        needs(&doc, "k8s-ready"),
        set(&["lint-and-test", "docker-build"])
    );
    let check = doc["jobs"]["k8s-ready"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/actions/k8s-ready@"))
        })
        .expect("a k8s-ready step");
    assert_eq!(
        check["with"]["expect-image"].as_str(),
        Some("${{ needs.docker-build.outputs.image-ref }}")
    );
    assert_eq!(needs(&doc, "smoke"), set(&["deploy"]));
    assert_eq!(needs(&doc, "watch"), set(&["deploy", "smoke"]));
    assert!(needs(&doc, "rollback").contains("smoke"));
    assert!(needs(&doc, "rollback").contains("watch"));
}

#[test]
fn the_watch_runs_after_a_passed_smoke_when_enabled_and_its_failure_rolls_back() {
    let (_, doc) = pipeline();
    let condition = doc["jobs"]["watch"]["if"].as_str().unwrap_or_default();
    for part in [
        "!cancelled()",
        "inputs.watch",
        "needs.smoke.result == 'success'",
    ] {
        assert!(condition.contains(part), "{condition}");
    }
    let rollback = doc["jobs"]["rollback"]["if"].as_str().unwrap();
    assert!(
        rollback.contains("needs.watch.result == 'failure'"),
        "{rollback}"
    );
    let step = &doc["jobs"]["watch"]["steps"][1];
    assert_eq!(
        step["uses"].as_str(),
        Some("ready-actions/ready-actions/actions/watch@v1")
    );
    // The deployed version is the commit; smoke checked that the service reports it.
    assert_eq!(step["with"]["version"].as_str(), Some("${{ github.sha }}"));
    assert_eq!(
        doc["jobs"]["watch"]["timeout-minutes"].as_str(),
        Some("${{ inputs.watch-timeout-minutes }}")
    );
}

#[test]
fn deploy_runs_only_when_every_gate_passed_or_was_skipped() {
    let (_, doc) = pipeline();
    let condition = doc["jobs"]["deploy"]["if"].as_str().unwrap();
    assert!(condition.contains("needs.docker-build.result == 'success'"));
    assert!(condition.contains("needs.gate-on-green.result == 'success'"));
    for optional in [
        "publish-image",
        "supply-chain",
        "secret-scan",
        "migrations",
        "migration-smoke",
        "error-budget",
        "predeploy",
        "k8s-ready",
        "config-check",
    ] {
        assert!(
            condition.contains(&format!("needs.{optional}.result")),
            "deploy ignores {optional}"
        );
    }
    assert!(
        !condition.contains("always()"),
        "a failed gate must stop the deploy"
    );
    // Pull requests and merge queues never deploy.
    assert!(condition.contains("needs.lint-and-test.outputs.publish == 'true'"));
}

#[test]
fn smoke_runs_after_every_deploy_even_when_optional_gates_were_skipped() {
    // A job whose `needs` chain holds a skipped job is skipped unless its own `if:` says
    // otherwise (GitHub's rule, which act follows).
    let (_, doc) = pipeline();
    let condition = doc["jobs"]["smoke"]["if"].as_str().unwrap_or_default();
    assert!(condition.contains("!cancelled()"), "{condition}");
    assert!(
        condition.contains("needs.deploy.result == 'success'"),
        "{condition}"
    );
}

#[test]
fn rollback_runs_when_smoke_fails_or_a_started_deploy_fails() {
    let (_, doc) = pipeline();
    let condition = doc["jobs"]["rollback"]["if"].as_str().unwrap();
    for part in [
        "needs.smoke.result == 'failure'",
        "needs.deploy.result == 'failure'",
        "needs.deploy.outputs.started == 'true'",
    ] {
        assert!(condition.contains(part), "{condition}");
    }
    let steps = doc["jobs"]["rollback"]["steps"].as_sequence().unwrap();
    let verify = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("verify"))
        .expect("the rollback is verified");
    assert_eq!(
        verify["with"]["expect-version"].as_str(),
        Some("${{ steps.previous.outputs.revision }}")
    );
}

/// The dependency check is its own workflow (the starter `ready-pr-dependencies.yml`), not a job
/// of the pipeline: it must re-run when a description is edited or a dependency merges, which
/// the pipeline's triggers do not cover, and its `pull-requests: read` would make every caller
/// that does not grant it fail to start.
#[test]
fn the_pipeline_asks_no_more_than_its_callers_grant() {
    let (_, doc) = pipeline();
    assert!(doc["jobs"]["pr-dependencies"].is_null());
    let starter =
        std::fs::read_to_string(root().join("workflows-templates/ready-pr-dependencies.yml"))
            .unwrap();
    for trigger in ["pull_request", "edited", "merge_group"] {
        assert!(starter.contains(trigger), "{trigger}");
    }
}

#[test]
fn deploys_go_through_an_environment_with_one_deploy_at_a_time() {
    let (_, doc) = pipeline();
    for job in ["deploy", "rollback"] {
        let env = doc["jobs"][job]["environment"].as_str().unwrap_or_default();
        assert!(
            env.contains("inputs.environment"),
            "{job} has no environment"
        );
        let group = doc["jobs"][job]["concurrency"]["group"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(group, "deploy-${{ inputs.environment }}");
    }
    let env = doc["jobs"]["deploy"]["environment"].as_str().unwrap();
    assert!(env.contains("needs-approval") && env.contains("inputs.approval-environment"));
}

/// The migration-smoke job runs the migrations on a Postgres service container when the caller
/// turns it on, and what their SQL does routes the deploy through approval as what they declare
/// does; its contracts count only for the migrations not deployed yet.
#[test]
fn migration_smoke_runs_on_a_service_container_and_routes_approval() {
    let (_, doc) = pipeline();
    let job = &doc["jobs"]["migration-smoke"];
    assert_eq!(
        job["if"].as_str(),
        Some("inputs.migration-smoke && inputs.alembic-config != ''")
    );
    assert_eq!(
        doc["on"]["workflow_call"]["inputs"]["migration-smoke"]["default"],
        Value::Bool(false)
    );
    assert_eq!(needs(&doc, "migration-smoke"), set(&["migrations"]));
    assert!(
        job["services"]["postgres"]["image"]
            .as_str()
            .unwrap()
            .contains("inputs.migration-smoke-postgres")
    );
    let steps = job["steps"].as_sequence().unwrap();
    let smoke = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("smoke"))
        .unwrap();
    assert_eq!(
        smoke["uses"].as_str(),
        Some("ready-actions/ready-actions/actions/migration-smoke@v1")
    );
    let url = smoke["with"]["database-url"].as_str().unwrap();
    let port = job["services"]["postgres"]["ports"][0].as_str().unwrap();
    assert!(url.contains(&format!("localhost:{}", port.split(':').next().unwrap())));
    assert_eq!(
        smoke["with"]["changed-since"].as_str(),
        Some("${{ needs.migrations.outputs.since }}")
    );
    let approval = job["outputs"]["needs-approval"].as_str().unwrap();
    assert!(approval.contains("steps.smoke.outputs.requires-maintenance-window == 'true'"));
    assert!(approval.contains("steps.smoke.outputs.destructive == 'true'"));
    let deploy = &doc["jobs"]["deploy"];
    let routed = "needs.migration-smoke.outputs.needs-approval == 'true'";
    assert!(deploy["environment"].as_str().unwrap().contains(routed));
    let deploy_env = deploy["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|s| s["env"]["DEPLOY_ENVIRONMENT"].as_str())
        .unwrap();
    assert!(deploy_env.contains(routed));
}

#[test]
fn permissions_are_explicit_least_and_commented() {
    let (text, doc) = pipeline();
    assert_eq!(doc["permissions"], Value::Mapping(Default::default()));
    for (name, job) in doc["jobs"].as_mapping().unwrap() {
        let perms = job
            .get("permissions")
            .unwrap_or_else(|| panic!("{name:?} has no permissions"));
        assert!(
            perms.is_mapping(),
            "{name:?} permissions must be a map of scopes"
        );
        for (scope, level) in perms.as_mapping().unwrap() {
            assert!(
                matches!(level.as_str(), Some("read") | Some("write")),
                "{name:?} {scope:?}"
            );
        }
    }
    for line in text.lines() {
        let t = line.trim();
        let scope_line = [
            "contents",
            "packages",
            "checks",
            "statuses",
            "actions",
            "id-token",
            "attestations",
            "security-events",
            "pull-requests",
        ]
        .iter()
        .any(|scope| {
            t.starts_with(&format!("{scope}: read")) || t.starts_with(&format!("{scope}: write"))
        });
        assert!(
            !scope_line || t.contains(" # "),
            "permission without a comment: {t}"
        );
    }
}

#[test]
fn third_party_actions_are_pinned_by_full_sha() {
    let dirs = [".github/workflows", "workflows-templates"];
    for dir in dirs {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yml") {
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let Some(uses) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
                    continue;
                };
                if uses.starts_with("ready-actions/ready-actions") || uses.starts_with("./") {
                    continue;
                }
                let sha = uses.split('@').nth(1).unwrap_or_default();
                let sha = sha.split_whitespace().next().unwrap_or_default();
                assert!(
                    sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                    "{}: {uses} is not pinned by a full SHA",
                    path.display()
                );
                assert!(
                    uses.contains("# v"),
                    "{}: {uses} has no version comment",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn starter_templates_call_the_pipeline_or_an_action_and_have_properties() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("workflows-templates")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        count += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(".github/workflows/ready-pipeline.yml@")
                || text.contains(".github/workflows/ready-rollback-drill.yml@")
                || text.contains("uses: ready-actions/ready-actions/actions/"),
            "{}",
            path.display()
        );
        let props = path.with_extension("properties.json");
        let props: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&props).unwrap()).unwrap();
        assert!(props["name"].is_string() && props["description"].is_string());
    }
    assert!(count >= 2);
}

#[test]
fn a_release_pins_the_pipelines_own_actions_to_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ready-pipeline.yml");
    std::fs::copy(root().join(".github/workflows/ready-pipeline.yml"), &copy).unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/pin-inner-refs.sh"))
        .args([sha, "v1.4.2"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before =
        std::fs::read_to_string(root().join(".github/workflows/ready-pipeline.yml")).unwrap();
    let after = std::fs::read_to_string(&copy).unwrap();
    let mut pinned = 0;
    for (old, new) in before.lines().zip(after.lines()) {
        if old.contains("uses: ready-actions/ready-actions/") {
            assert!(new.ends_with(&format!("@{sha} # v1.4.2")), "{new}");
            pinned += 1;
        } else {
            assert_eq!(old, new, "only our own uses: lines change");
        }
    }
    assert!(pinned >= 8, "{pinned} lines pinned");
    assert_eq!(before.lines().count(), after.lines().count());
    // The release commit pins them, and release.yml moves the tags onto that commit.
    let commit = std::fs::read_to_string(root().join("scripts/release-commit.sh")).unwrap();
    assert!(commit.contains("scripts/pin-inner-refs.sh \"$SHA\" \"$TAG\""));
    assert!(commit.contains(".github/workflows/ready-*.yml"));
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    assert!(release.contains("source/scripts/release-commit.sh"));
    assert!(release.contains("SHA: ${{ steps.pin.outputs.sha }}"));
    // A bad commit is refused.
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/pin-inner-refs.sh"))
        .args(["main", "v1.4.2"])
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
