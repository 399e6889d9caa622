//! A loopback mock of GitHub's REST API for the gate-on-green and PR comment tests: wiremock answering with the
//! documented shapes (tests/data/gate_on_green/, from GitHub's OpenAPI description), a timeline
//! of check runs and statuses over virtual time, ETags and 304s, scripted faults, and a check of
//! every request against spec-subset.json (the Rust port of validate_request.py).

#![allow(dead_code)]

use crate::support::github_spec::Spec;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gate_on_green/");

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}{name}")).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub const SHA: &str = "ce587453ced02b1526dfb4cb910479d431683101";
pub const TOKEN: &str = "ghs_mocktoken0123456789abcdef";
pub const ACTIONS_APP: u64 = 15368;

/// A check run on the timeline: appears, then completes with a conclusion. An Actions check
/// run is also the job of the workflow run whose check suite it is in.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub id: u64,
    pub name: String,
    pub app_id: u64,
    pub appears: Duration,
    pub completes: Option<(Duration, String)>,
    pub suite: u64,
    /// The job's runner.
    pub runner: String,
    /// The name of the job's step in progress while it runs.
    pub step: String,
}

impl RunSpec {
    pub fn new(id: u64, name: &str) -> Self {
        RunSpec {
            id,
            name: name.into(),
            app_id: ACTIONS_APP,
            appears: Duration::ZERO,
            completes: None,
            suite: 1,
            runner: format!("runner-{id}"),
            step: "Run tests".into(),
        }
    }
    pub fn suite(mut self, suite: u64) -> Self {
        self.suite = suite;
        self
    }
    pub fn runner(mut self, runner: &str) -> Self {
        self.runner = runner.into();
        self
    }
    /// The job is running this step (e.g. a gate's step).
    pub fn step(mut self, step: &str) -> Self {
        self.step = step.into();
        self
    }
    fn completed_by(&self, now: Duration) -> Option<&str> {
        match &self.completes {
            Some((at, conclusion)) if *at <= now => Some(conclusion),
            _ => None,
        }
    }
    pub fn done(mut self, at_secs: u64, conclusion: &str) -> Self {
        self.completes = Some((Duration::from_secs(at_secs), conclusion.into()));
        self
    }
    pub fn appears(mut self, at_secs: u64) -> Self {
        self.appears = Duration::from_secs(at_secs);
        self
    }
    pub fn app(mut self, app_id: u64) -> Self {
        self.app_id = app_id;
        self
    }
}

#[derive(Debug, Clone)]
pub struct StatusSpec {
    pub id: u64,
    pub context: String,
    pub appears: Duration,
    pub completes: Option<(Duration, String)>,
}

impl StatusSpec {
    pub fn new(id: u64, context: &str) -> Self {
        StatusSpec {
            id,
            context: context.into(),
            appears: Duration::ZERO,
            completes: None,
        }
    }
    pub fn done(mut self, at_secs: u64, state: &str) -> Self {
        self.completes = Some((Duration::from_secs(at_secs), state.into()));
        self
    }
}

/// A workflow run on the commit: its check suite holds the check runs (jobs) of that suite.
/// It is done at `completes`, or else once every job of its suite has completed.
#[derive(Debug, Clone)]
pub struct WorkflowRunSpec {
    pub id: u64,
    pub name: String,
    pub path: String,
    pub check_suite_id: u64,
    pub attempt: u64,
    pub completes: Option<Duration>,
}

impl WorkflowRunSpec {
    pub fn new(id: u64, name: &str, path: &str, check_suite_id: u64) -> Self {
        WorkflowRunSpec {
            id,
            name: name.into(),
            path: path.into(),
            check_suite_id,
            attempt: 1,
            completes: None,
        }
    }
    /// Still running until `at_secs` although its jobs may all be done (a job that `needs:`
    /// them has not been created yet).
    pub fn done(mut self, at_secs: u64) -> Self {
        self.completes = Some(Duration::from_secs(at_secs));
        self
    }
    pub fn attempt(mut self, attempt: u64) -> Self {
        self.attempt = attempt;
        self
    }
}

pub use crate::support::github_spec::Fault;

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Duration,
    pub operation: String,
    pub path: String,
    pub conditional: bool,
    pub status: u16,
}

