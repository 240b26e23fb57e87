//! `git.merged`: a pull request or a commit is part of a branch's history.

use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::git::{GitError, open, short};
use regex::Regex;
use std::sync::LazyLock;

pub struct GitMerged;

/// What the kind verifies, as the recognition engine reads items: a pull request or a commit
/// the item names is in a branch's history.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["pr", "pull request", "merge request", "mr"],
        qualifiers: &[&["merged", "landed", "in main", "on main", "in master"]],
        // An order between pull requests is `git.merge-order`; reviews are people's work.
        excludes: &[
            "after",
            "before",
            "order",
            "sequence",
            "review*",
            "approv*",
            "depends on",
            "open",
            "opened",
            "revert*",
        ],
        slots: &[
            Slot::required("ref", Value::Read(pull_request)),
            Slot::optional("branch", Value::Read(merged_into)),
        ],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["commit", "fix", "change", "hotfix", "cherry pick*"],
        qualifiers: &[&[
            "on",
            "in",
            "contained",
            "included",
            "reachable",
            "merged",
            "landed",
            "cherry picked",
        ]],
        excludes: &[
            "signed", "messag*", "review*", "approv*", "squash*", "revert*",
        ],
        slots: &[
            Slot::required("ref", Value::Read(commit_id)),
            Slot::optional("branch", Value::Read(branch)),
        ],
        weight: 80,
        ..Claim::EMPTY
    },
];

/// `PR #88`, `pull request #91` as `#88`; `MR !12`, `merge request 12` as `!12`.
fn pull_request(text: &Text<'_>) -> Option<String> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(pr|pull request|merge request|mr)\s*([#!]?)(\d{1,7})\b").expect("regex")
    });
    let c = RE.captures(&text.plain)?;
    let gitlab = &c[2] == "!" || c[1].to_ascii_lowercase().starts_with('m');
    Some(format!("{}{}", if gitlab { '!' } else { '#' }, &c[3]))
}

/// A commit id written in a code span: `4f2a9c1`.
fn commit_id(text: &Text<'_>) -> Option<String> {
    text.code_spans()
        .find(|s| (7..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// The branch after the commit: "is on `release/1.0`".
/// The branch a pull request must be merged into, as the item names it: "merged into
/// `main`", "merged to release/2.3". An environment ("into production") is no branch.
fn merged_into(text: &Text<'_>) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\bmerged (?:in)?to (?:the )?([A-Za-z0-9][A-Za-z0-9/._-]*)")
            .expect("valid regex")
    });
    let name = re
        .captures(&text.plain)?
        .get(1)?
        .as_str()
        .trim_end_matches(['.', ',']);
    let environment = ["production", "prod", "staging", "trunk", "the", "upstream"];
    (!environment.contains(&name.to_ascii_lowercase().as_str()) && !name.contains(".."))
        .then(|| name.to_string())
}

fn branch(text: &Text<'_>) -> Option<String> {
    let commit = commit_id(text)?;
    text.code_spans()
        .filter(|s| *s != commit)
        .find(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
                && !s.starts_with(['-', '/', '.'])
                && !s.contains("..")
        })
        .map(str::to_string)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A pull request (`#14`) or a commit is reachable from a branch.",
    description: "Walks the history of `branch` (default `HEAD`, the commit being released) \
        with gitoxide and looks for `ref`. A pull-request reference `#14` is found by the \
        subjects hosting services write when they merge: a merge commit \
        `Merge pull request #14 from …` (GitHub), a squash or rebase commit whose subject \
        holds `(#14)` (GitHub), `Merged PR 14: …` (Azure DevOps), or a message holding \
        `See merge request group/project!14` (GitLab, also `ref=!14`). Any other `ref` is a \
        revision (`a1b2c3d`, `v1.2.0`, `origin/feature`) that must be an ancestor of, or \
        equal to, the branch tip. Passes with the commit that merged it; fails with \
        `git-not-merged` when the whole history (at most `max_commits` commits) holds no \
        such commit or the revision does not exist. Skipped when the repository under \
        check is not itself a git repository (no `.git` at its root: gonogo never reads an \
        enclosing repository's history). Errors when the branch does not exist, the \
        repository cannot be read, the history is longer than `max_commits`, or a shallow \
        clone ends before the reference is found (fetch with `--unshallow`).",
    params: &[
        ParamDoc::required(
            "ref",
            "`#14` (a pull request), `!14` (a GitLab merge request) or a revision (commit, tag).",
        ),
        ParamDoc::with_default(
            "branch",
            "The branch or revision whose history must contain it.",
            "HEAD",
        ),
        ParamDoc::with_default(
            "max_commits",
            "Most commits walked before giving up with `error`.",
            "200000",
        ),
    ],
    examples: &[
        "git.merged ref=#14",
        "git.merged ref=#17 branch=main",
        "git.merged ref=a1b2c3d branch=release/1.4",
    ],
    claims: CLAIMS,
    phrases: &[
        "Commit `4f2a9c1` is on `release/1.0`",
        "**PR #14** merged (Type checking errors fixed)",
        "**PR #17** merged (CI/CD pipeline functional)",
        "**PR #16** merged (Test infrastructure in place)",
        "PR #15 merged (STATUS.md complete)",
        "Pull request #10 merged",
    ],
    not_phrases: &[
        "Review and merge all PRs",
        "All PRs merged in correct order",
        "Integration tests passing (this PR)",
        "PR #14 reviewed",
    ],
    findings: &[(
        "git-not-merged",
        "The pull request or commit is not in the branch's history.",
    )],
};

