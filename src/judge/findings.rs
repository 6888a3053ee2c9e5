//! One finding per root cause: what was observed, what it means, and the fix.
//!
//! The wording follows `shared/research/db-tls-failures.md`: name the cause
//! in plain words and the fix in the user's own client's options.

use serde::Serialize;

use super::chain::{ChainProblem, ChainVerdict};
use super::hostname::NameCheck;
use super::{list_or_nothing, ModeVerdict, Outcome, TlsState, TrustVerdict};
use crate::facts::connect::ConnectError;
use crate::facts::scan::ScanFacts;
use crate::facts::tls::{AfterHandshake, HandshakeError, TlsFacts};
use crate::facts::upgrade::{MongoFacts, UpgradeError};
use crate::observe::{ChainSource, Facts};
use crate::settings::{CaChoice, Mode, PgNegotiation, Plan, Protocol};
use crate::trust::SourceKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Causes the verdict under the chosen mode to fail.
    Error,
    /// Does not fail this mode, but fails a stricter one or will soon.
    Warning,
    Info,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// A stable identifier: `missing-intermediate`, `hostname-mismatch`, ….
    pub id: &'static str,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub fix: Option<String>,
}

pub(crate) fn finding(
    id: &'static str,
    severity: Severity,
    title: impl Into<String>,
    detail: impl Into<String>,
    fix: Option<String>,
) -> Finding {
    Finding {
        id,
        severity,
        title: title.into(),
        detail: detail.into(),
        fix,
    }
}

pub(crate) fn collect(
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    verdict: &ModeVerdict,
    chain: &ChainVerdict,
    hostname: Option<&NameCheck>,
    trust: &[TrustVerdict],
) -> Vec<Finding> {
    let sev = FailureSeverity {
        fails: verdict.result == Outcome::Fail,
    };
    let mut out = upgrade_findings(facts, plan, sev);
    if let Some(tls) = &facts.tls {
        out.extend(tls_session_findings(tls, facts, plan, state, sev));
        out.extend(certificate_request_findings(tls, facts, plan, state, sev));
    }
    if let Some(id) = &facts.client_identity {
        out.extend(identity_findings(id, plan));
    }
    if let Some(login) = facts.tls.as_ref().and_then(|t| t.login.as_ref()) {
        out.push(login_finding(login, facts, plan));
    }
    if matches!(state, TlsState::Established) && !facts.chain.is_empty() {
        out.extend(chain_and_name_findings(
            facts, plan, chain, hostname, trust, sev,
        ));
    }
    if plan.protocol == Protocol::Mongo {
        out.extend(mongo_findings(facts, plan, state, verdict));
    }
    out.extend(encryption_findings(plan, verdict));
    out.sort_by_key(|f| f.severity);
    out
}

/// The severity of a finding that fails some modes: an error when it
/// fails the chosen one and the verdict failed, otherwise a warning.
#[derive(Clone, Copy)]
struct FailureSeverity {
    fails: bool,
}

