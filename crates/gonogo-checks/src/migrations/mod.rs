//! Database migrations in a repository: which tool, where, which revisions, which heads.
//!
//! [`detect`] finds every migration set of the layouts below and computes its revisions, their
//! parents and the heads (revisions nothing builds on), plus the problems seen while reading
//! (broken chains, duplicate ids, empty downgrades, files that do not parse). The static kind
//! `migrations.alembic` judges those problems; a live kind can compare a database's recorded
//! version with [`MigrationSet::heads`].
//!
//! | tool    | layout                                               | revision id          |
//! |---------|------------------------------------------------------|----------------------|
//! | Alembic | `…/versions/*.py` with `revision` / `down_revision`  | `revision`           |
//! | Django  | `<app>/migrations/NNNN_name.py` with `dependencies`  | `app.NNNN_name`      |
//! | sqlx    | `migrations/<version>_<name>[.up\|.down].sql`        | `<version>` (i64)    |
//! | Prisma  | `prisma/migrations/<timestamp>_<name>/migration.sql` | folder name          |
//! | Flyway  | `V<version>__<name>.sql` (`U…` undo, `R__` repeatable) | `<version>` (dotted) |

pub mod alembic;

use gonogo_parsers::line_of;
use gonogo_repo::{RepoFile, RepoFiles, read_repo_text};
use std::collections::{BTreeMap, BTreeSet};

/// The migration tools as an item names them, for the claims of the kinds that read them.
pub const TOOL_NAMES: &[(&str, &str)] = &[
    ("alembic", "alembic"),
    ("django", "django"),
    ("sqlx", "sqlx"),
    ("prisma", "prisma"),
    ("flyway", "flyway"),
];

/// The migration tool a set belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    Alembic,
    Django,
    Sqlx,
    Prisma,
    Flyway,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Alembic => "alembic",
            Tool::Django => "django",
            Tool::Sqlx => "sqlx",
            Tool::Prisma => "prisma",
            Tool::Flyway => "flyway",
        }
    }
    pub fn parse(s: &str) -> Option<Tool> {
        [
            Tool::Alembic,
            Tool::Django,
            Tool::Sqlx,
            Tool::Prisma,
            Tool::Flyway,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
    /// Whether the tool has down migrations that can be empty.
    pub fn has_downgrades(self) -> bool {
        matches!(self, Tool::Alembic | Tool::Django | Tool::Sqlx)
    }
}

/// One migration.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: String,
    /// The revisions it builds on (several for a merge revision; none for a base).
    pub parents: Vec<String>,
    /// File (repository-relative) and line where the revision is declared.
    pub file: String,
    pub line: usize,
    /// `Some(false)` when the tool supports a downgrade and this one is empty or missing.
    pub reversible: Option<bool>,
}

/// A problem found while reading a set.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
    pub file: String,
    pub line: Option<usize>,
}

/// The migrations of one tool in one folder.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSet {
    pub tool: Tool,
    /// Repository-relative folder (`alembic/versions`, `app/migrations`).
    pub dir: String,
    /// In order of application where the tool defines one (version order), else file order.
    pub revisions: Vec<Revision>,
    /// Revisions no other revision builds on. A healthy set has exactly one.
    pub heads: Vec<String>,
    pub problems: Vec<Problem>,
}

/// Every migration set among already-walked files.
pub fn detect_in(files: &RepoFiles) -> Vec<MigrationSet> {
    let mut by_dir: BTreeMap<(Tool, String), Vec<&RepoFile>> = BTreeMap::new();
    for f in &files.files {
        let (dir, name) = f.rel.rsplit_once('/').unwrap_or(("", &f.rel));
        let parent = dir.rsplit('/').next().unwrap_or(dir);
        if name.ends_with(".py") && parent == "versions" && name != "__init__.py" {
            by_dir
                .entry((Tool::Alembic, dir.to_string()))
                .or_default()
                .push(f);
        } else if name.ends_with(".py")
            && parent == "migrations"
            && name.as_bytes().first().is_some_and(u8::is_ascii_digit)
        {
            by_dir
                .entry((Tool::Django, dir.to_string()))
                .or_default()
                .push(f);
        } else if name == "migration.sql" && dir.contains("prisma/migrations/")
            || name == "migration.sql"
                && dir.starts_with("migrations/")
                && files
                    .files
                    .iter()
                    .any(|x| x.rel.ends_with("migration_lock.toml"))
        {
            let set_dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            by_dir
                .entry((Tool::Prisma, set_dir.to_string()))
                .or_default()
                .push(f);
        } else if name.ends_with(".sql") && flyway_version(name).is_some() {
            by_dir
                .entry((Tool::Flyway, dir.to_string()))
                .or_default()
                .push(f);
        } else if name.ends_with(".sql") && sqlx_version(name).is_some() && parent == "migrations" {
            by_dir
                .entry((Tool::Sqlx, dir.to_string()))
                .or_default()
                .push(f);
        }
    }
    // Prisma folders that only lack migration.sql still count: look for their folders.
    let mut sets = Vec::new();
    for ((tool, dir), files) in by_dir {
        let set = match tool {
            Tool::Alembic => alembic_set(&dir, &files),
            Tool::Django => django_set(&dir, &files),
            Tool::Sqlx => sqlx_set(&dir, &files),
            Tool::Prisma => prisma_set(&dir, &files),
            Tool::Flyway => flyway_set(&dir, &files),
        };
        if let Some(s) = set {
            sets.push(s);
        }
    }
    sets
}

