//! Real peers with restricted TLS, for `tlscheck scan`: `openssl s_server`
//! with chosen protocol versions, cipher suites, TLS 1.3 groups, server
//! order and a second certificate for one SNI name ([`SServerOptions`]);
//! PostgreSQL ([`postgres`]) and MariaDB ([`mariadb`]) that accept only
//! the versions and cipher suites given, legacy ones included.
//!
//! What each configuration accepts is OpenSSL's answer, not an assumption:
//! [`openssl_cipher_ids`] asks `openssl ciphers` which suites a cipher
//! string names, and every configuration the tests use was checked by hand
//! with `openssl s_client` (one suite at a time).
//!
//! The server certificate must be RSA ([`super::pki::Ca::leaf_rsa`]) for
//! anything but TLS 1.3 and the `ECDHE-ECDSA-…` suites.
#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mariadb::{MariaOptions, MariaServer};
use super::pki::Issued;
use super::postgres::{PgOptions, PgServer};

const START_ATTEMPTS: usize = 5;
const READY_WITHIN: Duration = Duration::from_secs(10);

/// How to run `openssl s_server`.
#[derive(Clone, Debug)]
pub struct SServerOptions {
    /// `-cert`: the certificate served without SNI, or for any other name.
    pub cert_pem: String,
    /// `-key`.
    pub key_pem: String,
    /// Version flags as s_server spells them: `-tls1_2`, `-no_tls1_3`,
    /// `-min_protocol TLSv1 -max_protocol TLSv1.1` (one element each).
    pub protocol_args: Vec<String>,
    /// `-cipher` (TLS 1.2 and below); add `:@SECLEVEL=0` for legacy suites.
    pub cipher: Option<String>,
    /// `-ciphersuites` (TLS 1.3).
    pub ciphersuites: Option<String>,
    /// `-groups`, e.g. `X25519:P-384`.
    pub groups: Option<String>,
    /// `-serverpref`: the server's cipher order wins over the client's.
    pub server_pref: bool,
    /// `-servername NAME -cert2 -key2`: a different certificate (and key)
    /// for clients that send this SNI name.
    pub sni_cert: Option<(String, Issued)>,
    /// The loopback address to listen on: `127.0.0.1` or `::1`.
    pub host: String,
}

impl SServerOptions {
    /// OpenSSL's defaults (TLS 1.2 and 1.3 at Debian's security level),
    /// serving `leaf`.
    pub fn new(leaf: &Issued) -> SServerOptions {
        SServerOptions {
            cert_pem: leaf.cert_pem.clone(),
            key_pem: leaf.key_pem.clone(),
            protocol_args: Vec::new(),
            cipher: None,
            ciphersuites: None,
            groups: None,
            server_pref: false,
            sni_cert: None,
            host: "127.0.0.1".to_string(),
        }
    }

    pub fn protocols(mut self, args: &[&str]) -> SServerOptions {
        self.protocol_args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    pub fn cipher(mut self, list: &str) -> SServerOptions {
        self.cipher = Some(list.to_string());
        self
    }

    pub fn ciphersuites(mut self, list: &str) -> SServerOptions {
        self.ciphersuites = Some(list.to_string());
        self
    }

    pub fn groups(mut self, list: &str) -> SServerOptions {
        self.groups = Some(list.to_string());
        self
    }

    pub fn server_pref(mut self) -> SServerOptions {
        self.server_pref = true;
        self
    }

    /// Serve `leaf` to clients whose SNI is `name`, the main certificate
    /// to everyone else (including clients that send no SNI).
    pub fn cert_for_name(mut self, name: &str, leaf: &Issued) -> SServerOptions {
        self.sni_cert = Some((name.to_string(), leaf.clone()));
        self
    }

    /// Listen on `::1` instead of `127.0.0.1`.
    pub fn ipv6(mut self) -> SServerOptions {
        self.host = "::1".to_string();
        self
    }

    pub fn start(self) -> SServer {
        SServer::start(self)
    }
}

/// A running `openssl s_server` on loopback; killed on drop.
pub struct SServer {
    pub port: u16,
    /// `127.0.0.1` or `::1`.
    pub host: String,
    /// The whole s_server command line, for assertion messages.
    pub command: String,
    child: Child,
    log_path: PathBuf,
    // Dropped last, after `Drop::drop` has killed the server.
    _dir: tempfile::TempDir,
}

fn free_port(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("bind {host} port 0: {e}"))
        .port()
}

