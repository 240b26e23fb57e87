//! `pg.migrations-applied`: the database's recorded migrations equal the repository's.
//!
//! The repository side (which migrations exist, which is the head) comes from
//! [`crate::migrations::detect_in`], shared with the static `migrations.*` kinds; the database
//! side is each tool's own bookkeeping table.

use super::{DSN_PARAM, plural};
use crate::live;
use crate::util::inventory_blocking;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::RepoFiles;
use std::collections::{BTreeMap, BTreeSet};

pub struct PgMigrationsApplied;

const TOOLS: &[&str] = &["alembic", "django", "sqlx", "prisma", "flyway"];

/// What the kind verifies: the database records exactly the repository's migrations.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["migrat*"],
        qualifiers: &[&[
            "applied",
            "apply",
            "run",
            "deployed",
            "up to date",
            "current",
            "executed",
            "pending",
        ]],
        support: &["all", "database", "production", "successfully"],
        // Tested, rehearsed, written for rollback or run by a job: each asks about something
        // other than what the database records.
        excludes: &[
            "tested",
            "test",
            "staging",
            "rollback",
            "roll back",
            "job",
            "kubernetes",
            "k8s",
            "helm",
            "before",
            "script*",
            "backward*",
            "reversible",
            "revers*",
            "zero downtime",
            "lock*",
            "reviewed",
            "review",
            "ci",
            "pipeline",
            "dry run",
            "expand",
            "contract",
            "idempotent",
            "long running",
            "automatic*",
            "on deploy",
            "on startup",
            "during deploy*",
            "timed",
            "duration",
        ],
        slots: &[Slot::optional(
            "tool",
            Value::Choice(crate::migrations::TOOL_NAMES),
        )],
        weight: 80,
        ..Claim::EMPTY
    },
    // The deployment step after "Run database migrations": the schema is what they made it.
    Claim {
        subject: &["schema chang*"],
        qualifiers: &[&[
            "verify", "verified", "check", "checked", "confirm*", "applied",
        ]],
        excludes: &[
            "review*",
            "document*",
            "backward*",
            "compatib*",
            "tested",
            "approv*",
        ],
        weight: 70,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Every migration in the repository is recorded as applied in the database, and nothing else is.",
    description: "Reads the repository's migrations for the tool (`tool=`, or the first found \
        of Alembic `versions/*.py`, Django `<app>/migrations/NNNN_*.py`, sqlx \
        `migrations/<version>_*.sql`, Prisma `prisma/migrations/*/migration.sql`, Flyway \
        `V<version>__*.sql`), then connects read-only to the database (`dsn=` or the \
        `database_url` target) and reads the tool's bookkeeping table (`alembic_version`, \
        `django_migrations`, `_sqlx_migrations`, `_prisma_migrations`, \
        `flyway_schema_history`; in `schema=` when given, else on the search path). Alembic \
        passes when the recorded revisions are exactly the repository's heads; the others pass \
        when every repository migration is recorded as successfully applied. Fails with \
        `pg-migrations-pending` (listing what is not applied), `pg-migrations-unknown` (the \
        database records a migration the repository does not have: wrong branch or \
        deployment ahead), `pg-migrations-failed` (a recorded failed or unfinished migration) \
        or `pg-migrations-table-missing` (nothing was ever applied). Skipped when the \
        repository has no migrations for a known tool; errors when no database_url is \
        configured or the database cannot be read within the time bound. The deployment step \
        \"Verify schema changes\" binds here: the schema is the one the repository's \
        migrations make.",
    params: &[
        DSN_PARAM,
        ParamDoc::optional(
            "tool",
            "alembic, django, sqlx, prisma or flyway; default: the first found in the repository.",
        ),
        ParamDoc::optional(
            "schema",
            "Schema holding the bookkeeping table; default: the connection's search_path.",
        ),
    ],
    examples: &[
        "pg.migrations-applied",
        "pg.migrations-applied tool=alembic",
        "pg.migrations-applied tool=sqlx schema=app",
    ],
    claims: CLAIMS,
    phrases: &[
        "All Alembic migrations applied successfully",
        "Database migrations applied",
        "Run database migrations",
        "Prisma migrations deployed",
        "Verify schema changes",
    ],
    not_phrases: &[
        "All migrations tested in staging",
        "Migration job configured in Kubernetes",
        "Rollback scripts prepared",
        "Database backup taken before migration",
        "Database schema applied (`scripts/setup-supabase.sql`)",
    ],
    findings: &[
        (
            "pg-migrations-pending",
            "Migrations in the repository are not applied to the database.",
        ),
        (
            "pg-migrations-unknown",
            "The database records a migration the repository does not contain.",
        ),
        (
            "pg-migrations-failed",
            "The database records a migration that failed or never finished.",
        ),
        (
            "pg-migrations-table-missing",
            "The tool's bookkeeping table does not exist: no migration was ever applied.",
        ),
    ],
};

