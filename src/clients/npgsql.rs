//! Npgsql (.NET) 8: ADO.NET connection strings, `SSL Mode` Disable, Allow,
//! Prefer (the default), Require, VerifyCA, VerifyFull; `Root Certificate`;
//! `Trust Server Certificate`. .NET's SslStream on Linux (OpenSSL 3, the OS
//! store).
//!
//! No .NET runtime on these machines: rules from Npgsql's documentation.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "npgsql",
    aliases: &["dotnet-postgres"],
    name: "Npgsql (.NET)",
    version: "Npgsql 8",
    protocol: Protocol::Postgres,
    verified: None,
    reads: "ADO.NET strings: Host/Server, Port, SSL Mode (SslMode), Root Certificate, SSL Certificate, SSL Key, SSL Password, Trust Server Certificate, Timeout; PGSSLMODE, PGSSLROOTCERT",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSsl,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules {
        prefer_retries_after_failure: true,
        ..ModeRules::plain(
            Mode::Prefer,
            &[
                (Mode::Disable, "SSL Mode=Disable"),
                (Mode::Allow, "SSL Mode=Allow"),
                (Mode::Prefer, "SSL Mode=Prefer"),
                (Mode::Require, "SSL Mode=Require"),
                (Mode::VerifyCa, "SSL Mode=VerifyCA"),
                (Mode::VerifyFull, "SSL Mode=VerifyFull"),
            ],
        )
    },
    usual: Usual {
        config: "SSL Mode=VerifyFull;Root Certificate=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "Root Certificate=/path/ca.pem in the connection string",
        os_store: "SSL Mode=VerifyFull without Root Certificate",
        cert: "SSL Certificate=… and SSL Key=…",
    },
    errors: &[
        ErrorText { needle: "remotecertificatenamemismatch", cause: "F04" },
        ErrorText { needle: "remotecertificatechainerrors", cause: "F01" },
        ErrorText { needle: "the remote certificate is invalid", cause: "F01" },
    ],
};

const MODES: &[(&str, Mode)] = &[
    ("Disable", Mode::Disable),
    ("Allow", Mode::Allow),
    ("Prefer", Mode::Prefer),
    ("Require", Mode::Require),
    ("VerifyCA", Mode::VerifyCa),
    ("VerifyFull", Mode::VerifyFull),
];

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    let get = |names: &[&str]| options::param(t, names);
    if let Some(v) =
        get(&["SSL Mode", "SslMode"]).or_else(|| options::env_var(input.env, "PGSSLMODE"))
    {
        o.mode = Some(options::mode_from(&v, MODES)?);
    }
    if let Some(v) = get(&["Trust Server Certificate"]) {
        if options::boolean(&v)? && o.mode.as_ref().is_some_and(|(m, _)| *m >= Mode::Require) {
            o.notes
                .push("Trust Server Certificate=true: Npgsql checks no certificate".into());
            o.mode = Some((Mode::Require, v.1));
        }
    }
    o.ca = get(&["Root Certificate"]).or_else(|| options::env_var(input.env, "PGSSLROOTCERT"));
    o.cert = get(&["SSL Certificate"]);
    o.key = get(&["SSL Key"]);
    o.key_password = get(&["SSL Password"]);
    o.timeout = get(&["Timeout"]);
    options::note_unknown(
        t,
        &[
            "host",
            "server",
            "port",
            "database",
            "username",
            "user id",
            "userid",
            "password",
            "ssl mode",
            "sslmode",
            "trust server certificate",
            "root certificate",
            "ssl certificate",
            "ssl key",
            "ssl password",
            "timeout",
            "pooling",
            "command timeout",
            "include error detail",
            "application name",
        ],
        o,
    );
    Ok(())
}
