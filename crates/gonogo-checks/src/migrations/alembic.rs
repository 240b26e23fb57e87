//! `migrations.alembic`: the repository's migrations (Alembic, Django, sqlx, Prisma, Flyway)
//! form one unbroken chain with exactly one head, no duplicate ids and real downgrades.

use super::{MigrationSet, TOOL_NAMES, Tool, detect_in};
use crate::util::{absent, blocking, inventory};
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};

pub struct MigrationsAlembic;

/// Words that place an item among migrations (in the item or its headings).
const MIGRATIONS: &[&str] = &[
    "migrat*", "alembic", "django", "flyway", "sqlx", "prisma", "schema",
];

/// Asking for the migrations to be applied, tested or run somewhere is another kind's question.
const NOT_HISTORY: &[&str] = &[
    "applied",
    "tested",
    "test",
    "staging",
    "kubernetes",
    "k8s",
    "job",
    "rehears*",
    "run",
    "executed",
];

/// What the kind verifies: the migration history is one unbroken line whose downgrades exist.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "single head",
            "one head",
            "multiple heads",
            "single leaf",
            "one leaf",
            "linear chain",
            "linear history",
            "migration chain",
            "unbroken chain",
            "no branch*",
            "no conflicting migration*",
            "conflicting migration*",
        ],
        qualifiers: &[MIGRATIONS],
        support: &["alembic", "django", "per app"],
        excludes: NOT_HISTORY,
        slots: &[Slot::optional("tool", Value::Choice(TOOL_NAMES))],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        // A bare "rollback scripts" may be any plan to undo the release: the item must say
        // they are the migrations'.
        subject: &[
            "migration rollback*",
            "rollback migration*",
            "migration* rollback*",
            "downgrad*",
            "down migration*",
            "reverse migration*",
            "migration* reversible",
            "migration* are reversible",
        ],
        qualifiers: &[MIGRATIONS],
        support: &["prepared", "written", "every", "all", "exist*"],
        excludes: NOT_HISTORY,
        slots: &[Slot::optional("tool", Value::Choice(TOOL_NAMES))],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Migrations (Alembic, Django, sqlx, Prisma, Flyway) have exactly one head, an unbroken chain, unique ids and non-empty downgrades.",
    description: "Detects every migration set in the repository: Alembic `versions/*.py` \
(`revision`/`down_revision`, merge revisions with tuples), Django `<app>/migrations/NNNN_*.py` \
(`dependencies` within the app), sqlx `migrations/<version>_*.sql` (with `.up.sql`/`.down.sql` \
pairs), Prisma `prisma/migrations/<ts>_<name>/migration.sql` and Flyway `V<version>__*.sql`. \
Each set must have exactly one head (two heads mean two branches that `alembic upgrade head` or \
Django's `migrate` refuse), every parent must exist, no id may be declared twice, and where the \
tool has down migrations (Alembic `downgrade()`, Django reverse code for RunPython/RunSQL, sqlx \
`.down.sql`) they must not be empty (`downgrade=false` turns that off). Prisma migrations must \
not be empty. `tool=` restricts to one tool. Fails on any problem, with the file and line of the \
revision; skips with \"no migrations found\" (fails with `required=true`). The heads are in the \
evidence so a reader can compare them with the database's recorded version.",
    params: &[
        ParamDoc::optional(
            "tool",
            "Only this tool's migrations: alembic, django, sqlx, prisma, flyway.",
        ),
        ParamDoc::with_default(
            "downgrade",
            "Require non-empty downgrades where the tool has them.",
            "true",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when there are no migrations.",
            "false",
        ),
    ],
    examples: &[
        "migrations.alembic",
        "migrations.alembic tool=alembic downgrade=false",
        "migrations.alembic tool=django required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Migration rollback scripts prepared",
        "Alembic migration history has a single head",
        "Migrations form a single linear chain",
    ],
    not_phrases: &[
        "All Alembic migrations applied successfully",
        "Database migrations applied",
        "All migrations tested in staging",
        "Run database migrations",
        "Migration job configured in Kubernetes",
    ],
    findings: &[
        (
            "migrations-multiple-heads",
            "The set has several heads (unmerged branches), so upgrading to head is ambiguous.",
        ),
        (
            "migrations-broken-chain",
            "A revision builds on a revision that does not exist.",
        ),
        (
            "migrations-duplicate-id",
            "Two migrations declare the same revision id or version.",
        ),
        (
            "migrations-empty-downgrade",
            "A migration's downgrade is empty (or missing), so it cannot be rolled back.",
        ),
        ("migrations-empty", "A migration file has no statement."),
        (
            "migrations-parse-error",
            "A migration file could not be read or has no revision id.",
        ),
        (
            "migrations-not-found",
            "No migrations were found while `required=true`.",
        ),
    ],
};

