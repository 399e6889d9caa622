//! `set-image`: the manifests checked as the deploy will apply them. A committed manifest
//! cannot name the digest built later in the same run; the deploy sets it
//! (`kustomize edit set image app=ghcr.io/acme/app@sha256:…`, `kubectl set image`, envsubst).
//! Each entry, in `kustomize edit set image`'s form, replaces the image of every container
//! that runs `<name>` before the rules run; the node keeps its line, so findings still point
//! at the file. Pure.

use super::images::{ExpectedImage, repository, split};
use super::objects::{Object, SetImage, container_name};
use crate::yaml::Value;

/// One entry: the containers it matches, and the image they are checked as running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// As given, for messages.
    pub given: String,
    /// What a container's image must be exactly (`app`, `${IMAGE_REF}`)...
    name: String,
    /// ...or the repository it must be of, any tag or digest (when `name` names one).
    repository: Option<(String, String)>,
    pub to: ExpectedImage,
}

const EXPECTED: &str = "<name>=<image>@sha256:<64 hex digits> (as `kustomize edit set image` takes it) or <image>@sha256:<64 hex digits>";

impl Entry {
    pub fn parse(given: &str) -> Result<Entry, String> {
        let given = given.trim();
        let refused = |why: String| format!("`set-image` {given:?}: {why}; expected {EXPECTED}");
        if given.contains(char::is_whitespace) {
            return Err(refused("an entry has no space in it".into()));
        }
        let (name, image) = match given.split_once('=') {
            Some((name, image)) => (Some(name), image),
            None => (None, given),
        };
        let to = ExpectedImage::parse_as(image, "set-image").map_err(|e| {
            refused(
                e.trim_start_matches("`set-image`")
                    .trim_start_matches(':')
                    .trim()
                    .to_string(),
            )
        })?;
        let name = match name {
            // Alone, the image names its own repository.
            None => split(&to.reference).name.to_string(),
            Some("") => return Err(refused("the name before `=` is empty".into())),
            Some(name) => {
                let parts = split(name);
                if parts.tag.is_some() || parts.digest.is_some() {
                    return Err(refused(format!(
                        "the name {name:?} has a tag or digest; give it without: it matches every tag and digest"
                    )));
                }
                name.to_string()
            }
        };
        Ok(Entry {
            given: given.to_string(),
            repository: repository(&name),
            name,
            to,
        })
    }

    /// Does a container running `image` run what this entry names?
    fn matches(&self, image: &str) -> bool {
        image == self.name
            || self
                .repository
                .as_ref()
                .is_some_and(|r| repository(image).as_ref() == Some(r))
    }

    /// What two entries that match the same images have in common.
    fn key(&self) -> (&str, Option<&(String, String)>) {
        match &self.repository {
            Some(r) => ("", Some(r)),
            None => (&self.name, None),
        }
    }
}

/// The entries of `set-image` (one a line or comma-separated). Two entries for one name would
/// leave the deployed image to chance: refused.
pub fn parse(entries: &[String]) -> Result<Vec<Entry>, String> {
    let mut parsed: Vec<Entry> = Vec::new();
    for given in entries {
        let entry = Entry::parse(given)?;
        if let Some(earlier) = parsed.iter().find(|e| e.key() == entry.key()) {
            return Err(format!(
                "`set-image` names the same image twice, {:?} and {:?}: give one entry per image",
                earlier.given, entry.given
            ));
        }
        parsed.push(entry);
    }
    Ok(parsed)
}

