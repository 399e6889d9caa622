//! A loopback mock of GitHub's pull request API for the pr-dependencies tests: wiremock answering
//! `GET /repos/{o}/{r}/pulls/{n}` and `GET /repos/{o}/{r}/pulls` with the documented shapes
//! (tests/data/github_api/, from GitHub's OpenAPI description), lists paged by `Link` headers,
//! pull requests in several repositories, scripted faults, and every request checked against
//! the spec subset.

#![allow(dead_code)]

use crate::support::github_spec::Spec;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/github_api/");

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}{name}")).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub const TOKEN: &str = "ghs_prdepsmocktoken0123456789";
pub const REPO: &str = "octo-org/octo-repo";

/// A pull request of the mock's world.
#[derive(Debug, Clone)]
pub struct Pr {
    pub repo: String,
    pub number: u64,
    /// open, closed or merged.
    pub state: &'static str,
    pub draft: bool,
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    pub labels: Vec<String>,
}

impl Pr {
    /// An open pull request in `REPO` from branch `pr-<n>` into `main`.
    pub fn open(number: u64, body: &str) -> Self {
        Pr {
            repo: REPO.into(),
            number,
            state: "open",
            draft: false,
            title: format!("Change {number}"),
            body: body.into(),
            head: format!("pr-{number}"),
            base: "main".into(),
            labels: vec![],
        }
    }
    pub fn merged(number: u64) -> Self {
        Pr {
            state: "merged",
            ..Pr::open(number, "")
        }
    }
    pub fn closed(number: u64) -> Self {
        Pr {
            state: "closed",
            ..Pr::open(number, "")
        }
    }
    pub fn in_repo(mut self, repo: &str) -> Self {
        self.repo = repo.into();
        self
    }
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.into();
        self
    }
    pub fn draft(mut self) -> Self {
        self.draft = true;
        self
    }
    /// Stacked: it merges into `base` instead of main.
    pub fn base(mut self, base: &str) -> Self {
        self.base = base.into();
        self
    }
    pub fn head(mut self, head: &str) -> Self {
        self.head = head.into();
        self
    }
    pub fn label(mut self, label: &str) -> Self {
        self.labels.push(label.into());
        self
    }
}

pub use crate::support::github_spec::Fault;

#[derive(Default)]
pub struct World {
    pub pulls: Vec<Pr>,
    /// Repositories whose every request is answered with this status (403: forbidden, 404).
    pub repo_status: HashMap<String, u16>,
    /// Faults by request path (without the query), served first.
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// Page size the list serves whatever `per_page` asks (to force pagination).
    pub page_size: Option<usize>,
    /// Pages past which the list's `Link` header lies: points back to page 1.
    pub loop_after_page: Option<usize>,
    pub seen: Vec<String>,
    pub violations: Vec<String>,
    pub auth_missing: u32,
}

#[derive(Clone)]
pub struct GitHub {
    pub server: Arc<MockServer>,
    pub world: Arc<Mutex<World>>,
}

impl GitHub {
    pub async fn start(pulls: Vec<Pr>) -> Self {
        let server = MockServer::start().await;
        let world = Arc::new(Mutex::new(World {
            pulls,
            ..World::default()
        }));
        let responder = Responder {
            world: world.clone(),
            spec: Spec::load(&format!("{DATA}spec-subset.json")),
            base: server.uri(),
        };
        Mock::given(any())
            .respond_with(responder)
            .mount(&server)
            .await;
        GitHub {
            server: Arc::new(server),
            world,
        }
    }

