//! The registry: image references, tags and digests, promote's aliases, manifests and indexes,
//! the alias history artifact, authentication challenges and error bodies.

use crate::inputs::{self, CASES};
use proptest::prelude::*;
use ready_actions::promote::aliases;
use ready_actions::registry::{self, auth, history, manifest, reference};

const DIGEST_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

const INDEX: &str = r#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 10,
     "digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "platform": {"os": "unknown", "architecture": "unknown"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 10,
     "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     "platform": {"os": "linux", "architecture": "amd64"}}]}"#;
const IMAGE: &str = r#"{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
             "digest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},
  "layers": []}"#;
const CONFIG: &str = r#"{"architecture": "amd64", "os": "linux",
  "config": {"Labels": {"org.opencontainers.image.revision": "0123456789abcdef"}}}"#;
const HISTORY: &str = r#"{"version": 1, "alias": "prod",
  "stack": ["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"],
  "log": [{"action": "promote", "source": "v1", "at": "2024-06-07T12:00:00Z", "run": "https://x/1",
           "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
           "previous": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}"#;
const ARTIFACT: &str = r#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/vnd.ready-actions.history.v1+json",
  "layers": [{"mediaType": "application/vnd.ready-actions.history.v1+json", "size": 3,
              "digest": "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"}]}"#;
const ERRORS: &str = r#"{"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {}},
  {"code": "DENIED"}, {"message": "no"}]}"#;
const TOKEN: &str = r#"{"token": "abc", "access_token": "def", "expires_in": 300}"#;

const JSON_WORDS: &[&str] = &[
    "schemaVersion",
    "mediaType",
    "manifests",
    "config",
    "layers",
    "digest",
    "platform",
    "os",
    "unknown",
    "linux",
    "Labels",
    "org.opencontainers.image.revision",
    "version",
    "alias",
    "stack",
    "log",
    "action",
    "promote",
    "rollback",
    "previous",
    "at",
    "errors",
    "code",
    "message",
    "token",
    "access_token",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.ready-actions.history.v1+json",
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "sha256:",
    "2",
    "4294967296",
];

const REF_FRAGMENTS: &[&str] = &[
    "ghcr.io",
    "127.0.0.1:5000",
    "localhost",
    "[::1]:5000",
    "docker.io",
    "/",
    "org",
    "app",
    "App",
    ":",
    "@",
    "sha256:",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "v1.2.3",
    "latest",
    ".",
    "-",
    "_",
    "__",
    "http://",
    " ",
    "ready-history.",
    "prod",
];

const CHALLENGE_FRAGMENTS: &[&str] = &[
    "Bearer",
    "Basic",
    " ",
    ",",
    "=",
    "realm",
    "service",
    "scope",
    "\"",
    "\\\"",
    "\\",
    "https://ghcr.io/token",
    "repository:o/a:pull,push",
    "\t",
    "token68==",
];

