//! `docs.env-documented`: every environment variable the code, the compose files and
//! `.env.example` use is documented in the README, the docs folder or a commented `.env.example`.

use crate::util::{absent, blocking, inventory};
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_parsers::line_of;
use gonogo_repo::classify::{Classes, FileClass};
use gonogo_repo::read_repo_text;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

pub struct DocsEnvDocumented;

/// What the kind verifies: the variables the repository uses are documented.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "environment variabl*",
        "env var*",
        "env variabl*",
        "config variabl*",
        "configuration variabl*",
        "settings variabl*",
    ],
    qualifiers: &[&["document*", "described", "listed", "explained", "readme"]],
    support: &["all", "every", "readme", "env example"],
    // Values (set, secured, validated at startup) are the deployment's, not the docs'.
    excludes: &[
        "noted",
        "configured",
        "secret*",
        "validated",
        "validation",
        "injected",
        "rotated",
        "encrypted",
        "stored",
        "vault",
    ],
    weight: 85,
    prefer_over: &["files.exists"],
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Every environment variable the code, compose files and .env.example use is documented.",
    description: "Collects the environment variables the repository uses: Python \
(`os.environ[…]`, `os.environ.get`, `os.getenv`), JavaScript/TypeScript (`process.env.X`, \
`process.env[\"X\"]`, `import.meta.env.X`), Rust (`env::var`, `env!`), Go (`os.Getenv`, \
`os.LookupEnv`), compose files (`environment:` keys and `${X}` interpolations) and the keys of \
`.env.example`/`.env.sample`/`.env.template`. A variable is documented when its name appears in \
a README, a Markdown/reST file under `docs/` (or any Markdown file), or in `.env.example` with a \
comment on the same line or in the comment block directly above it. Tests and well-known \
process variables (PATH, HOME, NODE_ENV, CI, …) are left out; `ignore=` adds names. Fails \
listing each undocumented variable at its first use (file:line); skips when the repository uses \
no environment variable.",
    params: &[
        ParamDoc::optional(
            "ignore",
            "Comma list of variable names that need no documentation.",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when no variable is used.",
            "false",
        ),
    ],
    examples: &[
        "docs.env-documented",
        "docs.env-documented ignore=SENTRY_DSN,LOG_LEVEL",
    ],
    claims: CLAIMS,
    phrases: &[
        "Environment variables documented",
        "All env vars documented in README",
    ],
    not_phrases: &[
        "Environment variables noted (URL, Anon Key, Service Role Key)",
        "Environment variables properly configured",
        "`.env` properly configured with strong secrets",
        "`.env.production` file created and secured",
    ],
    findings: &[
        (
            "env-undocumented",
            "The code reads an environment variable that no README, docs page or .env.example comment explains.",
        ),
        (
            "env-none-used",
            "No environment variable is used while `required=true`.",
        ),
    ],
};

impl CheckKind for DocsEnvDocumented {
    fn id(&self) -> &'static str {
        "docs.env-documented"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            ignore: params.list("ignore").unwrap_or_default(),
            required: params.value::<bool>("required")?,
        }))
    }
}

struct Prepared {
    ignore: Vec<String>,
    required: bool,
}

const WELL_KNOWN: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "PWD",
    "SHELL",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TEMP",
    "TMP",
    "HOSTNAME",
    "CI",
    "NODE_ENV",
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
    "RUST_BACKTRACE",
    "RUST_LOG_STYLE",
    "OUT_DIR",
    "TZ",
    "EDITOR",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
];

fn well_known(name: &str) -> bool {
    WELL_KNOWN.contains(&name)
        || name.starts_with("CARGO_")
        || name.starts_with("GITHUB_")
        || name.starts_with("RUNNER_")
        || name.starts_with("npm_")
}