    pub fn base(&self) -> String {
        self.server.uri()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.world.lock().unwrap())
    }

    pub fn fault(&self, path: &str, fault: Fault) {
        self.with(|w| w.faults.entry(path.into()).or_default().push_back(fault));
    }

    pub fn seen(&self) -> Vec<String> {
        self.with(|w| w.seen.clone())
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
    spec: Spec,
    base: String,
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
        world.seen.push(match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        });
        if request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            != Some(format!("Bearer {TOKEN}").as_str())
        {
            world.auth_missing += 1;
        }
        let (operation, params) = match self.spec.check(request.method.as_str(), &path, &query) {
            Ok(found) => found,
            Err(errors) => {
                world.violations.extend(errors);
                return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
            }
        };
        if let Some(fault) = world.faults.get_mut(&path).and_then(|q| q.pop_front()) {
            let mut r = ResponseTemplate::new(fault.status).set_body_json(fault.body);
            for (k, v) in fault.headers {
                r = r.insert_header(k.as_str(), v.as_str());
            }
            return r;
        }
        let repo = format!("{}/{}", params["owner"], params["repo"]).to_ascii_lowercase();
        if let Some(status) = world.repo_status.get(&repo) {
            let message = if *status == 403 {
                "Resource not accessible by integration"
            } else {
                "Not Found"
            };
            return ResponseTemplate::new(*status).set_body_json(json!({"message": message}));
        }
        let q = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        match operation.as_str() {
            "pulls/get" => {
                let number: u64 = params["pull_number"].parse().unwrap_or(0);
                match world
                    .pulls
                    .iter()
                    .find(|p| p.repo.eq_ignore_ascii_case(&repo) && p.number == number)
                {
                    Some(pr) => {
                        ResponseTemplate::new(200).set_body_json(render(pr, "pulls.get.json", true))
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                    }
                }
            }
            "pulls/list" => {
                let state = q("state").unwrap_or_else(|| "open".into());
                let head = q("head");
                let items: Vec<Value> = world
                    .pulls
                    .iter()
                    .filter(|p| p.repo.eq_ignore_ascii_case(&repo))
                    .filter(|p| match state.as_str() {
                        "open" => p.state == "open",
                        "closed" => p.state != "open",
                        _ => true,
                    })
                    .filter(|p| {
                        head.as_deref()
                            .is_none_or(|h| *h == format!("{}:{}", owner(&p.repo), p.head))
                    })
                    .map(|p| render(p, "pulls.list.json", false))
                    .collect();
                let per_page: usize = q("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
                let per_page = world.page_size.unwrap_or(per_page).max(1);
                let page: usize = q("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                let last = items.len().div_ceil(per_page).max(1);
                let body: Vec<Value> = items
                    .into_iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .collect();
                let link_to = |n: usize| {
                    let mut pairs: Vec<String> = query
                        .iter()
                        .filter(|(k, _)| k != "page")
                        .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
                        .collect();
                    pairs.push(format!("page={n}"));
                    format!("<{}{path}?{}>", self.base, pairs.join("&"))
                };
                let mut links = Vec::new();
                if world.loop_after_page.is_some_and(|after| page >= after) {
                    links.push(format!("{}; rel=\"next\"", link_to(1)));
                } else if page < last {
                    links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
                }
                links.push(format!("{}; rel=\"last\"", link_to(last)));
                ResponseTemplate::new(200)
                    .set_body_json(Value::Array(body))
                    .insert_header("link", links.join(", ").as_str())
            }
            other => {
                world
                    .violations
                    .push(format!("the mock does not serve {other}"));
                ResponseTemplate::new(501)
            }
        }
    }
}

fn owner(repo: &str) -> &str {
    repo.split('/').next().unwrap_or_default()
}

/// A pull request in the documented shape: the fixture with this one's fields, consistent
/// (`state`, `merged`, `merged_at`). List items have no `merged` field.
fn render(pr: &Pr, fixture_name: &str, single: bool) -> Value {
    let mut v = fixture(fixture_name);
    if !single {
        v = v[0].clone();
    }
    let (state, merged_at) = match pr.state {
        "merged" => ("closed", json!("2026-11-30T12:00:00Z")),
        "closed" => ("closed", Value::Null),
        _ => ("open", Value::Null),
    };
    v["number"] = json!(pr.number);
    v["state"] = json!(state);
    v["title"] = json!(pr.title);
    v["body"] = json!(pr.body);
    v["draft"] = json!(pr.draft);
    v["merged_at"] = merged_at;
    v["closed_at"] = if state == "closed" {
        json!("2026-11-30T12:00:00Z")
    } else {
        Value::Null
    };
    if single {
        v["merged"] = json!(pr.state == "merged");
    }
    v["html_url"] = json!(format!("https://github.com/{}/pull/{}", pr.repo, pr.number));
    v["labels"] = json!(
        pr.labels
            .iter()
            .map(|l| json!({"id": 1, "name": l, "color": "f29513"}))
            .collect::<Vec<_>>()
    );
    for (side, branch) in [("head", &pr.head), ("base", &pr.base)] {
        v[side]["ref"] = json!(branch);
        v[side]["label"] = json!(format!("{}:{branch}", owner(&pr.repo)));
        v[side]["repo"]["full_name"] = json!(pr.repo);
        v[side]["repo"]["default_branch"] = json!("main");
    }
    v
}

/// The mock's pull requests by `repo#number`, for assertions.
pub fn index(pulls: &[Pr]) -> BTreeMap<String, Pr> {
    pulls
        .iter()
        .map(|p| (format!("{}#{}", p.repo, p.number), p.clone()))
        .collect()
}
