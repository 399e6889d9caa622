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
