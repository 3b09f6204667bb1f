package conformance

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"rustplugin/go-interop/pluginhost"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/hashicorp"
	"rustplugin/go-interop/usermanager/native"
	"rustplugin/go-interop/usermanager/process"
	"rustplugin/go-interop/usermanager/rustcgo"
	"rustplugin/go-interop/usermanager/wasm"
	"rustplugin/go-interop/usermanager/workload"
)

// Paths from this package's folder (go test runs in it).
var (
	repoRoot      = filepath.Join("..", "..", "..")
	demoUsersPath = filepath.Join(repoRoot, "rust-plugin", "rustplugin", "data", "demo-users.json")
	genUsers      = filepath.Join(repoRoot, "target", "release", "gen-users")
	// userManagerWasm is the user manager scripts/build-wasm.sh builds.
	userManagerWasm = filepath.Join(repoRoot, "target", "wasm32-unknown-unknown", "release", "rustplugin.wasm")
	// userManagerLibrary is the user manager rp-plugin-server loads out of process.
	userManagerLibrary = filepath.Join(repoRoot, "target", "release", "librustplugin.so")
	// hashicorpPlugin is the hashicorp go-plugin baseline's plugin process (scripts/go-common.sh).
	hashicorpPlugin = filepath.Join("..", "..", "build", "hashicorp-plugin")
)

// goPluginPath is the Go plugin scripts/go-common.sh builds; GOPLUGIN_SO overrides it.
func goPluginPath() string {
	if path := os.Getenv("GOPLUGIN_SO"); path != "" {
		return path
	}
	return filepath.Join("..", "..", "build", "goplugin.so")
}

var (
	loadPlugin sync.Once
	goPlugin   *pluginhost.Plugin
	pluginErr  error
)

// thePlugin loads the Go plugin once: a Go plugin can never be unloaded.
func thePlugin(tb testing.TB) *pluginhost.Plugin {
	tb.Helper()
	loadPlugin.Do(func() { goPlugin, pluginErr = pluginhost.Open(goPluginPath()) })
	if pluginErr != nil {
		tb.Fatal(pluginErr)
	}
	return goPlugin
}

// implementation is one way of reaching the user manager, under one contract.
type implementation struct {
	name string // the path name of the benchmarks: native-shared, cgo-owned, ...
	open func(path string) (usermanager.Manager, error)
	// owned: the answers are the caller's own already (a copy off the wire); the implementation
	// has no shared contract, and its name no contract suffix.
	owned bool
}

// hashicorpOver opens the hashicorp go-plugin baseline over transport.
func hashicorpOver(transport hashicorp.Transport) func(path string) (usermanager.Manager, error) {
	return func(path string) (usermanager.Manager, error) {
		return hashicorp.Open(hashicorpPlugin, path, hashicorp.Options{Transport: transport})
	}
}

// bases: Go native (reva's scan, and the Rust store's indexes in Go), the Go plugin, the Rust plugin through cgo, in Wasm (wazero) and out of
// process (rp-plugin-server), as they answer (the shared contract); and Go native served by
// hashicorp go-plugin over net/rpc and gRPC (owned answers).
func bases(tb testing.TB) []implementation {
	p := thePlugin(tb)
	return []implementation{
		{name: "native", open: func(path string) (usermanager.Manager, error) { return native.New(path) }},
		{name: "native-indexed", open: func(path string) (usermanager.Manager, error) { return native.NewIndexed(path) }},
		{name: "goplugin", open: p.NewManager},
		{name: "cgo", open: func(path string) (usermanager.Manager, error) { return rustcgo.Open(path) }},
		{name: "wasm", open: func(path string) (usermanager.Manager, error) {
			// A large file's instance reserves its memory (wasm.Options.ReserveMemory); a small
			// one's does not: a reservation of the 4 GiB limit per instance would count in the
			// Go heap for every manager the tests open.
			info, err := os.Stat(path) // a file it cannot stat is wasm.Open's to refuse
			large := err == nil && info.Size() > 64<<20
			return wasm.Open(userManagerWasm, path, wasm.Options{MemoryLimitBytes: 4 << 30, ReserveMemory: large})
		}},
		{name: "process", open: func(path string) (usermanager.Manager, error) {
			return process.Open(userManagerLibrary, path, process.Options{})
		}},
		{name: "hashicorp-netrpc", open: hashicorpOver(hashicorp.NetRPC), owned: true},
		{name: "hashicorp-grpc", open: hashicorpOver(hashicorp.GRPC), owned: true},
	}
}

// implementations: each base under the shared contract and under the owned one (usermanager.Owned).
func implementations(tb testing.TB) []implementation {
	var all []implementation
	for _, base := range bases(tb) {
		if base.owned {
			all = append(all, base)
			continue
		}
		owned := func(path string) (usermanager.Manager, error) {
			m, err := base.open(path)
			if err != nil {
				return nil, err
			}
			return usermanager.Owned(m), nil
		}
		all = append(all, implementation{name: base.name + "-shared", open: base.open}, implementation{name: base.name + "-owned", open: owned})
	}
	return all
}

// generated returns a file of n generated users, written once per test binary.
func generated(tb testing.TB, n int) string { return workload.DataFileFor(tb, genUsers, "", n) }

func TestMain(m *testing.M) {
	code := m.Run()
	workload.RemoveTemporary()
	os.Exit(code)
}