impl FailureSeverity {
    fn of(self, causes_failure: bool) -> Severity {
        if causes_failure && self.fails {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// Before TLS: the connection, the protocol's upgrade, and what the
/// server's answer to it showed.
fn upgrade_findings(facts: &Facts, plan: &Plan, sev: FailureSeverity) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(e) = &facts.connect_error {
        out.push(connect_finding(e, plan));
    }
    if let Some(e) = &facts.upgrade_error {
        out.push(upgrade_finding(e, plan));
    }
    if let Some(u) = &facts.upgrade {
        if !u.tls_offered {
            out.push(server_refuses_tls_finding(
                u,
                sev.of(plan.mode >= Mode::Require),
            ));
        }
        if u.bytes_after_answer > 0 {
            out.push(bytes_after_answer_finding(u));
        }
    }
    out
}

/// The server answered the upgrade without TLS: why, by protocol, and the fix.
fn server_refuses_tls_finding(
    u: &crate::facts::upgrade::UpgradeFacts,
    severity: Severity,
) -> Finding {
    let (detail, fix) = match &u.mysql {
        Some(g) if g.protocol_version == 9 => (
            format!("{} sent a protocol-9 greeting ({}): a server from before MySQL 4.1, which cannot do TLS at all", g.describe(), g.server_version),
            "upgrade the server; only on a trusted network: ssl-mode=DISABLED".to_string(),
        ),
        Some(g) => (
            format!("the greeting of {} ({}) lacks CLIENT_SSL: the server was started without TLS (have_ssl=DISABLED / no ssl_cert), or a proxy in front of it (ProxySQL: mysql-have_ssl) has none", g.describe(), g.server_version),
            "enable TLS on the server: ssl_cert and ssl_key (and ssl_ca) under [mysqld] in my.cnf, then restart; SHOW VARIABLES LIKE 'have_ssl' should say YES. Only on a trusted network: ssl-mode=DISABLED or PREFERRED (MariaDB: --skip-ssl)".to_string(),
        ),
        None => (
            "it answered the SSLRequest with N: TLS is off on this server (ssl=off), or a pooler in front of it has no TLS configured".to_string(),
            "enable TLS on the server: ssl = on with ssl_cert_file and ssl_key_file in postgresql.conf (PgBouncer: client_tls_sslmode, client_tls_cert_file, client_tls_key_file). Only on a trusted network: sslmode=prefer or disable".to_string(),
        ),
    };
    finding(
        "server-refuses-tls",
        severity,
        "the server does not offer TLS",
        detail,
        Some(fix),
    )
}

/// Plaintext between the server's TLS answer and the handshake.
fn bytes_after_answer_finding(u: &crate::facts::upgrade::UpgradeFacts) -> Finding {
    finding(
        "bytes-after-ssl-answer",
        Severity::Warning,
        "the server sent data between its TLS answer and the handshake",
        if u.mysql.is_some() {
            format!("{} unexpected bytes followed the greeting before the client had said anything; a man-in-the-middle can inject plaintext this way", u.bytes_after_answer)
        } else {
            format!("{} unexpected bytes followed the answer; a man-in-the-middle can inject plaintext this way (CVE-2021-23222)", u.bytes_after_answer)
        },
        Some(if u.mysql.is_some() {
            "check what sits between client and server (a proxy such as ProxySQL or MaxScale)"
                .to_string()
        } else {
            "check what sits between client and server (a proxy or pooler); current libpq refuses such a connection".to_string()
        }),
    )
}

/// The TLS session itself: a failed handshake (and what the probes found),
/// an alert right after it, a handshake signature that could not be checked.
fn tls_session_findings(
    tls: &TlsFacts,
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    sev: FailureSeverity,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // A MongoDB server that answered a hello in clear after the failed
    // handshake has no TLS: server-refuses-tls says so, with the fix.
    let no_tls_mongo = matches!(state, TlsState::ServerRefusedTls);
    if let Some(f) = tls.failure.as_ref().filter(|_| !no_tls_mongo) {
        out.push(handshake_finding(
            f,
            plan,
            sev.of(plan.mode >= Mode::Require),
        ));
        if let Some(scan) = &facts.legacy_probe {
            let greeting = facts.upgrade.as_ref().and_then(|u| u.mysql.as_ref());
            out.extend(legacy_findings(
                scan,
                plan,
                greeting,
                sev.of(plan.mode >= Mode::Require),
            ));
        }
    }
    if let Some(AfterHandshake::Alert { alert }) = tls.session.as_ref().map(|s| &s.after_handshake)
    {
        let (meaning, fix) = alert_meaning(alert, plan);
        out.push(finding(
            "rejected-after-handshake",
            sev.of(plan.mode >= Mode::Require),
            format!("the server rejected the connection right after the handshake ({alert})"),
            meaning,
            Some(fix),
        ));
    }
    if let Some(e) = &tls.handshake_signature_error {
        out.push(finding(
            "handshake-signature",
            sev.of(plan.mode >= Mode::VerifyCa),
            "the server's handshake signature could not be verified",
            format!("{e}: rustls could not use the server's certificate to check its handshake signature (an RSA key under 2048 bits, an unsupported algorithm, or an X.509 v1 certificate)"),
            Some("use an X.509 v3 certificate with an RSA key of at least 2048 bits or an ECDSA P-256/P-384 key".into()),
        ));
    }
    out
}

/// Whether the server asked for a client certificate, against what was
/// configured and what sslcertmode requires.
fn certificate_request_findings(
    tls: &TlsFacts,
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    sev: FailureSeverity,
) -> Vec<Finding> {
    if let Some(req) = &tls.client_certificate_request {
        return client_certificate_findings(
            req,
            tls.client_certificate_presented,
            facts,
            plan,
            state,
        );
    }
    if !((facts.client_identity.is_some() || plan.require_cert_request)
        && matches!(state, TlsState::Established))
    {
        return Vec::new();
    }
    vec![finding(
        "client-certificate-not-requested",
        if plan.require_cert_request { sev.of(true) } else { Severity::Info },
        "the server did not ask for a client certificate",
        "the server sent no CertificateRequest, so no client certificate was sent: this server does not use client certificates (or a proxy in front of it terminates TLS)",
        plan.require_cert_request.then(|| "sslcertmode=require makes libpq refuse such a server: set ssl_ca_file on the server so it asks for certificates, or use sslcertmode=allow".to_string()),
    )]
}

/// An established connection's chain and host name, as the client checks them.
fn chain_and_name_findings(
    facts: &Facts,
    plan: &Plan,
    chain: &ChainVerdict,
    hostname: Option<&NameCheck>,
    trust: &[TrustVerdict],
    sev: FailureSeverity,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(problem) = chain.problem {
        let severity = sev.of(effective_verifies(plan));
        out.push(chain_finding(problem, chain, facts, plan, trust, severity));
    }
    let Some(h) = hostname else {
        return out;
    };
    if !h.matched {
        out.push(hostname_finding(
            h,
            facts,
            sev.of(plan.mode == Mode::VerifyFull),
        ));
    }
    let leaf = &facts.chain[0];
    if h.used_common_name || (!leaf.has_san && leaf.common_name.is_some()) {
        out.push(finding(
            "cn-only",
            Severity::Warning,
            "the certificate has no subjectAltName for this host",
            format!(
                "{} names the host only in its subject CN. libpq, MariaDB and Python/OpenSSL clients fall back to the CN; Go ≥ 1.15, Java and rustls-based clients reject it",
                leaf.subject
            ),
            Some("reissue the certificate with the host name in subjectAltName".into()),
        ));
    }
    out
}

/// Whether the chosen mode encrypts, and a client whose require verifies.
fn encryption_findings(plan: &Plan, verdict: &ModeVerdict) -> Vec<Finding> {
    let mut out = Vec::new();
    if verdict.result == Outcome::Pass && !verdict.encrypted {
        out.push(finding(
            "unencrypted",
            Severity::Warning,
            format!("under {} the connection would not be encrypted", plan.mode),
            verdict.reason.clone(),
            Some(if plan.protocol == Protocol::Mongo {
                "use tls=true (and tlsCAFile=… for a private CA) once the server has TLS".into()
            } else {
                format!(
                    "use {} (or at least {}) once the server offers TLS",
                    mode_option(plan, Mode::VerifyFull),
                    mode_option(plan, Mode::Require)
                )
            }),
        ));
    }
    if plan.client.modes.require_verifies_with_root
        && plan.mode == Mode::Require
        && matches!(plan.ca, Some(CaChoice::File(_)))
    {
        let who = plan.client.name;
        out.push(finding(
            "require-acts-as-verify-ca",
            Severity::Info,
            format!("{who} checks the chain under require because a root file exists"),
            format!(
                "with a root file present ({}), {who}'s require behaves as verify-ca",
                plan.client.words.ca
            ),
            None,
        ));
    }
    out
}

/// What the MongoDB `hello` showed that a support engineer must know.
fn mongo_findings(
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    verdict: &ModeVerdict,
) -> Vec<Finding> {
    let Some(m) = &facts.mongo else {
        return Vec::new();
    };
    let mut out: Vec<Finding> = mongo_state_finding(m, facts, state, verdict)
        .into_iter()
        .collect();
    if m.answered && m.ok == Some(false) {
        out.push(finding(
            "hello-error",
            Severity::Warning,
            "the server answered hello with an error",
            m.errmsg.clone().unwrap_or_else(|| "ok: 0".into()),
            None,
        ));
    }
    out.extend(replica_set_finding(m, plan));
    out
}

/// What the connection came to, as MongoDB's hello explains it.
fn mongo_state_finding(
    m: &MongoFacts,
    facts: &Facts,
    state: &TlsState,
    verdict: &ModeVerdict,
) -> Option<Finding> {
    let fails = verdict.result != Outcome::Pass;
    match state {
        TlsState::ServerRefusedTls => Some(finding(
            "server-refuses-tls",
            if fails { Severity::Error } else { Severity::Warning },
            "the server speaks MongoDB without TLS",
            format!(
                "the TLS handshake failed ({}), and a hello sent in clear on a new connection was answered: TLS is not enabled on this server (mongod logs \"SSL handshake received but server is started without SSL support\")",
                facts
                    .tls
                    .as_ref()
                    .and_then(|t| t.failure.as_ref())
                    .map(|f| f.to_string())
                    .unwrap_or_default()
            ),
            Some("enable TLS on the server: net.tls.mode requireTLS with net.tls.certificateKeyFile (allowTLS/preferTLS while clients migrate). Only on a trusted network: tls=false".into()),
        )),
        TlsState::PlaintextRefused(why) => Some(finding(
            "server-requires-tls",
            Severity::Error,
            "the server does not answer MongoDB without TLS",
            format!("{why}: a server with net.tls.mode requireTLS closes connections in clear"),
            Some("connect with tls=true (and tlsCAFile=… for a private CA)".into()),
        )),
        TlsState::Unreachable(why) if m.looks_like_protocol.is_some_and(|p| p != "mongo" && p != "tls") => {
            Some(finding(
                "wrong-protocol",
                Severity::Error,
                format!(
                    "this port does not speak MongoDB: it answered like {}",
                    m.looks_like.as_deref().unwrap_or("something else")
                ),
                format!("{why} (first bytes {})", m.first_bytes_hex.as_deref().unwrap_or("")),
                Some("point the client at the MongoDB port (27017 by default), or check with --protocol tls what this port serves".into()),
            ))
        }
        TlsState::Unreachable(why) if m.over_tls || facts.tls.is_none() => Some(finding(
            "no-answer",
            Severity::Error,
            "no MongoDB answer to hello",
            why.clone(),
            Some("check that mongod or mongos listens on this port; a proxy that completes TLS but cannot reach MongoDB behind it closes the connection like this".into()),
        )),
        _ => None,
    }
}

/// replicaSet= names a set the server is not a member of.
fn replica_set_finding(m: &MongoFacts, plan: &Plan) -> Option<Finding> {
    let want = plan.mongo.as_ref().and_then(|p| p.replica_set.as_ref())?;
    if !m.answered || m.set_name.as_deref() == Some(want.as_str()) {
        return None;
    }
    Some(finding(
        "replica-set-mismatch",
        Severity::Warning,
        format!("the server is not a member of replica set {want}"),
        format!(
            "replicaSet={want}, but hello says {}: PyMongo will not select this server",
            match &m.set_name {
                Some(s) => format!("setName {s}"),
                None => "no setName (a standalone or mongos)".into(),
            }
        ),
        Some("fix replicaSet= in the connection string to the server's setName".into()),
    ))
}

/// Fixes in the client's own option names; under tlscheck's own rules, in
/// those of the protocol's most common client (libpq, the mysql client,
/// PyMongo), which is what a user of `host:port` most likely runs.
fn words(plan: &Plan) -> &'static crate::clients::Words {
    if plan.client.id != crate::clients::GENERIC.id {
        return &plan.client.words;
    }
    crate::clients::for_protocol(plan.protocol)
        .next()
        .map(|p| &p.words)
        .unwrap_or(&plan.client.words)
}

/// Whether the chosen mode checks the chain (libpq's require does, with a root file).
pub(crate) fn effective_verifies(plan: &Plan) -> bool {
    plan.mode == Mode::VerifyCa
        || plan.mode == Mode::VerifyFull
        || (plan.client.modes.require_verifies_with_root
            && plan.mode == Mode::Require
            && matches!(plan.ca, Some(CaChoice::File(_))))
}

fn connect_finding(e: &ConnectError, plan: &Plan) -> Finding {
    let target = format!(
        "{}:{}",
        plan.connect_host.as_deref().unwrap_or(&plan.host),
        plan.port
    );
    let (id, title, fix) = match e {
        ConnectError::Dns { .. } | ConnectError::NoAddress { .. } => (
            "dns",
            format!("{} does not resolve", plan.host),
            "check the spelling of the host name; `getent hosts NAME` shows what this machine resolves".to_string(),
        ),
        ConnectError::DnsTimeout { .. } => (
            "dns-timeout",
            "name resolution timed out".into(),
            "check this machine's resolver (/etc/resolv.conf) or raise --timeout".into(),
        ),
        ConnectError::Failed { .. } if e.refused() => (
            "connection-refused",
            format!("nothing accepts connections on {target}"),
            format!("check the port, that the server is running and listens on this address ({}), and that no firewall rejects it", match plan.protocol {
                Protocol::Mysql => "MySQL/MariaDB: bind_address, port and skip_networking in my.cnf",
                _ => "PostgreSQL: listen_addresses and port in postgresql.conf",
            }),
        ),
        ConnectError::Failed { .. } => (
            "connect-failed",
            format!("could not connect to {target}"),
            "a timeout usually means a firewall or security group drops the packets, or the address is wrong: check the network path from this machine".into(),
        ),
    };
    finding(id, Severity::Error, title, e.to_string(), Some(fix))
}

fn upgrade_finding(e: &UpgradeError, plan: &Plan) -> Finding {
    let expected = match plan.protocol {
        Protocol::Postgres => "PostgreSQL",
        Protocol::Mysql => "MySQL",
        Protocol::Mongo => "MongoDB",
        Protocol::Tls => "TLS",
    };
    match e {
        UpgradeError::NotTheProtocol { found, .. } => {
            let title = match found.protocol {
                Some(p) => format!("this port speaks {}, not {expected}", protocol_name(p)),
                None => format!("this port does not answer like {expected}"),
            };
            let fix = match found.protocol {
                Some("tls") if plan.protocol == Protocol::Postgres => "the server speaks TLS from the first byte: a TLS proxy in front of PostgreSQL, or PostgreSQL 17 direct TLS. Try --pg-negotiation direct (libpq: sslnegotiation=direct) or --protocol tls".to_string(),
                Some(p) => format!("point the client at the {expected} port; this one serves {} (try --protocol {}).", protocol_name(p), suggest_protocol(p)),
                None => format!("check the port: the server did not answer the way {expected} does"),
            };
            finding("wrong-protocol", Severity::Error, title, format!("{e} (first bytes {})", found.first_bytes_hex), Some(fix))
        }
        UpgradeError::ServerError { message } => finding(
            "server-error",
            Severity::Error,
            "the server answered the SSLRequest with an error",
            message.clone(),
            Some("a very old PostgreSQL, or a proxy that does not understand SSLRequest; check the server version and what listens on the port".into()),
        ),
        UpgradeError::ServerErrorPacket { code, message, .. } => {
            let (meaning, fix) = mysql_error_meaning(*code);
            finding(
                "server-error-packet",
                Severity::Error,
                format!("the server refused this client before TLS: error {code}"),
                format!("instead of its greeting the server sent ERROR {code}: {message}. {meaning}"),
                Some(fix.to_string()),
            )
        }
        UpgradeError::Timeout { .. } if plan.protocol == Protocol::Mysql => finding(
            "no-answer",
            Severity::Error,
            "no MySQL greeting",
            e.to_string(),
            Some("a MySQL, MariaDB or TiDB server greets first; a silent server speaks something that waits for the client: PostgreSQL (try --protocol postgres) or TLS from the first byte (try --protocol tls)".into()),
        ),
        UpgradeError::Closed { .. } if plan.protocol == Protocol::Mysql => finding(
            "no-answer",
            Severity::Error,
            "the server closed the connection without a MySQL greeting",
            e.to_string(),
            Some("a MySQL server closes at once when it is shutting down, when max_connections is exhausted at the TCP level, or when a firewall or proxy (ProxySQL, HAProxy) has no backend; check the server's error log and what listens on the port".into()),
        ),
        UpgradeError::Timeout { .. } | UpgradeError::Closed { .. } => finding(
            "no-answer",
            Severity::Error,
            format!("no {expected} answer"),
            e.to_string(),
            Some(format!("check that {expected} listens on this port; a server that waits silently may speak a protocol that expects the server to talk first (MySQL), or TLS from the first byte (--protocol tls)")),
        ),
        UpgradeError::Io { .. } => finding("io-error", Severity::Error, "the connection failed before TLS", e.to_string(), None),
    }
}

/// What a MySQL error code sent in place of the greeting means, and the fix.
fn mysql_error_meaning(code: u16) -> (&'static str, &'static str) {
    match code {
        1130 => (
            "No account may connect from this client's address",
            "create or widen the account's host part (CREATE USER 'app'@'10.0.0.%' …) or connect from an allowed address; the check needs no account, but the server refuses the TCP client before greeting",
        ),
        1040 => (
            "The server has reached max_connections",
            "find what holds the connections (SHOW PROCESSLIST), raise max_connections, or use a pool; retry the check when connections are free",
        ),
        1129 => (
            "The server blocked this host after too many failed connection attempts (max_connect_errors)",
            "run FLUSH HOSTS (or mariadb-admin flush-hosts / TRUNCATE performance_schema.host_cache) on the server, and raise max_connect_errors if health checks trip it",
        ),
        1203 | 1226 => (
            "A per-user or per-host connection limit is reached",
            "check max_user_connections and the account's resource limits",
        ),
        _ => (
            "The server refused the connection before any TLS",
            "look the error code up in the server's documentation and check the server's error log",
        ),
    }
}

/// The client option that selects `mode`, in the target's own client's
/// words; for tlscheck's own rules, in the protocol's usual spelling.
pub(crate) fn mode_option(plan: &Plan, mode: Mode) -> String {
    if let Some(s) = plan.client.mode_option(mode) {
        return s.to_string();
    }
    match (plan.protocol, mode.mysql_name()) {
        (Protocol::Mysql, Some(name)) => format!("ssl-mode={name}"),
        // PyMongo's spelling of the modes it has.
        (Protocol::Mongo, _) => match mode {
            Mode::Disable => "tls=false".into(),
            Mode::VerifyCa => "tlsAllowInvalidHostnames=true".into(),
            Mode::Require | Mode::Insecure => "tlsAllowInvalidCertificates=true".into(),
            Mode::Allow | Mode::Prefer | Mode::VerifyFull => "tls=true".into(),
        },
        _ => format!("sslmode={mode}"),
    }
}

fn protocol_name(p: &str) -> &str {
    match p {
        "tls" => "TLS",
        "mysql" => "MySQL",
        "postgres" => "PostgreSQL",
        "mongo" => "MongoDB",
        "http" => "HTTP",
        "ssh" => "SSH",
        "smtp" => "SMTP/FTP",
        "redis" => "Redis",
        other => other,
    }
}

fn suggest_protocol(p: &str) -> &str {
    match p {
        "mysql" => "mysql",
        "mongo" => "mongo",
        "postgres" => "postgres",
        _ => "tls",
    }
}

/// What the raw probes found after rustls failed: why (the versions or
/// suites the server accepts, who refuses them), at the failure's severity;
/// the scan's other findings as warnings.
fn legacy_findings(
    scan: &ScanFacts,
    plan: &Plan,
    greeting: Option<&crate::facts::upgrade::Greeting>,
    severity: Severity,
) -> Vec<Finding> {
    let mut found = super::legacy::findings(scan, plan.protocol);
    // A server that accepts no version at all: the handshake's own finding
    // (closed, an alert) already says so, with the fix for its protocol.
    found.retain(|f| f.id != "no-version-accepted");
    for f in &mut found {
        if f.severity == Severity::Error {
            f.severity = severity;
        }
        if f.id == "legacy-tls-only" {
            if let Some(g) = greeting.filter(|g| yassl_era(g.flavour, &g.server_version)) {
                f.detail.push_str(&format!(
                    " The greeting says MySQL {}: MySQL 5.6 and community 5.7 builds before 5.7.28 use yaSSL, \
                     which speaks TLS 1.1 at most, so no server setting helps: upgrade to 5.7.28+ or 8.0.",
                    g.server_version
                ));
            }
        }
    }
    found
}

/// MySQL 5.6, or 5.7 before 5.7.28: community builds linked yaSSL.
fn yassl_era(flavour: crate::facts::upgrade::Flavour, server_version: &str) -> bool {
    if flavour != crate::facts::upgrade::Flavour::Mysql {
        return false;
    }
    let mut parts = server_version.split(['.', '-']);
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    let patch = parts.next().and_then(|p| p.parse::<u32>().ok());
    match (major, minor, patch) {
        (Some(5), Some(6), _) => true,
        (Some(5), Some(7), Some(p)) => p < 28,
        _ => false,
    }
}

fn handshake_finding(e: &HandshakeError, plan: &Plan, severity: Severity) -> Finding {
    match e {
        HandshakeError::NotTls { found } => finding(
            "not-tls",
            Severity::Error,
            match found.protocol {
                Some(p) => format!("this port speaks {}, not TLS", protocol_name(p)),
                None => "the server does not speak TLS on this port".into(),
            },
            format!("{e} (first bytes {})", found.first_bytes_hex),
            Some(match found.protocol {
                Some("postgres") => "use --protocol postgres: PostgreSQL starts with an SSLRequest".to_string(),
                Some("mysql") => "a MySQL-protocol server: it upgrades to TLS inside its own protocol (--protocol mysql)".into(),
                _ => "check the port: TLS (the first byte 0x16) was expected".into(),
            }),
        ),
        HandshakeError::Alert { alert } => {
            let (meaning, fix) = alert_meaning(alert, plan);
            finding("handshake-alert", severity, format!("the server refused the handshake ({alert})"), meaning, Some(fix))
        }
        HandshakeError::Incompatible { reason } => {
            let legacy = reason.contains("Tls12") || reason.contains("Version") || reason.contains("version");
            finding(
                "tls-incompatible",
                severity,
                "the server's TLS does not match what was offered",
                format!("{reason}; offered {}", offered_versions(plan)),
                Some(if legacy {
                    "the server may speak only TLS 1.0/1.1, which current clients refuse: upgrade the server's TLS library or enable TLS 1.2 on it".into()
                } else {
                    "compare the server's TLS settings (versions, cipher suites, groups) with what current clients offer".into()
                }),
            )
        }
        HandshakeError::Timeout { .. } => finding(
            "handshake-timeout",
            severity,
            "the TLS handshake did not finish",
            e.to_string(),
            Some("the server accepted TCP but never completed TLS: a proxy that waits for something else, or a server that is overloaded".into()),
        ),
        HandshakeError::Closed => finding(
            "handshake-closed",
            severity,
            "the server closed the connection during the handshake",
            format!("{e}. Servers do this when they reject the offered versions or ciphers without an alert, or when an access list blocks this client"),
            Some(if plan.protocol == Protocol::Postgres && plan.pg_negotiation == PgNegotiation::Direct {
                "PostgreSQL before 17 does not accept direct TLS (it logs \"invalid length of startup packet\"): use the SSLRequest negotiation (--pg-negotiation postgres, sslnegotiation=postgres), or upgrade the server to 17".to_string()
            } else {
                format!("check the server's log; offered {}", offered_versions(plan))
            }),
        ),
        HandshakeError::Misbehaved { .. } | HandshakeError::Other { .. } => {
            finding("handshake-failed", severity, "the TLS handshake failed", e.to_string(), None)
        }
    }
}

fn offered_versions(plan: &Plan) -> String {
    match (plan.tls_min, plan.tls_max) {
        (None, None) => "TLS 1.2 and 1.3".into(),
        (Some(lo), Some(hi)) if lo == hi => format!("only {}", lo.name()),
        (None, Some(crate::settings::TlsVersion::V1_2)) => "only TLSv1.2".into(),
        (Some(crate::settings::TlsVersion::V1_3), None) => "only TLSv1.3".into(),
        (lo, hi) => format!(
            "{} to {}",
            lo.map(|v| v.name()).unwrap_or("TLSv1.2"),
            hi.map(|v| v.name()).unwrap_or("TLSv1.3")
        ),
    }
}

/// The server's CertificateRequest against what was configured and sent.
fn client_certificate_findings(
    req: &crate::facts::tls::CertificateRequest,
    presented: bool,
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
) -> Vec<Finding> {
    let accepted = matches!(state, TlsState::Established);
    let (what, fix) = what_was_presented(req, presented, facts, plan, accepted);
    let mut out = vec![finding(
        "client-certificate-requested",
        Severity::Info,
        "the server asks for a client certificate",
        format!("accepted issuers: {}. {what}", acceptable_cas(req)),
        fix,
    )];
    if presented {
        out.extend(issuer_not_accepted_finding(req, facts, plan));
    }
    out
}

/// The CAs a CertificateRequest names, in words.
fn acceptable_cas(req: &crate::facts::tls::CertificateRequest) -> String {
    if req.acceptable_cas.is_empty() {
        "any CA (no list sent)".to_string()
    } else {
        req.acceptable_cas.join("; ")
    }
}

/// Which client certificate was configured and presented, how the server
/// took it, and the fix where it did not.
fn what_was_presented(
    req: &crate::facts::tls::CertificateRequest,
    presented: bool,
    facts: &Facts,
    plan: &Plan,
    accepted: bool,
) -> (String, Option<String>) {
    let outcome = if accepted {
        "went on (it is optional here, or checked at login)"
    } else {
        "did not accept that"
    };
    match (&facts.client_identity, presented) {
        (None, _) => (
            format!("None was configured, so none was presented, and the server {outcome}"),
            (!accepted).then(|| client_cert_option(plan)),
        ),
        (Some(id), true) => (
            format!(
                "The certificate {} (issued by {}{}) was presented, and the server {}",
                id.subject,
                id.issuer,
                if req.acceptable_cas.is_empty() {
                    ""
                } else if crate::identity::issuer_accepted(&facts.client_identity_issuers, &req.acceptable_cas_der) {
                    ", among the accepted CAs"
                } else {
                    ", not among the accepted CAs"
                },
                if accepted { "accepted the handshake" } else { "did not accept it" }
            ),
            None,
        ),
        (Some(id), false) => (
            format!("The certificate {} was configured but not presented: its key ({}) cannot sign with any signature scheme the server offered ({})", id.subject, id.key_type.as_deref().unwrap_or("unknown type"), req.signature_schemes.join(", ")),
            Some("use a key type the server accepts (RSA 2048+, ECDSA P-256/P-384, Ed25519)".into()),
        ),
    }
}

/// A presented client certificate whose issuer the server does not list.
fn issuer_not_accepted_finding(
    req: &crate::facts::tls::CertificateRequest,
    facts: &Facts,
    plan: &Plan,
) -> Option<Finding> {
    let id = facts.client_identity.as_ref()?;
    if crate::identity::issuer_accepted(&facts.client_identity_issuers, &req.acceptable_cas_der) {
        return None;
    }
    Some(finding(
        "client-certificate-issuer-not-accepted",
        Severity::Warning,
        "the client certificate's issuer is not among the CAs the server accepts",
        format!(
            "the presented certificate is issued by {}; the server names only: {}. A server that checks client certificates will reject it (unknown_ca, or at login)",
            id.issuer,
            acceptable_cas(req)
        ),
        Some(if plan.protocol == Protocol::Mysql {
            "use a certificate issued by a CA in the server's ssl_ca, or add its CA there".into()
        } else {
            "use a certificate issued by a CA the server lists (PostgreSQL: ssl_ca_file), or add its CA to that file and reload".into()
        }),
    ))
}

/// What is wrong with the configured client certificate itself.
fn identity_findings(id: &crate::identity::IdentityFacts, plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    match id.validity {
        "expired" => out.push(finding(
            "client-certificate-expired",
            Severity::Warning,
            "the client certificate has expired",
            format!(
                "{} expired on {}; servers that check it answer certificate_expired",
                id.subject, id.not_after
            ),
            Some("renew the client certificate".into()),
        )),
        "not-yet-valid" => out.push(finding(
            "client-certificate-not-yet-valid",
            Severity::Warning,
            "the client certificate is not valid yet",
            format!(
                "{} is valid only from {} (check this machine's clock, or the CA's)",
                id.subject, id.not_before
            ),
            Some("wait until it is valid, or issue it with an earlier notBefore".into()),
        )),
        _ => {}
    }
    if !id.client_auth_allowed {
        out.push(finding(
            "client-certificate-purpose",
            Severity::Warning,
            "the client certificate is not for client authentication",
            format!(
                "its extendedKeyUsage is {} without clientAuth: servers using OpenSSL reject it (unsupported_certificate / bad_certificate)",
                id.extended_key_usage.join(", ")
            ),
            Some("issue the client certificate with extendedKeyUsage = clientAuth".into()),
        ));
    }
    if let Some(problem) = &id.key_permission_problem {
        if plan.protocol == Protocol::Postgres {
            let refuses = plan.client.key_file_must_be_private;
            out.push(finding(
                "client-key-permissions",
                if refuses { Severity::Error } else { Severity::Warning },
                "libpq refuses this client key file's permissions",
                format!("{problem}. libpq (psql and every driver built on it) stops with \"private key file has group or world access\" before connecting"),
                Some(format!("chmod 0600 {}", id.key_file)),
            ));
        }
    }
    out
}

/// `--user`: what the server answered the login opening, in terms of what to change.
fn login_finding(login: &crate::facts::upgrade::LoginFacts, facts: &Facts, plan: &Plan) -> Finding {
    let user = &login.user;
    let cert = facts.client_identity.as_ref();
    let presented = facts
        .tls
        .as_ref()
        .is_some_and(|t| t.client_certificate_presented);
    match login.answer {
        "ok" => finding(
            "login-accepted",
            Severity::Info,
            format!("the server logged {user} in without a password"),
            if presented {
                format!("the login succeeded with the client certificate {} and no password: the server authenticates this user by certificate (pg_hba.conf `cert`, or an account REQUIRE X509 without a password)", cert.map(|c| c.subject.as_str()).unwrap_or(""))
            } else {
                "the login succeeded with no password: the server trusts this connection (pg_hba.conf `trust`, or an account without a password)".to_string()
            },
            None,
        ),
        "authentication-request" => {
            let method = login.method.as_deref().unwrap_or("an unknown method");
            let how = if login.mechanisms.is_empty() {
                method.to_string()
            } else {
                format!("{method} ({})", login.mechanisms.join(", "))
            };
            finding(
                "login-authentication-method",
                Severity::Info,
                format!("the server asks {user} to authenticate with {how}"),
                format!(
                    "TLS{} was accepted as far as login; the server now wants {how}, which tlscheck does not send",
                    if presented { " and the client certificate" } else { "" }
                ),
                None,
            )
        }
        "error" => {
            let message = login.message.clone().unwrap_or_default();
            let code = login.code.clone().unwrap_or_default();
            let (meaning, fix) =
                login_refusal_meaning(&message, &code, user, presented, cert, plan);
            finding(
                "login-refused",
                Severity::Warning,
                format!("the server refused the login of {user}: {message}"),
                format!(
                    "{}{meaning}",
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!("({code}) ")
                    }
                ),
                Some(fix),
            )
        }
        other => finding(
            "login-no-answer",
            Severity::Warning,
            format!("the login opening for {user} got no usable answer ({other})"),
            login.message.clone().unwrap_or_else(|| {
                "the server sent nothing that could be read as an answer".into()
            }),
            None,
        ),
    }
}

