//! The heart of gonogo: what a check kind is, what it produces, how items are bound to checks,
//! how checks run, and how the Go/No-Go decision is taken.
//!
//! This crate does no IO against targets: check kinds live in `gonogo-checks`, renderers in
//! `gonogo-report`, the command line in `gonogo`.

pub mod bind;
pub mod check;
pub mod config;
pub mod decide;
pub mod outcome;
pub mod params;
pub mod recognise;
pub mod redact;
pub mod run;

pub use check::{
    CheckContext, CheckDoc, CheckKind, MissingTarget, ParamDoc, PreparedCheck, Registry, Service,
};
pub use outcome::{Evidence, Finding, Location, Outcome, Status};
pub use params::{ParamError, Params};
pub use redact::redact_secret;
/// The one cancellation primitive of a run: the front end cancels it on an interrupt, the
/// runner and the checks observe it ([`CheckContext::cancel`]).
pub use tokio_util::sync::CancellationToken;
