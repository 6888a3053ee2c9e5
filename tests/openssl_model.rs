//! The OpenSSL model (`tlscheck::judge::openssl`) against the real thing:
//! each hand-made chain is verified by `openssl verify -purpose sslserver
//! -auth_level N -attime T -CAfile roots.pem -untrusted served.pem leaf.pem`
//! (the served chain, leaf included, is the untrusted list, as in TLS) and
//! by the model; the first error OpenSSL reports (number and depth), or OK,
//! must be the model's. Chains are made with rcgen, and with the openssl
//! command where rcgen cannot (RSA-1024, SHA-1, X.509 v1).

use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CidrSubnet, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
    SanType,
};
use tlscheck::judge::openssl::{self, NameToCheck, OpenSslParams, Refusal, RSA_BITS_FOR_LEVEL};

type Issuer = CertifiedIssuer<'static, KeyPair>;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn at_offset(at: i64, secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at + secs).unwrap()
}

/// Parameters for a certificate named `cn`, valid a year around `at`.
fn params(cn: &str, at: i64) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = at_offset(at, -86_400);
    p.not_after = at_offset(at, 365 * 86_400);
    p.use_authority_key_identifier_extension = true;
    p
}

fn ca_params(cn: &str, at: i64) -> CertificateParams {
    let mut p = params(cn, at);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

fn leaf_params(host: &str, at: i64) -> CertificateParams {
    let mut p = params(host, at);
    p.subject_alt_names = vec![SanType::DnsName(host.try_into().unwrap())];
    p
}

fn root(p: CertificateParams) -> Issuer {
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

fn issued(p: CertificateParams, by: &Issuer) -> Issuer {
    CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), by).unwrap()
}

fn der(i: &Issuer) -> Vec<u8> {
    i.der().to_vec()
}

/// One chain to judge.
struct Case {
    name: &'static str,
    served: Vec<Vec<u8>>,
    roots: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    at: i64,
    host: Option<NameToCheck>,
    level: u8,
    crl_all: bool,
    depth: usize,
}

impl Case {
    fn new(name: &'static str, served: Vec<Vec<u8>>, roots: Vec<Vec<u8>>, at: i64) -> Case {
        Case {
            name,
            served,
            roots,
            crls: Vec::new(),
            at,
            host: None,
            level: 2,
            crl_all: false,
            depth: 100,
        }
    }

    fn host(mut self, h: &str) -> Case {
        self.host = Some(match h.parse() {
            Ok(ip) => NameToCheck::Ip(ip),
            Err(_) => NameToCheck::Host(h.into()),
        });
        self
    }

    fn level(mut self, l: u8) -> Case {
        self.level = l;
        self
    }
}

