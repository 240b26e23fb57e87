//! `pg.rls`: every table in the exposed schemas has row-level security enabled.

use super::{DSN_PARAM, MAX_ROWS, plural};
use crate::live;
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::sync::OnceLock;

pub struct PgRls;

/// What the kind verifies: the exposed schemas' tables have row-level security, with policies.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["row level security", "rls"],
    support: &["enabled", "policies", "all tables", "every table", "on"],
    excludes: &["tested", "bypass*", "service role", "reviewed", "audit*"],
    slots: &[
        Slot::optional("schemas", Value::Read(rls_schemas)),
        Slot::optional("exclude", Value::Read(rls_exceptions)),
    ],
    weight: 85,
    ..Claim::EMPTY
}];

/// Where the item's exceptions begin ("…, except `public.waitlist`").
fn split_exceptions(display: &str) -> (&str, &str) {
    static EXCEPT: OnceLock<regex::Regex> = OnceLock::new();
    let except = EXCEPT.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(?:except|excluding|other than|but not)\b").expect("valid regex")
    });
    match except.find(display) {
        Some(m) => (&display[..m.start()], &display[m.end()..]),
        None => (display, ""),
    }
}

/// The code spans of `s` that are SQL names (`public`, `public.waitlist`).
fn code_names(s: &str, qualified: bool) -> Vec<String> {
    static CODE: OnceLock<regex::Regex> = OnceLock::new();
    let code = CODE.get_or_init(|| regex::Regex::new(r"`([^`\n]+)`").expect("valid regex"));
    let name = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    code.captures_iter(s)
        .map(|c| c[1].trim().to_string())
        .filter(|n| {
            let parts: Vec<&str> = n.split('.').collect();
            parts.iter().all(|p| name(p)) && (parts.len() == 1 || (qualified && parts.len() == 2))
        })
        .collect()
}

/// The schemas the item names in code spans before any exception.
fn rls_schemas(text: &Text<'_>) -> Option<String> {
    let names = code_names(split_exceptions(text.display).0, false);
    (!names.is_empty()).then(|| names.join(","))
}

/// The tables the item excepts.
fn rls_exceptions(text: &Text<'_>) -> Option<String> {
    let names = code_names(split_exceptions(text.display).1, true);
    (!names.is_empty()).then(|| names.join(","))
}

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Every table in the exposed schemas has row-level security enabled, with policies.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target) and \
        reads, for every ordinary and partitioned table of the exposed schemas (`schemas=`, \
        default `public`, the schema PostgREST and Supabase expose), whether row-level \
        security is enabled and how many policies it has. Fails with `pg-rls-disabled` for \
        each table without RLS (any role with table privileges then reads every row); warns \
        with `pg-rls-no-policies` for a table with RLS on and no policy (everyone but the \
        owner is denied everything, usually a mistake). Tables listed in `exclude=` are not \
        considered. Skipped when the schemas hold no tables; errors when no database_url is \
        configured or the database cannot be reached or read within the time bound.",
    params: &[
        DSN_PARAM,
        ParamDoc::with_default("schemas", "Comma list of exposed schemas.", "public"),
        ParamDoc::optional(
            "exclude",
            "Comma list of tables (`name` or `schema.name`) that need no RLS.",
        ),
    ],
    examples: &[
        "pg.rls",
        "pg.rls schemas=public,api exclude=public.alembic_version",
    ],
    claims: CLAIMS,
    phrases: &[
        "Row Level Security (RLS) policies enabled",
        "RLS enabled on all tables",
        "Row-level security enabled",
    ],
    not_phrases: &[
        "Security headers configured (HSTS, CSP)",
        "Role-based access control (RBAC) tested",
        "Transport Layer Security enabled",
    ],
    findings: &[
        (
            "pg-rls-disabled",
            "A table in an exposed schema has row-level security disabled.",
        ),
        (
            "pg-rls-no-policies",
            "A table has row-level security enabled but no policy, so only its owner can use it.",
        ),
    ],
};

impl CheckKind for PgRls {
    fn id(&self) -> &'static str {
        "pg.rls"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            schemas: super::schemas(params, "schemas")?.unwrap_or_default(),
            exclude: params.list("exclude").unwrap_or_default(),
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    schemas: Vec<String>,
    exclude: Vec<String>,
}

const QUERY: &str = "SELECT n.nspname::text, c.relname::text, c.relrowsecurity, \
        (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) \
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[]) \
  ORDER BY 1, 2 LIMIT $2";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let rows: Vec<(String, String, bool, i64)> = pg
            .meta
            .bounded(
                "tables and their row-level security",
                sqlx::query_as(QUERY)
                    .bind(&self.schemas)
                    .bind(MAX_ROWS * 10)
                    .fetch_all(&mut pg.conn),
            )
            .await?;
        let location = pg.finish().await;
        let schemas = self.schemas.join(", ");
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(s, t, _, _)| {
                !self
                    .exclude
                    .iter()
                    .any(|e| e == t || *e == format!("{s}.{t}"))
            })
            .collect();
        if rows.is_empty() {
            return Ok(Outcome::skipped(format!("no tables in schema {schemas}")).at(location));
        }
        let mut findings = Vec::new();
        let mut disabled = 0;
        for (schema, table, rls, policies) in &rows {
            let name = format!("{schema}.{table}");
            if !rls {
                disabled += 1;
                findings.push(
                    Finding::fail(
                        "pg-rls-disabled",
                        format!("{name} has row-level security disabled"),
                    )
                    .fix(format!(
                        "ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; then CREATE POLICY … ON {name}"
                    )),
                );
            } else if *policies == 0 {
                findings.push(
                    Finding::warn(
                        "pg-rls-no-policies",
                        format!("{name} has row-level security on but no policy: only its owner can read it"),
                    )
                    .fix(format!("CREATE POLICY … ON {name} FOR SELECT USING (…);")),
                );
            }
        }
        let summary = if disabled == 0 {
            format!(
                "row-level security on for all {} in {schemas}",
                plural(rows.len(), "table", "tables")
            )
        } else {
            format!(
                "{} of {} in {schemas} without row-level security",
                plural(disabled, "table", "tables"),
                rows.len()
            )
        };
        Ok(Outcome::from_findings(summary, findings)
            .observed(format!(
                "{} of {} tables with RLS",
                rows.len() - disabled,
                rows.len()
            ))
            .expected("every table")
            .at(location))
    }
}
