//! `deps.pinned`: dependencies are pinned — `requirements*.txt` with `==`, lockfiles beside
//! the manifests that need them.

use crate::support::requirements::{
    ReqLine, logical_lines, normalise_rel, parent_dir, parse_req_line, rel_join,
};
use crate::util::inventory_blocking;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_repo::{read_text, resolve_in_repo};
use std::collections::{BTreeSet, HashSet};

pub struct DepsPinned;

const ECOSYSTEMS: &[&str] = &["python", "node", "rust", "go"];

/// The ecosystems as an item names them, its languages or its files.
const ECOSYSTEM_NAMES: &[(&str, &str)] = &[
    ("python", "python"),
    ("pip", "python"),
    ("requirements txt", "python"),
    ("poetry", "python"),
    ("pipfile", "python"),
    ("npm", "node"),
    ("node", "node"),
    ("javascript", "node"),
    ("typescript", "node"),
    ("package json", "node"),
    ("package lock", "node"),
    ("yarn", "node"),
    ("pnpm", "node"),
    ("rust", "rust"),
    ("cargo", "rust"),
    ("crat*", "rust"),
    ("go mod", "go"),
    ("go sum", "go"),
    ("golang", "go"),
];
/// Pinning of something else (actions, images), or acts on dependencies beyond pinning.
const NOT_PINNING: &[&str] = &[
    "vulnerab*",
    "audit*",
    "updat*",
    "upgrad*",
    "renovate",
    "dependabot",
    "licen*",
    "sbom",
    "development dependenc*",
    "dev dependenc*",
    "outdated",
    "cve*",
    "imag*",
    "docker*",
    "action*",
    "sha",
    "commit sha",
    "mirror*",
    "proxy",
    "private registry",
    "sign*",
    "review*",
];

/// What the kind verifies: requirements pinned with `==`, manifests with their lockfiles.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["dependenc*", "packag*", "requirement*", "deps", "version*"],
        qualifiers: &[&[
            "pinned",
            "pin",
            "locked",
            "lockfil*",
            "lock file*",
            "exact version*",
        ]],
        support: &["all", "every", "committed"],
        excludes: NOT_PINNING,
        slots: &[Slot::optional(
            "ecosystems",
            Value::Choices(ECOSYSTEM_NAMES),
        )],
        weight: 85,
        ..Claim::EMPTY
    },
    // "`go.sum` committed next to `go.mod`": the lockfile is what the item names.
    Claim {
        subject: &[
            "lockfil*",
            "lock file*",
            "go sum",
            "cargo lock",
            "package lock",
            "poetry lock",
            "yarn lock",
            "pnpm lock",
            "pipfile lock",
            "uv lock",
            "npm shrinkwrap",
            "bun lock*",
        ],
        qualifiers: &[&[
            "committed",
            "checked in",
            "present",
            "exist*",
            "tracked",
            "versioned",
            "in the repo*",
            "in git",
        ]],
        excludes: NOT_PINNING,
        slots: &[Slot::optional(
            "ecosystems",
            Value::Choices(ECOSYSTEM_NAMES),
        )],
        weight: 85,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Dependencies are pinned: requirements files use `==`, manifests have their lockfiles.",
    description: "Walks the repository (as git sees it: `.gitignore` honoured, `node_modules` \
        and virtualenvs never read). Python: every requirement in `requirements*.txt` (and \
        `requirements/*.txt`, and files they include with `-r`) must be pinned to one \
        version with `==` (or `===`), or be a VCS URL pinned to a full commit hash; ranges \
        (`>=`, `~=`, `<`), wildcards (`==1.*`) and bare names are findings with file and \
        line. Comments, extras (`uvicorn[standard]`), environment markers, `--hash` options \
        and line continuations are understood; a name pinned in a constraints file (`-c`) \
        counts as pinned; editable and local installs (`-e .`) are skipped. A \
        `pyproject.toml` that declares dependencies needs `poetry.lock`, `uv.lock`, \
        `pdm.lock`, `pylock.toml` or a `requirements*.txt` beside it; a `Pipfile` needs \
        `Pipfile.lock`. Node: a `package.json` with dependencies needs `package-lock.json`, \
        `npm-shrinkwrap.json`, `yarn.lock`, `pnpm-lock.yaml` or `bun.lock(b)` in its \
        directory or an enclosing one (workspaces). Rust: a `Cargo.toml` that is a workspace \
        or builds a binary needs `Cargo.lock` there or in an enclosing workspace (libraries \
        need none). Go: a `go.mod` with requirements needs `go.sum`. `ecosystems` limits the \
        check. Fails on any finding; errors when a manifest cannot be read or parsed (with its \
        line) and nothing failed; skipped when the repository has no manifest of the chosen \
        ecosystems.",
    params: &[ParamDoc::with_default(
        "ecosystems",
        "Which to check, comma-separated: python, node, rust, go.",
        "python,node,rust,go",
    )],
    examples: &[
        "deps.pinned",
        "deps.pinned ecosystems=python",
        "deps.pinned ecosystems=node,rust",
    ],
    claims: CLAIMS,
    phrases: &[
        "All Python dependencies pinned (`requirements.txt`)",
        "Dependencies pinned and lockfiles committed",
        "npm dependencies locked (package-lock.json)",
    ],
    not_phrases: &[
        "No development dependencies in production",
        "`npm install` runs successfully",
        "**PR #14** merged (Type checking errors fixed)",
        "No critical vulnerabilities",
    ],
    findings: &[
        (
            "deps-unpinned",
            "A requirement is not pinned to one version (`==`).",
        ),
        (
            "deps-lockfile-missing",
            "A manifest that needs a lockfile has none beside it.",
        ),
        (
            "deps-include-missing",
            "A requirements file includes (`-r`/`-c`) a file that does not exist.",
        ),
        (
            "deps-manifest-malformed",
            "A manifest cannot be parsed (bad JSON or TOML).",
        ),
    ],
};

