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
pub mod openssl;
pub mod policy;
pub mod revocation;

use serde::Serialize;

use crate::clients::DefaultTrust;
use crate::clients::StackId;
use crate::facts::scan::ProbeVersion;
use crate::observe::{ChainSource, Facts};
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
    let (state, by_rules_client) = judged_state(facts, plan);
    let sources = trust.sources();
    let verdict_kind = verdict_source(plan);
    let trust_verdicts = verdicts_per_source(facts, plan, trust, verdict_kind);
    let policy_notes = compat::notes(&facts.chain);
    let view = clients::ChainView {
        facts,
        trust,
        verdicts: &trust_verdicts,
        notes: &policy_notes,
    };
    let chain_verdict = chain_as_client_sees(plan, verdict_kind, &view);
    let hostname = check_hostname(facts, plan);
    let ctx = ModeContext {
        state: &state,
        chain: &chain_verdict,
        hostname: hostname.as_ref(),
        plan,
        signature_ok: handshake_signature_ok(facts, plan, &policy_notes),
    };
    let (mut modes, mut verdict) = decide_every_mode(&ctx, by_rules_client.as_ref());
    if facts.chain_source != ChainSource::Handshake {
        for v in modes.iter_mut().chain([&mut verdict]) {
            as_chain_from_files(v);
        }
    }
    let ocsp = revocation_answers(facts, &sources);
    let expiry = policy::expiry(facts, plan);
    tighten_by_policy(&mut verdict, facts, plan, &state, &ocsp, &expiry);
    let clients = clients::verdicts(&clients::Inputs {
        chain: view,
        plan,
        state: &state,
        ocsp: &ocsp,
    });
    let mut judgement = Judgement {
        verdict,
        modes,
        trust: trust_verdicts,
        verdict_trust: verdict_trust(plan, verdict_kind, &sources),
        hostname,
        ocsp,
        expiry,
        crl_sources: trust.crls.sources.clone(),
        policy_notes,
        clients,
        findings: Vec::new(),
    };
    judgement.findings = all_findings(
        facts,
        plan,
        &trust.crls,
        &state,
        &chain_verdict,
        by_rules_client,
        &judgement,
    );
    policy::strict(&mut judgement.verdict, plan, &judgement.findings);
    judgement
}

/// Every finding, most severe first: the handshake's and the chain's, the
/// rules' client's connection, expiry and revocation (on an established
/// connection), weak certificates, and a split in the clients table.
fn all_findings(
    facts: &Facts,
    plan: &Plan,
    crls: &Crls,
    state: &TlsState,
    chain_verdict: &ChainVerdict,
    by_rules_client: Option<ByRulesClient>,
    j: &Judgement,
) -> Vec<Finding> {
    let mut out = findings::collect(
        facts,
        plan,
        state,
        &j.verdict,
        chain_verdict,
        j.hostname.as_ref(),
        &j.trust,
    );
    out.extend(by_rules_client.map(|by| by.finding));
    if matches!(state, TlsState::Established) {
        let verifying = findings::effective_verifies(plan);
        out.extend(policy::expiry_findings(&j.expiry, verifying));
        out.extend(policy::revocation_findings(
            facts, plan, &j.ocsp, crls, verifying,
        ));
    }
    out.extend(j.policy_notes.iter().map(findings::policy_note_finding));
    out.extend(clients_disagree_finding(&j.clients));
    out.sort_by_key(|f| f.severity);
    out
}

/// What the connection came to, as the verdicts judge it. They follow the
/// rules' client: where its TLS stack connects and rustls does not, they
/// judge the connection it would make.
fn judged_state(facts: &Facts, plan: &Plan) -> (TlsState, Option<ByRulesClient>) {
    let state = tls_state(facts);
    match negotiated_by_rules_client(facts, plan, &state) {
        Some(by) => (TlsState::Established, Some(by)),
        None => (state, None),
    }
}

