//! A model of OpenSSL 3's certificate path validation (X509_verify_cert)
//! as a TLS client configures it — purpose sslserver, trusted-first, depth
//! 100, the security level as auth_level, an optional host name or IP —
//! over DER certificates, without OpenSSL. The OpenSSL-based client rows
//! (libpq, the mysql and mariadb clients, Node.js drivers, Python drivers,
//! .NET on Linux) take their chain verdict from it.
//!
//! The steps follow x509_vfy.c's order, so the error reported is the one
//! OpenSSL reports first: the leaf's key, build_chain (`build.rs`),
//! check_extensions and check_auth_level (`checks.rs`), the host name
//! (`host.rs`), CRLs (`crl.rs`), signatures and validity, name constraints
//! (`ncons.rs`). What it does not reproduce it says so
//! ([`Refusal::NotModelled`]) instead of guessing. `tests/openssl_model.rs`
//! compares it with `openssl verify` case by case.
//!
//! Not modelled: certificates our DER reader or OpenSSL's extension cache
//! would read differently (malformed or duplicate extensions); several
//! valid trust-store certificates with one name and different keys (the
//! store's sort order picks); RSA keys at security level 4 and 5, DSA,
//! Ed448 and unknown curves; signature algorithms aws-lc cannot check
//! (SHA-224 with RSA, RSA-PSS with unusual parameters, RSA-1024 with
//! SHA-384); URI and otherName name constraints; RFC 3779 blocks; delta,
//! indirect or partitioned CRLs and CRLs by another key; trust settings in
//! `TRUSTED CERTIFICATE` files; a trust source without certificates.
//! Policy checking is off in TLS clients (no X509_V_FLAG_POLICY_CHECK), as
//! here.

mod build;
mod cert;
mod checks;
mod crl;
mod der;
mod error;
mod ext;
mod features;
mod host;
mod name;
mod ncons;
mod sig;

use std::net::IpAddr;

pub use crate::clients::CrlPolicy;
pub use checks::RSA_BITS_FOR_LEVEL;
pub use error::{Code, NotModelled, OpenSslError, Refusal};
pub use features::{features, Feature};

use build::{Builder, Pool};
use cert::Cert;
use error::{fail, not_modelled};

/// How the client set up verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSslParams {
    /// The security level (SSL_get_security_level → X509_VERIFY_PARAM auth_level).
    pub auth_level: u8,
    /// X509_VERIFY_PARAM depth (100 unless the client sets it).
    pub depth: usize,
    /// How CRLs apply when some are given (`None`: they are not checked).
    pub crl: Option<CrlPolicy>,
    /// X509_check_host accepts `db*.example.com` (no X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS).
    pub partial_wildcards: bool,
}

impl OpenSslParams {
    /// A TLS client on Debian's OpenSSL 3 (CipherString DEFAULT@SECLEVEL=2).
    pub const fn debian_tls_client() -> OpenSslParams {
        OpenSslParams {
            auth_level: 2,
            depth: 100,
            crl: None,
            partial_wildcards: true,
        }
    }

    /// Node.js 20's bundled OpenSSL 3: its compiled-in security level 1
    /// (Node does not read the system openssl.cnf by default).
    pub const fn node20() -> OpenSslParams {
        OpenSslParams {
            auth_level: 1,
            ..OpenSslParams::debian_tls_client()
        }
    }

    /// How a client profile on OpenSSL sets verification up: its security
    /// level (`CertPolicy::openssl_auth_level`), its CRL policy, and
    /// partial wildcards unless its host-name rules forbid them.
    pub fn for_profile(p: &crate::clients::Profile) -> OpenSslParams {
        OpenSslParams {
            auth_level: p.certs.openssl_auth_level.unwrap_or(2),
            depth: 100,
            crl: Some(p.crl),
            partial_wildcards: p.names != crate::clients::NameRules::OpenSsl,
        }
    }
}

/// The name the client asks X509_verify_cert to check, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameToCheck {
    /// X509_VERIFY_PARAM_set1_host: X509_check_host.
    Host(String),
    /// X509_VERIFY_PARAM_set1_ip: X509_check_ip.
    Ip(IpAddr),
}

/// A verified path: indices into `chain` (below `chain.len()`) and into
/// `store` (`chain.len() + i`), leaf first, ending at the trust anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub path: Vec<usize>,
}

