//! The rules: from the read migration files to the report (findings, outputs, summary). Pure.
//!
//! Rule ids (each documented in docs/check-alembic-heads.md):
//! `multiple-heads`, `revision-cycle`, `unknown-down-revision`, `unknown-dependency`,
//! `duplicate-revision`, `duplicate-branch-label`, `missing-revision-attribute`,
//! `non-literal-revision-attribute`, `illegal-revision-id`, `syntax-error`, `missing-contract`,
//! `invalid-contract`, `missing-downgrade`, `missing-contract-doc`.

use super::ACTION;
use super::graph::{self, Node, Problem};
use super::script::{self, Attr, Downgrade, Script};
use crate::report::{Block, Finding, Inline, Location, Report, Table, Verdict};

/// A migration file as the caller read it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path shown in findings (relative to the working directory where possible).
    pub display: String,
    pub file_name: String,
    /// The text, or (when it is not UTF-8) a lossy copy. `run` empties it once it is read.
    pub text: Result<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub max_heads: usize,
    pub resolve_dependencies: bool,
    pub require_contract: bool,
    /// The contract document: shown path and text.
    pub contract_doc: Option<(String, String)>,
    /// Which files the contract rules apply to (`changed-since`); `None`: all.
    pub checked: Option<Vec<bool>>,
    pub locations: Vec<String>,
}

pub const CONTRACTS: [&str; 3] = ["safe_online", "requires_maintenance_window", "destructive"];

/// Alembic's `_only_source_rev_file`: `(?!\.\#|__init__)(.*\.py)$`.
pub fn counts_as_migration(file_name: &str) -> bool {
    file_name.ends_with(".py")
        && !file_name.starts_with(".#")
        && !file_name.starts_with("__init__")
        && !file_name.contains('\n')
}

/// Alembic's legacy `([a-f0-9]+)\.py$`: a file without `revision` named by its id.
fn legacy_revision(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".py")?;
    (!stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| stem.to_string())
}

struct Pending {
    file: usize,
    line: u32,
    finding: Finding,
}

/// Reads one migration file's declarations; a file that is not UTF-8 reads as a lossy copy
/// with a syntax error on line 1 (Python would refuse to import it).
pub fn read_source(source: &Source) -> Script {
    match &source.text {
        Ok(text) => script::read(text),
        Err(lossy) => {
            let mut sc = script::read(lossy);
            sc.syntax_errors.insert(
                0,
                script::SyntaxError {
                    line: 1,
                    column: 1,
                    message: "the file is not valid UTF-8".into(),
                },
            );
            sc
        }
    }
}

/// Reads every file, then checks them. (`run` reads the files on several threads and calls
/// `check_read`.)
pub fn check(sources: &[Source], options: &Options) -> Report {
    let scripts: Vec<Script> = sources.iter().map(read_source).collect();
    check_read(sources, &scripts, options)
}

