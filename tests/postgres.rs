//! `tlscheck connect` against real PostgreSQL servers started by the test
//! harness, with certificates made for each test. Where psql is a fair
//! oracle (libpq modes, a root file for verify-*), psql is asked too and must
//! agree with tlscheck's verdict.
//!
//! Targets are `127.0.0.1:PORT` on ephemeral ports, which tlscheck would take
//! for plain TLS (only 5432 means PostgreSQL), so host:port checks pass
//! `--protocol postgres`; `postgresql://` URIs say so by their scheme.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::pki::{self, Ca, Issued, LeafSpec};
use support::postgres::{PgOptions, PgServer};
use support::tlscheck;

const MODES: [&str; 7] = [
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
    "insecure",
];

// ---------------------------------------------------------------------------
// Running tlscheck and psql

/// One `tlscheck connect … --json` run.
struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn ids(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array: {:#}", self.json))
            .iter()
            .map(|f| f["id"].as_str().unwrap_or_default().to_string())
            .collect()
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
            .unwrap_or_else(|| panic!("no finding {id}: {}", self.context()))
    }

    /// Everything useful in an assertion message.
    fn context(&self) -> String {
        format!(
            "exit {}\nverdict {}\nfindings {:#}\nstderr {}",
            self.code, self.json["verdict"], self.json["findings"], self.stderr
        )
    }
}

fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = tlscheck();
    cmd.arg("connect").args(args).arg("--json");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run tlscheck");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("tlscheck {args:?} died: {}", out.status));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tlscheck {args:?}: stdout is not JSON ({e}):\n{}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    Run { code, json, stderr }
}

/// Exit code of a run without `--json` (the human report).
fn human_code(args: &[&str]) -> i32 {
    let out = tlscheck()
        .arg("connect")
        .args(args)
        .output()
        .expect("run tlscheck");
    out.status.code().expect("exit code")
}

fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether psql's session is encrypted, asked of the server itself.
const SSL_QUERY: &str = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";

/// What psql makes of `conninfo`: `Ok(encrypted)` when it connected and ran
/// a query, `Err(what it said)` when it did not.
fn psql_session(conninfo: &str, env: &[(&str, &str)]) -> Result<bool, String> {
    let mut cmd = support::psql();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .arg(conninfo)
        .args(["-Atc", SSL_QUERY])
        .output()
        .expect("run psql (is the PostgreSQL client installed?)");
    if !out.status.success() {
        return Err(describe(&out));
    }
    match String::from_utf8_lossy(&out.stdout).trim() {
        "t" => Ok(true),
        "f" => Ok(false),
        _ => panic!("psql `{conninfo}`: unexpected answer\n{}", describe(&out)),
    }
}

/// psql with `params` after the server's conninfo connects exactly when
/// tlscheck passed, and encrypted exactly when tlscheck says it would be.
fn assert_psql_agrees(pg: &PgServer, params: &str, r: &Run) {
    assert_psql_agrees_env(&format!("{} {params}", pg.conninfo()), &[], r);
}

fn assert_psql_agrees_raw(conninfo: &str, r: &Run) {
    assert_psql_agrees_env(conninfo, &[], r);
}

fn assert_psql_agrees_env(conninfo: &str, env: &[(&str, &str)], r: &Run) {
    match psql_session(conninfo, env) {
        Ok(encrypted) => {
            assert_eq!(
                r.code,
                0,
                "psql connects with `{conninfo}` {env:?} (encrypted: {encrypted}), \
                 but tlscheck fails it:\n{}",
                r.context()
            );
            assert_eq!(
                r.json["verdict"]["encrypted"],
                encrypted,
                "psql's session with `{conninfo}` {env:?} is {}encrypted, tlscheck says \
                 otherwise:\n{}",
                if encrypted { "" } else { "not " },
                r.context()
            );
        }
        Err(psql) => assert_ne!(
            r.code,
            0,
            "psql fails with `{conninfo}` {env:?}, but tlscheck passes it:\n{}\npsql: {psql}",
            r.context()
        ),
    }
}

// ---------------------------------------------------------------------------
// Certificates and servers

struct Pki {
    dir: tempfile::TempDir,
    root: Ca,
    inter: Ca,
    root_file: PathBuf,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = Ca::root(&format!("{name} root"));
        let inter = root.intermediate(&format!("{name} intermediate"));
        let root_file = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
        Pki {
            dir,
            root,
            inter,
            root_file,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn root(&self) -> &str {
        self.root_file.to_str().unwrap()
    }

    /// A leaf from the intermediate for `spec`.
    fn leaf(&self, spec: &LeafSpec) -> Issued {
        self.inter.leaf(spec)
    }

    /// A TLS server serving `leaf` followed by the intermediate.
    fn server_with_chain(&self, leaf: &Issued, extra_conf: &[&str]) -> PgServer {
        let chain = format!("{}{}", leaf.cert_pem, self.inter.cert_pem());
        start(chain, leaf, extra_conf)
    }
}

fn start(chain_pem: String, leaf: &Issued, extra_conf: &[&str]) -> PgServer {
    let mut opts = PgOptions::tls(chain_pem, leaf.key_pem.clone());
    opts.extra_conf = extra_conf.iter().map(|s| s.to_string()).collect();
    PgServer::start(opts)
}

fn good_names() -> LeafSpec {
    LeafSpec::for_names(&["localhost", "127.0.0.1"])
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

fn trust_entry<'a>(r: &'a Run, source: &str) -> &'a Value {
    r.json["trust"]
        .as_array()
        .unwrap_or_else(|| panic!("no trust array: {:#}", r.json))
        .iter()
        .find(|t| t["source"] == source)
        .unwrap_or_else(|| panic!("no trust entry {source}: {:#}", r.json["trust"]))
}

fn setting<'a>(r: &'a Run, name: &str) -> &'a Value {
    r.json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no setting {name}: {:#}", r.json["settings"]))
}

// ---------------------------------------------------------------------------
// 1. A good chain through an intermediate

