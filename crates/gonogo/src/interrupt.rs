//! SIGINT and SIGTERM: the first asks the work under way to stop (a `check` cancels its run, a
//! `load` stops sending), a second ends gonogo at once with exit 130.

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

/// The exit code of a run stopped by an interrupt.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Calls `on_first` at the first SIGINT or SIGTERM, from a thread of its own (so it works the
/// same whether the caller runs a tokio runtime or blocks its thread). The handlers are in
/// place when this returns: a signal that comes after it never kills gonogo outright.
pub fn on_interrupt(on_first: impl FnOnce() + Send + 'static) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot watch for interrupts")?;
    let (mut int, mut term) = {
        let _in_runtime = rt.enter();
        (
            signal(SignalKind::interrupt()).context("cannot watch for SIGINT")?,
            signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?,
        )
    };
    std::thread::Builder::new()
        .name("gonogo-interrupt".into())
        .spawn(move || {
            rt.block_on(async move {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                on_first();
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            });
        })
        .context("cannot watch for interrupts")?;
    Ok(())
}
