//! One check, end to end: plan → connect → protocol → handshake → observe →
//! judge → report. The only place that knows the order of the steps.

use std::sync::OnceLock;
use std::time::Duration;

use crate::connect;
use crate::facts::tls::HandshakeError;
use crate::fetch;
use crate::handshake::{self, AfterTls, Offer};
use crate::judge::{self, Trust};
use crate::observe::{self, CertFacts, Facts};
use crate::probe::{self, scan::Depth, Prober};
use crate::protocol::{self, mongo};
use crate::report::scan::ScanReport;
use crate::report::{Checked, MultiReport, Report};
use crate::settings::{CaChoice, Mode, OcspScope, Plan, Protocol};
use crate::srv;
use crate::trust;

/// Connect, upgrade and handshake: gather the facts. Never fails; a failed
/// step is itself a fact.
pub async fn gather(plan: &Plan) -> Facts {
    let mut facts = Facts::new(observe::now_unix()).judged_as_of(plan.at);
    if let Some(id) = &plan.identity {
        facts.client_identity = Some(id.facts.clone());
        facts.client_identity_issuers = id.issuers_der.clone();
    }
    let dial = plan.connect_host.as_deref().unwrap_or(&plan.host);
    let (mut stream, connected) = match connect::connect(dial, plan.port, plan.timeout).await {
        Ok(ok) => ok,
        Err(e) => {
            facts.connect_error = Some(e);
            return facts;
        }
    };
    let rtt = Duration::from_secs_f64(connected.connect_ms / 1000.0);
    facts.connect = Some(connected);

    let upgrade = match protocol::upgrade(plan, &mut stream).await {
        Ok(u) => u,
        Err(e) => {
            facts.upgrade_error = Some(e);
            return facts;
        }
    };
    let offered = upgrade.tls_offered;
    let alpn = upgrade.alpn.clone();
    facts.upgrade = Some(upgrade);
    if !offered {
        return facts;
    }
    let mongo = plan.protocol == Protocol::Mongo;
    if mongo && plan.mode == Mode::Disable {
        // tls=false: PyMongo sends its hello in clear, and so does the check.
        facts.upgrade = None;
        let x = mongo::hello_exchange(&mut stream, plan.timeout, false).await;
        facts.mongo = Some(mongo::describe(&x));
        return facts;
    }

    let offer = Offer {
        sni: plan.sni_sent(),
        alpn,
        min: plan.tls_min,
        max: plan.tls_max,
        timeout: plan.timeout,
        rtt,
        // Only a plain TLS listener (and MongoDB, which reads the hello's
        // reply anyway) may refuse a missing client certificate in TLS.
        // PostgreSQL with ssl_ca_file and MySQL-protocol servers ask every
        // client for an optional certificate and refuse a missing one at
        // login; a certificate that was presented is waited for everywhere
        // (the handshake knows whether it was).
        cert_request_may_reject: matches!(plan.protocol, Protocol::Tls | Protocol::Mongo),
        identity: plan.identity.as_ref().map(|i| i.certified.clone()),
        login: plan.login.clone(),
        after_tls: if mongo {
            AfterTls::MongoHello
        } else {
            AfterTls::Listen
        },
    };
    let mut tls = handshake::handshake(stream, &offer, &plan.host).await;
    if let Some(x) = tls.mongo_hello.take() {
        facts.mongo = Some(mongo::describe(&x));
    } else if mongo && tls.failure.is_some() {
        // Did the handshake fail because the server speaks MongoDB without
        // TLS? Ask it in clear on a new connection, as a fact for the judge.
        if let Ok((mut plain, _)) = connect::connect(dial, plan.port, plan.timeout).await {
            let x = mongo::hello_exchange(&mut plain, plan.timeout, false).await;
            facts.mongo = Some(mongo::describe(&x));
        }
    }
    // Only when the server refused before sending its certificate: later
    // failures (a client certificate refused) are not about versions.
    if tls.chain_der.is_empty() && tls.failure.as_ref().is_some_and(probes_may_explain) {
        // rustls could not finish: maybe a version or suite it does not
        // speak. Raw probes find what the server accepts, and read the
        // chain, which travels in clear up to TLS 1.2, to judge it anyway.
        let prober = Prober::new(plan, EXPLAIN_CONCURRENCY);
        let scan = probe::scan::scan(&prober, Depth::Explain).await;
        if let Some(served) = scan.chain_for_name() {
            tls.chain_der = served
                .chain
                .iter()
                .map(|c| rustls::pki_types::CertificateDer::from(c.clone()))
                .collect();
        }
        facts.legacy_probe = Some(scan);
    }
    facts.chain = observe::describe_chain(&tls.chain_der, facts.judged_unix);
    if !tls.ocsp_der.is_empty() {
        facts.ocsp_staple = Some(observe::ocsp::parse(&tls.ocsp_der, "stapled", None));
    }
    facts.tls = Some(tls);
    facts
}

