//! Bring a TCP connection to its first TLS byte, in each protocol's own way.
//!
//! One file per wire protocol. Each records what the server said before TLS
//! (facts only: whether that is acceptable is for [`crate::judge`]).

pub mod mongo;
pub mod mysql;
pub mod postgres;

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::facts::upgrade::{LoginFacts, UpgradeError, UpgradeFacts};
use crate::settings::{Login, PgNegotiation, Plan, Protocol};

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

/// Send the login opening for `login.protocol` on the TLS stream and read
/// the answer, each step under `timeout`, every read bounded.
pub async fn login<S>(stream: &mut S, login: &Login, timeout: Duration) -> LoginFacts
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut facts = LoginFacts {
        user: login.user.clone(),
        database: login.database.clone(),
        answer: "unexpected",
        ended_with: "close",
        ..LoginFacts::default()
    };
    match login.protocol {
        Protocol::Postgres => postgres::login(stream, login, timeout, &mut facts).await,
        Protocol::Mysql => mysql::login(stream, login, timeout, &mut facts).await,
        _ => {}
    }
    facts
}

/// Read exactly `buf.len()` bytes under `timeout`; the answer kind on failure.
pub(crate) async fn read_exact_within<S>(
    stream: &mut S,
    buf: &mut [u8],
    timeout: Duration,
) -> Result<(), &'static str>
where
    S: tokio::io::AsyncRead + Unpin,
{
    match tokio::time::timeout(timeout, stream.read_exact(buf)).await {
        Err(_) => Err("timeout"),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err("closed"),
        Ok(Err(_)) => Err("io"),
        Ok(Ok(_)) => Ok(()),
    }
}

/// Send a login opening under the timeout, recording a failure in `facts`.
/// Returns whether it went out.
pub(crate) async fn send_within<S>(
    stream: &mut S,
    bytes: &[u8],
    timeout: Duration,
    facts: &mut LoginFacts,
) -> bool
where
    S: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    match tokio::time::timeout(timeout, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => {
            facts.answer = "timeout";
            false
        }
        Ok(Err(e)) => {
            facts.answer = "io";
            facts.message = Some(e.to_string());
            false
        }
        Ok(Ok(())) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Run the login opening against a peer that answers `reply` up front;
    /// return the facts and what the client sent.
    async fn answer(protocol: Protocol, reply: &[u8]) -> (LoginFacts, Vec<u8>) {
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        server.write_all(reply).await.unwrap();
        // The peer says nothing more (its side closes after the reply).
        server.shutdown().await.unwrap();
        let login_req = Login {
            protocol,
            user: "app".into(),
            database: Some("shop".into()),
        };
        let facts = login(&mut client, &login_req, Duration::from_millis(300)).await;
        drop(client);
        let mut sent = Vec::new();
        server.read_to_end(&mut sent).await.unwrap();
        (facts, sent)
    }

    #[tokio::test]
    async fn postgres_answers() {
        // SASL with its mechanisms.
        let (f, sent) = answer(
            Protocol::Postgres,
            b"R\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00",
        )
        .await;
        assert_eq!(f.answer, "authentication-request");
        assert_eq!(f.method.as_deref(), Some("sasl"));
        assert_eq!(f.mechanisms, vec!["SCRAM-SHA-256"]);
        assert_eq!(f.ended_with, "close");
        // The StartupMessage: protocol 3.0, user and database.
        assert_eq!(&sent[4..8], &[0, 3, 0, 0]);
        let text = String::from_utf8_lossy(&sent);
        assert!(text.contains("user\0app\0database\0shop\0"), "{text:?}");

        // Logged in: a Terminate follows the StartupMessage.
        let (f, sent) = answer(Protocol::Postgres, b"R\x00\x00\x00\x08\x00\x00\x00\x00").await;
        assert_eq!((f.answer, f.ended_with), ("ok", "terminate"));
        assert!(sent.ends_with(&[b'X', 0, 0, 0, 4]));

        // A refusal.
        let (f, _) = answer(
            Protocol::Postgres,
            b"E\x00\x00\x00\x45SFATAL\x00VFATAL\x00C28000\x00Mcertificate authentication failed for user \"app\"\x00\x00",
        )
        .await;
        assert_eq!(f.answer, "error");
        assert_eq!(f.code.as_deref(), Some("28000"));
        assert_eq!(f.severity.as_deref(), Some("FATAL"));
        assert!(f
            .message
            .unwrap()
            .contains("certificate authentication failed"));

        // Silence, a close, and an absurd length.
        let (f, _) = answer(Protocol::Postgres, b"R\x00").await;
        assert_eq!(f.answer, "closed");
        let (f, _) = answer(Protocol::Postgres, b"R\xff\xff\xff\xff").await;
        assert_eq!(f.answer, "unexpected");
    }

    #[tokio::test]
    async fn mysql_answers() {
        // AuthSwitchRequest to caching_sha2_password.
        let mut reply = vec![0, 0, 0, 3, 0xfe];
        reply.extend_from_slice(b"caching_sha2_password\0abcdefghij0123456789\0");
        reply[0] = (reply.len() - 4) as u8;
        let (f, sent) = answer(Protocol::Mysql, &reply).await;
        assert_eq!(f.answer, "authentication-request");
        assert_eq!(f.method.as_deref(), Some("caching_sha2_password"));
        // HandshakeResponse41: sequence id 2, CLIENT_SSL and CONNECT_WITH_DB.
        assert_eq!(sent[3], 2);
        let caps = u32::from_le_bytes([sent[4], sent[5], sent[6], sent[7]]);
        assert_ne!(caps & mysql::CLIENT_SSL, 0);
        assert_ne!(caps & mysql::CLIENT_CONNECT_WITH_DB, 0);
        let len = u32::from_le_bytes([sent[0], sent[1], sent[2], 0]) as usize;
        assert_eq!(sent.len(), 4 + len);
        assert!(String::from_utf8_lossy(&sent).contains("app\0\0shop\0mysql_native_password\0"));

        // OK: COM_QUIT follows.
        let (f, sent) = answer(Protocol::Mysql, &[7, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0]).await;
        assert_eq!((f.answer, f.ended_with), ("ok", "com-quit"));
        assert!(sent.ends_with(&[1, 0, 0, 0, 1]));

        // ERR 1045.
        let mut err = vec![0, 0, 0, 3, 0xff, 0x15, 0x04, b'#'];
        err.extend_from_slice(
            b"28000Access denied for user 'app'@'localhost' (using password: NO)",
        );
        err[0] = (err.len() - 4) as u8;
        let (f, _) = answer(Protocol::Mysql, &err).await;
        assert_eq!(f.answer, "error");
        assert_eq!(f.code.as_deref(), Some("1045"));
        assert_eq!(f.sql_state.as_deref(), Some("28000"));

        let (f, _) = answer(Protocol::Mysql, &[]).await;
        assert_eq!(f.answer, "closed");
    }

    /// Whatever a server answers, the login returns: no panic, no hang.
    #[tokio::test]
    async fn arbitrary_answers_never_panic() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..300 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 200) as usize;
            let mut reply: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
            if let Some(first) = reply.first_mut() {
                *first = [b'R', b'E', 0x00, 0xff, 0xfe, *first][round % 6];
            }
            let protocol = if round % 2 == 0 {
                Protocol::Postgres
            } else {
                Protocol::Mysql
            };
            let _ = answer(protocol, &reply).await;
        }
    }
}
