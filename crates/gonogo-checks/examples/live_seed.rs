//! Times the live items of a checklist: binds it as `gonogo check` does, then runs every item
//! bound to a PostgreSQL, Redis or Prometheus kind concurrently against the targets given in
//! the environment (DATABASE_URL, REDIS_URL, PROMETHEUS_URL, METRICS_URL), and prints each
//! outcome and the wall time. For BENCHMARKS.md:
//!
//! ```sh
//! cargo run -p gonogo-checks --example live_seed -- examples/checklists/seed-004.md
//! ```

use gonogo_core::bind::{ItemBinding, bind};
use gonogo_core::config::Config;
use gonogo_core::{CheckContext, Service};
use std::collections::BTreeMap;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: live_seed CHECKLIST.md");
    let source = std::fs::read_to_string(&path).expect("read the checklist");
    let checklist = gonogo_checklist::parse(&source);
    let registry = gonogo_checks::registry();
    let plan = bind(
        &checklist,
        &path,
        &Config::with_defaults(),
        &registry,
        &BTreeMap::new(),
    );
    // An empty repository: only the live side is timed.
    let repo = tempfile::tempdir().expect("temporary directory");
    let mut ctx = CheckContext::new(repo.path().to_path_buf());
    for (env, target) in [
        ("DATABASE_URL", "database_url"),
        ("REDIS_URL", "redis_url"),
        ("PROMETHEUS_URL", "prometheus_url"),
        ("METRICS_URL", "metrics_url"),
    ] {
        if let Ok(v) = std::env::var(env) {
            ctx.targets.insert(target.into(), v);
        }
    }
    let live: Vec<_> = checklist
        .items
        .iter()
        .zip(&plan.items)
        .filter_map(|(item, b)| match b {
            ItemBinding::Check(b)
                if matches!(
                    b.kind.doc().live,
                    Some(Service::Postgres | Service::Redis | Service::Prometheus)
                ) =>
            {
                b.prepared.as_ref().ok().map(|p| (item, b.kind.id(), p))
            }
            _ => None,
        })
        .collect();
    let started = Instant::now();
    let outcomes = futures::future::join_all(live.iter().map(|(_, _, p)| async {
        let t = Instant::now();
        let o = p.run(&ctx).await;
        (o, t.elapsed())
    }))
    .await;
    let wall = started.elapsed();
    for ((item, id, _), (o, took)) in live.iter().zip(&outcomes) {
        println!(
            "{:>4} ms  {:<8} {:<22} {} — {}",
            took.as_millis(),
            o.status.as_str(),
            id,
            item.text,
            o.evidence.summary
        );
    }
    println!(
        "{} live items in {} ms (wall)",
        live.len(),
        wall.as_millis()
    );
}
