//! Turn a [`Request`], the target's connection string and the environment
//! into one [`Plan`]: what to connect to, how, and whose rules judge it.
//!
//! The client profile (`--client`, else the one the connection string's
//! dialect implies, else tlscheck's own rules) reads the connection string
//! in its own spellings; this module weighs what it read against the flags
//! (flag > connection string > environment > default), and every effective
//! setting remembers where it came from, because "why did it use that CA
//! file?" is half of every support ticket.

use std::path::PathBuf;
use std::time::Duration;

use crate::clients::options::{CertMode, SniRead};
use crate::clients::{self, Input, Options, Profile};
use crate::target::{AdoKind, Dialect, Host, JdbcKind, Scheme, Target, TargetError};

pub mod mongo;
pub use crate::request::{
    CaChoice, Env, FixedEnv, Mode, OcspScope, Origin, PgNegotiation, ProcessEnv, Protocol,
    ProtocolChoice, Request, SettingReport, Sni, TlsVersion, UsageError,
};
pub use mongo::MongoPlan;

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
    /// The client whose rules decide, and why it was chosen.
    pub client: &'static Profile,
    pub client_reason: String,
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
    /// The client certificate to present, read and checked (mutual TLS).
    pub identity: Option<crate::identity::Identity>,
    /// libpq's `sslcertmode=require`: fail when the server does not ask
    /// for a client certificate.
    pub require_cert_request: bool,
    /// `--user`: the login opening to send after TLS.
    pub login: Option<Login>,
    /// MongoDB targets: the seed list and topology options.
    pub mongo: Option<MongoPlan>,
    /// `--at`: the instant to judge at, when not now.
    pub at: Option<i64>,
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

/// The effective settings and notes, as they are decided.
#[derive(Default)]
struct Shown {
    settings: Vec<SettingReport>,
    notes: Vec<String>,
}

impl Shown {
    fn show(&mut self, name: &'static str, value: impl Into<String>, source: Origin) {
        self.settings.push(SettingReport {
            name,
            value: value.into(),
            source,
        });
    }
}

/// Build the plan for `tlscheck connect`.
pub fn resolve(req: &Request, env: &dyn Env) -> Result<Plan, UsageError> {
    let target = Target::parse_with_client(&req.target, ado_kind(req))?;
    let (protocol, protocol_reason) = choose_protocol(req, &target)?;
    check_protocol_flags(req, &target, protocol)?;
    let (client, client_reason) = choose_client(req, &target, protocol)?;
    let mut opts = Options::default();
    let input = Input {
        target: &target,
        env,
        protocol,
    };
    (client.read)(&input, &mut opts)?;
    let mut shown = Shown {
        notes: std::mem::take(&mut opts.notes),
        ..Shown::default()
    };
    let mongo = match protocol {
        Protocol::Mongo => Some(mongo::plan(req, &target, client.name, &mut shown.settings)?),
        _ => None,
    };
    let (host, port, connect_host) = endpoint(&target, protocol, &opts, &mut shown)?;
    let (ca, missing_root_file) = trust(req, client, &opts, &mut shown)?;
    let (mode, mode_origin) = mode(req, client, &opts, ca.as_ref(), &mut shown);
    let crls = crls(req, &opts, &mut shown)?;
    show_revocation_and_expiry(req, &mut shown);
    let cert_mode = opts.cert_mode.as_ref().map(|(m, _)| *m);
    let identity = identity(req, env, client, &opts, cert_mode, &mut shown)?;
    let login = login(req, &target, protocol, &mut shown)?;
    let sni = sni(req, &opts, &mut shown)?;
    let (tls_min, tls_max) = versions(req, &opts, &mut shown)?;
    let pg_negotiation = negotiation(req, &opts, protocol, mode, &mut shown)?;
    let timeout = timeout(req, &opts, &mut shown)?;
    if let Some(at) = req.at {
        shown.show("at", crate::observe::rfc3339(at), Origin::Flag("at"));
    }
    shown.settings.extend(opts.extra);
    shown.settings.insert(
        0,
        SettingReport {
            name: "mode",
            value: mode.to_string(),
            source: mode_origin.clone(),
        },
    );
    Ok(Plan {
        display: target.display.clone(),
        host,
        connect_host,
        port,
        protocol,
        protocol_reason,
        client,
        client_reason,
        mode,
        mode_origin,
        ca,
        missing_root_file,
        crls,
        crl_fetch: req.crl_fetch,
        ocsp: req.ocsp,
        warn_days: req.warn_days,
        fail_days: req.fail_days,
        strict: req.strict,
        sni,
        tls_min,
        tls_max,
        pg_negotiation,
        timeout,
        identity,
        require_cert_request: cert_mode == Some(CertMode::Require),
        login,
        mongo,
        at: req.at,
        settings: shown.settings,
        notes: shown.notes,
    })
}

