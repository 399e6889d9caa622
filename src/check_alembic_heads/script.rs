//! One migration file, read without running it: the module-level `revision`, `down_revision`,
//! `branch_labels`, `depends_on`, the declared contract and the `downgrade()` body, each with
//! its line. Parsed by ruff's Python parser; any input, however broken, gives an answer.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;
use std::collections::BTreeMap;

/// A module attribute as the file declares it (the last module-level assignment wins, as when
/// Python runs the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr<T> {
    Missing,
    /// Assigned something that is not a literal we can read without running the file.
    NonLiteral {
        line: u32,
    },
    Value {
        value: T,
        line: u32,
    },
}

impl<T> Attr<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Attr::Value { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn line(&self) -> Option<u32> {
        match self {
            Attr::Missing => None,
            Attr::NonLiteral { line } | Attr::Value { line, .. } => Some(*line),
        }
    }
}

/// What `downgrade()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Downgrade {
    Missing,
    /// Only `pass`, `...`, `raise` or a docstring.
    Empty {
        line: u32,
    },
    Present {
        line: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub revision: Attr<String>,
    /// A string, tuple or list of strings; `None` and empty sequences are an empty list.
    pub down_revision: Attr<Vec<String>>,
    pub branch_labels: Attr<Vec<String>>,
    pub depends_on: Attr<Vec<String>>,
    pub contract: Attr<String>,
    pub no_downgrade: Attr<String>,
    pub downgrade: Downgrade,
    pub syntax_errors: Vec<SyntaxError>,
    /// Line → rule ids silenced there by `# ready: ignore[rule-id, ...]`.
    pub ignores: BTreeMap<u32, Vec<String>>,
}

impl Script {
    /// The reason and line of a `no_downgrade = "<why>"` that says something: a blank one, or
    /// one that is not a literal string, declares nothing.
    pub fn declared_no_downgrade(&self) -> Option<(&str, u32)> {
        match &self.no_downgrade {
            Attr::Value { value, line } if !value.trim().is_empty() => Some((value, *line)),
            _ => None,
        }
    }
}

/// Byte offset → 1-based line and column in one source text, counted on demand: a file is
/// asked for a handful of lines, mostly in increasing order, so no table of line starts is built.
pub struct Lines<'a> {
    source: &'a [u8],
    /// The last offset asked for and its line: the next count starts there.
    last: std::cell::Cell<(usize, u32)>,
}

impl<'a> Lines<'a> {
    pub fn new(source: &'a str) -> Self {
        Lines {
            source: source.as_bytes(),
            last: std::cell::Cell::new((0, 1)),
        }
    }

    pub fn line(&self, offset: usize) -> u32 {
        let offset = offset.min(self.source.len());
        let (from, line) = match self.last.get() {
            (from, line) if from <= offset => (from, line),
            _ => (0, 1),
        };
        let newlines = self.source[from..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.last.set((offset, line));
        line
    }

    pub fn column(&self, offset: usize) -> u32 {
        let offset = offset.min(self.source.len());
        let start = self.source[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        u32::try_from(offset - start + 1).unwrap_or(u32::MAX)
    }
}

/// The `# ready: ignore[a, b]` comments of a source, by line.
pub fn ignores(source: &str) -> BTreeMap<u32, Vec<String>> {
    const MARK: &str = "ready: ignore[";
    let mut out = BTreeMap::new();
    // Most files have none: one substring search instead of a look at every line.
    if !source.contains(MARK) {
        return out;
    }
    for (index, line) in source.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = &line[hash..];
        let mut rest = comment;
        while let Some(at) = rest.find(MARK) {
            let after = &rest[at + MARK.len()..];
            let Some(end) = after.find(']') else { break };
            let ids = after[..end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            out.entry(u32::try_from(index + 1).unwrap_or(u32::MAX))
                .or_insert_with(Vec::new)
                .extend(ids);
            rest = &after[end..];
        }
    }
    out
}

fn string(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}

/// `util.to_tuple` over a literal: a string is one item, `None` none, a tuple/list/set its items.
fn string_list(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::NoneLiteral(_) => Some(Vec::new()),
        Expr::StringLiteral(_) => string(expr).map(|s| vec![s]),
        Expr::Tuple(t) => t.elts.iter().map(string).collect(),
        Expr::List(l) => l.elts.iter().map(string).collect(),
        Expr::Set(s) => s.elts.iter().map(string).collect(),
        _ => None,
    }
}

fn is_docstring(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(e) if matches!(*e.value, Expr::StringLiteral(_) | Expr::EllipsisLiteral(_)))
}

