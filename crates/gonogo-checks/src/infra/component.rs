//! `infra.component`: a named component of the stack (Loki, PgBouncer, Grafana, Jaeger, …) is
//! deployed or configured in the repository — a compose service, a Kubernetes container or
//! object, a Helm chart, or the component's own configuration file.

use crate::support::components::component_named;
use crate::util::{blocking, unreadable};
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::Inventory;
use gonogo_repo::classify::FileClass;
use gonogo_repo::{RepoFile, read_repo_text};
use std::collections::BTreeSet;
use std::sync::Arc;

pub struct InfraComponent;

/// The backends "centralized logging" accepts (any one): a log store or a log shipper.
const LOGGING: &str = "loki,elasticsearch,fluentd,fluent-bit,vector,logstash";

/// The item says the component is there.
const PRESENT: &[&str] = &[
    "deployed",
    "configured",
    "installed",
    "set up",
    "running",
    "provisioned",
    "added",
    "present",
    "in place",
    "ship*",
    "bundled",
];
/// Something narrower than the component being there: its data, its content, its settings,
/// or an act about it.
const NARROWER: &[&str] = &[
    "dashboard*",
    "session*",
    "storage",
    "persist*",
    "volum*",
    "retention",
    "alert*",
    "rule*",
    "tested",
    "test",
    "working",
    "backup*",
    "tun*",
    "memory",
    "password*",
    "auth*",
    "tls",
    "ssl",
    "certificat*",
    "upgrad*",
    "version*",
    "high availability",
    "ha",
    "replica*",
    "scrap*",
    "target*",
    "quer*",
    "rate limit*",
    "cach*",
    "evict*",
    "polic*",
    "header*",
    "cors",
    "gzip",
    "compression",
    "timeout*",
    "apm",
    "sampl*",
    "index*",
    "optional",
];
/// `infra.component`'s known components as an item may name them.
const COMPONENT_WORDS: &[&str] = &[
    "loki",
    "promtail",
    "grafana",
    "jaeger",
    "jaegertracing",
    "zipkin",
    "openzipkin",
    "tempo",
    "opentelemetry collector",
    "otel collector",
    "otelcol",
    "pgbouncer",
    "fluentd",
    "fluent bit",
    "fluentbit",
    "vector",
    "elasticsearch",
    "logstash",
    "kibana",
    "nginx",
    "traefik",
];

/// What the kind verifies: the named component is deployed or configured in the repository.
const CLAIMS: &[Claim] = &[
    // The verb is the subject so that it is the item's own: a title such as "running a
    // service on the cluster" says nothing about the component. The name is read from the
    // item alone.
    Claim {
        subject: PRESENT,
        qualifiers: &[COMPONENT_WORDS],
        excludes: NARROWER,
        slots: &[Slot::required("name", Value::Read(component_names))],
        weight: 75,
        ..Claim::EMPTY
    },
    // The Redis kinds read the running server; this one only answers "Redis deployed".
    Claim {
        subject: PRESENT,
        qualifiers: &[&["redis", "valkey"]],
        excludes: &[
            "dashboard*",
            "session*",
            "storage",
            "persist*",
            "volum*",
            "retention",
            "alert*",
            "tested",
            "working",
            "backup*",
            "tun*",
            "memory",
            "maxmemory",
            "password*",
            "auth*",
            "tls",
            "ssl",
            "evict*",
            "polic*",
            "cach*",
            "connect*",
            "ping",
            "hit*",
            "aof",
            "rdb",
            "keyspace",
            "timeout*",
            "optional",
            "cluster",
            "elasticache",
            "memorystore",
            "upstash",
            "managed",
            "cloud",
        ],
        slots: &[Slot::required("name", Value::Read(component_names))],
        weight: 70,
        ..Claim::EMPTY
    },
    // Prometheus and Alertmanager items mostly ask the running server (targets, rules,
    // routes): this kind answers only for the service shipped in the repository's stack.
    Claim {
        subject: PRESENT,
        qualifiers: &[
            &["prometheus", "alertmanager"],
            &[
                "compose",
                "bundled",
                "helm",
                "chart*",
                "manifest*",
                "stack",
                "self hosted",
            ],
        ],
        excludes: &[
            "dashboard*",
            "retention",
            "alert rule*",
            "rule*",
            "tested",
            "working",
            "target*",
            "scrap*",
            "quer*",
            "metric*",
            "up",
            "reachable",
            "healthy",
            "loaded",
            "rout*",
            "receiver*",
            "notif*",
            "storage",
            "persist*",
            "volum*",
            "optional",
        ],
        slots: &[Slot::required("name", Value::Read(component_names))],
        weight: 70,
        ..Claim::EMPTY
    },
    // "Centralized logging configured": any log store or a shipper that forwards to one.
    Claim {
        subject: PRESENT,
        qualifiers: &[&[
            "centrali* logging",
            "centrali* log*",
            "central logging",
            "log aggregation",
            "log shipping",
        ]],
        excludes: NARROWER,
        params: &[("name", LOGGING)],
        weight: 70,
        ..Claim::EMPTY
    },
];

