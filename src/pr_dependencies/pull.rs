//! What the action knows of a pull request, read from the API's answer and checked for sense:
//! an answer that contradicts itself (open and merged, another number than asked) is no
//! verdict's ground.

use crate::github::models::PullRequest;

/// A pull request by repository and number. Repositories are compared in lower case, as GitHub
/// compares them; ordering is by number first, so that orders are "stable by PR number".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrId {
    pub number: u64,
    /// `owner/name`, lower case.
    pub repo: String,
}

impl PrId {
    pub fn new(repo: &str, number: u64) -> Self {
        PrId {
            number,
            repo: repo.to_ascii_lowercase(),
        }
    }

    /// `#14` in `home`, `owner/repo#14` elsewhere.
    pub fn shown_from(&self, home: &str) -> String {
        if self.repo.eq_ignore_ascii_case(home) {
            format!("#{}", self.number)
        } else {
            format!("{}#{}", self.repo, self.number)
        }
    }
}

impl std::fmt::Display for PrId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.repo, self.number)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open {
        draft: bool,
    },
    Merged,
    /// Closed without merging.
    Closed,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Open { draft: false } => "open",
            State::Open { draft: true } => "open (draft)",
            State::Merged => "merged",
            State::Closed => "closed without merging",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub id: PrId,
    pub state: State,
    pub title: String,
    pub url: String,
    pub body: String,
    /// The branch it merges into, and that repository's default branch where the answer says.
    pub base_branch: String,
    pub default_branch: Option<String>,
    /// Its branch, and the repository that branch is in (`None`: a deleted fork).
    pub head_branch: String,
    pub head_repo: Option<String>,
    pub labels: Vec<String>,
}

impl Pull {
    /// The pull request in `repo` that the API answered, or why the answer makes no sense.
    pub fn from_api(repo: &str, answer: PullRequest) -> Result<Pull, String> {
        let id = PrId::new(repo, answer.number);
        let merged = answer.merged.unwrap_or(false) || answer.merged_at.is_some();
        let state = match (answer.state.as_str(), merged) {
            ("open", false) => State::Open {
                draft: answer.draft.unwrap_or(false),
            },
            ("closed", true) => State::Merged,
            ("closed", false) => State::Closed,
            ("open", true) => return Err(format!("{id} is open and merged at once")),
            (other, _) => return Err(format!("{id} has the unknown state {other:?}")),
        };
        if answer.merged == Some(false) && answer.merged_at.is_some() {
            return Err(format!("{id} says merged: false with a merged_at"));
        }
        // Title and link are shown in findings and tables: no control character of theirs
        // (an ANSI escape, a line break) reaches the log.
        let url = answer.html_url.as_deref().map_or_else(
            || format!("https://github.com/{repo}/pull/{}", answer.number),
            crate::gha::printable,
        );
        Ok(Pull {
            id,
            state,
            title: crate::gha::printable(answer.title.as_deref().unwrap_or_default()),
            url,
            body: answer.body.unwrap_or_default(),
            base_branch: answer.base.branch,
            default_branch: answer.base.repo.and_then(|r| r.default_branch),
            head_branch: answer.head.branch,
            head_repo: answer.head.repo.map(|r| r.full_name.to_ascii_lowercase()),
            labels: answer.labels.into_iter().map(|l| l.name).collect(),
        })
    }

    /// Whether `other` is stacked on this one: it merges into this one's branch, in the
    /// repository that branch is in, and that branch is not the default branch.
    pub fn carries(&self, other: &Pull) -> bool {
        self.head_repo.as_deref() == Some(other.id.repo.as_str())
            && self.head_branch == other.base_branch
            && other.default_branch.as_deref() != Some(other.base_branch.as_str())
            && self.id != other.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(state: &str, merged: Option<bool>, merged_at: Option<&str>) -> PullRequest {
        serde_json::from_value(serde_json::json!({
            "number": 7, "state": state, "merged": merged, "merged_at": merged_at,
            "head": {"ref": "feature", "repo": {"full_name": "Acme/API"}},
            "base": {"ref": "main", "repo": {"full_name": "Acme/API", "default_branch": "main"}}
        }))
        .unwrap()
    }

    #[test]
    fn states_and_answers_that_make_no_sense() {
        let state = |a| Pull::from_api("Acme/API", a).map(|p| p.state);
        assert_eq!(
            state(answer("open", Some(false), None)),
            Ok(State::Open { draft: false })
        );
        assert_eq!(
            state(answer("closed", None, Some("2026-01-01T00:00:00Z"))),
            Ok(State::Merged)
        );
        assert_eq!(
            state(answer("closed", Some(false), None)),
            Ok(State::Closed)
        );
        assert!(state(answer("open", None, Some("2026-01-01T00:00:00Z"))).is_err());
        assert!(state(answer("merged", None, None)).is_err());
        assert!(state(answer("closed", Some(false), Some("2026-01-01T00:00:00Z"))).is_err());
        let pull = Pull::from_api("Acme/API", answer("open", None, None)).unwrap();
        assert_eq!(pull.id.shown_from("acme/api"), "#7");
        assert_eq!(pull.id.shown_from("acme/web"), "acme/api#7");
    }
}
