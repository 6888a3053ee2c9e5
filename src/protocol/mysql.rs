//! MySQL wire protocol (MySQL, MariaDB, TiDB): the server speaks first with
//! its initial handshake packet (the greeting); when that advertises
//! CLIENT_SSL the client answers with the 32-byte SSLRequest and TLS starts
//! on the next byte. No login is ever sent.
//!
//! Everything read here comes from the network: every length is checked
//! before use, the packet is capped at [`MAX_PACKET`], and every read runs
//! under the phase timeout.

use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::read_more;
use crate::facts::sniff;
use crate::facts::upgrade::{flavour, Greeting, LoginFacts, UpgradeError, UpgradeFacts};
use crate::settings::Login;

const REQUEST: &str = "the connection (a MySQL server sends its greeting first)";
/// Largest greeting accepted. Real greetings are about 100 bytes; the
/// protocol allows 16 MiB, which nobody needs to read to check TLS.
pub const MAX_PACKET: usize = 64 * 1024;
/// Longest server version string kept.
const MAX_VERSION: usize = 256;

pub const CLIENT_LONG_PASSWORD: u32 = 0x0000_0001;
pub const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
pub const CLIENT_SSL: u32 = 0x0000_0800;
pub const CLIENT_TRANSACTIONS: u32 = 0x0000_2000;
pub const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
pub const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;
/// Capabilities sent in the SSLRequest.
pub const SSL_REQUEST_CAPABILITIES: u32 = CLIENT_LONG_PASSWORD
    | CLIENT_PROTOCOL_41
    | CLIENT_SSL
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_PLUGIN_AUTH;
/// max_packet_size announced in the SSLRequest (16 MiB, as the C client does).
const MAX_PACKET_SIZE: u32 = 16 * 1024 * 1024;
/// utf8mb4_general_ci: known to MySQL 5.5+, MariaDB and TiDB alike.
const CHARSET_UTF8MB4: u8 = 45;

/// Capability flag names, by bit.
const CAPABILITY_NAMES: [&str; 32] = [
    "CLIENT_LONG_PASSWORD",
    "CLIENT_FOUND_ROWS",
    "CLIENT_LONG_FLAG",
    "CLIENT_CONNECT_WITH_DB",
    "CLIENT_NO_SCHEMA",
    "CLIENT_COMPRESS",
    "CLIENT_ODBC",
    "CLIENT_LOCAL_FILES",
    "CLIENT_IGNORE_SPACE",
    "CLIENT_PROTOCOL_41",
    "CLIENT_INTERACTIVE",
    "CLIENT_SSL",
    "CLIENT_IGNORE_SIGPIPE",
    "CLIENT_TRANSACTIONS",
    "CLIENT_RESERVED",
    "CLIENT_SECURE_CONNECTION",
    "CLIENT_MULTI_STATEMENTS",
    "CLIENT_MULTI_RESULTS",
    "CLIENT_PS_MULTI_RESULTS",
    "CLIENT_PLUGIN_AUTH",
    "CLIENT_CONNECT_ATTRS",
    "CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA",
    "CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS",
    "CLIENT_SESSION_TRACK",
    "CLIENT_DEPRECATE_EOF",
    "CLIENT_OPTIONAL_RESULTSET_METADATA",
    "CLIENT_ZSTD_COMPRESSION_ALGORITHM",
    "CLIENT_QUERY_ATTRIBUTES",
    "CLIENT_MULTI_FACTOR_AUTHENTICATION",
    "CLIENT_CAPABILITY_EXTENSION",
    "CLIENT_SSL_VERIFY_SERVER_CERT",
    "CLIENT_REMEMBER_OPTIONS",
];

/// An ERR packet in place of the greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrPacket {
    pub code: u16,
    pub sql_state: Option<String>,
    pub message: String,
}

/// What one packet from the server was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Greeting(Greeting),
    Err(ErrPacket),
    /// Not a greeting or an error this code understands.
    Other,
}

