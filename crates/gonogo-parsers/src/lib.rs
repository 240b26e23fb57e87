//! The parsers gonogo reads users' files with, each a pure function of text (no IO), each
//! locating what it finds by line: [`dotenv`], [`yaml`] (a spanned tree), [`dockerfile`],
//! [`exposition`] (Prometheus text format and OpenMetrics), [`sql`] (a PostgreSQL lexer);
//! [`line_index`] maps byte offsets to lines and columns for all of them, and [`Diagnostic`]
//! is the one located problem in a file a user wrote.

pub mod diagnostic;
pub mod dockerfile;
pub mod dotenv;
pub mod duration;
pub mod exposition;
pub mod line_index;
pub mod sql;
pub mod yaml;

pub use diagnostic::{Diagnostic, Severity, did_you_mean};
pub use duration::parse_duration;
pub use line_index::{LineIndex, line_of};
