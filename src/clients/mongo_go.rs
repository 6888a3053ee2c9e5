//! The MongoDB Go driver (mongo-go-driver 1.8, as Debian 12 ships it): the
//! URI options, Go's crypto/tls (system roots, no CN fallback), and OCSP:
//! it checks a stapled answer and asks responders unless
//! `tlsDisableOCSPEndpointCheck` (a revoked answer fails; an unreachable
//! responder does not). 1.8 ignores `tlsAllowInvalidHostnames` and
//! `tlsAllowInvalidCertificates`: both still verify; `tlsInsecure` works.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mongo-go",
    aliases: &["mongo-go-driver", "go-mongodb"],
    name: "MongoDB Go driver",
    version: "mongo-go-driver 1.8",
    protocol: Protocol::Mongo,
    verified: Some("mongo-go-driver 1.8.4 on Go 1.19 (tests/drivers.rs)"),
    reads: "mongodb:// and mongodb+srv:// URIs: tls/ssl, tlsCAFile, tlsCertificateKeyFile, tlsInsecure, tlsAllowInvalidCertificates, tlsAllowInvalidHostnames, tlsDisableOCSPEndpointCheck",
    stack: StackId::Go,
    trust: DefaultTrust::Os,
    names: NameRules::Strict,
    certs: CertPolicy::GO,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::RevokedStapleFails,
    key_file_must_be_private: false,
    modes: super::pymongo::MONGO_MODES,
    usual: Usual {
        config: "tls=true&tlsCAFile=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: super::pymongo::MONGO_WORDS,
    errors: &[
        ErrorText { needle: "x509: certificate signed by unknown authority", cause: "F01" },
        ErrorText { needle: "ocsp", cause: "F14" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::mongo_tls(input, "the MongoDB Go driver", true, o)?;
    // 1.8 reads these options and then never applies them.
    if let Some((Mode::VerifyCa | Mode::Insecure, origin)) = &o.mode {
        let name = options::origin_name(origin);
        if name.to_ascii_lowercase().starts_with("tlsallowinvalid") {
            o.notes.push(format!(
                "{name}: mongo-go-driver 1.8 ignores it and still verifies the chain and the name"
            ));
            o.mode = Some((Mode::VerifyFull, origin.clone()));
        }
    }
    Ok(())
}
