//! The extensions X509_verify_cert acts on, read as
//! `ossl_x509v3_cache_extensions` caches them: basicConstraints, keyUsage
//! (OpenSSL's bit layout), extendedKeyUsage (serverAuth and the SGC OIDs),
//! nsCertType, SKID/AKID, subjectAltName, nameConstraints, and whether a
//! critical extension is one OpenSSL does not handle. An extension OpenSSL
//! would fail to decode (EXFLAG_INVALID) is an error here: not modelled.

use super::cert::Cert;
use super::der::{self, Tlv};
use super::name::{self, Name};

pub(crate) const KU_DIGITAL_SIGNATURE: u16 = 0x80;
pub(crate) const KU_KEY_ENCIPHERMENT: u16 = 0x20;
pub(crate) const KU_KEY_AGREEMENT: u16 = 0x08;
pub(crate) const KU_KEY_CERT_SIGN: u16 = 0x04;
pub(crate) const KU_CRL_SIGN: u16 = 0x02;
/// nsCertType bits.
pub(crate) const NS_SSL_SERVER: u8 = 0x40;
pub(crate) const NS_SSL_CA: u8 = 0x04;
pub(crate) const NS_ANY_CA: u8 = 0x07;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Basic {
    pub ca: bool,
    pub pathlen: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Eku {
    /// serverAuth, or Microsoft's or Netscape's server-gated crypto (XKU_SSL_SERVER | XKU_SGC).
    pub server: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Akid {
    pub keyid: Option<Vec<u8>>,
    /// The first directoryName of authorityCertIssuer (the only one OpenSSL looks at).
    pub issuer: Option<Name>,
    pub serial: Option<Vec<u8>>,
}

/// A GeneralName, its value as encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GeneralName {
    Email(Vec<u8>),
    Dns(Vec<u8>),
    Dir(Name),
    Uri(Vec<u8>),
    Ip(Vec<u8>),
    /// otherName, x400Address, ediPartyName, registeredID: the CHOICE's tag number.
    Other(u8),
}

impl GeneralName {
    /// The CHOICE's tag number (GEN_EMAIL = 1, GEN_DNS = 2, …).
    pub fn kind(&self) -> u8 {
        match self {
            GeneralName::Email(_) => 1,
            GeneralName::Dns(_) => 2,
            GeneralName::Dir(_) => 4,
            GeneralName::Uri(_) => 6,
            GeneralName::Ip(_) => 7,
            GeneralName::Other(k) => *k,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subtree {
    pub base: GeneralName,
    /// A minimum other than 0, or a maximum: OpenSSL refuses the constraint.
    pub minmax: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameConstraints {
    pub permitted: Vec<Subtree>,
    pub excluded: Vec<Subtree>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Extensions {
    pub basic: Option<Basic>,
    /// OpenSSL's `ex_kusage`.
    pub key_usage: Option<u16>,
    pub eku: Option<Eku>,
    pub ns_cert_type: Option<u8>,
    pub skid: Option<Vec<u8>>,
    pub akid: Option<Akid>,
    pub san: Option<Vec<GeneralName>>,
    pub name_constraints: Option<NameConstraints>,
    /// EXFLAG_CRITICAL: a critical extension X509_supported_extension does not list.
    pub unhandled_critical: bool,
    /// EXFLAG_PROXY.
    pub proxy: bool,
    /// RFC 3779 address or AS blocks, which X509_verify_cert checks on its own.
    pub rfc3779: bool,
    /// Every extension's OID (contents octets).
    pub oids: Vec<Vec<u8>>,
    /// A CRL distribution point with reasons or a cRLIssuer (partitioned or indirect CRLs).
    pub crldp_partitioned: bool,
}

const BASIC: &[u8] = &[0x55, 0x1d, 0x13];
const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const EKU: &[u8] = &[0x55, 0x1d, 0x25];
const SAN: &[u8] = &[0x55, 0x1d, 0x11];
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const SKID: &[u8] = &[0x55, 0x1d, 0x0e];
const AKID: &[u8] = &[0x55, 0x1d, 0x23];
const NS_CERT_TYPE: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x01, 0x01];
const CRLDP: &[u8] = &[0x55, 0x1d, 0x1f];
const PROXY: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0e];
const IP_BLOCKS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x07];
const AS_BLOCKS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x08];
pub(crate) const POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
pub(crate) const POLICY_MAPPINGS: &[u8] = &[0x55, 0x1d, 0x21];
pub(crate) const INHIBIT_ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x36];

/// X509_supported_extension (OpenSSL 3.0): the critical extensions it handles.
const SUPPORTED: &[&[u8]] = &[
    NS_CERT_TYPE,
    KEY_USAGE,
    SAN,
    BASIC,
    &[0x55, 0x1d, 0x20], // certificatePolicies
    CRLDP,
    EKU,
    IP_BLOCKS,
    AS_BLOCKS,
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x05], // id-pkix-ocsp-nocheck
    POLICY_CONSTRAINTS,
    PROXY,
    NAME_CONSTRAINTS,
    POLICY_MAPPINGS,
    INHIBIT_ANY_POLICY,
];