impl CheckKind for PgMigrationsApplied {
    fn id(&self) -> &'static str {
        "pg.migrations-applied"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let tool = match params.str("tool") {
            None => None,
            Some(t) => Some(
                TOOLS
                    .iter()
                    .copied()
                    .find(|k| k.eq_ignore_ascii_case(t))
                    .ok_or_else(|| {
                        ParamError::new(
                            "tool",
                            format!("expected one of {}, got `{t}`", TOOLS.join(", ")),
                        )
                    })?,
            ),
        };
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            tool,
            schema: params.str("schema").map(String::from),
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    tool: Option<&'static str>,
    schema: Option<String>,
}

/// The repository's migrations for one tool.
#[derive(Debug, Default)]
pub(crate) struct RepoMigrations {
    pub tool: &'static str,
    /// Migration id → the file and line that declare it (relative path).
    pub ids: BTreeMap<String, (String, usize)>,
    /// Migration id → the ids it builds on (Alembic's `down_revision`).
    pub parents: BTreeMap<String, Vec<String>>,
}

impl RepoMigrations {
    /// Heads: migrations nothing builds on.
    pub fn heads(&self) -> BTreeSet<String> {
        let revised: BTreeSet<&String> = self.parents.values().flatten().collect();
        self.ids
            .keys()
            .filter(|r| !revised.contains(r))
            .cloned()
            .collect()
    }

    /// Every ancestor of `rev`, itself included.
    fn ancestors(&self, rev: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack = vec![rev.to_string()];
        while let Some(r) = stack.pop() {
            if out.insert(r.clone())
                && let Some(ps) = self.parents.get(&r)
            {
                stack.extend(ps.iter().cloned());
            }
        }
        out
    }
}

/// The repository's migrations for `tool`, or for the first tool that has any. Several sets
/// of one tool (Django's one folder per app, several Alembic trees) are merged.
pub(crate) fn read_repo(files: &RepoFiles, tool: Option<&'static str>) -> Option<RepoMigrations> {
    let sets = crate::migrations::detect_in(files);
    let tool = match tool {
        Some(t) => t,
        None => TOOLS.iter().copied().find(|t| {
            sets.iter()
                .any(|s| s.tool.as_str() == *t && !s.revisions.is_empty())
        })?,
    };
    let mut m = RepoMigrations {
        tool,
        ..Default::default()
    };
    for set in sets.iter().filter(|s| s.tool.as_str() == tool) {
        for r in &set.revisions {
            let id = normalise(tool, &r.id);
            m.ids.insert(id.clone(), (r.file.clone(), r.line));
            m.parents
                .insert(id, r.parents.iter().map(|p| normalise(tool, p)).collect());
        }
    }
    Some(m)
}

/// Ids as both sides write them: sqlx versions without leading zeros, Flyway versions by
/// numeric parts.
fn normalise(tool: &str, id: &str) -> String {
    match tool {
        "sqlx" => {
            let t = id.trim_start_matches('0');
            if t.is_empty() {
                "0".into()
            } else {
                t.to_string()
            }
        }
        "flyway" => flyway_version(id),
        _ => id.to_string(),
    }
}

/// Flyway versions compare by numeric parts: `1_1` = `1.1` = `01.1`.
fn flyway_version(v: &str) -> String {
    v.split(['.', '_'])
        .map(|p| p.trim_start_matches('0'))
        .map(|p| if p.is_empty() { "0" } else { p })
        .collect::<Vec<_>>()
        .join(".")
}

/// What the database records: applied ids, and ids recorded as failed or unfinished.
struct DbMigrations {
    applied: BTreeSet<String>,
    failed: BTreeSet<String>,
}

