//! MySQL-protocol checks against real MariaDB servers started by the test
//! (`tests/support/mariadb.rs`), with the `mariadb` client as the oracle
//! where that is simple: a client that gets as far as "Access denied" has
//! finished TLS; one that stops with a TLS/SSL error has not.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::mariadb::{self, MariaOptions, MariaServer};
use support::pki::{self, Ca, LeafSpec};
use support::tlscheck;

struct Run {
    code: i32,
    json: Value,
    stdout: String,
}

fn run(args: &[&str]) -> Run {
    let (code, json) = support::connect_json(args);
    let stdout = format!("{json:#}");
    Run { code, json, stdout }
}

fn human(args: &[&str]) -> (i32, String) {
    let out = tlscheck()
        .arg("connect")
        .args(args)
        .output()
        .expect("run tlscheck");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn finding_ids(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn mode_result(j: &Value, mode: &str) -> String {
    j["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mode"] == mode)
        .map(|m| m["result"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `mariadb` client over TCP with TLS verification; `ssl_ca` optional.
/// It tries to log in as an account that does not exist.
fn mariadb_client(port: u16, ssl_ca: Option<&Path>, extra: &[&str]) -> Output {
    let mut cmd = mariadb::mariadb_client();
    cmd.args(["--protocol=tcp", "-h", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .args(["-u", "tlscheck_nobody", "--connect-timeout=10"])
        .args(extra);
    if let Some(ca) = ssl_ca {
        cmd.arg(format!("--ssl-ca={}", ca.display()));
    }
    cmd.args(["-e", "select 1"]).output().expect("run mariadb")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The client finished TLS and was then refused at login.
fn tls_ok_login_refused(o: &Output) -> bool {
    stderr(o).contains("Access denied")
}

fn tls_error(o: &Output) -> bool {
    let e = stderr(o);
    !o.status.success() && (e.contains("SSL") || e.contains("TLS") || e.contains("certificate"))
}

struct Pki {
    dir: tempfile::TempDir,
    intermediate: Ca,
    root_file: PathBuf,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let root = Ca::root("mariadb test root");
    let intermediate = root.intermediate("mariadb test intermediate");
    let root_file = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    Pki {
        dir,
        intermediate,
        root_file,
    }
}

fn tls_server(p: &Pki, names: &[&str], extra: &[&str]) -> MariaServer {
    let leaf = p.intermediate.leaf(&LeafSpec::for_names(names));
    let chain = format!("{}{}", leaf.cert_pem, p.intermediate.cert_pem());
    let mut opts = MariaOptions::tls(chain, leaf.key_pem.clone());
    for a in extra {
        opts = opts.arg(a);
    }
    MariaServer::start(opts)
}

#[test]
fn good_chain_passes_and_the_greeting_is_reported() {
    let p = pki();
    let db = tls_server(&p, &["localhost", "127.0.0.1"], &[]);
    let root = p.root_file.to_str().unwrap();
    let addr = db.addr();

    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--ca-file",
        root,
        "--mode",
        "verify-full",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let up = &r.json["facts"]["upgrade"];
    assert_eq!(up["method"], "mysql-sslrequest");
    assert_eq!(up["tls_offered"], true);
    let g = &up["mysql"];
    assert_eq!(g["protocol_version"], 10);
    assert_eq!(g["flavour"], "mariadb");
    assert_eq!(g["client_ssl"], true);
    assert!(
        g["server_version"].as_str().unwrap().contains("MariaDB"),
        "{g}"
    );
    let flavour_version = g["flavour_version"].as_str().unwrap();
    assert!(flavour_version.starts_with("1"), "{g}");
    assert!(
        g["capability_flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "CLIENT_SSL"),
        "{g}"
    );
    assert!(g["auth_plugin"].is_string(), "{g}");
    assert!(g["connection_id"].is_u64(), "{g}");
    assert_eq!(r.json["facts"]["tls"]["closed_cleanly"], true);
    // MariaDB asks every client for an optional certificate and checks it
    // only at login: with none presented, the check does not wait after the
    // handshake for a refusal that cannot come.
    assert!(
        r.json["facts"]["tls"]["client_certificate_request"].is_object(),
        "{}",
        r.stdout
    );
    let waited = &r.json["facts"]["tls"]["after_handshake"];
    assert_eq!(waited["kind"], "quiet", "{waited}");
    let wait = &r.json["facts"]["tls"]["after_handshake_wait"];
    assert_eq!(
        wait["reason"], "missing-certificate-refused-at-login",
        "{wait}"
    );
    assert_eq!(wait["budget_ms"], 0.0, "{wait}");
    for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
        assert_eq!(mode_result(&r.json, mode), "pass", "{mode}");
    }

    // The version shown is the one the server says it is.
    let (code, text) = human(&[&addr, "--protocol", "mysql", "--ca-file", root]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("MariaDB {flavour_version}")),
        "{text}"
    );
    assert!(text.contains("with CLIENT_SSL"), "{text}");

    // The oracle: the real client verifies the same chain and name, and
    // gets as far as the login.
    let o = mariadb_client(db.port, Some(&p.root_file), &["--ssl-verify-server-cert"]);
    assert!(tls_ok_login_refused(&o), "mariadb: {}", stderr(&o));
}

#[test]
fn unknown_ca_fails_the_verifying_modes_only() {
    let p = pki();
    let db = tls_server(&p, &["localhost", "127.0.0.1"], &[]);
    let other = Ca::root("some other root");
    let other_file = pki::write(p.dir.path(), "other.pem", &[&other.cert_pem()]);
    let other_path = other_file.to_str().unwrap();
    let addr = db.addr();

    let r = run(&[&addr, "--protocol", "mysql", "--ca-file", other_path]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        finding_ids(&r.json).contains(&"unknown-issuer".to_string()),
        "{}",
        r.stdout
    );
    let fix = r.json["findings"][0]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("--ssl-ca"), "the fix speaks MySQL: {fix}");
    assert_eq!(mode_result(&r.json, "require"), "pass");
    assert_eq!(mode_result(&r.json, "verify-ca"), "fail");

    // No CA at all: the OS store, which does not know the test root.
    let r = run(&[&addr, "--protocol", "mysql"]);
    assert_eq!(r.code, 1, "{}", r.stdout);

    // Exit codes per mode, with MySQL's names.
    for (mode, code) in [
        ("DISABLED", 0),
        ("PREFERRED", 0),
        ("REQUIRED", 0),
        ("VERIFY_CA", 1),
        ("VERIFY_IDENTITY", 1),
    ] {
        let r = run(&[
            &addr,
            "--protocol",
            "mysql",
            "--ca-file",
            other_path,
            "--mode",
            mode,
        ]);
        assert_eq!(r.code, code, "{mode}: {}", r.stdout);
    }

    let o = mariadb_client(db.port, Some(&other_file), &["--ssl-verify-server-cert"]);
    assert!(tls_error(&o), "mariadb should fail at TLS: {}", stderr(&o));
    // And without --ssl-ca the client, like tlscheck, uses the OS store.
    let o = mariadb_client(db.port, None, &["--ssl-verify-server-cert"]);
    assert!(tls_error(&o), "mariadb should fail at TLS: {}", stderr(&o));
}

#[test]
fn wrong_host_fails_verify_full_but_not_verify_ca() {
    let p = pki();
    let db = tls_server(&p, &["db.example.com"], &[]);
    let root = p.root_file.to_str().unwrap();
    let addr = db.addr();

    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--ca-file",
        root,
        "--mode",
        "VERIFY_IDENTITY",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        finding_ids(&r.json).contains(&"hostname-mismatch".to_string()),
        "{}",
        r.stdout
    );
    assert_eq!(mode_result(&r.json, "verify-ca"), "pass");
    for (mode, code) in [
        ("disable", 0),
        ("prefer", 0),
        ("require", 0),
        ("verify-ca", 0),
        ("verify-full", 1),
    ] {
        let r = run(&[
            &addr,
            "--protocol",
            "mysql",
            "--ca-file",
            root,
            "--mode",
            mode,
        ]);
        assert_eq!(r.code, code, "{mode}: {}", r.stdout);
    }

    let o = mariadb_client(db.port, Some(&p.root_file), &["--ssl-verify-server-cert"]);
    assert!(
        tls_error(&o),
        "mariadb should refuse the name: {}",
        stderr(&o)
    );
    // --ssl-ca without --ssl-verify-server-cert checks the chain only (verify-ca).
    let o = mariadb_client(db.port, Some(&p.root_file), &[]);
    assert!(tls_ok_login_refused(&o), "mariadb: {}", stderr(&o));
    // The same from a URI that gives only ssl-ca: judged as verify-ca.
    let uri = format!("mysql://app@{addr}/x?ssl-ca={root}");
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["verdict"]["mode"], "verify-ca");
    // …and with a CA that did not issue the chain, both refuse.
    let other = Ca::root("mysql other root");
    let other_file = pki::write(p.dir.path(), "other.pem", &[&other.cert_pem()]);
    let r = run(&[&format!(
        "mysql://app@{addr}/x?ssl-ca={}",
        other_file.display()
    )]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let o = mariadb_client(db.port, Some(&other_file), &[]);
    assert!(
        tls_error(&o),
        "mariadb should refuse the chain: {}",
        stderr(&o)
    );
}

#[test]
fn a_server_without_tls_sends_no_client_ssl() {
    let db = MariaServer::start(MariaOptions::plain());
    let addr = db.addr();

    let r = run(&[&addr, "--protocol", "mysql"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let up = &r.json["facts"]["upgrade"];
    assert_eq!(up["method"], "mysql-greeting");
    assert_eq!(up["tls_offered"], false);
    assert_eq!(up["mysql"]["client_ssl"], false);
    assert!(r.json["facts"]["tls"].is_null(), "no handshake was tried");
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "server-refuses-tls");
    assert!(f["detail"].as_str().unwrap().contains("CLIENT_SSL"), "{f}");
    assert!(f["fix"].as_str().unwrap().contains("ssl_cert"), "{f}");

    for (mode, code) in [
        ("DISABLED", 0),
        ("preferred", 0),
        ("REQUIRED", 1),
        ("VERIFY_CA", 1),
        ("verify_identity", 1),
    ] {
        let r = run(&[&addr, "--protocol", "mysql", "--mode", mode]);
        assert_eq!(r.code, code, "{mode}: {}", r.stdout);
    }

    // The real client agrees: MariaDB 10.11's --ssl falls back to plaintext
    // like prefer (and reaches the login), --ssl-verify-server-cert refuses.
    let o = mariadb_client(db.port, None, &["--ssl"]);
    assert!(tls_ok_login_refused(&o), "mariadb --ssl: {}", stderr(&o));
    let o = mariadb_client(db.port, None, &["--ssl-verify-server-cert"]);
    assert!(tls_error(&o), "mariadb should refuse: {}", stderr(&o));
    assert!(stderr(&o).contains("does not support"), "{}", stderr(&o));
}

#[test]
fn tls13_only_server_refuses_a_tls12_client_with_an_explained_alert() {
    let p = pki();
    let db = tls_server(&p, &["localhost", "127.0.0.1"], &["--tls-version=TLSv1.3"]);
    let root = p.root_file.to_str().unwrap();
    let addr = db.addr();

    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--ca-file",
        root,
        "--tls-max",
        "1.2",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "handshake-alert", "{}", r.stdout);
    assert!(
        f["title"].as_str().unwrap().contains("protocol_version"),
        "{f}"
    );
    assert!(f["detail"].as_str().unwrap().contains("TLSv1.2"), "{f}");
    assert!(f["fix"].as_str().unwrap().contains("--tls-max"), "{f}");

    let r = run(&[&addr, "--protocol", "mysql", "--ca-file", root]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["facts"]["tls"]["version"], "TLSv1.3");

    let o = mariadb_client(
        db.port,
        Some(&p.root_file),
        &["--ssl-verify-server-cert", "--tls-version=TLSv1.2"],
    );
    assert!(tls_error(&o), "mariadb with TLS 1.2 only: {}", stderr(&o));
}

#[test]
fn mysql_uri_with_ssl_mode_and_ssl_ca() {
    let p = pki();
    let db = tls_server(&p, &["localhost", "127.0.0.1"], &[]);
    let root = p.root_file.to_str().unwrap();
    let uri = format!(
        "mysql://app:s3cret@127.0.0.1:{}/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca={root}",
        db.port
    );

    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["target"]["protocol"], "mysql");
    assert!(
        !r.stdout.contains("s3cret"),
        "the password is never printed"
    );
    let setting = |name: &str| {
        r.json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(setting("mode")["value"], "verify-full");
    assert_eq!(setting("mode")["source"], "connection string ssl-mode=");
    assert_eq!(setting("ca")["source"], "connection string ssl-ca=");

    let (code, text) = human(&[&uri]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("s3cret"), "{text}");

    // Go's spelling, read as require and said so.
    let go = format!("mysql://app@127.0.0.1:{}/shop?tls=skip-verify", db.port);
    let r = run(&[&go]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["verdict"]["mode"], "require");
    assert!(
        r.json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("tls=skip-verify")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_check_leaves_one_warning_in_the_error_log() {
    let p = pki();
    let db = tls_server(&p, &["localhost", "127.0.0.1"], &[]);
    let root = p.root_file.to_str().unwrap();

    let r = run(&[&db.addr(), "--protocol", "mysql", "--ca-file", root]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let id = r.json["facts"]["upgrade"]["mysql"]["connection_id"]
        .as_u64()
        .expect("connection id");

    // The server writes its line when it notices the close: wait for it,
    // then a little longer for anything that would follow. (The harness's
    // readiness probe leaves a line of its own, for another connection id.)
    let tag = format!("] Aborted connection {id} ");
    let ours = || -> Vec<String> {
        db.log()
            .lines()
            .filter(|l| l.contains(&format!(" {id} [")) || l.contains(&tag))
            .map(str::to_string)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while ours().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let lines = ours();
    // A login-free connection cannot leave less than MariaDB's own note that
    // it closed "normally without authentication" (a warning at the default
    // log_warnings=2); `openssl s_client -starttls mysql` leaves the same line.
    assert_eq!(lines.len(), 1, "log lines for connection {id}: {lines:#?}");
    assert!(
        lines[0].contains("This connection closed normally without authentication"),
        "{lines:#?}"
    );
    assert!(!db.log().contains("[ERROR]"), "{}", db.log());
}

#[test]
fn a_postgres_client_to_a_mariadb_port_is_told_it_speaks_mysql() {
    let db = MariaServer::start(MariaOptions::plain());
    let r = run(&[&db.addr(), "--protocol", "postgres"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "wrong-protocol");
    assert!(f["title"].as_str().unwrap().contains("MySQL"), "{f}");
    assert!(f["detail"].as_str().unwrap().contains("MariaDB 1"), "{f}");
}

/// A loopback server that sends `reply` to the first client, then waits.
fn fake_server(reply: Vec<u8>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.write_all(&reply);
            let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
            let mut sink = [0u8; 64];
            let _ = s.read(&mut sink);
        }
    });
    port
}

#[test]
fn an_err_packet_instead_of_a_greeting_fails_with_its_code() {
    let msg = b"Host '203.0.113.9' is not allowed to connect to this MariaDB server";
    let mut p = vec![(msg.len() + 3) as u8, 0, 0, 0, 0xff, 0x6a, 0x04];
    p.extend_from_slice(msg);
    let port = fake_server(p);
    let r = run(&[
        &format!("127.0.0.1:{port}"),
        "--protocol",
        "mysql",
        "--mode",
        "disable",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.json["facts"]["upgrade_error"]["kind"],
        "server-error-packet"
    );
    assert_eq!(r.json["facts"]["upgrade_error"]["code"], 1130);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "server-error-packet");
    assert!(f["title"].as_str().unwrap().contains("1130"), "{f}");
    assert!(
        f["detail"].as_str().unwrap().contains("is not allowed"),
        "{f}"
    );
}

#[test]
fn a_silent_server_under_mysql_times_out_with_a_hint() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            std::thread::sleep(Duration::from_secs(3));
            drop(s);
        }
    });
    let r = run(&[
        &format!("127.0.0.1:{port}"),
        "--protocol",
        "mysql",
        "--timeout",
        "0.5",
    ]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "no-answer");
    assert!(f["fix"].as_str().unwrap().contains("PostgreSQL"), "{f}");
}
