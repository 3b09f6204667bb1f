#include "c_add.h"

int64_t c_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
