//! Cognito's SRP-6a, client side: user sign-in (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`), remembered
//! devices (`DEVICE_SRP_AUTH` → `DEVICE_PASSWORD_VERIFIER`) and the `ConfirmDevice` verifier.
//!
//! This is Cognito's variant, not RFC 5054: N is the RFC 3526 3072-bit prime, g = 2, H = SHA-256,
//! big numbers are hashed in Cognito's `padHex` form, and the session key comes from an HKDF step
//! ("Caldera Derived Key"). The formulas, with `‖` for concatenation:
//!
//! - k = H(padHex(N) ‖ padHex(g))
//! - A = g^a mod N, a = 128 random bytes
//! - u = H(padHex(A) ‖ padHex(B)); B ≢ 0 (mod N) and u ≠ 0 are checked first
//! - x = H(padHex(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password))
//! - S = (B − k·g^x)^(a + u·x) mod N
//! - key = first 16 bytes of HMAC(HMAC(padHex(u), padHex(S)), "Caldera Derived Key" ‖ 0x01)
//! - PASSWORD_CLAIM_SIGNATURE = base64(HMAC(key, poolName ‖ userIdForSrp ‖ SECRET_BLOCK bytes ‖ TIMESTAMP))
//!
//! For a device, poolName is the DeviceGroupKey, userIdForSrp the DeviceKey and the password the
//! device's stored random password.
//!
//! Nothing here draws randomness or reads the clock: the caller passes the random bytes and the
//! TIMESTAMP string ([`crate::encoding::cognito_timestamp`]).

use cognito_kit_modexp as modexp;

mod powers;

use crate::api::operations::StringMap;
use crate::encoding::{base64_decode, base64_encode, hex_integer, hex_unpadded, pad_bytes};
use crate::error::{Error, MisuseErrorKind, ProtocolErrorKind, Result};
use crate::hash::{hmac_sha256, sha256};
use crate::secret::{DevicePassword, SecretBytes};
use crate::single::OnceLock;
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use modexp::{FixedBase, Modulus, Num, BYTES};
use zeroize::{Zeroize, Zeroizing};

pub use modexp::{N_BYTES, N_HEX};

/// Bytes of the random `a` the client draws for each SRP exchange.
pub const SMALL_A_BYTES: usize = 128;

/// The SRP group: N, g = 2 and k, with N's Montgomery constants and comb tables for g.
pub(crate) struct Group {
    modulus: Modulus,
    /// k in Montgomery form.
    k_mont: Num,
    /// g = 2 in Montgomery form.
    g_mont: Num,
    /// Comb for exponents of up to 256 bits (x).
    comb_256: FixedBase,
    /// Comb for exponents of up to 1024 bits (a).
    comb_1024: FixedBase,
    #[cfg(test)]
    k: [u8; 32],
}

/// The group, computed once and shared: N's constants and, from the precomputed g^(2^(64·j)), the
/// two comb tables.
pub(crate) fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        // The three conversions below take 384, 32 and 1 bytes, within from_be_bytes' 384-byte
        // limit, so the fallbacks never apply (and `group_constants` would catch them).
        let n = Num::from_be_bytes(&N_BYTES).unwrap_or(Num::ZERO);
        let modulus = Modulus::new(n);
        let k = sha256(&[&pad_bytes(&N_BYTES), &pad_bytes(&[2])]);
        let k_mont = modulus.mont_in(&Num::from_be_bytes(&k).unwrap_or(Num::ZERO));
        let g_mont = modulus.mont_in(&Num::from_be_bytes(&[2]).unwrap_or(Num::ZERO));
        // powers[j] = g^(2^(64·j)), j = 0..=12, of which the combs use j = 0, 1, 2, 3, 4, 8, 12:
        // j = 1 to 4 by squaring (256 squarings), j = 8 and 12 precomputed (powers.rs).
        let mut powers: [Num; 13] = core::array::from_fn(|_| g_mont.clone());
        for j in 1..=4 {
            powers[j] = modulus.square_times(&powers[j - 1], 64);
        }
        for (step, bytes) in powers::G_POWER_STEPS.iter().zip(powers::G_POWERS.iter()) {
            powers[*step] = modulus.mont_in(&Num::from_be_bytes(bytes).unwrap_or(Num::ZERO));
        }
        let pick = |step: usize| -> [Num; 4] { core::array::from_fn(|j| powers[j * step].clone()) };
        let comb_256 = FixedBase::from_powers(&modulus, &pick(1), 64);
        let comb_1024 = FixedBase::from_powers(&modulus, &pick(4), 256);
        Group {
            modulus,
            k_mont,
            g_mont,
            comb_256,
            comb_1024,
            #[cfg(test)]
            k,
        }
    })
}

