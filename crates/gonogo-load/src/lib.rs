//! gonogo's HTTP load engine.
//!
//! - **Models**: closed (`N` connections, each sending as soon as its previous response is
//!   read) and open (a constant arrival rate, with more connections opened when a due request
//!   finds none free). A run ends after a duration or a number of requests; the warm-up is
//!   excluded from every figure; in-flight requests at the end get a drain window.
//! - **Transport**: HTTP/1.1 keep-alive with our own framing (requests encoded once, response
//!   heads parsed in place by `httparse`, bodies counted and dropped: no channel or extra task
//!   per request); HTTP/2 over hyper 1 client connections, by prior knowledge
//!   (`HttpVersion::Http2`) or ALPN on `https://`.
//! - **Measurement**: each worker thread keeps its own HDR histograms and counters (no channel,
//!   no per-request sample), merged at the end. In the open model latency also counts from
//!   each request's *scheduled* time, so a stalled server cannot hide behind coordinated
//!   omission; late and dropped requests are counted.
//! - **Results**: one [`LoadReport`] for the text summary, JSON (with the merged histograms in
//!   HDR V2 + base64, mergeable across runs) and the self-contained HTML report; thresholds
//!   (`p95<200ms`, `error_rate<0.5%`, `rps>100`) and the verdict.
//!
//! The crate prints nothing: progress goes to a callback, reports are returned as values.

mod client;
pub mod coarse;
pub mod config;
mod engine;
mod h1;
pub mod html;
pub mod merge;
pub mod report;
pub mod scenario;
mod slot_timer;
pub mod stats;
pub mod threshold;

pub use config::{HttpVersion, LoadConfig, Model, StatusSet, Stop};
pub use engine::{Control, LoadError, Progress, run};
pub use report::{LoadReport, Schedule, ThresholdResult, TimelinePoint};
pub use scenario::{Scenario, ScenarioError};
pub use stats::{ErrorCounts, LatencySummary, decode_histogram, encode_histogram, merge_encoded};
pub use threshold::Threshold;
