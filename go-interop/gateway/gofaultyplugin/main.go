// Command gofaultyplugin is the faulty plugin of the fault matrix as a Go plugin (built with
// -buildmode=plugin): the same faults as rust-plugin/plugins/faulty-plugin, by the X-Fault header.
// In a Go host, only a panic in the handler's goroutine can be recovered; the others are fatal
// errors of the Go runtime, which take the host down.
package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"syscall"

	"rustplugin/go-interop/gateway/httpplugin"
)

type faulty struct{}

func (faulty) Init() error  { return nil }
func (faulty) Close() error { return nil }

var hoard [][]byte

//go:noinline
func recurse(depth int) int { return recurse(depth+1) + 1 }

// Handle answers "ok", unless X-Fault names a fault.
func (faulty) Handle(_ context.Context, req httpplugin.Request, resp httpplugin.Response) error {
	switch req.GetHeader("X-Fault") {
	case "panic":
		panic("the handler was asked to panic")
	case "segfault":
		// Not address 0 (Go turns a nil dereference into a recoverable panic): a page unmapped
		// under a slice, which the runtime reports as an unexpected fault address, fatally.
		page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return err
		}
		_ = syscall.Munmap(page)
		page[0] = 1
	case "abort":
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
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
	resp.SetBody([]byte("ok"))
	return nil
}

// NewPlugin is the factory the host looks up.
func NewPlugin() httpplugin.Plugin { return faulty{} }

func main() {}