/// The served chain against every trust source, once; `verdict_kind` marks
/// the source that decides the verifying modes.
fn verdicts_per_source(
    facts: &Facts,
    plan: &Plan,
    trust: &Trust,
    verdict_kind: Option<SourceKind>,
) -> Vec<TrustVerdict> {
    let chain_der = facts
        .tls
        .as_ref()
        .map(|t| t.chain_der.as_slice())
        .unwrap_or(&[]);
    if chain_der.is_empty() {
        return Vec::new();
    }
    let crls = (!trust.crls.is_empty()).then_some(&trust.crls);
    trust
        .sources()
        .into_iter()
        .map(|s| TrustVerdict {
            source: s.kind,
            label: s.label.clone(),
            location: s.location.clone(),
            roots: s.anchors.len(),
            used_for_verdict: Some(s.kind) == verdict_kind,
            verdict: chain::verify(
                chain_der,
                &facts.chain,
                s,
                crls,
                plan.client.crl,
                facts.judged_unix,
            ),
        })
        .collect()
}

/// The chain as the chosen client's stack decides it against the source
/// that decides: it may accept what webpki refuses (an X.509 v1 root under
/// OpenSSL, an RSA-1024 leaf under Java or Go).
fn chain_as_client_sees(
    plan: &Plan,
    verdict_kind: Option<SourceKind>,
    view: &clients::ChainView<'_>,
) -> ChainVerdict {
    verdict_kind
        .and_then(|k| clients::as_client_sees(plan.client, k, view))
        .unwrap_or_else(|| webpki_chain_verdict(plan, verdict_kind, view.verdicts))
}

/// webpki's verdict against the source that decides, or why there is none.
fn webpki_chain_verdict(
    plan: &Plan,
    verdict_kind: Option<SourceKind>,
    trust_verdicts: &[TrustVerdict],
) -> ChainVerdict {
    match verdict_kind {
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
    }
}

/// The name the client checks against a readable leaf, under its rules.
fn check_hostname(facts: &Facts, plan: &Plan) -> Option<NameCheck> {
    facts
        .chain
        .first()
        .filter(|l| l.parse_error.is_none())
        .map(|leaf| hostname::check(&plan.verify_name(), leaf, plan.client.names))
}

/// rustls refuses to check a handshake signature made with an RSA key
/// under 2048 bits; a client whose stack takes that key (Java, Go,
/// Node.js) checks it and goes on, so its verdict does not fail on it.
fn handshake_signature_ok(facts: &Facts, plan: &Plan, notes: &[compat::PolicyNote]) -> bool {
    facts
        .tls
        .as_ref()
        .is_none_or(|t| t.handshake_signature_error.is_none())
        || clients::takes_weak_leaf_key(plan.client, notes)
}

/// Every mode's verdict and the chosen mode's; where the rules' client
/// connects and rustls could not, each encrypted verdict says so.
fn decide_every_mode(
    ctx: &ModeContext<'_>,
    by_rules_client: Option<&ByRulesClient>,
) -> (Vec<ModeVerdict>, ModeVerdict) {
    let mut modes: Vec<ModeVerdict> = Mode::ALL.iter().map(|&m| decide(m, ctx)).collect();
    let mut verdict = decide(ctx.plan.mode, ctx);
    if let Some(by) = by_rules_client {
        for v in modes
            .iter_mut()
            .chain([&mut verdict])
            .filter(|v| v.encrypted)
        {
            v.reason = format!("{} ({})", v.reason, by.short);
        }
    }
    (modes, verdict)
}

/// A chain from files: no server, so a mode that may connect without TLS
/// says nothing about the chain, and the others speak of the chain alone.
fn as_chain_from_files(v: &mut ModeVerdict) {
    if matches!(v.mode, Mode::Disable | Mode::Allow) {
        v.result = Outcome::NotChecked;
        v.reason =
            "no server to judge: a chain from files says nothing about connecting without TLS"
                .into();
    } else if let Some(rest) = v.reason.strip_prefix("encrypted; ") {
        v.reason = rest.to_string();
    }
}

/// Revocation answers: the staple, then any responder queries.
fn revocation_answers(facts: &Facts, sources: &[&TrustSource]) -> Vec<revocation::OcspVerdict> {
    let staple = facts
        .ocsp_staple
        .as_ref()
        .zip(facts.chain.first())
        .map(|(staple, leaf)| (staple, leaf, 0));
    let queried = facts.ocsp_queries.iter().filter_map(|q| {
        let resp = q.response.as_ref()?;
        Some((resp, facts.chain.get(q.position)?, q.position))
    });
    staple
        .into_iter()
        .chain(queried)
        .map(|(resp, cert, position)| {
            let issuer = crate::trust::issuer_key(&facts.chain, position, sources);
            revocation::assess(resp, cert, position, issuer.as_ref(), facts.judged_unix)
        })
        .collect()
}

