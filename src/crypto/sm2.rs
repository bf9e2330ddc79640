//! SM2 signatures (GB/T 32918.2) in the encodings yinxin meets: the digest an SM2 signature
//! signs (Z and SM3), DER or raw r‖s signature values, SEC1 keys.
//!
//! The curve arithmetic is our `yinxin-sm2` crate (`src/crypto/sm2/curve/`): verification in
//! variable time (every input is public), signing in constant time with a hedged nonce. The
//! tests hold both to RustCrypto `sm2` (`sm2::dsa::VerifyingKey`, `sm2::ProjectivePoint`), to
//! the GB/T 32918.2 example and to OpenSSL (`tests/sm2_differential.rs`).

use super::CryptoError;
use super::Sm3;
use sm2::elliptic_curve::sec1::ToSec1Point;
use yinxin_sm2::CURVE_PARAMS;
use yinxin_sm2::PublicKey;

/// e = SM3(Z ‖ M) with Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA): the digest an SM2
/// signature over `msg` signs, for signers (USB tokens) that take a digest. `point` is the
/// 65-byte uncompressed public key; coordinates are always 32 bytes (see sm2.md).
pub fn sm2_digest_with_z(point: &[u8], id: &str, msg: &[u8]) -> Option<[u8; 32]> {
    if point.len() != 65 || point[0] != 0x04 || id.len() > 8191 {
        return None;
    }
    let mut z = Sm3::new();
    z.update(&((id.len() * 8) as u16).to_be_bytes());
    z.update(id.as_bytes());
    for p in &CURVE_PARAMS {
        z.update(p);
    }
    z.update(&point[1..65]);
    let mut e = Sm3::new();
    e.update(&z.finalize());
    e.update(msg);
    Some(e.finalize())
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
    let key = PublicKey::from_uncompressed(&uncompressed).ok_or_else(bad_key)?;
    // B1–B2: r and s in [1, n − 1] hold for every parsed `sm2::dsa::Signature`.
    let signature = sm2_signature_from_bytes(sig)?;
    let e = sm2_digest_with_z(&uncompressed, id, message).ok_or_else(bad_key)?;
    if key.verify_prehash(&e, &signature.r(), &signature.s()) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests;
