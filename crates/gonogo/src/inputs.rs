//! Reading what the user gives: the checklist, the config, the env file. Every failure names
//! the file (and the line, where there is one).

use anyhow::{Context, bail};
use gonogo_checklist::Checklist;
use gonogo_core::config::{self, Config, Diagnostic, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Checklists larger than this are refused: no real checklist comes close.
const MAX_CHECKLIST_BYTES: u64 = 16 * 1024 * 1024;

pub struct Loaded {
    pub path: PathBuf,
    pub display_path: String,
    pub source: String,
    pub checklist: Checklist,
    /// Warnings about the file (malformed boxes, invalid UTF-8 replaced).
    pub warnings: Vec<Diagnostic>,
}

pub fn load_checklist(path: &Path) -> anyhow::Result<Loaded> {
    let display_path = path.display().to_string();
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read checklist {display_path}"))?;
    if meta.is_dir() {
        bail!("{display_path} is a directory, not a checklist file");
    }
    if meta.len() > MAX_CHECKLIST_BYTES {
        bail!(
            "{display_path} is {} MiB: too large for a checklist (limit 16 MiB)",
            meta.len() >> 20
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read checklist {display_path}"))?;
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        bail!("{display_path}:{line}: not a text file (NUL byte): is this the checklist?");
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
    Ok(Loaded {
        path: path.to_path_buf(),
        display_path,
        source,
        checklist,
        warnings,
    })
}

/// The config: `--config`, else `gonogo.toml` beside the checklist, else in the repository
/// root, else defaults. Returns the path used, if any.
pub fn load_config(
    explicit: Option<&Path>,
    checklist: &Path,
    repo: &Path,
    known_check: &dyn Fn(&str) -> bool,
) -> Result<(Config, Option<PathBuf>), Vec<Diagnostic>> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => {
            let beside = checklist
                .parent()
                .unwrap_or(Path::new("."))
                .join("gonogo.toml");
            vec![beside, repo.join("gonogo.toml")]
        }
    };
    for (i, path) in candidates.iter().enumerate() {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(src) => {
                return config::parse(&src, &shown, known_check).map(|c| (c, Some(path.clone())));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && (explicit.is_none() || i > 0) => {
                continue;
            }
            Err(e) => {
                return Err(vec![Diagnostic {
                    severity: Severity::Error,
                    code: "config-unreadable",
                    file: shown,
                    line: 1,
                    column: 1,
                    message: format!("cannot read config: {e}"),
                }]);
            }
        }
    }
    Ok((Config::with_defaults(), None))
}

/// The environment checks see: the process environment, overlaid with `--env-file`.
pub fn load_env(env_file: Option<&Path>) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    if let Some(path) = env_file {
        let shown = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| {
            vec![Diagnostic {
                severity: Severity::Error,
                code: "env-file-unreadable",
                file: shown.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read env file: {e}"),
            }]
        })?;
        let (vars, diags) = config::parse_env_file(&src, &shown);
        if !diags.is_empty() {
            return Err(diags);
        }
        env.extend(vars);
    }
    Ok(env)
}

/// The repository a checklist belongs to: `--repo`, else the nearest enclosing git work tree,
/// else the checklist's directory.
pub fn resolve_repo(explicit: Option<&Path>, checklist: &Path) -> anyhow::Result<PathBuf> {
    if let Some(r) = explicit {
        if !r.is_dir() {
            bail!("--repo {}: not a directory", r.display());
        }
        return Ok(r.to_path_buf());
    }
    let dir = checklist
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut cur = Some(dir.as_path());
    while let Some(d) = cur {
        if d.join(".git").exists() {
            return Ok(d.to_path_buf());
        }
        cur = d.parent();
    }
    Ok(dir)
}

/// Print diagnostics to stderr; true when any is an error.
pub fn print_diagnostics(diags: &[Diagnostic]) -> bool {
    for d in diags {
        eprintln!("{d}");
    }
    diags.iter().any(|d| d.severity == Severity::Error)
}
