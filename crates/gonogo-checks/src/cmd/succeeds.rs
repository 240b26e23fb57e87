//! `cmd.succeeds`: a command run in the repository exits 0.

use crate::util::{check_relative, inventory_blocking};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::redact::Redactor;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use regex::Regex;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

pub struct CmdSucceeds;

/// Output kept (the tail): the rest is read and dropped, so a chatty command never blocks.
const MAX_CAPTURE: usize = 64 * 1024;
/// How long to wait for the output pipes to close once the command exited (a background
/// process it left behind may hold them open).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "A command run in the repository (a linter, a type checker, a build) exits with status 0.",
    description: "Runs `cmd` in the repository — in `dir`, or in the directory found by \
        `near` — and passes when it exits 0. It runs only when whoever runs gonogo consents \
        with `--allow-commands` or `GONOGO_ALLOW_COMMANDS=1` (nothing in the checklist, the \
        repository or `gonogo.toml` can grant it); without consent the item is `error` \
        (\"not run: `npm test` — commands need --allow-commands\") and blocks. Without \
        `shell=true` the command is split like \
        a shell would (quotes honoured) but run directly, with no shell: no globbing, no \
        pipes, no `&&`; `shell=true` runs it with `sh -c`. `near` is a comma-separated list \
        of files, tried in order: a path (`frontend/package.json`) must exist as written, a \
        bare name (`package.json`) picks the shallowest such file in the repository; the \
        command runs in that file's directory, and when none exists the check is `skipped` \
        (nothing to build or lint). The command gets a minimal environment: `PATH`, `HOME` \
        and `LANG` (from gonogo's environment overlaid with `--env-file`) and what `env` \
        passes — `env=\"NODE_ENV=test,CI\"` sets `NODE_ENV` and passes `CI` through (a name \
        passed through that is not set is `error`; values cannot hold a comma); stdin is \
        empty; it runs in a process group of its own, killed as a whole on timeout and when \
        the run is interrupted. Fails when the command exits non-zero or is killed by \
        a signal, with the exit status and the last lines of its output (stdout and stderr \
        interleaved, at most 64 KiB kept) as evidence; output is scrubbed of the \
        environment's secret values, `password=`/`token=`-style assignments and URL \
        passwords before it is shown. Errors, never fails, when gonogo could not tell: the \
        program is not found or not executable (also exit 126 or 127 from a script whose \
        own commands are missing), a failing run's output matches `unavailable` (the tool \
        could not reach what it needs, such as the Docker daemon), `dir` does not exist, or the command outlives `timeout` \
        (default 110 s) — its whole process group is then killed. Commands may write their \
        usual caches and build outputs; auto-binding never picks commands that install, \
        push or deploy (`npm install`, `docker push`). Auto-binding chooses the command from \
        the item's wording: \"All MyPy checks passing\" runs `mypy .` near the Python \
        project (`mypy.ini`, `pyproject.toml`, `setup.cfg`, `requirements.txt`); \"No ESLint \
        errors in frontend\" runs `node_modules/.bin/eslint .` near `frontend/package.json` \
        or `package.json`; \"Black/Flake8 passing for backend\" runs `black --check . && \
        flake8 .` (shell) in the backend; \"`npm run build` completes without errors\" and \
        \"Next.js production build successful\" run `npm run build`; \"TypeScript \
        compilation successful\" runs `node_modules/.bin/tsc --noEmit` near `tsconfig.json`; \
        \"Frontend tests passing (`npm test`)\" runs `npm test`; \"Docker images build \
        successfully\" runs `docker build .` near `Dockerfile` (a Docker daemon that cannot be \
        reached is `error`); \"`npm install` runs successfully\" runs `npm install --dry-run \
        --ignore-scripts --no-audit --no-fund` near `package.json`, which resolves the whole \
        dependency tree without writing `node_modules` or the lockfile (no registry \
        reachable is `error`); a script named in the item \
        (`scripts/validate_docker_stack.sh`) is run as is.",
    params: &[
        ParamDoc::required("cmd", "The command line: `mypy .`, `npm run build`."),
        ParamDoc::with_default(
            "dir",
            "Directory to run in, relative to the repository.",
            ".",
        ),
        ParamDoc::optional(
            "near",
            "Run beside the first of these files that exists (comma-separated paths or names); skipped when none does.",
        ),
        ParamDoc::with_default(
            "shell",
            "Run through `sh -c` (pipes, `&&`, globs).",
            "false",
        ),
        // Shorter than the runner's default timeout (120 s), so that the kind, not the
        // runner, stops a slow command and kills its whole process group.
        ParamDoc::with_default(
            "timeout",
            "Longest run; the process group is killed after it.",
            "110s",
        ),
        ParamDoc::optional(
            "env",
            "Variables for the command beyond PATH, HOME and LANG, comma-separated: `NAME=value` sets one, a bare `NAME` passes gonogo's own through (`$VAR` expands as in any parameter).",
        ),
        ParamDoc::with_default("tail", "Lines of output kept as evidence.", "20"),
        ParamDoc::optional(
            "unavailable",
            "A regex over the output meaning the tool itself could not work (\"Cannot connect to the Docker daemon\"): a failing run whose output matches is `error`, not `fail`.",
        ),
    ],
    examples: &[
        "cmd.succeeds cmd=\"mypy .\" dir=backend",
        "cmd.succeeds cmd=\"npm run build\" near=package.json timeout=5m",
        "cmd.succeeds cmd=\"black --check . && flake8 .\" shell=true near=pyproject.toml",
        "cmd.succeeds cmd=\"npm test\" near=package.json env=\"NODE_ENV=test,CI\"",
    ],
    claims: CLAIMS,
    phrases: &[
        "`npm run build` completes without errors",
        "Frontend tests passing (`npm test`)",
        "Docker compose stack validated (`scripts/validate_docker_stack.sh`)",
        "`npm install` runs successfully",
        "`cargo clippy --all-targets -- -D warnings` passes",
        "`make lint` is green",
    ],
    not_phrases: &[
        "Build and push Docker images",
        "Backend tests passing (`pytest`)",
        "Run database migrations",
        "No console errors in production build",
        "All services start without errors",
        "Run smoke tests",
        // A tool or an outcome named in words, no command written: which command to run
        // would be a guess.
        "All MyPy checks passing",
        "TypeScript compilation successful",
        "Docker images build successfully",
        "Secrets scan of `services/billing` is clean",
    ],
    findings: &[(
        "cmd-failed",
        "The command exited with a non-zero status or was killed by a signal.",
    )],
};

