//! Client profiles: everything tlscheck knows about one real client, in one
//! file per client, so that "what would *my* client decide?" has one place
//! to look and adding a client is adding a file (ARCHITECTURE.md, "Adding a
//! client").
//!
//! A [`Profile`] is data plus one function that reads the client's own
//! option spellings from a connection string. The judge is generic over
//! it: which trust store a mode uses, whether the name is checked, how host
//! names match, which certificates the client's TLS stack refuses, how CRLs
//! and OCSP apply, and how each fix is worded in the client's own options.
//! No client's name appears in a conditional of the judge.

use crate::request::{Env, Mode, Origin, PgNegotiation, Protocol, TlsVersion, UsageError};
use crate::target::Target;

pub mod options;
pub mod stacks;

mod asyncpg;
mod generic;
mod go_mysql;
mod libpq;
mod mariadb;
mod mariadb_connector_j;
mod mongo_go;
mod mongodb_java;
mod mongosh;
mod mysql;
mod mysql2;
mod mysql_connector_j;
mod mysqlconnector;
mod node_mongodb;
mod node_postgres;
mod npgsql;
mod pgjdbc;
mod pgx;
mod pymongo;
mod pymysql;
mod sqlx;

pub use options::Options;
pub use stacks::StackId;

/// Every profile, grouped by protocol in the order reports list them.
pub static ALL: &[&Profile] = &[
    &libpq::PROFILE,
    &pgjdbc::PROFILE,
    &node_postgres::PROFILE,
    &pgx::PROFILE,
    &asyncpg::PROFILE,
    &npgsql::PROFILE,
    &sqlx::PROFILE,
    &mysql::PROFILE,
    &mariadb::PROFILE,
    &mysql_connector_j::PROFILE,
    &mariadb_connector_j::PROFILE,
    &mysql2::PROFILE,
    &go_mysql::PROFILE,
    &pymysql::PROFILE,
    &mysqlconnector::PROFILE,
    &pymongo::PROFILE,
    &node_mongodb::PROFILE,
    &mongodb_java::PROFILE,
    &mongo_go::PROFILE,
    &mongosh::PROFILE,
    &generic::PROFILE,
];

/// tlscheck's own rules, for a `host:port` without `--client`.
pub static GENERIC: &Profile = &generic::PROFILE;

/// The profile a name (`--client NAME`, an id or an alias, any case) stands for.
pub fn find(name: &str) -> Option<&'static Profile> {
    let name = name.trim();
    ALL.iter().copied().find(|p| {
        p.id.eq_ignore_ascii_case(name) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// The profiles that speak `protocol` (every one but the generic rules).
pub fn for_protocol(protocol: Protocol) -> impl Iterator<Item = &'static Profile> {
    ALL.iter()
        .copied()
        .filter(move |p| p.id != GENERIC.id && p.protocol == protocol)
}

/// Everything tlscheck knows about one client.
pub struct Profile {
    /// `--client` name and the `rules` value in reports: `libpq`, `pgjdbc`, …
    pub id: &'static str,
    /// Other names `--client` accepts (`psql`, `pg`, …).
    pub aliases: &'static [&'static str],
    /// In words: `psql / libpq`, `pgjdbc`, `node-postgres (pg)`.
    pub name: &'static str,
    /// The version whose behaviour these rules describe.
    pub version: &'static str,
    /// The wire protocol the client speaks ([`Protocol::Tls`] for the generic rules).
    pub protocol: Protocol,
    /// Where the tests check these rules against the real client, if they do.
    pub verified: Option<&'static str>,
    /// The connection-string dialects and environment variables it reads, in words.
    pub reads: &'static str,
    /// Its TLS stack: the versions, suites and groups it offers by default.
    pub stack: StackId,
    /// The trust store it reads when no CA is configured.
    pub trust: DefaultTrust,
    /// How it matches the host name.
    pub names: NameRules,
    /// Which weak or old-fashioned certificates its stack accepts.
    pub certs: CertPolicy,
    /// How its CRL option applies to the chain.
    pub crl: CrlPolicy,
    /// What a revoked stapled OCSP answer does to it.
    pub ocsp: OcspRules,
    /// It refuses a private key file others can read (libpq's rule).
    pub key_file_must_be_private: bool,
    /// What its modes mean.
    pub modes: ModeRules,
    /// Its strictest usual configuration, for the clients table.
    pub usual: Usual,
    /// Read its options from a connection string (and its environment).
    pub read: fn(&Input<'_>, &mut Options) -> Result<(), UsageError>,
    /// The wording of fixes in its own option names.
    pub words: Words,
    /// Error texts it prints, for `tlscheck explain`.
    pub errors: &'static [ErrorText],
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Profile({})", self.id)
    }
}

