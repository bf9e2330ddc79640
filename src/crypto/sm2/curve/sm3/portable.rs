//! The portable SM3 compression: message words expanded on the fly in a 16-word ring.

use super::{fold, p1, round, sixteen_steps, words};

/// W_i for i ≥ 16, written over W_{i−16} in the ring `x`.
#[inline(always)]
fn expand(x: &mut [u32; 16], i: usize) -> u32 {
    let t = x[i & 15] ^ x[(i - 9) & 15] ^ x[(i - 3) & 15].rotate_left(15);
    let w = p1(t) ^ x[(i - 13) & 15].rotate_left(7) ^ x[(i - 6) & 15];
    x[i & 15] = w;
    w
}

pub(super) fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    for block in blocks {
        let mut x = words(block);
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
        // Round j reads W_j (in the ring) and W_{j+4} (made here once j + 4 ≥ 16).
        macro_rules! one {
            ($j:expr) => {{
                let wj = x[$j & 15];
                let w4 = if $j + 4 < 16 {
                    x[($j + 4) & 15]
                } else {
                    expand(&mut x, $j + 4)
                };
                round!($j, [a, b, c, d, e, f, g, h], wj, wj ^ w4);
            }};
        }
        macro_rules! step {
            ($k:literal) => {
                one!(4 * $k);
                one!(4 * $k + 1);
                one!(4 * $k + 2);
                one!(4 * $k + 3);
            };
        }
        sixteen_steps!(step);
        fold(state, [a, b, c, d, e, f, g, h]);
    }
}
