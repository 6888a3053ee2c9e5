//! Reading local files: PEM with any mix of blocks, DER certificates, CRLs
//! and keys, PKCS#12 bundles, encrypted keys and password files. Used by
//! `identity` (the client certificate), `settings` (the password file) and
//! `tools::cert`; it sits below all three and imports none of them.
//!
//! Reading is separate from inspecting: this module turns bytes into DER
//! items, says what each file held, and matches keys to certificates
//! ([`key_entry`]).

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs1KeyDer,
    PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::observe;

pub mod kdf;

/// Environment variable holding the PKCS#12 password (never printed).
pub const PASSWORD_ENV: &str = "TLSCHECK_KEY_PASSWORD";

/// What one file held.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub path: String,
    /// `pem`, `der` or `pkcs12`.
    pub format: &'static str,
    pub certificates: usize,
    pub crls: usize,
    pub keys: usize,
    /// Blocks that were skipped, and why.
    pub skipped: Vec<String>,
}

/// A private key as read, with its encoding.
#[derive(Debug)]
pub struct LoadedKey {
    pub file: usize,
    /// `PKCS#8`, `PKCS#1` (RSA) or `SEC1` (EC).
    pub format: &'static str,
    pub der: PrivateKeyDer<'static>,
}

/// Everything read from the files, in file order.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<FileSummary>,
    /// (file index, certificate)
    pub certs: Vec<(usize, CertificateDer<'static>)>,
    pub crls: Vec<(usize, CertificateRevocationListDer<'static>)>,
    pub keys: Vec<LoadedKey>,
    /// Encrypted keys passed over because no password was given.
    pub encrypted_keys_skipped: usize,
}

/// Why a file could not be read (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path} holds no certificate, CRL or private key{hint}")]
    Nothing { path: String, hint: String },
    #[error("{path} is a PKCS#12 file protected by a password: give it with --password-file FILE or the environment variable {PASSWORD_ENV}")]
    PasswordNeeded { path: String },
    #[error(
        "wrong password for {path}: the PKCS#12 integrity check (MAC) does not verify with it"
    )]
    WrongPassword { path: String },
    #[error("{path} cannot be read as PKCS#12: {error}")]
    Pkcs12 { path: String, error: String },
    #[error("the private key in {path} is encrypted: give its password with --key-password-file FILE (tlscheck cert: --password-file) or the environment variable {PASSWORD_ENV}, or decrypt it with `openssl pkey -in {path} -out key.pem`")]
    KeyPasswordNeeded { path: String },
    #[error("wrong password for the encrypted private key in {path}: it does not decrypt with it")]
    WrongKeyPassword { path: String },
    #[error("{path} holds an encrypted private key in an unsupported encryption ({detail}); convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {path} -out key.pem` (PBES2 with AES), or decrypt it with `openssl pkey -in {path} -out key.pem`")]
    UnsupportedKeyEncryption { path: String, detail: String },
    #[error("{path} holds a private key in OpenSSL's old encrypted PEM format (Proc-Type: 4,ENCRYPTED), which is not supported; convert it with `openssl pkey -in {path} -out key.pem` (unencrypted) or `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {path} -out key.pem` (encrypted PKCS#8)")]
    LegacyEncryptedPem { path: String },
    #[error("cannot read the password file {path}: {error}")]
    PasswordFile { path: String, error: std::io::Error },
    #[error("{path} is {kind}, not a regular file: give the file itself")]
    NotAFile { path: String, kind: &'static str },
    #[error("{path} is larger than {limit}, too large for {what}: not read")]
    TooLarge {
        path: String,
        limit: String,
        what: &'static str,
    },
}

impl ReadError {
    /// The file the error is about.
    pub fn path(&self) -> &str {
        match self {
            ReadError::Io { path, .. }
            | ReadError::Nothing { path, .. }
            | ReadError::PasswordNeeded { path }
            | ReadError::WrongPassword { path }
            | ReadError::Pkcs12 { path, .. }
            | ReadError::KeyPasswordNeeded { path }
            | ReadError::WrongKeyPassword { path }
            | ReadError::UnsupportedKeyEncryption { path, .. }
            | ReadError::LegacyEncryptedPem { path }
            | ReadError::PasswordFile { path, .. }
            | ReadError::NotAFile { path, .. }
            | ReadError::TooLarge { path, .. } => path,
        }
    }
}