fn login_refusal_meaning(
    message: &str,
    code: &str,
    user: &str,
    presented: bool,
    cert: Option<&crate::identity::IdentityFacts>,
    plan: &Plan,
) -> (String, String) {
    let m = message.to_ascii_lowercase();
    if plan.protocol == Protocol::Mysql {
        return match code {
            "3159" => (
                "the server requires secure transport (require_secure_transport=ON) and saw this connection as insecure".into(),
                "connect with TLS (ssl-mode=REQUIRED or stricter)".into(),
            ),
            "1045" if !presented => (
                "access denied: the account needs a password, or it requires a client certificate (REQUIRE X509 / SUBJECT / ISSUER) and none was presented".into(),
                format!("present the certificate issued for {user} (--ssl-cert/--ssl-key; tlscheck --cert/--key); SHOW CREATE USER shows what the account requires"),
            ),
            "1045" => (
                format!("access denied although the certificate {} was presented: the account needs a password, or its REQUIRE SUBJECT/ISSUER does not match this certificate", cert.map(|c| c.subject.as_str()).unwrap_or("")),
                "compare SHOW CREATE USER's REQUIRE clause with the certificate's subject and issuer".into(),
            ),
            _ => ("the server's own message says why".into(), "check the account and the server's error log".into()),
        };
    }
    if m.contains("certificate authentication failed") {
        (
            format!("the server checked the client certificate at login: its CN ({}) is not the user name {user}, and no pg_ident.conf map allows it", cert.and_then(|c| c.subject.strip_prefix("CN=")).unwrap_or("?")),
            format!("use a certificate whose CN is {user}, or add a map=… option to the pg_hba.conf `cert` line with a pg_ident.conf entry for it"),
        )
    } else if m.contains("requires a valid client certificate") {
        (
            "the matching pg_hba.conf line needs a client certificate (cert, or clientcert=verify-ca/verify-full) and none was presented".into(),
            "present a client certificate (libpq sslcert/sslkey; tlscheck --cert/--key)".into(),
        )
    } else if m.contains("no pg_hba.conf entry") {
        (
            "no pg_hba.conf line matches this host, user, database and encryption (hostssl lines match only TLS connections, hostnossl only plain ones)".into(),
            "add a pg_hba.conf line for this client (hostssl … for TLS) and reload the server".into(),
        )
    } else if m.contains("does not exist") {
        (
            "the role or database does not exist".into(),
            "check the user and database names".into(),
        )
    } else {
        (
            "the server's own message says why".into(),
            "check pg_hba.conf and the server log".into(),
        )
    }
}

