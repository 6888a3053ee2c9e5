//! In-process loopback servers for TLS corner cases a real database server
//! cannot easily be made to show: direct TLS with ALPN, post-handshake
//! alerts, servers that speak something else, servers that say nothing.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::pki::Issued;

/// What the server does before TLS.
#[derive(Clone, Copy, Debug)]
pub enum Before {
    /// TLS from the first byte.
    Nothing,
    /// Read PostgreSQL's 8-byte SSLRequest, answer `S`.
    PgSslRequest,
}

pub struct TlsServerSpec {
    pub chain: Vec<Vec<u8>>,
    pub key_pem: String,
    pub before: Before,
    pub alpn: Vec<Vec<u8>>,
    /// Refuse connections whose negotiated ALPN is not this (PostgreSQL 17 direct TLS).
    pub require_alpn: Option<Vec<u8>>,
    /// Require a client certificate from this CA (DER).
    pub client_ca: Option<Vec<u8>>,
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
}

impl TlsServerSpec {
    pub fn new(leaf: &Issued, extra_chain: &[Vec<u8>]) -> TlsServerSpec {
        let mut chain = vec![leaf.cert_der.clone()];
        chain.extend(extra_chain.iter().cloned());
        TlsServerSpec {
            chain,
            key_pem: leaf.key_pem.clone(),
            before: Before::Nothing,
            alpn: Vec::new(),
            require_alpn: None,
            client_ca: None,
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Start a TLS server on 127.0.0.1 in a background thread; it runs until
/// the test process ends.
pub fn start(spec: TlsServerSpec) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    let key = PrivateKeyDer::Pkcs8(
        PrivatePkcs8KeyDer::from_pem_slice(spec.key_pem.as_bytes()).expect("PKCS#8 key"),
    );
    let chain: Vec<CertificateDer<'static>> = spec
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&spec.versions)
        .expect("versions");
    let builder = match &spec.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from(ca.clone()))
                .expect("client CA");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).expect("server config");
    config.alpn_protocols = spec.alpn.clone();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let before = spec.before;
    let require_alpn = spec.require_alpn.clone();

    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::from_std(std_listener).unwrap();
            while let Ok((mut stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let require_alpn = require_alpn.clone();
                tokio::spawn(async move {
                    let one = async {
                        if let Before::PgSslRequest = before {
                            let mut req = [0u8; 8];
                            stream.read_exact(&mut req).await.ok()?;
                            stream.write_all(b"S").await.ok()?;
                        }
                        let mut tls = acceptor.accept(stream).await.ok()?;
                        if let Some(want) = &require_alpn {
                            let (_, conn) = tls.get_ref();
                            if conn.alpn_protocol() != Some(want.as_slice()) {
                                return None;
                            }
                        }
                        let mut buf = [0u8; 1024];
                        while tls.read(&mut buf).await.ok()? > 0 {}
                        Some(())
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(10), one).await;
                });
            }
        });
    });
    addr
}

/// A server that sends `bytes` on connect and then waits.
pub fn start_raw(bytes: &'static [u8]) -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            thread::spawn(move || {
                use std::io::Write;
                let _ = s.write_all(bytes);
                thread::sleep(Duration::from_secs(5));
            });
        }
    });
    addr
}