/// `host:port`, with brackets for IPv6.
fn join(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl SServer {
    fn start(opts: SServerOptions) -> SServer {
        let dir = tempfile::Builder::new()
            .prefix("tlscheck-s_server-")
            .tempdir()
            .expect("create temp dir for s_server");
        let write = |name: &str, text: &str| -> String {
            let path = dir.path().join(name);
            fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            path.display().to_string()
        };
        // An empty configuration: OpenSSL's built-in defaults, whatever the
        // system openssl.cnf says (some distributions raise MinProtocol or
        // the security level there).
        let conf = write("openssl.cnf", "# tlscheck tests: OpenSSL defaults\n");
        let mut args: Vec<String> = vec![
            "-cert".into(),
            write("cert.pem", &opts.cert_pem),
            "-key".into(),
            write("key.pem", &opts.key_pem),
        ];
        args.extend(opts.protocol_args.iter().cloned());
        if let Some(list) = &opts.cipher {
            args.extend(["-cipher".into(), list.clone()]);
        }
        if let Some(list) = &opts.ciphersuites {
            args.extend(["-ciphersuites".into(), list.clone()]);
        }
        if let Some(list) = &opts.groups {
            args.extend(["-groups".into(), list.clone()]);
        }
        if opts.server_pref {
            args.push("-serverpref".into());
        }
        if let Some((name, leaf)) = &opts.sni_cert {
            args.extend([
                "-servername".into(),
                name.clone(),
                "-cert2".into(),
                write("cert2.pem", &leaf.cert_pem),
                "-key2".into(),
                write("key2.pem", &leaf.key_pem),
            ]);
        }
        args.push("-quiet".into());
        let log_path = dir.path().join("s_server.log");

        let mut last_failure = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port(&opts.host);
            let accept = join(&opts.host, port);
            let log = fs::File::create(&log_path)
                .unwrap_or_else(|e| panic!("create {}: {e}", log_path.display()));
            let command = format!("openssl s_server -accept {accept} {}", args.join(" "));
            let mut child = Command::new("openssl")
                .args(["s_server", "-accept", &accept])
                .args(&args)
                .env("OPENSSL_CONF", &conf)
                .current_dir(dir.path())
                // stdin stays open (s_server would otherwise read its EOF).
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("openssl is needed (apt-get install -y openssl): {e}"));
            match wait_ready(&mut child, &opts.host, port) {
                Ok(()) => {
                    return SServer {
                        port,
                        host: opts.host.clone(),
                        command,
                        child,
                        log_path,
                        _dir: dir,
                    }
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    last_failure = format!(
                        "{command} (attempt {attempt}/{START_ATTEMPTS}): {why}\n--- s_server's stderr ---\n{log}"
                    );
                    if !log.contains("in use") {
                        break;
                    }
                }
            }
        }
        panic!("could not start s_server: {last_failure}");
    }

    /// What s_server wrote to stderr so far.
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// `127.0.0.1:port` or `[::1]:port`.
    pub fn addr(&self) -> String {
        join(&self.host, self.port)
    }
}

