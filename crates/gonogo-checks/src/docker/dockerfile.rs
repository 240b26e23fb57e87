//! `docker.dockerfile`: Dockerfiles build images that are pinned, run as a non-root user, have
//! a health check, carry no secrets and no development dependencies. Multi-stage aware.

use crate::util::{
    absent, blocking, inventory, is_reference, rule_groups, unreadable, unusable_path, wants,
};
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, redact_secret,
};
use gonogo_parsers::dockerfile::{
    Dockerfile, Instruction, Stage, image_tag_digest, key_values, parse,
};
use gonogo_repo::{RepoFile, read_repo_text};
use gonogo_secrets::redact::is_secret_name;

pub struct DockerDockerfile;

const RULES: &[&str] = &[
    "pinned",
    "user",
    "healthcheck",
    "secrets",
    "add",
    "dev-deps",
];

/// Words that place an item in an image build (in the item or its headings).
const BUILD: &[&str] = &[
    "dockerfil*",
    "containerfil*",
    "docker*",
    "imag*",
    "container*",
    "runtime stage",
    "final stage",
    "build stage",
    "stage",
];
/// A cluster's manifests set these at run time: `k8s.workloads` reads them.
const CLUSTER: &[&str] = &[
    "kubernetes",
    "k8s",
    "pod*",
    "helm",
    "manifest*",
    "securitycontext",
    "security context",
    "deployment*",
    "statefulset*",
];

