//! Just enough DER to read what OpenSSL reads byte by byte: names (for
//! their canonical encoding), general names, and the extensions whose exact
//! bits decide (keyUsage, basicConstraints, name constraints). Malformed
//! input gives `None`, never a panic.

/// One element: its tag byte, its contents, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

/// The first element of `input` and what follows it.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers: nothing we read uses them
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// Every element of a constructed value's contents, or `None` if any is malformed.
pub(crate) fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

/// The single element `input` holds, with nothing after it.
pub(crate) fn single(input: &[u8]) -> Option<Tlv<'_>> {
    match read(input)? {
        (t, []) => Some(t),
        _ => None,
    }
}

/// A length in DER.
fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|&b| b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// `tag`, the length of `content`, `content`.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(length(content.len()));
    out.extend_from_slice(content);
    out
}

/// The bits of a BIT STRING's contents as OpenSSL keeps the first two
/// bytes (keyUsage's `ex_kusage`, nsCertType's first byte): `None` when empty.
pub(crate) fn bit_string_bytes(content: &[u8]) -> Option<&[u8]> {
    let (&unused, bits) = content.split_first()?;
    (unused < 8).then_some(bits)
}

/// A non-negative INTEGER's value, when it fits in a u64; `Err` for a negative one.
pub(crate) fn uint(content: &[u8]) -> Option<Result<u64, ()>> {
    let (&first, _) = content.split_first()?;
    if first & 0x80 != 0 {
        return Some(Err(()));
    }
    let digits: Vec<u8> = content.iter().copied().skip_while(|&b| b == 0).collect();
    if digits.len() > 8 {
        return Some(Ok(u64::MAX));
    }
    Some(Ok(digits.iter().fold(0u64, |a, &b| (a << 8) | b as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths_and_refuses_truncation() {
        let (t, rest) = read(&[0x04, 0x02, 0xaa, 0xbb, 0x05]).unwrap();
        assert_eq!(
            (t.tag, t.content, rest),
            (0x04, &[0xaa, 0xbb][..], &[0x05][..])
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        assert_eq!(read(&long).unwrap().0.content.len(), 0x80);
        assert!(read(&[0x04, 0x03, 0xaa]).is_none());
        assert_eq!(encode(0x04, &[0u8; 0x80])[..3], [0x04, 0x81, 0x80]);
    }

    #[test]
    fn integers() {
        assert_eq!(uint(&[0x00, 0xff]), Some(Ok(255)));
        assert_eq!(uint(&[0xff]), Some(Err(())));
        assert_eq!(uint(&[]), None);
    }
}
