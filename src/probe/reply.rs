//! Read and parse a server's answer to a probe ClientHello: its
//! ServerHello (or HelloRetryRequest), and in TLS ≤ 1.2 the Certificate and
//! ServerKeyExchange that travel in clear, or the alert that refused the
//! hello. Other messages of the flight are passed over.
//!
//! Every read is bounded: a record is at most 2^14 + 2048 bytes, the whole
//! answer at most [`MAX_ANSWER`], and the caller's deadline ends the wait.

use std::time::Duration;

use tokio::io::AsyncRead;

use crate::facts::scan::version_name;
use crate::facts::sniff;
use crate::protocol::read_exact_within;

/// The most bytes read from one server answer (a long chain fits easily).
pub const MAX_ANSWER: usize = 256 * 1024;
const MAX_RECORD: usize = (1 << 14) + 2048;

/// The HelloRetryRequest's fixed random (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// How far to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadUntil {
    /// The ServerHello is enough (enumeration).
    ServerHello,
    /// TLS ≤ 1.2: read on to ServerHelloDone (certificates, key exchange).
    HelloDone,
}

/// What the server answered a probe.
#[derive(Debug, Clone)]
pub enum Answer {
    Hello(Box<ServerFlight>),
    Alert {
        level: u8,
        description: u8,
    },
    /// The connection closed (or was reset) before any answer.
    Closed,
    Timeout,
    /// The answer is not TLS.
    NotTls(sniff::Sniffed),
    /// TLS, but not a well-formed answer.
    Malformed(String),
}

impl Answer {
    /// The answer in words: `ServerHello TLSv1.2`, `alert protocol_version`.
    pub fn describe(&self) -> String {
        match self {
            Answer::Hello(h) if h.hello_retry => {
                format!("HelloRetryRequest {}", version_name(h.version))
            }
            Answer::Hello(h) => format!("ServerHello {}", version_name(h.version)),
            Answer::Alert { description, .. } => {
                format!("alert {}", sniff::alert_name(*description))
            }
            Answer::Closed => "closed the connection".into(),
            Answer::Timeout => "no answer (timeout)".into(),
            Answer::NotTls(s) => format!("not TLS: {}", s.looks_like),
            Answer::Malformed(why) => format!("malformed answer: {why}"),
        }
    }
}

/// The server's first flight, as far as it was read.
#[derive(Debug, Clone, Default)]
pub struct ServerFlight {
    /// The negotiated version: supported_versions' when present, else the
    /// ServerHello's own.
    pub version: u16,
    pub cipher: u16,
    pub hello_retry: bool,
    /// TLS 1.3: the group in the key_share (HelloRetryRequest: the group the
    /// server asks for).
    pub group: Option<u16>,
    /// The server answered renegotiation_info (RFC 5746 secure renegotiation).
    pub secure_renegotiation: bool,
    /// TLS ≤ 1.2 with [`ReadUntil::HelloDone`]: the Certificate message, DER.
    pub certificates: Vec<Vec<u8>>,
    /// ECDHE: the curve in ServerKeyExchange.
    pub kx_group: Option<u16>,
    /// DHE: the size of the prime in ServerKeyExchange, in bits.
    pub dh_bits: Option<u32>,
}

/// Read the server's answer from `stream` until `until`, the deadline or
/// [`MAX_ANSWER`] bytes.
pub async fn read_answer<S>(stream: &mut S, until: ReadUntil, timeout: Duration) -> Answer
where
    S: AsyncRead + Unpin,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut handshake: Vec<u8> = Vec::new();
    let mut flight: Option<ServerFlight> = None;
    let mut total = 0usize;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let mut header = [0u8; 5];
        if let Err(kind) = read_exact_within(stream, &mut header, left).await {
            return match (flight, kind) {
                // Whatever was read of the flight is still an answer.
                (Some(f), _) => Answer::Hello(Box::new(f)),
                (None, "timeout") => Answer::Timeout,
                (None, _) => Answer::Closed,
            };
        }
        let kind = header[0];
        let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if !(20..=24).contains(&kind) || header[1] != 3 || length > MAX_RECORD {
            if flight.is_none() && total == 0 {
                let mut seen = header.to_vec();
                let mut more = [0u8; 27];
                use tokio::io::AsyncReadExt;
                if let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(50), stream.read(&mut more)).await
                {
                    seen.extend_from_slice(&more[..n]);
                }
                return Answer::NotTls(sniff::sniff(&seen));
            }
            return finish(flight, "a record that is not TLS");
        }
        total += 5 + length;
        if total > MAX_ANSWER {
            return finish(flight, "the answer is longer than 256 KiB");
        }
        let mut body = vec![0u8; length];
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if read_exact_within(stream, &mut body, left).await.is_err() {
            return finish(flight, "the connection ended inside a record");
        }
        match kind {
            21 if body.len() >= 2 => {
                if let Some(f) = flight {
                    // An alert after the hello (say, no certificate for this
                    // name): the hello still answers the question.
                    return Answer::Hello(Box::new(f));
                }
                return Answer::Alert {
                    level: body[0],
                    description: body[1],
                };
            }
            22 => {
                handshake.extend_from_slice(&body);
                match take_messages(&mut handshake, &mut flight, until) {
                    Ok(true) => {
                        return match flight {
                            Some(f) => Answer::Hello(Box::new(f)),
                            None => Answer::Malformed("no ServerHello".into()),
                        }
                    }
                    Ok(false) => {}
                    Err(why) => return finish(flight, &why),
                }
            }
            // ChangeCipherSpec (TLS 1.3 middlebox compatibility) or data:
            // the clear part of the flight is over.
            _ => return finish(flight, "unexpected record"),
        }
    }
}

