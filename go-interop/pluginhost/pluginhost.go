// Package pluginhost loads Go plugins with plugin.Open, as the seeds' services do: the user manager
// plugin built from ../goplugin (Open), and any plugin's typed symbols (Lookup). A Go plugin can
// never be unloaded, and plugin.Open refuses a plugin built against another version of any shared
// package.
package pluginhost

import (
	"fmt"
	"plugin"

	"rustplugin/go-interop/usermanager"
)

// Plugin is the loaded user manager plugin's API.
type Plugin struct {
	NewManager func(path string) (usermanager.Manager, error)
	Add        func(a, b int64) int64
}

// Open loads the user manager plugin at path (scripts/go-common.sh builds it into build/goplugin.so).
func Open(path string) (*Plugin, error) {
	newManager, err := Lookup[func(string) (usermanager.Manager, error)](path, "NewManager")
	if err != nil {
		return nil, err
	}
	add, err := Lookup[func(int64, int64) int64](path, "Add")
	if err != nil {
		return nil, err
	}
	return &Plugin{NewManager: newManager, Add: add}, nil
}

// Lookup opens the Go plugin at path (plugin.Open returns the same plugin for a path it has opened)
// and returns its symbol name, which must be a T.
func Lookup[T any](path, name string) (T, error) {
	var zero T
	p, err := plugin.Open(path)
	if err != nil {
		return zero, fmt.Errorf("cannot load Go plugin %s: %w", path, err)
	}
	symbol, err := p.Lookup(name)
	if err != nil {
		return zero, fmt.Errorf("Go plugin %s: %w", path, err)
	}
	value, ok := symbol.(T)
	if !ok {
		return zero, fmt.Errorf("Go plugin %s: %s is a %T, not a %T", path, name, symbol, zero)
	}
	return value, nil
}
