//! Does the leaf certificate name the host? Under libpq's rules (CN fallback
//! when no subjectAltName of the host's type) or strict RFC 6125 (webpki,
//! Go ≥ 1.15, Java: subjectAltName only).

use std::net::IpAddr;

use serde::Serialize;

use crate::observe::CertFacts;
use crate::target::Host;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameRules {
    /// libpq ≥ 14: SAN DNS and IP; CN only when no SAN of the host's type.
    Libpq,
    /// RFC 6125 as webpki applies it: SAN only, never CN.
    Strict,
    /// OpenSSL's X509_check_host / X509_check_ip as Python's `ssl` (and so
    /// PyMongo) uses them: a DNS name against SAN DNS, the CN only when the
    /// certificate has no DNS SAN; an IP address against SAN IP only.
    #[serde(rename = "openssl")]
    OpenSsl,
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
        NameRules::Libpq | NameRules::OpenSsl => NameRules::Strict,
        NameRules::Strict => NameRules::Libpq,
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
    let mut same_type_san = false;
    match name {
        Host::Name(host) => {
            for pattern in &leaf.san_dns {
                same_type_san = true;
                if dns_matches(pattern, host) {
                    return (true, Some(format!("DNS:{pattern}")));
                }
            }
        }
        Host::Ip(ip) => {
            for text in &leaf.san_ip {
                same_type_san = true;
                if text.parse::<IpAddr>().ok() == Some(*ip) {
                    return (true, Some(format!("IP:{text}")));
                }
            }
            // libpq also compares the address, as text, with DNS names.
            if rules == NameRules::Libpq {
                for d in &leaf.san_dns {
                    if d.parse::<IpAddr>().ok() == Some(*ip) {
                        return (true, Some(format!("DNS:{d}")));
                    }
                }
            }
        }
    }
    if rules == NameRules::OpenSsl && !same_type_san {
        if let (Host::Name(host), Some(cn)) = (name, &leaf.common_name) {
            if dns_matches(cn, host) {
                return (true, Some(format!("CN:{cn}")));
            }
        }
    }
    if rules == NameRules::Libpq && !same_type_san {
        if let Some(cn) = &leaf.common_name {
            let ok = match name {
                Host::Name(host) => dns_matches(cn, host),
                Host::Ip(ip) => cn.parse::<IpAddr>().ok() == Some(*ip),
            };
            if ok {
                return (true, Some(format!("CN:{cn}")));
            }
        }
    }
    (false, None)
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
}
