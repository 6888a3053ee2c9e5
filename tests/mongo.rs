//! `tlscheck connect` against a real MongoDB-wire server (SecantusDB's
//! `secantusd-py`, see tests/support/mongo.rs) started on ephemeral loopback
//! ports with certificates made for each test. PyMongo is asked the same
//! question for the same URI and must agree with tlscheck's verdict.
//!
//! `mongodb+srv://` names are served by a DNS responder on loopback
//! (tests/support/dns.rs) through `--dns-server`.

mod support;

use std::net::Ipv4Addr;

use serde_json::Value;
use support::dns::{self, Rr};
use support::mongo::{pymongo_parse_srv, pymongo_ping, MongoOptions, MongoServer};
use support::pki::{self, Ca, Issued, LeafSpec};
use support::tlscheck;

struct Run {
    code: i32,
    json: Value,
    stdout: String,
}

impl Run {
    fn ids(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
    fn context(&self) -> String {
        format!("exit {}\n{}", self.code, self.stdout)
    }
}

fn run(args: &[&str]) -> Run {
    let out = tlscheck()
        .arg("connect")
        .args(args)
        .arg("--json")
        .output()
        .expect("run tlscheck");
    let code = out.status.code().expect("exit code");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "tlscheck {args:?}: not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
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

/// tlscheck's exit code and PyMongo's verdict must tell the same story.
fn agree(uri: &str, r: &Run) {
    let py = pymongo_ping(uri);
    match (&py, r.code) {
        (Ok(()), 0) | (Err(_), 1 | 3) => {}
        _ => panic!(
            "PyMongo and tlscheck disagree on {uri}: PyMongo {py:?}\ntlscheck {}",
            r.context()
        ),
    }
}

struct Pki {
    ca: Ca,
    _dir: tempfile::TempDir,
    ca_file: String,
}

fn pki() -> Pki {
    let ca = Ca::root("tlscheck mongo test CA");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = pki::write(dir.path(), "ca.pem", &[&ca.cert_pem()])
        .display()
        .to_string();
    Pki {
        ca,
        _dir: dir,
        ca_file,
    }
}

fn tls_server(leaf: &Issued, standalone: bool) -> MongoServer {
    MongoServer::start(MongoOptions {
        tls: Some((leaf.cert_pem.clone(), leaf.key_pem.clone())),
        standalone,
        client_ca: None,
    })
}

#[test]
fn good_chain_passes_and_shows_what_hello_says() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let s = tls_server(&leaf, false);
    let uri = format!("mongodb://{}/?tls=true&tlsCAFile={}", s.addr(), p.ca_file);
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "verify-full");
    assert_eq!(r.json["target"]["rules"], "pymongo");
    assert_eq!(r.json["hostname"]["rules"], "openssl");
    let m = &r.json["facts"]["mongo"];
    assert_eq!(m["answered"], true, "{m:#}");
    assert_eq!(m["over_tls"], true);
    assert_eq!(m["set_name"], "secantus");
    assert_eq!(m["is_writable_primary"], true);
    assert_eq!(m["server_type"], "replica-set-primary");
    assert_eq!(m["me"], s.addr());
    assert_eq!(m["hosts"][0], s.addr());
    assert!(m["max_wire_version"].as_i64().unwrap() >= 6, "{m:#}");
    assert!(m["version_range"].as_str().unwrap().starts_with("MongoDB "));
    agree(&uri, &r);

    let (code, text) = human(&[&uri]);
    assert_eq!(code, 0);
    assert!(text.contains("as PyMongo 4 would decide"), "{text}");
    assert!(text.contains("hello       over TLS"), "{text}");
    assert!(text.contains("replica set secantus"), "{text}");
    // option names are case-insensitive
    let upper = format!("mongodb://{}/?TLS=true&TLSCAFILE={}", s.addr(), p.ca_file);
    assert_eq!(run(&[&upper]).code, 0);
}