/// The rules over files already read: `scripts[i]` is what `sources[i]` declares.
pub fn check_read(sources: &[Source], scripts: &[Script], options: &Options) -> Report {
    let silenced = |file: usize, line: Option<u32>, rule: &str| {
        scripts[file]
            .ignores
            .get(&line.unwrap_or(1))
            .is_some_and(|ids| ids.iter().any(|r| r == rule))
    };
    // A problem that involves several revisions (heads, a cycle, a duplicate id) is one finding,
    // at the first of their lines that does not silence it: silenced only where all of them do.
    let first_unsilenced = |places: Vec<(usize, Option<u32>)>, rule: &str| {
        places
            .into_iter()
            .find(|&(file, line)| !silenced(file, line, rule))
    };
    let mut pending: Vec<Pending> = Vec::new();
    let mut push = |file: usize, line: Option<u32>, finding: Finding| {
        pending.push(Pending {
            file,
            line: line.unwrap_or(1),
            finding,
        });
    };

    // Per file: syntax and the revision attributes.
    let mut nodes = Vec::new();
    let mut node_file = Vec::new();
    for (i, (source, sc)) in sources.iter().zip(scripts).enumerate() {
        if let Some(first) = sc.syntax_errors.first() {
            let more = sc.syntax_errors.len() - 1;
            let extra = if more > 0 {
                format!(
                    " ({more} more syntax {} in this file)",
                    if more == 1 { "error" } else { "errors" }
                )
            } else {
                String::new()
            };
            push(
                i,
                Some(first.line),
                Finding::error(
                    "syntax-error",
                    "Migration does not parse",
                    format!(
                        "{} does not parse: {} at line {}, column {}{extra}; Alembic cannot import it",
                        source.display, first.message, first.line, first.column
                    ),
                ),
            );
        }
        let revision = match &sc.revision {
            Attr::Value { value, .. } => Some(value.clone()),
            Attr::NonLiteral { line } => {
                push(i, Some(*line), non_literal(&source.display, "revision"));
                None
            }
            Attr::Missing => match legacy_revision(&source.file_name) {
                Some(id) => Some(id),
                None => {
                    push(i, None, missing_attr(&source.display, "revision"));
                    None
                }
            },
        };
        let list = |attr: &Attr<Vec<String>>,
                    name: &str,
                    required: bool,
                    push: &mut dyn FnMut(usize, Option<u32>, Finding)|
         -> Vec<String> {
            match attr {
                Attr::Value { value, .. } => value.clone(),
                Attr::NonLiteral { line } => {
                    push(i, Some(*line), non_literal(&source.display, name));
                    Vec::new()
                }
                Attr::Missing => {
                    if required && revision.is_some() {
                        push(i, sc.revision.line(), missing_attr(&source.display, name));
                    }
                    Vec::new()
                }
            }
        };
        let down = list(&sc.down_revision, "down_revision", true, &mut push);
        let branch_labels = list(&sc.branch_labels, "branch_labels", false, &mut push);
        let depends_on = list(&sc.depends_on, "depends_on", false, &mut push);
        if let Some(id) = revision {
            nodes.push(Node {
                id,
                down,
                depends_on,
                branch_labels,
            });
            node_file.push(i);
        }
    }

    let g = graph::build(&nodes);
    let file_of = |n: usize| node_file[n];
    let where_ = |n: usize| {
        let f = file_of(n);
        format!("{} ({})", nodes[n].id, sources[f].display)
    };
    for problem in &g.problems {
        match problem {
            Problem::DuplicateRevision { id, nodes: dup } => {
                let all: Vec<String> = dup
                    .iter()
                    .map(|&n| sources[file_of(n)].display.clone())
                    .collect();
                let places = dup
                    .iter()
                    .map(|&n| (file_of(n), scripts[file_of(n)].revision.line()))
                    .collect();
                if let Some((file, line)) = first_unsilenced(places, "duplicate-revision") {
                    push(
                        file,
                        line,
                        Finding::error(
                            "duplicate-revision",
                            "Duplicate revision id",
                            format!(
                                "revision {id} is declared in {} files: {}",
                                all.len(),
                                listing(&all)
                            ),
                        ),
                    );
                }
            }
            Problem::DuplicateBranchLabel { label, node, other } => push(
                file_of(*node),
                scripts[file_of(*node)].branch_labels.line(),
                Finding::error(
                    "duplicate-branch-label",
                    "Duplicate branch label",
                    format!(
                        "branch label {label:?} of revision {} is already used by revision {}",
                        where_(*node),
                        where_(*other)
                    ),
                ),
            ),
            Problem::UnknownDownRevision {
                node,
                name,
                label_of,
            } => {
                let hint = match label_of {
                    Some(l) => format!(
                        "; it is a branch label of {}, but down_revision must name a revision id",
                        where_(*l)
                    ),
                    None => String::new(),
                };
                push(
                    file_of(*node),
                    scripts[file_of(*node)].down_revision.line(),
                    Finding::error(
                        "unknown-down-revision",
                        "down_revision names no revision",
                        format!(
                            "down_revision of {} names {name:?}, which is not a revision in {}{hint}",
                            where_(*node),
                            options.locations.join(", ")
                        ),
                    ),
                );
            }
            Problem::UnknownDependency { node, name } => push(
                file_of(*node),
                scripts[file_of(*node)].depends_on.line(),
                Finding::error(
                    "unknown-dependency",
                    "depends_on names nothing",
                    format!(
                        "depends_on of {} names {name:?}, which is neither a revision nor a branch label",
                        where_(*node)
                    ),
                ),
            ),
            Problem::Cycle {
                nodes: members,
                dependency,
            } => {
                let ids: Vec<String> = members.iter().map(|&n| where_(n)).collect();
                let kind = if *dependency {
                    "down_revision and depends_on"
                } else {
                    "down_revision"
                };
                let places = members
                    .iter()
                    .map(|&n| {
                        let sc = &scripts[file_of(n)];
                        let line = if *dependency && sc.depends_on.line().is_some() {
                            sc.depends_on.line()
                        } else {
                            sc.down_revision.line()
                        };
                        (file_of(n), line)
                    })
                    .collect();
                if let Some((file, line)) = first_unsilenced(places, "revision-cycle") {
                    let shown = if ids.len() > MAX_LISTED {
                        format!("{} revisions: {}", ids.len(), listing(&ids))
                    } else {
                        ids.join(" → ")
                    };
                    push(
                        file,
                        line,
                        Finding::error(
                            "revision-cycle",
                            "Revision cycle",
                            format!("revisions loop through {kind}: {shown}"),
                        ),
                    );
                }
            }
            Problem::IllegalRevisionId { node, chars } => push(
                file_of(*node),
                scripts[file_of(*node)].revision.line(),
                Finding::error(
                    "illegal-revision-id",
                    "Illegal revision id",
                    format!(
                        "revision id {:?} contains {chars:?}, which Alembic does not allow",
                        nodes[*node].id
                    ),
                ),
            ),
        }
    }

    let heads = if options.resolve_dependencies {
        &g.effective_heads
    } else {
        &g.heads
    };
    if heads.len() > options.max_heads {
        let points = graph::branch_points(&g, heads);
        let shared = if points.is_empty() {
            "they share no ancestor (independent bases)".to_string()
        } else {
            format!(
                "they branch from {}",
                points
                    .iter()
                    .map(|&p| where_(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let listed: Vec<String> = heads.iter().map(|&h| where_(h)).collect();
        let places = heads
            .iter()
            .map(|&h| (file_of(h), scripts[file_of(h)].revision.line()))
            .collect();
        if let Some((file, line)) = first_unsilenced(places, "multiple-heads") {
            push(
                file,
                line,
                Finding::error(
                    "multiple-heads",
                    "Multiple heads",
                    format!(
                        "{} heads where at most {} {} allowed: {}; {shared}. Merge them with `alembic merge`",
                        heads.len(),
                        options.max_heads,
                        if options.max_heads == 1 { "is" } else { "are" },
                        listing(&listed)
                    ),
                ),
            );
        }
    }

    // Contracts.
    let mut maintenance = false;
    let mut destructive = false;
    for (i, (source, sc)) in sources.iter().zip(scripts).enumerate() {
        if options
            .checked
            .as_ref()
            .is_some_and(|c| !c.get(i).copied().unwrap_or(false))
        {
            continue;
        }
        match sc.contract.value().map(String::as_str) {
            Some("requires_maintenance_window") => maintenance = true,
            Some("destructive") => destructive = true,
            _ => {}
        }
        let rev_line = sc.revision.line();
        if options.require_contract {
            match &sc.contract {
                Attr::Missing => push(
                    i,
                    rev_line,
                    Finding::error(
                        "missing-contract",
                        "Migration declares no contract",
                        format!(
                            "{} declares no migration_contract; add migration_contract = \"safe_online\", \"requires_maintenance_window\" or \"destructive\"",
                            source.display
                        ),
                    ),
                ),
                Attr::Value { value, .. } if CONTRACTS.contains(&value.as_str()) => {}
                other => push(
                    i,
                    other.line(),
                    Finding::error(
                        "invalid-contract",
                        "Unknown migration contract",
                        format!(
                            "migration_contract in {} must be the literal \"safe_online\", \"requires_maintenance_window\" or \"destructive\"{}",
                            source.display,
                            other
                                .value()
                                .map(|v| format!(", not {v:?}"))
                                .unwrap_or_default()
                        ),
                    ),
                ),
            }
            let declared_none = sc
                .no_downgrade
                .value()
                .is_some_and(|v| !v.trim().is_empty());
            if !declared_none {
                let (line, what) = match sc.downgrade {
                    Downgrade::Present { .. } => (None, None),
                    Downgrade::Empty { line } => (Some(line), Some("its downgrade() does nothing")),
                    Downgrade::Missing => (rev_line, Some("it has no downgrade()")),
                };
                if let Some(what) = what {
                    push(
                        i,
                        line,
                        Finding::error(
                            "missing-downgrade",
                            "Migration cannot be downgraded",
                            format!(
                                "{}: {what}; write one, or declare no_downgrade = \"<why>\"",
                                source.display
                            ),
                        ),
                    );
                }
            }
        }
        if let (Some((doc, text)), Some(id)) = (&options.contract_doc, sc.revision.value())
            && !text.contains(id.as_str())
        {
            push(
                i,
                rev_line,
                Finding::error(
                    "missing-contract-doc",
                    "Migration missing from the contract document",
                    format!(
                        "revision {id} ({}) is not mentioned in {doc}",
                        source.display
                    ),
                ),
            );
        }
    }

    // Silence `# ready: ignore[rule]` on the finding's line.
    let findings: Vec<Finding> = pending
        .into_iter()
        .filter(|p| !silenced(p.file, Some(p.line), &p.finding.rule))
        .map(|p| {
            let loc = Location::line(sources[p.file].display.clone(), p.line);
            p.finding.at(loc)
        })
        .collect();

    let head_ids: Vec<&str> = heads.iter().map(|&h| nodes[h].id.as_str()).collect();
    let verdict = if findings.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Blocked
    };
    let heads_word = |n: usize| if n == 1 { "head" } else { "heads" };
    let headline = match verdict {
        Verdict::Passed => format!(
            "{} {} ({}) over {} revisions",
            head_ids.len(),
            heads_word(head_ids.len()),
            if head_ids.is_empty() {
                "none".to_string()
            } else {
                head_ids.join(", ")
            },
            nodes.len()
        ),
        _ => format!(
            "{} {} in the migrations: {} {} over {} revisions",
            findings.len(),
            if findings.len() == 1 {
                "problem"
            } else {
                "problems"
            },
            head_ids.len(),
            heads_word(head_ids.len()),
            nodes.len()
        ),
    };
    let mut report = Report::new(ACTION, verdict, headline);
    report.findings = findings;
    report.output("heads", head_ids.join(" "));
    report.output("head-count", head_ids.len().to_string());
    report.output("revision-count", nodes.len().to_string());
    report.output("requires-maintenance-window", maintenance.to_string());
    report.output("destructive", destructive.to_string());
    let mut table = Table::new(["Head", "File", "Branch labels"]);
    for &h in heads {
        table.row([
            nodes[h].id.clone(),
            sources[file_of(h)].display.clone(),
            nodes[h].branch_labels.join(", "),
        ]);
    }
    report.table = Some(table);
    let command = if options.resolve_dependencies {
        "alembic heads --resolve-dependencies"
    } else {
        "alembic heads"
    };
    report.summary.push(Block::paragraph([
        Inline::Text(format!(
            "{} revisions in {} ({} as ",
            nodes.len(),
            options.locations.join(", "),
            heads_word(2)
        )),
        Inline::Code(command.into()),
        Inline::Text(" prints them).".into()),
    ]));
    report
}

/// The most revisions a finding's message names; the rest are counted (all heads are in the
/// `heads` output), so a finding stays small however large the tree.
const MAX_LISTED: usize = 20;

/// `items` joined with ", ", the first `MAX_LISTED` of them and a count of the rest.
fn listing(items: &[String]) -> String {
    if items.len() <= MAX_LISTED {
        return items.join(", ");
    }
    format!(
        "{}, and {} more",
        items[..MAX_LISTED].join(", "),
        items.len() - MAX_LISTED
    )
}

fn non_literal(file: &str, name: &str) -> Finding {
    Finding::error(
        "non-literal-revision-attribute",
        "Revision attribute is not a literal",
        format!(
            "{name} in {file} is not a string, tuple, list or None literal; it cannot be read without running the file"
        ),
    )
}

fn missing_attr(file: &str, name: &str) -> Finding {
    Finding::error(
        "missing-revision-attribute",
        "Revision attribute missing",
        format!("{file} declares no module-level {name}; Alembic cannot load it"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            display: format!("versions/{name}"),
            file_name: name.into(),
            text: Ok(text.into()),
        }
    }

    fn opts() -> Options {
        Options {
            max_heads: 1,
            locations: vec!["versions".into()],
            ..Options::default()
        }
    }

    fn rules(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn file_names_as_alembic_counts_them() {
        assert!(counts_as_migration("1_a.py"));
        assert!(counts_as_migration(".hidden.py"));
        assert!(!counts_as_migration("__init__.py"));
        assert!(!counts_as_migration("__init__x.py"));
        assert!(!counts_as_migration(".#lock.py"));
        assert!(!counts_as_migration("a.pyc"));
        assert!(!counts_as_migration("a.txt"));
        assert_eq!(legacy_revision("ae10.py").as_deref(), Some("ae10"));
        assert_eq!(legacy_revision("x_ae10.py"), None);
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
    fn ignore_comment_silences_on_its_line() {
        let r = check(
            &[src(
                "a.py",
                "revision = 'a'\ndown_revision = 'zz'  # ready: ignore[unknown-down-revision]\n",
            )],
            &opts(),
        );
        assert_eq!(r.verdict, Verdict::Passed);
    }

    #[test]
    fn contracts() {
        let mut o = opts();
        o.require_contract = true;
        o.contract_doc = Some(("MIGRATIONS.md".into(), "a is fine".into()));
        let r = check(
            &[
                src(
                    "a.py",
                    "revision = 'a'\ndown_revision = None\nmigration_contract = 'destructive'\nno_downgrade = 'dropped data'\n",
                ),
                src(
                    "b.py",
                    "revision = 'b'\ndown_revision = 'a'\nmigration_contract = 'whenever'\ndef downgrade():\n    '''doc'''\n    raise NotImplementedError\n",
                ),
                src(
                    "c.py",
                    "revision = 'c'\ndown_revision = 'b'\ndef downgrade():\n    op.drop_table('x')\n",
                ),
            ],
            &o,
        );
        assert_eq!(
            rules(&r),
            [
                "invalid-contract",
                "missing-downgrade",
                "missing-contract-doc",
                "missing-contract",
                "missing-contract-doc"
            ]
        );
        assert!(r.outputs.contains(&("destructive".into(), "true".into())));
        assert!(
            r.outputs
                .contains(&("requires-maintenance-window".into(), "false".into()))
        );
    }

    #[test]
    fn changed_since_limits_contract_rules() {
        let mut o = opts();
        o.require_contract = true;
        o.checked = Some(vec![false, true]);
        let r = check(
            &[
                src("a.py", "revision = 'a'\ndown_revision = None\n"),
                src(
                    "b.py",
                    "revision = 'b'\ndown_revision = 'a'\nmigration_contract = 'requires_maintenance_window'\nno_downgrade = 'x'\n",
                ),
            ],
            &o,
        );
        assert_eq!(r.verdict, Verdict::Passed, "{:?}", r.findings);
        assert!(
            r.outputs
                .contains(&("requires-maintenance-window".into(), "true".into()))
        );
    }
}