fn finish(flight: Option<ServerFlight>, why: &str) -> Answer {
    match flight {
        Some(f) => Answer::Hello(Box::new(f)),
        None => Answer::Malformed(why.to_string()),
    }
}

/// Parse every complete handshake message in `buf` (consuming them).
/// `Ok(true)` when the read is done.
fn take_messages(
    buf: &mut Vec<u8>,
    flight: &mut Option<ServerFlight>,
    until: ReadUntil,
) -> Result<bool, String> {
    let mut at = 0;
    let done = loop {
        let rest = &buf[at..];
        if rest.len() < 4 {
            break false;
        }
        let kind = rest[0];
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if len > MAX_ANSWER {
            return Err(format!("a handshake message of {len} bytes"));
        }
        if rest.len() < 4 + len {
            break false;
        }
        let msg = &rest[4..4 + len];
        at += 4 + len;
        match (kind, flight.as_mut()) {
            (2, None) => {
                let f = parse_server_hello(msg)?;
                let stop = until == ReadUntil::ServerHello || f.version >= 0x0304 || f.hello_retry;
                *flight = Some(f);
                if stop {
                    break true;
                }
            }
            (2, Some(_)) => return Err("a second ServerHello".into()),
            (_, None) => return Err(format!("handshake message {kind} before ServerHello")),
            (11, Some(f)) => f.certificates = parse_certificate(msg)?,
            (12, Some(f)) => parse_key_exchange(msg, f),
            (14, Some(_)) => break true,
            _ => {}
        }
    };
    buf.drain(..at);
    Ok(done)
}

/// A cursor over a message, every read bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("truncated message".into());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Result<usize, String> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

fn parse_server_hello(msg: &[u8]) -> Result<ServerFlight, String> {
    let mut r = Reader(msg);
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    let sid_len = r.u8()?;
    r.take(usize::from(sid_len))?;
    let cipher = r.u16()?;
    let _compression = r.u8()?;
    let mut f = ServerFlight {
        version: legacy_version,
        cipher,
        hello_retry: random == HRR_RANDOM,
        ..ServerFlight::default()
    };
    if r.0.is_empty() {
        return Ok(f);
    }
    let ext_len = r.u16()?;
    let mut exts = Reader(r.take(usize::from(ext_len))?);
    while !exts.0.is_empty() {
        let kind = exts.u16()?;
        let len = exts.u16()?;
        let data = exts.take(usize::from(len))?;
        let mut d = Reader(data);
        match kind {
            0x002b => f.version = d.u16()?,
            // ServerHello: KeyShareEntry (group, key); HRR: the group alone.
            0x0033 => f.group = Some(d.u16()?),
            0xff01 => f.secure_renegotiation = true,
            _ => {}
        }
    }
    Ok(f)
}

fn parse_certificate(msg: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut r = Reader(msg);
    let total = r.u24()?;
    let mut list = Reader(r.take(total)?);
    let mut certs = Vec::new();
    while !list.0.is_empty() {
        let len = list.u24()?;
        certs.push(list.take(len)?.to_vec());
    }
    Ok(certs)
}

