//! `ready smoke` end to end, against a real HTTP and WebSocket server (axum) that each test
//! starts on 127.0.0.1:0. Timing is driven by request counts and in-flight counts, not sleeps.

mod support;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "s3cr3t-token-1234";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const READY_AFTER: usize = 3;
const OLD_SHA: &str = "fedcba9876543210fedcba9876543210fedcba98";
const ROLLOUT_AFTER: usize = 3;

#[derive(Default)]
struct Shared {
    requests: AtomicUsize,
    readyz: AtomicUsize,
    flaky: AtomicUsize,
    rollout: AtomicUsize,
    stalls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    drafts: Mutex<HashMap<String, Draft>>,
    /// The headers of each request to /seen, names in lower case.
    seen: Mutex<Vec<HashMap<String, String>>>,
}

#[derive(Default, Clone)]
struct Draft {
    title: String,
    collaborators: Vec<String>,
    segments: Vec<String>,
}

type S = State<Arc<Shared>>;

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn readyz(State(s): S) -> Response {
    if s.readyz.fetch_add(1, Ordering::SeqCst) + 1 >= READY_AFTER {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response()
    }
}

async fn create_draft(State(s): S, headers: HeaderMap, body: axum::Json<Value>) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "no").into_response();
    }
    let mut drafts = s.drafts.lock().unwrap();
    let id = format!("d{}", drafts.len() + 1);
    let title = body["title"].as_str().unwrap_or_default().to_string();
    drafts.insert(
        id.clone(),
        Draft {
            title: title.clone(),
            ..Default::default()
        },
    );
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "title": title, "segments": [[]]})),
    )
        .into_response()
}

async fn add_collaborator(
    State(s): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut drafts = s.drafts.lock().unwrap();
    let Some(d) = drafts.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    d.collaborators
        .push(body["user"].as_str().unwrap_or_default().to_string());
    (
        StatusCode::CREATED,
        axum::Json(json!({"collaborators": d.collaborators})),
    )
        .into_response()
}

async fn append_segment(
    State(s): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: axum::Form<HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut drafts = s.drafts.lock().unwrap();
    let Some(d) = drafts.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let text = form.get("text").cloned().unwrap_or_default();
    d.segments.push(text.clone());
    let n = d.segments.len();
    (
        StatusCode::CREATED,
        [("location", format!("/drafts/{id}/segments/{n}"))],
        axum::Json(json!({"segment": n, "text": text})),
    )
        .into_response()
}

async fn room(
    State(s): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !authorized(&headers)
        || headers.get("origin").and_then(|v| v.to_str().ok()) != Some("https://app.example.test")
    {
        return (StatusCode::FORBIDDEN, "bad origin or token").into_response();
    }
    ws.on_upgrade(move |mut socket: WebSocket| async move {
        let _ = socket
            .send(Message::Text(json!({"type": "hello"}).to_string().into()))
            .await;
        while let Some(Ok(msg)) = socket.recv().await {
            if let Message::Text(t) = msg {
                let asked: Value = serde_json::from_str(&t).unwrap_or_default();
                if asked["type"] == "subscribe" {
                    let last = {
                        let drafts = s.drafts.lock().unwrap();
                        drafts.get(&id).map(|d| (d.segments.len(), d.segments.last().cloned()))
                    };
                    if let Some((n, Some(text))) = last {
                        let event = json!({"type": "segment-appended", "draft": id, "segment": n, "text": text});
                        let _ = socket.send(Message::Text(event.to_string().into())).await;
                    }
                }
            }
        }
    })
}

async fn ring(
    State(s): S,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let drafts = s.drafts.lock().unwrap();
    let to = body["to"].as_str().unwrap_or_default().to_string();
    match drafts.get(&id) {
        Some(d) if d.collaborators.contains(&to) => {
            axum::Json(json!({"holder": to, "title": d.title, "reason": q.get("reason")}))
                .into_response()
        }
        Some(_) => (StatusCode::CONFLICT, "not a collaborator").into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn flaky(State(s): S) -> Response {
    if s.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
        (StatusCode::SERVICE_UNAVAILABLE, "warming up").into_response()
    } else {
        axum::Json(json!({"ok": true})).into_response()
    }
}

/// Not ready (503) at the first request, then no answer at all: a service that stalls.
async fn stalls(State(s): S) -> Response {
    if s.stalls.fetch_add(1, Ordering::SeqCst) == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response();
    }
    std::future::pending::<()>().await;
    unreachable!()
}

