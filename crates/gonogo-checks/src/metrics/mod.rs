//! A service's own `/metrics` endpoint (`metrics.exposed`), read with the `prom` family's client.

pub mod exposed;
