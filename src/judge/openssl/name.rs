//! X.509 names as OpenSSL compares them: by their canonical encoding
//! (`x509_name_canon`: string values converted to UTF-8, outer white space
//! dropped, inner runs of white space collapsed to one space, ASCII
//! lower-cased, each RDN re-encoded as a DER SET). Equal names have equal
//! encodings; a directoryName constraint is a prefix of it.

use super::der;

/// commonName, 2.5.4.3.
pub(crate) const CN: &[u8] = &[0x55, 0x04, 0x03];
/// pkcs9 emailAddress, 1.2.840.113549.1.9.1.
pub(crate) const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

const UTF8: u8 = 0x0c;
const IA5: u8 = 0x16;

/// One attribute of a name, as encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub oid: Vec<u8>,
    pub tag: u8,
    pub value: Vec<u8>,
}

impl Entry {
    pub fn is_ia5(&self) -> bool {
        self.tag == IA5
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    /// The canonical encoding (empty for an empty name).
    pub canon: Vec<u8>,
    pub entries: Vec<Entry>,
}

impl Name {
    /// The values of every attribute of type `oid`, in order.
    pub fn values<'a>(&'a self, oid: &'a [u8]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.oid == oid)
    }

    /// `nm` lies under the directoryName constraint `self` (nc_dn).
    pub fn is_prefix_of(&self, nm: &Name) -> bool {
        nm.canon.starts_with(&self.canon)
    }
}

/// A Name (the whole DER SEQUENCE); `None` when malformed or when a string
/// value is not valid in its type (OpenSSL cannot canonicalise it either).
pub(crate) fn parse(raw: &[u8]) -> Option<Name> {
    let seq = der::single(raw)?;
    if seq.tag != 0x30 {
        return None;
    }
    let mut canon = Vec::new();
    let mut entries = Vec::new();
    for rdn in der::children(seq.content)? {
        if rdn.tag != 0x31 {
            return None;
        }
        let mut set: Vec<Vec<u8>> = Vec::new();
        for ava in der::children(rdn.content)? {
            let entry = attribute(ava)?;
            let value = canonical_value(entry.tag, &entry.value)?;
            let mut body = der::encode(0x06, &entry.oid);
            body.extend(value);
            set.push(der::encode(0x30, &body));
            entries.push(entry);
        }
        set.sort();
        canon.extend(der::encode(0x31, &set.concat()));
    }
    Some(Name { canon, entries })
}

fn attribute(ava: der::Tlv<'_>) -> Option<Entry> {
    if ava.tag != 0x30 {
        return None;
    }
    let (oid, rest) = der::read(ava.content)?;
    let value = der::single(rest)?;
    (oid.tag == 0x06).then(|| Entry {
        oid: oid.content.to_vec(),
        tag: value.tag,
        value: value.content.to_vec(),
    })
}

/// A value's canonical encoding (asn1_string_canon): the string types
/// become a canonical UTF8String, anything else is kept as encoded.
fn canonical_value(tag: u8, value: &[u8]) -> Option<Vec<u8>> {
    let Some(utf8) = to_utf8(tag, value) else {
        return Some(der::encode(tag, value));
    };
    let utf8 = utf8?;
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = utf8.iter().position(|b| !is_space(b)).unwrap_or(utf8.len());
    let end = utf8
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    let mut out = Vec::with_capacity(end - start);
    let mut in_space = false;
    for b in &utf8[start..end] {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            out.push(b.to_ascii_lowercase());
            in_space = false;
        }
    }
    Some(der::encode(UTF8, &out))
}

/// A string value as UTF-8 (ASN1_STRING_to_UTF8): `None` when the type is
/// not one OpenSSL canonicalises, `Some(None)` when the value is invalid.
pub(crate) fn to_utf8(tag: u8, value: &[u8]) -> Option<Option<Vec<u8>>> {
    let latin1 = |v: &[u8]| {
        v.iter()
            .map(|&b| b as char)
            .collect::<String>()
            .into_bytes()
    };
    let units = |size: usize| -> Option<Vec<u8>> {
        if value.len() % size != 0 {
            return None;
        }
        let chars: Option<String> = value
            .chunks(size)
            .map(|c| char::from_u32(c.iter().fold(0u32, |a, &b| (a << 8) | b as u32)))
            .collect();
        chars.map(String::into_bytes)
    };
    Some(match tag {
        UTF8 => std::str::from_utf8(value)
            .ok()
            .map(|s| s.as_bytes().to_vec()),
        // PrintableString, T61String, IA5String, VisibleString: one byte a character.
        0x13 | 0x14 | IA5 | 0x1a => Some(latin1(value)),
        0x1e => units(2),
        0x1c => units(4),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(rdns: &[&[(u8, &str)]]) -> Vec<u8> {
        let mut seq = Vec::new();
        for rdn in rdns {
            let mut set = Vec::new();
            for (tag, v) in *rdn {
                let mut ava = der::encode(0x06, CN);
                ava.extend(der::encode(*tag, v.as_bytes()));
                set.extend(der::encode(0x30, &ava));
            }
            seq.extend(der::encode(0x31, &set));
        }
        der::encode(0x30, &seq)
    }

    #[test]
    fn case_space_and_string_type_do_not_matter() {
        let a = parse(&name(&[&[(0x13, "  Example   Root CA ")]])).unwrap();
        let b = parse(&name(&[&[(UTF8, "example root ca")]])).unwrap();
        assert_eq!(a.canon, b.canon);
        let c = parse(&name(&[&[(UTF8, "example root ca2")]])).unwrap();
        assert_ne!(a.canon, c.canon);
    }

    #[test]
    fn a_directory_constraint_is_a_prefix_of_the_rdns() {
        let base = parse(&name(&[&[(UTF8, "Org")]])).unwrap();
        let under = parse(&name(&[&[(UTF8, "org")], &[(UTF8, "leaf")]])).unwrap();
        let other = parse(&name(&[&[(UTF8, "other")], &[(UTF8, "leaf")]])).unwrap();
        assert!(base.is_prefix_of(&under));
        assert!(!base.is_prefix_of(&other));
        assert!(parse(&der::encode(0x30, &[])).unwrap().is_prefix_of(&other));
    }

    #[test]
    fn invalid_utf8_cannot_be_canonicalised() {
        let mut ava = der::encode(0x06, CN);
        ava.extend(der::encode(UTF8, &[0xff]));
        let raw = der::encode(0x30, &der::encode(0x31, &der::encode(0x30, &ava)));
        assert!(parse(&raw).is_none());
    }
}
