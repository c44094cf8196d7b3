//! Fixed-size arithmetic modulo the 3072-bit SRP group prime N, in Montgomery form, tuned for
//! WebAssembly. Part of cognito-kit (its `srp` module is the only user).
//!
//! A crate of its own so that it can be optimized for speed (opt-level 3) while the rest of the
//! kit's WebAssembly is optimized for size: Cargo sets optimization levels per crate, and this is
//! where the time goes (thousands of 3072-bit multiplications per sign-in; at opt-level "z" a full
//! SRP exchange is about 3× slower).
//!
//! Why it looks like this:
//! - wasm has no 64×64→128 multiply, so limbs are 28 bits held in `u64`: a product is < 2^56 and a
//!   whole column of up to 220 products (multiplication plus reduction) sums in a `u64` without
//!   overflow. The inner loops are then a bare multiply-add with no carry chain (product scanning,
//!   the "FIPS" Montgomery method), which is what a wasm engine runs fastest.
//! - 110 limbs = 3080 bits, so R = 2^3080 > 4N: Montgomery products of inputs below 2N stay below 2N,
//!   and no conditional subtraction is needed until a value leaves Montgomery form (Walter, 1999).
//! - Squaring has its own routine (each cross product computed once and doubled).
//! - g = 2 is a fixed base: a comb over four precomputed powers g^(2^(j·d)) turns a d·4-bit exponent
//!   into d squarings and d multiplications instead of 4·d squarings.
//!
//! Every routine takes time that depends only on the lengths of its inputs, not their values: no
//! branch or index depends on a secret, and window tables are read by a masked scan of all entries.
//! Values that hold secrets are zeroed when dropped.

// Limb loops index several arrays at once; ranges read clearer than zipped iterators there.
#![allow(clippy::needless_range_loop)]
#![cfg_attr(not(test), no_std)]
// Built by the package's pinned nightly (scripts/build-pkg.sh sets `--cfg cognito_kit_nightly`), the
// routines that run a few times per exchange are compiled for size inside this crate's opt-level 2:
// only the Montgomery product and square (with what they inline) and the window scan `select` run
// thousands of times. 1.0 KB brotli less (64,666 → 63,623 B of wasm), the full SRP exchange in Node
// the same (9.30 / 9.32 ms, 60 interleaved); `select` for size too was 60 B less and 5% slower.
#![cfg_attr(cognito_kit_nightly, feature(optimize_attribute))]
#![deny(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;

use alloc::vec::Vec;
use zeroize::Zeroize;

/// Bits per limb.
const LIMB_BITS: u32 = 28;
const MASK: u64 = (1 << LIMB_BITS) - 1;
const MASK32: u32 = (1 << LIMB_BITS) - 1;
/// Limbs per number: 110 × 28 = 3080 bits.
pub const LIMBS: usize = 110;
/// Bytes of a 3072-bit number.
pub const BYTES: usize = 384;
/// Bits of R = 2^3080.
const R_BITS: usize = LIMBS * LIMB_BITS as usize;

/// The group prime N: RFC 3526's 3072-bit MODP prime, big-endian hex.
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

const fn hex_nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

