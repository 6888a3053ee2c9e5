//! rustls-based PostgreSQL clients: sqlx (`tls-rustls`) and
//! tokio-postgres-rustls. libpq-style URLs; webpki-roots (Mozilla's list)
//! unless `sslrootcert`; webpki's strict checks (no CN, no X.509 v1, no
//! SHA-1, no RSA under 2048 bits).
//!
//! Rules from sqlx's documentation and source; the chain and name checks
//! are webpki's, the same tlscheck's own handshake uses.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "sqlx",
    aliases: &["rustls", "tokio-postgres-rustls"],
    name: "rustls-based (sqlx, tokio-postgres-rustls)",
    version: "sqlx 0.8 (rustls)",
    protocol: Protocol::Postgres,
    verified: None,
    reads: "postgres:// URIs with sslmode, sslrootcert, sslcert, sslkey; PGSSLMODE, PGSSLROOTCERT",
    stack: StackId::Rustls,
    trust: DefaultTrust::Mozilla,
    names: NameRules::Strict,
    certs: CertPolicy::WEBPKI,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        prefer_retries_after_failure: true,
        ..ModeRules::plain(Mode::Prefer, super::libpq::PROFILE.modes.spellings)
    },
    usual: Usual {
        config: "sslmode=verify-full&sslrootcert=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "sslrootcert=/path/ca.pem in the URL",
        os_store: "a build with rustls-native-certs",
        cert: "sslcert=… and sslkey=…",
    },
    errors: &[
        ErrorText {
            needle: "invalid peer certificate",
            cause: "F01",
        },
        ErrorText {
            needle: "unknownissuer",
            cause: "F01",
        },
        ErrorText {
            needle: "notvalidforname",
            cause: "F04",
        },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::libpq_keywords(input.target, input.env, options::LIBPQ_MODES, o)?;
    options::note_unknown_libpq(input.target, &["statement-cache-capacity"], o);
    Ok(())
}
