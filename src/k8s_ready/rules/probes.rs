//! `readiness-probe`, `liveness-probe`, `distinct-probes`, `startup-probe`: for the containers
//! of long-running workloads. Without readiness, traffic reaches pods that are not ready during
//! a rollout; without liveness, a hung process keeps its place; the same probe for both turns a
//! slow dependency into restarts; an early liveness probe without a startup probe kills slow
//! starters in a loop.

use super::super::objects::{Object, container_name};
use super::{Findings, Rule};
use crate::yaml::{Node, Value};

/// Below this `initialDelaySeconds`, a liveness probe needs a startup probe in front of it.
pub const SHORT_INITIAL_DELAY: i64 = 10;

/// Probe fields about timing, not about what is probed.
const TIMING: &[&str] = &[
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
];

fn each_container(object: &Object, mut check: impl FnMut(&Node, &str)) {
    if object.is_long_running() {
        for container in object.containers() {
            check(container, container_name(container));
        }
    }
}

pub fn readiness(object: &Object, out: &mut Findings) {
    each_container(object, |c, name| {
        if c.get("readinessProbe").is_none() {
            out.push(
                Rule::ReadinessProbe,
                c,
                format!("{} container {name}: no readinessProbe, so a rollout sends traffic to pods that are not ready; add one on the serving port", object.reference()),
            );
        }
    });
}

pub fn liveness(object: &Object, out: &mut Findings) {
    each_container(object, |c, name| {
        if c.get("livenessProbe").is_none() {
            out.push(
                Rule::LivenessProbe,
                c,
                format!("{} container {name}: no livenessProbe, so a hung process is never restarted; add one that checks the process itself", object.reference()),
            );
        }
    });
}

/// What a probe checks, without its timing.
fn handler(probe: &Node) -> Vec<(Value, Value)> {
    probe
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| !k.as_str().is_some_and(|k| TIMING.contains(&k)))
        .map(|(k, v)| (k.value.clone(), strip_places(v)))
        .collect()
}

/// A node's value with every place inside set to the same, so that equal YAML compares equal.
fn strip_places(node: &Node) -> Value {
    match &node.value {
        Value::Seq(items) => Value::Seq(items.iter().map(unplaced).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (unplaced(k), unplaced(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn unplaced(node: &Node) -> Node {
    Node {
        value: strip_places(node),
        line: 0,
        column: 0,
    }
}

pub fn distinct(object: &Object, out: &mut Findings) {
    each_container(object, |c, name| {
        if let (Some(readiness), Some((key, liveness))) =
            (c.get("readinessProbe"), c.entry("livenessProbe"))
            && handler(readiness) == handler(liveness)
        {
            out.push(
                Rule::DistinctProbes,
                key,
                format!("{} container {name}: the livenessProbe checks the same as the readinessProbe, so a slow dependency restarts every pod; let liveness check the process alone", object.reference()),
            );
        }
    });
}

pub fn startup(object: &Object, out: &mut Findings) {
    each_container(object, |c, name| {
        let Some((key, liveness)) = c.entry("livenessProbe") else {
            return;
        };
        let delay = liveness.get("initialDelaySeconds");
        let seconds = delay.and_then(Node::as_i64).unwrap_or(0);
        if seconds < SHORT_INITIAL_DELAY && c.get("startupProbe").is_none() {
            out.push(
                Rule::StartupProbe,
                delay.unwrap_or(key),
                format!("{} container {name}: the livenessProbe starts after {seconds}s and there is no startupProbe, so a slow start is killed in a loop; add a startupProbe", object.reference()),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};

    const PODS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: none
          image: app@sha256:1
        - name: same
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            periodSeconds: 20
        - name: good
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}, initialDelaySeconds: 30}
        - name: early
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}, initialDelaySeconds: 5}
        - name: started
          startupProbe: {httpGet: {path: /live, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      containers: [{name: task, image: app@sha256:1}]
";

    #[test]
    fn each_probe_rule_on_its_line() {
        let o = options();
        insta::assert_snapshot!(
            [
                Rule::ReadinessProbe,
                Rule::LivenessProbe,
                Rule::DistinctProbes,
                Rule::StartupProbe
            ]
            .map(|r| format!("{}:\n{}", r.id(), findings_of(r, PODS, &o)))
            .join("\n")
        );
    }
}