/// Probe connections open at once when `connect` explains a failed handshake.
const EXPLAIN_CONCURRENCY: usize = 4;

/// Handshake failures that a version or suite rustls lacks can cause: an
/// alert refusing the hello, no common version or suite, or a server that
/// hangs up on the hello without a word.
fn probes_may_explain(e: &HandshakeError) -> bool {
    use HandshakeError as E;
    match e {
        E::Alert { alert } => matches!(
            alert.as_str(),
            "protocol_version"
                | "handshake_failure"
                | "insufficient_security"
                | "illegal_parameter"
        ),
        E::Incompatible { .. } | E::Closed => true,
        E::NotTls { .. } | E::Timeout { .. } | E::Misbehaved { .. } | E::Other { .. } => false,
    }
}

/// Load the trust sources a plan's judgement needs.
pub fn load_trust(plan: &Plan) -> Trust {
    load_trust_with(plan, trust::os_store(), ClientStores::load(plan))
}

fn load_trust_with(plan: &Plan, os: trust::TrustSource, defaults: ClientStores) -> Trust {
    let mut crls = trust::Crls::default();
    for path in &plan.crls {
        crls.add_file(path);
    }
    Trust {
        os,
        mozilla: trust::mozilla(),
        node: defaults.node,
        java: defaults.java,
        ca_file: match &plan.ca {
            Some(CaChoice::File(p)) => Some(trust::ca_file(p)),
            _ => None,
        },
        crls,
    }
}

/// The default stores of Node.js and Java clients, which the clients table
/// (and a Node.js or Java client's verdict) reads when no CA file is given.
#[derive(Default)]
struct ClientStores {
    node: Option<trust::TrustSource>,
    java: Option<trust::TrustSource>,
}

impl ClientStores {
    fn load(plan: &Plan) -> ClientStores {
        if matches!(plan.ca, Some(CaChoice::File(_))) {
            return ClientStores::default();
        }
        let env = trust::StoreEnv::current();
        ClientStores {
            node: Some(trust::node_default(&env)),
            java: Some(trust::java_cacerts(&env)),
        }
    }
}

/// `--ocsp` and `--crl-fetch`: ask responders and download CRLs, in the
/// blocking pool (the HTTP client is synchronous), each under the timeout.
async fn fetch_revocation(plan: &Plan, facts: &mut Facts, trust: &Trust) {
    let positions: Vec<usize> = match plan.ocsp {
        Some(OcspScope::All) => (0..facts.chain.len()).collect(),
        Some(OcspScope::Leaf) if !facts.chain.is_empty() => vec![0],
        _ => Vec::new(),
    };
    let sources = trust.sources();
    let jobs: Vec<(CertFacts, Option<trust::IssuerKey>)> = positions
        .into_iter()
        .map(|i| {
            (
                facts.chain[i].clone(),
                trust::issuer_key(&facts.chain, i, &sources),
            )
        })
        .collect();
    let chain = if plan.crl_fetch {
        facts.chain.clone()
    } else {
        Vec::new()
    };
    let timeout = plan.timeout;
    let work = tokio::task::spawn_blocking(move || {
        let queries: Vec<_> = jobs
            .iter()
            .map(|(cert, issuer)| fetch::query_ocsp(cert, issuer.as_ref(), timeout))
            .collect();
        let downloads: Vec<_> = chain
            .iter()
            .flat_map(|cert| fetch::download_crls(cert, timeout))
            .collect();
        (queries, downloads)
    });
    if let Ok((queries, downloads)) = work.await {
        facts.ocsp_queries = queries;
        facts.crl_downloads = downloads;
    }
}

