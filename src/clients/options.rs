//! What a client's connection string (and environment) says about TLS,
//! each value with the parameter, as spelled, it came from; and the readers
//! that clients sharing a dialect share (libpq's keywords, MySQL's
//! `ssl-mode` family, the MongoDB URI options).
//!
//! A profile's `read` fills [`Options`]; `settings` weighs them against the
//! flags (flag > connection string > environment > default).

use crate::request::{Env, Mode, Origin, PgNegotiation, SettingReport, TlsVersion, UsageError};
use crate::target::Target;

use super::{NegotiationRead, Read, VersionRead};

/// libpq's `sslcertmode` (16+): whether a client certificate is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertMode {
    Disable,
    Allow,
    Require,
}

/// What SNI a connection string asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SniRead {
    Off,
    Name(String),
}

/// The TLS settings a connection string gives, before flags are weighed in.
#[derive(Debug, Default)]
pub struct Options {
    /// The mode the string asks for.
    pub mode: Read<Mode>,
    /// The mode the client takes when the string names none, derived from
    /// what else it says (`sslrootcert=system`, a CA without a mode, `mongodb+srv`).
    pub default_mode: Read<Mode>,
    pub ca: Read<String>,
    pub crl: Read<String>,
    pub cert: Read<String>,
    pub key: Read<String>,
    pub key_password: Read<String>,
    /// A host (libpq's `host=` keyword, `PGHOST`) that overrides or fills the target's.
    pub host: Read<String>,
    pub port: Read<String>,
    /// Where to connect when it differs from the host (libpq's `hostaddr`).
    pub hostaddr: Read<String>,
    pub sni: Read<SniRead>,
    pub tls_min: VersionRead,
    pub tls_max: VersionRead,
    pub timeout: Read<String>,
    pub negotiation: NegotiationRead,
    pub cert_mode: Read<CertMode>,
    /// Client-specific settings to show as they are (`ocsp-endpoint-check`).
    pub extra: Vec<SettingReport>,
    /// How the input was read: foreign spellings, ignored parameters.
    pub notes: Vec<String>,
}

/// A parameter by any of `names`, compared ignoring case, `_` and `-`
/// (the last one given wins), with its spelling as the origin.
pub fn param(target: &Target, names: &[&str]) -> Read<String> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-', ' '], "");
    target.params.iter().rev().find_map(|(k, v)| {
        let nk = norm(k);
        names
            .iter()
            .any(|n| norm(n) == nk)
            .then(|| (v.clone(), Origin::UriParam(k.clone())))
    })
}

/// A parameter spelled exactly `name` (libpq keywords are case-sensitive).
pub fn exact(target: &Target, name: &'static str) -> Read<String> {
    target
        .param(name)
        .map(|v| (v.to_string(), Origin::Uri(name)))
}

/// A boolean option in the spellings drivers accept (`true`/`false`, `1`/`0`, `yes`/`no`).
pub fn boolean(value: &(String, Origin)) -> Result<bool, UsageError> {
    match value.0.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(UsageError::Invalid(format!(
            "{} `{}` is not true or false",
            origin_name(&value.1),
            value.0
        ))),
    }
}

/// The parameter name an origin stands for, for messages.
pub fn origin_name(o: &Origin) -> String {
    match o {
        Origin::Uri(n) | Origin::Flag(n) | Origin::Env(n) => n.to_string(),
        Origin::UriParam(n) => n.clone(),
        Origin::Default | Origin::Derived(_) => "the value".into(),
    }
}

/// Note every parameter that is neither read nor known to be harmless.
pub fn note_unknown(target: &Target, known: &[&str], opts: &mut Options) {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-', ' '], "");
    for (k, _) in &target.params {
        let nk = norm(k);
        if crate::target::is_secret_param(k) || known.iter().any(|n| norm(n) == nk) {
            continue;
        }
        opts.notes
            .push(format!("unknown connection parameter `{k}` ignored"));
    }
}

