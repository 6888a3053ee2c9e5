//! A small test PKI built on rcgen 0.14: root and intermediate CAs, server
//! leaves with chosen names and validity dates, self-signed leaves and CRLs.
//!
//! All keys are ECDSA P-256 (`KeyPair::generate()`), except the RSA leaves
//! of [`Ca::leaf_rsa`] that RSA-authenticated cipher suites need.
#![allow(dead_code)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// Common name used for leaves whose [`LeafSpec::common_name`] is `None`.
/// Deliberately not a host name, so a leaf never matches by CN by accident.
pub const DEFAULT_LEAF_CN: &str = "tlscheck test server";

/// A certificate authority (root or intermediate) that can issue certificates.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    key_pem: String,
    common_name: String,
}

/// An issued certificate with its private key.
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_der: Vec<u8>,
    /// Serial number, big-endian bytes (as put in the certificate).
    pub serial: Vec<u8>,
}

/// What to put in a server (end-entity) certificate.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// DNS subjectAltNames.
    pub dns: Vec<String>,
    /// IP subjectAltNames.
    pub ips: Vec<IpAddr>,
    /// Subject CN; `None` means [`DEFAULT_LEAF_CN`].
    pub common_name: Option<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Omit the subjectAltName extension entirely (even if `dns`/`ips` are set).
    pub no_san: bool,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn next_serial() -> Vec<u8> {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = now().unix_timestamp_nanos() as u64;
    // 16 bytes: time-based prefix + process-wide counter; leading byte kept
    // below 0x80 so the INTEGER stays positive without padding.
    let mut serial = Vec::with_capacity(16);
    serial.extend_from_slice(&(nanos & 0x7fff_ffff_ffff_ffff).to_be_bytes());
    serial.extend_from_slice(&n.to_be_bytes());
    serial
}

impl LeafSpec {
    /// Names for the subjectAltName extension; strings that parse as IP
    /// addresses become IP SANs, the rest DNS SANs. Valid from now - 1 day to
    /// now + 365 days.
    pub fn for_names(names: &[&str]) -> LeafSpec {
        let mut dns = Vec::new();
        let mut ips = Vec::new();
        for name in names {
            match name.parse::<IpAddr>() {
                Ok(ip) => ips.push(ip),
                Err(_) => dns.push((*name).to_string()),
            }
        }
        let now = now();
        LeafSpec {
            dns,
            ips,
            common_name: None,
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
            no_san: false,
        }
    }

    /// Expired: valid from now - 30 days to now - 1 day.
    pub fn expired(mut self) -> LeafSpec {
        let now = now();
        self.not_before = now - Duration::days(30);
        self.not_after = now - Duration::days(1);
        self
    }

    /// Not yet valid: valid from now + 30 days to now + 365 days.
    pub fn not_yet_valid(mut self) -> LeafSpec {
        let now = now();
        self.not_before = now + Duration::days(30);
        self.not_after = now + Duration::days(365);
        self
    }

    /// No subjectAltName extension; the name only in the subject CN.
    pub fn cn_only(mut self, cn: &str) -> LeafSpec {
        self.dns.clear();
        self.ips.clear();
        self.no_san = true;
        self.common_name = Some(cn.to_string());
        self
    }

    /// Set the subject CN (SANs unchanged).
    pub fn with_cn(mut self, cn: &str) -> LeafSpec {
        self.common_name = Some(cn.to_string());
        self
    }

    /// Valid until now + `days` days (not_before stays in the past).
    pub fn expiring_in_days(mut self, days: i64) -> LeafSpec {
        let now = now();
        self.not_after = now + Duration::days(days);
        if self.not_before >= self.not_after {
            self.not_before = self.not_after - Duration::days(30);
        }
        self
    }

    fn params(&self) -> CertificateParams {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            self.common_name.as_deref().unwrap_or(DEFAULT_LEAF_CN),
        );
        params.not_before = self.not_before;
        params.not_after = self.not_after;
        params.serial_number = Some(SerialNumber::from(next_serial()));
        if !self.no_san {
            for name in &self.dns {
                let ia5 = name
                    .as_str()
                    .try_into()
                    .unwrap_or_else(|e| panic!("DNS SAN {name:?} is not IA5: {e}"));
                params.subject_alt_names.push(SanType::DnsName(ia5));
            }
            for ip in &self.ips {
                params.subject_alt_names.push(SanType::IpAddress(*ip));
            }
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params
    }
}

fn ca_params(common_name: &str) -> CertificateParams {
    let now = now();
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::days(2);
    params.not_after = now + Duration::days(3650);
    params.serial_number = Some(SerialNumber::from(next_serial()));
    params.key_identifier_method = KeyIdMethod::Sha256;
    params
}

