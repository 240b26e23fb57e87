//! `k8s.workloads`: Kubernetes workloads declare requests and limits, probes, a non-root user
//! and pinned images; replicated workloads are covered by PodDisruptionBudgets; every namespace
//! has a NetworkPolicy; user-facing Deployments have an autoscaler or a replica floor.

use crate::util::{absent, blocking, inventory, rule_groups, unreadable, unusable_path, wants};
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::{RepoFile, read_repo_text};
use std::collections::{BTreeMap, BTreeSet};

pub struct K8sWorkloads;

const RULES: &[&str] = &[
    "resources",
    "probes",
    "security",
    "pinned",
    "pdb",
    "network-policy",
    "scaling",
    "migration-job",
    "load-balancer",
    "blue-green",
];

/// Words that place an item in a cluster (any one is enough, in the item or its headings).
const CLUSTER: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod",
    "cluster",
    "deployment",
    "helm",
    "manifest",
    "container",
    "statefulset",
    "workload",
    "namespace",
];

/// What the kind verifies, rule group by rule group, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "resource limit",
            "resource request",
            "cpu limit",
            "memory limit",
            "cpu request",
            "memory request",
            "limits and requests",
            "requests and limits",
            "limits requests",
            "requests limits",
        ],
        qualifiers: &[CLUSTER_OR_RESOURCES],
        support: &[
            "set",
            "defined",
            "configur*",
            "specified",
            "every container",
            "all container",
        ],
        // Asking for a particular relation (request equal to limit, Guaranteed QoS) or a
        // right-sizing exercise is more than "both are set".
        excludes: &[
            "equal",
            "same as",
            "guaranteed",
            "qos",
            "right siz*",
            "tuned",
            "appropriate*",
            "load test*",
            "vertical pod autoscal*",
            "vpa",
            "disabl*",
            "remov*",
            "unless",
            "limitrange",
            "quota*",
        ],
        params: &[("rules", "resources")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "poddisruptionbudget",
            "pod disruption budget",
            "disruption budget",
            "pdb",
            "pdbs",
        ],
        support: &["configur*", "defined", "set", "in place"],
        excludes: &["tested", "drain test*"],
        params: &[("rules", "pdb")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "networkpolicy",
            "networkpolicies",
            "network polic*",
            "netpol*",
            "default deny",
            "deny all ingress",
            "pod to pod traffic",
        ],
        qualifiers: &[CLUSTER_OR_NETWORK],
        support: &["applied", "configur*", "defined", "enforced", "in place"],
        excludes: &["firewall", "security group", "waf"],
        params: &[("rules", "network-policy")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "liveness probe",
            "readiness probe",
            "startup probe",
            "liveness and readiness",
            "readiness and liveness",
            "livenessprobe",
            "readinessprobe",
            "health probe",
            "probes",
        ],
        qualifiers: &[CLUSTER_OR_PROBES],
        support: &["configur*", "defined", "set"],
        // The rule reads that probes exist, not how they are written.
        excludes: &[
            "tested",
            "tuned",
            "endpoint*",
            "responding",
            "shared",
            "between",
            "instead",
            "crash*",
            "timeout*",
            "threshold*",
            "delay*",
            "dependenc*",
        ],
        params: &[("rules", "probes")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "horizontalpodautoscaler",
            "horizontal pod autoscal*",
            "pod autoscal*",
            "hpa",
            "hpas",
            "autoscal*",
            "auto scal*",
        ],
        qualifiers: &[CLUSTER_OR_SCALING],
        support: &["configur*", "defined", "enabled", "replica*"],
        // The rule reads an HPA or two replicas: it says nothing about nodes, load-tested
        // scaling behaviour or scale-to-zero.
        excludes: &[
            "node*",
            "cluster autoscal*",
            "karpenter",
            "tested",
            "under load",
            "load test*",
            "scale to zero",
            "keda",
            "vertical",
            "vpa",
            "database",
            "db",
        ],
        params: &[("rules", "scaling")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        // The rule reads runAsNonRoot / runAsUser only: not privileged mode, capabilities,
        // escalation or a read-only root filesystem.
        subject: &[
            "runasnonroot",
            "runasuser",
            "run as non root",
            "runs as non root",
            "non root",
            "nonroot",
            "rootless",
            "as root",
        ],
        // "Containers run as non-root" is as much the Dockerfile's `USER`: only an item (or
        // heading) about the cluster's pods is this kind's.
        qualifiers: &[&[
            "kubernetes",
            "k8s",
            "pod",
            "pods",
            "helm",
            "manifest*",
            "securitycontext",
            "security context",
            "statefulset",
            "cluster",
        ]],
        support: &[
            "set",
            "enforced",
            "configur*",
            "all container",
            "every container",
        ],
        excludes: &[
            "dockerfile",
            "image build",
            "user instruction",
            "stage",
            "privileg*",
            "capabilit*",
            "read only",
            "readonly*",
            "user namespace*",
            "admission",
            "opa",
            "gatekeeper",
            "kyverno",
            "psp",
            "pod security polic*",
            "pod security admission",
            "pod security standard*",
        ],
        params: &[("rules", "security")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "latest tag",
            "latest image tag*",
            ":latest",
            "image tag*",
            "pinned image*",
            "images pinned",
            "image digest*",
            "pinned to a digest",
            "pinned by digest",
        ],
        qualifiers: &[CLUSTER],
        support: &["pinned", "no latest", "immutable", "digest"],
        excludes: &[
            "base image",
            "dockerfile",
            "from line",
            "signed",
            "signature",
            "scan*",
        ],
        params: &[("rules", "pinned")],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "migration job",
            "migrations job",
            "migration hook",
            "migrate job",
            "init container",
            "pre install hook",
            "pre upgrade hook",
        ],
        qualifiers: &[
            &["migration*", "migrate*", "alembic", "flyway", "schema"],
            CLUSTER,
        ],
        excludes: &["tested", "rollback", "applied"],
        params: &[("rules", "migration-job")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "load balancer",
            "loadbalancer",
            "ingress",
            "gateway api",
            "ingress controller",
        ],
        qualifiers: &[CLUSTER_OR_LB],
        support: &["configur*", "defined", "exposed", "set up"],
        excludes: &[
            "health check*",
            "tested",
            "failover",
            "tls",
            "certificate*",
            "waf",
            "rate limit*",
            "dns",
            "cdn",
            "timeout*",
            "sticky",
            "session affinity",
            "hostname*",
            "domain*",
            "opa",
            "unique",
            "class*",
            "annotation*",
        ],
        params: &[("rules", "load-balancer")],
        weight: 65,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["blue green", "bluegreen", "blue and green"],
        support: &["configur*", "deployment", "rollout", "strategy"],
        excludes: &[
            "tested",
            "rehears*",
            "switch* back",
            "rollback test*",
            "drill*",
        ],
        params: &[("rules", "blue-green")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "kubernetes manifest*",
            "k8s manifest*",
            "helm chart*",
            "kustomiz*",
        ],
        support: &["valid", "lint*", "best practice*", "reviewed", "checked"],
        excludes: &[
            "applied",
            "deployed",
            "rendered in ci",
            "argo",
            "flux",
            "gitops",
            "version*",
            "published",
            "signed",
        ],
        weight: 70,
        ..Claim::EMPTY
    },
];
const CLUSTER_OR_RESOURCES: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod",
    "cluster",
    "deployment",
    "helm",
    "manifest",
    "container",
    "statefulset",
    "workload",
    "namespace",
    "resource",
];
const CLUSTER_OR_NETWORK: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod",
    "cluster",
    "namespace",
    "network",
    "ingress",
    "egress",
    "networkpolicy",
    "networkpolicies",
];
const CLUSTER_OR_PROBES: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod",
    "cluster",
    "deployment",
    "helm",
    "manifest",
    "container",
    "statefulset",
    "workload",
    "liveness",
    "readiness",
    "startup",
];
const CLUSTER_OR_SCALING: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod",
    "cluster",
    "deployment",
    "helm",
    "manifest",
    "hpa",
    "horizontalpodautoscaler",
    "horizontal",
    "replica*",
    "workload",
    "service",
];
const CLUSTER_OR_LB: &[&str] = &[
    "kubernetes",
    "k8s",
    "cluster",
    "ingress",
    "service",
    "helm",
    "manifest",
    "traffic",
];

