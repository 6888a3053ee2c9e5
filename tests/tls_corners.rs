//! TLS corner cases against in-process rustls servers and raw sockets:
//! PostgreSQL 17 direct TLS, post-handshake rejections, servers that speak
//! something else or nothing, version mismatches, usage errors.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::Value;
use support::pki::{self, Ca, LeafSpec};
use support::tls_server::{self, TlsServerSpec};
use support::tlscheck;

struct Run {
    code: i32,
    json: Value,
}

fn run(args: &[&str]) -> Run {
    let (code, json) = support::connect_json(args);
    Run { code, json }
}

fn finding_ids(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

struct Pki {
    _dir: tempfile::TempDir,
    intermediate: Ca,
    root_file: PathBuf,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let root = Ca::root("corner root");
    let intermediate = root.intermediate("corner intermediate");
    let root_file = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    Pki {
        _dir: dir,
        intermediate,
        root_file,
    }
}

fn good_server(p: &Pki, f: impl FnOnce(&mut TlsServerSpec)) -> SocketAddr {
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let mut spec = TlsServerSpec::new(&leaf, &[p.intermediate.cert_der()]);
    f(&mut spec);
    tls_server::start(spec)
}

#[test]
fn direct_tls_offers_alpn_postgresql() {
    let p = pki();
    let addr = good_server(&p, |s| {
        s.alpn = vec![b"postgresql".to_vec()];
        s.require_alpn = Some(b"postgresql".to_vec());
    });
    let target = format!("127.0.0.1:{}", addr.port());
    let root = p.root_file.to_str().unwrap();
    let r = run(&[
        &target,
        "--protocol",
        "postgres",
        "--pg-negotiation",
        "direct",
        "--ca-file",
        root,
    ]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["upgrade"]["method"], "direct");
    assert_eq!(r.json["facts"]["tls"]["alpn"], "postgresql");

    // The same through the URI's sslnegotiation=direct.
    let uri = format!(
        "postgresql://127.0.0.1:{}/db?sslmode=verify-full&sslnegotiation=direct&sslrootcert={root}",
        addr.port()
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["tls"]["alpn"], "postgresql");
}

#[test]
fn sslrequest_to_a_direct_tls_port_is_named() {
    let p = pki();
    let addr = good_server(&p, |_| {});
    let target = format!("127.0.0.1:{}", addr.port());
    // The server expects a ClientHello; the SSLRequest makes it answer with a TLS alert.
    let r = run(&[&target, "--protocol", "postgres", "--timeout", "2"]);
    assert_eq!(r.code, 3, "{:#}", r.json);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "wrong-protocol");
    assert!(f["title"].as_str().unwrap().contains("TLS"), "{f:#}");
    assert!(f["fix"].as_str().unwrap().contains("direct"), "{f:#}");
}