/// Replaces the image of every container an entry matches, noting each on its object; the
/// entries that matched no container are returned (the manifests were checked as written).
pub fn apply<'e>(objects: &mut [Object], entries: &'e [Entry]) -> Vec<&'e Entry> {
    let mut used = vec![false; entries.len()];
    for object in objects.iter_mut() {
        let mut set = Vec::new();
        for container in object.every_container_mut() {
            let name = container_name(container).to_string();
            let Some(node) = container.get_mut("image") else {
                continue;
            };
            let Some(from) = node.as_str().map(str::to_string) else {
                continue;
            };
            let Some(index) = entries.iter().position(|e| e.matches(&from)) else {
                continue;
            };
            used[index] = true;
            let to = entries[index].to.reference.clone();
            if from == to {
                // Already what the deploy sets: nothing differs from the file.
                continue;
            }
            node.value = Value::String(to.clone());
            set.push(SetImage {
                container: name,
                line: node.line,
                column: node.column,
                from,
                to,
            });
        }
        object.set_images.extend(set);
    }
    entries
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(e, _)| e)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::rules::testing::{findings_set, objects_set, options};
    use super::super::rules::{ExpectedImage, Rule};
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn to() -> String {
        format!("ghcr.io/acme/app@{DIGEST}")
    }

    /// `Kind/name container: from → to @line:column` for each image set.
    fn set_in(text: &str, entries: &[&str]) -> Vec<String> {
        let (_, objects) = objects_set(text, entries);
        objects
            .iter()
            .flat_map(|o| {
                o.set_images.iter().map(|s| {
                    format!(
                        "{} {}: {} → {} @{}:{}",
                        o.reference(),
                        s.container,
                        s.from,
                        s.to,
                        s.line,
                        s.column
                    )
                })
            })
            .collect()
    }

    #[test]
    fn entries_take_kustomizes_form_or_an_image_alone() {
        let e = Entry::parse(&format!("app={}", to())).unwrap();
        assert_eq!(e.name, "app");
        assert_eq!(
            e.repository,
            Some(("docker.io".into(), "library/app".into()))
        );
        assert_eq!(e.to.reference, to());
        let alone = Entry::parse(&to()).unwrap();
        assert_eq!(alone.name, "ghcr.io/acme/app");
        assert_eq!(
            alone.repository,
            Some(("ghcr.io".into(), "acme/app".into()))
        );
        let placeholder = Entry::parse(&format!("${{IMAGE_REF}}={}", to())).unwrap();
        assert_eq!(placeholder.repository, None);
        for (bad, why) in [
            (
                "app=ghcr.io/acme/app:main",
                "is not <image>@sha256:<64 hex digits>",
            ),
            ("ghcr.io/acme/app", "is not <image>@sha256:<64 hex digits>"),
            (
                "app=ghcr.io/acme/app@sha256:12",
                "is not <image>@sha256:<64 hex digits>",
            ),
            (&format!("={}", to()), "the name before `=` is empty"),
            (&format!("app:main={}", to()), "has a tag or digest"),
            (&format!("app = {}", to()), "no space"),
            (&format!("app=Bad Host/x@{DIGEST}"), "no space"),
            (
                &format!("app=ghcr.io/acme/UP_@{DIGEST}"),
                "not a valid repository name",
            ),
        ] {
            let e = Entry::parse(bad).unwrap_err();
            assert!(e.starts_with(&format!("`set-image` {bad:?}: ")), "{e}");
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.ends_with(EXPECTED), "{e}");
        }
    }

    #[test]
    fn one_entry_per_image() {
        let list = |v: &[String]| parse(v);
        assert_eq!(
            list(&[to(), format!("worker=ghcr.io/acme/worker@{DIGEST}")])
                .unwrap()
                .len(),
            2
        );
        // `app` and `docker.io/library/app` are one repository.
        let e = list(&[
            format!("app={}", to()),
            format!("docker.io/library/app={}", to()),
        ])
        .unwrap_err();
        assert!(e.contains("names the same image twice"), "{e}");
        let e = list(&[to(), format!("ghcr.io/acme/app=ghcr.io/acme/app@{DIGEST}")]).unwrap_err();
        assert!(e.contains("twice"), "{e}");
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: main
          image: ghcr.io/acme/app:main
        - name: bare
          image: ghcr.io/acme/app
        - name: pinned-elsewhere
          image: 'ghcr.io/acme/app:1.0@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'
        - name: worker
          image: ghcr.io/acme/worker:main
        - name: hub
          image: acme/app:main
";

    #[test]
    fn by_repository_any_tag_or_digest() {
        assert_eq!(
            set_in(DEPLOYMENT, &[&to()]),
            [
                format!(
                    "Deployment/web main: ghcr.io/acme/app:main → {} @9:18",
                    to()
                ),
                format!("Deployment/web bare: ghcr.io/acme/app → {} @11:18", to()),
                format!(
                    "Deployment/web pinned-elsewhere: ghcr.io/acme/app:1.0@sha256:{} → {} @13:18",
                    "f".repeat(64),
                    to()
                ),
            ]
        );
        // Named as Docker resolves names: `acme/app` is Docker Hub's, not ghcr.io's.
        assert_eq!(
            set_in(DEPLOYMENT, &[&format!("docker.io/acme/app={}", to())]),
            [format!(
                "Deployment/web hub: acme/app:main → {} @17:18",
                to()
            )]
        );
    }

    #[test]
    fn by_bare_name_or_placeholder() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: app}
    - {name: b, image: 'app:v1'}
    - {name: c, image: '${IMAGE_REF}'}
    - {name: d, image: other}
