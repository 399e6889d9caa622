//! The edge: reads the schema, the env files, the step's environment, `.env.example`, a compose
//! file and, with a token, a GitHub environment's secret and variable names. Every value read is
//! registered as a secret here, before the report (or anything else) can print it.

use super::sources::{Collected, EnvFile, Found, GitHubNames, NameList, Origin};
use super::{Args, compose, dotenv, schema};
use crate::gha::secrets;
use crate::github::{Client, Repo};
use crate::inputs::given;
use crate::report::{Failure, Location};
use std::collections::BTreeSet;

/// Everything the rules need; `env` reads the step's environment (a closure, for tests).
pub fn collect(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> Result<Collected, Failure> {
    let schema = match given(&args.schema) {
        Some(path) => Some(schema::parse(&read(path, "schema")?, path)?),
        None => None,
    };
    let environment = given(&args.environment).map(str::to_string);
    if let (Some(s), Some(e)) = (&schema, &environment) {
        s.check_environment(e)?;
    }
    let required = crate::inputs::list(args.required.as_deref().unwrap_or_default());
    // Every bad name, so that none of them is hidden behind the first.
    let bad: Vec<String> = required
        .iter()
        .filter(|n| !schema::is_name(n))
        .map(|n| format!("{n:?}"))
        .collect();
    if !bad.is_empty() {
        return Err(Failure::invalid(format!(
            "required: {} {} not a variable name",
            bad.join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        )));
    }
    let example = match given(&args.env_example) {
        Some(path) => Some(example_names(path)?),
        None => None,
    };
    let compose = match given(&args.compose_file) {
        Some(path) => Some(compose::names(&read(path, "compose file")?, path)?),
        None => None,
    };
    if schema.is_none() && required.is_empty() && example.is_none() {
        return Err(Failure::invalid(
            "nothing to check: give a schema, required variable names or an env-example",
        ));
    }
    let is_secret = |name: &str| {
        schema
            .as_ref()
            .and_then(|s| s.get(name))
            .is_some_and(|v| v.secret)
    };
    let mut c = Collected {
        schema: schema.clone(),
        environment,
        required,
        required_at: args.required_at.clone(),
        found: Default::default(),
        env_files: Vec::new(),
        github: None,
        example,
        compose,
    };
    for path in crate::inputs::list(args.env_files.as_deref().unwrap_or_default()) {
        let text = read(&path, "env file")?;
        let parsed = dotenv::parse(&text);
        // The raw values too: an expanded value is not the text a file holds.
        for b in &parsed.bindings {
            mask(b.value.as_deref(), is_secret(&b.key));
        }
        let mut file = EnvFile {
            file: path.clone(),
            names: Vec::new(),
            invalid_lines: parsed.invalid_lines,
        };
        for b in dotenv::expand(&parsed.bindings, env) {
            mask(b.value.as_deref(), is_secret(&b.key));
            file.names.retain(|(n, _)| n != &b.key);
            file.names.push((b.key.clone(), b.line));
            let found = Found {
                value: b.value,
                origin: Origin::File {
                    file: path.clone(),
                    line: b.line,
                },
            };
            // A later binding of the same key in the same file replaces the earlier one.
            let list = c.found.entry(b.key).or_default();
            list.retain(|f| !matches!(&f.origin, Origin::File { file, .. } if file == &path));
            list.push(found);
        }
        file.names.sort_by_key(|(_, line)| *line);
        c.env_files.push(file);
    }
    if crate::inputs::flag(&args.step_env, "step-env", true)? {
        for name in names_to_look_up(&c) {
            if let Some(value) = env(&name) {
                mask(Some(&value), is_secret(&name));
                c.found.entry(name).or_default().push(Found {
                    value: Some(value),
                    origin: Origin::Step,
                });
            }
        }
    }
    if let Some(token) = given(&args.github_token) {
        let names = github_names(args, &c, token, env)?;
        for (name, secret) in names
            .secrets
            .iter()
            .map(|n| (n, true))
            .chain(names.variables.iter().map(|n| (n, false)))
        {
            c.found.entry(name.clone()).or_default().push(Found {
                value: None,
                origin: Origin::GitHub {
                    environment: names.environment.clone(),
                    secret,
                },
            });
        }
        c.github = Some(names);
    }
    Ok(c)
}

/// Masks a value: any secret's, and any other of at least `MIN_LEN` characters (shorter ones
/// would hide unrelated text all over the log; no value is ever printed anyway).
fn mask(value: Option<&str>, secret: bool) {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return;
    };
    if secret || value.trim().chars().count() >= secrets::MIN_LEN {
        secrets::register(value);
    }
}

