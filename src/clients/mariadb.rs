//! The MariaDB command-line client and MariaDB Connector/C 3.3 (MariaDB
//! 10.11's `mariadb`, Debian's `mysql`): `--ssl`, `--ssl-ca`,
//! `--ssl-verify-server-cert`, `--skip-ssl`. Unlike MySQL's client it checks
//! the chain whenever it is given a CA, even under `--ssl` alone.
//!
//! Checked against the mariadb client in `tests/conformance.rs`.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mariadb",
    aliases: &["mariadb-client", "connector-c", "mariadb-connector-c"],
    name: "mariadb client / Connector/C",
    version: "MariaDB client 10.11 (Connector/C 3.3)",
    protocol: Protocol::Mysql,
    verified: Some("the mariadb client 10.11 (tests/conformance.rs)"),
    reads: "mysql:// URIs with the client's option names (ssl, ssl-ca, ssl-verify-server-cert, skip-ssl) and MySQL's ssl-mode spellings",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSslPartial,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        default_with_ca: Some(Mode::VerifyCa),
        require_verifies_with_root: true,
        ..ModeRules::plain(
            Mode::Disable,
            &[
                (Mode::Disable, "--skip-ssl"),
                (Mode::Require, "--ssl"),
                (Mode::VerifyCa, "--ssl-ca=<CA file>"),
                (Mode::VerifyFull, "--ssl-verify-server-cert"),
            ],
        )
    },
    usual: Usual {
        config: "--ssl-verify-server-cert --ssl-ca=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "--ssl-ca=/path/ca.pem",
        os_store: "--ssl-verify-server-cert without --ssl-ca",
        cert: "--ssl-cert=… and --ssl-key=…",
    },
    errors: &[
        ErrorText { needle: "tls/ssl error", cause: "F01" },
        ErrorText { needle: "ssl connection error", cause: "F01" },
        ErrorText { needle: "self-signed certificate", cause: "F02" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    super::mysql::read_mysql_uri(input, o, &["ssl-verify-server-cert", "skip-ssl", "ssl"])?;
    if let Some(v) = options::param(t, &["ssl-verify-server-cert"]) {
        if options::boolean(&v)? {
            o.mode = Some((Mode::VerifyFull, v.1));
        }
    } else if let Some(v) = options::param(t, &["skip-ssl"]) {
        if options::boolean(&v)? {
            o.mode = Some((Mode::Disable, v.1));
        }
    } else if let Some(v) = options::param(t, &["ssl"]) {
        if options::boolean(&v)? && o.mode.is_none() {
            o.mode = Some((Mode::Require, v.1));
        }
    }
    Ok(())
}