impl CheckKind for GitMerged {
    fn id(&self) -> &'static str {
        "git.merged"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let r = params.required("ref")?.trim();
        let target = match r.chars().next() {
            Some(s @ ('#' | '!')) => {
                let n = &r[1..];
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) || n.len() > 9 {
                    return Err(ParamError::new(
                        "ref",
                        format!("`{r}` is not a pull request number like #14"),
                    ));
                }
                Target::Pr {
                    sigil: s,
                    number: n.trim_start_matches('0').to_string(),
                }
            }
            Some(_) if !r.contains(char::is_whitespace) => Target::Rev(r.to_string()),
            _ => {
                return Err(ParamError::new(
                    "ref",
                    format!("`{r}` is not a pull request (#14) or a revision"),
                ));
            }
        };
        let branch = params.required("branch")?.trim().to_string();
        if branch.is_empty() || branch.contains(char::is_whitespace) {
            return Err(ParamError::new("branch", "must name a branch or revision"));
        }
        let max_commits = params.value::<u64>("max_commits")?.max(1) as usize;
        Ok(Box::new(Prepared {
            target,
            branch,
            max_commits,
        }))
    }
}

#[derive(Clone)]
enum Target {
    Pr { sigil: char, number: String },
    Rev(String),
}

impl Target {
    fn shown(&self) -> String {
        match self {
            Target::Pr { sigil, number } => format!(
                "{}{sigil}{number}",
                if *sigil == '!' { "MR " } else { "PR " }
            ),
            Target::Rev(r) => r.clone(),
        }
    }
}

#[derive(Clone)]
struct Prepared {
    target: Target,
    branch: String,
    max_commits: usize,
}

/// Whether a commit message records the merge of pull request `number`.
fn merges_pr(message: &str, sigil: char, number: &str) -> bool {
    let subject = message.lines().next().unwrap_or("").trim();
    let is_num_end = |rest: &str| !rest.starts_with(|c: char| c.is_ascii_digit());
    if sigil == '#' {
        if let Some(rest) = subject
            .strip_prefix("Merge pull request #")
            .and_then(|r| r.strip_prefix(number))
            && is_num_end(rest)
        {
            return true;
        }
        if let Some(rest) = subject
            .strip_prefix("Merged PR ")
            .and_then(|r| r.strip_prefix(number))
            && rest.starts_with(':')
        {
            return true;
        }
        let needle = format!("(#{number})");
        return subject.contains(&needle);
    }
    // GitLab: "See merge request group/project!14" in the body.
    message.lines().any(|l| {
        l.trim()
            .strip_prefix("See merge request ")
            .and_then(|r| r.rsplit_once('!'))
            .is_some_and(|(_, n)| n.trim() == number)
    })
}

