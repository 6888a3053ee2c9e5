//! The MongoDB Java driver 3.6 (Debian 12's libmongodb-java): `ssl=true`
//! and `sslInvalidHostNameAllowed=true` in the URI; the CA comes from the
//! JVM's trust store (javax.net.ssl.trustStore, else the JDK's cacerts),
//! never from the URI; JSSE's host-name check (the CN only without a DNS
//! SAN, never for an IP). It has no option that skips the chain check:
//! `sslInvalidHostNameAllowed` skips only the name. Java 17 accepts RSA-1024
//! and SHA-1 below a private root (SHA-1 is blocked only for JDK roots).

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mongodb-java",
    aliases: &["mongo-java", "java-mongodb"],
    name: "MongoDB Java driver",
    version: "MongoDB Java driver 3.6",
    protocol: Protocol::Mongo,
    verified: Some("MongoDB Java driver 3.6.3 on Java 17 (tests/drivers.rs)"),
    reads: "mongodb:// URIs: ssl, sslInvalidHostNameAllowed (3.6 knows no tls* options); the JVM's javax.net.ssl.trustStore",
    stack: StackId::Java,
    trust: DefaultTrust::JavaCacerts,
    names: NameRules::Java,
    certs: CertPolicy::JAVA,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Disable,
        &[
            (Mode::Disable, "ssl=false"),
            (Mode::VerifyCa, "ssl=true&sslInvalidHostNameAllowed=true"),
            (Mode::VerifyFull, "ssl=true"),
        ],
    ),
    usual: Usual {
        config: "ssl=true, the CA in -Djavax.net.ssl.trustStore",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "a trust store holding the CA (keytool -importcert), given as -Djavax.net.ssl.trustStore=…",
        os_store: "leave javax.net.ssl.trustStore unset (the JDK's cacerts)",
        cert: "a key store with -Djavax.net.ssl.keyStore=…",
    },
    errors: &[
        ErrorText { needle: "pkix path building failed", cause: "F01" },
        ErrorText { needle: "no subject alternative", cause: "F05" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if let Some(v) = options::param(t, &["ssl", "tls"]) {
        o.mode = Some(if options::boolean(&v)? {
            match options::param(t, &["sslInvalidHostNameAllowed"]) {
                Some(h) if options::boolean(&h)? => (Mode::VerifyCa, h.1),
                _ => (Mode::VerifyFull, v.1),
            }
        } else {
            (Mode::Disable, v.1)
        });
    }
    o.default_mode = Some(if t.scheme == Some(crate::target::Scheme::MongoSrv) {
        (
            Mode::VerifyFull,
            Origin::Derived("mongodb+srv:// turns TLS on".into()),
        )
    } else {
        (
            Mode::Disable,
            Origin::Derived("the Java driver uses no TLS unless ssl=true".into()),
        )
    });
    for name in [
        "tlsCAFile",
        "tlsCertificateKeyFile",
        "tlsAllowInvalidCertificates",
        "tlsInsecure",
    ] {
        if options::param(t, &[name]).is_some() {
            o.notes.push(format!(
                "{name}: the Java driver 3.6 does not read it from the URI (the CA comes from the JVM's trust store: give it with --ca-file)"
            ));
        }
    }
    let mut known: Vec<&str> = options::MONGO_IGNORED.to_vec();
    known.extend([
        "ssl",
        "tls",
        "sslinvalidhostnameallowed",
        "tlscafile",
        "tlscertificatekeyfile",
        "tlsallowinvalidcertificates",
        "tlsinsecure",
    ]);
    options::note_unknown(t, &known, o);
    Ok(())
}
