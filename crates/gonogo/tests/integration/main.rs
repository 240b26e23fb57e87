//! The command-line tests, in one binary: each test binary links the whole dependency graph, so
//! one binary instead of seven keeps the build small and the link short.

mod cli;
mod docs;
mod load;
mod no_secret_leaks;
mod reports;
mod secrets_cli;
mod seeds;
mod store;
