//! gonogo's release pipeline as a library:
//!
//! ```text
//! Inputs ──load──▶ Loaded ──bind──▶ Bound ──run──▶ Outcomes ──decide──▶ Report
//!                                                     ──apply_records / record──▶ finished Report
//! ```
//!
//! Each stage can be called on its own ([`Engine::load`], [`Engine::bind`], [`Engine::run`],
//! [`Engine::decide`], [`decide::apply_records`], [`Engine::record`]) or all at once with
//! [`Engine::check`]. Inputs may be files or text in memory ([`load::Source`]); a run may cover
//! a [`Selection`] of items, and the decision is then taken over them alone. Nothing is printed:
//! problems come back as [`Error`] values (located [`Diagnostic`]s where they are the user's),
//! progress goes to a [`Progress`] the caller supplies. No process is started: git facts are
//! read with gitoxide.

pub mod decide;
mod error;
pub mod git;
pub mod load;
pub mod people;
mod pipeline;
pub mod query;
pub mod record;
pub mod secrets;
pub mod suggest;

pub use error::{Error, Result, has_errors};
pub use gonogo_core::config::{Diagnostic, Severity};
pub use gonogo_core::decide::{Decision, Partial, Report, Scope};
pub use load::{ConfigChoice, EnvChoice, Inputs, Loaded, Source};
pub use pipeline::{Bound, Outcomes, Progress, RunSettings, Selection, Silent};
pub use record::{Session, StoreOptions};

use gonogo_core::Registry;

/// The pipeline over a registry of check kinds.
pub struct Engine {
    registry: Registry,
}

/// Options of the one-call [`Engine::check`].
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub selection: Selection,
    pub run: RunSettings,
    /// Where records are kept; `None` applies no records and records nothing.
    pub store: Option<StoreOptions>,
}

/// What [`Engine::check`] returns: the bound checklist (for renderers that need the source or
/// the plan) and the finished report.
pub struct Checked {
    pub bound: Bound,
    pub report: Report,
    /// What the store said about its records (records left out, older records that apply to no
    /// project), one line each.
    pub warnings: Vec<String>,
    /// The report is whole but recording it failed: why.
    pub record_error: Option<Error>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(gonogo_checks::registry())
    }
}

impl Engine {
    /// An engine over `registry` (tests and embedders may bring their own kinds).
    pub fn new(registry: Registry) -> Self {
        Engine { registry }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The check kind `id`, or an error naming the kinds it may have meant.
    pub fn kind(&self, id: &str) -> Result<&'static dyn gonogo_core::CheckKind> {
        if let Some(kind) = self.registry.get(id) {
            return Ok(kind);
        }
        let family = id.split('.').next();
        let close: Vec<&str> = self
            .registry
            .ids()
            .into_iter()
            .filter(|k| k.split('.').next() == family || k.contains(id))
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean: {}?)", close.join(", "))
        };
        Err(Error::Input(format!(
            "unknown check `{id}`{hint}; `gonogo checks` lists them all"
        )))
    }

    /// Load checklist, config and environment.
    pub fn load(&self, inputs: &Inputs) -> Result<Loaded> {
        load::load(inputs, &self.registry)
    }

    /// Bind every item to a check, or leave it manual or derived.
    pub fn bind(&self, loaded: Loaded) -> Result<Bound> {
        pipeline::bind(loaded, &self.registry)
    }

    /// Run the selected items' checks.
    pub async fn run(
        &self,
        bound: &mut Bound,
        selection: &Selection,
        settings: &RunSettings,
        progress: &dyn Progress,
    ) -> Outcomes {
        pipeline::run(bound, selection, settings, progress).await
    }

    /// Decide over what ran: statuses, policy, scores, the decision.
    pub fn decide(&self, bound: &Bound, outcomes: Outcomes) -> Report {
        pipeline::decide(bound, outcomes)
    }

    /// Open and check the store of `bound`'s checklist and read what applies to it: call it
    /// before [`Engine::run`], so a store that cannot be used stops the run before any check.
    pub async fn open_store(&self, bound: &Bound, options: &StoreOptions) -> Result<Session> {
        Session::open(&bound.loaded, options).await
    }

    /// Apply what the store holds for this checklist, compare with its previous run and record
    /// this one (unless `options.no_store`), opening the store now. Returns the store's
    /// warnings. [`Engine::open_store`] opens it before the checks run instead.
    pub async fn record(
        &self,
        bound: &Bound,
        report: &mut Report,
        options: &StoreOptions,
    ) -> Result<Vec<String>> {
        record::record(bound, report, options).await
    }

    /// The whole pipeline: load, bind (a checklist without items is refused), open the store
    /// when one is given (before any check runs), run, decide, apply the records and record
    /// the run. A failure to record leaves the report whole: see [`Checked::record_error`].
    pub async fn check(
        &self,
        inputs: &Inputs,
        options: &CheckOptions,
        progress: &dyn Progress,
    ) -> Result<Checked> {
        let mut bound = self.bind(self.load(inputs)?)?;
        bound.require_items()?;
        let session = match &options.store {
            Some(store) => Some(self.open_store(&bound, store).await?),
            None => None,
        };
        let outcomes = self
            .run(&mut bound, &options.selection, &options.run, progress)
            .await;
        let mut report = self.decide(&bound, outcomes);
        let (mut warnings, mut record_error) = (Vec::new(), None);
        if let Some(session) = session {
            session.apply(&bound, &mut report);
            record_error = session.record(&bound, &mut report).await.err();
            warnings = session.warnings().to_vec();
            session.close().await;
        }
        Ok(Checked {
            bound,
            report,
            warnings,
            record_error,
        })
    }
}