/// The most read from a certificate, key, PKCS#12 or CRL file. The largest
/// real ones are far below it: the whole Mozilla root bundle is about
/// 220 KiB in PEM, a PKCS#12 bundle or key a few KiB, and the largest public
/// CRLs a few MiB. Above it a file is refused unread, so a wrong path (a
/// disk image, a log) ends at once with bounded memory.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The most read from a password file: its first line is the password.
pub const MAX_PASSWORD_FILE_BYTES: u64 = 64 << 10;

/// What kind of thing a path is, in words, when it is not a regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else {
        Some("not a regular file")
    }
}

/// Read a local file that should hold certificates, keys or CRLs: regular
/// files only (checked before opening, so a FIFO is never opened and
/// cannot block), and at most `limit` bytes (`limit + 1` are read to tell a
/// file that is too large). Every reader of such files goes through here.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let name = || path.display().to_string();
    let io = |error| ReadError::Io {
        path: name(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(kind) = not_regular(&meta) {
        return Err(ReadError::NotAFile { path: name(), kind });
    }
    let too_large = || ReadError::TooLarge {
        path: name(),
        limit: if limit >= 1 << 20 {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{} KiB", limit >> 10)
        },
        what,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The path may have changed between the check and the open.
    if let Some(kind) = file.metadata().ok().as_ref().and_then(not_regular) {
        return Err(ReadError::NotAFile { path: name(), kind });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The PKCS#12 password: the first line of `file`, else the environment
/// variable, else none.
pub fn password(file: Option<&Path>) -> Result<Option<String>, ReadError> {
    if let Some(f) = file {
        let bytes =
            read_bounded(f, MAX_PASSWORD_FILE_BYTES, "a password file").map_err(|e| match e {
                ReadError::Io { path, error } => ReadError::PasswordFile { path, error },
                other => other,
            })?;
        let text = String::from_utf8(bytes).map_err(|_| ReadError::PasswordFile {
            path: f.display().to_string(),
            error: std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"),
        })?;
        return Ok(Some(text.lines().next().unwrap_or("").to_string()));
    }
    Ok(std::env::var(PASSWORD_ENV).ok())
}

/// The certificates in a CA file's bytes (PEM with any number of blocks,
/// or one DER certificate), and one line for each block passed over:
/// which block, on which line, and why.
pub fn ca_certs(bytes: &[u8]) -> (Vec<CertificateDer<'static>>, Vec<String>) {
    if !looks_like_pem(bytes) {
        if bytes.first() == Some(&0x30) {
            return match X509Certificate::from_der(bytes) {
                Ok(_) => (vec![CertificateDer::from(bytes.to_vec())], Vec::new()),
                Err(e) => (
                    Vec::new(),
                    vec![format!("DER data that is not a certificate ({e})")],
                ),
            };
        }
        return (Vec::new(), vec![describe_content(bytes)]);
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut certs = Vec::new();
    let mut skipped = Vec::new();
    let mut block = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(label) = lines[i]
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            i += 1;
            continue;
        };
        block += 1;
        let start = i;
        let end_line = format!("-----END {label}-----");
        let Some(end) = (i + 1..lines.len()).find(|&j| lines[j].trim() == end_line) else {
            skipped.push(format!(
                "block {block} (line {}, {label}): no {end_line} line",
                start + 1
            ));
            break;
        };
        i = end + 1;
        let at = format!("block {block} (line {}, {label})", start + 1);
        if label != "CERTIFICATE" {
            skipped.push(format!("{at}: not a certificate"));
            continue;
        }
        let pem = lines[start..=end].join("\n");
        match CertificateDer::pem_slice_iter(pem.as_bytes()).next() {
            Some(Ok(der)) => match X509Certificate::from_der(&der) {
                Ok(_) => certs.push(der),
                Err(e) => skipped.push(format!("{at}: not a parsable certificate ({e})")),
            },
            Some(Err(e)) => skipped.push(format!("{at}: bad PEM ({e})")),
            None => skipped.push(format!("{at}: bad PEM")),
        }
    }
    (certs, skipped)
}

/// What a file that is neither PEM nor DER holds, in a few words.
pub fn describe_content(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let head = &bytes[..bytes.len().min(4096)];
    let binary = head
        .iter()
        .any(|&b| b == 0 || (b < 0x20 && !b"\t\n\r".contains(&b)));
    if head.starts_with(b"\x7fELF") {
        "an ELF executable, no PEM block and not DER".into()
    } else if binary {
        format!(
            "{} bytes of binary data, no PEM block and not DER",
            bytes.len()
        )
    } else {
        format!("{} bytes of text without a -----BEGIN line", bytes.len())
    }
}

/// Read every file; the first unreadable one stops the reading.
pub fn read_all(paths: &[PathBuf], password: Option<&str>) -> Result<Loaded, ReadError> {
    let mut loaded = Loaded::default();
    for path in paths {
        read_one(path, password, &mut loaded)?;
    }
    Ok(loaded)
}

fn read_one(path: &Path, password: Option<&str>, out: &mut Loaded) -> Result<(), ReadError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, MAX_FILE_BYTES, "a certificate, key or CRL file")?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    read_bytes(&name, &ext, bytes, password, out)
}

/// Read the bytes of one file named `name` whose extension, in lower
/// case, is `ext`: what [`read_all`] does after reading the file.
pub(crate) fn read_bytes(
    name: &str,
    ext: &str,
    bytes: Vec<u8>,
    password: Option<&str>,
    out: &mut Loaded,
) -> Result<(), ReadError> {
    let name = name.to_string();
    let file = out.files.len();
    let mut summary = FileSummary {
        path: name.clone(),
        format: "pem",
        certificates: 0,
        crls: 0,
        keys: 0,
        skipped: Vec::new(),
    };
    let (certs0, crls0, keys0) = (out.certs.len(), out.crls.len(), out.keys.len());

    if looks_like_pem(&bytes) {
        if bytes.windows(22).any(|w| w == b"Proc-Type: 4,ENCRYPTED") {
            return Err(ReadError::LegacyEncryptedPem { path: name });
        }
        read_pem(&bytes, &name, password, file, out, &mut summary)?;
    } else if ext == "p12" || ext == "pfx" || looks_like_pkcs12(&bytes) {
        summary.format = "pkcs12";
        read_pkcs12(&bytes, &name, password, file, out)?;
    } else {
        summary.format = "der";
        read_der(bytes, file, out);
    }
    summary.certificates = out.certs.len() - certs0;
    summary.crls = out.crls.len() - crls0;
    summary.keys = out.keys.len() - keys0;
    if summary.certificates + summary.crls + summary.keys == 0 && out.encrypted_keys_skipped > 0 {
        return Err(ReadError::KeyPasswordNeeded { path: name });
    }
    if summary.certificates + summary.crls + summary.keys == 0 {
        let hint = if summary.skipped.is_empty() {
            String::new()
        } else {
            format!(" ({})", summary.skipped.join("; "))
        };
        return Err(ReadError::Nothing { path: name, hint });
    }
    out.files.push(summary);
    Ok(())
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// A PFX is SEQUENCE { INTEGER 3, … }; keys start with INTEGER 0 or 1 and
/// certificates and CRLs with a SEQUENCE.
fn looks_like_pkcs12(bytes: &[u8]) -> bool {
    if bytes.len() < 8 || bytes[0] != 0x30 {
        return false;
    }
    let header = match bytes[1] {
        n if n < 0x80 => 2,
        n => 2 + (n & 0x7f) as usize,
    };
    bytes.get(header..header + 3) == Some(&[0x02, 0x01, 0x03])
}

fn read_pem(
    bytes: &[u8],
    name: &str,
    password: Option<&str>,
    file: usize,
    out: &mut Loaded,
    summary: &mut FileSummary,
) -> Result<(), ReadError> {
    for item in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        match item {
            Ok((SectionKind::Certificate, der)) => out.certs.push((file, der.into())),
            Ok((SectionKind::Crl, der)) => out.crls.push((file, der.into())),
            Ok((SectionKind::PrivateKey, der)) => out.keys.push(LoadedKey {
                file,
                format: "PKCS#8",
                der: PrivatePkcs8KeyDer::from(der).into(),
            }),
            Ok((SectionKind::RsaPrivateKey, der)) => out.keys.push(LoadedKey {
                file,
                format: "PKCS#1",
                der: PrivatePkcs1KeyDer::from(der).into(),
            }),
            Ok((SectionKind::EcPrivateKey, der)) => out.keys.push(LoadedKey {
                file,
                format: "SEC1",
                der: PrivateSec1KeyDer::from(der).into(),
            }),
            Ok((kind, _)) => summary
                .skipped
                .push(format!("a {kind:?} block (not inspected)")),
            Err(e) => summary.skipped.push(format!("a bad PEM block: {e}")),
        }
    }
    // Blocks the PEM reader does not know are passed over silently; name them.
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        if SectionKind::try_from(label.as_bytes()).is_ok() {
            continue;
        }
        if label == "ENCRYPTED PRIVATE KEY" {
            continue;
        }
        summary
            .skipped
            .push(format!("a {label} block (not supported)"));
    }
    // Encrypted PKCS#8 (what `openssl pkcs8 -topk8` and `openssl genpkey
    // -aes256` write): decrypted with the password when one is given.
    for block in pem_blocks(&text, "ENCRYPTED PRIVATE KEY") {
        let Some(password) = password else {
            out.encrypted_keys_skipped += 1;
            summary.skipped.push(format!(
                "an ENCRYPTED PRIVATE KEY block: give its password with --password-file FILE or {PASSWORD_ENV}, or decrypt it with `openssl pkey -in FILE -out key.pem`"
            ));
            continue;
        };
        let der = decrypt_pkcs8(&block, name, password)?;
        out.keys.push(LoadedKey {
            file,
            format: "PKCS#8 (encrypted)",
            der: PrivatePkcs8KeyDer::from(der).into(),
        });
    }
    Ok(())
}

