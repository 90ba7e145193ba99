//! Running a hot kernel with the CPU's wider vectors: [`wide`] calls its closure compiled for
//! AVX2 where the processor has it (checked once, then a cached flag), and as built otherwise.
//!
//! The arithmetic is the same either way: AVX2 only widens the vectors the compiler already uses
//! for the kernels' lane arrays (eight delay lines, a chunk of samples side by side), and
//! no fused multiply-add is enabled, so every sample comes out bit for bit as on plain x86-64
//! (the nodes' tests and the parallel-render test compare bits). The default target stays
//! x86-64, so the binary runs on any 64-bit x86 processor.
//!
//! Audio thread: no allocation, no lock (the feature check reads an atomic after the first call).

/// Runs `kernel` compiled for AVX2 when the CPU has it. The kernel should be one call to an
/// `#[inline(always)]` function, so that its body is compiled inside the AVX2 frame.
#[inline(always)]
pub(crate) fn wide<R>(kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { with_avx2(kernel) };
        }
    }
    kernel()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}
