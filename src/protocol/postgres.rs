//! PostgreSQL: the 8-byte SSLRequest and its one-byte answer, or PostgreSQL
//! 17's direct TLS (TLS from the first byte, ALPN `postgresql`).

use std::task::Poll;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::read_more;
use crate::facts::sniff;
use crate::facts::upgrade::{LoginFacts, UpgradeError, UpgradeFacts};
use crate::settings::Login;

const REQUEST: &str = "the SSLRequest";
/// Longest error message read after an `E` answer; PostgreSQL's are far shorter.
const MAX_ERROR_LEN: usize = 8 * 1024;

pub fn direct() -> UpgradeFacts {
    UpgradeFacts {
        method: "direct",
        server_answer: None,
        tls_offered: true,
        bytes_after_answer: 0,
        alpn: vec!["postgresql".into()],
        mysql: None,
    }
}

/// Send SSLRequest and read exactly one byte of answer.
pub async fn ssl_request(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<UpgradeFacts, UpgradeError> {
    let mut request = BytesMut::new();
    postgres_protocol::message::frontend::ssl_request(&mut request);
    let timed_out = || UpgradeError::Timeout {
        request: REQUEST,
        seconds: timeout.as_secs_f64(),
    };
    match tokio::time::timeout(timeout, stream.write_all(&request)).await {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) => return Err(io_error(e)),
        Ok(Ok(())) => {}
    }

    let mut answer = [0u8; 1];
    match tokio::time::timeout(timeout, stream.read(&mut answer)).await {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) => return Err(io_error(e)),
        Ok(Ok(0)) => return Err(UpgradeError::Closed { request: REQUEST }),
        Ok(Ok(_)) => {}
    }

    let mut seen = vec![answer[0]];
    if !matches!(answer[0], b'S' | b'N') {
        // Not an answer to SSLRequest: read a little more to say what it is.
        read_more(
            stream,
            &mut seen,
            512,
            timeout.min(Duration::from_millis(300)),
        )
        .await;
    }
    let tls_offered = read_answer(&seen)?;
    Ok(UpgradeFacts {
        method: "sslrequest",
        server_answer: Some(if tls_offered {
            "S: the server accepts TLS".into()
        } else {
            "N: the server does not offer TLS".into()
        }),
        tls_offered,
        bytes_after_answer: already_buffered(stream).await,
        alpn: Vec::new(),
        mysql: None,
    })
}

/// What the bytes answering SSLRequest mean (`seen` starts with the answer
/// byte; after anything but `S` or `N`, up to 512 more bytes): whether the
/// server offers TLS, or why this is not an answer (the server's error
/// message, or what the bytes look like).
pub fn read_answer(seen: &[u8]) -> Result<bool, UpgradeError> {
    match seen.first() {
        None => Err(UpgradeError::Closed { request: REQUEST }),
        Some(b'S') => Ok(true),
        Some(b'N') => Ok(false),
        Some(first) => {
            if *first == b'E' {
                if let Some(message) = parse_error(seen) {
                    return Err(UpgradeError::ServerError { message });
                }
            }
            Err(UpgradeError::NotTheProtocol {
                expected: "PostgreSQL's answer to SSLRequest (S or N)",
                found: sniff::sniff(seen),
            })
        }
    }
}

/// How many bytes the server has already sent beyond its answer, without
/// consuming them (they would reach the TLS handshake, which fails on them).
async fn already_buffered(stream: &mut TcpStream) -> usize {
    let mut buf = [0u8; 64];
    std::future::poll_fn(|cx| {
        let mut rb = ReadBuf::new(&mut buf);
        match stream.poll_peek(cx, &mut rb) {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            _ => Poll::Ready(0),
        }
    })
    .await
}

