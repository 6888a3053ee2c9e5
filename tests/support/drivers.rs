//! The real database drivers as oracles (`tests/drivers/README.md`): which
//! drivers the conformance suite covers ([`DRIVERS`]), how each language's
//! runner is started ([`LANGS`], [`Runner`]), and the private hosts file
//! every runner and every `tlscheck` run sees ([`Hosts`]).
//!
//! Names resolve through a hosts file of the suite's own, bind-mounted over
//! `/etc/hosts` in a private mount namespace (`unshare --mount`, or
//! `unshare --user --map-root-user --mount` when not root) around each
//! runner and each `tlscheck` run. Every driver resolves through
//! `/etc/hosts` (glibc's getaddrinfo for Node, Java, Python and Rust; Go's
//! own resolver reads the file too), so `pg1.db.test` reaches 127.0.0.1
//! without touching the machine's files or any DNS server, and `localhost`
//! is 127.0.0.1 only (no `::1` the servers do not listen on).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// The protocol a driver speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Postgres,
    Mysql,
    Mongo,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Postgres => "postgres",
            Proto::Mysql => "mysql",
            Proto::Mongo => "mongodb",
        }
    }
}

/// One driver the suite asks.
#[derive(Clone, Copy, Debug)]
pub struct Driver {
    /// The runner (a [`LANGS`] name) that drives it.
    pub lang: &'static str,
    /// The runner's name for it (the case's `driver`).
    pub name: &'static str,
    /// `tlscheck connect --client ID`: the profile that must decide as it does.
    pub client: &'static str,
    pub proto: Proto,
    /// The version the runner must report: the one whose verdicts the
    /// profile was checked against. A runner reporting another version fails
    /// the suite, so an upgrade is re-checked, never silently trusted.
    pub version: &'static str,
}

const fn d(
    lang: &'static str,
    name: &'static str,
    client: &'static str,
    proto: Proto,
    version: &'static str,
) -> Driver {
    Driver {
        lang,
        name,
        client,
        proto,
        version,
    }
}

/// Every driver the suite covers, with the `--client` profile that must
/// decide as it does and the version it was checked at.
pub const DRIVERS: &[Driver] = &[
    d("node", "pg", "node-postgres", Proto::Postgres, "8.23.1"),
    d("node", "mysql2", "mysql2", Proto::Mysql, "3.24.6"),
    d("node", "mongodb", "node-mongodb", Proto::Mongo, "7.9.0"),
    d("java", "pgjdbc", "pgjdbc", Proto::Postgres, "42.5.5"),
    d(
        "java",
        "mariadb-java",
        "mariadb-connector-j",
        Proto::Mysql,
        "2.7.6",
    ),
    d(
        "java",
        "mongodb-java",
        "mongodb-java",
        Proto::Mongo,
        "3.6.3",
    ),
    d(
        "go",
        "pgx",
        "pgx",
        Proto::Postgres,
        "4.15.0 (Debian 4.15.0-4), pgconn 1.11.0 (Debian 1.11.0-2)",
    ),
    d(
        "go",
        "go-mysql",
        "go-mysql",
        Proto::Mysql,
        "1.5.0 (Debian 1.5.0-2)",
    ),
    d("go", "mongo-go", "mongo-go", Proto::Mongo, "1.8.4"),
    d(
        "python",
        "psycopg",
        "libpq",
        Proto::Postgres,
        "3.3.9 (libpq 18.6, binary)",
    ),
    d("python", "asyncpg", "asyncpg", Proto::Postgres, "0.32.0"),
    d("python", "pymysql", "pymysql", Proto::Mysql, "1.2.4"),
    d("python", "pymongo", "pymongo", Proto::Mongo, "4.20.1"),
];

/// (tlscheck client id, driver, version) for every driver the suite
/// covers: the profiles that may call themselves verified.
pub fn covered() -> Vec<(&'static str, &'static str, &'static str)> {
    DRIVERS
        .iter()
        .map(|d| (d.client, d.name, d.version))
        .collect()
}

