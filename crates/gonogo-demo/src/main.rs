//! `gonogo-demo`: run the demo service for gonogo's live checks.

use anyhow::Context;
use clap::Parser;
use std::io::Write;

/// A demo HTTP service to point gonogo's live checks at.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: String,
    /// `good` passes every live check, `bad` fails them.
    #[arg(long, default_value = "good", value_parser = ["good", "bad"])]
    profile: String,
    /// Password of the `demo` user (for `http.auth`'s login flow).
    #[arg(long, env = "GONOGO_DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut cfg = gonogo_demo::DemoConfig::profile(&args.profile).context("unknown profile")?;
    if let Some(p) = args.password {
        cfg.password = p;
    }
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    println!("gonogo-demo ({}) listening on http://{addr}", args.profile);
    std::io::stdout().flush()?;
    gonogo_demo::serve(listener, cfg).await?;
    Ok(())
}