/// The components the item names, as alternatives (`Jaeger/Zipkin`, `Jaeger or Zipkin`).
/// Components joined by "and" are all asked for, which one `name=` cannot say: none then.
fn component_names(text: &Text<'_>) -> Option<String> {
    let lower = text.plain.to_lowercase();
    let words: Vec<(usize, &str)> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - lower.as_ptr() as usize, w))
        .collect();
    let mut found: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (at, word) = words[i];
        // Two-word spellings: "fluent bit", "otel collector", "opentelemetry collector".
        let pair = words.get(i + 1).map(|(_, next)| format!("{word}-{next}"));
        let (component, used) = match pair.as_deref().and_then(component_named) {
            Some(c) => (Some(c), 2),
            None => (component_named(word), 1),
        };
        if let Some(c) = component {
            let (end_at, end_word) = words[i + used - 1];
            if !found.iter().any(|(name, _, _)| *name == c.name) {
                found.push((c.name, at, end_at + end_word.len()));
            }
        }
        i += used;
    }
    for pair in found.windows(2) {
        let between = &lower[pair[0].2..pair[1].1];
        if between.contains(" and ")
            || between.contains(',')
            || between.contains('+')
            || between.contains('&')
        {
            return None;
        }
    }
    let names: Vec<&str> = found.iter().map(|(name, _, _)| *name).collect();
    (!names.is_empty()).then(|| names.join(","))
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A named component of the stack (Loki, PgBouncer, Grafana, Jaeger, …) is deployed or configured in the repository.",
    description: "Looks for the component named by `name` (comma-separated alternatives, any one \
satisfies: `name=jaeger,zipkin,tempo`) in: docker-compose files (service names and the `image:` \
of each service), Kubernetes manifests (container names and images, object names and their \
`app`/`app.kubernetes.io/name` labels; HelmRelease and Argo CD Application charts), Helm \
`Chart.yaml` files (the chart's name and its `dependencies`), the `image:` entries of Helm \
`values*.yaml` files, and the component's usual \
configuration files (`loki-config.yaml`, `promtail*.yml`, `pgbouncer.ini`, `grafana/provisioning/`, \
`otel-collector*.yaml`, `fluent-bit.conf`, `vector.toml`, …). Images match on the repository's \
last path segment (`grafana/loki:2.9.4` is loki, `bitnami/pgbouncer` is pgbouncer) or its full \
path (`jaegertracing/all-in-one` is jaeger), never on a substring of another name (`grafana-agent` \
is not grafana). Known components: loki, promtail, grafana, prometheus, alertmanager, jaeger, \
zipkin, tempo, opentelemetry-collector (`otel`), pgbouncer, fluentd, fluent-bit, vector, \
elasticsearch, logstash, kibana, redis, nginx, traefik; any other name is matched as written. \
Passes with every place found (file:line and what); fails `component-missing` naming where it \
looked, also when the repository has no compose file, manifest, chart or configuration at all. \
A compose file, manifest or chart that does not parse is `component-unparsable` at its line \
(a warning when the component was found elsewhere). \"Centralized logging configured\" binds to \
any of loki, elasticsearch, fluentd, fluent-bit, vector and logstash: a log store or a shipper \
that forwards to one.",
    params: &[ParamDoc::required(
        "name",
        "The component, comma-separated alternatives (any one satisfies): loki, pgbouncer, jaeger,zipkin, …",
    )],
    examples: &[
        "infra.component name=loki",
        "infra.component name=pgbouncer",
        "infra.component name=jaeger,zipkin,tempo",
    ],
    claims: CLAIMS,
    phrases: &[
        "Loki log aggregation configured",
        "Connection pooling configured (PgBouncer)",
        "Grafana deployed",
        "Centralized logging configured",
        "Jaeger/Zipkin deployed",
        "Reverse proxy configured (nginx)",
    ],
    not_phrases: &[
        "Log aggregation working",
        "Grafana dashboards provisioned",
        "Slack notifications working",
        "Redis configured for session storage",
        "Log retention policies set",
        "Redis persistent volume configured",
        "Connection pooling configured",
        "Distributed tracing enabled",
    ],
    findings: &[
        (
            "component-missing",
            "The component is not found in any compose file, Kubernetes manifest, Helm chart or configuration file.",
        ),
        (
            "component-unparsable",
            "A compose file, Kubernetes manifest or Chart.yaml does not parse, so what it deploys cannot be read.",
        ),
    ],
};

