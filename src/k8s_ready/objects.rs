//! From read YAML documents to Kubernetes objects: kind, name, namespace, the ids its
//! `ready-actions/ignore` annotation silences, and for workloads their pod template and
//! containers. Pure.

use crate::report::{Failure, Location};
use crate::yaml::{Node, Value};

/// The annotation by which an object silences rules, as kube-score's `kube-score/ignore`.
pub const IGNORE_ANNOTATION: &str = "ready-actions/ignore";

/// One input: a file, stdin or a kustomize rendering, as findings name it.
pub struct Source {
    pub display: String,
    pub text: String,
}

/// One Kubernetes object of the input.
pub struct Object {
    /// Index into the sources.
    pub source: usize,
    pub node: Node,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    pub namespace: String,
    /// Rule ids its `ready-actions/ignore` annotation names.
    pub ignored: Vec<String>,
    /// The template it was rendered from, as `helm template` notes it (`# Source: …`).
    pub origin: Option<String>,
    /// The container images `set-image` replaced, in container order.
    pub set_images: Vec<SetImage>,
}

/// A container image replaced as the deploy will replace it (`set-image`): the file says
/// `from` at `line`/`column`, the rules check `to` there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetImage {
    pub container: String,
    pub line: usize,
    pub column: usize,
    pub from: String,
    pub to: String,
}

/// Kinds whose pod template the rules check; `Pod` is its own template.
const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

/// Built-in kinds that are read (and counted) but have no rule of their own, or serve the
/// rules of others (a PodDisruptionBudget, an autoscaler).
const OTHER_KNOWN: &[&str] = &[
    "Ingress",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Service",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Namespace",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "LimitRange",
    "ResourceQuota",
    "PriorityClass",
    "IngressClass",
    "Endpoints",
    "EndpointSlice",
];

/// Is `kind` (under `api_version`) a built-in kind the action knows? Custom resources and
/// CustomResourceDefinitions are not: they are skipped and counted.
pub fn is_known(kind: &str, api_version: &str) -> bool {
    // A built-in kind lives in the core group (`v1`) or a `*.k8s.io`-less built-in group.
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let builtin_group = matches!(
        group,
        "" | "apps"
            | "batch"
            | "policy"
            | "autoscaling"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "discovery.k8s.io"
    );
    builtin_group && (WORKLOADS.contains(&kind) || OTHER_KNOWN.contains(&kind))
}

/// What the input holds: the objects the rules check, and those skipped (unknown kinds, CRDs).
pub struct Objects {
    pub checked: Vec<Object>,
    pub skipped: Vec<Object>,
}

/// The objects of every source, in order; `kind: List` is unpacked. A document that is no
/// object (a scalar, a list, no `kind`) is invalid input at its line.
pub fn read(sources: &[Source], documents: Vec<Vec<Node>>) -> Result<Objects, Failure> {
    let mut objects = Objects {
        checked: Vec::new(),
        skipped: Vec::new(),
    };
    for (source, nodes) in documents.into_iter().enumerate() {
        let origins = Origins::of(&sources[source].text);
        let mut queue: Vec<Node> = nodes.into_iter().rev().collect();
        while let Some(node) = queue.pop() {
            if node.is_null() {
                continue;
            }
            let object = object(source, node, &sources[source], &origins)?;
            if object.kind == "List" || object.kind.ends_with("List") && object.api_version == "v1"
            {
                if let Some(items) = object.node.get("items").and_then(Node::as_seq) {
                    queue.extend(items.iter().rev().cloned());
                }
                continue;
            }
            if is_known(&object.kind, &object.api_version) {
                objects.checked.push(object);
            } else {
                objects.skipped.push(object);
            }
        }
    }
    Ok(objects)
}

fn object(source: usize, node: Node, from: &Source, origins: &Origins) -> Result<Object, Failure> {
    let at = |node: &Node| Location {
        line: Some(node.line as u32),
        column: Some(node.column as u32),
        ..Location::file(from.display.clone())
    };
    if node.as_map().is_none() {
        return Err(Failure::invalid_at(
            format!(
                "{}: a document is not a Kubernetes object (expected a mapping with apiVersion and kind)",
                from.display
            ),
            at(&node),
        ));
    }
    let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let (Some(kind), Some(api_version)) = (text("kind"), text("apiVersion")) else {
        return Err(Failure::invalid_at(
            format!(
                "{}: an object without apiVersion and kind (both strings) at line {}",
                from.display, node.line
            ),
            at(&node),
        ));
    };
    let meta = |key: &str| {
        node.at(&["metadata".into(), key.into()])
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let ignored = node
        .at(&[
            "metadata".into(),
            "annotations".into(),
            IGNORE_ANNOTATION.into(),
        ])
        .and_then(Node::as_str)
        .map(crate::inputs::list)
        .unwrap_or_default();
    Ok(Object {
        source,
        origin: origins.above(node.line),
        kind,
        api_version,
        name: meta("name"),
        namespace: meta("namespace"),
        ignored,
        node,
        set_images: Vec::new(),
    })
}

/// The `# Source: <template>` comments `helm template` writes above each document: for every
/// line, the nearest one above it since the last `---`. Read once per source, so that a long
/// stream costs one pass, not one per object.
struct Origins(Vec<Option<std::rc::Rc<str>>>);

impl Origins {
    fn of(text: &str) -> Origins {
        let mut current: Option<std::rc::Rc<str>> = None;
        let mut lines = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line == "---" {
                current = None;
            } else if let Some(template) = line.strip_prefix("# Source: ") {
                current = Some(template.trim().into());
            }
            lines.push(current.clone());
        }
        Origins(lines)
    }

    /// The template named above a document starting at `line` (1-based).
    fn above(&self, line: usize) -> Option<String> {
        let index = line.checked_sub(2)?;
        self.0.get(index)?.as_deref().map(str::to_string)
    }
}

