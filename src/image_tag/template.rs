//! The Handlebars subset docker/metadata-action's inputs use: literal text with `{{name}}`,
//! `{{name 'arg'}}` and `{{name 'arg' key='value'}}` expressions (`{{{…}}}` too). What a name
//! means is up to the caller's resolver. Output is not HTML-escaped (Handlebars would turn `=`
//! into `&#x3D;`).

/// One `{{…}}` expression.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Call {
    pub name: String,
    pub args: Vec<String>,
    pub hash: Vec<(String, String)>,
}

/// Renders `template`. The resolver returns `Ok(None)` for a name it does not know: that renders
/// empty without arguments (as Handlebars does) and is an error with arguments.
pub fn render(
    template: &str,
    resolve: &mut dyn FnMut(&Call) -> Result<Option<String>, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        // `\{{` is a literal `{{`.
        if rest[..start].ends_with('\\') {
            out.push_str(&rest[..start - 1]);
            out.push_str("{{");
            rest = &rest[start + 2..];
            continue;
        }
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let triple = after.starts_with('{');
        let inner_start = if triple { 1 } else { 0 };
        let close = if triple { "}}}" } else { "}}" };
        let end = after[inner_start..]
            .find(close)
            .ok_or_else(|| format!("unclosed `{{{{` in `{template}`"))?;
        let inner = &after[inner_start..inner_start + end];
        let call = parse_call(inner).map_err(|e| format!("{e} in `{template}`"))?;
        match resolve(&call)? {
            Some(value) => out.push_str(&value),
            None if call.args.is_empty() && call.hash.is_empty() => {}
            None => return Err(format!("unknown expression `{}`", call.name)),
        }
        rest = &after[inner_start + end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// True when the template is exactly `{{raw}}` (metadata-action then keeps the raw prerelease).
pub fn is_raw_statement(template: &str) -> bool {
    let t = template.trim();
    t.strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .is_some_and(|inner| inner.trim() == "raw")
}

fn parse_call(inner: &str) -> Result<Call, String> {
    let mut tokens = Tokens {
        s: inner.trim(),
        pos: 0,
    };
    let name = tokens.word();
    if name.is_empty() {
        return Err("empty expression".into());
    }
    let mut call = Call {
        name,
        ..Call::default()
    };
    loop {
        tokens.skip_space();
        if tokens.done() {
            break;
        }
        if let Some(value) = tokens.quoted()? {
            call.args.push(value);
            continue;
        }
        let word = tokens.word();
        if word.is_empty() {
            return Err(format!("unexpected `{}`", &tokens.s[tokens.pos..]));
        }
        if tokens.eat('=') {
            let value = match tokens.quoted()? {
                Some(v) => v,
                None => tokens.word(),
            };
            call.hash.push((word, value));
        } else {
            call.args.push(word);
        }
    }
    Ok(call)
}

struct Tokens<'a> {
    s: &'a str,
    pos: usize,
}

impl Tokens<'_> {
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_space(&mut self) {
        while let Some(c) = self.s[self.pos..].chars().next()
            && c.is_whitespace()
        {
            self.pos += c.len_utf8();
        }
    }
    fn eat(&mut self, c: char) -> bool {
        if self.s[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn word(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.s[self.pos..].chars().next()
            && !c.is_whitespace()
            && c != '='
            && c != '\''
            && c != '"'
        {
            self.pos += c.len_utf8();
        }
        self.s[start..self.pos].to_string()
    }
    fn quoted(&mut self) -> Result<Option<String>, String> {
        let Some(q) = self.s[self.pos..]
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
        else {
            return Ok(None);
        };
        let body = &self.s[self.pos + 1..];
        let end = body.find(q).ok_or_else(|| format!("unclosed {q} quote"))?;
        self.pos += end + 2;
        Ok(Some(body[..end].to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(t: &str) -> Result<String, String> {
        render(t, &mut |c: &Call| {
            Ok(match c.name.as_str() {
                "branch" => Some("main".to_string()),
                "date" => Some(format!("{:?}|{:?}", c.args, c.hash)),
                _ => None,
            })
        })
    }

    #[test]
    fn renders_names_and_arguments() {
        assert_eq!(echo("x-{{branch}}-{{ branch }}").unwrap(), "x-main-main");
        assert_eq!(echo("{{{branch}}}").unwrap(), "main");
        assert_eq!(
            echo("{{date 'YYYY MM' tz=\"Asia/Tokyo\"}}").unwrap(),
            r#"["YYYY MM"]|[("tz", "Asia/Tokyo")]"#
        );
        assert_eq!(echo("a{{nope}}b").unwrap(), "ab");
        assert_eq!(echo(r"\{{branch}}").unwrap(), "{{branch}}");
        assert!(echo("{{nope 'x'}}").is_err());
        assert!(echo("{{branch").is_err());
        assert!(echo("{{date 'x}}").is_err());
    }

    #[test]
    fn raw_statement() {
        assert!(is_raw_statement("{{raw}}"));
        assert!(is_raw_statement(" {{ raw }} "));
        assert!(!is_raw_statement("v{{raw}}"));
        assert!(!is_raw_statement("{{version}}"));
    }
}
