//! PostgreSQL's framing, and sqlx connections through a capped relay.
//!
//! Every backend message is a type byte and a 4-byte big-endian length that counts itself
//! but not the type byte. The one exception is the startup: a client that asks for TLS
//! (`SSLRequest`) or GSSAPI encryption (`GSSENCRequest`) gets a single byte back, `S`/`G` to
//! go ahead (after which the bytes are encrypted: only the total and time budgets apply) or
//! `N` to continue in the clear.

use crate::capped::{Cut, Framing, Limits};
#[cfg(feature = "sqlx")]
use crate::relay::{Relay, Upstream};
use crate::size;
#[cfg(feature = "sqlx")]
use sqlx::postgres::PgConnectOptions;
#[cfg(feature = "sqlx")]
use std::io;

const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;

/// The server side of a PostgreSQL connection, message by message.
#[derive(Debug, Default)]
pub struct PgFrames {
    /// The client's startup packets are read until the first that is not an encryption
    /// request: `[length, code]` gathered so far, and the bytes of a packet left to skip.
    client_head: Vec<u8>,
    client_skip: u64,
    client_started: bool,
    /// Single-byte answers the server owes (one per encryption request).
    owed_single_bytes: u32,
    /// Encrypted from here on: framing cannot be read.
    opaque: bool,
    header: [u8; 5],
    header_len: usize,
    header_at: u64,
    body_left: u64,
}

impl PgFrames {
    fn message_type(t: u8) -> String {
        if t.is_ascii_graphic() {
            format!("'{}'", t as char)
        } else {
            format!("0x{t:02x}")
        }
    }
}

impl Framing for PgFrames {
    fn client(&mut self, mut bytes: &[u8]) {
        while !self.client_started && !bytes.is_empty() {
            if self.client_skip > 0 {
                let n = (self.client_skip as usize).min(bytes.len());
                self.client_skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let n = (8 - self.client_head.len()).min(bytes.len());
            self.client_head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.client_head.len() < 8 {
                return;
            }
            let len = u32::from_be_bytes(self.client_head[0..4].try_into().unwrap_or_default());
            let code = u32::from_be_bytes(self.client_head[4..8].try_into().unwrap_or_default());
            self.client_head.clear();
            if code == SSL_REQUEST || code == GSSENC_REQUEST {
                self.owed_single_bytes += 1;
                self.client_skip = u64::from(len).saturating_sub(8);
            } else {
                // The startup message (or a cancel request): typed messages from here on.
                self.client_started = true;
            }
        }
    }

    fn server(&mut self, bytes: &[u8], pos: u64, limits: &Limits) -> Result<u64, Cut> {
        let mut i = 0;
        while i < bytes.len() {
            if self.opaque {
                break;
            }
            if self.body_left > 0 {
                let n = (self.body_left as usize).min(bytes.len() - i);
                self.body_left -= n as u64;
                i += n;
                continue;
            }
            if self.owed_single_bytes > 0 && self.header_len == 0 {
                match bytes[i] {
                    b'S' | b'G' => {
                        self.owed_single_bytes -= 1;
                        self.opaque = true;
                        i += 1;
                    }
                    b'N' => {
                        self.owed_single_bytes -= 1;
                        i += 1;
                    }
                    // An error message instead (a server too old for the request).
                    _ => self.owed_single_bytes = 0,
                }
                continue;
            }
            if self.header_len == 0 {
                self.header_at = pos + i as u64;
            }
            self.header[self.header_len] = bytes[i];
            self.header_len += 1;
            i += 1;
            if self.header_len < 5 {
                continue;
            }
            self.header_len = 0;
            let t = self.header[0];
            let len = u64::from(u32::from_be_bytes([
                self.header[1],
                self.header[2],
                self.header[3],
                self.header[4],
            ]));
            if len < 4 {
                return Err(Cut::between(
                    format!(
                        "the server sent a malformed message (type {}, length {len})",
                        Self::message_type(t)
                    ),
                    self.header_at,
                ));
            }
            let body = len - 4;
            if body > limits.max_message() {
                return Err(Cut::between(
                    format!(
                        "the server announced a message of {body} bytes (type {}), over the {} limit",
                        Self::message_type(t),
                        size(limits.max_message())
                    ),
                    self.header_at,
                ));
            }
            if let Some(max) = limits.max_total()
                && self.header_at + 1 + len > max
            {
                return Err(Cut::between(
                    format!(
                        "the server's messages exceed the connection's budget of {}",
                        size(max)
                    ),
                    self.header_at,
                ));
            }
            self.body_left = body;
        }
        let end = pos + bytes.len() as u64;
        Ok(if self.header_len > 0 {
            self.header_at
        } else {
            end
        })
    }

    /// A FATAL `ErrorResponse`: sqlx reports it as the database's error, with this message.
    fn refusal(&self, why: &str) -> Option<Vec<u8>> {
        if self.opaque {
            return None;
        }
        let mut fields = Vec::new();
        for (code, value) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', "08006"),
            (b'M', why),
        ] {
            fields.push(code);
            fields.extend(value.bytes().filter(|&b| b != 0));
            fields.push(0);
        }
        fields.push(0);
        let mut msg = vec![b'E'];
        msg.extend_from_slice(&((fields.len() + 4) as u32).to_be_bytes());
        msg.extend(fields);
        Some(msg)
    }
}

