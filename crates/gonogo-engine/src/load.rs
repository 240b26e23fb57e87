//! The load stage: the checklist, the config and the environment, from files or from text
//! held in memory (a server receives them over an API). Every problem names its file and,
//! where there is one, its line.

use crate::error::{Error, Result};
use gonogo_checklist::Checklist;
use gonogo_core::Registry;
use gonogo_core::bind;
use gonogo_core::config::{self, Config, Diagnostic, Severity};
use gonogo_repo::{ReadError, read_bytes, read_text, resolve_in_repo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Checklists larger than this are refused: no real checklist comes close.
pub const MAX_CHECKLIST_BYTES: u64 = 16 * 1024 * 1024;
/// A `gonogo.toml` larger than this is refused.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// A dotenv file larger than this is refused.
pub const MAX_ENV_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Where an input comes from: a file, or text already in memory under a name used in
/// diagnostics (`"push/CHECKLIST.md"`).
#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    Text { name: String, text: String },
}

impl Source {
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source::Text {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The name shown in diagnostics.
    pub fn shown(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Text { name, .. } => name.clone(),
        }
    }

    /// The path the input stands for: the file, or its name taken as a path (it anchors the
    /// default config and store locations and the key runs are filed under).
    pub fn path(&self) -> PathBuf {
        match self {
            Source::Path(p) => p.clone(),
            Source::Text { name, .. } => PathBuf::from(name),
        }
    }
}

/// Which config applies.
#[derive(Debug, Clone, Default)]
pub enum ConfigChoice {
    /// `gonogo.toml` beside the checklist, else in the repository root, else the defaults.
    #[default]
    Discover,
    /// This config; a missing file is an error.
    Given(Source),
    /// The defaults, whatever files exist.
    Defaults,
}

/// The variables `$VAR` expansions and the checks see.
#[derive(Debug, Clone)]
pub struct EnvChoice {
    /// Start from the process environment.
    pub inherit_process: bool,
    /// A dotenv file (or text) laid over it.
    pub file: Option<Source>,
    /// Variables laid over both.
    pub vars: BTreeMap<String, String>,
}

impl Default for EnvChoice {
    fn default() -> Self {
        EnvChoice {
            inherit_process: true,
            file: None,
            vars: BTreeMap::new(),
        }
    }
}

/// Everything the pipeline reads.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub checklist: Source,
    /// The repository under check [default: the git work tree holding the checklist, else the
    /// checklist's directory].
    pub repo: Option<PathBuf>,
    pub config: ConfigChoice,
    pub env: EnvChoice,
    /// Bind only by annotations and config rules, never by an item's wording.
    pub no_auto: bool,
}

impl Inputs {
    /// A checklist file with every other input discovered the usual way.
    pub fn from_path(checklist: impl Into<PathBuf>) -> Self {
        Inputs::new(Source::Path(checklist.into()))
    }

    /// A checklist held in memory, with its config text (if any), checked against `repo`.
    /// The process environment is not inherited: only `vars` are seen.
    pub fn in_memory(
        name: impl Into<String>,
        checklist: impl Into<String>,
        config: Option<String>,
        repo: impl Into<PathBuf>,
    ) -> Self {
        let mut inputs = Inputs::new(Source::text(name, checklist));
        inputs.repo = Some(repo.into());
        inputs.config = match config {
            Some(text) => ConfigChoice::Given(Source::text("gonogo.toml", text)),
            None => ConfigChoice::Defaults,
        };
        inputs.env.inherit_process = false;
        inputs
    }

    pub fn new(checklist: Source) -> Self {
        Inputs {
            checklist,
            repo: None,
            config: ConfigChoice::Discover,
            env: EnvChoice::default(),
            no_auto: false,
        }
    }
}

/// A checklist read and parsed, with the warnings about the file.
#[derive(Debug, Clone)]
pub struct ChecklistFile {
    /// The file, or the name of an in-memory checklist taken as a path.
    pub path: PathBuf,
    /// How the checklist is named in reports and diagnostics.
    pub display_path: String,
    pub source: String,
    pub checklist: Checklist,
    /// Diagnostics about the file: malformed boxes and invalid UTF-8 (warnings), malformed or
    /// misplaced annotations (errors: binding stops on them).
    pub warnings: Vec<Diagnostic>,
}