fn pem(label: &str, ders: &[Vec<u8>]) -> String {
    ders.iter()
        .map(|d| {
            let b64 = base64(d);
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What `openssl verify` says: `None` for OK, else the first (error number, depth).
fn openssl_says(dir: &Path, case: &Case) -> Option<(i32, usize)> {
    std::fs::write(dir.join("roots.pem"), pem("CERTIFICATE", &case.roots)).unwrap();
    std::fs::write(dir.join("served.pem"), pem("CERTIFICATE", &case.served)).unwrap();
    std::fs::write(dir.join("leaf.pem"), pem("CERTIFICATE", &case.served[..1])).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir)
        .args(["verify", "-no-CApath", "-no-CAstore"]);
    cmd.args([
        "-purpose",
        "sslserver",
        "-auth_level",
        &case.level.to_string(),
    ]);
    cmd.args(["-attime", &case.at.to_string()]);
    if case.depth != 100 {
        cmd.args(["-verify_depth", &case.depth.to_string()]);
    }
    match &case.host {
        Some(NameToCheck::Host(h)) => cmd.args(["-verify_hostname", h]),
        Some(NameToCheck::Ip(ip)) => cmd.args(["-verify_ip", &ip.to_string()]),
        None => &mut cmd,
    };
    if !case.crls.is_empty() {
        std::fs::write(dir.join("crls.pem"), pem("X509 CRL", &case.crls)).unwrap();
        cmd.args(["-CRLfile", "crls.pem"]);
        cmd.arg(if case.crl_all {
            "-crl_check_all"
        } else {
            "-crl_check"
        });
    }
    cmd.args([
        "-CAfile",
        "roots.pem",
        "-untrusted",
        "served.pem",
        "leaf.pem",
    ]);
    let out = cmd
        .output()
        .expect("openssl is needed: apt-get install -y openssl");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let first = text.lines().find_map(|l| {
        let rest = l.split("error ").nth(1)?;
        let mut words = rest.split_whitespace();
        let code = words.next()?.parse().ok()?;
        let depth = words.nth(1)?.parse().ok()?;
        Some((code, depth))
    });
    assert!(
        first.is_some() || text.contains(": OK"),
        "{}: unreadable openssl output: {text}",
        case.name
    );
    first
}

fn model_says(case: &Case) -> Result<Option<(i32, usize)>, String> {
    let served: Vec<&[u8]> = case.served.iter().map(Vec::as_slice).collect();
    let roots: Vec<&[u8]> = case.roots.iter().map(Vec::as_slice).collect();
    let crls: Vec<&[u8]> = case.crls.iter().map(Vec::as_slice).collect();
    let params = OpenSslParams {
        auth_level: case.level,
        crl: (!case.crls.is_empty()).then_some(if case.crl_all {
            openssl::CrlPolicy::WholeChainStrict
        } else {
            openssl::CrlPolicy::LeafStrict
        }),
        depth: case.depth,
        ..OpenSslParams::debian_tls_client()
    };
    match openssl::verify(&served, &roots, &crls, case.at, case.host.as_ref(), &params) {
        Ok(_) => Ok(None),
        Err(Refusal::OpenSsl(e)) => Ok(Some((e.code.number(), e.depth))),
        Err(Refusal::NotModelled(n)) => Err(n.0),
    }
}

#[test]
fn the_model_agrees_with_openssl_verify() {
    let cases: Vec<Case> = [
        basic_cases(),
        time_cases(),
        cross_sign_cases(),
        constraint_cases(),
        purpose_cases(),
        name_cases(),
        crl_cases(),
        legacy_cases(),
        building_cases(),
        order_cases(),
        more_name_cases(),
        limit_cases(),
        cli_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut disagree = Vec::new();
    for case in &cases {
        let theirs = openssl_says(dir.path(), case);
        eprintln!("  {:<55} openssl {:?}", case.name, theirs);
        match model_says(case) {
            Ok(ours) if ours == theirs => {}
            Ok(ours) => disagree.push(format!("{}: openssl {theirs:?}, model {ours:?}", case.name)),
            Err(n) => disagree.push(format!(
                "{}: openssl {theirs:?}, model not modelled: {n}",
                case.name
            )),
        }
    }
    eprintln!(
        "openssl model: {} of {} chains agree with openssl verify",
        cases.len() - disagree.len(),
        cases.len()
    );
    assert!(
        disagree.is_empty(),
        "disagreements:\n{}",
        disagree.join("\n")
    );
}

fn basic_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let leaf = issued(leaf_params("db.example.com", at), &i);
    let other_root = root(ca_params("Other Root", at));
    let self_signed = root(leaf_params("self.example.com", at));
    let mut v1 = ca_params("Root CA", at);
    v1.is_ca = IsCa::NoCa;
    let served_root = vec![der(&leaf), der(&i), der(&r)];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("valid chain", vec![der(&leaf), der(&i)], vec![der(&r)], at),
        Case::new("unknown root", vec![der(&leaf), der(&i)], vec![der(&other_root)], at),
        Case::new("missing intermediate", vec![der(&leaf)], vec![der(&r)], at),
        Case::new("root served, not trusted", served_root.clone(), vec![der(&other_root)], at),
        Case::new("root served and trusted", served_root, vec![der(&r)], at),
        Case::new("self-signed leaf", vec![der(&self_signed)], vec![der(&r)], at),
        Case::new("self-signed leaf trusted", vec![der(&self_signed)], vec![der(&self_signed)], at),
        Case::new("intermediate trusted, no root", vec![der(&leaf), der(&i)], vec![der(&i)], at),
        Case::new("leaf signed by a stranger of the same name", vec![der(&issued(leaf_params("db.example.com", at), &root(ca_params("Intermediate CA", at)))), der(&i)], vec![der(&r)], at),
    ];
    cases
}

fn time_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let with = |f: &dyn Fn(&mut CertificateParams)| {
        let mut p = leaf_params("db.example.com", at);
        f(&mut p);
        vec![der(&issued(p, &i)), der(&i)]
    };
    let mut expired_root = ca_params("Root CA", at);
    expired_root.not_after = at_offset(at, -10);
    let old_root = root(expired_root);
    let under_old_root = issued(ca_params("Intermediate CA", at), &old_root);
    let mut expired_int = ca_params("Intermediate CA", at);
    expired_int.not_after = at_offset(at, -10);
    let old_int = issued(expired_int, &r);
    #[rustfmt::skip]
    let cases = vec![
        Case::new("leaf expired", with(&|p| p.not_after = at_offset(at, -1)), vec![der(&r)], at),
        Case::new("leaf notAfter is now", with(&|p| p.not_after = at_offset(at, 0)), vec![der(&r)], at),
        Case::new("leaf notAfter a second ahead", with(&|p| p.not_after = at_offset(at, 1)), vec![der(&r)], at),
        Case::new("leaf notBefore is now", with(&|p| p.not_before = at_offset(at, 0)), vec![der(&r)], at),
        Case::new("leaf notBefore a second ahead", with(&|p| p.not_before = at_offset(at, 1)), vec![der(&r)], at),
        Case::new("intermediate expired", vec![der(&issued(leaf_params("db.example.com", at), &old_int)), der(&old_int)], vec![der(&r)], at),
        Case::new("root expired", vec![der(&issued(leaf_params("db.example.com", at), &under_old_root)), der(&under_old_root)], vec![der(&old_root)], at),
    ];
    cases
}

