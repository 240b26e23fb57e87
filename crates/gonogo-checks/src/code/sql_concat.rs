//! `code.sql-concat`: Python and JavaScript/TypeScript code that builds SQL by string
//! formatting or concatenation and passes it to an execute call (the "SQL injection audit").

use crate::util::{blocking, inventory, unusable_path};
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_parsers::line_of;
use gonogo_repo::classify::{Classes, FileClass};
use gonogo_repo::read_repo_text;
use regex::Regex;
use std::sync::LazyLock;

pub struct CodeSqlConcat;

/// What the kind verifies: no SQL built from strings reaches an execute call.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "sql injection",
        "sqli",
        "parameterized quer*",
        "parametrized quer*",
        "parameterised quer*",
        "parametrised quer*",
        "prepared statement*",
        "bind parameter*",
        "sql built by string*",
        "string concatenat*",
        "bound parameter*",
        "query parameter*",
        "sql string concatenation",
        "string concatenated sql",
        "raw sql",
    ],
    support: &["no", "everywhere", "audit*", "used", "only"],
    // Probing a running service (a scanner, a fuzzer, a WAF) is not reading its code.
    excludes: &[
        "prevent*",
        "protect*",
        "block*",
        "mitigat*",
        "prob*",
        "endpoint*",
        "penetration",
        "pen test*",
        "pentest*",
        "dast",
        "waf",
        "fuzz*",
        "sqlmap",
        "zap",
        "burp",
        "firewall",
        "stored procedur*",
        "performance",
        "optimi*",
        "url",
        "query string",
    ],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "No Python or JS/TS code builds SQL by formatting or concatenation and passes it to an execute call.",
    description: "Scans Python (`.py`) and JavaScript/TypeScript (`.js`, `.mjs`, `.cjs`, `.ts`, \
`.tsx`, `.jsx`) files for execute calls (`cursor.execute`, `executemany`, `exec_driver_sql`, \
SQLAlchemy `text(...)`, Django `.raw`/`.extra`, pandas `read_sql`; `query`, `execute`, `raw`, \
Prisma `$queryRawUnsafe`/`$executeRawUnsafe`, `sequelize.query`, `knex.raw`) whose first \
argument is SQL built from strings: a Python f-string with `{…}`, `%`-formatting, `.format()`, \
`+` concatenation, a JS template literal with `${…}` (tagged `sql`…`` templates are safe) or \
`+` concatenation — directly, or through a variable assigned such a string earlier in the same \
file. The string must contain SQL (SELECT, INSERT, UPDATE, DELETE, FROM, WHERE, …). Each hit is a \
failing finding at the call's file:line. Test files are included unless `tests=false`. Passes \
when execute calls exist and none builds SQL from strings (or there are none); skips when the \
repository has no Python or JS/TS code; fails when the `path=` folder does not exist.",
    params: &[
        ParamDoc::with_default("tests", "Also scan test files.", "true"),
        ParamDoc::optional("path", "Only files under this folder."),
    ],
    examples: &[
        "code.sql-concat",
        "code.sql-concat tests=false path=backend",
    ],
    claims: CLAIMS,
    phrases: &[
        "SQL injection audit completed",
        "No SQL injection vulnerabilities",
        "Parameterized queries used everywhere",
    ],
    not_phrases: &[
        "Input validation on all API endpoints",
        "Database query optimization complete",
        "Indexes verified for query performance",
    ],
    findings: &[
        (
            "sql-concat-injection",
            "SQL text is built from formatted or concatenated strings and executed: pass values as bound parameters instead.",
        ),
        (
            "sql-concat-path-missing",
            "The folder `path=` names does not exist in the repository.",
        ),
    ],
};

impl CheckKind for CodeSqlConcat {
    fn id(&self) -> &'static str {
        "code.sql-concat"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            tests: params.value::<bool>("tests")?,
            path: params.str("path").map(|p| p.trim_matches('/').to_string()),
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    tests: bool,
    path: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Python,
    Js,
}

