//! Documentation kinds: `docs.env-documented` (every environment variable the code reads is
//! documented) and `docs.fresh` (a document changed recently relative to the code it describes).

pub mod env_documented;
pub mod fresh;