#[test]
fn good_chain_via_intermediate_passes_verify_full() {
    let p = Pki::new("good");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();

    let r = run(&[&addr, "--protocol", "postgres", "--ca-file", p.root()]);
    assert_eq!(r.code, 0, "{}", r.context());
    let j = &r.json;
    assert_eq!(j["verdict"]["mode"], "verify-full");
    assert_eq!(j["verdict"]["result"], "pass");
    assert_eq!(j["verdict"]["encrypted"], true);
    assert_eq!(j["target"]["rules"], "generic");
    assert_eq!(j["target"]["protocol"], "postgres");
    assert_eq!(j["facts"]["upgrade"]["method"], "sslrequest");
    assert_eq!(j["facts"]["upgrade"]["tls_offered"], true);
    assert_eq!(j["facts"]["upgrade"]["bytes_after_answer"], 0);
    let answer = j["facts"]["upgrade"]["server_answer"].as_str().unwrap();
    assert!(answer.starts_with('S'), "{answer}");
    let version = j["facts"]["tls"]["version"].as_str().unwrap_or_default();
    assert!(
        version == "TLSv1.2" || version == "TLSv1.3",
        "{:#}",
        j["facts"]["tls"]
    );
    // No SNI for an IP address.
    assert!(j["facts"]["tls"]["sni_sent"].is_null());
    let chain = j["facts"]["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{:#}", j["facts"]["chain"]);
    assert!(chain[0]["issuer"]
        .as_str()
        .unwrap()
        .contains("good intermediate"));
    assert!(chain[1]["subject"]
        .as_str()
        .unwrap()
        .contains("good intermediate"));
    assert_eq!(strs(&chain[0]["san_dns"]), vec!["localhost"]);
    assert_eq!(strs(&chain[0]["san_ip"]), vec!["127.0.0.1"]);

    let ca = trust_entry(&r, "ca-file");
    assert_eq!(ca["valid"], true, "{ca:#}");
    assert_eq!(ca["used_for_verdict"], true, "{ca:#}");
    assert!(ca["problem"].is_null(), "{ca:#}");
    assert_eq!(ca["path"].as_array().unwrap().len(), 3, "{ca:#}");
    let os = trust_entry(&r, "os");
    assert_eq!(os["valid"], false, "{os:#}");
    assert_eq!(os["used_for_verdict"], false, "{os:#}");
    assert_eq!(trust_entry(&r, "mozilla")["valid"], false);

    assert_eq!(j["hostname"]["matched"], true, "{:#}", j["hostname"]);
    assert_eq!(j["hostname"]["matched_by"], "IP:127.0.0.1");
    assert!(
        !r.ids().iter().any(|id| [
            "unknown-issuer",
            "missing-intermediate",
            "hostname-mismatch"
        ]
        .contains(&id.as_str())),
        "{}",
        r.context()
    );
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-full sslrootcert={}", p.root()),
        &r,
    );

    // By name: SNI localhost, matched by DNS SAN.
    let by_name = format!("localhost:{}", pg.port);
    let r = run(&[&by_name, "--protocol", "postgres", "--ca-file", p.root()]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["facts"]["tls"]["sni_sent"], "localhost");
    assert_eq!(r.json["hostname"]["matched_by"], "DNS:localhost");
    // No SNI changes nothing for PostgreSQL, and the name is still checked.
    let r = run(&[
        &by_name,
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
        "--no-sni",
    ]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert!(r.json["facts"]["tls"]["sni_sent"].is_null());
    assert_eq!(r.json["hostname"]["name"], "localhost");

    // The libpq URI form.
    let uri = format!(
        "postgresql://127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}",
        pg.port,
        p.root()
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["target"]["rules"], "libpq");
    assert_eq!(r.json["target"]["protocol"], "postgres");
    assert_eq!(r.json["verdict"]["mode"], "verify-full");
    assert_eq!(r.json["hostname"]["rules"], "libpq");
    assert_eq!(setting(&r, "mode")["source"], "connection string sslmode=");
    assert_eq!(
        setting(&r, "ca")["source"],
        "connection string sslrootcert="
    );
}

// ---------------------------------------------------------------------------
// 2. A certificate for another host

