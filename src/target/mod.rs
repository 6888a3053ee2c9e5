//! Parse what the user typed as TARGET: `host`, `host:port`, `[v6]:port`,
//! `tls://host:port`, or a connection string in any dialect users paste: URIs
//! (`postgresql://…`, `mysql://…`, `mongodb://…`), libpq keyword/value
//! strings ([`libpq`]), JDBC URLs ([`jdbc`]), go-sql-driver/mysql DSNs
//! ([`gomysql`]) and ADO.NET connection strings ([`adonet`]).
//!
//! This step only splits the text into its parts. What the parts mean for the
//! check (modes, files, precedence against flags and environment) is decided
//! in [`crate::settings`].

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use percent_encoding::percent_decode_str;

pub mod adonet;
pub mod gomysql;
pub mod jdbc;
pub mod libpq;

pub use adonet::AdoKind;
pub use jdbc::JdbcKind;

/// Which connection-string syntax a TARGET was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `host`, `host:port`, `[v6]:port`, a bare IPv6 address.
    HostPort,
    /// `scheme://…`; the scheme is in [`Target::scheme`].
    Uri,
    /// libpq's `host=db port=5432 sslmode=verify-full` (also pgx, lib/pq).
    LibpqKeywords,
    /// `jdbc:postgresql:`, `jdbc:mysql:`, `jdbc:mariadb:` URLs.
    Jdbc(JdbcKind),
    /// go-sql-driver/mysql's `user:pass@tcp(host:3306)/db?tls=true`.
    GoMysql,
    /// `Host=db;Port=5432;SSL Mode=VerifyFull` (Npgsql, MySqlConnector).
    AdoNet(AdoKind),
}

impl Dialect {
    /// The dialect's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::HostPort => "host:port",
            Dialect::Uri => "URI",
            Dialect::LibpqKeywords => "libpq keyword/value",
            Dialect::Jdbc(JdbcKind::Postgres) => "JDBC URL (pgjdbc)",
            Dialect::Jdbc(JdbcKind::Mysql) => "JDBC URL (MySQL Connector/J)",
            Dialect::Jdbc(JdbcKind::Mariadb) => "JDBC URL (MariaDB Connector/J)",
            Dialect::GoMysql => "Go MySQL DSN",
            Dialect::AdoNet(_) => "ADO.NET connection string",
        }
    }
}

/// URI schemes a target may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Postgres,
    Mysql,
    Mongo,
    MongoSrv,
    Tls,
}

impl Scheme {
    fn from_str(s: &str) -> Option<Scheme> {
        Some(match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Scheme::Postgres,
            "mysql" => Scheme::Mysql,
            "mongodb" => Scheme::Mongo,
            "mongodb+srv" => Scheme::MongoSrv,
            "tls" => Scheme::Tls,
            _ => return None,
        })
    }
}

/// A parsed TARGET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The syntax the TARGET was written in.
    pub dialect: Dialect,
    /// The protocol's scheme: the URI's own, or the one the dialect implies
    /// (libpq keywords, pgjdbc and Npgsql: `Postgres`; Connector/J, MariaDB
    /// Connector/J, Go's driver and MySqlConnector: `Mysql`). `None` for a
    /// bare `host[:port]`.
    pub scheme: Option<Scheme>,
    /// `None` when a connection string leaves the host out (`postgresql:///db`).
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Every host of a MongoDB seed list, in order (`host` and `port` are
    /// the first); one entry otherwise, none when there is no host.
    pub hosts: Vec<(String, Option<u16>)>,
    pub user: Option<String>,
    /// Whether the text carried a password; the password itself is not kept
    /// outside `params`.
    pub has_password: bool,
    pub database: Option<String>,
    /// Every key/value of the text, decoded as the dialect's driver decodes
    /// it, in the order given, keys as written (a URI's or JDBC URL's query;
    /// every pair of libpq keyword and ADO.NET strings, including the ones
    /// also read into `host`, `port`, `user`, `database`).
    pub params: Vec<(String, String)>,
    /// The input with every password replaced by `***`, safe to print.
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the target is empty")]
    Empty,
    #[error("unknown scheme `{0}://`: use postgres://, postgresql://, mysql://, mongodb://, mongodb+srv:// or tls:// (or host:port)")]
    UnknownScheme(String),
    #[error("bad port `{0}`: a port is a number from 1 to 65535")]
    BadPort(String),
    #[error("unclosed `[` in `{0}`: write IPv6 addresses as [addr]:port")]
    UnclosedBracket(String),
    #[error("`{0}` in brackets is not an IPv6 address")]
    BadIpv6(String),
    #[error("bad percent-encoding in `{0}`")]
    BadEncoding(String),
    #[error("several hosts (`{0}`) are not supported yet: check each host on its own")]
    SeveralHosts(String),
    #[error("query parameter `{0}` has no `=value`")]
    BadParam(String),
    #[error("`{0}` is not a host name")]
    BadHost(String),
    /// A dialect's own syntax error; `dialect` is [`Dialect::name`].
    #[error("{dialect}: {message}")]
    Syntax {
        dialect: &'static str,
        message: String,
    },
    #[error("{0}: a Unix socket; TLS is not used over sockets, so there is nothing to check (give the TCP host and port)")]
    UnixSocket(String),
    #[error("ADO.NET connection string: cannot tell whether it is for Npgsql or MySqlConnector ({0}): pass --client npgsql or --client mysqlconnector")]
    AdoClientUnknown(String),
}