impl CheckKind for InfraComponent {
    fn id(&self) -> &'static str {
        "infra.component"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let list = params
            .list("name")
            .ok_or_else(|| ParamError::new("name", "is required (the component to look for)"))?;
        let mut wanted = Vec::new();
        for raw in list {
            let n = raw.trim().to_lowercase();
            if n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            {
                return Err(ParamError::new(
                    "name",
                    format!("`{raw}` is not a component name"),
                ));
            }
            let known = component_named(&n).or_else(|| {
                (n == "otel")
                    .then(|| component_named("otel-collector"))
                    .flatten()
            });
            let w = match known {
                Some(c) => Wanted {
                    name: c.name.to_string(),
                    ids: c.ids.iter().map(|s| s.to_string()).collect(),
                    configs: crate::util::glob_set(
                        "name",
                        &c.configs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                        true,
                    )?,
                    config_names: c.configs.iter().map(|s| s.to_string()).collect(),
                    dirs: c.dirs.iter().map(|s| s.to_string()).collect(),
                },
                None => Wanted {
                    name: n.clone(),
                    ids: vec![n],
                    configs: globset::GlobSet::empty(),
                    config_names: Vec::new(),
                    dirs: Vec::new(),
                },
            };
            if !wanted.iter().any(|x: &Wanted| x.name == w.name) {
                wanted.push(w);
            }
        }
        if wanted.is_empty() {
            return Err(ParamError::new("name", "names no component"));
        }
        Ok(Box::new(Prepared {
            wanted: Arc::new(wanted),
        }))
    }
}

struct Wanted {
    name: String,
    ids: Vec<String>,
    configs: globset::GlobSet,
    config_names: Vec<String>,
    dirs: Vec<String>,
}

#[derive(Clone)]
struct Prepared {
    wanted: Arc<Vec<Wanted>>,
}

/// One place in the repository that deploys something: where, what (for the evidence) and the
/// identifiers it goes by (lowercase).
#[derive(Debug)]
struct Place {
    rel: String,
    line: usize,
    what: String,
    ids: Vec<String>,
}

/// Everything the repository deploys, read once per run and shared by every item.
#[derive(Debug, Default)]
struct Components {
    places: Vec<Place>,
    /// (file, line, why) of files that do not parse.
    unparsable: Vec<(String, usize, String)>,
    compose: usize,
    manifests: usize,
    charts: usize,
}

/// The identifiers of an image reference: its last path segment and its path without the
/// registry, tag and digest (`docker.io/grafana/loki:2.9.4` → `loki`, `grafana/loki`).
fn image_ids(image: &str) -> Vec<String> {
    let image = image.trim().to_lowercase();
    let no_digest = image.split('@').next().unwrap_or("");
    let mut parts: Vec<&str> = no_digest.split('/').collect();
    if let Some(last) = parts.last_mut() {
        *last = last.split(':').next().unwrap_or("");
    }
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let mut out = Vec::new();
    if let Some(last) = parts.last() {
        out.push(last.to_string());
    }
    if parts.len() > 1 {
        out.push(parts.join("/"));
    }
    if parts.first() == Some(&"library") && parts.len() == 2 {
        out.push(parts[1].to_string());
    }
    out
}

/// Vendored code and test fixtures describe no deployment of this service.
fn describes_deployment(rel: &str) -> bool {
    !rel.split('/').any(|p| p == "node_modules" || p == "vendor") && !gonogo_repo::is_test_path(rel)
}

fn components(files: &Inventory) -> Components {
    let mut inv = Components::default();
    for (f, classes) in files.classified() {
        if !describes_deployment(&f.rel) {
            continue;
        }
        if classes.has(FileClass::Compose) {
            inv.compose += 1;
            compose(f, &mut inv);
        } else if classes.has(FileClass::HelmChart) {
            inv.charts += 1;
            chart(f, &mut inv);
        } else if classes.has(FileClass::HelmValues) {
            values(f, &mut inv);
        } else if classes.has(FileClass::Manifest) {
            manifest(f, &mut inv);
        }
    }
    inv
}