/// The chosen mode's verdict under the policies that only tighten it:
/// revocation and expiry, then the client's own refusals.
fn tighten_by_policy(
    verdict: &mut ModeVerdict,
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    ocsp: &[revocation::OcspVerdict],
    expiry: &policy::ExpiryReport,
) {
    let verifying = findings::effective_verifies(plan);
    policy::tighten(verdict, plan, verifying, ocsp, expiry);
    refuse_without_cert_request(verdict, facts, plan, state);
    refuse_readable_key_file(verdict, facts, plan);
}

/// sslcertmode=require: libpq refuses a server that asks for no certificate.
fn refuse_without_cert_request(
    verdict: &mut ModeVerdict,
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
) {
    if plan.require_cert_request
        && matches!(state, TlsState::Established)
        && facts
            .tls
            .as_ref()
            .is_some_and(|t| t.session.is_some() && t.client_certificate_request.is_none())
        && verdict.result == Outcome::Pass
        && verdict.encrypted
    {
        verdict.result = Outcome::Fail;
        verdict.reason = format!(
            "sslcertmode=require: the server did not ask for a client certificate, and {} refuses that",
            plan.client.name
        );
    }
}

/// libpq refuses a client key file that others can read, before it
/// connects: under its rules no mode gets that far.
fn refuse_readable_key_file(verdict: &mut ModeVerdict, facts: &Facts, plan: &Plan) {
    let problem = facts
        .client_identity
        .as_ref()
        .and_then(|i| i.key_permission_problem.as_ref());
    if let (true, Some(problem)) = (plan.client.key_file_must_be_private, problem) {
        if verdict.result == Outcome::Pass {
            verdict.result = Outcome::Fail;
            verdict.reason = format!("{} refuses the client key: {problem}", plan.client.name);
        }
    }
}

