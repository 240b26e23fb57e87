//! HTTP/1.1 on the hot path: the request is bytes written as they are (serialized once when
//! nothing in it changes), the response head is parsed in place with `httparse` and the body
//! is counted and discarded as it arrives. Nothing crosses a channel or another task, which is
//! what a general-purpose client (hyper's connection task) costs per request.

use crate::stats::ErrorClass;
use bytes::{Buf, Bytes, BytesMut};
use hyper::{HeaderMap, Method, Uri};
use std::mem::MaybeUninit;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The byte stream under a connection: plain TCP or TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Io for T {}

/// A response head larger than this is refused (servers cap theirs well below).
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
const READ_CHUNK: usize = 16 * 1024;

/// Why an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server had closed the (reused) connection before any byte of the response: the
    /// request may be resent on a new connection without counting an error.
    Stale,
    Class(ErrorClass),
}

pub(crate) struct H1 {
    io: Box<dyn Io>,
    buf: BytesMut,
    closed: bool,
    served: u64,
}

impl H1 {
    pub fn new(io: Box<dyn Io>) -> Self {
        H1 {
            io,
            buf: BytesMut::with_capacity(READ_CHUNK),
            closed: false,
            served: 0,
        }
    }

    /// False once the server said `Connection: close`, or the stream failed.
    pub fn is_open(&self) -> bool {
        !self.closed
    }

    /// Writes `request` and reads the whole response; the status and the body length.
    pub async fn exchange(&mut self, request: &[u8], head: bool) -> Result<(u16, u64), Failure> {
        let reused = self.served > 0;
        if self.io.write_all(request).await.is_err() {
            self.closed = true;
            return Err(if reused {
                Failure::Stale
            } else {
                Failure::Class(ErrorClass::Other)
            });
        }
        let result = self.read_response(head, reused).await;
        if result.is_err() {
            self.closed = true;
        } else {
            self.served += 1;
        }
        result
    }

    async fn read_response(&mut self, head: bool, reused: bool) -> Result<(u16, u64), Failure> {
        let mut first_byte = !self.buf.is_empty();
        loop {
            let parsed = {
                // Uninitialised slots: no 100-header memset per response.
                let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
                let mut resp = httparse::Response::new(&mut []);
                match httparse::ParserConfig::default().parse_response_with_uninit_headers(
                    &mut resp,
                    &self.buf,
                    &mut headers,
                ) {
                    Ok(httparse::Status::Complete(n)) if n > MAX_HEAD => {
                        return Err(Failure::Class(ErrorClass::Other));
                    }
                    Ok(httparse::Status::Complete(n)) => Some((n, Framing::of(&resp))),
                    Ok(httparse::Status::Partial) => None,
                    Err(_) => return Err(Failure::Class(ErrorClass::Other)),
                }
            };
            let Some((len, framing)) = parsed else {
                if self.buf.len() > MAX_HEAD {
                    return Err(Failure::Class(ErrorClass::Other));
                }
                if self.fill().await? == 0 {
                    return Err(if reused && !first_byte {
                        Failure::Stale
                    } else {
                        Failure::Class(ErrorClass::Other)
                    });
                }
                first_byte = true;
                continue;
            };
            self.buf.advance(len);
            let status = framing.status;
            if status == 101 {
                // An upgrade leaves HTTP: nothing more to measure on this connection.
                return Err(Failure::Class(ErrorClass::Other));
            }
            if (100..200).contains(&status) {
                continue; // 100 Continue, 103 Early Hints: the final head follows.
            }
            if framing.close {
                self.closed = true;
            }
            let bytes = if head || status == 204 || status == 304 {
                0
            } else if framing.chunked {
                self.skip_chunked().await?
            } else if let Some(n) = framing.length {
                self.skip(n).await?;
                n
            } else {
                // No length: the body runs to the end of the stream.
                self.closed = true;
                self.skip_to_end().await?
            };
            return Ok((status, bytes));
        }
    }

    /// Reads more into the buffer; 0 at the end of the stream.
    async fn fill(&mut self) -> Result<usize, Failure> {
        self.buf.reserve(READ_CHUNK);
        self.io
            .read_buf(&mut self.buf)
            .await
            .map_err(|_| Failure::Class(ErrorClass::Other))
    }

    async fn more(&mut self) -> Result<(), Failure> {
        match self.fill().await? {
            0 => Err(Failure::Class(ErrorClass::Other)),
            _ => Ok(()),
        }
    }

