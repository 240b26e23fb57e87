//! `pg.schema-applied`: the objects a schema SQL file creates exist in the database.
//!
//! The file is read with a small SQL lexer (comments, string literals, dollar-quoted bodies,
//! quoted identifiers, psql meta-commands and `COPY … FROM stdin` data are understood), so a
//! `CREATE` inside a function body or a comment is not taken for one of the file's objects.
//! The database side is one catalogue query per batch of objects.

use super::{DSN_PARAM, plural};
use crate::live;
use crate::util::check_relative;
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value, values};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_parsers::sql::{Cursor, Tok, Token, statements, truncate_ident};
use gonogo_repo::{MAX_TEXT_BYTES, ReadError, read_text, resolve_in_repo};
use std::collections::BTreeMap;

pub struct PgSchemaApplied;

/// Wording about something other than the schema being in the database.
const NOT_APPLIED: &[&str] = &[
    "tested",
    "test",
    "staging",
    "documented",
    "documentation",
    "verify",
    "verified",
    "review*",
    "changes",
    "backup*",
    "rollback",
    "migration*",
    "lint*",
    "diff*",
    "drift",
];

/// What the kind verifies: every object the named SQL file creates exists in the database.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["schema", "sql"],
        qualifiers: &[&[
            "applied",
            "loaded",
            "created",
            "deployed",
            "installed",
            "executed",
            "imported",
            "in place",
            "set up",
            "present",
        ]],
        excludes: NOT_APPLIED,
        slots: &[Slot::required("file", Value::Read(sql_file))],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["apply", "load", "run", "execute", "import"],
        excludes: NOT_APPLIED,
        slots: &[Slot::required("file", Value::Read(sql_file))],
        weight: 75,
        ..Claim::EMPTY
    },
];

/// The `.sql` file the item names, relative to the repository.
fn sql_file(text: &Text<'_>) -> Option<String> {
    let file = values::code(text)
        .and_then(|c| values::path(&c))
        .or_else(|| values::path(&text.plain))?;
    file.ends_with(".sql").then_some(file)
}

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Every object a schema SQL file creates exists in the database.",
    description: "Reads the SQL file `file=` (repository-relative, at most 8 MiB) and collects \
        what it creates: tables (`CREATE [UNLOGGED|FOREIGN] TABLE [IF NOT EXISTS]`), named \
        indexes, views and materialized views, sequences, functions and procedures (by name), \
        types and domains, extensions, policies (`CREATE POLICY name ON table`), triggers, and \
        tables it puts under row-level security (`ALTER TABLE … ENABLE ROW LEVEL SECURITY`). \
        Comments, string literals and dollar-quoted bodies are skipped, so a `CREATE` inside \
        a function body or a `DO` block is not counted, nor are temporary objects, unnamed \
        indexes (their names are generated) and objects the file drops again; psql \
        meta-commands and `COPY … FROM stdin` data (pg_dump output) are understood. Unqualified names belong to `schema=` \
        (default `public`), or to the first schema of the latest `SET search_path` before \
        them. Then connects read-only to the database (`dsn=` or the `database_url` target) \
        and reads the catalogue. Fails with one finding per missing object, at its line in \
        the file (an object of the name and another sort, a table where a view is declared, is \
        missing too): `pg-schema-table-missing`, `pg-schema-index-missing`, \
        `pg-schema-view-missing`, `pg-schema-sequence-missing`, \
        `pg-schema-function-missing`, `pg-schema-type-missing`, \
        `pg-schema-extension-missing`, `pg-schema-policy-missing`, \
        `pg-schema-trigger-missing`, and `pg-schema-rls-off` for a table whose row-level \
        security is off; fails with `pg-schema-file-missing` when the file does not exist and \
        `pg-schema-file-unreadable` when it is too large or binary. Errors when the file \
        creates nothing recognisable or the database cannot be read within the time bound; \
        an error when no database_url is configured.",
    params: &[
        ParamDoc::required(
            "file",
            "The schema SQL file, relative to the repository root (`scripts/setup-supabase.sql`).",
        ),
        DSN_PARAM,
        ParamDoc::with_default(
            "schema",
            "Schema of unqualified names (until the file sets `search_path`).",
            "public",
        ),
    ],
    examples: &[
        "pg.schema-applied file=scripts/setup-supabase.sql",
        "pg.schema-applied file=db/schema.sql schema=app",
    ],
    claims: CLAIMS,
    phrases: &[
        "Database schema applied (`scripts/setup-supabase.sql`)",
        "Schema loaded from db/schema.sql",
        "Database schema created (`sql/init.sql`)",
        "Production schema deployed (schema.sql)",
    ],
    not_phrases: &[
        "All migrations tested in staging",
        "Run database migrations",
        "Database schema documented",
        "Verify schema changes",
        "Schema changes reviewed (`db/schema.sql`)",
        "Database backup taken before migration",
    ],
    findings: &[
        (
            "pg-schema-table-missing",
            "A table the file creates does not exist in the database.",
        ),
        (
            "pg-schema-index-missing",
            "A named index the file creates does not exist.",
        ),
        (
            "pg-schema-view-missing",
            "A view or materialized view the file creates does not exist.",
        ),
        (
            "pg-schema-sequence-missing",
            "A sequence the file creates does not exist.",
        ),
        (
            "pg-schema-function-missing",
            "No function or procedure of the name the file creates exists in its schema.",
        ),
        (
            "pg-schema-type-missing",
            "A type or domain the file creates does not exist.",
        ),
        (
            "pg-schema-extension-missing",
            "An extension the file creates is not installed.",
        ),
        (
            "pg-schema-policy-missing",
            "A row-level security policy the file creates does not exist on its table.",
        ),
        (
            "pg-schema-trigger-missing",
            "A trigger the file creates does not exist on its table.",
        ),
        (
            "pg-schema-rls-off",
            "The file enables row-level security on a table, and the table has it off.",
        ),
        ("pg-schema-file-missing", "The schema file does not exist."),
        (
            "pg-schema-file-unreadable",
            "The schema file is too large or not a text file.",
        ),
    ],
};

