//! JDBC URLs of the three drivers, each split as its driver splits it.
//!
//! - pgjdbc (`jdbc:postgresql:`; `Driver.parseURL`, run against pgjdbc
//!   42.5.5 on this machine): `//host[:port][,host2…]/[db][?k=v&…]`, or
//!   `jdbc:postgresql:db`; the `/` after the hosts is required, a second `/`
//!   is refused, `jdbc:postgresql:/…` is refused, `//` and `///` alone mean
//!   localhost; no `user:password@`; database and values URL-decoded (`+` is
//!   a space), keys not; a key without `=` has an empty value.
//! - MySQL Connector/J (`jdbc:mysql:`, `jdbc:mysql:loadbalance:`,
//!   `jdbc:mysql:replication:`; `ConnectionUrlParser`, read, not run: no
//!   Connector/J on this machine): optional `//authority`, where hosts are
//!   split at `,` outside `(…)` and `[…]`; `user[:password]@` (first `@`,
//!   first `:`); a host is `host[:port]`, `[v6][:port]`, `(host=h,port=p,…)`
//!   or `address=(host=h)(port=p)…`; URL-decoded database and properties,
//!   `&`-separated, a key without `=` allowed.
//! - MariaDB Connector/J (`jdbc:mariadb:` with optional `replication:`,
//!   `failover:`, `sequential:`, `loadbalance:`, `aurora:`; `UrlParser`, run
//!   against 2.7.6): `//` required, the hosts end at the first `/` or `?`,
//!   a host is `host[:port]`, `[v6][:port]` or `address=(host=h)(port=p)…`;
//!   no `user:password@`; parameters `&`-separated and NOT decoded.
//!
//! None of the three splits properties at `;` (pgjdbc keeps `a;b=c` as one
//! key, MariaDB keeps `p;useSsl=true` as one value): neither does this.
//! Several hosts are refused ([`TargetError::SeveralHosts`]), as for URIs.
//! With no host, the drivers connect to localhost, and the default port is
//! 5432 or 3306: `host` and `port` say so.

use std::ops::Range;

use super::{mask_spans, split_host_port, Dialect, Scheme, Target, TargetError};

/// Which JDBC driver the URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JdbcKind {
    /// pgjdbc, `jdbc:postgresql:`.
    Postgres,
    /// MySQL Connector/J, `jdbc:mysql:`.
    Mysql,
    /// MariaDB Connector/J, `jdbc:mariadb:`.
    Mariadb,
}

/// What the three parsers produce before it becomes a [`Target`].
struct Parts {
    hosts: Vec<(String, Option<u16>)>,
    host_text: String,
    user: Option<String>,
    has_password: bool,
    database: Option<String>,
    params: Vec<(String, String)>,
    secrets: Vec<Range<usize>>,
}

pub(super) fn parse(input: &str) -> Result<Target, TargetError> {
    if !input.starts_with("jdbc:") {
        return Err(TargetError::Syntax {
            dialect: "JDBC URL",
            message: format!(
                "`{}` must be written `jdbc:` in lower case: the drivers match it exactly",
                &input[..5]
            ),
        });
    }
    let rest = &input[5..];
    let (kind, parts) = if let Some(r) = rest.strip_prefix("postgresql:") {
        (JdbcKind::Postgres, pgjdbc(input, r)?)
    } else if let Some(r) = rest.strip_prefix("mysql:") {
        let r = r
            .strip_prefix("loadbalance:")
            .or_else(|| r.strip_prefix("replication:"))
            .unwrap_or(r);
        (JdbcKind::Mysql, connector_j(input, r)?)
    } else if let Some(r) = rest.strip_prefix("mariadb:") {
        let r = [
            "replication:",
            "failover:",
            "sequential:",
            "loadbalance:",
            "aurora:",
        ]
        .iter()
        .find_map(|p| r.strip_prefix(p))
        .unwrap_or(r);
        (JdbcKind::Mariadb, mariadb(input, r)?)
    } else {
        let sub = rest.split(':').next().unwrap_or(rest);
        return Err(TargetError::Syntax {
            dialect: "JDBC URL",
            message: format!(
                "`jdbc:{sub}:` is not a driver tlscheck reads: use jdbc:postgresql:, jdbc:mysql: or jdbc:mariadb:"
            ),
        });
    };
    if parts.hosts.len() > 1 {
        return Err(TargetError::SeveralHosts(parts.host_text));
    }
    let (default_port, scheme) = match kind {
        JdbcKind::Postgres => (5432, Scheme::Postgres),
        JdbcKind::Mysql | JdbcKind::Mariadb => (3306, Scheme::Mysql),
    };
    let (host, port) = match parts.hosts.into_iter().next() {
        Some((h, p)) => (h, p.unwrap_or(default_port)),
        None => ("localhost".to_string(), default_port),
    };
    Ok(Target {
        dialect: Dialect::Jdbc(kind),
        scheme: Some(scheme),
        hosts: vec![(host.clone(), Some(port))],
        host: Some(host),
        port: Some(port),
        user: parts.user.filter(|u| !u.is_empty()),
        has_password: parts.has_password,
        database: parts.database.filter(|d| !d.is_empty()),
        params: parts.params,
        display: mask_spans(input, parts.secrets),
    })
}

