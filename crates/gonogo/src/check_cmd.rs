//! `gonogo check` and `gonogo validate`.

use crate::inputs::{self, Loaded};
use anyhow::Context;
use gonogo_core::bind::{self, BindingPlan, CONFIG_FILE_PLACEHOLDER, ItemBinding};
use gonogo_core::config::Config;
use gonogo_core::decide::{self, Decision, Report};
use gonogo_core::redact::redact_params;
use gonogo_core::run::{RunOptions, run_plan};
use gonogo_core::{CheckContext, Registry};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct CommonArgs {
    /// The checklist (Markdown).
    pub checklist: PathBuf,
    /// The repository to verify [default: the git work tree holding the checklist].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Config file [default: gonogo.toml beside the checklist, else in the repository].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read variables for `$VAR` and the checks from this dotenv file.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Do not recognise items by their wording; only annotations and config bindings.
    #[arg(long)]
    pub no_auto: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Human-readable, grouped by section.
    Tty,
    Json,
    Junit,
    Sarif,
    /// The checklist rewritten with [x] and evidence notes.
    Markdown,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_enum, default_value = "tty")]
    pub format: CheckFormat,
    /// Write the report here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Checks running at once [default: from config, else 8].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Show passing items' evidence too.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub record: crate::store_cmd::RecordArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ValidateFormat,
}

/// Everything `check` and `validate` share: the checklist read, config and env loaded, items bound.
struct Prepared {
    loaded: Loaded,
    repo: PathBuf,
    config: Config,
    env: std::collections::BTreeMap<String, String>,
    plan: BindingPlan,
    registry: Registry,
}

/// Load and bind. `Err` carries the exit code after diagnostics were printed.
fn prepare(common: &CommonArgs) -> anyhow::Result<Result<Prepared, u8>> {
    let registry = gonogo_checks::registry();
    let loaded = inputs::load_checklist(&common.checklist)?;
    let repo = inputs::resolve_repo(common.repo.as_deref(), &common.checklist)?;
    let known = |id: &str| registry.get(id).is_some();
    let (mut config, config_path) =
        match inputs::load_config(common.config.as_deref(), &loaded.path, &repo, &known) {
            Ok(c) => c,
            Err(diags) => {
                inputs::print_diagnostics(&diags);
                return Ok(Err(2));
            }
        };
    if common.no_auto {
        config.auto_bind = false;
    }
    let env = match inputs::load_env(common.env_file.as_deref()) {
        Ok(e) => e,
        Err(diags) => {
            inputs::print_diagnostics(&diags);
            return Ok(Err(2));
        }
    };
    // Targets may name variables (`database_url = "$DATABASE_URL"`).
    for value in config.targets.values_mut() {
        *value = bind::expand_vars(value, &env).0;
    }
    let mut plan = bind::bind(
        &loaded.checklist,
        &loaded.display_path,
        &config,
        &registry,
        &env,
    );
    let config_shown = config_path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for d in &mut plan.diagnostics {
        if d.file == CONFIG_FILE_PLACEHOLDER {
            d.file = config_shown.clone();
        }
    }
    let mut diags = loaded.warnings.clone();
    diags.extend(plan.diagnostics.iter().cloned());
    if inputs::print_diagnostics(&diags) {
        return Ok(Err(2));
    }
    if loaded.checklist.items.is_empty() {
        anyhow::bail!(
            "{}: no checklist items found (expected lines like `- [ ] All tests passing`): nothing to decide",
            loaded.display_path
        );
    }
    Ok(Ok(Prepared {
        loaded,
        repo,
        config,
        env,
        plan,
        registry,
    }))
}

pub async fn check(args: CheckArgs) -> anyhow::Result<u8> {
    let p = match prepare(&args.common)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let started = Instant::now();
    let mut ctx = CheckContext::new(p.repo.clone());
    ctx.targets = p.config.targets.clone();
    ctx.env = p.env.clone();
    let opts = RunOptions {
        concurrency: args.concurrency.unwrap_or(p.config.concurrency).max(1),
        default_timeout: Duration::from_secs_f64(p.config.timeout_secs),
    };

    let progress = progress_bar(args.format == CheckFormat::Tty && args.output.is_none());
    let on_done = |done: usize, total: usize, id: &str| {
        if let Some(pb) = &progress {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
            pb.set_message(id.to_string());
        }
    };
    let outcomes = run_plan(&p.plan, &ctx, &opts, &on_done).await;
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    let mut report = decide::build_report(
        &p.loaded.display_path,
        &p.loaded.checklist,
        &p.plan,
        outcomes,
        &p.config.policy,
        started.elapsed().as_millis() as u64,
    );
    // Sign-offs and waivers from the store, the comparison with the previous run, recording.
    crate::store_cmd::remember(&args.record, &p.loaded, &p.repo, &p.config, &mut report).await?;

    let rendered = render(&args, &p, &report);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{rendered}"),
    }
    Ok(match report.decision {
        Decision::Go => 0,
        Decision::NoGo => 1,
    })
}