";
        let got = set_in(
            text,
            &[
                &format!("app={}", to()),
                &format!("${{IMAGE_REF}}=ghcr.io/acme/api@{DIGEST}"),
            ],
        );
        assert_eq!(
            got,
            [
                format!("Pod/p a: app → {} @6:24", to()),
                format!("Pod/p b: app:v1 → {} @7:24", to()),
                format!("Pod/p c: ${{IMAGE_REF}} → ghcr.io/acme/api@{DIGEST} @8:24"),
            ]
        );
    }

    #[test]
    fn init_and_ephemeral_containers_and_a_cronjobs_pod_template() {
        let text = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          ephemeralContainers:
            - {name: debug, image: 'ghcr.io/acme/app:debug'}
          containers:
            - {name: job, image: 'ghcr.io/acme/app:main'}
          initContainers:
            - {name: migrate, image: 'ghcr.io/acme/app:main'}
";
        // Init containers first, as they start.
        assert_eq!(
            set_in(text, &[&to()]),
            [
                format!(
                    "CronJob/nightly migrate: ghcr.io/acme/app:main → {} @15:38",
                    to()
                ),
                format!(
                    "CronJob/nightly job: ghcr.io/acme/app:main → {} @13:34",
                    to()
                ),
                format!(
                    "CronJob/nightly debug: ghcr.io/acme/app:debug → {} @11:36",
                    to()
                ),
            ]
        );
    }

    /// What `kubectl kustomize` prints for an overlay whose `images:` entry names a tag the
    /// deploy replaces: the rendered stream is set like any other, findings on its lines.
    #[test]
    fn kustomize_rendered_output() {
        let rendered = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
  selector:
    app: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - image: ghcr.io/acme/app:main
        name: app
";
        let mut o = options();
        o.expect_image = Some(ExpectedImage::parse(&to()).unwrap());
        let before = findings_set(Rule::ExpectedImage, rendered, &o, &[]);
        assert_eq!(
            before,
            format!(
                "19:16: Deployment/web container app: image ghcr.io/acme/app:main is not the image being deployed, {}",
                to()
            )
        );
        let set = format!("app={}", to());
        for entry in [to(), set.replace("app=", "ghcr.io/acme/app=")] {
            for rule in [Rule::ExpectedImage, Rule::ImmutableImage] {
                assert_eq!(findings_set(rule, rendered, &o, &[&entry]), "", "{entry}");
            }
        }
    }

    #[test]
    fn entries_that_match_nothing_are_returned() {
        let (sources, _) = objects_set(DEPLOYMENT, &[]);
        let documents = vec![crate::yaml::documents(&sources[0].text).unwrap()];
        let mut objects = super::super::objects::read(&sources, documents).unwrap();
        let entries = parse(&[to(), format!("ghcr.io/acme/api@{DIGEST}")]).unwrap();
        let unmatched = apply(&mut objects.checked, &entries);
        assert_eq!(
            unmatched
                .iter()
                .map(|e| e.given.as_str())
                .collect::<Vec<_>>(),
            [format!("ghcr.io/acme/api@{DIGEST}")]
        );
        // A container that already runs the image is matched, and not noted as set.
        let pinned =
            DEPLOYMENT.replace("image: ghcr.io/acme/app:main", &format!("image: {}", to()));
        assert_eq!(set_in(&pinned, &[&to()]).len(), 2);
        assert_eq!(set_in(DEPLOYMENT, &[&to()]).len(), 3);
    }
}
