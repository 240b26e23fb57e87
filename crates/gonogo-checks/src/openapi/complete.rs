//! `openapi.complete`: the API's OpenAPI 3 document describes every operation: a summary,
//! declared responses, request body schemas, and a security requirement (or an explicit none).

use crate::util::{absent, blocking, inventory, unreadable, unusable_path};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status, redact::redact_url,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::classify::FileClass;
use gonogo_repo::read_repo_text;
use std::time::Duration;

pub struct OpenapiComplete;

/// What the kind verifies, as the recognition engine reads items: the API's OpenAPI document
/// describes every operation.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "openapi",
        "open api",
        "swagger",
        "api documentation",
        "api doc*",
        "api spec*",
        "api reference",
        "api description",
    ],
    qualifiers: &[&[
        "complete",
        "generated",
        "up to date",
        "published",
        "documented",
        "every operation",
        "every endpoint",
        "all endpoint*",
        "summary",
        "summaries",
        "respons*",
        "described",
        "exist*",
        "valid*",
        "available",
    ]],
    // Contract tests, breaking-change reviews and client SDKs are more than a complete document.
    excludes: &[
        "tested",
        "contract test*",
        "breaking chang*",
        "reviewed",
        "approved",
        "sdk*",
        "client*",
        "key*",
        "versioning",
        "deprecat*",
        "changelog",
        "rate limit*",
        "auth*",
    ],
    slots: &[Slot::optional("path", Value::Read(api_document))],
    weight: 80,
    ..Claim::EMPTY
}];

/// The document the item names: `api/openapi.yaml`, `docs/swagger.json`.
fn api_document(text: &Text<'_>) -> Option<String> {
    let path = Value::Path.read(text)?;
    let lower = path.to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
        .then_some(path)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &["api_url"],
    summary: "An OpenAPI 3 document describes every operation: summary, responses, request body schemas and security.",
    description: "Reads the OpenAPI document from `url=` when given; otherwise from the repository \
(`openapi.{yaml,yml,json}`, `swagger.*`, or any YAML/JSON whose top level has `openapi: 3.x`, \
with `path=` to name one); otherwise from `<api_url>/openapi.json` when the `api_url` target is \
set. Every operation under `paths` must have a `summary` or `description`, a non-empty \
`responses`, a `schema` for every media type of its `requestBody` (local `$ref`s resolved), and \
a security requirement: its own `security` (an explicit `security: []` counts as a deliberate \
public endpoint) or a top-level `security`. A Swagger 2.0 document is a warning and still \
checked. Every finding points at the operation's line. Fails on any incomplete operation; skips \
with \"no OpenAPI document found\" (fails with `required=true`, or when no file is at `path=`); `error` when the URL cannot be \
fetched. A document that does not parse is `openapi-parse-error` at its line. Fetching is bounded: \
10 s, 5 MiB, 3 redirects.",
    params: &[
        ParamDoc::optional(
            "url",
            "Fetch the document from this URL (wins over the `api_url` target).",
        ),
        ParamDoc::optional("path", "The document's path in the repository."),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when no document is found.",
            "false",
        ),
    ],
    examples: &[
        "openapi.complete",
        "openapi.complete path=docs/openapi.yaml",
        "openapi.complete url=http://127.0.0.1:8000/openapi.json",
    ],
    claims: CLAIMS,
    phrases: &[
        "API documentation generated",
        "API documentation complete",
        "OpenAPI spec complete",
    ],
    not_phrases: &[
        "API integration working",
        "API integration tests passing",
        "API keys rotated and secured",
        "Input validation on all API endpoints",
    ],
    findings: &[
        (
            "openapi-parse-error",
            "The document is not valid YAML/JSON, or has no `paths`.",
        ),
        (
            "openapi-not-v3",
            "The document is Swagger 2.0, not OpenAPI 3.",
        ),
        (
            "openapi-op-no-summary",
            "An operation has neither summary nor description.",
        ),
        (
            "openapi-op-no-responses",
            "An operation declares no responses.",
        ),
        (
            "openapi-body-no-schema",
            "A request body media type has no schema, so clients and validators cannot know its shape.",
        ),
        (
            "openapi-op-no-security",
            "An operation has no security requirement and there is no global one (use `security: []` for public endpoints).",
        ),
        (
            "openapi-not-found",
            "No OpenAPI document was found while `required=true`, or none is at the `path=` given.",
        ),
    ],
};

