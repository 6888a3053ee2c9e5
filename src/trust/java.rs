//! Java's default trust store: the JDK's `cacerts` (or `jssecacerts`), a
//! JKS, JCEKS or PKCS#12 keystore.
//!
//! Which file a JVM reads (JSSE's TrustStoreManager): the
//! `javax.net.ssl.trustStore` system property when set, else
//! `<java.home>/lib/security/jssecacerts` when it exists, else
//! `<java.home>/lib/security/cacerts`. tlscheck cannot see the JVM, so it
//! takes `java.home` from `JAVA_HOME` (what launchers such as Maven, Gradle
//! and most service scripts use), else from the `java` on `PATH` (what
//! `java -jar` runs), else from `/usr/lib/jvm/default-java`; and the system
//! property from `-Djavax.net.ssl.trustStore=` in `JAVA_TOOL_OPTIONS` or
//! `JDK_JAVA_OPTIONS`, which every JVM (resp. the `java` launcher) reads.
//!
//! What is trusted (sun.security.validator.KeyStores.getTrustedCerts): every
//! trusted-certificate entry, and the first certificate of every private-key
//! entry. A PKCS#12 certificate is a trusted-certificate entry when it carries
//! Oracle's trusted-key-usage attribute (what keytool writes); a certificate
//! with neither that attribute nor a key is not loaded by Java at all.

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use serde::Serialize;

use super::{from_certs, SourceKind, StoreEnv, TrustSource};

/// No real trust store comes near this (Debian's is 170 kB, the JDK's 200 kB).
pub const MAX_KEYSTORE_BYTES: u64 = 16 << 20;

/// The password every JDK ships cacerts with.
pub const DEFAULT_PASSWORD: &str = "changeit";

/// Where Java's trust store was found, and how.
#[derive(Debug, Clone, Serialize)]
pub struct JavaLocation {
    /// The file read (as found, before following symbolic links).
    pub path: Option<String>,
    /// The file it resolves to, when `path` is a symbolic link (Debian's
    /// cacerts is one, to /etc/ssl/certs/java/cacerts).
    pub resolves_to: Option<String>,
    /// How it was found, in words.
    pub how: String,
    /// The Java home used, when one was found.
    pub java_home: Option<String>,
    /// `jks`, `jceks` or `pkcs12` (when the file could be read).
    pub format: Option<&'static str>,
    /// The places looked at, in order.
    pub tried: Vec<String>,
}

/// Java's default trust store as a trust source.
pub fn java_cacerts(env: &StoreEnv) -> TrustSource {
    java_cacerts_located(env).0
}

/// Java's default trust store and where it was found.
pub fn java_cacerts_located(env: &StoreEnv) -> (TrustSource, JavaLocation) {
    let mut location = JavaLocation {
        path: None,
        resolves_to: None,
        how: String::new(),
        java_home: None,
        format: None,
        tried: Vec::new(),
    };
    let (property, password) = trust_store_property(env);
    let found: Option<PathBuf> = if let Some((var, path)) = property {
        location.how = format!("-Djavax.net.ssl.trustStore in {var}");
        location.tried.push(path.clone());
        Some(PathBuf::from(path))
    } else {
        let mut found = None;
        for (home, how) in java_homes(env) {
            for dir in [home.join("lib/security"), home.join("jre/lib/security")] {
                for file in ["jssecacerts", "cacerts"] {
                    if found.is_some() {
                        break;
                    }
                    let p = dir.join(file);
                    location.tried.push(p.display().to_string());
                    if p.exists() {
                        location.how = format!("{file} of {how}");
                        location.java_home = Some(home.display().to_string());
                        found = Some(p);
                    }
                }
            }
            if found.is_some() {
                break;
            }
        }
        found
    };
    let Some(path) = found else {
        location.how = "no Java found (JAVA_HOME unset or without cacerts, no java on PATH, no /usr/lib/jvm/default-java)".into();
        let mut source = empty(None);
        source.errors.push(format!(
            "Java's trust store not found: {}; set JAVA_HOME to the JDK clients run with",
            location.how
        ));
        return (source, location);
    };
    location.path = Some(path.display().to_string());
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        location.resolves_to = std::fs::canonicalize(&path)
            .ok()
            .map(|p| p.display().to_string());
    }
    let (mut source, format) = read_keystore_file(&path, password.as_deref());
    location.format = format;
    source.location = Some(match &location.resolves_to {
        Some(real) => format!("{} → {real}", path.display()),
        None => path.display().to_string(),
    });
    (source, location)
}

