//! Running bound checks: concurrently (bounded), each under a timeout, identical checks once.
//! Checks that load a live target ([`CheckKind::generates_load`](crate::CheckKind)) run in a
//! second phase, after every other check has finished: live queries about error rates and
//! latency see the service's own traffic, never gonogo's load test.
//!
//! Invariant: no check can block the runtime's threads, and the per-check timeout always ends
//! the check. Each check runs on its own blocking-pool thread that drives the check's future
//! with [`Handle::block_on`], racing it against a cancellation signal; the runner only awaits
//! the result under [`tokio::time::timeout`]. When the timeout fires the runner records
//! `error` at once and signals cancellation: an async check's future is dropped there (a
//! `cmd.succeeds` child's process group dies with it, a database connection and its relay
//! close), and a thread stuck in synchronous work is left to finish on its own, never waited
//! for: its deadline has passed, so every file it reads next fails at once
//! (`gonogo_repo::read::with_deadline`). A panicking check is an `error`, not a crash.
//!
//! An interrupt is the context's [`CheckContext::cancel`] token: once it is cancelled no check
//! starts (those left are `error`, "not run"), checks that watch the token stop at once (a
//! `cmd.succeeds` kills its process group), and the others get [`INTERRUPT_GRACE`] to finish
//! before they are cancelled like a check past its timeout.
//!
//! Because a stuck thread may outlive the run, a binary that owns the runtime should end it
//! with `Runtime::shutdown_timeout` (or `shutdown_background`) rather than a plain drop, which
//! waits for every blocking thread.

use crate::bind::{BindingPlan, ItemBinding};
use crate::check::{CheckContext, PreparedCheck};
use crate::outcome::Outcome;
use crate::redact::{Redactor, redact_outcome};
use futures::StreamExt;
use gonogo_repo::read::with_deadline;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// How long running checks may still finish after an interrupt.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

/// The outcome of a check the interrupt kept from starting.
pub const NOT_RUN_INTERRUPTED: &str = "not run: the run was interrupted";

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
    let finished = AtomicUsize::new(0);
    // Every outcome is redacted as it is made, with the environment's secret values known:
    // no check's evidence leaves the runner with a secret in it.
    let redactor = Redactor::for_env(&ctx.env);
    let redactor = &redactor;
    let ctx = Arc::new(ctx.clone());
    // The futures are collected before they are streamed: a stream over a mapping closure
    // would make `run_plan`'s future non-`Send` (a watcher or server spawns it on a task).
    let checks: Vec<_> = groups
        .iter()
        .map(|(first, _)| {
            let ctx = ctx.clone();
            let finished = &finished;
            async move {
                let ItemBinding::Check(bc) = &plan.items[*first] else {
                    unreachable!("grouped bound items only")
                };
                let outcome = match &bc.prepared {
                    Err(reason) => Outcome::error(reason.clone()),
                    Ok(_) if ctx.cancel.is_cancelled() => Outcome::error(NOT_RUN_INTERRUPTED),
                    Ok(check) => {
                        let timeout = match bc.params.duration("timeout") {
                            // The kind enforces its own timeout; the runner's is a backstop.
                            Ok(Some(t)) => t + Duration::from_secs(2),
                            _ => opts.default_timeout,
                        };
                        run_one(check.clone(), ctx, timeout).await
                    }
                };
                let outcome = redact_outcome(outcome, redactor);
                let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
                on_done(n, total, bc.kind.id());
                (*first, outcome)
            }
        })
        .collect();
    // Two phases: every other check, then the load tests.
    let loads = |first: usize| match &plan.items[first] {
        ItemBinding::Check(bc) => bc.kind.generates_load(),
        _ => false,
    };
    let (mut others, mut load_tests) = (Vec::new(), Vec::new());
    for (check, (first, _)) in checks.into_iter().zip(&groups) {
        if loads(*first) {
            load_tests.push(check);
        } else {
            others.push(check);
        }
    }
    let mut results: Vec<(usize, Outcome)> = Vec::with_capacity(total);
    for phase in [others, load_tests] {
        results.extend(
            futures::stream::iter(phase)
                .buffer_unordered(opts.concurrency.max(1))
                .collect::<Vec<_>>()
                .await,
        );
    }

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

