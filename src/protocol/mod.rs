//! Bring a TCP connection to its first TLS byte, in each protocol's own way.
//!
//! One file per wire protocol. Each records what the server said before TLS
//! (facts only: whether that is acceptable is for [`crate::judge`]).

pub mod mongo;
pub mod mysql;
pub mod postgres;
pub mod sniff;

use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::settings::{PgNegotiation, Plan, Protocol};
pub use sniff::Sniffed;

/// What happened before TLS.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradeFacts {
    /// `sslrequest`, `direct`, `none` (plain TLS from the first byte),
    /// `mysql-sslrequest` (greeting with CLIENT_SSL, SSLRequest sent) or
    /// `mysql-greeting` (greeting without CLIENT_SSL, nothing sent).
    pub method: &'static str,
    /// What the server answered, in words (`S: TLS accepted`).
    pub server_answer: Option<String>,
    /// Whether the server agreed to TLS.
    pub tls_offered: bool,
    /// Bytes the server sent after its answer and before any TLS byte. A
    /// nonzero count is suspicious (CVE-2021-23222: injected plaintext).
    pub bytes_after_answer: usize,
    /// ALPN protocols the handshake must offer.
    pub alpn: Vec<String>,
    /// The MySQL-protocol server's greeting (MySQL, MariaDB, TiDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mysql: Option<mysql::Greeting>,
}

/// Why the protocol's upgrade did not reach a TLS decision.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UpgradeError {
    #[error("no answer to {request} within {seconds} s")]
    Timeout { request: &'static str, seconds: f64 },
    #[error("the server closed the connection without answering {request}")]
    Closed { request: &'static str },
    #[error("expected {expected}, got {}", found.looks_like)]
    NotTheProtocol {
        expected: &'static str,
        found: Sniffed,
    },
    #[error("the server answered with an error: {message}")]
    ServerError { message: String },
    /// A MySQL-protocol ERR packet in place of the greeting: the server
    /// refuses this client before any TLS (1130 host not allowed, 1040 too
    /// many connections, 1129 host blocked, …).
    #[error("the server sent error {code} instead of its greeting: {message}")]
    ServerErrorPacket {
        code: u16,
        sql_state: Option<String>,
        message: String,
    },
    #[error("{error}")]
    Io { error: String },
}

/// Run the upgrade for `plan.protocol` on `stream`.
pub async fn upgrade(plan: &Plan, stream: &mut TcpStream) -> Result<UpgradeFacts, UpgradeError> {
    match plan.protocol {
        Protocol::Postgres => match plan.pg_negotiation {
            PgNegotiation::Postgres => postgres::ssl_request(stream, plan.timeout).await,
            PgNegotiation::Direct => Ok(postgres::direct()),
        },
        Protocol::Tls => Ok(UpgradeFacts {
            method: "none",
            server_answer: None,
            tls_offered: true,
            bytes_after_answer: 0,
            alpn: Vec::new(),
            mysql: None,
        }),
        Protocol::Mysql => mysql::ssl_request(stream, plan.timeout).await,
        Protocol::Mongo => Ok(mongo::upgrade()),
    }
}

/// Read whatever else the server sends within `wait` (at most `max` bytes),
/// to identify it. Never fails: an error or a timeout just ends the read.
pub(crate) async fn read_more(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    max: usize,
    wait: Duration,
) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut chunk = [0u8; 256];
    while buf.len() < max {
        let room = (max - buf.len()).min(chunk.len());
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
}
