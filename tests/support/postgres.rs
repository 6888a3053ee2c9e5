//! Start a real, throw-away PostgreSQL server (initdb + pg_ctl) on an
//! ephemeral loopback port, optionally with TLS. Safe to use from several
//! test threads at once: every server has its own directory and port.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the
//! server binaries run as the `postgres` OS user via `runuser`, and the
//! server's directory, key and log are owned by that user.
#![allow(dead_code)]

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// OS user the server runs as when the tests run as root.
const PG_OS_USER: &str = "postgres";
const START_ATTEMPTS: usize = 5;

/// How to configure the server.
#[derive(Clone, Debug, Default)]
pub struct PgOptions {
    /// `ssl=on` (requires `cert_chain_pem` and `key_pem`) or `ssl=off`.
    pub ssl: bool,
    /// Written to `server.crt` (`ssl_cert_file`): leaf first, then intermediates.
    pub cert_chain_pem: Option<String>,
    /// Written to `server.key` (`ssl_key_file`), mode 0600.
    pub key_pem: Option<String>,
    /// Written to `root.crt` and set as `ssl_ca_file` when given.
    pub ca_pem: Option<String>,
    /// Extra `postgresql.conf` lines, appended last.
    pub extra_conf: Vec<String>,
    /// When not empty, pg_hba.conf is replaced by these lines (plus `local
    /// all all trust`, so the harness can still reach the server).
    pub hba: Vec<String>,
    /// Extra environment for the server process (e.g. `OPENSSL_CONF`).
    pub env: Vec<(String, String)>,
}

impl PgOptions {
    /// `ssl=on` with the given certificate chain (leaf first) and key.
    pub fn tls(cert_chain_pem: impl Into<String>, key_pem: impl Into<String>) -> PgOptions {
        PgOptions {
            ssl: true,
            cert_chain_pem: Some(cert_chain_pem.into()),
            key_pem: Some(key_pem.into()),
            ..PgOptions::default()
        }
    }

    /// `ssl=off`.
    pub fn plain() -> PgOptions {
        PgOptions::default()
    }
}

/// A running PostgreSQL server; stopped (`-m immediate`) and deleted on drop.
pub struct PgServer {
    pub port: u16,
    /// Always `127.0.0.1`.
    pub host: String,
    pub data_dir: PathBuf,
    pub log_path: PathBuf,
    bin: PathBuf,
    run_as: Option<OsUser>,
    // Dropped last (fields drop in declaration order), after `Drop::drop`
    // has stopped the server.
    _dir: tempfile::TempDir,
}

#[derive(Clone, Debug)]
struct OsUser {
    name: String,
    uid: u32,
    gid: u32,
}

/// Directory holding `initdb` and `pg_ctl`: `$PG_BIN` if set, else the
/// highest-numbered `/usr/lib/postgresql/*/bin` containing `initdb`.
/// Panics with installation advice when none is found.
pub fn pg_bin_dir() -> PathBuf {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = BIN.get_or_init(|| {
        if let Some(dir) = std::env::var_os("PG_BIN").filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            return dir.join("initdb").is_file().then_some(dir);
        }
        let mut best: Option<(u32, PathBuf)> = None;
        for entry in fs::read_dir("/usr/lib/postgresql").into_iter().flatten() {
            let Ok(entry) = entry else { continue };
            let Some(version) = entry
                .file_name()
                .to_str()
                .and_then(|v| v.split('.').next().and_then(|m| m.parse::<u32>().ok()))
            else {
                continue;
            };
            let bin = entry.path().join("bin");
            if bin.join("initdb").is_file() && best.as_ref().is_none_or(|(v, _)| version > *v) {
                best = Some((version, bin));
            }
        }
        best.map(|(_, bin)| bin)
    });
    match found {
        Some(dir) => dir.clone(),
        None => panic!(
            "PostgreSQL server binaries not found: install them with \
             `apt-get install -y postgresql` (Debian/Ubuntu) or set PG_BIN \
             (to a directory containing initdb and pg_ctl){}",
            match std::env::var_os("PG_BIN") {
                Some(v) if !v.is_empty() =>
                    format!("; PG_BIN={} has no initdb", PathBuf::from(v).display()),
                _ => String::new(),
            }
        ),
    }
}

