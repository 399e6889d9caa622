//! Manifest media types and content digests. Pure.

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The OCI empty descriptor's media type and content (`{}`), used as an artifact's config.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const EMPTY_JSON: &[u8] = b"{}";

/// The manifest types we ask for and can copy, best first: indexes before single manifests, so a
/// multi-platform tag is resolved to its index and never to one platform.
pub const ACCEPTED: [&str; 4] = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// The `Accept` header for manifest requests.
pub fn accept_header() -> String {
    ACCEPTED.join(", ")
}

/// `sha256:<hex>` of the bytes.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in digest.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The media type to store a manifest under: its own `mediaType` field where it has one (the
/// registry checks that they agree), else the `Content-Type` it was served with.
pub fn media_type(bytes: &[u8], content_type: Option<&str>) -> Result<String, String> {
    let from_body = serde_json::from_slice::<serde_json::Value>(bytes)
        .map_err(|e| format!("the manifest is not JSON: {e}"))?
        .get("mediaType")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let from_header = content_type
        .map(|c| c.split(';').next().unwrap_or_default().trim().to_string())
        .filter(|c| !c.is_empty());
    let media_type = from_body
        .or(from_header)
        .ok_or("the manifest has no media type")?;
    if ACCEPTED.contains(&media_type.as_str()) {
        Ok(media_type)
    } else {
        Err(format!(
            "the manifest's media type {media_type} is not one we copy ({})",
            ACCEPTED.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_values() {
        assert_eq!(
            sha256(EMPTY_JSON),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(
            sha256(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn media_type_prefers_the_body() {
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert_eq!(media_type(index, Some(DOCKER_MANIFEST)).unwrap(), OCI_INDEX);
        let bare = br#"{"schemaVersion":2,"config":{}}"#;
        assert_eq!(
            media_type(
                bare,
                Some("application/vnd.oci.image.manifest.v1+json; charset=utf-8")
            )
            .unwrap(),
            OCI_MANIFEST
        );
        assert!(
            media_type(bare, None)
                .unwrap_err()
                .contains("no media type")
        );
        let v1 = br#"{"schemaVersion":1}"#;
        assert!(
            media_type(
                v1,
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws")
            )
            .unwrap_err()
            .contains("not one we copy")
        );
        assert!(media_type(b"<", None).is_err());
        assert!(accept_header().starts_with(OCI_INDEX));
    }
}

/// The label that records the commit an image was built from (image-tag sets it).
pub const REVISION_LABEL: &str = "org.opencontainers.image.revision";

/// What an image manifest or index points at next, on the way to the image's labels.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// An index: the first platform image (attestation entries, `unknown/unknown`, are skipped).
    Manifest(String),
    /// An image manifest: its config blob.
    Config(String),
    None,
}

/// Where to look next for an image's labels, from a manifest's or index's bytes.
pub fn next_for_labels(bytes: &[u8]) -> Next {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Next::None;
    };
    if let Some(config) = doc["config"]["digest"].as_str() {
        return Next::Config(config.to_string());
    }
    let platform_image = doc["manifests"].as_array().and_then(|entries| {
        entries.iter().find(|e| {
            e["platform"]["os"].as_str() != Some("unknown") && e["digest"].as_str().is_some()
        })
    });
    match platform_image.and_then(|e| e["digest"].as_str()) {
        Some(digest) => Next::Manifest(digest.to_string()),
        None => Next::None,
    }
}

/// The revision label of an image config blob, if it has one.
pub fn revision_label(config: &[u8]) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(config).ok()?;
    doc["config"]["Labels"][REVISION_LABEL]
        .as_str()
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn the_revision_is_found_through_an_index_past_attestations() {
        let index = br#"{"manifests": [
            {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}},
            {"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}}]}"#;
        assert_eq!(next_for_labels(index), Next::Manifest("sha256:amd".into()));
        let image = br#"{"config": {"digest": "sha256:cfg"}, "layers": []}"#;
        assert_eq!(next_for_labels(image), Next::Config("sha256:cfg".into()));
        assert_eq!(next_for_labels(b"not json"), Next::None);
        let config = br#"{"config": {"Labels": {"org.opencontainers.image.revision": "1a2b"}}}"#;
        assert_eq!(revision_label(config).as_deref(), Some("1a2b"));
        assert_eq!(revision_label(br#"{"config": {}}"#), None);
    }
}