/// Rule groups a cluster may rightly do without: checked only when asked for by name.
const OPT_IN: &[&str] = &["migration-job", "load-balancer", "blue-green"];

/// Commands that apply database migrations.
const MIGRATE_COMMANDS: &[&str] = &[
    "alembic upgrade",
    "manage.py migrate",
    "prisma migrate deploy",
    "flyway migrate",
    "flyway -",
    "sqlx migrate run",
    "knex migrate",
    "db:migrate",
    "goose up",
    "goose -",
    "dbmate up",
    "liquibase update",
    "migrate -path",
    "migrate up",
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Kubernetes workloads set requests/limits, probes, non-root and pinned images; PDBs, NetworkPolicies and replica floors exist.",
    description: "Reads every YAML file of the repository holding Kubernetes objects (multi-document \
files, `kind: List`, already-rendered Helm output; unrendered Helm templates with `{{ }}` are \
left out). For every container of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob \
or Pod: CPU and memory requests and limits, liveness and readiness probes (long-running \
workloads only), `runAsNonRoot: true` or a non-zero `runAsUser` (pod or container), and an image \
tag other than `latest`. A Deployment or StatefulSet with more than one replica (or an HPA with \
`minReplicas` > 1) must be selected by a PodDisruptionBudget in its namespace; every namespace \
with workloads must have a NetworkPolicy; a Deployment or StatefulSet must have at least 2 \
replicas or a HorizontalPodAutoscaler whose `scaleTargetRef` names it (no `replicas` field is \
one replica). Three groups are checked only when \
`rules=` names them: `migration-job` (a Job, CronJob, Helm hook or init container runs the \
database migrations: `alembic upgrade`, `manage.py migrate`, `prisma migrate deploy`, Flyway, \
sqlx, goose, …), `load-balancer` (a Service of `type: LoadBalancer`, an Ingress or a Gateway) \
and `blue-green` (an Argo Rollouts `Rollout` with a `blueGreen` strategy, or a Service \
switching between Deployments labelled blue and green). Each finding names the object \
(`Deployment/api in namespace prod`) and file:line. `rules=` restricts the rule groups. Fails on \
any failing finding; skips with \"no Kubernetes manifests found\" (fails with `required=true`, or when the `path=` folder does not exist). \
A manifest that does not parse is `k8s-parse-error` at its line.",
    params: &[
        ParamDoc::optional(
            "rules",
            "Comma list of rule groups: resources, probes, security, pinned, pdb, network-policy, scaling, migration-job, load-balancer, blue-green (default: all but the last three).",
        ),
        ParamDoc::with_default(
            "namespace",
            "Namespace of objects that do not name one.",
            "default",
        ),
        ParamDoc::optional("path", "Only manifests under this folder."),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when there are no manifests.",
            "false",
        ),
    ],
    examples: &[
        "k8s.workloads",
        "k8s.workloads rules=pdb",
        "k8s.workloads rules=resources,probes path=deploy/k8s namespace=prod required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Resource limits and requests set",
        "Pod disruption budgets configured",
        "Network policies applied",
        "Network policies configured in Kubernetes",
        "Liveness and readiness probes configured",
        "Horizontal pod autoscaling configured",
        "Migration job configured in Kubernetes",
        "Load balancer configured in Kubernetes",
        "Blue-green deployment configured",
    ],
    not_phrases: &[
        "Memory limits set appropriately",
        "Node auto-scaling configured",
        "Production cluster provisioned",
        "All migrations tested in staging",
        "Load balancer health checks tested",
        "CORS origins restricted to production domains",
    ],
    findings: &[
        ("k8s-parse-error", "A manifest is not valid YAML."),
        (
            "k8s-no-requests",
            "A container does not request CPU and memory, so the scheduler cannot place it reliably.",
        ),
        (
            "k8s-no-limits",
            "A container has no CPU or memory limit, so it can starve its neighbours.",
        ),
        (
            "k8s-no-liveness-probe",
            "A long-running container has no livenessProbe, so a hung process is never restarted.",
        ),
        (
            "k8s-no-readiness-probe",
            "A long-running container has no readinessProbe, so traffic reaches it before it is ready.",
        ),
        (
            "k8s-runs-as-root",
            "Neither the pod nor the container sets runAsNonRoot or a non-zero runAsUser.",
        ),
        (
            "k8s-image-unpinned",
            "A container image has no tag or uses `latest`.",
        ),
        (
            "k8s-no-pdb",
            "A replicated Deployment/StatefulSet is not selected by any PodDisruptionBudget.",
        ),
        (
            "k8s-no-network-policy",
            "A namespace with workloads has no NetworkPolicy, so all traffic is allowed.",
        ),
        (
            "k8s-no-replica-floor",
            "A Deployment or StatefulSet has one replica (or no `replicas` field) and no HorizontalPodAutoscaler targets it.",
        ),
        (
            "k8s-no-migration-job",
            "No Job, CronJob, Helm hook or init container runs the database migrations.",
        ),
        (
            "k8s-no-load-balancer",
            "No Service of type LoadBalancer, Ingress or Gateway exposes the workloads.",
        ),
        (
            "k8s-no-blue-green",
            "No Rollout with a blueGreen strategy and no blue/green pair of Deployments.",
        ),
        (
            "k8s-not-found",
            "No Kubernetes manifests were found while `required=true`, or the folder `path=` names does not exist.",
        ),
    ],
};

