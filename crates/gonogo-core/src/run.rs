//! Running bound checks: concurrently (bounded), each under a timeout, identical checks once.

use crate::bind::{BindingPlan, ItemBinding};
use crate::check::CheckContext;
use crate::outcome::Outcome;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A check kind and its parameters: items with equal keys share one run.
type GroupKey<'a> = (&'a str, Vec<(&'a str, &'a str)>);

pub struct RunOptions {
    /// Checks running at once.
    pub concurrency: usize,
    /// Timeout of a check that sets none with its `timeout` parameter.
    pub default_timeout: Duration,
}

/// Run every bound item of `plan`. Returns one outcome per item (`None` for manual and derived
/// items), in item order. `on_done` is called as each distinct check finishes, with the number
/// finished and the total, for a progress display.
pub async fn run_plan(
    plan: &BindingPlan,
    ctx: &CheckContext,
    opts: &RunOptions,
    on_done: &(dyn Fn(usize, usize, &str) + Sync),
) -> Vec<Option<Outcome>> {
    // Items bound to the same kind with the same parameters share one run: a checklist often
    // says "no hardcoded secrets" in three sections.
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut by_key: HashMap<GroupKey<'_>, usize> = HashMap::new();
    for (i, b) in plan.items.iter().enumerate() {
        if let ItemBinding::Check(bc) = b {
            let key = (bc.kind.id(), bc.params.iter().collect::<Vec<_>>());
            match by_key.get(&key) {
                Some(&g) => groups[g].1.push(i),
                None => {
                    by_key.insert(key, groups.len());
                    groups.push((i, vec![i]));
                }
            }
        }
    }

    let total = groups.len();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let ctx = Arc::new(ctx.clone());
    let results: Vec<(usize, Outcome)> = futures::stream::iter(groups.iter().map(|(first, _)| {
        let ctx = ctx.clone();
        let finished = &finished;
        async move {
            let ItemBinding::Check(bc) = &plan.items[*first] else {
                unreachable!("grouped bound items only")
            };
            let outcome = match &bc.prepared {
                Err(reason) => Outcome::error(reason.clone()),
                Ok(check) => {
                    let timeout = match bc.params.duration("timeout") {
                        // The kind enforces its own timeout; the runner's is a backstop.
                        Ok(Some(t)) => t + Duration::from_secs(2),
                        _ => opts.default_timeout,
                    };
                    let started = Instant::now();
                    let mut outcome = match tokio::time::timeout(timeout, check.run(&ctx)).await {
                        Ok(o) => o,
                        Err(_) => Outcome::error(format!(
                            "timed out after {} (raise it with timeout=… on the item)",
                            human_duration(timeout)
                        )),
                    };
                    outcome.duration = started.elapsed();
                    outcome
                }
            };
            let n = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            on_done(n, total, bc.kind.id());
            (*first, outcome)
        }
    }))
    .buffer_unordered(opts.concurrency.max(1))
    .collect()
    .await;

    let mut out: Vec<Option<Outcome>> = vec![None; plan.items.len()];
    let by_first: HashMap<usize, Outcome> = results.into_iter().collect();
    for (first, members) in &groups {
        let outcome = &by_first[first];
        for &m in members {
            out[m] = Some(outcome.clone());
        }
    }
    out
}

pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
