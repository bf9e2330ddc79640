//! GB/T 32918.2 §6.1 signing, A3–A7, for a digest e = SM3(Z ‖ M) the caller computed,
//! in constant time.
//!
//! `[k]G` walks G's comb ([`crate::comb`]: d·16^i·G for every 4-bit digit d of k): each of the
//! 64 windows reads all 15 entries and keeps the one whose index matches by masks, adds it with
//! the complete mixed formula of Renes, Costello and Batina (eprint 2015/1060, Algorithm 5,
//! a = −3), which has no exceptional case, and keeps the sum or the old value by masks when the
//! digit is 0. The affine x comes from one Fermat inversion. No branch and no memory address
//! depends on k or d; the only branches are on the retries of A5/A6 (r = 0, r + k = n, s = 0),
//! whose chance is 2⁻²⁵⁵ and which reveal nothing but that a fresh k was drawn.
//!
//! The nonce is hedged: k = SHA-512(domain ‖ d ‖ e ‖ 32 fresh random bytes) reduced mod n from
//! 512 bits (no bias), so a weak random source alone does not expose d, and (1 + d)⁻¹ is
//! computed once per key. The key and every buffer that held secret bytes are zeroized.

use crate::field::Fe;
use crate::point::Affine;
use sha2::Digest;
use sm2::Scalar;
use sm2::elliptic_curve::ff::PrimeField as _;
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// b in Montgomery form (GB/T 32918.5).
const B: Fe = Fe([
    0x90d2_3063_2bc0_dd42,
    0x71cf_379a_e9b5_37ab,
    0x5279_8150_5ea5_1c3c,
    0x240f_e188_ba20_e2c8,
]);

/// 2²⁵⁶ mod n, big-endian: the weight of the high half of a 512-bit nonce.
const R256_MOD_N: [u8; 32] =
    crate::hex("000000010000000000000000000000008DFC2094DE39FAD4AC440BF6C62ABEDD");