/// A trust source from a Java keystore file (JKS, JCEKS or PKCS#12), with
/// `password` for PKCS#12 (else `changeit`, then no password).
pub fn keystore_file(path: &Path, password: Option<&str>) -> TrustSource {
    read_keystore_file(path, password).0
}

/// [`keystore_file`], and the format it found.
fn read_keystore_file(path: &Path, password: Option<&str>) -> (TrustSource, Option<&'static str>) {
    let mut source = empty(Some(path.display().to_string()));
    let bytes = match read_bounded(path) {
        Ok(b) => b,
        Err(e) => {
            source.errors.push(e);
            return (source, None);
        }
    };
    match parse_keystore(&bytes, password) {
        Ok(ks) => {
            let format = ks.format;
            let label = format!("Java cacerts ({})", path.display());
            let mut s = from_certs(SourceKind::JavaCacerts, &label, ks.certs);
            s.location = source.location;
            s.errors.extend(
                ks.notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", path.display())),
            );
            if s.anchors.is_empty() {
                s.errors
                    .push(format!("{} holds no trusted certificate", path.display()));
            }
            (s, Some(format))
        }
        Err(e) => {
            source.errors.push(format!("{}: {e}", path.display()));
            (source, None)
        }
    }
}

fn empty(location: Option<String>) -> TrustSource {
    TrustSource {
        kind: SourceKind::JavaCacerts,
        label: "Java cacerts".into(),
        location,
        anchors: Vec::new(),
        certs: Vec::new(),
        anchor_certs: Vec::new(),
        errors: Vec::new(),
    }
}

/// Through the one bounded reader of local files: regular files only (a
/// FIFO is never opened), at most [`MAX_KEYSTORE_BYTES`].
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    crate::files::read_bounded(path, MAX_KEYSTORE_BYTES, "a Java trust store")
        .map_err(|e| e.to_string())
}

/// The Java homes to look in, in order, with how each was found.
fn java_homes(env: &StoreEnv) -> Vec<(PathBuf, String)> {
    let mut homes = Vec::new();
    if let Some(home) = env.get("JAVA_HOME") {
        homes.push((PathBuf::from(home), format!("JAVA_HOME ({home})")));
    }
    if let Some(java) = env.find_on_path("java") {
        if let Ok(real) = std::fs::canonicalize(&java) {
            // <home>/bin/java, or <home>/jre/bin/java for Java 8.
            if let Some(home) = real.parent().and_then(Path::parent) {
                homes.push((
                    home.to_path_buf(),
                    format!("the java on PATH ({} → {})", java.display(), real.display()),
                ));
            }
        }
    }
    let default = Path::new("/usr/lib/jvm/default-java");
    if default.exists() {
        homes.push((
            default.to_path_buf(),
            "the default JVM (/usr/lib/jvm/default-java)".into(),
        ));
    }
    homes
}

/// `-Djavax.net.ssl.trustStore=PATH` (and its password) from the variables
/// every JVM reads.
fn trust_store_property(env: &StoreEnv) -> (Option<(&'static str, String)>, Option<String>) {
    let mut store = None;
    let mut password = None;
    for var in ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"] {
        let Some(options) = env.get(var) else {
            continue;
        };
        for word in options.split_whitespace() {
            let word = word.trim_matches(|c| c == '"' || c == '\'');
            if let Some(p) = word.strip_prefix("-Djavax.net.ssl.trustStore=") {
                if !p.is_empty() && !p.eq_ignore_ascii_case("NONE") {
                    store = Some((var, p.to_string()));
                }
            } else if let Some(p) = word.strip_prefix("-Djavax.net.ssl.trustStorePassword=") {
                password = Some(p.to_string());
            }
        }
    }
    (store, password)
}

