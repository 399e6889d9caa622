//! The heart of `image-tag`: from the context and the parsed inputs to the version, the tags per
//! image, the labels and the annotations, the way docker/metadata-action decides them, with its
//! traps fixed (valid OCI tags, `latest` at most once, a reproducible `created`).

use super::context::Context;
use super::spec::{Flavor, Tag, Type};
use super::template::{self, Call};
use super::{datefmt, oci, pep440};
use crate::report::Finding;

/// Everything the inputs ask for, parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub images: Vec<String>,
    /// Sorted by priority, highest first.
    pub tags: Vec<Tag>,
    pub flavor: Flavor,
    pub labels: Vec<String>,
    pub annotations: Vec<String>,
    pub aliases: Vec<String>,
    pub sha_length: usize,
}

/// What the run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The image version: the first tag in priority order; empty when none was produced.
    pub version: String,
    pub latest: bool,
    /// Tag names for one image (version, other tags, `latest`, aliases), without duplicates.
    pub tag_names: Vec<String>,
    /// `image:tag` for every enabled image, or the tag names when there is no image.
    pub tags: Vec<String>,
    /// `image:sha-tag` of the first image (the tag made by the first `type=sha` entry).
    pub immutable_tag: String,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub findings: Vec<Finding>,
}

#[derive(Default)]
struct Version {
    main: Option<String>,
    partial: Vec<String>,
    latest: Option<bool>,
    sha_tag: Option<String>,
}

/// Computes the metadata. `Err` is invalid use (bad `enable`, regex, expression or time zone).
pub fn compute(ctx: &Context, settings: &Settings) -> Result<Meta, String> {
    let mut run = Run {
        ctx,
        settings,
        findings: Vec::new(),
    };
    let version = run.version()?;
    let main = version.main.clone().unwrap_or_default();
    let latest = version.latest.unwrap_or(false);

    let mut names: Vec<String> = Vec::new();
    if let Some(main) = &version.main {
        names.push(main.clone());
        names.extend(version.partial.iter().cloned());
        if latest {
            let f = &settings.flavor;
            let raw = format!(
                "{}latest{}",
                if f.prefix_latest {
                    f.prefix.as_str()
                } else {
                    ""
                },
                if f.suffix_latest {
                    f.suffix.as_str()
                } else {
                    ""
                }
            );
            names.push(oci::sanitize_tag(&raw).tag);
        }
    } else {
        run.findings.push(Finding::warning(
            "no-version",
            "No image version",
            "No tag entry produced a value for this event and ref; check the `tags` input.",
        ));
    }
    for alias in &settings.aliases {
        let value = run.global(alias)?;
        if let Some(tag) = run.sanitize(&value) {
            names.push(tag);
        }
    }
    // `latest` (or anything else) never appears twice, even when `type=raw,value=latest` and the
    // flavor both ask for it.
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));

    let tags = if settings.images.is_empty() {
        names.clone()
    } else {
        settings
            .images
            .iter()
            .flat_map(|image| names.iter().map(move |n| format!("{image}:{n}")))
            .collect()
    };
    let immutable_tag = match (&version.sha_tag, settings.images.first()) {
        (Some(tag), Some(image)) => format!("{image}:{tag}"),
        (Some(tag), None) => tag.clone(),
        (None, _) => String::new(),
    };

    let labels = run.oci_pairs(&main, &settings.labels)?;
    let annotations = run.oci_pairs(&main, &settings.annotations)?;
    Ok(Meta {
        version: main,
        latest,
        tag_names: names,
        tags,
        immutable_tag,
        labels,
        annotations,
        findings: run.findings,
    })
}

/// `created` and other instants as `toISOString()` writes them: `2020-01-10T00:30:00.000Z`.
pub fn iso(at: jiff::Timestamp) -> String {
    datefmt::format(at, "YYYY-MM-DDTHH:mm:ss.SSS[Z]", "UTC").expect("UTC is always known")
}

struct Run<'a> {
    ctx: &'a Context,
    settings: &'a Settings,
    findings: Vec<Finding>,
}

