//! Facts about the served chain, read from the DER with x509-parser, and
//! about OCSP responses (`ocsp.rs`).
//!
//! Everything here is description, not judgement: a certificate's names,
//! dates, keys and extensions, as a support engineer would want them listed.

use serde::Serialize;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

pub mod ocsp;

use crate::facts::connect::{ConnectError, ConnectFacts};
use crate::facts::scan::ScanFacts;
use crate::facts::tls::TlsFacts;
use crate::facts::upgrade::{MongoFacts, UpgradeError, UpgradeFacts};

/// Everything one check observed, in pipeline order. Each step's result or
/// its error; later steps are absent when an earlier one failed.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub observed_at: String,
    #[serde(skip)]
    pub observed_unix: i64,
    /// The instant the chain is judged at: the observation, or `--at`.
    pub judged_at: String,
    #[serde(skip)]
    pub judged_unix: i64,
    /// Where the chain came from: a handshake, or files (`tlscheck cert --host`).
    pub chain_source: ChainSource,
    pub connect: Option<ConnectFacts>,
    pub connect_error: Option<ConnectError>,
    pub upgrade: Option<UpgradeFacts>,
    pub upgrade_error: Option<UpgradeError>,
    /// The client certificate configured for mutual TLS, as read before connecting.
    pub client_identity: Option<crate::identity::IdentityFacts>,
    /// The issuers (DER) of the configured client certificate's chain.
    #[serde(skip)]
    pub client_identity_issuers: Vec<Vec<u8>>,
    pub tls: Option<TlsFacts>,
    /// The chain as served, leaf first.
    pub chain: Vec<CertFacts>,
    /// The stapled OCSP response, parsed.
    pub ocsp_staple: Option<ocsp::OcspResponseFacts>,
    /// Answers from OCSP responders (`--ocsp`).
    pub ocsp_queries: Vec<OcspQuery>,
    /// CRLs downloaded from distribution points (`--crl-fetch`).
    pub crl_downloads: Vec<CrlDownload>,
    /// MongoDB: what the server said to `hello` over TLS, or in clear
    /// (`tls=false`, or to find out whether a server that failed the TLS
    /// handshake speaks MongoDB without TLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mongo: Option<MongoFacts>,
    /// After a handshake rustls could not complete (a version or suite it
    /// does not speak): what raw probes found the server accepts, and the
    /// chain they read (it travels in clear up to TLS 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_probe: Option<ScanFacts>,
}

/// One question to an OCSP responder about a served certificate.
#[derive(Debug, Clone, Serialize)]
pub struct OcspQuery {
    /// The certificate's position in the served chain.
    pub position: usize,
    pub url: Option<String>,
    pub response: Option<ocsp::OcspResponseFacts>,
    pub error: Option<String>,
}

/// One CRL download.
#[derive(Debug, Clone, Serialize)]
pub struct CrlDownload {
    pub position: usize,
    pub url: String,
    pub bytes: usize,
    pub error: Option<String>,
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Facts {
    pub fn new(now_unix: i64) -> Facts {
        Facts {
            observed_at: rfc3339(now_unix),
            observed_unix: now_unix,
            judged_at: rfc3339(now_unix),
            judged_unix: now_unix,
            chain_source: ChainSource::Handshake,
            connect: None,
            connect_error: None,
            upgrade: None,
            upgrade_error: None,
            client_identity: None,
            client_identity_issuers: Vec::new(),
            tls: None,
            chain: Vec::new(),
            ocsp_staple: None,
            ocsp_queries: Vec::new(),
            crl_downloads: Vec::new(),
            mongo: None,
            legacy_probe: None,
        }
    }

    /// Judge at `at` (`--at`) rather than at the observation.
    pub fn judged_as_of(mut self, at: Option<i64>) -> Facts {
        if let Some(at) = at {
            self.judged_unix = at;
            self.judged_at = rfc3339(at);
        }
        self
    }

    /// Facts for a chain read from files rather than served: the same
    /// facts a handshake records for the chain (in the order given), with
    /// no connection, no upgrade and no TLS session.
    pub fn from_files(chain: Vec<Vec<u8>>, files: Vec<String>, now_unix: i64) -> Facts {
        let mut facts = Facts::new(now_unix);
        facts.chain_source = ChainSource::Files { files };
        let chain_der: Vec<_> = chain
            .into_iter()
            .map(rustls_pki_types::CertificateDer::from)
            .collect();
        facts.tls = Some(TlsFacts::with_chain(chain_der));
        facts
    }

    /// Describe the chain the handshake (or the files) gave, at the
    /// instant it is judged.
    pub fn describe_served_chain(&mut self) {
        if let Some(tls) = &self.tls {
            self.chain = describe_chain(&tls.chain_der, self.judged_unix);
        }
    }
}

/// Where a chain came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ChainSource {
    /// Served in a TLS handshake.
    Handshake,
    /// Read from files, leaf first in the order given; no connection was made.
    Files { files: Vec<String> },
}

