//! Montgomery multiplication and squaring for x86-64 CPUs with BMI2 and ADX, in inline assembly.
//!
//! **What**: the same function as the portable [`Fe::mul`](super::Fe::mul) and
//! [`Fe::square`](super::Fe::square), a·b·2⁻²⁵⁶ mod p fully reduced into [0, p), in two steps:
//! the 512-bit product (`mulx`, which leaves the flags alone, and two independent carry chains,
//! `adcx` through CF and `adox` through OF; squaring computes each cross product once and
//! doubles them in the chain that adds the squares), then four Montgomery steps on its low half.
//!
//! **Why**: the portable code goes through `u128` and one carry flag; mulx/adcx/adox add the
//! partial products of a row in two interleaved chains, and the reduction needs no multiplier.
//! On the Xeon (Ice Lake) this was written on, independent multiplications run ≈ 1.5× as fast
//! (13 ns against 20), a dependent chain ≈ 1.1×, and a verification with a new key ≈ 1.35×
//! (`timing.rs`). The throughput is bound by ports 0 and 6 (every adc/adcx/adox/sbb/cmov), not
//! by `mulx`.
//!
//! **Inputs**: a and b below p (every `Fe` is), read through their addresses (`rsi`, `rcx`);
//! the code relies on it for H < p and L' ≤ p below.
//!
//! **The reduction**: since −p⁻¹ ≡ 1 (mod 2⁶⁴), a step with k = the low limb l₀ of
//! L = (l₃, l₂, l₁, l₀) is L ← (L + k·p)/2⁶⁴ = (l₃, l₂, l₁) + k·q with q = (p + 1)/2⁶⁴ =
//! 2¹⁹² − 2¹⁶⁰ − 2³² + 1, and k·q = k·2¹⁹² − (k·2¹⁶⁰ + k·(2³² − 1)): shifts and one
//! subtraction chain, no multiplication. Each step stays below 2²⁵⁶ (four limbs, the register
//! of l₀ becoming the top one), the four steps give L' ≤ p, and with the high half H < p the
//! sum H + L' < 2p needs one conditional subtraction of p.
//!
//! **Constant time**: straight-line code; the final subtraction is kept or dropped by `cmovc`,
//! no branch and no memory address depends on a value.
//!
//! **Dispatch**: [`available`] is one relaxed atomic load after the first call, which asks the
//! CPU (`is_x86_feature_detected!`) and caches the answer; CPUs without BMI2 + ADX (before
//! Broadwell / Excavator) and other architectures use the portable code.
//!
//! **Tests** (`field/tests.rs`): these functions against the portable ones on every pair of
//! edge values (0, 1, p − 1, p − 2, 2²⁵⁶ mod p, limbs all ones or all zeros, …) and on a
//! million pseudo-random pairs; the field, point and signature tests then run on this path.

use super::Fe;
use crate::cpu::CpuChoice;
use std::arch::asm;

/// Which implementation `Fe::mul` and `Fe::square` use (BMI2 and ADX), decided on the first call.
static CHOICE: CpuChoice = CpuChoice::new(has_bmi2_adx);

fn has_bmi2_adx() -> bool {
    std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx")
}

/// Whether this CPU runs [`mul`] and [`square`] (BMI2 and ADX): a relaxed load once known.
#[inline(always)]
pub(super) fn available() -> bool {
    CHOICE.available()
}

/// Makes `Fe::mul` and `Fe::square` use the portable code (`true`) or detect again (`false`),
/// for the timing comparison.
#[cfg(test)]
pub(crate) fn force_portable(portable: bool) {
    CHOICE.force_portable(portable);
}

