//! Trust sources: the OS store, the Mozilla bundle, a CA file, and CRLs.
//!
//! Loading is separate from judging so that the stores can be read while the
//! network work is under way, and so one load serves every mode's verdict.

use std::path::Path;

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
}

/// A set of trust anchors with a name a person recognises.
#[derive(Debug)]
pub struct TrustSource {
    pub kind: SourceKind,
    /// "OS store", "Mozilla bundle", "CA file".
    pub label: String,
    /// Where it was read from, when it was read from somewhere.
    pub location: Option<String>,
    pub anchors: Vec<TrustAnchor<'static>>,
    /// The certificates as read (empty for the Mozilla bundle, which ships anchors only).
    pub certs: Vec<CertificateDer<'static>>,
    /// Problems reading it (unreadable files, bad PEM blocks).
    pub errors: Vec<String>,
}

impl TrustSource {
    /// Whether `name` (an issuer's DER-encoded Name) is the subject of an anchor here.
    pub fn has_subject(&self, name_der: &[u8]) -> bool {
        let inner = strip_sequence(name_der);
        self.anchors.iter().any(|a| a.subject.as_ref() == inner)
    }
}

/// The OS store: the bundle file OpenSSL would use on this machine
/// (honouring SSL_CERT_FILE and SSL_CERT_DIR).
///
/// When a bundle file exists and SSL_CERT_DIR is unset (or is the folder
/// holding the file), only the file is read: on Debian, RHEL and Alpine it holds the same roots as the hashed
/// certificate directory, and one file reads in well under a millisecond
/// where the directory's hundreds of links take several.
pub fn os_store() -> TrustSource {
    let probe = openssl_probe::probe();
    // A directory that merely holds the bundle file (Debian's default
    // SSL_CERT_DIR=/etc/ssl/certs) adds nothing but hashed links to it.
    let dir_from_env = std::env::var_os("SSL_CERT_DIR")
        .filter(|v| !v.is_empty())
        .is_some_and(|dir| {
            probe
                .cert_file
                .as_ref()
                .and_then(|f| f.parent())
                .is_none_or(|parent| parent != std::path::Path::new(&dir))
        });
    let (loaded, places) = match (&probe.cert_file, dir_from_env) {
        (Some(file), false) => (
            rustls_native_certs::load_certs_from_paths(Some(file), None),
            vec![file.display().to_string()],
        ),
        _ => {
            let mut places: Vec<String> = probe
                .cert_file
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            for dir in &probe.cert_dir {
                let dir = dir.display().to_string();
                if !places.contains(&dir) {
                    places.push(dir);
                }
            }
            (rustls_native_certs::load_native_certs(), places)
        }
    };
    let mut source = from_certs(SourceKind::Os, "OS store", loaded.certs);
    source.location = (!places.is_empty()).then(|| places.join(", "));
    source
        .errors
        .extend(loaded.errors.iter().map(|e| e.to_string()));
    if source.anchors.is_empty() {
        source.errors.push(
            "the OS store is empty or missing (a container without the ca-certificates package?)"
                .into(),
        );
    }
    source
}

pub fn mozilla() -> TrustSource {
    TrustSource {
        kind: SourceKind::Mozilla,
        label: "Mozilla bundle".into(),
        location: Some("webpki-roots (compiled in)".into()),
        anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        certs: Vec::new(),
        errors: Vec::new(),
    }
}

/// A PEM (or single DER) CA file.
pub fn ca_file(path: &Path) -> TrustSource {
    let (certs, mut errors) = read_certs(path);
    let mut source = from_certs(SourceKind::CaFile, "CA file", certs);
    source.location = Some(path.display().to_string());
    source.errors.append(&mut errors);
    if source.anchors.is_empty() && source.errors.is_empty() {
        source.errors.push("the file holds no certificate".into());
    }
    source
}

fn from_certs(kind: SourceKind, label: &str, certs: Vec<CertificateDer<'static>>) -> TrustSource {
    let mut errors = Vec::new();
    let mut anchors = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        match webpki::anchor_from_trusted_cert(der) {
            Ok(a) => anchors.push(a.to_owned()),
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
        errors,
    }
}

/// Read certificates from a PEM file, or a single DER certificate.
pub fn read_certs(path: &Path) -> (Vec<CertificateDer<'static>>, Vec<String>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("cannot read {}: {e}", path.display())],
            )
        }
    };
    if bytes.first() == Some(&0x30) {
        return (vec![CertificateDer::from(bytes)], Vec::new());
    }
    let mut certs = Vec::new();
    let mut errors = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        match item {
            Ok(c) => certs.push(c),
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (certs, errors)
}

/// CRLs from files and downloads, parsed for webpki.
#[derive(Debug, Default)]
pub struct Crls {
    /// Where they came from: paths and URLs.
    pub sources: Vec<String>,
    pub lists: Vec<webpki::CertRevocationList<'static>>,
    pub errors: Vec<String>,
}

impl Crls {
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Add the CRLs in a PEM or DER file.
    pub fn add_file(&mut self, path: &Path) {
        self.sources.push(path.display().to_string());
        match std::fs::read(path) {
            Ok(bytes) => self.add_bytes(&bytes, &path.display().to_string()),
            Err(e) => self
                .errors
                .push(format!("cannot read {}: {e}", path.display())),
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
                Ok(crl) => self.lists.push(crl.into()),
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