fn err(kind: JdbcKind, m: impl Into<String>) -> TargetError {
    TargetError::syntax(Dialect::Jdbc(kind), m)
}

/// `java.net.URLDecoder.decode`: `%XX` and `+` as a space.
fn url_decode(kind: JdbcKind, s: &str) -> Result<String, TargetError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let byte = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| err(kind, format!("bad %-escape in `{s}`")))?;
                out.push(byte);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|_| err(kind, format!("`{s}` decodes to bytes that are not UTF-8")))
}

/// Split `query` (starting at byte `offset` of the input) at `&`, each pair
/// at its first `=`; empty pairs are skipped, a key alone has an empty value.
fn query_pairs(
    kind: JdbcKind,
    query: &str,
    offset: usize,
    decode_key: bool,
    decode_value: bool,
    params: &mut Vec<(String, String)>,
    secrets: &mut Vec<Range<usize>>,
) -> Result<(), TargetError> {
    let mut at = offset;
    for pair in query.split('&') {
        let here = at;
        at += pair.len() + 1;
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k_trim, v_trim) = if kind == JdbcKind::Mysql {
            (k.trim(), v.trim())
        } else {
            (k, v)
        };
        if k_trim.is_empty() && v_trim.is_empty() {
            continue;
        }
        if k_trim.is_empty() {
            return Err(err(
                kind,
                format!("a property value without a name in `{pair}`"),
            ));
        }
        let key = if decode_key {
            url_decode(kind, k_trim)?
        } else {
            k_trim.to_string()
        };
        let value = if decode_value {
            url_decode(kind, v_trim)?
        } else {
            v_trim.to_string()
        };
        if super::is_secret_param(&key) && pair.contains('=') {
            let start = here + k.len() + 1;
            secrets.push(start..start + v.len());
        }
        params.push((key, value));
    }
    Ok(())
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, as the drivers split them:
/// the port follows the last `:` outside brackets.
fn host_port(kind: JdbcKind, s: &str) -> Result<(Option<String>, Option<u16>), TargetError> {
    if s.contains('@') {
        return Err(err(
            kind,
            "this driver reads no `user:password@` in the URL: pass user= and password= as properties",
        ));
    }
    split_host_port(s)
}