impl TargetError {
    pub(crate) fn syntax(dialect: Dialect, message: impl Into<String>) -> TargetError {
        TargetError::Syntax {
            dialect: dialect.name(),
            message: message.into(),
        }
    }
}

impl Target {
    /// Parse a TARGET, detecting its dialect from the text.
    ///
    /// Detection, after trimming surrounding white space, in this order (the
    /// first rule that matches decides; the chosen parser's errors are final):
    ///
    /// 1. `jdbc:` followed by a letter, in any case → a JDBC URL
    ///    ([`jdbc`]; the drivers want `jdbc:` in lower case, so other cases
    ///    are an error). `jdbc:5432` stays a host and port.
    /// 2. A URI scheme (a letter, then letters, digits, `+`, `-`, `.`) and
    ///    `://` → a URI, as before: `postgres://`, `postgresql://`,
    ///    `mysql://`, `mongodb://`, `mongodb+srv://`, `tls://`; other schemes
    ///    are an error.
    /// 3. A key (letters, digits, `_`, `-`, `.`, inner spaces) then `=`:
    ///    a key/value string. It is libpq keyword/value ([`libpq`]) when the
    ///    first key is a libpq keyword's shape (`[a-z_]+`, as every libpq
    ///    keyword is) and no `;` appears outside libpq's quoting; otherwise
    ///    it is ADO.NET ([`adonet`]): `Server=db`, `SSL Mode=Require`,
    ///    `host=db;port=5432`. A libpq value holding `;` must be quoted
    ///    (`password='a;b'`).
    /// 4. Text holding `/`, `@` or `(` → a go-sql-driver/mysql DSN
    ///    ([`gomysql`]). None of these was ever valid in a host name.
    /// 5. Anything else → `host`, `host:port`, `[v6]:port` or a bare IPv6
    ///    address, as before.
    ///
    /// Everything that parsed before keeps its meaning, except a host name
    /// holding `=`, `/`, `@` or `(` (never a resolvable name), now read as
    /// a connection string.
    ///
    /// An ADO.NET string whose driver cannot be told from its keys or port
    /// is an error ([`TargetError::AdoClientUnknown`]); pass the driver with
    /// [`Target::parse_with_client`].
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        Target::parse_with_client(input, None)
    }

    /// [`Target::parse`], with the ADO.NET driver given (`--client`) instead
    /// of decided from the text by [`adonet::decide`].
    pub fn parse_with_client(input: &str, ado: Option<AdoKind>) -> Result<Target, TargetError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(TargetError::Empty);
        }
        match detect(input) {
            Detected::Jdbc => jdbc::parse(input),
            Detected::Uri(i) => {
                let scheme_text = &input[..i];
                let scheme = Scheme::from_str(scheme_text)
                    .ok_or_else(|| TargetError::UnknownScheme(scheme_text.to_string()))?;
                parse_uri(input, scheme, &input[i + 3..])
            }
            Detected::Libpq => libpq::parse(input),
            Detected::AdoNet => adonet::parse(input, ado),
            Detected::GoMysql => gomysql::parse(input),
            Detected::HostPort => {
                let (host, port) = split_host_port(input)?;
                let host = host.ok_or_else(|| TargetError::BadHost(input.to_string()))?;
                Ok(Target {
                    dialect: Dialect::HostPort,
                    scheme: None,
                    hosts: vec![(host.clone(), port)],
                    host: Some(host),
                    port,
                    user: None,
                    has_password: false,
                    database: None,
                    params: Vec::new(),
                    display: input.to_string(),
                })
            }
        }
    }

    /// The value of option `name`, its name compared case-insensitively as
    /// the MongoDB URI specification requires (the last one wins).
    pub fn param_ci(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name` (the last one wins, as in libpq).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_uri(input: &str, scheme: Scheme, rest: &str) -> Result<Target, TargetError> {
    // authority ends at the first '/' or '?'
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(auth_end);
    let (path, query) = match after.find('?') {
        Some(q) => (&after[..q], Some(&after[q + 1..])),
        None => (after, None),
    };

    let (userinfo, hostlist) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (user, has_password) = match userinfo {
        None => (None, false),
        Some(ui) => match ui.find(':') {
            Some(c) => (Some(decode(&ui[..c])?), true),
            None => (Some(decode(ui)?), false),
        },
    };
    let user = user.filter(|u| !u.is_empty());

    // MongoDB seed lists name several hosts; other schemes one.
    let mut hosts = Vec::new();
    if hostlist.contains(',') && scheme != Scheme::Mongo {
        return Err(TargetError::SeveralHosts(hostlist.to_string()));
    }
    for part in hostlist.split(',').filter(|_| !hostlist.is_empty()) {
        let (h, p) = split_host_port(part)?;
        let h = h.ok_or_else(|| TargetError::BadHost(part.to_string()))?;
        hosts.push((decode(&h)?, p));
    }
    let (host, port) = match hosts.first() {
        Some((h, p)) => (Some(h.clone()), *p),
        None => (None, None),
    };

    let database = path
        .strip_prefix('/')
        .filter(|d| !d.is_empty())
        .map(decode)
        .transpose()?;

    let mut params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| TargetError::BadParam(pair.to_string()))?;
        params.push((decode(k)?, decode(v)?));
    }

    let display = if has_password {
        mask_password(input)
    } else {
        input.to_string()
    };
    let display = mask_secret_params(&display);
    Ok(Target {
        dialect: Dialect::Uri,
        scheme: Some(scheme),
        host,
        port,
        hosts,
        user,
        has_password,
        database,
        params,
        display,
    })
}

/// Whether a connection-string parameter holds a secret that is never printed:
/// its name, compared case-insensitively and ignoring `_`, `-` and spaces,
/// ends in `password` (`password`, `sslpassword`, `SSL Password`,
/// `tlsCertificateKeyFilePassword`, `trustCertificateKeyStorePassword`, …)
/// or is ADO.NET's `Pwd`.
pub fn is_secret_param(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k.ends_with("password") || k == "pwd"
}

/// Replace the byte ranges `spans` of `input` (secret values) with `***`.
/// Spans must lie on character boundaries; overlapping ones are merged.
fn mask_spans(input: &str, mut spans: Vec<Range<usize>>) -> String {
    spans.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(input.len() + 3 * spans.len());
    let mut at = 0;
    for r in spans {
        if r.end <= at {
            continue;
        }
        let start = r.start.max(at);
        out.push_str(&input[at..start]);
        out.push_str("***");
        at = r.end;
    }
    out.push_str(&input[at..]);
    out
}

/// Which parser [`Target::parse`] hands the text to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detected {
    Jdbc,
    /// The byte index of `://`.
    Uri(usize),
    Libpq,
    AdoNet,
    GoMysql,
    HostPort,
}

