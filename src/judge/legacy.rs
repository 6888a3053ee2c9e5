//! What the probes' findings mean to today's client stacks: which versions
//! and suites each one refuses by default, whether each can connect at all,
//! what is weak, and the fix. The rules are each stack's documented
//! defaults; the OpenSSL and Python ones are checked against `openssl
//! ciphers` in the tests.

use serde::Serialize;
use tls_parser::{TlsCipherAu as Au, TlsCipherEnc as Enc};
use tls_parser::{TlsCipherKx as Kx, TlsCipherMac as Mac, TlsCipherSuite};

use super::findings::{finding, Finding, Severity};
use crate::clients::stacks::Stack;
pub use crate::clients::stacks::STACKS;
use crate::facts::scan::ScanFacts;
use crate::facts::scan::{group_name, suite_name, ProbeVersion};
use crate::settings::Protocol;

/// The stacks that refuse `version` by default.
pub fn refuse_version(version: ProbeVersion) -> Vec<&'static str> {
    if version >= ProbeVersion::Tls12 {
        Vec::new()
    } else {
        STACKS.iter().map(|s| s.name).collect()
    }
}

/// The stacks that would not use `suite` at `version`.
pub fn refuse_suite(version: ProbeVersion, suite: u16) -> Vec<&'static str> {
    STACKS
        .iter()
        .filter(|s| !s.accepts(version, suite))
        .map(|s| s.name)
        .collect()
}

/// What is weak about a suite, in words.
pub fn weaknesses(suite: u16) -> Vec<&'static str> {
    let Some(s) = TlsCipherSuite::from_id(suite) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if s.enc == Enc::Null {
        out.push("no encryption");
    }
    if s.au == Au::Null && s.kx != Kx::Tls13 {
        out.push("no authentication (anonymous)");
    }
    if s.name.contains("EXPORT") {
        out.push("export-grade");
    }
    match s.enc {
        Enc::Rc4 => out.push("RC4"),
        Enc::Des => out.push("DES"),
        Enc::TripleDes => out.push("3DES (64-bit block: Sweet32)"),
        Enc::Rc2 | Enc::Idea => out.push("obsolete cipher"),
        _ => {}
    }
    if s.mac == Mac::HmacMd5 {
        out.push("MD5");
    }
    if matches!(s.kx, Kx::Rsa | Kx::Dh | Kx::Ecdh | Kx::Psk | Kx::Krb5) {
        out.push("no forward secrecy");
    }
    out
}

/// Whether one stack could connect, and with what.
#[derive(Debug, Clone, Serialize)]
pub struct StackVerdict {
    pub stack: &'static str,
    pub who: &'static str,
    pub connects: bool,
    /// The version and suite it would get (its own first choice among what
    /// the server accepts), or why it gets none.
    pub detail: String,
}

/// For each stack: can it connect to what the scan found?
pub fn stack_verdicts(scan: &ScanFacts) -> Vec<StackVerdict> {
    STACKS.iter().map(|stack| stack.verdict(scan)).collect()
}

impl Stack {
    /// Whether this stack can connect to what the scan found: the version
    /// and suite it would get (its best among what the server accepts).
    pub fn verdict(&self, scan: &ScanFacts) -> StackVerdict {
        let mut best = None;
        for v in scan.accepted().rev() {
            let shared_group = v.version != ProbeVersion::Tls13
                || scan.groups.is_empty()
                || scan.groups.iter().any(|g| self.groups13.contains(g));
            if let Some(c) = v.ciphers.iter().find(|c| self.accepts(v.version, **c)) {
                if shared_group {
                    best = Some(format!("{} {}", v.version.name(), suite_name(*c)));
                    break;
                }
            }
        }
        let detail = match &best {
            Some(b) => b.clone(),
            None => why_not(self, scan),
        };
        StackVerdict {
            stack: self.name,
            who: self.who,
            connects: best.is_some(),
            detail,
        }
    }
}

