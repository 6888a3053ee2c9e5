//! Name the protocol behind a few unexpected bytes, so "wrong port" is said in
//! words ("this port speaks MySQL") instead of as a hex dump.

use serde::Serialize;

/// What some bytes from a server look like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sniffed {
    /// A short phrase: "a MySQL server greeting (version 8.0.36)".
    pub looks_like: String,
    /// Which protocol that is, when known: `tls`, `mysql`, `postgres`, `http`, ….
    pub protocol: Option<&'static str>,
    /// The first bytes, hex-encoded (at most 32).
    pub first_bytes_hex: String,
}

pub fn sniff(bytes: &[u8]) -> Sniffed {
    let (looks_like, protocol) = identify(bytes);
    Sniffed {
        looks_like,
        protocol,
        first_bytes_hex: hex(&bytes[..bytes.len().min(32)]),
    }
}

fn identify(b: &[u8]) -> (String, Option<&'static str>) {
    if b.is_empty() {
        return ("nothing (the server sent no bytes)".into(), None);
    }
    if b.len() >= 3 && (0x14..=0x17).contains(&b[0]) && b[1] == 0x03 && b[2] <= 0x04 {
        if b[0] == 0x15 && b.len() >= 7 {
            return (
                format!(
                    "a TLS alert ({}): the server speaks TLS from the first byte",
                    alert_name(b[6])
                ),
                Some("tls"),
            );
        }
        return (
            "a TLS record: the server speaks TLS from the first byte".into(),
            Some("tls"),
        );
    }
    if let Some(s) = mysql(b) {
        return (s, Some("mysql"));
    }
    if b[0] == b'E' && b.len() >= 6 {
        let len = u32::from_be_bytes([b[1], b[2], b[3], b[4]]) as usize;
        if (5..=16_384).contains(&len) && matches!(b[5], b'S' | b'V' | b'C' | b'M') {
            return ("a PostgreSQL error message".into(), Some("postgres"));
        }
    }
    if b.len() >= 16 {
        let len = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let op = i32::from_le_bytes([b[12], b[13], b[14], b[15]]);
        if (16..=48_000_000).contains(&len) && (op == 2013 || op == 1) {
            return ("a MongoDB wire-protocol reply".into(), Some("mongo"));
        }
    }
    let text = String::from_utf8_lossy(&b[..b.len().min(QUOTED)]);
    let first_line = text.lines().next().unwrap_or("").trim().to_string();
    if text.starts_with("HTTP/") {
        return (
            format!("an HTTP response (`{first_line}`): a web server or HTTP-mode load balancer"),
            Some("http"),
        );
    }
    if text.starts_with("SSH-") {
        return (format!("an SSH server (`{first_line}`)"), Some("ssh"));
    }
    if text.starts_with("220") {
        return (
            format!("an SMTP or FTP greeting (`{first_line}`)"),
            Some("smtp"),
        );
    }
    if text.starts_with("-ERR") || text.starts_with("-NOAUTH") || text.starts_with("+OK") {
        return (format!("a Redis reply (`{first_line}`)"), Some("redis"));
    }
    let printable = b
        .iter()
        .take(64)
        .all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace());
    if printable {
        return (format!("text: `{first_line}`"), None);
    }
    ("bytes of an unknown protocol".into(), None)
}

/// The most bytes of the server's own text quoted in a phrase.
const QUOTED: usize = 64;

