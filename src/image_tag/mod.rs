//! `ready image-tag`: image tags, OCI labels and annotations and build arguments for a build, a
//! drop-in for docker/metadata-action (same `images`, `tags`, `flavor`, `labels` inputs and
//! outputs) without its traps. Plus moving aliases (`prod`, `staging`), an immutable sha tag, and
//! `BUILD_*` build arguments for a `/version` endpoint.
//!
//! This file does the I/O (environment, event payload, git, the optional API call, bake files);
//! the decisions are pure and live beside it.

mod context;
pub mod datefmt;
pub mod input;
mod meta;
pub mod oci;
pub mod pep440;
pub mod spec;
pub mod template;

use crate::report::{Block, Failure, Finding, Report, Table, Verdict};
use context::{Context, Repo};
use jiff::Timestamp;
use meta::{Meta, Settings};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

pub use oci::{is_valid_tag, sanitize_tag};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Image names to tag, one a line (`ghcr.io/owner/app`, or `name=…,enable=false`).
    #[arg(long, env = "INPUT_IMAGES", default_value = "")]
    pub images: String,
    /// Tag entries, one a line, as docker/metadata-action (`type=semver,pattern={{version}}`).
    /// Empty: schedule, branch, tag and pull request tags.
    #[arg(long, env = "INPUT_TAGS", default_value = "")]
    pub tags: String,
    /// `latest=auto|true|false`, `prefix=…,onlatest=true`, `suffix=…,onlatest=true`.
    #[arg(long, env = "INPUT_FLAVOR", default_value = "")]
    pub flavor: String,
    /// Extra labels, `key=value` a line; they override the generated OCI labels.
    #[arg(long, env = "INPUT_LABELS", default_value = "")]
    pub labels: String,
    /// Extra annotations, `key=value` a line.
    #[arg(long, env = "INPUT_ANNOTATIONS", default_value = "")]
    pub annotations: String,
    /// Moving tags put on every image in addition to the tags (`prod`, `staging`).
    #[arg(long, env = "INPUT_ALIASES", default_value = "")]
    pub aliases: String,
    /// Length of the short commit sha (default 7, or DOCKER_METADATA_SHORT_SHA_LENGTH).
    #[arg(long, env = "INPUT_SHA_LENGTH", default_value = "")]
    pub sha_length: String,
    /// Tag the pull request's head commit instead of the merge commit GitHub builds (default
    /// false, or DOCKER_METADATA_PR_HEAD_SHA).
    #[arg(long, env = "INPUT_PR_HEAD_SHA", default_value = "")]
    pub pr_head_sha: String,
    /// Separator of the `tags` and `tag-names` outputs (default newline).
    #[arg(long, env = "INPUT_SEP_TAGS", default_value = "")]
    pub sep_tags: String,
    /// Separator of the `labels` output (default newline).
    #[arg(long, env = "INPUT_SEP_LABELS", default_value = "")]
    pub sep_labels: String,
    /// Separator of the `annotations` output (default newline).
    #[arg(long, env = "INPUT_SEP_ANNOTATIONS", default_value = "")]
    pub sep_annotations: String,
    /// Annotation levels, comma-separated (default `manifest`, or
    /// DOCKER_METADATA_ANNOTATIONS_LEVELS).
    #[arg(long, env = "INPUT_ANNOTATION_LEVELS", default_value = "")]
    pub annotation_levels: String,
    /// Where the ref and commit come from: `workflow` (GITHUB_* and the event payload) or `git`
    /// (the local checkout).
    #[arg(long, env = "INPUT_CONTEXT", default_value = "")]
    pub context: String,
    /// Target name in the bake files (default `docker-metadata-action`).
    #[arg(long, env = "INPUT_BAKE_TARGET", default_value = "")]
    pub bake_target: String,
    /// Token for the GitHub API, only to fill repository metadata or the commit date the event
    /// payload lacks; without it no API call is made. A failing call is a warning.
    #[arg(
        long,
        env = "INPUT_GITHUB_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub github_token: String,
}

