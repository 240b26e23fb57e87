//! The integration tests of the check kinds, in one binary: each test binary links the whole
//! dependency graph, so one binary instead of ten keeps the build small and the link short.

mod live;
mod live_bindings;
mod live_http;
mod live_pg;
mod live_pg_cluster;
mod live_prom;
mod live_redis;
mod live_tls;
mod load_run;
mod registry;
mod secrets;
