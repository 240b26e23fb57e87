//! [`Relay`]: a Unix socket in a private directory whose connections are piped to a server
//! through a [`Capped`] stream, for drivers that open their own sockets.

use crate::capped::{Capped, Cut, Framing, Limits};
use std::future::Future;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// How long the relay waits to reach the server for one connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The server a relay pipes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    Tcp(String, u16),
    Unix(PathBuf),
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upstream::Tcp(host, port) if host.contains(':') => write!(f, "[{host}]:{port}"),
            Upstream::Tcp(host, port) => write!(f, "{host}:{port}"),
            Upstream::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A connection to a server, over TCP or a Unix socket.
pub enum Connection {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Upstream {
    /// Connect to the server (unbounded in time: callers bound the wait).
    pub async fn connect(&self) -> io::Result<Connection> {
        Ok(match self {
            Upstream::Tcp(host, port) => {
                let s = TcpStream::connect((host.as_str(), *port)).await?;
                s.set_nodelay(true)?;
                Connection::Tcp(s)
            }
            Upstream::Unix(path) => Connection::Unix(UnixStream::connect(path).await?),
        })
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Connection::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Connection::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(s) => Pin::new(s).poll_flush(cx),
            Connection::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Connection::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A listening relay. Dropping it stops it: the listener, every piped connection, and its
/// socket directory, which is removed.
pub struct Relay {
    dir: PathBuf,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    /// Listen at `socket_name` in a new private directory and pipe each connection made there
    /// to `upstream` under `limits`, reading the server's bytes through `F`. A server that
    /// cannot be reached is told to the client through [`Framing::refusal`].
    pub fn serve<F: Framing + Default>(
        upstream: Upstream,
        socket_name: &str,
        limits: Limits,
    ) -> io::Result<Relay> {
        let (socket_dir, listener) = listen(socket_name)?;
        let dir = socket_dir.dir.clone();
        let task = tokio::spawn(async move {
            let _socket_dir = socket_dir;
            let mut pipes = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { break };
                        pipes.spawn(connect_and_pipe::<F>(client, upstream.clone(), limits));
                    }
                    Some(_) = pipes.join_next(), if !pipes.is_empty() => {}
                }
            }
        });
        Ok(Relay {
            dir,
            task: Some(task),
        })
    }

    /// Like [`serve`](Self::serve), for one connection, made to `upstream` before the relay
    /// listens (so a server that cannot be reached is this error, not the driver's; the caller
    /// bounds the wait). The socket is removed once the client has connected.
    pub async fn connect_one<F: Framing + Default>(
        upstream: &Upstream,
        socket_name: &str,
        limits: Limits,
    ) -> io::Result<Relay> {
        let server = upstream.connect().await?;
        let (socket_dir, listener) = listen(socket_name)?;
        let dir = socket_dir.dir.clone();
        let task = tokio::spawn(async move {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            drop(listener);
            drop(socket_dir);
            pipe(client, server, F::default(), limits).await;
        });
        Ok(Relay {
            dir,
            task: Some(task),
        })
    }

    /// The directory holding the relay's socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Detach the relay: it serves until `until` resolves (a pool's close event), however
    /// long this handle lives.
    pub fn serve_until(mut self, until: impl Future<Output = ()> + Send + 'static) {
        if let Some(task) = self.task.take() {
            tokio::spawn(async move {
                until.await;
                task.abort();
            });
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A relay's private directory (mode 0700: only this user can reach the socket), removed
/// with the socket when dropped.
struct SocketDir {
    dir: PathBuf,
    socket: PathBuf,
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The name of every relay directory starts so: `gonogo-relay-<pid>-…`.
const DIR_PREFIX: &str = "gonogo-relay-";

/// Removes the relay directories of processes that are gone (killed, or ended before a pool's
/// relay stopped): only their sockets, and the directory once empty.
fn sweep_stale(base: &Path) {
    // Whether a process is alive is read from /proc; without it nothing is swept.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let dir = entry.path();
        if let Ok(inner) = std::fs::read_dir(&dir) {
            for f in inner.flatten() {
                if f.file_type().is_ok_and(|t| t.is_socket()) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
        let _ = std::fs::remove_dir(&dir);
    }
}

fn listen(socket_name: &str) -> io::Result<(SocketDir, UnixListener)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    sweep_stale(&base);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for _ in 0..16 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("{DIR_PREFIX}{}-{n}-{nanos:x}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot make the relay directory {}: {e}", dir.display()),
                ));
            }
        }
        let socket_dir = SocketDir {
            socket: dir.join(socket_name),
            dir,
        };
        let listener = UnixListener::bind(&socket_dir.socket).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot listen at {}: {e}", socket_dir.socket.display()),
            )
        })?;
        return Ok((socket_dir, listener));
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "cannot make a relay directory: every name tried exists",
    ))
}

async fn connect_and_pipe<F: Framing + Default>(
    mut client: UnixStream,
    upstream: Upstream,
    limits: Limits,
) {
    let why = match tokio::time::timeout(CONNECT_TIMEOUT, upstream.connect()).await {
        Ok(Ok(server)) => return pipe(client, server, F::default(), limits).await,
        Ok(Err(e)) => format!("cannot connect to {upstream}: {e}"),
        Err(_) => format!(
            "cannot connect to {upstream}: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ),
    };
    if let Some(msg) = F::default().refusal(&why) {
        let _ = client.write_all(&msg).await;
    }
}

async fn pipe<F: Framing>(client: UnixStream, server: Connection, framing: F, limits: Limits) {
    pipe_through(client, Capped::new(server, framing, limits)).await;
}

/// Bytes both ways until either side ends or the server side is cut. A cut between messages
/// is told to the client in its protocol.
async fn pipe_through<S, F>(mut client: UnixStream, mut server: Capped<S, F>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Framing,
{
    let mut from_client = vec![0u8; 16 * 1024];
    let mut from_server = vec![0u8; 16 * 1024];
    loop {
        // Both reads are cancel-safe: the one not chosen has consumed nothing.
        tokio::select! {
            r = client.read(&mut from_client) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if server.write_all(&from_client[..n]).await.is_err() {
                        return;
                    }
                }
            },
            r = server.read(&mut from_server) => match r {
                Ok(0) => return,
                Ok(n) => {
                    if client.write_all(&from_server[..n]).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    if let Some(cut) = Cut::of(&e)
                        && cut.is_between_messages()
                        && let Some(msg) = server.refusal(&cut.to_string())
                    {
                        let _ = client.write_all(&msg).await;
                    }
                    return;
                }
            },
        }
    }
}
