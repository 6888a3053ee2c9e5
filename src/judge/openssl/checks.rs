//! The checks X509_verify_cert runs on the built chain, in its order:
//! the leaf's key (before building), check_extensions (critical
//! extensions, CA status, explicit EC parameters, purpose sslserver,
//! pathLenConstraint), check_auth_level (keys and signature digests
//! against the security level) and internal_verify (signatures and
//! validity, from the anchor down).

use super::cert::{Cert, Curve, KeyKind, SigAlg};
use super::error::{fail, not_modelled, Code, Refusal};
use super::ext::{self, NS_ANY_CA, NS_SSL_CA, NS_SSL_SERVER};
use super::sig;

/// The security bits each auth level asks for (levels 1 to 5).
const MIN_BITS: [u32; 5] = [80, 112, 128, 192, 256];

/// The smallest RSA modulus OpenSSL 3.0 rates at 80, 112 and 128 bits
/// (its NIST SP 800-56B estimate, rounded to a multiple of eight; measured
/// with `openssl verify -auth_level`, and checked again in tests/openssl_model.rs).
pub const RSA_BITS_FOR_LEVEL: [usize; 3] = [920, 1963, 2672];

fn ku_reject(c: &Cert, usage: u16) -> bool {
    c.ext.key_usage.is_some_and(|k| k & usage == 0)
}

/// check_ca: 0 not a CA; 1 basicConstraints CA:TRUE; 3 an X.509 v1
/// self-signed root; 4 keyUsage present (with keyCertSign) but no
/// basicConstraints; 5 a Netscape CA type.
pub(crate) fn check_ca(c: &Cert) -> u8 {
    if ku_reject(c, ext::KU_KEY_CERT_SIGN) {
        return 0;
    }
    if let Some(b) = c.ext.basic {
        return b.ca as u8;
    }
    if c.version == 1 && c.self_signed {
        3
    } else if c.ext.key_usage.is_some() {
        4
    } else if c.ext.ns_cert_type.is_some_and(|n| n & NS_ANY_CA != 0) {
        5
    } else {
        0
    }
}

/// X509_check_purpose(sslserver) as check_purpose takes it: a CA (`non_leaf`)
/// passes unless its EKU or Netscape type says otherwise; the leaf needs an
/// EKU with serverAuth (or none), nsCertType SSL server (or none), and a
/// keyUsage allowing a TLS key exchange (or none).
fn purpose_ok(c: &Cert, non_leaf: bool) -> bool {
    if c.ext.eku.is_some_and(|e| !e.server) {
        return false;
    }
    if non_leaf {
        let ca = check_ca(c);
        return ca != 0 && (ca != 5 || c.ext.ns_cert_type.is_some_and(|n| n & NS_SSL_CA != 0));
    }
    let tls = ext::KU_DIGITAL_SIGNATURE | ext::KU_KEY_ENCIPHERMENT | ext::KU_KEY_AGREEMENT;
    c.ext.ns_cert_type.is_none_or(|n| n & NS_SSL_SERVER != 0) && !ku_reject(c, tls)
}

/// check_extensions, certificate by certificate from the leaf.
pub(crate) fn extensions(chain: &[&Cert]) -> Result<(), Refusal> {
    let num = chain.len();
    let mut plen = 0u64;
    for (i, c) in chain.iter().enumerate() {
        if c.ext.unhandled_critical {
            return fail(Code::UnhandledCriticalExtension, i);
        }
        if c.ext.proxy {
            return fail(Code::ProxyCertificatesNotAllowed, i);
        }
        let ca = check_ca(c);
        // Intermediates must say CA:TRUE; the anchor may be a v1 root or keyUsage-only.
        if i > 0 && (ca == 0 || (i + 1 < num && ca != 1)) {
            return fail(Code::InvalidCa, i);
        }
        if num > 1 && matches!(c.key, KeyKind::Ec { explicit: true, .. }) {
            return fail(Code::EcKeyExplicitParams, i);
        }
        if !purpose_ok(c, i > 0) {
            return fail(Code::InvalidPurpose, i);
        }
        let pathlen = c.ext.basic.and_then(|b| b.pathlen);
        if i > 1 && pathlen.is_some_and(|p| plen > p) {
            return fail(Code::PathLengthExceeded, i);
        }
        if i > 0 && !c.self_issued {
            plen += 1;
        }
    }
    Ok(())
}