/// A root R1 also served as an intermediate cross-signed by R0; R1 itself
/// expired, valid, or absent from the store.
fn cross_sign_cases() -> Vec<Case> {
    let at = now();
    let r0 = root(ca_params("Old Root", at));
    let r1_key = KeyPair::generate().unwrap();
    let r1_pem = r1_key.serialize_pem();
    let r1_params = ca_params("New Root", at);
    let r1 = CertifiedIssuer::self_signed(r1_params, r1_key).unwrap();
    let mut expired = ca_params("New Root", at);
    expired.not_after = at_offset(at, -5);
    let r1_expired =
        CertifiedIssuer::self_signed(expired, KeyPair::from_pem(&r1_pem).unwrap()).unwrap();
    let cross = CertifiedIssuer::signed_by(
        ca_params("New Root", at),
        KeyPair::from_pem(&r1_pem).unwrap(),
        &r0,
    )
    .unwrap();
    let i = issued(ca_params("Intermediate CA", at), &r1);
    let leaf = issued(leaf_params("db.example.com", at), &i);
    let served = vec![der(&leaf), der(&i), der(&cross)];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("cross-signed: new root trusted", served.clone(), vec![der(&r1), der(&r0)], at),
        Case::new("cross-signed: only the old root trusted", served.clone(), vec![der(&r0)], at),
        Case::new("cross-signed: new root in the store has expired", served.clone(), vec![der(&r1_expired), der(&r0)], at),
        Case::new("cross-signed: expired and valid copies of the new root", served.clone(), vec![der(&r1_expired), der(&r1)], at),
        Case::new("cross-signed: nothing trusted", served, vec![der(&root(ca_params("Stranger", at)))], at),
    ];
    cases
}

fn constraint_cases() -> Vec<Case> {
    let at = now();
    let constrained = |permitted: Vec<GeneralSubtree>, excluded: Vec<GeneralSubtree>| {
        let mut p = ca_params("Constrained CA", at);
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: permitted,
            excluded_subtrees: excluded,
        });
        p
    };
    let r = root(ca_params("Root CA", at));
    let ex = || GeneralSubtree::DnsName("example.com".into());
    let nc_int = issued(constrained(vec![ex()], vec![]), &r);
    let nc_ex = issued(
        constrained(
            vec![],
            vec![GeneralSubtree::DnsName("bad.example.com".into())],
        ),
        &r,
    );
    let nc_ip = issued(
        constrained(
            vec![GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix(
                [10, 0, 0, 0],
                8,
            ))],
            vec![],
        ),
        &r,
    );
    let cn_only = |cn: &str, by: &Issuer| der(&issued(params(cn, at), by));
    let san = |host: &str, by: &Issuer| der(&issued(leaf_params(host, at), by));
    let ip = |addr: &str| der(&issued(ip_leaf(addr, at), &nc_ip));
    let nc_root = root(constrained(vec![ex()], vec![]));
    let i = issued(ca_params("Intermediate CA", at), &nc_root);
    let (n, x, p, r) = (der(&nc_int), der(&nc_ex), der(&nc_ip), vec![der(&r)]);
    #[rustfmt::skip]
    let mut out = vec![
        Case::new("nc: SAN inside", vec![san("db.example.com", &nc_int), n.clone()], r.clone(), at),
        Case::new("nc: SAN outside", vec![san("db.other.com", &nc_int), n.clone()], r.clone(), at),
        Case::new("nc: CN-only leaf outside", vec![cn_only("db.other.com", &nc_int), n.clone()], r.clone(), at),
        Case::new("nc: CN-only leaf inside", vec![cn_only("db.example.com", &nc_int), n.clone()], r.clone(), at),
        Case::new("nc: CN-only leaf, one label", vec![cn_only("localhost", &nc_int), n], r.clone(), at),
        Case::new("nc: excluded SAN", vec![san("bad.example.com", &nc_ex), x], r.clone(), at),
        Case::new("nc: IP outside", vec![ip("192.168.1.1"), p.clone()], r.clone(), at),
        Case::new("nc: IP inside", vec![ip("10.1.2.3"), p], r, at),
        Case::new("nc on the anchor", vec![san("db.other.com", &i), der(&i)], vec![der(&nc_root)], at),
    ];
    out.extend(pathlen_cases(at));
    out
}

fn ip_leaf(ip: &str, at: i64) -> CertificateParams {
    let mut p = params("server", at);
    p.subject_alt_names = vec![SanType::IpAddress(ip.parse().unwrap())];
    p
}

/// pathLenConstraint 0 above one more CA, and above a self-issued key rollover.
fn pathlen_cases(at: i64) -> Vec<Case> {
    let r = root(ca_params("Root CA", at));
    let mut zero = ca_params("Int", at);
    zero.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let int_old = issued(zero, &r);
    let below = issued(ca_params("Below", at), &int_old);
    let rollover = issued(ca_params("Int", at), &int_old);
    #[rustfmt::skip]
    let cases = vec![
        Case::new("pathlen 0 with a CA below", vec![der(&issued(leaf_params("db.example.com", at), &below)), der(&below), der(&int_old)], vec![der(&r)], at),
        Case::new("pathlen 0 with a self-issued CA below", vec![der(&issued(leaf_params("db.example.com", at), &rollover)), der(&rollover), der(&int_old)], vec![der(&r)], at),
    ];
    cases
}