/// When the clients table splits, a finding that says which families connect.
fn clients_disagree_finding(clients: &[clients::ClientVerdict]) -> Option<Finding> {
    clients::split_summary(clients).map(|split| {
        findings::finding(
            "clients-disagree",
            Severity::Info,
            "client families decide differently",
            split,
            None,
        )
    })
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

/// One mode's result, before it is labelled with the mode.
struct Decision {
    result: Outcome,
    encrypted: bool,
    reason: String,
}

fn decision(result: Outcome, encrypted: bool, reason: impl Into<String>) -> Decision {
    Decision {
        result,
        encrypted,
        reason: reason.into(),
    }
}

fn decide(mode: Mode, ctx: &ModeContext<'_>) -> ModeVerdict {
    let d = no_connection(ctx.state)
        .or_else(|| mongo_without_tls(mode, ctx))
        .or_else(|| system_root_refusal(mode, ctx.plan))
        .unwrap_or_else(|| decide_under_mode_rules(mode, ctx));
    ModeVerdict {
        mode,
        result: d.result,
        encrypted: d.encrypted,
        reason: d.reason,
    }
}

/// The endpoint could not be reached, or refused this client before TLS:
/// every mode decides the same.
fn no_connection(state: &TlsState) -> Option<Decision> {
    match state {
        TlsState::Unreachable(why) => Some(decision(Outcome::Unreachable, false, why.clone())),
        TlsState::ServerRejected(why) => Some(decision(
            Outcome::Fail,
            false,
            format!("the server refuses this client before TLS: {why}"),
        )),
        _ => None,
    }
}

/// MongoDB without TLS (tls=false) is a separate connection in clear: the
/// check made either it or the TLS one, and the other's modes say so.
fn mongo_without_tls(mode: Mode, ctx: &ModeContext<'_>) -> Option<Decision> {
    let mongo = ctx.plan.protocol == crate::settings::Protocol::Mongo;
    let d = match (mode, ctx.state) {
        (Mode::Disable, TlsState::PlaintextOnly) => decision(
            Outcome::Pass,
            false,
            "reachable without TLS, and no TLS is in use: traffic is not encrypted",
        ),
        (Mode::Disable, TlsState::PlaintextRefused(why)) => decision(
            Outcome::Fail,
            false,
            format!("the server does not answer MongoDB without TLS ({why}): it requires TLS"),
        ),
        (_, TlsState::PlaintextOnly | TlsState::PlaintextRefused(_)) => decision(
            Outcome::NotChecked,
            false,
            "with tls=false the check, like PyMongo, makes no TLS connection",
        ),
        // With TLS the check does not also try MongoDB in clear.
        (
            Mode::Disable,
            TlsState::Established
            | TlsState::HandshakeFailed(_)
            | TlsState::RejectedAfterHandshake(_),
        ) if mongo => decision(
            Outcome::NotChecked,
            false,
            "tls=false is a separate connection in clear, which this check did not make",
        ),
        (Mode::Disable, TlsState::ServerRefusedTls) if mongo => decision(
            Outcome::Pass,
            false,
            "the server answers MongoDB without TLS: reachable, traffic not encrypted",
        ),
        _ => return None,
    };
    Some(d)
}

/// A client that reads `system` as the OS store may refuse every mode but
/// verify-full with it (libpq 16+).
fn system_root_refusal(mode: Mode, plan: &Plan) -> Option<Decision> {
    (plan.client.modes.system_root_needs_verify_full
        && plan.ca == Some(CaChoice::System)
        && mode != Mode::VerifyFull
        && mode != Mode::Insecure)
        .then(|| {
            decision(
                Outcome::Fail,
                false,
                format!(
                    "{} refuses sslmode={mode} with sslrootcert=system (use verify-full)",
                    plan.client.name
                ),
            )
        })
}

/// What a mode means for the chosen client once a root file is given.
struct EffectiveMode {
    mode: Mode,
    /// The chain is checked in every TLS mode, prefer included.
    root_file_checks: bool,
    /// Appended to verifying reasons when `mode` differs from the one asked.
    quirk: String,
}

fn effective_mode(mode: Mode, plan: &Plan) -> EffectiveMode {
    let rules = &plan.client.modes;
    let root_file = matches!(plan.ca, Some(CaChoice::File(_)));
    // libpq's (and pgx's) quirk: require with a root file behaves as verify-ca.
    let effective = if rules.require_verifies_with_root && mode == Mode::Require && root_file {
        Mode::VerifyCa
    } else {
        mode
    };
    let quirk = if effective != mode {
        format!(
            " ({} treats require as verify-ca when a root file exists)",
            plan.client.name
        )
    } else {
        String::new()
    };
    EffectiveMode {
        mode: effective,
        // libpq checks the chain on every TLS connection when a root file exists.
        root_file_checks: rules.root_file_checks_in_prefer && root_file,
        quirk,
    }
}

/// A reachable server that speaks the protocol: the mode as the client's
/// rules read it, against what the handshake came to.
fn decide_under_mode_rules(mode: Mode, ctx: &ModeContext<'_>) -> Decision {
    let effective = effective_mode(mode, ctx.plan);
    match effective.mode {
        Mode::Disable => {
            return decision(
                Outcome::Pass,
                false,
                "connects without TLS: traffic is not encrypted",
            )
        }
        Mode::Allow => return decision(
            Outcome::Pass,
            false,
            "tries without TLS first and would connect unencrypted unless the server insists on TLS",
        ),
        Mode::Prefer => {
            if let Some(d) = decide_prefer(ctx, effective.root_file_checks) {
                return d;
            }
        }
        _ => {}
    }
    match ctx.state {
        TlsState::Established => decide_established(&effective, ctx),
        TlsState::ServerRefusedTls if ctx.plan.protocol == crate::settings::Protocol::Mongo => decision(
            Outcome::Fail,
            false,
            "the server speaks MongoDB without TLS only: the TLS handshake failed, and a hello in clear was answered",
        ),
        TlsState::ServerRefusedTls => decision(
            Outcome::Fail,
            false,
            "the server does not support TLS, but this mode requires it",
        ),
        TlsState::HandshakeFailed(why) | TlsState::RejectedAfterHandshake(why) => {
            decision(Outcome::Fail, false, format!("the TLS handshake failed: {why}"))
        }
        TlsState::Unreachable(_)
        | TlsState::ServerRejected(_)
        | TlsState::PlaintextOnly
        | TlsState::PlaintextRefused(_) => unreachable!("handled above"),
    }
}

/// prefer: encrypted when TLS works, otherwise in clear where the client
/// falls back; `None` where it fails like the stricter modes.
fn decide_prefer(ctx: &ModeContext<'_>, root_file_checks: bool) -> Option<Decision> {
    let who = ctx.plan.client.name;
    let d = match ctx.state {
        TlsState::Established if root_file_checks => {
            if ctx.chain.valid && ctx.signature_ok {
                decision(
                    Outcome::Pass,
                    true,
                    format!("encrypted; the chain is valid ({who} checks it because a root file exists)"),
                )
            } else {
                let detail = ctx
                    .chain
                    .detail
                    .clone()
                    .unwrap_or_else(|| "the handshake signature did not verify".into());
                decision(
                    Outcome::Pass,
                    false,
                    format!("{who} checks the chain because a root file exists, and it is not valid ({detail}); prefer then retries without TLS, unencrypted"),
                )
            }
        }
        TlsState::Established => decision(
            Outcome::Pass,
            true,
            "encrypted; the certificate is not checked in this mode",
        ),
        TlsState::ServerRefusedTls => decision(
            Outcome::Pass,
            false,
            "the server offers no TLS, so this mode falls back to an unencrypted connection",
        ),
        TlsState::HandshakeFailed(why) | TlsState::RejectedAfterHandshake(why)
            if ctx.plan.client.modes.prefer_retries_after_failure =>
        {
            decision(
                Outcome::Pass,
                false,
                format!("TLS failed ({why}); this mode retries without TLS, unencrypted"),
            )
        }
        _ => return None,
    };
    Some(d)
}

/// The handshake finished: the encrypt-only modes pass, the verifying
/// modes check the signature, the chain and (verify-full) the host name.
fn decide_established(effective: &EffectiveMode, ctx: &ModeContext<'_>) -> Decision {
    let quirk = &effective.quirk;
    match effective.mode {
        Mode::Require | Mode::Insecure => decision(
            Outcome::Pass,
            true,
            "encrypted; the certificate is not checked in this mode",
        ),
        Mode::VerifyCa | Mode::VerifyFull if !ctx.signature_ok => decision(
            Outcome::Fail,
            true,
            format!("the server's handshake signature could not be verified{quirk}"),
        ),
        Mode::VerifyCa | Mode::VerifyFull if !ctx.chain.valid => {
            let detail = ctx.chain.detail.clone().unwrap_or_default();
            decision(
                Outcome::Fail,
                true,
                format!("the certificate chain is not valid: {detail}{quirk}"),
            )
        }
        Mode::VerifyCa => decision(
            Outcome::Pass,
            true,
            format!(
                "encrypted; the chain is valid (the host name is not checked in this mode){quirk}"
            ),
        ),
        Mode::VerifyFull => decide_host_name(ctx.hostname),
        Mode::Disable | Mode::Allow | Mode::Prefer => {
            unreachable!("decided before the handshake's state")
        }
    }
}

/// verify-full, once the chain is valid: does the certificate name the host?
fn decide_host_name(hostname: Option<&NameCheck>) -> Decision {
    match hostname {
        Some(h) if h.matched => decision(
            Outcome::Pass,
            true,
            format!(
                "encrypted; the chain is valid and the certificate names {} ({})",
                h.name,
                h.matched_by.as_deref().unwrap_or("")
            ),
        ),
        Some(h) => decision(
            Outcome::Fail,
            true,
            format!(
                "the certificate is not valid for {}: it names {}",
                h.name,
                list_or_nothing(&h.certificate_names)
            ),
        ),
        None => decision(
            Outcome::Fail,
            true,
            "the leaf certificate could not be read",
        ),
    }
}

pub(crate) fn list_or_nothing(names: &[String]) -> String {
    if names.is_empty() {
        "no name at all".into()
    } else {
        names.join(", ")
    }
}