fn new_key() -> KeyPair {
    KeyPair::generate().expect("generate ECDSA P-256 key")
}

fn issued(cert: &rcgen::Certificate, key: &KeyPair, serial: Vec<u8>) -> Issued {
    Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().to_vec(),
        serial,
    }
}

fn serial_of(params: &CertificateParams) -> Vec<u8> {
    params
        .serial_number
        .as_ref()
        .expect("serial set")
        .to_bytes()
}

impl Ca {
    /// A self-signed root CA (CA:TRUE, keyCertSign + cRLSign), valid from
    /// now - 2 days to now + 10 years.
    pub fn root(common_name: &str) -> Ca {
        let key = new_key();
        let key_pem = key.serialize_pem();
        let issuer =
            CertifiedIssuer::self_signed(ca_params(common_name), key).expect("self-sign root CA");
        Ca {
            issuer,
            key_pem,
            common_name: common_name.to_string(),
        }
    }

    /// An intermediate CA signed by `self`.
    pub fn intermediate(&self, common_name: &str) -> Ca {
        let key = new_key();
        let key_pem = key.serialize_pem();
        let mut params = ca_params(common_name);
        params.use_authority_key_identifier_extension = true;
        let issuer =
            CertifiedIssuer::signed_by(params, key, &self.issuer).expect("sign intermediate CA");
        Ca {
            issuer,
            key_pem,
            common_name: common_name.to_string(),
        }
    }

    /// A server certificate (CA unset, serverAuth EKU) signed by `self`.
    pub fn leaf(&self, spec: &LeafSpec) -> Issued {
        let key = new_key();
        let mut params = spec.params();
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
        issued(&cert, &key, serial_of(&params))
    }

    /// A server certificate like [`Ca::leaf`] with an RSA 2048 key: what
    /// the cipher suites with RSA key exchange or RSA authentication
    /// (`AES128-SHA`, `ECDHE-RSA-…`, all of TLS 1.0 and 1.1 in practice)
    /// need; an ECDSA key limits a server to the `ECDHE-ECDSA-…` suites.
    pub fn leaf_rsa(&self, spec: &LeafSpec) -> Issued {
        let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .expect("generate RSA 2048 key");
        let mut params = spec.params();
        params.use_authority_key_identifier_extension = true;
        params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
        let cert = params.signed_by(&key, &self.issuer).expect("sign RSA leaf");
        issued(&cert, &key, serial_of(&params))
    }

    /// Like [`Ca::leaf_rsa`], but every call in the process shares one
    /// RSA 2048 key (generating one takes a noticeable fraction of a
    /// second): for suites that need many RSA leaves and do not care that
    /// they share a key.
    pub fn leaf_rsa_shared_key(&self, spec: &LeafSpec) -> Issued {
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let pem = KEY.get_or_init(|| {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .expect("generate RSA 2048 key")
                .serialize_pem()
        });
        let key = KeyPair::from_pem_and_sign_algo(pem, &rcgen::PKCS_RSA_SHA256)
            .expect("read the shared RSA key");
        let mut params = spec.params();
        params.use_authority_key_identifier_extension = true;
        params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
        let cert = params.signed_by(&key, &self.issuer).expect("sign RSA leaf");
        issued(&cert, &key, serial_of(&params))
    }

    /// A client certificate for `common_name` (CA:FALSE, clientAuth EKU,
    /// no SAN) signed by `self`, valid from now - 1 day to now + 365 days.
    pub fn client(&self, common_name: &str) -> Issued {
        self.client_with(&LeafSpec::for_names(&[]).with_cn(common_name), true)
    }

