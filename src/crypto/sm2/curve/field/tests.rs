//! The field against `sm2`'s (fiat-crypto), on random values and the edges 0, 1, p − 1.

use super::*;
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::ff::PrimeField as _;
use sm2::elliptic_curve::hazmat::FieldArithmetic;

type Reference = <sm2::Sm2 as FieldArithmetic>::FieldElement;

fn ours(r: &Reference) -> Fe {
    Fe::from_bytes(&r.to_repr().into()).expect("below p")
}

fn bytes(r: &Reference) -> [u8; 32] {
    r.to_repr().into()
}

fn samples() -> Vec<Reference> {
    let mut v = vec![
        Reference::ZERO,
        Reference::ONE,
        -Reference::ONE,
        -Reference::ONE.double(),
    ];
    // Values with long runs of ones and zeros in the limbs.
    for pattern in [[0xffu8; 32], [0x80; 32], [0x01; 32], [0x7f; 32]] {
        if let Some(r) = Option::<Reference>::from(Reference::from_repr(pattern.into())) {
            v.push(r);
        }
    }
    v.extend((0..200).map(|_| Reference::generate()));
    v
}

#[test]
fn operations_match_the_reference() {
    let s = samples();
    for (i, a) in s.iter().enumerate() {
        let b = &s[(i * 7 + 3) % s.len()];
        let (x, y) = (ours(a), ours(b));
        assert_eq!(x.to_bytes(), bytes(a), "round trip");
        assert_eq!((x + y).to_bytes(), bytes(&(*a + b)), "add");
        assert_eq!((x - y).to_bytes(), bytes(&(*a - b)), "sub");
        assert_eq!((x * y).to_bytes(), bytes(&(*a * b)), "mul");
        assert_eq!(x.square().to_bytes(), bytes(&a.square()), "square");
        assert_eq!(x.double().to_bytes(), bytes(&a.double()), "double");
        assert_eq!((-x).to_bytes(), bytes(&-*a), "neg");
        let inv = Option::<Reference>::from(a.invert()).unwrap_or(Reference::ZERO);
        assert_eq!(x.invert().to_bytes(), bytes(&inv), "invert");
        assert_eq!(x.is_zero(), bool::from(a.is_zero()));
        assert_eq!(x == y, a == b);
    }
}

#[test]
fn numbers_at_or_above_p_are_refused() {
    assert!(Fe::from_bytes(&crate::P).is_none());
    assert!(Fe::from_bytes(&[0xff; 32]).is_none());
    let mut p_minus_1 = crate::P;
    p_minus_1[31] -= 1;
    assert_eq!(Fe::from_bytes(&p_minus_1).unwrap().to_bytes(), p_minus_1);
    assert_eq!(Fe::ONE.to_bytes()[31], 1);
    assert!((Fe::from_bytes(&p_minus_1).unwrap() + Fe::ONE).is_zero());
}

#[test]
fn select_takes_the_masked_operand() {
    let (a, b) = (ours(&Reference::generate()), ours(&Reference::generate()));
    assert_eq!(Fe::select(u64::MAX, &a, &b), a);
    assert_eq!(Fe::select(0, &a, &b), b);
}
