//! Collecting, the I/O at the edge: the pull requests and the dependencies between them, read
//! from GitHub. A dependency that cannot be read (missing, forbidden, GitHub unreachable) is no
//! ground for a verdict: the run stops there, to exit 3, naming it.

use super::pull::{PrId, Pull, State};
use super::refs;
use crate::github::{ApiError, Client, Repo};
use crate::report::Failure;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The most pull requests one check follows through dependencies of dependencies (to find
/// loops); more is noted, not fatal: the verdict rests on the direct ones.
pub const MAX_FOLLOWED: usize = 200;

/// The most dependencies one body may name. Each is a request to GitHub; a body naming
/// thousands (a pasted list, or a hostile one) would spend the token's rate limit, so it is
/// refused, not read in part.
pub const MAX_NAMED: usize = 100;

/// How one pull request came to depend on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// Named in its body, on this line.
    Body { line: u32 },
    /// Its base branch is the other one's head branch.
    Stack { branch: String },
}

/// `from` depends on `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: PrId,
    pub to: PrId,
    pub via: Via,
}

/// The pull requests read and the dependencies found between them.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub pulls: BTreeMap<PrId, Pull>,
    pub edges: Vec<Edge>,
    /// What could not be followed, for the report's warnings.
    pub notes: Vec<String>,
}

impl Graph {
    pub fn state(&self, id: &PrId) -> Option<State> {
        self.pulls.get(id).map(|p| p.state)
    }

    pub fn dependencies_of<'a>(&'a self, id: &'a PrId) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |e| &e.from == id)
    }

    fn add_edge(&mut self, edge: Edge) {
        if !self
            .edges
            .iter()
            .any(|e| e.from == edge.from && e.to == edge.to)
        {
            self.edges.push(edge);
        }
    }
}

/// What went wrong reading `what`, as the failure the run ends with.
pub fn api_failure(what: &str, e: ApiError) -> Failure {
    match e.status() {
        Some(401) => Failure::invalid(format!("{what}: the token was refused ({e})")),
        Some(404) => Failure::undecided(format!(
            "{what}: not found ({e}); no such pull request, or the token cannot see its repository"
        )),
        Some(403) => Failure::undecided(format!(
            "{what}: forbidden ({e}); the token needs read access to that repository's pull requests"
        )),
        _ => Failure::undecided(format!("{what}: {e}")),
    }
}

pub struct Reader<'a> {
    pub client: &'a Client,
    /// The host whose pull request URLs in a body count (`github.com`).
    pub server_host: &'a str,
}

