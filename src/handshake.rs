//! The TLS handshake, with rustls, recording everything it saw.
//!
//! The certificate verifier here judges nothing: it records the chain and the
//! stapled OCSP response and lets the handshake finish, so that one handshake
//! can be judged under every mode and trust source afterwards. The handshake
//! signature *is* checked (it proves the server holds the key), but a failure
//! is recorded rather than fatal, for the same reason. No application data is
//! sent, except the one step a protocol needs after TLS ([`AfterTls`]:
//! MongoDB's `hello`).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::facts::sniff::{self, alert_name};
use crate::facts::tls::{AfterHandshake, CertificateRequest, HandshakeError, Session, TlsFacts};
use crate::facts::upgrade::{HelloExchange, HelloOutcome};
use crate::settings::TlsVersion;

/// What to offer in the ClientHello.
#[derive(Debug, Clone)]
pub struct Offer {
    /// SNI to send; `None` sends none.
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub min: Option<TlsVersion>,
    pub max: Option<TlsVersion>,
    pub timeout: Duration,
    /// A rough round-trip time, to size the wait for a post-handshake alert.
    pub rtt: Duration,
    /// Whether a CertificateRequest may end in a rejection after a TLS 1.3
    /// handshake, worth waiting longer for. MySQL-protocol servers ask every
    /// client for an optional certificate and check it only at login, so for
    /// them the request means nothing and the wait stays short.
    pub cert_request_may_reject: bool,
    /// The client certificate to present when the server asks for one.
    pub identity: Option<Arc<rustls::sign::CertifiedKey>>,
    /// `--user`: the protocol's login opening to send after the handshake.
    pub login: Option<crate::settings::Login>,
    /// What to do once the handshake is done, before close_notify.
    pub after_tls: AfterTls,
}

/// The application step after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterTls {
    /// Send nothing; read only what the server already sent (an alert).
    Listen,
    /// MongoDB: send one OP_MSG `hello` and read the reply (bounded, under
    /// the timeout). Its first read also shows a post-handshake alert.
    MongoHello,
}

/// Run the handshake on `stream` and close it cleanly.
pub async fn handshake(stream: TcpStream, offer: &Offer, host_for_name: &str) -> TlsFacts {
    let record = Arc::new(Record {
        identity: offer.identity.clone(),
        ..Record::default()
    });
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions = versions(offer);
    let mut facts = TlsFacts {
        sni_sent: offer.sni.clone(),
        alpn_offered: offer.alpn.clone(),
        versions_offered: versions.iter().map(|v| version_name(v.version)).collect(),
        session: None,
        failure: None,
        ocsp_stapled_bytes: 0,
        client_certificate_request: None,
        client_certificate_presented: false,
        login: None,
        handshake_signature_error: None,
        handshake_ms: 0.0,
        mongo_hello: None,
        chain_der: Vec::new(),
        ocsp_der: Vec::new(),
    };

    let config = match client_config(provider.clone(), &versions, record.clone(), offer) {
        Ok(c) => c,
        Err(e) => {
            facts.failure = Some(HandshakeError::Other {
                error: e.to_string(),
            });
            return facts;
        }
    };
    let server_name = server_name(offer.sni.as_deref(), host_for_name);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let peeking = Peeking {
        inner: stream,
        record: record.clone(),
    };

    let started = Instant::now();
    let result = tokio::time::timeout(offer.timeout, connector.connect(server_name, peeking)).await;
    facts.handshake_ms = started.elapsed().as_secs_f64() * 1000.0;

    match result {
        Err(_) => {
            facts.failure = Some(HandshakeError::Timeout {
                seconds: offer.timeout.as_secs_f64(),
            })
        }
        Ok(Err(e)) => {
            // The error path does not give the stream back; the verifier's
            // record still has what arrived before the failure.
            facts.failure = Some(classify(&e, &record.first_bytes()));
        }
        Ok(Ok(mut tls)) => {
            let (_, conn) = tls.get_ref();
            let version = conn
                .protocol_version()
                .map(version_name)
                .unwrap_or("unknown");
            let mut session = Session {
                version: version.to_string(),
                cipher_suite: conn
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite()))
                    .unwrap_or_default(),
                key_exchange_group: conn
                    .negotiated_key_exchange_group()
                    .map(|g| format!("{:?}", g.name())),
                alpn: conn
                    .alpn_protocol()
                    .map(|p| String::from_utf8_lossy(p).into_owned()),
                handshake_kind: match conn.handshake_kind() {
                    Some(rustls::HandshakeKind::Resumed) => "resumed",
                    Some(rustls::HandshakeKind::FullWithHelloRetryRequest) => {
                        "full-with-hello-retry"
                    }
                    _ => "full",
                },
                after_handshake: AfterHandshake::Quiet { waited_ms: 0.0 },
                closed_cleanly: false,
            };
            match offer.after_tls {
                AfterTls::Listen => {
                    let wait = post_handshake_wait(
                        offer,
                        version,
                        offer.cert_request_may_reject && record.cert_request().is_some(),
                    );
                    session.after_handshake = read_after_handshake(&mut tls, wait).await;
                    // One step past TLS, only on a connection the server kept.
                    if let (Some(login), AfterHandshake::Quiet { .. }) =
                        (&offer.login, &session.after_handshake)
                    {
                        facts.login =
                            Some(crate::protocol::login(&mut tls, login, offer.timeout).await);
                    }
                }
                AfterTls::MongoHello => {
                    let x =
                        crate::protocol::mongo::hello_exchange(&mut tls, offer.timeout, true).await;
                    session.after_handshake = after_hello(&x);
                    facts.mongo_hello = Some(x);
                }
            }
            // close_notify, then FIN: a server reading the next message sees a
            // clean end of stream and has nothing to log.
            session.closed_cleanly = matches!(
                tokio::time::timeout(offer.timeout, tls.shutdown()).await,
                Ok(Ok(()))
            );
            facts.session = Some(session);
        }
    }

    let seen = record.take();
    facts.chain_der = seen.chain;
    facts.ocsp_stapled_bytes = seen.ocsp.len();
    facts.ocsp_der = seen.ocsp;
    facts.client_certificate_request = seen.cert_request;
    facts.client_certificate_presented = seen.presented;
    facts.handshake_signature_error = seen.signature_error;
    facts
}

