//! Turn flags, the target's connection string and the environment into one
//! [`Plan`]: what to connect to, how, and under which rules to judge it.
//!
//! Precedence is flag > connection string > environment > default, and every
//! effective setting remembers where it came from, because "why did it use
//! that CA file?" is half of every support ticket.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

use crate::cli::ConnectArgs;
use crate::target::{Host, Scheme, Target, TargetError};

pub mod mongo;
pub use mongo::MongoPlan;

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
    fn from_sslmode(s: &str) -> Option<Mode> {
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
    fn from_mysql_ssl_mode(s: &str) -> Option<Mode> {
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

/// Whose rules decide the quirks of a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientRules {
    /// A libpq connection string: libpq's root-file rules and host-name rules.
    Libpq,
    /// `host:port` or `tls://`: the tool's own documented defaults (OS store
    /// when no CA is given; RFC 6125 host names).
    Generic,
    /// MongoDB targets, as PyMongo decides: Python's `ssl` (OpenSSL) with
    /// the OS store unless tlsCAFile, OpenSSL's host-name rules (CN only
    /// when no DNS SAN), tlsCRLFile checked for the leaf.
    Pymongo,
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

/// `--user`: one step past TLS, the protocol's login opening without a
/// password, to see what the server answers.
#[derive(Debug, Clone)]
pub struct Login {
    pub protocol: Protocol,
    pub user: String,
    pub database: Option<String>,
}

/// Everything the pipeline needs to run one check.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The target as typed, password masked.
    pub display: String,
    /// The host as typed: used for SNI and the host-name check.
    pub host: String,
    /// Where to connect when it differs from `host` (libpq's `hostaddr`).
    pub connect_host: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
    pub protocol_reason: String,
    pub mode: Mode,
    pub mode_origin: Origin,
    pub ca: Option<CaChoice>,
    /// A root file named by the connection string or PGSSLROOTCERT that does
    /// not exist (libpq then behaves as if none were given).
    pub missing_root_file: Option<PathBuf>,
    /// CRL files to check the chain against.
    pub crls: Vec<PathBuf>,
    pub crl_fetch: bool,
    pub ocsp: Option<OcspScope>,
    pub warn_days: u32,
    /// `None`: expired certificates fail only modes that check them.
    pub fail_days: Option<u32>,
    pub strict: bool,
    pub sni: Sni,
    pub tls_min: Option<TlsVersion>,
    pub tls_max: Option<TlsVersion>,
    pub pg_negotiation: PgNegotiation,
    pub timeout: Duration,
    pub rules: ClientRules,
    /// The client certificate to present, read and checked (mutual TLS).
    pub identity: Option<crate::identity::Identity>,
    /// libpq's `sslcertmode=require`: fail when the server does not ask
    /// for a client certificate.
    pub require_cert_request: bool,
    /// `--user`: the login opening to send after TLS.
    pub login: Option<Login>,
    /// MongoDB targets: the seed list and topology options.
    pub mongo: Option<MongoPlan>,
    pub settings: Vec<SettingReport>,
    pub notes: Vec<String>,
}

impl Plan {
    /// The name the certificate must be valid for: the SNI override when
    /// given (as Go's `ServerName` and libpq's `host` with `hostaddr`), else the host.
    pub fn verify_name(&self) -> Host {
        match &self.sni {
            Sni::Name(n) => Host::new(n),
            _ => Host::new(&self.host),
        }
    }

    /// The SNI actually sent, if any.
    pub fn sni_sent(&self) -> Option<String> {
        match &self.sni {
            Sni::Off => None,
            Sni::Name(n) => Some(n.clone()),
            Sni::Auto => match Host::new(&self.host) {
                Host::Name(n) => Some(n),
                Host::Ip(_) => None,
            },
        }
    }
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

/// libpq parameters that tlscheck knows and that do not change a TLS check.
const LIBPQ_IGNORED_PARAMS: &[&str] = &[
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "sslcompression",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    "requirepeer",
    "min_protocol_version",
    "max_protocol_version",
];

/// MySQL-protocol connection-string parameters that tlscheck knows and that
/// do not change a TLS check (normalized: lower case, `_` read as `-`).
const MYSQL_IGNORED_PARAMS: &[&str] = &[
    "user",
    "password",
    "database",
    "dbname",
    "schema",
    "charset",
    "collation",
    "ssl-cipher",
    "sslcipher",
    "tls-ciphersuites",
    "get-server-public-key",
    "server-public-key-path",
    "serverpubkey",
    "allowpublickeyretrieval",
    "compression",
    "compression-algorithms",
    "compress",
    "auth-method",
    "timeout",
    "readtimeout",
    "writetimeout",
    "parsetime",
    "loc",
    "allownativepasswords",
    "allowcleartextpasswords",
    "multistatements",
    "interpolateparams",
    "autocommit",
    "maxallowedpacket",
    "servertimezone",
    "useunicode",
    "characterencoding",
    "connection-attributes",
];

/// What a `mysql://` connection string says about TLS, each value with the
/// parameter (as spelled) it came from.
#[derive(Debug, Default)]
struct MysqlDsn {
    mode: Option<(Mode, Origin)>,
    ca: Option<(String, Origin)>,
    crl: Option<(String, Origin)>,
    tls_min: Option<(TlsVersion, Origin)>,
    tls_max: Option<(TlsVersion, Origin)>,
    timeout: Option<(String, Origin)>,
    cert: Option<(String, Origin)>,
    key: Option<(String, Origin)>,
}

/// Read the TLS parameters of a `mysql://` URI in the spellings people paste
/// from MySQL's own clients (`ssl-mode`), other drivers' DSNs (`ssl_mode`,
/// `sslmode`, `sslca`, Go's `tls=`, JDBC's `sslMode`), noting how each was read.
fn read_mysql_dsn(target: &Target, notes: &mut Vec<String>) -> Result<MysqlDsn, UsageError> {
    let mut dsn = MysqlDsn::default();
    for (raw_key, value) in &target.params {
        let key = raw_key.to_ascii_lowercase().replace('_', "-");
        let origin = || Origin::UriParam(raw_key.clone());
        let foreign = !raw_key.contains('-') || raw_key.chars().any(|c| c.is_ascii_uppercase());
        match key.as_str() {
            "ssl-mode" | "sslmode" => {
                let mode = Mode::from_mysql_ssl_mode(value).ok_or_else(|| {
                    UsageError::Invalid(format!(
                        "{raw_key} `{value}` (from the connection string) is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
                    ))
                })?;
                if foreign || value.chars().any(|c| c.is_ascii_lowercase()) {
                    notes.push(format!("read {raw_key}={value} as mode {mode}"));
                }
                dsn.mode = Some((mode, origin()));
            }
            // go-sql-driver/mysql.
            "tls" => {
                let mode = match value.to_ascii_lowercase().as_str() {
                    "true" => Some((Mode::VerifyFull, "verify the chain and the host name")),
                    "skip-verify" => Some((Mode::Require, "encrypt, check no certificate")),
                    "preferred" => Some((
                        Mode::Prefer,
                        "TLS when offered, no certificate check",
                    )),
                    "false" => Some((Mode::Disable, "no TLS")),
                    _ => None,
                };
                match mode {
                    Some((m, how)) => {
                        notes.push(format!(
                            "read tls={value} (Go's MySQL driver: {how}) as mode {m}"
                        ));
                        dsn.mode = Some((m, origin()));
                    }
                    None => notes.push(format!(
                        "tls={value} names a TLS config registered in the Go program; its settings cannot be seen from here, so the mode is not taken from it"
                    )),
                }
            }
            "ssl-ca" | "sslca" => {
                if foreign {
                    notes.push(format!("read {raw_key} as ssl-ca (the CA file)"));
                }
                // PyMySQL's spelling, where a CA alone verifies nothing.
                if raw_key == "ssl_ca" && !target.params.iter().any(|(k, _)| k.starts_with("ssl_verify")) {
                    notes.push(
                        "if these settings come from PyMySQL: ssl_ca alone verifies nothing there (it needs ssl_verify_cert=True, and ssl_verify_identity=True for the name); the mysql and mariadb clients do check the chain with it"
                            .into(),
                    );
                }
                dsn.ca = Some((value.clone(), origin()));
            }
            "ssl-capath" | "sslcapath" => notes.push(format!(
                "{raw_key}={value}: a CA directory is not read yet; pass a CA file with --ca-file or ssl-ca"
            )),
            "ssl-crl" | "sslcrl" => {
                if foreign {
                    notes.push(format!("read {raw_key} as ssl-crl (the CRL file)"));
                }
                dsn.crl = Some((value.clone(), origin()));
            }
            "ssl-crlpath" | "sslcrlpath" => notes.push(format!(
                "{raw_key}={value}: a CRL directory is not read yet; pass a CRL file with --crl-file or ssl-crl"
            )),
            "ssl-cert" | "sslcert" => dsn.cert = Some((value.clone(), origin())),
            "ssl-key" | "sslkey" => dsn.key = Some((value.clone(), origin())),
            k if crate::target::is_secret_param(k) => {}
            "tls-version" | "tlsversion" | "enabledtlsprotocols" => {
                let mut spoken = Vec::new();
                let mut old = Vec::new();
                for v in value.split([',', ':']).map(str::trim).filter(|v| !v.is_empty()) {
                    match v.to_ascii_lowercase().as_str() {
                        "tlsv1.2" => spoken.push(TlsVersion::V1_2),
                        "tlsv1.3" => spoken.push(TlsVersion::V1_3),
                        "tlsv1" | "tlsv1.0" | "tlsv1.1" => old.push(v.to_string()),
                        _ => {
                            return Err(UsageError::Invalid(format!(
                                "{raw_key} `{v}` is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
                            )))
                        }
                    }
                }
                if spoken.is_empty() {
                    return Err(UsageError::Invalid(format!(
                        "{raw_key}={value} allows only TLS versions below 1.2: tlscheck speaks TLS 1.2 and 1.3 only"
                    )));
                }
                if !old.is_empty() {
                    notes.push(format!(
                        "{raw_key}: {} not tried (tlscheck speaks TLS 1.2 and 1.3 only)",
                        old.join(", ")
                    ));
                }
                let lo = *spoken.iter().min().unwrap_or(&TlsVersion::V1_2);
                let hi = *spoken.iter().max().unwrap_or(&TlsVersion::V1_3);
                dsn.tls_min = Some((lo, origin()));
                dsn.tls_max = Some((hi, origin()));
            }
            "connect-timeout" => dsn.timeout = Some((value.clone(), origin())),
            k if MYSQL_IGNORED_PARAMS.contains(&k) => {}
            _ => notes.push(format!("unknown connection parameter `{raw_key}` ignored")),
        }
    }
    Ok(dsn)
}

/// Build the plan for `tlscheck connect`.
pub fn resolve(args: &ConnectArgs, env: &dyn Env) -> Result<Plan, UsageError> {
    let target = Target::parse(&args.target)?;
    let mut notes = Vec::new();
    let mut settings = Vec::new();

    // Protocol first: which environment applies depends on it.
    let (protocol, protocol_reason) = choose_protocol(args, &target)?;
    let is_mongo_uri = matches!(target.scheme, Some(Scheme::Mongo | Scheme::MongoSrv));
    if is_mongo_uri && protocol != Protocol::Mongo {
        return Err(UsageError::Invalid(format!(
            "a MongoDB connection string is checked as MongoDB, not with --protocol {}",
            protocol.name()
        )));
    }
    if protocol != Protocol::Mongo
        && (args.tls_allow_invalid_hostnames
            || args.tls_allow_invalid_certificates
            || args.tls_insecure
            || args.all_members
            || args.dns_server.is_some())
    {
        return Err(UsageError::Invalid(
            "--tls-allow-invalid-hostnames, --tls-allow-invalid-certificates, --tls-insecure, --all-members and --dns-server apply to MongoDB targets only".into(),
        ));
    }
    let mongo_opts = if protocol == Protocol::Mongo {
        Some(mongo::options(
            args,
            &target,
            protocol.default_port(),
            &mut settings,
            &mut notes,
        )?)
    } else {
        None
    };
    if target.hosts.len() > 1 && protocol != Protocol::Mongo {
        return Err(TargetError::SeveralHosts(target.display.clone()).into());
    }
    let is_pg = protocol == Protocol::Postgres;
    let pg_env = |name: &'static str| -> Option<(String, Origin)> {
        if is_pg {
            env.var(name).map(|v| (v, Origin::Env(name)))
        } else {
            None
        }
    };
    let is_libpq_uri = target.scheme == Some(Scheme::Postgres);
    let is_mysql_uri = target.scheme == Some(Scheme::Mysql);
    let uri = |name: &'static str| -> Option<(String, Origin)> {
        target
            .param(name)
            .map(|v| (v.to_string(), Origin::Uri(name)))
    };

    if is_libpq_uri {
        for (k, _) in &target.params {
            let known = LIBPQ_IGNORED_PARAMS.contains(&k.as_str())
                || [
                    "host",
                    "hostaddr",
                    "port",
                    "sslmode",
                    "requiressl",
                    "sslrootcert",
                    "sslcrl",
                    "sslcrldir",
                    "sslcert",
                    "sslkey",
                    "sslpassword",
                    "sslcertmode",
                    "sslnegotiation",
                    "sslsni",
                    "gssencmode",
                    "connect_timeout",
                    "ssl_min_protocol_version",
                    "ssl_max_protocol_version",
                ]
                .contains(&k.as_str());
            if !known {
                notes.push(format!("unknown connection parameter `{k}` ignored"));
            }
        }
        if target.param("sslcrldir").is_some() {
            notes.push("sslcrldir is not read yet: pass the CRL file with --crl-file".into());
        }
        if target.param("gssencmode") == Some("require") {
            notes.push(
                "gssencmode=require: libpq would use GSSAPI encryption instead of TLS; this check looks at TLS only"
                    .into(),
            );
        }
    } else if !is_mysql_uri && !is_mongo_uri && !target.params.is_empty() {
        for (k, _) in &target.params {
            if crate::target::is_secret_param(k) || k.eq_ignore_ascii_case("tlsCertificateKeyFile")
            {
                continue;
            }
            notes.push(format!("unknown parameter `{k}` ignored"));
        }
    }

    let mysql = if is_mysql_uri {
        read_mysql_dsn(&target, &mut notes)?
    } else {
        MysqlDsn::default()
    };

    // Host and port.
    let (host, host_origin) = match (&target.host, uri("host")) {
        (_, Some((h, o))) => (h, o),
        (Some(h), None) => (h.clone(), Origin::Default),
        (None, None) => match pg_env("PGHOST") {
            Some((h, o)) => (h, o),
            None => {
                return Err(UsageError::Invalid(
                    "the target names no host (and PGHOST is not set)".into(),
                ))
            }
        },
    };
    if host.starts_with('/') || host.starts_with('@') {
        return Err(UsageError::Invalid(format!(
            "host `{host}` is a Unix-domain socket: TLS is not used over sockets; give a TCP host name or address"
        )));
    }
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => inner.to_string(),
        None => host,
    };
    if host_origin != Origin::Default {
        settings.push(SettingReport {
            name: "host",
            value: host.clone(),
            source: host_origin,
        });
    }
    let port_param = uri("port")
        .map(|(p, o)| parse_port(&p, &o).map(|p| (p, o)))
        .transpose()?;
    let (port, port_origin) = match (target.port, port_param) {
        (_, Some(p)) => p,
        (Some(p), None) => (p, Origin::Default),
        (None, None) => match pg_env("PGPORT") {
            Some((p, o)) => (parse_port(&p, &o)?, o),
            None => (protocol.default_port(), Origin::Default),
        },
    };
    if port_origin != Origin::Default || target.port.is_none() {
        settings.push(SettingReport {
            name: "port",
            value: port.to_string(),
            source: port_origin,
        });
    }
    let connect_host = if is_libpq_uri {
        target.param("hostaddr").map(str::to_string)
    } else {
        None
    };
    if let Some(addr) = &connect_host {
        if addr.parse::<std::net::IpAddr>().is_err() {
            return Err(UsageError::Invalid(format!(
                "hostaddr `{addr}` is not an IP address"
            )));
        }
        settings.push(SettingReport {
            name: "hostaddr",
            value: addr.clone(),
            source: Origin::Uri("hostaddr"),
        });
    }

    // The root file, needed before the mode: sslrootcert=system changes libpq's default mode.
    let ca_from_user = args
        .ca_file
        .clone()
        .map(|v| (v, Origin::Flag("ca-file")))
        .or_else(|| {
            if is_libpq_uri {
                uri("sslrootcert")
            } else {
                None
            }
        })
        .or_else(|| mongo_opts.as_ref().and_then(|m| m.ca.clone()))
        .or_else(|| pg_env("PGSSLROOTCERT"))
        .or(mysql.ca);
    let home_pg = |file: &str| -> Option<PathBuf> {
        let home = env.var("HOME")?;
        let p = PathBuf::from(home).join(".postgresql").join(file);
        p.exists().then_some(p)
    };
    let rules = if is_libpq_uri {
        ClientRules::Libpq
    } else if protocol == Protocol::Mongo {
        ClientRules::Pymongo
    } else {
        ClientRules::Generic
    };
    let (ca, ca_origin) = match ca_from_user {
        Some((v, o)) if v == "system" => (Some(CaChoice::System), Some(o)),
        Some((v, o)) => (Some(CaChoice::File(PathBuf::from(v))), Some(o)),
        None if rules == ClientRules::Libpq => match home_pg("root.crt") {
            Some(p) => (
                Some(CaChoice::File(p)),
                Some(Origin::Derived("libpq reads ~/.postgresql/root.crt".into())),
            ),
            None => (None, None),
        },
        None => (None, None),
    };
    // libpq treats a root file that does not exist as no root file: require
    // then checks nothing, and verify-ca/verify-full fail naming the file.
    let mut missing_root_file = None;
    if let Some(CaChoice::File(p)) = &ca {
        if !p.exists() {
            if matches!(ca_origin, Some(Origin::Flag(_))) {
                return Err(UsageError::Invalid(format!(
                    "--ca-file {}: no such file",
                    p.display()
                )));
            }
            if rules == ClientRules::Pymongo {
                // PyMongo fails at MongoClient() on a missing tlsCAFile.
                return Err(UsageError::Invalid(format!(
                    "tlsCAFile {}: no such file (PyMongo fails with FileNotFoundError before connecting)",
                    p.display()
                )));
            }
            if rules == ClientRules::Libpq {
                notes.push(format!(
                    "sslrootcert {} does not exist: libpq goes on as if no root file were given",
                    p.display()
                ));
                missing_root_file = Some(p.clone());
            }
        }
    }
    let ca = if missing_root_file.is_some() {
        None
    } else {
        ca
    };
    settings.push(SettingReport {
        name: "ca",
        value: match &ca {
            Some(CaChoice::File(p)) => p.display().to_string(),
            Some(CaChoice::System) => "system (the OS store)".into(),
            None if rules == ClientRules::Libpq => match &missing_root_file {
                Some(p) => format!("none ({} does not exist)", p.display()),
                None => "none (libpq has no root file)".into(),
            },
            None => "system (the OS store)".into(),
        },
        source: ca_origin.clone().unwrap_or(Origin::Default),
    });

    // Mode.
    let mode_from_user = match args.mode {
        Some(m) => Some((m, Origin::Flag("mode"))),
        None if mongo_opts.is_some() => mongo_opts.as_ref().and_then(|m| m.mode.clone()),
        None => {
            let raw = if is_libpq_uri {
                uri("sslmode").or_else(|| {
                    uri("requiressl")
                        .filter(|(v, _)| v == "1")
                        .map(|(_, o)| ("require".to_string(), o))
                })
            } else {
                None
            }
            .or_else(|| pg_env("PGSSLMODE"));
            match raw {
                Some((v, o)) => Some((
                    Mode::from_sslmode(&v).ok_or_else(|| {
                        UsageError::Invalid(format!(
                            "sslmode `{v}` (from {o}) is not one of disable, allow, prefer, require, verify-ca, verify-full"
                        ))
                    })?,
                    o,
                )),
                None => mysql.mode,
            }
        }
    };
    let (mode, mode_origin) = match mode_from_user {
        Some(m) => m,
        None if rules == ClientRules::Libpq && ca == Some(CaChoice::System) => (
            Mode::VerifyFull,
            Origin::Derived("libpq 16+ uses verify-full with sslrootcert=system".into()),
        ),
        None if rules == ClientRules::Libpq => (
            Mode::Prefer,
            Origin::Derived("libpq's own default sslmode".into()),
        ),
        // `mysql --ssl-ca` without --ssl-mode means VERIFY_CA (MySQL 8), and
        // the MariaDB client checks the chain, not the name, with --ssl-ca alone.
        None if is_mysql_uri && matches!(ca, Some(CaChoice::File(_))) => (
            Mode::VerifyCa,
            Origin::Derived(
                "MySQL and MariaDB clients given a CA without ssl-mode check the chain (VERIFY_CA)"
                    .into(),
            ),
        ),
        None if is_mysql_uri => (
            Mode::Prefer,
            Origin::Derived("MySQL clients' default ssl-mode is PREFERRED".into()),
        ),
        None => match &mongo_opts {
            Some(m) => m.default_mode.clone(),
            None => (Mode::VerifyFull, Origin::Default),
        },
    };
    settings.insert(
        0,
        SettingReport {
            name: "mode",
            value: mode.to_string(),
            source: mode_origin.clone(),
        },
    );
    if is_mysql_uri && mode == Mode::Require && matches!(ca, Some(CaChoice::File(_))) {
        notes.push(
            "ssl-mode=REQUIRED with a CA: MySQL's client checks nothing (judged so here), but the MariaDB client checks the chain whenever it is given a CA, as VERIFY_CA"
                .into(),
        );
    }

    // CRLs: every --crl-file, else the connection string's or PGSSLCRL, else libpq's default file.
    let (crls, crl_origin) = if !args.crl_file.is_empty() {
        for p in &args.crl_file {
            if !p.exists() {
                return Err(UsageError::Invalid(format!(
                    "--crl-file {}: no such file",
                    p.display()
                )));
            }
        }
        (args.crl_file.clone(), Some(Origin::Flag("crl-file")))
    } else {
        match if is_libpq_uri { uri("sslcrl") } else { None }
            .or_else(|| mongo_opts.as_ref().and_then(|m| m.crl.clone()))
            .or_else(|| pg_env("PGSSLCRL"))
            .or(mysql.crl)
        {
            Some((v, o)) => (vec![PathBuf::from(v)], Some(o)),
            None if rules == ClientRules::Libpq => match home_pg("root.crl") {
                Some(p) => (
                    vec![p],
                    Some(Origin::Derived("libpq reads ~/.postgresql/root.crl".into())),
                ),
                None => (Vec::new(), None),
            },
            None => (Vec::new(), None),
        }
    };
    if let Some(o) = crl_origin {
        settings.push(SettingReport {
            name: "crl",
            value: crls
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            source: o,
        });
    }
    if args.crl_fetch {
        settings.push(SettingReport {
            name: "crl-fetch",
            value: "on".into(),
            source: Origin::Flag("crl-fetch"),
        });
    }
    if let Some(scope) = args.ocsp {
        settings.push(SettingReport {
            name: "ocsp",
            value: format!("{scope:?}").to_lowercase(),
            source: Origin::Flag("ocsp"),
        });
    }
    if args.warn_days != 30 {
        settings.push(SettingReport {
            name: "warn-days",
            value: args.warn_days.to_string(),
            source: Origin::Flag("warn-days"),
        });
    }
    if let Some(d) = args.fail_days {
        settings.push(SettingReport {
            name: "fail-days",
            value: d.to_string(),
            source: Origin::Flag("fail-days"),
        });
    }

    // libpq 16's sslcertmode: disable never sends a certificate, require
    // refuses a server that does not ask for one.
    let cert_mode = if is_libpq_uri {
        match target.param("sslcertmode") {
            None | Some("allow") => None,
            Some("disable") => Some(false),
            Some("require") => Some(true),
            Some(other) => {
                return Err(UsageError::Invalid(format!(
                    "sslcertmode `{other}` is not one of disable, allow, require"
                )))
            }
        }
    } else {
        None
    };
    let identity = if cert_mode == Some(false) && args.cert.is_none() {
        notes.push(
            "sslcertmode=disable: libpq sends no client certificate, so none is presented".into(),
        );
        None
    } else {
        resolve_identity(
            args,
            &target,
            env,
            IdentityInputs {
                is_libpq_uri,
                is_pg,
                mysql_cert: mysql.cert.clone(),
                mysql_key: mysql.key.clone(),
            },
            &mut settings,
        )?
    };
    if cert_mode == Some(true) {
        settings.push(SettingReport {
            name: "sslcertmode",
            value: "require".into(),
            source: Origin::Uri("sslcertmode"),
        });
    }

    let login = match &args.user {
        None => None,
        Some(u) if u.is_empty() || u.contains('\0') => {
            return Err(UsageError::Invalid("--user needs a user name".into()))
        }
        Some(_) if !matches!(protocol, Protocol::Postgres | Protocol::Mysql) => {
            return Err(UsageError::Invalid(format!(
                "--user sends PostgreSQL's or MySQL's login opening; this is a {} target",
                protocol.name()
            )))
        }
        Some(u) => {
            settings.push(SettingReport {
                name: "user",
                value: u.clone(),
                source: Origin::Flag("user"),
            });
            Some(Login {
                protocol,
                user: u.clone(),
                database: target.database.clone().filter(|d| !d.is_empty()),
            })
        }
    };

    // SNI.
    let sni = if let Some(name) = &args.sni {
        if name.is_empty() {
            return Err(UsageError::Invalid("--sni needs a name".into()));
        }
        settings.push(SettingReport {
            name: "sni",
            value: name.clone(),
            source: Origin::Flag("sni"),
        });
        Sni::Name(name.clone())
    } else if args.no_sni {
        settings.push(SettingReport {
            name: "sni",
            value: "off".into(),
            source: Origin::Flag("no-sni"),
        });
        Sni::Off
    } else if is_libpq_uri && target.param("sslsni") == Some("0") {
        settings.push(SettingReport {
            name: "sni",
            value: "off".into(),
            source: Origin::Uri("sslsni"),
        });
        Sni::Off
    } else {
        Sni::Auto
    };

    // TLS versions.
    let (tls_min, tls_max) =
        {
            let from_uri =
                |name: &'static str| -> Result<Option<(Option<TlsVersion>, Origin)>, UsageError> {
                    if !is_libpq_uri {
                        return Ok(None);
                    }
                    match uri(name) {
                        None => Ok(None),
                        Some((v, o)) => Ok(Some((parse_libpq_tls_version(&v, name)?, o))),
                    }
                };
            let min = match args.tls_min {
                Some(v) => Some((Some(v), Origin::Flag("tls-min"))),
                None => from_uri("ssl_min_protocol_version")?
                    .or(mysql.tls_min.map(|(v, o)| (Some(v), o))),
            };
            let max = match args.tls_max {
                Some(v) => Some((Some(v), Origin::Flag("tls-max"))),
                None => from_uri("ssl_max_protocol_version")?
                    .or(mysql.tls_max.map(|(v, o)| (Some(v), o))),
            };
            if let Some((None, _)) = max {
                return Err(UsageError::Invalid(
                    "ssl_max_protocol_version below TLSv1.2: tlscheck speaks TLS 1.2 and 1.3 only"
                        .into(),
                ));
            }
            for (name, v) in [("tls-min", &min), ("tls-max", &max)] {
                if let Some((Some(ver), o)) = v {
                    settings.push(SettingReport {
                        name,
                        value: ver.name().into(),
                        source: o.clone(),
                    });
                }
            }
            let min = min.and_then(|(v, _)| v);
            let max = max.and_then(|(v, _)| v);
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo > hi {
                    return Err(UsageError::Invalid(format!(
                        "the lowest TLS version ({}) is above the highest ({})",
                        lo.name(),
                        hi.name()
                    )));
                }
            }
            (min, max)
        };

    // PostgreSQL negotiation.
    let pg_negotiation = match args.pg_negotiation {
        Some(n) => Some((n, Origin::Flag("pg-negotiation"))),
        None => {
            let raw = if is_libpq_uri {
                uri("sslnegotiation")
            } else {
                None
            }
            .or_else(|| pg_env("PGSSLNEGOTIATION"));
            match raw {
                None => None,
                Some((v, o)) => Some((
                    match v.as_str() {
                        "postgres" => PgNegotiation::Postgres,
                        "direct" => PgNegotiation::Direct,
                        _ => {
                            return Err(UsageError::Invalid(format!(
                                "sslnegotiation `{v}` (from {o}) is not postgres or direct"
                            )))
                        }
                    },
                    o,
                )),
            }
        }
    };
    if let Some((n, o)) = &pg_negotiation {
        if !is_pg {
            return Err(UsageError::Invalid(
                "--pg-negotiation applies to PostgreSQL targets only".into(),
            ));
        }
        settings.push(SettingReport {
            name: "pg-negotiation",
            value: format!("{n:?}").to_lowercase(),
            source: o.clone(),
        });
    }
    let pg_negotiation = pg_negotiation
        .map(|(n, _)| n)
        .unwrap_or(PgNegotiation::Postgres);
    if pg_negotiation == PgNegotiation::Direct && mode < Mode::Require {
        notes.push(format!(
            "direct TLS with sslmode={mode}: libpq 17 refuses this combination (direct needs require or stricter); judged as if TLS were negotiated"
        ));
    }

    // Timeout.
    let timeout_raw = match args.timeout {
        Some(t) => Some((t, Origin::Flag("timeout"))),
        None => {
            let raw = if is_libpq_uri {
                uri("connect_timeout")
            } else {
                None
            }
            .or_else(|| pg_env("PGCONNECT_TIMEOUT"))
            .or(mysql.timeout);
            match raw {
                None => None,
                Some((v, o)) => match v.trim().parse::<f64>() {
                    // libpq: zero or negative means wait forever; tlscheck never does.
                    Ok(t) if t <= 0.0 => {
                        notes.push(format!(
                            "connect_timeout={v} (from {o}) means no limit to libpq; tlscheck keeps its default of 10 s"
                        ));
                        None
                    }
                    // libpq treats 1 as 2 seconds; the difference does not matter here.
                    Ok(t) => Some((t, o)),
                    Err(_) => {
                        return Err(UsageError::Invalid(format!(
                            "connect_timeout `{v}` (from {o}) is not a number of seconds"
                        )))
                    }
                },
            }
        }
    };
    let timeout = match timeout_raw {
        None => Duration::from_secs(10),
        Some((t, o)) => {
            if !(t.is_finite() && t > 0.0 && t <= 3600.0) {
                return Err(UsageError::Invalid(format!(
                    "timeout {t} is not between 0 and 3600 seconds"
                )));
            }
            settings.push(SettingReport {
                name: "timeout",
                value: format!("{t} s"),
                source: o,
            });
            Duration::from_secs_f64(t)
        }
    };

    Ok(Plan {
        display: target.display.clone(),
        host,
        connect_host,
        port,
        protocol,
        protocol_reason,
        mode,
        mode_origin,
        ca,
        missing_root_file,
        crls,
        crl_fetch: args.crl_fetch,
        ocsp: args.ocsp,
        warn_days: args.warn_days,
        fail_days: args.fail_days,
        strict: args.strict,
        sni,
        tls_min,
        tls_max,
        pg_negotiation,
        timeout,
        rules,
        identity,
        require_cert_request: cert_mode == Some(true),
        login,
        mongo: mongo_opts.map(|m| m.plan),
        settings,
        notes,
    })
}

