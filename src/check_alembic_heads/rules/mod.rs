//! The rules: from the read migration files to the report (findings, outputs, summary). Pure.
//!
//! Each rule is one unit (squawk's shape): a [`Rule`] variant with its kebab-case id, title,
//! default severity and doc link, and one file with its `check` and its own tests. Every id is
//! documented in docs/check-alembic-heads.md (a test keeps the two in step). The driver below
//! builds the [`Tree`] once, runs every rule over it, drops what `# ready: ignore[rule]`
//! silences and assembles the report.

mod duplicate_branch_label;
mod duplicate_revision;
mod illegal_revision_id;
mod invalid_contract;
mod missing_contract;
mod missing_contract_doc;
mod missing_downgrade;
mod missing_revision_attribute;
mod multiple_heads;
mod non_literal_revision_attribute;
mod picture;
mod revision_cycle;
mod syntax_error;
mod tree;
mod unknown_dependency;
mod unknown_down_revision;

pub use tree::{Options, Source, Tree, counts_as_migration, read_bytes, read_source};

use super::ACTION;
use super::script::{Attr, Script};
use crate::report::{Block, Finding, Inline, Location, Report, Severity, Table, Verdict};

pub const CONTRACTS: [&str; 3] = ["safe_online", "requires_maintenance_window", "destructive"];

/// Every rule of check-alembic-heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    MultipleHeads,
    RevisionCycle,
    UnknownDownRevision,
    UnknownDependency,
    DuplicateRevision,
    DuplicateBranchLabel,
    MissingRevisionAttribute,
    NonLiteralRevisionAttribute,
    IllegalRevisionId,
    SyntaxError,
    MissingContract,
    InvalidContract,
    MissingDowngrade,
    MissingContractDoc,
}

impl Rule {
    /// In the order the docs list them.
    pub const ALL: [Rule; 14] = [
        Rule::MultipleHeads,
        Rule::RevisionCycle,
        Rule::UnknownDownRevision,
        Rule::UnknownDependency,
        Rule::DuplicateRevision,
        Rule::DuplicateBranchLabel,
        Rule::MissingRevisionAttribute,
        Rule::NonLiteralRevisionAttribute,
        Rule::IllegalRevisionId,
        Rule::SyntaxError,
        Rule::MissingContract,
        Rule::InvalidContract,
        Rule::MissingDowngrade,
        Rule::MissingContractDoc,
    ];

