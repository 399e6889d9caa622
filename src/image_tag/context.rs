//! What the run is about: event, ref, commit, dates and repository metadata, read from the
//! workflow's environment and event payload (or a local git checkout) by `mod.rs`.

use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    pub name: String,
    pub description: String,
    pub html_url: String,
    pub license: String,
    pub default_branch: Option<String>,
}

impl Repo {
    /// What the event payload says about the repository; empty fields where it says nothing.
    pub fn from_payload(payload: &Value) -> Repo {
        let repo = &payload["repository"];
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Repo {
            name: s(&repo["name"]),
            description: s(&repo["description"]),
            html_url: s(&repo["html_url"]),
            license: s(&repo["license"]["spdx_id"]),
            default_branch: repo["default_branch"]
                .as_str()
                .filter(|b| !b.is_empty())
                .map(str::to_string),
        }
    }

    /// Fills the fields still empty from `other`.
    pub fn fill_from(&mut self, other: Repo) {
        let fill = |mine: &mut String, theirs: String| {
            if mine.is_empty() {
                *mine = theirs;
            }
        };
        fill(&mut self.name, other.name);
        fill(&mut self.description, other.description);
        fill(&mut self.html_url, other.html_url);
        fill(&mut self.license, other.license);
        if self.default_branch.is_none() {
            self.default_branch = other.default_branch;
        }
    }
}

#[derive(Debug, Clone)]
pub struct Context {
    pub event_name: String,
    pub git_ref: String,
    pub sha: String,
    pub actor: String,
    pub payload: Value,
    /// When the commit was made, where known.
    pub commit_date: Option<Timestamp>,
    /// What `{{date}}` renders: `SOURCE_DATE_EPOCH` if set, else the time of the run.
    pub now: Timestamp,
    /// The `created` label: `SOURCE_DATE_EPOCH`, else the commit date; never the wall clock.
    pub created: Option<Timestamp>,
    pub repo: Repo,
}

impl Context {
    /// The ref a workflow run is about: `pull_request_target` runs on the base branch, but the
    /// image is about the pull request, so its ref becomes `refs/pull/<n>/merge`.
    pub fn workflow_ref(event_name: &str, env_ref: &str, payload: &Value) -> String {
        if event_name == "pull_request_target"
            && let Some(n) = payload["number"]
                .as_u64()
                .or_else(|| payload["pull_request"]["number"].as_u64())
        {
            return format!("refs/pull/{n}/merge");
        }
        env_ref.to_string()
    }

    /// The pull request's head commit, for `pull_request` and `pull_request_target` runs.
    pub fn pr_head_sha(event_name: &str, payload: &Value) -> Option<String> {
        if event_name.starts_with("pull_request") {
            payload["pull_request"]["head"]["sha"]
                .as_str()
                .map(str::to_string)
        } else {
            None
        }
    }

    /// The commit date the payload carries for `sha` (push events: `commits`, `head_commit`).
    pub fn payload_commit_date(payload: &Value, sha: &str) -> Option<Timestamp> {
        let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<Timestamp>().ok());
        if let Some(commits) = payload["commits"].as_array()
            && let Some(c) = commits.iter().find(|c| c["id"].as_str() == Some(sha))
            && let Some(t) = parse(&c["timestamp"])
        {
            return Some(t);
        }
        let head = &payload["head_commit"];
        if head["id"].as_str() == Some(sha) {
            return parse(&head["timestamp"]);
        }
        None
    }

    pub fn branch(&self) -> &str {
        self.git_ref.strip_prefix("refs/heads/").unwrap_or("")
    }

    pub fn tag(&self) -> &str {
        self.git_ref.strip_prefix("refs/tags/").unwrap_or("")
    }

    pub fn base_ref(&self) -> String {
        if self.git_ref.starts_with("refs/tags/")
            && let Some(base) = self.payload["base_ref"].as_str()
        {
            return base.trim_start_matches("refs/heads/").to_string();
        }
        if self.git_ref.starts_with("refs/pull/")
            && let Some(base) = self.payload["pull_request"]["base"]["ref"].as_str()
        {
            return base.to_string();
        }
        String::new()
    }

    pub fn is_default_branch(&self) -> bool {
        let branch = self.branch();
        if branch.is_empty() {
            return false;
        }
        if self.repo.default_branch.as_deref() == Some(branch) {
            return true;
        }
        // These events always run on the default branch's last commit.
        ["create", "discussion", "issues", "schedule"]
            .iter()
            .any(|e| self.event_name.contains(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pull_request_target_uses_the_pr_ref() {
        let p = json!({"number": 7, "pull_request": {"head": {"sha": "abc"}}});
        assert_eq!(
            Context::workflow_ref("pull_request_target", "refs/heads/main", &p),
            "refs/pull/7/merge"
        );
        assert_eq!(
            Context::workflow_ref("pull_request", "refs/pull/7/merge", &p),
            "refs/pull/7/merge"
        );
        assert_eq!(
            Context::pr_head_sha("pull_request_target", &p).as_deref(),
            Some("abc")
        );
        assert_eq!(Context::pr_head_sha("push", &p), None);
    }

    #[test]
    fn commit_date_from_push_payload() {
        let p = json!({
            "commits": [{"id": "a1", "timestamp": "2024-05-01T10:00:00+02:00"}],
            "head_commit": {"id": "b2", "timestamp": "2024-05-02T00:00:00Z"}
        });
        assert_eq!(
            Context::payload_commit_date(&p, "a1").unwrap().to_string(),
            "2024-05-01T08:00:00Z"
        );
        assert_eq!(
            Context::payload_commit_date(&p, "b2").unwrap().to_string(),
            "2024-05-02T00:00:00Z"
        );
        assert_eq!(Context::payload_commit_date(&p, "c3"), None);
    }

    #[test]
    fn repo_from_payload_and_fill() {
        let mut r = Repo::from_payload(
            &json!({"repository": {"name": "app", "html_url": "https://x/app", "default_branch": "main", "license": null}}),
        );
        assert_eq!(r.name, "app");
        assert_eq!(r.license, "");
        r.fill_from(Repo {
            license: "MIT".into(),
            name: "other".into(),
            ..Repo::default()
        });
        assert_eq!((r.name.as_str(), r.license.as_str()), ("app", "MIT"));
    }
}
