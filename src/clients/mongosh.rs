//! mongosh, the MongoDB shell: the Node.js MongoDB driver underneath, with
//! the same URI options (and `--tls`, `--tlsCAFile` flags that mean the same).

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mongosh",
    aliases: &["mongo-shell"],
    name: "mongosh",
    version: "mongosh 2 (Node.js MongoDB driver)",
    protocol: Protocol::Mongo,
    verified: None,
    reads:
        "mongodb:// and mongodb+srv:// URIs, as the Node.js driver reads them; NODE_EXTRA_CA_CERTS",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::NodeBundled,
    names: NameRules::Node,
    certs: CertPolicy::NODE,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: super::pymongo::MONGO_MODES,
    usual: Usual {
        config: "--tls --tlsCAFile <CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "--tlsCAFile /path/ca.pem (or tlsCAFile= in the URI)",
        os_store: "leave --tlsCAFile out (mongosh then uses Node.js's bundled roots)",
        cert: "--tlsCertificateKeyFile …",
    },
    errors: &[ErrorText {
        needle: "mongoserverselectionerror",
        cause: "F01",
    }],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::mongo_tls(input, "mongosh", false, o)
}
