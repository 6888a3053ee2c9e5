//! What connecting showed: the addresses tried, the peer, or why no TCP
//! connection was made. Produced by [`crate::connect`].

use serde::Serialize;

/// What connecting showed.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectFacts {
    /// Every address the name resolved to, in the order tried.
    pub addresses: Vec<String>,
    /// The address that answered.
    pub peer: String,
    /// Time for the TCP handshake with `peer`, a rough round-trip time.
    pub connect_ms: f64,
    /// Addresses tried before `peer`, and why they failed.
    pub failed_attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub address: String,
    pub error: String,
}

/// Why no TCP connection was made.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConnectError {
    #[error("could not resolve `{host}`: {error}")]
    Dns { host: String, error: String },
    #[error("resolving `{host}` took longer than {seconds} s")]
    DnsTimeout { host: String, seconds: f64 },
    #[error("`{host}` resolved to no address")]
    NoAddress { host: String },
    #[error("{}", describe_attempts(attempts))]
    Failed { attempts: Vec<Attempt> },
}

fn describe_attempts(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{}: {}", a.address, a.error))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConnectError {
    /// A connection refused by every address: a port with nothing listening.
    pub fn refused(&self) -> bool {
        matches!(self, ConnectError::Failed { attempts } if attempts.iter().all(|a| a.error.contains("refused")))
    }
}
