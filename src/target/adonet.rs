//! ADO.NET connection strings: `Host=db;Port=5432;SSL Mode=VerifyFull`
//! (Npgsql) and `Server=db;Port=3306;SslMode=VerifyCA;SslCa=/ca.pem`
//! (MySqlConnector).
//!
//! The lexing follows `DbConnectionStringBuilder` (System.Data.Common's
//! `DbConnectionOptions`, read, not run: no .NET on this machine): pairs
//! are separated by `;` (empty pairs and a trailing `;` are allowed); a key
//! runs to the first `=`, `==` standing for a literal `=` in it, and is
//! trimmed; a value is trimmed, or quoted with `"` or `'`, a doubled quote
//! standing for itself, and only white space may follow the closing quote;
//! a key without `=` is an error. Keys are kept as written; they match
//! case-insensitively and ignoring spaces ([`norm`]).
//!
//! Which driver the string is for is decided by [`decide`], from the tables
//! [`STRONG_SIGNS`] and [`WEAK_SIGNS`] and the port, so that settings (or
//! `--client`, through [`super::Target::parse_with_client`]) can override it.

use std::ops::Range;

use super::{mask_spans, parse_port, Dialect, Scheme, Target, TargetError};

/// Which ADO.NET driver the string is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoKind {
    Npgsql,
    MySqlConnector,
    /// Neither keys nor port tell: [`decide`]'s answer only; a parsed
    /// [`Target`] never carries it.
    Unknown,
}

/// A key (see [`norm`]), the values (lower case, spaces removed) that point
/// to a driver — empty for any value — and the driver.
pub type Sign = (&'static str, &'static [&'static str], AdoKind);

/// Keys and values only one driver knows.
pub const STRONG_SIGNS: &[Sign] = &[
    ("rootcertificate", &[], AdoKind::Npgsql),
    ("trustservercertificate", &[], AdoKind::Npgsql),
    ("sslcertificate", &[], AdoKind::Npgsql),
    ("sslpassword", &[], AdoKind::Npgsql),
    (
        "sslmode",
        &["disable", "allow", "prefer", "require"],
        AdoKind::Npgsql,
    ),
    (
        "sslmode",
        &["none", "preferred", "required"],
        AdoKind::MySqlConnector,
    ),
    ("sslca", &[], AdoKind::MySqlConnector),
    ("cacertificatefile", &[], AdoKind::MySqlConnector),
    ("sslcert", &[], AdoKind::MySqlConnector),
    ("certificatefile", &[], AdoKind::MySqlConnector),
    ("certificatepassword", &[], AdoKind::MySqlConnector),
];

/// The spellings each driver's documentation uses, though both drivers
/// accept them: read only when neither [`STRONG_SIGNS`] nor the port decide.
pub const WEAK_SIGNS: &[Sign] = &[
    ("host", &[], AdoKind::Npgsql),
    ("server", &[], AdoKind::MySqlConnector),
    ("uid", &[], AdoKind::MySqlConnector),
];

/// A key as the drivers match it: lower case, without spaces.
pub fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn matches(signs: &[Sign], params: &[(String, String)]) -> Vec<(AdoKind, String)> {
    let mut found = Vec::new();
    for (k, v) in params {
        let (nk, nv) = (norm(k), norm(v));
        for (key, values, kind) in signs {
            if nk == *key && (values.is_empty() || values.contains(&nv.as_str())) {
                let why = if values.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                };
                found.push((*kind, why));
            }
        }
    }
    found
}

/// Which driver a string is for, and why: [`STRONG_SIGNS`] (when they do
/// not contradict each other), else the port (5432 Npgsql, 3306
/// MySqlConnector), else [`WEAK_SIGNS`], else [`AdoKind::Unknown`].
pub fn decide(params: &[(String, String)], port: Option<u16>) -> (AdoKind, String) {
    let one_way = |found: Vec<(AdoKind, String)>| -> Result<Option<(AdoKind, String)>, String> {
        let Some((first, why)) = found.first().cloned() else {
            return Ok(None);
        };
        match found.iter().find(|(k, _)| *k != first) {
            Some((_, other)) => Err(format!("`{why}` and `{other}` point to different drivers")),
            None => Ok(Some((first, format!("`{why}`")))),
        }
    };
    match one_way(matches(STRONG_SIGNS, params)) {
        Ok(Some(d)) => return d,
        Err(why) => return (AdoKind::Unknown, why),
        Ok(None) => {}
    }
    match port {
        Some(5432) => return (AdoKind::Npgsql, "port 5432".into()),
        Some(3306) => return (AdoKind::MySqlConnector, "port 3306".into()),
        _ => {}
    }
    match one_way(matches(WEAK_SIGNS, params)) {
        Ok(Some(d)) => d,
        Err(why) => (AdoKind::Unknown, why),
        Ok(None) => (AdoKind::Unknown, "no key or port names one".into()),
    }
}

struct Pair {
    key: String,
    value: String,
    span: Range<usize>,
}

fn err(m: impl Into<String>) -> TargetError {
    TargetError::Syntax {
        dialect: "ADO.NET connection string",
        message: m.into(),
    }
}

fn lex(input: &str) -> Result<Vec<Pair>, TargetError> {
    let b = input.as_bytes();
    let mut pairs = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b';' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(pairs);
        }
        // The key, up to a single `=`; `==` is a literal `=`.
        let mut key = String::new();
        let key_start = i;
        loop {
            match input[i..].find(['=', ';']) {
                Some(e) if b[i + e] == b'=' => {
                    key.push_str(&input[i..i + e]);
                    i += e + 1;
                    if i < b.len() && b[i] == b'=' {
                        key.push('=');
                        i += 1;
                        continue;
                    }
                    break;
                }
                _ => {
                    let end = input[i..].find(';').map_or(b.len(), |e| i + e);
                    return Err(err(format!(
                        "`{}` has no `=value`",
                        input[key_start..end].trim()
                    )));
                }
            }
        }
        let key = key.trim().to_string();
        if key.is_empty() {
            return Err(err("a value without a key before its `=`"));
        }
        while i < b.len() && b[i] != b';' && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        let value;
        if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
            let q = b[i];
            i += 1;
            let mut v = String::new();
            loop {
                let Some(e) = input[i..].find(q as char) else {
                    return Err(err(format!("unterminated quoted value for `{key}`")));
                };
                v.push_str(&input[i..i + e]);
                i += e + 1;
                if i < b.len() && b[i] == q {
                    v.push(q as char);
                    i += 1;
                } else {
                    break;
                }
            }
            let span_end = i;
            while i < b.len() && b[i] != b';' && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && b[i] != b';' {
                return Err(err(format!(
                    "text after the quoted value of `{key}`: separate pairs with `;`"
                )));
            }
            pairs.push(Pair {
                key,
                value: v,
                span: value_start..span_end,
            });
            continue;
        } else {
            let end = input[i..].find(';').map_or(b.len(), |e| i + e);
            value = input[i..end].trim_end().to_string();
            i = end;
        }
        pairs.push(Pair {
            span: value_start..value_start + value.len(),
            key,
            value,
        });
    }
}

