//! Facts about an OCSP response (stapled, or fetched from a responder):
//! what it says, about which certificate, when, and who signed it. Whether
//! it is trustworthy and fresh is decided in `judge::revocation`.

use der::{Decode, Encode};
use serde::Serialize;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId};

use super::rfc3339;

/// One OCSP response.
#[derive(Debug, Clone, Serialize)]
pub struct OcspResponseFacts {
    /// `stapled` or `responder`.
    pub source: &'static str,
    /// The responder's URL, for a fetched response.
    pub url: Option<String>,
    /// `successful`, `malformed-request`, `internal-error`, `try-later`, `sig-required`, `unauthorized`.
    pub response_status: String,
    pub produced_at: Option<String>,
    /// The responder, by name or as the SHA-1 hash of its key.
    pub responder: Option<String>,
    pub responses: Vec<SingleResponseFacts>,
    /// How many certificates the response carries (a delegated responder's).
    pub included_certificates: usize,
    pub parse_error: Option<String>,
    #[serde(skip)]
    pub signed: Option<SignedParts>,
}

/// What is needed to check the response's signature.
#[derive(Debug, Clone)]
pub struct SignedParts {
    pub tbs_der: Vec<u8>,
    /// The DER of the AlgorithmIdentifier.
    pub algorithm_der: Vec<u8>,
    pub signature: Vec<u8>,
    pub certificates_der: Vec<Vec<u8>>,
    pub responder_name_der: Option<Vec<u8>>,
    pub responder_key_hash: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SingleResponseFacts {
    pub serial: String,
    /// `good`, `revoked` or `unknown`.
    pub status: &'static str,
    pub revocation_time: Option<String>,
    pub revocation_reason: Option<String>,
    pub this_update: String,
    pub next_update: Option<String>,
    /// Dotted OID of the CertID hash (1.3.14.3.2.26 is SHA-1).
    pub hash_algorithm: String,
    #[serde(skip)]
    pub cert_id: CertIdParts,
    #[serde(skip)]
    pub this_update_unix: i64,
    #[serde(skip)]
    pub next_update_unix: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct CertIdParts {
    pub hash_oid: String,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    pub serial: Vec<u8>,
}

const BASIC_OCSP: &str = "1.3.6.1.5.5.7.48.1.1";

pub fn parse(der_bytes: &[u8], source: &'static str, url: Option<String>) -> OcspResponseFacts {
    let mut facts = OcspResponseFacts {
        source,
        url,
        response_status: String::new(),
        produced_at: None,
        responder: None,
        responses: Vec::new(),
        included_certificates: 0,
        parse_error: None,
        signed: None,
    };
    let resp = match OcspResponse::from_der(der_bytes) {
        Ok(r) => r,
        Err(e) => {
            facts.parse_error = Some(format!("not an OCSP response: {e}"));
            return facts;
        }
    };
    facts.response_status = match resp.response_status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformed-request",
        OcspResponseStatus::InternalError => "internal-error",
        OcspResponseStatus::TryLater => "try-later",
        OcspResponseStatus::SigRequired => "sig-required",
        OcspResponseStatus::Unauthorized => "unauthorized",
    }
    .into();
    let Some(bytes) = resp.response_bytes else {
        return facts;
    };
    if bytes.response_type.to_string() != BASIC_OCSP {
        facts.parse_error = Some(format!("unsupported response type {}", bytes.response_type));
        return facts;
    }
    let basic = match BasicOcspResponse::from_der(bytes.response.as_bytes()) {
        Ok(b) => b,
        Err(e) => {
            facts.parse_error = Some(format!("unreadable basic OCSP response: {e}"));
            return facts;
        }
    };
    let data = &basic.tbs_response_data;
    facts.produced_at = Some(rfc3339(unix(&data.produced_at.0)));
    let (name_der, key_hash) = match &data.responder_id {
        ResponderId::ByName(name) => {
            facts.responder = Some(name.to_string());
            (name.to_der().ok(), None)
        }
        ResponderId::ByKey(hash) => {
            facts.responder = Some(format!(
                "key SHA-1 {}",
                crate::facts::sniff::hex(hash.as_bytes())
            ));
            (None, Some(hash.as_bytes().to_vec()))
        }
    };
    let certificates_der: Vec<Vec<u8>> = basic
        .certs
        .iter()
        .flatten()
        .filter_map(|c| c.to_der().ok())
        .collect();
    facts.included_certificates = certificates_der.len();
    for single in &data.responses {
        let (status, revocation_time, revocation_reason) = match &single.cert_status {
            CertStatus::Good(_) => ("good", None, None),
            CertStatus::Revoked(info) => (
                "revoked",
                Some(rfc3339(unix(&info.revocation_time.0))),
                info.revocation_reason.map(|r| format!("{r:?}")),
            ),
            CertStatus::Unknown(_) => ("unknown", None, None),
        };
        let id = &single.cert_id;
        let serial = id.serial_number.as_bytes().to_vec();
        let this_update_unix = unix(&single.this_update.0);
        let next_update_unix = single.next_update.as_ref().map(|t| unix(&t.0));
        facts.responses.push(SingleResponseFacts {
            serial: crate::facts::sniff::hex(&serial),
            status,
            revocation_time,
            revocation_reason,
            this_update: rfc3339(this_update_unix),
            next_update: next_update_unix.map(rfc3339),
            hash_algorithm: id.hash_algorithm.oid.to_string(),
            cert_id: CertIdParts {
                hash_oid: id.hash_algorithm.oid.to_string(),
                issuer_name_hash: id.issuer_name_hash.as_bytes().to_vec(),
                issuer_key_hash: id.issuer_key_hash.as_bytes().to_vec(),
                serial,
            },
            this_update_unix,
            next_update_unix,
        });
    }
    match (data.to_der(), basic.signature_algorithm.to_der()) {
        (Ok(tbs_der), Ok(algorithm_der)) => {
            facts.signed = Some(SignedParts {
                tbs_der,
                algorithm_der,
                signature: basic.signature.raw_bytes().to_vec(),
                certificates_der,
                responder_name_der: name_der,
                responder_key_hash: key_hash,
            })
        }
        _ => {
            facts.parse_error = Some("the signed part of the response cannot be re-encoded".into())
        }
    }
    facts
}

fn unix(t: &der::asn1::GeneralizedTime) -> i64 {
    t.to_unix_duration().as_secs() as i64
}