pub const NAME: &str = "image-tag";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: None,
    needs: crate::actions::Needs::NOTHING,
};

pub fn run(args: Args) -> Result<Report, Failure> {
    let github_token = args.github_token.trim();
    if !github_token.is_empty() {
        crate::gha::secrets::register(github_token);
        crate::gha::secrets::check_one_line("`github-token`", github_token)
            .map_err(Failure::invalid)?;
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let or_env = |value: &str, name: &str| {
        if value.trim().is_empty() {
            env(name).unwrap_or_default()
        } else {
            value.trim().to_string()
        }
    };

    let sha_length = match or_env(&args.sha_length, "DOCKER_METADATA_SHORT_SHA_LENGTH").as_str() {
        "" => 7,
        n => n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            Failure::invalid(format!("sha-length must be a positive number, got `{n}`"))
        })?,
    };
    // Only true or false, as metadata-action itself reads it.
    let pr_head_sha =
        crate::inputs::true_or_false(&or_env(&args.pr_head_sha, "DOCKER_METADATA_PR_HEAD_SHA"))
            .map(|b| b.unwrap_or(false))
            .map_err(|e| Failure::invalid(format!("pr-head-sha: {e}")))?;
    let levels: Vec<String> = match or_env(
        &args.annotation_levels,
        "DOCKER_METADATA_ANNOTATIONS_LEVELS",
    ) {
        l if l.is_empty() => vec!["manifest".to_string()],
        l => l
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let sep = |s: &str| {
        if s.is_empty() {
            "\n".to_string()
        } else {
            s.to_string()
        }
    };
    let bake_target = match args.bake_target.trim() {
        "" => "docker-metadata-action".to_string(),
        t => t.to_string(),
    };

    let settings = parse_settings(&args, sha_length)?;
    let mut findings = Vec::new();
    let ctx = read_context(&args, pr_head_sha, &mut findings)?;
    let meta = meta::compute(&ctx, &settings).map_err(Failure::invalid)?;

    let mut report = build_report(&ctx, &meta, &settings);
    report.findings.extend(findings);
    report.findings.extend(meta.findings.iter().cloned());

    let annotations: Vec<String> = levels
        .iter()
        .flat_map(|level| {
            meta.annotations
                .iter()
                .map(move |(k, v)| format!("{level}:{k}={v}"))
        })
        .collect();
    let labels: Vec<String> = meta
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let label_map: serde_json::Map<String, Value> = meta
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let json_out = json!({
        "tags": meta.tags,
        "tag-names": meta.tag_names,
        "labels": label_map,
        "annotations": annotations,
    });
    let bake = write_bake_files(&bake_target, &settings, &meta, &label_map, &annotations)
        .map_err(|e| Failure::undecided(format!("could not write the bake files: {e}")))?;

    let sep_tags = sep(&args.sep_tags);
    report.output("version", meta.version.clone());
    report.output("tags", meta.tags.join(&sep_tags));
    report.output("tag-names", meta.tag_names.join(&sep_tags));
    report.output("labels", labels.join(&sep(&args.sep_labels)));
    report.output("annotations", annotations.join(&sep(&args.sep_annotations)));
    report.output("json", json_out.to_string());
    report.output("bake-file-tags", bake.tags);
    report.output("bake-file-labels", bake.labels);
    report.output("bake-file-annotations", bake.annotations);
    report.output("bake-file", bake.all);
    report.output("immutable-tag", meta.immutable_tag.clone());
    report.output("build-args", build_args(&ctx, &meta));
    export_env(&report)?;
    Ok(report)
}

