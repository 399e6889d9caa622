//! Which Python runs the stairway driver: the one that runs the project's Alembic, told from the
//! `alembic` command (`uv run alembic` → `uv run python`, `python -m alembic` → `python`, a
//! console script → the interpreter of its shebang). Pure, but for reading that one line.

use std::path::{Path, PathBuf};

/// A command as words (split on whitespace; no shell quoting).
pub fn words(command: &str) -> Vec<String> {
    command.split_whitespace().map(str::to_string).collect()
}

/// The Python command of the environment `alembic` runs in. `which` finds an executable.
pub fn of_alembic(
    alembic: &str,
    which: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<Vec<String>, String> {
    let mut parts = words(alembic);
    let Some(last) = parts.pop() else {
        return Err("`alembic` is empty: give the command that runs the project's Alembic".into());
    };
    let cannot = |why: String| {
        format!("cannot tell which Python runs `{alembic}` ({why}); set `python` to it")
    };
    if !is_alembic(&last) {
        return Err(cannot(format!(
            "it does not end in `alembic` but in `{last}`"
        )));
    }
    if parts.last().is_some_and(|w| w == "-m") {
        parts.pop();
        if parts.is_empty() {
            return Err(cannot("`-m alembic` without a Python before it".into()));
        }
        return Ok(parts);
    }
    if !parts.is_empty() {
        // A runner in front (`uv run`, `poetry run`, `pdm run`): it runs python the same way.
        parts.push("python".into());
        return Ok(parts);
    }
    let script = which(&last).ok_or_else(|| cannot(format!("`{last}` is not on PATH")))?;
    let head = read_head(&script).map_err(|e| cannot(format!("{}: {e}", script.display())))?;
    shebang_python(&head).ok_or_else(|| {
        cannot(format!(
            "{} names no Python in its first line",
            script.display()
        ))
    })
}

fn is_alembic(word: &str) -> bool {
    Path::new(word)
        .file_name()
        .is_some_and(|n| n == "alembic" || n == "alembic.exe")
}

/// The first bytes of a file: enough for a shebang, and for pip's `/bin/sh` trampoline.
fn read_head(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut head = vec![0; 4096];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    head.truncate(n);
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The interpreter a console script names: `#!/venv/bin/python`, `#!/usr/bin/env python3`, or
/// pip's trampoline for long paths (`#!/bin/sh` then `'''exec' "/venv/bin/python" "$0" "$@"`).
pub fn shebang_python(head: &str) -> Option<Vec<String>> {
    let first = head.lines().next()?.strip_prefix("#!")?.trim();
    let command = words(first);
    let names_python = |w: &String| {
        Path::new(w)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("python"))
    };
    if command.iter().any(names_python) {
        return Some(command);
    }
    let trampoline = head.lines().nth(1)?.strip_prefix("'''exec' \"")?;
    let python = trampoline.split('"').next()?;
    (!python.is_empty()).then(|| vec![python.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nowhere(_: &str) -> Option<PathBuf> {
        None
    }

    #[test]
    fn a_runner_or_a_module_runs_python_the_same_way() {
        assert_eq!(
            of_alembic("uv run alembic", &nowhere).unwrap(),
            ["uv", "run", "python"]
        );
        assert_eq!(
            of_alembic("python3.12 -m alembic", &nowhere).unwrap(),
            ["python3.12"]
        );
        assert!(
            of_alembic("-m alembic", &nowhere)
                .unwrap_err()
                .contains("set `python`")
        );
        assert!(
            of_alembic("make migrate", &nowhere)
                .unwrap_err()
                .contains("`migrate`")
        );
        assert!(
            of_alembic("alembic", &nowhere)
                .unwrap_err()
                .contains("not on PATH")
        );
    }

    #[test]
    fn a_console_script_names_its_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("alembic");
        std::fs::write(&script, "#!/venv/bin/python3\nimport sys\n").unwrap();
        let found = |_: &str| Some(script.clone());
        assert_eq!(
            of_alembic("alembic", &found).unwrap(),
            ["/venv/bin/python3"]
        );
        assert_eq!(
            shebang_python("#!/usr/bin/env python3\n").unwrap(),
            ["/usr/bin/env", "python3"]
        );
        assert_eq!(
            shebang_python("#!/bin/sh\n'''exec' \"/a long/path/python\" \"$0\" \"$@\"\n' '''\n")
                .unwrap(),
            ["/a long/path/python"]
        );
        assert_eq!(shebang_python("#!/bin/bash\necho\n"), None);
    }
}