fn read(f: &RepoFile, inv: &mut Components) -> Option<String> {
    match read_repo_text(f) {
        Ok(s) => Some(s),
        Err(why) => {
            inv.unparsable.push((f.rel.clone(), 0, why));
            None
        }
    }
}

fn compose(f: &RepoFile, inv: &mut Components) {
    let Some(src) = read(f, inv) else { return };
    let docs = match parse_documents(&src) {
        Ok(d) => d,
        Err(e) => {
            inv.unparsable
                .push((f.rel.clone(), e.line, format!("{}: {e}", f.rel)));
            return;
        }
    };
    for doc in &docs {
        for (svc, key, node) in doc.get("services").unwrap_or(Node::null()).keyed() {
            let image = node.str_of("image");
            let mut ids = vec![svc.to_lowercase()];
            if let Some(i) = image {
                ids.extend(image_ids(i));
            }
            if let Some(c) = node.str_of("container_name") {
                ids.push(c.to_lowercase());
            }
            let what = match image {
                Some(i) => format!("compose service `{svc}` ({i})"),
                None => format!("compose service `{svc}`"),
            };
            inv.places.push(Place {
                rel: f.rel.clone(),
                line: key.line,
                what,
                ids,
            });
        }
    }
}

fn chart(f: &RepoFile, inv: &mut Components) {
    let Some(src) = read(f, inv) else { return };
    let docs = match parse_documents(&src) {
        Ok(d) => d,
        Err(e) => {
            inv.unparsable
                .push((f.rel.clone(), e.line, format!("{}: {e}", f.rel)));
            return;
        }
    };
    for doc in &docs {
        if let Some(n) = doc.get("name")
            && let Some(name) = n.as_str()
        {
            inv.places.push(Place {
                rel: f.rel.clone(),
                line: n.line,
                what: format!("Helm chart `{name}`"),
                ids: vec![name.to_lowercase()],
            });
        }
        for dep in doc.get("dependencies").map(Node::items).unwrap_or(&[]) {
            if let Some(n) = dep.get("name")
                && let Some(name) = n.as_str()
            {
                let what = match dep.str_of("repository") {
                    Some(r) => format!("Helm chart dependency `{name}` ({r})"),
                    None => format!("Helm chart dependency `{name}`"),
                };
                inv.places.push(Place {
                    rel: f.rel.clone(),
                    line: n.line,
                    what,
                    ids: vec![name.to_lowercase()],
                });
            }
        }
    }
}

/// Helm values: every `image:` (a reference, or a map with `repository` and an optional
/// `registry`), at any depth.
fn values(f: &RepoFile, inv: &mut Components) {
    let Ok(src) = read_repo_text(f) else { return };
    let docs = match parse_documents(&src) {
        Ok(d) => d,
        Err(_) if src.contains("{{") => return,
        Err(e) => {
            inv.unparsable
                .push((f.rel.clone(), e.line, format!("{}: {e}", f.rel)));
            return;
        }
    };
    fn walk(n: &Node, path: &mut Vec<String>, rel: &str, out: &mut Vec<Place>, depth: usize) {
        if depth > 32 {
            return;
        }
        for (k, key, v) in n.keyed() {
            path.push(k.to_string());
            if k == "image" {
                let image = v.as_str().map(str::to_string).or_else(|| {
                    v.str_of("repository").map(|r| match v.str_of("registry") {
                        Some(reg) if !reg.is_empty() => format!("{reg}/{r}"),
                        _ => r.to_string(),
                    })
                });
                if let Some(i) = image.filter(|i| !i.trim().is_empty()) {
                    out.push(Place {
                        rel: rel.to_string(),
                        line: key.line,
                        what: format!("Helm values `{}` ({i})", path.join(".")),
                        ids: image_ids(&i),
                    });
                }
            }
            walk(v, path, rel, out, depth + 1);
            path.pop();
        }
    }
    for d in &docs {
        walk(d, &mut Vec::new(), &f.rel, &mut inv.places, 0);
    }
}