/// One row of the product: (l₄ … l₀) += a·[b + off], l₄ being zero before. `rsi` = a, `rcx` = b;
/// `rax` and `rdi` hold the halves of a partial product. The `xor` clears CF and OF.
macro_rules! row {
    ($off:literal, $l0:ident, $l1:ident, $l2:ident, $l3:ident, $l4:ident) => {
        concat!(
            "mov rdx, [rcx + ",
            $off,
            "]\n",
            "xor ",
            stringify!($l4),
            "d, ",
            stringify!($l4),
            "d\n",
            "mulx rdi, rax, [rsi]\n",
            "adcx ",
            stringify!($l0),
            ", rax\n",
            "adox ",
            stringify!($l1),
            ", rdi\n",
            "mulx rdi, rax, [rsi + 8]\n",
            "adcx ",
            stringify!($l1),
            ", rax\n",
            "adox ",
            stringify!($l2),
            ", rdi\n",
            "mulx rdi, rax, [rsi + 16]\n",
            "adcx ",
            stringify!($l2),
            ", rax\n",
            "adox ",
            stringify!($l3),
            ", rdi\n",
            "mulx rdi, rax, [rsi + 24]\n",
            "adcx ",
            stringify!($l3),
            ", rax\n",
            // l₄ = high half + OF (no overflow: a high half is at most 2⁶⁴ − 2), then + CF.
            "adox ",
            stringify!($l4),
            ", rdi\n",
            "adc ",
            stringify!($l4),
            ", 0\n",
        )
    };
}

/// One Montgomery step on (l₃, l₂, l₁, l₀) with k = l₀: (l₀, l₃, l₂, l₁) ← (k, l₃, l₂, l₁) −
/// (k >> 32, k << 32, m) with m = k·(2³² − 1) < 2⁹⁶ in (rcx, rax); see the module doc.
macro_rules! step {
    ($l0:ident, $l1:ident, $l2:ident, $l3:ident) => {
        concat!(
            "mov rax, ",
            stringify!($l0),
            "\n",
            "shl rax, 32\n",
            "mov rcx, ",
            stringify!($l0),
            "\n",
            "shr rcx, 32\n",
            // k·2¹⁶⁰ occupies limbs 2 and 3 as (k >> 32, k << 32).
            "mov rdx, rax\n",
            "mov rdi, rcx\n",
            // m = k·2³² − k.
            "sub rax, ",
            stringify!($l0),
            "\n",
            "sbb rcx, 0\n",
            "sub ",
            stringify!($l1),
            ", rax\n",
            "sbb ",
            stringify!($l2),
            ", rcx\n",
            "sbb ",
            stringify!($l3),
            ", rdx\n",
            "sbb ",
            stringify!($l0),
            ", rdi\n",
        )
    };
}

/// From the product (r15 … r8): the four steps on (r11 … r8), which leave L' in (r11 … r8),
/// then (r15 … r12) = H + L' − p if that is not negative, else H + L'.
macro_rules! reduce {
    () => {
        concat!(
            step!(r8, r9, r10, r11),
            step!(r9, r10, r11, r8),
            step!(r10, r11, r8, r9),
            step!(r11, r8, r9, r10),
            finish!(),
        )
    };
}

macro_rules! finish {
    () => {
        concat!(
            // (rax, r15 … r12) = H + L'.
            "xor eax, eax\n",
            "add r12, r8\n",
            "adc r13, r9\n",
            "adc r14, r10\n",
            "adc r15, r11\n",
            "adc rax, 0\n",
            // (r11 … r8) = H + L' + (2²⁵⁶ − p), 2²⁵⁶ − p = (2³², 0, 2³² − 1, 1); the carry out
            // plus rax is 1 exactly when H + L' ≥ p, and `adc rax, -1` turns that into CF.
            "mov ecx, 0xffffffff\n",
            "lea rdx, [rcx + 1]\n",
            "mov r8, r12\n",
            "add r8, 1\n",
            "mov r9, r13\n",
            "adc r9, rcx\n",
            "mov r10, r14\n",
            "adc r10, 0\n",
            "mov r11, r15\n",
            "adc r11, rdx\n",
            "adc rax, -1\n",
            "cmovc r12, r8\n",
            "cmovc r13, r9\n",
            "cmovc r14, r10\n",
            "cmovc r15, r11\n",
        )
    };
}

