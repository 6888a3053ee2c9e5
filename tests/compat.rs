//! Where OpenSSL 3 and webpki split on weak or old certificates. The
//! OpenSSL side is not assumed: `openssl verify` (Debian's OpenSSL 3 at its
//! default security level, what psql, the MariaDB client and Python use)
//! decides each certificate here (at the security level a TLS client uses), and tlscheck must report the same.

mod support;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed: apt-get install -y openssl")
        .success()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `openssl s_server` at security level 0, so it will serve weak certificates.
fn serve(dir: &Path, cert: &str, key: &str) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            cert,
            "-key",
            key,
        ])
        .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), port)
}

/// Make a leaf signed by `root`, with `key_args` and extra x509 arguments.
fn leaf(dir: &Path, name: &str, key_args: &[&str], x509_args: &[&str]) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    let mut req = vec![
        "req",
        "-new",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &csr,
        "-subj",
        "/CN=localhost",
    ];
    req.extend_from_slice(key_args);
    assert!(openssl(dir, &req));
    let mut x509 = vec![
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-set_serial",
        "7",
        "-days",
        "30",
        "-out",
        &pem,
    ];
    x509.extend_from_slice(x509_args);
    assert!(openssl(dir, &x509), "making {name}");
}

#[test]
fn tlscheck_and_openssl_verify_agree_on_weak_and_old_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(openssl(
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
            "30",
            "-subj",
            "/CN=compat root",
        ],
    ));
    std::fs::write(
        d.join("v3.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    leaf(
        d,
        "rsa1024",
        &["-newkey", "rsa:1024"],
        &["-extfile", "v3.ext"],
    );
    leaf(d, "sha1", &ec, &["-extfile", "v3.ext", "-sha1"]);
    leaf(d, "v1", &ec, &[]);

    for (name, note) in [
        ("rsa1024", "rsa-key-under-2048"),
        ("sha1", "sha1-signature"),
        ("v1", "x509-v1"),
    ] {
        // -auth_level 2: the security level a TLS client's context applies
        // (Debian's default); plain `openssl verify` applies none.
        let openssl_accepts = openssl(
            d,
            &[
                "verify",
                "-auth_level",
                "2",
                "-CAfile",
                "root.pem",
                &format!("{name}.pem"),
            ],
        );
        let (_server, port) = serve(d, &format!("{name}.pem"), &format!("{name}.key"));
        let root = d.join("root.pem");
        let (_, j) = support::connect_json(&[
            &format!("localhost:{port}"),
            "--protocol",
            "tls",
            "--ca-file",
            root.to_str().unwrap(),
            "--mode",
            "verify-ca",
        ]);
        let notes = j["policy_notes"].as_array().unwrap();
        let n = notes
            .iter()
            .find(|n| n["id"] == note)
            .unwrap_or_else(|| panic!("{name}: no {note} note in {notes:#?}"));
        assert_eq!(
            n["openssl3_accepts"], openssl_accepts,
            "{name}: openssl verify says {openssl_accepts}, tlscheck says {}",
            n["openssl3_accepts"]
        );
        assert_eq!(n["webpki_accepts"], false);
        // The rustls side shows in the check itself: webpki refuses the SHA-1
        // and v1 chains; the RSA-1024 leaf's chain is fine to webpki, but
        // rustls refuses the handshake signature made with that key.
        if name == "rsa1024" {
            assert!(
                j["facts"]["tls"]["handshake_signature_error"].is_string(),
                "{:#}",
                j["facts"]["tls"]
            );
        } else {
            let ca = j["trust"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["source"] == "ca-file")
                .unwrap();
            assert_eq!(ca["valid"], false, "{name}: {ca:#}");
        }
        assert_eq!(j["verdict"]["result"], "fail", "{name}");
        // The client-family table follows openssl verify for the OpenSSL
        // clients and webpki for rustls.
        let row = |client: &str| {
            j["clients"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["client"].as_str().unwrap().starts_with(client))
                .unwrap()["accepts"]
                .clone()
        };
        assert_eq!(row("psql"), openssl_accepts, "{name}: {:#}", j["clients"]);
        assert_eq!(row("rustls"), false, "{name}");
        assert!(j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == note));
    }
}