/// How long to wait for a post-handshake alert. TLS 1.3 servers that reject
/// a client certificate (or its absence) say so only after the client's
/// Finished, one round trip later, and only servers that sent a
/// CertificateRequest do that; they get a wait scaled to the round trip.
/// Any other server is waiting for the client's first message, so only what
/// has already arrived is read: a database check should not idle.
fn post_handshake_wait(offer: &Offer, version: &str, cert_requested: bool) -> Duration {
    if version == "TLSv1.3" && cert_requested {
        (offer.rtt * 4 + Duration::from_millis(100)).min(offer.timeout)
    } else {
        Duration::ZERO
    }
}

async fn read_after_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    tls: &mut tokio_rustls::client::TlsStream<S>,
    wait: Duration,
) -> AfterHandshake {
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let read = if wait.is_zero() {
        // One poll: what is already buffered, without arming a timer.
        std::future::poll_fn(|cx| {
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut *tls).poll_read(cx, &mut rb) {
                Poll::Ready(r) => Poll::Ready(Ok(r.map(|()| rb.filled().len()))),
                Poll::Pending => Poll::Ready(Err(())),
            }
        })
        .await
    } else {
        tokio::time::timeout(wait, tls.read(&mut buf))
            .await
            .map_err(|_| ())
    };
    match read {
        Err(()) => AfterHandshake::Quiet {
            waited_ms: started.elapsed().as_secs_f64() * 1000.0,
        },
        Ok(Ok(0)) => AfterHandshake::Closed,
        Ok(Ok(n)) => AfterHandshake::Data { bytes: n },
        Ok(Err(e)) => match rustls_error(&e) {
            Some(rustls::Error::AlertReceived(a)) => AfterHandshake::Alert {
                alert: alert_name(u8::from(*a)),
            },
            _ if e.kind() == io::ErrorKind::UnexpectedEof => AfterHandshake::Closed,
            _ => AfterHandshake::Error {
                error: e.to_string(),
            },
        },
    }
}

/// The first read after the handshake, as the hello's reply showed it: an
/// alert there (a TLS 1.3 server rejecting the missing client certificate)
/// is the same fact [`read_after_handshake`] records.
fn after_hello(x: &HelloExchange) -> AfterHandshake {
    match &x.outcome {
        HelloOutcome::Message(m) => AfterHandshake::Data { bytes: m.len() },
        HelloOutcome::BadLength { first, .. } => AfterHandshake::Data { bytes: first.len() },
        HelloOutcome::Closed(b) | HelloOutcome::Timeout(b) if !b.is_empty() => {
            AfterHandshake::Data { bytes: b.len() }
        }
        HelloOutcome::Closed(_) => AfterHandshake::Closed,
        HelloOutcome::Timeout(_) => AfterHandshake::Quiet { waited_ms: x.ms },
        HelloOutcome::Error(e, _) => match e.alert {
            Some(a) => AfterHandshake::Alert {
                alert: alert_name(a),
            },
            None if e.unexpected_eof => AfterHandshake::Closed,
            None => AfterHandshake::Error {
                error: e.error.clone(),
            },
        },
    }
}

fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn classify(e: &io::Error, first_bytes: &[u8]) -> HandshakeError {
    // Bytes that are not a TLS record at all: name what they are.
    let looks_like_tls =
        first_bytes.len() >= 2 && (0x14..=0x17).contains(&first_bytes[0]) && first_bytes[1] == 0x03;
    if !first_bytes.is_empty() && !looks_like_tls {
        return HandshakeError::NotTls {
            found: sniff::sniff(first_bytes),
        };
    }
    match rustls_error(e) {
        Some(rustls::Error::AlertReceived(a)) => HandshakeError::Alert {
            alert: alert_name(u8::from(*a)),
        },
        Some(rustls::Error::PeerIncompatible(why)) => HandshakeError::Incompatible {
            reason: format!("{why:?}"),
        },
        Some(rustls::Error::NoApplicationProtocol) => HandshakeError::Incompatible {
            reason: "the server selected no application protocol (ALPN) that was offered".into(),
        },
        Some(rustls::Error::PeerMisbehaved(why)) => HandshakeError::Misbehaved {
            reason: format!("{why:?}"),
        },
        Some(other) => HandshakeError::Other {
            error: other.to_string(),
        },
        None if matches!(
            e.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
        ) =>
        {
            HandshakeError::Closed
        }
        None => HandshakeError::Other {
            error: e.to_string(),
        },
    }
}

fn versions(offer: &Offer) -> Vec<&'static rustls::SupportedProtocolVersion> {
    let lo = offer.min.unwrap_or(TlsVersion::V1_2);
    let hi = offer.max.unwrap_or(TlsVersion::V1_3);
    let mut v = Vec::new();
    if lo <= TlsVersion::V1_3 && TlsVersion::V1_3 <= hi {
        v.push(&rustls::version::TLS13);
    }
    if lo <= TlsVersion::V1_2 && TlsVersion::V1_2 <= hi {
        v.push(&rustls::version::TLS12);
    }
    v
}

fn version_name(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1",
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0",
        rustls::ProtocolVersion::SSLv3 => "SSLv3",
        _ => "unknown",
    }
}

fn client_config(
    provider: Arc<CryptoProvider>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    record: Arc<Record>,
    offer: &Offer,
) -> Result<ClientConfig, rustls::Error> {
    let verifier = Arc::new(RecordingVerifier {
        algorithms: provider.signature_verification_algorithms,
        record: record.clone(),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(record);
    config.alpn_protocols = offer.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.enable_sni = offer.sni.is_some();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// The name rustls is given. It sends it as SNI only when `enable_sni` is on
/// and it is a DNS name; the recording verifier ignores it.
fn server_name(sni: Option<&str>, host: &str) -> ServerName<'static> {
    let candidate = sni.unwrap_or(host);
    ServerName::try_from(candidate.to_string())
        .unwrap_or_else(|_| ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into()))
}

/// What the verifier and the client-certificate resolver saw.
#[derive(Debug, Default)]
struct Record {
    seen: Mutex<Seen>,
    identity: Option<Arc<rustls::sign::CertifiedKey>>,
}

#[derive(Debug, Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    ocsp: Vec<u8>,
    cert_request: Option<CertificateRequest>,
    presented: bool,
    signature_error: Option<String>,
    first_bytes: Vec<u8>,
}

impl Record {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A poisoned lock only means a panic elsewhere; the data is still usable.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn take(&self) -> Seen {
        std::mem::take(&mut *self.lock())
    }
    fn cert_request(&self) -> Option<CertificateRequest> {
        self.lock().cert_request.clone()
    }
    fn first_bytes(&self) -> Vec<u8> {
        self.lock().first_bytes.clone()
    }
}

#[derive(Debug)]
struct RecordingVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    record: Arc<Record>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut seen = self.record.lock();
        seen.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        seen.ocsp = ocsp_response.to_vec();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms);
        self.note_signature(r)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms);
        self.note_signature(r)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl RecordingVerifier {
    fn note_signature(
        &self,
        r: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(e) = r {
            self.record.lock().signature_error = Some(e.to_string());
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ResolvesClientCert for Record {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let acceptable_cas = root_hint_subjects
            .iter()
            .map(|der| {
                use x509_parser::prelude::FromDer;
                match x509_parser::x509::X509Name::from_der(der) {
                    Ok((_, name)) => name.to_string(),
                    Err(_) => format!("(unparsable name {})", sniff::hex(der)),
                }
            })
            .collect();
        // Present the identity only if its key can sign with a scheme the
        // server offered; otherwise rustls would fail the handshake itself.
        let presented = self
            .identity
            .clone()
            .filter(|id| id.key.choose_scheme(sigschemes).is_some());
        let mut seen = self.lock();
        seen.cert_request = Some(CertificateRequest {
            acceptable_cas,
            signature_schemes: sigschemes.iter().map(|s| format!("{s:?}")).collect(),
            acceptable_cas_der: root_hint_subjects.iter().map(|d| d.to_vec()).collect(),
        });
        seen.presented = presented.is_some();
        presented
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// A TCP stream that keeps the first bytes the server sent, so a failed
/// handshake can say what the server spoke instead of TLS.
struct Peeking {
    inner: TcpStream,
    record: Arc<Record>,
}

const PEEK_BYTES: usize = 64;

impl AsyncRead for Peeking {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            let mut seen = self.record.lock();
            let room = PEEK_BYTES.saturating_sub(seen.first_bytes.len());
            seen.first_bytes
                .extend_from_slice(&new[..new.len().min(room)]);
        }
        r
    }
}

impl AsyncWrite for Peeking {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
