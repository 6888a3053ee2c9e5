//! go-sql-driver/mysql DSNs:
//! `[user[:password]@][net[(addr)]]/dbname[?param1=value1&...]`.
//!
//! The split follows the driver's `ParseDSN` (dsn.go, the same in 1.5 on
//! this machine and upstream): the LAST `/` ends the address part (so a
//! `/` in a parameter value must be escaped, as the driver says), the last
//! `@` before it ends the user part, the first `:` in that splits user and
//! password (raw: a password may hold `@`, `:` and `/`), the first `(`
//! after the `@` starts the address, which must end right before the `/`.
//! Parameters are split at `&` and the first `=`; a pair without `=` is
//! skipped; values are URL-unescaped (`url.QueryUnescape`, `+` is a space).
//! No network means `tcp`, no address `127.0.0.1:3306`, a TCP address
//! without a port gets `:3306`.

use std::ops::Range;

use super::{mask_spans, split_host_port, Dialect, Scheme, Target, TargetError};

const D: Dialect = Dialect::GoMysql;

pub(super) fn parse(dsn: &str) -> Result<Target, TargetError> {
    let err = |m: String| TargetError::syntax(D, m);
    let slash = dsn.rfind('/').ok_or_else(|| {
        err("missing the `/` separating the database name (`user:pass@tcp(host:3306)/db`)".into())
    })?;
    let left = &dsn[..slash];
    let mut secrets: Vec<Range<usize>> = Vec::new();
    let (mut user, mut has_password, mut net_start) = (None, false, 0);
    if let Some(at) = left.rfind('@') {
        let userinfo = &left[..at];
        match userinfo.find(':') {
            Some(c) => {
                user = Some(&userinfo[..c]);
                has_password = true;
                secrets.push(c + 1..at);
            }
            None => user = Some(userinfo),
        }
        net_start = at + 1;
    }
    let netaddr = &left[net_start..];
    let (net, addr) = match netaddr.find('(') {
        Some(open) => {
            let Some(inner) = netaddr[open + 1..].strip_suffix(')') else {
                return Err(err(if netaddr[open + 1..].contains(')') {
                    "did you forget to escape a param value? (the last `/` must follow the address's `)`; escape `/` in values as %2F)".into()
                } else {
                    format!(
                        "network address `{}` not terminated (missing closing brace)",
                        &netaddr[open..]
                    )
                }));
            };
            (&netaddr[..open], inner)
        }
        None => (netaddr, ""),
    };
    let net = if net.is_empty() { "tcp" } else { net };
    let rest = &dsn[slash + 1..];
    let (dbname, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some((slash + 1 + q + 1, &rest[q + 1..]))),
        None => (rest, None),
    };

    match net {
        "tcp" | "tcp4" | "tcp6" => {}
        "unix" => {
            let path = if addr.is_empty() { "/tmp/mysql.sock" } else { addr };
            return Err(TargetError::UnixSocket(format!("Go MySQL DSN: unix({path})")));
        }
        other => {
            return Err(err(format!(
                "network `{other}` is not tcp or unix: a dial function registered in the Go program, which cannot be followed from here"
            )))
        }
    }
    let (host, port) = if addr.is_empty() {
        ("127.0.0.1".to_string(), 3306)
    } else {
        let (h, p) = split_host_port(addr)?;
        let h = h.ok_or_else(|| TargetError::BadHost(addr.to_string()))?;
        (h, p.unwrap_or(3306))
    };

    let mut params = Vec::new();
    if let Some((offset, q)) = query {
        let mut at = offset;
        for pair in q.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                let value = query_unescape(v)
                    .ok_or_else(|| err(format!("the value of `{k}` has a bad %-escape")))?;
                if super::is_secret_param(k) {
                    let start = at + k.len() + 1;
                    secrets.push(start..start + v.len());
                }
                params.push((k.to_string(), value));
            }
            at += pair.len() + 1;
        }
    }
    Ok(Target {
        dialect: D,
        scheme: Some(Scheme::Mysql),
        hosts: vec![(host.clone(), Some(port))],
        host: Some(host),
        port: Some(port),
        user: user.filter(|u| !u.is_empty()).map(str::to_string),
        has_password,
        database: Some(dbname).filter(|d| !d.is_empty()).map(str::to_string),
        params,
        display: mask_spans(dsn, secrets),
    })
}

