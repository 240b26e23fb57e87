//! The `gonogo` command line: parses arguments, calls the engine (`gonogo-engine`), writes what
//! the renderers (`gonogo-report`) return, and maps results to exit codes (0 Go, 1 No-Go, 2
//! gonogo could not run, 130 interrupted). Nothing else lives here.

mod catalogue;
mod check_cmd;
mod interrupt;
mod load_cmd;
mod secrets_cmd;
mod store_cmd;
mod suggest_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Production readiness, verified: runs your team's readiness checklist as automated checks
/// and decides Go / No-Go.
#[derive(Parser)]
#[command(name = "gonogo", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 Go, 1 No-Go, 2 gonogo could not run (usage, unreadable checklist, bad config or annotation), 130 interrupted (SIGINT or SIGTERM).";

#[derive(Subcommand)]
enum Command {
    /// Verify a checklist: bind items to checks, run them, decide Go / No-Go.
    Check(check_cmd::CheckArgs),
    /// Parse and bind a checklist without running anything: every item, how it is bound, every diagnostic.
    Validate(check_cmd::ValidateArgs),
    /// Propose checks for the items no annotation or [[bind]] rule binds; --write makes the accepted ones [[bind]] rules in gonogo.toml.
    Suggest(suggest_cmd::SuggestArgs),
    /// List the catalogue of check kinds.
    Checks(catalogue::ChecksArgs),
    /// Show one check kind's documentation, parameters and example.
    Explain(catalogue::ExplainArgs),
    /// Scan a directory (and with --history its git history) for hardcoded secrets; exit 1 when any is found.
    Secrets(secrets_cmd::SecretsArgs),
    /// Load-test one HTTP target (closed or open model) and check latency, throughput and error thresholds.
    Load(Box<load_cmd::LoadArgs>),
    /// Attest a manual item: a named person vouches for it, optionally until a date.
    Signoff(store_cmd::SignoffArgs),
    /// Fill a sign-off slot ("Engineering Lead: ____ Date: ____") with an approval for its role.
    Approve(store_cmd::ApproveArgs),
    /// Waive an item until a date, with a reason: it no longer blocks, and the verdict lists it.
    Waive(store_cmd::WaiveArgs),
    /// Withdraw an attestation, approval or waiver.
    Revoke(store_cmd::RevokeArgs),
    /// Past runs: verdict, score and counts, newest first.
    History(store_cmd::HistoryArgs),
    /// Compare two runs item by item: newly failing, fixed, newly waived.
    Diff(store_cmd::DiffArgs),
    /// The audit trail of every run, sign-off, waiver and revocation.
    Audit(store_cmd::AuditArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => {
            runtime().and_then(|rt| run_and_abandon(rt, check_cmd::check(args)))
        }
        Command::Validate(args) => check_cmd::validate(args),
        Command::Suggest(args) => suggest_cmd::suggest(args),
        Command::Checks(args) => catalogue::checks(args),
        Command::Explain(args) => catalogue::explain(args),
        Command::Secrets(args) => secrets_cmd::secrets(args),
        Command::Load(args) => load_cmd::load(*args),
        Command::Signoff(args) => runtime().and_then(|rt| rt.block_on(store_cmd::signoff(args))),
        Command::Approve(args) => runtime().and_then(|rt| rt.block_on(store_cmd::approve(args))),
        Command::Waive(args) => runtime().and_then(|rt| rt.block_on(store_cmd::waive(args))),
        Command::Revoke(args) => runtime().and_then(|rt| rt.block_on(store_cmd::revoke(args))),
        Command::History(args) => runtime().and_then(|rt| rt.block_on(store_cmd::history(args))),
        Command::Diff(args) => runtime().and_then(|rt| rt.block_on(store_cmd::diff(args))),
        Command::Audit(args) => runtime().and_then(|rt| rt.block_on(store_cmd::audit(args))),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // The user's mistakes are shown as located diagnostics; anything else as one line.
            match e.downcast_ref::<gonogo_engine::Error>() {
                Some(gonogo_engine::Error::Diagnostics(diagnostics)) => {
                    print_diagnostics(diagnostics);
                }
                _ => eprintln!("error: {}", shown(&format!("{e:#}"))),
            }
            ExitCode::from(2)
        }
    }
}

/// Diagnostics go to stderr, one a line.
fn print_diagnostics(diagnostics: &[gonogo_engine::Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", shown(&d.to_string()));
    }
}

/// A message as it may be printed: through the one redactor, which knows the process
/// environment's secret values.
fn shown(message: &str) -> String {
    gonogo_core::redact::Redactor::for_env(std::env::vars())
        .redact(message)
        .into_owned()
}

/// Runs `f` to completion, then ends the runtime without waiting for blocking threads: a check
/// stuck in synchronous work past its timeout must not hold the process open.
fn run_and_abandon<T>(rt: tokio::runtime::Runtime, f: impl Future<Output = T>) -> T {
    let out = rt.block_on(f);
    rt.shutdown_background();
    out
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
