//! One test per rule, on rcgen-made chains (no openssl needed; the
//! comparison with `openssl verify` is tests/openssl_model.rs).

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
    SanType,
};

use super::*;

type Ca = CertifiedIssuer<'static, KeyPair>;

const AT: i64 = 1_800_000_000;

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = time::OffsetDateTime::from_unix_timestamp(AT - 86_400).unwrap();
    p.not_after = time::OffsetDateTime::from_unix_timestamp(AT + 86_400).unwrap();
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    } else {
        p.subject_alt_names = vec![SanType::DnsName(cn.try_into().unwrap())];
    }
    p
}

fn root(p: CertificateParams) -> Ca {
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

fn issue(p: CertificateParams, by: &Ca) -> Ca {
    CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), by).unwrap()
}

fn run(served: &[&Ca], store: &[&Ca], name: Option<&NameToCheck>) -> Result<Verified, Refusal> {
    let chain: Vec<&[u8]> = served.iter().map(|c| c.der().as_ref()).collect();
    let store: Vec<&[u8]> = store.iter().map(|c| c.der().as_ref()).collect();
    verify(
        &chain,
        &store,
        &[],
        AT,
        name,
        &OpenSslParams::debian_tls_client(),
    )
}

fn code(r: Result<Verified, Refusal>) -> Option<(Code, usize)> {
    match r {
        Ok(_) => None,
        Err(Refusal::OpenSsl(e)) => Some((e.code, e.depth)),
        Err(Refusal::NotModelled(n)) => panic!("not modelled: {}", n.0),
    }
}

/// root → intermediate (changed by `f`) → leaf (changed by `g`).
fn chain(
    f: impl FnOnce(&mut CertificateParams),
    g: impl FnOnce(&mut CertificateParams),
) -> Option<(Code, usize)> {
    let r = root(params("Root", true));
    let mut ip = params("Int", true);
    f(&mut ip);
    let i = issue(ip, &r);
    let mut lp = params("db.example.com", false);
    g(&mut lp);
    let l = issue(lp, &i);
    code(run(&[&l, &i], &[&r], None))
}

#[test]
fn a_plain_chain_ends_at_the_store_root() {
    let r = root(params("Root", true));
    let i = issue(params("Int", true), &r);
    let l = issue(params("db.example.com", false), &i);
    assert_eq!(run(&[&l, &i], &[&r], None).unwrap().path, vec![0, 1, 2]);
}

#[test]
fn expired_at_exactly_not_after() {
    let at = |s| time::OffsetDateTime::from_unix_timestamp(s).unwrap();
    assert_eq!(
        chain(|_| {}, |l| l.not_after = at(AT)),
        Some((Code::CertHasExpired, 0))
    );
    assert_eq!(chain(|_| {}, |l| l.not_after = at(AT + 1)), None);
    assert_eq!(chain(|_| {}, |l| l.not_before = at(AT)), None);
    assert_eq!(
        chain(|_| {}, |l| l.not_before = at(AT + 1)),
        Some((Code::CertNotYetValid, 0))
    );
}

#[test]
fn intermediates_must_be_ca_true() {
    assert_eq!(
        chain(|i| i.is_ca = IsCa::NoCa, |_| {}),
        Some((Code::InvalidCa, 1))
    );
    assert_eq!(
        chain(|i| i.is_ca = IsCa::ExplicitNoCa, |_| {}),
        Some((Code::InvalidCa, 1))
    );
}

#[test]
fn eku_is_checked_on_cas_too() {
    let client_only = |p: &mut CertificateParams| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]
    };
    assert_eq!(chain(client_only, |_| {}), Some((Code::InvalidPurpose, 1)));
    assert_eq!(chain(|_| {}, client_only), Some((Code::InvalidPurpose, 0)));
    assert_eq!(
        chain(
            |_| {},
            |l| l.key_usages = vec![KeyUsagePurpose::KeyCertSign]
        ),
        Some((Code::InvalidPurpose, 0))
    );
}

#[test]
fn unknown_critical_extensions_are_refused() {
    let critical = |p: &mut CertificateParams| {
        let mut e = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![5, 0]);
        e.set_criticality(true);
        p.custom_extensions = vec![e];
    };
    assert_eq!(
        chain(critical, |_| {}),
        Some((Code::UnhandledCriticalExtension, 1))
    );
}

#[test]
fn name_constraints_apply_to_a_cn_only_leaf() {
    let nc = |p: &mut CertificateParams| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
            excluded_subtrees: vec![],
        })
    };
    let cn_only = |cn: &'static str| {
        move |l: &mut CertificateParams| {
            l.subject_alt_names.clear();
            l.distinguished_name = rcgen::DistinguishedName::new();
            l.distinguished_name.push(DnType::CommonName, cn);
        }
    };
    assert_eq!(
        chain(nc, cn_only("db.other.com")),
        Some((Code::PermittedViolation, 0))
    );
    assert_eq!(chain(nc, cn_only("db.example.com")), None);
    assert_eq!(chain(nc, cn_only("localhost")), None);
}

