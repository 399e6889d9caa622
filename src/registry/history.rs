//! The history of an alias, kept in the registry next to the image as a small OCI artifact tagged
//! `ready-history.<alias>`: an image manifest with the empty config and one JSON layer that holds
//! the stack of digests the alias pointed at before (newest last) and a log of every move.
//! `promote` pushes the digest it replaces; `rollback` pops it, so two rollbacks in a row go back
//! two steps. The model and the artifact's bytes are pure; `load` and `store` do the I/O.

use super::manifest::{self, EMPTY_JSON, OCI_EMPTY, OCI_MANIFEST};
use super::{Client, Manifest, RegistryError};
use crate::report::{Diagram, Event, Picture};
use serde::{Deserialize, Serialize};

/// The tag that holds an alias's history.
pub const TAG_PREFIX: &str = "ready-history.";
/// The artifact's type and its layer's media type.
pub const ARTIFACT_TYPE: &str = "application/vnd.ready-actions.history.v1+json";
/// How many previous digests and log entries are kept (oldest dropped first).
pub const MAX_STACK: usize = 100;
pub const MAX_LOG: usize = 200;

pub fn tag_for(alias: &str) -> String {
    format!("{TAG_PREFIX}{alias}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub version: u32,
    pub alias: String,
    /// Digests the alias pointed at before, oldest first; rollback pops the last.
    #[serde(default)]
    pub stack: Vec<String>,
    #[serde(default)]
    pub log: Vec<Move>,
}

/// One move of the alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// `promote` or `rollback`.
    pub action: String,
    /// What the user named: the source tag or digest of a promotion, the `to` of a rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
    /// The workflow run that made the move, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The commit the image was built from (its revision label), where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// Who made the move (the workflow's actor), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// Rollback found nothing to go back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoHistory;

impl History {
    pub fn new(alias: &str) -> Self {
        History {
            version: 1,
            alias: alias.to_string(),
            stack: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Records a promotion from `previous` (None when the alias did not exist) to `m.digest`.
    pub fn promote(&mut self, previous: Option<&str>, m: Move) {
        if let Some(previous) = previous
            && previous != m.digest
        {
            self.stack.push(previous.to_string());
        }
        self.record(m);
    }

    /// Where a rollback of an alias now at `current` goes, and the stack after it. Without `to`
    /// it pops the newest digest other than `current`. With `to`, if that digest is on the stack
    /// the stack is cut below its newest occurrence (as if rolled back step by step), else it
    /// stays as it is.
    pub fn rollback_target(
        &self,
        current: &str,
        to: Option<&str>,
    ) -> Result<(String, Vec<String>), NoHistory> {
        let mut stack = self.stack.clone();
        match to {
            Some(to) => {
                if let Some(i) = stack.iter().rposition(|d| d == to) {
                    stack.truncate(i);
                }
                Ok((to.to_string(), stack))
            }
            None => {
                while let Some(top) = stack.pop() {
                    if top != current {
                        return Ok((top, stack));
                    }
                }
                Err(NoHistory)
            }
        }
    }

    /// Records a rollback with the stack `rollback_target` returned.
    pub fn rollback(&mut self, stack: Vec<String>, m: Move) {
        self.stack = stack;
        self.record(m);
    }

    fn record(&mut self, m: Move) {
        self.log.push(m);
        let excess = self.stack.len().saturating_sub(MAX_STACK);
        self.stack.drain(..excess);
        let excess = self.log.len().saturating_sub(MAX_LOG);
        self.log.drain(..excess);
    }

    /// The artifact: the JSON layer's bytes and the manifest that references it and the empty
    /// config blob (`{}`), which must be uploaded before the manifest.
    pub fn to_artifact(&self) -> (Vec<u8>, Manifest) {
        let layer = serde_json::to_vec_pretty(self).expect("a history serializes");
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": ARTIFACT_TYPE,
            "config": {
                "mediaType": OCI_EMPTY,
                "digest": manifest::sha256(EMPTY_JSON),
                "size": EMPTY_JSON.len(),
            },
            "layers": [{
                "mediaType": ARTIFACT_TYPE,
                "digest": manifest::sha256(&layer),
                "size": layer.len(),
                "annotations": {"org.opencontainers.image.title": "history.json"},
            }],
            "annotations": {
                "org.opencontainers.image.description": format!("ready-actions history of the alias {}", self.alias),
            },
        });
        let bytes = serde_json::to_vec(&manifest).expect("a manifest serializes");
        let m = Manifest {
            digest: manifest::sha256(&bytes),
            media_type: OCI_MANIFEST.to_string(),
            bytes,
        };
        (layer, m)
    }
}

/// The digest of the history layer in an artifact manifest.
pub fn layer_digest(manifest_bytes: &[u8]) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_slice(manifest_bytes).map_err(|e| format!("not JSON: {e}"))?;
    value["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["mediaType"] == ARTIFACT_TYPE)
        .and_then(|l| l["digest"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("no {ARTIFACT_TYPE} layer"))
}

/// Reads the alias's history (and the artifact manifest it came from, to restore it if a later
/// step fails); a new, empty one when the tag does not exist.
pub async fn load(
    client: &mut Client,
    alias: &str,
) -> Result<(History, Option<Manifest>), RegistryError> {
    let tag = tag_for(alias);
    let image = client.repository().image.clone();
    let broken = |why: String| {
        RegistryError::Rejected(format!(
            "{image}:{tag} is not a ready-actions history ({why}); delete that tag to start a new history of {alias}"
        ))
    };
    let Some(m) = client.manifest(&tag).await.map_err(|e| match e {
        // A history tag holding something we do not copy is broken, not a failure to read.
        RegistryError::Rejected(why) => broken(why),
        other => other,
    })?
    else {
        return Ok((History::new(alias), None));
    };
    let digest = layer_digest(&m.bytes).map_err(broken)?;
    let layer = client
        .blob(&digest)
        .await?
        .ok_or_else(|| broken(format!("its layer {digest} is missing")))?;
    let history: History = serde_json::from_slice(&layer)
        .map_err(|e| broken(format!("the layer does not parse: {e}")))?;
    if history.version != 1 {
        return Err(broken(format!(
            "version {} is newer than this ready",
            history.version
        )));
    }
    Ok((history, Some(m)))
}

/// One alias to move, with its history after the move.
pub struct Change {
    pub alias: String,
    pub history: History,
    /// The history artifact before the move, restored if the alias cannot be moved.
    pub old_history: Option<Manifest>,
}

/// Moves every alias to `target`, whose blobs are in the repository already. All history blobs
/// are uploaded first (a denied push stops here, before any tag changed); then, per alias, the
/// history is tagged, the alias is tagged, and the alias is resolved again to check that it
/// points at `target`. The history goes first: if the alias cannot be moved, the old history is
/// put back, and were even that to fail, the extra entry equals the alias's digest, which
/// rollback skips.
pub async fn commit(
    client: &mut Client,
    changes: &[Change],
    target: &Manifest,
) -> Result<(), RegistryError> {
    let artifacts: Vec<(Vec<u8>, Manifest)> =
        changes.iter().map(|c| c.history.to_artifact()).collect();
    client.push_blob(EMPTY_JSON).await?;
    for (layer, _) in &artifacts {
        client.push_blob(layer).await?;
    }
    let image = client.repository().image.clone();
    for (change, (_, artifact)) in changes.iter().zip(&artifacts) {
        client
            .put_manifest(&tag_for(&change.alias), artifact)
            .await?;
        let moved = client.put_manifest(&change.alias, target).await;
        if let Err(e) = moved {
            if let Some(old) = &change.old_history {
                let _ = client.put_manifest(&tag_for(&change.alias), old).await;
            }
            return Err(e);
        }
        let now = client.resolve(&change.alias).await?;
        if now.as_deref() != Some(target.digest.as_str()) {
            return Err(RegistryError::Inconsistent(format!(
                "{image}:{} resolves to {} after it was tagged with {}",
                change.alias,
                now.as_deref().unwrap_or("nothing"),
                target.digest
            )));
        }
    }
    Ok(())
}

/// RFC 3339 (UTC, seconds) of a Unix time.
pub fn rfc3339(unix_seconds: u64) -> String {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Now, in RFC 3339.
/// Who makes a move: the workflow's actor, where known.
pub fn actor() -> Option<String> {
    std::env::var("GITHUB_ACTOR")
        .ok()
        .filter(|a| !a.trim().is_empty())
}

pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    rfc3339(secs)
}

/// The most moves the timeline draws: the newest.
pub const TIMELINE_MOVES: usize = 10;

/// The alias's last moves as a timeline for the summary: when, what it pointed at, from which
/// commit, by whom.
pub fn timeline(history: &History) -> Diagram {
    let skipped = history.log.len().saturating_sub(TIMELINE_MOVES);
    let events = history.log[skipped..]
        .iter()
        .map(|m| {
            // `2026-12-01T10:00:00Z` → `2026-12-01 10:00 UTC`.
            let time = match (m.at.get(..10), m.at.get(11..16)) {
                (Some(day), Some(hm)) => format!("{day} {hm} UTC"),
                _ => m.at.clone(),
            };
            let mut lines = vec![format!("{} {}", m.action, crate::inputs::short(&m.digest))];
            if let Some(sha) = &m.sha {
                // A label from the image: cut by characters, never inside one.
                lines.push(format!(
                    "commit {}",
                    sha.chars().take(12).collect::<String>()
                ));
            }
            if let Some(by) = &m.by {
                lines.push(format!("by {by}"));
            }
            Event { time, lines }
        })
        .collect();
    let left_out = (skipped > 0).then(|| {
        format!(
            "{skipped} older move(s) are not drawn; {} keeps the last {MAX_LOG}.",
            tag_for(&history.alias)
        )
    });
    Diagram {
        title: format!("{}: where it pointed", history.alias),
        picture: Picture::Timeline { events },
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(action: &str, digest: &str, previous: Option<&str>) -> Move {
        Move {
            action: action.into(),
            source: None,
            digest: digest.into(),
            previous: previous.map(str::to_string),
            at: "2024-01-01T00:00:00Z".into(),
            run: None,
            sha: None,
            by: None,
        }
    }

    #[test]
    fn promotions_push_and_rollbacks_pop() {
        let mut h = History::new("prod");
        h.promote(None, mv("promote", "a", None));
        assert!(h.stack.is_empty());
        h.promote(Some("a"), mv("promote", "b", Some("a")));
        h.promote(Some("b"), mv("promote", "c", Some("b")));
        assert_eq!(h.stack, ["a", "b"]);
        // Promoting what is already there pushes nothing.
        h.promote(Some("c"), mv("promote", "c", Some("c")));
        assert_eq!(h.stack, ["a", "b"]);

        let (target, stack) = h.rollback_target("c", None).unwrap();
        assert_eq!(
            (target.as_str(), stack.as_slice()),
            ("b", &["a".to_string()][..])
        );
        h.rollback(stack, mv("rollback", "b", Some("c")));
        // A second rollback goes further back, not forth again.
        let (target, stack) = h.rollback_target("b", None).unwrap();
        assert_eq!(target, "a");
        h.rollback(stack, mv("rollback", "a", Some("b")));
        assert_eq!(h.rollback_target("a", None), Err(NoHistory));
        assert_eq!(h.log.len(), 6);
    }

    #[test]
    fn rollback_skips_entries_equal_to_the_current_digest() {
        let mut h = History::new("prod");
        h.stack = vec!["a".into(), "b".into(), "b".into()];
        assert_eq!(h.rollback_target("b", None).unwrap().0, "a");
        h.stack = vec!["b".into()];
        assert_eq!(h.rollback_target("b", None), Err(NoHistory));
    }

    #[test]
    fn rollback_to_a_named_digest_cuts_the_stack() {
        let mut h = History::new("prod");
        h.stack = vec!["a".into(), "b".into(), "c".into()];
        let (target, stack) = h.rollback_target("d", Some("b")).unwrap();
        assert_eq!((target.as_str(), stack), ("b", vec!["a".to_string()]));
        let (_, stack) = h.rollback_target("d", Some("z")).unwrap();
        assert_eq!(stack, ["a", "b", "c"]);
    }

    #[test]
    fn stack_and_log_are_bounded() {
        let mut h = History::new("prod");
        for i in 0..(MAX_LOG + 10) {
            let prev = format!("d{i}");
            h.promote(
                Some(&prev),
                mv("promote", &format!("d{}", i + 1), Some(&prev)),
            );
        }
        assert_eq!(h.stack.len(), MAX_STACK);
        assert_eq!(h.log.len(), MAX_LOG);
        assert_eq!(h.stack.last().unwrap(), &format!("d{}", MAX_LOG + 9));
    }

    #[test]
    fn artifact_round_trips() {
        let mut h = History::new("prod");
        h.promote(
            Some("sha256:aa"),
            mv("promote", "sha256:bb", Some("sha256:aa")),
        );
        let (layer, m) = h.to_artifact();
        assert_eq!(m.digest, manifest::sha256(&m.bytes));
        assert_eq!(layer_digest(&m.bytes).unwrap(), manifest::sha256(&layer));
        let back: History = serde_json::from_slice(&layer).unwrap();
        assert_eq!(back, h);
        let v: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
        assert_eq!(v["config"]["mediaType"], OCI_EMPTY);
        assert_eq!(v["artifactType"], ARTIFACT_TYPE);
        assert!(layer_digest(b"{\"layers\":[]}").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn the_timeline_draws_the_newest_moves_with_commit_and_actor() {
        let mut h = History::new("prod");
        for i in 0..12 {
            let mut m = mv("promote", &format!("sha256:{i:064}"), None);
            m.at = format!("2026-12-01T10:{i:02}:00Z");
            m.sha = Some("1a2b3c4d5e6f7a8b9c0d".into());
            m.by = Some("octocat".into());
            h.promote(None, m);
        }
        insta::assert_snapshot!(crate::render::block_markdown(
            &crate::report::Block::Mermaid(timeline(&h))
        ));
    }
}
