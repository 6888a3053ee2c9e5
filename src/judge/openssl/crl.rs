//! CRL checking (X509_V_FLAG_CRL_CHECK, and CRL_CHECK_ALL for the whole
//! chain) for the plain shape: a full CRL whose issuer is the certificate's
//! issuer, signed by the issuer's key. Indirect, delta, partitioned (IDP,
//! reasons) CRLs and CRLs by another key are not modelled.

use super::cert::{self, Cert, SigAlg};
use super::der;
use super::error::{fail, not_modelled, Code, Refusal};
use super::ext::{self, Akid};
use super::name::{self, Name};
use super::sig;
use super::CrlPolicy;

struct Crl {
    tbs: Vec<u8>,
    sig_alg: SigAlg,
    signature: Vec<u8>,
    issuer: Name,
    this_update: i64,
    next_update: Option<i64>,
    /// (serial contents, reason is removeFromCRL)
    revoked: Vec<(Vec<u8>, bool)>,
    akid: Option<Akid>,
    unhandled_critical: bool,
}

const AKID: &[u8] = &[0x55, 0x1d, 0x23];
const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const REASON: &[u8] = &[0x55, 0x1d, 0x15];
const IDP: &[u8] = &[0x55, 0x1d, 0x1c];
const DELTA: &[u8] = &[0x55, 0x1d, 0x1b];
const FRESHEST: &[u8] = &[0x55, 0x1d, 0x2e];
const INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];

/// check_revocation for the certificates `policy` covers.
pub(crate) fn check(
    chain: &[&Cert],
    crls: &[&[u8]],
    at: i64,
    policy: CrlPolicy,
) -> Result<(), Refusal> {
    let parsed = crls
        .iter()
        .map(|d| parse(d).ok_or(()))
        .collect::<Result<Vec<_>, _>>()
        .or_else(|_| {
            not_modelled("a CRL of a shape the model does not read (delta, indirect, partitioned)")
        })?;
    let last = match policy {
        CrlPolicy::WholeChainStrict => chain.len() - 1,
        CrlPolicy::LeafStrict | CrlPolicy::LeafLenient => 0,
    };
    for i in 0..=last {
        let x = chain[i];
        if x.ext.crldp_partitioned {
            return not_modelled("a CRL distribution point with reasons or a cRLIssuer");
        }
        let issuer = chain[(i + 1).min(chain.len() - 1)];
        let candidates: Vec<&Crl> = parsed
            .iter()
            .filter(|c| c.issuer.canon == x.issuer.canon)
            .collect();
        let Some(crl) = best(&candidates, issuer, at) else {
            if policy == CrlPolicy::LeafLenient {
                continue;
            }
            return fail(Code::UnableToGetCrl, i);
        };
        one(x, crl, issuer, at, i)?;
    }
    Ok(())
}

/// get_crl_sk: the CRL with the best score (valid now, by this issuer's
/// key), the newest of equals.
fn best<'a>(candidates: &[&'a Crl], issuer: &Cert, at: i64) -> Option<&'a Crl> {
    let score = |c: &Crl| {
        let timely = c.this_update <= at && c.next_update.is_none_or(|n| n > at);
        (timely as u8) * 2 + ext::akid_fits(c.akid.as_ref(), issuer) as u8
    };
    let mut pick: Option<&Crl> = None;
    for &c in candidates {
        let better = match pick {
            None => true,
            Some(p) => {
                score(c) > score(p) || (score(c) == score(p) && c.this_update > p.this_update)
            }
        };
        if better {
            pick = Some(c);
        }
    }
    pick
}

/// check_crl then cert_crl for one certificate.
fn one(x: &Cert, crl: &Crl, issuer: &Cert, at: i64, depth: usize) -> Result<(), Refusal> {
    if !ext::akid_fits(crl.akid.as_ref(), issuer) {
        return not_modelled("a CRL signed by another key than the certificate's issuer");
    }
    if issuer
        .ext
        .key_usage
        .is_some_and(|k| k & ext::KU_CRL_SIGN == 0)
    {
        return fail(Code::KeyusageNoCrlSign, depth);
    }
    if crl.this_update > at {
        return fail(Code::CrlNotYetValid, depth);
    }
    if crl.next_update.is_some_and(|n| n <= at) {
        return fail(Code::CrlHasExpired, depth);
    }
    if !sig::signed_by(&crl.tbs, crl.sig_alg, &crl.signature, issuer)? {
        return fail(Code::CrlSignatureFailure, depth);
    }
    if crl.unhandled_critical {
        return fail(Code::UnhandledCriticalCrlExtension, depth);
    }
    if crl
        .revoked
        .iter()
        .any(|(s, removed)| *s == x.serial && !removed)
    {
        return fail(Code::CertRevoked, depth);
    }
    Ok(())
}

