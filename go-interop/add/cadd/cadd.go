// Package cadd is the baseline of the cgo transition itself: Go calling an add written in C
// (c_add.c, its own translation unit), plainly and marked nocallback/noescape, to set beside Go
// calling the Rust Add (package rustcgo).
package cadd

/*
#cgo noescape c_add_nocallback
#cgo nocallback c_add_nocallback
#include "c_add.h"
static inline int64_t c_add_nocallback(int64_t a, int64_t b) { return c_add(a, b); }
*/
import "C"

// Add calls c_add through a plain cgo call.
func Add(a, b int64) int64 { return int64(C.c_add(C.int64_t(a), C.int64_t(b))) }

// AddNoCallback calls c_add through a cgo call marked nocallback and noescape.
func AddNoCallback(a, b int64) int64 { return int64(C.c_add_nocallback(C.int64_t(a), C.int64_t(b))) }
