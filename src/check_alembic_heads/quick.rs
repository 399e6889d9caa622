//! A quick reader for migration files in the plain form most of them have. Building ruff's
//! syntax tree is most of check-alembic-heads' work, yet it needs only a few module-level
//! assignments and whether `downgrade()` does anything. This reader checks the file against a
//! small subset of Python that it can tell is valid (imports, assignments, calls, literals,
//! `def`, `with`, `if`), reads the declarations from its tokens, and answers `None` for anything
//! outside that subset or anything it is not sure of: the caller then parses the file with ruff,
//! which also names the syntax errors. So it never passes a file that ruff would refuse, and it
//! reads what ruff's tree would give (tests compare the two on every file it accepts).

use super::script::{Attr, Downgrade, Script};

/// Reads a file that is in the subset; `None`: parse it with ruff. `ignores` is left empty.
pub fn read(source: &str) -> Option<Script> {
    // Control characters (tabs, CR, NUL, form feed...) change how Python reads a line.
    if has_control_characters(source.as_bytes()) {
        return None;
    }
    // One token list per thread, reused: a fresh one per file is an allocation and, with
    // thousands of files, fresh memory.
    thread_local! {
        static TOKENS: std::cell::RefCell<Vec<Token>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TOKENS.with_borrow_mut(|tokens| {
        lex(source, tokens)?;
        read_tokens(source, tokens)
    })
}

/// Whether any byte is a control character other than a newline. Every byte is looked at
/// (no early exit), in blocks, which the compiler turns into vector instructions.
fn has_control_characters(bytes: &[u8]) -> bool {
    let control = |b: u8| (b < 0x20 && b != b'\n') | (b == 0x7f);
    bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |any, &b| any | control(b)))
}

fn read_tokens(source: &str, tokens: &[Token]) -> Option<Script> {
    let mut reader = Reader {
        tokens,
        source,
        at: 0,
        script: Script {
            revision: Attr::Missing,
            down_revision: Attr::Missing,
            branch_labels: Attr::Missing,
            depends_on: Attr::Missing,
            contract: Attr::Missing,
            no_downgrade: Attr::Missing,
            downgrade: Downgrade::Missing,
            syntax_errors: Vec::new(),
            ignores: Default::default(),
        },
    };
    while reader.peek() != Kind::End {
        reader.statement(Place::Module)?;
    }
    Some(reader.script)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Number,
    /// A string without prefix or backslash: its text is its value.
    Str,
    Newline,
    Indent,
    Dedent,
    End,
    // The keywords of the subset; any other keyword ends the quick read.
    None,
    True,
    False,
    Def,
    With,
    As,
    If,
    Elif,
    Else,
    Pass,
    Return,
    Raise,
    Import,
    From,
    And,
    Or,
    In,
    Is,
    LPar,
    RPar,
    LSqb,
    RSqb,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Dot,
    Equal,
    Arrow,
    Ellipsis,
    Plus,
    Minus,
    Tilde,
    /// `*`, `**`, `/`, `//`, `%`, `|`, `&`, `==`, `!=`, `<`, `>`, `<=`, `>=`.
    Binary,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    /// For `Str`, the text between the quotes; otherwise the token's text.
    start: u32,
    end: u32,
    line: u32,
}

fn attr<T>(line: u32, value: Option<T>) -> Attr<T> {
    match value {
        Some(value) => Attr::Value { value, line },
        None => Attr::NonLiteral { line },
    }
}

/// Deeper than this, in brackets or blocks, is left to ruff (which also knows CPython's limit).
const MAX_DEPTH: usize = 100;

fn keyword(word: &[u8]) -> Result<Option<Kind>, ()> {
    Ok(Some(match word {
        b"None" => Kind::None,
        b"True" => Kind::True,
        b"False" => Kind::False,
        b"def" => Kind::Def,
        b"with" => Kind::With,
        b"as" => Kind::As,
        b"if" => Kind::If,
        b"elif" => Kind::Elif,
        b"else" => Kind::Else,
        b"pass" => Kind::Pass,
        b"return" => Kind::Return,
        b"raise" => Kind::Raise,
        b"import" => Kind::Import,
        b"from" => Kind::From,
        b"and" => Kind::And,
        b"or" => Kind::Or,
        b"in" => Kind::In,
        b"is" => Kind::Is,
        b"assert" | b"async" | b"await" | b"break" | b"class" | b"continue" | b"del"
        | b"except" | b"finally" | b"for" | b"global" | b"lambda" | b"nonlocal" | b"not"
        | b"try" | b"while" | b"yield" | b"__debug__" => return Err(()),
        _ => return Ok(None),
    }))
}

