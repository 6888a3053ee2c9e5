//! What the probes found: the versions, suites, TLS 1.3 groups and
//! certificates a server accepts ([`ScanFacts`]), and the names of the code
//! points they are given by (the IANA registries, looked up without I/O).
//! Produced by [`crate::probe`]; `judge::legacy` decides what they mean.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

/// A protocol version a probe can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ProbeVersion {
    #[serde(rename = "SSLv3")]
    Ssl3,
    #[serde(rename = "TLSv1.0")]
    Tls10,
    #[serde(rename = "TLSv1.1")]
    Tls11,
    #[serde(rename = "TLSv1.2")]
    Tls12,
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl ProbeVersion {
    pub const ALL: [ProbeVersion; 5] = [
        ProbeVersion::Ssl3,
        ProbeVersion::Tls10,
        ProbeVersion::Tls11,
        ProbeVersion::Tls12,
        ProbeVersion::Tls13,
    ];

    pub fn wire(self) -> u16 {
        match self {
            ProbeVersion::Ssl3 => 0x0300,
            ProbeVersion::Tls10 => 0x0301,
            ProbeVersion::Tls11 => 0x0302,
            ProbeVersion::Tls12 => 0x0303,
            ProbeVersion::Tls13 => 0x0304,
        }
    }

    pub fn from_wire(v: u16) -> Option<ProbeVersion> {
        ProbeVersion::ALL.into_iter().find(|p| p.wire() == v)
    }

    pub fn name(self) -> &'static str {
        match self {
            ProbeVersion::Ssl3 => "SSLv3",
            ProbeVersion::Tls10 => "TLSv1.0",
            ProbeVersion::Tls11 => "TLSv1.1",
            ProbeVersion::Tls12 => "TLSv1.2",
            ProbeVersion::Tls13 => "TLSv1.3",
        }
    }
}

/// The name of a wire version, known or not (`TLSv1.2`, `0x7f1c`).
pub fn version_name(v: u16) -> String {
    ProbeVersion::from_wire(v)
        .map(|p| p.name().to_string())
        .unwrap_or_else(|| format!("0x{v:04x}"))
}

/// A code point as the JSON writes it: `0xC02F`.
pub fn code_point(id: u16) -> String {
    format!("0x{id:04X}")
}

/// The IANA name of a cipher suite, or its code point.
pub fn suite_name(id: u16) -> String {
    tls_parser::TlsCipherSuite::from_id(id)
        .map(|s| s.name.to_string())
        .unwrap_or_else(|| code_point(id))
}

/// The name of a named group.
pub fn group_name(id: u16) -> String {
    let name = match id {
        0x0001..=0x0016 => {
            const SECT: [&str; 22] = [
                "sect163k1",
                "sect163r1",
                "sect163r2",
                "sect193r1",
                "sect193r2",
                "sect233k1",
                "sect233r1",
                "sect239k1",
                "sect283k1",
                "sect283r1",
                "sect409k1",
                "sect409r1",
                "sect571k1",
                "sect571r1",
                "secp160k1",
                "secp160r1",
                "secp160r2",
                "secp192k1",
                "secp192r1",
                "secp224k1",
                "secp224r1",
                "secp256k1",
            ];
            SECT[usize::from(id) - 1]
        }
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001a => "brainpoolP256r1",
        0x001b => "brainpoolP384r1",
        0x001c => "brainpoolP512r1",
        0x001d => "x25519",
        0x001e => "x448",
        0x001f => "brainpoolP256r1tls13",
        0x0020 => "brainpoolP384r1tls13",
        0x0021 => "brainpoolP512r1tls13",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        0x6399 => "X25519Kyber768Draft00",
        _ => return format!("0x{id:04x}"),
    };
    name.to_string()
}

/// What the probes found. Facts only: `judge::legacy` decides what they mean.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanFacts {
    /// One entry per [`ProbeVersion`], in order (empty when `error` is set).
    pub versions: Vec<VersionScan>,
    /// TLS 1.3 key-exchange groups the server accepts.
    #[serde(serialize_with = "named_groups")]
    pub groups: Vec<u16>,
    pub certificates: Vec<ServedCertificate>,
    /// Whether the server answered renegotiation_info (TLS ≤ 1.2).
    pub secure_renegotiation: Option<bool>,
    /// The size of the DHE prime the server sends, in bits.
    pub dh_bits: Option<u32>,
    /// TCP connections made.
    pub connections: usize,
    pub elapsed_ms: f64,
    /// Why the scan could not run (the first probe reached no TLS).
    pub error: Option<String>,
    /// Probes that ended without a clear answer (a timeout mid-scan):
    /// what they were for, and what happened. Lists may be incomplete.
    pub incomplete: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionScan {
    pub version: ProbeVersion,
    pub accepted: bool,
    /// The answer to the version probe, in words.
    pub answer: String,
    /// Accepted suites: in the server's order when `server_order` is true,
    /// else in the order found.
    #[serde(serialize_with = "named_suites")]
    pub ciphers: Vec<u16>,
    /// `None`: not determined (fewer than two suites, or not asked).
    pub server_order: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServedCertificate {
    /// The SNI sent (`None`: none).
    pub sni: Option<String>,
    /// The chain, leaf first, DER (empty when the server sent none); the
    /// JSON gives its length (`facts.chain` holds the certificates).
    #[serde(rename = "chain_length", serialize_with = "length")]
    pub chain: Vec<Vec<u8>>,
    /// How it was read: `TLSv1.2 probe`, `rustls`, or why there is none.
    pub how: String,
}

impl ScanFacts {
    pub fn version(&self, v: ProbeVersion) -> Option<&VersionScan> {
        self.versions.iter().find(|s| s.version == v)
    }

    pub fn accepted(&self) -> impl DoubleEndedIterator<Item = &VersionScan> {
        self.versions.iter().filter(|v| v.accepted)
    }

    /// The certificate served for the plan's own name (the first fetched).
    pub fn chain_for_name(&self) -> Option<&ServedCertificate> {
        self.certificates.first().filter(|c| !c.chain.is_empty())
    }
}

/// Suites as `{"id": "0xC02F", "name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}`.
fn named_suites<S: Serializer>(ids: &[u16], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(ids.len()))?;
    for id in ids {
        seq.serialize_element(&Named {
            id: code_point(*id),
            name: suite_name(*id),
        })?;
    }
    seq.end()
}

fn named_groups<S: Serializer>(ids: &[u16], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(ids.len()))?;
    for id in ids {
        seq.serialize_element(&Named {
            id: code_point(*id),
            name: group_name(*id),
        })?;
    }
    seq.end()
}

fn length<S: Serializer>(chain: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(chain.len() as u64)
}

#[derive(Serialize)]
struct Named {
    id: String,
    name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        assert_eq!(group_name(0x001d), "x25519");
        assert_eq!(group_name(0x0001), "sect163k1");
        assert_eq!(group_name(0x0016), "secp256k1");
        assert_eq!(group_name(0x11ec), "X25519MLKEM768");
        assert_eq!(group_name(0x7777), "0x7777");
    }
}
