//! `env.strength`: the secrets and settings in `.env` files and compose `environment:` blocks
//! are fit for production.

use crate::util::{check_relative, glob_set, inventory_with_ignored, is_glob};
use gonogo_core::recognise::{self, Claim, Slot, Text};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status, redact_secret,
};
use gonogo_parsers::{dotenv, yaml};
use gonogo_repo::classify::{self, FileClass as RepoClass};
use gonogo_repo::{read_text, rel_path, resolve_in_repo};
use gonogo_secrets::redact::{is_secret_name, redact_url, shannon_entropy};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

pub struct EnvStrength;

/// Where secrets are kept or how often they change is the deployment's, not a file's.
const KEPT_ELSEWHERE: &[&str] = &[
    "vault",
    "encrypted",
    "encryption",
    "stored in",
    "manager",
    "kms",
    "sealed",
    "every",
    "regular*",
    "schedul*",
    "automat*",
    "period*",
    "policy",
    "process",
    "hardcoded",
    "hard coded",
    "git history",
];
/// Words that name an env file (any one, in the item or its headings).
const ENV_FILE: &[&str] = &[
    "env",
    "env file*",
    "dotenv",
    "environment file*",
    "env example",
    "configuration",
    "config",
];
/// Words that say a secret is strong enough.
const STRONG: &[&str] = &[
    "character*",
    "chars",
    "random",
    "cryptographically",
    "strong",
    "secure",
    "entropy",
    "long enough",
    "bytes",
];

