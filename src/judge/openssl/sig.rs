//! X509_verify: a certificate's signature by its issuer's key, with the
//! algorithms aws-lc offers. An algorithm or key size it cannot check (RSA
//! under 1024 bits, SHA-224, unusual RSA-PSS parameters, DSA, Ed448) is
//! not modelled rather than guessed.

use aws_lc_rs::signature::{self as s, UnparsedPublicKey, VerificationAlgorithm};

use super::cert::{Cert, Curve, Hash, KeyKind, SigAlg};
use super::error::{not_modelled, Refusal};

/// Whether `subject`'s signature verifies with `issuer`'s key.
pub(crate) fn verifies(subject: &Cert, issuer: &Cert) -> Result<bool, Refusal> {
    // X509_verify refuses a certificate whose two signature algorithm fields differ.
    if subject.sig_alg_raw != subject.tbs_sig_alg_raw {
        return Ok(false);
    }
    signed_by(&subject.tbs, subject.sig_alg, &subject.signature, issuer)
}

/// Whether `signature` (made with `alg`) over `tbs` verifies with `issuer`'s key.
pub(crate) fn signed_by(
    tbs: &[u8],
    alg: SigAlg,
    signature: &[u8],
    issuer: &Cert,
) -> Result<bool, Refusal> {
    let Some(verifier) = algorithm(issuer.key, alg) else {
        return not_modelled(format!(
            "checking a {alg:?} signature with a {:?} key",
            issuer.key
        ));
    };
    Ok(UnparsedPublicKey::new(verifier, &issuer.key_bytes)
        .verify(tbs, signature)
        .is_ok())
}

fn algorithm(key: KeyKind, alg: SigAlg) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (key, alg) {
        (KeyKind::Rsa { bits }, SigAlg::RsaPkcs1(h)) => rsa_pkcs1(bits, h)?,
        (
            KeyKind::Rsa { bits },
            SigAlg::RsaPss {
                hash,
                standard: true,
            },
        ) if bits >= 2048 => match hash {
            Hash::Sha256 => &s::RSA_PSS_2048_8192_SHA256,
            Hash::Sha384 => &s::RSA_PSS_2048_8192_SHA384,
            Hash::Sha512 => &s::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        },
        (
            KeyKind::Ec {
                curve: Some(c),
                explicit: false,
            },
            SigAlg::Ecdsa(h),
        ) => ecdsa(c, h)?,
        (KeyKind::Ed25519, SigAlg::Ed25519) => &s::ED25519,
        _ => return None,
    })
}

fn rsa_pkcs1(bits: usize, h: Hash) -> Option<&'static dyn VerificationAlgorithm> {
    if !(1024..=8192).contains(&bits) {
        return None;
    }
    Some(match h {
        Hash::Sha1 => &s::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        Hash::Sha256 => &s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Hash::Sha512 => &s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        Hash::Sha384 if bits >= 2048 => &s::RSA_PKCS1_2048_8192_SHA384,
        _ => return None,
    })
}

fn ecdsa(c: Curve, h: Hash) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (c, h) {
        (Curve::P256, Hash::Sha1) => &s::ECDSA_P256_SHA1_ASN1,
        (Curve::P256, Hash::Sha256) => &s::ECDSA_P256_SHA256_ASN1,
        (Curve::P256, Hash::Sha384) => &s::ECDSA_P256_SHA384_ASN1,
        (Curve::P256, Hash::Sha512) => &s::ECDSA_P256_SHA512_ASN1,
        (Curve::P384, Hash::Sha256) => &s::ECDSA_P384_SHA256_ASN1,
        (Curve::P384, Hash::Sha384) => &s::ECDSA_P384_SHA384_ASN1,
        (Curve::P384, Hash::Sha512) => &s::ECDSA_P384_SHA512_ASN1,
        (Curve::P521, Hash::Sha1) => &s::ECDSA_P521_SHA1_ASN1,
        (Curve::P521, Hash::Sha224) => &s::ECDSA_P521_SHA224_ASN1,
        (Curve::P521, Hash::Sha256) => &s::ECDSA_P521_SHA256_ASN1,
        (Curve::P521, Hash::Sha384) => &s::ECDSA_P521_SHA384_ASN1,
        (Curve::P521, Hash::Sha512) => &s::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    })
}
