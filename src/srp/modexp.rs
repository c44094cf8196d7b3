//! Fixed-size 3072-bit arithmetic modulo the SRP group prime N, in Montgomery form.
//!
//! Limbs are 32 bits with 64-bit products, because WebAssembly has no 64×64→128 multiply. The
//! exponentiations are written to take time that depends only on the exponent's length, not its bits:
//! the window table is read with a masked scan, and the g = 2 path always computes the doubling and
//! selects with a mask.
//!
//! Values that hold secrets (`a`, `x`, `S`, the window table) are zeroed when dropped.

// Limb loops index several arrays at once; ranges read clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use zeroize::Zeroize;

/// Number of 32-bit limbs in a 3072-bit number.
pub(crate) const LIMBS: usize = 96;
/// Bytes in a 3072-bit number.
pub(crate) const BYTES: usize = LIMBS * 4;

/// A number below 2^3072, little-endian limbs. Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct U3072(pub(crate) [u32; LIMBS]);

impl Drop for U3072 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for U3072 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("U3072(<redacted>)")
    }
}

impl U3072 {
    pub(crate) const ZERO: U3072 = U3072([0; LIMBS]);

    /// From big-endian bytes; `None` when the value needs more than 3072 bits.
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<U3072> {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let digits = &bytes[start..];
        if digits.len() > BYTES {
            return None;
        }
        let mut out = U3072::ZERO;
        for (i, &b) in digits.iter().rev().enumerate() {
            out.0[i / 4] |= u32::from(b) << (8 * (i % 4));
        }
        Some(out)
    }

    /// From exactly [`BYTES`] big-endian bytes.
    pub(crate) fn from_be_array(bytes: &[u8; BYTES]) -> U3072 {
        let mut out = U3072::ZERO;
        for (i, limb) in out.0.iter_mut().enumerate() {
            let at = BYTES - 4 * (i + 1);
            *limb = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        }
        out
    }

