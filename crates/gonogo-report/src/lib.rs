//! Renderers of a finished run. Each takes a [`Report`] (and, where the format needs it, the
//! checklist source or the registry) and returns the text to write; none does IO or decides
//! anything.

mod junit;
mod markdown;
mod sarif;
mod terminal;

pub use junit::junit;
pub use markdown::{NOTE_CLOSE, NOTE_OPEN, markdown};
pub use sarif::sarif;
pub use terminal::{TerminalOptions, section_heading, terminal};

use gonogo_core::decide::Report;

/// The JSON report: the [`Report`] model as documented in `docs/report-schema.md`.
pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialised: {e}\"}}"));
    out.push('\n');
    out
}

/// One line of item text without Markdown strong-emphasis and code markers. (`__` stays: in
/// checklists it is far more often a fill-in blank than emphasis.)
pub(crate) fn plain(text: &str) -> String {
    text.replace("**", "").replace('`', "")
}
