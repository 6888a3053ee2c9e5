//! `tlscheck cert LEAF [INTERMEDIATES…] --host NAME` judges files as
//! `connect` judges a served chain, and `--at` judges as of another instant.
//!
//! The main property: the same chain served by a TLS server and given as
//! files gets the same judgement (modes, clients table, trust sources,
//! findings), because both become the same facts for the one judge.

mod support;

use std::path::Path;

use serde_json::Value;
use support::pki::{self, Ca, Issued, LeafSpec};
use support::tls_server::{self, TlsServerSpec};
use support::{json_run, tlscheck};

const HOST: &str = "db.example.com";

struct Case {
    name: &'static str,
    leaf: Issued,
    /// Intermediates served after the leaf, and given after it as files.
    extra: Vec<Issued>,
    /// The name the chain is judged for.
    host: &'static str,
}

fn cases(root: &Ca) -> Vec<Case> {
    let inter = root.intermediate("files intermediate");
    let inter_cert = Issued {
        cert_pem: inter.cert_pem(),
        key_pem: String::new(),
        cert_der: inter.cert_der(),
        serial: Vec::new(),
    };
    let case = |name, leaf, extra: Vec<&Issued>, host| Case {
        name,
        leaf,
        extra: extra.into_iter().cloned().collect(),
        host,
    };
    vec![
        case(
            "good",
            root.leaf(&LeafSpec::for_names(&[HOST])),
            vec![],
            HOST,
        ),
        case(
            "wrong host",
            root.leaf(&LeafSpec::for_names(&["other.example.com"])),
            vec![],
            HOST,
        ),
        case(
            "expired",
            root.leaf(&LeafSpec::for_names(&[HOST]).expired()),
            vec![],
            HOST,
        ),
        case(
            "CN only",
            root.leaf(&LeafSpec::for_names(&[]).cn_only(HOST)),
            vec![],
            HOST,
        ),
        case(
            "intermediate given",
            inter.leaf(&LeafSpec::for_names(&[HOST])),
            vec![&inter_cert],
            HOST,
        ),
        case(
            "intermediate missing",
            inter.leaf(&LeafSpec::for_names(&[HOST])),
            vec![],
            HOST,
        ),
        case(
            "IP address",
            root.leaf(&LeafSpec::for_names(&["127.0.0.1"])),
            vec![],
            "127.0.0.1",
        ),
        case(
            "self-signed",
            Ca::self_signed_leaf(&LeafSpec::for_names(&[HOST])),
            vec![],
            HOST,
        ),
    ]
}

/// What must be the same whether the chain was served or read from files.
fn judged(j: &Value) -> Value {
    let pick = |v: &Value, keys: &[&str]| {
        Value::Array(
            v.as_array()
                .unwrap_or(&Vec::new())
                .iter()
                .map(|x| Value::Array(keys.iter().map(|k| x[*k].clone()).collect()))
                .collect(),
        )
    };
    let verifying = |m: &&Value| m["mode"] == "verify-ca" || m["mode"] == "verify-full";
    let modes: Vec<Value> = j["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .filter(verifying)
        .map(|m| Value::Array(vec![m["mode"].clone(), m["result"].clone()]))
        .collect();
    serde_json::json!({
        "verdict": j["verdict"]["result"],
        "modes": modes,
        "clients": pick(&j["clients"], &["id", "accepts", "reason"]),
        "trust": pick(&j["trust"], &["source", "valid", "problem"]),
        "findings": pick(&j["findings"], &["id", "severity"]),
        "hostname": j["hostname"]["matched"],
    })
}

fn files_for(dir: &Path, c: &Case) -> Vec<String> {
    let mut files = vec![pki::write(dir, "leaf.pem", &[&c.leaf.cert_pem])];
    for (i, e) in c.extra.iter().enumerate() {
        files.push(pki::write(dir, &format!("inter{i}.pem"), &[&e.cert_pem]));
    }
    files.iter().map(|p| p.display().to_string()).collect()
}

#[test]
fn a_chain_from_files_is_judged_as_the_same_chain_served() {
    let root = Ca::root("files root");
    let dir = tempfile::tempdir().unwrap();
    let ca = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    for c in cases(&root) {
        let case_dir = dir.path().join(c.name.replace(' ', "-"));
        std::fs::create_dir_all(&case_dir).unwrap();
        let extra: Vec<Vec<u8>> = c.extra.iter().map(|e| e.cert_der.clone()).collect();
        let addr = tls_server::start(TlsServerSpec::new(&c.leaf, &extra));
        let mut connect = tlscheck();
        connect
            .args([
                "connect",
                &format!("tls://{addr}"),
                "--timeout",
                "10",
                "--ca-file",
            ])
            .arg(&ca);
        // An IP host is the address itself; a name travels as the SNI.
        if c.host.parse::<std::net::IpAddr>().is_err() {
            connect.args(["--sni", c.host]);
        }
        let served = json_run(connect);
        let mut cert = tlscheck();
        cert.arg("cert")
            .args(files_for(&case_dir, &c))
            .args(["--host", c.host, "--ca-file"])
            .arg(&ca);
        let files = json_run(cert);
        assert_eq!(
            judged(&served.json),
            judged(&files.json),
            "{}: served vs files\nserved stderr: {}\nfiles stderr: {}",
            c.name,
            served.stderr,
            files.stderr
        );
        assert_eq!(served.code, files.code, "{}: exit codes", c.name);
        assert_eq!(files.json["facts"]["chain_source"]["kind"], "files");
        assert!(files.json["facts"]["connect"].is_null(), "{}", c.name);
    }
}

fn cert_host(dir: &Path, leaf: &Issued, root: &Ca, extra: &[&str]) -> support::JsonRun {
    let leaf_file = pki::write(dir, "leaf.pem", &[&leaf.cert_pem]);
    let ca = pki::write(dir, "root.pem", &[&root.cert_pem()]);
    let mut cmd = tlscheck();
    cmd.arg("cert")
        .arg(leaf_file)
        .args(["--host", HOST, "--ca-file"])
        .arg(ca)
        .args(extra);
    json_run(cmd)
}

#[test]
fn at_judges_expiry_as_of_that_instant() {
    let root = Ca::root("at root");
    let dir = tempfile::tempdir().unwrap();
    let leaf = root.leaf(&LeafSpec::for_names(&[HOST]).expiring_in_days(40));
    let now = cert_host(dir.path(), &leaf, &root, &[]);
    assert_eq!(now.code, 0, "{:#}", now.json["verdict"]);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(60)).date();
    let at = later.to_string();
    let then = cert_host(dir.path(), &leaf, &root, &["--at", &at]);
    assert_eq!(then.code, 1, "{:#}", then.json["verdict"]);
    assert!(
        then.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "expired"),
        "{:#}",
        then.json["findings"]
    );
    assert!(then.json["facts"]["judged_at"]
        .as_str()
        .unwrap()
        .starts_with(&at));
    assert!(then.json["clients"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["accepts"] == false));
    let before = cert_host(dir.path(), &leaf, &root, &["--at", "2000-01-01T00:00:00Z"]);
    assert_eq!(before.code, 1, "not yet valid in 2000");
}

