//! Node.js's default trust store.
//!
//! Node verifies against the root list compiled into its binary (Mozilla's,
//! `tls.rootCertificates`), plus the PEM certificates in the file named by
//! `NODE_EXTRA_CA_CERTS` (an unreadable file draws a warning, and Node goes
//! on without it). `--use-openssl-ca` (on the command line or in
//! `NODE_OPTIONS`) swaps the compiled-in list for OpenSSL's default store,
//! the OS store; the extra file is still added. Giving both
//! `--use-openssl-ca` and `--use-bundled-ca` stops Node at start-up.
//!
//! tlscheck embeds the compiled-in list of one Node.js release
//! (`node_roots.pem`, written by tests/drivers/node/export-roots.js from
//! `tls.rootCertificates`; tests/trust_stores.rs checks it against the
//! installed `node`). Node freezes Mozilla's list per release, and
//! webpki-roots, a newer cut of it, differs from Node 20's by some 30 roots.

use std::path::Path;
use std::sync::LazyLock;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde::Serialize;

use super::{SourceKind, StoreEnv, TrustSource};

/// `tls.rootCertificates` of the Node.js release its header names.
const NODE_ROOTS_PEM: &str = include_str!("node_roots.pem");

/// More certificates than any Node release compiles in (144 in Node 20).
const MAX_BUNDLED: usize = 1024;

/// The embedded root list, parsed once.
struct Bundled {
    /// The Node.js version the list was exported from, without the `v`.
    node_version: String,
    /// The OpenSSL version of that Node.js.
    openssl_version: String,
    /// The certificates (with their anchors), in Node's order.
    source: TrustSource,
}

static BUNDLED: LazyLock<Bundled> = LazyLock::new(|| parse_bundled(NODE_ROOTS_PEM));

/// Parse an export-roots.js file: the header line
/// `# Node.js v20.20.2 (OpenSSL 3.0.19): …`, then PEM certificates. Problems
/// are recorded in the source's errors; nothing here panics.
fn parse_bundled(text: &str) -> Bundled {
    let mut errors = Vec::new();
    let header = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .find_map(|l| l.strip_prefix("# Node.js v"));
    let (node_version, openssl_version) = match header {
        Some(rest) => {
            let version: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let openssl = rest
                .split_once("(OpenSSL ")
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(v, _)| v.to_string())
                .unwrap_or_else(|| "unknown".into());
            (version, openssl)
        }
        None => {
            errors.push(
                "the embedded Node.js root list names no Node.js version (\"# Node.js v…\")".into(),
            );
            ("unknown".into(), "unknown".into())
        }
    };
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(text.as_bytes()) {
        if certs.len() == MAX_BUNDLED {
            errors.push(format!(
                "the embedded Node.js root list holds more than {MAX_BUNDLED} certificates; the rest are ignored"
            ));
            break;
        }
        match item {
            Ok(c) => certs.push(c),
            Err(e) => errors.push(format!("the embedded Node.js root list: {e}")),
        }
    }
    let label = format!("Node.js {node_version}'s bundled roots");
    let mut source = super::from_certs(SourceKind::NodeBundled, &label, certs);
    source.errors.splice(0..0, errors);
    Bundled {
        node_version,
        openssl_version,
        source,
    }
}

/// The Node.js version whose compiled-in roots tlscheck embeds ("20.20.2").
pub fn bundled_node_version() -> &'static str {
    &BUNDLED.node_version
}

/// The OpenSSL version of that Node.js release ("3.0.19").
pub fn bundled_openssl_version() -> &'static str {
    &BUNDLED.openssl_version
}

/// The embedded roots, in Node's `tls.rootCertificates` order.
pub fn bundled_roots() -> &'static [CertificateDer<'static>] {
    &BUNDLED.source.certs
}

/// What decided Node's store.
#[derive(Debug, Clone, Serialize)]
pub struct NodeLocation {
    /// How the store was chosen, in words.
    pub how: String,
    /// `bundled` (compiled-in Mozilla list) or `openssl` (the OS store).
    pub base: &'static str,
    /// `NODE_OPTIONS` as set.
    pub node_options: Option<String>,
    /// `NODE_EXTRA_CA_CERTS` as set.
    pub extra_ca_certs: Option<String>,
    /// Certificates read from the `NODE_EXTRA_CA_CERTS` file.
    pub extra_certificates: usize,
}

/// Node's default trust store as a trust source.
pub fn node_default(env: &StoreEnv) -> TrustSource {
    node_default_located(env).0
}

