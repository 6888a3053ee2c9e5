//! Facts + mode + trust sources → verdicts, findings and remedies.
//!
//! Nothing here touches the network: the same [`Facts`] can be judged under
//! every mode and trust source, which is how the report shows what every
//! other mode would decide.

pub mod chain;
pub mod clients;
pub mod compat;
pub mod findings;
pub mod hostname;
pub mod legacy;
pub mod policy;
pub mod revocation;

use serde::Serialize;

use crate::clients::DefaultTrust;
use crate::clients::StackId;
use crate::facts::scan::ProbeVersion;
use crate::observe::Facts;
use crate::settings::{CaChoice, Mode, Plan};
use crate::trust::{Crls, SourceKind, TrustSource};
use chain::{ChainProblem, ChainVerdict};
pub use findings::{Finding, Severity};
use hostname::NameCheck;

/// The trust sources loaded for a check.
pub struct Trust {
    pub os: TrustSource,
    pub mozilla: TrustSource,
    /// Node.js's default store (its bundled roots + NODE_EXTRA_CA_CERTS),
    /// loaded when a client that reads it is judged without a CA file.
    pub node: Option<TrustSource>,
    /// The JDK's cacerts, likewise.
    pub java: Option<TrustSource>,
    pub ca_file: Option<TrustSource>,
    pub crls: Crls,
}