/// Whether a key meets `level` (check_key_level); not modelled for keys
/// whose strength we do not know.
pub(crate) fn key_meets(c: &Cert, level: u8) -> Result<bool, Refusal> {
    if level == 0 {
        return Ok(true);
    }
    let min = MIN_BITS[(level.min(5) - 1) as usize];
    let bits = match c.key {
        KeyKind::Rsa { bits } | KeyKind::RsaPss { bits } => {
            return match RSA_BITS_FOR_LEVEL.get(level as usize - 1) {
                Some(&floor) => Ok(bits >= floor),
                None => not_modelled(format!("RSA key strength at security level {level}")),
            }
        }
        KeyKind::Ec {
            curve: Some(Curve::P256),
            ..
        }
        | KeyKind::Ed25519 => 128,
        KeyKind::Ec {
            curve: Some(Curve::P384),
            ..
        } => 192,
        KeyKind::Ec {
            curve: Some(Curve::P521),
            ..
        } => 256,
        KeyKind::Ed448 => 224,
        _ => return not_modelled("the strength of a key of this type"),
    };
    Ok(bits >= min)
}

/// Whether a certificate's signature digest meets `level` (check_sig_level).
fn sig_meets(c: &Cert, level: u8) -> Result<bool, Refusal> {
    if level == 0 {
        return Ok(true);
    }
    let min = MIN_BITS[(level.min(5) - 1) as usize];
    let bits = match c.sig_alg {
        SigAlg::RsaPkcs1(h) | SigAlg::Ecdsa(h) | SigAlg::Dsa(h) => h.security_bits(),
        SigAlg::RsaPss { hash, .. } => hash.security_bits().max(64),
        SigAlg::Ed25519 => 128,
        SigAlg::Ed448 => 224,
        SigAlg::Unknown => return not_modelled("a signature algorithm OpenSSL may not know"),
    };
    Ok(bits >= min)
}

/// check_auth_level: every issuer's key, every signature but the anchor's own.
pub(crate) fn auth_level(chain: &[&Cert], level: u8) -> Result<(), Refusal> {
    let num = chain.len();
    for (i, c) in chain.iter().enumerate() {
        if i > 0 && !key_meets(c, level)? {
            return fail(Code::CaKeyTooSmall, i);
        }
        if i + 1 < num && !sig_meets(c, level)? {
            return fail(Code::CaMdTooWeak, i);
        }
    }
    Ok(())
}

/// internal_verify: from the anchor down, each certificate's signature by
/// the one above it (the anchor's own is not checked), then its validity.
pub(crate) fn signatures_and_times(chain: &[&Cert], at: i64) -> Result<(), Refusal> {
    let top = chain.len() - 1;
    for n in (0..=top).rev() {
        let xs = chain[n];
        if n < top {
            let xi = chain[n + 1];
            if ku_reject(xi, ext::KU_KEY_CERT_SIGN) {
                return fail(Code::KeyusageNoCertsign, n + 1);
            }
            if !sig::verifies(xs, xi)? {
                return fail(Code::CertSignatureFailure, n);
            }
        }
        time(xs, at, n)?;
    }
    Ok(())
}

/// ossl_x509_check_cert_time with the callback: notBefore, then notAfter.
fn time(c: &Cert, at: i64, depth: usize) -> Result<(), Refusal> {
    match c.not_before {
        None => return fail(Code::ErrorInCertNotBeforeField, depth),
        Some(nb) if nb > at => return fail(Code::CertNotYetValid, depth),
        _ => {}
    }
    match c.not_after {
        None => fail(Code::ErrorInCertNotAfterField, depth),
        Some(na) if na <= at => fail(Code::CertHasExpired, depth),
        _ => Ok(()),
    }
}