/// The client's option for a client certificate, in the protocol's spelling.
fn client_cert_option(plan: &Plan) -> String {
    if plan.client.id != crate::clients::GENERIC.id {
        return format!(
            "present a client certificate issued by a CA the server trusts ({}: {}; tlscheck --cert/--key)",
            plan.client.name, plan.client.words.cert
        );
    }
    match plan.protocol {
        Protocol::Mysql => "present a client certificate issued by a CA the server trusts (--ssl-cert/--ssl-key; tlscheck --cert/--key)".into(),
        Protocol::Postgres => "present a client certificate issued by a CA the server trusts (libpq sslcert/sslkey; tlscheck --cert/--key)".into(),
        _ => "present a client certificate issued by a CA the server trusts (tlscheck --cert/--key)".into(),
    }
}

/// What an alert usually means for a database connection, and what to do.
fn alert_meaning(alert: &str, plan: &Plan) -> (String, String) {
    handshake_alert_meaning(alert, plan)
        .or_else(|| client_certificate_alert_meaning(alert, plan))
        .unwrap_or_else(|| {
            (
                format!("the server sent the TLS alert {alert}"),
                "check the server's log for the reason".into(),
            )
        })
}

/// Alerts about the handshake itself: versions, suites, ALPN, SNI, the server.
fn handshake_alert_meaning(alert: &str, plan: &Plan) -> Option<(String, String)> {
    let offered = offered_versions(plan);
    let meaning = match alert {
        "protocol_version" => (
            format!("the server accepts none of the TLS versions offered ({offered})"),
            if plan.tls_min.is_some() || plan.tls_max.is_some() {
                "the versions were limited with --tls-min/--tls-max (or ssl_min/max_protocol_version, tls-version): widen them to what the server speaks. ".to_string()
                    + "If the server speaks only TLS 1.0/1.1, upgrade it: current clients refuse those versions"
            } else {
                "the server speaks only older versions (TLS 1.0/1.1, MySQL 5.6/5.7-era yaSSL builds): upgrade the server or its TLS library; current Python, Java, Go and OpenSSL 3 clients refuse those versions".into()
            },
        ),
        "handshake_failure" => (
            "no shared cipher suite, key-exchange group or signature algorithm; before TLS 1.3 this also means a required client certificate was not sent".into(),
            if plan.protocol == Protocol::Mysql {
                "compare the server's ssl_cipher / tls_version with what current clients offer, and whether the account requires a client certificate (REQUIRE X509)".into()
            } else {
                "compare the server's ssl_ciphers / ssl_min_protocol_version with what current clients offer, and whether it requires a client certificate".into()
            },
        ),
        "insufficient_security" => (
            "the server considers what was offered too weak".into(),
            "check the server's cipher and group policy".into(),
        ),
        "no_application_protocol" => (
            "the server requires an ALPN protocol that was not offered: PostgreSQL 17 refuses direct TLS without ALPN `postgresql`".into(),
            "use a client that sends ALPN postgresql (libpq 17 with sslnegotiation=direct), or the normal SSLRequest negotiation".into(),
        ),
        "unrecognized_name" => (
            format!(
                "the server does not know the name sent as SNI ({}): an SNI-routing proxy with no route for it",
                plan.sni_sent().unwrap_or_else(|| "none was sent".into())
            ),
            "connect using the name the proxy routes (or pass it with --sni); clients that send no SNI (old libpq, connections by IP) cannot reach such endpoints".into(),
        ),
        "internal_error" => (
            "the server or a proxy failed internally; MongoDB Atlas answers this way when the client's IP is not on the access list".into(),
            "check the provider's IP access list and the proxy's upstream".into(),
        ),
        _ => return None,
    };
    Some(meaning)
}

