//! What each client would decide for the same endpoint, in its usual
//! verifying configuration: the answer to "works in psql, fails in my Go
//! service". One row per client profile of the check's protocol (every
//! profile for plain TLS), all from the one handshake.
//!
//! Each row applies its profile's facts: the store it reads when no CA file
//! is given, how it matches host names, which weak or old certificates its
//! stack accepts, whether a revoked staple stops it, and whether its TLS
//! stack could handshake at all (the probes, when rustls could not).

use serde::Serialize;

use super::chain::{self, Algorithms, ChainProblem, ChainVerdict};
use super::compat::PolicyNote;
use super::hostname;
use super::openssl::{self, OpenSslError, OpenSslParams, Refusal};
use super::revocation::OcspVerdict;
use super::{default_source, TlsState, Trust, TrustVerdict};
use crate::clients::{self, OcspRules, Profile, StackId};
use crate::observe::Facts;
use crate::settings::{CaChoice, Mode, Plan, Protocol};
use crate::trust::SourceKind;

#[derive(Debug, Clone, Serialize)]
pub struct ClientVerdict {
    /// The profile's id (`--client` name).
    pub id: &'static str,
    /// The client in words.
    pub client: &'static str,
    /// The version its rules describe.
    pub version: &'static str,
    pub protocol: Protocol,
    /// Whether the tests check these rules against the real client.
    pub verified: bool,
    /// Its usual verifying configuration, in its own words.
    pub configuration: &'static str,
    /// The store it reads here: the CA file when given, else its default.
    pub trust: SourceKind,
    pub accepts: bool,
    /// false: the chain has a feature whose handling by this client's
    /// stack tlscheck does not model; `accepts` is then false and `reason`
    /// starts with "not modelled: " — no verdict, not a refusal.
    pub modelled: bool,
    pub reason: String,
}

/// Why a row's chain check did not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refused {
    /// The stack refuses, in its words.
    Because(String),
    /// tlscheck does not model what the stack does with this chain.
    NotModelled(String),
}

/// The chain as judged against each source, and what is weak about it.
pub(crate) struct ChainView<'a> {
    pub facts: &'a Facts,
    pub trust: &'a Trust,
    pub verdicts: &'a [TrustVerdict],
    pub notes: &'a [PolicyNote],
}

/// Everything a row needs from the judgement so far.
pub(crate) struct Inputs<'a> {
    pub chain: ChainView<'a>,
    pub plan: &'a Plan,
    pub state: &'a TlsState,
    pub ocsp: &'a [OcspVerdict],
}

/// The chain against `store` as client `p`'s stack decides it, when that
/// differs from webpki's verdict (it accepts what webpki refuses): a valid
/// verdict saying what was allowed.
pub(crate) fn as_client_sees(
    p: &Profile,
    store: SourceKind,
    view: &ChainView<'_>,
) -> Option<ChainVerdict> {
    let tv = view.verdicts.iter().find(|t| t.source == store)?;
    if p.stack.on_openssl() {
        return openssl_sees(p, store, view, &tv.verdict);
    }
    if tv.verdict.valid || refused_note(p, view.notes).is_some() {
        return None;
    }
    let why = chain_for(p, store, view).ok()?;
    Some(ChainVerdict {
        valid: true,
        problem: None,
        detail: Some(why),
        ..tv.verdict.clone()
    })
}

/// The profiles the table shows for a check.
pub fn profiles_for(protocol: Protocol) -> Vec<&'static Profile> {
    match protocol {
        Protocol::Tls => clients::ALL
            .iter()
            .copied()
            .filter(|p| p.id != clients::GENERIC.id)
            .collect(),
        p => clients::for_protocol(p).collect(),
    }
}

pub(crate) fn verdicts(inp: &Inputs<'_>) -> Vec<ClientVerdict> {
    if inp
        .chain
        .facts
        .chain
        .first()
        .is_none_or(|l| l.parse_error.is_some())
    {
        return Vec::new();
    }
    profiles_for(inp.plan.protocol)
        .into_iter()
        .map(|p| row(p, inp))
        .collect()
}

/// The store a client reads here: the CA file (or `system`) when the check
/// was given one, as a user of that client would configure it; else its
/// default (libpq's usual verifying set-up then uses `sslrootcert=system`).
fn store_for(p: &Profile, plan: &Plan) -> SourceKind {
    match &plan.ca {
        Some(CaChoice::File(_)) => SourceKind::CaFile,
        Some(CaChoice::System) => SourceKind::Os,
        None => default_source(p.trust).unwrap_or(SourceKind::Os),
    }
}

