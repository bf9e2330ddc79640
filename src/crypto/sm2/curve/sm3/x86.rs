//! SM3 compression with the message expansion in AVX-512VL vectors (x86-64).
//!
//! The 68 words W_0..W_67 are made four at a time (`group` k = W_4k..W_4k+3) from the four
//! groups before. W_j needs W_{j−3}, so the last lane of a group needs the first lane of the
//! same group: it is first computed with W_j = 0, then corrected by P1(W_j ⋘ 15), since P1 is
//! linear over ⊕. Group k + 4 is made just before rounds 4k..4k+3, which need W'_j up to
//! W_{4k+7}; the vector unit works beside the rounds' scalar dependency chain.

use super::{fold, round, sixteen_steps};
use crate::cpu::CpuChoice;
use std::arch::x86_64::*;

static CHOICE: CpuChoice = CpuChoice::new(has_avx512vl_bmi2);

fn has_avx512vl_bmi2() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("bmi2")
}

/// Whether this CPU runs [`compress`] (AVX-512F, AVX-512VL, BMI2); decided once.
#[inline(always)]
pub(super) fn available() -> bool {
    CHOICE.available()
}

/// Makes [`available`] answer `false` (`true`: the portable code is forced) or detect again.
#[cfg(test)]
pub(super) fn force_portable(on: bool) {
    CHOICE.force_portable(on);
}

/// `x ⋘ n` in each 32-bit lane.
macro_rules! rol {
    ($x:expr, $n:literal) => {
        _mm_rol_epi32::<$n>($x)
    };
}

/// P1 in each lane.
#[inline(always)]
fn p1(t: __m128i) -> __m128i {
    // SAFETY: only reached from `compress`, whose target features include AVX-512F/VL.
    unsafe { _mm_ternarylogic_epi32::<0x96>(t, rol!(t, 15), rol!(t, 23)) }
}

/// Group k (W_4k..W_4k+3) from groups k−4 .. k−1.
#[inline(always)]
fn group(g4: __m128i, g3: __m128i, g2: __m128i, g1: __m128i) -> __m128i {
    // SAFETY: as for `p1`.
    unsafe {
        let w9 = _mm_alignr_epi8::<12>(g2, g3); // W_{j−9} .. W_{j−6}
        let w3 = _mm_srli_si128::<4>(g1); // W_{j−3} .. W_{j−1}, 0
        let w13 = _mm_alignr_epi8::<12>(g3, g4); // W_{j−13} .. W_{j−10}
        let w6 = _mm_alignr_epi8::<8>(g1, g2); // W_{j−6} .. W_{j−3}
        let t = _mm_ternarylogic_epi32::<0x96>(g4, w9, rol!(w3, 15));
        let r = _mm_ternarylogic_epi32::<0x96>(p1(t), rol!(w13, 7), w6);
        // Lane 3 took W_j as 0: add P1(W_j ⋘ 15), W_j being lane 0.
        let fix = p1(rol!(_mm_slli_si128::<12>(r), 15));
        _mm_xor_si128(r, fix)
    }
}

/// Stores `x` as words 4k..4k+4 of `dst`.
#[inline(always)]
fn store(dst: &mut [u32], k: usize, x: __m128i) {
    let four: &mut [u32; 4] = (&mut dst[4 * k..4 * k + 4]).try_into().expect("four words");
    // SAFETY: `four` is 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(four.as_mut_ptr().cast(), x) }
}

/// # Safety
/// The CPU must have AVX-512F, AVX-512VL and BMI2 ([`available`]).
#[target_feature(enable = "avx512f,avx512vl,bmi2")]
pub(super) unsafe fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    let swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    for block in blocks {
        let mut g = [_mm_setzero_si128(); 17];
        let mut w = [0u32; 68];
        let mut wp = [0u32; 64];
        for (k, (gk, b)) in g.iter_mut().zip(block.as_chunks::<16>().0).enumerate() {
            // SAFETY: `b` is 16 readable bytes; the load is unaligned.
            *gk = _mm_shuffle_epi8(unsafe { _mm_loadu_si128(b.as_ptr().cast()) }, swap);
            store(&mut w, k, *gk);
        }
        for k in 0..3 {
            store(&mut wp, k, _mm_xor_si128(g[k], g[k + 1]));
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut gv, mut h] = *state;
        macro_rules! r {
            ($j:expr) => {
                round!($j, [a, b, c, d, e, f, gv, h], w[$j], wp[$j])
            };
        }
        macro_rules! step {
            ($k:literal) => {
                if $k < 13 {
                    let k = $k + 4;
                    g[k] = group(g[k - 4], g[k - 3], g[k - 2], g[k - 1]);
                    store(&mut w, k, g[k]);
                    store(&mut wp, k - 1, _mm_xor_si128(g[k - 1], g[k]));
                }
                r!(4 * $k);
                r!(4 * $k + 1);
                r!(4 * $k + 2);
                r!(4 * $k + 3);
            };
        }
        sixteen_steps!(step);
        fold(state, [a, b, c, d, e, f, gv, h]);
    }
}
