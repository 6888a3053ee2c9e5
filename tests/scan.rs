//! `tlscheck scan` against real peers whose TLS is restricted on purpose
//! (`tests/support/legacy.rs`): `openssl s_server`, PostgreSQL and MariaDB,
//! each told exactly which versions, cipher suites and groups to accept.
//! The scan must find exactly that configuration: the accepted versions,
//! per version the set of cipher IDs (and their order when the server
//! imposes it), the TLS 1.3 groups, and the certificate served without SNI.
//!
//! The expected IDs are written out, from the configured names through
//! `openssl ciphers -V` (what OpenSSL, hence the server, makes of the cipher
//! string; each test checks that too, so a different OpenSSL shows as such
//! and not as a scan bug). Every configuration was also checked by hand,
//! one suite per `openssl s_client -starttls …` connection.
//!
//! Only 127.0.0.1 is contacted.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::legacy::{self, openssl_cipher_ids, Accepts, SServerOptions};
use support::pki::{Ca, Issued, LeafSpec};
use support::{json_run, tlscheck};

const VERSIONS: [&str; 5] = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

// Cipher strings and what they name (IANA code points, in OpenSSL's order).

/// TLS 1.0/1.1 suites. (`DES-CBC3-SHA` would be the classic third, but
/// Debian's OpenSSL 3 has no 3DES at all, at any security level.)
const LEGACY_CIPHERS: &str = "AES128-SHA:CAMELLIA128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0";
const LEGACY_IDS: [&str; 3] = ["0x002F", "0x0041", "0xC014"];

/// TLS 1.2, ordered on purpose against OpenSSL's strength order.
const TLS12_CIPHERS: &str =
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256";
const TLS12_IDS: [&str; 4] = ["0xC030", "0xCCA8", "0x009C", "0xC027"];

/// TLS 1.3 suites and groups.
const TLS13_SUITES: &str = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
const TLS13_IDS: [&str; 2] = ["0x1302", "0x1303"];
const TLS13_GROUPS: &str = "X25519:P-384";
const TLS13_GROUP_IDS: [&str; 2] = ["0x001D", "0x0018"];

/// OpenSSL 3.0's default TLS 1.3 suites and key-exchange groups (x25519,
/// secp256r1, x448, secp521r1, secp384r1, ffdhe2048 … ffdhe8192).
const DEFAULT_TLS13_IDS: [&str; 3] = ["0x1301", "0x1302", "0x1303"];
const DEFAULT_GROUP_IDS: [&str; 10] = [
    "0x001D", "0x0017", "0x001E", "0x0019", "0x0018", "0x0100", "0x0101", "0x0102", "0x0103",
    "0x0104",
];

/// PostgreSQL TLS 1.2: an AEAD suite every client takes, plus RSA key
/// exchange with CBC and a SHA-1 CBC suite (both refused by rustls).
const PG12_CIPHERS: &str = "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA256:ECDHE-RSA-AES256-SHA";
const PG12_IDS: [&str; 3] = ["0xC02F", "0x003D", "0xC014"];

/// MariaDB TLS 1.1.
const MARIA_CIPHERS: &str = "AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0";
const MARIA_IDS: [&str; 2] = ["0x002F", "0xC014"];

// ---------------------------------------------------------------------------
// Running the scan and reading its report

struct Scan {
    code: i32,
    json: Value,
    stderr: String,
    /// The peer's configuration, for assertion messages.
    config: String,
}

fn scan(target: &str, args: &[&str], config: &str) -> Scan {
    let mut cmd = tlscheck();
    cmd.args(["scan", target]).args(args);
    let run = json_run(cmd);
    let s = Scan {
        code: run.code,
        json: run.json,
        stderr: run.stderr,
        config: config.to_string(),
    };
    s.check_shape();
    s
}

impl Scan {
    fn context(&self) -> String {
        format!(
            "server: {}\nexit {}\nsummary {}\nerror {}\nversions {:#}\ngroups {:#}\ncertificates {:#}\nfindings {:#}\nstderr {}",
            self.config,
            self.code,
            self.json["summary"],
            self.json["error"],
            self.json["versions"],
            self.json["groups"],
            self.json["certificates"],
            self.json["findings"],
            self.stderr
        )
    }

