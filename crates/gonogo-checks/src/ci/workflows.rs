//! `ci.workflows`: CI builds, tests and scans; GitHub Actions pins third-party actions to a
//! commit, declares least-privilege permissions; dependency updates are automated.

use crate::util::{absent, asked, blocking, inventory, rule_groups, unreadable, wants};
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::{RepoFile, read_repo_text};

pub struct CiWorkflows;

const RULES: &[&str] = &[
    "build",
    "test",
    "security",
    "image-scan",
    "pinned",
    "permissions",
    "updates",
];

/// Words that place an item in CI (any one, in the item or its headings).
const CI: &[&str] = &[
    "ci",
    "workflow*",
    "pipelin*",
    "github action*",
    "gitlab",
    "action*",
    "job*",
    "on every push",
    "on every pull request",
    "on every pr",
    "on every commit",
    "ci cd",
];

/// What the kind verifies, rule group by rule group, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "build pipelin*",
            "build job*",
            "build workflow*",
            "ci build*",
            "build the artifact*",
            "builds the artifact*",
            "build artifact*",
            "builds in ci",
            "build in ci",
        ],
        support: &["configur*", "enabled", "exist*", "in place"],
        // Publishing, signing and reproducing an artifact are more than a job that builds it.
        excludes: &[
            "deploy*",
            "push*",
            "publish*",
            "sign*",
            "reproduc*",
            "provenance",
            "slsa",
            "sbom",
            "fast*",
            "cach*",
            "tested",
            "pr",
            "under",
        ],
        params: &[("rules", "build")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "test pipelin*",
            "test job*",
            "test workflow*",
            "tests run on every",
            "tests run in ci",
            "ci runs the test*",
            "tests in ci",
            "test run on every",
            "tests run automatically",
        ],
        support: &[
            "running",
            "configur*",
            "enabled",
            "on every push",
            "on every pull request",
        ],
        excludes: &[
            "deploy*",
            "coverage",
            "load test*",
            "performance",
            "pass*",
            "green",
            "flaky",
            "fast*",
            "under",
            "pr",
        ],
        params: &[("rules", "test")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "security scan*",
            "sast",
            "codeql",
            "semgrep",
            "static application security test*",
            "code scanning",
        ],
        support: &[
            "enabled",
            "configur*",
            "in ci",
            "on every push",
            "on every pull request",
            "running",
        ],
        // A scan's results (its report, its findings) are `vulns.report`'s; an image scan is
        // its own group; a penetration test or a DAST run is no CI job this reads.
        excludes: &[
            "imag*",
            "container*",
            "penetration",
            "pen test*",
            "pentest*",
            "dast",
            "completed",
            "report*",
            "result*",
            "finding",
            "triag*",
            "fixed",
            "remediat*",
            "resolved",
            "critical",
            "high",
            "clean",
            "pass*",
            "vulnerabilit*",
            "secret*",
        ],
        params: &[("rules", "security")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "image scan*",
            "images scanned",
            "image vulnerability scan*",
            "container scan*",
            "scan the imag*",
            "scans the imag*",
            "trivy image",
            "docker scout",
        ],
        support: &["enabled", "configur*", "in ci", "vulnerabilit*"],
        // A registry's own scan on push is not a CI job; a scan's results are `vulns.report`'s.
        excludes: &[
            "registry",
            "completed",
            "report*",
            "result*",
            "finding",
            "no critical",
            "no high",
            "clean",
            "signed",
            "sbom",
        ],
        params: &[("rules", "image-scan")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "actions pinned",
            "pinned action*",
            "action pinned",
            "referenced by full commit sha",
            "full commit sha",
            "full length sha",
            "commit sha",
            "pinned to a sha",
            "pinned to a commit",
            "pinned to commit sha*",
            "workflows pinned",
            "workflow pinned",
            "pin actions",
            "pin third party action*",
        ],
        qualifiers: &[CI],
        support: &["third party", "not"],
        excludes: &[
            "docker*",
            "imag*",
            "dependenc*",
            "packag*",
            "lockfil*",
            "base image",
            "requirement*",
            "version*",
        ],
        params: &[("rules", "pinned")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "permissions",
            "permission",
            "least privilege",
            "write all",
            "token permission*",
            "github token",
        ],
        qualifiers: &[CI],
        support: &["declared", "read only", "minimal", "no write all"],
        // Permissions of people, databases, clouds and clusters are other things.
        excludes: &[
            "database",
            "db",
            "iam",
            "service account*",
            "rbac",
            "user*",
            "role*",
            "kubernetes",
            "pod*",
            "container*",
            "file permission*",
            "bucket*",
            "s3",
            "admin*",
            "access review*",
            "oidc",
            "deploy*",
        ],
        params: &[("rules", "permissions")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "dependabot",
            "renovate",
            "renovatebot",
            "dependency updat*",
            "automated dependency updat*",
            "dependency bot",
        ],
        support: &["configured", "enabled", "not disabled", "on"],
        // Acting on the updates (merging, triaging within a delay) is people's work.
        excludes: &[
            "merged",
            "within",
            "reviewed",
            "triag*",
            "alert*",
            "security updat*",
        ],
        params: &[("rules", "updates")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "ci workflow*",
            "github actions workflow*",
            "github workflow*",
            "ci configuration",
            "ci config",
        ],
        support: &["practic*", "hardened", "secure"],
        excludes: &[
            "run*",
            "deploy*",
            "green",
            "pass*",
            "fail*",
            "tested",
            "fast*",
            "under",
            "pr",
            "status check*",
        ],
        weight: 70,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "CI workflows build, test and security-scan; actions are pinned to commits; permissions are least-privilege; dependency updates are on.",
    description: "Reads GitHub Actions workflows (`.github/workflows/*.yml`) and, at a basic level, \
`.gitlab-ci.yml`. Some job must build (a build command or a build action), some job must run \
tests (pytest, npm test, cargo test, go test, …) and some job must run a security scan \
(CodeQL, Trivy, Grype, Snyk, Semgrep, npm audit, pip-audit, cargo audit, gitleaks, GitLab's \
Security templates, …); the `image-scan` group asks for a scan of the built container image \
itself (`trivy image`, `grype`, `docker scout cves`, `snyk container`, Trivy's action with an \
`image-ref`, Anchore's scan action, GitLab's Container-Scanning template). In GitHub Actions every third-party action (not `actions/*` or \
`github/*`) must be pinned to a full 40-hex commit SHA, `permissions` must be declared at the \
workflow level or on every job, `write-all` is refused and workflow-level write scopes are \
warned about. Dependabot (`.github/dependabot.yml` with updates) or Renovate (`renovate.json`, \
`.renovaterc`, `package.json#renovate`) must be configured and not disabled. `rules=` restricts \
the rule groups; `rules=updates` alone is answered by the Dependabot or Renovate file whether or \
not a workflow exists, and its evidence names that file. Fails on any failing finding; skips with \
\"no CI workflow found\" (fails with `required=true`). A workflow that does not parse is `ci-parse-error` at its line.",
    params: &[
        ParamDoc::optional(
            "rules",
            "Comma list of rule groups: build, test, security, image-scan, pinned, permissions, updates (default: all but image-scan).",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when there is no CI configuration.",
            "false",
        ),
    ],
    examples: &[
        "ci.workflows",
        "ci.workflows rules=security",
        "ci.workflows rules=pinned,permissions required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Build pipeline configured",
        "Test pipeline running",
        "Security scanning enabled",
        "Image scanning enabled",
        "Container images scanned for vulnerabilities in CI",
        "Dependabot configured",
        "CI workflows follow best practices",
    ],
    not_phrases: &[
        "Deployment pipeline tested",
        "**PR #17** merged (CI/CD pipeline functional)",
        "Build and push Docker images",
        "Vulnerability scan completed (Trivy/Snyk)",
    ],
    findings: &[
        ("ci-parse-error", "A CI file is not valid YAML."),
        ("ci-no-build", "No CI job builds the project."),
        ("ci-no-tests", "No CI job runs the tests."),
        (
            "ci-no-security-scan",
            "No CI job runs a security scan (SAST, dependency or image scanning).",
        ),
        (
            "ci-no-image-scan",
            "No CI job scans the built container image for vulnerabilities.",
        ),
        (
            "ci-action-unpinned",
            "A third-party action is referenced by a tag or branch, which its owner can move.",
        ),
        (
            "ci-permissions-missing",
            "A workflow does not declare `permissions`, so it gets the repository's default (often write-all).",
        ),
        (
            "ci-permissions-broad",
            "A workflow grants write-all, or write scopes at the workflow level instead of per job.",
        ),
        (
            "ci-no-dependency-updates",
            "Neither Dependabot nor Renovate is configured.",
        ),
        (
            "ci-dependency-updates-disabled",
            "The Dependabot/Renovate configuration disables updates.",
        ),
        (
            "ci-not-found",
            "No CI configuration was found while `required=true`.",
        ),
    ],
};