#[test]
fn wrong_host_fails_and_allow_invalid_hostnames_passes() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["db.example.com"]));
    let s = tls_server(&leaf, true);
    let uri = format!("mongodb://{}/?tls=true&tlsCAFile={}", s.addr(), p.ca_file);
    let r = run(&[&uri]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(
        r.ids().contains(&"hostname-mismatch".to_string()),
        "{:?}",
        r.ids()
    );
    assert_eq!(r.json["facts"]["mongo"]["server_type"], "standalone");
    agree(&uri, &r);

    let lenient = format!("{uri}&tlsAllowInvalidHostnames=true");
    let r = run(&[&lenient]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "verify-ca");
    agree(&lenient, &r);

    // the same as PyMongo's flag, on a host:port target
    let r = run(&[
        &s.addr(),
        "--protocol",
        "mongo",
        "--ca-file",
        &p.ca_file,
        "--tls-allow-invalid-hostnames",
    ]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "verify-ca");
    let r = run(&[&s.addr(), "--protocol", "mongo", "--ca-file", &p.ca_file]);
    assert_eq!(r.code, 1, "{}", r.context());
}

#[test]
fn a_cn_only_certificate_passes_under_openssls_rules() {
    // Python's ssl (OpenSSL's X509_check_host) falls back to the subject CN
    // when the certificate has no DNS subjectAltName; webpki would not.
    let p = pki();
    let leaf =
        p.ca.leaf(&LeafSpec::for_names(&["127.0.0.1"]).with_cn("localhost"));
    let s = tls_server(&leaf, true);
    let uri = format!(
        "mongodb://localhost:{}/?tls=true&tlsCAFile={}",
        s.port, p.ca_file
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["hostname"]["matched_by"], "CN:localhost");
    assert_eq!(r.json["hostname"]["other_rules_decide"], false);
    agree(&uri, &r);
}

#[test]
fn unknown_ca_fails_and_the_insecure_options_encrypt_only() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let s = tls_server(&leaf, true);
    // No tlsCAFile: PyMongo uses the OS store, which does not know the test CA.
    let uri = format!("mongodb://{}/?tls=true", s.addr());
    let r = run(&[&uri]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.json["verdict_trust"]
        .as_str()
        .unwrap()
        .contains("OS store"));
    agree(&uri, &r);

    for opt in ["tlsInsecure=true", "tlsAllowInvalidCertificates=true"] {
        let u = format!("{uri}&{opt}");
        let r = run(&[&u]);
        assert_eq!(r.code, 0, "{opt}: {}", r.context());
        assert_eq!(r.json["verdict"]["mode"], "insecure");
        assert_eq!(r.json["verdict"]["encrypted"], true);
        agree(&u, &r);
    }
    for flag in ["--tls-insecure", "--tls-allow-invalid-certificates"] {
        let r = run(&[&uri, flag]);
        assert_eq!(r.code, 0, "{flag}: {}", r.context());
        assert_eq!(r.json["verdict"]["mode"], "insecure");
    }
    // conflicting options are refused, as PyMongo refuses them
    let bad = format!("{uri}&tlsInsecure=true&tlsAllowInvalidCertificates=true");
    let out = tlscheck().args(["connect", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be specified simultaneously"));
    assert!(pymongo_ping(&bad).unwrap_err().contains("InvalidURI"));
}

#[test]
fn tls_crl_file_covers_the_leaf_as_python_does() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["127.0.0.1"]));
    let s = tls_server(&leaf, true);
    let other = Ca::root("some other CA");
    let cases = [
        ("revoked.crl", p.ca.crl(&[&leaf]), 1),
        ("clean.crl", p.ca.crl(&[]), 0),
        // A CRL that does not cover the leaf: OpenSSL cannot get one, and fails.
        ("other.crl", other.crl(&[]), 1),
    ];
    for (name, crl, code) in cases {
        let path = pki::write(p._dir.path(), name, &[&crl]);
        let uri = format!(
            "mongodb://{}/?tls=true&tlsCAFile={}&tlsCRLFile={}",
            s.addr(),
            p.ca_file,
            path.display()
        );
        let r = run(&[&uri]);
        assert_eq!(r.code, code, "{name}: {}", r.context());
        agree(&uri, &r);
    }
}

#[test]
fn plaintext_server_is_reachable_without_tls_and_fails_with_it() {
    let s = MongoServer::start(MongoOptions {
        tls: None,
        standalone: true,
        client_ca: None,
    });
    let uri = format!("mongodb://{}/", s.addr());
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "disable");
    assert_eq!(r.json["verdict"]["encrypted"], false);
    assert_eq!(r.json["facts"]["mongo"]["over_tls"], false);
    assert_eq!(r.json["facts"]["mongo"]["answered"], true);
    assert!(r.ids().contains(&"unencrypted".to_string()));
    agree(&uri, &r);

    let tls = format!("mongodb://{}/?tls=true&tlsInsecure=true", s.addr());
    let r = run(&[&tls, "--timeout", "2"]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(
        r.ids().contains(&"server-refuses-tls".to_string()),
        "{:?}",
        r.ids()
    );
    assert!(r.json["verdict"]["reason"]
        .as_str()
        .unwrap()
        .contains("without TLS"));
    agree(&tls, &r);
}

