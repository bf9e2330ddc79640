//! `[a]G + [b]P` on the SM2 curve in variable time, for signature verification only (every
//! input is public). Jacobian coordinates with the a = −3 doubling (3M + 5S, dbl-2001-b)
//! instead of the complete formulas RustCrypto's constant-time points use (≈ twice the
//! multiplications), and interleaved wNAF: one chain of 256 doublings, `[a]G` from a table of
//! 64 odd multiples of G in affine form (made once), `[b]P` from 8 odd multiples of P.
//! The additions handle every exceptional case (an operand at infinity, P = Q, P = −Q) by
//! branching, which is correct and, for public data, safe. **Never use this for secrets**: the
//! signer has its own constant-time path ([`crate::sign`]). Tests compare with
//! `sm2::ProjectivePoint`.

use crate::field::Fe;
use sm2::Scalar;
use sm2::elliptic_curve::ff::PrimeField;
use std::sync::OnceLock;

/// The generator's affine coordinates (GB/T 32918.5).
const GX: [u8; 32] = crate::CURVE_PARAMS[2];
const GY: [u8; 32] = crate::CURVE_PARAMS[3];

/// wNAF window for G (a table of 2^(W−2) = 64 affine points) and for P (8 points).
const W_G: u32 = 8;
const W_P: u32 = 5;

/// An affine point (never the point at infinity).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine {
    pub x: Fe,
    pub y: Fe,
}

/// A point in Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

fn fe(bytes: &[u8; 32]) -> Option<Fe> {
    Fe::from_bytes(bytes)
}

impl Affine {
    /// A point from its coordinates (big-endian, each < p), if it is on the curve.
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Option<Affine> {
        let (x, y) = (fe(x)?, fe(y)?);
        let b = fe(&crate::CURVE_PARAMS[1])?;
        // y² = x³ − 3x + b
        let three_x = x.double() + x;
        (y.square() == x.square() * x - three_x + b).then_some(Affine { x, y })
    }

    /// The same point as RustCrypto's (tests compare against it).
    #[cfg(test)]
    pub(crate) fn from_reference(p: &sm2::ProjectivePoint) -> Affine {
        use sm2::elliptic_curve::sec1::ToSec1Point;
        let enc = p.to_affine().to_sec1_point(false);
        let b = enc.as_bytes();
        let coordinate = |at: usize| -> [u8; 32] { b[at..at + 32].try_into().unwrap() };
        Affine::from_coordinates(&coordinate(1), &coordinate(33)).expect("on the curve")
    }

    fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: -self.y,
        }
    }
}

impl Jacobian {
    pub(crate) const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    pub(crate) fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    fn neg(&self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: -self.y,
            z: self.z,
        }
    }

    /// 2·self (a = −3). Infinity doubles to infinity (Z3 = 0); the curve has no point of order 2.
    pub(crate) fn double(&self) -> Jacobian {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x3 = alpha.square() - beta4.double();
        let z3 = (self.y + self.z).square() - gamma - delta;
        let gamma2_8 = gamma.square().double().double().double();
        let y3 = alpha * (beta4 - x3) - gamma2_8;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q (add-2007-bl).
    pub(crate) fn add(&self, q: &Jacobian) -> Jacobian {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - u1;
        let r = (s2 - s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let i = h.double().square();
        let j = h * i;
        let v = u1 * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (s1 * j).double();
        let z3 = ((self.z + q.z).square() - z1z1 - z2z2) * h;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q for an affine q (madd-2007-bl).
    pub(crate) fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let r = (s2 - self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = self.x * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (self.y * j).double();
        let z3 = (self.z + h).square() - z1z1 - hh;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Affine coordinates, or `None` at infinity.
    fn to_affine(self) -> Option<Affine> {
        if self.is_infinity() {
            return None;
        }
        let zinv = self.z.invert();
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x * zinv2,
            y: self.y * zinv2 * zinv,
        })
    }
}

/// Affine forms of points none of which is at infinity, with one inversion (Montgomery's
/// trick); `None` if one is.
pub(crate) fn batch_to_affine(points: &[Jacobian]) -> Option<Vec<Affine>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        if p.is_infinity() {
            return None;
        }
        prefix.push(acc);
        acc *= p.z;
    }
    let mut inv = acc.invert();
    let mut out = vec![
        Affine {
            x: Fe::ZERO,
            y: Fe::ZERO
        };
        points.len()
    ];
    for i in (0..points.len()).rev() {
        // inv = 1 / (z_0 … z_i); z_i⁻¹ = inv · (z_0 … z_{i−1}).
        let zinv = inv * prefix[i];
        inv *= points[i].z;
        let zinv2 = zinv.square();
        out[i] = Affine {
            x: points[i].x * zinv2,
            y: points[i].y * zinv2 * zinv,
        };
    }
    Some(out)
}