fn parse(der_bytes: &[u8]) -> Option<Crl> {
    let outer = der::single(der_bytes).filter(|t| t.tag == 0x30)?;
    let [tbs, alg, sig] = der::children(outer.content)?[..] else {
        return None;
    };
    let mut fields = der::children(tbs.content)?.into_iter().peekable();
    if fields.peek()?.tag == 0x02 {
        fields.next();
    }
    let tbs_alg = fields.next().filter(|t| t.tag == 0x30)?;
    if tbs_alg.raw != alg.raw {
        return None;
    }
    let issuer = name::parse(fields.next()?.raw)?;
    let this_update = cert::time(fields.next()?)?;
    let mut crl = Crl {
        tbs: tbs.raw.to_vec(),
        sig_alg: cert::sig_alg_of(alg),
        signature: der::bit_string_bytes(sig.content)?.to_vec(),
        issuer,
        this_update,
        next_update: None,
        revoked: Vec::new(),
        akid: None,
        unhandled_critical: false,
    };
    for f in fields {
        match f.tag {
            0x17 | 0x18 => crl.next_update = Some(cert::time(f)?),
            0x30 => crl.revoked = revoked(f, &mut crl.unhandled_critical)?,
            0xa0 => crl_extensions(der::single(f.content)?, &mut crl)?,
            _ => return None,
        }
    }
    Some(crl)
}

fn revoked(list: der::Tlv<'_>, critical: &mut bool) -> Option<Vec<(Vec<u8>, bool)>> {
    let mut out = Vec::new();
    for entry in der::children(list.content)? {
        let parts = der::children(entry.content)?;
        let serial = parts.first().filter(|t| t.tag == 0x02)?.content.to_vec();
        let mut removed = false;
        if let Some(exts) = parts.get(2) {
            for e in der::children(exts.content)? {
                let (oid, crit, value) = extension(e)?;
                match oid {
                    REASON => removed = der::single(value)?.content == [8],
                    INVALIDITY_DATE => {}
                    _ => return None, // certificateIssuer (indirect CRLs) or unknown
                }
                *critical |= crit;
            }
        }
        out.push((serial, removed));
    }
    Some(out)
}

fn crl_extensions(exts: der::Tlv<'_>, crl: &mut Crl) -> Option<()> {
    for e in der::children(exts.content)? {
        let (oid, crit, value) = extension(e)?;
        match oid {
            AKID => crl.akid = Some(akid(value)?),
            CRL_NUMBER => {}
            // issuingDistributionPoint, deltaCRLIndicator, freshestCRL: not modelled.
            IDP | DELTA | FRESHEST => return None,
            _ => crl.unhandled_critical |= crit,
        }
    }
    Some(())
}

fn extension(e: der::Tlv<'_>) -> Option<(&[u8], bool, &[u8])> {
    let parts = der::children(e.content)?;
    let oid = parts.first().filter(|t| t.tag == 0x06)?.content;
    match &parts[1..] {
        [v] if v.tag == 0x04 => Some((oid, false, v.content)),
        [c, v] if c.tag == 0x01 && v.tag == 0x04 => {
            Some((oid, c.content.first().is_some_and(|&b| b != 0), v.content))
        }
        _ => None,
    }
}

fn akid(value: &[u8]) -> Option<Akid> {
    let v = der::single(value).filter(|t| t.tag == 0x30)?;
    let mut a = Akid {
        keyid: None,
        issuer: None,
        serial: None,
    };
    for f in der::children(v.content)? {
        match f.tag {
            0x80 => a.keyid = Some(f.content.to_vec()),
            _ => return None, // by issuer and serial: not modelled
        }
    }
    Some(a)
}
