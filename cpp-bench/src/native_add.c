/* The native C baseline for Add: compiled as its own translation unit, without LTO, so every call
 * from the benchmark is a real call, as a call into the Rust library is. */
#include "native_add.h"

int64_t native_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