impl CheckKind for K8sWorkloads {
    fn id(&self) -> &'static str {
        "k8s.workloads"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            rules: rule_groups(params, RULES)?,
            namespace: params.required("namespace")?.to_string(),
            path: params.str("path").map(|p| p.trim_matches('/').to_string()),
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    rules: Option<Vec<String>>,
    namespace: String,
    path: Option<String>,
    required: bool,
}

/// One Kubernetes object with where it was read.
struct Obj<'a> {
    rel: &'a str,
    node: &'a Node,
    kind: String,
    name: String,
    namespace: String,
}

impl Obj<'_> {
    fn label(&self) -> String {
        format!(
            "{}/{} in namespace {}",
            self.kind, self.name, self.namespace
        )
    }
    fn loc(&self) -> Location {
        Location::at(self.rel, self.node.line)
    }
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

fn pod_spec<'a>(o: &Obj<'a>) -> Option<&'a Node> {
    match o.kind.as_str() {
        "Pod" => o.node.get("spec"),
        "CronJob" => o
            .node
            .path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => o.node.path(&["spec", "template", "spec"]),
    }
}

fn pod_labels<'a>(o: &Obj<'a>) -> BTreeMap<&'a str, &'a str> {
    let meta = match o.kind.as_str() {
        "Pod" => o.node.get("metadata"),
        "CronJob" => o
            .node
            .path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
        _ => o.node.path(&["spec", "template", "metadata"]),
    };
    labels(meta.and_then(|m| m.get("labels")))
}

