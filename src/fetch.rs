//! Active revocation checks: ask OCSP responders and download CRLs named in
//! the served certificates. Network I/O, so it is a step of its own; what
//! comes back is recorded as facts and judged in `judge::revocation`.
//!
//! OCSP and CRL distribution points are plain HTTP by convention (RFC 5019,
//! RFC 5280); ureq does the HTTP, with a time limit and a size limit.

use std::time::Duration;

use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{CertId, OcspRequest, Request, TbsRequest};

use crate::observe::{ocsp, CertFacts, CrlDownload, OcspQuery};
use crate::trust::IssuerKey;

/// Larger answers are refused: OCSP responses are a few KiB, CRLs rarely
/// above a few MiB.
const MAX_OCSP_BYTES: u64 = 64 * 1024;
const MAX_CRL_BYTES: u64 = 16 * 1024 * 1024;

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .new_agent()
}

fn http(url: &str, body: Option<&[u8]>, limit: u64, timeout: Duration) -> Result<Vec<u8>, String> {
    if !url.starts_with("http://") {
        return Err(format!(
            "{url}: only http:// URLs are fetched (OCSP and CRL endpoints use plain HTTP)"
        ));
    }
    let agent = agent(timeout);
    let response = match body {
        Some(b) => agent
            .post(url)
            .header("Content-Type", "application/ocsp-request")
            .send(b),
        None => agent.get(url).call(),
    };
    let mut response = response.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}"));
    }
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| format!("{url}: {e}"))
}

/// DER of an OCSP request for `cert`, issued by `issuer` (SHA-1 CertID, as
/// responders universally accept).
pub fn ocsp_request(cert: &CertFacts, issuer: &IssuerKey) -> Result<Vec<u8>, String> {
    let sha1 = |d: &[u8]| {
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, d)
            .as_ref()
            .to_vec()
    };
    let key =
        crate::judge::revocation::key_bits(&issuer.spki_der).ok_or("unreadable issuer key")?;
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(sha1(&cert.issuer_der)).map_err(|e| e.to_string())?,
        issuer_key_hash: OctetString::new(sha1(&key)).map_err(|e| e.to_string())?,
        serial_number: SerialNumber::from_der(&serial_der(&cert.serial_der))
            .map_err(|e| e.to_string())?,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(|e| e.to_string())
}

/// An INTEGER's DER from the serial's content bytes.
fn serial_der(content: &[u8]) -> Vec<u8> {
    let mut v = vec![0x02, content.len() as u8];
    v.extend_from_slice(content);
    v
}

/// Ask the responder named in the certificate's AIA.
pub fn query_ocsp(cert: &CertFacts, issuer: Option<&IssuerKey>, timeout: Duration) -> OcspQuery {
    let url = cert.aia_ocsp.first().cloned();
    let mut q = OcspQuery {
        position: cert.position,
        url: url.clone(),
        response: None,
        error: None,
    };
    let Some(url) = url else {
        q.error = Some("the certificate names no OCSP responder".into());
        return q;
    };
    let Some(issuer) = issuer else {
        q.error = Some(
            "the issuer is neither served nor in a trust source, so no request can be made".into(),
        );
        return q;
    };
    match ocsp_request(cert, issuer).and_then(|req| http(&url, Some(&req), MAX_OCSP_BYTES, timeout))
    {
        Ok(body) => q.response = Some(ocsp::parse(&body, "responder", Some(url))),
        Err(e) => q.error = Some(e),
    }
    q
}

/// Download the CRLs a certificate's distribution points name.
pub fn download_crls(cert: &CertFacts, timeout: Duration) -> Vec<CrlDownload> {
    cert.crl_urls
        .iter()
        .map(|url| match http(url, None, MAX_CRL_BYTES, timeout) {
            Ok(der) => CrlDownload {
                position: cert.position,
                url: url.clone(),
                bytes: der.len(),
                error: None,
                der,
            },
            Err(e) => CrlDownload {
                position: cert.position,
                url: url.clone(),
                bytes: 0,
                error: Some(e),
                der: Vec::new(),
            },
        })
        .collect()
}