fn manifest(f: &RepoFile, inv: &mut Components) {
    let Ok(src) = read_repo_text(f) else { return };
    if !(src.contains("apiVersion") && src.contains("kind")) {
        return;
    }
    let docs = match parse_documents(&src) {
        Ok(d) => d,
        // An unrendered Helm template is not YAML; its chart is read from Chart.yaml.
        Err(_) if src.contains("{{") => return,
        Err(e) => {
            inv.manifests += 1;
            inv.unparsable
                .push((f.rel.clone(), e.line, format!("{}: {e}", f.rel)));
            return;
        }
    };
    let mut counted = false;
    for doc in &docs {
        let items: Vec<&Node> = if doc.str_of("kind") == Some("List") {
            doc.get("items")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .collect()
        } else {
            vec![doc]
        };
        for o in items {
            let (Some(kind), Some(_)) = (o.str_of("kind"), o.str_of("apiVersion")) else {
                continue;
            };
            if !counted {
                inv.manifests += 1;
                counted = true;
            }
            k8s_object(&f.rel, kind, o, inv);
        }
    }
}

fn k8s_object(rel: &str, kind: &str, o: &Node, inv: &mut Components) {
    let meta = o.get("metadata");
    let name = meta.and_then(|m| m.str_of("name")).unwrap_or("?");
    let label = format!("{kind}/{name}");
    let mut obj_ids = vec![name.to_lowercase()];
    let label_sets = [
        meta.and_then(|m| m.get("labels")),
        o.path(&["spec", "template", "metadata", "labels"]),
    ];
    for labels in label_sets.into_iter().flatten() {
        for key in ["app", "app.kubernetes.io/name", "k8s-app"] {
            if let Some(v) = labels.str_of(key) {
                obj_ids.push(v.to_lowercase());
            }
        }
    }
    // Charts deployed by GitOps controllers.
    let charts: Vec<&Node> = match kind {
        "HelmRelease" => [
            o.path(&["spec", "chart", "spec", "chart"]),
            o.path(&["spec", "chart", "name"]),
            o.path(&["spec", "chartRef", "name"]),
        ]
        .into_iter()
        .flatten()
        .collect(),
        "Application" | "ApplicationSet" => {
            let mut v: Vec<&Node> = Vec::new();
            let spec = if kind == "ApplicationSet" {
                o.path(&["spec", "template", "spec"])
            } else {
                o.get("spec")
            };
            if let Some(spec) = spec {
                v.extend(spec.path(&["source", "chart"]));
                for s in spec.get("sources").map(Node::items).unwrap_or(&[]) {
                    v.extend(s.get("chart"));
                }
            }
            v
        }
        _ => Vec::new(),
    };
    for c in charts {
        if let Some(chart) = c.as_str() {
            let mut ids = obj_ids.clone();
            ids.push(chart.to_lowercase());
            inv.places.push(Place {
                rel: rel.to_string(),
                line: c.line,
                what: format!("{label} (chart {chart})"),
                ids,
            });
        }
    }
    let pod = match kind {
        "Pod" => o.get("spec"),
        "CronJob" => o.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => o.path(&["spec", "template", "spec"]),
    };
    let mut containers = 0;
    if let Some(pod) = pod {
        for key in ["initContainers", "containers"] {
            for c in pod.get(key).map(Node::items).unwrap_or(&[]) {
                let cname = c.str_of("name").unwrap_or("?");
                let image = c.str_of("image");
                let mut ids = obj_ids.clone();
                ids.push(cname.to_lowercase());
                if let Some(i) = image {
                    ids.extend(image_ids(i));
                }
                containers += 1;
                inv.places.push(Place {
                    rel: rel.to_string(),
                    line: c.line,
                    what: match image {
                        Some(i) => format!("{label} container `{cname}` ({i})"),
                        None => format!("{label} container `{cname}`"),
                    },
                    ids,
                });
            }
        }
    }
    if containers == 0 {
        inv.places.push(Place {
            rel: rel.to_string(),
            line: o.line,
            what: label,
            ids: obj_ids,
        });
    }
}

impl Wanted {
    fn matches(&self, p: &Place) -> bool {
        p.ids.iter().any(|id| self.ids.iter().any(|w| w == id))
    }
}