/// Verbs that say a command named in the item ends well.
const SUCCEEDS: &[&str] = &[
    "pass",
    "green",
    "clean",
    "succeed*",
    "success*",
    "complet*",
    "validat*",
    "exit 0",
    "exits 0",
    "exits zero",
    "without error*",
    "no error*",
    "no issu*",
    "no warn*",
    "run successfully",
    "runs successfully",
    "works",
];

/// What the kind verifies: an item that writes the command literally in a code span and
/// says it ends well. A tool or an outcome named in words ("TypeScript compiles") is not
/// a command: guessing one would run something the item did not ask for.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: SUCCEEDS,
        support: &["locally", "in ci"],
        // Failing on purpose, or a run whose output people read, is not "exits 0".
        excludes: &["fail*", "blocks", "alert*", "reviewed", "manually"],
        slots: &[
            Slot::required("cmd", Value::Read(command)),
            Slot::optional("shell", Value::Read(needs_shell)),
            Slot::optional("dir", Value::Read(folder)),
            Slot::optional("unavailable", Value::Read(unavailable)),
        ],
        weight: 80,
        ..Claim::EMPTY
    },
    // An item that names a tool but not its command ("All MyPy checks passing") would need the
    // command guessed, with the folder it runs in: never bound on its own (the weights stay
    // below the threshold), only offered by `gonogo suggest` for a person to accept.
    Claim {
        subject: &["mypy"],
        support: PASSES,
        params: &[("cmd", "mypy ."), ("near", PYTHON_NEAR)],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["eslint"],
        support: PASSES,
        params: &[("cmd", "node_modules/.bin/eslint ."), ("near", NODE_NEAR)],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["black flake8", "flake8 black", "black and flake8"],
        support: PASSES,
        params: &[
            ("cmd", "black --check . && flake8 ."),
            ("shell", "true"),
            ("near", PYTHON_NEAR),
        ],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["typescript compil*", "typescript type check*", "tsc"],
        support: PASSES,
        params: &[
            ("cmd", "node_modules/.bin/tsc --noEmit"),
            ("near", "frontend/tsconfig.json,tsconfig.json"),
        ],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "next js production build",
            "nextjs production build",
            "next js build",
            "frontend build",
            "production build",
        ],
        support: PASSES,
        params: &[("cmd", "npm run build"), ("near", NODE_NEAR)],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "frontend test*",
            "frontend component test*",
            "frontend unit test*",
        ],
        support: PASSES,
        params: &[("cmd", "npm test"), ("near", NODE_NEAR)],
        weight: 45,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["docker image* build", "docker image* built"],
        support: PASSES,
        params: &[("cmd", "docker build ."), ("near", "Dockerfile")],
        weight: 45,
        ..Claim::EMPTY
    },
];

const PASSES: &[&str] = &[
    "passing",
    "passes",
    "pass",
    "clean",
    "no error*",
    "successful*",
    "succeeds",
];
const PYTHON_NEAR: &str = "backend/pyproject.toml,backend/setup.cfg,backend/requirements.txt,pyproject.toml,setup.cfg,requirements.txt";
const NODE_NEAR: &str = "frontend/package.json,package.json";