fn problem(code: &'static str, message: String, file: &str, line: Option<usize>) -> Problem {
    Problem {
        code,
        message,
        file: file.to_string(),
        line,
    }
}

/// Heads and chain problems of a graph of revisions.
fn finish(
    tool: Tool,
    dir: &str,
    revisions: Vec<Revision>,
    mut problems: Vec<Problem>,
) -> MigrationSet {
    let mut seen: BTreeMap<&str, &Revision> = BTreeMap::new();
    for r in &revisions {
        if let Some(first) = seen.get(r.id.as_str()) {
            problems.push(problem(
                "migrations-duplicate-id",
                format!(
                    "revision {} is declared twice ({} and {})",
                    r.id, first.file, r.file
                ),
                &r.file,
                Some(r.line),
            ));
        } else {
            seen.insert(&r.id, r);
        }
    }
    let referenced: BTreeSet<&str> = revisions
        .iter()
        .flat_map(|r| r.parents.iter().map(String::as_str))
        .collect();
    for r in &revisions {
        for p in &r.parents {
            if !seen.contains_key(p.as_str()) {
                problems.push(problem(
                    "migrations-broken-chain",
                    format!("revision {} builds on {p}, which does not exist", r.id),
                    &r.file,
                    Some(r.line),
                ));
            }
        }
    }
    let mut heads: Vec<String> = Vec::new();
    for r in &revisions {
        if !referenced.contains(r.id.as_str()) && !heads.contains(&r.id) {
            heads.push(r.id.clone());
        }
    }
    MigrationSet {
        tool,
        dir: dir.to_string(),
        revisions,
        heads,
        problems,
    }
}

/// The quoted string (or `None`/tuple of strings) assigned to `name` in Python source:
/// `revision = "abc"`, `down_revision: Union[str, None] = ("a", "b")`.
fn py_assign(src: &str, name: &str) -> Option<(Vec<String>, usize)> {
    for (i, line) in src.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix(name) else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = if let Some(r) = rest.strip_prefix(':') {
            // type annotation: up to the `=`
            match r.find('=') {
                Some(p) => &r[p..],
                None => continue,
            }
        } else {
            rest
        };
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        if value.starts_with('=') {
            continue;
        }
        let value = value.trim();
        let mut ids = Vec::new();
        let mut chars = value.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c == '\'' || c == '"' {
                let s: String = chars
                    .by_ref()
                    .map(|(_, c)| c)
                    .take_while(|&x| x != c)
                    .collect();
                ids.push(s);
            } else if c == '#' {
                break;
            }
        }
        return Some((ids, i + 1));
    }
    None
}

/// True when a Python function `def name(` has a body of only `pass`, docstrings and comments.
fn py_function_empty(src: &str, name: &str) -> Option<(bool, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with(&format!("def {name}(")) || t.starts_with(&format!("async def {name}("))
    })?;
    let indent = lines[start].len() - lines[start].trim_start().len();
    let mut empty = true;
    let mut in_doc: Option<&str> = None;
    // Skip the signature's continuation lines up to the one ending in `:`.
    let mut i = start;
    while i < lines.len() && !lines[i].trim_end().ends_with(':') {
        i += 1;
    }
    for l in lines.iter().skip(i + 1) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        let ind = l.len() - l.trim_start().len();
        if ind <= indent && in_doc.is_none() {
            break;
        }
        if let Some(q) = in_doc {
            if t.contains(q) {
                in_doc = None;
            }
            continue;
        }
        if t.starts_with('#') || t == "pass" || t == "..." {
            continue;
        }
        if let Some(q) = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q)) {
            if !(t.len() >= 6 && t[3..].contains(q)) {
                in_doc = Some(q);
            }
            continue;
        }
        empty = false;
        break;
    }
    Some((empty, start + 1))
}