const fn n_bytes() -> [u8; BYTES] {
    let hex = N_HEX.as_bytes();
    let mut out = [0u8; BYTES];
    let mut i = 0;
    while i < BYTES {
        out[i] = hex_nibble(hex[2 * i]) << 4 | hex_nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

/// N as big-endian bytes.
pub const N_BYTES: [u8; BYTES] = n_bytes();

/// A number below 2^3080 in 28-bit limbs, little-endian. Zeroed on drop. The limbs are private:
/// every limb must stay below 2^28 for the column sums to fit in 64 bits, and only this crate's
/// conversions guarantee it. `==` takes variable time: compare only public values with it.
#[derive(Clone, PartialEq, Eq)]
pub struct Num([u32; LIMBS]);

impl Drop for Num {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Num {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Num(<redacted>)")
    }
}

impl Num {
    /// Zero.
    pub const ZERO: Num = Num([0; LIMBS]);

    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn small(v: u32) -> Num {
        let mut out = Num::ZERO;
        out.0[0] = v & MASK32;
        out.0[1] = v >> LIMB_BITS;
        out
    }

    /// From big-endian bytes; `None` when the value needs more than 3072 bits.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn from_be_bytes(bytes: &[u8]) -> Option<Num> {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let digits = &bytes[start..];
        if digits.len() > BYTES {
            return None;
        }
        let mut out = Num::ZERO;
        for (i, &b) in digits.iter().rev().enumerate() {
            let bit = i * 8;
            let (limb, shift) = (bit / LIMB_BITS as usize, bit as u32 % LIMB_BITS);
            out.0[limb] |= (u32::from(b) << shift) & MASK32;
            if shift > LIMB_BITS - 8 {
                out.0[limb + 1] |= u32::from(b) >> (LIMB_BITS - shift);
            }
        }
        Some(out)
    }

    /// Big-endian bytes of a value below 2^3072, always [`BYTES`] long (higher bits are dropped).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn to_be_bytes(&self) -> [u8; BYTES] {
        let mut out = [0u8; BYTES];
        for i in 0..BYTES {
            let bit = i * 8;
            let (limb, shift) = (bit / LIMB_BITS as usize, bit as u32 % LIMB_BITS);
            let mut v = self.0[limb] >> shift;
            if shift > LIMB_BITS - 8 {
                v |= self.0[limb + 1] << (LIMB_BITS - shift);
            }
            out[BYTES - 1 - i] = v as u8;
        }
        out
    }

    /// Whether every limb is zero (in constant time).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn is_zero(&self) -> bool {
        self.0.iter().fold(0u32, |acc, &l| acc | l) == 0
    }

    /// `self − other`, in place; returns 1 when it wrapped (other > self).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn sub_assign(&mut self, other: &Num) -> u32 {
        let mut borrow = 0u32;
        for i in 0..LIMBS {
            let d = self.0[i].wrapping_sub(other.0[i]).wrapping_sub(borrow);
            self.0[i] = d & MASK32;
            borrow = d >> 31;
        }
        borrow
    }

    /// `self + other`, in place; returns the carry out of the top limb.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn add_assign(&mut self, other: &Num) -> u32 {
        let mut carry = 0u32;
        for i in 0..LIMBS {
            let s = self.0[i] + other.0[i] + carry;
            self.0[i] = s & MASK32;
            carry = s >> LIMB_BITS;
        }
        carry
    }

    /// `self = other` where `mask` is all ones, unchanged where it is zero; no branch on `mask`.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn select_from(&mut self, other: &Num, mask: u32) {
        for i in 0..LIMBS {
            self.0[i] ^= (self.0[i] ^ other.0[i]) & mask;
        }
    }
}

/// Arithmetic modulo an odd modulus N with 2^3071 < N < 2^3072.
pub struct Modulus {
    n: Num,
    /// N's limbs in reverse order, so that every column of m·N is a dot product of two ascending slices.
    n_rev: [u32; LIMBS],
    /// −N⁻¹ mod 2^28.
    n0_inv: u64,
    /// R² mod N: multiplying by it enters Montgomery form.
    r2: Num,
    /// 2^3072·R mod N: Montgomery-multiplying by it shifts up by 3072 bits (for wide reductions).
    shift_3072: Num,
}

