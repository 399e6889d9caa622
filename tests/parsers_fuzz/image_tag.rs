//! image-tag: the list inputs, the tags DSL, flavors, image names, templates, PEP 440 versions,
//! date formats, and the whole action on generated inputs and event payloads.

use crate::inputs::{self, BINARY_CASES, CASES};
use crate::support;
use jiff::Timestamp;
use proptest::prelude::*;
use ready_actions::image_tag::{datefmt, input, is_valid_tag, pep440, spec, template};

const PUSH: &str = include_str!("../data/image_tag/push_semver_tag/event.json");
const PULL_REQUEST: &str = include_str!("../data/image_tag/pull_request/event.json");

const TAG_FRAGMENTS: &[&str] = &[
    "type=",
    "schedule",
    "semver",
    "pep440",
    "match",
    "edge",
    "ref",
    "raw",
    "sha",
    ",",
    "pattern=",
    "{{version}}",
    "{{major}}.{{minor}}",
    "{{raw}}",
    "{{branch}}",
    "{{tag}}",
    "{{sha}}",
    "{{base_ref}}",
    "{{is_default_branch}}",
    "{{date 'YYYYMMDD' tz='Europe/Berlin'}}",
    "{{date 'x' tz='No/Zone'}}",
    "{{commit_date 'YYYY-MM-DD'}}",
    "{{unknown 'x'}}",
    "{{",
    "}}",
    "{{{",
    "}}}",
    "\\{{",
    "value=",
    "event=",
    "branch",
    "tag",
    "pr",
    "enable=",
    "true",
    "false",
    "priority=",
    "NaN",
    "-1",
    "prefix=",
    "suffix=",
    "group=",
    "1",
    "99",
    "format=",
    "long",
    "short",
    "\"",
    "\"\"",
    "(.*)",
    "v(\\d+)",
    "(?<x>",
    "[",
    "latest",
    "'",
    " ",
    "=",
    "onlatest=",
    "name=",
    "ghcr.io/Octo/App",
    "docker.io/x",
    "a//b",
    "#",
];

/// A `tags` input as the README shows it.
const TAGS: &str = "type=schedule
type=ref,event=branch
type=ref,event=pr
type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=pep440,pattern={{version}}
type=match,pattern=v(\\d+),group=1
type=edge
type=raw,value={{date 'YYYYMMDD'}}
type=sha";

const TYPE_HEADS: &[&str] = &[
    "type=schedule",
    "type=semver",
    "type=pep440",
    "type=match",
    "type=edge",
    "type=ref",
    "type=raw",
    "type=sha",
    "type=nope",
    "{{branch}}",
];
const TAG_KEYS: &[&str] = &[
    "pattern", "value", "event", "enable", "priority", "prefix", "suffix", "group", "format",
    "branch", "match", "PATTERN",
];
const TAG_VALUES: &[&str] = &[
    "{{version}}",
    "{{major}}.{{minor}}",
    "{{major}}",
    "{{raw}}",
    "{{branch}}",
    "{{tag}}",
    "{{sha}}",
    "{{date 'YYYYMMDD-HHmm' tz='Asia/Tokyo'}}",
    "{{date 'x' tz='No/Zone'}}",
    "{{commit_date 'YYYY'}}",
    "{{is_default_branch}}",
    "{{is_not_default_branch}}",
    "{{nope 'a'}}",
    "{{",
    "branch",
    "tag",
    "pr",
    "true",
    "false",
    "short",
    "long",
    "0",
    "1",
    "2",
    "-5",
    "NaN",
    "v(\\d+).(\\d+)",
    "(.*)",
    "(",
    "\"a,b\"",
    "\"",
    "latest",
    "",
    "main",
    "nightly",
];
const FLAVOR_HEADS: &[&str] = &["latest=auto", "latest=true", "latest=false", "latest=maybe"];
const FLAVOR_KEYS: &[&str] = &["prefix", "suffix", "onlatest", "latest", "nope"];
const FLAVOR_VALUES: &[&str] = &["v", "-dev", "", "true", "false", "{{branch}}-", "x y"];
const IMAGE_HEADS: &[&str] = &[
    "ghcr.io/octo-org/app",
    "ghcr.io/Octo-Org/App",
    "docker.io/library/nginx",
    "name=app",
    "127.0.0.1:5000/a/b",
    "a//b",
    "-x",
    "ghcr.io/x:tag",
];
const IMAGE_KEYS: &[&str] = &["name", "enable", "nope"];
const IMAGE_VALUES: &[&str] = &["ghcr.io/o/a", "true", "false", "", "{{x}}"];

