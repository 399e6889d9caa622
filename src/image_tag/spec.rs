//! The `tags`, `flavor` and `images` inputs, parsed into entries with metadata-action's defaults.

use super::input::{fields, key_value};
use super::oci;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Schedule,
    Semver,
    Pep440,
    Match,
    Edge,
    Ref,
    Raw,
    Sha,
}

impl Type {
    fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "schedule" => Type::Schedule,
            "semver" => Type::Semver,
            "pep440" => Type::Pep440,
            "match" => Type::Match,
            "edge" => Type::Edge,
            "ref" => Type::Ref,
            "raw" => Type::Raw,
            "sha" => Type::Sha,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Type::Schedule => "schedule",
            Type::Semver => "semver",
            Type::Pep440 => "pep440",
            Type::Match => "match",
            Type::Edge => "edge",
            Type::Ref => "ref",
            Type::Raw => "raw",
            Type::Sha => "sha",
        }
    }

    fn default_priority(self) -> &'static str {
        match self {
            Type::Schedule => "1000",
            Type::Semver | Type::Pep440 => "900",
            Type::Match => "800",
            Type::Edge => "700",
            Type::Ref => "600",
            Type::Raw => "200",
            Type::Sha => "100",
        }
    }
}

/// One `tags` entry: its type and its attributes with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub kind: Type,
    /// In input order; `prefix`/`suffix` present (even empty) override the flavor's.
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The attribute, or "" when absent.
    pub fn get(&self, key: &str) -> &str {
        self.attr(key).unwrap_or("")
    }

    fn set_default(&mut self, key: &str, value: &str) {
        if self.attr(key).is_none() {
            self.attrs.push((key.to_string(), value.to_string()));
        }
    }

    fn set(&mut self, key: &str, value: String) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key.to_string(), value)),
        }
    }

    fn priority(&self) -> f64 {
        self.get("priority").trim().parse().unwrap_or(f64::NAN)
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "type={}", self.kind.as_str())?;
        for (k, v) in &self.attrs {
            write!(f, ",{k}={v}")?;
        }
        Ok(())
    }
}

/// The entries when `tags` is empty.
pub const DEFAULT_TAGS: [&str; 4] = [
    "type=schedule",
    "type=ref,event=branch",
    "type=ref,event=tag",
    "type=ref,event=pr",
];

