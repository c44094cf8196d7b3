//! Server side of Cognito's SRP-6a variant, written independently of the kit's client code.
//!
//! Formulas (H = SHA-256, all big numbers hashed as `padHex` bytes):
//! - verifier v = g^x mod N, x = H(padHex(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))
//! - server public B = (k·v + g^b) mod N, k = H(padHex(N) ‖ padHex(g))
//! - u = H(padHex(A) ‖ padHex(B)); shared S = (A·v^u)^b mod N
//! - key = first 16 bytes of HMAC(HMAC(padHex(u), padHex(S)), "Caldera Derived Key" ‖ 0x01)
//! - signature = base64(HMAC(key, poolName ‖ userId ‖ secretBlock ‖ TIMESTAMP))

use std::sync::LazyLock;

use num_bigint::BigUint;
use num_traits::Zero;

use crate::crypto::{self, hex, hmac_sha256, sha256};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// The RFC 3526 3072-bit MODP prime.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_else(BigUint::zero));

/// The generator, 2.
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));

/// The multiplier k = H(padHex(N) ‖ padHex(g)).
pub static K: LazyLock<BigUint> = LazyLock::new(|| {
    let digest = sha256(&[pad_bytes(&N), pad_bytes(&G)].concat());
    BigUint::from_bytes_be(&digest)
});

/// `padHex`: even-length lowercase hex, with `00` in front when the top bit is set (Java's
/// `BigInteger.toByteArray` form, which the reference client hashes).
pub fn pad_hex(n: &BigUint) -> String {
    let mut digits = n.to_str_radix(16);
    if !digits.len().is_multiple_of(2) {
        digits.insert(0, '0');
    }
    if matches!(digits.as_bytes().first(), Some(b'8'..=b'9' | b'a'..=b'f')) {
        digits.insert_str(0, "00");
    }
    digits
}

/// The bytes of `padHex(n)`.
pub fn pad_bytes(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|b| *b >= 0x80) {
        bytes.insert(0, 0);
    }
    bytes
}

/// Parses unpadded or padded hex into a number; `None` for empty or non-hex input.
pub fn parse_hex(text: &str) -> Option<BigUint> {
    if text.is_empty() || text.len() > 2048 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(text.as_bytes(), 16)
}

/// x = H(padHex(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password)).
pub fn private_x(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha256(format!("{pool_name}{user_id}:{password}").as_bytes());
    let outer = sha256(&[pad_bytes(salt), inner.to_vec()].concat());
    BigUint::from_bytes_be(&outer)
}

/// The password verifier v = g^x mod N.
pub fn verifier(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    G.modpow(&private_x(pool_name, user_id, password, salt), &N)
}

/// A fresh verifier record for a newly set password: (salt hex, verifier hex).
pub fn new_verifier(pool_name: &str, user_id: &str, password: &str) -> (String, String) {
    let salt = BigUint::from_bytes_be(&crypto::random_bytes(16));
    let v = verifier(pool_name, user_id, password, &salt);
    (hex(&pad_bytes(&salt)), pad_hex(&v))
}

/// Checks a plain password against a stored verifier (USER_PASSWORD_AUTH, ChangePassword) in
/// constant time.
pub fn password_matches(
    pool_name: &str,
    user_id: &str,
    password: &str,
    salt_hex: &str,
    verifier_hex: &str,
) -> bool {
    let (Some(salt), Some(stored)) = (parse_hex(salt_hex), parse_hex(verifier_hex)) else {
        return false;
    };
    let candidate = verifier(pool_name, user_id, password, &salt);
    crypto::ct_eq(&pad_bytes(&candidate), &pad_bytes(&stored))
}

/// The server's half of one SRP exchange, kept between the challenge and the client's proof.
#[derive(Clone)]
pub struct ServerEphemeral {
    /// Client public value A.
    pub client_public: BigUint,
    /// Server secret b.
    pub server_secret: BigUint,
    /// Server public value B.
    pub server_public: BigUint,
}

debug_showing!(ServerEphemeral {
    client_public,
    server_public
});

/// Validates A (non-zero mod N) and draws b, computing B = (k·v + g^b) mod N.
pub fn start(client_public_hex: &str, verifier: &BigUint) -> Option<ServerEphemeral> {
    let client_public = parse_hex(client_public_hex)?;
    if (&client_public % &*N).is_zero() {
        return None;
    }
    loop {
        let server_secret = BigUint::from_bytes_be(&crypto::random_bytes(128));
        let server_public = (&*K * verifier + G.modpow(&server_secret, &N)) % &*N;
        if !server_public.is_zero() {
            return Some(ServerEphemeral {
                client_public,
                server_secret,
                server_public,
            });
        }
    }
}

/// The 16-byte session key both sides derive: HKDF over S with u as salt.
pub fn session_key(ephemeral: &ServerEphemeral, verifier: &BigUint) -> Option<[u8; 16]> {
    let u_digest = sha256(
        &[
            pad_bytes(&ephemeral.client_public),
            pad_bytes(&ephemeral.server_public),
        ]
        .concat(),
    );
    let u = BigUint::from_bytes_be(&u_digest);
    if u.is_zero() {
        return None;
    }
    let base = (&ephemeral.client_public * verifier.modpow(&u, &N)) % &*N;
    let shared = base.modpow(&ephemeral.server_secret, &N);
    let prk = hmac_sha256(&pad_bytes(&u), &pad_bytes(&shared));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    Some(key)
}

/// The signature the client must send: HMAC(key, poolName ‖ userId ‖ secretBlock ‖ timestamp).
pub fn expected_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    let message = [
        pool_name.as_bytes(),
        user_id.as_bytes(),
        secret_block,
        timestamp.as_bytes(),
    ]
    .concat();
    hmac_sha256(key, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_matches_protocol_constant() {
        assert_eq!(
            hex(&K.to_bytes_be()),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert!(pad_hex(&N).starts_with("00ffffffffffffffffc90fdaa2"));
    }

    #[test]
    fn pad_hex_follows_java_byte_array_form() {
        assert_eq!(pad_hex(&BigUint::from(0x0fu32)), "0f");
        assert_eq!(pad_hex(&BigUint::from(0x80u32)), "0080");
        assert_eq!(pad_hex(&BigUint::from(0x123u32)), "0123");
        assert_eq!(
            hex(&pad_bytes(&BigUint::from(0xabcdu32))),
            pad_hex(&BigUint::from(0xabcdu32))
        );
    }
}
