//! From saphyr-parser's event stream (which keeps positions) to spanned `Node`s: one pass, no
//! recursion, nesting bounded by `MAX_DEPTH`, aliases resolved within a bounded budget.

use super::node::{Node, PathItem, Value};
use super::{Error, MAX_DEPTH, scalar, too_deep};
use saphyr_parser::{Event, Parser, ScanError, Span};
use std::collections::{HashMap, HashSet};

/// How many nodes anchors and aliases may copy in one stream, all together. Aliases of aliases
/// grow exponentially ("billion laughs"); a stream asking for more is refused, not expanded.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Every document of a multi-document stream (`---` separated), in order. An empty stream has
/// none; an empty document is a `Null` node.
pub fn documents(text: &str) -> Result<Vec<Node>, Error> {
    if let Some((line, column)) = too_deep(text) {
        return Err(Error::TooDeep { line, column });
    }
    let mut loader = Loader {
        end: end_of(text),
        ..Loader::default()
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| scan_error(&e, loader.end))?;
        loader.event(event, span)?;
    }
    Ok(loader.documents)
}

/// The line of the node at `path` in the (first) document of `text`: for code that reads a
/// file with `from_str` and finds a semantic error later, e.g. in `steps[3].expect`.
pub fn line_of(text: &str, path: &[PathItem]) -> Option<usize> {
    let documents = documents(text).ok()?;
    documents.first()?.at(path).map(|node| node.line)
}

/// saphyr's error, placed no further than the text's end.
fn scan_error(e: &ScanError, end: (usize, usize)) -> Error {
    let (line, column) = (e.marker().line(), e.marker().col() + 1).min(end);
    Error::Invalid {
        message: e.info().to_owned(),
        line,
        column,
    }
}

fn invalid(message: impl Into<String>, (line, column): (usize, usize)) -> Error {
    Error::Invalid {
        message: message.into(),
        line,
        column,
    }
}

/// The line and column just after the text's last character, counting line breaks as YAML
/// (and saphyr) does: LF, CR LF, or a CR alone.
fn end_of(text: &str) -> (usize, usize) {
    let (mut line, mut column, mut after_cr) = (1, 1, false);
    for c in text.chars() {
        match c {
            '\n' if after_cr => {}
            '\n' | '\r' => (line, column) = (line + 1, 1),
            _ => column += 1,
        }
        after_cr = c == '\r';
    }
    (line, column)
}

/// A collection being read.
struct Frame {
    line: usize,
    column: usize,
    anchor: usize,
    kind: Kind,
}