#[test]
fn tls13_client_certificate_rejection_arrives_after_the_handshake() {
    let p = pki();
    let client_ca = Ca::root("client CA for corner tests");
    let addr = good_server(&p, |s| {
        s.client_ca = Some(client_ca.cert_der());
        s.versions = vec![&rustls::version::TLS13];
    });
    let target = format!("127.0.0.1:{}", addr.port());
    let r = run(&[&target, "--mode", "require"]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let tls = &r.json["facts"]["tls"];
    assert_eq!(tls["version"], "TLSv1.3");
    assert_eq!(tls["after_handshake"]["kind"], "alert");
    assert_eq!(tls["after_handshake"]["alert"], "certificate_required");
    let cas = tls["client_certificate_request"]["acceptable_cas"]
        .as_array()
        .unwrap();
    assert!(
        cas.iter()
            .any(|c| c.as_str().unwrap().contains("client CA for corner tests")),
        "{cas:?}"
    );
    let ids = finding_ids(&r.json);
    assert!(
        ids.contains(&"rejected-after-handshake".to_string()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"client-certificate-requested".to_string()),
        "{ids:?}"
    );
}

#[test]
fn version_mismatch_is_explained() {
    let p = pki();
    let addr = good_server(&p, |s| s.versions = vec![&rustls::version::TLS12]);
    let target = format!("127.0.0.1:{}", addr.port());
    let root = p.root_file.to_str().unwrap();
    let r = run(&[&target, "--ca-file", root, "--tls-min", "1.3"]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let f = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "handshake-alert" || f["id"] == "tls-incompatible")
        .unwrap_or_else(|| panic!("no version finding: {:#}", r.json["findings"]))
        .clone();
    assert!(f["detail"].as_str().unwrap().contains("TLSv1.3"), "{f:#}");
    // The same server passes with TLS 1.2 allowed.
    let r = run(&[&target, "--ca-file", root]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["facts"]["tls"]["version"], "TLSv1.2");
}

#[test]
fn a_port_that_speaks_http_is_named() {
    let addr = tls_server::start_raw(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let r = run(&[
        &format!("tls://127.0.0.1:{}", addr.port()),
        "--timeout",
        "2",
    ]);
    assert_eq!(r.code, 3, "{:#}", r.json);
    let f = &r.json["findings"][0];
    assert_eq!(f["id"], "not-tls");
    assert!(f["title"].as_str().unwrap().contains("HTTP"), "{f:#}");
}

#[test]
fn a_silent_server_times_out_with_exit_3() {
    let addr = tls_server::start_raw(b"");
    let r = run(&[
        &format!("127.0.0.1:{}", addr.port()),
        "--protocol",
        "postgres",
        "--timeout",
        "0.5",
    ]);
    assert_eq!(r.code, 3, "{:#}", r.json);
    assert_eq!(r.json["facts"]["upgrade_error"]["kind"], "timeout");
    assert_eq!(r.json["verdict"]["result"], "unreachable");
}

#[test]
fn cn_only_certificate_is_called_out() {
    let p = pki();
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&[]).cn_only("localhost"));
    let addr = tls_server::start(TlsServerSpec::new(&leaf, &[p.intermediate.cert_der()]));
    let root = p.root_file.to_str().unwrap();
    // Strict rules (host:port): no CN fallback.
    let r = run(&[
        &format!("localhost:{}", addr.port()),
        "--ca-file",
        root,
        "--protocol",
        "tls",
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(r.json["hostname"]["other_rules_decide"], true);
    assert!(finding_ids(&r.json).contains(&"cn-only".to_string()));
    // OpenSSL-based clients, Java's and Node.js's checks fall back to the
    // CN; Go and rustls never do.
    let accepts = |id: &str| {
        r.json["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} row: {:#}", r.json["clients"]))["accepts"]
            .as_bool()
            .unwrap()
    };
    for id in [
        "libpq",
        "mysql",
        "mariadb",
        "pymongo",
        "pymysql",
        "pgjdbc",
        "mongodb-java",
        "node-postgres",
    ] {
        assert!(accepts(id), "{id}");
    }
    for id in ["pgx", "go-mysql", "mongo-go", "sqlx"] {
        assert!(!accepts(id), "{id}");
    }
    assert!(finding_ids(&r.json).contains(&"clients-disagree".to_string()));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["db.example.com:99999"],
        vec!["postgresql://h/db?sslmode=bogus"],
        // MongoDB options PyMongo refuses together
        vec!["mongodb://h/?tlsInsecure=true&tlsAllowInvalidCertificates=true"],
        vec!["h:1", "--mode", "nonsense"],
        vec!["h"],
    ] {
        let out = tlscheck().arg("connect").args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?} printed no error");
    }
}