/// The load stage's result: what the bind stage needs.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub checklist: ChecklistFile,
    pub repo: PathBuf,
    pub config: Config,
    /// How the config is named in diagnostics (empty for the defaults).
    pub config_shown: String,
    pub env: BTreeMap<String, String>,
    /// Targets left out of `config.targets` because a `$VAR` in them is not set, with the
    /// names of those variables: the checks that need one are `error`, naming the variable.
    pub unset_targets: BTreeMap<String, Vec<String>>,
}

/// Read and parse a checklist. Unreadable, binary or oversized files are errors; everything
/// else parses, with warnings.
pub fn read_checklist(source: &Source) -> Result<ChecklistFile> {
    let display_path = source.shown();
    let bytes = match source {
        Source::Text { text, .. } => {
            if text.len() as u64 > MAX_CHECKLIST_BYTES {
                return Err(too_large(&display_path));
            }
            text.clone().into_bytes()
        }
        Source::Path(path) => match read_bytes(path, MAX_CHECKLIST_BYTES) {
            Ok(bytes) => bytes,
            Err(ReadError::NotRegular("a directory")) => {
                return Err(Error::input(format!(
                    "{display_path} is a directory, not a checklist file"
                )));
            }
            Err(ReadError::TooLarge(_)) => return Err(too_large(&display_path)),
            Err(e) => {
                return Err(Error::input(format!(
                    "cannot read checklist {display_path}: {e}"
                )));
            }
        },
    };
    parse_checklist_bytes(source.path(), display_path, bytes)
}

fn too_large(shown: &str) -> Error {
    Error::input(format!(
        "{shown} is too large for a checklist (over {} MiB)",
        MAX_CHECKLIST_BYTES >> 20
    ))
}

fn parse_checklist_bytes(
    path: PathBuf,
    display_path: String,
    bytes: Vec<u8>,
) -> Result<ChecklistFile> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(Error::input(format!(
            "{display_path}:{line}: not a text file (NUL byte): is this the checklist?"
        )));
    }
    let mut warnings = Vec::new();
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            warnings.push(Diagnostic {
                severity: Severity::Warning,
                code: "invalid-utf8",
                file: display_path.clone(),
                line,
                column: 1,
                message: "invalid UTF-8 replaced with U+FFFD; the file is read but not rewritten"
                    .into(),
            });
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let checklist = gonogo_checklist::parse(&source);
    for d in &checklist.diagnostics {
        warnings.push(Diagnostic {
            file: display_path.clone(),
            ..d.clone()
        });
    }
    Ok(ChecklistFile {
        path,
        display_path,
        source,
        checklist,
        warnings,
    })
}

/// The config chosen by `choice` for a checklist at `checklist` in `repo`. Returns the config
/// and how it is named (empty for the defaults); a config with errors is
/// [`Error::Diagnostics`].
pub fn load_config(
    choice: &ConfigChoice,
    checklist: &Path,
    repo: &Path,
    registry: &Registry,
) -> Result<(Config, String)> {
    let known = |id: &str| registry.get(id).is_some();
    let parse = |text: &str, shown: String| {
        config::parse(text, &shown, &known)
            .map(|c| (c, shown))
            .map_err(Error::Diagnostics)
    };
    let candidates: Vec<PathBuf> = match choice {
        ConfigChoice::Defaults => return Ok((Config::with_defaults(), String::new())),
        ConfigChoice::Given(Source::Text { name, text }) => return parse(text, name.clone()),
        ConfigChoice::Given(Source::Path(p)) => vec![p.clone()],
        ConfigChoice::Discover => discovered_configs(checklist, repo),
    };
    let explicit = matches!(choice, ConfigChoice::Given(_));
    for (i, path) in candidates.iter().enumerate() {
        let shown = path.display().to_string();
        // A config found rather than named comes with the repository: it may not lead outside
        // it (or outside the checklist's directory) through a symlink.
        let read = if explicit {
            read_text(path, MAX_CONFIG_BYTES)
        } else {
            let beside = match checklist.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            std::path::absolute(path)
                .map_err(|e| ReadError::Io(e.to_string()))
                .and_then(|path| {
                    resolve_in_repo(repo, &path).or_else(|_| resolve_in_repo(beside, &path))
                })
                .and_then(|p| read_text(&p, MAX_CONFIG_BYTES))
        };
        match read {
            Ok(src) => return parse(&src, shown),
            Err(ReadError::Missing) if !explicit || i > 0 => continue,
            Err(e) => {
                return Err(Error::Diagnostics(vec![Diagnostic {
                    severity: Severity::Error,
                    code: "config-unreadable",
                    file: shown,
                    line: 1,
                    column: 1,
                    message: format!("cannot read config: {e}"),
                }]));
            }
        }
    }
    Ok((Config::with_defaults(), String::new()))
}