/// The certificates a JVM trusts from one keystore.
#[derive(Debug)]
pub struct Keystore {
    /// `jks`, `jceks` or `pkcs12`.
    pub format: &'static str,
    /// Trusted-certificate entries, and the first certificate of each
    /// private-key entry, in file order.
    pub certs: Vec<CertificateDer<'static>>,
    /// Entries passed over, and why.
    pub notes: Vec<String>,
}

/// Read a keystore's trusted certificates. JKS and JCEKS need no password
/// (their integrity check is not verified, as a JVM loading a trust store
/// without `javax.net.ssl.trustStorePassword` does not); PKCS#12 is tried
/// with `password`, else `changeit`, then with no password (JDK 18+ ships a
/// password-less cacerts).
pub fn parse_keystore(bytes: &[u8], password: Option<&str>) -> Result<Keystore, String> {
    match bytes.get(..4) {
        Some([0xfe, 0xed, 0xfe, 0xed]) => parse_jks(bytes, "jks"),
        Some([0xce, 0xce, 0xce, 0xce]) => parse_jks(bytes, "jceks"),
        Some([0x30, ..]) => parse_pkcs12(bytes, password),
        _ => Err("not a Java keystore (neither JKS, JCEKS nor PKCS#12)".into()),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "truncated at byte {} (wanted {n} more bytes)",
                self.pos
            ));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<usize, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]) as usize)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Java's writeUTF: a 16-bit length, then modified UTF-8.
    fn utf(&mut self) -> Result<String, String> {
        let n = self.u16()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    fn blob(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// JKS and JCEKS: magic, version (1 or 2), entry count, then per entry a tag
/// (1 private key, 2 trusted certificate, 3 secret key), an alias, a
/// timestamp and the entry; certificates are DER (version 2 names their type
/// first); a SHA-1 integrity digest closes the file.
fn parse_jks(bytes: &[u8], format: &'static str) -> Result<Keystore, String> {
    let mut r = Reader { bytes, pos: 4 };
    let version = r.u32()?;
    if version != 1 && version != 2 {
        return Err(format!("unsupported {format} version {version}"));
    }
    let count = r.u32()?;
    let mut ks = Keystore {
        format,
        certs: Vec::new(),
        notes: Vec::new(),
    };
    let cert = |r: &mut Reader<'_>, alias: &str, notes: &mut Vec<String>| {
        let kind = if version == 2 {
            r.utf()?
        } else {
            "X.509".into()
        };
        let der = r.blob()?;
        if kind == "X.509" {
            Ok::<_, String>(Some(CertificateDer::from(der.to_vec())))
        } else {
            notes.push(format!(
                "entry \"{alias}\": a {kind} certificate, not X.509: skipped"
            ));
            Ok(None)
        }
    };
    for i in 0..count {
        let tag = r.u32()?;
        let alias = r.utf()?;
        r.take(8)?; // creation date
        match tag {
            1 => {
                r.blob()?; // the protected private key
                let chain = r.u32()?;
                for j in 0..chain {
                    if let Some(c) = cert(&mut r, &alias, &mut ks.notes)? {
                        if j == 0 {
                            ks.certs.push(c);
                        }
                    }
                }
            }
            2 => {
                if let Some(c) = cert(&mut r, &alias, &mut ks.notes)? {
                    ks.certs.push(c);
                }
            }
            3 => {
                // A serialized Java object with no length: nothing after it can be found.
                ks.notes.push(format!(
                    "entry \"{alias}\" is a secret key: the {} entries after it are not read",
                    count - i - 1
                ));
                break;
            }
            other => return Err(format!("entry {} has an unknown tag {other}", i + 1)),
        }
    }
    Ok(ks)
}

fn parse_pkcs12(bytes: &[u8], password: Option<&str>) -> Result<Keystore, String> {
    use p12_keystore::error::Error as P12Error;
    crate::files::kdf::check_pkcs12(bytes)
        .map_err(|why| format!("cannot be read: its key derivation asks for {why}"))?;
    let mut passwords = vec![password.unwrap_or(DEFAULT_PASSWORD)];
    if password.is_none() {
        passwords.push("");
    }
    let mut last = String::new();
    for pw in passwords {
        // p12-keystore works on attacker-shaped DER; a bug there must not take tlscheck down.
        let result =
            std::panic::catch_unwind(|| p12_keystore::Pkcs12Archive::from_pkcs12(bytes, pw));
        let archive = match result {
            Ok(Ok(a)) => a,
            Ok(Err(P12Error::MacError(_) | P12Error::UnpadError)) => {
                last = "the password does not open it (javax.net.ssl.trustStorePassword?)".into();
                continue;
            }
            Ok(Err(e)) => return Err(format!("cannot be read as PKCS#12: {e}")),
            Err(_) => return Err("cannot be read as PKCS#12 (malformed)".into()),
        };
        let key_ids: Vec<&[u8]> = archive
            .keys
            .iter()
            .filter_map(|k| k.local_key_id.as_ref().map(|id| id.0.as_slice()))
            .collect();
        let mut ks = Keystore {
            format: "pkcs12",
            certs: Vec::new(),
            notes: Vec::new(),
        };
        let mut ignored = 0;
        for bag in &archive.certs {
            let keyed = bag
                .local_key_id
                .as_deref()
                .is_some_and(|id| key_ids.contains(&id));
            if bag.trusted || keyed {
                ks.certs
                    .push(CertificateDer::from(bag.cert.as_der().to_vec()));
            } else if bag.local_key_id.is_none() {
                ignored += 1;
            }
        }
        if ignored > 0 {
            ks.notes.push(format!(
                "{ignored} certificate(s) without Java's trusted-certificate attribute: a JVM does not load them (make the store with keytool -importcert, or openssl pkcs12 -jdktrust anyExtendedKeyUsage)"
            ));
        }
        return Ok(ks);
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(cn: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    /// A JKS (version 2) with the given trusted certificates, and one
    /// private-key entry whose chain is `key_chain`.
    pub(super) fn jks(trusted: &[&[u8]], key_chain: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2];
        let entries = trusted.len() + usize::from(!key_chain.is_empty());
        b.extend((entries as u32).to_be_bytes());
        let utf = |b: &mut Vec<u8>, s: &str| {
            b.extend((s.len() as u16).to_be_bytes());
            b.extend(s.as_bytes());
        };
        let blob = |b: &mut Vec<u8>, d: &[u8]| {
            b.extend((d.len() as u32).to_be_bytes());
            b.extend(d);
        };
        if !key_chain.is_empty() {
            b.extend(1u32.to_be_bytes());
            utf(&mut b, "mykey");
            b.extend([0; 8]);
            blob(&mut b, b"not really a key");
            b.extend((key_chain.len() as u32).to_be_bytes());
            for c in key_chain {
                utf(&mut b, "X.509");
                blob(&mut b, c);
            }
        }
        for (i, c) in trusted.iter().enumerate() {
            b.extend(2u32.to_be_bytes());
            utf(&mut b, &format!("root{i}"));
            b.extend([0; 8]);
            utf(&mut b, "X.509");
            blob(&mut b, c);
        }
        b.extend([0; 20]);
        b
    }

    #[test]
    fn jks_trusted_entries_and_the_first_certificate_of_key_entries() {
        let (a, b, leaf, inter) = (cert("a"), cert("b"), cert("leaf"), cert("inter"));
        let ks = parse_keystore(&jks(&[&a, &b], &[&leaf, &inter]), None).unwrap();
        assert_eq!(ks.format, "jks");
        let got: Vec<&[u8]> = ks.certs.iter().map(|c| c.as_ref()).collect();
        assert_eq!(got, vec![leaf.as_slice(), a.as_slice(), b.as_slice()]);
    }

    #[test]
    fn a_truncated_or_hostile_jks_is_an_error_never_a_panic() {
        let a = cert("a");
        let good = jks(&[&a], &[]);
        for n in 0..good.len() - 20 {
            assert!(parse_keystore(&good[..n], None).is_err(), "cut at {n}");
        }
        // A huge count and huge lengths: an error, and no huge allocation.
        let mut bad = vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff];
        bad.extend(2u32.to_be_bytes());
        bad.extend([0, 1, b'x']);
        bad.extend([0; 8]);
        bad.extend([0, 5]);
        bad.extend(b"X.509");
        bad.extend([0xff, 0xff, 0xff, 0xff]);
        assert!(parse_keystore(&bad, None).is_err());
        assert!(parse_keystore(b"\x30\x03\x02\x01\x03", None).is_err());
        assert!(parse_keystore(b"", None).is_err());
        assert!(parse_keystore(b"hello", None).is_err());
    }

    fn p12(trusted: &[&[u8]], password: &str) -> Vec<u8> {
        let mut store = p12_keystore::KeyStore::new();
        for (i, c) in trusted.iter().enumerate() {
            store.add_entry(
                &format!("root{i}"),
                p12_keystore::KeyStoreEntry::Certificate(
                    p12_keystore::Certificate::from_der(c).unwrap(),
                ),
            );
        }
        store.writer(password).write().unwrap()
    }

    #[test]
    fn pkcs12_with_changeit_an_explicit_password_or_none() {
        let (a, b) = (cert("a"), cert("b"));
        let ks = parse_keystore(&p12(&[&a, &b], "changeit"), None).unwrap();
        assert_eq!(ks.format, "pkcs12");
        assert_eq!(ks.certs.len(), 2);
        let ks = parse_keystore(&p12(&[&a], "s3cret"), Some("s3cret")).unwrap();
        assert_eq!(ks.certs.len(), 1);
        let err = parse_keystore(&p12(&[&a], "s3cret"), None).unwrap_err();
        assert!(err.contains("password"), "{err}");
    }

    #[test]
    fn a_damaged_pkcs12_is_an_error_never_a_panic() {
        let a = cert("a");
        let good = p12(&[&a], "changeit");
        for n in (0..good.len()).step_by(7) {
            let _ = parse_keystore(&good[..n], None);
        }
        let mut flipped = good.clone();
        for i in (4..flipped.len()).step_by(13) {
            flipped[i] ^= 0x5a;
            let _ = parse_keystore(&flipped, None);
        }
    }

    #[test]
    fn the_trust_store_property_wins_and_a_missing_java_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let a = cert("prop root");
        let path = dir.join("store.jks");
        std::fs::write(&path, jks(&[&a], &[])).unwrap();
        let env = StoreEnv::from_vars([
            (
                "JAVA_TOOL_OPTIONS",
                format!("-Xmx1g -Djavax.net.ssl.trustStore={}", path.display()),
            ),
            ("PATH", String::new()),
        ]);
        let (s, loc) = java_cacerts_located(&env);
        assert_eq!(s.kind, SourceKind::JavaCacerts);
        assert_eq!(s.anchors.len(), 1, "{:?}", s.errors);
        assert_eq!(loc.format, Some("jks"));
        assert!(loc.how.contains("JAVA_TOOL_OPTIONS"), "{}", loc.how);

        let env = StoreEnv::from_vars([("JAVA_HOME", dir.join("nowhere").display().to_string())]);
        let (s, loc) = java_cacerts_located(&env);
        if loc.path.is_none() {
            assert!(s.anchors.is_empty());
            assert!(!s.errors.is_empty());
        }
    }

    #[test]
    fn java_home_finds_lib_security_cacerts_and_prefers_jssecacerts() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let sec = dir.join("lib/security");
        std::fs::create_dir_all(&sec).unwrap();
        let (a, b) = (cert("a"), cert("b"));
        std::fs::write(sec.join("cacerts"), jks(&[&a, &b], &[])).unwrap();
        let env = StoreEnv::from_vars([("JAVA_HOME", dir.display().to_string())]);
        let (s, loc) = java_cacerts_located(&env);
        assert_eq!(s.anchors.len(), 2);
        assert_eq!(
            loc.path.as_deref(),
            Some(sec.join("cacerts").to_str().unwrap())
        );
        assert!(s.label.starts_with("Java cacerts ("), "{}", s.label);
        std::fs::write(sec.join("jssecacerts"), jks(&[&a], &[])).unwrap();
        let (s, loc) = java_cacerts_located(&env);
        assert_eq!(s.anchors.len(), 1);
        assert!(loc.how.starts_with("jssecacerts"), "{}", loc.how);
        // Unreadable content: an error, no roots.
        std::fs::write(sec.join("jssecacerts"), b"garbage").unwrap();
        let (s, _) = java_cacerts_located(&env);
        assert!(s.anchors.is_empty());
        assert!(
            s.errors[0].contains("not a Java keystore"),
            "{:?}",
            s.errors
        );
    }
}