#[cfg(feature = "sqlx")]
/// Where sqlx would connect for `opts`.
fn upstream(opts: &PgConnectOptions) -> Upstream {
    let port = opts.get_port();
    let socket = |dir: &std::path::Path| Upstream::Unix(dir.join(format!(".s.PGSQL.{port}")));
    match opts.get_socket() {
        Some(dir) => socket(dir),
        None if opts.get_host().starts_with('/') => socket(std::path::Path::new(opts.get_host())),
        None => Upstream::Tcp(opts.get_host().to_string(), port),
    }
}

#[cfg(feature = "sqlx")]
/// `opts` pointed at a relay that pipes every connection sqlx makes to the server `opts`
/// names, under `limits`: for a pool, which connects again later. The relay lives as long as
/// the returned [`Relay`] (see [`Relay::serve_until`]). A server that cannot be reached, or a
/// cut between messages, reaches sqlx as a FATAL error from the database.
pub fn through_relay(
    opts: PgConnectOptions,
    limits: Limits,
) -> io::Result<(PgConnectOptions, Relay)> {
    let relay = Relay::serve::<PgFrames>(
        upstream(&opts),
        &format!(".s.PGSQL.{}", opts.get_port()),
        limits,
    )?;
    let opts = opts.socket(relay.dir());
    Ok((opts, relay))
}

#[cfg(feature = "sqlx")]
/// `opts` pointed at a relay for one connection, already made to the server `opts` names (so
/// a server that cannot be reached is this error, not sqlx's). The caller bounds the wait.
pub async fn connect_through_relay(
    opts: PgConnectOptions,
    limits: Limits,
) -> io::Result<(PgConnectOptions, Relay)> {
    let relay = Relay::connect_one::<PgFrames>(
        &upstream(&opts),
        &format!(".s.PGSQL.{}", opts.get_port()),
        limits,
    )
    .await?;
    let opts = opts.socket(relay.dir());
    Ok((opts, relay))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(t: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![t];
        m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    /// Feed `stream` in chunks of `chunk` bytes; the positions passed on, or the cut.
    fn feed(f: &mut PgFrames, stream: &[u8], chunk: usize, limits: &Limits) -> Result<u64, Cut> {
        let mut safe = 0;
        for (n, part) in stream.chunks(chunk).enumerate() {
            safe = f.server(part, (n * chunk) as u64, limits)?;
        }
        Ok(safe)
    }

    #[test]
    fn whole_messages_pass_and_a_split_header_is_held_back() {
        let limits = Limits::LIVE;
        let mut stream = message(b'R', &[0, 0, 0, 0]);
        stream.extend(message(b'Z', b"I"));
        for chunk in 1..stream.len() {
            let mut f = PgFrames::default();
            assert_eq!(
                feed(&mut f, &stream, chunk, &limits),
                Ok(stream.len() as u64)
            );
        }
        // The first 3 bytes of the second header: held back.
        let mut f = PgFrames::default();
        let cut_short = &stream[..9 + 3];
        assert_eq!(f.server(cut_short, 0, &limits), Ok(9));
    }

    #[test]
    fn an_oversized_announcement_is_cut_before_its_header_passes() {
        let limits = Limits::LIVE;
        let mut stream = message(b'Z', b"I");
        stream.push(b'D');
        stream.extend_from_slice(&(1u32 << 30).to_be_bytes());
        for chunk in 1..stream.len() {
            let mut f = PgFrames::default();
            let cut = feed(&mut f, &stream, chunk, &limits).unwrap_err();
            assert_eq!(cut.at, Some(6), "chunk {chunk}");
            assert_eq!(
                cut.why(),
                "the server announced a message of 1073741820 bytes (type 'D'), over the 16 MiB limit"
            );
        }
        let mut f = PgFrames::default();
        let cut = f.server(&[b'D', 0, 0, 0, 2], 0, &limits).unwrap_err();
        assert!(cut.why().contains("malformed"), "{cut}");
    }

    #[test]
    fn a_tls_answer_makes_the_rest_opaque() {
        let limits = Limits::LIVE;
        let mut f = PgFrames::default();
        f.client(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        // 'S', then TLS records: no framing is read (a TLS record is not a message).
        assert_eq!(f.server(&[b'S', 0x16, 3, 3, 0xff, 0xff], 0, &limits), Ok(6));
        assert_eq!(f.refusal("x"), None);

        let mut f = PgFrames::default();
        f.client(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        let mut stream = vec![b'N'];
        stream.extend(message(b'R', &[0, 0, 0, 0]));
        assert_eq!(f.server(&stream, 0, &limits), Ok(10));
        // Without a request, an 'S' is a ParameterStatus header like any other.
        let mut f = PgFrames::default();
        f.client(&[0, 0, 0, 9, 0, 3, 0, 0, b'x']);
        let cut = f.server(&[b'S', 0x16, 3, 3, 0xff], 0, &limits).unwrap_err();
        assert!(cut.why().contains("over the 16 MiB limit"), "{cut}");
    }

    #[test]
    fn the_refusal_is_an_error_response() {
        let msg = PgFrames::default().refusal("cut").unwrap();
        assert_eq!(msg[0], b'E');
        let len = u32::from_be_bytes(msg[1..5].try_into().unwrap()) as usize;
        assert_eq!(len + 1, msg.len());
        assert!(msg.windows(4).any(|w| w == b"Mcut"));
    }
}