fn table_sql(tool: &str) -> (&'static str, &'static str) {
    match tool {
        "alembic" => ("alembic_version", "SELECT version_num::text, true FROM {t}"),
        "django" => (
            "django_migrations",
            "SELECT (app || '.' || name)::text, true FROM {t}",
        ),
        "sqlx" => ("_sqlx_migrations", "SELECT version::text, success FROM {t}"),
        "prisma" => (
            "_prisma_migrations",
            "SELECT migration_name::text, finished_at IS NOT NULL FROM {t} WHERE rolled_back_at IS NULL",
        ),
        _ => (
            "flyway_schema_history",
            "SELECT version::text, success FROM {t} WHERE version IS NOT NULL",
        ),
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        // Before connecting: without a target the item is an error whatever the repository holds.
        if let Err(o) = super::dsn(self.dsn.as_deref(), ctx) {
            return Ok(o);
        }
        // The shared repository walk blocks: run it off the async workers.
        let walk_ctx = ctx.clone();
        let tool = self.tool;
        let repo = match tokio::task::spawn_blocking(move || {
            read_repo(&inventory_blocking(&walk_ctx), tool)
        })
        .await
        {
            Ok(r) => r,
            Err(e) => {
                return Ok(Outcome::error(format!(
                    "reading the repository's migrations failed: {e}"
                )));
            }
        };
        let repo = match repo {
            Some(r) if !r.ids.is_empty() => r,
            Some(r) => {
                return Ok(Outcome::skipped(format!(
                    "no {} migrations found in the repository",
                    r.tool
                )));
            }
            None => {
                return Ok(Outcome::skipped(
                    "no migrations found in the repository (Alembic, Django, sqlx, Prisma or Flyway)",
                ));
            }
        };
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let (table, sql) = table_sql(repo.tool);
        let qualified = match &self.schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(table)),
            None => quote_ident(table),
        };
        let exists: Option<String> = pg
            .meta
            .bounded(
                "the migrations table",
                sqlx::query_scalar("SELECT to_regclass($1)::text")
                    .bind(&qualified)
                    .fetch_one(&mut pg.conn),
            )
            .await?;
        let location = pg.meta.location();
        if exists.is_none() {
            pg.close().await;
            return Ok(Outcome::from_findings(
                format!("{table} not found: no {} migration applied", repo.tool),
                vec![
                    Finding::fail(
                        "pg-migrations-table-missing",
                        format!(
                            "{table} does not exist in the database; {} in the repository",
                            plural(repo.ids.len(), "migration", "migrations")
                        ),
                    )
                    .fix(upgrade_fix(repo.tool)),
                ],
            )
            .at(location));
        }
        let rows: Vec<(String, bool)> = pg
            .meta
            .bounded(
                table,
                sqlx::query_as(&format!("{} LIMIT 100000", sql.replace("{t}", &qualified)))
                    .fetch_all(&mut pg.conn),
            )
            .await?;
        pg.close().await;
        let mut db = DbMigrations {
            applied: BTreeSet::new(),
            failed: BTreeSet::new(),
        };
        for (id, ok) in rows {
            let id = normalise(repo.tool, &id);
            if ok {
                db.applied.insert(id);
            } else {
                db.failed.insert(id);
            }
        }
        Ok(conclude(&repo, &db, table).at(location))
    }
}

fn upgrade_fix(tool: &str) -> &'static str {
    match tool {
        "alembic" => "Run `alembic upgrade head` against this database",
        "django" => "Run `python manage.py migrate` against this database",
        "sqlx" => {
            "Run `sqlx migrate run` (or the service's embedded migrator) against this database"
        }
        "prisma" => "Run `prisma migrate deploy` against this database",
        _ => "Run `flyway migrate` against this database",
    }
}

