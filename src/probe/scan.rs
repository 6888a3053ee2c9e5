//! Enumeration by many probes: the versions a server accepts, per version
//! the cipher suites (by offering a list, removing the suite the server
//! picks, and offering the rest again until it refuses), whether it imposes
//! its own order, the TLS 1.3 groups (from HelloRetryRequests), and the
//! certificate it serves for its name, without SNI, and for another name.
//!
//! Probes run in parallel up to the prober's bound, in two rounds: the
//! versions, then everything else side by side. Finding a server's own
//! order takes one sequential chain per version; otherwise the suite list
//! is split into chunks that run side by side.

use std::future::Future;
use std::time::Instant;

use super::hello::{GROUPS_TLS12, GROUPS_TLS13};
use super::{Answer, ProbeError, Prober, ReadUntil};
use crate::facts::scan::{ProbeVersion, ScanFacts, ServedCertificate, VersionScan};

/// How much to find out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// `tlscheck scan`: everything.
    Full,
    /// `tlscheck connect` after a failed handshake: versions, suites, groups
    /// and the certificate for the name; no order or other names.
    Explain,
}

/// A name no certificate is issued for, to see a server's default certificate.
pub const OTHER_NAME: &str = "tlscheck-probe.invalid";

/// Suites offered when probing `v`: every suite IANA lists that can be used
/// at that version, those rustls lacks included.
pub fn suites_for(v: ProbeVersion) -> Vec<u16> {
    let mut all: Vec<u16> = tls_parser::CIPHERS
        .keys()
        .copied()
        .filter(|&id| {
            let tls13 = (0x1301..=0x13ff).contains(&id);
            // The SCSVs are signals, not suites.
            id != 0x00ff && id != 0x5600 && id != 0x0000 && (tls13 == (v == ProbeVersion::Tls13))
        })
        .collect();
    all.sort_unstable();
    all
}

fn groups_for(v: ProbeVersion) -> &'static [u16] {
    if v == ProbeVersion::Tls13 {
        GROUPS_TLS13
    } else {
        GROUPS_TLS12
    }
}

/// Suites whose server proves itself with a certificate.
fn certificate_suites(v: ProbeVersion) -> Vec<u16> {
    use tls_parser::TlsCipherAu as Au;
    suites_for(v)
        .into_iter()
        .filter(|id| {
            tls_parser::TlsCipherSuite::from_id(*id)
                .is_some_and(|s| matches!(s.au, Au::Rsa | Au::Ecdsa | Au::Dss | Au::Tls13))
        })
        .collect()
}

/// Run futures side by side (each still bounded by the prober's limit).
async fn all<T, F>(futures: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (i, f) in futures.into_iter().enumerate() {
        set.spawn(async move { (i, f.await) });
    }
    let mut out: Vec<(usize, T)> = Vec::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok(x) => out.push(x),
            // A panic is a bug, not an answer: dropping the result would
            // shift every later one onto the wrong question.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, x)| x).collect()
}

/// Scan the endpoint behind `prober`.
pub async fn scan(prober: &Prober, depth: Depth) -> ScanFacts {
    let started = Instant::now();
    let mut facts = ScanFacts::default();
    let sni = prober.plan().sni_sent();
    if let Some(first) = versions(prober, sni.as_deref(), &mut facts).await {
        suites_groups_certificates(prober, &sni, depth, first, &mut facts).await;
    }
    facts.connections = prober.connections();
    facts.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    facts
}

/// What the version probes showed beyond the versions themselves, so that
/// later steps need not ask again.
struct FirstRound {
    /// Each accepted version and the suite it picked from the whole list.
    picks: Vec<(ProbeVersion, u16)>,
    /// The TLS 1.3 group the HelloRetryRequest asked for.
    tls13_group: Option<u16>,
    /// The highest accepted version up to TLS 1.2, and the chain its probe
    /// read (it travels in clear there).
    legacy: Option<(ProbeVersion, Vec<Vec<u8>>)>,
}

