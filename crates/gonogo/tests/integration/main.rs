//! The command-line tests, in one binary: each test binary links the whole dependency graph, so
//! one binary instead of seven keeps the build small and the link short.

mod bounded;
mod cli;
mod consent;
mod docs;
mod hostile;
mod load;
mod no_secret_leaks;
mod nothing;
mod reports;
mod secrets_cli;
mod seeds;
mod store;
mod suggest;

use assert_cmd::Command;
use std::ffi::OsStr;

/// `gonogo ARGS…` as the tests run it (the verb first): no colour, 100 columns, no store named
/// by the environment, and `--no-store` on `check`, so no test records a run by accident.
pub fn gonogo<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::from_std(gonogo_process(args))
}

/// [`gonogo`] for the tests of the store: runs are recorded, in the default store beside the
/// checklist unless the test names one (`GONOGO_STORE`, `--store`).
pub fn gonogo_with_store<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::from_std(gonogo_process_with_store(args))
}

/// [`gonogo`] as a plain process, for the tests that start it and signal it while it runs.
pub fn gonogo_process<I, S>(args: I) -> std::process::Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = gonogo_process_with_store(args);
    let verb = cmd.get_args().next().map(|a| a.to_os_string());
    if verb.as_deref() == Some(OsStr::new("check")) {
        cmd.arg("--no-store");
    }
    cmd
}

/// [`gonogo_with_store`] as a plain process.
pub fn gonogo_process_with_store<I, S>(args: I) -> std::process::Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("gonogo"));
    cmd.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("GONOGO_STORE")
        .args(args);
    cmd
}