/// What the kind verifies, rule by rule, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: STRONG,
        excludes: KEPT_ELSEWHERE,
        slots: &[
            Slot::required("key", recognise::Value::Read(secret_key_name)),
            Slot::optional("min_length", recognise::Value::Read(min_length)),
        ],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "strong secret*",
            "secure secret*",
            "strong valu*",
            "no weak",
            "weak secret*",
            "no default secret*",
            "no placeholder secret*",
        ],
        qualifiers: &[ENV_FILE],
        excludes: KEPT_ELSEWHERE,
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "real looking secret*",
            "real secret*",
            "real valu*",
            "real credential*",
            "live secret*",
            "live key*",
        ],
        qualifiers: &[&[
            "env example",
            "env sample",
            "env template",
            "exampl*",
            "templat*",
            "sampl*",
        ]],
        params: &[("checks", "secrets")],
        slots: &[Slot::optional("path", recognise::Value::Read(env_file))],
        weight: 80,
        prefer_over: &["secrets.scan"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &["tracked", "committed", "checked in"],
        qualifiers: &[&["env file*", "dotenv", "environment file*"]],
        support: &["literal secret*", "git"],
        excludes: &["gitignor*", "example", "template"],
        params: &[("checks", "tracked")],
        weight: 80,
        prefer_over: &["secrets.scan"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &["rotated", "changed from", "differ from", "different from"],
        qualifiers: &[&["secret*", "key*", "token*", "credential*", "password*"]],
        support: &["development", "dev", "staging"],
        // Database defaults are their own rule; a rotation schedule is people's work.
        excludes: &[
            "database",
            "db",
            "postgr*",
            "mysql",
            "default*",
            "secured",
            "vault",
            "encrypted",
            "stored in",
            "manager",
            "kms",
            "every",
            "regular*",
            "schedul*",
            "automat*",
            "period*",
            "policy",
            "process",
            "day*",
            "month*",
            "leak*",
            "incident",
            "compromis*",
        ],
        params: &[("checks", "rotated")],
        slots: &[Slot::optional(
            "key",
            recognise::Value::Choice(KEY_FAMILIES),
        )],
        weight: 75,
        prefer_over: &["secrets.scan"],
    },
    Claim {
        // "Rotated and secured": changed from the development values, strong and untracked.
        subject: &[
            "rotated and secured",
            "rotated and secure",
            "rotated and strong",
        ],
        qualifiers: &[&["secret*", "key*", "token*", "credential*", "password*"]],
        excludes: &[
            "database",
            "db",
            "vault",
            "encrypted",
            "stored in",
            "manager",
            "kms",
            "every",
            "regular*",
            "schedul*",
            "automat*",
            "period*",
            "policy",
            "process",
            "day*",
            "month*",
        ],
        params: &[("checks", "rotated,secrets,tracked")],
        slots: &[Slot::optional(
            "key",
            recognise::Value::Choice(KEY_FAMILIES),
        )],
        weight: 80,
        prefer_over: &["secrets.scan"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "database credential*",
            "db credential*",
            "database password*",
            "db password*",
            "postgres password*",
            "mysql password*",
            "default database credential*",
            "default db credential*",
        ],
        qualifiers: &[&["rotated", "changed", "default*", "strong", "not default"]],
        excludes: KEPT_ELSEWHERE,
        params: &[("checks", "database")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "cors origin*",
            "cors allowed origin*",
            "allowed origin*",
            "wildcard cors",
            "cors wildcard",
        ],
        // The env files' values; a running service's answers to origins are `http.cors`'s.
        qualifiers: &[&[
            "env",
            "env file*",
            "dotenv",
            "environment file*",
            "config file*",
            "setting",
        ]],
        excludes: &[
            "tested",
            "prob*",
            "respons*",
            "header*",
            "preflight",
            "credentials",
        ],
        params: &[("checks", "cors")],
        weight: 70,
        // An item about the env files' CORS value is this kind's, not the live probe's.
        prefer_over: &["http.cors"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &["debug"],
        qualifiers: &[&["env file*", "env", "dotenv", "setting", "config*"]],
        support: &["production", "not true", "false", "off", "disabled"],
        excludes: &[
            "log*",
            "endpoint*",
            "symbol*",
            "port*",
            "toolbar",
            "page*",
            "stack trac*",
            "error page*",
            "respons*",
        ],
        params: &[("checks", "debug")],
        weight: 75,
        ..Claim::EMPTY
    },
];

const KEY_FAMILIES: &[(&str, &str)] = &[("jwt", "*JWT*"), ("api key", "*API_KEY*,*APIKEY*")];

/// The secret's name as written: `JWT_SECRET`, `SECRET_KEY`.
fn secret_key_name(text: &Text<'_>) -> Option<String> {
    KEY_SECURE.find(&text.plain).map(|m| m.as_str().to_string())
}

/// "at least 50 characters", "min 32 chars", "64+ characters".
fn min_length(text: &Text<'_>) -> Option<String> {
    let c = MIN_CHARS.captures(&text.plain)?;
    Some(c.get(1).or_else(|| c.get(2))?.as_str().to_string())
}

/// The env file a code span names: `.env.example`, `deploy/.env.production`.
fn env_file(text: &Text<'_>) -> Option<String> {
    text.code_spans()
        .find(|s| {
            let name = s.rsplit('/').next().unwrap_or(s);
            (name == ".env" || name.starts_with(".env.") || name.ends_with(".env"))
                && check_relative("path", s).is_ok()
        })
        .map(str::to_string)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Secrets and settings in `.env` files and compose `environment:` blocks are fit for production.",
    description: "Reads every `.env`, `.env.*` and `*.env` file of the working tree (gitignored \
        ones too: a local `.env` is exactly what must be checked; dependency and cache \
        directories are skipped) and the `environment:` blocks of `docker-compose*.yml` / \
        `compose*.yml` services, or only the files named by `path`. A value written as \
        `${VAR:-fallback}` is judged by its fallback; a bare `${VAR}` or a secret-manager \
        reference (`vault:`, `arn:aws:`, `op://`) is not a literal and is left alone. \
        Rules, selectable with `checks`: `secrets` — a secret-named key (`*SECRET*`, \
        `*PASSWORD*`, `*TOKEN*`, `*API_KEY*`, `*PRIVATE_KEY*`, …, not `*_ID`, `*_URL`, \
        `*_FILE`, `*_EXPIRE*`) whose value is a well-known default or placeholder \
        (`changethis`, `changeme`, `secret`, `password`, `admin`, `test`, `<generate-me>`, \
        …), shorter than the minimum (`min_length`; by default 32 for signing keys such as \
        `JWT_SECRET`/`SECRET_KEY`, 12 for passwords, 16 for other secrets), or of low Shannon \
        entropy (below `min_entropy` bits per character); `database` — a database URL \
        (`postgres://`, `mysql://`, `mongodb://`, `redis://`, `amqp://`, …) or a \
        `POSTGRES_PASSWORD`-style key with default credentials (`postgres:postgres`, \
        `root:root`, password equal to the user, empty or well-known password); `cors` — \
        `CORS_ORIGINS`/`ALLOWED_ORIGINS`-style keys allowing `*` (or `CORS_ALLOW_ALL_ORIGINS=true`), \
        or allowing localhost in a production file (`.env.production`, `.env.prod`); `debug` \
        — `DEBUG`, `APP_DEBUG`, `FLASK_DEBUG`, `DJANGO_DEBUG` set to true; `tracked` — an env \
        file holding literal secrets that git tracks (read from the git index; only when the \
        repository root is itself a git repository, otherwise noted in the evidence and \
        skipped); `rotated` — a secret in a production file (`.env.production`, `.env.prod`) \
        or named with `key` and read from the environment holds the same value as the same \
        key in a development file or a template: it was never rotated from development (asked \
        for alone, `checks=rotated` is `error` when there is no production value or nothing \
        to compare it with). Templates (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`) are \
        committed by design and only checked for real-looking secrets (long, high-entropy \
        values under secret-named keys). Development and test files (`.env.development`, \
        `.env.test`, `.env.local`, …) are only held to the `tracked` rule. `key` narrows the \
        check to some keys; a key named there is also read from the check's environment \
        (`--env-file`), and when it is found nowhere, or only as references, the result is \
        `error`: gonogo cannot tell. Fails on any finding; errors when a file cannot be read \
        or parsed and nothing failed; skipped when there is no env file and no compose \
        environment at all. Values are never shown: at most a short prefix and the length.",
    params: &[
        ParamDoc::optional(
            "path",
            "Env or compose files to read instead of discovering them (paths or globs, comma-separated).",
        ),
        ParamDoc::optional(
            "key",
            "Only these keys (names or globs, comma-separated, case-insensitive): `JWT_SECRET`, `*_PASSWORD`.",
        ),
        ParamDoc::optional(
            "min_length",
            "Minimum length of every secret (default 32 for signing keys, 12 for passwords, 16 otherwise).",
        ),
        ParamDoc::with_default(
            "min_entropy",
            "Minimum Shannon entropy of a secret, in bits per character.",
            "3.0",
        ),
        ParamDoc::with_default(
            "checks",
            "Rules to apply, comma-separated: secrets, database, cors, debug, tracked, rotated.",
            "secrets,database,cors,debug,tracked,rotated",
        ),
    ],
    examples: &[
        "env.strength",
        "env.strength key=JWT_SECRET min_length=32",
        "env.strength checks=database",
        "env.strength path=deploy/.env.production checks=secrets,cors",
        "env.strength checks=rotated",
    ],
    claims: CLAIMS,
    phrases: &[
        "`.env` properly configured with strong secrets",
        "JWT_SECRET is cryptographically secure (min 32 chars)",
        "Database credentials rotated from defaults",
        "`CORS_ORIGINS` is not `*` in any env file",
        "SECRET_KEY is at least 50 characters",
        "All secrets rotated from development values",
        "JWT secrets rotated and secured",
        "API keys rotated and secured",
    ],
    not_phrases: &[
        // The file lives on the deployment host, not in a checkout; its absence from a clean
        // checkout says nothing, and "secured" is a property of the host.
        "`.env.production` file created and secured",
        // Where secrets are kept is a property of the deployment, not of any file gonogo reads.
        "Secrets stored in secure vault (AWS Secrets Manager/HashiCorp Vault)",
        "Secrets encrypted at rest",
        "No hardcoded credentials in code",
        // What origins a running service accepts is `http.cors`'s to probe.
        "CORS origins restricted to production domains",
        "Environment variables properly configured",
        "Environment variables documented",
        "Rate limiting active (slowapi middleware)",
    ],
    findings: &[
        (
            "env-secret-default",
            "A secret holds a well-known default or a placeholder.",
        ),
        (
            "env-secret-short",
            "A secret is shorter than the minimum length.",
        ),
        (
            "env-secret-low-entropy",
            "A secret is too predictable (low Shannon entropy).",
        ),
        (
            "env-db-default-credentials",
            "A database URL or password uses default credentials.",
        ),
        ("env-cors-wildcard", "CORS allows any origin (`*`)."),
        (
            "env-cors-localhost",
            "A production env file allows localhost origins.",
        ),
        ("env-debug-enabled", "Debug mode is switched on."),
        (
            "env-tracked-with-secrets",
            "An env file holding literal secrets is tracked by git.",
        ),
        (
            "env-secret-not-rotated",
            "A production secret has the same value as in a development file or template.",
        ),
        (
            "env-template-real-secret",
            "A template (`.env.example`) holds a real-looking secret.",
        ),
        (
            "env-line-malformed",
            "A line of an env file is not `KEY=value`.",
        ),
        ("env-compose-malformed", "A compose file is not valid YAML."),
    ],
};

const ALL_RULES: &[&str] = &["secrets", "database", "cors", "debug", "tracked", "rotated"];

impl CheckKind for EnvStrength {
    fn id(&self) -> &'static str {
        "env.strength"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let paths = params.list("path");
        let path_set = match &paths {
            Some(p) if p.is_empty() => return Err(ParamError::new("path", "is empty")),
            Some(p) => {
                for one in p {
                    check_relative("path", one)?;
                }
                Some(glob_set("path", p, false)?)
            }
            None => None,
        };
        let keys = params.list("key").unwrap_or_default();
        for k in &keys {
            if !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_*?.-".contains(c))
            {
                return Err(ParamError::new(
                    "key",
                    format!("`{k}` is not an env key or key glob"),
                ));
            }
        }
        let key_set = if keys.is_empty() {
            None
        } else {
            Some(glob_set("key", &keys, true)?)
        };
        let min_length = params.u64("min_length")?.map(|n| n as usize);
        if min_length == Some(0) {
            return Err(ParamError::new("min_length", "must be at least 1"));
        }
        let min_entropy = params.value::<f64>("min_entropy")?;
        if !(0.0..=8.0).contains(&min_entropy) {
            return Err(ParamError::new(
                "min_entropy",
                "must be between 0 and 8 bits per character",
            ));
        }
        let rules = params.value::<Vec<String>>("checks")?;
        for r in &rules {
            if !ALL_RULES.contains(&r.as_str()) {
                return Err(ParamError::new(
                    "checks",
                    format!("unknown rule `{r}` (known: {})", ALL_RULES.join(", ")),
                ));
            }
        }
        if rules.is_empty() {
            return Err(ParamError::new("checks", "names no rule"));
        }
        let has = |r: &str| rules.iter().any(|x| x == r);
        Ok(Box::new(Prepared {
            path_set,
            plain_paths: paths
                .unwrap_or_default()
                .into_iter()
                .filter(|p| !is_glob(p))
                .collect(),
            named_keys: keys
                .iter()
                .filter(|k| !is_glob(k))
                .map(|k| k.to_string())
                .collect(),
            key_set,
            min_length,
            min_entropy,
            rules: Rules {
                secrets: has("secrets"),
                database: has("database"),
                cors: has("cors"),
                debug: has("debug"),
                tracked: has("tracked"),
                rotated: has("rotated"),
            },
        }))
    }
}