fn labels(n: Option<&Node>) -> BTreeMap<&str, &str> {
    n.map(|n| {
        n.keyed()
            .filter_map(|(k, _, v)| Some((k, v.scalar()?)))
            .collect()
    })
    .unwrap_or_default()
}

/// True when a non-empty `selector` (`matchLabels` or plain map) selects `pod`.
fn selects(selector: &BTreeMap<&str, &str>, pod: &BTreeMap<&str, &str>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| pod.get(k) == Some(v))
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        if let Some(missing) = self
            .path
            .as_deref()
            .and_then(|p| unusable_path(ctx, "path", p, "k8s-not-found"))
        {
            return missing;
        }
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let mut findings = Vec::new();
            let mut docs: Vec<(&RepoFile, Vec<Node>)> = Vec::new();
            for f in files.manifest_files().filter(|f| {
                this.path
                    .as_ref()
                    .is_none_or(|p| p.is_empty() || f.rel.starts_with(&format!("{p}/")))
            }) {
                let Ok(src) = read_repo_text(f) else { continue };
                // Only files that look like Kubernetes objects.
                if !(src.contains("apiVersion") && src.contains("kind")) {
                    continue;
                }
                match parse_documents(&src) {
                    Ok(d) => docs.push((f, d)),
                    // An unrendered Helm template is not YAML: judge the rendered output instead.
                    Err(_) if src.contains("{{") => {}
                    Err(e) => findings.push(unreadable(
                        "k8s-parse-error",
                        &f.rel,
                        Some(e.line),
                        &format!("{}: {e}", f.rel),
                    )),
                }
            }
            let mut objs: Vec<Obj> = Vec::new();
            for (f, ds) in &docs {
                for d in ds {
                    if d.str_of("kind") == Some("List") {
                        for item in d.get("items").map(Node::items).unwrap_or(&[]) {
                            objs.extend(obj(&f.rel, item, &this.namespace));
                        }
                    } else {
                        objs.extend(obj(&f.rel, d, &this.namespace));
                    }
                }
            }
            if objs.is_empty() && findings.is_empty() {
                return absent(
                    this.required,
                    "k8s-not-found",
                    "no Kubernetes manifests found",
                    "commit the manifests (or the rendered Helm chart) the cluster runs",
                );
            }
            let workloads = objs
                .iter()
                .filter(|o| WORKLOADS.contains(&o.kind.as_str()))
                .count();
            this.check(&objs, &mut findings);
            let failing = findings
                .iter()
                .filter(|f| f.severity == Status::Fail)
                .count();
            Outcome::from_findings(
                format!(
                    "{} Kubernetes object(s), {workloads} workload(s): {failing} problem(s)",
                    objs.len()
                ),
                findings,
            )
            .observed(format!("{failing} failing finding(s)"))
            .expected("0")
        })
        .await
    }
}

/// The command line of a container: `command` and `args`, joined.
fn command_line(c: &Node) -> String {
    let mut line = String::new();
    for key in ["command", "args"] {
        match c.get(key) {
            Some(n) if !n.items().is_empty() => {
                for part in n.items() {
                    line.push(' ');
                    line.push_str(part.scalar().unwrap_or(""));
                }
            }
            Some(n) => {
                line.push(' ');
                line.push_str(n.scalar().unwrap_or(""));
            }
            None => {}
        }
    }
    line.to_ascii_lowercase()
}

fn runs_migrations(c: &Node) -> bool {
    let line = command_line(c);
    MIGRATE_COMMANDS.iter().any(|m| line.contains(m))
}

impl Prepared {
    fn asked(&self, group: &str) -> bool {
        crate::util::asked(&self.rules, group, OPT_IN)
    }

