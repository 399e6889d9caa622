//! The step's log. The runner reads workflow commands from every line a step prints on stdout
//! and stderr: `::name::…` after leading white space, and the legacy `##[name]…` anywhere in a
//! line. Text from outside (check names, error messages, spec step names) must not become one,
//! so every line that is not our own command goes through `write_text`.

use std::io::Write;

/// True when the runner could read `line` as a workflow command.
pub fn could_be_command(line: &str) -> bool {
    line.trim_start().starts_with("::") || line.contains("##[")
}

/// `text` from outside (a YAML value, a pull request's title) for one line of a message: control
/// characters shown as `\u{1b}`, so that no ANSI escape recolours or hides the log and no line
/// break starts a line of its own.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes `text` as plain log lines. Where a line could be read as a command, the whole text is
/// fenced with `::stop-commands::TOKEN` … `::TOKEN::`, as the runner documents: between them it
/// runs no command. The token is random and not in the text, so the text cannot end the fence.
pub fn write_text(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    // The runner reads lines as .NET's ReadLine does: LF, CR and CRLF each end one.
    if !text.split(['\n', '\r']).any(could_be_command) {
        return writeln!(out, "{text}");
    }
    let token = loop {
        let token = random_token();
        if !text.contains(&token) {
            break token;
        }
    };
    writeln!(out, "::stop-commands::{token}")?;
    writeln!(out, "{text}")?;
    writeln!(out, "::{token}::")
}

/// Prints a message for the person reading the log on stderr, fenced as `write_text` does
/// inside Actions. A failed write is ignored: stderr is where failures are reported, so there is
/// nowhere better to say it, and it must not abort the step.
pub fn print_error(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = if super::is_actions() {
        write_text(&mut err, message)
    } else {
        writeln!(err, "{}", message.trim_end_matches('\n'))
    };
    let _ = err.flush();
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the token could be guessed and the fence closed early.
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> String {
        let mut out = Vec::new();
        write_text(&mut out, t).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn printable_shows_control_characters_as_escapes() {
        assert_eq!(printable("web @octocat"), "web @octocat");
        assert_eq!(
            printable("a\u{1b}[31mred\nb\r"),
            "a\\u{1b}[31mred\\u{a}b\\u{d}"
        );
    }

    #[test]
    fn plain_text_is_printed_as_is() {
        assert_eq!(text("lint  success"), "lint  success\n");
        assert_eq!(text("a: b::c\n"), "a: b::c\n");
    }

    #[test]
    fn text_that_could_be_a_command_is_fenced() {
        for forged in [
            "ok\n::add-mask::passed",
            "  ::error::forged",
            "\r::set-output name=result::passed",
            "ok\r::add-mask::passed",
            "x ##[set-output name=result;]passed",
        ] {
            let out = text(forged);
            let lines: Vec<&str> = out.lines().collect();
            let token = lines[0].strip_prefix("::stop-commands::").unwrap();
            assert_eq!(token.len(), 32);
            assert_eq!(lines.last().unwrap(), &format!("::{token}::"));
            assert!(out.contains(forged));
        }
    }
}
