//! Parse what the user typed as TARGET: `host`, `host:port`, `[v6]:port`,
//! `tls://host:port`, or a connection string (`postgresql://…`).
//!
//! This step only splits the text into its parts. What the parts mean for the
//! check (modes, files, precedence against flags and environment) is decided
//! in [`crate::settings`].

use std::fmt;
use std::net::IpAddr;

use percent_encoding::percent_decode_str;

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
    /// `None` for a bare `host[:port]`.
    pub scheme: Option<Scheme>,
    /// `None` when a connection string leaves the host out (`postgresql:///db`).
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Every host of a MongoDB seed list, in order (`host` and `port` are
    /// the first); one entry otherwise, none when there is no host.
    pub hosts: Vec<(String, Option<u16>)>,
    pub user: Option<String>,
    /// Whether the URI carried a password; the password itself is not kept.
    pub has_password: bool,
    pub database: Option<String>,
    /// Query parameters, decoded, in the order given.
    pub params: Vec<(String, String)>,
    /// The input with any password replaced by `***`, safe to print.
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
}

impl Target {
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(TargetError::Empty);
        }
        match input.find("://") {
            Some(i) => {
                let scheme_text = &input[..i];
                let scheme = Scheme::from_str(scheme_text)
                    .ok_or_else(|| TargetError::UnknownScheme(scheme_text.to_string()))?;
                parse_uri(input, scheme, &input[i + 3..])
            }
            None => {
                let (host, port) = split_host_port(input)?;
                let host = host.ok_or_else(|| TargetError::BadHost(input.to_string()))?;
                Ok(Target {
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

/// Query parameters whose value is a secret (key passwords users paste into
/// connection strings), compared case-insensitively, `_` and `-` alike.
const SECRET_PARAMS: &[&str] = &[
    "password",
    "sslpassword",
    "ssl-password",
    "tlscertificatekeyfilepassword",
    "sslkeypassword",
];

/// Whether a connection-string parameter holds a secret that is never printed.
pub fn is_secret_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('_', "-");
    SECRET_PARAMS.contains(&k.as_str())
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
}
