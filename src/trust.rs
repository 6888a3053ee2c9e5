//! Trust sources: the OS store, the Mozilla bundle, a CA file, the default
//! stores of Java ([`java`]) and Node.js ([`node`]), and CRLs.
//!
//! Loading is separate from judging so that the stores can be read while the
//! network work is under way, and so one load serves every mode's verdict.

pub mod java;
pub mod node;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use java::{java_cacerts, java_cacerts_located, JavaLocation};
pub use node::{node_default, node_default_located, NodeLocation};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, TrustAnchor};
use serde::Serialize;

/// Which kind of trust source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// The operating system's store, as rustls-native-certs reads it.
    Os,
    /// Mozilla's root program, as shipped in webpki-roots.
    Mozilla,
    /// A CA file the user gave.
    CaFile,
    /// Java's default trust store: the JDK's `cacerts` (JKS or PKCS#12).
    JavaCacerts,
    /// Node.js's default trust store: its compiled-in Mozilla list (one
    /// Node.js release's, embedded) plus NODE_EXTRA_CA_CERTS, or the OS
    /// store under `--use-openssl-ca`.
    NodeBundled,
}

/// The environment variables a client's default store depends on, read
/// once, so that tests can give their own.
#[derive(Debug, Clone, Default)]
pub struct StoreEnv {
    vars: BTreeMap<String, String>,
}

impl StoreEnv {
    /// The variables that decide Java's and Node's stores, from this process.
    pub fn current() -> StoreEnv {
        StoreEnv::from_vars(
            [
                "JAVA_HOME",
                "JAVA_TOOL_OPTIONS",
                "JDK_JAVA_OPTIONS",
                "PATH",
                "NODE_OPTIONS",
                "NODE_EXTRA_CA_CERTS",
            ]
            .iter()
            .filter_map(|name| {
                std::env::var_os(name).map(|v| (*name, v.to_string_lossy().into_owned()))
            }),
        )
    }

    /// Exactly these variables (what tests use).
    pub fn from_vars<I, K, V>(vars: I) -> StoreEnv
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        StoreEnv {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value; an empty one counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The first executable `name` in PATH.
    pub fn find_on_path(&self, name: &str) -> Option<PathBuf> {
        std::env::split_paths(self.get("PATH")?)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    }
}

/// A set of trust anchors with a name a person recognises.
#[derive(Debug, Clone)]
pub struct TrustSource {
    pub kind: SourceKind,
    /// "OS store", "Mozilla bundle", "CA file".
    pub label: String,
    /// Where it was read from, when it was read from somewhere.
    pub location: Option<String>,
    pub anchors: Vec<TrustAnchor<'static>>,
    /// The certificates as read (empty for the Mozilla bundle, which ships anchors only).
    pub certs: Vec<CertificateDer<'static>>,
    /// For each anchor, the index of the certificate in `certs` it was made
    /// from (empty for the Mozilla bundle), so a verified path's anchor can be
    /// exported as a certificate.
    pub anchor_certs: Vec<usize>,
    /// Problems reading it (unreadable files, bad PEM blocks).
    pub errors: Vec<String>,
}

impl TrustSource {
    /// Whether `name` (an issuer's DER-encoded Name) is the subject of an anchor here.
    pub fn has_subject(&self, name_der: &[u8]) -> bool {
        let inner = strip_sequence(name_der);
        self.anchors.iter().any(|a| a.subject.as_ref() == inner)
    }

