//! Response schemas: a step's `schema:` (JSON Schema 2020-12, inline or a file) and the spec's
//! `openapi:` (an OpenAPI 3 document: each HTTP step's JSON answer is checked against the
//! response of the operation its method and path match). Compiled once, before any request,
//! with boon; a schema that does not compile is a spec error. Only local files are read: a
//! `$ref` to the network is refused, a check never depends on another host.

use super::check::Observed;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The compiled schemas of a run.
#[derive(Default)]
pub struct Checks {
    schemas: boon::Schemas,
    /// Step name to its own schema.
    by_step: BTreeMap<String, boon::SchemaIndex>,
    operations: Vec<Operation>,
}

/// One operation of the OpenAPI document and the JSON schemas of its responses, by status
/// key (`201`, `2XX`, `default`).
struct Operation {
    method: String,
    template: Vec<String>,
    responses: BTreeMap<String, boon::SchemaIndex>,
}

/// A JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn read_document(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
    } else {
        crate::yaml::from_str(&text).map_err(|e| format!("{} is not YAML: {e}", path.display()))
    }
}

fn url_of(path: &Path) -> Result<String, String> {
    let full = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    reqwest::Url::from_file_path(&full)
        .map(|u| u.to_string())
        .map_err(|_| format!("{} is not a usable path", path.display()))
}

fn compiler(draft: boon::Draft) -> boon::Compiler {
    let mut c = boon::Compiler::new();
    // boon's default loader reads file: URLs only, so no `$ref` reaches the network.
    c.set_default_draft(draft);
    c
}

impl Checks {
    /// Compiles a step's `schema` (a mapping, or a path relative to the spec).
    pub fn add_step(&mut self, step: &str, schema: &Value, spec_dir: &Path) -> Result<(), String> {
        let mut c = compiler(boon::Draft::V2020_12);
        let url = match schema {
            Value::String(file) => {
                let path = spec_dir.join(file);
                let url = url_of(&path)?;
                c.add_resource(&url, read_document(&path)?)
                    .map_err(|e| format!("schema {file}: {e}"))?;
                url
            }
            inline => {
                let url = format!("urn:ready-smoke:step:{}", escape(step));
                c.add_resource(&url, inline.clone())
                    .map_err(|e| format!("schema: {e}"))?;
                url
            }
        };
        let index = c
            .compile(&url, &mut self.schemas)
            .map_err(|e| format!("schema: {e}"))?;
        self.by_step.insert(step.to_string(), index);
        Ok(())
    }

    /// Compiles the JSON response schemas of every operation of an OpenAPI 3.0 or 3.1 document.
    pub fn add_openapi(&mut self, path: &Path) -> Result<(), String> {
        let doc = read_document(path)?;
        let version = doc["openapi"].as_str().unwrap_or_default().to_string();
        if !version.starts_with("3.") {
            return Err(format!(
                "{} is not an OpenAPI 3 document (no `openapi: 3.x`)",
                path.display()
            ));
        }
        // 3.0's schema objects follow draft 4's rules (boolean exclusiveMaximum); 3.1's are
        // JSON Schema 2020-12.
        let draft = if version.starts_with("3.0") {
            boon::Draft::V4
        } else {
            boon::Draft::V2020_12
        };
        let mut c = compiler(draft);
        let url = url_of(path)?;
        c.add_resource(&url, doc.clone())
            .map_err(|e| format!("openapi: {e}"))?;
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        for (template, item) in &paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let known = ["get", "put", "post", "delete", "options", "head", "patch"];
                if !known.contains(&method.as_str()) {
                    continue;
                }
                let mut responses = BTreeMap::new();
                let Some(rs) = op["responses"].as_object() else {
                    continue;
                };
                for (status, response) in rs {
                    let Some(content) = response["content"].as_object() else {
                        continue;
                    };
                    let json = content.iter().find(|(ct, _)| {
                        ct.starts_with("application/json") || ct.ends_with("+json")
                    });
                    let Some((ct, media)) = json else { continue };
                    if media.get("schema").is_none() {
                        continue;
                    }
                    let at = format!(
                        "{url}#/paths/{}/{method}/responses/{}/content/{}/schema",
                        escape(template),
                        escape(status),
                        escape(ct)
                    );
                    let index = c
                        .compile(&at, &mut self.schemas)
                        .map_err(|e| format!("openapi: {method} {template} {status}: {e}"))?;
                    responses.insert(status.to_ascii_uppercase(), index);
                }
                self.operations.push(Operation {
                    method: method.to_uppercase(),
                    template: segments(template),
                    responses,
                });
            }
        }
        Ok(())
    }

    /// The schema failures of one answer, each `schema: POINTER: what` (or `openapi: …`).
    pub fn check(
        &self,
        step: &str,
        method: &str,
        path: &str,
        base_path: &str,
        got: &Observed,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        let mut json: Option<Result<Value, String>> = None;
        let mut body = || {
            json.get_or_insert_with(|| {
                serde_json::from_slice(&got.body)
                    .map_err(|e| format!("the body is not JSON ({e}): {}", got.excerpt()))
            })
            .clone()
        };
        if let Some(&index) = self.by_step.get(step) {
            match body() {
                Ok(v) => failures.extend(violations(&self.schemas, &v, index, "schema")),
                Err(e) => failures.push(format!("schema: {e}")),
            }
        }
        if let (Some(op), Some(status)) = (self.operation(method, path, base_path), got.status) {
            let code = status.to_string();
            let class = format!("{}XX", status / 100);
            let index = op
                .responses
                .get(&code)
                .or_else(|| op.responses.get(&class))
                .or_else(|| op.responses.get("DEFAULT"));
            if let Some(&index) = index {
                let what = format!("openapi {method} {}", op.template_text());
                match body() {
                    Ok(v) => failures.extend(violations(&self.schemas, &v, index, &what)),
                    Err(e) => failures.push(format!("{what}: {e}")),
                }
            }
        }
        failures
    }

    /// The operation whose method and path template match, the path taken with and without
    /// the base URL's path.
    fn operation(&self, method: &str, path: &str, base_path: &str) -> Option<&Operation> {
        let full = segments(path);
        let base = segments(base_path);
        let relative = full.strip_prefix(base.as_slice()).map(<[String]>::to_vec);
        let candidates = [Some(full.clone()), relative];
        self.operations.iter().find(|op| {
            op.method == method
                && candidates
                    .iter()
                    .flatten()
                    .any(|p| matches_template(&op.template, p))
        })
    }
}

