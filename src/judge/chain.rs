//! Is the served chain valid against a trust source? webpki decides; this
//! file turns its answer into a cause a person can act on, using the shape
//! of the chain as served (a leaf alone is a missing intermediate, not an
//! unknown root).

use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use serde::Serialize;
use webpki::{
    EndEntityCert, KeyUsage, RevocationCheckDepth, RevocationOptions, RevocationOptionsBuilder,
    UnknownStatusPolicy,
};

use crate::observe::{name_of, CertFacts};
use crate::trust::{Crls, TrustSource};

/// Why a chain is not valid, as a cause with a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChainProblem {
    /// The chain ends at an issuer this source does not hold.
    UnknownIssuer,
    /// The server sent its leaf without the intermediate that signed it.
    MissingIntermediate,
    /// The leaf signed itself.
    SelfSigned,
    Expired,
    NotYetValid,
    Revoked,
    /// CRLs were given but do not cover every certificate.
    RevocationUnknown,
    BadSignature,
    /// A signature algorithm or key webpki will not accept (SHA-1, RSA < 2048, …).
    UnsupportedAlgorithm,
    /// The leaf's extendedKeyUsage does not allow TLS servers.
    NotForServers,
    /// A CA certificate served as the leaf, or a leaf used as a CA.
    WrongCertificateRole,
    /// An X.509 v1 certificate in the chain.
    UnsupportedVersion,
    /// libpq verifies only against a root file, and there is none.
    NoRootFile,
    /// The trust source itself could not be read, or is empty.
    SourceUnusable,
    NoCertificate,
    Malformed,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainVerdict {
    pub valid: bool,
    pub problem: Option<ChainProblem>,
    /// webpki's or our words for the problem.
    pub detail: Option<String>,
    /// The verified path, leaf first, ending at the trust anchor.
    pub path: Vec<String>,
    /// The trust anchor's certificate, when the chain is valid and the source
    /// keeps certificates (for `--save-root`; the Mozilla bundle has none).
    #[serde(skip)]
    pub anchor_der: Option<CertificateDer<'static>>,
    /// The trust anchor's subject (DER contents), when the chain is valid.
    #[serde(skip)]
    pub anchor_subject: Option<Vec<u8>>,
}

impl ChainVerdict {
    pub fn invalid(problem: ChainProblem, detail: impl Into<String>) -> ChainVerdict {
        ChainVerdict {
            valid: false,
            problem: Some(problem),
            detail: Some(detail.into()),
            path: Vec::new(),
            anchor_der: None,
            anchor_subject: None,
        }
    }
}

pub use crate::clients::CrlPolicy;

/// Which signature algorithms a verification accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithms {
    /// What rustls accepts: RSA ≥ 2048 bits with SHA-2, ECDSA, Ed25519.
    Current,
    /// Also RSA keys from 1024 bits and SHA-1 RSA signatures, as stacks with
    /// lower floors (Java with a private root, Go before 1.24) verify them.
    WithLegacy,
}

pub fn verify(
    chain: &[CertificateDer<'static>],
    facts: &[CertFacts],
    source: &TrustSource,
    crls: Option<&Crls>,
    policy: CrlPolicy,
    now_unix: i64,
) -> ChainVerdict {
    verify_with(
        chain,
        facts,
        source,
        crls,
        policy,
        now_unix,
        Algorithms::Current,
    )
}

/// [`verify`], accepting the given [`Algorithms`].
pub fn verify_with(
    chain: &[CertificateDer<'static>],
    facts: &[CertFacts],
    source: &TrustSource,
    crls: Option<&Crls>,
    policy: CrlPolicy,
    now_unix: i64,
    accepted: Algorithms,
) -> ChainVerdict {
    let Some(leaf_der) = chain.first() else {
        return ChainVerdict::invalid(
            ChainProblem::NoCertificate,
            "the server sent no certificate",
        );
    };
    if source.anchors.is_empty() {
        return ChainVerdict::invalid(
            ChainProblem::SourceUnusable,
            source
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| "no trust anchors".into()),
        );
    }
    if let Some(verdict) = leaf_in_trust_source(leaf_der, facts, source, now_unix) {
        return verdict;
    }
    let leaf = match end_entity(leaf_der) {
        Ok(l) => l,
        Err(verdict) => return verdict,
    };
    let crl_refs: Vec<&webpki::CertRevocationList<'static>> =
        crls.map(|c| c.lists.iter().collect()).unwrap_or_default();
    let search = PathSearch {
        leaf: &leaf,
        intermediates: &chain[1..],
        facts,
        source,
        algorithms: &signature_algorithms(accepted),
        time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(now_unix.max(0) as u64)),
    };
    let result = search.run(revocation_options(&crl_refs, policy));
    match revoked_over_uncovered(&search, &crl_refs, result) {
        Ok(verdict) => verdict,
        Err(e) => explain(&e, facts, now_unix),
    }
}

