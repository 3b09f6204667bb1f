// Command hashicorp-plugin is the plugin process of the hashicorp go-plugin baseline: Go native's
// user manager on a reva JSON user file, served to the host that started it (package hashicorp's
// Open) over net/rpc or gRPC, as the host asks. Run by hand, go-plugin tells you it is a plugin.
//
//	hashicorp-plugin -users FILE [-memory-limit-bytes N] [-faults]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"rustplugin/go-interop/faults"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/hashicorp"
	"rustplugin/go-interop/usermanager/native"
)

// faulty causes the fault that GetUser is asked for as the opaque id "fault:NAME".
type faulty struct{ usermanager.Manager }

func (f faulty) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	if name, ok := strings.CutPrefix(id.OpaqueID, "fault:"); ok {
		return nil, faults.Cause(name)
	}
	return f.Manager.GetUser(id)
}

// exitWithParent ends this process when the host that started it is gone: go-plugin notices a
// host that closed its connection, not one that died without closing it (a crash, a test binary
// that exits with its plugins open).
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			os.Exit(0)
		}
	}
}

func main() {
	users := flag.String("users", "", "the reva JSON user file (required)")
	memoryLimit := flag.Int64("memory-limit-bytes", 0, "limit this process's address space (RLIMIT_AS) to N bytes; 0: no limit")
	withFaults := flag.Bool("faults", false, "cause the fault GetUser is asked for as opaque id fault:NAME (the fault matrix)")
	flag.Parse()
	// stdout is go-plugin's handshake line: everything else goes to stderr.
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "hashicorp-plugin:", err)
		os.Exit(1)
	}
	if *users == "" || flag.NArg() != 0 {
		fail(fmt.Errorf("usage: hashicorp-plugin -users FILE [-memory-limit-bytes N] [-faults]"))
	}
	if *memoryLimit > 0 {
		limit := syscall.Rlimit{Cur: uint64(*memoryLimit), Max: uint64(*memoryLimit)}
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &limit); err != nil {
			fail(fmt.Errorf("RLIMIT_AS %d: %w", *memoryLimit, err))
		}
	}
	var manager usermanager.Manager
	manager, err := native.New(*users)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hashicorp-plugin:", err)
		os.Exit(hashicorp.LoadFailureExit + usermanager.StatusOf(err))
	}
	if *withFaults {
		manager = faulty{manager}
	}
	go exitWithParent()
	hashicorp.Serve(manager)
}
