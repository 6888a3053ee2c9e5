//! PyMongo 4 (Python's `ssl`, OpenSSL 3): the MongoDB URI options,
//! `tlsCAFile` else Python's default store, OpenSSL's host-name rules,
//! `tlsCRLFile` checked for the leaf. PyMongo never falls back to plaintext.
//!
//! Checked against PyMongo in `tests/mongo.rs` and `tests/drivers.rs`.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "pymongo",
    aliases: &["motor"],
    name: "PyMongo",
    version: "PyMongo 4",
    protocol: Protocol::Mongo,
    verified: Some("PyMongo 4.20.1 (tests/mongo.rs, tests/drivers.rs)"),
    reads: "mongodb:// and mongodb+srv:// URIs: tls/ssl, tlsCAFile, tlsCRLFile, tlsCertificateKeyFile(+Password), tlsInsecure, tlsAllowInvalidCertificates, tlsAllowInvalidHostnames, tlsDisableOCSPEndpointCheck",
    stack: StackId::Python,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSsl,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafStrict,
    ocsp: OcspRules::RevokedStapleFails,
    key_file_must_be_private: false,
    modes: MONGO_MODES,
    usual: Usual {
        config: "tls=true&tlsCAFile=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: MONGO_WORDS,
    errors: &[
        ErrorText { needle: "serverselectiontimeouterror", cause: "F01" },
        ErrorText { needle: "[ssl: certificate_verify_failed]", cause: "F01" },
        ErrorText { needle: "invalid status response", cause: "F14" },
    ],
};

/// The MongoDB drivers' modes, as the URI options spell them.
pub(super) const MONGO_MODES: ModeRules = ModeRules::plain(
    Mode::Disable,
    &[
        (Mode::Disable, "tls=false"),
        (Mode::Insecure, "tlsInsecure=true"),
        (Mode::VerifyCa, "tls=true&tlsAllowInvalidHostnames=true"),
        (Mode::VerifyFull, "tls=true"),
    ],
);

pub(super) const MONGO_WORDS: Words = Words {
    ca: "tlsCAFile=/path/ca.pem in the connection string",
    os_store: "leave tlsCAFile out (the driver then uses its default store)",
    cert: "tlsCertificateKeyFile=… (certificate and key in one PEM)",
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::mongo_tls(input, "PyMongo", true, o)
}