/// The OS user to run the server binaries as, if we are root.
fn run_as() -> Option<OsUser> {
    static USER: OnceLock<Option<OsUser>> = OnceLock::new();
    USER.get_or_init(|| {
        if effective_uid() != 0 {
            return None;
        }
        let id = |flag: &str| -> u32 {
            let out = Command::new("id")
                .args([flag, PG_OS_USER])
                .output()
                .expect("run `id`");
            assert!(
                out.status.success(),
                "running as root, so PostgreSQL must run as the `{PG_OS_USER}` OS user, \
                 but `id {flag} {PG_OS_USER}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("numeric id")
        };
        Some(OsUser {
            name: PG_OS_USER.to_string(),
            uid: id("-u"),
            gid: id("-g"),
        })
    })
    .clone()
}

/// Effective uid, read as the owner of a freshly created file.
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

fn conf_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

impl PgServer {
    /// initdb a fresh cluster, configure it per `opts` and start it.
    /// Panics with a clear message (and the tail of the server log) on failure.
    pub fn start(opts: PgOptions) -> PgServer {
        let bin = pg_bin_dir();
        let run_as = run_as();
        let dir = tempfile::Builder::new()
            .prefix("tlscheck-pg-")
            .tempdir()
            .expect("create temp dir for PostgreSQL");
        let data_dir = dir.path().join("data");
        let log_path = dir.path().join("postgres.log");
        if let Some(user) = &run_as {
            chown(dir.path(), user);
        }

        let mut server = PgServer {
            port: 0,
            host: "127.0.0.1".to_string(),
            data_dir,
            log_path,
            bin,
            run_as,
            _dir: dir,
        };
        server.initdb();
        server.write_tls_files(&opts);
        if !opts.hba.is_empty() {
            let mut text = String::from("local all all trust\n");
            for line in &opts.hba {
                text.push_str(line);
                text.push('\n');
            }
            server.write_file("pg_hba.conf", &text, 0o600);
        }

        let mut last_failure = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            server.port = port;
            server.append_conf(&server.conf_lines(&opts, port));
            let out = server
                .pg_ctl(&["-l", &server.log_path.display().to_string()])
                .args(["-w", "-t", "30", "start"])
                .envs(opts.env.iter().map(|(k, v)| (k, v)))
                .output()
                .expect("run pg_ctl start");
            if out.status.success() {
                return server;
            }
            let log = server.log();
            last_failure = format!(
                "pg_ctl start failed (attempt {attempt}/{START_ATTEMPTS}, port {port}, {}):\n\
                 {}{}\n--- tail of {} ---\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                server.log_path.display(),
                tail(&log, 40)
            );
            let port_taken = log.contains("could not bind") || log.contains("already in use");
            if !port_taken {
                break;
            }
            // Make sure nothing is half-running before retrying.
            server.stop();
            let _ = fs::remove_file(&server.log_path);
        }
        // `server` is dropped here: stops anything left and removes the dir.
        panic!("could not start PostgreSQL: {last_failure}");
    }

    /// Contents of the server log (empty if not yet created).
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Unix socket directory (the data directory).
    pub fn socket_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `host=127.0.0.1 port=N user=postgres dbname=postgres`.
    pub fn conninfo(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname=postgres",
            self.host, self.port
        )
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// A server-binary command (e.g. `pg_ctl`), wrapped in `runuser` when
    /// running as root, with libpq variables removed.
    fn server_cmd(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", &user.name, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        super::clear_pg_env(&mut cmd);
        // The server user may not be able to read the test's cwd.
        cmd.current_dir(self._dir.path()).env("LC_ALL", "C");
        cmd
    }

    fn pg_ctl(&self, pre: &[&str]) -> Command {
        let mut cmd = self.server_cmd("pg_ctl");
        cmd.arg("-D").arg(&self.data_dir).args(pre);
        cmd
    }

    fn initdb(&self) {
        let out = self
            .server_cmd("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()
            .expect("run initdb");
        check(&out, "initdb");
    }

    fn write_tls_files(&self, opts: &PgOptions) {
        if opts.ssl && (opts.cert_chain_pem.is_none() || opts.key_pem.is_none()) {
            panic!("PgOptions {{ ssl: true }} needs cert_chain_pem and key_pem");
        }
        if let Some(pem) = &opts.cert_chain_pem {
            self.write_file("server.crt", pem, 0o644);
        }
        if let Some(pem) = &opts.key_pem {
            self.write_file("server.key", pem, 0o600);
        }
        if let Some(pem) = &opts.ca_pem {
            self.write_file("root.crt", pem, 0o644);
        }
    }

    /// Replace `server.crt` / `server.key` (written at start by
    /// [`PgOptions::tls`]) and `pg_ctl reload`: connections made once the
    /// postmaster has re-read its files get the new certificate. Returns
    /// when the signal is sent; the caller waits until the new certificate
    /// is served.
    pub fn replace_tls(&self, cert_chain_pem: &str, key_pem: &str) {
        self.write_file("server.crt", cert_chain_pem, 0o644);
        self.write_file("server.key", key_pem, 0o600);
        let out = self
            .pg_ctl(&[])
            .arg("reload")
            .output()
            .expect("run pg_ctl reload");
        check(&out, "pg_ctl reload");
    }

    /// Run SQL as the `postgres` superuser over the unix socket.
    pub fn admin_sql(&self, sql: &str) {
        let out = super::psql()
            .arg("-h")
            .arg(&self.data_dir)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("run psql");
        check(&out, &format!("psql -c {sql:?}"));
    }

    fn write_file(&self, name: &str, contents: &str, mode: u32) {
        let path = self.data_dir.join(name);
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
        if let Some(user) = &self.run_as {
            chown(&path, user);
        }
    }

    fn conf_lines(&self, opts: &PgOptions, port: u16) -> Vec<String> {
        let mut lines = vec![
            "listen_addresses = '127.0.0.1'".to_string(),
            format!("port = {port}"),
            format!("unix_socket_directories = {}", conf_quote(&self.data_dir)),
            format!("ssl = {}", if opts.ssl { "on" } else { "off" }),
            "fsync = off".to_string(),
        ];
        if opts.cert_chain_pem.is_some() {
            let p = self.data_dir.join("server.crt");
            lines.push(format!("ssl_cert_file = {}", conf_quote(&p)));
        }
        if opts.key_pem.is_some() {
            let p = self.data_dir.join("server.key");
            lines.push(format!("ssl_key_file = {}", conf_quote(&p)));
        }
        if opts.ca_pem.is_some() {
            let p = self.data_dir.join("root.crt");
            lines.push(format!("ssl_ca_file = {}", conf_quote(&p)));
        }
        lines.extend(opts.extra_conf.iter().cloned());
        lines
    }

    /// Append lines to postgresql.conf (later settings override earlier ones).
    fn append_conf(&self, lines: &[String]) {
        use std::io::Write;
        let path = self.data_dir.join("postgresql.conf");
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let mut text = String::from("\n# tlscheck test harness\n");
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        f.write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    fn stop(&self) {
        let _ = self
            .pg_ctl(&[])
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.data_dir.join("postmaster.pid").exists() {
            self.stop();
        }
        // `_dir` (TempDir) removes everything afterwards; root can delete
        // files owned by the server user.
    }
}

fn chown(path: &Path, user: &OsUser) {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .unwrap_or_else(|e| panic!("chown {} to {}: {e}", path.display(), user.name));
}

fn check(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
