//! The service's OpenAPI document (3.x, JSON or YAML), read from the repository or fetched from
//! the target, reduced to the operations the live kinds probe.

use super::{Client, TargetSpec};
use gonogo_core::{CheckContext, Outcome};
use gonogo_repo::{read_text, resolve_in_repo};
use serde_json::Value;

/// An OpenAPI document in the repository larger than this is not read.
const MAX_SPEC_BYTES: u64 = 16 << 20;

/// Where the document comes from: a repository file wins over the target's URL.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// A file relative to the repository.
    pub file: Option<String>,
    /// A path on the target (`/openapi.json`).
    pub path: String,
}

pub struct Spec {
    pub doc: Value,
    /// Where it was read, for evidence.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: reqwest::Method,
    /// The path template (`/items/{id}`).
    pub path: String,
    pub params: Vec<Param>,
    /// The JSON request body's schema, `$ref`s resolved one level at a time on use.
    pub body: Option<Value>,
    pub body_required: bool,
    /// Declares a security requirement (its own or the document's).
    pub secured: bool,
}

impl SpecSource {
    pub async fn load(
        &self,
        ctx: &CheckContext,
        target: &TargetSpec,
        client: &Client,
    ) -> Result<Spec, Outcome> {
        if let Some(file) = &self.file {
            let text = resolve_in_repo(&ctx.repo, file)
                .and_then(|path| read_text(&path, MAX_SPEC_BYTES))
                .map_err(|e| {
                    Outcome::error(format!("{file}: cannot read the OpenAPI document: {e}"))
                })?;
            let doc = parse(&text).map_err(|e| Outcome::error(format!("{file}: {e}")))?;
            return Ok(Spec {
                doc,
                source: file.clone(),
            });
        }
        let url = target.resolve_path(ctx, Some(&self.path))?;
        let shown = super::shown(&url);
        let resp = client
            .send(client.get(url.clone()))
            .await
            .map_err(|e| Outcome::error(format!("GET {shown}: {e}")))?;
        if resp.status != 200 {
            return Err(Outcome::error(format!(
                "GET {shown}: {} (no OpenAPI document; set spec= to a file in the repository)",
                super::status_text(resp.status)
            )));
        }
        if resp.truncated {
            return Err(Outcome::error(format!(
                "GET {shown}: the OpenAPI document is larger than max_bytes ({})",
                client.max_bytes
            )));
        }
        let doc = parse(&resp.text()).map_err(|e| Outcome::error(format!("{shown}: {e}")))?;
        Ok(Spec { doc, source: shown })
    }
}

/// JSON, else YAML; either way it must look like OpenAPI 3 (`openapi` and `paths`).
pub fn parse(text: &str) -> Result<Value, String> {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(json_err) => {
            if text.trim_start().starts_with('{') {
                return Err(format!(
                    "not valid JSON (line {}, column {}: {json_err})",
                    json_err.line(),
                    json_err.column()
                ));
            }
            yaml_to_json(text)?
        }
    };
    if doc.get("paths").and_then(Value::as_object).is_none() {
        return Err("not an OpenAPI document (no `paths` object)".into());
    }
    Ok(doc)
}

fn yaml_to_json(text: &str) -> Result<Value, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        format!(
            "not valid JSON or YAML (line {}, column {}: {})",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        )
    })?;
    fn conv(y: &Yaml, depth: usize) -> Value {
        if depth > 128 {
            return Value::Null;
        }
        match y {
            Yaml::Real(s) => s
                .parse::<f64>()
                .ok()
                .map(Value::from)
                .unwrap_or(Value::Null),
            Yaml::Integer(i) => Value::from(*i),
            Yaml::String(s) => Value::String(s.clone()),
            Yaml::Boolean(b) => Value::Bool(*b),
            Yaml::Array(a) => Value::Array(a.iter().map(|v| conv(v, depth + 1)).collect()),
            Yaml::Hash(h) => Value::Object(
                h.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Yaml::String(s) => s.clone(),
                            Yaml::Integer(i) => i.to_string(),
                            Yaml::Boolean(b) => b.to_string(),
                            other => format!("{other:?}"),
                        };
                        (key, conv(v, depth + 1))
                    })
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    docs.first()
        .map(|d| conv(d, 0))
        .ok_or_else(|| "empty YAML document".to_string())
}

