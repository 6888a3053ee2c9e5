//! Does the leaf certificate name the host, under a client's rules? The
//! rules ([`NameRules`], named by each client profile) differ in when the
//! subject CN counts, whether a partial wildcard (`db*.example.com`)
//! matches, and whether an IP address may match a name written as text.

use std::net::IpAddr;

use serde::Serialize;

pub use crate::clients::NameRules;
use crate::observe::CertFacts;
use crate::target::Host;

/// When a client falls back to the subject CN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CnFallback {
    Never,
    /// The certificate has no DNS subjectAltName (X509_check_host, Node.js, Java).
    NoDnsSan,
    /// No subjectAltName of the host's type: DNS for a name, IP for an address (libpq).
    NoSanOfHostType,
    /// Whenever no subjectAltName matched (MariaDB Connector/J 2.7).
    Always,
}

/// What a set of rules does, knob by knob.
struct Knobs {
    cn: CnFallback,
    /// `db*.example.com` matches `db1.example.com`.
    partial_wildcards: bool,
    /// An IP host also matches a DNS SAN or CN that spells the address
    /// (libpq; X509_check_host, which the MySQL clients call for IPs too).
    ip_as_text: bool,
    /// Names compare as OpenSSL's X509_check_host compares them (the
    /// OpenSSL model's matcher: a wildcard only at a label's start or end,
    /// matching letters, digits and `-`; no IDNA partial wildcards; a
    /// trailing dot not ignored).
    x509_check_host: bool,
}

