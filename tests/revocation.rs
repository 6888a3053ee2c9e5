//! OCSP stapling, active OCSP and CRL checks, and expiry thresholds, against
//! real peers: `openssl s_server -status_file` with responses made by
//! `openssl ocsp`, an OCSP responder and CRL server on 127.0.0.1, and
//! in-process TLS servers with certificates expiring in 5, 20 and 40 days.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::pki::{Ca, LeafSpec};
use support::tls_server::{self, TlsServerSpec};

fn run(args: &[&str]) -> (i32, Value) {
    support::connect_json(args)
}

fn finding<'a>(j: &'a Value, id: &str) -> Option<&'a Value> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed: apt-get install -y openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a leaf and OCSP responses made with the openssl command line, as an
/// operator would make them.
struct OpenSslPki {
    dir: tempfile::TempDir,
}

impl OpenSslPki {
    /// `http_port` is where the leaf's AIA and CRL distribution point point.
    fn new(http_port: u16, must_staple: bool) -> OpenSslPki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-days",
                "3650",
                "-subj",
                "/CN=ocsp test root",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            ],
        );
        let mut ext = format!(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n\
             subjectAltName=DNS:localhost,IP:127.0.0.1\n\
             authorityInfoAccess=OCSP;URI:http://127.0.0.1:{http_port}/ocsp\n\
             crlDistributionPoints=URI:http://127.0.0.1:{http_port}/crl.der\n"
        );
        if must_staple {
            ext.push_str("1.3.6.1.5.5.7.1.24=DER:30:03:02:01:05\n");
        }
        std::fs::write(d.join("leaf.ext"), ext).unwrap();
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-set_serial",
                "0x1001",
                "-days",
                "30",
                "-extfile",
                "leaf.ext",
                "-out",
                "leaf.pem",
            ],
        );
        std::fs::write(
            d.join("ca.cnf"),
            "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
             default_md = sha256\ndefault_crl_days = 7\n",
        )
        .unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        OpenSslPki { dir }
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    fn set_revoked(&self, revoked: bool) {
        let line = if revoked {
            "R\t301231000000Z\t240101000000Z\t1001\tunknown\t/CN=localhost\n"
        } else {
            "V\t301231000000Z\t\t1001\tunknown\t/CN=localhost\n"
        };
        std::fs::write(self.path("index.txt"), line).unwrap();
        std::fs::write(self.path("index.txt.attr"), "unique_subject = no\n").unwrap();
    }

    /// An OCSP response for the leaf, signed by the root; `days_ago` moves
    /// the clock back with faketime to make a stale one.
    fn ocsp_response(&self, name: &str, revoked: bool, days_ago: u32) -> PathBuf {
        self.set_revoked(revoked);
        let d = self.dir.path();
        openssl(
            d,
            &[
                "ocsp",
                "-issuer",
                "root.pem",
                "-cert",
                "leaf.pem",
                "-no_nonce",
                "-reqout",
                "req.der",
            ],
        );
        let args = [
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "root.pem",
            "-rkey",
            "root.key",
            "-CA",
            "root.pem",
            "-reqin",
            "req.der",
            "-respout",
            name,
            "-ndays",
            "1",
        ];
        if days_ago == 0 {
            openssl(d, &args);
        } else {
            let out = Command::new("faketime")
                .arg("-f")
                .arg(format!("-{days_ago}d"))
                .arg("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("faketime is needed for stale OCSP responses: apt-get install -y faketime");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        self.path(name)
    }

    fn crl_der(&self, revoked: bool) -> Vec<u8> {
        self.set_revoked(revoked);
        let d = self.dir.path();
        openssl(
            d,
            &[
                "ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "root.key", "-cert", "root.pem",
                "-out", "crl.pem",
            ],
        );
        openssl(
            d,
            &[
                "crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der",
            ],
        );
        std::fs::read(self.path("crl.der")).unwrap()
    }
}

/// `openssl s_server` serving the leaf, stapling `status_file` if given.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(pki: &OpenSslPki, status_file: Option<&Path>) -> SServer {
        let port = free_port();
        let mut cmd = Command::new("openssl");
        cmd.args(["s_server", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(pki.path("leaf.pem"))
            .arg("-key")
            .arg(pki.path("leaf.key"))
            .arg("-quiet");
        if let Some(f) = status_file {
            cmd.arg("-status_file").arg(f);
        }
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "s_server did not start"
            );
            thread::sleep(Duration::from_millis(20));
        }
        SServer { child, port }
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP server on 127.0.0.1 for `/ocsp` (POST) and `/crl.der`.
#[derive(Clone, Default)]
struct HttpContent {
    ocsp: Arc<Mutex<Vec<u8>>>,
    crl: Arc<Mutex<Vec<u8>>>,
}

fn start_http(port: u16, content: HttpContent) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the HTTP port");
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let content = content.clone();
            thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as much body as Content-Length says.
                loop {
                    let Ok(n) = s.read(&mut buf) else { return };
                    if n == 0 {
                        break;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&req[..end]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if req.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let head = String::from_utf8_lossy(&req);
                let body = if head.starts_with("POST /ocsp") {
                    content.ocsp.lock().unwrap().clone()
                } else if head.starts_with("GET /crl.der") {
                    content.crl.lock().unwrap().clone()
                } else {
                    let _ = s.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                };
                let _ = s.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                );
                let _ = s.write_all(&body);
            });
        }
    });
}

