//! Source code patterns (`code.sql-concat`).

pub mod sql_concat;
