//! `deps.declared`: a library (structlog, sentry-sdk, opentelemetry, …) is a declared
//! dependency in one of the repository's manifests.

use crate::support::requirements::{
    ReqLine, logical_lines, normalise_rel, parent_dir, parse_req_line, rel_join,
};
use crate::util::{blocking, inventory, unreadable};
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value, values};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::line_of;
use gonogo_repo::{Inventory, RepoFile, read_repo_text};
use regex::Regex;
use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

pub struct DepsDeclared;

const ECOSYSTEMS: &[&str] = &["python", "node", "rust", "go"];

/// What "Sentry" means in each ecosystem.
const SENTRY: &str = "sentry-sdk,@sentry/*,sentry,github.com/getsentry/sentry-go";
/// What "OpenTelemetry" (and "distributed tracing enabled") means in each ecosystem.
const OTEL: &str = "opentelemetry*,@opentelemetry/*,go.opentelemetry.io/*";
const TRACING: &str = "opentelemetry*,@opentelemetry/*,go.opentelemetry.io/*,ddtrace,dd-trace,jaeger-client,elastic-apm,elastic-apm-node";

/// The item says the library is part of the project.
const IN_USE: &[&str] = &[
    "configur*",
    "installed",
    "integrated",
    "added",
    "enabled",
    "set up",
    "in place",
    "used",
    "wired",
    "declared",
    "via",
];
/// What an observability library does, as an item says it.
const OBSERVABILITY: &[&str] = &[
    "logging",
    "logger",
    "log",
    "tracing",
    "trac*",
    "metric*",
    "instrument*",
    "error tracking",
    "error reporting",
    "apm",
    "profiling",
    "telemetry",
];
/// Acts on the library's output, or its settings: more than the library being declared.
const NARROWER: &[&str] = &[
    "alert*",
    "dashboard*",
    "releas*",
    "source map*",
    "sourcemap*",
    "dsn",
    "rout*",
    "on call",
    "slack",
    "pagerduty",
    "notif*",
    "tested",
    "triag*",
    "reviewed",
    "quota",
    "sampl*",
    "propagat*",
    "collector",
    "otelcol",
    "retention",
    "redact*",
    "pii",
    "level*",
];

