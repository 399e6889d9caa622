//! `immutable-image`: every container's image by digest or by a sha tag, never `:latest` or no
//! tag, so that what runs is what was tested and a rollback returns to the same bytes.
//! `expected-image` (with `expect-image`): every container of the image the pipeline deploys
//! references exactly the digest just pushed.

use super::super::images::{ExpectedImage, split};
use super::super::objects::{Object, container_name};
use super::{Context, Findings, Rule};
use crate::yaml::Node;

/// A tag made from a commit: `sha-<hex>` (image-tag, metadata-action) or 7–40 hex digits.
fn is_sha_tag(tag: &str) -> bool {
    let hex = tag.strip_prefix("sha-").unwrap_or(tag);
    (7..=40).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn images(object: &Object) -> impl Iterator<Item = (&Node, &Node, &str)> {
    object.every_container().filter_map(|c| {
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

pub fn expected(cx: &Context, object: &Object, out: &mut Findings) {
    let Some(expected) = &cx.options.expect_image else {
        return;
    };
    for (c, node, image) in images(object) {
        if expected.is_repository_of(image) && split(image).digest != Some(&expected.digest) {
            // An image `set-image` put there says so: the file shows another one.
            let set = object
                .set_images
                .iter()
                .find(|s| (s.line, s.column) == (node.line, node.column))
                .map(|s| format!(" (set by set-image; the file says {})", s.from))
                .unwrap_or_default();
            out.push(
                Rule::ExpectedImage,
                node,
                format!(
                    "{} container {}: image {image}{set} is not the image being deployed, {}",
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
        .any(|o| images(o).any(|(_, _, image)| expected.is_repository_of(image)));
    (!used).then(|| {
        format!(
            "no container in the manifests runs {}, the image being deployed",
            expected.reference
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings_of, findings_set, options};
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

    /// With `set-image`, the rule checks the images the deploy sets: it holds for the
    /// containers set to the image being deployed, says so where another digest was set, and
    /// still fails when no container runs the image at all.
    #[test]
    fn expected_over_the_images_set_image_sets() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - {name: migrate, image: 'ghcr.io/org/app:main'}
      containers:
        - {name: web, image: 'ghcr.io/org/app:main'}
        - {name: proxy, image: 'nginx@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'}
";
        let deployed = format!("ghcr.io/org/app@{DIGEST}");
        let mut o: Options = options();
        o.expect_image = Some(ExpectedImage::parse(&deployed).unwrap());
        let without = findings_of(Rule::ExpectedImage, text, &o);
        assert_eq!(without.lines().count(), 2, "{without}");
        assert_eq!(
            findings_set(Rule::ExpectedImage, text, &o, &[&deployed]),
            ""
        );
        assert_eq!(
            findings_set(Rule::ImmutableImage, text, &o, &[&deployed]),
            ""
        );
        let other = format!("ghcr.io/org/app@sha256:{}", "e".repeat(64));
        insta::assert_snapshot!(
            "expected_set_to_another_digest",
            findings_set(Rule::ExpectedImage, text, &o, &[&other])
        );
        o.expect_image = Some(ExpectedImage::parse(&format!("ghcr.io/org/api@{DIGEST}")).unwrap());
        insta::assert_snapshot!(
            "expected_set_but_nowhere",
            findings_set(Rule::ExpectedImage, text, &o, &[&deployed])
        );
    }
}