/// Step 1, which versions: one probe each, all at once (up to TLS 1.2 read
/// on to the certificate). `None` (and `facts.error`) when no probe
/// reached TLS.
async fn versions(prober: &Prober, sni: Option<&str>, facts: &mut ScanFacts) -> Option<FirstRound> {
    let firsts = all(ProbeVersion::ALL
        .into_iter()
        .map(|v| {
            let p = prober.clone();
            let sni = sni.map(str::to_string);
            async move {
                let suites = suites_for(v);
                p.probe(
                    v,
                    &suites,
                    groups_for(v),
                    sni.as_deref(),
                    ReadUntil::ServerHello,
                )
                .await
            }
        })
        .collect())
    .await;
    if firsts.iter().all(|a| a.is_err()) {
        if let Some(Err(e)) = firsts.into_iter().next() {
            facts.error = Some(e.to_string());
        }
        return None;
    }
    // Not TLS at all (a wrong port or protocol): as unreachable as no answer.
    if let Some(Ok(Answer::NotTls(found))) = firsts.first() {
        if firsts.iter().all(|a| matches!(a, Ok(Answer::NotTls(_)))) {
            facts.error = Some(format!(
                "the server does not speak TLS here: it sent {}",
                found.looks_like
            ));
            return None;
        }
    }
    let mut first = FirstRound {
        picks: Vec::new(),
        tls13_group: None,
        legacy: None,
    };
    for (v, answer) in ProbeVersion::ALL.into_iter().zip(&firsts) {
        let (accepted, text) = match answer {
            Ok(Answer::Hello(f)) if f.version != v.wire() => (
                false,
                format!(
                    "ServerHello choosing {} instead",
                    crate::facts::scan::version_name(f.version)
                ),
            ),
            Ok(Answer::Hello(f)) => (
                suites_for(v).contains(&f.cipher),
                Answer::Hello(f.clone()).describe(),
            ),
            Ok(other) => (false, other.describe()),
            Err(e) => (false, format!("no answer: {e}")),
        };
        if let Ok(Answer::Hello(f)) = answer {
            if accepted {
                first.picks.push((v, f.cipher));
                if v < ProbeVersion::Tls13 {
                    facts.secure_renegotiation = Some(f.secure_renegotiation);
                    first.legacy = Some((v, f.certificates.clone()));
                    if f.dh_bits.is_some() {
                        facts.dh_bits = f.dh_bits;
                    }
                } else {
                    first.tls13_group = f.group;
                }
            }
        }
        if matches!(answer, Ok(Answer::Timeout | Answer::Malformed(_))) {
            facts.incomplete.push(format!("{} probe: {text}", v.name()));
        }
        facts.versions.push(VersionScan {
            version: v,
            accepted,
            answer: text,
            ciphers: Vec::new(),
            server_order: None,
        });
    }
    Some(first)
}

/// Step 2: suites per accepted version, TLS 1.3 groups, the DHE group's
/// size and certificates per name, all at once.
async fn suites_groups_certificates(
    prober: &Prober,
    sni: &Option<String>,
    depth: Depth,
    first: FirstRound,
    facts: &mut ScanFacts,
) {
    let best_legacy = first.legacy.as_ref().map(|(v, _)| *v);
    let mut jobs: Vec<JobFuture> = Vec::new();
    for &(v, first) in &first.picks {
        let p = prober.clone();
        let sni = sni.clone();
        jobs.push(Box::pin(async move {
            Job::Suites(v, enumerate_version(&p, v, first, sni.as_deref()).await)
        }));
    }
    let tls13 = first.picks.iter().any(|(v, _)| *v == ProbeVersion::Tls13);
    // Groups even when explaining a failure: a TLS 1.3 server with no
    // group in common fails rustls as surely as a missing version.
    if tls13 {
        let p = prober.clone();
        let sni = sni.clone();
        let known = first.tls13_group;
        jobs.push(Box::pin(async move {
            Job::Groups(enumerate_groups(&p, known, sni.as_deref()).await)
        }));
    }
    // The DHE group's size: offer every DHE suite at the best version up
    // to 1.2 and read the ServerKeyExchange. Side by side with the rest,
    // not after it: it needs no suite list.
    if let Some(v) = best_legacy.filter(|_| facts.dh_bits.is_none()) {
        let p = prober.clone();
        let sni = sni.clone();
        jobs.push(Box::pin(async move {
            let dhe: Vec<u16> = suites_for(v).into_iter().filter(|c| is_dhe(*c)).collect();
            let answer = p
                .probe(v, &dhe, GROUPS_TLS12, sni.as_deref(), ReadUntil::HelloDone)
                .await;
            Job::Dh(match answer {
                Ok(Answer::Hello(f)) => f.dh_bits,
                _ => None,
            })
        }));
    }
    // The chain for the target's own name came with the version probe
    // (unless it picked a suite without certificates).
    let mut names: Vec<Option<String>> = Vec::new();
    match &first.legacy {
        Some((v, chain)) if !chain.is_empty() => facts.certificates.push(ServedCertificate {
            sni: sni.clone(),
            chain: chain.clone(),
            how: format!("{} probe", v.name()),
        }),
        _ => names.push(sni.clone()),
    }
    if depth == Depth::Full {
        if sni.is_some() {
            names.push(None);
        }
        names.push(Some(OTHER_NAME.to_string()));
    }
    for name in names {
        let p = prober.clone();
        jobs.push(Box::pin(async move {
            Job::Certificate(fetch_certificate(&p, best_legacy, tls13, name).await)
        }));
    }
    for job in all(jobs).await {
        match job {
            Job::Suites(v, Ok(found)) => {
                if let Some(scan) = facts.versions.iter_mut().find(|s| s.version == v) {
                    scan.ciphers = found.suites;
                    scan.server_order = found.server_order;
                }
                facts.incomplete.extend(found.notes);
            }
            Job::Groups(Ok((found, notes))) => {
                facts.groups = found;
                facts.incomplete.extend(notes);
            }
            Job::Suites(v, Err(e)) => facts.incomplete.push(format!("{} suites: {e}", v.name())),
            Job::Groups(Err(e)) => facts.incomplete.push(format!("TLS 1.3 groups: {e}")),
            Job::Certificate(c) => facts.certificates.push(c),
            Job::Dh(bits) => facts.dh_bits = bits,
        }
    }
}