/// The language to scan `rel` as: type declarations and minified bundles hold no queries
/// worth judging.
fn lang(rel: &str, classes: Classes) -> Option<Lang> {
    let l = rel.to_ascii_lowercase();
    if classes.has(FileClass::Python) {
        Some(Lang::Python)
    } else if classes.has(FileClass::JavaScript) && !l.ends_with(".d.ts") && !l.contains(".min.") {
        Some(Lang::Js)
    } else {
        None
    }
}

static PY_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\.(?:execute|executemany|executescript|exec_driver_sql|raw|extra|read_sql|read_sql_query)|\btext|\bread_sql(?:_query)?)\s*\(").expect("valid pattern")
});
static JS_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\.(?:query|execute|raw|unsafe|\$queryRawUnsafe|\$executeRawUnsafe)|\$queryRawUnsafe|\$executeRawUnsafe)\s*\(").expect("valid pattern")
});
static SQL_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(select|insert\s+into|update|delete\s+from|from|where|values|drop\s+table|order\s+by)\b").expect("valid pattern")
});
static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_$][A-Za-z0-9_$.]*$").expect("valid pattern"));

/// The first argument of the call whose `(` is at `open`, up to the top-level `,` or `)`.
fn first_arg(src: &str, open: usize) -> &str {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut i = open + 1;
    let limit = (open + 8000).min(bytes.len());
    while i < limit {
        let c = bytes[i];
        match c {
            b'"' | b'\'' | b'`' => {
                let triple =
                    i + 2 < bytes.len() && bytes[i + 1] == c && bytes[i + 2] == c && c != b'`';
                if triple {
                    i += 3;
                    while i + 2 < limit
                        && !(bytes[i] == c && bytes[i + 1] == c && bytes[i + 2] == c)
                    {
                        i += 1;
                    }
                    i += 3;
                    continue;
                }
                i += 1;
                while i < limit && bytes[i] != c {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if bytes[i] == b'\n' && c != b'`' {
                        break;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return &src[open + 1..i];
                }
                depth -= 1;
            }
            b',' if depth == 0 => return &src[open + 1..i],
            _ => {}
        }
        i += 1;
    }
    &src[open + 1..limit]
}

/// How an expression builds a string dynamically, when it does and contains SQL.
fn dynamic_sql(expr: &str, lang: Lang) -> Option<&'static str> {
    let e = expr.trim();
    if !SQL_WORD.is_match(e) {
        return None;
    }
    match lang {
        Lang::Python => {
            let lower = e.to_ascii_lowercase();
            let fstring = ["f\"", "f'", "rf\"", "fr\"", "rf'", "fr'"]
                .iter()
                .any(|p| lower.starts_with(p))
                || FSTRING.is_match(e);
            if fstring && e.replace("{{", "").contains('{') {
                return Some("an f-string");
            }
            if PERCENT.is_match(&blank_strings(e)) {
                return Some("%-formatting");
            }
            if e.contains(".format(") {
                return Some("str.format()");
            }
            if concatenates(e) {
                return Some("string concatenation");
            }
            None
        }
        Lang::Js => {
            if e.starts_with('`') && e.contains("${") {
                return Some("a template literal");
            }
            if concatenates(e) {
                return Some("string concatenation");
            }
            None
        }
    }
}