    /// The certificate an anchor of this source was made from, when the
    /// source keeps certificates (the Mozilla bundle does not).
    pub fn anchor_cert(&self, anchor: &TrustAnchor<'_>) -> Option<&CertificateDer<'static>> {
        let i = self.anchors.iter().position(|a| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        })?;
        self.anchor_certs.get(i).and_then(|&c| self.certs.get(c))
    }
}

/// Where the OS store was read from, and what was looked at to decide.
#[derive(Debug, Clone, Serialize)]
pub struct StoreLocation {
    /// `linux`, `macos`, `windows`, …
    pub platform: &'static str,
    /// How the store was found, in words: the environment variables, the
    /// bundle file, the certificate directories, or the platform's own store.
    pub how: String,
    /// `SSL_CERT_FILE` as set in the environment (when set).
    pub ssl_cert_file: Option<String>,
    /// `SSL_CERT_DIR` as set in the environment (when set).
    pub ssl_cert_dir: Option<String>,
    /// The well-known places for this platform, in the order they are tried.
    pub tried: Vec<TriedPath>,
    /// The files or directories actually read (empty for a platform store).
    pub used: Vec<String>,
}

/// One well-known place for the OS store.
#[derive(Debug, Clone, Serialize)]
pub struct TriedPath {
    pub path: String,
    /// `file` or `directory`.
    pub kind: &'static str,
    /// The systems that keep their store here.
    pub systems: &'static str,
    pub exists: bool,
    pub used: bool,
}

/// The bundle files OpenSSL-based clients look for, in openssl-probe's
/// order (the first that exists wins), with the systems that use them.
#[cfg(target_os = "linux")]
const BUNDLE_FILES: &[(&str, &str)] = &[
    (
        "/etc/ssl/certs/ca-certificates.crt",
        "Debian, Ubuntu, Gentoo, Arch",
    ),
    (
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "RHEL, CentOS, Fedora",
    ),
    ("/etc/pki/tls/certs/ca-bundle.crt", "RHEL, Fedora (older)"),
    ("/etc/ssl/ca-bundle.pem", "openSUSE, SLES"),
    ("/etc/pki/tls/cacert.pem", "OpenELEC"),
    ("/etc/ssl/cert.pem", "Alpine"),
    ("/opt/etc/ssl/certs/ca-certificates.crt", "Entware"),
    ("/etc/ssl/certs/cacert.pem", "OpenHarmony"),
];
#[cfg(not(target_os = "linux"))]
const BUNDLE_FILES: &[(&str, &str)] = &[("/etc/ssl/certs/ca-certificates.crt", "")];

#[cfg(target_os = "linux")]
const CERT_DIRS: &[(&str, &str)] = &[
    ("/etc/ssl/certs", "Debian, Ubuntu, SLES"),
    ("/etc/pki/tls/certs", "RHEL, Fedora"),
];
#[cfg(not(target_os = "linux"))]
const CERT_DIRS: &[(&str, &str)] = &[("/etc/ssl/certs", "")];

/// The OS store: the bundle file OpenSSL would use on this machine
/// (honouring SSL_CERT_FILE and SSL_CERT_DIR).
///
/// When a bundle file exists and SSL_CERT_DIR is unset (or is the folder
/// holding the file), only the file is read: on Debian, RHEL and Alpine it holds the same roots as the hashed
/// certificate directory, and one file reads in well under a millisecond
/// where the directory's hundreds of links take several.
pub fn os_store() -> TrustSource {
    os_store_located().0
}

/// The OS store and where it was read from (what `tlscheck roots` shows).
///
/// As for OpenSSL, SSL_CERT_FILE and SSL_CERT_DIR replace the defaults when
/// set; a variable that names a missing path is reported, and nothing is
/// read from it.
pub fn os_store_located() -> (TrustSource, StoreLocation) {
    let env_var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string_lossy().into_owned())
    };
    let ssl_cert_file = env_var("SSL_CERT_FILE");
    let ssl_cert_dir = env_var("SSL_CERT_DIR");
    let probe = openssl_probe::probe();
    // A directory that merely holds the bundle file (Debian's default
    // SSL_CERT_DIR=/etc/ssl/certs) adds nothing but hashed links to it.
    let bundle = match &ssl_cert_file {
        Some(f) => Some(std::path::PathBuf::from(f)),
        None => probe.cert_file.clone(),
    };
    let dir_holds_bundle = ssl_cert_dir.as_deref().is_some_and(|dir| {
        bundle
            .as_ref()
            .filter(|f| f.exists())
            .and_then(|f| f.parent())
            .is_some_and(|parent| parent == Path::new(dir))
    });
    let dir_counts = ssl_cert_dir.is_some() && !dir_holds_bundle;
    let (loaded, used, how) = if dir_counts {
        // rustls-native-certs reads exactly the variables' paths here.
        let mut used: Vec<String> = ssl_cert_file.iter().cloned().collect();
        if let Some(dirs) = &ssl_cert_dir {
            used.extend(std::env::split_paths(dirs).map(|p| p.display().to_string()));
        }
        let how = if ssl_cert_file.is_some() {
            "SSL_CERT_FILE and SSL_CERT_DIR (they replace the defaults)"
        } else {
            "SSL_CERT_DIR (it replaces the defaults)"
        };
        (rustls_native_certs::load_native_certs(), used, how)
    } else if let Some(file) = &ssl_cert_file {
        let how = if dir_holds_bundle {
            "SSL_CERT_FILE (it replaces the defaults; SSL_CERT_DIR only holds links to it, so it is not read)"
        } else {
            "SSL_CERT_FILE (it replaces the defaults)"
        };
        (
            rustls_native_certs::load_certs_from_paths(Some(Path::new(file)), None),
            vec![file.clone()],
            how,
        )
    } else if let Some(file) = &probe.cert_file {
        let how = if dir_holds_bundle {
            "the bundle file (the first of the well-known files that exists; SSL_CERT_DIR only holds links to it, so it is not read)"
        } else {
            "the bundle file (the first of the well-known files that exists)"
        };
        (
            rustls_native_certs::load_certs_from_paths(Some(file), None),
            vec![file.display().to_string()],
            how,
        )
    } else if cfg!(any(target_os = "macos", target_os = "windows")) {
        let how = if cfg!(target_os = "macos") {
            "the macOS keychains (system roots and admin trust settings)"
        } else {
            "the Windows certificate store (ROOT)"
        };
        (rustls_native_certs::load_native_certs(), Vec::new(), how)
    } else {
        let used = probe
            .cert_dir
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        (
            rustls_native_certs::load_native_certs(),
            used,
            "the certificate directories (no bundle file exists)",
        )
    };
    let mut tried: Vec<TriedPath> = Vec::new();
    for (list, kind) in [(BUNDLE_FILES, "file"), (CERT_DIRS, "directory")] {
        for (path, systems) in list {
            tried.push(TriedPath {
                path: path.to_string(),
                kind,
                systems,
                exists: Path::new(path).exists(),
                used: used.iter().any(|u| u == path),
            });
        }
    }
    let location = StoreLocation {
        platform: std::env::consts::OS,
        how: how.to_string(),
        ssl_cert_file,
        ssl_cert_dir,
        tried,
        used: used.clone(),
    };

    let mut source = from_certs(SourceKind::Os, "OS store", loaded.certs);
    source.location = if used.is_empty() {
        Some(how.to_string())
    } else {
        Some(used.join(", "))
    };
    source
        .errors
        .extend(loaded.errors.iter().map(|e| e.to_string()));
    for (var, value) in [
        ("SSL_CERT_FILE", &location.ssl_cert_file),
        ("SSL_CERT_DIR", &location.ssl_cert_dir),
    ] {
        if let Some(v) = value {
            if std::env::split_paths(v).any(|p| !p.exists()) {
                source.errors.push(format!(
                    "{var} is set to {v}, which does not exist: no roots are read from it (unset it, or point it at a bundle)"
                ));
            }
        }
    }
    if source.anchors.is_empty() {
        source.errors.push(
            "the OS store is empty or missing (a container without the ca-certificates package?)"
                .into(),
        );
    }
    (source, location)
}