    /// The kebab-case id findings carry and `# ready: ignore[...]` names.
    pub fn id(self) -> &'static str {
        match self {
            Rule::MultipleHeads => "multiple-heads",
            Rule::RevisionCycle => "revision-cycle",
            Rule::UnknownDownRevision => "unknown-down-revision",
            Rule::UnknownDependency => "unknown-dependency",
            Rule::DuplicateRevision => "duplicate-revision",
            Rule::DuplicateBranchLabel => "duplicate-branch-label",
            Rule::MissingRevisionAttribute => "missing-revision-attribute",
            Rule::NonLiteralRevisionAttribute => "non-literal-revision-attribute",
            Rule::IllegalRevisionId => "illegal-revision-id",
            Rule::SyntaxError => "syntax-error",
            Rule::MissingContract => "missing-contract",
            Rule::InvalidContract => "invalid-contract",
            Rule::MissingDowngrade => "missing-downgrade",
            Rule::MissingContractDoc => "missing-contract-doc",
        }
    }

    /// The title annotations show after the id.
    pub fn title(self) -> &'static str {
        match self {
            Rule::MultipleHeads => "Multiple heads",
            Rule::RevisionCycle => "Revision cycle",
            Rule::UnknownDownRevision => "down_revision names no revision",
            Rule::UnknownDependency => "depends_on names nothing",
            Rule::DuplicateRevision => "Duplicate revision id",
            Rule::DuplicateBranchLabel => "Duplicate branch label",
            Rule::MissingRevisionAttribute => "Revision attribute missing",
            Rule::NonLiteralRevisionAttribute => "Revision attribute is not a literal",
            Rule::IllegalRevisionId => "Illegal revision id",
            Rule::SyntaxError => "Migration does not parse",
            Rule::MissingContract => "Migration declares no contract",
            Rule::InvalidContract => "Unknown migration contract",
            Rule::MissingDowngrade => "Migration cannot be downgraded",
            Rule::MissingContractDoc => "Migration missing from the contract document",
        }
    }

    /// Every rule finds something Alembic or the deploy would fail on: all block.
    pub fn default_severity(self) -> Severity {
        Severity::Error
    }

    /// Where the rule is documented: its section in docs/check-alembic-heads.md.
    pub fn doc_link(self) -> String {
        format!(
            "{}/blob/main/docs/check-alembic-heads.md#{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.id()
        )
    }

    /// What the rule finds and where, as its section in docs/check-alembic-heads.md says it:
    /// the same words in the docs, SARIF and code scanning.
    pub fn help(self) -> String {
        const DOCS: &str = include_str!("../../../docs/check-alembic-heads.md");
        crate::render::rule_docs::section(DOCS, self.id())
            .unwrap_or(self.title())
            .to_string()
    }

    /// The rule table as SARIF lists it.
    pub fn sarif_rules() -> Vec<crate::render::sarif::Rule> {
        Rule::ALL
            .iter()
            .map(|r| crate::render::sarif::Rule {
                id: r.id().into(),
                title: r.title().into(),
                help: r.help(),
                help_uri: Some(r.doc_link()),
            })
            .collect()
    }

    fn check(self, tree: &Tree, out: &mut Findings) {
        match self {
            Rule::MultipleHeads => multiple_heads::check(tree, out),
            Rule::RevisionCycle => revision_cycle::check(tree, out),
            Rule::UnknownDownRevision => unknown_down_revision::check(tree, out),
            Rule::UnknownDependency => unknown_dependency::check(tree, out),
            Rule::DuplicateRevision => duplicate_revision::check(tree, out),
            Rule::DuplicateBranchLabel => duplicate_branch_label::check(tree, out),
            Rule::MissingRevisionAttribute => missing_revision_attribute::check(tree, out),
            Rule::NonLiteralRevisionAttribute => non_literal_revision_attribute::check(tree, out),
            Rule::IllegalRevisionId => illegal_revision_id::check(tree, out),
            Rule::SyntaxError => syntax_error::check(tree, out),
            Rule::MissingContract => missing_contract::check(tree, out),
            Rule::InvalidContract => invalid_contract::check(tree, out),
            Rule::MissingDowngrade => missing_downgrade::check(tree, out),
            Rule::MissingContractDoc => missing_contract_doc::check(tree, out),
        }
    }
}

/// Where a finding stands in the report: the order in which the tree is read (each file's
/// syntax and revision attributes, then the graph's problems, then the heads, then each file's
/// contract), whichever rule found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Order {
    /// `slot`: 0 the syntax, then the attributes as [`Attribute::ALL`] lists them.
    File {
        file: usize,
        slot: u8,
    },
    /// A problem of the revision graph, in the order the graph found them.
    Graph {
        problem: usize,
    },
    Heads,
    /// `slot`: 0 the contract, 1 the downgrade, 2 the contract document.
    Contract {
        file: usize,
        slot: u8,
    },
}

/// The revision attributes, in the order a file's findings about them are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Revision,
    DownRevision,
    BranchLabels,
    DependsOn,
}

impl Attribute {
    pub const ALL: [Attribute; 4] = [
        Attribute::Revision,
        Attribute::DownRevision,
        Attribute::BranchLabels,
        Attribute::DependsOn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Attribute::Revision => "revision",
            Attribute::DownRevision => "down_revision",
            Attribute::BranchLabels => "branch_labels",
            Attribute::DependsOn => "depends_on",
        }
    }

    /// Where findings about this attribute stand among the file's (after the syntax error).
    pub fn order(self, file: usize) -> Order {
        Order::File {
            file,
            slot: 1 + self as u8,
        }
    }

    /// How the file declares it, whatever the attribute's type.
    pub fn in_script(self, script: &Script) -> AttrState {
        fn state<T>(attr: &Attr<T>) -> AttrState {
            match attr {
                Attr::Missing => AttrState::Missing,
                Attr::NonLiteral { line } => AttrState::NonLiteral { line: *line },
                Attr::Value { line, .. } => AttrState::Literal { line: *line },
            }
        }
        match self {
            Attribute::Revision => state(&script.revision),
            Attribute::DownRevision => state(&script.down_revision),
            Attribute::BranchLabels => state(&script.branch_labels),
            Attribute::DependsOn => state(&script.depends_on),
        }
    }
}