fn row(p: &'static Profile, inp: &Inputs<'_>) -> ClientVerdict {
    let store = store_for(p, inp.plan);
    let verdict = |accepts, reason: String| ClientVerdict {
        id: p.id,
        client: p.name,
        version: p.version,
        protocol: p.protocol,
        verified: p.verified.is_some(),
        configuration: p.usual.config,
        trust: store,
        accepts,
        modelled: true,
        reason,
    };
    if let Err(why) = handshakes(p, inp.chain.facts, inp.state) {
        return verdict(false, why);
    }
    let chain = match chain_for(p, store, &inp.chain) {
        Ok(how) => how,
        Err(Refused::Because(why)) => return verdict(false, why),
        Err(Refused::NotModelled(what)) => {
            return ClientVerdict {
                modelled: false,
                ..verdict(false, format!("not modelled: {what}"))
            }
        }
    };
    if p.ocsp == OcspRules::RevokedStapleFails && staple_revoked(inp.ocsp) {
        return verdict(false, "the stapled OCSP answer says revoked".into());
    }
    if p.usual.mode != Mode::VerifyFull {
        return verdict(true, format!("{chain}; the host name is not checked"));
    }
    let leaf = &inp.chain.facts.chain[0];
    let name = hostname::check(&inp.plan.verify_name(), leaf, p.names);
    if !name.matched {
        let why = if leaf.common_name.is_some() && name.other_rules_decide == Some(true) {
            "the name is only in the subject CN, which it ignores".to_string()
        } else {
            format!("the certificate is not valid for {}", name.name)
        };
        return verdict(false, why);
    }
    let how = name.matched_by.unwrap_or_default();
    verdict(true, format!("{chain}; name matched by {how}"))
}

/// Whether the client's TLS stack completes a handshake: as rustls did, or,
/// where rustls could not, as the probes say its versions and suites allow.
fn handshakes(p: &Profile, facts: &Facts, state: &TlsState) -> Result<(), String> {
    match (state, &facts.legacy_probe) {
        (TlsState::Established, _) if facts.tls.as_ref().is_some_and(|t| t.session.is_some()) => {
            Ok(())
        }
        (TlsState::Established | TlsState::HandshakeFailed(_), Some(scan)) => {
            let v = p.stack.stack().verdict(scan);
            if v.connects {
                Ok(())
            } else {
                Err(format!("no TLS connection: {}", v.detail))
            }
        }
        (TlsState::Established, None) => Ok(()),
        _ => Err("no TLS connection could be made".into()),
    }
}

/// The leaf's key is an RSA key under 2048 bits that the client's stack
/// accepts: rustls could not check the handshake signature made with it,
/// the client does.
pub(crate) fn takes_weak_leaf_key(p: &Profile, notes: &[PolicyNote]) -> bool {
    notes
        .iter()
        .any(|n| n.position == 0 && n.id == "rsa-key-under-2048" && accepts_note(p, n))
}

/// A weak or old-fashioned certificate the client's stack refuses.
fn refused_note<'a>(p: &Profile, notes: &'a [PolicyNote]) -> Option<&'a PolicyNote> {
    notes.iter().find(|n| !accepts_note(p, n))
}

fn accepts_note(p: &Profile, n: &PolicyNote) -> bool {
    match n.id {
        "rsa-key-under-2048" => n.key_bits.is_some_and(|b| b >= p.certs.min_rsa_bits),
        "sha1-signature" => p.certs.sha1,
        "x509-v1" => p.certs.x509_v1,
        "ca-without-basic-constraints" => {
            p.certs.ca_without_basic_constraints && n.openssl3_accepts
        }
        _ => true,
    }
}