/// Read the greeting; send the SSLRequest when the server offers TLS.
pub async fn ssl_request(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<UpgradeFacts, UpgradeError> {
    let deadline = Instant::now() + timeout;
    let timed_out = || UpgradeError::Timeout {
        request: REQUEST,
        seconds: timeout.as_secs_f64(),
    };

    // The 4-byte header: length (3 bytes, little-endian) and sequence id.
    let mut header = [0u8; 4];
    let got = read_until(stream, &mut header, deadline).await?;
    if got == 0 {
        return Err(if Instant::now() >= deadline {
            timed_out()
        } else {
            UpgradeError::Closed { request: REQUEST }
        });
    }
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    if got < 4 || header[3] != 0 || len == 0 || len > MAX_PACKET {
        let mut seen = header[..got].to_vec();
        read_more(stream, &mut seen, 512, remaining(deadline, timeout)).await;
        return Err(not_mysql(&seen));
    }

    let mut body = vec![0u8; len];
    let got = read_until(stream, &mut body, deadline).await?;
    if got < len {
        let mut seen = header.to_vec();
        seen.extend_from_slice(&body[..got]);
        if Instant::now() >= deadline {
            return Err(timed_out());
        }
        return Err(match parse_packet(&body[..got]) {
            // A truncated error packet still says what the server meant.
            Packet::Err(e) => server_error(e),
            _ => not_mysql(&seen),
        });
    }

    let greeting = match parse_packet(&body) {
        Packet::Greeting(g) => g,
        Packet::Err(e) => return Err(server_error(e)),
        Packet::Other => {
            let mut seen = header.to_vec();
            seen.extend_from_slice(&body[..body.len().min(60)]);
            return Err(not_mysql(&seen));
        }
    };

    // Bytes after the greeting, before the client has said anything, would
    // reach the TLS handshake: count them without consuming them.
    let extra = already_buffered(stream).await;

    if !greeting.client_ssl {
        let answer = if greeting.protocol_version == 9 {
            "a protocol-9 greeting: a pre-4.1 server, which cannot do TLS".to_string()
        } else {
            "greeting without CLIENT_SSL: the server does not offer TLS".to_string()
        };
        return Ok(UpgradeFacts {
            method: "mysql-greeting",
            server_answer: Some(answer),
            tls_offered: false,
            bytes_after_answer: extra,
            alpn: Vec::new(),
            mysql: Some(greeting),
        });
    }

    let request = ssl_request_packet();
    match tokio::time::timeout_at(deadline, stream.write_all(&request)).await {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) => return Err(io_error(e)),
        Ok(Ok(())) => {}
    }
    Ok(UpgradeFacts {
        method: "mysql-sslrequest",
        server_answer: Some("greeting with CLIENT_SSL: the server offers TLS".into()),
        tls_offered: true,
        bytes_after_answer: extra,
        alpn: Vec::new(),
        mysql: Some(greeting),
    })
}

/// The SSLRequest packet: header (length 32, sequence id 1), capabilities,
/// max packet size, character set, 23 zero bytes.
pub fn ssl_request_packet() -> [u8; 36] {
    let mut p = [0u8; 36];
    p[0] = 32;
    p[3] = 1;
    p[4..8].copy_from_slice(&SSL_REQUEST_CAPABILITIES.to_le_bytes());
    p[8..12].copy_from_slice(&MAX_PACKET_SIZE.to_le_bytes());
    p[12] = CHARSET_UTF8MB4;
    p
}

pub const CLIENT_CONNECT_WITH_DB: u32 = 0x0000_0008;

/// The HandshakeResponse41 sent after TLS for `--user`: sequence id 2 (the
/// SSLRequest was 1), the SSLRequest's capabilities, the user, an empty
/// auth response (no password), the database if any, and
/// `mysql_native_password` as the plugin.
pub fn handshake_response(user: &str, database: Option<&str>) -> Vec<u8> {
    let mut caps = SSL_REQUEST_CAPABILITIES;
    if database.is_some() {
        caps |= CLIENT_CONNECT_WITH_DB;
    }
    let mut body = Vec::new();
    body.extend_from_slice(&caps.to_le_bytes());
    body.extend_from_slice(&MAX_PACKET_SIZE.to_le_bytes());
    body.push(CHARSET_UTF8MB4);
    body.extend_from_slice(&[0u8; 23]);
    body.extend_from_slice(user.as_bytes());
    body.push(0);
    body.push(0); // auth response length: no password
    if let Some(db) = database {
        body.extend_from_slice(db.as_bytes());
        body.push(0);
    }
    body.extend_from_slice(b"mysql_native_password\0");
    let len = body.len() as u32;
    let mut packet = vec![len as u8, (len >> 8) as u8, (len >> 16) as u8, 2];
    packet.extend_from_slice(&body);
    packet
}