/// Alerts about the client certificate: missing, refused, untrusted, denied.
fn client_certificate_alert_meaning(alert: &str, plan: &Plan) -> Option<(String, String)> {
    let meaning = match alert {
        "certificate_required" => (
            "the server requires a client certificate and none was presented".into(),
            client_cert_option(plan),
        ),
        "bad_certificate" | "unsupported_certificate" | "certificate_unknown" => (
            if plan.identity.is_some() {
                "the server did not accept the client certificate: its dates, its purpose (extendedKeyUsage without clientAuth), its chain or its format".into()
            } else {
                "the server did not accept the absence of a client certificate (TLS 1.2 servers answer a missing one this way)".into()
            },
            if plan.identity.is_some() {
                "check the client certificate's dates and purpose (clientAuth) with `tlscheck cert`, and send the intermediates with it".into()
            } else {
                client_cert_option(plan)
            },
        ),
        "unknown_ca" => (
            match &plan.identity {
                Some(id) => format!("the server does not trust the issuer of the client certificate ({})", id.facts.issuer),
                None => "the server does not trust the issuer of the client certificate".into(),
            },
            if plan.protocol == Protocol::Mysql {
                "use a client certificate from a CA in the server's ssl_ca (or add that CA there), and send any intermediate with it".into()
            } else {
                "use a client certificate from a CA in the server's ssl_ca_file (or add that CA there and reload), and send any intermediate with it".into()
            },
        ),
        "certificate_expired" => ("the server considers the client certificate expired (or not yet valid)".into(), "renew the client certificate, or check the clocks".into()),
        "certificate_revoked" => ("the server's CRL revokes the client certificate".into(), "issue a new client certificate".into()),
        "access_denied" => ("the server checked the client certificate and then denied access: the certificate is valid but not allowed here (its subject or CN is not an allowed user)".into(), "check the server's access rules for this certificate's subject (pg_hba.conf cert lines and pg_ident.conf maps; REQUIRE SUBJECT/ISSUER)".into()),
        "decrypt_error" => ("the server could not verify the client's signature (CertificateVerify): the key does not belong to the certificate, or the signature scheme is broken".into(), "check that the client key matches its certificate (`tlscheck cert CERT KEY`)".into()),
        _ => return None,
    };
    Some(meaning)
}