/// ServerKeyExchange: the ECDHE curve or the DHE prime's size. Other key
/// exchanges (PSK, SRP) are left alone.
fn parse_key_exchange(msg: &[u8], f: &mut ServerFlight) {
    let mut r = Reader(msg);
    match r.u8() {
        // ECParameters: named_curve(3), NamedCurve.
        Ok(3) => f.kx_group = r.u16().ok(),
        Ok(_) => {
            // ServerDHParams: dh_p<1..2^16-1> first. Re-read from the start.
            let mut r = Reader(msg);
            if let Ok(len) = r.u16() {
                if let Ok(p) = r.take(usize::from(len)) {
                    let lead = p.iter().take_while(|b| **b == 0).count();
                    let p = &p[lead..];
                    if let Some(first) = p.first() {
                        let bits = (p.len() as u32) * 8 - first.leading_zeros();
                        f.dh_bits = Some(bits);
                    }
                }
            }
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![kind, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    fn server_hello(version: u16, cipher: u16, random: [u8; 32], ext: &[u8]) -> Vec<u8> {
        let mut b = version.to_be_bytes().to_vec();
        b.extend_from_slice(&random);
        b.push(0);
        b.extend_from_slice(&cipher.to_be_bytes());
        b.push(0);
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(ext);
        handshake(2, &b)
    }

    async fn answer(bytes: Vec<u8>, until: ReadUntil) -> Answer {
        let mut s: &[u8] = &bytes;
        read_answer(&mut s, until, Duration::from_secs(1)).await
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn reads_an_alert() {
        let a = rt().block_on(answer(record(21, &[2, 70]), ReadUntil::ServerHello));
        assert!(matches!(
            a,
            Answer::Alert {
                level: 2,
                description: 70
            }
        ));
        assert_eq!(a.describe(), "alert protocol_version");
    }

    #[test]
    fn reads_a_tls12_flight_split_across_records() {
        let mut flight = server_hello(0x0303, 0xc02f, [7; 32], &[0xff, 0x01, 0, 1, 0]);
        let mut cert = Vec::new();
        let certs = [vec![0x30, 1, 2], vec![0x30, 3]];
        let mut list = Vec::new();
        for c in &certs {
            list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(c);
        }
        cert.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
        cert.extend_from_slice(&list);
        flight.extend(handshake(11, &cert));
        flight.extend(handshake(12, &[3, 0, 0x1d, 1, 0]));
        flight.extend(handshake(14, &[]));
        // Split mid-message, as servers with long chains do.
        let (a, b) = flight.split_at(50);
        let mut bytes = record(22, a);
        bytes.extend(record(22, b));
        let Answer::Hello(f) = rt().block_on(answer(bytes, ReadUntil::HelloDone)) else {
            panic!("no hello")
        };
        assert_eq!(f.version, 0x0303);
        assert_eq!(f.cipher, 0xc02f);
        assert!(f.secure_renegotiation);
        assert_eq!(f.certificates, certs.to_vec());
        assert_eq!(f.kx_group, Some(0x1d));
    }

    #[test]
    fn recognises_a_hello_retry_request_and_its_group() {
        let ext = [0x00, 0x2b, 0, 2, 3, 4, 0x00, 0x33, 0, 2, 0x00, 0x18];
        let bytes = record(22, &server_hello(0x0303, 0x1302, HRR_RANDOM, &ext));
        let Answer::Hello(f) = rt().block_on(answer(bytes, ReadUntil::HelloDone)) else {
            panic!("no hello")
        };
        assert!(f.hello_retry);
        assert_eq!(f.version, 0x0304);
        assert_eq!(f.cipher, 0x1302);
        assert_eq!(f.group, Some(0x18));
    }

    /// Random bytes behind a plausible record header, and every prefix of a
    /// real flight: never a panic, always an answer.
    #[test]
    fn arbitrary_input_never_panics() {
        let rt = rt();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let len = (next() % 300) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if next() % 2 == 0 && bytes.len() > 5 {
                bytes[0] = 22;
                bytes[1] = 3;
                bytes[5] = 2;
            }
            let until = if next() % 2 == 0 {
                ReadUntil::HelloDone
            } else {
                ReadUntil::ServerHello
            };
            let _ = rt.block_on(answer(bytes, until)).describe();
        }
        let mut flight = server_hello(0x0303, 0xc02f, [7; 32], &[0xff, 0x01, 0, 1, 0]);
        flight.extend(handshake(11, &[0, 0, 5, 0, 0, 2, 0x30, 0]));
        flight.extend(handshake(14, &[]));
        let full = record(22, &flight);
        for cut in 0..full.len() {
            let _ = rt.block_on(answer(full[..cut].to_vec(), ReadUntil::HelloDone));
        }
    }

    #[test]
    fn dh_prime_size() {
        let mut f = ServerFlight::default();
        let mut ske = vec![0, 129, 0];
        ske.extend_from_slice(&[0xff; 128]);
        parse_key_exchange(&ske, &mut f);
        assert_eq!(f.dh_bits, Some(1024));
    }

    #[test]
    fn garbage_is_not_tls_and_truncation_is_not_a_panic() {
        let a = rt().block_on(answer(b"HTTP/1.1 400 Bad".to_vec(), ReadUntil::ServerHello));
        assert!(matches!(a, Answer::NotTls(_)));
        let mut bytes = record(22, &server_hello(0x0303, 0xc02f, [1; 32], &[]));
        bytes.truncate(20);
        let a = rt().block_on(answer(bytes, ReadUntil::ServerHello));
        assert!(matches!(a, Answer::Malformed(_)), "{a:?}");
        let a = rt().block_on(answer(Vec::new(), ReadUntil::ServerHello));
        assert!(matches!(a, Answer::Closed));
        // Lengths that lie.
        let a = rt().block_on(answer(
            record(22, &handshake(2, &[3, 3, 0])),
            ReadUntil::ServerHello,
        ));
        assert!(matches!(a, Answer::Malformed(_)), "{a:?}");
    }
}
