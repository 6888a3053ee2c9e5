//! What monitoring and CI add on top of a client's verdict: expiry
//! thresholds, revocation answers, and `--strict`.
//!
//! The `modes` table stays what each client would decide; the chosen
//! mode's verdict is then tightened here, and says why.

use serde::Serialize;

use super::findings::{finding, short_name, Finding, Severity};
use super::revocation::OcspVerdict;
use super::{ModeVerdict, Outcome};
use crate::observe::Facts;
use crate::settings::Plan;
use crate::trust::Crls;

#[derive(Debug, Clone, Serialize)]
pub struct ExpiryReport {
    pub warn_days: u32,
    /// `null` when no --fail-days was given (expired certificates then fail
    /// only modes that check the certificate).
    pub fail_days: Option<u32>,
    /// The served certificate that expires first.
    pub first_to_expire: Option<ExpiringCertificate>,
    pub certificates: Vec<ExpiringCertificate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiringCertificate {
    pub position: usize,
    pub subject: String,
    pub not_after: String,
    pub days_left: i64,
    /// `ok`, `warn`, `fail` (within --fail-days), `expired` or `not-yet-valid`.
    pub status: &'static str,
}

pub fn expiry(facts: &Facts, plan: &Plan) -> ExpiryReport {
    let now = facts.judged_unix;
    let certificates: Vec<ExpiringCertificate> = facts
        .chain
        .iter()
        .filter(|c| c.parse_error.is_none())
        .map(|c| {
            let status = if c.not_after_unix < now {
                "expired"
            } else if c.not_before_unix > now {
                "not-yet-valid"
            } else if plan.fail_days.is_some_and(|d| c.days_left < i64::from(d)) {
                "fail"
            } else if c.days_left <= i64::from(plan.warn_days) {
                "warn"
            } else {
                "ok"
            };
            ExpiringCertificate {
                position: c.position,
                subject: c.subject.clone(),
                not_after: c.not_after.clone(),
                days_left: c.days_left,
                status,
            }
        })
        .collect();
    ExpiryReport {
        warn_days: plan.warn_days,
        fail_days: plan.fail_days,
        first_to_expire: certificates.iter().min_by_key(|c| c.days_left).cloned(),
        certificates,
    }
}

/// Findings about expiry thresholds (expired and not-yet-valid certificates
/// are the chain's findings).
pub fn expiry_findings(report: &ExpiryReport, verifying: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &report.certificates {
        match c.status {
            "fail" => out.push(finding(
                "expiry-policy",
                Severity::Error,
                format!("{} expires in {} days", short_name(&c.subject), c.days_left),
                format!(
                    "notAfter {}; --fail-days {} fails the check within that many days",
                    c.not_after,
                    report.fail_days.unwrap_or(0)
                ),
                Some("renew the certificate now".into()),
            )),
            "warn" => out.push(finding(
                "expires-soon",
                Severity::Warning,
                format!("{} expires in {} days", short_name(&c.subject), c.days_left),
                format!(
                    "notAfter {} (warning within {} days)",
                    c.not_after, report.warn_days
                ),
                Some(
                    "renew it before it expires; every verifying client will refuse it then".into(),
                ),
            )),
            "expired" if report.fail_days.is_some() && !verifying => out.push(finding(
                "expiry-policy",
                Severity::Error,
                format!("{} has expired", short_name(&c.subject)),
                format!(
                    "notAfter {}; clients that do not check certificates still connect",
                    c.not_after
                ),
                Some("renew the certificate".into()),
            )),
            _ => {}
        }
    }
    out
}

/// Tighten the chosen mode's verdict with the policy: revoked answers fail
/// modes that check the certificate, `--fail-days` fails every mode.
pub fn tighten(
    verdict: &mut ModeVerdict,
    plan: &Plan,
    verifying: bool,
    ocsp: &[OcspVerdict],
    expiry: &ExpiryReport,
) {
    if verdict.result != Outcome::Pass {
        return;
    }
    if verifying {
        if let Some(r) = ocsp
            .iter()
            .find(|o| o.trustworthy && o.status == Some("revoked"))
        {
            verdict.result = Outcome::Fail;
            verdict.reason = format!(
                "the {} OCSP response says certificate {} is revoked{}",
                if r.source == "stapled" {
                    "stapled"
                } else {
                    "responder's"
                },
                r.position,
                r.revocation_time
                    .as_deref()
                    .map(|t| format!(" since {t}"))
                    .unwrap_or_default()
            );
            return;
        }
    }
    if plan.fail_days.is_some() {
        if let Some(c) = expiry
            .certificates
            .iter()
            .find(|c| c.status == "fail" || c.status == "expired")
        {
            verdict.result = Outcome::Fail;
            verdict.reason = format!(
                "{} {} (--fail-days {})",
                short_name(&c.subject),
                if c.status == "expired" {
                    "has expired".to_string()
                } else {
                    format!("expires in {} days", c.days_left)
                },
                plan.fail_days.unwrap_or(0)
            );
        }
    }
}

/// `--strict`: any warning fails the check.
pub fn strict(verdict: &mut ModeVerdict, plan: &Plan, findings: &[Finding]) {
    if !plan.strict || verdict.result != Outcome::Pass {
        return;
    }
    let warnings: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.id)
        .collect();
    if !warnings.is_empty() {
        verdict.result = Outcome::Fail;
        verdict.reason = format!(
            "{} (--strict: warnings fail the check: {})",
            verdict.reason,
            warnings.join(", ")
        );
    }
}

