//! `git.tag`: a release tag exists (optionally on the commit being released).

use gonogo_core::recognise::{Claim, Slot, Text, Value, values};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::git::{GitError, open, short};

pub struct GitTag;

/// Tags of images and packages are not git tags.
const NOT_GIT: &[&str] = &[
    "docker",
    "imag*",
    "container*",
    "latest",
    "npm",
    "packag*",
    "helm chart*",
    "sha",
    "digest",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        // "Tag the release": a tag at the commit being released.
        subject: &[
            "release tagged",
            "tag the release",
            "tag release",
            "tag this release",
            "release is tagged",
            "tag the build",
            "tagged the release",
        ],
        // "A release tag matching `v*` exists" asks for a tag anywhere, not at HEAD.
        excludes: &[
            "docker",
            "imag*",
            "container*",
            "latest",
            "npm",
            "packag*",
            "helm chart*",
            "sha",
            "digest",
            "matching",
            "exist*",
            "present",
        ],
        params: &[("at", "HEAD")],
        slots: &[Slot::optional("name", Value::Read(tag_name))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        // "Tag `v0.9.0` pushed", "a release tag matching `v*` exists": a named tag.
        subject: &["tag", "git tag*", "release tag*", "tagged"],
        qualifiers: &[&[
            "created", "pushed", "exist*", "present", "cut", "matching", "tagged",
        ]],
        excludes: NOT_GIT,
        slots: &[Slot::required("name", Value::Read(tag_name))],
        weight: 80,
        ..Claim::EMPTY
    },
];

/// The tag the item names: a version (`v1.0.0`) or a pattern in a code span (`v*`).
fn tag_name(text: &Text<'_>) -> Option<String> {
    for span in text.code_spans() {
        let tag_like = !span.is_empty()
            && span
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-*/".contains(c))
            && (span.contains('*') || values::version(span).as_deref() == Some(span));
        if tag_like {
            return Some(span.to_string());
        }
    }
    Value::Version.read(text)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A git tag exists — by name or pattern (`v*`), optionally pointing at a given commit.",
    description: "Lists the repository's tags with gitoxide and matches their names against \
        `name`: an exact name (`v0.3.0`) or a glob (`v*`, `release-*`; default `*`, any tag). \
        With `at` (a revision such as `HEAD`), a matching tag must point at that commit \
        (annotated tags are peeled to their commit). Passes naming the tag; fails with \
        `git-tag-missing` when no tag matches, or `git-tag-not-at-commit` when tags match but \
        none is on `at`. Skipped when the repository under check is not itself a git \
        repository (no `.git` at its root: an enclosing repository's tags are never read). \
        Errors when the repository or `at` cannot be read. Auto-binding of \"Tag release in \
        Git\" sets `at=HEAD` (the release is what is checked out); a version in the item's \
        text (`Tag v1.2.0`) becomes `name`.",
    params: &[
        ParamDoc::with_default("name", "Tag name or glob (`v*`).", "*"),
        ParamDoc::optional(
            "at",
            "A revision (`HEAD`, a branch, a commit) that a matching tag must point at.",
        ),
    ],
    examples: &[
        "git.tag name=v*",
        "git.tag name=v0.3.0",
        "git.tag name=v* at=HEAD",
    ],
    claims: CLAIMS,
    phrases: &[
        "Tag release in Git",
        "Release tagged in git",
        "Git tag v0.3.0 created",
        "Tag `v0.9.0` pushed",
        "A release tag matching `v*` exists",
    ],
    not_phrases: &[
        "Docker images tagged and pushed",
        "Review and merge all PRs",
        "Release notes prepared",
    ],
    findings: &[
        ("git-tag-missing", "No tag matches the name or pattern."),
        (
            "git-tag-not-at-commit",
            "Tags match, but none points at the commit being released.",
        ),
    ],
};

impl CheckKind for GitTag {
    fn id(&self) -> &'static str {
        "git.tag"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let name = params.required("name")?.trim().to_string();
        if name.is_empty() {
            return Err(ParamError::new("name", "is empty"));
        }
        let matcher = globset::GlobBuilder::new(&name)
            .literal_separator(false)
            .build()
            .map_err(|e| ParamError::new("name", format!("bad pattern `{name}`: {e}")))?
            .compile_matcher();
        let at = params.str("at").map(|s| s.trim().to_string());
        if at
            .as_deref()
            .is_some_and(|a| a.is_empty() || a.contains(char::is_whitespace))
        {
            return Err(ParamError::new("at", "must name a revision such as HEAD"));
        }
        Ok(Box::new(Prepared { name, matcher, at }))
    }
}

#[derive(Clone)]
struct Prepared {
    name: String,
    matcher: globset::GlobMatcher,
    at: Option<String>,
}

