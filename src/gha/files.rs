//! The files the runner reads after the step: `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// Appends `name<<DELIM` heredocs to the output file, as @actions/core's `setOutput` does. The
/// delimiter is random per call; a name or value that contains it is refused, so no value can
/// end its heredoc early and inject another output.
pub fn write_outputs(path: &Path, outputs: &[(String, String)]) -> std::io::Result<()> {
    let delimiter = random_delimiter();
    let mut text = String::new();
    for (name, value) in outputs {
        if name.contains(&delimiter) || value.contains(&delimiter) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("output {name} contains the heredoc delimiter; refusing to write it"),
            ));
        }
        if name.is_empty() || name.contains(['\n', '\r']) || name.contains("<<") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("output name {name:?} is not a valid name"),
            ));
        }
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    append(path, &text)
}

/// Reads an output file back as the runner does: `name<<DELIM`, the value's lines, `DELIM`.
/// Anything else (a line outside a heredoc, an unterminated heredoc) is an error.
pub fn read_outputs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut outputs = Vec::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let (name, delimiter) = head
            .split_once("<<")
            .ok_or_else(|| format!("not a heredoc header: {head:?}"))?;
        let mut value = Vec::new();
        loop {
            match lines.next() {
                Some(line) if line == delimiter => break,
                Some(line) => value.push(line),
                None => return Err(format!("output {name} has no closing {delimiter}")),
            }
        }
        outputs.push((name.to_string(), value.join("\n")));
    }
    Ok(outputs)
}

/// Appends markdown to the job summary.
pub fn append_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    append(path, markdown)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

fn random_delimiter() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the delimiter would be guessable; a fixed fallback would defeat the point.
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ghadelimiter_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        read_outputs(text).unwrap()
    }

    #[test]
    fn reading_refuses_what_the_runner_would_not_read() {
        assert!(read_outputs("a=b\n").is_err());
        assert!(read_outputs("a<<EOF\nvalue\n").is_err());
    }

    #[test]
    fn multiline_values_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let outputs = vec![
            ("tags".to_string(), "a:1\nb:2".to_string()),
            ("result".to_string(), "passed".to_string()),
        ];
        write_outputs(&path, &outputs).unwrap();
        assert_eq!(parse(&std::fs::read_to_string(&path).unwrap()), outputs);
    }

    #[test]
    fn a_fake_delimiter_cannot_inject_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let evil = "x\nEOF\nresult<<EOF\npassed\nEOF".to_string();
        write_outputs(&path, &[("note".into(), evil.clone())]).unwrap();
        let parsed = parse(&std::fs::read_to_string(&path).unwrap());
        assert_eq!(parsed, vec![("note".to_string(), evil)]);
    }

    #[test]
    fn delimiters_are_random() {
        assert_ne!(random_delimiter(), random_delimiter());
        assert!(random_delimiter().starts_with("ghadelimiter_"));
    }
}