/// Findings about OCSP answers, must-staple and CRL sources.
pub fn revocation_findings(
    facts: &Facts,
    plan: &Plan,
    ocsp: &[OcspVerdict],
    crls: &Crls,
    verifying: bool,
) -> Vec<Finding> {
    let sev = if verifying {
        Severity::Error
    } else {
        Severity::Warning
    };
    let mut out: Vec<Finding> = ocsp
        .iter()
        .filter_map(|v| ocsp_answer_finding(facts, v, sev))
        .collect();
    out.extend(ocsp_query_findings(facts));
    if plan.crl_fetch {
        out.extend(crl_fetch_findings(facts));
    }
    out.extend(crls.errors.iter().map(|e| {
        finding(
            "crl-unusable",
            Severity::Warning,
            "a CRL could not be used",
            e.clone(),
            None,
        )
    }));
    out.extend(must_staple_finding(facts));
    out
}

/// What one OCSP answer says, when it says something worth a finding:
/// revoked (at `sev`), unknown, or not to be relied on.
fn ocsp_answer_finding(facts: &Facts, v: &OcspVerdict, sev: Severity) -> Option<Finding> {
    let stapled = v.source == "stapled";
    let what = if stapled {
        "the stapled OCSP response".to_string()
    } else {
        format!("the OCSP responder {}", v.url.as_deref().unwrap_or(""))
    };
    let subject = facts
        .chain
        .get(v.position)
        .map(|c| short_name(&c.subject).to_string())
        .unwrap_or_default();
    if v.trustworthy && v.status == Some("revoked") {
        Some(finding(
            if stapled { "ocsp-staple-revoked" } else { "ocsp-revoked" },
            sev,
            format!("{what} says {subject} is revoked"),
            format!(
                "revoked {}{}; signed by {}",
                v.revocation_time.as_deref().unwrap_or("(time not given)"),
                v.revocation_reason.as_deref().map(|r| format!(", reason {r}")).unwrap_or_default(),
                v.signer.as_deref().unwrap_or("?")
            ),
            Some("the server needs a new certificate; OCSP-checking clients (MongoDB drivers ≥ 4.4, browsers) refuse this one".into()),
        ))
    } else if v.trustworthy && v.status == Some("unknown") {
        Some(finding(
            "ocsp-unknown",
            Severity::Warning,
            format!("{what} does not know {subject}"),
            "the responder answered unknown: it does not serve this issuer, or the certificate is not in its database",
            None,
        ))
    } else if !v.trustworthy {
        Some(finding(
            if stapled {
                "ocsp-staple-invalid"
            } else {
                "ocsp-response-invalid"
            },
            Severity::Warning,
            format!("{what} cannot be relied on"),
            v.problems.join("; "),
            Some(if stapled {
                "fix the server's OCSP stapling (a stale cache, or a response for another certificate); clients that check staples (MongoDB drivers ≥ 4.4) reject invalid ones".into()
            } else {
                "check the responder; meanwhile a CRL (--crl-fetch) can answer the same question"
                    .into()
            }),
        ))
    } else {
        None
    }
}

/// OCSP responders that could not be asked (or that a certificate does not name).
fn ocsp_query_findings(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for q in &facts.ocsp_queries {
        if let Some(e) = &q.error {
            let private_no_url = q.url.is_none();
            out.push(finding(
                "ocsp-query-failed",
                if private_no_url { Severity::Info } else { Severity::Warning },
                if private_no_url {
                    format!("certificate {} names no OCSP responder", q.position)
                } else {
                    format!("could not ask the OCSP responder about certificate {}", q.position)
                },
                e.clone(),
                private_no_url.then(|| "normal for a private CA: revocation can then be checked only with a CRL file (--crl-file)".to_string()),
            ));
        }
    }
    out
}

/// With `--crl-fetch`: certificates that name no CRL, and CRLs that could
/// not be downloaded.
fn crl_fetch_findings(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &facts.chain {
        if c.crl_urls.is_empty() && !c.self_issued {
            out.push(finding(
                "no-crl-url",
                Severity::Info,
                format!("{} names no CRL distribution point", short_name(&c.subject)),
                "normal for a private CA",
                None,
            ));
        }
    }
    for d in facts.crl_downloads.iter().filter(|d| d.error.is_some()) {
        out.push(finding(
            "crl-fetch-failed",
            Severity::Warning,
            format!("could not download the CRL {}", d.url),
            d.error.clone().unwrap_or_default(),
            None,
        ));
    }
    out
}

/// A must-staple leaf, on a completed handshake, with nothing stapled.
fn must_staple_finding(facts: &Facts) -> Option<Finding> {
    let leaf = facts.chain.first()?;
    let stapled = facts.ocsp_staple.is_some();
    let handshake_done = facts.tls.as_ref().is_some_and(|t| t.session.is_some());
    (leaf.must_staple && !stapled && handshake_done).then(|| {
        finding(
            "must-staple-missing",
            Severity::Warning,
            "the certificate requires OCSP stapling, but nothing was stapled",
            format!("{} carries the TLS feature status_request (must-staple)", leaf.subject),
            Some("enable OCSP stapling on the server; browsers and rustls-based clients that honour must-staple refuse this".into()),
        )
    })
}