impl CheckKind for CiWorkflows {
    fn id(&self) -> &'static str {
        "ci.workflows"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            rules: rule_groups(params, RULES)?,
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    rules: Option<Vec<String>>,
    required: bool,
}

const BUILD: &[&str] = &[
    "cargo build",
    "npm run build",
    "yarn build",
    "pnpm build",
    "pnpm run build",
    "go build",
    "docker build",
    "docker buildx",
    "docker compose build",
    "mvn package",
    "mvn install",
    "mvn verify",
    "gradle build",
    "gradlew build",
    "python -m build",
    "pip wheel",
    "next build",
    "tsc",
    "make build",
    "poetry build",
    "dotnet build",
    "uv build",
];
const BUILD_ACTIONS: &[&str] = &["docker/build-push-action", "goreleaser/goreleaser-action"];
const TEST: &[&str] = &[
    "pytest",
    "npm test",
    "npm run test",
    "yarn test",
    "pnpm test",
    "cargo test",
    "cargo nextest",
    "go test",
    "mvn test",
    "mvn verify",
    "gradle test",
    "gradlew test",
    "jest",
    "vitest",
    "make test",
    "tox",
    "nox",
    "rspec",
    "phpunit",
    "dotnet test",
    "unittest",
    "playwright test",
    "npx cypress",
];
const SECURITY: &[&str] = &[
    "trivy ",
    "grype ",
    "snyk test",
    "snyk container",
    "npm audit",
    "pip-audit",
    "cargo audit",
    "cargo deny",
    "bandit",
    "safety check",
    "gosec",
    "govulncheck",
    "semgrep",
    "gitleaks",
    "trufflehog",
    "osv-scanner",
    "checkov",
    "hadolint",
    "yarn audit",
    "pnpm audit",
    "zap-baseline",
];
const SECURITY_ACTIONS: &[&str] = &[
    "github/codeql-action",
    "aquasecurity/trivy-action",
    "snyk/actions",
    "anchore/scan-action",
    "returntocorp/semgrep-action",
    "semgrep/semgrep-action",
    "ossf/scorecard-action",
    "actions/dependency-review-action",
    "gitleaks/gitleaks-action",
    "trufflesecurity/trufflehog",
    "pypa/gh-action-pip-audit",
    "rustsec/audit-check",
    "google/osv-scanner-action",
    "bridgecrewio/checkov-action",
    "hadolint/hadolint-action",
    "zaproxy/action",
];

