//! Is an OCSP response about this certificate, signed by someone entitled
//! to sign it, and fresh? And what does it say?

use der::{Decode, Encode};
use serde::Serialize;

use crate::observe::ocsp::{OcspResponseFacts, SingleResponseFacts};
use crate::observe::CertFacts;
use crate::trust::{strip_sequence, IssuerKey};

/// Clock skew allowed on thisUpdate and nextUpdate.
pub const SKEW_SECONDS: i64 = 300;

const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const EKU: &str = "2.5.29.37";

#[derive(Debug, Clone, Serialize)]
pub struct OcspVerdict {
    /// `stapled` or `responder`.
    pub source: &'static str,
    pub url: Option<String>,
    /// Position in the served chain of the certificate the answer is about.
    pub position: usize,
    /// `good`, `revoked`, `unknown`; `None` when the response holds no answer for it.
    pub status: Option<&'static str>,
    pub revocation_time: Option<String>,
    pub revocation_reason: Option<String>,
    pub this_update: Option<String>,
    pub next_update: Option<String>,
    /// The response's CertID names this certificate and its issuer.
    pub about_this_certificate: bool,
    /// `the issuer`, `delegated responder CN=…`, or why none could be established.
    pub signer: Option<String>,
    pub signature_valid: bool,
    /// thisUpdate ≤ now ≤ nextUpdate, within the stated skew.
    pub fresh: bool,
    /// The response can be relied on: about this certificate, validly signed, fresh.
    pub trustworthy: bool,
    pub problems: Vec<String>,
}

pub fn assess(
    resp: &OcspResponseFacts,
    cert: &CertFacts,
    position: usize,
    issuer: Option<&IssuerKey>,
    now_unix: i64,
) -> OcspVerdict {
    let mut v = OcspVerdict::unanswered(resp, position);
    let (single, issuer) = match answer_about(resp, cert, issuer) {
        Ok(found) => found,
        Err(problem) => {
            v.problems.push(problem);
            return v;
        }
    };
    v.take_answer(single);
    v.check_freshness(single, now_unix);
    match signature_check(resp, issuer) {
        Ok(signer) => {
            v.signer = Some(signer);
            v.signature_valid = true;
        }
        Err(why) => v.problems.push(why),
    }
    v.trustworthy = v.about_this_certificate && v.signature_valid && v.fresh;
    v
}

/// The single response about `cert`, with the issuer it can be checked
/// against; or why the response cannot answer for this certificate.
fn answer_about<'r, 'i>(
    resp: &'r OcspResponseFacts,
    cert: &CertFacts,
    issuer: Option<&'i IssuerKey>,
) -> Result<(&'r SingleResponseFacts, &'i IssuerKey), String> {
    if let Some(e) = &resp.parse_error {
        return Err(e.clone());
    }
    if resp.response_status != "successful" {
        return Err(format!(
            "the responder answered {}, not a status",
            resp.response_status
        ));
    }
    let Some(issuer) = issuer else {
        return Err(
            "the issuer's certificate is neither served nor in a trust source, so the response cannot be checked".into(),
        );
    };
    let single = resp
        .responses
        .iter()
        .find(|s| cert_id_matches(s, cert, issuer));
    let Some(single) = single else {
        return Err(format!(
            "the response is about serial {}, not this certificate (serial {})",
            resp.responses
                .iter()
                .map(|s| s.serial.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cert.serial
        ));
    };
    Ok((single, issuer))
}

impl OcspVerdict {
    /// A verdict for a response that has not (yet) been found to answer.
    fn unanswered(resp: &OcspResponseFacts, position: usize) -> OcspVerdict {
        OcspVerdict {
            source: resp.source,
            url: resp.url.clone(),
            position,
            status: None,
            revocation_time: None,
            revocation_reason: None,
            this_update: None,
            next_update: None,
            about_this_certificate: false,
            signer: None,
            signature_valid: false,
            fresh: false,
            trustworthy: false,
            problems: Vec::new(),
        }
    }

    /// What the single response about this certificate says.
    fn take_answer(&mut self, single: &SingleResponseFacts) {
        self.about_this_certificate = true;
        self.status = Some(single.status);
        self.revocation_time = single.revocation_time.clone();
        self.revocation_reason = single.revocation_reason.clone();
        self.this_update = Some(single.this_update.clone());
        self.next_update = single.next_update.clone();
    }

    /// thisUpdate ≤ now ≤ nextUpdate, within [`SKEW_SECONDS`]; each way it
    /// is not is a problem.
    fn check_freshness(&mut self, single: &SingleResponseFacts, now_unix: i64) {
        self.fresh = single.this_update_unix <= now_unix + SKEW_SECONDS
            && single
                .next_update_unix
                .is_none_or(|next| now_unix <= next + SKEW_SECONDS);
        if single.this_update_unix > now_unix + SKEW_SECONDS {
            self.problems.push(format!(
                "thisUpdate {} is in the future (allowing {} s of skew)",
                single.this_update, SKEW_SECONDS
            ));
        }
        if let (Some(next), Some(text)) = (single.next_update_unix, &single.next_update) {
            if now_unix > next + SKEW_SECONDS {
                self.problems.push(format!(
                    "stale: nextUpdate {text} has passed (allowing {SKEW_SECONDS} s of skew)"
                ));
            }
        }
    }
}

fn cert_id_matches(s: &SingleResponseFacts, cert: &CertFacts, issuer: &IssuerKey) -> bool {
    let id = &s.cert_id;
    if trim_zeros(&id.serial) != trim_zeros(&cert.serial_der) {
        return false;
    }
    let Some(key_bits) = key_bits(&issuer.spki_der) else {
        return false;
    };
    let hash = |data: &[u8]| -> Option<Vec<u8>> {
        let alg = match id.hash_oid.as_str() {
            SHA1 => &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            SHA256 => &aws_lc_rs::digest::SHA256,
            _ => return None,
        };
        Some(aws_lc_rs::digest::digest(alg, data).as_ref().to_vec())
    };
    hash(&cert.issuer_der).as_deref() == Some(&id.issuer_name_hash[..])
        && hash(&key_bits).as_deref() == Some(&id.issuer_key_hash[..])
}

fn trim_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&c| c != 0).unwrap_or(b.len());
    &b[first..]
}

