//! How much work a password-protected file may ask for. An encrypted key or
//! a PKCS#12 bundle names its own key-derivation cost (PBKDF2 iterations,
//! scrypt's N, r and p, the MAC's iterations); a hostile file could ask for
//! minutes of CPU or gigabytes of memory. These limits are checked on the
//! parameters before any derivation runs.
//!
//! Real files stay far below them: OpenSSL 3 writes 2048 iterations (MAC,
//! key and certificates), Java's keytool 10,000, `openssl pkcs8 -scrypt`
//! N=16384 r=8 p=1 (16 MiB).

use pkcs5::der::asn1::{AnyRef, OctetStringRef};
use pkcs5::der::{Decode, Reader, SliceReader};
use pkcs5::pbes2::{Kdf, Parameters};

/// Most iterations one derivation may ask for (p12-keystore's own limit).
pub const MAX_ITERATIONS: u64 = 1_000_000;
/// Most iterations of every derivation in one file together (an iteration
/// of scrypt counts as one per 128 bytes of its N·r·p blocks): about a
/// second of CPU.
pub const MAX_TOTAL_ITERATIONS: u64 = 2_000_000;
/// Most memory one scrypt derivation may take, 128·N·r bytes: OpenSSL's
/// own default `maxmem`.
pub const MAX_SCRYPT_MEMORY: u64 = 32 << 20;

/// The DER of the PBES2 OID (1.2.840.113549.1.5.13), tag and length included.
const PBES2_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d,
];
/// The DER of the PKCS#12 PBE OIDs (1.2.840.113549.1.12.1.*) without their last byte.
const PKCS12_PBE_OID: &[u8] = &[
    0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01,
];

/// The cost of one PBES2 derivation, in iterations; an error names the
/// limit a parameter passes.
pub fn pbes2_cost(params: &Parameters) -> Result<u64, String> {
    match &params.kdf {
        Kdf::Pbkdf2(p) => iterations(u64::from(p.iteration_count)),
        Kdf::Scrypt(s) => {
            let (n, r, p) = (
                s.cost_parameter,
                u64::from(s.block_size),
                u64::from(s.parallelization),
            );
            let memory = n.saturating_mul(r).saturating_mul(128);
            if memory > MAX_SCRYPT_MEMORY {
                return Err(format!(
                    "scrypt with N={n} r={r} needs {} MiB, more than the {} MiB allowed",
                    memory >> 20,
                    MAX_SCRYPT_MEMORY >> 20
                ));
            }
            total(n.saturating_mul(r).saturating_mul(p))
        }
        _ => Ok(0),
    }
}

fn iterations(n: u64) -> Result<u64, String> {
    if n > MAX_ITERATIONS {
        return Err(format!(
            "{n} key-derivation iterations, more than the {MAX_ITERATIONS} allowed"
        ));
    }
    Ok(n)
}

fn total(n: u64) -> Result<u64, String> {
    if n > MAX_TOTAL_ITERATIONS {
        return Err(format!(
            "key derivations of {n} iterations in all, more than the {MAX_TOTAL_ITERATIONS} allowed"
        ));
    }
    Ok(n)
}

/// Check every derivation a PKCS#12 file names in clear before it is
/// opened: the MAC's iterations, each PBES2 and PKCS#12 PBE parameter set
/// (found by their OIDs anywhere in the bytes, as they sit in nested
/// OCTET STRINGs), one by one and together.
pub fn check_pkcs12(bytes: &[u8]) -> Result<(), String> {
    let mut sum = iterations(mac_iterations(bytes))?;
    for at in find_all(bytes, PBES2_OID) {
        let after = &bytes[at + PBES2_OID.len()..];
        if let Some(params) = decode_prefix::<Parameters>(after) {
            sum = sum.saturating_add(pbes2_cost(&params)?);
        }
    }
    for at in find_all(bytes, PKCS12_PBE_OID) {
        let after = &bytes[(at + PKCS12_PBE_OID.len() + 1).min(bytes.len())..];
        if let Some(n) = pbe_iterations(after) {
            sum = sum.saturating_add(iterations(n)?);
        }
    }
    total(sum).map(|_| ())
}

/// The MacData's iterations of a PFX (0 without MacData or when the
/// bytes are not a PFX: then the PKCS#12 reader refuses them anyway).
fn mac_iterations(bytes: &[u8]) -> u64 {
    let read = |r: &mut SliceReader<'_>| -> pkcs5::der::Result<u64> {
        r.sequence(|pfx| {
            pfx.decode::<AnyRef<'_>>()?; // version
            pfx.decode::<AnyRef<'_>>()?; // authSafe
            if pfx.is_finished() {
                return Ok(0);
            }
            pfx.sequence(|mac| {
                mac.decode::<AnyRef<'_>>()?; // DigestInfo
                mac.decode::<&OctetStringRef>()?; // macSalt
                if mac.is_finished() {
                    return Ok(1);
                }
                Ok(u64::try_from(mac.decode::<i64>()?).unwrap_or(0))
            })
        })
    };
    SliceReader::new(bytes)
        .ok()
        .and_then(|mut r| read(&mut r).ok())
        .unwrap_or(0)
}

