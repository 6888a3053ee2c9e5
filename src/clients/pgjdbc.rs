//! pgjdbc 42.5 (Debian 12's libpostgresql-jdbc-java), the PostgreSQL JDBC
//! driver: JDBC URL properties `sslmode`, `ssl`, `sslrootcert`, `sslcert`,
//! `sslkey`, `sslpassword`, `sslfactory`; its LibPQFactory reads the root
//! file (default ~/.postgresql/root.crt) for verify-ca/verify-full and
//! checks nothing under require/prefer (a root file changes nothing there,
//! unlike libpq); names by PGjdbcHostnameVerifier, whose CN fallback
//! covers IP hosts too. `ssl=true` (or `ssl=`) without `sslmode` means
//! verify-full, any other `ssl` value prefer. The JVM's trust store only
//! with `sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory`.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "pgjdbc",
    aliases: &["postgresql-jdbc", "jdbc-postgresql"],
    name: "pgjdbc",
    version: "pgjdbc 42.5",
    protocol: Protocol::Postgres,
    verified: Some("pgjdbc 42.5.5 (tests/drivers.rs)"),
    reads: "jdbc:postgresql:// URLs with sslmode, ssl, sslrootcert, sslcert, sslkey, sslpassword, sslfactory, sslhostnameverifier, connectTimeout; ~/.postgresql/root.crt, postgresql.crt, postgresql.pk8",
    stack: StackId::Java,
    trust: DefaultTrust::RootFileOnly,
    names: NameRules::Pgjdbc,
    certs: CertPolicy::JAVA,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        prefer_retries_after_failure: true,
        ..ModeRules::plain(
            Mode::Prefer,
            &[
                (Mode::Disable, "sslmode=disable"),
                (Mode::Allow, "sslmode=allow"),
                (Mode::Prefer, "sslmode=prefer"),
                (Mode::Require, "sslmode=require"),
                (Mode::VerifyCa, "sslmode=verify-ca"),
                (Mode::VerifyFull, "sslmode=verify-full"),
            ],
        )
    },
    usual: Usual {
        config: "sslmode=verify-full&sslrootcert=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "sslrootcert=/path/ca.pem in the JDBC URL",
        os_store: "sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory (the JVM's trust store)",
        cert: "sslcert=… and sslkey=… (the key as PKCS#8 DER, .pk8)",
    },
    errors: &[
        ErrorText { needle: "pkix path building failed", cause: "F01" },
        ErrorText { needle: "could not open ssl root certificate file", cause: "F01" },
        ErrorText { needle: "the hostname", cause: "F04" },
        ErrorText { needle: "could not be verified by hostnameverifier", cause: "F04" },
        ErrorText { needle: "the server does not support ssl", cause: "F08" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    let get = |name: &'static str| options::exact(t, name);
    if let Some(v) = get("sslmode") {
        o.mode = Some(options::mode_from(&v, options::LIBPQ_MODES)?);
    } else if let Some((v, origin)) = get("ssl") {
        // ssl=true (or empty) without sslmode means verify-full; pgjdbc reads
        // any other value, false included, as prefer.
        let full = v.is_empty() || v.eq_ignore_ascii_case("true");
        if !full {
            o.notes.push(format!("ssl={v}: pgjdbc reads any ssl value but true as sslmode=prefer (it still encrypts when it can)"));
        }
        o.mode = Some((if full { Mode::VerifyFull } else { Mode::Prefer }, origin));
    }
    if let Some((f, origin)) = get("sslfactory") {
        if f.ends_with("NonValidatingFactory")
            && o.mode.as_ref().is_none_or(|(m, _)| *m >= Mode::VerifyCa)
        {
            o.notes.push(format!("sslfactory={f}: pgjdbc checks no chain (it still checks the host name under verify-full; judged as require)"));
            o.mode = Some((Mode::Require, origin));
        } else if f.ends_with("DefaultJavaSSLFactory") {
            o.ca = Some(("system".into(), origin));
        }
    }
    o.ca = o.ca.take().or_else(|| get("sslrootcert"));
    o.cert = get("sslcert");
    o.key = get("sslkey");
    o.key_password = get("sslpassword");
    o.timeout = get("connectTimeout");
    super::libpq::home_files(input.env, o);
    options::note_unknown(
        t,
        &[
            "sslmode",
            "ssl",
            "sslrootcert",
            "sslcert",
            "sslkey",
            "sslpassword",
            "sslfactory",
            "sslhostnameverifier",
            "connectTimeout",
            "user",
            "password",
            "loginTimeout",
            "socketTimeout",
            "ApplicationName",
            "currentSchema",
            "tcpKeepAlive",
            "prepareThreshold",
            "targetServerType",
            "loadBalanceHosts",
            "reWriteBatchedInserts",
            "options",
        ],
        o,
    );
    Ok(())
}
