//! Oracle's mysql client and libmysqlclient 8.0 (mysqlclient, the C API),
//! `--ssl-mode`. Also the reading of `mysql://` URIs (MySQL Shell's form),
//! with the spellings other drivers' DSNs use.
//!
//! Not installable on Debian 12 (its `mysql` is MariaDB's client): rules from
//! MySQL's documentation; where they coincide with the MariaDB client's, the
//! `mariadb` profile's tests check them.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mysql",
    aliases: &["libmysqlclient", "mysqlclient", "mysqlsh"],
    name: "mysql client / libmysqlclient",
    version: "MySQL client 8.0",
    protocol: Protocol::Mysql,
    verified: None,
    reads: "mysql:// URIs with ssl-mode, ssl-ca, ssl-crl, ssl-cert, ssl-key, tls-version (also ssl_mode, sslmode, sslca, Go's tls=, JDBC's sslMode)",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSslPartial,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: MYSQL_MODES,
    usual: Usual {
        config: "--ssl-mode=VERIFY_IDENTITY --ssl-ca=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "--ssl-ca=/path/ca.pem (ssl-ca= in the URI)",
        os_store: "ssl-mode=VERIFY_IDENTITY without --ssl-ca",
        cert: "--ssl-cert=… and --ssl-key=…",
    },
    errors: &[
        ErrorText { needle: "ssl connection error", cause: "F01" },
        ErrorText { needle: "error 2026", cause: "F01" },
        ErrorText { needle: "ssl is required, but the server does not support it", cause: "F08" },
        ErrorText { needle: "connections using insecure transport are prohibited", cause: "F07" },
    ],
};

/// MySQL's ssl-mode, shared with the clients that copy it.
pub(super) const MYSQL_MODES: ModeRules = ModeRules {
    default_with_ca: Some(Mode::VerifyCa),
    ..ModeRules::plain(
        Mode::Prefer,
        &[
            (Mode::Disable, "ssl-mode=DISABLED"),
            (Mode::Prefer, "ssl-mode=PREFERRED"),
            (Mode::Require, "ssl-mode=REQUIRED"),
            (Mode::VerifyCa, "ssl-mode=VERIFY_CA"),
            (Mode::VerifyFull, "ssl-mode=VERIFY_IDENTITY"),
        ],
    )
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    read_mysql_uri(input, o, &[])?;
    if o.mode.as_ref().is_some_and(|(m, _)| *m == Mode::Require) && o.ca.is_some() {
        o.notes.push(
            "ssl-mode=REQUIRED with a CA: MySQL's client checks nothing (judged so here), but the MariaDB client checks the chain whenever it is given a CA, as VERIFY_CA (--client mariadb)"
                .into(),
        );
    }
    Ok(())
}

/// A `mysql://` URI in MySQL's spellings and the ones people paste from
/// other drivers (Go's `tls=`, PyMySQL's `ssl_ca`).
pub(super) fn read_mysql_uri(
    input: &Input<'_>,
    o: &mut Options,
    also_known: &[&str],
) -> Result<(), UsageError> {
    let t = input.target;
    options::mysql_options(t, o)?;
    // go-sql-driver/mysql's tls=, as people paste it into mysql:// URIs.
    if let Some(v) = options::param(t, &["tls"]) {
        super::go_mysql::tls_param(&v, o);
    }
    if options::param(t, &["ssl_ca"]).is_some()
        && options::param(t, &["ssl_verify_cert", "ssl_verify_identity"]).is_none()
        && t.params.iter().any(|(k, _)| k == "ssl_ca")
    {
        o.notes.push(
            "if these settings come from PyMySQL: judge them with --client pymysql (its ssl_* options differ from the mysql client's)"
                .into(),
        );
    }
    let mut known = options::MYSQL_READ.to_vec();
    known.extend(options::MYSQL_IGNORED);
    known.extend(["tls", "ssl_verify_cert", "ssl_verify_identity"]);
    known.extend(also_known);
    options::note_unknown(t, &known, o);
    Ok(())
}