/// Parse an ErrorResponse (`E`, length, fields); `None` if it is not one.
fn parse_error(b: &[u8]) -> Option<String> {
    if b.len() < 5 {
        return None;
    }
    let len = u32::from_be_bytes([b[1], b[2], b[3], b[4]]) as usize;
    if !(5..=MAX_ERROR_LEN).contains(&len) {
        return None;
    }
    let body = &b[5..b.len().min(1 + len)];
    let (mut severity, mut code, mut message) = (None, None, None);
    for field in body.split(|&c| c == 0) {
        let Some((&kind, value)) = field.split_first() else {
            continue;
        };
        let value = String::from_utf8_lossy(value).into_owned();
        match kind {
            b'S' | b'V' => severity = Some(value),
            b'C' => code = Some(value),
            b'M' => message = Some(value),
            _ => {}
        }
    }
    let message = message?;
    Some(match (severity, code) {
        (Some(s), Some(c)) => format!("{s} {c}: {message}"),
        (Some(s), None) => format!("{s}: {message}"),
        _ => message,
    })
}

/// Longest authentication message read (a SASL mechanism list is tiny).
const MAX_LOGIN_MESSAGE: usize = 8 * 1024;

/// `--user`: a StartupMessage (user, database) on the TLS stream, and the
/// server's first answer: an AuthenticationRequest or an ErrorResponse.
/// No password is ever sent; a server that logged us in gets a Terminate.
pub(crate) async fn login<S>(
    stream: &mut S,
    login: &Login,
    timeout: Duration,
    facts: &mut LoginFacts,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let database = login.database.as_deref().unwrap_or(&login.user);
    let mut msg = BytesMut::new();
    let params = [
        ("user", login.user.as_str()),
        ("database", database),
        ("application_name", "tlscheck"),
    ];
    if postgres_protocol::message::frontend::startup_message(params, &mut msg).is_err() {
        facts.answer = "io";
        facts.message = Some("the user or database name holds a NUL byte".into());
        return;
    }
    if !super::send_within(stream, &msg, timeout, facts).await {
        return;
    }
    let mut head = [0u8; 5];
    if let Err(kind) = super::read_exact_within(stream, &mut head, timeout).await {
        facts.answer = kind;
        return;
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=MAX_LOGIN_MESSAGE).contains(&len) {
        facts.answer = "unexpected";
        facts.message = Some(format!(
            "a message of {len} bytes, type {:?}",
            head[0] as char
        ));
        return;
    }
    let mut body = vec![0u8; len - 4];
    if let Err(kind) = super::read_exact_within(stream, &mut body, timeout).await {
        facts.answer = kind;
        return;
    }
    match head[0] {
        b'R' if body.len() >= 4 => {
            let kind = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            facts.answer = if kind == 0 {
                "ok"
            } else {
                "authentication-request"
            };
            facts.method = Some(
                match kind {
                    0 => "ok",
                    2 => "kerberos-v5",
                    3 => "cleartext",
                    5 => "md5",
                    7 => "gss",
                    9 => "sspi",
                    10 => "sasl",
                    _ => "other",
                }
                .to_string(),
            );
            if kind == 10 {
                facts.mechanisms = body[4..]
                    .split(|&c| c == 0)
                    .filter(|m| !m.is_empty())
                    .map(|m| String::from_utf8_lossy(m).into_owned())
                    .collect();
            }
            if kind == 0 {
                // Logged in (trust, or the certificate): say goodbye properly.
                let _ = tokio::time::timeout(timeout, async {
                    stream.write_all(&[b'X', 0, 0, 0, 4]).await?;
                    stream.flush().await
                })
                .await;
                facts.ended_with = "terminate";
            }
        }
        b'E' => {
            facts.answer = "error";
            for field in body.split(|&c| c == 0) {
                let Some((&kind, value)) = field.split_first() else {
                    continue;
                };
                let value = String::from_utf8_lossy(value).into_owned();
                match kind {
                    b'V' => facts.severity = Some(value),
                    b'S' if facts.severity.is_none() => facts.severity = Some(value),
                    b'C' => facts.code = Some(value),
                    b'M' => facts.message = Some(value),
                    _ => {}
                }
            }
        }
        other => {
            facts.answer = "unexpected";
            facts.message = Some(format!("a message of type {:?}", other as char));
        }
    }
}