/// The MongoDB-only flags on a target of another protocol, a MongoDB
/// connection string under another protocol, several hosts outside MongoDB.
fn check_protocol_flags(
    req: &Request,
    target: &Target,
    protocol: Protocol,
) -> Result<(), UsageError> {
    let is_mongo_uri = matches!(target.scheme, Some(Scheme::Mongo | Scheme::MongoSrv));
    if is_mongo_uri && protocol != Protocol::Mongo {
        return Err(UsageError::Invalid(format!(
            "a MongoDB connection string is checked as MongoDB, not with --protocol {}",
            protocol.name()
        )));
    }
    let mongo_flags = req.tls_allow_invalid_hostnames
        || req.tls_allow_invalid_certificates
        || req.tls_insecure
        || req.all_members
        || req.dns_server.is_some();
    if protocol != Protocol::Mongo && mongo_flags {
        return Err(UsageError::Invalid(
            "--tls-allow-invalid-hostnames, --tls-allow-invalid-certificates, --tls-insecure, --all-members and --dns-server apply to MongoDB targets only".into(),
        ));
    }
    if target.hosts.len() > 1 && protocol != Protocol::Mongo {
        return Err(TargetError::SeveralHosts(target.display.clone()).into());
    }
    Ok(())
}

/// `--client`, else the client the connection string's dialect implies,
/// else PyMongo for MongoDB and tlscheck's own rules for the rest.
fn choose_client(
    req: &Request,
    target: &Target,
    protocol: Protocol,
) -> Result<(&'static Profile, String), UsageError> {
    if let Some(name) = &req.client {
        let p = clients::find(name).ok_or_else(|| {
            UsageError::Invalid(format!(
                "--client {name}: no such client; `tlscheck clients` lists them ({})",
                clients::ALL
                    .iter()
                    .map(|p| p.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if p.protocol != protocol && p.protocol != Protocol::Tls && protocol != Protocol::Tls {
            return Err(UsageError::Invalid(format!(
                "--client {}: {} speaks {}, and this target is {}",
                name,
                p.name,
                p.protocol.name(),
                protocol.name()
            )));
        }
        return Ok((p, "--client".into()));
    }
    let by_dialect = |id: &str, why: &str| {
        (
            clients::find(id).expect("every implied client has a profile"),
            why.to_string(),
        )
    };
    let why = format!("the connection string is a {}", target.dialect.name());
    Ok(match (target.dialect, target.scheme, protocol) {
        (Dialect::LibpqKeywords, ..) => by_dialect("libpq", &why),
        (Dialect::Jdbc(JdbcKind::Postgres), ..) => by_dialect("pgjdbc", &why),
        (Dialect::Jdbc(JdbcKind::Mysql), ..) => by_dialect("mysql-connector-j", &why),
        (Dialect::Jdbc(JdbcKind::Mariadb), ..) => by_dialect("mariadb-connector-j", &why),
        (Dialect::GoMysql, ..) => by_dialect("go-mysql", &why),
        (Dialect::AdoNet(AdoKind::Npgsql), ..) => by_dialect("npgsql", &why),
        (Dialect::AdoNet(_), ..) => by_dialect("mysqlconnector", &why),
        (_, Some(Scheme::Postgres), _) => by_dialect("libpq", "a postgres:// URI"),
        (_, Some(Scheme::Mysql), _) => by_dialect("mysql", "a mysql:// URI"),
        (_, _, Protocol::Mongo) => by_dialect("pymongo", "a MongoDB target"),
        _ => (
            clients::GENERIC,
            "no connection string names a client".into(),
        ),
    })
}

/// The ADO.NET driver `--client` names, for a string whose keys do not tell.
fn ado_kind(req: &Request) -> Option<AdoKind> {
    match req.client.as_deref().and_then(clients::find).map(|p| p.id) {
        Some("npgsql") => Some(AdoKind::Npgsql),
        Some("mysqlconnector") => Some(AdoKind::MySqlConnector),
        _ => None,
    }
}

/// Host, port and where to connect.
fn endpoint(
    target: &Target,
    protocol: Protocol,
    opts: &Options,
    shown: &mut Shown,
) -> Result<(String, u16, Option<String>), UsageError> {
    // An empty host (`host=''`) is no host, as in libpq.
    let opt_host = opts.host.as_ref().filter(|(h, _)| !h.is_empty());
    let (host, host_origin) = match (&target.host, opt_host) {
        (_, Some((h, o))) if target.host.is_none() || !matches!(o, Origin::Env(_)) => {
            (h.clone(), o.clone())
        }
        (Some(h), _) => (h.clone(), Origin::Default),
        (None, _) => {
            return Err(UsageError::Invalid(
                "the target names no host (and PGHOST is not set)".into(),
            ))
        }
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
    if host.is_empty() {
        return Err(UsageError::Invalid("the target names an empty host".into()));
    }
    if host_origin != Origin::Default {
        shown.show("host", host.clone(), host_origin);
    }
    let (port, port_origin) = match (&opts.port, target.port) {
        (Some((p, o)), port) if port.is_none() || !matches!(o, Origin::Env(_)) => {
            (parse_port(p, o)?, o.clone())
        }
        (_, Some(p)) => (p, Origin::Default),
        (_, None) => (protocol.default_port(), Origin::Default),
    };
    if port_origin != Origin::Default || target.port.is_none() {
        shown.show("port", port.to_string(), port_origin);
    }
    let connect_host = match &opts.hostaddr {
        Some((addr, o)) => {
            if addr.parse::<std::net::IpAddr>().is_err() {
                return Err(UsageError::Invalid(format!(
                    "hostaddr `{addr}` is not an IP address"
                )));
            }
            shown.show("hostaddr", addr.clone(), o.clone());
            Some(addr.clone())
        }
        None => None,
    };
    Ok((host, port, connect_host))
}

/// The CA: `--ca-file`, else the client's own option (or its default
/// file). A root file that does not exist is no root file to a client
/// that needs one (libpq); to the others it is an error before connecting.
fn trust(
    req: &Request,
    client: &Profile,
    opts: &Options,
    shown: &mut Shown,
) -> Result<(Option<CaChoice>, Option<PathBuf>), UsageError> {
    let given = req
        .ca_file
        .clone()
        .map(|v| (v, Origin::Flag("ca-file")))
        .or_else(|| opts.ca.clone());
    let (ca, origin) = match given {
        Some((v, o)) if v == "system" => (Some(CaChoice::System), Some(o)),
        Some((v, o)) => (Some(CaChoice::File(PathBuf::from(v))), Some(o)),
        None => (None, None),
    };
    let mut missing = None;
    if let (Some(CaChoice::File(p)), Some(o)) = (&ca, &origin) {
        if !p.exists() {
            if matches!(o, Origin::Flag(_)) {
                return Err(UsageError::Invalid(format!(
                    "--ca-file {}: no such file",
                    p.display()
                )));
            }
            // The MongoDB drivers stop at MongoClient(); others fail at
            // connect, which the judge reports (the CA file is unusable).
            if client.protocol == Protocol::Mongo {
                return Err(UsageError::Invalid(format!(
                    "{} {}: no such file ({} fails with FileNotFoundError before connecting)",
                    clients::options::origin_name(o),
                    p.display(),
                    client.name
                )));
            }
            if client.trust == clients::DefaultTrust::RootFileOnly {
                shown.notes.push(format!(
                    "sslrootcert {} does not exist: {} goes on as if no root file were given",
                    p.display(),
                    client.name
                ));
                missing = Some(p.clone());
            }
        }
    }
    if let (Some(CaChoice::File(p)), Some(Origin::Flag(_))) = (&ca, &origin) {
        check_ca_file(p, shown)?;
    }
    let ca = if missing.is_some() { None } else { ca };
    let value = match (&ca, &missing) {
        (Some(CaChoice::File(p)), _) => p.display().to_string(),
        (Some(CaChoice::System), _) => "system (the OS store)".into(),
        (None, Some(p)) => format!("none ({} does not exist)", p.display()),
        (None, None) => match client.trust {
            clients::DefaultTrust::RootFileOnly => {
                format!("none ({} has no root file)", client.name)
            }
            t => t.describe().to_string(),
        },
    };
    shown.show("ca", value, origin.unwrap_or(Origin::Default));
    Ok((ca, missing))
}

/// A `--ca-file` is read now, so one that is not a CA file (a binary, a
/// key, a FIFO) is a usage error before anything is sent; PEM blocks that
/// were passed over among good ones are named in a note.
fn check_ca_file(path: &std::path::Path, shown: &mut Shown) -> Result<(), UsageError> {
    let shown_path = path.display();
    let (certs, skipped) = crate::trust::read_certs(path)
        .map_err(|e| UsageError::Invalid(format!("--ca-file {shown_path}: {e}")))?;
    if certs.is_empty() {
        let found = if skipped.is_empty() {
            "no PEM block".to_string()
        } else {
            skipped.join("; ")
        };
        return Err(UsageError::Invalid(format!(
            "--ca-file {shown_path}: holds no certificate (found {found}); give a PEM file of CA certificates or one DER certificate"
        )));
    }
    for s in skipped {
        shown.notes.push(format!(
            "--ca-file {shown_path}: skipped {s}; the {} other certificate(s) are used",
            certs.len()
        ));
    }
    Ok(())
}

/// `--crl-file`s are read now: one that holds no usable CRL is a usage
/// error, and what was passed over among good ones is noted.
fn check_crl_file(path: &std::path::Path, shown: &mut Shown) -> Result<(), UsageError> {
    let name = path.display().to_string();
    let bytes = crate::files::read_bounded(path, crate::files::MAX_FILE_BYTES, "a CRL file")
        .map_err(|e| UsageError::Invalid(format!("--crl-file {name}: {e}")))?;
    let mut crls = crate::trust::Crls::default();
    crls.add_bytes(&bytes, &name);
    let prefix = format!("{name}: ");
    let why: Vec<&str> = crls
        .errors
        .iter()
        .filter(|e| **e != format!("{name} holds no CRL"))
        .map(|e| e.strip_prefix(&prefix).unwrap_or(e))
        .collect();
    if crls.lists.is_empty() {
        let found = if why.is_empty() {
            crate::files::describe_content(&bytes)
        } else {
            why.join("; ")
        };
        return Err(UsageError::Invalid(format!(
            "--crl-file {name}: holds no CRL (found {found}); give a PEM or DER CRL"
        )));
    }
    for e in why {
        shown.notes.push(format!("--crl-file {name}: skipped {e}"));
    }
    Ok(())
}

/// The mode: a flag, else the connection string, else what the client
/// derives from the rest of it, else the client's default.
fn mode(
    req: &Request,
    client: &Profile,
    opts: &Options,
    ca: Option<&CaChoice>,
    shown: &mut Shown,
) -> (Mode, Origin) {
    let flag = if let Some(m) = req.mode {
        Some((m, Origin::Flag("mode")))
    } else if req.tls_insecure {
        Some((Mode::Insecure, Origin::Flag("tls-insecure")))
    } else if req.tls_allow_invalid_certificates {
        Some((
            Mode::Insecure,
            Origin::Flag("tls-allow-invalid-certificates"),
        ))
    } else if req.tls_allow_invalid_hostnames {
        Some((Mode::VerifyCa, Origin::Flag("tls-allow-invalid-hostnames")))
    } else {
        None
    };
    let with_ca = client
        .modes
        .default_with_ca
        .filter(|_| matches!(ca, Some(CaChoice::File(_))))
        .map(|m| {
            (
                m,
                Origin::Derived(format!(
                    "{} given a CA without a mode checks {}",
                    client.version,
                    if m == Mode::VerifyCa {
                        "the chain (VERIFY_CA)"
                    } else {
                        "the chain and the name"
                    }
                )),
            )
        });
    let (mode, origin) = flag
        .or_else(|| opts.mode.clone())
        .or_else(|| opts.default_mode.clone())
        .or(with_ca)
        .unwrap_or_else(|| {
            let m = client.modes.default;
            if client.id == clients::GENERIC.id {
                (m, Origin::Default)
            } else {
                (
                    m,
                    Origin::Derived(format!(
                        "{}'s own default{}",
                        client.version,
                        client
                            .mode_option(m)
                            .map(|s| format!(" ({s})"))
                            .unwrap_or_default()
                    )),
                )
            }
        });
    if client.mode_option(mode).is_none() && !client.modes.spellings.is_empty() {
        shown.notes.push(format!(
            "{} has no setting for mode {mode}; judged as asked",
            client.name
        ));
    }
    (mode, origin)
}

/// Every `--crl-file`, else the connection string's.
fn crls(req: &Request, opts: &Options, shown: &mut Shown) -> Result<Vec<PathBuf>, UsageError> {
    let (crls, origin) = if !req.crl_file.is_empty() {
        for p in &req.crl_file {
            if !p.exists() {
                return Err(UsageError::Invalid(format!(
                    "--crl-file {}: no such file",
                    p.display()
                )));
            }
            check_crl_file(p, shown)?;
        }
        (req.crl_file.clone(), Some(Origin::Flag("crl-file")))
    } else {
        match &opts.crl {
            Some((v, o)) => (vec![PathBuf::from(v)], Some(o.clone())),
            None => (Vec::new(), None),
        }
    };
    if let Some(o) = origin {
        let value = crls
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        shown.show("crl", value, o);
    }
    Ok(crls)
}

fn show_revocation_and_expiry(req: &Request, shown: &mut Shown) {
    if req.crl_fetch {
        shown.show("crl-fetch", "on", Origin::Flag("crl-fetch"));
    }
    if let Some(scope) = req.ocsp {
        shown.show(
            "ocsp",
            format!("{scope:?}").to_lowercase(),
            Origin::Flag("ocsp"),
        );
    }
    if req.warn_days != 30 {
        shown.show(
            "warn-days",
            req.warn_days.to_string(),
            Origin::Flag("warn-days"),
        );
    }
    if let Some(d) = req.fail_days {
        shown.show("fail-days", d.to_string(), Origin::Flag("fail-days"));
    }
}

/// The client certificate, key and key password: flags, then what the
/// client read. The files are read and checked here, so a key that cannot
/// be used is a usage error before anything is sent.
fn identity(
    req: &Request,
    env: &dyn Env,
    client: &Profile,
    opts: &Options,
    cert_mode: Option<CertMode>,
    shown: &mut Shown,
) -> Result<Option<crate::identity::Identity>, UsageError> {
    if cert_mode == Some(CertMode::Require) {
        shown.show("sslcertmode", "require", Origin::Uri("sslcertmode"));
    }
    if cert_mode == Some(CertMode::Disable) && req.cert.is_none() {
        shown.notes.push(format!(
            "sslcertmode=disable: {} sends no client certificate, so none is presented",
            client.name
        ));
        return Ok(None);
    }
    let flag = |v: &Option<PathBuf>, name: &'static str| {
        v.as_ref()
            .map(|p| (p.display().to_string(), Origin::Flag(name)))
    };
    let cert = flag(&req.cert, "cert").or_else(|| opts.cert.clone());
    let key = flag(&req.key, "key").or_else(|| opts.key.clone());
    let Some((cert_path, cert_origin)) = cert else {
        if let Some((k, o)) = key.filter(|(_, o)| !matches!(o, Origin::Derived(_))) {
            return Err(UsageError::Invalid(format!(
                "a client key ({k}, from {o}) without a certificate: give the certificate with --cert FILE ({})",
                client.words.cert
            )));
        }
        return Ok(None);
    };
    let password = key_password(req, env, opts)?;
    shown.show("cert", cert_path.clone(), cert_origin.clone());
    if let Some((k, o)) = &key {
        shown.show("key", k.clone(), o.clone());
    }
    if let Some((_, o)) = &password {
        shown.show("key-password", "(given, not shown)", o.clone());
    }
    let named = |file: crate::identity::IdentityFile| match (file, &key) {
        (crate::identity::IdentityFile::Key, Some((k, o))) => file_named("key", k, o),
        _ => file_named("cert", &cert_path, &cert_origin),
    };
    let request = crate::identity::IdentityRequest {
        cert: PathBuf::from(&cert_path),
        key: key.clone().map(|(k, _)| PathBuf::from(k)),
        password_source: password.as_ref().map(|(_, o)| o.to_string()),
        password: password.map(|(p, _)| p),
        prompt: env.interactive(),
    };
    crate::identity::load(&request, crate::observe::now_unix())
        .map(Some)
        .map_err(|e| UsageError::Invalid(format!("{}: {}", named(e.file), e.message)))
}

/// The key password: `--key-password-file`, else the connection string's,
/// else the environment's; where it came from.
fn key_password(
    req: &Request,
    env: &dyn Env,
    opts: &Options,
) -> Result<Option<(String, Origin)>, UsageError> {
    Ok(match &req.key_password_file {
        Some(f) => Some((
            crate::files::password(Some(f))
                .map_err(|e| {
                    UsageError::Invalid(format!("--key-password-file {}: {e}", f.display()))
                })?
                .unwrap_or_default(),
            Origin::Flag("key-password-file"),
        )),
        None => opts.key_password.clone().or_else(|| {
            env.var(crate::files::PASSWORD_ENV)
                .map(|v| (v, Origin::Env(crate::files::PASSWORD_ENV)))
        }),
    })
}

/// An identity file as the user gave it: `--cert FILE` for a flag, else
/// `client certificate FILE (connection string sslcert=)` and the like.
fn file_named(flag: &str, path: &str, origin: &Origin) -> String {
    let what = if flag == "key" {
        "client key"
    } else {
        "client certificate"
    };
    match origin {
        Origin::Flag(name) => format!("--{name} {path}"),
        other => format!("{what} {path} ({other})"),
    }
}

/// `--user`: the login opening to send after TLS.
fn login(
    req: &Request,
    target: &Target,
    protocol: Protocol,
    shown: &mut Shown,
) -> Result<Option<Login>, UsageError> {
    match &req.user {
        None => Ok(None),
        Some(u) if u.is_empty() || u.contains('\0') => {
            Err(UsageError::Invalid("--user needs a user name".into()))
        }
        Some(_) if !matches!(protocol, Protocol::Postgres | Protocol::Mysql) => {
            Err(UsageError::Invalid(format!(
                "--user sends PostgreSQL's or MySQL's login opening; this is a {} target",
                protocol.name()
            )))
        }
        Some(u) => {
            shown.show("user", u.clone(), Origin::Flag("user"));
            Ok(Some(Login {
                protocol,
                user: u.clone(),
                database: target.database.clone().filter(|d| !d.is_empty()),
            }))
        }
    }
}

fn sni(req: &Request, opts: &Options, shown: &mut Shown) -> Result<Sni, UsageError> {
    if let Some(name) = &req.sni {
        if name.is_empty() {
            return Err(UsageError::Invalid("--sni needs a name".into()));
        }
        shown.show("sni", name.clone(), Origin::Flag("sni"));
        return Ok(Sni::Name(name.clone()));
    }
    if req.no_sni {
        shown.show("sni", "off", Origin::Flag("no-sni"));
        return Ok(Sni::Off);
    }
    Ok(match &opts.sni {
        Some((SniRead::Off, o)) => {
            shown.show("sni", "off", o.clone());
            Sni::Off
        }
        Some((SniRead::Name(n), o)) => {
            shown.show("sni", n.clone(), o.clone());
            Sni::Name(n.clone())
        }
        None => Sni::Auto,
    })
}

fn versions(
    req: &Request,
    opts: &Options,
    shown: &mut Shown,
) -> Result<(Option<TlsVersion>, Option<TlsVersion>), UsageError> {
    let min = match req.tls_min {
        Some(v) => Some((Some(v), Origin::Flag("tls-min"))),
        None => opts.tls_min.clone(),
    };
    let max = match req.tls_max {
        Some(v) => Some((Some(v), Origin::Flag("tls-max"))),
        None => opts.tls_max.clone(),
    };
    if let Some((None, o)) = &max {
        return Err(UsageError::Invalid(format!(
            "{} below TLSv1.2: tlscheck speaks TLS 1.2 and 1.3 only",
            clients::options::origin_name(o)
        )));
    }
    for (name, v) in [("tls-min", &min), ("tls-max", &max)] {
        if let Some((Some(ver), o)) = v {
            shown.show(name, ver.name(), o.clone());
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
    Ok((min, max))
}

fn negotiation(
    req: &Request,
    opts: &Options,
    protocol: Protocol,
    mode: Mode,
    shown: &mut Shown,
) -> Result<PgNegotiation, UsageError> {
    let chosen = match req.pg_negotiation {
        Some(n) => Some((n, Origin::Flag("pg-negotiation"))),
        None => opts.negotiation.clone(),
    };
    let Some((n, o)) = chosen else {
        return Ok(PgNegotiation::Postgres);
    };
    if protocol != Protocol::Postgres {
        return Err(UsageError::Invalid(
            "--pg-negotiation applies to PostgreSQL targets only".into(),
        ));
    }
    shown.show("pg-negotiation", format!("{n:?}").to_lowercase(), o);
    if n == PgNegotiation::Direct && mode < Mode::Require {
        shown.notes.push(format!(
            "direct TLS with sslmode={mode}: libpq 17 refuses this combination (direct needs require or stricter); judged as if TLS were negotiated"
        ));
    }
    Ok(n)
}

fn timeout(req: &Request, opts: &Options, shown: &mut Shown) -> Result<Duration, UsageError> {
    let raw = match req.timeout {
        Some(t) => Some((t, Origin::Flag("timeout"))),
        None => match &opts.timeout {
            None => None,
            Some((v, o)) => match v.trim().parse::<f64>() {
                // libpq: zero or negative means wait forever; tlscheck never does.
                Ok(t) if t <= 0.0 => {
                    shown.notes.push(format!(
                        "connect_timeout={v} (from {o}) means no limit to the client; tlscheck keeps its default of 10 s"
                    ));
                    None
                }
                Ok(t) => Some((t, o.clone())),
                Err(_) => {
                    return Err(UsageError::Invalid(format!(
                        "connect_timeout `{v}` (from {o}) is not a number of seconds"
                    )))
                }
            },
        },
    };
    let Some((t, o)) = raw else {
        return Ok(Duration::from_secs(10));
    };
    if !(t.is_finite() && t > 0.0 && t <= 3600.0) {
        let name = match &o {
            Origin::Flag(n) => format!("--{n}"),
            o => clients::options::origin_name(o),
        };
        return Err(UsageError::Invalid(format!(
            "{name} {t}: give a number of seconds above 0 and at most 3600"
        )));
    }
    shown.show("timeout", format!("{t} s"), o);
    Ok(Duration::from_secs_f64(t))
}

fn choose_protocol(req: &Request, target: &Target) -> Result<(Protocol, String), UsageError> {
    let explicit = match req.protocol {
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
        let why = match target.dialect {
            Dialect::HostPort | Dialect::Uri => "the connection string's scheme",
            _ => "the connection string's dialect",
        };
        return Ok((p, why.into()));
    }
    // A client named with --client speaks its protocol.
    if let Some(p) = req
        .client
        .as_deref()
        .and_then(clients::find)
        .map(|c| c.protocol)
        .filter(|p| *p != Protocol::Tls)
    {
        return Ok((p, "--client".into()));
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
        resolve(&args.request(), &FixedEnv(env))
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
        assert_eq!(p.client.id, "generic");
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
        assert_eq!(p.client.id, "libpq");
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

    /// Found by the `settings` fuzz target: `host=''` made a plan for the
    /// host "" (libpq reads an empty host as none: a Unix socket).
    #[test]
    fn an_empty_host_is_no_host() {
        for target in [
            "host='' port=5432",
            "host='' sslmode=require",
            "postgresql://[]:5432/db",
        ] {
            let e = plan(&[target], &[]).err();
            assert!(e.is_some(), "{target}");
        }
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
        assert_eq!(p.client.id, "pymongo");
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
        assert_eq!(p.client.id, "mysql");
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
        assert_eq!(p.mode, Mode::VerifyFull);
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

    #[test]
    fn each_dialect_picks_its_client_and_reads_its_spellings() {
        let ca = tempfile::NamedTempFile::new().unwrap();
        let ca = ca.path().to_str().unwrap();
        let cases: Vec<(String, &str, Mode)> = vec![
            (
                format!("host=db port=5432 sslmode=verify-full sslrootcert='{ca}'"),
                "libpq",
                Mode::VerifyFull,
            ),
            (
                format!("jdbc:postgresql://db:5432/shop?sslmode=verify-ca&sslrootcert={ca}"),
                "pgjdbc",
                Mode::VerifyCa,
            ),
            (
                "jdbc:postgresql://db/shop?ssl=true".into(),
                "pgjdbc",
                Mode::VerifyFull,
            ),
            (
                "jdbc:mysql://db:3306/shop?sslMode=VERIFY_IDENTITY".into(),
                "mysql-connector-j",
                Mode::VerifyFull,
            ),
            (
                format!("jdbc:mariadb://db:3306/shop?useSsl=true&serverSslCert={ca}"),
                "mariadb-connector-j",
                Mode::VerifyFull,
            ),
            (
                "jdbc:mariadb://db/shop?useSsl=true&trustServerCertificate=true".into(),
                "mariadb-connector-j",
                Mode::Require,
            ),
            (
                "app:pw@tcp(db:3306)/shop?tls=true".into(),
                "go-mysql",
                Mode::VerifyFull,
            ),
            (
                "app@tcp(db:3306)/shop?tls=skip-verify".into(),
                "go-mysql",
                Mode::Require,
            ),
            (
                format!("Host=db;Port=5432;SSL Mode=VerifyFull;Root Certificate={ca}"),
                "npgsql",
                Mode::VerifyFull,
            ),
            (
                "Server=db;Port=3306;SslMode=VerifyCA;SslCa=/x.pem".into(),
                "mysqlconnector",
                Mode::VerifyCa,
            ),
        ];
        for (target, client, mode) in cases {
            let p = plan(&[&target], &[]).unwrap_or_else(|e| panic!("{target}: {e}"));
            assert_eq!(p.client.id, client, "{target}");
            assert_eq!(p.mode, mode, "{target}");
            assert!(!p.client_reason.is_empty());
        }
        let p = plan(
            &["jdbc:mysql://db/x?password=hunter2&sslMode=REQUIRED"],
            &[],
        )
        .unwrap();
        assert!(!p.display.contains("hunter2"), "{}", p.display);
    }

    #[test]
    fn the_same_string_means_what_each_client_makes_of_it() {
        let ca = tempfile::NamedTempFile::new().unwrap();
        let uri = format!(
            "postgresql://db/x?sslmode=require&sslrootcert={}",
            ca.path().display()
        );
        let as_client = |c: &str| {
            let p = plan(&[&uri, "--client", c], &[]).unwrap();
            p.mode
        };
        // libpq: require (and a root file makes it verify-ca at judgement);
        // node-postgres: verify-full; with uselibpqcompat a root file makes it verify-ca.
        assert_eq!(as_client("libpq"), Mode::Require);
        assert_eq!(as_client("node-postgres"), Mode::VerifyFull);
        assert_eq!(as_client("pgjdbc"), Mode::Require);
        let p = plan(
            &[&format!("{uri}&uselibpqcompat=true"), "--client", "pg"],
            &[],
        )
        .unwrap();
        assert_eq!(p.mode, Mode::VerifyCa);
        // An unknown client, or one of another protocol, is a usage error.
        assert!(plan(&[&uri, "--client", "nonesuch"], &[]).is_err());
        assert!(plan(&[&uri, "--client", "mysql2"], &[]).is_err());
        // --client picks the protocol of a bare host:port.
        let p = plan(&["db:7777", "--client", "pymysql"], &[]).unwrap();
        assert_eq!(p.protocol, Protocol::Mysql);
        assert_eq!(p.mode, Mode::Prefer);
    }

    #[test]
    fn mongo_drivers_read_the_uri_their_own_way() {
        let m = |uri: &str, c: &str| plan(&[uri, "--client", c], &[]).unwrap().mode;
        let ca = tempfile::NamedTempFile::new().unwrap();
        let with_ca = format!("mongodb://h/?tlsCAFile={}", ca.path().display());
        // A CA file alone turns TLS on in PyMongo, not in the Node.js driver.
        assert_eq!(m(&with_ca, "pymongo"), Mode::VerifyFull);
        assert_eq!(m(&with_ca, "node-mongodb"), Mode::Disable);
        // mongo-go-driver 1.8 ignores tlsAllowInvalidHostnames.
        assert_eq!(
            m(
                "mongodb://h/?tls=true&tlsAllowInvalidHostnames=true",
                "mongo-go"
            ),
            Mode::VerifyFull
        );
        assert_eq!(
            m(
                "mongodb://h/?ssl=true&sslInvalidHostNameAllowed=true",
                "mongodb-java"
            ),
            Mode::VerifyCa
        );
    }
}
