//! Redis' framing (RESP2 and RESP3), reply by reply.
//!
//! A reply is one value: a line (`+OK`, `-ERR …`, `:1`, `,1.5`, `#t`, `_`, `(123`), a
//! length-prefixed string (`$N`, `=N` verbatim, `!N` error: N bytes and CRLF) or an aggregate
//! (`*N` array, `~N` set, `>N` push: N values; `%N` map: 2N; `|N` attribute: 2N values before
//! the value it annotates). A reply may not exceed the message cap in bytes nor hold more than
//! the element cap; a string that announces more than the cap is cut before its bytes are read.

use crate::capped::{Cut, Framing, Limits};
use crate::size;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a value's type byte.
    #[default]
    Type,
    /// Skipping a line value up to its LF.
    Line,
    /// Reading a length or count line of a value of this type byte.
    Length(u8),
    /// Skipping a string's bytes and its CRLF.
    Bytes(u64),
}

/// The server side of a Redis connection, reply by reply.
#[derive(Debug, Default)]
pub struct RespFrames {
    state: State,
    /// The digits of a length line read so far.
    digits: Vec<u8>,
    /// Values still to read in the current reply (0: between replies).
    pending: u64,
    /// Bytes and elements of the current reply so far.
    reply_bytes: u64,
    elements: u64,
}

/// Longest length line accepted (`-9223372036854775808` is 20).
const MAX_DIGITS: usize = 24;

impl RespFrames {
    /// One value read whole.
    fn value_done(&mut self) {
        self.pending = self.pending.saturating_sub(1);
        self.state = State::Type;
    }

    fn length(&mut self, t: u8, limits: &Limits) -> Result<(), Cut> {
        let text = std::str::from_utf8(&self.digits)
            .unwrap_or("")
            .trim_end_matches('\r');
        if text == "?" {
            return Err(Cut::within(
                "the server sent a streamed reply, which gonogo does not read",
            ));
        }
        let n: i64 = text.parse().map_err(|_| {
            Cut::within(format!(
                "the server sent a malformed length `{}`",
                text.escape_default()
            ))
        })?;
        self.digits.clear();
        if n < 0 {
            // A null string or array.
            self.value_done();
            return Ok(());
        }
        let n = n as u64;
        match t {
            b'$' | b'=' | b'!' => {
                if n > limits.max_message() {
                    return Err(Cut::within(format!(
                        "the server announced a reply of {n} bytes, over the {} limit",
                        size(limits.max_message())
                    )));
                }
                self.state = State::Bytes(n + 2);
            }
            _ => {
                let values = if matches!(t, b'%' | b'|') {
                    n.saturating_mul(2)
                } else {
                    n
                };
                self.elements = self.elements.saturating_add(values);
                if self.elements > limits.max_elements() {
                    return Err(Cut::within(format!(
                        "the server announced a reply of more than {} elements",
                        limits.max_elements()
                    )));
                }
                // An attribute precedes the value it annotates: that value is still owed.
                if t != b'|' {
                    self.pending -= 1;
                }
                self.pending = self.pending.saturating_add(values);
                self.state = State::Type;
            }
        }
        Ok(())
    }
}

