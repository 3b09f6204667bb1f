#ifndef C_ADD_H
#define C_ADD_H
#include <stdint.h>
/* a + b, wrapping, like the Rust Add. */
int64_t c_add(int64_t a, int64_t b);
#endif
