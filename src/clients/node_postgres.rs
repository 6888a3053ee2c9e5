//! node-postgres (`pg` on npm, with pg-connection-string): a connection
//! string's `sslmode=require`, `prefer` and `verify-ca` all mean what libpq
//! calls verify-full (Node.js checks the chain and the name), unless
//! `uselibpqcompat=true`; `sslmode=no-verify` encrypts without checking.
//! Node.js's bundled roots plus NODE_EXTRA_CA_CERTS when no `sslrootcert`.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "node-postgres",
    aliases: &["pg", "node-pg"],
    name: "node-postgres (pg)",
    version: "pg 8.23",
    protocol: Protocol::Postgres,
    verified: Some("pg 8.23.1 on Node.js 20 (tests/drivers.rs)"),
    reads: "postgres:// URIs with sslmode (disable, no-verify, prefer, require, verify-ca, verify-full), uselibpqcompat, sslrootcert, sslcert, sslkey; PGSSLMODE; NODE_EXTRA_CA_CERTS",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::NodeBundled,
    names: NameRules::Node,
    certs: CertPolicy::NODE,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        prefer_retries_after_failure: true,
        ..ModeRules::plain(
            Mode::Disable,
            &[
                (Mode::Disable, "sslmode=disable"),
                (Mode::Require, "sslmode=no-verify"),
                (Mode::VerifyCa, "sslmode=require&uselibpqcompat=true (with sslrootcert)"),
                (Mode::VerifyFull, "sslmode=verify-full"),
            ],
        )
    },
    usual: Usual {
        config: "sslmode=verify-full&sslrootcert=<CA file> (or ssl: { ca, rejectUnauthorized: true })",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "sslrootcert=/path/ca.pem in the connection string (or ssl: { ca: fs.readFileSync(…) })",
        os_store: "NODE_EXTRA_CA_CERTS=/path/ca.pem, or node --use-openssl-ca",
        cert: "sslcert=… and sslkey=…",
    },
    errors: &[
        ErrorText { needle: "self_signed_cert_in_chain", cause: "F02" },
        ErrorText { needle: "depth_zero_self_signed_cert", cause: "F02" },
        ErrorText { needle: "unable_to_verify_leaf_signature", cause: "F03" },
        ErrorText { needle: "err_tls_cert_altname_invalid", cause: "F04" },
        ErrorText { needle: "the server does not support ssl connections", cause: "F08" },
    ],
};

/// pg-connection-string's sslmode values.
const MODES: &[(&str, Mode)] = &[
    ("disable", Mode::Disable),
    ("no-verify", Mode::Require),
    ("prefer", Mode::VerifyFull),
    ("require", Mode::VerifyFull),
    ("verify-ca", Mode::VerifyFull),
    ("verify-full", Mode::VerifyFull),
];

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    let compat = options::exact(t, "uselibpqcompat")
        .map(|v| options::boolean(&v))
        .transpose()?
        .unwrap_or(false);
    if compat {
        options::libpq_keywords(t, input.env, options::LIBPQ_MODES, o)?;
        o.notes.push("uselibpqcompat=true: sslmode has libpq's meanings, but node-postgres never falls back to plaintext".into());
        // libpq's require-with-a-root-file quirk, and a prefer that encrypts
        // without checking and never retries in clear.
        o.mode = match o.mode.take() {
            Some((Mode::Require, origin)) if o.ca.is_some() => Some((Mode::VerifyCa, origin)),
            Some((Mode::Prefer | Mode::Allow, origin)) => Some((Mode::Require, origin)),
            m => m,
        };
    } else {
        options::libpq_keywords(t, input.env, MODES, o)?;
        if let Some((m, origin)) = &o.mode {
            let raw = options::exact(t, "sslmode")
                .map(|(v, _)| v)
                .unwrap_or_default();
            if *m == Mode::VerifyFull && raw != "verify-full" {
                o.notes.push(format!(
                    "node-postgres reads sslmode={raw} ({origin}) as verify-full: it checks the chain and the host name (uselibpqcompat=true gives libpq's meaning)"
                ));
            }
        }
        if options::exact(t, "ssl").is_some_and(|(v, _)| v == "true" || v == "1")
            && o.mode.is_none()
        {
            o.mode = Some((Mode::VerifyFull, Origin::Uri("ssl")));
        }
    }
    options::note_unknown_libpq(t, &["uselibpqcompat", "ssl"], o);
    Ok(())
}