/// X509_verify_cert over `chain` (DER, leaf first, as served), the trust
/// store's certificates and CRLs, at `at_unix`.
pub fn verify(
    chain: &[&[u8]],
    store: &[&[u8]],
    crls: &[&[u8]],
    at_unix: i64,
    name: Option<&NameToCheck>,
    params: &OpenSslParams,
) -> Result<Verified, Refusal> {
    let (pool, origin) = pool(chain, store)?;
    let leaf = &pool.certs[0];
    if !checks::key_meets(leaf, params.auth_level)? {
        return fail(Code::EeKeyTooSmall, 0);
    }
    let builder = Builder {
        pool: &pool,
        at: at_unix,
        max_depth: params.depth + 1,
    };
    let built = builder.build()?;
    let path: Vec<&Cert> = built.chain.iter().map(|&i| &pool.certs[i]).collect();
    checks::extensions(&path)?;
    checks::auth_level(&path, params.auth_level)?;
    check_name(leaf, name, params)?;
    if let (Some(policy), false) = (params.crl, crls.is_empty()) {
        crl::check(&path, crls, at_unix, policy)?;
    }
    checks::signatures_and_times(&path, at_unix)?;
    ncons::check(&path)?;
    if path.iter().any(|c| c.ext.rfc3779) {
        return not_modelled("RFC 3779 IP address or AS number blocks");
    }
    Ok(Verified {
        path: built.chain.iter().map(|&i| origin[i]).collect(),
    })
}

/// The served certificates, then the store's (each distinct certificate
/// once, as X509_STORE keeps them); with each one's index in the caller's terms.
fn pool(chain: &[&[u8]], store: &[&[u8]]) -> Result<(Pool, Vec<usize>), Refusal> {
    if chain.is_empty() {
        return not_modelled("no certificate was served");
    }
    let mut certs = Vec::new();
    let mut origin = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        certs.push(cert::parse(der).map_err(|e| Refusal::NotModelled(NotModelled(e)))?);
        origin.push(i);
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    for (i, der) in store.iter().enumerate() {
        if seen.contains(der) {
            continue;
        }
        seen.push(der);
        // A store certificate OpenSSL could not read either is no issuer.
        if let Ok(c) = cert::parse(der) {
            certs.push(c);
            origin.push(chain.len() + i);
        }
    }
    Ok((
        Pool {
            certs,
            served: chain.len(),
        },
        origin,
    ))
}

/// check_id: the host name or address the client set.
fn check_name(
    leaf: &Cert,
    name: Option<&NameToCheck>,
    params: &OpenSslParams,
) -> Result<(), Refusal> {
    match name {
        Some(NameToCheck::Host(h)) if !host::host_matches(leaf, h, params.partial_wildcards) => {
            fail(Code::HostnameMismatch, 0)
        }
        Some(NameToCheck::Ip(ip)) if !host::ip_matches(leaf, ip) => {
            fail(Code::IpAddressMismatch, 0)
        }
        _ => Ok(()),
    }
}

/// X509_check_host's comparison of one DNS name (a SAN, or a CN) with the
/// host asked for: `partial` unless X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS.
pub fn host_pattern_matches(pattern: &str, host: &str, partial: bool) -> bool {
    host::pattern_matches(pattern.as_bytes(), host.as_bytes(), partial)
}

/// [`verify`] against a loaded trust source and CRL set.
pub fn verify_source(
    chain: &[rustls_pki_types::CertificateDer<'_>],
    source: &crate::trust::TrustSource,
    crls: &crate::trust::Crls,
    at_unix: i64,
    name: Option<&NameToCheck>,
    params: &OpenSslParams,
) -> Result<Verified, Refusal> {
    if source.certs.is_empty() && !source.anchors.is_empty() {
        return not_modelled(
            "a trust source that keeps no certificates (OpenSSL reads certificate files)",
        );
    }
    let chain: Vec<&[u8]> = chain.iter().map(|c| c.as_ref()).collect();
    let store: Vec<&[u8]> = source.certs.iter().map(|c| c.as_ref()).collect();
    let crls: Vec<&[u8]> = crls.ders.iter().map(|c| c.as_ref()).collect();
    verify(&chain, &store, &crls, at_unix, name, params)
}

#[cfg(test)]
mod tests;
