//! The client certificate (mutual TLS): read the files the user has, in
//! whatever form, check them before connecting, and build the key rustls
//! presents.
//!
//! Reading and key ↔ certificate matching go through `files` (PEM, DER,
//! PKCS#12, encrypted PKCS#8), the module `tools::cert` reads with too. A file that cannot be
//! used is a usage error (exit 2): a check with the wrong identity would
//! only mislead.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::sign::CertifiedKey;
use rustls_pki_types::CertificateDer;
use serde::Serialize;

use crate::files;
use crate::observe;

/// Where the identity comes from, as settings resolved it.
#[derive(Debug, Clone)]
pub struct IdentityRequest {
    pub cert: PathBuf,
    /// The key file; `None` when the certificate file holds the key too
    /// (a combined PEM, PyMongo's `tlsCertificateKeyFile`, or PKCS#12).
    pub key: Option<PathBuf>,
    /// Never printed.
    pub password: Option<String>,
    /// Where the password came from, in words (`--key-password-file`, …).
    pub password_source: Option<String>,
    /// Ask on the terminal when a password is needed and none was given
    /// (stdin is a terminal; never in tests or CI).
    pub prompt: bool,
}

/// A loaded identity: what rustls presents, and the facts about it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub certified: Arc<CertifiedKey>,
    pub facts: IdentityFacts,
    /// The DER issuer names of every presented certificate, to compare with
    /// the CAs a CertificateRequest names.
    pub issuers_der: Vec<Vec<u8>>,
}

/// The client certificate as configured (`facts.client_identity` in JSON).
#[derive(Debug, Clone, Serialize)]
pub struct IdentityFacts {
    pub cert_file: String,
    pub key_file: String,
    /// `pem`, `der` or `pkcs12`.
    pub format: &'static str,
    /// `PKCS#8`, `PKCS#8 (encrypted)`, `PKCS#1` or `SEC1`.
    pub key_format: &'static str,
    pub key_type: Option<String>,
    /// Where the key password came from (never the password).
    pub password_source: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    /// `valid`, `expired` or `not-yet-valid`.
    pub validity: &'static str,
    pub extended_key_usage: Vec<String>,
    /// No extendedKeyUsage, or one that includes clientAuth (or any).
    pub client_auth_allowed: bool,
    /// Subjects of the other certificates sent with it, in order.
    pub chain: Vec<String>,
    /// The key file's permission bits (octal), where readable.
    pub key_file_mode: Option<String>,
    /// libpq's rule on the key file's permissions, when it is broken.
    pub key_permission_problem: Option<String>,
}

/// Which file of the identity an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityFile {
    /// The certificate file (`--cert`; with no key file, the key too).
    Cert,
    /// The key file (`--key`).
    Key,
}

/// Why the identity cannot be used (exit 2): the file at fault, so that
/// the caller names it with the flag (or connection-string key) it came
/// from, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("client certificate: {message}")]
pub struct IdentityError {
    pub file: IdentityFile,
    pub message: String,
}

impl IdentityError {
    fn cert(message: String) -> IdentityError {
        IdentityError {
            file: IdentityFile::Cert,
            message,
        }
    }

    fn key(message: String) -> IdentityError {
        IdentityError {
            file: IdentityFile::Key,
            message,
        }
    }
}

