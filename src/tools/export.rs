//! `connect --save-chain FILE` and `--save-root FILE`: write what a check
//! saw and judged, after the check, from its report alone.

use std::path::Path;

use serde::Serialize;

use crate::report::Report;
use crate::trust::SourceKind;

/// What an export did, for a line on stderr.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    /// `chain` or `root`.
    pub what: &'static str,
    pub path: String,
    /// Whether the file was written.
    pub written: bool,
    pub message: String,
    /// The file could not be written (an I/O error, not a missing root).
    pub io_error: bool,
}

/// Write the served chain, leaf first, as PEM.
pub fn save_chain(report: &Report, path: &Path) -> Saved {
    let chain = report
        .facts
        .tls
        .as_ref()
        .map(|t| t.chain_der.as_slice())
        .unwrap_or(&[]);
    let shown = path.display().to_string();
    if chain.is_empty() {
        return not_written(
            "chain",
            shown,
            "no certificate was served, so no chain was saved",
        );
    }
    let pem: String = chain.iter().map(|c| pem("CERTIFICATE", c)).collect();
    write(
        "chain",
        path,
        &pem,
        format!(
            "saved the served chain ({} certificate(s)) to {shown}",
            chain.len()
        ),
    )
}

/// Write the one root certificate that anchors the chain: the anchor of the
/// first valid path, trying the CA file, the OS store, then the Mozilla bundle.
pub fn save_root(report: &Report, path: &Path) -> Saved {
    let shown = path.display().to_string();
    let trust = &report.judgement.trust;
    if trust.is_empty() {
        return not_written(
            "root",
            shown,
            "no certificate was served, so no root was saved",
        );
    }
    let order = [SourceKind::CaFile, SourceKind::Os, SourceKind::Mozilla];
    let first_valid = order
        .iter()
        .filter_map(|k| trust.iter().find(|t| t.source == *k && t.verdict.valid))
        .next();
    let Some(t) = first_valid else {
        return not_written(
            "root",
            shown,
            "no trust source verifies the chain, so there is no root to save (the report says why)",
        );
    };
    let anchor_name = t
        .verdict
        .anchor_subject
        .as_deref()
        .map(crate::observe::name_of)
        .unwrap_or_default();
    match &t.verdict.anchor_der {
        Some(der) => write(
            "root",
            path,
            &pem("CERTIFICATE", der),
            format!("saved the root {anchor_name} (from the {}) to {shown}", t.label),
        ),
        None => not_written(
            "root",
            shown,
            &format!(
                "the chain is valid against the {} only, which holds names and keys, not certificates: the root {anchor_name} cannot be exported from it; install the OS's ca-certificates package (then the OS store has it) or download it from its CA",
                t.label
            ),
        ),
    }
}

fn not_written(what: &'static str, path: String, message: &str) -> Saved {
    Saved {
        what,
        path,
        written: false,
        message: message.to_string(),
        io_error: false,
    }
}

fn write(what: &'static str, path: &Path, text: &str, message: String) -> Saved {
    match std::fs::write(path, text) {
        Ok(()) => Saved {
            what,
            path: path.display().to_string(),
            written: true,
            message,
            io_error: false,
        },
        Err(e) => Saved {
            what,
            path: path.display().to_string(),
            written: false,
            message: format!("cannot write {}: {e}", path.display()),
            io_error: true,
        },
    }
}

/// PEM-encode DER under `label`, 64 characters a line.
pub fn pem(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (chunk.get(1).copied().unwrap_or(0) as u32) << 8
            | chunk.get(2).copied().unwrap_or(0) as u32;
        for i in 0..4 {
            if i <= n {
                b64.push(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::facts::tls::TlsFacts;
    use crate::judge::{self, Trust};
    use crate::observe::{self, Facts};
    use crate::settings::{self, FixedEnv};
    use crate::trust::{SourceKind, TrustSource};
    use clap::Parser;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    /// A report whose chain is valid against the Mozilla bundle only: a
    /// source with anchors and no certificates, as webpki-roots is.
    fn report_valid_only_against_anchors() -> Report {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "anchors-only root");
        let root = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&KeyPair::generate().unwrap(), &root)
            .unwrap();
        let chain = vec![leaf.der().clone()];

        let cli = Cli::try_parse_from(["tlscheck", "connect", "localhost:4433"]).unwrap();
        let Command::Connect(args) = cli.command else {
            unreachable!()
        };
        let plan = settings::resolve(&args.request(), &FixedEnv(&[])).unwrap();
        let now = observe::now_unix();
        let mut facts = Facts::new(now);
        facts.chain = observe::describe_chain(&chain, now);
        facts.tls = Some(TlsFacts {
            sni_sent: Some("localhost".into()),
            ..TlsFacts::with_chain(chain)
        });
        let source = |kind, label: &str, anchors| TrustSource {
            kind,
            label: label.into(),
            location: None,
            anchors,
            certs: Vec::new(),
            anchor_certs: Vec::new(),
            errors: Vec::new(),
        };
        let anchor = webpki::anchor_from_trusted_cert(root.der())
            .unwrap()
            .to_owned();
        let trust = Trust {
            os: source(SourceKind::Os, "OS store", Vec::new()),
            mozilla: source(SourceKind::Mozilla, "Mozilla bundle", vec![anchor]),
            node: None,
            java: None,
            ca_file: None,
            crls: crate::trust::Crls::default(),
        };
        let judgement = judge::judge(&facts, &plan, &trust);
        Report::new(&plan, facts, judgement)
    }

    #[test]
    fn a_root_known_only_to_the_mozilla_bundle_is_not_written() {
        let report = report_valid_only_against_anchors();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.pem");
        let saved = save_root(&report, &path);
        assert!(!saved.written && !saved.io_error, "{saved:?}");
        assert!(!path.exists());
        assert!(saved.message.contains("Mozilla bundle only"), "{saved:?}");
        assert!(saved.message.contains("anchors-only root"), "{saved:?}");
        assert!(saved.message.contains("OS"), "{saved:?}");
    }

    #[test]
    fn pem_round_trips_every_length() {
        for len in 0..10 {
            let der: Vec<u8> = (0..(100 + len) as u8).collect();
            let text = pem("CERTIFICATE", &der);
            let back = CertificateDer::from_pem_slice(text.as_bytes()).unwrap();
            assert_eq!(back.as_ref(), der.as_slice());
        }
    }
}
