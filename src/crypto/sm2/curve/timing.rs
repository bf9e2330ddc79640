//! Timings, portable field arithmetic against the x86-64 assembly in one run; not a test of
//! correctness, hence ignored:
//!
//! ```text
//! cargo test -p yinxin-sm2 --release -- --ignored --nocapture timing
//! ```
//!
//! Rounds of the two alternate and the best of each is kept; time is the thread's CPU time, so
//! that other processes on the machine do not count. Verification uses a new key every time
//! (every key is seen once, so no comb table is built), through the public API.

use crate::field::{Fe, force_portable};
use crate::{PublicKey, SigningKey};
use sm2::Scalar;
use sm2::elliptic_curve::ff::PrimeField as _;
use std::hint::black_box;

const ROUNDS: usize = 25;

/// This thread's CPU time in nanoseconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`).
fn cpu_ns() -> u128 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: libc's clock_gettime writes one timespec (two longs on x86-64 Linux) to a valid
    // pointer.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    ts.sec as u128 * 1_000_000_000 + ts.nsec as u128
}

/// Deterministic bytes (SplitMix64).
fn bytes32(state: &mut u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// Best ns per operation of `f` (which runs `n` operations) over the rounds, for the
/// portable code and the assembly.
fn compare(n: usize, mut f: impl FnMut(usize)) -> [f64; 2] {
    let mut best = [f64::MAX; 2];
    for round in 0..ROUNDS {
        for (which, portable) in [true, false].into_iter().enumerate() {
            force_portable(portable);
            let t = cpu_ns();
            f(round * 2 + which);
            best[which] = best[which].min((cpu_ns() - t) as f64 / n as f64);
        }
    }
    force_portable(false);
    best
}

fn report(what: &str, [portable, asm]: [f64; 2]) {
    println!(
        "{what:<28} portable {portable:>9.1} ns  ({:>9.0}/s)   asm {asm:>9.1} ns  ({:>9.0}/s)   ×{:.2}",
        1e9 / portable,
        1e9 / asm,
        portable / asm
    );
}

#[test]
#[ignore = "timing, run by hand"]
fn timing() {
    let mut seed = 1u64;
    let a = Fe::from_bytes(&crate::CURVE_PARAMS[2]).unwrap();
    let b = Fe::from_bytes(&crate::CURVE_PARAMS[3]).unwrap();

    // 25 rounds of 400,000: 10,000,000 of each.
    const FIELD: usize = 400_000;
    report(
        "field mul (dependent)",
        compare(FIELD, |_| {
            let (mut x, y) = (black_box(a), black_box(b));
            for _ in 0..FIELD {
                x *= y;
            }
            black_box(x);
        }),
    );
    report(
        "field mul (4 independent)",
        compare(FIELD, |_| {
            let mut x = black_box([a, b, a + b, a - b]);
            let y = black_box(b);
            for _ in 0..FIELD / 4 {
                for x in &mut x {
                    *x *= y;
                }
            }
            black_box(x);
        }),
    );
    report(
        "field square (dependent)",
        compare(FIELD, |_| {
            let mut x = black_box(a);
            for _ in 0..FIELD {
                x = x.square();
            }
            black_box(x);
        }),
    );
    const INV: usize = 2_000;
    report(
        "field invert",
        compare(INV, |_| {
            let mut x = black_box(a);
            for _ in 0..INV {
                x = x.invert();
            }
            black_box(x);
        }),
    );

    // Keys and signatures, a fresh set for every round of each implementation.
    const SIGS: usize = 120;
    let e = bytes32(&mut seed);
    let sets: Vec<Vec<([u8; 65], Scalar, Scalar)>> = (0..2 * ROUNDS)
        .map(|_| {
            let mut v = Vec::with_capacity(SIGS);
            while v.len() < SIGS {
                let Some(key) = SigningKey::from_bytes(&bytes32(&mut seed)) else {
                    continue;
                };
                let (r, s) = key.sign_prehash(&e).unwrap();
                let scalar = |b: [u8; 32]| Option::from(Scalar::from_repr(b.into())).unwrap();
                v.push((*key.public_key(), scalar(r), scalar(s)));
            }
            v
        })
        .collect();
    report(
        "verify, new key each time",
        compare(SIGS, |set| {
            for (public, r, s) in &sets[set] {
                let key = PublicKey::from_uncompressed(black_box(public)).unwrap();
                assert!(key.verify_prehash(&e, r, s));
            }
        }),
    );

    // No signing row: the signer's arithmetic is always the portable code (`Fe::mul_ct`), so
    // both columns would time the same code.
}
