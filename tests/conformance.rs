//! Conformance with libpq: for each certificate scenario, served by a real
//! PostgreSQL, and each verifying sslmode, tlscheck's verdict for a
//! connection string must be psql's verdict for the same string.
//!
//! psql runs with an empty HOME, so no stray ~/.postgresql files decide.

mod support;

use std::path::Path;

use support::pki::{self, Ca, Issued, LeafSpec};
use support::postgres::{PgOptions, PgServer};

const MODES: [&str; 4] = ["prefer", "require", "verify-ca", "verify-full"];

struct Scenario<'a> {
    /// The certificates the server sends, leaf first (PEM).
    chain: Vec<String>,
    key: String,
    /// The host name in the URI (hostaddr is always 127.0.0.1).
    host: &'a str,
    /// The root file given as sslrootcert.
    root: &'a Path,
    /// Extra URI parameters.
    extra: String,
}

impl<'a> Scenario<'a> {
    fn new(
        chain: Vec<String>,
        leaf: &Issued,
        host: &'a str,
        root: &'a Path,
        extra: &str,
    ) -> Scenario<'a> {
        Scenario {
            chain,
            key: leaf.key_pem.clone(),
            host,
            root,
            extra: extra.to_string(),
        }
    }
}

fn psql_connects(uri: &str) -> Result<(), String> {
    let out = support::psql()
        .arg(uri)
        .args(["-Atc", "select 1"])
        .output()
        .expect("run psql (apt-get install -y postgresql-client)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Every mode of one scenario: psql and tlscheck must agree.
fn check(name: &str, s: Scenario<'_>) {
    let pg = PgServer::start(PgOptions::tls(s.chain.concat(), s.key.clone()));
    let mut disagreements = Vec::new();
    for mode in MODES {
        let uri = format!(
            "postgresql://postgres@{}:{}/postgres?hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={}{}",
            s.host,
            pg.port,
            s.root.display(),
            s.extra
        );
        let psql = psql_connects(&uri);
        // The same settings in libpq's keyword/value form, which psql
        // reads the same way: tlscheck must read it as libpq does.
        let keywords = format!(
            "host={} port={} dbname=postgres user=postgres hostaddr=127.0.0.1 sslmode={mode} sslrootcert='{}'{}",
            s.host,
            pg.port,
            s.root.display(),
            s.extra.replace('&', " ")
        );
        for (form, target) in [("URI", &uri), ("keyword/value", &keywords)] {
            let (code, j) = support::connect_json(&[target]);
            if psql.is_ok() != (code == 0) {
                disagreements.push(format!(
                    "{mode} ({form}): psql {psql:?}, tlscheck exit {code}: {}",
                    j["summary"]
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{name}: tlscheck and psql disagree\n{}",
        disagreements.join("\n")
    );
}

struct Pki {
    dir: tempfile::TempDir,
    root: Ca,
    intermediate: Ca,
}

impl Pki {
    fn new() -> Pki {
        let root = Ca::root("conformance root");
        let intermediate = root.intermediate("conformance intermediate");
        Pki {
            dir: tempfile::tempdir().unwrap(),
            root,
            intermediate,
        }
    }
    fn file(&self, name: &str, pems: &[&str]) -> std::path::PathBuf {
        pki::write(self.dir.path(), name, pems)
    }
    fn root_file(&self) -> std::path::PathBuf {
        self.file("root.pem", &[&self.root.cert_pem()])
    }
    fn served(&self, leaf: &Issued) -> Vec<String> {
        vec![leaf.cert_pem.clone(), self.intermediate.cert_pem()]
    }
}

fn names() -> LeafSpec {
    LeafSpec::for_names(&["localhost", "127.0.0.1"])
}

#[test]
fn good_chain() {
    let p = Pki::new();
    let leaf = p.intermediate.leaf(&names());
    let root = p.root_file();
    check(
        "good chain",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, ""),
    );
}

#[test]
fn wrong_host() {
    let p = Pki::new();
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&["db.example.com"]));
    let root = p.root_file();
    check(
        "wrong host",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, ""),
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let p = Pki::new();
    let root = p.root_file();
    let leaf = p.intermediate.leaf(&names().expired());
    check(
        "expired",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, ""),
    );
    let leaf = p.intermediate.leaf(&names().not_yet_valid());
    check(
        "not yet valid",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, ""),
    );
}

#[test]
fn self_signed_and_unknown_ca() {
    let p = Pki::new();
    let leaf = Ca::self_signed_leaf(&names());
    let itself = p.file("itself.pem", &[&leaf.cert_pem]);
    check(
        "self-signed, trusted itself",
        Scenario::new(vec![leaf.cert_pem.clone()], &leaf, "localhost", &itself, ""),
    );
    let root = p.root_file();
    check(
        "self-signed, other root",
        Scenario::new(vec![leaf.cert_pem.clone()], &leaf, "localhost", &root, ""),
    );
    let other = Ca::root("conformance stranger").intermediate("stranger intermediate");
    let leaf = other.leaf(&names());
    check(
        "unknown CA",
        Scenario::new(
            vec![leaf.cert_pem.clone(), other.cert_pem()],
            &leaf,
            "localhost",
            &root,
            "",
        ),
    );
}

#[test]
fn missing_intermediate() {
    let p = Pki::new();
    let leaf = p.intermediate.leaf(&names());
    let root = p.root_file();
    check(
        "missing intermediate",
        Scenario::new(vec![leaf.cert_pem.clone()], &leaf, "localhost", &root, ""),
    );
    // With the intermediate in the root file, OpenSSL builds the path.
    let both = p.file(
        "both.pem",
        &[&p.root.cert_pem(), &p.intermediate.cert_pem()],
    );
    check(
        "missing intermediate, intermediate in the root file",
        Scenario::new(vec![leaf.cert_pem.clone()], &leaf, "localhost", &both, ""),
    );
}

#[test]
fn names_cn_only_wildcard_and_ip() {
    let p = Pki::new();
    let root = p.root_file();
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&[]).cn_only("localhost"));
    check(
        "CN-only",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, ""),
    );
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&["*.db.internal"]));
    check(
        "wildcard match",
        Scenario::new(p.served(&leaf), &leaf, "pg1.db.internal", &root, ""),
    );
    check(
        "wildcard, two labels",
        Scenario::new(p.served(&leaf), &leaf, "a.pg1.db.internal", &root, ""),
    );
    let leaf = p.intermediate.leaf(&LeafSpec::for_names(&["127.0.0.1"]));
    check(
        "IP SAN",
        Scenario::new(p.served(&leaf), &leaf, "127.0.0.1", &root, ""),
    );
}