/// As docker/metadata-action does by default, also exports every output as
/// `DOCKER_METADATA_OUTPUT_<NAME>` through `$GITHUB_ENV` (so build-push-action's
/// `build-args: DOCKER_METADATA_OUTPUT_JSON` keeps working); `DOCKER_METADATA_SET_OUTPUT_ENV=false`
/// turns it off.
fn export_env(report: &Report) -> Result<(), Failure> {
    let Some(path) = env("GITHUB_ENV") else {
        return Ok(());
    };
    if env("DOCKER_METADATA_SET_OUTPUT_ENV").is_some_and(|v| v.eq_ignore_ascii_case("false")) {
        return Ok(());
    }
    let vars: Vec<(String, String)> = report
        .outputs
        .iter()
        .map(|(name, value)| {
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            (format!("DOCKER_METADATA_OUTPUT_{name}"), value.clone())
        })
        .collect();
    crate::gha::write_outputs(Path::new(&path), &vars)
        .map_err(|e| Failure::undecided(format!("could not write GITHUB_ENV {path}: {e}")))
}

fn parse_settings(args: &Args, sha_length: usize) -> Result<Settings, Failure> {
    fn invalid(input: &'static str) -> impl Fn(String) -> Failure {
        move |e| Failure::invalid(format!("{input}: {e}"))
    }
    let tag_lines = input::list(&args.tags);
    let mut tags = spec::parse_tags(&tag_lines).map_err(invalid("tags"))?;
    // Every run yields an immutable tag: without a `type=sha` entry one is added (opt out with
    // `type=sha,enable=false`).
    if !tags.iter().any(|t| t.kind == spec::Type::Sha) {
        tags.push(spec::parse_tag("type=sha").map_err(invalid("tags"))?);
    }
    let aliases = input::list(&args.aliases)
        .iter()
        .flat_map(|line| {
            line.split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Settings {
        images: spec::parse_images(&input::list(&args.images)).map_err(invalid("images"))?,
        tags,
        flavor: spec::parse_flavor(&input::list(&args.flavor)).map_err(invalid("flavor"))?,
        labels: input::list(&args.labels),
        annotations: input::list(&args.annotations),
        aliases,
        sha_length,
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn read_context(
    args: &Args,
    pr_head_sha: bool,
    findings: &mut Vec<Finding>,
) -> Result<Context, Failure> {
    let github_token = args.github_token.trim();
    let lookup = |name: &str| std::env::var(name).ok();
    let runner = crate::inputs::Runner::read(&lookup)?;
    findings.extend(runner.warnings.iter().cloned());
    let payload = runner.event.clone();
    let event_name = env("GITHUB_EVENT_NAME").unwrap_or_default();
    let workdir = env("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let (git_ref, mut sha) = match args.context.trim() {
        "" | "workflow" => (
            Context::workflow_ref(
                &event_name,
                &env("GITHUB_REF").unwrap_or_default(),
                &payload,
            ),
            env("GITHUB_SHA").unwrap_or_default(),
        ),
        "git" => {
            let sha = git(&workdir, &["rev-parse", "HEAD"]).ok_or_else(|| {
                Failure::invalid(format!(
                    "context git: {} is not a git checkout with a commit",
                    workdir.display()
                ))
            })?;
            let git_ref = git(&workdir, &["symbolic-ref", "-q", "HEAD"])
                .or_else(|| {
                    git(
                        &workdir,
                        &["tag", "--points-at", "HEAD", "--sort=-creatordate"],
                    )
                    .and_then(|tags| tags.lines().next().map(|t| format!("refs/tags/{t}")))
                })
                .or_else(|| env("GITHUB_REF"))
                .unwrap_or_default();
            (git_ref, sha)
        }
        other => {
            return Err(Failure::invalid(format!(
                "context must be workflow or git, got `{other}`"
            )));
        }
    };
    if pr_head_sha && let Some(head) = Context::pr_head_sha(&event_name, &payload) {
        sha = head;
    }

    let source_date_epoch = match env("SOURCE_DATE_EPOCH") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| Timestamp::from_second(s).ok())
                .ok_or_else(|| {
                    Failure::invalid(format!(
                        "SOURCE_DATE_EPOCH must be seconds since 1970, got `{v}`"
                    ))
                })?,
        ),
    };

    let mut commit_date = Context::payload_commit_date(&payload, &sha);
    if commit_date.is_none() && !sha.is_empty() {
        commit_date = git(&workdir, &["show", "-s", "--format=%ct", &sha])
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|s| Timestamp::from_second(s).ok());
    }

    let mut repo = Repo::from_payload(&payload);
    let repository = env("GITHUB_REPOSITORY").unwrap_or_default();
    let needs_api = (repo.name.is_empty()
        || repo.html_url.is_empty()
        || repo.default_branch.is_none()
        || (commit_date.is_none() && source_date_epoch.is_none()))
        && !github_token.is_empty()
        && repository.contains('/');
    let mut api_failed = false;
    if needs_api {
        match fetch_from_api(github_token, &repository, &sha, commit_date.is_none()) {
            Ok((api_repo, api_date)) => {
                repo.fill_from(api_repo);
                commit_date = commit_date.or(api_date);
            }
            Err(e) => {
                api_failed = true;
                findings.push(Finding::warning(
                "github-api-failed",
                "GitHub API unavailable",
                format!("Could not read repository metadata from the GitHub API ({e}); the labels use what the event payload has."),
            ));
            }
        }
    }
    if let Some((_, name)) = repository.split_once('/') {
        let server = env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        repo.fill_from(Repo {
            name: name.to_string(),
            html_url: format!("{}/{repository}", server.trim_end_matches('/')),
            ..Repo::default()
        });
    }

    // Scheduled runs (and create, discussion, issues) always run on the default branch, whose
    // name their payload does not carry.
    if repo.default_branch.is_none()
        && ["create", "discussion", "issues", "schedule"]
            .iter()
            .any(|e| event_name.contains(e))
        && let Some(branch) = git_ref.strip_prefix("refs/heads/")
    {
        repo.default_branch = Some(branch.to_string());
    }
    let created = source_date_epoch.or(commit_date);
    if created.is_none() {
        let api = if github_token.is_empty() {
            "no github-token"
        } else if api_failed {
            "the GitHub API call failed"
        } else {
            "no commit date from the GitHub API"
        };
        findings.push(Finding::warning(
            "created-unknown",
            "Creation date unknown",
            format!("Neither SOURCE_DATE_EPOCH nor the commit date is known (no push payload, no git checkout of the commit, {api}), so the `org.opencontainers.image.created` label is left out rather than set to the wall clock."),
        ));
    }
    Ok(Context {
        event_name,
        git_ref,
        sha,
        actor: env("GITHUB_ACTOR").unwrap_or_default(),
        payload,
        commit_date,
        now: source_date_epoch.unwrap_or_else(Timestamp::now),
        created,
        repo,
    })
}

