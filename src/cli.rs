//! The command line: clap definitions only.
//!
//! Kept in the library so the man page and shell completions can be generated
//! from the same definitions (see `tests/docs.rs`), and so that the flags are
//! one type the rest of the code reads.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::request::{Mode, OcspScope, PgNegotiation, ProtocolChoice, Request, TlsVersion};

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  the connection passes under the mode
  1  it fails under the mode (certificate, host name, TLS version, server refuses TLS or the client, handshake alert)
  2  usage error (bad flags, malformed target, unsupported protocol)
  3  could not reach or identify the service (DNS, refused, timeout, not the expected protocol)
Several hosts (a MongoDB seed list, mongodb+srv, --all-members): the worst of the hosts' codes.
Several endpoints (TARGET..., --targets, --config): the worst endpoint's (3 above 1 above 0); an
endpoint that meets its inventory expectation (expect = \"fail\" | \"unreachable\", min_tls) counts as 0.";

pub const SCAN_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every current client stack (OpenSSL 3, Python 3.10+, Java, Go, rustls) can connect
  1  one of them cannot (legacy versions only, no suite in common); with --strict also when the
     server accepts versions or suites current clients refuse, or any warning
  2  usage error
  3  could not reach TLS (DNS, refused, timeout, not the expected protocol, TLS refused)";

pub const ROOTS_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  the OS store holds roots (and, with --find, one of them matches)
  1  the OS store is empty or missing, or --find matches no root in it
  2  usage error";

pub const CERT_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every chain verifies, every key matches a certificate, no certificate is within --fail-days
  1  a chain does not verify, a key matches no certificate, or a certificate is within --fail-days
  2  a file cannot be read or holds nothing recognisable, a wrong or missing PKCS#12 password,
     a key that cannot be read or compared, bad flags";

#[derive(Debug, Parser)]
#[command(
    name = "tlscheck",
    version,
    about = "Checks whether a TLS connection to a database endpoint is sound, and says why not",
    long_about = "Checks whether a TLS connection to a database endpoint is sound and, when it is not, \
                  says exactly why and what to do. It performs the protocol's own TLS upgrade \
                  (PostgreSQL SSLRequest or direct TLS, MySQL's CLIENT_SSL and SSLRequest, \
                  MongoDB TLS with a `hello`, or plain TLS), records everything the \
                  handshake shows, and judges it under every client mode at once.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect to an endpoint, handshake, and judge the connection
    #[command(after_help = EXIT_CODES_HELP)]
    Connect(Box<ConnectArgs>),
    /// Probe which TLS versions, cipher suites, TLS 1.3 groups and certificates an endpoint accepts, and which clients refuse them
    #[command(after_help = SCAN_EXIT_CODES_HELP)]
    Scan(ScanArgs),
    /// Start throw-away endpoints on loopback and check them, to see what reports look like
    Demo(DemoArgs),
    /// Map a pasted driver error (psql, JDBC, Python, Go, Node, MySQL) to its likely causes
    #[command(
        after_help = "Exit codes:\n  0  at least one known cause matches\n  1  nothing known matches\n  2  usage error"
    )]
    Explain(ExplainArgs),
    /// List the clients tlscheck judges as (`connect --client ID`): what each reads, its defaults, whether the tests check it against the real client
    Clients(ClientsArgs),
    /// Show where this machine's OS trust store is read from, and search it and the Mozilla bundle
    #[command(after_help = ROOTS_EXIT_CODES_HELP)]
    Roots(RootsArgs),
    /// Inspect local certificates, chains, CRLs, PKCS#12 bundles and private keys
    #[command(after_help = CERT_EXIT_CODES_HELP)]
    Cert(CertArgs),
}

#[derive(Debug, Args)]
pub struct ClientsArgs {
    /// Print the list as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error text, as the client printed it (quote it)
    pub text: String,

    /// Print the explanation as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// What to check: host, host:port, [v6addr]:port, tls://host:port, or a connection string
    /// in any dialect: postgres:// / mysql:// / mongodb:// / mongodb+srv:// URIs, libpq's
    /// "host=… sslmode=…", JDBC URLs, Go MySQL DSNs, ADO.NET strings. Several targets are
    /// checked in one run (see --targets, --config, --format)
    #[arg(value_name = "TARGET", required_unless_present_any = ["targets", "config"])]
    pub target: Vec<String>,

