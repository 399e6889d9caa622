//! `ready promote`: points one or more aliases (`prod`, `latest`) at the manifest a tag or digest
//! names, by copying the manifest's exact bytes (an index stays an index), without pulling or
//! rebuilding anything. Each move is recorded in the alias's history artifact, which `ready
//! rollback` reads. Everything is resolved and checked before the first write.

pub mod aliases;

use crate::inputs::{required, run_url, short};
use crate::registry::history::{self, Change, Move};
use crate::registry::reference::{self, Repository, Target};
use crate::registry::{Client, Credentials, RegistryError};
use crate::report::{Block, Failure, Inline, Report, Table, Verdict};

#[derive(clap::Args)]
pub struct Args {
    /// The image repository, without tag: ghcr.io/org/app, docker.io/org/app, localhost:5000/app.
    #[arg(long, env = "INPUT_IMAGE")]
    pub image: Option<String>,
    /// The tag or digest (sha256:…) to promote, e.g. staging or sha-1a2b3c4.
    #[arg(long, env = "INPUT_FROM")]
    pub from: Option<String>,
    /// The aliases to point at it, separated by spaces, commas or newlines, e.g. "prod latest".
    #[arg(long, env = "INPUT_TO")]
    pub to: Option<String>,
    #[command(flatten)]
    pub registry: RegistryFlags,
}

/// How promote and rollback sign in to the registry.
#[derive(clap::Args)]
pub struct RegistryFlags {
    /// Registry user name (for ghcr.io it defaults to the workflow's actor).
    #[arg(long, env = "INPUT_REGISTRY_USERNAME")]
    pub registry_username: Option<String>,
    /// Registry password or token (secret; for ghcr.io the workflow's GITHUB_TOKEN by default).
    #[arg(long, env = "INPUT_REGISTRY_PASSWORD", hide_env_values = true)]
    pub registry_password: Option<String>,
}

impl RegistryFlags {
    /// The credentials, registered as secrets (see `Credentials::from_inputs`).
    pub fn credentials(self, repo: &Repository) -> Result<Option<Credentials>, Failure> {
        Credentials::from_inputs(repo, self.registry_username, self.registry_password, |k| {
            std::env::var(k).ok()
        })
    }
}

pub const NAME: &str = "promote";

/// The most aliases whose timeline the summary draws (the first ones named).
const MAX_TIMELINES: usize = 3;

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: None,
    needs: crate::actions::Needs::NOTHING,
};

pub fn run(args: Args) -> Result<Report, Failure> {
    let image = required(args.image, "image")?;
    let repo = reference::parse_image(&image).map_err(Failure::invalid)?;
    let from = reference::parse_target_of(&repo, &required(args.from, "from")?, "from")
        .map_err(Failure::invalid)?;
    let aliases =
        aliases::parse_aliases(&args.to.unwrap_or_default(), &from).map_err(Failure::invalid)?;
    let credentials = args.registry.credentials(&repo)?;
    let mut client = Client::new(repo, credentials, crate::http::Policy::default())?;
    crate::runtime::block_on(promote(&mut client, &from, &aliases))
        .map_err(RegistryError::into_failure)?
}

async fn promote(
    client: &mut Client,
    from: &Target,
    aliases: &[String],
) -> Result<Result<Report, Failure>, RegistryError> {
    let image = client.repository().image.clone();
    let Some(source) = client.manifest(from.reference()).await? else {
        return Ok(Err(Failure::invalid(format!(
            "{image}{from} does not exist: nothing to promote"
        ))));
    };
    let run = run_url();
    let at = history::now();
    let revision = client.revision(&source).await?.unwrap_or_default();
    let mut changes = Vec::new();
    let mut table = Table::new(["alias", "before", "after"]);
    let mut previous_of_first = None;
    for alias in aliases {
        let current = client.resolve(alias).await?;
        let (mut history, old_history) = history::load(client, alias).await?;
        if previous_of_first.is_none() {
            previous_of_first = Some(current.clone().unwrap_or_default());
        }
        table.row([
            alias.clone(),
            current.clone().unwrap_or_else(|| "(none)".into()),
            source.digest.clone(),
        ]);
        if current.as_deref() == Some(source.digest.as_str()) {
            continue;
        }
        history.promote(
            current.clone().as_deref(),
            Move {
                action: "promote".into(),
                source: Some(from.reference().to_string()),
                digest: source.digest.clone(),
                previous: current,
                at: at.clone(),
                run: run.clone(),
                sha: Some(revision.clone()).filter(|r| !r.is_empty()),
                by: history::actor(),
            },
        );
        changes.push(Change {
            alias: alias.clone(),
            history,
            old_history,
        });
    }
    history::commit(client, &changes, &source).await?;

    let list = aliases.join(", ");
    let headline = if changes.is_empty() {
        format!(
            "{image}: {list} already at{from} ({}); nothing changed",
            short(&source.digest)
        )
    } else {
        format!(
            "promoted {image}{from} ({}) to {list}",
            short(&source.digest)
        )
    };
    let mut report = Report::new(NAME, Verdict::Passed, headline);
    report.output("revision", revision);
    report.output("digest", source.digest.clone());
    report.output("previous-digest", previous_of_first.unwrap_or_default());
    report.output("image-ref", format!("{image}@{}", source.digest));
    report.table = Some(table);
    report.summary.push(Block::paragraph([
        Inline::Text("Deploy ".into()),
        Inline::Code(format!("{image}@{}", source.digest)),
        Inline::Text(format!(" ({}). Roll back with ", source.media_type)),
        Inline::Code(format!(
            "ready rollback --image {image} --alias {}",
            aliases[0]
        )),
        Inline::Text(".".into()),
    ]));
    for change in changes.iter().take(MAX_TIMELINES) {
        report
            .summary
            .push(Block::Mermaid(history::timeline(&change.history)));
    }
    if let Some(run) = run {
        report.summary.push(Block::paragraph([
            Inline::Text("Moved by this ".into()),
            Inline::link("run", run),
            Inline::Text(".".into()),
        ]));
    }
    Ok(Ok(report))
}