impl CheckKind for PgSchemaApplied {
    fn id(&self) -> &'static str {
        "pg.schema-applied"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let file = params
            .str("file")
            .ok_or_else(|| ParamError::new("file", "is required (the schema SQL file)"))?;
        check_relative("file", file)?;
        let schema = params.required("schema")?;
        if schema.trim().is_empty() {
            return Err(ParamError::new("schema", "is empty"));
        }
        Ok(live::prepared(Prepared {
            file: file.trim_start_matches("./").to_string(),
            dsn: params.str("dsn").map(String::from),
            schema: schema.trim().to_string(),
        }))
    }
}

struct Prepared {
    file: String,
    dsn: Option<String>,
    schema: String,
}

/// The kind of object a `CREATE …`/`DROP …` names, its keywords consumed; none for objects
/// the check does not track.
fn object_sort(c: &mut Cursor<'_>) -> Option<Sort> {
    Some(if c.kw("table") || c.kws(&["foreign", "table"]) {
        Sort::Table
    } else if c.kw("view") {
        Sort::View
    } else if c.kws(&["materialized", "view"]) {
        Sort::MatView
    } else if c.kw("index") {
        Sort::Index
    } else if c.kw("sequence") {
        Sort::Sequence
    } else if c.kw("function") {
        Sort::Function
    } else if c.kw("procedure") {
        Sort::Procedure
    } else if c.kw("type") {
        Sort::Type
    } else if c.kw("domain") {
        Sort::Domain
    } else if c.kw("extension") {
        Sort::Extension
    } else if c.kw("policy") {
        Sort::Policy
    } else if c.kw("trigger") {
        Sort::Trigger
    } else {
        return None;
    })
}

/// What sort of object a statement declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sort {
    Table,
    View,
    MatView,
    Index,
    Sequence,
    Function,
    Procedure,
    Type,
    Domain,
    Extension,
    Policy,
    Trigger,
    /// `ALTER TABLE … ENABLE ROW LEVEL SECURITY`: the table must have RLS on.
    Rls,
}

impl Sort {
    fn noun(self) -> &'static str {
        match self {
            Sort::Table => "table",
            Sort::View => "view",
            Sort::MatView => "materialized view",
            Sort::Index => "index",
            Sort::Sequence => "sequence",
            Sort::Function => "function",
            Sort::Procedure => "procedure",
            Sort::Type => "type",
            Sort::Domain => "domain",
            Sort::Extension => "extension",
            Sort::Policy => "policy",
            Sort::Trigger => "trigger",
            Sort::Rls => "row-level security",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Sort::Table => "pg-schema-table-missing",
            Sort::View | Sort::MatView => "pg-schema-view-missing",
            Sort::Index => "pg-schema-index-missing",
            Sort::Sequence => "pg-schema-sequence-missing",
            Sort::Function | Sort::Procedure => "pg-schema-function-missing",
            Sort::Type | Sort::Domain => "pg-schema-type-missing",
            Sort::Extension => "pg-schema-extension-missing",
            Sort::Policy => "pg-schema-policy-missing",
            Sort::Trigger => "pg-schema-trigger-missing",
            Sort::Rls => "pg-schema-rls-off",
        }
    }

    /// The catalogue look-up the query makes for this sort.
    fn class(self) -> &'static str {
        match self {
            Sort::Table | Sort::View | Sort::MatView | Sort::Index | Sort::Sequence => "rel",
            Sort::Function | Sort::Procedure => "function",
            Sort::Type | Sort::Domain => "type",
            Sort::Extension => "extension",
            Sort::Policy => "policy",
            Sort::Trigger => "trigger",
            Sort::Rls => "rls",
        }
    }

    /// The `pg_class.relkind`s a relation of this sort may have.
    fn relkinds(self) -> &'static [&'static str] {
        match self {
            Sort::Table => &["r", "p", "f"],
            Sort::View => &["v"],
            Sort::MatView => &["m"],
            Sort::Index => &["i", "I"],
            Sort::Sequence => &["S"],
            _ => &[],
        }
    }
}

fn relkind_noun(k: &str) -> &'static str {
    match k {
        "r" | "p" => "table",
        "f" => "foreign table",
        "v" => "view",
        "m" => "materialized view",
        "i" | "I" => "index",
        "S" => "sequence",
        "c" => "composite type",
        "t" => "TOAST table",
        _ => "relation",
    }
}

