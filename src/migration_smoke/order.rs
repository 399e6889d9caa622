//! The order the revisions run in, and the Alembic commands of a run. Pure.
//!
//! The graph is check-alembic-heads' (`rules::Revision`, parents by index); here it is only put
//! in upgrade order: every revision after its parents, ties in file order, as stable as the tree.

use crate::check_alembic_heads::rules::Revision;
use std::collections::BTreeSet;

/// The revisions in upgrade order, each one's parents renumbered to their places in it.
pub fn in_order(revisions: &[Revision]) -> Vec<Revision> {
    let order = upgrade_order(revisions);
    let mut place = vec![usize::MAX; revisions.len()];
    for (at, &i) in order.iter().enumerate() {
        place[i] = at;
    }
    order
        .iter()
        .map(|&i| Revision {
            parents: revisions[i].parents.iter().map(|&p| place[p]).collect(),
            ..revisions[i].clone()
        })
        .collect()
}

/// Indexes of `revisions`, parents before children. The graph was checked for cycles already;
/// a revision left in one would be left out, never run twice.
pub fn upgrade_order(revisions: &[Revision]) -> Vec<usize> {
    let mut waiting: Vec<usize> = revisions.iter().map(|r| r.parents.len()).collect();
    let mut children = vec![Vec::new(); revisions.len()];
    for (i, r) in revisions.iter().enumerate() {
        for &p in &r.parents {
            children[p].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..revisions.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(revisions.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &c in &children[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.insert(c);
            }
        }
    }
    order
}

/// What a step does to the revision it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Upgrade,
    Downgrade,
    /// The stairway's second upgrade: it fails when the downgrade left something behind.
    Reupgrade,
    /// `alembic check` at head.
    ModelCheck,
    /// A downgrade of the walk from head back to base, one revision at a time.
    WalkDown,
    /// The revision's SQL rendered offline (`upgrade <down>:<rev> --sql`).
    Sql,
    /// Not run: the revision declares `no_downgrade`, so its stairway stops after the upgrade
    /// (no downgrade, no second upgrade).
    StairwaySkipped,
    /// Not run: the walk back to base stops at a revision that declares `no_downgrade`; neither
    /// it nor any revision before it is walked down (a rollback cannot get past it).
    WalkStopped,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Upgrade => "upgrade",
            Kind::Downgrade => "downgrade",
            Kind::Reupgrade => "upgrade after its downgrade",
            Kind::ModelCheck => "alembic check",
            Kind::WalkDown => "downgrade on the way back to base",
            Kind::Sql => "offline SQL",
            Kind::StairwaySkipped => "downgrade and upgrade again",
            Kind::WalkStopped => "downgrade on the way back to base",
        }
    }

    /// A step the plan names to show what was left out, with nothing to run.
    pub fn is_skipped(self) -> bool {
        matches!(self, Kind::StairwaySkipped | Kind::WalkStopped)
    }
}

/// Why a revision is never downgraded, for a line or a cell: `declares no_downgrade "<why>"`,
/// the reason (the project's text) as one printable line.
pub fn declared_away(revision: &Revision) -> String {
    let why = revision.no_downgrade.as_ref().map_or("", |(why, _)| why);
    format!(
        "declares no_downgrade \"{}\"",
        crate::gha::printable(why.trim())
    )
}

/// What the walk down leaves out when it stops at the revision in place `at` of the upgrade
/// order: every revision before it (a rollback cannot get past it).
pub fn not_walked(at: usize) -> String {
    match at {
        0 => "nothing before it to walk".into(),
        1 => "the 1 revision before it is not walked down".into(),
        n => format!("the {n} revisions before it are not walked down"),
    }
}

/// One Alembic command of the run; `revision` indexes the ordered revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub revision: Option<usize>,
    pub kind: Kind,
    pub argv: Vec<String>,
}

fn step(revision: Option<usize>, kind: Kind, argv: &[&str]) -> Step {
    Step {
        revision,
        kind,
        argv: argv.iter().map(|s| s.to_string()).collect(),
    }
}