impl Modulus {
    /// Precomputes the Montgomery constants of `n`, which must be odd with its top bit at 3071 (the
    /// SRP group prime is; a test checks it).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn new(n: Num) -> Modulus {
        // Newton iteration for N⁻¹ mod 2^28: each step doubles the number of correct low bits.
        let n0 = u64::from(n.0[0]);
        let mut inv: u64 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv))) & MASK;
        }
        let n0_inv = inv.wrapping_neg() & MASK;
        let mut n_rev = n.0;
        n_rev.reverse();
        let mut m = Modulus {
            n,
            n_rev,
            n0_inv,
            r2: Num::ZERO,
            shift_3072: Num::ZERO,
        };
        // 2^3071 < N (N's top bit is 3071); doubled once, 2^3072 mod N; nine times, R = 2^3080
        // mod N: 1 in Montgomery form; once more, 2 in Montgomery form.
        let mut top = Num::ZERO;
        top.0[(BYTES * 8 - 1) / LIMB_BITS as usize] = 1 << ((BYTES * 8 - 1) % LIMB_BITS as usize);
        let p3072 = m.double(&top);
        let mut one = top;
        for _ in BYTES * 8 - 1..R_BITS {
            one = m.double(&one);
        }
        let two = m.double(&one);
        // R² mod N is 2^3080 in Montgomery form: 2^3080 by square-and-multiply on Montgomery
        // products (a dozen of them, where doubling 1 up to 2^6160 took 6,160 additions: most of a
        // page's first sign-in before the first SRP step).
        let mut r2 = one;
        for bit in (0..usize::BITS - R_BITS.leading_zeros()).rev() {
            r2 = m.square(&r2);
            if (R_BITS >> bit) & 1 == 1 {
                r2 = m.mul(&r2, &two);
            }
        }
        m.reduce_once(&mut r2);
        m.r2 = r2;
        // 2^3072·R mod N: 2^3072 into Montgomery form.
        let mut shift = m.mont_in(&p3072);
        m.reduce_once(&mut shift);
        m.shift_3072 = shift;
        m
    }

    /// 2x mod N for x < N (called, not inlined: only `new` uses it, a dozen times).
    #[inline(never)]
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn double(&self, x: &Num) -> Num {
        self.add(x, x)
    }

    /// Subtracts N once where `t` ≥ N; `t` must be < 2N.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    fn reduce_once(&self, t: &mut Num) {
        let mut diff = t.clone();
        let borrow = diff.sub_assign(&self.n);
        t.select_from(&diff, core::hint::black_box(borrow.wrapping_sub(1)));
    }

    /// (a + b) mod N for a, b < N.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn add(&self, a: &Num, b: &Num) -> Num {
        let mut t = a.clone();
        t.add_assign(b);
        self.reduce_once(&mut t);
        t
    }

    /// (a − b) mod N for a, b < N.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn sub(&self, a: &Num, b: &Num) -> Num {
        let mut t = a.clone();
        let borrow = t.sub_assign(b);
        let mut wrapped = t.clone();
        wrapped.add_assign(&self.n);
        t.select_from(&wrapped, core::hint::black_box(borrow.wrapping_neg()));
        t
    }

    /// Montgomery product a·b·R⁻¹ mod N, below 2N, for a·b < R·N (e.g. both below 2N).
    pub fn mul(&self, a: &Num, b: &Num) -> Num {
        let mut b_rev = b.0;
        b_rev.reverse();
        let out = self.redc(|k| {
            // Column k of a·b: Σ a[i]·b[k−i] = a[lo..=hi] · b_rev[L−1−k+lo ..].
            let (lo, hi) = column_range(k);
            dot(
                &a.0[lo..=hi],
                &b_rev[LIMBS - 1 + lo - k..=LIMBS - 1 + hi - k],
            )
        });
        b_rev.zeroize();
        out
    }

    /// Montgomery square a²·R⁻¹ mod N, below 2N, for a < 2N. Each cross product is computed once.
    pub fn square(&self, a: &Num) -> Num {
        let mut a_rev = a.0;
        a_rev.reverse();
        let out = self.redc(|k| {
            // Column k of a²: pairs (i, k−i) with i < k−i counted twice, plus a[k/2]² for even k.
            let (lo, hi) = column_range(k);
            let length = hi - lo + 1;
            let pairs = length / 2;
            let cross = dot(
                &a.0[lo..lo + pairs],
                &a_rev[LIMBS - 1 - hi..LIMBS - 1 - hi + pairs],
            );
            let middle = if k % 2 == 0 {
                u64::from(a.0[k / 2]) * u64::from(a.0[k / 2])
            } else {
                0
            };
            2 * cross + middle
        });
        a_rev.zeroize();
        out
    }

    /// a^(2^times) in Montgomery form: `times` Montgomery squares (the powers of a fixed base that
    /// its comb tables start from).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn square_times(&self, a: &Num, times: usize) -> Num {
        let mut p = a.clone();
        for _ in 0..times {
            p = self.square(&p);
        }
        p
    }

    /// Montgomery reduction interleaved with a product whose column k is `column(k)` (product
    /// scanning): returns (Σ column(k)·2^(28k))·R⁻¹ mod N, below 2N when the product is below R·N.
    #[inline(always)]
    fn redc(&self, column: impl Fn(usize) -> u64) -> Num {
        let mut m = [0u32; LIMBS];
        let mut out = Num::ZERO;
        let mut acc: u64 = 0;
        // Columns 0..LIMBS: add m[k]·N to cancel the low half, one limb at a time.
        for k in 0..LIMBS {
            acc += column(k);
            // Σ m[i]·n[k−i] for i < k = m[0..k] · n_rev[L−1−k .. L−1].
            acc += dot(&m[..k], &self.n_rev[LIMBS - 1 - k..LIMBS - 1]);
            let mk = acc.wrapping_mul(self.n0_inv) & MASK;
            m[k] = mk as u32;
            acc += mk * u64::from(self.n.0[0]);
            acc >>= LIMB_BITS;
        }
        // Columns LIMBS..2·LIMBS−1: the high half is the result.
        for k in LIMBS..2 * LIMBS - 1 {
            let lo = k + 1 - LIMBS;
            acc += column(k);
            acc += dot(&m[lo..], &self.n_rev[..LIMBS - lo]);
            out.0[k - LIMBS] = (acc & MASK) as u32;
            acc >>= LIMB_BITS;
        }
        out.0[LIMBS - 1] = acc as u32;
        m.zeroize();
        out
    }

    /// Into Montgomery form: x·R mod N (below 2N), for any x < 2^3080.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn mont_in(&self, x: &Num) -> Num {
        self.mul(x, &self.r2)
    }

    /// Out of Montgomery form, fully reduced: x·R⁻¹ mod N, below N.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn mont_out(&self, x: &Num) -> Num {
        let mut t = self.mul(x, &Num::small(1));
        self.reduce_once(&mut t);
        t
    }

    /// A lazily reduced value (below 2N) brought below N, staying in the same form.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn reduce_lazy(&self, x: &Num) -> Num {
        let mut t = x.clone();
        self.reduce_once(&mut t);
        t
    }

    /// x mod N for x < 2^3072 (< 2N).
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn reduce(&self, x: &Num) -> Num {
        let mut t = x.clone();
        self.reduce_once(&mut t);
        t
    }

    /// (hi·2^3072 + lo) mod N for hi, lo < 2^3072: a number of up to 6144 bits in two halves.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn reduce_wide(&self, hi: &Num, lo: &Num) -> Num {
        // mul(hi, 2^3072·R mod N) = hi·2^3072 mod N, below 2N.
        let mut hi_part = self.mul(hi, &self.shift_3072);
        self.reduce_once(&mut hi_part);
        self.add(&hi_part, &self.reduce(lo))
    }

    /// base^e mod N with `base_mont` (below 2N) and the result (below 2N) in Montgomery form.
    /// Fixed 4-bit windows; the table is read by a masked scan of all 16 entries.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn pow(&self, base_mont: &Num, exponent: &[u8]) -> Num {
        const WINDOW: usize = 4;
        let one = self.mont_in(&Num::small(1));
        let mut table: [Num; 1 << WINDOW] = core::array::from_fn(|_| Num::ZERO);
        table[0] = one.clone();
        table[1] = base_mont.clone();
        for i in 2..table.len() {
            table[i] = if i % 2 == 0 {
                self.square(&table[i / 2])
            } else {
                self.mul(&table[i - 1], base_mont)
            };
        }
        let mut acc = one;
        let mut entry = Num::ZERO;
        let mut first = true;
        for &byte in exponent {
            for nibble in [byte >> 4, byte & 0x0f] {
                if !first {
                    for _ in 0..WINDOW {
                        acc = self.square(&acc);
                    }
                }
                first = false;
                select(&table, usize::from(nibble), &mut entry);
                acc = self.mul(&acc, &entry);
            }
        }
        acc
    }
}

