//! The Node.js MongoDB driver (`mongodb` on npm; also under mongoose and
//! Compass): the URI options, Node.js's `tls` with its bundled roots plus
//! NODE_EXTRA_CA_CERTS, `checkServerIdentity`'s host-name rules.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "node-mongodb",
    aliases: &["mongodb-node", "mongoose"],
    name: "Node.js MongoDB driver",
    version: "mongodb (Node.js) 7.9",
    protocol: Protocol::Mongo,
    verified: Some("mongodb 7.9.0 on Node.js 20 (tests/drivers.rs)"),
    reads: "mongodb:// and mongodb+srv:// URIs: tls/ssl, tlsCAFile, tlsCRLFile, tlsCertificateKeyFile, tlsInsecure, tlsAllowInvalidCertificates, tlsAllowInvalidHostnames; NODE_EXTRA_CA_CERTS",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::NodeBundled,
    names: NameRules::Node,
    certs: CertPolicy::NODE,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: super::pymongo::MONGO_MODES,
    usual: Usual {
        config: "tls=true&tlsCAFile=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: super::pymongo::MONGO_WORDS,
    errors: &[
        ErrorText { needle: "mongoserverselectionerror", cause: "F01" },
        ErrorText { needle: "self_signed_cert_in_chain", cause: "F02" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::mongo_tls(input, "the Node.js MongoDB driver", false, o)
}