    /// Also check the targets in FILE, one a line (`-`: standard input; `#` starts a comment)
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,

    /// Also check the endpoints of this inventory (TOML: [defaults] and [[endpoint]] tables with
    /// their own options and expectations; see README "Inventory"). Its values override the flags
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Checks run at once when there are several targets
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,

    /// Checks run at once against one host:port (a check holds one connection; after a failed
    /// handshake its explaining probes hold up to 4)
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub per_endpoint: u16,

    /// Seconds for the whole run: checks not finished by then are reported unreachable (exit 3)
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub deadline: Option<f64>,

    /// Output form: human (a summary table worst first, then the full report of each failure),
    /// json, jsonl (one report a line), junit (JUnit XML), github (workflow annotations, and a
    /// Markdown summary to $GITHUB_STEP_SUMMARY), markdown [default: human; one target: today's report]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write the --format output to FILE (json when --format is human or absent); the terminal
    /// gets the human summary
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No progress bar and no notes on standard error
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Wire protocol spoken before TLS [default: auto: from the URI scheme, else the client, else the port]
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<ProtocolChoice>,

    /// Judge as this client would (libpq, pgjdbc, node-postgres, pgx, asyncpg, npgsql, sqlx, mysql,
    /// mariadb, mysql-connector-j, mariadb-connector-j, mysql2, go-mysql, pymysql, mysqlconnector,
    /// pymongo, node-mongodb, mongodb-java, mongo-go, mongosh, generic); `tlscheck clients` lists them
    /// [default: the client the connection string's dialect implies, else tlscheck's own rules]
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,

    /// Client mode to judge under [default: verify-full; a connection string's own sslmode/ssl-mode, else prefer].
    /// MySQL's names are accepted too, in any case: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY
    #[arg(long, value_enum, value_name = "MODE", ignore_case = true)]
    pub mode: Option<Mode>,

    /// PyMongo's tlsAllowInvalidHostnames: check the chain, not the host name (the verdicts of verify-ca)
    #[arg(long, conflicts_with_all = ["mode", "tls_allow_invalid_certificates", "tls_insecure"])]
    pub tls_allow_invalid_hostnames: bool,

    /// PyMongo's tlsAllowInvalidCertificates: encrypt, check no certificate (mode insecure)
    #[arg(long, conflicts_with_all = ["mode", "tls_insecure"])]
    pub tls_allow_invalid_certificates: bool,

    /// PyMongo's tlsInsecure: encrypt, check no certificate nor revocation (mode insecure)
    #[arg(long, conflicts_with = "mode")]
    pub tls_insecure: bool,

    /// MongoDB: after `hello` on the seed, check every member it lists, each against its own name
    #[arg(long)]
    pub all_members: bool,

    /// DNS server (IP:PORT) for mongodb+srv SRV and TXT lookups [default: the system resolver]
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<std::net::SocketAddr>,

    /// Trust this CA file (PEM) for verification, or `system` for the OS store
    #[arg(long, value_name = "PATH|system")]
    pub ca_file: Option<String>,

    /// Certificate revocation list (PEM or DER) to check the chain against; repeat for several
    #[arg(long, value_name = "PATH")]
    pub crl_file: Vec<PathBuf>,

    /// Download the CRLs the served certificates name and check the chain against them
    #[arg(long)]
    pub crl_fetch: bool,

    /// Ask the OCSP responder each certificate names: about the leaf, or every served certificate
    #[arg(long, value_enum, value_name = "WHICH", num_args = 0..=1, default_missing_value = "leaf")]
    pub ocsp: Option<OcspScope>,

