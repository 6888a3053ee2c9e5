//! MongoDB connection strings and PyMongo's TLS options, mapped onto the
//! modes: `tls=false` → disable, `tls=true` → verify-full,
//! `tlsAllowInvalidHostnames` → verify-ca, `tlsAllowInvalidCertificates` /
//! `tlsInsecure` → insecure (encrypt only). PyMongo never falls back to
//! plaintext, so allow/prefer have no PyMongo spelling.
//!
//! Option names are case-insensitive (the URI specification); the
//! conflicts PyMongo rejects are rejected with its wording.

use std::net::SocketAddr;

use super::{Mode, Origin, SettingReport, UsageError};
use crate::cli::ConnectArgs;
use crate::target::{Scheme, Target};

/// What a MongoDB target adds to the plan: its hosts and topology options.
#[derive(Debug, Clone, Default)]
pub struct MongoPlan {
    /// Every host of the seed list, with its port (the first is the plan's host).
    pub seeds: Vec<(String, u16)>,
    /// `mongodb+srv://NAME`: the name to look up `_mongodb._tcp.NAME` for.
    pub srv: Option<String>,
    pub replica_set: Option<String>,
    pub direct_connection: Option<bool>,
    pub all_members: bool,
    pub dns_server: Option<SocketAddr>,
}

/// The TLS options a MongoDB target gives, before flags are weighed in.
pub(super) struct MongoOptions {
    /// The mode the URI (or the PyMongo flags) ask for, and from where.
    pub mode: Option<(Mode, Origin)>,
    /// The mode PyMongo uses when nothing says, and why.
    pub default_mode: (Mode, Origin),
    pub ca: Option<(String, Origin)>,
    pub crl: Option<(String, Origin)>,
    pub plan: MongoPlan,
}

/// URI options PyMongo knows that do not change a TLS check.
const KNOWN: &[&str] = &[
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
    "socketTimeoutMS",
    "srvmaxhosts",
    "srvservicename",
    "timeoutms",
    "uuidrepresentation",
    "w",
    "waitqueuetimeoutms",
    "wtimeoutms",
    "zlibcompressionlevel",
];

/// The TLS and topology options this module reads.
const TLS_OPTIONS: &[&str] = &[
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
    "replicaset",
    "directconnection",
];

fn boolean(t: &Target, name: &'static str) -> Result<Option<bool>, UsageError> {
    match t.param_ci(name) {
        None => Ok(None),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(UsageError::Invalid(format!(
                "{name} `{v}` is not true or false"
            ))),
        },
    }
}