fn chain_finding(
    problem: ChainProblem,
    chain: &ChainVerdict,
    facts: &Facts,
    plan: &Plan,
    trust: &[TrustVerdict],
    severity: Severity,
) -> Finding {
    let c = ChainContext {
        detail: chain.detail.clone().unwrap_or_default(),
        facts,
        plan,
        trust,
        severity,
    };
    match problem {
        ChainProblem::MissingIntermediate => missing_intermediate_finding(&c),
        ChainProblem::UnknownIssuer => unknown_issuer_finding(&c),
        ChainProblem::SelfSigned => self_signed_finding(&c),
        ChainProblem::Expired | ChainProblem::NotYetValid => validity_finding(problem, c),
        ChainProblem::NoRootFile | ChainProblem::SourceUnusable => {
            verification_source_finding(problem, c)
        }
        ChainProblem::Revoked | ChainProblem::RevocationUnknown => revocation_finding(problem, c),
        _ => certificate_form_finding(problem, c),
    }
}

/// What a chain finding is written from.
struct ChainContext<'a> {
    /// The chain verdict's own words.
    detail: String,
    facts: &'a Facts,
    plan: &'a Plan,
    trust: &'a [TrustVerdict],
    severity: Severity,
}

impl ChainContext<'_> {
    /// The last certificate served (the leaf when it came alone).
    fn top(&self) -> &crate::observe::CertFacts {
        let chain = &self.facts.chain;
        chain.last().unwrap_or(&chain[0])
    }

    /// The sources other than the deciding one that accept the chain, in a sentence.
    fn also_valid(&self) -> String {
        let elsewhere: Vec<String> = self
            .trust
            .iter()
            .filter(|t| t.verdict.valid && !t.used_for_verdict)
            .map(|t| t.label.clone())
            .collect();
        if elsewhere.is_empty() {
            String::new()
        } else {
            format!(" The chain is valid against: {}.", elsewhere.join(", "))
        }
    }

    /// Whether the chain is valid against `kind`, where that source was loaded.
    fn valid_in(&self, kind: SourceKind) -> Option<bool> {
        self.trust
            .iter()
            .find(|t| t.source == kind)
            .map(|t| t.verdict.valid)
    }
}