impl Framing for RespFrames {
    fn server(&mut self, bytes: &[u8], pos: u64, limits: &Limits) -> Result<u64, Cut> {
        let mut i = 0;
        while i < bytes.len() {
            if self.pending == 0 {
                self.reply_bytes = 0;
                self.elements = 0;
            }
            let before = i;
            match self.state {
                State::Type => {
                    if self.pending == 0 {
                        self.pending = 1;
                    }
                    let t = bytes[i];
                    i += 1;
                    self.state = match t {
                        b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => State::Line,
                        b'$' | b'=' | b'!' | b'*' | b'~' | b'>' | b'%' | b'|' => State::Length(t),
                        _ => {
                            return Err(Cut::within(format!(
                                "the server sent 0x{t:02x} where a RESP type was due"
                            )));
                        }
                    };
                }
                State::Line => match bytes[i..].iter().position(|&b| b == b'\n') {
                    Some(at) => {
                        i += at + 1;
                        self.value_done();
                    }
                    None => i = bytes.len(),
                },
                State::Length(t) => {
                    let b = bytes[i];
                    i += 1;
                    if b == b'\n' {
                        self.length(t, limits)?;
                    } else if self.digits.len() >= MAX_DIGITS {
                        return Err(Cut::within("the server sent a malformed length line"));
                    } else {
                        self.digits.push(b);
                    }
                }
                State::Bytes(left) => {
                    let n = (left as usize).min(bytes.len() - i);
                    i += n;
                    if left == n as u64 {
                        self.value_done();
                    } else {
                        self.state = State::Bytes(left - n as u64);
                    }
                }
            }
            self.reply_bytes += (i - before) as u64;
            if self.reply_bytes > limits.max_message() {
                return Err(Cut::within(format!(
                    "the server's reply exceeds the {} limit",
                    size(limits.max_message())
                )));
            }
        }
        Ok(pos + bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(stream: &[u8], limits: &Limits) -> Result<RespFrames, Cut> {
        let mut f = RespFrames::default();
        for chunk in [1, 2, 7, stream.len().max(1)] {
            let mut g = RespFrames::default();
            for (n, part) in stream.chunks(chunk).enumerate() {
                g.server(part, (n * chunk) as u64, limits)?;
            }
            f = g;
        }
        Ok(f)
    }

    #[test]
    fn ordinary_replies_pass_and_end_between_replies() {
        let limits = Limits::LIVE;
        for reply in [
            &b"+PONG\r\n"[..],
            b"-NOAUTH Authentication required.\r\n",
            b":42\r\n",
            b"$5\r\nhello\r\n",
            b"$-1\r\n",
            b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n",
            b"*-1\r\n",
            b"*0\r\n",
            b"%1\r\n+key\r\n*2\r\n:1\r\n_\r\n",
            b"|1\r\n+ttl\r\n:3600\r\n$2\r\nok\r\n",
            b">2\r\n+message\r\n=7\r\ntxt:abc\r\n",
        ] {
            let f = feed(reply, &limits).unwrap_or_else(|c| panic!("{c}: {reply:?}"));
            assert_eq!(f.pending, 0, "{}", String::from_utf8_lossy(reply));
            assert_eq!(f.state, State::Type);
        }
    }

    #[test]
    fn hostile_replies_are_cut() {
        let limits = Limits::LIVE;
        let cut = feed(b"$1073741824\r\nxxxx", &limits).unwrap_err();
        assert_eq!(
            cut.why(),
            "the server announced a reply of 1073741824 bytes, over the 16 MiB limit"
        );
        let cut = feed(b"*100000000\r\n:1\r\n", &limits).unwrap_err();
        assert!(cut.why().contains("more than 65536 elements"), "{cut}");
        let cut = feed(b"%40000\r\n", &limits).unwrap_err();
        assert!(cut.why().contains("elements"), "{cut}");
        let cut = feed(b"$12345678901234567890123456\r\n", &limits).unwrap_err();
        assert!(cut.why().contains("malformed"), "{cut}");
        let cut = feed(b"$?\r\n;4\r\nabcd\r\n;0\r\n", &limits).unwrap_err();
        assert!(cut.why().contains("streamed"), "{cut}");
        let cut = feed(b"HTTP/1.1 200 OK\r\n", &limits).unwrap_err();
        assert!(cut.why().contains("RESP type"), "{cut}");
    }

    #[test]
    fn a_reply_is_capped_in_bytes_however_it_is_made() {
        let limits = Limits::LIVE.with_max_message(64);
        // An endless simple string.
        let cut = feed(&[b'+'; 100], &limits).unwrap_err();
        assert_eq!(cut.why(), "the server's reply exceeds the 64 bytes limit");
        // Many small strings in one array.
        let mut many = b"*20\r\n".to_vec();
        for _ in 0..20 {
            many.extend_from_slice(b"$1\r\nx\r\n");
        }
        assert!(feed(&many, &limits).is_err());
        // The same bytes as separate replies are fine.
        let mut separate = Vec::new();
        for _ in 0..20 {
            separate.extend_from_slice(b"$1\r\nx\r\n");
        }
        assert!(feed(&separate, &limits).is_ok());
    }
}
