//! libpq (psql, psycopg, pdo_pgsql, Ruby pg and every other libpq user),
//! as of libpq 16/17; libpq 15 reads `sslrootcert=system` as a file name
//! and knows no `sslnegotiation`.
//!
//! Checked against psql in `tests/conformance.rs` and against psycopg's
//! bundled libpq in `tests/drivers.rs`.

use std::path::PathBuf;

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "libpq",
    aliases: &["psql", "psycopg", "psycopg2", "psycopg3"],
    name: "psql / libpq",
    version: "libpq 16+",
    protocol: Protocol::Postgres,
    verified: Some("psql 15 (tests/conformance.rs); psycopg 3.3.9 with libpq 18.6 (tests/drivers.rs)"),
    reads: "postgres:// URIs and keyword/value strings (host=… sslmode=…); PGSSLMODE, PGSSLROOTCERT, PGSSLCRL, PGSSLCERT, PGSSLKEY, PGSSLNEGOTIATION, PGHOST, PGPORT, PGCONNECT_TIMEOUT; ~/.postgresql/root.crt, root.crl, postgresql.crt, postgresql.key",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::RootFileOnly,
    names: NameRules::Libpq,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::WholeChainStrict,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: true,
    modes: ModeRules {
        require_verifies_with_root: true,
        root_file_checks_in_prefer: true,
        prefer_retries_after_failure: true,
        system_root_needs_verify_full: true,
        ..ModeRules::plain(
            Mode::Prefer,
            &[
                (Mode::Disable, "sslmode=disable"),
                (Mode::Allow, "sslmode=allow"),
                (Mode::Prefer, "sslmode=prefer"),
                (Mode::Require, "sslmode=require"),
                (Mode::VerifyCa, "sslmode=verify-ca"),
                (Mode::VerifyFull, "sslmode=verify-full"),
            ],
        )
    },
    usual: Usual {
        config: "sslmode=verify-full, sslrootcert=<CA file> or system",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "sslrootcert=/path/ca.pem in the connection string",
        os_store: "sslrootcert=system (libpq 16+)",
        cert: "sslcert=… and sslkey=…",
    },
    errors: &[
        ErrorText { needle: "root certificate file", cause: "F01" },
        ErrorText { needle: "server certificate for", cause: "F04" },
        ErrorText { needle: "does not match host name", cause: "F04" },
        ErrorText { needle: "ssl syscall error: eof detected", cause: "F21" },
        ErrorText { needle: "server does not support ssl", cause: "F08" },
        ErrorText { needle: "no pg_hba.conf entry", cause: "F07" },
    ],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    options::libpq_keywords(input.target, input.env, options::LIBPQ_MODES, o)?;
    options::note_unknown_libpq(input.target, &[], o);
    home_files(input.env, o);
    if o.ca.as_ref().is_some_and(|(v, _)| v == "system") {
        o.default_mode = Some((
            Mode::VerifyFull,
            Origin::Derived("libpq 16+ uses verify-full with sslrootcert=system".into()),
        ));
    }
    Ok(())
}

/// libpq's default files under `~/.postgresql`, where nothing names others.
pub(super) fn home_files(env: &dyn Env, o: &mut Options) {
    let Some(home) = env.var("HOME") else { return };
    let dir = PathBuf::from(home).join(".postgresql");
    let found = |file: &str| -> Read<String> {
        let p = dir.join(file);
        p.exists().then(|| {
            (
                p.display().to_string(),
                Origin::Derived(format!("libpq reads ~/.postgresql/{file}")),
            )
        })
    };
    if o.ca.is_none() {
        o.ca = found("root.crt");
    }
    if o.crl.is_none() {
        o.crl = found("root.crl");
    }
    if o.cert.is_none() {
        o.cert = found("postgresql.crt");
    }
    // libpq looks for the key beside its default whatever names the certificate.
    if o.key.is_none() && o.cert.is_some() {
        o.key = found("postgresql.key");
    }
}