#[test]
fn tls_false_against_a_tls_server_fails() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["127.0.0.1"]));
    let s = tls_server(&leaf, true);
    let uri = format!("mongodb://{}/?tls=false", s.addr());
    let r = run(&[&uri]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(
        r.ids().contains(&"server-requires-tls".to_string()),
        "{:?}",
        r.ids()
    );
    agree(&uri, &r);
}

#[test]
fn two_hosts_one_with_a_bad_certificate() {
    let p = pki();
    let good = tls_server(&p.ca.leaf(&LeafSpec::for_names(&["127.0.0.1"])), true);
    let bad = tls_server(
        &p.ca.leaf(&LeafSpec::for_names(&["other.example.com"])),
        true,
    );
    let uri = format!(
        "mongodb://{},{}/?tls=true&tlsCAFile={}",
        good.addr(),
        bad.addr(),
        p.ca_file
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 1, "{}", r.context());
    let hosts = r.json["hosts"].as_array().expect("hosts[]");
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0]["exit_code"], 0);
    assert_eq!(hosts[1]["exit_code"], 1);
    assert_eq!(hosts[1]["role"], "seed");
    assert_eq!(r.json["summary"]["pass"], 1);
    assert_eq!(r.json["summary"]["fail"], 1);
    let line = r.json["summary"]["line"].as_str().unwrap();
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains(&bad.addr()), "{line}");
    // each host on its own, as PyMongo sees it
    for (s, code) in [(&good, 0), (&bad, 1)] {
        let one = format!(
            "mongodb://{}/?tls=true&tlsCAFile={}&directConnection=true",
            s.addr(),
            p.ca_file
        );
        let r1 = run(&[&one]);
        assert_eq!(r1.code, code, "{}", r1.context());
        agree(&one, &r1);
    }
    let (code, text) = human(&[&uri]);
    assert_eq!(code, 1);
    assert!(text.contains("host 2 of 2"), "{text}");
    assert!(text.contains("Summary: FAIL"), "{text}");
}

