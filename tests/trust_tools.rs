//! The trust-store and certificate tools: `tlscheck roots` against a fake
//! OS store (SSL_CERT_FILE / SSL_CERT_DIR), `tlscheck cert` on generated
//! certificates, chains, CRLs, keys and PKCS#12 files, and `connect
//! --save-chain / --save-root` against an in-process TLS server.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::pki::{self, Ca, Issued, LeafSpec};
use support::tls_server::{self, TlsServerSpec};
use support::{json_run, tlscheck};

/// The OS store the spawned binary sees: a bundle file, a directory, or
/// neither (both variables removed, so the machine's own store is used).
#[derive(Clone, Copy)]
enum Store<'a> {
    File(&'a Path),
    Dir(&'a Path),
}

fn cmd(store: Store<'_>) -> Command {
    let mut c = tlscheck();
    c.env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env_remove("TLSCHECK_KEY_PASSWORD")
        .env_remove("NODE_EXTRA_CA_CERTS")
        .env_remove("NODE_OPTIONS")
        .env_remove("JAVA_TOOL_OPTIONS");
    match store {
        Store::File(f) => c.env("SSL_CERT_FILE", f),
        Store::Dir(d) => c.env("SSL_CERT_DIR", d),
    };
    c
}

fn plain_run(mut c: Command) -> (i32, String, String) {
    let out = c.output().expect("run tlscheck");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A root, an intermediate, a leaf for localhost, a bundle holding the root
/// (the fake OS store) and an unrelated bundle.
struct Fixture {
    dir: tempfile::TempDir,
    root: Ca,
    intermediate: Ca,
    leaf: Issued,
    bundle: PathBuf,
    other_bundle: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = Ca::root("tools test root");
    let intermediate = root.intermediate("tools test intermediate");
    let leaf = intermediate.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let other = Ca::root("unrelated root");
    let bundle = pki::write(
        dir.path(),
        "bundle.crt",
        &[&other.cert_pem(), &root.cert_pem()],
    );
    let other_bundle = pki::write(dir.path(), "other.crt", &[&other.cert_pem()]);
    Fixture {
        dir,
        root,
        intermediate,
        leaf,
        bundle,
        other_bundle,
    }
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, pems: &[&str]) -> PathBuf {
        pki::write(self.dir.path(), name, pems)
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fingerprint(der: &[u8]) -> String {
    tlscheck::observe::fingerprint(der)
}

// ---- roots ----

#[test]
fn roots_reports_the_bundle_file_it_read_and_its_size() {
    let f = fixture();
    let mut c = cmd(Store::File(&f.bundle));
    c.arg("roots");
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    let s = &r.json["os_store"];
    assert_eq!(s["roots"], 2);
    assert_eq!(s["empty"], false);
    assert_eq!(s["ssl_cert_file"], f.bundle.to_str().unwrap());
    assert_eq!(s["used"][0], f.bundle.to_str().unwrap());
    assert!(
        s["how"].as_str().unwrap().contains("SSL_CERT_FILE"),
        "{s:#}"
    );
    // The well-known places are listed whether or not they exist.
    let tried = s["tried"].as_array().unwrap();
    assert!(
        tried
            .iter()
            .any(|t| t["path"] == "/etc/pki/tls/certs/ca-bundle.crt"),
        "{s:#}"
    );
    assert!(r.json["mozilla"]["roots"].as_u64().unwrap() > 50);

    let mut c = cmd(Store::File(&f.bundle));
    c.arg("roots");
    let (code, out, _) = plain_run(c);
    assert_eq!(code, 0);
    assert!(out.starts_with("✓ OK"), "{out}");
    assert!(out.contains(f.bundle.to_str().unwrap()), "{out}");
}

#[test]
fn roots_reads_a_certificate_directory() {
    let f = fixture();
    let d = f.path("certs");
    std::fs::create_dir(&d).unwrap();
    pki::write(&d, "a.pem", &[&f.root.cert_pem()]);
    pki::write(&d, "b.pem", &[&Ca::root("another").cert_pem()]);
    let mut c = cmd(Store::Dir(&d));
    c.args(["roots", "--find", "tools test root"]);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["os_store"]["roots"], 2);
    assert_eq!(r.json["os_store"]["used"][0], d.to_str().unwrap());
    assert_eq!(r.json["matches"].as_array().unwrap().len(), 1);
}

#[test]
fn roots_find_by_name_and_by_fingerprint() {
    let f = fixture();
    let sha256 = fingerprint(&f.root.cert_der());

    for query in [
        "TOOLS TEST ROOT".to_string(),
        sha256.clone(),
        sha256.replace(':', "").to_lowercase(),
    ] {
        let mut c = cmd(Store::File(&f.bundle));
        c.args(["roots", "--find", &query]);
        let r = json_run(c);
        assert_eq!(r.code, 0, "{query}: {:#}", r.json);
        let m = r.json["matches"].as_array().unwrap();
        assert_eq!(m.len(), 1, "{query}: {:#}", r.json);
        assert_eq!(m[0]["source"], "os");
        assert_eq!(m[0]["sha256"], sha256.as_str());
        assert_eq!(m[0]["in_mozilla"], false);
        assert!(m[0]["subject"]
            .as_str()
            .unwrap()
            .contains("tools test root"));
    }
    let mut c = cmd(Store::File(&f.bundle));
    c.args(["roots", "--find", &sha256[..20]]);
    assert_eq!(json_run(c).code, 0, "a fingerprint prefix matches");
}

#[test]
fn roots_find_exits_1_when_the_os_store_lacks_it_and_names_the_mozilla_bundle() {
    let f = fixture();
    let mut c = cmd(Store::File(&f.bundle));
    c.args(["roots", "--find", "ISRG Root X1"]);
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    // Java's cacerts and Node's store (this machine's) may hold it too.
    let m: Vec<&serde_json::Value> = r.json["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["source"] == "os" || m["source"] == "mozilla")
        .collect();
    assert_eq!(m.len(), 1, "{:#}", r.json);
    assert_eq!(m[0]["source"], "mozilla");
    assert_eq!(m[0]["in_os_store"], false);
    assert!(m[0]["sha256"].is_null(), "Mozilla ships no certificates");
    let summary = r.json["summary"].as_str().unwrap();
    assert!(summary.starts_with("NOT FOUND"), "{summary}");
    assert!(summary.contains("Mozilla"), "{summary}");

    let mut c = cmd(Store::File(&f.bundle));
    c.args(["roots", "--find", "no such root anywhere"]);
    let r = json_run(c);
    assert_eq!(r.code, 1);
    assert!(r.json["matches"].as_array().unwrap().is_empty());
}

#[test]
fn roots_says_when_the_store_is_empty_or_missing() {
    let f = fixture();
    let empty = f.write("empty.crt", &[]);
    let mut c = cmd(Store::File(&empty));
    c.arg("roots");
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(r.json["os_store"]["empty"], true);
    assert!(r.json["summary"]
        .as_str()
        .unwrap()
        .contains("ca-certificates"));

    let missing = f.path("no-such-bundle.crt");
    let mut c = cmd(Store::File(&missing));
    c.arg("roots");
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let errors = r.json["os_store"]["errors"].to_string();
    assert!(errors.contains("does not exist"), "{errors}");
}

// ---- cert ----

fn cert_cmd(f: &Fixture, args: &[&Path]) -> Command {
    let mut c = cmd(Store::File(&f.other_bundle));
    c.arg("cert").args(args);
    c
}

#[test]
fn cert_verifies_a_chain_and_matches_its_key() {
    let f = fixture();
    let chain = f.write("chain.pem", &[&f.leaf.cert_pem, &f.intermediate.cert_pem()]);
    let key = f.write("leaf.key", &[&f.leaf.key_pem]);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let mut c = cert_cmd(&f, &[&chain, &key]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["certificates"].as_array().unwrap().len(), 2);
    let leaf = &r.json["certificates"][0];
    assert_eq!(leaf["san_dns"][0], "localhost");
    assert_eq!(leaf["expiry"], "ok");
    assert_eq!(leaf["file"], chain.to_str().unwrap());
    let ch = &r.json["chain"];
    assert_eq!(ch["valid"], true);
    assert_eq!(ch["leaf"], 0);
    let ca = ch["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "ca-file")
        .unwrap();
    assert_eq!(ca["used_for_verdict"], true);
    assert_eq!(ca["path"].as_array().unwrap().len(), 3);
    assert_eq!(r.json["keys"][0]["format"], "PKCS#8");
    assert_eq!(r.json["keys"][0]["key_type"], "EC P-256");
    assert_eq!(r.json["keys"][0]["matches"], serde_json::json!([0]));

    // The same against the OS store, which holds the root.
    let mut c = cmd(Store::File(&f.bundle));
    c.arg("cert").arg(&chain);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);

    // Human output: the answer first, then the key line.
    let mut c = cert_cmd(&f, &[&chain, &key]);
    c.arg("--ca-file").arg(&root);
    let (code, out, _) = plain_run(c);
    assert_eq!(code, 0);
    assert!(out.starts_with("✓ OK"), "{out}");
    assert!(out.contains("matches [0]"), "{out}");
}

#[test]
fn cert_fails_when_the_chain_does_not_verify_or_the_key_does_not_match() {
    let f = fixture();
    // Leaf alone, no root anywhere: a missing intermediate.
    let leaf = f.write("leaf.pem", &[&f.leaf.cert_pem]);
    let r = json_run(cert_cmd(&f, &[&leaf]));
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(r.json["chain"]["valid"], false);
    let os = &r.json["chain"]["trust"][0];
    assert_eq!(os["problem"], "missing-intermediate", "{os:#}");

    // Another certificate's key.
    let wrong = f.write("wrong.key", &[&f.root.key_pem()]);
    let chain = f.write("chain.pem", &[&f.leaf.cert_pem, &f.intermediate.cert_pem()]);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let mut c = cert_cmd(&f, &[&chain, &wrong]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(r.json["keys"][0]["matches"], serde_json::json!([]));
    assert!(r.json["problems"][0]
        .as_str()
        .unwrap()
        .contains("matches none"));
}

#[test]
fn cert_expiry_against_the_thresholds() {
    let f = fixture();
    let expired = Ca::self_signed_leaf(&LeafSpec::for_names(&["old.example"]).expired());
    let p = f.write("expired.pem", &[&expired.cert_pem]);
    let r = json_run(cert_cmd(&f, &[&p]));
    assert_eq!(r.code, 1);
    assert_eq!(r.json["certificates"][0]["expiry"], "expired");

    let soon = f
        .intermediate
        .leaf(&LeafSpec::for_names(&["soon.example"]).expiring_in_days(20));
    let chain = f.write("soon.pem", &[&soon.cert_pem, &f.intermediate.cert_pem()]);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let mut c = cert_cmd(&f, &[&chain]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["certificates"][0]["expiry"], "warn");
    assert_eq!(r.json["warn_days"], 30);

    let mut c = cert_cmd(&f, &[&chain]);
    c.arg("--ca-file")
        .arg(&root)
        .args(["--fail-days", "25", "--warn-days", "60"]);
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    assert_eq!(r.json["certificates"][0]["expiry"], "fail");
    assert_eq!(r.json["certificates"][1]["expiry"], "ok");
}

#[test]
fn cert_reads_crls_in_pem_and_der_and_sees_the_revoked_leaf() {
    let f = fixture();
    let crl_pem = f.intermediate.crl(&[&f.leaf]);
    let crl_file = f.write("crl.pem", &[&crl_pem]);
    let chain = f.write("chain.pem", &[&f.leaf.cert_pem, &f.intermediate.cert_pem()]);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let mut c = cert_cmd(&f, &[&chain, &crl_file]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 1, "{:#}", r.json);
    let crl = &r.json["crls"][0];
    assert_eq!(crl["revoked"], 1);
    assert_eq!(crl["revokes"], serde_json::json!([0]));
    assert_eq!(crl["issuer_certificate"], 1);
    assert_eq!(crl["stale"], false);
    let ca = r.json["chain"]["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == "ca-file")
        .unwrap()
        .clone();
    assert_eq!(ca["problem"], "revoked", "{ca:#}");

    // DER certificate and DER CRL; an empty CRL revokes nothing.
    let der_leaf = f.path("leaf.der");
    std::fs::write(&der_leaf, &f.leaf.cert_der).unwrap();
    let der_int = f.path("int.der");
    std::fs::write(&der_int, f.intermediate.cert_der()).unwrap();
    let empty_crl = f.write("empty-crl.pem", &[&f.intermediate.crl(&[])]);
    let der_crl = f.path("crl.der");
    openssl(&[
        "crl",
        "-in",
        empty_crl.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        der_crl.to_str().unwrap(),
    ]);
    let mut c = cert_cmd(&f, &[&der_leaf, &der_int, &der_crl]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["files"][0]["format"], "der");
    assert_eq!(r.json["files"][2]["crls"], 1);
    assert_eq!(r.json["crls"][0]["revoked"], 0);
}

#[test]
fn cert_matches_pkcs1_and_sec1_keys() {
    let f = fixture();
    // SEC1 ("EC PRIVATE KEY") from the leaf's PKCS#8 key.
    let pkcs8 = f.write("leaf.key", &[&f.leaf.key_pem]);
    let sec1 = f.path("leaf.sec1.key");
    openssl(&[
        "pkey",
        "-in",
        pkcs8.to_str().unwrap(),
        "-traditional",
        "-out",
        sec1.to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&sec1)
        .unwrap()
        .contains("BEGIN EC PRIVATE KEY"));
    let leaf = f.write("leaf.pem", &[&f.leaf.cert_pem]);
    let r = json_run(cert_cmd(&f, &[&leaf, &sec1]));
    assert_eq!(r.json["keys"][0]["format"], "SEC1");
    assert_eq!(r.json["keys"][0]["matches"], serde_json::json!([0]));

    // RSA, PKCS#1 ("RSA PRIVATE KEY"), with a self-signed certificate.
    let rsa8 = f.path("rsa.key");
    let rsa1 = f.path("rsa1.key");
    let rsa_cert = f.path("rsa.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        rsa8.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        rsa8.to_str().unwrap(),
        "-traditional",
        "-out",
        rsa1.to_str().unwrap(),
    ]);
    openssl(&[
        "req",
        "-x509",
        "-key",
        rsa8.to_str().unwrap(),
        "-subj",
        "/CN=rsa.example",
        "-days",
        "10",
        "-out",
        rsa_cert.to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&rsa1)
        .unwrap()
        .contains("BEGIN RSA PRIVATE KEY"));
    let r = json_run(cert_cmd(&f, &[&rsa_cert, &rsa1, &leaf]));
    let k = &r.json["keys"][0];
    assert_eq!(k["format"], "PKCS#1");
    assert_eq!(k["key_type"], "RSA");
    assert_eq!(k["key_bits"], 2048);
    assert_eq!(k["matches"], serde_json::json!([0]));
    // The openssl req -x509 certificate is a CA: no leaf among [0], so the
    // leaf for the chain is the second certificate.
    assert_eq!(r.json["chain"]["leaf"], 1);
}

fn make_p12(f: &Fixture, name: &str, password: &str, legacy: bool) -> PathBuf {
    let cert = f.write("p12-leaf.pem", &[&f.leaf.cert_pem]);
    let key = f.write("p12-leaf.key", &[&f.leaf.key_pem]);
    let chain = f.write("p12-chain.pem", &[&f.intermediate.cert_pem()]);
    let out = f.path(name);
    let pass = format!("pass:{password}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        cert.to_str().unwrap(),
        "-inkey",
        key.to_str().unwrap(),
        "-certfile",
        chain.to_str().unwrap(),
        "-passout",
        &pass,
        "-out",
        out.to_str().unwrap(),
    ];
    if legacy {
        args.push("-legacy");
    }
    openssl(&args);
    out
}

#[test]
fn cert_reads_pkcs12_with_a_password_file_or_the_environment() {
    let f = fixture();
    let secret = "s3cret-Passw0rd";
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let pw = f.path("pw.txt");
    std::fs::write(&pw, format!("{secret}\n")).unwrap();
    for (name, legacy) in [("modern.p12", false), ("legacy.p12", true)] {
        let p12 = make_p12(&f, name, secret, legacy);
        let mut c = cert_cmd(&f, &[&p12]);
        c.arg("--password-file")
            .arg(&pw)
            .arg("--ca-file")
            .arg(&root);
        let r = json_run(c);
        assert_eq!(r.code, 0, "{name}: {:#} {}", r.json, r.stderr);
        assert_eq!(r.json["files"][0]["format"], "pkcs12");
        assert_eq!(r.json["certificates"].as_array().unwrap().len(), 2);
        assert_eq!(r.json["chain"]["valid"], true, "{name}");
        let k = &r.json["keys"][0];
        assert_eq!(k["format"], "PKCS#8");
        assert_eq!(k["matches"].as_array().unwrap().len(), 1, "{name}");
        assert!(!r.json.to_string().contains(secret));
        assert!(!r.stderr.contains(secret));

        let mut c = cert_cmd(&f, &[&p12]);
        c.env("TLSCHECK_KEY_PASSWORD", secret);
        let (code, out, err) = plain_run(c);
        assert_ne!(code, 2, "{name}: {err}");
        assert!(!out.contains(secret) && !err.contains(secret));
    }

    let p12 = f.path("modern.p12");
    // Wrong password: a clear error, exit 2, the password not echoed.
    let mut c = cert_cmd(&f, &[&p12]);
    c.env("TLSCHECK_KEY_PASSWORD", "not-the-password");
    let (code, out, err) = plain_run(c);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    // No password at all.
    let (code, _, err) = plain_run(cert_cmd(&f, &[&p12]));
    assert_eq!(code, 2);
    assert!(err.contains("--password-file"), "{err}");
}

#[test]
fn cert_unreadable_or_meaningless_files_exit_2() {
    let f = fixture();
    let (code, _, err) = plain_run(cert_cmd(&f, &[&f.path("missing.pem")]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");

    let junk = f.path("junk.txt");
    std::fs::write(&junk, "hello\n").unwrap();
    let (code, _, err) = plain_run(cert_cmd(&f, &[&junk]));
    assert_eq!(code, 2);
    assert!(err.contains("holds no certificate"), "{err}");

    let (code, _, _) = plain_run({
        let mut c = cmd(Store::File(&f.bundle));
        c.arg("cert");
        c
    });
    assert_eq!(code, 2, "no FILE is a usage error");
}

// ---- connect --save-chain / --save-root ----

fn server(f: &Fixture) -> String {
    let spec = TlsServerSpec::new(&f.leaf, &[f.intermediate.cert_der()]);
    let addr = tls_server::start(spec);
    format!("127.0.0.1:{}", addr.port())
}

fn pem_certs(path: &Path) -> Vec<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bytes = std::fs::read(path).unwrap();
    CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.unwrap().to_vec())
        .collect()
}

#[test]
fn save_chain_and_root_with_a_ca_file() {
    let f = fixture();
    let target = server(&f);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let chain_out = f.path("served.pem");
    let root_out = f.path("anchor.pem");
    let mut c = cmd(Store::File(&f.other_bundle));
    c.args(["connect", &target, "--ca-file"])
        .arg(&root)
        .arg("--save-chain")
        .arg(&chain_out)
        .arg("--save-root")
        .arg(&root_out);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#} {}", r.json, r.stderr);
    assert_eq!(
        pem_certs(&chain_out),
        vec![f.leaf.cert_der.clone(), f.intermediate.cert_der()]
    );
    assert_eq!(pem_certs(&root_out), vec![f.root.cert_der()]);
    assert!(r.stderr.contains("saved the root"), "{}", r.stderr);
    assert!(r.stderr.contains("CA file"), "{}", r.stderr);
}

#[test]
fn save_root_from_the_os_store() {
    let f = fixture();
    let target = server(&f);
    let root_out = f.path("anchor.pem");
    let mut c = cmd(Store::File(&f.bundle));
    c.args(["connect", &target, "--save-root"]).arg(&root_out);
    let r = json_run(c);
    assert_eq!(r.code, 0, "{:#} {}", r.json, r.stderr);
    assert_eq!(pem_certs(&root_out), vec![f.root.cert_der()]);
    assert!(r.stderr.contains("OS store"), "{}", r.stderr);
}

#[test]
fn save_root_writes_nothing_when_no_source_verifies() {
    let f = fixture();
    let target = server(&f);
    let chain_out = f.path("served.pem");
    let root_out = f.path("anchor.pem");
    let mut c = cmd(Store::File(&f.other_bundle));
    c.args(["connect", &target, "--save-chain"])
        .arg(&chain_out)
        .arg("--save-root")
        .arg(&root_out);
    let r = json_run(c);
    assert_eq!(r.code, 1, "exits as the check does: {:#}", r.json);
    assert_eq!(pem_certs(&chain_out).len(), 2, "the chain is still saved");
    assert!(!root_out.exists());
    assert!(
        r.stderr.contains("no trust source verifies the chain"),
        "{}",
        r.stderr
    );

    // A file that cannot be written is an error of its own.
    let mut c = cmd(Store::File(&f.bundle));
    c.args(["connect", &target, "--save-chain"])
        .arg(f.path("no-such-dir").join("x.pem"));
    let r = json_run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
}

#[test]
fn cert_names_keys_it_cannot_compare() {
    let f = fixture();
    let leaf = f.write("leaf.pem", &[&f.leaf.cert_pem]);
    // Ed448: a key type rcgen/aws-lc-rs cannot load.
    let ed448 = f.path("ed448.key");
    openssl(&[
        "genpkey",
        "-algorithm",
        "ED448",
        "-out",
        ed448.to_str().unwrap(),
    ]);
    let r = json_run(cert_cmd(&f, &[&leaf, &ed448]));
    assert_eq!(r.code, 2, "{:#}", r.json);
    let e = r.json["keys"][0]["error"].as_str().unwrap();
    assert!(e.contains("supported"), "{e}");

    // An encrypted PKCS#8 key next to a certificate is named, not ignored.
    let plain = f.write("leaf.key", &[&f.leaf.key_pem]);
    let enc = f.path("enc.pem");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        plain.to_str().unwrap(),
        "-passout",
        "pass:x",
        "-out",
        enc.to_str().unwrap(),
    ]);
    let both = f.path("both.pem");
    std::fs::write(
        &both,
        format!(
            "{}{}",
            f.leaf.cert_pem,
            std::fs::read_to_string(&enc).unwrap()
        ),
    )
    .unwrap();
    let r = json_run(cert_cmd(&f, &[&both]));
    let skipped = r.json["files"][0]["skipped"].to_string();
    assert!(skipped.contains("ENCRYPTED PRIVATE KEY"), "{skipped}");
    // Only the encrypted key: nothing to inspect, exit 2 with the reason.
    let (code, _, err) = plain_run(cert_cmd(&f, &[&enc]));
    assert_eq!(code, 2);
    assert!(err.contains("openssl pkey"), "{err}");
    // With its password it is decrypted and compared.
    let pw = f.write("pw.txt", &["x"]);
    let mut c = cert_cmd(&f, &[&both]);
    c.arg("--password-file").arg(&pw);
    let r = json_run(c);
    assert_eq!(
        r.json["keys"][0]["format"], "PKCS#8 (encrypted)",
        "{:#}",
        r.json
    );
    assert_eq!(r.json["keys"][0]["matches"][0], 0, "{:#}", r.json);
    let wrong = f.write("wrong.txt", &["y"]);
    let mut c = cert_cmd(&f, &[&both]);
    c.arg("--password-file").arg(&wrong);
    let (code, _, err) = plain_run(c);
    assert_eq!(code, 2);
    assert!(err.contains("wrong password"), "{err}");
}

#[test]
fn cert_words_a_missing_intermediate_for_files() {
    let f = fixture();
    let leaf = f.write("leaf.pem", &[&f.leaf.cert_pem]);
    let root = f.write("root.pem", &[&f.root.cert_pem()]);
    let mut c = cert_cmd(&f, &[&leaf]);
    c.arg("--ca-file").arg(&root);
    let r = json_run(c);
    assert_eq!(r.code, 1);
    let problem = r.json["problems"][0].as_str().unwrap();
    assert!(problem.contains("add the intermediate"), "{problem}");
    assert!(!problem.contains("server sent"), "{problem}");
}

#[test]
fn cert_words_an_untrusted_root_given_in_the_files() {
    let f = fixture();
    let chain = f.write(
        "full.pem",
        &[
            &f.leaf.cert_pem,
            &f.intermediate.cert_pem(),
            &f.root.cert_pem(),
        ],
    );
    let r = json_run(cert_cmd(&f, &[&chain]));
    assert_eq!(r.code, 1);
    let problem = r.json["problems"][0].as_str().unwrap();
    assert!(problem.contains("given in the files"), "{problem}");
    assert!(problem.contains("--ca-file"), "{problem}");
}
