// Command carchive is built with -buildmode=c-archive into libgoadd.a, so C and C++ can call Go:
// the seeds' C++ -> Go case. The export is GoAdd, not Add: a binary may also link the Rust Add.
package main

import "C"

// GoAdd returns a + b (wrapping, as Go's int64 addition does).
//
//export GoAdd
func GoAdd(a, b int64) int64 { return a + b }

func main() {}
