//! The HTTP transport: one attempt of a step through `crate::http`'s client (the body, the
//! cookie jar, a CORS preflight, the served certificate), and what the WebSocket transport
//! shares with it (the target URL, the timeout, protected headers, the attempt's shape).

use super::check::{self, Observed};
use super::exec::{Ctx, DEFAULT_REQUEST_TIMEOUT, MAX_BODY, Outcome};
use super::spec::{Cors, Step, Text};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

pub(super) fn request_timeout(ctx: &Ctx, step: &Step, until: Instant) -> Duration {
    let t = step
        .timeout
        .or(ctx.defaults.timeout)
        .map_or(DEFAULT_REQUEST_TIMEOUT, |d| d.0);
    t.min(until.saturating_duration_since(Instant::now()))
        .max(Duration::from_millis(1))
}

pub(super) fn target(
    ctx: &Ctx,
    path: &Option<String>,
    url: &Option<String>,
) -> Result<reqwest::Url, String> {
    let text = match (path, url) {
        (_, Some(url)) => url.clone(),
        (Some(path), None) => {
            let base = ctx
                .base
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/');
            if path.starts_with('/') {
                format!("{base}{path}")
            } else {
                format!("{base}/{path}")
            }
        }
        (None, None) => return Err("no path or url".into()),
    };
    reqwest::Url::parse(&text).map_err(|e| format!("{text:?} is not a URL: {e}"))
}
/// Registers the credential inside an Authorization or Cookie header as a secret, so that it is
/// redacted even if the service echoes it back.
pub(super) fn protect_header(name: &str, value: &str) {
    let lower = name.to_ascii_lowercase();
    if !check::is_sensitive_header(&lower) {
        return;
    }
    let secret = |v: &str| {
        if v.trim().len() >= 4 {
            crate::gha::secrets::register(v.trim());
        }
    };
    if lower.ends_with("authorization") {
        // The credential after the scheme (`Bearer xyz`), so that the scheme stays readable.
        match value.trim().split_once(' ') {
            Some((_, credential)) => secret(credential),
            None => secret(value),
        }
    } else if lower.contains("cookie") {
        for pair in value.split(';') {
            match pair.split_once('=') {
                Some((_, v)) => secret(v),
                None => secret(pair),
            }
        }
    } else {
        secret(value);
    }
}

/// One attempt of a step: its outcome, the status, what it captured, and what the summary and
/// the JSON report show of it.
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub captures: BTreeMap<String, String>,
    /// Time to the response headers (or the WebSocket handshake).
    pub latency: Option<Duration>,
    pub certificate: Option<super::cert::Seen>,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: Option<String>,
}

impl Attempt {
    pub fn new(outcome: Outcome, status: Option<u16>) -> Self {
        Attempt {
            outcome,
            status,
            captures: BTreeMap::new(),
            latency: None,
            certificate: None,
            http_version: None,
        }
    }

    pub fn failed(message: String) -> Self {
        Attempt::new(Outcome::Failed(vec![message]), None)
    }
}

/// The body a step sends and its content type, read from its fixtures where it has them.
fn request_body(step: &Step) -> Result<(Option<Vec<u8>>, Option<String>), String> {
    let read = |path: &str| {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        if bytes.len() as u64 > super::body::MAX_UPLOAD {
            return Err(format!("{path} is larger than the upload limit"));
        }
        Ok(bytes)
    };
    if let Some(json) = &step.json {
        return Ok((
            Some(serde_json::to_vec(json).unwrap_or_default()),
            Some("application/json".into()),
        ));
    }
    if let Some(form) = &step.form {
        let mut u = reqwest::Url::parse("http://form.invalid/").expect("a constant URL parses");
        u.query_pairs_mut()
            .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.0.as_str())));
        return Ok((
            Some(u.query().unwrap_or_default().as_bytes().to_vec()),
            Some("application/x-www-form-urlencoded".into()),
        ));
    }
    if let Some(path) = &step.body_file {
        let ct = step
            .content_type
            .clone()
            .unwrap_or_else(|| super::body::content_type_of(path).to_string());
        return Ok((Some(read(path)?), Some(ct)));
    }
    if let Some(m) = &step.multipart {
        let mut files = Vec::new();
        for (name, path) in &m.files {
            files.push((name.as_str(), path.as_str(), read(path)?));
        }
        let fields: Vec<(&str, &str)> = m
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.0.as_str()))
            .collect();
        let parts: Vec<super::body::FilePart> = files
            .iter()
            .map(|(name, path, bytes)| super::body::FilePart {
                name,
                file_name: std::path::Path::new(path)
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or("file"),
                content_type: super::body::content_type_of(path),
                bytes,
            })
            .collect();
        let (body, ct) = super::body::multipart(&super::body::boundary(), &fields, &parts);
        return Ok((Some(body), Some(ct)));
    }
    Ok((
        step.body.as_ref().map(|b| b.as_bytes().to_vec()),
        step.content_type.clone(),
    ))
}