/// Node's default trust store, and what decided it.
///
/// With `--use-openssl-ca` the OS store is read as [`super::os_store`] reads
/// it (from this process's SSL_CERT_FILE and SSL_CERT_DIR).
pub fn node_default_located(env: &StoreEnv) -> (TrustSource, NodeLocation) {
    let node_options = env.get("NODE_OPTIONS").map(str::to_string);
    let words: Vec<&str> = node_options
        .as_deref()
        .map(|o| o.split_whitespace().collect())
        .unwrap_or_default();
    let openssl = words.contains(&"--use-openssl-ca");
    let bundled_flag = words.contains(&"--use-bundled-ca");
    let extra_ca_certs = env.get("NODE_EXTRA_CA_CERTS").map(str::to_string);

    let mut errors = Vec::new();
    let (extra, extra_errors) = match &extra_ca_certs {
        Some(file) => read_pem(Path::new(file)),
        None => (Vec::new(), Vec::new()),
    };
    errors.extend(extra_errors);
    if openssl && bundled_flag {
        errors.push(
            "NODE_OPTIONS holds both --use-openssl-ca and --use-bundled-ca: node refuses to start (\"either --use-openssl-ca or --use-bundled-ca can be used, not both\")".into(),
        );
    }

    let extra_note = match &extra_ca_certs {
        Some(f) => format!(" + NODE_EXTRA_CA_CERTS ({f})"),
        None => String::new(),
    };
    let mut source;
    let (how, base);
    if openssl {
        let os = super::os_store();
        base = "openssl";
        how =
            "--use-openssl-ca in NODE_OPTIONS: OpenSSL's default store (the OS store)".to_string();
        let label = format!("Node.js store (OS store, --use-openssl-ca){extra_note}");
        // The extra certificates first, so each anchor made from a
        // certificate keeps its index into `certs`.
        let mut certs = extra.clone();
        certs.extend(os.certs.iter().cloned());
        source = super::from_certs(SourceKind::NodeBundled, &label, certs);
        source.location = Some(join_location(os.location.as_deref(), &extra_ca_certs));
        // The OS store's own reading problems, but not per-certificate
        // complaints from_certs made again.
        errors.extend(os.errors.iter().cloned());
        source.errors.retain(|e| !e.starts_with("certificate #"));
    } else {
        let bundled = &*BUNDLED;
        base = "bundled";
        how = "no --use-openssl-ca: the root list compiled into node (Mozilla's NSS list)".into();
        let label = format!("{}{extra_note}", bundled.source.label);
        // The extra certificates first, then the bundled ones; a root given
        // again in the extra file is one root.
        let mut certs = extra.clone();
        let extra_source = super::from_certs(SourceKind::NodeBundled, &label, extra.clone());
        let same = |a: &rustls_pki_types::TrustAnchor<'_>| {
            extra_source.anchors.iter().any(|e| {
                e.subject == a.subject && e.subject_public_key_info == a.subject_public_key_info
            })
        };
        let mut anchors = extra_source.anchors.clone();
        let mut anchor_certs = extra_source.anchor_certs.clone();
        for (anchor, &i) in bundled
            .source
            .anchors
            .iter()
            .zip(&bundled.source.anchor_certs)
        {
            if same(anchor) {
                continue;
            }
            if let Some(cert) = bundled.source.certs.get(i) {
                anchor_certs.push(certs.len());
                certs.push(cert.clone());
                anchors.push(anchor.clone());
            }
        }
        source = TrustSource {
            kind: SourceKind::NodeBundled,
            label,
            location: None,
            anchors,
            certs,
            anchor_certs,
            errors: extra_source.errors,
        };
        source.errors.extend(bundled.source.errors.iter().cloned());
        source.location = Some(join_location(
            Some(&format!(
                "compiled into Node.js {} (OpenSSL {}), embedded in tlscheck",
                bundled.node_version, bundled.openssl_version
            )),
            &extra_ca_certs,
        ));
    }
    source.errors.extend(errors);
    let location = NodeLocation {
        how,
        base,
        node_options,
        extra_ca_certs,
        extra_certificates: extra.len(),
    };
    (source, location)
}

fn join_location(base: Option<&str>, extra: &Option<String>) -> String {
    let base = base.unwrap_or("the OS store");
    match extra {
        Some(f) => format!("{base}, and {f}"),
        None => base.to_string(),
    }
}

