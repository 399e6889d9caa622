//! The GitHub API spec subset (`spec-subset.json`, from GitHub's OpenAPI description) as a
//! check of the requests a loopback mock receives: path templates, declared query parameters,
//! enums and integer types (the Rust port of validate_request.py). Shared by the mocks.

use serde_json::{Value, json};
use std::collections::HashMap;

/// The spec subset: path templates, declared query parameters, enums, integer types.
pub struct Spec {
    operations: Vec<(String, String, String, Value)>, // (method, template, operationId, op)
}

impl Spec {
    /// Reads a `spec-subset.json`.
    pub fn load(path: &str) -> Self {
        let text = std::fs::read_to_string(path).expect("spec subset");
        let spec: Value = serde_json::from_str(&text).expect("spec subset is JSON");
        let mut operations = Vec::new();
        for (template, ops) in spec["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                operations.push((
                    method.to_uppercase(),
                    template.clone(),
                    op["operationId"].as_str().unwrap().to_string(),
                    op.clone(),
                ));
            }
        }
        Spec { operations }
    }

    /// The operation a request matches and its path parameters, or what is wrong with it.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
    ) -> Result<(String, HashMap<String, String>), Vec<String>> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for (m, template, id, op) in &self.operations {
            if m != method {
                continue;
            }
            let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            let mut params = HashMap::new();
            if !match_segments(&parts, &segments, &mut params) {
                continue;
            }
            let declared: HashMap<&str, &Value> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| (p["name"].as_str().unwrap(), p))
                .collect();
            let mut errors = Vec::new();
            for (k, v) in query {
                let Some(p) = declared.get(k.as_str()) else {
                    errors.push(format!("undeclared query parameter {k:?} for {id}"));
                    continue;
                };
                let schema = &p["schema"];
                if let Some(values) = schema["enum"].as_array()
                    && !values.iter().any(|e| e == v)
                {
                    errors.push(format!("{k}={v:?} not in {values:?}"));
                }
                if schema["type"] == "integer" {
                    match v.parse::<u64>() {
                        Err(_) => errors.push(format!("{k}={v:?} is not an integer")),
                        Ok(n) if k == "per_page" && n > 100 => {
                            errors.push(format!("per_page={n} > 100 (max)"))
                        }
                        Ok(_) => {}
                    }
                }
            }
            return if errors.is_empty() {
                Ok((id.clone(), params))
            } else {
                Err(errors)
            };
        }
        Err(vec![format!(
            "no operation in spec subset matches {method} {path}"
        )])
    }
}

/// `{ref}` and `{branch}` may span several segments (`heads/main`, `release/1.x`); other
/// parameters are one non-empty segment.
fn match_segments(template: &[&str], path: &[&str], params: &mut HashMap<String, String>) -> bool {
    match (template.first(), path.first()) {
        (None, None) => true,
        (None, _) | (_, None) => false,
        (Some(t), Some(p)) => {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if p.is_empty() {
                    return false;
                }
                let max = if name == "ref" || name == "branch" {
                    path.len()
                } else {
                    1
                };
                for take in 1..=max {
                    let mut attempt = params.clone();
                    attempt.insert(name.to_string(), path[..take].join("/"));
                    if match_segments(&template[1..], &path[take..], &mut attempt) {
                        *params = attempt;
                        return true;
                    }
                }
                false
            } else {
                t == p && match_segments(&template[1..], &path[1..], params)
            }
        }
    }
}

/// A scripted answer that replaces the next normal one, in the GitHub mocks.
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Fault {
            status,
            headers: vec![],
            body: json!({"message": "Server Error"}),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn body(mut self, body: Value) -> Self {
        self.body = body;
        self
    }
    pub fn message(mut self, message: &str) -> Self {
        self.body = json!({"message": message});
        self
    }
}