#[test]
fn all_members_checks_each_member_by_its_own_name() {
    // The certificate names localhost only; the replica set lists its member
    // as 127.0.0.1:PORT, so the member fails where the seed passes. PyMongo,
    // which connects to the listed member, fails too.
    let p = pki();
    let s = tls_server(&p.ca.leaf(&LeafSpec::for_names(&["localhost"])), false);
    let uri = format!(
        "mongodb://localhost:{}/?tls=true&tlsCAFile={}",
        s.port, p.ca_file
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert!(
        r.json.get("hosts").is_none(),
        "one host keeps the single shape"
    );
    let r = run(&[&uri, "--all-members"]);
    assert_eq!(r.code, 1, "{}", r.context());
    let hosts = r.json["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2, "{}", r.context());
    assert_eq!(hosts[0]["target"]["host"], "localhost");
    assert_eq!(hosts[0]["exit_code"], 0);
    assert_eq!(hosts[1]["target"]["host"], "127.0.0.1");
    assert_eq!(hosts[1]["exit_code"], 1);
    assert_eq!(
        hosts[1]["role"],
        format!("member listed by localhost:{}", s.port)
    );
    agree(&uri, &r);
}

#[test]
fn mongodb_srv_expands_hosts_and_enforces_the_parent_domain() {
    let p = pki();
    let a = tls_server(
        &p.ca.leaf(&LeafSpec::for_names(&["db1.tlscheck.test"])),
        true,
    );
    let b = tls_server(
        &p.ca.leaf(&LeafSpec::for_names(&["db2.tlscheck.test"])),
        true,
    );
    let lo = Ipv4Addr::LOCALHOST;
    let srv = |target: &str, port: u16| Rr::Srv {
        priority: 0,
        weight: 0,
        port,
        target: target.into(),
    };
    let zone = vec![
        (
            "_mongodb._tcp.cluster0.tlscheck.test".into(),
            srv("db1.tlscheck.test", a.port),
        ),
        (
            "_mongodb._tcp.cluster0.tlscheck.test".into(),
            srv("db2.tlscheck.test", b.port),
        ),
        (
            "cluster0.tlscheck.test".into(),
            Rr::Txt("replicaSet=rs0&authSource=admin".into()),
        ),
        (
            "_mongodb._tcp.evil.tlscheck.test".into(),
            srv("db1.elsewhere.test", a.port),
        ),
        ("db1.tlscheck.test".into(), Rr::A(lo)),
        ("db2.tlscheck.test".into(), Rr::A(lo)),
        ("db1.elsewhere.test".into(), Rr::A(lo)),
    ];
    let dns_addr = dns::start(zone);
    let dns = dns_addr.to_string();

    let uri = format!(
        "mongodb+srv://cluster0.tlscheck.test/?tlsCAFile={}",
        p.ca_file
    );
    let r = run(&[&uri, "--dns-server", &dns]);
    let srv_json = &r.json["srv"];
    assert_eq!(
        srv_json["records"].as_array().unwrap().len(),
        2,
        "{}",
        r.context()
    );
    assert_eq!(srv_json["txt"], "replicaSet=rs0&authSource=admin");
    assert_eq!(srv_json["problems"].as_array().unwrap().len(), 0);
    let hosts = r.json["hosts"].as_array().unwrap();
    assert_eq!(hosts[0]["target"]["host"], "db1.tlscheck.test");
    assert_eq!(hosts[0]["target"]["connect_host"], "127.0.0.1");
    assert_eq!(hosts[0]["verdict"]["mode"], "verify-full");
    assert_eq!(hosts[0]["exit_code"], 0, "{}", r.context());
    assert_eq!(hosts[1]["exit_code"], 0, "{}", r.context());
    // TLS is on for mongodb+srv, and replicaSet from TXT names a set the
    // standalone servers are not in: a warning, as PyMongo would not select them.
    let ids: Vec<&str> = hosts[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"unencrypted"), "{ids:?}");
    assert!(ids.contains(&"replica-set-mismatch"), "{ids:?}");
    assert_eq!(r.code, 0, "{}", r.context());
    // PyMongo, asking the same DNS server, expands the same hosts and options.
    let (nodes, opts) = pymongo_parse_srv(&uri, dns_addr).expect("PyMongo accepts the SRV answer");
    let ours: Vec<String> = hosts
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h["target"]["host"].as_str().unwrap(),
                h["target"]["port"]
            )
        })
        .collect();
    let mut theirs = nodes.clone();
    theirs.sort();
    let mut ours_sorted = ours.clone();
    ours_sorted.sort();
    assert_eq!(ours_sorted, theirs, "PyMongo's seed list");
    assert!(
        opts.iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("replicaSet") && v == "rs0"),
        "{opts:?}"
    );

    let evil = format!("mongodb+srv://evil.tlscheck.test/?tlsCAFile={}", p.ca_file);
    let r = run(&[&evil, "--dns-server", &dns]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.json["srv"]["records"][0]["within_parent_domain"], false);
    assert!(r.json["srv"]["problems"][0]
        .as_str()
        .unwrap()
        .contains("not in the parent domain tlscheck.test"));
    let (_, text) = human(&[&evil, "--dns-server", &dns]);
    assert!(text.contains("PyMongo refuses"), "{text}");
    let refused = pymongo_parse_srv(&evil, dns_addr).unwrap_err();
    assert!(refused.contains("Invalid SRV host"), "{refused}");

    let none = format!(
        "mongodb+srv://nothing.tlscheck.test/?tlsCAFile={}",
        p.ca_file
    );
    let r = run(&[&none, "--dns-server", &dns, "--timeout", "3"]);
    assert_eq!(r.code, 3, "{}", r.context());
    assert!(pymongo_parse_srv(&none, dns_addr).is_err());
}

#[test]
fn an_endpoint_that_is_not_mongodb_is_named() {
    // Plain text: an HTTP answer to the hello.
    let http =
        support::tls_server::start_raw(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let r = run(&[&format!("mongodb://{http}/")]);
    assert_eq!(r.code, 3, "{}", r.context());
    assert_eq!(r.json["facts"]["mongo"]["looks_like_protocol"], "http");
    assert!(
        r.ids().contains(&"wrong-protocol".to_string()),
        "{:?}",
        r.ids()
    );

    // TLS that works, then silence: not a MongoDB server.
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["127.0.0.1"]));
    let tls = support::tls_server::start(support::tls_server::TlsServerSpec::new(&leaf, &[]));
    let r = run(&[
        &format!("mongodb://{tls}/?tls=true&tlsCAFile={}", p.ca_file),
        "--timeout",
        "1",
    ]);
    assert_eq!(r.code, 3, "{}", r.context());
    assert!(r.ids().contains(&"no-answer".to_string()), "{:?}", r.ids());
    assert!(r.json["verdict"]["reason"]
        .as_str()
        .unwrap()
        .contains("no MongoDB answer"));
}