/// The chain against the client's store, under its stack's rules. A stack
/// on OpenSSL: the OpenSSL model. Java and Go: webpki's verdict, except
/// where the stack accepts what webpki refuses (RSA keys from 1024 bits and
/// SHA-1, verified again with those algorithms; an X.509 v1 or
/// basicConstraints-less CA), and not modelled when the chain has a feature
/// whose handling by that stack is not modelled (`openssl::features`).
/// rustls: webpki's verdict.
fn chain_for(p: &Profile, store: SourceKind, inp: &ChainView<'_>) -> Result<String, Refused> {
    let Some(tv) = inp.verdicts.iter().find(|t| t.source == store) else {
        return Err(Refused::Because(format!(
            "its trust store ({}) was not loaded",
            p.trust.describe()
        )));
    };
    if p.stack.on_openssl() {
        return openssl_chain(p, store, inp).map(|_| {
            format!(
                "chain valid against {} (as OpenSSL 3 verifies it)",
                tv.label
            )
        });
    }
    if matches!(p.stack, StackId::Java | StackId::Go) {
        if let Some(f) = unmodelled_feature(store, inp) {
            return Err(Refused::NotModelled(format!(
                "{} (its path validation, {}, is not modelled for it)",
                f.describe(),
                p.stack.stack().name
            )));
        }
    }
    if let Some(n) = refused_note(p, inp.notes) {
        return Err(Refused::Because(format!(
            "refuses {} ({})",
            n.id,
            super::findings::short_name(&n.subject)
        )));
    }
    patched_webpki(p, store, inp, tv).map_err(Refused::Because)
}

/// webpki's verdict, with the stack's known exceptions.
fn patched_webpki(
    p: &Profile,
    store: SourceKind,
    inp: &ChainView<'_>,
    tv: &super::TrustVerdict,
) -> Result<String, String> {
    let v = &tv.verdict;
    if v.valid {
        return Ok(format!("chain valid against {}", tv.label));
    }
    let only =
        |ids: &[&str]| !inp.notes.is_empty() && inp.notes.iter().all(|n| ids.contains(&n.id));
    match v.problem {
        Some(ChainProblem::UnsupportedAlgorithm)
            if only(&["rsa-key-under-2048", "sha1-signature"]) =>
        {
            let again = legacy_verdict(p, store, inp);
            if again.valid {
                Ok(format!(
                    "chain valid against {} (weak algorithms allowed)",
                    tv.label
                ))
            } else {
                Err(again
                    .detail
                    .unwrap_or_else(|| "the chain is not valid".into()))
            }
        }
        Some(ChainProblem::UnsupportedVersion | ChainProblem::WrongCertificateRole)
            if only(&["x509-v1", "ca-without-basic-constraints"]) =>
        {
            let ids: Vec<&str> = inp.notes.iter().map(|n| n.id).collect();
            Ok(format!("{} allowed against {}", ids.join(", "), tv.label))
        }
        _ => Err(v
            .detail
            .clone()
            .unwrap_or_else(|| "the chain is not valid".into())),
    }
}

/// The served chain as DER, leaf first.
fn served<'a>(inp: &ChainView<'a>) -> &'a [rustls_pki_types::CertificateDer<'static>] {
    inp.facts
        .tls
        .as_ref()
        .map(|t| t.chain_der.as_slice())
        .unwrap_or(&[])
}

/// The first feature of the chain (with the store's possible issuers) whose
/// handling by Java's or Go's path validation is not modelled.
fn unmodelled_feature(store: SourceKind, inp: &ChainView<'_>) -> Option<openssl::Feature> {
    let chain: Vec<&[u8]> = served(inp).iter().map(|c| c.as_ref()).collect();
    let source = inp.trust.sources().into_iter().find(|s| s.kind == store);
    let store_certs: Vec<&[u8]> = source
        .map(|s| s.certs.iter().map(|c| c.as_ref()).collect())
        .unwrap_or_default();
    openssl::features(&chain, &store_certs).first().copied()
}

/// The OpenSSL model's verdict against the client's store: the anchor's
/// position in the path on success.
fn openssl_chain(
    p: &Profile,
    store: SourceKind,
    inp: &ChainView<'_>,
) -> Result<openssl::Verified, Refused> {
    let Some(source) = inp.trust.sources().into_iter().find(|s| s.kind == store) else {
        return Err(Refused::Because("its trust store was not loaded".into()));
    };
    let params = OpenSslParams::for_profile(p);
    let at = inp.facts.judged_unix;
    match openssl::verify_source(served(inp), source, &inp.trust.crls, at, None, &params) {
        Ok(v) => Ok(v),
        Err(Refusal::OpenSsl(e)) => Err(Refused::Because(openssl_words(&e))),
        Err(Refusal::NotModelled(n)) => Err(Refused::NotModelled(format!("{} (OpenSSL 3)", n.0))),
    }
}

/// OpenSSL's own words for an error, as psql, mysql and Python print them.
fn openssl_words(e: &OpenSslError) -> String {
    format!(
        "certificate verify failed: {} ({}, depth {})",
        e.code.text(),
        e.code.name(),
        e.depth
    )
}

