//! GB/T 32918.2 §7.1 verification, B4–B7, for a digest e = SM3(Z ‖ M) the caller computed.
//!
//! Variable time: the key, the digest and the signature are all public.

use crate::point::{self, Affine};
use sm2::Scalar;
use sm2::elliptic_curve::ff::PrimeField as _;
use sm2::elliptic_curve::ops::Reduce;

/// A public key: a point on the curve, never the point at infinity.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey {
    point: Affine,
}

impl PublicKey {
    /// The key whose affine coordinates these are (big-endian, each below p), if that point is
    /// on the curve.
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Option<PublicKey> {
        Affine::from_coordinates(x, y).map(|point| PublicKey { point })
    }

    /// The key from a 65-byte uncompressed SEC1 encoding (04 ‖ x ‖ y).
    pub fn from_uncompressed(sec1: &[u8]) -> Option<PublicKey> {
        if sec1.len() != 65 || sec1[0] != 0x04 {
            return None;
        }
        let x: [u8; 32] = sec1[1..33].try_into().ok()?;
        let y: [u8; 32] = sec1[33..65].try_into().ok()?;
        PublicKey::from_coordinates(&x, &y)
    }

    /// The 65-byte uncompressed SEC1 encoding.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[0] = 0x04;
        out[1..33].copy_from_slice(&self.point.x.to_bytes());
        out[33..65].copy_from_slice(&self.point.y.to_bytes());
        out
    }

    /// Whether (r, s) is a signature by this key on the digest `e`. r and s must lie in
    /// [1, n − 1] (B1–B2); `Scalar`s are below n, zero is refused here.
    pub fn verify_prehash(&self, e: &[u8; 32], r: &Scalar, s: &Scalar) -> bool {
        if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
            return false;
        }
        let e = <Scalar as Reduce<sm2::FieldBytes>>::reduce(&sm2::FieldBytes::from(*e));
        // B5: t = (r + s) mod n, t ≠ 0.
        let t = *r + *s;
        if bool::from(t.is_zero()) {
            return false;
        }
        // B6–B7: (x1, y1) = [s]G + [t]P, not the point at infinity, and (e + x1) mod n = r,
        // i.e. x1 ≡ r − e (mod n). As p < 2n, x1 is r − e or r − e + n.
        let v: [u8; 32] = (*r - e).to_repr().into();
        point::mul_add_x_is(s, &t, &self.point, &v)
    }
}

#[cfg(test)]
mod tests;
