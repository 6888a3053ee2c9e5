//! tlscheck's own rules, for a `host:port` or `tls://` target without
//! `--client`: verify-full against `--ca-file` or the OS store, host names
//! as RFC 6125 (no CN fallback), CRLs checked for the leaf. For PostgreSQL
//! targets libpq's environment (`PGSSLMODE`, …) is honoured, as documented.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "generic",
    aliases: &["tlscheck"],
    name: "tlscheck's own rules",
    version: "tlscheck",
    protocol: Protocol::Tls,
    verified: None,
    reads: "host:port and tls://host:port; for PostgreSQL, libpq's PGSSL* environment",
    stack: StackId::Rustls,
    trust: DefaultTrust::Os,
    names: NameRules::Strict,
    certs: CertPolicy::WEBPKI,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::RevokedStapleFails,
    key_file_must_be_private: false,
    modes: ModeRules {
        prefer_retries_after_failure: true,
        ..ModeRules::plain(Mode::VerifyFull, &[])
    },
    usual: Usual {
        config: "--mode verify-full",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "--ca-file /path/ca.pem (your client's CA-file option)",
        os_store: "--ca-file system",
        cert: "--cert FILE --key FILE",
    },
    errors: &[],
};

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if input.protocol == Protocol::Postgres {
        options::libpq_keywords(t, input.env, options::LIBPQ_MODES, o)?;
    }
    // A client certificate and its password, as any driver's URI spells them.
    o.cert = o
        .cert
        .take()
        .or_else(|| options::param(t, &["tlsCertificateKeyFile"]));
    o.key_password = o
        .key_password
        .take()
        .or_else(|| options::param(t, &["sslpassword", "tlsCertificateKeyFilePassword"]));
    options::note_unknown(
        t,
        &[
            "tlsCertificateKeyFile",
            "sslpassword",
            "tlsCertificateKeyFilePassword",
        ],
        o,
    );
    Ok(())
}
