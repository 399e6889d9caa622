//! k8s-ready's reading and rules over mutated manifests: objects or a placed invalid-input
//! error, never a panic; every finding on a line of the text.

use crate::inputs::{self, CASES};
use proptest::prelude::*;
use ready_actions::k8s_ready::objects::{self, Source};
use ready_actions::k8s_ready::rules::{self, Options, Rule};
use ready_actions::report::Failure;

const GOOD: &str = include_str!("../data/k8s_ready/good.yaml");

/// The good Deployment alone: the seed is one document.
fn seed() -> &'static str {
    let first = GOOD.split("\n---\n").next().unwrap_or_default();
    Box::leak(first.to_string().into_boxed_str())
}

const WORDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "CronJob",
    "Ingress",
    "PodDisruptionBudget",
    "List",
    "v1",
    "apps/v1",
    "containers",
    "initContainers",
    "securityContext",
    "runAsUser",
    "0",
    "true",
    "false",
    "latest",
    "busybox",
    "25%",
    "100%",
    "-1",
    "Recreate",
    "RollingUpdate",
    "ALL",
    "hostPath",
    "env",
    "value",
    "API_TOKEN",
    "postgres://a:b@c/d",
    "*.example.com",
    "10m",
    "ready-actions/ignore",
    "privileged",
    "",
];

fn options() -> Options {
    Options {
        rules: Rule::ALL.to_vec(),
        min_replicas: 2,
        max_body_size: Some(1 << 20),
        expect_image: rules::ExpectedImage::parse(
            "ghcr.io/org/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        )
        .ok(),
    }
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn manifests_are_checked_or_refused_at_a_line(text in prop_oneof![
        4 => inputs::yaml_doc(seed(), WORDS),
        1 => any::<String>(),
    ]) {
        let sources = vec![Source { display: "m.yaml".into(), text: text.clone() }];
        let Ok(documents) = ready_actions::yaml::documents(&text) else {
            return Ok(());
        };
        let lines = text.matches(['\n', '\r']).count() as u32 + 1;
        match objects::read(&sources, vec![documents]) {
            Ok(read) => {
                for found in rules::check(&sources, &read.checked, &options()) {
                    let at = found.finding.location.expect("a located finding");
                    prop_assert!(at.line.is_some_and(|l| (1..=lines).contains(&l)), "{:?}", at);
                    prop_assert!(!found.finding.message.is_empty());
                }
            }
            Err(Failure::Invalid { location, .. }) => {
                let line = location.and_then(|l| l.line);
                prop_assert!(line.is_some_and(|l| (1..=lines).contains(&l)), "{:?}", line);
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
