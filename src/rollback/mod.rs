//! `ready rollback`: points an alias back at the image it pointed at before the last promotion
//! (or at the tag or digest given in `to`), from the history that `ready promote` keeps in the
//! registry. Each rollback pops one step, so two in a row go back two promotions.

use crate::inputs::{required, run_url, short};
use crate::promote::RegistryFlags;
use crate::registry::history::{self, Change, Move};
use crate::registry::reference::{self, Target};
use crate::registry::{Client, RegistryError};
use crate::report::{Block, Failure, Inline, Report, Table, Verdict};

#[derive(clap::Args)]
pub struct Args {
    /// The image repository, without tag: ghcr.io/org/app.
    #[arg(long, env = "INPUT_IMAGE")]
    pub image: Option<String>,
    /// The alias to roll back, e.g. prod.
    #[arg(long, env = "INPUT_ALIAS")]
    pub alias: Option<String>,
    /// A tag (e.g. sha-1a2b3c4) or digest to roll back to; by default the alias's previous image.
    #[arg(long, env = "INPUT_TO")]
    pub to: Option<String>,
    #[command(flatten)]
    pub registry: RegistryFlags,
}

pub const NAME: &str = "rollback";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: None,
    needs: crate::actions::Needs::NOTHING,
};

pub fn run(args: Args) -> Result<Report, Failure> {
    let image = required(args.image, "image")?;
    let repo = reference::parse_image(&image).map_err(Failure::invalid)?;
    let alias = match reference::parse_target(&required(args.alias, "alias")?, "alias")
        .map_err(Failure::invalid)?
    {
        Target::Tag(tag) if tag.starts_with(history::TAG_PREFIX) => {
            return Err(Failure::invalid(format!(
                "`alias` {tag:?} is a history tag; give the alias itself"
            )));
        }
        Target::Tag(tag) => tag,
        Target::Digest(_) => {
            return Err(Failure::invalid(
                "`alias` must be a tag such as prod, not a digest",
            ));
        }
    };
    let to = args
        .to
        .filter(|t| !t.trim().is_empty())
        .map(|t| reference::parse_target_of(&repo, &t, "to"))
        .transpose()
        .map_err(Failure::invalid)?;
    let credentials = args.registry.credentials(&repo)?;
    let mut client = Client::new(repo, credentials, crate::http::Policy::default())?;
    crate::runtime::block_on(rollback(&mut client, &alias, to.as_ref()))
        .map_err(RegistryError::into_failure)?
}

async fn rollback(
    client: &mut Client,
    alias: &str,
    to: Option<&Target>,
) -> Result<Result<Report, Failure>, RegistryError> {
    let image = client.repository().image.clone();
    let Some(current) = client.resolve(alias).await? else {
        return Ok(Err(Failure::invalid(format!(
            "{image}:{alias} does not exist: nothing to roll back"
        ))));
    };
    let (mut history, old_history) = history::load(client, alias).await?;
    let wanted = match to {
        Some(to) => match client.resolve(to.reference()).await? {
            Some(digest) => Some(digest),
            None => {
                return Ok(Err(Failure::invalid(format!(
                    "{image}{to} does not exist: cannot roll {alias} back to it"
                ))));
            }
        },
        None => None,
    };
    let Ok((target, stack)) = history.rollback_target(&current, wanted.as_deref()) else {
        return Ok(Err(Failure::invalid(format!(
            "{image}:{alias} has no earlier image in its history ({image}:{}): promote with `ready promote` to record one, or give `to`",
            history::tag_for(alias)
        ))));
    };
    let Some(manifest) = client.manifest(&target).await? else {
        return Ok(Err(Failure::invalid(format!(
            "{image}@{target}, where {alias} pointed before, is no longer in the registry; give `to`"
        ))));
    };

    let revision = client.revision(&manifest).await?.unwrap_or_default();
    let mut table = Table::new(["alias", "before", "after"]);
    table.row([alias.to_string(), current.clone(), target.clone()]);
    let headline = if target == current {
        format!(
            "{image}:{alias} is already at {}; nothing changed",
            short(&target)
        )
    } else {
        history.rollback(
            stack,
            Move {
                action: "rollback".into(),
                source: to.map(|t| t.reference().to_string()),
                digest: target.clone(),
                previous: Some(current.clone()),
                at: history::now(),
                run: run_url(),
                sha: Some(revision.clone()).filter(|r| !r.is_empty()),
                by: history::actor(),
            },
        );
        let change = Change {
            alias: alias.to_string(),
            history: history.clone(),
            old_history,
        };
        history::commit(client, std::slice::from_ref(&change), &manifest).await?;
        format!(
            "rolled {image}:{alias} back from {} to {}",
            short(&current),
            short(&target)
        )
    };
    let mut report = Report::new(NAME, Verdict::Passed, headline);
    report.output("revision", revision);
    report.output("digest", target.clone());
    report.output("previous-digest", current);
    report.output("image-ref", format!("{image}@{target}"));
    report.table = Some(table);
    report.summary.push(Block::paragraph([
        Inline::Text("Deploy ".into()),
        Inline::Code(format!("{image}@{target}")),
        Inline::Text(".".into()),
    ]));
    report
        .summary
        .push(Block::Mermaid(history::timeline(&history)));
    if let Some(run) = run_url() {
        report.summary.push(Block::paragraph([
            Inline::Text("Moved by this ".into()),
            Inline::link("run", run),
            Inline::Text(".".into()),
        ]));
    }
    Ok(Ok(report))
}
