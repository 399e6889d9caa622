//! The revision graph, computed as Alembic's `RevisionMap` does (alembic/script/revision.py):
//! `heads` drop every revision named in some `down_revision`; the "effective" heads of
//! `alembic heads --resolve-dependencies` also drop every revision named (directly or through a
//! branch label) in some `depends_on`. Problems that make Alembic fail are collected, all of them.

use std::collections::{BTreeSet, HashMap, HashSet};

/// One revision as the graph needs it; `index` points back to the caller's file list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub down: Vec<String>,
    pub depends_on: Vec<String>,
    pub branch_labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The same revision id in several files (node indexes, in file order).
    DuplicateRevision { id: String, nodes: Vec<usize> },
    /// A branch label that is already a revision id or another revision's label.
    DuplicateBranchLabel {
        label: String,
        node: usize,
        other: usize,
    },
    /// `down_revision` names nothing; `label` when it names a branch label instead of a revision.
    UnknownDownRevision {
        node: usize,
        name: String,
        label_of: Option<usize>,
    },
    /// `depends_on` names neither a revision nor a branch label.
    UnknownDependency { node: usize, name: String },
    /// A loop through `down_revision` (`dependency` false) or through `depends_on` too.
    Cycle { nodes: Vec<usize>, dependency: bool },
    /// A character Alembic does not allow in revision ids.
    IllegalRevisionId { node: usize, chars: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// Heads as `alembic heads` prints them, in file order.
    pub heads: Vec<usize>,
    /// Heads as `alembic heads --resolve-dependencies` prints them.
    pub effective_heads: Vec<usize>,
    pub problems: Vec<Problem>,
    /// `down_revision` parents of each node that exist (node indexes).
    pub parents: Vec<Vec<usize>>,
}

pub fn build(nodes: &[Node]) -> Graph {
    let mut problems = Vec::new();
    // The map Alembic keeps: the last file with an id wins.
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    let mut dupes: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut dupe_index: HashMap<&str, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(prev) = by_id.insert(node.id.as_str(), i) {
            match dupe_index.get(node.id.as_str()) {
                Some(&d) => dupes[d].1.push(i),
                None => {
                    dupe_index.insert(node.id.as_str(), dupes.len());
                    dupes.push((node.id.as_str(), vec![prev, i]));
                }
            }
        }
        let illegal: String = ['@', '-', '+', ':']
            .into_iter()
            .filter(|c| node.id.contains(*c))
            .collect();
        if !illegal.is_empty() {
            problems.push(Problem::IllegalRevisionId {
                node: i,
                chars: illegal,
            });
        }
    }
    for (id, nodes) in dupes {
        problems.push(Problem::DuplicateRevision {
            id: id.to_string(),
            nodes,
        });
    }
    // Branch labels join the same map; a clash with an id or another label is an error.
    let mut labels: HashMap<&str, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let mut own = HashSet::new();
        for label in &node.branch_labels {
            if !own.insert(label.as_str()) {
                continue;
            }
            if let Some(&other) = by_id.get(label.as_str()) {
                problems.push(Problem::DuplicateBranchLabel {
                    label: label.clone(),
                    node: i,
                    other,
                });
            } else if let Some(&other) = labels.get(label.as_str()) {
                problems.push(Problem::DuplicateBranchLabel {
                    label: label.clone(),
                    node: i,
                    other,
                });
            } else {
                labels.insert(label.as_str(), i);
            }
        }
    }
    let mut parents = vec![Vec::new(); nodes.len()];
    let mut dep_targets = vec![Vec::new(); nodes.len()];
    let mut versioned_child = vec![false; nodes.len()];
    let mut any_child = vec![false; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for name in &node.down {
            match by_id.get(name.as_str()) {
                Some(&p) => {
                    if !parents[i].contains(&p) {
                        parents[i].push(p);
                    }
                    versioned_child[p] = true;
                    any_child[p] = true;
                }
                None => problems.push(Problem::UnknownDownRevision {
                    node: i,
                    name: name.clone(),
                    label_of: labels.get(name.as_str()).copied(),
                }),
            }
        }
        for name in &node.depends_on {
            match by_id
                .get(name.as_str())
                .or_else(|| labels.get(name.as_str()))
            {
                Some(&d) => {
                    any_child[d] = true;
                    dep_targets[i].push(d);
                }
                None => problems.push(Problem::UnknownDependency {
                    node: i,
                    name: name.clone(),
                }),
            }
        }
    }
    // The map resolves an id to its last file; a duplicate's earlier files still count as
    // revisions (and heads) of their own, as in Alembic.
    let mut heads = Vec::new();
    let mut effective_heads = Vec::new();
    let mut seen = HashSet::new();
    for (i, node) in nodes.iter().enumerate() {
        if !seen.insert(node.id.as_str()) {
            continue;
        }
        let last = by_id[node.id.as_str()];
        if !versioned_child[last] {
            heads.push(last);
        }
        if !any_child[last] {
            effective_heads.push(last);
        }
        let _ = i;
    }
    // Cycles: strongly connected components through down_revision, then through all edges.
    let versioned = cycles(&parents);
    let versioned_members: HashSet<usize> = versioned.iter().flatten().copied().collect();
    for nodes in versioned.iter().cloned() {
        problems.push(Problem::Cycle {
            nodes,
            dependency: false,
        });
    }
    // Without any `depends_on` edge every loop is one of those: most trees have none.
    let all_edges: Vec<Vec<usize>> = if dep_targets.iter().all(Vec::is_empty) {
        Vec::new()
    } else {
        parents
            .iter()
            .zip(&dep_targets)
            .map(|(p, d)| p.iter().chain(d).copied().collect())
            .collect()
    };
    for nodes in cycles(&all_edges) {
        if nodes.iter().all(|n| versioned_members.contains(n)) {
            continue;
        }
        problems.push(Problem::Cycle {
            nodes,
            dependency: true,
        });
    }
    Graph {
        heads,
        effective_heads,
        problems,
        parents,
    }
}

