// Package pluginhost loads the Go plugin built from ../goplugin with plugin.Open, as the seeds'
// services do. A Go plugin can never be unloaded, and plugin.Open refuses a plugin built against
// another version of any shared package.
package pluginhost

import (
	"fmt"
	"plugin"

	"rustplugin/go-interop/usermanager"
)

// Plugin is the loaded plugin's API.
type Plugin struct {
	NewManager func(path string) (usermanager.Manager, error)
	Add        func(a, b int64) int64
}

// Open loads the plugin at path (go build -buildmode=plugin -o path ./goplugin).
func Open(path string) (*Plugin, error) {
	p, err := plugin.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load Go plugin %s (build it with `make go-plugin`): %w", path, err)
	}
	newManager, err := p.Lookup("NewManager")
	if err != nil {
		return nil, err
	}
	add, err := p.Lookup("Add")
	if err != nil {
		return nil, err
	}
	newManagerFunc, ok1 := newManager.(func(string) (usermanager.Manager, error))
	addFunc, ok2 := add.(func(int64, int64) int64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("plugin %s: NewManager or Add has an unexpected type", path)
	}
	return &Plugin{NewManager: newManagerFunc, Add: addFunc}, nil
}
