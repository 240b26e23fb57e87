//! What a check kind is.
//!
//! A kind is a unit struct implementing [`CheckKind`]: a stable id (`family.name`), its
//! documentation, automatic recognition of checklist phrasings, a pure `prepare` step that
//! validates parameters, and a [`PreparedCheck`] whose async `run` does the IO.

use crate::outcome::Outcome;
use crate::params::{ParamError, Params};
use crate::recognise::Claim;
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tokio_util::sync::CancellationToken;

/// Documentation of one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    pub name: &'static str,
    pub description: &'static str,
    /// The default, as the user would write it; `None` when required or when absent means off.
    pub default: Option<&'static str>,
    pub required: bool,
}

impl ParamDoc {
    pub const fn required(name: &'static str, description: &'static str) -> Self {
        ParamDoc {
            name,
            description,
            default: None,
            required: true,
        }
    }
    pub const fn optional(name: &'static str, description: &'static str) -> Self {
        ParamDoc {
            name,
            description,
            default: None,
            required: false,
        }
    }
    pub const fn with_default(
        name: &'static str,
        description: &'static str,
        default: &'static str,
    ) -> Self {
        ParamDoc {
            name,
            description,
            default: Some(default),
            required: false,
        }
    }
}

/// Documentation of a check kind; `gonogo explain ID` prints it, `docs/checks/` is generated
/// from it, and tests hold every kind to it (examples must prepare, phrases must be recognised).
#[derive(Debug, Clone, Copy)]
pub struct CheckDoc {
    /// The running service the kind talks to; `None` for a kind that reads the repository
    /// (files, git, reports, commands run there).
    pub live: Option<Service>,
    /// The shared targets of `gonogo.toml`'s `[targets]` the kind reads when its own parameters
    /// name no address (`database_url`); together they are the target names a config may set.
    pub targets: &'static [&'static str],
    /// One line: what the check verifies.
    pub summary: &'static str,
    /// A paragraph: how it decides, what it reads, what makes it fail, warn, error or skip.
    pub description: &'static str,
    pub params: &'static [ParamDoc],
    /// Annotations that must prepare without diagnostics, e.g. `files.exists path=README.md`.
    pub examples: &'static [&'static str],
    /// What the kind verifies, as the recognition engine reads items: subjects, qualifiers,
    /// exclusions, the parameters each reading selects (see [`crate::recognise`]).
    pub claims: &'static [Claim],
    /// Checklist item texts this kind binds; each must bind to it and to no other kind.
    pub phrases: &'static [&'static str],
    /// Item texts that must not bind to this kind (guards against over-eager claims).
    pub not_phrases: &'static [&'static str],
    /// Every finding code the kind can emit, with a one-line explanation.
    pub findings: &'static [(&'static str, &'static str)],
}

impl CheckDoc {
    /// Whether the kind talks to a running service.
    pub const fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// The documentation of parameter `name`, if the kind takes it.
    pub fn param(&self, name: &str) -> Option<&'static ParamDoc> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The kind of running service a live kind talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// An HTTP API (`api_url` and other URL targets), including load runs.
    Http,
    /// A TLS endpoint.
    Tls,
    Postgres,
    Redis,
    /// Prometheus, Alertmanager, or a service's metrics endpoint.
    Prometheus,
}

/// What auto-binding sees of an item.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a> {
    /// Markup-stripped text, continuation lines included.
    pub text: &'a str,
    /// The markup-stripped first line alone (empty: the whole text is one line).
    pub lead: &'a str,
    /// The text as written, markup kept (code spans name commands and files).
    pub display: &'a str,
    /// Section titles outermost first, then the texts of parent items outermost first.
    pub context: &'a [String],
}

impl<'a> ItemRef<'a> {
    /// A one-line item with no headings: tests and documented phrases.
    pub fn plain(text: &'a str) -> ItemRef<'a> {
        ItemRef {
            text,
            lead: "",
            display: text,
            context: &[],
        }
    }
}

/// A check kind. Implementations are unit structs registered in `gonogo-checks`'s static list.
pub trait CheckKind: Send + Sync + 'static {
    /// Stable id, `family.name`; never changes once released.
    fn id(&self) -> &'static str;

    fn doc(&self) -> &'static CheckDoc;

    /// Pure: validate parameters and build the runnable check. No IO, no network, no files.
    /// Reads its parameters through `params.with_doc(self.doc())`, so defaults come from the
    /// documentation; binding has already rejected parameters the doc does not list (see
    /// [`prepare`]).
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError>;

    /// Whether the check loads a live target (a load test). The runner starts such checks only
    /// after every other check has finished, so gonogo's own traffic never shows in what the
    /// others measure: a failing service cannot pass its error-rate item on the successful
    /// requests of gonogo's load test.
    fn generates_load(&self) -> bool {
        false
    }

    /// The implementing struct's type name; the registry tests hold it to the id
    /// (`redis.hit-rate` is `RedisHitRate`).
    fn type_name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }
}

/// A check with validated parameters, ready to run.
#[async_trait::async_trait]
pub trait PreparedCheck: Send + Sync {
    /// Do the IO and conclude. Must not mutate the target. The runner drives each check on a
    /// thread of its own and ends it at its timeout, so blocking work here stalls no other
    /// check; work that can end early on cancellation should still be async (or
    /// `spawn_blocking`), since a thread stuck in synchronous work is abandoned, not stopped.
    async fn run(&self, ctx: &CheckContext) -> Outcome;
}

