//! What happened before TLS (the protocol's upgrade, the MySQL-protocol
//! greeting), and the protocol steps after it: `--user`'s login answer and
//! MongoDB's `hello`. Produced by [`crate::protocol`] and
//! [`crate::handshake`]; judged by [`crate::judge`].

use serde::Serialize;

use super::sniff::Sniffed;

/// What happened before TLS.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradeFacts {
    /// `sslrequest`, `direct`, `none` (plain TLS from the first byte),
    /// `mysql-sslrequest` (greeting with CLIENT_SSL, SSLRequest sent) or
    /// `mysql-greeting` (greeting without CLIENT_SSL, nothing sent).
    pub method: &'static str,
    /// What the server answered, in words (`S: TLS accepted`).
    pub server_answer: Option<String>,
    /// Whether the server agreed to TLS.
    pub tls_offered: bool,
    /// Bytes the server sent after its answer and before any TLS byte. A
    /// nonzero count is suspicious (CVE-2021-23222: injected plaintext).
    pub bytes_after_answer: usize,
    /// ALPN protocols the handshake must offer.
    pub alpn: Vec<String>,
    /// The MySQL-protocol server's greeting (MySQL, MariaDB, TiDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mysql: Option<Greeting>,
}

/// Why the protocol's upgrade did not reach a TLS decision.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UpgradeError {
    #[error("no answer to {request} within {seconds} s")]
    Timeout { request: &'static str, seconds: f64 },
    #[error("the server closed the connection without answering {request}")]
    Closed { request: &'static str },
    #[error("expected {expected}, got {}", found.looks_like)]
    NotTheProtocol {
        expected: &'static str,
        found: Sniffed,
    },
    #[error("the server answered with an error: {message}")]
    ServerError { message: String },
    /// A MySQL-protocol ERR packet in place of the greeting: the server
    /// refuses this client before any TLS (1130 host not allowed, 1040 too
    /// many connections, 1129 host blocked, …).
    #[error("the server sent error {code} instead of its greeting: {message}")]
    ServerErrorPacket {
        code: u16,
        sql_state: Option<String>,
        message: String,
    },
    #[error("{error}")]
    Io { error: String },
}

/// The server's answer to the login opening.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoginFacts {
    pub user: String,
    pub database: Option<String>,
    /// `authentication-request` (the server asks for a password or another
    /// method), `ok` (logged in without a password: trust or certificate),
    /// `error` (the server refused), `closed`, `timeout`, `unexpected`, `io`.
    pub answer: &'static str,
    /// PostgreSQL: `cleartext`, `md5`, `sasl`, `gss`, `sspi`, `ok`, …;
    /// MySQL: the authentication plugin asked for.
    pub method: Option<String>,
    /// SASL mechanisms offered (PostgreSQL `SCRAM-SHA-256`, …).
    pub mechanisms: Vec<String>,
    /// The refusal: PostgreSQL severity and SQLSTATE, MySQL error number and
    /// SQL state.
    pub severity: Option<String>,
    pub code: Option<String>,
    pub sql_state: Option<String>,
    pub message: Option<String>,
    /// What was sent at the end: `terminate` (PostgreSQL X), `com-quit`, or
    /// `close` (close_notify only).
    pub ended_with: &'static str,
}

// MySQL, MariaDB, TiDB: the greeting.

/// Which server family a version string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    Mysql,
    Mariadb,
    Tidb,
}

impl Flavour {
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Mysql => "MySQL",
            Flavour::Mariadb => "MariaDB",
            Flavour::Tidb => "TiDB",
        }
    }
}

/// What the server's initial handshake packet said. Fields past the
/// connection id are absent in protocol-9 greetings and short packets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Greeting {
    /// 10 for every server since MySQL 3.22; 9 for older ones.
    pub protocol_version: u8,
    /// As sent: `8.0.36`, `5.5.5-10.11.6-MariaDB-0+deb12u1`, `8.0.11-TiDB-v7.5.1`.
    pub server_version: String,
    pub flavour: Flavour,
    /// The flavour's own version: `10.11.6` for MariaDB (without the
    /// `5.5.5-` compatibility prefix), `v7.5.1` for TiDB.
    pub flavour_version: String,
    pub connection_id: Option<u32>,
    /// The capability flags, hex (`0x...`), lower and upper 16 bits joined.
    pub capabilities: Option<String>,
    /// The capability flags by name.
    pub capability_flags: Vec<&'static str>,
    /// Whether CLIENT_SSL (0x0800) is set: the server can do TLS.
    pub client_ssl: bool,
    /// The server's default character set (collation id).
    pub charset: Option<u8>,
    pub charset_name: Option<&'static str>,
    /// Server status flags.
    pub status: Option<u16>,
    /// The default authentication plugin (`mysql_native_password`, `caching_sha2_password`, …).
    pub auth_plugin: Option<String>,
}

impl Greeting {
    /// `MariaDB 10.11.6`, `TiDB v7.5.1 (MySQL 8.0.11 compatible)`, `MySQL 8.0.36`.
    pub fn describe(&self) -> String {
        match self.flavour {
            Flavour::Tidb => {
                let compat = self.server_version.split("-TiDB-").next().unwrap_or("");
                format!("TiDB {} (MySQL {compat} compatible)", self.flavour_version)
            }
            f => format!("{} {}", f.name(), self.flavour_version),
        }
    }
}

