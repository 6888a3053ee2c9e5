//! Client certificates (mutual TLS) on real peers: `openssl s_server
//! -Verify 1 -verify_return_error` as a plain TLS listener, PostgreSQL with
//! `ssl_ca_file` and pg_hba.conf `hostssl … cert`, and MariaDB with
//! `--ssl-ca` and an account created `REQUIRE X509`. psql is the oracle
//! where that is simple.

mod support;

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::mariadb::{self, MariaOptions, MariaServer};
use support::pki::{self, Ca, Issued, LeafSpec};
use support::postgres::{PgOptions, PgServer};

struct Run {
    code: i32,
    json: Value,
}

impl Run {
    fn ids(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["id"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
    fn has(&self, id: &str) -> bool {
        self.ids().iter().any(|i| i == id)
    }
    fn finding(&self, id: &str) -> &Value {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no finding {id}: {:#}", self.json))
    }
}

fn run(args: &[&str]) -> Run {
    let (code, json) = support::connect_json(args);
    Run { code, json }
}

/// A run that must stop before connecting: exit 2 and its stderr.
fn usage_error(args: &[&str]) -> String {
    let out = support::tlscheck()
        .arg("connect")
        .args(args)
        .output()
        .expect("run tlscheck");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// The client PKI: a trusted client CA, a client certificate from it in
/// every form, and one from an untrusted CA.
struct Clients {
    dir: tempfile::TempDir,
    ca: Ca,
    good: Issued,
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Clients {
    fn new(cn: &str) -> Clients {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::root("tlscheck test client CA");
        let good = ca.client(cn);
        let c = Clients { dir, ca, good };
        let key = c.write("client.key", &[&c.good.key_pem]);
        c.write("client.crt", &[&c.good.cert_pem]);
        c.write("combined.pem", &[&c.good.cert_pem, &c.good.key_pem]);
        c.write("password.txt", &["s3cret pass"]);
        c.write("wrong.txt", &["not it"]);
        let k = key.to_str().unwrap();
        openssl(&[
            "pkcs8",
            "-topk8",
            "-in",
            k,
            "-passout",
            "pass:s3cret pass",
            "-out",
            c.p("client.enc.key").to_str().unwrap(),
        ]);
        openssl(&[
            "pkcs8",
            "-topk8",
            "-v1",
            "PBE-SHA1-3DES",
            "-in",
            k,
            "-passout",
            "pass:s3cret pass",
            "-out",
            c.p("client.3des.key").to_str().unwrap(),
        ]);
        let crt = c.p("client.crt");
        for (file, legacy) in [("client.p12", false), ("client.legacy.p12", true)] {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-in",
                crt.to_str().unwrap(),
                "-inkey",
                k,
                "-passout",
                "pass:s3cret pass",
            ];
            if legacy {
                // OpenSSL 1.x's defaults: RC2/3DES and SHA-1.
                args.push("-legacy");
            }
            let out = c.p(file);
            args.extend(["-out", out.to_str().unwrap()]);
            openssl(&args);
        }
        // Expired, and for servers only (no clientAuth).
        let expired =
            c.ca.client_with(&LeafSpec::for_names(&[]).with_cn(cn).expired(), true);
        c.write("expired.pem", &[&expired.cert_pem, &expired.key_pem]);
        let server_only =
            c.ca.client_with(&LeafSpec::for_names(&[]).with_cn(cn), false);
        c.write(
            "server-only.pem",
            &[&server_only.cert_pem, &server_only.key_pem],
        );
        // A client certificate from a CA the server does not trust.
        let other = Ca::root("some other CA").client(cn);
        c.write("untrusted.crt", &[&other.cert_pem]);
        c.write("untrusted.key", &[&other.key_pem]);
        c
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write PEMs to `name`, mode 0600 (libpq's rule for keys).
    fn write(&self, name: &str, pems: &[&str]) -> PathBuf {
        let path = pki::write(self.dir.path(), name, pems);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn s(&self, name: &str) -> String {
        self.p(name).display().to_string()
    }
}

/// `openssl s_server -Verify 1 -verify_return_error`, killed on drop.
struct SServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl SServer {
    fn start(client_ca: &Ca, tls: &str) -> SServer {
        let dir = tempfile::tempdir().unwrap();
        let server_ca = Ca::root("tlscheck test server CA");
        let leaf = server_ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
        let cert = pki::write(dir.path(), "server.crt", &[&leaf.cert_pem]);
        let key = pki::write(dir.path(), "server.key", &[&leaf.key_pem]);
        let ca = pki::write(dir.path(), "client-ca.crt", &[&client_ca.cert_pem()]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", tls, "-accept"])
            .arg(port.to_string())
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .arg("-CAfile")
            .arg(&ca)
            .args(["-Verify", "1", "-verify_return_error"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run openssl s_server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        SServer {
            child,
            port,
            _dir: dir,
        }
    }

    fn target(&self) -> String {
        format!("tls://127.0.0.1:{}", self.port)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn openssl_s_server_requiring_a_client_certificate() {
    let c = Clients::new("alice");
    let s = SServer::start(&c.ca, "-tls1_3");
    let t = s.target();
    let base = [t.as_str(), "--mode", "require"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run(&a)
    };

    // No certificate: TLS 1.3 servers say so after the handshake.
    let r = with(&[]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(
        r.json["facts"]["tls"]["after_handshake"]["alert"],
        "certificate_required"
    );
    let f = r.finding("rejected-after-handshake");
    assert!(f["fix"].as_str().unwrap().contains("--cert"), "{f:#}");
    // A plain TLS listener may require a certificate: the read waited.
    let wait = &r.json["facts"]["tls"]["after_handshake_wait"];
    assert_eq!(wait["reason"], "listener-may-require-certificate", "{wait}");
    assert!(wait["budget_ms"].as_f64().unwrap() >= 50.0, "{wait}");
    let req = &r.json["facts"]["tls"]["client_certificate_request"];
    assert!(
        req["acceptable_cas"].to_string().contains("client CA"),
        "{req:#}"
    );
    assert!(req["signature_schemes"].as_array().unwrap().len() > 1);
    assert_eq!(
        r.json["facts"]["tls"]["client_certificate_presented"],
        false
    );

    // A good certificate, in every form the user may have it.
    let forms: Vec<Vec<String>> = vec![
        vec![
            "--cert".into(),
            c.s("client.crt"),
            "--key".into(),
            c.s("client.key"),
        ],
        vec!["--cert".into(), c.s("combined.pem")],
        vec![
            "--cert".into(),
            c.s("client.crt"),
            "--key".into(),
            c.s("client.enc.key"),
            "--key-password-file".into(),
            c.s("password.txt"),
        ],
        vec![
            "--cert".into(),
            c.s("client.p12"),
            "--key-password-file".into(),
            c.s("password.txt"),
        ],
        vec![
            "--cert".into(),
            c.s("client.legacy.p12"),
            "--key-password-file".into(),
            c.s("password.txt"),
        ],
    ];
    for form in &forms {
        let extra: Vec<&str> = form.iter().map(String::as_str).collect();
        let r = with(&extra);
        assert_eq!(r.code, 0, "{form:?}: {:#}", r.json);
        assert_eq!(
            r.json["facts"]["tls"]["client_certificate_presented"], true,
            "{form:?}"
        );
        assert_eq!(r.json["facts"]["client_identity"]["subject"], "CN=alice");
        assert!(!r.has("client-certificate-issuer-not-accepted"), "{form:?}");
        assert!(r.finding("client-certificate-requested")["detail"]
            .as_str()
            .unwrap()
            .contains("among the accepted CAs"));
    }

    // The password from the connection string: used, never echoed.
    let uri = format!("{t}?sslpassword=s3cret%20pass");
    let r = run(&[&uri, "--mode", "require", "--cert", &c.s("client.p12")]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let all = r.json.to_string();
    assert!(!all.contains("s3cret"), "{all}");
    // And from the environment.
    let mut cmd = support::tlscheck();
    cmd.args([
        "connect",
        &t,
        "--mode",
        "require",
        "--cert",
        &c.s("client.p12"),
    ])
    .env("TLSCHECK_KEY_PASSWORD", "s3cret pass");
    assert_eq!(support::json_run(cmd).code, 0);

    // A certificate from a CA the server does not trust.
    let r = with(&[
        "--cert",
        &c.s("untrusted.crt"),
        "--key",
        &c.s("untrusted.key"),
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(
        r.json["facts"]["tls"]["after_handshake"]["alert"],
        "unknown_ca"
    );
    assert!(
        r.has("client-certificate-issuer-not-accepted"),
        "{:?}",
        r.ids()
    );
    let f = r.finding("rejected-after-handshake");
    assert!(
        f["detail"].as_str().unwrap().contains("some other CA"),
        "{f:#}"
    );
    assert_eq!(
        r.json["facts"]["tls"]["after_handshake_wait"]["reason"],
        "certificate-presented"
    );

    // Expired: the dates are read before connecting, and the server's
    // alert is explained.
    let r = with(&["--cert", &c.s("expired.pem")]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert!(r.has("client-certificate-expired"), "{:?}", r.ids());
    assert_eq!(r.json["facts"]["client_identity"]["validity"], "expired");
    assert_eq!(
        r.json["facts"]["tls"]["after_handshake"]["alert"],
        "certificate_expired"
    );
    // No clientAuth in extendedKeyUsage: OpenSSL refuses it.
    let r = with(&["--cert", &c.s("server-only.pem")]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert!(r.has("client-certificate-purpose"), "{:?}", r.ids());
    assert_eq!(
        r.json["facts"]["client_identity"]["client_auth_allowed"],
        false
    );

    // What cannot be used stops before connecting, with the reason.
    let e = usage_error(&[
        &t,
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.enc.key"),
        "--key-password-file",
        &c.s("wrong.txt"),
    ]);
    assert!(e.contains("wrong password"), "{e}");
    // The file at fault is named by its flag.
    let flagged = |flag: &str, file: &str| format!("tlscheck: {flag} {}: ", c.s(file));
    assert!(e.starts_with(&flagged("--key", "client.enc.key")), "{e}");
    let e = usage_error(&[
        &t,
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.enc.key"),
    ]);
    assert!(
        e.contains("encrypted") && e.contains("--key-password-file"),
        "{e}"
    );
    let e = usage_error(&[
        &t,
        "--cert",
        &c.s("client.p12"),
        "--key-password-file",
        &c.s("wrong.txt"),
    ]);
    assert!(e.contains("wrong password"), "{e}");
    assert!(e.starts_with(&flagged("--cert", "client.p12")), "{e}");
    let e = usage_error(&[
        &t,
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.3des.key"),
        "--key-password-file",
        &c.s("password.txt"),
    ]);
    assert!(
        e.contains("unsupported encryption") && e.contains("openssl"),
        "{e}"
    );
    let e = usage_error(&[
        &t,
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("untrusted.key"),
    ]);
    assert!(e.contains("does not match"), "{e}");
    assert!(e.starts_with(&flagged("--key", "untrusted.key")), "{e}");
    let e = usage_error(&[&t, "--cert", &c.s("client.crt")]);
    assert!(e.contains("no private key"), "{e}");
    assert!(e.starts_with(&flagged("--cert", "client.crt")), "{e}");
}

#[test]
fn openssl_s_server_tls12_rejects_in_the_handshake() {
    let c = Clients::new("alice");
    let s = SServer::start(&c.ca, "-tls1_2");
    let t = s.target();
    let r = run(&[&t, "--mode", "require"]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(
        r.json["facts"]["tls"]["failure"]["kind"], "alert",
        "{:#}",
        r.json
    );
    let r = run(&[&t, "--mode", "require", "--cert", &c.s("combined.pem")]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["tls"]["version"], "TLSv1.2");
}

/// PostgreSQL: ssl_ca_file (so it asks for a certificate) and
/// `hostssl all all 127.0.0.1/32 cert`: the certificate is checked at login.
#[test]
fn postgres_cert_authentication() {
    let c = Clients::new("postgres");
    let server_ca = Ca::root("tlscheck test server CA");
    let leaf = server_ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let mut opts = PgOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone());
    opts.ca_pem = Some(c.ca.cert_pem());
    opts.hba = vec!["hostssl all all 127.0.0.1/32 cert".into()];
    let pg = PgServer::start(opts);
    let addr = pg.addr();

    // No certificate: TLS is fine, the login is refused.
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--user",
        "postgres",
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let login = &r.json["facts"]["tls"]["login"];
    assert_eq!(login["answer"], "error", "{login:#}");
    assert_eq!(login["code"], "28000", "{login:#}");
    assert!(r.has("login-refused"));
    assert!(
        r.finding("login-refused")["fix"]
            .as_str()
            .unwrap()
            .contains("sslcert"),
        "{:#}",
        r.json
    );

    // The right certificate: logged in, and the session ended with Terminate.
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--user",
        "postgres",
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.enc.key"),
        "--key-password-file",
        &c.s("password.txt"),
    ]);
    let login = &r.json["facts"]["tls"]["login"];
    assert_eq!(login["answer"], "ok", "{:#}", r.json);
    assert_eq!(login["ended_with"], "terminate");
    assert!(r.has("login-accepted"));
    // psql agrees.
    let conninfo = format!(
        "{} sslmode=require sslcert={} sslkey={}",
        pg.conninfo(),
        c.s("client.crt"),
        c.s("client.key")
    );
    let out = support::psql()
        .args(["-d", &conninfo, "-Atc", "select 1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A certificate for another user: certificate authentication failed.
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--user",
        "alice",
        "--cert",
        &c.s("combined.pem"),
    ]);
    let login = &r.json["facts"]["tls"]["login"];
    assert!(
        login["message"]
            .as_str()
            .unwrap_or("")
            .contains("certificate authentication failed"),
        "{login:#}"
    );
    assert!(r.finding("login-refused")["detail"]
        .as_str()
        .unwrap()
        .contains("CN"));

    // A certificate from a CA the server does not trust: rejected in TLS.
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--cert",
        &c.s("untrusted.crt"),
        "--key",
        &c.s("untrusted.key"),
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert!(
        r.has("client-certificate-issuer-not-accepted"),
        "{:?}",
        r.ids()
    );

    // libpq's key-permission rule: psql refuses, and so does the verdict
    // under libpq's rules; the default files are libpq's.
    let home = tempfile::tempdir().unwrap();
    let pgdir = home.path().join(".postgresql");
    std::fs::create_dir(&pgdir).unwrap();
    std::fs::copy(c.p("client.crt"), pgdir.join("postgresql.crt")).unwrap();
    std::fs::copy(c.p("client.key"), pgdir.join("postgresql.key")).unwrap();
    set_mode(&pgdir.join("postgresql.key"), 0o644);
    let uri = format!(
        "postgresql://postgres@{}:{}/postgres?sslmode=require",
        pg.host, pg.port
    );
    let mut cmd = support::tlscheck();
    cmd.args(["connect", &uri]).env("HOME", home.path());
    let r = support::json_run(cmd);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert!(
        r.json["settings"].to_string().contains("postgresql.crt"),
        "{:#}",
        r.json["settings"]
    );
    let ids: Vec<String> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.contains(&"client-key-permissions".to_string()),
        "{ids:?}"
    );
    let out = support::psql()
        .env("HOME", home.path())
        .args(["-d", &uri, "-Atc", "select 1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("permissions"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With 0600 both connect.
    set_mode(&pgdir.join("postgresql.key"), 0o600);
    let mut cmd = support::tlscheck();
    cmd.args(["connect", &uri]).env("HOME", home.path());
    let r = support::json_run(cmd);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["tls"]["client_certificate_presented"], true);
}

/// PostgreSQL with `ssl_ca_file` asks every client for a certificate, but
/// refuses a missing one only at login, never in TLS: a check that presents
/// none does not wait after the handshake (it used to wait 100 ms and more,
/// 6× what `openssl s_client -starttls postgres` takes). A certificate that
/// is presented can be refused in TLS, so that is still waited for.
#[test]
fn postgres_ca_file_without_a_certificate_is_not_waited_for() {
    let c = Clients::new("postgres");
    let server_ca = Ca::root("tlscheck test server CA");
    let leaf = server_ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let mut opts = PgOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone());
    opts.ca_pem = Some(c.ca.cert_pem());
    let pg = PgServer::start(opts);
    let addr = pg.addr();
    let root = c.write("server-root.pem", &[&server_ca.cert_pem()]);
    let root = root.to_str().unwrap();

    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "verify-full",
        "--ca-file",
        root,
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let tls = &r.json["facts"]["tls"];
    assert_eq!(tls["version"], "TLSv1.3", "{tls:#}");
    assert!(tls["client_certificate_request"].is_object(), "{tls:#}");
    assert_eq!(tls["client_certificate_presented"], false);
    assert_eq!(tls["after_handshake"]["kind"], "quiet", "{tls:#}");
    let wait = &tls["after_handshake_wait"];
    assert_eq!(
        wait["reason"], "missing-certificate-refused-at-login",
        "{wait}"
    );
    assert_eq!(wait["budget_ms"], 0.0, "{wait}");
    assert!(wait["rtt_ms"].as_f64().unwrap() > 0.0, "{wait}");

    // A certificate from a CA the server does not trust is refused in TLS,
    // after the handshake: waited for, and found.
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--cert",
        &c.s("untrusted.crt"),
        "--key",
        &c.s("untrusted.key"),
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let tls = &r.json["facts"]["tls"];
    assert_eq!(
        tls["after_handshake_wait"]["reason"],
        "certificate-presented"
    );
    assert!(
        tls["after_handshake_wait"]["budget_ms"].as_f64().unwrap() >= 50.0,
        "{tls:#}"
    );
    assert_eq!(tls["after_handshake"]["alert"], "unknown_ca", "{tls:#}");
    assert!(r.has("rejected-after-handshake"), "{:?}", r.ids());
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// MariaDB with --ssl-ca and an account `REQUIRE X509`: the server asks
/// every client for an optional certificate and checks it at login only.
#[test]
fn mariadb_require_x509() {
    let c = Clients::new("x509user");
    let server_ca = Ca::root("tlscheck test server CA");
    let leaf = server_ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let mut opts = MariaOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone());
    opts.ca_pem = Some(c.ca.cert_pem());
    let db = MariaServer::start(opts);
    let socket = db.data_dir.parent().unwrap().join("mysqld.sock");
    let out = mariadb::mariadb_client()
        .arg(format!("--socket={}", socket.display()))
        .args([
            "-uroot",
            "-e",
            "CREATE USER 'x509user'@'%' REQUIRE X509; CREATE USER 'pwuser'@'%' IDENTIFIED BY 'secret';",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addr = db.addr();

    // No certificate: TLS passes; the login is refused.
    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--mode",
        "require",
        "--user",
        "x509user",
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let login = &r.json["facts"]["tls"]["login"];
    assert_eq!(login["answer"], "error", "{login:#}");
    assert_eq!(login["code"], "1045", "{login:#}");
    assert!(
        r.finding("login-refused")["detail"]
            .as_str()
            .unwrap()
            .contains("REQUIRE X509"),
        "{:#}",
        r.json
    );

    // The certificate: logged in, COM_QUIT.
    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--mode",
        "require",
        "--user",
        "x509user",
        "--cert",
        &c.s("client.p12"),
        "--key-password-file",
        &c.s("password.txt"),
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["tls"]["client_certificate_presented"], true);
    let login = &r.json["facts"]["tls"]["login"];
    assert_eq!(login["answer"], "ok", "{:#}", r.json);
    assert_eq!(login["ended_with"], "com-quit");

    // An account with a password: access denied without one.
    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--mode",
        "require",
        "--user",
        "pwuser",
    ]);
    assert_eq!(
        r.json["facts"]["tls"]["login"]["code"], "1045",
        "{:#}",
        r.json
    );

    // A certificate from an untrusted CA: MariaDB rejects it in TLS.
    let r = run(&[
        &addr,
        "--protocol",
        "mysql",
        "--mode",
        "require",
        "--user",
        "x509user",
        "--cert",
        &c.s("untrusted.crt"),
        "--key",
        &c.s("untrusted.key"),
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    // MariaDB names no CAs in its request, so only the alert tells.
    assert!(r.has("rejected-after-handshake"), "{:?}", r.ids());
    assert!(
        r.json["facts"]["tls"]["client_certificate_request"]["acceptable_cas"]
            .as_array()
            .unwrap()
            .is_empty()
            || r.has("client-certificate-issuer-not-accepted")
    );
}

/// libpq 16's sslcertmode: `require` refuses a server that asks for no
/// certificate, `disable` never sends one (nor reads the files).
#[test]
fn libpq_sslcertmode() {
    use support::tls_server::{self, Before, TlsServerSpec};
    let ca = Ca::root("tlscheck test server CA");
    let leaf = ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let mut spec = TlsServerSpec::new(&leaf, &[]);
    spec.before = Before::PgSslRequest;
    let addr = tls_server::start(spec);
    let uri = |q: &str| {
        format!(
            "postgresql://app@127.0.0.1:{}/db?sslmode=require&{q}",
            addr.port()
        )
    };

    let r = run(&[&uri("sslcertmode=require")]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert!(r.json["verdict"]["reason"]
        .as_str()
        .unwrap()
        .contains("sslcertmode=require"));
    assert_eq!(
        r.finding("client-certificate-not-requested")["severity"],
        "error"
    );

    let r = run(&[&uri("sslcertmode=allow")]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert!(!r.has("client-certificate-not-requested"));

    let r = run(&[&uri("sslcertmode=disable&sslcert=/no/such/client.crt")]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert!(r.json["notes"].to_string().contains("sslcertmode=disable"));

    let e = usage_error(&[&uri("sslcertmode=always")]);
    assert!(e.contains("sslcertmode"), "{e}");
}