fn io_error(e: std::io::Error) -> UpgradeError {
    UpgradeError::Io {
        error: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn answer_with(reply: &'static [u8]) -> Result<UpgradeFacts, UpgradeError> {
        answer_and_linger(reply, Duration::from_millis(500)).await
    }

    async fn answer_and_linger(
        reply: &'static [u8],
        linger: Duration,
    ) -> Result<UpgradeFacts, UpgradeError> {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut req = [0u8; 8];
            s.read_exact(&mut req).await.unwrap();
            assert_eq!(req, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
            s.write_all(reply).await.unwrap();
            tokio::time::sleep(linger).await;
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        ssl_request(&mut c, Duration::from_secs(2)).await
    }

    #[tokio::test]
    async fn s_and_n() {
        let f = answer_with(b"S").await.unwrap();
        assert!(f.tls_offered);
        assert_eq!(f.bytes_after_answer, 0);
        let f = answer_with(b"N").await.unwrap();
        assert!(!f.tls_offered);
    }

    #[tokio::test]
    async fn bytes_after_s_are_counted() {
        let f = answer_with(b"Sxyz").await.unwrap();
        assert!(f.tls_offered);
        assert_eq!(f.bytes_after_answer, 3);
    }

    #[tokio::test]
    async fn error_packet_is_read() {
        let e = answer_with(
            b"E\x00\x00\x00\x32SFATAL\x00C0A000\x00Munsupported frontend protocol\x00\x00",
        )
        .await
        .unwrap_err();
        match e {
            UpgradeError::ServerError { message } => {
                assert_eq!(message, "FATAL 0A000: unsupported frontend protocol")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn mysql_greeting_is_named() {
        let e = answer_with(b"\x4a\x00\x00\x00\x0a5.7.44-log\x00\x08\x00\x00\x00")
            .await
            .unwrap_err();
        match e {
            UpgradeError::NotTheProtocol { found, .. } => {
                assert_eq!(found.protocol, Some("mysql"));
                assert!(found.looks_like.contains("5.7.44"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn silence_times_out() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (_s, _) = l.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let e = ssl_request(&mut c, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(e, UpgradeError::Timeout { .. }), "{e:?}");
    }

    /// Whatever a server answers, the upgrade returns a value: no panic, no hang.
    #[tokio::test]
    async fn arbitrary_answers_never_panic() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let len = (next() % 600) as usize;
            let mut reply: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Make the interesting first bytes common.
            if let Some(first) = reply.first_mut() {
                *first = [b'E', b'S', b'N', 0x16, 0x15, 0x4a, *first][round % 7];
            }
            let reply: &'static [u8] = Box::leak(reply.into_boxed_slice());
            let _ = answer_and_linger(reply, Duration::ZERO).await;
        }
    }

    #[test]
    fn answers_read_from_bytes() {
        assert!(read_answer(b"S").unwrap());
        assert!(!read_answer(b"N").unwrap());
        assert!(matches!(read_answer(b""), Err(UpgradeError::Closed { .. })));
        assert!(matches!(
            read_answer(b"E\x00\x00\x00\x0bMno way\x00\x00"),
            Err(UpgradeError::ServerError { message }) if message == "no way"
        ));
        assert!(matches!(
            read_answer(b"HTTP/1.1 400"),
            Err(UpgradeError::NotTheProtocol { .. })
        ));
    }

    #[test]
    fn parse_error_is_bounded() {
        assert_eq!(parse_error(b"E\xff\xff\xff\xffSFATAL"), None);
        assert_eq!(parse_error(b"E"), None);
        assert_eq!(parse_error(b"E\x00\x00\x00\x05"), None);
    }
}