/// A language's runner: how to start it, and what to run when it is missing.
pub struct Lang {
    pub name: &'static str,
    /// Relative to the repository root.
    pub install: &'static str,
    /// The program and its arguments (paths relative to the repository
    /// root), or why it cannot run.
    pub command: fn(root: &Path) -> Result<Vec<String>, String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn need_file(root: &Path, rel: &str) -> Result<String, String> {
    let p = root.join(rel);
    if p.exists() {
        Ok(p.display().to_string())
    } else {
        Err(format!("{} is missing", p.display()))
    }
}

fn node_cmd(root: &Path) -> Result<Vec<String>, String> {
    if !on_path("node") {
        return Err("`node` is not on PATH".into());
    }
    for m in ["pg", "mysql2", "mongodb"] {
        need_file(
            root,
            &format!("tests/drivers/node/node_modules/{m}/package.json"),
        )?;
    }
    Ok(vec![
        "node".into(),
        need_file(root, "tests/drivers/node/run.js")?,
    ])
}

fn java_cmd(root: &Path) -> Result<Vec<String>, String> {
    if !on_path("java") {
        return Err("`java` is not on PATH".into());
    }
    need_file(root, "tests/drivers/java/build/Run.class")?;
    Ok(vec![need_file(root, "tests/drivers/java/run.sh")?])
}

fn go_cmd(root: &Path) -> Result<Vec<String>, String> {
    Ok(vec![need_file(
        root,
        "tests/drivers/go/.build/tlscheck-go-runner",
    )?])
}

fn python_cmd(root: &Path) -> Result<Vec<String>, String> {
    Ok(vec![
        need_file(root, ".venv-ci/bin/python")?,
        need_file(root, "tests/drivers/python/run.py")?,
    ])
}

pub const LANGS: &[Lang] = &[
    Lang {
        name: "node",
        install: "tests/drivers/node/install.sh",
        command: node_cmd,
    },
    Lang {
        name: "java",
        install: "tests/drivers/java/install.sh",
        command: java_cmd,
    },
    Lang {
        name: "go",
        install: "tests/drivers/go/install.sh",
        command: go_cmd,
    },
    Lang {
        name: "python",
        install: "tests/drivers/python/install.sh",
        command: python_cmd,
    },
];

/// Environment variables that would change how a driver or tlscheck
/// decides, removed from every command the suite runs.
const LEAKY_ENV: &[&str] = &[
    "OPENSSL_CONF",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "NODE_OPTIONS",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "GODEBUG",
    "PYTHONPATH",
    "REQUESTS_CA_BUNDLE",
    "MYSQL_HOST",
    "MYSQL_TCP_PORT",
    "MYSQL_PWD",
];

/// The suite's hosts file and the private mount namespace that shows it as
/// `/etc/hosts` (see the module documentation).
pub struct Hosts {
    pub path: PathBuf,
    prefix: Vec<String>,
}

const MOUNT_AND_EXEC: &str = r#"mount --bind "$0" /etc/hosts && exec "$@""#;

impl Hosts {
    /// Write `names` (all to 127.0.0.1, plus `localhost`) to `dir/hosts`
    /// and check that a command run through [`Hosts::command`] resolves
    /// them. Panics with what is missing when it cannot.
    pub fn new(dir: &Path, names: &[&str]) -> Hosts {
        let path = dir.join("hosts");
        let mut text = String::from("127.0.0.1 localhost\n");
        for n in names {
            text.push_str(&format!("127.0.0.1 {n}\n"));
        }
        std::fs::write(&path, text).expect("write hosts file");
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let mut prefix = vec!["unshare".to_string()];
        if !root {
            prefix.extend(["--user".into(), "--map-root-user".into()]);
        }
        prefix.extend(["--mount".into(), "--".into(), "sh".into(), "-c".into()]);
        prefix.push(MOUNT_AND_EXEC.into());
        prefix.push(path.display().to_string());
        let hosts = Hosts { path, prefix };
        if let Some(name) = names.first() {
            let out = hosts
                .command(&["getent".to_string(), "hosts".to_string(), name.to_string()])
                .output()
                .unwrap_or_else(|e| {
                    panic!("could not run unshare ({e}): apt-get install -y util-linux mount")
                });
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.starts_with("127.0.0.1"),
                "the suite's hosts file is not visible through `unshare --mount` + `mount --bind` \
                 (needs root or unprivileged user namespaces, util-linux and mount): {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        hosts
    }

    /// `argv` run with the suite's hosts file as `/etc/hosts`, and without
    /// the [`LEAKY_ENV`] variables.
    pub fn command(&self, argv: &[String]) -> Command {
        let mut cmd = Command::new(&self.prefix[0]);
        cmd.args(&self.prefix[1..]).args(argv);
        for v in LEAKY_ENV {
            cmd.env_remove(v);
        }
        cmd
    }

    /// `tlscheck ARGS` as [`crate::support::tlscheck`] runs it (clean environment),
    /// inside the namespace.
    pub fn tlscheck(&self, args: &[String]) -> Command {
        let mut argv = vec![env!("CARGO_BIN_EXE_tlscheck").to_string()];
        argv.extend(args.iter().cloned());
        let mut cmd = self.command(&argv);
        crate::support::clear_pg_env(&mut cmd);
        cmd.env("NO_COLOR", "1")
            .env("HOME", crate::support::empty_home());
        cmd
    }
}

/// One question to a runner (`tests/drivers/README.md`).
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub driver: &'static str,
    pub host: String,
    pub port: u16,
    pub ca: Option<PathBuf>,
    pub verify: bool,
    pub user: String,
    pub database: Option<String>,
    pub timeout_s: u64,
}

impl Case {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "driver": self.driver,
            "host": self.host,
            "port": self.port,
            "ca": self.ca.as_ref().map(|p| p.display().to_string()),
            "verify": self.verify,
            "user": self.user,
            "database": self.database,
            "timeout_s": self.timeout_s,
        })
    }
}