/// PKCS12PbeParams: SEQUENCE { salt OCTET STRING, iterations INTEGER }.
fn pbe_iterations(bytes: &[u8]) -> Option<u64> {
    let mut r = SliceReader::new(bytes).ok()?;
    let n: i64 = r
        .sequence(|p| {
            p.decode::<&OctetStringRef>()?;
            p.decode::<i64>()
        })
        .ok()?;
    u64::try_from(n).ok()
}

/// Decode one `T` from the start of `bytes`, ignoring what follows.
fn decode_prefix<'a, T: Decode<'a>>(bytes: &'a [u8]) -> Option<T> {
    let mut r = SliceReader::new(bytes).ok()?;
    T::decode(&mut r).ok()
}

fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PFX whose MAC asks for `n` iterations (the rest need not be valid).
    fn pfx_with_mac_iterations(n: i64) -> Vec<u8> {
        use pkcs5::der::Encode;
        // DigestInfo (an empty SEQUENCE is enough here), macSalt, iterations.
        let mut mac = vec![0x30, 0x00, 0x04, 0x01, 0x00];
        mac.extend_from_slice(&n.to_der().unwrap());
        let mut body = vec![0x02, 0x01, 0x03, 0x30, 0x00, 0x30, mac.len() as u8];
        body.extend_from_slice(&mac);
        let mut pfx = vec![0x30, body.len() as u8];
        pfx.extend_from_slice(&body);
        pfx
    }

    #[test]
    fn the_mac_iterations_are_bounded() {
        assert_eq!(mac_iterations(&pfx_with_mac_iterations(2048)), 2048);
        assert!(check_pkcs12(&pfx_with_mac_iterations(2048)).is_ok());
        let e = check_pkcs12(&pfx_with_mac_iterations(0x7fff_ffff)).unwrap_err();
        assert!(e.contains("2147483647 key-derivation iterations"), "{e}");
    }

    #[test]
    fn pbe_parameters_are_found_anywhere_and_summed() {
        // pbeWithSHAAnd3-KeyTripleDESCBC { salt, 900,000 } three times: each
        // is allowed, all three together are not.
        let mut one = PKCS12_PBE_OID.to_vec();
        one.extend_from_slice(&[
            0x03, 0x30, 0x08, 0x04, 0x01, 0xaa, 0x02, 0x03, 0x0d, 0xbb, 0xa0,
        ]);
        assert!(check_pkcs12(&one).is_ok());
        let thrice = [one.as_slice(), &[0x04, 0x00], &one, &one].concat();
        let e = check_pkcs12(&thrice).unwrap_err();
        assert!(e.contains("2700000 iterations in all"), "{e}");
    }

    /// Found while writing the fuzz targets: an encrypted key asking for
    /// 2^32-1 PBKDF2 iterations (made with `openssl pkcs8 -iter`, its count
    /// raised) ran the derivation before saying anything: at OpenSSL's
    /// speed here (5 M in 1.9 s), about 27 minutes. scrypt with r=127 asked
    /// for 254 MiB. Both are refused before any derivation now.
    #[test]
    fn hostile_encrypted_keys_are_refused_at_once() {
        let refused = |der: &[u8], says: &str| {
            let started = std::time::Instant::now();
            match crate::files::decrypt_pkcs8(der, "key.der", "fuzz") {
                Err(crate::files::ReadError::UnsupportedKeyEncryption { detail, .. }) => {
                    assert!(detail.contains(says), "{detail}")
                }
                other => panic!("{other:?}"),
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions/pkcs8/");
        let read = |name: &str| std::fs::read(format!("{dir}{name}")).unwrap();
        refused(
            &read("pbkdf2-4294967295-iterations.der"),
            "4294967295 key-derivation iterations",
        );
        refused(&read("pbkdf2-5000000-iterations.der"), "5000000");
        refused(&read("scrypt-n16384-r127.der"), "needs 254 MiB");
    }

    #[test]
    fn a_pkcs12_asking_too_many_iterations_is_refused() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions/files/");
        let p12 = std::fs::read(format!("{dir}p12-1500000-iterations")).unwrap();
        let mut out = crate::files::Loaded::default();
        let e = crate::files::read_bytes("a.p12", "p12", p12[1..].to_vec(), Some("fuzz"), &mut out)
            .unwrap_err();
        assert!(
            e.to_string().contains("1500000 key-derivation iterations"),
            "{e}"
        );
    }
}