/// Where a revision's downgrade goes: its one parent, else one step down from it (a base goes
/// to `base`). A merge goes to its first parent, which leaves the others as heads: `<merge>-1`
/// is an "Ambiguous walk" to Alembic. Where a sibling branch grows from the same parent (or
/// another base), `downgrade <parent>` would take that branch down too, through a revision
/// that may declare `no_downgrade`: `<rev>@-1` keeps the downgrade on the revision's own branch.
fn below(revisions: &[Revision], i: usize) -> String {
    let r = &revisions[i];
    let siblings = revisions
        .iter()
        .filter(
            |other| match (r.parents.as_slice(), other.parents.as_slice()) {
                ([p], theirs) => theirs.contains(p),
                ([], []) => true,
                _ => false,
            },
        )
        .count();
    match r.parents.as_slice() {
        [] | [_] if siblings > 1 => format!("{}@-1", r.id),
        [] => format!("{}-1", r.id),
        [p, ..] => revisions[*p].id.clone(),
    }
}

/// The online run over `revisions` (in upgrade order, see `in_order`). With the stairway,
/// each revision goes up, down one step and up again; without it, each goes up once. Then
/// `alembic check` at head, when asked for, and all come down again one by one.
///
/// A revision that declares `no_downgrade` is upgraded and never downgraded: its stairway is a
/// skipped step, and the walk down ends at it with one (those above it are still walked).
pub fn online_plan(revisions: &[Revision], stairway: bool, model_check: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    for (i, r) in revisions.iter().enumerate() {
        let id = r.id.as_str();
        steps.push(step(Some(i), Kind::Upgrade, &["upgrade", id]));
        if stairway && r.no_downgrade.is_some() {
            steps.push(step(Some(i), Kind::StairwaySkipped, &[]));
        } else if stairway {
            steps.push(step(
                Some(i),
                Kind::Downgrade,
                &["downgrade", &below(revisions, i)],
            ));
            steps.push(step(Some(i), Kind::Reupgrade, &["upgrade", id]));
        }
    }
    if model_check && !revisions.is_empty() {
        steps.push(step(None, Kind::ModelCheck, &["check"]));
    }
    // Then back down to base one revision at a time, as a rollback walks: a downgrade can
    // depend on a later one's (the stairway alone runs each right after its own upgrade).
    for i in (0..revisions.len()).rev() {
        if revisions[i].no_downgrade.is_some() {
            steps.push(step(Some(i), Kind::WalkStopped, &[]));
            break;
        }
        steps.push(step(
            Some(i),
            Kind::WalkDown,
            &["downgrade", &below(revisions, i)],
        ));
    }
    steps
}