/// The version endpoint during a rollout: the old version for the first `ROLLOUT_AFTER` answers.
async fn rollout(State(s): S) -> Response {
    let n = s.rollout.fetch_add(1, Ordering::SeqCst) + 1;
    let version = if n >= ROLLOUT_AFTER { SHA } else { OLD_SHA };
    axum::Json(json!({"version": version})).into_response()
}

/// A feature only the new version has.
async fn new_only(State(s): S) -> Response {
    if s.rollout.load(Ordering::SeqCst) >= ROLLOUT_AFTER {
        "new feature".into_response()
    } else {
        (StatusCode::NOT_FOUND, "the old version has no such page").into_response()
    }
}

/// A secret that starts 290 bytes into a 500 body, just before the excerpt is cut.
const CUT_SECRET: &str = "cut-secret-value-0042";

async fn cut500() -> Response {
    let body = format!("{}{CUT_SECRET} and the rest", "x".repeat(290));
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

/// Redirects to `to`, as an open redirect would.
async fn away(Query(q): Query<HashMap<String, String>>) -> Response {
    let to = q.get("to").cloned().unwrap_or_default();
    (StatusCode::FOUND, [("location", to)]).into_response()
}

async fn seen(State(s): S, headers: HeaderMap) -> Response {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    s.seen.lock().unwrap().push(headers);
    axum::Json(json!({"ok": true})).into_response()
}

async fn big500() -> Response {
    let body = "internal error: stack frame\n".repeat(80_000);
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

async fn echo(headers: HeaderMap) -> Response {
    let token = headers
        .get("x-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("you sent token={token} and authorization={auth}"),
    )
        .into_response()
}

/// Answers once `want` requests are in flight at the same time (or after 5s), and records the
/// largest number seen in flight.
async fn gate(State(s): S, Path(want): Path<usize>) -> Response {
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_in_flight.fetch_max(now, Ordering::SeqCst);
    for _ in 0..1000 {
        if s.max_in_flight.load(Ordering::SeqCst) >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    s.in_flight.fetch_sub(1, Ordering::SeqCst);
    axum::Json(json!({"ok": true})).into_response()
}

async fn silent(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(|mut socket: WebSocket| async move {
        // Reads (and so answers pings) but never sends anything.
        while let Some(Ok(_)) = socket.recv().await {}
    })
}

struct Server {
    url: String,
    shared: Arc<Shared>,
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
}

fn server() -> Server {
    let shared = Arc::new(Shared::default());
    let counted = shared.clone();
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/version",
            get(|| async { axum::Json(json!({"version": SHA})) }),
        )
        .route("/drafts", post(create_draft))
        .route("/drafts/{id}/collaborators", post(add_collaborator))
        .route("/drafts/{id}/segments", post(append_segment))
        .route("/drafts/{id}/room", get(room))
        .route("/drafts/{id}/ring", post(ring))
        .route("/flaky", get(flaky))
        .route("/rollout", get(rollout))
        .route("/new-only", get(new_only))
        .route(
            "/release/{v}",
            get(|Path(v): Path<String>| async move { axum::Json(json!({"version": v})) }),
        )
        .route("/hang", get(std::future::pending::<&'static str>))
        .route("/stalls", get(stalls))
        .route(
            "/never-ready",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "starting") }),
        )
        .route("/big500", get(big500))
        .route("/cut500", get(cut500))
        .route("/away", get(away))
        .route("/seen", get(seen))
        .route("/echo", get(echo))
        .route(
            "/session",
            get(|| async { axum::Json(json!({"token": "tok-live-5555"})) }),
        )
        .route(
            "/login",
            get(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [("set-cookie", "session=sess-abcdef-777; HttpOnly")],
                    "oops, your session is sess-abcdef-777",
                )
            }),
        )
        .route("/gate/{want}", get(gate))
        .route(
            "/items/{n}",
            get(|Path(n): Path<u32>| async move { axum::Json(json!({"n": n})) }),
        )
        .route("/silent", get(silent))
        .route(
            "/old/{n}",
            get(|Path(n): Path<u32>| async move {
                (StatusCode::FOUND, [("location", format!("/items/{n}"))])
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                counted.requests.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ))
        .with_state(shared.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let serve = axum::serve(listener, app);
            tokio::select! {
                _ = serve => {}
                _ = stopped => {}
            }
        });
    });
    Server {
        url,
        shared,
        _stop: Some(stop),
    }
}

/// A smoke step as the tests read it: its log (stdout then stderr), raw outputs and JUnit file.
struct Run {
    code: i32,
    stdout: String,
    outputs: String,
    summary: String,
    junit: Option<String>,
}