/// Tarjan's strongly connected components (iterative), keeping those that loop: more than one
/// node, or a node that names itself. Each loop is listed in file order.
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 || edges[v].contains(&v) {
                        component.sort_unstable();
                        out.push(component);
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// The latest revisions that every given head descends from (through `down_revision`): where
/// the heads branched. Empty when they share no ancestor (independent bases).
pub fn branch_points(graph: &Graph, heads: &[usize]) -> Vec<usize> {
    let ancestors = |start: usize| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(n) = todo.pop() {
            if seen.insert(n) {
                todo.extend(graph.parents[n].iter().copied());
            }
        }
        seen
    };
    let mut common: Option<BTreeSet<usize>> = None;
    for &h in heads {
        let a = ancestors(h);
        common = Some(match common {
            None => a,
            Some(c) => c.intersection(&a).copied().collect(),
        });
    }
    let common = common.unwrap_or_default();
    // Keep those with no child inside the common set.
    let mut has_common_child = HashSet::new();
    for &c in &common {
        for &p in &graph.parents[c] {
            if common.contains(&p) && p != c {
                has_common_child.insert(p);
            }
        }
    }
    common
        .into_iter()
        .filter(|c| !has_common_child.contains(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, down: &[&str], deps: &[&str], labels: &[&str]) -> Node {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        Node {
            id: id.into(),
            down: v(down),
            depends_on: v(deps),
            branch_labels: v(labels),
        }
    }

    #[test]
    fn linear_has_one_head() {
        let g = build(&[node("a", &[], &[], &[]), node("b", &["a"], &[], &[])]);
        assert_eq!(g.heads, [1]);
        assert_eq!(g.effective_heads, [1]);
        assert!(g.problems.is_empty());
    }

    #[test]
    fn two_heads_and_their_branch_point() {
        let g = build(&[
            node("a", &[], &[], &[]),
            node("b", &["a"], &[], &[]),
            node("c", &["a"], &[], &[]),
        ]);
        assert_eq!(g.heads, [1, 2]);
        assert_eq!(branch_points(&g, &g.heads), [0]);
    }

    #[test]
    fn merge_closes_heads() {
        let g = build(&[
            node("a", &[], &[], &[]),
            node("b", &["a"], &[], &[]),
            node("c", &["a"], &[], &[]),
            node("m", &["b", "c"], &[], &[]),
        ]);
        assert_eq!(g.heads, [3]);
    }

    #[test]
    fn depends_on_a_label_makes_one_effective_head() {
        let g = build(&[node("a", &[], &[], &["x"]), node("b", &[], &["x"], &["y"])]);
        assert_eq!(g.heads, [0, 1]);
        assert_eq!(g.effective_heads, [1]);
        assert!(branch_points(&g, &g.heads).is_empty());
    }

    #[test]
    fn every_problem_at_once() {
        let g = build(&[
            node("a", &["c"], &[], &["l"]),
            node("b", &["a"], &[], &["l"]),
            node("c", &["b"], &[], &[]),
            node("d", &["zz"], &["yy"], &["a"]),
            node("d", &["l"], &["d"], &[]),
            node("e@1", &[], &[], &[]),
        ]);
        let p = &g.problems;
        assert!(p.contains(&Problem::DuplicateRevision {
            id: "d".into(),
            nodes: vec![3, 4]
        }));
        assert!(p.contains(&Problem::DuplicateBranchLabel {
            label: "l".into(),
            node: 1,
            other: 0
        }));
        assert!(p.contains(&Problem::DuplicateBranchLabel {
            label: "a".into(),
            node: 3,
            other: 0
        }));
        assert!(p.contains(&Problem::UnknownDownRevision {
            node: 3,
            name: "zz".into(),
            label_of: None
        }));
        assert!(p.contains(&Problem::UnknownDownRevision {
            node: 4,
            name: "l".into(),
            label_of: Some(0)
        }));
        assert!(p.contains(&Problem::UnknownDependency {
            node: 3,
            name: "yy".into()
        }));
        assert!(p.contains(&Problem::Cycle {
            nodes: vec![0, 1, 2],
            dependency: false
        }));
        assert!(p.contains(&Problem::Cycle {
            nodes: vec![4],
            dependency: true
        }));
        assert!(p.contains(&Problem::IllegalRevisionId {
            node: 5,
            chars: "@".into()
        }));
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let mut nodes = vec![node("r0", &[], &[], &[])];
        for i in 1..50_000 {
            nodes.push(node(&format!("r{i}"), &[&format!("r{}", i - 1)], &[], &[]));
        }
        let g = build(&nodes);
        assert_eq!(g.heads, [49_999]);
    }
}