/// What the kind verifies, rule group by rule group.
const CLAIMS: &[Claim] = &[
    // An image built to run as a user runs as that user wherever it runs, unless a
    // manifest overrides it: the Dockerfile answers the item better than the cluster.
    Claim {
        subject: &[
            "non root",
            "nonroot",
            "rootless",
            "as root",
            "root user",
            "unprivileged user",
        ],
        qualifiers: &[BUILD],
        support: &["user", "switch*"],
        excludes: CLUSTER,
        params: &[("rules", "user")],
        weight: 80,
        prefer_over: &["k8s.workloads"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "base imag*",
            "from imag*",
            "from line*",
            "docker imag*",
            "parent imag*",
        ],
        qualifiers: &[&[
            "pinned", "pin", "tag*", "digest*", "latest", "version*", "sha256",
        ]],
        excludes: &[
            "scan*",
            "vulnerab*",
            "updat*",
            "signed",
            "sign*",
            "minimal",
            "distroless",
            "slim",
            "alpine",
            "official",
            "trusted",
            "approved",
            "kubernetes",
            "k8s",
            "helm",
            "push*",
            "publish*",
            "built",
            "build",
        ],
        params: &[("rules", "pinned")],
        slots: &[Slot::optional(
            "require_digest",
            Value::Choice(&[("digest", "true"), ("sha256", "true")]),
        )],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["healthcheck*", "health check*"],
        qualifiers: &[&[
            "dockerfil*",
            "containerfil*",
            "imag*",
            "instruction",
            "final stage",
            "runtime stage",
        ]],
        excludes: &[
            "compose",
            "kubernetes",
            "k8s",
            "prob*",
            "endpoint*",
            "load balancer*",
            "tested",
            "monitor*",
        ],
        params: &[("rules", "healthcheck")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "secret*",
            "password*",
            "credential*",
            "token*",
            "api key*",
            "private key*",
        ],
        qualifiers: &[&[
            "dockerfil*",
            "containerfil*",
            "build arg*",
            "image layer*",
            "image histor*",
            "docker imag*",
        ]],
        excludes: &[
            "scan*",
            "rotat*",
            "vault",
            "manager",
            "mount*",
            "buildkit",
            "compose",
            "kubernetes",
            "k8s",
        ],
        params: &[("rules", "secrets")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["add", "remote url*", "remote file*", "remote download*"],
        qualifiers: &[
            &["remote", "url*", "http*", "download*"],
            &["dockerfil*", "containerfil*", "docker*", "imag*"],
        ],
        excludes: &["checksum*", "verified", "scan*"],
        params: &[("rules", "add")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "development dependenc*",
            "dev dependenc*",
            "devdependenc*",
            "dev deps",
            "dev packages",
            "development packages",
        ],
        qualifiers: &[&[
            "production",
            "prod",
            "imag*",
            "dockerfil*",
            "container*",
            "final stage",
            "runtime",
        ]],
        excludes: &[
            "audit*",
            "vulnerab*",
            "licen*",
            "pinned",
            "lock*",
            "updat*",
            "outdated",
            "separat*",
            "declared",
        ],
        params: &[("rules", "dev-deps")],
        weight: 80,
        ..Claim::EMPTY
    },
    // The Dockerfiles as a whole: every rule group.
    Claim {
        subject: &["dockerfil*", "containerfil*"],
        qualifiers: &[&["lint*", "best practic*", "hadolint", "valid*", "harden*"]],
        // Names the word the engine reads as an act by people: here it is the practices.
        support: &["practic*", "followed"],
        excludes: &["tested", "reviewed", "scan*"],
        weight: 80,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Dockerfiles use pinned base images, run as non-root, have a HEALTHCHECK, and carry no secrets, remote ADDs or dev dependencies.",
    description: "Reads every `Dockerfile`, `*.Dockerfile`, `Dockerfile.*` and `Containerfile` in \
the repository with a real Dockerfile parser (parser directives, comments, line continuations, \
heredocs, exec and shell forms, `--platform`, multi-stage `FROM … AS name`). Every `FROM` must \
name a tag other than `latest` (build args are resolved from their defaults; `scratch` and earlier \
stages are exempt); digests are counted in the evidence and required with `require_digest=true`. \
The final stage (following `FROM <earlier stage>` chains) must switch to a non-root `USER` and \
declare a `HEALTHCHECK`; `ENV`/`ARG` must not hold literal secrets; `ADD` must not fetch URLs; \
the final stage must not install development dependencies (`npm install` without \
`--omit=dev`, `pip install -r requirements-dev.txt`, `poetry install` with dev groups, …). Fails \
on any failing finding, warns on warnings only, skips when no Dockerfile is found (fails with \
`required=true`, or when the `path=` folder does not exist). A Dockerfile that does not parse is a `dockerfile-parse-error` at its line.",
    params: &[
        ParamDoc::optional(
            "rules",
            "Comma list of rule groups to apply: pinned, user, healthcheck, secrets, add, dev-deps (default: all).",
        ),
        ParamDoc::with_default(
            "require_digest",
            "Base images must be pinned by digest (`@sha256:…`).",
            "false",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when there is no Dockerfile.",
            "false",
        ),
        ParamDoc::optional(
            "path",
            "Only Dockerfiles under this folder (relative to the repository).",
        ),
    ],
    examples: &[
        "docker.dockerfile",
        "docker.dockerfile rules=user,healthcheck required=true",
        "docker.dockerfile require_digest=true path=services/api",
    ],
    claims: CLAIMS,
    phrases: &[
        "No development dependencies in production",
        "Dockerfile best practices followed",
        "Containers run as non-root user",
        "Docker base images pinned",
    ],
    not_phrases: &[
        "Docker images build successfully",
        "Build and push Docker images",
        "All containers running and healthy",
        "Docker compose stack validated",
    ],
    findings: &[
        (
            "dockerfile-parse-error",
            "The Dockerfile has a syntax error (unknown instruction, unterminated heredoc, instruction before FROM).",
        ),
        (
            "dockerfile-image-unpinned",
            "A base image has no tag or uses `latest`, so builds are not reproducible.",
        ),
        (
            "dockerfile-image-unresolved",
            "A base image is a build argument without a default, so its tag cannot be checked.",
        ),
        (
            "dockerfile-image-no-digest",
            "A base image is not pinned by digest while `require_digest=true`.",
        ),
        (
            "dockerfile-runs-as-root",
            "The final stage never switches to a non-root USER (or switches back to root).",
        ),
        (
            "dockerfile-no-healthcheck",
            "The final stage has no HEALTHCHECK (or disables it with HEALTHCHECK NONE).",
        ),
        (
            "dockerfile-secret-in-env",
            "An ENV or ARG holds a literal secret, which stays readable in the image and its history.",
        ),
        (
            "dockerfile-secret-build-arg",
            "A secret is passed as a build ARG, which is recorded in the image history.",
        ),
        (
            "dockerfile-remote-add",
            "ADD downloads a URL: use curl/wget with a checksum in RUN, or ADD --checksum.",
        ),
        (
            "dockerfile-dev-deps-in-final",
            "The final stage installs development dependencies.",
        ),
        (
            "dockerfile-not-found",
            "No Dockerfile was found while `required=true`, or the folder `path=` names does not exist.",
        ),
    ],
};

impl CheckKind for DockerDockerfile {
    fn id(&self) -> &'static str {
        "docker.dockerfile"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            rules: rule_groups(params, RULES)?,
            require_digest: params.value::<bool>("require_digest")?,
            required: params.value::<bool>("required")?,
            path: params.str("path").map(|p| p.trim_matches('/').to_string()),
        }))
    }
}