fn missing_intermediate_finding(c: &ChainContext<'_>) -> Finding {
    let top = c.top();
    let aia = if top.aia_ca_issuers.is_empty() {
        String::new()
    } else {
        format!(
            " Its issuer can be downloaded from {}.",
            top.aia_ca_issuers.join(", ")
        )
    };
    let cert_file = match c.plan.protocol {
        Protocol::Mysql => "MySQL/MariaDB: ssl_cert",
        Protocol::Mongo => "MongoDB: the PEM file of net.tls.certificateKeyFile",
        _ => "PostgreSQL: ssl_cert_file",
    };
    let issuer = short_name(&top.issuer);
    let (title, fix) = if c.facts.chain_source == ChainSource::Handshake {
        (
            "the server does not send its intermediate certificate",
            format!("on the server, append the intermediate certificate ({issuer}) after the leaf in the certificate file ({cert_file}). As a stop-gap, add the intermediate to the client's CA file"),
        )
    } else {
        (
            "the chain given lacks its intermediate certificate",
            format!("append the intermediate certificate ({issuer}) after the leaf in the bundle the server will present ({cert_file}), and give it here after the leaf"),
        )
    };
    finding(
        "missing-intermediate",
        c.severity,
        title,
        format!("{}.{aia}{}", c.detail, c.also_valid()),
        Some(fix),
    )
}

fn unknown_issuer_finding(c: &ChainContext<'_>) -> Finding {
    let top = c.top();
    let note = match (c.valid_in(SourceKind::Os), c.valid_in(SourceKind::Mozilla)) {
        (Some(false), Some(true)) => " Mozilla's bundle trusts it but this machine's OS store does not: update the ca-certificates package.",
        (Some(false), Some(false)) => " Neither the OS store nor Mozilla's bundle trusts it: a private or corporate CA (or a TLS-intercepting proxy).",
        _ => "",
    };
    let ca_option = words(c.plan).ca;
    let use_os_store = format!("and use {}", words(c.plan).os_store);
    finding(
        "unknown-issuer",
        c.severity,
        format!("the chain ends at a CA that is not trusted: {}", short_name(if top.self_issued { &top.subject } else { &top.issuer })),
        format!("{}.{note}{}", c.detail, c.also_valid()),
        Some(format!(
            "give the client the CA that issued the chain: {ca_option}; or add it to the OS store (Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/NAME.crt and run update-ca-certificates; RHEL/Fedora: /etc/pki/ca-trust/source/anchors/ then update-ca-trust; Alpine: /usr/local/share/ca-certificates/ then update-ca-certificates; openSUSE: /etc/pki/trust/anchors/ then update-ca-certificates; macOS: security add-trusted-cert -d -k /Library/Keychains/System.keychain FILE, and for python.org Python run Install Certificates.command) {use_os_store}"
        )),
    )
}

fn self_signed_finding(c: &ChainContext<'_>) -> Finding {
    let ca_option = words(c.plan).ca;
    let encrypt_only = mode_option(c.plan, Mode::Require);
    finding(
        "self-signed",
        c.severity,
        "the server's certificate is self-signed",
        format!("{}. A client can only trust it by holding this exact certificate.{}", c.detail, c.also_valid()),
        Some(format!("give the client this certificate as its CA ({ca_option}), or better, issue the server's certificate from a CA. Encrypt-only ({encrypt_only}) connects but does not authenticate the server")),
    )
}

