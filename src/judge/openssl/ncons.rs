//! check_name_constraints: every certificate (the leaf, and the
//! intermediates that are not self-issued) against the nameConstraints of
//! every certificate above it, the anchor included: its subject as a
//! directoryName, its subject emailAddress values and its subjectAltNames;
//! and the leaf's subject CNs that look like host names, as DNS names, when
//! the leaf has no DNS subjectAltName.

use super::cert::Cert;
use super::error::{fail, not_modelled, Code, Refusal};
use super::ext::{GeneralName, NameConstraints};
use super::name::{self, Name};

/// One name's verdict under one set of constraints: `Err(code)` is OpenSSL's error.
type Verdict = Result<(), Code>;

pub(crate) fn check(chain: &[&Cert]) -> Result<(), Refusal> {
    let num = chain.len();
    for i in (0..num).rev() {
        let x = chain[i];
        if i != 0 && x.self_issued {
            continue;
        }
        for j in (i + 1..num).rev() {
            let Some(nc) = &chain[j].ext.name_constraints else {
                continue;
            };
            let mut rv = names_of(x, nc)?;
            let has_dns_san = x
                .ext
                .san
                .iter()
                .flatten()
                .any(|g| matches!(g, GeneralName::Dns(_)));
            if rv.is_ok() && i == 0 && !has_dns_san {
                rv = common_names(x, nc)?;
            }
            if let Err(code) = rv {
                return fail(code, i);
            }
        }
    }
    Ok(())
}

/// NAME_CONSTRAINTS_check: the subject, its email attributes, the SANs.
fn names_of(x: &Cert, nc: &NameConstraints) -> Result<Verdict, Refusal> {
    if !x.subject.entries.is_empty() {
        let v = matches(&GeneralName::Dir(x.subject.clone()), nc)?;
        if v.is_err() {
            return Ok(v);
        }
        for e in x.subject.values(name::EMAIL) {
            if !e.is_ia5() {
                return Ok(Err(Code::UnsupportedNameSyntax));
            }
            let v = matches(&GeneralName::Email(e.value.clone()), nc)?;
            if v.is_err() {
                return Ok(v);
            }
        }
    }
    for g in x.ext.san.iter().flatten() {
        let v = matches(g, nc)?;
        if v.is_err() {
            return Ok(v);
        }
    }
    Ok(Ok(()))
}

/// NAME_CONSTRAINTS_check_CN: each CN that reads as a host name with two
/// or more labels, as a DNS name.
fn common_names(x: &Cert, nc: &NameConstraints) -> Result<Verdict, Refusal> {
    for e in x.subject.values(name::CN) {
        let Some(Some(mut utf8)) = name::to_utf8(e.tag, &e.value) else {
            return not_modelled("a subject CN in a string type OpenSSL would convert differently");
        };
        while utf8.last() == Some(&0) {
            utf8.pop();
        }
        if utf8.contains(&0) {
            return Ok(Err(Code::UnsupportedNameSyntax));
        }
        if looks_like_dns(&utf8) {
            let v = matches(&GeneralName::Dns(utf8), nc)?;
            if v.is_err() {
                return Ok(v);
            }
        }
    }
    Ok(Ok(()))
}

/// cn2dnsid's test: letters, digits, `_`, inner `-`, and at least one inner
/// `.` with no `.` or `-` next to it.
fn looks_like_dns(s: &[u8]) -> bool {
    let mut dns = false;
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_alphanumeric() || c == b'_' {
            continue;
        }
        let inner = i > 0 && i + 1 < s.len();
        if inner && c == b'-' {
            continue;
        }
        if inner && c == b'.' && s[i + 1] != b'.' && s[i - 1] != b'-' && s[i + 1] != b'-' {
            dns = true;
            continue;
        }
        return false;
    }
    dns
}

/// nc_match: some permitted subtree of the name's type must match (when
/// there are any), and no excluded one may.
fn matches(g: &GeneralName, nc: &NameConstraints) -> Result<Verdict, Refusal> {
    let kind = g.kind();
    let same = |s: &&super::ext::Subtree| s.base.kind() == kind;
    let mut seen = false;
    let mut matched = false;
    for sub in nc.permitted.iter().filter(same) {
        if sub.minmax {
            return Ok(Err(Code::SubtreeMinmax));
        }
        seen = true;
        if !matched {
            match single(g, &sub.base)? {
                Ok(true) => matched = true,
                Ok(false) => {}
                Err(code) => return Ok(Err(code)),
            }
        }
    }
    if seen && !matched {
        return Ok(Err(Code::PermittedViolation));
    }
    for sub in nc.excluded.iter().filter(same) {
        if sub.minmax {
            return Ok(Err(Code::SubtreeMinmax));
        }
        match single(g, &sub.base)? {
            Ok(true) => return Ok(Err(Code::ExcludedViolation)),
            Ok(false) => {}
            Err(code) => return Ok(Err(code)),
        }
    }
    Ok(Ok(()))
}

