//! `ready promote` and `ready rollback` end to end against a real registry (docker-registry on
//! loopback): three builds promoted to prod one after another, then rolled back twice.

mod support;

use support::registry::{DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};

#[test]
fn promote_three_times_then_roll_back_twice() {
    let Some(registry) = support::registry::start(false) else {
        return;
    };
    let image = registry.image("team/app");
    let push = registry.pusher("team/app");
    let d1 = push.push_index("1", "sha-1");
    let d2 = push.push_image("2", "sha-2", DOCKER_MANIFEST);
    let d3 = push.push_image("3", "sha-3", OCI_MANIFEST);
    let index_bytes = push.get("sha-1").unwrap().2;

    // 1: a multi-platform index to two aliases that do not exist yet.
    let run = support::ready(
        &[
            "promote",
            "--image",
            &image,
            "--from",
            "sha-1",
            "--to",
            "prod, latest",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert_eq!(run.output("digest"), d1);
    assert_eq!(run.output("previous-digest"), "");
    assert_eq!(run.output("image-ref"), format!("{image}@{d1}"));
    for alias in ["prod", "latest"] {
        let (digest, content_type, bytes) = push.get(alias).unwrap();
        assert_eq!(digest, d1);
        assert_eq!(content_type, OCI_INDEX, "the index stays an index");
        assert_eq!(bytes, index_bytes, "the exact bytes are copied");
    }
    assert!(run.summary.contains(&d1), "{}", run.summary);

    // 2: a Docker v2 manifest, through inputs as the composite action passes them.
    let run = support::ready(
        &["promote"],
        &[
            ("INPUT_IMAGE", &image),
            ("INPUT_FROM", "sha-2"),
            ("INPUT_TO", "prod"),
            ("INPUT_REGISTRY_USERNAME", ""),
            ("INPUT_REGISTRY_PASSWORD", ""),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("digest"), d2);
    assert_eq!(run.output("previous-digest"), d1);
    assert_eq!(push.get("prod").unwrap().1, DOCKER_MANIFEST);

    // 3: by digest.
    let run = support::ready(
        &["promote", "--image", &image, "--from", &d3, "--to", "prod"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("previous-digest"), d2);
    assert_eq!(push.digest_of("prod").unwrap(), d3);
    // Promoting the same again changes nothing and records nothing.
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-3", "--to", "prod",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(run.log().contains("nothing changed"), "{}", run.log());
    assert_eq!(run.output("previous-digest"), d3);

    // Rollback, twice: back two steps, not back and forth.
    let run = support::ready(
        &["rollback", "--image", &image, "--alias", "prod"],
        &[
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "team/app"),
            ("GITHUB_RUN_ID", "42"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    // The summary draws prod's moves as a timeline, this one last, by whom, and links the run.
    let timeline = run.summary.split("```mermaid\ntimeline\n").nth(1).unwrap();
    let timeline = timeline.split("```").next().unwrap();
    assert_eq!(timeline.lines().count(), 1 + 4, "{timeline}");
    let last = timeline.lines().last().unwrap();
    assert!(
        last.contains(&format!(" : rollback {}", &d2[..19].replace(':', "#58;")))
            && last.ends_with(" : by octocat"),
        "{timeline}"
    );
    assert!(
        run.summary
            .contains("Moved by this [run](https://github.com/team/app/actions/runs/42)."),
        "{}",
        run.summary
    );
    assert_eq!(run.output("digest"), d2);
    assert_eq!(run.output("previous-digest"), d3);
    assert_eq!(run.output("image-ref"), format!("{image}@{d2}"));
    assert_eq!(push.digest_of("prod").unwrap(), d2);

    let run = support::ready(
        &["rollback"],
        &[
            ("INPUT_IMAGE", &image),
            ("INPUT_ALIAS", "prod"),
            ("INPUT_TO", ""),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("digest"), d1);
    assert_eq!(run.output("previous-digest"), d2);
    let (digest, content_type, _) = push.get("prod").unwrap();
    assert_eq!(
        (digest.as_str(), content_type.as_str()),
        (d1.as_str(), OCI_INDEX)
    );
    // `latest` was never touched.
    assert_eq!(push.digest_of("latest").unwrap(), d1);

    // Nothing left to go back to: exit 2, and prod stays where it is.
    let run = support::ready(&["rollback", "--image", &image, "--alias", "prod"], &[]);
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    assert!(run.log().contains("no earlier image"), "{}", run.log());
    assert_eq!(push.digest_of("prod").unwrap(), d1);

    // Rollback to a named sha tag works without history.
    let run = support::ready(
        &[
            "rollback", "--image", &image, "--alias", "prod", "--to", "sha-3",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("digest"), d3);
    assert_eq!(run.output("previous-digest"), d1);
    assert_eq!(push.digest_of("prod").unwrap(), d3);

    // The history artifact says what happened, readable by anyone with the registry.
    let (_, content_type, manifest) = push.get("ready-history.prod").unwrap();
    assert_eq!(content_type, OCI_MANIFEST);
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.ready-actions.history.v1+json"
    );
}

#[test]
fn rollback_errors_are_invalid_use_and_change_nothing() {
    let Some(registry) = support::registry::start(false) else {
        return;
    };
    let image = registry.image("app");
    let push = registry.pusher("app");
    let d1 = push.push_image("1", "sha-1", OCI_MANIFEST);

    // An alias that does not exist.
    let run = support::ready(&["rollback", "--image", &image, "--alias", "prod"], &[]);
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.log().contains(&format!("{image}:prod does not exist")),
        "{}",
        run.log()
    );

    // An alias with no history (tagged by someone else).
    push.manifest("prod", OCI_MANIFEST, &push.get("sha-1").unwrap().2);
    let run = support::ready(&["rollback", "--image", &image, "--alias", "prod"], &[]);
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.log().contains("no earlier image"), "{}", run.log());
    assert!(push.get("ready-history.prod").is_none());

    // A `to` that does not exist.
    let run = support::ready(
        &[
            "rollback", "--image", &image, "--alias", "prod", "--to", "sha-9",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.log().contains("sha-9 does not exist"), "{}", run.log());
    assert_eq!(push.digest_of("prod").unwrap(), d1);

    // Required inputs, empty meaning unset.
    let run = support::ready(
        &["rollback"],
        &[("INPUT_IMAGE", &image), ("INPUT_ALIAS", "")],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.log().contains("`alias` is required"), "{}", run.log());
}
