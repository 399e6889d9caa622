//! `cpu-request`, `memory-request`, `memory-limit`: for the containers of every workload.
//! Without requests the scheduler packs pods blind and they are evicted first; without a
//! memory limit one leak takes the node's memory from its neighbours.

use super::super::objects::{Object, container_name};
use super::{Findings, Rule};

fn check(object: &Object, out: &mut Findings, rule: Rule, section: &str, resource: &str) {
    if !object.is_workload() {
        return;
    }
    for c in object.containers() {
        let resources = c.get("resources");
        let set = resources.and_then(|r| r.at(&[section.into(), resource.into()]));
        if set.is_none_or(|v| v.is_null()) {
            let why = match (section, resource) {
                ("limits", _) => "one leak can take the node's memory from every pod on it",
                (_, "cpu") => "the scheduler places it blind and it is throttled first",
                _ => "the scheduler places it blind and it is evicted first",
            };
            out.push(
                rule,
                resources.unwrap_or(c),
                format!(
                    "{} container {}: no resources.{section}.{resource}: {why}",
                    object.reference(),
                    container_name(c)
                ),
            );
        }
    }
}

pub fn cpu_request(object: &Object, out: &mut Findings) {
    check(object, out, Rule::CpuRequest, "requests", "cpu");
}

pub fn memory_request(object: &Object, out: &mut Findings) {
    check(object, out, Rule::MemoryRequest, "requests", "memory");
}

pub fn memory_limit(object: &Object, out: &mut Findings) {
    check(object, out, Rule::MemoryLimit, "limits", "memory");
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};

    const PODS: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: bare
            - name: half
              resources:
                requests: {cpu: 100m}
            - name: full
              resources:
                requests: {cpu: 100m, memory: 64Mi}
                limits: {memory: 128Mi}
";

    #[test]
    fn each_missing_resource_on_its_container() {
        let o = options();
        insta::assert_snapshot!(
            [Rule::CpuRequest, Rule::MemoryRequest, Rule::MemoryLimit]
                .map(|r| format!("{}:\n{}", r.id(), findings_of(r, PODS, &o)))
                .join("\n")
        );
    }
}
