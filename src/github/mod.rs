//! GitHub REST API access over the crate's one reqwest client policy (`crate::http`): base URL
//! from `GITHUB_API_URL` (GitHub Enterprise Server: `https://HOST/api/v3`), the token registered
//! as a secret, conditional requests with an ETag cache (a 304 costs no rate limit), and a count
//! of the requests made and billed.
//!
//! The models are our own (`models`): octocrab's checks API lacks the filters and fields we need,
//! and it brings a second HTTP stack (hyper-rustls) next to reqwest.

pub mod comment;
pub mod models;

use crate::http::{Policy, Unreachable};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::time::Instant;

pub const DEFAULT_API_URL: &str = "https://api.github.com";
pub const API_VERSION: &str = "2022-11-28";
/// GitHub's largest page.
pub const PER_PAGE: u32 = 100;
/// The largest page of the Actions variables endpoints.
pub const VARIABLES_PER_PAGE: u32 = 30;
/// The most pages one list is read from (100 000 items), so that a server announcing an endless
/// list cannot keep the gate paging until its deadline.
pub const MAX_PAGES: u32 = 1000;

/// The largest answer read: a page of 100 check runs is well under 1 MiB, and reading without a
/// cap lets one answer take all the runner's memory.
pub const MAX_BODY: usize = 16 << 20;

/// What the API answered that we cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    /// A final non-success answer (after retries for the retryable ones).
    #[error("{url}: HTTP {status}{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: unexpected answer: {reason}")]
    Decode { url: String, reason: String },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Requests made so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every HTTP request sent, retries included.
    pub sent: u32,
    /// Answered 304 Not Modified: free of the primary rate limit.
    pub not_modified: u32,
    /// `x-ratelimit-remaining` of the last answer that had it.
    pub rate_remaining: Option<u64>,
    /// `x-ratelimit-reset` (epoch seconds) of the last answer that had it.
    pub rate_reset: Option<u64>,
}

impl Stats {
    /// Requests that count against the primary rate limit (everything but 304s).
    pub fn billed(&self) -> u32 {
        self.sent - self.not_modified
    }
}

/// A decoded answer, and whether it differs from the last one for the same URL.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub value: T,
    pub changed: bool,
}

#[derive(Debug, Clone)]
struct Cached {
    etag: String,
    body: bytes::Bytes,
    /// The answer's `rel="next"` link, which a 304 does not repeat.
    next: Option<String>,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    policy: Policy,
    cache: Mutex<HashMap<String, Cached>>,
    stats: Mutex<Stats>,
}

impl Client {
    /// A client for `base` (e.g. `https://api.github.com` or `https://ghe.example/api/v3`). The
    /// token is registered as a secret before anything else happens with it.
    pub fn new(
        http: reqwest::Client,
        base: &str,
        token: Option<String>,
        policy: Policy,
    ) -> Result<Self, String> {
        let base = base.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| format!("API URL {base:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("API URL {base:?} is not http(s)"));
        }
        let token = token
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(token) = &token {
            crate::gha::secrets::register(token);
            crate::gha::secrets::check_one_line("`github-token` (or GITHUB_TOKEN)", token)?;
        }
        Ok(Client {
            http,
            base,
            token,
            policy,
            cache: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
        })
    }