enum Kind {
    Seq(Vec<Node>),
    /// Entries so far, and the key read whose value comes next.
    Map(Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Loader {
    stack: Vec<Frame>,
    documents: Vec<Node>,
    /// Anchored nodes of the current document and their sizes, by saphyr's anchor id.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes copied for anchors and aliases so far (see `MAX_ALIAS_NODES`).
    copied: usize,
    /// Where the text ends (see `end_of`).
    end: (usize, usize),
}

impl Loader {
    /// Where a span starts, 1-based (saphyr's columns are 0-based). An implicit empty node at
    /// the end of the stream is placed past the last line; it is put at the text's end.
    fn place(&self, span: &Span) -> (usize, usize) {
        (span.start.line(), span.start.col() + 1).min(self.end)
    }

    fn event(&mut self, event: Event, span: Span) -> Result<(), Error> {
        let (line, column) = self.place(&span);
        match event {
            Event::DocumentStart(_) => self.anchors.clear(),
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar::resolve(&text, style, tag.as_deref())
                    .map_err(|message| invalid(message, self.place(&span)))?;
                let node = Node {
                    value,
                    line,
                    column,
                };
                self.finish(node, anchor, &span)?;
            }
            Event::SequenceStart(anchor, _) => self.open(Kind::Seq(Vec::new()), anchor, &span)?,
            Event::MappingStart(anchor, _) => {
                self.open(Kind::Map(Vec::new(), None), anchor, &span)?
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(invalid(
                        "a collection ends that never started",
                        self.place(&span),
                    ));
                };
                let value = match frame.kind {
                    Kind::Seq(items) => Value::Seq(items),
                    Kind::Map(entries, None) => {
                        refuse_repeated_keys(&entries)?;
                        Value::Map(entries)
                    }
                    Kind::Map(_, Some(key)) => {
                        return Err(invalid(
                            "a mapping key has no value",
                            (key.line, key.column),
                        ));
                    }
                };
                let node = Node {
                    value,
                    line: frame.line,
                    column: frame.column,
                };
                self.finish(node, frame.anchor, &span)?;
            }
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|&(_, size)| size) else {
                    return Err(invalid(
                        "an alias refers to an anchor not defined before it, or to a node that contains it",
                        self.place(&span),
                    ));
                };
                // The budget first: the copy is made only when it fits.
                self.copy(size, &span)?;
                let node = Node {
                    line,
                    column,
                    ..self.anchors[&id].0.clone()
                };
                self.finish(node, 0, &span)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn open(&mut self, kind: Kind, anchor: usize, span: &Span) -> Result<(), Error> {
        let (line, column) = self.place(span);
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::TooDeep { line, column });
        }
        self.stack.push(Frame {
            line,
            column,
            anchor,
            kind,
        });
        Ok(())
    }

    /// A node is complete: it goes into the collection being read, or is a document.
    fn finish(&mut self, node: Node, anchor: usize, span: &Span) -> Result<(), Error> {
        if anchor != 0 {
            let size = node.count();
            self.copy(size, span)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut().map(|frame| &mut frame.kind) {
            None => self.documents.push(node),
            Some(Kind::Seq(items)) => items.push(node),
            Some(Kind::Map(entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }

    fn copy(&mut self, nodes: usize, span: &Span) -> Result<(), Error> {
        self.copied = self.copied.saturating_add(nodes);
        if self.copied > MAX_ALIAS_NODES {
            return Err(invalid(
                format!("anchors and aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                self.place(span),
            ));
        }
        Ok(())
    }
}

/// yaml_serde refuses a mapping that repeats a key; so does the spanned tree, at the repeat.
fn refuse_repeated_keys(entries: &[(Node, Node)]) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for (key, _) in entries {
        let scalar = match &key.value {
            Value::Seq(_) | Value::Map(_) => continue,
            other => format!("{other:?}"),
        };
        if !seen.insert(scalar) {
            return Err(invalid("a mapping repeats a key", (key.line, key.column)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(node: &Node) -> yaml_serde::Value {
        node.to_yaml_serde()
    }

    fn one(text: &str) -> Node {
        let mut all = documents(text).unwrap();
        assert_eq!(all.len(), 1, "{text}");
        all.remove(0)
    }

    #[test]
    fn scalars_resolve_as_yaml_serde_resolves_them() {
        for scalar in [
            "true",
            "True",
            "TRUE",
            "false",
            "yes",
            "no",
            "on",
            "1",
            "-1",
            "+1",
            "007",
            "-007",
            "0x1F",
            "-0x1F",
            "0o17",
            "0b101",
            "0x",
            "1.5",
            "-1.5",
            "1e3",
            "1_000",
            ".inf",
            "-.inf",
            "+.inf",
            "inf",
            "nan",
            "null",
            "Null",
            "NULL",
            "~",
            "",
            "'1'",
            "\"true\"",
            "'null'",
            "!!str 1",
            "!!int 1",
            "!!float 1",
            "|\n  1\n",
            ">\n  x\n",
            "9223372036854775807",
            "-9223372036854775808",
            "1.",
            ".5",
            "2026-01-01",
            "'it''s'",
            "\"\\u00e9\\n\"",
            "12:30",
        ] {
            let text = format!("k: {scalar}\n");
            let ours = plain(&one(&text));
            let theirs: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
            assert_eq!(ours, theirs, "{scalar}");
        }
        // Where they differ: tags are dropped, integers beyond i64 are floats.
        assert_eq!(
            one("k: !local 1\n").get("k").and_then(Node::as_i64),
            Some(1)
        );
        for big in [
            "9223372036854775808",
            "-9223372036854775809",
            "0x1ffffffffffffffff",
        ] {
            let node = one(&format!("k: {big}\n"));
            assert!(
                matches!(node.get("k").unwrap().value, Value::Float(_)),
                "{big}"
            );
        }
        let nan = one("k: .nan\n");
        assert!(matches!(nan.get("k").unwrap().value, Value::Float(f) if f.is_nan()));
        for wrong in ["!!int x", "!!bool 1", "!!float x", "!!null 0"] {
            let text = format!("k: {wrong}\n");
            assert!(yaml_serde::from_str::<yaml_serde::Value>(&text).is_err());
            let e = documents(&text).unwrap_err();
            assert_eq!(e.location().map(|l| l.line()), Some(1), "{e}");
        }
    }

    #[test]
    fn nodes_know_where_they_start() {
        let text = "a: 1\nb:\n  - x\n  - {c: 'y'}\n# note\nd: [1,\n  2]\n";
        let root = one(text);
        assert_eq!((root.line, root.column), (1, 1));
        let (key, value) = root.entry("b").unwrap();
        assert_eq!((key.line, key.column), (2, 1));
        assert_eq!((value.line, value.column), (3, 3));
        let c = root.at(&["b".into(), 1.into(), "c".into()]).unwrap();
        assert_eq!((c.line, c.column, c.as_str()), (4, 9, Some("y")));
        let two = root.at(&["d".into(), 1.into()]).unwrap();
        assert_eq!((two.line, two.column, two.as_i64()), (7, 3, Some(2)));
        assert_eq!(line_of(text, &["d".into(), 1.into()]), Some(7));
        assert_eq!(line_of(text, &["nope".into()]), None);
        assert_eq!(line_of("a: [", &["a".into()]), None);
        // Columns count characters, not bytes.
        let e = one("é: [x, y]\n");
        assert_eq!(e.get("é").unwrap().column, 4);
    }

    #[test]
    fn every_document_of_a_stream_is_read() {
        let text = "a: 1\n---\n---\n# only a comment\n---\nb: 2\n...\n---\n- 3\n";
        let all = documents(text).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].get("a").and_then(Node::as_i64), Some(1));
        assert!(all[1].is_null() && all[2].is_null());
        assert_eq!(all[3].get("b").map(|n| n.line), Some(6));
        assert_eq!(all[4].at(&[0.into()]).map(|n| n.line), Some(9));
        assert!(documents("").unwrap().is_empty());
        assert!(documents("# nothing\n").unwrap().is_empty());
    }

    #[test]
    fn aliases_are_resolved_within_a_budget() {
        let root = one("base: &b {cpu: 1}\nother: *b\n");
        let other = root.get("other").unwrap();
        assert_eq!(other.get("cpu").and_then(Node::as_i64), Some(1));
        assert_eq!((other.line, other.column), (2, 8));
        let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let start = std::time::Instant::now();
        let e = documents(&laughs).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert!(
            e.to_string()
                .starts_with("anchors and aliases expand to more than 100000 nodes at line "),
            "{e}"
        );
        let e = documents("a: *nowhere\n").unwrap_err();
        assert_eq!(e.location().map(|l| l.line()), Some(1), "{e}");
        let e = documents("a: &x [*x]\n").unwrap_err();
        assert!(e.to_string().contains("at line 1"), "{e}");
    }

    #[test]
    fn bad_documents_are_refused_at_their_place() {
        let e = documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.location().is_some_and(|l| l.line() >= 2), "{e}");
        let e = documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.to_string(), "a mapping repeats a key at line 2 column 1");
        let e = documents("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(e.location().map(|l| l.line()), Some(2), "{e}");
        let deep = format!("a: {}1{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(
            documents(&deep),
            Err(Error::TooDeep { line: 1, .. })
        ));
        let mut block = String::new();
        for depth in 0..=MAX_DEPTH {
            block.push_str(&format!("{}k:\n", "  ".repeat(depth)));
        }
        assert!(matches!(documents(&block), Err(Error::TooDeep { .. })));
    }
}