#[cfg(test)]
impl Group {
    /// k = H(padHex(N) ‖ padHex(g)).
    pub(crate) fn k(&self) -> &[u8; 32] {
        &self.k
    }
}

impl Group {
    /// g^e in Montgomery form: by comb for exponents of up to 256 or 1024 bits, else by windows.
    fn pow_g_mont(&self, exponent: &[u8]) -> Num {
        match exponent.len() {
            0..=32 => self.comb_256.pow(&self.modulus, exponent),
            33..=SMALL_A_BYTES => self.comb_1024.pow(&self.modulus, exponent),
            _ => self.modulus.pow(&self.g_mont, exponent),
        }
    }
}

/// g^e mod N, fully reduced.
fn pow_g(exponent: &[u8]) -> Num {
    let g = group();
    g.modulus.mont_out(&g.pow_g_mont(exponent))
}

/// Parses a peer's big number (SRP_B) and reduces it mod N. Values of more than 6144 bits are refused.
fn reduce_peer_value(minimal_be: &[u8], field: &'static str) -> Result<Num> {
    let m = &group().modulus;
    if minimal_be.len() <= BYTES {
        let v = Num::from_be_bytes(minimal_be).ok_or_else(|| too_long(field))?;
        Ok(m.reduce(&v))
    } else if minimal_be.len() <= 2 * BYTES {
        let split = minimal_be.len() - BYTES;
        let hi = Num::from_be_bytes(&minimal_be[..split]).ok_or_else(|| too_long(field))?;
        let lo = Num::from_be_bytes(&minimal_be[split..]).ok_or_else(|| too_long(field))?;
        Ok(m.reduce_wide(&hi, &lo))
    } else {
        Err(too_long(field))
    }
}

fn too_long(field: &'static str) -> Error {
    Error::protocol(
        ProtocolErrorKind::InvalidHex,
        field,
        "longer than 6144 bits",
    )
}

/// The client's half of one SRP exchange: the secret `a` and the public `A = g^a mod N`.
///
/// Make one per sign-in attempt from fresh random bytes; never reuse one. Computing it is the costly
/// part of the first round trip, so it can be made before the user submits the form.
pub struct SrpClient {
    a: Zeroizing<[u8; SMALL_A_BYTES]>,
    /// A as big-endian bytes (3072 bits).
    a_public: [u8; BYTES],
    srp_a: String,
}

impl core::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrpClient")
            .field("a", &"<redacted>")
            .field("srp_a", &self.srp_a)
            .finish()
    }
}