struct IdentityInputs {
    is_libpq_uri: bool,
    is_pg: bool,
    mysql_cert: Option<(String, Origin)>,
    mysql_key: Option<(String, Origin)>,
}

/// The client certificate, key and key password. Precedence: flag, then
/// connection string, then environment, then libpq's
/// `~/.postgresql/postgresql.crt` / `.key` (libpq URIs). The files are read
/// and checked here, so a key that cannot be used is a usage error before
/// anything is sent.
fn resolve_identity(
    args: &ConnectArgs,
    target: &Target,
    env: &dyn Env,
    inputs: IdentityInputs,
    settings: &mut Vec<SettingReport>,
) -> Result<Option<crate::identity::Identity>, UsageError> {
    let uri_param = |names: &[&'static str]| -> Option<(String, Origin)> {
        target.params.iter().find_map(|(k, v)| {
            names
                .iter()
                .find(|n| k.eq_ignore_ascii_case(n))
                .map(|_| (v.clone(), Origin::UriParam(k.clone())))
        })
    };
    let pg_env = |name: &'static str| -> Option<(String, Origin)> {
        if inputs.is_pg {
            env.var(name).map(|v| (v, Origin::Env(name)))
        } else {
            None
        }
    };
    let libpq_uri = |name: &'static str| -> Option<(String, Origin)> {
        if inputs.is_libpq_uri {
            target
                .param(name)
                .map(|v| (v.to_string(), Origin::Uri(name)))
        } else {
            None
        }
    };
    let flag = |v: &Option<PathBuf>, name: &'static str| {
        v.as_ref()
            .map(|p| (p.display().to_string(), Origin::Flag(name)))
    };
    let home_pg = |file: &str| -> Option<(String, Origin)> {
        if !inputs.is_libpq_uri {
            return None;
        }
        let p = PathBuf::from(env.var("HOME")?)
            .join(".postgresql")
            .join(file);
        p.exists().then(|| {
            (
                p.display().to_string(),
                Origin::Derived(format!("libpq reads ~/.postgresql/{file}")),
            )
        })
    };

    let cert = flag(&args.cert, "cert")
        .or_else(|| libpq_uri("sslcert"))
        .or_else(|| uri_param(&["tlsCertificateKeyFile"]))
        .or(inputs.mysql_cert)
        .or_else(|| pg_env("PGSSLCERT"));
    let from_default = cert.is_none();
    let cert = cert.or_else(|| home_pg("postgresql.crt"));
    let key = flag(&args.key, "key")
        .or_else(|| libpq_uri("sslkey"))
        .or(inputs.mysql_key)
        .or_else(|| pg_env("PGSSLKEY"));
    let Some((cert_path, cert_origin)) = cert else {
        if let Some((k, o)) = key {
            return Err(UsageError::Invalid(format!(
                "a client key ({k}, from {o}) without a certificate: give the certificate with --cert FILE (sslcert, ssl-cert)"
            )));
        }
        return Ok(None);
    };
    // libpq looks for the key next to its default only; elsewhere the
    // certificate file may hold the key (a combined PEM or PKCS#12).
    let key = key.or_else(|| {
        if from_default || inputs.is_libpq_uri {
            home_pg("postgresql.key")
        } else {
            None
        }
    });

    let password = match &args.key_password_file {
        Some(f) => Some((
            crate::files::password(Some(f))
                .map_err(|e| UsageError::Invalid(e.to_string()))?
                .unwrap_or_default(),
            Origin::Flag("key-password-file"),
        )),
        None => uri_param(&["sslpassword", "tlsCertificateKeyFilePassword"]).or_else(|| {
            env.var(crate::files::PASSWORD_ENV)
                .map(|v| (v, Origin::Env(crate::files::PASSWORD_ENV)))
        }),
    };

    settings.push(SettingReport {
        name: "cert",
        value: cert_path.clone(),
        source: cert_origin,
    });
    if let Some((k, o)) = &key {
        settings.push(SettingReport {
            name: "key",
            value: k.clone(),
            source: o.clone(),
        });
    }
    if let Some((_, o)) = &password {
        settings.push(SettingReport {
            name: "key-password",
            value: "(given, not shown)".into(),
            source: o.clone(),
        });
    }
    let request = crate::identity::IdentityRequest {
        cert: PathBuf::from(&cert_path),
        key: key.map(|(k, _)| PathBuf::from(k)),
        password_source: password.as_ref().map(|(_, o)| o.to_string()),
        password: password.map(|(p, _)| p),
        prompt: env.interactive(),
    };
    crate::identity::load(&request, crate::observe::now_unix())
        .map(Some)
        .map_err(|e| UsageError::Invalid(e.to_string()))
}