/// One attribute of one file, whatever its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrState {
    Missing,
    NonLiteral { line: u32 },
    Literal { line: u32 },
}

/// What the rules found, before silencing.
#[derive(Default)]
pub struct Findings {
    pending: Vec<Pending>,
}

struct Pending {
    order: Order,
    rule: Rule,
    file: usize,
    line: u32,
    message: String,
}

impl Findings {
    /// A finding of `rule` in `file` at `line` (none: line 1).
    pub fn push(
        &mut self,
        rule: Rule,
        order: Order,
        file: usize,
        line: Option<u32>,
        message: String,
    ) {
        self.pending.push(Pending {
            order,
            rule,
            file,
            line: line.unwrap_or(1),
            message,
        });
    }

    /// In report order, without those silenced on their line, each at its file and line.
    fn into_findings(mut self, tree: &Tree) -> Vec<Finding> {
        // Stable: the findings of one place stay in the order their rule found them.
        self.pending.sort_by_key(|p| p.order);
        self.pending
            .into_iter()
            .filter(|p| !tree.silenced(p.file, Some(p.line), p.rule.id()))
            .map(|p| {
                let location = Location::line(tree.sources[p.file].display.clone(), p.line);
                Finding::new(
                    p.rule.default_severity(),
                    p.rule.id(),
                    p.rule.title(),
                    p.message,
                )
                .at(location)
            })
            .collect()
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
    checked(&Tree::new(sources, scripts, options))
}

/// One revision of the checked graph, for actions that run the migrations (migration-smoke).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    /// Its `down_revision` parents that exist, as indexes into the same list.
    pub parents: Vec<usize>,
    /// The file, as findings show it.
    pub file: String,
    /// The declared `migration_contract` and its line.
    pub contract: Option<(String, u32)>,
    /// Whether the contract rules apply to its file (`changed-since`).
    pub checked: bool,
    /// Its `no_downgrade = "<why>"`, when it declares one that says something: the reason and
    /// its line (`missing-downgrade` accepts it; migration-smoke then never downgrades it).
    pub no_downgrade: Option<(String, u32)>,
}

/// `check_read`, and the graph's revisions in file order (one per revision id).
pub fn check_read_revisions(
    sources: &[Source],
    scripts: &[Script],
    options: &Options,
) -> (Report, Vec<Revision>) {
    let tree = Tree::new(sources, scripts, options);
    let revisions = tree
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| Revision {
            id: node.id.clone(),
            parents: tree.graph.parents[n].clone(),
            file: tree.sources[tree.file_of(n)].display.clone(),
            contract: match &tree.script_of(n).contract {
                Attr::Value { value, line } => Some((value.clone(), *line)),
                _ => None,
            },
            checked: tree.checked(tree.file_of(n)),
            no_downgrade: tree
                .script_of(n)
                .declared_no_downgrade()
                .map(|(why, line)| (why.to_string(), line)),
        })
        .collect();
    (checked(&tree), revisions)
}

/// Every rule over the tree, and the report of what they found.
fn checked(tree: &Tree) -> Report {
    let mut found = Findings::default();
    for rule in Rule::ALL {
        rule.check(tree, &mut found);
    }
    let findings = found.into_findings(tree);
    report(tree, findings)
}