    /// Warn when a served certificate expires within this many days
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 30,
        allow_negative_numbers = true
    )]
    pub warn_days: u32,

    /// Fail, under every mode, when a served certificate expires within this many days [default: 0: fail only when expired, and only under modes that check the certificate]
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub fail_days: Option<u32>,

    /// Turn warnings into failures (exit 1)
    #[arg(long)]
    pub strict: bool,

    /// Send this server name (SNI) and verify the certificate against it
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,

    /// Send no server name indication
    #[arg(long)]
    pub no_sni: bool,

    /// Lowest TLS version to offer
    #[arg(long, value_enum, value_name = "VERSION")]
    pub tls_min: Option<TlsVersion>,

    /// Highest TLS version to offer
    #[arg(long, value_enum, value_name = "VERSION")]
    pub tls_max: Option<TlsVersion>,

    /// PostgreSQL TLS negotiation: SSLRequest first (postgres) or TLS from the first byte (direct, PostgreSQL 17+)
    #[arg(long, value_enum, value_name = "HOW")]
    pub pg_negotiation: Option<PgNegotiation>,

    /// Seconds allowed for each phase (DNS, connect, upgrade, handshake)
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<f64>,

    /// Judge the served chain as of this time rather than now (expiry, validity, OCSP and CRL freshness): an RFC 3339 instant or a date (midnight UTC)
    #[arg(long, value_name = "RFC3339|DATE", value_parser = crate::request::parse_instant)]
    pub at: Option<i64>,

    /// Present this client certificate (mutual TLS): PEM (with its chain, and the key too for a combined file), DER, or PKCS#12 (.p12/.pfx)
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,

    /// The client certificate's private key: PKCS#8 (encrypted or not), PKCS#1 or SEC1, PEM or DER
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// Read the key's (or PKCS#12 file's) password from the first line of FILE [else sslpassword / tlsCertificateKeyFilePassword in the connection string, else TLSCHECK_KEY_PASSWORD, else a prompt when stdin is a terminal]
    #[arg(long, value_name = "FILE")]
    pub key_password_file: Option<PathBuf>,

    /// After TLS, send the protocol's login opening as NAME, without a password (PostgreSQL StartupMessage, MySQL HandshakeResponse), and report the server's answer. Writes to the server's log
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Write the chain the server sent (leaf first) to FILE as PEM
    #[arg(long, value_name = "FILE")]
    pub save_chain: Option<PathBuf>,

    /// Write the one root certificate that anchors the chain to FILE as PEM (for clients that take a single certificate)
    #[arg(long, value_name = "FILE")]
    pub save_root: Option<PathBuf>,

    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,

    /// Colour in the human report (NO_COLOR is honoured; never colour when not a terminal)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// The output forms of a run over several targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Jsonl,
    Junit,
    Github,
    Markdown,
}

impl ConnectArgs {
    /// Whether this is today's one-target run: one TARGET, no file of
    /// targets, no inventory, no machine format but `--json`.
    pub fn single(&self) -> bool {
        self.target.len() == 1
            && self.targets.is_none()
            && self.config.is_none()
            && self.output.is_none()
            && matches!(self.format, None | Some(OutputFormat::Human))
    }

    /// What these arguments ask for, as a plain request (for the first TARGET).
    pub fn request(&self) -> Request {
        self.request_for(self.target.first().cloned().unwrap_or_default())
    }