/// Facts about one certificate as served.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CertFacts {
    /// 0 is the leaf; higher numbers go up the chain as the server ordered it.
    pub position: usize,
    pub subject: String,
    pub issuer: String,
    pub common_name: Option<String>,
    pub serial: String,
    /// X.509 version: 1, 2 or 3.
    pub version: u32,
    pub not_before: String,
    pub not_after: String,
    /// Days from the observation to notAfter; negative once expired.
    pub days_left: i64,
    pub key_type: String,
    pub key_bits: Option<usize>,
    pub signature_algorithm: String,
    pub san_dns: Vec<String>,
    pub san_ip: Vec<String>,
    /// Whether a subjectAltName extension is present at all.
    pub has_san: bool,
    /// `Some(true)` for CA:TRUE, `Some(false)` for CA:FALSE, `None` when absent.
    pub is_ca: Option<bool>,
    pub path_len: Option<u32>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub aia_ca_issuers: Vec<String>,
    pub aia_ocsp: Vec<String>,
    pub crl_urls: Vec<String>,
    /// The TLS feature extension asks for OCSP stapling (must-staple).
    pub must_staple: bool,
    /// Subject and issuer are the same name (a root, or a self-signed leaf).
    pub self_issued: bool,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub sha256: String,
    /// Set when the certificate could not be parsed; the other fields are then empty.
    pub parse_error: Option<String>,
    /// Raw DER of the subject and issuer names, for matching against trust anchors.
    #[serde(skip)]
    pub subject_der: Vec<u8>,
    #[serde(skip)]
    pub issuer_der: Vec<u8>,
    /// Raw serial number and SubjectPublicKeyInfo, for OCSP and issuer lookups.
    #[serde(skip)]
    pub serial_der: Vec<u8>,
    #[serde(skip)]
    pub spki_der: Vec<u8>,
    /// Seconds since the epoch, for judging validity at any instant.
    #[serde(skip)]
    pub not_before_unix: i64,
    #[serde(skip)]
    pub not_after_unix: i64,
}

/// Describe every certificate in `chain` (leaf first), as seen at `now_unix`.
pub fn describe_chain(chain: &[impl AsRef<[u8]>], now_unix: i64) -> Vec<CertFacts> {
    chain
        .iter()
        .enumerate()
        .map(|(i, der)| describe(i, der.as_ref(), now_unix))
        .collect()
}