static KEY_SECURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-Z][A-Z0-9]*_)*(SECRET|KEY|TOKEN|PASSWORD|PASS)(_[A-Z0-9]+)*\b")
        .expect("regex")
});
static MIN_CHARS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:min(?:imum)?\.?|at least|>=|≥)\s*(\d{1,4})\s*(?:chars?|characters|bytes)?|(\d{1,4})\+?\s*(?:chars?|characters)").expect("regex")
});

#[derive(Clone, Copy)]
struct Rules {
    secrets: bool,
    database: bool,
    cors: bool,
    debug: bool,
    tracked: bool,
    rotated: bool,
}

impl Rules {
    /// `checks=rotated` alone: nothing to compare is then `error`, not a pass.
    fn only_rotated(&self) -> bool {
        self.rotated && !(self.secrets || self.database || self.cors || self.debug || self.tracked)
    }
}

#[derive(Clone)]
struct Prepared {
    path_set: Option<globset::GlobSet>,
    plain_paths: Vec<String>,
    named_keys: Vec<String>,
    key_set: Option<globset::GlobSet>,
    min_length: Option<usize>,
    min_entropy: f64,
    rules: Rules,
}

/// What a file is for, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileClass {
    /// Committed by design with placeholders: `.env.example`.
    Template,
    /// A developer's or a test run's settings: `.env.development`, `.env.test`, `.env.local`.
    Development,
    /// Meant for production: `.env.production`, `.env.prod`.
    Production,
    /// Anything else (`.env`, `.env.staging`, a compose file): held to every rule.
    Deployable,
}

fn classify(name: &str) -> FileClass {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower
        .split(['.', '-', '_'])
        .filter(|p| !p.is_empty())
        .collect();
    let any = |words: &[&str]| parts.iter().any(|p| words.contains(p));
    if any(&[
        "example", "examples", "sample", "template", "tpl", "dist", "defaults",
    ]) {
        FileClass::Template
    } else if any(&[
        "development",
        "dev",
        "test",
        "testing",
        "local",
        "ci",
        "e2e",
    ]) {
        FileClass::Development
    } else if any(&["production", "prod", "live"]) {
        FileClass::Production
    } else {
        FileClass::Deployable
    }
}

/// One `KEY=value` as found.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    value: Value,
    /// `path`, or `$KEY (environment)`.
    source: String,
    line: Option<usize>,
    class: FileClass,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// A literal value.
    Literal(String),
    /// `${VAR:-fallback}`: the fallback is what runs when the variable is unset.
    Fallback(String),
    /// `${VAR}`, `vault:…`: provided elsewhere; not judged.
    Reference,
}

fn interpret(raw: &str) -> Value {
    static WHOLE_REF: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])(.*))?\}$|^\$[A-Za-z_][A-Za-z0-9_]*$")
            .expect("regex")
    });
    let v = raw.trim();
    if let Some(c) = WHOLE_REF.captures(v) {
        return match c.get(3) {
            Some(fallback) if !fallback.as_str().is_empty() => match interpret(fallback.as_str()) {
                Value::Literal(l) | Value::Fallback(l) => Value::Fallback(l),
                Value::Reference => Value::Reference,
            },
            _ => Value::Reference,
        };
    }
    let lower = v.to_ascii_lowercase();
    if [
        "vault:",
        "arn:aws:",
        "op://",
        "sm://",
        "ssm:",
        "secretsmanager:",
        "gcp-secret:",
        "azure-keyvault:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return Value::Reference;
    }
    Value::Literal(v.to_string())
}

impl Value {
    fn literal(&self) -> Option<&str> {
        match self {
            Value::Literal(s) | Value::Fallback(s) => Some(s),
            Value::Reference => None,
        }
    }
}

/// The `environment:` entries of every service of a compose document.
fn compose_environment(doc: &yaml::Node) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let Some(services) = doc.get("services") else {
        return out;
    };
    for (_, service) in services.entries() {
        let Some(env) = service.get("environment") else {
            continue;
        };
        for (k, v) in env.entries() {
            if let (Some(key), Some(value)) = (k.as_str(), v.as_str())
                && !["", "~", "null"].contains(&value)
            {
                out.push((key.to_string(), value.to_string(), v.line));
            }
        }
        for item in env.items() {
            if let Some(s) = item.as_str()
                && let Some((key, value)) = s.split_once('=')
            {
                out.push((key.trim().to_string(), value.to_string(), item.line));
            }
        }
    }
    out
}

/// Keys that sign or encrypt: held to 32 characters by default.
fn is_signing_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "JWT",
        "SIGNING",
        "SESSION",
        "SECRET_KEY",
        "ENCRYPTION",
        "MASTER_KEY",
        "COOKIE_SECRET",
        "APP_KEY",
        "HMAC",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn is_password_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k.contains("PASSWORD") || k.contains("PASSWD") || k.contains("PASSPHRASE")
}

fn is_db_password_key(key: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(postgres|pg|mysql|mysql_root|mariadb|mariadb_root|mongo|mongo_initdb_root|mongodb|db|database|[a-z0-9]+_db|redis|rabbitmq_default)_?pass(word)?$").expect("regex")
    });
    RE.is_match(key)
}

