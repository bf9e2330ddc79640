//! Verification edges: r or s out of range, keys off the curve or at infinity, t = 0.

use super::*;
use sm2::elliptic_curve::Generate;

fn key() -> (crate::SigningKey, PublicKey) {
    let k = crate::SigningKey::from_bytes(&Scalar::generate().to_repr().into()).unwrap();
    let p = PublicKey::from_uncompressed(k.public_key()).unwrap();
    (k, p)
}

fn scalar(b: &[u8; 32]) -> Scalar {
    Option::from(Scalar::from_repr((*b).into())).unwrap()
}

#[test]
fn zero_r_or_s_and_t_zero_are_refused() {
    let (k, p) = key();
    let e = [3u8; 32];
    let (r, s) = k.sign_prehash(&e).unwrap();
    let (r, s) = (scalar(&r), scalar(&s));
    assert!(p.verify_prehash(&e, &r, &s));
    assert!(!p.verify_prehash(&e, &Scalar::ZERO, &s));
    assert!(!p.verify_prehash(&e, &r, &Scalar::ZERO));
    // r + s = n: t = 0 (B5).
    assert!(!p.verify_prehash(&e, &r, &-r));
    // r and s swapped, or shifted by one.
    assert!(!p.verify_prehash(&e, &s, &r));
    assert!(!p.verify_prehash(&e, &(r + Scalar::ONE), &s));
    assert!(!p.verify_prehash(&e, &r, &(s + Scalar::ONE)));
}

#[test]
fn keys_off_the_curve_or_at_infinity_are_refused() {
    let (k, _) = key();
    let mut bad = *k.public_key();
    bad[64] ^= 1;
    assert!(PublicKey::from_uncompressed(&bad).is_none());
    // The point at infinity has no affine form; (0, 0) is not on the curve (b ≠ 0).
    let mut zero = [0u8; 65];
    zero[0] = 4;
    assert!(PublicKey::from_uncompressed(&zero).is_none());
    assert!(PublicKey::from_uncompressed(&[0u8; 1]).is_none());
    let mut compressed = [0u8; 33];
    compressed[0] = 2;
    assert!(PublicKey::from_uncompressed(&compressed).is_none());
    // A coordinate that is p itself.
    assert!(
        PublicKey::from_coordinates(&crate::P, &k.public_key()[33..65].try_into().unwrap())
            .is_none()
    );
}
