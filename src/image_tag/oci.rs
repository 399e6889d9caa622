//! OCI naming rules: tags (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) and image names (the reference
//! grammar of the distribution spec: `[domain[:port]/]path-component[/path-component]*`).

/// Longest tag the OCI distribution spec accepts.
pub const MAX_TAG_LEN: usize = 128;
/// Longest repository name (domain included) registries accept.
pub const MAX_NAME_LEN: usize = 255;

/// True when `tag` is a valid OCI tag.
pub fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_TAG_LEN
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// What `sanitize_tag` had to do beyond replacing invalid characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    pub tag: String,
    /// Leading `.` or `-` were removed.
    pub trimmed_start: bool,
    /// The tag was cut to 128 characters.
    pub truncated: bool,
}

/// Makes a valid OCI tag out of any string: every run of characters outside `[A-Za-z0-9_.-]` becomes
/// one `-` (as docker/metadata-action does), then leading `.` and `-` are removed and the tag is cut
/// to 128 characters. An empty result means there is no tag to make.
pub fn sanitize_tag(raw: &str) -> Sanitized {
    let mut out = String::with_capacity(raw.len());
    let mut in_invalid = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
            in_invalid = false;
        } else if !in_invalid {
            out.push('-');
            in_invalid = true;
        }
    }
    let start = out.trim_start_matches(['.', '-']);
    let trimmed_start = start.len() != out.len() && !start.is_empty();
    let mut tag = start.to_string();
    let truncated = tag.len() > MAX_TAG_LEN;
    // Only ASCII is left, so byte and character counts agree.
    tag.truncate(MAX_TAG_LEN);
    Sanitized {
        tag,
        trimmed_start,
        truncated,
    }
}

/// Why an image name is not a valid OCI repository name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("it is {0} characters long, the limit is 255")]
    TooLong(usize),
    #[error(
        "it carries a tag or digest (`{0}`); give the repository name only, tags come from `tags`"
    )]
    HasTagOrDigest(String),
    #[error("registry host `{0}` is not a valid host[:port]")]
    BadDomain(String),
    #[error(
        "path component `{0}` must be lowercase letters and digits, separated by `.`, `_`, `__` or dashes, and neither start nor end with a separator"
    )]
    BadComponent(String),
}

/// Normalises (lower case, as docker/metadata-action does) and validates an image name against
/// the OCI reference grammar.
pub fn normalize_image_name(name: &str) -> Result<String, NameError> {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong(name.len()));
    }
    if let Some(at) = name.find('@') {
        return Err(NameError::HasTagOrDigest(name[at..].to_string()));
    }
    let (domain, path) = split_domain(&name);
    if let Some(domain) = domain
        && !is_valid_domain(domain)
    {
        return Err(NameError::BadDomain(domain.to_string()));
    }
    let components: Vec<&str> = path.split('/').collect();
    if let Some(last) = components.last()
        && let Some(colon) = last.find(':')
    {
        return Err(NameError::HasTagOrDigest(last[colon..].to_string()));
    }
    for component in components {
        if !is_valid_path_component(component) {
            return Err(NameError::BadComponent(component.to_string()));
        }
    }
    Ok(name)
}

/// The first component is a registry host when it has a `.` or `:`, or is `localhost`.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn is_valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !domain.ends_with(']') => (host, Some(port)),
        _ => (domain, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !c.starts_with('-')
                && !c.ends_with('-')
        })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, the distribution spec's path component.
pub(crate) fn is_valid_path_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_sanitized_like_metadata_action() {
        assert_eq!(sanitize_tag("my/branch").tag, "my-branch");
        assert_eq!(sanitize_tag("feat/#12 fix").tag, "feat-12-fix");
        assert_eq!(sanitize_tag("v1.2.3+build").tag, "v1.2.3-build");
    }

    #[test]
    fn tags_never_start_with_a_separator_nor_exceed_128() {
        let s = sanitize_tag("-.-x");
        assert_eq!(s.tag, "x");
        assert!(s.trimmed_start);
        let s = sanitize_tag(&"a".repeat(200));
        assert_eq!(s.tag.len(), 128);
        assert!(s.truncated);
        assert_eq!(sanitize_tag("///").tag, "");
    }

    #[test]
    fn valid_tags() {
        assert!(is_valid_tag("_x"));
        assert!(is_valid_tag("v1.0"));
        assert!(!is_valid_tag(".x"));
        assert!(!is_valid_tag("-x"));
        assert!(!is_valid_tag(""));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }

    #[test]
    fn image_names_follow_the_reference_grammar() {
        assert_eq!(normalize_image_name("Name/App").unwrap(), "name/app");
        assert!(normalize_image_name("ghcr.io/owner/app").is_ok());
        assert!(normalize_image_name("localhost:5000/a/b").is_ok());
        assert!(normalize_image_name("[::1]:5000/app").is_ok());
        assert!(normalize_image_name("a__b/c-d/e.f/g---h").is_ok());
        assert_eq!(
            normalize_image_name("app:1.0"),
            Err(NameError::HasTagOrDigest(":1.0".into()))
        );
        assert!(matches!(
            normalize_image_name("app@sha256:abc"),
            Err(NameError::HasTagOrDigest(_))
        ));
        assert!(matches!(
            normalize_image_name("-app"),
            Err(NameError::BadComponent(_))
        ));
        assert!(matches!(
            normalize_image_name("a..b"),
            Err(NameError::BadComponent(_))
        ));
        assert!(matches!(
            normalize_image_name("a___b"),
            Err(NameError::BadComponent(_))
        ));
        assert!(matches!(
            normalize_image_name("my app"),
            Err(NameError::BadComponent(_))
        ));
        assert!(matches!(
            normalize_image_name("reg-.io/app"),
            Err(NameError::BadDomain(_))
        ));
        assert!(matches!(
            normalize_image_name("reg.io:x/app"),
            Err(NameError::BadDomain(_))
        ));
        assert_eq!(normalize_image_name(" "), Err(NameError::Empty));
    }
}
