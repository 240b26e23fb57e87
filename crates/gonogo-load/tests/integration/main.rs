//! The load engine against real servers, in one binary: each test binary links the whole
//! dependency graph, so one keeps the build small and the link short.

mod engine;
mod tls;