fn alembic_set(dir: &str, files: &[&RepoFile]) -> Option<MigrationSet> {
    let mut revisions = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        let src = match read_repo_text(f) {
            Ok(s) => s,
            Err(why) => {
                problems.push(problem("migrations-parse-error", why, &f.rel, None));
                continue;
            }
        };
        let Some((ids, line)) = py_assign(&src, "revision") else {
            if src.contains("down_revision") {
                problems.push(problem(
                    "migrations-parse-error",
                    format!("{} has down_revision but no revision id", f.rel),
                    &f.rel,
                    Some(1),
                ));
            }
            continue;
        };
        let Some(id) = ids.into_iter().next() else {
            problems.push(problem(
                "migrations-parse-error",
                format!("{}: revision is not a string", f.rel),
                &f.rel,
                Some(line),
            ));
            continue;
        };
        let parents = py_assign(&src, "down_revision")
            .map(|(p, _)| p)
            .unwrap_or_default();
        let reversible = py_function_empty(&src, "downgrade")
            .map(|(empty, _)| !empty)
            .or(Some(false));
        revisions.push(Revision {
            id,
            parents,
            file: f.rel.clone(),
            line,
            reversible,
        });
    }
    if revisions.is_empty() && problems.is_empty() {
        return None;
    }
    Some(finish(Tool::Alembic, dir, revisions, problems))
}

fn django_set(dir: &str, files: &[&RepoFile]) -> Option<MigrationSet> {
    let app = dir
        .trim_end_matches("/migrations")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let mut revisions = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        let name = f
            .rel
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".py");
        let src = match read_repo_text(f) {
            Ok(s) => s,
            Err(why) => {
                problems.push(problem("migrations-parse-error", why, &f.rel, None));
                continue;
            }
        };
        let Some(class_at) = src.find("class Migration") else {
            continue;
        };
        let line = line_of(src.as_bytes(), class_at);
        // dependencies = [("app", "0001_initial"), ...] — may span lines.
        let mut parents = Vec::new();
        if let Some(p) = src.find("dependencies") {
            let rest = &src[p..];
            let end = rest.find(']').unwrap_or(rest.len());
            let strings: Vec<String> = rest[..end]
                .split(['\'', '"'])
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            for pair in strings.chunks(2) {
                if let [dep_app, dep] = pair
                    && dep_app == &app
                    && dep != "__first__"
                {
                    parents.push(format!("{app}.{dep}"));
                }
            }
        }
        // Irreversible operations: RunPython / RunSQL without a reverse.
        let mut reversible = Some(true);
        for (op, reverse) in [("RunPython(", "reverse_code"), ("RunSQL(", "reverse_sql")] {
            let mut from = 0;
            while let Some(p) = src[from..].find(op) {
                let at = from + p;
                let call_end = src[at..]
                    .find("\n    ),")
                    .or_else(|| src[at..].find(")\n"))
                    .map_or(src.len(), |e| at + e);
                let call = &src[at..call_end];
                let positional = call.split(',').count() >= 2 && op == "RunPython(";
                if !call.contains(reverse) && !positional {
                    reversible = Some(false);
                }
                from = at + op.len();
            }
        }
        revisions.push(Revision {
            id: format!("{app}.{name}"),
            parents,
            file: f.rel.clone(),
            line,
            reversible,
        });
    }
    if revisions.is_empty() && problems.is_empty() {
        return None;
    }
    revisions.sort_by(|a, b| a.id.cmp(&b.id));
    Some(finish(Tool::Django, dir, revisions, problems))
}

/// `20240101120000_create_users.sql` / `.up.sql` / `.down.sql` → (version, is_down).
fn sqlx_version(name: &str) -> Option<(i64, Option<bool>)> {
    let (v, rest) = name.split_once('_')?;
    let version = v.parse::<i64>().ok()?;
    let kind = if rest.ends_with(".down.sql") {
        Some(true)
    } else if rest.ends_with(".up.sql") {
        Some(false)
    } else {
        None
    };
    Some((version, kind))
}