/// The names whose values the step's environment may give: every name any list mentions.
fn names_to_look_up(c: &Collected) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = c.required.iter().cloned().collect();
    if let Some(s) = &c.schema {
        names.extend(s.variables.iter().map(|v| v.name.clone()));
    }
    for list in [&c.example, &c.compose].into_iter().flatten() {
        names.extend(list.names.iter().map(|(n, _)| n.clone()));
    }
    names
}

fn read(path: &str, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::invalid_at(
            format!("cannot read the {what} {path}: {e}"),
            Location::file(path),
        )
    })
}

/// The names of an `.env.example` (its values are examples: not masked, not checked).
pub fn example_names(path: &str) -> Result<NameList, Failure> {
    let parsed = dotenv::parse(&read(path, "env-example")?);
    let mut names: Vec<(String, u32)> = Vec::new();
    for b in parsed.bindings {
        if !names.iter().any(|(n, _)| n == &b.key) {
            names.push((b.key, b.line));
        }
    }
    Ok(NameList {
        file: path.to_string(),
        names,
    })
}

/// The secret and variable names of the GitHub environment, every page. Any failure is exit 3:
/// a check that could not see the environment must not pass as if it had.
fn github_names(
    args: &Args,
    c: &Collected,
    token: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<GitHubNames, Failure> {
    let environment = given(&args.github_environment)
        .map(str::to_string)
        .or_else(|| c.environment.clone())
        .ok_or_else(|| {
            Failure::invalid(
                "github-token is set but no environment is named: set github-environment or environment",
            )
        })?;
    let repository = given(&args.repository)
        .map(str::to_string)
        .or_else(|| env("GITHUB_REPOSITORY").filter(|r| !r.trim().is_empty()))
        .ok_or_else(|| {
            Failure::invalid("repository is not set (input repository or $GITHUB_REPOSITORY)")
        })?;
    let repo: Repo = repository.parse().map_err(Failure::invalid)?;
    let policy = crate::http::Policy::default();
    let http = crate::http::client(&policy)
        .map_err(|e| Failure::undecided(format!("cannot build the HTTP client: {e}")))?;
    let base = env("GITHUB_API_URL")
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| crate::github::DEFAULT_API_URL.to_string());
    let client =
        Client::new(http, &base, Some(token.to_string()), policy).map_err(Failure::invalid)?;
    let (secrets, variables) = crate::runtime::block_on(async {
        let secrets = client
            .environment_secret_names(&repo, &environment, None)
            .await?;
        let variables = client
            .environment_variable_names(&repo, &environment, None)
            .await?;
        Ok::<_, crate::github::ApiError>((secrets, variables))
    })
    .map_err(|e| {
        let hint = match e.status() {
            Some(403) => "; the token needs read access to the environment's secrets and variables (a fine-grained token with Secrets and Variables: read; the job's GITHUB_TOKEN cannot list them)",
            Some(404) => "; is the environment name right, and may the token see the repository?",
            _ => "",
        };
        Failure::undecided(format!(
            "cannot list the names of GitHub environment {environment}: {e}{hint}"
        ))
    })?;
    Ok(GitHubNames {
        environment,
        secrets,
        variables,
    })
}