/// A TLS version named the way libpq, JDBC and MySQL name them
/// (`TLSv1.2`, `TLSv1_2`, `1.2`); `Ok(None)` for versions below 1.2.
pub fn tls_version(v: &str, name: &str) -> Result<Option<TlsVersion>, UsageError> {
    match v.trim().to_ascii_lowercase().replace('_', ".").as_str() {
        "tlsv1" | "tlsv1.0" | "tlsv1.1" | "1.0" | "1.1" => Ok(None),
        "tlsv1.2" | "1.2" => Ok(Some(TlsVersion::V1_2)),
        "tlsv1.3" | "1.3" => Ok(Some(TlsVersion::V1_3)),
        _ => Err(UsageError::Invalid(format!(
            "{name} `{v}` is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
        ))),
    }
}

/// A list of TLS versions (`TLSv1.2,TLSv1.3`) as the lowest and highest
/// tlscheck speaks; versions below 1.2 are noted.
pub fn version_list(value: &(String, Origin), opts: &mut Options) -> Result<(), UsageError> {
    let name = origin_name(&value.1);
    let mut spoken = Vec::new();
    let mut old = Vec::new();
    for v in value
        .0
        .split([',', ':'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        match tls_version(v, &name)? {
            Some(t) => spoken.push(t),
            None => old.push(v.to_string()),
        }
    }
    let (Some(lo), Some(hi)) = (spoken.iter().min(), spoken.iter().max()) else {
        return Err(UsageError::Invalid(format!(
            "{name}={} allows only TLS versions below 1.2: tlscheck speaks TLS 1.2 and 1.3 only",
            value.0
        )));
    };
    if !old.is_empty() {
        opts.notes.push(format!(
            "{name}: {} not tried (tlscheck speaks TLS 1.2 and 1.3 only)",
            old.join(", ")
        ));
    }
    opts.tls_min = Some((Some(*lo), value.1.clone()));
    opts.tls_max = Some((Some(*hi), value.1.clone()));
    Ok(())
}

/// A mode read through a client's own table of values (case-insensitive).
pub fn mode_from(
    value: &(String, Origin),
    table: &[(&str, Mode)],
) -> Result<(Mode, Origin), UsageError> {
    let v = value.0.trim();
    table
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(v))
        .map(|(_, m)| (*m, value.1.clone()))
        .ok_or_else(|| {
            UsageError::Invalid(format!(
                "{} `{v}` is not one of {}",
                origin_name(&value.1),
                table.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
            ))
        })
}

/// The environment variable `name`, as an origin-carrying value.
pub fn env_var(env: &dyn Env, name: &'static str) -> Read<String> {
    env.var(name).map(|v| (v, Origin::Env(name)))
}

/// libpq's `sslmode` values.
pub const LIBPQ_MODES: &[(&str, Mode)] = &[
    ("disable", Mode::Disable),
    ("allow", Mode::Allow),
    ("prefer", Mode::Prefer),
    ("require", Mode::Require),
    ("verify-ca", Mode::VerifyCa),
    ("verify-full", Mode::VerifyFull),
];