fn purpose_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let int_with = |f: &dyn Fn(&mut CertificateParams)| {
        let mut p = ca_params("Intermediate CA", at);
        f(&mut p);
        let i = issued(p, &r);
        vec![der(&issued(leaf_params("db.example.com", at), &i)), der(&i)]
    };
    let i = issued(ca_params("Intermediate CA", at), &r);
    let leaf_with = |f: &dyn Fn(&mut CertificateParams)| {
        let mut p = leaf_params("db.example.com", at);
        f(&mut p);
        vec![der(&issued(p, &i)), der(&i)]
    };
    let critical = |oid: &[u64]| {
        let mut e = CustomExtension::from_oid_content(oid, vec![0x05, 0x00]);
        e.set_criticality(true);
        e
    };
    let mut eku_root = ca_params("EKU Root", at);
    eku_root.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let eku_root = root(eku_root);
    let under_eku_root = issued(ca_params("Intermediate CA", at), &eku_root);
    let mut ku_root = ca_params("KU Root", at);
    ku_root.is_ca = IsCa::NoCa;
    let mut false_root = ca_params("False Root", at);
    false_root.is_ca = IsCa::ExplicitNoCa;
    let false_root = root(false_root);
    let under_false_root = issued(ca_params("Intermediate CA", at), &false_root);
    let ku_root = root(ku_root);
    let under_ku_root = issued(ca_params("Intermediate CA", at), &ku_root);
    #[rustfmt::skip]
    let cases = vec![
        Case::new("intermediate EKU clientAuth only", int_with(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]), vec![der(&r)], at),
        Case::new("intermediate EKU serverAuth", int_with(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth]), vec![der(&r)], at),
        Case::new("intermediate without basicConstraints", int_with(&|p| p.is_ca = IsCa::NoCa), vec![der(&r)], at),
        Case::new("intermediate CA:FALSE", int_with(&|p| p.is_ca = IsCa::ExplicitNoCa), vec![der(&r)], at),
        Case::new("intermediate keyUsage without keyCertSign", int_with(&|p| p.key_usages = vec![KeyUsagePurpose::DigitalSignature]), vec![der(&r)], at),
        Case::new("intermediate unknown critical extension", int_with(&|p| p.custom_extensions = vec![critical(&[1, 3, 6, 1, 4, 1, 99999, 1])]), vec![der(&r)], at),
        Case::new("leaf EKU clientAuth only", leaf_with(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]), vec![der(&r)], at),
        Case::new("leaf EKU anyExtendedKeyUsage", leaf_with(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any]), vec![der(&r)], at),
        Case::new("leaf keyUsage keyCertSign only", leaf_with(&|p| p.key_usages = vec![KeyUsagePurpose::KeyCertSign]), vec![der(&r)], at),
        Case::new("leaf keyUsage digitalSignature", leaf_with(&|p| p.key_usages = vec![KeyUsagePurpose::DigitalSignature]), vec![der(&r)], at),
        Case::new("leaf unknown critical extension", leaf_with(&|p| p.custom_extensions = vec![critical(&[1, 3, 6, 1, 4, 1, 99999, 1])]), vec![der(&r)], at),
        Case::new("leaf critical SKID", leaf_with(&|p| { p.custom_extensions = vec![{ let mut e = CustomExtension::from_oid_content(&[2, 5, 29, 14], vec![0x04, 0x02, 0x01, 0x02]); e.set_criticality(true); e }] }), vec![der(&r)], at),
        Case::new("leaf is a CA", leaf_with(&|p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained)), vec![der(&r)], at),
        Case::new("anchor EKU clientAuth only", vec![der(&issued(leaf_params("db.example.com", at), &under_eku_root)), der(&under_eku_root)], vec![der(&eku_root)], at),
        Case::new("anchor CA:FALSE", vec![der(&issued(leaf_params("db.example.com", at), &under_false_root)), der(&under_false_root)], vec![der(&false_root)], at),
        Case::new("anchor without basicConstraints, keyUsage keyCertSign", vec![der(&issued(leaf_params("db.example.com", at), &under_ku_root)), der(&under_ku_root)], vec![der(&ku_root)], at),
    ];
    cases
}

fn name_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let leaf = |p: CertificateParams| vec![der(&issued(p, &i)), der(&i)];
    let sans = |names: &[&str]| {
        let mut p = params("db.example.com", at);
        p.subject_alt_names = names
            .iter()
            .map(|n| match n.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*n).try_into().unwrap()),
            })
            .collect();
        p
    };
    let roots = || vec![der(&r)];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("host matches SAN", leaf(sans(&["db.example.com"])), roots(), at).host("db.example.com"),
        Case::new("host differs", leaf(sans(&["db.example.com"])), roots(), at).host("other.example.com"),
        Case::new("host upper case", leaf(sans(&["db.example.com"])), roots(), at).host("DB.EXAMPLE.COM"),
        Case::new("host trailing dot", leaf(sans(&["db.example.com"])), roots(), at).host("db.example.com."),
        Case::new("wildcard", leaf(sans(&["*.example.com"])), roots(), at).host("db.example.com"),
        Case::new("wildcard two labels down", leaf(sans(&["*.example.com"])), roots(), at).host("a.db.example.com"),
        Case::new("partial wildcard", leaf(sans(&["db*.example.com"])), roots(), at).host("db1.example.com"),
        Case::new("CN only", leaf(params("db.example.com", at)), roots(), at).host("db.example.com"),
        Case::new("CN ignored beside a DNS SAN", leaf(sans(&["other.example.com"])), roots(), at).host("db.example.com"),
        Case::new("CN used beside an IP SAN", leaf(sans(&["10.0.0.1"])), roots(), at).host("db.example.com"),
        Case::new("IP matches IP SAN", leaf(sans(&["10.0.0.1"])), roots(), at).host("10.0.0.1"),
        Case::new("IP against a DNS SAN spelling it", leaf(sans(&["10.0.0.1"]).tap_dns("10.0.0.2")), roots(), at).host("10.0.0.2"),
        Case::new("IPv6", leaf(sans(&["::1"])), roots(), at).host("::1"),
    ];
    cases
}