/// Go's `url.QueryUnescape`: `%XX` and `+` as a space; `None` on a bad escape
/// or bytes that are not UTF-8.
fn query_unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hi = (hex[0] as char).to_digit(16)?;
                let lo = (hex[1] as char).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
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
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::super::*;

    // Each split below was also printed by go-sql-driver/mysql 1.5's ParseDSN.
    #[test]
    fn driver_forms() {
        let t = Target::parse("user:pass@tcp(db.example.com:3307)/shop?tls=true&charset=utf8mb4")
            .unwrap();
        assert_eq!(t.dialect, Dialect::GoMysql);
        assert_eq!(t.scheme, Some(Scheme::Mysql));
        assert_eq!(t.host.as_deref(), Some("db.example.com"));
        assert_eq!(t.port, Some(3307));
        assert_eq!(t.user.as_deref(), Some("user"));
        assert!(t.has_password);
        assert_eq!(t.database.as_deref(), Some("shop"));
        assert_eq!(t.param("tls"), Some("true"));
        assert_eq!(
            t.display,
            "user:***@tcp(db.example.com:3307)/shop?tls=true&charset=utf8mb4"
        );

        let t = Target::parse("tcp(localhost)/").unwrap();
        assert_eq!(
            (t.host.as_deref(), t.port, t.database.as_deref()),
            (Some("localhost"), Some(3306), None)
        );
        let t = Target::parse("/db").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("127.0.0.1"), Some(3306)));
        assert_eq!(t.database.as_deref(), Some("db"));
        let t = Target::parse("root@/db?tls=skip-verify").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.host.as_deref()),
            (Some("root"), Some("127.0.0.1"))
        );
        let t = Target::parse("u@tcp([::1]:3306)/db").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("::1"), Some(3306)));
        let t = Target::parse("u@tcp(::1)/db").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("::1"), Some(3306)));
    }

    #[test]
    fn password_may_hold_at_colon_and_slash() {
        let t = Target::parse("app:p@ss:w/rd@tcp(db:3306)/x").unwrap();
        assert_eq!(t.user.as_deref(), Some("app"));
        assert_eq!(t.host.as_deref(), Some("db"));
        assert_eq!(t.display, "app:***@tcp(db:3306)/x");
        assert!(!t.display.contains("ss:w"));
    }

    #[test]
    fn params_as_the_driver_reads_them() {
        let t = Target::parse("/db?foo=a%2Fb+c&flag&x=1").unwrap();
        assert_eq!(
            t.params,
            vec![("foo".into(), "a/b c".into()), ("x".into(), "1".into())]
        );
        let t = Target::parse("u@tcp(h)/db?password=hunter2&tls=true").unwrap();
        assert_eq!(t.display, "u@tcp(h)/db?password=***&tls=true");
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Target::parse("user@unix(/var/run/mysqld.sock)/db"),
            Err(TargetError::UnixSocket(p)) if p.contains("/var/run/mysqld.sock")
        ));
        let e = Target::parse("u@tcp(h)/db?ca=/etc/ca.pem").unwrap_err();
        assert!(e.to_string().contains("escape"), "{e}");
        let e = Target::parse("u@tcp(h/db").unwrap_err();
        assert!(e.to_string().contains("missing closing brace"), "{e}");
        let e = Target::parse("u:p@tcp(h:3306)").unwrap_err();
        assert!(e.to_string().contains("missing the `/`"), "{e}");
        let e = Target::parse("u@cloudsql(project:region:inst)/db").unwrap_err();
        assert!(e.to_string().contains("`cloudsql`"), "{e}");
        assert_eq!(
            Target::parse("u@tcp(h:0)/"),
            Err(TargetError::BadPort("0".into()))
        );
    }
}
