//! `docs.fresh`: a document (README, runbook) was changed in git within N days or N commits of
//! the code it describes.

use crate::util::{blocking, check_relative};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::git::{self, GitError};
use gonogo_repo::history;

pub struct DocsFresh;

const RELEASE_NOTES_FILES: &str = "CHANGELOG.md,RELEASE_NOTES.md,RELEASES.md,CHANGES.md,HISTORY.md,docs/CHANGELOG.md,docs/release-notes.md";
const ARCHITECTURE_FILES: &str = "ARCHITECTURE.md,docs/ARCHITECTURE.md,docs/architecture.md,docs/architecture/README.md,docs/architecture/index.md";

/// Words that say a document keeps up with the code.
const FRESH: &[&str] = &[
    "up to date",
    "updated",
    "current",
    "fresh",
    "changed with the code",
    "kept in sync",
    "in sync",
    "reflect*",
    "not stale",
    "refreshed",
];
/// What a merged pull request or a pinned dependency file says is not about a document.
const NOT_DOCS: &[&str] = &[
    "pr",
    "pull request",
    "merged",
    "dependenc*",
    "pinned",
    "lock*",
    "schema",
    "applied",
];

/// What the kind verifies, document by document, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: FRESH,
        excludes: NOT_DOCS,
        slots: &[Slot::required("path", Value::Read(document))],
        weight: 85,
        prefer_over: &["files.exists"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &["release notes", "changelog", "change log"],
        qualifiers: &[&[
            "prepar*",
            "written",
            "ready",
            "drafted",
            "updated",
            "up to date",
            "current",
        ]],
        // Sending them to customers is communication, not a file in the repository.
        excludes: &[
            "published",
            "sent",
            "customer*",
            "reviewed",
            "approved",
            "pr",
            "merged",
        ],
        params: &[
            ("path", RELEASE_NOTES_FILES),
            ("max_days", "14"),
            ("max_commits", "10"),
        ],
        weight: 75,
        prefer_over: &["files.exists"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "architecture diagram*",
            "architecture doc*",
            "architecture documentation",
            "architecture overview",
        ],
        qualifiers: &[FRESH],
        excludes: &["reviewed", "approved", "threat model*"],
        params: &[("path", ARCHITECTURE_FILES)],
        weight: 75,
        prefer_over: &["files.exists"],
        ..Claim::EMPTY
    },
];

/// The document the item names: a file of prose (`README.md`, `docs/RUNBOOK.rst`).
fn document(text: &Text<'_>) -> Option<String> {
    let path = Value::Path.read(text)?;
    let prose = [".md", ".markdown", ".rst", ".adoc", ".txt"];
    prose
        .iter()
        .any(|e| path.to_ascii_lowercase().ends_with(e))
        .then_some(path)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A document (README, runbook) changed in git within N days or N commits of the code it describes.",
    description: "Reads the first-parent history of `HEAD` with gix (up to 20,000 commits). A commit \
changes the document when the document's blob differs from the parent's; it changes the code \
when any path of `code=` differs (default: every top-level entry except Markdown files, `docs/`, \
`doc/`, `.github/`, licences and changelogs). The document is stale when the code changed after \
the document's last change by more than `max_days` days AND by more than `max_commits` \
code-changing commits; either allowance keeps it fresh. Fails when stale, when the document is \
missing from the work tree (`docs-missing`) or was never committed (`docs-not-committed`). Skips \
when the repository folder is not itself the root of a git repository (an enclosing repository \
is never read). `error` when the history cannot be read. `path` may list alternatives \
(`CHANGELOG.md,RELEASE_NOTES.md`): the first that exists is judged. \"Release notes prepared\" \
binds the usual changelog names with a tight allowance (14 days, 10 commits): notes written for \
an earlier release do not count; \"Architecture diagrams updated\" binds the usual names of the \
architecture document.",
    params: &[
        ParamDoc::required(
            "path",
            "The document, relative to the repository root (README.md); comma-separated alternatives: the first that exists is judged.",
        ),
        ParamDoc::optional(
            "code",
            "Comma list of paths (files or folders) the document describes; default: everything but docs.",
        ),
        ParamDoc::with_default(
            "max_days",
            "Days the code may run ahead of the document.",
            "30",
        ),
        ParamDoc::with_default(
            "max_commits",
            "Code-changing commits the document may lag behind.",
            "20",
        ),
    ],
    examples: &[
        "docs.fresh path=README.md",
        "docs.fresh path=OPERATIONS_RUNBOOK.md code=deploy,docker-compose.yml max_days=14",
    ],
    claims: CLAIMS,
    phrases: &[
        "README.md up to date",
        "Deployment runbook updated (OPERATIONS_RUNBOOK.md)",
        "CHANGELOG.md updated",
        "Release notes prepared",
        "Architecture diagrams updated",
    ],
    not_phrases: &[
        "**PR #15** merged (STATUS.md complete)",
        "Privacy policy updated",
        "Deployment documentation updated",
        "Database schema documented",
    ],
    findings: &[
        (
            "docs-stale",
            "The code changed well after the document last did (beyond both the day and the commit allowance).",
        ),
        (
            "docs-missing",
            "The document does not exist in the work tree.",
        ),
        (
            "docs-not-committed",
            "The document exists but no commit contains it.",
        ),
    ],
};