#[test]
fn at_applies_to_connect_too() {
    let root = Ca::root("at connect root");
    let dir = tempfile::tempdir().unwrap();
    let leaf = root.leaf(&LeafSpec::for_names(&[HOST]).expiring_in_days(40));
    let ca = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    let addr = tls_server::start(TlsServerSpec::new(&leaf, &[]));
    let run = |at: Option<&str>| {
        let mut c = tlscheck();
        c.args([
            "connect",
            &format!("tls://{addr}"),
            "--sni",
            HOST,
            "--ca-file",
        ])
        .arg(&ca);
        if let Some(at) = at {
            c.args(["--at", at]);
        }
        json_run(c)
    };
    assert_eq!(run(None).code, 0);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(60)).date();
    let then = run(Some(&later.to_string()));
    assert_eq!(then.code, 1, "{:#}", then.json["verdict"]);
    assert_ne!(
        then.json["facts"]["observed_at"],
        then.json["facts"]["judged_at"]
    );
    assert!(then.json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "at"));
}

#[test]
fn client_picks_the_rules_and_the_rows() {
    let root = Ca::root("client root");
    let dir = tempfile::tempdir().unwrap();
    let leaf = root.leaf(&LeafSpec::for_names(&[]).cn_only(HOST));
    // libpq falls back to the CN when there is no SAN; tlscheck's own rules do not.
    let libpq = cert_host(dir.path(), &leaf, &root, &["--client", "libpq"]);
    assert_eq!(libpq.code, 0, "{:#}", libpq.json["verdict"]);
    assert_eq!(libpq.json["target"]["rules"], "libpq");
    let ids: Vec<&str> = libpq.json["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"pgjdbc") && !ids.contains(&"pymongo"),
        "{ids:?}"
    );
    let own = cert_host(dir.path(), &leaf, &root, &[]);
    assert_eq!(own.code, 1, "{:#}", own.json["verdict"]);
}

#[test]
fn bad_input_is_a_usage_error_naming_what_is_wrong() {
    let root = Ca::root("bad root");
    let dir = tempfile::tempdir().unwrap();
    let leaf = root.leaf(&LeafSpec::for_names(&[HOST]));
    let key_only = pki::write(dir.path(), "key.pem", &[&leaf.key_pem]);
    let leaf_file = pki::write(dir.path(), "leaf.pem", &[&leaf.cert_pem]);
    let run = |args: &[&str]| {
        let out = tlscheck().args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["cert", key_only.to_str().unwrap(), "--host", HOST]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no certificate"), "{err}");
    let (code, err) = run(&[
        "cert",
        leaf_file.to_str().unwrap(),
        "--host",
        HOST,
        "--at",
        "soon",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--at") && err.contains("RFC 3339"), "{err}");
    let (code, err) = run(&["cert", leaf_file.to_str().unwrap(), "--client", "libpq"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--host"), "{err}");
    let (code, err) = run(&[
        "cert",
        leaf_file.to_str().unwrap(),
        "--host",
        HOST,
        "--client",
        "nosuch",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nosuch"), "{err}");
}