/// One check on its own blocking-pool thread, ended by `timeout` whatever the check does, or
/// [`INTERRUPT_GRACE`] after an interrupt.
async fn run_one(
    check: Arc<dyn PreparedCheck>,
    ctx: Arc<CheckContext>,
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    let handle = Handle::current();
    let interrupt = ctx.cancel.clone();
    // Dropping the sender (on timeout, or if the runner itself is dropped) cancels the check.
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    // Synchronous work cannot be cancelled: past the timeout, its file reads fail at once, so
    // it winds down instead of reading on.
    let deadline = started + timeout;
    let thread = tokio::task::spawn_blocking(move || {
        with_deadline(Some(deadline), || {
            handle.block_on(async move {
                tokio::select! {
                    biased;
                    _ = cancelled => None,
                    outcome = check.run(&ctx) => Some(outcome),
                }
            })
        })
    });
    let past_grace = async {
        interrupt.cancelled().await;
        tokio::time::sleep(INTERRUPT_GRACE).await;
    };
    let timed_out = || {
        Outcome::error(format!(
            "timed out after {} (raise it with timeout=… on the item)",
            human_duration(timeout)
        ))
    };
    let mut outcome = tokio::select! {
        finished = tokio::time::timeout(timeout, thread) => match finished {
            // Past the deadline its reads were refused: whatever it concluded from that is
            // not a result, even when it comes back before the timer fires.
            Ok(Ok(Some(_))) if Instant::now() >= deadline => timed_out(),
            Ok(Ok(Some(outcome))) => outcome,
            Ok(Ok(None)) => Outcome::error("cancelled"),
            Ok(Err(e)) => Outcome::error(format!("the check panicked: {}", panic_message(e))),
            Err(_) => timed_out(),
        },
        () = past_grace => Outcome::error(format!(
            "interrupted: still running {} after the interrupt, stopped",
            human_duration(INTERRUPT_GRACE)
        )),
    };
    drop(cancel);
    outcome.duration = started.elapsed();
    outcome
}