/// Bytes that continue a name (ASCII letters, digits, `_`).
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Python's tokens for text in the subset, into `out` (emptied first); `None` for anything
/// else.
fn lex(source: &str, out: &mut Vec<Token>) -> Option<()> {
    let b = source.as_bytes();
    let n = b.len();
    // Offsets are u32 in tokens; a larger file is ruff's.
    u32::try_from(n).ok()?;
    out.clear();
    out.reserve(n / 4);
    let mut i = 0usize;
    let mut line = 1u32;
    let mut brackets: Vec<u8> = Vec::new();
    let mut indents: Vec<usize> = vec![0];
    let mut line_start = true;
    let push = |out: &mut Vec<Token>, kind, start: usize, end: usize, line| {
        out.push(Token {
            kind,
            start: start as u32,
            end: end as u32,
            line,
        })
    };
    loop {
        if line_start && brackets.is_empty() {
            let mut col = 0;
            while i < n && b[i] == b' ' {
                col += 1;
                i += 1;
            }
            if i >= n {
                break;
            }
            match b[i] {
                b'\n' => {
                    line += 1;
                    i += 1;
                    continue;
                }
                b'#' => {
                    while i < n && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                _ => {}
            }
            let current = *indents.last()?;
            if col > current {
                if indents.len() > MAX_DEPTH {
                    return None;
                }
                indents.push(col);
                push(out, Kind::Indent, i, i, line);
            } else {
                while col < *indents.last()? {
                    indents.pop();
                    push(out, Kind::Dedent, i, i, line);
                }
                if col != *indents.last()? {
                    return None;
                }
            }
            line_start = false;
        }
        if i >= n {
            break;
        }
        let c = b[i];
        let start = i;
        let next = |k: usize| b.get(start + k).copied().unwrap_or(0);
        let kind = match c {
            b' ' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' => {
                i += 1;
                if brackets.is_empty() {
                    push(out, Kind::Newline, start, start, line);
                    line_start = true;
                }
                line += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                i += b[i..]
                    .iter()
                    .position(|&c| !NAME_BYTES[usize::from(c)])
                    .unwrap_or(n - i);
                // A string prefix (`r''`, `f""`...) or a non-ASCII name is ruff's.
                if i < n && (b[i] == b'\'' || b[i] == b'"' || b[i] >= 0x80) {
                    return None;
                }
                let kind = keyword(&b[start..i]).ok()?.unwrap_or(Kind::Name);
                push(out, kind, start, i, line);
                continue;
            }
            b'0'..=b'9' => {
                while i < n && b[i].is_ascii_digit() {
                    i += 1;
                }
                // `01` is refused by Python; `0` and `1.5` are plain.
                if c == b'0' && i - start > 1 {
                    return None;
                }
                if i + 1 < n && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < n && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                // Exponents, hex, underscores, `1j`, `1.`: ruff's.
                if i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                    return None;
                }
                push(out, Kind::Number, start, i, line);
                continue;
            }
            b'\'' | b'"' => {
                let triple = next(1) == c && next(2) == c;
                let open = if triple { 3 } else { 1 };
                let first_line = line;
                let mut j = i + open;
                loop {
                    if j >= n {
                        return None;
                    }
                    match b[j] {
                        b'\\' => return None,
                        b'\n' if !triple => return None,
                        b'\n' => line += 1,
                        q if q == c
                            && (!triple
                                || (b.get(j + 1) == Some(&c) && b.get(j + 2) == Some(&c))) =>
                        {
                            break;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                push(out, Kind::Str, i + open, j, first_line);
                i = j + open;
                continue;
            }
            b'(' | b'[' | b'{' => {
                if brackets.len() >= MAX_DEPTH {
                    return None;
                }
                brackets.push(c);
                i += 1;
                match c {
                    b'(' => Kind::LPar,
                    b'[' => Kind::LSqb,
                    _ => Kind::LBrace,
                }
            }
            b')' | b']' | b'}' => {
                let open = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if brackets.pop() != Some(open) {
                    return None;
                }
                i += 1;
                match c {
                    b')' => Kind::RPar,
                    b']' => Kind::RSqb,
                    _ => Kind::RBrace,
                }
            }
            b'.' if next(1) == b'.' && next(2) == b'.' => {
                i += 3;
                Kind::Ellipsis
            }
            b'.' if next(1).is_ascii_digit() => return None,
            b'.' => {
                i += 1;
                Kind::Dot
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b':' if next(1) == b'=' => return None,
            b':' => {
                i += 1;
                Kind::Colon
            }
            b'-' if next(1) == b'>' => {
                i += 2;
                Kind::Arrow
            }
            // Augmented assignments and the rest are ruff's.
            b'+' | b'-' | b'~' | b'*' | b'/' | b'%' | b'|' | b'&' if next(1) == b'=' => {
                return None;
            }
            b'+' => {
                i += 1;
                Kind::Plus
            }
            b'-' => {
                i += 1;
                Kind::Minus
            }
            b'~' => {
                i += 1;
                Kind::Tilde
            }
            b'*' | b'/' => {
                i += if next(1) == c { 2 } else { 1 };
                if b.get(i) == Some(&b'=') {
                    return None;
                }
                Kind::Binary
            }
            b'%' | b'|' | b'&' => {
                i += 1;
                Kind::Binary
            }
            b'=' if next(1) == b'=' => {
                i += 2;
                Kind::Binary
            }
            b'=' => {
                i += 1;
                Kind::Equal
            }
            b'!' if next(1) == b'=' => {
                i += 2;
                Kind::Binary
            }
            b'<' | b'>' if next(1) == b'=' => {
                i += 2;
                Kind::Binary
            }
            b'<' | b'>' if matches!(next(1), b'<' | b'>') => return None,
            b'<' | b'>' => {
                i += 1;
                Kind::Binary
            }
            _ => return None,
        };
        push(out, kind, start, i, line);
    }
    if !brackets.is_empty() {
        return None;
    }
    if !line_start {
        push(out, Kind::Newline, n, n, line);
    }
    while indents.len() > 1 {
        indents.pop();
        push(out, Kind::Dedent, n, n, line);
    }
    push(out, Kind::End, n, n, line);
    Some(())
}

/// Where a statement stands: `return` is only valid in a function, and only the module's own
/// statements declare anything.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Module,
    Block,
    Function,
}

struct Reader<'a> {
    tokens: &'a [Token],
    source: &'a str,
    at: usize,
    script: Script,
}

/// A literal as `script.rs` reads it from ruff's tree.
enum Literal {
    Str(String),
    None,
    Ellipsis,
    /// A tuple, list or set: each item's string, if it is one.
    Items(Vec<Option<String>>),
    Other,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Kind {
        self.tokens.get(self.at).map_or(Kind::End, |t| t.kind)
    }

    fn peek_at(&self, ahead: usize) -> Kind {
        self.tokens
            .get(self.at + ahead)
            .map_or(Kind::End, |t| t.kind)
    }

    fn bump(&mut self) -> Option<Token> {
        let token = *self.tokens.get(self.at)?;
        self.at += 1;
        Some(token)
    }

    fn eat(&mut self, kind: Kind) -> bool {
        let found = self.peek() == kind;
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, kind: Kind) -> Option<Token> {
        (self.peek() == kind).then(|| self.bump()).flatten()
    }

    fn text(&self, token: Token) -> &'a str {
        &self.source[token.start as usize..token.end as usize]
    }

    /// One statement; `Some(true)` when it does nothing (as `script.rs` judges a downgrade).
    fn statement(&mut self, place: Place) -> Option<bool> {
        let inner = if place == Place::Module {
            Place::Block
        } else {
            place
        };
        match self.peek() {
            Kind::Def => {
                let def = self.bump()?;
                let name = self.expect(Kind::Name)?;
                self.parameters()?;
                if self.eat(Kind::Arrow) {
                    self.expression()?;
                }
                self.expect(Kind::Colon)?;
                let nothing = self.suite(Place::Function)?;
                if place == Place::Module && self.text(name) == "downgrade" {
                    self.script.downgrade = if nothing {
                        Downgrade::Empty { line: def.line }
                    } else {
                        Downgrade::Present { line: def.line }
                    };
                }
                Some(false)
            }
            Kind::With => {
                self.bump()?;
                loop {
                    self.expression()?;
                    if self.eat(Kind::As) {
                        self.expect(Kind::Name)?;
                    }
                    if !self.eat(Kind::Comma) {
                        break;
                    }
                }
                self.expect(Kind::Colon)?;
                self.suite(inner)?;
                Some(false)
            }
            Kind::If => {
                self.bump()?;
                self.expression()?;
                self.expect(Kind::Colon)?;
                self.suite(inner)?;
                while self.eat(Kind::Elif) {
                    self.expression()?;
                    self.expect(Kind::Colon)?;
                    self.suite(inner)?;
                }
                if self.eat(Kind::Else) {
                    self.expect(Kind::Colon)?;
                    self.suite(inner)?;
                }
                Some(false)
            }
            _ => {
                let nothing = self.simple(place)?;
                self.expect(Kind::Newline)?;
                Some(nothing)
            }
        }
    }

    /// A block after `:`, on its own lines or on the same line; whether it does nothing.
    fn suite(&mut self, place: Place) -> Option<bool> {
        if !self.eat(Kind::Newline) {
            let nothing = self.simple(place)?;
            self.expect(Kind::Newline)?;
            return Some(nothing);
        }
        self.expect(Kind::Indent)?;
        let mut nothing = true;
        while !self.eat(Kind::Dedent) {
            if self.peek() == Kind::End {
                return None;
            }
            nothing &= self.statement(place)?;
        }
        Some(nothing)
    }

    fn simple(&mut self, place: Place) -> Option<bool> {
        match self.peek() {
            Kind::Pass => {
                self.bump()?;
                Some(true)
            }
            Kind::Return if place == Place::Function => {
                self.bump()?;
                if self.peek() != Kind::Newline {
                    self.expressions()?;
                }
                Some(false)
            }
            Kind::Raise => {
                self.bump()?;
                if self.peek() != Kind::Newline {
                    self.expression()?;
                }
                Some(true)
            }
            Kind::Import => {
                self.bump()?;
                loop {
                    self.dotted()?;
                    if self.eat(Kind::As) {
                        self.expect(Kind::Name)?;
                    }
                    if !self.eat(Kind::Comma) {
                        break Some(false);
                    }
                }
            }
            Kind::From => {
                self.bump()?;
                self.dotted()?;
                self.expect(Kind::Import)?;
                loop {
                    self.expect(Kind::Name)?;
                    if self.eat(Kind::As) {
                        self.expect(Kind::Name)?;
                    }
                    if !self.eat(Kind::Comma) {
                        break Some(false);
                    }
                }
            }
            _ => self.assignment_or_expression(place),
        }
    }

    fn assignment_or_expression(&mut self, place: Place) -> Option<bool> {
        let first = self.at;
        let target_line = self.tokens.get(first)?.line;
        let assignable = self.expressions()?;
        let target_end = self.at;
        // `revision` alone, not `(revision)`: only a plain name declares.
        let name = (target_end == first + 1 && self.tokens[first].kind == Kind::Name)
            .then(|| self.text(self.tokens[first]));
        let value = match self.peek() {
            Kind::Equal => {
                if !assignable {
                    return None;
                }
                self.bump()?;
                let from = self.at;
                self.expressions()?;
                // `a = b = c` and friends are ruff's.
                if self.peek() == Kind::Equal {
                    return None;
                }
                Some(from..self.at)
            }
            Kind::Colon => {
                name.as_ref()?;
                self.bump()?;
                self.expression()?;
                if self.eat(Kind::Equal) {
                    let from = self.at;
                    self.expressions()?;
                    Some(from..self.at)
                } else {
                    // An annotation without a value defines nothing.
                    None
                }
            }
            // An expression statement: only a string or `...`, bracketed or not, does
            // nothing, and one that starts with a name is neither (no need to take it apart).
            _ if self.tokens[first].kind == Kind::Name => return Some(false),
            _ => {
                return match self.literal(first, target_end)? {
                    Literal::Str(_) | Literal::Ellipsis => Some(true),
                    _ => Some(false),
                };
            }
        };
        if let (Place::Module, Some(name), Some(value)) = (place, name, value) {
            self.declare(name, value, target_line)?;
        }
        Some(false)
    }

    fn declare(&mut self, name: &str, value: std::ops::Range<usize>, line: u32) -> Option<()> {
        let string = |literal: Literal| match literal {
            Literal::Str(s) => Some(s),
            _ => None,
        };
        let strings = |literal: Literal| match literal {
            Literal::None => Some(Vec::new()),
            Literal::Str(s) => Some(vec![s]),
            Literal::Items(items) => items.into_iter().collect(),
            _ => None,
        };
        match name {
            "revision" => {
                self.script.revision = attr(line, string(self.literal(value.start, value.end)?));
            }
            "down_revision" => {
                self.script.down_revision =
                    attr(line, strings(self.literal(value.start, value.end)?));
            }
            "branch_labels" => {
                self.script.branch_labels =
                    attr(line, strings(self.literal(value.start, value.end)?));
            }
            "depends_on" => {
                self.script.depends_on = attr(line, strings(self.literal(value.start, value.end)?));
            }
            "migration_contract" => {
                self.script.contract = attr(line, string(self.literal(value.start, value.end)?));
            }
            "no_downgrade" => {
                self.script.no_downgrade =
                    attr(line, string(self.literal(value.start, value.end)?));
            }
            _ => {}
        }
        Some(())
    }

    /// The literal that tokens `from..to` (one valid expression list) spell, as ruff's tree
    /// has it: brackets group, a top-level comma makes a tuple, adjacent strings join.
    fn literal(&self, from: usize, to: usize) -> Option<Literal> {
        let tokens = self.tokens.get(from..to)?;
        let parts = top_level_parts(tokens);
        if parts.len() > 1 || tokens.last().is_some_and(|t| t.kind == Kind::Comma) {
            return Some(Literal::Items(self.items(from, &parts)));
        }
        let kinds = |k: Kind| tokens.iter().all(|t| t.kind == k);
        Some(match tokens {
            [] => return None,
            [t] if t.kind == Kind::None => Literal::None,
            [t] if t.kind == Kind::Ellipsis => Literal::Ellipsis,
            _ if kinds(Kind::Str) => {
                Literal::Str(tokens.iter().map(|&t| self.text(t)).collect::<String>())
            }
            [open, .., close] if closes(tokens) => match (open.kind, close.kind) {
                (Kind::LPar, _) if to - from == 2 => Literal::Items(Vec::new()),
                (Kind::LPar, _) => self.literal(from + 1, to - 1)?,
                (Kind::LSqb, _) => {
                    let inner = &tokens[1..tokens.len() - 1];
                    Literal::Items(self.items(from + 1, &top_level_parts(inner)))
                }
                (Kind::LBrace, _) => {
                    let inner = &tokens[1..tokens.len() - 1];
                    // `{}` and `{k: v}` are dicts.
                    if inner.is_empty() || has_top_level(inner, Kind::Colon) {
                        Literal::Other
                    } else {
                        Literal::Items(self.items(from + 1, &top_level_parts(inner)))
                    }
                }
                _ => Literal::Other,
            },
            _ => Literal::Other,
        })
    }

    /// Each part's string, if it is one (parts are ranges relative to `base`).
    fn items(&self, base: usize, parts: &[std::ops::Range<usize>]) -> Vec<Option<String>> {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| match self.literal(base + p.start, base + p.end) {
                Some(Literal::Str(s)) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn dotted(&mut self) -> Option<()> {
        self.expect(Kind::Name)?;
        while self.eat(Kind::Dot) {
            self.expect(Kind::Name)?;
        }
        Some(())
    }

    fn parameters(&mut self) -> Option<()> {
        self.expect(Kind::LPar)?;
        let source = self.source;
        let mut names: Vec<&str> = Vec::new();
        let mut defaults = false;
        while !self.eat(Kind::RPar) {
            let name = self.expect(Kind::Name)?;
            let name = &source[name.start as usize..name.end as usize];
            // Repeated names and a plain one after a default are errors; ruff's to name.
            if names.contains(&name) {
                return None;
            }
            names.push(name);
            if self.eat(Kind::Colon) {
                self.expression()?;
            }
            if self.eat(Kind::Equal) {
                self.expression()?;
                defaults = true;
            } else if defaults {
                return None;
            }
            if !self.eat(Kind::Comma) {
                self.expect(Kind::RPar)?;
                break;
            }
        }
        Some(())
    }

    /// `a` or `a, b, ...` (a tuple); whether it can be assigned to (one name, attribute or
    /// subscript).
    fn expressions(&mut self) -> Option<bool> {
        let assignable = self.expression()?;
        if !self.eat(Kind::Comma) {
            return Some(assignable);
        }
        while starts_expression(self.peek()) {
            self.expression()?;
            if !self.eat(Kind::Comma) {
                break;
            }
        }
        // Tuple targets are ruff's.
        Some(false)
    }

    /// Operands joined by binary operators; whether it is one assignable primary.
    fn expression(&mut self) -> Option<bool> {
        let mut assignable = self.unary()?;
        while matches!(
            self.peek(),
            Kind::Plus | Kind::Minus | Kind::Binary | Kind::And | Kind::Or | Kind::In | Kind::Is
        ) {
            self.bump()?;
            self.unary()?;
            assignable = false;
        }
        Some(assignable)
    }

    fn unary(&mut self) -> Option<bool> {
        let mut signed = false;
        while matches!(self.peek(), Kind::Plus | Kind::Minus | Kind::Tilde) {
            self.bump()?;
            signed = true;
        }
        let assignable = self.primary()?;
        Some(assignable && !signed)
    }

    /// An atom with calls, attributes and subscripts after it.
    fn primary(&mut self) -> Option<bool> {
        let mut assignable = self.atom()?;
        loop {
            match self.peek() {
                Kind::LPar => {
                    self.bump()?;
                    self.arguments()?;
                    assignable = false;
                }
                Kind::Dot => {
                    self.bump()?;
                    self.expect(Kind::Name)?;
                    assignable = true;
                }
                Kind::LSqb => {
                    self.bump()?;
                    self.expression()?;
                    while self.eat(Kind::Comma) {
                        if self.peek() == Kind::RSqb {
                            break;
                        }
                        self.expression()?;
                    }
                    self.expect(Kind::RSqb)?;
                    assignable = true;
                }
                _ => return Some(assignable),
            }
        }
    }

    /// After `(`: positional arguments, then keyword ones, each keyword once.
    fn arguments(&mut self) -> Option<()> {
        let source = self.source;
        let mut keywords: Vec<&str> = Vec::new();
        while !self.eat(Kind::RPar) {
            if self.peek() == Kind::Name && self.peek_at(1) == Kind::Equal {
                let name = self.bump()?;
                let name = &source[name.start as usize..name.end as usize];
                if keywords.contains(&name) {
                    return None;
                }
                keywords.push(name);
                self.bump()?;
                self.expression()?;
            } else if keywords.is_empty() {
                self.expression()?;
            } else {
                return None;
            }
            if !self.eat(Kind::Comma) {
                self.expect(Kind::RPar)?;
                break;
            }
        }
        Some(())
    }

    /// Whether the atom alone could be assigned to (a name).
    fn atom(&mut self) -> Option<bool> {
        let token = self.bump()?;
        match token.kind {
            Kind::Name => Some(true),
            Kind::Number | Kind::None | Kind::True | Kind::False | Kind::Ellipsis => Some(false),
            Kind::Str => {
                while self.eat(Kind::Str) {}
                Some(false)
            }
            Kind::LPar => {
                if !self.eat(Kind::RPar) {
                    self.expressions()?;
                    self.expect(Kind::RPar)?;
                }
                Some(false)
            }
            Kind::LSqb => {
                while !self.eat(Kind::RSqb) {
                    self.expression()?;
                    if !self.eat(Kind::Comma) {
                        self.expect(Kind::RSqb)?;
                        break;
                    }
                }
                Some(false)
            }
            Kind::LBrace => {
                if self.eat(Kind::RBrace) {
                    return Some(false);
                }
                self.expression()?;
                let dict = self.eat(Kind::Colon);
                if dict {
                    self.expression()?;
                }
                while self.eat(Kind::Comma) {
                    if self.peek() == Kind::RBrace {
                        break;
                    }
                    self.expression()?;
                    if dict {
                        self.expect(Kind::Colon)?;
                        self.expression()?;
                    }
                }
                self.expect(Kind::RBrace)?;
                Some(false)
            }
            _ => None,
        }
    }
}

fn starts_expression(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Name
            | Kind::Number
            | Kind::Str
            | Kind::None
            | Kind::True
            | Kind::False
            | Kind::Ellipsis
            | Kind::LPar
            | Kind::LSqb
            | Kind::LBrace
            | Kind::Plus
            | Kind::Minus
            | Kind::Tilde
    )
}

/// The ranges between commas outside brackets.
fn top_level_parts(tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::LPar | Kind::LSqb | Kind::LBrace => depth += 1,
            Kind::RPar | Kind::RSqb | Kind::RBrace => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(start..tokens.len());
    parts
}

fn has_top_level(tokens: &[Token], kind: Kind) -> bool {
    let mut depth = 0usize;
    tokens.iter().any(|t| {
        match t.kind {
            Kind::LPar | Kind::LSqb | Kind::LBrace => depth += 1,
            Kind::RPar | Kind::RSqb | Kind::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && t.kind == kind
    })
}

/// Whether the first token's bracket is closed by the last one.
fn closes(tokens: &[Token]) -> bool {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::LPar | Kind::LSqb | Kind::LBrace => depth += 1,
            Kind::RPar | Kind::RSqb | Kind::RBrace => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == tokens.len() - 1;
                }
            }
            _ => {}
        }
        if depth == 0 {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::script::read_with_parser;
    use super::*;

    /// What ruff's tree gives, with the ignores `read` fills in later left out.
    fn parsed(source: &str) -> Script {
        let mut script = read_with_parser(source);
        script.ignores = Default::default();
        script
    }

    #[track_caller]
    fn agrees(source: &str) -> Script {
        let quick = read(source).unwrap_or_else(|| panic!("not read quickly:\n{source}"));
        assert_eq!(quick, parsed(source), "{source}");
        quick
    }

    const TEMPLATE: &str = r#""""add users

Revision ID: b2
Revises: a1
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, Sequence[str], None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None
migration_contract = "safe_online"


def upgrade() -> None:
    """Upgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), server_default=sa.text("''"), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_name'), ['name'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_name'))

    op.drop_table('users')
"#;

    #[test]
    fn reads_the_alembic_templates_as_ruff_does() {
        let s = agrees(TEMPLATE);
        assert_eq!(s.revision.value().map(String::as_str), Some("b2"));
        assert_eq!(s.down_revision.line(), Some(16));
        assert_eq!(s.downgrade, Downgrade::Present { line: 36 });
        agrees(
            "\"\"\"msg\n\nRevision ID: ae1027a6acf\n\"\"\"\nfrom alembic import op\n\n# revision identifiers, used by Alembic.\nrevision = 'ae1027a6acf'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
        );
        agrees(
            "revision = 'b'\ndown_revision = ('a', 'c')\nbranch_labels = ['x', ('y')]\ndepends_on = {'d'}\n",
        );
    }

    #[test]
    fn reads_literals_and_non_literals_as_ruff_does() {
        for value in [
            "'a'",
            "\"a\" 'b'",
            "('a'\n    'b')",
            "((('a')))",
            "'a',",
            "'a', 'b'",
            "()",
            "[]",
            "[None]",
            "('a', None)",
            "{}",
            "{'a': 'b'}",
            "{'a', 'b',}",
            "None",
            "(None)",
            "...",
            "make_id()",
            "'a' + 'b'",
            "'a'.upper()",
            "x",
            "1",
            "-1.5",
            "['a', ('b', 'c')]",
            "\"\"\"a\nb\"\"\"",
            "''",
            "''''''",
            "'é'",
        ] {
            for name in [
                "revision",
                "down_revision",
                "branch_labels",
                "depends_on",
                "migration_contract",
                "no_downgrade",
            ] {
                agrees(&format!("# c\n\n{name} = {value}\n{name}: str = {value}\n"));
                agrees(&format!("{name} = {value}\n"));
            }
        }
    }

    #[test]
    fn judges_downgrade_bodies_as_ruff_does() {
        for body in [
            "pass",
            "...",
            "'''doc'''",
            "(\"doc\")",
            "raise NotImplementedError()",
            "raise",
            "\"doc\"\n    pass\n    ...",
            "op.drop_table('t')",
            "x = 1",
            "return",
            "return None",
            "'a', 'b'",
            "if x:\n        pass\n    else:\n        pass",
            "with a as b, c:\n        pass",
            "def inner(a, b: int = 1, c=2,) -> None:\n        return a, b",
            "import os",
            "from a.b import c as d, e",
            "'a'.strip()",
        ] {
            agrees(&format!("def downgrade():\n    {body}\n"));
            if !body.contains('\n') && !body.starts_with(['i', 'w', 'd']) {
                agrees(&format!("def downgrade() -> None: {body}\n"));
            }
        }
        // The last definition wins; one inside a block is not the module's.
        let s = agrees(
            "def downgrade():\n    pass\nif x:\n    def downgrade():\n        f()\ndef downgrade():\n    g()\n",
        );
        assert_eq!(s.downgrade, Downgrade::Present { line: 6 });
    }

    #[test]
    fn expressions_in_the_subset() {
        for statement in [
            "x = a.b[c](d, e=f, g=h)[0].i",
            "x = -a ** -b * c // d % e | f & g",
            "x = a < b <= c == d != e >= f > g",
            "x = a and b or c in d is e",
            "x = ~a + +b - -c",
            "x = [1, 2,]",
            "x = {1: 2, 3: 4,}",
            "x = (a)(b)",
            "x[0] = y",
            "x.y = z",
            "f().x = 1",
            "(a).b = 1",
            "x: int",
            "x: dict[str, int] = {}",
            "x = a[b, c,]",
            "f(\n    a,\n    # comment\n    b,\n)",
            "x = 0 + 0.5 + 10",
            "x = ...",
            "match = 1",
            "type = match(case)",
            "_ = None",
            "if a:\n    pass\nelif b:\n    pass\nelif c: pass\nelse: pass",
            "if a: pass",
            "with a: pass",
            "def f(): return 1",
            "raise ValueError('x')",
        ] {
            agrees(&format!("{statement}\n"));
        }
    }

    /// Text outside the subset, or not valid Python, is left to ruff, which reads it the same
    /// way through `script::read`.
    #[test]
    fn leaves_everything_else_to_ruff() {
        for source in [
            "revision = 'a'\r\n",
            "if x:\n\tpass\n",
            "x = f'{a}'\n",
            "x = r'a'\n",
            "x = b'a'\n",
            "x = 'a\\'b'\n",
            "x = 'a\n",
            "x = '''a\n",
            "x = 1 + \\\n 2\n",
            "@d\ndef f():\n    pass\n",
            "class A:\n    pass\n",
            "for a in b:\n    pass\n",
            "x = lambda: 1\n",
            "x = [a for a in b]\n",
            "x = a if b else c\n",
            "x = not a\n",
            "a = b = 'c'\n",
            "a, b = 1, 2\n",
            "(revision) = 'a'\n",
            "revision.x: int = 1\n",
            "x += 1\n",
            "x = a @ b\n",
            "x = a << b\n",
            "x = a; y = b\n",
            "f(a=1, a=2)\n",
            "f(a=1, b)\n",
            "f(*a)\n",
            "f(**a)\n",
            "def f(a, a):\n    pass\n",
            "def f(a=1, b):\n    pass\n",
            "def f(*, a):\n    pass\n",
            "async def downgrade():\n    pass\n",
            "return 1\n",
            "if x:\n    return 1\n",
            "x = 01\n",
            "x = 1e5\n",
            "x = 0x1f\n",
            "x = 1_000\n",
            "x = 1.\n",
            "x = .5\n",
            "x = a[1:2]\n",
            "x = {**a}\n",
            "x = (\n",
            "x = )\n",
            "x = (]\n",
            "  x = 1\n",
            "if x:\n        a = 1\n    b = 2\n",
            "if x:\npass\n",
            "def f():\n",
            "else:\n    pass\n",
            "x = (a := 1)\n",
            "x = yield\n",
            "del x\n",
            "global x\n",
            "x = 1 +\n",
            "x = a is not b\n",
            "x = a not in b\n",
            "__debug__ = 1\n",
            "None = 1\n",
            "f() = 1\n",
            "x = a <> b\n",
            "x = ñ\n",
            "x = 1\x00\n",
            "raise A from B\n",
            "from . import a\n",
            "from a import (b)\n",
            "from a import *\n",
            "import\n",
            "with a as (b, c):\n    pass\n",
            "def downgrade(:\n    pass\n",
            "revision = 'a'\ndef upgrade(:\n    pass\n",
        ] {
            assert!(read(source).is_none(), "read quickly: {source:?}");
            assert_eq!(
                super::super::script::read(source),
                read_with_parser(source),
                "{source:?}"
            );
        }
        let deep = format!(
            "x = {}1{}\n",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(read(&deep).is_none());
        assert!(
            read(&format!(
                "x = {}1{}\n",
                "(".repeat(MAX_DEPTH - 1),
                ")".repeat(MAX_DEPTH - 1)
            ))
            .is_some()
        );
    }

    #[test]
    fn empty_and_comment_only_files() {
        agrees("");
        agrees("\n\n");
        agrees("# only a comment");
        agrees("   \n# a\n    # b\n");
        agrees("revision = 'a'");
        agrees("def downgrade():\n    pass");
    }
}
