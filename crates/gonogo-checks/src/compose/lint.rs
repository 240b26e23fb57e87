//! `compose.lint`: docker-compose stacks pin images, declare health checks and restart
//! policies, keep database data on volumes, wait for healthy dependencies and carry no inline
//! secrets or weak fallbacks.

use crate::util::{absent, blocking, inventory, is_reference, rule_groups, unreadable, wants};
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status, redact_secret,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::{RepoFile, read_repo_text};
use gonogo_secrets::redact::is_secret_name;
use std::collections::BTreeMap;

pub struct ComposeLint;

const RULES: &[&str] = &[
    "pinned",
    "healthcheck",
    "restart",
    "volumes",
    "depends",
    "secrets",
    "ports",
];

/// Words that place an item in a compose stack (in the item or its headings).
const COMPOSE: &[&str] = &["compose", "docker stack", "swarm"];

/// Stateful services by the names an item gives them, as `image=` selects them.
const STATEFUL_NAMES: &[(&str, &str)] = &[
    ("postgresql", "postgres"),
    ("postgres", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mariadb"),
    ("mongodb", "mongo"),
    ("mongo", "mongo"),
    ("redis", "redis"),
    ("valkey", "valkey"),
    ("elasticsearch", "elasticsearch"),
    ("rabbitmq", "rabbitmq"),
];

/// What the kind verifies, rule group by rule group.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["healthcheck*", "health check*"],
        qualifiers: &[COMPOSE],
        support: &["defined", "declared", "every service", "all service"],
        excludes: &[
            "dockerfil*",
            "instruction",
            "endpoint*",
            "tested",
            "monitor*",
            "load balancer*",
            "kubernetes",
            "k8s",
            "prob*",
        ],
        params: &[("rules", "healthcheck")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["restart*", "restart polic*", "unless stopped"],
        qualifiers: &[COMPOSE],
        support: &["automatic*", "every service", "all service", "polic*"],
        excludes: &[
            "tested",
            "drill*",
            "reboot test*",
            "kubernetes",
            "k8s",
            "pod*",
        ],
        params: &[("rules", "restart")],
        weight: 80,
        ..Claim::EMPTY
    },
    // Database data on a volume; in a cluster that is a PersistentVolumeClaim, not compose.
    Claim {
        subject: &[
            "persistent volum*",
            "data volum*",
            "named volum*",
            "persistent storage",
            "volume for data",
            "data directory",
        ],
        support: &["configur*", "mounted", "defined"],
        excludes: &[
            "kubernetes",
            "k8s",
            "pvc*",
            "persistentvolumeclaim*",
            "storage class*",
            "backup*",
            "snapshot*",
            "encrypt*",
            "resiz*",
            "tested",
            "aof",
            "rdb",
        ],
        params: &[("rules", "volumes")],
        slots: &[Slot::optional("image", Value::Choice(STATEFUL_NAMES))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["imag*", "image tag*", "tag*", "latest"],
        qualifiers: &[
            &[
                "pinned",
                "pin",
                "latest",
                "released version*",
                "fixed version*",
                "digest*",
            ],
            COMPOSE,
        ],
        excludes: &[
            "base imag*",
            "dockerfil*",
            "from",
            "kubernetes",
            "k8s",
            "helm",
            "scan*",
            "signed",
            "sign*",
            "published",
            "push*",
            "built",
            "build*",
            "registry",
        ],
        params: &[("rules", "pinned")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "weak default*",
            "weak fallback*",
            "default password*",
            "fallback password*",
            "fallback valu*",
            "inline secret*",
            "literal secret*",
            "hardcoded secret*",
            "hard coded secret*",
            "plaintext secret*",
            "secret*",
            "password*",
            "credential*",
        ],
        qualifiers: &[COMPOSE],
        support: &["environment", "env", "no", "never"],
        excludes: &[
            "rotat*",
            "vault",
            "manager",
            "scan*",
            "git histor*",
            "env file*",
            "dotenv",
            "tracked",
            "generat*",
            "installer",
            "dockerfil*",
            "kubernetes",
            "k8s",
        ],
        params: &[("rules", "secrets")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "service healthy",
            "depends on",
            "dependency order",
            "start order*",
            "startup order",
            "start only after",
        ],
        qualifiers: &[&["compose", "servic*", "container*", "stack", "healthy"]],
        excludes: &[
            "kubernetes",
            "k8s",
            "pod*",
            "init container*",
            "releas*",
            "pr",
            "merg*",
        ],
        params: &[("rules", "depends")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "database port*",
            "db port*",
            "published port*",
            "exposed port*",
            "port*",
        ],
        qualifiers: &[
            COMPOSE,
            &[
                "publish*",
                "expos*",
                "bound",
                "bind",
                "localhost",
                "127 0 0 1",
                "internal",
            ],
        ],
        excludes: &[
            "firewall",
            "security group*",
            "kubernetes",
            "k8s",
            "scan*",
            "tls",
        ],
        params: &[("rules", "ports")],
        weight: 75,
        ..Claim::EMPTY
    },
    // The stack as a whole: every rule group.
    Claim {
        subject: &[
            "docker stack",
            "compose stack",
            "compose file*",
            "docker compose",
            "compose",
        ],
        qualifiers: &[&["validat*", "valid", "lint*", "best practic*"]],
        // A script named in the item is the command that validates: `cmd.succeeds` runs it.
        excludes: &[
            "tested",
            "up",
            "running",
            "healthy",
            "build*",
            "deploy*",
            "start*",
            "kubernetes",
            "k8s",
            "script*",
            "sh",
        ],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "docker-compose services pin images, have health checks and restart policies, keep database data on volumes and hold no inline secrets.",
    description: "Reads `docker-compose*.yml`/`.yaml` and `compose*.yml`/`.yaml`; a \
`X.override.yml` is layered onto `X.yml` the way `docker compose` does (the later file's keys \
win). For every service: an `image` must carry a tag other than `latest` (services with only \
`build:` are left to `docker.dockerfile`); a `healthcheck` must be declared and not disabled; a \
`restart` policy (or `deploy.restart_policy`) other than `no` must be set; database and cache \
services (postgres, mysql, mariadb, mongo, redis, valkey, elasticsearch, rabbitmq, …) must keep \
their data directory on a named volume or a bind mount; `depends_on` should wait for \
`service_healthy` (warning); environment values must not be literal secrets and must not hide \
a weak default in `${VAR:-password}` (`${VAR:?message}` is the good form); published database \
ports are warned about unless bound to 127.0.0.1. `rules=` restricts the rule groups and \
`image=` the services (by image name, e.g. `image=postgres`). Fails on any failing finding, warns \
on warnings only; skips when there is no compose file (or no service matches `image=`); fails \
with `required=true`. A file that does not parse is `compose-parse-error` at its line.",
    params: &[
        ParamDoc::optional(
            "rules",
            "Comma list of rule groups: pinned, healthcheck, restart, volumes, depends, secrets, ports (default: all).",
        ),
        ParamDoc::optional(
            "image",
            "Only services whose image name contains this (`postgres`, `redis`).",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when there is no compose file.",
            "false",
        ),
    ],
    examples: &[
        "compose.lint",
        "compose.lint rules=volumes image=postgres",
        "compose.lint rules=secrets,pinned required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "PostgreSQL persistent volumes configured",
        "Docker compose stack validated",
        "Redis persistent volume configured",
        "docker-compose services have healthchecks",
        "Docker stack validation passed",
    ],
    not_phrases: &[
        "Docker images build successfully",
        "All containers running and healthy",
        "Persistence configured (AOF + RDB)",
        "Redis configured for session storage",
    ],
    findings: &[
        (
            "compose-parse-error",
            "A compose file is not valid YAML or has no `services` mapping.",
        ),
        (
            "compose-image-unpinned",
            "A service's image has no tag or uses `latest`.",
        ),
        (
            "compose-no-healthcheck",
            "A service declares no healthcheck (or disables it).",
        ),
        (
            "compose-no-restart",
            "A service has no restart policy (or `restart: \"no\"`), so it stays down after a crash or reboot.",
        ),
        (
            "compose-db-no-volume",
            "A database or cache service keeps its data inside the container (no named volume or bind mount on its data directory).",
        ),
        (
            "compose-depends-not-healthy",
            "`depends_on` only waits for the dependency to start, not to be healthy.",
        ),
        (
            "compose-inline-secret",
            "An environment value is a literal secret committed in the compose file.",
        ),
        (
            "compose-weak-fallback",
            "A secret falls back to a default (`${DB_PASSWORD:-password}`) when the variable is unset.",
        ),
        (
            "compose-db-port-published",
            "A database port is published on all interfaces.",
        ),
        (
            "compose-not-found",
            "No compose file was found while `required=true`.",
        ),
    ],
};

impl CheckKind for ComposeLint {
    fn id(&self) -> &'static str {
        "compose.lint"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            rules: rule_groups(params, RULES)?,
            image: params.str("image").map(str::to_lowercase),
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    rules: Option<Vec<String>>,
    image: Option<String>,
    required: bool,
}

/// Data directories of well-known stateful images.
const STATEFUL: &[(&str, &[&str])] = &[
    (
        "postgres",
        &["/var/lib/postgresql/data", "/var/lib/postgresql"],
    ),
    (
        "postgis",
        &["/var/lib/postgresql/data", "/var/lib/postgresql"],
    ),
    (
        "timescale",
        &["/var/lib/postgresql/data", "/home/postgres/pgdata"],
    ),
    ("mysql", &["/var/lib/mysql"]),
    ("mariadb", &["/var/lib/mysql"]),
    ("mongo", &["/data/db"]),
    ("redis", &["/data"]),
    ("valkey", &["/data"]),
    ("elasticsearch", &["/usr/share/elasticsearch/data"]),
    ("opensearch", &["/usr/share/opensearch/data"]),
    ("rabbitmq", &["/var/lib/rabbitmq"]),
    ("clickhouse", &["/var/lib/clickhouse"]),
    ("influxdb", &["/var/lib/influxdb", "/var/lib/influxdb2"]),
    ("minio", &["/data"]),
    ("cassandra", &["/var/lib/cassandra"]),
];

const DB_PORTS: &[&str] = &["5432", "3306", "27017", "6379", "9200", "5672", "9042"];

/// One compose file's layer of a service.
struct Layer<'a> {
    rel: &'a str,
    node: &'a Node,
}

impl<'a> Layer<'a> {
    fn key(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.node.entry(key)
    }
}

fn lookup<'a>(layers: &[Layer<'a>], key: &str) -> Option<(&'a str, &'a Node, &'a Node)> {
    layers
        .iter()
        .rev()
        .find_map(|l| l.key(key).map(|(k, v)| (l.rel, k, v)))
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let found: Vec<&RepoFile> = files.compose_files().collect();
            if found.is_empty() {
                return absent(
                    this.required,
                    "compose-not-found",
                    "no docker-compose file found",
                    "add a compose.yaml describing the stack",
                );
            }
            let mut findings = Vec::new();
            let mut parsed: Vec<(&RepoFile, Node)> = Vec::new();
            for f in &found {
                let src = match read_repo_text(f) {
                    Ok(s) => s,
                    Err(why) => {
                        findings.push(unreadable("compose-parse-error", &f.rel, None, &why));
                        continue;
                    }
                };
                match parse_documents(&src) {
                    Ok(mut docs) if !docs.is_empty() => {
                        let doc = docs.swap_remove(0);
                        if doc.get("services").is_some_and(Node::is_map) {
                            parsed.push((f, doc));
                        } else {
                            findings.push(unreadable(
                                "compose-parse-error",
                                &f.rel,
                                Some(doc.line),
                                &format!("{}: no `services` mapping", f.rel),
                            ));
                        }
                    }
                    Ok(_) => findings.push(unreadable(
                        "compose-parse-error",
                        &f.rel,
                        Some(1),
                        &format!("{} is empty", f.rel),
                    )),
                    Err(e) => findings.push(unreadable(
                        "compose-parse-error",
                        &f.rel,
                        Some(e.line),
                        &format!("{}: {e}", f.rel),
                    )),
                }
            }
            // Stacks: a base file with its `.override` layered on top.
            let mut stacks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, (f, _)) in parsed.iter().enumerate() {
                let base = f.rel.replace(".override.", ".");
                stacks.entry(base).or_default().push(i);
            }
            let mut services_checked = 0;
            for (_, mut idx) in stacks {
                idx.sort_by_key(|&i| parsed[i].0.rel.contains(".override."));
                let mut services: BTreeMap<&str, Vec<Layer>> = BTreeMap::new();
                for &i in &idx {
                    let (f, doc) = &parsed[i];
                    for (name, _, svc) in doc.get("services").unwrap_or(Node::null()).keyed() {
                        services.entry(name).or_default().push(Layer {
                            rel: &f.rel,
                            node: svc,
                        });
                    }
                }
                for (name, layers) in &services {
                    let image = lookup(layers, "image").and_then(|(_, _, v)| v.as_str());
                    if let Some(want) = &this.image
                        && !image.is_some_and(|i| i.to_lowercase().contains(want.as_str()))
                    {
                        continue;
                    }
                    services_checked += 1;
                    this.check_service(name, layers, &mut findings);
                }
            }
            if services_checked == 0 && findings.is_empty() {
                let reason = match &this.image {
                    Some(i) => format!("no compose service uses a {i} image"),
                    None => "the compose files define no services".into(),
                };
                return absent(
                    this.required,
                    "compose-not-found",
                    &reason,
                    "declare the service in the compose file",
                );
            }
            let failing = findings
                .iter()
                .filter(|f| f.severity == Status::Fail)
                .count();
            Outcome::from_findings(
                format!(
                    "{services_checked} service(s) in {} compose file(s): {failing} problem(s)",
                    found.len()
                ),
                findings,
            )
            .observed(format!("{failing} failing finding(s)"))
            .expected("0")
        })
        .await
    }
}

