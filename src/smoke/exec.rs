//! Runs a plan: the wait stage, then the steps, independent ones concurrently (up to the plan's
//! concurrency), each with its retries, all under the overall deadline. HTTP goes through
//! `crate::http`; WebSocket steps through tokio-tungstenite with rustls.

use super::check::{self, Observed};
use super::spec::{
    Defaults, Expect, HeaderExpect, JsonAssert, Message, Plan, Planned, Predicate, Retry, Step,
    Text, WebSocket,
};
use super::vars::{interpolate, interpolate_json};
use futures_util::{SinkExt, StreamExt, stream::FuturesUnordered};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Bodies and WebSocket messages are read up to this size.
pub const MAX_BODY: usize = 1024 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_WS_WITHIN: Duration = Duration::from_secs(10);
pub const DEFAULT_WAIT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Expectations that did not hold.
    Failed(Vec<String>),
    /// The service could not be reached or did not answer in time.
    Unreachable(String),
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct StepResult {
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub attempts: u32,
    pub status: Option<u16>,
    pub captures: BTreeMap<String, String>,
}

impl StepResult {
    fn skipped(why: String) -> Self {
        StepResult {
            outcome: Outcome::Skipped(why),
            elapsed: Duration::ZERO,
            attempts: 0,
            status: None,
            captures: BTreeMap::new(),
        }
    }
}

pub struct Ctx {
    pub client: reqwest::Client,
    pub base: Option<String>,
    pub defaults: Defaults,
    pub deadline: Instant,
    pub timeout_text: String,
    /// Inputs, spec variables and built-ins; the environment is the last fallback.
    pub vars: BTreeMap<String, String>,
    pub expect_version: Option<String>,
}

/// What the run found: the wait stage's result, the version check's, then one per step in spec
/// order.
pub struct RunResult {
    pub wait: Option<StepResult>,
    pub version: Option<StepResult>,
    pub steps: Vec<StepResult>,
}

/// Readiness, then the version, then the user path: a step run against the old version proves
/// nothing about the new one.
pub async fn run(ctx: &Ctx, plan: &Plan) -> RunResult {
    let wait = match &plan.wait {
        Some(w) => Some(with_deadline(ctx, run_wait(ctx, w)).await),
        None => None,
    };
    let passed = |r: &Option<StepResult>| r.as_ref().is_none_or(|r| r.outcome == Outcome::Passed);
    let ready = passed(&wait);
    let version = match &plan.version {
        Some(_) if !ready => Some(StepResult::skipped("the service never became ready".into())),
        Some(v) => Some(with_deadline(ctx, run_version(ctx, v, plan.wait.as_ref())).await),
        None => None,
    };
    let n = plan.steps.len();
    let mut results: Vec<Option<StepResult>> = vec![None; n];
    let not_started = match (ready, passed(&version)) {
        (false, _) => Some("the service never became ready"),
        (true, false) => Some("the service does not report the expected version"),
        (true, true) => None,
    };
    if let Some(why) = not_started {
        for r in results.iter_mut() {
            *r = Some(StepResult::skipped(why.into()));
        }
        return RunResult {
            wait,
            version,
            steps: results.into_iter().flatten().collect(),
        };
    }
    let mut vars = ctx.vars.clone();
    let mut started = vec![false; n];
    let mut running = FuturesUnordered::new();
    loop {
        let mut progressed = true;
        while progressed {
            progressed = false;
            for i in 0..n {
                if started[i] || running.len() >= plan.concurrency {
                    continue;
                }
                let step = &plan.steps[i];
                if !step.needs.iter().all(|&j| results[j].is_some()) {
                    continue;
                }
                started[i] = true;
                progressed = true;
                let failed_dep = step.needs.iter().find(|&&j| {
                    results[j]
                        .as_ref()
                        .is_some_and(|r| r.outcome != Outcome::Passed)
                });
                if let Some(&j) = failed_dep {
                    results[i] = Some(StepResult::skipped(format!(
                        "it needs step {:?}, which did not pass",
                        plan.steps[j].name
                    )));
                    continue;
                }
                let snapshot = vars.clone();
                running.push(async move {
                    (i, with_deadline(ctx, run_step(ctx, step, &snapshot)).await)
                });
            }
        }
        match running.next().await {
            Some((i, result)) => {
                vars.extend(result.captures.clone());
                results[i] = Some(result);
            }
            None => break,
        }
    }
    RunResult {
        wait,
        version,
        steps: results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| StepResult::skipped("not started".into())))
            .collect(),
    }
}