fn conclude(repo: &RepoMigrations, db: &DbMigrations, table: &str) -> Outcome {
    let tool = repo.tool;
    let mut findings = Vec::new();
    for id in &db.failed {
        findings.push(
            Finding::fail(
                "pg-migrations-failed",
                format!("{table} records {tool} migration {id} as failed or unfinished"),
            )
            .fix("Repair the migration (fix and re-run, or mark it rolled back) before deploying"),
        );
    }
    for id in db.applied.iter().filter(|id| !repo.ids.contains_key(*id)) {
        findings.push(
            Finding::fail(
                "pg-migrations-unknown",
                format!("{table} records {tool} migration {id}, which the repository does not contain"),
            )
            .fix("Deploy from the branch that holds this migration, or check the database is the right one"),
        );
    }
    let pending: Vec<&String> = if tool == "alembic" {
        let applied: BTreeSet<String> = db.applied.iter().flat_map(|r| repo.ancestors(r)).collect();
        repo.ids.keys().filter(|r| !applied.contains(*r)).collect()
    } else {
        repo.ids
            .keys()
            .filter(|id| !db.applied.contains(*id))
            .collect()
    };
    for id in &pending {
        let (file, line) = &repo.ids[*id];
        findings.push(
            Finding::fail(
                "pg-migrations-pending",
                format!("{tool} migration {id} is not applied"),
            )
            .at(Location::at(file.clone(), *line))
            .fix(upgrade_fix(tool)),
        );
    }
    let heads = repo.heads();
    let (observed, expected) = if tool == "alembic" {
        let recorded: Vec<&str> = db.applied.iter().map(String::as_str).collect();
        let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
        (
            format!(
                "database at {}",
                if recorded.is_empty() {
                    "no revision".into()
                } else {
                    recorded.join(", ")
                }
            ),
            format!("head {}", heads.join(", ")),
        )
    } else {
        (
            format!(
                "{} of {} applied",
                repo.ids.len() - pending.len(),
                repo.ids.len()
            ),
            format!("all {} applied", repo.ids.len()),
        )
    };
    let summary = if findings.is_empty() {
        format!(
            "all {} {tool} migrations applied ({observed})",
            repo.ids.len()
        )
    } else if !pending.is_empty() {
        format!(
            "{} pending ({observed}, {expected})",
            plural(
                pending.len(),
                &format!("{tool} migration"),
                &format!("{tool} migrations")
            )
        )
    } else {
        format!("{tool} migrations do not match the repository ({observed}, {expected})")
    };
    Outcome::from_findings(summary, findings)
        .observed(observed)
        .expected(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_repo::RepoFile;

    fn files(dir: &std::path::Path, entries: &[(&str, &str)]) -> RepoFiles {
        let mut out = RepoFiles::default();
        for (rel, text) in entries {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            out.files.push(RepoFile {
                path,
                rel: rel.to_string(),
                size: text.len() as u64,
            });
        }
        out
    }

    #[test]
    fn alembic_heads_follow_down_revisions_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(
            dir.path(),
            &[
                (
                    "alembic/versions/a.py",
                    "revision = 'a1'\ndown_revision = None\n",
                ),
                (
                    "alembic/versions/b.py",
                    "revision: str = \"b2\"\ndown_revision: Union[str, None] = 'a1'\n",
                ),
                (
                    "alembic/versions/c.py",
                    "revision = 'c3'\ndown_revision = 'a1'\n",
                ),
                (
                    "alembic/versions/m.py",
                    "revision = 'm4'\ndown_revision = ('b2', 'c3')\n",
                ),
            ],
        );
        let m = read_repo(&f, None).unwrap();
        assert_eq!(m.tool, "alembic");
        assert_eq!(m.heads().into_iter().collect::<Vec<_>>(), ["m4"]);
        let db = DbMigrations {
            applied: ["b2".to_string()].into(),
            failed: BTreeSet::new(),
        };
        let o = conclude(&m, &db, "alembic_version");
        let codes: Vec<_> = o.evidence.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["pg-migrations-pending", "pg-migrations-pending"]);
        assert_eq!(
            o.evidence.findings[0].location.as_ref().unwrap().path,
            "alembic/versions/c.py"
        );
    }

    #[test]
    fn sqlx_and_flyway_versions_are_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(
            dir.path(),
            &[
                ("migrations/0001_init.sql", "create table a();"),
                (
                    "migrations/20240102030405_users.up.sql",
                    "create table b();",
                ),
                ("migrations/20240102030405_users.down.sql", "drop table b;"),
                ("db/migration/V1_1__x.sql", "create table c();"),
            ],
        );
        let m = read_repo(&f, Some("sqlx")).unwrap();
        assert_eq!(m.ids.keys().collect::<Vec<_>>(), ["1", "20240102030405"]);
        let m = read_repo(&f, Some("flyway")).unwrap();
        assert_eq!(m.ids.keys().collect::<Vec<_>>(), ["1.1"]);
    }
}
