//! Secret values: masked in the runner's log before anything else is printed, and redacted from
//! every line, summary and report this process writes.

use std::io::Write;
use std::sync::Mutex;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// What a redacted value is replaced with; the runner uses the same.
pub const REDACTED: &str = "***";

/// Registers a secret. Inside Actions, each of its lines is masked with `::add-mask::` at once,
/// so the runner hides it even if it reaches the log some other way.
pub fn register(value: &str) {
    register_to(value, &mut super::mask_stream(), super::is_actions());
}

/// `register`, writing any mask commands to `out`.
pub fn register_to(value: &str, out: &mut dyn Write, in_actions: bool) {
    let mut parts: Vec<&str> = vec![value.trim()];
    if value.contains('\n') {
        parts.extend(value.lines().map(str::trim));
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if secrets.iter().any(|s| s == part) {
            continue;
        }
        if in_actions {
            // A failed write to the log cannot be reported anywhere better; the value is still
            // redacted from everything this process prints.
            let _ = writeln!(out, "::add-mask::{}", super::escape_data(part));
            let _ = out.flush();
        }
        secrets.push(part.to_string());
    }
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
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
}
