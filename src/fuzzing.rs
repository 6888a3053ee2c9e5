//! The fuzz targets: one `target_NAME(data)` per parser of outside input,
//! holding what must hold for every input (no panic, bounded results,
//! consistent lengths, round trips). `fuzz/fuzz_targets/NAME.rs` calls one
//! under libFuzzer (`cargo +nightly fuzz run NAME`), and
//! `tests/fuzz_corpus.rs` replays every file of `fuzz/corpus/NAME/` through
//! the same function on the stable toolchain, so CI needs no fuzzer.
//!
//! Not part of the API: it exists for those two callers.

use std::time::Duration;

use crate::facts::sniff;
use crate::facts::upgrade::{HelloExchange, HelloOutcome, UpgradeError};
use crate::protocol::{mongo, mysql, postgres};
use crate::request::{FixedEnv, Request};
use crate::target::{AdoKind, Target};

/// A fuzz target: takes any bytes, panics when something that must hold does not.
pub type FuzzTarget = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, FuzzTarget)] = &[
    ("target", target_target),
    ("settings", target_settings),
    ("mysql", target_mysql),
    ("postgres", target_postgres),
    ("mongo", target_mongo),
    ("reply", target_reply),
    ("sniff", target_sniff),
    ("ocsp", target_ocsp),
    ("crl", target_crl),
    ("cert", target_cert),
    ("files", target_files),
    ("pkcs8", target_pkcs8),
    ("explain", target_explain),
];

/// A fixed "now" (2026-01-01), so a replay decides as the fuzzer did.
const NOW: i64 = 1_767_225_600;

/// One current-thread runtime per thread for the readers that are async
/// over a stream; the streams here are byte slices, so nothing waits.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
    }
    RT.with(|rt| rt.block_on(f))
}

/// TARGET in every dialect, read as each ADO.NET driver too: a target that
/// parses keeps its parts consistent, and its password-masked display form
/// parses again to the same endpoint.
pub fn target_target(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for ado in [None, Some(AdoKind::Npgsql), Some(AdoKind::MySqlConnector)] {
        if let Ok(t) = Target::parse_with_client(&text, ado) {
            check_target(&t, ado);
        }
    }
}

fn check_target(t: &Target, ado: Option<AdoKind>) {
    assert_ne!(t.port, Some(0), "port 0 accepted: {t:?}");
    assert!(t.hosts.iter().all(|(_, p)| *p != Some(0)), "{t:?}");
    match t.hosts.first() {
        Some((h, p)) => assert_eq!((t.host.as_ref(), t.port), (Some(h), *p), "{t:?}"),
        None => assert_eq!(t.host, None, "{t:?}"),
    }
    let again = Target::parse_with_client(&t.display, ado)
        .unwrap_or_else(|e| panic!("display {:?} does not parse again: {e}", t.display));
    let same = |t: &Target| {
        (
            t.dialect,
            t.scheme,
            t.host.clone(),
            t.port,
            t.hosts.clone(),
            t.user.clone(),
            t.has_password,
            t.database.clone(),
        )
    };
    assert_eq!(same(&again), same(t), "display {:?}", t.display);
    let keys = |t: &Target| t.params.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&again), keys(t), "display {:?}", t.display);
    for ((k, v), (_, v2)) in t.params.iter().zip(&again.params) {
        if !crate::target::is_secret_param(k) {
            assert_eq!(v, v2, "parameter {k} in display {:?}", t.display);
        }
    }
}

/// The whole way from TARGET to a plan: the target parsed in its dialect,
/// the client's options read, the settings resolved.
pub fn target_settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let req = Request::new(text.as_ref());
    let Ok(plan) = crate::settings::resolve(&req, &FixedEnv(&[])) else {
        return;
    };
    assert_ne!(plan.port, 0, "{text:?}");
    assert!(!plan.host.is_empty(), "{text:?}");
    assert!(plan.timeout > Duration::ZERO, "{text:?}");
    let target = Target::parse(&text).expect("a target the plan was made from");
    assert_eq!(plan.display, target.display);
    if let (Some(min), Some(max)) = (plan.tls_min, plan.tls_max) {
        assert!(min <= max, "{text:?}: TLS {min:?} above {max:?}");
    }
}

