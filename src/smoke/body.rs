//! Bodies from fixtures: their paths (relative to the spec) checked against the upload limit
//! before anything is sent, the content type a file's extension implies, and
//! `multipart/form-data` (RFC 7578) built from text fields and files.

/// The largest body a step may send from files (`body-file`, `multipart`), checked before
/// anything is sent.
pub const MAX_UPLOAD: u64 = 10 * 1024 * 1024;

/// Makes a step's fixture paths relative to the spec's directory, and refuses a missing file
/// or fixtures larger than `MAX_UPLOAD` in all.
pub fn resolve_files(
    step: &mut super::spec::Step,
    spec_dir: &std::path::Path,
) -> Result<(), String> {
    let mut total = 0u64;
    let mut check = |path: &mut String, what: &str| -> Result<(), String> {
        let full = spec_dir.join(&*path);
        let meta =
            std::fs::metadata(&full).map_err(|e| format!("{what} {path}: cannot read it: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{what} {path}: not a file"));
        }
        total += meta.len();
        if total > MAX_UPLOAD {
            return Err(format!(
                "{what} {path}: the step's files are {} bytes in all, more than the upload limit of {MAX_UPLOAD} bytes",
                total
            ));
        }
        *path = full.to_string_lossy().into_owned();
        Ok(())
    };
    if let Some(path) = &mut step.body_file {
        check(path, "body-file")?;
    }
    if let Some(m) = &mut step.multipart {
        for path in m.files.values_mut() {
            check(path, "multipart file")?;
        }
    }
    Ok(())
}

/// The content type for a file, by its extension.
pub fn content_type_of(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("yaml" | "yml") => "application/yaml",
        Some("txt") => "text/plain",
        Some("csv") => "text/csv",
        Some("html" | "htm") => "text/html",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("pdf") => "application/pdf",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// A file part: its form name, file name, content type and bytes.
pub struct FilePart<'a> {
    pub name: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// The body and its `Content-Type` (with the boundary).
pub fn multipart(boundary: &str, fields: &[(&str, &str)], files: &[FilePart]) -> (Vec<u8>, String) {
    // Quotes and line breaks in names are percent-encoded, as browsers do (HTML's form data).
    let quoted = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quoted(name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    for f in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                quoted(f.name),
                quoted(f.file_name),
                f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// A boundary that no body is likely to contain.
pub fn boundary() -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ready-smoke-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type_of("fixtures/order.XML"), "application/xml");
        assert_eq!(content_type_of("a.json"), "application/json");
        assert_eq!(content_type_of("blob"), "application/octet-stream");
    }

    #[test]
    fn multipart_shape() {
        let (body, ct) = multipart(
            "B",
            &[("title", "Q\"3")],
            &[FilePart {
                name: "file",
                file_name: "a.txt",
                content_type: "text/plain",
                bytes: b"hi",
            }],
        );
        assert_eq!(ct, "multipart/form-data; boundary=B");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nQ\"3\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B--\r\n"
        );
    }
}
