//! Client TLS stacks as shipped: the versions, cipher suites and TLS 1.3
//! groups each offers by default. Profiles name their stack; the judge
//! (`judge::legacy`) decides what a server's probed versions and suites
//! mean to each. The OpenSSL and Python rules are checked against
//! `openssl ciphers` in `judge::legacy`'s tests.

use tls_parser::{TlsCipherAu as Au, TlsCipherEnc as Enc, TlsCipherEncMode as Mode};
use tls_parser::{TlsCipherKx as Kx, TlsCipherMac as Mac, TlsCipherSuite};

use crate::facts::scan::ProbeVersion;

/// A client TLS stack, as shipped.
pub struct Stack {
    pub name: &'static str,
    /// Who uses it.
    pub who: &'static str,
    /// How to make it speak TLS 1.0/1.1 again, as a stop-gap.
    pub stopgap: &'static str,
    /// Whether it offers this TLS ≤ 1.2 suite by default.
    pub tls12_suite: fn(&TlsCipherSuite) -> bool,
    /// TLS 1.3 groups it offers by default.
    pub groups13: &'static [u16],
}

const TLS13_DEFAULT_SUITES: [u16; 3] = [0x1301, 0x1302, 0x1303];

pub(crate) fn cert_auth(s: &TlsCipherSuite) -> bool {
    matches!(s.au, Au::Rsa | Au::Ecdsa)
}

fn aead_or_chacha(s: &TlsCipherSuite) -> bool {
    (s.enc == Enc::Aes && s.enc_mode == Mode::Gcm) || s.enc == Enc::Chacha20_Poly1305
}

/// OpenSSL 3's DEFAULT list: AES (not CCM) and ChaCha20 with RSA, DHE or
/// ECDHE key exchange; no 3DES, RC4, Camellia, ARIA, DSS, anon, NULL.
pub(crate) fn openssl3(s: &TlsCipherSuite) -> bool {
    cert_auth(s)
        && matches!(s.kx, Kx::Rsa | Kx::Dhe | Kx::Ecdhe)
        && ((s.enc == Enc::Aes && s.enc_mode != Mode::Ccm) || s.enc == Enc::Chacha20_Poly1305)
        && s.mac != Mac::HmacMd5
}

/// Python ≥ 3.10's `_DEFAULT_CIPHERS`: ECDHE with AES or ChaCha20, DHE
/// with AES; no SHA-1 MAC, no CCM.
pub(crate) fn python310(s: &TlsCipherSuite) -> bool {
    openssl3(s)
        && (s.kx == Kx::Ecdhe || (s.kx == Kx::Dhe && s.enc == Enc::Aes))
        && s.mac != Mac::HmacSha1
}

/// Go ≥ 1.22's default suites: ECDHE with AES-GCM, ChaCha20, or AES-CBC
/// with SHA-1.
fn go122(s: &TlsCipherSuite) -> bool {
    cert_auth(s)
        && s.kx == Kx::Ecdhe
        && (aead_or_chacha(s) || (s.enc == Enc::Aes && s.mac == Mac::HmacSha1))
}

/// Java 11.0.11+/17+: AES (GCM, CBC) and ChaCha20 with RSA, DHE or ECDHE;
/// 3DES, RC4, DES, anon and NULL are in `jdk.tls.disabledAlgorithms`.
fn java(s: &TlsCipherSuite) -> bool {
    matches!(s.au, Au::Rsa | Au::Ecdsa | Au::Dss)
        && matches!(s.kx, Kx::Rsa | Kx::Dhe | Kx::Ecdhe)
        && ((s.enc == Enc::Aes && s.enc_mode != Mode::Ccm) || s.enc == Enc::Chacha20_Poly1305)
        && s.mac != Mac::HmacMd5
}

/// rustls: ECDHE with AES-GCM or ChaCha20, nothing else.
fn rustls(s: &TlsCipherSuite) -> bool {
    cert_auth(s) && s.kx == Kx::Ecdhe && aead_or_chacha(s)
}

const OPENSSL_GROUPS: &[u16] = &[
    0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
];

/// In [`StackId`]'s order.
pub const STACKS: &[Stack] = &[
    Stack {
        name: "OpenSSL 3",
        who: "psql/libpq, the mysql and mariadb clients, PHP, Ruby, Node.js, .NET on Linux",
        stopgap: "an OPENSSL_CONF for the client with `MinProtocol = TLSv1` and `CipherString = DEFAULT@SECLEVEL=0` \
                  (libpq also needs `ssl_min_protocol_version=TLSv1`; the mariadb client `--tls-version=TLSv1.1`; \
                  MySQL 8.0.28+ clients cannot speak TLS 1.0/1.1 at all)",
        tls12_suite: openssl3,
        groups13: OPENSSL_GROUPS,
    },
    Stack {
        name: "Python 3.10+",
        who: "PyMongo, PyMySQL, asyncpg, aiomysql (the ssl module)",
        stopgap: "an ssl.SSLContext with `minimum_version = ssl.TLSVersion.TLSv1` and \
                  `set_ciphers('DEFAULT:@SECLEVEL=0')`, passed to the driver",
        tls12_suite: python310,
        groups13: OPENSSL_GROUPS,
    },
    Stack {
        name: "Java 8u291+/11.0.11+/17+",
        who: "pgjdbc, MySQL and MariaDB Connector/J, the MongoDB Java driver",
        stopgap: "remove TLSv1 and TLSv1.1 from `jdk.tls.disabledAlgorithms` in the JDK's java.security",
        tls12_suite: java,
        groups13: OPENSSL_GROUPS,
    },
    Stack {
        name: "Go 1.22+",
        who: "pgx, lib/pq, go-sql-driver/mysql, the MongoDB Go driver",
        stopgap: "`tls.Config{MinVersion: tls.VersionTLS10}` (and `CipherSuites` for CBC or RSA suites)",
        tls12_suite: go122,
        groups13: &[0x11ec, 0x001d, 0x0017, 0x0018, 0x0019],
    },
    Stack {
        name: "rustls",
        who: "sqlx, tokio-postgres-rustls, mongodb (Rust) and tlscheck's own handshake",
        stopgap: "none: rustls never speaks TLS 1.0/1.1 or CBC suites; use a native-tls (OpenSSL) build",
        tls12_suite: rustls,
        groups13: &[0x11ec, 0x001d, 0x0017, 0x0018],
    },
];

impl Stack {
    /// Whether the stack offers `suite` at `version` by default.
    pub fn accepts(&self, version: ProbeVersion, suite: u16) -> bool {
        match version {
            // Every current stack requires TLS 1.2 by default.
            ProbeVersion::Ssl3 | ProbeVersion::Tls10 | ProbeVersion::Tls11 => false,
            ProbeVersion::Tls13 => TLS13_DEFAULT_SUITES.contains(&suite),
            ProbeVersion::Tls12 => {
                TlsCipherSuite::from_id(suite).is_some_and(|s| (self.tls12_suite)(s))
            }
        }
    }
}

/// Which stack: the client a set of rules stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackId {
    OpenSsl3,
    Python,
    Java,
    Go,
    Rustls,
}

impl StackId {
    pub fn stack(self) -> &'static Stack {
        &STACKS[self as usize]
    }

    /// It verifies chains with OpenSSL's X509_verify_cert (Python's ssl too).
    pub fn on_openssl(self) -> bool {
        matches!(self, StackId::OpenSsl3 | StackId::Python)
    }
}
