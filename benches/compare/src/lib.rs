//! What the harness binaries share: the default SM2 ID, e = SM3(Z ‖ M) and scalars from bytes.

use sm2::elliptic_curve::ff::PrimeField as _;
use sm3::Digest as _;

/// The GM/T 0009 default distinguishing ID.
pub const ID: &str = "1234567812345678";

/// e = SM3(Z ‖ M) with the default ID, for a 65-byte uncompressed point.
pub fn z_digest(point: &[u8; 65], msg: &[u8]) -> [u8; 32] {
    let mut z = sm3::Sm3::new();
    z.update(((ID.len() * 8) as u16).to_be_bytes());
    z.update(ID.as_bytes());
    for p in &yinxin_sm2::CURVE_PARAMS {
        z.update(p);
    }
    z.update(&point[1..]);
    let mut h = sm3::Sm3::new();
    h.update(z.finalize());
    h.update(msg);
    h.finalize().into()
}

/// The scalar these big-endian bytes name (they must be below n).
pub fn scalar(b: &[u8; 32]) -> sm2::Scalar {
    Option::from(sm2::Scalar::from_repr((*b).into())).expect("below n")
}