async fn with_deadline(ctx: &Ctx, f: impl Future<Output = StepResult>) -> StepResult {
    let start = Instant::now();
    match tokio::time::timeout_at(ctx.deadline, f).await {
        Ok(r) => r,
        Err(_) => StepResult {
            outcome: Outcome::Unreachable(format!(
                "the overall deadline (timeout {}) ended before the step finished",
                ctx.timeout_text
            )),
            elapsed: start.elapsed(),
            attempts: 1,
            status: None,
            captures: BTreeMap::new(),
        },
    }
}

fn lookup<'a>(
    ctx: &'a Ctx,
    vars: &'a BTreeMap<String, String>,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        vars.get(name)
            .or_else(|| ctx.vars.get(name))
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }
}

/// Polls the wait stage until it passes, `within` ends, or the deadline does.
async fn run_wait(ctx: &Ctx, planned: &Planned) -> StepResult {
    let every = planned.step.every.map_or(DEFAULT_WAIT_EVERY, |d| d.0);
    let until = planned
        .step
        .within
        .map_or(ctx.deadline, |w| (Instant::now() + w.0).min(ctx.deadline));
    let result = poll(ctx, planned, every, until, None).await;
    let note = format!(
        "not ready after {} poll(s) in {}",
        result.attempts,
        check::human(result.elapsed)
    );
    let outcome = match result.outcome {
        Outcome::Failed(f) => Outcome::Failed(std::iter::once(note).chain(f).collect()),
        Outcome::Unreachable(u) => Outcome::Unreachable(format!("{note}: {u}")),
        other => other,
    };
    StepResult { outcome, ..result }
}

/// Polls the version endpoint, at the wait stage's pace, until it reports the expected version
/// or the deadline comes: a rollout may still be replacing the old version.
async fn run_version(ctx: &Ctx, planned: &Planned, wait: Option<&Planned>) -> StepResult {
    let every = wait
        .and_then(|w| w.step.every)
        .map_or(DEFAULT_WAIT_EVERY, |d| d.0);
    let json = planned.version.as_ref().map(|v| v.json.clone());
    let result = poll(ctx, planned, every, ctx.deadline, json).await;
    let note = format!(
        "still so after {} poll(s) in {}",
        result.attempts,
        check::human(result.elapsed)
    );
    let outcome = match result.outcome {
        Outcome::Failed(f) => Outcome::Failed(f.into_iter().chain([note]).collect()),
        Outcome::Unreachable(u) => Outcome::Unreachable(format!("{u}; {note}")),
        other => other,
    };
    StepResult { outcome, ..result }
}

/// One request, repeated every `every` until it passes or `until` comes; the last attempt's
/// outcome.
async fn poll(
    ctx: &Ctx,
    planned: &Planned,
    every: Duration,
    until: Instant,
    version: Option<Option<String>>,
) -> StepResult {
    let start = Instant::now();
    let vars = BTreeMap::new();
    let step = resolve(&planned.step, &ctx.defaults.headers, &lookup(ctx, &vars));
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (outcome, status, _) = attempt_http(ctx, &step, until, version.clone()).await;
        if outcome == Outcome::Passed || Instant::now() + every >= until {
            return StepResult {
                outcome,
                elapsed: start.elapsed(),
                attempts,
                status,
                captures: BTreeMap::new(),
            };
        }
        tokio::time::sleep(every).await;
    }
}

/// One step with its retries.
async fn run_step(ctx: &Ctx, planned: &Planned, vars: &BTreeMap<String, String>) -> StepResult {
    let start = Instant::now();
    let step = resolve(&planned.step, &ctx.defaults.headers, &lookup(ctx, vars));
    let retry = step.retry.or(ctx.defaults.retry).unwrap_or(Retry {
        attempts: 1,
        delay: None,
        max_delay: None,
    });
    let policy = crate::http::Policy {
        base_delay: retry.delay.map_or(Duration::from_millis(200), |d| d.0),
        max_delay: retry.max_delay.map_or(Duration::from_secs(5), |d| d.0),
        ..Default::default()
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (outcome, status, captures) = if let Some(ws) = &step.websocket {
            attempt_ws(ctx, &step, ws).await
        } else {
            attempt_http(ctx, &step, ctx.deadline, None).await
        };
        let delay = crate::http::backoff(attempt, &policy);
        if outcome == Outcome::Passed
            || attempt >= retry.attempts
            || Instant::now() + delay >= ctx.deadline
        {
            return StepResult {
                outcome,
                elapsed: start.elapsed(),
                attempts: attempt,
                status,
                captures,
            };
        }
        tokio::time::sleep(delay).await;
    }
}