trait TapDns {
    fn tap_dns(self, name: &str) -> Self;
}

impl TapDns for CertificateParams {
    fn tap_dns(mut self, name: &str) -> Self {
        self.subject_alt_names = vec![SanType::DnsName(name.try_into().unwrap())];
        self
    }
}

fn crl_cases() -> Vec<Case> {
    use rcgen::{CertificateRevocationListParams, RevokedCertParams, SerialNumber};
    let at = now();
    let r = root(ca_params("Root CA", at));
    let mut ip = ca_params("Intermediate CA", at);
    ip.serial_number = Some(SerialNumber::from(vec![0x42]));
    let i = issued(ip, &r);
    let mut lp = leaf_params("db.example.com", at);
    lp.serial_number = Some(SerialNumber::from(vec![0x42]));
    let leaf = issued(lp, &i);
    let crl = |by: &Issuer, revoked: bool, next: i64| {
        let p = CertificateRevocationListParams {
            this_update: at_offset(at, -3600),
            next_update: at_offset(at, next),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: if revoked {
                vec![RevokedCertParams {
                    serial_number: SerialNumber::from(vec![0x42]),
                    revocation_time: at_offset(at, -60),
                    reason_code: None,
                    invalidity_date: None,
                }]
            } else {
                Vec::new()
            },
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        p.signed_by(by).unwrap().der().to_vec()
    };
    let served = vec![der(&leaf), der(&i)];
    let with = |name, crls: Vec<Vec<u8>>, all: bool| {
        let mut c = Case::new(name, served.clone(), vec![der(&r)], at);
        c.crls = crls;
        c.crl_all = all;
        c
    };
    #[rustfmt::skip]
    let cases = vec![
        with("crl: leaf revoked", vec![crl(&i, true, 86_400)], false),
        with("crl: leaf not revoked", vec![crl(&i, false, 86_400)], false),
        with("crl: expired CRL", vec![crl(&i, false, -60)], false),
        with("crl: no CRL for the leaf's issuer", vec![crl(&r, false, 86_400)], false),
        with("crl: whole chain, root's CRL missing", vec![crl(&i, false, 86_400)], true),
        with("crl: whole chain, the intermediate revoked", vec![crl(&i, false, 86_400), crl(&r, true, 86_400)], true),
        with("crl: leaf only, the intermediate revoked", vec![crl(&i, false, 86_400), crl(&r, true, 86_400)], false),
        with("crl: whole chain covered", vec![crl(&i, false, 86_400), crl(&r, false, 86_400)], true),
    ];
    cases
}

/// A PKI made with the openssl command, in a temporary directory: each
/// certificate is `NAME.pem` with its key `NAME.key`.
struct CliPki {
    dir: tempfile::TempDir,
}

impl CliPki {
    fn new(config: &str) -> CliPki {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.cnf"), config).unwrap();
        CliPki { dir }
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn der(&self, name: &str) -> Vec<u8> {
        let pem = std::fs::read(self.dir.path().join(format!("{name}.pem"))).unwrap();
        rustls_pki_types::pem::PemObject::from_pem_slice(&pem)
            .map(|c: rustls_pki_types::CertificateDer| c.to_vec())
            .unwrap()
    }

    /// `name` with a new `key` (`rsa:2048`), subject `subj`, signed by
    /// `issuer` (itself when `None`) with the x.cnf section `ext` (none: an
    /// X.509 v1 certificate) and `extra` arguments (the digest, …).
    fn issue(
        &self,
        name: &str,
        key: &str,
        subj: &str,
        issuer: Option<&str>,
        ext: Option<&str>,
        extra: &[&str],
    ) -> Vec<u8> {
        let (k, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        self.run(&[
            "req", "-new", "-newkey", key, "-nodes", "-keyout", &k, "-subj", subj, "-out", &csr,
        ]);
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-days",
            "30",
            "-out",
            &pem,
            "-set_serial",
            "7",
        ];
        let (ca, ca_key) = issuer.map_or((String::new(), k.clone()), |i| {
            (format!("{i}.pem"), format!("{i}.key"))
        });
        match issuer {
            Some(_) => args.extend(["-CA", &ca, "-CAkey", &ca_key]),
            None => args.extend(["-signkey", &k]),
        }
        if let Some(e) = ext {
            args.extend(["-extfile", "x.cnf", "-extensions", e]);
        }
        args.extend(extra);
        self.run(&args);
        self.der(name)
    }
}

/// Certificates rcgen cannot make, made with the openssl command: RSA-1024,
/// SHA-1 signatures, X.509 v1.
fn legacy_cases() -> Vec<Case> {
    let pki = CliPki::new(
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n\
         [leaf]\nsubjectAltName=DNS:db.example.com\nbasicConstraints=CA:FALSE\n",
    );
    let at = now() + 60;
    let (rsa, weak, sha1, sha256) = ("rsa:2048", "rsa:1024", ["-sha1"], ["-sha256"]);
    let make = |name: &str, key: &str, issuer: Option<&str>, ext: Option<&str>, md: &[&str]| {
        pki.issue(name, key, &format!("/CN={name}"), issuer, ext, md)
    };
    let root = make("root", rsa, None, Some("ca"), &sha256);
    let v1_root = make("v1root", rsa, None, None, &sha256);
    let int = make("int", rsa, Some("root"), Some("ca"), &sha256);
    let sha1_int = make("sha1int", rsa, Some("root"), Some("ca"), &sha1);
    let v1_int = make("v1int", rsa, Some("root"), None, &sha256);
    let weak_int = make("weakint", weak, Some("root"), Some("ca"), &sha256);
    let leaf = make("leaf", rsa, Some("int"), Some("leaf"), &sha256);
    let weak_leaf = make("weakleaf", weak, Some("int"), Some("leaf"), &sha256);
    let sha1_leaf = make("sha1leaf", rsa, Some("int"), Some("leaf"), &sha1);
    let under_sha1 = make("undersha1", rsa, Some("sha1int"), Some("leaf"), &sha256);
    let under_v1 = make("underv1", rsa, Some("v1int"), Some("leaf"), &sha256);
    let under_weak = make("underweak", rsa, Some("weakint"), Some("leaf"), &sha256);
    let int_v1r = make("intv1r", rsa, Some("v1root"), Some("ca"), &sha256);
    let leaf_v1r = make("leafv1r", rsa, Some("intv1r"), Some("leaf"), &sha256);
    let r = || vec![root.clone()];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("rsa: plain 2048 chain", vec![leaf, int.clone()], r(), at),
        Case::new("rsa: 1024-bit leaf at level 2", vec![weak_leaf.clone(), int.clone()], r(), at),
        Case::new("rsa: 1024-bit leaf at level 1", vec![weak_leaf, int.clone()], r(), at).level(1),
        Case::new("rsa: 1024-bit intermediate", vec![under_weak.clone(), weak_int.clone()], r(), at),
        Case::new("rsa: 1024-bit intermediate at level 1", vec![under_weak, weak_int], r(), at).level(1),
        Case::new("sha1: leaf signature", vec![sha1_leaf.clone(), int.clone()], r(), at),
        Case::new("sha1: leaf signature at level 0", vec![sha1_leaf, int], r(), at).level(0),
        Case::new("sha1: intermediate signature", vec![under_sha1, sha1_int], r(), at),
        Case::new("v1: intermediate", vec![under_v1, v1_int], r(), at),
        Case::new("v1: root", vec![leaf_v1r, int_v1r], vec![v1_root], at),
    ];
    cases
}

/// The RSA thresholds the model uses for security levels 1 to 3 are
/// OpenSSL's: a key one bit short fails, a key of the threshold passes.
#[test]
fn rsa_thresholds_are_openssls() {
    let dir = tempfile::tempdir().unwrap();
    for (level, &bits) in RSA_BITS_FOR_LEVEL.iter().enumerate() {
        for (b, passes) in [(bits - 1, false), (bits, true)] {
            let out = Command::new("openssl")
                .current_dir(dir.path())
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    &format!("rsa:{b}"),
                    "-nodes",
                    "-keyout",
                    "k.pem",
                    "-out",
                    "c.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=t",
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
            let ok = Command::new("openssl")
                .current_dir(dir.path())
                .args([
                    "verify",
                    "-no-CApath",
                    "-no-CAstore",
                    "-auth_level",
                    &(level + 1).to_string(),
                    "-CAfile",
                    "c.pem",
                    "c.pem",
                ])
                .output()
                .unwrap()
                .status
                .success();
            assert_eq!(ok, passes, "RSA-{b} at level {}", level + 1);
        }
    }
}

/// Which issuer OpenSSL takes when several could fit.
fn building_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let twin = issued(ca_params("Intermediate CA", at), &r);
    let mut no_akid = leaf_params("db.example.com", at);
    no_akid.use_authority_key_identifier_extension = false;
    let leaf_no_akid = issued(no_akid, &i);
    let leaf = issued(leaf_params("db.example.com", at), &i);
    let mut old = ca_params("Intermediate CA", at);
    old.not_after = at_offset(at, -100);
    let i_key_pem = KeyPair::generate().unwrap().serialize_pem();
    let fresh = CertifiedIssuer::signed_by(
        ca_params("Intermediate CA", at),
        KeyPair::from_pem(&i_key_pem).unwrap(),
        &r,
    )
    .unwrap();
    let stale =
        CertifiedIssuer::signed_by(old, KeyPair::from_pem(&i_key_pem).unwrap(), &r).unwrap();
    let under_fresh = issued(leaf_params("db.example.com", at), &fresh);
    let stranger = der(&root(ca_params("Stranger", at)));
    #[rustfmt::skip]
    let cases = vec![
        Case::new("two same-name intermediates, AKID picks", vec![der(&leaf), der(&twin), der(&i)], vec![der(&r)], at),
        Case::new("two same-name intermediates, no AKID, wrong one first", vec![der(&leaf_no_akid), der(&twin), der(&i)], vec![der(&r)], at),
        Case::new("same key intermediates, expired first", vec![der(&under_fresh), der(&stale), der(&fresh)], vec![der(&r)], at),
        Case::new("same key intermediates, expired only", vec![der(&under_fresh), der(&stale)], vec![der(&r)], at),
        Case::new("intermediate twice", vec![der(&leaf), der(&i), der(&i)], vec![der(&r)], at),
        Case::new("unrelated certificate served", vec![der(&leaf), stranger.clone(), der(&i)], vec![der(&r)], at),
        Case::new("intermediate in the store with its root", vec![der(&leaf)], vec![der(&i), der(&r)], at),
        Case::new("store holds the leaf itself", vec![der(&leaf), der(&i)], vec![der(&leaf)], at),
        Case::new("ed25519 and P-384", ed_chain(at).0, ed_chain(at).1, at),
    ];
    cases
}

