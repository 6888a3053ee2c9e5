//! go-sql-driver/mysql 1.5 (Debian 12's golang-github-go-sql-driver-mysql-dev):
//! the Go DSN `user:pass@tcp(host:3306)/db?tls=…`. `tls=true` verifies the
//! chain against Go's system roots and the name; `skip-verify` encrypts
//! only; `preferred` uses TLS when the server offers it, unchecked; any
//! other value names a `tls.Config` the program registered
//! (`mysql.RegisterTLSConfig`), whose CA tlscheck takes from `--ca-file`.
//! `preferred` speaks in clear only to a server that offers no TLS: after a
//! failed handshake it does not retry. Go's crypto/tls: no CN, RSA-1024
//! accepted, SHA-1 refused.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "go-mysql",
    aliases: &["go-sql-driver", "go-sql-driver/mysql"],
    name: "go-sql-driver/mysql",
    version: "go-sql-driver/mysql 1.5",
    protocol: Protocol::Mysql,
    verified: Some("go-sql-driver/mysql 1.5.0 on Go 1.19 (tests/drivers.rs)"),
    reads: "Go DSNs user:pass@tcp(host:port)/db?tls=true|skip-verify|preferred|false|<registered name>",
    stack: StackId::Go,
    trust: DefaultTrust::Os,
    names: NameRules::Strict,
    certs: CertPolicy::GO,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Disable,
        &[
            (Mode::Disable, "tls=false"),
            (Mode::Prefer, "tls=preferred"),
            (Mode::Require, "tls=skip-verify"),
            (Mode::VerifyFull, "tls=true"),
        ],
    ),
    usual: Usual {
        config: "tls=true (or a registered tls.Config with RootCAs)",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "mysql.RegisterTLSConfig(\"custom\", &tls.Config{RootCAs: pool}) and tls=custom in the DSN",
        os_store: "tls=true (Go's system roots)",
        cert: "Certificates in the registered tls.Config",
    },
    errors: &[
        ErrorText { needle: "x509: certificate signed by unknown authority", cause: "F01" },
        ErrorText { needle: "x509: certificate is valid for", cause: "F04" },
        ErrorText { needle: "x509: certificate relies on legacy common name field", cause: "F05" },
        ErrorText { needle: "tls requested but server does not support tls", cause: "F08" },
    ],
};

/// `tls=` as go-sql-driver/mysql reads it.
pub(super) fn tls_param(v: &(String, Origin), o: &mut Options) {
    let (mode, how) = match v.0.to_ascii_lowercase().as_str() {
        "true" => (Mode::VerifyFull, "verify the chain and the host name"),
        "skip-verify" => (Mode::Require, "encrypt, check no certificate"),
        "preferred" => (Mode::Prefer, "TLS when offered, no certificate check"),
        "false" => (Mode::Disable, "no TLS"),
        _ => {
            o.notes.push(format!(
                "tls={} names a TLS config registered in the Go program; its settings cannot be seen from here: judged as verify-full with --ca-file (or the OS store)",
                v.0
            ));
            o.mode = Some((Mode::VerifyFull, v.1.clone()));
            return;
        }
    };
    o.notes.push(format!(
        "read tls={} (Go's MySQL driver: {how}) as mode {mode}",
        v.0
    ));
    o.mode = Some((mode, v.1.clone()));
}

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if let Some(v) = options::param(t, &["tls"]) {
        tls_param(&v, o);
    }
    if let Some(v) = options::param(t, &["timeout"]) {
        // Go durations: "5s", "500ms".
        let secs =
            v.0.strip_suffix("ms")
                .map(|n| n.parse::<f64>().map(|n| n / 1000.0))
                .or_else(|| v.0.strip_suffix('s').map(|n| n.parse::<f64>()));
        if let Some(Ok(s)) = secs {
            o.timeout = Some((s.to_string(), v.1));
        }
    }
    let mut known = options::MYSQL_IGNORED.to_vec();
    known.extend(["tls", "timeout"]);
    options::note_unknown(t, &known, o);
    Ok(())
}