/// A runner's answer to one case.
#[derive(Clone, Debug)]
pub struct Answer {
    pub id: String,
    pub driver: String,
    pub version: Option<String>,
    pub ok: bool,
    pub auth_refused: bool,
    pub error: Option<String>,
    pub config: Option<String>,
    pub tlscheck: Option<Vec<String>>,
}

impl Answer {
    fn parse(line: &str) -> Result<Answer, String> {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Ok(Answer {
            id: s("id").unwrap_or_default(),
            driver: s("driver").unwrap_or_default(),
            version: s("version"),
            ok: v["ok"]
                .as_bool()
                .ok_or_else(|| format!("no boolean `ok`: {line}"))?,
            auth_refused: v["auth_refused"].as_bool().unwrap_or(false),
            error: s("error"),
            config: s("config"),
            tlscheck: v["tlscheck"].as_array().map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_string())
                    .collect()
            }),
        })
    }
}

/// A running runner process: cases go to its stdin, answers come from its
/// stdout through a reader thread; its stderr goes to a file.
pub struct Runner {
    pub lang: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    answers: Receiver<String>,
    pub stderr_path: PathBuf,
}

impl Runner {
    /// Start `lang`'s runner inside `hosts`' namespace, or say why not
    /// (with the install command).
    /// `tag` names its stderr file (`runner-LANG-TAG.stderr` in `work`).
    pub fn start(lang: &Lang, hosts: &Hosts, work: &Path, tag: &str) -> Result<Runner, String> {
        let root = repo_root();
        let hint = |why: String| {
            format!(
                "the {} runner cannot start: {why}; install it with `{}` (as .ci/run does)",
                lang.name, lang.install
            )
        };
        let argv = (lang.command)(&root).map_err(hint)?;
        let stderr_path = work.join(format!("runner-{}-{tag}.stderr", lang.name));
        let stderr = std::fs::File::create(&stderr_path).expect("runner stderr file");
        let mut child = hosts
            .command(&argv)
            .current_dir(&root)
            .env("HOME", crate::support::empty_home())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| hint(format!("{argv:?}: {e}")))?;
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !line.trim().is_empty() && tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Runner {
            lang: lang.name,
            stdin: child.stdin.take(),
            child,
            answers: rx,
            stderr_path,
        })
    }

    /// The tail of the runner's stderr.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Send `cases` and hand each answer, in order, to `each` as it
    /// arrives. An answer later than `per_case` past the previous one, a
    /// runner that exits, or an answer that is not the protocol's is an
    /// `Err` for that case and every later one (the runner is then killed).
    pub fn ask(
        &mut self,
        cases: &[Case],
        per_case: Duration,
        mut each: impl FnMut(&Case, Result<Answer, String>),
    ) {
        let mut broken: Option<String> = None;
        if let Some(stdin) = self.stdin.as_mut() {
            let mut text = String::new();
            for c in cases {
                text.push_str(&c.to_json().to_string());
                text.push('\n');
            }
            if let Err(e) = stdin.write_all(text.as_bytes()).and_then(|_| stdin.flush()) {
                broken = Some(format!(
                    "could not write the cases to the {} runner: {e}",
                    self.lang
                ));
            }
        } else {
            broken = Some(format!("the {} runner stopped earlier", self.lang));
        }
        for c in cases {
            if let Some(why) = &broken {
                each(c, Err(why.clone()));
                continue;
            }
            let got = match self.answers.recv_timeout(per_case) {
                Ok(line) => Answer::parse(&line).and_then(|a| {
                    if a.id == c.id {
                        Ok(a)
                    } else {
                        Err(format!("answer for {:?} where {:?} was due", a.id, c.id))
                    }
                }),
                Err(RecvTimeoutError::Timeout) => Err(format!(
                    "no answer from the {} runner within {per_case:?}",
                    self.lang
                )),
                Err(RecvTimeoutError::Disconnected) => Err(format!(
                    "the {} runner exited ({:?})",
                    self.lang,
                    self.child.try_wait().ok().flatten()
                )),
            };
            if let Err(e) = &got {
                let why = format!("{e}; runner stderr:\n{}", self.stderr_tail());
                broken = Some(why.clone());
                self.stop();
                each(c, Err(why));
                continue;
            }
            each(c, got);
        }
    }

    fn stop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Close stdin and give the runner a moment to leave by itself.
    pub fn finish(mut self) {
        self.stdin = None;
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stop();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `tlscheck connect ARGS --json`'s verdict: its exit code and summary.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub code: i32,
    pub summary: String,
}