#[derive(Default)]
pub struct World {
    pub now: Duration,
    /// The pull request's comments (`issues/{n}/comments`), oldest first, as the API has them.
    pub comments: Vec<Value>,
    pub runs: Vec<RunSpec>,
    pub statuses: Vec<StatusSpec>,
    /// `rules/branches/{branch}` answer (an array).
    pub rules: Value,
    /// Classic protection contexts on `branches/{branch}`; None: not protected.
    pub protection: Option<Vec<String>>,
    /// Answer `branches/{branch}` with this status instead (e.g. 404).
    pub branch_status: Option<u16>,
    pub head_sha: String,
    /// Workflow runs on the commit; their jobs are the check runs of their suites.
    pub workflow_runs: Vec<WorkflowRunSpec>,
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// Serve ETags and answer 304 to a matching If-None-Match.
    pub etags: bool,
    pub seen: Vec<Seen>,
    pub violations: Vec<String>,
    pub auth_missing: u32,
    pub rate_remaining: u64,
    /// Per deployment environment: its secrets' names, and its variables (name, value).
    pub environment_secrets: HashMap<String, Vec<String>>,
    pub environment_variables: HashMap<String, Vec<(String, String)>>,
}

#[derive(Clone)]
pub struct GitHub {
    pub server: Arc<MockServer>,
    pub world: Arc<Mutex<World>>,
    /// Path prefix of the API (GHES: `/api/v3`).
    pub prefix: String,
}

impl GitHub {
    pub async fn start() -> Self {
        Self::start_with_prefix("").await
    }

    pub async fn start_with_prefix(prefix: &str) -> Self {
        let server = MockServer::start().await;
        let world = Arc::new(Mutex::new(World {
            rules: json!([]),
            head_sha: SHA.into(),
            etags: true,
            rate_remaining: 1000,
            ..World::default()
        }));
        let responder = Responder {
            world: world.clone(),
            prefix: prefix.to_string(),
            spec: Spec::load(&format!("{DATA}spec-subset.json")),
        };
        Mock::given(any())
            .respond_with(responder)
            .mount(&server)
            .await;
        GitHub {
            server: Arc::new(server),
            world,
            prefix: prefix.into(),
        }
    }

    pub fn base(&self) -> String {
        format!("{}{}", self.server.uri(), self.prefix)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.world.lock().unwrap())
    }

    pub fn fault(&self, operation: &str, fault: Fault) {
        self.with(|w| {
            w.faults
                .entry(operation.to_string())
                .or_default()
                .push_back(fault)
        });
    }

    /// A closure for the gate's `woke` hook: moves the mock's timeline to the (paused) clock.
    pub fn clock(&self) -> impl Fn() + use<> {
        let world = self.world.clone();
        let start = tokio::time::Instant::now();
        move || world.lock().unwrap().now = start.elapsed()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.with(|w| w.seen.clone())
    }

    pub fn count(&self, operation: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.operation == operation)
            .count()
    }

    /// Every request valid per the spec subset, and every one authenticated.
    pub fn assert_valid_requests(&self) {
        self.with(|w| {
            assert!(
                w.violations.is_empty(),
                "invalid requests: {:#?}",
                w.violations
            );
            assert_eq!(w.auth_missing, 0, "requests without the token");
        });
    }
}