/// Values that are well-known defaults, examples or placeholders.
fn is_default_value(value: &str, key: &str) -> bool {
    const DEFAULTS: &[&str] = &[
        "changethis",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "change_this",
        "change-this",
        "secret",
        "secrets",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "postgres",
        "admin",
        "administrator",
        "root",
        "toor",
        "test",
        "testing",
        "example",
        "default",
        "dev",
        "development",
        "local",
        "demo",
        "sample",
        "qwerty",
        "letmein",
        "welcome",
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "password1",
        "password123",
        "admin123",
        "secret123",
        "mysecret",
        "supersecret",
        "super_secret",
        "super-secret",
        "secretkey",
        "secret_key",
        "secret-key",
        "mysecretkey",
        "my_secret_key",
        "jwt_secret",
        "jwtsecret",
        "jwt-secret",
        "s3cr3t",
        "insecure",
        "keyboard cat",
        "foobar",
        "foo",
        "bar",
        "abc123",
        "guest",
        "user",
        "pass",
        "mysql",
        "mongo",
        "redis",
        "minioadmin",
        "minio123",
        "none",
        "null",
        "undefined",
        "todo",
        "fixme",
        "tbd",
        "xxx",
        "placeholder",
        "notsecret",
        "not-a-secret",
        "dummy",
        "fake",
    ];
    let lower = value.trim().to_ascii_lowercase();
    if DEFAULTS.contains(&lower.as_str()) {
        return true;
    }
    if lower == key.to_ascii_lowercase() {
        return true;
    }
    static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^<.*>$|^\[.*\]$|^\{\{.*\}\}$|^x{3,}$|^\*{3,}$|^\.{3,}$|^django-insecure-|^(please[-_ ]?)?change[-_ ]?(me|this|it)|^replace[-_ ]?(me|this|with)|^(your|my|enter|insert|put)[-_ ]?(own[-_ ]?)?[a-z_-]*(secret|key|password|token)|^(generate|set)[-_ ]?(me|a|one|this)\b")
            .expect("regex")
    });
    // One character repeated (`aaaaaaaa`) is no secret either.
    let mut chars = lower.chars();
    let repeated = chars.next().is_some_and(|c0| chars.all(|c| c == c0));
    repeated || PATTERNS.is_match(&lower)
}

/// The credentials of a database URL: (user, password), when there is a password part.
fn db_credentials(value: &str) -> Option<(String, String)> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|cockroachdb|clickhouse)(?:\+[a-z0-9]+)?://([^:@/\s]*):([^@/\s]*)@").expect("regex")
    });
    let c = RE.captures(value.trim())?;
    Some((c[2].to_string(), c[3].to_string()))
}

fn is_default_db_credential(user: &str, password: &str) -> bool {
    password.is_empty() || password.eq_ignore_ascii_case(user) || is_default_value(password, "")
}

fn is_cors_key(key: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(^|_)(cors(_allow(ed)?)?_origins?|allowed_origins?|allow_origins?|access_control_allow_origin|cors_allow_all_origins|cors_origin_allow_all)$").expect("regex")
    });
    RE.is_match(key)
}

fn is_debug_key(key: &str) -> bool {
    [
        "DEBUG",
        "APP_DEBUG",
        "FLASK_DEBUG",
        "DJANGO_DEBUG",
        "API_DEBUG",
        "BACKEND_DEBUG",
    ]
    .contains(&key.to_ascii_uppercase().as_str())
}

