//! `files.exists`: a path or glob exists in the repository and is not trivially empty.

use crate::util::{check_relative, glob_set, inventory, is_glob};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::read::past_deadline;
use gonogo_repo::{ReadError, read_head, rel_path, resolve_in_repo};
use std::path::Path;

pub struct FilesExists;

/// Words saying a document must exist and be written.
const WRITTEN: &[&str] = &[
    "present",
    "exist*",
    "created",
    "written",
    "documented",
    "in place",
    "available",
    "added",
    "defined",
    "described",
];
/// Acts on a document (testing it, rehearsing it, approving it) are more than its existence;
/// items that name a file for another reason (a PR, a pin, a schema applied) are not about it.
const NOT_EXISTENCE: &[&str] = &[
    "pr",
    "pull request",
    "merged",
    "pinned",
    "applied",
    "dependenc*",
    "lock*",
    "tested",
    "rehear*",
    "drill*",
    "reviewed",
    "approved",
    "signed",
    "secured",
    "linked",
    "alert*",
    "sbom",
    "environment variabl*",
    "env var*",
    "up to date",
    "current",
    "schema",
    "loaded",
    "object*",
];

/// What the kind verifies, as the recognition engine reads items: a file the item names, or a
/// document known by what it is.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: WRITTEN,
        excludes: NOT_EXISTENCE,
        slots: &[Slot::required("path", Value::Read(named_file))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "disaster recovery plan*",
            "disaster recovery procedur*",
            "disaster recovery runbook*",
            "dr plan*",
        ],
        qualifiers: &[WRITTEN],
        excludes: NOT_EXISTENCE,
        params: &[
            (
                "path",
                "**/*disaster*recovery*,**/*disaster*recovery*/**,**/DR.md,**/DR_PLAN*,**/DR-PLAN*",
            ),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "incident response plan*",
            "incident response procedur*",
            "incident response runbook*",
            "incident response process",
        ],
        qualifiers: &[WRITTEN],
        excludes: NOT_EXISTENCE,
        params: &[
            ("path", "**/*incident*response*,**/*incident*response*/**"),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["data retention polic*", "retention polic*"],
        qualifiers: &[&["documented", "written", "defined", "described"]],
        // Retention that is configured or enforced is a property of the data stores.
        excludes: &[
            "configured",
            "enforced",
            "automat*",
            "deleted",
            "purg*",
            "implemented",
            "backup*",
            "log*",
        ],
        params: &[
            ("path", "**/*retention*,**/*retention*/**"),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["runbook*", "playbook*"],
        qualifiers: &[&[
            "created",
            "written",
            "documented",
            "exist*",
            "in place",
            "available",
        ]],
        excludes: NOT_EXISTENCE,
        params: &[
            ("path", "**/*runbook*,**/runbooks/**"),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "deployment guid*",
            "deployment documentation",
            "deployment doc*",
            "deploy guid*",
            "deployment instruction*",
        ],
        qualifiers: &[&[
            "written",
            "documented",
            "created",
            "in place",
            "available",
            "exist*",
        ]],
        excludes: &["pr", "merged", "tested", "reviewed", "approved", "followed"],
        params: &[
            (
                "path",
                "**/*deploy*.md,**/*deploy*.rst,**/*deploy*.adoc,**/deploy*/**",
            ),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        // A schema reference document or an entity-relationship diagram.
        subject: &[
            "database schema",
            "db schema",
            "data model",
            "entity relationship diagram*",
            "erd",
        ],
        qualifiers: &[&["documented", "described", "diagrammed"]],
        excludes: &["applied", "migrat*", "reviewed", "approved", "validated"],
        params: &[
            (
                "path",
                "**/*schema*.md,**/*schema*.rst,**/*schema*.adoc,**/*database*.md,**/*erd*.md,**/*erd*.png,**/*erd*.svg,**/*.dbml,**/schema*/**/*.md",
            ),
            ("ignore_case", "true"),
        ],
        weight: 70,
        ..Claim::EMPTY
    },
];

/// Files every forge knows by name alone, and where they may live.
const NAMED_FILES: &[(&str, &str)] = &[
    (
        "CODEOWNERS",
        "CODEOWNERS,.github/CODEOWNERS,docs/CODEOWNERS,.gitlab/CODEOWNERS",
    ),
    ("LICENSE", "LICENSE,LICENSE.md,LICENSE.txt,COPYING"),
];

/// The file the item names: a path with an extension, or a forge's well-known file.
fn named_file(text: &Text<'_>) -> Option<String> {
    if let Some(path) = Value::Path.read(text) {
        return Some(path);
    }
    NAMED_FILES
        .iter()
        .find(|(name, _)| {
            text.plain
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == *name)
        })
        .map(|(_, globs)| globs.to_string())
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A file (or a glob) exists in the repository and is not trivially empty.",
    description: "Looks for `path` in the repository. `path` is a repository-relative path, a \
        glob (`docs/*.md`: `*` stays within a directory, `**` crosses directories), or a \
        comma-separated list of alternatives, any one of which satisfies the check. A plain \
        path is looked up directly (even when gitignored); a glob is matched against the \
        working tree as git sees it (`.gitignore` honoured), so required documents must be \
        part of the repository. A directory counts when it holds a file that counts. A file \
        counts when it has at least `min_bytes` bytes and some non-whitespace content. \
        Passes when one alternative has a file that counts; fails with `files-missing` when \
        nothing matches, and with `files-empty` when every match is empty or nearly so. Errors \
        when a matched file cannot be read. Auto-binding reads a file name from the item's \
        text (\"Deployment runbook updated (OPERATIONS_RUNBOOK.md)\") and knows the usual \
        names of a few documents (disaster recovery plan, incident response plan, runbooks, \
        deployment guide, data retention policy, database schema reference or ER diagram), matched case-insensitively; it only says the document exists, not \
        that it is current.",
    params: &[
        ParamDoc::required(
            "path",
            "Path or glob relative to the repository root (`docs/*.md`); comma-separated \
             alternatives pass when any one matches.",
        ),
        ParamDoc::with_default("min_bytes", "Smallest size that counts as not empty.", "16"),
        ParamDoc::with_default(
            "ignore_case",
            "Match globs case-insensitively (`**/*runbook*` finds `RUNBOOK.md`).",
            "false",
        ),
    ],
    examples: &[
        "files.exists path=README.md",
        "files.exists path=docs/*.md",
        "files.exists path=\"**/*disaster*recovery*,**/DR.md\" ignore_case=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Runbook `RUNBOOK.md` exists",
        "CODEOWNERS file present",
        "Disaster recovery plan documented",
        "Incident response plan documented",
        "Runbooks created for common issues",
        "Deployment guide written",
        "Data retention policies documented",
        "Database schema documented",
    ],
    not_phrases: &[
        // A document kept up to date is `docs.fresh`.
        "Deployment runbook updated (OPERATIONS_RUNBOOK.md)",
        "README.md up to date",
        // Kept up to date, with no file named: which document, and how fresh, is a judgement.
        "Deployment documentation updated",
        "PR #15 merged (STATUS.md complete)",
        "All Python dependencies pinned (`requirements.txt`)",
        "Database schema applied (`scripts/setup-supabase.sql`)",
        "`.env.production` file created and secured",
        "Runbooks linked to alerts",
        "Environment variables documented",
        "Data retention policies configured",
        "API documentation generated",
        "Release notes prepared",
        "Privacy policy updated",
    ],
    findings: &[
        (
            "files-missing",
            "No file matches the path or any of the globs.",
        ),
        (
            "files-empty",
            "The file exists but is empty or nearly so (below `min_bytes` or whitespace only).",
        ),
    ],
};

