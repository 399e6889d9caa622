//! Every YAML input is read through `from_str`: yaml_serde, after a check of how deeply flow
//! collections (`[`, `{`) nest. The YAML scanner's time grows with the square of that depth
//! (100,000 levels took 40 s before yaml_serde's own limit of 128 refused it), so a deeper
//! document is refused first, at the line and column where it passes the limit.
//!
//! Code that needs to know where a value stands (to point a finding or an error at its line)
//! reads the spanned tree instead: `documents` gives every document of a stream as `Node`s with
//! their line and column, and `line_of` finds the line of a path in a document read with
//! `from_str`.

mod load;
mod node;
mod scalar;

pub use load::{MAX_ALIAS_NODES, documents, line_of};
pub use node::{Node, PathItem, Value};

use serde::de::DeserializeOwned;

/// The deepest nesting read. yaml_serde refuses anything deeper than 128 levels anyway; this
/// refuses it before the scanner spends its quadratic time.
pub const MAX_DEPTH: usize = 128;

/// A YAML input that cannot be read: yaml_serde's error, too deep a nesting, or (for the
/// spanned tree) what the parser or the loader refused, at its place.
#[derive(Debug)]
pub enum Error {
    Yaml(yaml_serde::Error),
    TooDeep {
        line: usize,
        column: usize,
    },
    Invalid {
        message: String,
        line: usize,
        column: usize,
    },
}

/// Where an error is, 1-based, as yaml_serde's `Location` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    line: usize,
    column: usize,
}

impl Location {
    pub fn line(&self) -> usize {
        self.line
    }

    pub fn column(&self) -> usize {
        self.column
    }
}

impl Error {
    pub fn location(&self) -> Option<Location> {
        match self {
            Error::Yaml(e) => e.location().map(|l| Location {
                line: l.line(),
                column: l.column(),
            }),
            Error::TooDeep { line, column } | Error::Invalid { line, column, .. } => {
                Some(Location {
                    line: *line,
                    column: *column,
                })
            }
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Yaml(e) => e.fmt(f),
            // The same " at line N column M" tail as yaml_serde's messages.
            Error::TooDeep { line, column } => write!(
                f,
                "collections nested more than {MAX_DEPTH} levels deep at line {line} column {column}"
            ),
            Error::Invalid {
                message,
                line,
                column,
            } => write!(f, "{message} at line {line} column {column}"),
        }
    }
}

impl std::error::Error for Error {}

/// `yaml_serde::from_str`, refusing a document nested more than `MAX_DEPTH` levels first.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    if let Some((line, column)) = too_deep(text) {
        return Err(Error::TooDeep { line, column });
    }
    yaml_serde::from_str(text).map_err(Error::Yaml)
}

/// Where flow collections first nest deeper than `MAX_DEPTH`, if they do. One pass, no
/// allocation: it follows quoted and plain scalars, comments and block scalars as YAML does, so
/// that brackets in text do not count.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // Inside a quoted scalar: its quote character; quoted scalars may span lines.
    let mut quote: Option<char> = None;
    // Inside a block scalar (`|`, `>`): the indentation of the line that opened it.
    let mut block_of: Option<usize> = None;
    // YAML breaks lines at CR too; lines are counted at LF, as editors and yaml_serde count them.
    let lines = text
        .split('\n')
        .enumerate()
        .flat_map(|(index, line)| line.split('\r').map(move |part| (index, part)));
    for (index, line) in lines {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block_of {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_of = None;
        }
        // In a plain scalar, brackets are text (outside flow collections).
        let mut plain = false;
        let mut chars = line.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if let Some(q) = quote {
                match c {
                    '\\' if q == '"' => {
                        chars.next();
                    }
                    '\'' if q == '\'' && next == Some('\'') => {
                        chars.next();
                    }
                    c if c == q => quote = None,
                    _ => {}
                }
                continue;
            }
            let spaced = |n: Option<char>| n.is_none_or(|n| n == ' ' || n == '\t');
            let after_space = at == 0 || line[..at].ends_with([' ', '\t']);
            match c {
                ' ' | '\t' => {}
                '#' if after_space => break,
                ':' | '-' | '?' if spaced(next) => plain = false,
                ',' | '[' | '{' | ']' | '}' if depth > 0 || !plain => {
                    plain = false;
                    if c == '[' || c == '{' {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Some((index + 1, line[..at].chars().count() + 1));
                        }
                    } else if c != ',' {
                        depth = depth.saturating_sub(1);
                    }
                }
                _ if plain => {}
                '\'' | '"' => quote = Some(c),
                '|' | '>' if depth == 0 && is_block_header(&line[at + 1..]) => {
                    block_of = Some(indent);
                    break;
                }
                _ => plain = true,
            }
        }
    }
    None
}

/// True when what follows `|` or `>` is a block scalar's header: indicators, then a comment or
/// nothing.
fn is_block_header(rest: &str) -> bool {
    let rest = rest.trim_start_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Result<yaml_serde::Value, Error> {
        from_str(text)
    }

    #[test]
    fn deep_flow_nesting_is_refused_at_its_place_at_once() {
        let deep = format!("a: 1\nb: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let start = std::time::Instant::now();
        let e = value(&deep).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(e.location().map(|l| (l.line(), l.column())), Some((2, 132)));
        assert_eq!(
            e.to_string(),
            "collections nested more than 128 levels deep at line 2 column 132"
        );
        // A CR alone breaks a line for YAML.
        let cr = format!("a: x\r{}", "[".repeat(200));
        assert!(matches!(value(&cr), Err(Error::TooDeep { line: 1, .. })));
        let maps = format!("x: {}1{}", "{a: ".repeat(5000), "}".repeat(5000));
        assert!(matches!(value(&maps), Err(Error::TooDeep { line: 1, .. })));
    }

    #[test]
    fn brackets_in_text_do_not_count() {
        let many = "[".repeat(500);
        for text in [
            format!("a: '{many}'\n"),
            format!("a: \"{many} \\\" {many}\"\n"),
            format!("a: it's {many}\n"),
            format!("a: 1 # {many}\n"),
            format!("a: |\n  {many}\n  {many}\nb: 2\n"),
            format!("a: x{many}\n"),
            format!("a: 1\r\nb: '{many}'\r\n"),
        ] {
            assert!(too_deep(&text).is_none(), "{text}");
            value(&text).unwrap();
        }
    }

    #[test]
    fn ordinary_documents_read_as_before() {
        let v = value("a: [1, {b: [2, 3]}]\nc: \"x\"\n").unwrap();
        assert_eq!(v["a"][1]["b"][1], yaml_serde::Value::from(3));
        let nested = format!("a: {}1{}", "[".repeat(100), "]".repeat(100));
        assert!(value(&nested).is_ok());
    }
}