/// The command of the item: its first code span that reads as a command line (a program
/// or a script, then arguments), not a file name, a setting, a version or a value.
fn command(text: &Text<'_>) -> Option<String> {
    text.code_spans()
        .find(|span| looks_like_command(span))
        .map(without_side_effects)
}

/// A check never mutates its target: `npm install` (which writes `node_modules`, may rewrite
/// the lockfile and runs install scripts) is run as the resolution it stands for, without
/// writing anything or running a script.
fn without_side_effects(cmd: &str) -> String {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    match words.as_slice() {
        ["npm", "install" | "i" | "ci", rest @ ..] => {
            let mut out = vec!["npm", "install"];
            out.extend(rest.iter().copied());
            for flag in ["--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"] {
                if !rest.contains(&flag) {
                    out.push(flag);
                }
            }
            out.join(" ")
        }
        _ => cmd.to_string(),
    }
}

fn looks_like_command(span: &str) -> bool {
    let mut words = span.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let has_args = words.next().is_some();
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-+/".contains(c);
    if !program.starts_with(|c: char| c.is_ascii_lowercase() || c == '.')
        || !program.chars().all(plain)
        || program.ends_with('/')
    {
        return false;
    }
    let script = [".sh", ".py", ".bash"].iter().any(|e| program.ends_with(e));
    if program.contains('/') {
        // A path is a command only when it names a script inside the repository.
        return script && check_relative("cmd", program).is_ok();
    }
    // `go.sum`, `v1.2.0`: a file or a version, not a program.
    let file_like = program.contains('.') && !script;
    let version_like = program
        .trim_start_matches('v')
        .starts_with(|c: char| c.is_ascii_digit());
    !file_like && !version_like && (has_args || program.len() > 2)
}

/// Pipes, lists and redirections need a shell to mean what they say.
fn needs_shell(text: &Text<'_>) -> Option<String> {
    let cmd = command(text)?;
    ["|", "&&", ";", ">", "<", "$("]
        .iter()
        .any(|op| cmd.contains(op))
        .then(|| "true".to_string())
}

/// "`pytest -q` passes in `worker/`": the folder the command runs in.
fn folder(text: &Text<'_>) -> Option<String> {
    let cmd = command(text)?;
    let after = text.display.split_once(&format!("`{cmd}`"))?.1;
    let (_, rest) = after.split_once(" in `")?;
    let dir = rest.split('`').next()?.trim_end_matches('/');
    (!dir.is_empty() && check_relative("dir", dir).is_ok()).then(|| dir.to_string())
}

/// Output of tools that could not work at all (for the `unavailable` parameter).
fn unavailable(text: &Text<'_>) -> Option<String> {
    let cmd = command(text)?;
    if cmd.starts_with("docker ") {
        return Some(
            "Cannot connect to the Docker daemon|Is the docker daemon running|permission denied while trying to connect to the Docker daemon"
                .to_string(),
        );
    }
    // No registry to resolve against: npm could not tell whether the install works.
    cmd.starts_with("npm install").then(|| {
        "ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network request to .* failed"
            .to_string()
    })
}

impl CheckKind for CmdSucceeds {
    fn id(&self) -> &'static str {
        "cmd.succeeds"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let cmd = params.required("cmd")?.trim().to_string();
        if cmd.is_empty() {
            return Err(ParamError::new("cmd", "is empty"));
        }
        let shell = params.value::<bool>("shell")?;
        let argv = if shell {
            vec!["sh".to_string(), "-c".to_string(), cmd.clone()]
        } else {
            match shlex::split(&cmd) {
                Some(a) if !a.is_empty() => a,
                _ => {
                    return Err(ParamError::new(
                        "cmd",
                        format!("cannot split `{cmd}` into words (unbalanced quotes?)"),
                    ));
                }
            }
        };
        let dir = params.required("dir")?.trim().to_string();
        check_relative("dir", &dir)?;
        let near = params.list("near");
        if let Some(n) = &near {
            for one in n {
                check_relative("near", one)?;
            }
        }
        let timeout = params.value::<Duration>("timeout")?;
        if timeout.is_zero() {
            return Err(ParamError::new("timeout", "must be more than zero"));
        }
        let tail = params.value::<u64>("tail")?.clamp(1, 500) as usize;
        let env = match params.str("env") {
            None => Vec::new(),
            Some(list) => parse_env(list)?,
        };
        let unavailable = match params.str("unavailable") {
            None => None,
            Some(re) => Some(
                Regex::new(re)
                    .map_err(|e| ParamError::new("unavailable", format!("bad regex: {e}")))?,
            ),
        };
        Ok(Box::new(Prepared {
            cmd,
            argv,
            dir,
            near,
            timeout,
            tail,
            env,
            unavailable,
        }))
    }
}

struct Prepared {
    cmd: String,
    argv: Vec<String>,
    dir: String,
    near: Option<Vec<String>>,
    timeout: Duration,
    tail: usize,
    env: Vec<EnvEntry>,
    unavailable: Option<Regex>,
}