/// A step using an image-scanning action: Anchore's and Docker Scout's always scan an image,
/// Trivy's when it is given an `image-ref` (or `scan-type: image`).
fn scans_image(uses: &Node, step: &Node) -> bool {
    let Some(u) = uses.as_str() else { return false };
    let u = u.to_ascii_lowercase();
    if u.starts_with("anchore/scan-action") || u.starts_with("docker/scout-action") {
        return true;
    }
    if u.starts_with("aquasecurity/trivy-action") || u.starts_with("snyk/actions/docker") {
        let with = step.get("with");
        return u.starts_with("snyk/actions/docker")
            || with.and_then(|w| w.get("image-ref")).is_some()
            || with.and_then(|w| w.str_of("scan-type")) == Some("image");
    }
    false
}

fn has_any(text: &str, words: &[&str]) -> bool {
    let t = text.to_ascii_lowercase();
    words.iter().any(|w| t.contains(w))
}

/// What was found in all CI files together.
#[derive(Default)]
struct Seen {
    build: bool,
    test: bool,
    security: bool,
    image_scan: bool,
}

/// Commands that scan a built container image (not just the source tree).
const IMAGE_SCAN: &[&str] = &[
    "trivy image",
    "trivy i ",
    "grype ",
    "docker scout cves",
    "docker scout quickview",
    "snyk container",
    "anchore",
    "clair-scanner",
];

fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit())
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            // The inventory's CI workflows: GitHub Actions, then GitLab's one file.
            let workflows: Vec<&RepoFile> = files
                .ci_workflows()
                .filter(|f| f.rel.starts_with(".github/workflows/"))
                .collect();
            let gitlab: Vec<&RepoFile> = files
                .ci_workflows()
                .filter(|f| f.rel == ".gitlab-ci.yml")
                .collect();
            // Dependabot and Renovate are configured outside any workflow: an item about
            // them is answered by their files, CI or not.
            if this.rules.as_ref().is_some_and(|r| r.iter().all(|g| g == "updates")) {
                return updates_outcome(&files);
            }
            if workflows.is_empty() && gitlab.is_empty() {
                return absent(
                    this.required,
                    "ci-not-found",
                    "no CI workflow found",
                    "add a workflow under .github/workflows/",
                );
            }
            let mut findings = Vec::new();
            let mut seen = Seen::default();
            for f in workflows.iter().chain(&gitlab) {
                let src = match read_repo_text(f) {
                    Ok(s) => s,
                    Err(why) => {
                        findings.push(unreadable("ci-parse-error", &f.rel, None, &why));
                        continue;
                    }
                };
                let doc = match parse_documents(&src) {
                    Ok(mut d) if !d.is_empty() => d.swap_remove(0),
                    Ok(_) => continue,
                    Err(e) => {
                        findings.push(unreadable(
                            "ci-parse-error",
                            &f.rel,
                            Some(e.line),
                            &format!("{}: {e}", f.rel),
                        ));
                        continue;
                    }
                };
                if f.rel == ".gitlab-ci.yml" {
                    gitlab_file(&doc, &mut seen);
                } else {
                    this.github_file(&f.rel, &doc, &mut seen, &mut findings);
                }
            }
            let first = workflows
                .first()
                .or(gitlab.first())
                .map(|f| f.rel.clone())
                .unwrap_or_default();
            for (group, ok, code, what, fix) in [
                (
                    "build",
                    seen.build,
                    "ci-no-build",
                    "no CI job builds the project",
                    "add a build step (cargo build, npm run build, docker build, …)",
                ),
                (
                    "test",
                    seen.test,
                    "ci-no-tests",
                    "no CI job runs the tests",
                    "add a test step (pytest, npm test, cargo test, …)",
                ),
                (
                    "security",
                    seen.security,
                    "ci-no-security-scan",
                    "no CI job runs a security scan",
                    "add CodeQL, Trivy, pip-audit/npm audit or similar to a workflow",
                ),
                (
                    "image-scan",
                    seen.image_scan,
                    "ci-no-image-scan",
                    "no CI job scans the built container image",
                    "scan the image after building it (`trivy image`, aquasecurity/trivy-action with `image-ref`, anchore/scan-action)",
                ),
            ] {
                // Opt-in: a repository may scan images in its registry instead.
                if asked(&this.rules, group, &["image-scan"]) && !ok {
                    findings.push(
                        Finding::fail(code, what)
                            .at(Location::file(first.clone()))
                            .fix(fix),
                    );
                }
            }
            if wants(&this.rules, "updates") && !workflows.is_empty() {
                dependency_updates(&files, &mut findings);
            }
            let failing = findings
                .iter()
                .filter(|f| f.severity == Status::Fail)
                .count();
            Outcome::from_findings(
                format!(
                    "{} CI file(s): build {}, tests {}, security scan {}; {failing} problem(s)",
                    workflows.len() + gitlab.len(),
                    yes(seen.build),
                    yes(seen.test),
                    yes(seen.security)
                ),
                findings,
            )
            .observed(format!("{failing} failing finding(s)"))
            .expected("0")
        })
        .await
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Prepared {
    fn github_file(&self, rel: &str, doc: &Node, seen: &mut Seen, out: &mut Vec<Finding>) {
        let jobs = doc.get("jobs");
        let top_perm = doc.entry("permissions");
        let mut jobs_without_perm = 0;
        for (_, _, job) in jobs
            .map(|j| j.keyed().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if job.entry("permissions").is_none() {
                jobs_without_perm += 1;
            }
            if let Some((_, p)) = job.entry("permissions") {
                self.broad(rel, p, false, out);
            }
            // Reusable workflow call.
            if let Some(u) = job.get("uses") {
                self.uses(rel, u, seen, out);
            }
            for step in job.get("steps").map(Node::items).unwrap_or(&[]) {
                if let Some(run) = step.str_of("run") {
                    seen.build |= has_any(run, BUILD);
                    seen.test |= has_any(run, TEST);
                    seen.security |= has_any(run, SECURITY);
                    seen.image_scan |= has_any(run, IMAGE_SCAN);
                }
                if let Some(u) = step.get("uses") {
                    self.uses(rel, u, seen, out);
                    seen.image_scan |= scans_image(u, step);
                }
            }
        }
        if wants(&self.rules, "permissions") {
            match top_perm {
                Some((_, p)) => self.broad(rel, p, true, out),
                None if jobs_without_perm > 0 => out.push(
                    Finding::fail(
                        "ci-permissions-missing",
                        format!("{rel} declares no `permissions` ({jobs_without_perm} job(s) without their own)"),
                    )
                    .at(Location::at(rel, doc.line))
                    .fix("add `permissions: contents: read` at the top and grant writes per job"),
                ),
                None => {}
            }
        }
    }

    fn broad(&self, rel: &str, p: &Node, top: bool, out: &mut Vec<Finding>) {
        if !wants(&self.rules, "permissions") {
            return;
        }
        if p.as_str() == Some("write-all") {
            out.push(
                Finding::fail("ci-permissions-broad", format!("{rel} grants write-all"))
                    .at(Location::at(rel, p.line))
                    .fix("list only the scopes needed (contents: read, …)"),
            );
            return;
        }
        if top {
            let writes: Vec<&str> = p
                .keyed()
                .filter(|(_, _, v)| v.as_str() == Some("write"))
                .map(|(k, _, _)| k)
                .collect();
            if !writes.is_empty() {
                out.push(
                    Finding::warn(
                        "ci-permissions-broad",
                        format!("{rel} grants {} write at the workflow level, to every job", writes.join(", ")),
                    )
                    .at(Location::at(rel, p.line))
                    .fix("keep the workflow level read-only and grant writes on the job that needs them"),
                );
            }
        }
    }

    fn uses(&self, rel: &str, u: &Node, seen: &mut Seen, out: &mut Vec<Finding>) {
        let Some(s) = u.as_str() else { return };
        let lower = s.to_ascii_lowercase();
        seen.build |= BUILD_ACTIONS.iter().any(|a| lower.starts_with(a));
        seen.security |= SECURITY_ACTIONS.iter().any(|a| lower.starts_with(a));
        if lower.starts_with("./") || lower.starts_with("docker://") {
            return;
        }
        let (name, r) = s.split_once('@').unwrap_or((s, ""));
        let owner = name.split('/').next().unwrap_or("");
        let first_party =
            owner.eq_ignore_ascii_case("actions") || owner.eq_ignore_ascii_case("github");
        if wants(&self.rules, "pinned") && !first_party && !is_full_sha(r) {
            out.push(
                Finding::fail(
                    "ci-action-unpinned",
                    format!("third-party action {s} is not pinned to a commit SHA"),
                )
                .at(Location::at(rel, u.line))
                .fix(format!(
                    "use {name}@<40-hex commit> # {}",
                    if r.is_empty() { "tag" } else { r }
                )),
            );
        }
    }
}