static CODE_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r#"os\.environ\s*\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"(?:os\.)?environ\.get\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"os\.getenv\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"process\.env\.([A-Za-z_][A-Za-z0-9_]*)"#,
        r#"process\.env\[\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]"#,
        r#"import\.meta\.env\.([A-Za-z_][A-Za-z0-9_]*)"#,
        r#"env::var(?:_os)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"(?:option_)?env!\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"os\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid pattern"))
    .collect()
});

static INTERPOLATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)").expect("valid pattern"));

/// Production source code: tests set variables that describe no deployment.
fn is_code(rel: &str, classes: Classes) -> bool {
    classes.is_source() && !gonogo_repo::is_test_path(rel)
}

fn is_env_example(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    matches!(
        name.as_str(),
        ".env.example"
            | ".env.sample"
            | ".env.template"
            | ".env.dist"
            | "env.example"
            | "example.env"
            | ".env.defaults"
    )
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let ignore = self.ignore.clone();
        let required = self.required;
        blocking(move || {
            // name -> first use (file, line)
            let mut used: BTreeMap<String, (String, usize)> = BTreeMap::new();
            let mut documented: BTreeSet<String> = BTreeSet::new();
            let mut docs = Vec::new();
            let note = |name: &str, rel: &str, line: usize, used: &mut BTreeMap<String, (String, usize)>| {
                if !well_known(name) && !ignore.iter().any(|i| i == name) {
                    used.entry(name.to_string()).or_insert_with(|| (rel.to_string(), line));
                }
            };
            for (f, classes) in files.classified() {
                let rel = f.rel.as_str();
                if is_code(rel, classes) {
                    let Ok(src) = read_repo_text(f) else { continue };
                    if !src.contains("env") && !src.contains("Getenv") && !src.contains("LookupEnv") {
                        continue;
                    }
                    for re in CODE_PATTERNS.iter() {
                        for c in re.captures_iter(&src) {
                            let m = c.get(1).expect("group");
                            note(m.as_str(), rel, line_of(src.as_bytes(), m.start()), &mut used);
                        }
                    }
                } else if classes.has(FileClass::Compose) {
                    let Ok(src) = read_repo_text(f) else { continue };
                    for c in INTERPOLATION.captures_iter(&src) {
                        let m = c.get(1).expect("group");
                        note(m.as_str(), rel, line_of(src.as_bytes(), m.start()), &mut used);
                    }
                    if let Ok(docs) = gonogo_parsers::yaml::parse_documents(&src) {
                        for d in &docs {
                            for (_, _, svc) in d.get("services").map(|s| s.keyed().collect::<Vec<_>>()).unwrap_or_default() {
                                let Some(env) = svc.get("environment") else { continue };
                                for (k, kn, _) in env.keyed() {
                                    note(k, rel, kn.line, &mut used);
                                }
                                for item in env.items() {
                                    if let Some(k) = item.as_str().map(|s| s.split('=').next().unwrap_or(s)) {
                                        note(k, rel, item.line, &mut used);
                                    }
                                }
                            }
                        }
                    }
                } else if is_env_example(rel) {
                    let Ok(src) = read_repo_text(f) else { continue };
                    let mut block_commented = false;
                    for (i, line) in src.lines().enumerate() {
                        let t = line.trim();
                        if t.is_empty() {
                            block_commented = false;
                            continue;
                        }
                        if t.starts_with('#') {
                            block_commented = true;
                            continue;
                        }
                        let t = t.strip_prefix("export ").unwrap_or(t);
                        let Some((k, v)) = t.split_once('=') else { continue };
                        let k = k.trim();
                        note(k, rel, i + 1, &mut used);
                        if block_commented || v.contains(" #") {
                            documented.insert(k.to_string());
                        }
                    }
                } else if classes.has(FileClass::Doc) {
                    docs.push(f);
                }
            }
            if used.is_empty() {
                return absent(required, "env-none-used", "no environment variables used", "nothing to document");
            }
            // One pass over the documentation for all still-undocumented names at once.
            let wanted: Vec<&String> = used.keys().filter(|k| !documented.contains(*k)).collect();
            if !wanted.is_empty()
                && let Ok(ac) = aho_corasick::AhoCorasick::new(&wanted)
            {
                let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
                for f in docs {
                    let Ok(src) = read_repo_text(f) else { continue };
                    let bytes = src.as_bytes();
                    for m in ac.find_overlapping_iter(&src) {
                        let before = m.start().checked_sub(1).map(|i| bytes[i]);
                        let after = bytes.get(m.end()).copied();
                        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                            documented.insert(wanted[m.pattern().as_usize()].clone());
                        }
                    }
                }
            }
            let mut findings = Vec::new();
            for (name, (rel, line)) in &used {
                if !documented.contains(name) {
                    findings.push(
                        Finding::fail("env-undocumented", format!("{name} is used but not documented"))
                            .at(Location::at(rel, *line))
                            .fix(format!("describe {name} in the README's configuration section or with a comment in .env.example")),
                    );
                }
            }
            findings.sort_by_key(|f| f.location.as_ref().map(|l| (l.path.clone(), l.line)));
            let undocumented: Vec<&str> = findings.iter().filter_map(|f| f.message.split(' ').next()).collect();
            let summary = if undocumented.is_empty() {
                format!("all {} environment variable(s) documented", used.len())
            } else {
                format!("{} of {} environment variable(s) undocumented: {}", undocumented.len(), used.len(), undocumented.join(", "))
            };
            Outcome::from_findings(summary, findings)
                .observed(format!("{} undocumented", used.keys().filter(|k| !documented.contains(*k)).count()))
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

    const APP: &str = "import os\n\nDB = os.environ[\"DATABASE_URL\"]\nSECRET = os.getenv('JWT_SECRET', '')\nHOME = os.environ.get(\"HOME\")\n";
    const WEB: &str = "export const api = process.env.NEXT_PUBLIC_API_URL;\nconst k = process.env[\"STRIPE_KEY\"];\n";
    const COMPOSE: &str = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set}\n";

    #[test]
    fn documented_everywhere_passes() {
        let o = run(
            &DocsEnvDocumented,
            &[
                ("app/settings.py", APP),
                ("web/api.ts", WEB),
                ("docker-compose.yml", COMPOSE),
                (
                    "README.md",
                    "## Configuration\n\n| `DATABASE_URL` | PostgreSQL DSN |\n| `JWT_SECRET` | signing key |\n",
                ),
                (
                    "docs/frontend.md",
                    "Set NEXT_PUBLIC_API_URL and STRIPE_KEY.\n",
                ),
                (
                    ".env.example",
                    "# The database superuser password\nPOSTGRES_PASSWORD=\n",
                ),
                ("tests/test_x.py", "os.environ['ONLY_IN_TESTS']\n"),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
        assert_eq!(
            o.evidence.summary,
            "all 5 environment variable(s) documented"
        );
    }

    #[test]
    fn undocumented_variables_fail_at_first_use() {
        let o = run(
            &DocsEnvDocumented,
            &[
                ("app/settings.py", APP),
                ("web/api.ts", WEB),
                ("docker-compose.yml", COMPOSE),
                ("README.md", "Set DATABASE_URL.\n"),
                (
                    ".env.example",
                    "POSTGRES_PASSWORD=\nREDIS_URL=redis://localhost # cache and sessions\n",
                ),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("env-undocumented", ".env.example:1"),
                ("env-undocumented", "app/settings.py:4"),
                ("env-undocumented", "web/api.ts:1"),
                ("env-undocumented", "web/api.ts:2"),
            ])
        );
        assert_eq!(
            o.evidence.summary,
            "4 of 6 environment variable(s) undocumented: POSTGRES_PASSWORD, JWT_SECRET, NEXT_PUBLIC_API_URL, STRIPE_KEY"
        );
    }

    #[test]
    fn nothing_used_is_skipped() {
        let o = run(&DocsEnvDocumented, &[("main.py", "print('hi')\n")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no environment variables used");
    }
}