/// OpenSSL-based clients (libpq, MySQL, Python) accept a self-signed
/// server certificate that is itself in the trust file, even with CA:TRUE
/// (what `openssl req -x509` makes); webpki refuses a CA as end entity.
/// `None` when the leaf is not such a certificate.
fn leaf_in_trust_source(
    leaf_der: &CertificateDer<'static>,
    facts: &[CertFacts],
    source: &TrustSource,
    now_unix: i64,
) -> Option<ChainVerdict> {
    let leaf = facts.first().filter(|l| l.self_issued)?;
    if !source.certs.iter().any(|c| c == leaf_der) {
        return None;
    }
    if leaf.not_after_unix < now_unix {
        return Some(ChainVerdict::invalid(
            ChainProblem::Expired,
            format!("{} expired on {}", leaf.subject, leaf.not_after),
        ));
    }
    if leaf.not_before_unix > now_unix {
        return Some(ChainVerdict::invalid(
            ChainProblem::NotYetValid,
            format!("{} is valid only from {}", leaf.subject, leaf.not_before),
        ));
    }
    Some(ChainVerdict {
        valid: true,
        problem: None,
        detail: None,
        path: vec![format!("{} (itself in this trust source)", leaf.subject)],
        anchor_der: Some(leaf_der.clone()),
        anchor_subject: Some(crate::trust::strip_sequence(&leaf.subject_der).to_vec()),
    })
}

/// The leaf as webpki reads it, or why it cannot.
fn end_entity<'a>(
    leaf_der: &'a CertificateDer<'static>,
) -> Result<EndEntityCert<'a>, ChainVerdict> {
    EndEntityCert::try_from(leaf_der).map_err(|e| match e {
        webpki::Error::UnsupportedCertVersion => ChainVerdict::invalid(
            ChainProblem::UnsupportedVersion,
            "the leaf is an X.509 version 1 certificate: OpenSSL accepts it, webpki, Go and Java do not",
        ),
        e => ChainVerdict::invalid(
            ChainProblem::Malformed,
            format!("the leaf certificate cannot be parsed: {e:?}"),
        ),
    })
}

/// The CRL check a client's [`CrlPolicy`] asks for; `None` without CRLs.
fn revocation_options<'a>(
    crl_refs: &'a [&'a webpki::CertRevocationList<'static>],
    policy: CrlPolicy,
) -> Option<RevocationOptions<'a>> {
    if crl_refs.is_empty() {
        return None;
    }
    let (depth, unknown) = match policy {
        CrlPolicy::WholeChainStrict => (RevocationCheckDepth::Chain, UnknownStatusPolicy::Deny),
        CrlPolicy::LeafLenient => (RevocationCheckDepth::EndEntity, UnknownStatusPolicy::Allow),
        CrlPolicy::LeafStrict => (RevocationCheckDepth::EndEntity, UnknownStatusPolicy::Deny),
    };
    RevocationOptionsBuilder::new(crl_refs)
        .ok()
        .map(|b| b.with_depth(depth).with_status_policy(unknown).build())
}

/// The signature algorithms a verification accepts.
fn signature_algorithms(accepted: Algorithms) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    let current = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all;
    match accepted {
        Algorithms::Current => current.to_vec(),
        Algorithms::WithLegacy => legacy_rsa::ALL
            .iter()
            .copied()
            .chain(current.iter().copied())
            .collect(),
    }
}