/// The variables every command gets from gonogo's environment; anything more must be named
/// with `env=`, so a command never sees gonogo's credentials by accident.
const BASE_ENV: [&str; 3] = ["PATH", "HOME", "LANG"];

/// One entry of `env=`.
#[derive(Debug, Clone, PartialEq)]
enum EnvEntry {
    /// `NAME=value`.
    Set(String, String),
    /// `NAME`: gonogo's own value, passed through.
    Pass(String),
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `A=1,B=x,CI`: assignments and names passed through.
fn parse_env(list: &str) -> Result<Vec<EnvEntry>, ParamError> {
    let mut entries = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v)),
            None => (part, None),
        };
        if !is_env_name(name) {
            return Err(ParamError::new(
                "env",
                format!(
                    "`{name}` is not a variable name (expected NAME=value or NAME, comma-separated; values cannot hold a comma)"
                ),
            ));
        }
        entries.push(match value {
            Some(v) => EnvEntry::Set(name.to_string(), v.to_string()),
            None => EnvEntry::Pass(name.to_string()),
        });
    }
    Ok(entries)
}

/// The command's whole environment: [`BASE_ENV`] and the item's `env=`, from `env` (gonogo's
/// environment overlaid with `--env-file`). Err names a passed-through variable that is unset.
fn command_env(
    entries: &[EnvEntry],
    env: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    // An embedder that gives the run no environment of its own (a server) still gives its
    // commands a PATH, as `resolve` finds programs on it.
    let mut out: Vec<(String, String)> = BASE_ENV
        .iter()
        .filter_map(|k| {
            let v = env.get(*k).cloned().or_else(|| std::env::var(k).ok())?;
            Some((k.to_string(), v))
        })
        .collect();
    for entry in entries {
        let (name, value) = match entry {
            EnvEntry::Set(n, v) => (n, v.clone()),
            EnvEntry::Pass(n) => match env.get(n) {
                Some(v) => (n, v.clone()),
                None => return Err(n.clone()),
            },
        };
        out.retain(|(k, _)| k != name);
        out.push((name.clone(), value));
    }
    Ok(out)
}

/// Kills the command's process group unless it was reaped: covers the runner's own timeout
/// and cancellation, which drop the future mid-run.
struct GroupGuard {
    pgid: Option<i32>,
}

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take()
            && let Some(pid) = rustix::process::Pid::from_raw(pgid)
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `MAX_CAPTURE` bytes written to stdout and stderr, in arrival order.
#[derive(Default)]
struct Tail {
    bytes: VecDeque<u8>,
    total: usize,
}

impl Tail {
    fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len();
        self.bytes.extend(chunk);
        let excess = self.bytes.len().saturating_sub(MAX_CAPTURE);
        self.bytes.drain(..excess);
    }
}

async fn drain(mut r: impl tokio::io::AsyncRead + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut buf = vec![0u8; 8192];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => tail
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(&buf[..n]),
        }
    }
}

/// The directory holding the first `near` candidate that exists.
fn find_near(ctx: &CheckContext, base: &str, near: &[String]) -> Option<String> {
    let files = inventory_blocking(ctx);
    let base_prefix = if base == "." || base.is_empty() {
        String::new()
    } else {
        format!("{}/", base.trim_end_matches('/'))
    };
    for cand in near {
        if cand.contains('/') {
            let rel = format!("{base_prefix}{cand}");
            if ctx.repo.join(&rel).is_file() {
                return Some(
                    rel.rsplit_once('/')
                        .map_or(String::new(), |(d, _)| d.to_string()),
                );
            }
            continue;
        }
        let best = files
            .files
            .iter()
            .filter(|f| f.rel.starts_with(&base_prefix))
            .filter(|f| f.rel.rsplit('/').next() == Some(cand.as_str()))
            .filter(|f| !f.rel.split('/').any(|p| p == "node_modules"))
            .min_by_key(|f| (f.rel.matches('/').count(), f.rel.clone()));
        if let Some(f) = best {
            return Some(
                f.rel
                    .rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string()),
            );
        }
    }
    None
}

/// `program` as found: relative to `dir` when it has a slash, else on `PATH`.
fn resolve(program: &str, dir: &Path, path_var: Option<&str>) -> Option<PathBuf> {
    if program.contains('/') {
        let p = dir.join(program);
        return p.is_file().then_some(p);
    }
    let path_var = path_var
        .map(str::to_string)
        .or_else(|| std::env::var("PATH").ok())?;
    std::env::split_paths(&path_var)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Output as it may be shown: ANSI codes stripped, then through the one redactor, which knows
/// the environment's secret values.
fn scrub(text: &str, env: &std::collections::BTreeMap<String, String>) -> String {
    static ANSI: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07").expect("regex")
    });
    let plain = ANSI.replace_all(text, "");
    Redactor::for_env(env).redact(&plain).into_owned()
}

