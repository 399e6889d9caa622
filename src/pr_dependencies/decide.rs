//! The decisions, pure: whether one pull request may merge (every dependency merged, no loop),
//! and the merge order of a set of open ones.

use super::collect::{Edge, Graph, Via};
use super::graph::{self, Cycle};
use super::pull::{PrId, State};
use std::collections::BTreeSet;

/// One dependency of the checked pull request and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub id: PrId,
    pub state: State,
    pub via: Via,
}

impl Dependency {
    pub fn blocks(&self) -> bool {
        self.state != State::Merged
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub pull: PrId,
    pub dependencies: Vec<Dependency>,
    /// Loops among the pull requests followed from this one.
    pub cycles: Vec<Cycle<PrId>>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.cycles.is_empty() && !self.dependencies.iter().any(Dependency::blocks)
    }

    pub fn blocking(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies.iter().filter(|d| d.blocks())
    }
}

/// Where `pull` stands: its direct dependencies (each must be in `graph`, as collecting
/// guarantees) and every loop the graph holds.
pub fn check(pull: &PrId, graph: &Graph) -> Check {
    let dependencies = graph
        .dependencies_of(pull)
        .filter_map(|e| {
            Some(Dependency {
                id: e.to.clone(),
                state: graph.state(&e.to)?,
                via: e.via.clone(),
            })
        })
        .collect();
    let nodes: BTreeSet<PrId> = graph.pulls.keys().cloned().collect();
    Check {
        pull: pull.clone(),
        dependencies,
        cycles: graph::order(&nodes, &pairs(&graph.edges)).cycles,
    }
}

fn pairs(edges: &[Edge]) -> Vec<(PrId, PrId)> {
    edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect()
}

/// One pull request's place in the merge order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: PrId,
    /// The pull requests of the set it waits for.
    pub after: Vec<PrId>,
    /// Dependencies outside the set that are not merged, with their state.
    pub outside: Vec<(PrId, State)>,
    /// Another pull request of the set is stacked on it: merge it with its branch deleted, so
    /// that GitHub moves the stacked one onto the branch it merged into.
    pub carries_stack: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub steps: Vec<Step>,
    pub cycles: Vec<Cycle<PrId>>,
    /// Pull requests that wait on a loop (and so have no place in the order).
    pub waiting: Vec<PrId>,
}

impl Order {
    /// An order exists for every pull request and none depends on one that was closed.
    pub fn passed(&self) -> bool {
        self.cycles.is_empty()
            && self.waiting.is_empty()
            && !self
                .steps
                .iter()
                .flat_map(|s| &s.outside)
                .any(|(_, state)| *state == State::Closed)
    }
}

/// The merge order of `set`, from the dependencies in `graph`.
pub fn order(set: &BTreeSet<PrId>, graph: &Graph) -> Order {
    let sorted = graph::order(set, &pairs(&graph.edges));
    let steps = sorted
        .order
        .into_iter()
        .map(|id| {
            let mut after = Vec::new();
            let mut outside = Vec::new();
            for edge in graph.dependencies_of(&id) {
                let state = graph.state(&edge.to).unwrap_or(State::Closed);
                if set.contains(&edge.to) {
                    after.push(edge.to.clone());
                } else if state != State::Merged {
                    outside.push((edge.to.clone(), state));
                }
            }
            after.sort();
            let carries_stack = graph
                .edges
                .iter()
                .any(|e| e.to == id && set.contains(&e.from) && matches!(e.via, Via::Stack { .. }));
            Step {
                id,
                after,
                outside,
                carries_stack,
            }
        })
        .collect();
    Order {
        steps,
        cycles: sorted.cycles,
        waiting: sorted.waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::super::pull::Pull;
    use super::*;

    fn pull(number: u64, state: State) -> Pull {
        Pull {
            id: PrId::new("acme/api", number),
            state,
            title: format!("PR {number}"),
            url: String::new(),
            body: String::new(),
            base_branch: "main".into(),
            default_branch: Some("main".into()),
            head_branch: format!("b{number}"),
            head_repo: Some("acme/api".into()),
            labels: vec![],
        }
    }

    fn graph(pulls: &[(u64, State)], edges: &[(u64, u64)]) -> Graph {
        let id = |n: u64| PrId::new("acme/api", n);
        Graph {
            pulls: pulls.iter().map(|(n, s)| (id(*n), pull(*n, *s))).collect(),
            edges: edges
                .iter()
                .map(|(a, b)| Edge {
                    from: id(*a),
                    to: id(*b),
                    via: Via::Body { line: 1 },
                })
                .collect(),
            notes: vec![],
        }
    }

    const OPEN: State = State::Open { draft: false };

    #[test]
    fn blocks_until_every_dependency_is_merged() {
        let id = |n: u64| PrId::new("acme/api", n);
        let g = graph(
            &[
                (15, OPEN),
                (14, State::Merged),
                (16, OPEN),
                (17, State::Closed),
            ],
            &[(15, 14), (15, 16), (15, 17)],
        );
        let c = check(&id(15), &g);
        let blocking: Vec<u64> = c.blocking().map(|d| d.id.number).collect();
        assert_eq!(blocking, vec![16, 17]);
        assert!(!c.passed());
        let g = graph(&[(15, OPEN), (14, State::Merged)], &[(15, 14)]);
        assert!(check(&id(15), &g).passed());
        let g = graph(&[(15, OPEN), (14, OPEN)], &[(15, 14), (14, 15)]);
        let c = check(&id(15), &g);
        assert_eq!(c.cycles.len(), 1);
    }

    #[test]
    fn an_order_flags_what_waits_outside_and_what_never_merges() {
        let set: BTreeSet<PrId> = [12, 14, 15]
            .iter()
            .map(|n| PrId::new("acme/api", *n))
            .collect();
        let g = graph(
            &[
                (12, OPEN),
                (14, OPEN),
                (15, OPEN),
                (30, OPEN),
                (31, State::Merged),
            ],
            &[(15, 14), (14, 31), (12, 30)],
        );
        let o = order(&set, &g);
        let numbers: Vec<u64> = o.steps.iter().map(|s| s.id.number).collect();
        assert_eq!(numbers, vec![12, 14, 15]);
        assert_eq!(o.steps[0].outside, vec![(PrId::new("acme/api", 30), OPEN)]);
        assert!(o.steps[1].outside.is_empty());
        assert!(o.passed());
        let g = graph(
            &[(12, OPEN), (14, OPEN), (15, OPEN), (30, State::Closed)],
            &[(12, 30)],
        );
        assert!(!order(&set, &g).passed());
    }
}