impl Run {
    fn output(&self, name: &str) -> String {
        ready_actions::gha::read_outputs(&self.outputs)
            .unwrap()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no output {name} in {}", self.outputs))
    }

    fn everything(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.stdout,
            self.outputs,
            self.summary,
            self.junit.clone().unwrap_or_default()
        )
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/smoke")
        .join(name)
}

/// Runs `ready smoke` as a step (outside Actions unless `actions`) plus `env`, in its scratch
/// directory, writing the spec text to a file there when given one.
fn smoke(spec: Option<&str>, env: &[(&str, &str)], actions: bool) -> Run {
    let mut step = support::Step::new();
    if !actions {
        step = step.outside_actions();
    }
    let dir = step.scratch().to_owned();
    let junit = dir.join("junit.xml");
    step = step.env("INPUT_JUNIT", &junit);
    if let Some(text) = spec {
        std::fs::write(dir.join("smoke.yml"), text).unwrap();
        step = step.input("spec", "smoke.yml");
    }
    let run = step
        .current_dir(&dir)
        .arg("smoke")
        .envs(env)
        .timeout(Duration::from_secs(60))
        .run();
    Run {
        code: run.code,
        stdout: run.log(),
        junit: std::fs::read_to_string(&junit).ok(),
        outputs: run.output_file,
        summary: run.summary,
    }
}

/// Asserts that `text` (the step's `what`) shows every one of `needles`, naming the first missing.
fn assert_shows(what: &str, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{what} lacks {needle:?}:\n{text}");
    }
}

/// Validates the JUnit report against tests/data/smoke/junit.xsd with xmllint.
fn assert_junit_valid(xml: &str) {
    let xmllint = std::env::var("READY_TEST_XMLLINT")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| {
            ["/usr/bin/xmllint", "/usr/local/bin/xmllint"]
                .iter()
                .find(|p| std::path::Path::new(p).exists())
                .map(|p| p.to_string())
        });
    let Some(xmllint) = xmllint else {
        if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") {
            eprintln!("note: xmllint missing, JUnit schema check skipped");
            return;
        }
        panic!(
            "xmllint is missing: run scripts/test.sh (scripts/provision/smoke.sh installs libxml2-utils)"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(data("junit.xsd"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "JUnit report does not match the schema:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn secrets_env() -> String {
    format!("token={TOKEN}")
}

#[test]
fn the_full_draft_path_passes() {
    let s = server();
    let secrets = secrets_env();
    let spec = data("draft.yml");
    let run = smoke(
        None,
        &[
            ("INPUT_SPEC", spec.to_str().unwrap()),
            ("INPUT_BASE_URL", &s.url),
            ("INPUT_SECRETS", &secrets),
            ("INPUT_VARS", "collaborator=grace\n"),
            ("INPUT_EXPECT_VERSION", &SHA[..7]),
        ],
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("result"), "passed");
    // wait + version + 5 steps
    assert_eq!(run.output("passed"), "7");
    assert_eq!(run.output("failed"), "0");
    assert!(run.output("report").ends_with("junit.xml"));
    let passed = |step: &str, request: &str| format!("| {step} | {request} | ✅ passed |");
    assert_shows(
        "summary",
        &run.summary,
        &[
            "| Step | Request | Result | Status | Time | Attempts | Detail |",
            &passed("create draft", "POST /drafts"),
            &passed("add collaborator", "POST /drafts/${draft}/collaborators"),
            &passed("append segment", "POST /drafts/${draft}/segments"),
            &passed("room event", "WS /drafts/${draft}/room"),
            &passed("pass the ring", "POST /drafts/${draft}/ring"),
            &passed("version", "GET /version"),
            &passed("wait", "GET /readyz"),
            // readiness took READY_AFTER polls
            "| wait | GET /readyz | ✅ passed | 200 |",
        ],
    );
    assert_eq!(s.shared.readyz.load(Ordering::SeqCst), READY_AFTER);
    let junit = run.junit.clone().unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 7);
    assert!(junit.contains("failures=\"0\" errors=\"0\""));
    assert_junit_valid(&junit);
    assert!(
        run.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.everything().matches(TOKEN).count(),
        1,
        "the token only in its mask"
    );
}

#[test]
fn a_wrong_version_blocks_and_names_both() {
    let s = server();
    let run = smoke(
        None,
        &[
            ("INPUT_PRESET", "health"),
            ("INPUT_BASE_URL", &s.url),
            ("INPUT_EXPECT_VERSION", "fedcba9"),
            // The version is polled until the deadline: keep it short.
            ("INPUT_TIMEOUT", "3s"),
        ],
        true,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("result"), "blocked");
    assert!(
        run.stdout.contains(&format!(
            "::error title=wrong-version%3A version failed::step \"version\": expected version fedcba9, the service reports {SHA}"
        )),
        "{}",
        run.stdout
    );
    // The user path never runs against a version that is not the expected one.
    assert!(
        run.summary
            .contains("| healthz | GET /healthz | ⏭️ skipped |"),
        "{}",
        run.summary
    );
}

#[test]
fn the_health_preset_waits_for_readiness_and_passes() {
    let s = server();
    let run = smoke(
        None,
        &[
            ("INPUT_PRESET", "health"),
            ("INPUT_BASE_URL", &s.url),
            ("INPUT_EXPECT_VERSION", SHA),
            ("INPUT_SPEC", ""),
            ("INPUT_VARS", ""),
            ("INPUT_SECRETS", ""),
            ("INPUT_TIMEOUT", ""),
            ("INPUT_JUNIT", ""),
        ],
        false,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("passed"), "3");
    assert_eq!(
        run.output("report"),
        "",
        "junit left empty writes no report"
    );
    assert!(run.junit.is_none());
    assert_eq!(s.shared.readyz.load(Ordering::SeqCst), READY_AFTER);
}

#[test]
fn readiness_turns_green_after_a_few_polls() {
    let s = server();
    let spec = "wait:\n  path: /readyz\n  every: 10ms\nsteps:\n  - path: /healthz\n    expect: {body: {equals: ok}}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| wait | GET /readyz | ✅ passed | 200 |")
    );
    let row = run
        .summary
        .lines()
        .find(|l| l.starts_with("| wait |"))
        .unwrap();
    assert!(row.contains(&format!("| {READY_AFTER} |")), "{row}");
    // The wait is not silent: a line when the answer changed (the same 503 again is no news),
    // then the line that says it is ready.
    let progress: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("smoke ["))
        .collect();
    assert_eq!(progress.len(), 2, "{}", run.stdout);
    assert!(
        progress[0].contains("] wait: not ready: ") && progress[0].contains("503"),
        "{progress:?}"
    );
    assert!(progress[0].ends_with("; next poll in 10ms"), "{progress:?}");
    assert!(progress[1].ends_with("] wait: ready"), "{progress:?}");
}