/// The width-`w` non-adjacent form of a scalar, least significant digit first: odd digits in
/// (−2^(w−1), 2^(w−1)), at most one non-zero digit in any `w` consecutive ones.
fn wnaf(k: &Scalar, w: u32) -> [i16; 258] {
    let be = k.to_repr();
    // Little-endian 64-bit limbs with a spare one for the carries.
    let mut limbs = [0u64; 5];
    for (i, chunk) in be.rchunks(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        limbs[i] = u64::from_be_bytes(b);
    }
    let mut out = [0i16; 258];
    let window = 1i64 << w;
    let mut bit = 0usize;
    while bit < 258 {
        let (limb, off) = (bit / 64, bit % 64);
        if limb >= 5 {
            break;
        }
        if (limbs[limb] >> off) & 1 == 0 {
            bit += 1;
            continue;
        }
        // The low w bits from `bit` on.
        let mut v = limbs[limb] >> off;
        if off + w as usize > 64 && limb + 1 < 5 {
            v |= limbs[limb + 1] << (64 - off);
        }
        let mut d = (v & (window as u64 - 1)) as i64;
        if d >= window / 2 {
            d -= window;
        }
        out[bit] = d as i16;
        // k -= d·2^bit, which clears bits bit..bit+w.
        sub_shifted(&mut limbs, d, bit);
        bit += w as usize;
    }
    out
}

/// limbs −= d·2^bit for a small signed d (|d| < 2^15); the result stays non-negative.
fn sub_shifted(limbs: &mut [u64; 5], d: i64, bit: usize) {
    let (limb, off) = (bit / 64, bit % 64);
    let mag = (d.unsigned_abs() as u128) << off;
    let parts = [mag as u64, (mag >> 64) as u64];
    // One pass with a signed carry: the limb, minus (d > 0) or plus (d < 0) its part of
    // |d|·2^bit, plus the carry (−1, 0 or 1) from the limb below.
    let mut carry = 0i128;
    for (i, l) in limbs.iter_mut().enumerate().skip(limb) {
        let p = i128::from(parts.get(i - limb).copied().unwrap_or(0));
        let v = i128::from(*l) + carry + if d > 0 { -p } else { p };
        *l = v as u64;
        carry = v >> 64;
    }
}

/// G, 3G, 5G, …, (2^(W_G−1) − 1)G in affine coordinates, made on first use.
fn g_table() -> &'static [Affine] {
    static TABLE: OnceLock<Vec<Affine>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let g = Affine::from_coordinates(&GX, &GY).expect("the SM2 generator is on the curve");
        odd_multiples(&g, 1 << (W_G - 2))
            .into_iter()
            .map(|p| {
                p.to_affine()
                    .expect("a small multiple of G is not infinity")
            })
            .collect()
    })
}

fn odd_multiples(p: &Affine, n: usize) -> Vec<Jacobian> {
    let first = Jacobian::from_affine(p);
    let twice = first.double();
    let mut out = Vec::with_capacity(n);
    out.push(first);
    for i in 1..n {
        let next = out[i - 1].add(&twice);
        out.push(next);
    }
    out
}

use crate::{N, P};

/// Whether `[a]G + [b]P` is not the point at infinity and its affine x coordinate, reduced
/// mod n, is `v` (big-endian, < n). Compared in Jacobian form, X = x·Z², for x = v and for
/// x = v + n when that is still below p: no inversion.
pub(crate) fn mul_add_x_is(a: &Scalar, b: &Scalar, p: &Affine, v: &[u8; 32]) -> bool {
    let sum = match crate::comb::for_key(p) {
        Some(table) => crate::comb::generator().mul(a).add(&table.mul(b)),
        None => mul_add(a, b, p),
    };
    if sum.is_infinity() {
        return false;
    }
    let z2 = sum.z.square();
    let v_bytes = *v;
    if fe(&v_bytes).is_some_and(|x| x * z2 == sum.x) {
        return true;
    }
    match add_be(&v_bytes, &N) {
        Some(w) if w < P => fe(&w).is_some_and(|x| x * z2 == sum.x),
        _ => false,
    }
}

/// a + b for big-endian 256-bit numbers, `None` on overflow.
fn add_be(a: &[u8; 32], b: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    (carry == 0).then_some(out)
}

/// The affine x coordinate of `[a]G + [b]P`, or `None` when the sum is the point at infinity.
#[cfg(test)]
pub(crate) fn mul_add_x(a: &Scalar, b: &Scalar, p: &Affine) -> Option<Fe> {
    mul_add(a, b, p).to_affine().map(|q| q.x)
}

fn mul_add(a: &Scalar, b: &Scalar, p: &Affine) -> Jacobian {
    let (na, nb) = (wnaf(a, W_G), wnaf(b, W_P));
    let gt = g_table();
    let pt = odd_multiples(p, 1 << (W_P - 2));
    let top = (0..258)
        .rev()
        .find(|&i| na[i] != 0 || nb[i] != 0)
        .map_or(0, |i| i + 1);
    let mut acc = Jacobian::INFINITY;
    for i in (0..top).rev() {
        acc = acc.double();
        let d = na[i];
        if d > 0 {
            acc = acc.add_affine(&gt[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add_affine(&gt[(-d / 2) as usize].neg());
        }
        let d = nb[i];
        if d > 0 {
            acc = acc.add(&pt[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add(&pt[(-d / 2) as usize].neg());
        }
    }
    acc
}

#[cfg(test)]
mod tests;