/// `--user`: the HandshakeResponse on the TLS stream and the server's
/// answer: OK, ERR (1045 access denied, 3159 insecure transport, …), or an
/// AuthSwitchRequest naming the plugin the account uses. After OK, COM_QUIT.
pub(crate) async fn login<S>(
    stream: &mut S,
    login: &Login,
    timeout: Duration,
    facts: &mut LoginFacts,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let packet = handshake_response(&login.user, login.database.as_deref());
    if !super::send_within(stream, &packet, timeout, facts).await {
        return;
    }
    let mut head = [0u8; 4];
    if let Err(kind) = super::read_exact_within(stream, &mut head, timeout).await {
        facts.answer = kind;
        return;
    }
    let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
    if len == 0 || len > MAX_PACKET {
        facts.answer = "unexpected";
        facts.message = Some(format!("a packet of {len} bytes"));
        return;
    }
    let mut body = vec![0u8; len];
    if let Err(kind) = super::read_exact_within(stream, &mut body, timeout).await {
        facts.answer = kind;
        return;
    }
    match body[0] {
        0x00 => {
            facts.answer = "ok";
            facts.method = Some("none (no password needed)".into());
            // COM_QUIT, sequence id 0.
            let _ = tokio::time::timeout(timeout, async {
                stream.write_all(&[1, 0, 0, 0, 0x01]).await?;
                stream.flush().await
            })
            .await;
            facts.ended_with = "com-quit";
        }
        0xff => {
            facts.answer = "error";
            if let Some(e) = parse_err(&body) {
                facts.code = Some(e.code.to_string());
                facts.sql_state = e.sql_state;
                facts.message = Some(e.message);
            }
        }
        0xfe => {
            facts.answer = "authentication-request";
            let mut c = Cursor { b: &body[1..] };
            facts.method = c
                .cstr()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .or(Some("mysql_old_password".into()));
        }
        0x01 => {
            facts.answer = "authentication-request";
            facts.method = Some("more data (caching_sha2_password / sha256_password)".into());
        }
        other => {
            facts.answer = "unexpected";
            facts.message = Some(format!("a packet starting with 0x{other:02x}"));
        }
    }
}

fn remaining(deadline: Instant, cap: Duration) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .min(cap)
        .min(Duration::from_millis(300))
}

/// Fill `buf` until full, EOF or the deadline; returns how many bytes arrived.
async fn read_until(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<usize, UpgradeError> {
    let mut filled = 0;
    while filled < buf.len() {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf[filled..])).await {
            Err(_) => break,
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => filled += n,
            Ok(Err(e)) if filled == 0 => return Err(io_error(e)),
            Ok(Err(_)) => break,
        }
    }
    Ok(filled)
}

fn not_mysql(seen: &[u8]) -> UpgradeError {
    UpgradeError::NotTheProtocol {
        expected: "a MySQL server greeting",
        found: sniff::sniff(seen),
    }
}

fn server_error(e: ErrPacket) -> UpgradeError {
    UpgradeError::ServerErrorPacket {
        code: e.code,
        sql_state: e.sql_state,
        message: e.message,
    }
}

fn io_error(e: std::io::Error) -> UpgradeError {
    UpgradeError::Io {
        error: e.to_string(),
    }
}

/// How many bytes the server has already sent, without consuming them.
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

/// A cursor over a packet body that never reads past its end.
struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.b.len() < n {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Up to the next NUL (consumed); `None` if there is none.
    fn cstr(&mut self) -> Option<&'a [u8]> {
        let end = self.b.iter().position(|&c| c == 0)?;
        let s = &self.b[..end];
        self.b = &self.b[end + 1..];
        Some(s)
    }
}