impl CheckKind for MigrationsAlembic {
    fn id(&self) -> &'static str {
        "migrations.alembic"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let tool = match params.str("tool") {
            Some(t) => Some(Tool::parse(t).ok_or_else(|| {
                ParamError::new("tool", "one of alembic, django, sqlx, prisma, flyway")
            })?),
            None => None,
        };
        Ok(Box::new(Prepared {
            tool,
            downgrade: params.value::<bool>("downgrade")?,
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    tool: Option<Tool>,
    downgrade: bool,
    required: bool,
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let sets: Vec<MigrationSet> = detect_in(&files)
                .into_iter()
                .filter(|s| this.tool.is_none_or(|t| t == s.tool))
                .collect();
            if sets.is_empty() {
                let what = this.tool.map_or("migrations".to_string(), |t| {
                    format!("{} migrations", t.as_str())
                });
                return absent(
                    this.required,
                    "migrations-not-found",
                    &format!("no {what} found"),
                    "commit the migrations next to the code",
                );
            }
            let mut findings = Vec::new();
            let mut parts = Vec::new();
            for s in &sets {
                parts.push(format!(
                    "{} {} ({} revisions, head {})",
                    s.tool.as_str(),
                    s.dir,
                    s.revisions.len(),
                    s.heads.join(", ")
                ));
                for p in &s.problems {
                    let loc = match p.line {
                        Some(l) => Location::at(&p.file, l),
                        None => Location::file(&p.file),
                    };
                    let fix = match p.code {
                        "migrations-duplicate-id" => "give the migration a new id/version",
                        "migrations-broken-chain" => {
                            "point the parent at an existing revision (or restore the missing file)"
                        }
                        "migrations-empty" => "remove the empty migration or add its statements",
                        _ => "fix the migration file",
                    };
                    findings.push(Finding::fail(p.code, p.message.clone()).at(loc).fix(fix));
                }
                if s.heads.len() > 1 {
                    let first = s
                        .revisions
                        .iter()
                        .find(|r| r.id == s.heads[1])
                        .or(s.revisions.first());
                    let merge = match s.tool {
                        Tool::Alembic => "alembic merge heads -m merge".to_string(),
                        Tool::Django => "python manage.py makemigrations --merge".to_string(),
                        _ => "renumber the migrations into one sequence".to_string(),
                    };
                    findings.push(
                        Finding::fail(
                            "migrations-multiple-heads",
                            format!(
                                "{} {} has {} heads: {}",
                                s.tool.as_str(),
                                s.dir,
                                s.heads.len(),
                                s.heads.join(", ")
                            ),
                        )
                        .at(first.map_or(Location::file(&s.dir), |r| Location::at(&r.file, r.line)))
                        .fix(merge),
                    );
                } else if s.heads.is_empty() {
                    findings.push(
                        Finding::fail(
                            "migrations-broken-chain",
                            format!(
                                "{} {} has no head (the revisions form a cycle)",
                                s.tool.as_str(),
                                s.dir
                            ),
                        )
                        .at(Location::file(&s.dir))
                        .fix("break the cycle in the parent references"),
                    );
                }
                if this.downgrade && s.tool.has_downgrades() {
                    for r in s.revisions.iter().filter(|r| r.reversible == Some(false)) {
                        let what = match s.tool {
                            Tool::Django => "has a RunPython/RunSQL without reverse code",
                            Tool::Sqlx => "has no (or an empty) .down.sql",
                            _ => "has an empty downgrade()",
                        };
                        findings.push(
                            Finding::fail(
                                "migrations-empty-downgrade",
                                format!("revision {} {what}", r.id),
                            )
                            .at(Location::at(&r.file, r.line))
                            .fix("write the downgrade so the release can be rolled back"),
                        );
                    }
                }
            }
            let failing = findings
                .iter()
                .filter(|f| f.severity == Status::Fail)
                .count();
            let heads: Vec<String> = sets.iter().flat_map(|s| s.heads.clone()).collect();
            Outcome::from_findings(
                format!("{}: {failing} problem(s)", parts.join("; ")),
                findings,
            )
            .observed(format!("head(s) {}", heads.join(", ")))
            .expected("one head per set, unbroken chain")
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    fn rev(id: &str, down: &str, downgrade: &str) -> String {
        format!(
            "\"\"\"{id}\"\"\"\nfrom alembic import op\n\nrevision = '{id}'\ndown_revision = {down}\n\ndef upgrade():\n    op.execute('select 1')\n\ndef downgrade():\n    {downgrade}\n"
        )
    }

    #[test]
    fn one_head_passes() {
        let a = rev("a1", "None", "op.drop_table('t')");
        let b = rev("b2", "'a1'", "op.drop_column('t', 'c')");
        let o = run(
            &MigrationsAlembic,
            &[
                ("alembic/versions/a1.py", &a),
                ("alembic/versions/b2.py", &b),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
        assert_eq!(o.evidence.observed.as_deref(), Some("head(s) b2"));
    }

    #[test]
    fn branches_gaps_duplicates_and_empty_downgrades_fail() {
        let v = "alembic/versions";
        let files = [
            (
                format!("{v}/a1.py"),
                rev("a1", "None", "op.drop_table('t')"),
            ),
            (format!("{v}/b2.py"), rev("b2", "'a1'", "pass")),
            (
                format!("{v}/c3.py"),
                rev("c3", "'a1'", "op.drop_table('x')"),
            ),
            (
                format!("{v}/d4.py"),
                rev("d4", "'zz'", "op.drop_table('y')"),
            ),
            (
                format!("{v}/e5.py"),
                rev("c3", "'b2'", "op.drop_table('z')"),
            ),
        ];
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let o = run(&MigrationsAlembic, &refs, &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("migrations-duplicate-id", "alembic/versions/e5.py:4"),
                ("migrations-broken-chain", "alembic/versions/d4.py:4"),
                ("migrations-multiple-heads", "alembic/versions/d4.py:4"),
                ("migrations-empty-downgrade", "alembic/versions/b2.py:4"),
            ])
        );
    }

    #[test]
    fn other_tools_and_absence() {
        let o = run(
            &MigrationsAlembic,
            &[
                ("migrations/1_a.up.sql", "create table a(id int);"),
                ("migrations/1_a.down.sql", "drop table a;"),
                ("migrations/2_b.up.sql", "create table b(id int);"),
            ],
            &[],
        );
        assert_eq!(
            codes(&o),
            at(&[("migrations-empty-downgrade", "migrations/2_b.up.sql:1")])
        );
        let o = run(
            &MigrationsAlembic,
            &[("db/V1__a.sql", "x"), ("db/V1__b.sql", "y")],
            &[],
        );
        assert_eq!(
            codes(&o),
            at(&[("migrations-duplicate-id", "db/V1__b.sql:1")])
        );
        let o = run(&MigrationsAlembic, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no migrations found");
        let o = run(
            &MigrationsAlembic,
            &[("migrations/1_a.sql", "x")],
            &[("tool", "alembic")],
        );
        assert_eq!(o.evidence.summary, "no alembic migrations found");
    }

    #[test]
    fn rollback_scripts_bind_only_when_they_are_the_migrations() {
        use crate::util::testing::{recognise, recognise_in};
        let ctx = ["Database Migrations"];
        assert!(recognise(&MigrationsAlembic, "Migration rollback scripts prepared").is_some());
        assert!(
            recognise_in(&MigrationsAlembic, "Every migration has a downgrade", &ctx).is_some()
        );
        // Any plan to undo a release has rollback scripts; tested ones are a drill.
        assert!(recognise_in(&MigrationsAlembic, "Rollback scripts prepared", &ctx).is_none());
        assert!(recognise_in(&MigrationsAlembic, "Downgrade tested on the copy", &ctx).is_none());
        assert_eq!(
            recognise(
                &MigrationsAlembic,
                "Django migrations have a single leaf per app"
            )
            .and_then(|p| p.str("tool").map(String::from))
            .as_deref(),
            Some("django")
        );
    }
}
