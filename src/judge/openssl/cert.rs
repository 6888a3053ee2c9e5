//! A certificate as X509_verify_cert sees it: the raw pieces it compares
//! (names canonicalised, algorithm identifiers as encoded), its key and
//! signature algorithm, and the extension flags `ossl_x509v3_cache_extensions`
//! caches (`ext.rs`). Parsed from DER here, byte by byte, so that what the
//! model compares is what OpenSSL compares.

use super::der::{self, Tlv};
use super::ext::{self, Extensions};
use super::name::{self, Name};

/// A digest, as far as the security level and the signature check care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// X509_get_signature_info's security bits for a digest.
    pub fn security_bits(self) -> u32 {
        match self {
            Hash::Md5 => 39,
            Hash::Sha1 => 63,
            Hash::Sha224 => 112,
            Hash::Sha256 => 128,
            Hash::Sha384 => 192,
            Hash::Sha512 => 256,
        }
    }
}

/// A signature algorithm: the OID (and for RSA-PSS its parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigAlg {
    RsaPkcs1(Hash),
    /// RSASSA-PSS; `standard` when MGF1 uses the same digest and the salt is its length.
    RsaPss {
        hash: Hash,
        standard: bool,
    },
    Ecdsa(Hash),
    Ed25519,
    Ed448,
    Dsa(Hash),
    Unknown,
}

/// The kind of a public key, as `EVP_PKEY_is_a` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa {
        bits: usize,
    },
    RsaPss {
        bits: usize,
    },
    /// A named curve (`None`: one we do not know) or explicit parameters.
    Ec {
        curve: Option<Curve>,
        explicit: bool,
    },
    Ed25519,
    Ed448,
    Dsa,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub der: Vec<u8>,
    pub tbs: Vec<u8>,
    pub version: u8,
    /// The serial number's contents octets.
    pub serial: Vec<u8>,
    /// The AlgorithmIdentifier inside and outside the TBS, as encoded.
    pub tbs_sig_alg_raw: Vec<u8>,
    pub sig_alg_raw: Vec<u8>,
    pub tbs_sig_alg: SigAlg,
    pub sig_alg: SigAlg,
    pub signature: Vec<u8>,
    pub issuer: Name,
    pub subject: Name,
    /// `None`: not in RFC 5280's exact form (OpenSSL's "format error" in the field).
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub key: KeyKind,
    /// The subjectPublicKey bits, as signature verification takes them.
    pub key_bytes: Vec<u8>,
    pub ext: Extensions,
    /// EXFLAG_SI: subject and issuer names are equal.
    pub self_issued: bool,
    /// EXFLAG_SS: self-issued, its AKID fits its own SKID, and its key fits
    /// its signature algorithm (the signature itself is not checked).
    pub self_signed: bool,
}

/// Why a certificate could not be read as OpenSSL reads it.
pub(crate) type ParseError = String;

pub(crate) fn parse(der_bytes: &[u8]) -> Result<Cert, ParseError> {
    let bad = |what: &str| format!("a certificate OpenSSL would read differently ({what})");
    let outer = der::single(der_bytes)
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| bad("encoding"))?;
    let parts = der::children(outer.content).ok_or_else(|| bad("encoding"))?;
    let [tbs, sig_alg, sig] = parts[..] else {
        return Err(bad("structure"));
    };
    if sig.tag != 0x03 {
        return Err(bad("signature"));
    }
    let signature = der::bit_string_bytes(sig.content).ok_or_else(|| bad("signature"))?;
    let mut cert = parse_tbs(tbs).ok_or_else(|| bad("TBSCertificate"))?;
    cert.der = der_bytes.to_vec();
    cert.sig_alg_raw = sig_alg.raw.to_vec();
    cert.sig_alg = sig_alg_of(sig_alg);
    cert.signature = signature.to_vec();
    cert.ext = ext::parse(tbs_extensions(tbs).as_ref(), cert.version).map_err(|e| bad(&e))?;
    cert.self_issued = cert.subject.canon == cert.issuer.canon;
    cert.self_signed = cert.self_issued
        && ext::akid_fits(cert.ext.akid.as_ref(), &cert)
        && sig_alg_matches_key(cert.key, cert.tbs_sig_alg);
    Ok(cert)
}

