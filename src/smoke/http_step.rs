//! The HTTP transport: one attempt of a step through `crate::http`'s client, and what the
//! WebSocket transport shares with it (the target URL, the timeout, protected headers).

use super::check::{self, Observed};
use super::exec::{Ctx, DEFAULT_REQUEST_TIMEOUT, MAX_BODY, Outcome};
use super::spec::{Step, Text};
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

pub(super) type Attempt = (Outcome, Option<u16>, BTreeMap<String, String>);

pub(super) async fn attempt_http(
    ctx: &Ctx,
    step: &Step,
    until: Instant,
    version: Option<Option<String>>,
) -> Attempt {
    let fail = |m: String| (Outcome::Failed(vec![m]), None, BTreeMap::new());
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
    let method = step.method.as_deref().unwrap_or("GET").to_uppercase();
    let method = match reqwest::Method::from_bytes(method.as_bytes()) {
        Ok(m) => m,
        Err(_) => return fail(format!("unknown method {method}")),
    };
    let mut headers = reqwest::header::HeaderMap::new();
    let mut content_type = None;
    let body: Option<Vec<u8>> = if let Some(json) = &step.json {
        content_type = Some("application/json");
        Some(serde_json::to_vec(json).unwrap_or_default())
    } else if let Some(form) = &step.form {
        content_type = Some("application/x-www-form-urlencoded");
        let mut u = reqwest::Url::parse("http://form.invalid/").expect("a constant URL parses");
        u.query_pairs_mut()
            .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.0.as_str())));
        Some(u.query().unwrap_or_default().as_bytes().to_vec())
    } else {
        step.body.as_ref().map(|b| b.as_bytes().to_vec())
    };
    if let Some(ct) = content_type {
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static(ct),
        );
    }
    for (k, Text(v)) in &step.headers {
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
        headers.insert(name, value);
    }
    let timeout = request_timeout(ctx, step, until);
    let policy = crate::http::Policy {
        attempts: 1,
        timeout,
        ..Default::default()
    };
    let start = Instant::now();
    let response = crate::http::send(&policy, Some(until), || {
        let mut r = ctx
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
        Err(e) => {
            return (
                Outcome::Unreachable(format!("{} {}: {}", method, e.url, e.reason)),
                None,
                BTreeMap::new(),
            );
        }
    };
    let latency = start.elapsed();
    let status = response.status().as_u16();
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
    for (name, value) in &response_headers {
        if name == "set-cookie" {
            protect_header("cookie", value.split(';').next().unwrap_or_default());
        }
    }
    let (body, truncated) = match crate::http::read_limited(response, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Unreachable(format!(
                    "{method} {}: {}",
                    crate::http::redacted_url(&url),
                    crate::http::describe(&e)
                )),
                Some(status),
                BTreeMap::new(),
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
    if step.expect.status.is_none() && !(200..400).contains(&status) {
        failures.insert(
            0,
            format!(
                "expected a 2xx or 3xx status, got {status}; body: {}",
                got.excerpt()
            ),
        );
    }
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
    finish(failures, &step.capture, &got)
}

pub(super) fn finish(
    failures: Vec<String>,
    captures: &BTreeMap<String, super::spec::Capture>,
    got: &Observed,
) -> Attempt {
    if !failures.is_empty() {
        return (Outcome::Failed(failures), got.status, BTreeMap::new());
    }
    match check::capture(captures, got) {
        Ok(c) => (Outcome::Passed, got.status, c),
        Err(e) => (Outcome::Failed(vec![e]), got.status, BTreeMap::new()),
    }
}
