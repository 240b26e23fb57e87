//! The bind, run and decide stages, and the selection of items a run evaluates.

use crate::error::{Error, Result, fail_on_errors};
use crate::load::Loaded;
use gonogo_core::bind::{self, BindingPlan, CONFIG_FILE_PLACEHOLDER, ItemBinding};
use gonogo_core::config::Diagnostic;
use gonogo_core::decide::{self, Partial, Report, Scope};
use gonogo_core::redact::{Redactor, redact_report};
use gonogo_core::run::{RunOptions, run_plan};
use gonogo_core::{CancellationToken, CheckContext, Outcome, Registry};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A loaded checklist with every item bound: what runs and what stays manual.
pub struct Bound {
    pub loaded: Loaded,
    pub plan: BindingPlan,
    /// The checklist's warnings, then the binding's (none is an error: binding stops on those).
    pub diagnostics: Vec<Diagnostic>,
}

impl Bound {
    /// Refuse a checklist without items: there is nothing to decide.
    pub fn require_items(&self) -> Result<()> {
        if self.loaded.checklist.checklist.items.is_empty() {
            return Err(Error::input(format!(
                "{}: no checklist items found (expected lines like `- [ ] All tests passing`): nothing to decide",
                self.loaded.checklist.display_path
            )));
        }
        Ok(())
    }

    /// Which items `selection` covers, one flag per checklist item: the named ones and every
    /// descendant of each (a parent's status derives from its sub-items).
    pub fn selected(&self, selection: &Selection) -> Vec<bool> {
        let items = &self.loaded.checklist.checklist.items;
        match selection {
            Selection::All => vec![true; items.len()],
            Selection::Items(ids) => {
                let mut chosen: Vec<bool> = items.iter().map(|i| ids.contains(&i.id)).collect();
                // Items come in document order, parents first.
                for (i, item) in items.iter().enumerate() {
                    if let Some(p) = item.parent
                        && chosen[p]
                    {
                        chosen[i] = true;
                    }
                }
                chosen
            }
        }
    }
}

/// The items a run evaluates and a decision covers.
#[derive(Debug, Clone, Default)]
pub enum Selection {
    #[default]
    All,
    /// These item ids and their sub-items; the decision is taken over them alone.
    Items(BTreeSet<String>),
}

impl Selection {
    pub fn items<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Selection::Items(ids.into_iter().map(Into::into).collect())
    }
}

/// Told as each distinct check finishes: how many are done, of how many, and which check.
pub trait Progress: Sync {
    fn check_finished(&self, done: usize, total: usize, check: &str);
}

impl<F: Fn(usize, usize, &str) + Sync> Progress for F {
    fn check_finished(&self, done: usize, total: usize, check: &str) {
        self(done, total, check)
    }
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn check_finished(&self, _: usize, _: usize, _: &str) {}
}

/// How the run stage runs.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Checks at once [default: the config's `concurrency`].
    pub concurrency: Option<usize>,
    /// Timeout of a check that sets none [default: the config's `timeout`].
    pub default_timeout: Option<Duration>,
    /// The consent of whoever runs gonogo to run the commands the checklist names
    /// (`cmd.succeeds`). Deliberately not read from the config: the checked repository must
    /// not grant it to itself. Off by default.
    pub allow_commands: bool,
    /// Cancelled on an interrupt: no further check starts, running ones get
    /// [`INTERRUPT_GRACE`](gonogo_core::run::INTERRUPT_GRACE), the outcomes say `interrupted`.
    pub cancel: CancellationToken,
    /// Run only these checks (`--only static`) [default: all, unless the config's
    /// `[run] live = false` says static]. The others are `skipped` without running and the
    /// verdict says how many items were not verified.
    pub only: Option<Scope>,
}

/// What the run stage found: one outcome per checklist item (`None` for manual and derived
/// items and for items outside the selection), which items were selected, how long it took,
/// whether an interrupt cut it short, and what a partial run left out.
#[derive(Debug, Clone)]
pub struct Outcomes {
    pub items: Vec<Option<Outcome>>,
    pub selected: Vec<bool>,
    pub elapsed: Duration,
    pub interrupted: bool,
    pub partial: Option<Partial>,
}

/// The bind stage. Binding errors (bad annotations, rules naming unknown checks) are
/// [`Error::Diagnostics`], with the checklist's warnings before them.
pub fn bind(loaded: Loaded, registry: &Registry) -> Result<Bound> {
    let mut plan = bind::bind(
        &loaded.checklist.checklist,
        &loaded.checklist.display_path,
        &loaded.config,
        registry,
        &loaded.env,
    );
    for d in &mut plan.diagnostics {
        if d.file == CONFIG_FILE_PLACEHOLDER {
            d.file = loaded.config_shown.clone();
        }
    }
    let mut diagnostics = loaded.checklist.warnings.clone();
    diagnostics.extend(plan.diagnostics.iter().cloned());
    fail_on_errors(&diagnostics)?;
    Ok(Bound {
        loaded,
        plan,
        diagnostics,
    })
}