impl Run<'_> {
    fn version(&mut self) -> Result<Version, String> {
        let mut version = Version::default();
        for tag in &self.settings.tags {
            let enabled = self.global(tag.get("enable"))?;
            match enabled.trim() {
                "true" => {}
                "false" => continue,
                other => {
                    return Err(format!(
                        "`enable` must be true or false, got `{other}` in `{tag}`"
                    ));
                }
            }
            let produced = match tag.kind {
                Type::Schedule => self.schedule(tag)?,
                Type::Semver => self.semver(tag)?,
                Type::Pep440 => self.pep440(tag)?,
                Type::Match => self.matched(tag)?,
                Type::Edge => self.edge(tag)?,
                Type::Ref => self.reference(tag)?,
                Type::Raw => {
                    let value = self.global(tag.get("value"))?;
                    Some((self.with_affixes(&value, tag)?, false))
                }
                Type::Sha => self.sha(tag)?,
            };
            if let Some((value, auto_latest)) = produced {
                let latest = self.settings.flavor.latest.decide(auto_latest);
                if let Some(tag_value) = self.set_version(&mut version, &value, latest)
                    && tag.kind == Type::Sha
                    && version.sha_tag.is_none()
                {
                    version.sha_tag = Some(tag_value);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        version.partial.retain(|p| seen.insert(p.clone()));
        Ok(version)
    }

    /// Records a produced value; returns the tag it became.
    fn set_version(&mut self, version: &mut Version, value: &str, latest: bool) -> Option<String> {
        if value.is_empty() {
            return None;
        }
        let tag = self.sanitize(value)?;
        match &version.main {
            None => version.main = Some(tag.clone()),
            Some(main) if *main != tag => version.partial.push(tag.clone()),
            Some(_) => {}
        }
        if version.latest.is_none() {
            version.latest = Some(latest);
        }
        Some(tag)
    }

    fn sanitize(&mut self, value: &str) -> Option<String> {
        let s = oci::sanitize_tag(value);
        if s.tag.is_empty() {
            if !value.is_empty() {
                self.findings.push(Finding::warning(
                    "tag-sanitized",
                    "Tag dropped",
                    format!("`{value}` has no character a tag may contain; it was dropped."),
                ));
            }
            return None;
        }
        if s.truncated || s.trimmed_start {
            self.findings.push(Finding::warning(
                "tag-sanitized",
                "Tag shortened",
                format!(
                    "`{value}` is not a valid OCI tag (at most 128 characters, starting with a letter, digit or `_`); it became `{}`.",
                    s.tag
                ),
            ));
        }
        Some(s.tag)
    }

    fn ref_is_tag(&self) -> bool {
        self.ctx.git_ref.starts_with("refs/tags/")
    }

    /// The value `semver`, `pep440` and `match` work on: `value`, else the git tag.
    fn source_value(&self, tag: &Tag) -> Result<Option<String>, String> {
        let value = tag.get("value");
        if !value.is_empty() {
            return Ok(Some(self.global(value)?));
        }
        if self.ref_is_tag() {
            return Ok(Some(self.ctx.tag().to_string()));
        }
        Ok(None)
    }

    /// Applies the `match` attribute (first capture group) and turns `/` into `-`.
    fn apply_match(&mut self, tag: &Tag, mut raw: String) -> Result<String, String> {
        let pattern = tag.get("match");
        if !pattern.is_empty() {
            let re = js_regex(pattern)?;
            match re.captures(&raw) {
                None => self.findings.push(Finding::warning(
                    "no-match",
                    "Pattern does not match",
                    format!("`{pattern}` does not match `{raw}`."),
                )),
                Some(c) => raw = c.get(1).or(c.get(0)).map_or("", |m| m.as_str()).to_string(),
            }
        }
        Ok(raw.replace('/', "-"))
    }

    fn schedule(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        if !self.ctx.event_name.contains("schedule") {
            return Ok(None);
        }
        let ctx = self.ctx;
        let value = template::render(tag.get("pattern"), &mut |c: &Call| match c.name.as_str() {
            "date" => date_call(ctx.now, c).map(Some),
            "commit_date" => date_call(ctx.commit_date.unwrap_or(ctx.now), c).map(Some),
            _ => Ok(None),
        })?;
        Ok(Some((self.with_affixes(&value, tag)?, false)))
    }

    fn semver(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        let Some(raw) = self.source_value(tag)? else {
            return Ok(None);
        };
        let raw = self.apply_match(tag, raw)?;
        let trimmed = raw.trim();
        let bare = trimmed
            .strip_prefix('v')
            .or_else(|| trimmed.strip_prefix('='))
            .unwrap_or(trimmed);
        let Ok(v) = semver::Version::parse(bare) else {
            self.findings.push(Finding::warning(
                "invalid-semver",
                "Not a semantic version",
                format!("`{raw}` is not a valid semver (https://semver.org/); `type=semver` made no tag."),
            ));
            return Ok(None);
        };
        let version = if v.pre.is_empty() {
            format!("{}.{}.{}", v.major, v.minor, v.patch)
        } else {
            format!("{}.{}.{}-{}", v.major, v.minor, v.patch, v.pre)
        };
        let prerelease = !v.pre.is_empty();
        let pattern = if prerelease && !template::is_raw_statement(tag.get("pattern")) {
            "{{version}}"
        } else {
            tag.get("pattern")
        };
        let value = template::render(pattern, &mut |c: &Call| {
            Ok(Some(match c.name.as_str() {
                "raw" => raw.clone(),
                "version" => version.clone(),
                "major" => v.major.to_string(),
                "minor" => v.minor.to_string(),
                "patch" => v.patch.to_string(),
                "prerelease" => v.pre.to_string(),
                "build" => v.build.to_string(),
                _ => return Ok(None),
            }))
        })?;
        Ok(Some((self.with_affixes(&value, tag)?, !prerelease)))
    }

    fn pep440(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        let Some(raw) = self.source_value(tag)? else {
            return Ok(None);
        };
        let raw = self.apply_match(tag, raw)?;
        let Some(v) = pep440::Version::parse(&raw) else {
            self.findings.push(Finding::warning(
                "invalid-pep440",
                "Not a PEP 440 version",
                format!("`{raw}` does not conform to PEP 440; `type=pep440` made no tag."),
            ));
            return Ok(None);
        };
        let special = v.is_prerelease() || v.is_postrelease() || v.is_devrelease();
        let value = if special {
            if template::is_raw_statement(tag.get("pattern")) {
                raw.clone()
            } else {
                v.clean()
            }
        } else {
            template::render(tag.get("pattern"), &mut |c: &Call| {
                Ok(Some(match c.name.as_str() {
                    "raw" => raw.clone(),
                    "version" => v.clean(),
                    "major" => v.major().to_string(),
                    "minor" => v.minor().to_string(),
                    "patch" => v.patch().to_string(),
                    _ => return Ok(None),
                }))
            })?
        };
        Ok(Some((self.with_affixes(&value, tag)?, !special)))
    }

    fn matched(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        let Some(raw) = self.source_value(tag)? else {
            return Ok(None);
        };
        let pattern = tag.get("pattern");
        let re = js_regex(pattern)?;
        let group: usize = tag.get("group").trim().parse().unwrap_or(0);
        let Some(c) = re.captures(&raw) else {
            self.findings.push(Finding::warning(
                "no-match",
                "Pattern does not match",
                format!("`{pattern}` does not match `{raw}`."),
            ));
            return Ok(None);
        };
        let Some(m) = c.get(group) else {
            self.findings.push(Finding::warning(
                "no-match",
                "Group does not exist",
                format!("Group {group} does not exist (or did not match) in `{pattern}`."),
            ));
            return Ok(None);
        };
        Ok(Some((self.with_affixes(m.as_str(), tag)?, true)))
    }

    fn edge(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        let branch = self.ctx.branch();
        if !self.ctx.git_ref.starts_with("refs/heads/") {
            return Ok(None);
        }
        let wanted = match tag.get("branch") {
            "" => match &self.ctx.repo.default_branch {
                Some(b) => b.clone(),
                None => {
                    self.findings.push(Finding::warning(
                        "default-branch-unknown",
                        "Default branch unknown",
                        "`type=edge` needs the default branch: neither the event payload nor the GitHub API (asked only with `github-token`) named it; set `branch=` on the entry.",
                    ));
                    return Ok(None);
                }
            },
            b => b.to_string(),
        };
        if wanted != branch {
            return Ok(None);
        }
        Ok(Some((self.with_affixes("edge", tag)?, false)))
    }

    fn reference(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        let r = &self.ctx.git_ref;
        let (value, auto) = match tag.get("event") {
            "branch" => match r.strip_prefix("refs/heads/") {
                Some(b) => (b.to_string(), false),
                None => return Ok(None),
            },
            "tag" => match r.strip_prefix("refs/tags/") {
                Some(t) => (t.to_string(), true),
                None => return Ok(None),
            },
            _ => match r.strip_prefix("refs/pull/") {
                Some(p) => (p.strip_suffix("/merge").unwrap_or(p).to_string(), false),
                None => return Ok(None),
            },
        };
        Ok(Some((self.with_affixes(&value, tag)?, auto)))
    }

    fn sha(&mut self, tag: &Tag) -> Result<Option<(String, bool)>, String> {
        if self.ctx.sha.is_empty() {
            return Ok(None);
        }
        let value = if tag.get("format") == "long" {
            self.ctx.sha.clone()
        } else {
            self.short_sha()
        };
        Ok(Some((self.with_affixes(&value, tag)?, false)))
    }

    fn short_sha(&self) -> String {
        let sha = &self.ctx.sha;
        sha.get(..self.settings.sha_length)
            .unwrap_or(sha)
            .to_string()
    }

    /// The entry's `prefix`/`suffix` when present (even empty), else the flavor's.
    fn with_affixes(&self, value: &str, tag: &Tag) -> Result<String, String> {
        let flavor = &self.settings.flavor;
        let prefix = match tag.attr("prefix") {
            Some(p) => self.global(p)?,
            None => self.global(&flavor.prefix)?,
        };
        let suffix = match tag.attr("suffix") {
            Some(s) => self.global(s)?,
            None => self.global(&flavor.suffix)?,
        };
        Ok(format!("{prefix}{value}{suffix}"))
    }

    /// Expands the global expressions in `prefix`, `suffix`, `value`, `enable`, labels and
    /// annotations.
    fn global(&self, text: &str) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_string());
        }
        let ctx = self.ctx;
        template::render(text, &mut |c: &Call| {
            Ok(Some(match c.name.as_str() {
                "branch" => ctx.branch().to_string(),
                "tag" => ctx.tag().to_string(),
                "sha" => self.short_sha(),
                "base_ref" => ctx.base_ref(),
                "is_default_branch" => ctx.is_default_branch().to_string(),
                "is_not_default_branch" => (!ctx.is_default_branch()).to_string(),
                "date" => date_call(ctx.now, c)?,
                "commit_date" => date_call(ctx.commit_date.unwrap_or(ctx.now), c)?,
                _ => return Ok(None),
            }))
        })
    }

    /// The generated OCI keys, then the user's `key=value` lines (expressions expanded; a later
    /// key replaces an earlier one), sorted by key.
    fn oci_pairs(&self, version: &str, extra: &[String]) -> Result<Vec<(String, String)>, String> {
        let ctx = self.ctx;
        let repo = &ctx.repo;
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut put = |key: &str, value: String| match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => pairs.push((key.to_string(), value)),
        };
        let oci = |k: &str| format!("org.opencontainers.image.{k}");
        put(&oci("title"), repo.name.clone());
        put(&oci("description"), repo.description.clone());
        put(&oci("url"), repo.html_url.clone());
        put(&oci("source"), repo.html_url.clone());
        put(&oci("version"), version.to_string());
        if let Some(created) = ctx.created {
            put(&oci("created"), iso(created));
        }
        put(&oci("revision"), ctx.sha.clone());
        put(&oci("licenses"), repo.license.clone());
        for line in extra {
            let line = self.global(line)?;
            if let Some((key, value)) = line.split_once('=') {
                put(key, value.to_string());
            }
        }
        pairs.sort_by(|a, b| {
            a.0.to_lowercase()
                .cmp(&b.0.to_lowercase())
                .then_with(|| a.0.cmp(&b.0))
        });
        Ok(pairs)
    }
}