fn choose_protocol(args: &ConnectArgs, target: &Target) -> Result<(Protocol, String), UsageError> {
    let explicit = match args.protocol {
        Some(ProtocolChoice::Postgres) => Some(Protocol::Postgres),
        Some(ProtocolChoice::Mysql) => Some(Protocol::Mysql),
        Some(ProtocolChoice::Mongo) => Some(Protocol::Mongo),
        Some(ProtocolChoice::Tls) => Some(Protocol::Tls),
        Some(ProtocolChoice::Auto) | None => None,
    };
    if let Some(p) = explicit {
        return Ok((p, "--protocol".into()));
    }
    if let Some(scheme) = target.scheme {
        let p = match scheme {
            Scheme::Postgres => Protocol::Postgres,
            Scheme::Mysql => Protocol::Mysql,
            Scheme::Mongo | Scheme::MongoSrv => Protocol::Mongo,
            Scheme::Tls => Protocol::Tls,
        };
        return Ok((p, "the connection string's scheme".into()));
    }
    match target.port {
        Some(5432) => Ok((Protocol::Postgres, "port 5432".into())),
        Some(port @ (3306 | 4000)) => Ok((Protocol::Mysql, format!("port {port}"))),
        Some(27017) => Ok((Protocol::Mongo, "port 27017".into())),
        Some(port) => Ok((
            Protocol::Tls,
            format!("port {port} is no database default, so plain TLS"),
        )),
        None => Err(UsageError::Invalid(format!(
            "`{}` has no port: add :PORT, or say --protocol postgres|tls to use its default port",
            target.display
        ))),
    }
}