#[test]
fn readiness_that_never_comes_is_not_ready() {
    let s = server();
    // A service that never gets ready (always 503), and a window long enough for several polls
    // on a loaded machine: no timing decides the verdict.
    let spec =
        "wait:\n  path: /never-ready\n  every: 10ms\n  within: 300ms\nsteps:\n  - path: /healthz\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::error title=not-ready%3A wait failed,file=smoke.yml,line=1::"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("expected status 200 or") || run.stdout.contains("got 503"),
        "{}",
        run.stdout
    );
    assert!(run.summary.contains("⏭️ skipped"));
}

#[test]
fn a_wait_window_that_ends_during_a_request_reports_the_last_answer() {
    // The service said 503, then the window ended while the next poll was unanswered: the
    // verdict is "not ready" (blocked), not "could not reach the service".
    let s = server();
    let spec = "wait:\n  path: /stalls\n  every: 10ms\n  within: 1s\nsteps:\n  - path: /healthz\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("got 503"), "{}", run.stdout);
}

#[test]
fn a_step_that_fails_then_passes_on_retry() {
    let s = server();
    let spec = "steps:\n  - name: flaky\n    path: /flaky\n    retry: {attempts: 4, delay: 10ms}\n    expect:\n      status: 200\n      json: [{path: $.ok, equals: true}]\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let row = run
        .summary
        .lines()
        .find(|l| l.starts_with("| flaky |"))
        .unwrap();
    assert!(row.contains("| 3 |"), "three attempts: {row}");

    let s = server();
    let spec = "steps:\n  - name: flaky\n    path: /flaky\n    expect: {status: 200}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("::error title=step-failed%3A flaky failed,file=smoke.yml,line=4::step \"flaky\": expected status 200, got 503; body: warming up"), "{}", run.stdout);
}

#[test]
fn a_hanging_server_hits_the_request_timeout_and_the_deadline() {
    let s = server();
    let spec = "steps:\n  - name: hang\n    path: /hang\n    timeout: 300ms\n  - name: fine\n    path: /healthz\n";
    let started = std::time::Instant::now();
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(run.output("result"), "error");
    assert!(run.stdout.contains("timed out"), "{}", run.stdout);
    assert!(run.summary.contains("| fine | GET /healthz | ✅ passed |"));

    // No per-step timeout: the overall deadline ends it.
    let spec = "steps:\n  - name: hang\n    path: /hang\n    timeout: 1m\n";
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_TIMEOUT", "1s")],
        false,
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(started.elapsed() < Duration::from_secs(30));
    let junit = run.junit.unwrap();
    assert!(junit.contains("<error message="), "{junit}");
    assert_junit_valid(&junit);
}