struct Prepared {
    rules: Option<Vec<String>>,
    require_digest: bool,
    required: bool,
    path: Option<String>,
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        if let Some(missing) = self
            .path
            .as_deref()
            .and_then(|p| unusable_path(ctx, "path", p, "dockerfile-not-found"))
        {
            return missing;
        }
        let files = inventory(ctx).await;
        let this = Prepared {
            rules: self.rules.clone(),
            require_digest: self.require_digest,
            required: self.required,
            path: self.path.clone(),
        };
        blocking(move || {
            let found: Vec<&RepoFile> = files
                .dockerfiles()
                .filter(|f| {
                    this.path
                        .as_ref()
                        .is_none_or(|p| p.is_empty() || f.rel.starts_with(&format!("{p}/")))
                })
                .collect();
            if found.is_empty() {
                return absent(
                    this.required,
                    "dockerfile-not-found",
                    "no Dockerfile found",
                    "add a Dockerfile for the service",
                );
            }
            let mut findings = Vec::new();
            let mut digests = 0;
            let mut bases = 0;
            for f in &found {
                let src = match read_repo_text(f) {
                    Ok(s) => s,
                    Err(why) => {
                        findings.push(unreadable("dockerfile-parse-error", &f.rel, None, &why));
                        continue;
                    }
                };
                let df = parse(&src);
                let (d, b) = this.check(&f.rel, &df, &mut findings);
                digests += d;
                bases += b;
            }
            let failing = findings
                .iter()
                .filter(|f| f.severity == gonogo_core::Status::Fail)
                .count();
            let summary = format!(
                "{} Dockerfile(s): {} problem(s); {digests} of {bases} base image(s) pinned by digest",
                found.len(),
                failing
            );
            Outcome::from_findings(summary, findings)
                .observed(format!("{failing} failing finding(s)"))
                .expected("0")
        })
        .await
    }
}

/// Resolves `$NAME` / `${NAME}` / `${NAME:-default}` from `ARG` defaults.
fn resolve(image: &str, args: &[(String, Option<String>)]) -> String {
    let mut out = image.to_string();
    for _ in 0..4 {
        let Some(p) = out.find('$') else { break };
        let rest = &out[p + 1..];
        let (name, len, default) = if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').unwrap_or(r.len());
            let inner = &r[..end];
            let (n, d) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d.to_string())),
                None => (inner, None),
            };
            (n.to_string(), end + 2, d)
        } else {
            let n: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let l = n.len();
            (n, l, None)
        };
        let val = args
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.clone())
            .or(default);
        match val {
            Some(v) => out.replace_range(p..p + 1 + len, &v),
            None => break,
        }
    }
    out
}

fn is_root_user(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or("").trim();
    u == "root" || u == "0"
}

/// The development-dependency installs in a RUN command, as a short description.
fn dev_install(cmd: &str) -> Option<&'static str> {
    let c = cmd.to_ascii_lowercase();
    let segments = c.split(['&', ';', '|', '\n']);
    for s in segments {
        let s = s.trim();
        let npm = s.contains("npm install") || s.contains("npm ci") || s.contains("npm i ");
        if npm
            && !(s.contains("--omit=dev")
                || s.contains("--production")
                || s.contains("--only=prod")
                || s.contains("-g ")
                || s.contains("--global"))
        {
            return Some("npm installs devDependencies (add --omit=dev)");
        }
        if (s.contains("yarn install") || s == "yarn")
            && !(s.contains("--production") || s.contains("focus --production"))
        {
            return Some("yarn installs devDependencies (add --production)");
        }
        if s.contains("pip install")
            && (s.contains("requirements-dev")
                || s.contains("requirements_dev")
                || s.contains("dev-requirements")
                || s.contains("requirements/dev")
                || s.contains("requirements-test")
                || s.contains("[dev]")
                || s.contains("[test]"))
        {
            return Some("pip installs development requirements");
        }
        if s.contains("poetry install")
            && !(s.contains("--no-dev")
                || s.contains("--only main")
                || s.contains("--only=main")
                || s.contains("--without dev")
                || s.contains("--without=dev"))
        {
            return Some("poetry installs the dev group (add --only main)");
        }
        if s.contains("pipenv install") && s.contains("--dev") {
            return Some("pipenv installs dev packages (--dev)");
        }
        if s.contains("uv sync") && !(s.contains("--no-dev") || s.contains("--only-group")) {
            return Some("uv sync installs the dev group (add --no-dev)");
        }
    }
    None
}