impl SrpClient {
    /// Starts an exchange with `a` = `random` read as a big-endian integer. The bytes must come from
    /// a cryptographically secure generator; an all-zero `a` is refused.
    pub fn new(random: &[u8; SMALL_A_BYTES]) -> Result<SrpClient> {
        let a = Zeroizing::new(*random);
        if a.iter().all(|&b| b == 0) {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "the SRP secret a must not be zero",
            ));
        }
        let a_value = pow_g(&a[..]);
        // A = 2^a mod N is never 0 mod N (N is prime); the check guards the arithmetic itself.
        if a_value.is_zero() {
            return Err(Error::protocol(
                ProtocolErrorKind::UnsafeSrpValue,
                "SRP_A",
                "A mod N is zero",
            ));
        }
        let a_public = a_value.to_be_bytes();
        let srp_a = hex_unpadded(&a_public);
        Ok(SrpClient { a, a_public, srp_a })
    }

    /// `SRP_A` as the service expects it: lowercase hex without leading zeros.
    pub fn srp_a(&self) -> &str {
        &self.srp_a
    }

    /// Derives the session key from the server's `SRP_B` and `SALT` (hex) for `user_id`
    /// (`USER_ID_FOR_SRP`, or the DeviceKey) in `pool_name` (the part of the pool id after `_`, or the
    /// DeviceGroupKey). Validates B and u before any math.
    pub fn derive_key(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        srp_b: &str,
        salt: &str,
    ) -> Result<SrpKey> {
        let b = hex_integer(srp_b, "SRP_B")?;
        let salt = hex_integer(salt, "SALT")?;
        let b_reduced = reduce_peer_value(&b, "SRP_B")?;
        if b_reduced.is_zero() {
            return Err(Error::protocol(
                ProtocolErrorKind::UnsafeSrpValue,
                "SRP_B",
                "B mod N is zero",
            ));
        }
        // u hashes B as the server sent it (not reduced), as the reference client does.
        let u = sha256(&[&pad_bytes(&self.a_public), &pad_bytes(&b)]);
        let x = password_exponent(pool_name, user_id, password, &salt);
        self.derive_with(&b_reduced, &u, x)
    }

    fn derive_with(&self, b_reduced: &Num, u: &[u8; 32], x: Zeroizing<[u8; 32]>) -> Result<SrpKey> {
        if u.iter().all(|&b| b == 0) {
            return Err(Error::protocol(
                ProtocolErrorKind::UnsafeSrpValue,
                "SRP_B",
                "u = H(A, B) is zero",
            ));
        }
        let g = group();
        let m = &g.modulus;
        // S = (B − k·g^x)^(a + u·x) mod N, in Montgomery form. Products are only reduced below 2N;
        // both terms are brought below N for the modular subtraction.
        let b_mont = m.mont_in(b_reduced);
        let kgx_mont = m.mul(&g.k_mont, &g.pow_g_mont(&x[..]));
        let base_mont = m.sub(&m.reduce_lazy(&b_mont), &m.reduce_lazy(&kgx_mont));
        let exponent = Zeroizing::new(modexp::mul_add_be(&self.a[..], u, &x[..]));
        let s = m.mont_out(&m.pow(&base_mont, &exponent));
        let mut s_bytes = s.to_be_bytes();
        let s_pad = SecretBytes::new(pad_bytes(&s_bytes));
        s_bytes.zeroize();
        let u_pad = pad_bytes(u);
        let mut prk = hmac_sha256(&u_pad, &[s_pad.expose_secret()]);
        let mut okm = hmac_sha256(&prk, &[b"Caldera Derived Key", &[1]]);
        prk.zeroize();
        let key = Zeroizing::new(first_16(&okm));
        okm.zeroize();
        Ok(SrpKey {
            u: u_pad,
            x: SecretBytes::new(pad_bytes(&x[..])),
            premaster: s_pad,
            key,
        })
    }
}

fn first_16(bytes: &[u8; 32]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&bytes[..16]);
    out
}

/// x = H(padHex(salt) ‖ H(pool_name ‖ user_id ‖ ":" ‖ password)), as 32 big-endian bytes.
fn password_exponent(
    pool_name: &str,
    user_id: &str,
    password: &str,
    salt_minimal: &[u8],
) -> Zeroizing<[u8; 32]> {
    let mut inner = sha256(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = Zeroizing::new(sha256(&[&pad_bytes(salt_minimal), &inner]));
    inner.zeroize();
    x
}

/// The result of one SRP exchange: the intermediate values and the 16-byte session key.
pub struct SrpKey {
    u: Vec<u8>,
    x: SecretBytes,
    premaster: SecretBytes,
    key: Zeroizing<[u8; 16]>,
}

impl core::fmt::Debug for SrpKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrpKey")
            .field("u", &crate::encoding::hex_encode(&self.u))
            .finish_non_exhaustive()
    }
}

impl SrpKey {
    /// u in padHex byte form (public).
    pub fn u(&self) -> &[u8] {
        &self.u
    }