/// A MySQL packet body in place of the greeting: a greeting or ERR packet
/// that parses stays within its documented limits and agrees with itself.
pub fn target_mysql(data: &[u8]) {
    match mysql::parse_packet(data) {
        mysql::Packet::Greeting(g) => {
            assert!(!g.server_version.is_empty() && g.server_version.len() <= 256);
            assert!(g.server_version.len() < data.len());
            assert!(g.auth_plugin.as_ref().is_none_or(|p| p.len() <= 64));
            let flags = g.capability_flags.len();
            match &g.capabilities {
                Some(hex) => {
                    let caps = u32::from_str_radix(hex.trim_start_matches("0x"), 16)
                        .expect("capabilities in hex");
                    assert_eq!(caps.count_ones() as usize, flags);
                    assert_eq!(g.client_ssl, caps & mysql::CLIENT_SSL != 0);
                }
                None => assert!(flags == 0 && !g.client_ssl),
            }
            assert!(!g.describe().is_empty());
        }
        mysql::Packet::Err(e) => {
            assert_eq!(data[0], 0xff);
            assert!(e.message.chars().count() <= 1024);
            assert!(e.sql_state.as_ref().is_none_or(|s| s.chars().count() == 5));
        }
        mysql::Packet::Other => {}
    }
}