    /// Big-endian bytes, always [`BYTES`] long.
    pub(crate) fn to_be_bytes(&self) -> [u8; BYTES] {
        let mut out = [0u8; BYTES];
        for (i, limb) in self.0.iter().enumerate() {
            let at = BYTES - 4 * (i + 1);
            out[at..at + 4].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().fold(0u32, |acc, &l| acc | l) == 0
    }

    /// `self - other` in place; returns the borrow (1 when `other > self`).
    fn sub_assign(&mut self, other: &U3072) -> u32 {
        let mut borrow = 0u64;
        for i in 0..LIMBS {
            let d = u64::from(self.0[i])
                .wrapping_sub(u64::from(other.0[i]))
                .wrapping_sub(borrow);
            self.0[i] = d as u32;
            borrow = (d >> 63) & 1;
        }
        borrow as u32
    }

    /// `self + other` in place; returns the carry.
    fn add_assign(&mut self, other: &U3072) -> u32 {
        let mut carry = 0u64;
        for i in 0..LIMBS {
            let s = u64::from(self.0[i]) + u64::from(other.0[i]) + carry;
            self.0[i] = s as u32;
            carry = s >> 32;
        }
        carry as u32
    }

    /// `self = if mask == !0 { other } else { self }`, without branching on `mask`.
    fn select_from(&mut self, other: &U3072, mask: u32) {
        for i in 0..LIMBS {
            self.0[i] ^= (self.0[i] ^ other.0[i]) & mask;
        }
    }
}

/// Arithmetic modulo an odd 3072-bit modulus whose top bit is set.
pub(crate) struct Modulus {
    n: U3072,
    /// −N⁻¹ mod 2³².
    n0_inv: u32,
    /// R mod N, R = 2^3072: one in Montgomery form.
    one: U3072,
    /// R² mod N: converts into Montgomery form.
    r2: U3072,
}

impl Modulus {
    /// Precomputes the Montgomery constants of `n`, which must be odd with its top bit set (the SRP
    /// group prime is; a test checks it).
    pub(crate) fn new(n: U3072) -> Modulus {
        debug_assert!(n.0[0] & 1 == 1 && n.0[LIMBS - 1] >> 31 == 1);
        // Newton iteration for N⁻¹ mod 2^32: each step doubles the correct low bits.
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n.0[0].wrapping_mul(inv)));
        }
        let n0_inv = inv.wrapping_neg();
        // R mod N = 2^3072 − N, since N < 2^3072 < 2N.
        let mut one = U3072::ZERO;
        one.sub_assign(&n);
        let mut m = Modulus {
            n,
            n0_inv,
            one: one.clone(),
            r2: U3072::ZERO,
        };
        // R² mod N by doubling R mod N 3072 times.
        let mut r2 = one;
        for _ in 0..BYTES * 8 {
            r2 = m.add(&r2, &r2);
        }
        m.r2 = r2;
        m
    }

    /// Reduces `t` (with an extra high bit `hi`) below N by one conditional subtraction; `t` must be < 2N.
    fn reduce_once(&self, t: &mut U3072, hi: u32) {
        let mut diff = t.clone();
        let borrow = diff.sub_assign(&self.n);
        // Keep the difference when t ≥ N, i.e. when there was a high bit or no borrow.
        let keep_diff = (hi | (borrow ^ 1)) & 1;
        t.select_from(&diff, keep_diff.wrapping_neg());
    }

    /// (a + b) mod N for a, b < N.
    pub(crate) fn add(&self, a: &U3072, b: &U3072) -> U3072 {
        let mut t = a.clone();
        let carry = t.add_assign(b);
        self.reduce_once(&mut t, carry);
        t
    }

    /// (a − b) mod N for a, b < N.
    pub(crate) fn sub(&self, a: &U3072, b: &U3072) -> U3072 {
        let mut t = a.clone();
        let borrow = t.sub_assign(b);
        let mut wrapped = t.clone();
        wrapped.add_assign(&self.n);
        t.select_from(&wrapped, borrow.wrapping_neg());
        t
    }

    /// Montgomery product a·b·R⁻¹ mod N (CIOS). Needs a < 2^3072 and b < N; the result is < N.
    pub(crate) fn mul(&self, a: &U3072, b: &U3072) -> U3072 {
        let n = &self.n.0;
        let mut t = [0u32; LIMBS + 2];
        for &bi in b.0.iter() {
            let bi = u64::from(bi);
            let mut carry = 0u64;
            for j in 0..LIMBS {
                let s = u64::from(t[j]) + u64::from(a.0[j]) * bi + carry;
                t[j] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t[LIMBS]) + carry;
            t[LIMBS] = s as u32;
            t[LIMBS + 1] = (s >> 32) as u32;

            let m = u64::from(t[0].wrapping_mul(self.n0_inv));
            let s = u64::from(t[0]) + m * u64::from(n[0]);
            let mut carry = s >> 32;
            for j in 1..LIMBS {
                let s = u64::from(t[j]) + m * u64::from(n[j]) + carry;
                t[j - 1] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t[LIMBS]) + carry;
            t[LIMBS - 1] = s as u32;
            t[LIMBS] = t[LIMBS + 1] + (s >> 32) as u32;
            t[LIMBS + 1] = 0;
        }
        let mut out = U3072::ZERO;
        out.0.copy_from_slice(&t[..LIMBS]);
        let hi = t[LIMBS];
        t.zeroize();
        self.reduce_once(&mut out, hi);
        out
    }

    /// Into Montgomery form: x·R mod N, for any x < 2^3072.
    pub(crate) fn mont_in(&self, x: &U3072) -> U3072 {
        // mul needs its second operand below N; R² mod N is, and x may be anything below 2^3072.
        self.mul(x, &self.r2)
    }

    /// Out of Montgomery form: x·R⁻¹ mod N.
    pub(crate) fn mont_out(&self, x: &U3072) -> U3072 {
        let mut unit = U3072::ZERO;
        unit.0[0] = 1;
        self.mul(x, &unit)
    }

    /// x mod N for any x < 2^3072.
    pub(crate) fn reduce(&self, x: &U3072) -> U3072 {
        let mut t = x.clone();
        self.reduce_once(&mut t, 0);
        t
    }

    /// (hi·2^3072 + lo) mod N, for a number of up to 6144 bits split into two halves.
    pub(crate) fn reduce_wide(&self, hi: &U3072, lo: &U3072) -> U3072 {
        // mul(hi, R²) = hi·R mod N.
        let hi_part = self.mul(hi, &self.r2);
        self.add(&hi_part, &self.reduce(lo))
    }

    /// 2^e mod N, in Montgomery form. `exponent` is big-endian. The g = 2 shortcut: square for every
    /// bit and double (an addition) where the bit is set; the doubling is always computed and kept by
    /// mask, so the time depends only on the exponent's length.
    pub(crate) fn pow2_mont(&self, exponent: &[u8]) -> U3072 {
        let mut acc = self.one.clone();
        for &byte in exponent {
            for bit in (0..8).rev() {
                acc = self.mul(&acc, &acc);
                let doubled = self.add(&acc, &acc);
                let mask = (u32::from(byte >> bit) & 1).wrapping_neg();
                acc.select_from(&doubled, mask);
            }
        }
        acc
    }

    /// base^e mod N, with `base_mont` in Montgomery form and the result in Montgomery form.
    /// A fixed 4-bit window; the table is read with a masked scan of all 16 entries.
    pub(crate) fn pow_mont(&self, base_mont: &U3072, exponent: &[u8]) -> U3072 {
        const WINDOW: usize = 4;
        let mut table: [U3072; 1 << WINDOW] = core::array::from_fn(|_| U3072::ZERO);
        table[0] = self.one.clone();
        table[1] = base_mont.clone();
        for i in 2..table.len() {
            table[i] = self.mul(&table[i - 1], base_mont);
        }
        let mut acc = self.one.clone();
        let mut entry = U3072::ZERO;
        for &byte in exponent {
            for nibble in [byte >> 4, byte & 0x0f] {
                for _ in 0..WINDOW {
                    acc = self.mul(&acc, &acc);
                }
                for (i, candidate) in table.iter().enumerate() {
                    let mask = u32::from(i as u8 == nibble).wrapping_neg();
                    entry.select_from(candidate, mask);
                }
                acc = self.mul(&acc, &entry);
            }
        }
        acc
    }
}