/// The limbs i of column k of a product of two LIMBS-limb numbers: lo ≤ i ≤ hi with k − i in range.
#[inline(always)]
fn column_range(k: usize) -> (usize, usize) {
    (k.saturating_sub(LIMBS - 1), k.min(LIMBS - 1))
}

/// Σ `x[i]·y[i]` over two slices of equal length, in a `u64` (the caller keeps the sum below 2^64).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
pub fn dot(x: &[u32], y: &[u32]) -> u64 {
    debug_assert_eq!(x.len(), y.len());
    dot_scalar(x, y)
}

/// The portable Σ `x[i]·y[i]`, against which the SIMD one is tested in a browser.
#[inline(always)]
pub fn dot_scalar(x: &[u32], y: &[u32]) -> u64 {
    x.iter()
        .zip(y)
        .fold(0u64, |s, (&p, &q)| s + u64::from(p) * u64::from(q))
}

/// Σ `x[i]·y[i]` with wasm SIMD: `i64x2.extmul_{low,high}_i32x4_u` make four 32×32→64 products from
/// two 128-bit loads, summed in two 64-bit lanes. `x` and `y` must have the same length.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
#[allow(unsafe_code)]
pub fn dot(x: &[u32], y: &[u32]) -> u64 {
    debug_assert_eq!(x.len(), y.len());
    use core::arch::wasm32::{
        u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4, u64x2_extract_lane,
        u64x2_splat, v128, v128_load,
    };
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let (x_tail, y_tail) = (xs.remainder(), ys.remainder());
    let mut lanes = u64x2_splat(0);
    for (p, q) in xs.zip(ys) {
        // SAFETY: each chunk is exactly four u32 = 16 readable bytes, and v128.load has no alignment
        // requirement. (Building the vector from four scalars instead is safe but twice as slow.)
        let (vp, vq) = unsafe {
            (
                v128_load(p.as_ptr().cast::<v128>()),
                v128_load(q.as_ptr().cast::<v128>()),
            )
        };
        lanes = u64x2_add(lanes, u64x2_extmul_low_u32x4(vp, vq));
        lanes = u64x2_add(lanes, u64x2_extmul_high_u32x4(vp, vq));
    }
    u64x2_extract_lane::<0>(lanes) + u64x2_extract_lane::<1>(lanes) + dot_scalar(x_tail, y_tail)
}