const PAYLOAD_WORDS: &[&str] = &[
    "ref",
    "head_commit",
    "commits",
    "timestamp",
    "id",
    "repository",
    "default_branch",
    "pull_request",
    "head",
    "sha",
    "number",
    "refs/heads/main",
    "refs/tags/v1.2.3",
    "2024-05-01T10:00:00+02:00",
    "yesterday",
    "0123456789abcdef0123456789abcdef01234567",
    "license",
    "spdx_id",
    "description",
    "html_url",
];

const EVENTS: &[&str] = &[
    "push",
    "pull_request",
    "pull_request_target",
    "schedule",
    "release",
    "workflow_dispatch",
    "",
];
const REFS: &[&str] = &[
    "refs/heads/main",
    "refs/heads/feature/a#b",
    "refs/tags/v1.2.3",
    "refs/tags/v1.2.3-rc.1",
    "refs/tags/1.0.0.dev4",
    "refs/pull/42/merge",
    "refs/heads/",
    "main",
    "",
];

fn echo(c: &template::Call) -> Result<Option<String>, String> {
    Ok(match c.name.as_str() {
        "version" => Some("1.2.3".into()),
        "date" => Some(c.args.join("/")),
        _ => None,
    })
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn entries_split_into_fields(text in prop_oneof![3 => inputs::soup_lines(TAG_FRAGMENTS), 1 => any::<String>()]) {
        for entry in input::list(&text) {
            prop_assert!(!entry.is_empty() && !entry.starts_with('#'));
            match input::fields(&entry) {
                Ok(fields) => {
                    for f in &fields {
                        prop_assert!(!f.is_empty());
                        if let Some((key, _)) = input::key_value(f) {
                            prop_assert!(!key.chars().any(|c| c.is_ascii_uppercase()));
                        }
                    }
                }
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }

    #[test]
    fn tags_flavors_and_images_parse_or_say_what_is_wrong(
        text in prop_oneof![
            2 => inputs::entry_lines(TYPE_HEADS, TAG_KEYS, TAG_VALUES),
            1 => inputs::entry_lines(FLAVOR_HEADS, FLAVOR_KEYS, FLAVOR_VALUES),
            1 => inputs::entry_lines(IMAGE_HEADS, IMAGE_KEYS, IMAGE_VALUES),
            2 => inputs::soup_lines(TAG_FRAGMENTS),
            1 => any::<String>(),
        ],
    ) {
        let entries = input::list(&text);
        match spec::parse_tags(&entries) {
            Ok(tags) => {
                prop_assert!(!tags.is_empty());
                for t in &tags {
                    prop_assert!(t.attr("enable").is_some() && t.attr("priority").is_some(), "{t}");
                }
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
        if let Err(e) = spec::parse_flavor(&entries) {
            prop_assert!(!e.is_empty());
        }
        match spec::parse_images(&entries) {
            Ok(images) => prop_assert!(images.iter().all(|i| !i.is_empty() && *i == i.to_lowercase())),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn templates_render_or_say_what_is_wrong(text in prop_oneof![3 => inputs::soup(TAG_FRAGMENTS, 12), 1 => any::<String>()]) {
        if let Err(e) = template::render(&text, &mut echo) {
            prop_assert!(!e.is_empty());
        }
        let _ = template::is_raw_statement(&text);
    }

    /// A PEP 440 version's normal form is itself a version with the same normal form.
    #[test]
    fn pep440_versions_normalise_once(text in prop_oneof![
        3 => inputs::soup(&["v", "1", "0", ".", "!", "a", "beta", "rc", "c", "-", "_", "post", "r", "dev", "+", "local", "99999999999999999999", " "], 10),
        1 => any::<String>(),
    ]) {
        if let Some(v) = pep440::Version::parse(&text) {
            let clean = v.clean();
            let again = pep440::Version::parse(&clean);
            prop_assert!(again.is_some(), "{clean:?} from {text:?}");
            prop_assert_eq!(again.unwrap().clean(), clean.clone());
            let _ = (v.major(), v.minor(), v.patch(), v.is_prerelease());
        }
    }

    #[test]
    fn date_formats_render_in_any_zone(
        fmt in prop_oneof![3 => inputs::soup(&["YYYY", "MM", "DD", "Do", "dddd", "HH", "hh", "A", "ZZ", "X", "x", "Q", "[", "]", "-", "T", "é"], 10), 1 => any::<String>()],
        tz in prop_oneof![prop::sample::select(&["UTC", "Europe/Berlin", "Asia/Kathmandu", "Etc/GMT+12", "No/Zone", "", "../../etc/passwd"][..]).prop_map(str::to_string), "\\PC{0,12}"],
        seconds in prop_oneof![Just(Timestamp::MIN.as_second()), Just(Timestamp::MAX.as_second()), Timestamp::MIN.as_second()..=Timestamp::MAX.as_second()],
    ) {
        let at = Timestamp::from_second(seconds).unwrap();
        if let Err(e) = datefmt::format(at, &fmt, &tz) {
            prop_assert!(!e.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(inputs::config(BINARY_CASES))]

    /// The whole action on generated inputs and event payloads: an answer of the action
    /// contract, and on success every tag it outputs is a valid OCI tag.
    #[test]
    fn the_action_answers_any_inputs(
        tags in prop_oneof![
            1 => Just(String::new()),
            3 => Just(TAGS.to_string()),
            2 => inputs::entry_lines(TYPE_HEADS, TAG_KEYS, TAG_VALUES),
            1 => inputs::soup_lines(TAG_FRAGMENTS),
        ],
        flavor in prop_oneof![
            3 => Just(String::new()),
            2 => Just("latest=auto\nprefix=v,onlatest=true".to_string()),
            1 => inputs::entry_lines(FLAVOR_HEADS, FLAVOR_KEYS, FLAVOR_VALUES),
            1 => inputs::soup_lines(TAG_FRAGMENTS),
        ],
        images in prop_oneof![
            1 => Just(String::new()),
            3 => Just("ghcr.io/octo-org/app\nname=docker.io/octo/app,enable=false".to_string()),
            1 => inputs::entry_lines(IMAGE_HEADS, IMAGE_KEYS, IMAGE_VALUES),
            1 => inputs::soup_lines(TAG_FRAGMENTS),
        ],
        aliases in prop_oneof![Just(String::new()), Just("prod, staging".to_string()), inputs::soup(TAG_FRAGMENTS, 4)],
        labels in prop_oneof![Just(String::new()), Just("org.opencontainers.image.title={{branch}}".to_string()), inputs::soup_lines(TAG_FRAGMENTS)],
        sha_length in prop_oneof![8 => prop::sample::select(&["", "7", "12", "40", "99"][..]), 1 => prop::sample::select(&["0", "x", "-1"][..])],
        payload in prop_oneof![inputs::json_doc(PUSH, PAYLOAD_WORDS), inputs::json_doc(PULL_REQUEST, PAYLOAD_WORDS)],
        event in prop::sample::select(EVENTS),
        git_ref in prop::sample::select(REFS),
        epoch in prop::sample::select(&["", "1714550400", "-1", "x"][..]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, &payload).unwrap();
        let dir_text = dir.path().display().to_string();
        let [tags, flavor, images, aliases, labels] =
            [&tags, &flavor, &images, &aliases, &labels].map(|s| inputs::env_value(s));
        let run = support::ready(&["image-tag"], &[
            ("RUNNER_TEMP", &dir_text),
            ("GITHUB_WORKSPACE", &dir_text),
            ("GITHUB_EVENT_PATH", &event_path.display().to_string()),
            ("GITHUB_EVENT_NAME", event),
            ("GITHUB_REF", git_ref),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_REPOSITORY", "octo-org/app"),
            ("SOURCE_DATE_EPOCH", epoch),
            ("INPUT_TAGS", &tags),
            ("INPUT_FLAVOR", &flavor),
            ("INPUT_IMAGES", &images),
            ("INPUT_ALIASES", &aliases),
            ("INPUT_LABELS", &labels),
            ("INPUT_SHA_LENGTH", sha_length),
        ]);
        crate::answered(&run)?;
        if run.code == 0 {
            for tag in run.output("tag-names").lines() {
                prop_assert!(is_valid_tag(tag), "{tag:?}\n{}", run.stdout);
            }
        }
    }
}