/// Read and check the identity; `now_unix` for the dates.
pub fn load(req: &IdentityRequest, now_unix: i64) -> Result<Identity, IdentityError> {
    let mut paths = vec![req.cert.clone()];
    if let Some(k) = &req.key {
        if k != &req.cert {
            paths.push(k.clone());
        }
    }
    let mut password = req.password.clone();
    let mut password_source = req.password_source.clone();
    let mut read = files::read_all(&paths, password.as_deref());
    if let Err(
        files::ReadError::PasswordNeeded { path } | files::ReadError::KeyPasswordNeeded { path },
    ) = &read
    {
        if password.is_none() && req.prompt {
            if let Some(p) = prompt_password(path) {
                password = Some(p);
                password_source = Some("terminal prompt".into());
                read = files::read_all(&paths, password.as_deref());
            }
        }
    }
    let key_path = req.key.as_ref().map(|k| k.display().to_string());
    let loaded = read.map_err(|e| {
        let file = if Some(e.path()) == key_path.as_deref() {
            IdentityFile::Key
        } else {
            IdentityFile::Cert
        };
        let message = match e {
            files::ReadError::KeyPasswordNeeded { path } => format!(
                "the private key in {path} is encrypted: give its password with --key-password-file FILE, the environment variable {}, or sslpassword / tlsCertificateKeyFilePassword in the connection string",
                files::PASSWORD_ENV
            ),
            files::ReadError::PasswordNeeded { path } => format!(
                "{path} is a PKCS#12 file protected by a password: give it with --key-password-file FILE, the environment variable {}, or sslpassword / tlsCertificateKeyFilePassword in the connection string",
                files::PASSWORD_ENV
            ),
            other => other.to_string(),
        };
        IdentityError { file, message }
    })?;
    let cert_file = req.cert.display().to_string();
    let key_file = req.key.as_ref().unwrap_or(&req.cert).display().to_string();
    if loaded.certs.is_empty() {
        return Err(IdentityError::cert(format!(
            "{cert_file} holds no certificate"
        )));
    }
    let Some(key) = loaded.keys.first() else {
        return Err(if loaded.encrypted_keys_skipped > 0 {
            IdentityError::key(format!(
                "the private key in {key_file} is encrypted: give its password with --key-password-file FILE, the environment variable {}, or sslpassword / tlsCertificateKeyFilePassword in the connection string",
                files::PASSWORD_ENV
            ))
        } else if req.key.is_none() {
            IdentityError::cert(format!("{cert_file} holds no private key: name the key file with --key FILE (sslkey, ssl-key)"))
        } else {
            IdentityError::key(format!("{key_file} holds no private key"))
        });
    };
    let entry = files::key_entry(key_file.clone(), key, &loaded.certs);
    if let Some(e) = entry.error {
        return Err(IdentityError::key(format!("the key in {key_file} {e}")));
    }
    let Some(&leaf_pos) = entry.matches.first() else {
        let leaf = observe::describe(0, &loaded.certs[0].1, now_unix);
        return Err(IdentityError::key(format!(
            "the private key in {key_file} does not match the certificate in {cert_file} ({}): use the key the certificate was issued for",
            leaf.subject
        )));
    };

    // The leaf (the certificate the key belongs to) first, then the rest.
    let mut chain: Vec<CertificateDer<'static>> = vec![loaded.certs[leaf_pos].1.clone()];
    chain.extend(
        loaded
            .certs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != leaf_pos)
            .map(|(_, (_, c))| c.clone()),
    );
    let described = observe::describe_chain(&chain, now_unix);
    let leaf = &described[0];

    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key.der.clone_key())
        .map_err(|e| {
            IdentityError::key(format!("the key in {key_file} cannot be used for TLS: {e}"))
        })?;
    let certified = Arc::new(CertifiedKey::new(chain, signing));

    let validity = if now_unix > leaf.not_after_unix {
        "expired"
    } else if now_unix < leaf.not_before_unix {
        "not-yet-valid"
    } else {
        "valid"
    };
    let client_auth_allowed = leaf.extended_key_usage.is_empty()
        || leaf
            .extended_key_usage
            .iter()
            .any(|u| u == "clientAuth" || u == "any");
    let key_path = req.key.as_deref().unwrap_or(&req.cert);
    let (key_file_mode, key_permission_problem) = key_permissions(key_path);
    let format = loaded
        .files
        .iter()
        .find(|f| f.path == key_file)
        .map(|f| f.format)
        .unwrap_or("pem");

    Ok(Identity {
        certified,
        issuers_der: described.iter().map(|c| c.issuer_der.clone()).collect(),
        facts: IdentityFacts {
            cert_file,
            key_file,
            format,
            key_format: key.format,
            key_type: entry.key_type,
            password_source,
            subject: leaf.subject.clone(),
            issuer: leaf.issuer.clone(),
            not_before: leaf.not_before.clone(),
            not_after: leaf.not_after.clone(),
            days_left: leaf.days_left,
            validity,
            extended_key_usage: leaf.extended_key_usage.clone(),
            client_auth_allowed,
            chain: described[1..].iter().map(|c| c.subject.clone()).collect(),
            key_file_mode,
            key_permission_problem,
        },
    })
}