/// Big-endian `a + b·c` for small operands (the SRP exponent a + u·x); no leading-zero trimming.
pub(crate) fn mul_add_be(a: &[u8], b: &[u8], c: &[u8]) -> alloc::vec::Vec<u8> {
    let len = a.len().max(b.len() + c.len()) + 1;
    // Little-endian byte accumulators in u32 so that carries can be propagated afterwards.
    let mut acc = alloc::vec![0u32; len];
    for (i, &x) in a.iter().rev().enumerate() {
        acc[i] += u32::from(x);
    }
    for (i, &x) in b.iter().rev().enumerate() {
        let mut carry = 0u32;
        for (j, &y) in c.iter().rev().enumerate() {
            let s = acc[i + j] + u32::from(x) * u32::from(y) + carry;
            acc[i + j] = s & 0xff;
            carry = s >> 8;
        }
        let mut k = i + c.len();
        while carry != 0 {
            let s = acc[k] + carry;
            acc[k] = s & 0xff;
            carry = s >> 8;
            k += 1;
        }
    }
    let mut carry = 0u32;
    for v in acc.iter_mut() {
        let s = *v + carry;
        *v = s & 0xff;
        carry = s >> 8;
    }
    let out = acc.iter().rev().map(|&v| v as u8).collect();
    acc.zeroize();
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::srp::{N_BYTES, SMALL_A_BYTES};
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn modulus() -> Modulus {
        Modulus::new(U3072::from_be_array(&N_BYTES))
    }

    fn n_big() -> BigUint {
        BigUint::from_bytes_be(&N_BYTES)
    }

    fn big(x: &U3072) -> BigUint {
        BigUint::from_bytes_be(&x.to_be_bytes())
    }

    fn u3072(x: &BigUint) -> U3072 {
        U3072::from_be_bytes(&x.to_bytes_be()).expect("fits in 3072 bits")
    }

    /// Bases that matter: 0, 1, 2, N−1, N−2, and random values below N.
    fn base_strategy() -> impl Strategy<Value = BigUint> {
        prop_oneof![
            Just(BigUint::from(0u8)),
            Just(BigUint::from(1u8)),
            Just(BigUint::from(2u8)),
            Just(n_big() - 1u8),
            Just(n_big() - 2u8),
            proptest::collection::vec(any::<u8>(), 1..=BYTES)
                .prop_map(|b| BigUint::from_bytes_be(&b) % n_big()),
        ]
    }

    /// Exponents up to the S exponent's 129 bytes, with the all-zero and all-one edge shapes.
    fn exponent_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(vec![0u8]),
            Just(vec![1u8]),
            Just(vec![0xff; SMALL_A_BYTES + 1]),
            proptest::collection::vec(any::<u8>(), 0..=SMALL_A_BYTES + 1),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn pow_matches_num_bigint(base in base_strategy(), exponent in exponent_strategy()) {
            let m = modulus();
            let got = m.mont_out(&m.pow_mont(&m.mont_in(&u3072(&base)), &exponent));
            let want = base.modpow(&BigUint::from_bytes_be(&exponent), &n_big());
            prop_assert_eq!(big(&got), want);
        }

        #[test]
        fn pow2_matches_num_bigint(exponent in exponent_strategy()) {
            let m = modulus();
            let got = m.mont_out(&m.pow2_mont(&exponent));
            let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&exponent), &n_big());
            prop_assert_eq!(big(&got), want);
        }

        #[test]
        fn mul_add_sub_match_num_bigint(a in base_strategy(), b in base_strategy()) {
            let m = modulus();
            let n = n_big();
            let (ua, ub) = (u3072(&a), u3072(&b));
            let product = m.mont_out(&m.mul(&m.mont_in(&ua), &m.mont_in(&ub)));
            prop_assert_eq!(big(&product), (&a * &b) % &n);
            prop_assert_eq!(big(&m.add(&ua, &ub)), (&a + &b) % &n);
            prop_assert_eq!(big(&m.sub(&ua, &ub)), (&a + &n - &b) % &n);
        }

        #[test]
        fn wide_reduction_matches_num_bigint(bytes in proptest::collection::vec(any::<u8>(), 0..=2 * BYTES)) {
            let m = modulus();
            let value = BigUint::from_bytes_be(&bytes);
            let mut padded = vec![0u8; 2 * BYTES - bytes.len()];
            padded.extend_from_slice(&bytes);
            let hi = U3072::from_be_bytes(&padded[..BYTES]).unwrap();
            let lo = U3072::from_be_bytes(&padded[BYTES..]).unwrap();
            prop_assert_eq!(big(&m.reduce_wide(&hi, &lo)), value % n_big());
        }

        #[test]
        fn exponent_arithmetic_matches_num_bigint(
            a in proptest::collection::vec(any::<u8>(), 0..=SMALL_A_BYTES),
            u in proptest::collection::vec(any::<u8>(), 0..=32),
            x in proptest::collection::vec(any::<u8>(), 0..=32),
        ) {
            let got = BigUint::from_bytes_be(&mul_add_be(&a, &u, &x));
            let want = BigUint::from_bytes_be(&a) + BigUint::from_bytes_be(&u) * BigUint::from_bytes_be(&x);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn byte_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..=BYTES)) {
            let v = U3072::from_be_bytes(&bytes).unwrap();
            prop_assert_eq!(BigUint::from_bytes_be(&v.to_be_bytes()), BigUint::from_bytes_be(&bytes));
        }
    }

    #[test]
    fn too_wide_values_are_refused() {
        assert!(U3072::from_be_bytes(&[1; BYTES + 1]).is_none());
        let mut leading_zeros = vec![0u8; 10];
        leading_zeros.extend_from_slice(&[0xff; BYTES]);
        assert!(U3072::from_be_bytes(&leading_zeros).is_some());
    }

    #[test]
    fn montgomery_constants() {
        let m = modulus();
        let n = n_big();
        let r = BigUint::from(1u8) << (BYTES * 8);
        assert_eq!(big(&m.one), &r % &n);
        assert_eq!(big(&m.r2), (&r * &r) % &n);
        assert_eq!(
            m.n.0[0].wrapping_mul(m.n0_inv),
            u32::MAX,
            "n0_inv = -N^-1 mod 2^32"
        );
    }
}
