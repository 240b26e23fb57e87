//! Production-readiness checklists as teams write them, read into [`Checklist`].
//!
//! Pure: takes a string, returns a model. Never panics and never fails; a problem in the file is
//! a [`Diagnostic`] with its line.

mod model;
mod parse;
pub mod repair;

pub use model::*;
pub use parse::parse;

/// Opens the evidence note that Markdown write-back appends to an evaluated item's line
/// (`<sub>gonogo: pass (files.exists) — README.md exists</sub>`). The parser leaves notes out
/// of an item's text, so a written-back checklist keeps its ids and bindings.
pub const NOTE_OPEN: &str = "<sub>gonogo: ";
/// Closes the evidence note.
pub const NOTE_CLOSE: &str = "</sub>";