/// Ask for `path`'s password on the controlling terminal with echo off.
fn prompt_password(path: &str) -> Option<String> {
    use std::io::{BufRead, Write};
    use std::os::fd::AsRawFd;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a valid fd.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open for the life of `tty`, `term` is a valid pointer.
    if unsafe { libc::tcgetattr(fd, &mut term) } != 0 {
        return None;
    }
    let saved = term;
    term.c_lflag &= !libc::ECHO;
    term.c_lflag |= libc::ECHONL;
    // SAFETY: as above.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
    let _ = write!(&tty, "Password for {path}: ");
    let _ = (&tty).flush();
    let mut line = String::new();
    let ok = std::io::BufReader::new(&tty).read_line(&mut line).is_ok();
    // SAFETY: restores the settings read above.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    ok.then(|| line.trim_end_matches(['\n', '\r']).to_string())
}

/// libpq's rule (fe-secure-openssl.c): a key file owned by the user must
/// have no group or world access (0600 or less); one owned by root may be
/// group-readable (0640 or less). libpq refuses to use the key otherwise.
fn key_permissions(path: &Path) -> (Option<String>, Option<String>) {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return (None, None);
    };
    if !meta.is_file() {
        return (None, None);
    }
    let mode = meta.mode() & 0o7777;
    let shown = format!("{:04o}", mode);
    let problem = key_permission_problem(mode, meta.uid(), effective_uid());
    (
        Some(shown),
        problem.map(|p| format!("{} is {p}", path.display())),
    )
}

fn key_permission_problem(mode: u32, owner: u32, euid: Option<u32>) -> Option<String> {
    if Some(owner) == euid && mode & 0o077 != 0 {
        Some(format!(
            "mode {mode:04o}: group or world access; libpq requires u=rw (0600) or less for a key owned by the current user"
        ))
    } else if owner == 0 && mode & 0o037 != 0 {
        Some(format!(
            "mode {mode:04o}, owned by root: libpq requires u=rw,g=r (0640) or less for a key owned by root"
        ))
    } else {
        None
    }
}

/// The process's effective user id, from /proc (Linux); `None` elsewhere.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Whether a certificate whose chain has these issuers is one the server's
/// CertificateRequest names (an empty list accepts any CA).
pub fn issuer_accepted(issuers_der: &[Vec<u8>], acceptable_der: &[Vec<u8>]) -> bool {
    acceptable_der.is_empty() || issuers_der.iter().any(|i| acceptable_der.contains(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_key_permission_rule() {
        assert_eq!(key_permission_problem(0o600, 1000, Some(1000)), None);
        assert_eq!(key_permission_problem(0o400, 1000, Some(1000)), None);
        assert!(key_permission_problem(0o640, 1000, Some(1000)).is_some());
        assert!(key_permission_problem(0o644, 1000, Some(1000)).is_some());
        assert_eq!(key_permission_problem(0o640, 0, Some(1000)), None);
        assert!(key_permission_problem(0o644, 0, Some(1000)).is_some());
        // Someone else's file: libpq does not check it.
        assert_eq!(key_permission_problem(0o644, 1001, Some(1000)), None);
    }

    #[test]
    fn issuer_matching() {
        assert!(issuer_accepted(&[b"a".to_vec()], &[]));
        assert!(issuer_accepted(
            &[b"a".to_vec()],
            &[b"b".to_vec(), b"a".to_vec()]
        ));
        assert!(!issuer_accepted(&[b"a".to_vec()], &[b"b".to_vec()]));
    }
}
