//! Where certificate policies split: what Debian's OpenSSL 3 at its default
//! security level (libpq, the MySQL/MariaDB clients, Python and so PyMongo)
//! decides about a weak or old-fashioned chain, against what webpki (rustls)
//! decides. Named per certificate so the report can say who will refuse it.
//!
//! The OpenSSL side is checked against `openssl verify` in
//! `tests/compat.rs`.

use serde::Serialize;

use crate::observe::CertFacts;

#[derive(Debug, Clone, Serialize)]
pub struct PolicyNote {
    /// `rsa-key-under-2048`, `sha1-signature`, `x509-v1`, `ca-without-basic-constraints`.
    pub id: &'static str,
    /// Position of the certificate in the served chain.
    pub position: usize,
    pub subject: String,
    /// The certificate's RSA key size, for stacks with other floors.
    #[serde(skip)]
    pub key_bits: Option<usize>,
    /// Debian's OpenSSL 3 at security level 2 accepts it.
    pub openssl3_accepts: bool,
    /// webpki (rustls) accepts it.
    pub webpki_accepts: bool,
    /// Who else is known to decide which way, in words.
    pub others: &'static str,
}

impl PolicyNote {
    /// The two stacks decide differently.
    pub fn splits(&self) -> bool {
        self.openssl3_accepts != self.webpki_accepts
    }
}

/// SHA-1 signature algorithms x509-parser may print as bare OIDs:
/// sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1.
const SHA1_SIGNATURE_OIDS: &[&str] = &[
    "1.2.840.113549.1.1.5",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
];

pub fn notes(chain: &[CertFacts]) -> Vec<PolicyNote> {
    let mut out = Vec::new();
    for c in chain.iter().filter(|c| c.parse_error.is_none()) {
        let note = |id, openssl3_accepts, webpki_accepts, others| PolicyNote {
            id,
            position: c.position,
            subject: c.subject.clone(),
            key_bits: c.key_bits,
            openssl3_accepts,
            webpki_accepts,
            others,
        };
        if c.key_type == "RSA" && c.key_bits.is_some_and(|b| b < 2048) {
            out.push(note(
                "rsa-key-under-2048",
                false,
                false,
                "older stacks accept it: OpenSSL 1.1 at security level 1, Java 8, Go up to 1.23",
            ));
        }
        // A self-signed root's own signature is never checked.
        let sha1 = c.signature_algorithm.to_ascii_lowercase().contains("sha1")
            || SHA1_SIGNATURE_OIDS.contains(&c.signature_algorithm.as_str());
        if sha1 && !c.self_issued {
            out.push(note(
                "sha1-signature",
                false,
                false,
                "Go ≥ 1.18 refuses it too; OpenSSL 1.1 at security level 1 and older Java accept it",
            ));
        }
        if c.version == 1 {
            // OpenSSL 3 takes a v1 leaf or self-signed root, never a v1
            // intermediate ("invalid CA certificate"; tests/openssl_model.rs).
            let intermediate = c.position > 0 && !c.self_issued;
            out.push(note(
                "x509-v1",
                !intermediate,
                false,
                if intermediate {
                    "OpenSSL 3 refuses a v1 intermediate (invalid CA certificate), as rustls, Go and Java do"
                } else {
                    "OpenSSL-based clients (psql, mysql, mariadb, PyMongo) accept it; rustls-based clients refuse it"
                },
            ));
        }
        if c.position > 0 && c.is_ca.is_none() && !c.self_issued && c.version == 3 {
            // OpenSSL 3.0 applies X509_STRICT's rule to intermediates: only
            // basicConstraints CA:TRUE makes one (tests/openssl_model.rs).
            out.push(note(
                "ca-without-basic-constraints",
                false,
                false,
                "OpenSSL 3 refuses such an intermediate (invalid CA certificate) even when its keyUsage allows certificate signing, as rustls, Go and Java do; OpenSSL 1.1 accepted it",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(f: impl FnOnce(&mut CertFacts)) -> CertFacts {
        let mut c = CertFacts {
            key_type: "EC P-256".into(),
            version: 3,
            signature_algorithm: "ecdsa-with-SHA256".into(),
            ..CertFacts::default()
        };
        f(&mut c);
        c
    }

    #[test]
    fn weak_and_old_certificates_are_named() {
        let chain = vec![
            facts(|c| {
                c.key_type = "RSA".into();
                c.key_bits = Some(1024);
                c.signature_algorithm = "sha1WithRSAEncryption".into();
            }),
            facts(|c| {
                c.position = 1;
                c.version = 1;
                c.self_issued = true;
            }),
        ];
        let ids: Vec<&str> = notes(&chain).iter().map(|n| n.id).collect();
        assert_eq!(ids, vec!["rsa-key-under-2048", "sha1-signature", "x509-v1"]);
        assert!(notes(&chain)[2].splits(), "a v1 root: OpenSSL takes it");
        let v1_intermediate = facts(|c| {
            c.position = 1;
            c.version = 1;
        });
        assert!(
            !notes(&[v1_intermediate])[0].splits(),
            "OpenSSL 3 refuses it too"
        );
    }

    #[test]
    fn a_modern_chain_has_no_notes() {
        assert!(notes(&[
            facts(|_| {}),
            facts(|c| {
                c.position = 1;
                c.is_ca = Some(true);
            })
        ])
        .is_empty());
    }
}