/// One chain to verify, with everything but the revocation check fixed.
struct PathSearch<'a> {
    leaf: &'a EndEntityCert<'a>,
    intermediates: &'a [CertificateDer<'static>],
    facts: &'a [CertFacts],
    source: &'a TrustSource,
    algorithms: &'a [&'static dyn SignatureVerificationAlgorithm],
    time: UnixTime,
}

impl PathSearch<'_> {
    /// webpki's answer, as a valid verdict naming the path, leaf first.
    fn run(
        &self,
        revocation: Option<RevocationOptions<'_>>,
    ) -> Result<ChainVerdict, webpki::Error> {
        let path = self.leaf.verify_for_usage(
            self.algorithms,
            &self.source.anchors,
            self.intermediates,
            self.time,
            KeyUsage::server_auth(),
            revocation,
            None,
        )?;
        let mut names = vec![self
            .facts
            .first()
            .map(|f| f.subject.clone())
            .unwrap_or_default()];
        for c in path.intermediate_certificates() {
            names.push(name_of(c.subject()));
        }
        names.push(format!(
            "{} (trust anchor)",
            name_of(path.anchor().subject.as_ref())
        ));
        Ok(ChainVerdict {
            valid: true,
            problem: None,
            detail: None,
            path: names,
            anchor_der: self.source.anchor_cert(path.anchor()).cloned(),
            anchor_subject: Some(path.anchor().subject.to_vec()),
        })
    }
}