impl CheckKind for FilesExists {
    fn id(&self) -> &'static str {
        "files.exists"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let alternatives = params.list("path").unwrap_or_default();
        if alternatives.is_empty() {
            return Err(ParamError::new("path", "is required"));
        }
        for a in &alternatives {
            check_relative("path", a)?;
        }
        let ignore_case = params.value::<bool>("ignore_case")?;
        let globs: Vec<String> = alternatives
            .iter()
            .filter(|a| is_glob(a))
            .cloned()
            .collect();
        let glob_set = if globs.is_empty() {
            None
        } else {
            Some(glob_set("path", &globs, ignore_case)?)
        };
        let min_bytes = params.value::<u64>("min_bytes")?;
        Ok(Box::new(Prepared {
            count: alternatives.len(),
            first: alternatives[0].clone(),
            shown: alternatives.join(", "),
            plain: alternatives.into_iter().filter(|a| !is_glob(a)).collect(),
            glob_set,
            min_bytes,
        }))
    }
}

struct Prepared {
    /// How many alternatives, and the first, for short summaries.
    count: usize,
    first: String,
    shown: String,
    plain: Vec<String>,
    glob_set: Option<globset::GlobSet>,
    min_bytes: u64,
}

/// What one candidate file is worth.
enum Verdict {
    Counts(u64),
    Empty(u64),
    Unreadable(String),
}