/// The last `n` non-empty lines, each at most 300 characters.
fn last_lines(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| {
            let mut s: String = l.chars().take(300).collect();
            if l.chars().count() > 300 {
                s.push('…');
            }
            s
        })
        .collect()
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        // The command line itself may hold a secret: it is shown scrubbed too.
        let shown = scrub(&self.cmd, &ctx.env);
        // Consent comes from whoever runs gonogo, never from the checklist or the repository.
        if !ctx.allow_commands {
            return Outcome::error(format!(
                "not run: `{shown}` — commands need --allow-commands"
            ))
            .expected("a run allowed to start commands")
            .observed("no consent (--allow-commands, GONOGO_ALLOW_COMMANDS=1)");
        }
        let command_env = match command_env(&self.env, &ctx.env) {
            Ok(vars) => vars,
            Err(name) => {
                return Outcome::error(format!(
                    "not run: `{shown}` — env passes {name} through, but it is not set"
                ));
            }
        };
        let base = self.dir.trim_end_matches('/').to_string();
        let rel_dir = match &self.near {
            None => base.clone(),
            Some(near) => {
                let c = ctx.clone();
                let (b, n) = (base.clone(), near.clone());
                match tokio::task::spawn_blocking(move || find_near(&c, &b, &n)).await {
                    Ok(Some(d)) => {
                        if d.is_empty() {
                            ".".into()
                        } else {
                            d
                        }
                    }
                    Ok(None) => {
                        return Outcome::skipped(format!(
                            "no {} found: nothing to run `{}` in",
                            near.join(" or "),
                            shown
                        ));
                    }
                    Err(e) => return Outcome::error(format!("cmd.succeeds stopped: {e}")),
                }
            }
        };
        let workdir = ctx.repo.join(&rel_dir);
        if !workdir.is_dir() {
            return Outcome::error(format!("directory {rel_dir} not found in the repository"));
        }
        let in_dir = if rel_dir == "." {
            String::new()
        } else {
            format!(" (in {rel_dir})")
        };
        let path_var = ctx.env.get("PATH").map(String::as_str);
        let program = &self.argv[0];
        let Some(resolved) = resolve(program, &workdir, path_var) else {
            let why = if program.contains('/') {
                format!(
                    "`{program}` not found in {rel_dir} (install the project's dependencies first?)"
                )
            } else {
                format!("`{program}` is not installed (not found on PATH)")
            };
            return Outcome::error(format!("cannot run `{}`: {why}", shown));
        };

        let mut command = tokio::process::Command::new(&resolved);
        command
            .args(&self.argv[1..])
            .current_dir(&workdir)
            .env_clear()
            .envs(command_env)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => return Outcome::error(format!("cannot run `{}`: {e}", shown)),
        };
        let mut guard = GroupGuard {
            pgid: child.id().map(|id| id as i32),
        };
        let tail = Arc::new(Mutex::new(Tail::default()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(tokio::spawn(drain(out, tail.clone())));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(tokio::spawn(drain(err, tail.clone())));
        }
        let waited = tokio::select! {
            waited = tokio::time::timeout(self.timeout, child.wait()) => Some(waited),
            () = ctx.cancel.cancelled() => None,
        };
        let status = match waited {
            Some(Ok(Ok(s))) => Some(s),
            Some(Ok(Err(e))) => return Outcome::error(format!("cannot wait for `{}`: {e}", shown)),
            Some(Err(_)) => None,
            None => {
                guard.kill();
                let _ = child.wait().await;
                return Outcome::error(format!(
                    "interrupted: `{shown}`{in_dir} was stopped after {:.1} s and its process group killed",
                    started.elapsed().as_secs_f64()
                ));
            }
        };
        if status.is_none() {
            guard.kill();
            let _ = child.wait().await;
        } else {
            // The group leader is reaped; leftovers are the command's own business.
            guard.pgid = None;
        }
        let drained = tokio::time::timeout(DRAIN_GRACE, futures_join(readers))
            .await
            .is_ok();
        let elapsed = started.elapsed();
        let captured = {
            let t = tail.lock().unwrap_or_else(|e| e.into_inner());
            let bytes: Vec<u8> = t.bytes.iter().copied().collect();
            (String::from_utf8_lossy(&bytes).into_owned(), t.total)
        };
        let text = scrub(&captured.0, &ctx.env);
        let lines = last_lines(&text, self.tail);
        let secs = format!("{:.1} s", elapsed.as_secs_f64());
        let shown_tail = if lines.is_empty() {
            "(no output)".to_string()
        } else {
            lines.join("\n")
        };
        let note = if drained {
            ""
        } else {
            " (output still open when it exited: a background process holds it)"
        };

        let Some(status) = status else {
            return Outcome::error(format!(
                "`{}` did not finish within {}{in_dir}; its process group was killed. Last output:\n{shown_tail}",
                shown,
                gonogo_core::run::human_duration(self.timeout)
            ))
            .expected("exit status 0")
            .observed(format!("still running after {}", gonogo_core::run::human_duration(self.timeout)));
        };
        let location = Location::file(if rel_dir == "." {
            ".".to_string()
        } else {
            rel_dir.clone()
        });
        match status.code() {
            Some(0) => {
                let last = lines.last().cloned().unwrap_or_else(|| "no output".into());
                Outcome::pass(format!("`{}` succeeded in {secs}{in_dir}{note}", shown))
                    .observed(format!("exit status 0; last line: {last}"))
                    .expected("exit status 0")
                    .at(location)
            }
            Some(code @ (126 | 127)) => Outcome::error(format!(
                "`{}` exited {code}{in_dir}: a command it runs was {} — gonogo cannot tell whether the check itself passes. Last output:\n{shown_tail}",
                shown,
                if code == 127 { "not found" } else { "not executable" }
            ))
            .observed(format!("exit status {code}"))
            .expected("exit status 0"),
            Some(code) if self.unavailable.as_ref().is_some_and(|re| re.is_match(&text)) => {
                Outcome::error(format!(
                    "`{shown}` exited {code}{in_dir} because the tool could not work here — gonogo cannot tell. Last output:\n{shown_tail}"
                ))
                .observed(format!("exit status {code}"))
                .expected("exit status 0")
            }
            code => {
                use std::os::unix::process::ExitStatusExt;
                let how = match code {
                    Some(c) => format!("exit status {c}"),
                    None => format!("killed by signal {}", status.signal().unwrap_or(0)),
                };
                Outcome::fail(format!("`{}` failed ({how}) after {secs}{in_dir}{note}", shown))
                    .observed(how.clone())
                    .expected("exit status 0")
                    .at(location.clone())
                    .with_findings(vec![Finding::fail("cmd-failed", format!("`{}` {how}; last output:\n{shown_tail}", shown))
                        .at(location)
                        .fix(format!("run `{}`{in_dir} and fix what it reports", shown))])
            }
        }
    }
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_npm_install_is_run_without_writing_or_running_scripts() {
        let p = crate::util::testing::recognise(&CmdSucceeds, "`npm install` runs successfully")
            .expect("bound");
        assert_eq!(
            p.str("cmd"),
            Some("npm install --dry-run --ignore-scripts --no-audit --no-fund")
        );
        let p = crate::util::testing::recognise(&CmdSucceeds, "`npm install --omit=dev` succeeds")
            .expect("bound");
        assert_eq!(
            p.str("cmd"),
            Some("npm install --omit=dev --dry-run --ignore-scripts --no-audit --no-fund")
        );
    }
    use crate::util::testing::{codes, params, recognise, repo};
    use gonogo_core::Status;

    /// Runs `kind` in `root` in a run that consented to commands.
    async fn run(kind: &dyn CheckKind, pairs: &[(&str, &str)], root: &Path) -> Outcome {
        let mut ctx = CheckContext::new(root.to_path_buf());
        ctx.allow_commands = true;
        run_in(kind, pairs, &ctx).await
    }

    async fn run_in(kind: &dyn CheckKind, pairs: &[(&str, &str)], ctx: &CheckContext) -> Outcome {
        kind.prepare(&params(pairs)).unwrap().run(ctx).await
    }

    #[tokio::test]
    async fn without_consent_nothing_runs() {
        let dir = repo(&[]);
        let marker = dir.path().join("ran");
        let cmd = format!("touch {}", marker.display());
        let o = run_in(
            &CmdSucceeds,
            &[("cmd", &cmd)],
            &CheckContext::new(dir.path().to_path_buf()),
        )
        .await;
        assert_eq!(o.status, Status::Error);
        assert_eq!(
            o.evidence.summary,
            format!("not run: `{cmd}` — commands need --allow-commands")
        );
        assert!(!marker.exists());
        assert_eq!(
            run(&CmdSucceeds, &[("cmd", &cmd)], dir.path()).await.status,
            Status::Pass
        );
        assert!(marker.exists());
    }

    #[tokio::test]
    async fn the_command_sees_only_the_minimal_environment_and_what_env_passes() {
        let dir = repo(&[]);
        let mut ctx = CheckContext::new(dir.path().to_path_buf());
        ctx.allow_commands = true;
        ctx.env = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", "/home/gonogo-test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "planted-secret-value".to_string()),
            ("CI", "true".to_string()),
            ("STAGE", "staging".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // The names the command sees, one a line, as the evidence of a failing run.
        let seen = run_in(
            &CmdSucceeds,
            &[
                (
                    "cmd",
                    "env | cut -d= -f1 | sort; echo \"HOME=$HOME\"; exit 1",
                ),
                ("shell", "true"),
                ("tail", "100"),
            ],
            &ctx,
        )
        .await;
        let names = &seen.evidence.findings[0].message;
        assert!(!names.contains("AWS_SECRET_ACCESS_KEY"), "{names}");
        assert!(!names.contains("planted"), "{names}");
        assert!(names.contains("HOME=/home/gonogo-test"), "{names}");
        assert!(names.lines().any(|l| l == "PATH"), "{names}");
        assert!(
            !names.lines().any(|l| l == "CI" || l == "STAGE"),
            "not passed: {names}"
        );
        let o = run_in(
            &CmdSucceeds,
            &[
                ("cmd", "sh -c 'test \"$CI $MODE $STAGE\" = \"true fast=yes prod\" && test -z \"$AWS_SECRET_ACCESS_KEY\"'"),
                ("env", "CI, MODE=fast=yes,STAGE=prod"),
            ],
            &ctx,
        )
        .await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let o = run_in(
            &CmdSucceeds,
            &[("cmd", "true"), ("env", "NOT_SET_ANYWHERE")],
            &ctx,
        )
        .await;
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence
                .summary
                .contains("env passes NOT_SET_ANYWHERE through, but it is not set"),
            "{o:?}"
        );
        for bad in ["A B=1", "=1", "1A=x"] {
            assert!(
                CmdSucceeds
                    .prepare(&Params::new().with("cmd", "true").with("env", bad))
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn an_interrupt_kills_the_process_group_at_once() {
        let dir = repo(&[]);
        let marker = dir.path().join("survived");
        let script = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let mut ctx = CheckContext::new(dir.path().to_path_buf());
        ctx.allow_commands = true;
        let interrupt = ctx.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            interrupt.cancel();
        });
        let started = Instant::now();
        let o = run_in(&CmdSucceeds, &[("cmd", &script), ("shell", "true")], &ctx).await;
        assert!(started.elapsed() < Duration::from_secs(2), "{o:?}");
        assert_eq!(o.status, Status::Error);
        assert!(o.evidence.summary.starts_with("interrupted: "), "{o:?}");
        assert!(o.evidence.summary.contains("process group killed"), "{o:?}");
        std::thread::sleep(Duration::from_millis(2500));
        assert!(
            !marker.exists(),
            "the background child outlived the interrupt"
        );
    }

    #[tokio::test]
    async fn exit_status_decides() {
        let dir = repo(&[("backend/app.py", "print('hi')\n")]);
        let o = run(
            &CmdSucceeds,
            &[("cmd", "sh -c 'echo checked 3 files; exit 0'")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("exit status 0; last line: checked 3 files")
        );
        let o = run(
            &CmdSucceeds,
            &[
                ("cmd", "echo 'error: 2 problems' >&2; exit 3"),
                ("shell", "true"),
                ("dir", "backend"),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), ["cmd-failed"]);
        assert_eq!(o.evidence.observed.as_deref(), Some("exit status 3"));
        assert!(o.evidence.findings[0].message.contains("error: 2 problems"));
        assert_eq!(
            o.evidence.findings[0].location.as_ref().unwrap().path,
            "backend"
        );
        assert!(o.evidence.summary.contains("(in backend)"));
    }

    #[tokio::test]
    async fn not_found_and_missing_dirs_are_errors() {
        let dir = repo(&[("README.md", "x")]);
        let o = run(
            &CmdSucceeds,
            &[("cmd", "gonogo-no-such-tool --check")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence.summary.contains("not installed"),
            "{}",
            o.evidence.summary
        );
        let o = run(
            &CmdSucceeds,
            &[("cmd", "node_modules/.bin/eslint .")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Error);
        let o = run(
            &CmdSucceeds,
            &[("cmd", "gonogo-no-such-tool"), ("shell", "true")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Error, "exit 127 from the shell: {o:?}");
        let o = run(
            &CmdSucceeds,
            &[("cmd", "true"), ("dir", "nope")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Error);
    }

    #[tokio::test]
    async fn a_tool_that_cannot_work_is_an_error_not_a_failure() {
        let dir = repo(&[]);
        let script =
            "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' >&2; exit 1";
        let with = [
            ("cmd", script),
            ("shell", "true"),
            ("unavailable", "Cannot connect to the Docker daemon"),
        ];
        let o = run(&CmdSucceeds, &with, dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        let o = run(&CmdSucceeds, &with[..2], dir.path()).await;
        assert_eq!(codes(&o), ["cmd-failed"]);
        let p = recognise(&CmdSucceeds, "`docker build .` succeeds").unwrap();
        assert!(p.str("unavailable").unwrap().contains("Docker daemon"));
    }

    #[tokio::test]
    async fn near_picks_the_directory_or_skips() {
        let dir = repo(&[("web/package.json", "{}"), ("web/deep/package.json", "{}")]);
        let o = run(
            &CmdSucceeds,
            &[
                ("cmd", "pwd"),
                ("near", "frontend/package.json,package.json"),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.evidence.observed.as_deref().unwrap().ends_with("/web"),
            "{o:?}"
        );
        let o = run(
            &CmdSucceeds,
            &[("cmd", "pwd"), ("near", "Dockerfile")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Skipped);
    }

    #[tokio::test]
    async fn timeout_kills_the_process_group() {
        let dir = repo(&[]);
        let marker = dir.path().join("survived");
        let script = format!("(sleep 3; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let o = run(
            &CmdSucceeds,
            &[("cmd", &script), ("shell", "true"), ("timeout", "300ms")],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert!(o.evidence.summary.contains("process group was killed"));
        assert!(started.elapsed() < Duration::from_secs(10));
        // The background child was in the group: it must be gone, not finish its work.
        // Wait on a condition (the group has no member left) rather than sleeping blindly.
        let pgid_gone = || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "ps -eo args | grep -v grep | grep -q 'touch {}'",
                    marker.display()
                ))
                .status()
                .map(|s| !s.success())
                .unwrap_or(true)
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !pgid_gone() && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert!(
            pgid_gone(),
            "a process of the killed group is still running"
        );
        assert!(!marker.exists());
    }

    #[tokio::test]
    async fn output_is_bounded_and_scrubbed() {
        let dir = repo(&[]);
        let token = format!("{}{}", "s3cr3t-", "Vq2LmN9pR4sT6uW8");
        let prepared = CmdSucceeds
            .prepare(&Params::new().with("cmd", "yes line | head -n 200000; echo \"token=$API_TOKEN\"; echo \"$API_TOKEN\"; echo postgres://app:hunter22@db/x; exit 1").with("shell", "true").with("env", "API_TOKEN"))
            .unwrap();
        let mut ctx = CheckContext::new(dir.path().to_path_buf());
        ctx.allow_commands = true;
        ctx.env = std::env::vars().collect();
        ctx.env.insert("API_TOKEN".into(), token.clone());
        let o = prepared.run(&ctx).await;
        assert_eq!(o.status, Status::Fail);
        let all = serde_json::to_string(&o).unwrap();
        assert!(!all.contains(&token), "{all}");
        assert!(!all.contains("hunter22"), "{all}");
        assert!(all.contains("s3cr…(23 chars)"), "{all}");
        assert!(o.evidence.findings[0].message.lines().count() <= 21);
    }

    #[tokio::test]
    async fn a_key_whose_first_lines_the_tail_cut_is_hidden() {
        // Random-looking base64 lines, built at run time so this file holds no key.
        let body: Vec<String> = (0..20u32)
            .map(|i| {
                (0..64u32)
                    .map(|j| {
                        let a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                        a[((i * 7919 + j * 104_729 + i * j * 31) % 64) as usize] as char
                    })
                    .collect()
            })
            .collect();
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
            body.join("\n")
        );
        let dir = repo(&[("deploy.pem", pem.as_str())]);
        // The output itself starts inside the key, and the tail keeps only its last lines.
        let o = run(
            &CmdSucceeds,
            &[
                ("cmd", "sed 1d deploy.pem; exit 1"),
                ("shell", "true"),
                ("tail", "8"),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(o.status, Status::Fail);
        let all = serde_json::to_string(&o).unwrap();
        assert!(all.contains("-----END RSA PRIVATE KEY-----"), "{all}");
        for line in &body {
            assert!(!all.contains(&line[20..44]), "{all}");
        }
    }

    #[test]
    fn recognition_chooses_the_command() {
        // Only a command written in a code span binds; a tool named in words does not.
        assert!(recognise(&CmdSucceeds, "All MyPy checks passing").is_none());
        let p = recognise(
            &CmdSucceeds,
            "`black --check . && flake8 .` passes for backend",
        )
        .unwrap();
        assert_eq!(
            (p.str("cmd"), p.str("shell")),
            (Some("black --check . && flake8 ."), Some("true"))
        );
        let p = recognise(&CmdSucceeds, "`pytest -q` passes in `worker/`").unwrap();
        assert_eq!(
            (p.str("cmd"), p.str("dir"), p.str("shell")),
            (Some("pytest -q"), Some("worker"), None)
        );
        // A file, a setting or a version in a code span is no command.
        assert!(recognise(&CmdSucceeds, "`go.sum` is clean").is_none());
        assert!(recognise(&CmdSucceeds, "`DEBUG` passes review").is_none());
        let p = recognise(
            &CmdSucceeds,
            "Docker compose stack validated (`scripts/validate_docker_stack.sh`)",
        )
        .unwrap();
        assert_eq!(p.str("cmd"), Some("scripts/validate_docker_stack.sh"));
        assert!(
            CmdSucceeds
                .prepare(&Params::new().with("cmd", "echo 'open"))
                .is_err()
        );
        assert!(
            CmdSucceeds
                .prepare(&Params::new().with("cmd", "x").with("dir", "../up"))
                .is_err()
        );
    }
}
