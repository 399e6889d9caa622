//! The part of the revision graph that matters, as a small Mermaid flowchart for the summary:
//! the heads, the branch point they share (or the base each grows from), a cycle, a missing
//! parent. Never the whole history: each path from a head to where it branched shows the
//! revision next to the head and one node standing for the rest, and the picture says how many
//! revisions it does not draw. Pure.

use super::Tree;
use crate::check_alembic_heads::graph::{self, Problem};
use crate::report::{Diagram, Edge, Mark, Node, Picture};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The most heads, cycle members and missing parents drawn, each.
const MAX_EACH: usize = 8;

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Tree node → picture node.
    drawn: HashMap<usize, usize>,
}

impl Builder {
    /// The picture node of tree node `n`, added with `mark` the first time; a later, stronger
    /// mark (a problem) wins.
    fn revision(&mut self, tree: &Tree, n: usize, mark: Mark) -> usize {
        if let Some(&i) = self.drawn.get(&n) {
            if mark == Mark::Problem {
                self.nodes[i].mark = mark;
            }
            return i;
        }
        let node = &tree.nodes[n];
        let mut label = node.id.clone();
        if !node.branch_labels.is_empty() {
            label.push_str(&format!(" @{}", node.branch_labels.join(", @")));
        }
        self.nodes.push(Node { label, mark });
        self.drawn.insert(n, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn other(&mut self, label: String, mark: Mark) -> usize {
        self.nodes.push(Node { label, mark });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: Option<&str>) {
        let edge = Edge {
            from,
            to,
            label: label.map(str::to_string),
        };
        if from != to && !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }
}

/// The shortest path from `head` through `down_revision` parents to one of `ends`, head first.
fn path_to(tree: &Tree, head: usize, ends: &BTreeSet<usize>) -> Vec<usize> {
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut todo = VecDeque::from([head]);
    let mut seen = BTreeSet::from([head]);
    while let Some(n) = todo.pop_front() {
        if n != head && ends.contains(&n) {
            let mut path = vec![n];
            let mut at = n;
            while let Some(&prev) = came_from.get(&at) {
                path.push(prev);
                at = prev;
            }
            path.reverse();
            return path;
        }
        for &p in &tree.graph.parents[n] {
            if seen.insert(p) {
                came_from.insert(p, n);
                todo.push_back(p);
            }
        }
    }
    vec![head]
}

/// The picture, when there is more than one head, a cycle or a missing parent; None for a
/// healthy single line of history.
pub fn revision_graph(tree: &Tree) -> Option<Diagram> {
    let heads = tree.heads();
    let problems = &tree.graph.problems;
    let cycles: Vec<&Vec<usize>> = problems
        .iter()
        .filter_map(|p| match p {
            Problem::Cycle { nodes, .. } => Some(nodes),
            _ => None,
        })
        .collect();
    let missing: Vec<(usize, &str)> = problems
        .iter()
        .filter_map(|p| match p {
            Problem::UnknownDownRevision {
                node,
                name,
                label_of: None,
            } => Some((*node, name.as_str())),
            _ => None,
        })
        .collect();
    if heads.len() <= 1 && cycles.is_empty() && missing.is_empty() {
        return None;
    }
    let mut b = Builder::default();
    let mut notes = Vec::new();
    if heads.len() > 1 {
        let forks: BTreeSet<usize> = graph::branch_points(&tree.graph, heads)
            .into_iter()
            .collect();
        // Heads that share no branch point grow from their own bases.
        let ends: BTreeSet<usize> = if forks.is_empty() {
            (0..tree.nodes.len())
                .filter(|&n| tree.graph.parents[n].is_empty())
                .collect()
        } else {
            forks.clone()
        };
        for &f in &forks {
            b.revision(tree, f, Mark::Fork);
        }
        for &h in heads.iter().take(MAX_EACH) {
            let head = b.revision(tree, h, Mark::Focus);
            let path = path_to(tree, h, &ends);
            let Some((&end, between)) = path[1..].split_last() else {
                continue;
            };
            let end = b.revision(tree, end, Mark::Plain);
            // The revision under the head, and one node for the rest of the way down.
            let mut below = head;
            if let Some(&next) = between.first() {
                let next = b.revision(tree, next, Mark::Plain);
                b.edge(next, below, None);
                below = next;
            }
            if between.len() > 1 {
                let rest = b.other(format!("… {} revision(s)", between.len() - 1), Mark::Elided);
                b.edge(rest, below, None);
                below = rest;
            }
            b.edge(end, below, None);
        }
        if heads.len() > MAX_EACH {
            notes.push(format!(
                "{} more head(s) are not drawn.",
                heads.len() - MAX_EACH
            ));
        }
    }
    for cycle in &cycles {
        let members: BTreeSet<usize> = cycle.iter().copied().take(MAX_EACH).collect();
        for &m in &members {
            b.revision(tree, m, Mark::Problem);
        }
        for &m in &members {
            let child = b.revision(tree, m, Mark::Problem);
            for &p in tree.graph.parents[m].iter().filter(|p| members.contains(p)) {
                let parent = b.revision(tree, p, Mark::Problem);
                b.edge(parent, child, None);
            }
            for dep in &tree.nodes[m].depends_on {
                if let Some(&d) = members.iter().find(|&&d| tree.nodes[d].id == *dep) {
                    let dep = b.revision(tree, d, Mark::Problem);
                    b.edge(dep, child, Some("depends_on"));
                }
            }
        }
        if cycle.len() > MAX_EACH {
            notes.push(format!(
                "{} more revision(s) of a cycle are not drawn.",
                cycle.len() - MAX_EACH
            ));
        }
    }
    for &(n, name) in missing.iter().take(MAX_EACH) {
        let child = b.revision(tree, n, Mark::Plain);
        let gone = b.other(format!("{name} (missing)"), Mark::Problem);
        b.edge(gone, child, Some("down_revision"));
    }
    if missing.len() > MAX_EACH {
        notes.push(format!(
            "{} more missing parent(s) are not drawn.",
            missing.len() - MAX_EACH
        ));
    }
    let hidden = tree.nodes.len() - b.drawn.len();
    let mut left_out = String::from(
        "Drawn: heads (rounded), branch points (hexagons), cycles and missing parents (red); ",
    );
    left_out.push_str(&match hidden {
        0 => "every revision is drawn.".to_string(),
        n => format!("{n} other revision(s) are not drawn."),
    });
    for note in notes {
        left_out.push(' ');
        left_out.push_str(&note);
    }
    Some(Diagram {
        title: "Revision graph: what needs attention".into(),
        picture: Picture::Flowchart {
            nodes: b.nodes,
            edges: b.edges,
        },
        left_out: Some(left_out),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{opts, src};
    use super::super::{Tree, read_source};
    use crate::render::block_markdown;
    use crate::report::Block;

    fn picture(files: &[(&str, &str)]) -> Option<String> {
        let sources: Vec<_> = files.iter().map(|(name, text)| src(name, text)).collect();
        let scripts: Vec<_> = sources.iter().map(read_source).collect();
        let options = opts();
        let tree = Tree::new(&sources, &scripts, &options);
        super::revision_graph(&tree).map(|d| block_markdown(&Block::Mermaid(d)))
    }

    fn rev(id: &str, down: &str) -> String {
        format!("revision = '{id}'\ndown_revision = {down}\n")
    }

    #[test]
    fn one_line_of_history_needs_no_picture() {
        let a = rev("a", "None");
        let b = rev("b", "'a'");
        assert_eq!(picture(&[("a.py", &a), ("b.py", &b)]), None);
    }

    #[test]
    fn two_heads_their_branch_point_and_the_long_way_between_cut_short() {
        let mut files = vec![("base.py".to_string(), rev("base", "None"))];
        files.push(("fork.py".into(), rev("fork", "'base'")));
        let mut down = "fork".to_string();
        for i in 0..5 {
            let id = format!("left{i}");
            files.push((format!("{id}.py"), rev(&id, &format!("'{down}'"))));
            down = id;
        }
        files.push(("right.py".into(), rev("right", "'fork'")));
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        insta::assert_snapshot!(picture(&files).unwrap());
    }

    #[test]
    fn a_cycle_and_a_missing_parent() {
        let x = rev("x", "'y'");
        let y = rev("y", "'x'");
        let c = rev("c", "'gone'");
        insta::assert_snapshot!(picture(&[("x.py", &x), ("y.py", &y), ("c.py", &c)]).unwrap());
    }
}
