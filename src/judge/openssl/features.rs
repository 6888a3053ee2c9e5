//! What a chain has whose handling by the stacks other than OpenSSL and
//! webpki is not modelled here. Java's PKIX (CertPathBuilder/Validator)
//! and Go's crypto/x509 differ from webpki on each of these: name
//! constraints (each applies them to other names: the subject DN, the CN,
//! URIs), policy constraints and mappings (Java's PKIX and Go ≥ 1.22
//! process policies, webpki ignores them), critical extensions webpki does
//! not know (Java and Go accept some it refuses), an EKU on a CA that does
//! not allow TLS servers (Go nests EKUs through the chain as webpki does,
//! Java's PKIX ignores them), a pathLenConstraint that can bite (the
//! stacks count self-issued CAs differently and build different paths),
//! and several candidate issuers (cross-signed or re-issued CAs: each
//! stack builds its own path). Common chains have none of these: an EKU
//! with serverAuth or a pathLenConstraint the chain stays within is fine.

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
            Feature::CaExtendedKeyUsage => {
                "an extended key usage on a CA certificate that does not allow TLS servers"
            }
            Feature::PathLengthConstraint => {
                "a path length constraint the chain reaches (or a self-issued CA below one)"
            }
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
            cas.iter().any(|c| c.ext.eku.is_some_and(|e| !e.server)),
        ),
        (Feature::PathLengthConstraint, pathlen_bites(&served, &cas)),
        (Feature::SeveralIssuers, several_issuers(&served, &cas)),
    ];
    checks
        .into_iter()
        .filter(|(_, has)| *has)
        .map(|(f, _)| f)
        .collect()
}

/// A CA's pathLenConstraint is smaller than the number of other served
/// intermediates (which may sit below it), or a served intermediate is
/// self-issued.
fn pathlen_bites(served: &[Cert], cas: &[Cert]) -> bool {
    let intermediates = &served[1.min(served.len())..];
    let constrained = cas.iter().filter_map(|c| Some((c, c.ext.basic?.pathlen?)));
    let mut any = false;
    for (c, p) in constrained {
        any = true;
        let others = intermediates.iter().filter(|i| i.der != c.der).count() as u64;
        if others > p {
            return true;
        }
    }
    any && intermediates.iter().any(|c| c.self_issued)
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