fn panic_message(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return e.to_string();
    }
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bind::BoundCheck;
    use crate::check::{CheckDoc, CheckKind};
    use crate::decide::BindingSource;
    use crate::outcome::Status;
    use crate::params::{ParamError, Params};

    /// The kind every test check claims to be; the runner only asks it for its id.
    struct RunnerProbe;

    static PROBE_DOC: CheckDoc = CheckDoc {
        live: None,
        targets: &[],
        summary: "A check whose behaviour the test chooses.",
        description: "",
        params: &[],
        examples: &[],
        claims: &[],
        phrases: &[],
        not_phrases: &[],
        findings: &[],
    };

    impl CheckKind for RunnerProbe {
        fn id(&self) -> &'static str {
            "test.probe"
        }
        fn doc(&self) -> &'static CheckDoc {
            &PROBE_DOC
        }
        fn prepare(&self, _: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
            Err(ParamError::new(
                "-",
                "the tests build their checks directly",
            ))
        }
    }

    /// A kind that loads its target, as `load.run` does.
    struct LoadProbe;

    impl CheckKind for LoadProbe {
        fn id(&self) -> &'static str {
            "test.load"
        }
        fn doc(&self) -> &'static CheckDoc {
            &PROBE_DOC
        }
        fn prepare(&self, _: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
            Err(ParamError::new(
                "-",
                "the tests build their checks directly",
            ))
        }
        fn generates_load(&self) -> bool {
            true
        }
    }

    enum Behaviour {
        /// Awaits a tokio sleep, then passes.
        Sleep(Duration),
        /// Blocks its thread with `std::thread::sleep`, then passes.
        BlockThread(Duration),
        /// Never finishes.
        Hang,
        /// Waits for the run's interrupt, then stops with `error`.
        StopOnInterrupt,
        Panic,
        /// Passes with the environment's `DEPLOY_TOKEN` and a URL password in its evidence.
        Leak,
        /// Reads a file over and over on its thread until a read fails; then sets the flag.
        ReadUntilRefused(Arc<std::sync::atomic::AtomicBool>),
    }

    /// What the checks of one test saw: how many ran, and the most running at once.
    #[derive(Default)]
    struct Tally {
        runs: AtomicUsize,
        running: AtomicUsize,
        most_running: AtomicUsize,
        /// `start KEY` and `end KEY` as checks start and end.
        events: std::sync::Mutex<Vec<String>>,
    }

    struct Probe {
        behaviour: Behaviour,
        tally: Arc<Tally>,
        key: String,
    }

    #[async_trait::async_trait]
    impl PreparedCheck for Probe {
        async fn run(&self, ctx: &CheckContext) -> Outcome {
            let t = &self.tally;
            let event = |what: &str| {
                let mut events = t.events.lock().unwrap_or_else(|e| e.into_inner());
                events.push(format!("{what} {}", self.key));
            };
            event("start");
            t.runs.fetch_add(1, Ordering::SeqCst);
            let now = t.running.fetch_add(1, Ordering::SeqCst) + 1;
            t.most_running.fetch_max(now, Ordering::SeqCst);
            match &self.behaviour {
                Behaviour::Sleep(d) => tokio::time::sleep(*d).await,
                Behaviour::BlockThread(d) => std::thread::sleep(*d),
                Behaviour::Hang => futures::future::pending::<()>().await,
                Behaviour::StopOnInterrupt => {
                    ctx.cancel.cancelled().await;
                    t.running.fetch_sub(1, Ordering::SeqCst);
                    return Outcome::error("stopped by the interrupt");
                }
                Behaviour::Panic => panic!("probe panicked on purpose"),
                Behaviour::Leak => {
                    let token = ctx.env.get("DEPLOY_TOKEN").cloned().unwrap_or_default();
                    return Outcome::fail(format!("deploy with {token}"))
                        .observed("postgres://app:Xk29fLq8Zt3v@db/app refused");
                }
                Behaviour::ReadUntilRefused(stopped) => {
                    let manifest =
                        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
                    loop {
                        match gonogo_repo::read_head(&manifest, 64) {
                            Ok(_) => std::thread::sleep(Duration::from_millis(5)),
                            Err(gonogo_repo::ReadError::OutOfTime) => break,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    stopped.store(true, Ordering::SeqCst);
                }
            }
            t.running.fetch_sub(1, Ordering::SeqCst);
            event("end");
            Outcome::pass("done")
        }
    }

    fn item(behaviour: Behaviour, tally: &Arc<Tally>, key: &str) -> ItemBinding {
        item_of(&RunnerProbe, behaviour, tally, key)
    }

    fn item_of(
        kind: &'static dyn CheckKind,
        behaviour: Behaviour,
        tally: &Arc<Tally>,
        key: &str,
    ) -> ItemBinding {
        ItemBinding::Check(BoundCheck {
            kind,
            source: BindingSource::Annotation,
            params: Params::new().with("key", key),
            written: Params::new().with("key", key),
            prepared: Ok(Arc::new(Probe {
                behaviour,
                tally: tally.clone(),
                key: key.to_string(),
            })),
        })
    }

    fn run(items: Vec<ItemBinding>, concurrency: usize, timeout: Duration) -> Vec<Option<Outcome>> {
        let plan = BindingPlan {
            items,
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let opts = RunOptions {
            concurrency,
            default_timeout: timeout,
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let ctx = CheckContext::new(".".into());
        let out = rt.block_on(run_plan(&plan, &ctx, &opts, &|_, _, _| {}));
        // A thread still blocked in a probe must not hold the test up.
        rt.shutdown_background();
        out
    }

    fn status_and_summary(o: &Option<Outcome>) -> (Status, &str) {
        let o = o.as_ref().expect("bound item has an outcome");
        (o.status, o.evidence.summary.as_str())
    }

    #[test]
    fn a_run_can_be_spawned_on_a_task() {
        // `gonogo watch` and the server run plans on tasks of their own.
        fn assert_send<T: Send>(_: &T) {}
        let plan = BindingPlan {
            items: Vec::new(),
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let ctx = CheckContext::new(".".into());
        let opts = RunOptions {
            concurrency: 1,
            default_timeout: Duration::from_secs(1),
        };
        let run = run_plan(&plan, &ctx, &opts, &|_, _, _| {});
        assert_send(&run);
    }

    #[test]
    fn never_runs_more_checks_at_once_than_the_bound() {
        let tally = Arc::new(Tally::default());
        let items = (0..9)
            .map(|i| {
                item(
                    Behaviour::Sleep(Duration::from_millis(40)),
                    &tally,
                    &i.to_string(),
                )
            })
            .collect();
        let out = run(items, 3, Duration::from_secs(10));
        assert!(
            out.iter()
                .all(|o| o.as_ref().unwrap().status == Status::Pass)
        );
        assert_eq!(tally.runs.load(Ordering::SeqCst), 9);
        assert_eq!(tally.most_running.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_check_blocking_its_thread_delays_neither_another_check_nor_its_own_timeout() {
        let tally = Arc::new(Tally::default());
        let started = Instant::now();
        let out = run(
            vec![
                item(
                    Behaviour::BlockThread(Duration::from_secs(5)),
                    &tally,
                    "stuck",
                ),
                item(Behaviour::Sleep(Duration::from_millis(20)), &tally, "quick"),
            ],
            2,
            Duration::from_millis(300),
        );
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "the run took {took:?}");
        let (status, summary) = status_and_summary(&out[0]);
        assert_eq!(status, Status::Error);
        assert!(summary.starts_with("timed out after 300 ms"), "{summary}");
        assert_eq!(status_and_summary(&out[1]).0, Status::Pass);
        let quick = out[1].as_ref().unwrap().duration;
        // Far below the stuck check's 5 s: it did not wait for that thread.
        assert!(
            quick < Duration::from_secs(2),
            "the quick check took {quick:?}"
        );
    }

    #[test]
    fn past_its_timeout_a_check_reads_no_more_files() {
        // Synchronous work cannot be cancelled; its reads are refused once the check's time is
        // up, so it winds down on its own.
        let tally = Arc::new(Tally::default());
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let started = Instant::now();
        let out = run(
            vec![item(
                Behaviour::ReadUntilRefused(stopped.clone()),
                &tally,
                "reader",
            )],
            1,
            Duration::from_millis(200),
        );
        assert_eq!(status_and_summary(&out[0]).0, Status::Error);
        while !stopped.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(stopped.load(Ordering::SeqCst), "the check kept reading");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn blocking_checks_never_stall_a_current_thread_runtime() {
        // The caller's runtime may have a single thread; the runner must not need a second.
        let tally = Arc::new(Tally::default());
        let plan = BindingPlan {
            items: vec![
                item(
                    Behaviour::BlockThread(Duration::from_secs(5)),
                    &tally,
                    "stuck",
                ),
                item(Behaviour::Sleep(Duration::from_millis(20)), &tally, "quick"),
            ],
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let opts = RunOptions {
            concurrency: 1,
            default_timeout: Duration::from_millis(200),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = Instant::now();
        let ctx = CheckContext::new(".".into());
        let out = rt.block_on(run_plan(&plan, &ctx, &opts, &|_, _, _| {}));
        rt.shutdown_background();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(status_and_summary(&out[0]).0, Status::Error);
        assert_eq!(status_and_summary(&out[1]).0, Status::Pass);
    }

    #[test]
    fn a_hanging_async_check_is_an_error_at_the_timeout() {
        let tally = Arc::new(Tally::default());
        let started = Instant::now();
        let out = run(
            vec![item(Behaviour::Hang, &tally, "hang")],
            1,
            Duration::from_millis(150),
        );
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(150) && took < Duration::from_secs(2));
        let (status, summary) = status_and_summary(&out[0]);
        assert_eq!(status, Status::Error);
        assert_eq!(
            summary,
            "timed out after 150 ms (raise it with timeout=… on the item)"
        );
    }

    #[test]
    fn identical_checks_run_once_and_share_the_outcome() {
        let tally = Arc::new(Tally::default());
        let quick = || Behaviour::Sleep(Duration::from_millis(1));
        let out = run(
            vec![
                item(quick(), &tally, "same"),
                ItemBinding::Manual {
                    reason: "people".into(),
                },
                item(quick(), &tally, "same"),
                item(quick(), &tally, "other"),
            ],
            4,
            Duration::from_secs(10),
        );
        assert_eq!(tally.runs.load(Ordering::SeqCst), 2);
        let shared = |o: &Option<Outcome>| {
            let o = o.as_ref().unwrap();
            (o.status, o.evidence.summary.clone(), o.duration)
        };
        assert_eq!(shared(&out[0]), shared(&out[2]));
        assert!(out[1].is_none());
        assert_eq!(status_and_summary(&out[3]).0, Status::Pass);
    }

    #[test]
    fn progress_is_reported_once_per_distinct_check_timeouts_included() {
        let tally = Arc::new(Tally::default());
        let plan = BindingPlan {
            items: vec![
                item(Behaviour::Sleep(Duration::from_millis(1)), &tally, "a"),
                item(Behaviour::Sleep(Duration::from_millis(1)), &tally, "a"),
                item(Behaviour::Hang, &tally, "hang"),
            ],
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let opts = RunOptions {
            concurrency: 2,
            default_timeout: Duration::from_millis(100),
        };
        let seen = std::sync::Mutex::new(Vec::new());
        let on_done = |n: usize, total: usize, id: &str| {
            seen.lock().unwrap().push((n, total, id.to_string()));
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run_plan(
            &plan,
            &CheckContext::new(".".into()),
            &opts,
            &on_done,
        ));
        rt.shutdown_background();
        let seen = seen.into_inner().unwrap();
        let counts: Vec<(usize, usize)> = seen.iter().map(|(n, t, _)| (*n, *t)).collect();
        assert_eq!(counts, [(1, 2), (2, 2)]);
        assert!(seen.iter().all(|(_, _, id)| id == "test.probe"));
    }

    #[test]
    fn outcomes_come_back_in_item_order() {
        let tally = Arc::new(Tally::default());
        // Later items finish first.
        let items = (0..5u64)
            .map(|i| {
                item(
                    Behaviour::Sleep(Duration::from_millis(200 - 40 * i)),
                    &tally,
                    &i.to_string(),
                )
            })
            .chain([ItemBinding::Derived])
            .chain([item(Behaviour::Panic, &tally, "panic")])
            .collect();
        let out = run(items, 5, Duration::from_secs(10));
        assert_eq!(out.len(), 7);
        for o in &out[..5] {
            assert_eq!(status_and_summary(o).0, Status::Pass);
        }
        let durations: Vec<Duration> = out[..5]
            .iter()
            .map(|o| o.as_ref().unwrap().duration)
            .collect();
        assert!(durations.windows(2).all(|w| w[0] > w[1]), "{durations:?}");
        assert!(out[5].is_none());
        assert_eq!(status_and_summary(&out[6]).0, Status::Error);
    }

    #[test]
    fn load_tests_start_only_after_every_other_check_has_finished() {
        // The load test comes first in the checklist and there is room for every check at
        // once; the error-rate query must still see the service before gonogo loads it.
        let tally = Arc::new(Tally::default());
        let out = run(
            vec![
                item_of(
                    &LoadProbe,
                    Behaviour::Sleep(Duration::from_millis(10)),
                    &tally,
                    "load",
                ),
                item(
                    Behaviour::Sleep(Duration::from_millis(150)),
                    &tally,
                    "error-rate",
                ),
                item(
                    Behaviour::BlockThread(Duration::from_millis(80)),
                    &tally,
                    "p95",
                ),
            ],
            8,
            Duration::from_secs(10),
        );
        assert!(
            out.iter()
                .all(|o| o.as_ref().unwrap().status == Status::Pass)
        );
        let events = tally.events.lock().unwrap().clone();
        let at = |e: &str| events.iter().position(|x| x == e).unwrap();
        assert!(at("start load") > at("end error-rate"), "{events:?}");
        assert!(at("start load") > at("end p95"), "{events:?}");
        assert_eq!(events.last().map(String::as_str), Some("end load"));
        // Without a load test nothing waits: the other checks still run together.
        assert_eq!(tally.most_running.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_panicking_check_is_an_error_not_a_crash() {
        let tally = Arc::new(Tally::default());
        let out = run(
            vec![
                item(Behaviour::Panic, &tally, "panic"),
                item(Behaviour::Sleep(Duration::from_millis(1)), &tally, "fine"),
            ],
            2,
            Duration::from_secs(10),
        );
        let (status, summary) = status_and_summary(&out[0]);
        assert_eq!(status, Status::Error);
        assert_eq!(summary, "the check panicked: probe panicked on purpose");
        assert_eq!(status_and_summary(&out[1]).0, Status::Pass);
    }

    #[test]
    fn an_interrupt_starts_no_check_and_gives_running_ones_the_grace_period() {
        let tally = Arc::new(Tally::default());
        let plan = BindingPlan {
            items: vec![
                item(Behaviour::StopOnInterrupt, &tally, "watches"),
                item(Behaviour::Hang, &tally, "hangs"),
                // Concurrency 2: these wait for a free slot and never get one before the
                // interrupt.
                item(Behaviour::Sleep(Duration::from_millis(1)), &tally, "queued"),
                item(
                    Behaviour::Sleep(Duration::from_millis(1)),
                    &tally,
                    "queued-2",
                ),
            ],
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let opts = RunOptions {
            concurrency: 2,
            default_timeout: Duration::from_secs(60),
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let ctx = CheckContext::new(".".into());
        let interrupt = ctx.cancel.clone();
        let started = Instant::now();
        let out = rt.block_on(async {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                interrupt.cancel();
            });
            run_plan(&plan, &ctx, &opts, &|_, _, _| {}).await
        });
        rt.shutdown_background();
        let took = started.elapsed();
        assert!(
            took >= INTERRUPT_GRACE && took < INTERRUPT_GRACE + Duration::from_secs(2),
            "the run took {took:?}"
        );
        let (status, summary) = status_and_summary(&out[0]);
        assert_eq!(
            (status, summary),
            (Status::Error, "stopped by the interrupt")
        );
        assert!(
            out[0].as_ref().unwrap().duration < Duration::from_secs(1),
            "a check watching the interrupt stops at once"
        );
        let (status, summary) = status_and_summary(&out[1]);
        assert_eq!(status, Status::Error);
        assert_eq!(
            summary,
            "interrupted: still running 2.0 s after the interrupt, stopped"
        );
        for queued in &out[2..] {
            assert_eq!(
                status_and_summary(queued),
                (Status::Error, NOT_RUN_INTERRUPTED)
            );
        }
        assert_eq!(
            tally.runs.load(Ordering::SeqCst),
            2,
            "no check started after it"
        );
    }

    #[test]
    fn outcomes_leave_the_runner_redacted() {
        let tally = Arc::new(Tally::default());
        let plan = BindingPlan {
            items: vec![item(Behaviour::Leak, &tally, "leak")],
            diagnostics: Vec::new(),
            assessments: Vec::new(),
        };
        let opts = RunOptions {
            concurrency: 1,
            default_timeout: Duration::from_secs(5),
        };
        let mut ctx = CheckContext::new(".".into());
        ctx.env
            .insert("DEPLOY_TOKEN".into(), "plainlowercasevalue".into());
        let rt = tokio::runtime::Runtime::new().unwrap();
        let out = rt.block_on(run_plan(&plan, &ctx, &opts, &|_, _, _| {}));
        let o = out[0].as_ref().unwrap();
        assert_eq!(o.evidence.summary, "deploy with plai…(19 chars)");
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("postgres://app:…@db/app refused")
        );
    }
}
