//! `git.merge-order`: pull requests were merged in an order that respects their dependencies
//! (`17 after 14`, or the deployment sequence's "depends on #14").

use crate::util::{blocking, inventory};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::classify::FileClass;
use gonogo_repo::git::{self, GitError};
use gonogo_repo::history;
use gonogo_repo::{MAX_TEXT_BYTES, read_repo_text, read_text, resolve_in_repo};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub struct GitMergeOrder;

/// Words that place an item among pull requests.
const PULL_REQUESTS: &[&str] = &["pr", "prs", "pull request*", "merge request*", "mr", "mrs"];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        // "#91 after #88": the order the item states becomes the parameter.
        subject: &["after", "before"],
        qualifiers: &[&[
            "pr",
            "prs",
            "pull request*",
            "merge request*",
            "mr",
            "mrs",
            "merg*",
        ]],
        excludes: &["deploy*", "releas*", "tag*", "migrat*"],
        slots: &[Slot::required("order", Value::Read(stated_order))],
        weight: 85,
        prefer_over: &["git.merged"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "in order",
            "correct order",
            "right order",
            "merge order",
            "in sequence",
            "dependency order",
            "in the order",
        ],
        qualifiers: &[PULL_REQUESTS, &["merg*"]],
        excludes: &["review*", "approv*"],
        weight: 75,
        prefer_over: &["git.merged"],
        ..Claim::EMPTY
    },
];

/// "#91 after #88, #93 after #91" as `91 after 88, 93 after 91`.
fn stated_order(text: &Text<'_>) -> Option<String> {
    let deps = parse_order(&text.plain);
    (!deps.is_empty()).then(|| {
        deps.iter()
            .map(|d| format!("{} after {}", d.later, d.earlier))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Pull requests were merged in an order that respects their dependencies.",
    description: "Takes the dependencies from `order=` (`17 after 14, 16 after 14`, or `14 before \
17`), else from the deployment sequence in `sequence=` (a Markdown or text file), else from the \
repository's Markdown files that contain a merge sequence: `gh pr merge N` (or `git merge`) \
lines whose step says `depends on #M`. Reads the first-parent history of `HEAD` with gix (up to \
50,000 commits) and finds where each pull request landed: merge commits (`Merge pull request #N`), \
squash merges (`Title (#N)`), GitLab (`See merge request group/project!N`). Fails when a pull \
request of a dependency is not merged (`git-merge-missing`) or was merged before the one it \
depends on (`git-merge-out-of-order`); each finding points at the line of the sequence file that \
states the dependency when there is one. Skips when no dependency is given or found, or when the \
repository folder is not itself the root of a git repository; `error` when history cannot be \
read.",
    params: &[
        ParamDoc::optional(
            "order",
            "Dependencies: `17 after 14, 10 after 17` (or `14 before 17`).",
        ),
        ParamDoc::optional(
            "sequence",
            "A file holding the deployment sequence (gh pr merge N … depends on #M).",
        ),
    ],
    examples: &[
        "git.merge-order order=\"17 after 14, 16 after 14, 10 after 17\"",
        "git.merge-order sequence=PRODUCTION_CHECKLIST.md",
        "git.merge-order",
    ],
    claims: CLAIMS,
    phrases: &[
        "Merge PRs in Order",
        "All PRs merged in correct order",
        "PR #17 merged after #14",
    ],
    not_phrases: &[
        "**PR #14** merged (Type checking errors fixed)",
        "Review and merge all PRs",
        "Tag release in Git",
    ],
    findings: &[
        (
            "git-merge-out-of-order",
            "A pull request was merged before a pull request it depends on.",
        ),
        (
            "git-merge-missing",
            "A pull request named in a dependency is not merged on the current branch.",
        ),
    ],
};

static AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)#?(\d+)\s+(?:(?:is\s+|was\s+)?merged\s+)?(after|before)\s+(?:pr\s+)?#?(\d+)")
        .expect("valid pattern")
});
static DEPENDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)depends\s+on\s+((?:#?\d+(?:\s*(?:,|and|&)\s*)?)+)").expect("valid pattern")
});
static MERGE_CMD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:gh\s+pr\s+merge|git\s+merge[^#\n]*?(?:pr|pull)[-/_]?)\s*#?(\d+)")
        .expect("valid pattern")
});
static STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:#+|[-*]|//)?\s*\d+[.)]\s").expect("valid pattern"));
static NUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").expect("valid pattern"));
static MERGED_PR: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)^Merge pull request #(\d+)",
        r"\(#(\d+)\)\s*$",
        r"(?m)^See merge request [^\s!]+!(\d+)",
        r"(?i)^Merged PR (\d+)",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid pattern"))
    .collect()
});