impl Reader<'_> {
    async fn pull(&self, id: &PrId) -> Result<Pull, Failure> {
        let what = format!("reading {id}");
        let repo: Repo = id.repo.parse().map_err(Failure::invalid)?;
        let answer = self
            .client
            .pull(&repo, id.number, None)
            .await
            .map_err(|e| api_failure(&what, e))?;
        if answer.value.number != id.number {
            return Err(Failure::undecided(format!(
                "{what}: GitHub answered with #{} instead",
                answer.value.number
            )));
        }
        Pull::from_api(&id.repo, answer.value)
            .map_err(|e| Failure::undecided(format!("{what}: {e}")))
    }

    async fn open_pulls(&self, repo: &str, head: Option<&str>) -> Result<Vec<Pull>, Failure> {
        let what = format!("listing the open pull requests of {repo}");
        let parsed: Repo = repo.parse().map_err(Failure::invalid)?;
        let answer = self
            .client
            .open_pulls(&parsed, head, None)
            .await
            .map_err(|e| api_failure(&what, e))?;
        answer
            .value
            .into_iter()
            .map(|p| Pull::from_api(repo, p))
            .collect::<Result<_, _>>()
            .map_err(|e| Failure::undecided(format!("{what}: {e}")))
    }

    /// The pull requests `pull` names in its body; more than `MAX_NAMED` is invalid.
    fn named(&self, pull: &Pull) -> Result<Vec<Edge>, Failure> {
        let mentions = refs::mentions(&pull.body, self.server_host);
        if mentions.len() > MAX_NAMED {
            return Err(Failure::invalid(format!(
                "{}'s body names {} dependencies, more than the {MAX_NAMED} this check reads; split the pull request or trim the list",
                pull.id,
                mentions.len()
            )));
        }
        Ok(mentions
            .into_iter()
            .map(|m| Edge {
                from: pull.id.clone(),
                to: PrId::new(m.repo.as_deref().unwrap_or(&pull.id.repo), m.number),
                via: Via::Body { line: m.line },
            })
            .collect())
    }

    /// The open pull requests `pull` is stacked on: those whose branch it merges into. None
    /// when it merges into the default branch.
    async fn stacked_on(&self, pull: &Pull) -> Result<Vec<Pull>, Failure> {
        if pull.default_branch.as_deref() == Some(pull.base_branch.as_str()) {
            return Ok(Vec::new());
        }
        let owner = pull.id.repo.split('/').next().unwrap_or_default();
        let head = format!("{owner}:{}", pull.base_branch);
        let found = self.open_pulls(&pull.id.repo, Some(&head)).await?;
        Ok(found.into_iter().filter(|p| p.carries(pull)).collect())
    }

    /// The pull request `number` of `repo` and what it depends on, followed through open
    /// dependencies so that loops are found. Its own dependencies must all be readable.
    pub async fn around(&self, root: PrId) -> Result<(PrId, Graph), Failure> {
        let mut graph = Graph::default();
        let first = self.pull(&root).await?;
        graph.pulls.insert(root.clone(), first);
        let mut queue = VecDeque::from([root.clone()]);
        let mut followed = BTreeSet::new();
        while let Some(id) = queue.pop_front() {
            if !followed.insert(id.clone()) {
                continue;
            }
            if followed.len() > MAX_FOLLOWED {
                graph.notes.push(format!(
                    "Followed {MAX_FOLLOWED} pull requests; the dependencies of the others were not read, so a loop through them would go unseen."
                ));
                break;
            }
            let direct = id == root;
            let pull = graph.pulls[&id].clone();
            let mut edges = match self.named(&pull) {
                Ok(edges) => edges,
                Err(failure) if direct => return Err(failure),
                Err(failure) => {
                    graph.notes.push(failure.to_string());
                    Vec::new()
                }
            };
            match self.stacked_on(&pull).await {
                Ok(parents) => {
                    for parent in parents {
                        edges.push(Edge {
                            from: id.clone(),
                            to: parent.id.clone(),
                            via: Via::Stack {
                                branch: pull.base_branch.clone(),
                            },
                        });
                        graph.pulls.entry(parent.id.clone()).or_insert(parent);
                    }
                }
                Err(failure) if direct => return Err(failure),
                Err(failure) => graph.notes.push(failure.to_string()),
            }
            for edge in edges {
                if !graph.pulls.contains_key(&edge.to) {
                    match self.pull(&edge.to).await {
                        Ok(found) => {
                            graph.pulls.insert(edge.to.clone(), found);
                        }
                        Err(failure) if direct => {
                            return Err(with_origin(failure, &edge, &root.repo));
                        }
                        Err(failure) => {
                            graph
                                .notes
                                .push(with_origin(failure, &edge, &root.repo).to_string());
                            continue;
                        }
                    }
                }
                if matches!(graph.state(&edge.to), Some(State::Open { .. })) {
                    queue.push_back(edge.to.clone());
                }
                graph.add_edge(edge);
            }
        }
        Ok((root, graph))
    }

    /// The open pull requests of `repo` (those with `label`, when given), and every dependency
    /// they have, on each other or elsewhere. Returns the set and the graph.
    pub async fn open_set(
        &self,
        repo: &str,
        label: Option<&str>,
    ) -> Result<(BTreeSet<PrId>, Graph), Failure> {
        let mut graph = Graph::default();
        let open = self.open_pulls(repo, None).await?;
        let set: BTreeSet<PrId> = open
            .iter()
            .filter(|p| label.is_none_or(|l| p.labels.iter().any(|n| n.eq_ignore_ascii_case(l))))
            .map(|p| p.id.clone())
            .collect();
        for pull in &open {
            graph.pulls.insert(pull.id.clone(), pull.clone());
        }
        let mut edges = Vec::new();
        for id in &set {
            let pull = &graph.pulls[id];
            edges.extend(self.named(pull)?);
            for parent in open.iter().filter(|p| p.carries(pull)) {
                edges.push(Edge {
                    from: id.clone(),
                    to: parent.id.clone(),
                    via: Via::Stack {
                        branch: pull.base_branch.clone(),
                    },
                });
            }
        }
        for edge in edges {
            if !graph.pulls.contains_key(&edge.to) {
                let found = self
                    .pull(&edge.to)
                    .await
                    .map_err(|f| with_origin(f, &edge, repo))?;
                graph.pulls.insert(edge.to.clone(), found);
            }
            graph.add_edge(edge);
        }
        Ok((set, graph))
    }
}

/// A failure reading a dependency, saying which pull request named it and where.
fn with_origin(failure: Failure, edge: &Edge, home: &str) -> Failure {
    let origin = match &edge.via {
        Via::Body { line } => format!(
            "named on line {line} of {}'s body",
            edge.from.shown_from(home)
        ),
        Via::Stack { branch } => {
            format!("the base branch {branch} of {}", edge.from.shown_from(home))
        }
    };
    match failure {
        Failure::Undecided(message) => Failure::undecided(format!("{message} ({origin})")),
        Failure::Invalid { message, location } => Failure::Invalid {
            message: format!("{message} ({origin})"),
            location,
        },
    }
}
