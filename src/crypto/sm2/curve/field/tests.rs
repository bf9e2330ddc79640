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

/// The x86-64 assembly against the portable code, limb for limb.
#[cfg(target_arch = "x86_64")]
mod assembly {
    use super::*;

    fn has_asm() -> bool {
        let yes = std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx");
        if !yes {
            eprintln!("no BMI2 + ADX on this CPU: the assembly is not tested");
        }
        yes
    }

    /// Both implementations on (a, b): a·b, a², b², every result below p.
    fn check(a: &Fe, b: &Fe) {
        // SAFETY: only called after `has_asm`.
        let (m, sa, sb) = unsafe { (x86::mul(a, b), x86::square(a), x86::square(b)) };
        assert_eq!(m.0, a.mul_portable(b).0, "mul {a:x?} {b:x?}");
        assert_eq!(sa.0, a.square_portable().0, "square {a:x?}");
        assert_eq!(sb.0, b.square_portable().0, "square {b:x?}");
        for r in [m, sa, sb] {
            assert_eq!(reduce_once(r.0, 0), r.0, "not below p: {r:x?}");
        }
    }

    /// SplitMix64.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// Below p: 2²⁵⁶ − p < p, so one conditional subtraction reduces any 256-bit number.
        fn fe(&mut self) -> Fe {
            Fe(reduce_once(std::array::from_fn(|_| self.next()), 0))
        }
    }

    /// 2^k and p − 1 − 2^k for every k, and 0, 1, p − 1, p − 2, R and R² mod p, runs of ones.
    fn edges() -> Vec<Fe> {
        // p − 1 − x for x < p.
        let p_minus = |x: [u64; 4]| Fe::ZERO.sub(&Fe(x)).sub(&Fe([1, 0, 0, 0]));
        let mut v = vec![
            Fe::ZERO,
            Fe([1, 0, 0, 0]),
            Fe([2, 0, 0, 0]),
            Fe::ONE,
            Fe(R2),
            Fe([u64::MAX, 0, 0, 0]),
            Fe([u64::MAX, u64::MAX, 0, 0]),
            Fe([u64::MAX, u64::MAX, u64::MAX, 0]),
            Fe([u64::MAX, 0, u64::MAX, 0]),
            Fe([0, u64::MAX, 0, P[3]]),
            Fe([u64::MAX, 0, u64::MAX, P[3]]),
            Fe([P[0], P[1] - 1, P[2], P[3]]),
            Fe([0, 0, 0, P[3]]),
            Fe([0, 0, 0, 1 << 63]),
            Fe([
                0xffff_ffff,
                0xffff_ffff_0000_0000,
                0xffff_ffff,
                0xffff_fffe_0000_0000,
            ]),
        ];
        for k in 0..256 {
            let mut x = [0u64; 4];
            x[k / 64] = 1 << (k % 64);
            v.push(Fe(x));
            v.push(p_minus(x));
        }
        // p − 1 and p − 2.
        v.push(p_minus([0; 4]));
        v.push(p_minus([1, 0, 0, 0]));
        assert_eq!(v[v.len() - 2].0, [P[0] - 1, P[1], P[2], P[3]]);
        for x in &v {
            assert_eq!(reduce_once(x.0, 0), x.0, "edge value not below p");
        }
        v
    }

    #[test]
    fn mul_and_square_match_the_portable_code_on_edge_values() {
        if !has_asm() {
            return;
        }
        let v = edges();
        for a in &v {
            for b in &v {
                check(a, b);
            }
        }
    }

    #[test]
    fn mul_and_square_match_the_portable_code_on_a_million_pairs() {
        if !has_asm() {
            return;
        }
        let mut rng = Rng(0x5eed_0f5a_2b1e);
        for _ in 0..1_000_000 {
            let (a, b) = (rng.fe(), rng.fe());
            check(&a, &b);
        }
    }
}