/// The TBS's fields up to the public key.
fn parse_tbs(tbs: Tlv<'_>) -> Option<Cert> {
    let mut fields = der::children(tbs.content)?.into_iter().peekable();
    let version = match fields.peek() {
        Some(t) if t.tag == 0xa0 => {
            let v = der::single(fields.next()?.content)?;
            1 + der::uint(v.content)?.ok()? as u8
        }
        _ => 1,
    };
    let serial = fields.next().filter(|t| t.tag == 0x02)?;
    let alg = fields.next().filter(|t| t.tag == 0x30)?;
    let issuer = name::parse(fields.next()?.raw)?;
    let validity = der::children(fields.next().filter(|t| t.tag == 0x30)?.content)?;
    let subject = name::parse(fields.next()?.raw)?;
    let spki = fields.next().filter(|t| t.tag == 0x30)?;
    let (key, key_bytes) = public_key(spki)?;
    let [nb, na] = validity[..] else { return None };
    Some(Cert {
        der: Vec::new(),
        tbs: tbs.raw.to_vec(),
        version,
        serial: serial.content.to_vec(),
        tbs_sig_alg_raw: alg.raw.to_vec(),
        sig_alg_raw: Vec::new(),
        tbs_sig_alg: sig_alg_of(alg),
        sig_alg: SigAlg::Unknown,
        signature: Vec::new(),
        issuer,
        subject,
        not_before: time(nb),
        not_after: time(na),
        key,
        key_bytes,
        ext: Extensions::default(),
        self_issued: false,
        self_signed: false,
    })
}

/// The `[3]` extensions of a TBS (contents of the SEQUENCE), if any.
fn tbs_extensions(tbs: Tlv<'_>) -> Option<Vec<u8>> {
    let fields = der::children(tbs.content)?;
    let exts = fields.iter().find(|t| t.tag == 0xa3)?;
    let seq = der::single(exts.content).filter(|t| t.tag == 0x30)?;
    Some(seq.content.to_vec())
}

/// A UTCTime or GeneralizedTime in RFC 5280's exact form, as Unix seconds
/// (X509_cmp_time refuses any other form).
pub(crate) fn time(t: Tlv<'_>) -> Option<i64> {
    let (year_digits, s) = match (t.tag, t.content.len()) {
        (0x17, 13) => (2, t.content),
        (0x18, 15) => (4, t.content),
        _ => return None,
    };
    let (digits, z) = s.split_at(s.len() - 1);
    if z != b"Z" || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        digits[r]
            .iter()
            .fold(0i64, |a, &d| a * 10 + (d - b'0') as i64)
    };
    let mut year = num(0..year_digits);
    if year_digits == 2 {
        year += if year >= 50 { 1900 } else { 2000 };
    }
    let o = year_digits;
    let (month, day) = (num(o..o + 2), num(o + 2..o + 4));
    let (h, m, sec) = (num(o + 4..o + 6), num(o + 6..o + 8), num(o + 8..o + 10));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const ED448: &[u8] = &[0x2b, 0x65, 0x71];
const DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];

/// A SubjectPublicKeyInfo's key kind and key bits.
fn public_key(spki: Tlv<'_>) -> Option<(KeyKind, Vec<u8>)> {
    let [alg, bits] = der::children(spki.content)?[..] else {
        return None;
    };
    let alg_parts = der::children(alg.content)?;
    let oid = alg_parts.first().filter(|t| t.tag == 0x06)?.content;
    let params = alg_parts.get(1);
    let key = der::bit_string_bytes(bits.content)?.to_vec();
    let kind = match oid {
        RSA => KeyKind::Rsa {
            bits: rsa_bits(&key)?,
        },
        RSA_PSS => KeyKind::RsaPss {
            bits: rsa_bits(&key)?,
        },
        EC => KeyKind::Ec {
            curve: params
                .filter(|p| p.tag == 0x06)
                .and_then(|p| curve(p.content)),
            explicit: params.is_some_and(|p| p.tag == 0x30),
        },
        ED25519 => KeyKind::Ed25519,
        ED448 => KeyKind::Ed448,
        DSA => KeyKind::Dsa,
        _ => KeyKind::Unknown,
    };
    Some((kind, key))
}

fn curve(oid: &[u8]) -> Option<Curve> {
    match oid {
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => Some(Curve::P256),
        [0x2b, 0x81, 0x04, 0x00, 0x22] => Some(Curve::P384),
        [0x2b, 0x81, 0x04, 0x00, 0x23] => Some(Curve::P521),
        _ => None,
    }
}

/// The modulus size of an RSAPublicKey.
fn rsa_bits(key: &[u8]) -> Option<usize> {
    let seq = der::single(key).filter(|t| t.tag == 0x30)?;
    let n = der::read(seq.content)?.0;
    let digits: Vec<u8> = n.content.iter().copied().skip_while(|&b| b == 0).collect();
    let first = *digits.first()?;
    Some(digits.len() * 8 - first.leading_zeros() as usize)
}

fn hash_of(oid: &[u8]) -> Option<Hash> {
    Some(match oid {
        [0x2b, 0x0e, 0x03, 0x02, 0x1a] => Hash::Sha1,
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, n] => match n {
            1 => Hash::Sha256,
            2 => Hash::Sha384,
            3 => Hash::Sha512,
            4 => Hash::Sha224,
            _ => return None,
        },
        _ => return None,
    })
}