/// The offline SQL of each revision on its own, for the contract check; a merge has no single
/// range to render and is left out (`None`).
pub fn sql_plan(revisions: &[Revision]) -> Vec<Option<Step>> {
    revisions
        .iter()
        .enumerate()
        .map(|(i, rev)| {
            let range = match rev.parents.as_slice() {
                [] => rev.id.clone(),
                [p] => format!("{}:{}", revisions[*p].id, rev.id),
                _ => return None,
            };
            Some(step(Some(i), Kind::Sql, &["upgrade", &range, "--sql"]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, parents: &[usize]) -> Revision {
        Revision {
            id: id.into(),
            parents: parents.to_vec(),
            file: format!("versions/{id}.py"),
            contract: None,
            checked: true,
            no_downgrade: None,
        }
    }

    fn no_downgrade(mut r: Revision) -> Revision {
        r.no_downgrade = Some(("drops a table".into(), 7));
        r
    }

    fn argv(steps: &[Step]) -> Vec<String> {
        steps.iter().map(|s| s.argv.join(" ")).collect()
    }

    #[test]
    fn parents_first_ties_in_file_order() {
        // Files: c (child of a and b), a, b (child of a).
        let revs = [rev("c", &[1, 2]), rev("a", &[]), rev("b", &[1])];
        assert_eq!(upgrade_order(&revs), [1, 2, 0]);
        let ordered = in_order(&revs);
        let ids: Vec<&str> = ordered.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(ordered[2].parents, [0, 1]);
    }

    #[test]
    fn the_stairway_goes_up_down_up_for_each_revision() {
        let revs = [rev("a", &[]), rev("b", &[0])];
        let plan = online_plan(&revs, true, true);
        assert_eq!(
            argv(&plan),
            [
                "upgrade a",
                "downgrade a-1",
                "upgrade a",
                "upgrade b",
                "downgrade a",
                "upgrade b",
                "check",
                "downgrade a",
                "downgrade a-1"
            ]
        );
        assert_eq!(plan[5].kind, Kind::Reupgrade);
    }

    #[test]
    fn without_the_stairway_all_go_up_then_all_come_down() {
        let revs = [rev("a", &[]), rev("b", &[0])];
        let plan = online_plan(&revs, false, false);
        assert_eq!(
            argv(&plan),
            ["upgrade a", "upgrade b", "downgrade a", "downgrade a-1"]
        );
        assert_eq!(plan[2].revision, Some(1));
        assert_eq!(plan[2].kind, Kind::WalkDown);
    }

    #[test]
    fn a_declared_no_downgrade_is_never_run_and_ends_the_walk_down() {
        let revs = [rev("a", &[]), no_downgrade(rev("b", &[0])), rev("c", &[1])];
        let plan = online_plan(&revs, true, true);
        let kinds: Vec<(Option<usize>, Kind)> = plan.iter().map(|s| (s.revision, s.kind)).collect();
        assert_eq!(
            kinds,
            [
                (Some(0), Kind::Upgrade),
                (Some(0), Kind::Downgrade),
                (Some(0), Kind::Reupgrade),
                (Some(1), Kind::Upgrade),
                (Some(1), Kind::StairwaySkipped),
                (Some(2), Kind::Upgrade),
                (Some(2), Kind::Downgrade),
                (Some(2), Kind::Reupgrade),
                (None, Kind::ModelCheck),
                (Some(2), Kind::WalkDown),
                (Some(1), Kind::WalkStopped),
            ]
        );
        // c's stairway goes down to b, not through it; nothing is run for b's downgrade, and
        // a, below it, is not walked at all.
        assert_eq!(
            argv(&plan),
            [
                "upgrade a",
                "downgrade a-1",
                "upgrade a",
                "upgrade b",
                "",
                "upgrade c",
                "downgrade b",
                "upgrade c",
                "check",
                "downgrade b",
                ""
            ]
        );
        assert!(
            plan.iter()
                .all(|s| s.kind.is_skipped() == s.argv.is_empty())
        );
    }

    #[test]
    fn without_the_stairway_the_walk_still_stops_at_it() {
        let revs = [rev("a", &[]), rev("b", &[0]), no_downgrade(rev("c", &[1]))];
        let plan = online_plan(&revs, false, false);
        assert_eq!(argv(&plan), ["upgrade a", "upgrade b", "upgrade c", ""]);
        assert_eq!(plan[3].kind, Kind::WalkStopped);
        assert_eq!(plan[3].revision, Some(2));
    }

    /// b declares no_downgrade, c is its sibling: c's downgrades stay on c's branch, or
    /// `downgrade a` would take b down too.
    #[test]
    fn on_a_branch_the_downgrade_stays_on_its_own_branch() {
        let revs = [
            rev("a", &[]),
            no_downgrade(rev("b", &[0])),
            rev("c", &[0]),
            rev("m", &[1, 2]),
        ];
        let plan = online_plan(&revs, true, false);
        assert_eq!(
            argv(&plan),
            [
                "upgrade a",
                "downgrade a-1",
                "upgrade a",
                "upgrade b",
                "",
                "upgrade c",
                "downgrade c@-1",
                "upgrade c",
                "upgrade m",
                "downgrade b",
                "upgrade m",
                "downgrade b",
                "downgrade c@-1",
                ""
            ]
        );
        assert_eq!(plan[13].kind, Kind::WalkStopped);
        assert_eq!(plan[13].revision, Some(1));
        // Two bases: each one's downgrade leaves the other alone.
        let bases = online_plan(&[rev("x", &[]), rev("y", &[])], true, false);
        assert_eq!(bases[1].argv.join(" "), "downgrade x@-1");
    }

    #[test]
    fn each_revisions_sql_from_its_parent_merges_left_out() {
        let revs = [
            rev("a", &[]),
            rev("b", &[0]),
            rev("c", &[0]),
            rev("m", &[1, 2]),
        ];
        let plan = sql_plan(&revs);
        let ranges: Vec<Option<String>> = plan
            .iter()
            .map(|s| s.as_ref().map(|s| s.argv[1].clone()))
            .collect();
        assert_eq!(
            ranges,
            [
                Some("a".into()),
                Some("a:b".into()),
                Some("a:c".into()),
                None
            ]
        );
    }
}