impl CheckKind for OpenapiComplete {
    fn id(&self) -> &'static str {
        "openapi.complete"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let url = params.str("url").map(str::to_string);
        if let Some(u) = &url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ParamError::new("url", "must be an http:// or https:// URL"));
        }
        Ok(Box::new(Prepared {
            url,
            path: params.str("path").map(str::to_string),
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    url: Option<String>,
    path: Option<String>,
    required: bool,
}

const MAX_BYTES: usize = 5 * 1024 * 1024;

async fn fetch(url: &str) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| e.to_string())?;
    let shown = redact_url(url);
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch {shown}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{shown} answered {}", resp.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading {shown}: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err(format!("{shown} is larger than {MAX_BYTES} bytes"));
        }
    }
    String::from_utf8(body).map_err(|_| format!("{shown} is not UTF-8 text"))
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        if let Some(url) = self.url.clone() {
            return match fetch(&url).await {
                Ok(src) => blocking(move || judge(&redact_url(&url), &src)).await,
                Err(why) => Outcome::error(why),
            };
        }
        if let Some(missing) = self
            .path
            .as_deref()
            .and_then(|p| unusable_path(ctx, "path", p, "openapi-not-found"))
        {
            return missing;
        }
        let files = inventory(ctx).await;
        let this = self.clone();
        let local = blocking(move || {
            let candidates: Vec<_> = match &this.path {
                Some(p) => files
                    .files
                    .iter()
                    .filter(|f| f.rel == p.trim_start_matches("./"))
                    .collect(),
                None => {
                    let named: Vec<_> = files.of(FileClass::OpenApiSpec).collect();
                    if named.is_empty() {
                        files
                            .classified()
                            .filter(|(_, c)| c.has(FileClass::Yaml) || c.has(FileClass::Json))
                            .map(|(f, _)| f)
                            .filter(|f| f.size < 2 * 1024 * 1024)
                            .filter(|f| {
                                read_repo_text(f).is_ok_and(|s| {
                                    let head: String = s.chars().take(4096).collect();
                                    head.contains("openapi")
                                        && head.contains("3.")
                                        && s.contains("paths")
                                })
                            })
                            .collect()
                    } else {
                        named
                    }
                }
            };
            if candidates.is_empty() {
                return Outcome::skipped("no OpenAPI document found");
            }
            let mut outcomes: Vec<Outcome> = Vec::new();
            for f in candidates {
                match read_repo_text(f) {
                    Ok(src) => outcomes.push(judge(&f.rel, &src)),
                    Err(why) => outcomes.push(Outcome::from_findings(
                        why.clone(),
                        vec![unreadable("openapi-parse-error", &f.rel, None, &why)],
                    )),
                }
            }
            merge(outcomes)
        })
        .await;
        if local.status != Status::Skipped {
            return local;
        }
        // The running API is a fallback: without it the document is absent, unless api_url
        // names a variable that is not set (a mistake to report).
        match ctx.target("api_url") {
            Err(unset @ gonogo_core::MissingTarget::Unset { .. }) => return unset.outcome(),
            Err(gonogo_core::MissingTarget::NotConfigured(_)) => {}
            Ok(api) => {
                let url = format!("{}/openapi.json", api.trim_end_matches('/'));
                return match fetch(&url).await {
                    Ok(src) => blocking(move || judge(&redact_url(&url), &src)).await,
                    Err(why) => {
                        Outcome::error(format!("no OpenAPI document in the repository, and {why}"))
                    }
                };
            }
        }
        absent(
            self.required,
            "openapi-not-found",
            "no OpenAPI document found",
            "commit the generated openapi.json (FastAPI: app.openapi()) or give url=",
        )
    }
}