fn repo() -> reference::Repository {
    reference::parse_image("127.0.0.1:5000/org/app").unwrap()
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn image_names_parse_to_a_registry_and_a_path(text in prop_oneof![3 => inputs::soup(REF_FRAGMENTS, 8), 1 => any::<String>()]) {
        match reference::parse_image(&text) {
            Ok(r) => {
                prop_assert!(!r.path.is_empty() && !r.host.is_empty());
                let scheme = format!("{}://", r.scheme);
                prop_assert!(r.api_base().starts_with(&scheme), "{}", r.api_base());
                let again = reference::parse_image(&r.image).unwrap();
                prop_assert_eq!((again.host, again.path), (r.host, r.path));
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn targets_are_valid_tags_or_digests(text in prop_oneof![3 => inputs::soup(REF_FRAGMENTS, 8), 1 => any::<String>()]) {
        let repo = repo();
        for parsed in [reference::parse_target(&text, "from"), reference::parse_target_of(&repo, &text, "to")] {
            match parsed {
                Ok(reference::Target::Tag(t)) => prop_assert!(reference::valid_tag(&t), "{t:?}"),
                Ok(reference::Target::Digest(d)) => prop_assert!(reference::valid_digest(&d), "{d:?}"),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }

    #[test]
    fn aliases_are_tags_once_each(text in prop_oneof![3 => inputs::soup(REF_FRAGMENTS, 8), 1 => any::<String>()]) {
        let from = reference::Target::Tag("v1.2.3".into());
        match aliases::parse_aliases(&text, &from) {
            Ok(list) => {
                let mut seen = std::collections::BTreeSet::new();
                for a in &list {
                    prop_assert!(reference::valid_tag(a) && seen.insert(a));
                    prop_assert!(reference::valid_tag(&history::tag_for(a)));
                }
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn manifests_and_configs_are_read_or_refused(
        body in prop_oneof![
            inputs::json_doc(INDEX, JSON_WORDS),
            inputs::json_doc(IMAGE, JSON_WORDS),
            inputs::json_doc(CONFIG, JSON_WORDS),
            any::<String>(),
        ],
        content_type in prop::option::of(prop::sample::select(&[
            "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "text/html", "", ";",
        ][..])),
    ) {
        match manifest::media_type(body.as_bytes(), content_type) {
            Ok(t) => prop_assert!(manifest::ACCEPTED.contains(&t.as_str())),
            Err(e) => prop_assert!(!e.is_empty()),
        }
        let _ = manifest::next_for_labels(body.as_bytes());
        if let Some(revision) = manifest::revision_label(body.as_bytes()) {
            prop_assert!(!revision.is_empty());
        }
    }

    /// A history read from the registry: any rollback it allows goes to another digest, and
    /// what is written back reads back the same.
    #[test]
    fn histories_round_trip(
        layer in inputs::json_doc(HISTORY, JSON_WORDS),
        artifact in inputs::json_doc(ARTIFACT, JSON_WORDS),
        to in prop::option::of(Just(DIGEST_A.to_string())),
    ) {
        if let Err(e) = history::layer_digest(artifact.as_bytes()) {
            prop_assert!(!e.is_empty());
        }
        let Ok(mut h) = serde_json::from_slice::<history::History>(layer.as_bytes()) else {
            return Ok(());
        };
        let current = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        if let Ok((target, stack)) = h.rollback_target(current, to.as_deref()) {
            prop_assert!(to.is_some() || target != current);
            prop_assert!(h.stack.starts_with(&stack));
        }
        let m = history::Move {
            action: "promote".into(),
            source: None,
            digest: DIGEST_A.into(),
            previous: Some(current.into()),
            at: history::rfc3339(0),
            run: None,
            sha: None,
            by: None,
        };
        h.promote(Some(current), m);
        prop_assert!(h.stack.len() <= history::MAX_STACK && h.log.len() <= history::MAX_LOG);
        let (bytes, artifact) = h.to_artifact();
        prop_assert_eq!(history::layer_digest(&artifact.bytes), Ok(manifest::sha256(&bytes)));
        prop_assert_eq!(serde_json::from_slice::<history::History>(&bytes).unwrap(), h);
    }

    #[test]
    fn auth_challenges_and_answers(
        header in prop_oneof![3 => inputs::soup(CHALLENGE_FRAGMENTS, 12), 1 => any::<String>()],
        body in prop_oneof![inputs::json_doc(TOKEN, JSON_WORDS), inputs::json_doc(ERRORS, JSON_WORDS), any::<String>()],
    ) {
        for c in auth::parse_challenges(&header) {
            prop_assert!(!c.scheme.is_empty());
            prop_assert!(!c.scheme.chars().any(|ch| ch.is_ascii_uppercase()));
        }
        if let Some(token) = auth::token_from_answer(body.as_bytes()) {
            prop_assert!(!token.is_empty());
        }
        let _ = registry::registry_errors(body.as_bytes());
    }
}