/// Where a config is looked for when none is named, first found wins: beside the checklist,
/// then in the repository root.
pub fn discovered_configs(checklist: &Path, repo: &Path) -> Vec<PathBuf> {
    let beside = checklist
        .parent()
        .unwrap_or(Path::new("."))
        .join("gonogo.toml");
    vec![beside, repo.join("gonogo.toml")]
}

/// The environment `choice` describes. A dotenv file with problems is [`Error::Diagnostics`].
pub fn load_env(choice: &EnvChoice) -> Result<BTreeMap<String, String>> {
    let mut env: BTreeMap<String, String> = if choice.inherit_process {
        std::env::vars().collect()
    } else {
        BTreeMap::new()
    };
    if let Some(file) = &choice.file {
        let shown = file.shown();
        let text = match file {
            Source::Text { text, .. } => text.clone(),
            Source::Path(p) => read_text(p, MAX_ENV_FILE_BYTES).map_err(|e| {
                Error::Diagnostics(vec![Diagnostic {
                    severity: Severity::Error,
                    code: "env-file-unreadable",
                    file: shown.clone(),
                    line: 1,
                    column: 1,
                    message: format!("cannot read env file: {e}"),
                }])
            })?,
        };
        let (vars, diags) = config::parse_env_file(&text, &shown);
        if !diags.is_empty() {
            return Err(Error::Diagnostics(diags));
        }
        env.extend(vars);
    }
    env.extend(choice.vars.clone());
    Ok(env)
}

/// The repository a checklist belongs to: `explicit`, else the nearest enclosing git work
/// tree, else the checklist's directory. Always absolute: a relative `--repo ../x` is resolved
/// once here, so a command started in a subdirectory or a script named relative to the root
/// means the same file wherever gonogo was started.
pub fn resolve_repo(explicit: Option<&Path>, checklist: &Path) -> Result<PathBuf> {
    if let Some(r) = explicit {
        if !r.is_dir() {
            return Err(Error::input(format!(
                "--repo {}: not a directory",
                r.display()
            )));
        }
        return r
            .canonicalize()
            .map_err(|e| Error::input(format!("--repo {}: cannot resolve: {e}", r.display())));
    }
    let dir = checklist
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    Ok(enclosing_work_tree(&dir).unwrap_or(dir))
}

/// The nearest directory at or above `dir` that holds `.git`.
pub(crate) fn enclosing_work_tree(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The load stage: checklist, repository, config, environment. The config's targets may name
/// variables (`database_url = "$DATABASE_URL"`): they are expanded here, and a target with an
/// unset variable is set aside (never used half-expanded) in [`Loaded::unset_targets`].
pub fn load(inputs: &Inputs, registry: &Registry) -> Result<Loaded> {
    let checklist = read_checklist(&inputs.checklist)?;
    let repo = resolve_repo(inputs.repo.as_deref(), &checklist.path)?;
    let (mut config, config_shown) = load_config(&inputs.config, &checklist.path, &repo, registry)?;
    if inputs.no_auto {
        config.auto_bind = false;
    }
    let env = load_env(&inputs.env)?;
    let mut unset_targets = BTreeMap::new();
    config.targets.retain(|name, value| {
        let (expanded, missing) = bind::expand_vars(value, &env);
        if missing.is_empty() {
            *value = expanded;
            true
        } else {
            unset_targets.insert(name.clone(), missing);
            false
        }
    });
    Ok(Loaded {
        checklist,
        repo,
        config,
        config_shown,
        env,
        unset_targets,
    })
}