fn ed_chain(at: i64) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    thread_local! {
        static CHAIN: (Vec<Vec<u8>>, Vec<Vec<u8>>) = {
            let at = now();
            let r = CertifiedIssuer::self_signed(ca_params("P384 Root", at), KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap()).unwrap();
            let i = CertifiedIssuer::signed_by(ca_params("Ed CA", at), KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(), &r).unwrap();
            let l = CertifiedIssuer::signed_by(leaf_params("db.example.com", at), KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(), &i).unwrap();
            (vec![der(&l), der(&i)], vec![der(&r)])
        };
    }
    let _ = at;
    CHAIN.with(|c| c.clone())
}

/// Which error comes first when a chain has several.
fn order_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let mut expired = leaf_params("db.example.com", at);
    expired.not_after = at_offset(at, -5);
    let mut expired_client = expired.clone();
    expired_client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let mut nc = ca_params("Constrained CA", at);
    nc.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    let nc = issued(nc, &r);
    let mut nc_expired = leaf_params("db.other.com", at);
    nc_expired.not_after = at_offset(at, -5);
    let mut crldp = leaf_params("db.example.com", at);
    crldp.custom_extensions = vec![{
        // cRLDistributionPoints, critical: http://crl.example/x.crl
        let uri = b"http://crl.example/x.crl";
        let mut gn = vec![0x86, uri.len() as u8];
        gn.extend_from_slice(uri);
        let mut full = vec![0xa0, gn.len() as u8];
        full.extend(gn);
        let mut dpn = vec![0xa0, full.len() as u8];
        dpn.extend(full);
        let mut dp = vec![0x30, dpn.len() as u8];
        dp.extend(dpn);
        let mut seq = vec![0x30, dp.len() as u8];
        seq.extend(dp);
        let mut e = CustomExtension::from_oid_content(&[2, 5, 29, 31], seq);
        e.set_criticality(true);
        e
    }];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("expired and wrong host", vec![der(&issued(expired.clone(), &i)), der(&i)], vec![der(&r)], at).host("other.example.com"),
        Case::new("expired and client-only EKU", vec![der(&issued(expired_client, &i)), der(&i)], vec![der(&r)], at),
        Case::new("expired and outside name constraints", vec![der(&issued(nc_expired, &nc)), der(&nc)], vec![der(&r)], at),
        Case::new("critical CRL distribution points", vec![der(&issued(crldp, &i)), der(&i)], vec![der(&r)], at),
    ];
    cases
}