/// The certificates of a PEM file, as Node reads NODE_EXTRA_CA_CERTS: a
/// problem is recorded, and Node goes on without the file ("Warning:
/// Ignoring extra certs from …").
fn read_pem(path: &Path) -> (Vec<CertificateDer<'static>>, Vec<String>) {
    const MAX: u64 = 16 << 20;
    let warn = |why: String| {
        format!(
            "NODE_EXTRA_CA_CERTS: {why}; node warns \"Ignoring extra certs from `{}`\" and goes on without them",
            path.display()
        )
    };
    let bytes = match crate::files::read_bounded(path, MAX, "NODE_EXTRA_CA_CERTS") {
        Ok(b) => b,
        Err(e) => return (Vec::new(), vec![warn(e.to_string())]),
    };
    let mut certs = Vec::new();
    let mut errors = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        match item {
            Ok(c) => certs.push(c),
            Err(e) => errors.push(warn(format!("{}: {e}", path.display()))),
        }
    }
    if certs.is_empty() && errors.is_empty() {
        errors.push(warn(format!(
            "{} holds no PEM certificate (node reads PEM only)",
            path.display()
        )));
    }
    (certs, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(cn: &str) -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn bundled_roots_plus_the_extra_file() {
        let s = node_default(&StoreEnv::from_vars::<_, String, String>([]));
        assert_eq!(s.kind, SourceKind::NodeBundled);
        assert_eq!(s.anchors.len(), bundled_roots().len());
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(
            s.label,
            format!("Node.js {}'s bundled roots", bundled_node_version())
        );
        // Every bundled root is exportable as its certificate, in Node's order.
        assert_eq!(s.certs, bundled_roots());
        assert!(s.anchors.iter().all(|a| s.anchor_cert(a).is_some()));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("extra.pem");
        std::fs::write(&file, pem("extra one") + &pem("extra two")).unwrap();
        let env = StoreEnv::from_vars([("NODE_EXTRA_CA_CERTS", file.display().to_string())]);
        let (s, loc) = node_default_located(&env);
        assert_eq!(s.anchors.len(), bundled_roots().len() + 2);
        assert_eq!(loc.extra_certificates, 2);
        assert_eq!(loc.base, "bundled");
        // The extra roots are exportable as certificates.
        assert!(s.anchor_cert(&s.anchors[0]).is_some());
        assert!(s.label.contains("NODE_EXTRA_CA_CERTS"), "{}", s.label);
    }

    /// A bundled root given again in the extra file (Debian's bundle holds
    /// most of them) is one root, kept with its certificate.
    #[test]
    fn a_bundled_root_repeated_in_the_extra_file_counts_once() {
        let bundle = "/etc/ssl/certs/ca-certificates.crt";
        if !Path::new(bundle).exists() {
            return;
        }
        let s = node_default(&StoreEnv::from_vars([("NODE_EXTRA_CA_CERTS", bundle)]));
        let key = |a: &rustls_pki_types::TrustAnchor<'_>| {
            (a.subject.to_vec(), a.subject_public_key_info.to_vec())
        };
        let all: Vec<_> = s.anchors.iter().map(key).collect();
        let (_, loc) =
            node_default_located(&StoreEnv::from_vars([("NODE_EXTRA_CA_CERTS", bundle)]));
        let extra = &all[..loc.extra_certificates.min(all.len())];
        let bundled = node_default(&StoreEnv::from_vars::<_, String, String>([]));
        for root in &bundled.anchors {
            let k = key(root);
            let in_extra = extra.iter().filter(|e| **e == k).count();
            let total = all.iter().filter(|e| **e == k).count();
            assert_eq!(total, in_extra.max(1), "{}", crate::observe::name_of(&k.0));
        }
        assert!(all.len() < loc.extra_certificates + bundled.anchors.len());
        assert!(s.anchors.iter().all(|a| s.anchor_cert(a).is_some()));
    }

    #[test]
    fn an_unreadable_extra_file_is_an_error_and_the_bundle_stays() {
        let env = StoreEnv::from_vars([("NODE_EXTRA_CA_CERTS", "/nonexistent/extra.pem")]);
        let s = node_default(&env);
        assert_eq!(s.anchors.len(), bundled_roots().len());
        assert_eq!(s.errors.len(), 1);
        assert!(
            s.errors[0].contains("Ignoring extra certs"),
            "{:?}",
            s.errors
        );
    }

    #[test]
    fn the_embedded_list_names_its_node_release_and_parses_whole() {
        assert!(
            bundled_node_version().starts_with(|c: char| c.is_ascii_digit()),
            "{}",
            bundled_node_version()
        );
        assert!(bundled_openssl_version().starts_with('3'));
        assert!(bundled_roots().len() > 100, "{}", bundled_roots().len());
        assert!(
            BUNDLED.source.errors.is_empty(),
            "{:?}",
            BUNDLED.source.errors
        );
        assert_eq!(BUNDLED.source.anchors.len(), bundled_roots().len());
    }

    #[test]
    fn a_damaged_list_is_reported_not_a_panic() {
        let b = parse_bundled(
            "no header\n-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
        );
        assert_eq!(b.node_version, "unknown");
        assert!(b.source.certs.is_empty());
        assert!(b.source.errors.len() >= 2, "{:?}", b.source.errors);
        let b = parse_bundled("# Node.js v22.1.0 (OpenSSL 3.0.13+quic): roots\n");
        assert_eq!(b.node_version, "22.1.0");
        assert_eq!(b.openssl_version, "3.0.13+quic");
        assert_eq!(b.source.label, "Node.js 22.1.0's bundled roots");
    }

    #[test]
    fn use_openssl_ca_switches_to_the_os_store() {
        let env =
            StoreEnv::from_vars([("NODE_OPTIONS", "--max-old-space-size=100 --use-openssl-ca")]);
        let (s, loc) = node_default_located(&env);
        assert_eq!(loc.base, "openssl");
        assert!(s.label.contains("--use-openssl-ca"), "{}", s.label);
        let os = crate::trust::os_store();
        assert_eq!(s.anchors.len(), os.anchors.len());

        let env = StoreEnv::from_vars([("NODE_OPTIONS", "--use-openssl-ca --use-bundled-ca")]);
        let s = node_default(&env);
        assert!(s.errors.iter().any(|e| e.contains("refuses to start")));
    }
}