/// The extensions (the contents of the `[3]` SEQUENCE), for a certificate of `version`.
pub(crate) fn parse(exts: Option<&Vec<u8>>, _version: u8) -> Result<Extensions, String> {
    let mut out = Extensions::default();
    let Some(exts) = exts else { return Ok(out) };
    let list = der::children(exts).ok_or("extensions")?;
    for e in list {
        let (oid, critical, value) = extension(e).ok_or("an extension")?;
        if out.oids.iter().any(|o| o == oid) {
            return Err("a duplicate extension".into());
        }
        out.oids.push(oid.to_vec());
        if critical && !SUPPORTED.contains(&oid) {
            out.unhandled_critical = true;
        }
        apply(&mut out, oid, value).ok_or_else(|| format!("extension {}", oid_text(oid)))?;
    }
    Ok(out)
}

fn extension(e: Tlv<'_>) -> Option<(&[u8], bool, &[u8])> {
    let parts = der::children(e.content)?;
    let oid = parts.first().filter(|t| t.tag == 0x06)?.content;
    let (critical, value) = match &parts[1..] {
        [v] => (false, v),
        [c, v] if c.tag == 0x01 => (c.content.first().is_some_and(|&b| b != 0), v),
        _ => return None,
    };
    (value.tag == 0x04).then_some((oid, critical, value.content))
}

/// Record one extension's meaning; `None` when it does not decode.
fn apply(out: &mut Extensions, oid: &[u8], value: &[u8]) -> Option<()> {
    let v = der::single(value)?;
    match oid {
        BASIC => out.basic = Some(basic(v)?),
        KEY_USAGE => {
            let bits = der::bit_string_bytes(v.content).filter(|_| v.tag == 0x03)?;
            let byte = |i: usize| bits.get(i).copied().unwrap_or(0) as u16;
            out.key_usage = Some(byte(0) | (byte(1) << 8));
        }
        EKU => out.eku = Some(eku(v)?),
        NS_CERT_TYPE => {
            let bits = der::bit_string_bytes(v.content).filter(|_| v.tag == 0x03)?;
            out.ns_cert_type = Some(bits.first().copied().unwrap_or(0));
        }
        SKID => out.skid = Some(v.content.to_vec()).filter(|_| v.tag == 0x04),
        AKID => out.akid = Some(akid(v)?),
        SAN => out.san = Some(general_names(v).filter(|_| v.tag == 0x30)?),
        NAME_CONSTRAINTS => out.name_constraints = Some(name_constraints(v)?),
        PROXY => out.proxy = true,
        CRLDP => out.crldp_partitioned = crldp_partitioned(v)?,
        IP_BLOCKS | AS_BLOCKS => out.rfc3779 = true,
        _ => {}
    }
    Some(())
}

fn crldp_partitioned(v: Tlv<'_>) -> Option<bool> {
    let points = der::children(v.content).filter(|_| v.tag == 0x30)?;
    let mut partitioned = false;
    for p in points {
        partitioned |= der::children(p.content)?.iter().any(|f| f.tag != 0xa0);
    }
    Some(partitioned)
}

fn basic(v: Tlv<'_>) -> Option<Basic> {
    if v.tag != 0x30 {
        return None;
    }
    let mut b = Basic {
        ca: false,
        pathlen: None,
    };
    for f in der::children(v.content)? {
        match f.tag {
            0x01 => b.ca = f.content.first().is_some_and(|&x| x != 0),
            // A negative pathLenConstraint makes the certificate invalid.
            0x02 => b.pathlen = Some(der::uint(f.content)?.ok()?),
            _ => return None,
        }
    }
    Some(b)
}