fn does_nothing(body: &[Stmt]) -> bool {
    body.iter()
        .all(|s| matches!(s, Stmt::Pass(_) | Stmt::Raise(_)) || is_docstring(s))
}

/// CPython's tokenizer refuses a bracket nested deeper than this (`MAXLEVEL` in its
/// tokenizer) with "too many nested parentheses", so Alembic could not import the file; ruff's
/// parser reads it.
pub const MAX_NESTING: usize = 200;

/// The offset of the first `(`, `[` or `{` nested deeper than `MAX_NESTING`, if any.
fn too_deeply_nested(tokens: &[ruff_python_ast::token::Token]) -> Option<usize> {
    use ruff_python_ast::token::TokenKind::{Lbrace, Lpar, Lsqb, Rbrace, Rpar, Rsqb};
    let mut depth = 0usize;
    for token in tokens {
        match token.kind() {
            Lpar | Lsqb | Lbrace => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(token.range().start().to_usize());
                }
            }
            Rpar | Rsqb | Rbrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Reads one migration file's declarations. Never panics.
pub fn read(source: &str) -> Script {
    // Python skips a UTF-8 byte order mark; it sits on line 1 and moves no line.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    match super::quick::read(source) {
        Some(mut script) => {
            script.ignores = ignores(source);
            script
        }
        None => read_with_parser(source),
    }
}

/// `read` through ruff's parser alone (what `quick` must agree with).
pub fn read_with_parser(source: &str) -> Script {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let lines = Lines::new(source);
    let mut script = Script {
        revision: Attr::Missing,
        down_revision: Attr::Missing,
        branch_labels: Attr::Missing,
        depends_on: Attr::Missing,
        contract: Attr::Missing,
        no_downgrade: Attr::Missing,
        downgrade: Downgrade::Missing,
        syntax_errors: Vec::new(),
        ignores: ignores(source),
    };
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    for error in parsed.errors() {
        let start = error.location.start().to_usize();
        script.syntax_errors.push(SyntaxError {
            line: lines.line(start),
            column: lines.column(start),
            message: error.error.to_string(),
        });
    }
    if let Some(start) = too_deeply_nested(parsed.tokens()) {
        script.syntax_errors.push(SyntaxError {
            line: lines.line(start),
            column: lines.column(start),
            message: "too many nested parentheses".into(),
        });
        script.syntax_errors.sort_by_key(|e| (e.line, e.column));
    }
    for stmt in &parsed.syntax().body {
        let (targets, value): (Vec<&Expr>, Option<&Expr>) = match stmt {
            Stmt::Assign(a) => (a.targets.iter().collect(), Some(&*a.value)),
            Stmt::AnnAssign(a) => (vec![&*a.target], a.value.as_deref()),
            Stmt::FunctionDef(f) if f.name.as_str() == "downgrade" => {
                let line = lines.line(f.range().start().to_usize());
                script.downgrade = if does_nothing(&f.body) {
                    Downgrade::Empty { line }
                } else {
                    Downgrade::Present { line }
                };
                continue;
            }
            _ => continue,
        };
        // An annotation without a value (`revision: str`) defines nothing.
        let Some(value) = value else { continue };
        let line = lines.line(stmt.range().start().to_usize());
        for target in targets {
            let Expr::Name(name) = target else { continue };
            match name.id.as_str() {
                "revision" => script.revision = attr(string(value), line),
                "down_revision" => script.down_revision = attr(string_list(value), line),
                "branch_labels" => script.branch_labels = attr(string_list(value), line),
                "depends_on" => script.depends_on = attr(string_list(value), line),
                "migration_contract" => script.contract = attr(string(value), line),
                "no_downgrade" => script.no_downgrade = attr(string(value), line),
                _ => {}
            }
        }
    }
    script
}

