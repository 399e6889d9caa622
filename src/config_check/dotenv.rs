//! `.env` files as python-dotenv 1.2 reads them (docker compose reads the same lines): `KEY=value`,
//! `export`, comments, single and double quotes (double quotes decode `\n`, `\t`, … escapes and
//! may span lines), and `${VAR}` / `${VAR:-default}` expansion. The patterns are python-dotenv's
//! own (`dotenv/parser.py`, `dotenv/variables.py`); tests/config_check.rs runs python-dotenv itself
//! over a table of tricky inputs and compares. Unlike python-dotenv, each binding carries the line
//! of its key (python-dotenv's is the line where the blank lines before it start).

use regex::Regex;
use std::sync::LazyLock;

/// One `KEY=value` (or bare `KEY`) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: String,
    /// `None` for a bare `KEY`: named, but given no value.
    pub value: Option<String>,
    /// 1-based line of the key.
    pub line: u32,
}

/// What a file holds: its bindings in order, and the lines python-dotenv could not parse.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub bindings: Vec<Binding>,
    pub invalid_lines: Vec<u32>,
}

fn anchored(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})")).expect("a valid pattern")
}

// python-dotenv's patterns, anchored as `re.match` anchors them.
static MULTILINE_WHITESPACE: LazyLock<Regex> = LazyLock::new(|| anchored(r"\s*"));
static EXPORT: LazyLock<Regex> = LazyLock::new(|| anchored(r"(?:export[^\S\r\n]+)?"));
static SINGLE_QUOTED_KEY: LazyLock<Regex> = LazyLock::new(|| anchored(r"'([^']+)'"));
static UNQUOTED_KEY: LazyLock<Regex> = LazyLock::new(|| anchored(r"([^=\#\s]+)"));
static WHITESPACE: LazyLock<Regex> = LazyLock::new(|| anchored(r"[^\S\r\n]*"));
static EQUAL_SIGN: LazyLock<Regex> = LazyLock::new(|| anchored(r"(=[^\S\r\n]*)"));
static SINGLE_QUOTED_VALUE: LazyLock<Regex> = LazyLock::new(|| anchored(r"'((?:\\'|[^'])*)'"));
static DOUBLE_QUOTED_VALUE: LazyLock<Regex> = LazyLock::new(|| anchored(r#""((?:\\"|[^"])*)""#));
static UNQUOTED_VALUE: LazyLock<Regex> = LazyLock::new(|| anchored(r"([^\r\n]*)"));
static COMMENT: LazyLock<Regex> = LazyLock::new(|| anchored(r"(?:[^\S\r\n]*#[^\r\n]*)?"));
static END_OF_LINE: LazyLock<Regex> = LazyLock::new(|| anchored(r"[^\S\r\n]*(?:\r\n|\n|\r|$)"));
static REST_OF_LINE: LazyLock<Regex> = LazyLock::new(|| anchored(r"[^\r\n]*(?:\r|\n|\r\n)?"));
static INLINE_COMMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+#.*").unwrap());
static DOUBLE_QUOTE_ESCAPES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\\[\\'"abfnrtv]"#).unwrap());
static SINGLE_QUOTE_ESCAPES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\\[\\']").unwrap());
static POSIX_VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}").unwrap());

/// A cursor over the text that counts its lines (ending in `\r\n`, `\n` or `\r`).
struct Reader<'a> {
    text: &'a str,
    at: usize,
    line: u32,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Reads what `regex` matches here and returns its first group; `None` when it does not match.
    fn read(&mut self, regex: &Regex) -> Option<&'a str> {
        let caps = regex.captures(self.rest())?;
        let whole = caps.get(0)?;
        let group = caps.get(1).map(|g| g.as_str()).unwrap_or_default();
        self.advance(whole.end());
        Some(group)
    }

    /// Moves on `len` bytes, counting line breaks as an editor does: `\r\n` is one, even when
    /// python-dotenv's patterns read its two halves separately (and count two).
    fn advance(&mut self, len: usize) {
        let bytes = self.text.as_bytes();
        for i in self.at..self.at + len {
            let crlf_half = bytes[i] == b'\n' && i > 0 && bytes[i - 1] == b'\r';
            if (bytes[i] == b'\n' || bytes[i] == b'\r') && !crlf_half {
                self.line += 1;
            }
        }
        self.at += len;
    }
}

/// Parses a whole file.
pub fn parse(text: &str) -> Parsed {
    let mut reader = Reader {
        text,
        at: 0,
        line: 1,
    };
    let mut parsed = Parsed::default();
    while reader.at < text.len() {
        match binding(&mut reader) {
            Ok(Some(b)) => parsed.bindings.push(b),
            Ok(None) => {}
            Err(line) => {
                // As python-dotenv: the rest of the line where reading stopped is skipped.
                reader.read(&REST_OF_LINE);
                parsed.invalid_lines.push(line);
            }
        }
    }
    parsed
}

/// python-dotenv's `parse_binding`: `Ok(None)` for blank lines and comments, `Err(line)` for a
/// statement that does not parse, with the line it starts on.
fn binding(reader: &mut Reader) -> Result<Option<Binding>, u32> {
    reader.read(&MULTILINE_WHITESPACE);
    if reader.at >= reader.text.len() {
        return Ok(None);
    }
    let line = reader.line;
    let bad = |_| line;
    reader.read(&EXPORT);
    let key = match reader.peek() {
        Some('#') => None,
        Some('\'') => Some(reader.read(&SINGLE_QUOTED_KEY).ok_or(line)?.to_string()),
        _ => Some(reader.read(&UNQUOTED_KEY).ok_or(line)?.to_string()),
    };
    reader.read(&WHITESPACE);
    let value = if reader.peek() == Some('=') {
        reader.read(&EQUAL_SIGN);
        Some(value(reader).map_err(bad)?)
    } else {
        None
    };
    reader.read(&COMMENT);
    reader.read(&END_OF_LINE).ok_or(line)?;
    Ok(key.map(|key| Binding { key, value, line }))
}

fn value(reader: &mut Reader) -> Result<String, ()> {
    match reader.peek() {
        Some('\'') => {
            let raw = reader.read(&SINGLE_QUOTED_VALUE).ok_or(())?;
            Ok(decode_escapes(&SINGLE_QUOTE_ESCAPES, raw))
        }
        Some('"') => {
            let raw = reader.read(&DOUBLE_QUOTED_VALUE).ok_or(())?;
            Ok(decode_escapes(&DOUBLE_QUOTE_ESCAPES, raw))
        }
        None | Some('\n' | '\r') => Ok(String::new()),
        _ => {
            let raw = reader.read(&UNQUOTED_VALUE).ok_or(())?;
            Ok(INLINE_COMMENT.replace(raw, "").trim_end().to_string())
        }
    }
}

/// Each two-character escape `regex` finds, decoded as Python's `unicode-escape` codec does.
fn decode_escapes(regex: &Regex, text: &str) -> String {
    regex
        .replace_all(text, |caps: &regex::Captures| {
            match caps[0].as_bytes()[1] {
                b'a' => "\x07",
                b'b' => "\x08",
                b'f' => "\x0c",
                b'n' => "\n",
                b'r' => "\r",
                b't' => "\t",
                b'v' => "\x0b",
                b'\'' => "'",
                b'"' => "\"",
                _ => "\\",
            }
            .to_string()
        })
        .into_owned()
}

/// The values as python-dotenv's `dotenv_values` returns them: later bindings win, and
/// `${VAR}` / `${VAR:-default}` expand from the file's earlier values first, then from `env`
/// (the step's environment). An unknown variable without a default is empty. Quotes do not stop
/// expansion (python-dotenv expands inside single quotes too; docker compose does not).
pub fn expand(bindings: &[Binding], env: &dyn Fn(&str) -> Option<String>) -> Vec<Binding> {
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    let mut out = Vec::with_capacity(bindings.len());
    for b in bindings {
        let value = b.value.as_deref().map(|v| {
            POSIX_VARIABLE
                .replace_all(v, |caps: &regex::Captures| {
                    let name = &caps["name"];
                    match seen.iter().rev().find(|(k, _)| k == name) {
                        Some((_, value)) => value.clone().unwrap_or_default(),
                        None => env(name).unwrap_or_else(|| {
                            caps.name("default")
                                .map(|d| d.as_str().to_string())
                                .unwrap_or_default()
                        }),
                    }
                })
                .into_owned()
        });
        seen.push((b.key.clone(), value.clone()));
        out.push(Binding { value, ..b.clone() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, Option<String>, u32)> {
        parse(text)
            .bindings
            .into_iter()
            .map(|b| (b.key, b.value, b.line))
            .collect()
    }

    fn one(text: &str) -> Option<String> {
        let parsed = parse(text);
        assert!(parsed.invalid_lines.is_empty(), "{text:?}: {parsed:?}");
        parsed.bindings.into_iter().next().unwrap().value
    }

    #[test]
    fn quotes_escapes_comments_and_export() {
        assert_eq!(one("A=plain value # note\n"), Some("plain value".into()));
        assert_eq!(one("A=a#b\n"), Some("a#b".into()));
        assert_eq!(one("A= # not a comment\n"), Some("# not a comment".into()));
        assert_eq!(one("export A='x # y'\n"), Some("x # y".into()));
        assert_eq!(one(r#"A="a\nb\t\"c\"""#), Some("a\nb\t\"c\"".into()));
        assert_eq!(one(r"A='a\nb\'c'"), Some(r"a\nb'c".into()));
        assert_eq!(
            one("A=\"line one\nline two\"\n"),
            Some("line one\nline two".into())
        );
        assert_eq!(one("A\n"), None);
        assert_eq!(one("A=\n"), Some(String::new()));
        assert_eq!(one("'A B'=1\n"), Some("1".into()));
    }

    #[test]
    fn each_binding_carries_its_key_line() {
        let text = "# top\n\nA=1\nB=\"two\nlines\"\n\n\nexport C=3\r\nD=4\rexport \r\nE";
        assert_eq!(
            pairs(text),
            vec![
                ("A".into(), Some("1".into()), 3),
                ("B".into(), Some("two\nlines".into()), 4),
                ("C".into(), Some("3".into()), 8),
                ("D".into(), Some("4".into()), 9),
                ("E".into(), None, 11),
            ]
        );
    }

    #[test]
    fn a_line_that_does_not_parse_is_skipped_and_named() {
        let parsed = parse("A=1\nB=\"x\" trailing\nC=3\n  =bad\nD='unclosed\n");
        let keys: Vec<_> = parsed.bindings.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["A", "C"]);
        assert_eq!(parsed.invalid_lines, [2, 4, 5]);
    }

    #[test]
    fn expansion_follows_python_dotenv() {
        let parsed = parse(
            "USER=app\nURL=postgres://${USER}:${PASS:-dflt}@${HOST}/db\nE\nF=${E}x${HOME:-h}\n",
        );
        let env = |k: &str| (k == "HOME").then(|| "/home/ci".to_string());
        let values: Vec<_> = expand(&parsed.bindings, &env)
            .into_iter()
            .map(|b| b.value)
            .collect();
        assert_eq!(
            values,
            [
                Some("app".into()),
                Some("postgres://app:dflt@/db".into()),
                None,
                Some("x/home/ci".into()),
            ]
        );
    }
}