pub(super) fn options(
    args: &ConnectArgs,
    target: &Target,
    default_port: u16,
    settings: &mut Vec<SettingReport>,
    notes: &mut Vec<String>,
) -> Result<MongoOptions, UsageError> {
    let is_uri = matches!(target.scheme, Some(Scheme::Mongo | Scheme::MongoSrv));
    let srv = target.scheme == Some(Scheme::MongoSrv);
    let empty = Target {
        params: Vec::new(),
        ..target.clone()
    };
    let t = if is_uri { target } else { &empty };

    if is_uri {
        for (k, _) in &t.params {
            let lower = k.to_ascii_lowercase();
            if !KNOWN.iter().any(|n| n.eq_ignore_ascii_case(&lower))
                && !TLS_OPTIONS.contains(&lower.as_str())
            {
                notes.push(format!("unknown connection option `{k}` ignored"));
            }
        }
    }

    // tls and ssl are one option; PyMongo refuses different values.
    let tls_opt = boolean(t, "tls")?;
    let ssl_opt = boolean(t, "ssl")?;
    if let (Some(a), Some(b)) = (tls_opt, ssl_opt) {
        if a != b {
            return Err(UsageError::Invalid(
                "Can not specify conflicting values for URI options tls and ssl (PyMongo refuses this URI)".into(),
            ));
        }
    }
    let insecure = boolean(t, "tlsInsecure")?;
    let invalid_certs = boolean(t, "tlsAllowInvalidCertificates")?;
    let invalid_hosts = boolean(t, "tlsAllowInvalidHostnames")?;
    let no_ocsp_check = boolean(t, "tlsDisableOCSPEndpointCheck")?;
    let no_revocation_check = boolean(t, "tlsDisableCertificateRevocationCheck")?;
    // The URI specification's conflicts, in PyMongo's words.
    let conflicts: [(&str, Option<bool>, &str, Option<bool>); 5] = [
        (
            "tlsInsecure",
            insecure,
            "tlsAllowInvalidCertificates",
            invalid_certs,
        ),
        (
            "tlsInsecure",
            insecure,
            "tlsAllowInvalidHostnames",
            invalid_hosts,
        ),
        (
            "tlsInsecure",
            insecure,
            "tlsDisableOCSPEndpointCheck",
            no_ocsp_check,
        ),
        (
            "tlsAllowInvalidCertificates",
            invalid_certs,
            "tlsDisableOCSPEndpointCheck",
            no_ocsp_check,
        ),
        (
            "tlsInsecure",
            insecure,
            "tlsDisableCertificateRevocationCheck",
            no_revocation_check,
        ),
    ];
    for (a, va, b, vb) in conflicts {
        if va.is_some() && vb.is_some() {
            return Err(UsageError::Invalid(format!(
                "URI options {a} and {b} cannot be specified simultaneously (PyMongo refuses this URI)"
            )));
        }
    }

    // Options that switch TLS on by being set (files) or set to false
    // (the allow-invalid options), as PyMongo reads them.
    let mut implies_tls = Vec::new();
    for name in [
        "tlsCertificateKeyFile",
        "tlsCertificateKeyFilePassword",
        "tlsCAFile",
        "tlsCRLFile",
    ] {
        if t.param_ci(name).is_some_and(|v| !v.is_empty()) {
            implies_tls.push(name);
        }
    }
    for (name, v) in [
        ("tlsAllowInvalidCertificates", invalid_certs),
        ("tlsAllowInvalidHostnames", invalid_hosts),
        ("tlsDisableOCSPEndpointCheck", no_ocsp_check),
    ] {
        if v == Some(false) {
            implies_tls.push(name);
        }
    }
    let tls_named = if tls_opt.is_some() { "tls" } else { "ssl" };
    let tls = tls_opt.or(ssl_opt);
    if tls == Some(false) && !implies_tls.is_empty() {
        return Err(UsageError::Invalid(format!(
            "TLS has not been enabled but the following tls parameters have been set: {}. Please set `tls=True` or remove. (PyMongo refuses this URI)",
            implies_tls.join(", ")
        )));
    }

    // The mode: the PyMongo flags first, then the URI.
    let flag_mode = if args.tls_insecure {
        Some((Mode::Insecure, Origin::Flag("tls-insecure")))
    } else if args.tls_allow_invalid_certificates {
        Some((
            Mode::Insecure,
            Origin::Flag("tls-allow-invalid-certificates"),
        ))
    } else if args.tls_allow_invalid_hostnames {
        Some((Mode::VerifyCa, Origin::Flag("tls-allow-invalid-hostnames")))
    } else {
        None
    };
    let uri_mode = if tls == Some(false) {
        Some((Mode::Disable, Origin::Uri(tls_named)))
    } else if insecure == Some(true) {
        Some((Mode::Insecure, Origin::Uri("tlsInsecure")))
    } else if invalid_certs == Some(true) {
        Some((Mode::Insecure, Origin::Uri("tlsAllowInvalidCertificates")))
    } else if tls == Some(true) || srv || !implies_tls.is_empty() {
        if invalid_hosts == Some(true) {
            Some((Mode::VerifyCa, Origin::Uri("tlsAllowInvalidHostnames")))
        } else if tls == Some(true) {
            Some((Mode::VerifyFull, Origin::Uri(tls_named)))
        } else {
            None
        }
    } else {
        None
    };
    let default_mode = if srv {
        (
            Mode::VerifyFull,
            Origin::Derived("mongodb+srv:// turns TLS on, verified".into()),
        )
    } else if !implies_tls.is_empty() {
        (
            Mode::VerifyFull,
            Origin::Derived(format!(
                "PyMongo turns TLS on when {} is set",
                implies_tls.join(", ")
            )),
        )
    } else if is_uri {
        (
            Mode::Disable,
            Origin::Derived("PyMongo uses no TLS unless tls=true (or mongodb+srv://)".into()),
        )
    } else {
        (
            Mode::VerifyFull,
            Origin::Derived("as PyMongo with tls=true".into()),
        )
    };
    let mode = flag_mode.or(uri_mode);
    // tlsAllowInvalidCertificates=true alone does not turn TLS on in PyMongo.
    let mode = match mode {
        Some((Mode::Insecure, Origin::Uri(o)))
            if tls.is_none() && !srv && implies_tls.is_empty() =>
        {
            notes.push(format!(
                "{o}=true without tls=true: PyMongo would connect without TLS; judged under insecure as asked"
            ));
            Some((Mode::Insecure, Origin::Uri(o)))
        }
        m => m,
    };

    let uri_value =
        |name: &'static str| t.param_ci(name).map(|v| (v.to_string(), Origin::Uri(name)));
    let ca = uri_value("tlsCAFile");
    let crl = uri_value("tlsCRLFile");
    // tlsCertificateKeyFile and its password are read with the other
    // client-certificate settings (settings.rs, identity.rs).
    if no_ocsp_check == Some(true) || insecure == Some(true) {
        settings.push(SettingReport {
            name: "ocsp-endpoint-check",
            value: "off (PyMongo will not ask OCSP responders)".into(),
            source: Origin::Uri(if insecure == Some(true) {
                "tlsInsecure"
            } else {
                "tlsDisableOCSPEndpointCheck"
            }),
        });
    }

    // Topology.
    let replica_set = t.param_ci("replicaSet").map(str::to_string);
    let direct_connection = boolean(t, "directConnection")?;
    if let Some(rs) = &replica_set {
        settings.push(SettingReport {
            name: "replica-set",
            value: rs.clone(),
            source: Origin::Uri("replicaSet"),
        });
    }
    if let Some(d) = direct_connection {
        settings.push(SettingReport {
            name: "direct-connection",
            value: d.to_string(),
            source: Origin::Uri("directConnection"),
        });
    }
    let seeds: Vec<(String, u16)> = target
        .hosts
        .iter()
        .map(|(h, p)| (h.clone(), p.unwrap_or(default_port)))
        .collect();
    if srv {
        if target.hosts.len() != 1 {
            return Err(UsageError::Invalid(
                "a mongodb+srv:// URI names exactly one host (PyMongo refuses this URI)".into(),
            ));
        }
        if target.port.is_some() {
            return Err(UsageError::Invalid(
                "a mongodb+srv:// URI cannot have a port (PyMongo refuses this URI)".into(),
            ));
        }
        if direct_connection == Some(true) {
            return Err(UsageError::Invalid(
                "Cannot specify directConnection=true with mongodb+srv:// (PyMongo refuses this URI)"
                    .into(),
            ));
        }
    }
    if direct_connection == Some(true) && seeds.len() > 1 {
        return Err(UsageError::Invalid(
            "Cannot specify multiple hosts with directConnection=true (PyMongo refuses this URI)"
                .into(),
        ));
    }
    if let Some(d) = args.dns_server {
        settings.push(SettingReport {
            name: "dns-server",
            value: d.to_string(),
            source: Origin::Flag("dns-server"),
        });
    }
    if args.all_members {
        settings.push(SettingReport {
            name: "all-members",
            value: "on".into(),
            source: Origin::Flag("all-members"),
        });
    }

    Ok(MongoOptions {
        mode,
        default_mode,
        ca,
        crl,
        plan: MongoPlan {
            seeds,
            srv: srv.then(|| target.host.clone()).flatten(),
            replica_set,
            direct_connection,
            all_members: args.all_members,
            dns_server: args.dns_server,
        },
    })
}