impl Prepared {
    /// Checks one Dockerfile; returns (base images pinned by digest, base images checked).
    fn check(&self, rel: &str, df: &Dockerfile, out: &mut Vec<Finding>) -> (usize, usize) {
        for (line, msg) in &df.errors {
            out.push(unreadable(
                "dockerfile-parse-error",
                rel,
                Some(*line),
                &format!("{rel}:{line}: {msg}"),
            ));
        }
        let global: Vec<(String, Option<String>)> = df
            .global_args
            .iter()
            .flat_map(|a| key_values(&a.args))
            .collect();
        let at = |line: usize| Location::at(rel, line);
        let mut digests = 0;
        let mut bases = 0;
        // Pinning.
        for (i, st) in df.stages.iter().enumerate() {
            let earlier = df.stages[..i].iter().any(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&st.image))
            });
            if earlier || st.image.eq_ignore_ascii_case("scratch") {
                continue;
            }
            let image = resolve(&st.image, &global);
            bases += 1;
            if image.contains('$') {
                if wants(&self.rules, "pinned") {
                    out.push(
                        Finding::warn(
                            "dockerfile-image-unresolved",
                            format!("FROM {}: the build argument has no default, so the tag cannot be checked", st.image),
                        )
                        .at(at(st.line))
                        .fix("give the ARG a default with a pinned tag (ARG BASE=python:3.12-slim)"),
                    );
                }
                continue;
            }
            let (tag, digest) = image_tag_digest(&image);
            if digest.is_some() {
                digests += 1;
            }
            if !wants(&self.rules, "pinned") {
                continue;
            }
            if digest.is_none() && matches!(tag, None | Some("latest")) {
                let what = if tag.is_none() {
                    "has no tag"
                } else {
                    "uses the `latest` tag"
                };
                out.push(
                    Finding::fail(
                        "dockerfile-image-unpinned",
                        format!("base image {image} {what}"),
                    )
                    .at(at(st.line))
                    .fix("pin a version tag (python:3.12-slim) or a digest (@sha256:…)"),
                );
            } else if digest.is_none() && self.require_digest {
                out.push(
                    Finding::fail(
                        "dockerfile-image-no-digest",
                        format!("base image {image} is not pinned by digest"),
                    )
                    .at(at(st.line))
                    .fix("append the digest: image:tag@sha256:…"),
                );
            }
        }
        // Every stage: secrets and remote ADD.
        for st in &df.stages {
            for ins in &st.instructions {
                if wants(&self.rules, "secrets") && matches!(ins.keyword.as_str(), "ENV" | "ARG") {
                    secret_findings(rel, ins, out);
                }
                if wants(&self.rules, "add") && ins.keyword == "ADD" {
                    let srcs = ins.exec.clone().unwrap_or_else(|| {
                        ins.args.split_whitespace().map(str::to_string).collect()
                    });
                    let n = srcs.len().saturating_sub(1);
                    if let Some(url) = srcs[..n].iter().find(|s| {
                        s.starts_with("http://")
                            || s.starts_with("https://")
                            || s.starts_with("git@")
                    }) {
                        out.push(
                            Finding::fail(
                                "dockerfile-remote-add",
                                format!("ADD downloads {url}"),
                            )
                            .at(at(ins.line))
                            .fix("download in RUN with a checksum check, or use ADD --checksum=sha256:…"),
                        );
                    }
                }
            }
        }
        // The final stage, following `FROM <earlier stage>` chains.
        let Some(last) = df.stages.len().checked_sub(1) else {
            return (digests, bases);
        };
        let chain = stage_chain(df, last);
        let final_stage = &df.stages[last];
        if wants(&self.rules, "user") {
            let user = chain
                .iter()
                .flat_map(|s| s.instructions.iter().filter(|i| i.keyword == "USER"))
                .next_back();
            match user {
                None => out.push(
                    Finding::fail(
                        "dockerfile-runs-as-root",
                        format!(
                            "the final stage (FROM {}) never sets USER, so it runs as root",
                            final_stage.image
                        ),
                    )
                    .at(at(final_stage.line))
                    .fix("create an unprivileged user and add `USER app` (or a UID such as 10001) to the final stage"),
                ),
                Some(u) if is_root_user(&u.args) => out.push(
                    Finding::fail(
                        "dockerfile-runs-as-root",
                        format!("the final stage runs as USER {}", u.args.trim()),
                    )
                    .at(at(u.line))
                    .fix("switch to an unprivileged USER after the steps that need root"),
                ),
                Some(_) => {}
            }
        }
        if wants(&self.rules, "healthcheck") {
            let hc = chain
                .iter()
                .flat_map(|s| s.instructions.iter().filter(|i| i.keyword == "HEALTHCHECK"))
                .next_back();
            match hc {
                None => out.push(
                    Finding::fail(
                        "dockerfile-no-healthcheck",
                        format!(
                            "the final stage (FROM {}) has no HEALTHCHECK",
                            final_stage.image
                        ),
                    )
                    .at(at(final_stage.line))
                    .fix("add `HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1`"),
                ),
                Some(h) if h.args.trim().eq_ignore_ascii_case("none") => out.push(
                    Finding::fail(
                        "dockerfile-no-healthcheck",
                        "the final stage disables the health check (HEALTHCHECK NONE)",
                    )
                    .at(at(h.line))
                    .fix("declare a real HEALTHCHECK CMD"),
                ),
                Some(_) => {}
            }
        }
        if wants(&self.rules, "dev-deps") {
            let production_env = chain.iter().flat_map(|s| &s.instructions).any(|i| {
                i.keyword == "ENV"
                    && key_values(&i.args)
                        .iter()
                        .any(|(k, v)| k == "NODE_ENV" && v.as_deref() == Some("production"))
            });
            for ins in final_stage
                .instructions
                .iter()
                .filter(|i| i.keyword == "RUN")
            {
                if let Some(what) = dev_install(&ins.command_text()) {
                    if production_env && what.starts_with("npm") {
                        continue;
                    }
                    out.push(
                        Finding::fail(
                            "dockerfile-dev-deps-in-final",
                            format!("the final stage installs development dependencies: {what}"),
                        )
                        .at(at(ins.line))
                        .fix("install dev dependencies in a build stage only and copy the artefacts into the final stage"),
                    );
                }
            }
        }
        (digests, bases)
    }
}

