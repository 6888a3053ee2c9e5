//! mysql2 (Node.js): TLS is set in code, `ssl: { ca, rejectUnauthorized }`
//! (a profile name such as `ssl: 'Amazon RDS'` picks bundled CAs); a
//! `mysql://` URL's `ssl` parameter is JSON. Node.js's `tls` with its
//! bundled roots plus NODE_EXTRA_CA_CERTS (a `ca` replaces both).
//!
//! Its usual verifying configuration checks the chain and NOT the host
//! name: mysql2 replaces Node's name check with one that does nothing
//! unless `verifyIdentity: true`. With `verifyIdentity` and an IP host it
//! checks the name `localhost` (it passes Node neither host nor servername).

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mysql2",
    aliases: &["node-mysql2"],
    name: "mysql2 (Node.js)",
    version: "mysql2 3.24",
    protocol: Protocol::Mysql,
    verified: Some("mysql2 3.24.6 on Node.js 20 (tests/drivers.rs)"),
    reads: "mysql:// URLs whose ssl parameter is JSON ({\"rejectUnauthorized\":true}); in code ssl: { ca, rejectUnauthorized }; NODE_EXTRA_CA_CERTS",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::NodeBundled,
    names: NameRules::Node,
    certs: CertPolicy::NODE,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Disable,
        &[
            (Mode::Disable, "no ssl option"),
            (Mode::Require, "ssl: { rejectUnauthorized: false }"),
            (Mode::VerifyCa, "ssl: { ca }"),
            (Mode::VerifyFull, "ssl: { ca, verifyIdentity: true }"),
        ],
    ),
    usual: Usual {
        config: "ssl: { ca: fs.readFileSync(<CA file>) } (the name is not checked)",
        mode: Mode::VerifyCa,
    },
    read,
    words: Words {
        ca: "ssl: { ca: fs.readFileSync('/path/ca.pem') }",
        os_store: "NODE_EXTRA_CA_CERTS=/path/ca.pem (or node --use-openssl-ca)",
        cert: "ssl: { cert, key }",
    },
    errors: &[
        ErrorText { needle: "hands_off_handshake", cause: "F10" },
        ErrorText { needle: "self_signed_cert_in_chain", cause: "F02" },
        ErrorText { needle: "err_tls_cert_altname_invalid", cause: "F04" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if let Some((v, origin)) = options::param(t, &["ssl"]) {
        let v = v.replace(' ', "");
        let mode = if v.contains("\"rejectUnauthorized\":false") {
            Mode::Require
        } else if v.contains("\"verifyIdentity\":true") {
            Mode::VerifyFull
        } else {
            Mode::VerifyCa
        };
        o.mode = Some((mode, origin));
    }
    let mut known = options::MYSQL_IGNORED.to_vec();
    known.push("ssl");
    options::note_unknown(t, &known, o);
    Ok(())
}
