//! `immutable-image`: every container's image by digest or by a sha tag, never `:latest` or no
//! tag, so that what runs is what was tested and a rollback returns to the same bytes.
//! `expected-image` (with `expect-image`): every container of the image the pipeline deploys
//! references exactly the digest just pushed.

use super::super::objects::{Object, container_name};
use super::{Context, Findings, Rule};
use crate::registry::reference::{parse_image, valid_digest};
use crate::yaml::Node;

/// The image the pipeline deploys: `<image>@sha256:…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedImage {
    /// As given, for messages.
    pub reference: String,
    /// The repository, as Docker resolves it (`docker.io/library/nginx`).
    repository: (String, String),
    digest: String,
}

impl ExpectedImage {
    pub fn parse(input: &str) -> Result<ExpectedImage, String> {
        let reference = input.trim();
        let parts = split(reference);
        let digest = parts.digest.filter(|d| valid_digest(d)).ok_or_else(|| {
            format!("`expect-image` {reference:?} is not <image>@sha256:<64 hex digits>")
        })?;
        let repository = parse_image(parts.name).map_err(|e| format!("`expect-image`: {e}"))?;
        Ok(ExpectedImage {
            reference: reference.to_string(),
            repository: (repository.host, repository.path),
            digest: digest.to_string(),
        })
    }
}

/// An image reference split as Docker splits it: name, tag, digest.
struct Parts<'a> {
    name: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

fn split(image: &str) -> Parts<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    // A tag's `:` comes after the last `/`; an earlier one is a registry's port.
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => Parts {
            name: &rest[..slash + i],
            tag: Some(&rest[slash + i + 1..]),
            digest,
        },
        None => Parts {
            name: rest,
            tag: None,
            digest,
        },
    }
}

/// A tag made from a commit: `sha-<hex>` (image-tag, metadata-action) or 7–40 hex digits.
fn is_sha_tag(tag: &str) -> bool {
    let hex = tag.strip_prefix("sha-").unwrap_or(tag);
    (7..=40).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn images(object: &Object) -> impl Iterator<Item = (&Node, &Node, &str)> {
    object.all_containers().filter_map(|c| {
        let node = c.get("image")?;
        Some((c, node, node.as_str()?))
    })
}

pub fn immutable(object: &Object, out: &mut Findings) {
    for (c, node, image) in images(object) {
        let parts = split(image);
        if parts.digest.is_some() {
            continue;
        }
        let why = match parts.tag {
            None => "has no tag, which means :latest".to_string(),
            Some("latest") => "is :latest".to_string(),
            Some(tag) if is_sha_tag(tag) => continue,
            Some(tag) => format!("uses the tag {tag:?}, which can be moved"),
        };
        out.push(
            Rule::ImmutableImage,
            node,
            format!(
                "{} container {}: image {image} {why}; reference it by digest (@sha256:…) or by a sha tag",
                object.reference(),
                container_name(c)
            ),
        );
    }
}

/// Is `image` of the expected repository?
fn same_repository(image: &str, expected: &ExpectedImage) -> bool {
    parse_image(split(image).name).is_ok_and(|r| (r.host, r.path) == expected.repository)
}

pub fn expected(cx: &Context, object: &Object, out: &mut Findings) {
    let Some(expected) = &cx.options.expect_image else {
        return;
    };
    for (c, node, image) in images(object) {
        if same_repository(image, expected) && split(image).digest != Some(&expected.digest) {
            out.push(
                Rule::ExpectedImage,
                node,
                format!(
                    "{} container {}: image {image} is not the image being deployed, {}",
                    object.reference(),
                    container_name(c),
                    expected.reference
                ),
            );
        }
    }
}

/// When no container at all runs the expected image: the pipeline deploys manifests that do
/// not deploy what it built.
pub fn missing_everywhere(objects: &[Object], expected: &ExpectedImage) -> Option<String> {
    let used = objects
        .iter()
        .any(|o| images(o).any(|(_, _, image)| same_repository(image, expected)));
    (!used).then(|| {
        format!(
            "no container in the manifests runs {}, the image being deployed",
            expected.reference
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings_of, options};
    use super::super::{Options, Rule};
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn expected_images_are_image_and_digest() {
        let e = ExpectedImage::parse(&format!("ghcr.io/org/app@{DIGEST}")).unwrap();
        assert_eq!(e.repository, ("ghcr.io".into(), "org/app".into()));
        assert!(ExpectedImage::parse(&format!("nginx:1.27@{DIGEST}")).is_ok());
        for bad in [
            "ghcr.io/org/app:latest",
            "ghcr.io/org/app@sha256:12",
            "",
            "@sha256:x",
        ] {
            assert!(ExpectedImage::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_and_digests() {
        let text = format!(
            "\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  initContainers:
    - {{name: init, image: busybox}}
  containers:
    - {{name: latest, image: 'ghcr.io/org/app:latest'}}
    - {{name: moving, image: 'localhost:5000/app:v1.2'}}
    - {{name: sha, image: 'ghcr.io/org/app:sha-0a1b2c3'}}
    - {{name: digest, image: 'ghcr.io/org/app@{DIGEST}'}}
    - {{name: other-digest, image: 'ghcr.io/org/app:1.0@sha256:{}'}}
    - {{name: elsewhere, image: 'ghcr.io/org/worker:sha-0a1b2c3'}}
",
            "f".repeat(64)
        );
        let mut o: Options = options();
        insta::assert_snapshot!("immutable", findings_of(Rule::ImmutableImage, &text, &o));
        o.expect_image = Some(ExpectedImage::parse(&format!("ghcr.io/org/app@{DIGEST}")).unwrap());
        insta::assert_snapshot!("expected", findings_of(Rule::ExpectedImage, &text, &o));
        o.expect_image = Some(ExpectedImage::parse(&format!("ghcr.io/org/api@{DIGEST}")).unwrap());
        insta::assert_snapshot!(
            "expected_nowhere",
            findings_of(Rule::ExpectedImage, &text, &o)
        );
    }
}
