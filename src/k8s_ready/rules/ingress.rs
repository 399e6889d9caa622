//! `ingress-tls`: every host an Ingress routes is in one of its `tls` entries, so that no
//! route is served in clear text. `ingress-body-size` (with `max-body-size`): the Ingress sets
//! the request-size limit of a common controller, at most `max-body-size`, so an upload
//! endpoint is neither unbounded nor cut at the controller's 1 MiB default unknowingly.

use super::{Context, Findings, Rule};
use crate::k8s_ready::objects::Object;
use crate::yaml::Node;

/// The body-size annotations of the common controllers: ingress-nginx, NGINX Inc's
/// controller, HAProxy Ingress.
pub const BODY_SIZE_ANNOTATIONS: &[&str] = &[
    "nginx.ingress.kubernetes.io/proxy-body-size",
    "nginx.org/client-max-body-size",
    "haproxy-ingress.github.io/proxy-body-size",
];

/// A size as nginx writes it: bytes, or a number with `k`, `m` or `g` (1024-based; `Ki`,
/// `Mi`, `Gi`, `kb`, `mb`, `gb` too).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix(['i', 'b']).unwrap_or(&t);
    let (digits, shift) = match t.strip_suffix('k') {
        Some(d) => (d, 10),
        None => match t.strip_suffix('m') {
            Some(d) => (d, 20),
            None => match t.strip_suffix('g') {
                Some(d) => (d, 30),
                None => (t, 0),
            },
        },
    };
    let n: u64 = digits.trim().parse().ok()?;
    n.checked_mul(1 << shift)
}

/// Does a TLS host (`*.example.com` allowed) cover `host`?
fn covers(tls_host: &str, host: &str) -> bool {
    match tls_host.strip_prefix("*.") {
        Some(domain) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == domain),
        None => tls_host == host,
    }
}

pub fn tls(object: &Object, out: &mut Findings) {
    if object.kind != "Ingress" {
        return;
    }
    let spec = object.node.get("spec");
    let tls_hosts: Vec<&str> = spec
        .and_then(|s| s.get("tls"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .flat_map(|t| t.get("hosts").and_then(Node::as_seq).unwrap_or_default())
        .filter_map(Node::as_str)
        .collect();
    let rules = spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let mut any_host = false;
    for rule in rules {
        let Some(host) = rule.get("host") else {
            continue;
        };
        any_host = true;
        let name = host.as_str().unwrap_or_default();
        if !tls_hosts.iter().any(|t| covers(t, name)) {
            out.push(
                Rule::IngressTls,
                host,
                format!("{}: host {name} has no tls entry, so it is served over plain HTTP; add it to spec.tls with a certificate secret", object.reference()),
            );
        }
    }
    if !any_host && tls_hosts.is_empty() {
        out.push(
            Rule::IngressTls,
            spec.unwrap_or(object.name_node()),
            format!("{}: no tls section, so it is served over plain HTTP; add spec.tls with a host and a certificate secret", object.reference()),
        );
    }
}

pub fn body_size(cx: &Context, object: &Object, out: &mut Findings) {
    let Some(max) = cx.options.max_body_size else {
        return;
    };
    if object.kind != "Ingress" {
        return;
    }
    let annotations = object.node.at(&["metadata".into(), "annotations".into()]);
    let set = BODY_SIZE_ANNOTATIONS
        .iter()
        .find_map(|a| annotations?.entry(a).map(|(_, v)| (*a, v)));
    let Some((annotation, value)) = set else {
        out.push(
            Rule::IngressBodySize,
            annotations.unwrap_or(object.name_node()),
            format!("{}: no request-size annotation ({}), so uploads meet the controller's default; set one to at most {max} bytes", object.reference(), BODY_SIZE_ANNOTATIONS[0]),
        );
        return;
    };
    let text = value
        .as_str()
        .map(str::to_string)
        .or_else(|| value.as_i64().map(|i| i.to_string()))
        .unwrap_or_default();
    match parse_size(&text) {
        Some(size) if size > 0 && size <= max => {}
        Some(0) => out.push(
            Rule::IngressBodySize,
            value,
            format!(
                "{}: {annotation} is 0, which means no limit; set at most {max} bytes",
                object.reference()
            ),
        ),
        Some(size) => out.push(
            Rule::IngressBodySize,
            value,
            format!(
                "{}: {annotation} is {text} ({size} bytes), above max-body-size ({max} bytes)",
                object.reference()
            ),
        ),
        None => out.push(
            Rule::IngressBodySize,
            value,
            format!(
                "{}: {annotation} is {text:?}, not a size such as 10m",
                object.reference()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};
    use super::*;

    #[test]
    fn sizes_and_wildcards() {
        assert_eq!(parse_size("10m"), Some(10 << 20));
        assert_eq!(parse_size("10Mi"), Some(10 << 20));
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("2048"), Some(2048));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("99999999999999g"), None);
        assert!(covers("*.example.com", "api.example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
    }

    const INGRESSES: &str = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: partly
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 50m
spec:
  tls:
    - hosts: ['*.example.com']
      secretName: wildcard
  rules:
    - host: api.example.com
    - host: example.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: clear}
spec:
  rules:
    - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: unlimited
  annotations: {nginx.org/client-max-body-size: '0'}
spec:
  tls: [{hosts: [files.example.com]}]
  rules: [{host: files.example.com}]
";

    #[test]
    fn tls_for_every_host_and_a_bounded_body() {
        let mut o = options();
        insta::assert_snapshot!("tls", findings_of(Rule::IngressTls, INGRESSES, &o));
        assert_eq!(findings_of(Rule::IngressBodySize, INGRESSES, &o), "");
        o.max_body_size = Some(10 << 20);
        insta::assert_snapshot!(
            "body_size",
            findings_of(Rule::IngressBodySize, INGRESSES, &o)
        );
    }
}