/// a·b·2⁻²⁵⁶ mod p, fully reduced, for a, b < p.
///
/// # Safety
/// The CPU must support BMI2 and ADX ([`available`]).
#[inline(always)]
pub(super) unsafe fn mul(a: &Fe, b: &Fe) -> Fe {
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: the caller checked BMI2 and ADX. The code reads 32 bytes at each pointer (both
    // live `Fe`s), writes only the registers listed, and does not touch the stack.
    unsafe {
        asm!(
            // Row 0: (r12 … r8) = a·b₀.
            "mov rdx, [rcx]",
            "mulx r9, r8, [rsi]",
            "mulx r10, rax, [rsi + 8]",
            "add r9, rax",
            "mulx r11, rax, [rsi + 16]",
            "adc r10, rax",
            "mulx r12, rax, [rsi + 24]",
            "adc r11, rax",
            "adc r12, 0",
            // Rows 1–3: += a·bᵢ·2⁶⁴ⁱ.
            row!(8, r9, r10, r11, r12, r13),
            row!(16, r10, r11, r12, r13, r14),
            row!(24, r11, r12, r13, r14, r15),
            reduce!(),
            inout("rsi") a.0.as_ptr() => _,
            inout("rcx") b.0.as_ptr() => _,
            out("rax") _,
            out("rdx") _,
            out("rdi") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") r0,
            out("r13") r1,
            out("r14") r2,
            out("r15") r3,
            options(pure, readonly, nostack),
        );
    }
    Fe([r0, r1, r2, r3])
}

/// a²·2⁻²⁵⁶ mod p, fully reduced, for a < p.
///
/// # Safety
/// The CPU must support BMI2 and ADX ([`available`]).
#[inline(always)]
pub(super) unsafe fn square(a: &Fe) -> Fe {
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: as in `mul`, with one input.
    unsafe {
        asm!(
            // Cross products aᵢ·aⱼ (i < j) into (r14 … r9): a₀·(a₁, a₂, a₃) …
            "mov rdx, [rsi]",
            "mulx r10, r9, [rsi + 8]",
            "mulx r11, rax, [rsi + 16]",
            "add r10, rax",
            "mulx r12, rax, [rsi + 24]",
            "adc r11, rax",
            "adc r12, 0",
            // … a₁·(a₂, a₃) …
            "mov rdx, [rsi + 8]",
            "xor r13d, r13d",
            "mulx rdi, rax, [rsi + 16]",
            "adcx r11, rax",
            "adox r12, rdi",
            "mulx rdi, rax, [rsi + 24]",
            "adcx r12, rax",
            "adox r13, rdi",
            // … and a₂·a₃, whose low half continues the CF chain.
            "mov rdx, [rsi + 16]",
            "mulx r14, rax, [rsi + 24]",
            "adcx r13, rax",
            "adc r14, 0",
            // (r15 … r8) = 2·cross + Σ aᵢ²·2¹²⁸ⁱ: doubling in the CF chain (adcx x, x),
            // the squares in the OF chain.
            "xor r15d, r15d",
            "mov rdx, [rsi]",
            "mulx rdi, r8, rdx",
            "adcx r9, r9",
            "adox r9, rdi",
            "mov rdx, [rsi + 8]",
            "mulx rdi, rax, rdx",
            "adcx r10, r10",
            "adox r10, rax",
            "adcx r11, r11",
            "adox r11, rdi",
            "mov rdx, [rsi + 16]",
            "mulx rdi, rax, rdx",
            "adcx r12, r12",
            "adox r12, rax",
            "adcx r13, r13",
            "adox r13, rdi",
            "mov rdx, [rsi + 24]",
            "mulx rdi, rax, rdx",
            "adcx r14, r14",
            "adox r14, rax",
            "adcx r15, r15",
            "adox r15, rdi",
            reduce!(),
            inout("rsi") a.0.as_ptr() => _,
            out("rax") _,
            out("rcx") _,
            out("rdx") _,
            out("rdi") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") r0,
            out("r13") r1,
            out("r14") r2,
            out("r15") r3,
            options(pure, readonly, nostack),
        );
    }
    Fe([r0, r1, r2, r3])
}