/// Every certificate of the OS store reads as OpenSSL reads it: a store
/// certificate the model could not read would silently be no issuer.
#[test]
fn every_os_store_certificate_is_readable() {
    let store = tlscheck::trust::os_store();
    let unreadable: Vec<usize> = store
        .certs
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            openssl::features(&[c.as_ref()], &[]).contains(&openssl::Feature::Unreadable)
        })
        .map(|(i, _)| i)
        .collect();
    eprintln!(
        "OS store: {} certificates, {} unreadable",
        store.certs.len(),
        unreadable.len()
    );
    assert!(
        unreadable.is_empty(),
        "unreadable OS store certificates: {unreadable:?}"
    );
}

/// Real certificates: each OS store root served alone and trusted (as a
/// self-signed server certificate in its own CA file would be) — key
/// types and sizes, names, keyUsage and EKU as CAs really write them. What
/// `openssl verify` says of each, the model must say.
#[test]
fn os_store_roots_agree_with_openssl_verify() {
    let store = tlscheck::trust::os_store();
    let dir = tempfile::tempdir().unwrap();
    let at = now();
    let mut disagree = Vec::new();
    for (i, root) in store.certs.iter().enumerate() {
        let case = Case::new("os root", vec![root.to_vec()], vec![root.to_vec()], at);
        let theirs = openssl_says(dir.path(), &case);
        match model_says(&case) {
            Ok(ours) if ours == theirs => {}
            other => disagree.push(format!("#{i}: openssl {theirs:?}, model {other:?}")),
        }
    }
    eprintln!(
        "OS store roots: {} of {} agree with openssl verify",
        store.certs.len() - disagree.len(),
        store.certs.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// directoryName and email constraints.
fn more_name_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let constrained = |sub: GeneralSubtree| {
        let mut p = ca_params("Constrained CA", at);
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![sub],
            excluded_subtrees: vec![],
        });
        issued(p, &r)
    };
    let mut org = rcgen::DistinguishedName::new();
    org.push(DnType::OrganizationName, "Example");
    let dir_ca = constrained(GeneralSubtree::DirectoryName(org));
    let mail_ca = constrained(GeneralSubtree::Rfc822Name("example.com".into()));
    let in_org = |org: &str| {
        let mut p = leaf_params("db.example.com", at);
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::OrganizationName, org);
        p.distinguished_name
            .push(DnType::CommonName, "db.example.com");
        p
    };
    let mail = |addr: &str| {
        let mut p = leaf_params("db.example.com", at);
        p.subject_alt_names
            .push(SanType::Rfc822Name(addr.try_into().unwrap()));
        p
    };
    #[rustfmt::skip]
    let cases = vec![
        Case::new("nc dirName: inside", vec![der(&issued(in_org("Example"), &dir_ca)), der(&dir_ca)], vec![der(&r)], at),
        Case::new("nc dirName: case and spaces differ", vec![der(&issued(in_org("  EXAMPLE "), &dir_ca)), der(&dir_ca)], vec![der(&r)], at),
        Case::new("nc dirName: outside", vec![der(&issued(in_org("Other"), &dir_ca)), der(&dir_ca)], vec![der(&r)], at),
        Case::new("nc email: inside", vec![der(&issued(mail("dba@example.com"), &mail_ca)), der(&mail_ca)], vec![der(&r)], at),
        Case::new("nc email: outside", vec![der(&issued(mail("dba@other.com"), &mail_ca)), der(&mail_ca)], vec![der(&r)], at),
    ];
    cases
}

