//! `ready promote` against a real registry: errors that must change nothing, basic auth, and an
//! unreachable registry.

mod support;

use support::registry::{OCI_MANIFEST, PASSWORD, USER};

#[test]
fn a_missing_source_tag_is_invalid_use_and_changes_nothing() {
    let Some(registry) = support::registry::start(false) else {
        return;
    };
    let image = registry.image("app");
    let push = registry.pusher("app");
    let d1 = push.push_image("1", "prod", OCI_MANIFEST);
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-404", "--to", "prod",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    assert!(
        run.log()
            .contains(&format!("{image}:sha-404 does not exist")),
        "{}",
        run.log()
    );
    assert_eq!(push.digest_of("prod").unwrap(), d1);
    assert!(push.get("ready-history.prod").is_none());
}

#[test]
fn bad_inputs_are_refused_before_any_request() {
    for (args, expected) in [
        (
            vec!["--image", "127.0.0.1:9/app:v1", "--from", "a", "--to", "b"],
            "has a tag",
        ),
        (
            vec!["--image", "127.0.0.1:9/app", "--from", "a", "--to", "a"],
            "the tag promoted from",
        ),
        (
            vec!["--image", "127.0.0.1:9/app", "--from", "a", "--to", " , "],
            "`to` is empty",
        ),
        (
            vec![
                "--image",
                "127.0.0.1:9/app",
                "--from",
                "sha256:xyz",
                "--to",
                "b",
            ],
            "not a valid digest",
        ),
        (
            vec!["--image", "127.0.0.1:9/app", "--to", "b"],
            "`from` is required",
        ),
        (
            vec![
                "--image",
                "127.0.0.1:9/app",
                "--from",
                "a",
                "--to",
                "b",
                "--registry-username",
                "u",
            ],
            "`registry-password` is not",
        ),
        (
            vec!["--image", "127.0.0.1:99999/app", "--from", "a", "--to", "b"],
            "`image` \"127.0.0.1:99999/app\": the registry \"127.0.0.1:99999\" is not a host with an optional port",
        ),
        (
            vec![
                "--image",
                "127.0.0.1:9/app",
                "--from",
                "a",
                "--to",
                "b",
                "--registry-username",
                "u",
                "--registry-password",
                "pasted-token\nsecond-line",
            ],
            "`registry-password` has a line break or another control character inside",
        ),
    ] {
        let mut full = vec!["promote"];
        full.extend(args);
        let run = support::ready(&full, &[]);
        assert_eq!(run.code, 2, "{full:?}: {}", run.log());
        assert!(run.log().contains(expected), "{full:?}: {}", run.log());
    }
}

#[test]
fn basic_auth_registry() {
    let Some(registry) = support::registry::start(true) else {
        return;
    };
    let image = registry.image("team/app");
    let push = registry.pusher("team/app");
    let d1 = push.push_index("1", "sha-1");
    let d2 = push.push_image("2", "sha-2", OCI_MANIFEST);

    // Anonymous: denied, exit 2, nothing changed.
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-1", "--to", "prod",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.log().contains("denied (HTTP 401)"), "{}", run.log());
    assert!(run.log().contains("anonymous access"), "{}", run.log());

    // A wrong password: denied, and never printed.
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-1", "--to", "prod",
        ],
        &[
            ("INPUT_REGISTRY_USERNAME", USER),
            ("INPUT_REGISTRY_PASSWORD", "wrong-Password-123"),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.log()
            .contains("denied (HTTP 401) for the credentials given"),
        "{}",
        run.log()
    );
    let log = run.log();
    let mut lines = log.lines();
    assert_eq!(
        lines.next(),
        Some("::add-mask::wrong-Password-123"),
        "masked first"
    );
    assert!(
        lines.all(|l| !l.contains("wrong-Password-123")),
        "{}",
        run.log()
    );
    assert!(push.get("prod").is_none());

    let creds = [
        ("INPUT_REGISTRY_USERNAME", USER),
        ("INPUT_REGISTRY_PASSWORD", PASSWORD),
    ];
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-1", "--to", "prod",
        ],
        &creds,
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("digest"), d1);
    // The `Basic` credential sent is base64 of user:password: masked at once, shown nowhere.
    let basic = "Y2ktYm90OnMzY3JldC1SZWdpc3RyeS1wdw==";
    let log = run.log();
    let masks = log
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .collect::<Vec<_>>();
    assert!(
        masks.contains(&format!("::add-mask::{basic}").as_str()),
        "{masks:?}"
    );
    let rest = log.lines().skip(masks.len()).collect::<Vec<_>>().join("\n");
    for form in [PASSWORD, basic] {
        assert!(
            !rest.contains(form) && !run.summary.contains(form),
            "{form}: {}",
            run.log()
        );
    }
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-2", "--to", "prod",
        ],
        &creds,
    );
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("previous-digest"), d1);
    let run = support::ready(&["rollback", "--image", &image, "--alias", "prod"], &creds);
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("digest"), d1);
    assert_eq!(run.output("previous-digest"), d2);
    assert_eq!(push.digest_of("prod").unwrap(), d1);
    assert!(
        run.log().lines().skip(1).all(|l| !l.contains(PASSWORD)),
        "{}",
        run.log()
    );
}

#[test]
fn an_unreachable_registry_could_not_decide() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let image = format!("127.0.0.1:{port}/app");
    let run = support::ready(
        &["promote", "--image", &image, "--from", "a", "--to", "b"],
        &[],
    );
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(run.log().contains("unreachable"), "{}", run.log());
}

#[test]
fn a_refused_push_is_invalid_use_and_changes_nothing() {
    let Some(registry) = support::registry::start(false) else {
        return;
    };
    let image = registry.image("app");
    let push = registry.pusher("app");
    let d1 = push.push_image("1", "sha-1", OCI_MANIFEST);
    let d2 = push.push_image("2", "sha-2", OCI_MANIFEST);
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-1", "--to", "prod",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.log());
    let history = push.digest_of("ready-history.prod").unwrap();

    let registry = registry.restart_read_only();
    let push = registry.pusher("app");
    let image = registry.image("app");
    let run = support::ready(
        &[
            "promote", "--image", &image, "--from", "sha-2", "--to", "prod",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    assert!(run.log().contains("refused it (HTTP 405)"), "{}", run.log());
    assert_eq!(push.digest_of("prod").unwrap(), d1);
    assert_eq!(push.digest_of("ready-history.prod").unwrap(), history);
    let run = support::ready(
        &[
            "rollback", "--image", &image, "--alias", "prod", "--to", &d2,
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(push.digest_of("prod").unwrap(), d1);
}
