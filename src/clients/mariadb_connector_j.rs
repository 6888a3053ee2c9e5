//! MariaDB Connector/J 2.7 (Debian 12's libmariadb-java): `useSsl=true`
//! (alias `useSSL`) verifies the chain and the host name against
//! `serverSslCert` (a file, or the PEM itself) or the JVM's trust store;
//! `trustServerCertificate=true` checks nothing;
//! `disableSslHostnameVerification=true` skips the name. Its host-name
//! check falls back to the CN whenever no SAN matched, and matches partial
//! wildcards; it sends no SNI. 2.7 knows no `sslMode` (3.x's option): it
//! ignores it and connects without TLS.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mariadb-connector-j",
    aliases: &["mariadb-java", "mariadb-jdbc"],
    name: "MariaDB Connector/J",
    version: "MariaDB Connector/J 2.7",
    protocol: Protocol::Mysql,
    verified: Some("MariaDB Connector/J 2.7.6 on Java 17 (tests/drivers.rs)"),
    reads: "jdbc:mariadb:// (and jdbc:mysql://) URLs with useSsl/useSSL, trustServerCertificate, serverSslCert, disableSslHostnameVerification, enabledSslProtocolSuites",
    stack: StackId::Java,
    trust: DefaultTrust::JavaCacerts,
    names: NameRules::MariadbJava,
    certs: CertPolicy::JAVA,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Disable,
        &[
            (Mode::Disable, "useSsl=false"),
            (Mode::Require, "useSsl=true&trustServerCertificate=true"),
            (Mode::VerifyCa, "useSsl=true&disableSslHostnameVerification=true"),
            (Mode::VerifyFull, "useSsl=true"),
        ],
    ),
    usual: Usual {
        config: "useSsl=true&serverSslCert=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "serverSslCert=/path/ca.pem in the JDBC URL",
        os_store: "useSsl=true without serverSslCert (the JVM's trust store)",
        cert: "keyStore=… and keyStorePassword=…",
    },
    errors: &[
        ErrorText { needle: "ssl hostname verification failed", cause: "F04" },
        ErrorText { needle: "pkix path building failed", cause: "F01" },
        ErrorText { needle: "could not connect to address", cause: "F01" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    let flag = |name: &str| -> Result<Option<(bool, Origin)>, UsageError> {
        options::param(t, &[name])
            .map(|v| Ok((options::boolean(&v)?, v.1)))
            .transpose()
    };
    if let Some((v, _)) = options::param(t, &["sslMode"]) {
        o.notes.push(format!(
            "sslMode={v}: MariaDB Connector/J 2.7 does not know this option (3.x does) and connects without TLS unless useSsl=true"
        ));
    }
    if let Some((on, origin)) = flag("useSsl")?.or(flag("useSSL")?) {
        o.mode = Some(if !on {
            (Mode::Disable, origin)
        } else if let Some((true, o2)) = flag("trustServerCertificate")? {
            (Mode::Require, o2)
        } else if let Some((true, o2)) = flag("disableSslHostnameVerification")? {
            (Mode::VerifyCa, o2)
        } else {
            (Mode::VerifyFull, origin)
        });
    }
    o.ca = options::param(t, &["serverSslCert"]);
    if let Some(v) = options::param(t, &["enabledSslProtocolSuites"]) {
        options::version_list(&v, o)?;
    }
    o.timeout = options::millis_timeout(t, "connectTimeout");
    let mut known = options::MYSQL_IGNORED.to_vec();
    known.extend([
        "sslmode",
        "usessl",
        "trustservercertificate",
        "disablesslhostnameverification",
        "serversslcert",
        "enabledsslprotocolsuites",
        "connecttimeout",
        "sockettimeout",
        "keystore",
        "keystorepassword",
        "truststore",
        "truststorepassword",
    ]);
    options::note_unknown(t, &known, o);
    Ok(())
}