/// Trust stores read once and shared by every check of a run over many
/// endpoints (`fleet`, after [`share_trust_stores`]): a fleet of a
/// thousand checks would otherwise read and parse the OS store (and the
/// Node.js and Java stores) a thousand times. A one-check run reads them
/// as before, in parallel with its network work.
static SHARED: OnceLock<SharedStores> = OnceLock::new();

struct SharedStores {
    os: trust::TrustSource,
    node: OnceLock<trust::TrustSource>,
    java: OnceLock<trust::TrustSource>,
}

/// From now on, every check of this process reads the trust stores once
/// and shares them (they depend only on the process environment).
pub fn share_trust_stores() {
    SHARED.get_or_init(|| SharedStores {
        os: trust::os_store(),
        node: OnceLock::new(),
        java: OnceLock::new(),
    });
}

impl SharedStores {
    fn client_stores(&self, plan: &Plan) -> ClientStores {
        if matches!(plan.ca, Some(CaChoice::File(_))) {
            return ClientStores::default();
        }
        let env = || trust::StoreEnv::current();
        ClientStores {
            node: Some(
                self.node
                    .get_or_init(|| trust::node_default(&env()))
                    .clone(),
            ),
            java: Some(
                self.java
                    .get_or_init(|| trust::java_cacerts(&env()))
                    .clone(),
            ),
        }
    }
}

/// Judge a chain read from files as `connect` judges a served one: the
/// same facts (the chain in the order given), the same judge, the same
/// report. `files` names where the chain came from, for the report.
pub fn judge_files(plan: &Plan, chain: Vec<Vec<u8>>, files: Vec<String>, trust: &Trust) -> Report {
    let mut facts = Facts::from_files(chain, files, observe::now_unix()).judged_as_of(plan.at);
    facts.describe_served_chain();
    let judgement = judge::judge(&facts, plan, trust);
    Report::new(plan, facts, judgement)
}

/// [`judge_files`] for a chain with no file names (tests, corpora).
pub fn judge_chain(plan: &Plan, chain: Vec<Vec<u8>>, trust: &Trust) -> Report {
    judge_files(plan, chain, Vec::new(), trust)
}

/// Run one check and build its report.
pub async fn run(plan: &Plan) -> Report {
    let (mut facts, mut trust) = match SHARED.get() {
        Some(shared) => {
            let facts = gather(plan).await;
            let stores = shared.client_stores(plan);
            (facts, load_trust_with(plan, shared.os.clone(), stores))
        }
        None => {
            // Reading the OS store means reading files; do it while the
            // network work is under way rather than after.
            let os_loader = std::thread::spawn(trust::os_store);
            let stores_plan = plan.clone();
            let stores_loader = std::thread::spawn(move || ClientStores::load(&stores_plan));
            let facts = gather(plan).await;
            let os = os_loader.join().unwrap_or_else(|_| trust::os_store());
            let stores = stores_loader.join().unwrap_or_default();
            (facts, load_trust_with(plan, os, stores))
        }
    };
    if (plan.ocsp.is_some() || plan.crl_fetch) && !facts.chain.is_empty() {
        fetch_revocation(plan, &mut facts, &trust).await;
        for d in facts.crl_downloads.iter().filter(|d| d.error.is_none()) {
            trust.crls.sources.push(d.url.clone());
            trust.crls.add_bytes(&d.der, &d.url);
        }
    }
    let judgement = judge::judge(&facts, plan, &trust);
    Report::new(plan, facts, judgement)
}

/// Run `work` to completion on a fresh single-threaded runtime.
fn block_on<F: std::future::Future>(work: F) -> std::io::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(work))
}

/// Run a check on a fresh single-threaded runtime.
pub fn run_blocking(plan: &Plan) -> std::io::Result<Report> {
    block_on(run(plan))
}

