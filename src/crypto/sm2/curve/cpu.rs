//! A CPU feature test made once at run time and kept: which implementation (assembly or
//! vectors, or the portable code) a hot function takes. Shared by the field multiplication
//! (`field/x86.rs`) and SM3 (`sm3/x86.rs`).

use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;

/// Whether this CPU has what `detect` tests for, asked once and then a relaxed load.
pub(crate) struct CpuChoice {
    state: AtomicU8,
    detect: fn() -> bool,
}

impl CpuChoice {
    /// A choice that calls `detect` (`is_x86_feature_detected!` tests) on first use.
    pub(crate) const fn new(detect: fn() -> bool) -> Self {
        CpuChoice {
            state: AtomicU8::new(UNKNOWN),
            detect,
        }
    }

    /// Whether the faster code may run.
    #[inline(always)]
    pub(crate) fn available(&self) -> bool {
        match self.state.load(Relaxed) {
            YES => true,
            NO => false,
            _ => self.decide(),
        }
    }

    #[cold]
    #[inline(never)]
    fn decide(&self) -> bool {
        let yes = (self.detect)();
        self.state.store(if yes { YES } else { NO }, Relaxed);
        yes
    }

    /// Makes [`CpuChoice::available`] answer `false` (`true`: the portable code is forced) or
    /// detect again (`false`), for tests and timing comparisons. Both implementations give the
    /// same results, so other tests running meanwhile are not disturbed.
    #[cfg(test)]
    pub(crate) fn force_portable(&self, on: bool) {
        self.state.store(if on { NO } else { UNKNOWN }, Relaxed);
    }
}
