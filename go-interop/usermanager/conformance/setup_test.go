package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"rustplugin/go-interop/pluginhost"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/native"
	"rustplugin/go-interop/usermanager/process"
	"rustplugin/go-interop/usermanager/rustcgo"
	"rustplugin/go-interop/usermanager/wasm"
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
}

// bases: Go native, the Go plugin, the Rust plugin through cgo, in Wasm (wazero) and out of
// process (rp-plugin-server), as they answer (the shared contract).
func bases(tb testing.TB) []implementation {
	p := thePlugin(tb)
	return []implementation{
		{"native", func(path string) (usermanager.Manager, error) { return native.New(path) }},
		{"goplugin", p.NewManager},
		{"cgo", func(path string) (usermanager.Manager, error) { return rustcgo.Open(path) }},
		{"wasm", func(path string) (usermanager.Manager, error) {
			return wasm.Open(userManagerWasm, path, wasm.Options{MemoryLimitBytes: 4 << 30})
		}},
		{"process", func(path string) (usermanager.Manager, error) {
			return process.Open(userManagerLibrary, path, process.Options{})
		}},
	}
}

// implementations: each base under the shared contract and under the owned one (usermanager.Owned).
func implementations(tb testing.TB) []implementation {
	var all []implementation
	for _, base := range bases(tb) {
		owned := func(path string) (usermanager.Manager, error) {
			m, err := base.open(path)
			if err != nil {
				return nil, err
			}
			return usermanager.Owned(m), nil
		}
		all = append(all, implementation{base.name + "-shared", base.open}, implementation{base.name + "-owned", owned})
	}
	return all
}

// generated writes (once per test binary) a file of n generated users with gen-users.
func generated(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-%d-%d.json", n, os.Getpid()))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if out, err := exec.Command(genUsers, fmt.Sprint(n), "--output", path).CombinedOutput(); err != nil {
		tb.Fatalf("%s %d: %v\n%s(build it with `make build-rust`)", genUsers, n, err, out)
	}
	return path
}

func TestMain(m *testing.M) {
	code := m.Run()
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-*-%d.json", os.Getpid())))
	for _, path := range matches {
		os.Remove(path)
	}
	os.Exit(code)
}