/// The final stage and the earlier stages it is built `FROM`, base first.
fn stage_chain(df: &Dockerfile, idx: usize) -> Vec<&Stage> {
    let mut chain = vec![&df.stages[idx]];
    let mut cur = idx;
    for _ in 0..df.stages.len() {
        let image = &df.stages[cur].image;
        match df.stages[..cur].iter().rposition(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(image))
        }) {
            Some(p) => {
                chain.push(&df.stages[p]);
                cur = p;
            }
            None => break,
        }
    }
    chain.reverse();
    chain
}

fn secret_findings(rel: &str, ins: &Instruction, out: &mut Vec<Finding>) {
    for (k, v) in key_values(&ins.args) {
        if !is_secret_name(&k) {
            continue;
        }
        match v {
            Some(v) if !is_reference(&v) => out.push(
                Finding::fail(
                    "dockerfile-secret-in-env",
                    format!("{} {k} holds a literal secret ({})", ins.keyword, redact_secret(&v)),
                )
                .at(Location::at(rel, ins.line))
                .fix("pass secrets at run time (environment, secret store) or use RUN --mount=type=secret at build time"),
            ),
            _ if ins.keyword == "ARG" => out.push(
                Finding::warn(
                    "dockerfile-secret-build-arg",
                    format!("ARG {k} passes a secret as a build argument; it is recorded in the image history"),
                )
                .at(Location::at(rel, ins.line))
                .fix("use RUN --mount=type=secret,id=… instead of a build argument"),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_core::Status;

    fn run(files: &[(&str, &str)], params: &[(&str, &str)]) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, c).unwrap();
        }
        let mut ps = Params::new();
        for (k, v) in params {
            ps.insert(k, *v);
        }
        let check = DockerDockerfile.prepare(&ps).unwrap();
        let ctx = CheckContext::new(dir.path().to_path_buf());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(check.run(&ctx))
    }

    fn codes(o: &Outcome) -> Vec<(String, String)> {
        o.evidence
            .findings
            .iter()
            .map(|f| {
                (
                    f.code.to_string(),
                    f.location
                        .as_ref()
                        .map(|l| l.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    const GOOD: &str = "# syntax=docker/dockerfile:1\n\
ARG PY=3.12-slim\n\
FROM python:${PY} AS build\n\
RUN pip install -r requirements-dev.txt && pytest\n\
FROM python:3.12-slim@sha256:0123456789abcdef\n\
ENV NODE_ENV=production \\\n\
    DB_PASSWORD=${DB_PASSWORD}\n\
COPY --from=build /app /app\n\
RUN pip install --no-cache-dir -r requirements.txt\n\
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8000/health || exit 1\n\
USER 10001\n\
CMD [\"python\", \"-m\", \"app\"]\n";

    const BAD: &str = "FROM node AS deps\n\
RUN npm ci\n\
FROM deps\n\
ENV API_TOKEN=sk_live_abcdefghijklmnop\n\
ARG GITHUB_TOKEN\n\
ADD https://example.com/tool.tar.gz /opt/\n\
RUN npm install\n\
USER root\n\
CMD node server.js\n";

    #[test]
    fn good_dockerfile_passes() {
        let o = run(&[("Dockerfile", GOOD)], &[]);
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
        assert!(
            o.evidence
                .summary
                .contains("1 of 2 base image(s) pinned by digest"),
            "{}",
            o.evidence.summary
        );
    }

    #[test]
    fn bad_dockerfile_fails_with_located_findings() {
        let o = run(&[("api/Dockerfile", BAD)], &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            vec![
                (
                    "dockerfile-image-unpinned".into(),
                    "api/Dockerfile:1".into()
                ),
                ("dockerfile-secret-in-env".into(), "api/Dockerfile:4".into()),
                (
                    "dockerfile-secret-build-arg".into(),
                    "api/Dockerfile:5".into()
                ),
                ("dockerfile-remote-add".into(), "api/Dockerfile:6".into()),
                ("dockerfile-runs-as-root".into(), "api/Dockerfile:8".into()),
                (
                    "dockerfile-no-healthcheck".into(),
                    "api/Dockerfile:3".into()
                ),
                (
                    "dockerfile-dev-deps-in-final".into(),
                    "api/Dockerfile:7".into()
                ),
            ]
        );
        let msg = &o.evidence.findings[1].message;
        assert!(!msg.contains("abcdefghijklmnop"), "secret leaked: {msg}");
    }

    #[test]
    fn rule_groups_select_findings() {
        let o = run(&[("Dockerfile", BAD)], &[("rules", "user")]);
        assert_eq!(
            codes(&o),
            vec![("dockerfile-runs-as-root".into(), "Dockerfile:8".into())]
        );
    }

    #[test]
    fn digest_required_and_unresolved_args() {
        let o = run(
            &[(
                "Dockerfile",
                "ARG BASE\nFROM $BASE\nFROM alpine:3.20\nUSER app\nHEALTHCHECK CMD true\n",
            )],
            &[("require_digest", "true")],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            vec![
                ("dockerfile-image-unresolved".into(), "Dockerfile:2".into()),
                ("dockerfile-image-no-digest".into(), "Dockerfile:3".into()),
            ]
        );
    }

    #[test]
    fn syntax_errors_are_findings_with_lines() {
        let o = run(
            &[(
                "Dockerfile",
                "FROM alpine:3.20\nRUNN echo\nUSER app\nHEALTHCHECK CMD true\n",
            )],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            vec![("dockerfile-parse-error".into(), "Dockerfile:2".into())]
        );
        let o = run(
            &[(
                "Dockerfile",
                [0u8, 1, 2]
                    .iter()
                    .map(|&b| b as char)
                    .collect::<String>()
                    .as_str(),
            )],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn missing_dockerfile_is_skipped_unless_required() {
        let o = run(&[("README.md", "hi")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no Dockerfile found");
        let o = run(&[("README.md", "hi")], &[("required", "true")]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o)[0].0, "dockerfile-not-found");
    }
}