struct Responder {
    world: Arc<Mutex<World>>,
    prefix: String,
    spec: Spec,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut world = self.world.lock().unwrap();
        let path = request.url.path().to_string();
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let full = match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        if request
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap_or(""))
            != Some(&format!("Bearer {TOKEN}"))
        {
            world.auth_missing += 1;
        }
        let Some(stripped) = path
            .strip_prefix(&self.prefix)
            .filter(|p| p.starts_with('/'))
        else {
            world
                .violations
                .push(format!("{full}: not under the API base {:?}", self.prefix));
            return ResponseTemplate::new(404);
        };
        let (operation, params) = match self.spec.check(request.method.as_str(), stripped, &query) {
            Ok(found) => found,
            Err(errors) => {
                world.violations.extend(errors);
                return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
            }
        };
        let conditional = request.headers.get("if-none-match").is_some();
        let at = world.now;
        let mut scripted_rate_headers = false;
        let response = match world.faults.get_mut(&operation).and_then(|q| q.pop_front()) {
            Some(fault) => {
                scripted_rate_headers = fault
                    .headers
                    .iter()
                    .any(|(k, _)| k.starts_with("x-ratelimit"));
                let mut r = ResponseTemplate::new(fault.status).set_body_json(fault.body);
                for (k, v) in fault.headers {
                    r = r.insert_header(k.as_str(), v.as_str());
                }
                (fault.status, r)
            }
            None => answer(&mut world, &operation, &params, &query, request),
        };
        let (status, mut template) = response;
        if status != 304 {
            world.rate_remaining = world.rate_remaining.saturating_sub(1);
        }
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        if !scripted_rate_headers {
            template = template
                .insert_header("x-ratelimit-limit", "1000")
                .insert_header(
                    "x-ratelimit-remaining",
                    world.rate_remaining.to_string().as_str(),
                )
                .insert_header("x-ratelimit-reset", reset.to_string().as_str());
        }
        world.seen.push(Seen {
            at,
            operation,
            path: full,
            conditional,
            status,
        });
        template
    }
}

