//! Runs a plan: the wait stage, then the steps, independent ones concurrently (up to the plan's
//! concurrency), each with its retries, all under the overall deadline. One attempt goes through
//! the step's transport: `http_step.rs` or `ws_step.rs`.

use super::check;
use super::http_step::attempt_http;
use super::spec::{
    Defaults, Expect, HeaderExpect, JsonAssert, Message, Plan, Planned, Predicate, Retry, Step,
    Text, WebSocket,
};
use super::vars::{interpolate, interpolate_json};
use super::ws_step::attempt_ws;
use futures_util::{StreamExt, stream::FuturesUnordered};
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
    // The last answer the service gave: when the window ends during a request, the verdict is
    // what the service said (e.g. 503, not ready), not that the cut-off request went unanswered.
    let mut answered: Option<(Outcome, Option<u16>)> = None;
    let mut progress = crate::gha::Progress::stderr(super::NAME);
    loop {
        attempts += 1;
        let (mut outcome, mut status, _) = attempt_http(ctx, &step, until, version.clone()).await;
        let next = (outcome != Outcome::Passed && Instant::now() + every < until).then_some(every);
        progress.poll(&waiting_line(&planned.name, &outcome), next);
        if matches!(outcome, Outcome::Failed(_)) {
            answered = Some((outcome.clone(), status));
        } else if matches!(outcome, Outcome::Unreachable(_))
            && Instant::now() >= until
            && let Some((last, last_status)) = answered.take()
        {
            (outcome, status) = (last, last_status);
        }
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

/// A progress line of the readiness wait: the step and what its last poll found.
pub fn waiting_line(step: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => format!("{step}: ready"),
        Outcome::Failed(why) => format!("{step}: not ready: {}", why.join("; ")),
        Outcome::Unreachable(why) => format!("{step}: not ready: {why}"),
        Outcome::Skipped(why) => format!("{step}: skipped: {why}"),
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