/// What the kind verifies: the library is a declared dependency.
const CLAIMS: &[Claim] = &[
    // "Structured logging configured (structlog)": the library in parentheses or a code span.
    Claim {
        subject: OBSERVABILITY,
        qualifiers: &[IN_USE],
        excludes: NARROWER,
        slots: &[Slot::required("name", Value::Read(named_library))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: DISTINCT_LIBS,
        qualifiers: &[IN_USE],
        excludes: NARROWER,
        slots: &[Slot::required("name", Value::Read(named_library))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["sentry"],
        qualifiers: &[IN_USE],
        support: &["error tracking", "error monitoring", "crash report*", "sdk"],
        excludes: NARROWER,
        params: &[("name", SENTRY)],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["opentelemetry", "otel", "open telemetry"],
        qualifiers: &[IN_USE],
        support: &["instrumentation", "tracing", "sdk"],
        excludes: NARROWER,
        params: &[("name", OTEL)],
        weight: 75,
        ..Claim::EMPTY
    },
    // A tracing SDK of any vendor; the backend it reports to is `infra.component`'s.
    Claim {
        subject: &["distributed tracing"],
        qualifiers: &[&["enabled", "configur*", "instrument*", "in place", "set up"]],
        excludes: &[
            "jaeger",
            "zipkin",
            "tempo",
            "backend",
            "sampl*",
            "propagat*",
            "dashboard*",
            "tested",
            "collector",
        ],
        params: &[("name", TRACING)],
        weight: 70,
        ..Claim::EMPTY
    },
];

/// The library the item names: a code span as written (`opentelemetry`), else the word in
/// parentheses ("(structlog)", "(Sentry)"), else a known library named in the text.
fn named_library(text: &Text<'_>) -> Option<String> {
    static PAREN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\(\s*([@A-Za-z0-9][A-Za-z0-9._/@*-]*)\s*\)").expect("regex"));
    if let Some(code) = values::code(text) {
        let plain = code.to_lowercase();
        let package = |c: char| c.is_ascii_alphanumeric() || "-_./@*".contains(c);
        return lib_name(&plain)
            .map(|_| code.to_string())
            .filter(|c| c.chars().all(package));
    }
    if let Some(c) = PAREN.captures(&text.plain) {
        return lib_name(&c[1].to_lowercase());
    }
    let lower = text.plain.to_lowercase();
    DISTINCT_LIBS
        .iter()
        .find(|lib| {
            lower
                .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                .any(|w| w == **lib)
        })
        .map(|lib| lib.to_string())
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A library (structlog, sentry-sdk, opentelemetry, …) is a declared dependency of the project.",
    description: "Reads the repository's manifests (as git sees them; `node_modules`, `vendor` \
and virtualenvs never read): `requirements*.txt` (and `requirements/*.txt`, and the files they \
include with `-r`), `pyproject.toml` (PEP 621 `dependencies`, `optional-dependencies` and \
`dependency-groups`; Poetry `dependencies`, `dev-dependencies` and groups), `Pipfile` \
(`packages`, `dev-packages`), `package.json` (`dependencies`, `devDependencies`, \
`optionalDependencies`), `Cargo.toml` (every dependency table, renamed packages by their \
real name) and `go.mod` (`require`, single and blocks). `name` lists the libraries, \
comma-separated, any one satisfies; a trailing `*` matches a prefix (`opentelemetry*`, \
`@sentry/*`). Names compare the way each ecosystem does: PyPI ignores case and treats `-`, \
`_` and `.` alike, crates.io treats `-` and `_` alike, npm and Go compare as written (npm \
lowercase). `ecosystem` restricts the manifests read. Passes with the file:line of every \
declaration (development-only ones noted); fails `dependency-missing` naming the manifests \
read, also when there is no manifest at all; a manifest that does not parse is \
`dependency-manifest-unparsable` at its line (a warning when the library was found elsewhere). \
Item wording binds when it names the library in parentheses and is about logging, tracing, \
metrics or error tracking (\"Structured logging configured (structlog)\"), or names Sentry or \
OpenTelemetry; \"Distributed tracing enabled\" asks for a tracing SDK (OpenTelemetry, ddtrace, \
jaeger-client, Elastic APM).",
    params: &[
        ParamDoc::required(
            "name",
            "The library, comma-separated alternatives (any one satisfies); `*` at the end matches a prefix.",
        ),
        ParamDoc::optional(
            "ecosystem",
            "Only manifests of this ecosystem: python, node, rust or go (default: all).",
        ),
    ],
    examples: &[
        "deps.declared name=structlog",
        "deps.declared name=sentry-sdk,@sentry/*",
        "deps.declared name=opentelemetry* ecosystem=python",
    ],
    claims: CLAIMS,
    phrases: &[
        "Structured logging configured (structlog)",
        "Sentry error tracking configured",
        "Error tracking configured (Sentry)",
        "Logging library configured (loguru)",
        "Distributed tracing enabled",
        "OpenTelemetry instrumentation configured",
    ],
    not_phrases: &[
        "All Python dependencies pinned (`requirements.txt`)",
        "No development dependencies in production",
        "`npm install` runs successfully",
        "Structured logging configured",
        "Connection pooling configured (PgBouncer)",
        "Rate limiting active (slowapi middleware)",
        "Jaeger/Zipkin deployed",
    ],
    findings: &[
        (
            "dependency-missing",
            "None of the named libraries is declared in the manifests read (or there is no manifest).",
        ),
        (
            "dependency-manifest-unparsable",
            "A manifest does not parse (bad TOML or JSON), so its dependencies cannot be read.",
        ),
    ],
};

/// Libraries whose names say what they are: named anywhere in an item about them, they are
/// the library asked for.
const DISTINCT_LIBS: &[&str] = &[
    "structlog",
    "loguru",
    "python-json-logger",
    "pino",
    "winston",
    "bunyan",
    "zerolog",
    "logrus",
    "prometheus-client",
    "prometheus_client",
    "prom-client",
    "ddtrace",
    "dd-trace",
    "newrelic",
    "elastic-apm",
];

fn lib_name(paren: &str) -> Option<String> {
    const FILES: &[&str] = &[
        ".txt", ".json", ".toml", ".lock", ".yml", ".yaml", ".md", ".py", ".sh", ".js", ".ts",
        ".log", ".conf", ".ini", ".cfg",
    ];
    match paren {
        "sentry" => Some(SENTRY.to_string()),
        "opentelemetry" | "otel" => Some(OTEL.to_string()),
        // A deployed component (Jaeger, Fluent Bit, PgBouncer) is `infra.component`'s to judge.
        p if FILES.iter().any(|e| p.ends_with(e))
            || crate::support::components::component_named(p).is_some() =>
        {
            None
        }
        other => Some(other.to_string()),
    }
}

impl CheckKind for DepsDeclared {
    fn id(&self) -> &'static str {
        "deps.declared"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let names = params
            .list("name")
            .ok_or_else(|| ParamError::new("name", "is required (the library to look for)"))?;
        let mut patterns = Vec::new();
        for n in names {
            let n = n.trim();
            let (stem, prefix) = match n.strip_suffix('*') {
                Some(s) => (s, true),
                None => (n, false),
            };
            if stem.is_empty()
                || stem.contains('*')
                || !stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./@~".contains(c))
            {
                return Err(ParamError::new(
                    "name",
                    format!("`{n}` is not a package name (a trailing `*` may match a prefix)"),
                ));
            }
            patterns.push(Pattern {
                shown: n.to_string(),
                stem: stem.to_string(),
                prefix,
            });
        }
        if patterns.is_empty() {
            return Err(ParamError::new("name", "names no library"));
        }
        let ecosystem = match params.str("ecosystem") {
            None => None,
            Some(e) if ECOSYSTEMS.contains(&e) => Some(e.to_string()),
            Some(e) => {
                return Err(ParamError::new(
                    "ecosystem",
                    format!("unknown ecosystem `{e}` (known: {})", ECOSYSTEMS.join(", ")),
                ));
            }
        };
        Ok(Box::new(Prepared {
            patterns,
            ecosystem,
        }))
    }
}

#[derive(Clone)]
struct Pattern {
    shown: String,
    stem: String,
    prefix: bool,
}

/// A name as the ecosystem compares it.
fn canonical(eco: &str, name: &str) -> String {
    match eco {
        "python" => {
            static SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[-_.]+").expect("regex"));
            SEP.replace_all(&name.to_lowercase(), "-").into_owned()
        }
        "rust" => name.to_lowercase().replace('_', "-"),
        "node" => name.to_lowercase(),
        _ => name.to_string(),
    }
}

impl Pattern {
    fn matches(&self, eco: &str, name: &str) -> bool {
        let name = canonical(eco, name);
        let stem = canonical(eco, &self.stem);
        if self.prefix {
            // PyPI's separator folding may drop a trailing `-` of the stem (`opentelemetry-*`).
            name.starts_with(&stem)
                || (eco == "python" && name.starts_with(stem.trim_end_matches('-')))
        } else {
            name == stem
        }
    }
}

#[derive(Clone)]
struct Prepared {
    patterns: Vec<Pattern>,
    ecosystem: Option<String>,
}

/// One declaration of a dependency.
struct Decl {
    eco: &'static str,
    name: String,
    rel: String,
    line: usize,
    /// "devDependencies", "dev-packages", "optional group `x`", "indirect"…
    note: Option<String>,
}

#[derive(Default)]
struct Scan {
    decls: Vec<Decl>,
    manifests: BTreeSet<String>,
    broken: Vec<Finding>,
}

/// The 1-based line of the first line of `text` on which `found` is true, else 1.
fn line_where(text: &str, found: impl Fn(&str) -> bool) -> usize {
    text.lines().position(found).map_or(1, |i| i + 1)
}

/// The line declaring `name` in a TOML or JSON manifest: as a key (`name =`, `"name":`,
/// `[dependencies.name]`) or inside a quoted requirement string (`"name>=1"`).
fn decl_line(text: &str, name: &str) -> usize {
    let boundary = |rest: &str| {
        rest.chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
    };
    line_where(text, |l| {
        let l = l.trim_start();
        for q in ["", "\"", "'"] {
            let key = format!("{q}{name}{q}");
            if let Some(rest) = l.strip_prefix(&key)
                && (q.is_empty() || boundary(rest))
                && boundary(rest)
            {
                let rest = rest.trim_start();
                if rest.starts_with('=') || rest.starts_with(':') || rest.starts_with('.') {
                    return true;
                }
            }
        }
        if l.starts_with('[') && l.trim_end().ends_with(&format!(".{name}]")) {
            return true;
        }
        ["\"", "'"].iter().any(|q| {
            let needle = format!("{q}{name}");
            l.match_indices(&needle)
                .any(|(i, _)| boundary(&l[i + needle.len()..]))
        })
    })
}

fn in_deps(rel: &str) -> bool {
    rel.split('/').any(|p| {
        matches!(
            p,
            "node_modules" | "vendor" | "site-packages" | ".venv" | "venv"
        )
    })
}

impl Prepared {
    fn wants(&self, eco: &str) -> bool {
        self.ecosystem.as_deref().is_none_or(|e| e == eco)
    }

    fn scan(&self, inventory: &Inventory) -> Scan {
        let files = &inventory.files;
        let mut scan = Scan::default();
        let present: HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        if self.wants("python") {
            let mut queue: Vec<String> = inventory
                .requirements_files()
                .filter(|f| !in_deps(&f.rel))
                .map(|f| f.rel.clone())
                .collect();
            queue.reverse();
            let mut seen = HashSet::new();
            while let Some(rel) = queue.pop() {
                if !seen.insert(rel.clone()) {
                    continue;
                }
                let Some(f) = files.iter().find(|f| f.rel == rel) else {
                    continue;
                };
                let Some(text) = self.read(f, &mut scan) else {
                    continue;
                };
                for (n, l) in logical_lines(&text) {
                    match parse_req_line(&l) {
                        ReqLine::Requirement(name, _) => scan.decls.push(Decl {
                            eco: "python",
                            name,
                            rel: rel.clone(),
                            line: n,
                            note: None,
                        }),
                        ReqLine::Include(path, false) => {
                            if let Some(t) = normalise_rel(&rel_join(parent_dir(&rel), &path))
                                && present.contains(t.as_str())
                            {
                                queue.push(t);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        for f in files.iter().filter(|f| !in_deps(&f.rel)) {
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            match name {
                "pyproject.toml" if self.wants("python") => self.pyproject(f, &mut scan),
                "Pipfile" if self.wants("python") => self.pipfile(f, &mut scan),
                "package.json" if self.wants("node") => self.package_json(f, &mut scan),
                "Cargo.toml" if self.wants("rust") => self.cargo(f, &mut scan),
                "go.mod" if self.wants("go") => self.go_mod(f, &mut scan),
                _ => {}
            }
        }
        scan
    }

    fn read(&self, f: &RepoFile, scan: &mut Scan) -> Option<String> {
        scan.manifests.insert(f.rel.clone());
        match read_repo_text(f) {
            Ok(t) => Some(t),
            Err(why) => {
                scan.broken.push(unreadable(
                    "dependency-manifest-unparsable",
                    &f.rel,
                    None,
                    &why,
                ));
                None
            }
        }
    }

    fn toml(&self, f: &RepoFile, scan: &mut Scan) -> Option<(String, toml::Table)> {
        let text = self.read(f, scan)?;
        match text.parse::<toml::Table>() {
            Ok(t) => Some((text, t)),
            Err(e) => {
                let line = e.span().map_or(1, |s| line_of(text.as_bytes(), s.start));
                scan.broken.push(unreadable(
                    "dependency-manifest-unparsable",
                    &f.rel,
                    Some(line),
                    &format!("{}:{line}: not valid TOML: {}", f.rel, e.message()),
                ));
                None
            }
        }
    }

    fn pyproject(&self, f: &RepoFile, scan: &mut Scan) {
        let Some((text, doc)) = self.toml(f, scan) else {
            return;
        };
        let push = |scan: &mut Scan, name: String, note: Option<String>, line: usize| {
            scan.decls.push(Decl {
                eco: "python",
                name,
                rel: f.rel.clone(),
                line,
                note,
            })
        };
        let strings = |v: Option<&toml::Value>| -> Vec<String> {
            v.and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let project = doc.get("project");
        let pep508 = |scan: &mut Scan, reqs: Vec<String>, note: Option<String>| {
            for r in reqs {
                if let ReqLine::Requirement(name, _) = parse_req_line(&r) {
                    let line = decl_line(
                        &text,
                        r.split([' ', '=', '<', '>', '~', '!', '[', ';', '@'])
                            .next()
                            .unwrap_or(&name),
                    );
                    push(scan, name, note.clone(), line);
                }
            }
        };
        pep508(
            scan,
            strings(project.and_then(|p| p.get("dependencies"))),
            None,
        );
        if let Some(groups) = project
            .and_then(|p| p.get("optional-dependencies"))
            .and_then(|g| g.as_table())
        {
            for (g, v) in groups {
                pep508(
                    scan,
                    strings(Some(v)),
                    Some(format!("optional group `{g}`")),
                );
            }
        }
        if let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table()) {
            for (g, v) in groups {
                pep508(
                    scan,
                    strings(Some(v)),
                    Some(format!("dependency group `{g}`")),
                );
            }
        }
        let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
        let mut tables: Vec<(Option<String>, &toml::Table)> = Vec::new();
        if let Some(p) = poetry {
            if let Some(t) = p.get("dependencies").and_then(|d| d.as_table()) {
                tables.push((None, t));
            }
            if let Some(t) = p.get("dev-dependencies").and_then(|d| d.as_table()) {
                tables.push((Some("dev-dependencies".into()), t));
            }
            if let Some(groups) = p.get("group").and_then(|g| g.as_table()) {
                for (g, v) in groups {
                    if let Some(t) = v.get("dependencies").and_then(|d| d.as_table()) {
                        tables.push((Some(format!("Poetry group `{g}`")), t));
                    }
                }
            }
        }
        for (note, t) in tables {
            for name in t.keys().filter(|k| k.as_str() != "python") {
                let line = decl_line(&text, name);
                push(scan, name.clone(), note.clone(), line);
            }
        }
    }

    fn pipfile(&self, f: &RepoFile, scan: &mut Scan) {
        let Some((text, doc)) = self.toml(f, scan) else {
            return;
        };
        for (key, note) in [("packages", None), ("dev-packages", Some("dev-packages"))] {
            for name in doc
                .get(key)
                .and_then(|t| t.as_table())
                .map(|t| t.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                scan.decls.push(Decl {
                    eco: "python",
                    line: decl_line(&text, &name),
                    name,
                    rel: f.rel.clone(),
                    note: note.map(String::from),
                });
            }
        }
    }

    fn package_json(&self, f: &RepoFile, scan: &mut Scan) {
        let Some(text) = self.read(f, scan) else {
            return;
        };
        let v: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                scan.broken.push(unreadable(
                    "dependency-manifest-unparsable",
                    &f.rel,
                    Some(e.line().max(1)),
                    &format!("{}:{}: not valid JSON: {e}", f.rel, e.line()),
                ));
                return;
            }
        };
        for (key, note) in [
            ("dependencies", None),
            ("devDependencies", Some("devDependencies")),
            ("optionalDependencies", Some("optionalDependencies")),
        ] {
            if let Some(o) = v.get(key).and_then(|d| d.as_object()) {
                for name in o.keys() {
                    scan.decls.push(Decl {
                        eco: "node",
                        name: name.clone(),
                        rel: f.rel.clone(),
                        line: decl_line(&text, name),
                        note: note.map(String::from),
                    });
                }
            }
        }
    }

    fn cargo(&self, f: &RepoFile, scan: &mut Scan) {
        let Some((text, doc)) = self.toml(f, scan) else {
            return;
        };
        let mut tables: Vec<(Option<String>, &toml::Table)> = Vec::new();
        let sections = [
            ("dependencies", None),
            ("dev-dependencies", Some("dev-dependencies")),
            ("build-dependencies", Some("build-dependencies")),
        ];
        for (k, note) in sections {
            if let Some(t) = doc.get(k).and_then(|d| d.as_table()) {
                tables.push((note.map(String::from), t));
            }
        }
        if let Some(t) = doc
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.as_table())
        {
            tables.push((Some("workspace.dependencies".into()), t));
        }
        if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
            for (cfg, v) in targets {
                for (k, note) in sections {
                    if let Some(t) = v.get(k).and_then(|d| d.as_table()) {
                        tables.push((
                            Some(match note {
                                Some(n) => format!("{n} for {cfg}"),
                                None => format!("for {cfg}"),
                            }),
                            t,
                        ));
                    }
                }
            }
        }
        for (note, t) in tables {
            for (key, v) in t {
                let real = v
                    .get("package")
                    .and_then(|p| p.as_str())
                    .unwrap_or(key)
                    .to_string();
                scan.decls.push(Decl {
                    eco: "rust",
                    name: real,
                    rel: f.rel.clone(),
                    line: decl_line(&text, key),
                    note: note.clone(),
                });
            }
        }
    }

    fn go_mod(&self, f: &RepoFile, scan: &mut Scan) {
        let Some(text) = self.read(f, scan) else {
            return;
        };
        let mut in_block = false;
        for (i, raw) in text.lines().enumerate() {
            let (code, comment) = match raw.split_once("//") {
                Some((c, m)) => (c.trim(), Some(m.trim())),
                None => (raw.trim(), None),
            };
            let spec = if in_block {
                if code.starts_with(')') {
                    in_block = false;
                    continue;
                }
                code
            } else if let Some(rest) = code.strip_prefix("require") {
                let rest = rest.trim();
                if rest.starts_with('(') {
                    in_block = true;
                    continue;
                }
                rest
            } else {
                continue;
            };
            if let Some(module) = spec.split_whitespace().next() {
                scan.decls.push(Decl {
                    eco: "go",
                    name: module.to_string(),
                    rel: f.rel.clone(),
                    line: i + 1,
                    note: comment
                        .filter(|c| c.contains("indirect"))
                        .map(|_| "indirect".to_string()),
                });
            }
        }
    }

    fn evaluate(&self, inventory: &Inventory) -> Outcome {
        let mut scan = self.scan(inventory);
        let shown: Vec<&str> = self.patterns.iter().map(|p| p.shown.as_str()).collect();
        let shown = shown.join(" or ");
        let expected = format!("{shown} declared");
        let hits: Vec<&Decl> = scan
            .decls
            .iter()
            .filter(|d| self.patterns.iter().any(|p| p.matches(d.eco, &d.name)))
            .collect();
        if !hits.is_empty() {
            let places: Vec<String> = hits
                .iter()
                .map(|d| match &d.note {
                    Some(n) => format!("{} at {}:{} ({n})", d.name, d.rel, d.line),
                    None => format!("{} at {}:{}", d.name, d.rel, d.line),
                })
                .collect();
            let summary = if places.len() > 6 {
                format!(
                    "declared: {} … ({} declarations)",
                    places[..6].join("; "),
                    places.len()
                )
            } else {
                format!("declared: {}", places.join("; "))
            };
            let first = Location::at(hits[0].rel.clone(), hits[0].line);
            let n = hits.len();
            for f in &mut scan.broken {
                f.severity = Status::Warn;
            }
            let mut o = if scan.broken.is_empty() {
                Outcome::pass(summary)
            } else {
                Outcome::from_findings(summary, scan.broken)
            };
            o = o.observed(format!("{n} declaration(s)")).expected(expected);
            o.evidence.location = Some(first);
            return o;
        }
        let eco = self.ecosystem.as_deref().unwrap_or("any");
        let message = if scan.manifests.is_empty() {
            format!(
                "{shown} is not declared: no dependency manifest found ({eco} ecosystem; looked for requirements*.txt, pyproject.toml, Pipfile, package.json, Cargo.toml, go.mod)"
            )
        } else {
            let m: Vec<&str> = scan.manifests.iter().map(String::as_str).collect();
            let read = if m.len() > 6 {
                format!("{}, … ({} manifests)", m[..6].join(", "), m.len())
            } else {
                m.join(", ")
            };
            format!("{shown} is not declared in the manifests read ({read})")
        };
        let summary = format!(
            "{shown} not declared ({} manifest(s) read)",
            scan.manifests.len()
        );
        let mut findings = vec![Finding::fail("dependency-missing", message).fix(format!(
            "add {} to the project's manifest",
            self.patterns[0].shown
        ))];
        findings.extend(scan.broken);
        Outcome::from_findings(summary, findings)
            .observed("not declared")
            .expected(expected)
    }
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || this.evaluate(&files)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{assert_has, at, check, found, params, recognise};

    #[test]
    fn python_manifests_are_read_with_lines() {
        let files = [
            (
                "backend/requirements.txt",
                "fastapi==0.115.6\n-r base.txt\n",
            ),
            ("backend/base.txt", "# logs\nStructLog>=24\n"),
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\ndependencies = [\n  \"fastapi>=0.115\",\n  \"sentry_sdk[fastapi]>=2\",\n]\n[project.optional-dependencies]\notel = [\"opentelemetry-sdk>=1.2\"]\n[tool.poetry.group.dev.dependencies]\nLoguru = \"^0.7\"\n",
            ),
            (
                "Pipfile",
                "[packages]\nrequests = \"*\"\n[dev-packages]\npython-json-logger = \"*\"\n",
            ),
        ];
        let o = check(&DepsDeclared, &files, &[("name", "structlog")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.summary,
            "declared: structlog at backend/base.txt:2"
        );
        let o = check(&DepsDeclared, &files, &[("name", "sentry-sdk,@sentry/*")]);
        assert_eq!(
            o.evidence.summary,
            "declared: sentry-sdk at pyproject.toml:5"
        );
        let o = check(&DepsDeclared, &files, &[("name", "opentelemetry*")]);
        assert_eq!(
            o.evidence.summary,
            "declared: opentelemetry-sdk at pyproject.toml:8 (optional group `otel`)"
        );
        let o = check(&DepsDeclared, &files, &[("name", "loguru")]);
        assert_eq!(
            o.evidence.summary,
            "declared: Loguru at pyproject.toml:10 (Poetry group `dev`)"
        );
        let o = check(&DepsDeclared, &files, &[("name", "python_json.logger")]);
        assert_eq!(
            o.evidence.summary,
            "declared: python-json-logger at Pipfile:4 (dev-packages)"
        );
        let o = check(
            &DepsDeclared,
            &files,
            &[("name", "structlog"), ("ecosystem", "node")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_has(
            &o.evidence.findings[0].message,
            "no dependency manifest found (node",
        );
    }

    #[test]
    fn node_rust_and_go_manifests() {
        let pkg = "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"pino\": \"9.0.0\"\n  },\n  \"devDependencies\": {\n    \"@sentry/nextjs\": \"8.0.0\"\n  }\n}\n";
        let cargo = "[package]\nname = \"svc\"\n\n[dependencies]\ntracing-subscriber = \"0.3\"\nsentry = { version = \"0.34\" }\nlog2 = { package = \"opentelemetry_sdk\", version = \"0.2\" }\n";
        let gomod = "module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgo.opentelemetry.io/otel v1.28.0\n\tgo.uber.org/zap v1.27.0 // indirect\n)\nrequire github.com/getsentry/sentry-go v0.28.1\n";
        let files = [
            ("web/package.json", pkg),
            ("svc/Cargo.toml", cargo),
            ("go/go.mod", gomod),
        ];
        let o = check(&DepsDeclared, &files, &[("name", "@sentry/*")]);
        assert_eq!(
            o.evidence.summary,
            "declared: @sentry/nextjs at web/package.json:7 (devDependencies)"
        );
        let o = check(&DepsDeclared, &files, &[("name", "pino")]);
        assert_eq!(o.evidence.summary, "declared: pino at web/package.json:4");
        let o = check(&DepsDeclared, &files, &[("name", "opentelemetry-sdk")]);
        assert_eq!(
            o.evidence.summary,
            "declared: opentelemetry_sdk at svc/Cargo.toml:7"
        );
        let o = check(&DepsDeclared, &files, &[("name", "go.uber.org/zap")]);
        assert_eq!(
            o.evidence.summary,
            "declared: go.uber.org/zap at go/go.mod:7 (indirect)"
        );
        let o = check(&DepsDeclared, &files, &[("name", SENTRY)]);
        assert_eq!(o.status, Status::Pass);
        assert_has(&o.evidence.summary, "sentry at svc/Cargo.toml:6");
        assert_has(
            &o.evidence.summary,
            "github.com/getsentry/sentry-go at go/go.mod:9",
        );
        // A prefix is a prefix of the name, not a substring.
        let o = check(&DepsDeclared, &files, &[("name", "sdk*")]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(found(&o), at(&[("dependency-missing", "")]));
        assert_has(
            &o.evidence.findings[0].message,
            "go/go.mod, svc/Cargo.toml, web/package.json",
        );
    }

    #[test]
    fn missing_and_unparsable() {
        let o = check(
            &DepsDeclared,
            &[("README.md", "x")],
            &[("name", "structlog")],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(found(&o), at(&[("dependency-missing", "")]));
        assert_has(
            &o.evidence.findings[0].message,
            "no dependency manifest found",
        );
        let files = [
            ("package.json", "{\n  \"dependencies\": {\n}"),
            ("pyproject.toml", "[project\nname = 1\n"),
        ];
        let o = check(&DepsDeclared, &files, &[("name", "pino")]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            found(&o),
            at(&[
                ("dependency-missing", ""),
                ("dependency-manifest-unparsable", "package.json:3"),
                ("dependency-manifest-unparsable", "pyproject.toml:1"),
            ])
        );
        let mut files = files.to_vec();
        files.push(("requirements.txt", "pino==1\n"));
        let o = check(&DepsDeclared, &files, &[("name", "pino")]);
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(DepsDeclared.prepare(&params(&[])).is_err());
        assert!(DepsDeclared.prepare(&params(&[("name", "a*b")])).is_err());
        assert!(
            DepsDeclared
                .prepare(&params(&[("name", "x"), ("ecosystem", "java")]))
                .is_err()
        );
    }

    #[test]
    fn the_example_repository() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-api");
        let o = crate::util::testing::check_in(&DepsDeclared, &dir, &[("name", "structlog")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.summary,
            "declared: structlog at backend/requirements.txt:6"
        );
        let o = crate::util::testing::check_in(&DepsDeclared, &dir, &[("name", TRACING)]);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_has(
            &o.evidence.findings[0].message,
            "backend/requirements.txt, frontend/package.json",
        );
    }

    #[test]
    fn seed_wording_binds() {
        let name =
            |t: &str| recognise(&DepsDeclared, t).and_then(|p| p.str("name").map(String::from));
        assert_eq!(
            name("Structured logging configured (structlog)").as_deref(),
            Some("structlog")
        );
        assert_eq!(
            name("Sentry error tracking configured").as_deref(),
            Some(SENTRY)
        );
        assert_eq!(
            name("Error tracking configured (Sentry)").as_deref(),
            Some(SENTRY)
        );
        assert_eq!(name("Logging configured (`pino`)").as_deref(), Some("pino"));
        assert_eq!(
            name("Distributed tracing enabled").as_deref(),
            Some(TRACING)
        );
        assert_eq!(name("OTel collector deployed"), None);
        assert_eq!(name("Log shipping configured (fluent-bit)"), None);
        assert_eq!(name("Tracing backend configured (Jaeger)"), None);
        assert_eq!(name("Audit logging enabled (audit.log)"), None);
        assert_eq!(
            name("Tracing configured (OpenTelemetry)").as_deref(),
            Some(OTEL)
        );
        assert_eq!(name("OpenTelemetry configured").as_deref(), Some(OTEL));
        for t in DOC.not_phrases {
            assert_eq!(name(t), None, "{t}");
        }
    }
}
