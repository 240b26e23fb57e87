//! `gonogo check` and `gonogo validate`: arguments → engine → renderer.

use crate::store_cmd::RecordArgs;
use anyhow::Context;
use gonogo_core::CancellationToken;
use gonogo_engine::{
    Bound, ConfigChoice, Decision, Engine, EnvChoice, Inputs, Report, RunSettings, Scope,
    Selection, Source,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

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

impl CommonArgs {
    pub(crate) fn inputs(&self) -> Inputs {
        Inputs {
            checklist: Source::Path(self.checklist.clone()),
            repo: self.repo.clone(),
            config: match &self.config {
                Some(p) => ConfigChoice::Given(Source::Path(p.clone())),
                None => ConfigChoice::Discover,
            },
            env: EnvChoice {
                file: self.env_file.clone().map(Source::Path),
                ..EnvChoice::default()
            },
            no_auto: self.no_auto,
        }
    }
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
    /// Run only the static (repository) or only the live (running services) checks; the
    /// others are skipped and the verdict says how many items were not verified.
    #[arg(long, value_enum, value_name = "CHECKS")]
    pub only: Option<OnlyArg>,
    /// Show passing items' evidence too.
    #[arg(long, short)]
    pub verbose: bool,
    /// Run the commands the checklist names (cmd.succeeds); without this consent they are not
    /// run and their items are errors. Nothing in the checked repository can grant it.
    #[arg(
        long,
        env = "GONOGO_ALLOW_COMMANDS",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_commands: bool,
    #[command(flatten)]
    pub record: RecordArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnlyArg {
    /// Checks on the repository (files, git, reports, commands).
    Static,
    /// Checks on the running services (HTTP, TLS, databases, Prometheus, load).
    Live,
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

/// Load and bind; the warnings are shown. A checklist without items is an error.
pub(crate) fn prepare(engine: &Engine, common: &CommonArgs) -> anyhow::Result<Bound> {
    let bound = engine.bind(engine.load(&common.inputs())?)?;
    crate::print_diagnostics(&bound.diagnostics);
    bound.require_items()?;
    Ok(bound)
}

pub async fn check(args: CheckArgs) -> anyhow::Result<u8> {
    // From here on SIGINT and SIGTERM stop the run: no new check, child processes killed, a
    // partial report marked interrupted, exit 130.
    let interrupt = CancellationToken::new();
    crate::interrupt::on_interrupt({
        let interrupt = interrupt.clone();
        move || interrupt.cancel()
    })?;
    let engine = Engine::default();
    let mut bound = prepare(&engine, &args.common)?;
    // The store is opened and checked before any check runs: one that cannot be used stops
    // here (exit 2) with nothing run.
    let session = engine.open_store(&bound, &args.record.options()).await?;
    crate::store_cmd::show_store_messages(&session);
    let progress = ProgressLine::new(args.format == CheckFormat::Tty && args.output.is_none());
    let settings = RunSettings {
        concurrency: args.concurrency,
        default_timeout: None,
        allow_commands: args.allow_commands,
        cancel: interrupt,
        only: args.only.map(|o| match o {
            OnlyArg::Static => Scope::Static,
            OnlyArg::Live => Scope::Live,
        }),
    };
    let outcomes = engine
        .run(&mut bound, &Selection::All, &settings, &progress)
        .await;
    progress.finish();
    let mut report = engine.decide(&bound, outcomes);
    // Sign-offs and waivers from the store, the comparison with the previous run, recording.
    session.apply(&bound, &mut report);
    let recorded = session.record(&bound, &mut report).await;
    session.close().await;

    let rendered = render(&args, &engine, &bound, &report);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{rendered}"),
    }
    // A run that could not be recorded still has its report, printed and written above.
    if let Err(e) = recorded {
        eprintln!("error: the run was not recorded: {e}");
        return Ok(2);
    }
    Ok(match report.decision {
        _ if report.interrupted => crate::interrupt::EXIT_INTERRUPTED,
        Decision::Go => 0,
        Decision::NoGo => 1,
    })
}

fn render(args: &CheckArgs, engine: &Engine, bound: &Bound, report: &Report) -> String {
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
        CheckFormat::Sarif => {
            gonogo_report::sarif(report, engine.registry(), env!("CARGO_PKG_VERSION"))
        }
        CheckFormat::Markdown => {
            let file = &bound.loaded.checklist;
            gonogo_report::markdown(&file.source, &file.checklist, report)
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

/// The progress line on a terminal's stderr while checks run.
struct ProgressLine(Option<indicatif::ProgressBar>);

impl ProgressLine {
    fn new(wanted: bool) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return ProgressLine(None);
        }
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} checking {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(120));
        ProgressLine(Some(pb))
    }

    fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

impl gonogo_engine::Progress for ProgressLine {
    fn check_finished(&self, done: usize, total: usize, check: &str) {
        if let Some(pb) = &self.0 {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
            pb.set_message(check.to_string());
        }
    }
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let bound = prepare(&engine, &args.common)?;
    let file = &bound.loaded.checklist;
    print!(
        "{}",
        gonogo_report::validation(
            &file.checklist,
            &file.display_path,
            &bound.plan,
            &bound.diagnostics,
            &bound.loaded.repo,
            match args.format {
                ValidateFormat::Text => gonogo_report::ValidateFormat::Text,
                ValidateFormat::Json => gonogo_report::ValidateFormat::Json,
            },
        )
    );
    Ok(0)
}