#[test]
fn a_500_with_a_large_body_is_quoted_in_a_bounded_excerpt() {
    let s = server();
    let spec = "steps:\n  - name: big\n    path: /big500\n    expect: {status: 200}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1);
    assert_shows(
        "log",
        &run.stdout,
        &[
            "expected status 200, got 500; body: internal error: stack frame",
            "bytes in all)",
        ],
    );
    assert!(
        run.stdout.len() < 4_000,
        "output is bounded: {} bytes",
        run.stdout.len()
    );
    assert!(
        run.summary.len() < 8_000,
        "summary is bounded: {} bytes",
        run.summary.len()
    );
    let junit = run.junit.unwrap();
    assert!(junit.len() < 8_000);
    assert_junit_valid(&junit);
}

#[test]
fn a_websocket_that_never_sends_hits_its_time_limit() {
    let s = server();
    let spec = "steps:\n  - name: quiet room\n    websocket: {path: /silent, within: 200ms, send: [{text: hi}]}\n    expect:\n      json: [{path: $.type, exists: true}]\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_shows(
        "log",
        &run.stdout,
        &[
            "no matching message within 200ms (0 message(s) seen)",
            "/silent",
        ],
    );
}

#[test]
fn a_websocket_handshake_refused_names_the_status() {
    let s = server();
    let spec = "steps:\n  - name: room\n    websocket: {path: /drafts/d1/room, origin: https://evil.test}\n    expect: {json: [{path: $.type, exists: true}]}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the handshake was refused with status 403"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_secret_the_server_echoes_is_never_printed() {
    let s = server();
    let spec = "defaults:\n  headers: {Authorization: 'Bearer ${token}'}\nsteps:\n  - name: echo\n    path: /echo\n    headers: {X-Token: '${api}'}\n    expect: {status: 200}\n";
    let secrets = format!("token={TOKEN}\napi=another-secret-99\n");
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_SECRETS", &secrets)],
        true,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("you sent token=*** and authorization=Bearer ***"),
        "{}",
        run.stdout
    );
    let all = run.everything();
    assert_eq!(all.matches(TOKEN).count(), 1, "only in ::add-mask::\n{all}");
    assert_eq!(
        all.matches("another-secret-99").count(),
        1,
        "only in ::add-mask::\n{all}"
    );
    assert!(run.stdout.starts_with("::add-mask::"));

    // Outside Actions nothing is masked by the runner, so nothing may show at all.
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_SECRETS", &secrets)],
        false,
    );
    assert!(
        !run.everything().contains(TOKEN) && !run.everything().contains("another-secret-99"),
        "{}",
        run.everything()
    );
}