/// Poll `port` until it accepts, or s_server exits, or time runs out.
/// (The probing connection is one s_server serves and forgets.)
fn wait_ready(child: &mut Child, host: &str, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("s_server exited ({status})"));
        }
        if TcpStream::connect((host, port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("not listening within {READY_WITHIN:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL server with TLS from `leaf`, accepting only
/// `ssl_min_protocol_version` … `ssl_max_protocol_version` (`TLSv1`,
/// `TLSv1.1`, `TLSv1.2`, `TLSv1.3`) and, when given, only the cipher suites
/// of `ssl_ciphers` (TLS 1.2 and below; `:@SECLEVEL=0` for legacy ones).
/// PostgreSQL's default `ssl_prefer_server_ciphers = on` stays: the
/// server's order wins.
pub fn postgres(leaf: &Issued, min: &str, max: &str, ciphers: Option<&str>) -> PgServer {
    let mut opts = PgOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone());
    opts.extra_conf = vec![
        format!("ssl_min_protocol_version = '{min}'"),
        format!("ssl_max_protocol_version = '{max}'"),
    ];
    if let Some(list) = ciphers {
        opts.extra_conf.push(format!("ssl_ciphers = '{list}'"));
    }
    PgServer::start(opts)
}

/// A MariaDB server with TLS from `leaf`, `--tls-version=VERSIONS` (MariaDB's spelling,
/// e.g. `TLSv1.0,TLSv1.1`) and, when given, `--ssl-cipher=LIST`. Every probe is an
/// aborted connection, so `--max-connect-errors` is raised far past what a
/// scan makes (the default, 100, blocks the host).
pub fn mariadb(leaf: &Issued, versions: &str, cipher: Option<&str>) -> MariaServer {
    let mut opts = MariaOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone())
        .arg(&format!("--tls-version={versions}"))
        .arg("--max-connect-errors=1000000");
    if let Some(list) = cipher {
        opts = opts.arg(&format!("--ssl-cipher={list}"));
    }
    MariaServer::start(opts)
}

/// The IANA code points (`0xC02F`) of the suites `openssl ciphers -V -s
/// VERSION_FLAG LIST` names, in OpenSSL's order (the server's preference
/// order for that cipher string). `version_flag` is `-tls1`, `-tls1_1`,
/// `-tls1_2` or `-tls1_3`; for `-tls1_3`, `list` is a `-ciphersuites` list.
/// TLS 1.3 suites are left out of the lower versions' answers.
pub fn openssl_cipher_ids(version_flag: &str, list: &str) -> Vec<String> {
    let mut cmd = Command::new("openssl");
    cmd.args(["ciphers", "-V", "-s", version_flag]);
    if version_flag == "-tls1_3" {
        cmd.args(["-ciphersuites", list, "ALL"]);
    } else {
        cmd.args(["-ciphersuites", "", list]);
    }
    let out = cmd
        .env("OPENSSL_CONF", "/dev/null")
        .output()
        .expect("openssl is needed: apt-get install -y openssl");
    assert!(
        out.status.success(),
        "openssl ciphers {version_flag} {list:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_ciphers_v(&String::from_utf8_lossy(&out.stdout))
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// `openssl ciphers -V` lines (`0xC0,0x2F - NAME  VERSION Kx=… Au=…`) as
/// (`0xC02F`, the rest of the line).
pub fn parse_ciphers_v(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let (code, rest) = line.split_once(" - ")?;
            let (hi, lo) = code.split_once(',')?;
            let hex = |b: &str| b.trim().strip_prefix("0x").map(str::to_uppercase);
            Some((format!("0x{}{}", hex(hi)?, hex(lo)?), rest.to_string()))
        })
        .collect()
}

/// TLS 1.3 suites by OpenSSL name, with their code points.
pub const TLS13_SUITES: [(&str, &str); 5] = [
    ("TLS_AES_128_GCM_SHA256", "0x1301"),
    ("TLS_AES_256_GCM_SHA384", "0x1302"),
    ("TLS_CHACHA20_POLY1305_SHA256", "0x1303"),
    ("TLS_AES_128_CCM_SHA256", "0x1304"),
    ("TLS_AES_128_CCM_8_SHA256", "0x1305"),
];

/// Key-exchange groups by OpenSSL name, with their code points.
pub const GROUPS: [(&str, &str); 10] = [
    ("P-256", "0x0017"),
    ("P-384", "0x0018"),
    ("P-521", "0x0019"),
    ("X25519", "0x001D"),
    ("X448", "0x001E"),
    ("ffdhe2048", "0x0100"),
    ("ffdhe3072", "0x0101"),
    ("ffdhe4096", "0x0102"),
    ("ffdhe6144", "0x0103"),
    ("ffdhe8192", "0x0104"),
];

/// What `openssl s_client` says a peer accepts: per version flag the IDs
/// of the suites, and the TLS 1.3 groups.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepts {
    /// `-tls1`, `-tls1_1`, `-tls1_2`, `-tls1_3` with the suites each took,
    /// in that order; versions that took none are left out.
    pub ciphers: Vec<(String, std::collections::BTreeSet<String>)>,
    /// TLS 1.3 groups (empty without TLS 1.3).
    pub groups: std::collections::BTreeSet<String>,
}

