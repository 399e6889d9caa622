//! The runtime rules, for every container of every workload (init containers too): not root,
//! no privilege escalation, a read-only root filesystem, capabilities dropped, not privileged,
//! no host namespaces or host paths, a seccomp profile. Each is what the Pod Security
//! "restricted" profile asks, checked before the cluster refuses (or, worse, admits) the pod.

use super::super::objects::{Object, container_name, security};
use super::{Findings, Rule};
use crate::yaml::Node;

fn each_container(object: &Object, mut check: impl FnMut(Option<&Node>, &Node, String)) {
    if !object.is_workload() {
        return;
    }
    let pod = object.pod_spec();
    for c in object.all_containers() {
        let who = format!("{} container {}", object.reference(), container_name(c));
        check(pod, c, who);
    }
}

/// `securityContext.<key>` of the container, or the container.
fn field_or_container<'a>(c: &'a Node, key: &str) -> &'a Node {
    c.at(&["securityContext".into(), key.into()])
        .or_else(|| c.get("securityContext"))
        .unwrap_or(c)
}

pub fn run_as_non_root(object: &Object, out: &mut Findings) {
    each_container(object, |pod, c, who| {
        let non_root = security(pod, c, "runAsNonRoot");
        let user = security(pod, c, "runAsUser");
        if let Some(root) = user.filter(|u| u.as_i64() == Some(0)) {
            out.push(Rule::RunAsNonRoot, root, format!("{who}: runAsUser is 0 (root); run as a non-zero user and set runAsNonRoot: true"));
        } else if non_root.and_then(Node::as_bool) != Some(true)
            && user.and_then(Node::as_i64).is_none_or(|u| u <= 0)
        {
            out.push(Rule::RunAsNonRoot, non_root.unwrap_or(c), format!("{who}: runAsNonRoot is not true, so the image's user (often root) runs; set securityContext.runAsNonRoot: true"));
        }
    });
}

pub fn privilege_escalation(object: &Object, out: &mut Findings) {
    each_container(object, |_, c, who| {
        let field = c.at(&["securityContext".into(), "allowPrivilegeEscalation".into()]);
        if field.and_then(Node::as_bool) != Some(false) {
            out.push(Rule::PrivilegeEscalation, field_or_container(c, "allowPrivilegeEscalation"), format!("{who}: allowPrivilegeEscalation is not false, so setuid binaries can gain privileges; set it to false"));
        }
    });
}

pub fn read_only_root(object: &Object, out: &mut Findings) {
    each_container(object, |_, c, who| {
        let field = c.at(&["securityContext".into(), "readOnlyRootFilesystem".into()]);
        if field.and_then(Node::as_bool) != Some(true) {
            out.push(Rule::ReadOnlyRootFilesystem, field_or_container(c, "readOnlyRootFilesystem"), format!("{who}: readOnlyRootFilesystem is not true, so an intruder can change the image's files; set it, with an emptyDir for what must be written"));
        }
    });
}

pub fn drop_capabilities(object: &Object, out: &mut Findings) {
    each_container(object, |_, c, who| {
        let drop = c.at(&[
            "securityContext".into(),
            "capabilities".into(),
            "drop".into(),
        ]);
        let drops_all = drop
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|d| d.as_str() == Some("ALL"));
        if !drops_all {
            let place = drop
                .or_else(|| c.at(&["securityContext".into(), "capabilities".into()]))
                .unwrap_or(field_or_container(c, "capabilities"));
            out.push(Rule::DropCapabilities, place, format!("{who}: capabilities.drop does not include ALL; drop ALL and add back only what the process needs"));
        }
    });
}

pub fn privileged(object: &Object, out: &mut Findings) {
    each_container(object, |_, c, who| {
        if let Some(field) = c
            .at(&["securityContext".into(), "privileged".into()])
            .filter(|p| p.as_bool() == Some(true))
        {
            out.push(Rule::Privileged, field, format!("{who}: privileged: true gives it the host's devices and every capability; remove it"));
        }
    });
}

pub fn host_namespaces(object: &Object, out: &mut Findings) {
    let Some(spec) = object.pod_spec() else {
        return;
    };
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(field) = spec.get(key).filter(|v| v.as_bool() == Some(true)) {
            out.push(
                Rule::HostNamespaces,
                field,
                format!(
                    "{}: {key}: true shares the node's namespace with the pod; remove it",
                    object.reference()
                ),
            );
        }
    }
}

pub fn host_path(object: &Object, out: &mut Findings) {
    let volumes = object
        .pod_spec()
        .and_then(|s| s.get("volumes"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for volume in volumes {
        if let Some((key, _)) = volume.entry("hostPath") {
            let name = volume
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("(unnamed)");
            out.push(Rule::HostPath, key, format!("{}: volume {name} mounts a hostPath, which reaches into the node; use a PersistentVolumeClaim, a ConfigMap or an emptyDir", object.reference()));
        }
    }
}

pub fn seccomp_profile(object: &Object, out: &mut Findings) {
    each_container(object, |pod, c, who| {
        let kind = security(pod, c, "seccompProfile").and_then(|p| p.get("type"));
        match kind.and_then(Node::as_str) {
            Some("RuntimeDefault" | "Localhost") => {}
            _ => out.push(Rule::SeccompProfile, kind.unwrap_or(field_or_container(c, "seccompProfile")), format!("{who}: no seccompProfile of type RuntimeDefault or Localhost, so every system call is allowed; set seccompProfile: {{type: RuntimeDefault}} on the pod")),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};

    const STREAM: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      volumes:
        - {name: logs, hostPath: {path: /var/log}}
        - {name: tmp, emptyDir: {}}
      containers:
        - name: good
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
        - name: root
          securityContext:
            runAsUser: 0
            privileged: true
            allowPrivilegeEscalation: true
            readOnlyRootFilesystem: false
            capabilities: {drop: [NET_RAW]}
            seccompProfile: {type: Unconfined}
---
apiVersion: batch/v1
kind: Job
metadata: {name: bare}
spec:
  template:
    spec:
      containers:
        - name: bare
";

    #[test]
    fn each_security_rule_on_its_line() {
        let o = options();
        insta::assert_snapshot!(
            [
                Rule::RunAsNonRoot,
                Rule::PrivilegeEscalation,
                Rule::ReadOnlyRootFilesystem,
                Rule::DropCapabilities,
                Rule::Privileged,
                Rule::HostNamespaces,
                Rule::HostPath,
                Rule::SeccompProfile
            ]
            .map(|r| format!("{}:\n{}", r.id(), findings_of(r, STREAM, &o)))
            .join("\n")
        );
    }
}
