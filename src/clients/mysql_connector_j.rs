//! MySQL Connector/J 8 (Oracle's JDBC driver): `sslMode` DISABLED,
//! PREFERRED (the default), REQUIRED, VERIFY_CA, VERIFY_IDENTITY; the older
//! `useSSL`, `requireSSL`, `verifyServerCertificate`; the CA from
//! `trustCertificateKeyStoreUrl` or the JVM's trust store.
//!
//! Not installable here (not in Debian; Maven Central is out of reach):
//! rules from Connector/J's documentation.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mysql-connector-j",
    aliases: &["connector-j", "mysql-jdbc"],
    name: "MySQL Connector/J",
    version: "MySQL Connector/J 8.0",
    protocol: Protocol::Mysql,
    verified: None,
    reads: "jdbc:mysql:// URLs with sslMode, useSSL, requireSSL, verifyServerCertificate, trustCertificateKeyStoreUrl, enabledTLSProtocols, connectTimeout",
    stack: StackId::Java,
    trust: DefaultTrust::JavaCacerts,
    names: NameRules::Java,
    certs: CertPolicy::JAVA,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Prefer,
        &[
            (Mode::Disable, "sslMode=DISABLED"),
            (Mode::Prefer, "sslMode=PREFERRED"),
            (Mode::Require, "sslMode=REQUIRED"),
            (Mode::VerifyCa, "sslMode=VERIFY_CA"),
            (Mode::VerifyFull, "sslMode=VERIFY_IDENTITY"),
        ],
    ),
    usual: Usual {
        config: "sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:<trust store>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "trustCertificateKeyStoreUrl=file:/path/truststore.jks (keytool -importcert the CA)",
        os_store: "leave trustCertificateKeyStoreUrl out (the JVM's cacerts)",
        cert: "clientCertificateKeyStoreUrl=file:/path/keystore.p12",
    },
    errors: &[
        ErrorText { needle: "communications link failure", cause: "F09" },
        ErrorText { needle: "pkix path building failed", cause: "F01" },
        ErrorText { needle: "no appropriate protocol", cause: "F09" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if let Some(v) = options::param(t, &["sslMode"]) {
        o.mode = Some(options::mode_from(&v, options::MYSQL_MODES)?);
    } else if let Some(v) = options::param(t, &["useSSL"]) {
        o.mode = Some(if !options::boolean(&v)? {
            (Mode::Disable, v.1)
        } else {
            let verify = options::param(t, &["verifyServerCertificate"])
                .map(|x| options::boolean(&x))
                .transpose()?
                .unwrap_or(false);
            let required = options::param(t, &["requireSSL"])
                .map(|x| options::boolean(&x))
                .transpose()?
                .unwrap_or(false);
            match (verify, required) {
                (true, _) => (Mode::VerifyCa, v.1),
                (false, true) => (Mode::Require, v.1),
                (false, false) => (Mode::Prefer, v.1),
            }
        });
    }
    if let Some((url, origin)) = options::param(t, &["trustCertificateKeyStoreUrl"]) {
        o.notes.push(format!(
            "trustCertificateKeyStoreUrl={url}: a Java key store is not read; give its CA as --ca-file"
        ));
        let _ = origin;
    }
    if let Some(v) = options::param(t, &["enabledTLSProtocols", "tlsVersions"]) {
        options::version_list(&v, o)?;
    }
    o.timeout = options::millis_timeout(t, "connectTimeout");
    let mut known = options::MYSQL_IGNORED.to_vec();
    known.extend([
        "sslmode",
        "usessl",
        "requiressl",
        "verifyservercertificate",
        "trustcertificatekeystoreurl",
        "trustcertificatekeystorepassword",
        "trustcertificatekeystoretype",
        "enabledtlsprotocols",
        "tlsversions",
        "connecttimeout",
        "sockettimeout",
    ]);
    options::note_unknown(t, &known, o);
    Ok(())
}