    /// The opt-in groups: migration job, load balancer, blue-green.
    fn opt_in(&self, objs: &[Obj], out: &mut Vec<Finding>) {
        let first = objs.first().map(|o| o.loc());
        let at = |f: Finding| match &first {
            Some(l) => f.at(l.clone()),
            None => f,
        };
        if self.asked("migration-job") {
            let found = objs.iter().any(|o| {
                let Some(spec) = pod_spec(o) else {
                    return false;
                };
                let job = matches!(o.kind.as_str(), "Job" | "CronJob");
                let main = spec.get("containers").map(Node::items).unwrap_or(&[]);
                let init = spec.get("initContainers").map(Node::items).unwrap_or(&[]);
                (job && (o.name.to_ascii_lowercase().contains("migrat")
                    || main.iter().any(runs_migrations)))
                    || init.iter().any(runs_migrations)
            });
            if !found {
                out.push(at(Finding::fail(
                    "k8s-no-migration-job",
                    "no Job, CronJob or init container runs the database migrations",
                )
                .fix("add a Job (or a Helm pre-upgrade hook) running `alembic upgrade head` or your tool's equivalent")));
            }
        }
        if self.asked("load-balancer") {
            let found = objs.iter().any(|o| {
                (o.kind == "Service"
                    && o.node.path(&["spec", "type"]).and_then(Node::scalar)
                        == Some("LoadBalancer"))
                    || matches!(
                        o.kind.as_str(),
                        "Ingress" | "Gateway" | "HTTPRoute" | "IngressRoute"
                    )
            });
            if !found {
                out.push(at(Finding::fail(
                    "k8s-no-load-balancer",
                    "no Service of type LoadBalancer, Ingress or Gateway exposes the workloads",
                )
                .fix("add an Ingress (or a Service with `type: LoadBalancer`) in front of the user-facing Deployment")));
            }
        }
        if self.asked("blue-green") {
            let rollout = objs.iter().any(|o| {
                o.kind == "Rollout" && o.node.path(&["spec", "strategy", "blueGreen"]).is_some()
            });
            let colour = |o: &&Obj| {
                let pod = pod_labels(o);
                ["color", "colour", "slot", "track", "version"]
                    .iter()
                    .filter_map(|k| pod.get(k).copied())
                    .find(|v| *v == "blue" || *v == "green")
                    .map(str::to_string)
            };
            let deployments: Vec<&Obj> = objs.iter().filter(|o| o.kind == "Deployment").collect();
            let pair = deployments
                .iter()
                .filter_map(colour)
                .collect::<BTreeSet<_>>()
                .len()
                == 2;
            if !(rollout || pair) {
                out.push(at(Finding::fail(
                    "k8s-no-blue-green",
                    "no Rollout with a blueGreen strategy and no blue/green pair of Deployments",
                )
                .fix("use an Argo Rollouts `Rollout` with `strategy.blueGreen` (active and preview Services)")));
            }
        }
    }
}

fn obj<'a>(rel: &'a str, n: &'a Node, default_ns: &str) -> Option<Obj<'a>> {
    let kind = n.str_of("kind")?;
    n.str_of("apiVersion")?;
    let meta = n.get("metadata");
    Some(Obj {
        rel,
        node: n,
        kind: kind.to_string(),
        name: meta
            .and_then(|m| m.str_of("name"))
            .unwrap_or("?")
            .to_string(),
        namespace: meta
            .and_then(|m| m.str_of("namespace"))
            .unwrap_or(default_ns)
            .to_string(),
    })
}

fn is_pinned(image: &str) -> bool {
    let (tag, digest) = gonogo_parsers::dockerfile::image_tag_digest(image);
    digest.is_some() || !matches!(tag, None | Some("latest"))
}

