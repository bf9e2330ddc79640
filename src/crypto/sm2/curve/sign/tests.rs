//! The signer: the GB/T 32918.2 example, `[k]G` against `sm2::ProjectivePoint`, signatures
//! against `sm2::dsa::VerifyingKey`, the retries of A5/A6 and the key range.

use super::*;
use crate::hex;
use signature::hazmat::PrehashVerifier as _;
use sm2::ProjectivePoint;
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::point::AffineCoordinates;

fn scalar(b: &[u8; 32]) -> Scalar {
    Option::from(Scalar::from_repr((*b).into())).unwrap()
}

fn reference_verifies(public: &[u8; 65], e: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> bool {
    let vk =
        sm2::dsa::VerifyingKey::from_sec1_bytes("unused, the digest is given", public).unwrap();
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice(r);
    raw[32..].copy_from_slice(s);
    let sig = sm2::dsa::Signature::from_slice(&raw).unwrap();
    vk.verify_prehash(e, &sig).is_ok()
}

/// GB/T 32918.2-2016 Annex A (the recommended curve, ID 1234567812345678, "message digest").
#[test]
fn the_standard_example_signs_to_its_r_and_s() {
    let d = hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
    let key = SigningKey::from_bytes(&d).unwrap();
    let public = key.public_key();
    assert_eq!(
        public[1..33],
        hex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
    );
    assert_eq!(
        public[33..65],
        hex("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
    );
    let e = hex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640");
    let k = scalar(&hex(
        "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21",
    ));
    let (x1, _) = mul_base(&k).to_affine();
    assert_eq!(
        x1.to_bytes(),
        hex("04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73")
    );
    let (r, s) = key.sign_prehash_with_nonce(&e, &k).unwrap();
    let (r, s): ([u8; 32], [u8; 32]) = (r.to_repr().into(), s.to_repr().into());
    assert_eq!(
        r,
        hex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3")
    );
    assert_eq!(
        s,
        hex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
    );
    assert!(reference_verifies(public, &e, &r, &s));
    assert!(
        crate::PublicKey::from_uncompressed(public)
            .unwrap()
            .verify_prehash(&e, &scalar(&r), &scalar(&s))
    );
}

#[test]
fn base_multiples_match_the_reference() {
    let mut ks = vec![
        Scalar::ONE,
        Scalar::from(2u64),
        Scalar::from(15u64),
        Scalar::from(16u64),
        Scalar::from(17u64),
        -Scalar::ONE,
        -Scalar::from(16u64),
    ];
    // One non-zero digit at each end, and all digits 0xf.
    ks.push(scalar(&hex(
        "1000000000000000000000000000000000000000000000000000000000000000",
    )));
    ks.push(scalar(&hex(
        "EFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    )));
    ks.extend((0..100).map(|_| Scalar::generate()));
    for k in &ks {
        let (x, y) = mul_base(k).to_affine();
        let reference = (ProjectivePoint::GENERATOR * k).to_affine();
        let rx: [u8; 32] = reference.x().into();
        assert_eq!(x.to_bytes(), rx);
        let (_, y_ref) = (
            rx,
            crate::point::Affine::from_coordinates(&rx, &y.to_bytes()),
        );
        assert!(y_ref.is_some(), "(x, y) is on the curve");
    }
}

#[test]
fn signatures_verify_with_the_reference_and_ours() {
    for i in 0..200u32 {
        let d: [u8; 32] = Scalar::generate().to_repr().into();
        let key = SigningKey::from_bytes(&d).unwrap();
        let mut e = [0u8; 32];
        e[..4].copy_from_slice(&i.to_be_bytes());
        let (r, s) = key.sign_prehash(&e).unwrap();
        assert!(reference_verifies(key.public_key(), &e, &r, &s), "pair {i}");
        let ours = crate::PublicKey::from_uncompressed(key.public_key()).unwrap();
        assert!(ours.verify_prehash(&e, &scalar(&r), &scalar(&s)));
        // A different digest does not verify with either.
        e[31] ^= 1;
        assert!(!reference_verifies(key.public_key(), &e, &r, &s));
        assert!(!ours.verify_prehash(&e, &scalar(&r), &scalar(&s)));
    }
}

#[test]
fn two_signatures_of_one_digest_use_different_nonces() {
    let key = SigningKey::from_bytes(&Scalar::generate().to_repr().into()).unwrap();
    let e = [7u8; 32];
    assert_ne!(key.sign_prehash(&e).unwrap(), key.sign_prehash(&e).unwrap());
}

/// The digest that makes r = (e + x1) mod n come out as `want` for the nonce k.
fn digest_for_r(k: &Scalar, want: &Scalar) -> [u8; 32] {
    let (x1, _) = mul_base(k).to_affine();
    let x1 = <Scalar as Reduce<sm2::FieldBytes>>::reduce(&sm2::FieldBytes::from(x1.to_bytes()));
    (*want - x1).to_repr().into()
}

#[test]
fn a5_and_a6_ask_for_another_nonce() {
    let d = Scalar::generate();
    let key = SigningKey::from_bytes(&d.to_repr().into()).unwrap();
    let k = Scalar::generate();
    // r = 0.
    let e = digest_for_r(&k, &Scalar::ZERO);
    assert_eq!(key.sign_prehash_with_nonce(&e, &k), None);
    // r + k = n.
    let e = digest_for_r(&k, &-k);
    assert_eq!(key.sign_prehash_with_nonce(&e, &k), None);
    // s = 0: k = r·d, so r = k·d⁻¹.
    let d_inv: Scalar = Option::from(d.invert()).unwrap();
    let e = digest_for_r(&k, &(k * d_inv));
    assert_eq!(key.sign_prehash_with_nonce(&e, &k), None);
    // k = 0.
    assert_eq!(key.sign_prehash_with_nonce(&[1; 32], &Scalar::ZERO), None);
    // The same digests with a fresh nonce sign normally.
    let (r, s) = key.sign_prehash(&e).unwrap();
    assert!(reference_verifies(key.public_key(), &e, &r, &s));
}

#[test]
fn keys_outside_one_to_n_minus_two_are_refused() {
    let n_minus_1: [u8; 32] = (-Scalar::ONE).to_repr().into();
    let n_minus_2: [u8; 32] = (-Scalar::from(2u64)).to_repr().into();
    assert!(SigningKey::from_bytes(&[0; 32]).is_none());
    assert!(SigningKey::from_bytes(&n_minus_1).is_none(), "1 + d = n");
    assert!(SigningKey::from_bytes(&crate::N).is_none());
    assert!(SigningKey::from_bytes(&[0xff; 32]).is_none());
    assert!(SigningKey::from_bytes(&n_minus_2).is_some());
    let mut one = [0u8; 32];
    one[31] = 1;
    let key = SigningKey::from_bytes(&one).unwrap();
    assert_eq!(key.public_key()[1..33], crate::CURVE_PARAMS[2]);
}
