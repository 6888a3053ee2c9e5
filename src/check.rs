//! One check, end to end: plan → connect → protocol → handshake → observe →
//! judge → report. The only place that knows the order of the steps.

use std::time::Duration;

use crate::connect;
use crate::fetch;
use crate::handshake::{self, AfterTls, Offer};
use crate::judge::{self, Trust};
use crate::observe::{self, CertFacts, Facts};
use crate::protocol::{self, mongo};
use crate::report::Report;
use crate::settings::{CaChoice, Mode, OcspScope, Plan, Protocol};
use crate::trust;

/// Connect, upgrade and handshake: gather the facts. Never fails; a failed
/// step is itself a fact.
pub async fn gather(plan: &Plan) -> Facts {
    let mut facts = Facts::new(observe::now_unix());
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
        cert_request_may_reject: plan.protocol != Protocol::Mysql,
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
    facts.chain = observe::describe_chain(&tls.chain_der, facts.observed_unix);
    if !tls.ocsp_der.is_empty() {
        facts.ocsp_staple = Some(observe::ocsp::parse(&tls.ocsp_der, "stapled", None));
    }
    facts.tls = Some(tls);
    facts
}

/// Load the trust sources a plan's judgement needs.
pub fn load_trust(plan: &Plan) -> Trust {
    load_trust_with(plan, trust::os_store())
}

fn load_trust_with(plan: &Plan, os: trust::TrustSource) -> Trust {
    let mut crls = trust::Crls::default();
    for path in &plan.crls {
        crls.add_file(path);
    }
    Trust {
        os,
        mozilla: trust::mozilla(),
        ca_file: match &plan.ca {
            Some(CaChoice::File(p)) => Some(trust::ca_file(p)),
            _ => None,
        },
        crls,
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

/// Run one check and build its report.
pub async fn run(plan: &Plan) -> Report {
    // Reading the OS store means reading files; do it while the network
    // work is under way rather than after.
    let os_loader = std::thread::spawn(trust::os_store);
    let mut facts = gather(plan).await;
    let os = os_loader.join().unwrap_or_else(|_| trust::os_store());
    let mut trust = load_trust_with(plan, os);
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

/// Run a check on a fresh single-threaded runtime (what `main` uses).
pub fn run_blocking(plan: &Plan) -> std::io::Result<Report> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(run(plan)))
}
