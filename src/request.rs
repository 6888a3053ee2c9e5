//! What the user asked for, before anything is resolved: the [`Request`]
//! (filled from the command line by `cli`, or by a test or the demo directly)
//! and the vocabulary both the request and the resolved plan speak — modes,
//! protocols, TLS versions, where a setting came from.
//!
//! It sits below `settings` and `clients`: both read it, it reads neither.

use std::fmt;
use std::path::PathBuf;

use clap::ValueEnum;
use serde::Serialize;

use crate::target::TargetError;

/// Client modes, named as libpq names them, plus `insecure` (encrypt, check
/// nothing). MySQL's `--ssl-mode` names are accepted as aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[value(alias = "disabled")]
    Disable,
    Allow,
    #[value(alias = "preferred")]
    Prefer,
    #[value(alias = "required")]
    Require,
    #[value(alias = "verify_ca")]
    VerifyCa,
    #[value(alias = "verify_identity")]
    VerifyFull,
    Insecure,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::Disable,
        Mode::Allow,
        Mode::Prefer,
        Mode::Require,
        Mode::VerifyCa,
        Mode::VerifyFull,
        Mode::Insecure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Allow => "allow",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
            Mode::Insecure => "insecure",
        }
    }

    /// libpq's `sslmode` spellings.
    pub fn from_sslmode(s: &str) -> Option<Mode> {
        Some(match s {
            "disable" => Mode::Disable,
            "allow" => Mode::Allow,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            _ => return None,
        })
    }

    /// MySQL's `--ssl-mode` spellings (any case, `-` or `_`), and libpq's.
    pub fn from_mysql_ssl_mode(s: &str) -> Option<Mode> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Some(match s.as_str() {
            "disabled" => Mode::Disable,
            "preferred" => Mode::Prefer,
            "required" => Mode::Require,
            "verify-identity" => Mode::VerifyFull,
            other => return Mode::from_sslmode(other),
        })
    }

    /// MySQL's name for the mode (`--ssl-mode=VERIFY_IDENTITY`), where it has one.
    pub fn mysql_name(self) -> Option<&'static str> {
        Some(match self {
            Mode::Disable => "DISABLED",
            Mode::Prefer => "PREFERRED",
            Mode::Require => "REQUIRED",
            Mode::VerifyCa => "VERIFY_CA",
            Mode::VerifyFull => "VERIFY_IDENTITY",
            Mode::Allow | Mode::Insecure => return None,
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolChoice {
    Auto,
    Postgres,
    Mysql,
    Mongo,
    Tls,
}

/// The wire protocol spoken before TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Postgres,
    Mysql,
    Mongo,
    Tls,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Postgres => "postgres",
            Protocol::Mysql => "mysql",
            Protocol::Mongo => "mongo",
            Protocol::Tls => "tls",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Postgres => 5432,
            Protocol::Mysql => 3306,
            Protocol::Mongo => 27017,
            Protocol::Tls => 443,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ValueEnum)]
pub enum TlsVersion {
    #[value(name = "1.2")]
    #[serde(rename = "TLSv1.2")]
    V1_2,
    #[value(name = "1.3")]
    #[serde(rename = "TLSv1.3")]
    V1_3,
}

impl TlsVersion {
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::V1_2 => "TLSv1.2",
            TlsVersion::V1_3 => "TLSv1.3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PgNegotiation {
    /// SSLRequest, then TLS on `S`.
    Postgres,
    /// TLS from the first byte with ALPN `postgresql` (PostgreSQL 17+).
    Direct,
}

/// Which served certificates `--ocsp` asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OcspScope {
    Leaf,
    All,
}

/// Where the CA for verification comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaChoice {
    File(PathBuf),
    /// The operating system's store (`system`, as libpq 16+ spells it).
    System,
}

/// What to send as SNI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sni {
    /// The host's name; nothing for an IP address (as libpq and rustls do).
    Auto,
    Name(String),
    Off,
}