static FSTRING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(^|[\s(+])[rb]?f["']"#).expect("valid pattern"));
static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"["']\s*%\s*[A-Za-z_(\[{]"#).expect("valid pattern"));

/// `e` with the contents of string literals removed (quotes kept), Python triple quotes too.
fn blank_strings(e: &str) -> String {
    let b = e.as_bytes();
    let mut out = String::with_capacity(e.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' || c == b'`' {
            let triple = i + 2 < b.len() && b[i + 1] == c && b[i + 2] == c;
            let q = if triple { 3 } else { 1 };
            out.push(c as char);
            i += q;
            while i < b.len() {
                if b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == c && (!triple || (i + 2 < b.len() && b[i + 1] == c && b[i + 2] == c)) {
                    break;
                }
                i += 1;
            }
            out.push(c as char);
            i += q;
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    out
}

/// A `+` outside string literals next to a string literal.
fn concatenates(e: &str) -> bool {
    let mut in_str: Option<char> = None;
    let mut saw_plus = false;
    let mut saw_str = false;
    let mut prev = ' ';
    for c in e.chars() {
        match in_str {
            Some(q) if c == q && prev != '\\' => in_str = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => {
                in_str = Some(c);
                saw_str = true;
            }
            None if c == '+' => saw_plus = true,
            None => {}
        }
        prev = c;
    }
    saw_plus && saw_str
}

/// The dynamic SQL assigned to `name` before byte `before`: (how, line).
fn tainted(src: &str, name: &str, before: usize, lang: Lang) -> Option<(&'static str, usize)> {
    let pat = format!(
        r"(?m)^[ \t]*(?:(?:const|let|var)\s+)?{}\s*(?::\s*[A-Za-z_\[\], ]+)?\s*\+?=[^=]",
        regex::escape(name)
    );
    let re = Regex::new(&pat).ok()?;
    let mut found = None;
    for m in re.find_iter(&src[..before]) {
        let eq = m.end() - 1;
        let rest = &src[eq..before];
        // The assigned expression: to the end of the statement (balanced brackets / multi-line strings).
        let end = statement_end(rest);
        if let Some(how) = dynamic_sql(&rest[..end], lang) {
            found = Some((how, line_of(src.as_bytes(), m.start())));
        }
    }
    found
}

fn statement_end(s: &str) -> usize {
    let mut depth = 0i32;
    let mut in_str: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match in_str {
            Some(q) if c == q && prev != '\\' => in_str = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' | '`' => in_str = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                '\n' | ';' if depth <= 0 => return i,
                _ => {}
            },
        }
        prev = c;
        if i > 8000 {
            return i;
        }
    }
    s.len()
}

