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
    batch_to_affine(&[j]).map(|a| a[0].x.to_bytes())
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
    let d: [u8; 32] = Scalar::generate().to_repr().into();
    let key = crate::SigningKey::from_bytes(&d).unwrap();
    let public = crate::PublicKey::from_uncompressed(key.public_key()).unwrap();
    for i in 0..(BUILD_AFTER + 3) {
        let mut e = [0u8; 32];
        e[0] = i as u8;
        let (r, s) = key.sign_prehash(&e).unwrap();
        let (r, s) = (scalar(&r), scalar(&s));
        assert!(public.verify_prehash(&e, &r, &s), "sighting {i}");
        // Another digest, the same signature: refused before and after the table.
        e[1] = 1;
        assert!(!public.verify_prehash(&e, &r, &s), "sighting {i}");
    }
    let point = key.public_key();
    let affine = Affine::from_coordinates(
        &point[1..33].try_into().unwrap(),
        &point[33..65].try_into().unwrap(),
    )
    .unwrap();
    assert!(for_key(&affine).is_some(), "the key has its table now");
}

fn scalar(b: &[u8; 32]) -> Scalar {
    Option::from(Scalar::from_repr((*b).into())).unwrap()
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
