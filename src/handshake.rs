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
use crate::facts::tls::{
    AfterHandshake, AfterHandshakeWait, CertificateRequest, HandshakeError, Session, TlsFacts,
    WaitReason,
};
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
    /// The round trip measured before the handshake (the TCP connect), one
    /// of the two measures [`post_handshake_wait`] sizes its wait from.
    pub rtt: Duration,
    /// Whether this listener may refuse a *missing* client certificate in
    /// TLS, after a TLS 1.3 handshake. PostgreSQL and MySQL-protocol servers
    /// never do (a server with a CA file asks every client for an optional
    /// certificate and refuses a missing one only at login), so for them
    /// only a certificate that was presented can be refused in TLS; a plain
    /// TLS listener may require one.
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
        ..TlsFacts::with_chain(Vec::new())
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
                after_handshake_wait: AfterHandshakeWait::default(),
                closed_cleanly: false,
            };
            let round_trips = match conn.handshake_kind() {
                Some(rustls::HandshakeKind::FullWithHelloRetryRequest) => 2,
                _ => 1,
            };
            let measured = Measured {
                connect: offer.rtt,
                handshake: Duration::from_secs_f64(facts.handshake_ms / 1000.0),
                round_trips,
            };
            match offer.after_tls {
                AfterTls::Listen => {
                    let (presented, requested) = {
                        let seen = record.lock();
                        (seen.presented, seen.cert_request.is_some())
                    };
                    let (budget, wait) =
                        post_handshake_wait(offer, version, requested, presented, &measured);
                    session.after_handshake = read_after_handshake(&mut tls, budget).await;
                    session.after_handshake_wait = wait;
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
                    // The hello's reply is the read: an alert comes in its
                    // place, so no separate wait is needed.
                    session.after_handshake_wait = AfterHandshakeWait {
                        reason: WaitReason::HelloReply,
                        budget_ms: offer.timeout.as_secs_f64() * 1000.0,
                        rtt_ms: measured.rtt().as_secs_f64() * 1000.0,
                    };
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

/// The round trips this connection showed, to size the post-handshake wait.
struct Measured {
    /// The TCP connect: one round trip, answered by the server's kernel.
    connect: Duration,
    /// The whole handshake: its round trips plus the server's work (key
    /// exchange, signature), which is what a rejection after it costs too.
    handshake: Duration,
    /// 1 for a full TLS 1.3 handshake, 2 with a HelloRetryRequest.
    round_trips: u32,
}

impl Measured {
    /// The longer of the two measures of one round trip.
    fn rtt(&self) -> Duration {
        self.connect.max(self.handshake / self.round_trips)
    }
}

/// The wait is this many measured round trips: the alert needs one round
/// trip plus the server's check of the certificate (about what its own
/// handshake work took, already in the measure), and the rest is margin for
/// jitter on the path and in the server's scheduling.
const WAIT_ROUND_TRIPS: u32 = 3;
/// Never less: on loopback or a LAN a round trip is well under 1 ms, but the
/// server process still has to be scheduled and verify a chain (RSA-4096 or
/// a CRL lookup: a few ms), and a busy host (a CI runner running tests in
/// parallel) delays that by tens of ms. A missed alert turns a refusal into
/// a pass, the worst error this tool can make, so the floor leans long; it
/// is paid only where a refusal can come.
const WAIT_FLOOR: Duration = Duration::from_millis(50);
/// Never more: an intercontinental round trip is about 300 ms, so three of
/// them, plus the server's work, fit; a handshake that took much longer was
/// stalled rather than far, and a longer wait would only idle. The
/// per-target timeout bounds it further.
const WAIT_CEILING: Duration = Duration::from_secs(2);

/// How long to wait for a post-handshake alert, and why. A TLS 1.3 server
/// that rejects a client certificate (or its absence) says so only after
/// the client's Finished, one round trip later, and only a server that sent
/// a CertificateRequest does that. It can refuse a certificate that was
/// presented; a missing one only a listener that may require one refuses in
/// TLS (`cert_request_may_reject`): PostgreSQL and MySQL-protocol servers
/// refuse it at login. There the wait is sized from this connection's round
/// trips ([`WAIT_ROUND_TRIPS`], [`WAIT_FLOOR`], [`WAIT_CEILING`]). Any other
/// server is waiting for the client's first message, so only what has
/// already arrived is read: a database check should not idle.
fn post_handshake_wait(
    offer: &Offer,
    version: &str,
    cert_requested: bool,
    presented: bool,
    measured: &Measured,
) -> (Duration, AfterHandshakeWait) {
    let rtt = measured.rtt();
    let reason = if version != "TLSv1.3" {
        WaitReason::NotTls13
    } else if !cert_requested {
        WaitReason::NoCertificateRequest
    } else if presented {
        WaitReason::CertificatePresented
    } else if offer.cert_request_may_reject {
        WaitReason::ListenerMayRequireCertificate
    } else {
        WaitReason::MissingCertificateRefusedAtLogin
    };
    let budget = match reason {
        WaitReason::CertificatePresented | WaitReason::ListenerMayRequireCertificate => (rtt
            * WAIT_ROUND_TRIPS)
            .clamp(WAIT_FLOOR, WAIT_CEILING)
            .min(offer.timeout),
        _ => Duration::ZERO,
    };
    let wait = AfterHandshakeWait {
        reason,
        budget_ms: budget.as_secs_f64() * 1000.0,
        rtt_ms: rtt.as_secs_f64() * 1000.0,
    };
    (budget, wait)
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
