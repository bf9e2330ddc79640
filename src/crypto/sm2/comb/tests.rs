//! Tables against `sm2::ProjectivePoint`, and verification before and after a key earns one.

use super::*;
use sm2::ProjectivePoint;
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::point::AffineCoordinates;

fn to_ours(p: &ProjectivePoint) -> Affine {
    Affine::from_reference(p)
}

fn x_of(j: Jacobian) -> Option<[u8; 32]> {
    batch_to_affine(&[j]).map(|a| a[0].x.to_repr().into())
}

fn x_ref(p: ProjectivePoint) -> Option<[u8; 32]> {
    (!bool::from(p.is_identity())).then(|| p.to_affine().x().into())
}

#[test]
fn table_multiples_match_the_reference() {
    let p = ProjectivePoint::GENERATOR * Scalar::generate();
    let table = Comb::new(&to_ours(&p));
    let mut scalars = vec![
        Scalar::ONE,
        Scalar::from(15u64),
        Scalar::from(16u64),
        -Scalar::ONE,
    ];
    scalars.extend((0..30).map(|_| Scalar::generate()));
    for k in &scalars {
        assert_eq!(x_of(table.mul(k)), x_ref(p * k));
        assert_eq!(
            x_of(generator().mul(k)),
            x_ref(ProjectivePoint::GENERATOR * k)
        );
    }
    assert!(table.mul(&Scalar::ZERO).is_infinity());
}

#[test]
fn a_key_that_comes_back_gets_a_table_and_verifies_the_same() {
    use crate::crypto::{Algorithm, PrivateKey, SM2_DEFAULT_ID, Signer as _};
    let signer = PrivateKey::generate(Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    let (_, point) = crate::crypto::verify::classify_spki(signer.public_key_spki()).unwrap();
    let verify =
        |m: &[u8], s: &[u8]| super::super::verify_sm2_with_id(&point, SM2_DEFAULT_ID, m, s);
    for i in 0..(BUILD_AFTER + 3) {
        let msg = format!("licence {i}");
        let sig = signer.sign(msg.as_bytes()).unwrap();
        verify(msg.as_bytes(), &sig).unwrap();
        // Another message, the same signature: refused before and after the table.
        assert!(verify(b"forged", &sig).is_err(), "sighting {i}");
    }
    let key = Affine::from_coordinates(
        &point[1..33].try_into().unwrap(),
        &point[33..65].try_into().unwrap(),
    )
    .unwrap();
    assert!(for_key(&key).is_some(), "the key has its table now");
}

#[test]
fn sums_through_tables_cancel_and_double_like_the_reference() {
    let g = ProjectivePoint::GENERATOR;
    let gt = Comb::new(&to_ours(&g));
    let r = Scalar::generate();
    // aG + bG with the key's table being G's own: r + (−r) cancels, r + r doubles.
    assert!(generator().mul(&r).add(&gt.mul(&-r)).is_infinity());
    assert_eq!(
        x_of(generator().mul(&r).add(&gt.mul(&r))),
        x_ref(g * (r + r))
    );
}