#[test]
fn stapled_good_revoked_and_stale_responses() {
    let pki = OpenSslPki::new(free_port(), false);
    let root = pki.path("root.pem");
    let root = root.to_str().unwrap();

    let good = pki.ocsp_response("good.der", false, 0);
    let server = SServer::start(&pki, Some(&good));
    let (code, j) = run(&[&server.target(), "--protocol", "tls", "--ca-file", root]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    let staple = &j["ocsp"][0];
    assert_eq!(staple["source"], "stapled");
    assert_eq!(staple["status"], "good", "{staple:#}");
    assert_eq!(staple["signer"], "the issuer");
    assert_eq!(staple["trustworthy"], true);
    assert!(j["facts"]["ocsp_staple"]["produced_at"].is_string());
    drop(server);

    let revoked = pki.ocsp_response("revoked.der", true, 0);
    let server = SServer::start(&pki, Some(&revoked));
    let (code, j) = run(&[&server.target(), "--protocol", "tls", "--ca-file", root]);
    assert_eq!(code, 1, "{:#}", j["findings"]);
    assert_eq!(j["ocsp"][0]["status"], "revoked");
    let f = finding(&j, "ocsp-staple-revoked").expect("revoked finding");
    assert_eq!(f["severity"], "error");
    assert!(j["verdict"]["reason"].as_str().unwrap().contains("revoked"));
    // Encrypt-only clients do not look at staples: a warning, not a failure.
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--mode",
        "require",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        finding(&j, "ocsp-staple-revoked").unwrap()["severity"],
        "warning"
    );
    drop(server);

    let stale = pki.ocsp_response("stale.der", false, 3);
    let server = SServer::start(&pki, Some(&stale));
    let (code, j) = run(&[&server.target(), "--protocol", "tls", "--ca-file", root]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    assert_eq!(j["ocsp"][0]["trustworthy"], false);
    assert_eq!(j["ocsp"][0]["fresh"], false);
    let f = finding(&j, "ocsp-staple-invalid").expect("invalid staple finding");
    assert!(f["detail"].as_str().unwrap().contains("stale"), "{f:#}");
}

#[test]
fn must_staple_without_a_staple() {
    let pki = OpenSslPki::new(free_port(), true);
    let server = SServer::start(&pki, None);
    let root = pki.path("root.pem");
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(j["facts"]["chain"][0]["must_staple"], true);
    assert!(
        finding(&j, "must-staple-missing").is_some(),
        "{:#}",
        j["findings"]
    );
}

#[test]
fn asks_the_responder_and_downloads_the_crl() {
    let http_port = free_port();
    let pki = OpenSslPki::new(http_port, false);
    let content = HttpContent::default();
    start_http(http_port, content.clone());
    let server = SServer::start(&pki, None);
    let root = pki.path("root.pem");
    let root = root.to_str().unwrap();

    *content.ocsp.lock().unwrap() = std::fs::read(pki.ocsp_response("good.der", false, 0)).unwrap();
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--ocsp",
    ]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    assert_eq!(
        j["facts"]["ocsp_queries"][0]["url"],
        format!("http://127.0.0.1:{http_port}/ocsp")
    );
    assert_eq!(j["ocsp"][0]["source"], "responder");
    assert_eq!(j["ocsp"][0]["status"], "good");

    *content.ocsp.lock().unwrap() =
        std::fs::read(pki.ocsp_response("revoked.der", true, 0)).unwrap();
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--ocsp",
    ]);
    assert_eq!(code, 1);
    assert!(finding(&j, "ocsp-revoked").is_some(), "{:#}", j["findings"]);

    *content.crl.lock().unwrap() = pki.crl_der(false);
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--crl-fetch",
    ]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    assert_eq!(
        j["crl_sources"][0],
        format!("http://127.0.0.1:{http_port}/crl.der")
    );

    *content.crl.lock().unwrap() = pki.crl_der(true);
    let (code, j) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--crl-fetch",
    ]);
    assert_eq!(code, 1);
    let ca = j["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "ca-file")
        .unwrap();
    assert_eq!(ca["problem"], "revoked");

    // The same CRL from a file.
    let crl = pki.path("crl.der");
    let (code, _) = run(&[
        &server.target(),
        "--protocol",
        "tls",
        "--ca-file",
        root,
        "--crl-file",
        crl.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
}

#[test]
fn a_private_ca_without_urls_is_information() {
    let root = Ca::root("private root without urls");
    let leaf = root.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let addr = tls_server::start(TlsServerSpec::new(&leaf, &[]));
    let dir = tempfile::tempdir().unwrap();
    let root_file = support::pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    let (code, j) = run(&[
        &format!("127.0.0.1:{}", addr.port()),
        "--protocol",
        "tls",
        "--ca-file",
        root_file.to_str().unwrap(),
        "--ocsp",
        "--strict",
    ]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    assert_eq!(
        finding(&j, "ocsp-query-failed").unwrap()["severity"],
        "info"
    );
}

#[test]
fn expiry_thresholds() {
    let root = Ca::root("expiry root");
    let dir = tempfile::tempdir().unwrap();
    let root_file = support::pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    let root_file = root_file.to_str().unwrap();
    let server = |days: i64| {
        let leaf =
            root.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]).expiring_in_days(days));
        format!(
            "127.0.0.1:{}",
            tls_server::start(TlsServerSpec::new(&leaf, &[])).port()
        )
    };
    let (in5, in20, in40) = (server(5), server(20), server(40));
    let check = |target: &str, extra: &[&str]| {
        let mut args = vec![target, "--protocol", "tls", "--ca-file", root_file];
        args.extend_from_slice(extra);
        run(&args)
    };

    for t in [&in5, &in20] {
        let (code, j) = check(t, &[]);
        assert_eq!(code, 0, "a warning alone keeps exit 0");
        assert!(finding(&j, "expires-soon").is_some(), "{:#}", j["findings"]);
        assert_eq!(j["expiry"]["warn_days"], 30);
        assert!(j["expiry"]["fail_days"].is_null());
    }
    let (code, j) = check(&in40, &["--strict"]);
    assert_eq!(code, 0, "{:#}", j["findings"]);
    assert!(finding(&j, "expires-soon").is_none());
    assert_eq!(j["expiry"]["first_to_expire"]["position"], 0);
    assert!(
        j["expiry"]["first_to_expire"]["days_left"]
            .as_i64()
            .unwrap()
            >= 39
    );

    let (code, j) = check(&in5, &["--fail-days", "10"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&j, "expiry-policy").unwrap()["severity"], "error");
    assert_eq!(j["expiry"]["certificates"][0]["status"], "fail");
    let (code, _) = check(&in20, &["--fail-days", "10"]);
    assert_eq!(code, 0);
    // --fail-days applies under every mode, even encrypt-only ones.
    let (code, _) = check(&in5, &["--fail-days", "10", "--mode", "require"]);
    assert_eq!(code, 1);

    let (code, j) = check(&in20, &["--strict"]);
    assert_eq!(code, 1);
    assert!(j["verdict"]["reason"]
        .as_str()
        .unwrap()
        .contains("--strict"));
    let (code, _) = check(&in20, &["--warn-days", "10", "--strict"]);
    assert_eq!(code, 0);
}
