//! Production-readiness checklists as teams write them, read into [`Checklist`].
//!
//! Pure: takes a string, returns a model. Never panics and never fails; a problem in the file is
//! a [`Diagnostic`] with its line.

mod model;
mod parse;
pub mod repair;

pub use model::*;
pub use parse::parse;