/// `out = table[index]`, reading every entry so that the access pattern does not depend on `index`.
fn select(table: &[Num], index: usize, out: &mut Num) {
    for (i, candidate) in table.iter().enumerate() {
        // black_box keeps the optimizer from turning the mask back into a branch or a direct load.
        let mask = core::hint::black_box(u32::from(i == index).wrapping_neg());
        out.select_from(candidate, mask);
    }
}

/// A fixed base with a comb table: g^e for exponents of up to 4·`span` bits in `span` squarings and
/// `span` multiplications. Entry i of the table is Π_{j: bit j of i} g^(2^(j·span)), in Montgomery form.
pub struct FixedBase {
    span: usize,
    table: [Num; 16],
}

impl FixedBase {
    /// The comb table of `base_mont` for exponents of up to 4·`span` bits.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn new(m: &Modulus, base_mont: &Num, span: usize) -> FixedBase {
        let mut powers: [Num; 4] = core::array::from_fn(|_| Num::ZERO);
        powers[0] = base_mont.clone();
        for j in 1..4 {
            powers[j] = m.square_times(&powers[j - 1], span);
        }
        Self::from_powers(m, &powers, span)
    }

    /// The comb table from the four powers g^(2^(j·span)), j = 0..3, in Montgomery form.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn from_powers(m: &Modulus, powers: &[Num; 4], span: usize) -> FixedBase {
        let mut table: [Num; 16] = core::array::from_fn(|_| Num::ZERO);
        table[0] = m.mont_in(&Num::small(1));
        for i in 1..16usize {
            let low = i & (i - 1); // i without its lowest set bit
            let j = i.trailing_zeros() as usize;
            table[i] = if low == 0 {
                powers[j].clone()
            } else {
                m.mul(&table[low], &powers[j])
            };
        }
        FixedBase { span, table }
    }

    /// g^e in Montgomery form (below 2N). `exponent` is big-endian and at most 4·span bits long.
    #[cfg_attr(cognito_kit_nightly, optimize(size))]
    pub fn pow(&self, m: &Modulus, exponent: &[u8]) -> Num {
        debug_assert!(exponent.len() * 8 <= 4 * self.span);
        let bit = |position: usize| -> usize {
            let byte = exponent
                .len()
                .checked_sub(1 + position / 8)
                .and_then(|i| exponent.get(i))
                .copied()
                .unwrap_or(0);
            usize::from(byte >> (position % 8) & 1)
        };
        let mut acc = self.table[0].clone();
        let mut entry = Num::ZERO;
        for i in (0..self.span).rev() {
            if i + 1 != self.span {
                acc = m.square(&acc);
            }
            let index = bit(i)
                | bit(i + self.span) << 1
                | bit(i + 2 * self.span) << 2
                | bit(i + 3 * self.span) << 3;
            select(&self.table, index, &mut entry);
            acc = m.mul(&acc, &entry);
        }
        acc
    }
}

