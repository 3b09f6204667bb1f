// Package conformance holds the Rust drop-in (package rust) to reva v1.7's json driver, and
// benchmarks reva's driver in process and as a Go plugin beside it, on the data and keys of
// go-interop's user manager benchmarks.
package conformance

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cs3org/reva/pkg/user"
	"github.com/cs3org/reva/pkg/user/manager/registry"

	"rustplugin/go-interop/pluginhost"
	"rustplugin/go-interop/usermanager/workload"

	_ "github.com/cs3org/reva/pkg/user/manager/json"
	_ "rustplugin/go-interop/reva/rust"
)

// Paths from this package's folder (go test runs in it).
var (
	repoRoot      = filepath.Join("..", "..", "..")
	demoUsersPath = filepath.Join(repoRoot, "rust-plugin", "rustplugin", "data", "demo-users.json")
	genUsers      = filepath.Join(repoRoot, "target", "release", "gen-users")
	// goPluginPath is reva's json driver as a Go plugin (scripts/go-common.sh builds it).
	goPluginPath = filepath.Join("..", "..", "build", "revagoplugin.so")
)

// driver is one way of reaching a reva user manager.
type driver struct {
	name string
	open func(path string) (user.Manager, error)
}

var (
	loadPlugin sync.Once
	pluginNew  func(map[string]interface{}) (user.Manager, error)
	pluginErr  error
)

// drivers: reva's json driver in process (through reva's registry) and as a Go plugin, and the
// Rust drop-in (through reva's registry).
func drivers(tb testing.TB) []driver {
	tb.Helper()
	loadPlugin.Do(func() {
		pluginNew, pluginErr = pluginhost.Lookup[func(map[string]interface{}) (user.Manager, error)](goPluginPath, "New")
	})
	if pluginErr != nil {
		tb.Fatal(pluginErr)
	}
	fromRegistry := func(name string) func(string) (user.Manager, error) {
		return func(path string) (user.Manager, error) {
			return registry.NewFuncs[name](map[string]interface{}{"users": path})
		}
	}
	return []driver{
		{name: "reva-native", open: fromRegistry("json")},
		{name: "reva-goplugin", open: func(path string) (user.Manager, error) {
			return pluginNew(map[string]interface{}{"users": path})
		}},
		{name: "reva-rust", open: fromRegistry("rust")},
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	workload.RemoveTemporary()
	os.Exit(code)
}