fn merge(mut outcomes: Vec<Outcome>) -> Outcome {
    if outcomes.len() == 1 {
        return outcomes.remove(0);
    }
    let summary = outcomes
        .iter()
        .map(|o| o.evidence.summary.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let findings = outcomes
        .into_iter()
        .flat_map(|o| o.evidence.findings)
        .collect();
    Outcome::from_findings(summary, findings)
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "options", "head", "trace",
];

/// Follows a local `$ref` (`#/components/requestBodies/X`).
fn deref<'a>(root: &'a Node, n: &'a Node) -> &'a Node {
    let mut cur = n;
    for _ in 0..8 {
        let Some(r) = cur.str_of("$ref") else {
            return cur;
        };
        let Some(path) = r.strip_prefix("#/") else {
            return cur;
        };
        let keys: Vec<String> = path
            .split('/')
            .map(|k| k.replace("~1", "/").replace("~0", "~"))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        match root.path(&refs) {
            Some(t) => cur = t,
            None => return cur,
        }
    }
    cur
}

/// Judges one document; `place` is the file (or URL) for locations.
fn judge(place: &str, src: &str) -> Outcome {
    let loc = |line: usize| Location::at(place, line);
    let doc = match parse_documents(src) {
        Ok(mut d) if !d.is_empty() => d.swap_remove(0),
        Ok(_) => {
            return Outcome::from_findings(
                format!("{place} is empty"),
                vec![unreadable(
                    "openapi-parse-error",
                    place,
                    Some(1),
                    &format!("{place} is empty"),
                )],
            );
        }
        Err(e) => match serde_json::from_str::<serde_json::Value>(src) {
            // Valid JSON that the YAML reader refuses (tabs, for instance): no lines, still judged.
            Ok(v) => gonogo_parsers::yaml::from_json(&v),
            Err(_) => {
                let why = format!("{place}: {e}");
                return Outcome::from_findings(
                    why.clone(),
                    vec![unreadable("openapi-parse-error", place, Some(e.line), &why)],
                );
            }
        },
    };
    let mut findings = Vec::new();
    if doc.get("swagger").is_some() {
        findings.push(
            Finding::warn(
                "openapi-not-v3",
                format!(
                    "{place} is Swagger {}, not OpenAPI 3",
                    doc.get("swagger").and_then(Node::scalar).unwrap_or("2.0")
                ),
            )
            .at(loc(doc.key_line("swagger").unwrap_or(1)))
            .fix("convert to OpenAPI 3 (most frameworks can emit it)"),
        );
    }
    let Some(paths) = doc.get("paths").filter(|p| p.is_map()) else {
        let why = format!("{place} has no `paths` mapping");
        return Outcome::from_findings(
            why.clone(),
            vec![unreadable(
                "openapi-parse-error",
                place,
                Some(doc.line),
                &why,
            )],
        );
    };
    let global_security = doc.get("security").is_some() || doc.entry("security").is_some();
    let (mut ops, mut complete) = (0, 0);
    for (path, _, item) in paths.keyed() {
        let item = deref(&doc, item);
        for (method, mk, op) in item.keyed() {
            if !METHODS.contains(&method) {
                continue;
            }
            ops += 1;
            let before = findings.len();
            let what = format!("{} {path}", method.to_uppercase());
            let at = loc(mk.line);
            if op
                .get("summary")
                .or(op.get("description"))
                .and_then(Node::as_str)
                .is_none_or(|s| s.trim().is_empty())
            {
                findings.push(
                    Finding::fail(
                        "openapi-op-no-summary",
                        format!("{what} has no summary or description"),
                    )
                    .at(at.clone())
                    .fix("add a one-line summary saying what the operation does"),
                );
            }
            if op
                .get("responses")
                .is_none_or(|r| r.as_map().is_none_or(<[_]>::is_empty))
            {
                findings.push(
                    Finding::fail(
                        "openapi-op-no-responses",
                        format!("{what} declares no responses"),
                    )
                    .at(at.clone())
                    .fix("declare the success and error responses with their schemas"),
                );
            }
            if let Some(body) = op.get("requestBody") {
                let body = deref(&doc, body);
                let content = body.get("content");
                let media: Vec<(&str, &Node, &Node)> =
                    content.map(|c| c.keyed().collect()).unwrap_or_default();
                if media.is_empty() {
                    findings.push(
                        Finding::fail(
                            "openapi-body-no-schema",
                            format!("{what} has a request body with no content"),
                        )
                        .at(loc(body.line))
                        .fix("describe the body under content: application/json: schema: …"),
                    );
                }
                for (mt, mtk, m) in media {
                    if m.get("schema").is_none() {
                        findings.push(
                            Finding::fail(
                                "openapi-body-no-schema",
                                format!("{what}: request body {mt} has no schema"),
                            )
                            .at(loc(mtk.line))
                            .fix("add a schema (a $ref to components/schemas)"),
                        );
                    }
                }
            }
            if !global_security && op.entry("security").is_none() {
                findings.push(Finding::fail("openapi-op-no-security", format!("{what} states no security requirement")).at(at).fix("add `security: [{bearerAuth: []}]`, or `security: []` if it is public on purpose"));
            }
            if findings.len() == before {
                complete += 1;
            }
        }
    }
    Outcome::from_findings(
        format!("{place}: {complete} of {ops} operation(s) fully documented"),
        findings,
    )
    .observed(format!("{complete}/{ops} complete"))
    .expected(format!("{ops}/{ops}"))
    .at(Location::file(place))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const GOOD: &str = "openapi: 3.1.0
info: {title: acme, version: '1'}
security:
  - bearer: []
paths:
  /items:
    post:
      summary: Create an item
      requestBody:
        $ref: '#/components/requestBodies/Item'
      responses:
        '201': {description: created}
  /health:
    get:
      description: Liveness
      security: []
      responses:
        '200': {description: ok}
components:
  requestBodies:
    Item:
      content:
        application/json:
          schema: {type: object}
";

    const BAD_JSON: &str = r#"{
  "openapi": "3.0.3",
  "info": {"title": "x", "version": "1"},
  "paths": {
    "/users": {
      "get": {"responses": {"200": {"description": "ok"}}},
      "post": {
        "summary": "Create",
        "requestBody": {"content": {"application/json": {}}},
        "responses": {}
      }
    }
  }
}
"#;

    #[test]
    fn complete_document_passes() {
        let o = run(&OpenapiComplete, &[("docs/openapi.yaml", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
        assert_eq!(
            o.evidence.summary,
            "docs/openapi.yaml: 2 of 2 operation(s) fully documented"
        );
    }

    #[test]
    fn incomplete_json_document_fails_per_operation_line() {
        let o = run(&OpenapiComplete, &[("openapi.json", BAD_JSON)], &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("openapi-op-no-summary", "openapi.json:6"),
                ("openapi-op-no-security", "openapi.json:6"),
                ("openapi-op-no-responses", "openapi.json:7"),
                ("openapi-body-no-schema", "openapi.json:9"),
                ("openapi-op-no-security", "openapi.json:7"),
            ])
        );
    }

    #[test]
    fn found_by_content_and_broken_files() {
        let o = run(&OpenapiComplete, &[("api/spec.yml", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass);
        let o = run(
            &OpenapiComplete,
            &[("openapi.yaml", "openapi: 3.0.0\npaths:\n  /x: {get: [\n")],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o)[0].0, "openapi-parse-error");
        let o = run(&OpenapiComplete, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
    }

    #[test]
    fn fetched_from_a_url() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).unwrap();
            let body = BAD_JSON;
            write!(s, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).unwrap();
        });
        let url = format!("http://{addr}/openapi.json");
        let o = run(&OpenapiComplete, &[], &[("url", &url)]);
        server.join().unwrap();
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o)[0],
            (String::from("openapi-op-no-summary"), format!("{url}:6"))
        );
        // Nothing listens here any more: gonogo could not tell.
        let o = run(&OpenapiComplete, &[], &[("url", &url)]);
        assert_eq!(o.status, Status::Error);
    }
}