/// The DER of every `label` block in a PEM text.
fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let Some(j) = rest[i..].find(&end) else { break };
        let block = &rest[i..i + j + end.len()];
        if let Ok((_, der)) = pkcs8::der::pem::decode_vec(block.as_bytes()) {
            blocks.push(der);
        }
        rest = &rest[i + j + end.len()..];
    }
    blocks
}

/// Decrypt an EncryptedPrivateKeyInfo (PKCS#8, PBES2 with PBKDF2 or scrypt
/// and AES, or 3DES) into a PKCS#8 PrivateKeyInfo.
pub(crate) fn decrypt_pkcs8(der: &[u8], name: &str, password: &str) -> Result<Vec<u8>, ReadError> {
    use pkcs8::EncryptedPrivateKeyInfoRef;
    let unsupported = |detail: String| ReadError::UnsupportedKeyEncryption {
        path: name.into(),
        detail,
    };
    // pbeWithSHAAnd3-KeyTripleDES-CBC and its PKCS#12 siblings
    // (1.2.840.113549.1.12.1.*): `openssl pkcs8 -v1 PBE-SHA1-3DES`.
    const PKCS12_PBE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
    let info = EncryptedPrivateKeyInfoRef::try_from(der).map_err(|e| {
        if der.windows(PKCS12_PBE.len()).any(|w| w == PKCS12_PBE) {
            unsupported("a legacy PKCS#12 PBE scheme such as PBE-SHA1-3DES".into())
        } else {
            unsupported(format!("cannot parse its encryption parameters: {e}"))
        }
    })?;
    if let pkcs5::EncryptionScheme::Pbes1(p) = &info.encryption_algorithm {
        return Err(unsupported(format!(
            "the legacy PKCS#5 v1.5 scheme {:?}",
            p.encryption
        )));
    }
    if let pkcs5::EncryptionScheme::Pbes2(p) = &info.encryption_algorithm {
        kdf::pbes2_cost(p)
            .map_err(|why| unsupported(format!("its key derivation asks for {why}")))?;
    }
    match info.decrypt(password) {
        Ok(doc) => Ok(doc.as_bytes().to_vec()),
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::DecryptFailed)) => {
            Err(ReadError::WrongKeyPassword { path: name.into() })
        }
        Err(e) => Err(unsupported(e.to_string())),
    }
}

