//! Client default trust stores against the real clients on this machine:
//! Java's cacerts against `keytool` (the JDK's own reader), keystores
//! keytool writes (JKS, PKCS#12 modern, legacy and password-less), and
//! the embedded Node.js root list against the one compiled into `node`.
//!
//! A missing `keytool` skips the test that needs it, saying so; a missing
//! `node` fails the root-list test (it is what keeps that list honest).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::pki::{self, Ca};
use tlscheck::observe::fingerprint;
use tlscheck::trust::{self, SourceKind, StoreEnv};

fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: {tool} is not installed (apt-get install default-jdk-headless nodejs)");
    }
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What `keytool -list` says: the entry count and each entry's SHA-256.
fn keytool_list(args: &[&str]) -> (usize, BTreeSet<String>) {
    let text = run(Command::new("keytool")
        .env("LC_ALL", "C")
        .env_remove("JAVA_TOOL_OPTIONS")
        .arg("-list")
        .args(args));
    let count = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("Your keystore contains ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .expect("keytool names the entry count");
    let fingerprints = text
        .lines()
        .filter_map(|l| l.strip_prefix("Certificate fingerprint (SHA-256): "))
        .map(|f| f.trim().to_string())
        .collect();
    (count, fingerprints)
}

fn fingerprints(source: &trust::TrustSource) -> BTreeSet<String> {
    source.certs.iter().map(|c| fingerprint(c)).collect()
}

/// The Java home `keytool` on PATH belongs to (…/bin/keytool).
fn keytool_home() -> PathBuf {
    let path = run(Command::new("sh").args(["-c", "command -v keytool"]));
    let real = std::fs::canonicalize(path.trim()).unwrap();
    real.parent().unwrap().parent().unwrap().to_path_buf()
}

#[test]
fn java_cacerts_matches_keytool_exactly() {
    if !have("keytool") {
        return;
    }
    let (count, expected) = keytool_list(&["-cacerts", "-storepass", "changeit"]);
    let home = keytool_home();
    let env = StoreEnv::from_vars([("JAVA_HOME", home.display().to_string())]);
    let started = std::time::Instant::now();
    let (source, location) = trust::java_cacerts_located(&env);
    let took = started.elapsed();
    eprintln!(
        "read {} ({:?}, {} roots) in {took:?}",
        source.location.as_deref().unwrap_or("?"),
        location.format,
        source.anchors.len()
    );
    assert_eq!(source.kind, SourceKind::JavaCacerts);
    assert!(source.errors.is_empty(), "{:?}", source.errors);
    assert_eq!(source.certs.len(), count, "keytool counts {count} entries");
    assert_eq!(fingerprints(&source), expected);
    assert_eq!(source.anchors.len(), count, "every root is a usable anchor");

    // Loading stays cheap: the median of 20 reads, printed (run with --nocapture).
    let mut times: Vec<std::time::Duration> = (0..20)
        .map(|_| {
            let t = std::time::Instant::now();
            let s = trust::java_cacerts(&env);
            assert_eq!(s.certs.len(), count);
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "Java cacerts ({count} roots): median {:?}, min {:?} per read",
        times[10], times[0]
    );

    // The same from the java on PATH, as when JAVA_HOME is unset.
    let env = StoreEnv::from_vars([("PATH", std::env::var("PATH").unwrap())]);
    let (source, location) = trust::java_cacerts_located(&env);
    assert!(location.how.contains("java on PATH"), "{}", location.how);
    assert_eq!(source.certs.len(), count);
}

/// A keystore written by keytool: two roots imported as trusted
/// certificates and one key pair generated in it.
fn keytool_store(
    dir: &Path,
    name: &str,
    storetype: &str,
    extra: &[&str],
    roots: &[&Ca],
) -> PathBuf {
    let store = dir.join(name);
    for (i, root) in roots.iter().enumerate() {
        let pem = pki::write(dir, &format!("{name}-root{i}.pem"), &[&root.cert_pem()]);
        run(Command::new("keytool")
            .args(extra)
            .args(["-importcert", "-noprompt", "-storetype", storetype])
            .args(["-storepass", "changeit", "-alias", &format!("root{i}")])
            .arg("-keystore")
            .arg(&store)
            .arg("-file")
            .arg(&pem));
    }
    run(Command::new("keytool")
        .args(extra)
        .args([
            "-genkeypair",
            "-keyalg",
            "EC",
            "-dname",
            "CN=keytool key entry",
        ])
        .args([
            "-storetype",
            storetype,
            "-storepass",
            "changeit",
            "-keypass",
            "changeit",
        ])
        .args(["-alias", "mykey", "-keystore"])
        .arg(&store));
    store
}

#[test]
fn keystores_keytool_writes_read_as_keytool_lists_them() {
    if !have("keytool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (Ca::root("keytool root a"), Ca::root("keytool root b"));
    let cases: &[(&str, &str, &[&str])] = &[
        ("store.jks", "JKS", &[]),
        ("store.p12", "PKCS12", &[]),
        // Java 8's format: certificates under RC2-40, keys under 3DES.
        ("legacy.p12", "PKCS12", &["-J-Dkeystore.pkcs12.legacy"]),
        // JDK 18+'s cacerts: no encryption and no MAC.
        (
            "nopass.p12",
            "PKCS12",
            &[
                "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
                "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
            ],
        ),
    ];
    for (name, storetype, extra) in cases {
        let store = keytool_store(dir.path(), name, storetype, extra, &[&a, &b]);
        let store_arg = store.display().to_string();
        let (count, expected) = keytool_list(&["-keystore", &store_arg, "-storepass", "changeit"]);
        assert_eq!(count, 3, "{name}");
        let source = trust::java::keystore_file(&store, None);
        assert!(source.errors.is_empty(), "{name}: {:?}", source.errors);
        assert_eq!(fingerprints(&source), expected, "{name}");
        assert_eq!(source.anchors.len(), 3, "{name}");
    }
}

/// The subject and SubjectPublicKeyInfo of an anchor, as webpki keeps them.
type Root = (Vec<u8>, Vec<u8>);

fn name(root: &Root) -> String {
    tlscheck::observe::name_of(&root.0)
}

fn root_of(der: &rustls_pki_types::CertificateDer<'_>) -> Root {
    let a = webpki::anchor_from_trusted_cert(der).expect("a usable anchor");
    (a.subject.to_vec(), a.subject_public_key_info.to_vec())
}

/// The Node.js root list tlscheck embeds (src/trust/node_roots.pem) is the
/// installed `node`'s `tls.rootCertificates`, certificate for certificate and
/// in order, when that node is the release the file names. Another release
/// (or a build with other roots) fails, with the differences printed and the
/// way to refresh the file: run tests/drivers/node/export-roots.js. A missing
/// node fails too: this test is what keeps the embedded list honest.
///
/// For information, the list is also set against webpki-roots (Mozilla's
/// list as cut for rustls), which tlscheck used to stand in for Node's: with
/// node 20.20.2 and webpki-roots 1.0.10, 115 shared, 29 only in node
/// (DigiCert Global Root CA among them), 5 only in webpki-roots.
#[test]
fn the_embedded_node_roots_are_the_installed_nodes() {
    use rustls_pki_types::pem::PemObject;
    let embedded_version = trust::node::bundled_node_version();
    let version = Command::new("node").arg("--version").output();
    let Ok(version) = version.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()) else {
        panic!(
            "node is not installed; this test compares src/trust/node_roots.pem with it: install Node.js {embedded_version} (apt-get install nodejs, NodeSource's 20.x)"
        );
    };
    let out = run(Command::new("node")
        .env_remove("NODE_OPTIONS")
        .args(["-p", "JSON.stringify(require('tls').rootCertificates)"]));
    let pems: Vec<String> = serde_json::from_str(out.trim()).expect("a JSON list");
    let node: Vec<_> = pems
        .iter()
        .map(|p| rustls_pki_types::CertificateDer::from_pem_slice(p.as_bytes()).unwrap())
        .collect();
    let embedded = trust::node::bundled_roots();

    // tlscheck's Node store, with no extra file, is the embedded list.
    let store = trust::node_default(&StoreEnv::from_vars::<_, String, String>([]));
    assert_eq!(store.certs, embedded);
    assert_eq!(store.anchors.len(), embedded.len());
    assert!(store.errors.is_empty(), "{:?}", store.errors);
    assert_eq!(
        store.label,
        format!("Node.js {embedded_version}'s bundled roots")
    );

    let node_set: BTreeSet<Root> = node.iter().map(root_of).collect();
    let embedded_set: BTreeSet<Root> = embedded.iter().map(root_of).collect();
    let only_node: Vec<&Root> = node_set.difference(&embedded_set).collect();
    let only_embedded: Vec<&Root> = embedded_set.difference(&node_set).collect();
    eprintln!(
        "installed node {version}: {} roots; embedded list (Node.js v{embedded_version}): {} roots; {} only in node, {} only in the embedded list",
        node.len(),
        embedded.len(),
        only_node.len(),
        only_embedded.len()
    );
    for r in &only_node {
        eprintln!("  only in node:          {}", name(r));
    }
    for r in &only_embedded {
        eprintln!("  only in embedded list: {}", name(r));
    }

    let webpki: BTreeSet<Root> = trust::mozilla()
        .anchors
        .iter()
        .map(|a| (a.subject.to_vec(), a.subject_public_key_info.to_vec()))
        .collect();
    eprintln!(
        "for information, webpki-roots ({} roots) against the embedded list: {} in both, {} only in the embedded list, {} only in webpki-roots",
        webpki.len(),
        embedded_set.intersection(&webpki).count(),
        embedded_set.difference(&webpki).count(),
        webpki.difference(&embedded_set).count()
    );

    let refresh = "re-run `node tests/drivers/node/export-roots.js` with the Node.js release tlscheck should model, and commit src/trust/node_roots.pem";
    assert_eq!(
        version,
        format!("v{embedded_version}"),
        "the installed node is {version}, the embedded root list is Node.js v{embedded_version}'s: {refresh}"
    );
    assert!(
        node.as_slice() == embedded,
        "node {version}'s tls.rootCertificates differ from the embedded list ({} only in node, {} only in the list{}): {refresh}",
        only_node.len(),
        only_embedded.len(),
        if only_node.is_empty() && only_embedded.is_empty() {
            ", the same roots in another order or encoding"
        } else {
            ""
        }
    );
}

/// `tlscheck roots` with a trust store named in JAVA_TOOL_OPTIONS, an extra
/// file in NODE_EXTRA_CA_CERTS, and an OS store without the root.
#[test]
fn roots_shows_both_stores_and_find_searches_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = Ca::root("stores test root");
    let other = Ca::root("stores other root");
    let os_bundle = pki::write(dir.path(), "os.crt", &[&other.cert_pem()]);
    let extra = pki::write(dir.path(), "extra.pem", &[&root.cert_pem()]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        "root",
        p12_keystore::KeyStoreEntry::Certificate(
            p12_keystore::Certificate::from_der(&root.cert_der()).unwrap(),
        ),
    );
    let p12 = dir.path().join("truststore.p12");
    std::fs::write(&p12, store.writer("changeit").write().unwrap()).unwrap();

    let cmd = || {
        let mut c = support::tlscheck();
        c.env("SSL_CERT_FILE", &os_bundle)
            .env_remove("SSL_CERT_DIR")
            .env_remove("NODE_OPTIONS")
            .env(
                "JAVA_TOOL_OPTIONS",
                format!("-Djavax.net.ssl.trustStore={}", p12.display()),
            )
            .env("NODE_EXTRA_CA_CERTS", &extra);
        c
    };
    let mut c = cmd();
    c.args(["roots", "--find", "stores test root"]);
    let r = support::json_run(c);
    assert_eq!(r.code, 1, "not in the OS store: {:#}", r.json);
    let j = &r.json["java_cacerts"];
    assert_eq!(j["found"], true);
    assert_eq!(j["format"], "pkcs12");
    assert_eq!(j["roots"], 1);
    assert_eq!(j["path"], p12.to_str().unwrap());
    assert!(j["how"].as_str().unwrap().contains("JAVA_TOOL_OPTIONS"));
    let n = &r.json["node"];
    assert_eq!(n["base"], "bundled");
    assert_eq!(n["extra_certificates"], 1);
    assert_eq!(n["extra_ca_certs"], extra.to_str().unwrap());
    assert_eq!(
        n["roots"].as_u64().unwrap(),
        trust::node::bundled_roots().len() as u64 + 1
    );
    let sources: Vec<&str> = r.json["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["java-cacerts", "node-bundled"], "{:#}", r.json);
    for m in r.json["matches"].as_array().unwrap() {
        assert_eq!(m["in_java_cacerts"], true);
        assert_eq!(m["in_node"], true);
        assert_eq!(m["in_os_store"], false);
        assert_eq!(m["in_mozilla"], false);
        assert_eq!(m["sha256"], fingerprint(&root.cert_der()).as_str());
    }
    let summary = r.json["summary"].as_str().unwrap();
    assert!(
        summary.contains("1 in Java cacerts, 1 in Node.js's store"),
        "{summary}"
    );

    // Human output names both stores and where they were read from.
    let mut c = cmd();
    c.arg("roots");
    let out = c.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Java cacerts (Java's default trust store)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("read from   {}", p12.display())),
        "{text}"
    );
    assert!(
        text.contains("Node.js store (Node's default trust store)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("NODE_EXTRA_CA_CERTS {}", extra.display())),
        "{text}"
    );

    // An unreadable extra file and a missing trust store are errors, not failures.
    let mut c = cmd();
    c.env("NODE_EXTRA_CA_CERTS", dir.path().join("missing.pem"))
        .env(
            "JAVA_TOOL_OPTIONS",
            format!(
                "-Djavax.net.ssl.trustStore={}",
                dir.path().join("none.jks").display()
            ),
        )
        .arg("roots");
    let r = support::json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["node"]["extra_certificates"], 0);
    let node_errors = r.json["node"]["errors"].as_array().unwrap();
    assert!(
        node_errors[0]
            .as_str()
            .unwrap()
            .contains("Ignoring extra certs"),
        "{node_errors:?}"
    );
    assert_eq!(r.json["java_cacerts"]["roots"], 0);
    let java_errors = r.json["java_cacerts"]["errors"].as_array().unwrap();
    assert!(
        java_errors[0].as_str().unwrap().contains("cannot read"),
        "{java_errors:?}"
    );

    // --use-openssl-ca: Node's store is the OS store (plus the extra file).
    let mut c = cmd();
    c.env("NODE_OPTIONS", "--use-openssl-ca").arg("roots");
    let r = support::json_run(c);
    assert_eq!(r.json["node"]["base"], "openssl");
    assert_eq!(r.json["node"]["roots"], 2, "{:#}", r.json["node"]);
    assert!(r.json["node"]["label"]
        .as_str()
        .unwrap()
        .contains("--use-openssl-ca"));
}

/// PKCS#12 files OpenSSL writes: a key entry's certificate is trusted (a
/// JVM trusts it, checked with a Java client), a bare certificate without
/// Java's trusted attribute is not loaded by Java at all, and tlscheck says so.
#[test]
fn openssl_pkcs12_as_java_reads_it() {
    if !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::root("openssl p12 root");
    let cert = pki::write(dir.path(), "ca.pem", &[&ca.cert_pem()]);
    let key = pki::write(dir.path(), "ca.key", &[&ca.key_pem()]);
    let keyed = dir.path().join("keyentry.p12");
    let bare = dir.path().join("bare.p12");
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:changeit", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-out")
        .arg(&keyed));
    run(Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-nokeys",
            "-passout",
            "pass:changeit",
            "-in",
        ])
        .arg(&cert)
        .arg("-out")
        .arg(&bare));
    let s = trust::java::keystore_file(&keyed, None);
    assert_eq!(s.anchors.len(), 1, "{:?}", s.errors);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let s = trust::java::keystore_file(&bare, None);
    assert!(s.anchors.is_empty());
    assert!(
        s.errors
            .iter()
            .any(|e| e.contains("trusted-certificate attribute")),
        "{:?}",
        s.errors
    );
}
