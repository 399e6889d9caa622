//! `rolling-update`, `min-replicas`, `disruption-budget`, `graceful-shutdown`: a rollout, a
//! node drain or a pod's end must not take the service down. Deployments (and ReplicaSets,
//! StatefulSets where they apply); DaemonSets for the shutdown rule.

use super::super::objects::{Object, container_name, labels};
use super::{Context, Findings, Rule};
use crate::yaml::{Node, Value};

/// The shutdown grace period that, without a preStop hook, counts as enough to drain.
pub const ENOUGH_GRACE_SECONDS: i64 = 30;

fn replicas(object: &Object) -> (i64, Option<&Node>) {
    let node = object.node.at(&["spec".into(), "replicas".into()]);
    (node.and_then(Node::as_i64).unwrap_or(1), node)
}

/// An `IntOrString` count (`1`, `"25%"`) out of `of`, rounded as Kubernetes rounds
/// `maxUnavailable` (down) or `maxSurge` (up).
fn count_of(node: Option<&Node>, default_percent: i64, of: i64, round_up: bool) -> Option<i64> {
    let percent = match node.map(|n| &n.value) {
        None => default_percent,
        Some(Value::Int(i)) => return Some(*i),
        Some(Value::String(s)) => s.strip_suffix('%')?.trim().parse().ok()?,
        Some(_) => return None,
    };
    let scaled = percent * of;
    Some(if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    })
}

pub fn rolling_update(object: &Object, out: &mut Findings) {
    if object.kind != "Deployment" {
        return;
    }
    let strategy = object.node.at(&["spec".into(), "strategy".into()]);
    let kind = strategy.and_then(|s| s.get("type"));
    if let Some(kind) = kind.filter(|k| k.as_str() == Some("Recreate")) {
        out.push(
            Rule::RollingUpdate,
            kind,
            format!("{}: strategy Recreate stops every pod before the new ones start; use RollingUpdate with maxUnavailable: 0", object.reference()),
        );
        return;
    }
    let (count, _) = replicas(object);
    let rolling = strategy.and_then(|s| s.get("rollingUpdate"));
    let unavailable_node = rolling.and_then(|r| r.get("maxUnavailable"));
    let surge_node = rolling.and_then(|r| r.get("maxSurge"));
    let place = unavailable_node
        .or(rolling)
        .or(strategy)
        .unwrap_or(object.name_node());
    let (Some(unavailable), Some(surge)) = (
        count_of(unavailable_node, 25, count, false),
        count_of(surge_node, 25, count, true),
    ) else {
        out.push(
            Rule::RollingUpdate,
            place,
            format!(
                "{}: maxUnavailable and maxSurge must be a count or a percentage such as \"25%\"",
                object.reference()
            ),
        );
        return;
    };
    if unavailable >= count && count > 0 {
        out.push(
            Rule::RollingUpdate,
            place,
            format!("{}: maxUnavailable {unavailable} of {count} replicas lets a rollout take every pod down; set maxUnavailable: 0", object.reference()),
        );
    } else if unavailable == 0 && surge == 0 {
        out.push(
            Rule::RollingUpdate,
            surge_node.unwrap_or(place),
            format!("{}: maxUnavailable and maxSurge are both 0, so the rollout cannot make progress; set maxSurge: 1", object.reference()),
        );
    }
}

/// The autoscaler in the input that scales `object`, if any.
fn autoscaler<'a>(cx: &'a Context, object: &Object) -> Option<&'a Object> {
    cx.objects.iter().find(|o| {
        o.kind == "HorizontalPodAutoscaler"
            && o.namespace == object.namespace
            && o.node
                .at(&["spec".into(), "scaleTargetRef".into()])
                .is_some_and(|t| {
                    t.get("kind").and_then(Node::as_str) == Some(object.kind.as_str())
                        && t.get("name").and_then(Node::as_str) == Some(object.name.as_str())
                })
    })
}

pub fn min_replicas(cx: &Context, object: &Object, out: &mut Findings) {
    if !object.is_replicated() {
        return;
    }
    let wanted = cx.options.min_replicas;
    let (count, node, whose) = match autoscaler(cx, object) {
        Some(hpa) => {
            let node = hpa.node.at(&["spec".into(), "minReplicas".into()]);
            let count = node.and_then(Node::as_i64).unwrap_or(1);
            (
                count,
                node.unwrap_or(hpa.name_node()),
                format!("its autoscaler {}'s minReplicas", hpa.reference()),
            )
        }
        None => {
            let (count, node) = replicas(object);
            (
                count,
                node.unwrap_or(object.name_node()),
                "replicas".to_string(),
            )
        }
    };
    if count < wanted {
        out.push(
            Rule::MinReplicas,
            node,
            format!("{}: {whose} is {count}, below min-replicas {wanted}: one pod's restart is an outage", object.reference()),
        );
    }
}