/// Depth limits, P-521, a GeneralizedTime notAfter.
fn limit_cases() -> Vec<Case> {
    let at = now();
    let r = root(ca_params("Root CA", at));
    let i = issued(ca_params("Intermediate CA", at), &r);
    let l = issued(leaf_params("db.example.com", at), &i);
    let mut shallow = Case::new(
        "depth 1 with one intermediate",
        vec![der(&l), der(&i)],
        vec![der(&r)],
        at,
    );
    shallow.depth = 1;
    let mut too_shallow = Case::new(
        "depth 0 with one intermediate",
        vec![der(&l), der(&i)],
        vec![der(&r)],
        at,
    );
    too_shallow.depth = 0;
    let p521 = CertifiedIssuer::self_signed(
        ca_params("P521 Root", at),
        KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap(),
    )
    .unwrap();
    let p521_leaf = issued(leaf_params("db.example.com", at), &p521);
    let mut far = leaf_params("db.example.com", at);
    far.not_after = time::OffsetDateTime::from_unix_timestamp(2_900_000_000).unwrap();
    vec![
        shallow,
        too_shallow,
        Case::new("P-521 root", vec![der(&p521_leaf)], vec![der(&p521)], at),
        Case::new(
            "notAfter in 2061 (GeneralizedTime)",
            vec![der(&issued(far, &i)), der(&i)],
            vec![der(&r)],
            at,
        ),
    ]
}

/// Made with the openssl command: RSA-PSS, nsCertType, several CNs.
fn cli_cases() -> Vec<Case> {
    let pki = CliPki::new(
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n[nsca]\nnsCertType=sslCA\nkeyUsage=keyCertSign\n\
         [client]\nnsCertType=client\n[server]\nnsCertType=server\n[none]\nsubjectKeyIdentifier=hash\n",
    );
    let at = now() + 60;
    let root = pki.issue("root", "rsa:2048", "/CN=CLI Root", None, Some("ca"), &[]);
    let make = |name: &str, subj: &str, issuer: &str, ext: &str, extra: &[&str]| {
        pki.issue(name, "rsa:2048", subj, Some(issuer), Some(ext), extra)
    };
    let pss = [
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:digest",
        "-sha256",
    ];
    let host = "/CN=db.example.com";
    let pss_leaf = make("pssleaf", host, "root", "none", &pss);
    let client = make("nsclient", host, "root", "client", &[]);
    let server = make("nsserver", host, "root", "server", &[]);
    let two_cns = make(
        "twocn",
        "/CN=other.example.com/CN=db.example.com",
        "root",
        "none",
        &[],
    );
    let ns_int = make("nsint", "/CN=NS CA", "root", "nsca", &[]);
    let under_ns = make("underns", host, "nsint", "none", &[]);
    let r = || vec![root.clone()];
    #[rustfmt::skip]
    let cases = vec![
        Case::new("RSA-PSS SHA-256 leaf", vec![pss_leaf], r(), at),
        Case::new("nsCertType client leaf", vec![client], r(), at),
        Case::new("nsCertType server leaf", vec![server], r(), at),
        Case::new("second CN names the host", vec![two_cns.clone()], r(), at).host("db.example.com"),
        Case::new("first CN names the host", vec![two_cns], r(), at).host("other.example.com"),
        Case::new("nsCertType sslCA intermediate without basicConstraints", vec![under_ns, ns_int], r(), at),
    ];
    cases
}