/// The bytes answering PostgreSQL's SSLRequest: `S` and `N` are answers,
/// an `E` packet's message is bounded, anything else is named.
pub fn target_postgres(data: &[u8]) {
    match postgres::read_answer(data) {
        Ok(tls) => assert_eq!(data[0], if tls { b'S' } else { b'N' }),
        Err(UpgradeError::ServerError { message }) => {
            assert_eq!(data[0], b'E');
            // 8 KiB of body, each byte at most one U+FFFD, plus the joins.
            assert!(message.len() <= 3 * 8 * 1024 + 8, "{} bytes", message.len());
        }
        Err(UpgradeError::NotTheProtocol { found, .. }) => check_sniffed(data, &found),
        Err(UpgradeError::Closed { .. }) => assert!(data.is_empty()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// The server's reply to `hello`, read from the bytes as from a stream and
/// described: it is either answered or has a problem, never both.
pub fn target_mongo(data: &[u8]) {
    let stream = tokio::io::join(data, tokio::io::sink());
    let mut stream = stream;
    let x = block_on(mongo::hello_exchange(
        &mut stream,
        Duration::from_secs(5),
        true,
    ));
    if let HelloOutcome::Message(m) = &x.outcome {
        assert!(m.len() >= 16 && m.len() <= data.len());
    }
    check_mongo(&mongo::describe(&x));
    // A short message handed on directly is not a panic either.
    let short = HelloExchange {
        over_tls: true,
        outcome: HelloOutcome::Message(data[..data.len().min(24)].to_vec()),
        ms: 0.0,
    };
    check_mongo(&mongo::describe(&short));
}

fn check_mongo(f: &crate::facts::upgrade::MongoFacts) {
    assert_ne!(f.answered, f.problem.is_some(), "{f:?}");
    assert!(f.first_bytes_hex.as_ref().is_none_or(|h| h.len() <= 64));
    if f.answered {
        assert!(f.server_type.is_some());
    }
}

/// A server's first flight read by a probe: what is read stays within the
/// reader's bound, and what it holds came from the bytes.
pub fn target_reply(data: &[u8]) {
    use crate::probe::reply::{read_answer, Answer, ReadUntil, MAX_ANSWER};
    let (until, bytes) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (ReadUntil::HelloDone, rest),
        Some((_, rest)) => (ReadUntil::ServerHello, rest),
        None => (ReadUntil::ServerHello, data),
    };
    let mut stream = bytes;
    let answer = block_on(read_answer(&mut stream, until, Duration::from_secs(5)));
    let consumed = bytes.len() - stream.len();
    assert!(consumed <= MAX_ANSWER + 5, "read {consumed} bytes");
    assert!(!answer.describe().is_empty());
    match &answer {
        Answer::Hello(f) => {
            let certs: usize = f.certificates.iter().map(Vec::len).sum();
            assert!(
                certs <= consumed,
                "{certs} bytes of certificates from {consumed}"
            );
            assert!(f.dh_bits.is_none_or(|b| b <= 8 * 65_535));
        }
        Answer::NotTls(s) => check_sniffed(&bytes[..consumed.min(bytes.len())], s),
        _ => {}
    }
}

/// Unexpected bytes named: the hex is of the first 32 bytes, the phrase short.
pub fn target_sniff(data: &[u8]) {
    let s = sniff::sniff(data);
    check_sniffed(data, &s);
    if let Some(&b) = data.first() {
        assert!(!sniff::alert_name(b).is_empty());
    }
}

fn check_sniffed(data: &[u8], s: &sniff::Sniffed) {
    let shown = data.len().min(32);
    assert_eq!(s.first_bytes_hex, sniff::hex(&data[..shown]));
    // The phrase quotes at most a 64-byte first line, each byte at most a U+FFFD.
    assert!(
        s.looks_like.len() <= 200 + 64 * 3,
        "{} bytes",
        s.looks_like.len()
    );
    assert!(!s.looks_like.is_empty());
}

/// An OCSP response: what it names came from its bytes.
pub fn target_ocsp(data: &[u8]) {
    let f = crate::observe::ocsp::parse(data, "stapled", None);
    if f.parse_error.is_some() {
        return;
    }
    assert!(!f.response_status.is_empty());
    if let Some(s) = &f.signed {
        let parts = s.tbs_der.len() + s.signature.len();
        assert!(
            parts <= data.len(),
            "{parts} bytes signed from {}",
            data.len()
        );
        let certs: usize = s.certificates_der.iter().map(Vec::len).sum();
        assert!(certs <= data.len());
        assert_eq!(f.included_certificates, s.certificates_der.len());
    }
    for r in &f.responses {
        assert!(matches!(r.status, "good" | "revoked" | "unknown"));
        assert!(r.cert_id.serial.len() <= data.len());
    }
}

/// A CRL, as `--crl-file` and `tlscheck cert` read it: each input is either
/// a list or an error, and a parsed list counts no more entries than bytes.
pub fn target_crl(data: &[u8]) {
    let mut crls = crate::trust::Crls::default();
    crls.add_bytes(data, "fuzz");
    assert!(!crls.lists.is_empty() || !crls.errors.is_empty());
    let entry = crate::tools::cert::crl_entry("fuzz".into(), data, &[], NOW);
    if entry.parse_error.is_none() {
        // A revoked entry is a SEQUENCE of a serial and a time: > 4 bytes.
        assert!(entry.revoked * 4 <= data.len(), "{} entries", entry.revoked);
        assert!(!entry.this_update.is_empty());
    }
}

/// A certificate, as every served chain and file is described.
pub fn target_cert(data: &[u8]) {
    let f = crate::observe::describe(0, data, NOW);
    assert_eq!(f.sha256.len(), 32 * 3 - 1);
    if f.parse_error.is_some() {
        return;
    }
    for part in [&f.subject_der, &f.issuer_der, &f.serial_der, &f.spki_der] {
        assert!(part.len() <= data.len());
    }
    assert!(f.key_bits.is_none_or(|b| b <= 8 * data.len()));
    assert_eq!(f.self_issued, f.subject_der == f.issuer_der);
    assert!(!f.not_before.is_empty() && !f.not_after.is_empty());
}

/// A certificate, key or CRL file (PEM, DER, PKCS#12, encrypted PKCS#8),
/// as `--cert`, `--key`, `--ca-file` and `tlscheck cert` read it: what is
/// read is no more than the file held, counted as the summary says.
pub fn target_files(data: &[u8]) {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let ext = ["pem", "der", "p12", "crt"][usize::from(choice & 3)];
    let password = (choice & 4 != 0).then_some("fuzz");
    let mut out = crate::files::Loaded::default();
    if crate::files::read_bytes("fuzz", ext, bytes.to_vec(), password, &mut out).is_ok() {
        let summary = &out.files[0];
        assert_eq!(summary.certificates, out.certs.len());
        assert_eq!(summary.crls, out.crls.len());
        assert_eq!(summary.keys, out.keys.len());
        let total: usize = out.certs.iter().map(|(_, c)| c.len()).sum::<usize>()
            + out.crls.iter().map(|(_, c)| c.len()).sum::<usize>();
        assert!(
            total <= bytes.len(),
            "{total} bytes read from {}",
            bytes.len()
        );
        for k in &out.keys {
            let entry = crate::files::key_entry("fuzz".into(), k, &out.certs);
            assert!(entry.matches.iter().all(|&i| i < out.certs.len()));
        }
    }
    let (certs, skipped) = crate::files::ca_certs(bytes);
    assert!(certs.iter().map(|c| c.len()).sum::<usize>() <= bytes.len());
    assert!(skipped.len() <= bytes.len().max(1));
    assert!(!crate::files::describe_content(bytes).is_empty());
}

/// An EncryptedPrivateKeyInfo (DER), decrypted with a password: bounded
/// in time by the KDF limits, and never larger than what was encrypted.
pub fn target_pkcs8(data: &[u8]) {
    if let Ok(der) = crate::files::decrypt_pkcs8(data, "fuzz", "fuzz") {
        assert!(der.len() <= data.len());
    }
}

/// `tlscheck explain`: causes are listed once each, the endpoint is one
/// word, and the text renders.
pub fn target_explain(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let e = crate::explain::explain(&text);
    let mut ids: Vec<_> = e.causes.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), e.causes.len(), "a cause listed twice");
    if let Some(endpoint) = &e.endpoint {
        assert!(!endpoint.is_empty());
        assert!(!endpoint.contains(char::is_whitespace), "{endpoint:?}");
    }
    assert!(!crate::explain::render(&e).is_empty());
}