/// Whether a file has at least `min_bytes` bytes and some non-whitespace content.
fn weigh(path: &Path, min_bytes: u64) -> Verdict {
    // Whitespace-only files are empty whatever their size; a bounded read settles it.
    let head = match read_head(path, 64 * 1024) {
        Ok(h) => h,
        Err(e) => return Verdict::Unreadable(e.to_string()),
    };
    let size = match head.cut {
        false => head.bytes.len() as u64,
        true => std::fs::metadata(path).map_or(head.bytes.len() as u64, |m| m.len()),
    };
    if size < min_bytes || (!head.cut && head.bytes.iter().all(u8::is_ascii_whitespace)) {
        Verdict::Empty(size)
    } else {
        Verdict::Counts(size)
    }
}

/// The files a directory holds, for a plain path naming a directory (bounded).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .max_depth(Some(8))
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .take_while(|_| !past_deadline())
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .take(10_000)
        .map(|e| e.into_path())
        .collect()
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let mut candidates: Vec<std::path::PathBuf> = Vec::new();
        let mut unreadable = Vec::new();
        for p in &self.plain {
            match resolve_in_repo(&ctx.repo, p) {
                Ok(full) if full.is_dir() => candidates.extend(files_under(&full)),
                Ok(full) => candidates.push(full),
                Err(ReadError::Missing) => {}
                Err(e) => unreadable.push(format!("{p}: {e}")),
            }
        }
        if let Some(set) = &self.glob_set {
            let files = inventory(ctx).await;
            candidates.extend(
                files
                    .files
                    .iter()
                    .filter(|f| set.is_match(&f.rel))
                    .map(|f| f.path.clone()),
            );
        }
        if candidates.is_empty() && !unreadable.is_empty() {
            return Outcome::error(format!("cannot read {}", unreadable.join("; ")));
        }
        if candidates.is_empty() {
            let summary = if self.count > 2 {
                format!(
                    "not found: no file matches any of {} patterns ({}, …)",
                    self.count, self.first
                )
            } else {
                format!("{} not found", self.shown)
            };
            return Outcome::fail(summary)
                .expected(format!("{} present", self.shown))
                .with_findings(vec![
                    Finding::fail("files-missing", format!("no file matches {}", self.shown))
                        .fix(format!("add {} to the repository", self.shown)),
                ]);
        }
        let mut empty = Vec::new();
        for path in &candidates {
            let rel = rel_path(&ctx.repo, path);
            match weigh(path, self.min_bytes) {
                Verdict::Counts(size) => {
                    let more = candidates.len() - 1;
                    let also = if more > 0 {
                        format!(
                            " (and {more} more match{})",
                            if more == 1 { "" } else { "es" }
                        )
                    } else {
                        String::new()
                    };
                    return Outcome::pass(format!("{rel} exists ({size} bytes){also}"))
                        .observed(format!("{rel}, {size} bytes"))
                        .expected(format!(
                            "{} present, ≥ {} bytes",
                            self.shown, self.min_bytes
                        ))
                        .at(Location::file(rel));
                }
                Verdict::Empty(size) => empty.push(
                    Finding::fail(
                        "files-empty",
                        format!("{rel} is empty or nearly so ({size} bytes)"),
                    )
                    .at(Location::file(rel.clone()))
                    .fix(format!("write the content {rel} is meant to hold")),
                ),
                Verdict::Unreadable(e) => unreadable.push(format!("{rel}: {e}")),
            }
        }
        if !unreadable.is_empty() {
            return Outcome::error(format!("cannot read {}", unreadable.join("; ")));
        }
        let summary = if empty.len() == 1 {
            empty[0].message.clone()
        } else {
            format!(
                "all {} matches of {} are empty or nearly so",
                empty.len(),
                self.shown
            )
        };
        let first = empty[0].location.clone();
        let mut o = Outcome::from_findings(summary, empty).expected(format!(
            "{} present, ≥ {} bytes",
            self.shown, self.min_bytes
        ));
        o.evidence.location = first;
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{codes, locations, recognise, repo, run};
    use gonogo_core::Status;

    const README: &str = "# Service\n\nWhat it does and how to run it.\n";

    #[tokio::test]
    async fn plain_path_passes_when_present_and_fails_when_missing() {
        let dir = repo(&[("README.md", README)]);
        let o = run(&FilesExists, &[("path", "README.md")], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.evidence.location.unwrap().path, "README.md");

        let o = run(&FilesExists, &[("path", "RUNBOOK.md")], dir.path()).await;
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), ["files-missing"]);
    }

    #[tokio::test]
    async fn empty_and_whitespace_files_fail() {
        let dir = repo(&[("README.md", "# x\n"), ("NOTES.md", &" \n".repeat(40))]);
        let o = run(&FilesExists, &[("path", "README.md")], dir.path()).await;
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), ["files-empty"]);
        assert_eq!(locations(&o), ["README.md"]);
        let o = run(&FilesExists, &[("path", "NOTES.md")], dir.path()).await;
        assert_eq!(codes(&o), ["files-empty"]);
        let o = run(
            &FilesExists,
            &[("path", "README.md"), ("min_bytes", "1")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Pass);
    }

    #[tokio::test]
    async fn devices_fifos_and_links_out_of_the_repository_are_errors_never_a_pass() {
        let dir =
            crate::util::testing::hostile_repo(&[("docs/a.md", README)], "pipe.md", "zero.md");
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
        std::os::unix::fs::symlink("docs/a.md", dir.path().join("inside.md")).unwrap();
        let started = std::time::Instant::now();
        for (path, why) in [
            (
                "zero.md",
                "cannot read zero.md: resolves outside the repository",
            ),
            (
                "pipe.md",
                "cannot read pipe.md: is a FIFO, not a regular file",
            ),
            ("etc", "cannot read etc: resolves outside the repository"),
        ] {
            let o = run(&FilesExists, &[("path", path)], dir.path()).await;
            assert_eq!(o.status, Status::Error, "{path}: {o:?}");
            assert_eq!(o.evidence.summary, why);
        }
        // A link that stays inside the repository is followed.
        let o = run(&FilesExists, &[("path", "inside.md")], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        // A glob never sees links or FIFOs: the walk lists regular files only.
        let o = run(&FilesExists, &[("path", "*.md")], dir.path()).await;
        assert_eq!(codes(&o), ["files-missing"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[tokio::test]
    async fn globs_match_within_and_across_directories() {
        let dir = repo(&[
            ("docs/guide.md", README),
            ("docs/deep/ops/Disaster-Recovery.md", README),
            ("notes.txt", README),
        ]);
        let o = run(&FilesExists, &[("path", "docs/*.md")], dir.path()).await;
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.evidence.location.unwrap().path, "docs/guide.md");
        let o = run(&FilesExists, &[("path", "*.md")], dir.path()).await;
        assert_eq!(
            codes(&o),
            ["files-missing"],
            "`*` must not cross directories"
        );
        let o = run(
            &FilesExists,
            &[("path", "**/*disaster*recovery*")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Fail, "case-sensitive by default");
        let o = run(
            &FilesExists,
            &[
                ("path", "nope.md,**/*disaster*recovery*"),
                ("ignore_case", "true"),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.evidence.location.unwrap().path,
            "docs/deep/ops/Disaster-Recovery.md"
        );
    }

    #[tokio::test]
    async fn globs_honour_gitignore_and_directories_count_by_content() {
        let dir = repo(&[
            (".gitignore", "build/\n"),
            ("build/runbook.md", README),
            ("runbooks/db.md", README),
            ("empty/.keep", ""),
        ]);
        let o = run(&FilesExists, &[("path", "build/*.md")], dir.path()).await;
        assert_eq!(codes(&o), ["files-missing"]);
        let o = run(&FilesExists, &[("path", "runbooks")], dir.path()).await;
        assert_eq!(o.status, Status::Pass);
        let o = run(&FilesExists, &[("path", "empty")], dir.path()).await;
        assert_eq!(codes(&o), ["files-empty"]);
    }

    #[test]
    fn paths_must_stay_inside_the_repository() {
        for bad in ["/etc/passwd", "../x.md", "docs/../../x", ""] {
            assert!(
                FilesExists
                    .prepare(&Params::new().with("path", bad))
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            FilesExists
                .prepare(&Params::new().with("path", "docs/[x.md"))
                .is_err()
        );
    }

    #[test]
    fn recognition_reads_the_file_name() {
        let p = recognise(&FilesExists, "Runbook `RUNBOOK.md` exists").unwrap();
        assert_eq!(p.str("path"), Some("RUNBOOK.md"));
        let p = recognise(&FilesExists, "CODEOWNERS file present").unwrap();
        assert!(p.str("path").unwrap().contains(".github/CODEOWNERS"));
        let p = recognise(&FilesExists, "`docs/DEPLOY.md` written").unwrap();
        assert_eq!(p.str("path"), Some("docs/DEPLOY.md"));
        let p = recognise(&FilesExists, "Disaster recovery plan documented").unwrap();
        assert!(p.str("path").unwrap().contains("**/*disaster*recovery*"));
        assert_eq!(p.str("ignore_case"), Some("true"));
        assert!(
            recognise(&FilesExists, "README.md").is_none(),
            "a bare name says nothing"
        );
    }
}