impl Prepared {
    fn check_service(&self, name: &str, layers: &[Layer], out: &mut Vec<Finding>) {
        let first = &layers[0];
        let svc_loc = Location::at(first.rel, first.node.line);
        let image = lookup(layers, "image");
        let has_build = lookup(layers, "build").is_some();
        let image_name = image.and_then(|(_, _, v)| v.as_str()).unwrap_or("");
        let lower = image_name.to_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        let stateful = STATEFUL
            .iter()
            .find(|(k, _)| base.split([':', '@']).next().unwrap_or("").contains(k));

        if wants(&self.rules, "pinned")
            && let Some((rel, _, v)) = image
        {
            let (tag, digest) = gonogo_parsers::dockerfile::image_tag_digest(image_name);
            if !image_name.contains('$') && digest.is_none() && matches!(tag, None | Some("latest"))
            {
                out.push(
                    Finding::fail(
                        "compose-image-unpinned",
                        format!("service {name}: image {image_name} is not pinned to a version"),
                    )
                    .at(Location::at(rel, v.line))
                    .fix("pin a version tag (postgres:16.4) or a digest"),
                );
            }
        }
        if wants(&self.rules, "healthcheck") && (!has_build || stateful.is_some()) {
            match lookup(layers, "healthcheck") {
                None => out.push(
                    Finding::fail(
                        "compose-no-healthcheck",
                        format!("service {name} declares no healthcheck"),
                    )
                    .at(svc_loc.clone())
                    .fix("add a healthcheck (test: [\"CMD\", \"pg_isready\"], interval, retries)"),
                ),
                Some((rel, k, v)) if v.get("disable").and_then(Node::as_bool) == Some(true) => out
                    .push(
                        Finding::fail(
                            "compose-no-healthcheck",
                            format!("service {name} disables its healthcheck"),
                        )
                        .at(Location::at(rel, k.line))
                        .fix("remove `disable: true` and declare a test"),
                    ),
                Some(_) => {}
            }
        }
        if wants(&self.rules, "restart") {
            let restart = lookup(layers, "restart");
            let deploy =
                lookup(layers, "deploy").is_some_and(|(_, _, d)| d.get("restart_policy").is_some());
            match restart {
                None if !deploy => out.push(
                    Finding::fail(
                        "compose-no-restart",
                        format!("service {name} has no restart policy"),
                    )
                    .at(svc_loc.clone())
                    .fix("add `restart: unless-stopped` (or deploy.restart_policy)"),
                ),
                Some((rel, _, v)) if matches!(v.as_str(), Some("no") | Some("false")) => out.push(
                    Finding::fail(
                        "compose-no-restart",
                        format!("service {name} is never restarted (restart: no)"),
                    )
                    .at(Location::at(rel, v.line))
                    .fix("use `restart: unless-stopped` or `on-failure`"),
                ),
                _ => {}
            }
        }
        if wants(&self.rules, "volumes")
            && let Some((kind, dirs)) = stateful
        {
            let vols = lookup(layers, "volumes");
            let mut ok = false;
            if let Some((_, _, v)) = vols {
                for item in v.items() {
                    let (source, target) = volume_source_target(item);
                    let target_ok = target.as_deref().is_some_and(|t| {
                        let t = t.trim_end_matches('/');
                        dirs.iter().any(|d| {
                            t == *d
                                || t.starts_with(&format!("{d}/"))
                                || d.starts_with(&format!("{t}/"))
                        })
                    });
                    if target_ok && source.is_some() {
                        ok = true;
                    }
                }
            }
            if !ok {
                let loc = match vols {
                    Some((rel, k, _)) => Location::at(rel, k.line),
                    None => svc_loc.clone(),
                };
                out.push(
                    Finding::fail(
                        "compose-db-no-volume",
                        format!(
                            "service {name} ({kind}) keeps {} inside the container: data is lost when it is recreated",
                            dirs[0]
                        ),
                    )
                    .at(loc)
                    .fix(format!("mount a named volume: `volumes: [\"{name}-data:{}\"]` and declare it under top-level `volumes:`", dirs[0])),
                );
            }
        }
        if wants(&self.rules, "depends")
            && let Some((rel, _, deps)) = lookup(layers, "depends_on")
        {
            if let Some(list) = deps.as_seq() {
                for d in list {
                    out.push(
                        Finding::warn(
                            "compose-depends-not-healthy",
                            format!(
                                "service {name} starts as soon as {} starts, not when it is healthy",
                                d.as_str().unwrap_or("?")
                            ),
                        )
                        .at(Location::at(rel, d.line))
                        .fix("use the long form: depends_on: {db: {condition: service_healthy}}"),
                    );
                }
            } else {
                for (dep, k, v) in deps.keyed() {
                    let cond = v.str_of("condition").unwrap_or("service_started");
                    if cond == "service_started" {
                        out.push(
                            Finding::warn(
                                "compose-depends-not-healthy",
                                format!("service {name} waits only for {dep} to start ({cond})"),
                            )
                            .at(Location::at(rel, k.line))
                            .fix("set condition: service_healthy (the dependency needs a healthcheck)"),
                        );
                    }
                }
            }
        }
        if wants(&self.rules, "secrets")
            && let Some((rel, _, env)) = lookup(layers, "environment")
        {
            let pairs: Vec<(String, String, usize)> = if let Some(list) = env.as_seq() {
                list.iter()
                    .filter_map(|n| {
                        let s = n.as_str()?;
                        let (k, v) = s.split_once('=')?;
                        Some((k.to_string(), v.to_string(), n.line))
                    })
                    .collect()
            } else {
                env.keyed()
                    .filter_map(|(k, kn, v)| {
                        Some((k.to_string(), v.scalar()?.to_string(), kn.line))
                    })
                    .collect()
            };
            for (k, v, line) in pairs {
                secret_value_findings(name, rel, &k, &v, line, out);
            }
        }
        if wants(&self.rules, "ports")
            && stateful.is_some()
            && let Some((rel, _, ports)) = lookup(layers, "ports")
        {
            for p in ports.items() {
                let spec = p
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| {
                        p.get("published").and_then(|n| n.scalar()).map(|pub_| {
                            let host = p.str_of("host_ip").unwrap_or("");
                            format!("{host}:{pub_}:{}", p.str_of("target").unwrap_or(""))
                        })
                    })
                    .unwrap_or_default();
                let parts: Vec<&str> = spec.split(':').collect();
                let loopback = parts.len() >= 3
                    && (parts[0] == "127.0.0.1" || parts[0] == "localhost" || parts[0] == "[::1]");
                let container = parts.last().unwrap_or(&"").split('/').next().unwrap_or("");
                if parts.len() >= 2 && !loopback && DB_PORTS.contains(&container) {
                    out.push(
                        Finding::warn(
                            "compose-db-port-published",
                            format!("service {name} publishes database port {spec} on every interface"),
                        )
                        .at(Location::at(rel, p.line))
                        .fix("drop the published port or bind it to 127.0.0.1 (\"127.0.0.1:5432:5432\")"),
                    );
                }
            }
        }
    }
}