fn request_timeout(ctx: &Ctx, step: &Step, until: Instant) -> Duration {
    let t = step
        .timeout
        .or(ctx.defaults.timeout)
        .map_or(DEFAULT_REQUEST_TIMEOUT, |d| d.0);
    t.min(until.saturating_duration_since(Instant::now()))
        .max(Duration::from_millis(1))
}

fn target(ctx: &Ctx, path: &Option<String>, url: &Option<String>) -> Result<reqwest::Url, String> {
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

/// The default headers, then the step's own, which win (names compare without case).
fn merged_headers(
    defaults: &BTreeMap<String, Text>,
    own: &BTreeMap<String, Text>,
) -> BTreeMap<String, Text> {
    let mut out: BTreeMap<String, Text> = defaults
        .iter()
        .filter(|(k, _)| !own.keys().any(|o| o.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// Registers the credential inside an Authorization or Cookie header as a secret, so that it is
/// redacted even if the service echoes it back.
fn protect_header(name: &str, value: &str) {
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

type Attempt = (Outcome, Option<u16>, BTreeMap<String, String>);

async fn attempt_http(
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

fn finish(
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

async fn attempt_ws(ctx: &Ctx, step: &Step, ws: &WebSocket) -> Attempt {
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
    let fail = |m: String| (Outcome::Failed(vec![m]), None, BTreeMap::new());
    let mut url = match target(ctx, &ws.path, &ws.url) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return fail(format!("a WebSocket URL cannot use {other}:")),
    };
    let _ = url.set_scheme(scheme);
    let shown = crate::http::redacted_url(&url);
    let mut request = match url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => return fail(format!("{shown}: {e}")),
    };
    let mut headers: Vec<(String, String)> = ws
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    if let Some(origin) = &ws.origin {
        headers.push(("Origin".into(), origin.clone()));
    }
    for (k, v) in headers {
        protect_header(&k, &v);
        match (
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()),
            tungstenite::http::HeaderValue::from_str(&v),
        ) {
            (Ok(name), Ok(value)) => {
                request.headers_mut().insert(name, value);
            }
            _ => return fail(format!("header {k} is not valid")),
        }
    }
    crate::http::install_crypto_provider();
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_BODY))
        .max_frame_size(Some(MAX_BODY));
    let connect_timeout = request_timeout(ctx, step, ctx.deadline);
    let start = Instant::now();
    let connected = tokio::time::timeout(
        connect_timeout,
        tokio_tungstenite::connect_async_with_config(request, Some(config), true),
    )
    .await;
    let mut stream = match connected {
        Err(_) => {
            return (
                Outcome::Unreachable(format!(
                    "websocket {shown}: no handshake within {}",
                    check::human(connect_timeout)
                )),
                None,
                BTreeMap::new(),
            );
        }
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            return (
                Outcome::Failed(vec![format!(
                    "websocket {shown}: the handshake was refused with status {status}; body: {}",
                    crate::http::excerpt(&body, check::EXCERPT_CHARS, false)
                )]),
                Some(status),
                BTreeMap::new(),
            );
        }
        Ok(Err(e)) => {
            return (
                Outcome::Unreachable(format!("websocket {shown}: {e}")),
                None,
                BTreeMap::new(),
            );
        }
        Ok(Ok((stream, _))) => stream,
    };
    let latency = start.elapsed();
    for m in &ws.send {
        let text = match m {
            Message { json: Some(j), .. } => j.to_string(),
            Message { text: Some(t), .. } => t.clone(),
            _ => String::new(),
        };
        if let Err(e) = stream.send(tungstenite::Message::text(text)).await {
            return fail(format!("websocket {shown}: could not send: {e}"));
        }
    }
    let expects_message =
        !step.expect.json.is_empty() || step.expect.body.is_some() || !step.capture.is_empty();
    if !expects_message {
        let _ = stream.close(None).await;
        return (Outcome::Passed, Some(101), BTreeMap::new());
    }
    let within = ws.within.map_or(DEFAULT_WS_WITHIN, |d| d.0);
    let until = (Instant::now() + within).min(ctx.deadline);
    let mut seen = 0usize;
    let mut last: Option<(Observed, Vec<String>)> = None;
    let outcome = loop {
        let next = match tokio::time::timeout_at(until, stream.next()).await {
            Err(_) => None,
            Ok(None) | Ok(Some(Ok(tungstenite::Message::Close(_)))) => {
                break Err(format!(
                    "websocket {shown}: closed by the server before a matching message ({seen} message(s) seen{})",
                    last_note(&last)
                ));
            }
            Ok(Some(Err(e))) => break Err(format!("websocket {shown}: {e}")),
            Ok(Some(Ok(m))) => Some(m),
        };
        let Some(message) = next else {
            break Err(format!(
                "websocket {shown}: no matching message within {} ({seen} message(s) seen{})",
                check::human(within),
                last_note(&last)
            ));
        };
        let body = match message {
            tungstenite::Message::Text(t) => t.as_bytes().to_vec(),
            tungstenite::Message::Binary(b) => b.to_vec(),
            _ => continue,
        };
        seen += 1;
        let got = Observed {
            status: None,
            headers: Vec::new(),
            latency,
            body,
            truncated: false,
        };
        let failures = check::check(&step.expect, &got);
        if failures.is_empty() {
            break Ok(got);
        }
        last = Some((got, failures));
    };
    let _ = stream.close(None).await;
    match outcome {
        Ok(got) => finish(Vec::new(), &step.capture, &got),
        Err(e) => (Outcome::Failed(vec![e]), Some(101), BTreeMap::new()),
    }
}

fn last_note(last: &Option<(Observed, Vec<String>)>) -> String {
    match last {
        Some((got, failures)) => format!(
            "; the last one, {}, did not match: {}",
            got.excerpt(),
            failures.join("; ")
        ),
        None => String::new(),
    }
}

/// The step with the default headers merged in and every `${var}` replaced.
pub fn resolve(
    step: &Step,
    default_headers: &BTreeMap<String, Text>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Step {
    let s = |v: &Option<String>| v.as_ref().map(|t| interpolate(t, lookup));
    let map = |m: &BTreeMap<String, Text>| {
        m.iter()
            .map(|(k, v)| (k.clone(), Text(interpolate(&v.0, lookup))))
            .collect::<BTreeMap<_, _>>()
    };
    let j = |v: &Option<serde_json::Value>| v.as_ref().map(|v| interpolate_json(v, lookup));
    let pred = |p: &Predicate| Predicate {
        equals: s(&p.equals),
        contains: s(&p.contains),
        matches: s(&p.matches),
        exists: p.exists,
    };
    Step {
        name: step.name.clone(),
        method: step.method.clone(),
        path: s(&step.path),
        url: s(&step.url),
        headers: if step.websocket.is_some() {
            BTreeMap::new()
        } else {
            map(&merged_headers(default_headers, &step.headers))
        },
        query: map(&step.query),
        json: j(&step.json),
        form: step.form.as_ref().map(map),
        body: s(&step.body),
        timeout: step.timeout,
        retry: step.retry,
        after: step.after.clone(),
        expect: Expect {
            status: step.expect.status.clone(),
            headers: step
                .expect
                .headers
                .iter()
                .map(|(k, h)| {
                    let h = match h {
                        HeaderExpect::Equals(t) => {
                            HeaderExpect::Equals(Text(interpolate(&t.0, lookup)))
                        }
                        HeaderExpect::Predicate(p) => HeaderExpect::Predicate(pred(p)),
                    };
                    (k.clone(), h)
                })
                .collect(),
            latency: step.expect.latency,
            json: step
                .expect
                .json
                .iter()
                .map(|a| JsonAssert {
                    path: interpolate(&a.path, lookup),
                    equals: j(&a.equals),
                    not_equals: j(&a.not_equals),
                    contains: j(&a.contains),
                    matches: s(&a.matches),
                    ..a.clone()
                })
                .collect(),
            body: step.expect.body.as_ref().map(pred),
        },
        capture: step.capture.clone(),
        websocket: step.websocket.as_ref().map(|ws| WebSocket {
            path: s(&ws.path),
            url: s(&ws.url),
            headers: map(&merged_headers(default_headers, &ws.headers)),
            origin: s(&ws.origin),
            send: ws
                .send
                .iter()
                .map(|m| Message {
                    json: j(&m.json),
                    text: s(&m.text),
                })
                .collect(),
            within: ws.within,
        }),
        every: step.every,
        within: step.within,
    }
}