/// One dependency: `later` must be merged after `earlier`; `at` is where it is stated.
#[derive(Debug, Clone, PartialEq)]
pub struct Dep {
    pub later: u64,
    pub earlier: u64,
    pub at: Option<Location>,
}

/// Parses `17 after 14, 14 before 16`.
pub fn parse_order(s: &str) -> Vec<Dep> {
    AFTER
        .captures_iter(s)
        .filter_map(|c| {
            let a: u64 = c[1].parse().ok()?;
            let b: u64 = c[3].parse().ok()?;
            let (later, earlier) = if c[2].eq_ignore_ascii_case("after") {
                (a, b)
            } else {
                (b, a)
            };
            Some(Dep {
                later,
                earlier,
                at: None,
            })
        })
        .collect()
}

/// Reads a deployment sequence: a step that says `depends on #14` applies to the next (or the
/// same line's) `gh pr merge N`.
pub fn parse_sequence(rel: &str, text: &str) -> Vec<Dep> {
    let mut deps = Vec::new();
    let mut pending: Option<(Vec<u64>, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let depends = DEPENDS.captures(line).map(|c| {
            NUM.find_iter(&c[1])
                .filter_map(|m| m.as_str().parse().ok())
                .collect::<Vec<u64>>()
        });
        if let Some(d) = depends {
            pending = Some((d, i + 1));
        } else if line.to_ascii_lowercase().contains("no dependencies") || STEP.is_match(line) {
            pending = None;
        }
        if let Some(c) = MERGE_CMD.captures(line)
            && let Ok(pr) = c[1].parse::<u64>()
            && let Some((earlier, at)) = pending.take()
        {
            for e in earlier {
                deps.push(Dep {
                    later: pr,
                    earlier: e,
                    at: Some(Location::at(rel, at)),
                });
            }
        }
    }
    deps
}