/// Where an effective setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Uri(&'static str),
    Env(&'static str),
    /// A connection-string parameter, in the spelling the user wrote
    /// (`ssl_mode`, `sslMode`, `tls`, …).
    UriParam(String),
    Default,
    /// A default that depends on something else, explained.
    Derived(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(name) => write!(f, "flag --{name}"),
            Origin::Uri(name) => write!(f, "connection string {name}="),
            Origin::UriParam(name) => write!(f, "connection string {name}="),
            Origin::Env(name) => write!(f, "environment {name}"),
            Origin::Default => f.write_str("default"),
            Origin::Derived(why) => write!(f, "default: {why}"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One effective setting, as shown in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SettingReport {
    pub name: &'static str,
    pub value: String,
    pub source: Origin,
}
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("bad target: {0}")]
    Target(#[from] TargetError),
    #[error("{0}")]
    Invalid(String),
}

/// Read-only view of the process environment, so tests can pass their own.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
    /// Whether a password may be asked for on the terminal.
    fn interactive(&self) -> bool {
        false
    }
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
    fn interactive(&self) -> bool {
        std::io::IsTerminal::is_terminal(&std::io::stdin())
    }
}

/// A fixed environment, for tests and the demo.
pub struct FixedEnv<'a>(pub &'a [(&'a str, &'a str)]);

impl Env for FixedEnv<'_> {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// What to check and how, as asked: `tlscheck connect`'s options without
/// the ones that only shape the output. Plain data: `cli` fills it from the
/// command line, tests and the demo build it directly, and
/// [`crate::settings::resolve`] turns it into a plan.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// TARGET as typed: `host:port`, a URI, or a connection string in any dialect.
    pub target: String,
    pub protocol: Option<ProtocolChoice>,
    /// `--client`: the profile whose rules decide.
    pub client: Option<String>,
    pub mode: Option<Mode>,
    pub tls_allow_invalid_hostnames: bool,
    pub tls_allow_invalid_certificates: bool,
    pub tls_insecure: bool,
    pub all_members: bool,
    pub dns_server: Option<std::net::SocketAddr>,
    /// A CA file, or `system`.
    pub ca_file: Option<String>,
    pub crl_file: Vec<PathBuf>,
    pub crl_fetch: bool,
    pub ocsp: Option<OcspScope>,
    pub warn_days: u32,
    pub fail_days: Option<u32>,
    pub strict: bool,
    pub sni: Option<String>,
    pub no_sni: bool,
    pub tls_min: Option<TlsVersion>,
    pub tls_max: Option<TlsVersion>,
    pub pg_negotiation: Option<PgNegotiation>,
    pub timeout: Option<f64>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub key_password_file: Option<PathBuf>,
    pub user: Option<String>,
    /// `--at`: judge as of this instant (seconds since the epoch) rather
    /// than now.
    pub at: Option<i64>,
}

impl Request {
    /// A request for `target` with every option at its default.
    pub fn new(target: impl Into<String>) -> Request {
        Request {
            target: target.into(),
            warn_days: 30,
            ..Request::default()
        }
    }
}

/// `--at`: an RFC 3339 instant (`2027-03-01T12:00:00Z`, any offset) or a
/// date (`2027-03-01`, midnight UTC), as seconds since the epoch.
pub fn parse_instant(text: &str) -> Result<i64, String> {
    use ::time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(t) = ::time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let day = ::time::macros::format_description!("[year]-[month]-[day]");
    match ::time::Date::parse(text, &day) {
        Ok(d) => Ok(d.midnight().assume_utc().unix_timestamp()),
        Err(_) => Err(format!(
            "{text:?} is not a time: give an RFC 3339 instant (2027-03-01T12:00:00Z) or a date (2027-03-01, midnight UTC)"
        )),
    }
}

#[cfg(test)]
mod instant_tests {
    use super::parse_instant;

    #[test]
    fn instants_and_dates_are_read_in_utc() {
        assert_eq!(parse_instant("1970-01-02"), Ok(86_400));
        assert_eq!(parse_instant("1970-01-01T01:00:00Z"), Ok(3_600));
        assert_eq!(parse_instant("1970-01-01T02:00:00+01:00"), Ok(3_600));
        assert!(parse_instant("next tuesday")
            .unwrap_err()
            .contains("RFC 3339"));
        assert!(parse_instant("2027-02-30").is_err());
    }
}