/// Parses the entries (the defaults when there are none) and sorts them by priority, highest
/// first, keeping input order among equals.
pub fn parse_tags(entries: &[String]) -> Result<Vec<Tag>, String> {
    let defaults: Vec<String>;
    let entries = if entries.is_empty() {
        defaults = DEFAULT_TAGS.iter().map(|s| s.to_string()).collect();
        &defaults
    } else {
        entries
    };
    let mut tags = entries
        .iter()
        .map(|e| parse_tag(e))
        .collect::<Result<Vec<_>, _>>()?;
    // NaN priorities compare equal to everything, as in JavaScript's sort.
    tags.sort_by(|a, b| {
        b.priority()
            .partial_cmp(&a.priority())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(tags)
}

pub fn parse_tag(entry: &str) -> Result<Tag, String> {
    let mut kind = None;
    let mut tag = Tag {
        kind: Type::Raw,
        attrs: Vec::new(),
    };
    for field in fields(entry)? {
        match key_value(&field) {
            None => tag.set("value", field.trim().to_string()),
            Some((key, value)) => {
                let value = value.trim().to_string();
                if key == "type" {
                    kind = Some(
                        Type::parse(&value)
                            .ok_or_else(|| format!("unknown tag type `{value}` in `{entry}`"))?,
                    );
                } else {
                    tag.set(&key, value);
                }
            }
        }
    }
    tag.kind = kind.unwrap_or(Type::Raw);
    match tag.kind {
        Type::Schedule => tag.set_default("pattern", "nightly"),
        Type::Semver | Type::Pep440 => {
            if tag.attr("pattern").is_none() {
                return Err(format!("missing `pattern` attribute in `{entry}`"));
            }
            tag.set_default("value", "");
            tag.set_default("match", "");
        }
        Type::Match => {
            if tag.attr("pattern").is_none() {
                return Err(format!("missing `pattern` attribute in `{entry}`"));
            }
            tag.set_default("group", "0");
            if tag.get("group").trim().parse::<usize>().is_err() {
                return Err(format!("invalid match group in `{entry}`"));
            }
            tag.set_default("value", "");
        }
        Type::Edge => tag.set_default("branch", ""),
        Type::Ref => {
            match tag.attr("event") {
                None => return Err(format!("missing `event` attribute in `{entry}`")),
                Some("branch" | "tag" | "pr") => {}
                Some(other) => {
                    return Err(format!(
                        "invalid event `{other}` in `{entry}` (branch, tag or pr)"
                    ));
                }
            }
            if tag.get("event") == "pr" {
                tag.set_default("prefix", "pr-");
            }
        }
        Type::Raw => {
            if tag.attr("value").is_none() {
                return Err(format!("missing `value` attribute in `{entry}`"));
            }
        }
        Type::Sha => {
            tag.set_default("prefix", "sha-");
            tag.set_default("format", "short");
            if !matches!(tag.get("format"), "short" | "long") {
                return Err(format!("invalid format in `{entry}` (short or long)"));
            }
        }
    }
    tag.set_default("enable", "true");
    tag.set_default("priority", tag.kind.default_priority());
    Ok(tag)
}

/// The `flavor` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flavor {
    pub latest: Latest,
    pub prefix: String,
    pub prefix_latest: bool,
    pub suffix: String,
    pub suffix_latest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latest {
    Auto,
    True,
    False,
}

impl Latest {
    /// Whether an entry adds `latest`, given what `auto` would decide.
    pub fn decide(self, auto: bool) -> bool {
        match self {
            Latest::Auto => auto,
            Latest::True => true,
            Latest::False => false,
        }
    }
}

impl Default for Flavor {
    fn default() -> Self {
        Flavor {
            latest: Latest::Auto,
            prefix: String::new(),
            prefix_latest: false,
            suffix: String::new(),
            suffix_latest: false,
        }
    }
}

pub fn parse_flavor(entries: &[String]) -> Result<Flavor, String> {
    let mut flavor = Flavor::default();
    for entry in entries {
        let mut onlatest_for = "";
        for field in fields(entry)? {
            let (key, value) =
                key_value(&field).ok_or_else(|| format!("invalid flavor entry `{entry}`"))?;
            let value = value.trim().to_string();
            match key.as_str() {
                "latest" => {
                    flavor.latest = match value.as_str() {
                        "auto" => Latest::Auto,
                        "true" => Latest::True,
                        "false" => Latest::False,
                        _ => {
                            return Err(format!(
                                "invalid latest flavor `{entry}` (auto, true or false)"
                            ));
                        }
                    }
                }
                "prefix" => {
                    flavor.prefix = value;
                    onlatest_for = "prefix";
                }
                "suffix" => {
                    flavor.suffix = value;
                    onlatest_for = "suffix";
                }
                "onlatest" => {
                    let on = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(format!(
                                "invalid onlatest value `{value}` (true or false)"
                            ));
                        }
                    };
                    match onlatest_for {
                        "prefix" => flavor.prefix_latest = on,
                        "suffix" => flavor.suffix_latest = on,
                        _ => {}
                    }
                }
                _ => return Err(format!("unknown flavor entry `{entry}`")),
            }
        }
    }
    Ok(flavor)
}