impl Prepared {
    fn evaluate(&self, ctx: &CheckContext) -> Outcome {
        let repo = match open(&ctx.repo) {
            Ok(r) => r,
            Err(GitError::NotARepository(why)) => return Outcome::skipped(why),
            Err(GitError::Unreadable(why)) => return Outcome::error(why),
        };
        let tip = match repo.rev_parse_single(self.branch.as_str()) {
            Ok(id) => id.detach(),
            Err(e) => return Outcome::error(format!("branch `{}` not found: {e}", self.branch)),
        };
        let wanted = match &self.target {
            Target::Rev(r) => match repo.rev_parse_single(r.as_str()).map(|id| id.detach()) {
                Ok(id) => match repo
                    .find_object(id)
                    .ok()
                    .and_then(|o| o.peel_to_commit().ok())
                {
                    Some(c) => Some(c.id),
                    None => {
                        return Outcome::error(format!("`{r}` does not name a commit"));
                    }
                },
                Err(_) => {
                    return Outcome::fail(format!(
                        "{r} is not in this repository, so not merged into {}",
                        self.branch
                    ))
                    .expected(format!("{r} reachable from {}", self.branch))
                    .with_findings(vec![
                        Finding::fail(
                            "git-not-merged",
                            format!("no commit, branch or tag named `{r}` exists here"),
                        )
                        .fix(format!("merge {r} into {} (or fetch it)", self.branch)),
                    ]);
                }
            },
            Target::Pr { .. } => None,
        };
        let walk = match repo.rev_walk([tip]).all() {
            Ok(w) => w,
            Err(e) => {
                return Outcome::error(format!("cannot walk the history of {}: {e}", self.branch));
            }
        };
        let mut seen = 0usize;
        for info in walk {
            let info = match info {
                Ok(i) => i,
                Err(e) => {
                    let shallow = repo.is_shallow().unwrap_or(false);
                    return Outcome::error(if shallow {
                        format!(
                            "the clone is shallow and its history ends before {} was found: fetch with --unshallow ({e})",
                            self.target.shown()
                        )
                    } else {
                        format!("cannot read the history of {}: {e}", self.branch)
                    });
                }
            };
            seen += 1;
            if seen > self.max_commits {
                return Outcome::error(format!(
                    "{} not found in the last {} commits of {}; raise max_commits to look further",
                    self.target.shown(),
                    self.max_commits,
                    self.branch
                ));
            }
            let hit = match (&self.target, wanted) {
                (Target::Rev(_), Some(w)) => info.id == w,
                (Target::Pr { sigil, number }, _) => match info.object() {
                    Ok(commit) => {
                        let msg = commit.message_raw_sloppy().to_string();
                        merges_pr(&msg, *sigil, number)
                    }
                    Err(e) => {
                        return Outcome::error(format!(
                            "cannot read commit {}: {e}",
                            short(&info.id)
                        ));
                    }
                },
                _ => false,
            };
            if hit {
                let subject = info
                    .object()
                    .ok()
                    .map(|c| c.message_raw_sloppy().to_string())
                    .and_then(|m| m.lines().next().map(str::to_string))
                    .unwrap_or_default();
                let subject: String = subject.chars().take(100).collect();
                return Outcome::pass(format!(
                    "{} is in {}: {} \"{subject}\"",
                    self.target.shown(),
                    self.branch,
                    short(&info.id)
                ))
                .observed(format!("merged in {}", short(&info.id)))
                .expected(format!(
                    "{} reachable from {}",
                    self.target.shown(),
                    self.branch
                ));
            }
        }
        if repo.is_shallow().unwrap_or(false) {
            return Outcome::error(format!(
                "{} not found, but the clone is shallow: fetch with --unshallow and check again",
                self.target.shown()
            ));
        }
        let how = match &self.target {
            Target::Pr { sigil: '#', number } => format!(
                "no commit among {seen} is a merge of #{number} (\"Merge pull request #{number}\" or a subject with \"(#{number})\")"
            ),
            Target::Pr { number, .. } => {
                format!("no commit among {seen} says \"See merge request …!{number}\"")
            }
            Target::Rev(r) => format!("{r} is not an ancestor of {}", self.branch),
        };
        Outcome::fail(format!(
            "{} is not merged into {}",
            self.target.shown(),
            self.branch
        ))
        .observed(format!("{seen} commits searched"))
        .expected(format!(
            "{} reachable from {}",
            self.target.shown(),
            self.branch
        ))
        .with_findings(vec![Finding::fail("git-not-merged", how).fix(format!(
            "merge {} into {}",
            self.target.shown(),
            self.branch
        ))])
    }
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
    use crate::git::tests::GitFixture;
    use crate::util::testing::{codes, recognise, repo, run};
    use gonogo_core::Status;