type Found = Result<(Vec<u16>, Vec<String>), ProbeError>;

/// One version's suites.
struct VersionSuites {
    /// In the server's order when it has one, else in the order found.
    suites: Vec<u16>,
    server_order: Option<bool>,
    notes: Vec<String>,
}

enum Job {
    Suites(ProbeVersion, Result<VersionSuites, ProbeError>),
    Groups(Found),
    Certificate(ServedCertificate),
    Dh(Option<u32>),
}

type JobFuture = std::pin::Pin<Box<dyn Future<Output = Job> + Send>>;

fn is_dhe(id: u16) -> bool {
    tls_parser::TlsCipherSuite::from_id(id).is_some_and(|s| s.kx == tls_parser::TlsCipherKx::Dhe)
}

/// Offer `pool`, remove the suite the server picks, repeat until it
/// refuses. The suites in the order picked, and notes on unclear answers.
async fn enumerate_suites(
    p: &Prober,
    v: ProbeVersion,
    mut pool: Vec<u16>,
    sni: Option<&str>,
) -> Found {
    let mut found = Vec::new();
    let mut notes = Vec::new();
    while !pool.is_empty() {
        match pick(p, v, &pool, groups_for(v), sni).await? {
            Pick::Suite(s) => {
                found.push(s);
                pool.retain(|c| *c != s);
            }
            Pick::Refused => break,
            Pick::Unclear(why) => {
                notes.push(format!("{} suites: {why}", v.name()));
                break;
            }
        }
    }
    Ok((found, notes))
}

/// TLS 1.3 groups: offer them with an empty key_share; the server's
/// HelloRetryRequest names its pick. Remove it and ask again.
async fn enumerate_groups(p: &Prober, known: Option<u16>, sni: Option<&str>) -> Found {
    let suites = suites_for(ProbeVersion::Tls13);
    let mut pool: Vec<u16> = GROUPS_TLS13.to_vec();
    let mut found = Vec::new();
    if let Some(g) = known.filter(|g| pool.contains(g)) {
        found.push(g);
        pool.retain(|x| *x != g);
    }
    let mut notes = Vec::new();
    while !pool.is_empty() {
        let answer = p
            .probe(
                ProbeVersion::Tls13,
                &suites,
                &pool,
                sni,
                ReadUntil::ServerHello,
            )
            .await?;
        match answer {
            Answer::Hello(f) => match f.group {
                Some(g) if pool.contains(&g) => {
                    found.push(g);
                    pool.retain(|x| *x != g);
                }
                _ => break,
            },
            Answer::Alert { .. } | Answer::Closed => break,
            other => {
                notes.push(format!("TLS 1.3 groups: {}", other.describe()));
                break;
            }
        }
    }
    Ok((found, notes))
}

