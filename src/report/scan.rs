//! `tlscheck scan`'s report: one serde type for JSON and people, built from
//! the probes' facts and `judge::legacy`'s reading of them.

use std::fmt::Write;

use serde::Serialize;

use super::human::{self, Painter};
use super::SCHEMA_VERSION;
use crate::facts::scan::ScanFacts;
use crate::facts::scan::{code_point, group_name, suite_name, ProbeVersion, VersionScan};
use crate::judge::legacy::{self, StackVerdict};
use crate::judge::{Finding, Severity};
use crate::observe;
use crate::settings::{Plan, Protocol};

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    pub target: ScanTarget,
    /// 0: every current client stack can connect; 1: one cannot (or, with
    /// `--strict`, the server accepts what current clients refuse); 3: the
    /// scan could not reach TLS.
    pub exit_code: i32,
    pub summary: String,
    /// TCP connections the probes made.
    pub connections: usize,
    /// At most this many were open at once.
    pub concurrency: usize,
    pub elapsed_ms: f64,
    pub error: Option<String>,
    /// SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3, in that order.
    pub versions: Vec<VersionReport>,
    /// TLS 1.3 key-exchange groups the server accepts.
    pub groups: Vec<GroupReport>,
    pub certificates: Vec<CertificateReport>,
    /// Whether the server answered renegotiation_info (TLS ≤ 1.2).
    pub secure_renegotiation: Option<bool>,
    /// The server's DHE prime, in bits, when it accepts DHE suites.
    pub dh_bits: Option<u32>,
    /// Whether each current client stack can connect, and with what.
    pub clients: Vec<StackVerdict>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanTarget {
    pub input: String,
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    pub protocol_reason: String,
    /// The SNI the probes send.
    pub sni: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub version: ProbeVersion,
    pub accepted: bool,
    /// What the server answered the version probe.
    pub answer: String,
    /// Current client stacks that refuse this version by default.
    pub refused_by: Vec<&'static str>,
    /// Whether the server picks by its own order (`null`: fewer than two
    /// suites). The suites are listed in that order when it does.
    pub server_order: Option<bool>,
    pub ciphers: Vec<CipherReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CipherReport {
    /// IANA code point, `0xC02F`.
    pub id: String,
    /// IANA name.
    pub name: String,
    /// What is weak about it (empty: nothing).
    pub weak: Vec<&'static str>,
    /// Current client stacks that would not use it.
    pub refused_by: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    /// The SNI sent (`null`: none).
    pub sni: Option<String>,
    pub leaf_sha256: Option<String>,
    pub subject: Option<String>,
    pub san_dns: Vec<String>,
    pub chain_length: usize,
    /// Not the certificate served for the target's own name.
    pub differs: bool,
    /// How it was read (`TLSv1.2 probe`, `rustls (TLSv1.3)`) or why none was.
    pub how: String,
}

impl ScanReport {
    pub fn new(plan: &Plan, scan: &ScanFacts, concurrency: usize, strict: bool) -> ScanReport {
        let versions: Vec<VersionReport> = scan.versions.iter().map(VersionReport::new).collect();
        let clients = if scan.error.is_some() {
            Vec::new()
        } else {
            legacy::stack_verdicts(scan)
        };
        let findings = legacy::findings(scan, plan.protocol);
        let stuck: Vec<&str> = clients
            .iter()
            .filter(|c| !c.connects)
            .map(|c| c.stack)
            .collect();
        let exit_code = exit_code(scan, &versions, &stuck, &findings, strict);
        ScanReport {
            schema_version: SCHEMA_VERSION,
            tlscheck_version: env!("CARGO_PKG_VERSION"),
            target: ScanTarget::new(plan),
            exit_code,
            summary: summary(plan, scan, exit_code, &stuck),
            connections: scan.connections,
            concurrency,
            elapsed_ms: (scan.elapsed_ms * 10.0).round() / 10.0,
            error: scan.error.clone(),
            versions,
            groups: scan
                .groups
                .iter()
                .map(|g| GroupReport {
                    id: code_point(*g),
                    name: group_name(*g),
                })
                .collect(),
            certificates: certificate_reports(scan),
            secure_renegotiation: scan.secure_renegotiation,
            dh_bits: scan.dh_bits,
            clients,
            findings,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl ScanTarget {
    fn new(plan: &Plan) -> ScanTarget {
        ScanTarget {
            input: plan.display.clone(),
            host: plan.host.clone(),
            port: plan.port,
            protocol: plan.protocol,
            protocol_reason: plan.protocol_reason.clone(),
            sni: plan.sni_sent(),
        }
    }
}

impl VersionReport {
    /// One version's probe, with what current clients make of it and of
    /// each suite.
    fn new(v: &VersionScan) -> VersionReport {
        VersionReport {
            version: v.version,
            accepted: v.accepted,
            answer: v.answer.clone(),
            refused_by: legacy::refuse_version(v.version),
            server_order: v.server_order,
            ciphers: v
                .ciphers
                .iter()
                .map(|c| CipherReport {
                    id: code_point(*c),
                    name: suite_name(*c),
                    weak: legacy::weaknesses(*c),
                    refused_by: legacy::refuse_suite(v.version, *c),
                })
                .collect(),
        }
    }
}

/// Each certificate the probes read, marked when it is not the one served
/// for the target's own name (the first).
fn certificate_reports(scan: &ScanFacts) -> Vec<CertificateReport> {
    let now = observe::now_unix();
    let own_leaf = scan
        .certificates
        .first()
        .and_then(|c| c.chain.first().cloned());
    scan.certificates
        .iter()
        .map(|c| {
            let leaf = c.chain.first().map(|der| observe::describe(0, der, now));
            CertificateReport {
                sni: c.sni.clone(),
                leaf_sha256: leaf.as_ref().map(|l| l.sha256.clone()),
                subject: leaf.as_ref().map(|l| l.subject.clone()),
                san_dns: leaf.map(|l| l.san_dns).unwrap_or_default(),
                chain_length: c.chain.len(),
                differs: !c.chain.is_empty()
                    && own_leaf.is_some()
                    && c.chain.first() != own_leaf.as_ref(),
                how: c.how.clone(),
            }
        })
        .collect()
}

/// 3 when the scan could not reach TLS; 1 when a current client stack
/// cannot connect or, with `strict`, the server accepts what current
/// clients refuse or something is worth a warning; else 0.
fn exit_code(
    scan: &ScanFacts,
    versions: &[VersionReport],
    stuck: &[&str],
    findings: &[Finding],
    strict: bool,
) -> i32 {
    let refused_accepted = versions.iter().any(|v| {
        v.accepted && (!v.refused_by.is_empty() || v.ciphers.iter().any(|c| !c.weak.is_empty()))
    });
    if scan.error.is_some() {
        3
    } else if !stuck.is_empty()
        || (strict && (refused_accepted || findings.iter().any(|f| f.severity != Severity::Info)))
    {
        1
    } else {
        0
    }
}

/// The verdict in one line.
fn summary(plan: &Plan, scan: &ScanFacts, exit_code: i32, stuck: &[&str]) -> String {
    let accepted: Vec<&str> = scan.accepted().map(|v| v.version.name()).collect();
    match &scan.error {
        Some(e) => format!("UNREACHABLE {}:{}: {e}", plan.host, plan.port),
        None if accepted.is_empty() => {
            format!(
                "FAIL {}:{}: the server accepted no TLS version",
                plan.host, plan.port
            )
        }
        None => {
            let word = if exit_code == 0 { "PASS" } else { "FAIL" };
            let who = if stuck.is_empty() {
                "every current client stack can connect".to_string()
            } else {
                format!("{} cannot connect", stuck.join(", "))
            };
            format!(
                "{word} {}:{} ({}) speaks {}; {who}",
                plan.host,
                plan.port,
                plan.protocol.name(),
                accepted.join(", ")
            )
        }
    }
}

/// The scan for people: the summary, a table per version, the groups, the
/// certificates by name, which clients connect, the findings.
pub fn render(r: &ScanReport, p: Painter) -> String {
    let mut out = String::new();
    headline(&mut out, r, p);
    if r.error.is_some() {
        return out;
    }
    versions_table(&mut out, &r.versions, p);
    for v in r.versions.iter().filter(|v| v.accepted) {
        cipher_table(&mut out, v, p);
    }
    if !r.groups.is_empty() {
        let names: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
        let _ = writeln!(out, "\n{} {}", p.bold("TLS 1.3 groups:"), names.join(", "));
    }
    if let Some(bits) = r.dh_bits {
        let _ = writeln!(out, "{} {bits} bits", p.bold("DHE group:"));
    }
    if !r.certificates.is_empty() {
        certificates_table(&mut out, &r.certificates, p);
    }
    if !r.clients.is_empty() {
        clients_table(&mut out, &r.clients, p);
    }
    if !r.findings.is_empty() {
        human::finding_list(&mut out, "Findings", &r.findings, p);
    }
    out
}

/// The summary, and how many connections the scan took.
fn headline(out: &mut String, r: &ScanReport, p: Painter) {
    let head = if r.exit_code == 0 {
        p.green(&r.summary)
    } else {
        p.red(&r.summary)
    };
    let _ = writeln!(out, "{head}");
    let _ = writeln!(
        out,
        "{}",
        p.dim(&format!(
            "{} connections, at most {} at once, {:.0} ms",
            r.connections, r.concurrency, r.elapsed_ms
        ))
    );
}

/// Each version: accepted or refused, and whether current clients refuse it.
fn versions_table(out: &mut String, versions: &[VersionReport], p: Painter) {
    human::heading(out, "Versions", p);
    for v in versions {
        let state = if v.accepted {
            if v.refused_by.is_empty() {
                p.green("accepted")
            } else {
                p.yellow("accepted")
            }
        } else {
            p.dim("refused ")
        };
        let note = if v.accepted && !v.refused_by.is_empty() {
            p.yellow("  current clients refuse it")
        } else if !v.accepted {
            p.dim(&format!("  ({})", v.answer))
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {:<8} {state}{note}", v.version.name());
    }
}

/// An accepted version's suites, with what is weak and who would not use
/// each.
fn cipher_table(out: &mut String, v: &VersionReport, p: Painter) {
    let order = match v.server_order {
        Some(true) => "server's order",
        Some(false) => "client's order",
        None => "order not applicable",
    };
    let _ = writeln!(
        out,
        "\n{} {}",
        p.bold(&format!("{} cipher suites", v.version.name())),
        p.dim(&format!("({}, {order})", v.ciphers.len()))
    );
    for c in &v.ciphers {
        let mut notes = Vec::new();
        if !c.weak.is_empty() {
            notes.push(p.yellow(&c.weak.join(", ")));
        }
        if !c.refused_by.is_empty() && c.refused_by.len() < legacy::STACKS.len() {
            notes.push(p.dim(&format!("not used by {}", c.refused_by.join(", "))));
        }
        let _ = writeln!(out, "  {} {:<48} {}", c.id, c.name, notes.join("; "));
    }
}

/// The certificate served for each name sent.
fn certificates_table(out: &mut String, certificates: &[CertificateReport], p: Painter) {
    human::heading(out, "Certificates", p);
    for c in certificates {
        let name = c
            .sni
            .as_deref()
            .map(|s| format!("SNI {s}"))
            .unwrap_or_else(|| "no SNI".into());
        let what = match (&c.subject, &c.leaf_sha256) {
            (Some(s), Some(h)) => {
                let mark = if c.differs {
                    p.yellow(" (a different certificate)")
                } else {
                    String::new()
                };
                format!("{s}  sha256 {}…{mark}", &h[..h.len().min(16)])
            }
            _ => p.dim(&format!("none ({})", c.how)),
        };
        let _ = writeln!(out, "  {name:<32} {what}");
    }
}

/// Whether each current client stack connects, and with what.
fn clients_table(out: &mut String, clients: &[StackVerdict], p: Painter) {
    human::heading(out, "Clients", p);
    for c in clients {
        let mark = if c.connects {
            p.green("connects")
        } else {
            p.red("FAILS   ")
        };
        let _ = writeln!(out, "  {mark} {:<26} {}", c.stack, p.dim(&c.detail));
    }
}
