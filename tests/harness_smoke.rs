//! Smoke tests for the test harness itself: the PKI produces certificates
//! that libpq accepts (or rejects for the right reason), and PgServer starts
//! real PostgreSQL servers with and without TLS.

mod support;

use std::process::Output;

use support::pki::{self, Ca, LeafSpec};
use support::postgres::{PgOptions, PgServer};

const SSL_QUERY: &str = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";

fn psql(conninfo: &str) -> Output {
    support::psql()
        .arg(conninfo)
        .args(["-Atc", SSL_QUERY])
        .output()
        .expect("run psql (is the PostgreSQL client installed?)")
}

fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn tls_server_with_intermediate_chain_verifies_full() {
    let root = Ca::root("tlscheck test root");
    let inter = root.intermediate("tlscheck test intermediate");
    let leaf = inter.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));

    let chain = format!("{}{}", leaf.cert_pem, inter.cert_pem());
    let pg = PgServer::start(PgOptions::tls(chain, leaf.key_pem.clone()));

    let dir = tempfile::tempdir().unwrap();
    let root_pem = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);

    let out = psql(&format!(
        "{} sslmode=verify-full sslrootcert={}",
        pg.conninfo(),
        root_pem.display()
    ));
    assert!(out.status.success(), "psql failed: {}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t");
}

#[test]
fn plain_server_rejects_sslmode_require() {
    let pg = PgServer::start(PgOptions::plain());

    // The server itself is up: a plain connection works and is not TLS.
    let out = psql(&format!("{} sslmode=disable", pg.conninfo()));
    assert!(out.status.success(), "psql failed: {}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "f");

    let out = psql(&format!("{} sslmode=require", pg.conninfo()));
    assert!(!out.status.success(), "psql succeeded: {}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server does not support SSL"),
        "{}",
        describe(&out)
    );
}

#[test]
fn expired_leaf_fails_verify_full() {
    let root = Ca::root("tlscheck expired root");
    let leaf = root.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]).expired());
    let pg = PgServer::start(PgOptions::tls(leaf.cert_pem.clone(), leaf.key_pem.clone()));

    let dir = tempfile::tempdir().unwrap();
    let root_pem = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);

    let out = psql(&format!(
        "{} sslmode=verify-full sslrootcert={}",
        pg.conninfo(),
        root_pem.display()
    ));
    assert!(!out.status.success(), "psql succeeded: {}", describe(&out));
    // libpq 15 only says "certificate verify failed" (no X509 detail), so
    // accept that and prove the reason with openssl below.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("certificate has expired") || stderr.contains("certificate verify failed"),
        "{}",
        describe(&out)
    );

    let out = std::process::Command::new("openssl")
        .args(["s_client", "-starttls", "postgres", "-verify_return_error"])
        .args(["-connect", &pg.addr(), "-servername", "localhost"])
        .arg("-CAfile")
        .arg(&root_pem)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run openssl s_client");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("certificate has expired"),
        "{}",
        describe(&out)
    );
}

#[test]
fn several_servers_in_parallel() {
    let root = Ca::root("tlscheck parallel root");
    let leaf = root.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let dir = tempfile::tempdir().unwrap();
    let root_pem = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);

    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (cert, key) = (leaf.cert_pem.clone(), leaf.key_pem.clone());
            std::thread::spawn(move || PgServer::start(PgOptions::tls(cert, key)))
        })
        .collect();
    let servers: Vec<PgServer> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    for pg in &servers {
        let out = psql(&format!(
            "{} sslmode=verify-full sslrootcert={}",
            pg.conninfo(),
            root_pem.display()
        ));
        assert!(out.status.success(), "psql failed: {}", describe(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t");
    }
    let mut ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), servers.len());
}

#[test]
fn pki_leaf_shapes() {
    let root = Ca::root("tlscheck shapes root");
    let spec = LeafSpec::for_names(&["localhost", "127.0.0.1", "::1"]);
    assert_eq!(spec.dns, vec!["localhost".to_string()]);
    assert_eq!(spec.ips.len(), 2);
    assert!(spec.not_before < time::OffsetDateTime::now_utc());

    let cn_only = LeafSpec::for_names(&["localhost"]).cn_only("localhost");
    assert!(cn_only.no_san && cn_only.dns.is_empty());

    let soon = LeafSpec::for_names(&["localhost"]).expiring_in_days(5);
    assert!(soon.not_after < time::OffsetDateTime::now_utc() + time::Duration::days(6));

    let future = LeafSpec::for_names(&["localhost"]).not_yet_valid();
    assert!(future.not_before > time::OffsetDateTime::now_utc());

    let ss = Ca::self_signed_leaf(&LeafSpec::for_names(&["localhost"]));
    assert!(ss.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(ss.key_pem.contains("PRIVATE KEY"));

    let leaf = root.leaf(&LeafSpec::for_names(&["localhost"]));
    let crl = root.crl(&[&leaf]);
    assert!(crl.starts_with("-----BEGIN X509 CRL-----"));
}