impl Prepared {
    fn evaluate(&self, ctx: &CheckContext) -> Outcome {
        let repo = match open(&ctx.repo) {
            Ok(r) => r,
            Err(GitError::NotARepository(why)) => return Outcome::skipped(why),
            Err(GitError::Unreadable(why)) => return Outcome::error(why),
        };
        let at = match &self.at {
            None => None,
            Some(rev) => match repo.rev_parse_single(rev.as_str()) {
                Ok(id) => match repo
                    .find_object(id.detach())
                    .ok()
                    .and_then(|o| o.peel_to_commit().ok())
                {
                    Some(c) => Some(c.id),
                    None => return Outcome::error(format!("`{rev}` does not name a commit")),
                },
                Err(e) => return Outcome::error(format!("cannot resolve `{rev}`: {e}")),
            },
        };
        let platform = match repo.references() {
            Ok(p) => p,
            Err(e) => return Outcome::error(format!("cannot read references: {e}")),
        };
        let tags = match platform.tags() {
            Ok(t) => t,
            Err(e) => return Outcome::error(format!("cannot read tags: {e}")),
        };
        let mut matching: Vec<(String, Option<gix::ObjectId>)> = Vec::new();
        let mut total = 0usize;
        for r in tags {
            let mut r = match r {
                Ok(r) => r,
                Err(e) => return Outcome::error(format!("cannot read a tag: {e}")),
            };
            total += 1;
            let name = r.name().shorten().to_string();
            if !self.matcher.is_match(&name) {
                continue;
            }
            let target = r.peel_to_id().ok().map(|id| id.detach());
            // A tag on a tree or a blob is not a release tag; keep it as not on any commit.
            let commit = target.and_then(|id| {
                repo.find_object(id)
                    .ok()
                    .and_then(|o| o.peel_to_commit().ok())
                    .map(|c| c.id)
            });
            matching.push((name, commit));
        }
        matching.sort();
        let expected = match &self.at {
            Some(a) => format!("a tag matching `{}` on {a}", self.name),
            None => format!("a tag matching `{}`", self.name),
        };
        if matching.is_empty() {
            return Outcome::fail(format!("no tag matches `{}` ({total} tags in the repository)", self.name))
                .expected(expected)
                .with_findings(vec![Finding::fail(
                    "git-tag-missing",
                    format!("no tag matches `{}`", self.name),
                )
                .fix("tag the release: git tag -a vX.Y.Z -m \"Release vX.Y.Z\" && git push origin vX.Y.Z")]);
        }
        match at {
            None => {
                let names: Vec<&str> = matching.iter().map(|(n, _)| n.as_str()).take(5).collect();
                Outcome::pass(format!(
                    "{} tag{} match `{}`: {}",
                    matching.len(),
                    if matching.len() == 1 { "" } else { "s" },
                    self.name,
                    names.join(", ")
                ))
                .observed(names.join(", "))
                .expected(expected)
            }
            Some(commit) => match matching.iter().find(|(_, c)| *c == Some(commit)) {
                Some((name, _)) => Outcome::pass(format!(
                    "{name} points at {} ({})",
                    short(&commit),
                    self.at.as_deref().unwrap_or("HEAD")
                ))
                .observed(name.clone())
                .expected(expected),
                None => {
                    let at = self.at.as_deref().unwrap_or("HEAD");
                    let names: Vec<&str> =
                        matching.iter().map(|(n, _)| n.as_str()).take(5).collect();
                    Outcome::fail(format!(
                        "no tag matching `{}` is on {at} ({})",
                        self.name,
                        short(&commit)
                    ))
                    .observed(format!("matching tags elsewhere: {}", names.join(", ")))
                    .expected(expected)
                    .with_findings(vec![
                        Finding::fail(
                            "git-tag-not-at-commit",
                            format!(
                                "{} match `{}` but none points at {at} ({})",
                                names.join(", "),
                                self.name,
                                short(&commit)
                            ),
                        )
                        .fix(format!("tag {at}: git tag -a vX.Y.Z {at}")),
                    ])
                }
            },
        }
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
    async fn tags_by_name_pattern_and_commit() {
        let g = GitFixture::new();
        g.commit("first");
        g.git(&["tag", "-a", "v0.2.0", "-m", "Release v0.2.0"]);
        g.commit("second");
        let dir = g.path();
        let o = run(&GitTag, &[("name", "v*")], dir).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence.summary.contains("v0.2.0"));
        let o = run(&GitTag, &[("name", "v0.3.0")], dir).await;
        assert_eq!(codes(&o), ["git-tag-missing"]);
        let o = run(&GitTag, &[("name", "v*"), ("at", "HEAD")], dir).await;
        assert_eq!(codes(&o), ["git-tag-not-at-commit"]);
        g.git(&["tag", "v0.3.0"]);
        let o = run(&GitTag, &[("name", "v*"), ("at", "HEAD")], dir).await;
        assert_eq!(o.status, Status::Pass, "lightweight tag on HEAD: {o:?}");
        let o = run(&GitTag, &[("at", "HEAD~1")], dir).await;
        assert_eq!(
            o.status,
            Status::Pass,
            "annotated tag peeled to its commit: {o:?}"
        );
        let o = run(&GitTag, &[("at", "nope")], dir).await;
        assert_eq!(o.status, Status::Error);
    }

    #[tokio::test]
    async fn no_tags_fails_and_no_repository_skips() {
        let g = GitFixture::new();
        g.commit("first");
        assert_eq!(
            codes(&run(&GitTag, &[], g.path()).await),
            ["git-tag-missing"]
        );
        let plain = repo(&[("README.md", "x")]);
        assert_eq!(
            run(&GitTag, &[], plain.path()).await.status,
            Status::Skipped
        );
    }

    #[test]
    fn recognition() {
        let p = recognise(&GitTag, "Tag release in Git").unwrap();
        assert_eq!((p.str("at"), p.str("name")), (Some("HEAD"), None));
        let p = recognise(&GitTag, "Git tag v0.3.0 created").unwrap();
        assert_eq!(p.str("name"), Some("v0.3.0"));
        let p = recognise(&GitTag, "A release tag matching `v*` exists").unwrap();
        assert_eq!((p.str("at"), p.str("name")), (None, Some("v*")));
    }
}