/// One object the file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    pub sort: Sort,
    /// Empty for extensions (they are not in a schema).
    pub schema: String,
    pub name: String,
    /// The table of a policy, trigger or index (in `schema`).
    pub on: Option<String>,
    /// 1-based line of the statement in the file.
    pub line: usize,
}

impl Object {
    /// `schema.name`, quoted where PostgreSQL would quote.
    fn qualified(&self) -> String {
        if self.schema.is_empty() {
            ident(&self.name)
        } else {
            format!("{}.{}", ident(&self.schema), ident(&self.name))
        }
    }

    /// What the object is, for messages: `table public.orders`, `policy p on public.t`.
    fn shown(&self) -> String {
        let name = self.qualified();
        match (&self.sort, &self.on) {
            (Sort::Policy | Sort::Trigger, Some(t)) => format!(
                "{} {} on {}.{}",
                self.sort.noun(),
                ident(&self.name),
                ident(&self.schema),
                ident(t)
            ),
            (Sort::Rls, _) => name,
            _ => format!("{} {name}", self.sort.noun()),
        }
    }
}

/// An identifier as PostgreSQL would print it: bare when it needs no quotes.
fn ident(s: &str) -> String {
    let mut chars = s.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if bare {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// What the file declares.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// In file order.
    pub objects: Vec<Object>,
    /// How many `CREATE` statements the file has, recognised or not.
    pub creates: usize,
}

type Key = (Sort, String, String, Option<String>);

struct Collector {
    default_schema: String,
    /// The schema unqualified names go to (the first of the latest `SET search_path`).
    schema: String,
    objects: BTreeMap<Key, Object>,
    /// (schema, table) → the keys of the indexes, policies and triggers on it, so dropping
    /// the table drops them without a scan of every object.
    dependents: BTreeMap<(String, String), Vec<Key>>,
    creates: usize,
}

impl Collector {
    fn add(&mut self, sort: Sort, schema: String, name: String, on: Option<String>, line: usize) {
        // Policies and triggers are named per table; an index name is unique in its schema.
        let key_on = match sort {
            Sort::Policy | Sort::Trigger => on.clone(),
            _ => None,
        };
        let key = (sort, schema.clone(), name.clone(), key_on);
        if let Some(t) = &on {
            self.dependents
                .entry((schema.clone(), t.clone()))
                .or_default()
                .push(key.clone());
        }
        self.objects.entry(key).or_insert(Object {
            sort,
            schema,
            name,
            on,
            line,
        });
    }

    fn schema_of(&self, qualified: Option<String>) -> String {
        qualified.unwrap_or_else(|| self.schema.clone())
    }

    fn statement(&mut self, toks: &[Token]) {
        let Some(first) = toks.first() else { return };
        let line = first.line;
        let mut c = Cursor::new(toks);
        if c.kw("create") {
            self.creates += 1;
            self.create(&mut c, line);
        } else if c.kw("alter") {
            if c.kw("table") {
                c.if_exists();
                c.kw("only");
                let Some((s, t)) = c.qname() else { return };
                let schema = self.schema_of(s);
                // The last ENABLE / DISABLE of the statement wins.
                let enable = c.last(&["enable", "row", "level", "security"]);
                let disable = c.last(&["disable", "row", "level", "security"]);
                match (enable, disable) {
                    (Some(e), d) if d.is_none_or(|d| d < e) => {
                        self.add(Sort::Rls, schema, t, None, line)
                    }
                    (_, Some(_)) => {
                        self.objects.remove(&(Sort::Rls, schema, t, None));
                    }
                    _ => {}
                }
            }
        } else if c.kw("drop") {
            self.drop(&mut c);
        } else if c.kw("set") {
            if !c.kw("session") {
                c.kw("local");
            }
            if c.kw("search_path") && (c.punct('=') || c.kw("to")) {
                self.search_path(&mut c);
            }
        }
    }

    fn search_path(&mut self, c: &mut Cursor<'_>) {
        if c.kw("default") {
            self.schema = self.default_schema.clone();
            return;
        }
        while let Some(t) = c.toks.get(c.i) {
            c.i += 1;
            let s = match &t.tok {
                Tok::Word(w) => w.to_ascii_lowercase(),
                Tok::Quoted(q) => q.clone(),
                // `SET search_path = 'app, public'` names them in one literal.
                Tok::Lit(l) => match l.split(',').map(str::trim).find(|s| !s.is_empty()) {
                    Some(s) => s.trim_matches('"').to_string(),
                    None => continue,
                },
                _ => continue,
            };
            if s != "$user" && s != "pg_catalog" && !s.is_empty() {
                self.schema = truncate_ident(s);
                return;
            }
        }
    }

    fn create(&mut self, c: &mut Cursor<'_>, line: usize) {
        c.kws(&["or", "replace"]);
        let mut temp = false;
        loop {
            if c.kw("temp") || c.kw("temporary") {
                temp = true;
            } else if !(c.kw("global")
                || c.kw("local")
                || c.kw("unlogged")
                || c.kw("recursive")
                || c.kw("unique")
                || c.kw("constraint")
                || c.kw("trusted")
                || c.kw("procedural"))
            {
                break;
            }
        }
        let Some(sort) = object_sort(c) else { return };
        if temp {
            return;
        }
        match sort {
            Sort::Index => {
                c.kw("concurrently");
                c.if_not_exists();
                // An unnamed index (`CREATE INDEX ON t (…)`) gets a generated name: nothing
                // to look up.
                if c.peek_kw("on") {
                    return;
                }
                let Some((_, name)) = c.qname() else { return };
                if !c.kw("on") {
                    return;
                }
                c.kw("only");
                let Some((s, table)) = c.qname() else { return };
                // An index lives in its table's schema.
                let schema = self.schema_of(s);
                self.add(sort, schema, name, Some(table), line);
            }
            Sort::Extension => {
                c.if_not_exists();
                if let Some(name) = c.ident() {
                    self.add(sort, String::new(), name, None, line);
                }
            }
            Sort::Policy | Sort::Trigger => {
                let Some(name) = c.ident() else { return };
                if !c.past_on() {
                    return;
                }
                let Some((s, table)) = c.qname() else { return };
                let schema = self.schema_of(s);
                self.add(sort, schema, name, Some(table), line);
            }
            _ => {
                c.if_not_exists();
                let Some((s, name)) = c.qname() else { return };
                let schema = self.schema_of(s);
                self.add(sort, schema, name, None, line);
            }
        }
    }

    fn drop(&mut self, c: &mut Cursor<'_>) {
        let Some(sort) = object_sort(c) else { return };
        c.kw("concurrently");
        c.if_exists();
        loop {
            match sort {
                Sort::Policy | Sort::Trigger => {
                    let Some(name) = c.ident() else { return };
                    if !c.kw("on") {
                        return;
                    }
                    let Some((s, table)) = c.qname() else { return };
                    let schema = self.schema_of(s);
                    self.objects.remove(&(sort, schema, name, Some(table)));
                }
                Sort::Extension => {
                    let Some(name) = c.ident() else { return };
                    self.objects.remove(&(sort, String::new(), name, None));
                }
                Sort::Index => {
                    let Some((s, name)) = c.qname() else { return };
                    let schema = self.schema_of(s);
                    self.objects.remove(&(Sort::Index, schema, name, None));
                }
                _ => {
                    let Some((s, name)) = c.qname() else { return };
                    c.skip_parens();
                    let schema = self.schema_of(s);
                    if sort == Sort::Table {
                        // What hangs on the table goes with it.
                        for key in self
                            .dependents
                            .remove(&(schema.clone(), name.clone()))
                            .unwrap_or_default()
                        {
                            self.objects.remove(&key);
                        }
                        self.objects
                            .remove(&(Sort::Rls, schema.clone(), name.clone(), None));
                        self.objects.remove(&(Sort::Table, schema, name, None));
                    } else {
                        self.objects.remove(&(sort, schema, name, None));
                    }
                }
            }
            if !c.punct(',') {
                return;
            }
        }
    }
}

/// The objects `text` declares; unqualified names go to `default_schema`.
pub(crate) fn declared(text: &str, default_schema: &str) -> Declared {
    let mut col = Collector {
        default_schema: default_schema.to_string(),
        schema: default_schema.to_string(),
        objects: BTreeMap::new(),
        dependents: BTreeMap::new(),
        creates: 0,
    };
    for stmt in statements(text) {
        col.statement(&stmt);
    }
    let mut objects: Vec<Object> = col.objects.into_values().collect();
    objects.sort_by_key(|o| o.line);
    Declared {
        objects,
        creates: col.creates,
    }
}

// ---------------------------------------------------------------------------------------------
// Asking the database

/// Per object (in order): the relkind of a relation, `t`/`f` for a table's row-level
/// security, `y` for any other sort that exists; NULL when absent.
const QUERY: &str = "SELECT CASE o.class \
    WHEN 'rel' THEN (SELECT c.relkind::text FROM pg_catalog.pg_class c \
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = o.sch AND c.relname = o.name) \
    WHEN 'rls' THEN (SELECT CASE WHEN c.relrowsecurity THEN 't' ELSE 'f' END \
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = o.sch AND c.relname = o.name AND c.relkind IN ('r', 'p')) \
    WHEN 'function' THEN (SELECT 'y' FROM pg_catalog.pg_proc p \
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
        WHERE n.nspname = o.sch AND p.proname = o.name LIMIT 1) \
    WHEN 'type' THEN (SELECT 'y' FROM pg_catalog.pg_type t \
        JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
        WHERE n.nspname = o.sch AND t.typname = o.name \
          AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_catalog.pg_class r \
               WHERE r.oid = t.typrelid AND r.relkind = 'c')) LIMIT 1) \
    WHEN 'extension' THEN (SELECT 'y' FROM pg_catalog.pg_extension e WHERE e.extname = o.name) \
    WHEN 'policy' THEN (SELECT 'y' FROM pg_catalog.pg_policy p \
        JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = o.sch AND c.relname = o.rel AND p.polname = o.name) \
    WHEN 'trigger' THEN (SELECT 'y' FROM pg_catalog.pg_trigger g \
        JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid \
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = o.sch AND c.relname = o.rel AND g.tgname = o.name \
          AND NOT g.tgisinternal) \
    END \
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY \
       AS o(class, sch, name, rel, i) \
 ORDER BY o.i";

