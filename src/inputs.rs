//! The inputs layer: how every action reads what it is given. An action input left at "" in
//! action.yml arrives as `INPUT_X=""`, so blank means "not set" everywhere; booleans have one
//! vocabulary; and the runner's own variables are read here, not in each action.

use crate::report::Failure;

/// An input that is set and not blank, trimmed.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A non-empty input, trimmed.
pub fn required(value: Option<String>, name: &str) -> Result<String, Failure> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::invalid(format!("`{name}` is required")))
}

/// A boolean in any spelling an action has ever accepted: true/false, on/off, yes/no, 1/0, in
/// any case. Blank is `None`: the caller's default.
pub fn boolean(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "on" | "yes" | "1" => Ok(Some(true)),
        "false" | "off" | "no" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "{:?} is not true or false (nor on/off, yes/no, 1/0)",
            text.trim()
        )),
    }
}

/// Only `true` or `false` (any case), as docker/metadata-action reads its boolean settings: for
/// inputs of a drop-in that must refuse what the original refuses. Blank is `None`.
pub fn true_or_false(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(format!("{:?} is not true or false", text.trim())),
    }
}

/// A clap value parser for a switch that is off unless turned on.
pub fn off_unless_set(text: &str) -> Result<bool, String> {
    boolean(text).map(|b| b.unwrap_or(false))
}

/// A clap value parser for a switch that is on unless turned off.
pub fn on_unless_set(text: &str) -> Result<bool, String> {
    boolean(text).map(|b| b.unwrap_or(true))
}

/// A boolean input kept as text by its `Args`: `default` when unset or blank.
pub fn flag(value: &Option<String>, name: &str, default: bool) -> Result<bool, Failure> {
    boolean(value.as_deref().unwrap_or_default())
        .map(|b| b.unwrap_or(default))
        .map_err(|e| Failure::invalid(format!("{name}: {e}")))
}

/// The run's URL, for records that point back at it, when running in Actions.
pub fn run_url() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

/// `sha256:0123456789ab` for headlines.
pub fn short(digest: &str) -> &str {
    // A digest is ASCII; anything else is cut at a character boundary, never inside one.
    let end = (0..=digest.len().min(19))
        .rev()
        .find(|&i| digest.is_char_boundary(i))
        .unwrap_or(0);
    &digest[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_boolean_spelling_any_action_accepted() {
        for t in ["true", "TRUE", " on ", "yes", "1", "True"] {
            assert_eq!(boolean(t), Ok(Some(true)), "{t}");
        }
        for f in ["false", "FALSE", "off", "no", "0"] {
            assert_eq!(boolean(f), Ok(Some(false)), "{f}");
        }
        assert_eq!(boolean("  "), Ok(None));
        assert!(boolean("maybe").unwrap_err().contains("not true or false"));
        assert_eq!(on_unless_set(""), Ok(true));
        assert_eq!(off_unless_set(""), Ok(false));
        assert_eq!(true_or_false("TRUE"), Ok(Some(true)));
        assert_eq!(true_or_false(""), Ok(None));
        assert!(true_or_false("yes").is_err());
    }

    #[test]
    fn blank_means_unset() {
        assert_eq!(given(&Some("  ".into())), None);
        assert_eq!(given(&Some(" x ".into())), Some("x"));
        assert!(required(Some(" ".into()), "image").is_err());
    }

    #[test]
    fn short_never_cuts_inside_a_character() {
        assert_eq!(short("sha256:0123456789abcdef"), "sha256:0123456789ab");
        assert_eq!(short("ééééééééééé"), "ééééééééé");
    }
}