/// The run stage: the selected items' checks, concurrently, each under its timeout.
pub async fn run(
    bound: &mut Bound,
    selection: &Selection,
    settings: &RunSettings,
    progress: &dyn Progress,
) -> Outcomes {
    let started = Instant::now();
    let config = &bound.loaded.config;
    let mut ctx = CheckContext::new(bound.loaded.repo.clone());
    ctx.targets = config.targets.clone();
    ctx.unset_targets = bound.loaded.unset_targets.clone();
    ctx.env = bound.loaded.env.clone();
    ctx.allow_commands = settings.allow_commands;
    ctx.cancel = settings.cancel.clone();
    let opts = RunOptions {
        concurrency: settings.concurrency.unwrap_or(config.concurrency).max(1),
        default_timeout: settings
            .default_timeout
            .unwrap_or_else(|| Duration::from_secs_f64(config.timeout_secs)),
    };
    let selected = bound.selected(selection);
    let (scope, declared_by) = match (settings.only, config.live) {
        (Some(scope), _) => (Some(scope), format!("--only {}", scope.as_str())),
        (None, false) => (Some(Scope::Static), "[run] live = false".to_string()),
        (None, true) => (None, String::new()),
    };
    // The selected items the scope leaves out: they are not run, and not verified.
    let left_out: Vec<bool> = bound
        .plan
        .items
        .iter()
        .zip(&selected)
        .map(|(binding, chosen)| match (binding, scope) {
            (ItemBinding::Check(bc), Some(scope)) if *chosen => {
                bc.kind.doc().is_live() != (scope == Scope::Live)
            }
            _ => false,
        })
        .collect();
    let runs: Vec<bool> = selected
        .iter()
        .zip(&left_out)
        .map(|(chosen, out)| *chosen && !out)
        .collect();
    let on_done = |done: usize, total: usize, id: &str| progress.check_finished(done, total, id);
    let mut items = if runs.iter().all(|r| *r) {
        run_plan(&bound.plan, &ctx, &opts, &on_done).await
    } else {
        // Items that do not run are set aside for the run and put back after it.
        let mut set_aside = Vec::new();
        for (binding, run) in bound.plan.items.iter_mut().zip(&runs) {
            if !run {
                set_aside.push(std::mem::replace(binding, ItemBinding::Derived));
            }
        }
        let outcomes = run_plan(&bound.plan, &ctx, &opts, &on_done).await;
        let mut set_aside = set_aside.into_iter();
        for (binding, run) in bound.plan.items.iter_mut().zip(&runs) {
            if !run && let Some(original) = set_aside.next() {
                *binding = original;
            }
        }
        outcomes
    };
    let partial = scope.map(|scope| {
        let reason = format!(
            "not verified: {} check left out of this {}-only run ({declared_by})",
            scope.left_out(),
            scope.as_str(),
        );
        for (outcome, out) in items.iter_mut().zip(&left_out) {
            if *out {
                *outcome = Some(Outcome::skipped(reason.clone()));
            }
        }
        Partial {
            scope,
            unverified: left_out.iter().filter(|o| **o).count(),
        }
    });
    Outcomes {
        items,
        selected,
        elapsed: started.elapsed(),
        interrupted: settings.cancel.is_cancelled(),
        partial,
    }
}

/// The decide stage before anything people recorded: statuses, policy, scores, decision,
/// over the selected items only.
pub fn decide(bound: &Bound, outcomes: Outcomes) -> Report {
    let Outcomes {
        items,
        selected,
        elapsed,
        interrupted,
        partial,
    } = outcomes;
    let mut report = decide::build_report(
        &bound.loaded.checklist.display_path,
        &bound.loaded.checklist.checklist,
        &bound.plan,
        items,
        &bound.loaded.config.policy,
        elapsed.as_millis() as u64,
    );
    let restricted = selected.iter().any(|s| !s);
    if restricted {
        restrict(&mut report, &selected);
    }
    report.interrupted = interrupted;
    report.partial = partial;
    if restricted || interrupted || partial.is_some() {
        decide::conclude(&mut report, &bound.loaded.config.policy);
    }
    redact_report(&mut report, &Redactor::for_env(&bound.loaded.env));
    report
}

/// Keep the selected items of `report`, their parent links renumbered.
fn restrict(report: &mut Report, selected: &[bool]) {
    let mut new_index = vec![None; selected.len()];
    let mut next = 0;
    for (i, chosen) in selected.iter().enumerate() {
        if *chosen {
            new_index[i] = Some(next);
            next += 1;
        }
    }
    let items = std::mem::take(&mut report.items);
    report.items = items
        .into_iter()
        .zip(selected)
        .filter(|(_, chosen)| **chosen)
        .map(|(mut item, _)| {
            item.parent = item.parent.and_then(|p| new_index[p]);
            item
        })
        .collect();
}
