//! The rules: from the read objects to findings, each on the file and line of the offending
//! field (or of the object where a field is missing). Pure.
//!
//! Each rule is one unit: a [`Rule`] variant with its kebab-case id, title, default severity
//! and doc link; one file per family (probes, resources, rollout, image, security, env,
//! ingress) holds their checks and tests. Every id has a section in docs/k8s-ready.md (a test
//! keeps the two in step). The driver runs the selected rules over every object and drops what
//! an object's `ready-actions/ignore` annotation silences.

mod env;
mod image;
mod ingress;
mod probes;
mod resources;
mod rollout;
mod security;

pub use super::images::ExpectedImage;
pub use ingress::parse_size;

use super::objects::{IGNORE_ANNOTATION, Object, Source};
use crate::report::{Finding, Location, Severity};
use crate::yaml::Node;

/// Every rule of k8s-ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    ReadinessProbe,
    LivenessProbe,
    DistinctProbes,
    StartupProbe,
    CpuRequest,
    MemoryRequest,
    MemoryLimit,
    RollingUpdate,
    MinReplicas,
    DisruptionBudget,
    GracefulShutdown,
    ImmutableImage,
    ExpectedImage,
    RunAsNonRoot,
    PrivilegeEscalation,
    ReadOnlyRootFilesystem,
    DropCapabilities,
    Privileged,
    HostNamespaces,
    HostPath,
    SeccompProfile,
    SecretInEnv,
    IngressTls,
    IngressBodySize,
}

impl Rule {
    /// In the order the docs list them.
    pub const ALL: [Rule; 24] = [
        Rule::ReadinessProbe,
        Rule::LivenessProbe,
        Rule::DistinctProbes,
        Rule::StartupProbe,
        Rule::CpuRequest,
        Rule::MemoryRequest,
        Rule::MemoryLimit,
        Rule::RollingUpdate,
        Rule::MinReplicas,
        Rule::DisruptionBudget,
        Rule::GracefulShutdown,
        Rule::ImmutableImage,
        Rule::ExpectedImage,
        Rule::RunAsNonRoot,
        Rule::PrivilegeEscalation,
        Rule::ReadOnlyRootFilesystem,
        Rule::DropCapabilities,
        Rule::Privileged,
        Rule::HostNamespaces,
        Rule::HostPath,
        Rule::SeccompProfile,
        Rule::SecretInEnv,
        Rule::IngressTls,
        Rule::IngressBodySize,
    ];