fn read_der(bytes: Vec<u8>, file: usize, out: &mut Loaded) {
    use x509_parser::prelude::{CertificateRevocationList, X509Certificate};
    if X509Certificate::from_der(&bytes).is_ok() {
        out.certs.push((file, bytes.into()));
    } else if CertificateRevocationList::from_der(&bytes).is_ok() {
        out.crls.push((file, bytes.into()));
    } else if let Ok(key) = PrivateKeyDer::try_from(bytes.as_slice()) {
        let format = match key {
            PrivateKeyDer::Pkcs1(_) => "PKCS#1",
            PrivateKeyDer::Sec1(_) => "SEC1",
            _ => "PKCS#8",
        };
        out.keys.push(LoadedKey {
            file,
            format,
            der: key.clone_key(),
        });
    }
}

fn read_pkcs12(
    bytes: &[u8],
    name: &str,
    password: Option<&str>,
    file: usize,
    out: &mut Loaded,
) -> Result<(), ReadError> {
    use p12_keystore::error::Error as P12Error;
    kdf::check_pkcs12(bytes).map_err(|why| ReadError::Pkcs12 {
        path: name.into(),
        error: format!("its key derivation asks for {why}"),
    })?;
    let archive = match p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password.unwrap_or("")) {
        Ok(a) => a,
        // A MAC that does not verify, or (without a MAC) a decryption whose
        // padding is wrong: the password is wrong.
        Err(P12Error::MacError(_) | P12Error::UnpadError) => {
            return Err(match password {
                None => ReadError::PasswordNeeded { path: name.into() },
                Some(_) => ReadError::WrongPassword { path: name.into() },
            })
        }
        Err(e) => {
            return Err(ReadError::Pkcs12 {
                path: name.into(),
                error: e.to_string(),
            })
        }
    };
    for bag in &archive.certs {
        out.certs
            .push((file, CertificateDer::from(bag.cert.as_der().to_vec())));
    }
    for bag in &archive.keys {
        out.keys.push(LoadedKey {
            file,
            format: "PKCS#8",
            der: PrivatePkcs8KeyDer::from(bag.key.as_der().to_vec()).into(),
        });
    }
    Ok(())
}
#[derive(Debug, Clone, Serialize)]
pub struct KeyEntry {
    pub file: String,
    /// `PKCS#8`, `PKCS#1` or `SEC1`.
    pub format: &'static str,
    pub key_type: Option<String>,
    pub key_bits: Option<usize>,
    /// Positions of the certificates whose public key is this key's.
    pub matches: Vec<usize>,
    /// Set when the key cannot be read or compared (its type is unsupported).
    pub error: Option<String>,
}