fn answer(
    world: &mut World,
    operation: &str,
    params: &HashMap<String, String>,
    query: &[(String, String)],
    request: &Request,
) -> (u16, ResponseTemplate) {
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let per_page: usize = q("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
    let page: usize = q("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    let slice = |items: Vec<Value>| page_of(items, page, per_page);
    let now = world.now;
    let body = match operation {
        "checks/list-for-ref" => {
            let template = fixture("check-runs.list-for-ref.json")["check_runs"][0].clone();
            let visible: Vec<&RunSpec> = world.runs.iter().filter(|r| r.appears <= now).collect();
            // Slices before building the JSON: a test may put thousands of runs on the commit.
            let (total, page_runs) = page_of(visible, page, per_page);
            let runs: Vec<Value> = page_runs
                .into_iter()
                .map(|r| {
                    let mut run = template.clone();
                    run["id"] = json!(r.id);
                    run["name"] = json!(r.name);
                    run["head_sha"] = json!(params.get("ref").cloned().unwrap_or_default());
                    run["check_suite"]["id"] = json!(r.suite);
                    run["app"]["id"] = json!(r.app_id);
                    run["app"]["slug"] = json!(if r.app_id == ACTIONS_APP {
                        "github-actions"
                    } else {
                        "octoapp"
                    });
                    run["html_url"] = json!(format!(
                        "https://github.com/octo-org/octo-repo/runs/{}",
                        r.id
                    ));
                    match r.completed_by(now) {
                        Some(conclusion) => {
                            run["status"] = json!("completed");
                            run["conclusion"] = json!(conclusion);
                        }
                        None => {
                            run["status"] = json!("in_progress");
                            run["conclusion"] = Value::Null;
                            run["completed_at"] = Value::Null;
                        }
                    }
                    run
                })
                .collect();
            json!({"total_count": total, "check_runs": runs})
        }
        "actions/list-workflow-runs-for-repo" => {
            let mut list = fixture("actions.workflow-runs.list-for-repo.json");
            let template = list["workflow_runs"][0].clone();
            let head_sha = q("head_sha").unwrap_or_default();
            let runs: Vec<Value> = world
                .workflow_runs
                .iter()
                .map(|w| {
                    let jobs_done = world
                        .runs
                        .iter()
                        .filter(|r| r.suite == w.check_suite_id)
                        .all(|r| r.appears <= now && r.completed_by(now).is_some());
                    let done = match w.completes {
                        Some(at) => at <= now,
                        None => jobs_done,
                    };
                    let mut run = template.clone();
                    run["id"] = json!(w.id);
                    run["name"] = json!(w.name);
                    run["path"] = json!(w.path);
                    run["check_suite_id"] = json!(w.check_suite_id);
                    run["head_sha"] = json!(head_sha);
                    run["run_attempt"] = json!(w.attempt);
                    run["status"] = json!(if done { "completed" } else { "in_progress" });
                    run["conclusion"] = if done { json!("success") } else { Value::Null };
                    run["html_url"] = json!(format!(
                        "https://github.com/octo-org/octo-repo/actions/runs/{}",
                        w.id
                    ));
                    run
                })
                .collect();
            let (total, page_items) = slice(runs);
            list["total_count"] = json!(total);
            list["workflow_runs"] = json!(page_items);
            list
        }
        "repos/get-combined-status-for-ref" => {
            let mut combined = fixture("commits.combined-status.json");
            let template = combined["statuses"][0].clone();
            let statuses: Vec<Value> = world
                .statuses
                .iter()
                .filter(|s| s.appears <= now)
                .map(|s| {
                    let mut st = template.clone();
                    st["id"] = json!(s.id);
                    st["context"] = json!(s.context);
                    st["state"] = match &s.completes {
                        Some((at, state)) if *at <= now => json!(state),
                        _ => json!("pending"),
                    };
                    st
                })
                .collect();
            let overall = if statuses.is_empty() || statuses.iter().any(|s| s["state"] == "pending")
            {
                "pending"
            } else if statuses.iter().all(|s| s["state"] == "success") {
                "success"
            } else {
                "failure"
            };
            let (total, page_items) = slice(statuses);
            combined["state"] = json!(overall);
            combined["statuses"] = json!(page_items);
            combined["total_count"] = json!(total);
            combined["sha"] = json!(params.get("ref").cloned().unwrap_or_default());
            combined
        }
        "repos/get-branch-rules" => {
            let Value::Array(rules) = world.rules.clone() else {
                panic!("rules are an array")
            };
            json!(slice(rules).1)
        }
        "repos/get-branch" => {
            if let Some(status) = world.branch_status {
                return (
                    status,
                    ResponseTemplate::new(status)
                        .set_body_json(json!({"message": "Branch not found"})),
                );
            }
            let mut branch = fixture("branches.get.json");
            branch["name"] = json!(params.get("branch").cloned().unwrap_or_default());
            branch["commit"]["sha"] = json!(world.head_sha);
            if let Some(contexts) = &world.protection {
                branch["protected"] = json!(true);
                branch["protection"] = json!({
                    "enabled": true,
                    "required_status_checks": {
                        "enforcement_level": "non_admins",
                        "contexts": contexts,
                        "checks": contexts.iter().map(|c| json!({"context": c, "app_id": null})).collect::<Vec<_>>()
                    }
                });
            }
            branch
        }
        "actions/list-jobs-for-workflow-run-attempt" => {
            let mut list = fixture("actions.jobs.list-for-run-attempt.json");
            let template = list["jobs"][0].clone();
            let run_id: u64 = params["run_id"].parse().unwrap_or(0);
            let suite = world
                .workflow_runs
                .iter()
                .find(|w| w.id == run_id)
                .map(|w| w.check_suite_id);
            let jobs: Vec<Value> = world
                .runs
                .iter()
                .filter(|r| r.app_id == ACTIONS_APP && Some(r.suite) == suite && r.appears <= now)
                .map(|r| {
                    let conclusion = r.completed_by(now);
                    let status = if conclusion.is_some() { "completed" } else { "in_progress" };
                    let mut job = template.clone();
                    job["id"] = json!(r.id);
                    job["run_id"] = json!(run_id);
                    job["name"] = json!(r.name);
                    job["status"] = json!(status);
                    job["conclusion"] = json!(conclusion);
                    job["runner_name"] = json!(r.runner);
                    job["steps"] = json!([
                        {"name": "Set up job", "status": "completed", "conclusion": "success", "number": 1},
                        {"name": r.step, "status": status, "conclusion": conclusion, "number": 2}
                    ]);
                    job["check_run_url"] = json!(format!(
                        "https://api.github.com/repos/octo-org/octo-repo/check-runs/{}",
                        r.id
                    ));
                    job
                })
                .collect();
            let (total, page_items) = slice(jobs);
            list["total_count"] = json!(total);
            list["jobs"] = json!(page_items);
            list
        }
        "issues/list-comments" => {
            let (_, page_items) = slice(world.comments.clone());
            json!(page_items)
        }
        "issues/create-comment" | "issues/update-comment" => {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let Some(text) = body["body"].as_str() else {
                world.violations.push(format!("{operation} without a body"));
                return (422, ResponseTemplate::new(422));
            };
            if operation == "issues/create-comment" {
                let mut comment = fixture("issues.comments.create.json");
                comment["id"] = json!(1000 + world.comments.len() as u64);
                comment["body"] = json!(text);
                world.comments.push(comment.clone());
                return (201, ResponseTemplate::new(201).set_body_json(comment));
            }
            let id: u64 = params["comment_id"].parse().unwrap_or(0);
            let Some(comment) = world.comments.iter_mut().find(|c| c["id"] == json!(id)) else {
                return (
                    404,
                    ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
                );
            };
            comment["body"] = json!(text);
            comment.clone()
        }
        "actions/list-environment-secrets" | "actions/list-environment-variables" => {
            let environment = params["environment_name"].clone();
            let secrets = operation == "actions/list-environment-secrets";
            let (file, key) = if secrets {
                ("actions.environment-secrets.list.json", "secrets")
            } else {
                ("actions.environment-variables.list.json", "variables")
            };
            let mut list = fixture(file);
            let template = list[key][0].clone();
            let items: Option<Vec<Value>> = if secrets {
                world.environment_secrets.get(&environment).map(|names| {
                    names
                        .iter()
                        .map(|n| {
                            let mut item = template.clone();
                            item["name"] = json!(n);
                            item
                        })
                        .collect()
                })
            } else {
                world.environment_variables.get(&environment).map(|vars| {
                    vars.iter()
                        .map(|(n, v)| {
                            let mut item = template.clone();
                            item["name"] = json!(n);
                            item["value"] = json!(v);
                            item
                        })
                        .collect()
                })
            };
            let Some(items) = items else {
                return (
                    404,
                    ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
                );
            };
            // GitHub serves at most 30 variables a page, whatever per_page asks.
            let per_page = if secrets { per_page } else { per_page.min(30) };
            let (total, page_items) = page_of(items, page, per_page);
            list["total_count"] = json!(total);
            list[key] = json!(page_items);
            list
        }
        other => {
            world
                .violations
                .push(format!("the mock does not serve {other}"));
            return (501, ResponseTemplate::new(501));
        }
    };
    let text = serde_json::to_string(&body).unwrap();
    let etag = format!("W/\"{:016x}\"", fnv(text.as_bytes()));
    let sent = request
        .headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok());
    if world.etags && sent == Some(etag.as_str()) {
        return (
            304,
            ResponseTemplate::new(304).insert_header("etag", etag.as_str()),
        );
    }
    let mut template =
        ResponseTemplate::new(200).set_body_raw(text, "application/json; charset=utf-8");
    if world.etags {
        template = template.insert_header("etag", etag.as_str());
    }
    (200, template)
}

/// One page of a list, and the list's length.
fn page_of<T>(items: Vec<T>, page: usize, per_page: usize) -> (usize, Vec<T>) {
    let total = items.len();
    (
        total,
        items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect(),
    )
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    })
}