impl Spec {
    /// Follow a local `$ref` (`#/components/schemas/Item`), up to a few hops.
    pub fn deref<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..8 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                return v;
            };
            let Some(ptr) = r.strip_prefix('#') else {
                return v;
            };
            match self.doc.pointer(ptr) {
                Some(t) => v = t,
                None => return v,
            }
        }
        v
    }

    pub fn operations(&self) -> Vec<Operation> {
        let global_security = self
            .doc
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let mut out = Vec::new();
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let item = self.deref(item);
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for m in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(m) else { continue };
                let mut params = Vec::new();
                let own = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for p in shared.iter().chain(own.iter()) {
                    let p = self.deref(p);
                    let location = match p.get("in").and_then(Value::as_str) {
                        Some("path") => ParamIn::Path,
                        Some("query") => ParamIn::Query,
                        _ => continue,
                    };
                    let Some(name) = p.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    params.push(Param {
                        name: name.to_string(),
                        location,
                        required: p
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(location == ParamIn::Path),
                        schema: self.deref(p.get("schema").unwrap_or(&Value::Null)).clone(),
                    });
                }
                let body_obj = op.get("requestBody").map(|b| self.deref(b));
                let body = body_obj
                    .and_then(|b| b.pointer("/content/application~1json/schema"))
                    .map(|s| self.deref(s).clone());
                let secured = match op.get("security").and_then(Value::as_array) {
                    Some(a) => {
                        !a.is_empty()
                            && a.iter()
                                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                    }
                    None => global_security,
                };
                out.push(Operation {
                    method: reqwest::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                        .expect("known method"),
                    path: path.clone(),
                    params,
                    body_required: body_obj
                        .and_then(|b| b.get("required"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    body,
                    secured,
                });
            }
        }
        out
    }
}

/// A value that satisfies `schema` (for path parameters of otherwise valid requests).
pub fn sample_value(schema: &Value) -> String {
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return e
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string());
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => schema
            .get("minimum")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            .max(1)
            .to_string(),
        Some("boolean") => "true".into(),
        _ => "1".into(),
    }
}

/// The path template with each `{param}` replaced by `value(name)`, percent-encoded.
pub fn fill_path(template: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 1..start + end];
        out.push_str(&encode(&value(name)));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Percent-encoding of a path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_from_json_and_yaml() {
        let json = r##"{"openapi":"3.0.0","security":[{"bearer":[]}],
          "components":{"schemas":{"Item":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}},
          "paths":{"/items/{id}":{"get":{"security":[],"parameters":[{"name":"id","in":"path","schema":{"type":"integer"}}]}},
                   "/items":{"post":{"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}}}}"##;
        let spec = Spec {
            doc: parse(json).unwrap(),
            source: "x".into(),
        };
        let ops = spec.operations();
        assert_eq!(ops.len(), 2);
        let get = ops
            .iter()
            .find(|o| o.method == reqwest::Method::GET)
            .unwrap();
        assert!(!get.secured);
        assert_eq!(get.params[0].location, ParamIn::Path);
        let post = ops
            .iter()
            .find(|o| o.method == reqwest::Method::POST)
            .unwrap();
        assert!(post.secured && post.body_required);
        assert_eq!(post.body.as_ref().unwrap()["required"][0], "name");

        let yaml = "openapi: 3.0.0\npaths:\n  /health:\n    get: {}\n";
        let spec = Spec {
            doc: parse(yaml).unwrap(),
            source: "y".into(),
        };
        assert_eq!(spec.operations().len(), 1);
        assert!(parse("{ not json").unwrap_err().contains("line 1"));
        assert!(parse("a: [1, 2").is_err());
        assert!(parse("{}").unwrap_err().contains("no `paths`"));
    }

    #[test]
    fn paths_fill_and_encode() {
        assert_eq!(
            fill_path("/items/{id}/x", &|_| "../etc".into()),
            "/items/..%2Fetc/x"
        );
    }
}