impl CheckKind for DepsPinned {
    fn id(&self) -> &'static str {
        "deps.pinned"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let list = params.value::<Vec<String>>("ecosystems")?;
        if list.is_empty() {
            return Err(ParamError::new("ecosystems", "names no ecosystem"));
        }
        for e in &list {
            if !ECOSYSTEMS.contains(&e.as_str()) {
                return Err(ParamError::new(
                    "ecosystems",
                    format!("unknown ecosystem `{e}` (known: {})", ECOSYSTEMS.join(", ")),
                ));
            }
        }
        Ok(Box::new(Prepared { ecosystems: list }))
    }
}

#[derive(Clone)]
struct Prepared {
    ecosystems: Vec<String>,
}

#[derive(Default)]
struct Scan {
    findings: Vec<Finding>,
    problems: Vec<String>,
    manifests: BTreeSet<String>,
    requirements_checked: usize,
}

impl Prepared {
    fn has(&self, e: &str) -> bool {
        self.ecosystems.iter().any(|x| x == e)
    }

    fn evaluate(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory_blocking(ctx);
        let present: HashSet<&str> = files.files.iter().map(|f| f.rel.as_str()).collect();
        let mut scan = Scan::default();
        let in_deps = |rel: &str| {
            rel.split('/')
                .any(|p| p == "node_modules" || p == "vendor" || p == "site-packages")
        };

        if self.has("python") {
            self.python(
                ctx,
                &files
                    .requirements_files()
                    .map(|f| f.rel.clone())
                    .collect::<Vec<_>>(),
                &present,
                &mut scan,
            );
        }
        for f in files.files.iter().filter(|f| !in_deps(&f.rel)) {
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            let dir = parent_dir(&f.rel);
            let lock_near = |names: &[&str], climb: bool| {
                let mut d = dir.to_string();
                loop {
                    if names
                        .iter()
                        .any(|n| present.contains(rel_join(&d, n).as_str()))
                    {
                        return true;
                    }
                    if !climb || d.is_empty() {
                        return false;
                    }
                    d = parent_dir(&d).to_string();
                }
            };
            let missing = |scan: &mut Scan, locks: &[&str], why: &str| {
                scan.findings.push(
                    Finding::fail(
                        "deps-lockfile-missing",
                        format!("{} {why} but has no {}", f.rel, locks.join(" / ")),
                    )
                    .at(Location::file(f.rel.clone()))
                    .fix(format!("generate and commit the lockfile beside {}", f.rel)),
                );
            };
            match name {
                "package.json" if self.has("node") => {
                    scan.manifests.insert(f.rel.clone());
                    let text = match f.read_text(4 << 20) {
                        Ok(t) => t,
                        Err(e) => {
                            scan.problems.push(format!("{}: {e}", f.rel));
                            continue;
                        }
                    };
                    let v: serde_json::Value = match serde_json::from_str(&text) {
                        Ok(v) => v,
                        Err(e) => {
                            scan.findings.push(
                                Finding::warn(
                                    "deps-manifest-malformed",
                                    format!("{}:{}: {e}", f.rel, e.line()),
                                )
                                .at(Location::at(f.rel.clone(), e.line().max(1))),
                            );
                            scan.problems
                                .push(format!("{}:{}: not valid JSON", f.rel, e.line()));
                            continue;
                        }
                    };
                    let has_deps = ["dependencies", "devDependencies", "optionalDependencies"]
                        .iter()
                        .any(|k| {
                            v.get(k)
                                .and_then(|d| d.as_object())
                                .is_some_and(|o| !o.is_empty())
                        });
                    let locks = [
                        "package-lock.json",
                        "npm-shrinkwrap.json",
                        "yarn.lock",
                        "pnpm-lock.yaml",
                        "bun.lockb",
                        "bun.lock",
                    ];
                    if has_deps && !lock_near(&locks, true) {
                        missing(&mut scan, &locks[..4], "declares dependencies");
                    }
                }
                "pyproject.toml" if self.has("python") => {
                    scan.manifests.insert(f.rel.clone());
                    let Some(doc) = self.toml(f, &mut scan) else {
                        continue;
                    };
                    let project_deps = doc
                        .get("project")
                        .and_then(|p| p.get("dependencies"))
                        .and_then(|d| d.as_array())
                        .is_some_and(|a| !a.is_empty());
                    let poetry_deps = doc
                        .get("tool")
                        .and_then(|t| t.get("poetry"))
                        .and_then(|p| p.get("dependencies"))
                        .and_then(|d| d.as_table())
                        .is_some_and(|t| t.keys().any(|k| k != "python"));
                    let reqs_beside = files
                        .requirements_files()
                        .any(|g| parent_dir(&g.rel) == dir);
                    let locks = ["poetry.lock", "uv.lock", "pdm.lock", "pylock.toml"];
                    if (project_deps || poetry_deps) && !lock_near(&locks, true) && !reqs_beside {
                        missing(&mut scan, &locks, "declares dependencies");
                    }
                }
                "Pipfile" if self.has("python") => {
                    scan.manifests.insert(f.rel.clone());
                    if !lock_near(&["Pipfile.lock"], false) {
                        missing(&mut scan, &["Pipfile.lock"], "is a Pipenv manifest");
                    }
                }
                "Cargo.toml" if self.has("rust") => {
                    scan.manifests.insert(f.rel.clone());
                    let Some(doc) = self.toml(f, &mut scan) else {
                        continue;
                    };
                    let workspace = doc.get("workspace").is_some();
                    let binary = doc.get("bin").is_some()
                        || present.contains(rel_join(dir, "src/main.rs").as_str())
                        || files
                            .files
                            .iter()
                            .any(|g| g.rel.starts_with(&rel_join(dir, "src/bin/")));
                    if (workspace || binary) && !lock_near(&["Cargo.lock"], true) {
                        missing(
                            &mut scan,
                            &["Cargo.lock"],
                            if workspace {
                                "is a workspace"
                            } else {
                                "builds a binary"
                            },
                        );
                    }
                }
                "go.mod" if self.has("go") => {
                    scan.manifests.insert(f.rel.clone());
                    let text = f.read_text(4 << 20).unwrap_or_default();
                    let requires = text.lines().any(|l| l.trim_start().starts_with("require"));
                    if requires && !lock_near(&["go.sum"], false) {
                        missing(&mut scan, &["go.sum"], "requires modules");
                    }
                }
                _ => {}
            }
        }

        if scan.manifests.is_empty() {
            return Outcome::skipped(format!(
                "no dependency manifests found ({})",
                self.ecosystems.join(", ")
            ));
        }
        let shown = {
            let m: Vec<&str> = scan.manifests.iter().map(String::as_str).collect();
            if m.len() > 4 {
                format!("{}, … ({} manifests)", m[..4].join(", "), m.len())
            } else {
                m.join(", ")
            }
        };
        let fails = scan
            .findings
            .iter()
            .filter(|f| f.severity == Status::Fail)
            .count();
        let unpinned = scan
            .findings
            .iter()
            .filter(|f| f.code == "deps-unpinned")
            .count();
        let nolock = scan
            .findings
            .iter()
            .filter(|f| f.code == "deps-lockfile-missing")
            .count();
        let expected = "every requirement pinned with ==; lockfiles beside manifests";
        if fails > 0 {
            let first = scan.findings.iter().find_map(|f| f.location.clone());
            let mut o = Outcome::from_findings(
                {
                    let mut parts = Vec::new();
                    if unpinned > 0 {
                        parts.push(format!(
                            "{unpinned} unpinned requirement{}",
                            plural(unpinned)
                        ));
                    }
                    if nolock > 0 {
                        parts.push(format!("{nolock} missing lockfile{}", plural(nolock)));
                    }
                    let other = fails - unpinned - nolock;
                    if other > 0 {
                        parts.push(format!("{other} other problem{}", plural(other)));
                    }
                    format!("{} ({shown})", parts.join(", "))
                },
                scan.findings,
            )
            .observed(format!("{unpinned} unpinned, {nolock} lockfiles missing"))
            .expected(expected);
            o.evidence.location = first;
            return o;
        }
        if !scan.problems.is_empty() {
            return Outcome::error(format!("cannot tell: {}", scan.problems.join("; ")))
                .with_findings(scan.findings);
        }
        Outcome::pass(format!(
            "{} requirements pinned, lockfiles present ({shown})",
            scan.requirements_checked
        ))
        .observed(format!(
            "{} requirements, {} manifests",
            scan.requirements_checked,
            scan.manifests.len()
        ))
        .expected(expected)
    }

