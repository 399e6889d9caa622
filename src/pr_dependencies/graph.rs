//! The dependency graph, pure: a merge order that respects every dependency (a topological sort
//! that takes the lowest-numbered ready pull request first, so the order is stable), and the
//! loops that make an order impossible, each named whole.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A loop of dependencies: `path[0]` depends on `path[1]`, …, and the last on `path[0]`. It
/// starts at its lowest member. `knot` holds the other members of the same tangle (pull
/// requests that are in a loop with these but not on this one), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle<N> {
    pub path: Vec<N>,
    pub knot: Vec<N>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordering<N> {
    /// Every node that can be ordered, each after all it depends on.
    pub order: Vec<N>,
    pub cycles: Vec<Cycle<N>>,
    /// Nodes outside any loop that depend, directly or not, on one.
    pub waiting: Vec<N>,
}

/// Orders `nodes`; an edge `(a, b)` says `a` depends on `b` (`b` merges first). Edges that
/// leave `nodes` are ignored.
pub fn order<N: Ord + Clone>(nodes: &BTreeSet<N>, edges: &[(N, N)]) -> Ordering<N> {
    let mut needs: BTreeMap<&N, BTreeSet<&N>> =
        nodes.iter().map(|n| (n, BTreeSet::new())).collect();
    let mut needed_by: BTreeMap<&N, BTreeSet<&N>> =
        nodes.iter().map(|n| (n, BTreeSet::new())).collect();
    for (a, b) in edges {
        if let (Some((a, _)), Some((b, _))) = (needs.get_key_value(a), needs.get_key_value(b)) {
            let (a, b) = (*a, *b);
            needs.get_mut(a).map(|s| s.insert(b));
            needed_by.get_mut(b).map(|s| s.insert(a));
        }
    }
    let mut left: BTreeMap<&N, usize> = needs.iter().map(|(n, s)| (*n, s.len())).collect();
    let mut ready: BTreeSet<&N> = left
        .iter()
        .filter(|(_, c)| **c == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut order = Vec::new();
    while let Some(next) = ready.pop_first() {
        left.remove(next);
        order.push(next.clone());
        for dependent in &needed_by[next] {
            if let Some(count) = left.get_mut(dependent) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(dependent);
                }
            }
        }
    }
    let rest: BTreeSet<&N> = left.keys().copied().collect();
    let mut cycles = Vec::new();
    let mut in_cycle = BTreeSet::new();
    for component in components(&rest, &needs, &needed_by) {
        let first = component[0];
        let looped = component.len() > 1 || needs[first].contains(first);
        if !looped {
            continue;
        }
        let members: BTreeSet<&N> = component.iter().copied().collect();
        let path = shortest_loop(first, &members, &needs);
        let on_path: BTreeSet<&N> = path.iter().copied().collect();
        let knot = component
            .iter()
            .filter(|n| !on_path.contains(*n))
            .map(|n| (*n).clone())
            .collect();
        in_cycle.extend(members);
        cycles.push(Cycle {
            path: path.into_iter().cloned().collect(),
            knot,
        });
    }
    cycles.sort_by(|a, b| a.path[0].cmp(&b.path[0]));
    let waiting = rest
        .iter()
        .filter(|n| !in_cycle.contains(*n))
        .map(|n| (*n).clone())
        .collect();
    Ordering {
        order,
        cycles,
        waiting,
    }
}

