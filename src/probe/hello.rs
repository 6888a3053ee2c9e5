//! Hand-built ClientHello messages: any version from SSLv3 to TLS 1.3, any
//! list of cipher suites and groups, including those rustls does not
//! implement. A probe only reads the server's first flight, so nothing here
//! needs key material: the TLS 1.3 hello sends an empty key_share and the
//! server answers with a HelloRetryRequest naming its choice.

use crate::facts::scan::ProbeVersion;

/// Groups offered to TLS ≤ 1.2 servers: every named curve and the FFDHE
/// groups, so that the curve never decides whether a suite is accepted.
pub const GROUPS_TLS12: &[u16] = &[
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0016, 0x0015, 0x0014, 0x0013, 0x0012, 0x0011, 0x0010,
    0x000f, 0x000e, 0x000d, 0x000c, 0x000b, 0x000a, 0x0009, 0x0008, 0x0007, 0x0006, 0x0005, 0x0004,
    0x0003, 0x0002, 0x0001, 0x001a, 0x001b, 0x001c, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
];

/// Groups a TLS 1.3 server may choose from (RFC 8446, RFC 8734, the ML-KEM
/// hybrids and their pre-standard predecessor).
pub const GROUPS_TLS13: &[u16] = &[
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x001f, 0x0020,
    0x0021, 0x11ec, 0x11eb, 0x11ed, 0x6399, 0x0200, 0x0201, 0x0202,
];

/// Signature schemes offered: everything a server might sign with,
/// SHA-1 and DSA included, so the scheme never decides a probe.
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401,
    0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202, 0x0402, 0x0502, 0x0602,
];

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV: SSLv3's way of asking for RFC 5746.
const RENEGOTIATION_SCSV: u16 = 0x00ff;

/// One ClientHello to send.
#[derive(Debug, Clone)]
pub struct ClientHello<'a> {
    pub version: ProbeVersion,
    pub suites: &'a [u16],
    /// supported_groups (TLS 1.3: the groups the server may pick for its
    /// HelloRetryRequest; the key_share itself is empty).
    pub groups: &'a [u16],
    pub sni: Option<&'a str>,
    pub alpn: &'a [String],
}

impl ClientHello<'_> {
    /// The ClientHello as one handshake record.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(256 + 2 * self.suites.len());
        let legacy = self.version.wire().min(0x0303);
        put_u16(&mut body, legacy);
        body.extend_from_slice(&client_random());
        if self.version == ProbeVersion::Tls13 {
            // A legacy session id, as TLS 1.3 clients in compatibility mode
            // send: some middleboxes drop hellos without one.
            body.push(32);
            body.extend_from_slice(&[0x5a; 32]);
        } else {
            body.push(0);
        }
        let mut suites: Vec<u16> = self.suites.to_vec();
        if self.version == ProbeVersion::Ssl3 {
            suites.push(RENEGOTIATION_SCSV);
        }
        put_u16(&mut body, (suites.len() * 2) as u16);
        for s in suites {
            put_u16(&mut body, s);
        }
        body.extend_from_slice(&[1, 0]); // compression: null only
        if self.version != ProbeVersion::Ssl3 {
            let ext = self.extensions();
            put_u16(&mut body, ext.len() as u16);
            body.extend_from_slice(&ext);
        }

        let mut handshake = Vec::with_capacity(body.len() + 4);
        handshake.push(1); // client_hello
        put_u24(&mut handshake, body.len());
        handshake.extend_from_slice(&body);

        let mut record = Vec::with_capacity(handshake.len() + 5);
        record.push(22); // handshake
                         // Record-layer version: what OpenSSL clients send (TLS 1.0 for
                         // every version from 1.0 up; some old servers refuse anything else).
        put_u16(
            &mut record,
            if self.version == ProbeVersion::Ssl3 {
                0x0300
            } else {
                0x0301
            },
        );
        put_u16(&mut record, handshake.len() as u16);
        record.extend_from_slice(&handshake);
        record
    }

    fn extensions(&self) -> Vec<u8> {
        let mut ext = Vec::with_capacity(256);
        if let Some(name) = self.sni {
            let mut list = Vec::new();
            list.push(0); // host_name
            put_u16(&mut list, name.len() as u16);
            list.extend_from_slice(name.as_bytes());
            let mut data = Vec::new();
            put_u16(&mut data, list.len() as u16);
            data.extend_from_slice(&list);
            put_ext(&mut ext, 0x0000, &data);
        }
        if !self.groups.is_empty() {
            let mut data = Vec::new();
            put_u16(&mut data, (self.groups.len() * 2) as u16);
            for g in self.groups {
                put_u16(&mut data, *g);
            }
            put_ext(&mut ext, 0x000a, &data);
        }
        put_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
        if self.version >= ProbeVersion::Tls12 {
            let mut data = Vec::new();
            put_u16(&mut data, (SIGNATURE_SCHEMES.len() * 2) as u16);
            for s in SIGNATURE_SCHEMES {
                put_u16(&mut data, *s);
            }
            put_ext(&mut ext, 0x000d, &data);
        }
        if !self.alpn.is_empty() {
            let mut list = Vec::new();
            for p in self.alpn {
                list.push(p.len() as u8);
                list.extend_from_slice(p.as_bytes());
            }
            let mut data = Vec::new();
            put_u16(&mut data, list.len() as u16);
            data.extend_from_slice(&list);
            put_ext(&mut ext, 0x0010, &data);
        }
        put_ext(&mut ext, 0x0017, &[]); // extended_master_secret
        put_ext(&mut ext, 0x0023, &[]); // session_ticket
        if self.version == ProbeVersion::Tls13 {
            put_ext(&mut ext, 0x002b, &[2, 0x03, 0x04]); // supported_versions: 1.3
            put_ext(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
            put_ext(&mut ext, 0x0033, &[0, 0]); // key_share: empty, ask for HRR
        }
        put_ext(&mut ext, 0xff01, &[0]); // renegotiation_info: initial
        ext
    }
}

