//! Start a real, throw-away MariaDB server (Debian's `mariadb-install-db` +
//! `mariadbd`) on an ephemeral loopback port, optionally with TLS. Safe to
//! use from several test threads at once: every server has its own
//! directory, socket and port.
//!
//! mariadbd refuses to run as root unless told `--user=root`; the tests pass
//! that when they run as root, so no file needs another owner. No account is
//! created and no check ever logs in.
#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const START_ATTEMPTS: usize = 5;
const READY_WITHIN: Duration = Duration::from_secs(60);

/// How to configure the server.
#[derive(Clone, Debug, Default)]
pub struct MariaOptions {
    /// `--ssl-cert`: leaf first, then intermediates. No certificate means
    /// no TLS: MariaDB 10.11 generates none of its own.
    pub cert_chain_pem: Option<String>,
    /// `--ssl-key`.
    pub key_pem: Option<String>,
    /// `--ssl-ca` (the CAs client certificates may come from).
    pub ca_pem: Option<String>,
    /// Extra server options, e.g. `--tls-version=TLSv1.3`.
    pub extra_args: Vec<String>,
    /// Extra environment for `mariadbd` (e.g. `OPENSSL_CONF`).
    pub env: Vec<(String, String)>,
}

impl MariaOptions {
    /// TLS with the given certificate chain (leaf first) and key.
    pub fn tls(cert_chain_pem: impl Into<String>, key_pem: impl Into<String>) -> MariaOptions {
        MariaOptions {
            cert_chain_pem: Some(cert_chain_pem.into()),
            key_pem: Some(key_pem.into()),
            ..MariaOptions::default()
        }
    }

    /// No TLS options at all.
    pub fn plain() -> MariaOptions {
        MariaOptions::default()
    }

    pub fn arg(mut self, a: &str) -> MariaOptions {
        self.extra_args.push(a.to_string());
        self
    }
}

/// The server binaries.
#[derive(Clone, Debug)]
pub struct MariaBin {
    pub mariadbd: PathBuf,
    pub install_db: PathBuf,
}

