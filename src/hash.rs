//! SHA-256 and HMAC-SHA256, the only hash primitives the protocol uses.
//!
//! HMAC is written out (RFC 2104) over `sha2` so that it has no fallible constructor: every key length
//! is valid for HMAC, and the kit has no error path that cannot happen. `sha2` is built with its
//! `zeroize` feature: a hasher's state (which has absorbed passwords and SRP secrets) is zeroed when
//! it is dropped, including after `finalize`.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

const BLOCK: usize = 64;

/// HMAC-SHA256(key, concatenation of `parts`).
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&sha256(&[key]));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut pad = [0u8; BLOCK];
    for (p, k) in pad.iter_mut().zip(block_key.iter()) {
        *p = k ^ 0x36;
    }
    let mut inner = Sha256::new();
    inner.update(pad);
    for part in parts {
        inner.update(part);
    }
    let mut inner_hash: [u8; 32] = inner.finalize().into();
    for (p, k) in pad.iter_mut().zip(block_key.iter()) {
        *p = k ^ 0x5c;
    }
    let out = sha256(&[&pad, &inner_hash]);
    block_key.zeroize();
    pad.zeroize();
    inner_hash.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{hex_decode, hex_encode};

    #[test]
    fn hmac_rfc4231_vectors() {
        // (key, data, HMAC-SHA256) from RFC 4231 test cases 1, 2, 3, 4, 6 and 7.
        let cases: [(&str, &[u8], &str); 6] = [
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                "4a656665",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                &[0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                "0102030405060708090a0b0c0d0e0f10111213141516171819",
                &[0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                &"aa".repeat(131),
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &"aa".repeat(131),
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (i, (key, data, mac)) in cases.iter().enumerate() {
            let key = hex_decode(key, "key").unwrap();
            assert_eq!(
                hex_encode(&hmac_sha256(&key, &[data])),
                *mac,
                "RFC 4231 case {i}"
            );
            let (left, right) = data.split_at(data.len() / 2);
            assert_eq!(
                hex_encode(&hmac_sha256(&key, &[left, right])),
                *mac,
                "split parts, case {i}"
            );
        }
    }

    #[test]
    fn hasher_state_is_zeroed_on_drop() {
        // A compile-time check: it stops compiling if sha2's zeroize feature is ever dropped.
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<Sha256>();
    }

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            hex_encode(&sha256(&[b"ab", b"c"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