fn render(args: &CheckArgs, p: &Prepared, report: &Report) -> String {
    match args.format {
        CheckFormat::Tty => {
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let width = terminal_width().unwrap_or(100);
            gonogo_report::terminal(
                report,
                &gonogo_report::TerminalOptions {
                    color,
                    width,
                    verbose: args.verbose,
                },
            )
        }
        CheckFormat::Json => gonogo_report::json(report),
        CheckFormat::Junit => gonogo_report::junit(report),
        CheckFormat::Sarif => gonogo_report::sarif(report, &p.registry, env!("CARGO_PKG_VERSION")),
        CheckFormat::Markdown => {
            gonogo_report::markdown(&p.loaded.source, &p.loaded.checklist, report)
        }
    }
}

/// `COLUMNS` when set (shells rarely export it, tests do), else the terminal's own width.
fn terminal_width() -> Option<usize> {
    let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    let from_terminal = || {
        console::Term::stdout()
            .size_checked()
            .map(|(_rows, cols)| usize::from(cols))
    };
    from_env.or_else(from_terminal).filter(|w| *w >= 40)
}

fn progress_bar(wanted: bool) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} checking {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

/// One item as `validate --format json` shows it: the fields of `check`'s items without outcomes.
#[derive(serde::Serialize)]
struct ValidatedItem<'a> {
    id: &'a str,
    line: usize,
    section: &'a [String],
    text: &'a str,
    kind: gonogo_checklist::ItemKind,
    checked: bool,
    check: Option<&'static str>,
    binding: Option<decide::BindingSource>,
    params: gonogo_core::Params,
    /// Why the item is manual, or why its check cannot run.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    derived: bool,
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<u8> {
    let p = match prepare(&args.common)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let out = render_validation(&p.loaded, &p.plan, &p.repo, args.format);
    print!("{out}");
    let _ = (&p.env, &p.registry);
    Ok(0)
}

fn validated_items<'a>(loaded: &'a Loaded, plan: &'a BindingPlan) -> Vec<ValidatedItem<'a>> {
    loaded
        .checklist
        .items
        .iter()
        .zip(&plan.items)
        .map(|(item, b)| {
            let (check, binding, params, note, derived) = match b {
                ItemBinding::Check(bc) => (
                    Some(bc.kind.id()),
                    Some(bc.source),
                    redact_params(&bc.params),
                    bc.prepared
                        .as_ref()
                        .err()
                        .map(|e| format!("will be `error`: {e}")),
                    false,
                ),
                ItemBinding::Manual { reason } => (
                    None,
                    None,
                    gonogo_core::Params::new(),
                    Some(reason.clone()),
                    false,
                ),
                ItemBinding::Derived => (None, None, gonogo_core::Params::new(), None, true),
            };
            ValidatedItem {
                id: &item.id,
                line: item.line,
                section: &item.section_path,
                text: &item.display,
                kind: item.kind,
                checked: item.checked,
                check,
                binding,
                params,
                note,
                derived,
            }
        })
        .collect()
}

fn render_validation(
    loaded: &Loaded,
    plan: &BindingPlan,
    repo: &Path,
    format: ValidateFormat,
) -> String {
    let items = validated_items(loaded, plan);
    match format {
        ValidateFormat::Json => {
            let doc = serde_json::json!({
                "version": decide::REPORT_SCHEMA_VERSION,
                "checklist": loaded.display_path,
                "items": items,
                "diagnostics": loaded.warnings.iter().chain(&plan.diagnostics).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        ValidateFormat::Text => validation_text(loaded, &items, repo),
    }
}

fn validation_text(loaded: &Loaded, items: &[ValidatedItem<'_>], repo: &Path) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut section: Option<&[String]> = None;
    let (mut bound, mut manual, mut derived) = (0, 0, 0);
    for item in items {
        if section != Some(item.section) {
            let _ = writeln!(
                out,
                "\n{}",
                gonogo_report::section_heading(item.section, loaded.checklist.title.as_deref())
            );
            section = Some(item.section);
        }
        let depth = {
            let mut d = 0;
            let mut p = loaded
                .checklist
                .items
                .iter()
                .find(|i| i.id == item.id)
                .and_then(|i| i.parent);
            while let Some(pi) = p {
                d += 1;
                p = loaded.checklist.items[pi].parent;
            }
            d
        };
        let indent = "  ".repeat(depth + 1);
        let how = match (item.check, item.binding, item.derived) {
            (Some(id), Some(src), _) => {
                bound += 1;
                let params: Vec<String> = item
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let params = if params.is_empty() {
                    String::new()
                } else {
                    format!(" {}", params.join(" "))
                };
                let src = match src {
                    decide::BindingSource::Annotation => "annotation",
                    decide::BindingSource::Config => "config",
                    decide::BindingSource::Auto => "auto",
                };
                format!("{id}{params}  [{src}]")
            }
            (_, _, true) => {
                derived += 1;
                "derived from sub-items".into()
            }
            _ => {
                manual += 1;
                format!("manual: {}", item.note.as_deref().unwrap_or(""))
            }
        };
        let _ = writeln!(out, "{indent}{:>4}  {}", item.line, item.text);
        let _ = writeln!(out, "{indent}      → {how}");
        if let (Some(_), Some(note)) = (item.check, &item.note) {
            let _ = writeln!(out, "{indent}      ! {note}");
        }
    }
    let total = items.len();
    let counted = total - derived;
    let pct = if counted > 0 {
        100.0 * bound as f64 / counted as f64
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "\n{}: {total} items — {bound} bound to checks ({pct:.0}%), {manual} manual, {derived} derived from sub-items; repository {}",
        loaded.display_path,
        repo.display()
    );
    out
}
