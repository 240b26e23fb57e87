//! Code several kinds share that is no kind itself: kinds import from here (and from
//! `util`), never from one another.

pub mod components;
pub mod requirements;

/// A case-insensitive regex (the value readers of the live families: metric names, jobs, bounds).
#[cfg(any(feature = "pg", feature = "redis", feature = "prom"))]
pub fn re(pattern: &str) -> regex::Regex {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .expect("valid regex")
}
