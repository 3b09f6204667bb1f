#ifndef NATIVE_ADD_H
#define NATIVE_ADD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** a + b, wrapping, like the Rust Add; defined in native_add.c so it is never inlined. */
int64_t native_add(int64_t a, int64_t b);

#ifdef __cplusplus
}
#endif

#endif