/// Parse one packet body (without its 4-byte header).
pub fn parse_packet(body: &[u8]) -> Packet {
    match body.first() {
        Some(0x0a) | Some(0x09) => parse_greeting(body).map_or(Packet::Other, Packet::Greeting),
        Some(0xff) => parse_err(body).map_or(Packet::Other, Packet::Err),
        _ => Packet::Other,
    }
}

fn parse_err(body: &[u8]) -> Option<ErrPacket> {
    let mut c = Cursor { b: body };
    c.u8()?;
    let code = c.u16()?;
    let mut sql_state = None;
    // A SQLSTATE is five ASCII letters or digits; other bytes after `#`
    // are left in the message.
    if c.b.first() == Some(&b'#')
        && c.b.len() >= 6
        && c.b[1..6].iter().all(u8::is_ascii_alphanumeric)
    {
        sql_state = Some(String::from_utf8_lossy(&c.b[1..6]).into_owned());
        c.take(6)?;
    }
    let msg = &c.b[..c.b.len().min(1024)];
    Some(ErrPacket {
        code,
        sql_state,
        message: String::from_utf8_lossy(msg).trim().to_string(),
    })
}

fn parse_greeting(body: &[u8]) -> Option<Greeting> {
    let mut c = Cursor { b: body };
    let protocol_version = c.u8()?;
    let version = c.cstr()?;
    if version.is_empty()
        || version.len() > MAX_VERSION
        || !version[0].is_ascii_digit()
        || !version.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    {
        return None;
    }
    let server_version = String::from_utf8_lossy(version).into_owned();
    let (flavour, flavour_version) = flavour(&server_version);
    let mut g = Greeting {
        protocol_version,
        server_version,
        flavour,
        flavour_version,
        connection_id: None,
        capabilities: None,
        capability_flags: Vec::new(),
        client_ssl: false,
        charset: None,
        charset_name: None,
        status: None,
        auth_plugin: None,
    };
    g.connection_id = c.u32();
    if protocol_version == 9 || g.connection_id.is_none() {
        // Protocol 9: the scramble follows, and nothing about TLS.
        return Some(g);
    }
    // auth-plugin-data part 1 (8 bytes) and a filler byte.
    if c.take(9).is_none() {
        return Some(g);
    }
    let Some(low) = c.u16() else {
        return Some(g);
    };
    let mut caps = u32::from(low);
    if let (Some(charset), Some(status), Some(high)) = (c.u8(), c.u16(), c.u16()) {
        caps |= u32::from(high) << 16;
        g.charset = Some(charset);
        g.charset_name = charset_name(charset);
        g.status = Some(status);
        let auth_data_len = c.u8().unwrap_or(0);
        // 10 reserved bytes (MariaDB keeps extended capabilities in the last 4).
        if c.take(10).is_some() && caps & CLIENT_SECURE_CONNECTION != 0 {
            let part2 = (usize::from(auth_data_len).saturating_sub(8)).max(13);
            if c.take(part2).is_some() && caps & CLIENT_PLUGIN_AUTH != 0 {
                // Some servers omit the final NUL.
                let name = c.cstr().unwrap_or(c.b);
                let name = &name[..name.len().min(64)];
                if !name.is_empty() && name.iter().all(|b| b.is_ascii_graphic()) {
                    g.auth_plugin = Some(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    g.capabilities = Some(format!("0x{caps:08x}"));
    g.capability_flags = (0..32)
        .filter(|bit| caps & (1 << bit) != 0)
        .map(|bit| CAPABILITY_NAMES[bit])
        .collect();
    g.client_ssl = caps & CLIENT_SSL != 0;
    Some(g)
}

fn charset_name(id: u8) -> Option<&'static str> {
    Some(match id {
        8 => "latin1_swedish_ci",
        28 => "gbk_chinese_ci",
        33 => "utf8mb3_general_ci",
        45 => "utf8mb4_general_ci",
        46 => "utf8mb4_bin",
        63 => "binary",
        83 => "utf8mb3_bin",
        192 => "utf8mb3_unicode_ci",
        224 => "utf8mb4_unicode_ci",
        255 => "utf8mb4_0900_ai_ci",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::upgrade::Flavour;
    use tokio::net::TcpListener;

    /// A MariaDB 10.11 greeting as sent by Debian 12's mariadbd with TLS off.
    const MARIADB_NO_TLS: &[u8] = b"d\x00\x00\x00\n5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x03\x00\x00\x00\"!|p?(Gl\x00\xfe\xf7\x08\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00nazddJ&{\\;Qd\x00mysql_native_password\x00";

    fn greeting(packet: &[u8]) -> Greeting {
        match parse_packet(&packet[4..]) {
            Packet::Greeting(g) => g,
            other => panic!("{other:?}"),
        }
    }

    fn with_ssl(packet: &[u8]) -> Vec<u8> {
        let mut p = packet.to_vec();
        let at = 4 + 1 + p[5..].iter().position(|&c| c == 0).unwrap() + 1 + 4 + 9;
        p[at + 1] |= 0x08;
        p
    }

    #[test]
    fn parses_a_real_mariadb_greeting() {
        let g = greeting(MARIADB_NO_TLS);
        assert_eq!(g.protocol_version, 10);
        assert_eq!(g.flavour, Flavour::Mariadb);
        assert_eq!(g.flavour_version, "10.11.19");
        assert_eq!(g.describe(), "MariaDB 10.11.19");
        assert_eq!(g.connection_id, Some(3));
        assert_eq!(g.capabilities.as_deref(), Some("0x81fff7fe"));
        assert!(!g.client_ssl);
        assert!(g.capability_flags.contains(&"CLIENT_PROTOCOL_41"));
        assert!(!g.capability_flags.contains(&"CLIENT_SSL"));
        assert_eq!(g.charset, Some(8));
        assert_eq!(g.status, Some(2));
        assert_eq!(g.auth_plugin.as_deref(), Some("mysql_native_password"));
        assert!(greeting(&with_ssl(MARIADB_NO_TLS)).client_ssl);
    }

    #[test]
    fn err_packets() {
        let e = parse_packet(
            b"\xff\x6a\x04Host '10.0.0.1' is not allowed to connect to this MariaDB server",
        );
        assert_eq!(
            e,
            Packet::Err(ErrPacket {
                code: 1130,
                sql_state: None,
                message: "Host '10.0.0.1' is not allowed to connect to this MariaDB server".into()
            })
        );
        let e = parse_packet(b"\xff\x10\x04#08004Too many connections");
        let Packet::Err(e) = e else { panic!() };
        assert_eq!((e.code, e.sql_state.as_deref()), (1040, Some("08004")));
        assert_eq!(parse_packet(b"\xff"), Packet::Other);
    }

    /// Found by the `mysql` fuzz target: `#` and five bytes that are not a
    /// SQLSTATE (here UTF-8 that decodes to fewer characters) were reported
    /// as one; they stay in the message now.
    #[test]
    fn a_sql_state_is_five_ascii_characters() {
        let Packet::Err(e) = parse_packet(b"\xff\x10\x04#\xca\x9c\x90\x91\xefxyz") else {
            panic!()
        };
        assert_eq!(e.sql_state, None);
        assert!(e.message.starts_with('#'), "{}", e.message);
    }

    #[test]
    fn protocol_9() {
        let g = match parse_packet(b"\x093.21.33\x00\x05\x00\x00\x00abcdefgh\x00") {
            Packet::Greeting(g) => g,
            other => panic!("{other:?}"),
        };
        assert_eq!(g.protocol_version, 9);
        assert!(!g.client_ssl);
        assert_eq!(g.connection_id, Some(5));
    }

    #[test]
    fn never_panics_on_truncated_or_odd_greetings() {
        let body = &MARIADB_NO_TLS[4..];
        for cut in 0..=body.len() {
            let _ = parse_packet(&body[..cut]);
        }
        for fill in [0u8, 0x0a, 0xff, 0x09, b'8'] {
            for len in 0..80 {
                let mut v = vec![fill; len];
                if let Some(f) = v.first_mut() {
                    *f = 0x0a;
                }
                let _ = parse_packet(&v);
            }
        }
        // A version string that never ends is not a greeting.
        assert_eq!(parse_packet(b"\x0a8.0.36"), Packet::Other);
        assert_eq!(parse_packet(b"\x0aHELLO\x00"), Packet::Other);
    }

    #[test]
    fn ssl_request_layout() {
        let p = ssl_request_packet();
        assert_eq!(&p[..4], &[32, 0, 0, 1]);
        let caps = u32::from_le_bytes([p[4], p[5], p[6], p[7]]);
        assert_ne!(caps & CLIENT_SSL, 0);
        assert_ne!(caps & CLIENT_PROTOCOL_41, 0);
        assert_ne!(caps & CLIENT_SECURE_CONNECTION, 0);
        assert_eq!(p[12], 45);
        assert!(p[13..].iter().all(|&b| b == 0));
    }

    async fn server_says(reply: Vec<u8>) -> (Result<UpgradeFacts, UpgradeError>, Vec<u8>) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let peer = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(&reply).await.unwrap();
            let mut got = Vec::new();
            let _ = tokio::time::timeout(Duration::from_millis(300), s.read_to_end(&mut got)).await;
            got
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let r = ssl_request(&mut c, Duration::from_secs(2)).await;
        drop(c);
        (r, peer.await.unwrap())
    }

    #[tokio::test]
    async fn client_ssl_gets_an_ssl_request() {
        let (r, sent) = server_says(with_ssl(MARIADB_NO_TLS)).await;
        let f = r.unwrap();
        assert!(f.tls_offered);
        assert_eq!(f.method, "mysql-sslrequest");
        assert_eq!(sent, ssl_request_packet().to_vec());
    }

    #[tokio::test]
    async fn bytes_after_the_greeting_are_counted_not_consumed() {
        let mut reply = with_ssl(MARIADB_NO_TLS);
        reply.extend_from_slice(b"xyz");
        let (r, _) = server_says(reply).await;
        assert_eq!(r.unwrap().bytes_after_answer, 3);
    }

    #[tokio::test]
    async fn no_client_ssl_sends_nothing() {
        let (r, sent) = server_says(MARIADB_NO_TLS.to_vec()).await;
        let f = r.unwrap();
        assert!(!f.tls_offered);
        assert_eq!(f.mysql.unwrap().flavour, Flavour::Mariadb);
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn err_packet_is_an_error_with_its_code() {
        let msg = b"Host '127.0.0.1' is blocked because of many connection errors";
        let mut p = vec![(msg.len() + 3) as u8, 0, 0, 0, 0xff, 0x69, 0x04];
        p.extend_from_slice(msg);
        let (r, _) = server_says(p).await;
        match r.unwrap_err() {
            UpgradeError::ServerErrorPacket { code, message, .. } => {
                assert_eq!(code, 1129);
                assert!(message.contains("blocked"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn other_protocols_are_named() {
        let (r, _) = server_says(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()).await;
        match r.unwrap_err() {
            UpgradeError::NotTheProtocol { found, .. } => assert_eq!(found.protocol, Some("ssh")),
            other => panic!("{other:?}"),
        }
        // A PostgreSQL error message (what a PostgreSQL server sends on garbage).
        let (r, _) =
            server_says(b"E\x00\x00\x00\x32SFATAL\x00C0A000\x00Munsupported\x00\x00".to_vec())
                .await;
        match r.unwrap_err() {
            UpgradeError::NotTheProtocol { found, .. } => {
                assert_eq!(found.protocol, Some("postgres"))
            }
            other => panic!("{other:?}"),
        }
        // An oversized length is not read.
        let (r, _) = server_says(vec![0xff, 0xff, 0xff, 0x00, 0x0a]).await;
        assert!(matches!(
            r.unwrap_err(),
            UpgradeError::NotTheProtocol { .. }
        ));
    }

    #[tokio::test]
    async fn silence_times_out_and_eof_is_closed() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (_s, _) = l.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(3)).await;
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let e = ssl_request(&mut c, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(e, UpgradeError::Timeout { .. }), "{e:?}");

        let (r, _) = server_says(Vec::new()).await;
        assert!(matches!(r.unwrap_err(), UpgradeError::Closed { .. }));
    }
}