impl Profile {
    /// "as pgjdbc 42.5 would decide".
    pub fn as_would_decide(&self) -> String {
        if self.id == GENERIC.id {
            "by tlscheck's own rules (--ca-file or the OS store; host names as RFC 6125, no CN fallback); --client NAME judges as your client would"
                .into()
        } else {
            format!("as {} would decide", self.version)
        }
    }

    /// The client's own spelling of a mode, when it has one.
    pub fn mode_option(&self, mode: Mode) -> Option<&'static str> {
        self.modes
            .spellings
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, s)| *s)
    }

    /// The mode to suggest in a fix, in the client's words (its spelling,
    /// else tlscheck's `--mode` name).
    pub fn say_mode(&self, mode: Mode) -> String {
        match self.mode_option(mode) {
            Some(s) => s.to_string(),
            None => format!("--mode {mode}"),
        }
    }
}

/// Where a client looks for trusted roots when it is given no CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultTrust {
    /// The OS store (OpenSSL's default paths, Go's system roots, .NET on Linux).
    Os,
    /// None: verification needs an explicit root file (libpq).
    RootFileOnly,
    /// Mozilla's list as webpki-roots ships it (rustls-based clients).
    Mozilla,
    /// Node.js's bundled Mozilla roots plus `NODE_EXTRA_CA_CERTS`.
    NodeBundled,
    /// The JDK's `cacerts` (on Debian generated from the OS store).
    JavaCacerts,
}

impl DefaultTrust {
    pub fn describe(self) -> &'static str {
        match self {
            DefaultTrust::Os => "the OS store",
            DefaultTrust::RootFileOnly => "none without a root file",
            DefaultTrust::Mozilla => "Mozilla's roots (webpki-roots)",
            DefaultTrust::NodeBundled => "Node.js's bundled roots + NODE_EXTRA_CA_CERTS",
            DefaultTrust::JavaCacerts => "the JDK's cacerts",
        }
    }
}

/// How a client matches the host name against the leaf certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameRules {
    /// libpq ≥ 14: SAN DNS and IP (an IP host also against DNS SANs written
    /// as addresses); the CN only when no SAN of the host's type.
    Libpq,
    /// RFC 6125 as webpki (and Go ≥ 1.15) applies it: SAN only, never CN.
    Strict,
    /// OpenSSL's X509_check_host / X509_check_ip as Python's `ssl` uses
    /// them: a DNS name against SAN DNS, the CN only when the certificate
    /// has no DNS SAN, no partial wildcards; an IP against SAN IP only.
    #[serde(rename = "openssl")]
    OpenSsl,
    /// X509_check_host with OpenSSL's default flags (the MySQL and MariaDB
    /// clients): as [`NameRules::OpenSsl`], and a partial wildcard
    /// (`db*.example.com`) matches too.
    #[serde(rename = "openssl-partial")]
    OpenSslPartial,
    /// Java's HostnameChecker (endpoint identification): SAN DNS or IP when
    /// the certificate has SANs of that type, else the most specific CN.
    Java,
    /// Node.js's `tls.checkServerIdentity`: SAN DNS/IP; the CN only when
    /// the certificate has no DNS subjectAltName; an IP never by CN;
    /// partial wildcards match.
    Node,
    /// pgjdbc's PGjdbcHostnameVerifier: SAN DNS/IP; the CN when there is no
    /// DNS SAN, for an IP host too (compared as text).
    Pgjdbc,
    /// MariaDB Connector/J 2.7: SAN DNS/IP, and the CN whenever no SAN
    /// matched (even when the certificate has SANs); partial wildcards.
    MariadbJava,
}