#[test]
fn independent_steps_run_concurrently() {
    let s = server();
    let mut spec = String::from("steps:\n");
    for i in 0..4 {
        spec.push_str(&format!("  - name: gate {i}\n    path: /gate/4\n"));
    }
    let run = smoke(Some(&spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(s.shared.max_in_flight.load(Ordering::SeqCst), 4);

    // concurrency: 1 keeps them in order, one at a time.
    let s = server();
    let spec = "concurrency: 1\nsteps:\n  - path: /gate/1\n  - path: /gate/1\n  - path: /gate/1\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(s.shared.max_in_flight.load(Ordering::SeqCst), 1);
}

#[test]
fn a_failed_step_skips_the_steps_that_need_its_captures() {
    let s = server();
    let spec = "steps:\n  - name: create\n    method: POST\n    path: /drafts\n    json: {title: x}\n    capture: {draft: {json: $.id}}\n  - name: use\n    path: /drafts/${draft}/ring\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| use | GET /drafts/${draft}/ring | ⏭️ skipped |"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("got 401"), "{}", run.summary);
    let junit = run.junit.unwrap();
    assert!(junit.contains("<skipped message="));
    assert_junit_valid(&junit);
}

#[test]
fn malformed_specs_are_invalid_before_any_request() {
    let cases: &[(&str, u32, &str)] = &[
        (
            "steps:\n  - path: /healthz\n    expect:\n      stauts: 200\n",
            4,
            "unknown field `stauts`",
        ),
        (
            "steps:\n  - name: a\n    path: /healthz\n  - name: b\n    path: /drafts/${draft}\n",
            5,
            "variable ${draft} is never defined",
        ),
        (
            "steps:\n  - path: /healthz\n   bad: [\n",
            3,
            "did not find expected",
        ),
        (
            "steps:\n  - path: /a\n  - path: /b\n    expect: {json: [{path: 'no-dollar', exists: true}]}\n",
            3,
            "JSONPath",
        ),
        ("stepz: []\n", 1, "unknown field `stepz`"),
    ];
    for (spec, line, needle) in cases {
        let s = server();
        let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
        assert_eq!(run.code, 2, "{spec}\n{}", run.stdout);
        assert_eq!(run.output("result"), "invalid");
        assert!(
            run.stdout
                .contains(&format!("file=smoke.yml,line={line}::")),
            "{spec}\n{}",
            run.stdout
        );
        assert!(run.stdout.contains(needle), "{spec}\n{}", run.stdout);
        assert_eq!(
            s.shared.requests.load(Ordering::SeqCst),
            0,
            "no request sent"
        );
    }
}

#[test]
fn usage_errors_are_invalid() {
    for env in [
        vec![("INPUT_BASE_URL", "http://127.0.0.1:9")],
        vec![
            ("INPUT_PRESET", "everything"),
            ("INPUT_BASE_URL", "http://127.0.0.1:9"),
        ],
        vec![
            ("INPUT_PRESET", "health"),
            ("INPUT_TIMEOUT", "soon"),
            ("INPUT_BASE_URL", "http://127.0.0.1:9"),
        ],
        vec![
            ("INPUT_PRESET", "health"),
            ("INPUT_SECRETS", "no-equals-sign-secret"),
        ],
    ] {
        let run = smoke(None, &env, false);
        assert_eq!(run.code, 2, "{env:?}: {}", run.stdout);
        assert!(!run.stdout.contains("no-equals-sign-secret"));
    }
}

#[test]
fn an_unreachable_service_cannot_decide() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = smoke(
        None,
        &[
            ("INPUT_PRESET", "health"),
            ("INPUT_BASE_URL", &url),
            ("INPUT_TIMEOUT", "1s"),
        ],
        false,
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(run.output("result"), "error");
}

#[test]
fn redirects_are_followed_and_the_environment_fills_variables() {
    let s = server();
    let spec = "vars:\n  item: '${SMOKE_ITEM}'\nsteps:\n  - name: moved\n    path: /old/${item}\n    expect:\n      status: 200\n      json: [{path: $.n, equals: '${SMOKE_ITEM}'}]\n";
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("SMOKE_ITEM", "5")],
        false,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| moved | GET /old/${item} | ✅ passed | 200 |"),
        "{}",
        run.summary
    );
}

#[test]
fn the_docs_show_the_spec_the_tests_run() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/smoke.md"))
            .unwrap();
    let start = docs.find("A full example").unwrap();
    let block = &docs[start..];
    let block = &block[block.find("```yaml\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    let file = std::fs::read_to_string(data("draft.yml")).unwrap();
    assert!(
        file.ends_with(block),
        "docs/smoke.md and tests/data/smoke/draft.yml differ"
    );
    let action = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("actions/smoke/action.yml"),
    )
    .unwrap();
    for input in [
        "spec",
        "base-url",
        "vars",
        "secrets",
        "expect-version",
        "timeout",
        "junit",
        "preset",
    ] {
        assert!(
            action.contains(&format!("\n  {input}:\n")),
            "{input} in action.yml"
        );
        assert!(docs.contains(&format!("| `{input}` |")), "{input} in docs");
    }
}

#[test]
fn a_failed_json_assertion_is_annotated_on_its_own_line() {
    let s = server();
    let spec = "steps:\n  - name: version\n    path: /version\n    expect:\n      status: 200\n      json:\n        - path: $.version\n          type: string\n        - path: $.version\n          matches: '^v[0-9]'\n";
    let spec = spec.replace("name: version", "name: release");
    let run = smoke(Some(&spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("::error title=step-failed%3A release failed,file=smoke.yml,line=9::step \"release\": $.version: expected matches /^v[0-9]/, got \"{SHA}\"")),
        "{}",
        run.stdout
    );
}

/// The job summary a reviewer reads when the deployed version is wrong (times masked).
#[test]
fn the_summary_of_a_wrong_version() {
    let s = server();
    let run = smoke(
        None,
        &[
            ("INPUT_PRESET", "health"),
            ("INPUT_BASE_URL", &s.url),
            ("INPUT_EXPECT_VERSION", "fedcba9"),
            // The version is polled until the deadline: keep it short.
            ("INPUT_TIMEOUT", "3s"),
        ],
        true,
    );
    let times = mask_polls(&mask_times(&run.summary));
    insta::assert_snapshot!(times);
}