fn pgjdbc(input: &str, r: &str) -> Result<Parts, TargetError> {
    const K: JdbcKind = JdbcKind::Postgres;
    let base = input.len() - r.len();
    let (server, query) = match r.find('?') {
        Some(q) => (&r[..q], Some((base + q + 1, &r[q + 1..]))),
        None => (r, None),
    };
    let mut hosts = Vec::new();
    let mut host_text = String::new();
    let mut database = None;
    if server == "//" || server == "///" {
        database = Some(String::new());
    } else if let Some(s) = server.strip_prefix("//") {
        if s.matches('/').count() > 1 {
            return Err(err(
                K,
                "pgjdbc refuses a URL with more than one `/` after the hosts",
            ));
        }
        let slash = s.find('/').ok_or_else(|| {
            err(
                K,
                "pgjdbc needs a `/` after the host and port: jdbc:postgresql://host:port/[db]",
            )
        })?;
        if slash + 1 < s.len() {
            database = Some(url_decode(K, &s[slash + 1..])?);
        }
        host_text = s[..slash].to_string();
        for address in host_text.split(',') {
            let (h, p) = host_port(K, address)?;
            hosts.push((h.unwrap_or_else(|| "localhost".to_string()), p));
        }
    } else if server.starts_with('/') {
        return Err(err(
            K,
            "pgjdbc refuses `jdbc:postgresql:/…`: write jdbc:postgresql:db or jdbc:postgresql://host/db",
        ));
    } else {
        database = Some(url_decode(K, server)?);
    }
    let (mut params, mut secrets) = (Vec::new(), Vec::new());
    if let Some((offset, q)) = query {
        query_pairs(K, q, offset, false, true, &mut params, &mut secrets)?;
    }
    let user = params
        .iter()
        .rev()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.clone());
    let has_password = params.iter().any(|(k, _)| k == "password");
    Ok(Parts {
        hosts,
        host_text,
        user,
        has_password,
        database,
        params,
        secrets,
    })
}

/// The text after a leading `address=`, in any case.
fn strip_address(s: &str) -> Option<&str> {
    s.get(..8)
        .filter(|p| p.eq_ignore_ascii_case("address="))
        .map(|_| &s[8..])
}

/// Split at `sep` outside `(…)` and `[…]`.
fn split_outside(s: &str, sep: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 => {
                out.push((start, &s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, &s[start..]));
    out
}

/// `(key=value)(key=value)…` (after `address=`) or `key=value,key=value`
/// (inside one pair of parentheses): host, port and per-host properties.
fn host_properties(
    kind: JdbcKind,
    text: &str,
    offset: usize,
    parts: &mut Parts,
    decode: bool,
) -> Result<(Option<String>, Option<u16>), TargetError> {
    let mut pieces = Vec::new();
    if text.starts_with('(') && !text.contains(")(") && text.ends_with(')') && text.contains(',') {
        for (i, p) in split_outside(&text[1..text.len() - 1], ',') {
            pieces.push((offset + 1 + i, p));
        }
    } else {
        let mut at = 0;
        let b = text.as_bytes();
        while at < b.len() {
            if b[at].is_ascii_whitespace() {
                at += 1;
                continue;
            }
            if b[at] != b'(' {
                return Err(err(
                    kind,
                    format!("expected `(key=value)` at `{}`", &text[at..]),
                ));
            }
            let close = text[at..]
                .find(')')
                .map(|c| at + c)
                .ok_or_else(|| err(kind, format!("`(` without `)` in `{text}`")))?;
            pieces.push((offset + at + 1, &text[at + 1..close]));
            at = close + 1;
        }
    }
    let (mut host, mut port) = (None, None);
    for (start, piece) in pieces {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let (k, v) = (k.trim(), v.trim());
        let v_dec = if decode {
            url_decode(kind, v)?
        } else {
            v.to_string()
        };
        if k.eq_ignore_ascii_case("host") {
            let (h, p) = split_host_port(&v_dec)?;
            host = h;
            port = p.or(port);
        } else if k.eq_ignore_ascii_case("port") {
            port = Some(super::parse_port(&v_dec)?);
        } else if k.eq_ignore_ascii_case("user") {
            parts.user = Some(v_dec.clone());
        } else {
            if super::is_secret_param(k) {
                parts.has_password |= k.eq_ignore_ascii_case("password");
                let vs = start + piece.find('=').map(|e| e + 1).unwrap_or(piece.len());
                parts.secrets.push(vs..start + piece.len());
            }
            parts.params.push((k.to_string(), v_dec));
        }
    }
    Ok((host, port))
}

fn connector_j(input: &str, r: &str) -> Result<Parts, TargetError> {
    const K: JdbcKind = JdbcKind::Mysql;
    if r.starts_with("+srv") {
        return Err(err(K, "DNS SRV URLs are not read: give one host"));
    }
    let base = input.len() - r.len();
    let mut parts = Parts {
        hosts: Vec::new(),
        host_text: String::new(),
        user: None,
        has_password: false,
        database: None,
        params: Vec::new(),
        secrets: Vec::new(),
    };
    let r_trim = r.trim_start();
    let mut at = base + (r.len() - r_trim.len());
    let mut rest = r_trim;
    // Drop the fragment: Connector/J ignores it.
    if let Some(h) = rest.find('#') {
        rest = &rest[..h];
    }
    if let Some(a) = rest.strip_prefix("//") {
        at += 2;
        let end = a.find(['/', '?']).unwrap_or(a.len());
        let authority = &a[..end];
        parts.host_text = authority.to_string();
        let segments = split_outside(authority, ',');
        if segments.len() > 1
            || (authority.trim_start().starts_with('[') && authority.contains(','))
        {
            parts.hosts = vec![(String::new(), None); 2];
            return Ok(parts);
        }
        let segment = segments[0].1;
        let (hostinfo, host_off) = match segment.find('@') {
            Some(p) => {
                let userinfo = &segment[..p];
                match userinfo.split_once(':') {
                    Some((u, pw)) => {
                        parts.user = Some(url_decode(K, u.trim())?);
                        parts.has_password = true;
                        parts
                            .secrets
                            .push(at + u.len() + 1..at + u.len() + 1 + pw.len());
                    }
                    None => parts.user = Some(url_decode(K, userinfo.trim())?),
                }
                (&segment[p + 1..], at + p + 1)
            }
            None => (segment, at),
        };
        let trimmed = hostinfo.trim();
        let lead = hostinfo.len() - hostinfo.trim_start().len();
        if !trimmed.is_empty() {
            let (h, p) = if let Some(props) = strip_address(trimmed) {
                host_properties(K, props, host_off + lead + 8, &mut parts, true)?
            } else if trimmed.starts_with('(') && trimmed.ends_with(')') {
                host_properties(K, trimmed, host_off + lead, &mut parts, true)?
            } else {
                let (h, p) = host_port(K, trimmed)?;
                (h.map(|h| url_decode(K, &h)).transpose()?, p)
            };
            parts
                .hosts
                .push((h.unwrap_or_else(|| "localhost".to_string()), p));
        }
        rest = &a[end..];
        at += end;
    }
    let (path, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some((at + q + 1, &rest[q + 1..]))),
        None => (rest, None),
    };
    if let Some(p) = path.strip_prefix('/') {
        parts.database = Some(url_decode(K, p)?.trim().to_string());
    }
    if let Some((offset, q)) = query {
        query_pairs(
            K,
            q,
            offset,
            true,
            true,
            &mut parts.params,
            &mut parts.secrets,
        )?;
    }
    if let Some((_, u)) = parts.params.iter().rev().find(|(k, _)| k == "user") {
        parts.user.get_or_insert_with(|| u.clone());
    }
    parts.has_password |= parts.params.iter().any(|(k, _)| k == "password");
    Ok(parts)
}

