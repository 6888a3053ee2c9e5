//! Raw TLS probes: hand-built ClientHello messages sent after the
//! protocol's own upgrade, and the server's first flight read back. They
//! reach what rustls cannot speak (SSLv3, TLS 1.0/1.1, suites rustls does
//! not implement), and they only record what the server answered: which
//! answers matter to which client is decided in `judge::legacy`.
//!
//! `hello.rs` builds ClientHellos, `reply.rs` reads answers, `scan.rs`
//! enumerates versions, suites, groups and certificates with many probes.

pub mod hello;
pub mod reply;
pub mod scan;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::connect;
use crate::facts::connect::ConnectError;
use crate::facts::scan::ProbeVersion;
use crate::facts::upgrade::UpgradeError;
use crate::protocol;
use crate::settings::Plan;
pub use hello::ClientHello;
pub use reply::{Answer, ReadUntil, ServerFlight};

/// Why a probe got no TLS answer at all: the endpoint, not the hello, is
/// the problem, and the scan stops.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProbeError {
    #[error("{0}")]
    Connect(#[from] ConnectError),
    #[error("{0}")]
    Upgrade(#[from] UpgradeError),
    #[error("the server refused TLS ({0})")]
    TlsRefused(String),
}

/// Opens probe connections to one endpoint: each one connects, runs the
/// protocol's upgrade and hands over a stream at its first TLS byte. At
/// most `concurrency` are open at once; every one is counted.
#[derive(Clone)]
pub struct Prober {
    plan: Arc<Plan>,
    /// The address the first connection reached, so later probes skip DNS.
    dial: Arc<std::sync::OnceLock<String>>,
    limit: Arc<Semaphore>,
    connections: Arc<AtomicUsize>,
}

impl Prober {
    pub fn new(plan: &Plan, concurrency: usize) -> Prober {
        Prober {
            plan: Arc::new(plan.clone()),
            dial: Arc::new(std::sync::OnceLock::new()),
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
            connections: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// TCP connections made so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// A connection at its first TLS byte, and the ALPN protocols the
    /// upgrade requires (PostgreSQL direct TLS).
    async fn open(&self) -> Result<(TcpStream, Vec<String>), ProbeError> {
        let plan = &self.plan;
        let host = match self.dial.get() {
            Some(ip) => ip.clone(),
            None => plan
                .connect_host
                .clone()
                .unwrap_or_else(|| plan.host.clone()),
        };
        self.connections.fetch_add(1, Ordering::Relaxed);
        let (mut stream, facts) = connect::connect(&host, plan.port, plan.timeout).await?;
        if let Ok(addr) = facts.peer.parse::<std::net::SocketAddr>() {
            let _ = self.dial.set(addr.ip().to_string());
        }
        let upgrade = protocol::upgrade(plan, &mut stream).await?;
        if !upgrade.tls_offered {
            return Err(ProbeError::TlsRefused(
                upgrade
                    .server_answer
                    .unwrap_or_else(|| "no TLS offered".into()),
            ));
        }
        Ok((stream, upgrade.alpn))
    }

    /// Send one ClientHello on a new connection and read the answer.
    pub async fn probe(
        &self,
        version: ProbeVersion,
        suites: &[u16],
        groups: &[u16],
        sni: Option<&str>,
        until: ReadUntil,
    ) -> Result<Answer, ProbeError> {
        let _permit = self
            .limit
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let (mut stream, alpn) = self.open().await?;
        let hello = ClientHello {
            version,
            suites,
            groups,
            sni,
            alpn: &alpn,
        }
        .encode();
        let timeout = self.plan.timeout;
        let sent = tokio::time::timeout(timeout, async {
            stream.write_all(&hello).await?;
            stream.flush().await
        })
        .await;
        match sent {
            Err(_) => return Ok(Answer::Timeout),
            Ok(Err(_)) => return Ok(Answer::Closed),
            Ok(Ok(())) => {}
        }
        Ok(reply::read_answer(&mut stream, until, timeout).await)
    }

    /// A rustls handshake on a new connection, for what raw probes cannot
    /// read (a TLS 1.3 server's certificate, which travels encrypted).
    pub async fn rustls_handshake(&self, sni: Option<&str>) -> Result<Vec<Vec<u8>>, ProbeError> {
        let _permit = self
            .limit
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let (stream, alpn) = self.open().await?;
        let offer = crate::handshake::Offer {
            sni: sni.map(str::to_string),
            alpn,
            min: None,
            max: None,
            timeout: self.plan.timeout,
            rtt: Duration::ZERO,
            cert_request_may_reject: false,
            identity: None,
            login: None,
            after_tls: crate::handshake::AfterTls::Listen,
        };
        let name = sni.unwrap_or(&self.plan.host);
        let facts = crate::handshake::handshake(stream, &offer, name).await;
        Ok(facts.chain_der.iter().map(|c| c.to_vec()).collect())
    }
}
