//! The list inputs (`images`, `tags`, `flavor`, `labels`, `annotations`, `aliases`): one entry a
//! line, `#` comment lines, and entries made of comma-separated `key=value` fields.
//!
//! docker/metadata-action runs each line through a CSV parser that drops the quotes before the
//! entry is split again, so `type=match,"pattern=\d{1,3}"` (the form its README shows) breaks the
//! regex at its comma. Here the quotes are honoured once, where the fields are split.

/// Non-empty lines, trimmed, without `#` comment lines. A `#` later in a line is kept (colours,
/// `{{branch}}#x`).
pub fn list(input: &str) -> Vec<String> {
    input
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Splits one entry at the commas outside double quotes. A field quoted as a whole
/// (`"pattern=a,b"`) or in its value (`pattern="a,b"`) keeps its commas; `""` inside quotes is a
/// literal quote. Fields are trimmed; empty fields are dropped.
pub fn fields(entry: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = entry.chars().peekable();
    let mut quoted = false;
    let mut had_quotes = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                push_field(&mut out, &mut field, had_quotes);
                had_quotes = false;
            }
            '"' if field.trim().is_empty() || (field.ends_with('=') && !field.contains("=\"")) => {
                if field.trim().is_empty() {
                    field.clear();
                }
                quoted = true;
                had_quotes = true;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("unclosed double quote in `{entry}`"));
    }
    push_field(&mut out, &mut field, had_quotes);
    Ok(out)
}

fn push_field(out: &mut Vec<String>, field: &mut String, quoted: bool) {
    let value = if quoted {
        // Keep the quoted content as written; only the space around the quotes goes.
        field.trim_start().to_string()
    } else {
        field.trim().to_string()
    };
    if !value.is_empty() {
        out.push(value);
    }
    field.clear();
}

/// Splits `key=value` at the first `=`; the key is lower-cased. `None` for a field without `=`.
pub fn key_value(field: &str) -> Option<(String, String)> {
    let (key, value) = field.split_once('=')?;
    Some((key.trim().to_ascii_lowercase(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_skip_blank_and_comment_lines() {
        assert_eq!(
            list("  a\n\n# no\nb # kept\n"),
            vec!["a".to_string(), "b # kept".to_string()]
        );
        assert!(list("").is_empty());
    }

    #[test]
    fn fields_split_at_commas() {
        assert_eq!(
            fields("type=ref, event=branch ,").unwrap(),
            vec!["type=ref", "event=branch"]
        );
    }

    #[test]
    fn quoted_fields_keep_their_commas() {
        assert_eq!(
            fields(r#"type=match,"pattern=\d{1,3}.\d{1,3}",group=0"#).unwrap(),
            vec!["type=match", r"pattern=\d{1,3}.\d{1,3}", "group=0"]
        );
        assert_eq!(
            fields(r#"type=raw,value="a,b""c""#).unwrap(),
            vec!["type=raw", r#"value=a,b"c"#]
        );
        assert_eq!(
            fields(r#"type=raw,value=say "hi""#).unwrap(),
            vec!["type=raw", r#"value=say "hi""#]
        );
        assert!(fields(r#"type=raw,"value=x"#).is_err());
    }

    #[test]
    fn key_value_splits_at_the_first_equals() {
        assert_eq!(
            key_value("Value=a=b"),
            Some(("value".to_string(), "a=b".to_string()))
        );
        assert_eq!(key_value("foo"), None);
    }
}