/// Every suite the server accepts at `v`, given the one it picked first
/// from the whole list (in ascending code points), and whose order it
/// follows.
///
/// Offered the rest in the same order, a server that follows the client
/// picks the next higher code point; a server with its own order picks its
/// second choice, which is often lower — that proves its order at no cost,
/// and the pick-and-remove chain then yields the suites in that order.
/// When the pick is higher, one probe decides: offered that pick before
/// the first, a server with its own order still picks the first. The
/// client's order needs no order, so the rest of the list is then split
/// into chunks that run side by side.
async fn enumerate_version(
    p: &Prober,
    v: ProbeVersion,
    first: u16,
    sni: Option<&str>,
) -> Result<VersionSuites, ProbeError> {
    const CHUNKS: usize = 4;
    let mut pool: Vec<u16> = suites_for(v).into_iter().filter(|s| *s != first).collect();
    let mut notes = Vec::new();
    let second = match pick(p, v, &pool, groups_for(v), sni).await? {
        Pick::Suite(s) => s,
        Pick::Refused => {
            return Ok(VersionSuites {
                suites: vec![first],
                server_order: None,
                notes,
            })
        }
        Pick::Unclear(why) => {
            notes.push(format!("{} suites: {why}", v.name()));
            return Ok(VersionSuites {
                suites: vec![first],
                server_order: None,
                notes,
            });
        }
    };
    pool.retain(|s| *s != second);
    let servers_order = if second < first {
        true
    } else {
        match pick(p, v, &[second, first], groups_for(v), sni).await? {
            Pick::Suite(s) => s == first,
            Pick::Refused | Pick::Unclear(_) => {
                notes.push(format!("{} order: no clear answer", v.name()));
                false
            }
        }
    };
    if servers_order {
        let (rest, more) = enumerate_suites(p, v, pool, sni).await?;
        notes.extend(more);
        let suites: Vec<u16> = [first, second].into_iter().chain(rest).collect();
        return Ok(VersionSuites {
            suites,
            server_order: Some(true),
            notes,
        });
    }
    let size = pool.len().div_ceil(CHUNKS).max(1);
    let chunks: Vec<_> = pool
        .chunks(size)
        .map(|chunk| {
            let p = p.clone();
            let chunk = chunk.to_vec();
            let sni = sni.map(str::to_string);
            async move { enumerate_suites(&p, v, chunk, sni.as_deref()).await }
        })
        .collect();
    let mut suites = vec![first, second];
    for found in all(chunks).await {
        let (found, more) = found?;
        suites.extend(found);
        notes.extend(more);
    }
    Ok(VersionSuites {
        suites,
        server_order: Some(false),
        notes,
    })
}

/// What one suite-enumeration probe showed.
enum Pick {
    Suite(u16),
    Refused,
    Unclear(String),
}

/// Offer `offered` at `v`: the suite the server picks among them, a
/// refusal, or an unclear answer (a timeout, a malformed reply).
async fn pick(
    p: &Prober,
    v: ProbeVersion,
    offered: &[u16],
    groups: &[u16],
    sni: Option<&str>,
) -> Result<Pick, ProbeError> {
    Ok(
        match p
            .probe(v, offered, groups, sni, ReadUntil::ServerHello)
            .await?
        {
            Answer::Hello(f) if f.version == v.wire() && offered.contains(&f.cipher) => {
                Pick::Suite(f.cipher)
            }
            Answer::Hello(f) if f.version != v.wire() => Pick::Refused,
            Answer::Alert { .. } | Answer::Closed => Pick::Refused,
            other => Pick::Unclear(other.describe()),
        },
    )
}

/// The chain served for `sni`: from a raw TLS ≤ 1.2 probe, where it travels
/// in clear, else from a rustls handshake (TLS 1.3).
async fn fetch_certificate(
    p: &Prober,
    legacy: Option<ProbeVersion>,
    tls13: bool,
    sni: Option<String>,
) -> ServedCertificate {
    let (chain, how) = if let Some(v) = legacy {
        let suites = certificate_suites(v);
        match p
            .probe(
                v,
                &suites,
                GROUPS_TLS12,
                sni.as_deref(),
                ReadUntil::HelloDone,
            )
            .await
        {
            Ok(Answer::Hello(f)) => (f.certificates, format!("{} probe", v.name())),
            Ok(other) => (Vec::new(), other.describe()),
            Err(e) => (Vec::new(), e.to_string()),
        }
    } else if tls13 {
        match p.rustls_handshake(sni.as_deref()).await {
            Ok(chain) => (chain, "rustls (TLSv1.3)".to_string()),
            Err(e) => (Vec::new(), e.to_string()),
        }
    } else {
        (Vec::new(), "no version accepted".to_string())
    };
    ServedCertificate { sni, chain, how }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_lists_split_by_version() {
        let tls12 = suites_for(ProbeVersion::Tls12);
        assert!(tls12.contains(&0xc02f));
        assert!(
            tls12.contains(&0x000a),
            "3DES is offered: old servers have it"
        );
        assert!(!tls12.contains(&0x1301));
        assert!(!tls12.contains(&0x00ff));
        assert!(tls12.len() > 300, "{}", tls12.len());
        let tls13 = suites_for(ProbeVersion::Tls13);
        assert!(tls13.contains(&0x1301) && tls13.contains(&0x1305));
        assert!(tls13.iter().all(|s| (0x1301..=0x13ff).contains(s)));
        let certs = certificate_suites(ProbeVersion::Tls12);
        assert!(
            certs.contains(&0xc02f) && !certs.contains(&0x0018),
            "no anonymous DH"
        );
    }
}
