//! A real MongoDB-wire server for the tests: SecantusDB's `secantusd-py`
//! (`pip install secantusdb`), started on an ephemeral loopback port with
//! certificates made for the test, and PyMongo as the oracle.
//!
//! The server is found through `SECANTUSD` (the path of `secantusd-py`),
//! else the repository's `.venv-ci` (what `.ci/run` creates), else `PATH`.
//! The Python with PyMongo is `PYMONGO_PYTHON`, else `.venv-ci/bin/python`.
//! Missing either fails the test with an install hint.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HINT: &str = "python3 -m venv .venv-ci && .venv-ci/bin/pip install secantusdb pymongo \
                    (or set SECANTUSD to secantusd-py and PYMONGO_PYTHON to a python with pymongo)";

fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-ci/bin")
}

pub fn secantusd() -> PathBuf {
    if let Some(p) = std::env::var_os("SECANTUSD") {
        return PathBuf::from(p);
    }
    let v = venv().join("secantusd-py");
    if v.exists() {
        return v;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let c = dir.join("secantusd-py");
            if c.exists() {
                return c;
            }
        }
    }
    panic!("secantusd-py (SecantusDB, a MongoDB-wire server) is not installed: {HINT}");
}

pub fn pymongo_python() -> PathBuf {
    let p = std::env::var_os("PYMONGO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| venv().join("python"));
    let ok = Command::new(&p)
        .args(["-c", "import pymongo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "PyMongo is not installed for {}: {HINT}", p.display());
    p
}

/// How to start the server.
pub struct MongoOptions {
    /// Certificate chain (PEM, leaf first) and key; `None` for no TLS.
    pub tls: Option<(String, String)>,
    /// `--standalone`: no replica-set fields in hello.
    pub standalone: bool,
    /// Require a client certificate from this CA (PEM): `--tls-ca-file`
    /// and `--tls-require-client-cert`.
    pub client_ca: Option<String>,
}

/// Runs the script in argv[1] with ssl.SSLContext.load_cert_chain lowered
/// to security level 0 first (see [`MongoServer::start_weak_ok`]).
const SECLEVEL0_SHIM: &str = r#"
import runpy, ssl, sys
_load = ssl.SSLContext.load_cert_chain
def load_cert_chain(self, *args, **kwargs):
    self.set_ciphers("DEFAULT:@SECLEVEL=0")
    return _load(self, *args, **kwargs)
ssl.SSLContext.load_cert_chain = load_cert_chain
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"#;

pub struct MongoServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl MongoServer {
    pub fn start(opts: MongoOptions) -> MongoServer {
        MongoServer::start_inner(opts, false)
    }

    /// Like [`MongoServer::start`], but the server's TLS context runs at
    /// OpenSSL security level 0, so that it can serve RSA keys under 2048
    /// bits and SHA-1-signed certificates: Python's `SSLContext` sets
    /// `@SECLEVEL=2` itself (OPENSSL_CONF cannot lower it), so
    /// `secantusd-py` is run by its own Python with `load_cert_chain`
    /// preceded by `set_ciphers("DEFAULT:@SECLEVEL=0")`.
    pub fn start_weak_ok(opts: MongoOptions) -> MongoServer {
        MongoServer::start_inner(opts, true)
    }

    fn start_inner(opts: MongoOptions, weak_ok: bool) -> MongoServer {
        let bin = secantusd();
        let dir = tempfile::Builder::new()
            .prefix("tlscheck-mongo-")
            .tempdir()
            .expect("temp dir");
        for attempt in 0..3 {
            let port = free_port();
            let mut cmd = if weak_ok {
                let script = std::fs::read_to_string(&bin)
                    .unwrap_or_else(|e| panic!("read {}: {e}; {HINT}", bin.display()));
                let python = script
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("#!"))
                    .map(|l| l.trim().to_string())
                    .unwrap_or_else(|| panic!("{} has no #! line", bin.display()));
                let mut c = Command::new(python);
                c.args(["-c", SECLEVEL0_SHIM]).arg(&bin);
                c
            } else {
                Command::new(&bin)
            };
            cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .arg("--storage-path")
                .arg(dir.path().join(format!("data{attempt}")))
                .args(["--log-level", "WARNING"]);
            if opts.standalone {
                cmd.arg("--standalone");
            }
            if let Some((chain, key)) = &opts.tls {
                let crt = super::pki::write(dir.path(), "server.crt", &[chain]);
                let key = super::pki::write(dir.path(), "server.key", &[key]);
                cmd.arg("--tls-cert-file")
                    .arg(crt)
                    .arg("--tls-key-file")
                    .arg(key);
            }
            if let Some(ca) = &opts.client_ca {
                let ca = super::pki::write(dir.path(), "client-ca.crt", &[ca]);
                cmd.arg("--tls-ca-file")
                    .arg(ca)
                    .arg("--tls-require-client-cert");
            }
            let log = std::fs::File::create(dir.path().join(format!("server{attempt}.log")))
                .expect("log file");
            cmd.stdout(log.try_clone().expect("log")).stderr(log);
            let mut child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}; {HINT}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    eprintln!("secantusd-py exited early ({status}), retrying");
                    break;
                }
                let addr = SocketAddr::from(([127, 0, 0, 1], port));
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return MongoServer { child, port, dir };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let logs: Vec<String> = (0..3)
            .filter_map(|a| std::fs::read_to_string(dir.path().join(format!("server{a}.log"))).ok())
            .collect();
        panic!(
            "secantusd-py did not start listening:\n{}",
            logs.join("\n---\n")
        );
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// PyMongo's verdict on `uri`: `Ok(())` when `ping` succeeds, else the
/// error's type and message.
pub fn pymongo_ping(uri: &str) -> Result<(), String> {
    const SCRIPT: &str = r#"
import sys, pymongo
try:
    c = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=4000, connectTimeoutMS=4000)
    c.admin.command("ping")
    print("OK")
except Exception as e:
    print("ERR", type(e).__name__, str(e)[:400])
"#;
    let out = Command::new(pymongo_python())
        .args(["-c", SCRIPT, uri])
        .env("HOME", super::empty_home())
        .output()
        .expect("run python");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if text == "OK" {
        Ok(())
    } else if text.starts_with("ERR") {
        Err(text)
    } else {
        panic!(
            "pymongo script failed: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

/// PyMongo's seed list (`host:port`) and the options it took from TXT.
pub type SrvReading = (Vec<String>, Vec<(String, String)>);

/// PyMongo's own reading of a `mongodb+srv://` URI, its DNS asked of the
/// loopback responder at `dns`: the seed list (`host:port`) and the
/// options it took from TXT, or the error it refuses the URI with.
pub fn pymongo_parse_srv(uri: &str, dns: std::net::SocketAddr) -> Result<SrvReading, String> {
    const SCRIPT: &str = r#"
import sys, json
import dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers = [sys.argv[2]]
r.port = int(sys.argv[3])
dns.resolver.default_resolver = r
from pymongo.uri_parser import parse_uri
try:
    p = parse_uri(sys.argv[1], connect_timeout=5)
    opts = {k: str(v) for k, v in p["options"].items() if k.lower() in ("replicaset", "authsource", "loadbalanced")}
    print(json.dumps({"nodes": ["%s:%d" % n for n in p["nodelist"]], "options": opts}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + " " + str(e)}))
"#;
    let out = Command::new(pymongo_python())
        .args([
            "-c",
            SCRIPT,
            uri,
            &dns.ip().to_string(),
            &dns.port().to_string(),
        ])
        .env("HOME", super::empty_home())
        .output()
        .expect("run python");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pymongo parse_uri script: {e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if let Some(e) = v["error"].as_str() {
        return Err(e.to_string());
    }
    let nodes = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    let opts = v["options"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    Ok((nodes, opts))
}