const HOST_KEYS: &[&str] = &[
    "host",
    "server",
    "datasource",
    "address",
    "addr",
    "networkaddress",
];
const DATABASE_KEYS: &[&str] = &["database", "initialcatalog"];
const USER_KEYS: &[&str] = &["username", "userid", "uid", "user"];

pub(super) fn parse(input: &str, client: Option<AdoKind>) -> Result<Target, TargetError> {
    let pairs = lex(input)?;
    let last = |keys: &[&str]| {
        pairs
            .iter()
            .rev()
            .find(|p| keys.contains(&norm(&p.key).as_str()))
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    };
    let mut port = last(&["port"]).map(parse_port).transpose()?;
    let params: Vec<(String, String)> = pairs
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    let mut host = None;
    if let Some(h) = last(HOST_KEYS) {
        if h.contains(',') {
            return Err(TargetError::SeveralHosts(h.to_string()));
        }
        if h.starts_with('/') || h.starts_with("./") {
            return Err(TargetError::UnixSocket(format!(
                "ADO.NET connection string: {h}"
            )));
        }
        // Npgsql reads `host:port` in Host; MySqlConnector takes the port
        // from Port only.
        let (hh, hp) = super::split_host_port(h)?;
        host = hh;
        if hp.is_some() {
            port = hp;
        }
    }
    let (kind, why) = match client {
        Some(k) => (k, String::new()),
        None => decide(&params, port),
    };
    let scheme = match kind {
        AdoKind::Npgsql => Scheme::Postgres,
        AdoKind::MySqlConnector => Scheme::Mysql,
        AdoKind::Unknown => return Err(TargetError::AdoClientUnknown(why)),
    };
    if kind == AdoKind::MySqlConnector
        && last(HOST_KEYS)
            .is_some_and(|h| h.contains(':') && !h.starts_with('[') && h.matches(':').count() == 1)
    {
        return Err(err(
            "MySqlConnector reads no `host:port` in Server: give the port with `Port=`",
        ));
    }
    let secrets = pairs
        .iter()
        .filter(|p| super::is_secret_param(&p.key))
        .map(|p| p.span.clone())
        .collect();
    Ok(Target {
        dialect: Dialect::AdoNet(kind),
        scheme: Some(scheme),
        hosts: host.iter().map(|h| (h.clone(), port)).collect(),
        host,
        port,
        user: last(USER_KEYS).map(str::to_string),
        has_password: pairs
            .iter()
            .any(|p| matches!(norm(&p.key).as_str(), "password" | "pwd")),
        database: last(DATABASE_KEYS).map(str::to_string),
        params,
        display: mask_spans(input, secrets),
    })
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::{decide, AdoKind};

    #[test]
    fn npgsql() {
        let t = Target::parse(
            "Host=db;Port=5432;Username=u;Password=p;SSL Mode=VerifyFull;Root Certificate=/path/ca.pem",
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::AdoNet(AdoKind::Npgsql));
        assert_eq!(t.scheme, Some(Scheme::Postgres));
        assert_eq!((t.host.as_deref(), t.port), (Some("db"), Some(5432)));
        assert_eq!(t.user.as_deref(), Some("u"));
        assert!(t.has_password);
        assert_eq!(t.param("SSL Mode"), Some("VerifyFull"));
        assert_eq!(t.param("Root Certificate"), Some("/path/ca.pem"));
        assert_eq!(
            t.display,
            "Host=db;Port=5432;Username=u;Password=***;SSL Mode=VerifyFull;Root Certificate=/path/ca.pem"
        );
        // Npgsql reads host:port in Host.
        let t = Target::parse("Host=db:5433;SslMode=Require").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("db"), Some(5433)));
    }

    #[test]
    fn mysqlconnector() {
        let t = Target::parse(
            "Server=db;Port=3306;User ID=u;Password=p;SslMode=VerifyCA;SslCa=/path;Database=shop;",
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::AdoNet(AdoKind::MySqlConnector));
        assert_eq!(t.scheme, Some(Scheme::Mysql));
        assert_eq!((t.host.as_deref(), t.port), (Some("db"), Some(3306)));
        assert_eq!(
            (t.user.as_deref(), t.database.as_deref()),
            (Some("u"), Some("shop"))
        );
        assert!(t.display.contains("Password=***;"), "{}", t.display);
        // Lower-case keys with `;` are ADO.NET, not libpq.
        let t = Target::parse("server=localhost;uid=root;pwd=x;database=test").unwrap();
        assert_eq!(t.dialect, Dialect::AdoNet(AdoKind::MySqlConnector));
        assert_eq!(t.display, "server=localhost;uid=root;pwd=***;database=test");
        let e = Target::parse("Server=db:3307;SslCa=/x").unwrap_err();
        assert!(e.to_string().contains("Port="), "{e}");
    }

    #[test]
    fn quoting() {
        let t = Target::parse(r#"Host = "d;b" ; Password='it''s;x' ;Port=5432;Search Path="a""b""#)
            .unwrap();
        assert_eq!(t.host.as_deref(), Some("d;b"));
        assert_eq!(t.param("Password"), Some("it's;x"));
        assert_eq!(t.param("Search Path"), Some("a\"b"));
        assert_eq!(
            t.display,
            r#"Host = "d;b" ; Password=*** ;Port=5432;Search Path="a""b""#
        );
        let t = Target::parse("Host=h;Port=5432;Key==Name=v").unwrap();
        assert_eq!(t.param("Key=Name"), Some("v"));
        let e = Target::parse("Host=h;Password='abc").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ADO.NET connection string: unterminated quoted value for `Password`"
        );
        let e = Target::parse("Host=h;Port=5432;Pooling").unwrap_err();
        assert!(e.to_string().contains("`Pooling` has no `=value`"), "{e}");
        let e = Target::parse("Host=h;Password='a'b;Port=5432").unwrap_err();
        assert!(
            e.to_string()
                .contains("after the quoted value of `Password`"),
            "{e}"
        );
    }

    #[test]
    fn which_driver() {
        let p = |s: &[(&str, &str)]| -> Vec<(String, String)> {
            s.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            decide(&p(&[("sslmode", "Prefer")]), Some(3306)).0,
            AdoKind::Npgsql
        );
        assert_eq!(
            decide(&p(&[("SslMode", "Required")]), None).0,
            AdoKind::MySqlConnector
        );
        assert_eq!(
            decide(&p(&[("SslMode", "VerifyFull")]), Some(5432)).0,
            AdoKind::Npgsql
        );
        assert_eq!(
            decide(&p(&[("Server", "h")]), Some(5432)).0,
            AdoKind::Npgsql
        );
        assert_eq!(
            decide(&p(&[("Server", "h")]), None).0,
            AdoKind::MySqlConnector
        );
        let (k, why) = decide(&p(&[("Root Certificate", "x"), ("SslCa", "y")]), None);
        assert_eq!(k, AdoKind::Unknown);
        assert!(
            why.contains("Root Certificate") && why.contains("SslCa"),
            "{why}"
        );
        let e = Target::parse("Data Source=h;SslMode=VerifyFull").unwrap_err();
        assert!(matches!(e, TargetError::AdoClientUnknown(_)));
        assert!(
            e.to_string()
                .contains("--client npgsql or --client mysqlconnector"),
            "{e}"
        );
        let t = Target::parse_with_client(
            "Data Source=h;SslMode=VerifyFull",
            Some(AdoKind::MySqlConnector),
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::AdoNet(AdoKind::MySqlConnector));
        assert_eq!(t.host.as_deref(), Some("h"));
    }

    #[test]
    fn hosts() {
        assert_eq!(
            Target::parse("Host=a,b;Port=5432"),
            Err(TargetError::SeveralHosts("a,b".into()))
        );
        assert!(matches!(
            Target::parse("Host=/var/run/postgresql;Port=5432"),
            Err(TargetError::UnixSocket(_))
        ));
        let t = Target::parse("Host=[::1]:5433;Root Certificate=x").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("::1"), Some(5433)));
    }
}
