//! What a chain has whose handling by the stacks other than OpenSSL and
//! webpki is not modelled here. Java's PKIX (CertPathBuilder/Validator)
//! and Go's crypto/x509 differ from webpki on each of these: name
//! constraints (Go checks the CN of old leaves no more, Java applies them
//! to the subject DN and CN-less rules of its own), policy constraints and
//! mappings (Java's PKIXValidator and Go ≥ 1.22 process policies, webpki
//! ignores them), critical extensions webpki does not know (Java and Go
//! accept some it refuses), EKU on CA certificates (Go nests EKUs through
//! the chain, Java ignores them), pathLenConstraint (counted differently
//! across self-issued CAs), and several candidate issuers (cross-signed or
//! re-issued CAs: each stack builds its own path).

use super::cert::{self, Cert};
use super::ext;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    NameConstraints,
    PolicyConstraints,
    UnknownCriticalExtension,
    CaExtendedKeyUsage,
    PathLengthConstraint,
    SeveralIssuers,
    Unreadable,
}

impl Feature {
    pub fn describe(self) -> &'static str {
        match self {
            Feature::NameConstraints => "name constraints",
            Feature::PolicyConstraints => "certificate policy constraints or mappings",
            Feature::UnknownCriticalExtension => "a critical extension webpki does not handle",
            Feature::CaExtendedKeyUsage => "an extended key usage on a CA certificate",
            Feature::PathLengthConstraint => "a path length constraint",
            Feature::SeveralIssuers => "several candidate issuers (a cross-signed or re-issued CA)",
            Feature::Unreadable => "a certificate the model cannot read",
        }
    }
}

/// The features of the served `chain` and of the store certificates that
/// could issue one of its certificates, in [`Feature`]'s order.
pub fn features(chain: &[&[u8]], store: &[&[u8]]) -> Vec<Feature> {
    let Ok(served) = chain
        .iter()
        .map(|d| cert::parse(d))
        .collect::<Result<Vec<Cert>, _>>()
    else {
        return vec![Feature::Unreadable];
    };
    let mut cas: Vec<Cert> = served.iter().skip(1).cloned().collect();
    for c in store.iter().filter_map(|d| cert::parse(d).ok()) {
        let issues_one = served.iter().any(|s| s.issuer.canon == c.subject.canon);
        if issues_one && !cas.iter().any(|k| k.der == c.der) {
            cas.push(c);
        }
    }
    let all = || served.iter().take(1).chain(cas.iter());
    let policy = [
        ext::POLICY_CONSTRAINTS,
        ext::POLICY_MAPPINGS,
        ext::INHIBIT_ANY_POLICY,
    ];
    let checks = [
        (
            Feature::NameConstraints,
            all().any(|c| c.ext.name_constraints.is_some()),
        ),
        (
            Feature::PolicyConstraints,
            all().any(|c| c.ext.oids.iter().any(|o| policy.contains(&o.as_slice()))),
        ),
        (
            Feature::UnknownCriticalExtension,
            all().any(|c| c.ext.unhandled_critical),
        ),
        (
            Feature::CaExtendedKeyUsage,
            cas.iter().any(|c| c.ext.eku.is_some()),
        ),
        (
            Feature::PathLengthConstraint,
            cas.iter()
                .any(|c| c.ext.basic.is_some_and(|b| b.pathlen.is_some())),
        ),
        (Feature::SeveralIssuers, several_issuers(&served, &cas)),
    ];
    checks
        .into_iter()
        .filter(|(_, has)| *has)
        .map(|(f, _)| f)
        .collect()
}

/// Some served certificate has more than one distinct certificate that
/// could have issued it.
fn several_issuers(served: &[Cert], cas: &[Cert]) -> bool {
    served.iter().any(|x| {
        cas.iter()
            .filter(|c| c.der != x.der && c.subject.canon == x.issuer.canon)
            .count()
            > 1
    })
}