/// Prepare `kind` with `params`: a parameter the kind does not document is rejected (the
/// common ones, [`GLOBAL_PARAMS`](crate::params::GLOBAL_PARAMS), are accepted by every kind),
/// then the kind validates the rest. Binding prepares through here.
pub fn prepare(
    kind: &dyn CheckKind,
    params: &Params,
) -> Result<Box<dyn PreparedCheck>, ParamError> {
    let documented: Vec<&str> = kind.doc().params.iter().map(|p| p.name).collect();
    params.reject_unknown(&documented)?;
    kind.prepare(params)
}

/// What a running check may know about the world.
#[derive(Clone)]
pub struct CheckContext {
    /// The repository under check (`--repo`, default: the checklist's directory).
    pub repo: PathBuf,
    /// Shared targets from `gonogo.toml` `[targets]` (`api_url`, `database_url`, …), with
    /// `$VAR` already expanded.
    pub targets: BTreeMap<String, String>,
    /// Targets left out of `targets` because a `$VAR` in them is not set: each with the names
    /// of its unset variables. A check that needs one is an `error` saying which.
    pub unset_targets: BTreeMap<String, Vec<String>>,
    /// Environment seen by checks: the process environment overlaid with `--env-file`.
    pub env: BTreeMap<String, String>,
    /// Work shared between checks of one run (a file walk, a parsed report).
    pub cache: Arc<Cache>,
    /// Whoever runs gonogo consented to running the commands a checklist names
    /// (`--allow-commands`, `GONOGO_ALLOW_COMMANDS=1`); nothing in the checked repository,
    /// its checklist or its config can set it. Off by default.
    pub allow_commands: bool,
    /// Cancelled when the run is interrupted: a check holding a process or a long load stops
    /// it at once rather than wait for the runner's grace period to end.
    pub cancel: CancellationToken,
}

impl CheckContext {
    pub fn new(repo: PathBuf) -> Self {
        CheckContext {
            repo,
            targets: BTreeMap::new(),
            unset_targets: BTreeMap::new(),
            env: BTreeMap::new(),
            cache: Arc::default(),
            allow_commands: false,
            cancel: CancellationToken::new(),
        }
    }

    /// The shared target `name`, or why there is none. Neither reason is a pass or a skip:
    /// a check that needs the target cannot run, so it is an `error` (a run that leaves live
    /// checks out on purpose never runs them).
    pub fn target(&self, name: &str) -> Result<&str, MissingTarget> {
        if let Some(vars) = self.unset_targets.get(name) {
            return Err(MissingTarget::Unset {
                name: name.to_string(),
                vars: vars.clone(),
            });
        }
        self.targets
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| MissingTarget::NotConfigured(name.to_string()))
    }
}

/// Why a shared target is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissingTarget {
    /// `[targets]` does not set it (or sets it empty).
    NotConfigured(String),
    /// It names variables that are not set.
    Unset { name: String, vars: Vec<String> },
}

impl MissingTarget {
    /// The outcome of a check that cannot run without the target: `error`, with the reason.
    pub fn outcome(&self) -> Outcome {
        Outcome::error(self.to_string())
    }
}

impl std::fmt::Display for MissingTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MissingTarget::NotConfigured(name) => write!(
                f,
                "no {name} configured: set it under [targets] in gonogo.toml, or run with --only static"
            ),
            MissingTarget::Unset { name, vars } => {
                let vars: Vec<String> = vars.iter().map(|v| format!("${v}")).collect();
                let verb = if vars.len() == 1 { "is" } else { "are" };
                write!(
                    f,
                    "{name}: {} {verb} not set (set it in the environment or pass --env-file)",
                    vars.join(", ")
                )
            }
        }
    }
}

/// One value of the cache, set once by whoever computes it first.
type Slot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

/// A type-keyed store of values computed once per run and shared between checks.
#[derive(Default)]
pub struct Cache {
    slots: Mutex<HashMap<TypeId, Slot>>,
}

impl Cache {
    /// The value of type `T`, computed by `init` the first time. Single-flight: callers that
    /// come while it is being computed wait for that result (each check runs on a thread of
    /// its own, so several would otherwise walk the same repository at once). `init` must not
    /// ask the cache for `T` itself.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(TypeId::of::<T>())
            .or_default()
            .clone();
        // Shared by every check: the caller's deadline does not cut it short.
        slot.get_or_init(|| Arc::new(gonogo_repo::read::with_deadline(None, init)))
            .clone()
            .downcast::<T>()
            .expect("type-keyed slot")
    }
}

/// The catalogue of check kinds, in a fixed order.
pub struct Registry {
    kinds: Vec<&'static dyn CheckKind>,
}

impl Registry {
    pub fn new(kinds: Vec<&'static dyn CheckKind>) -> Self {
        Registry { kinds }
    }

    pub fn get(&self, id: &str) -> Option<&'static dyn CheckKind> {
        self.kinds.iter().copied().find(|k| k.id() == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static dyn CheckKind> + '_ {
        self.kinds.iter().copied()
    }

    pub fn ids(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.id()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_cache_computes_a_value_once_while_others_wait() {
        struct Walk(usize);
        let cache = Cache::default();
        let computed = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let walk = cache.get_or_init(|| {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Walk(computed.fetch_add(1, Ordering::SeqCst) + 1)
                    });
                    assert_eq!(walk.0, 1);
                });
            }
        });
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        assert_eq!(cache.get_or_init(|| 7u8).as_ref(), &7);
    }
}
