//! TCP: resolve the host and connect, each under the phase timeout.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::facts::connect::{Attempt, ConnectError, ConnectFacts};

/// Resolve `host` and connect to `port` on the first address that answers.
/// The timeout bounds resolution, and each address's TCP handshake.
pub async fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<(TcpStream, ConnectFacts), ConnectError> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
                Err(_) => {
                    return Err(ConnectError::DnsTimeout {
                        host: host.into(),
                        seconds: timeout.as_secs_f64(),
                    })
                }
                Ok(Err(e)) => {
                    return Err(ConnectError::Dns {
                        host: host.into(),
                        error: dns_error_text(&e),
                    })
                }
                Ok(Ok(it)) => it.collect(),
            }
        }
    };
    if addrs.is_empty() {
        return Err(ConnectError::NoAddress { host: host.into() });
    }

    let mut failed = Vec::new();
    for addr in &addrs {
        let started = Instant::now();
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let facts = ConnectFacts {
                    addresses: addrs.iter().map(|a| a.to_string()).collect(),
                    peer: addr.to_string(),
                    connect_ms: started.elapsed().as_secs_f64() * 1000.0,
                    failed_attempts: failed,
                };
                return Ok((stream, facts));
            }
            Ok(Err(e)) => failed.push(Attempt {
                address: addr.to_string(),
                error: connect_error_text(&e),
            }),
            Err(_) => failed.push(Attempt {
                address: addr.to_string(),
                error: format!(
                    "no answer within {} s (a firewall dropping packets, or the wrong address)",
                    timeout.as_secs_f64()
                ),
            }),
        }
    }
    Err(ConnectError::Failed { attempts: failed })
}

fn connect_error_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (nothing listens on that port, or a firewall rejects it)".into()
        }
        _ => e.to_string(),
    }
}

fn dns_error_text(e: &io::Error) -> String {
    let text = e.to_string();
    // getaddrinfo's wording is terse; say what it means.
    if text.contains("not known")
        || text.contains("No address")
        || text.contains("failed to lookup")
    {
        format!(
            "{text} (no such name in DNS: check the spelling, or the resolver this machine uses)"
        )
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refused_port_is_reported_as_refused() {
        // Bind then drop: the port is free, so connecting is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = connect("127.0.0.1", port, Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(err.refused(), "{err}");
    }

    #[tokio::test]
    async fn connects_and_records_the_peer() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let (_s, facts) = connect("127.0.0.1", port, Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(facts.peer, format!("127.0.0.1:{port}"));
    }
}