pub fn mozilla() -> TrustSource {
    TrustSource {
        kind: SourceKind::Mozilla,
        label: "Mozilla bundle".into(),
        location: Some("webpki-roots (compiled in)".into()),
        anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        certs: Vec::new(),
        anchor_certs: Vec::new(),
        errors: Vec::new(),
    }
}

/// A PEM (or single DER) CA file.
pub fn ca_file(path: &Path) -> TrustSource {
    let (certs, skipped, unreadable) = match read_certs(path) {
        Ok((c, s)) => (c, s, None),
        Err(e) => (Vec::new(), Vec::new(), Some(e)),
    };
    let mut source = from_certs(SourceKind::CaFile, "CA file", certs);
    source.location = Some(path.display().to_string());
    if let Some(e) = unreadable {
        source.errors.push(e);
    } else if source.certs.is_empty() {
        source.errors.push(match skipped.as_slice() {
            [] => format!("{} holds no certificate", path.display()),
            _ => format!(
                "{} holds no certificate ({})",
                path.display(),
                skipped.join("; ")
            ),
        });
    } else {
        source.errors.extend(
            skipped
                .into_iter()
                .map(|s| format!("{}: skipped {s}", path.display())),
        );
    }
    source
}

pub(crate) fn from_certs(
    kind: SourceKind,
    label: &str,
    certs: Vec<CertificateDer<'static>>,
) -> TrustSource {
    let mut errors = Vec::new();
    let mut anchors = Vec::new();
    let mut anchor_certs = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        match webpki::anchor_from_trusted_cert(der) {
            Ok(a) => {
                anchors.push(a.to_owned());
                anchor_certs.push(i);
            }
            Err(e) => errors.push(format!(
                "certificate #{} is unusable as a trust anchor: {e:?}",
                i + 1
            )),
        }
    }
    TrustSource {
        kind,
        label: label.into(),
        location: None,
        anchors,
        certs,
        anchor_certs,
        errors,
    }
}