/// Run `tlscheck connect`: one check, or for MongoDB one per host — the
/// seed list, the SRV targets, and with `--all-members` every member the
/// servers list (each against its own name).
pub async fn run_target(plan: &Plan) -> Checked {
    let Some(mp) = &plan.mongo else {
        return Checked::One(Box::new(run(plan).await));
    };
    let mut srv_facts = None;
    let mut todo: Vec<(String, u16, String)> = Vec::new();
    // SRV targets resolved by --dns-server: connect to that address.
    let mut addresses: Vec<(String, std::net::IpAddr)> = Vec::new();
    let mut txt_replica_set = None;
    if let Some(name) = &mp.srv {
        let facts = srv::lookup(name, mp.dns_server, plan.timeout).await;
        for r in &facts.records {
            todo.push((r.target.clone(), r.port, format!("SRV target of {name}")));
            if let Some(ip) = r.address {
                addresses.push((r.target.clone(), ip));
            }
        }
        // replicaSet may come from the TXT record; the URI's own wins.
        if mp.replica_set.is_none() {
            if let Some((_, rs)) = facts
                .txt_options
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("replicaSet"))
            {
                txt_replica_set = Some(rs.clone());
            }
        }
        srv_facts = Some(facts);
    } else {
        for (h, p) in &mp.seeds {
            todo.push((h.clone(), *p, "seed".into()));
        }
    }
    if todo.len() == 1 && srv_facts.is_none() && !mp.all_members {
        return Checked::One(Box::new(run(plan).await));
    }
    let mut reports: Vec<Report> = Vec::new();
    let mut i = 0;
    while i < todo.len() {
        let (host, port, role) = todo[i].clone();
        let mut hp = host_plan(plan, &host, port);
        if let (Some(rs), Some(m)) = (&txt_replica_set, hp.mongo.as_mut()) {
            m.replica_set = Some(rs.clone());
            hp.settings.push(crate::settings::SettingReport {
                name: "replica-set",
                value: rs.clone(),
                source: crate::settings::Origin::Derived(
                    "the TXT record of the mongodb+srv name".into(),
                ),
            });
        }
        hp.connect_host = addresses
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(&host))
            .map(|(_, ip)| ip.to_string());
        let mut report = run(&hp).await;
        report.role = Some(role);
        if mp.all_members {
            let listed_by = format!("{host}:{port}");
            for m in report
                .facts
                .mongo
                .iter()
                .filter(|m| m.answered)
                .flat_map(crate::facts::upgrade::members)
            {
                let Some((h, p)) = split_member(&m) else {
                    continue;
                };
                let seen = todo
                    .iter()
                    .any(|(th, tp, _)| th.eq_ignore_ascii_case(&h) && *tp == p);
                if !seen {
                    todo.push((h, p, format!("member listed by {listed_by}")));
                }
            }
        }
        reports.push(report);
        i += 1;
    }
    Checked::Many(Box::new(MultiReport::new(
        plan.display.clone(),
        plan.client.id,
        srv_facts,
        reports,
    )))
}

/// The plan for one host of several: its own name for SNI and the
/// host-name check (unless --sni names one), the rest as planned.
fn host_plan(plan: &Plan, host: &str, port: u16) -> Plan {
    let mut p = plan.clone();
    p.host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    p.port = port;
    p.connect_host = None;
    p
}

/// `host:port` as a hello reply lists members (`[v6]:port` too).
fn split_member(m: &str) -> Option<(String, u16)> {
    let (h, p) = m.rsplit_once(':')?;
    let port = p.parse().ok()?;
    Some((
        h.trim_start_matches('[').trim_end_matches(']').to_string(),
        port,
    ))
}

/// [`run_target`] on a fresh single-threaded runtime (what `main` uses).
pub fn run_target_blocking(plan: &Plan) -> std::io::Result<Checked> {
    block_on(run_target(plan))
}

/// Run `tlscheck scan`: probe the plan's host (a seed list's first host) for
/// versions, suites, groups and certificates, and judge what it found.
pub async fn scan(plan: &Plan, concurrency: usize, strict: bool) -> ScanReport {
    let prober = Prober::new(plan, concurrency);
    let facts = probe::scan::scan(&prober, Depth::Full).await;
    ScanReport::new(plan, &facts, concurrency, strict)
}

/// [`scan`] on a fresh single-threaded runtime.
pub fn scan_blocking(plan: &Plan, concurrency: usize, strict: bool) -> std::io::Result<ScanReport> {
    block_on(scan(plan, concurrency, strict))
}
