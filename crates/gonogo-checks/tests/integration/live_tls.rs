//! `tls.cert` against real tokio-rustls listeners on 127.0.0.1:0, with certificates made here.

use gonogo_core::{CheckContext, CheckKind, Outcome, Params, Status};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration as TDuration, OffsetDateTime};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

struct Pki {
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn pki() -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(DnType::CommonName, "gonogo test CA");
    let cert = p.self_signed(&key).unwrap();
    Pki {
        ca_pem: cert.pem(),
        issuer: Issuer::new(p, key),
    }
}

/// A leaf for `names`, valid from `from_days` to `to_days` relative to now.
fn leaf(
    pki: &Pki,
    names: &[&str],
    from_days: i64,
    to_days: i64,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    let now = OffsetDateTime::now_utc();
    p.not_before = now + TDuration::days(from_days);
    p.not_after = now + TDuration::days(to_days);
    let cert = p.signed_by(&key, &pki.issuer).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// A TLS server answering every connection with a tiny HTTP response; returns its port.
async fn serve_tls(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

async fn check(port: u16, ca_pem: Option<&str>, extra: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut params = Params::new()
        .with("url", format!("https://127.0.0.1:{port}"))
        .with("host", "localhost")
        .with("timeout", "2s");
    if let Some(pem) = ca_pem {
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
        params.insert("ca", "ca.pem");
    }
    for (k, v) in extra {
        params.insert(k, *v);
    }
    let prepared = gonogo_checks::tls::cert::TlsCert.prepare(&params).unwrap();
    prepared
        .run(&CheckContext::new(dir.path().to_path_buf()))
        .await
}

fn codes(o: &Outcome) -> Vec<&'static str> {
    o.evidence.findings.iter().map(|f| f.code).collect()
}

#[tokio::test]
async fn valid_certificate_passes_with_protocol_and_cipher_as_evidence() {
    let pki = pki();
    let (c, k) = leaf(&pki, &["localhost"], -1, 90);
    let port = serve_tls(c, k).await;
    let o = check(port, Some(&pki.ca_pem), &[]).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    let observed = o.evidence.observed.as_deref().unwrap();
    assert!(observed.starts_with("TLS 1.3, TLS13_"), "{observed}");
    assert!(
        o.evidence.summary.contains("TLS 1.0/1.1 refused"),
        "{}",
        o.evidence.summary
    );
    assert!(
        o.evidence.summary.contains("89 days left") || o.evidence.summary.contains("90 days left")
    );
}

#[tokio::test]
async fn certificate_expiring_in_five_days_fails() {
    let pki = pki();
    let (c, k) = leaf(&pki, &["localhost"], -80, 5);
    let port = serve_tls(c, k).await;
    let o = check(port, Some(&pki.ca_pem), &[]).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["tls-cert-expiring"]);
    // A lower bound passes the same certificate.
    let o = check(port, Some(&pki.ca_pem), &[("min_days", "3")]).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
}

#[tokio::test]
async fn expired_certificate_fails() {
    let pki = pki();
    let (c, k) = leaf(&pki, &["localhost"], -90, -2);
    let port = serve_tls(c, k).await;
    let o = check(port, Some(&pki.ca_pem), &[]).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["tls-cert-expired"]);
}

#[tokio::test]
async fn wrong_host_name_fails() {
    let pki = pki();
    let (c, k) = leaf(&pki, &["other.example"], -1, 90);
    let port = serve_tls(c, k).await;
    let o = check(port, Some(&pki.ca_pem), &[]).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["tls-name-mismatch"]);
}

#[tokio::test]
async fn unknown_issuer_fails_against_the_public_roots() {
    let pki = pki();
    let (c, k) = leaf(&pki, &["localhost"], -1, 90);
    let port = serve_tls(c, k).await;
    let o = check(port, None, &[("legacy_probe", "false")]).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["tls-chain-invalid"]);
    assert!(o.evidence.findings[0].message.contains("unknown issuer"));
}

#[tokio::test]
async fn a_server_that_never_answers_is_an_error_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let started = std::time::Instant::now();
    let o = check(port, None, &[("timeout", "300ms")]).await;
    assert_eq!(o.status, Status::Error);
    assert!(
        o.evidence.summary.contains("no TLS handshake"),
        "{}",
        o.evidence.summary
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[tokio::test]
async fn legacy_probe_sees_a_server_hello_for_tls_1_0() {
    // A server of the old kind: answers any ClientHello with a TLS 1.0 ServerHello.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut hello = vec![0x02, 0x00, 0x00, 0x26, 0x03, 0x01];
            hello.extend([0u8; 32]);
            hello.extend([0x00, 0x00, 0x2f, 0x00]);
            let mut rec = vec![0x16, 0x03, 0x01, 0x00, hello.len() as u8];
            rec.extend(hello);
            let _ = s.write_all(&rec).await;
        }
    });
    let l = gonogo_checks::tls::probe_legacy(
        &addr,
        Some("localhost"),
        0x0301,
        std::time::Duration::from_secs(2),
    )
    .await;
    assert_eq!(l, gonogo_checks::tls::Legacy::Accepted(0x0301));
}

#[tokio::test]
async fn an_error_without_an_https_target() {
    let prepared = gonogo_checks::tls::cert::TlsCert
        .prepare(&Params::new())
        .unwrap();
    let mut ctx = CheckContext::new(std::env::temp_dir());
    let o = prepared.run(&ctx).await;
    assert_eq!(o.status, Status::Error);
    assert!(
        o.evidence
            .summary
            .starts_with("no tls_url or https api_url configured"),
        "{o:?}"
    );
    ctx.targets
        .insert("api_url".into(), "http://127.0.0.1:1".into());
    let o = prepared.run(&ctx).await;
    assert_eq!(o.status, Status::Error);
    assert!(
        o.evidence
            .summary
            .starts_with("no tls_url configured and api_url is not https"),
        "{o:?}"
    );
    // An unset tls_url is reported as such, not replaced by api_url.
    ctx.targets
        .insert("api_url".into(), "https://127.0.0.1:1".into());
    ctx.unset_targets
        .insert("tls_url".into(), vec!["TLS_URL".into()]);
    let o = prepared.run(&ctx).await;
    assert_eq!(
        (o.status, o.evidence.summary.as_str()),
        (
            Status::Error,
            "tls_url: $TLS_URL is not set (set it in the environment or pass --env-file)"
        )
    );
}