    /// The API base from `GITHUB_API_URL`, else api.github.com.
    pub fn base_from_env() -> String {
        std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string())
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// GETs `path` (with its query) under the base URL, conditionally when an ETag is cached.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<T>, ApiError> {
        self.get_linked(path, deadline)
            .await
            .map(|(fetched, _)| fetched)
    }

    /// `get`, and the answer's `rel="next"` link as a path under the base URL.
    async fn get_linked<T: DeserializeOwned>(
        &self,
        path: &str,
        deadline: Option<Instant>,
    ) -> Result<(Fetched<T>, Option<String>), ApiError> {
        let url = format!("{}{}", self.base, path);
        let etag = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&url)
            .map(|c| c.etag.clone());
        let response = crate::http::send(&self.policy, deadline, || {
            self.stats.lock().unwrap_or_else(|e| e.into_inner()).sent += 1;
            let mut request = self
                .http
                .get(&url)
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", API_VERSION);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if let Some(etag) = &etag {
                request = request.header("if-none-match", etag);
            }
            request
        })
        .await?;
        let shown = redacted(&url);
        self.note_rate_limit(response.headers());
        let status = response.status().as_u16();
        if status == 304 {
            self.stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .not_modified += 1;
            let cached = self
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&url)
                .cloned();
            let Some(cached) = cached else {
                return Err(ApiError::Decode {
                    url: shown,
                    reason: "304 Not Modified to an unconditional request".into(),
                });
            };
            return decode(&shown, &cached.body).map(|value| {
                (
                    Fetched {
                        value,
                        changed: false,
                    },
                    cached.next,
                )
            });
        }
        let new_etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let next = next_link(response.headers());
        let body = crate::http::read_capped(response, MAX_BODY)
            .await
            .map_err(|e| ApiError::Decode {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        let body = bytes::Bytes::from(body);
        if !(200..300).contains(&status) {
            return Err(ApiError::Status {
                url: shown,
                status,
                message: error_message(&body),
            });
        }
        let value = decode(&shown, &body)?;
        let next = next
            .map(|link| self.under_base(&link, &shown))
            .transpose()?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let changed = cache.get(&url).is_none_or(|c| c.body != body);
        match new_etag {
            Some(etag) => {
                let next = next.clone();
                cache.insert(url, Cached { etag, body, next });
            }
            None => {
                cache.remove(&url);
            }
        }
        Ok((Fetched { value, changed }, next))
    }

    /// A link from an answer as a path under the base URL. A link elsewhere is refused: the
    /// token would go with the request to whatever host the answer named.
    fn under_base(&self, link: &str, shown: &str) -> Result<String, ApiError> {
        link.strip_prefix(&self.base)
            .filter(|rest| rest.starts_with('/'))
            .map(str::to_string)
            .ok_or_else(|| ApiError::Decode {
                url: shown.to_string(),
                reason: format!(
                    "the next page's link {:?} is not under the API base",
                    redacted(link)
                ),
            })
    }

    fn note_rate_limit(&self, headers: &reqwest::header::HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(remaining) = number("x-ratelimit-remaining") {
            stats.rate_remaining = Some(remaining);
        }
        if let Some(reset) = number("x-ratelimit-reset") {
            stats.rate_reset = Some(reset);
        }
    }

    /// Every check run of a commit (`filter=latest`, every page).
    pub async fn check_runs(
        &self,
        repo: &Repo,
        sha: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::CheckRun>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/commits/{}/check-runs?filter=latest&per_page={PER_PAGE}",
            repo.owner,
            repo.name,
            encode_path(sha)
        );
        self.pages(&path, deadline, |list: models::CheckRunList| {
            (list.check_runs, Some(list.total_count))
        })
        .await
    }

    /// The combined status of a commit, every page; `total_count == 0` means no statuses.
    pub async fn combined_status(
        &self,
        repo: &Repo,
        sha: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::Status>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/commits/{}/status?per_page={PER_PAGE}",
            repo.owner,
            repo.name,
            encode_path(sha)
        );
        self.pages(&path, deadline, |c: models::CombinedStatus| {
            (c.statuses, Some(c.total_count))
        })
        .await
    }

    /// The rules that apply to a branch, from every active ruleset.
    pub async fn branch_rules(
        &self,
        repo: &Repo,
        branch: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::Rule>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/rules/branches/{}?per_page={PER_PAGE}",
            repo.owner,
            repo.name,
            encode_path(branch)
        );
        self.pages(&path, deadline, |rules: Vec<models::Rule>| (rules, None))
            .await
    }

    /// A branch: its head commit and, as far as the token may read it, its classic protection.
    pub async fn branch(
        &self,
        repo: &Repo,
        branch: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<models::Branch>, ApiError> {
        let path = format!(
            "/repos/{}/{}/branches/{}",
            repo.owner,
            repo.name,
            encode_path(branch)
        );
        self.get(&path, deadline).await
    }

    /// The jobs of one attempt of a workflow run, every page.
    pub async fn jobs(
        &self,
        repo: &Repo,
        run_id: u64,
        attempt: u64,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::Job>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/actions/runs/{run_id}/attempts/{attempt}/jobs?per_page={PER_PAGE}",
            repo.owner, repo.name
        );
        self.pages(&path, deadline, |list: models::JobList| {
            (list.jobs, Some(list.total_count))
        })
        .await
    }

    /// The workflow runs of a commit, every page: which workflow file each check suite runs,
    /// and whether it is done.
    pub async fn workflow_runs(
        &self,
        repo: &Repo,
        sha: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::WorkflowRun>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/actions/runs?head_sha={}&per_page={PER_PAGE}",
            repo.owner,
            repo.name,
            encode_path(sha)
        );
        self.pages(&path, deadline, |list: models::WorkflowRunList| {
            (list.workflow_runs, Some(list.total_count))
        })
        .await
    }

    /// The names of a deployment environment's secrets, every page.
    pub async fn environment_secret_names(
        &self,
        repo: &Repo,
        environment: &str,
        deadline: Option<Instant>,
    ) -> Result<Vec<String>, ApiError> {
        self.environment_names(repo, environment, "secrets", PER_PAGE, deadline, |l| {
            let l: models::EnvironmentSecretList = l;
            (l.secrets, Some(l.total_count))
        })
        .await
    }

    /// The names of a deployment environment's variables, every page (of at most 30).
    pub async fn environment_variable_names(
        &self,
        repo: &Repo,
        environment: &str,
        deadline: Option<Instant>,
    ) -> Result<Vec<String>, ApiError> {
        let per_page = VARIABLES_PER_PAGE;
        self.environment_names(repo, environment, "variables", per_page, deadline, |l| {
            let l: models::EnvironmentVariableList = l;
            (l.variables, Some(l.total_count))
        })
        .await
    }

    /// The names of one of a deployment environment's lists (`secrets`, `variables`).
    async fn environment_names<P: DeserializeOwned>(
        &self,
        repo: &Repo,
        environment: &str,
        list: &str,
        per_page: u32,
        deadline: Option<Instant>,
        split: impl Fn(P) -> (Vec<models::Named>, Option<u64>),
    ) -> Result<Vec<String>, ApiError> {
        let path = format!(
            "/repos/{}/{}/environments/{}/{list}?per_page={per_page}",
            repo.owner,
            repo.name,
            encode_query(environment)
        );
        let names = self.pages_of(per_page, &path, deadline, split).await?;
        Ok(names.value.into_iter().map(|n| n.name).collect())
    }

    /// Every page of a list that GitHub pages with `Link: <…>; rel="next"` headers (pulls,
    /// issues), up to `MAX_PAGES`. A list that goes on past them, or links back to a page it
    /// already gave, is an error: deciding on part of it could miss what should block.
    pub async fn linked_pages<T: DeserializeOwned>(
        &self,
        first: &str,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<T>>, ApiError> {
        let mut items = Vec::new();
        let mut changed = false;
        let mut seen = std::collections::HashSet::new();
        let mut path = first.to_string();
        for _ in 0..MAX_PAGES {
            seen.insert(path.clone());
            let (fetched, next) = self.get_linked::<Vec<T>>(&path, deadline).await?;
            changed |= fetched.changed;
            items.extend(fetched.value);
            let Some(next) = next else {
                return Ok(Fetched {
                    value: items,
                    changed,
                });
            };
            if seen.contains(&next) {
                return Err(ApiError::Decode {
                    url: redacted(&format!("{}{next}", self.base)),
                    reason: "the list links back to a page it already gave".into(),
                });
            }
            path = next;
        }
        Err(ApiError::Decode {
            url: redacted(&format!("{}{first}", self.base)),
            reason: format!("the list goes on past {MAX_PAGES} pages"),
        })
    }

    /// One pull request.
    pub async fn pull(
        &self,
        repo: &Repo,
        number: u64,
        deadline: Option<Instant>,
    ) -> Result<Fetched<models::PullRequest>, ApiError> {
        let path = format!("/repos/{}/{}/pulls/{number}", repo.owner, repo.name);
        self.get(&path, deadline).await
    }

    /// The open pull requests of a repository, every page; `head` (`owner:branch`) keeps those
    /// from that branch only.
    pub async fn open_pulls(
        &self,
        repo: &Repo,
        head: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::PullRequest>>, ApiError> {
        let mut path = format!(
            "/repos/{}/{}/pulls?state=open&per_page={PER_PAGE}",
            repo.owner, repo.name
        );
        if let Some(head) = head {
            path.push_str(&format!("&head={}", encode_query(head)));
        }
        self.linked_pages(&path, deadline).await
    }

    /// Every comment of an issue or pull request, oldest first (every page, by `Link` headers as
    /// GitHub pages them).
    pub async fn issue_comments(
        &self,
        repo: &Repo,
        number: u64,
        deadline: Option<Instant>,
    ) -> Result<Fetched<Vec<models::IssueComment>>, ApiError> {
        let path = format!(
            "/repos/{}/{}/issues/{number}/comments?per_page={PER_PAGE}",
            repo.owner, repo.name
        );
        self.linked_pages(&path, deadline).await
    }

    /// Sends `body` as JSON with `method` (POST, PATCH) to `path` and decodes the answer.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
        deadline: Option<Instant>,
    ) -> Result<T, ApiError> {
        let url = format!("{}{}", self.base, path);
        let response = crate::http::send(&self.policy, deadline, || {
            self.stats.lock().unwrap_or_else(|e| e.into_inner()).sent += 1;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", API_VERSION)
                .header("content-type", "application/json")
                .body(body.to_string());
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            request
        })
        .await?;
        let shown = redacted(&url);
        self.note_rate_limit(response.headers());
        let status = response.status().as_u16();
        let answer = crate::http::read_capped(response, MAX_BODY)
            .await
            .map_err(|e| ApiError::Decode {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        if !(200..300).contains(&status) {
            return Err(ApiError::Status {
                url: shown,
                status,
                message: error_message(&answer),
            });
        }
        decode(&shown, &answer)
    }

    /// Follows `page=2, 3, …` until `total` items are read (or, where the answer has no total,
    /// until a short page). A list that ends before its `total_count`, or that would take more
    /// than `MAX_PAGES`, is an error: deciding on part of it could pass a red check unseen.
    async fn pages<P: DeserializeOwned, T>(
        &self,
        first: &str,
        deadline: Option<Instant>,
        split: impl Fn(P) -> (Vec<T>, Option<u64>),
    ) -> Result<Fetched<Vec<T>>, ApiError> {
        self.pages_of(PER_PAGE, first, deadline, split).await
    }

    /// `pages` for an endpoint whose pages hold at most `per_page` items.
    async fn pages_of<P: DeserializeOwned, T>(
        &self,
        per_page: u32,
        first: &str,
        deadline: Option<Instant>,
        split: impl Fn(P) -> (Vec<T>, Option<u64>),
    ) -> Result<Fetched<Vec<T>>, ApiError> {
        let mut items = Vec::new();
        let mut changed = false;
        for page in 1..=MAX_PAGES {
            let path = if page == 1 {
                first.to_string()
            } else {
                format!("{first}&page={page}")
            };
            let fetched = self.get::<P>(&path, deadline).await?;
            changed |= fetched.changed;
            let (batch, total) = split(fetched.value);
            let short = batch.len() < per_page as usize;
            items.extend(batch);
            let incomplete = |reason: String| ApiError::Decode {
                url: redacted(&format!("{}{first}", self.base)),
                reason,
            };
            match total {
                Some(total) if items.len() as u64 >= total => break,
                Some(total) if total > u64::from(MAX_PAGES * per_page) => {
                    return Err(incomplete(format!(
                        "total_count is {total}, more than the {} items (of {MAX_PAGES} pages) the gate reads",
                        MAX_PAGES * per_page
                    )));
                }
                Some(total) if short => {
                    return Err(incomplete(format!(
                        "the list ended at page {page} with {} of the {total} items its total_count announced",
                        items.len()
                    )));
                }
                None if short => break,
                _ if page == MAX_PAGES => {
                    return Err(incomplete(format!(
                        "the list goes on past {MAX_PAGES} pages"
                    )));
                }
                _ => {}
            }
        }
        Ok(Fetched {
            value: items,
            changed,
        })
    }
}

/// `owner/name`, validated so that it can go into a path unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl std::str::FromStr for Repo {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let ok = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match s.trim().split_once('/') {
            Some((owner, name)) if ok(owner) && ok(name) => Ok(Repo {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!("repository {s:?} is not owner/name")),
        }
    }
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Percent-encodes a path segment, keeping `/` (GitHub accepts `heads/main` and `release/1.x`
/// unescaped in `{ref}` and `{branch}`).
pub fn encode_path(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a query value or one path segment (everything but unreserved characters).
pub fn encode_query(value: &str) -> String {
    encode_path(value).replace('/', "%2F")
}

/// The `rel="next"` target of a `Link` header (RFC 8288), as GitHub sends it.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.trim().split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "rel=\"next\"" || p == "rel=next"
                })
                .then(|| target.to_string())
        })
}

