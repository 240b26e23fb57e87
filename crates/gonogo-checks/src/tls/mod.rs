//! Live TLS checks: a handshake that records (rather than aborts on) certificate problems, and a
//! raw probe for TLS 1.0/1.1, which rustls cannot speak.

pub mod cert;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Verifies like a browser (webpki against the roots) but records the verdict and lets the
/// handshake finish, so the protocol, the cipher and the chain can be reported even for a
/// certificate that is expired or for another host.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), rustls::Error>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let r = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// What a completed handshake showed.
#[derive(Debug)]
pub struct Handshake {
    /// The chain's verdict for the host name: `Ok` or webpki's reason.
    pub verdict: Result<(), rustls::Error>,
    pub protocol: String,
    pub cipher: String,
    /// The server's chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
}

/// Trust anchors: the Mozilla roots, or the certificates of a PEM file.
pub fn roots(ca_pem: Option<&[u8]>) -> Result<RootCertStore, String> {
    match ca_pem {
        None => Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        Some(pem) => {
            use rustls::pki_types::pem::PemObject;
            let mut store = RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem) {
                let c = c.map_err(|e| format!("not a PEM certificate file ({e})"))?;
                store
                    .add(c)
                    .map_err(|e| format!("a certificate cannot be used as a trust anchor ({e})"))?;
            }
            if store.is_empty() {
                return Err("no certificate in the file".into());
            }
            Ok(store)
        }
    }
}

/// Connect and complete a TLS 1.2/1.3 handshake within `timeout`.
pub async fn handshake(
    addr: &str,
    name: ServerName<'static>,
    roots: RootCertStore,
    timeout: Duration,
) -> Result<Handshake, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("cannot build the verifier: {e}"))?;
    let verifier = Arc::new(RecordingVerifier {
        inner,
        verdict: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let work = async {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
        let (_, conn) = tls.get_ref();
        let protocol = conn
            .protocol_version()
            .map(|v| match v {
                rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_string(),
                rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_string(),
                other => format!("{other:?}"),
            })
            .unwrap_or_else(|| "unknown".into());
        let cipher = conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_else(|| "unknown".into());
        let chain = conn
            .peer_certificates()
            .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
            .unwrap_or_default();
        Ok::<_, String>((protocol, cipher, chain))
    };
    let (protocol, cipher, chain) = tokio::time::timeout(timeout, work).await.map_err(|_| {
        format!(
            "no TLS handshake with {addr} within {} s",
            timeout.as_secs_f64()
        )
    })??;
    let verdict = verifier
        .verdict
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_else(|| {
            Err(rustls::Error::General(
                "the certificate was not verified".into(),
            ))
        });
    Ok(Handshake {
        verdict,
        protocol,
        cipher,
        chain,
    })
}

/// How a server answered a ClientHello offering only a legacy protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Legacy {
    /// ServerHello with this version (0x0301 = TLS 1.0, 0x0302 = TLS 1.1).
    Accepted(u16),
    /// An alert, a close or a higher version: refused.
    Refused,
    /// No answer within the deadline or an unparsable one: not known.
    Unknown(String),
}

/// A minimal ClientHello whose only offer is `version` (0x0301 or 0x0302), with the cipher
/// suites and extensions servers of that era expect (SNI, groups, point formats).
pub fn legacy_client_hello(version: u16, host: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    // Random: fixed bytes are fine for a probe that never completes a handshake.
    body.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)));
    body.push(0); // session id
    let suites: [u16; 8] = [
        0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a, 0x00ff,
    ];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    if let Some(h) = host {
        let name = h.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        ext.extend_from_slice(&0u16.to_be_bytes());
        ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        ext.extend_from_slice(&sni);
    }
    // supported_groups: secp256r1, secp384r1, x25519
    ext.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x1d,
    ]);
    // ec_point_formats: uncompressed
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Offer only `version` and read the first record of the answer (at most 16 KiB).
pub async fn probe_legacy(
    addr: &str,
    host: Option<&str>,
    version: u16,
    timeout: Duration,
) -> Legacy {
    let work = async {
        let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        s.write_all(&legacy_client_hello(version, host))
            .await
            .map_err(|e| e.to_string())?;
        let mut head = [0u8; 5];
        if s.read_exact(&mut head).await.is_err() {
            return Ok(Legacy::Refused); // closed without a word
        }
        match head[0] {
            0x15 => return Ok(Legacy::Refused),
            0x16 => {}
            other => return Ok(Legacy::Unknown(format!("record type {other:#04x}"))),
        }
        let len = u16::from_be_bytes([head[3], head[4]]) as usize;
        let mut frag = vec![0u8; len.min(16 << 10)];
        s.read_exact(&mut frag).await.map_err(|e| e.to_string())?;
        if frag.len() < 6 || frag[0] != 0x02 {
            return Ok(Legacy::Unknown("no ServerHello".into()));
        }
        let v = u16::from_be_bytes([frag[4], frag[5]]);
        Ok::<_, String>(if v <= 0x0302 {
            Legacy::Accepted(v)
        } else {
            Legacy::Refused
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => Legacy::Unknown(e),
        Err(_) => Legacy::Unknown("no answer within the timeout".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_is_well_formed() {
        let h = legacy_client_hello(0x0301, Some("example.com"));
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        let rec_len = u16::from_be_bytes([h[3], h[4]]) as usize;
        assert_eq!(rec_len, h.len() - 5);
        assert_eq!(h[5], 0x01);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        assert_eq!(&h[9..11], &[0x03, 0x01]);
        assert!(h.windows(11).any(|w| w == b"example.com"));
    }
}