/// Replaces the version check's poll count, which depends on the machine's pace.
fn mask_polls(text: &str) -> String {
    let polls = regex::Regex::new(r"still so after \d+ poll\(s\) in \[?[0-9.a-z]+\]?").unwrap();
    let row =
        regex::Regex::new(r"(\| version \| [^|]+\| [^|]+\| \d+ \| \[time\] \| )\d+ \|").unwrap();
    let text = polls.replace_all(text, "still so after [n] poll(s) in [time]");
    row.replace_all(&text, "${1}[n] |").into_owned()
}

#[test]
fn only_commit_shas_match_by_prefix() {
    let s = server();
    for (reported, expected) in [("release-10", "release-1"), ("2024.06.12", "2024.06.1")] {
        let spec = format!("version:\n  path: /release/{reported}\nsteps:\n  - path: /healthz\n");
        let run = smoke(
            Some(&spec),
            &[
                ("INPUT_BASE_URL", &s.url),
                ("INPUT_EXPECT_VERSION", expected),
                ("INPUT_TIMEOUT", "1s"),
            ],
            true,
        );
        assert_eq!(run.code, 1, "{expected} against {reported}: {}", run.stdout);
        assert!(
            run.stdout.contains(&format!(
                "::error title=wrong-version%3A version failed,file=smoke.yml::step \"version\": expected version {expected}, the service reports {reported};"
            )),
            "{}",
            run.stdout
        );
        // The log's table names its columns and each step's request.
        assert!(
            run.stdout.contains(&format!(
                "::group::Details\nStep  Request  Result  Status  Time  Attempts  Detail\nversion  GET /release/{reported}  ❌ failed  200  "
            )),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn the_version_is_retried_until_live_before_the_user_path_runs() {
    let s = server();
    let spec = "wait:\n  path: /readyz\n  every: 20ms\nversion:\n  path: /rollout\nsteps:\n  - name: new feature\n    path: /new-only\n    expect: {status: 200}\n";
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_EXPECT_VERSION", SHA)],
        false,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run
        .summary
        .lines()
        .filter(|l| l.starts_with("| "))
        .collect();
    // Readiness, then the version (polled while the old one still answers), then the user path.
    let order: Vec<&str> = lines
        .iter()
        .skip(2)
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    assert_eq!(
        order[..3],
        ["| wait", "| version", "| new feature"],
        "{}",
        run.summary
    );
    let version = lines.iter().find(|l| l.starts_with("| version |")).unwrap();
    assert!(
        version.ends_with(&format!("| {ROLLOUT_AFTER} |  |")),
        "polled until the new version answered: {version}"
    );
    assert_eq!(s.shared.rollout.load(Ordering::SeqCst), ROLLOUT_AFTER);
    // The text table names each request under its headers.
    assert!(
        run.stdout.contains("Step         Request        Result"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("GET /new-only"), "{}", run.stdout);
}

/// Replaces durations such as `12ms` and `1.52s` with `[time]`.
fn mask_times(text: &str) -> String {
    let mut out = String::new();
    for cell in text.split(" | ") {
        if !out.is_empty() {
            out.push_str(" | ");
        }
        let is_time = (cell.ends_with("ms")
            && cell[..cell.len() - 2].chars().all(|c| c.is_ascii_digit()))
            || (cell.ends_with('s')
                && cell[..cell.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.'));
        out.push_str(if is_time && cell.len() > 1 {
            "[time]"
        } else {
            cell
        });
    }
    out
}

#[test]
fn a_session_cookie_the_server_sets_is_never_printed() {
    let s = server();
    let spec = "steps:\n  - name: login\n    path: /login\n    expect:\n      status: 200\n      headers: {set-cookie: {contains: nope}}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], false);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("your session is ***"), "{}", run.stdout);
    assert!(
        !run.everything().contains("sess-abcdef-777"),
        "{}",
        run.everything()
    );
}

#[test]
fn a_capture_marked_secret_is_redacted_in_later_steps() {
    let s = server();
    let spec = "steps:\n  - name: session\n    path: /session\n    capture: {tok: {json: $.token, secret: true}}\n  - name: echo\n    path: /echo\n    headers: {X-Token: '${tok}'}\n    expect: {status: 200}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &s.url)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("you sent token=***"), "{}", run.stdout);
    assert_eq!(
        run.everything().matches("tok-live-5555").count(),
        1,
        "only in ::add-mask::\n{}",
        run.everything()
    );
    assert!(run.stdout.starts_with("::add-mask::tok-live-5555\n"));
}

#[test]
fn a_secret_just_before_the_excerpt_cut_shows_none_of_its_characters() {
    let s = server();
    let spec = "steps:\n  - name: cut\n    path: /cut500\n    expect: {status: 200}\n";
    let secrets = format!("cut={CUT_SECRET}");
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_SECRETS", &secrets)],
        false,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("body: xxxxxxxxxx"), "{}", run.stdout);
    let all = run.everything();
    assert!(!all.contains("cut-s"), "the first characters show:\n{all}");
    assert!(run.junit.unwrap().contains("***"));
}

#[test]
fn a_secret_with_xml_characters_appears_in_no_form_in_junit() {
    let s = server();
    let secret = "p&ss<w>rd'-77";
    let spec = "steps:\n  - name: echo\n    path: /echo\n    headers: {X-Token: '${api}'}\n    expect: {status: 200}\n";
    let secrets = format!("api={secret}");
    let run = smoke(
        Some(spec),
        &[("INPUT_BASE_URL", &s.url), ("INPUT_SECRETS", &secrets)],
        false,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let junit = run.junit.clone().unwrap();
    assert!(junit.contains("you sent token=***"), "{junit}");
    assert_junit_valid(&junit);
    let all = run.everything();
    for form in [
        secret,
        "p&amp;ss&lt;w&gt;rd&apos;-77",
        "p%26ss%3Cw%3Erd",
        "ss<w>",
        "ss&lt;w",
    ] {
        assert!(!all.contains(form), "{form} shows:\n{all}");
    }
}

#[test]
fn credentials_in_the_base_url_are_masked_in_every_form() {
    let s = server();
    let password = "url-pass-word-77";
    // What reqwest sends for the URL's user info, and what /echo then quotes.
    let basic = "Y2ktdXNlcjp1cmwtcGFzcy13b3JkLTc3";
    let base = s.url.replace("http://", "http://ci-user:url-pass-word-77@");
    let spec = "steps:\n  - name: echo\n    path: /echo\n    expect: {status: 200}\n";
    let run = smoke(Some(spec), &[("INPUT_BASE_URL", &base)], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("authorization=Basic ***"),
        "{}",
        run.stdout
    );
    let masks: Vec<&str> = run
        .stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .collect();
    assert!(masks.contains(&"::add-mask::url-pass-word-77"), "{masks:?}");
    assert!(
        masks.contains(&format!("::add-mask::{basic}").as_str()),
        "{masks:?}"
    );
    let rest: String = run
        .everything()
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    for form in [password, basic] {
        assert!(!rest.contains(form), "{form} shows:\n{rest}");
    }
}

#[test]
fn a_redirect_to_another_origin_carries_no_credentials_tenant_or_referer() {
    let here = server();
    let other = server();
    let spec = "steps:\n  - name: same origin\n    path: /away?to=/seen\n    headers: {X-Api-Key: '${key}', X-Scope-OrgID: tenant-7}\n    expect: {status: 200}\n  - name: other origin\n    path: /away?to=${other}/seen&token=${key}\n    headers: {X-Api-Key: '${key}', Private-Token: '${key}', X-Scope-OrgID: tenant-7, Authorization: 'Bearer ${key}'}\n    expect: {status: 200}\n";
    let vars = format!("other={}", other.url);
    let run = smoke(
        Some(spec),
        &[
            ("INPUT_BASE_URL", &here.url),
            ("INPUT_VARS", &vars),
            ("INPUT_SECRETS", "key=redirect-key-123456"),
        ],
        false,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let same = here.shared.seen.lock().unwrap().clone();
    assert_eq!(same.len(), 1, "{same:?}");
    assert_eq!(
        same[0].get("x-api-key").map(String::as_str),
        Some("redirect-key-123456")
    );
    assert_eq!(
        same[0].get("x-scope-orgid").map(String::as_str),
        Some("tenant-7")
    );
    let crossed = other.shared.seen.lock().unwrap().clone();
    assert_eq!(crossed.len(), 1, "{crossed:?}");
    for name in [
        "x-api-key",
        "private-token",
        "x-scope-orgid",
        "authorization",
        "referer",
    ] {
        assert!(
            !crossed[0].contains_key(name),
            "{name} reached the other origin: {crossed:?}"
        );
    }
    assert!(!same[0].contains_key("referer"), "{same:?}");
}