/// The subjectPublicKey bits of a SubjectPublicKeyInfo.
pub fn key_bits(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    Some(spki.subject_public_key.raw_bytes().to_vec())
}

/// Who signed the response: the issuer itself, or a responder certificate
/// the issuer delegated OCSP signing to (id-kp-OCSPSigning).
fn signature_check(resp: &OcspResponseFacts, issuer: &IssuerKey) -> Result<String, String> {
    let signed = resp
        .signed
        .as_ref()
        .ok_or("the response carries no signed data")?;
    if verify_signature(
        &signed.algorithm_der,
        &signed.tbs_der,
        &signed.signature,
        &issuer.spki_der,
    )
    .is_ok()
    {
        return Ok("the issuer".into());
    }
    for der in &signed.certificates_der {
        let Ok(cert) = x509_cert::Certificate::from_der(der) else {
            continue;
        };
        let tbs = &cert.tbs_certificate;
        let subject = tbs.subject.to_string();
        let issuer_name = tbs.issuer.to_der().unwrap_or_default();
        if issuer_name != issuer.name_der {
            continue;
        }
        let delegated = tbs.extensions.iter().flatten().any(|ext| {
            ext.extn_id.to_string() == EKU
                && x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                    .is_ok_and(|eku| eku.0.iter().any(|oid| oid.to_string() == OCSP_SIGNING))
        });
        if !delegated {
            continue;
        }
        let (Ok(cert_tbs), Ok(cert_alg), Ok(spki)) = (
            tbs.to_der(),
            cert.signature_algorithm.to_der(),
            tbs.subject_public_key_info.to_der(),
        ) else {
            continue;
        };
        let issued_by_issuer = verify_signature(
            &cert_alg,
            &cert_tbs,
            cert.signature.raw_bytes(),
            &issuer.spki_der,
        )
        .is_ok();
        if !issued_by_issuer {
            return Err(format!(
                "the responder certificate {subject} was not issued by the certificate's issuer"
            ));
        }
        return match verify_signature(
            &signed.algorithm_der,
            &signed.tbs_der,
            &signed.signature,
            &spki,
        ) {
            Ok(()) => Ok(format!("delegated responder {subject}")),
            Err(e) => Err(format!("the signature by {subject} does not verify: {e}")),
        };
    }
    Err("the signature is neither the issuer's nor a delegated responder's (a responder certificate with id-kp-OCSPSigning issued by the issuer)".into())
}

/// Verify `signature` over `message` with the key in `signer_spki_der`, for
/// the algorithm in `algorithm_der`, using the same algorithms rustls does.
pub fn verify_signature(
    algorithm_der: &[u8],
    message: &[u8],
    signature: &[u8],
    signer_spki_der: &[u8],
) -> Result<(), String> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(signer_spki_der)
        .map_err(|e| format!("unreadable key: {e}"))?;
    let key_alg = spki.algorithm.to_der().map_err(|e| e.to_string())?;
    let key = spki.subject_public_key.raw_bytes();
    let sig_alg = strip_sequence(algorithm_der);
    let key_alg = strip_sequence(&key_alg);
    let algorithms = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all;
    let mut matched = false;
    for alg in algorithms {
        if alg.signature_alg_id().as_ref() == sig_alg && alg.public_key_alg_id().as_ref() == key_alg
        {
            matched = true;
            if alg.verify_signature(key, message, signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(if matched {
        "the signature does not verify".into()
    } else {
        "unsupported signature algorithm".into()
    })
}