/// A key as `tlscheck cert` and the identity describe it: its type and
/// size, and which of `certs` hold its public key.
pub fn key_entry(
    file: String,
    key: &LoadedKey,
    certs: &[(usize, CertificateDer<'static>)],
) -> KeyEntry {
    let mut entry = KeyEntry {
        file,
        format: key.format,
        key_type: None,
        key_bits: None,
        matches: Vec::new(),
        error: None,
    };
    let pair = match rcgen::KeyPair::try_from(&key.der) {
        Ok(p) => p,
        Err(_) => {
            entry.error = Some(
                "cannot be read or compared: only RSA, EC P-256/P-384/P-521 and Ed25519 keys are supported".into(),
            );
            return entry;
        }
    };
    use rcgen::PublicKeyData;
    let spki_der = pair.subject_public_key_info();
    if let Ok((_, spki)) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki_der) {
        let (kind, bits) = observe::spki_description(&spki);
        entry.key_type = Some(kind);
        entry.key_bits = bits;
    }
    let public = pair.public_key_raw();
    for (pos, (_, der)) in certs.iter().enumerate() {
        if let Ok((_, cert)) = X509Certificate::from_der(der) {
            if cert.public_key().subject_public_key.data.as_ref() == public {
                entry.matches.push(pos);
            }
        }
    }
    entry
}