    /// The kebab-case id findings carry, and `rules`, `ignore` and annotations name.
    pub fn id(self) -> &'static str {
        match self {
            Rule::ReadinessProbe => "readiness-probe",
            Rule::LivenessProbe => "liveness-probe",
            Rule::DistinctProbes => "distinct-probes",
            Rule::StartupProbe => "startup-probe",
            Rule::CpuRequest => "cpu-request",
            Rule::MemoryRequest => "memory-request",
            Rule::MemoryLimit => "memory-limit",
            Rule::RollingUpdate => "rolling-update",
            Rule::MinReplicas => "min-replicas",
            Rule::DisruptionBudget => "disruption-budget",
            Rule::GracefulShutdown => "graceful-shutdown",
            Rule::ImmutableImage => "immutable-image",
            Rule::ExpectedImage => "expected-image",
            Rule::RunAsNonRoot => "run-as-non-root",
            Rule::PrivilegeEscalation => "privilege-escalation",
            Rule::ReadOnlyRootFilesystem => "read-only-root-filesystem",
            Rule::DropCapabilities => "drop-capabilities",
            Rule::Privileged => "privileged",
            Rule::HostNamespaces => "host-namespaces",
            Rule::HostPath => "host-path",
            Rule::SeccompProfile => "seccomp-profile",
            Rule::SecretInEnv => "secret-in-env",
            Rule::IngressTls => "ingress-tls",
            Rule::IngressBodySize => "ingress-body-size",
        }
    }

    /// The title annotations show after the id.
    pub fn title(self) -> &'static str {
        match self {
            Rule::ReadinessProbe => "No readiness probe",
            Rule::LivenessProbe => "No liveness probe",
            Rule::DistinctProbes => "Readiness and liveness probe are the same",
            Rule::StartupProbe => "Liveness probe starts early without a startup probe",
            Rule::CpuRequest => "No CPU request",
            Rule::MemoryRequest => "No memory request",
            Rule::MemoryLimit => "No memory limit",
            Rule::RollingUpdate => "Rollout takes every replica down",
            Rule::MinReplicas => "Too few replicas",
            Rule::DisruptionBudget => "No PodDisruptionBudget selects the workload",
            Rule::GracefulShutdown => "No preStop hook or shutdown grace period",
            Rule::ImmutableImage => "Image reference can move",
            Rule::ExpectedImage => "Not the image being deployed",
            Rule::RunAsNonRoot => "May run as root",
            Rule::PrivilegeEscalation => "Privilege escalation allowed",
            Rule::ReadOnlyRootFilesystem => "Root filesystem is writable",
            Rule::DropCapabilities => "Capabilities not dropped",
            Rule::Privileged => "Privileged container",
            Rule::HostNamespaces => "Shares a host namespace",
            Rule::HostPath => "Mounts a host path",
            Rule::SeccompProfile => "No seccomp profile",
            Rule::SecretInEnv => "Secret-looking literal in env",
            Rule::IngressTls => "Ingress host without TLS",
            Rule::IngressBodySize => "Ingress without a request-size limit",
        }
    }

    /// Every rule is part of the production baseline: all block.
    pub fn default_severity(self) -> Severity {
        Severity::Error
    }

    /// Where the rule is documented: its section in docs/k8s-ready.md.
    pub fn doc_link(self) -> String {
        format!(
            "{}/blob/main/docs/k8s-ready.md#{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.id()
        )
    }

    /// The rule table as the shared SARIF writer lists it; the help is the rule's doc section.
    pub fn sarif_rules() -> Vec<crate::render::sarif::Rule> {
        const DOCS: &str = include_str!("../../../docs/k8s-ready.md");
        Rule::ALL
            .iter()
            .map(|r| crate::render::sarif::Rule {
                id: r.id().into(),
                title: r.title().into(),
                help: crate::render::rule_docs::section(DOCS, r.id())
                    .unwrap_or(r.title())
                    .to_string(),
                help_uri: Some(r.doc_link()),
            })
            .collect()
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    fn check(self, cx: &Context, object: &Object, out: &mut Findings) {
        match self {
            Rule::ReadinessProbe => probes::readiness(object, out),
            Rule::LivenessProbe => probes::liveness(object, out),
            Rule::DistinctProbes => probes::distinct(object, out),
            Rule::StartupProbe => probes::startup(object, out),
            Rule::CpuRequest => resources::cpu_request(object, out),
            Rule::MemoryRequest => resources::memory_request(object, out),
            Rule::MemoryLimit => resources::memory_limit(object, out),
            Rule::RollingUpdate => rollout::rolling_update(object, out),
            Rule::MinReplicas => rollout::min_replicas(cx, object, out),
            Rule::DisruptionBudget => rollout::disruption_budget(cx, object, out),
            Rule::GracefulShutdown => rollout::graceful_shutdown(object, out),
            Rule::ImmutableImage => image::immutable(object, out),
            Rule::ExpectedImage => image::expected(cx, object, out),
            Rule::RunAsNonRoot => security::run_as_non_root(object, out),
            Rule::PrivilegeEscalation => security::privilege_escalation(object, out),
            Rule::ReadOnlyRootFilesystem => security::read_only_root(object, out),
            Rule::DropCapabilities => security::drop_capabilities(object, out),
            Rule::Privileged => security::privileged(object, out),
            Rule::HostNamespaces => security::host_namespaces(object, out),
            Rule::HostPath => security::host_path(object, out),
            Rule::SeccompProfile => security::seccomp_profile(object, out),
            Rule::SecretInEnv => env::secret_in_env(object, out),
            Rule::IngressTls => ingress::tls(object, out),
            Rule::IngressBodySize => ingress::body_size(cx, object, out),
        }
    }
}

/// What the caller asks of the check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The rules to run, in `Rule::ALL` order (`rules` minus `ignore`).
    pub rules: Vec<Rule>,
    pub min_replicas: i64,
    /// The largest request body an ingress may let through, in bytes (`max-body-size`).
    pub max_body_size: Option<u64>,
    pub expect_image: Option<ExpectedImage>,
}