impl Prepared {
    fn check(&self, objs: &[Obj], out: &mut Vec<Finding>) {
        let pdbs: Vec<&Obj> = objs
            .iter()
            .filter(|o| o.kind == "PodDisruptionBudget")
            .collect();
        let hpas: Vec<&Obj> = objs
            .iter()
            .filter(|o| o.kind == "HorizontalPodAutoscaler")
            .collect();
        let services: Vec<&Obj> = objs.iter().filter(|o| o.kind == "Service").collect();
        let netpol_ns: BTreeSet<&str> = objs
            .iter()
            .filter(|o| o.kind == "NetworkPolicy")
            .map(|o| o.namespace.as_str())
            .collect();
        let mut ns_first: BTreeMap<&str, &Obj> = BTreeMap::new();
        for o in objs.iter().filter(|o| WORKLOADS.contains(&o.kind.as_str())) {
            ns_first.entry(&o.namespace).or_insert(o);
            let Some(spec) = pod_spec(o) else { continue };
            let long_running = !matches!(o.kind.as_str(), "Job" | "CronJob");
            let pod_sc = spec.get("securityContext");
            for c in spec.get("containers").map(Node::items).unwrap_or(&[]) {
                let cname = c.str_of("name").unwrap_or("?");
                let who = format!("{} container {cname}", o.label());
                let cloc = Location::at(o.rel, c.line);
                if wants(&self.rules, "resources") {
                    let res = c.get("resources");
                    for (section, code) in
                        [("requests", "k8s-no-requests"), ("limits", "k8s-no-limits")]
                    {
                        let s = res.and_then(|r| r.get(section));
                        let missing: Vec<&str> = ["cpu", "memory"]
                            .into_iter()
                            .filter(|k| s.and_then(|s| s.get(k)).is_none())
                            .collect();
                        if !missing.is_empty() {
                            out.push(
                                Finding::fail(
                                    code,
                                    format!("{who} has no {section} for {}", missing.join(" and ")),
                                )
                                .at(Location::at(
                                    o.rel,
                                    c.key_line("resources").unwrap_or(c.line),
                                ))
                                .fix(format!(
                                    "set resources.{section}.cpu and resources.{section}.memory"
                                )),
                            );
                        }
                    }
                }
                if wants(&self.rules, "probes") && long_running {
                    for (probe, code) in [
                        ("livenessProbe", "k8s-no-liveness-probe"),
                        ("readinessProbe", "k8s-no-readiness-probe"),
                    ] {
                        if c.get(probe).is_none() {
                            out.push(
                                Finding::fail(code, format!("{who} has no {probe}"))
                                    .at(cloc.clone())
                                    .fix(format!("add a {probe} (httpGet on the health endpoint)")),
                            );
                        }
                    }
                }
                if wants(&self.rules, "security") {
                    let sc = c.get("securityContext");
                    let non_root = |s: Option<&Node>| -> Option<bool> {
                        let s = s?;
                        if let Some(u) = s.get("runAsUser").and_then(Node::as_i64) {
                            return Some(u != 0);
                        }
                        s.get("runAsNonRoot").and_then(Node::as_bool)
                    };
                    let verdict = non_root(sc).or_else(|| non_root(pod_sc)).unwrap_or(false);
                    if !verdict {
                        out.push(
                            Finding::fail(
                                "k8s-runs-as-root",
                                format!(
                                    "{who} may run as root (no runAsNonRoot or non-zero runAsUser)"
                                ),
                            )
                            .at(Location::at(
                                o.rel,
                                c.key_line("securityContext").unwrap_or(c.line),
                            ))
                            .fix("set securityContext.runAsNonRoot: true and runAsUser: 10001"),
                        );
                    }
                }
                if wants(&self.rules, "pinned")
                    && let Some(img) = c.get("image")
                    && let Some(s) = img.as_str()
                    && !is_pinned(s)
                {
                    out.push(
                        Finding::fail(
                            "k8s-image-unpinned",
                            format!("{who} uses unpinned image {s}"),
                        )
                        .at(Location::at(o.rel, img.line))
                        .fix("pin a version tag or a digest"),
                    );
                }
            }
            let replicas = o
                .node
                .path(&["spec", "replicas"])
                .and_then(Node::as_i64)
                .unwrap_or(1);
            let hpa = hpas.iter().find(|h| {
                h.namespace == o.namespace
                    && h.node
                        .path(&["spec", "scaleTargetRef", "name"])
                        .and_then(Node::as_str)
                        == Some(&o.name)
                    && h.node
                        .path(&["spec", "scaleTargetRef", "kind"])
                        .and_then(Node::as_str)
                        .is_none_or(|k| k == o.kind)
            });
            let min_replicas = hpa
                .map(|h| {
                    h.node
                        .path(&["spec", "minReplicas"])
                        .and_then(Node::as_i64)
                        .unwrap_or(1)
                })
                .unwrap_or(replicas);
            let pod = pod_labels(o);
            if wants(&self.rules, "pdb")
                && matches!(o.kind.as_str(), "Deployment" | "StatefulSet")
                && replicas.max(min_replicas) > 1
            {
                let covered = pdbs.iter().any(|p| {
                    p.namespace == o.namespace
                        && selects(
                            &labels(p.node.path(&["spec", "selector", "matchLabels"])),
                            &pod,
                        )
                });
                if !covered {
                    out.push(
                        Finding::fail(
                            "k8s-no-pdb",
                            format!("{} has {} replicas but no PodDisruptionBudget selects its pods", o.label(), replicas.max(min_replicas)),
                        )
                        .at(o.loc())
                        .fix("add a PodDisruptionBudget with minAvailable: 1 and the pods' labels as selector"),
                    );
                }
            }
            // One replica and nothing to scale it: a restart or a node drain is an outage,
            // whether or not a Service in the repository names the pods.
            if wants(&self.rules, "scaling")
                && matches!(o.kind.as_str(), "Deployment" | "StatefulSet")
                && hpa.is_none()
                && replicas < 2
            {
                let exposed = services.iter().any(|s| {
                    s.namespace == o.namespace
                        && selects(&labels(s.node.path(&["spec", "selector"])), &pod)
                });
                let serves = if exposed { " serves a Service and" } else { "" };
                out.push(
                    Finding::fail(
                        "k8s-no-replica-floor",
                        format!(
                            "{}{serves} has {replicas} replica and no HorizontalPodAutoscaler targeting it",
                            o.label()
                        ),
                    )
                    .at(o.loc())
                    .fix(format!(
                        "set replicas: 2 or add a HorizontalPodAutoscaler whose scaleTargetRef is kind: {}, name: {}",
                        o.kind, o.name
                    )),
                );
            }
        }
        self.opt_in(objs, out);
        if wants(&self.rules, "network-policy") {
            for (ns, first) in ns_first {
                if !netpol_ns.contains(ns) {
                    out.push(
                        Finding::fail(
                            "k8s-no-network-policy",
                            format!("namespace {ns} has workloads ({}) but no NetworkPolicy", first.label()),
                        )
                        .at(first.loc())
                        .fix("add a default-deny NetworkPolicy for the namespace and allow the traffic each workload needs"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const GOOD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: api}
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.2
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          livenessProbe: {httpGet: {path: /health, port: 8000}}
          readinessProbe: {httpGet: {path: /ready, port: 8000}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: prod}
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: api}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: prod}
spec: {podSelector: {}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: prod}
spec:
  selector: {app: api}
";

    const BAD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
          resources:
            requests: {cpu: 100m}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: backup
              image: postgres:16
              securityContext: {runAsUser: 0}
              resources:
                requests: {cpu: 10m, memory: 64Mi}
                limits: {cpu: 100m, memory: 128Mi}
";

    #[test]
    fn good_manifests_pass() {
        let o = run(&K8sWorkloads, &[("deploy/api.yaml", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn bad_manifests_fail_naming_objects_and_lines() {
        let o = run(&K8sWorkloads, &[("k8s/app.yaml", BAD)], &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("k8s-no-requests", "k8s/app.yaml:14"),
                ("k8s-no-limits", "k8s/app.yaml:14"),
                ("k8s-no-liveness-probe", "k8s/app.yaml:12"),
                ("k8s-no-readiness-probe", "k8s/app.yaml:12"),
                ("k8s-runs-as-root", "k8s/app.yaml:12"),
                ("k8s-image-unpinned", "k8s/app.yaml:13"),
                ("k8s-no-pdb", "k8s/app.yaml:1"),
                ("k8s-runs-as-root", "k8s/app.yaml:28"),
                ("k8s-no-network-policy", "k8s/app.yaml:1"),
            ])
        );
        assert_eq!(
            o.evidence.findings[0].message,
            "Deployment/web in namespace default container web has no requests for memory"
        );
    }

    #[test]
    fn rule_groups_from_the_checklist_wording() {
        for (text, code) in [
            ("Pod disruption budgets configured", "k8s-no-pdb"),
            ("Network policies applied", "k8s-no-network-policy"),
        ] {
            let r = crate::util::testing::recognise(&K8sWorkloads, text).unwrap();
            let kv: Vec<(&str, &str)> = r.iter().collect();
            let o = run(&K8sWorkloads, &[("k8s/app.yaml", BAD)], &kv);
            assert_eq!(codes(&o), at(&[(code, "k8s/app.yaml:1")]), "{text}");
        }
    }

    #[test]
    fn opt_in_groups_are_asked_by_their_items_only() {
        let bound = |text: &str| {
            crate::util::testing::recognise(&K8sWorkloads, text)
                .unwrap()
                .str("rules")
                .map(str::to_string)
        };
        assert_eq!(
            bound("Migration job configured in Kubernetes").as_deref(),
            Some("migration-job")
        );
        assert_eq!(
            bound("Load balancer configured in Kubernetes").as_deref(),
            Some("load-balancer")
        );
        assert_eq!(
            bound("Blue-green deployment configured").as_deref(),
            Some("blue-green")
        );
        // The default groups never ask for them: GOOD has none of the three.
        let o = run(&K8sWorkloads, &[("k8s/app.yaml", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        for (group, code) in [
            ("migration-job", "k8s-no-migration-job"),
            ("load-balancer", "k8s-no-load-balancer"),
            ("blue-green", "k8s-no-blue-green"),
        ] {
            let o = run(
                &K8sWorkloads,
                &[("k8s/app.yaml", GOOD)],
                &[("rules", group)],
            );
            assert_eq!(codes(&o), at(&[(code, "k8s/app.yaml:1")]), "{group}");
        }
    }

    #[test]
    fn migration_jobs_load_balancers_and_blue_green_are_found() {
        let job = "apiVersion: batch/v1
kind: Job
metadata:
  name: db-upgrade
  annotations: {helm.sh/hook: pre-upgrade}
spec:
  template:
    spec:
      containers:
        - name: m
          image: ghcr.io/acme/api:1.4.2
          command: [\"sh\", \"-c\"]
          args: [\"alembic upgrade head\"]
";
        let init = GOOD.replace(
            "      containers:\n",
            "      initContainers:\n        - name: migrate\n          image: ghcr.io/acme/api:1.4.2\n          command: [npx, prisma, migrate, deploy]\n      containers:\n",
        );
        for files in [
            &[("k8s/app.yaml", GOOD), ("k8s/job.yaml", job)][..],
            &[("k8s/app.yaml", init.as_str())][..],
        ] {
            let o = run(&K8sWorkloads, files, &[("rules", "migration-job")]);
            assert_eq!(o.status, Status::Pass, "{o:?}");
        }
        // A Job that runs something else is no migration job.
        let other = job
            .replace("alembic upgrade head", "python send_report.py")
            .replace("db-upgrade", "report");
        let o = run(
            &K8sWorkloads,
            &[("k8s/job.yaml", &other)],
            &[("rules", "migration-job")],
        );
        assert_eq!(codes(&o), at(&[("k8s-no-migration-job", "k8s/job.yaml:1")]));

        let lb = "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  type: LoadBalancer\n  selector: {app: api}\n  ports: [{port: 80}]\n";
        let ingress =
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: api}\nspec: {}\n";
        let cluster_ip = lb.replace("LoadBalancer", "ClusterIP");
        for (svc, ok) in [(lb, true), (ingress, true), (cluster_ip.as_str(), false)] {
            let o = run(
                &K8sWorkloads,
                &[("k8s/svc.yaml", svc)],
                &[("rules", "load-balancer")],
            );
            assert_eq!(o.status == Status::Pass, ok, "{svc}: {o:?}");
        }

        let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api}\nspec:\n  strategy:\n    blueGreen: {activeService: api, previewService: api-preview}\n";
        let canary = rollout.replace(
            "blueGreen: {activeService: api, previewService: api-preview}",
            "canary: {steps: [{setWeight: 20}]}",
        );
        let pair = format!(
            "{}---\n{}",
            GOOD.replace("labels: {app: api}", "labels: {app: api, color: blue}"),
            GOOD.replace("name: api\n", "name: api-green\n")
                .replace("labels: {app: api}", "labels: {app: api, color: green}")
        );
        for (m, ok) in [
            (rollout, true),
            (pair.as_str(), true),
            (canary.as_str(), false),
            (GOOD, false),
        ] {
            let o = run(
                &K8sWorkloads,
                &[("k8s/r.yaml", m)],
                &[("rules", "blue-green")],
            );
            assert_eq!(o.status == Status::Pass, ok, "{m}: {o:?}");
        }
    }

    #[test]
    fn one_replica_without_an_hpa_fails_the_scaling_rule() {
        let scaling = &[("rules", "scaling")][..];
        let one = GOOD.replace("replicas: 3", "replicas: 1");
        let unset = GOOD.replace("  replicas: 3\n", "");
        let unexposed = one
            .split("---\napiVersion: v1\nkind: Service")
            .next()
            .unwrap();
        let stateful = unexposed.replace("kind: Deployment", "kind: StatefulSet");
        for m in [&one[..], &unset, unexposed, &stateful] {
            let o = run(&K8sWorkloads, &[("k8s/app.yaml", m)], scaling);
            assert_eq!(o.status, Status::Fail, "{m}");
            assert_eq!(codes(&o), at(&[("k8s-no-replica-floor", "k8s/app.yaml:1")]));
        }
        let o = run(&K8sWorkloads, &[("k8s/app.yaml", unexposed)], scaling);
        assert_eq!(
            o.evidence.findings[0].message,
            "Deployment/api in namespace prod has 1 replica and no HorizontalPodAutoscaler targeting it"
        );
        // The default rule groups include it.
        let o = run(&K8sWorkloads, &[("k8s/app.yaml", &one)], &[]);
        assert_eq!(codes(&o), at(&[("k8s-no-replica-floor", "k8s/app.yaml:1")]));

        let hpa = |kind: &str, name: &str| {
            format!(
                "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: api, namespace: prod}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {name}}}\n  minReplicas: 2\n  maxReplicas: 6\n"
            )
        };
        for (extra, passes) in [
            (hpa("Deployment", "api"), true),
            (hpa("StatefulSet", "api"), false),
            (hpa("Deployment", "web"), false),
        ] {
            let m = format!("{unexposed}{extra}");
            let o = run(&K8sWorkloads, &[("k8s/app.yaml", &m)], scaling);
            assert_eq!(o.status == Status::Pass, passes, "{extra}: {o:?}");
        }
        let o = run(&K8sWorkloads, &[("k8s/app.yaml", GOOD)], scaling);
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn helm_templates_are_left_to_their_rendered_output() {
        let tpl = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n{{ include \"x\" . | indent 4 }}\n";
        let o = run(&K8sWorkloads, &[("chart/templates/deploy.yaml", tpl)], &[]);
        assert_eq!(o.status, Status::Skipped, "{:?}", codes(&o));
    }

    #[test]
    fn broken_manifest_and_absence() {
        let o = run(
            &K8sWorkloads,
            &[(
                "k8s/x.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
            )],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o)[0].0, "k8s-parse-error");
        let o = run(&K8sWorkloads, &[("config.yaml", "a: 1\n")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no Kubernetes manifests found");
        let o = run(
            &K8sWorkloads,
            &[("config.yaml", "a: 1\n")],
            &[("required", "true")],
        );
        assert_eq!(codes(&o), at(&[("k8s-not-found", "")]));
    }
}
