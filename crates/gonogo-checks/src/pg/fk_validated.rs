//! `pg.fk-validated`: no foreign-key or check constraint is left `NOT VALID`.

use super::{DSN_PARAM, SCHEMA_FILTER, plural};
use crate::live;
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct PgFkValidated;

/// What the kind verifies: no constraint is left `NOT VALID`.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["foreign key*", "fk", "fks", "constraint*", "not valid"],
    qualifiers: &[&["validat*", "valid", "enforced"]],
    support: &["all", "every", "database", "postgr*"],
    excludes: &[
        "input",
        "request*",
        "payload*",
        "form*",
        "schema validat*",
        "json",
        "api",
        "tested",
        "index*",
    ],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "No foreign-key or check constraint in the database is left NOT VALID.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target) and \
        lists the foreign-key and check constraints of the user schemas (or of `schemas=`) \
        that were added `NOT VALID` and never validated: PostgreSQL enforces them for new rows \
        only, so existing rows may violate them. Fails with one finding per such constraint \
        (at most 200 listed); passes when every constraint is validated, and says how many it \
        saw. Errors when the database cannot be reached or read within the time bound; an error \
        when no database_url is configured.",
    params: &[
        DSN_PARAM,
        ParamDoc::optional(
            "schemas",
            "Comma list of schemas to inspect; default: every non-system schema.",
        ),
    ],
    examples: &["pg.fk-validated", "pg.fk-validated schemas=public"],
    claims: CLAIMS,
    phrases: &[
        "Foreign key constraints validated",
        "All constraints validated",
        "No NOT VALID constraints",
    ],
    not_phrases: &[
        "Input validation on all endpoints",
        "Configuration validated",
        "Docker compose stack validated (`scripts/validate_docker_stack.sh`)",
        "Indexes verified for query performance",
    ],
    findings: &[(
        "pg-constraint-not-valid",
        "A foreign-key or check constraint was added NOT VALID and never validated.",
    )],
};

impl CheckKind for PgFkValidated {
    fn id(&self) -> &'static str {
        "pg.fk-validated"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            schemas: super::schemas(params, "schemas")?,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    schemas: Option<Vec<String>>,
}

const COUNT: &str = "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
  WHERE c.contype IN ('f', 'c') AND ";
const QUERY: &str = "SELECT c.conrelid::regclass::text, c.conname::text, c.contype::text \
   FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
  WHERE c.contype IN ('f', 'c') AND NOT c.convalidated AND ";
const QUERY_TAIL: &str = " ORDER BY 1, 2 LIMIT $2";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let (total, rows): (i64, Vec<(String, String, String)>) = pg
            .count_and_list(
                &self.schemas,
                ("constraints", &format!("{COUNT}{SCHEMA_FILTER}")),
                (
                    "NOT VALID constraints",
                    &format!("{QUERY}{SCHEMA_FILTER}{QUERY_TAIL}"),
                ),
            )
            .await?;
        let location = pg.finish().await;
        let findings: Vec<Finding> = rows
            .iter()
            .map(|(table, name, kind)| {
                let what = if kind == "f" {
                    "foreign key"
                } else {
                    "check constraint"
                };
                Finding::fail(
                    "pg-constraint-not-valid",
                    format!(
                        "{what} {name} on {table} is NOT VALID: existing rows were never checked"
                    ),
                )
                .fix(format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};"))
            })
            .collect();
        let summary = if findings.is_empty() {
            if total == 0 {
                "no foreign-key or check constraints to check".to_string()
            } else {
                format!(
                    "all {} validated",
                    plural(total as usize, "constraint", "constraints")
                )
            }
        } else {
            format!(
                "{} of {total} NOT VALID",
                plural(findings.len(), "constraint", "constraints")
            )
        };
        Ok(Outcome::from_findings(summary, findings)
            .observed(format!("{} NOT VALID of {total}", rows.len()))
            .expected("0 NOT VALID")
            .at(location))
    }
}