#[test]
fn human_report_leads_with_the_verdict_and_has_no_colour_when_piped() {
    let p = pki();
    let addr = good_server(&p, |_| {});
    let out = tlscheck()
        .args([
            "connect",
            &format!("tls://127.0.0.1:{}", addr.port()),
            "--ca-file",
        ])
        .arg(&p.root_file)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("✓ PASS"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour escape in piped output");
    assert!(text.contains("Chain as served"), "{text}");

    let out = tlscheck()
        .args([
            "connect",
            &format!("tls://127.0.0.1:{}", addr.port()),
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn demo_shows_a_pass_and_a_diagnosed_failure() {
    let out = tlscheck().args(["demo", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["verdict"]["result"], "pass");
    assert_eq!(reports[1]["verdict"]["result"], "fail");
    assert_eq!(reports[1]["findings"][0]["id"], "missing-intermediate");
}

fn scan_json(args: &[&str]) -> (i32, Value) {
    let mut cmd = tlscheck();
    cmd.arg("scan").args(args);
    let run = support::json_run(cmd);
    (run.code, run.json)
}

fn ids(list: &Value) -> std::collections::BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn hex_ids(v: impl IntoIterator<Item = u16>) -> std::collections::BTreeSet<String> {
    v.into_iter().map(|id| format!("0x{id:04X}")).collect()
}

/// A rustls server accepts exactly what its provider implements: the scan
/// must find those versions, suites (ECDSA key: the ECDSA ones) and groups,
/// no more and no fewer, and every client stack connects.
#[test]
fn scan_of_a_rustls_server_finds_exactly_what_rustls_implements() {
    let p = pki();
    let addr = good_server(&p, |_| {});
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let tls12 = hex_ids(provider.cipher_suites.iter().filter_map(|s| {
        match s {
            rustls::SupportedCipherSuite::Tls12(t)
                if t.sign
                    .contains(&rustls::SignatureScheme::ECDSA_NISTP256_SHA256) =>
            {
                Some(u16::from(s.suite()))
            }
            _ => None,
        }
    }));
    let tls13 = hex_ids(provider.cipher_suites.iter().filter_map(|s| match s {
        rustls::SupportedCipherSuite::Tls13(_) => Some(u16::from(s.suite())),
        _ => None,
    }));
    let groups = hex_ids(provider.kx_groups.iter().map(|g| u16::from(g.name())));

    let target = format!("tls://localhost:{}", addr.port());
    let (code, j) = scan_json(&[&target]);
    assert_eq!(code, 0, "{j:#}");
    let versions = j["versions"].as_array().unwrap();
    let accepted: Vec<&str> = versions
        .iter()
        .filter(|v| v["accepted"] == true)
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["TLSv1.2", "TLSv1.3"], "{j:#}");
    assert_eq!(ids(&versions[3]["ciphers"]), tls12);
    assert_eq!(ids(&versions[4]["ciphers"]), tls13);
    assert_eq!(ids(&j["groups"]), groups);
    // rustls follows the client's order unless told otherwise.
    assert_eq!(versions[3]["server_order"], false);
    for v in &versions[..3] {
        assert!(!v["refused_by"].as_array().unwrap().is_empty());
    }
    assert!(j["clients"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["connects"] == true));
    let certs = j["certificates"].as_array().unwrap();
    assert_eq!(certs[0]["sni"], "localhost");
    assert_eq!(certs[0]["chain_length"], 2, "leaf and intermediate");
    assert!(certs.iter().all(|c| c["differs"] == false), "{certs:#?}");
    let n = j["connections"].as_u64().unwrap();
    assert!((5..60).contains(&n), "connections: {n}");
}

/// A client limited to TLS 1.3 against a TLS 1.2-only server: rustls fails
/// with protocol_version, and connect still reads the chain from a TLS 1.2
/// probe, judges it, and says which versions the server speaks.
#[test]
fn connect_reads_and_judges_the_chain_when_rustls_cannot_handshake() {
    let p = pki();
    let addr = good_server(&p, |s| s.versions = vec![&rustls::version::TLS12]);
    let target = format!("tls://localhost:{}", addr.port());
    let r = run(&[
        &target,
        "--tls-min",
        "1.3",
        "--ca-file",
        p.root_file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let probe = &r.json["facts"]["legacy_probe"];
    let accepted: Vec<&str> = probe["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["accepted"] == true)
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["TLSv1.2"], "{probe:#}");
    assert_eq!(probe["certificates"][0]["how"], "TLSv1.2 probe");
    let chain = r.json["facts"]["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert!(chain[0]["san_dns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "localhost"));
    let ca = r.json["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "ca-file")
        .expect("the CA file is judged");
    assert_eq!(ca["valid"], true, "{ca:#}");
    assert!(finding_ids(&r.json).contains(&"handshake-alert".to_string()));
}

/// Bytes that are not TLS: no panic, no endless wait, a clear answer.
#[test]
fn scan_of_something_that_is_not_tls_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            use std::io::Write;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let (code, j) = scan_json(&[&format!("tls://127.0.0.1:{port}"), "--timeout", "2"]);
    assert_eq!(code, 3, "{j:#}");
    let error = j["error"].as_str().unwrap();
    assert!(
        error.contains("does not speak TLS") && error.contains("HTTP"),
        "{error}"
    );
    assert!(j["summary"].as_str().unwrap().starts_with("UNREACHABLE"));
}