/// (source, target) of a volume entry, short or long syntax; `source` is `None` for an
/// anonymous volume.
fn volume_source_target(item: &Node) -> (Option<String>, Option<String>) {
    if let Some(s) = item.as_str() {
        let parts: Vec<&str> = s.split(':').collect();
        return match parts.as_slice() {
            [t] => (None, Some(t.to_string())),
            [s, t, ..] => (Some(s.to_string()), Some(t.to_string())),
            [] => (None, None),
        };
    }
    let ty = item.str_of("type").unwrap_or("volume");
    let source = item
        .str_of("source")
        .map(str::to_string)
        .filter(|_| ty != "tmpfs");
    (source, item.str_of("target").map(str::to_string))
}

/// Findings for one environment value: a literal secret, or a weak `${X:-default}` fallback.
fn secret_value_findings(
    svc: &str,
    rel: &str,
    key: &str,
    value: &str,
    line: usize,
    out: &mut Vec<Finding>,
) {
    // Weak fallbacks: ${NAME:-default} / ${NAME-default} with a secret-like name or key.
    let mut rest = value;
    let mut weak = false;
    while let Some(p) = rest.find("${") {
        let inner_end = rest[p..].find('}').map(|e| p + e).unwrap_or(rest.len());
        let inner = &rest[p + 2..inner_end];
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let op = &inner[name.len()..];
        let default = op.strip_prefix(":-").or_else(|| op.strip_prefix('-'));
        if let Some(d) = default
            && !d.is_empty()
            && (is_secret_name(&name) || is_secret_name(key))
        {
            weak = true;
            out.push(
                Finding::fail(
                    "compose-weak-fallback",
                    format!("service {svc}: {key} falls back to a default secret when {name} is unset ({})", redact_secret(d)),
                )
                .at(Location::at(rel, line))
                .fix(format!("require the variable instead: ${{{name}:?{name} must be set}}")),
            );
        }
        rest = &rest[inner_end.min(rest.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
    if weak {
        return;
    }
    let literal_url_password = value.find("://").is_some_and(|p| {
        let after = &value[p + 3..];
        after.split('@').next().is_some_and(|cred| {
            after.contains('@')
                && cred
                    .split_once(':')
                    .is_some_and(|(_, pw)| !pw.is_empty() && !pw.starts_with('$'))
        })
    });
    if (is_secret_name(key) && !is_reference(value) && !value.contains("${"))
        || literal_url_password
    {
        out.push(
            Finding::fail(
                "compose-inline-secret",
                format!(
                    "service {svc}: {key} is a literal secret in the compose file ({})",
                    redact_secret(value)
                ),
            )
            .at(Location::at(rel, line))
            .fix(format!(
                "read it from the environment or a secret: {key}: ${{{key}:?{key} must be set}}"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const GOOD: &str = "services:
  api:
    build: .
    restart: unless-stopped
    environment:
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD:?set it}@db/app
      JWT_SECRET: ${JWT_SECRET:?JWT_SECRET must be set}
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16.4
    restart: always
    healthcheck:
      test: [\"CMD\", \"pg_isready\"]
    volumes:
      - pgdata:/var/lib/postgresql/data
    ports:
      - \"127.0.0.1:5432:5432\"
volumes:
  pgdata: {}
";

    const BAD: &str = "services:
  api:
    image: acme/api:latest
    environment:
      - DB_PASSWORD=hunter2hunter2
      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-password}
    depends_on:
      - db
  db:
    image: postgres
    restart: \"no\"
    volumes:
      - /var/lib/postgresql/data
    ports:
      - \"5432:5432\"
";

    #[test]
    fn good_stack_passes() {
        let o = run(&ComposeLint, &[("docker-compose.yml", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn bad_stack_fails_with_located_findings() {
        let o = run(&ComposeLint, &[("deploy/docker-compose.yml", BAD)], &[]);
        assert_eq!(o.status, Status::Fail);
        let f = "deploy/docker-compose.yml";
        assert_eq!(
            codes(&o),
            at(&[
                ("compose-image-unpinned", &format!("{f}:3")),
                ("compose-no-healthcheck", &format!("{f}:3")),
                ("compose-no-restart", &format!("{f}:3")),
                ("compose-depends-not-healthy", &format!("{f}:8")),
                ("compose-inline-secret", &format!("{f}:5")),
                ("compose-weak-fallback", &format!("{f}:6")),
                ("compose-image-unpinned", &format!("{f}:10")),
                ("compose-no-healthcheck", &format!("{f}:10")),
                ("compose-no-restart", &format!("{f}:11")),
                ("compose-db-no-volume", &format!("{f}:12")),
                ("compose-db-port-published", &format!("{f}:15")),
            ])
        );
        assert!(
            o.evidence
                .findings
                .iter()
                .all(|f| !f.message.contains("hunter2hunter2"))
        );
    }

    #[test]
    fn override_layers_on_base() {
        let o = run(
            &ComposeLint,
            &[
                (
                    "docker-compose.yml",
                    "services:\n  db:\n    image: postgres:16\n",
                ),
                (
                    "docker-compose.override.yml",
                    "services:\n  db:\n    restart: always\n    healthcheck:\n      test: pg_isready\n    volumes: [\"pg:/var/lib/postgresql/data\"]\n",
                ),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn persistent_volume_item_checks_only_postgres_volumes() {
        let r = crate::util::testing::recognise(
            &ComposeLint,
            "PostgreSQL persistent volumes configured",
        )
        .unwrap();
        let kv: Vec<(&str, &str)> = r.iter().collect();
        let o = run(&ComposeLint, &[("compose.yaml", BAD)], &kv);
        assert_eq!(
            codes(&o),
            at(&[("compose-db-no-volume", "compose.yaml:12")])
        );
        let o = run(
            &ComposeLint,
            &[("compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")],
            &kv,
        );
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(
            o.evidence.summary,
            "no compose service uses a postgres image"
        );
    }

    #[test]
    fn broken_yaml_is_a_located_finding() {
        let o = run(
            &ComposeLint,
            &[("compose.yml", "services:\n  db:\n    image: [postgres\n")],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o)[0].0, "compose-parse-error");
        assert!(
            codes(&o)[0].1.starts_with("compose.yml:"),
            "{:?}",
            codes(&o)
        );
    }

    #[test]
    fn no_compose_file_is_skipped() {
        let o = run(&ComposeLint, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no docker-compose file found");
    }
}