/// The headers of a CORS preflight.
fn preflight_headers(c: &Cors) -> Vec<(String, String)> {
    let mut h = vec![
        ("Origin".to_string(), c.origin.clone()),
        (
            "Access-Control-Request-Method".to_string(),
            c.method.as_deref().unwrap_or("GET").to_uppercase(),
        ),
    ];
    if !c.headers.is_empty() {
        h.push((
            "Access-Control-Request-Headers".to_string(),
            c.headers.join(", ").to_ascii_lowercase(),
        ));
    }
    h
}

pub(super) async fn attempt_http(
    ctx: &Ctx,
    step: &Step,
    until: Instant,
    version: Option<Option<String>>,
) -> Attempt {
    let fail = Attempt::failed;
    let mut url = match target(ctx, &step.path, &step.url) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    if !step.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &step.query {
            pairs.append_pair(k, &v.0);
        }
    }
    let method = match &step.cors {
        Some(_) => "OPTIONS".to_string(),
        None => step.method.as_deref().unwrap_or("GET").to_uppercase(),
    };
    let method = match reqwest::Method::from_bytes(method.as_bytes()) {
        Ok(m) => m,
        Err(_) => return fail(format!("unknown method {method}")),
    };
    let mut headers = reqwest::header::HeaderMap::new();
    let (body, content_type) = match request_body(step) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let mut own: Vec<(String, String)> = step
        .headers
        .iter()
        .map(|(k, Text(v))| (k.clone(), v.clone()))
        .collect();
    if let Some(ct) = content_type {
        own.insert(0, ("Content-Type".into(), ct));
    }
    if let Some(c) = &step.cors {
        own.extend(preflight_headers(c));
    }
    let use_jar = step.cookies != Some(false);
    if use_jar && let Some(cookie) = ctx.jar.header_for(&url) {
        own.push(("Cookie".into(), cookie));
    }
    for (k, v) in &own {
        protect_header(k, v);
        let name = match reqwest::header::HeaderName::from_bytes(k.as_bytes()) {
            Ok(n) => n,
            Err(_) => return fail(format!("{k:?} is not a header name")),
        };
        let value = match reqwest::header::HeaderValue::from_str(v) {
            Ok(mut value) => {
                value.set_sensitive(check::is_sensitive_header(k));
                value
            }
            Err(_) => return fail(format!("the value of header {k} is not valid")),
        };
        if name == reqwest::header::COOKIE
            && let Some(given) = headers.get(&name).and_then(|g| g.to_str().ok())
        {
            // The spec's own cookies first, then the jar's.
            let joined = format!("{given}; {v}");
            if let Ok(mut j) = reqwest::header::HeaderValue::from_str(&joined) {
                j.set_sensitive(true);
                headers.insert(name, j);
            }
            continue;
        }
        headers.insert(name, value);
    }
    let timeout = request_timeout(ctx, step, until);
    let policy = crate::http::Policy {
        attempts: 1,
        timeout,
        follow_redirects: step.follow_redirects != Some(false),
        ..Default::default()
    };
    let start = Instant::now();
    let response = crate::http::send(&policy, Some(until), || {
        let mut r = ctx
            .net
            .client
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .timeout(timeout);
        if let Some(b) = &body {
            r = r.body(b.clone());
        }
        r
    })
    .await;
    let response = match response {
        Ok(r) => r,
        // A certificate the handshake refused is the service's fault when the step checks it.
        Err(e) if step.expect.certificate.is_some() && e.reason.contains("certificate") => {
            return fail(format!(
                "certificate: the TLS handshake refused it: {}",
                e.reason
            ));
        }
        Err(e) => {
            return Attempt::new(
                Outcome::Unreachable(format!("{} {}: {}", method, e.url, e.reason)),
                None,
            );
        }
    };
    let latency = start.elapsed();
    let status = response.status().as_u16();
    let http_version = format!("{:?}", response.version());
    let certificate = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|t| t.peer_certificate())
        .map(|der| super::cert::inspect(der, url.host_str().unwrap_or_default()));
    let response_headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // A session the service hands out is a credential too.
    let set_cookies: Vec<String> = response_headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .map(|(_, value)| value.clone())
        .collect();
    for value in &set_cookies {
        protect_header("cookie", value.split(';').next().unwrap_or_default());
    }
    if use_jar {
        ctx.jar.store(response.url(), &set_cookies);
    }
    let (body, truncated) = match crate::http::read_limited(response, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return Attempt::new(
                Outcome::Unreachable(format!(
                    "{method} {}: {}",
                    crate::http::redacted_url(&url),
                    crate::http::describe(&e)
                )),
                Some(status),
            );
        }
    };
    let got = Observed {
        status: Some(status),
        headers: response_headers,
        latency,
        body,
        truncated,
    };
    let mut failures = check::check(&step.expect, &got);
    let refused_preflight = step.cors.as_ref().is_some_and(|c| !c.allowed);
    if step.expect.status.is_none() && !refused_preflight && !(200..400).contains(&status) {
        failures.insert(
            0,
            format!(
                "expected a 2xx or 3xx status, got {status}; body: {}",
                got.excerpt()
            ),
        );
    }
    if let Some(c) = &step.cors {
        failures.extend(check::cors(c, &got));
    }
    let base_path = ctx
        .base
        .as_deref()
        .and_then(|b| reqwest::Url::parse(b).ok())
        .map(|b| b.path().to_string())
        .unwrap_or_default();
    failures.extend(ctx.schemas.check(
        step.name.as_deref().unwrap_or_default(),
        method.as_str(),
        url.path(),
        &base_path,
        &got,
    ));
    let certificate = match (certificate, &step.expect.certificate) {
        (Some(Ok(seen)), Some(expect)) => {
            failures.extend(super::cert::check(
                expect,
                &seen,
                url.host_str().unwrap_or_default(),
                jiff::Timestamp::now(),
            ));
            Some(seen)
        }
        (Some(Ok(seen)), None) => Some(seen),
        (Some(Err(e)), Some(_)) => {
            failures.push(format!("certificate: {e}"));
            None
        }
        (None, Some(_)) => {
            failures.push("certificate: the URL is not https, there is no certificate".into());
            None
        }
        (_, None) => None,
    };
    if let Some(json_path) = version
        && failures.is_empty()
        && let Some(expected) = &ctx.expect_version
    {
        match check::reported_version(&got, json_path.as_deref()) {
            Some(reported) if check::versions_match(&reported, expected) => {}
            Some(reported) => failures.push(format!(
                "expected version {expected}, the service reports {reported}"
            )),
            None => failures.push(format!(
                "expected version {expected}, found no version in: {}",
                got.excerpt()
            )),
        }
    }
    Attempt {
        certificate,
        http_version: Some(http_version),
        latency: Some(latency),
        ..finish(failures, &step.capture, &got)
    }
}

pub(super) fn finish(
    failures: Vec<String>,
    captures: &BTreeMap<String, super::spec::Capture>,
    got: &Observed,
) -> Attempt {
    if !failures.is_empty() {
        return Attempt::new(Outcome::Failed(failures), got.status);
    }
    match check::capture(captures, got) {
        Ok(c) => Attempt {
            captures: c,
            ..Attempt::new(Outcome::Passed, got.status)
        },
        Err(e) => Attempt::new(Outcome::Failed(vec![e]), got.status),
    }
}
