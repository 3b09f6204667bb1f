// Package faults plants the faults of the fault matrix in Go code: the Go plugins and the
// hashicorp go-plugin server cause them on request, as rust-plugin/plugins/faulty-plugin does in
// Rust. In a Go process, only a panic can be recovered (in the goroutine that panics); the others
// are fatal errors of the Go runtime or signals, which end the process.
package faults

import (
	"errors"
	"fmt"
	"runtime/debug"
	"syscall"
)

// Names are the faults Cause knows, in the matrix's order.
var Names = []string{"panic", "segfault", "abort", "stack-overflow", "loop", "memory-bomb"}

// ErrUnknown is Cause's answer to a name that is not a fault.
var ErrUnknown = errors.New("unknown fault")

// hoard keeps the memory bomb's chunks reachable, so that the collector cannot free them.
var hoard [][]byte

//go:noinline
func recurse(depth int) int { return recurse(depth+1) + 1 }

// Cause causes the fault called name: it does not return, except for an unknown name (ErrUnknown)
// and when a fault could not be set up.
func Cause(name string) error {
	switch name {
	case "panic":
		panic("asked to panic")
	case "segfault":
		// Not address 0 (Go turns a nil dereference into a recoverable panic): a page unmapped
		// under a slice, which the runtime reports as an unexpected fault address, fatally.
		page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return err
		}
		if err := syscall.Munmap(page); err != nil {
			return err
		}
		page[0] = 1
	case "abort":
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGABRT); err != nil {
			return err
		}
		select {}
	case "stack-overflow":
		// Go grows a goroutine's stack up to 1 GB before it gives up; 64 MB makes the same fault quicker.
		debug.SetMaxStack(64 << 20)
		return fmt.Errorf("recursion ended at %d", recurse(0))
	case "loop":
		for {
		}
	case "memory-bomb":
		for {
			chunk := make([]byte, 1<<20)
			for i := range chunk {
				chunk[i] = 1
			}
			hoard = append(hoard, chunk)
		}
	}
	return fmt.Errorf("%w %q", ErrUnknown, name)
}