fn eku(v: Tlv<'_>) -> Option<Eku> {
    const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
    const MS_SGC: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x03, 0x03];
    const NS_SGC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x04, 0x01];
    if v.tag != 0x30 {
        return None;
    }
    let oids = der::children(v.content)?;
    if oids.iter().any(|o| o.tag != 0x06) {
        return None;
    }
    let server = oids
        .iter()
        .any(|o| [SERVER_AUTH, MS_SGC, NS_SGC].contains(&o.content));
    Some(Eku { server })
}

fn akid(v: Tlv<'_>) -> Option<Akid> {
    if v.tag != 0x30 {
        return None;
    }
    let mut a = Akid {
        keyid: None,
        issuer: None,
        serial: None,
    };
    for f in der::children(v.content)? {
        match f.tag {
            0x80 => a.keyid = Some(f.content.to_vec()),
            0xa1 => {
                let names = general_names_in(f.content)?;
                a.issuer = names.into_iter().find_map(|n| match n {
                    GeneralName::Dir(d) => Some(d),
                    _ => None,
                });
            }
            0x82 => a.serial = Some(f.content.to_vec()),
            _ => return None,
        }
    }
    Some(a)
}

fn general_names(v: Tlv<'_>) -> Option<Vec<GeneralName>> {
    general_names_in(v.content)
}

fn general_names_in(content: &[u8]) -> Option<Vec<GeneralName>> {
    der::children(content)?
        .into_iter()
        .map(general_name)
        .collect()
}

pub(crate) fn general_name(t: Tlv<'_>) -> Option<GeneralName> {
    Some(match t.tag {
        0x81 => GeneralName::Email(t.content.to_vec()),
        0x82 => GeneralName::Dns(t.content.to_vec()),
        0xa4 => GeneralName::Dir(name::parse(der::single(t.content)?.raw)?),
        0x86 => GeneralName::Uri(t.content.to_vec()),
        0x87 => GeneralName::Ip(t.content.to_vec()),
        0xa0 | 0xa3 | 0xa5 | 0x88 => GeneralName::Other(t.tag & 0x1f),
        _ => return None,
    })
}

fn name_constraints(v: Tlv<'_>) -> Option<NameConstraints> {
    if v.tag != 0x30 {
        return None;
    }
    let mut nc = NameConstraints::default();
    for part in der::children(v.content)? {
        let subtrees = der::children(part.content)?
            .into_iter()
            .map(subtree)
            .collect::<Option<Vec<_>>>()?;
        match part.tag {
            0xa0 => nc.permitted = subtrees,
            0xa1 => nc.excluded = subtrees,
            _ => return None,
        }
    }
    Some(nc)
}

fn subtree(t: Tlv<'_>) -> Option<Subtree> {
    if t.tag != 0x30 {
        return None;
    }
    let parts = der::children(t.content)?;
    let base = general_name(*parts.first()?)?;
    let minmax = parts[1..].iter().any(|f| match f.tag {
        0x80 => der::uint(f.content) != Some(Ok(0)),
        _ => true,
    });
    Some(Subtree { base, minmax })
}

/// X509_check_akid: the AKID of `subject` fits `issuer` (key id, serial,
/// the issuer's issuer name), where each is present.
pub(crate) fn akid_fits(akid: Option<&Akid>, issuer: &Cert) -> bool {
    let Some(a) = akid else { return true };
    if let (Some(k), Some(s)) = (&a.keyid, &issuer.ext.skid) {
        if k != s {
            return false;
        }
    }
    if a.serial.as_ref().is_some_and(|s| *s != issuer.serial) {
        return false;
    }
    a.issuer
        .as_ref()
        .is_none_or(|n| n.canon == issuer.issuer.canon)
}

/// An OID in dotted form, for messages.
pub(crate) fn oid_text(oid: &[u8]) -> String {
    let Some((&first, rest)) = oid.split_first() else {
        return String::new();
    };
    let mut parts = vec![
        (first / 40).min(2) as u64,
        first as u64 - 40 * (first / 40).min(2) as u64,
    ];
    let mut acc = 0u64;
    for &b in rest {
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_print_dotted() {
        assert_eq!(oid_text(BASIC), "2.5.29.19");
        assert_eq!(oid_text(NS_CERT_TYPE), "2.16.840.1.113730.1.1");
    }
}
