//! [`Capped`]: a stream whose server side is read through its protocol's framing, under a
//! per-message cap, a total byte budget and a time budget.

use crate::size;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What one connection may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message (PostgreSQL) or reply (Redis) the server may announce or send.
    max_message: u64,
    /// Most elements one reply may hold (Redis arrays, maps, sets).
    max_elements: u64,
    /// Most bytes the server may send over the connection's life.
    max_total: Option<u64>,
    /// Longest the connection may live.
    lifetime: Option<Duration>,
}

impl Limits {
    /// A live check's connection: it reads catalogue rows and server introspection, never
    /// bulk data. The check's own timeout ends it sooner; the lifetime is a backstop.
    pub const LIVE: Limits = Limits {
        max_message: 16 << 20,
        max_elements: 1 << 16,
        max_total: Some(64 << 20),
        lifetime: Some(Duration::from_secs(300)),
    };

    /// A store's pooled connection: lives as long as the store, reads stored reports (one row
    /// holds one report, well under the cap).
    pub const STORE: Limits = Limits {
        max_message: 64 << 20,
        max_elements: 1 << 20,
        max_total: None,
        lifetime: None,
    };

    /// The cap on one message (PostgreSQL) or reply (Redis).
    pub fn max_message(&self) -> u64 {
        self.max_message
    }

    /// A smaller message cap; the limits only ever go down.
    pub fn with_max_message(mut self, n: u64) -> Self {
        self.max_message = self.max_message.min(n);
        self
    }

    /// A smaller total budget; the limits only ever go down.
    pub fn with_max_total(mut self, n: u64) -> Self {
        self.max_total = Some(self.max_total.map_or(n, |t| t.min(n)));
        self
    }

    /// A shorter lifetime; the limits only ever go down.
    pub fn with_lifetime(mut self, d: Duration) -> Self {
        self.lifetime = Some(self.lifetime.map_or(d, |l| l.min(d)));
        self
    }

    pub(crate) fn max_elements(&self) -> u64 {
        self.max_elements
    }

    pub(crate) fn max_total(&self) -> Option<u64> {
        self.max_total
    }
}

/// Why a connection was cut. It is the error reads fail with (inside an [`io::Error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    why: String,
    /// The stream position of the first byte not passed on, when everything before it is
    /// whole messages (the cut falls between two messages).
    pub(crate) at: Option<u64>,
    timed_out: bool,
}

impl Cut {
    /// A cut at stream position `at`, between two messages.
    pub fn between(why: impl Into<String>, at: u64) -> Self {
        Cut {
            why: why.into(),
            at: Some(at),
            timed_out: false,
        }
    }

    /// A cut within a message.
    pub fn within(why: impl Into<String>) -> Self {
        Cut {
            why: why.into(),
            at: None,
            timed_out: false,
        }
    }

    /// The reason, in words.
    pub fn why(&self) -> &str {
        &self.why
    }

    /// Whether the cut falls between two messages (the client can be told in its protocol).
    pub fn is_between_messages(&self) -> bool {
        self.at.is_some()
    }

    /// The cut an I/O error stands for, if it is one.
    pub fn of(e: &io::Error) -> Option<&Cut> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Cut>())
    }

    fn to_io(&self) -> io::Error {
        let kind = if self.timed_out {
            io::ErrorKind::TimedOut
        } else {
            io::ErrorKind::InvalidData
        };
        io::Error::new(kind, self.clone())
    }
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connection cut by gonogo: {}", self.why)
    }
}

impl std::error::Error for Cut {}

/// A protocol's framing, read as the server's bytes pass.
pub trait Framing: Send + Unpin + 'static {
    /// Bytes the client sent (the startup may change how the server's answers are framed).
    fn client(&mut self, _bytes: &[u8]) {}

    /// The server's next bytes, which begin at stream position `pos`. Returns the position up
    /// to which bytes may be passed on: a header not yet whole is held back, so a cut on it
    /// falls between messages. `Err` when the bytes break `limits` or the protocol.
    fn server(&mut self, bytes: &[u8], pos: u64, limits: &Limits) -> Result<u64, Cut>;

    /// What to send the client, in its protocol, to say the connection ends for `why` (a cut
    /// between messages, a server that cannot be reached); `None` when it has no way to say so.
    fn refusal(&self, _why: &str) -> Option<Vec<u8>> {
        None
    }
}

