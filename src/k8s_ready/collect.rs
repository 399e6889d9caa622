//! Collecting the input: `manifests` (files, directories, globs, `-` for stdin) and
//! `kustomize` (rendered by `kubectl kustomize`), each read whole and parsed into spanned YAML
//! documents. The I/O of the action lives here.

use super::objects::Source;
use crate::gate_on_green::checks::glob_match;
use crate::report::{Failure, Location};
use crate::yaml::Node;
use std::path::{Path, PathBuf};

/// The name findings give to what came on stdin.
pub const STDIN: &str = "-";

/// Every source named by `manifests` (one entry a line or comma) and `kustomize`, in order.
pub fn sources(
    manifests: &[String],
    kustomize: Option<&str>,
    stdin: &mut dyn std::io::Read,
) -> Result<Vec<Source>, Failure> {
    let mut sources = Vec::new();
    for entry in manifests {
        if entry == STDIN {
            let mut text = String::new();
            stdin.read_to_string(&mut text).map_err(|e| {
                Failure::invalid(format!("cannot read the manifests on stdin: {e}"))
            })?;
            sources.push(Source {
                display: STDIN.into(),
                text,
            });
            continue;
        }
        let files = expand(entry)?;
        for file in files {
            sources.push(read(&file)?);
        }
    }
    if let Some(dir) = kustomize {
        sources.push(render_kustomization(dir)?);
    }
    Ok(sources)
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// The files an entry names: itself, the YAML files below a directory (sorted), or what a glob
/// (`*`, `?`, `**` for any depth) matches. Naming nothing is invalid input.
fn expand(entry: &str) -> Result<Vec<PathBuf>, Failure> {
    let path = Path::new(entry);
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    if path.is_dir() {
        walk(path, &mut |p| {
            if is_yaml(p) {
                files.push(p.to_path_buf());
            }
        })?;
    } else if entry.contains(['*', '?']) {
        // Walk from the longest prefix without a wildcard.
        let pattern = glob_parts(entry);
        let fixed = pattern
            .iter()
            .take_while(|c| !c.contains(['*', '?']))
            .count();
        let root = match pattern[..fixed].join("/") {
            r if r.is_empty() => ".".to_string(),
            r => r,
        };
        walk(Path::new(&root), &mut |p| {
            let relative = p.strip_prefix(&root).unwrap_or(p);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches_components(&pattern[fixed..], &parts) {
                files.push(p.to_path_buf());
            }
        })?;
    } else {
        return Err(Failure::invalid(format!(
            "`manifests`: {entry} is no file, directory or glob that exists"
        )));
    }
    files.sort();
    if files.is_empty() {
        return Err(Failure::invalid(format!(
            "`manifests`: {entry} names no YAML file"
        )));
    }
    Ok(files)
}

/// A glob's components. `**/**` is `**`: a run of them is collapsed, so that it does not
/// multiply the ways a path can match.
fn glob_parts(glob: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = glob.split('/').collect();
    parts.dedup_by(|a, b| *a == "**" && *b == "**");
    parts
}

/// Does a path (its components) match a glob's components, `**` standing for any number?
fn matches_components(pattern: &[&str], parts: &[String]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => {
            (0..=parts.len()).any(|skip| matches_components(rest, &parts[skip..]))
        }
        Some((first, rest)) => parts.split_first().is_some_and(|(part, others)| {
            glob_match(first, part) && matches_components(rest, others)
        }),
    }
}

/// Every file below `dir`, depth first in name order; hidden directories are not entered, nor
/// are links to directories (a link to its parent would walk forever). A directory that cannot
/// be read is invalid input: checking the rest would pass on part of the manifests.
fn walk(dir: &Path, found: &mut dyn FnMut(&Path)) -> Result<(), Failure> {
    let unreadable = |e: std::io::Error| {
        Failure::invalid(format!(
            "`manifests`: cannot read the directory {}: {e}",
            crate::gha::printable(&slashed(dir))
        ))
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        paths.push(entry.map_err(unreadable)?.path());
    }
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let real_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if real_dir {
            if !hidden {
                walk(&path, found)?;
            }
        } else if path.is_file() {
            found(&path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Source, Failure> {
    let display = slashed(path.strip_prefix("./").unwrap_or(path));
    let bytes =
        std::fs::read(path).map_err(|e| Failure::invalid(format!("cannot read {display}: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::invalid(format!("{display} is not UTF-8 text")))?;
    Ok(Source { display, text })
}

/// `kubectl kustomize <dir>`'s output. Without kubectl, or when it fails, the input is invalid:
/// the check cannot run on what it was asked to check.
fn render_kustomization(dir: &str) -> Result<Source, Failure> {
    let output = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Failure::invalid(if e.kind() == std::io::ErrorKind::NotFound {
                format!("`kustomize`: rendering {dir} needs kubectl on PATH, and there is none; install kubectl, or render the manifests yourself and pass them on stdin (`manifests: -`)")
            } else {
                format!("`kustomize`: cannot run kubectl: {e}")
            })
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .collect();
        return Err(Failure::invalid(format!(
            "`kustomize`: kubectl kustomize {dir} failed ({}): {}",
            output.status,
            crate::gha::printable(&why.join(" / "))
        )));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        Failure::invalid(format!(
            "`kustomize`: kubectl kustomize {dir} printed no UTF-8 text"
        ))
    })?;
    Ok(Source {
        display: format!("{}/kustomization.yaml", dir.trim_end_matches('/')),
        text,
    })
}

/// Every source's documents; one that is not YAML is invalid input at its file and line.
pub fn parse(sources: &[Source]) -> Result<Vec<Vec<Node>>, Failure> {
    sources
        .iter()
        .map(|source| {
            crate::yaml::documents(&source.text).map_err(|e| {
                let at = e.location();
                Failure::invalid_at(
                    format!("{} is not YAML: {e}", source.display),
                    Location {
                        line: at.map(|l| l.line() as u32),
                        column: at.map(|l| l.column() as u32),
                        ..Location::file(source.display.clone())
                    },
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(path: &str) -> Vec<String> {
        path.split('/').map(str::to_string).collect()
    }

    #[test]
    fn globs_match_by_component_and_double_star_by_depth() {
        let m = |p: &str, path: &str| {
            matches_components(&p.split('/').collect::<Vec<_>>(), &parts(path))
        };
        assert!(m("*.yaml", "a.yaml"));
        assert!(!m("*.yaml", "d/a.yaml"));
        assert!(m("**/*.yaml", "a.yaml"));
        assert!(m("**/*.yaml", "d/e/a.yaml"));
        assert!(m("d/**/k?.yml", "d/x/k8.yml"));
        assert!(!m("d/**/k?.yml", "d/x/k88.yml"));
    }

    /// Twenty `**` in a row over a path forty deep: collapsed, it is one and answers at once.
    #[test]
    fn a_run_of_double_stars_is_one() {
        let glob = format!("{}*.yaml", "**/".repeat(20));
        let pattern = glob_parts(&glob);
        assert_eq!(pattern, ["**", "*.yaml"]);
        let deep = vec!["d".to_string(); 40];
        assert!(!matches_components(&pattern, &deep));
    }
}
