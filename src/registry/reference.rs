//! Image names, tags and digests as the OCI distribution spec and Docker spell them. Pure.

/// Where an image repository lives: the registry's base URL and the repository path in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The name as the user wrote it, for messages and `image-ref` (`ghcr.io/org/app`).
    pub image: String,
    /// The registry host, with a port if given (`ghcr.io`, `127.0.0.1:5000`).
    pub host: String,
    /// The repository path inside the registry (`org/app`, `library/nginx`).
    pub path: String,
    /// `http` for loopback registries (as Docker treats them), `https` otherwise.
    pub scheme: &'static str,
}

impl Repository {
    /// The registry's API root, `<scheme>://<host>/v2/`.
    pub fn api_base(&self) -> String {
        let host = match self.host.as_str() {
            "docker.io" => "registry-1.docker.io",
            other => other,
        };
        format!("{}://{host}/v2/", self.scheme)
    }
}

/// Parses `image` (a repository without tag or digest) the way Docker does: the first component is
/// a registry host when it contains `.` or `:` or is `localhost`; otherwise the image is on Docker
/// Hub, where a single name means `library/<name>`. The name is lower-cased first, as image-tag
/// does, so that `ghcr.io/${{ github.repository }}` names the image image-tag pushed.
pub fn parse_image(image: &str) -> Result<Repository, String> {
    let lowered = image.trim().to_ascii_lowercase();
    let image = lowered.as_str();
    if image.is_empty() {
        return Err("`image` is empty: give a repository such as ghcr.io/org/app".into());
    }
    if image.contains("://") {
        return Err(format!(
            "`image` {image:?} has a URL scheme: give the repository as ghcr.io/org/app"
        ));
    }
    if image.contains('@') {
        return Err(format!(
            "`image` {image:?} has a digest: give the repository only, and the digest in `from` or `to`"
        ));
    }
    let (first, rest) = match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, image),
    };
    if rest
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
    {
        return Err(format!(
            "`image` {image:?} has a tag: give the repository only, and the tag in `from` or `to`"
        ));
    }
    for component in rest.split('/') {
        if !crate::image_tag::oci::is_valid_path_component(component) {
            return Err(format!(
                "`image` {image:?} is not a valid repository name: {component:?} must be lower-case letters and digits, separated by `.`, `_`, `__` or dashes"
            ));
        }
    }
    let host = first.unwrap_or("docker.io").to_ascii_lowercase();
    let path = if first.is_none() && !rest.contains('/') {
        format!("library/{rest}")
    } else {
        rest.to_string()
    };
    let scheme = if is_loopback(&host) { "http" } else { "https" };
    let repository = Repository {
        image: image.to_string(),
        host,
        path,
        scheme,
    };
    // Refused here, naming the input: a host that makes no URL (port 99999) would otherwise
    // fail every request later, with no URL to show.
    reqwest::Url::parse(&repository.api_base()).map_err(|e| {
        format!(
            "`image` {image:?}: the registry {:?} is not a host with an optional port ({e})",
            repository.host
        )
    })?;
    Ok(repository)
}

fn is_loopback(host: &str) -> bool {
    let name = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name == "localhost"
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A sha256 digest, `sha256:` and 64 lower-case hex digits (the only algorithm we verify).
pub fn valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What `from` or `to` names: a tag, or a manifest by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tag(String),
    Digest(String),
}

impl Target {
    /// The path segment for `/v2/<name>/manifests/<reference>`.
    pub fn reference(&self) -> &str {
        match self {
            Target::Tag(t) | Target::Digest(t) => t,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Tag(t) => write!(f, ":{t}"),
            Target::Digest(d) => write!(f, "@{d}"),
        }
    }
}

/// Parses what `from` or `to` names in every form users and docker print: a tag, a digest
/// (`sha256:…`, `@sha256:…`, `:tag`), or either after the image itself (`<image>:<tag>`,
/// `<image>@sha256:…`, as `docker inspect` prints RepoDigests), where the image must be `repo`.
pub fn parse_target_of(repo: &Repository, input: &str, what: &str) -> Result<Target, String> {
    let value = input.trim();
    let Some(slash) = value.rfind('/') else {
        return parse_target(value, what);
    };
    // The reference part starts at the digest's `@`, else at the tag's `:` after the last `/`.
    let split = value
        .find('@')
        .or_else(|| value[slash..].find(':').map(|i| slash + i));
    let Some(split) = split else {
        return Err(format!(
            "`{what}` {input:?} names an image but no tag or digest: give <image>:<tag>, <image>@sha256:… or a tag"
        ));
    };
    let named = parse_image(&value[..split]).map_err(|e| format!("`{what}` {input:?}: {e}"))?;
    if (named.host.as_str(), named.path.as_str()) != (repo.host.as_str(), repo.path.as_str()) {
        return Err(format!(
            "`{what}` {input:?} names the image {}, but `image` is {}",
            named.image, repo.image
        ));
    }
    parse_target(&value[split..], what)
}