/// Read certificates from a PEM file, or a single DER certificate, with
/// one line for each block passed over; `Err` says why the file could not
/// be read (a FIFO, a directory, too large, ...).
pub fn read_certs(path: &Path) -> Result<(Vec<CertificateDer<'static>>, Vec<String>), String> {
    let bytes =
        crate::files::read_bounded(path, crate::files::MAX_FILE_BYTES, "a CA certificate file")
            .map_err(|e| e.to_string())?;
    Ok(crate::files::ca_certs(&bytes))
}

/// CRLs from files and downloads, parsed for webpki.
#[derive(Debug, Default)]
pub struct Crls {
    /// Where they came from: paths and URLs.
    pub sources: Vec<String>,
    pub lists: Vec<webpki::CertRevocationList<'static>>,
    /// The same CRLs as DER, in the same order (for the OpenSSL model).
    pub ders: Vec<CertificateRevocationListDer<'static>>,
    pub errors: Vec<String>,
}

impl Crls {
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Add the CRLs in a PEM or DER file.
    pub fn add_file(&mut self, path: &Path) {
        self.sources.push(path.display().to_string());
        match crate::files::read_bounded(path, crate::files::MAX_FILE_BYTES, "a CRL file") {
            Ok(bytes) => self.add_bytes(&bytes, &path.display().to_string()),
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// Add the CRLs in PEM or DER bytes from `origin`.
    pub fn add_bytes(&mut self, bytes: &[u8], origin: &str) {
        let ders: Vec<CertificateRevocationListDer<'static>> = if bytes.first() == Some(&0x30) {
            vec![CertificateRevocationListDer::from(bytes.to_vec())]
        } else {
            CertificateRevocationListDer::pem_slice_iter(bytes)
                .filter_map(|r| {
                    r.map_err(|e| self.errors.push(format!("{origin}: {e}")))
                        .ok()
                })
                .collect()
        };
        if ders.is_empty() {
            self.errors.push(format!("{origin} holds no CRL"));
        }
        for der in ders {
            match webpki::OwnedCertRevocationList::from_der(&der) {
                Ok(crl) => {
                    self.lists.push(crl.into());
                    self.ders.push(der);
                }
                Err(e) => self.errors.push(format!("{origin}: unusable CRL: {e:?}")),
            }
        }
    }
}

/// The contents of a DER SEQUENCE (webpki keeps names without the outer tag).
pub fn strip_sequence(der: &[u8]) -> &[u8] {
    if der.len() < 2 || der[0] != 0x30 {
        return der;
    }
    let (len, header) = match der[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 if der.len() >= 3 => (der[2] as usize, 3),
        0x82 if der.len() >= 4 => (((der[2] as usize) << 8) | der[3] as usize, 4),
        _ => return der,
    };
    if header + len == der.len() {
        &der[header..]
    } else {
        der
    }
}

/// An issuer's name and key, as OCSP needs them.
#[derive(Debug, Clone)]
pub struct IssuerKey {
    /// The issuer's subject Name, DER with its outer SEQUENCE.
    pub name_der: Vec<u8>,
    /// The issuer's SubjectPublicKeyInfo, DER with its outer SEQUENCE.
    pub spki_der: Vec<u8>,
    /// Where it was found, in words.
    pub found_in: String,
}

/// The issuer of the served certificate at `position`: the next certificate
/// served when it names it, else a trust anchor with that subject.
pub fn issuer_key(
    chain: &[crate::observe::CertFacts],
    position: usize,
    sources: &[&TrustSource],
) -> Option<IssuerKey> {
    let cert = chain.get(position)?;
    if let Some(next) = chain.get(position + 1) {
        if next.subject_der == cert.issuer_der && !next.spki_der.is_empty() {
            return Some(IssuerKey {
                name_der: next.subject_der.clone(),
                spki_der: next.spki_der.clone(),
                found_in: format!("the served chain (certificate {})", position + 1),
            });
        }
    }
    let inner = strip_sequence(&cert.issuer_der);
    sources.iter().find_map(|s| {
        s.anchors
            .iter()
            .find(|a| a.subject.as_ref() == inner)
            .map(|a| IssuerKey {
                name_der: cert.issuer_der.clone(),
                spki_der: wrap_sequence(a.subject_public_key_info.as_ref()),
                found_in: s.label.clone(),
            })
    })
}

/// Put DER contents back into a SEQUENCE.
pub fn wrap_sequence(inner: &[u8]) -> Vec<u8> {
    let len = inner.len();
    let mut der = Vec::with_capacity(len + 4);
    der.push(0x30);
    if len < 0x80 {
        der.push(len as u8);
    } else if len < 0x100 {
        der.extend_from_slice(&[0x81, len as u8]);
    } else {
        der.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    der.extend_from_slice(inner);
    der
}
