//! `multiple-heads`: more heads than `max-heads`. One finding naming the heads (the first of
//! them, then a count), their files and where they branch, at the first head's `revision` line
//! that does not silence it.

use super::super::graph;
use super::tree::listing;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    let heads = tree.heads();
    let max = tree.options.max_heads;
    if heads.len() <= max {
        return;
    }
    let places = heads
        .iter()
        .map(|&h| (tree.file_of(h), tree.script_of(h).revision.line()));
    let Some((file, line)) = tree.first_unsilenced(places, Rule::MultipleHeads.id()) else {
        return;
    };
    let points = graph::branch_points(&tree.graph, heads);
    let shared = if points.is_empty() {
        "they share no ancestor (independent bases)".to_string()
    } else {
        format!(
            "they branch from {}",
            points
                .iter()
                .map(|&p| tree.describe(p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let listed: Vec<String> = heads.iter().map(|&h| tree.describe(h)).collect();
    out.push(
        Rule::MultipleHeads,
        Order::Heads,
        file,
        line,
        format!(
            "{} heads where at most {max} {} allowed: {}; {shared}. Merge them with `alembic merge`",
            heads.len(),
            if max == 1 { "is" } else { "are" },
            listing(&listed)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings_of, opts, src};
    use super::super::{Rule, check};
    use crate::report::{Location, Report, Verdict};

    fn rules(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn two_heads_are_blocked_and_named() {
        let r = check(
            &[
                src("a.py", "revision = 'a'\ndown_revision = None\n"),
                src("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
                src(
                    "c.py",
                    "revision = 'c'\ndown_revision = 'a'  # ready: ignore[other]\n",
                ),
            ],
            &opts(),
        );
        assert_eq!(r.verdict, Verdict::Blocked);
        assert_eq!(rules(&r), ["multiple-heads"]);
        assert!(
            r.findings[0]
                .message
                .contains("they branch from a (versions/a.py)")
        );
        assert_eq!(r.outputs[0], ("heads".into(), "b c".into()));
    }

    #[test]
    fn multiple_heads_is_silenced_only_where_every_head_silences_it() {
        let ignored = "  # ready: ignore[multiple-heads]";
        let tree = |c_comment: &str| {
            check(
                &[
                    src("a.py", "revision = 'a'\ndown_revision = None\n"),
                    src(
                        "b.py",
                        &format!("revision = 'b'{ignored}\ndown_revision = 'a'\n"),
                    ),
                    src(
                        "c.py",
                        &format!("revision = 'c'{c_comment}\ndown_revision = 'a'\n"),
                    ),
                ],
                &opts(),
            )
        };
        let r = tree("");
        assert_eq!(rules(&r), ["multiple-heads"]);
        assert_eq!(
            r.findings[0].location,
            Some(Location::line("versions/c.py", 1))
        );
        assert_eq!(tree(ignored).verdict, Verdict::Passed);
    }

    #[test]
    fn independent_bases_and_max_heads() {
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = None\n"),
            src("b.py", "revision = 'b'\ndown_revision = None\n"),
            src("c.py", "revision = 'c'\ndown_revision = None\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::MultipleHeads, &tree, &opts()));
        let mut two = opts();
        two.max_heads = 2;
        insta::assert_snapshot!(findings_of(Rule::MultipleHeads, &tree, &two));
        two.max_heads = 3;
        assert_eq!(findings_of(Rule::MultipleHeads, &tree, &two), "");
    }

    #[test]
    fn depends_on_counts_with_resolve_dependencies() {
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = None\n"),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = None\ndepends_on = 'a'\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::MultipleHeads, &tree, &opts()));
        let mut resolve = opts();
        resolve.resolve_dependencies = true;
        assert_eq!(findings_of(Rule::MultipleHeads, &tree, &resolve), "");
    }
}