/// The server family and its own version, from the version string.
pub fn flavour(v: &str) -> (Flavour, String) {
    if let Some(i) = v.find("-TiDB-") {
        return (Flavour::Tidb, v[i + "-TiDB-".len()..].to_string());
    }
    if let Some(i) = v.find("-MariaDB") {
        let head = &v[..i];
        return (
            Flavour::Mariadb,
            head.strip_prefix("5.5.5-").unwrap_or(head).to_string(),
        );
    }
    let plain = v.split(['-', ' ']).next().unwrap_or(v);
    (Flavour::Mysql, plain.to_string())
}

// MongoDB: the `hello` exchange and what the reply says.

/// What happened when the hello was sent. Raw facts; `protocol::mongo::describe`
/// makes [`MongoFacts`] of them.
#[derive(Debug, Clone)]
pub struct HelloExchange {
    /// Sent over TLS (false: in clear on the TCP stream).
    pub over_tls: bool,
    pub outcome: HelloOutcome,
    pub ms: f64,
}

#[derive(Debug, Clone)]
pub enum HelloOutcome {
    /// A whole message of the announced length (header included).
    Message(Vec<u8>),
    /// The server closed the connection; what arrived before.
    Closed(Vec<u8>),
    /// Nothing (or not all) within the timeout; what arrived before.
    Timeout(Vec<u8>),
    /// The header announced a length MongoDB never sends.
    BadLength { length: i64, first: Vec<u8> },
    /// An I/O error (the TLS layer's alerts among them).
    Error(IoFailure, Vec<u8>),
}

/// An I/O error, kept as facts (`io::Error` cannot be cloned).
#[derive(Debug, Clone)]
pub struct IoFailure {
    pub error: String,
    /// A TLS alert the server sent, by its code.
    pub alert: Option<u8>,
    pub unexpected_eof: bool,
}

impl IoFailure {
    pub fn new(e: &std::io::Error) -> IoFailure {
        let alert = e
            .get_ref()
            .and_then(|x| x.downcast_ref::<rustls::Error>())
            .and_then(|r| match r {
                rustls::Error::AlertReceived(a) => Some(u8::from(*a)),
                _ => None,
            });
        IoFailure {
            error: e.to_string(),
            alert,
            unexpected_eof: e.kind() == std::io::ErrorKind::UnexpectedEof,
        }
    }
}

impl std::fmt::Display for IoFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

/// What the server said about itself in its `hello` reply, or why there is
/// no reply to speak of.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MongoFacts {
    /// The hello went over TLS (false: in clear).
    pub over_tls: bool,
    /// The reply is a MongoDB reply to our hello.
    pub answered: bool,
    /// When it is not: what happened, in words.
    pub problem: Option<String>,
    /// When the reply is not MongoDB: what it looks like instead.
    pub looks_like: Option<String>,
    pub looks_like_protocol: Option<&'static str>,
    pub first_bytes_hex: Option<String>,
    /// `ok` of the reply, and `errmsg` when it is not 1.
    pub ok: Option<bool>,
    pub errmsg: Option<String>,
    /// `version`, when the server says it (mongod does not in hello).
    pub version: Option<String>,
    pub min_wire_version: Option<i64>,
    pub max_wire_version: Option<i64>,
    /// The server versions maxWireVersion stands for.
    pub version_range: Option<String>,
    pub is_writable_primary: Option<bool>,
    pub secondary: Option<bool>,
    pub arbiter_only: Option<bool>,
    pub set_name: Option<String>,
    pub hosts: Vec<String>,
    pub passives: Vec<String>,
    pub arbiters: Vec<String>,
    pub primary: Option<String>,
    pub me: Option<String>,
    /// Compressors the server would use, from those offered.
    pub compression: Vec<String>,
    /// `msg: "isdbgrid"`: a mongos router in front of a sharded cluster.
    pub mongos: bool,
    /// `standalone`, `replica-set-primary`, `replica-set-secondary`,
    /// `replica-set-arbiter`, `replica-set-other`, `mongos`.
    pub server_type: Option<&'static str>,
    pub local_time: Option<String>,
    pub max_message_size_bytes: Option<i64>,
    pub hello_ms: f64,
}

/// Server versions for a maxWireVersion (the drivers' wire-version table).
pub fn wire_version_range(v: i64) -> String {
    let s = match v {
        i64::MIN..=5 => "3.4 or older",
        6 => "3.6",
        7 => "4.0",
        8 => "4.2",
        9 => "4.4",
        10..=12 => "4.9–5.0 development releases",
        13 => "5.0",
        14..=16 => "5.1–5.3 (rapid releases)",
        17 => "6.0",
        18..=20 => "6.1–6.3 (rapid releases)",
        21 => "7.0",
        22..=24 => "7.1–7.3 (rapid releases)",
        25 => "8.0",
        26..=27 => "8.1–8.2 (rapid releases)",
        _ => "newer than 8.2",
    };
    format!("MongoDB {s} (maxWireVersion {v})")
}

/// Every member the reply names, as `host:port`, in the reply's order.
pub fn members(f: &MongoFacts) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in f.hosts.iter().chain(&f.passives).chain(&f.arbiters) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(m)) {
            out.push(m.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavours() {
        assert_eq!(
            flavour("8.0.11-TiDB-v7.5.1"),
            (Flavour::Tidb, "v7.5.1".into())
        );
        assert_eq!(
            flavour("11.4.2-MariaDB-log"),
            (Flavour::Mariadb, "11.4.2".into())
        );
        assert_eq!(flavour("8.0.36"), (Flavour::Mysql, "8.0.36".into()));
        assert_eq!(flavour("5.7.44-log"), (Flavour::Mysql, "5.7.44".into()));
    }
}