/// Parses `images` (one a line, or the old comma-separated form) and validates every enabled
/// name against the OCI reference grammar. Returns the enabled names, lower-cased.
pub fn parse_images(entries: &[String]) -> Result<Vec<String>, String> {
    let mut images: Vec<(String, bool)> = Vec::new();
    let old_form =
        entries.len() == 1 && fields(&entries[0])?.iter().all(|f| key_value(f).is_none());
    if old_form {
        images = fields(&entries[0])?
            .into_iter()
            .map(|n| (n, true))
            .collect();
    } else {
        for entry in entries {
            let mut name = String::new();
            let mut enable = true;
            for field in fields(entry)? {
                match key_value(&field) {
                    None => name = field,
                    Some((key, value)) => match key.as_str() {
                        "name" => name = value.trim().to_string(),
                        "enable" => {
                            enable = match value.trim() {
                                "true" => true,
                                "false" => false,
                                _ => return Err(format!("invalid enable value in `{entry}`")),
                            }
                        }
                        _ => return Err(format!("unknown image attribute in `{entry}`")),
                    },
                }
            }
            if name.is_empty() {
                return Err(format!("image name empty in `{entry}`"));
            }
            images.push((name, enable));
        }
    }
    images
        .into_iter()
        .filter(|(_, enable)| *enable)
        .map(|(name, _)| {
            oci::normalize_image_name(&name)
                .map_err(|e| format!("image `{name}` is not a valid OCI image name: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_and_priorities() {
        let tags = parse_tags(&[]).unwrap();
        assert_eq!(tags.len(), 4);
        assert_eq!(tags[0].kind, Type::Schedule);
        assert_eq!(
            tags[3].to_string(),
            "type=ref,event=pr,prefix=pr-,enable=true,priority=600"
        );
        let tags = parse_tags(&lines(&[
            "type=sha",
            "foo",
            "type=semver,pattern={{version}}",
            "type=raw,value=x,priority=2000",
        ]))
        .unwrap();
        let kinds: Vec<_> = tags
            .iter()
            .map(|t| (t.kind, t.get("value").to_string()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Type::Raw, "x".into()),
                (Type::Semver, "".into()),
                (Type::Raw, "foo".into()),
                (Type::Sha, "".into())
            ]
        );
        assert_eq!(tags[3].get("prefix"), "sha-");
        assert_eq!(tags[3].get("format"), "short");
    }

    #[test]
    fn tag_errors() {
        for bad in [
            "type=nope",
            "type=semver",
            "type=match,pattern=x,group=a",
            "type=ref",
            "type=ref,event=push",
            "type=raw",
            "type=sha,format=medium",
        ] {
            assert!(parse_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quoted_regex_with_commas() {
        let t = parse_tag(r#"type=match,"pattern=\d{1,3}",group=0"#).unwrap();
        assert_eq!(t.get("pattern"), r"\d{1,3}");
    }

    #[test]
    fn flavor() {
        let f = parse_flavor(&lines(&[
            "latest=false",
            "prefix=foo-,onlatest=true",
            "suffix=-bar",
        ]))
        .unwrap();
        assert_eq!(f.latest, Latest::False);
        assert_eq!(f.prefix, "foo-");
        assert!(f.prefix_latest);
        assert!(!f.suffix_latest);
        assert!(parse_flavor(&lines(&["latest=maybe"])).is_err());
        assert!(parse_flavor(&lines(&["nope=1"])).is_err());
        assert!(parse_flavor(&lines(&["prefix"])).is_err());
    }

    #[test]
    fn images() {
        assert_eq!(
            parse_images(&lines(&["Name/Foo,ghcr.io/name/bar"])).unwrap(),
            vec!["name/foo", "ghcr.io/name/bar"]
        );
        assert_eq!(
            parse_images(&lines(&[
                "name=name/foo",
                "name=ghcr.io/x/y,enable=false",
                "z"
            ]))
            .unwrap(),
            vec!["name/foo", "z"]
        );
        let err = parse_images(&lines(&["name/foo:1.0"])).unwrap_err();
        assert!(err.contains("tag or digest"), "{err}");
        assert!(parse_images(&lines(&["enable=true"])).is_err());
    }
}