    async fn skip(&mut self, mut n: u64) -> Result<(), Failure> {
        loop {
            let take = (self.buf.len() as u64).min(n) as usize;
            self.buf.advance(take);
            n -= take as u64;
            if n == 0 {
                return Ok(());
            }
            self.more().await?;
        }
    }

    async fn skip_to_end(&mut self) -> Result<u64, Failure> {
        let mut total = self.buf.len() as u64;
        self.buf.clear();
        while self.fill().await? > 0 {
            total += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(total)
    }

    async fn skip_chunked(&mut self) -> Result<u64, Failure> {
        let mut total = 0u64;
        loop {
            let (used, size) = match httparse::parse_chunk_size(&self.buf) {
                Ok(httparse::Status::Complete(c)) => c,
                Ok(httparse::Status::Partial) => {
                    if self.buf.len() > MAX_HEAD {
                        return Err(Failure::Class(ErrorClass::Other));
                    }
                    self.more().await?;
                    continue;
                }
                Err(_) => return Err(Failure::Class(ErrorClass::Other)),
            };
            self.buf.advance(used);
            if size == 0 {
                return self.skip_trailers().await.map(|()| total);
            }
            total += size;
            self.skip(size).await?;
            self.expect_crlf().await?;
        }
    }

    async fn expect_crlf(&mut self) -> Result<(), Failure> {
        while self.buf.len() < 2 {
            self.more().await?;
        }
        if &self.buf[..2] != b"\r\n" {
            return Err(Failure::Class(ErrorClass::Other));
        }
        self.buf.advance(2);
        Ok(())
    }

    /// Trailer lines after the last chunk, up to the empty line.
    async fn skip_trailers(&mut self) -> Result<(), Failure> {
        loop {
            match self.buf.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    self.buf.advance(2);
                    return Ok(());
                }
                Some(i) => self.buf.advance(i + 2),
                None if self.buf.len() > MAX_HEAD => {
                    return Err(Failure::Class(ErrorClass::Other));
                }
                None => self.more().await?,
            }
        }
    }
}

/// What the response head says about its body.
struct Framing {
    status: u16,
    length: Option<u64>,
    chunked: bool,
    close: bool,
}

impl Framing {
    /// Reads the framing headers; the names are compared by length first and the values as
    /// bytes, since this runs once per response.
    fn of(resp: &httparse::Response<'_, '_>) -> Framing {
        let mut f = Framing {
            status: resp.code.unwrap_or(0),
            length: None,
            chunked: false,
            close: resp.version == Some(0),
        };
        for h in resp.headers.iter() {
            let name = h.name.as_bytes();
            let value = h.value.trim_ascii();
            match name.len() {
                14 if name.eq_ignore_ascii_case(b"content-length") => {
                    f.length = parse_length(value);
                }
                17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                    f.chunked = value
                        .rsplit(|&b| b == b',')
                        .next()
                        .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                }
                10 if name.eq_ignore_ascii_case(b"connection") => {
                    let has = |token: &[u8]| {
                        value
                            .split(|&b| b == b',')
                            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
                    };
                    f.close = has(b"close") || (f.close && !has(b"keep-alive"));
                }
                _ => {}
            }
        }
        f
    }
}

/// A `Content-Length` value: decimal digits only, at most 19 of them (no overflow).
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        value
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')),
    )
}

