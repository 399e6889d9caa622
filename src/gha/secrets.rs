//! Secret values: masked in the runner's log before anything else is printed, and redacted from
//! every line, summary and report this process writes, in each form they take on the way out
//! (percent-encoded in a URL or form, escaped in JSON or XML, inside a `Basic` credential).

use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::Write;
use std::sync::Mutex;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// What a redacted value is replaced with; the runner uses the same.
pub const REDACTED: &str = "***";

/// Fewer characters than this cannot be masked safely: `***` would replace them in unrelated
/// text (numbers, words) all over the log.
pub const MIN_LEN: usize = 6;

/// What JavaScript's `encodeURIComponent` leaves alone.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// What the WHATWG URL standard encodes in a URL's user info (`user:password@`).
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

/// What `application/x-www-form-urlencoded` leaves alone (a space becomes `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Registers a secret. Inside Actions, each of its lines and each of their derived forms is
/// masked with `::add-mask::` at once, so the runner hides it even if it reaches the log some
/// other way.
pub fn register(value: &str) {
    register_to(value, &mut super::mask_stream(), super::is_actions());
}

/// Registers `password` and the `Basic` credential built from it, base64 of `user:password`,
/// for code that sends (or lets reqwest send) basic authentication.
pub fn register_basic(user: &str, password: &str) {
    register(password);
    register(&basic_credential(user, password));
}

/// Registers the password in a URL's user info (`https://user:password@host`), decoded, and the
/// `Basic` credential that reqwest sends for it.
pub fn register_url_credentials(url: &reqwest::Url) {
    let Some(password) = url.password() else {
        return;
    };
    let decode = |v: &str| {
        percent_encoding::percent_decode_str(v)
            .decode_utf8_lossy()
            .into_owned()
    };
    register_basic(&decode(url.username()), &decode(password));
}

/// `base64(user:password)`, as `Authorization: Basic` carries it.
pub fn basic_credential(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Refuses a token that cannot travel in an HTTP header (a line break or another control
/// character inside), naming the input `what`: the request would fail later, with no URL.
pub fn check_one_line(what: &str, value: &str) -> Result<(), String> {
    if value.trim().chars().any(char::is_control) {
        return Err(format!(
            "{what} has a line break or another control character inside; a token is one line (check the secret for a pasted newline)"
        ));
    }
    Ok(())
}

/// Refuses a value too short to mask without hiding unrelated text; `what` names the input.
pub fn check_maskable(what: &str, value: &str) -> Result<(), String> {
    if value.trim().chars().count() < MIN_LEN {
        return Err(format!(
            "{what} is a credential of fewer than {MIN_LEN} characters: too short to mask in the log without hiding unrelated text; use a longer one"
        ));
    }
    Ok(())
}

/// `register`, writing any mask commands to `out`.
pub fn register_to(value: &str, out: &mut dyn Write, in_actions: bool) {
    let mut parts: Vec<&str> = vec![value.trim()];
    if value.contains('\n') {
        parts.extend(value.lines().map(str::trim));
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for form in parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(derived_forms)
    {
        if secrets.contains(&form) {
            continue;
        }
        if in_actions {
            // A failed write to the log cannot be reported anywhere better; the value is still
            // redacted from everything this process prints.
            let _ = writeln!(out, "::add-mask::{}", super::escape_data(&form));
            let _ = out.flush();
        }
        secrets.push(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The value itself, then the forms it takes in URLs, forms, JSON and XML, each once.
fn derived_forms(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(value);
    let mut forms = vec![
        value.to_string(),
        utf8_percent_encode(value, COMPONENT).to_string(),
        utf8_percent_encode(value, USERINFO).to_string(),
        utf8_percent_encode(value, FORM)
            .to_string()
            .replace("%20", "+"),
        json.to_string(),
        xml_escaped(value),
    ];
    let mut seen = std::collections::HashSet::new();
    forms.retain(|f| seen.insert(f.clone()));
    forms
}

/// The value as XML text or an attribute carries it.
fn xml_escaped(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Replaces every registered secret in `text` with `***`.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    let mut text = text.to_string();
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_is_written_before_value_is_redacted_anywhere() {
        let mut out = Vec::new();
        register_to("s3cr3t-token-value", &mut out, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::s3cr3t-token-value\n"
        );
        assert_eq!(
            redact("Authorization: Bearer s3cr3t-token-value"),
            "Authorization: Bearer ***"
        );
    }

    #[test]
    fn multiline_secret_masks_each_line() {
        let mut out = Vec::new();
        register_to("line-one-secret\nline-two-secret", &mut out, true);
        let printed = String::from_utf8(out).unwrap();
        assert!(printed.contains("::add-mask::line-one-secret%0Aline-two-secret\n"));
        assert!(printed.contains("::add-mask::line-one-secret\n"));
        assert!(printed.contains("::add-mask::line-two-secret\n"));
        assert_eq!(redact("x line-two-secret y"), "x *** y");
    }

    #[test]
    fn outside_actions_nothing_is_printed_but_values_are_redacted() {
        let mut out = Vec::new();
        register_to("local-only-secret", &mut out, false);
        assert!(out.is_empty());
        assert_eq!(redact("local-only-secret"), "***");
    }

    #[test]
    fn derived_forms_are_masked_and_redacted() {
        let mut out = Vec::new();
        register_to("p@ss word&<x>\"/é", &mut out, true);
        let printed = String::from_utf8(out).unwrap();
        for form in [
            "p%40ss%20word%26%3Cx%3E%22%2F%C3%A9",
            "p%40ss%20word&%3Cx%3E%22%2F%C3%A9",
            "p%40ss+word%26%3Cx%3E%22%2F%C3%A9",
            "p@ss word&<x>\\\"/é",
            "p@ss word&amp;&lt;x&gt;&quot;/é",
        ] {
            let command = format!("::add-mask::{}\n", crate::gha::escape_data(form));
            assert!(printed.contains(&command), "{form}\n{printed}");
            assert_eq!(redact(&format!("[{form}]")), "[***]", "{form}");
        }
    }

    #[test]
    fn a_basic_credential_is_redacted_as_base64() {
        assert_eq!(basic_credential("u", "pw"), "dTpwdw==");
        register_basic("ci-bot", "basic-pass-word");
        let header = format!("Basic {}", basic_credential("ci-bot", "basic-pass-word"));
        assert_eq!(redact(&header), "Basic ***");
    }

    #[test]
    fn tokens_are_one_line() {
        assert!(check_one_line("`github-token`", " ghp_abc \n").is_ok());
        let e = check_one_line("`github-token`", "ghp_abc\nghp_def").unwrap_err();
        assert!(e.starts_with("`github-token` has a line break") && !e.contains("ghp_"));
    }

    #[test]
    fn short_credentials_are_refused() {
        assert!(check_maskable("X-Api-Key", "12345").is_err());
        assert!(check_maskable("X-Api-Key", "123456").is_ok());
    }
}
