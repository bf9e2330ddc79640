//! SM2 signature verification (GB/T 32918.2 §7) and the digest an SM2 signature signs.
//!
//! Verification computes `[s]G + [t]P` in variable time ([`point`]): every input is public
//! (the key, the message and the signature), so the constant-time complete formulas `sm2`'s
//! `VerifyingKey` uses buy nothing here and cost about twice as many field multiplications.
//! The field arithmetic is RustCrypto's (fiat-crypto); the group law and the verification
//! equation are ours. The tests hold them to `sm2::dsa::VerifyingKey` and
//! `sm2::ProjectivePoint` on valid, altered and foreign signatures and on the exceptional sums.
//! Signing stays with `sm2::dsa::SigningKey` (constant time, RFC 6979 nonces).

use super::CryptoError;
use point::Affine;
use sm2::elliptic_curve::ff::PrimeField as _;
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::{FieldBytes, Scalar};
use sm3::Digest;

mod comb;
mod point;

/// SM2 curve parameters a, b, xG, yG (GB/T 32918.5), for Z.
const CURVE_PARAMS: [[u8; 32]; 4] = [
    hex_literal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    hex_literal("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    hex_literal("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    hex_literal("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
];

const fn hex_literal(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not an uppercase hex digit"),
    }
}

/// e = SM3(Z ‖ M) with Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA): the digest an SM2
/// signature over `msg` signs, for signers (USB tokens) that take a digest. `point` is the
/// 65-byte uncompressed public key; coordinates are always 32 bytes (see sm2.md).
pub fn sm2_digest_with_z(point: &[u8], id: &str, msg: &[u8]) -> Option<[u8; 32]> {
    if point.len() != 65 || point[0] != 0x04 || id.len() > 8191 {
        return None;
    }
    let mut z = sm3::Sm3::new();
    z.update(((id.len() * 8) as u16).to_be_bytes());
    z.update(id.as_bytes());
    for p in &CURVE_PARAMS {
        z.update(p);
    }
    z.update(&point[1..65]);
    let mut e = sm3::Sm3::new();
    e.update(z.finalize());
    e.update(msg);
    Some(e.finalize().into())
}

/// Convert a SM2 signature value (DER `SEQUENCE {r, s}` or raw 64-byte r‖s) into a signature.
pub fn sm2_signature_from_bytes(sig: &[u8]) -> Result<sm2::dsa::Signature, CryptoError> {
    if let Ok(s) = sm2::dsa::Signature::from_der(sig) {
        return Ok(s);
    }
    if sig.len() == 64 {
        return sm2::dsa::Signature::from_slice(sig).map_err(|_| CryptoError::MalformedSignature);
    }
    Err(CryptoError::MalformedSignature)
}

/// Verify an SM2 signature with an explicit distinguishing ID. `point` is the public key as
/// SEC1 bytes (uncompressed or compressed).
pub fn verify_sm2_with_id(
    point: &[u8],
    id: &str,
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let bad_key = || CryptoError::MalformedKey("not a valid point on the SM2 curve".into());
    // Z and the arithmetic take the uncompressed coordinates, whatever encoding the key came
    // in; a compressed key is decompressed by `sm2`. The point must be on the curve (the
    // identity has no affine coordinates).
    let uncompressed: [u8; 65] = match point.len() {
        65 => point.try_into().map_err(|_| bad_key())?,
        _ => {
            let key = sm2::PublicKey::from_sec1_bytes(point).map_err(|_| bad_key())?;
            let enc = key.as_affine().to_sec1_point(false);
            enc.as_bytes().try_into().map_err(|_| bad_key())?
        }
    };
    if uncompressed[0] != 0x04 {
        return Err(bad_key());
    }
    let coordinate = |at: usize| -> [u8; 32] {
        let mut c = [0u8; 32];
        c.copy_from_slice(&uncompressed[at..at + 32]);
        c
    };
    let affine = Affine::from_coordinates(&coordinate(1), &coordinate(33)).ok_or_else(bad_key)?;
    let xy = &uncompressed[..];
    let signature = sm2_signature_from_bytes(sig)?;
    let e = sm2_digest_with_z(xy, id, message).ok_or_else(bad_key)?;
    verify_prehash(&affine, &e, &signature)
}

/// GB/T 32918.2 §7.1 B4–B7 for the digest `e` (B1–B2, r and s in [1, n−1], hold for every
/// parsed [`sm2::dsa::Signature`]).
fn verify_prehash(
    key: &Affine,
    e: &[u8; 32],
    signature: &sm2::dsa::Signature,
) -> Result<(), CryptoError> {
    let (r, s) = (*signature.r(), *signature.s());
    let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*e));
    // B5: t = (r + s) mod n, t ≠ 0.
    let t = r + s;
    if bool::from(t.is_zero()) {
        return Err(CryptoError::BadSignature);
    }
    // B6–B7: (x1, y1) = [s]G + [t]P, not the point at infinity, and (e + x1) mod n = r,
    // i.e. x1 ≡ r − e (mod n). As p < 2n, x1 is r − e or r − e + n.
    let v = r - e;
    if point::mul_add_x_is(&s, &t, key, &v.to_repr()) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests;
