//! Byte and time budgets on the connections gonogo opens to servers it does not control:
//! the PostgreSQL and Redis under check, and a PostgreSQL store.
//!
//! Database drivers allocate whatever length a server announces: a hostile or broken server
//! that announces a 2 GB message gets 2 GB. Neither sqlx nor the `redis` crate lets the caller
//! cap a message, so the cap is put on the wire, below the driver:
//!
//! - [`Capped`] wraps a stream and reads the server's framing as the bytes pass
//!   ([`pg::PgFrames`]: a type byte and a 4-byte length per message, the TLS negotiation of
//!   the startup; [`resp::RespFrames`]: RESP bulk lengths, aggregate counts, lines). A message
//!   that announces more than [`Limits`] allow, a connection that carries more than its total
//!   budget or outlives its time budget is cut: reads fail with an error that says why, before
//!   the announced bytes are read. Where the framing cannot be read (after a TLS upgrade) the
//!   total and time budgets still apply.
//! - [`Relay`] serves a driver that takes no stream of ours (sqlx): it listens on a Unix socket
//!   in a private directory, and each connection made to it is piped to the real server
//!   through a [`Capped`] stream. A cut between two messages is told to the driver in its own
//!   protocol ([`Framing::refusal`]), so the driver reports it as the server's error.
//!
//! [`pg::through_relay`] points sqlx's connect options at a relay; the Redis client takes a
//! [`Capped`] stream directly.

mod capped;
pub mod pg;
mod relay;
pub mod resp;

pub use capped::{Capped, Cut, Framing, Limits};
pub use relay::{Connection, Relay, Upstream};

/// `n` bytes as people read them: `16 MiB`, `1.5 GiB`, `300 bytes`.
pub(crate) fn size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = KIB * 1024;
    const GIB: u64 = MIB * 1024;
    let unit = |u: u64, name: &str| {
        if n.is_multiple_of(u) {
            format!("{} {name}", n / u)
        } else {
            format!("{:.1} {name}", n as f64 / u as f64)
        }
    };
    if n >= GIB {
        unit(GIB, "GiB")
    } else if n >= MIB {
        unit(MIB, "MiB")
    } else if n >= KIB {
        unit(KIB, "KiB")
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_naturally() {
        assert_eq!(super::size(16 << 20), "16 MiB");
        assert_eq!(super::size(1 << 30), "1 GiB");
        assert_eq!(super::size(3 << 29), "1.5 GiB");
        assert_eq!(super::size(1536), "1.5 KiB");
        assert_eq!(super::size(300), "300 bytes");
    }
}