const GITLAB_RESERVED: &[&str] = &[
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
];

fn gitlab_file(doc: &Node, seen: &mut Seen) {
    for inc in doc
        .get("include")
        .map(|i| match i.as_seq() {
            Some(v) => v.to_vec(),
            None => vec![i.clone()],
        })
        .unwrap_or_default()
    {
        let t = inc
            .str_of("template")
            .or(inc.as_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if t.contains("security/")
            || t.contains("sast")
            || t.contains("dependency-scanning")
            || t.contains("container-scanning")
            || t.contains("secret-detection")
        {
            seen.security = true;
        }
        seen.image_scan |= t.contains("container-scanning");
    }
    for (name, _, job) in doc.keyed() {
        if GITLAB_RESERVED.contains(&name) || name.starts_with('.') {
            continue;
        }
        let mut text = String::from(name);
        for key in ["script", "before_script"] {
            for line in job.get(key).map(Node::items).unwrap_or(&[]) {
                if let Some(l) = line.as_str() {
                    text.push('\n');
                    text.push_str(l);
                }
            }
            if let Some(l) = job.str_of(key) {
                text.push('\n');
                text.push_str(l);
            }
        }
        seen.build |= has_any(&text, BUILD);
        seen.test |= has_any(&text, TEST);
        seen.security |= has_any(&text, SECURITY);
        seen.image_scan |= has_any(&text, IMAGE_SCAN);
    }
}

/// `rules=updates`: whether Dependabot or Renovate is configured, naming the file that says so.
fn updates_outcome(files: &gonogo_repo::RepoFiles) -> Outcome {
    let mut findings = Vec::new();
    let source = dependency_updates(files, &mut findings);
    let summary = match (findings.first(), source) {
        (Some(f), _) => f.message.clone(),
        (None, Some(source)) => format!("dependency updates configured in {source}"),
        (None, None) => "no dependency update configuration".to_string(),
    };
    let failing = findings
        .iter()
        .filter(|f| f.severity == Status::Fail)
        .count();
    Outcome::from_findings(summary, findings)
        .observed(format!("{failing} failing finding(s)"))
        .expected("0")
}

/// Checks the Dependabot or Renovate configuration; returns the file that configures updates
/// (whether or not it disables them), if any.
fn dependency_updates(files: &gonogo_repo::RepoFiles, out: &mut Vec<Finding>) -> Option<String> {
    let dependabot = files
        .files
        .iter()
        .find(|f| f.rel == ".github/dependabot.yml" || f.rel == ".github/dependabot.yaml");
    if let Some(f) = dependabot {
        let doc = read_repo_text(f)
            .ok()
            .and_then(|s| parse_documents(&s).ok())
            .and_then(|mut d| (!d.is_empty()).then(|| d.swap_remove(0)));
        let Some(doc) = doc else {
            out.push(unreadable(
                "ci-parse-error",
                &f.rel,
                None,
                &format!("{} does not parse", f.rel),
            ));
            return Some(f.rel.clone());
        };
        let updates = doc.get("updates").map(Node::items).unwrap_or(&[]);
        let live = updates
            .iter()
            .filter(|u| u.get("open-pull-requests-limit").and_then(Node::as_i64) != Some(0))
            .count();
        if live == 0 {
            out.push(
                Finding::fail(
                    "ci-dependency-updates-disabled",
                    format!("{} has no enabled `updates` entry", f.rel),
                )
                .at(Location::at(&f.rel, doc.line))
                .fix("add an updates entry per ecosystem with a schedule (and a non-zero open-pull-requests-limit)"),
            );
        }
        return Some(f.rel.clone());
    }
    const RENOVATE: &[&str] = &[
        "renovate.json",
        "renovate.json5",
        ".github/renovate.json",
        ".github/renovate.json5",
        ".gitlab/renovate.json",
        ".renovaterc",
        ".renovaterc.json",
    ];
    if let Some(f) = files
        .files
        .iter()
        .find(|f| RENOVATE.contains(&f.rel.as_str()))
    {
        let text = read_repo_text(f).unwrap_or_default();
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains("\"enabled\":false") || compact.contains("enabled:false") {
            let line = text
                .find("enabled")
                .map(|p| gonogo_parsers::line_of(text.as_bytes(), p))
                .unwrap_or(1);
            out.push(
                Finding::fail(
                    "ci-dependency-updates-disabled",
                    format!("{} disables Renovate", f.rel),
                )
                .at(Location::at(&f.rel, line))
                .fix("remove `\"enabled\": false`"),
            );
        }
        return Some(f.rel.clone());
    }
    let pkg_renovate = files
        .files
        .iter()
        .find(|f| f.rel == "package.json")
        .and_then(|f| {
            let v: serde_json::Value = serde_json::from_str(&read_repo_text(f).ok()?).ok()?;
            v.get("renovate").map(|_| ())
        });
    if pkg_renovate.is_some() {
        return Some("package.json (renovate)".to_string());
    }
    out.push(
        Finding::fail(
            "ci-no-dependency-updates",
            "neither Dependabot (.github/dependabot.yml) nor Renovate is configured",
        )
        .fix("add .github/dependabot.yml with an updates entry per package ecosystem"),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const GOOD: &str = "name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@b3b07ba8b418998c39fb20f53e8b695cdcc8de1b
      - run: cargo build --release
      - run: cargo test
  scan:
    runs-on: ubuntu-latest
    permissions:
      security-events: write
    steps:
      - uses: github/codeql-action/analyze@v3
";

    const BAD: &str = "name: ci
on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: some-org/setup-thing@v2
      - run: echo lint
  release:
    permissions: write-all
    runs-on: ubuntu-latest
    steps:
      - uses: softprops/action-gh-release@master
";

    #[test]
    fn good_workflows_pass() {
        let o = run(
            &CiWorkflows,
            &[
                (".github/workflows/ci.yml", GOOD),
                (
                    ".github/dependabot.yml",
                    "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule: {interval: weekly}\n",
                ),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn bad_workflows_fail_with_lines() {
        let f = ".github/workflows/ci.yml";
        let o = run(&CiWorkflows, &[(f, BAD)], &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("ci-action-unpinned", &format!("{f}:8")),
                ("ci-permissions-broad", &format!("{f}:11")),
                ("ci-action-unpinned", &format!("{f}:14")),
                ("ci-permissions-missing", &format!("{f}:1")),
                ("ci-no-build", f),
                ("ci-no-tests", f),
                ("ci-no-security-scan", f),
                ("ci-no-dependency-updates", ""),
            ])
        );
    }

    #[test]
    fn security_item_checks_only_scans() {
        let r = crate::util::testing::recognise(&CiWorkflows, "Security scanning enabled").unwrap();
        let kv: Vec<(&str, &str)> = r.iter().collect();
        let o = run(&CiWorkflows, &[(".github/workflows/ci.yml", BAD)], &kv);
        assert_eq!(
            codes(&o),
            at(&[("ci-no-security-scan", ".github/workflows/ci.yml")])
        );
        let o = run(&CiWorkflows, &[(".github/workflows/ci.yml", GOOD)], &kv);
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn image_scan_is_asked_by_its_item_and_needs_an_image_scanner() {
        let r = crate::util::testing::recognise_in(
            &CiWorkflows,
            "Image scanning enabled",
            &["Container Registry"],
        )
        .unwrap();
        let kv: Vec<(&str, &str)> = r.iter().collect();
        assert_eq!(kv, [("rules", "image-scan")]);
        // A source-tree scan (pip-audit) is no image scan.
        let source_only = "on: push\npermissions: {contents: read}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pip-audit\n";
        let o = run(
            &CiWorkflows,
            &[(".github/workflows/ci.yml", source_only)],
            &kv,
        );
        assert_eq!(
            codes(&o),
            at(&[("ci-no-image-scan", ".github/workflows/ci.yml")])
        );
        for scanner in [
            "      - run: trivy image --exit-code 1 ghcr.io/acme/api:${{ github.sha }}\n",
            "      - uses: aquasecurity/trivy-action@0000000000000000000000000000000000000000\n        with:\n          image-ref: ghcr.io/acme/api\n",
            "      - uses: anchore/scan-action@0000000000000000000000000000000000000000\n",
        ] {
            let wf = format!("{source_only}{scanner}");
            let o = run(&CiWorkflows, &[(".github/workflows/ci.yml", &wf)], &kv);
            assert_eq!(o.status, Status::Pass, "{scanner}: {o:?}");
        }
        // Trivy's action on the file system is not an image scan.
        let fs = format!(
            "{source_only}      - uses: aquasecurity/trivy-action@0000000000000000000000000000000000000000\n        with:\n          scan-type: fs\n"
        );
        let o = run(&CiWorkflows, &[(".github/workflows/ci.yml", &fs)], &kv);
        assert_eq!(
            codes(&o),
            at(&[("ci-no-image-scan", ".github/workflows/ci.yml")])
        );
        // Not asked for, not required: the default groups leave it out.
        let o = run(
            &CiWorkflows,
            &[(".github/workflows/ci.yml", source_only)],
            &[("rules", "security")],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn gitlab_and_renovate() {
        let o = run(
            &CiWorkflows,
            &[(
                ".gitlab-ci.yml",
                "include:\n  - template: Security/SAST.gitlab-ci.yml\nbuild:\n  script: [docker build .]\ntest:\n  script:\n    - pytest\n",
            )],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
        let o = run(
            &CiWorkflows,
            &[
                (".github/workflows/ci.yml", GOOD),
                ("renovate.json", "{\n  \"enabled\": false\n}\n"),
            ],
            &[],
        );
        assert_eq!(
            codes(&o),
            at(&[("ci-dependency-updates-disabled", "renovate.json:2")])
        );
    }

    #[test]
    fn dependency_updates_are_answered_without_any_workflow() {
        let updates = &[("rules", "updates")][..];
        let dependabot = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: weekly}\n";
        for file in [
            ".github/dependabot.yml",
            ".github/dependabot.yaml",
            "renovate.json",
            ".github/renovate.json",
            ".gitlab/renovate.json",
            ".renovaterc",
            ".renovaterc.json",
            "renovate.json5",
        ] {
            let content = if file.contains("dependabot") {
                dependabot
            } else {
                "{\n  \"extends\": [\"config:recommended\"]\n}\n"
            };
            let o = run(
                &CiWorkflows,
                &[(file, content), ("README.md", "x")],
                updates,
            );
            assert_eq!(o.status, Status::Pass, "{file}: {o:?}");
            assert_eq!(
                o.evidence.summary,
                format!("dependency updates configured in {file}")
            );
        }
        let o = run(
            &CiWorkflows,
            &[("renovate.json", "{\n  \"enabled\": false\n}\n")],
            updates,
        );
        assert_eq!(
            codes(&o),
            at(&[("ci-dependency-updates-disabled", "renovate.json:2")])
        );
        assert_eq!(o.evidence.summary, "renovate.json disables Renovate");
        let o = run(&CiWorkflows, &[("README.md", "x")], updates);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), at(&[("ci-no-dependency-updates", "")]));
        // With a workflow, the same answer.
        let o = run(
            &CiWorkflows,
            &[
                (".github/workflows/ci.yml", GOOD),
                (".github/dependabot.yml", dependabot),
            ],
            updates,
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.summary,
            "dependency updates configured in .github/dependabot.yml"
        );
        // Other groups still need a workflow.
        let o = run(&CiWorkflows, &[(".github/dependabot.yml", dependabot)], &[]);
        assert_eq!(o.status, Status::Skipped);
    }

    #[test]
    fn broken_and_missing() {
        let o = run(
            &CiWorkflows,
            &[(".github/workflows/x.yml", "jobs:\n  a: [\n")],
            &[("rules", "pinned")],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o)[0].0, "ci-parse-error");
        let o = run(&CiWorkflows, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no CI workflow found");
    }
}
