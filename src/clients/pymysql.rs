//! PyMySQL 1.2 (pure Python, Python's `ssl`): `ssl_ca`, `ssl_cert`,
//! `ssl_key`, `ssl_verify_cert`, `ssl_verify_identity`, `ssl_disabled`, or
//! the `ssl={…}` dict. Python's default store and OpenSSL's host-name rules.
//! Since 1.2, with no TLS option it uses TLS when the server offers it,
//! checks nothing, and falls back to plaintext (PyMySQL issue #1213);
//! `ssl_ca` alone encrypts and checks nothing.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "pymysql",
    aliases: &["aiomysql"],
    name: "PyMySQL",
    version: "PyMySQL 1.2",
    protocol: Protocol::Mysql,
    verified: Some("PyMySQL 1.2.4 on Python 3.11 (tests/drivers.rs)"),
    reads: "mysql:// URLs and keyword arguments: ssl_ca, ssl_cert, ssl_key, ssl_verify_cert, ssl_verify_identity, ssl_disabled",
    stack: StackId::Python,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSsl,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        default_with_ca: Some(Mode::Require),
        ..ModeRules::plain(
            Mode::Prefer,
            &[
                (Mode::Disable, "ssl_disabled=True"),
                (Mode::Prefer, "no ssl option"),
                (Mode::Require, "ssl_ca=… alone"),
                (Mode::VerifyCa, "ssl_verify_cert=True, ssl_verify_identity=False"),
                (Mode::VerifyFull, "ssl_verify_cert=True, ssl_verify_identity=True"),
            ],
        )
    },
    usual: Usual {
        config: "ssl_ca=<CA file>, ssl_verify_cert=True, ssl_verify_identity=True",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "ssl_ca='/path/ca.pem'",
        os_store: "ssl={} with ssl_verify_cert=True (Python's default store)",
        cert: "ssl_cert=… and ssl_key=…",
    },
    errors: &[
        ErrorText { needle: "[ssl: certificate_verify_failed]", cause: "F01" },
        ErrorText { needle: "hostname mismatch", cause: "F04" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    let get = |n: &'static str| {
        t.params
            .iter()
            .rev()
            .find(|(k, _)| k == n)
            .map(|(_, v)| (v.clone(), Origin::Uri(n)))
    };
    o.ca = get("ssl_ca");
    o.cert = get("ssl_cert");
    o.key = get("ssl_key");
    let verify_cert = get("ssl_verify_cert")
        .map(|v| options::boolean(&v).map(|b| (b, v.1)))
        .transpose()?;
    let verify_name = get("ssl_verify_identity")
        .map(|v| options::boolean(&v).map(|b| (b, v.1)))
        .transpose()?;
    if let Some(v) = get("ssl_disabled") {
        if options::boolean(&v)? {
            o.mode = Some((Mode::Disable, v.1));
            return Ok(());
        }
    }
    o.mode = match (verify_cert, verify_name) {
        (Some((false, origin)), _) => Some((Mode::Require, origin)),
        (_, Some((true, origin))) => Some((Mode::VerifyFull, origin)),
        (Some((true, origin)), _) => Some((Mode::VerifyCa, origin)),
        (None, Some((false, origin))) if o.ca.is_some() => Some((Mode::VerifyCa, origin)),
        _ => None,
    };
    let mut known = options::MYSQL_IGNORED.to_vec();
    known.extend([
        "ssl_ca",
        "ssl_cert",
        "ssl_key",
        "ssl_verify_cert",
        "ssl_verify_identity",
        "ssl_disabled",
    ]);
    options::note_unknown(t, &known, o);
    Ok(())
}