    /// x in padHex byte form. Secret: derived from the password.
    pub fn expose_x(&self) -> &[u8] {
        self.x.expose_secret()
    }

    /// S in padHex byte form. Secret.
    pub fn expose_premaster_secret(&self) -> &[u8] {
        self.premaster.expose_secret()
    }

    /// The 16-byte HKDF key. Secret.
    pub fn expose_key(&self) -> &[u8; 16] {
        &self.key
    }

    /// PASSWORD_CLAIM_SIGNATURE = base64(HMAC(key, pool_name ‖ user_id ‖ secret_block ‖ timestamp)).
    pub fn claim_signature(
        &self,
        pool_name: &str,
        user_id: &str,
        secret_block: &[u8],
        timestamp: &str,
    ) -> String {
        let mac = hmac_sha256(
            &self.key[..],
            &[
                pool_name.as_bytes(),
                user_id.as_bytes(),
                secret_block,
                timestamp.as_bytes(),
            ],
        );
        base64_encode(&mac)
    }
}

/// The parameters of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierChallenge {
    /// `SRP_B`, hex.
    pub srp_b: String,
    /// `SALT`, hex.
    pub salt: String,
    /// `SECRET_BLOCK`, base64, echoed back unchanged.
    pub secret_block: String,
    /// `USER_ID_FOR_SRP` (user challenges) — the name the password was registered under.
    pub user_id_for_srp: Option<String>,
    /// `USERNAME` of the challenge; answers must carry it.
    pub username: Option<String>,
}

impl VerifierChallenge {
    /// Reads the challenge from its `ChallengeParameters`.
    pub fn from_parameters(get: impl Fn(&str) -> Option<String>) -> Result<VerifierChallenge> {
        let required = |name: &'static str| {
            get(name).ok_or_else(|| {
                Error::protocol(
                    ProtocolErrorKind::MissingField,
                    Cow::Borrowed(name),
                    "absent from ChallengeParameters",
                )
            })
        };
        Ok(VerifierChallenge {
            srp_b: required("SRP_B")?,
            salt: required("SALT")?,
            secret_block: required("SECRET_BLOCK")?,
            user_id_for_srp: get("USER_ID_FOR_SRP"),
            username: get("USERNAME"),
        })
    }
}

/// What the client sends back for a verifier challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordClaim {
    /// `USERNAME`: the user id the proof was computed for.
    pub username: String,
    /// `PASSWORD_CLAIM_SECRET_BLOCK`: the challenge's SECRET_BLOCK, as received.
    pub secret_block: String,
    /// `TIMESTAMP`.
    pub timestamp: String,
    /// `PASSWORD_CLAIM_SIGNATURE`.
    pub signature: String,
}

impl PasswordClaim {
    /// The `ChallengeResponses` map, with `DEVICE_KEY` and `SECRET_HASH` where given.
    pub fn challenge_responses(
        &self,
        device_key: Option<&str>,
        secret_hash: Option<&str>,
    ) -> StringMap {
        let mut out = StringMap::new();
        out.insert("USERNAME".into(), self.username.clone());
        out.insert(
            "PASSWORD_CLAIM_SECRET_BLOCK".into(),
            self.secret_block.clone(),
        );
        out.insert("TIMESTAMP".into(), self.timestamp.clone());
        out.insert("PASSWORD_CLAIM_SIGNATURE".into(), self.signature.clone());
        if let Some(key) = device_key {
            out.insert("DEVICE_KEY".into(), key.into());
        }
        if let Some(hash) = secret_hash {
            out.insert("SECRET_HASH".into(), hash.into());
        }
        out
    }
}