/// `{{date 'format' tz='Zone'}}`: the format defaults to `YYYYMMDD`, the zone to UTC.
fn date_call(at: jiff::Timestamp, c: &Call) -> Result<String, String> {
    let format = c
        .args
        .first()
        .map(String::as_str)
        .unwrap_or(datefmt::DEFAULT_FORMAT);
    let mut tz = "UTC";
    for (key, value) in &c.hash {
        match key.as_str() {
            "tz" => tz = value,
            other => {
                return Err(format!(
                    "unknown `{other}` attribute in `{{{{{}}}}}`",
                    c.name
                ));
            }
        }
    }
    datefmt::format(at, format, tz)
}

/// A JavaScript-style pattern: `/body/flags` (flags `i`, `m`, `s`; `g`, `u`, `y` ignored) or a
/// bare pattern.
pub fn js_regex(pattern: &str) -> Result<regex::Regex, String> {
    let (body, flags) = match pattern
        .strip_prefix('/')
        .and_then(|rest| rest.rsplit_once('/'))
    {
        Some((body, flags)) if !body.is_empty() && flags.chars().all(|f| "gimsuy".contains(f)) => {
            (body, flags)
        }
        _ => (pattern, ""),
    };
    regex::RegexBuilder::new(body)
        .case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .dot_matches_new_line(flags.contains('s'))
        .build()
        .map_err(|e| format!("invalid regular expression `{pattern}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::super::context::Repo;
    use super::super::spec;
    use super::*;
    use jiff::Timestamp;

    const SHA: &str = "860c1904a1ce19322e91ac35af1ab07466440c37";

    fn ctx(event: &str, git_ref: &str) -> Context {
        Context {
            event_name: event.into(),
            git_ref: git_ref.into(),
            sha: SHA.into(),
            actor: "octocat".into(),
            payload: serde_json::json!({}),
            commit_date: Some(Timestamp::from_second(1_578_616_200).unwrap()),
            now: Timestamp::from_second(1_578_616_200).unwrap(),
            created: Some(Timestamp::from_second(1_578_616_200).unwrap()),
            repo: Repo {
                name: "Hello-World".into(),
                description: "This your first repo!".into(),
                html_url: "https://github.com/octocat/Hello-World".into(),
                license: "MIT".into(),
                default_branch: Some("master".into()),
            },
        }
    }

    fn settings(images: &[&str], tags: &[&str], flavor: &[&str]) -> Settings {
        let l = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Settings {
            images: spec::parse_images(&l(images)).unwrap(),
            tags: spec::parse_tags(&l(tags)).unwrap(),
            flavor: spec::parse_flavor(&l(flavor)).unwrap(),
            labels: vec![],
            annotations: vec![],
            aliases: vec![],
            sha_length: 7,
        }
    }

    fn names(c: &Context, tags: &[&str], flavor: &[&str]) -> Vec<String> {
        compute(c, &settings(&[], tags, flavor)).unwrap().tag_names
    }

    const SEMVER: [&str; 4] = [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=semver,pattern={{major}}",
        "type=sha",
    ];

    #[test]
    fn semver_release_gets_partials_and_latest() {
        let c = ctx("push", "refs/tags/v1.2.3");
        assert_eq!(
            names(&c, &SEMVER, &[]),
            ["1.2.3", "1.2", "1", "sha-860c190", "latest"]
        );
    }

    #[test]
    fn semver_prerelease_only_version_and_no_latest() {
        let c = ctx("push", "refs/tags/v2.0.8-beta.67");
        assert_eq!(names(&c, &SEMVER, &[]), ["2.0.8-beta.67", "sha-860c190"]);
        let raw = names(&c, &["type=semver,pattern={{raw}}"], &[]);
        assert_eq!(raw, ["v2.0.8-beta.67"]);
    }

    #[test]
    fn non_semver_tag_warns_and_falls_through() {
        let c = ctx("push", "refs/tags/release-1");
        let m = compute(&c, &settings(&[], &SEMVER, &[])).unwrap();
        assert_eq!(m.tag_names, ["sha-860c190"]);
        assert!(m.findings.iter().any(|f| f.rule == "invalid-semver"));
    }

    #[test]
    fn semver_value_and_match() {
        let c = ctx("push", "refs/heads/master");
        assert_eq!(
            names(
                &c,
                &[r"type=semver,pattern={{version}},value=p1/v1.2.3,match=v(\d.\d.\d)$"],
                &[]
            ),
            ["1.2.3", "latest"]
        );
    }

    #[test]
    fn pep440_table() {
        let c = |t: &str| ctx("push", &format!("refs/tags/{t}"));
        let p = |t: &str, pat: &str| {
            names(
                &c(t),
                &[&format!("type=pep440,pattern={pat}")],
                &["latest=false"],
            )
        };
        assert_eq!(p("v1.2.3", "{{version}}"), ["1.2.3"]);
        assert_eq!(p("1.2.3", "v{{major}}"), ["v1"]);
        assert_eq!(p("1.2.3post1", "{{major}}.{{minor}}"), ["1.2.3.post1"]);
        assert_eq!(p("1.0dev4", "{{major}}.{{minor}}"), ["1.0.dev4"]);
        assert_eq!(p("v1.2.3rc2", "{{raw}}"), ["v1.2.3rc2"]);
    }

    #[test]
    fn match_table() {
        let c = |t: &str| ctx("push", &format!("refs/tags/{t}"));
        assert_eq!(
            names(&c("v1.2.3"), &[r"type=match,pattern=\d.\d.\d"], &[]),
            ["1.2.3", "latest"]
        );
        assert_eq!(
            names(
                &c("v2.0.8-beta.67"),
                &[r"type=match,pattern=v(\d.\d),group=1"],
                &[]
            ),
            ["2.0", "latest"]
        );
        assert_eq!(
            names(&c("20200110-RC2"), &[r"type=match,pattern=\d+"], &[]),
            ["20200110", "latest"]
        );
        assert_eq!(
            names(
                &c("V1.2.3"),
                &[r#"type=match,"pattern=/v(\d{1,3}).\d{1,3}/i",group=1"#],
                &[]
            ),
            ["1", "latest"]
        );
    }

    #[test]
    fn refs_edge_raw_sha() {
        let c = ctx("push", "refs/heads/my/branch");
        assert_eq!(names(&c, &[], &[]), ["my-branch"]);
        let c = ctx("pull_request", "refs/pull/2/merge");
        assert_eq!(names(&c, &[], &[]), ["pr-2"]);
        let c = ctx("push", "refs/heads/master");
        assert_eq!(
            names(&c, &["type=edge", "type=raw,value=foo"], &[]),
            ["edge", "foo"]
        );
        assert_eq!(names(&c, &["type=sha,format=long,prefix="], &[]), [SHA]);
        let c = ctx("push", "refs/heads/dev");
        assert_eq!(names(&c, &["type=edge"], &[]), Vec::<String>::new());
    }

    #[test]
    fn latest_is_decided_by_the_first_producing_entry() {
        let c = ctx("push", "refs/tags/v1.2.3");
        // raw (priority 2000) comes first and does not get latest in auto mode.
        assert_eq!(
            names(
                &c,
                &[
                    "type=raw,value=x,priority=2000",
                    "type=semver,pattern={{version}}"
                ],
                &[]
            ),
            ["x", "1.2.3"]
        );
        assert_eq!(
            names(&c, &["type=ref,event=tag"], &["latest=false"]),
            ["v1.2.3"]
        );
        let c = ctx("push", "refs/heads/master");
        assert_eq!(
            names(&c, &["type=ref,event=branch"], &["latest=true"]),
            ["master", "latest"]
        );
    }

    #[test]
    fn latest_never_twice() {
        let c = ctx("push", "refs/tags/v1.2.3");
        assert_eq!(
            names(
                &c,
                &["type=semver,pattern={{version}}", "type=raw,value=latest"],
                &[]
            ),
            ["1.2.3", "latest"]
        );
    }

    #[test]
    fn flavor_prefix_suffix_onlatest() {
        let c = ctx("push", "refs/tags/v1.2.3");
        assert_eq!(
            names(
                &c,
                &["type=semver,pattern={{version}}", "type=sha,prefix=sha-"],
                &["prefix=app-,onlatest=true", "suffix=-slim"]
            ),
            ["app-1.2.3-slim", "sha-860c190-slim", "app-latest"]
        );
    }

    #[test]
    fn enable_expressions() {
        let c = ctx("push", "refs/heads/master");
        assert_eq!(
            names(
                &c,
                &["type=raw,value=latest,enable={{is_default_branch}}"],
                &[]
            ),
            ["latest"]
        );
        let c = ctx("push", "refs/heads/dev");
        assert_eq!(
            names(
                &c,
                &[
                    "type=raw,value=latest,enable={{is_default_branch}}",
                    "type=raw,value={{branch}}-{{sha}},enable={{is_not_default_branch}}"
                ],
                &[]
            ),
            ["dev-860c190"]
        );
        assert!(compute(&c, &settings(&[], &["type=raw,value=x,enable=maybe"], &[])).is_err());
    }

    #[test]
    fn schedule_dates() {
        let c = ctx("schedule", "refs/heads/master");
        assert_eq!(names(&c, &[], &[]), ["nightly", "master"]);
        assert_eq!(
            names(
                &c,
                &["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"],
                &[]
            ),
            ["20200110-093000"]
        );
        assert_eq!(
            names(&c, &["type=schedule,pattern={{date}}"], &[]),
            ["20200110"]
        );
        assert!(
            compute(
                &c,
                &settings(
                    &[],
                    &["type=schedule,pattern={{date 'Y' tz='Nowhere/X'}}"],
                    &[]
                )
            )
            .is_err()
        );
    }

    #[test]
    fn images_labels_and_immutable_tag() {
        let c = ctx("push", "refs/heads/master");
        let mut s = settings(
            &["name/app", "ghcr.io/name/app"],
            &["type=ref,event=branch", "type=sha"],
            &[],
        );
        s.labels = vec![
            "org.opencontainers.image.title=MyTitle".into(),
            "custom={{branch}}".into(),
            "nokey".into(),
        ];
        s.aliases = vec!["prod".into()];
        let m = compute(&c, &s).unwrap();
        assert_eq!(
            m.tags,
            [
                "name/app:master",
                "name/app:sha-860c190",
                "name/app:prod",
                "ghcr.io/name/app:master",
                "ghcr.io/name/app:sha-860c190",
                "ghcr.io/name/app:prod"
            ]
        );
        assert_eq!(m.immutable_tag, "name/app:sha-860c190");
        let labels: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            labels,
            [
                "custom=master",
                "org.opencontainers.image.created=2020-01-10T00:30:00.000Z",
                "org.opencontainers.image.description=This your first repo!",
                "org.opencontainers.image.licenses=MIT",
                "org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37",
                "org.opencontainers.image.source=https://github.com/octocat/Hello-World",
                "org.opencontainers.image.title=MyTitle",
                "org.opencontainers.image.url=https://github.com/octocat/Hello-World",
                "org.opencontainers.image.version=master",
            ]
        );
    }

    #[test]
    fn created_is_left_out_when_unknown() {
        let mut c = ctx("pull_request", "refs/pull/2/merge");
        c.created = None;
        let m = compute(&c, &settings(&[], &[], &[])).unwrap();
        assert!(!m.labels.iter().any(|(k, _)| k.ends_with("created")));
    }

    #[test]
    fn base_ref_and_long_tags() {
        let mut c = ctx("pull_request", "refs/pull/2/merge");
        c.payload = serde_json::json!({"pull_request": {"base": {"ref": "master"}}});
        assert_eq!(
            names(&c, &["type=raw,value={{base_ref}}-pr"], &[]),
            ["master-pr"]
        );
        let long = "x".repeat(300);
        let m = compute(
            &c,
            &settings(&[], &[&format!("type=raw,value={long}")], &[]),
        )
        .unwrap();
        assert_eq!(m.tag_names[0].len(), 128);
        assert!(m.findings.iter().any(|f| f.rule == "tag-sanitized"));
    }

    proptest::proptest! {
        /// Whatever the ref, the values and the affixes, every tag produced is a valid OCI tag.
        #[test]
        fn every_produced_tag_is_a_valid_oci_tag(
            kind in 0..3usize,
            name in "\\PC{0,200}",
            value in "\\PC{0,150}",
            prefix in "[ -~]{0,20}",
            suffix in "[ -~]{0,20}",
            alias in "\\PC{0,40}",
        ) {
            let git_ref = match kind {
                0 => format!("refs/heads/{name}"),
                1 => format!("refs/tags/{name}"),
                _ => format!("refs/pull/{name}/merge"),
            };
            let c = ctx("push", &git_ref);
            let clean = |s: &str| s.replace(['{', '}', ',', '"'], "");
            let mut s = settings(
                &["ghcr.io/o/app"],
                &[
                    "type=ref,event=branch",
                    "type=ref,event=tag",
                    "type=ref,event=pr",
                    "type=semver,pattern={{version}}",
                    "type=pep440,pattern={{major}}",
                    "type=match,pattern=(.*),group=1",
                    &format!("type=raw,value={}", clean(&value)),
                    "type=sha,format=long",
                ],
                &[
                    &format!("prefix={},onlatest=true", clean(&prefix)),
                    &format!("suffix={},onlatest=true", clean(&suffix)),
                ],
            );
            s.aliases = vec![clean(&alias)];
            let m = compute(&c, &s).unwrap();
            for tag in &m.tag_names {
                proptest::prop_assert!(oci::is_valid_tag(tag), "{tag:?}");
            }
            for tag in &m.tags {
                let name = tag.strip_prefix("ghcr.io/o/app:").unwrap();
                proptest::prop_assert!(oci::is_valid_tag(name), "{tag:?}");
            }
        }
    }
}