/// The plan's client on OpenSSL: the model's verdict when it differs from
/// webpki's (so the exit code follows the client); `None` when they agree
/// or the model does not decide.
fn openssl_sees(
    p: &Profile,
    store: SourceKind,
    view: &ChainView<'_>,
    webpki: &ChainVerdict,
) -> Option<ChainVerdict> {
    match openssl_chain(p, store, view) {
        Ok(_) if webpki.valid => None,
        Ok(v) => Some(openssl_valid(&v, store, view)),
        Err(Refused::Because(why)) if webpki.valid => {
            Some(ChainVerdict::invalid(ChainProblem::Other, why))
        }
        Err(_) => None,
    }
}

/// A valid verdict for the model's path: its certificates' subjects, and
/// the anchor (a store certificate, or the served leaf itself).
fn openssl_valid(v: &openssl::Verified, store: SourceKind, view: &ChainView<'_>) -> ChainVerdict {
    let served = served(view);
    let source = view.trust.sources().into_iter().find(|s| s.kind == store);
    let der_at = |i: usize| match i.checked_sub(served.len()) {
        None => served.get(i).cloned(),
        Some(j) => source.and_then(|s| s.certs.get(j)).cloned(),
    };
    let described: Vec<_> = v
        .path
        .iter()
        .filter_map(|&i| der_at(i))
        .map(|d| (crate::observe::describe(0, &d, view.facts.judged_unix), d))
        .collect();
    let anchor = described.last();
    ChainVerdict {
        valid: true,
        problem: None,
        detail: Some("accepted as OpenSSL 3 verifies it".into()),
        path: described.iter().map(|(c, _)| c.subject.clone()).collect(),
        anchor_der: anchor.map(|(_, d)| d.clone()),
        anchor_subject: anchor.map(|(c, _)| crate::trust::strip_sequence(&c.subject_der).to_vec()),
    }
}

/// The chain verified again with legacy RSA algorithms.
fn legacy_verdict(p: &Profile, store: SourceKind, inp: &ChainView<'_>) -> ChainVerdict {
    let Some(source) = inp.trust.sources().into_iter().find(|s| s.kind == store) else {
        return ChainVerdict::invalid(ChainProblem::SourceUnusable, "the store was not loaded");
    };
    let der = inp
        .facts
        .tls
        .as_ref()
        .map(|t| t.chain_der.as_slice())
        .unwrap_or(&[]);
    chain::verify_with(
        der,
        &inp.facts.chain,
        source,
        (!inp.trust.crls.is_empty()).then_some(&inp.trust.crls),
        p.crl,
        inp.facts.judged_unix,
        Algorithms::WithLegacy,
    )
}

fn staple_revoked(ocsp: &[OcspVerdict]) -> bool {
    ocsp.iter().any(|o| {
        o.source == "stapled" && o.position == 0 && o.status == Some("revoked") && o.trustworthy
    })
}