/// Does a `matchLabels` / `matchExpressions` selector select pods with `pod` labels?
fn selects(selector: &Node, pod: &[(&str, &str)]) -> bool {
    let value_of = |key: &str| pod.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let match_labels = labels(selector.get("matchLabels"));
    let expressions = selector
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    if match_labels.is_empty() && expressions.is_empty() {
        // An empty selector selects every pod of the namespace (policy/v1).
        return selector.as_map().is_some();
    }
    let labels_match = match_labels.iter().all(|(k, v)| value_of(k) == Some(v));
    let expressions_match = expressions.iter().all(|e| {
        let key = e.get("key").and_then(Node::as_str).unwrap_or_default();
        let values: Vec<&str> = e
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        match e.get("operator").and_then(Node::as_str) {
            Some("In") => value_of(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => value_of(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => value_of(key).is_some(),
            Some("DoesNotExist") => value_of(key).is_none(),
            _ => false,
        }
    });
    labels_match && expressions_match
}

pub fn disruption_budget(cx: &Context, object: &Object, out: &mut Findings) {
    if !object.is_replicated() {
        return;
    }
    let pod = object.pod_labels();
    let covered = cx.objects.iter().any(|o| {
        o.kind == "PodDisruptionBudget"
            && o.namespace == object.namespace
            && o.node
                .at(&["spec".into(), "selector".into()])
                .is_some_and(|s| selects(s, &pod))
    });
    if !covered {
        out.push(
            Rule::DisruptionBudget,
            object.name_node(),
            format!("{}: no PodDisruptionBudget in the input selects its pods, so a node drain may evict them all at once; add one with maxUnavailable: 1", object.reference()),
        );
    }
}

pub fn graceful_shutdown(object: &Object, out: &mut Findings) {
    if !object.is_long_running() {
        return;
    }
    let spec = object.pod_spec();
    let grace = spec.and_then(|s| s.get("terminationGracePeriodSeconds"));
    let seconds = grace.and_then(Node::as_i64);
    if seconds.is_some_and(|s| s >= ENOUGH_GRACE_SECONDS) {
        return;
    }
    for c in object.containers() {
        if c.at(&["lifecycle".into(), "preStop".into()]).is_none() {
            let had = match seconds {
                Some(s) => format!("terminationGracePeriodSeconds is {s}"),
                None => "terminationGracePeriodSeconds is not set".to_string(),
            };
            out.push(
                Rule::GracefulShutdown,
                grace.unwrap_or(c),
                format!("{} container {}: no preStop hook and {had}, so requests in flight are cut when a pod stops; add a preStop sleep or a grace period of at least {ENOUGH_GRACE_SECONDS}s the app drains within", object.reference(), container_name(c)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};

    const STREAM: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: recreate}
spec:
  replicas: 3
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: recreate}}
    spec:
      terminationGracePeriodSeconds: 45
      containers: [{name: a}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: all-at-once}
spec:
  replicas: 2
  strategy:
    rollingUpdate: {maxUnavailable: 100%}
  template:
    metadata: {labels: {app: all, tier: web}}
    spec:
      containers:
        - name: a
          lifecycle: {preStop: {exec: {command: [sleep, '5']}}}
        - name: b
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  strategy:
    rollingUpdate: {maxUnavailable: 0, maxSurge: 0}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      terminationGracePeriodSeconds: 5
      containers: [{name: a}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled}
spec:
  template:
    metadata: {labels: {app: scaled}}
    spec:
      containers:
        - {name: a, lifecycle: {preStop: {httpGet: {path: /drain, port: 8080}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scaled}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scaled}
  minReplicas: 3
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: all}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: all}
    matchExpressions: [{key: tier, operator: In, values: [web]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: other-namespace, namespace: other}
spec:
  selector: {matchLabels: {app: scaled}}
";

    #[test]
    fn each_rollout_rule_on_its_line() {
        let o = options();
        insta::assert_snapshot!(
            [
                Rule::RollingUpdate,
                Rule::MinReplicas,
                Rule::DisruptionBudget,
                Rule::GracefulShutdown
            ]
            .map(|r| format!("{}:\n{}", r.id(), findings_of(r, STREAM, &o)))
            .join("\n")
        );
    }
}
