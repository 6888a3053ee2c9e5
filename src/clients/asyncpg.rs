//! asyncpg 0.32 (Python, its own protocol code on Python's `ssl`):
//! libpq-style connection strings and environment (`PGSSLMODE`, else
//! `prefer`). `prefer` never verifies (it ignores any root file); `require`
//! checks the chain when a root file is given (`sslrootcert`,
//! `PGSSLROOTCERT`, ~/.postgresql/root.crt); verify-ca/verify-full need a
//! root file and never use the OS store (`sslrootcert=system` is read as a
//! file name). Host names as Python's `ssl`: an IP only against IP SANs.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "asyncpg",
    aliases: &[],
    name: "asyncpg",
    version: "asyncpg 0.32",
    protocol: Protocol::Postgres,
    verified: Some("asyncpg 0.32.0 on Python 3.11 (tests/drivers.rs)"),
    reads: "postgres:// URIs with sslmode, sslrootcert, sslcert, sslkey, sslpassword, sslcrl, ssl_min_protocol_version, ssl_max_protocol_version; PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGSSLCRL",
    stack: StackId::Python,
    trust: DefaultTrust::RootFileOnly,
    names: NameRules::OpenSsl,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafStrict,
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
        ca: "sslrootcert=/path/ca.pem in the DSN (or ssl=ssl.create_default_context(cafile=…))",
        os_store: "ssl=ssl.create_default_context() in code (asyncpg's sslmode never reads the OS store)",
        cert: "sslcert=… and sslkey=…",
    },
    errors: &[
        ErrorText { needle: "[ssl: certificate_verify_failed]", cause: "F01" },
        ErrorText { needle: "rejected ssl upgrade", cause: "F08" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::libpq_keywords(input.target, input.env, options::LIBPQ_MODES, o)?;
    options::note_unknown_libpq(input.target, &[], o);
    // asyncpg reads libpq's default root file, not its other default files.
    let (cert, key, crl) = (o.cert.take(), o.key.take(), o.crl.take());
    super::libpq::home_files(input.env, o);
    (o.cert, o.key, o.crl) = (cert, key, crl);
    Ok(())
}