    /// The request for `target`, every option from these arguments.
    pub fn request_for(&self, target: String) -> Request {
        Request {
            target,
            protocol: self.protocol,
            client: self.client.clone(),
            mode: self.mode,
            tls_allow_invalid_hostnames: self.tls_allow_invalid_hostnames,
            tls_allow_invalid_certificates: self.tls_allow_invalid_certificates,
            tls_insecure: self.tls_insecure,
            all_members: self.all_members,
            dns_server: self.dns_server,
            ca_file: self.ca_file.clone(),
            crl_file: self.crl_file.clone(),
            crl_fetch: self.crl_fetch,
            ocsp: self.ocsp,
            warn_days: self.warn_days,
            fail_days: self.fail_days,
            strict: self.strict,
            sni: self.sni.clone(),
            no_sni: self.no_sni,
            tls_min: self.tls_min,
            tls_max: self.tls_max,
            pg_negotiation: self.pg_negotiation,
            timeout: self.timeout,
            cert: self.cert.clone(),
            key: self.key.clone(),
            key_password_file: self.key_password_file.clone(),
            user: self.user.clone(),
            at: self.at,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to scan: host:port, tls://host:port, or a postgres:// / mysql:// / mongodb:// connection string
    pub target: String,

    /// Wire protocol spoken before TLS [default: auto: from the URI scheme, else the port]
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<ProtocolChoice>,

    /// PostgreSQL TLS negotiation: SSLRequest first (postgres) or TLS from the first byte (direct, PostgreSQL 17+)
    #[arg(long, value_enum, value_name = "HOW")]
    pub pg_negotiation: Option<PgNegotiation>,

    /// Send this server name (SNI) in the probes
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,

    /// Send no server name indication
    #[arg(long)]
    pub no_sni: bool,

    /// Seconds allowed for each phase of each probe (connect, upgrade, answer)
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<f64>,

    /// Most probe connections open at once (each probe is one connection; MySQL counts
    /// the aborted ones toward max_connect_errors)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Fail (exit 1) also when the server accepts versions or suites current clients refuse, or on any warning
    #[arg(long)]
    pub strict: bool,

    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,

    /// Colour in the human output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

impl ScanArgs {
    /// The request that describes the same endpoint, every other option at
    /// its default, so that the target is resolved by the same code.
    pub fn request(&self) -> Request {
        Request {
            protocol: self.protocol,
            pg_negotiation: self.pg_negotiation,
            sni: self.sni.clone(),
            no_sni: self.no_sni,
            timeout: self.timeout,
            ..Request::new(self.target.clone())
        }
    }
}

#[derive(Debug, Args)]
pub struct RootsArgs {
    /// Search the roots by subject (any part, any case) or fingerprint (SHA-256, SHA-1 or SPKI SHA-256, hex, colons optional)
    #[arg(long, value_name = "TEXT")]
    pub find: Option<String>,

    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,

    /// Colour in the human output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Debug, Args)]
pub struct CertArgs {
    /// Files to inspect: PEM (certificates, CRLs, private keys, in any mix), DER certificates or CRLs, PKCS#12 (.p12/.pfx).
    /// With --host: the leaf first, then its intermediates, as a server would send them
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Judge the chain for this host name or IP address as `connect` would judge it served: every mode, every trust source, every client's rules
    #[arg(long, value_name = "NAME|IP")]
    pub host: Option<String>,

    /// Judge as of this time rather than now: an RFC 3339 instant or a date (midnight UTC)
    #[arg(long, value_name = "RFC3339|DATE", value_parser = crate::request::parse_instant)]
    pub at: Option<i64>,

    /// Verify the chain against this root file (PEM) instead of the OS store; `system`: the OS store
    #[arg(long, value_name = "PATH|system")]
    pub ca_file: Option<String>,

    /// With --host: certificate revocation list (PEM or DER) to check the chain against; repeat for several
    #[arg(long, value_name = "PATH", requires = "host")]
    pub crl_file: Vec<PathBuf>,

    /// With --host: the client whose rules decide the exit code (`tlscheck clients` lists them) [default: tlscheck's own rules]
    #[arg(long, value_name = "NAME", requires = "host")]
    pub client: Option<String>,

    /// With --host: the client mode to judge under [default: verify-full]
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        ignore_case = true,
        requires = "host"
    )]
    pub mode: Option<Mode>,

    /// Read the PKCS#12 or encrypted-key password from the first line of FILE (else TLSCHECK_KEY_PASSWORD, else an empty password)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Warn about certificates that expire within this many days
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 30,
        allow_negative_numbers = true
    )]
    pub warn_days: u32,

    /// Fail (exit 1) for certificates that expire within this many days (0: only expired ones)
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub fail_days: u32,

    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,

    /// Colour in the human output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

impl CertArgs {
    /// The request `cert --host` judges under: the host as the target (a
    /// TLS endpoint; no port is dialled), with this command's options.
    pub fn request(&self, host: &str) -> Request {
        let target = match host.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{host}]:443"),
            Err(_) => format!("{host}:443"),
        };
        Request {
            client: self.client.clone(),
            mode: self.mode,
            ca_file: self.ca_file.clone(),
            crl_file: self.crl_file.clone(),
            warn_days: self.warn_days,
            fail_days: (self.fail_days > 0).then_some(self.fail_days),
            at: self.at,
            ..Request::new(target)
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the reports as JSON (one per line)
    #[arg(long)]
    pub json: bool,

    /// Colour in the human reports
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// The clap command, for generating the man page and completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