fn sqlx_set(dir: &str, files: &[&RepoFile]) -> Option<MigrationSet> {
    let mut ups: BTreeMap<i64, Vec<&RepoFile>> = BTreeMap::new();
    let mut downs: BTreeMap<i64, &RepoFile> = BTreeMap::new();
    let mut reversible_layout = false;
    for f in files {
        let name = f.rel.rsplit('/').next().unwrap_or("");
        let Some((v, kind)) = sqlx_version(name) else {
            continue;
        };
        match kind {
            Some(true) => {
                downs.insert(v, f);
                reversible_layout = true;
            }
            Some(false) => {
                reversible_layout = true;
                ups.entry(v).or_default().push(f);
            }
            None => ups.entry(v).or_default().push(f),
        }
    }
    let mut revisions = Vec::new();
    let mut problems = Vec::new();
    let mut prev: Option<String> = None;
    for (v, fs) in &ups {
        for extra in fs.iter().skip(1) {
            problems.push(problem(
                "migrations-duplicate-id",
                format!("version {v} is used by {} and {}", fs[0].rel, extra.rel),
                &extra.rel,
                Some(1),
            ));
        }
        let f = fs[0];
        let reversible = reversible_layout.then(|| {
            downs
                .get(v)
                .is_some_and(|d| read_repo_text(d).is_ok_and(|s| sql_has_statement(&s)))
        });
        revisions.push(Revision {
            id: v.to_string(),
            parents: prev.iter().cloned().collect(),
            file: f.rel.clone(),
            line: 1,
            reversible,
        });
        prev = Some(v.to_string());
    }
    if revisions.is_empty() {
        return None;
    }
    let mut set = finish(Tool::Sqlx, dir, revisions, Vec::new());
    set.problems.extend(problems);
    Some(set)
}

/// True when SQL text has something other than comments and whitespace.
pub fn sql_has_statement(sql: &str) -> bool {
    sql.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with("--")
    })
}

/// `V1_2__add_users.sql` → version parts `[1, 2]`; repeatable (`R__`) and undo (`U`) → `None`.
fn flyway_version(name: &str) -> Option<Vec<u64>> {
    let rest = name.strip_prefix('V')?;
    let (v, _) = rest.split_once("__")?;
    v.split(['.', '_']).map(|p| p.parse::<u64>().ok()).collect()
}

fn flyway_set(dir: &str, files: &[&RepoFile]) -> Option<MigrationSet> {
    let mut versions: Vec<(Vec<u64>, &RepoFile)> = files
        .iter()
        .filter_map(|f| Some((flyway_version(f.rel.rsplit('/').next()?)?, *f)))
        .collect();
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    let mut revisions: Vec<Revision> = Vec::new();
    let mut problems = Vec::new();
    let mut prev: Option<String> = None;
    for (v, f) in versions {
        let id = v.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        if prev.as_deref() == Some(id.as_str()) {
            let first = revisions.last().map(|r| r.file.clone()).unwrap_or_default();
            problems.push(problem(
                "migrations-duplicate-id",
                format!("version {id} is used by {first} and {}", f.rel),
                &f.rel,
                Some(1),
            ));
            continue;
        }
        revisions.push(Revision {
            id: id.clone(),
            parents: prev.iter().cloned().collect(),
            file: f.rel.clone(),
            line: 1,
            reversible: None,
        });
        prev = Some(id);
    }
    if revisions.is_empty() {
        return None;
    }
    let mut set = finish(Tool::Flyway, dir, revisions, Vec::new());
    set.problems.extend(problems);
    Some(set)
}