/// A git command's trimmed stdout, or None when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Repository metadata (and the commit date when asked) from the GitHub API.
fn fetch_from_api(
    token: &str,
    repository: &str,
    sha: &str,
    want_date: bool,
) -> Result<(Repo, Option<Timestamp>), String> {
    let base = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
    let base = base.trim_end_matches('/').to_string();
    let policy = crate::http::Policy {
        attempts: 2,
        timeout: std::time::Duration::from_secs(15),
        ..crate::http::Policy::default()
    };
    crate::runtime::block_on(async {
        let client = crate::http::client(&policy).map_err(|e| e.to_string())?;
        let get = |url: String| {
            let client = client.clone();
            let policy = policy.clone();
            async move {
                let response = crate::http::send(&policy, None, || {
                    client
                        .get(&url)
                        .bearer_auth(token)
                        .header("accept", "application/vnd.github+json")
                        .header("x-github-api-version", "2022-11-28")
                })
                .await
                .map_err(|e| e.to_string())?;
                let status = response.status();
                if !status.is_success() {
                    return Err(format!("{url}: HTTP {}", status.as_u16()));
                }
                let body = crate::http::read_capped(response, crate::github::MAX_BODY)
                    .await
                    .map_err(|e| format!("{url}: {e}"))?;
                serde_json::from_slice::<Value>(&body).map_err(|e| format!("{url}: {e}"))
            }
        };
        let repo_json = get(format!("{base}/repos/{repository}")).await?;
        let repo = Repo::from_payload(&json!({ "repository": repo_json }));
        let mut date = None;
        if want_date && !sha.is_empty() {
            let commit = get(format!("{base}/repos/{repository}/commits/{sha}")).await?;
            date = commit["commit"]["committer"]["date"]
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok());
        }
        Ok((repo, date))
    })
}