fn mariadb(input: &str, r: &str) -> Result<Parts, TargetError> {
    const K: JdbcKind = JdbcKind::Mariadb;
    let base = input.len() - r.len();
    let a = r
        .strip_prefix("//")
        .ok_or_else(|| err(K, "`//` is not present in the URL"))?;
    let at = base + 2;
    let end = a.find(['/', '?']).unwrap_or(a.len());
    let mut parts = Parts {
        hosts: Vec::new(),
        host_text: a[..end].to_string(),
        user: None,
        has_password: false,
        database: None,
        params: Vec::new(),
        secrets: Vec::new(),
    };
    let host_text = parts.host_text.clone();
    for (off, h) in host_text.split(',').scan(0, |pos, h| {
        let o = *pos;
        *pos += h.len() + 1;
        Some((o, h))
    }) {
        let h_trim = h.trim();
        let (host, port) = if let Some(props) = strip_address(h_trim) {
            let lead = h.len() - h.trim_start().len();
            host_properties(K, props, at + off + lead + 8, &mut parts, false)?
        } else if h_trim.is_empty() {
            (None, None)
        } else {
            host_port(K, h_trim)?
        };
        parts
            .hosts
            .push((host.unwrap_or_else(|| "localhost".to_string()), port));
    }
    let rest = &a[end..];
    let rest_at = at + end;
    let (path, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some((rest_at + q + 1, &rest[q + 1..]))),
        None => (rest, None),
    };
    if let Some(p) = path.strip_prefix('/') {
        parts.database = Some(p.to_string());
    }
    if let Some((offset, q)) = query {
        query_pairs(
            K,
            q,
            offset,
            false,
            false,
            &mut parts.params,
            &mut parts.secrets,
        )?;
    }
    parts.user = parts
        .params
        .iter()
        .rev()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.clone());
    parts.has_password = parts.params.iter().any(|(k, _)| k == "password");
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::JdbcKind;

    fn hp(t: &Target) -> (Option<&str>, Option<u16>, Option<&str>) {
        (t.host.as_deref(), t.port, t.database.as_deref())
    }

    // The pgjdbc and MariaDB expectations were printed by pgjdbc 42.5.5's
    // Driver.parseURL and MariaDB Connector/J 2.7.6's UrlParser.parse.
    #[test]
    fn pgjdbc_forms() {
        let t = Target::parse(
            "jdbc:postgresql://db:5433/shop?sslmode=verify-full&sslrootcert=/a%20b&user=app&password=s3cret",
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::Jdbc(JdbcKind::Postgres));
        assert_eq!(t.scheme, Some(Scheme::Postgres));
        assert_eq!(hp(&t), (Some("db"), Some(5433), Some("shop")));
        assert_eq!(t.param("sslrootcert"), Some("/a b"));
        assert_eq!(t.user.as_deref(), Some("app"));
        assert!(t.has_password);
        assert_eq!(
            t.display,
            "jdbc:postgresql://db:5433/shop?sslmode=verify-full&sslrootcert=/a%20b&user=app&password=***"
        );
        assert_eq!(
            hp(&Target::parse("jdbc:postgresql:shop").unwrap()),
            (Some("localhost"), Some(5432), Some("shop"))
        );
        assert_eq!(
            hp(&Target::parse("jdbc:postgresql://").unwrap()),
            (Some("localhost"), Some(5432), None)
        );
        assert_eq!(
            hp(&Target::parse("jdbc:postgresql://:5433/").unwrap()),
            (Some("localhost"), Some(5433), None)
        );
        assert_eq!(
            hp(&Target::parse("jdbc:postgresql://[::1]:5434/d").unwrap()),
            (Some("::1"), Some(5434), Some("d"))
        );
        let t = Target::parse("jdbc:postgresql://h/db?x=a+b%2Bc&k&ssl;sslmode=require").unwrap();
        assert_eq!(
            t.params,
            vec![
                ("x".into(), "a b+c".into()),
                ("k".into(), "".into()),
                ("ssl;sslmode".into(), "require".into())
            ]
        );
    }

    #[test]
    fn pgjdbc_refusals() {
        for (url, want) in [
            ("jdbc:postgresql://db", "needs a `/`"),
            ("jdbc:postgresql:/", "refuses `jdbc:postgresql:/"),
            ("jdbc:postgresql://h/a/b", "more than one `/`"),
            ("jdbc:postgresql://u:pw@h/db", "user:password@"),
        ] {
            let e = Target::parse(url).unwrap_err().to_string();
            assert!(e.contains(want), "{url}: {e}");
            assert!(!e.contains("pw"), "{e}");
        }
        assert_eq!(
            Target::parse("jdbc:postgresql://h1:1,h2:2/db"),
            Err(TargetError::SeveralHosts("h1:1,h2:2".into()))
        );
        assert_eq!(
            Target::parse("jdbc:postgresql://h:abc/db"),
            Err(TargetError::BadPort("abc".into()))
        );
        assert!(Target::parse("JDBC:postgresql://h/db")
            .unwrap_err()
            .to_string()
            .contains("lower case"));
        assert!(Target::parse("jdbc:oracle:thin:@h:1521:x")
            .unwrap_err()
            .to_string()
            .contains("`jdbc:oracle:`"));
    }

    #[test]
    fn connector_j_forms() {
        let t = Target::parse("jdbc:mysql://app:p%40ss@db:3307/shop?sslMode=VERIFY_IDENTITY&trustCertificateKeyStorePassword=x").unwrap();
        assert_eq!(t.dialect, Dialect::Jdbc(JdbcKind::Mysql));
        assert_eq!(t.scheme, Some(Scheme::Mysql));
        assert_eq!(hp(&t), (Some("db"), Some(3307), Some("shop")));
        assert_eq!(t.user.as_deref(), Some("app"));
        assert!(t.has_password);
        assert_eq!(
            t.display,
            "jdbc:mysql://app:***@db:3307/shop?sslMode=VERIFY_IDENTITY&trustCertificateKeyStorePassword=***"
        );
        let t =
            Target::parse("jdbc:mysql://address=(host=h)(port=3308)(sslMode=REQUIRED)/db").unwrap();
        assert_eq!(hp(&t), (Some("h"), Some(3308), Some("db")));
        assert_eq!(t.param("sslMode"), Some("REQUIRED"));
        let t = Target::parse("jdbc:mysql://(host=h,port=3309,password=pw)/db").unwrap();
        assert_eq!(hp(&t), (Some("h"), Some(3309), Some("db")));
        assert_eq!(t.display, "jdbc:mysql://(host=h,port=3309,password=***)/db");
        let t = Target::parse("jdbc:mysql:loadbalance://h:3310/db?user=u").unwrap();
        assert_eq!(
            (hp(&t), t.user.as_deref()),
            ((Some("h"), Some(3310), Some("db")), Some("u"))
        );
        let t = Target::parse("jdbc:mysql:replication://h/").unwrap();
        assert_eq!(hp(&t), (Some("h"), Some(3306), None));
        assert_eq!(
            hp(&Target::parse("jdbc:mysql://[::1]/x").unwrap()),
            (Some("::1"), Some(3306), Some("x"))
        );
        assert_eq!(
            hp(&Target::parse("jdbc:mysql:///x").unwrap()),
            (Some("localhost"), Some(3306), Some("x"))
        );
        assert!(
            matches!(Target::parse("jdbc:mysql://a,b/db"), Err(TargetError::SeveralHosts(h)) if h == "a,b")
        );
        assert!(matches!(
            Target::parse("jdbc:mysql://[a,b]/db"),
            Err(TargetError::SeveralHosts(_))
        ));
    }

    #[test]
    fn mariadb_forms() {
        let t = Target::parse(
            "jdbc:mariadb://db:3307/shop?useSsl=true&serverSslCert=/a%20b&password=p;x",
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::Jdbc(JdbcKind::Mariadb));
        assert_eq!(hp(&t), (Some("db"), Some(3307), Some("shop")));
        // MariaDB Connector/J does not decode values, nor split at `;`.
        assert_eq!(t.param("serverSslCert"), Some("/a%20b"));
        assert_eq!(t.param("password"), Some("p;x"));
        assert_eq!(
            t.display,
            "jdbc:mariadb://db:3307/shop?useSsl=true&serverSslCert=/a%20b&password=***"
        );
        assert_eq!(
            hp(&Target::parse("jdbc:mariadb://db").unwrap()),
            (Some("db"), Some(3306), None)
        );
        assert_eq!(
            hp(&Target::parse("jdbc:mariadb://h?useSsl").unwrap()),
            (Some("h"), Some(3306), None)
        );
        for prefix in [
            "replication",
            "failover",
            "sequential",
            "loadbalance",
            "aurora",
        ] {
            let t = Target::parse(&format!("jdbc:mariadb:{prefix}://h1/db")).unwrap();
            assert_eq!(hp(&t), (Some("h1"), Some(3306), Some("db")), "{prefix}");
        }
        let t =
            Target::parse("jdbc:mariadb://address=(host=h)(port=3308)(type=master)/db").unwrap();
        assert_eq!(hp(&t), (Some("h"), Some(3308), Some("db")));
        assert_eq!(
            hp(&Target::parse("jdbc:mariadb://[::1]:3307/db").unwrap()),
            (Some("::1"), Some(3307), Some("db"))
        );
        assert!(matches!(
            Target::parse("jdbc:mariadb:replication://h1,h2/db"),
            Err(TargetError::SeveralHosts(_))
        ));
        assert!(Target::parse("jdbc:mariadb:")
            .unwrap_err()
            .to_string()
            .contains("`//`"));
        assert!(Target::parse("jdbc:mariadb://u:p@h/db")
            .unwrap_err()
            .to_string()
            .contains("user:password@"));
        assert_eq!(
            Target::parse("jdbc:mariadb://h:abc/db"),
            Err(TargetError::BadPort("abc".into()))
        );
    }
}