/// The strongly connected components of `nodes` (Kosaraju, iterative so that a long chain
/// cannot overflow the stack), each sorted, lowest member first.
fn components<'a, N: Ord>(
    nodes: &BTreeSet<&'a N>,
    forward: &BTreeMap<&'a N, BTreeSet<&'a N>>,
    backward: &BTreeMap<&'a N, BTreeSet<&'a N>>,
) -> Vec<Vec<&'a N>> {
    let mut visited = BTreeSet::new();
    let mut finished = Vec::new();
    for &start in nodes {
        if !visited.insert(start) {
            continue;
        }
        let mut stack = vec![(start, forward[start].iter())];
        while let Some((node, children)) = stack.last_mut() {
            match children.find(|c| nodes.contains(*c) && !visited.contains(*c)) {
                Some(&child) => {
                    visited.insert(child);
                    stack.push((child, forward[child].iter()));
                }
                None => {
                    finished.push(*node);
                    stack.pop();
                }
            }
        }
    }
    let mut assigned = BTreeSet::new();
    let mut found = Vec::new();
    for &start in finished.iter().rev() {
        if !assigned.insert(start) {
            continue;
        }
        let mut component = vec![start];
        let mut todo = vec![start];
        while let Some(node) = todo.pop() {
            for &prev in &backward[node] {
                if nodes.contains(prev) && assigned.insert(prev) {
                    component.push(prev);
                    todo.push(prev);
                }
            }
        }
        component.sort();
        found.push(component);
    }
    found
}

/// The shortest loop from `first` back to itself inside `members`, as the nodes on it.
fn shortest_loop<'a, N: Ord>(
    first: &'a N,
    members: &BTreeSet<&'a N>,
    needs: &BTreeMap<&'a N, BTreeSet<&'a N>>,
) -> Vec<&'a N> {
    let mut came_from: BTreeMap<&N, &N> = BTreeMap::new();
    let mut queue = VecDeque::from([first]);
    while let Some(node) = queue.pop_front() {
        for &next in &needs[node] {
            if next == first {
                let mut path = vec![node];
                while let Some(&prev) = came_from.get(path[path.len() - 1]) {
                    path.push(prev);
                }
                path.reverse();
                if path[0] != first {
                    path.insert(0, first);
                }
                return path;
            }
            if members.contains(next) && next != first && !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![first]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(nodes: &[u32], edges: &[(u32, u32)]) -> Ordering<u32> {
        order(&nodes.iter().copied().collect(), edges)
    }

    #[test]
    fn dependencies_first_then_lowest_number() {
        // 17 needs 14; 15 needs 17; 12 and 20 need nothing.
        let o = run(&[20, 17, 15, 14, 12], &[(17, 14), (15, 17)]);
        assert_eq!(o.order, vec![12, 14, 17, 15, 20]);
        assert!(o.cycles.is_empty() && o.waiting.is_empty());
        // Edges to pull requests outside the set do not hold anything up.
        assert_eq!(run(&[3, 2], &[(2, 99)]).order, vec![2, 3]);
    }

    #[test]
    fn a_loop_is_named_whole_from_its_lowest_member() {
        let o = run(
            &[14, 15, 17, 20, 21],
            &[(14, 15), (15, 17), (17, 14), (20, 17), (21, 20)],
        );
        assert_eq!(o.order, Vec::<u32>::new());
        assert_eq!(
            o.cycles,
            vec![Cycle {
                path: vec![14, 15, 17],
                knot: vec![]
            }]
        );
        assert_eq!(o.waiting, vec![20, 21]);
    }

    #[test]
    fn a_self_loop_and_a_knot() {
        let o = run(&[1, 5], &[(5, 5)]);
        assert_eq!(o.order, vec![1]);
        assert_eq!(o.cycles[0].path, vec![5]);
        // 1 ↔ 2 and 2 ↔ 3: one tangle; the loop through 1 is 1 → 2 → 1, and 3 is in the knot.
        let o = run(&[1, 2, 3], &[(1, 2), (2, 1), (2, 3), (3, 2)]);
        assert_eq!(
            o.cycles,
            vec![Cycle {
                path: vec![1, 2],
                knot: vec![3]
            }]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let n = 50_000u32;
        let nodes: Vec<u32> = (0..n).collect();
        let mut edges: Vec<(u32, u32)> = (1..n).map(|i| (i - 1, i)).collect();
        edges.push((n - 1, 0));
        let o = run(&nodes, &edges);
        assert_eq!(o.cycles[0].path.len(), n as usize);
    }
}