impl Object {
    /// `Kind/name`, as kubectl names objects.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    pub fn is_workload(&self) -> bool {
        WORKLOADS.contains(&self.kind.as_str())
    }

    /// Serves requests for as long as it runs: what probes, rollouts and disruption budgets
    /// are about (not Jobs, CronJobs or bare Pods).
    pub fn is_long_running(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        )
    }

    /// Runs several replicas behind one selector: what `replicas` and budgets count.
    pub fn is_replicated(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "Deployment" | "StatefulSet" | "ReplicaSet"
        )
    }

    /// Where the pod template (`metadata` + `spec`) of a workload is; for a Pod, the Pod
    /// itself (the empty path).
    fn template_path(&self) -> Option<&'static [&'static str]> {
        match self.kind.as_str() {
            "Pod" => Some(&[]),
            "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
            _ if self.is_workload() => Some(&["spec", "template"]),
            _ => None,
        }
    }

    /// The pod template (`metadata` + `spec`) of a workload; for a Pod, the Pod itself.
    pub fn template(&self) -> Option<&Node> {
        self.template_path()?
            .iter()
            .try_fold(&self.node, |node, key| node.get(key))
    }

    /// The pod spec of a workload.
    pub fn pod_spec(&self) -> Option<&Node> {
        self.template()?.get("spec")
    }

    /// The containers that run for the pod's life (`containers`).
    pub fn containers(&self) -> &[Node] {
        self.pod_spec()
            .and_then(|spec| spec.get("containers"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
    }

    /// Every container, init containers first.
    pub fn all_containers(&self) -> impl Iterator<Item = &Node> {
        let init = self
            .pod_spec()
            .and_then(|spec| spec.get("initContainers"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        init.iter().chain(self.containers())
    }

    /// Every container that runs an image: init, regular and ephemeral ones, in that order.
    pub fn every_container(&self) -> impl Iterator<Item = &Node> {
        let spec = self.pod_spec();
        CONTAINER_LISTS.iter().flat_map(move |list| {
            spec.and_then(|s| s.get(list))
                .and_then(Node::as_seq)
                .unwrap_or_default()
        })
    }

    /// [`Object::every_container`], to change: what `set-image` rewrites.
    pub fn every_container_mut(&mut self) -> Vec<&mut Node> {
        let Some(path) = self.template_path() else {
            return Vec::new();
        };
        let Some(spec) = path
            .iter()
            .chain(&["spec"])
            .try_fold(&mut self.node, |node, key| node.get_mut(key))
        else {
            return Vec::new();
        };
        let Value::Map(entries) = &mut spec.value else {
            return Vec::new();
        };
        let mut lists: Vec<(usize, &mut Node)> = entries
            .iter_mut()
            .filter_map(|(k, v)| {
                let order = CONTAINER_LISTS.iter().position(|l| k.as_str() == Some(l))?;
                Some((order, v))
            })
            .collect();
        lists.sort_by_key(|(order, _)| *order);
        lists
            .into_iter()
            .filter_map(|(_, list)| match &mut list.value {
                Value::Seq(items) => Some(items.iter_mut()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The pod template's labels.
    pub fn pod_labels(&self) -> Vec<(&str, &str)> {
        labels(
            self.template()
                .and_then(|t| t.at(&["metadata".into(), "labels".into()])),
        )
    }

    /// `metadata.name`'s value, or the object itself: where a finding about the whole
    /// object points.
    pub fn name_node(&self) -> &Node {
        self.node
            .at(&["metadata".into(), "name".into()])
            .unwrap_or(&self.node)
    }
}

/// The pod spec's lists of containers, in the order they start.
const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// The string entries of a `labels`/`matchLabels` mapping.
pub fn labels(node: Option<&Node>) -> Vec<(&str, &str)> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
        .collect()
}

/// A container's name, for messages.
pub fn container_name(container: &Node) -> &str {
    container
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or("(unnamed)")
}

/// A container's securityContext field, falling back to the pod's where Kubernetes does.
pub fn security<'a>(pod: Option<&'a Node>, container: &'a Node, key: &str) -> Option<&'a Node> {
    container
        .at(&["securityContext".into(), key.into()])
        .or_else(|| pod?.at(&["securityContext".into(), key.into()]))
}