/// Objects looked up per query: the arrays stay small, the round trips few.
const BATCH: usize = 2000;

/// What one object's look-up found.
fn judge(o: &Object, found: Option<&str>, all: &[Object], file: &str) -> Option<Finding> {
    let at = Location::at(file.to_string(), o.line);
    let fix = format!("Apply {file} to this database (psql -f {file})");
    match o.sort {
        Sort::Rls => match found {
            Some("t") => None,
            Some(_) => Some(
                Finding::fail(
                    o.sort.code(),
                    format!("{} has row-level security off", o.qualified()),
                )
                .at(at)
                .fix(format!(
                    "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
                    o.qualified()
                )),
            ),
            None => {
                // A table the file creates is already reported as missing.
                let declared = all
                    .iter()
                    .any(|t| t.sort == Sort::Table && t.schema == o.schema && t.name == o.name);
                (!declared).then(|| {
                    Finding::fail(
                        Sort::Table.code(),
                        format!(
                            "table {} does not exist (the file enables its row-level security)",
                            o.qualified()
                        ),
                    )
                    .at(at)
                    .fix(fix)
                })
            }
        },
        sort if sort.class() == "rel" => match found {
            Some(k) if sort.relkinds().contains(&k) => None,
            Some(k) => Some(
                Finding::fail(
                    sort.code(),
                    format!(
                        "{} is a {} in the database, not a {}",
                        o.qualified(),
                        relkind_noun(k),
                        sort.noun()
                    ),
                )
                .at(at)
                .fix(fix),
            ),
            None => Some(
                Finding::fail(sort.code(), format!("{} does not exist", o.shown()))
                    .at(at)
                    .fix(fix),
            ),
        },
        sort => match found {
            Some(_) => None,
            None => Some(
                Finding::fail(
                    sort.code(),
                    match sort {
                        Sort::Extension => format!("{} is not installed", o.shown()),
                        _ => format!("{} does not exist", o.shown()),
                    },
                )
                .at(at)
                .fix(match sort {
                    Sort::Extension => format!("CREATE EXTENSION {};", ident(&o.name)),
                    _ => fix,
                }),
            ),
        },
    }
}