/// One line naming who accepts and who refuses, when the clients split.
pub fn split_summary(verdicts: &[ClientVerdict]) -> Option<String> {
    let (yes, no): (Vec<_>, Vec<_>) = verdicts
        .iter()
        .filter(|v| v.modelled)
        .partition(|v| v.accepts);
    if yes.is_empty() || no.is_empty() {
        return None;
    }
    let names = |v: &[&ClientVerdict]| v.iter().map(|c| c.client).collect::<Vec<_>>().join(", ");
    Some(format!(
        "{} accept; {} refuse: {}",
        names(&yes),
        names(&no),
        no[0].reason
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::facts::tls::TlsFacts;
    use crate::judge::{self, Trust};
    use crate::observe;
    use crate::request::CaChoice;
    use crate::settings::{self, FixedEnv};
    use crate::trust::TrustSource;
    use clap::Parser;
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, GeneralSubtree, IsCa, KeyPair,
        NameConstraints,
    };
    use rustls_pki_types::CertificateDer;

    type Ca = CertifiedIssuer<'static, KeyPair>;

    fn ca(cn: &str, f: impl FnOnce(&mut CertificateParams)) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        f(&mut p);
        p
    }

    fn leaf(is_ca: bool) -> CertificateParams {
        let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        if is_ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p
    }

    /// The clients table for `chain` served on localhost, with `root` as the CA file.
    fn rows(chain: Vec<CertificateDer<'static>>, root: &Ca) -> Vec<ClientVerdict> {
        judged(&[], chain, root).clients
    }

    /// The judgement of `chain` served on localhost, with `root` as the CA file.
    fn judged(flags: &[&str], chain: Vec<CertificateDer<'static>>, root: &Ca) -> judge::Judgement {
        let args = ["tlscheck", "connect", "localhost:4433"]
            .iter()
            .chain(flags);
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Connect(args) = cli.command else {
            unreachable!()
        };
        let mut plan = settings::resolve(&args.request(), &FixedEnv(&[])).unwrap();
        plan.ca = Some(CaChoice::File("roots.pem".into()));
        let now = observe::now_unix();
        let mut facts = observe::Facts::new(now);
        facts.chain = observe::describe_chain(&chain, now);
        facts.tls = Some(TlsFacts {
            sni_sent: Some("localhost".into()),
            ..TlsFacts::with_chain(chain)
        });
        let source = |kind, certs: Vec<CertificateDer<'static>>| TrustSource {
            kind,
            label: "CA file".into(),
            location: None,
            anchors: certs
                .iter()
                .map(|c| webpki::anchor_from_trusted_cert(c).unwrap().to_owned())
                .collect(),
            anchor_certs: (0..certs.len()).collect(),
            certs,
            errors: Vec::new(),
        };
        let trust = Trust {
            os: source(SourceKind::Os, Vec::new()),
            mozilla: source(SourceKind::Mozilla, Vec::new()),
            node: None,
            java: None,
            ca_file: Some(source(SourceKind::CaFile, vec![root.der().clone()])),
            crls: crate::trust::Crls::default(),
        };
        judge::judge(&facts, &plan, &trust)
    }

    fn row<'a>(rows: &'a [ClientVerdict], id: &str) -> &'a ClientVerdict {
        rows.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn openssl_rows_follow_the_model_where_webpki_differs() {
        let root: Ca =
            CertifiedIssuer::self_signed(ca("Root", |_| {}), KeyPair::generate().unwrap()).unwrap();
        // A CA certificate as the server's: OpenSSL takes it, webpki does not.
        let server = leaf(true)
            .signed_by(&KeyPair::generate().unwrap(), &root)
            .unwrap();
        let table = rows(vec![server.der().clone()], &root);
        let libpq = row(&table, "libpq");
        assert!(libpq.accepts && libpq.modelled, "{libpq:?}");
        assert!(
            libpq.reason.contains("as OpenSSL 3 verifies it"),
            "{libpq:?}"
        );
        let sqlx = row(&table, "sqlx");
        assert!(!sqlx.accepts && sqlx.modelled, "{sqlx:?}");
        // The plan's own client on OpenSSL: its verdict follows the model.
        let flags = ["--client", "libpq", "--mode", "verify-ca"];
        let as_libpq = judged(&flags, vec![server.der().clone()], &root);
        assert_eq!(
            as_libpq.verdict.result,
            judge::Outcome::Pass,
            "{:?}",
            as_libpq.verdict
        );
        let as_sqlx = judged(
            &["--client", "sqlx", "--mode", "verify-ca"],
            vec![server.der().clone()],
            &root,
        );
        assert_eq!(
            as_sqlx.verdict.result,
            judge::Outcome::Fail,
            "{:?}",
            as_sqlx.verdict
        );
    }

    #[test]
    fn name_constraints_are_openssls_error_and_not_modelled_for_java_and_go() {
        let root: Ca =
            CertifiedIssuer::self_signed(ca("Root", |_| {}), KeyPair::generate().unwrap()).unwrap();
        let int = ca("Constrained", |p| {
            p.name_constraints = Some(NameConstraints {
                permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
                excluded_subtrees: Vec::new(),
            })
        });
        let int: Ca = CertifiedIssuer::signed_by(int, KeyPair::generate().unwrap(), &root).unwrap();
        let server = leaf(false)
            .signed_by(&KeyPair::generate().unwrap(), &int)
            .unwrap();
        let table = rows(vec![server.der().clone(), int.der().clone()], &root);
        let libpq = row(&table, "libpq");
        assert!(!libpq.accepts && libpq.modelled, "{libpq:?}");
        assert!(
            libpq.reason.contains("X509_V_ERR_PERMITTED_VIOLATION"),
            "{libpq:?}"
        );
        for id in ["pgjdbc", "pgx"] {
            let r = row(&table, id);
            assert!(!r.accepts && !r.modelled, "{r:?}");
            assert!(
                r.reason.starts_with("not modelled: name constraints"),
                "{r:?}"
            );
        }
        assert!(split_summary(&table).is_none_or(|s| !s.contains("pgjdbc")));
    }
}