struct BakeFiles {
    tags: String,
    labels: String,
    annotations: String,
    all: String,
}

/// Writes the four bake definitions docker/metadata-action writes, in a directory of this run.
fn write_bake_files(
    target: &str,
    settings: &Settings,
    meta: &Meta,
    labels: &serde_json::Map<String, Value>,
    annotations: &[String],
) -> std::io::Result<BakeFiles> {
    let base = env("RUNNER_TEMP")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = base.join(format!("ready-image-tag-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let args = json!({
        "DOCKER_META_IMAGES": settings.images.join(","),
        "DOCKER_META_VERSION": meta.version,
    });
    let write = |name: &str, body: Value| -> std::io::Result<String> {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&json!({ "target": { target: body } }))
            .expect("JSON values serialise");
        std::fs::write(&path, text)?;
        Ok(path.to_string_lossy().into_owned())
    };
    Ok(BakeFiles {
        tags: write(
            "docker-metadata-action-bake-tags.json",
            json!({ "tags": meta.tags, "args": args }),
        )?,
        labels: write(
            "docker-metadata-action-bake-labels.json",
            json!({ "labels": labels }),
        )?,
        annotations: write(
            "docker-metadata-action-bake-annotations.json",
            json!({ "annotations": annotations }),
        )?,
        all: write(
            "docker-metadata-action-bake.json",
            json!({ "tags": meta.tags, "labels": labels, "args": args }),
        )?,
    })
}

/// `BUILD_*` lines for `docker build --build-arg` (or build-push-action's `build-args`).
fn build_args(ctx: &Context, meta: &Meta) -> String {
    [
        format!("BUILD_SHA={}", ctx.sha),
        format!(
            "BUILD_DATE={}",
            ctx.created.map(meta::iso).unwrap_or_default()
        ),
        format!("BUILD_ACTOR={}", ctx.actor),
        format!("BUILD_REF={}", ctx.git_ref),
        format!("BUILD_VERSION={}", meta.version),
    ]
    .join("\n")
}

fn build_report(ctx: &Context, meta: &Meta, settings: &Settings) -> Report {
    let headline = if meta.tags.is_empty() {
        "no tags were generated for this event; check the `tags` input".to_string()
    } else {
        format!(
            "{} tag(s) for {} image(s), version {}",
            meta.tags.len(),
            settings.images.len().max(1),
            if meta.version.is_empty() {
                "(none)"
            } else {
                &meta.version
            }
        )
    };
    let mut report = Report::new(NAME, Verdict::Passed, headline);
    let mut table = Table::new(["Tag", "Kind"]);
    for tag in &meta.tags {
        let name = tag.rsplit_once(':').map_or(tag.as_str(), |(_, n)| n);
        let kind = if tag == &meta.immutable_tag {
            "immutable"
        } else if settings.aliases.iter().any(|a| sanitize_tag(a).tag == name) {
            "alias"
        } else if meta.latest && name.contains("latest") {
            "latest"
        } else {
            "tag"
        };
        table.row([format!("`{tag}`"), kind.to_string()]);
    }
    report.table = Some(table);
    let labels: Vec<String> = meta
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    report.summary.push(Block::Details {
        summary: format!(
            "Labels ({} on {} at {})",
            labels.len(),
            if ctx.event_name.is_empty() {
                "a local run"
            } else {
                &ctx.event_name
            },
            if ctx.git_ref.is_empty() {
                "no ref"
            } else {
                &ctx.git_ref
            },
        ),
        text: labels.join("\n"),
    });
    report
}