/// A point in homogeneous projective coordinates (X/Z, Y/Z); the identity is (0 : 1 : 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Projective {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Projective {
    const IDENTITY: Projective = Projective {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// self + q, complete for every self (the identity included) and every affine q on the
    /// curve (RCB Algorithm 5, a = −3: 11M + 2 multiplications by b).
    fn add_affine(&self, q: &Affine) -> Projective {
        // Products through the portable field only (see `Fe::mul_ct`).
        let m = |a: Fe, b: Fe| a.mul_ct(&b);
        let (x1, y1, z1) = (self.x, self.y, self.z);
        let t0 = m(x1, q.x);
        let t1 = m(y1, q.y);
        let t3 = m(q.x + q.y, x1 + y1) - (t0 + t1);
        let t4 = m(q.y, z1) + y1;
        let y3 = m(q.x, z1) + x1;
        let z3 = m(B, z1);
        let x3 = y3 - z3;
        let x3 = x3.double() + x3;
        let z3 = t1 - x3;
        let x3 = t1 + x3;
        let t2 = z1.double() + z1;
        let y3 = m(B, y3) - t2 - t0;
        let y3 = y3.double() + y3;
        let t0 = t0.double() + t0 - t2;
        let t1 = m(t4, y3);
        let t2 = m(t0, y3);
        let y3 = m(x3, z3) + t2;
        let x3 = m(t3, x3) - t1;
        let z3 = m(t4, z3) + m(t3, t0);
        Projective {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `a` where `mask` is all ones, `b` where it is zero.
    fn select(mask: u64, a: &Projective, b: &Projective) -> Projective {
        Projective {
            x: Fe::select(mask, &a.x, &b.x),
            y: Fe::select(mask, &a.y, &b.y),
            z: Fe::select(mask, &a.z, &b.z),
        }
    }

    /// Affine coordinates by one constant-time inversion; (0, 0) for the identity, which no
    /// caller passes (k ∈ [1, n − 1]).
    fn to_affine(self) -> (Fe, Fe) {
        let zinv = self.z.invert_ct();
        (self.x.mul_ct(&zinv), self.y.mul_ct(&zinv))
    }
}

/// All ones if a = b, else 0, without a branch.
#[inline(always)]
fn mask_eq(a: u8, b: u8) -> u64 {
    0u64.wrapping_sub(u64::from(a.ct_eq(&b).unwrap_u8()))
}

/// [k]G in constant time.
pub(crate) fn mul_base(k: &Scalar) -> Projective {
    let mut be: [u8; 32] = k.to_repr().into();
    let comb = crate::comb::generator();
    let mut acc = Projective::IDENTITY;
    for (i, window) in comb.windows.iter().enumerate() {
        // The position of the digit is public; its value is not.
        let byte = be[31 - i / 2];
        let d = if i % 2 == 0 { byte & 0xf } else { byte >> 4 };
        let mut entry = Affine {
            x: Fe::ZERO,
            y: Fe::ZERO,
        };
        for (j, candidate) in window.iter().enumerate() {
            let m = mask_eq(d, j as u8 + 1);
            entry.x = Fe::select(m, &candidate.x, &entry.x);
            entry.y = Fe::select(m, &candidate.y, &entry.y);
        }
        let sum = acc.add_affine(&entry);
        acc = Projective::select(mask_eq(d, 0), &acc, &sum);
    }
    be.zeroize();
    acc
}

/// A signing key d ∈ [1, n − 2] with (1 + d)⁻¹ and the public point, zeroized on drop.
pub struct SigningKey {
    d: Scalar,
    one_plus_d_inv: Scalar,
    public: [u8; 65],
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(sm2, …)")
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        // SAFETY: both are plain `Copy` values owned by self; the writes cannot be elided.
        unsafe {
            std::ptr::write_volatile(&mut self.d, Scalar::ZERO);
            std::ptr::write_volatile(&mut self.one_plus_d_inv, Scalar::ZERO);
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

/// Why a signature could not be made.
#[derive(Debug, PartialEq, Eq)]
pub enum SignError {
    /// The operating system's random source failed.
    Random,
}

impl SigningKey {
    /// The key with this big-endian scalar, if it lies in [1, n − 2] (GB/T 32918.1 §6.1: 1 + d
    /// must be invertible).
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<SigningKey> {
        let d: Option<Scalar> = Scalar::from_repr((*bytes).into()).into();
        let d = d?;
        let one_plus_d = d + Scalar::ONE;
        // The validity checks are on the key's own range, not a per-signature secret.
        if bool::from(d.is_zero()) || bool::from(one_plus_d.is_zero()) {
            return None;
        }
        let one_plus_d_inv: Scalar = Option::from(one_plus_d.invert())?;
        let (x, y) = mul_base(&d).to_affine();
        let mut public = [0u8; 65];
        public[0] = 0x04;
        public[1..33].copy_from_slice(&x.to_bytes());
        public[33..65].copy_from_slice(&y.to_bytes());
        Some(SigningKey {
            d,
            one_plus_d_inv,
            public,
        })
    }

    /// The public key, 65-byte uncompressed SEC1.
    pub fn public_key(&self) -> &[u8; 65] {
        &self.public
    }

    /// The signature (r, s), 32 bytes each big-endian, on the digest e, with a fresh hedged
    /// nonce.
    pub fn sign_prehash(&self, e: &[u8; 32]) -> Result<([u8; 32], [u8; 32]), SignError> {
        loop {
            let mut k = self.nonce(e)?;
            let signed = self.sign_prehash_with_nonce(e, &k);
            // SAFETY: a plain `Copy` value on this frame.
            unsafe { std::ptr::write_volatile(&mut k, Scalar::ZERO) };
            if let Some((r, s)) = signed {
                return Ok((r.to_repr().into(), s.to_repr().into()));
            }
        }
    }

    /// A3–A6 with the nonce k given; `None` when the standard says to draw another k
    /// (r = 0, r + k = n or s = 0). **For tests and the timing harness only**: a nonce used
    /// twice, or a known one, gives d away.
    #[doc(hidden)]
    pub fn sign_prehash_with_nonce(&self, e: &[u8; 32], k: &Scalar) -> Option<(Scalar, Scalar)> {
        // k = 0 (chance 2⁻²⁵⁶ from the nonce) would make [k]G the identity.
        if bool::from(k.is_zero()) {
            return None;
        }
        let (x1, _) = mul_base(k).to_affine();
        let e = <Scalar as Reduce<sm2::FieldBytes>>::reduce(&sm2::FieldBytes::from(*e));
        let x1 = <Scalar as Reduce<sm2::FieldBytes>>::reduce(&sm2::FieldBytes::from(x1.to_bytes()));
        // A5: r = (e + x1) mod n; another k if r = 0 or r + k = n.
        let r = e + x1;
        if bool::from(r.is_zero() | (r + k).is_zero()) {
            return None;
        }
        // A6: s = (1 + d)⁻¹ · (k − r·d) mod n; another k if s = 0.
        let s = self.one_plus_d_inv * (*k - r * self.d);
        if bool::from(s.is_zero()) {
            return None;
        }
        Some((r, s))
    }

    /// k from 512 hedged bits: SHA-512(domain ‖ d ‖ e ‖ random), reduced mod n as
    /// hi·2²⁵⁶ + lo, each half reduced once (below 2n, so one conditional subtraction).
    fn nonce(&self, e: &[u8; 32]) -> Result<Scalar, SignError> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|_| SignError::Random)?;
        let mut d: [u8; 32] = self.d.to_repr().into();
        let mut h = sha2::Sha512::new();
        h.update(b"yinxin sm2 nonce v1");
        h.update(d);
        h.update(e);
        h.update(fresh);
        let mut wide: [u8; 64] = h.finalize().into();
        let mut hi = [0u8; 32];
        let mut lo = [0u8; 32];
        hi.copy_from_slice(&wide[..32]);
        lo.copy_from_slice(&wide[32..]);
        let reduce =
            |b: &[u8; 32]| <Scalar as Reduce<sm2::FieldBytes>>::reduce(&sm2::FieldBytes::from(*b));
        let weight = reduce(&R256_MOD_N);
        let k = reduce(&hi) * weight + reduce(&lo);
        for buf in [&mut d, &mut fresh, &mut hi, &mut lo] {
            buf.zeroize();
        }
        wide.zeroize();
        Ok(k)
    }
}

#[cfg(test)]
mod tests;