/// 32 bytes that differ per hello. They protect nothing (no key is ever
/// derived), so the clock and a counter are enough.
fn client_random() -> [u8; 32] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut out = [0u8; 32];
    let mut x = t ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for chunk in out.chunks_mut(8) {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_be_bytes());
    }
    out
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

fn put_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(bytes: &[u8]) -> tls_parser::TlsClientHelloContents<'_> {
        let (rest, record) = tls_parser::parse_tls_plaintext(bytes).expect("a TLS record");
        assert!(rest.is_empty());
        match &record.msg[0] {
            tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch)) => {
                ch.clone()
            }
            other => panic!("not a ClientHello: {other:?}"),
        }
    }

    #[test]
    fn tls12_hello_parses_with_its_suites_and_name() {
        let alpn = vec!["postgresql".to_string()];
        let hello = ClientHello {
            version: ProbeVersion::Tls12,
            suites: &[0xc02f, 0x002f],
            groups: GROUPS_TLS12,
            sni: Some("db.example.com"),
            alpn: &alpn,
        }
        .encode();
        let ch = parsed(&hello);
        assert_eq!(ch.version.0, 0x0303);
        let ids: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
        assert_eq!(ids, vec![0xc02f, 0x002f]);
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
        assert!(exts.iter().any(|e| matches!(e,
            tls_parser::TlsExtension::SNI(names) if names[0].1 == b"db.example.com")));
        assert!(exts
            .iter()
            .any(|e| matches!(e, tls_parser::TlsExtension::ALPN(p) if p[0] == b"postgresql")));
    }

    #[test]
    fn tls13_hello_asks_for_version_13_with_an_empty_key_share() {
        let hello = ClientHello {
            version: ProbeVersion::Tls13,
            suites: &[0x1301],
            groups: GROUPS_TLS13,
            sni: None,
            alpn: &[],
        }
        .encode();
        let ch = parsed(&hello);
        assert_eq!(ch.version.0, 0x0303, "legacy_version stays 1.2");
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
        assert!(exts.iter().any(|e| matches!(e,
            tls_parser::TlsExtension::SupportedVersions(v) if v.len() == 1 && v[0].0 == 0x0304)));
        assert!(!exts
            .iter()
            .any(|e| matches!(e, tls_parser::TlsExtension::SNI(_))));
    }

    #[test]
    fn sslv3_hello_has_no_extensions_and_the_renegotiation_scsv() {
        let hello = ClientHello {
            version: ProbeVersion::Ssl3,
            suites: &[0x000a],
            groups: GROUPS_TLS12,
            sni: Some("x"),
            alpn: &[],
        }
        .encode();
        assert_eq!(&hello[1..3], &[3, 0]);
        let ch = parsed(&hello);
        assert_eq!(ch.version.0, 0x0300);
        assert!(ch.ext.is_none());
        assert_eq!(ch.ciphers.last().unwrap().0, 0x00ff);
    }
}