    /// A client certificate per `spec` (its dates and CN), with the
    /// clientAuth EKU or, when `client_auth` is false, serverAuth only.
    pub fn client_with(&self, spec: &LeafSpec, client_auth: bool) -> Issued {
        let key = new_key();
        let mut params = spec.params();
        params.is_ca = IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![if client_auth {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).expect("sign client");
        issued(&cert, &key, serial_of(&params))
    }

    /// A self-signed end-entity certificate (CA:FALSE, serverAuth EKU).
    pub fn self_signed_leaf(spec: &LeafSpec) -> Issued {
        let key = new_key();
        let mut params = spec.params();
        params.is_ca = IsCa::ExplicitNoCa;
        let cert = params.self_signed(&key).expect("self-sign leaf");
        issued(&cert, &key, serial_of(&params))
    }

    /// A PEM CRL issued by this CA revoking `revoked` (may be empty), valid
    /// from now - 1 day to now + 30 days.
    pub fn crl(&self, revoked: &[&Issued]) -> String {
        let now = now();
        let revoked_certs = revoked
            .iter()
            .map(|c| RevokedCertParams {
                serial_number: SerialNumber::from(c.serial.clone()),
                revocation_time: now - Duration::hours(1),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect();
        CertificateRevocationListParams {
            this_update: now - Duration::days(1),
            next_update: now + Duration::days(30),
            crl_number: SerialNumber::from(next_serial()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&self.issuer)
        .expect("sign CRL")
        .pem()
        .expect("CRL PEM")
    }

    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    pub fn cert_der(&self) -> Vec<u8> {
        self.issuer.der().to_vec()
    }

    pub fn key_pem(&self) -> String {
        self.key_pem.clone()
    }

    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// The underlying rcgen issuer, for anything not covered here.
    pub fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }
}

/// Write the concatenation of `pems` to `dir/file` and return its path.
/// Each PEM is newline-terminated in the output.
pub fn write(dir: &Path, file: &str, pems: &[&str]) -> PathBuf {
    let mut out = String::new();
    for pem in pems {
        out.push_str(pem);
        if !pem.ends_with('\n') {
            out.push('\n');
        }
    }
    let path = dir.join(file);
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// What [`openssl_issue`] makes: a key type the openssl CLI generates, and
/// the digest it signs with. rcgen makes neither RSA keys under 2048 bits
/// nor SHA-1 signatures, which real servers still serve.
#[derive(Clone, Copy, Debug)]
pub struct OpensslSpec {
    /// RSA key size in bits.
    pub rsa_bits: u32,
    /// `openssl x509 -req` digest: `sha256`, `sha1`, ...
    pub digest: &'static str,
    /// A CA certificate (basicConstraints CA:TRUE, keyCertSign) instead of a
    /// server leaf.
    pub ca: bool,
}

/// A certificate issued with the `openssl` CLI by the CA whose certificate
/// and key are `issuer_cert_pem` / `issuer_key_pem` (any key type openssl
/// reads, e.g. a [`Ca`]'s): subject CN `cn`, `names` as subjectAltNames
/// (IP addresses as IP SANs), valid from now (openssl 3.0's `x509 -req` cannot
/// backdate) to now + 365 days. Panics with an install hint when `openssl` is missing.
pub fn openssl_issue(
    issuer_cert_pem: &str,
    issuer_key_pem: &str,
    cn: &str,
    names: &[&str],
    spec: OpensslSpec,
) -> Issued {
    use std::process::Command;
    let dir = tempfile::Builder::new()
        .prefix("tlscheck-openssl-")
        .tempdir()
        .expect("temp dir");
    let d = dir.path();
    let issuer_crt = write(d, "issuer.crt", &[issuer_cert_pem]);
    let issuer_key = write(d, "issuer.key", &[issuer_key_pem]);
    let mut ext =
        String::from("[ext]\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n");
    if spec.ca {
        ext.push_str("basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\n");
    } else {
        ext.push_str("basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n");
        let sans: Vec<String> = names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(_) => format!("IP:{n}"),
                Err(_) => format!("DNS:{n}"),
            })
            .collect();
        if !sans.is_empty() {
            ext.push_str(&format!("subjectAltName = {}\n", sans.join(", ")));
        }
    }
    std::fs::write(d.join("ext.cnf"), ext).expect("write ext.cnf");
    let serial: String = next_serial().iter().map(|b| format!("{b:02x}")).collect();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .env_remove("OPENSSL_CONF")
            .output()
            .unwrap_or_else(|e| {
                panic!("could not run openssl ({e}): install it with `apt-get install -y openssl`")
            });
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let bits = spec.rsa_bits.to_string();
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        &format!("rsa_keygen_bits:{bits}"),
        "-out",
        "leaf.key",
    ]);
    run(&[
        "req",
        "-new",
        "-key",
        "leaf.key",
        "-subj",
        &format!("/CN={cn}"),
        "-out",
        "leaf.csr",
    ]);
    let crt = issuer_crt.display().to_string();
    let key = issuer_key.display().to_string();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        &crt,
        "-CAkey",
        &key,
        "-set_serial",
        &format!("0x{serial}"),
        "-days",
        "365",
        &format!("-{}", spec.digest),
        "-extfile",
        "ext.cnf",
        "-extensions",
        "ext",
        "-out",
        "leaf.crt",
    ]);
    run(&[
        "x509", "-in", "leaf.crt", "-outform", "DER", "-out", "leaf.der",
    ]);
    let read = |f: &str| std::fs::read_to_string(d.join(f)).expect("read openssl output");
    Issued {
        cert_pem: read("leaf.crt"),
        key_pem: read("leaf.key"),
        cert_der: std::fs::read(d.join("leaf.der")).expect("read leaf.der"),
        serial: next_serial_bytes_from_hex(&serial),
    }
}

fn next_serial_bytes_from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}