/// A signature AlgorithmIdentifier's algorithm.
pub(crate) fn sig_alg_of(alg: Tlv<'_>) -> SigAlg {
    let Some(parts) = der::children(alg.content) else {
        return SigAlg::Unknown;
    };
    let Some(oid) = parts.first().filter(|t| t.tag == 0x06) else {
        return SigAlg::Unknown;
    };
    match oid.content {
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, n] => match n {
            4 => SigAlg::RsaPkcs1(Hash::Md5),
            5 => SigAlg::RsaPkcs1(Hash::Sha1),
            11 => SigAlg::RsaPkcs1(Hash::Sha256),
            12 => SigAlg::RsaPkcs1(Hash::Sha384),
            13 => SigAlg::RsaPkcs1(Hash::Sha512),
            14 => SigAlg::RsaPkcs1(Hash::Sha224),
            10 => pss(parts.get(1)),
            _ => SigAlg::Unknown,
        },
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01] => SigAlg::Ecdsa(Hash::Sha1),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, n] => match n {
            1 => SigAlg::Ecdsa(Hash::Sha224),
            2 => SigAlg::Ecdsa(Hash::Sha256),
            3 => SigAlg::Ecdsa(Hash::Sha384),
            4 => SigAlg::Ecdsa(Hash::Sha512),
            _ => SigAlg::Unknown,
        },
        ED25519 => SigAlg::Ed25519,
        ED448 => SigAlg::Ed448,
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03] => SigAlg::Dsa(Hash::Sha1),
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 2] => SigAlg::Dsa(Hash::Sha256),
        _ => SigAlg::Unknown,
    }
}

/// RSASSA-PSS parameters: the digest, and whether MGF1 and the salt are the usual ones.
fn pss(params: Option<&Tlv<'_>>) -> SigAlg {
    let fields = params
        .filter(|p| p.tag == 0x30)
        .and_then(|p| der::children(p.content))
        .unwrap_or_default();
    let field = |tag: u8| {
        fields
            .iter()
            .find(|f| f.tag == tag)
            .and_then(|f| der::single(f.content))
    };
    let alg_hash = |t: Tlv<'_>| {
        der::children(t.content)
            .and_then(|c| c.first().copied())
            .and_then(|o| hash_of(o.content))
    };
    // Absent fields mean SHA-1, MGF1 with SHA-1, a salt of 20.
    let hash = field(0xa0).map_or(Some(Hash::Sha1), alg_hash);
    let mgf_hash = field(0xa1).map_or(Some(Hash::Sha1), |mgf| {
        der::children(mgf.content)
            .and_then(|c| c.get(1).copied())
            .and_then(alg_hash)
    });
    let salt = field(0xa2).map_or(Some(20), |s| der::uint(s.content).and_then(Result::ok));
    match hash {
        Some(hash) => {
            let len = match hash {
                Hash::Sha1 => 20,
                Hash::Sha224 => 28,
                Hash::Sha256 => 32,
                Hash::Sha384 => 48,
                Hash::Sha512 => 64,
                Hash::Md5 => 16,
            };
            SigAlg::RsaPss {
                hash,
                standard: mgf_hash == Some(hash) && salt == Some(len),
            }
        }
        None => SigAlg::Unknown,
    }
}

/// check_sig_alg_match: the issuer's key is of the kind the subject's
/// signature algorithm names (an RSA key also fits RSA-PSS).
pub(crate) fn sig_alg_matches_key(key: KeyKind, alg: SigAlg) -> bool {
    matches!(
        (key, alg),
        (
            KeyKind::Rsa { .. },
            SigAlg::RsaPkcs1(_) | SigAlg::RsaPss { .. }
        ) | (KeyKind::RsaPss { .. }, SigAlg::RsaPss { .. })
            | (KeyKind::Ec { .. }, SigAlg::Ecdsa(_))
            | (KeyKind::Ed25519, SigAlg::Ed25519)
            | (KeyKind::Ed448, SigAlg::Ed448)
            | (KeyKind::Dsa, SigAlg::Dsa(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_exact_form_only() {
        let t = |tag: u8, s: &str| {
            let enc = der::encode(tag, s.as_bytes());
            time(der::single(&enc).unwrap())
        };
        assert_eq!(t(0x17, "700101000000Z"), Some(0));
        assert_eq!(t(0x17, "491231235959Z"), Some(2524607999));
        assert_eq!(t(0x18, "20240229120000Z"), Some(1709208000));
        assert_eq!(t(0x17, "7001010000Z"), None);
        assert_eq!(t(0x17, "700101000000+0000"), None);
    }
}