/// Ask `openssl s_client` (the system's OpenSSL, security level 0 on the
/// client side) which versions, suites and TLS 1.3 groups the peer at
/// `addr` (`127.0.0.1:port`, `[::1]:port`) accepts: one connection per suite of `openssl ciphers
/// 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` per version, per TLS 1.3 suite, and
/// per group. `starttls` is s_client's `-starttls` (`postgres`, `mysql`).
/// SSLv3 is not asked: this OpenSSL has none.
pub fn s_client_accepts(addr: &str, starttls: Option<&str>) -> Accepts {
    let mut ciphers = Vec::new();
    for flag in ["-tls1", "-tls1_1", "-tls1_2"] {
        let names = Command::new("openssl")
            .args(["ciphers", "-V", "-s", flag, "-ciphersuites", ""])
            .arg("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
            .env("OPENSSL_CONF", "/dev/null")
            .output()
            .expect("openssl ciphers");
        let all: Vec<(String, String)> = parse_ciphers_v(&String::from_utf8_lossy(&names.stdout))
            .into_iter()
            .map(|(id, rest)| (id, rest.split_whitespace().next().unwrap_or("").to_string()))
            .collect();
        let took = probe_all(&all, |name| {
            s_client_ok(
                addr,
                starttls,
                &[flag, "-cipher", &format!("{name}:@SECLEVEL=0")],
                name,
            )
        });
        if !took.is_empty() {
            ciphers.push((flag.to_string(), took));
        }
    }
    let named = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(name, id)| (id.to_string(), name.to_string()))
            .collect()
    };
    let took = probe_all(&named(&TLS13_SUITES), |name| {
        s_client_ok(addr, starttls, &["-tls1_3", "-ciphersuites", name], name)
    });
    let mut groups = std::collections::BTreeSet::new();
    if !took.is_empty() {
        ciphers.push(("-tls1_3".to_string(), took));
        groups = probe_all(&named(&GROUPS), |name| {
            s_client_ok(addr, starttls, &["-tls1_3", "-groups", name], "TLS_")
        });
    }
    Accepts { ciphers, groups }
}

/// Run `ok(name)` for each (id, name), eight at a time; the ids it accepts.
fn probe_all(
    all: &[(String, String)],
    ok: impl Fn(&str) -> bool + Sync,
) -> std::collections::BTreeSet<String> {
    let mut took = std::collections::BTreeSet::new();
    for chunk in all.chunks(8) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(id, name)| {
                    let ok = &ok;
                    scope.spawn(move || ok(name).then(|| id.clone()))
                })
                .collect();
            for h in handles {
                if let Some(id) = h.join().expect("s_client thread") {
                    took.insert(id);
                }
            }
        });
    }
    took
}

/// One `openssl s_client` handshake: whether it finished with a cipher
/// whose name starts with `cipher_prefix`.
fn s_client_ok(addr: &str, starttls: Option<&str>, args: &[&str], cipher_prefix: &str) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", addr]);
    if let Some(proto) = starttls {
        cmd.args(["-starttls", proto]);
    }
    let out = cmd
        .args(args)
        .env("OPENSSL_CONF", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().any(|l| {
        l.split_once(", Cipher is ")
            .is_some_and(|(_, c)| c.trim().starts_with(cipher_prefix))
    })
}