fn attr<T>(value: Option<T>, line: u32) -> Attr<T> {
    match value {
        Some(value) => Attr::Value { value, line },
        None => Attr::NonLiteral { line },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_before_1_11_2() {
        let s = read(
            "\"\"\"msg\n\nRevision ID: ae1027a6acf\n\"\"\"\nfrom alembic import op\n\n# revision identifiers, used by Alembic.\nrevision = 'ae1027a6acf'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
        );
        assert_eq!(
            s.revision,
            Attr::Value {
                value: "ae1027a6acf".into(),
                line: 8
            }
        );
        assert_eq!(s.down_revision.value(), Some(&vec![]));
        assert_eq!(s.downgrade, Downgrade::Empty { line: 16 });
        assert!(s.syntax_errors.is_empty());
    }

    #[test]
    fn annotated_templates_and_sequences() {
        let s = read(
            "from typing import Sequence, Union\nrevision: str = \"b\"\ndown_revision: Union[str, Sequence[str], None] = (\"a\", 'c')\nbranch_labels: Union[str, Sequence[str], None] = ['x']\ndepends_on: Union[str, Sequence[str], None] = 'd'\ndef downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n    op.drop_table('t')\n",
        );
        assert_eq!(s.revision.value().unwrap(), "b");
        assert_eq!(s.down_revision.value().unwrap(), &["a", "c"]);
        assert_eq!(s.branch_labels.value().unwrap(), &["x"]);
        assert_eq!(s.depends_on.value().unwrap(), &["d"]);
        assert_eq!(s.downgrade, Downgrade::Present { line: 6 });
    }

    #[test]
    fn non_literal_missing_and_last_wins() {
        let s = read(
            "revision = make_id()\ndown_revision = 'a'\ndown_revision = 'b'\nx: str\nrevision: str\n",
        );
        assert_eq!(s.revision, Attr::NonLiteral { line: 1 });
        assert_eq!(s.down_revision.value().unwrap(), &["b"]);
        assert_eq!(s.branch_labels, Attr::Missing);
    }

    #[test]
    fn brackets_nested_deeper_than_cpython_allows_are_a_syntax_error() {
        let nested = |n: usize| {
            format!(
                "revision = 'a'\ndown_revision = None\nx = {}1{}\n",
                &"([{".repeat(n)[..n],
                &"}])".repeat(n)[2 * n..]
            )
        };
        assert!(read(&nested(MAX_NESTING)).syntax_errors.is_empty());
        let s = read(&nested(MAX_NESTING + 1));
        assert_eq!(s.syntax_errors.len(), 1);
        assert_eq!(s.syntax_errors[0].message, "too many nested parentheses");
        assert_eq!(
            (s.syntax_errors[0].line, s.syntax_errors[0].column),
            (3, 205)
        );
        // The file is still read: its revision is known.
        assert_eq!(s.revision.value().map(String::as_str), Some("a"));
    }

    #[test]
    fn syntax_errors_have_lines() {
        let s = read("revision = 'a'\ndef downgrade(:\n");
        assert_eq!(s.syntax_errors[0].line, 2);
        assert_eq!(s.revision.value().unwrap(), "a");
    }

    #[test]
    fn ignore_comments() {
        let i = ignores(
            "a = 1  # ready: ignore[multiple-heads, revision-cycle]\nb\n# ready: ignore[x]\n",
        );
        assert_eq!(i[&1], ["multiple-heads", "revision-cycle"]);
        assert_eq!(i[&3], ["x"]);
    }

    #[test]
    fn lines_and_columns_in_any_order() {
        let l = Lines::new("ab\ncd\n\nef");
        assert_eq!((l.line(8), l.column(8)), (4, 2));
        assert_eq!((l.line(1), l.column(1)), (1, 2));
        assert_eq!((l.line(3), l.column(4)), (2, 2));
        assert_eq!((l.line(99), l.column(99)), (4, 3));
        assert_eq!(l.line(0), 1);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let s = read("\u{feff}revision = 'a'\n");
        assert!(s.syntax_errors.is_empty());
        assert_eq!(s.revision.value().unwrap(), "a");
    }

    #[test]
    fn contract_attributes() {
        let s = read("migration_contract = 'destructive'\nno_downgrade = 'data is gone'\n");
        assert_eq!(s.contract.value().unwrap(), "destructive");
        assert_eq!(s.no_downgrade.value().unwrap(), "data is gone");
        assert_eq!(s.downgrade, Downgrade::Missing);
    }
}