/// What a rule may look at beyond its object: the others (budgets, autoscalers) and options.
pub struct Context<'a> {
    pub objects: &'a [Object],
    pub options: &'a Options,
}

/// Findings of one object, in the order its rules found them.
pub struct Findings {
    pending: Vec<(Cause, usize, usize, String)>,
}

impl Findings {
    /// A finding of `rule` at `node` (its line and column).
    pub fn push(&mut self, rule: Rule, node: &Node, message: String) {
        self.pending
            .push((Cause::Rule(rule), node.line, node.column, message));
    }
}

/// What a pending finding comes from: a rule, or the object's ignore annotation naming an id
/// no rule has (a typo there would silence nothing, unseen).
#[derive(Clone, Copy)]
enum Cause {
    Rule(Rule),
    UnknownIgnored,
}

/// A finding and the object it is about (`None`: about the whole input).
pub struct Found {
    pub object: Option<usize>,
    pub finding: Finding,
}

/// Runs the rules over every object; findings in input order (source, line), each rule's
/// findings of one place in the order found.
pub fn check(sources: &[Source], objects: &[Object], options: &Options) -> Vec<Found> {
    let cx = Context { objects, options };
    let mut found = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        let mut out = Findings {
            pending: Vec::new(),
        };
        for rule in &options.rules {
            if !object.ignored.iter().any(|id| id == rule.id()) {
                rule.check(&cx, object, &mut out);
            }
        }
        unknown_ignored(object, &mut out);
        let display = &sources[object.source].display;
        let mut pending = out.pending;
        pending.sort_by_key(|(_, line, column, _)| (*line, *column));
        // A stream from `helm template` names each document's template: say which.
        // Messages quote the manifest's values: no control character of theirs reaches a log.
        let from = |message: String| {
            crate::gha::printable(&match &object.origin {
                Some(template) => format!("{message} (rendered from {template})"),
                None => message,
            })
        };
        found.extend(
            pending
                .into_iter()
                .map(|(cause, line, column, message)| Found {
                    object: Some(index),
                    finding: cause.finding(from(message)).at(Location {
                        line: Some(line as u32),
                        column: Some(column as u32),
                        ..Location::file(display.clone())
                    }),
                }),
        );
    }
    if options.rules.contains(&Rule::ExpectedImage)
        && let Some(expected) = &options.expect_image
        && let Some(message) = image::missing_everywhere(objects, expected)
    {
        let mut f = finding(Rule::ExpectedImage, message);
        if let Some(first) = sources.first() {
            f = f.at(Location::line(first.display.clone(), 1));
        }
        found.push(Found {
            object: None,
            finding: f,
        });
    }
    found.sort_by_key(|f| f.object.map_or((usize::MAX, 0), |o| (objects[o].source, 0)));
    found
}

fn finding(rule: Rule, message: String) -> Finding {
    Finding::new(rule.default_severity(), rule.id(), rule.title(), message)
}

/// The id of the warning about an ignore annotation that names no rule.
pub const UNKNOWN_IGNORED: &str = "unknown-rule-id";

impl Cause {
    fn finding(self, message: String) -> Finding {
        match self {
            Cause::Rule(rule) => finding(rule, message),
            Cause::UnknownIgnored => {
                Finding::warning(UNKNOWN_IGNORED, "Ignore annotation names no rule", message)
            }
        }
    }
}

/// A warning for each id of the object's `ready-actions/ignore` annotation that no rule has,
/// at the annotation's value.
fn unknown_ignored(object: &Object, out: &mut Findings) {
    let Some(node) = object.node.at(&[
        "metadata".into(),
        "annotations".into(),
        IGNORE_ANNOTATION.into(),
    ]) else {
        return;
    };
    if node.as_str().is_none() {
        out.pending.push((
            Cause::UnknownIgnored,
            node.line,
            node.column,
            format!(
                "{}: the {IGNORE_ANNOTATION} annotation is not a string of rule ids (comma-separated), so it silences nothing",
                object.reference()
            ),
        ));
    }
    for id in object
        .ignored
        .iter()
        .filter(|id| Rule::from_id(id).is_none())
    {
        out.pending.push((
            Cause::UnknownIgnored,
            node.line,
            node.column,
            format!(
                "{}: the {IGNORE_ANNOTATION} annotation names {id:?}, which is no rule id, so it silences nothing; known ids: {}",
                object.reference(),
                Rule::ALL.map(Rule::id).join(", ")
            ),
        ));
    }
}