/// `mariadbd` and `mariadb-install-db`: from `$MARIADB_BIN` (a directory
/// holding both) if set, else the Debian locations or `PATH`. Panics with
/// installation advice when they are missing: a missing server must fail
/// the tests, never skip them.
pub fn mariadb_bin() -> MariaBin {
    static BIN: OnceLock<Result<MariaBin, String>> = OnceLock::new();
    let found = BIN.get_or_init(|| {
        let find = |name: &str, dirs: &[PathBuf]| -> Option<PathBuf> {
            dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
        };
        let dirs: Vec<PathBuf> = match std::env::var_os("MARIADB_BIN").filter(|d| !d.is_empty()) {
            Some(d) => vec![PathBuf::from(d)],
            None => {
                let mut d = vec![PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")];
                if let Some(path) = std::env::var_os("PATH") {
                    d.extend(std::env::split_paths(&path));
                }
                d
            }
        };
        match (find("mariadbd", &dirs), find("mariadb-install-db", &dirs)) {
            (Some(mariadbd), Some(install_db)) => Ok(MariaBin {
                mariadbd,
                install_db,
            }),
            (d, i) => Err(format!(
                "MariaDB server binaries not found ({}{}): install them with \
                 `apt-get install -y mariadb-server mariadb-client` (Debian/Ubuntu), \
                 or set MARIADB_BIN to a directory holding mariadbd and mariadb-install-db",
                if d.is_none() { "no mariadbd " } else { "" },
                if i.is_none() {
                    "no mariadb-install-db"
                } else {
                    ""
                },
            )),
        }
    });
    match found {
        Ok(b) => b.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// The `mariadb` command-line client, with an install hint when missing.
pub fn mariadb_client() -> Command {
    let path = ["/usr/bin/mariadb", "/usr/local/bin/mariadb"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("the `mariadb` client is missing: apt-get install -y mariadb-client")
        });
    let mut cmd = Command::new(path);
    // --no-defaults must come first: no ~/.my.cnf or /etc/mysql/*.cnf.
    cmd.arg("--no-defaults")
        .env("HOME", super::empty_home())
        .env("LC_ALL", "C")
        .env_remove("MYSQL_HOST")
        .env_remove("MYSQL_TCP_PORT")
        .env_remove("MYSQL_PWD");
    cmd
}

/// A running MariaDB server; stopped (SIGTERM, then SIGKILL) and deleted on drop.
pub struct MariaServer {
    pub port: u16,
    /// Always `127.0.0.1`.
    pub host: String,
    pub data_dir: PathBuf,
    pub log_path: PathBuf,
    child: Option<Child>,
    // Dropped last, after `Drop::drop` has stopped the server.
    _dir: tempfile::TempDir,
}

fn effective_uid() -> u32 {
    let file = tempfile::NamedTempFile::new().expect("create temp file");
    file.as_file().metadata().expect("stat temp file").uid()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl MariaServer {
    /// Install a fresh data directory, start `mariadbd` with `opts`, and wait
    /// until it greets on its port. Panics with the log's tail on failure.
    pub fn start(opts: MariaOptions) -> MariaServer {
        let bin = mariadb_bin();
        let dir = tempfile::Builder::new()
            .prefix("tlscheck-mariadb-")
            .tempdir()
            .expect("create temp dir for MariaDB");
        let mut server = MariaServer {
            port: 0,
            host: "127.0.0.1".to_string(),
            data_dir: dir.path().join("data"),
            log_path: dir.path().join("error.log"),
            child: None,
            _dir: dir,
        };
        server.install(&bin);
        let tls_args = server.write_tls_files(&opts);

        let mut last_failure = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            server.port = port;
            let _ = fs::remove_file(&server.log_path);
            let mut cmd = Command::new(&bin.mariadbd);
            cmd.arg("--no-defaults");
            if effective_uid() == 0 {
                cmd.arg("--user=root");
            }
            cmd.arg(format!("--datadir={}", server.data_dir.display()))
                .arg(format!("--tmpdir={}", server.tmp_dir().display()))
                .arg(format!(
                    "--socket={}",
                    server.dir().join("mysqld.sock").display()
                ))
                .arg(format!(
                    "--pid-file={}",
                    server.dir().join("mysqld.pid").display()
                ))
                .arg(format!("--log-error={}", server.log_path.display()))
                .arg(format!("--port={port}"))
                .args([
                    "--bind-address=127.0.0.1",
                    "--skip-networking=0",
                    "--skip-name-resolve",
                    "--innodb-buffer-pool-size=16M",
                    "--innodb-log-file-size=4M",
                    "--skip-log-bin",
                ])
                .args(&tls_args)
                .args(&opts.extra_args)
                .current_dir(server.dir())
                .env("LC_ALL", "C")
                .envs(opts.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("could not run {}: {e}", bin.mariadbd.display()));
            server.child = Some(child);
            match server.wait_ready() {
                Ok(()) => return server,
                Err(why) => {
                    server.stop();
                    let log = server.log();
                    last_failure = format!(
                        "mariadbd did not come up (attempt {attempt}/{START_ATTEMPTS}, port {port}): {why}\n--- tail of {} ---\n{}",
                        server.log_path.display(),
                        tail(&log, 40)
                    );
                    let port_taken = log.contains("Bind on TCP/IP port") || log.contains("in use");
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        panic!("could not start MariaDB: {last_failure}");
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// Its own temporary directory: bootstraps running at once in the shared
    /// /tmp collide on temporary-table names ("Unknown table 'mysql.tmp_user_sys'").
    fn tmp_dir(&self) -> PathBuf {
        let t = self.dir().join("tmp");
        fs::create_dir_all(&t).unwrap_or_else(|e| panic!("create {}: {e}", t.display()));
        t
    }

    /// Contents of the error log (empty if not yet created).
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn install(&self, bin: &MariaBin) {
        let mut cmd = Command::new(&bin.install_db);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", self.data_dir.display()))
            .arg(format!("--tmpdir={}", self.tmp_dir().display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--innodb-log-file-size=4M",
            ]);
        if effective_uid() == 0 {
            cmd.arg("--user=root");
        }
        let out = cmd
            .current_dir(self.dir())
            .env("LC_ALL", "C")
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", bin.install_db.display()));
        assert!(
            out.status.success(),
            "mariadb-install-db failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write_tls_files(&self, opts: &MariaOptions) -> Vec<String> {
        let mut args = Vec::new();
        for (pem, name, option, mode) in [
            (&opts.cert_chain_pem, "server-cert.pem", "--ssl-cert", 0o644),
            (&opts.key_pem, "server-key.pem", "--ssl-key", 0o600),
            (&opts.ca_pem, "ca.pem", "--ssl-ca", 0o644),
        ] {
            if let Some(pem) = pem {
                let path = self.dir().join(name);
                fs::write(&path, pem).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
                fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                    .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
                args.push(format!("{option}={}", path.display()));
            }
        }
        args
    }

    /// Run SQL as `root` over the unix socket (`mariadb -e`).
    pub fn admin_sql(&self, sql: &str) {
        let out = mariadb_client()
            .arg(format!(
                "--socket={}",
                self.dir().join("mysqld.sock").display()
            ))
            .args(["-uroot", "-e", sql])
            .output()
            .expect("run mariadb");
        assert!(
            out.status.success(),
            "mariadb -e {sql:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Rewrite the certificate and key given at start (`MariaOptions::tls`)
    /// and `FLUSH SSL` (MariaDB 10.4+): new connections get the new files.
    pub fn replace_tls(&self, cert_chain_pem: &str, key_pem: &str) {
        for (name, pem) in [
            ("server-cert.pem", cert_chain_pem),
            ("server-key.pem", key_pem),
        ] {
            let path = self.dir().join(name);
            fs::write(&path, pem).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        self.admin_sql("FLUSH SSL");
    }

    /// Poll the port until a greeting arrives, the process dies, or time runs out.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        let addr = format!("127.0.0.1:{}", self.port);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("mariadbd exited ({status})"));
                }
            }
            if let Ok(mut s) = TcpStream::connect(&addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = [0u8; 5];
                if s.read_exact(&mut head).is_ok() && head[3] == 0 && head[4] == 0x0a {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("no greeting within {READY_WITHIN:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for MariaServer {
    fn drop(&mut self) {
        self.stop();
    }
}