impl CheckKind for GitMergeOrder {
    fn id(&self) -> &'static str {
        "git.merge-order"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let order = match params.str("order") {
            Some(o) => {
                let deps = parse_order(o);
                if deps.is_empty() {
                    return Err(ParamError::new(
                        "order",
                        "expected `17 after 14, …` or `14 before 17`",
                    ));
                }
                Some(deps)
            }
            None => None,
        };
        Ok(Box::new(Prepared {
            order,
            sequence: params.str("sequence").map(str::to_string),
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    order: Option<Vec<Dep>>,
    sequence: Option<String>,
}

/// The pull request numbers a commit message says it merged.
pub fn merged_prs(message: &str) -> Vec<u64> {
    let subject = message.lines().next().unwrap_or("");
    let mut out = Vec::new();
    for (i, re) in MERGED_PR.iter().enumerate() {
        let hay = if i == 2 { message } else { subject };
        for c in re.captures_iter(hay) {
            if let Ok(n) = c[1].parse() {
                out.push(n);
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let root = ctx.repo.clone();
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let deps: Vec<Dep> = match (&this.order, &this.sequence) {
                (Some(d), _) => d.clone(),
                (None, Some(seq)) => match resolve_in_repo(&root, seq).and_then(|p| read_text(&p, MAX_TEXT_BYTES)) {
                    Ok(text) => parse_sequence(seq, &text),
                    Err(e) => return Outcome::error(format!("cannot read the sequence file {seq}: {e}")),
                },
                (None, None) => files
                    .of(FileClass::Markdown)
                    .filter_map(|f| read_repo_text(f).ok().map(|t| (f, t)))
                    .filter(|(_, t)| t.contains("depends on") && MERGE_CMD.is_match(t))
                    .flat_map(|(f, t)| parse_sequence(&f.rel, &t))
                    .collect(),
            };
            if deps.is_empty() {
                return Outcome::skipped("no merge order given and no deployment sequence (`gh pr merge N` steps that say `depends on #M`) found");
            }
            let repo = match git::open(&root) {
                Ok(r) => r,
                Err(GitError::NotARepository(why)) => return Outcome::skipped(why),
                Err(GitError::Unreadable(why)) => return Outcome::error(why),
            };
            let history = match history::first_parent_history(&repo, 50_000) {
                Ok(h) => h,
                Err(GitError::NotARepository(why)) => return Outcome::skipped(why),
                Err(GitError::Unreadable(why)) => return Outcome::error(why),
            };
            // PR -> (position from the oldest commit, short id)
            let n = history.len();
            let mut landed: BTreeMap<u64, (usize, String)> = BTreeMap::new();
            for (i, c) in history.iter().enumerate() {
                for pr in merged_prs(&c.message) {
                    // Newest first: keep overwriting so the oldest landing wins.
                    landed.insert(pr, (n - i, c.id.to_hex_with_len(7).to_string()));
                }
            }
            let mut findings = Vec::new();
            for d in &deps {
                let at = |f: Finding| match &d.at {
                    Some(l) => f.at(l.clone()),
                    None => f,
                };
                match (landed.get(&d.later), landed.get(&d.earlier)) {
                    (Some((pl, cl)), Some((pe, ce))) if pl < pe => findings.push(at(Finding::fail(
                        "git-merge-out-of-order",
                        format!("PR #{} ({cl}) was merged before PR #{} ({ce}), which it depends on", d.later, d.earlier),
                    )
                    .fix(format!("revert #{} and merge it again after #{} (or rebase it onto it)", d.later, d.earlier)))),
                    (l, e) => {
                        for (pr, found) in [(d.earlier, e), (d.later, l)] {
                            if found.is_none() && !findings.iter().any(|f: &Finding| f.code == "git-merge-missing" && f.message.starts_with(&format!("PR #{pr} "))) {
                                findings.push(at(Finding::fail("git-merge-missing", format!("PR #{pr} is not merged on the current branch")).fix(format!("merge #{pr} in the documented order"))));
                            }
                        }
                    }
                }
            }
            let order = deps.iter().map(|d| format!("#{} after #{}", d.later, d.earlier)).collect::<Vec<_>>().join(", ");
            let summary = if findings.is_empty() {
                format!("{} dependenc(ies) respected: {order}", deps.len())
            } else {
                format!("{} problem(s) in the merge order ({order})", findings.len())
            };
            Outcome::from_findings(summary, findings).expected(order)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::dated_git::{commit, init};
    use crate::util::testing::{at, check_in as run_in, found as codes};
    use gonogo_core::Status;

    const SEQ: &str = "### Step 1: Merge PRs in Order
```bash
# 1. Type fixes (no dependencies)
gh pr merge 14 --squash

# 3. CI/CD (depends on #14)
gh pr merge 17 --squash

# 6. Frontend dashboards (depends on #17)
gh pr merge 10 --squash
```
";

    #[test]
    fn sequence_parsing() {
        let deps = parse_sequence("CHECKLIST.md", SEQ);
        let pairs: Vec<(u64, u64, String)> = deps
            .iter()
            .map(|d| (d.later, d.earlier, d.at.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                (17, 14, "CHECKLIST.md:6".into()),
                (10, 17, "CHECKLIST.md:9".into())
            ]
        );
        assert_eq!(
            parse_order("17 after 14, 14 before 16")
                .iter()
                .map(|d| (d.later, d.earlier))
                .collect::<Vec<_>>(),
            vec![(17, 14), (16, 14)]
        );
        assert_eq!(
            merged_prs("Merge pull request #14 from acme/types\n\nfix"),
            vec![14]
        );
        assert_eq!(merged_prs("CI pipeline (#17)"), vec![17]);
    }

    #[test]
    fn respected_order_passes_and_violations_fail() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        init(d);
        commit(d, 0, &[("CHECKLIST.md", SEQ)], "init");
        commit(
            d,
            1,
            &[("a.py", "1")],
            "Merge pull request #14 from acme/types",
        );
        commit(d, 2, &[("b.py", "1")], "CI pipeline (#17)");
        let o = run_in(&GitMergeOrder, d, &[("order", "17 after 14")]);
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        // From the checklist's sequence: #10 is not merged yet.
        let o = run_in(&GitMergeOrder, d, &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), at(&[("git-merge-missing", "CHECKLIST.md:9")]));
        // #16 landed before #14 although it depends on it.
        commit(d, 3, &[("c.py", "1")], "Tests (#16)");
        let o = run_in(&GitMergeOrder, d, &[("order", "16 after 17, 10 after 17")]);
        assert_eq!(codes(&o), at(&[("git-merge-missing", "")]));
        assert_eq!(
            o.evidence.findings[0].message,
            "PR #10 is not merged on the current branch"
        );
        let o = run_in(&GitMergeOrder, d, &[("order", "14 after 16")]);
        assert_eq!(codes(&o), at(&[("git-merge-out-of-order", "")]));
        assert!(
            o.evidence.findings[0].message.starts_with("PR #14 ("),
            "{}",
            o.evidence.findings[0].message
        );
    }

    #[test]
    fn nothing_to_check_or_not_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(&GitMergeOrder, dir.path(), &[]);
        assert_eq!(o.status, Status::Skipped);
        let o = run_in(&GitMergeOrder, dir.path(), &[("order", "2 after 1")]);
        assert_eq!(o.status, Status::Skipped);
        assert!(
            o.evidence
                .summary
                .contains("not the root of a git repository")
        );
    }
}