/// Every execute call in `src` fed with SQL built from strings: (line, message).
fn scan(src: &str, lang: Lang) -> (usize, Vec<(usize, String)>) {
    let re = match lang {
        Lang::Python => &*PY_CALL,
        Lang::Js => &*JS_CALL,
    };
    let mut calls = 0;
    let mut hits = Vec::new();
    for m in re.find_iter(src) {
        calls += 1;
        let open = m.end() - 1;
        let arg = first_arg(src, open).trim();
        let line = line_of(src.as_bytes(), open);
        let call = m.as_str().trim_end_matches('(').trim();
        if lang == Lang::Js && (arg.starts_with("sql`") || arg.starts_with("Prisma.sql`")) {
            continue;
        }
        if let Some(how) = dynamic_sql(arg, lang) {
            hits.push((line, format!("{call}(…) runs SQL built with {how}")));
        } else if IDENT.is_match(arg)
            && let Some((how, at)) = tainted(src, arg, m.start(), lang)
        {
            hits.push((
                line,
                format!("{call}({arg}) runs SQL built with {how} at line {at}"),
            ));
        }
    }
    (calls, hits)
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        if let Some(missing) = self
            .path
            .as_deref()
            .and_then(|p| unusable_path(ctx, "path", p, "sql-concat-path-missing"))
        {
            return missing;
        }
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let mut findings = Vec::new();
            let (mut code_files, mut calls) = (0, 0);
            for (f, classes) in files.classified() {
                let Some(lang) = lang(&f.rel, classes) else { continue };
                if !this.tests && gonogo_repo::is_test_path(&f.rel) {
                    continue;
                }
                if let Some(p) = &this.path
                    && !p.is_empty()
                    && !f.rel.starts_with(&format!("{p}/"))
                {
                    continue;
                }
                code_files += 1;
                let Ok(src) = read_repo_text(f) else { continue };
                let (c, hits) = scan(&src, lang);
                calls += c;
                for (line, msg) in hits {
                    findings.push(
                        Finding::fail("sql-concat-injection", msg)
                            .at(Location::at(&f.rel, line))
                            .fix(match lang {
                                Lang::Python => "pass values as parameters: cursor.execute(\"… WHERE id = %s\", (user_id,))",
                                Lang::Js => "use placeholders: db.query(\"… WHERE id = $1\", [id]) or a tagged sql`` template",
                            }),
                    );
                }
            }
            if code_files == 0 {
                return Outcome::skipped("no Python or JavaScript/TypeScript code found");
            }
            let n = findings.len();
            Outcome::from_findings(
                format!("{calls} SQL call(s) in {code_files} file(s); {n} build SQL from strings"),
                findings,
            )
            .observed(format!("{n} unsafe call(s)"))
            .expected("0")
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};
    use gonogo_core::Status;

    const SAFE_PY: &str = "def get(cur, uid):\n    cur.execute(\"SELECT * FROM u WHERE name = '%s'\", (uid,))\n    cur.execute(\"SELECT * FROM users WHERE id = %s\", (uid,))\n    cur.execute(f\"SELECT 1\")\n    q = \"SELECT * FROM t WHERE a = :a\"\n    session.execute(text(q), {\"a\": 1})\n";
    const BAD_PY: &str = "def get(cur, uid, name, order):
    cur.execute(f\"SELECT * FROM users WHERE id = {uid}\")
    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)
    cur.execute(\"DELETE FROM t WHERE id = {}\".format(uid))
    query = \"SELECT * FROM items ORDER BY \" + order
    cur.execute(query)
    User.objects.raw(
        f\"\"\"SELECT * FROM auth_user
        WHERE username = '{name}'\"\"\"
    )
";
    const BAD_TS: &str = "export async function find(db, id: string, q: string) {
  await db.query(`SELECT * FROM users WHERE id = ${id}`);
  const sql = 'SELECT * FROM posts WHERE title LIKE ' + q;
  await pool.query(sql);
  await prisma.$queryRawUnsafe(`DELETE FROM t WHERE id = ${id}`);
  await db.query(sql`SELECT 1 WHERE a = ${id}`);
  await db.query('SELECT * FROM users WHERE id = $1', [id]);
}
";

    #[test]
    fn parameterised_code_passes() {
        let o = run(
            &CodeSqlConcat,
            &[
                ("app/db.py", SAFE_PY),
                ("web/db.ts", "db.query('SELECT 1 WHERE a = $1', [a]);\n"),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", o.evidence.findings);
        assert_eq!(
            o.evidence.summary,
            "6 SQL call(s) in 2 file(s); 0 build SQL from strings"
        );
    }

    #[test]
    fn formatted_and_concatenated_sql_fails_at_the_call() {
        let o = run(
            &CodeSqlConcat,
            &[("app/db.py", BAD_PY), ("web/db.ts", BAD_TS)],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("sql-concat-injection", "app/db.py:2"),
                ("sql-concat-injection", "app/db.py:3"),
                ("sql-concat-injection", "app/db.py:4"),
                ("sql-concat-injection", "app/db.py:6"),
                ("sql-concat-injection", "app/db.py:7"),
                ("sql-concat-injection", "web/db.ts:2"),
                ("sql-concat-injection", "web/db.ts:4"),
                ("sql-concat-injection", "web/db.ts:5"),
            ])
        );
        assert_eq!(
            o.evidence.findings[3].message,
            ".execute(query) runs SQL built with string concatenation at line 5"
        );
    }

    #[test]
    fn no_code_is_skipped_and_tests_can_be_left_out() {
        let o = run(&CodeSqlConcat, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
        let o = run(
            &CodeSqlConcat,
            &[("tests/test_db.py", BAD_PY), ("app/x.py", "")],
            &[("tests", "false")],
        );
        assert_eq!(o.status, Status::Pass);
    }
}