#[test]
fn revoked_with_a_crl() {
    let p = Pki::new();
    let leaf = p.intermediate.leaf(&names());
    let root = p.root_file();
    // libpq wants CRLs for the whole chain: the root's and the intermediate's.
    let crl = p.file(
        "crl.pem",
        &[&p.root.crl(&[]), &p.intermediate.crl(&[&leaf])],
    );
    let extra = format!("&sslcrl={}", crl.display());
    check(
        "revoked",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, &extra),
    );
    let clean = p.file("clean.pem", &[&p.root.crl(&[]), &p.intermediate.crl(&[])]);
    let extra = format!("&sslcrl={}", clean.display());
    check(
        "not revoked",
        Scenario::new(p.served(&leaf), &leaf, "localhost", &root, &extra),
    );
}

// ---------------------------------------------------------------------------
// MariaDB: the mariadb client's flags against tlscheck's mysql:// verdicts.

mod mariadb_client {
    use super::support::mariadb::{mariadb_client, MariaOptions, MariaServer};
    use std::path::Path;

    /// The client's TLS flags for each MySQL ssl-mode. REQUIRED goes without
    /// a CA: the MariaDB client checks the chain whenever it is given one
    /// (unlike MySQL's, whose REQUIRED never does).
    const MODES: [(&str, &[&str]); 3] = [
        ("REQUIRED", &["--ssl"]),
        ("VERIFY_CA", &[]),
        ("VERIFY_IDENTITY", &["--ssl-verify-server-cert"]),
    ];

    /// Whether the mariadb client got through TLS (it is then refused at
    /// login: no such user), or the error it printed.
    fn client_tls_ok(port: u16, root: Option<&Path>, flags: &[&str]) -> Result<(), String> {
        let mut cmd = mariadb_client();
        cmd.args(["--protocol=tcp", "-h", "localhost", "-P"])
            .arg(port.to_string())
            .args(["-u", "tlscheck_nobody", "--connect-timeout=10"]);
        if let Some(root) = root {
            cmd.arg(format!("--ssl-ca={}", root.display()));
        }
        let out = cmd
            .args(flags)
            .args(["-e", "select 1"])
            .output()
            .expect("run mariadb (apt-get install -y mariadb-client)");
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if err.contains("Access denied") {
            Ok(())
        } else {
            Err(err.trim().to_string())
        }
    }

    pub fn check(name: &str, chain: String, key: String, root: &Path) {
        let db = MariaServer::start(MariaOptions::tls(chain, key));
        let mut disagreements = Vec::new();
        for (mode, flags) in MODES {
            let with_ca = mode != "REQUIRED";
            let uri = if with_ca {
                format!(
                    "mysql://app@localhost:{}/x?ssl-mode={mode}&ssl-ca={}",
                    db.port,
                    root.display()
                )
            } else {
                format!("mysql://app@localhost:{}/x?ssl-mode={mode}", db.port)
            };
            let client = client_tls_ok(db.port, with_ca.then_some(root), flags);
            // As the MariaDB client's own profile, and as MySQL's (the
            // mysql:// URI's default), whose rules coincide in these modes.
            for extra in [&["--client", "mariadb"][..], &[]] {
                let mut args = vec![uri.as_str()];
                args.extend_from_slice(extra);
                let (code, j) = super::support::connect_json(&args);
                if client.is_ok() != (code == 0) {
                    disagreements.push(format!(
                        "{mode} {extra:?}: mariadb {client:?}, tlscheck exit {code}: {}",
                        j["summary"]
                    ));
                }
            }
        }
        assert!(
            disagreements.is_empty(),
            "{name}: tlscheck and the mariadb client disagree\n{}",
            disagreements.join("\n")
        );
    }
}

#[test]
fn mariadb_scenarios() {
    let p = Pki::new();
    let root = p.root_file();
    let chain = |leaf: &Issued| p.served(leaf).concat();
    let leaf = p.intermediate.leaf(&names());
    mariadb_client::check("good chain", chain(&leaf), leaf.key_pem.clone(), &root);
    let leaf = p
        .intermediate
        .leaf(&LeafSpec::for_names(&["db.example.com"]));
    mariadb_client::check("wrong host", chain(&leaf), leaf.key_pem.clone(), &root);
    let leaf = p.intermediate.leaf(&names().expired());
    mariadb_client::check("expired", chain(&leaf), leaf.key_pem.clone(), &root);
    let leaf = p.intermediate.leaf(&names());
    mariadb_client::check(
        "missing intermediate",
        leaf.cert_pem.clone(),
        leaf.key_pem.clone(),
        &root,
    );
    let other = Ca::root("mariadb stranger");
    let leaf = other.leaf(&names());
    mariadb_client::check(
        "unknown CA",
        leaf.cert_pem.clone(),
        leaf.key_pem.clone(),
        &root,
    );
}