/// Parses a tag or a digest; `@sha256:…` and `:tag` are accepted too.
pub fn parse_target(input: &str, what: &str) -> Result<Target, String> {
    let value = input.trim();
    let value = value
        .strip_prefix('@')
        .or_else(|| value.strip_prefix(':'))
        .unwrap_or(value);
    if value.contains(':') {
        if valid_digest(value) {
            return Ok(Target::Digest(value.to_string()));
        }
        return Err(format!(
            "`{what}` {input:?} is not a valid digest: expected sha256: and 64 lower-case hex digits"
        ));
    }
    if valid_tag(value) {
        Ok(Target::Tag(value.to_string()))
    } else {
        Err(format!(
            "`{what}` {input:?} is not a valid tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_paths_and_docker_hub() {
        let r = parse_image("ghcr.io/org/app").unwrap();
        assert_eq!(
            (r.host.as_str(), r.path.as_str(), r.scheme),
            ("ghcr.io", "org/app", "https")
        );
        assert_eq!(r.api_base(), "https://ghcr.io/v2/");
        let r = parse_image("nginx").unwrap();
        assert_eq!(r.path, "library/nginx");
        assert_eq!(r.api_base(), "https://registry-1.docker.io/v2/");
        let r = parse_image("someone/app").unwrap();
        assert_eq!(
            (r.host.as_str(), r.path.as_str()),
            ("docker.io", "someone/app")
        );
        let r = parse_image("127.0.0.1:5000/team/app").unwrap();
        assert_eq!(r.api_base(), "http://127.0.0.1:5000/v2/");
        assert_eq!(parse_image("localhost/app").unwrap().scheme, "http");
        assert_eq!(parse_image("[::1]:5000/app").unwrap().scheme, "http");
        assert_eq!(
            parse_image("registry.example:5000/app").unwrap().scheme,
            "https"
        );
    }

    #[test]
    fn images_with_tags_digests_or_bad_names_are_refused() {
        assert!(
            parse_image("ghcr.io/org/app:1.0")
                .unwrap_err()
                .contains("has a tag")
        );
        assert!(
            parse_image("127.0.0.1:5000/app:v1")
                .unwrap_err()
                .contains("has a tag")
        );
        assert!(parse_image("app@sha256:00").unwrap_err().contains("digest"));
        assert!(
            parse_image("https://ghcr.io/a")
                .unwrap_err()
                .contains("scheme")
        );
        // Capitals are lower-cased, as image-tag does for `ghcr.io/${{ github.repository }}`.
        let r = parse_image("ghcr.io/Acme/Drafts").unwrap();
        assert_eq!(
            (r.image.as_str(), r.path.as_str()),
            ("ghcr.io/acme/drafts", "acme/drafts")
        );
        assert!(
            parse_image("ghcr.io/or g/app")
                .unwrap_err()
                .contains("not a valid")
        );
        assert!(parse_image("ghcr.io/org//app").is_err());
        assert!(parse_image("ghcr.io/a-b__c.d/e---f").is_ok());
        assert!(parse_image("ghcr.io/a_-b").is_err());
        assert!(parse_image("  ").is_err());
        assert!(
            parse_image("127.0.0.1:99999/app")
                .unwrap_err()
                .contains("is not a host with an optional port")
        );
    }

    #[test]
    fn targets_after_the_image_as_docker_prints_them() {
        let digest = format!("sha256:{}", "b".repeat(64));
        let repo = parse_image("127.0.0.1:5000/Acme/Drafts").unwrap();
        for input in [
            format!("127.0.0.1:5000/acme/drafts@{digest}"),
            format!("127.0.0.1:5000/Acme/Drafts@{digest}"),
            format!("@{digest}"),
            digest.clone(),
        ] {
            assert_eq!(
                parse_target_of(&repo, &input, "from"),
                Ok(Target::Digest(digest.clone())),
                "{input}"
            );
        }
        assert_eq!(
            parse_target_of(&repo, "127.0.0.1:5000/acme/drafts:sha-1a2b3c4", "from"),
            Ok(Target::Tag("sha-1a2b3c4".into()))
        );
        assert_eq!(
            parse_target_of(&repo, "prod", "to"),
            Ok(Target::Tag("prod".into()))
        );
        assert!(
            parse_target_of(&repo, &format!("127.0.0.1:5000/other@{digest}"), "from")
                .unwrap_err()
                .contains("names the image 127.0.0.1:5000/other")
        );
        assert!(
            parse_target_of(&repo, "127.0.0.1:5000/acme/drafts", "from")
                .unwrap_err()
                .contains("no tag or digest")
        );
        assert!(parse_target_of(&repo, "127.0.0.1:5000/acme/drafts@sha256:zz", "from").is_err());
    }

    #[test]
    fn tags_and_digests() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(parse_target("prod", "to"), Ok(Target::Tag("prod".into())));
        assert_eq!(parse_target(":v1.2", "to"), Ok(Target::Tag("v1.2".into())));
        assert_eq!(
            parse_target(&digest, "from"),
            Ok(Target::Digest(digest.clone()))
        );
        assert_eq!(
            parse_target(&format!("@{digest}"), "from"),
            Ok(Target::Digest(digest.clone()))
        );
        assert!(
            parse_target("sha256:ABC", "from")
                .unwrap_err()
                .contains("digest")
        );
        assert!(
            parse_target("-x", "to")
                .unwrap_err()
                .contains("not a valid tag")
        );
        assert!(parse_target(&"a".repeat(129), "to").is_err());
        assert!(valid_tag(&"a".repeat(128)));
        assert_eq!(
            Target::Digest(digest.clone()).to_string(),
            format!("@{digest}")
        );
        assert_eq!(Target::Tag("x".into()).to_string(), ":x");
    }
}