/// The request as bytes on the wire: request line, `Host`, the headers, a `Content-Length`
/// when there is a body (or the method carries one), the body.
pub(crate) fn encode(
    method: &Method,
    uri: &Uri,
    host: &[u8],
    headers: &HeaderMap,
    body: &[u8],
) -> Bytes {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = BytesMut::with_capacity(64 + target.len() + body.len() + 32 * headers.len());
    out.extend_from_slice(method.as_str().as_bytes());
    out.extend_from_slice(b" ");
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(host);
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if name == hyper::header::HOST {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let carries_body =
        !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    if carries_body && !headers.contains_key(hyper::header::CONTENT_LENGTH) {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    /// Runs one exchange against a peer that answers `response` (in pieces of `piece` bytes)
    /// and then closes its end.
    async fn exchange(
        response: &'static [u8],
        piece: usize,
        head: bool,
    ) -> (Result<(u16, u64), Failure>, bool) {
        let (client, mut server) = duplex(1 << 20);
        let task = tokio::spawn(async move {
            let mut req = vec![0u8; 4096];
            let _ = server.read(&mut req).await;
            for part in response.chunks(piece) {
                server.write_all(part).await.unwrap();
                server.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        let mut h1 = H1::new(Box::new(client));
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            h1.exchange(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", head),
        )
        .await
        .expect("the exchange ends");
        task.await.unwrap();
        (r, h1.is_open())
    }

    #[tokio::test]
    async fn content_length_chunked_and_close_delimited_bodies() {
        for piece in [1, 7, 4096] {
            let (r, open) = exchange(
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                piece,
                false,
            )
            .await;
            assert_eq!((r, open), (Ok((200, 5)), true), "piece {piece}");
            let (r, open) = exchange(
                b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n",
                piece,
                false,
            )
            .await;
            assert_eq!((r, open), (Ok((201, 11)), true), "piece {piece}");
            let (r, open) = exchange(
                b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nboom",
                piece,
                false,
            )
            .await;
            assert_eq!((r, open), (Ok((500, 4)), false), "piece {piece}");
            let (r, _) = exchange(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
                piece,
                false,
            )
            .await;
            assert_eq!(r, Ok((204, 0)), "piece {piece}");
        }
        // HEAD: a Content-Length without a body.
        let (r, open) =
            exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 4096, true).await;
        assert_eq!((r, open), (Ok((200, 0)), true));
        // HTTP/1.0 closes unless it says keep-alive.
        let (_, open) =
            exchange(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 4096, false).await;
        assert!(!open);
    }

    #[tokio::test]
    async fn malformed_truncated_and_oversized_responses_are_errors() {
        let other = Err(Failure::Class(ErrorClass::Other));
        for bad in [
            &b"NOT HTTP\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        ] {
            let (r, open) = exchange(bad, 4096, false).await;
            assert_eq!(
                (r, open),
                (other, false),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let huge: &'static [u8] = Box::leak(
            format!(
                "HTTP/1.1 200 OK\r\nx: {}\r\n\r\n",
                "a".repeat(MAX_HEAD + 10)
            )
            .into_bytes()
            .into_boxed_slice(),
        );
        let (r, _) = exchange(huge, 4096, false).await;
        assert_eq!(r, other);
        // Nothing at all on a fresh connection is an error, not a stale connection.
        let (r, _) = exchange(b"", 1, false).await;
        assert_eq!(r, other);
    }

    #[tokio::test]
    async fn a_reused_connection_closed_by_the_server_is_stale() {
        let (client, mut server) = duplex(1 << 16);
        let task = tokio::spawn(async move {
            let mut req = vec![0u8; 4096];
            let _ = server.read(&mut req).await;
            server
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await
                .unwrap();
            let _ = server.read(&mut req).await;
            // Closes without answering the second request.
        });
        let mut h1 = H1::new(Box::new(client));
        let req = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n";
        assert_eq!(h1.exchange(req, false).await, Ok((200, 2)));
        assert_eq!(h1.exchange(req, false).await, Err(Failure::Stale));
        task.await.unwrap();
        assert!(!h1.is_open());
    }

    #[test]
    fn content_lengths_are_digits_only() {
        assert_eq!(parse_length(b"0"), Some(0));
        assert_eq!(parse_length(b"612"), Some(612));
        assert_eq!(
            parse_length(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for bad in [
            &b""[..],
            b"-1",
            b"+5",
            b"1 2",
            b"0x10",
            b"99999999999999999999",
        ] {
            assert_eq!(parse_length(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn requests_are_encoded_with_host_headers_and_length() {
        let mut headers = HeaderMap::new();
        headers.insert("user-agent", "t".parse().unwrap());
        let get = encode(
            &Method::GET,
            &"/a?b=1".parse().unwrap(),
            b"h:1",
            &headers,
            b"",
        );
        assert_eq!(
            &get[..],
            b"GET /a?b=1 HTTP/1.1\r\nhost: h:1\r\nuser-agent: t\r\n\r\n"
        );
        let post = encode(&Method::POST, &"/p".parse().unwrap(), b"h", &headers, b"{}");
        assert_eq!(
            &post[..],
            b"POST /p HTTP/1.1\r\nhost: h\r\nuser-agent: t\r\ncontent-length: 2\r\n\r\n{}"
        );
    }
}
