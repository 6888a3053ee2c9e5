//! `tlscheck cert FILE…`: the facts about local certificates, CRLs and keys,
//! whether the chain they make verifies, whether each key matches a
//! certificate, and expiry against the thresholds.
//!
//! Facts come from `observe` (the same as for a served chain), chain
//! validity from `judge::chain::verify`, exactly as for `connect`.

use std::path::PathBuf;

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use x509_parser::prelude::{CertificateRevocationList, FromDer};

use crate::check;
use crate::files::{key_entry, FileSummary, KeyEntry, Loaded};
use crate::judge::chain::{self, CrlPolicy};
use crate::judge::TrustVerdict;
use crate::observe::{self, CertFacts};
use crate::report::{Report, SCHEMA_VERSION};
use crate::settings::Plan;
use crate::trust::{self, SourceKind, TrustSource};

/// `cert --host`: the chain the files hold (leaf first, in the order
/// given) judged for the plan's host as `connect` judges a served chain,
/// with CRLs among the files added to the plan's.
pub fn judge_for_host(loaded: &Loaded, plan: &Plan) -> Result<Report, String> {
    if loaded.certs.is_empty() {
        return Err("--host judges a certificate chain, and the files hold no certificate".into());
    }
    let mut trust = check::load_trust(plan);
    for (file, der) in &loaded.crls {
        trust.crls.add_bytes(der, &file_name_of(loaded, *file));
    }
    let chain = loaded.certs.iter().map(|(_, c)| c.to_vec()).collect();
    let mut files: Vec<String> = Vec::new();
    for (file, _) in &loaded.certs {
        let name = file_name_of(loaded, *file);
        if !files.contains(&name) {
            files.push(name);
        }
    }
    Ok(check::judge_files(plan, chain, files, &trust))
}

fn file_name_of(loaded: &Loaded, file: usize) -> String {
    loaded
        .files
        .get(file)
        .map(|f| f.path.clone())
        .unwrap_or_else(|| format!("file {file}"))
}

/// How `cert` runs.
#[derive(Debug, Clone)]
pub struct CertOptions {
    /// Verify against this root file instead of the OS store.
    pub ca_file: Option<PathBuf>,
    pub warn_days: i64,
    pub fail_days: i64,
}

/// The result of `tlscheck cert`: one serde type for both outputs.
#[derive(Debug, Clone, Serialize)]
pub struct CertReport {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    pub files: Vec<FileSummary>,
    pub warn_days: i64,
    pub fail_days: i64,
    pub certificates: Vec<CertEntry>,
    pub crls: Vec<CrlEntry>,
    pub keys: Vec<KeyEntry>,
    /// The chain made of the certificates given, leaf first, against each
    /// trust source; absent when no end-entity certificate was given.
    pub chain: Option<ChainCheck>,
    /// Why the exit code is not 0, one line each.
    pub problems: Vec<String>,
    pub exit_code: i32,
    pub summary: String,
}