#[test]
fn spec_check_accepts_valid_and_rejects_invalid_requests() {
    let spec = Spec::load(&format!("{DATA}spec-subset.json"));
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let ok = spec
        .check(
            "GET",
            "/repos/o/r/commits/abc/check-runs",
            &q(&[("filter", "latest"), ("per_page", "100")]),
        )
        .unwrap();
    assert_eq!(ok.0, "checks/list-for-ref");
    assert_eq!(
        spec.check("GET", "/repos/o/r/rules/branches/release/1.x", &[])
            .unwrap()
            .1["branch"],
        "release/1.x"
    );
    assert!(
        spec.check(
            "GET",
            "/repos/o/r/commits/abc/check-runs",
            &q(&[("filter", "newest")])
        )
        .is_err()
    );
    assert!(
        spec.check(
            "GET",
            "/repos/o/r/commits/abc/check-runs",
            &q(&[("per_page", "101")])
        )
        .is_err()
    );
    assert!(
        spec.check(
            "GET",
            "/repos/o/r/commits/abc/check-runs",
            &q(&[("sort", "x")])
        )
        .is_err()
    );
    assert!(spec.check("GET", "/repos/o/r/no-such-list", &[]).is_err());
    assert!(
        spec.check("POST", "/repos/o/r/commits/abc/check-runs", &[])
            .is_err()
    );
}