fn detect(input: &str) -> Detected {
    let b = input.as_bytes();
    if b.len() > 5 && b[..5].eq_ignore_ascii_case(b"jdbc:") && b[5].is_ascii_alphabetic() {
        return Detected::Jdbc;
    }
    if let Some(i) = input.find("://") {
        let scheme = &b[..i];
        if !scheme.is_empty()
            && scheme[0].is_ascii_alphabetic()
            && scheme
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            return Detected::Uri(i);
        }
    }
    if let Some(key) = leading_key(input) {
        let libpq_shape = key.bytes().all(|c| c.is_ascii_lowercase() || c == b'_');
        return if libpq_shape && !libpq::has_unquoted_semicolon(input) {
            Detected::Libpq
        } else {
            Detected::AdoNet
        };
    }
    if input.contains(['/', '@', '(']) {
        return Detected::GoMysql;
    }
    Detected::HostPort
}

/// The key before the first `=` when the text starts `key=` (white space
/// allowed around the `=`): letters, digits, `_`, `-`, `.` and inner spaces.
fn leading_key(input: &str) -> Option<&str> {
    let eq = input.find('=')?;
    let key = input[..eq].trim_end();
    let ok = !key.is_empty()
        && key.as_bytes()[0].is_ascii_alphabetic()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b' ' | b'\t'));
    ok.then_some(key)
}