impl SrpClient {
    /// Answers `PASSWORD_VERIFIER` for a user: `pool_name` is the part of the pool id after `_`; the
    /// proof is computed for the challenge's `USER_ID_FOR_SRP` (falling back to its `USERNAME`), not
    /// for what the user typed.
    pub fn answer_user_challenge(
        &self,
        pool_name: &str,
        password: &str,
        challenge: &VerifierChallenge,
        timestamp: &str,
    ) -> Result<PasswordClaim> {
        let user_id = challenge
            .user_id_for_srp
            .as_deref()
            .or(challenge.username.as_deref())
            .ok_or_else(|| {
                Error::protocol(
                    ProtocolErrorKind::MissingField,
                    "USER_ID_FOR_SRP",
                    "absent from ChallengeParameters",
                )
            })?;
        self.answer(pool_name, user_id, password, challenge, timestamp)
    }

    /// Answers `DEVICE_PASSWORD_VERIFIER`: the same proof with the DeviceGroupKey as pool name, the
    /// DeviceKey as user id and the device's random password. The claim's `USERNAME` is the
    /// challenge's `USERNAME`, which must be present.
    pub fn answer_device_challenge(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: &DevicePassword,
        challenge: &VerifierChallenge,
        timestamp: &str,
    ) -> Result<PasswordClaim> {
        // The answer names the user (the challenge's USERNAME), never the device.
        let username = challenge.username.clone().ok_or_else(|| {
            Error::protocol(
                ProtocolErrorKind::MissingField,
                "USERNAME",
                "absent from ChallengeParameters",
            )
        })?;
        let mut claim = self.answer(
            device_group_key,
            device_key,
            device_password.expose_secret(),
            challenge,
            timestamp,
        )?;
        claim.username = username;
        Ok(claim)
    }

    fn answer(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        challenge: &VerifierChallenge,
        timestamp: &str,
    ) -> Result<PasswordClaim> {
        let secret_block = base64_decode(&challenge.secret_block, "SECRET_BLOCK")?;
        let key = self.derive_key(
            pool_name,
            user_id,
            password,
            &challenge.srp_b,
            &challenge.salt,
        )?;
        Ok(PasswordClaim {
            username: user_id.into(),
            secret_block: challenge.secret_block.clone(),
            timestamp: timestamp.into(),
            signature: key.claim_signature(pool_name, user_id, &secret_block, timestamp),
        })
    }
}

/// What `ConfirmDevice` needs to remember a device, and what the client must store to sign in with it.
#[derive(Debug, Clone)]
pub struct DeviceVerifier {
    /// The device's random password (base64 of 40 random bytes). Store it with the device key.
    pub password: DevicePassword,
    /// `DeviceSecretVerifierConfig.Salt`: base64 of the salt's padHex bytes.
    pub salt: String,
    /// `DeviceSecretVerifierConfig.PasswordVerifier`: base64 of padHex(g^x mod N).
    pub password_verifier: String,
}

impl DeviceVerifier {
    /// Makes the verifier for a new device from 40 random bytes (the password) and 16 random bytes
    /// (the salt): x = H(padHex(salt) ‖ H(DeviceGroupKey ‖ DeviceKey ‖ ":" ‖ password)),
    /// verifier = padHex(g^x mod N).
    pub fn generate(
        device_group_key: &str,
        device_key: &str,
        password_random: &[u8; 40],
        salt_random: &[u8; 16],
    ) -> DeviceVerifier {
        let password = DevicePassword::new(base64_encode(password_random));
        let x = password_exponent(
            device_group_key,
            device_key,
            password.expose_secret(),
            salt_random,
        );
        let verifier = pow_g(&x[..]).to_be_bytes();
        DeviceVerifier {
            password,
            salt: base64_encode(&pad_bytes(salt_random)),
            password_verifier: base64_encode(&pad_bytes(&verifier)),
        }
    }
}

