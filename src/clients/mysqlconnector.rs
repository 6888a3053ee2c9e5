//! MySqlConnector (.NET) 2: ADO.NET strings with `SslMode` None, Preferred
//! (the default), Required, VerifyCA, VerifyFull; `SslCa` (alias
//! `CACertificateFile`); .NET's SslStream on Linux (OpenSSL 3, the OS store).
//!
//! No .NET runtime on these machines: rules from MySqlConnector's documentation.

use super::options::{self, Options};
use super::*;

pub static PROFILE: Profile = Profile {
    id: "mysqlconnector",
    aliases: &["mysqlconnector-net", "dotnet-mysql"],
    name: "MySqlConnector (.NET)",
    version: "MySqlConnector 2",
    protocol: Protocol::Mysql,
    verified: None,
    reads: "ADO.NET strings: Server, Port, SslMode (SSL Mode), SslCa (CACertificateFile), SslCert, SslKey, Connection Timeout",
    stack: StackId::OpenSsl3,
    trust: DefaultTrust::Os,
    names: NameRules::OpenSsl,
    certs: CertPolicy::OPENSSL3,
    crl: CrlPolicy::LeafLenient,
    ocsp: OcspRules::Ignores,
    key_file_must_be_private: false,
    modes: ModeRules::plain(
        Mode::Prefer,
        &[
            (Mode::Disable, "SslMode=None"),
            (Mode::Prefer, "SslMode=Preferred"),
            (Mode::Require, "SslMode=Required"),
            (Mode::VerifyCa, "SslMode=VerifyCA"),
            (Mode::VerifyFull, "SslMode=VerifyFull"),
        ],
    ),
    usual: Usual {
        config: "SslMode=VerifyFull;SslCa=<CA file>",
        mode: Mode::VerifyFull,
    },
    read,
    words: Words {
        ca: "SslCa=/path/ca.pem in the connection string",
        os_store: "SslMode=VerifyFull without SslCa",
        cert: "SslCert=… and SslKey=…",
    },
    errors: &[
        ErrorText { needle: "the remote certificate is invalid", cause: "F01" },
        ErrorText { needle: "remotecertificatenamemismatch", cause: "F04" },
    ],
};

const MODES: &[(&str, Mode)] = &[
    ("None", Mode::Disable),
    ("Disabled", Mode::Disable),
    ("Preferred", Mode::Prefer),
    ("Required", Mode::Require),
    ("VerifyCA", Mode::VerifyCa),
    ("VerifyFull", Mode::VerifyFull),
];

fn read(input: &Input<'_>, o: &mut Options) -> Result<(), UsageError> {
    let t = input.target;
    if let Some(v) = options::param(t, &["SslMode", "SSL Mode"]) {
        o.mode = Some(options::mode_from(&v, MODES)?);
    }
    o.ca = options::param(t, &["SslCa", "CACertificateFile", "SSL CA"]);
    o.cert = options::param(t, &["SslCert", "SSL Cert"]);
    o.key = options::param(t, &["SslKey", "SSL Key"]);
    o.timeout = options::param(
        t,
        &["Connection Timeout", "ConnectTimeout", "Connect Timeout"],
    );
    options::note_unknown(
        t,
        &[
            "server",
            "host",
            "data source",
            "port",
            "database",
            "initial catalog",
            "user id",
            "uid",
            "user",
            "username",
            "password",
            "pwd",
            "sslmode",
            "ssl mode",
            "sslca",
            "cacertificatefile",
            "ssl ca",
            "sslcert",
            "ssl cert",
            "sslkey",
            "ssl key",
            "connection timeout",
            "connecttimeout",
            "connect timeout",
            "pooling",
            "charset",
        ],
        o,
    );
    Ok(())
}