/// Replace the values of secret query parameters (`sslpassword=…`) with `***`.
fn mask_secret_params(input: &str) -> String {
    let Some((head, query)) = input.split_once('?') else {
        return input.to_string();
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_param(&decode(k).unwrap_or_default()) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{head}?{}", masked.join("&"))
}

/// Replace the password in `scheme://user:password@host` with `***`.
fn mask_password(input: &str) -> String {
    let start = input.find("://").map(|i| i + 3).unwrap_or(0);
    let auth_end = input[start..]
        .find(['/', '?'])
        .map(|i| start + i)
        .unwrap_or(input.len());
    let authority = &input[start..auth_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &input[..start],
            &authority[..colon],
            &input[start + at..]
        ),
        _ => input.to_string(),
    }
}

/// Split `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
fn split_host_port(s: &str) -> Result<(Option<String>, Option<u16>), TargetError> {
    if let Some(inner) = s.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| TargetError::UnclosedBracket(s.to_string()))?;
        let addr = &inner[..close];
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(TargetError::BadIpv6(addr.to_string()));
        }
        let rest = &inner[close + 1..];
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if rest.is_empty() => None,
            None => return Err(TargetError::BadHost(s.to_string())),
        };
        return Ok((Some(addr.to_string()), port));
    }
    // A bare IPv6 address has several colons and no brackets.
    if s.matches(':').count() > 1 {
        return match s.parse::<std::net::Ipv6Addr>() {
            Ok(_) => Ok((Some(s.to_string()), None)),
            Err(_) => Err(TargetError::BadIpv6(s.to_string())),
        };
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(parse_port(p)?)),
        None => (s, None),
    };
    if host.is_empty() {
        return Ok((None, port));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(TargetError::BadHost(host.to_string()));
    }
    Ok((Some(host.to_string()), port))
}

fn parse_port(p: &str) -> Result<u16, TargetError> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(TargetError::BadPort(p.to_string())),
    }
}

fn decode(s: &str) -> Result<String, TargetError> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| TargetError::BadEncoding(s.to_string()))
}

/// A host as typed: a DNS name or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