/// Big-endian `a + b·c` for small operands (the SRP exponent a + u·x).
#[cfg_attr(cognito_kit_nightly, optimize(size))]
pub fn mul_add_be(a: &[u8], b: &[u8], c: &[u8]) -> Vec<u8> {
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
        // Propagate over the whole remaining range, so the time does not depend on the values.
        for slot in acc[i + c.len()..].iter_mut() {
            let s = *slot + carry;
            *slot = s & 0xff;
            carry = s >> 8;
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
    /// The kit's `srp::SMALL_A_BYTES`: bytes of the client's random `a`.
    const SMALL_A_BYTES: usize = 128;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn modulus() -> Modulus {
        Modulus::new(Num::from_be_bytes(&N_BYTES).unwrap())
    }

    fn n_big() -> BigUint {
        BigUint::from_bytes_be(&N_BYTES)
    }

    /// The value of a Num, limb by limb (works for values of up to 3080 bits).
    fn big(x: &Num) -> BigUint {
        x.0.iter()
            .rev()
            .fold(BigUint::from(0u8), |acc, &l| (acc << LIMB_BITS) + l)
    }

    fn num(x: &BigUint) -> Num {
        Num::from_be_bytes(&x.to_bytes_be()).expect("fits in 3072 bits")
    }

    fn r_big() -> BigUint {
        BigUint::from(1u8) << R_BITS
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
            Just(vec![]),
            Just(vec![0xff; SMALL_A_BYTES + 1]),
            proptest::collection::vec(any::<u8>(), 0..=SMALL_A_BYTES + 1),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn pow_matches_num_bigint(base in base_strategy(), exponent in exponent_strategy()) {
            let m = modulus();
            let got = m.mont_out(&m.pow(&m.mont_in(&num(&base)), &exponent));
            let want = base.modpow(&BigUint::from_bytes_be(&exponent), &n_big());
            prop_assert_eq!(big(&got), want);
        }

        #[test]
        fn comb_matches_num_bigint(exponent in proptest::collection::vec(any::<u8>(), 0..=32)) {
            let m = modulus();
            let two = m.mont_in(&Num::small(2));
            let comb = FixedBase::new(&m, &two, 64);
            let got = m.mont_out(&comb.pow(&m, &exponent));
            let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&exponent), &n_big());
            prop_assert_eq!(big(&got), want);
        }

        #[test]
        fn mul_square_add_sub_match_num_bigint(a in base_strategy(), b in base_strategy()) {
            let m = modulus();
            let n = n_big();
            let (ua, ub) = (num(&a), num(&b));
            let product = m.mont_out(&m.mul(&m.mont_in(&ua), &m.mont_in(&ub)));
            prop_assert_eq!(big(&product), (&a * &b) % &n);
            let square = m.mont_out(&m.square(&m.mont_in(&ua)));
            prop_assert_eq!(big(&square), (&a * &a) % &n);
            prop_assert_eq!(big(&m.add(&ua, &ub)), (&a + &b) % &n);
            prop_assert_eq!(big(&m.sub(&ua, &ub)), (&a + &n - &b) % &n);
        }

        /// Lazy reduction: inputs anywhere below 2N give outputs below 2N that are congruent.
        #[test]
        fn lazy_inputs_below_2n(a in base_strategy(), b in base_strategy()) {
            let m = modulus();
            let n = n_big();
            let (a2, b2) = (&a + &n, &b + &n); // in [N, 2N)
            let (x, y) = (m.mul(&num_wide(&a2), &num_wide(&b2)), m.square(&num_wide(&a2)));
            let r_inv = r_big().modinv(&n).unwrap();
            prop_assert!(big(&x) < &n * 2u8 && big(&y) < &n * 2u8);
            prop_assert_eq!(big(&x) % &n, (&a * &b * &r_inv) % &n);
            prop_assert_eq!(big(&y) % &n, (&a * &a * &r_inv) % &n);
        }

        #[test]
        fn wide_reduction_matches_num_bigint(bytes in proptest::collection::vec(any::<u8>(), 0..=2 * BYTES)) {
            let m = modulus();
            let value = BigUint::from_bytes_be(&bytes);
            let mut padded = vec![0u8; 2 * BYTES - bytes.len()];
            padded.extend_from_slice(&bytes);
            let hi = Num::from_be_bytes(&padded[..BYTES]).unwrap();
            let lo = Num::from_be_bytes(&padded[BYTES..]).unwrap();
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
            let v = Num::from_be_bytes(&bytes).unwrap();
            prop_assert_eq!(big(&v), BigUint::from_bytes_be(&bytes));
            prop_assert_eq!(BigUint::from_bytes_be(&v.to_be_bytes()), BigUint::from_bytes_be(&bytes));
        }
    }

    /// A Num from a value of up to 3080 bits (wider than `from_be_bytes` accepts).
    fn num_wide(x: &BigUint) -> Num {
        let mut out = Num::ZERO;
        let mut v = x.clone();
        for limb in out.0.iter_mut() {
            *limb = (&v & BigUint::from(MASK)).try_into().unwrap();
            v >>= LIMB_BITS;
        }
        assert_eq!(v, BigUint::from(0u8));
        out
    }

    #[test]
    fn too_wide_values_are_refused() {
        assert!(Num::from_be_bytes(&[1; BYTES + 1]).is_none());
        let mut leading_zeros = vec![0u8; 10];
        leading_zeros.extend_from_slice(&[0xff; BYTES]);
        assert!(Num::from_be_bytes(&leading_zeros).is_some());
    }

    #[test]
    fn montgomery_constants() {
        let m = modulus();
        let n = n_big();
        assert!(
            r_big() > &n * 4u8,
            "R > 4N is what lets products skip the final subtraction"
        );
        assert_eq!(big(&m.r2), (r_big() * r_big()) % &n);
        assert_eq!(
            big(&m.shift_3072),
            ((BigUint::from(1u8) << (BYTES * 8)) * r_big()) % &n
        );
        assert_eq!(
            (u64::from(m.n.0[0]) * m.n0_inv) & MASK,
            MASK,
            "n0_inv = -N^-1 mod 2^28"
        );
    }

    /// The largest values the routines may see: every limb at its maximum below 2^3080 is not
    /// allowed (inputs must be below 2N), so use 2N − 1 and N − 1, whose limbs are nearly all full.
    #[test]
    fn extreme_inputs_match_num_bigint() {
        let m = modulus();
        let n = n_big();
        let r_inv = r_big().modinv(&n).unwrap();
        for a in [&n * 2u8 - 1u8, &n - 1u8, n.clone()] {
            for b in [&n * 2u8 - 1u8, &n - 1u8, BigUint::from(1u8)] {
                let x = m.mul(&num_wide(&a), &num_wide(&b));
                assert!(big(&x) < &n * 2u8);
                assert_eq!(big(&x) % &n, (&a * &b * &r_inv) % &n);
            }
            let y = m.square(&num_wide(&a));
            assert!(big(&y) < &n * 2u8);
            assert_eq!(big(&y) % &n, (&a * &a * &r_inv) % &n);
        }
    }

    #[test]
    fn column_sums_cannot_overflow() {
        // The largest column holds LIMBS products from a·b, LIMBS from m·N, and a carry below 2^36.
        let worst = 2 * LIMBS as u128 * u128::from(MASK) * u128::from(MASK) + (1u128 << 36);
        assert!(worst < 1u128 << 64);
    }
}