/// "4 tables, 2 indexes, row-level security on 2 tables".
fn tally(objects: &[Object]) -> String {
    let mut counts: BTreeMap<Sort, usize> = BTreeMap::new();
    for o in objects {
        *counts.entry(o.sort).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(sort, n)| match sort {
            Sort::Rls => format!("row-level security on {}", plural(n, "table", "tables")),
            Sort::Index => plural(n, "index", "indexes"),
            Sort::Policy => plural(n, "policy", "policies"),
            Sort::MatView => plural(n, "materialized view", "materialized views"),
            s => plural(n, s.noun(), &format!("{}s", s.noun())),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn conclude(file: &str, objects: &[Object], found: &[Option<String>]) -> Outcome {
    let findings: Vec<Finding> = objects
        .iter()
        .zip(found)
        .filter_map(|(o, f)| judge(o, f.as_deref(), objects, file))
        .collect();
    let n = objects.len();
    let summary = if findings.is_empty() {
        format!(
            "all {} of {file} are in the database ({})",
            plural(n, "object", "objects"),
            tally(objects)
        )
    } else {
        format!(
            "{} of {} of {file} missing or different in the database",
            findings.len(),
            plural(n, "object", "objects")
        )
    };
    Outcome::from_findings(summary, findings.clone())
        .observed(format!("{} of {n} present", n - findings.len()))
        .expected(format!("every object {file} creates"))
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        // Before reading anything: without a target the item is an error.
        if let Err(o) = super::dsn(self.dsn.as_deref(), ctx) {
            return Ok(o);
        }
        let file = self.file.clone();
        let path = match resolve_in_repo(&ctx.repo, &self.file) {
            Ok(p) => p,
            Err(ReadError::Missing) => {
                return Ok(Outcome::from_findings(
                    format!("{file} not found in the repository"),
                    vec![
                        Finding::fail("pg-schema-file-missing", format!("{file} does not exist"))
                            .at(Location::file(file.clone()))
                            .fix("Point `file=` at the schema SQL file the database is built from"),
                    ],
                ));
            }
            Err(e) => return Ok(Outcome::error(format!("{file}: {e}")).at(Location::file(file))),
        };
        let schema = self.schema.clone();
        let read = tokio::task::spawn_blocking(move || {
            read_text(&path, MAX_TEXT_BYTES).map(|text| declared(&text, &schema))
        })
        .await;
        let declared = match read {
            Ok(Ok(d)) => d,
            // What the file holds is the repository's: a finding.
            Ok(Err(e @ (ReadError::TooLarge(_) | ReadError::Binary))) => {
                let why = format!("{file} is {e}");
                return Ok(Outcome::from_findings(
                    why.clone(),
                    vec![
                        Finding::fail("pg-schema-file-unreadable", why)
                            .at(Location::file(file.clone()))
                            .fix("Point `file=` at a readable SQL text file"),
                    ],
                ));
            }
            // A FIFO, a device or an unreadable file: gonogo cannot tell.
            Ok(Err(e)) => {
                return Ok(Outcome::error(format!("{file}: {e}")).at(Location::file(file)));
            }
            Err(e) => {
                return Ok(Outcome::error(format!(
                    "reading {file} stopped unexpectedly: {e}"
                )));
            }
        };
        if declared.objects.is_empty() {
            const SORTS: &str = "tables, indexes, views, sequences, functions, types, extensions, policies or triggers";
            let why = if declared.creates == 0 {
                format!("no CREATE statements found in {file}: expected {SORTS}")
            } else {
                format!(
                    "no CREATE statements found in {file} for {SORTS}: its {} make other objects",
                    plural(declared.creates, "CREATE statement", "CREATE statements")
                )
            };
            return Ok(Outcome::error(why).at(Location::file(file)));
        }
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let mut found: Vec<Option<String>> = Vec::with_capacity(declared.objects.len());
        for batch in declared.objects.chunks(BATCH) {
            let classes: Vec<&str> = batch.iter().map(|o| o.sort.class()).collect();
            let schemas: Vec<&str> = batch.iter().map(|o| o.schema.as_str()).collect();
            let names: Vec<&str> = batch.iter().map(|o| o.name.as_str()).collect();
            let rels: Vec<&str> = batch
                .iter()
                .map(|o| o.on.as_deref().unwrap_or(""))
                .collect();
            let rows: Vec<Option<String>> = pg
                .meta
                .bounded(
                    "the catalogue",
                    sqlx::query_scalar(QUERY)
                        .bind(&classes)
                        .bind(&schemas)
                        .bind(&names)
                        .bind(&rels)
                        .fetch_all(&mut pg.conn),
                )
                .await?;
            if rows.len() != batch.len() {
                return Ok(Outcome::error(format!(
                    "the catalogue of {} answered {} rows for {} objects",
                    pg.meta.shown,
                    rows.len(),
                    batch.len()
                )));
            }
            found.extend(rows);
        }
        let location = pg.finish().await;
        Ok(conclude(&file, &declared.objects, &found).at(location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{params, recognise};

    fn objs(sql: &str) -> Vec<(Sort, String, usize)> {
        declared(sql, "public")
            .objects
            .iter()
            .map(|o| {
                let name = match &o.on {
                    Some(t) => format!("{}.{}@{}", o.schema, o.name, t),
                    None if o.schema.is_empty() => o.name.clone(),
                    None => format!("{}.{}", o.schema, o.name),
                };
                (o.sort, name, o.line)
            })
            .collect()
    }

    fn o(sort: Sort, name: &str, line: usize) -> (Sort, String, usize) {
        (sort, name.to_string(), line)
    }

    #[test]
    fn collects_every_sort_with_its_line() {
        let sql = "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\n\
            create table if not exists Profiles (id uuid primary key, name text);\n\
            CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS profiles_name_idx ON public.profiles (name);\n\
            CREATE INDEX ON profiles (id);\n\
            CREATE OR REPLACE VIEW app.\"Active Users\" AS SELECT 1;\n\
            CREATE MATERIALIZED VIEW IF NOT EXISTS stats AS SELECT 1;\n\
            CREATE SEQUENCE IF NOT EXISTS order_no;\n\
            CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
            CREATE DOMAIN email AS text;\n\
            CREATE OR REPLACE FUNCTION public.handle_new_user() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n\
            ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;\n\
            CREATE POLICY \"Users read own\" ON public.profiles FOR SELECT USING (auth.uid() = id);\n\
            CREATE TRIGGER on_auth_user_created AFTER INSERT OR UPDATE OF name ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();\n\
            CREATE SCHEMA app;\n";
        assert_eq!(
            objs(sql),
            [
                o(Sort::Extension, "uuid-ossp", 1),
                o(Sort::Table, "public.profiles", 2),
                o(Sort::Index, "public.profiles_name_idx@profiles", 3),
                o(Sort::View, "app.Active Users", 5),
                o(Sort::MatView, "public.stats", 6),
                o(Sort::Sequence, "public.order_no", 7),
                o(Sort::Type, "public.mood", 8),
                o(Sort::Domain, "public.email", 9),
                o(Sort::Function, "public.handle_new_user", 10),
                o(Sort::Rls, "public.profiles", 11),
                o(Sort::Policy, "public.Users read own@profiles", 12),
                o(Sort::Trigger, "auth.on_auth_user_created@users", 13),
            ]
        );
        let d = declared(sql, "public");
        assert_eq!(d.creates, 13);
    }

    #[test]
    fn comments_literals_and_bodies_hide_what_they_hold() {
        let sql = "-- CREATE TABLE commented (id int);\n\
            /* CREATE TABLE blocked (id int);\n /* nested */ CREATE TABLE still_comment (); */\n\
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\n\
            BEGIN\n  CREATE TABLE inside_body (id int); EXECUTE 'CREATE TABLE dyn ()';\n\
              PERFORM $$ CREATE TABLE inner_dollar () $$;\nEND\n$body$;\n\
            CREATE FUNCTION g() RETURNS text AS 'SELECT ''CREATE TABLE in_string ()''; ' LANGUAGE sql;\n\
            DO $$ BEGIN CREATE TABLE in_do (); END $$;\n\
            INSERT INTO t VALUES (E'it\\'s; CREATE TABLE escaped ()');\n\
            SELECT $1, a$b$ FROM x; CREATE TABLE after_all (id int); -- CREATE TABLE trailing\n";
        assert_eq!(
            objs(sql),
            [
                o(Sort::Function, "public.f", 4),
                o(Sort::Function, "public.g", 10),
                o(Sort::Table, "public.after_all", 13),
            ]
        );
    }

    #[test]
    fn quoted_identifiers_keep_their_case_and_unquoted_fold() {
        let sql = "CREATE TABLE \"Weird Name\" (x int);\nCREATE TABLE \"My\"\"Schema\".Orders ();\n\
            CREATE TABLE db.sales.\"Line Items\" ();\n";
        assert_eq!(
            objs(sql),
            [
                o(Sort::Table, "public.Weird Name", 1),
                o(Sort::Table, "My\"Schema.orders", 2),
                o(Sort::Table, "sales.Line Items", 3),
            ]
        );
        assert_eq!(
            objs("CREATE TABLE U&\"d\\0061t\\+000061\\\\\" ();"),
            [o(Sort::Table, "public.data\\", 1)]
        );
        let long = format!("CREATE TABLE {} ();", "a".repeat(70));
        assert_eq!(declared(&long, "public").objects[0].name.len(), 63);
    }

    #[test]
    fn search_path_drops_temp_tables_and_psql_commands() {
        let sql = "\\connect app\n\
            SET search_path = app, public;\nCREATE TABLE a ();\n\
            CREATE TEMP TABLE scratch ();\nCREATE TABLE gone (); DROP TABLE IF EXISTS gone CASCADE;\n\
            CREATE TABLE keep (); DROP TABLE IF EXISTS keep; CREATE TABLE keep ();\n\
            COPY a (x) FROM stdin;\nCREATE TABLE copy_data ();\n\\.\n\
            SET search_path TO DEFAULT;\nCREATE TABLE b ();\n\
            CREATE TABLE t (); ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t DISABLE ROW LEVEL SECURITY;\n\
            SET search_path TO \"$user\", ext;\nCREATE TYPE c AS (x int);\n\
            CREATE TABLE ext.u (); CREATE INDEX u_i ON u (x); CREATE POLICY p ON u USING (true); DROP TABLE u;\n\
            ALTER TABLE IF EXISTS ONLY v DISABLE ROW LEVEL SECURITY, ENABLE ROW LEVEL SECURITY;\n\
            CREATE INDEX i2 ON c (x); DROP INDEX IF EXISTS i2;\n";
        assert_eq!(
            objs(sql),
            [
                o(Sort::Table, "app.a", 3),
                o(Sort::Table, "app.keep", 6),
                o(Sort::Table, "public.b", 11),
                o(Sort::Table, "public.t", 12),
                o(Sort::Type, "ext.c", 14),
                o(Sort::Rls, "ext.v", 16),
            ]
        );
    }

    #[test]
    fn nothing_recognisable_is_empty_and_create_counts() {
        let d = declared("CREATE SCHEMA app; CREATE ROLE x; SELECT 1;", "public");
        assert!(d.objects.is_empty());
        assert_eq!(d.creates, 2);
        assert!(declared("", "public").objects.is_empty());
        // Non-UTF-8 input arrives lossily decoded; unterminated constructs end at the end.
        let d = declared("CREATE TABLE caf\u{fffd} (); SELECT 'open", "public");
        assert_eq!(d.objects[0].name, "caf\u{fffd}");
        assert!(
            declared("/* open CREATE TABLE x ();", "public")
                .objects
                .is_empty()
        );
        assert!(
            declared("SELECT $$ CREATE TABLE x ();", "public")
                .objects
                .is_empty()
        );
    }

    #[test]
    fn large_files_take_linear_time() {
        let mut sql = String::new();
        for n in 0..20_000 {
            sql.push_str(&format!(
                "CREATE TABLE t{n} (); CREATE INDEX i{n} ON t{n} (x); DROP TABLE t{n};\n"
            ));
        }
        sql.push_str(&"  \\ $x".repeat(20_000));
        sql.push_str("\nCREATE TABLE last ();");
        let started = std::time::Instant::now();
        let d = declared(&sql, "public");
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.objects[0].line, 20_002);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn conclude_reports_each_missing_object_at_its_line() {
        let sql = "CREATE TABLE a ();\nCREATE VIEW v AS SELECT 1;\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n\
            CREATE EXTENSION pgcrypto;\nALTER TABLE other ENABLE ROW LEVEL SECURITY;\n";
        let d = declared(sql, "public");
        let found = [
            None,
            Some("r".to_string()),
            None,
            None,
            Some("f".to_string()),
        ];
        let out = conclude("s.sql", &d.objects, &found);
        let got: Vec<_> = out
            .evidence
            .findings
            .iter()
            .map(|f| {
                (
                    f.code,
                    f.message.clone(),
                    f.location.as_ref().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "pg-schema-table-missing",
                    "table public.a does not exist".into(),
                    "s.sql:1".into()
                ),
                (
                    "pg-schema-view-missing",
                    "public.v is a table in the database, not a view".into(),
                    "s.sql:2".into()
                ),
                (
                    "pg-schema-extension-missing",
                    "extension pgcrypto is not installed".into(),
                    "s.sql:4".into()
                ),
                (
                    "pg-schema-rls-off",
                    "public.other has row-level security off".into(),
                    "s.sql:5".into()
                ),
            ]
        );
        let ok = ["r", "v", "t", "y", "t"].map(|s| Some(s.to_string()));
        let out = conclude("s.sql", &d.objects, &ok);
        assert_eq!(out.status, gonogo_core::Status::Pass);
        assert_eq!(
            out.evidence.summary,
            "all 5 objects of s.sql are in the database (1 table, 1 view, 1 extension, row-level security on 2 tables)"
        );
    }

    #[test]
    fn binds_schema_files_named_in_the_item() {
        let got =
            |t: &str| recognise(&PgSchemaApplied, t).and_then(|p| p.str("file").map(String::from));
        assert_eq!(
            got("Database schema applied (`scripts/setup-supabase.sql`)").as_deref(),
            Some("scripts/setup-supabase.sql")
        );
        assert_eq!(
            got("Schema loaded from db/schema.sql").as_deref(),
            Some("db/schema.sql")
        );
        assert_eq!(
            got("Production schema deployed (schema.sql)").as_deref(),
            Some("schema.sql")
        );
        for not in [
            "All migrations tested in staging",
            "Run database migrations",
            "Database schema documented",
            "Verify schema changes",
            "Database schema applied",
            "Schema applied (`../outside.sql`)",
        ] {
            assert_eq!(recognise(&PgSchemaApplied, not), None, "{not}");
        }
    }

    #[test]
    fn prepare_checks_the_file_parameter() {
        assert!(PgSchemaApplied.prepare(&params(&[])).is_err());
        assert!(
            PgSchemaApplied
                .prepare(&params(&[("file", "/etc/x.sql")]))
                .is_err()
        );
        assert!(
            PgSchemaApplied
                .prepare(&params(&[("file", "../x.sql")]))
                .is_err()
        );
        assert!(
            gonogo_core::check::prepare(
                &PgSchemaApplied,
                &params(&[("file", "x.sql"), ("nope", "1")])
            )
            .is_err()
        );
        assert!(
            PgSchemaApplied
                .prepare(&params(&[("file", "db/x.sql"), ("schema", "app")]))
                .is_ok()
        );
    }
}

#[cfg(test)]
mod file_tests {
    use super::PgSchemaApplied;
    use crate::util::testing::{check, codes};
    use gonogo_core::Status;

    /// Never reached: every case here is decided by the file before connecting.
    const DSN: (&str, &str) = ("dsn", "postgres://app:pw-secret@127.0.0.1:1/x");

    #[test]
    fn the_file_is_judged_before_the_database() {
        let o = check(&PgSchemaApplied, &[], &[("file", "db/schema.sql"), DSN]);
        assert_eq!(codes(&o), ["pg-schema-file-missing"]);
        assert_eq!(
            o.evidence.findings[0].message,
            "db/schema.sql does not exist"
        );

        let o = check(
            &PgSchemaApplied,
            &[("schema.sql", "CREATE TABLE t\0 ();")],
            &[("file", "schema.sql"), DSN],
        );
        assert_eq!(codes(&o), ["pg-schema-file-unreadable"]);
        assert_eq!(
            o.evidence.findings[0].message,
            "schema.sql is not a text file"
        );

        let o = check(
            &PgSchemaApplied,
            &[("schema.sql", "CREATE SCHEMA app;\nCREATE ROLE r;\n")],
            &[("file", "schema.sql"), DSN],
        );
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence
                .summary
                .ends_with("its 2 CREATE statements make other objects"),
            "{}",
            o.evidence.summary
        );
    }

    #[test]
    fn a_fifo_or_a_file_outside_the_repository_is_an_error_naming_it_at_once() {
        let dir = crate::util::testing::hostile_repo(&[], "pipe.sql", "zero.sql");
        let started = std::time::Instant::now();
        for (file, why) in [
            ("pipe.sql", "pipe.sql: is a FIFO, not a regular file"),
            ("zero.sql", "zero.sql: resolves outside the repository"),
        ] {
            let o = crate::util::testing::check_in(
                &PgSchemaApplied,
                dir.path(),
                &[("file", file), DSN],
            );
            assert_eq!(o.status, Status::Error, "{o:?}");
            assert_eq!(o.evidence.summary, why);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn a_file_over_the_bound_is_a_finding() {
        let dir = crate::util::testing::repo(&[]);
        let f = std::fs::File::create(dir.path().join("huge.sql")).unwrap();
        f.set_len(gonogo_repo::MAX_TEXT_BYTES + 1).unwrap();
        let o = crate::util::testing::check_in(
            &PgSchemaApplied,
            dir.path(),
            &[("file", "huge.sql"), DSN],
        );
        assert_eq!(codes(&o), ["pg-schema-file-unreadable"]);
        assert!(
            o.evidence.findings[0]
                .message
                .starts_with("huge.sql is too large")
        );
    }
}