    fn toml(&self, f: &gonogo_repo::RepoFile, scan: &mut Scan) -> Option<toml::Table> {
        let text = match f.read_text(4 << 20) {
            Ok(t) => t,
            Err(e) => {
                scan.problems.push(format!("{}: {e}", f.rel));
                return None;
            }
        };
        match text.parse::<toml::Table>() {
            Ok(t) => Some(t),
            Err(e) => {
                let line = e
                    .span()
                    .map_or(1, |s| gonogo_parsers::line_of(text.as_bytes(), s.start));
                scan.findings.push(
                    Finding::warn(
                        "deps-manifest-malformed",
                        format!("{}:{line}: {}", f.rel, e.message()),
                    )
                    .at(Location::at(f.rel.clone(), line)),
                );
                scan.problems
                    .push(format!("{}:{line}: not valid TOML", f.rel));
                None
            }
        }
    }

    fn python(
        &self,
        ctx: &CheckContext,
        requirements: &[String],
        present: &HashSet<&str>,
        scan: &mut Scan,
    ) {
        // Requirement files found by name, plus those reached by `-r`; constraints collected
        // first so that a name pinned there counts everywhere.
        let mut queue: Vec<String> = requirements.to_vec();
        let mut seen: HashSet<String> = HashSet::new();
        let mut constrained: HashSet<String> = HashSet::new();
        let mut parsed: Vec<(String, Vec<(usize, ReqLine)>)> = Vec::new();
        let mut constraint_files: HashSet<String> = HashSet::new();
        while let Some(rel) = queue.pop() {
            if !seen.insert(rel.clone()) {
                continue;
            }
            let text =
                match resolve_in_repo(&ctx.repo, &rel).and_then(|full| read_text(&full, 4 << 20)) {
                    Ok(t) => t,
                    Err(e) => {
                        scan.problems.push(format!("{rel}: {e}"));
                        continue;
                    }
                };
            scan.manifests.insert(rel.clone());
            let lines: Vec<(usize, ReqLine)> = logical_lines(&text)
                .into_iter()
                .map(|(n, l)| (n, parse_req_line(&l)))
                .collect();
            for (n, l) in &lines {
                if let ReqLine::Include(path, constraint) = l {
                    let target = normalise_rel(&rel_join(parent_dir(&rel), path));
                    match target {
                        Some(t) if present.contains(t.as_str()) || ctx.repo.join(&t).is_file() => {
                            if *constraint {
                                constraint_files.insert(t.clone());
                            }
                            queue.push(t);
                        }
                        _ => scan.findings.push(
                            Finding::fail(
                                "deps-include-missing",
                                format!("includes {path}, which does not exist"),
                            )
                            .at(Location::at(rel.clone(), *n))
                            .fix("fix the path or add the file"),
                        ),
                    }
                }
            }
            parsed.push((rel, lines));
        }
        for (rel, lines) in &parsed {
            if constraint_files.contains(rel) {
                for (_, l) in lines {
                    if let ReqLine::Requirement(name, true) = l {
                        constrained.insert(name.clone());
                    }
                }
            }
        }
        parsed.sort_by(|a, b| a.0.cmp(&b.0));
        for (rel, lines) in &parsed {
            let is_constraints = constraint_files.contains(rel);
            for (n, l) in lines {
                if let ReqLine::Requirement(name, pinned) = l {
                    scan.requirements_checked += 1;
                    if !pinned && !constrained.contains(name) && !is_constraints {
                        scan.findings.push(
                            Finding::fail("deps-unpinned", format!("{name} is not pinned to one version"))
                                .at(Location::at(rel.clone(), *n))
                                .fix(format!("pin it: {name}==<version> (pip freeze or pip-compile gives the versions)")),
                        );
                    }
                }
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let this = self.clone();
        let ctx = ctx.clone();
        crate::util::blocking(move || this.evaluate(&ctx)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{codes, locations, recognise, repo, run};

    #[tokio::test]
    async fn requirements_lines_are_judged_one_by_one() {
        let reqs = "# Core\nfastapi==0.115.6\nuvicorn[standard]==0.34.0 ; python_version >= \"3.9\"\nredis>=5.0\nboto3\n  # indented comment\nrequests==2.32.3 \\\n    --hash=sha256:abc\nstructlog~=24.4\nnumpy==1.*\n-e .\n--index-url https://pypi.org/simple\nlib @ git+https://github.com/acme/lib@0123456789abcdef0123456789abcdef01234567\nother @ git+https://github.com/acme/other@main\n-r base.txt\n";
        let dir = repo(&[
            ("backend/requirements.txt", reqs),
            ("backend/base.txt", "attrs\n"),
        ]);
        let o = run(&DepsPinned, &[], dir.path()).await;
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(codes(&o), ["deps-unpinned"; 6]);
        assert_eq!(
            locations(&o),
            [
                "backend/base.txt:1",
                "backend/requirements.txt:4",
                "backend/requirements.txt:5",
                "backend/requirements.txt:9",
                "backend/requirements.txt:10",
                "backend/requirements.txt:14"
            ]
        );
    }

    #[tokio::test]
    async fn pinned_requirements_and_constraints_pass() {
        let dir = repo(&[
            (
                "requirements.txt",
                "-c constraints.txt\nfastapi\nuvicorn==0.34.0\n",
            ),
            ("constraints.txt", "fastapi==0.115.6\n"),
            ("requirements-dev.txt", "pytest==8.3.4\n"),
        ]);
        let o = run(&DepsPinned, &[], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let dir = repo(&[("requirements.txt", "-r missing.txt\n")]);
        assert_eq!(
            codes(&run(&DepsPinned, &[], dir.path()).await),
            ["deps-include-missing"]
        );
    }

    #[tokio::test]
    async fn lockfiles_beside_manifests() {
        let pkg = r#"{"name": "web", "dependencies": {"next": "15.1.3"}}"#;
        let dir = repo(&[
            ("frontend/package.json", pkg),
            ("tools/package.json", r#"{"name": "scripts"}"#),
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\ndependencies = [\"fastapi>=0.115\"]\n",
            ),
            ("cli/Cargo.toml", "[package]\nname = \"cli\"\n"),
            ("cli/src/main.rs", "fn main() {}\n"),
            ("lib/Cargo.toml", "[package]\nname = \"lib\"\n"),
            ("lib/src/lib.rs", "\n"),
        ]);
        let o = run(&DepsPinned, &[], dir.path()).await;
        assert_eq!(codes(&o), ["deps-lockfile-missing"; 3]);
        assert_eq!(
            locations(&o),
            ["cli/Cargo.toml", "frontend/package.json", "pyproject.toml"]
        );
        let o = run(&DepsPinned, &[("ecosystems", "python")], dir.path()).await;
        assert_eq!(locations(&o), ["pyproject.toml"]);

        let dir = repo(&[
            (
                "package.json",
                r#"{"workspaces": ["web"], "devDependencies": {"turbo": "2.0.0"}}"#,
            ),
            ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
            ("web/package.json", pkg),
            (
                "pyproject.toml",
                "[tool.poetry.dependencies]\npython = \"^3.12\"\nfastapi = \"*\"\n",
            ),
            ("poetry.lock", "# lock\n"),
        ]);
        assert_eq!(run(&DepsPinned, &[], dir.path()).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn malformed_manifests_and_nothing_to_check() {
        let dir = repo(&[("package.json", "{\n  \"dependencies\": {\n}")]);
        let o = run(&DepsPinned, &[], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert_eq!(codes(&o), ["deps-manifest-malformed"]);
        assert_eq!(locations(&o), ["package.json:3"]);
        let dir = repo(&[("Cargo.toml", "[package\nname = 1\n")]);
        let o = run(&DepsPinned, &[], dir.path()).await;
        assert_eq!(locations(&o), ["Cargo.toml:1"]);
        let dir = repo(&[("README.md", "x")]);
        assert_eq!(
            run(&DepsPinned, &[], dir.path()).await.status,
            Status::Skipped
        );
    }

    #[test]
    fn requirement_lines() {
        assert_eq!(
            parse_req_line("Django==5.1.4"),
            ReqLine::Requirement("django".into(), true)
        );
        assert_eq!(
            parse_req_line("django >=4, <5"),
            ReqLine::Requirement("django".into(), false)
        );
        assert_eq!(
            parse_req_line("zope.interface===7.2"),
            ReqLine::Requirement("zope.interface".into(), true)
        );
        assert_eq!(
            parse_req_line("typing_extensions==4.12.2; python_version<'3.11'"),
            ReqLine::Requirement("typing-extensions".into(), true)
        );
        assert_eq!(
            parse_req_line("-r base.txt"),
            ReqLine::Include("base.txt".into(), false)
        );
        assert_eq!(
            parse_req_line("--constraint=c.txt"),
            ReqLine::Include("c.txt".into(), true)
        );
        assert_eq!(parse_req_line("-e ./pkg"), ReqLine::Other);
        assert_eq!(
            recognise(
                &DepsPinned,
                "All Python dependencies pinned (`requirements.txt`)"
            )
            .unwrap()
            .str("ecosystems"),
            Some("python")
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_requirements_never_panic(text in "(?s).{0,300}") {
            for (_, line) in logical_lines(&text) {
                let _ = parse_req_line(&line);
            }
            let _ = normalise_rel(&text);
        }
    }
}
