//! Every output gonogo writes, one module per output, each a pure function of its input that
//! returns the text to write; none does IO or decides anything.
//!
//! A finished run ([`Report`]): [`terminal`], [`json`], [`junit`], [`sarif`], [`markdown`].
//! Before a run: [`validation`]. The records: [`history`], [`diff`], [`records`]. The
//! catalogue: [`catalogue`]. Proposed bindings: [`suggest()`]. A secret scan: [`secrets`] (its SARIF comes from the same writer
//! as a run's).

pub mod catalogue;
mod diff;
mod history;
mod junit;
mod markdown;
pub mod records;
mod sarif;
pub mod secrets;
mod suggest;
mod terminal;
mod validation;

pub use diff::diff;
pub use history::{HistoryFormat, history};
pub use junit::junit;
pub use markdown::{NOTE_CLOSE, NOTE_OPEN, markdown};
pub use sarif::sarif;
pub use suggest::{SuggestFormat, SuggestView, candidate_line, suggest, written};
pub use terminal::{TerminalOptions, section_heading, terminal};
pub use validation::{ValidateFormat, validation};

use gonogo_core::decide::Report;

/// The JSON report: the [`Report`] model as documented in `docs/report-schema.md`.
pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialised: {e}\"}}"));
    out.push('\n');
    out
}