impl Host {
    pub fn new(s: &str) -> Host {
        match s.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Name(s.trim_end_matches('.').to_ascii_lowercase()),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        let t = Target::parse("db.example.com:5432").unwrap();
        assert_eq!(t.scheme, None);
        assert_eq!(t.host.as_deref(), Some("db.example.com"));
        assert_eq!(t.port, Some(5432));

        let t = Target::parse("[::1]:4000").unwrap();
        assert_eq!(t.host.as_deref(), Some("::1"));
        assert_eq!(t.port, Some(4000));

        let t = Target::parse("::1").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("::1"), None));

        let t = Target::parse("localhost").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("localhost"), None));
    }

    #[test]
    fn bad_targets_name_the_bad_part() {
        assert_eq!(
            Target::parse("db:99999"),
            Err(TargetError::BadPort("99999".into()))
        );
        assert_eq!(
            Target::parse("[::1:5432"),
            Err(TargetError::UnclosedBracket("[::1:5432".into()))
        );
        assert_eq!(
            Target::parse("[nothex]:1"),
            Err(TargetError::BadIpv6("nothex".into()))
        );
        assert_eq!(
            Target::parse("ftp://x"),
            Err(TargetError::UnknownScheme("ftp".into()))
        );
        assert_eq!(
            Target::parse("postgresql://h/db?sslmode"),
            Err(TargetError::BadParam("sslmode".into()))
        );
        assert_eq!(
            Target::parse("postgresql://h:port/db"),
            Err(TargetError::BadPort("port".into()))
        );
    }

    #[test]
    fn libpq_uri() {
        let t = Target::parse(
            "postgresql://app:s%40cret@db.example.com:6432/shop?sslmode=verify-ca&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .unwrap();
        assert_eq!(t.scheme, Some(Scheme::Postgres));
        assert_eq!(t.user.as_deref(), Some("app"));
        assert!(t.has_password);
        assert_eq!(t.host.as_deref(), Some("db.example.com"));
        assert_eq!(t.port, Some(6432));
        assert_eq!(t.database.as_deref(), Some("shop"));
        assert_eq!(t.param("sslmode"), Some("verify-ca"));
        assert_eq!(t.param("sslrootcert"), Some("/tmp/ca.pem"));
        assert!(!t.display.contains("s%40cret"));
        assert!(t.display.contains("app:***@db.example.com"));
        let t = Target::parse("postgresql://db/x?sslpassword=hunter2&sslmode=require").unwrap();
        assert_eq!(
            t.display,
            "postgresql://db/x?sslpassword=***&sslmode=require"
        );
        let t = Target::parse("mysql://db/x?tlsCertificateKeyFilePassword=hunter2").unwrap();
        assert!(!t.display.contains("hunter2"), "{}", t.display);
    }

    #[test]
    fn uri_without_host() {
        let t = Target::parse("postgres:///shop").unwrap();
        assert_eq!(t.host, None);
        assert_eq!(t.port, None);
        assert_eq!(t.database.as_deref(), Some("shop"));
        let t = Target::parse("postgresql://[2001:db8::1]:5433").unwrap();
        assert_eq!(t.host.as_deref(), Some("2001:db8::1"));
        assert_eq!(t.port, Some(5433));
    }

    #[test]
    fn mongodb_seed_lists() {
        let t = Target::parse(
            "mongodb://u:pw@a.example.com,b.example.com:27018,[::1]:3/app?TLS=true&replicaSet=rs0",
        )
        .unwrap();
        assert_eq!(t.scheme, Some(Scheme::Mongo));
        assert_eq!(
            t.hosts,
            vec![
                ("a.example.com".into(), None),
                ("b.example.com".into(), Some(27018)),
                ("::1".into(), Some(3))
            ]
        );
        assert_eq!(t.host.as_deref(), Some("a.example.com"));
        assert_eq!(t.param_ci("tls"), Some("true"));
        assert_eq!(t.param_ci("REPLICASET"), Some("rs0"));
        assert!(t.display.contains("u:***@a.example.com"));
        assert!(matches!(
            Target::parse("mongodb://a,,b/"),
            Err(TargetError::BadHost(_))
        ));
    }

    #[test]
    fn several_hosts_are_refused_clearly() {
        assert!(matches!(
            Target::parse("postgresql://a:1,b:2/db"),
            Err(TargetError::SeveralHosts(_))
        ));
    }

    #[test]
    fn go_dsn_with_password_is_not_an_ipv6_address() {
        // This failed with "in brackets is not an IPv6 address".
        let t = Target::parse("user:pass@tcp(host:3306)/db").unwrap();
        assert_eq!(t.dialect, Dialect::GoMysql);
        assert_eq!((t.host.as_deref(), t.port), (Some("host"), Some(3306)));
        assert_eq!(t.display, "user:***@tcp(host:3306)/db");
    }

    #[test]
    fn detection() {
        let d = |s: &str| Target::parse(s).map(|t| t.dialect);
        assert_eq!(d("db:5432"), Ok(Dialect::HostPort));
        assert_eq!(d("jdbc:5432"), Ok(Dialect::HostPort));
        assert_eq!(d("[::1]:1"), Ok(Dialect::HostPort));
        assert_eq!(d("postgresql://h/db"), Ok(Dialect::Uri));
        assert_eq!(d("mongodb+srv://h/"), Ok(Dialect::Uri));
        assert_eq!(d("host=h"), Ok(Dialect::LibpqKeywords));
        assert_eq!(d("sslmode = require host=h"), Ok(Dialect::LibpqKeywords));
        assert_eq!(d("host=h;port=5432"), Ok(Dialect::AdoNet(AdoKind::Npgsql)));
        assert_eq!(d("Host=h;Port=5432"), Ok(Dialect::AdoNet(AdoKind::Npgsql)));
        assert_eq!(
            d("SSL Mode=Require;Server=h"),
            Ok(Dialect::AdoNet(AdoKind::Npgsql))
        );
        assert_eq!(d("Server=h"), Ok(Dialect::AdoNet(AdoKind::MySqlConnector)));
        assert_eq!(
            d("jdbc:postgresql://h/"),
            Ok(Dialect::Jdbc(JdbcKind::Postgres))
        );
        assert_eq!(d("jdbc:mysql://h/"), Ok(Dialect::Jdbc(JdbcKind::Mysql)));
        assert_eq!(d("jdbc:mariadb://h/"), Ok(Dialect::Jdbc(JdbcKind::Mariadb)));
        assert_eq!(d("tcp(h)/"), Ok(Dialect::GoMysql));
        assert_eq!(d("/db"), Ok(Dialect::GoMysql));
        assert_eq!(d("u:p://x@tcp(h)/"), Ok(Dialect::GoMysql));
        // Unknown schemes are refused as before.
        assert_eq!(d("ftp://x"), Err(TargetError::UnknownScheme("ftp".into())));
        // A URL inside a libpq value does not make it a URI.
        let t = Target::parse("host=h options='-c x=http://y'").unwrap();
        assert_eq!(t.param("options"), Some("-c x=http://y"));
    }

    #[test]
    fn schemes_follow_the_dialect() {
        let s = |x: &str| Target::parse(x).unwrap().scheme;
        assert_eq!(s("host=h"), Some(Scheme::Postgres));
        assert_eq!(s("jdbc:postgresql:db"), Some(Scheme::Postgres));
        assert_eq!(s("jdbc:mysql://h/"), Some(Scheme::Mysql));
        assert_eq!(s("jdbc:mariadb://h/"), Some(Scheme::Mysql));
        assert_eq!(s("/db"), Some(Scheme::Mysql));
        assert_eq!(s("Host=h;Port=5432"), Some(Scheme::Postgres));
        assert_eq!(s("Server=h;Port=3306"), Some(Scheme::Mysql));
        assert_eq!(s("h:1"), None);
    }

    /// Every example the dialect tests use, for the no-panic test below.
    const EXAMPLES: &[&str] = &[
        "db.example.com:5432",
        "[::1]:4000",
        "postgresql://app:s%40cret@db.example.com:6432/shop?sslmode=verify-ca&sslpassword=x",
        "mongodb://u:pw@a.example.com,b.example.com:27018,[::1]:3/app?TLS=true",
        "host=db port=5432 dbname=x sslmode=verify-full sslrootcert='/path with space/root.crt'",
        r"host = db  port= 5 password='it\'s\\x' sslpassword=k\ ey",
        "jdbc:postgresql://db:5433/shop?sslmode=verify-full&sslrootcert=/a%20b&password=s",
        "jdbc:mysql://app:p%40ss@db:3307/shop?sslMode=VERIFY_IDENTITY",
        "jdbc:mysql://address=(host=h)(port=3308)(password=x)/db",
        "jdbc:mysql://(host=h,port=3309,password=pw)/db",
        "jdbc:mariadb:replication://address=(host=h)(port=3308)(type=master)/db?password=p",
        "user:p@ss:w/rd@tcp([::1]:3306)/db?tls=true&x=%2F",
        "user@unix(/var/run/mysqld.sock)/db",
        r#"Host = "d;b" ; Password='it''s;x' ;Port=5432;Search Path="a""b""#,
        "Server=db;Port=3306;User ID=u;Password=p;SslMode=VerifyCA;SslCa=/path;",
    ];

    fn parse_all_ways(s: &str) {
        for client in [None, Some(AdoKind::Npgsql), Some(AdoKind::MySqlConnector)] {
            if let Ok(t) = Target::parse_with_client(s, client) {
                assert!(
                    t.display.len() <= 4 * s.len() + 3,
                    "display grew: {s:?} → {:?}",
                    t.display
                );
                let total: usize = t.params.iter().map(|(k, v)| k.len() + v.len()).sum();
                assert!(total <= s.len(), "params larger than the input: {s:?}");
            }
        }
    }

    #[test]
    fn never_panics_on_truncations_or_random_bytes() {
        for ex in EXAMPLES {
            for (i, _) in ex.char_indices() {
                parse_all_ways(&ex[..i]);
                parse_all_ways(&ex[i..]);
            }
        }
        // A fixed xorshift, so failures reproduce; bytes biased to the
        // characters the parsers treat specially.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let special = b"=;'\"\\ :/@()[],?&%+#jdbc:postgresql:mysql:mariadb:tcp(unix(Host=Server=";
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(if x % 3 == 0 {
                    (x >> 8) as u8
                } else {
                    special[((x >> 16) % special.len() as u64) as usize]
                });
            }
            let s = String::from_utf8_lossy(&bytes);
            parse_all_ways(&s);
            // Splice a random piece into a real example.
            let ex = EXAMPLES[(x % EXAMPLES.len() as u64) as usize];
            let cut = (x >> 20) as usize % (ex.len() + 1);
            if ex.is_char_boundary(cut) {
                parse_all_ways(&format!("{}{}{}", &ex[..cut], s, &ex[cut..]));
            }
        }
    }
}