impl Trust {
    /// Every trust source, in the order reports list them.
    pub fn sources(&self) -> Vec<&TrustSource> {
        [
            Some(&self.os),
            Some(&self.mozilla),
            self.node.as_ref(),
            self.java.as_ref(),
            self.ca_file.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The source a client reads when given no CA, as loaded for a check.
pub fn default_source(trust: DefaultTrust) -> Option<SourceKind> {
    match trust {
        DefaultTrust::Os => Some(SourceKind::Os),
        DefaultTrust::RootFileOnly => None,
        DefaultTrust::Mozilla => Some(SourceKind::Mozilla),
        DefaultTrust::NodeBundled => Some(SourceKind::NodeBundled),
        DefaultTrust::JavaCacerts => Some(SourceKind::JavaCacerts),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The service could not be reached or was not the expected protocol.
    Unreachable,
    /// This mode was not tried: MongoDB with and without TLS are separate
    /// connections, and the check made only the one its mode needs.
    NotChecked,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Unreachable => 3,
            Outcome::NotChecked => 0,
        }
    }
}

/// What one mode decides.
#[derive(Debug, Clone, Serialize)]
pub struct ModeVerdict {
    pub mode: Mode,
    pub result: Outcome,
    /// Whether the connection would be encrypted.
    pub encrypted: bool,
    pub reason: String,
}

/// The chain's verdict against one trust source.
#[derive(Debug, Clone, Serialize)]
pub struct TrustVerdict {
    pub source: SourceKind,
    pub label: String,
    pub location: Option<String>,
    pub roots: usize,
    /// This source decides the verify-ca / verify-full verdicts.
    pub used_for_verdict: bool,
    #[serde(flatten)]
    pub verdict: ChainVerdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    /// The verdict under the chosen mode.
    pub verdict: ModeVerdict,
    /// Every mode, from the same handshake.
    pub modes: Vec<ModeVerdict>,
    pub trust: Vec<TrustVerdict>,
    /// The trust source the verdict uses, in words.
    pub verdict_trust: String,
    pub hostname: Option<NameCheck>,
    /// The stapled OCSP response and any responder answers, judged.
    pub ocsp: Vec<revocation::OcspVerdict>,
    pub expiry: policy::ExpiryReport,
    /// Where the CRLs the chain was checked against came from.
    pub crl_sources: Vec<String>,
    /// Weak or old-fashioned certificates, and whether OpenSSL 3 and webpki accept them.
    pub policy_notes: Vec<compat::PolicyNote>,
    /// What each client family would decide in its strictest usual
    /// configuration, from this one handshake.
    pub clients: Vec<clients::ClientVerdict>,
    pub findings: Vec<Finding>,
}

/// What the connection came to, before any certificate is looked at.
#[derive(Debug, Clone)]
pub(crate) enum TlsState {
    Unreachable(String),
    /// The server refused this client before any TLS (a MySQL ERR packet
    /// instead of the greeting): no mode can connect.
    ServerRejected(String),
    ServerRefusedTls,
    HandshakeFailed(String),
    /// The handshake finished but the server then sent an alert or closed.
    RejectedAfterHandshake(String),
    Established,
    /// MongoDB in clear (tls=false): the server answered the hello; TLS was not tried.
    PlaintextOnly,
    /// MongoDB in clear: the server did not answer a hello without TLS.
    PlaintextRefused(String),
}

pub(crate) fn tls_state(facts: &Facts) -> TlsState {
    if let Some(e) = &facts.connect_error {
        return TlsState::Unreachable(e.to_string());
    }
    if let Some(e) = &facts.upgrade_error {
        if let crate::facts::upgrade::UpgradeError::ServerErrorPacket { .. } = e {
            return TlsState::ServerRejected(e.to_string());
        }
        return TlsState::Unreachable(e.to_string());
    }
    if let Some(u) = &facts.upgrade {
        if !u.tls_offered {
            return TlsState::ServerRefusedTls;
        }
    }
    if let Some(state) = mongo_state(facts) {
        return state;
    }
    let Some(tls) = &facts.tls else {
        return TlsState::Unreachable("no TLS handshake was attempted".into());
    };
    if let Some(f) = &tls.failure {
        return match f {
            crate::facts::tls::HandshakeError::NotTls { .. } => {
                TlsState::Unreachable(f.to_string())
            }
            _ => TlsState::HandshakeFailed(f.to_string()),
        };
    }
    match tls.session.as_ref().map(|s| &s.after_handshake) {
        Some(crate::facts::tls::AfterHandshake::Alert { alert }) => {
            TlsState::RejectedAfterHandshake(format!(
                "the server sent the alert {alert} right after the handshake"
            ))
        }
        _ => TlsState::Established,
    }
}

/// MongoDB's hello decides what the connection came to: in clear (tls=false),
/// after a failed handshake (does it speak MongoDB without TLS?), or over TLS
/// (is it MongoDB at all?).
fn mongo_state(facts: &Facts) -> Option<TlsState> {
    let m = facts.mongo.as_ref()?;
    let not_mongo = |m: &crate::facts::upgrade::MongoFacts| {
        m.looks_like_protocol
            .is_some_and(|p| p != "mongo" && p != "tls")
    };
    if !m.over_tls {
        match &facts.tls {
            // tls=false: only the plaintext connection was made.
            None if m.answered => return Some(TlsState::PlaintextOnly),
            None if not_mongo(m) => {
                return Some(TlsState::Unreachable(format!(
                    "the endpoint is not MongoDB: it answered the hello with {}",
                    m.looks_like.as_deref().unwrap_or("something else")
                )))
            }
            None => {
                return Some(TlsState::PlaintextRefused(
                    m.problem.clone().unwrap_or_default(),
                ))
            }
            // The handshake failed and the server speaks MongoDB in clear.
            Some(t) if t.failure.is_some() && m.answered => {
                return Some(TlsState::ServerRefusedTls)
            }
            Some(_) => return None,
        }
    }
    let established = facts
        .tls
        .as_ref()
        .and_then(|t| t.session.as_ref())
        .is_some_and(|s| {
            !matches!(
                s.after_handshake,
                crate::facts::tls::AfterHandshake::Alert { .. }
            )
        });
    if established && !m.answered {
        let what = match &m.looks_like {
            Some(l) if not_mongo(m) => {
                format!("the endpoint is not MongoDB: over TLS it answered the hello with {l}")
            }
            _ => format!(
                "TLS works, but no MongoDB answer followed: {}",
                m.problem.as_deref().unwrap_or("no reply")
            ),
        };
        return Some(TlsState::Unreachable(what));
    }
    None
}

/// The client whose TLS stack the rules stand for, where that is not
/// rustls: its name and stack. MongoDB clients are left out: they would
/// also send their hello over that connection, which a probe cannot show,
/// so their verdicts stay with the handshake tlscheck made.
fn rules_client(plan: &Plan) -> Option<(&'static str, StackId)> {
    let c = plan.client;
    (c.stack != StackId::Rustls && plan.protocol != crate::settings::Protocol::Mongo)
        .then_some((c.name, c.stack))
}

/// When rustls could not handshake but the rules' own client would (its
/// versions and suites meet the server's, as the probes found, and the
/// chain came with a probe): what it would negotiate, in words.
fn negotiated_by_rules_client(
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
) -> Option<ByRulesClient> {
    let TlsState::HandshakeFailed(why) = state else {
        return None;
    };
    let scan = facts.legacy_probe.as_ref()?;
    let (client, id) = rules_client(plan)?;
    if facts.chain.is_empty() {
        return None;
    }
    // Only the versions the plan lets the client offer (--tls-min/--tls-max,
    // ssl_min_protocol_version, tls-version).
    let to_probe = |v: crate::settings::TlsVersion| match v {
        crate::settings::TlsVersion::V1_2 => ProbeVersion::Tls12,
        crate::settings::TlsVersion::V1_3 => ProbeVersion::Tls13,
    };
    let (min, max) = (plan.tls_min.map(to_probe), plan.tls_max.map(to_probe));
    let mut offered = scan.clone();
    for v in &mut offered.versions {
        v.accepted &= min.is_none_or(|m| v.version >= m) && max.is_none_or(|m| v.version <= m);
    }
    let v = id.stack().verdict(&offered);
    v.connects.then(|| ByRulesClient {
        short: format!("{client} negotiates {}", v.detail),
        finding: findings::finding(
            "negotiated-by-client-stack",
            findings::Severity::Info,
            format!("{client} connects where tlscheck's rustls cannot"),
            format!(
                "rustls failed ({why}), but {client}'s TLS stack ({}) shares a version and suite with the server: {}. \
                 The verdicts judge that connection, with the chain read from a probe (it travels in clear up to TLS 1.2).",
                v.stack, v.detail
            ),
            None,
        ),
    })
}

/// A connection the rules' client makes where rustls could not.
struct ByRulesClient {
    /// For each verdict's reason.
    short: String,
    finding: Finding,
}

pub fn judge(facts: &Facts, plan: &Plan, trust: &Trust) -> Judgement {
    let mut state = tls_state(facts);
    // The verdicts follow the rules' client: where its TLS stack connects
    // and rustls does not, judge the connection it would make.
    let by_rules_client = negotiated_by_rules_client(facts, plan, &state);
    if by_rules_client.is_some() {
        state = TlsState::Established;
    }
    let tls = facts.tls.as_ref();
    let chain_der = tls.map(|t| t.chain_der.as_slice()).unwrap_or(&[]);
    let crl_policy = plan.client.crl;

    // The chain against every source, once.
    let mut trust_verdicts = Vec::new();
    let sources = trust.sources();
    let verdict_kind = verdict_source(plan);
    if !chain_der.is_empty() {
        for s in &sources {
            trust_verdicts.push(TrustVerdict {
                source: s.kind,
                label: s.label.clone(),
                location: s.location.clone(),
                roots: s.anchors.len(),
                used_for_verdict: Some(s.kind) == verdict_kind,
                verdict: chain::verify(
                    chain_der,
                    &facts.chain,
                    s,
                    (!trust.crls.is_empty()).then_some(&trust.crls),
                    crl_policy,
                    facts.observed_unix,
                ),
            });
        }
    }
    let chain_verdict = match verdict_kind {
        Some(kind) => trust_verdicts
            .iter()
            .find(|t| t.source == kind)
            .map(|t| t.verdict.clone())
            .unwrap_or_else(|| {
                ChainVerdict::invalid(ChainProblem::NoCertificate, "no certificate was served")
            }),
        None => ChainVerdict::invalid(
            ChainProblem::NoRootFile,
            match &plan.missing_root_file {
                Some(p) => format!("root certificate file \"{}\" does not exist", p.display()),
                None => format!(
                    "{} verifies only against a root file, and none was given ({})",
                    plan.client.name, plan.client.words.ca
                ),
            },
        ),
    };
    // The chosen client's stack may accept what webpki refuses (an X.509 v1
    // root under OpenSSL, an RSA-1024 leaf under Java or Go).
    let policy_notes = compat::notes(&facts.chain);
    let view = clients::ChainView {
        facts,
        trust,
        verdicts: &trust_verdicts,
        notes: &policy_notes,
    };
    let chain_verdict = verdict_kind
        .and_then(|k| clients::as_client_sees(plan.client, k, &view))
        .unwrap_or(chain_verdict);
    let verdict_trust = verdict_trust(plan, verdict_kind, &sources);
    let name_rules = plan.client.names;
    let hostname = facts
        .chain
        .first()
        .filter(|l| l.parse_error.is_none())
        .map(|leaf| hostname::check(&plan.verify_name(), leaf, name_rules));

    // rustls refuses to check a handshake signature made with an RSA key
    // under 2048 bits; a client whose stack takes that key (Java, Go,
    // Node.js) checks it and goes on, so its verdict does not fail on it.
    let signature_ok = tls.is_none_or(|t| t.handshake_signature_error.is_none())
        || clients::takes_weak_leaf_key(plan.client, &policy_notes);
    let ctx = ModeContext {
        state: &state,
        chain: &chain_verdict,
        hostname: hostname.as_ref(),
        plan,
        signature_ok,
    };
    let mut modes: Vec<ModeVerdict> = Mode::ALL.iter().map(|&m| decide(m, &ctx)).collect();
    let mut verdict = decide(plan.mode, &ctx);
    if let Some(by) = &by_rules_client {
        for v in modes
            .iter_mut()
            .chain([&mut verdict])
            .filter(|v| v.encrypted)
        {
            v.reason = format!("{} ({})", v.reason, by.short);
        }
    }

    // Revocation answers: the staple, then any responder queries.
    let mut ocsp = Vec::new();
    if let (Some(staple), Some(leaf)) = (&facts.ocsp_staple, facts.chain.first()) {
        let issuer = crate::trust::issuer_key(&facts.chain, 0, &sources);
        ocsp.push(revocation::assess(
            staple,
            leaf,
            0,
            issuer.as_ref(),
            facts.observed_unix,
        ));
    }
    for q in &facts.ocsp_queries {
        if let (Some(resp), Some(cert)) = (&q.response, facts.chain.get(q.position)) {
            let issuer = crate::trust::issuer_key(&facts.chain, q.position, &sources);
            ocsp.push(revocation::assess(
                resp,
                cert,
                q.position,
                issuer.as_ref(),
                facts.observed_unix,
            ));
        }
    }
    let expiry = policy::expiry(facts, plan);
    let verifying = findings::effective_verifies(plan);
    policy::tighten(&mut verdict, plan, verifying, &ocsp, &expiry);
    // sslcertmode=require: libpq refuses a server that asks for no certificate.
    if plan.require_cert_request
        && matches!(state, TlsState::Established)
        && tls.is_some_and(|t| t.session.is_some() && t.client_certificate_request.is_none())
        && verdict.result == Outcome::Pass
        && verdict.encrypted
    {
        verdict.result = Outcome::Fail;
        verdict.reason = format!(
            "sslcertmode=require: the server did not ask for a client certificate, and {} refuses that",
            plan.client.name
        );
    }
    // libpq refuses a client key file that others can read, before it
    // connects: under its rules no mode gets that far.
    if let (true, Some(problem)) = (
        plan.client.key_file_must_be_private,
        facts
            .client_identity
            .as_ref()
            .and_then(|i| i.key_permission_problem.as_ref()),
    ) {
        if verdict.result == Outcome::Pass {
            verdict.result = Outcome::Fail;
            verdict.reason = format!("{} refuses the client key: {problem}", plan.client.name);
        }
    }

    let mut findings = findings::collect(
        facts,
        plan,
        &state,
        &verdict,
        &chain_verdict,
        hostname.as_ref(),
        &trust_verdicts,
    );
    if let Some(by) = by_rules_client {
        findings.push(by.finding);
    }
    if matches!(state, TlsState::Established) {
        findings.extend(policy::expiry_findings(&expiry, verifying));
        findings.extend(policy::revocation_findings(
            facts,
            plan,
            &ocsp,
            &trust.crls,
            verifying,
        ));
    }
    findings.extend(policy_notes.iter().map(findings::policy_note_finding));
    let clients = clients::verdicts(&clients::Inputs {
        chain: clients::ChainView {
            facts,
            trust,
            verdicts: &trust_verdicts,
            notes: &policy_notes,
        },
        plan,
        state: &state,
        ocsp: &ocsp,
    });
    if let Some(split) = clients::split_summary(&clients) {
        findings.push(findings::finding(
            "clients-disagree",
            Severity::Info,
            "client families decide differently",
            split,
            None,
        ));
    }
    findings.sort_by_key(|f| f.severity);
    policy::strict(&mut verdict, plan, &findings);

    Judgement {
        verdict,
        modes,
        trust: trust_verdicts,
        verdict_trust,
        hostname,
        ocsp,
        expiry,
        crl_sources: trust.crls.sources.clone(),
        policy_notes,
        clients,
        findings,
    }
}

/// Which source decides verify-ca/verify-full: the CA file when one is
/// given; the OS store for `system`; with no CA, the store the client reads
/// by default (none at all for libpq, which needs a root file).
fn verdict_source(plan: &Plan) -> Option<SourceKind> {
    match &plan.ca {
        Some(CaChoice::File(_)) => Some(SourceKind::CaFile),
        Some(CaChoice::System) => Some(SourceKind::Os),
        None => default_source(plan.client.trust),
    }
}

/// The source that decides, in words.
fn verdict_trust(plan: &Plan, kind: Option<SourceKind>, sources: &[&TrustSource]) -> String {
    let c = plan.client;
    match (kind, &plan.ca) {
        (Some(SourceKind::CaFile), Some(CaChoice::File(p))) => format!("CA file {}", p.display()),
        (Some(SourceKind::Os), Some(CaChoice::System)) => {
            "the OS store (sslrootcert=system / --ca-file system)".into()
        }
        (Some(k), _) => {
            let label = sources
                .iter()
                .find(|s| s.kind == k)
                .map(|s| s.label.clone())
                .unwrap_or_else(|| c.trust.describe().to_string());
            if c.id == crate::clients::GENERIC.id {
                format!("{label} (no CA file given)")
            } else {
                format!(
                    "{label} (no CA given: {} reads {})",
                    c.name,
                    c.trust.describe()
                )
            }
        }
        (None, _) => format!("none: {} verifies only against a root file", c.name),
    }
}

struct ModeContext<'a> {
    state: &'a TlsState,
    chain: &'a ChainVerdict,
    hostname: Option<&'a NameCheck>,
    plan: &'a Plan,
    signature_ok: bool,
}

fn decide(mode: Mode, ctx: &ModeContext<'_>) -> ModeVerdict {
    let v = |result, encrypted, reason: String| ModeVerdict {
        mode,
        result,
        encrypted,
        reason,
    };
    if let TlsState::Unreachable(why) = ctx.state {
        return v(Outcome::Unreachable, false, why.clone());
    }
    if let TlsState::ServerRejected(why) = ctx.state {
        return v(
            Outcome::Fail,
            false,
            format!("the server refuses this client before TLS: {why}"),
        );
    }
    let mongo = ctx.plan.protocol == crate::settings::Protocol::Mongo;
    match (mode, ctx.state) {
        (Mode::Disable, TlsState::PlaintextOnly) => {
            return v(
                Outcome::Pass,
                false,
                "reachable without TLS, and no TLS is in use: traffic is not encrypted".into(),
            )
        }
        (Mode::Disable, TlsState::PlaintextRefused(why)) => {
            return v(
                Outcome::Fail,
                false,
                format!("the server does not answer MongoDB without TLS ({why}): it requires TLS"),
            )
        }
        (_, TlsState::PlaintextOnly | TlsState::PlaintextRefused(_)) => {
            return v(
                Outcome::NotChecked,
                false,
                "with tls=false the check, like PyMongo, makes no TLS connection".into(),
            )
        }
        // With TLS the check does not also try MongoDB in clear.
        (
            Mode::Disable,
            TlsState::Established
            | TlsState::HandshakeFailed(_)
            | TlsState::RejectedAfterHandshake(_),
        ) if mongo => {
            return v(
                Outcome::NotChecked,
                false,
                "tls=false is a separate connection in clear, which this check did not make".into(),
            )
        }
        (Mode::Disable, TlsState::ServerRefusedTls) if mongo => {
            return v(
                Outcome::Pass,
                false,
                "the server answers MongoDB without TLS: reachable, traffic not encrypted".into(),
            )
        }
        _ => {}
    }
    let rules = &ctx.plan.client.modes;
    let who = ctx.plan.client.name;
    let root_file = matches!(ctx.plan.ca, Some(CaChoice::File(_)));
    if rules.system_root_needs_verify_full
        && ctx.plan.ca == Some(CaChoice::System)
        && mode != Mode::VerifyFull
        && mode != Mode::Insecure
    {
        return v(
            Outcome::Fail,
            false,
            format!("{who} refuses sslmode={mode} with sslrootcert=system (use verify-full)"),
        );
    }
    // libpq's (and pgx's) quirk: require with a root file behaves as verify-ca.
    let effective = if rules.require_verifies_with_root && mode == Mode::Require && root_file {
        Mode::VerifyCa
    } else {
        mode
    };
    // libpq checks the chain on every TLS connection when a root file exists.
    let root_file_checks = rules.root_file_checks_in_prefer && root_file;
    let quirk = if effective != mode {
        format!(" ({who} treats require as verify-ca when a root file exists)")
    } else {
        String::new()
    };

    match (effective, ctx.state) {
        (Mode::Disable, _) => v(Outcome::Pass, false, "connects without TLS: traffic is not encrypted".into()),
        (Mode::Allow, _) => v(
            Outcome::Pass,
            false,
            "tries without TLS first and would connect unencrypted unless the server insists on TLS".into(),
        ),
        (Mode::Prefer, TlsState::Established) if root_file_checks => {
            if ctx.chain.valid && ctx.signature_ok {
                v(
                    Outcome::Pass,
                    true,
                    format!("encrypted; the chain is valid ({who} checks it because a root file exists)"),
                )
            } else {
                let detail = ctx.chain.detail.clone().unwrap_or_else(|| "the handshake signature did not verify".into());
                v(
                    Outcome::Pass,
                    false,
                    format!("{who} checks the chain because a root file exists, and it is not valid ({detail}); prefer then retries without TLS, unencrypted"),
                )
            }
        }
        (Mode::Prefer, TlsState::Established) => v(
            Outcome::Pass,
            true,
            "encrypted; the certificate is not checked in this mode".into(),
        ),
        (Mode::Prefer, TlsState::ServerRefusedTls) => v(
            Outcome::Pass,
            false,
            "the server offers no TLS, so this mode falls back to an unencrypted connection".into(),
        ),
        (Mode::Prefer, TlsState::HandshakeFailed(why) | TlsState::RejectedAfterHandshake(why))
            if rules.prefer_retries_after_failure =>
        {
            v(
                Outcome::Pass,
                false,
                format!("TLS failed ({why}); this mode retries without TLS, unencrypted"),
            )
        }
        (_, TlsState::ServerRefusedTls) if mongo => v(
            Outcome::Fail,
            false,
            "the server speaks MongoDB without TLS only: the TLS handshake failed, and a hello in clear was answered".into(),
        ),
        (_, TlsState::ServerRefusedTls) => v(
            Outcome::Fail,
            false,
            "the server does not support TLS, but this mode requires it".into(),
        ),
        (_, TlsState::HandshakeFailed(why) | TlsState::RejectedAfterHandshake(why)) => {
            v(Outcome::Fail, false, format!("the TLS handshake failed: {why}"))
        }
        (Mode::Require | Mode::Insecure, TlsState::Established) => v(
            Outcome::Pass,
            true,
            "encrypted; the certificate is not checked in this mode".into(),
        ),
        (Mode::VerifyCa | Mode::VerifyFull, TlsState::Established) => {
            if !ctx.signature_ok {
                return v(
                    Outcome::Fail,
                    true,
                    format!("the server's handshake signature could not be verified{quirk}"),
                );
            }
            if !ctx.chain.valid {
                let detail = ctx.chain.detail.clone().unwrap_or_default();
                return v(Outcome::Fail, true, format!("the certificate chain is not valid: {detail}{quirk}"));
            }
            if effective == Mode::VerifyCa {
                return v(
                    Outcome::Pass,
                    true,
                    format!("encrypted; the chain is valid (the host name is not checked in this mode){quirk}"),
                );
            }
            match ctx.hostname {
                Some(h) if h.matched => v(
                    Outcome::Pass,
                    true,
                    format!(
                        "encrypted; the chain is valid and the certificate names {} ({})",
                        h.name,
                        h.matched_by.as_deref().unwrap_or("")
                    ),
                ),
                Some(h) => v(
                    Outcome::Fail,
                    true,
                    format!(
                        "the certificate is not valid for {}: it names {}",
                        h.name,
                        list_or_nothing(&h.certificate_names)
                    ),
                ),
                None => v(Outcome::Fail, true, "the leaf certificate could not be read".into()),
            }
        }
        (
            _,
            TlsState::Unreachable(_)
            | TlsState::ServerRejected(_)
            | TlsState::PlaintextOnly
            | TlsState::PlaintextRefused(_),
        ) => {
            unreachable!("handled above")
        }
    }
}

pub(crate) fn list_or_nothing(names: &[String]) -> String {
    if names.is_empty() {
        "no name at all".into()
    } else {
        names.join(", ")
    }
}
