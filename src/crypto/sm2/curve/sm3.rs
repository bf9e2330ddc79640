//! SM3 (GB/T 32905, GM/T 0004): the hash under every SM2 signature, seal and OFD digest.
//!
//! [`Sm3`] is a streaming hasher (`new`, `update`, `finalize`, or [`Sm3::digest`] at once).
//! The compression function has two implementations, chosen once at run time:
//!
//! - `x86` (x86-64 with AVX-512F/VL and BMI2): the message expansion runs in 128-bit vectors,
//!   four words at a time with native rotates, interleaved with the rounds so that the vector
//!   work hides under the rounds' dependency chain.
//! - `portable` (every other CPU): the words are expanded on the fly in a 16-word ring, as
//!   RustCrypto `sm3` does.
//!
//! Both share the `round!` macro. A round's critical path runs through E: `SS1 = (A⋘12 + E + T_j)⋘7`,
//! `TT2 = GG + H + W_j + SS1`, `E' = P0(TT2)`. The compiler adds `A⋘12 + E` first and `T_j`
//! after, which puts two additions after E; an empty `asm!` on `A⋘12 + T_j` ([`fence`]) keeps
//! that sum whole, so one addition follows E. That alone is worth ≈ 10 % (BENCHMARKS.md).
//!
//! Tests (`sm3/tests.rs`): the GB/T 32905 examples, and both implementations against
//! RustCrypto `sm3` on every length from 0 to 1,100 bytes and on random splits of the input.
//! Imports nothing of yinxin's.

mod portable;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

/// Digest length in bytes.
pub const OUTPUT_LEN: usize = 32;

const IV: [u32; 8] = [
    0x7380_166f,
    0x4914_b2b9,
    0x1724_42d7,
    0xda8a_0600,
    0xa96f_30bc,
    0x1631_38aa,
    0xe38d_ee4d,
    0xb0fb_0e4e,
];

/// `T_j ⋘ (j mod 32)`, the round constants already rotated.
const T: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut j = 0;
    while j < 64 {
        let base: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
        t[j] = base.rotate_left((j % 32) as u32);
        j += 1;
    }
    t
};

/// SM3, a block at a time.
#[derive(Clone)]
pub struct Sm3 {
    state: [u32; 8],
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes hashed so far (whole blocks and the buffer).
    len: u64,
}

impl Default for Sm3 {
    fn default() -> Self {
        Sm3::new()
    }
}

impl std::fmt::Debug for Sm3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm3").field("len", &self.len).finish()
    }
}

impl Sm3 {
    /// A hasher over no bytes yet.
    pub fn new() -> Self {
        Sm3 {
            state: IV,
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    /// The SM3 digest of `data`.
    pub fn digest(data: &[u8]) -> [u8; OUTPUT_LEN] {
        let mut h = Sm3::new();
        h.update(data);
        h.finalize()
    }

    /// Hash `data` after what came before.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            compress(&mut self.state, std::slice::from_ref(&block));
            self.buf_len = 0;
        }
        let (blocks, rest) = data.as_chunks::<64>();
        compress(&mut self.state, blocks);
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// The digest of everything hashed.
    pub fn finalize(mut self) -> [u8; OUTPUT_LEN] {
        let bits = self.len.wrapping_mul(8);
        let mut tail = [0u8; 128];
        tail[..self.buf_len].copy_from_slice(&self.buf[..self.buf_len]);
        tail[self.buf_len] = 0x80;
        let n = if self.buf_len < 56 { 64 } else { 128 };
        tail[n - 8..n].copy_from_slice(&bits.to_be_bytes());
        let (blocks, _) = tail[..n].as_chunks::<64>();
        compress(&mut self.state, blocks);
        let mut out = [0u8; OUTPUT_LEN];
        for (o, s) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&s.to_be_bytes());
        }
        out
    }
}

impl std::io::Write for Sm3 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Compress `blocks` into `state` with the fastest implementation this CPU runs.
fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    if blocks.is_empty() {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if x86::available() {
        // SAFETY: `available` checked that the CPU has AVX-512F, AVX-512VL and BMI2.
        unsafe { x86::compress(state, blocks) };
        return;
    }
    portable::compress(state, blocks);
}

#[inline(always)]
fn p0(x: u32) -> u32 {
    x ^ x.rotate_left(9) ^ x.rotate_left(17)
}

#[inline(always)]
fn p1(x: u32) -> u32 {
    x ^ x.rotate_left(15) ^ x.rotate_left(23)
}

/// `x`, unchanged, but opaque to the optimiser, so that a sum computed into it is not
/// re-associated with later additions (see the module documentation).
#[inline(always)]
fn fence(mut x: u32) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: an empty template; the register is only named in a comment.
    unsafe {
        std::arch::asm!("/* {0:e} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        std::arch::asm!("/* {0:w} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

/// Round `$j` (a constant) on the working variables `$a`..`$h` (mutable locals), with the
/// message word `$wj` = W_j and `$wpj` = W'_j = W_j ⊕ W_{j+4}. A macro rather than a function
/// over an array: LLVM schedules the eight named variables better (≈ 8 % on x86-64).
macro_rules! round {
    ($j:expr, [$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident], $wj:expr, $wpj:expr) => {{
        let a12 = $a.rotate_left(12);
        let ss1 = $crate::sm3::fence(a12.wrapping_add($crate::sm3::T[$j]))
            .wrapping_add($e)
            .rotate_left(7);
        let ss2 = ss1 ^ a12;
        let ff = if $j < 16 {
            $a ^ $b ^ $c
        } else {
            ($a & $b) | (($a | $b) & $c)
        };
        let tt1 = ff.wrapping_add($d.wrapping_add($wpj)).wrapping_add(ss2);
        let gg = if $j < 16 {
            $e ^ $f ^ $g
        } else {
            (($f ^ $g) & $e) ^ $g
        };
        let tt2 = gg.wrapping_add($h.wrapping_add($wj)).wrapping_add(ss1);
        $d = $c;
        $c = $b.rotate_left(9);
        $b = $a;
        $a = tt1;
        $h = $g;
        $g = $f.rotate_left(19);
        $f = $e;
        $e = $crate::sm3::p0(tt2);
    }};
}
use round;

/// Calls `$step!(k)` for k = 0..16 (four rounds each).
macro_rules! sixteen_steps {
    ($step:ident) => {
        $step!(0);
        $step!(1);
        $step!(2);
        $step!(3);
        $step!(4);
        $step!(5);
        $step!(6);
        $step!(7);
        $step!(8);
        $step!(9);
        $step!(10);
        $step!(11);
        $step!(12);
        $step!(13);
        $step!(14);
        $step!(15);
    };
}
use sixteen_steps;

/// The state after a block: the working variables folded into it.
#[inline(always)]
fn fold(state: &mut [u32; 8], v: [u32; 8]) {
    for (s, x) in state.iter_mut().zip(v) {
        *s ^= x;
    }
}

/// The sixteen message words of `block`, big-endian.
#[inline(always)]
fn words(block: &[u8; 64]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (o, c) in w.iter_mut().zip(block.as_chunks::<4>().0) {
        *o = u32::from_be_bytes(*c);
    }
    w
}