/// Mutual TLS with PyMongo's combined PEM (`tlsCertificateKeyFile`): no
/// certificate, a good one, one from a CA the server does not trust.
#[test]
fn client_certificates_as_pymongo_presents_them() {
    let p = pki();
    let leaf = p.ca.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let clients = Ca::root("tlscheck mongo client CA");
    let stranger = Ca::root("tlscheck mongo stranger CA");
    let s = MongoServer::start(MongoOptions {
        tls: Some((leaf.cert_pem.clone(), leaf.key_pem.clone())),
        standalone: true,
        client_ca: Some(clients.cert_pem()),
    });
    let dir = tempfile::tempdir().unwrap();
    let good = clients.client("app");
    let bad = stranger.client("app");
    let good_pem = pki::write(dir.path(), "good.pem", &[&good.cert_pem, &good.key_pem]);
    let bad_pem = pki::write(dir.path(), "bad.pem", &[&bad.cert_pem, &bad.key_pem]);
    let uri = |extra: &str| {
        format!(
            "mongodb://{}/?tls=true&tlsCAFile={}{extra}",
            s.addr(),
            p.ca_file
        )
    };

    let none = uri("");
    let r = run(&[&none]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(
        r.json["facts"]["tls"]["client_certificate_request"].is_object(),
        "{}",
        r.context()
    );
    agree(&none, &r);

    let with_good = uri(&format!("&tlsCertificateKeyFile={}", good_pem.display()));
    let r = run(&[&with_good]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(
        r.json["facts"]["tls"]["client_certificate_presented"],
        true,
        "{}",
        r.context()
    );
    agree(&with_good, &r);

    let with_bad = uri(&format!("&tlsCertificateKeyFile={}", bad_pem.display()));
    let r = run(&[&with_bad]);
    assert_eq!(r.code, 1, "{}", r.context());
    agree(&with_bad, &r);
}

/// Conformance with PyMongo: certificate scenarios by PyMongo's TLS
/// options, the same URI given to both; every cell must agree.
#[test]
fn conformance_with_pymongo_across_scenarios() {
    let p = pki();
    let inter = p.ca.intermediate("tlscheck mongo conformance intermediate");
    let names = || LeafSpec::for_names(&["localhost", "127.0.0.1"]);
    let served = |leaf: &Issued| format!("{}{}", leaf.cert_pem, inter.cert_pem());
    let stranger = Ca::root("tlscheck mongo stranger");
    let scenarios: Vec<(&str, String, String)> = {
        let good = inter.leaf(&names());
        let expired = inter.leaf(&names().expired());
        let wrong = inter.leaf(&LeafSpec::for_names(&["db.example.com"]));
        let unknown = stranger.leaf(&names());
        vec![
            ("good", served(&good), good.key_pem.clone()),
            ("expired", served(&expired), expired.key_pem.clone()),
            ("wrong host", served(&wrong), wrong.key_pem.clone()),
            (
                "missing intermediate",
                good.cert_pem.clone(),
                good.key_pem.clone(),
            ),
            (
                "unknown CA",
                unknown.cert_pem.clone(),
                unknown.key_pem.clone(),
            ),
        ]
    };
    for (name, chain, key) in scenarios {
        let s = MongoServer::start(MongoOptions {
            tls: Some((chain, key)),
            standalone: true,
            client_ca: None,
        });
        for option in ["", "&tlsAllowInvalidHostnames=true", "&tlsInsecure=true"] {
            let uri = format!(
                "mongodb://localhost:{}/?tls=true&tlsCAFile={}{option}",
                s.port, p.ca_file
            );
            let r = run(&[&uri]);
            let py = pymongo_ping(&uri);
            assert_eq!(
                py.is_ok(),
                r.code == 0,
                "{name} {option}: PyMongo {py:?}, tlscheck {}",
                r.context()
            );
        }
    }
}
