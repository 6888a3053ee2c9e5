//! pgx 4.15 (pgconn; Debian 12's golang-github-jackc-pgx-v4-dev), the Go
//! driver: libpq's connection strings and environment, Go's crypto/tls.
//! `require` with a root file (`sslrootcert`, PGSSLROOTCERT or
//! ~/.postgresql/root.crt) checks the chain, as libpq; `prefer` never
//! checks the certificate and falls back to plaintext, also after a failed
//! handshake; `sslrootcert=system` is a file name to pgx. Go's crypto/tls:
//! names never by the CN, RSA-1024 accepted, SHA-1 refused. Unknown
//! keywords are sent to the server as run-time parameters (so libpq's
//! `sslsni=0` fails the login).

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "pgx",
    aliases: &["pgconn"],
    name: "pgx (Go)",
    version: "pgx 4.15",
    protocol: Protocol::Postgres,
    verified: Some("pgx 4.15.0 / pgconn 1.11.0 on Go 1.19 (tests/drivers.rs)"),
    reads: "postgres:// URIs and keyword/value strings with sslmode, sslrootcert, sslcert, sslkey, sslpassword, sslsni; PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGHOST, PGPORT, PGCONNECT_TIMEOUT",
    stack: StackId::Go,
    trust: DefaultTrust::Os,
    names: NameRules::Strict,
    certs: CertPolicy::GO,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        require_verifies_with_root: true,
        prefer_retries_after_failure: true,
        ..ModeRules::plain(
            Mode::Prefer,
            super::libpq::PROFILE.modes.spellings,
        )
    },
    usual: Usual {
        config: "sslmode=verify-full&sslrootcert=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "sslrootcert=/path/ca.pem in the connection string",
        os_store: "sslmode=verify-full without sslrootcert (Go's system roots)",
        cert: "sslcert=… and sslkey=…",
    },
    errors: &[
        ErrorText { needle: "x509: certificate signed by unknown authority", cause: "F01" },
        ErrorText { needle: "x509: certificate is valid for", cause: "F04" },
        ErrorText { needle: "x509: certificate relies on legacy common name field", cause: "F05" },
        ErrorText { needle: "failed to connect to", cause: "F01" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::libpq_keywords(input.target, input.env, options::LIBPQ_MODES, o)?;
    options::note_unknown_libpq(
        input.target,
        &[
            "pool_max_conns",
            "pool_min_conns",
            "statement_cache_capacity",
            "prefer_simple_protocol",
        ],
        o,
    );
    super::libpq::home_files(input.env, o);
    Ok(())
}
