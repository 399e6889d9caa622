//! `duplicate-revision`: the same revision id in several files. One finding naming the files,
//! at the first `revision` line that does not silence it.

use super::super::graph::Problem;
use super::tree::listing;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::DuplicateRevision { id, nodes } = found else {
            continue;
        };
        let files: Vec<String> = nodes
            .iter()
            .map(|&n| tree.sources[tree.file_of(n)].display.clone())
            .collect();
        let places = nodes
            .iter()
            .map(|&n| (tree.file_of(n), tree.script_of(n).revision.line()));
        if let Some((file, line)) = tree.first_unsilenced(places, Rule::DuplicateRevision.id()) {
            out.push(
                Rule::DuplicateRevision,
                Order::Graph { problem },
                file,
                line,
                format!(
                    "revision {id} is declared in {} files: {}",
                    files.len(),
                    listing(&files)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn one_finding_naming_every_file() {
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = None\n"),
            src("b.py", "revision = 'a'\ndown_revision = None\n"),
            src("c.py", "revision = 'a'\ndown_revision = None\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::DuplicateRevision, &tree, &opts()));
    }

    #[test]
    fn at_the_first_file_that_does_not_silence_it() {
        let ignored = "revision = 'a'  # ready: ignore[duplicate-revision]\ndown_revision = None\n";
        let tree = [
            src("a.py", ignored),
            src("b.py", "revision = 'a'\ndown_revision = None\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::DuplicateRevision, &tree, &opts()));
        let all_silenced = [src("a.py", ignored), src("b.py", ignored)];
        assert_eq!(
            findings_of(Rule::DuplicateRevision, &all_silenced, &opts()),
            ""
        );
    }
}