/// The SIMD dot product of the arithmetic crate against the scalar one, inside the browser
/// (`wasm-pack test` runs this crate's tests, not the arithmetic crate's).
#[cfg(all(test, target_arch = "wasm32"))]
mod modexp_wasm_tests {
    use cognito_kit_modexp::{dot, dot_scalar, LIMBS};
    use wasm_bindgen_test::wasm_bindgen_test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn simd_dot_matches_scalar_for_every_length() {
        let mut x = [0u32; LIMBS];
        let mut y = [0u32; LIMBS];
        const MASK32: u32 = (1 << 28) - 1;
        let mut state = 0x9e37_79b9u32;
        for i in 0..LIMBS {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x[i] = state & MASK32;
            y[i] = state.rotate_left(13) & MASK32;
        }
        let full = [MASK32; LIMBS];
        for len in 0..=LIMBS {
            for start in 0..4.min(LIMBS - len + 1) {
                let r = start..start + len;
                assert_eq!(
                    dot(&x[r.clone()], &y[r.clone()]),
                    dot_scalar(&x[r.clone()], &y[r.clone()]),
                    "len {len}"
                );
                assert_eq!(
                    dot(&full[r.clone()], &full[r.clone()]),
                    dot_scalar(&full[r.clone()], &full[r]),
                    "max limbs, len {len}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_encode;

    #[test]
    fn group_constants() {
        assert!(N_HEX.starts_with("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"));
        assert!(N_HEX.ends_with("43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"));
        assert_eq!(N_HEX.len(), 768);
        assert_eq!(crate::encoding::hex_decode(N_HEX, "N").unwrap(), N_BYTES);
        assert_eq!(
            hex_encode(group().k()),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn precomputed_powers_of_g() {
        // g^(2^(64·j)) by 64·j squarings of g = 2, outside Montgomery form, against powers.rs.
        let m = Modulus::new(Num::from_be_bytes(&N_BYTES).unwrap());
        let mut p = m.mont_in(&Num::from_be_bytes(&[2]).unwrap());
        let mut j = 0;
        for (step, bytes) in powers::G_POWER_STEPS.iter().zip(powers::G_POWERS.iter()) {
            p = m.square_times(&p, 64 * (step - j));
            j = *step;
            assert_eq!(
                m.mont_out(&p),
                Num::from_be_bytes(bytes).unwrap(),
                "g^(2^(64*{step}))"
            );
        }
    }

    fn client_with_small_a(a: u16) -> SrpClient {
        let mut bytes = [0u8; SMALL_A_BYTES];
        bytes[126..].copy_from_slice(&a.to_be_bytes());
        SrpClient::new(&bytes).unwrap()
    }

    #[test]
    fn protocol_md_worked_example() {
        let client = client_with_small_a(0x3039);
        let key = client
            .derive_key(
                "AbCdEf123",
                "alice",
                "Passw0rd!",
                "1234567",
                "abcdef0123456789",
            )
            .unwrap();
        assert_eq!(
            hex_encode(key.expose_key()),
            "a8a8cd941a83e7f030492a63687f33a2"
        );
        let sig = key.claim_signature(
            "AbCdEf123",
            "alice",
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            "Sun Nov 22 04:03:33 UTC 2026",
        );
        assert_eq!(sig, "rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=");
    }

    #[test]
    fn zero_u_is_refused_before_any_math() {
        // u = H(padHex(A) ‖ padHex(B)) = 0 needs a SHA-256 preimage, so the check is driven directly.
        let client = client_with_small_a(7);
        let b = Num::from_be_bytes(&[5]).unwrap();
        let x = Zeroizing::new([1u8; 32]);
        let err = client.derive_with(&b, &[0u8; 32], x).unwrap_err();
        assert_eq!(err.code(), "UnsafeSrpValue");
        assert!(err.to_string().contains("u = H(A, B) is zero"), "{err}");
    }

    #[test]
    fn zero_a_is_refused() {
        assert_eq!(
            SrpClient::new(&[0; SMALL_A_BYTES]).unwrap_err().code(),
            "InvalidArgument"
        );
    }

    #[test]
    fn a_debug_is_redacted() {
        let client = client_with_small_a(0x3039);
        assert_eq!(
            alloc::format!("{client:?}"),
            alloc::format!(
                "SrpClient {{ a: \"<redacted>\", srp_a: {:?} }}",
                client.srp_a()
            )
        );
        let key = client.derive_key("p", "u", "pw", "1234567", "ab").unwrap();
        assert_eq!(
            alloc::format!("{key:?}"),
            alloc::format!("SrpKey {{ u: {:?}, .. }}", hex_encode(key.u()))
        );
    }
}