/// A certificate outside its dates: expired, or not valid yet (a clock?).
fn validity_finding(problem: ChainProblem, c: ChainContext<'_>) -> Finding {
    if problem == ChainProblem::Expired {
        return finding(
            "expired",
            c.severity,
            "a certificate in the chain has expired",
            c.detail,
            Some("renew the certificate on the server (and the CA bundle on the client, if a CA expired)".into()),
        );
    }
    let now = c.facts.judged_unix;
    let soon = c
        .facts
        .chain
        .iter()
        .find(|cert| cert.not_before_unix > now)
        .map(|cert| cert.not_before_unix - now)
        .unwrap_or(i64::MAX);
    let clock = if soon < 2 * 86_400 {
        " The gap is small: this machine's clock may be behind (check NTP)."
    } else {
        ""
    };
    finding(
        "not-yet-valid",
        c.severity,
        "a certificate in the chain is not valid yet",
        format!("{}.{clock}", c.detail),
        Some(
            "fix the clock on whichever side is wrong, or wait until the certificate's notBefore"
                .into(),
        ),
    )
}

/// Nothing usable to verify against: no root file, or a CA that could not be read.
fn verification_source_finding(problem: ChainProblem, c: ChainContext<'_>) -> Finding {
    let client = c.plan.client;
    if problem == ChainProblem::NoRootFile {
        return finding(
            "no-root-file",
            c.severity,
            format!("{} has no root certificate to verify against", client.name),
            format!(
                "{}. It fails under verify-ca and verify-full without one.",
                c.detail
            ),
            Some(format!(
                "add {}, or {}, or put the CA in ~/.postgresql/root.crt",
                client.words.ca, client.words.os_store
            )),
        );
    }
    finding(
        "trust-source-unusable",
        c.severity,
        "the CA for verification could not be used",
        c.detail,
        Some("check the CA file's path and that it holds PEM certificates".into()),
    )
}

/// A revoked certificate, or CRLs that do not cover the whole chain.
fn revocation_finding(problem: ChainProblem, c: ChainContext<'_>) -> Finding {
    if problem == ChainProblem::Revoked {
        return finding(
            "revoked",
            c.severity,
            "a certificate in the chain is revoked",
            c.detail,
            Some("the server needs a new certificate".into()),
        );
    }
    finding(
        "revocation-unknown",
        c.severity,
        "the CRLs do not cover the whole chain",
        format!(
            "{}. libpq requires a CRL from every CA in the chain, the intermediates' included",
            c.detail
        ),
        Some("put the CRLs of the root and of every intermediate into the sslcrl file".into()),
    )
}

/// What is wrong with the certificates themselves: a refused algorithm, a
/// bad signature, the wrong role or version, no or an unreadable certificate.
fn certificate_form_finding(problem: ChainProblem, c: ChainContext<'_>) -> Finding {
    if problem == ChainProblem::UnsupportedAlgorithm {
        return finding(
            "weak-algorithm",
            c.severity,
            "the chain uses an algorithm current clients refuse",
            c.detail,
            Some("reissue with SHA-256 signatures and RSA ≥ 2048 or ECDSA keys".into()),
        );
    }
    finding(
        chain_problem_id(problem),
        c.severity,
        "the certificate chain is not valid",
        c.detail,
        None,
    )
}

fn chain_problem_id(p: ChainProblem) -> &'static str {
    match p {
        ChainProblem::BadSignature => "bad-signature",
        ChainProblem::NotForServers => "not-for-servers",
        ChainProblem::WrongCertificateRole => "wrong-certificate-role",
        ChainProblem::UnsupportedVersion => "x509-v1",
        ChainProblem::NoCertificate => "no-certificate",
        ChainProblem::Malformed => "malformed-certificate",
        _ => "chain-invalid",
    }
}

fn hostname_finding(h: &NameCheck, facts: &Facts, severity: Severity) -> Finding {
    let dialled_ip = h.name.parse::<std::net::IpAddr>().is_ok();
    let sni = match facts.tls.as_ref().and_then(|t| t.sni_sent.clone()) {
        Some(s) => format!("SNI sent: {s}"),
        None => "no SNI was sent".into(),
    };
    let mut detail = format!(
        "the certificate is valid for {}; the name checked was {} ({sni})",
        list_or_nothing(&h.certificate_names),
        h.name
    );
    if h.other_rules_decide == Some(true) {
        detail.push_str(
            ". Clients that fall back to the subject CN (libpq, OpenSSL) would accept it",
        );
    }
    let fix = if dialled_ip {
        "you connected by IP address: the certificate needs that address as an IP subjectAltName, or connect by a name it lists (libpq: host=NAME hostaddr=IP keeps the name for the check)".to_string()
    } else {
        "connect using a name the certificate lists, or reissue it with this name in subjectAltName; verify-ca checks the chain but not the name".to_string()
    };
    finding(
        "hostname-mismatch",
        severity,
        format!("the certificate is not valid for {}", h.name),
        detail,
        Some(fix),
    )
}

/// The CN of a distinguished name, or the whole name.
pub(crate) fn short_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
}

/// A certificate that current stacks refuse, or that splits them.
pub(crate) fn policy_note_finding(n: &super::compat::PolicyNote) -> Finding {
    let what = match n.id {
        "rsa-key-under-2048" => "an RSA key under 2048 bits",
        "sha1-signature" => "a SHA-1 signature",
        "x509-v1" => "an X.509 version 1 certificate",
        _ => "a CA certificate without basicConstraints",
    };
    let side = |accepts: bool| if accepts { "accepts" } else { "refuses" };
    finding(
        n.id,
        Severity::Warning,
        format!("{}: {what}", short_name(&n.subject)),
        format!(
            "Debian's OpenSSL 3 (psql, mysql, mariadb, Python and PyMongo) {} it; webpki (rustls) {} it{}. {}",
            side(n.openssl3_accepts),
            side(n.webpki_accepts),
            if n.splits() { ": the clients disagree" } else { "" },
            n.others
        ),
        Some(match n.id {
            "rsa-key-under-2048" => "reissue with an RSA key of at least 2048 bits, or ECDSA P-256".to_string(),
            "sha1-signature" => "reissue with a SHA-256 signature".to_string(),
            "x509-v1" => "reissue as an X.509 v3 certificate with subjectAltName".to_string(),
            _ => "reissue the intermediate with basicConstraints CA:TRUE and keyUsage keyCertSign".to_string(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::yassl_era;
    use crate::facts::upgrade::Flavour;

    #[test]
    fn yassl_era_is_mysql_56_and_57_before_28() {
        assert!(yassl_era(Flavour::Mysql, "5.6.51-log"));
        assert!(yassl_era(Flavour::Mysql, "5.7.27"));
        assert!(!yassl_era(Flavour::Mysql, "5.7.28"));
        assert!(!yassl_era(Flavour::Mysql, "8.0.36"));
        assert!(!yassl_era(Flavour::Mariadb, "5.5.5-10.3.39-MariaDB"));
    }
}