/// webpki stops at the first certificate no CRL covers, which may sit
/// above a revoked leaf; OpenSSL reports the revocation. Look again,
/// lenient about coverage, so "revoked" wins over "not covered".
fn revoked_over_uncovered(
    search: &PathSearch<'_>,
    crl_refs: &[&webpki::CertRevocationList<'static>],
    result: Result<ChainVerdict, webpki::Error>,
) -> Result<ChainVerdict, webpki::Error> {
    if !matches!(result, Err(webpki::Error::UnknownRevocationStatus)) {
        return result;
    }
    let lenient = RevocationOptionsBuilder::new(crl_refs).ok().map(|b| {
        b.with_depth(RevocationCheckDepth::Chain)
            .with_status_policy(UnknownStatusPolicy::Allow)
            .build()
    });
    match search.run(lenient) {
        Err(e @ webpki::Error::CertRevoked) => Err(e),
        _ => result,
    }
}

fn explain(e: &webpki::Error, facts: &[CertFacts], now_unix: i64) -> ChainVerdict {
    use webpki::Error as E;
    let (problem, detail) = match e {
        E::UnknownIssuer | E::CaUsedAsEndEntity if facts.len() == 1 && facts[0].self_issued => (
            ChainProblem::SelfSigned,
            format!("the certificate for {} signed itself", facts[0].subject),
        ),
        E::UnknownIssuer => unknown_issuer(facts),
        E::CertExpired { .. } => {
            let which = facts
                .iter()
                .find(|f| f.not_after_unix < now_unix)
                .map(|f| format!("{} expired on {}", f.subject, f.not_after))
                .unwrap_or_else(|| "a certificate in the chain has expired".into());
            (ChainProblem::Expired, which)
        }
        E::CertNotValidYet { .. } => {
            let which = facts
                .iter()
                .find(|f| f.not_before_unix > now_unix)
                .map(|f| format!("{} is valid only from {}", f.subject, f.not_before))
                .unwrap_or_else(|| "a certificate in the chain is not valid yet".into());
            (ChainProblem::NotYetValid, which)
        }
        other => explain_fixed(other),
    };
    ChainVerdict::invalid(problem, detail)
}

/// An unknown issuer, told by the shape of the chain as served: a top that
/// is not a CA lacks its intermediate; otherwise the root is not trusted.
fn unknown_issuer(facts: &[CertFacts]) -> (ChainProblem, String) {
    let leaf = &facts[0];
    let top = facts.last();
    if let Some(top) = top.filter(|t| !t.self_issued && t.is_ca != Some(true)) {
        return (
            ChainProblem::MissingIntermediate,
            format!(
                "the server sent {} without its issuer {}",
                top.subject, top.issuer
            ),
        );
    }
    let top = top.unwrap_or(leaf);
    if top.self_issued {
        (
            ChainProblem::UnknownIssuer,
            format!("the served root {} is not trusted here", top.subject),
        )
    } else {
        (
            ChainProblem::UnknownIssuer,
            format!("the issuer {} is not trusted here", top.issuer),
        )
    }
}

/// The problems whose words do not depend on the chain.
fn explain_fixed(e: &webpki::Error) -> (ChainProblem, String) {
    use webpki::Error as E;
    match e {
        E::CertRevoked => (ChainProblem::Revoked, "a certificate in the chain is revoked by the CRL".into()),
        E::UnknownRevocationStatus => (
            ChainProblem::RevocationUnknown,
            "the CRLs given do not cover every certificate in the chain".into(),
        ),
        E::InvalidSignatureForPublicKey => (
            ChainProblem::BadSignature,
            "a signature in the chain does not verify: a certificate was not signed by the issuer it names".into(),
        ),
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::SignatureAlgorithmMismatch => (
            ChainProblem::UnsupportedAlgorithm,
            format!("a signature algorithm or key in the chain is not accepted ({e:?}): SHA-1 signatures and RSA keys under 2048 bits are refused by current clients"),
        ),
        E::RequiredEkuNotFoundContext(_) => (
            ChainProblem::NotForServers,
            "the leaf's extendedKeyUsage does not include serverAuth".into(),
        ),
        E::CaUsedAsEndEntity => (
            ChainProblem::WrongCertificateRole,
            "the server presents a CA certificate (CA:TRUE) as its own".into(),
        ),
        E::EndEntityUsedAsCa => (
            ChainProblem::WrongCertificateRole,
            "a certificate that is not a CA (CA:FALSE) signed another certificate in the chain".into(),
        ),
        E::UnsupportedCertVersion => (
            ChainProblem::UnsupportedVersion,
            "an X.509 version 1 certificate in the chain: OpenSSL accepts it, webpki, Go and Java do not".into(),
        ),
        other => (ChainProblem::Other, format!("{other:?}")),
    }
}

/// RSA PKCS#1 signatures with keys from 1024 bits and SHA-1 or SHA-2, which
/// rustls does not accept and older or differently configured stacks do.
mod legacy_rsa {
    use aws_lc_rs::signature::{self, RsaParameters, UnparsedPublicKey};
    use rustls_pki_types::SignatureVerificationAlgorithm;
    use rustls_pki_types::{alg_id, AlgorithmIdentifier, InvalidSignature};

    #[derive(Debug)]
    struct LegacyRsa {
        params: &'static RsaParameters,
        signature: AlgorithmIdentifier,
    }

    impl SignatureVerificationAlgorithm for LegacyRsa {
        fn verify_signature(
            &self,
            public_key: &[u8],
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), InvalidSignature> {
            UnparsedPublicKey::new(self.params, public_key)
                .verify(message, signature)
                .map_err(|_| InvalidSignature)
        }
        fn public_key_alg_id(&self) -> AlgorithmIdentifier {
            alg_id::RSA_ENCRYPTION
        }
        fn signature_alg_id(&self) -> AlgorithmIdentifier {
            self.signature
        }
    }

    /// sha1WithRSAEncryption (1.2.840.113549.1.1.5) with NULL parameters,
    /// as the contents of an AlgorithmIdentifier.
    const RSA_PKCS1_SHA1: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
    ]);

    static SHA1: LegacyRsa = LegacyRsa {
        params: &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        signature: RSA_PKCS1_SHA1,
    };
    static SHA256: LegacyRsa = LegacyRsa {
        params: &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        signature: alg_id::RSA_PKCS1_SHA256,
    };
    static SHA512: LegacyRsa = LegacyRsa {
        params: &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        signature: alg_id::RSA_PKCS1_SHA512,
    };

    pub static ALL: &[&dyn SignatureVerificationAlgorithm] = &[&SHA1, &SHA256, &SHA512];
}