fn redacted(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| {
            let mut u = u;
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        })
        .unwrap_or_else(|_| url.to_string())
}

fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::Decode {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

/// GitHub's `{"message": …}` error body, shortened; redacted before the cut, which could
/// otherwise leave the start of a secret that `redact` no longer recognises.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Message {
        message: Option<String>,
    }
    let message = serde_json::from_slice::<Message>(body)
        .ok()
        .and_then(|m| m.message)
        .unwrap_or_default();
    crate::gha::secrets::redact(&message)
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_message_is_redacted_before_it_is_cut() {
        crate::gha::secrets::register("gh-secret-past-the-cut");
        let body =
            serde_json::json!({"message": format!("{}gh-secret-past-the-cut", "m".repeat(195))});
        let shown = error_message(body.to_string().as_bytes());
        assert!(
            shown.ends_with("***") && !shown.contains("gh-se"),
            "{shown}"
        );
    }

    #[test]
    fn repo_parses_owner_and_name_only() {
        let r: Repo = "octo-org/octo.repo".parse().unwrap();
        assert_eq!(r.to_string(), "octo-org/octo.repo");
        assert!("octo".parse::<Repo>().is_err());
        assert!("a/b/c".parse::<Repo>().is_err());
        assert!("../x".parse::<Repo>().is_err());
    }

    #[test]
    fn the_next_link_is_read_from_any_position() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "link",
            r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            "link",
            r#"<https://api.github.com/x?page=1>; rel="first""#.parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
        assert_eq!(encode_query("octo:feature/a b"), "octo%3Afeature%2Fa%20b");
    }

    #[test]
    fn path_encoding_keeps_slashes() {
        assert_eq!(encode_path("release/1.x"), "release/1.x");
        assert_eq!(encode_path("a b#?"), "a%20b%23%3F");
    }
}
