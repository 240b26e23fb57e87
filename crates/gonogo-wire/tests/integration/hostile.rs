//! Small TCP servers that speak just enough of a protocol to misbehave.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a hostile server answers once the client has spoken.
#[derive(Clone, Copy)]
pub enum Misbehaviour {
    /// A message (or reply) header announcing 1 GiB, then bytes without end.
    AnnounceGigabyte,
    /// Small, well-formed messages without end.
    Endless,
    /// One byte every 200 ms, never a whole message.
    Trickle,
}

pub enum Protocol {
    Postgres,
    Redis,
}

/// A server on a free loopback port that misbehaves toward every client.
pub async fn serve(protocol: Protocol, how: Misbehaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let protocol = std::sync::Arc::new(protocol);
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let protocol = protocol.clone();
            tokio::spawn(async move {
                let _ = answer(s, &protocol, how).await;
            });
        }
    });
    addr
}

async fn answer(mut s: TcpStream, protocol: &Protocol, how: Misbehaviour) -> std::io::Result<()> {
    let mut request = [0u8; 4096];
    let _ = s.read(&mut request).await?;
    let (header, filler): (Vec<u8>, Vec<u8>) = match (protocol, how) {
        (Protocol::Postgres, Misbehaviour::AnnounceGigabyte) => {
            let mut h = vec![b'R'];
            h.extend_from_slice(&((1u32 << 30) + 4).to_be_bytes());
            (h, vec![0; 64 * 1024])
        }
        (Protocol::Postgres, Misbehaviour::Endless) => {
            // NoticeResponse messages: a client reads them at any time.
            let body = b"SNOTICE\0Mhello\0\0";
            let mut m = vec![b'N'];
            m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
            m.extend_from_slice(body);
            (Vec::new(), m.repeat(2048))
        }
        (Protocol::Redis, Misbehaviour::AnnounceGigabyte) => {
            (b"$1073741824\r\n".to_vec(), vec![b'x'; 64 * 1024])
        }
        (Protocol::Redis, Misbehaviour::Endless) => (b"+".to_vec(), vec![b'a'; 64 * 1024]),
        (_, Misbehaviour::Trickle) => {
            let start: &[u8] = match protocol {
                Protocol::Postgres => &[b'N', 0, 0, 4, 0],
                Protocol::Redis => b"+",
            };
            s.write_all(start).await?;
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                s.write_all(b"a").await?;
            }
        }
    };
    s.write_all(&header).await?;
    loop {
        s.write_all(&filler).await?;
    }
}