fn why_not(stack: &Stack, scan: &ScanFacts) -> String {
    let modern: Vec<_> = scan
        .accepted()
        .filter(|v| v.version >= ProbeVersion::Tls12)
        .collect();
    if modern.is_empty() {
        let versions: Vec<&str> = scan.accepted().map(|v| v.version.name()).collect();
        if versions.is_empty() {
            return "the server accepted no version".into();
        }
        return format!(
            "it requires TLS 1.2 or later; the server speaks only {}",
            versions.join(", ")
        );
    }
    if modern.iter().any(|v| v.version == ProbeVersion::Tls13)
        && !scan.groups.is_empty()
        && !scan.groups.iter().any(|g| stack.groups13.contains(g))
    {
        return "no TLS 1.3 key-exchange group in common".into();
    }
    let n: usize = modern.iter().map(|v| v.ciphers.len()).sum();
    let suites = if n == 1 { "suite" } else { "suites" };
    format!("no cipher suite in common (it offers none of the {n} {suites} the server accepts)")
}

/// Where the server's TLS versions and suites are set, per protocol.
pub fn server_fix(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Postgres => {
            "on the server, `ssl_min_protocol_version = 'TLSv1.2'` and an `ssl_ciphers` with ECDHE and AES-GCM \
             (the default `HIGH:MEDIUM:+3DES:!aNULL` has them), then reload; PostgreSQL before 12 cannot set a minimum: upgrade it"
        }
        Protocol::Mysql => {
            "on the server, `tls_version = TLSv1.2,TLSv1.3` (MySQL 5.7.28+ and 8.0 built with OpenSSL, MariaDB 10.4.6+); \
             MySQL 5.6 and community 5.7 before 5.7.28 use yaSSL, which stops at TLS 1.1: upgrade the server"
        }
        Protocol::Mongo => {
            "on the server, `net.tls.disabledProtocols: TLS1_0,TLS1_1` and a TLS 1.2-capable OpenSSL (MongoDB 4.0+)"
        }
        Protocol::Tls => "in the load balancer's or proxy's TLS policy: minimum TLS 1.2, ECDHE with AES-GCM",
    }
}

/// Findings from a scan (also used by `connect` when its handshake failed
/// and the probes explain why), one function per kind.
pub fn findings(scan: &ScanFacts, protocol: Protocol) -> Vec<Finding> {
    let mut out = Vec::new();
    if scan.error.is_some() {
        return out;
    }
    let accepted: Vec<ProbeVersion> = scan.accepted().map(|v| v.version).collect();
    let legacy: Vec<&str> = accepted
        .iter()
        .filter(|v| **v < ProbeVersion::Tls12)
        .map(|v| v.name())
        .collect();
    out.extend(cannot_connect(scan, &accepted, &legacy, protocol));
    out.extend(legacy_versions_accepted(&accepted, &legacy, protocol));
    out.extend(weak_ciphers(scan));
    out.extend(no_secure_renegotiation(scan));
    out.extend(small_dh(scan));
    out.extend(no_tls13(&accepted));
    out.extend(sni_certificate_differs(scan));
    out.extend(scan_incomplete(scan));
    out
}

/// Why no current client stack, or some of them, can connect at all: no
/// version accepted, only versions they refuse, or no suite in common.
fn cannot_connect(
    scan: &ScanFacts,
    accepted: &[ProbeVersion],
    legacy: &[&str],
    protocol: Protocol,
) -> Option<Finding> {
    if accepted.is_empty() {
        Some(no_version_accepted(scan, protocol))
    } else if accepted.iter().all(|v| *v < ProbeVersion::Tls12) {
        Some(legacy_tls_only(legacy, protocol))
    } else {
        no_shared_cipher(scan, protocol)
    }
}