pub fn describe(position: usize, der: &[u8], now_unix: i64) -> CertFacts {
    let sha256 = fingerprint(der);
    let cert = match X509Certificate::from_der(der) {
        Ok((_, c)) => c,
        Err(e) => return unparsable(position, sha256, e.to_string()),
    };
    let mut f = CertFacts {
        position,
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        common_name: cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string),
        serial: colon_hex(cert.raw_serial()),
        version: cert.version().0 + 1,
        not_before: rfc3339(cert.validity().not_before.timestamp()),
        not_after: rfc3339(cert.validity().not_after.timestamp()),
        days_left: (cert.validity().not_after.timestamp() - now_unix).div_euclid(86_400),
        key_type: String::new(),
        key_bits: None,
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        san_dns: Vec::new(),
        san_ip: Vec::new(),
        has_san: false,
        is_ca: None,
        path_len: None,
        key_usage: Vec::new(),
        extended_key_usage: Vec::new(),
        aia_ca_issuers: Vec::new(),
        aia_ocsp: Vec::new(),
        crl_urls: Vec::new(),
        must_staple: false,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject_key_id: None,
        authority_key_id: None,
        sha256,
        parse_error: None,
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        serial_der: cert.raw_serial().to_vec(),
        spki_der: cert.public_key().raw.to_vec(),
        not_before_unix: cert.validity().not_before.timestamp(),
        not_after_unix: cert.validity().not_after.timestamp(),
    };
    (f.key_type, f.key_bits) = key_description(&cert);

    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                f.has_san = true;
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(d) => f.san_dns.push(d.to_string()),
                        GeneralName::IPAddress(b) => f.san_ip.push(ip_text(b)),
                        _ => {}
                    }
                }
            }
            ParsedExtension::BasicConstraints(bc) => {
                f.is_ca = Some(bc.ca);
                f.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => {
                f.key_usage = ku.to_string().split(", ").map(str::to_string).collect();
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut v = Vec::new();
                if eku.any {
                    v.push("any".to_string());
                }
                if eku.server_auth {
                    v.push("serverAuth".into());
                }
                if eku.client_auth {
                    v.push("clientAuth".into());
                }
                if eku.code_signing {
                    v.push("codeSigning".into());
                }
                if eku.email_protection {
                    v.push("emailProtection".into());
                }
                if eku.time_stamping {
                    v.push("timeStamping".into());
                }
                if eku.ocsp_signing {
                    v.push("OCSPSigning".into());
                }
                v.extend(eku.other.iter().map(|o| o.to_id_string()));
                f.extended_key_usage = v;
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for ad in &aia.accessdescs {
                    if let GeneralName::URI(uri) = &ad.access_location {
                        let oid = ad.access_method.to_id_string();
                        if oid == "1.3.6.1.5.5.7.48.2" {
                            f.aia_ca_issuers.push(uri.to_string());
                        } else if oid == "1.3.6.1.5.5.7.48.1" {
                            f.aia_ocsp.push(uri.to_string());
                        }
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(dps) => {
                for dp in dps.iter() {
                    if let Some(x509_parser::extensions::DistributionPointName::FullName(names)) =
                        &dp.distribution_point
                    {
                        for n in names {
                            if let GeneralName::URI(uri) = n {
                                f.crl_urls.push(uri.to_string());
                            }
                        }
                    }
                }
            }
            ParsedExtension::SubjectKeyIdentifier(kid) => {
                f.subject_key_id = Some(colon_hex(kid.0));
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                f.authority_key_id = aki.key_identifier.as_ref().map(|k| colon_hex(k.0));
            }
            _ => {
                // id-pe-tlsfeature: a SEQUENCE of INTEGER; 5 is status_request.
                if ext.oid.to_id_string() == "1.3.6.1.5.5.7.1.24" {
                    f.must_staple = ext.value.windows(3).any(|w| w == [0x02, 0x01, 0x05]);
                }
            }
        }
    }
    f
}

fn unparsable(position: usize, sha256: String, error: String) -> CertFacts {
    CertFacts {
        position,
        sha256,
        parse_error: Some(error),
        ..CertFacts::default()
    }
}

fn key_description(cert: &X509Certificate<'_>) -> (String, Option<usize>) {
    spki_description(cert.public_key())
}

/// A public key's type ("RSA", "EC P-256", "Ed25519", …) and size in bits.
pub fn spki_description(spki: &SubjectPublicKeyInfo<'_>) -> (String, Option<usize>) {
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".into(), Some(rsa.key_size())),
        Ok(PublicKey::EC(ec)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_string(),
                    "1.3.132.0.34" => "P-384".to_string(),
                    "1.3.132.0.35" => "P-521".to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (
                format!("EC {curve}").trim().to_string(),
                Some(ec.key_size()),
            )
        }
        Ok(PublicKey::DSA(_)) => ("DSA".into(), None),
        Ok(_) => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => ("Ed25519".into(), Some(256)),
            "1.3.101.113" => ("Ed448".into(), Some(456)),
            other => (other.to_string(), None),
        },
        Err(_) => (oid_name(&spki.algorithm.algorithm), None),
    }
}

/// A readable name for DER Name contents (without the outer SEQUENCE), as
/// webpki keeps names in trust anchors and verified paths.
pub fn name_of(inner: &[u8]) -> String {
    let der = crate::trust::wrap_sequence(inner);
    match X509Name::from_der(&der) {
        Ok((_, n)) => n.to_string(),
        Err(_) => "(unreadable name)".into(),
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("(malformed {} bytes)", b.len()),
    }
}

pub fn fingerprint(der: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    colon_hex(d.as_ref())
}

/// The SHA-1 fingerprint, as `openssl x509 -fingerprint` prints it by default.
pub fn fingerprint_sha1(der: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    colon_hex(d.as_ref())
}

pub fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|c| format!("{c:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub fn rfc3339(unix: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&::time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_generated_leaf() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["db.example.com".into(), "127.0.0.1".into()])
                .unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "db.example.com");
        let cert = params.self_signed(&key).unwrap();
        let f = describe(0, cert.der(), now_unix());
        assert_eq!(f.parse_error, None);
        assert_eq!(f.san_dns, vec!["db.example.com"]);
        assert_eq!(f.san_ip, vec!["127.0.0.1"]);
        assert_eq!(f.common_name.as_deref(), Some("db.example.com"));
        assert_eq!(f.key_type, "EC P-256");
        assert_eq!(f.version, 3);
        assert!(f.self_issued);
        assert_eq!(f.sha256.len(), 32 * 3 - 1);
    }

    #[test]
    fn garbage_is_reported_not_panicked_on() {
        let f = describe(0, b"\x30\x03\x02\x01", 0);
        assert!(f.parse_error.is_some());
    }
}