/// The rules that run: `rules` (all when empty) minus `ignore`. An unknown id is refused.
pub fn select(rules: &[String], ignore: &[String]) -> Result<Vec<Rule>, String> {
    let parse = |ids: &[String], input: &str| -> Result<Vec<Rule>, String> {
        ids.iter()
            .map(|id| {
                Rule::from_id(id).ok_or_else(|| {
                    format!(
                        "`{input}`: unknown rule id {id:?}; known ids: {}",
                        Rule::ALL.map(Rule::id).join(", ")
                    )
                })
            })
            .collect()
    };
    let wanted = parse(rules, "rules")?;
    let ignored = parse(ignore, "ignore")?;
    Ok(Rule::ALL
        .into_iter()
        .filter(|r| wanted.is_empty() || wanted.contains(r))
        .filter(|r| !ignored.contains(r))
        .collect())
}

/// What the rules' own tests share: objects read from YAML text written inline, and one rule's
/// findings over them, one line each, as the snapshots show them.
#[cfg(test)]
pub(super) mod testing {
    use super::*;

    pub fn options() -> Options {
        Options {
            rules: Rule::ALL.to_vec(),
            min_replicas: 2,
            max_body_size: None,
            expect_image: None,
        }
    }

    /// `line:column: message` for each finding of `rule` over `text` (one file, `t.yaml`).
    pub fn findings_of(rule: Rule, text: &str, options: &Options) -> String {
        findings_set(rule, text, options, &[])
    }

    /// The objects of `text` (one file, `t.yaml`), their images set by `set_image` entries.
    pub fn objects_set(text: &str, set_image: &[&str]) -> (Vec<Source>, Vec<Object>) {
        let sources = vec![Source {
            display: "t.yaml".into(),
            text: text.into(),
        }];
        let documents = vec![crate::yaml::documents(text).expect("test YAML")];
        let mut objects = super::super::objects::read(&sources, documents).expect("objects");
        let entries: Vec<String> = set_image.iter().map(|e| e.to_string()).collect();
        let entries = super::super::set_image::parse(&entries).expect("set-image entries");
        super::super::set_image::apply(&mut objects.checked, &entries);
        (sources, objects.checked)
    }

    /// [`findings_of`] over the manifests as `set_image` entries set them.
    pub fn findings_set(rule: Rule, text: &str, options: &Options, set_image: &[&str]) -> String {
        let (sources, objects) = objects_set(text, set_image);
        check(&sources, &objects, options)
            .into_iter()
            .filter(|f| f.finding.rule == rule.id())
            .map(|f| {
                let at = f.finding.location.expect("a location");
                format!(
                    "{}:{}: {}",
                    at.line.unwrap_or(0),
                    at.column.unwrap_or(0),
                    f.finding.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kebab_case_unique_and_linked_to_their_section() {
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "{id} twice");
            assert!(
                id.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{id} is not kebab-case"
            );
            assert!(rule.doc_link().ends_with(&format!("k8s-ready.md#{id}")));
            assert_eq!(Rule::from_id(id), Some(rule));
        }
    }

    #[test]
    fn rules_and_ignore_select_and_refuse_unknown_ids() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(select(&[], &[]).unwrap().len(), Rule::ALL.len());
        assert_eq!(
            select(&ids(&["privileged", "host-path"]), &ids(&["host-path"])).unwrap(),
            [Rule::Privileged]
        );
        assert_eq!(select(&[], &ids(&["privileged"])).unwrap().len(), 23);
        let e = select(&ids(&["no-such"]), &[]).unwrap_err();
        assert!(e.starts_with("`rules`: unknown rule id \"no-such\"; known ids: readiness-probe"));
    }

    /// docs/k8s-ready.md has one `### \`id\`` section per rule under `## Rules`, in the order
    /// of `Rule::ALL`, and no other.
    #[test]
    fn docs_document_exactly_the_rules() {
        let docs = include_str!("../../../docs/k8s-ready.md");
        let documented = crate::render::rule_docs::ids(docs);
        let code: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(documented, code, "docs and code list different rules");
    }
}