/// A MySQL packet: 3-byte length, sequence 0, then a greeting or an error.
fn mysql(b: &[u8]) -> Option<String> {
    if b.len() < 5 {
        return None;
    }
    let len = u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize;
    if b[3] != 0 || !(1..=65_535).contains(&len) {
        return None;
    }
    match b[4] {
        0x0a => {
            let body = &b[5..];
            // A version string is short (MySQL's longest are ~40 bytes).
            let end = body.iter().take(QUOTED + 1).position(|&c| c == 0)?;
            let version = std::str::from_utf8(&body[..end]).ok()?;
            if version.is_empty() || !version.chars().next()?.is_ascii_digit() {
                return None;
            }
            Some(match super::upgrade::flavour(version) {
                (super::upgrade::Flavour::Mysql, _) => {
                    format!("a MySQL server greeting (version {version})")
                }
                (f, v) => format!(
                    "a MySQL-protocol greeting from {} {v} (version string {version})",
                    f.name()
                ),
            })
        }
        0x09 => Some("a MySQL protocol-9 greeting (a very old server)".into()),
        0xff if b.len() >= 7 => {
            let code = u16::from_le_bytes([b[5], b[6]]);
            // The packet may announce fewer bytes than its header and code.
            let rest = b.get(7..b.len().min(4 + len)).unwrap_or_default();
            let msg = rest
                .strip_prefix(b"#")
                .map(|r| &r[r.len().min(5)..])
                .unwrap_or(rest);
            let msg = &msg[..msg.len().min(QUOTED)];
            Some(format!(
                "a MySQL error packet ({code}: {})",
                String::from_utf8_lossy(msg).trim()
            ))
        }
        _ => None,
    }
}

pub fn alert_name(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("alert {code}"),
    };
    name.to_string()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_protocols() {
        let greeting = b"\x4a\x00\x00\x00\x0a8.0.36\x00\x08\x00\x00\x00";
        let s = sniff(greeting);
        assert_eq!(s.protocol, Some("mysql"));
        assert!(s.looks_like.contains("8.0.36"), "{}", s.looks_like);

        let mariadb = b"\x4a\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB-0+deb12u1\x00\x08\x00\x00\x00";
        let s = sniff(mariadb);
        assert_eq!(s.protocol, Some("mysql"));
        assert!(s.looks_like.contains("MariaDB 10.11.6"), "{}", s.looks_like);

        let mariadb_err = b"\x17\x00\x00\x00\xff\x6a\x04Host 'x' is not allowed";
        let s = sniff(mariadb_err);
        assert!(s.looks_like.contains("1130"), "{}", s.looks_like);

        let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46];
        let s = sniff(&alert);
        assert_eq!(s.protocol, Some("tls"));
        assert!(s.looks_like.contains("protocol_version"));

        assert_eq!(
            sniff(b"HTTP/1.1 400 Bad Request\r\n").protocol,
            Some("http")
        );
        assert_eq!(sniff(b"SSH-2.0-OpenSSH_9.2\r\n").protocol, Some("ssh"));
        assert_eq!(sniff(b"").protocol, None);
        assert_eq!(
            sniff(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2]).looks_like,
            "bytes of an unknown protocol"
        );
    }

    #[test]
    fn never_panics_on_short_or_odd_input() {
        for len in 0..40 {
            for fill in [0u8, 0x0a, 0x15, 0xff, b'E', 0x03] {
                let v = vec![fill; len];
                let _ = sniff(&v);
            }
        }
        let _ = sniff(b"\x05\x00\x00\x00\xff\x01");
        let _ = sniff(b"\x05\x00\x00\x00\x0a");
    }

    /// Found by the `sniff` fuzz target: an ERR packet announcing fewer
    /// bytes than its header and code (length 1) sliced `b[7..5]` and
    /// panicked, from any server's first bytes; and the phrase quoted up
    /// to 64 KiB of an error message or version string.
    #[test]
    fn a_short_or_long_mysql_packet_is_named_within_bounds() {
        let s = sniff(b"\x01\x00\x00\x00\xff\xff\x84\xff\xff");
        assert_eq!(s.looks_like, "a MySQL error packet (34047: )");
        let mut long = b"\xff\xff\x00\x00\xff\x10\x04".to_vec();
        long.extend(std::iter::repeat_n(b'x', 70_000));
        assert!(sniff(&long).looks_like.len() < 120);
        let mut version = b"\xff\xff\x00\x00\x0a8".to_vec();
        version.extend(std::iter::repeat_n(b'1', 70_000));
        version.push(0);
        assert_eq!(sniff(&version).protocol, None);
    }
}
