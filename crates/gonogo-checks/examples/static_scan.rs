//! Runs the static check kinds on a folder and prints each outcome with its findings, then the
//! wall time of the whole run. Used by `benches/static/` (peer comparison and the speed figure).
//!
//! `cargo run --release -p gonogo-checks --example static_scan -- DIR [KIND,KIND…]`
//!
//! Without a list, every kind that prepares with no parameters and reads only the repository
//! runs (live kinds and `cmd.succeeds` are left out: they need targets or run commands).

use gonogo_core::{CheckContext, Params};
use std::time::Instant;

/// Kinds that do not read only the repository (network, commands) or need parameters.
const NOT_STATIC: &[&str] = &["cmd.succeeds", "files.exists", "git.merged", "git.tag"];

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: static_scan DIR [KIND,KIND…]");
        std::process::exit(2);
    };
    let only: Option<Vec<String>> = args
        .next()
        .map(|s| s.split(',').map(str::to_string).collect());
    let mut checks = Vec::new();
    for kind in gonogo_checks::KINDS {
        let id = kind.id();
        let selected = match &only {
            Some(list) => list.iter().any(|k| k == id),
            None => !NOT_STATIC.contains(&id) && !kind.doc().is_live(),
        };
        if !selected {
            continue;
        }
        let mut params = Params::new();
        // Kinds whose subject is a parameter: what the generated repository has.
        match id {
            "docs.fresh" => params.insert("path", "README.md"),
            "infra.component" => params.insert("name", "postgres"),
            "deps.declared" => params.insert("name", "fastapi"),
            _ => {}
        }
        match kind.prepare(&params) {
            Ok(c) => checks.push((id, c)),
            Err(e) => eprintln!("{id}: not run ({e})"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ctx = CheckContext::new(std::path::PathBuf::from(&dir));
    let start = Instant::now();
    let outcomes = rt.block_on(async {
        let futs = checks.iter().map(|(id, c)| {
            let ctx = ctx.clone();
            async move {
                let t = Instant::now();
                let o = c.run(&ctx).await;
                (*id, o, t.elapsed())
            }
        });
        futures::future::join_all(futs).await
    });
    let elapsed = start.elapsed();
    let files = gonogo_checks::util::inventory_blocking(&ctx).files.len();
    for (id, o, took) in &outcomes {
        println!(
            "{id}\t{}\t{}\t({:.1} ms)",
            o.status,
            o.evidence.summary,
            took.as_secs_f64() * 1000.0
        );
        for f in &o.evidence.findings {
            let loc = f
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default();
            println!("  {}\t{loc}\t{}", f.code, f.message);
        }
    }
    println!(
        "{} kind(s) on {files} file(s) in {:.1} ms",
        outcomes.len(),
        elapsed.as_secs_f64() * 1000.0
    );
}