/// nc_match_single: whether `g` lies in the subtree `base` of its type.
fn single(g: &GeneralName, base: &GeneralName) -> Result<Result<bool, Code>, Refusal> {
    Ok(match (g, base) {
        (GeneralName::Dir(n), GeneralName::Dir(b)) => Ok(dir(n, b)),
        (GeneralName::Dns(n), GeneralName::Dns(b)) => Ok(dns(n, b)),
        (GeneralName::Email(n), GeneralName::Email(b)) => email(n, b),
        (GeneralName::Ip(n), GeneralName::Ip(b)) => ip(n, b),
        (GeneralName::Uri(_), _) => return not_modelled("a URI name constraint"),
        (GeneralName::Other(0), _) => return not_modelled("an otherName name constraint"),
        _ => Err(Code::UnsupportedConstraintType),
    })
}

fn dir(n: &Name, base: &Name) -> bool {
    base.is_prefix_of(n)
}

/// nc_dns: the base is a suffix at a label boundary (or starts with `.`).
fn dns(n: &[u8], base: &[u8]) -> bool {
    if base.is_empty() {
        return true;
    }
    if n.len() < base.len() {
        return false;
    }
    let tail = &n[n.len() - base.len()..];
    if n.len() > base.len() && base[0] != b'.' && n[n.len() - base.len() - 1] != b'.' {
        return false;
    }
    tail.eq_ignore_ascii_case(base)
}

/// nc_email: `.domain` matches by suffix; `local@host` exactly (local part
/// case-sensitive); `host` the part after the name's `@`.
fn email(n: &[u8], base: &[u8]) -> Result<bool, Code> {
    let Some(at) = n.iter().rposition(|&c| c == b'@') else {
        return Err(Code::UnsupportedNameSyntax);
    };
    let base_at = base.iter().rposition(|&c| c == b'@');
    if base_at.is_none() && base.first() == Some(&b'.') {
        return Ok(n.len() > base.len() && n[n.len() - base.len()..].eq_ignore_ascii_case(base));
    }
    let mut host = base;
    if let Some(b) = base_at {
        if b > 0 && base[..b] != n[..at] {
            return Ok(false);
        }
        host = &base[b + 1..];
    }
    Ok(n[at + 1..].eq_ignore_ascii_case(host))
}

/// nc_ip: an address under an address/mask of the same family.
fn ip(n: &[u8], base: &[u8]) -> Result<bool, Code> {
    if !matches!(n.len(), 4 | 16) || !matches!(base.len(), 8 | 32) {
        return Err(Code::UnsupportedNameSyntax);
    }
    if n.len() * 2 != base.len() {
        return Ok(false);
    }
    let (addr, mask) = base.split_at(n.len());
    Ok(n.iter()
        .zip(addr)
        .zip(mask)
        .all(|((h, a), m)| h & m == a & m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_constraints_match_whole_labels() {
        assert!(dns(b"db.example.com", b"example.com"));
        assert!(dns(b"example.com", b"EXAMPLE.com"));
        assert!(!dns(b"badexample.com", b"example.com"));
        assert!(dns(b"db.example.com", b".example.com"));
        assert!(!dns(b"example.com", b".example.com"));
        assert!(dns(b"anything", b""));
    }

    #[test]
    fn cn_must_look_like_a_multi_label_host_name() {
        assert!(looks_like_dns(b"db.example.com"));
        assert!(!looks_like_dns(b"localhost"));
        assert!(!looks_like_dns(b"*.example.com"));
        assert!(!looks_like_dns(b"db..example.com"));
        assert!(!looks_like_dns(b"Example Root CA"));
    }

    #[test]
    fn email_and_ip_forms() {
        assert_eq!(email(b"a@example.com", b"example.com"), Ok(true));
        assert_eq!(email(b"a@sub.example.com", b".example.com"), Ok(true));
        assert_eq!(email(b"A@example.com", b"a@example.com"), Ok(false));
        assert_eq!(
            email(b"nobody", b"example.com"),
            Err(Code::UnsupportedNameSyntax)
        );
        assert_eq!(ip(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]), Ok(true));
        assert_eq!(ip(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]), Ok(false));
        assert_eq!(ip(&[0; 16], &[10, 0, 0, 0, 255, 0, 0, 0]), Ok(false));
    }
}
