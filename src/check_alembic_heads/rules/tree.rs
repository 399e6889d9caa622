//! The tree the rules read: the files, what each declares, and the revision graph built from
//! them once, with the lookups every rule needs (a revision's file and line, silencing).

use super::super::graph::{self, Graph, Node};
use super::super::script::{self, Attr, Script};

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

/// Alembic's `_only_source_rev_file`: `(?!\.\#|__init__)(.*\.py)$`.
pub fn counts_as_migration(file_name: &str) -> bool {
    file_name.ends_with(".py")
        && !file_name.starts_with(".#")
        && !file_name.starts_with("__init__")
        && !file_name.contains('\n')
}

/// Alembic's legacy `([a-f0-9]+)\.py$`: a file without `revision` named by its id.
pub fn legacy_revision(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".py")?;
    (!stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| stem.to_string())
}

/// Reads one migration file's declarations; a file that is not UTF-8 reads as a lossy copy
/// with a syntax error on line 1 (Python would refuse to import it).
pub fn read_source(source: &Source) -> Script {
    match &source.text {
        Ok(text) => script::read(text),
        Err(lossy) => read_lossy(lossy),
    }
}

/// `read_source` over a file's bytes as they were read: text that is UTF-8 is read where it
/// lies, without a copy.
pub fn read_bytes(bytes: &[u8]) -> Script {
    match std::str::from_utf8(bytes) {
        Ok(text) => script::read(text),
        Err(_) => read_lossy(&String::from_utf8_lossy(bytes)),
    }
}

fn read_lossy(lossy: &str) -> Script {
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

/// The revision id a file declares: its `revision` literal, else its legacy hex file name.
pub fn revision_of(source: &Source, script: &Script) -> Option<String> {
    match &script.revision {
        Attr::Value { value, .. } => Some(value.clone()),
        Attr::NonLiteral { .. } => None,
        Attr::Missing => legacy_revision(&source.file_name),
    }
}

pub struct Tree<'a> {
    pub sources: &'a [Source],
    /// `scripts[i]` is what `sources[i]` declares.
    pub scripts: &'a [Script],
    pub options: &'a Options,
    /// One node per file that declares a revision id, in file order.
    pub nodes: Vec<Node>,
    /// `node_file[n]`: the file of node `n`.
    node_file: Vec<usize>,
    pub graph: Graph,
}

impl<'a> Tree<'a> {
    pub fn new(sources: &'a [Source], scripts: &'a [Script], options: &'a Options) -> Self {
        let mut nodes = Vec::with_capacity(sources.len());
        let mut node_file = Vec::with_capacity(sources.len());
        for (i, (source, sc)) in sources.iter().zip(scripts).enumerate() {
            let Some(id) = revision_of(source, sc) else {
                continue;
            };
            nodes.push(Node {
                id,
                down: literal_list(&sc.down_revision),
                depends_on: literal_list(&sc.depends_on),
                branch_labels: literal_list(&sc.branch_labels),
            });
            node_file.push(i);
        }
        let graph = graph::build(&nodes);
        Tree {
            sources,
            scripts,
            options,
            nodes,
            node_file,
            graph,
        }
    }

    /// The heads the options count: `alembic heads`, or with `--resolve-dependencies`.
    pub fn heads(&self) -> &[usize] {
        if self.options.resolve_dependencies {
            &self.graph.effective_heads
        } else {
            &self.graph.heads
        }
    }

    pub fn file_of(&self, node: usize) -> usize {
        self.node_file[node]
    }

    pub fn script_of(&self, node: usize) -> &Script {
        &self.scripts[self.file_of(node)]
    }

    /// A revision as messages name it: `id (file)`.
    pub fn describe(&self, node: usize) -> String {
        format!(
            "{} ({})",
            self.nodes[node].id,
            self.sources[self.file_of(node)].display
        )
    }

    /// Whether the contract rules apply to file `i` (`changed-since`).
    pub fn checked(&self, file: usize) -> bool {
        self.options
            .checked
            .as_ref()
            .is_none_or(|c| c.get(file).copied().unwrap_or(false))
    }

    /// Whether `# ready: ignore[rule]` is on that line (no line: line 1).
    pub fn silenced(&self, file: usize, line: Option<u32>, rule: &str) -> bool {
        self.scripts[file]
            .ignores
            .get(&line.unwrap_or(1))
            .is_some_and(|ids| ids.iter().any(|r| r == rule))
    }

    /// A problem that involves several revisions (heads, a cycle, a duplicate id) is one
    /// finding, at the first of their lines that does not silence it: silenced only where all
    /// of them do.
    pub fn first_unsilenced(
        &self,
        places: impl IntoIterator<Item = (usize, Option<u32>)>,
        rule: &str,
    ) -> Option<(usize, Option<u32>)> {
        places
            .into_iter()
            .find(|&(file, line)| !self.silenced(file, line, rule))
    }
}

/// A list attribute's literal value; anything else (missing, not a literal) counts as empty.
fn literal_list(attr: &Attr<Vec<String>>) -> Vec<String> {
    attr.value().cloned().unwrap_or_default()
}

/// The most revisions a finding's message names; the rest are counted (all heads are in the
/// `heads` output), so a finding stays small however large the tree.
pub const MAX_LISTED: usize = 20;

/// `items` joined with ", ", the first `MAX_LISTED` of them and a count of the rest.
pub fn listing(items: &[String]) -> String {
    if items.len() <= MAX_LISTED {
        return items.join(", ");
    }
    format!(
        "{}, and {} more",
        items[..MAX_LISTED].join(", "),
        items.len() - MAX_LISTED
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