#[test]
fn pathlen_does_not_count_self_issued_cas() {
    let r = root(params("Root", true));
    let mut zero = params("Int", true);
    zero.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let old = issue(zero, &r);
    let rollover = issue(params("Int", true), &old);
    let below = issue(params("Below", true), &old);
    let l1 = issue(params("db.example.com", false), &rollover);
    let l2 = issue(params("db.example.com", false), &below);
    assert_eq!(code(run(&[&l1, &rollover, &old], &[&r], None)), None);
    assert_eq!(
        code(run(&[&l2, &below, &old], &[&r], None)),
        Some((Code::PathLengthExceeded, 2))
    );
}

#[test]
fn trusted_first_prefers_the_store_root_to_a_cross_sign() {
    let old_root = root(params("Old Root", true));
    let pem = KeyPair::generate().unwrap().serialize_pem();
    let new_root =
        CertifiedIssuer::self_signed(params("New Root", true), KeyPair::from_pem(&pem).unwrap())
            .unwrap();
    let cross = CertifiedIssuer::signed_by(
        params("New Root", true),
        KeyPair::from_pem(&pem).unwrap(),
        &old_root,
    )
    .unwrap();
    let i = issue(params("Int", true), &new_root);
    let l = issue(params("db.example.com", false), &i);
    let short = run(&[&l, &i, &cross], &[&new_root, &old_root], None).unwrap();
    assert_eq!(
        short.path,
        vec![0, 1, 3],
        "ends at the new root from the store"
    );
    let long = run(&[&l, &i, &cross], &[&old_root], None).unwrap();
    assert_eq!(
        long.path,
        vec![0, 1, 2, 3],
        "through the cross-sign to the old root"
    );
}

#[test]
fn missing_pieces_get_openssls_errors() {
    let r = root(params("Root", true));
    let i = issue(params("Int", true), &r);
    let l = issue(params("db.example.com", false), &i);
    let other = root(params("Other", true));
    assert_eq!(
        code(run(&[&l], &[&r], None)),
        Some((Code::UnableToGetIssuerCertLocally, 0))
    );
    assert_eq!(
        code(run(&[&l, &i, &r], &[&other], None)),
        Some((Code::SelfSignedCertInChain, 2))
    );
    let own = root(params("self.example.com", false));
    assert_eq!(
        code(run(&[&own], &[&r], None)),
        Some((Code::DepthZeroSelfSignedCert, 0))
    );
    assert_eq!(code(run(&[&own], &[&own], None)), None);
}

#[test]
fn host_names_and_addresses() {
    let r = root(params("Root", true));
    let i = issue(params("Int", true), &r);
    let l = issue(params("db.example.com", false), &i);
    let host = |h: &str| code(run(&[&l, &i], &[&r], Some(&NameToCheck::Host(h.into()))));
    assert_eq!(host("DB.example.com"), None);
    assert_eq!(host("db.example.com."), Some((Code::HostnameMismatch, 0)));
    let ip = NameToCheck::Ip("10.0.0.1".parse().unwrap());
    assert_eq!(
        code(run(&[&l, &i], &[&r], Some(&ip))),
        Some((Code::IpAddressMismatch, 0))
    );
}

#[test]
fn java_and_go_features_are_named() {
    let r = root(params("Root", true));
    let mut ip = params("Int", true);
    ip.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    ip.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let i = issue(ip, &r);
    let below = issue(params("Below", true), &i);
    let l = issue(params("db.example.com", false), &below);
    let served = [l.der().as_ref(), below.der().as_ref(), i.der().as_ref()];
    let f = features(&served, &[r.der().as_ref()]);
    assert_eq!(
        f,
        vec![Feature::CaExtendedKeyUsage, Feature::PathLengthConstraint]
    );
    // As Let's Encrypt's: an EKU with serverAuth, pathlen 0 with nothing below.
    let mut usual = params("Int", true);
    usual.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    usual.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let usual = issue(usual, &r);
    let l2 = issue(params("db.example.com", false), &usual);
    let served = [l2.der().as_ref(), usual.der().as_ref()];
    assert!(features(&served, &[r.der().as_ref()]).is_empty());
}

#[test]
fn a_uri_name_under_dns_constraints_passes() {
    let r = root(params("Root", true));
    let mut ip = params("Int", true);
    ip.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    let i = issue(ip, &r);
    let mut lp = params("db.example.com", false);
    lp.subject_alt_names
        .push(SanType::URI("https://db.example.com/".try_into().unwrap()));
    let l = issue(lp, &i);
    // Only subtrees of a name's own type apply to it (nc_match).
    assert_eq!(code(run(&[&l, &i], &[&r], None)), None);
}