/// Run `tlscheck connect ARGS --json` in `hosts`' namespace. Exit 2 (a
/// usage error: the arguments, not the endpoint) and anything that is not
/// a report are harness errors, never verdicts.
pub fn tlscheck_verdict(hosts: &Hosts, args: &[String]) -> Result<Verdict, String> {
    let mut argv = vec!["connect".to_string()];
    argv.extend(args.iter().cloned());
    argv.push("--json".into());
    let out = hosts
        .tlscheck(&argv)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run tlscheck: {e}"))?;
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if code == 2 {
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if stderr.contains("'--client'") {
            return Err(format!(
                "tlscheck has no --client yet (exit 2: {first}): a harness error, not a disagreement"
            ));
        }
        return Err(format!("tlscheck usage error (exit 2): {first}"));
    }
    if code != 0 && code != 1 && code != 3 {
        return Err(format!("tlscheck exited {code}: {}", stderr.trim()));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "tlscheck gave no JSON report ({e}); exit {code}, stderr {}",
            stderr.trim()
        )
    })?;
    let summary = match &json {
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|r| r["summary"].as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        v => v["summary"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                v["hosts"].as_array().map(|a| {
                    a.iter()
                        .filter_map(|r| r["summary"].as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
            })
            .unwrap_or_default(),
    };
    Ok(Verdict { code, summary })
}

/// The certificate (PEM) the server at 127.0.0.1:`port` serves first, as
/// `openssl s_client` sees it (`-starttls postgres|mysql` for those
/// protocols; security level 0, no verification).
pub fn served_leaf_pem(proto: Proto, port: u16) -> Option<String> {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-cipher", "DEFAULT:@SECLEVEL=0"]);
    match proto {
        Proto::Postgres => {
            cmd.args(["-starttls", "postgres"]);
        }
        Proto::Mysql => {
            cmd.args(["-starttls", "mysql"]);
        }
        Proto::Mongo => {}
    }
    let out = cmd
        .env_remove("OPENSSL_CONF")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find("-----BEGIN CERTIFICATE-----")?;
    let end = text[start..].find("-----END CERTIFICATE-----")? + start;
    Some(text[start..end].to_string())
}

/// Same certificate? (PEM bodies compared without line breaks.)
pub fn same_pem(a: &str, b: &str) -> bool {
    let body = |s: &str| -> String {
        let start = s.find("-----BEGIN CERTIFICATE-----").unwrap_or(0);
        let rest = &s[start..];
        let end = rest.find("-----END CERTIFICATE-----").unwrap_or(rest.len());
        rest[..end].chars().filter(|c| !c.is_whitespace()).collect()
    };
    body(a) == body(b)
}

/// An OpenSSL configuration at security level 0 for a server process
/// (`OPENSSL_CONF`), so that it loads and serves RSA-1024 and SHA-1 leaves:
/// PostgreSQL and MariaDB load their certificate before applying their own
/// cipher settings, so only the library default can let them.
pub fn write_seclevel0_conf(dir: &Path) -> PathBuf {
    let path = dir.join("openssl-seclevel0.cnf");
    std::fs::write(
        &path,
        "openssl_conf = openssl_init\n\
         [openssl_init]\nssl_conf = ssl_sect\n\
         [ssl_sect]\nsystem_default = system_default_sect\n\
         [system_default_sect]\nCipherString = DEFAULT:@SECLEVEL=0\n",
    )
    .expect("write openssl conf");
    path
}