impl Prepared {
    fn evaluate(&self, files: &[RepoFile], inv: &Components) -> Outcome {
        // (place, what), in file order.
        let mut found: Vec<(Location, String)> = Vec::new();
        for p in &inv.places {
            if self.wanted.iter().any(|w| w.matches(p)) {
                found.push((Location::at(p.rel.clone(), p.line), p.what.clone()));
            }
        }
        let mut dirs_seen: BTreeSet<String> = BTreeSet::new();
        for f in files {
            if !describes_deployment(&f.rel) {
                continue;
            }
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            for w in self.wanted.iter() {
                if w.configs.is_match(name) {
                    found.push((
                        Location::file(f.rel.clone()),
                        format!("{} configuration file", w.name),
                    ));
                }
                for d in &w.dirs {
                    let needle = format!("{d}/");
                    let at = if f.rel.starts_with(&needle) {
                        Some(0)
                    } else {
                        f.rel.find(&format!("/{needle}")).map(|i| i + 1)
                    };
                    if let Some(i) = at {
                        let dir = f.rel[..i + d.len()].to_string();
                        if dirs_seen.insert(dir.clone()) {
                            found.push((
                                Location::file(format!("{dir}/")),
                                format!("{} configuration directory", w.name),
                            ));
                        }
                    }
                }
            }
        }
        let names: Vec<&str> = self.wanted.iter().map(|w| w.name.as_str()).collect();
        let shown = names.join(" or ");
        let mut findings: Vec<Finding> = inv
            .unparsable
            .iter()
            .map(|(rel, line, why)| {
                unreadable(
                    "component-unparsable",
                    rel,
                    (*line > 0).then_some(*line),
                    why,
                )
            })
            .collect();
        let expected = format!("{shown} deployed or configured");
        if !found.is_empty() {
            for f in &mut findings {
                f.severity = Status::Warn;
            }
            let places: Vec<String> = found.iter().map(|(l, w)| format!("{w} at {l}")).collect();
            let summary = if places.len() > 6 {
                format!(
                    "{shown}: {} … ({} places)",
                    places[..6].join("; "),
                    places.len()
                )
            } else {
                format!("{shown}: {}", places.join("; "))
            };
            let first = found[0].0.clone();
            let mut o = if findings.is_empty() {
                Outcome::pass(summary)
            } else {
                Outcome::from_findings(summary, findings)
            };
            o = o
                .observed(format!("{} place(s)", found.len()))
                .expected(expected);
            o.evidence.location = Some(first);
            return o;
        }
        let mut looked = vec![
            format!("{} compose file(s)", inv.compose),
            format!("{} Kubernetes manifest(s)", inv.manifests),
            format!("{} Helm chart(s)", inv.charts),
        ];
        let configs: Vec<String> = self
            .wanted
            .iter()
            .flat_map(|w| {
                w.config_names
                    .iter()
                    .cloned()
                    .chain(w.dirs.iter().map(|d| format!("{d}/")))
            })
            .collect();
        if !configs.is_empty() {
            looked.push(format!("files named {}", configs.join(", ")));
        }
        let message = format!(
            "{shown} is not deployed or configured in the repository (looked in {})",
            looked.join(", ")
        );
        findings.insert(
            0,
            Finding::fail("component-missing", message).fix(format!(
                "deploy {} (a compose service, a Kubernetes workload or a Helm chart) and commit its configuration, or bind the item to where it is deployed",
                names[0]
            )),
        );
        let summary = format!(
            "{shown} not found ({} compose file(s), {} Kubernetes manifest(s), {} Helm chart(s), no configuration file)",
            inv.compose, inv.manifests, inv.charts
        );
        Outcome::from_findings(summary, findings)
            .observed("not found")
            .expected(expected)
    }
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = crate::util::inventory(ctx).await;
        let this = self.clone();
        let ctx = ctx.clone();
        blocking(move || {
            let inv = ctx.cache.get_or_init(|| components(&files));
            this.evaluate(&files.files, &inv)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{assert_has, at, check, found, recognise};

    const COMPOSE: &str = "services:\n  api:\n    build: .\n  loki:\n    image: grafana/loki:2.9.4\n    command: -config.file=/etc/loki/local-config.yaml\n  pool:\n    image: docker.io/bitnami/pgbouncer:1.22.1\n  agent:\n    image: grafana/agent:v0.40\n";

    #[test]
    fn compose_services_and_images_are_found() {
        let o = check(
            &InfraComponent,
            &[("docker-compose.yml", COMPOSE)],
            &[("name", "loki")],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_has(
            &o.evidence.summary,
            "compose service `loki` (grafana/loki:2.9.4) at docker-compose.yml:4",
        );
        let o = check(
            &InfraComponent,
            &[("docker-compose.yml", COMPOSE)],
            &[("name", "pgbouncer")],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_has(&o.evidence.summary, "`pool`");
        // `grafana/agent` is not grafana: the image's last segment decides, not its owner.
        let o = check(
            &InfraComponent,
            &[("docker-compose.yml", COMPOSE)],
            &[("name", "grafana")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(found(&o), at(&[("component-missing", "")]));
        assert_has(&o.evidence.summary, "1 compose file(s)");
        assert_has(&o.evidence.findings[0].message, "grafana/provisioning/");
    }

    #[test]
    fn kubernetes_helm_and_config_files_are_found() {
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tracing\nspec:\n  template:\n    spec:\n      containers:\n        - name: all-in-one\n          image: jaegertracing/all-in-one:1.57\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: logs\nspec:\n  chart:\n    spec:\n      chart: loki\n";
        let chart = "apiVersion: v2\nname: app\ndependencies:\n  - name: grafana\n    version: 7.3.0\n    repository: https://grafana.github.io/helm-charts\n";
        let files = [
            ("deploy/k8s/tracing.yaml", deploy),
            ("charts/app/Chart.yaml", chart),
            ("ops/pgbouncer/pgbouncer.ini", "[databases]\n"),
            (
                "charts/app/values.yaml",
                "api:\n  image: ghcr.io/acme/api:1.0\ntracing:\n  collector:\n    image:\n      registry: docker.io\n      repository: openzipkin/zipkin\n      tag: \"3\"\n",
            ),
            ("ops/grafana/provisioning/datasources/ds.yaml", "x: 1\n"),
            ("ops/grafana/provisioning/dashboards/d.yaml", "x: 1\n"),
        ];
        let o = check(&InfraComponent, &files, &[("name", "jaeger,zipkin")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_has(
            &o.evidence.summary,
            "Deployment/tracing container `all-in-one` (jaegertracing/all-in-one:1.57) at deploy/k8s/tracing.yaml:9",
        );
        assert_has(
            &o.evidence.summary,
            "Helm values `tracing.collector.image` (docker.io/openzipkin/zipkin) at charts/app/values.yaml:5",
        );
        let o = check(&InfraComponent, &files, &[("name", "loki")]);
        assert_has(
            &o.evidence.summary,
            "HelmRelease/logs (chart loki) at deploy/k8s/tracing.yaml:19",
        );
        let o = check(&InfraComponent, &files, &[("name", "grafana")]);
        assert_eq!(o.status, Status::Pass);
        assert_has(&o.evidence.summary, "Helm chart dependency `grafana`");
        assert_has(
            &o.evidence.summary,
            "grafana configuration directory at ops/grafana/provisioning/",
        );
        assert_eq!(o.evidence.summary.matches("provisioning").count(), 1);
        let o = check(&InfraComponent, &files, &[("name", "pgbouncer")]);
        assert_has(
            &o.evidence.summary,
            "pgbouncer configuration file at ops/pgbouncer/pgbouncer.ini",
        );
        let o = check(&InfraComponent, &files, &[("name", "tempo")]);
        assert_eq!(o.status, Status::Fail);
        assert_has(
            &o.evidence.summary,
            "1 Kubernetes manifest(s), 1 Helm chart(s)",
        );
    }

    #[test]
    fn no_infrastructure_at_all_is_a_failure() {
        let o = check(
            &InfraComponent,
            &[("README.md", "# app\n")],
            &[("name", "loki")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(found(&o), at(&[("component-missing", "")]));
        assert!(
            o.evidence.findings[0]
                .message
                .starts_with("loki is not deployed"),
            "{}",
            o.evidence.findings[0].message
        );
        assert_has(&o.evidence.findings[0].message, "loki-config.y*ml");
    }

    #[test]
    fn test_fixtures_and_vendored_files_deploy_nothing() {
        let o = check(
            &InfraComponent,
            &[
                ("tests/fixtures/loki-config.yaml", "auth_enabled: false\n"),
                (
                    "src/testdata/compose.yaml",
                    "services:\n  loki:\n    image: grafana/loki\n",
                ),
                ("vendor/x/loki.yaml", "auth_enabled: false\n"),
            ],
            &[("name", "loki")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(found(&o), at(&[("component-missing", "")]));
    }

    #[test]
    fn unparsable_files_are_findings_at_their_line() {
        let broken = "services:\n  loki:\n    image: grafana/loki\n   x: 1\n";
        let o = check(
            &InfraComponent,
            &[("compose.yaml", broken)],
            &[("name", "loki")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.evidence.findings[0].code, "component-missing");
        assert_eq!(o.evidence.findings[1].code, "component-unparsable");
        assert!(
            found(&o)[1].1.starts_with("compose.yaml:"),
            "{:?}",
            found(&o)
        );
        // Found elsewhere: the broken file is a warning.
        let o = check(
            &InfraComponent,
            &[
                ("compose.yaml", broken),
                ("loki/loki-config.yaml", "auth_enabled: false\n"),
                ("k8s/bad.yaml", "apiVersion: v1\nkind: [\n"),
            ],
            &[("name", "loki")],
        );
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert_eq!(
            o.evidence
                .findings
                .iter()
                .map(|f| (f.code, f.severity))
                .collect::<Vec<_>>(),
            [("component-unparsable", Status::Warn); 2]
        );
        assert_eq!(found(&o)[0].1, "compose.yaml:4");
    }

    #[test]
    fn image_references() {
        assert_eq!(image_ids("grafana/loki:2.9.0"), ["loki", "grafana/loki"]);
        assert_eq!(
            image_ids("bitnami/pgbouncer"),
            ["pgbouncer", "bitnami/pgbouncer"]
        );
        assert_eq!(image_ids("redis:7"), ["redis"]);
        assert_eq!(image_ids("localhost:5000/nginx@sha256:abc"), ["nginx"]);
        assert_eq!(
            image_ids("quay.io/jaegertracing/jaeger-collector:1.5"),
            ["jaeger-collector", "jaegertracing/jaeger-collector"]
        );
        assert_eq!(
            image_ids("docker.io/library/nginx:1.27"),
            ["nginx", "library/nginx", "nginx"]
        );
    }

    #[test]
    fn unknown_names_match_as_written_and_bad_names_are_refused() {
        let o = check(
            &InfraComponent,
            &[("docker-compose.yml", COMPOSE)],
            &[("name", "agent")],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(
            InfraComponent
                .prepare(&crate::util::testing::params(&[]))
                .is_err()
        );
        assert!(
            InfraComponent
                .prepare(&crate::util::testing::params(&[("name", "lo ki")]))
                .is_err()
        );
        assert!(
            gonogo_core::check::prepare(
                &InfraComponent,
                &crate::util::testing::params(&[("name", "loki"), ("path", "x")])
            )
            .is_err()
        );
    }

    #[test]
    fn the_example_repository() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-api");
        let o = crate::util::testing::check_in(&InfraComponent, &dir, &[("name", "redis")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.summary,
            "redis: compose service `redis` (redis:7) at docker-compose.yml:19"
        );
        let o = crate::util::testing::check_in(&InfraComponent, &dir, &[("name", "loki")]);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(found(&o), at(&[("component-missing", "")]));
    }

    #[test]
    fn seed_wording_binds() {
        let name =
            |t: &str| recognise(&InfraComponent, t).and_then(|p| p.str("name").map(String::from));
        assert_eq!(
            name("Loki log aggregation configured").as_deref(),
            Some("loki")
        );
        assert_eq!(
            name("Connection pooling configured (PgBouncer)").as_deref(),
            Some("pgbouncer")
        );
        assert_eq!(name("Grafana deployed").as_deref(), Some("grafana"));
        assert_eq!(
            name("Centralized logging configured").as_deref(),
            Some(LOGGING)
        );
        assert_eq!(
            name("Jaeger/Zipkin deployed").as_deref(),
            Some("jaeger,zipkin")
        );
        assert_eq!(
            name("OpenTelemetry Collector deployed").as_deref(),
            Some("opentelemetry-collector")
        );
        assert_eq!(name("Fluent Bit installed").as_deref(), Some("fluent-bit"));
        assert_eq!(
            name("OTel collector deployed").as_deref(),
            Some("opentelemetry-collector")
        );
        assert_eq!(
            name("OpenTelemetry configured"),
            None,
            "the SDK: deps.declared"
        );
        assert_eq!(
            name("Prometheus deployed and configured"),
            None,
            "the running server: the prom kinds"
        );
        assert_eq!(
            name("Bundled Prometheus service present in the compose file").as_deref(),
            Some("prometheus")
        );
        assert_eq!(
            name("Grafana and Loki deployed"),
            None,
            "both are asked for; `name=` lists alternatives"
        );
        assert_eq!(
            name("Nginx fallback deployed for the maintenance page").as_deref(),
            Some("nginx")
        );
        assert_eq!(
            name("Promtail deployed to ship container logs").as_deref(),
            Some("promtail")
        );
        for t in DOC.not_phrases {
            assert_eq!(name(t), None, "{t}");
        }
    }
}