fn parse_port(p: &str, origin: &Origin) -> Result<u16, UsageError> {
    match p.trim().parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(UsageError::Invalid(format!(
            "port `{p}` (from {origin}) is not a number from 1 to 65535"
        ))),
    }
}

/// libpq's `ssl_min_protocol_version` values; `None` means "below what tlscheck speaks".
fn parse_libpq_tls_version(v: &str, name: &str) -> Result<Option<TlsVersion>, UsageError> {
    match v {
        "TLSv1" | "TLSv1.1" => Ok(None),
        "TLSv1.2" => Ok(Some(TlsVersion::V1_2)),
        "TLSv1.3" => Ok(Some(TlsVersion::V1_3)),
        _ => Err(UsageError::Invalid(format!(
            "{name} `{v}` is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn plan(argv: &[&str], env: &[(&str, &str)]) -> Result<Plan, UsageError> {
        let mut full = vec!["tlscheck", "connect"];
        full.extend_from_slice(argv);
        let cli = Cli::try_parse_from(full).unwrap();
        let Command::Connect(args) = cli.command else {
            unreachable!()
        };
        resolve(&args, &FixedEnv(env))
    }

    fn source(p: &Plan, name: &str) -> String {
        p.settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.source.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn host_port_defaults_to_verify_full_and_the_os_store() {
        let p = plan(&["db.example.com:5432"], &[]).unwrap();
        assert_eq!(p.protocol, Protocol::Postgres);
        assert_eq!(p.protocol_reason, "port 5432");
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(p.ca, None);
        assert_eq!(p.rules, ClientRules::Generic);
        assert_eq!(p.sni_sent().as_deref(), Some("db.example.com"));
    }

    #[test]
    fn uri_without_sslmode_takes_libpqs_default() {
        let p = plan(
            &["postgresql://db.example.com/app"],
            &[("HOME", "/nonexistent")],
        )
        .unwrap();
        assert_eq!(p.mode, Mode::Prefer);
        assert_eq!(p.rules, ClientRules::Libpq);
        assert_eq!(p.port, 5432);
        assert!(source(&p, "mode").contains("libpq"));
    }

    #[test]
    fn flag_beats_uri_beats_env() {
        let ca = tempfile::NamedTempFile::new().unwrap();
        let ca_path = ca.path().to_str().unwrap();
        let env = [("PGSSLMODE", "require"), ("PGSSLROOTCERT", ca_path)];
        let p = plan(&["postgresql://h/db?sslmode=verify-ca"], &env).unwrap();
        assert_eq!(p.mode, Mode::VerifyCa);
        assert_eq!(source(&p, "mode"), "connection string sslmode=");
        assert_eq!(p.ca, Some(CaChoice::File(ca.path().into())));
        assert_eq!(source(&p, "ca"), "environment PGSSLROOTCERT");

        let p = plan(
            &["postgresql://h/db?sslmode=verify-ca", "--mode", "require"],
            &env,
        )
        .unwrap();
        assert_eq!(p.mode, Mode::Require);
        assert_eq!(source(&p, "mode"), "flag --mode");

        let p = plan(&["h:5432"], &env).unwrap();
        assert_eq!(p.mode, Mode::Require);
        assert_eq!(source(&p, "mode"), "environment PGSSLMODE");
    }

    #[test]
    fn pg_environment_is_ignored_for_plain_tls() {
        let env = [("PGSSLMODE", "disable")];
        let p = plan(&["h:8443"], &env).unwrap();
        assert_eq!(p.protocol, Protocol::Tls);
        assert_eq!(p.mode, Mode::VerifyFull);
    }

    #[test]
    fn pghost_and_pgport_fill_what_the_uri_omits() {
        let env = [("PGHOST", "db.internal"), ("PGPORT", "6543")];
        let p = plan(&["postgresql:///app"], &env).unwrap();
        assert_eq!(p.host, "db.internal");
        assert_eq!(p.port, 6543);
        assert_eq!(source(&p, "port"), "environment PGPORT");
    }

    #[test]
    fn sslrootcert_system_defaults_to_verify_full() {
        let p = plan(&["postgresql://h/db?sslrootcert=system"], &[]).unwrap();
        assert_eq!(p.ca, Some(CaChoice::System));
        assert_eq!(p.mode, Mode::VerifyFull);
    }

    #[test]
    fn home_root_crt_is_libpqs_default_root_file() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql/root.crt"), "x").unwrap();
        let h = home.path().to_str().unwrap();
        let p = plan(&["postgresql://h/db"], &[("HOME", h)]).unwrap();
        assert_eq!(
            p.ca,
            Some(CaChoice::File(home.path().join(".postgresql/root.crt")))
        );
        assert!(source(&p, "ca").contains("root.crt"));
        // host:port targets do not follow libpq's file rules
        let p = plan(&["h:5432"], &[("HOME", h)]).unwrap();
        assert_eq!(p.ca, None);
    }

    #[test]
    fn usage_errors_name_the_bad_part() {
        let e = plan(&["postgresql://h/db?sslmode=verify"], &[]).unwrap_err();
        assert!(e.to_string().contains("sslmode `verify`"), "{e}");
        let e = plan(&["h"], &[]).unwrap_err();
        assert!(e.to_string().contains("has no port"), "{e}");
        let e = plan(&["mongodb://h/?tls=true&ssl=false"], &[]).unwrap_err();
        assert!(e.to_string().contains("conflicting values"), "{e}");
        let e = plan(
            &["mongodb://h/?tlsInsecure=true&tlsAllowInvalidCertificates=true"],
            &[],
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("cannot be specified simultaneously"),
            "{e}"
        );
        let e = plan(&["mongodb://h/?tls=false&tlsCAFile=x.pem"], &[]).unwrap_err();
        assert!(e.to_string().contains("TLS has not been enabled"), "{e}");
        let e = plan(&["mongodb+srv://c.example.net:27017/"], &[]).unwrap_err();
        assert!(e.to_string().contains("cannot have a port"), "{e}");
        let e = plan(&["postgresql://%2Ftmp/db"], &[]).unwrap_err();
        assert!(e.to_string().contains("Unix-domain socket"), "{e}");
        let e = plan(&["h:1", "--tls-min", "1.3", "--tls-max", "1.2"], &[]).unwrap_err();
        assert!(e.to_string().contains("above"), "{e}");
    }

    #[test]
    fn a_missing_root_file_is_no_root_file_under_libpq() {
        let p = plan(
            &["postgresql://h/db?sslmode=require&sslrootcert=/no/such/ca.pem"],
            &[],
        )
        .unwrap();
        assert_eq!(p.ca, None);
        assert_eq!(p.missing_root_file, Some(PathBuf::from("/no/such/ca.pem")));
        assert!(p.notes[0].contains("does not exist"), "{:?}", p.notes);
        // but a flag naming a missing file is a usage error
        assert!(plan(&["h:5432", "--ca-file", "/no/such/ca.pem"], &[]).is_err());
    }

    #[test]
    fn unknown_parameters_are_noted() {
        let p = plan(
            &["postgresql://h/db?sslmode=require&bogus=1&application_name=x"],
            &[],
        )
        .unwrap();
        assert_eq!(
            p.notes,
            vec!["unknown connection parameter `bogus` ignored"]
        );
    }

    #[test]
    fn pymongo_options_map_onto_modes() {
        let m = |argv: &[&str]| {
            let p = plan(argv, &[]).unwrap();
            (p.mode, source(&p, "mode"))
        };
        assert_eq!(m(&["mongodb://h/"]).0, Mode::Disable);
        assert!(m(&["mongodb://h/"]).1.contains("PyMongo uses no TLS"));
        assert_eq!(m(&["mongodb://h/?TLS=TRUE"]).0, Mode::VerifyFull);
        assert_eq!(m(&["mongodb://h/?ssl=true"]).0, Mode::VerifyFull);
        assert_eq!(
            m(&["mongodb://h/?tls=true&tlsAllowInvalidHostnames=true"]),
            (
                Mode::VerifyCa,
                "connection string tlsAllowInvalidHostnames=".into()
            )
        );
        assert_eq!(
            m(&["mongodb://h/?tls=true&tlsinsecure=true"]).0,
            Mode::Insecure
        );
        assert_eq!(
            m(&["mongodb://h/?tls=true&tlsAllowInvalidCertificates=true"]).0,
            Mode::Insecure
        );
        assert_eq!(m(&["mongodb+srv://c.example.net/"]).0, Mode::VerifyFull);
        assert_eq!(m(&["h:27017"]).0, Mode::VerifyFull);
        assert_eq!(
            m(&["h:27017", "--tls-allow-invalid-hostnames"]),
            (Mode::VerifyCa, "flag --tls-allow-invalid-hostnames".into())
        );
        assert_eq!(m(&["h:27017", "--tls-insecure"]).0, Mode::Insecure);
        assert_eq!(
            m(&["mongodb://h/?tls=true", "--mode", "disable"]).0,
            Mode::Disable
        );

        let p = plan(&["mongodb://a,b:27018/?replicaSet=rs0&tls=true"], &[]).unwrap();
        assert_eq!(p.rules, ClientRules::Pymongo);
        let mp = p.mongo.unwrap();
        assert_eq!(mp.seeds, vec![("a".into(), 27017), ("b".into(), 27018)]);
        assert_eq!(mp.replica_set.as_deref(), Some("rs0"));
        assert!(plan(&["postgresql://a,b/db"], &[]).is_err());
        assert!(plan(&["h:5432", "--tls-insecure"], &[]).is_err());
    }

    #[test]
    fn hostaddr_and_sni() {
        let p = plan(&["postgresql://db.example.com/x?hostaddr=127.0.0.1"], &[]).unwrap();
        assert_eq!(p.connect_host.as_deref(), Some("127.0.0.1"));
        assert_eq!(p.verify_name(), Host::Name("db.example.com".into()));

        let p = plan(&["127.0.0.1:5432", "--sni", "db.example.com"], &[]).unwrap();
        assert_eq!(p.sni_sent().as_deref(), Some("db.example.com"));
        assert_eq!(p.verify_name(), Host::Name("db.example.com".into()));

        let p = plan(&["127.0.0.1:5432"], &[]).unwrap();
        assert_eq!(p.sni_sent(), None);
    }

    #[test]
    fn mysql_ports_and_scheme() {
        let p = plan(&["tidb.example.com:4000"], &[]).unwrap();
        assert_eq!(p.protocol, Protocol::Mysql);
        assert_eq!(p.protocol_reason, "port 4000");
        assert_eq!(p.mode, Mode::VerifyFull);
        let p = plan(&["db:3306"], &[("PGSSLMODE", "disable")]).unwrap();
        assert_eq!(p.protocol, Protocol::Mysql);
        assert_eq!(
            p.mode,
            Mode::VerifyFull,
            "libpq's environment is not MySQL's"
        );
        let p = plan(&["mysql://db/shop"], &[]).unwrap();
        assert_eq!((p.protocol, p.port), (Protocol::Mysql, 3306));
        assert_eq!(p.mode, Mode::Prefer);
        assert!(
            source(&p, "mode").contains("PREFERRED"),
            "{}",
            source(&p, "mode")
        );
    }

    #[test]
    fn mysql_uri_ssl_mode_and_ca() {
        let p = plan(
            &["mysql://app:secret@db:3306/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca=ca.pem"],
            &[],
        )
        .unwrap();
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(source(&p, "mode"), "connection string ssl-mode=");
        assert_eq!(p.ca, Some(CaChoice::File("ca.pem".into())));
        assert_eq!(source(&p, "ca"), "connection string ssl-ca=");
        assert_eq!(p.rules, ClientRules::Generic);
        assert!(!p.display.contains("secret"));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn mysql_dsn_spellings_from_other_drivers() {
        let read = |q: &str| plan(&[&format!("mysql://db/x?{q}")], &[]).unwrap();
        for (q, mode) in [
            ("ssl_mode=verify_ca", Mode::VerifyCa),
            ("sslmode=REQUIRED", Mode::Require),
            ("sslMode=VERIFY_IDENTITY", Mode::VerifyFull),
            ("sslmode=verify-full", Mode::VerifyFull),
            ("ssl-mode=disabled", Mode::Disable),
            ("tls=true", Mode::VerifyFull),
            ("tls=skip-verify", Mode::Require),
            ("tls=preferred", Mode::Prefer),
            ("tls=false", Mode::Disable),
        ] {
            let p = read(q);
            assert_eq!(p.mode, mode, "{q}");
            let key = q.split('=').next().unwrap();
            assert_eq!(
                source(&p, "mode"),
                format!("connection string {key}="),
                "{q}"
            );
        }
        let p = read("tls=skip-verify");
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("tls=skip-verify") && n.contains("require")),
            "{:?}",
            p.notes
        );
        let p = read("tls=custom");
        assert_eq!(p.mode, Mode::Prefer);
        assert!(
            p.notes.iter().any(|n| n.contains("registered")),
            "{:?}",
            p.notes
        );
        for q in ["ssl_ca=/x/ca.pem", "sslca=/x/ca.pem"] {
            let p = read(q);
            assert_eq!(p.ca, Some(CaChoice::File("/x/ca.pem".into())), "{q}");
        }
        let p = read("ssl-crl=/x/crl.pem&ssl-capath=/etc/ssl&charset=utf8mb4&bogus=1");
        assert_eq!(p.crls, vec![PathBuf::from("/x/crl.pem")]);
        assert!(p.notes.iter().any(|n| n.contains("CA directory")));
        assert!(p.notes.iter().any(|n| n.contains("`bogus`")));
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
        // A client certificate that cannot be read is a usage error.
        let e = plan(&["mysql://db/x?ssl-cert=/no/such/c.pem"], &[]).unwrap_err();
        assert!(e.to_string().contains("client certificate"), "{e}");
        let p = read("tls-version=TLSv1.1,TLSv1.2");
        assert_eq!(
            (p.tls_min, p.tls_max),
            (Some(TlsVersion::V1_2), Some(TlsVersion::V1_2))
        );
        let p = read("tls_version=TLSv1.3");
        assert_eq!(p.tls_min, Some(TlsVersion::V1_3));
        let e = plan(&["mysql://db/x?tls-version=TLSv1.1"], &[]).unwrap_err();
        assert!(e.to_string().contains("below 1.2"), "{e}");
        let e = plan(&["mysql://db/x?ssl-mode=VERIFY"], &[]).unwrap_err();
        assert!(e.to_string().contains("VERIFY_IDENTITY"), "{e}");
        // The flag still wins.
        let p = plan(&["mysql://db/x?tls=false", "--mode", "verify-ca"], &[]).unwrap();
        assert_eq!(p.mode, Mode::VerifyCa);
    }

    #[test]
    fn mysql_mode_names_on_the_command_line() {
        for (name, mode) in [
            ("DISABLED", Mode::Disable),
            ("preferred", Mode::Prefer),
            ("Required", Mode::Require),
            ("VERIFY_CA", Mode::VerifyCa),
            ("VERIFY_IDENTITY", Mode::VerifyFull),
            ("VERIFY-FULL", Mode::VerifyFull),
        ] {
            let p = plan(&["db:3306", "--mode", name], &[]).unwrap();
            assert_eq!(p.mode, mode, "{name}");
        }
    }
}
