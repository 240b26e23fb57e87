//! One client connection: TCP (optionally TLS), HTTP/1.1 with gonogo's own framing
//! ([`crate::h1`]) or HTTP/2 over hyper's connection API, with no pool in between — each
//! worker connection owns its sender.

use crate::config::HttpVersion;
use crate::h1::{Failure, H1};
use crate::stats::ErrorClass;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2;
use hyper::{Request, Response, body::Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

pub(crate) type Body = Full<Bytes>;

/// How to reach the target; built once per run.
pub(crate) struct Dialer {
    pub addr: SocketAddr,
    pub tls: Option<(TlsConnector, ServerName<'static>)>,
    pub http: HttpVersion,
    pub connect_timeout: Duration,
}

pub(crate) enum Sender {
    H1(H1),
    H2(http2::SendRequest<Body>),
}

impl Sender {
    pub fn is_h2(&self) -> bool {
        matches!(self, Sender::H2(_))
    }

    pub fn protocol(&self) -> &'static str {
        if self.is_h2() { "HTTP/2" } else { "HTTP/1.1" }
    }

    /// Waits until the connection can take a request; `false` when it has closed.
    pub async fn ready(&mut self) -> bool {
        match self {
            Sender::H1(s) => s.is_open(),
            Sender::H2(s) => !s.is_closed() && s.ready().await.is_ok(),
        }
    }

    /// HTTP/1.1: writes `request` (already encoded) and reads the whole response.
    pub async fn exchange_h1(&mut self, request: &[u8], head: bool) -> Result<(u16, u64), Failure> {
        match self {
            Sender::H1(s) => s.exchange(request, head).await,
            Sender::H2(_) => Err(Failure::Class(ErrorClass::Other)),
        }
    }

    /// HTTP/2: sends one request and reads the whole body; the status and the body length.
    pub async fn exchange_h2(&mut self, req: Request<Body>) -> Result<(u16, u64), ErrorClass> {
        let resp: Response<Incoming> = match self {
            Sender::H2(s) => s.send_request(req).await,
            Sender::H1(_) => return Err(ErrorClass::Other),
        }
        .map_err(|_| ErrorClass::Other)?;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let mut bytes = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| ErrorClass::Other)?;
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
            }
        }
        Ok((status, bytes))
    }
}

impl Dialer {
    /// Opens a connection and completes the HTTP handshake.
    pub async fn connect(&self) -> Result<Sender, ErrorClass> {
        let fut = async {
            let tcp = TcpStream::connect(self.addr)
                .await
                .map_err(|_| ErrorClass::Connect)?;
            let _ = tcp.set_nodelay(true);
            match &self.tls {
                None => handshake(tcp, self.http == HttpVersion::Http2).await,
                Some((connector, name)) => {
                    let tls = connector
                        .connect(name.clone(), tcp)
                        .await
                        .map_err(|_| ErrorClass::Connect)?;
                    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    handshake(tls, h2).await
                }
            }
        };
        tokio::time::timeout(self.connect_timeout, fut)
            .await
            .unwrap_or(Err(ErrorClass::Connect))
    }
}

async fn handshake<S>(io: S, h2: bool) -> Result<Sender, ErrorClass>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if !h2 {
        return Ok(Sender::H1(H1::new(Box::new(io))));
    }
    let io = TokioIo::new(io);
    {
        let (sender, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(io)
            .await
            .map_err(|_| ErrorClass::Connect)?;
        tokio::task::spawn_local(conn);
        Ok(Sender::H2(sender))
    }
}

/// The TLS client configuration: the Mozilla roots (or no verification with `insecure`) and
/// ALPN offering what `http` allows.
pub(crate) fn tls_connector(http: HttpVersion, insecure: bool) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = match http {
        HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersion::Http2 => vec![b"h2".to_vec()],
    };
    TlsConnector::from(Arc::new(config))
}

/// `--insecure`: accepts any certificate, still checks the handshake signatures.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