/// The server accepted no version at all: each probe's answer.
fn no_version_accepted(scan: &ScanFacts, protocol: Protocol) -> Finding {
    let answers: Vec<String> = scan
        .versions
        .iter()
        .map(|v| format!("{}: {}", v.version.name(), v.answer))
        .collect();
    let all_closed = scan.versions.iter().all(|v| v.answer.starts_with("closed"));
    finding(
        "no-version-accepted",
        Severity::Error,
        "The server accepted no TLS version from SSLv3 to TLS 1.3",
        format!("Each version's probe got: {}.", answers.join("; ")),
        Some(if all_closed && protocol == Protocol::Tls {
            "A server that hangs up on every hello may expect its own protocol first:                  PostgreSQL and MySQL-protocol servers upgrade to TLS inside it (--protocol postgres or mysql).                  Otherwise check the server's TLS configuration and log, and any access list in front of it."
                .to_string()
        } else {
            "Check the server's TLS configuration and log (certificate and key loaded, versions and suites enabled),                  and any access list in front of it."
                .to_string()
        }),
    )
}

/// The server speaks only versions every current stack refuses.
fn legacy_tls_only(legacy: &[&str], protocol: Protocol) -> Finding {
    let stopgaps: Vec<String> = STACKS
        .iter()
        .map(|s| format!("{}: {}", s.name, s.stopgap))
        .collect();
    finding(
        "legacy-tls-only",
        Severity::Error,
        format!("The server speaks only {}", legacy.join(" and ")),
        format!(
            "Every current client stack refuses these versions by default: {}. \
             Drivers then fail with `unsupported protocol`, `tlsv1 alert protocol version`, \
             `No appropriate protocol` (Java) or `server selected unsupported protocol version` (Go).",
            STACKS
                .iter()
                .map(|s| format!("{} ({})", s.name, s.who))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Some(format!(
            "Upgrade the server's TLS: {}. As a stop-gap only, re-enable the old versions in the client: {}.",
            server_fix(protocol),
            stopgaps.join("; ")
        )),
    )
}

/// Some stacks share no suite with the server (`None`: all of them can
/// connect).
fn no_shared_cipher(scan: &ScanFacts, protocol: Protocol) -> Option<Finding> {
    let verdicts = stack_verdicts(scan);
    let stuck: Vec<&StackVerdict> = verdicts.iter().filter(|v| !v.connects).collect();
    if stuck.is_empty() {
        return None;
    }
    let who: Vec<String> = stuck
        .iter()
        .map(|v| format!("{} ({}): {}", v.stack, v.who, v.detail))
        .collect();
    Some(finding(
        "no-shared-cipher",
        Severity::Error,
        format!(
            "{} cannot connect: no cipher suite in common",
            stuck.iter().map(|v| v.stack).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "{}. These clients fail with `handshake failure` (alert 40) or `no shared cipher` in the server's log.",
            who.join("; ")
        ),
        Some(format!(
            "Enable ECDHE with AES-GCM (and TLS 1.3) on the server: {}.",
            server_fix(protocol)
        )),
    ))
}

/// The server still accepts versions below TLS 1.2 next to modern ones.
fn legacy_versions_accepted(
    accepted: &[ProbeVersion],
    legacy: &[&str],
    protocol: Protocol,
) -> Option<Finding> {
    if legacy.is_empty() || !accepted.iter().any(|v| *v >= ProbeVersion::Tls12) {
        return None;
    }
    Some(finding(
        "legacy-versions-accepted",
        Severity::Warning,
        format!("The server still accepts {}", legacy.join(", ")),
        "Current clients refuse these versions, so they serve only very old clients, \
         and a downgrade-capable client could be pushed to them.",
        Some(format!("Turn them off: {}.", server_fix(protocol))),
    ))
}

/// Every weak suite the server accepts, at each version.
fn weak_ciphers(scan: &ScanFacts) -> Option<Finding> {
    let mut weak: Vec<String> = Vec::new();
    for v in scan.accepted() {
        for c in &v.ciphers {
            let w = weaknesses(*c);
            if !w.is_empty() {
                weak.push(format!(
                    "{} {} ({})",
                    v.version.name(),
                    suite_name(*c),
                    w.join(", ")
                ));
            }
        }
    }
    if weak.is_empty() {
        return None;
    }
    Some(finding(
        "weak-ciphers",
        Severity::Warning,
        format!("The server accepts {} weak cipher suite(s)", weak.len()),
        weak.join("; "),
        Some("Offer only ECDHE (or TLS 1.3) suites with AES-GCM or ChaCha20.".into()),
    ))
}

/// The server does not answer renegotiation_info (RFC 5746).
fn no_secure_renegotiation(scan: &ScanFacts) -> Option<Finding> {
    if scan.secure_renegotiation != Some(false) {
        return None;
    }
    Some(finding(
        "no-secure-renegotiation",
        Severity::Warning,
        "The server does not support secure renegotiation (RFC 5746)",
        "OpenSSL 3 clients refuse such servers: `unsafe legacy renegotiation disabled`.",
        Some(
            "Upgrade the server's TLS library; as a stop-gap, `Options = UnsafeLegacyServerConnect` in the client's OPENSSL_CONF."
                .into(),
        ),
    ))
}

/// The server's DHE prime is below 2048 bits.
fn small_dh(scan: &ScanFacts) -> Option<Finding> {
    let bits = scan.dh_bits.filter(|b| *b < 2048)?;
    Some(finding(
        "small-dh",
        Severity::Warning,
        format!("The server's DHE group is {bits} bits"),
        "OpenSSL at security level 2 (Debian, Ubuntu, Python 3.10+) refuses it: `dh key too small`.",
        Some("Use a 2048-bit or larger DH group on the server, or turn DHE suites off in favour of ECDHE.".into()),
    ))
}

/// The server speaks TLS 1.2 but not TLS 1.3.
fn no_tls13(accepted: &[ProbeVersion]) -> Option<Finding> {
    if accepted.is_empty()
        || accepted.contains(&ProbeVersion::Tls13)
        || !accepted.contains(&ProbeVersion::Tls12)
    {
        return None;
    }
    Some(finding(
        "no-tls13",
        Severity::Info,
        "The server does not speak TLS 1.3",
        "TLS 1.2 with ECDHE and AES-GCM is still sound; clients that insist on TLS 1.3 will fail.",
        None,
    ))
}

/// One finding for each name (or no name) for which the server serves
/// another leaf than for the target's own name.
fn sni_certificate_differs(scan: &ScanFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(own) = scan.certificates.first() else {
        return out;
    };
    for other in scan.certificates.iter().skip(1) {
        let (Some(a), Some(b)) = (own.chain.first(), other.chain.first()) else {
            continue;
        };
        if a != b {
            let name = other
                .sni
                .as_deref()
                .map(|n| format!("for the name {n}"))
                .unwrap_or_else(|| "without SNI".into());
            out.push(finding(
                "sni-certificate-differs",
                Severity::Info,
                format!("The server serves a different certificate {name}"),
                "It chooses its certificate by the name the client sends (an SNI router or a load balancer with several \
                 certificates). Clients that send no SNI (connections by IP address, old drivers) get the other one.",
                Some("Connect by the name the certificate is issued for, so that the client sends it as SNI.".into()),
            ));
        }
    }
    out
}

/// Some probes got no clear answer.
fn scan_incomplete(scan: &ScanFacts) -> Option<Finding> {
    if scan.incomplete.is_empty() {
        return None;
    }
    Some(finding(
        "scan-incomplete",
        Severity::Warning,
        "Some probes got no clear answer; the lists may be incomplete",
        scan.incomplete.join("; "),
        Some("Run again with a longer --timeout or a lower --concurrency.".into()),
    ))
}

/// The TLS 1.3 groups, named.
pub fn group_names(groups: &[u16]) -> Vec<String> {
    groups.iter().map(|g| group_name(*g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::stacks::{cert_auth, openssl3, python310};
    use crate::clients::StackId;
    use std::collections::BTreeSet;
    use std::process::Command;

    /// The IDs `openssl ciphers -V LIST` expands to, TLS ≤ 1.2 only.
    fn openssl_ids(list: &str) -> BTreeSet<u16> {
        let out = Command::new("openssl")
            .args(["ciphers", "-V", list])
            .output()
            .expect("openssl is needed: apt-get install -y openssl");
        assert!(out.status.success(), "openssl ciphers -V {list:?} failed");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .filter_map(|l| {
                let hex = l.split_whitespace().next()?;
                let (a, b) = hex.split_once(',')?;
                let id = (u16::from_str_radix(a.trim_start_matches("0x"), 16).ok()? << 8)
                    | u16::from_str_radix(b.trim_start_matches("0x"), 16).ok()?;
                Some(id)
            })
            .filter(|id| !(0x1301..=0x13ff).contains(id))
            .collect()
    }

    fn ours(rule: fn(&TlsCipherSuite) -> bool, against: &BTreeSet<u16>) -> BTreeSet<u16> {
        against
            .iter()
            .copied()
            .filter(|id| TlsCipherSuite::from_id(*id).is_some_and(rule))
            .collect()
    }

    /// Our OpenSSL and Python rules select exactly what OpenSSL's own
    /// cipher strings do, among certificate-authenticated suites.
    #[test]
    fn openssl_and_python_rules_match_openssl_ciphers() {
        let everything = openssl_ids("ALL:COMPLEMENTOFALL:@SECLEVEL=0");
        let cert_suites: BTreeSet<u16> = everything
            .iter()
            .copied()
            .filter(|id| TlsCipherSuite::from_id(*id).is_some_and(cert_auth))
            .collect();
        let default: BTreeSet<u16> = openssl_ids("DEFAULT")
            .intersection(&cert_suites)
            .copied()
            .collect();
        assert_eq!(ours(openssl3, &cert_suites), default);
        let python: BTreeSet<u16> = openssl_ids(
            "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
        )
        .intersection(&cert_suites)
        .copied()
        .collect();
        assert_eq!(ours(python310, &cert_suites), python);
    }

    #[test]
    fn weak_suites_are_named() {
        assert!(weaknesses(0x000a).contains(&"3DES (64-bit block: Sweet32)"));
        assert!(weaknesses(0x000a).contains(&"no forward secrecy"));
        assert!(weaknesses(0x0004).contains(&"RC4"));
        assert!(weaknesses(0x0018).contains(&"no authentication (anonymous)"));
        assert!(weaknesses(0xc02f).is_empty());
        assert!(weaknesses(0x1301).is_empty());
    }

    #[test]
    fn stack_ids_name_their_stacks() {
        assert_eq!(StackId::OpenSsl3.stack().name, "OpenSSL 3");
        assert_eq!(StackId::Python.stack().name, "Python 3.10+");
        assert!(StackId::Java.stack().name.starts_with("Java"));
        assert!(StackId::Go.stack().name.starts_with("Go"));
        assert_eq!(StackId::Rustls.stack().name, "rustls");
    }

    #[test]
    fn rustls_takes_only_ecdhe_aead() {
        let r = StackId::Rustls.stack();
        assert!(r.accepts(ProbeVersion::Tls12, 0xc02f));
        assert!(r.accepts(ProbeVersion::Tls12, 0xcca8));
        assert!(!r.accepts(ProbeVersion::Tls12, 0x009c), "RSA key exchange");
        assert!(!r.accepts(ProbeVersion::Tls12, 0xc013), "CBC");
        assert!(!r.accepts(ProbeVersion::Tls10, 0xc02f));
        assert!(r.accepts(ProbeVersion::Tls13, 0x1303));
        assert!(!r.accepts(ProbeVersion::Tls13, 0x1304));
    }
}
