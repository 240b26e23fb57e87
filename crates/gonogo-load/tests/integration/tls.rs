//! `https://` targets: TLS over tokio-rustls, HTTP/2 chosen by ALPN, HTTP/1.1 when asked, and
//! an untrusted certificate refused unless `insecure`. The target is axum behind a rustls
//! acceptor with an rcgen self-signed certificate, on 127.0.0.1:0.

use axum::Router;
use axum::routing::get;
use gonogo_load::{Control, HttpVersion, LoadConfig, LoadReport, Model, Scenario, Stop};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that refuses the certificate fails the handshake: wait for the next.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// An HTTPS target offering h2 and http/1.1 by ALPN.
fn tls_target() -> SocketAddr {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(tcp.local_addr().unwrap()).unwrap();
            let app = Router::new().route("/ok", get(|| async { "secure" }));
            axum::serve(TlsListener { tcp, acceptor }, app)
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

fn run(addr: SocketAddr, http: HttpVersion, insecure: bool) -> LoadReport {
    let url = format!("https://{addr}/ok");
    let mut cfg = LoadConfig::new(Scenario::single(&url).unwrap());
    cfg.warmup = Duration::ZERO;
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(20);
    cfg.threads = 1;
    cfg.http = http;
    cfg.insecure = insecure;
    gonogo_load::run(&cfg, &Control::new(), &mut |_| {}).unwrap()
}

#[test]
fn alpn_picks_http2_on_https() {
    let addr = tls_target();
    let r = run(addr, HttpVersion::Auto, true);
    assert_eq!(r.protocol, Some("HTTP/2"));
    assert_eq!(r.ok, 20);
    assert_eq!(r.bytes_received, 20 * 6);
}

#[test]
fn http1_when_asked() {
    let addr = tls_target();
    let r = run(addr, HttpVersion::Http1, true);
    assert_eq!(r.protocol, Some("HTTP/1.1"));
    assert_eq!(r.ok, 20);
}

#[test]
fn an_untrusted_certificate_is_a_connect_error() {
    let addr = tls_target();
    let r = run(addr, HttpVersion::Auto, false);
    assert_eq!(r.errors.connect, 20);
    assert!(!r.pass);
}