fn knobs(rules: NameRules) -> Knobs {
    let k = |cn, partial_wildcards, ip_as_text| Knobs {
        cn,
        partial_wildcards,
        ip_as_text,
        x509_check_host: false,
    };
    let openssl = |k: Knobs| Knobs {
        x509_check_host: true,
        ..k
    };
    match rules {
        NameRules::Libpq => k(CnFallback::NoSanOfHostType, false, true),
        NameRules::Strict => k(CnFallback::Never, false, false),
        NameRules::OpenSsl => openssl(k(CnFallback::NoDnsSan, false, false)),
        NameRules::OpenSslPartial => openssl(k(CnFallback::NoDnsSan, true, true)),
        NameRules::Java => k(CnFallback::NoDnsSan, true, false),
        NameRules::Node => k(CnFallback::NoDnsSan, true, false),
        NameRules::Pgjdbc => k(CnFallback::NoDnsSan, false, true),
        NameRules::MariadbJava => k(CnFallback::Always, true, true),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NameCheck {
    /// The name the certificate must be valid for.
    pub name: String,
    pub rules: NameRules,
    pub matched: bool,
    /// Which certificate name matched (`DNS:*.example.com`, `IP:10.0.0.1`, `CN:localhost`).
    pub matched_by: Option<String>,
    /// Every name the certificate is valid for, as a person would list them.
    pub certificate_names: Vec<String>,
    /// The match, or the decision, relied on the subject CN.
    pub used_common_name: bool,
    /// The same check under the other rules, when it decides differently.
    pub other_rules_decide: Option<bool>,
}

pub fn check(name: &Host, leaf: &CertFacts, rules: NameRules) -> NameCheck {
    let (matched, matched_by) = matches(name, leaf, rules);
    let other = match rules {
        NameRules::Strict => NameRules::Libpq,
        _ => NameRules::Strict,
    };
    let (other_matched, _) = matches(name, leaf, other);
    let mut certificate_names: Vec<String> = leaf
        .san_dns
        .iter()
        .map(|d| format!("DNS:{d}"))
        .chain(leaf.san_ip.iter().map(|i| format!("IP:{i}")))
        .collect();
    if let Some(cn) = &leaf.common_name {
        certificate_names.push(format!("CN:{cn}"));
    }
    NameCheck {
        name: name.to_string(),
        rules,
        matched,
        used_common_name: matched_by.as_deref().is_some_and(|m| m.starts_with("CN:")),
        matched_by,
        certificate_names,
        other_rules_decide: (other_matched != matched).then_some(other_matched),
    }
}

fn matches(name: &Host, leaf: &CertFacts, rules: NameRules) -> (bool, Option<String>) {
    let k = knobs(rules);
    let dns = |pattern: &str, host: &str| {
        if k.x509_check_host {
            return super::openssl::host_pattern_matches(pattern, host, k.partial_wildcards);
        }
        dns_matches(pattern, host)
            || (k.partial_wildcards && partial_wildcard_matches(pattern, host))
    };
    let same_type_san = match name {
        Host::Name(_) => !leaf.san_dns.is_empty(),
        Host::Ip(_) => !leaf.san_ip.is_empty(),
    };
    match name {
        Host::Name(host) => {
            if let Some(p) = leaf.san_dns.iter().find(|p| dns(p, host)) {
                return (true, Some(format!("DNS:{p}")));
            }
        }
        Host::Ip(ip) => {
            if let Some(t) = leaf
                .san_ip
                .iter()
                .find(|t| t.parse::<IpAddr>().ok() == Some(*ip))
            {
                return (true, Some(format!("IP:{t}")));
            }
            if k.ip_as_text {
                if let Some(d) = leaf
                    .san_dns
                    .iter()
                    .find(|d| d.parse::<IpAddr>().ok() == Some(*ip))
                {
                    return (true, Some(format!("DNS:{d}")));
                }
            }
        }
    }
    let cn_allowed = match k.cn {
        CnFallback::Never => false,
        CnFallback::NoDnsSan => leaf.san_dns.is_empty(),
        CnFallback::NoSanOfHostType => !same_type_san,
        CnFallback::Always => true,
    };
    if let (true, Some(cn)) = (cn_allowed, &leaf.common_name) {
        let ok = match name {
            Host::Name(host) => dns(cn, host),
            Host::Ip(ip) => k.ip_as_text && cn.parse::<IpAddr>().ok() == Some(*ip),
        };
        if ok {
            return (true, Some(format!("CN:{cn}")));
        }
    }
    (false, None)
}

/// A wildcard inside the left-most label (`db*.example.com`,
/// `*db.example.com`), as OpenSSL without NO_PARTIAL_WILDCARDS and Node.js
/// accept it: one `*`, at least three labels, the rest equal.
fn partial_wildcard_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let (Some((p_first, p_rest)), Some((h_first, h_rest))) =
        (pattern.split_once('.'), host.split_once('.'))
    else {
        return false;
    };
    if p_rest != h_rest || !p_rest.contains('.') || p_first.matches('*').count() != 1 {
        return false;
    }
    let (prefix, suffix) = p_first.split_once('*').unwrap_or((p_first, ""));
    h_first.len() >= prefix.len() + suffix.len()
        && h_first.starts_with(prefix)
        && h_first.ends_with(suffix)
        && !h_first.is_empty()
}

/// A DNS pattern against a host: case-insensitive, a trailing dot ignored,
/// and a wildcard only as the whole left-most label, standing for exactly one label.
pub fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => match host.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest == suffix && suffix.contains('.'),
            None => false,
        },
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::describe;

    fn leaf(dns: &[&str], ips: &[&str], cn: Option<&str>) -> CertFacts {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut sans: Vec<String> = dns.iter().map(|s| s.to_string()).collect();
        sans.extend(ips.iter().map(|s| s.to_string()));
        let mut p = rcgen::CertificateParams::new(sans).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        if let Some(cn) = cn {
            p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        }
        let c = p.self_signed(&key).unwrap();
        describe(0, c.der(), 0)
    }

    #[test]
    fn wildcards() {
        assert!(dns_matches("*.example.com", "db.example.com"));
        assert!(dns_matches("*.Example.COM.", "DB.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(!dns_matches("db*.example.com", "db1.example.com"));
        assert!(partial_wildcard_matches(
            "db*.example.com",
            "db1.example.com"
        ));
        assert!(partial_wildcard_matches(
            "*db.example.com",
            "mydb.example.com"
        ));
        assert!(!partial_wildcard_matches(
            "db*.example.com",
            "x.example.com"
        ));
        assert!(!partial_wildcard_matches("d*.com", "db.com"));
    }

    #[test]
    fn san_dns_and_ip() {
        let l = leaf(&["db.example.com"], &["10.0.0.5"], Some("db.example.com"));
        let c = check(&Host::new("db.example.com"), &l, NameRules::Strict);
        assert!(c.matched);
        assert_eq!(c.matched_by.as_deref(), Some("DNS:db.example.com"));
        let c = check(&Host::new("10.0.0.5"), &l, NameRules::Strict);
        assert!(c.matched);
        let c = check(&Host::new("other.example.com"), &l, NameRules::Libpq);
        assert!(!c.matched);
        assert!(c
            .certificate_names
            .contains(&"DNS:db.example.com".to_string()));
    }

    #[test]
    fn cn_only_splits_libpq_from_strict() {
        let l = leaf(&[], &[], Some("localhost"));
        let libpq = check(&Host::new("localhost"), &l, NameRules::Libpq);
        assert!(libpq.matched && libpq.used_common_name);
        assert_eq!(libpq.other_rules_decide, Some(false));
        let strict = check(&Host::new("localhost"), &l, NameRules::Strict);
        assert!(!strict.matched);
        // CN-only localhost fails for 127.0.0.1 under libpq too
        assert!(!check(&Host::new("127.0.0.1"), &l, NameRules::Libpq).matched);
    }

    #[test]
    fn openssl_rules_fall_back_to_cn_for_names_only() {
        let l = leaf(&[], &["10.1.2.3"], Some("db.example.com"));
        let c = check(&Host::new("db.example.com"), &l, NameRules::OpenSsl);
        assert!(c.matched && c.used_common_name);
        assert_eq!(c.other_rules_decide, Some(false));
        let l = leaf(&["db.example.com"], &[], Some("10.1.2.3"));
        assert!(!check(&Host::new("10.1.2.3"), &l, NameRules::OpenSsl).matched);
        let l = leaf(&["other.example.com"], &[], Some("db.example.com"));
        assert!(!check(&Host::new("db.example.com"), &l, NameRules::OpenSsl).matched);
    }

    #[test]
    fn libpq_ignores_cn_when_a_san_of_the_hosts_type_exists() {
        let l = leaf(&["other.example.com"], &[], Some("db.example.com"));
        assert!(!check(&Host::new("db.example.com"), &l, NameRules::Libpq).matched);
        // but an IP host with only DNS SANs falls back to the CN
        let l = leaf(&["db.example.com"], &[], Some("10.1.2.3"));
        assert!(check(&Host::new("10.1.2.3"), &l, NameRules::Libpq).matched);
        assert!(!check(&Host::new("10.1.2.3"), &l, NameRules::Strict).matched);
    }

    #[test]
    fn openssl_rules_compare_as_x509_check_host() {
        let rules = |pattern: &str, host: &str, r: NameRules| {
            check(&Host::new(host), &leaf(&[pattern], &[], None), r).matched
        };
        // An interior wildcard: Node.js takes it, X509_check_host does not.
        assert!(!rules(
            "d*b.example.com",
            "dxb.example.com",
            NameRules::OpenSslPartial
        ));
        assert!(rules(
            "db*.example.com",
            "db1.example.com",
            NameRules::OpenSslPartial
        ));
        assert!(!rules(
            "db*.example.com",
            "db1.example.com",
            NameRules::OpenSsl
        ));
        // A trailing dot in the certificate's name is not ignored.
        assert!(!rules(
            "db.example.com.",
            "db.example.com",
            NameRules::OpenSsl
        ));
        assert!(rules(
            "db.example.com.",
            "db.example.com",
            NameRules::Strict
        ));
        assert!(rules("*.example.com", "DB.example.com", NameRules::OpenSsl));
    }
}