/// One certificate: the facts as for a served chain, where it came from,
/// and its expiry against the thresholds.
#[derive(Debug, Clone, Serialize)]
pub struct CertEntry {
    pub file: String,
    /// `ok`, `warn` (within --warn-days), `fail` (within --fail-days),
    /// `expired`, `not-yet-valid`, or `unreadable`.
    pub expiry: &'static str,
    #[serde(flatten)]
    pub facts: CertFacts,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrlEntry {
    pub file: String,
    pub issuer: String,
    pub this_update: String,
    pub next_update: Option<String>,
    /// The next update is in the past: clients that check CRLs refuse a stale one.
    pub stale: bool,
    /// How many serials it revokes.
    pub revoked: usize,
    /// Positions of the certificates given that this CRL revokes (same issuer and serial).
    pub revokes: Vec<usize>,
    /// Position of a certificate given whose subject is this CRL's issuer.
    pub issuer_certificate: Option<usize>,
    pub parse_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainCheck {
    /// Position of the certificate taken as the leaf: the first that is not a CA.
    pub leaf: usize,
    /// Positions of the other certificates offered as intermediates.
    pub intermediates: Vec<usize>,
    /// The chain against the OS store, the Mozilla bundle and --ca-file.
    pub trust: Vec<TrustVerdict>,
    /// The source that decides: the CA file when given, else the OS store.
    pub verdict_trust: String,
    pub valid: bool,
}

/// Inspect what was read.
pub fn inspect(loaded: &Loaded, opts: &CertOptions, now_unix: i64) -> CertReport {
    let file_name = |i: usize| loaded.files[i].path.clone();
    let mut problems = Vec::new();

    // Certificates.
    let certificates: Vec<CertEntry> = loaded
        .certs
        .iter()
        .enumerate()
        .map(|(pos, (file, der))| {
            let facts = observe::describe(pos, der, now_unix);
            let expiry = expiry(&facts, opts, now_unix);
            CertEntry {
                file: file_name(*file),
                expiry,
                facts,
            }
        })
        .collect();
    for c in &certificates {
        let who = format!("[{}] {}", c.facts.position, c.facts.subject);
        match c.expiry {
            "expired" => problems.push(format!("{who} expired on {}", c.facts.not_after)),
            "not-yet-valid" => {
                problems.push(format!("{who} is valid only from {}", c.facts.not_before))
            }
            "fail" => problems.push(format!(
                "{who} expires in {} days (--fail-days {})",
                c.facts.days_left, opts.fail_days
            )),
            "unreadable" => problems.push(format!(
                "[{}] cannot be parsed: {}",
                c.facts.position,
                c.facts.parse_error.as_deref().unwrap_or("")
            )),
            _ => {}
        }
    }

    // CRLs.
    let crls: Vec<CrlEntry> = loaded
        .crls
        .iter()
        .map(|(file, der)| crl_entry(file_name(*file), der, &certificates, now_unix))
        .collect();

    // Keys.
    let keys: Vec<KeyEntry> = loaded
        .keys
        .iter()
        .map(|k| key_entry(file_name(k.file), k, &loaded.certs))
        .collect();
    for k in &keys {
        if let Some(e) = &k.error {
            problems.push(format!("the key in {}: {e}", k.file));
        } else if k.matches.is_empty() && !certificates.is_empty() {
            problems.push(format!(
                "the {} key in {} matches none of the certificates given",
                k.key_type.as_deref().unwrap_or(""),
                k.file
            ));
        }
    }

    // The chain.
    let chain = chain_check(loaded, &certificates, opts, now_unix);
    if let Some(c) = &chain {
        if !c.valid {
            let why = c
                .trust
                .iter()
                .find(|t| t.used_for_verdict)
                .and_then(|t| t.verdict.detail.clone())
                .unwrap_or_default();
            problems.push(format!(
                "the chain does not verify against {}: {why}",
                c.verdict_trust
            ));
        }
    }

    let unreadable_key = keys.iter().any(|k| k.error.is_some());
    let exit_code = if unreadable_key {
        2
    } else if problems.is_empty() {
        0
    } else {
        1
    };
    let mut counts = vec![format!("{} certificate(s)", certificates.len())];
    if !keys.is_empty() {
        counts.push(format!("{} key(s)", keys.len()));
    }
    if !crls.is_empty() {
        counts.push(format!("{} CRL(s)", crls.len()));
    }
    let counts = counts.join(", ");
    let summary = match (&chain, problems.first()) {
        (_, Some(first)) => format!("FAIL {counts}: {first}"),
        (Some(c), None) => format!(
            "OK {counts}: the chain verifies against {}",
            c.verdict_trust
        ),
        (None, None) => format!("OK {counts}"),
    };
    CertReport {
        schema_version: SCHEMA_VERSION,
        tlscheck_version: env!("CARGO_PKG_VERSION"),
        files: loaded.files.clone(),
        warn_days: opts.warn_days,
        fail_days: opts.fail_days,
        certificates,
        crls,
        keys,
        chain,
        problems,
        exit_code,
        summary,
    }
}

fn expiry(f: &CertFacts, opts: &CertOptions, now: i64) -> &'static str {
    if f.parse_error.is_some() {
        "unreadable"
    } else if f.not_after_unix < now {
        "expired"
    } else if f.not_before_unix > now {
        "not-yet-valid"
    } else if f.days_left < opts.fail_days {
        "fail"
    } else if f.days_left < opts.warn_days {
        "warn"
    } else {
        "ok"
    }
}

pub(crate) fn crl_entry(file: String, der: &[u8], certs: &[CertEntry], now_unix: i64) -> CrlEntry {
    let crl = match CertificateRevocationList::from_der(der) {
        Ok((_, crl)) => crl,
        Err(e) => {
            return CrlEntry {
                file,
                issuer: String::new(),
                this_update: String::new(),
                next_update: None,
                stale: false,
                revoked: 0,
                revokes: Vec::new(),
                issuer_certificate: None,
                parse_error: Some(e.to_string()),
            }
        }
    };
    let issuer_der = crl.issuer().as_raw();
    let serials: Vec<String> = crl
        .iter_revoked_certificates()
        .map(|r| observe::colon_hex(r.raw_serial()))
        .collect();
    let revokes = certs
        .iter()
        .filter(|c| c.facts.issuer_der == issuer_der && serials.contains(&c.facts.serial))
        .map(|c| c.facts.position)
        .collect();
    let next = crl.next_update().map(|t| t.timestamp());
    CrlEntry {
        file,
        issuer: crl.issuer().to_string(),
        this_update: observe::rfc3339(crl.last_update().timestamp()),
        next_update: next.map(observe::rfc3339),
        stale: next.is_some_and(|n| n < now_unix),
        revoked: serials.len(),
        revokes,
        issuer_certificate: certs
            .iter()
            .find(|c| c.facts.subject_der == issuer_der)
            .map(|c| c.facts.position),
        parse_error: None,
    }
}

/// The key's public half, compared with each certificate's subjectPublicKey.
fn chain_check(
    loaded: &Loaded,
    certs: &[CertEntry],
    opts: &CertOptions,
    now_unix: i64,
) -> Option<ChainCheck> {
    let leaf = certs
        .iter()
        .find(|c| c.facts.parse_error.is_none() && c.facts.is_ca != Some(true))?
        .facts
        .position;
    let mut order = vec![leaf];
    order.extend((0..certs.len()).filter(|&i| i != leaf));
    let chain: Vec<CertificateDer<'static>> =
        order.iter().map(|&i| loaded.certs[i].1.clone()).collect();
    let facts = observe::describe_chain(&chain, now_unix);

    let mut sources: Vec<TrustSource> = vec![trust::os_store(), trust::mozilla()];
    if let Some(ca) = &opts.ca_file {
        sources.push(trust::ca_file(ca));
    }
    let deciding = if opts.ca_file.is_some() {
        SourceKind::CaFile
    } else {
        SourceKind::Os
    };
    let crls = (!loaded.crls.is_empty()).then(|| {
        let mut crls = trust::Crls::default();
        for (file, der) in &loaded.crls {
            crls.add_bytes(der, &loaded.files[*file].path);
        }
        crls
    });
    let mut trust: Vec<TrustVerdict> = sources
        .iter()
        .map(|s| TrustVerdict {
            source: s.kind,
            label: s.label.clone(),
            location: s.location.clone(),
            roots: s.anchors.len(),
            used_for_verdict: s.kind == deciding,
            verdict: chain::verify(
                &chain,
                &facts,
                s,
                crls.as_ref(),
                CrlPolicy::LeafLenient,
                now_unix,
            ),
        })
        .collect();
    // The judge words a missing or untrusted issuer for a served chain;
    // these are files.
    let top = facts.last().unwrap_or(&facts[0]);
    for t in &mut trust {
        match t.verdict.problem {
            Some(chain::ChainProblem::MissingIntermediate) => {
                t.verdict.detail = Some(format!(
                    "the files give {} without its issuer {}: add the intermediate certificate",
                    top.subject, top.issuer
                ));
            }
            Some(chain::ChainProblem::UnknownIssuer) if top.self_issued && facts.len() > 1 => {
                t.verdict.detail = Some(format!(
                    "the root {}, given in the files, is not trusted here (to trust it, give it with --ca-file)",
                    top.subject
                ));
            }
            _ => {}
        }
    }
    let valid = trust.iter().any(|t| t.used_for_verdict && t.verdict.valid);
    let verdict_trust = match &opts.ca_file {
        Some(p) => format!("the CA file {}", p.display()),
        None => "the OS store (no --ca-file given)".into(),
    };
    Some(ChainCheck {
        leaf,
        intermediates: order[1..].to_vec(),
        trust,
        verdict_trust,
        valid,
    })
}
