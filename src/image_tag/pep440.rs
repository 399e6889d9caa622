//! PEP 440 versions, as much as `type=pep440` needs: validation, the normalised form (`clean`),
//! the release numbers and whether it is a pre-, post- or dev-release.

use regex::Regex;
use std::sync::LazyLock;

static PEP440: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .expect("the PEP 440 pattern compiles")
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub epoch: u64,
    pub release: Vec<u64>,
    pub pre: Option<(&'static str, u64)>,
    pub post: Option<u64>,
    pub dev: Option<u64>,
    pub local: Option<String>,
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let c = PEP440.captures(s)?;
        let num = |name: &str| c.name(name).map(|m| m.as_str().parse::<u64>().ok());
        let epoch = num("epoch").flatten().unwrap_or(0);
        let release = c["release"]
            .split('.')
            .map(|n| n.parse::<u64>().ok())
            .collect::<Option<Vec<_>>>()?;
        let pre = match c.name("pre_l") {
            Some(l) => {
                let label = match l.as_str().to_ascii_lowercase().as_str() {
                    "a" | "alpha" => "a",
                    "b" | "beta" => "b",
                    _ => "rc",
                };
                Some((label, num("pre_n").flatten().unwrap_or(0)))
            }
            None => None,
        };
        let post = if c.name("post").is_some() {
            Some(
                num("post_n1")
                    .flatten()
                    .or(num("post_n2").flatten())
                    .unwrap_or(0),
            )
        } else {
            None
        };
        let dev = c.name("dev").map(|_| num("dev_n").flatten().unwrap_or(0));
        let local = c
            .name("local")
            .map(|m| m.as_str().to_ascii_lowercase().replace(['-', '_'], "."));
        Some(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    pub fn is_postrelease(&self) -> bool {
        self.post.is_some()
    }

    pub fn is_devrelease(&self) -> bool {
        self.dev.is_some()
    }

    pub fn major(&self) -> u64 {
        self.release[0]
    }

    pub fn minor(&self) -> u64 {
        self.release.get(1).copied().unwrap_or(0)
    }

    pub fn patch(&self) -> u64 {
        self.release.get(2).copied().unwrap_or(0)
    }

    /// The normalised form: `v1.2.3beta2` → `1.2.3b2`, `1.0dev4` → `1.0.dev4`.
    pub fn clean(&self) -> String {
        let mut s = String::new();
        if self.epoch != 0 {
            s.push_str(&format!("{}!", self.epoch));
        }
        let release: Vec<String> = self.release.iter().map(u64::to_string).collect();
        s.push_str(&release.join("."));
        if let Some((label, n)) = self.pre {
            s.push_str(&format!("{label}{n}"));
        }
        if let Some(n) = self.post {
            s.push_str(&format!(".post{n}"));
        }
        if let Some(n) = self.dev {
            s.push_str(&format!(".dev{n}"));
        }
        if let Some(local) = &self.local {
            s.push('+');
            s.push_str(local);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        Version::parse(s).unwrap().clean()
    }

    #[test]
    fn normalises_like_the_readme_table() {
        assert_eq!(clean("1.2.3"), "1.2.3");
        assert_eq!(clean("v1.2.3"), "1.2.3");
        assert_eq!(clean("v1.2.3rc2"), "1.2.3rc2");
        assert_eq!(clean("1.2.3post1"), "1.2.3.post1");
        assert_eq!(clean("1.2.3beta2"), "1.2.3b2");
        assert_eq!(clean("1.0dev4"), "1.0.dev4");
        assert_eq!(clean("1!2.0-1"), "1!2.0.post1");
        assert_eq!(clean("1.0+Ubuntu-1"), "1.0+ubuntu.1");
    }

    #[test]
    fn release_kinds() {
        let v = Version::parse("1.2.3rc1").unwrap();
        assert!(v.is_prerelease());
        assert!(Version::parse("1.2.post1").unwrap().is_postrelease());
        assert!(Version::parse("1.2.dev1").unwrap().is_devrelease());
        let v = Version::parse("2.5").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (2, 5, 0));
        assert!(!v.is_prerelease());
    }

    #[test]
    fn rejects_what_is_not_pep440() {
        assert!(Version::parse("1.2.3-beta.1.x").is_none());
        assert!(Version::parse("main").is_none());
        assert!(Version::parse("").is_none());
    }
}
