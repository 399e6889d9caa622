//! Image references as manifests spell them (name, tag, digest; the repository as Docker
//! resolves it), and images pinned by digest, as `expect-image` and `set-image` name them. Pure.

use crate::registry::reference::{parse_image, valid_digest};

/// An image reference split as Docker splits it: name, tag, digest.
pub struct Parts<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub fn split(image: &str) -> Parts<'_> {
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

/// The repository of an image reference, whatever its tag or digest, as Docker resolves it
/// (`nginx:1.27` is `docker.io`, `library/nginx`); `None` when it names none (`${IMAGE}`).
pub fn repository(image: &str) -> Option<(String, String)> {
    parse_image(split(image).name)
        .ok()
        .map(|r| (r.host, r.path))
}

/// An image pinned by digest, `<image>@sha256:…`: the image being deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedImage {
    /// As given, for messages.
    pub reference: String,
    /// The repository, as Docker resolves it (`docker.io/library/nginx`).
    pub repository: (String, String),
    pub digest: String,
}

impl ExpectedImage {
    /// The value of `expect-image`.
    pub fn parse(input: &str) -> Result<ExpectedImage, String> {
        Self::parse_as(input, "expect-image")
    }

    /// `input` as the input named `field` gives it; errors name that input.
    pub fn parse_as(input: &str, field: &str) -> Result<ExpectedImage, String> {
        let reference = input.trim();
        let parts = split(reference);
        let digest = parts.digest.filter(|d| valid_digest(d)).ok_or_else(|| {
            format!("`{field}` {reference:?} is not <image>@sha256:<64 hex digits>")
        })?;
        let repository = parse_image(parts.name).map_err(|e| format!("`{field}`: {e}"))?;
        Ok(ExpectedImage {
            reference: reference.to_string(),
            repository: (repository.host, repository.path),
            digest: digest.to_string(),
        })
    }

    /// Is `image` (any tag or digest) of this image's repository?
    pub fn is_repository_of(&self, image: &str) -> bool {
        repository(image).is_some_and(|r| r == self.repository)
    }
}