/// The verdict, headline, outputs and summary of a checked tree.
fn report(tree: &Tree, findings: Vec<Finding>) -> Report {
    let (nodes, options) = (&tree.nodes, tree.options);
    let heads = tree.heads();
    // The contracts the checked files declare, for the deploy to plan around.
    let declared = |contract: &str| {
        tree.scripts
            .iter()
            .enumerate()
            .any(|(i, sc)| tree.checked(i) && sc.contract.value().is_some_and(|c| c == contract))
    };
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
    report.output(
        "requires-maintenance-window",
        declared("requires_maintenance_window").to_string(),
    );
    report.output("destructive", declared("destructive").to_string());
    let mut table = Table::new(["Head", "File", "Branch labels"]);
    for &h in heads {
        table.row([
            nodes[h].id.clone(),
            tree.sources[tree.file_of(h)].display.clone(),
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
    if let Some(diagram) = picture::revision_graph(tree) {
        report.summary.push(Block::Mermaid(diagram));
    }
    report
}

/// What the rules' own tests share: small trees written inline, and one rule's findings of
/// a whole check, one line each, as the snapshots show them.
#[cfg(test)]
pub(super) mod testing {
    use super::*;

    pub fn src(name: &str, text: &str) -> Source {
        Source {
            display: format!("versions/{name}"),
            file_name: name.into(),
            text: Ok(text.into()),
        }
    }

    pub fn opts() -> Options {
        Options {
            max_heads: 1,
            locations: vec!["versions".into()],
            ..Options::default()
        }
    }

    /// `file:line: message` for each finding of `rule` (the whole check runs, silencing too).
    pub fn findings_of(rule: Rule, sources: &[Source], options: &Options) -> String {
        let report = check(sources, options);
        report
            .findings
            .iter()
            .filter(|f| f.rule == rule.id())
            .map(|f| {
                let at = f.location.as_ref().expect("every finding has a location");
                format!("{}:{}: {}", at.file, at.line.unwrap_or(0), f.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{opts, src};
    use super::*;

    fn rules(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
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

    /// What migration-smoke reads of each revision: a `no_downgrade` that says something, with
    /// its line; a blank one declares nothing, as `missing-downgrade` reads it.
    #[test]
    fn revisions_carry_their_declared_no_downgrade() {
        let sources = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\nno_downgrade = 'drops the table'\n",
            ),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\nno_downgrade = '  '\n",
            ),
        ];
        let scripts: Vec<Script> = sources.iter().map(read_source).collect();
        let (_, revisions) = check_read_revisions(&sources, &scripts, &opts());
        let declared: Vec<Option<(String, u32)>> =
            revisions.into_iter().map(|r| r.no_downgrade).collect();
        assert_eq!(declared, [Some(("drops the table".into(), 3)), None]);
    }

    #[test]
    fn every_rule_has_its_help_from_the_docs() {
        for rule in Rule::ALL {
            let help = rule.help();
            assert!(
                help.len() > rule.title().len() && help.contains("Where:"),
                "{}: {help}",
                rule.id()
            );
        }
    }

    /// The findings of one file stay in the order the file is read, whichever rule found them.
    #[test]
    fn a_files_findings_in_reading_order() {
        let r = check(
            &[src(
                "x.py",
                "down_revision = f()\nbranch_labels = g()\ndef broken(:\n",
            )],
            &opts(),
        );
        assert_eq!(
            rules(&r),
            [
                "syntax-error",
                "missing-revision-attribute",
                "non-literal-revision-attribute",
                "non-literal-revision-attribute"
            ]
        );
    }

    #[test]
    fn ids_are_kebab_case_unique_and_linked_to_their_section() {
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "{id} twice");
            assert!(
                !id.is_empty()
                    && id
                        .split('-')
                        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{id} is not kebab-case"
            );
            assert!(
                rule.doc_link()
                    .ends_with(&format!("check-alembic-heads.md#{id}"))
            );
        }
    }

    /// docs/check-alembic-heads.md has one `### \`id\`` section per rule under `## Rules`, in
    /// the order of `Rule::ALL`, and no other.
    #[test]
    fn docs_document_exactly_the_rules() {
        let docs = include_str!("../../../docs/check-alembic-heads.md");
        let documented = crate::render::rule_docs::ids(docs);
        let code: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        let undocumented: Vec<&&str> = code.iter().filter(|id| !documented.contains(id)).collect();
        let unknown: Vec<&&str> = documented.iter().filter(|id| !code.contains(id)).collect();
        assert!(
            undocumented.is_empty(),
            "rules without a section in docs: {undocumented:?}"
        );
        assert!(
            unknown.is_empty(),
            "docs name rules the code lacks: {unknown:?}"
        );
        assert_eq!(documented, code, "docs list the rules in another order");
    }
}
