//! X509_check_host and X509_check_ip, as X509_VERIFY_PARAM_set1_host /
//! set1_ip make X509_verify_cert apply them (`openssl verify
//! -verify_hostname` / `-verify_ip`): DNS subjectAltNames first, the
//! subject CNs only when there is no DNS SAN; names compared ASCII
//! case-insensitively and byte for byte otherwise (a trailing dot is not
//! ignored); one wildcard in the left-most label of a pattern with at least
//! two dots, partial (`db*`) unless NO_PARTIAL_WILDCARDS; an IP only against
//! iPAddress SANs.

use super::cert::Cert;
use super::ext::GeneralName;
use super::name;

/// `host` (text) is a name of the leaf, under X509_check_host's default
/// flags, or with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS when `partial` is false.
pub(crate) fn host_matches(leaf: &Cert, host: &str, partial: bool) -> bool {
    let host = host.as_bytes();
    if host.is_empty() || host[..host.len() - 1].contains(&0) {
        return false;
    }
    let sans: Vec<&[u8]> = leaf
        .ext
        .san
        .iter()
        .flatten()
        .filter_map(|g| match g {
            GeneralName::Dns(d) => Some(d.as_slice()),
            _ => None,
        })
        .collect();
    if !sans.is_empty() {
        return sans.iter().any(|p| equal_wildcard(p, host, partial));
    }
    leaf.subject.values(name::CN).any(|e| {
        matches!(name::to_utf8(e.tag, &e.value), Some(Some(cn)) if equal_wildcard(&cn, host, partial))
    })
}

/// X509_check_ip: the address bytes equal an iPAddress SAN.
pub(crate) fn ip_matches(leaf: &Cert, ip: &std::net::IpAddr) -> bool {
    let bytes = match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    leaf.ext
        .san
        .iter()
        .flatten()
        .any(|g| matches!(g, GeneralName::Ip(b) if *b == bytes))
}

/// One name of the certificate against the host asked for.
pub(crate) fn pattern_matches(pattern: &[u8], host: &[u8], partial: bool) -> bool {
    !host.is_empty()
        && !host[..host.len() - 1].contains(&0)
        && equal_wildcard(pattern, host, partial)
}

/// `.example.com` as the name asked for matches any name under it.
fn dot_subdomain(pattern: &[u8], subject: &[u8]) -> bool {
    subject.len() > 1
        && subject[0] == b'.'
        && pattern.len() > subject.len()
        && !pattern.contains(&0)
        && pattern[pattern.len() - subject.len()..].eq_ignore_ascii_case(subject)
}

fn equal_nocase(pattern: &[u8], subject: &[u8]) -> bool {
    if dot_subdomain(pattern, subject) {
        return true;
    }
    !pattern.contains(&0) && pattern.eq_ignore_ascii_case(subject)
}

fn equal_wildcard(pattern: &[u8], subject: &[u8], partial: bool) -> bool {
    let star = if subject.len() > 1 && subject[0] == b'.' {
        None
    } else {
        valid_star(pattern, partial)
    };
    match star {
        None => equal_nocase(pattern, subject),
        Some(s) => wildcard_match(&pattern[..s], &pattern[s + 1..], subject),
    }
}

/// Where the one usable `*` of a pattern is, if it has one.
fn valid_star(p: &[u8], partial: bool) -> Option<usize> {
    let mut star = None;
    let mut dots = 0;
    let (mut label_start, mut hyphen, mut idna) = (true, false, false);
    for (i, &c) in p.iter().enumerate() {
        if c == b'*' {
            let at_end = i + 1 == p.len() || p[i + 1] == b'.';
            if star.is_some() || idna || dots > 0 || !(partial || label_start && at_end) {
                return None;
            }
            if !label_start && !at_end {
                return None;
            }
            star = Some(i);
            label_start = false;
        } else if c.is_ascii_alphanumeric() {
            if label_start && p.len() - i >= 4 && p[i..i + 4].eq_ignore_ascii_case(b"xn--") {
                idna = true;
            }
            label_start = false;
            hyphen = false;
        } else if c == b'.' {
            if label_start || hyphen {
                return None;
            }
            (label_start, hyphen, idna) = (true, false, false);
            dots += 1;
        } else if c == b'-' {
            if label_start {
                return None;
            }
            hyphen = true;
        } else {
            return None;
        }
    }
    if label_start || hyphen || dots < 2 {
        return None;
    }
    star
}

fn wildcard_match(prefix: &[u8], suffix: &[u8], subject: &[u8]) -> bool {
    if subject.len() < prefix.len() + suffix.len() {
        return false;
    }
    let (head, rest) = subject.split_at(prefix.len());
    let (middle, tail) = rest.split_at(rest.len() - suffix.len());
    if !equal_nocase(prefix, head) || !equal_nocase(tail, suffix) {
        return false;
    }
    let whole_label = prefix.is_empty() && suffix.first() == Some(&b'.');
    if whole_label && middle.is_empty() {
        return false;
    }
    if !whole_label && subject.len() >= 4 && subject[..4].eq_ignore_ascii_case(b"xn--") {
        return false;
    }
    if middle == b"*" {
        return true;
    }
    middle
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_as_x509_check_host() {
        let m =
            |p: &str, h: &str, partial: bool| equal_wildcard(p.as_bytes(), h.as_bytes(), partial);
        assert!(m("*.example.com", "db.example.com", false));
        assert!(!m("*.example.com", "a.db.example.com", false));
        assert!(!m("*.example.com", "example.com", false));
        assert!(!m("*.com", "example.com", false));
        assert!(m("db*.example.com", "db1.example.com", true));
        assert!(m("w*.example.org", "w.example.org", true));
        assert!(!m("db*.example.com", "db1.example.com", false));
        assert!(!m("d*b.example.com", "dxb.example.com", true));
        assert!(!m("example.com", "example.com.", false));
        assert!(m("DB.Example.com", "db.example.COM", false));
        assert!(m("db.example.com", ".example.com", false));
        assert!(!m("xn--*.example.com", "xn--abc.example.com", true));
    }
}