/// How a client applies its CRL file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlPolicy {
    /// Every certificate must be covered by a CRL (libpq with sslcrl).
    WholeChainStrict,
    /// The leaf only; certificates no CRL covers pass.
    LeafLenient,
    /// The leaf only, and a CRL must cover it (OpenSSL's
    /// X509_V_FLAG_CRL_CHECK, as Python's VERIFY_CRL_CHECK_LEAF sets it).
    LeafStrict,
}

/// Which weak or old-fashioned certificates a client's stack accepts when
/// it verifies (Debian's OpenSSL 3 at security level 2, webpki, Go, Java).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertPolicy {
    /// X.509 v1 certificates in the chain.
    pub x509_v1: bool,
    /// An intermediate without basicConstraints whose keyUsage allows
    /// certificate signing.
    pub ca_without_basic_constraints: bool,
    /// The smallest RSA key it accepts.
    pub min_rsa_bits: usize,
    /// SHA-1 signatures below the root.
    pub sha1: bool,
    /// For a stack on OpenSSL: the security level its TLS client runs at
    /// (X509_VERIFY_PARAM auth_level), which the OpenSSL model
    /// (`judge::openssl`) applies to every key and signature digest.
    pub openssl_auth_level: Option<u8>,
}

impl CertPolicy {
    /// Debian's OpenSSL 3 at its default security level 2 (an intermediate
    /// needs basicConstraints CA:TRUE in 3.0; a v1 root or leaf is taken).
    pub const OPENSSL3: CertPolicy = CertPolicy {
        x509_v1: true,
        ca_without_basic_constraints: false,
        min_rsa_bits: 2048,
        sha1: false,
        openssl_auth_level: Some(2),
    };
    /// Node.js 20's bundled OpenSSL 3 at its compiled-in security level 1
    /// (Node does not read the system openssl.cnf): RSA from 920 bits
    /// accepted, SHA-1 refused ("CA signature digest algorithm too weak",
    /// checked with node 20.20 / OpenSSL 3.0.19).
    pub const NODE: CertPolicy = CertPolicy {
        x509_v1: true,
        ca_without_basic_constraints: false,
        min_rsa_bits: 1024,
        sha1: false,
        openssl_auth_level: Some(1),
    };
    /// Java 17's PKIX checks: X.509 v1 roots taken, basicConstraints
    /// required, RSA from 1024 bits, SHA-1 refused only for chains that end
    /// at a root shipped with the JDK (so taken below a private root).
    pub const JAVA: CertPolicy = CertPolicy {
        x509_v1: true,
        ca_without_basic_constraints: false,
        min_rsa_bits: 1024,
        sha1: true,
        openssl_auth_level: None,
    };
    /// Go 1.19's crypto/x509: basicConstraints required, RSA from 1024 bits,
    /// SHA-1 refused.
    pub const GO: CertPolicy = CertPolicy {
        x509_v1: false,
        ca_without_basic_constraints: false,
        min_rsa_bits: 1024,
        sha1: false,
        openssl_auth_level: None,
    };
    /// rustls-webpki.
    pub const WEBPKI: CertPolicy = CertPolicy {
        x509_v1: false,
        ca_without_basic_constraints: false,
        min_rsa_bits: 2048,
        sha1: false,
        openssl_auth_level: None,
    };
}

/// What a client does with the server's stapled OCSP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspRules {
    /// It does not look at staples (Python's ssl, libpq, JDBC by default).
    Ignores,
    /// A stapled `revoked` answer fails the connection in verifying modes.
    RevokedStapleFails,
}