#[test]
fn wrong_host_fails_verify_full_only() {
    let p = Pki::new("wrong host");
    let leaf = p.leaf(&LeafSpec::for_names(&["db.example.com"]));
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();
    let base = [
        addr.as_str(),
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
    ];

    let r = run(&[&base[..], &["--mode", "verify-full"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    let f = r.finding("hostname-mismatch");
    assert_eq!(f["severity"], "error", "{f:#}");
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.contains("DNS:db.example.com"), "{f:#}");
    assert!(detail.contains("127.0.0.1"), "{f:#}");
    assert_eq!(r.json["hostname"]["matched"], false);
    // The chain itself is fine.
    assert_eq!(trust_entry(&r, "ca-file")["valid"], true);
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-full sslrootcert={}", p.root()),
        &r,
    );

    let r = run(&[&base[..], &["--mode", "verify-ca"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-ca sslrootcert={}", p.root()),
        &r,
    );

    // The name the certificate holds, sent as SNI and checked.
    let r = run(&[
        &base[..],
        &["--mode", "verify-full", "--sni", "db.example.com"],
    ]
    .concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["facts"]["tls"]["sni_sent"], "db.example.com");
    assert_eq!(r.json["target"]["verify_name"], "db.example.com");
    assert_eq!(r.json["hostname"]["matched_by"], "DNS:db.example.com");

    // libpq's way of saying the same: host=NAME hostaddr=IP.
    let uri = format!(
        "postgresql://db.example.com:{}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        pg.port,
        p.root()
    );
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["target"]["connect_host"], "127.0.0.1");
    assert_psql_agrees_raw(
        &format!(
            "host=db.example.com hostaddr=127.0.0.1 port={} user=postgres dbname=postgres \
             sslmode=verify-full sslrootcert={}",
            pg.port,
            p.root()
        ),
        &r,
    );
}

// ---------------------------------------------------------------------------
// 3. An expired leaf

#[test]
fn expired_leaf_fails_verify_ca_and_passes_require() {
    let p = Pki::new("expired");
    let leaf = p.leaf(&good_names().expired());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();
    let base = [
        addr.as_str(),
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
    ];

    let r = run(&[&base[..], &["--mode", "verify-ca"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    let f = r.finding("expired");
    assert_eq!(f["severity"], "error", "{f:#}");
    assert!(f["detail"].as_str().unwrap().contains("expired"), "{f:#}");
    assert_eq!(trust_entry(&r, "ca-file")["problem"], "expired");
    let days = r.json["facts"]["chain"][0]["days_left"].as_i64().unwrap();
    assert!(days < 0, "days_left {days}");
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-ca sslrootcert={}", p.root()),
        &r,
    );

    let r = run(&[&base[..], &["--mode", "require"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["encrypted"], true);
    // Not failing this mode, the expiry is still reported.
    assert_eq!(r.finding("expired")["severity"], "warning");
    // psql under require without a root file does not look at the certificate.
    assert_psql_agrees(&pg, "sslmode=require", &r);
}

// ---------------------------------------------------------------------------
// 4. A self-signed leaf

#[test]
fn self_signed_leaf_passes_only_when_trusted_itself() {
    let leaf = Ca::self_signed_leaf(&good_names());
    let pg = start(leaf.cert_pem.clone(), &leaf, &[]);
    let dir = tempfile::tempdir().unwrap();
    let leaf_file = pki::write(dir.path(), "leaf.pem", &[&leaf.cert_pem]);
    let leaf_path = leaf_file.to_str().unwrap();
    let addr = pg.addr();

    let r = run(&[&addr, "--protocol", "postgres", "--mode", "verify-full"]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.has("self-signed"), "{}", r.context());
    assert!(!r.has("unknown-issuer"), "{}", r.context());
    assert_eq!(r.finding("self-signed")["severity"], "error");
    assert_eq!(r.json["facts"]["chain"][0]["self_issued"], true);

    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--mode",
        "verify-full",
        "--ca-file",
        leaf_path,
    ]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(trust_entry(&r, "ca-file")["valid"], true);
    assert!(!r.has("self-signed"), "{}", r.context());
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-full sslrootcert={leaf_path}"),
        &r,
    );
}

// ---------------------------------------------------------------------------
// 5. A chain from a CA the client does not trust

#[test]
fn unknown_ca_is_named() {
    let p = Pki::new("unknown");
    let other = Ca::root("some other root");
    let other_file = pki::write(p.path(), "other.pem", &[&other.cert_pem()]);
    let other_path = other_file.to_str().unwrap();
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();

    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--ca-file",
        other_path,
        "--mode",
        "verify-ca",
    ]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.has("unknown-issuer"), "{}", r.context());
    assert!(!r.has("missing-intermediate"), "{}", r.context());
    let f = r.finding("unknown-issuer");
    assert_eq!(f["severity"], "error");
    assert!(
        f["title"].as_str().unwrap().contains("unknown root"),
        "the title should name the CA that is not trusted: {f:#}"
    );
    assert_eq!(trust_entry(&r, "ca-file")["problem"], "unknown-issuer");
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-ca sslrootcert={other_path}"),
        &r,
    );

    // The default mode (verify-full) fails the same way.
    let r = run(&[&addr, "--protocol", "postgres", "--ca-file", other_path]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.has("unknown-issuer"), "{}", r.context());
}

// ---------------------------------------------------------------------------
// 6. The server does not send its intermediate

#[test]
fn missing_intermediate_is_not_an_unknown_issuer() {
    let p = Pki::new("missing");
    let leaf = p.leaf(&good_names());
    // The certificate file holds the leaf only.
    let pg = start(leaf.cert_pem.clone(), &leaf, &[]);
    let addr = pg.addr();
    let base = [
        addr.as_str(),
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
    ];

    let r = run(&[&base[..], &["--mode", "verify-ca"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.has("missing-intermediate"), "{}", r.context());
    assert!(!r.has("unknown-issuer"), "{}", r.context());
    let f = r.finding("missing-intermediate");
    assert_eq!(f["severity"], "error");
    assert!(
        f["fix"].as_str().unwrap().contains("missing intermediate"),
        "the fix should name the intermediate: {f:#}"
    );
    assert_eq!(r.json["facts"]["chain"].as_array().unwrap().len(), 1);
    assert_eq!(
        trust_entry(&r, "ca-file")["problem"],
        "missing-intermediate"
    );
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-ca sslrootcert={}", p.root()),
        &r,
    );

    let r = run(&[&base[..], &["--mode", "require"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.finding("missing-intermediate")["severity"], "warning");
    assert_psql_agrees(&pg, "sslmode=require", &r);

    // A client holding the intermediate as well as the root can verify.
    let both = pki::write(
        p.path(),
        "root-and-intermediate.pem",
        &[&p.root.cert_pem(), &p.inter.cert_pem()],
    );
    let both = both.to_str().unwrap();
    let r = run(&[
        &addr,
        "--protocol",
        "postgres",
        "--ca-file",
        both,
        "--mode",
        "verify-full",
    ]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_psql_agrees(&pg, &format!("sslmode=verify-full sslrootcert={both}"), &r);
}

// ---------------------------------------------------------------------------
// 7. ssl=off

#[test]
fn server_without_tls_answers_n() {
    let pg = PgServer::start(PgOptions::plain());
    let addr = pg.addr();
    let base = [addr.as_str(), "--protocol", "postgres"];

    let r = run(&[&base[..], &["--mode", "verify-full"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    let answer = r.json["facts"]["upgrade"]["server_answer"]
        .as_str()
        .unwrap_or_default();
    assert!(answer.starts_with('N'), "{answer}");
    assert_eq!(r.json["facts"]["upgrade"]["tls_offered"], false);
    assert!(r.json["facts"]["tls"].is_null(), "{:#}", r.json["facts"]);
    assert_eq!(r.finding("server-refuses-tls")["severity"], "error");
    assert_eq!(r.json["verdict"]["encrypted"], false);

    let r = run(&[&base[..], &["--mode", "require"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.finding("server-refuses-tls")["severity"], "error");
    assert_psql_agrees(&pg, "sslmode=require", &r);

    let r = run(&[&base[..], &["--mode", "prefer"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["encrypted"], false);
    assert!(r.has("unencrypted"), "{}", r.context());
    assert_eq!(r.finding("server-refuses-tls")["severity"], "warning");
    assert_psql_agrees(&pg, "sslmode=prefer", &r);

    let r = run(&[&base[..], &["--mode", "disable"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["encrypted"], false);
    assert_psql_agrees(&pg, "sslmode=disable", &r);

    // libpq URI without sslmode: prefer, like psql.
    let uri = format!("postgresql://postgres@127.0.0.1:{}/postgres", pg.port);
    let r = run(&[&uri]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "prefer");
    assert_psql_agrees_raw(&uri, &r);
}

// ---------------------------------------------------------------------------
// 8. Every mode, one at a time and all at once

#[test]
fn every_mode_against_a_chain_the_os_store_does_not_know() {
    let p = Pki::new("modes");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();

    let expected = |mode: &str| -> (i32, &str, bool) {
        match mode {
            "disable" | "allow" => (0, "pass", false),
            "prefer" | "require" | "insecure" => (0, "pass", true),
            // The OS store does not hold the test root.
            "verify-ca" | "verify-full" => (1, "fail", true),
            other => unreachable!("{other}"),
        }
    };

    let all = run(&[&addr, "--protocol", "postgres"]);
    assert_eq!(all.code, 1, "{}", all.context());
    assert_eq!(all.json["verdict"]["mode"], "verify-full");
    assert!(all.has("unknown-issuer"), "{}", all.context());
    let modes = all.json["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 7, "{:#}", all.json["modes"]);
    let listed: Vec<&str> = modes.iter().map(|m| m["mode"].as_str().unwrap()).collect();
    assert_eq!(listed, MODES);

    for (mode, entry) in MODES.iter().zip(modes) {
        let (code, result, encrypted) = expected(mode);
        let args = [addr.as_str(), "--protocol", "postgres", "--mode", mode];
        let r = run(&args);
        assert_eq!(r.code, code, "--mode {mode}: {}", r.context());
        assert_eq!(r.json["exit_code"], code, "--mode {mode}");
        assert_eq!(r.json["verdict"]["mode"], *mode);
        assert_eq!(r.json["verdict"]["result"], result, "--mode {mode}");
        assert_eq!(r.json["verdict"]["encrypted"], encrypted, "--mode {mode}");
        // The all-modes table says what the run under that mode says.
        assert_eq!(
            entry, &r.json["verdict"],
            "modes[] entry for {mode} differs from a run under --mode {mode}"
        );
        // The human report exits the same way.
        assert_eq!(human_code(&args), code, "--mode {mode} without --json");
        if !encrypted && code == 0 {
            assert!(r.has("unencrypted"), "--mode {mode}: {}", r.context());
        }
    }
}

// ---------------------------------------------------------------------------
// 9. A check leaves nothing in the server log

/// Lines added to the log since `before`, ignoring checkpoint chatter.
fn added_lines(pg: &PgServer, before: &str) -> Vec<String> {
    let now = pg.log();
    let added = now.strip_prefix(before).unwrap_or_else(|| {
        panic!("the server log was rewritten:\n--- before ---\n{before}\n--- now ---\n{now}")
    });
    added
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("checkpoint"))
        .map(str::to_string)
        .collect()
}

#[test]
fn checks_leave_the_server_log_clean() {
    let p = Pki::new("clean log");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();
    let uri = format!(
        "postgresql://127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}",
        pg.port,
        p.root()
    );
    let localhost = format!("localhost:{}", pg.port);
    // Let start-up messages settle.
    std::thread::sleep(Duration::from_millis(300));
    let before = pg.log();

    let runs: Vec<Vec<&str>> = vec![
        vec![&addr, "--protocol", "postgres", "--ca-file", p.root()],
        vec![&addr, "--protocol", "postgres", "--mode", "require"],
        vec![&addr, "--protocol", "postgres", "--mode", "disable"],
        vec![&addr, "--protocol", "postgres", "--mode", "prefer"],
        // Fails (OS store), but the server must not notice.
        vec![&addr, "--protocol", "postgres", "--mode", "verify-ca"],
        vec![&addr, "--protocol", "postgres", "--tls-max", "1.2"],
        vec![&localhost, "--protocol", "postgres", "--ca-file", p.root()],
        vec![&uri],
    ];
    for args in &runs {
        let r = run(args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.context());
        assert_eq!(
            r.json["facts"]["tls"]["closed_cleanly"], true,
            "{args:?}: {:#}",
            r.json["facts"]["tls"]
        );
    }
    // And the human report path.
    assert_eq!(
        human_code(&[&addr, "--protocol", "postgres", "--ca-file", p.root()]),
        0
    );

    // Backends log as they exit; give them time.
    std::thread::sleep(Duration::from_millis(1000));
    let added = added_lines(&pg, &before);
    assert!(
        added.is_empty(),
        "tlscheck left lines in the server log:\n{}",
        added.join("\n")
    );

    // Control: a client that drops the connection mid-handshake is logged,
    // so an empty diff above means something.
    let before = pg.log();
    {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).unwrap();
        let mut answer = [0u8; 1];
        s.read_exact(&mut answer).unwrap();
        assert_eq!(answer[0], b'S');
        // Half a TLS record header, then gone.
        s.write_all(&[0x16, 0x03]).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut added = Vec::new();
    while Instant::now() < deadline {
        added = added_lines(&pg, &before);
        if !added.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !added.is_empty(),
        "control: an aborted handshake left no line in the server log, so the log \
         comparison proves nothing (log at {})",
        pg.log_path.display()
    );
}

// ---------------------------------------------------------------------------
// 10. The JSON contract

fn assert_type(j: &Value, path: &str, ok: fn(&Value) -> bool, what: &str) {
    let mut v = j;
    for part in path.split('.') {
        v = v
            .get(part)
            .unwrap_or_else(|| panic!("JSON lacks `{path}` (at `{part}`): {j:#}"));
    }
    assert!(ok(v), "`{path}` should be {what}, is {v}");
}

fn is_str(v: &Value) -> bool {
    v.is_string()
}
fn is_opt_str(v: &Value) -> bool {
    v.is_string() || v.is_null()
}
fn is_num(v: &Value) -> bool {
    v.is_number()
}
fn is_bool(v: &Value) -> bool {
    v.is_boolean()
}
fn is_opt_bool(v: &Value) -> bool {
    v.is_boolean() || v.is_null()
}
fn is_arr(v: &Value) -> bool {
    v.is_array()
}
fn is_obj(v: &Value) -> bool {
    v.is_object()
}
fn is_opt_obj(v: &Value) -> bool {
    v.is_object() || v.is_null()
}

fn assert_verdict_shape(v: &Value, mode: &str) {
    assert_type(v, "mode", is_str, "a string");
    assert!(MODES.contains(&v["mode"].as_str().unwrap()), "{v}");
    assert_type(v, "result", is_str, "a string");
    assert!(
        ["pass", "fail", "unreachable"].contains(&v["result"].as_str().unwrap()),
        "{mode}: {v}"
    );
    assert_type(v, "encrypted", is_bool, "a boolean");
    assert_type(v, "reason", is_str, "a string");
}

/// The documented shape of a report (README "JSON").
fn assert_report_shape(r: &Run, tls: bool) {
    let j = &r.json;
    assert_type(j, "schema_version", is_num, "a number");
    assert_eq!(j["schema_version"], 1);
    assert_type(j, "tlscheck_version", is_str, "a string");
    for (path, ok, what) in [
        ("target", is_obj as fn(&Value) -> bool, "an object"),
        ("target.input", is_str, "a string"),
        ("target.host", is_str, "a string"),
        ("target.port", is_num, "a number"),
        ("target.connect_host", is_opt_str, "a string or null"),
        ("target.protocol", is_str, "a string"),
        ("target.protocol_reason", is_str, "a string"),
        ("target.verify_name", is_str, "a string"),
        ("target.rules", is_str, "a string"),
        ("settings", is_arr, "an array"),
        ("notes", is_arr, "an array"),
        ("exit_code", is_num, "a number"),
        ("summary", is_str, "a string"),
        ("verdict", is_obj, "an object"),
        ("modes", is_arr, "an array"),
        ("trust", is_arr, "an array"),
        ("verdict_trust", is_str, "a string"),
        ("hostname", is_opt_obj, "an object or null"),
        ("findings", is_arr, "an array"),
        ("facts", is_obj, "an object"),
        ("facts.observed_at", is_str, "a string"),
        ("facts.connect", is_opt_obj, "an object or null"),
        ("facts.connect_error", is_opt_obj, "an object or null"),
        ("facts.upgrade", is_opt_obj, "an object or null"),
        ("facts.upgrade_error", is_opt_obj, "an object or null"),
        ("facts.tls", is_opt_obj, "an object or null"),
        ("facts.chain", is_arr, "an array"),
    ] {
        assert_type(j, path, ok, what);
    }
    assert_eq!(
        j["exit_code"].as_i64().unwrap(),
        i64::from(r.code),
        "exit_code in the JSON differs from the process's"
    );
    let summary = j["summary"].as_str().unwrap();
    let word = match r.code {
        0 => "PASS",
        1 => "FAIL",
        _ => "UNREACHABLE",
    };
    assert!(summary.starts_with(word), "exit {}: {summary}", r.code);

    for s in j["settings"].as_array().unwrap() {
        for k in ["name", "value", "source"] {
            assert_type(s, k, is_str, "a string");
        }
    }
    for n in j["notes"].as_array().unwrap() {
        assert!(n.is_string(), "{n}");
    }
    assert_verdict_shape(&j["verdict"], "verdict");
    let modes = j["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 7);
    for m in modes {
        assert_verdict_shape(m, "modes[]");
    }
    assert_eq!(
        modes
            .iter()
            .find(|m| m["mode"] == j["verdict"]["mode"])
            .unwrap(),
        &j["verdict"]
    );
    for f in j["findings"].as_array().unwrap() {
        for k in ["id", "title", "detail"] {
            assert_type(f, k, is_str, "a string");
        }
        assert_type(f, "fix", is_opt_str, "a string or null");
        assert!(
            ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap_or("")),
            "{f:#}"
        );
    }
    if !tls {
        return;
    }

    let trust = j["trust"].as_array().unwrap();
    let sources: Vec<&str> = trust
        .iter()
        .map(|t| t["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"os") && sources.contains(&"mozilla"),
        "{sources:?}"
    );
    // One source decides verify-ca/verify-full; none under libpq's rules
    // when there is no root file.
    let deciding = usize::from(!j["verdict_trust"].as_str().unwrap().starts_with("none"));
    assert_eq!(
        trust
            .iter()
            .filter(|t| t["used_for_verdict"] == true)
            .count(),
        deciding,
        "{deciding} trust source(s) should decide ({}): {:#}",
        j["verdict_trust"],
        j["trust"]
    );
    for t in trust {
        for (k, ok, what) in [
            ("source", is_str as fn(&Value) -> bool, "a string"),
            ("label", is_str, "a string"),
            ("location", is_opt_str, "a string or null"),
            ("roots", is_num, "a number"),
            ("used_for_verdict", is_bool, "a boolean"),
            ("valid", is_bool, "a boolean"),
            ("problem", is_opt_str, "a string or null"),
            ("detail", is_opt_str, "a string or null"),
            ("path", is_arr, "an array"),
        ] {
            assert_type(t, k, ok, what);
        }
    }
    for (k, ok, what) in [
        ("name", is_str as fn(&Value) -> bool, "a string"),
        ("rules", is_str, "a string"),
        ("matched", is_bool, "a boolean"),
        ("matched_by", is_opt_str, "a string or null"),
        ("certificate_names", is_arr, "an array"),
        ("used_common_name", is_bool, "a boolean"),
        ("other_rules_decide", is_opt_bool, "a boolean or null"),
    ] {
        assert_type(&j["hostname"], k, ok, what);
    }
    let facts = &j["facts"];
    for (k, ok, what) in [
        ("upgrade.method", is_str as fn(&Value) -> bool, "a string"),
        ("upgrade.server_answer", is_opt_str, "a string or null"),
        ("upgrade.tls_offered", is_bool, "a boolean"),
        ("upgrade.bytes_after_answer", is_num, "a number"),
        ("upgrade.alpn", is_arr, "an array"),
        ("connect.peer", is_str, "a string"),
        ("connect.connect_ms", is_num, "a number"),
        ("tls.sni_sent", is_opt_str, "a string or null"),
        ("tls.alpn_offered", is_arr, "an array"),
        ("tls.versions_offered", is_arr, "an array"),
        ("tls.version", is_str, "a string"),
        ("tls.cipher_suite", is_str, "a string"),
        ("tls.key_exchange_group", is_opt_str, "a string or null"),
        ("tls.alpn", is_opt_str, "a string or null"),
        ("tls.handshake_kind", is_str, "a string"),
        ("tls.after_handshake", is_obj, "an object"),
        ("tls.after_handshake.kind", is_str, "a string"),
        ("tls.after_handshake_wait.reason", is_str, "a string"),
        ("tls.after_handshake_wait.budget_ms", is_num, "a number"),
        ("tls.after_handshake_wait.rtt_ms", is_num, "a number"),
        ("tls.closed_cleanly", is_bool, "a boolean"),
        ("tls.failure", is_opt_obj, "an object or null"),
        ("tls.ocsp_stapled_bytes", is_num, "a number"),
        (
            "tls.client_certificate_request",
            is_opt_obj,
            "an object or null",
        ),
        (
            "tls.handshake_signature_error",
            is_opt_str,
            "a string or null",
        ),
        ("tls.handshake_ms", is_num, "a number"),
    ] {
        assert_type(facts, k, ok, what);
    }
    let chain = facts["chain"].as_array().unwrap();
    assert!(!chain.is_empty());
    for (i, c) in chain.iter().enumerate() {
        assert_eq!(c["position"], i);
        for (k, ok, what) in [
            ("subject", is_str as fn(&Value) -> bool, "a string"),
            ("issuer", is_str, "a string"),
            ("san_dns", is_arr, "an array"),
            ("san_ip", is_arr, "an array"),
            ("not_after", is_str, "a string"),
            ("days_left", is_num, "a number"),
            ("key_type", is_str, "a string"),
            ("sha256", is_str, "a string"),
            ("self_issued", is_bool, "a boolean"),
            ("parse_error", is_opt_str, "a string or null"),
        ] {
            assert_type(c, k, ok, what);
        }
    }
}

#[test]
fn json_report_has_the_documented_shape() {
    let p = Pki::new("json");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();

    let pass = run(&[&addr, "--protocol", "postgres", "--ca-file", p.root()]);
    assert_eq!(pass.code, 0, "{}", pass.context());
    assert_report_shape(&pass, true);
    assert_eq!(pass.json["target"]["host"], "127.0.0.1");
    assert_eq!(pass.json["target"]["port"], pg.port);
    assert_eq!(pass.json["target"]["input"], addr.as_str());
    assert_eq!(pass.json["target"]["protocol_reason"], "--protocol");
    assert_eq!(setting(&pass, "ca")["source"], "flag --ca-file");
    assert!(pass.json["verdict_trust"]
        .as_str()
        .unwrap()
        .contains("CA file"));
    // The observation time is RFC 3339.
    let at = pass.json["facts"]["observed_at"].as_str().unwrap();
    assert!(
        at.len() >= 20 && at.as_bytes()[4] == b'-' && at.contains('T'),
        "{at}"
    );

    let fail = run(&[&addr, "--protocol", "postgres"]);
    assert_eq!(fail.code, 1, "{}", fail.context());
    assert_report_shape(&fail, true);
    let ids = fail.ids();
    assert_eq!(
        fail.json["findings"][0]["severity"], "error",
        "errors come first: {ids:?}"
    );

    // A URI with a password: masked in the report.
    let uri = format!(
        "postgresql://postgres:s3cret@127.0.0.1:{}/postgres?sslmode=require",
        pg.port
    );
    let masked = run(&[&uri]);
    assert_eq!(masked.code, 0, "{}", masked.context());
    assert_report_shape(&masked, true);
    assert!(
        !masked.json.to_string().contains("s3cret"),
        "the password leaks into the JSON"
    );
}

// ---------------------------------------------------------------------------
// 11. Not PostgreSQL, and nothing at all

/// A MySQL 8.0.36 initial handshake packet (74-byte payload).
fn mysql_greeting() -> Vec<u8> {
    let mut payload = vec![0x0a];
    payload.extend_from_slice(b"8.0.36\0");
    payload.extend_from_slice(&[0x2a, 0, 0, 0]); // connection id
    payload.extend_from_slice(b"abcdefgh"); // auth data, part 1
    payload.push(0); // filler
    payload.extend_from_slice(&[0xff, 0xff]); // capabilities, low
    payload.push(0xff); // charset
    payload.extend_from_slice(&[0x02, 0x00]); // status
    payload.extend_from_slice(&[0xff, 0xdf]); // capabilities, high
    payload.push(21); // auth data length
    payload.extend_from_slice(&[0; 10]); // reserved
    payload.extend_from_slice(b"ijklmnopqrst\0"); // auth data, part 2
    payload.extend_from_slice(b"caching_sha2_password\0");
    assert_eq!(payload.len(), 0x4a);
    let mut packet = vec![payload.len() as u8, 0, 0, 0];
    packet.extend_from_slice(&payload);
    packet
}

/// A loopback listener that greets every connection like MySQL does
/// (server first), then reads until the client leaves.
fn start_fake_mysql() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { return };
            std::thread::spawn(move || {
                let _ = s.write_all(&mysql_greeting());
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = [0u8; 512];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

#[test]
fn a_mysql_port_and_a_closed_port_exit_3() {
    let port = start_fake_mysql();
    let target = format!("127.0.0.1:{port}");
    let r = run(&[&target, "--protocol", "postgres", "--timeout", "5"]);
    assert_eq!(r.code, 3, "{}", r.context());
    assert_report_shape(&r, false);
    assert_eq!(r.json["verdict"]["result"], "unreachable");
    let f = r.finding("wrong-protocol");
    assert_eq!(f["severity"], "error");
    assert!(f["title"].as_str().unwrap().contains("MySQL"), "{f:#}");
    assert!(f["detail"].as_str().unwrap().contains("8.0.36"), "{f:#}");
    assert!(f["fix"].as_str().unwrap().contains("mysql"), "{f:#}");
    let e = &r.json["facts"]["upgrade_error"];
    assert_eq!(e["kind"], "not-the-protocol", "{e:#}");
    assert_eq!(e["found"]["protocol"], "mysql", "{e:#}");
    assert!(e["found"]["first_bytes_hex"]
        .as_str()
        .unwrap()
        .starts_with("4a"));
    // Every mode is unreachable, not failed.
    for m in r.json["modes"].as_array().unwrap() {
        assert_eq!(m["result"], "unreachable", "{m}");
    }
    assert_eq!(human_code(&[&target, "--protocol", "postgres"]), 3);

    // A port where nothing listens.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = format!("127.0.0.1:{closed}");
    let r = run(&[&target, "--protocol", "postgres", "--timeout", "5"]);
    assert_eq!(r.code, 3, "{}", r.context());
    assert_report_shape(&r, false);
    let f = r.finding("connection-refused");
    assert_eq!(f["severity"], "error");
    assert!(f["title"].as_str().unwrap().contains(&target), "{f:#}");
    assert_eq!(r.json["facts"]["connect_error"]["kind"], "failed");
    assert!(r.json["facts"]["upgrade"].is_null());
    assert!(r.json["summary"]
        .as_str()
        .unwrap()
        .starts_with("UNREACHABLE"));
}

// ---------------------------------------------------------------------------
// 12. libpq's rules for postgresql:// URIs

#[test]
fn libpq_uri_rules() {
    let p = Pki::new("libpq");
    let other = Ca::root("libpq other root");
    let other_file = pki::write(p.path(), "other.pem", &[&other.cert_pem()]);
    let other_path = other_file.to_str().unwrap();
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let uri = |query: &str| {
        format!(
            "postgresql://postgres@127.0.0.1:{}/postgres{query}",
            pg.port
        )
    };

    // verify-ca without any root file: libpq refuses, whatever the OS store holds.
    let r = run(&[&uri("?sslmode=verify-ca")]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.json["target"]["rules"], "libpq");
    let f = r.finding("no-root-file");
    assert_eq!(f["severity"], "error");
    assert!(r.json["verdict_trust"].as_str().unwrap().contains("none"));
    assert!(
        r.json["trust"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["used_for_verdict"] == false),
        "{:#}",
        r.json["trust"]
    );
    assert_psql_agrees(&pg, "sslmode=verify-ca", &r);

    // require with a root file acts as verify-ca; this one does not hold the CA.
    let r = run(&[&uri(&format!("?sslmode=require&sslrootcert={other_path}"))]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "require");
    assert!(r.has("require-acts-as-verify-ca"), "{}", r.context());
    assert!(r.has("unknown-issuer"), "{}", r.context());
    assert_eq!(r.finding("unknown-issuer")["severity"], "error");
    assert_psql_agrees(
        &pg,
        &format!("sslmode=require sslrootcert={other_path}"),
        &r,
    );
    // … and with the right root it passes.
    let r = run(&[&uri(&format!("?sslmode=require&sslrootcert={}", p.root()))]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert!(r.has("require-acts-as-verify-ca"), "{}", r.context());
    assert_psql_agrees(
        &pg,
        &format!("sslmode=require sslrootcert={}", p.root()),
        &r,
    );
    // The same flags on a host:port target follow the generic rules: require is require.
    let r = run(&[
        &pg.addr(),
        "--protocol",
        "postgres",
        "--mode",
        "require",
        "--ca-file",
        other_path,
    ]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert!(!r.has("require-acts-as-verify-ca"), "{}", r.context());

    // No sslmode: libpq's default, prefer.
    let r = run(&[&uri("")]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "prefer");
    assert_eq!(r.json["verdict"]["encrypted"], true);
    let mode = setting(&r, "mode");
    assert_eq!(mode["value"], "prefer");
    assert!(
        mode["source"].as_str().unwrap().starts_with("default"),
        "{mode}"
    );
    assert_psql_agrees_raw(&uri(""), &r);

    // PGSSLMODE fills in what the URI leaves out.
    let env = [("PGSSLMODE", "verify-full")];
    let with_root = uri(&format!("?sslrootcert={}", p.root()));
    let r = run_env(&[&with_root], &env);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "verify-full");
    let mode = setting(&r, "mode");
    assert_eq!(mode["value"], "verify-full");
    assert_eq!(mode["source"], "environment PGSSLMODE");
    assert_psql_agrees_env(&with_root, &env, &r);
    // Without a root file the same environment fails, as psql does.
    let r = run_env(&[&uri("")], &env);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "verify-full");
    assert!(r.has("no-root-file"), "{}", r.context());
    assert_psql_agrees_env(&uri(""), &env, &r);
    // The URI's sslmode beats the environment.
    let r = run_env(&[&uri("?sslmode=require")], &env);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(setting(&r, "mode")["source"], "connection string sslmode=");
    // PGSSLMODE does not apply to host:port targets' flags: --mode wins.
    let r = run_env(
        &[&pg.addr(), "--protocol", "postgres", "--mode", "require"],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(setting(&r, "mode")["source"], "flag --mode");
}

// ---------------------------------------------------------------------------
// 13. TLS versions

#[test]
fn tls13_only_against_a_tls12_server_is_explained() {
    let p = Pki::new("versions");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &["ssl_max_protocol_version = 'TLSv1.2'"]);
    let addr = pg.addr();
    let base = [
        addr.as_str(),
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
    ];

    let r = run(&[&base[..], &["--tls-min", "1.3"]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(
        strs(&r.json["facts"]["tls"]["versions_offered"]),
        vec!["TLSv1.3"]
    );
    let f = r
        .json
        .get("findings")
        .and_then(Value::as_array)
        .and_then(|fs| {
            fs.iter()
                .find(|f| f["id"] == "handshake-alert" || f["id"] == "tls-incompatible")
        })
        .unwrap_or_else(|| panic!("no version finding: {}", r.context()));
    assert_eq!(f["severity"], "error", "{f:#}");
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.contains("TLSv1.3"), "the offered versions: {f:#}");
    assert!(!detail.contains("TLSv1.2"), "1.2 was not offered: {f:#}");
    assert!(!r.json["facts"]["tls"]["failure"].is_null());
    // Every TLS mode fails; prefer falls back to plaintext.
    for m in r.json["modes"].as_array().unwrap() {
        let expected = match m["mode"].as_str().unwrap() {
            "disable" | "allow" | "prefer" => "pass",
            _ => "fail",
        };
        assert_eq!(m["result"], expected, "{m}");
        assert_eq!(m["encrypted"], false, "{m}");
    }

    // psql with TLS 1.3 only fails too.
    assert_psql_agrees(
        &pg,
        &format!(
            "sslmode=verify-full sslrootcert={} ssl_min_protocol_version=TLSv1.3",
            p.root()
        ),
        &r,
    );

    // TLS 1.2 is what the server speaks.
    let r = run(&base);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["facts"]["tls"]["version"], "TLSv1.2");
    assert_psql_agrees(
        &pg,
        &format!("sslmode=verify-full sslrootcert={}", p.root()),
        &r,
    );
}

// ---------------------------------------------------------------------------
// 14. Revocation

#[test]
fn crls_for_the_leaf_and_for_the_whole_chain() {
    let p = Pki::new("crl");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let addr = pg.addr();

    let inter_revokes_leaf = p.inter.crl(&[&leaf]);
    let inter_empty = p.inter.crl(&[]);
    let root_empty = p.root.crl(&[]);
    let write = |name: &str, pems: &[&str]| {
        pki::write(p.path(), name, pems)
            .to_str()
            .unwrap()
            .to_string()
    };
    let revoking = write("inter-revokes-leaf.crl", &[&inter_revokes_leaf]);
    let inter_only = write("inter-empty.crl", &[&inter_empty]);
    let root_only = write("root-empty.crl", &[&root_empty]);
    let whole_chain_revoking = write("all-revoking.crl", &[&root_empty, &inter_revokes_leaf]);
    let whole_chain_clean = write("all-clean.crl", &[&root_empty, &inter_empty]);

    // host:port: the leaf is checked.
    let base = [
        addr.as_str(),
        "--protocol",
        "postgres",
        "--ca-file",
        p.root(),
    ];
    let r = run(&[&base[..], &["--crl-file", &revoking]].concat());
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.finding("revoked")["severity"], "error");
    assert_eq!(trust_entry(&r, "ca-file")["problem"], "revoked");
    assert_eq!(setting(&r, "crl")["source"], "flag --crl-file");
    // … only the leaf: a CRL that does not cover the intermediate is no problem,
    let r = run(&[&base[..], &["--crl-file", &inter_only]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    // and neither is one that does not cover the leaf.
    let r = run(&[&base[..], &["--crl-file", &root_only]].concat());
    assert_eq!(r.code, 0, "{}", r.context());
    // Revocation is a chain problem: require does not check it.
    let r = run(&[&base[..], &["--crl-file", &revoking, "--mode", "require"]].concat());
    assert_eq!(r.code, 0, "{}", r.context());

    // libpq: every certificate in the chain must be covered.
    let uri = |crl: &str| {
        format!(
            "postgresql://127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}&sslcrl={crl}",
            pg.port,
            p.root()
        )
    };
    let conninfo = |crl: &str| format!("sslmode=verify-full sslrootcert={} sslcrl={crl}", p.root());

    let r = run(&[&uri(&inter_only)]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.finding("revocation-unknown")["severity"], "error");
    assert!(!r.has("revoked"), "{}", r.context());
    assert_psql_agrees(&pg, &conninfo(&inter_only), &r);

    let r = run(&[&uri(&whole_chain_revoking)]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r.has("revoked"), "{}", r.context());
    assert!(!r.has("revocation-unknown"), "{}", r.context());
    assert_psql_agrees(&pg, &conninfo(&whole_chain_revoking), &r);

    let r = run(&[&uri(&whole_chain_clean)]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_psql_agrees(&pg, &conninfo(&whole_chain_clean), &r);

    // Only the intermediate's CRL, which revokes the leaf. libpq (OpenSSL
    // with CRL_CHECK_ALL) checks the leaf first and says "certificate
    // revoked"; that the root's CRL is missing too comes second. The report
    // must not hide a revoked certificate behind a coverage problem.
    let r = run(&[&uri(&revoking)]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert_psql_agrees(&pg, &conninfo(&revoking), &r);
    let openssl = openssl_verify(&pg, &p.root_file, Path::new(&revoking));
    assert!(
        openssl.contains("certificate revoked"),
        "openssl's verdict: {openssl}"
    );
    assert!(
        r.has("revoked"),
        "the leaf is revoked by the CRL given (openssl: {}), but tlscheck does not \
         say so:\n{}",
        openssl.trim(),
        r.context()
    );
}

/// What `openssl s_client -starttls postgres` with `-crl_check_all` (the
/// checks libpq asks OpenSSL for when sslcrl is set) says about the chain.
fn openssl_verify(pg: &PgServer, ca: &Path, crl: &Path) -> String {
    let out = std::process::Command::new("openssl")
        .args(["s_client", "-starttls", "postgres", "-connect", &pg.addr()])
        .args(["-crl_check_all", "-verify_return_error"])
        .arg("-CAfile")
        .arg(ca)
        .arg("-CRL")
        .arg(crl)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run openssl s_client");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    all.lines()
        .filter(|l| l.contains("verify error") || l.contains("Verify return code"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------
// More of libpq's root-file rules, with psql as the oracle

/// libpq verifies the chain whenever a root file exists, whatever the
/// sslmode; under prefer a failed verification makes it retry without TLS.
#[test]
fn libpq_prefer_with_a_root_file_that_rejects_the_chain_falls_back_to_plaintext() {
    let p = Pki::new("prefer");
    let other = Ca::root("prefer other root");
    let other_file = pki::write(p.path(), "other.pem", &[&other.cert_pem()]);
    let other_path = other_file.to_str().unwrap();
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let uri = |root: &str| {
        format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=prefer&sslrootcert={root}",
            pg.port
        )
    };

    // The right root file: verified and encrypted.
    let r = run(&[&uri(p.root())]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["encrypted"], true, "{}", r.context());
    assert_psql_agrees_raw(&uri(p.root()), &r);

    // A root file that does not hold the CA: psql connects, unencrypted.
    let r = run(&[&uri(other_path)]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.json["verdict"]["mode"], "prefer");
    assert!(r.has("unknown-issuer"), "{}", r.context());
    assert_psql_agrees_raw(&uri(other_path), &r);
    assert!(r.has("unencrypted"), "{}", r.context());
    let prefer = r.json["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mode"] == "prefer")
        .unwrap();
    assert_eq!(prefer, &r.json["verdict"]);
}

/// An sslrootcert that does not exist is no root file: require does not
/// verify (libpq stats the file and goes on without it), verify-* fail.
#[test]
fn libpq_missing_root_file_is_no_root_file() {
    let p = Pki::new("missing root file");
    let leaf = p.leaf(&good_names());
    let pg = p.server_with_chain(&leaf, &[]);
    let missing = p.path().join("no-such-root.pem");
    let missing = missing.to_str().unwrap();
    let uri = |mode: &str| {
        format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode={mode}&sslrootcert={missing}",
            pg.port
        )
    };

    let r = run(&[&uri("verify-ca")]);
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(
        r.has("no-root-file") || r.has("trust-source-unusable"),
        "{}",
        r.context()
    );
    assert_psql_agrees_raw(&uri("verify-ca"), &r);

    let r = run(&[&uri("prefer")]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_psql_agrees_raw(&uri("prefer"), &r);

    let r = run(&[&uri("require")]);
    assert_psql_agrees_raw(&uri("require"), &r);
    assert_eq!(r.code, 0, "{}", r.context());
    assert!(!r.has("require-acts-as-verify-ca"), "{}", r.context());
}
