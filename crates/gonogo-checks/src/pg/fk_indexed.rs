//! `pg.fk-indexed`: every foreign key has an index that supports it.

use super::{DSN_PARAM, MAX_ROWS, SCHEMA_FILTER, plural};
use crate::live;
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct PgFkIndexed;

/// Indexes of something other than the database's tables.
const OTHER_INDEXES: &[&str] = &[
    "search",
    "elastic*",
    "opensearch",
    "rebuil*",
    "reindex*",
    "google",
    "sitemap*",
    "seo",
    "vector",
    "full text",
    "fulltext",
    "bloat*",
    "unused",
    "duplicat*",
];

/// What the kind verifies: every foreign key has an index that supports it.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["foreign key*", "fk", "fks"],
        qualifiers: &[&["index*"]],
        support: &["all", "every", "have", "covered"],
        excludes: OTHER_INDEXES,
        weight: 85,
        ..Claim::EMPTY
    },
    // "Indexes verified for query performance": the indexes a schema most often misses are
    // the ones under its foreign keys.
    Claim {
        subject: &["index*"],
        qualifiers: &[
            &["verified", "checked", "in place", "present"],
            &["query", "database", "db", "postgr*", "sql", "tabl*"],
        ],
        excludes: OTHER_INDEXES,
        weight: 70,
        ..Claim::EMPTY
    },
    // The deployment step "Update indexes if needed": an unsupported foreign key is the index
    // needed.
    Claim {
        subject: &["index*"],
        qualifiers: &[&["if needed", "where needed", "as needed", "missing"]],
        excludes: OTHER_INDEXES,
        weight: 70,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Every foreign key in the database has an index whose leading columns cover it.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target) and \
        lists the foreign-key constraints of the user schemas (or of `schemas=`) for which no \
        index on the referencing table starts with the constraint's columns (in any order). \
        Such a key makes every delete or update on the referenced table scan the referencing \
        table, and joins along the key slow. Fails with one finding per unsupported foreign \
        key (at most 200 listed); passes when every foreign key is supported, and says so when \
        there are none. Errors when the database cannot be reached or read within the time \
        bound; an error when no database_url is configured. The deployment step \"Update \
        indexes if needed\" binds here too: an unsupported foreign key is the index needed.",
    params: &[
        DSN_PARAM,
        ParamDoc::optional(
            "schemas",
            "Comma list of schemas to inspect; default: every non-system schema.",
        ),
    ],
    examples: &["pg.fk-indexed", "pg.fk-indexed schemas=public,billing"],
    claims: CLAIMS,
    phrases: &[
        "Indexes verified for query performance",
        "Foreign keys indexed",
        "All foreign key columns have indexes",
        "Update indexes if needed",
    ],
    not_phrases: &[
        "Foreign key constraints validated",
        "Search index rebuilt",
        "Database query optimization complete",
    ],
    findings: &[(
        "pg-fk-without-index",
        "A foreign key has no index starting with its columns on the referencing table.",
    )],
};

impl CheckKind for PgFkIndexed {
    fn id(&self) -> &'static str {
        "pg.fk-indexed"
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

/// Foreign keys whose columns are not the leading columns (as a set) of any valid index on the
/// referencing table.
const QUERY: &str = "SELECT c.conrelid::regclass::text, c.conname::text, c.confrelid::regclass::text, \
       (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) \
          FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) \
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
 WHERE c.contype = 'f' AND ";
const QUERY_TAIL: &str = " AND NOT EXISTS ( \
        SELECT 1 FROM pg_index i \
         WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indpred IS NULL \
           AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey \
           AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey) \
 ORDER BY 1, 2 LIMIT $2";
const COUNT: &str = "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
 WHERE c.contype = 'f' AND ";

/// A foreign key without a supporting index: table, constraint, referenced table, columns.
type Unindexed = (String, String, String, Option<String>);

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let (total, rows): (i64, Vec<Unindexed>) = pg
            .count_and_list(
                &self.schemas,
                ("foreign keys", &format!("{COUNT}{SCHEMA_FILTER}")),
                (
                    "foreign keys without an index",
                    &format!("{QUERY}{SCHEMA_FILTER}{QUERY_TAIL}"),
                ),
            )
            .await?;
        let location = pg.finish().await;
        let findings: Vec<Finding> = rows
            .iter()
            .map(|(table, name, referenced, cols)| {
                let cols = cols.clone().unwrap_or_default();
                Finding::fail(
                    "pg-fk-without-index",
                    format!(
                        "foreign key {name} on {table} ({cols}) → {referenced} has no supporting index"
                    ),
                )
                .fix(format!(
                    "CREATE INDEX CONCURRENTLY ON {table} ({cols});"
                ))
            })
            .collect();
        let summary = if findings.is_empty() {
            if total == 0 {
                "no foreign keys to check".to_string()
            } else {
                format!(
                    "all {} have a supporting index",
                    plural(total as usize, "foreign key", "foreign keys")
                )
            }
        } else {
            let cut = if findings.len() as i64 >= MAX_ROWS {
                " (first 200 listed)"
            } else {
                ""
            };
            format!(
                "{} of {total} without a supporting index{cut}",
                plural(findings.len(), "foreign key", "foreign keys")
            )
        };
        Ok(Outcome::from_findings(summary, findings)
            .observed(format!("{} unindexed of {total}", rows.len()))
            .expected("0 unindexed")
            .at(location))
    }
}