/// A stream to a server whose replies are read through `F` under [`Limits`].
pub struct Capped<S, F> {
    inner: S,
    framing: F,
    limits: Limits,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Server bytes read and not yet handed out: `[start, ready)` may be handed out,
    /// `[ready, end)` are held back by the framing.
    buf: Box<[u8]>,
    start: usize,
    ready: usize,
    end: usize,
    /// Stream position of `buf[0]`.
    base: u64,
    cut: Option<Cut>,
}

const BUF: usize = 16 * 1024;

impl<S, F: Framing> Capped<S, F> {
    /// Wrap `inner`; the time budget starts now (this needs a tokio runtime when the limits
    /// have a lifetime).
    pub fn new(inner: S, framing: F, limits: Limits) -> Self {
        Capped {
            inner,
            framing,
            limits,
            deadline: limits.lifetime.map(|d| Box::pin(tokio::time::sleep(d))),
            buf: vec![0; BUF].into_boxed_slice(),
            start: 0,
            ready: 0,
            end: 0,
            base: 0,
            cut: None,
        }
    }

    /// Why the connection was cut, once it was.
    pub fn cut(&self) -> Option<&Cut> {
        self.cut.as_ref()
    }

    /// What the framing would send the client to say the connection ends for `why`.
    pub fn refusal(&self, why: &str) -> Option<Vec<u8>> {
        self.framing.refusal(why)
    }

    /// Record a cut: what came before it (whole messages) may still be handed out, nothing
    /// after. A cut whose offending header was partly handed out already is within a message.
    fn cut_at(&mut self, mut cut: Cut) {
        let handed_out = self.base + self.start as u64;
        let keep_to = match cut.at {
            Some(at) if at >= handed_out && at <= self.base + self.end as u64 => at,
            _ => {
                cut.at = None;
                handed_out
            }
        };
        self.ready = (keep_to - self.base) as usize;
        self.end = self.ready;
        self.cut = Some(cut);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        match &mut self.deadline {
            Some(d) => d.as_mut().poll(cx).is_ready(),
            None => false,
        }
    }

    fn time_cut(&self) -> Cut {
        Cut {
            why: format!(
                "the connection outlived its time budget of {} s",
                self.limits.lifetime.map_or(0, |d| d.as_secs())
            ),
            at: None,
            timed_out: true,
        }
    }
}

impl<S: AsyncRead + Unpin, F: Framing> AsyncRead for Capped<S, F> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.start < this.ready {
                let n = (this.ready - this.start).min(out.remaining());
                out.put_slice(&this.buf[this.start..this.start + n]);
                this.start += n;
                return Poll::Ready(Ok(()));
            }
            if let Some(cut) = &this.cut {
                return Poll::Ready(Err(cut.to_io()));
            }
            if this.expired(cx) {
                let cut = this.time_cut();
                this.cut_at(cut);
                continue;
            }
            // Only held-back bytes remain: move them to the front and read more behind them.
            if this.start > 0 {
                this.buf.copy_within(this.start..this.end, 0);
                this.base += this.start as u64;
                this.end -= this.start;
                this.ready = 0;
                this.start = 0;
            }
            if this.end == this.buf.len() {
                this.cut_at(Cut::within("a message header longer than the read buffer"));
                continue;
            }
            let mut rb = ReadBuf::new(&mut this.buf[this.end..]);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            let n = rb.filled().len();
            if n == 0 {
                // End of stream: whatever was held back is all there is.
                this.ready = this.end;
                if this.start == this.ready {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            let pos = this.base + this.end as u64;
            let new = this.end..this.end + n;
            this.end += n;
            let total = this.base + this.end as u64;
            if let Some(max) = this.limits.max_total
                && total > max
            {
                let cut = Cut::within(format!(
                    "the server sent more than the connection's budget of {}",
                    size(max)
                ));
                // The framing may still place the cut between messages.
                let cut = match this.framing.server(&this.buf[new], pos, &this.limits) {
                    Err(c) if c.at.is_some() => c,
                    _ => cut,
                };
                this.cut_at(cut);
                continue;
            }
            match this.framing.server(&this.buf[new], pos, &this.limits) {
                Ok(safe) => this.ready = (safe.saturating_sub(this.base) as usize).min(this.end),
                Err(cut) => this.cut_at(cut),
            }
        }
    }
}

impl<S: AsyncWrite + Unpin, F: Framing> AsyncWrite for Capped<S, F> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(cut) = &this.cut {
            return Poll::Ready(Err(cut.to_io()));
        }
        if this.expired(cx) {
            let cut = this.time_cut();
            this.cut_at(cut.clone());
            return Poll::Ready(Err(cut.to_io()));
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.framing.client(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
