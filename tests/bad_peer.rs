//! Hostile and malformed peer values: each one is a typed error, never a panic. Runs natively and in
//! headless Chromium (a panic there would kill the whole wasm instance).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use cognito_kit::encoding::{hex_encode, hex_unpadded};
use cognito_kit::srp::{SrpClient, VerifierChallenge, N_BYTES, N_HEX, SMALL_A_BYTES};
use std::collections::BTreeMap;

const VALID_B: &str = "1234567";
const VALID_SALT: &str = "abcdef0123456789";

fn client() -> SrpClient {
    let mut a = [0x5au8; SMALL_A_BYTES];
    a[0] = 0x01;
    SrpClient::new(&a).expect("client")
}

fn derive_err(srp_b: &str, salt: &str) -> cognito_kit::Error {
    client()
        .derive_key("Pool", "user", "pw", srp_b, salt)
        .expect_err("must be refused")
}

/// N multiplied by a small factor, as hex.
fn n_times(factor: u32) -> String {
    let mut out = vec![0u8; N_BYTES.len() + 4];
    let mut carry = 0u64;
    for i in (0..N_BYTES.len()).rev() {
        let v = u64::from(N_BYTES[i]) * u64::from(factor) + carry;
        out[i + 4] = v as u8;
        carry = v >> 8;
    }
    for i in (0..4).rev() {
        out[i] = carry as u8;
        carry >>= 8;
    }
    hex_unpadded(&out)
}

#[test]
fn b_congruent_to_zero_is_refused() {
    for (what, b) in [
        ("B = 0", "0".to_string()),
        ("B = 000", "000".to_string()),
        ("B = N", N_HEX.to_string()),
        ("B = N, lowercase", N_HEX.to_lowercase()),
        ("B = 2N", n_times(2)),
        ("B = 255N (wider than N)", n_times(255)),
        ("B = N with leading zeros", format!("0000{N_HEX}")),
    ] {
        let err = derive_err(&b, VALID_SALT);
        assert_eq!(err.code(), "UnsafeSrpValue", "{what}: {err}");
        assert!(
            err.to_string().contains("SRP_B"),
            "{what}: names the field: {err}"
        );
    }
}

#[test]
fn b_at_or_above_n_is_reduced_not_refused() {
    // B ≥ N is reduced for the math (the reference vectors include B + N cases and pin the result);
    // here, a B far above N must simply work, not error or panic.
    let key = client().derive_key(
        "Pool",
        "user",
        "pw",
        &format!("1{}", "0".repeat(770)),
        VALID_SALT,
    );
    assert!(key.is_ok(), "{key:?}");
}

#[test]
fn malformed_srp_b_is_invalid_hex() {
    let too_long = "f".repeat(2 * 2 * N_BYTES.len() + 1);
    for (what, b) in [
        ("empty", ""),
        ("not hex", "xyz"),
        ("0x prefix", "0x1234"),
        ("space", "12 34"),
        ("sign", "-1234"),
        ("non-ASCII", "12é4"),
        ("more than 6144 bits", too_long.as_str()),
    ] {
        let err = derive_err(b, VALID_SALT);
        assert_eq!(err.code(), "InvalidHex", "SRP_B {what}: {err}");
        assert!(err.to_string().contains("SRP_B"), "{what}: {err}");
    }
}

#[test]
fn malformed_salt_is_invalid_hex() {
    for (what, salt) in [
        ("empty", ""),
        ("not hex", "zz"),
        ("0x prefix", "0xab"),
        ("newline", "ab\n"),
    ] {
        let err = derive_err(VALID_B, salt);
        assert_eq!(err.code(), "InvalidHex", "SALT {what}: {err}");
        assert!(err.to_string().contains("SALT"), "{what}: {err}");
    }
}

#[test]
fn odd_length_hex_is_an_integer_like_the_reference_reads_it() {
    // The service writes big integers without zero padding, so an odd digit count is valid: "abc"
    // is 0x0abc. The reference client (a big-integer parser) reads it the same way.
    let c = client();
    let odd = c
        .derive_key("Pool", "user", "pw", "abc1234", "bcdef")
        .unwrap();
    let even = c
        .derive_key("Pool", "user", "pw", "0abc1234", "0bcdef")
        .unwrap();
    assert_eq!(odd.expose_key(), even.expose_key());
    assert_eq!(hex_encode(odd.u()), hex_encode(even.u()));
}

fn challenge(block: &str) -> VerifierChallenge {
    let mut p = BTreeMap::new();
    p.insert("SRP_B", VALID_B.to_string());
    p.insert("SALT", VALID_SALT.to_string());
    p.insert("SECRET_BLOCK", block.to_string());
    p.insert("USER_ID_FOR_SRP", "user".to_string());
    VerifierChallenge::from_parameters(|k| p.get(k).cloned()).unwrap()
}

#[test]
fn bad_secret_block_is_invalid_base64() {
    let c = client();
    for block in [
        "not base64!",
        "AAEC*wQF",
        "A",
        "AAECAw===",
        "AAEC AwQF",
        "AAEC-_QF",
    ] {
        let err = c
            .answer_user_challenge(
                "Pool",
                "pw",
                &challenge(block),
                "Sun Nov 22 04:03:33 UTC 2026",
            )
            .unwrap_err();
        assert_eq!(err.code(), "InvalidBase64", "SECRET_BLOCK {block:?}: {err}");
        assert!(err.to_string().contains("SECRET_BLOCK"), "{err}");
    }
    // A valid block still works through the same path.
    assert!(c
        .answer_user_challenge("Pool", "pw", &challenge("AAECAwQFBgcICQ=="), "t")
        .is_ok());
}

#[test]
fn missing_challenge_parameters_are_named() {
    for missing in ["SRP_B", "SALT", "SECRET_BLOCK"] {
        let mut p = BTreeMap::new();
        for k in ["SRP_B", "SALT", "SECRET_BLOCK"] {
            if k != missing {
                p.insert(k, "ab".to_string());
            }
        }
        let err = VerifierChallenge::from_parameters(|k| p.get(k).cloned()).unwrap_err();
        assert_eq!(err.code(), "MissingField");
        assert!(err.to_string().contains(missing), "{err}");
    }
    // Neither USER_ID_FOR_SRP nor USERNAME: the user challenge cannot name whom it proves.
    let mut p = BTreeMap::new();
    p.insert("SRP_B", VALID_B.to_string());
    p.insert("SALT", VALID_SALT.to_string());
    p.insert("SECRET_BLOCK", "AAAA".to_string());
    let ch = VerifierChallenge::from_parameters(|k| p.get(k).cloned()).unwrap();
    let err = client()
        .answer_user_challenge("Pool", "pw", &ch, "t")
        .unwrap_err();
    assert_eq!(err.code(), "MissingField");
}

#[test]
fn fresh_clients_differ_and_never_share_a() {
    let mut a1 = [7u8; SMALL_A_BYTES];
    let mut a2 = [7u8; SMALL_A_BYTES];
    a1[5] = 1;
    a2[5] = 2;
    let (c1, c2) = (SrpClient::new(&a1).unwrap(), SrpClient::new(&a2).unwrap());
    assert_ne!(c1.srp_a(), c2.srp_a());
    assert_eq!(
        SrpClient::new(&[0; SMALL_A_BYTES]).unwrap_err().code(),
        "InvalidArgument"
    );
}