fn prisma_set(dir: &str, files: &[&RepoFile]) -> Option<MigrationSet> {
    let mut revisions = Vec::new();
    let mut problems = Vec::new();
    let mut sorted: Vec<&&RepoFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut prev: Option<String> = None;
    for f in sorted {
        let folder = f.rel.rsplit('/').nth(1).unwrap_or("").to_string();
        match read_repo_text(f) {
            Ok(s) if !sql_has_statement(&s) => problems.push(problem(
                "migrations-empty",
                format!("{} has no SQL statement", f.rel),
                &f.rel,
                Some(1),
            )),
            Ok(_) => {}
            Err(why) => problems.push(problem("migrations-parse-error", why, &f.rel, None)),
        }
        revisions.push(Revision {
            id: folder.clone(),
            parents: prev.iter().cloned().collect(),
            file: f.rel.clone(),
            line: 1,
            reversible: None,
        });
        prev = Some(folder);
    }
    if revisions.is_empty() {
        return None;
    }
    Some(finish(Tool::Prisma, dir, revisions, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::repo;

    /// The migration sets of a fixture repository; kinds pass the run's inventory instead.
    fn detect(repo: &std::path::Path) -> Vec<MigrationSet> {
        detect_in(&gonogo_repo::walk(repo, true))
    }

    #[test]
    fn alembic_heads_merges_and_annotations() {
        let dir = repo(&[
            (
                "alembic/versions/a1_init.py",
                "revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    op.create_table('t')\n\ndef downgrade():\n    op.drop_table('t')\n",
            ),
            (
                "alembic/versions/b2.py",
                "revision: str = \"b2\"\ndown_revision: Union[str, None] = \"a1\"\ndef downgrade() -> None:\n    \"\"\"Nothing.\"\"\"\n    pass\n",
            ),
            (
                "alembic/versions/c3.py",
                "revision = 'c3'\ndown_revision = 'a1'\ndef downgrade():\n    op.drop_column('t', 'c')\n",
            ),
            (
                "alembic/versions/m4.py",
                "revision = 'm4'\ndown_revision = ('b2', 'c3')\ndef downgrade():\n    pass\n",
            ),
        ]);
        let sets = detect(dir.path());
        assert_eq!(sets.len(), 1);
        let s = &sets[0];
        assert_eq!(
            (s.tool, s.dir.as_str()),
            (Tool::Alembic, "alembic/versions")
        );
        assert_eq!(s.heads, vec!["m4".to_string()]);
        assert_eq!(
            s.revisions[3].parents,
            vec!["b2".to_string(), "c3".to_string()]
        );
        assert_eq!(s.revisions[1].reversible, Some(false));
        assert_eq!(s.revisions[2].reversible, Some(true));
        assert!(s.problems.is_empty(), "{:?}", s.problems);
    }

    #[test]
    fn django_sqlx_prisma_flyway_layouts() {
        let dir = repo(&[
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                "from django.db import migrations\nclass Migration(migrations.Migration):\n    dependencies = []\n",
            ),
            (
                "shop/migrations/0002_price.py",
                "class Migration(migrations.Migration):\n    dependencies = [\n        ('shop', '0001_initial'),\n        ('auth', '0012_alter'),\n    ]\n    operations = [migrations.RunPython(forwards)]\n",
            ),
            (
                "migrations/20240101000000_users.up.sql",
                "create table users(id int);\n",
            ),
            (
                "migrations/20240101000000_users.down.sql",
                "drop table users;\n",
            ),
            (
                "migrations/20240202000000_items.up.sql",
                "create table items(id int);\n",
            ),
            ("migrations/20240202000000_items.down.sql", "-- nothing\n"),
            (
                "prisma/migrations/20240101_init/migration.sql",
                "CREATE TABLE a(id int);\n",
            ),
            (
                "prisma/migrations/20240301_more/migration.sql",
                "-- empty\n",
            ),
            (
                "prisma/migrations/migration_lock.toml",
                "provider = \"postgresql\"\n",
            ),
            ("db/migration/V1__init.sql", "create table x(id int);\n"),
            (
                "db/migration/V1.10__later.sql",
                "alter table x add y int;\n",
            ),
            ("db/migration/V1.2__mid.sql", "alter table x add z int;\n"),
            ("db/migration/R__views.sql", "create view v as select 1;\n"),
        ]);
        let sets = detect(dir.path());
        let summary: Vec<(Tool, &str, Vec<String>)> = sets
            .iter()
            .map(|s| (s.tool, s.dir.as_str(), s.heads.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Tool::Django,
                    "shop/migrations",
                    vec!["shop.0002_price".to_string()]
                ),
                (Tool::Sqlx, "migrations", vec!["20240202000000".to_string()]),
                (
                    Tool::Prisma,
                    "prisma/migrations",
                    vec!["20240301_more".to_string()]
                ),
                (Tool::Flyway, "db/migration", vec!["1.10".to_string()]),
            ]
        );
        let django = &sets[0];
        assert_eq!(
            django.revisions[1].reversible,
            Some(false),
            "RunPython without reverse_code"
        );
        let sqlx = &sets[1];
        assert_eq!(
            sqlx.revisions
                .iter()
                .map(|r| r.reversible)
                .collect::<Vec<_>>(),
            vec![Some(true), Some(false)]
        );
        assert_eq!(sets[2].problems[0].code, "migrations-empty");
        assert_eq!(
            sets[3]
                .revisions
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            vec!["1", "1.2", "1.10"]
        );
    }
}