/// What a client's modes mean.
pub struct ModeRules {
    /// The mode when the connection string names none.
    pub default: Mode,
    /// The mode when a CA is given and no mode (MySQL clients: VERIFY_CA).
    pub default_with_ca: Option<Mode>,
    /// Each mode the client can express, in its own spelling.
    pub spellings: &'static [(Mode, &'static str)],
    /// `require` checks the chain when a root file is configured (libpq, pgx).
    pub require_verifies_with_root: bool,
    /// With a root file the chain is checked in every TLS mode, and a
    /// failed check in `prefer` retries without TLS (libpq).
    pub root_file_checks_in_prefer: bool,
    /// `prefer` retries without TLS after a failed handshake (libpq, pgx),
    /// not only when the server offers no TLS.
    pub prefer_retries_after_failure: bool,
    /// `system` as the root file means the OS store, and any mode but
    /// verify-full is refused (libpq 16+).
    pub system_root_needs_verify_full: bool,
}

impl ModeRules {
    /// A client's modes without any of the quirks: set the ones it has
    /// with `..ModeRules::plain(…)`.
    pub const fn plain(default: Mode, spellings: &'static [(Mode, &'static str)]) -> ModeRules {
        ModeRules {
            default,
            default_with_ca: None,
            spellings,
            require_verifies_with_root: false,
            root_file_checks_in_prefer: false,
            prefer_retries_after_failure: false,
            system_root_needs_verify_full: false,
        }
    }
}

/// A client's strictest usual configuration, shown in the clients table.
pub struct Usual {
    /// In its own words: `sslmode=verify-full&sslrootcert=…`.
    pub config: &'static str,
    /// What that configuration checks, as a mode.
    pub mode: Mode,
}

/// Fixes in the client's own option names.
pub struct Words {
    /// How to give it a CA file.
    pub ca: &'static str,
    /// How to make it use the OS store.
    pub os_store: &'static str,
    /// How to give it a client certificate and key.
    pub cert: &'static str,
}

/// An error text a client prints, and the failure it most likely means
/// (the catalogue's F01…F21, `shared/research/db-tls-failures.md`).
pub struct ErrorText {
    /// Lower-case text to find in a pasted error.
    pub needle: &'static str,
    pub cause: &'static str,
}

/// What a profile's `read` looks at.
pub struct Input<'a> {
    pub target: &'a Target,
    pub env: &'a dyn Env,
    /// The protocol the check speaks (a client's environment may apply only to one).
    pub protocol: Protocol,
}

/// A setting read from a connection string: the value and the parameter
/// (as spelled) it came from.
pub type Read<T> = Option<(T, Origin)>;

/// The TLS versions a client option allows; `None` inside: below what tlscheck speaks.
pub type VersionRead = Read<Option<TlsVersion>>;

/// PostgreSQL negotiation read from a connection string.
pub type NegotiationRead = Read<PgNegotiation>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in ALL {
            for n in std::iter::once(&p.id).chain(p.aliases.iter()) {
                assert!(seen.insert(n.to_ascii_lowercase()), "{n} twice");
            }
        }
    }

    #[test]
    fn every_profile_spells_its_usual_mode_and_default() {
        for p in ALL.iter().filter(|p| p.id != GENERIC.id) {
            assert!(
                p.mode_option(p.usual.mode).is_some() || p.usual.config.contains('='),
                "{}: the usual configuration is not in its own words",
                p.id
            );
            assert!(!p.version.is_empty() && !p.reads.is_empty(), "{}", p.id);
        }
    }

    #[test]
    fn find_is_case_insensitive_and_knows_aliases() {
        assert_eq!(find("PSQL").map(|p| p.id), Some("libpq"));
        assert_eq!(find("pg").map(|p| p.id), Some("node-postgres"));
        assert!(find("nonesuch").is_none());
    }
}
