//! Everything one TLS handshake showed, whether it finished or not: the
//! session, the served chain and stapled OCSP (DER), the CertificateRequest,
//! the first read after the handshake, and why it failed. Produced by
//! [`crate::handshake`].

use rustls::pki_types::CertificateDer;
use serde::Serialize;

use super::sniff::Sniffed;
use super::upgrade::{HelloExchange, LoginFacts};

/// Everything one handshake showed, whether it finished or not.
#[derive(Debug, Clone, Serialize)]
pub struct TlsFacts {
    /// The SNI sent, if any.
    pub sni_sent: Option<String>,
    pub alpn_offered: Vec<String>,
    pub versions_offered: Vec<&'static str>,
    /// The negotiated session, or why there is none.
    #[serde(flatten)]
    pub session: Option<Session>,
    pub failure: Option<HandshakeError>,
    /// Whether the server stapled an OCSP response, and its size.
    pub ocsp_stapled_bytes: usize,
    /// The server's CertificateRequest, if it sent one.
    pub client_certificate_request: Option<CertificateRequest>,
    /// Whether a client certificate was sent in answer to it.
    pub client_certificate_presented: bool,
    /// `--user`: what the server answered the login opening.
    pub login: Option<LoginFacts>,
    /// Set when the server's handshake signature did not verify.
    pub handshake_signature_error: Option<String>,
    /// Time from the first ClientHello byte to the end of the handshake.
    pub handshake_ms: f64,
    /// The MongoDB hello sent after the handshake, raw. Not serialized:
    /// `protocol::mongo::describe` makes `facts.mongo` of it.
    #[serde(skip)]
    pub mongo_hello: Option<HelloExchange>,
    /// The served chain, leaf first, DER. Not serialized: see `observe`.
    #[serde(skip)]
    pub chain_der: Vec<CertificateDer<'static>>,
    #[serde(skip)]
    pub ocsp_der: Vec<u8>,
}

impl TlsFacts {
    /// A chain and nothing else recorded: no session, no failure, nothing
    /// offered. A chain read from files is this; the handshake starts
    /// from it and fills in what it offers and sees.
    pub fn with_chain(chain_der: Vec<CertificateDer<'static>>) -> TlsFacts {
        TlsFacts {
            sni_sent: None,
            alpn_offered: Vec::new(),
            versions_offered: Vec::new(),
            session: None,
            failure: None,
            ocsp_stapled_bytes: 0,
            client_certificate_request: None,
            client_certificate_presented: false,
            login: None,
            handshake_signature_error: None,
            handshake_ms: 0.0,
            mongo_hello: None,
            chain_der,
            ocsp_der: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub version: String,
    pub cipher_suite: String,
    pub key_exchange_group: Option<String>,
    pub alpn: Option<String>,
    /// `full`, `full-with-hello-retry` or `resumed`.
    pub handshake_kind: &'static str,
    /// What the first read after the handshake showed (TLS 1.3 servers send
    /// client-certificate rejections only then).
    pub after_handshake: AfterHandshake,
    /// How long that read could wait, and why.
    pub after_handshake_wait: AfterHandshakeWait,
    /// Whether our close_notify went out.
    pub closed_cleanly: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AfterHandshake {
    /// Nothing arrived within the wait: the server is waiting for the client.
    Quiet {
        waited_ms: f64,
    },
    Alert {
        alert: String,
    },
    Closed,
    Data {
        bytes: usize,
    },
    Error {
        error: String,
    },
}

/// The budget of the first read after the handshake. A refusal that comes
/// after a TLS 1.3 handshake is worth waiting for only where one can come;
/// elsewhere only what already arrived is read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AfterHandshakeWait {
    pub reason: WaitReason,
    /// The longest the read would wait, ms; 0: only what had already arrived
    /// was read.
    pub budget_ms: f64,
    /// One round trip as this connection measured it, ms: the longer of the
    /// TCP connect and the handshake per round trip (server work included).
    /// The budget, when there is one, is a multiple of it within bounds.
    pub rtt_ms: f64,
}

/// Why the first read after the handshake waited, or did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitReason {
    /// Before TLS 1.3 a refusal comes inside the handshake: no wait.
    #[default]
    NotTls13,
    /// No CertificateRequest: nothing to refuse, no wait.
    NoCertificateRequest,
    /// A certificate was presented: the server may refuse it after the
    /// handshake, so the read waits.
    CertificatePresented,
    /// None was presented and the listener (plain TLS) may require one: the
    /// read waits.
    ListenerMayRequireCertificate,
    /// None was presented, and this protocol's servers (PostgreSQL, MySQL)
    /// refuse a missing certificate only at login: no wait.
    MissingCertificateRefusedAtLogin,
    /// MongoDB: the hello's reply is the read, under the timeout.
    HelloReply,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateRequest {
    /// Distinguished names of the CAs the server accepts client certificates from.
    pub acceptable_cas: Vec<String>,
    pub signature_schemes: Vec<String>,
    /// The same names as DER, to compare with a certificate's issuer.
    #[serde(skip)]
    pub acceptable_cas_der: Vec<Vec<u8>>,
}

/// Why the handshake did not finish.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum HandshakeError {
    #[error("the server sent the TLS alert {alert}")]
    Alert { alert: String },
    #[error("the server does not speak TLS here: it sent {}", found.looks_like)]
    NotTls { found: Sniffed },
    #[error("the handshake did not finish within {seconds} s")]
    Timeout { seconds: f64 },
    #[error("the server closed the connection during the handshake")]
    Closed,
    #[error("the server's TLS is incompatible with what was offered: {reason}")]
    Incompatible { reason: String },
    #[error("the server broke the TLS protocol: {reason}")]
    Misbehaved { reason: String },
    #[error("{error}")]
    Other { error: String },
}