/// libpq parameters that tlscheck knows and that do not change a TLS check.
pub const LIBPQ_IGNORED: &[&str] = &[
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

/// The libpq keywords that shape TLS, read by libpq and by drivers that
/// copy its connection strings (pgx, asyncpg, node-postgres): the
/// connection string first, then libpq's environment variables.
/// `modes` is the client's table of `sslmode` values.
pub fn libpq_keywords(
    target: &Target,
    env: &dyn Env,
    modes: &[(&str, Mode)],
    opts: &mut Options,
) -> Result<(), UsageError> {
    let get =
        |name: &'static str, var: &'static str| exact(target, name).or_else(|| env_var(env, var));
    if let Some(mode) = libpq_mode(target, env, modes)? {
        opts.mode = Some(mode);
    }
    opts.ca = get("sslrootcert", "PGSSLROOTCERT");
    opts.crl = get("sslcrl", "PGSSLCRL");
    opts.cert = get("sslcert", "PGSSLCERT");
    opts.key = get("sslkey", "PGSSLKEY");
    opts.key_password = exact(target, "sslpassword");
    libpq_address(target, env, opts);
    if exact(target, "sslsni").is_some_and(|(v, _)| v == "0") {
        opts.sni = Some((SniRead::Off, Origin::Uri("sslsni")));
    }
    for (name, slot) in [
        ("ssl_min_protocol_version", &mut opts.tls_min),
        ("ssl_max_protocol_version", &mut opts.tls_max),
    ] {
        if let Some((v, o)) = exact(target, name) {
            *slot = Some((tls_version(&v, name)?, o));
        }
    }
    opts.timeout = get("connect_timeout", "PGCONNECT_TIMEOUT");
    if let Some((v, o)) = get("sslnegotiation", "PGSSLNEGOTIATION") {
        opts.negotiation = Some((pg_negotiation(&v, &o)?, o));
    }
    if let Some((v, o)) = exact(target, "sslcertmode") {
        opts.cert_mode = Some((cert_mode(&v)?, o));
    }
    libpq_notes(target, opts);
    Ok(())
}

/// `sslmode` (or `PGSSLMODE`) through the client's table, else the old
/// `requiressl=1`.
fn libpq_mode(
    target: &Target,
    env: &dyn Env,
    modes: &[(&str, Mode)],
) -> Result<Read<Mode>, UsageError> {
    if let Some(v) = exact(target, "sslmode").or_else(|| env_var(env, "PGSSLMODE")) {
        return mode_from(&v, modes).map(Some);
    }
    Ok(exact(target, "requiressl")
        .filter(|(v, _)| v == "1")
        .map(|(_, o)| (Mode::Require, o)))
}

/// `host`, `port` and `hostaddr`; `PGHOST` and `PGPORT` only fill what the
/// target does not give.
fn libpq_address(target: &Target, env: &dyn Env, opts: &mut Options) {
    opts.host = exact(target, "host").or_else(|| {
        target
            .host
            .is_none()
            .then(|| env_var(env, "PGHOST"))
            .flatten()
    });
    opts.port = exact(target, "port").or_else(|| {
        target
            .port
            .is_none()
            .then(|| env_var(env, "PGPORT"))
            .flatten()
    });
    opts.hostaddr = exact(target, "hostaddr");
}

/// libpq's `sslnegotiation` values.
fn pg_negotiation(v: &str, o: &Origin) -> Result<PgNegotiation, UsageError> {
    match v {
        "postgres" => Ok(PgNegotiation::Postgres),
        "direct" => Ok(PgNegotiation::Direct),
        _ => Err(UsageError::Invalid(format!(
            "sslnegotiation `{v}` (from {o}) is not postgres or direct"
        ))),
    }
}

/// libpq's `sslcertmode` values.
fn cert_mode(v: &str) -> Result<CertMode, UsageError> {
    match v {
        "disable" => Ok(CertMode::Disable),
        "allow" => Ok(CertMode::Allow),
        "require" => Ok(CertMode::Require),
        other => Err(UsageError::Invalid(format!(
            "sslcertmode `{other}` is not one of disable, allow, require"
        ))),
    }
}

/// libpq keywords tlscheck does not follow, said so.
fn libpq_notes(target: &Target, opts: &mut Options) {
    if target.param("sslcrldir").is_some() {
        opts.notes
            .push("sslcrldir is not read yet: pass the CRL file with --crl-file".into());
    }
    if target.param("gssencmode") == Some("require") {
        opts.notes.push(
            "gssencmode=require: libpq would use GSSAPI encryption instead of TLS; this check looks at TLS only"
                .into(),
        );
    }
}

/// libpq's TLS keywords, for [`note_unknown`].
pub const LIBPQ_READ: &[&str] = &[
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
];

/// MySQL's `--ssl-mode` values, and libpq's, in any case, `-` or `_`.
pub const MYSQL_MODES: &[(&str, Mode)] = &[
    ("DISABLED", Mode::Disable),
    ("PREFERRED", Mode::Prefer),
    ("REQUIRED", Mode::Require),
    ("VERIFY_CA", Mode::VerifyCa),
    ("VERIFY_IDENTITY", Mode::VerifyFull),
    ("VERIFY-CA", Mode::VerifyCa),
    ("VERIFY-IDENTITY", Mode::VerifyFull),
    ("disable", Mode::Disable),
    ("prefer", Mode::Prefer),
    ("require", Mode::Require),
    ("verify-full", Mode::VerifyFull),
];

/// MySQL-protocol parameters that do not change a TLS check.
pub const MYSQL_IGNORED: &[&str] = &[
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

/// The MySQL client family's TLS options in their own spellings and the
/// ones other drivers' DSNs use (`ssl_mode`, `sslmode`, `sslca`), noting
/// how a foreign spelling was read.
pub fn mysql_options(target: &Target, opts: &mut Options) -> Result<(), UsageError> {
    if let Some(v) = param(target, &["ssl-mode", "sslmode"]) {
        let (mode, o) = mode_from(&v, MYSQL_MODES)?;
        if !v.0.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            || !origin_name(&o).contains('-')
        {
            opts.notes
                .push(format!("read {}={} as mode {mode}", origin_name(&o), v.0));
        }
        opts.mode = Some((mode, o));
    }
    if let Some(v) = param(target, &["ssl-ca", "sslca"]) {
        if !origin_name(&v.1).contains('-') {
            opts.notes.push(format!(
                "read {} as ssl-ca (the CA file)",
                origin_name(&v.1)
            ));
        }
        opts.ca = Some(v);
    }
    if let Some(v) = param(target, &["ssl-crl", "sslcrl"]) {
        if !origin_name(&v.1).contains('-') {
            opts.notes.push(format!(
                "read {} as ssl-crl (the CRL file)",
                origin_name(&v.1)
            ));
        }
        opts.crl = Some(v);
    }
    for (names, what) in [
        (
            &["ssl-capath", "sslcapath"][..],
            "a CA directory is not read yet; pass a CA file with --ca-file or ssl-ca",
        ),
        (
            &["ssl-crlpath", "sslcrlpath"][..],
            "a CRL directory is not read yet; pass a CRL file with --crl-file or ssl-crl",
        ),
    ] {
        if let Some((v, o)) = param(target, names) {
            opts.notes.push(format!("{}={v}: {what}", origin_name(&o)));
        }
    }
    opts.cert = param(target, &["ssl-cert", "sslcert"]);
    opts.key = param(target, &["ssl-key", "sslkey"]);
    if let Some(v) = param(
        target,
        &["tls-version", "tlsversion", "enabledTLSProtocols"],
    ) {
        version_list(&v, opts)?;
    }
    opts.timeout = param(target, &["connect-timeout"]);
    Ok(())
}

/// The MySQL-family parameters [`mysql_options`] reads, for [`note_unknown`].
pub const MYSQL_READ: &[&str] = &[
    "ssl-mode",
    "sslmode",
    "ssl-ca",
    "sslca",
    "ssl-crl",
    "sslcrl",
    "ssl-capath",
    "sslcapath",
    "ssl-crlpath",
    "sslcrlpath",
    "ssl-cert",
    "sslcert",
    "ssl-key",
    "sslkey",
    "tls-version",
    "tlsversion",
    "enabledtlsprotocols",
    "connect-timeout",
];

/// MongoDB URI options the drivers share (names case-insensitive, as the
/// URI specification says) that do not change a TLS check.
pub const MONGO_IGNORED: &[&str] = &[
    "appname",
    "authmechanism",
    "authmechanismproperties",
    "authsource",
    "compressors",
    "connecttimeoutms",
    "heartbeatfrequencyms",
    "journal",
    "loadbalanced",
    "localthresholdms",
    "maxconnecting",
    "maxidletimems",
    "maxpoolsize",
    "maxstalenessseconds",
    "minpoolsize",
    "readconcernlevel",
    "readpreference",
    "readpreferencetags",
    "retryreads",
    "retrywrites",
    "serverselectiontimeoutms",
    "sockettimeoutms",
    "srvmaxhosts",
    "srvservicename",
    "timeoutms",
    "uuidrepresentation",
    "w",
    "waitqueuetimeoutms",
    "wtimeoutms",
    "zlibcompressionlevel",
    "replicaset",
    "directconnection",
];

/// The TLS options of the MongoDB URI specification, which every current
/// MongoDB driver reads: `tls`/`ssl`, `tlsCAFile`, `tlsCRLFile`,
/// `tlsCertificateKeyFile` (+ password), `tlsInsecure`,
/// `tlsAllowInvalidCertificates`, `tlsAllowInvalidHostnames`,
/// `tlsDisableOCSPEndpointCheck`. The conflicts the specification forbids
/// are usage errors, worded as `who` refuses them. `files_imply_tls`: a CA
/// or certificate file alone turns TLS on (PyMongo), or does not (the
/// Node.js driver, which then connects in clear).
pub fn mongo_tls(
    input: &super::Input<'_>,
    who: &str,
    files_imply_tls: bool,
    opts: &mut Options,
) -> Result<(), UsageError> {
    let t = input.target;
    let is_uri = matches!(
        t.scheme,
        Some(crate::target::Scheme::Mongo | crate::target::Scheme::MongoSrv)
    );
    if !is_uri {
        opts.default_mode = Some((
            Mode::VerifyFull,
            Origin::Derived(format!("as {who} with tls=true")),
        ));
        return Ok(());
    }
    let srv = t.scheme == Some(crate::target::Scheme::MongoSrv);
    let flags = MongoFlags::read(t, who)?;
    flags.check_conflicts(who)?;
    let implies_tls = flags.implying_tls(t, files_imply_tls);
    if value_of(&flags.tls) == Some(false) && !implies_tls.is_empty() {
        return Err(UsageError::Invalid(format!(
            "TLS has not been enabled but the following tls parameters have been set: {}. Please set `tls=True` or remove. ({who} refuses this URI)",
            implies_tls.join(", ")
        )));
    }
    opts.mode = flags.mode(srv, &implies_tls, who, &mut opts.notes);
    opts.default_mode = Some(mongo_default_mode(srv, &implies_tls, who));
    opts.ca = param(t, &["tlsCAFile"]);
    opts.crl = param(t, &["tlsCRLFile"]);
    opts.cert = param(t, &["tlsCertificateKeyFile"]);
    opts.key_password = param(t, &["tlsCertificateKeyFilePassword"]);
    if let Some((true, o)) = flags.no_ocsp_check.or(flags.insecure.filter(|(b, _)| *b)) {
        opts.extra.push(SettingReport {
            name: "ocsp-endpoint-check",
            value: format!("off ({who} will not ask OCSP responders)"),
            source: o,
        });
    }
    let mut known: Vec<&str> = MONGO_IGNORED.to_vec();
    known.extend(MONGO_READ);
    note_unknown(t, &known, opts);
    Ok(())
}

/// The TLS options [`mongo_tls`] reads, for [`note_unknown`].
const MONGO_READ: &[&str] = &[
    "tls",
    "ssl",
    "tlscafile",
    "tlscertificatekeyfile",
    "tlscertificatekeyfilepassword",
    "tlscrlfile",
    "tlsinsecure",
    "tlsallowinvalidcertificates",
    "tlsallowinvalidhostnames",
    "tlsdisableocspendpointcheck",
    "tlsdisablecertificaterevocationcheck",
];

/// The boolean of a boolean option, when given.
fn value_of(o: &Read<bool>) -> Option<bool> {
    o.as_ref().map(|(b, _)| *b)
}

/// The boolean TLS options of a MongoDB URI, as given.
struct MongoFlags {
    /// `tls`, or its older name `ssl` (which must then agree).
    tls: Read<bool>,
    insecure: Read<bool>,
    invalid_certs: Read<bool>,
    invalid_hosts: Read<bool>,
    no_ocsp_check: Read<bool>,
    no_revocation: Read<bool>,
}

impl MongoFlags {
    fn read(t: &Target, who: &str) -> Result<MongoFlags, UsageError> {
        let flag = |names: &[&str]| -> Result<Read<bool>, UsageError> {
            param(t, names).map(|v| Ok((boolean(&v)?, v.1))).transpose()
        };
        let tls_opt = flag(&["tls"])?;
        let ssl_opt = flag(&["ssl"])?;
        if let (Some((a, _)), Some((b, _))) = (&tls_opt, &ssl_opt) {
            if a != b {
                return Err(UsageError::Invalid(format!(
                    "Can not specify conflicting values for URI options tls and ssl ({who} refuses this URI)"
                )));
            }
        }
        Ok(MongoFlags {
            insecure: flag(&["tlsInsecure"])?,
            invalid_certs: flag(&["tlsAllowInvalidCertificates"])?,
            invalid_hosts: flag(&["tlsAllowInvalidHostnames"])?,
            no_ocsp_check: flag(&["tlsDisableOCSPEndpointCheck"])?,
            no_revocation: flag(&["tlsDisableCertificateRevocationCheck"])?,
            tls: tls_opt.or(ssl_opt),
        })
    }

    /// The pairs the URI specification forbids giving together, whatever
    /// their values.
    fn check_conflicts(&self, who: &str) -> Result<(), UsageError> {
        let conflicts = [
            (
                "tlsInsecure",
                &self.insecure,
                "tlsAllowInvalidCertificates",
                &self.invalid_certs,
            ),
            (
                "tlsInsecure",
                &self.insecure,
                "tlsAllowInvalidHostnames",
                &self.invalid_hosts,
            ),
            (
                "tlsInsecure",
                &self.insecure,
                "tlsDisableOCSPEndpointCheck",
                &self.no_ocsp_check,
            ),
            (
                "tlsAllowInvalidCertificates",
                &self.invalid_certs,
                "tlsDisableOCSPEndpointCheck",
                &self.no_ocsp_check,
            ),
            (
                "tlsInsecure",
                &self.insecure,
                "tlsDisableCertificateRevocationCheck",
                &self.no_revocation,
            ),
        ];
        for (a, va, b, vb) in conflicts {
            if va.is_some() && vb.is_some() {
                return Err(UsageError::Invalid(format!(
                    "URI options {a} and {b} cannot be specified simultaneously ({who} refuses this URI)"
                )));
            }
        }
        Ok(())
    }

    /// Options that switch TLS on by being set (files, when
    /// `files_imply_tls`), or by being set to false.
    fn implying_tls(&self, t: &Target, files_imply_tls: bool) -> Vec<&'static str> {
        let mut implies_tls = Vec::new();
        for name in [
            "tlsCertificateKeyFile",
            "tlsCertificateKeyFilePassword",
            "tlsCAFile",
            "tlsCRLFile",
        ] {
            if files_imply_tls && param(t, &[name]).is_some_and(|(v, _)| !v.is_empty()) {
                implies_tls.push(name);
            }
        }
        for (name, v) in [
            ("tlsAllowInvalidCertificates", &self.invalid_certs),
            ("tlsAllowInvalidHostnames", &self.invalid_hosts),
            ("tlsDisableOCSPEndpointCheck", &self.no_ocsp_check),
        ] {
            if value_of(v) == Some(false) {
                implies_tls.push(name);
            }
        }
        implies_tls
    }

    /// The mode the options select, if they select one; notes an insecure
    /// option that, without TLS on, the driver would not even use.
    fn mode(
        &self,
        srv: bool,
        implies_tls: &[&str],
        who: &str,
        notes: &mut Vec<String>,
    ) -> Read<Mode> {
        match (
            &self.tls,
            &self.insecure,
            &self.invalid_certs,
            &self.invalid_hosts,
        ) {
            (Some((false, o)), ..) => Some((Mode::Disable, o.clone())),
            (_, Some((true, o)), ..) | (_, _, Some((true, o)), _) => {
                if self.tls.is_none() && !srv && implies_tls.is_empty() {
                    notes.push(format!(
                        "{}=true without tls=true: {who} would connect without TLS; judged under insecure as asked",
                        origin_name(o)
                    ));
                }
                Some((Mode::Insecure, o.clone()))
            }
            (Some((true, _)), _, _, Some((true, o))) => Some((Mode::VerifyCa, o.clone())),
            (Some((true, o)), ..) => Some((Mode::VerifyFull, o.clone())),
            (None, _, _, Some((true, o))) if srv || !implies_tls.is_empty() => {
                Some((Mode::VerifyCa, o.clone()))
            }
            _ => None,
        }
    }
}

/// The mode when the URI names none: verified TLS under `mongodb+srv://` or
/// when an option implies TLS, else no TLS.
fn mongo_default_mode(srv: bool, implies_tls: &[&str], who: &str) -> (Mode, Origin) {
    if srv {
        (
            Mode::VerifyFull,
            Origin::Derived("mongodb+srv:// turns TLS on, verified".into()),
        )
    } else if !implies_tls.is_empty() {
        (
            Mode::VerifyFull,
            Origin::Derived(format!(
                "{who} turns TLS on when {} is set",
                implies_tls.join(", ")
            )),
        )
    } else {
        (
            Mode::Disable,
            Origin::Derived(format!(
                "{who} uses no TLS unless tls=true (or mongodb+srv://)"
            )),
        )
    }
}

/// Note the unknown parameters of a string read with libpq's keywords,
/// knowing `extra` too (a driver's own keywords).
pub fn note_unknown_libpq(target: &Target, extra: &[&str], opts: &mut Options) {
    let mut known = LIBPQ_READ.to_vec();
    known.extend(LIBPQ_IGNORED);
    known.extend(extra);
    note_unknown(target, &known, opts);
}

/// A timeout given in milliseconds (JDBC's `connectTimeout`), in seconds.
pub fn millis_timeout(target: &Target, name: &str) -> Read<String> {
    param(target, &[name]).map(|(ms, origin)| {
        let secs = ms
            .parse::<f64>()
            .map(|m| (m / 1000.0).to_string())
            .unwrap_or(ms);
        (secs, origin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::FixedEnv;

    #[test]
    fn params_match_across_spellings_and_remember_them() {
        let t = Target::parse("mysql://h/x?SSL_Mode=required&sslCa=/x").unwrap();
        let (v, o) = param(&t, &["ssl-mode"]).unwrap();
        assert_eq!(v, "required");
        assert_eq!(o.to_string(), "connection string SSL_Mode=");
        assert!(param(&t, &["ssl-ca"]).is_some());
    }

    #[test]
    fn libpq_keywords_take_the_environment_after_the_string() {
        let t = Target::parse("postgresql://h/db?sslmode=verify-ca").unwrap();
        let env = FixedEnv(&[("PGSSLMODE", "require"), ("PGSSLROOTCERT", "/r.pem")]);
        let mut o = Options::default();
        libpq_keywords(&t, &env, LIBPQ_MODES, &mut o).unwrap();
        assert_eq!(o.mode.as_ref().map(|m| m.0), Some(Mode::VerifyCa));
        assert_eq!(
            o.ca.as_ref().map(|c| c.1.to_string()).as_deref(),
            Some("environment PGSSLROOTCERT")
        );
    }

    #[test]
    fn version_lists_keep_what_tlscheck_speaks() {
        let mut o = Options::default();
        version_list(
            &(
                "TLSv1.1,TLSv1.2".into(),
                Origin::UriParam("tls-version".into()),
            ),
            &mut o,
        )
        .unwrap();
        assert_eq!(o.tls_min.as_ref().and_then(|v| v.0), Some(TlsVersion::V1_2));
        assert!(o.notes[0].contains("TLSv1.1"));
        assert!(version_list(&("TLSv1.1".into(), Origin::Default), &mut o).is_err());
    }
}