    fn version(&self, name: &str) -> &Value {
        self.json["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == name)
            .unwrap_or_else(|| panic!("no {name} entry\n{}", self.context()))
    }

    fn accepted(&self) -> Vec<String> {
        self.json["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["accepted"] == true)
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect()
    }

    /// Cipher IDs for `version`, in the report's order.
    fn cipher_ids(&self, version: &str) -> Vec<String> {
        self.version(version)["ciphers"]
            .as_array()
            .unwrap_or_else(|| panic!("{version}: no ciphers array\n{}", self.context()))
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn cipher(&self, version: &str, id: &str) -> &Value {
        self.version(version)["ciphers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{version}: no cipher {id}\n{}", self.context()))
    }

    fn group_ids(&self) -> BTreeSet<String> {
        self.json["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("no groups array\n{}", self.context()))
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// What every report must look like, whatever the server.
    fn check_shape(&self) {
        let j = &self.json;
        let ctx = || self.context();
        assert_eq!(j["schema_version"], 1, "{}", ctx());
        assert!(j["tlscheck_version"].is_string(), "{}", ctx());
        assert_eq!(
            j["exit_code"],
            self.code,
            "exit_code vs exit status\n{}",
            ctx()
        );
        assert!(
            j["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{}",
            ctx()
        );
        assert!(j["elapsed_ms"].is_number(), "{}", ctx());
        assert!(j["connections"].is_u64(), "{}", ctx());
        for key in ["input", "host", "port", "protocol"] {
            assert!(!j["target"][key].is_null(), "target.{key}\n{}", ctx());
        }
        assert!(j["target"]["sni"].is_string() || j["target"]["sni"].is_null());
        if !j["error"].is_null() {
            assert!(j["error"].is_string(), "{}", ctx());
            return;
        }
        let versions = j["versions"].as_array().expect("versions array");
        let names: Vec<&str> = versions
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(names, VERSIONS, "five versions, oldest first\n{}", ctx());
        for v in versions {
            let name = v["version"].as_str().unwrap();
            assert!(v["accepted"].is_boolean(), "{name}\n{}", ctx());
            assert!(v["answer"].is_string(), "{name}: answer\n{}", ctx());
            assert!(v["refused_by"].is_array(), "{name}: refused_by\n{}", ctx());
            let ciphers = v["ciphers"].as_array().expect("ciphers array");
            if v["accepted"] == false {
                assert!(
                    ciphers.is_empty(),
                    "{name} refused but has ciphers\n{}",
                    ctx()
                );
            } else {
                assert!(!ciphers.is_empty(), "{name} accepted, no cipher\n{}", ctx());
            }
            // server_order: null below two ciphers, a boolean from two on.
            if ciphers.len() < 2 {
                assert!(v["server_order"].is_null(), "{name}\n{}", ctx());
            } else {
                assert!(v["server_order"].is_boolean(), "{name}\n{}", ctx());
            }
            for c in ciphers {
                let id = c["id"].as_str().unwrap_or_default();
                assert!(
                    id.len() == 6
                        && id.starts_with("0x")
                        && id[2..]
                            .chars()
                            .all(|ch| ch.is_ascii_digit() || ('A'..='F').contains(&ch)),
                    "{name}: cipher id {id:?} is not 0x + 4 uppercase hex digits\n{}",
                    ctx()
                );
                assert!(c["name"].is_string(), "{name} {id}\n{}", ctx());
                assert!(c["weak"].is_array(), "{name} {id}\n{}", ctx());
                assert!(c["refused_by"].is_array(), "{name} {id}\n{}", ctx());
            }
        }
        // Legacy versions: some current client stack refuses them, always.
        for name in ["SSLv3", "TLSv1.0", "TLSv1.1"] {
            let v = versions.iter().find(|v| v["version"] == name).unwrap();
            assert!(
                !v["refused_by"].as_array().unwrap().is_empty(),
                "{name}: refused_by is empty\n{}",
                ctx()
            );
        }
        assert!(j["groups"].is_array(), "{}", ctx());
        assert!(j["certificates"].is_array(), "{}", ctx());
        for f in j["findings"].as_array().expect("findings array") {
            assert!(
                ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap_or("")),
                "{f:#}"
            );
            for key in ["id", "title", "detail"] {
                assert!(f[key].is_string(), "finding {key}: {f:#}");
            }
        }
        assert!(
            j["connections"].as_u64().unwrap() > 0,
            "a finished scan made connections\n{}",
            ctx()
        );
    }

    fn assert_accepted(&self, want: &[&str]) {
        assert_eq!(
            self.accepted(),
            want,
            "accepted versions\n{}",
            self.context()
        );
    }

    /// The set of cipher IDs for `version` is `want`, order aside.
    fn assert_cipher_set(&self, version: &str, want: &[&str]) {
        let got: BTreeSet<String> = self.cipher_ids(version).into_iter().collect();
        let want_set: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            got,
            want_set,
            "{version}: accepted ciphers (missing {:?}, extra {:?})\n{}",
            want_set.difference(&got).collect::<Vec<_>>(),
            got.difference(&want_set).collect::<Vec<_>>(),
            self.context()
        );
        assert_eq!(
            self.cipher_ids(version).len(),
            want.len(),
            "{version}: duplicate cipher entries\n{}",
            self.context()
        );
    }

    /// The server imposes its order, and it is exactly `want`.
    fn assert_server_order(&self, version: &str, want: &[&str]) {
        assert_eq!(
            self.version(version)["server_order"],
            true,
            "{version}: server_order\n{}",
            self.context()
        );
        assert_eq!(
            self.cipher_ids(version),
            want,
            "{version}: the server's order\n{}",
            self.context()
        );
    }

    fn assert_client_order(&self, version: &str) {
        assert_eq!(
            self.version(version)["server_order"],
            false,
            "{version}: the server follows the client's order\n{}",
            self.context()
        );
    }
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The peer itself, asked with `openssl s_client` one suite and one group
/// per connection, accepts exactly `want` (s_client's version flag → IDs)
/// and `groups`. When this fails the harness, not the scan, is wrong.
fn assert_peer(addr: &str, starttls: Option<&str>, want: &[(&str, &[&str])], groups: &[&str]) {
    let got = legacy::s_client_accepts(addr, starttls);
    let want = Accepts {
        ciphers: want
            .iter()
            .map(|(f, ids)| (f.to_string(), set(ids)))
            .collect(),
        groups: set(groups),
    };
    assert_eq!(got, want, "what openssl s_client gets from the peer itself");
}

/// OpenSSL reads the cipher string as the test says (else the expected IDs,
/// not the scan, are wrong for this OpenSSL).
fn assert_openssl_names(version_flag: &str, list: &str, want: &[&str]) {
    assert_eq!(
        openssl_cipher_ids(version_flag, list),
        want,
        "openssl ciphers -V -s {version_flag} {list:?} names other suites than this test expects"
    );
}

/// `leaf_sha256` as the report writes it (`5D:4E:…`, what `openssl x509
/// -fingerprint -sha256` prints), read as plain lowercase hex.
fn fingerprint_hex(c: &Value) -> String {
    c["leaf_sha256"]
        .as_str()
        .unwrap_or_default()
        .replace(':', "")
        .to_ascii_lowercase()
}

fn sha256_hex(der: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Pki {
    localhost: Issued,
    other: Issued,
}

fn pki() -> Pki {
    let ca = Ca::root("tlscheck scan test root");
    Pki {
        localhost: ca
            .leaf_rsa(&LeafSpec::for_names(&["localhost", "127.0.0.1"]).with_cn("localhost")),
        other: ca.leaf_rsa(&LeafSpec::for_names(&["other.test"]).with_cn("other.test")),
    }
}

// ---------------------------------------------------------------------------
// openssl s_server

#[test]
fn s_server_tls10_tls11_only_with_three_legacy_suites() {
    assert_openssl_names("-tls1", LEGACY_CIPHERS, &LEGACY_IDS);
    let p = pki();
    let server = SServerOptions::new(&p.localhost)
        .protocols(&["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.1"])
        .cipher(LEGACY_CIPHERS)
        .start();
    assert_peer(
        &server.addr(),
        None,
        &[("-tls1", &LEGACY_IDS), ("-tls1_1", &LEGACY_IDS)],
        &[],
    );
    let s = scan(&server.addr(), &["--protocol", "tls"], &server.command);
    assert_eq!(s.json["error"], Value::Null, "{}", s.context());
    assert_eq!(s.json["target"]["protocol"], "tls", "{}", s.context());
    s.assert_accepted(&["TLSv1.0", "TLSv1.1"]);
    for v in ["TLSv1.0", "TLSv1.1"] {
        s.assert_cipher_set(v, &LEGACY_IDS);
        // No -serverpref: OpenSSL takes the client's first suite it has.
        s.assert_client_order(v);
    }
    assert!(
        s.group_ids().is_empty(),
        "no TLS 1.3, no groups\n{}",
        s.context()
    );
    // No current client stack gets in.
    assert_eq!(s.code, 1, "{}", s.context());
}

#[test]
fn s_server_tls12_only_in_the_servers_order() {
    assert_openssl_names("-tls1_2", TLS12_CIPHERS, &TLS12_IDS);
    let p = pki();
    let server = SServerOptions::new(&p.localhost)
        .protocols(&["-tls1_2"])
        .cipher(TLS12_CIPHERS)
        .server_pref()
        .start();
    assert_peer(&server.addr(), None, &[("-tls1_2", &TLS12_IDS)], &[]);
    let target = format!("tls://{}", server.addr());
    let s = scan(&target, &[], &server.command);
    assert_eq!(s.json["target"]["protocol"], "tls", "{}", s.context());
    s.assert_accepted(&["TLSv1.2"]);
    s.assert_cipher_set("TLSv1.2", &TLS12_IDS);
    s.assert_server_order("TLSv1.2", &TLS12_IDS);
    assert_eq!(
        s.cipher("TLSv1.2", "0xC030")["name"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "IANA names\n{}",
        s.context()
    );
    assert!(s.group_ids().is_empty(), "{}", s.context());
    assert_eq!(s.code, 0, "{}", s.context());
}

#[test]
fn s_server_tls13_only_with_two_suites_and_two_groups() {
    assert_openssl_names("-tls1_3", TLS13_SUITES, &TLS13_IDS);
    let p = pki();
    let server = SServerOptions::new(&p.localhost)
        .protocols(&["-tls1_3"])
        .ciphersuites(TLS13_SUITES)
        .groups(TLS13_GROUPS)
        .start();
    assert_peer(
        &server.addr(),
        None,
        &[("-tls1_3", &TLS13_IDS)],
        &TLS13_GROUP_IDS,
    );
    let s = scan(
        &format!("tls://{}", server.addr()),
        &["--concurrency", "4"],
        &server.command,
    );
    s.assert_accepted(&["TLSv1.3"]);
    s.assert_cipher_set("TLSv1.3", &TLS13_IDS);
    s.assert_client_order("TLSv1.3");
    assert_eq!(
        s.group_ids(),
        set(&TLS13_GROUP_IDS),
        "groups\n{}",
        s.context()
    );
    let x25519 = s.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "0x001D")
        .unwrap();
    assert_eq!(x25519["name"], "x25519", "{}", s.context());
    // TLS 1.3 sends the certificate encrypted: it comes from a rustls
    // handshake instead of a probe.
    let own = &s.json["certificates"][0];
    assert_eq!(own["how"], "rustls (TLSv1.3)", "{}", s.context());
    assert_eq!(
        fingerprint_hex(own),
        sha256_hex(&p.localhost.cert_der),
        "{}",
        s.context()
    );
    assert_eq!(s.code, 0, "{}", s.context());
}

/// The same over IPv6 loopback: the target's `[::1]:port` form.
#[test]
fn s_server_on_ipv6_loopback() {
    let p = pki();
    let server = SServerOptions::new(&p.localhost)
        .protocols(&["-tls1_2"])
        .cipher(TLS12_CIPHERS)
        .server_pref()
        .ipv6()
        .start();
    assert_peer(&server.addr(), None, &[("-tls1_2", &TLS12_IDS)], &[]);
    let s = scan(
        &format!("tls://{}", server.addr()),
        &["--concurrency", "2"],
        &server.command,
    );
    assert_eq!(s.json["target"]["host"], "::1", "{}", s.context());
    assert_eq!(s.json["target"]["port"], server.port, "{}", s.context());
    s.assert_accepted(&["TLSv1.2"]);
    s.assert_server_order("TLSv1.2", &TLS12_IDS);
    assert_eq!(s.code, 0, "{}", s.context());
}

/// OpenSSL's defaults with an RSA certificate: TLS 1.2 with the DEFAULT
/// suites an RSA key can serve (ECDHE-RSA, DHE-RSA, RSA key exchange), and
/// TLS 1.3 with its three default suites and ten groups. One certificate
/// for every name: nothing differs without SNI.
#[test]
fn s_server_defaults_and_one_certificate_for_every_name() {
    // DEFAULT's TLS 1.2 suites that an RSA key serves, in OpenSSL's words.
    let tls12: Vec<String> = {
        let out = std::process::Command::new("openssl")
            .args(["ciphers", "-V", "-s", "-tls1_2", "DEFAULT"])
            .env("OPENSSL_CONF", "/dev/null")
            .output()
            .expect("openssl ciphers");
        legacy::parse_ciphers_v(&String::from_utf8_lossy(&out.stdout))
            .into_iter()
            .filter(|(_, rest)| {
                let f: Vec<&str> = rest.split_whitespace().collect();
                !f.contains(&"TLSv1.3")
                    && f.contains(&"Au=RSA")
                    && ["Kx=ECDH", "Kx=DH", "Kx=RSA"].iter().any(|k| f.contains(k))
            })
            .map(|(id, _)| id)
            .collect()
    };
    // On Debian 12's OpenSSL 3.0 that is these 20 (checked one by one
    // with s_client); another OpenSSL may differ, the derivation holds.
    eprintln!("expected TLS 1.2 suites: {tls12:?}");
    assert!(tls12.len() >= 10, "{tls12:?}");
    let tls12: Vec<&str> = tls12.iter().map(String::as_str).collect();

    let p = pki();
    let server = SServerOptions::new(&p.localhost).start();
    assert_peer(
        &server.addr(),
        None,
        &[("-tls1_2", &tls12), ("-tls1_3", &DEFAULT_TLS13_IDS)],
        &DEFAULT_GROUP_IDS,
    );
    let s = scan(
        &format!("tls://{}", server.addr()),
        &["--sni", "localhost"],
        &server.command,
    );
    s.assert_accepted(&["TLSv1.2", "TLSv1.3"]);
    s.assert_cipher_set("TLSv1.2", &tls12);
    s.assert_client_order("TLSv1.2");
    s.assert_cipher_set("TLSv1.3", &DEFAULT_TLS13_IDS);
    s.assert_client_order("TLSv1.3");
    assert_eq!(
        s.group_ids(),
        set(&DEFAULT_GROUP_IDS),
        "groups\n{}",
        s.context()
    );
    assert_eq!(s.json["target"]["sni"], "localhost", "{}", s.context());
    let certs = s.json["certificates"].as_array().unwrap();
    assert!(!certs.is_empty(), "{}", s.context());
    let want = sha256_hex(&p.localhost.cert_der);
    for c in certs {
        assert_eq!(fingerprint_hex(c), want, "{c:#}\n{}", s.context());
        assert_eq!(c["differs"], false, "{}", s.context());
    }
    assert_eq!(s.code, 0, "{}", s.context());
}

/// `-servername localhost -cert2`: the localhost certificate only for
/// clients that ask for localhost; anyone else, without SNI too, gets the
/// other.test one.
#[test]
fn s_server_serves_another_certificate_without_sni() {
    let p = pki();
    let server = SServerOptions::new(&p.other)
        .cert_for_name("localhost", &p.localhost)
        .start();
    let s = scan(
        &format!("tls://{}", server.addr()),
        &["--sni", "localhost"],
        &server.command,
    );
    assert_eq!(s.json["target"]["sni"], "localhost", "{}", s.context());
    let certs = s.json["certificates"].as_array().unwrap();
    let with = certs
        .iter()
        .find(|c| c["sni"] == "localhost")
        .unwrap_or_else(|| panic!("no certificate for SNI localhost\n{}", s.context()));
    let without = certs
        .iter()
        .find(|c| c["sni"].is_null())
        .unwrap_or_else(|| panic!("no certificate without SNI\n{}", s.context()));
    let hex = fingerprint_hex;
    assert_eq!(
        hex(with),
        sha256_hex(&p.localhost.cert_der),
        "{}",
        s.context()
    );
    assert_eq!(
        hex(without),
        sha256_hex(&p.other.cert_der),
        "{}",
        s.context()
    );
    assert!(
        with["subject"].as_str().unwrap().contains("localhost"),
        "{}",
        s.context()
    );
    assert!(
        without["subject"].as_str().unwrap().contains("other.test"),
        "{}",
        s.context()
    );
    assert_eq!(with["differs"], false, "{}", s.context());
    assert_eq!(without["differs"], true, "{}", s.context());
    // The rest of the scan is OpenSSL's defaults, as above.
    s.assert_accepted(&["TLSv1.2", "TLSv1.3"]);
}

// ---------------------------------------------------------------------------
// PostgreSQL

#[test]
fn postgres_tls10_tls11_only() {
    assert_openssl_names("-tls1", LEGACY_CIPHERS, &LEGACY_IDS);
    let p = pki();
    let pg = legacy::postgres(&p.localhost, "TLSv1", "TLSv1.1", Some(LEGACY_CIPHERS));
    let config = format!(
        "PostgreSQL, ssl_min_protocol_version TLSv1, ssl_max_protocol_version TLSv1.1, ssl_ciphers {LEGACY_CIPHERS}"
    );
    assert_peer(
        &pg.addr(),
        Some("postgres"),
        &[("-tls1", &LEGACY_IDS), ("-tls1_1", &LEGACY_IDS)],
        &[],
    );
    let s = scan(&pg.addr(), &["--protocol", "postgres"], &config);
    assert_eq!(s.json["target"]["protocol"], "postgres", "{}", s.context());
    s.assert_accepted(&["TLSv1.0", "TLSv1.1"]);
    for v in ["TLSv1.0", "TLSv1.1"] {
        // ssl_prefer_server_ciphers is on by default.
        s.assert_cipher_set(v, &LEGACY_IDS);
        s.assert_server_order(v, &LEGACY_IDS);
    }
    assert_eq!(s.code, 1, "{}", s.context());
}

#[test]
fn postgres_tls12_only_with_restricted_ciphers() {
    assert_openssl_names("-tls1_2", PG12_CIPHERS, &PG12_IDS);
    let p = pki();
    let pg = legacy::postgres(&p.localhost, "TLSv1.2", "TLSv1.2", Some(PG12_CIPHERS));
    let config = format!("PostgreSQL, TLSv1.2 only, ssl_ciphers {PG12_CIPHERS}");
    assert_peer(&pg.addr(), Some("postgres"), &[("-tls1_2", &PG12_IDS)], &[]);
    let target = format!("postgresql://{}/?sslmode=require", pg.addr());
    let s = scan(&target, &[], &config);
    assert_eq!(s.json["target"]["protocol"], "postgres", "{}", s.context());
    assert_eq!(s.json["target"]["port"], pg.port, "{}", s.context());
    s.assert_accepted(&["TLSv1.2"]);
    s.assert_cipher_set("TLSv1.2", &PG12_IDS);
    s.assert_server_order("TLSv1.2", &PG12_IDS);
    // rustls has neither RSA key exchange nor CBC suites.
    for id in ["0x003D", "0xC014"] {
        assert!(
            !s.cipher("TLSv1.2", id)["refused_by"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{id}: no client refuses it?\n{}",
            s.context()
        );
    }
    assert!(
        s.cipher("TLSv1.2", "0xC02F")["refused_by"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        s.context()
    );
    // Every current client connects (ECDHE-RSA-AES128-GCM-SHA256) ...
    assert_eq!(s.code, 0, "{}", s.context());
    // ... but the server also accepts what some refuse.
    let strict = scan(&target, &["--strict"], &config);
    assert_eq!(strict.code, 1, "--strict\n{}", strict.context());
    assert_eq!(strict.accepted(), s.accepted());
}

/// PostgreSQL sets one ECDH curve for every version, `ssl_ecdh_curve`
/// (default `prime256v1`): its TLS 1.3 key exchange is P-256 alone, where
/// OpenSSL's own default is ten groups.
#[test]
fn postgres_tls13_has_only_its_ecdh_curve() {
    let p = pki();
    let pg = legacy::postgres(&p.localhost, "TLSv1.3", "TLSv1.3", None);
    let config = "PostgreSQL, TLSv1.3 only, ssl_ecdh_curve default (prime256v1)";
    assert_peer(
        &pg.addr(),
        Some("postgres"),
        &[("-tls1_3", &DEFAULT_TLS13_IDS)],
        &["0x0017"],
    );
    let s = scan(&pg.addr(), &["--protocol", "postgres"], config);
    s.assert_accepted(&["TLSv1.3"]);
    s.assert_cipher_set("TLSv1.3", &DEFAULT_TLS13_IDS);
    // ssl_prefer_server_ciphers applies to TLS 1.3 too: OpenSSL's order.
    s.assert_server_order("TLSv1.3", &["0x1302", "0x1303", "0x1301"]);
    assert_eq!(s.group_ids(), set(&["0x0017"]), "groups\n{}", s.context());
    assert_eq!(s.code, 0, "{}", s.context());
}

/// `tlscheck connect` cannot finish a TLS 1.0/1.1 handshake with current
/// client stacks, yet still shows the chain the server sent, and says why
/// the connection fails.
#[test]
fn connect_to_legacy_only_postgres_still_shows_the_chain() {
    let p = pki();
    let pg = legacy::postgres(&p.localhost, "TLSv1", "TLSv1.1", Some(LEGACY_CIPHERS));
    let (code, j) = support::connect_json(&[&pg.addr(), "--protocol", "postgres"]);
    let ctx = format!(
        "exit {code}\nfacts.tls {:#}\nfacts.chain {:#}\nfindings {:#}",
        j["facts"]["tls"], j["facts"]["chain"], j["findings"]
    );
    assert_eq!(code, 1, "{ctx}");
    let chain = j["facts"]["chain"].as_array().expect("facts.chain");
    assert!(!chain.is_empty(), "{ctx}");
    assert!(
        chain[0]["subject"].as_str().unwrap().contains("localhost"),
        "{ctx}"
    );
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "legacy-tls-only"),
        "{ctx}"
    );
}

// ---------------------------------------------------------------------------
// MariaDB

#[test]
fn mariadb_tls11_only() {
    assert_openssl_names("-tls1_1", MARIA_CIPHERS, &MARIA_IDS);
    let p = pki();
    let db = legacy::mariadb(&p.localhost, "TLSv1.1", Some(MARIA_CIPHERS));
    let config = format!("MariaDB, --tls-version=TLSv1.1 --ssl-cipher={MARIA_CIPHERS}");
    assert_peer(&db.addr(), Some("mysql"), &[("-tls1_1", &MARIA_IDS)], &[]);
    let s = scan(&format!("mysql://{}", db.addr()), &[], &config);
    assert_eq!(s.json["target"]["protocol"], "mysql", "{}", s.context());
    s.assert_accepted(&["TLSv1.1"]);
    s.assert_cipher_set("TLSv1.1", &MARIA_IDS);
    // MariaDB follows the client's order.
    s.assert_client_order("TLSv1.1");
    assert_eq!(s.code, 1, "{}", s.context());
}

// ---------------------------------------------------------------------------
// No scan

#[test]
fn nothing_listening_is_exit_3_with_an_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = scan(
        &format!("127.0.0.1:{port}"),
        &["--protocol", "tls", "--timeout", "5"],
        "nothing listening",
    );
    assert_eq!(s.code, 3, "{}", s.context());
    assert!(s.json["error"].is_string(), "{}", s.context());
}

// ---------------------------------------------------------------------------
// psql as the oracle where rustls cannot handshake

/// `tlscheck connect` under libpq's rules decides as psql does even where
/// its own rustls cannot handshake: a TLS 1.2 server with only suites
/// OpenSSL 3 has and rustls lacks (psql connects; the verdicts judge that
/// connection, with the chain read from a probe), and a TLS 1.0/1.1-only
/// server (psql refuses, like every current client).
#[test]
fn psql_and_tlscheck_agree_where_rustls_cannot_handshake() {
    const OPENSSL_ONLY: &str = "AES256-SHA256:DHE-RSA-AES128-SHA";
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::root("tlscheck psql oracle root");
    let leaf = ca.leaf_rsa(&LeafSpec::for_names(&["localhost"]).with_cn("localhost"));
    let root = support::pki::write(dir.path(), "root.pem", &[&ca.cert_pem()]);
    let servers = [
        (
            "TLSv1.2, suites rustls lacks",
            legacy::postgres(&leaf, "TLSv1.2", "TLSv1.2", Some(OPENSSL_ONLY)),
        ),
        (
            "TLSv1.0/1.1 only",
            legacy::postgres(&leaf, "TLSv1", "TLSv1.1", Some(LEGACY_CIPHERS)),
        ),
    ];
    let mut disagreements = Vec::new();
    for (what, pg) in &servers {
        for mode in ["require", "verify-ca", "verify-full"] {
            let uri = format!(
                "postgresql://postgres@localhost:{}/postgres?hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={}",
                pg.port,
                root.display()
            );
            let psql = support::psql()
                .arg(&uri)
                .args(["-Atc", "select 1"])
                .output()
                .expect("run psql (apt-get install -y postgresql-client)");
            let (code, j) = support::connect_json(&[&uri]);
            if psql.status.success() != (code == 0) {
                disagreements.push(format!(
                    "{what}, sslmode={mode}: psql {} ({}), tlscheck exit {code}: {}",
                    if psql.status.success() {
                        "connects"
                    } else {
                        "refuses"
                    },
                    String::from_utf8_lossy(&psql.stderr).trim(),
                    j["summary"]
                ));
            }
            let ids: Vec<&str> = j["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap())
                .collect();
            if what.starts_with("TLSv1.2") {
                assert!(
                    ids.contains(&"negotiated-by-client-stack"),
                    "{what} {mode}: {ids:?}"
                );
                let rustls = j["clients"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["client"].as_str().unwrap().starts_with("rustls"))
                    .expect("a rustls row");
                assert_eq!(rustls["accepts"], false, "{rustls:#}");
            } else {
                assert!(ids.contains(&"legacy-tls-only"), "{what} {mode}: {ids:?}");
            }
            assert!(
                !j["facts"]["chain"].as_array().unwrap().is_empty(),
                "{what} {mode}: the chain is read from a probe"
            );
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// The same with the mariadb client as the oracle for `mysql://` targets
/// (the mysql client's rules: OpenSSL 3).
#[test]
fn mariadb_client_and_tlscheck_agree_where_rustls_cannot_handshake() {
    const OPENSSL_ONLY: &str = "AES256-SHA256:DHE-RSA-AES128-SHA";
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::root("tlscheck mariadb oracle root");
    let leaf = ca.leaf_rsa(&LeafSpec::for_names(&["localhost"]).with_cn("localhost"));
    let root = support::pki::write(dir.path(), "root.pem", &[&ca.cert_pem()]);
    let servers = [
        (
            "TLSv1.2, suites rustls lacks",
            legacy::mariadb(&leaf, "TLSv1.2", Some(OPENSSL_ONLY)),
            true,
        ),
        (
            "TLSv1.1 only",
            legacy::mariadb(&leaf, "TLSv1.1", Some(MARIA_CIPHERS)),
            false,
        ),
    ];
    for (what, db, expect_ok) in &servers {
        let out = support::mariadb::mariadb_client()
            .args(["--protocol=tcp", "-h", "localhost", "-P"])
            .arg(db.port.to_string())
            .args(["-u", "tlscheck_nobody", "--connect-timeout=10"])
            .arg(format!("--ssl-ca={}", root.display()))
            .args(["--ssl-verify-server-cert", "-e", "select 1"])
            .output()
            .expect("run mariadb (apt-get install -y mariadb-client)");
        // Through TLS, the client is refused at login: no such user.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let client_ok = stderr.contains("Access denied");
        assert_eq!(
            client_ok, *expect_ok,
            "{what}: the mariadb client said {stderr}"
        );
        let uri = format!(
            "mysql://app@localhost:{}/x?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
            db.port,
            root.display()
        );
        let (code, j) = support::connect_json(&[&uri]);
        assert_eq!(
            code == 0,
            client_ok,
            "{what}: mariadb {stderr}, tlscheck exit {code}: {:#}",
            j["summary"]
        );
    }
}