impl Operation {
    fn template_text(&self) -> String {
        format!("/{}", self.template.join("/"))
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `/drafts/{id}` matches `/drafts/d1`: a `{…}` segment matches any one segment.
fn matches_template(template: &[String], path: &[String]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

/// The leaf errors of a validation, each with the JSON pointer of the value that failed; at
/// most five, and how many more.
fn violations(
    schemas: &boon::Schemas,
    value: &Value,
    index: boon::SchemaIndex,
    what: &str,
) -> Vec<String> {
    let Err(error) = schemas.validate(value, index) else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    let mut stack = vec![&error];
    while let Some(e) = stack.pop() {
        if e.causes.is_empty() {
            let at = e.instance_location.to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            leaves.push(format!("{what}: {at}: {}", e.kind));
        } else {
            stack.extend(e.causes.iter().rev());
        }
    }
    let more = leaves.len().saturating_sub(5);
    leaves.truncate(5);
    if more > 0 {
        leaves.push(format!("{what}: and {more} more"));
    }
    leaves
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Observed {
        Observed {
            status: Some(status),
            body: body.to_string().into_bytes(),
            ..Default::default()
        }
    }

    #[test]
    fn inline_schema_names_the_pointer_that_failed() {
        let mut c = Checks::default();
        let schema = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}});
        c.add_step("create", &schema, Path::new(".")).unwrap();
        assert!(
            c.check("create", "GET", "/x", "", &answer(200, json!({"id": "d1"})))
                .is_empty()
        );
        let f = c.check(
            "create",
            "GET",
            "/x",
            "",
            &answer(200, json!({"id": 7, "tags": ["a", 2]})),
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].starts_with("schema: /id: "), "{f:?}");
        assert!(f[1].starts_with("schema: /tags/1: "), "{f:?}");
        assert!(
            c.add_step("bad", &json!({"type": 5}), Path::new("."))
                .is_err()
        );
    }

    #[test]
    fn openapi_operations_match_method_path_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let doc = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /drafts/{id}:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Draft'}\n        4XX:\n          content:\n            application/json:\n              schema: {type: object, required: [error]}\ncomponents:\n  schemas:\n    Draft: {type: object, required: [id], properties: {id: {type: string}}}\n";
        let path = dir.path().join("openapi.yaml");
        std::fs::write(&path, doc).unwrap();
        let mut c = Checks::default();
        c.add_openapi(&path).unwrap();
        let ok = c.check(
            "s",
            "GET",
            "/api/drafts/d1",
            "/api",
            &answer(200, json!({"id": "d1"})),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let f = c.check("s", "GET", "/drafts/d1", "", &answer(200, json!({"id": 1})));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].starts_with("openapi GET /drafts/{id}: /id: "), "{f:?}");
        let f = c.check("s", "GET", "/drafts/d1", "", &answer(404, json!({})));
        assert!(f[0].contains("error"), "{f:?}");
        assert!(
            c.check(
                "s",
                "POST",
                "/drafts/d1",
                "",
                &answer(200, json!({"id": 1}))
            )
            .is_empty()
        );
        std::fs::write(&path, "swagger: '2.0'\n").unwrap();
        assert!(
            Checks::default()
                .add_openapi(&path)
                .unwrap_err()
                .contains("OpenAPI 3")
        );
    }
}