fn is_true(v: &str) -> bool {
    matches!(
        v.trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// The origins of a CORS value: `a,b`, `["a", "b"]`, `a b`.
fn origins(v: &str) -> Vec<String> {
    v.split([',', ' ', ';'])
        .map(|o| {
            o.trim()
                .trim_matches(['[', ']', '"', '\''])
                .trim()
                .to_string()
        })
        .filter(|o| !o.is_empty())
        .collect()
}

/// A secret that looks generated (long, high entropy, not a placeholder): what a template
/// must not hold.
fn looks_real(value: &str, key: &str) -> bool {
    value.chars().count() >= 16
        && shannon_entropy(value.as_bytes()) >= 3.5
        && !is_default_value(value, key)
        && !value.contains(char::is_whitespace)
        && !value.contains('$')
}

fn location(e: &Entry) -> Option<Location> {
    e.line.map(|l| Location::at(e.source.clone(), l))
}

impl Prepared {
    fn key_selected(&self, key: &str) -> bool {
        self.key_set.as_ref().is_none_or(|s| s.is_match(key))
    }

    fn min_length_for(&self, key: &str) -> usize {
        self.min_length.unwrap_or(if is_signing_key(key) {
            32
        } else if is_password_key(key) {
            12
        } else {
            16
        })
    }

    /// Whether `key` is to be judged as a secret: secret-named, or named explicitly.
    fn treat_as_secret(&self, key: &str) -> bool {
        is_secret_name(key) || self.named_keys.iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// The `rotated` rule: production secrets must not reuse a development or template value.
    fn rotation(
        &self,
        c: &Collected,
        selected: &[&Entry],
        findings: &mut Vec<Finding>,
        notes: &mut Vec<String>,
        unknown: &mut Vec<String>,
    ) {
        let earlier: Vec<&Entry> = c
            .entries
            .iter()
            .filter(|e| matches!(e.class, FileClass::Development | FileClass::Template))
            .collect();
        let production: Vec<&&Entry> = selected
            .iter()
            .filter(|e| e.class == FileClass::Production || e.line.is_none())
            .filter(|e| self.treat_as_secret(&e.key) || is_db_password_key(&e.key))
            .filter(|e| e.value.literal().is_some_and(|v| !v.is_empty()))
            .collect();
        if production.is_empty() || earlier.is_empty() {
            let why = if production.is_empty() {
                "no production secret to compare (no .env.production or .env.prod; name keys with `key` and pass the production env with --env-file)"
            } else {
                "no development file or template to compare the production secrets with"
            };
            if self.rules.only_rotated() {
                unknown.push(why.to_string());
            } else if !production.is_empty() {
                // Without a production file there is nothing to rotate: no note to read.
                notes.push(format!("rotation not checked: {why}"));
            }
            return;
        }
        for p in production {
            let value = p.value.literal().unwrap_or_default();
            let Some(d) = earlier
                .iter()
                .find(|d| d.key.eq_ignore_ascii_case(&p.key) && d.value.literal() == Some(value))
            else {
                continue;
            };
            let from = match d.line {
                Some(l) => format!("{}:{l}", d.source),
                None => d.source.clone(),
            };
            let f = Finding::fail(
                "env-secret-not-rotated",
                format!(
                    "{} in {} has the same value as in {from} ({})",
                    p.key,
                    p.source,
                    redact_secret(value)
                ),
            )
            .fix("generate a fresh production value (`openssl rand -base64 48`) and keep it out of development files");
            findings.push(match location(p) {
                Some(l) => f.at(l),
                None => f,
            });
        }
    }

    fn judge(&self, e: &Entry, out: &mut Vec<Finding>) {
        let Some(value) = e.value.literal() else {
            return;
        };
        let loc = location(e);
        let at = |f: Finding| match &loc {
            Some(l) => f.at(l.clone()),
            None => f,
        };
        let fallback = if matches!(e.value, Value::Fallback(_)) {
            " (the fallback used when the variable is unset)"
        } else {
            ""
        };
        // The finding's location says where; only a value from the environment needs naming.
        let where_ = match e.line {
            Some(_) => String::new(),
            None => format!(" in {}", e.source),
        };
        if e.class == FileClass::Template {
            if self.rules.secrets && self.treat_as_secret(&e.key) && looks_real(value, &e.key) {
                out.push(at(Finding::fail(
                    "env-template-real-secret",
                    format!(
                        "{} in template {} looks like a real secret ({})",
                        e.key,
                        e.source,
                        redact_secret(value)
                    ),
                )
                .fix(
                    "templates are committed: put a placeholder here and rotate the secret",
                )));
            }
            return;
        }
        if e.class == FileClass::Development {
            return;
        }
        // Database credentials first: a URL or a database password key.
        if self.rules.database {
            if let Some((user, password)) = db_credentials(value)
                && !password.contains('$')
                && is_default_db_credential(&user, &password)
            {
                out.push(at(Finding::fail(
                    "env-db-default-credentials",
                    format!(
                        "{}{where_} connects with default credentials{fallback} ({})",
                        e.key,
                        redact_url(value)
                    ),
                )
                .fix("create a dedicated database user with a generated password")));
                return;
            }
            if is_db_password_key(&e.key) && is_default_value(value, &e.key) {
                out.push(at(Finding::fail(
                    "env-db-default-credentials",
                    format!(
                        "{}{where_} is a default database password{fallback} ({})",
                        e.key,
                        redact_secret(value)
                    ),
                )
                .fix(
                    "generate a database password (e.g. `openssl rand -base64 32`)",
                )));
                return;
            }
        }
        if self.rules.secrets && self.treat_as_secret(&e.key) && db_credentials(value).is_none() {
            if value.is_empty() {
                if self
                    .named_keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&e.key))
                {
                    out.push(at(Finding::fail(
                        "env-secret-short",
                        format!("{}{where_} is empty", e.key),
                    )
                    .fix(format!("set {} to a generated value", e.key))));
                }
                return;
            }
            let len = value.chars().count();
            let min = self.min_length_for(&e.key);
            if is_default_value(value, &e.key) {
                out.push(at(Finding::fail(
                    "env-secret-default",
                    format!(
                        "{}{where_} is a well-known default or placeholder{fallback} ({})",
                        e.key,
                        redact_secret(value)
                    ),
                )
                .fix(format!(
                    "generate {} (e.g. `openssl rand -base64 48`)",
                    e.key
                ))));
            } else if len < min {
                out.push(at(Finding::fail(
                    "env-secret-short",
                    format!(
                        "{}{where_} is {len} characters, below the minimum of {min}{fallback} ({})",
                        e.key,
                        redact_secret(value)
                    ),
                )
                .fix(format!(
                    "use at least {min} random characters (e.g. `openssl rand -base64 48`)"
                ))));
            } else {
                let bits = shannon_entropy(value.as_bytes());
                if bits < self.min_entropy {
                    out.push(at(Finding::fail(
                        "env-secret-low-entropy",
                        format!(
                            "{}{where_} is predictable: {bits:.1} bits of entropy per character, below {:.1}{fallback} ({})",
                            e.key,
                            self.min_entropy,
                            redact_secret(value)
                        ),
                    )
                    .fix("generate the value randomly instead of choosing it")));
                }
            }
        }
        if self.rules.cors && is_cors_key(&e.key) {
            let upper = e.key.to_ascii_uppercase();
            let all = origins(value);
            if all.iter().any(|o| o == "*")
                || ((upper.ends_with("ALLOW_ALL_ORIGINS") || upper.ends_with("ORIGIN_ALLOW_ALL"))
                    && is_true(value))
            {
                out.push(at(Finding::fail(
                    "env-cors-wildcard",
                    format!("{}{where_} allows any origin", e.key),
                )
                .fix(
                    "list the production origins explicitly (e.g. https://app.example.com)",
                )));
            } else if e.class == FileClass::Production
                && all.iter().any(|o| {
                    o.contains("localhost") || o.contains("127.0.0.1") || o.contains("0.0.0.0")
                })
            {
                out.push(at(Finding::fail(
                    "env-cors-localhost",
                    format!("{}{where_} allows localhost in a production file", e.key),
                )
                .fix("keep only the production origins in production settings")));
            }
        }
        if self.rules.debug && is_debug_key(&e.key) && is_true(value) {
            out.push(at(Finding::fail(
                "env-debug-enabled",
                format!("{}{where_} switches debug mode on", e.key),
            )
            .fix(format!("set {}=false outside development", e.key))));
        }
    }

    fn collect(&self, ctx: &CheckContext) -> Collected {
        let mut c = Collected::default();
        let files = inventory_with_ignored(ctx);
        let mut chosen: Vec<(String, std::path::PathBuf)> = Vec::new();
        match &self.path_set {
            Some(set) => {
                for p in &self.plain_paths {
                    match resolve_in_repo(&ctx.repo, p) {
                        Ok(full) => chosen.push((rel_path(&ctx.repo, &full), full)),
                        Err(e) => c.unreadable.push(format!("{p}: {e}")),
                    }
                }
                for f in &files.files {
                    if set.is_match(&f.rel) && !chosen.iter().any(|(r, _)| *r == f.rel) {
                        chosen.push((f.rel.clone(), f.path.clone()));
                    }
                }
            }
            None => {
                for (f, classes) in files.classified() {
                    if classes.has(RepoClass::EnvFile) || classes.has(RepoClass::Compose) {
                        chosen.push((f.rel.clone(), f.path.clone()));
                    }
                }
            }
        }
        for (rel, full) in chosen {
            let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
            let text = match read_text(&full, 1 << 20) {
                Ok(t) => t,
                Err(e) => {
                    c.unreadable.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            c.sources.push(rel.clone());
            // Paths named by the item may lie outside the walk: classified by the same rules.
            let classes = classify::classes(&rel);
            if classes.has(RepoClass::Compose)
                || (classes.has(RepoClass::Yaml) && !classes.has(RepoClass::EnvFile))
            {
                match yaml::parse(&text) {
                    Ok(docs) => {
                        for doc in &docs {
                            for (key, value, line) in compose_environment(doc) {
                                c.entries.push(Entry {
                                    key,
                                    value: interpret(&value),
                                    source: rel.clone(),
                                    line: Some(line),
                                    class: FileClass::Deployable,
                                });
                            }
                        }
                    }
                    Err(e) => c.malformed.push(
                        Finding::warn(
                            "env-compose-malformed",
                            format!("{rel} is not valid YAML: {}", e.message),
                        )
                        .at(Location::at(rel.clone(), e.line))
                        .fix("fix the YAML syntax (try `docker compose config`)"),
                    ),
                }
            } else {
                let class = classify(&name);
                c.env_files.push((rel.clone(), class));
                let parsed = dotenv::parse(&text);
                for line in parsed.problems.iter().map(|p| p.line) {
                    c.malformed.push(
                        Finding::warn(
                            "env-line-malformed",
                            format!("{rel}:{line} is not KEY=value"),
                        )
                        .at(Location::at(rel.clone(), line))
                        .fix("write KEY=value, quote values holding spaces or #"),
                    );
                }
                for dotenv::Entry { key, value, line } in parsed.entries {
                    c.entries.push(Entry {
                        key,
                        value: interpret(&value),
                        source: rel.clone(),
                        line: Some(line),
                        class,
                    });
                }
            }
        }
        // Keys named explicitly are also read from the check's environment (`--env-file`).
        for key in &self.named_keys {
            if let Some((k, v)) = ctx.env.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                c.entries.push(Entry {
                    key: k.clone(),
                    value: interpret(v),
                    source: format!("${k} (environment)"),
                    line: None,
                    class: FileClass::Deployable,
                });
            }
        }
        c
    }
}

#[derive(Default)]
struct Collected {
    entries: Vec<Entry>,
    sources: Vec<String>,
    env_files: Vec<(String, FileClass)>,
    malformed: Vec<Finding>,
    unreadable: Vec<String>,
}

/// Whether an entry holds a literal secret worth protecting (for the `tracked` rule).
fn holds_literal_secret(e: &Entry) -> bool {
    match &e.value {
        Value::Literal(v) if !v.is_empty() => {
            (is_secret_name(&e.key) && !is_default_value(v, &e.key))
                || db_credentials(v).is_some_and(|(_, p)| !p.is_empty() && !p.contains('$'))
        }
        _ => false,
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

impl Prepared {
    fn evaluate(&self, ctx: &CheckContext) -> Outcome {
        let c = self.collect(ctx);
        let selected: Vec<&Entry> = c
            .entries
            .iter()
            .filter(|e| self.key_selected(&e.key))
            .collect();
        let mut findings = Vec::new();
        for e in &selected {
            self.judge(e, &mut findings);
        }

        let mut notes = Vec::new();
        let mut unknown = Vec::new();
        if self.rules.rotated {
            self.rotation(&c, &selected, &mut findings, &mut notes, &mut unknown);
        }
        if self.key_set.is_some() && selected.is_empty() && self.named_keys.is_empty() {
            unknown.push(
                "no key matching the `key` globs is set in any env file or compose file"
                    .to_string(),
            );
        }
        if self.rules.tracked {
            match gonogo_repo::git::open(&ctx.repo) {
                Ok(repo) => match gonogo_repo::git::tracked_paths(&repo) {
                    Ok(tracked) => {
                        for (rel, class) in &c.env_files {
                            if *class == FileClass::Template || !tracked.contains(rel) {
                                continue;
                            }
                            let secrets: BTreeSet<&str> = selected
                                .iter()
                                .filter(|e| e.source == *rel && holds_literal_secret(e))
                                .map(|e| e.key.as_str())
                                .collect();
                            if !secrets.is_empty() {
                                let keys: Vec<&str> = secrets.into_iter().collect();
                                findings.push(
                                    Finding::fail(
                                        "env-tracked-with-secrets",
                                        format!("{rel} is tracked by git and holds secrets ({})", keys.join(", ")),
                                    )
                                    .at(Location::file(rel.clone()))
                                    .fix(format!("`git rm --cached {rel}`, add it to .gitignore, and rotate the secrets")),
                                );
                            }
                        }
                    }
                    Err(e) => notes.push(format!("tracked files not checked: {e}")),
                },
                Err(gonogo_repo::git::GitError::NotARepository(_)) => {
                    notes.push("git tracking not checked: not a git repository".into())
                }
                Err(gonogo_repo::git::GitError::Unreadable(e)) => {
                    notes.push(format!("tracked files not checked: {e}"))
                }
            }
        }

        // A key named explicitly must be found with a value, or gonogo cannot tell.
        for key in &self.named_keys {
            let mine: Vec<&&Entry> = selected
                .iter()
                .filter(|e| e.key.eq_ignore_ascii_case(key))
                .collect();
            if mine.is_empty() {
                unknown.push(format!(
                    "{key} is not set in any env file, compose file or the environment"
                ));
            } else if mine.iter().all(|e| e.value == Value::Reference) {
                unknown.push(format!(
                    "{key} only appears as a reference (${{{key}}}): its value is provided at deploy time; pass it with --env-file to check it"
                ));
            }
        }

        let n_sources = c.sources.len();
        let sources = if c.sources.len() > 4 {
            format!(
                "{}, … ({} files)",
                c.sources[..4].join(", "),
                c.sources.len()
            )
        } else {
            c.sources.join(", ")
        };
        let note = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let expected = "secrets long, random and not defaults; no default DB credentials; no wildcard CORS; debug off; env files with secrets untracked; production secrets not reused from development";
        let fails = findings
            .iter()
            .filter(|f| f.severity == Status::Fail)
            .count();
        if fails > 0 {
            let mut kinds: Vec<&str> = findings.iter().map(|f| f.code).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let first = findings.iter().find_map(|f| f.location.clone());
            let mut where_: Vec<String> = Vec::new();
            for f in &findings {
                let w = f
                    .location
                    .as_ref()
                    .map_or("the environment".to_string(), |l| l.path.clone());
                if !where_.contains(&w) {
                    where_.push(w);
                }
            }
            let where_ = where_.join(", ");
            findings.extend(c.malformed);
            let mut o = Outcome::from_findings(
                format!(
                    "{fails} problem{} in {where_}{note}",
                    if fails == 1 { "" } else { "s" }
                ),
                findings,
            )
            .observed(format!(
                "{fails} finding{}: {}",
                if fails == 1 { "" } else { "s" },
                kinds.join(", ")
            ))
            .expected(expected);
            o.evidence.location = first;
            return o;
        }
        if !c.unreadable.is_empty() || !unknown.is_empty() {
            let mut reasons = c.unreadable.clone();
            reasons.extend(unknown);
            return Outcome::error(format!("cannot tell: {}{note}", reasons.join("; ")))
                .with_findings(c.malformed);
        }
        if n_sources == 0 && selected.is_empty() {
            return Outcome::skipped("no .env files and no compose environment blocks found");
        }
        let judged = selected
            .iter()
            .filter(|e| e.value.literal().is_some())
            .count();
        if !c.malformed.is_empty() {
            let mut o = Outcome::from_findings(
                format!(
                    "{judged} values in {sources} look fine, but some lines could not be read{note}"
                ),
                c.malformed,
            );
            if let Some(f) = o
                .evidence
                .findings
                .iter()
                .find(|f| f.code == "env-compose-malformed")
            {
                o = Outcome::error(format!("cannot tell: {}{note}", f.message))
                    .with_findings(o.evidence.findings.clone());
            }
            return o.expected(expected);
        }
        Outcome::pass(format!(
            "{judged} values in {sources}: no weak secret or unsafe setting{note}"
        ))
        .observed(format!(
            "{judged} values checked in {n_sources} file{}",
            if n_sources == 1 { "" } else { "s" }
        ))
        .expected(expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{codes, locations, recognise, repo, run};

    fn strong() -> String {
        // Assembled at run time: a generated-looking value, not a real secret.
        format!("{}{}", "q8Vw3Zr7Tn2Lp5Xc9Hs4", "Jd6Fg1Mu8Ae3Wi0Kb7Yt")
    }

    #[tokio::test]
    async fn weak_env_fails_with_every_rule() {
        let dir = repo(&[(
            ".env",
            "# local\nDATABASE_URL=postgresql://postgres:postgres@db:5432/acme\nJWT_SECRET=changethis\nAPI_TOKEN=abc\nSESSION_SECRET=abababababababababababababababababab\nCORS_ORIGINS=*\nDEBUG=true\nACCESS_TOKEN_EXPIRE_MINUTES=30\nNOT A LINE\n",
        )]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            codes(&o),
            [
                "env-db-default-credentials",
                "env-secret-default",
                "env-secret-short",
                "env-secret-low-entropy",
                "env-cors-wildcard",
                "env-debug-enabled",
                "env-line-malformed"
            ]
        );
        assert_eq!(
            locations(&o),
            [
                ".env:2", ".env:3", ".env:4", ".env:5", ".env:6", ".env:7", ".env:9"
            ]
        );
        assert!(
            o.evidence.summary.contains("not a git repository"),
            "{}",
            o.evidence.summary
        );
        let all = serde_json::to_string(&o).unwrap();
        assert!(
            !all.contains("changethis") && !all.contains("postgres:postgres@"),
            "{all}"
        );
    }

    #[tokio::test]
    async fn strong_env_passes() {
        let env = format!(
            "DATABASE_URL=postgresql://acme:{}@db:5432/acme\nJWT_SECRET=\"{}\"\nCORS_ORIGINS=https://app.acme.example\nDEBUG=false\nREDIS_URL=redis://redis:6379/0\n",
            strong(),
            strong()
        );
        let dir = repo(&[
            (".env", &env),
            (".env.example", "JWT_SECRET=<generate-me>\nDEBUG=true\n"),
        ]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(!serde_json::to_string(&o).unwrap().contains(&strong()));
    }

    #[tokio::test]
    async fn templates_are_only_checked_for_real_secrets() {
        let dir = repo(&[(
            "config/.env.example",
            &format!(
                "JWT_SECRET=changethis\nDEBUG=true\nCORS_ORIGINS=*\nSTRIPE_SECRET={}\n",
                strong()
            ),
        )]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(codes(&o), ["env-template-real-secret"]);
        assert_eq!(locations(&o), ["config/.env.example:4"]);
    }

    #[tokio::test]
    async fn compose_environment_blocks_and_fallbacks() {
        let dir = repo(&[(
            "docker-compose.yml",
            "services:\n  api:\n    environment:\n      JWT_SECRET: ${JWT_SECRET:-changethis}\n      SECRET_KEY: ${SECRET_KEY}\n  db:\n    environment:\n      - POSTGRES_PASSWORD=postgres\n      - POSTGRES_USER=app\n",
        )]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(
            codes(&o),
            ["env-secret-default", "env-db-default-credentials"]
        );
        assert_eq!(
            locations(&o),
            ["docker-compose.yml:4", "docker-compose.yml:8"]
        );
        assert!(o.evidence.findings[0].message.contains("fallback"));
    }

    #[tokio::test]
    async fn malformed_compose_is_an_error_with_its_line() {
        let dir = repo(&[("compose.yaml", "services:\n  api: [\n    x\n")]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert_eq!(codes(&o), ["env-compose-malformed"]);
        assert!(
            o.evidence.findings[0]
                .location
                .as_ref()
                .unwrap()
                .line
                .is_some()
        );
    }

    #[tokio::test]
    async fn named_key_with_min_length() {
        let dir = repo(&[(
            ".env",
            "JWT_SECRET=0123456789abcdefghijABCDEFGHIJ\nCORS_ORIGINS=*\n",
        )]);
        let o = run(
            &EnvStrength,
            &[("key", "JWT_SECRET"), ("min_length", "32")],
            dir.path(),
        )
        .await;
        assert_eq!(
            codes(&o),
            ["env-secret-short"],
            "CORS is outside the key filter"
        );
        let o = run(
            &EnvStrength,
            &[("key", "JWT_SECRET"), ("min_length", "24")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[tokio::test]
    async fn named_key_found_nowhere_or_only_referenced_is_an_error() {
        let dir = repo(&[
            (".env", "OTHER=1\n"),
            (
                "docker-compose.yml",
                "services:\n  a:\n    environment:\n      JWT_SECRET: ${JWT_SECRET}\n",
            ),
        ]);
        let o = run(&EnvStrength, &[("key", "JWT_SECRET")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence.summary.contains("reference"),
            "{}",
            o.evidence.summary
        );
        let o = run(&EnvStrength, &[("key", "SECRET_KEY")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence.summary.contains("not set"),
            "{}",
            o.evidence.summary
        );
    }

    #[tokio::test]
    async fn named_key_read_from_the_environment() {
        let dir = repo(&[]);
        let prepared = EnvStrength
            .prepare(&Params::new().with("key", "JWT_SECRET"))
            .unwrap();
        let mut ctx = CheckContext::new(dir.path().to_path_buf());
        ctx.env.insert("JWT_SECRET".into(), "short".into());
        let o = prepared.run(&ctx).await;
        assert_eq!(codes(&o), ["env-secret-short"]);
        assert!(
            o.evidence.findings[0]
                .message
                .contains("$JWT_SECRET (environment)")
        );
        ctx.env.insert("JWT_SECRET".into(), strong());
        assert_eq!(prepared.run(&ctx).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn nothing_to_read_is_skipped_and_dev_files_are_lenient() {
        let dir = repo(&[("README.md", "# x\n")]);
        assert_eq!(
            run(&EnvStrength, &[], dir.path()).await.status,
            Status::Skipped
        );
        let dir = repo(&[(".env.test", "JWT_SECRET=test\nDEBUG=true\n")]);
        assert_eq!(
            run(&EnvStrength, &[], dir.path()).await.status,
            Status::Pass
        );
    }

    #[tokio::test]
    async fn production_files_must_not_allow_localhost() {
        let dir = repo(&[(
            ".env.production",
            "CORS_ORIGINS=https://app.example.com,http://localhost:3000\n",
        )]);
        let o = run(&EnvStrength, &[("checks", "cors")], dir.path()).await;
        assert_eq!(codes(&o), ["env-cors-localhost"]);
        let dir = repo(&[(
            ".env",
            "BACKEND_CORS_ORIGINS=[\"*\"]\nCORS_ALLOW_ALL_ORIGINS=True\n",
        )]);
        let o = run(&EnvStrength, &[("checks", "cors")], dir.path()).await;
        assert_eq!(codes(&o), ["env-cors-wildcard", "env-cors-wildcard"]);
    }

    #[tokio::test]
    async fn production_secrets_must_differ_from_development_values() {
        let dev_jwt = "dev-jwt-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e";
        let prod_jwt = "q8Zr2LmX4vT9nB6kP1sW7yH3jD5fG0aC";
        let dir = repo(&[
            (
                ".env.development",
                &format!("JWT_SECRET={dev_jwt}\nSTRIPE_API_KEY=sk_dev_9a8b7c6d5e4f3a2b1c0d\n"),
            ),
            (
                ".env.production",
                &format!(
                    "JWT_SECRET={dev_jwt}\nSTRIPE_API_KEY=sk_live_Zx81Qw73Er65Ty49Ui\nLOG_LEVEL=info\n"
                ),
            ),
        ]);
        let o = run(&EnvStrength, &[("checks", "rotated")], dir.path()).await;
        assert_eq!(codes(&o), ["env-secret-not-rotated"]);
        let f = &o.evidence.findings[0];
        assert!(
            f.message.contains("JWT_SECRET in .env.production")
                && f.message.contains(".env.development:1"),
            "{}",
            f.message
        );
        assert!(
            !format!("{o:?}").contains(dev_jwt),
            "the value leaked: {o:?}"
        );
        assert_eq!(locations(&o), [".env.production:1"]);

        // Rotated: passes, and so does the seed item's binding with the JWT keys only.
        std::fs::write(
            dir.path().join(".env.production"),
            format!("JWT_SECRET={prod_jwt}\nSTRIPE_API_KEY=sk_live_Zx81Qw73Er65Ty49Ui\n"),
        )
        .unwrap();
        let o = run(&EnvStrength, &[("checks", "rotated")], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let p = recognise(&EnvStrength, "JWT secrets rotated and secured").unwrap();
        let kv: Vec<(&str, &str)> = p.iter().collect();
        assert_eq!(
            kv,
            [("checks", "rotated,secrets,tracked"), ("key", "*JWT*")]
        );
        let o = run(&EnvStrength, &kv, dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[tokio::test]
    async fn rotation_with_nothing_to_compare_cannot_pass() {
        // Only development values: no production secret to judge.
        let dir = repo(&[(".env.development", "JWT_SECRET=abc\n")]);
        let o = run(&EnvStrength, &[("checks", "rotated")], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert!(
            o.evidence.summary.contains("no production secret"),
            "{}",
            o.evidence.summary
        );
        // Only production values: nothing they could have been copied from.
        let dir = repo(&[(
            ".env.production",
            "JWT_SECRET=q8Zr2LmX4vT9nB6kP1sW7yH3jD5fG0aC\n",
        )]);
        let o = run(&EnvStrength, &[("checks", "rotated")], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        // A key glob that matches nothing is no pass either.
        let o = run(&EnvStrength, &[("key", "*API_KEY*")], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        // With the other rules on, a missing comparison is a note, not an error.
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(
            o.evidence.summary.contains("rotation not checked"),
            "{}",
            o.evidence.summary
        );
    }

    #[tokio::test]
    async fn tracked_env_files_with_secrets_fail() {
        let dir = repo(&[
            (".env", &format!("API_TOKEN={}\n", strong())),
            (".env.example", "API_TOKEN=<token>\n"),
            ("README.md", "# x\n"),
        ]);
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        git(&["init", "-q"]);
        git(&["add", "README.md", ".env.example"]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "untracked .env is fine: {o:?}");
        git(&["add", ".env"]);
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(codes(&o), ["env-tracked-with-secrets"]);
        assert_eq!(locations(&o), [".env"]);
        assert!(!o.evidence.summary.contains("not a git repository"));
    }

    #[test]
    fn values_and_keys() {
        assert_eq!(
            interpret("${X:-changethis}"),
            Value::Fallback("changethis".into())
        );
        assert_eq!(interpret("${X}"), Value::Reference);
        assert_eq!(interpret("vault:secret/data/app#jwt"), Value::Reference);
        assert!(is_secret_name("JWT_SECRET") && is_secret_name("aws_secret_access_key"));
        assert!(
            !is_secret_name("ACCESS_TOKEN_EXPIRE_MINUTES") && !is_secret_name("AWS_ACCESS_KEY_ID")
        );
        assert!(!is_secret_name("JWT_SECRET_FILE"));
        assert!(is_default_value("<generate-me>", "X") && is_default_value("your-secret-key", "X"));
        assert!(is_default_value("django-insecure-abc", "X") && !is_default_value(&strong(), "X"));
        assert_eq!(
            db_credentials("mysql+pymysql://root:root@h/x"),
            Some(("root".into(), "root".into()))
        );
        assert_eq!(db_credentials("redis://redis:6379/0"), None);
        assert!(shannon_entropy(b"aaaa") < 0.1 && shannon_entropy(strong().as_bytes()) > 4.0);
    }

    #[test]
    fn recognition() {
        let p = recognise(
            &EnvStrength,
            "JWT_SECRET is cryptographically secure (min 32 chars)",
        )
        .unwrap();
        assert_eq!(
            (p.str("key"), p.str("min_length")),
            (Some("JWT_SECRET"), Some("32"))
        );
        let p = recognise(
            &EnvStrength,
            "`.env` properly configured with strong secrets",
        )
        .unwrap();
        assert!(p.is_empty());
        let p = recognise(&EnvStrength, "Database credentials rotated from defaults").unwrap();
        assert_eq!(p.str("checks"), Some("database"));
        let p = recognise(&EnvStrength, "`CORS_ORIGINS` is not `*` in any env file").unwrap();
        assert_eq!(p.str("checks"), Some("cors"));
        let p = recognise(&EnvStrength, "SECRET_KEY is at least 50 characters").unwrap();
        assert_eq!(p.str("min_length"), Some("50"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_env_files_never_panic(text in "(?s).{0,400}") {
            for e in dotenv::parse(&text).entries {
                let _ = interpret(&e.value);
                let _ = is_default_value(&e.value, &e.key);
                let _ = db_credentials(&e.value);
            }
        }
    }

    #[tokio::test]
    async fn binary_env_file_is_an_error_naming_it() {
        let dir = repo(&[]);
        std::fs::write(dir.path().join(".env"), b"JWT_SECRET=\x00\x01\x02").unwrap();
        let o = run(&EnvStrength, &[], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert!(
            o.evidence.summary.contains(".env: not a text file"),
            "{}",
            o.evidence.summary
        );
    }
}