impl CheckKind for DocsFresh {
    fn id(&self) -> &'static str {
        "docs.fresh"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        params.required("path")?;
        let paths: Vec<String> = params
            .list("path")
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.trim_start_matches("./").to_string())
            .collect();
        for p in &paths {
            check_relative("path", p)?;
        }
        if paths.is_empty() {
            return Err(ParamError::new("path", "is empty"));
        }
        Ok(Box::new(Prepared {
            path: paths[0].clone(),
            alternatives: paths,
            code: params.list("code"),
            max_days: params.value::<u64>("max_days")? as i64,
            max_commits: params.value::<u64>("max_commits")? as usize,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    /// The document judged: the first of `alternatives` that exists (set at run time).
    path: String,
    alternatives: Vec<String>,
    code: Option<Vec<String>>,
    max_days: i64,
    max_commits: usize,
}

const MAX_COMMITS_READ: usize = 20_000;

fn is_doc_top(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.ends_with(".md")
        || matches!(l.as_str(), "docs" | "doc" | ".github")
        || l.starts_with("license")
        || l.starts_with("changelog")
}

fn day(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_else(|_| secs.to_string())
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let root = ctx.repo.clone();
        let mut this = self.clone();
        blocking(move || {
            match this.alternatives.iter().find(|p| root.join(p).is_file()) {
                Some(p) => this.path = p.clone(),
                None => {
                    let names = this.alternatives.join(", ");
                    let what = if this.alternatives.len() == 1 {
                        format!("{names} does not exist")
                    } else {
                        format!("none of {names} exists")
                    };
                    return Outcome::from_findings(
                        format!("{} not found", this.alternatives.join(" / ")),
                        vec![
                            Finding::fail("docs-missing", what)
                                .at(Location::file(&this.path))
                                .fix(format!("write {}", this.path)),
                        ],
                    );
                }
            }
            let repo = match git::open(&root) {
                Ok(r) => r,
                Err(GitError::NotARepository(why)) => return Outcome::skipped(why),
                Err(GitError::Unreadable(why)) => return Outcome::error(why),
            };
            match this.judge(&repo) {
                Ok(o) => o,
                Err(GitError::NotARepository(why)) => Outcome::skipped(why),
                Err(GitError::Unreadable(why)) => Outcome::error(why),
            }
        })
        .await
    }
}

impl Prepared {
    /// The fingerprint of the code paths in `tree`.
    fn code_key(
        &self,
        repo: &gix::Repository,
        tree: gix::ObjectId,
    ) -> Result<Vec<Option<gix::ObjectId>>, GitError> {
        match &self.code {
            Some(paths) => paths
                .iter()
                .map(|p| history::entry_at(repo, tree, p.trim_matches('/')))
                .collect(),
            None => Ok(history::top_level(repo, tree)?
                .into_iter()
                .filter(|(n, _)| !is_doc_top(n))
                .map(|(_, id)| Some(id))
                .collect()),
        }
    }

    fn judge(&self, repo: &gix::Repository) -> Result<Outcome, GitError> {
        let history = history::first_parent_history(repo, MAX_COMMITS_READ)?;
        let mut doc_ids = Vec::with_capacity(history.len());
        let mut code_keys = Vec::with_capacity(history.len());
        for c in &history {
            doc_ids.push(history::entry_at(repo, c.tree, &self.path)?);
            code_keys.push(self.code_key(repo, c.tree)?);
        }
        let n = history.len();
        // commit i changed X when X differs from commit i+1 (its parent); the oldest read commit
        // changed whatever it contains.
        let doc_changed =
            |i: usize| doc_ids[i].is_some() && (i + 1 == n || doc_ids[i] != doc_ids[i + 1]);
        let code_changed = |i: usize| i + 1 == n || code_keys[i] != code_keys[i + 1];
        let Some(last_doc) = (0..n).find(|&i| doc_changed(i)) else {
            return Ok(Outcome::from_findings(
                format!("{} is not in any commit", self.path),
                vec![
                    Finding::fail(
                        "docs-not-committed",
                        format!("{} exists but was never committed", self.path),
                    )
                    .at(Location::file(&self.path))
                    .fix(format!("commit {}", self.path)),
                ],
            ));
        };
        let code_commits_since = (0..last_doc).filter(|&i| code_changed(i)).count();
        let latest_code = (0..last_doc).find(|&i| code_changed(i));
        let doc_c = &history[last_doc];
        let short = |id: &gix::ObjectId| id.to_hex_with_len(7).to_string();
        let Some(lc) = latest_code else {
            return Ok(Outcome::pass(format!(
                "{} last changed {} ({}); no code change since",
                self.path,
                day(doc_c.time),
                short(&doc_c.id)
            ))
            .at(Location::file(&self.path))
            .observed("0 code commits since")
            .expected(format!(
                "≤ {} commits or ≤ {} days",
                self.max_commits, self.max_days
            )));
        };
        let code_c = &history[lc];
        let days = (code_c.time - doc_c.time).max(0) / 86_400;
        let summary = format!(
            "{} last changed {} ({}); code changed in {code_commits_since} commit(s) since, latest {} ({}), {days} day(s) later",
            self.path,
            day(doc_c.time),
            short(&doc_c.id),
            day(code_c.time),
            short(&code_c.id)
        );
        let stale = days > self.max_days && code_commits_since > self.max_commits;
        let o = if stale {
            Outcome::from_findings(
                summary,
                vec![
                    Finding::fail(
                        "docs-stale",
                        format!(
                            "{} lags the code by {days} day(s) and {code_commits_since} commit(s)",
                            self.path
                        ),
                    )
                    .at(Location::file(&self.path))
                    .fix(format!(
                        "review {} against the changes since {} and commit the update",
                        self.path,
                        short(&doc_c.id)
                    )),
                ],
            )
        } else {
            Outcome::pass(summary)
        };
        Ok(o.at(Location::file(&self.path))
            .observed(format!(
                "{days} day(s), {code_commits_since} commit(s) behind"
            ))
            .expected(format!(
                "≤ {} days or ≤ {} commits",
                self.max_days, self.max_commits
            )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::dated_git::{commit, init};
    use crate::util::testing::{at, check_in as run_in, found as codes};
    use gonogo_core::Status;

    #[test]
    fn fresh_readme_passes_and_stale_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        init(d);
        commit(
            d,
            0,
            &[("README.md", "# app\n"), ("src/main.py", "v0\n")],
            "init",
        );
        for i in 1..=5 {
            commit(d, i, &[("src/main.py", &format!("v{i}\n"))], "code");
        }
        let o = run_in(&DocsFresh, d, &[("path", "README.md")]);
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        assert!(
            o.evidence
                .summary
                .contains("code changed in 5 commit(s) since"),
            "{}",
            o.evidence.summary
        );
        let o = run_in(
            &DocsFresh,
            d,
            &[
                ("path", "README.md"),
                ("max_days", "2"),
                ("max_commits", "3"),
            ],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), at(&[("docs-stale", "README.md")]));
        // Docs-only commits do not count as code; a README change makes it fresh again.
        commit(d, 40, &[("docs/guide.md", "x\n")], "docs");
        commit(d, 41, &[("README.md", "# app v2\n")], "readme");
        let o = run_in(
            &DocsFresh,
            d,
            &[
                ("path", "README.md"),
                ("max_days", "2"),
                ("max_commits", "3"),
            ],
        );
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        // `code=` narrows what the document describes.
        commit(d, 90, &[("deploy/k8s.yaml", "a: 1\n")], "deploy");
        let o = run_in(
            &DocsFresh,
            d,
            &[
                ("path", "README.md"),
                ("code", "src"),
                ("max_days", "2"),
                ("max_commits", "0"),
            ],
        );
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        let o = run_in(
            &DocsFresh,
            d,
            &[
                ("path", "README.md"),
                ("code", "deploy"),
                ("max_days", "2"),
                ("max_commits", "0"),
            ],
        );
        assert_eq!(o.status, Status::Fail, "{}", o.evidence.summary);
    }

    #[test]
    fn release_notes_are_the_first_changelog_found_and_must_be_recent() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        init(d);
        commit(d, 0, &[("src/main.py", "v0\n")], "init");
        let r = crate::util::testing::recognise(&DocsFresh, "Release notes prepared").unwrap();
        let kv: Vec<(&str, &str)> = r.iter().collect();
        let o = run_in(&DocsFresh, d, &kv);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.evidence.findings[0]
                .message
                .starts_with("none of CHANGELOG.md, RELEASE_NOTES.md"),
            "{}",
            o.evidence.findings[0].message
        );
        commit(d, 1, &[("RELEASE_NOTES.md", "# 1.0\n")], "notes");
        let o = run_in(&DocsFresh, d, &kv);
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        assert!(
            o.evidence.summary.contains("RELEASE_NOTES.md"),
            "{}",
            o.evidence.summary
        );
        // Notes of an earlier release: the code moved on for weeks and many commits.
        for i in 2..=13 {
            commit(d, i * 3, &[("src/main.py", &format!("v{i}\n"))], "code");
        }
        let o = run_in(&DocsFresh, d, &kv);
        assert_eq!(codes(&o), at(&[("docs-stale", "RELEASE_NOTES.md")]));
    }

    #[test]
    fn missing_uncommitted_and_not_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        init(d);
        commit(d, 0, &[("src/a.py", "x\n")], "init");
        let o = run_in(&DocsFresh, d, &[("path", "README.md")]);
        assert_eq!(codes(&o), at(&[("docs-missing", "README.md")]));
        std::fs::write(d.join("README.md"), "new\n").unwrap();
        let o = run_in(&DocsFresh, d, &[("path", "README.md")]);
        assert_eq!(codes(&o), at(&[("docs-not-committed", "README.md")]));
        // A sub-folder of a repository is not a repository root: skipped, the parent is not read.
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/README.md"), "x\n").unwrap();
        let o = run_in(&DocsFresh, &d.join("sub"), &[("path", "README.md")]);
        assert_eq!(o.status, Status::Skipped);
        assert!(
            o.evidence
                .summary
                .contains("is not the root of a git repository"),
            "{}",
            o.evidence.summary
        );
    }

    #[test]
    fn recognises_the_file_it_names() {
        let r = crate::util::testing::recognise(
            &DocsFresh,
            "Deployment runbook updated (OPERATIONS_RUNBOOK.md)",
        )
        .unwrap();
        assert_eq!(r.str("path"), Some("OPERATIONS_RUNBOOK.md"));
    }
}