    #[tokio::test]
    async fn finds_merge_and_squash_commits() {
        let g = GitFixture::new();
        g.commit("Initial commit");
        g.commit("Fix type errors (#14)");
        g.commit("Merge pull request #17 from acme/ci\n\nCI pipeline");
        g.commit("Add feature\n\nSee merge request acme/api!21");
        let dir = g.path();
        let o = run(&GitMerged, &[("ref", "#14")], dir).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence.summary.contains("Fix type errors (#14)"));
        assert_eq!(
            run(&GitMerged, &[("ref", "#17")], dir).await.status,
            Status::Pass
        );
        assert_eq!(
            run(&GitMerged, &[("ref", "!21")], dir).await.status,
            Status::Pass
        );
        let o = run(&GitMerged, &[("ref", "#1")], dir).await;
        assert_eq!(o.status, Status::Fail, "#1 must not match #14 or #17");
        assert_eq!(codes(&o), ["git-not-merged"]);
    }

    #[tokio::test]
    async fn branches_and_revisions() {
        let g = GitFixture::new();
        g.commit("Initial commit");
        let base = g.head();
        g.git(&["checkout", "-q", "-b", "feature"]);
        g.commit("Add thing (#30)");
        let feature = g.head();
        g.git(&["checkout", "-q", "main"]);
        let dir = g.path();
        assert_eq!(
            run(&GitMerged, &[("ref", "#30")], dir).await.status,
            Status::Fail
        );
        assert_eq!(
            run(&GitMerged, &[("ref", "#30"), ("branch", "feature")], dir)
                .await
                .status,
            Status::Pass
        );
        assert_eq!(
            run(&GitMerged, &[("ref", &base)], dir).await.status,
            Status::Pass
        );
        let o = run(&GitMerged, &[("ref", &feature)], dir).await;
        assert_eq!(codes(&o), ["git-not-merged"]);
        let o = run(&GitMerged, &[("ref", "deadbeef")], dir).await;
        assert_eq!(codes(&o), ["git-not-merged"]);
        let o = run(&GitMerged, &[("ref", "#30"), ("branch", "nope")], dir).await;
        assert_eq!(o.status, Status::Error);
        let o = run(
            &GitMerged,
            &[("ref", "#30"), ("branch", "feature"), ("max_commits", "1")],
            dir,
        )
        .await;
        assert_eq!(o.status, Status::Pass);
        let o = run(&GitMerged, &[("ref", "#99"), ("max_commits", "1")], dir).await;
        assert_eq!(o.status, Status::Fail, "the whole history was one commit");
    }

    #[tokio::test]
    async fn not_a_repository_root_is_skipped_even_inside_one() {
        let g = GitFixture::new();
        std::fs::create_dir_all(g.path().join("sub")).unwrap();
        g.commit("Fix (#14)");
        let o = run(&GitMerged, &[("ref", "#14")], &g.path().join("sub")).await;
        assert_eq!(o.status, Status::Skipped, "{o:?}");
        let plain = repo(&[("README.md", "x")]);
        assert_eq!(
            run(&GitMerged, &[("ref", "#14")], plain.path())
                .await
                .status,
            Status::Skipped
        );
    }

    #[test]
    fn messages_and_recognition() {
        assert!(merges_pr("Merge pull request #14 from a/b", '#', "14"));
        assert!(!merges_pr("Merge pull request #140 from a/b", '#', "14"));
        assert!(merges_pr("Merged PR 14: typing", '#', "14"));
        assert!(
            !merges_pr("Follow-up\n\nSee (#14)", '#', "14"),
            "subject only"
        );
        assert_eq!(
            recognise(&GitMerged, "**PR #14** merged (Type checking errors fixed)")
                .unwrap()
                .str("ref"),
            Some("#14")
        );
        assert!(GitMerged.prepare(&Params::new().with("ref", "#x")).is_err());
        assert!(
            GitMerged
                .prepare(&Params::new().with("ref", "two words"))
                .is_err()
        );
    }
}
