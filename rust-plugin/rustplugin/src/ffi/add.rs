//! `Add`, the trivial call that measures the bare cost of crossing the boundary.

/// Returns `a + b`, wrapping on overflow (two's complement), like Go's `int64` addition.
///
/// Named `Add`, without the library prefix, as in the Go originals, so benchmarks and flame graphs
/// read the same across languages. Never fails; safe to call from any thread.
///
/// It runs outside the panic boundary because it cannot panic: wrapping arithmetic has no
/// overflow check. (Were it ever to panic, Rust aborts at an `extern "C"` edge rather than unwind.)
#[no_mangle]
pub extern "C" fn Add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}
